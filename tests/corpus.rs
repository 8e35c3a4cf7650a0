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
