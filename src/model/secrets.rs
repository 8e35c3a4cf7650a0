//! Does a value in an env or config file look like a committed secret?
//!
//! Two kinds of evidence. A value in a provider's own format (AWS access key IDs, GitHub,
//! GitLab, Slack, Stripe live, Google, OpenAI, Anthropic, npm, SendGrid tokens, PEM private
//! keys) is a secret wherever it sits. Any other value counts only under a secret-like name
//! (`*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `API_KEY`, `PRIVATE_KEY`, ...) and only when it looks
//! random: long enough, high Shannon entropy, no placeholder words, no sequences, no
//! references. A password inside a URL is judged the same way. Files that document the
//! contract (`.env.example`, samples, templates) and test fixtures hold placeholders on
//! purpose: there, only the provider formats count.
//!
//! Values never leave this module except through [`crate::redact`].

use serde::Serialize;

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    AwsAccessKeyId,
    AwsSecretAccessKey,
    GitHubToken,
    GitLabToken,
    SlackToken,
    StripeLiveKey,
    GoogleApiKey,
    OpenAiKey,
    AnthropicKey,
    NpmToken,
    SendGridKey,
    PrivateKey,
    UrlPassword,
    HighEntropy,
}

impl SecretKind {
    pub fn describe(self) -> &'static str {
        match self {
            SecretKind::AwsAccessKeyId => "an AWS access key ID",
            SecretKind::AwsSecretAccessKey => "an AWS secret access key",
            SecretKind::GitHubToken => "a GitHub token",
            SecretKind::GitLabToken => "a GitLab token",
            SecretKind::SlackToken => "a Slack token",
            SecretKind::StripeLiveKey => "a live Stripe key",
            SecretKind::GoogleApiKey => "a Google API key",
            SecretKind::OpenAiKey => "an OpenAI API key",
            SecretKind::AnthropicKey => "an Anthropic API key",
            SecretKind::NpmToken => "an npm token",
            SecretKind::SendGridKey => "a SendGrid API key",
            SecretKind::PrivateKey => "a private key",
            SecretKind::UrlPassword => "a password inside a URL",
            SecretKind::HighEntropy => "a random-looking secret",
        }
    }

    /// Found by the provider's format, not by the name and entropy.
    pub fn by_format(self) -> bool {
        !matches!(self, SecretKind::UrlPassword | SecretKind::HighEntropy)
    }
}

/// A detection: the kind, and the secret part of the value (the password of a URL; the
/// whole value otherwise) as a byte range into the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub kind: SecretKind,
    pub range: std::ops::Range<usize>,
}

