pub fn cache_ttl(config: &config::Config) -> u64 {
    config.get_int("cache.ttl_seconds").unwrap_or(60) as u64
}
