//! End-to-end tests of the binary: exit codes, formats, colour, configuration errors.

mod common;

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

/// A repository whose `main` already holds a blocking index build.
fn repo_with_old_finding() -> common::TestRepo {
    let t = common::TestRepo::new();
    let c = t.commit(
        &common::files(&[
            (
                "migrations/0001_init.sql",
                "CREATE TABLE orders (id bigint PRIMARY KEY, email text);\n",
            ),
            (
                "migrations/0002_index.sql",
                "CREATE INDEX orders_id ON orders (id);\n",
            ),
        ]),
        &[],
        "init",
    );
    t.branch("main", c);
    t.checkout("main");
    t
}

#[test]
fn diff_mode_fails_only_on_what_the_change_introduces() {
    let t = repo_with_old_finding();
    t.write(
        "migrations/0003_note.sql",
        "CREATE TABLE notes (id bigint PRIMARY KEY);\n",
    );
    forecast()
        .current_dir(t.path())
        .args(["--base", "main"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "0 new findings in 1 changed file (1 pre-existing not shown)",
        ));
    t.write(
        "migrations/0003_note.sql",
        "CREATE INDEX orders_email ON orders (email);\n",
    );
    forecast()
        .current_dir(t.path())
        .args(["--base", "main"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "1 new finding in 1 changed file (1 pre-existing not shown): 1 high",
        ))
        .stdout(predicate::str::contains("migrations/0002_index.sql").not());
    let out = forecast()
        .current_dir(t.path())
        .args(["--base", "main", "--all", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diff"]["mode"], "worktree");
    assert_eq!(v["diff"]["new_findings"], 1);
    assert_eq!(v["diff"]["pre_existing_findings"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn diff_mode_errors_are_usage_errors_with_a_hint() {
    let plain = tempfile::tempdir().unwrap();
    forecast()
        .arg(plain.path())
        .args(["--base", "main"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not inside a git repository"));
    let t = repo_with_old_finding();
    forecast()
        .current_dir(t.path())
        .args(["--base", "origin/main"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown revision `origin/main`"))
        .stderr(predicate::str::contains("hint:"))
        .stderr(predicate::str::contains("fetch-depth: 0"));
    forecast()
        .current_dir(t.path())
        .arg("--all")
        .assert()
        .code(2);
    forecast()
        .current_dir(t.path())
        .args(["--head", "main"])
        .assert()
        .code(2);
    forecast()
        .current_dir(t.path())
        .args(["--staged", "--head", "main", "--base", "main"])
        .assert()
        .code(2);
}

#[test]
fn head_mode_needs_no_checkout_of_the_scanned_path() {
    let t = repo_with_old_finding();
    let main = t.repo.refname_to_id("refs/heads/main").unwrap();
    let feature = t.commit(
        &common::files(&[(
            "db/migrations/0002_index.sql",
            "CREATE INDEX orders_email ON orders (email);\n",
        )]),
        &[main],
        "feature",
    );
    t.branch("feature", feature);
    // `db/` exists only on `feature`.
    forecast()
        .current_dir(t.path())
        .args(["--base", "main", "--head", "feature", "db"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("migrations/0002_index.sql"));
}

#[test]
fn staged_mode_works_before_the_first_commit() {
    let t = common::TestRepo::new();
    t.write(
        "migrations/0001_init.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    );
    t.stage("migrations/0001_init.sql");
    forecast()
        .current_dir(t.path())
        .arg("--staged")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no commits yet"));
}

#[test]
fn head_mode_reads_the_configuration_from_the_head_commit() {
    let t = repo_with_old_finding();
    let main = t.repo.refname_to_id("refs/heads/main").unwrap();
    let index = "CREATE INDEX orders_email ON orders (email);\n";
    let with_config = |config: &str| {
        common::files(&[
            (
                "migrations/0001_init.sql",
                "CREATE TABLE orders (id bigint PRIMARY KEY, email text);\n",
            ),
            (
                "migrations/0002_index.sql",
                "CREATE INDEX orders_id ON orders (id);\n",
            ),
            ("migrations/0003_email.sql", index),
            ("forecast.toml", config),
        ])
    };
    let quiet = t.commit(
        &with_config("[rules]\nignore = [\"M101\"]\n"),
        &[main],
        "quiet",
    );
    t.branch("quiet", quiet);
    forecast()
        .current_dir(t.path())
        .args(["--base", "main", "--head", "quiet"])
        .assert()
        .code(0);
    let broken = t.commit(&with_config("[rules]\nignroe = []\n"), &[main], "broken");
    t.branch("broken", broken);
    forecast()
        .current_dir(t.path())
        .args(["--base", "main", "--head", "broken"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken:forecast.toml"))
        .stderr(predicate::str::contains("ignroe"));
}
