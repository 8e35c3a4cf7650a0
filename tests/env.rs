//! The env family end to end: secrets never reach any output format (text with and without
//! colour, JSON, SARIF, Markdown, GitHub, GitLab, the binary's stdout and `--output` file),
//! wherever they are committed (env files, TOML/JSON/YAML config, compose, Kubernetes
//! manifests, Helm values, Dockerfiles), and the pipeline wires reads, environments, manifests
//! and config together.

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

/// Secrets for the manifest side, built at run time.
struct ManifestSecrets {
    compose: String,
    config_map: String,
    secret_data: String,
    secret_data_b64: String,
    pod_env: String,
    yaml_config: String,
    helm: String,
    dockerfile: String,
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn manifest_secrets() -> ManifestSecrets {
    let secret_data = format!("Wq4Tn8Lz2Xv6{}", "Pk9Rm3Hs7Jd1");
    ManifestSecrets {
        compose: format!("Qm7Zt2Lx9Pw4{}", "Kv8Rn3Hs6Jd1Fg5Ya0Ub"),
        config_map: format!("AKIA{}", "R4TZ6WQ2MN6XK3LP"),
        secret_data_b64: base64(secret_data.as_bytes()),
        secret_data,
        pod_env: format!("Vb7Nq2Lk9Xz4{}", "Pw8Rt3Ys6Hd1Jf5G"),
        yaml_config: format!("Hq8Vz3Lm2Xp9{}", "Kw4Rt7Nb6Ys1Jd5F"),
        helm: format!("Tz5Kq1Wm8Lx3{}", "Vr6Pn2Hs9Jd4Gb7C"),
        dockerfile: format!("Nc3Jv7Qx1Lm5{}", "Tz9Wk2Rp6Hs8Fd4Y"),
    }
}

impl ManifestSecrets {
    fn all(&self) -> Vec<&str> {
        vec![
            &self.compose,
            &self.config_map,
            &self.secret_data,
            &self.secret_data_b64,
            &self.pod_env,
            &self.yaml_config,
            &self.helm,
            &self.dockerfile,
        ]
    }
}

/// A repository with a secret in every kind of manifest, and an E101 that points into the
/// Kubernetes manifest (so its snippet, with the pod's env, is printed).
fn manifest_repo(s: &Secrets, m: &ManifestSecrets) -> tempfile::TempDir {
    let dir = repo(s);
    let root = dir.path();
    write(
        root,
        "docker-compose.yml",
        &format!(
            "services:\n  api:\n    build: ./api\n    image: ghcr.io/acme/api:1.0.0\n    environment:\n      JWT_SECRET: {}\n      LOG_LEVEL: info\n",
            m.compose
        ),
    );
    write(
        root,
        "api/Dockerfile",
        &format!(
            "FROM python:3.12-slim\nENV SIGNING_SECRET={}\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n",
            m.dockerfile
        ),
    );
    write(
        root,
        "api/main.py",
        "import os\n\nQUEUE = os.environ[\"QUEUE_URL\"]\n",
    );
    write(
        root,
        "k8s/production/api.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  AWS_ACCESS_KEY_ID: {}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: api-secrets\ndata:\n  SESSION_SECRET: {}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.0.0\n          env:\n            - name: STRIPE_WEBHOOK_SECRET\n              value: {}\n          envFrom:\n            - configMapRef:\n                name: api-config\n",
            m.config_map, m.secret_data_b64, m.pod_env
        ),
    );
    write(
        root,
        "config/production.yaml",
        &format!("database:\n  password: \"{}\"\n", m.yaml_config),
    );
    write(
        root,
        "chart/Chart.yaml",
        "apiVersion: v2\nname: api\nversion: 1.0.0\n",
    );
    write(
        root,
        "chart/values-prod.yaml",
        &format!(
            "image:\n  repository: ghcr.io/acme/reports\nenv:\n  - name: API_TOKEN\n    value: {}\n",
            m.helm
        ),
    );
    dir
}

