//! The fixture test: every case under `testdata/rules/<code>/{bad,ok}/` runs through the real
//! pipeline. In a `bad` case the findings must equal the `expect:` markers exactly, as
//! (file, line, code); an `ok` case must produce no finding at all. Each bad case's text
//! rendering is snapshotted. Markers sit in a comment of the file's syntax (`-- expect: M101`,
//! `# expect: K101`); `# expect-next: D102` marks the line below, for Dockerfiles.
//!
//! A case folder holding `head/` is a history case (the H rules need a diff): `base/` is the
//! tree at the merge base, `head/` the tree the change leaves, and `main/` (optional) the base
//! branch after it moved on. The test commits them into a temporary git repository and runs
//! `forecast --base main --head head` on it. Markers sit in `head/` files, or, for a finding
//! in a file the change deleted, in its `base/` copy; an optional `forecast.toml` beside the
//! trees is the configuration.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use forecast::config::Config;
use forecast::diff::DiffOptions;
use forecast::report::text::{TextOptions, render};
use forecast::{ScanOptions, scan, scan_diff};

fn cases(kind: &str) -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let mut out = Vec::new();
    for code in std::fs::read_dir(&root)
        .expect("testdata/rules exists")
        .flatten()
    {
        let dir = code.path().join(kind);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = format!(
                "{}_{}_{}",
                code.file_name().to_string_lossy(),
                kind,
                e.file_name().to_string_lossy().trim_end_matches(".sql")
            );
            out.push((name, e.path()));
        }
    }
    out.sort();
    out
}

fn is_history_case(case: &Path) -> bool {
    case.join("head").is_dir()
}

/// `(relative path, line, code)` for every `expect:` marker of a case.
fn markers(case: &Path) -> BTreeSet<(String, usize, String)> {
    if !is_history_case(case) {
        return tree_markers(case);
    }
    let head = tree_markers(&case.join("head"));
    let head_files: BTreeSet<PathBuf> = walk(&case.join("head"))
        .iter()
        .map(|p| p.strip_prefix(case.join("head")).unwrap().to_path_buf())
        .collect();
    let deleted = tree_markers(&case.join("base"))
        .into_iter()
        .filter(|(p, _, _)| !head_files.contains(Path::new(p)));
    head.into_iter().chain(deleted).collect()
}

/// `(relative path, line, code)` for every `expect:` marker under `case`.
fn tree_markers(case: &Path) -> BTreeSet<(String, usize, String)> {
    let mut out = BTreeSet::new();
    let files: Vec<PathBuf> = if case.is_file() {
        vec![case.to_path_buf()]
    } else {
        walk(case)
    };
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = if case.is_file() {
            f.file_name().unwrap().to_string_lossy().into_owned()
        } else {
            f.strip_prefix(case)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        };
        for (i, line) in text.lines().enumerate() {
            // `expect: CODE` marks its own line; `expect-next: CODE` the line below it, for
            // formats whose comments cannot share a line with code (Dockerfile).
            for (marker, offset) in [("expect:", 1), ("expect-next:", 2)] {
                if let Some(pos) = line.find(marker) {
                    for code in line[pos + marker.len()..].split(',') {
                        let code = code.trim();
                        if !code.is_empty() {
                            out.insert((rel.clone(), i + offset, code.to_string()));
                        }
                    }
                }
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn run(case: &Path) -> forecast::ScanOutput {
    if is_history_case(case) {
        let config = match case.join("forecast.toml") {
            p if p.is_file() => Config::load(&p).unwrap(),
            _ => Config::default(),
        };
        let repo = common::fixture_repo(case);
        return scan_diff(
            &ScanOptions {
                root: repo.path().to_path_buf(),
                config,
            },
            &DiffOptions {
                base: Some("main".into()),
                head: Some("head".into()),
                staged: false,
                all: false,
            },
        )
        .unwrap();
    }
    let config = match Config::discover(case) {
        Some(p) if case.is_dir() && p.starts_with(case) => Config::load(&p).unwrap(),
        _ => Config::default(),
    };
    scan(&ScanOptions {
        root: case.to_path_buf(),
        config,
    })
    .unwrap()
}

#[test]
fn bad_cases_report_exactly_their_markers() {
    let mut failures = Vec::new();
    let all = cases("bad");
    assert!(!all.is_empty());
    for (name, case) in &all {
        let expected = markers(case);
        if expected.is_empty() {
            failures.push(format!(
                "{name}: a bad case needs at least one `expect:` marker"
            ));
            continue;
        }
        let out = run(case);
        let found: BTreeSet<(String, usize, String)> = out
            .report
            .findings
            .iter()
            .map(|f| {
                (
                    f.location.path.clone(),
                    f.location.start.line,
                    f.code.clone(),
                )
            })
            .collect();
        if found != expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  found    {found:?}\n  messages: {:#?}",
                out.report
                    .findings
                    .iter()
                    .map(|f| format!(
                        "{}:{} {} {}",
                        f.location.path, f.location.start.line, f.code, f.message
                    ))
                    .collect::<Vec<_>>()
            ));
            continue;
        }
        let sources = out
            .sources
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let text = render(&out.report, &sources, TextOptions { color: false });
        insta::assert_snapshot!(name.clone(), text);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn ok_cases_report_nothing() {
    let mut failures = Vec::new();
    let all = cases("ok");
    assert!(!all.is_empty());
    for (name, case) in &all {
        let out = run(case);
        let unexpected: Vec<String> = out
            .report
            .findings
            .iter()
            .filter(|f| {
                !markers(case).contains(&(
                    f.location.path.clone(),
                    f.location.start.line,
                    f.code.clone(),
                ))
            })
            .map(|f| {
                format!(
                    "{}:{} {} {}",
                    f.location.path, f.location.start.line, f.code, f.message
                )
            })
            .collect();
        if !unexpected.is_empty() || !markers(case).is_empty() {
            failures.push(format!(
                "{name}: an ok case must report nothing, found {unexpected:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
