fn main() {
    let db = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let debug = std::env::var("DEBUG").is_ok();
    let level = std::env::var("LOG_LEVEL").ok();
    println!("{db} {port} {debug} {level:?}");
}
