//! The binary in a team's workflow: formats chosen under GitHub Actions, SARIF from the
//! command line (validated), configuration errors, `config`, baselines, suppression flags,
//! completions and the man page. Generated files (docs/forecast.schema.json, docs/forecast.1)
//! are checked against what the binary prints; regenerate them with
//! `FORECAST_BLESS=1 cargo test --test ci`.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn forecast() -> Command {
    let mut c = Command::cargo_bin("forecast").unwrap();
    c.env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI");
    c
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A copy of the integration fixture in a temporary git-less folder.
fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    copy_dir(&common::root().join("testdata/integration"), &root);
    (dir, root)
}

/// Compare a generated file with the committed one; rewrite it under `FORECAST_BLESS`.
fn check_generated(rel: &str, generated: &str) {
    let path = common::root().join(rel);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == generated {
        return;
    }
    if std::env::var_os("FORECAST_BLESS").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    panic!("{rel} is out of date; run `FORECAST_BLESS=1 cargo test --test ci`");
}

#[test]
fn github_actions_gets_annotations_beside_the_text_report() {
    let out = forecast()
        .arg(common::root().join("testdata/integration"))
        .env("GITHUB_ACTIONS", "true")
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Risk forecast:"), "{stdout}");
    assert!(
        stdout.contains("::error file=testdata/integration/db/migrations/000002_accounts_email_idx.up.sql,line=2,"),
        "{stdout}"
    );
    assert!(stdout.contains("::notice title=forecast::Deploy forecast"));
    // Nothing on stderr: no progress bar in CI logs.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // An explicit format is what it says, nothing more.
    forecast()
        .arg(common::root().join("testdata/integration"))
        .args(["--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("::error").not());
    // Outside GitHub Actions, no workflow commands.
    forecast()
        .arg(common::root().join("testdata/integration"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("::error").not());
}

#[test]
fn sarif_from_the_command_line_is_valid_and_categorised() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forecast.sarif");
    forecast()
        .arg(common::root().join("testdata/integration"))
        .args(["--format", "sarif", "--sarif-category", "migrations", "-o"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "migrations/");
    // Paths are relative to the repository root, not to the scanned folder.
    let prefix = forecast::repo::prefix(&common::root().join("testdata/integration"));
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(uris.iter().all(|u| u.starts_with(&prefix)), "{uris:?}");
    assert!(
        uris.iter().any(|u| u.starts_with(&format!("{prefix}db/"))),
        "{uris:?}"
    );
    common::validate_sarif(&[path]);
}

#[test]
fn config_show_prints_the_effective_configuration() {
    forecast()
        .args(["config", "--show"])
        .arg(common::root().join("testdata/integration"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("# from "))
        .stdout(predicate::str::contains("report_unused = true"))
        .stdout(predicate::str::contains("fail_on = \"high\""))
        .stdout(predicate::str::contains("category = \"forecast/\""))
        .stdout(predicate::str::contains("rows = 3500000"));
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir(empty.path().join(".git")).unwrap();
    forecast()
        .args(["config"])
        .arg(empty.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no forecast.toml found"))
        .stdout(predicate::str::contains("version = 15"));
}

#[test]
fn config_errors_name_the_key_and_what_is_allowed() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[suppressions]\nreport_unusd = true\n",
            &["report_unusd", "report_unused"],
        ),
        ("fail_on = \"sometimes\"\n", &["sometimes", "critical"]),
        (
            "[database]\ndialect = \"mysql\"\n",
            &["mysql", "postgres", "generic"],
        ),
        (
            "[rules.per_path_ignores]\n\"db/[legacy\" = [\"M101\"]\n",
            &["db/[legacy", "glob"],
        ),
        (
            "[rules.per_path_ignores]\n\"db/legacy/**\" = [\"Z9\"]\n",
            &["Z9", "forecast rules"],
        ),
        (
            "[sarif]\ncategory = \"a b\"\n",
            &["sarif.category", "forecast/"],
        ),
        (
            "[rules.severity]\nM101 = \"urgent\"\n",
            &["urgent", "critical"],
        ),
    ];
    for (text, needles) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("forecast.toml"), text).unwrap();
        let out = forecast().arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        for n in *needles {
            assert!(stderr.contains(n), "`{n}` missing for {text:?}:\n{stderr}");
        }
    }
}

#[test]
fn config_schema_is_shipped_in_docs() {
    let out = forecast().args(["config", "--schema"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["additionalProperties"], false);
    for key in [
        "database",
        "tables",
        "rules",
        "suppressions",
        "sarif",
        "fail_on",
    ] {
        assert!(v["properties"].get(key).is_some(), "schema lacks `{key}`");
    }
    check_generated("docs/forecast.schema.json", &text);
}

#[test]
fn man_page_and_completions() {
    let out = forecast().arg("man").output().unwrap();
    assert!(out.status.success());
    let man = String::from_utf8(out.stdout).unwrap();
    assert!(man.contains(".TH forecast"), "{man}");
    check_generated("docs/forecast.1", &man);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        forecast()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("forecast"));
    }
    forecast().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn baseline_hides_known_findings_across_line_shifts() {
    let (_keep, root) = fixture_copy();
    // The fixture asks for unused ignores; keep it.
    forecast()
        .args(["baseline", "write"])
        .arg(&root)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote 10 findings"));
    let baseline = root.join(".forecast-baseline.json");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("\"fingerprint\""));
    assert!(!text.contains("\"line\""), "line numbers would churn");

    // Everything known: clean exit, and the report says what it hid.
    forecast()
        .arg(&root)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "12 findings hidden: 2 by `forecast-ignore` comments, 10 by the baseline",
        ));

    // Lines shift above a baselined statement: still hidden.
    let m = root.join("db/migrations/000002_accounts_email_idx.up.sql");
    let old = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, format!("-- a note\n\n{old}")).unwrap();
    forecast().arg(&root).assert().code(0);

    // A new hazard is reported; the stale entry is counted.
    std::fs::write(
        &m,
        "CREATE INDEX accounts_email_lower_idx ON accounts (lower(email));\n",
    )
    .unwrap();
    forecast()
        .arg(&root)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("accounts_email_lower_idx"))
        .stdout(predicate::str::contains("1 baseline entry matched nothing"));

    // `--no-baseline` shows everything again; a broken baseline is a usage error.
    forecast()
        .arg(&root)
        .arg("--no-baseline")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("UPDATE"));
    std::fs::write(&baseline, "{\"version\": 1}").unwrap();
    forecast()
        .arg(&root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("baseline write"));
}

