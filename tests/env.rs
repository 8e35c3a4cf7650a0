//! The env family end to end: secrets never reach any output format (text with and without
//! colour, JSON, the binary's stdout and `--output` file), and the pipeline wires reads,
//! environments and config together.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use forecast::config::Config;
use forecast::report::text::{TextOptions, render};
use forecast::{ScanOptions, scan};

/// Values built at run time, so that this file holds no secret-shaped literal.
struct Secrets {
    aws_id: String,
    aws_secret: String,
    session: String,
    db_password: String,
    github: String,
    toml_token: String,
    weak_password: String,
}

fn secrets() -> Secrets {
    Secrets {
        aws_id: format!("AKIA{}", "Q7ZL3VX2M5NB4KRT"),
        aws_secret: format!("q8Rz2LmX7vPw4KtY9bNc{}", "3HsJ1dFg6QaWe5TyUi0O"),
        session: format!("f9Kq2LmZx7Pw{}", "4RtY8vBn3HsJ"),
        db_password: format!("Zx8qP2vL{}", "9mW4rT7k"),
        github: format!("ghp_aB3dE5fG7hJ9kL1mN3pQ{}", "5rS7tU9vW1xY3z5A"),
        toml_token: format!("Tq7Wm2Lx9Pz4{}", "Rk8Vn3Hs6Jd1"),
        weak_password: "hunter2hunter2".to_string(),
    }
}

impl Secrets {
    fn all(&self) -> Vec<&str> {
        vec![
            &self.aws_id,
            &self.aws_secret,
            &self.session,
            &self.db_password,
            &self.github,
            &self.toml_token,
            &self.weak_password,
        ]
    }
}

/// A repository where the secrets sit in env and config files, and where other findings
/// show snippets of the lines that hold them.
fn repo(s: &Secrets) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("src")).unwrap();
    fs::create_dir_all(root.join("config")).unwrap();
    // The first line of `.env.production` is where E101 says a missing variable belongs,
    // so its snippet is printed: it holds a secret-like value that no detector flags.
    fs::write(
        root.join(".env.production"),
        format!(
            "DB_PASSWORD={}\nAWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\nSESSION_SECRET=\"{}\"\nDATABASE_URL=postgres://shop:{}@db.internal/shop\n",
            s.weak_password, s.aws_id, s.aws_secret, s.session, s.db_password
        ),
    )
    .unwrap();
    fs::write(
        root.join("src/main.rs"),
        "fn main() {\n    let url = std::env::var(\"REDIS_URL\").expect(\"REDIS_URL\");\n    println!(\"{url}\");\n}\n",
    )
    .unwrap();
    fs::write(
        root.join("config/settings.json"),
        format!("{{\n  \"github\": {{ \"token\": \"{}\" }}\n}}\n", s.github),
    )
    .unwrap();
    fs::write(
        root.join("config/production.toml"),
        format!("[auth]\napi_token = \"{}\"\n", s.toml_token),
    )
    .unwrap();
    fs::write(
        root.join("config/staging.toml"),
        "[auth]\napi_token = \"replace-me\"\n[cache]\nttl = 60\n",
    )
    .unwrap();
    dir
}

fn assert_no_secret(output: &str, s: &Secrets, what: &str) {
    for secret in s.all() {
        // Not the value, and not any part of it past the two characters that may show.
        assert!(!output.contains(secret), "{what} prints a secret");
        let tail = &secret[2..];
        for w in tail.as_bytes().windows(8) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(!output.contains(w), "{what} prints part of a secret: {w}");
        }
    }
}

#[test]
fn secrets_never_reach_text_or_json() {
    let s = secrets();
    let dir = repo(&s);
    let out = scan(&ScanOptions {
        root: dir.path().to_path_buf(),
        config: Config::default(),
    })
    .unwrap();
    let codes: Vec<&str> = out
        .report
        .findings
        .iter()
        .map(|f| f.code.as_str())
        .collect();
    assert!(codes.contains(&"E101"), "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| **c == "E401").count(),
        6,
        "AWS id, AWS secret, session secret, URL password, GitHub token, TOML token: {codes:?}"
    );
    let sources = out
        .sources
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for color in [false, true] {
        let text = render(&out.report, &sources, TextOptions { color });
        assert_no_secret(&text, &s, "the text report");
        assert!(text.contains("AK… (20 characters)"), "{text}");
        if !color {
            // The E101 snippet shows the line, masked past two characters.
            assert!(text.contains("DB_PASSWORD=hu**"), "{text}");
        }
    }
    let json = forecast::report::json::render(&out.report);
    assert_no_secret(&json, &s, "the JSON report");
    assert!(json.contains("AK… (20 characters)"));
    assert!(json.contains("gh… (40 characters)"));
    // The texts handed to renderers are masked too.
    for text in out.sources.values() {
        assert_no_secret(text, &s, "a source handed to renderers");
    }
}

