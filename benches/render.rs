//! Benchmarks of the code-review side over the real-world corpus in `../shared/corpus`
//! (skipped when absent): rendering the corpus's report (about 4,000 findings) in each output
//! format, and the suppression pass's comment readers over every SQL migration.
//!
//! Run with `cargo bench --bench render`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use forecast::report::{Format, RenderOptions, render};

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.join("files.tsv").is_file().then_some(p)
}

fn bench(c: &mut Criterion) {
    let Some(root) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    };
    let out = match forecast::scan(&forecast::ScanOptions {
        root: root.clone(),
        config: forecast::config::Config::default(),
    }) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    eprintln!("{} findings", out.report.findings.len());
    let sources: BTreeMap<&str, &str> = out
        .sources
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let opts = RenderOptions::default();
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    for (format, name) in [
        (Format::Text, "text"),
        (Format::Json, "json"),
        (Format::Sarif, "sarif"),
        (Format::Markdown, "markdown"),
        (Format::Github, "github"),
        (Format::Gitlab, "gitlab"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| render(&out.report, &sources, format, &opts).len())
        });
    }
    group.finish();

    // The comment readers over every SQL file of the corpus, as the suppression pass runs them
    // on files that hold no directive (the common case) and on one that does.
    let (files, _) = forecast::discover::walk(&root);
    let sources: Vec<forecast::source::SourceFile> = files
        .iter()
        .filter(|f| f.rel.ends_with(".sql"))
        .filter_map(|f| {
            std::fs::read(&f.abs)
                .ok()
                .map(|b| forecast::source::SourceFile::from_bytes(f.rel.clone(), b))
        })
        .collect();
    let bytes: usize = sources.iter().map(|s| s.text.len()).sum();
    let catalogue = forecast::catalogue::Catalogue::embedded();
    let mut group = c.benchmark_group("suppress");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Bytes(bytes as u64));
    group.bench_function("directives/corpus-sql", |b| {
        b.iter(|| {
            sources
                .iter()
                .filter_map(forecast::suppress::Commented::scan)
                .map(|c| forecast::suppress::directives(&c, catalogue).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