/// Split a key into lowercase words: `dbPassword` → `db`, `password`;
/// `AWS_SECRET_ACCESS_KEY` → `aws`, `secret`, `access`, `key`.
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Does a key name a secret (`DB_PASSWORD`, `jwtSecret`, `STRIPE_API_KEY`, `auth.token`) and
/// not something about one (`ACCESS_KEY_ID`, `SECRET_NAME`, `TOKEN_TTL`, `PASSWORD_FILE`)?
pub fn secret_like_key(key: &str) -> bool {
    let w = words(key);
    let Some(last) = w.last() else {
        return false;
    };
    const NOT_THE_SECRET: &[&str] = &[
        "id",
        "ids",
        "name",
        "names",
        "user",
        "username",
        "host",
        "hostname",
        "port",
        "path",
        "file",
        "dir",
        "header",
        "type",
        "kind",
        "algorithm",
        "alg",
        "enabled",
        "enable",
        "disabled",
        "required",
        "length",
        "len",
        "size",
        "ttl",
        "expiry",
        "expires",
        "exp",
        "expiration",
        "lifetime",
        "timeout",
        "count",
        "max",
        "min",
        "prefix",
        "suffix",
        "endpoint",
        "region",
        "version",
        "format",
        "mode",
        "policy",
        "rotation",
        "location",
        "provider",
        "field",
        "param",
        "env",
        "var",
        "source",
        "hint",
        "query",
        "bucket",
        "url",
        "uri",
        "issuer",
        "audience",
        "aud",
        "scope",
        "scopes",
        "hash",
        "cost",
        "rounds",
        "strategy",
        "store",
        "method",
        "complexity",
        "reset",
        "flag",
        "regex",
        "pattern",
        "label",
        "email",
    ];
    if NOT_THE_SECRET.contains(&last.as_str()) {
        return false;
    }
    if w.iter().any(|x| x == "public" || x == "publishable") {
        return false;
    }
    let has = |s: &str| w.iter().any(|x| x == s);
    if [
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "secrets",
        "token",
    ]
    .iter()
    .any(|s| has(s))
    {
        return true;
    }
    if [
        "apikey",
        "credential",
        "credentials",
        "privatekey",
        "secretkey",
        "accesskey",
    ]
    .iter()
    .any(|s| has(s))
    {
        return true;
    }
    if last == "key" || last == "auth" {
        const KEY_OF: &[&str] = &[
            "private",
            "secret",
            "access",
            "api",
            "encryption",
            "signing",
            "master",
            "session",
            "client",
            "service",
            "auth",
            "account",
            "license",
            "webhook",
            "jwt",
            "hmac",
            "shared",
            "storage",
            "app",
            "crypto",
            "cipher",
            "redis",
        ];
        return w.len() >= 2 && KEY_OF.contains(&w[w.len() - 2].as_str())
            || last == "auth" && w.len() >= 2;
    }
    false
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::BTreeMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Placeholder words and shapes: `changeme`, `your-key-here`, `<token>`, `xxxx`, `${VAR}`.
pub fn placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "change",
        "replace",
        "placeholder",
        "example",
        "your",
        "xxx",
        "dummy",
        "fake",
        "sample",
        "todo",
        "insert",
        "redacted",
        "secret",
        "password",
        "token",
        "test",
        "demo",
        "default",
        "foobar",
        "lorem",
        "mock",
        "here",
        "fixme",
        "notreal",
        "invalid",
        "local",
        "insecure",
        "unsecure",
    ];
    if WORDS.iter().any(|w| l.contains(w)) {
        return true;
    }
    if ["${", "$(", "{{", "<%", "%{", "#{"]
        .iter()
        .any(|m| v.contains(m))
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('$')
            && v[1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return true;
    }
    // `env(DATABASE_PASSWORD)`, `secret(NAME)`: a reference in the loader's syntax.
    if let Some(open) = v.find('(')
        && v.ends_with(')')
    {
        let (head, inner) = (&v[..open], &v[open + 1..v.len() - 1]);
        if head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
            && !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return true;
        }
    }
    let bytes = v.as_bytes();
    // Runs: the same character, or an ascending sequence (`abcdef`, `123456`), six long; or
    // several shorter ones (`1234-5678-abcd`), which random values almost never hold.
    let mut same = 1;
    let mut up = 1;
    let mut short_runs = 0;
    for w in bytes.windows(2) {
        same = if w[1] == w[0] { same + 1 } else { 1 };
        up = if w[1] == w[0].wrapping_add(1) {
            up + 1
        } else {
            1
        };
        if same >= 6 || up >= 6 {
            return true;
        }
        if up == 4 || same == 4 {
            short_runs += 1;
        }
    }
    short_runs >= 2
}

/// Values that are obviously not secrets whatever their entropy: paths, plain URLs,
/// emails, numbers, versions, hostnames.
fn not_a_secret_shape(v: &str) -> bool {
    v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("~/")
        || v.starts_with("../")
        || (v.contains("://") && url_password(v).is_none())
        || (v.contains('@') && v.contains('.') && !v.contains(':') && !v.contains('/'))
        || v.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_')
        || v.chars().any(char::is_whitespace)
}

