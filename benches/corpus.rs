//! Benchmarks over the real-world corpus in `../shared/corpus` (skipped when absent):
//!
//! - `parse/postgres-migrations`: split and lower every PostgreSQL migration listed in
//!   `files.tsv`, in parallel (rayon), as the scan does;
//! - `manifests/yaml-parse`: parse every Kubernetes manifest, Helm values file and compose
//!   file listed in `files.tsv` into positioned YAML (one thread, as one file is parsed);
//! - `manifests/model-and-rules`: from those parsed files (plus the Dockerfiles), build the
//!   deploy units and the object graph and run every K, C and D rule;
//! - `scan/corpus`: the whole pipeline on the whole corpus (10,000 files);
//! - `envrefs/corpus-code`: the env-read scanners (syn for Rust, the token scanners for the
//!   others) over the corpus's env-reading source files, in parallel, as the scan does;
//! - `envrefs/prefilter`: the memchr prefilter over every file of the corpus, which is what
//!   keeps most files of a big monorepo away from any scanner.
//!
//! Run with `cargo bench --bench corpus`. `benches/compare-squawk.sh` times forecast and
//! squawk side by side on the same files.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use rayon::prelude::*;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.join("files.tsv").is_file().then_some(p)
}

/// The PostgreSQL migrations listed in files.tsv, read into memory.
fn postgres_files(root: &std::path::Path) -> Vec<String> {
    let index = std::fs::read_to_string(root.join("files.tsv")).unwrap_or_default();
    index
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.len() >= 5 && cols[2] == "sql" && cols[4] == "postgres").then(|| cols[0])
        })
        .filter_map(|rel| std::fs::read(root.join(rel)).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect()
}

/// Manifest files listed in files.tsv: (path, text, is a Dockerfile).
fn manifest_files(root: &std::path::Path) -> Vec<(String, String, bool)> {
    let index = std::fs::read_to_string(root.join("files.tsv")).unwrap_or_default();
    index
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let kind = *cols.get(2)?;
            matches!(kind, "k8s" | "helm-values" | "compose" | "dockerfile")
                .then(|| (cols[0].to_string(), kind == "dockerfile"))
        })
        .filter_map(|(rel, docker)| {
            let bytes = std::fs::read(root.join(&rel)).ok()?;
            Some((rel, String::from_utf8_lossy(&bytes).into_owned(), docker))
        })
        .collect()
}

fn load(
    files: &[(String, String, bool)],
    repo: &forecast::classify::RepoIndex,
) -> Vec<forecast::model::manifests::Loaded> {
    use forecast::parse::yaml::FileId;
    files
        .iter()
        .enumerate()
        .map(|(i, (path, text, docker))| {
            let source = forecast::source::SourceFile::new(path.clone(), text.clone());
            let (yaml, dockerfile, role) = if *docker {
                (
                    Default::default(),
                    Some(forecast::parse::dockerfile::parse(text)),
                    None,
                )
            } else {
                (
                    forecast::parse::yaml::parse(text, FileId(i as u32)),
                    None,
                    Some(forecast::classify::manifest::yaml_role(path, repo)),
                )
            };
            forecast::model::manifests::Loaded {
                source,
                path_role: role,
                is_dockerfile: *docker,
                is_env: false,
                env: None,
                yaml,
                dockerfile,
                chart: None,
            }
        })
        .collect()
}

