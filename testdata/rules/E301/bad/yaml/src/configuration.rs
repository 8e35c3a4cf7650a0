pub fn email_timeout(settings: &config::Config) -> std::time::Duration {
    let ms = settings
        .get_int("email_client.timeout_milliseconds")
        .unwrap_or(1000);
    std::time::Duration::from_millis(ms as u64)
}