#[test]
fn secrets_never_reach_the_binary_outputs() {
    let s = secrets();
    let dir = repo(&s);
    for format in ["text", "json"] {
        let out = Command::cargo_bin("forecast")
            .unwrap()
            .arg(dir.path())
            .args(["--format", format, "--fail-on", "none", "--color", "always"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_no_secret(&stdout, &s, format);
        assert_no_secret(&stderr, &s, format);
        assert!(stdout.contains("E401"));
    }
    let report = tempfile::tempdir().unwrap();
    let path = report.path().join("report.json");
    Command::cargo_bin("forecast")
        .unwrap()
        .arg(dir.path())
        .args(["--format", "json", "--fail-on", "none", "--output"])
        .arg(&path)
        .assert()
        .code(0);
    assert_no_secret(&fs::read_to_string(&path).unwrap(), &s, "the --output file");
}

#[test]
fn high_finding_fails_the_default_threshold() {
    let s = secrets();
    let dir = repo(&s);
    Command::cargo_bin("forecast")
        .unwrap()
        .arg(dir.path())
        .args(["--format", "json"])
        .assert()
        .code(1);
}

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

#[test]
fn monorepo_scopes_and_config_reads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // `api/` has production and staging; `web/` only a bare `.env`.
    write(
        root,
        "api/.env.production",
        "DATABASE_URL=postgres://db/api\n",
    );
    write(
        root,
        "api/.env.staging",
        "DATABASE_URL=postgres://db/api\nQUEUE_URL=amqp://q\n",
    );
    write(
        root,
        "api/src/worker.py",
        "import os\nQUEUE = os.environ[\"QUEUE_URL\"]\nDB = os.environ[\"DATABASE_URL\"]\n",
    );
    write(root, "web/.env", "API=http://localhost\n");
    write(
        root,
        "web/src/app.ts",
        "export const key = process.env.STRIPE_KEY!;\n",
    );
    // Per-environment config: a key only staging sets, that the code reads.
    write(root, "api/config/staging.toml", "[queue]\nprefetch = 10\n");
    write(root, "api/config/production.toml", "[other]\nx = 1\n");
    write(
        root,
        "api/src/settings.py",
        "PREFETCH = settings.get(\"queue.prefetch\", 1)\n",
    );
    let out = scan(&ScanOptions {
        root: root.to_path_buf(),
        config: Config::default(),
    })
    .unwrap();
    let found: Vec<(String, String, String)> = out
        .report
        .findings
        .iter()
        .map(|f| {
            (
                f.code.clone(),
                f.location.path.clone(),
                f.severity.to_string(),
            )
        })
        .collect();
    // QUEUE_URL is required and production lacks it; nothing is judged in `web/`.
    assert!(found.contains(&("E101".into(), "api/src/worker.py".into(), "high".into())));
    assert!(
        !found.iter().any(|(_, p, _)| p.starts_with("web/")),
        "{found:?}"
    );
    // The drifted key is read by code: the finding weighs double and points at the read.
    let e301: Vec<_> = out
        .report
        .findings
        .iter()
        .filter(|f| f.code == "E301" && f.location.path == "api/config/production.toml")
        .collect();
    assert_eq!(e301.len(), 1, "{found:?}");
    assert!(
        e301[0]
            .related
            .iter()
            .any(|r| r.location.path == "api/src/settings.py"),
        "{:?}",
        e301[0].related
    );
    assert!((e301[0].multiplier - 2.0).abs() < 1e-9);
    let env = &out.report.summary.env;
    assert_eq!(env.files_with_reads, 2);
    assert!(
        env.environments
            .iter()
            .any(|e| e.name == "production" && e.scope == "api")
    );
}

#[test]
fn config_ignore_and_severity_override() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".env.production", "PORT=80\n");
    write(
        root,
        "main.go",
        "package main\nimport \"os\"\nfunc main() { a := os.Getenv(\"A_URL\"); b := os.Getenv(\"B_URL\"); _ = a; _ = b }\n",
    );
    let mut config = Config::default();
    config.env.ignore = vec!["A_*".into()];
    config
        .rules
        .severity
        .insert("E102".into(), forecast::finding::Severity::Medium);
    let out = scan(&ScanOptions {
        root: root.to_path_buf(),
        config,
    })
    .unwrap();
    let found: Vec<(String, String)> = out
        .report
        .findings
        .iter()
        .map(|f| (f.code.clone(), f.severity.to_string()))
        .collect();
    assert_eq!(found, vec![("E102".to_string(), "medium".to_string())]);
    assert!(out.report.findings[0].message.contains("`B_URL`"));
}
