//! End-to-end tests of the binary: exit codes, formats, colour, configuration errors.

use assert_cmd::Command;
use predicates::prelude::*;

fn forecast() -> Command {
    let mut c = Command::cargo_bin("forecast").unwrap();
    c.env_remove("NO_COLOR").env_remove("GITHUB_ACTIONS");
    c
}

fn demo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo")
}

#[test]
fn demo_fails_at_high_and_shows_forecast_and_plan() {
    forecast()
        .arg(demo())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Risk forecast:"))
        .stdout(predicate::str::contains("Rollback plan"))
        .stdout(predicate::str::contains("M101 blocking-index-build"))
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn fail_on_none_never_fails() {
    forecast()
        .arg(demo())
        .args(["--fail-on", "none"])
        .assert()
        .code(0);
}

#[test]
fn clean_tree_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
    std::fs::write(
        dir.path().join("migrations/0001.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    forecast()
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0.0/100"));
}

#[test]
fn json_output_is_valid_and_versioned() {
    let out = forecast()
        .arg(demo())
        .args(["--format", "json", "--fail-on", "none"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert!(v["forecast"]["score"].as_f64().unwrap() > 0.0);
    assert!(!v["findings"].as_array().unwrap().is_empty());
    assert!(
        !v["rollback_plan"]["rollback"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let f = &v["findings"][0];
    for key in [
        "code",
        "slug",
        "severity",
        "message",
        "location",
        "why",
        "safe_alternative",
        "rollback",
        "fingerprint",
    ] {
        assert!(!f[key].is_null(), "finding lacks `{key}`");
    }
}

#[test]
fn output_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    forecast()
        .arg(demo())
        .args(["--format", "json", "--fail-on", "none", "--output"])
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["tool"]["name"], "forecast");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file may be left behind");
}

#[test]
fn colour_is_forced_or_refused_on_request() {
    forecast()
        .arg(demo())
        .args(["--color", "always", "--fail-on", "none"])
        .assert()
        .stdout(predicate::str::contains("\u{1b}["));
    forecast()
        .arg(demo())
        .args(["--fail-on", "none"])
        .env("NO_COLOR", "1")
        .assert()
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn missing_path_is_a_usage_error() {
    forecast()
        .arg("/definitely/not/here")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
}

#[test]
fn bad_flag_is_a_usage_error() {
    forecast().args(["--fail-on", "sometimes"]).assert().code(2);
}

#[test]
fn bad_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("forecast.toml"),
        "[database]\ndialekt = \"postgres\"\n",
    )
    .unwrap();
    forecast()
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("dialekt"));
}

#[test]
fn rules_and_explain() {
    forecast()
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("M101"))
        .stdout(predicate::str::contains("blocking-index-build"));
    forecast()
        .args(["explain", "M205"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("VALIDATE CONSTRAINT"));
    forecast().args(["explain", "Z999"]).assert().code(2);
    let out = forecast()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 20);
}

#[test]
fn output_is_deterministic() {
    let a = forecast()
        .arg(demo())
        .args(["--format", "json", "--fail-on", "none"])
        .output()
        .unwrap();
    let b = forecast()
        .arg(demo())
        .args(["--format", "json", "--fail-on", "none"])
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
}

#[cfg(unix)]
#[test]
fn output_to_a_device_writes_through_it() {
    forecast()
        .arg(demo())
        .args([
            "--format",
            "json",
            "--fail-on",
            "none",
            "--output",
            "/dev/null",
        ])
        .assert()
        .code(0);
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file(), "/dev/null must still be a device");
}
