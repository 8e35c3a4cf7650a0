use std::env;

fn main() {
    let database_url = env::var("DATABASE_URL").expect("DATABASE_URL must be set");
    let redis_url = env::var("REDIS_URL").expect("REDIS_URL must be set"); // expect: E101
    let workers: usize = env::var("WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    run(&database_url, &redis_url, workers);
}

fn run(_db: &str, _cache: &str, _workers: usize) {}
