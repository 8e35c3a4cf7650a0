//! Runs forecast over the real-world corpus in `../shared/corpus` when it is present: no
//! panic, no abort, deterministic output. Skips cleanly when the corpus is absent.
//!
//! Diff mode gets histories built from the corpus: each migration sequence, cut at a few
//! points, becomes a base commit and a head commit that appends the next migrations, the way
//! a release does. Appending the newest migrations in order must not trip the history rules
//! that guard applied migrations (H101-H103); what H104 and H105 report is printed for review.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use forecast::classify::migration::{detect, sequence_dir};
use forecast::classify::{Direction, FileKind, RepoIndex, classify_path};
use forecast::config::Config;
use forecast::diff::DiffOptions;
use forecast::{ScanOptions, scan, scan_diff};

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.is_dir().then_some(p)
}

#[test]
fn whole_corpus_scans_without_panic_and_deterministically() {
    let Some(root) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    };
    let opts = ScanOptions {
        root,
        config: Config::default(),
    };
    let first = scan(&opts).expect("corpus scan");
    assert!(
        first.report.summary.migrations_analysed > 1000,
        "expected the corpus's migrations to be analysed, got {}",
        first.report.summary.migrations_analysed
    );
    // Manifests, compose files and Dockerfiles are analysed too: each family reports.
    for family in ['K', 'C', 'D'] {
        assert!(
            first
                .report
                .findings
                .iter()
                .any(|f| f.code.starts_with(family)),
            "no {family} finding on the corpus"
        );
    }
    // Only a handful of the corpus's YAML files may fail to parse (templated or invalid).
    let yaml_warnings = first
        .report
        .warnings
        .iter()
        .filter(|w| w.message.contains("YAML"))
        .count();
    assert!(yaml_warnings < 20, "{yaml_warnings} YAML warnings");
    // The env family: the env-drift applications' reads are found, and every env finding
    // above info was reviewed (see docs/env.md, "On the corpus"): four committed secrets in
    // compose files, and nothing else.
    let env = &first.report.summary.env;
    assert!(
        env.reads >= 200 && env.files_with_reads >= 80,
        "expected the corpus's env reads to be found: {env:?}"
    );
    let mut loud: Vec<String> = first
        .report
        .findings
        .iter()
        .filter(|f| f.code.starts_with('E') && f.severity > forecast::finding::Severity::Info)
        .map(|f| format!("{} {}:{}", f.code, f.location.path, f.location.start.line))
        .collect();
    loud.sort();
    assert_eq!(
        loud,
        vec![
            "E401 open-telemetry__opentelemetry-demo/compose.yaml:722",
            "E401 supabase__storage/docker-compose-multi-tenant.yml:24",
            "E401 supabase__storage/docker-compose.yml:20",
            "E401 supabase__storage/docker-compose.yml:47",
        ],
        "env findings above info changed: review them and docs/env.md"
    );
    // Manifests provide: the AKS store demo's services get their variables from compose and
    // from the Kustomize `dev` overlay, tied to their code by image name.
    for scope in [
        "src/order-service",
        "src/makeline-service",
        "src/product-service",
    ] {
        let scope = format!("Azure-Samples__aks-store-demo/{scope}");
        for name in ["default", "development"] {
            assert!(
                env.environments
                    .iter()
                    .any(|e| e.scope == scope && e.name == name && e.variables > 0),
                "no `{name}` environment for {scope}: {:?}",
                env.environments
            );
        }
    }
    let second = scan(&opts).expect("corpus scan");
    assert_eq!(
        forecast::report::json::render(&first.report),
        forecast::report::json::render(&second.report),
        "two scans of the same tree must give identical reports"
    );
}

/// The migration sequences of one corpus repository: folder → versions in order, each with
/// the files that carry it.
fn sequences(files: &common::Files) -> BTreeMap<String, BTreeMap<Vec<u64>, Vec<String>>> {
    let index = RepoIndex::new(files.keys().cloned());
    let mut out: BTreeMap<String, BTreeMap<Vec<u64>, Vec<String>>> = BTreeMap::new();
    for (path, bytes) in files {
        if classify_path(path) != FileKind::Sql {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        let Some(d) = detect(path, &text, &index, &[]) else {
            continue;
        };
        if d.version.parts.is_empty() || d.direction == Direction::Repeatable {
            continue;
        }
        out.entry(sequence_dir(path, &index))
            .or_default()
            .entry(d.version.parts.clone())
            .or_default()
            .push(path.clone());
    }
    out
}

#[test]
fn history_rules_on_releases_built_from_the_corpus() {
    let Some(root) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    };
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    let mut reported = Vec::new();
    let mut releases = 0;
    for dir in repos {
        let files = common::read_tree(&dir);
        let seqs = sequences(&files);
        if seqs.is_empty() {
            continue;
        }
        let t = common::TestRepo::new();
        for (folder, versions) in &seqs {
            let versions: Vec<(&Vec<u64>, &Vec<String>)> = versions.iter().collect();
            if versions.len() < 4 {
                continue;
            }
            let n = versions.len();
            let starts: BTreeSet<usize> = [n / 2, n - 3].into_iter().collect();
            for start in starts {
                let end = (start + 3).min(n);
                let later: BTreeSet<&String> = versions[start..]
                    .iter()
                    .flat_map(|(_, paths)| paths.iter())
                    .collect();
                let beyond: BTreeSet<&String> = versions[end..]
                    .iter()
                    .flat_map(|(_, paths)| paths.iter())
                    .collect();
                let base_files: common::Files = files
                    .iter()
                    .filter(|(p, _)| !later.contains(p))
                    .map(|(p, b)| (p.clone(), b.clone()))
                    .collect();
                let head_files: common::Files = files
                    .iter()
                    .filter(|(p, _)| !beyond.contains(p))
                    .map(|(p, b)| (p.clone(), b.clone()))
                    .collect();
                let base = t.commit(&base_files, &[], "base");
                let head = t.commit(&head_files, &[base], "release");
                t.branch("main", base);
                t.branch("release", head);
                let out = scan_diff(
                    &ScanOptions {
                        root: t.path().to_path_buf(),
                        config: Config::default(),
                    },
                    &DiffOptions {
                        base: Some("main".into()),
                        head: Some("release".into()),
                        ..DiffOptions::default()
                    },
                )
                .expect("diff scan");
                releases += 1;
                for f in out
                    .report
                    .findings
                    .iter()
                    .filter(|f| f.code.starts_with('H'))
                {
                    *by_code.entry(f.code.clone()).or_default() += 1;
                    reported.push(format!(
                        "{} {folder} {}:{} {} {}",
                        dir.file_name().unwrap().to_string_lossy(),
                        f.location.path,
                        f.location.start.line,
                        f.code,
                        f.message
                    ));
                }
            }
        }
    }
    eprintln!("{releases} releases; history findings by rule: {by_code:?}");
    for r in &reported {
        eprintln!("  {r}");
    }
    assert!(
        releases > 20,
        "expected releases from the corpus, got {releases}"
    );
    for code in ["H101", "H102", "H103"] {
        assert!(
            !by_code.contains_key(code),
            "{code} fired on a release that only appends migrations in order:\n{}",
            reported.join("\n")
        );
    }
}

