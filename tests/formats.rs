//! Every output format on one fixture repository (`testdata/integration/`): an insta
//! snapshot per format, the SARIF validator on every SARIF produced here, GitHub's size and
//! count limits, and no planted secret in any output.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use forecast::config::Config;
use forecast::report::{Format, RenderOptions, render};
use forecast::{ScanOptions, ScanOutput, scan};

/// The secrets planted in the committed fixture (fake): none may appear in any output.
const SECRETS: &[&str] = &[
    "pay_4eC39HqLyjWDarjtT1zdp7dcFAKE",
    "4eC39HqLyjWDarjtT1zdp7dc",
    "s3cr3t-Pa55w0rd-prod",
    "Zm9yZWNhc3QtZml4dHVyZS1zZXNzaW9u",
    "hunter2-prod-Secret-FAKE",
    "pay_9f8e7d6c5b4a3f2e1d0cFAKE",
];

/// Provider-format tokens planted at run time, in a copy of the fixture. They are spelled in
/// pieces so that no file of this repository holds one whole (push protection would refuse
/// it, rightly).
fn provider_tokens() -> Vec<String> {
    vec![
        format!("sk_{}_{}", "live", "51HqLyjWDarjtT1zdp7dcFAKEFAKE"),
        format!("gh{}_{}", "p", "16C7e42F292c6912E7710c838347Ae178B4a"),
        format!("AK{}{}", "IA", "IOSFODNN7EXAMPLE"),
        format!("xox{}-{}", "b", "2400-fake-fixture-token-value"),
    ]
}

const ALL: [(Format, &str); 6] = [
    (Format::Text, "text"),
    (Format::Json, "json"),
    (Format::Sarif, "sarif"),
    (Format::Markdown, "markdown"),
    (Format::Github, "github"),
    (Format::Gitlab, "gitlab"),
];

fn fixture() -> PathBuf {
    // Relative, so the report's `root` is the same on every machine.
    PathBuf::from("testdata/integration")
}

fn scan_dir(dir: &Path) -> ScanOutput {
    let config = match Config::discover(dir) {
        Some(p) if p.starts_with(dir) => Config::load(&p).expect("fixture config"),
        _ => Config::default(),
    };
    scan(&ScanOptions {
        root: dir.to_path_buf(),
        config,
    })
    .expect("scan")
}

fn opts() -> RenderOptions {
    RenderOptions {
        color: false,
        // What `repo::prefix` gives in this repository; fixed so snapshots do not depend on
        // where the crate is checked out.
        repo_prefix: "testdata/integration/".into(),
        sarif_automation_id: "forecast/".into(),
    }
}

fn render_all(out: &ScanOutput, opts: &RenderOptions) -> Vec<(&'static str, String)> {
    let sources: BTreeMap<&str, &str> = out
        .sources
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ALL.iter()
        .map(|(f, name)| (*name, render(&out.report, &sources, *f, opts)))
        .collect()
}

fn stable(s: &str) -> String {
    s.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn every_format_on_the_fixture() {
    let out = scan_dir(&fixture());
    for (name, text) in render_all(&out, &opts()) {
        insta::assert_snapshot!(format!("integration_{name}"), stable(&text));
    }
}

#[test]
fn no_secret_value_in_any_format() {
    let out = scan_dir(&fixture());
    let mut colored = opts();
    colored.color = true;
    let mut outputs = render_all(&out, &opts());
    outputs.extend(render_all(&out, &colored));
    outputs.push((
        "baseline",
        forecast::baseline::Baseline::from_findings(&out.report.findings).to_json(),
    ));
    for (name, text) in &outputs {
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "`{secret}` leaks into the {name} output"
            );
        }
    }
    // The fixture does plant them where forecast reads.
    let planted =
        std::fs::read_to_string(fixture().join("db/migrations/000003_rotate_sandbox_key.up.sql"))
            .unwrap();
    assert!(planted.contains(SECRETS[0]));
}

#[test]
fn no_provider_token_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let m = root.join("db/migrations");
    std::fs::create_dir_all(&m).unwrap();
    let tokens = provider_tokens();
    // Each on a flagged line, so the text report shows the line; and in a message-bearing
    // identifier position where rules quote names.
    let mut up = String::new();
    for (i, t) in tokens.iter().enumerate() {
        up.push_str(&format!("UPDATE integrations SET note{i} = '{t}';\n"));
    }
    up.push_str(&format!(
        "ALTER TABLE integrations ADD COLUMN c text NOT NULL DEFAULT '{}';\n",
        tokens[0]
    ));
    std::fs::write(m.join("000001_keys.up.sql"), up).unwrap();
    std::fs::write(
        root.join(".env"),
        tokens
            .iter()
            .map(|t| format!("TOKEN_{}={t}\n", t.len()))
            .collect::<String>(),
    )
    .unwrap();
    let out = scan_dir(&root);
    assert!(
        out.report.findings.len() >= tokens.len(),
        "the planted lines must be flagged: {:?}",
        out.report.findings
    );
    let mut colored = opts();
    colored.color = true;
    let mut outputs = render_all(&out, &opts());
    outputs.extend(render_all(&out, &colored));
    for (name, text) in &outputs {
        for t in &tokens {
            assert!(
                !text.contains(t.as_str()),
                "`{t}` leaks into the {name} output"
            );
        }
    }
}

