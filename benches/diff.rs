//! Diff mode cost grows with the change, not the repository. A generated repository of 20,000
//! files (40 services, each with a migration folder of 25 migrations, Go sources, manifests
//! and docs) gets a 10-file change: three new migrations (up and down), one edited migration
//! and three source files. Measured, in a temporary directory:
//!
//! - `diff/worktree`: `forecast --base main` on the working tree (git walks the index and
//!   stats every file, as `git status` does; forecast reads the change and one migration
//!   folder);
//! - `diff/head`: `forecast --base main --head feature`, everything read from git objects;
//! - `scan/full`: the full scan of the same tree, for comparison.
//!
//! Run with `cargo bench --bench diff`.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use forecast::config::Config;
use forecast::diff::DiffOptions;
use forecast::{ScanOptions, scan, scan_diff};
use git2::{IndexAddOption, Repository, Signature, Time};

const SERVICES: usize = 40;
const MIGRATIONS_PER_SERVICE: usize = 25;
const TOTAL_FILES: usize = 20_000;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(p, text).unwrap();
}

fn migration(service: usize, n: usize) -> (String, String) {
    let up = match n {
        1 => format!(
            "CREATE TABLE svc{service}_items (\n    id bigint PRIMARY KEY,\n    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\n"
        ),
        n => format!(
            "SET lock_timeout = '5s';\nALTER TABLE svc{service}_items ADD COLUMN c{n} text;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS svc{service}_items_c{n} ON svc{service}_items (c{n});\n"
        ),
    };
    let down = match n {
        1 => format!("DROP TABLE svc{service}_items;\n"),
        n => format!(
            "DROP INDEX CONCURRENTLY IF EXISTS svc{service}_items_c{n};\nSET lock_timeout = '5s';\nALTER TABLE svc{service}_items DROP COLUMN c{n};\n"
        ),
    };
    (up, down)
}

/// Generate the repository, commit it as `main`, then make the change in the working tree
/// and commit it as `feature` (the working tree keeps the change, on `main`).
fn generate(root: &Path) {
    let mut count = 0;
    for s in 0..SERVICES {
        for n in 1..=MIGRATIONS_PER_SERVICE {
            let (up, down) = migration(s, n);
            write(
                root,
                &format!("services/svc{s:02}/migrations/{n:06}_step.up.sql"),
                &up,
            );
            write(
                root,
                &format!("services/svc{s:02}/migrations/{n:06}_step.down.sql"),
                &down,
            );
            count += 2;
        }
        for k in 0..10 {
            write(
                root,
                &format!("services/svc{s:02}/k8s/deploy{k}.yaml"),
                &format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc{s}-{k}\n"),
            );
            count += 1;
        }
    }
    let mut i = 0;
    while count < TOTAL_FILES {
        let s = i % SERVICES;
        write(
            root,
            &format!("services/svc{s:02}/pkg/m{}/file{i}.go", i % 37),
            &format!(
                "package m\n\nimport \"os\"\n\nfunc F{i}() string {{ return os.Getenv(\"SVC_{s}_KEY\") }}\n"
            ),
        );
        i += 1;
        count += 1;
    }
    write(root, "README.md", "generated\n");

    // Let the clock move past the files' mtimes so the index's stat data is trusted.
    std::thread::sleep(Duration::from_millis(1100));
    let repo = Repository::init(root).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"].iter(), IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::new(
        "bench",
        "bench@forecast.invalid",
        &Time::new(1_700_000_000, 0),
    )
    .unwrap();
    let main = repo
        .commit(Some("HEAD"), &sig, &sig, "main", &tree, &[])
        .unwrap();
    repo.reference("refs/heads/main", main, true, "bench")
        .unwrap();

    // The change: 10 files.
    for n in 26..=28 {
        let (up, down) = migration(7, n);
        write(
            root,
            &format!("services/svc07/migrations/{n:06}_step.up.sql"),
            &up,
        );
        write(
            root,
            &format!("services/svc07/migrations/{n:06}_step.down.sql"),
            &down,
        );
    }
    write(
        root,
        "services/svc07/migrations/000025_step.up.sql",
        "SET lock_timeout = '5s';\nALTER TABLE svc7_items ADD COLUMN c25 varchar(64);\n",
    );
    for k in 0..3 {
        write(
            root,
            &format!("services/svc07/pkg/m{k}/file{}.go", 7 + 40 * k),
            "package m\n\nfunc Changed() {}\n",
        );
    }
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"].iter(), IndexAddOption::DEFAULT, None)
        .unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let parent = repo.find_commit(main).unwrap();
    let feature = repo
        .commit(None, &sig, &sig, "feature", &tree, &[&parent])
        .unwrap();
    repo.reference("refs/heads/feature", feature, true, "bench")
        .unwrap();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    generate(&root);
    let opts = ScanOptions {
        root: root.clone(),
        config: Config::default(),
    };
    let worktree = DiffOptions {
        base: Some("main".into()),
        ..DiffOptions::default()
    };
    let head = DiffOptions {
        base: Some("main".into()),
        head: Some("feature".into()),
        ..DiffOptions::default()
    };
    let check = scan_diff(&opts, &worktree).unwrap();
    let d = check.report.diff.as_ref().unwrap();
    assert_eq!(d.changed_files.len(), 10, "{:?}", d.changed_files);
    eprintln!(
        "{} files; change of {} files: {} files read, {} new findings",
        TOTAL_FILES + 1,
        d.changed_files.len(),
        check.report.summary.files_scanned,
        d.new_findings
    );

    let mut group = c.benchmark_group("diff");
    group.sample_size(20);
    group.bench_function("worktree", |b| {
        b.iter(|| scan_diff(&opts, &worktree).map(|o| o.report.findings.len()))
    });
    group.bench_function("head", |b| {
        b.iter(|| scan_diff(&opts, &head).map(|o| o.report.findings.len()))
    });
    group.finish();

    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    group.bench_function("full", |b| {
        b.iter(|| scan(&opts).map(|o| o.report.findings.len()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