/// Random-looking: at least 16 characters of two classes or more, with high entropy (hex
/// strings have at most 4 bits per character, so they need to be longer instead).
pub fn random_looking(v: &str) -> bool {
    let n = v.chars().count();
    if n < 16 || placeholder(v) || not_a_secret_shape(v) {
        return false;
    }
    if prose(v) {
        return false;
    }
    let lower = v.bytes().any(|b| b.is_ascii_lowercase());
    let upper = v.bytes().any(|b| b.is_ascii_uppercase());
    let digit = v.bytes().any(|b| b.is_ascii_digit());
    let other = v.bytes().any(|b| !b.is_ascii_alphanumeric());
    let classes = [lower, upper, digit, other].iter().filter(|&&x| x).count();
    if classes < 2 {
        return false;
    }
    let hex = v.bytes().all(|b| b.is_ascii_hexdigit());
    let e = entropy(v);
    if hex { n >= 32 && e >= 3.0 } else { e >= 3.5 }
}

/// Words strung together (`you_must_generate_a_random_string`, `a-not-so-secure-key`): an
/// instruction or a passphrase, not a random value. Three alphabetic words or more, and
/// most of the value.
fn prose(v: &str) -> bool {
    let words: Vec<&str> = v
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 2 && w.bytes().all(|b| b.is_ascii_alphabetic()))
        .collect();
    let letters: usize = words.iter().map(|w| w.len()).sum();
    words.len() >= 3 && letters * 10 >= v.len() * 7
}

/// The password of `scheme://user:password@host/...`, as a byte range into `v`.
pub fn url_password(v: &str) -> Option<std::ops::Range<usize>> {
    let scheme_end = v.find("://")? + 3;
    let rest = &v[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let userinfo = &authority[..at];
    let colon = userinfo.find(':')?;
    let start = scheme_end + colon + 1;
    let end = scheme_end + at;
    (end > start).then_some(start..end)
}

/// Well-known published development credentials: not secrets, whatever they look like.
const PUBLIC_DEV_VALUES: &[&str] = &[
    // The Azure Storage emulator (Azurite) account key, published in its documentation.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
];

fn all_of(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Provider formats, anywhere in the value. Returns the kind and the token's byte range.
fn by_format(v: &str) -> Option<(SecretKind, std::ops::Range<usize>)> {
    // PEM private keys: a header with a body.
    if let Some(p) = v.find("-----BEGIN ")
        && let Some(h) = v[p..].find("PRIVATE KEY")
    {
        let body_start = p + h;
        let body: usize = v[body_start..]
            .bytes()
            .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
            .count();
        if body >= 64 {
            return Some((SecretKind::PrivateKey, p..v.len()));
        }
    }
    // Tokens: scan words of token characters.
    let bytes = v.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !token_byte(bytes[i]) && bytes[i] != b'.' {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (token_byte(bytes[i]) || bytes[i] == b'.') {
            i += 1;
        }
        let w = &v[start..i];
        if let Some(kind) = token_kind(w) {
            return Some((kind, start..i));
        }
    }
    None
}

fn token_kind(w: &str) -> Option<SecretKind> {
    let has = |prefix: &str, min: usize, f: fn(u8) -> bool| {
        w.strip_prefix(prefix)
            .is_some_and(|rest| rest.len() >= min && all_of(rest, f))
    };
    if w.len() == 20
        && ["AKIA", "ASIA", "ABIA", "ACCA"]
            .iter()
            .any(|p| w.starts_with(p))
        && all_of(&w[4..], |b| {
            b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)
        })
    {
        return Some(SecretKind::AwsAccessKeyId);
    }
    if ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]
        .iter()
        .any(|p| has(p, 36, alnum))
        || has("github_pat_", 60, |b| alnum(b) || b == b'_')
    {
        return Some(SecretKind::GitHubToken);
    }
    if has("glpat-", 20, token_byte) {
        return Some(SecretKind::GitLabToken);
    }
    if ["xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"]
        .iter()
        .any(|p| has(p, 20, |b| alnum(b) || b == b'-'))
    {
        return Some(SecretKind::SlackToken);
    }
    if has("sk_live_", 20, alnum) || has("rk_live_", 20, alnum) {
        return Some(SecretKind::StripeLiveKey);
    }
    if has("AIza", 35, token_byte) {
        return Some(SecretKind::GoogleApiKey);
    }
    if has("sk-ant-", 80, token_byte) {
        return Some(SecretKind::AnthropicKey);
    }
    if (has("sk-proj-", 40, token_byte) || has("sk-", 40, alnum)) && !w.starts_with("sk-ant-") {
        return Some(SecretKind::OpenAiKey);
    }
    if has("npm_", 36, alnum) {
        return Some(SecretKind::NpmToken);
    }
    if let Some(rest) = w.strip_prefix("SG.")
        && let Some((a, b)) = rest.split_once('.')
        && a.len() >= 20
        && b.len() >= 40
        && all_of(a, token_byte)
        && all_of(b, token_byte)
    {
        return Some(SecretKind::SendGridKey);
    }
    None
}

