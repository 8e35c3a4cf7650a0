//! Runs forecast over the real-world corpus in `../shared/corpus` when it is present: no
//! panic, no abort, deterministic output. Skips cleanly when the corpus is absent.

use std::path::PathBuf;

use forecast::config::Config;
use forecast::{ScanOptions, scan};

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
    // above info was reviewed (see docs/env.md, "On the corpus"): none is expected.
    let env = &first.report.summary.env;
    assert!(
        env.reads >= 200 && env.files_with_reads >= 80,
        "expected the corpus's env reads to be found: {env:?}"
    );
    let loud: Vec<String> = first
        .report
        .findings
        .iter()
        .filter(|f| f.code.starts_with('E') && f.severity > forecast::finding::Severity::Info)
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f.location.path, f.location.start.line, f.code, f.message
            )
        })
        .collect();
    assert!(
        loud.is_empty(),
        "unexpected env findings on the corpus: {loud:#?}"
    );
    let second = scan(&opts).expect("corpus scan");
    assert_eq!(
        forecast::report::json::render(&first.report),
        forecast::report::json::render(&second.report),
        "two scans of the same tree must give identical reports"
    );
}