#[test]
fn sarif_leaves_out_suppressed_and_baselined_findings() {
    let (_keep, root) = fixture_copy();
    let sarif = |extra: &[&str]| -> serde_json::Value {
        let out = forecast()
            .arg(&root)
            .args(["--format", "sarif", "--fail-on", "none"])
            .args(extra)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let all = sarif(&[]);
    let results = all["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    // M202 and M306 (accounts) carry `forecast-ignore` comments with reasons... or without.
    assert!(results.iter().all(|r| r["ruleId"] != "M202"));
    assert!(results.iter().all(|r| r.get("suppressions").is_none()));
    assert_eq!(
        all["runs"][0]["properties"]["forecast/hidden"]["suppressed"],
        2
    );

    forecast()
        .args(["baseline", "write"])
        .arg(&root)
        .assert()
        .code(0);
    let after = sarif(&[]);
    assert_eq!(after["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        after["runs"][0]["properties"]["forecast/hidden"]["baselined"],
        10
    );
}

#[test]
fn unused_ignores_on_request_and_per_path_ignores() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("db/migrations");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("000001_a.up.sql"),
        "-- forecast-ignore M303: stale\nCREATE TABLE t (id int);\n",
    )
    .unwrap();
    std::fs::write(m.join("000001_a.down.sql"), "DROP TABLE t;\n").unwrap();
    std::fs::create_dir_all(dir.path().join("db/legacy")).unwrap();
    std::fs::write(
        dir.path().join("db/legacy/V1__idx.sql"),
        "CREATE INDEX a_idx ON a (x);\n",
    )
    .unwrap();
    forecast()
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains("F003").not());
    forecast()
        .arg(dir.path())
        .args(["--report-unused-ignores", "--format", "json"])
        .assert()
        .stdout(predicate::str::contains("\"code\": \"F003\""));
    std::fs::write(
        dir.path().join("forecast.toml"),
        "[migrations]\npaths = [\"db/legacy\"]\n[rules.per_path_ignores]\n\"db/legacy/**\" = [\"M1\", \"M4\", \"M5\"]\n",
    )
    .unwrap();
    forecast()
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("by `per_path_ignores`"));
}

#[test]
fn every_format_is_accepted_and_output_files_are_whole() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["text", "json", "sarif", "markdown", "github", "gitlab"] {
        let path = dir.path().join(format!("out.{f}"));
        forecast()
            .arg(common::root().join("testdata/integration"))
            .args(["--format", f, "--fail-on", "none", "-o"])
            .arg(&path)
            .assert()
            .code(0)
            .stdout(predicate::str::is_empty());
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        6,
        "a temporary file was left behind: {names:?}"
    );
    // A folder that does not exist: a usage error, and no file appears.
    forecast()
        .arg(common::root().join("testdata/integration"))
        .args(["--format", "json", "-o"])
        .arg(dir.path().join("missing/out.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write"));
}

#[test]
fn explain_and_rules_know_the_f_family() {
    forecast()
        .args(["explain", "F001"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("after a colon"));
    forecast()
        .args(["explain", "unused-ignore"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("F003"));
    forecast()
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("F002  ignore-unknown-rule"));
}

/// Flags that diff mode brings (`--base`, `--head`, `--staged`, `--all`); the CI setups use
/// them already. Remove this list when diff mode lands.
const PENDING_FLAGS: &[&str] = &["--base", "--head", "--staged", "--all"];

#[test]
fn ci_setups_use_flags_forecast_has() {
    let mut help = String::new();
    for args in [
        &["--help"][..],
        &["config", "--help"],
        &["baseline", "write", "--help"],
        &["rules", "--help"],
    ] {
        help.push_str(&String::from_utf8(forecast().args(args).output().unwrap().stdout).unwrap());
    }
    let mut checked = 0;
    for file in [
        "docs/ci.md",
        "docs/configuration.md",
        "action.yml",
        ".pre-commit-hooks.yaml",
    ] {
        let text = std::fs::read_to_string(common::root().join(file)).unwrap();
        for line in text.lines() {
            // `forecast` as a command word, not `deploy-forecast` or a path.
            let Some(at) = line.match_indices("forecast ").map(|(i, _)| i).find(|&i| {
                i == 0
                    || !line[..i]
                        .ends_with(|c: char| c.is_ascii_alphanumeric() || "-/_.".contains(c))
            }) else {
                continue;
            };
            for word in line[at..].split_whitespace() {
                let flag = word.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '-'));
                if !flag.starts_with("--") || flag.len() < 3 || PENDING_FLAGS.contains(&flag) {
                    continue;
                }
                let flag = flag.split('=').next().unwrap_or(flag);
                checked += 1;
                assert!(
                    help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                    "{file}: `{flag}` is not a forecast flag:\n{line}"
                );
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} flags found: is the scan broken?"
    );
}