/// Judge the value of `key`. `documented`: the file documents the contract or is a test
/// fixture, where only provider formats count.
pub fn detect(key: &str, value: &str, documented: bool) -> Option<Detection> {
    let v = value.trim();
    if v.is_empty() || PUBLIC_DEV_VALUES.contains(&v) {
        return None;
    }
    let offset = value.len() - value.trim_start().len();
    if let Some((kind, r)) = by_format(v) {
        let token = &v[r.clone()];
        let fake = placeholder(token) && kind != SecretKind::PrivateKey;
        if !fake && (kind == SecretKind::PrivateKey || entropy(token) >= 3.0) {
            return Some(Detection {
                kind,
                range: r.start + offset..r.end + offset,
            });
        }
    }
    if documented {
        return None;
    }
    let words = words(key);
    if words.iter().any(|w| w == "aws")
        && words.iter().any(|w| w == "secret")
        && v.len() == 40
        && all_of(v, |b| alnum(b) || b == b'/' || b == b'+')
        && random_looking(v)
    {
        return Some(Detection {
            kind: SecretKind::AwsSecretAccessKey,
            range: offset..offset + v.len(),
        });
    }
    if let Some(r) = url_password(v) {
        let pw = &v[r.clone()];
        let decoded_ok = pw.len() >= 12 && !placeholder(pw);
        if decoded_ok && entropy(pw) >= 3.3 {
            return Some(Detection {
                kind: SecretKind::UrlPassword,
                range: r.start + offset..r.end + offset,
            });
        }
        return None;
    }
    if secret_like_key(key) && random_looking(v) {
        return Some(Detection {
            kind: SecretKind::HighEntropy,
            range: offset..offset + v.len(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(key: &str, v: &str) -> Option<SecretKind> {
        detect(key, v, false).map(|d| d.kind)
    }

    #[test]
    fn instructions_and_keyboard_fakes_are_not_secrets() {
        // Sentences that tell the reader to generate a value.
        assert_eq!(
            kind(
                "encryption_key",
                "you_must_generate_a_random_string_of_more_than_twenty_chars_and_configure_this"
            ),
            None
        );
        assert_eq!(
            kind("encryption_key", "a_not_so_secure_encryption_key"),
            None
        );
        // Several short runs: typed by hand.
        assert_eq!(
            kind("ACCESS_KEY", "8312341g-5678-abcd-4a2b2c-33bcsd655"),
            None
        );
        assert_eq!(
            kind("DATABASE_URL", "postgres://app:seriously-insecure@db/app"),
            None
        );
        // Random values still are.
        assert_eq!(
            kind(
                "SECRET_KEY_BASE",
                "yYrECL4qbNwleYInGJYvVnSkwJuSQJ4ijPTx5tirGUXrbznF"
            ),
            Some(SecretKind::HighEntropy)
        );
        assert_eq!(
            kind("JWT_SECRET", "f023d3db-39dc-4ac9-87b2-b2be72e9162b"),
            Some(SecretKind::HighEntropy)
        );
    }

    #[test]
    fn secret_like_keys() {
        for k in [
            "DB_PASSWORD",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "STRIPE_API_KEY",
            "apiKey",
            "dbPassword",
            "PRIVATE_KEY",
            "SESSION_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "REDIS_AUTH",
            "auth.token",
            "client_secret",
            "TOKEN_ENCRYPTION_KEY",
        ] {
            assert!(secret_like_key(k), "{k}");
        }
        for k in [
            "AWS_ACCESS_KEY_ID",
            "SECRET_NAME",
            "TOKEN_TTL",
            "PASSWORD_MIN_LENGTH",
            "JWT_SECRET_FILE",
            "NEXT_PUBLIC_API_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "PRIMARY_KEY",
            "SORT_KEY",
            "DATABASE_URL",
            "OPAMP_GO_REF",
            "GOTRUE_JWT_EXP",
        ] {
            assert!(!secret_like_key(k), "{k}");
        }
    }

    #[test]
    fn provider_formats_anywhere() {
        // Built at run time so that this file holds no token-shaped literal.
        let aws = format!("AKIA{}", "Q7ZL3VX2M5NB4KRT");
        assert_eq!(kind("ANYTHING", &aws), Some(SecretKind::AwsAccessKeyId));
        let gh = format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A");
        assert_eq!(kind("X", &gh), Some(SecretKind::GitHubToken));
        let stripe = format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dc");
        assert_eq!(kind("X", &stripe), Some(SecretKind::StripeLiveKey));
        // In a documented file the formats still count.
        assert_eq!(
            detect("X", &aws, true).map(|d| d.kind),
            Some(SecretKind::AwsAccessKeyId)
        );
        // The documentation's example keys do not.
        assert_eq!(kind("X", "AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(kind("ANTHROPIC_API_KEY", "sk-ant-api03-PLACEHOLDER"), None);
    }

    #[test]
    fn pem_private_key_needs_a_body() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7".repeat(3);
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
        assert_eq!(kind("TLS_KEY", &pem), Some(SecretKind::PrivateKey));
        assert_eq!(kind("DOC", "-----BEGIN PRIVATE KEY-----\n...\n"), None);
    }

    #[test]
    fn entropy_under_secret_names_only() {
        let random = "f9Kq2LmZx7Pw4RtY8vBn3HsJ";
        assert_eq!(kind("API_SECRET", random), Some(SecretKind::HighEntropy));
        assert_eq!(kind("BUILD_SHA", random), None);
        assert_eq!(
            detect("API_SECRET", random, true),
            None,
            "documented files hold examples"
        );
        for v in [
            "changethis",
            "changeme",
            "secret",
            "badkeyabcdefghijklmnopqrstuvwxyzabcdef",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "${SECRET_FROM_VAULT}",
            "your-api-key-here-please-0123",
            "CHANGE-THIS! VERY IMPORTANT!",
            "/run/secrets/db_password",
            "env(OPENAI_API_KEY)",
            "http://localhost:8080/callback",
        ] {
            assert_eq!(kind("APP_SECRET", v), None, "{v}");
        }
        // A long random hex key.
        assert_eq!(
            kind(
                "TOKEN_ENCRYPTION_KEY",
                "0af877502cf11413eaa64af985fe1f8ed250ac9168a3b2db7da52cd5cc6116a9"
            ),
            Some(SecretKind::HighEntropy)
        );
    }

    #[test]
    fn passwords_in_urls() {
        let d = detect(
            "DATABASE_URL",
            "postgres://app:Zx8qP2vL9mW4rT7k@db.internal:5432/app",
            false,
        )
        .unwrap();
        assert_eq!(d.kind, SecretKind::UrlPassword);
        assert_eq!(
            &"postgres://app:Zx8qP2vL9mW4rT7k@db.internal:5432/app"[d.range],
            "Zx8qP2vL9mW4rT7k"
        );
        for v in [
            "postgres://postgres:postgres@localhost:5432/app",
            "postgres://postgres:${POSTGRES_PASSWORD}@db/app",
            "redis://:myredissecret@127.0.0.1:6379/1",
            "postgres://user@host/db",
        ] {
            assert_eq!(kind("DATABASE_URL", v), None, "{v}");
        }
    }

    #[test]
    fn public_development_values() {
        assert_eq!(kind("AZURE_STORAGE_SECRET_KEY", PUBLIC_DEV_VALUES[0]), None);
    }
}