/// The corpus files of `kind` (`code`, ...) listed in files.tsv, or every file for `None`.
fn files_of_kind(root: &std::path::Path, kind: Option<&str>) -> Vec<(String, String)> {
    let index = std::fs::read_to_string(root.join("files.tsv")).unwrap_or_default();
    index
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.len() >= 3 && kind.is_none_or(|k| cols[2] == k)).then(|| cols[0].to_string())
        })
        .filter_map(|rel| {
            let bytes = std::fs::read(root.join(&rel)).ok()?;
            Some((rel, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect()
}

fn bench_envrefs(c: &mut Criterion, root: &std::path::Path) {
    use forecast::parse::envrefs;
    let code: Vec<(envrefs::Lang, String)> = files_of_kind(root, Some("code"))
        .into_iter()
        .filter_map(|(p, t)| envrefs::lang_of(&p).map(|l| (l, t)))
        .collect();
    let bytes: usize = code.iter().map(|(_, t)| t.len()).sum();
    let reads: usize = code
        .iter()
        .map(|(l, t)| envrefs::extract(t, *l).refs.len())
        .sum();
    eprintln!(
        "{} env-reading source files, {bytes} bytes, {reads} reads",
        code.len()
    );
    let mut group = c.benchmark_group("envrefs");
    group.sample_size(20);
    group.throughput(criterion::Throughput::Bytes(bytes as u64));
    group.bench_function("corpus-code", |b| {
        b.iter(|| {
            code.par_iter()
                .map(|(l, t)| envrefs::extract(t, *l).refs.len())
                .sum::<usize>()
        })
    });
    let all = files_of_kind(root, None);
    let all_bytes: usize = all.iter().map(|(_, t)| t.len()).sum();
    group.throughput(criterion::Throughput::Bytes(all_bytes as u64));
    group.bench_function("prefilter", |b| {
        b.iter(|| {
            all.iter()
                .filter(|(_, t)| envrefs::might_read_env(t.as_bytes(), envrefs::Lang::Python))
                .count()
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let Some(root) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    };
    bench_envrefs(c, &root);
    let manifests = manifest_files(&root);
    let mbytes: usize = manifests.iter().map(|(_, t, _)| t.len()).sum();
    eprintln!("{} manifest files, {} bytes", manifests.len(), mbytes);
    let repo = forecast::classify::RepoIndex::new(manifests.iter().map(|(p, _, _)| p.clone()));
    let paths: std::collections::BTreeSet<String> =
        manifests.iter().map(|(p, _, _)| p.clone()).collect();
    let yaml_only: Vec<&String> = manifests
        .iter()
        .filter(|(_, _, d)| !d)
        .map(|(_, t, _)| t)
        .collect();
    let ybytes: usize = yaml_only.iter().map(|t| t.len()).sum();
    let mut group = c.benchmark_group("manifests");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Bytes(ybytes as u64));
    group.bench_function("yaml-parse", |b| {
        b.iter(|| {
            yaml_only
                .iter()
                .map(|t| {
                    forecast::parse::yaml::parse(t, forecast::parse::yaml::FileId(0))
                        .docs
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.throughput(criterion::Throughput::Bytes(mbytes as u64));
    let config = forecast::config::Config::default();
    // The env family's providers: every compose service, Kubernetes container, Helm values
    // component and Dockerfile of the corpus turned into deploy targets tied to code, with
    // their secrets, and the env model built from them.
    let model = forecast::model::manifests::build(load(&manifests, &repo), &paths);
    let classifier = forecast::classify::environment::Classifier::new(&config);
    let env_files = std::collections::BTreeMap::new();
    let documented = |_: &str| false;
    let charts = std::collections::BTreeMap::new();
    let inputs = forecast::model::providers::Inputs {
        manifests: &model,
        env_files: &env_files,
        classifier: &classifier,
        root_name: None,
        documented: &documented,
        charts: &charts,
    };
    let targets = {
        let mut b = forecast::model::env::EnvModelBuilder::new();
        forecast::model::providers::collect(&inputs, &mut b);
        b.build().targets.len()
    };
    eprintln!("{targets} deploy targets in the corpus manifests");
    group.bench_function("env-providers", |b| {
        b.iter(|| {
            let mut builder = forecast::model::env::EnvModelBuilder::new();
            forecast::model::providers::collect(&inputs, &mut builder);
            builder.build().environments.len()
        })
    });
    group.bench_function("model-and-rules", |b| {
        b.iter_batched(
            || load(&manifests, &repo),
            |loaded| {
                let m = forecast::model::manifests::build(loaded, &paths);
                forecast::check::manifests::check(&m, &config)
                    .findings
                    .len()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();

    let files = postgres_files(&root);
    let bytes: usize = files.iter().map(String::len).sum();
    eprintln!("{} PostgreSQL migrations, {} bytes", files.len(), bytes);
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Bytes(bytes as u64));
    group.bench_function("postgres-migrations", |b| {
        b.iter(|| {
            files
                .par_iter()
                .map(|t| {
                    forecast::parse::sql::parse(t, forecast::parse::sql::Dialect::Postgres)
                        .statements
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    let opts = forecast::ScanOptions {
        root: root.clone(),
        config: forecast::config::Config::default(),
    };
    group.bench_function("corpus", |b| {
        b.iter(|| {
            forecast::scan(&opts)
                .map(|o| o.report.findings.len())
                .unwrap_or(0)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
