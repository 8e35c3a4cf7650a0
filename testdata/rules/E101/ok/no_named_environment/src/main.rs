fn main() {
    // Only a bare `.env`: no environment is named, so nothing is judged.
    let key = std::env::var("API_KEY").expect("API_KEY");
    println!("{key}");
}