#[test]
fn secrets_never_reach_any_format() {
    use forecast::report::{Format, RenderOptions, render};
    let s = secrets();
    let m = manifest_secrets();
    let dir = manifest_repo(&s, &m);
    let out = scan(&ScanOptions {
        root: dir.path().to_path_buf(),
        config: Config::default(),
    })
    .unwrap();
    // Every planted manifest secret is found (so its line is shown somewhere).
    let e401: Vec<&str> = out
        .report
        .findings
        .iter()
        .filter(|f| f.code == "E401")
        .map(|f| f.location.path.as_str())
        .collect();
    for path in [
        "docker-compose.yml",
        "api/Dockerfile",
        "k8s/production/api.yaml",
        "config/production.yaml",
        "chart/values-prod.yaml",
    ] {
        assert!(e401.contains(&path), "no E401 in {path}: {e401:?}");
    }
    assert_eq!(
        e401.iter()
            .filter(|p| **p == "k8s/production/api.yaml")
            .count(),
        3,
        "ConfigMap data, Secret data and a pod's env value: {e401:?}"
    );
    // The read of `QUEUE_URL` is judged against production's container: its snippet is the
    // manifest with the pod's env.
    assert!(
        out.report.findings.iter().any(|f| f.code == "E101"
            && f.related
                .iter()
                .any(|r| r.location.path == "k8s/production/api.yaml")),
        "{:#?}",
        out.report.findings
    );
    let sources = out
        .sources
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let everything = ManifestSecretsAndEnv(&s, &m);
    for color in [false, true] {
        let opts = RenderOptions {
            color,
            repo_prefix: String::new(),
            sarif_automation_id: "forecast/".into(),
        };
        for (format, name) in [
            (Format::Text, "text"),
            (Format::Json, "json"),
            (Format::Sarif, "sarif"),
            (Format::Markdown, "markdown"),
            (Format::Github, "github"),
            (Format::Gitlab, "gitlab"),
        ] {
            let text = render(&out.report, &sources, format, &opts);
            everything.check(&text, name);
        }
    }
    // Messages quote the first two characters and the length; a Secret's data is quoted as
    // written (base64), never decoded.
    let json = forecast::report::json::render(&out.report);
    assert!(json.contains(&format!(
        "{}… (32 characters), base64",
        &m.secret_data_b64[..2]
    )));
    for text in out.sources.values() {
        everything.check(text, "a source handed to renderers");
    }
}

struct ManifestSecretsAndEnv<'a>(&'a Secrets, &'a ManifestSecrets);

impl ManifestSecretsAndEnv<'_> {
    fn check(&self, output: &str, what: &str) {
        assert_no_secret(output, self.0, what);
        for secret in self.1.all() {
            assert!(!output.contains(secret), "{what} prints a secret");
            for w in secret.as_bytes()[2..].windows(8) {
                let w = std::str::from_utf8(w).unwrap();
                assert!(!output.contains(w), "{what} prints part of a secret: {w}");
            }
        }
    }
}

#[test]
fn manifests_provide_and_name_where_a_variable_belongs() {
    let s = secrets();
    let m = manifest_secrets();
    let dir = manifest_repo(&s, &m);
    let out = scan(&ScanOptions {
        root: dir.path().to_path_buf(),
        config: Config::default(),
    })
    .unwrap();
    let e101: Vec<_> = out
        .report
        .findings
        .iter()
        .filter(|f| f.code == "E101" && f.location.path == "api/main.py")
        .collect();
    assert_eq!(e101.len(), 1, "{:#?}", out.report.findings);
    let f = e101[0];
    assert_eq!(f.severity.to_string(), "high");
    // Production is the Kubernetes container; the compose service is the default environment.
    assert!(f.message.contains("`production`"), "{}", f.message);
    assert!(f.message.contains("compose service `api`"), "{}", f.message);
    assert!(
        f.rollback
            .steps
            .iter()
            .any(|s| s.contains("k8s/production/api.yaml")
                && s.contains("previous image of `ghcr.io/acme/api`")),
        "{:?}",
        f.rollback
    );
    // The Helm release runs other code (`reports`, not built here): it judges nothing.
    assert!(!f.message.contains("Helm"), "{}", f.message);
    let env = &out.report.summary.env;
    assert!(
        env.environments
            .iter()
            .any(|e| e.name == "production" && e.scope == "api"),
        "{:?}",
        env.environments
    );
}