/// The corpus's YAML files of one repository, with `edit` applied to each (None: unchanged).
fn yaml_files(files: &common::Files, edit: &dyn Fn(&str) -> Option<String>) -> common::Files {
    files
        .iter()
        .filter(|(p, _)| classify_path(p) == FileKind::Yaml)
        .map(|(p, b)| {
            let text = String::from_utf8_lossy(b);
            let out = edit(&text)
                .map(String::into_bytes)
                .unwrap_or_else(|| b.clone());
            (p.clone(), out)
        })
        .collect()
}

/// Every image tag bumped (`app:1.4` → `app:1.4-next`).
fn bump_images(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let bumped = trimmed.strip_prefix("image:").and_then(|rest| {
            let value = rest.trim().trim_matches(['"', '\'']);
            let tag_at = value.rfind(':').filter(|&i| !value[i..].contains('/'))?;
            (!value.contains("{{") && !value.contains('@') && tag_at + 1 < value.len())
                .then(|| line.replacen(value, &format!("{value}-next"), 1))
        });
        out.push_str(bumped.as_deref().unwrap_or(line));
    }
    (out != text).then_some(out)
}

/// A comment line inside every `matchLabels:` mapping.
fn comment_selectors(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        if line.trim_end().ends_with("matchLabels:")
            && let Some(next) = lines.get(i + 1)
        {
            let indent = next.len() - next.trim_start().len();
            if indent > line.len() - line.trim_start().len() {
                out.push_str(&format!("{}# reviewed selector\n", &next[..indent]));
            }
        }
    }
    (out != text).then_some(out)
}

/// Diff mode on releases of the corpus's manifests: a release that bumps every image tag and
/// comments every selector. Only the pod templates of Jobs are immutable among what changes,
/// so K501 may report Jobs and nothing else; what it reports is printed for review.
#[test]
fn immutable_field_rule_on_releases_built_from_the_corpus() {
    let Some(root) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    };
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let mut reported = Vec::new();
    let mut releases = 0;
    for dir in repos {
        let files = common::read_tree(&dir);
        let base = yaml_files(&files, &|_| None);
        let head = yaml_files(&files, &|t| {
            let bumped = bump_images(t);
            let commented = comment_selectors(bumped.as_deref().unwrap_or(t));
            commented.or(bumped)
        });
        if base == head {
            continue;
        }
        let t = common::TestRepo::new();
        let b = t.commit(&base, &[], "base");
        let h = t.commit(&head, &[b], "release");
        t.branch("main", b);
        t.branch("release", h);
        let out = scan_diff(
            &ScanOptions {
                root: t.path().to_path_buf(),
                config: Config::default(),
            },
            &DiffOptions {
                base: Some("main".into()),
                head: Some("release".into()),
                ..DiffOptions::default()
            },
        )
        .expect("diff scan");
        releases += 1;
        for f in out.report.findings.iter().filter(|f| f.code == "K501") {
            reported.push((
                f.message.starts_with("`spec.template` of `job/"),
                format!(
                    "{} {}:{} {}",
                    dir.file_name().unwrap().to_string_lossy(),
                    f.location.path,
                    f.location.start.line,
                    f.message
                ),
            ));
        }
    }
    eprintln!(
        "{releases} manifest releases; K501 findings: {}",
        reported.len()
    );
    for (_, r) in &reported {
        eprintln!("  {r}");
    }
    assert!(releases >= 5, "expected manifest releases, got {releases}");
    let wrong: Vec<&String> = reported
        .iter()
        .filter(|(job, _)| !job)
        .map(|(_, r)| r)
        .collect();
    assert!(
        wrong.is_empty(),
        "K501 reported a field that did not change:\n{wrong:#?}"
    );
}