/// A report with every rule fixture's findings, for SARIF limits and the validator.
fn all_fixture_findings() -> forecast::report::Report {
    let rules = common::root().join("testdata/rules");
    let mut base = scan_dir(&fixture()).report;
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&rules)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("bad"))
        .filter(|p| p.is_dir())
        .flat_map(|p| std::fs::read_dir(p).unwrap().flatten().map(|e| e.path()))
        .collect();
    cases.sort();
    for case in cases {
        let out = scan_dir(&case);
        base.findings.extend(out.report.findings);
    }
    base
}

#[test]
fn sarif_passes_the_validator() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        files.push(p);
    };
    let sarif_opts = forecast::report::sarif::SarifOptions {
        automation_id: "forecast/".into(),
        repo_prefix: "testdata/integration/".into(),
    };

    // The fixture, as the snapshot has it.
    let out = scan_dir(&fixture());
    write(
        "integration.sarif",
        &forecast::report::sarif::render(&out.report, &sarif_opts),
    );

    // A clean tree: `results: []`.
    let empty = tempfile::tempdir().unwrap();
    let clean = scan_dir(empty.path());
    let text = forecast::report::sarif::render(&clean.report, &sarif_opts);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
    write("clean.sarif", &text);

    // Every rule's bad fixtures in one run, with the prefix a subfolder scan gives.
    let all = all_fixture_findings();
    let text = forecast::report::sarif::render(
        &all,
        &forecast::report::sarif::SarifOptions {
            automation_id: "migrations/pr-42".into(),
            repo_prefix: "services/api v2/".into(),
        },
    );
    write("all-rules.sarif", &text);

    // Cut by the result limit.
    let cut = forecast::report::sarif::render_with_limits(&all, &sarif_opts, 3, usize::MAX);
    write("cut.sarif", &cut);
    // Cut by the (compressed) size limit: halfway between the run without results and the
    // whole run.
    let full = forecast::report::sarif::render(&all, &sarif_opts);
    let bare = forecast::report::sarif::render_with_limits(&all, &sarif_opts, 0, usize::MAX);
    let gz = forecast::report::sarif::gzipped_len;
    let limit = (gz(&full) + gz(&bare)) / 2;
    let small = forecast::report::sarif::render_with_limits(&all, &sarif_opts, 25_000, limit);
    assert!(gz(&small) <= limit, "{} > {limit}", gz(&small));
    assert!(small.contains("left out to stay within"));
    write("small.sarif", &small);

    common::validate_sarif(&files);
}

#[test]
fn sarif_limits_keep_the_most_severe() {
    let all = all_fixture_findings();
    let opts = forecast::report::sarif::SarifOptions::default();
    let text = forecast::report::sarif::render_with_limits(&all, &opts, 3, usize::MAX);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["level"] == "error"));
    let critical = all
        .findings
        .iter()
        .filter(|f| f.severity == forecast::finding::Severity::Critical)
        .count();
    assert!(critical >= 3, "fixtures hold {critical} critical findings");
    assert!(
        results
            .iter()
            .all(|r| r["properties"]["forecast/severity"] == "critical")
    );
    assert_eq!(
        run["properties"]["forecast/leftOut"],
        all.findings.len() - 3
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n["message"]["text"].as_str().unwrap().contains("left out"))
    );
    // Every rule is described, and every result points at its rule.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        forecast::catalogue::Catalogue::embedded().rules().count()
    );
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
}

#[test]
fn sarif_relates_the_other_file_and_keeps_our_fingerprint() {
    let out = scan_dir(&fixture());
    let text = forecast::report::sarif::render(
        &out.report,
        &forecast::report::sarif::SarifOptions::default(),
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let m502 = results.iter().find(|r| r["ruleId"] == "M502").unwrap();
    let related = &m502["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "db/migrations/000005_notes.down.sql"
    );
    assert!(
        m502["message"]["text"]
            .as_str()
            .unwrap()
            .contains("[down migration](1)")
    );
    for r in results {
        let fp = &r["partialFingerprints"];
        assert!(fp["forecastFingerprint/v1"].is_string());
        assert!(fp.get("primaryLocationLineHash").is_none());
        let text = r["message"]["text"].as_str().unwrap();
        let head: String = text.chars().take(40).collect();
        let weightless = r["properties"]["forecast/risk"] == 0.0;
        assert!(head.contains("deploy risk") || weightless, "{text}");
        assert!(text.contains("Rollback:"), "{text}");
    }
}

#[test]
fn markdown_fits_the_comment_limit() {
    let mut report = all_fixture_findings();
    // A very large change: repeat the findings until the comment would be ten times the limit.
    let one = report.findings.clone();
    while report.findings.len() < 3_000 {
        report.findings.extend(one.iter().cloned());
    }
    let text = forecast::report::markdown::render(&report);
    let n = text.chars().count();
    assert!(n <= forecast::report::markdown::MAX_CHARS, "{n} characters");
    assert!(
        text.contains("more findings not shown"),
        "no count of what was cut"
    );
    assert!(text.contains("### Rollback plan") || report.rollback_plan.rollback.is_empty());

    let small = forecast::report::markdown::render_with_limit(&report, 4_000);
    assert!(small.chars().count() <= 4_000);
    assert!(small.starts_with(forecast::report::markdown::MARKER));
}

#[test]
fn output_is_deterministic() {
    let a = render_all(&scan_dir(&fixture()), &opts());
    let b = render_all(&scan_dir(&fixture()), &opts());
    assert_eq!(a, b);
}
