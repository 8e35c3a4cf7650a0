//! Every output format over the real-world corpus in `../shared/corpus`, when present: the
//! SARIF passes the validator and GitHub's limits, the Markdown fits a comment, the JSON
//! formats parse, and the suppression-comment readers run over every corpus file without a
//! panic or a directive where there is none. Skips cleanly when the corpus is absent.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use forecast::config::Config;
use forecast::report::{Format, RenderOptions, render};
use forecast::{ScanOptions, scan};

fn corpus() -> Option<PathBuf> {
    let p = common::root().join("../shared/corpus");
    p.is_dir().then_some(p)
}

#[test]
fn corpus_renders_within_limits() {
    let Some(root) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    };
    let out = scan(&ScanOptions {
        root,
        config: Config::default(),
    })
    .expect("corpus scan");
    assert!(out.report.findings.len() > 1000);
    let sources: BTreeMap<&str, &str> = BTreeMap::new();
    let opts = RenderOptions::default();
    let dir = tempfile::tempdir().unwrap();

    let sarif = render(&out.report, &sources, Format::Sarif, &opts);
    assert!(forecast::report::sarif::gzipped_len(&sarif) <= forecast::report::sarif::MAX_BYTES);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(
        v["runs"][0]["results"].as_array().unwrap().len(),
        out.report
            .findings
            .len()
            .min(forecast::report::sarif::MAX_RESULTS)
    );
    let path = dir.path().join("corpus.sarif");
    std::fs::write(&path, &sarif).unwrap();
    common::validate_sarif(&[path]);

    let md = render(&out.report, &sources, Format::Markdown, &opts);
    assert!(md.chars().count() <= forecast::report::markdown::MAX_CHARS);
    assert!(md.contains("more findings not shown"));

    let gitlab = render(&out.report, &sources, Format::Gitlab, &opts);
    let issues: serde_json::Value = serde_json::from_str(&gitlab).unwrap();
    assert_eq!(issues.as_array().unwrap().len(), out.report.findings.len());
    let fps: std::collections::BTreeSet<&str> = issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        fps.len(),
        out.report.findings.len(),
        "fingerprints must be unique"
    );

    let github = render(&out.report, &sources, Format::Github, &opts);
    assert_eq!(
        github.lines().filter(|l| l.starts_with("::")).count(),
        out.report.findings.len() + 1
    );
    assert!(
        github.lines().all(|l| l.starts_with("::")),
        "a line escaped its command"
    );
}

#[test]
fn comment_readers_survive_every_corpus_file() {
    let Some(root) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    };
    let (files, _) = forecast::discover::walk(&root);
    let catalogue = forecast::catalogue::Catalogue::embedded();
    let mut read = 0;
    for f in &files {
        let Ok(bytes) = std::fs::read(&f.abs) else {
            continue;
        };
        let source = forecast::source::SourceFile::from_bytes(f.rel.clone(), bytes);
        let Some(commented) = forecast::suppress::Commented::scan(&source) else {
            continue;
        };
        read += 1;
        for c in &commented.comments {
            assert!(c.start <= c.end && c.end <= source.text.len(), "{}", f.rel);
        }
        let found = forecast::suppress::directives(&commented, catalogue);
        assert!(found.is_empty(), "{}: {found:?}", f.rel);
    }
    assert!(read > 5000, "only {read} files read");
}
