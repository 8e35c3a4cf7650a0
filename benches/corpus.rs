//! Benchmarks over the real-world corpus in `../shared/corpus` (skipped when absent):
//!
//! - `parse/postgres-migrations`: split and lower every PostgreSQL migration listed in
//!   `files.tsv`, in parallel (rayon), as the scan does;
//! - `scan/corpus`: the whole pipeline on the whole corpus (10,000 files).
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

fn bench(c: &mut Criterion) {
    let Some(root) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    };
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
