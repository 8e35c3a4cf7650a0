//! Diff mode end to end, on temporary git repositories built with git2: which files count,
//! where they are read from, which findings the change introduced, and the errors a CI user
//! meets. No test depends on this project's own history.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{TestRepo, files};
use forecast::config::Config;
use forecast::diff::DiffOptions;
use forecast::{ScanError, ScanOptions, scan_diff};

fn run(root: &Path, diff: DiffOptions) -> Result<forecast::ScanOutput, ScanError> {
    scan_diff(
        &ScanOptions {
            root: root.to_path_buf(),
            config: Config::default(),
        },
        &diff,
    )
}

fn base(rev: &str) -> DiffOptions {
    DiffOptions {
        base: Some(rev.into()),
        ..DiffOptions::default()
    }
}

/// `(path, line, code)` of every finding.
fn found(out: &forecast::ScanOutput) -> BTreeSet<(String, usize, String)> {
    out.report
        .findings
        .iter()
        .map(|f| {
            (
                f.location.path.clone(),
                f.location.start.line,
                f.code.clone(),
            )
        })
        .collect()
}

fn f(path: &str, line: usize, code: &str) -> (String, usize, String) {
    (path.to_string(), line, code.to_string())
}

const INIT: &str = "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, email text);\n";

/// `main` with one plain migration creating `orders`, checked out.
fn repo_with_orders() -> TestRepo {
    let t = TestRepo::new();
    let c = t.commit(
        &files(&[
            ("migrations/0001_init.sql", INIT),
            (".gitignore", "scratch/\n"),
        ]),
        &[],
        "init",
    );
    t.branch("main", c);
    t.checkout("main");
    t
}

#[test]
fn the_working_tree_counts_staged_unstaged_and_untracked_files_but_not_ignored_ones() {
    let t = repo_with_orders();
    t.write(
        "migrations/0002_staged.sql",
        "CREATE INDEX orders_customer ON orders (customer_id);\n",
    );
    t.stage("migrations/0002_staged.sql");
    t.write(
        "migrations/0003_untracked.sql",
        "CREATE INDEX orders_email ON orders (email);\n",
    );
    // An unstaged edit to a migration that exists on `main`.
    t.write(
        "migrations/0001_init.sql",
        &format!("{INIT}CREATE INDEX orders_id ON orders (id, email);\n"),
    );
    t.write(
        "scratch/migrations/0001_ignored.sql",
        "CREATE INDEX ignored ON orders (email);\n",
    );
    let out = run(t.path(), base("main")).unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([
            f("migrations/0001_init.sql", 2, "H101"),
            f("migrations/0002_staged.sql", 1, "M101"),
            f("migrations/0003_untracked.sql", 1, "M101"),
        ]),
        "{:#?}",
        out.report.findings
    );
    let d = out.report.diff.as_ref().unwrap();
    assert_eq!(d.mode, forecast::diff::Mode::Worktree);
    let changed: Vec<&str> = d.changed_files.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        changed,
        [
            "migrations/0001_init.sql",
            "migrations/0002_staged.sql",
            "migrations/0003_untracked.sql"
        ]
    );
    // The index added to `0001` is on the table `0001` creates, so only H101 flags the edit.
    assert_eq!(d.new_findings, 3);
}

#[test]
fn head_mode_reads_every_file_from_git_objects() {
    let t = repo_with_orders();
    let main = t.repo.refname_to_id("refs/heads/main").unwrap();
    let feature = t.commit(
        &files(&[
            ("migrations/0001_init.sql", INIT),
            (".gitignore", "scratch/\n"),
            (
                "migrations/0002_index.sql",
                "CREATE INDEX orders_customer ON orders (customer_id);\n",
            ),
        ]),
        &[main],
        "feature",
    );
    t.branch("feature", feature);
    // The checkout stays on `main` and even loses a file: nothing is read from it.
    t.remove("migrations/0001_init.sql");
    let out = run(
        t.path(),
        DiffOptions {
            base: Some("main".into()),
            head: Some("feature".into()),
            ..DiffOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([f("migrations/0002_index.sql", 1, "M101")])
    );
    let d = out.report.diff.as_ref().unwrap();
    assert_eq!(d.head, "feature");
    assert_eq!(d.head_commit.as_deref(), Some(feature.to_string().as_str()));
    assert_eq!(d.merge_base.as_deref(), Some(main.to_string().as_str()));
    assert!(out.sources.contains_key("migrations/0002_index.sql"));
}

#[test]
fn staged_mode_reads_the_index_not_the_working_tree() {
    let t = repo_with_orders();
    t.write(
        "migrations/0002_index.sql",
        "CREATE INDEX orders_customer ON orders (customer_id);\n",
    );
    t.stage("migrations/0002_index.sql");
    // Fixed in the working tree, not staged: the commit would still hold the blocking build.
    t.write(
        "migrations/0002_index.sql",
        "CREATE INDEX CONCURRENTLY orders_customer ON orders (customer_id);\n",
    );
    let staged = run(
        t.path(),
        DiffOptions {
            staged: true,
            ..DiffOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        found(&staged),
        BTreeSet::from([f("migrations/0002_index.sql", 1, "M101")])
    );
    let d = staged.report.diff.as_ref().unwrap();
    assert_eq!((d.base.as_str(), d.head.as_str()), ("HEAD", "index"));
    let worktree = run(t.path(), base("HEAD")).unwrap();
    assert!(
        found(&worktree).is_empty(),
        "{:#?}",
        worktree.report.findings
    );
}

#[test]
fn pre_existing_findings_are_left_out_and_shown_marked_with_all() {
    let t = TestRepo::new();
    let c = t.commit(
        &files(&[
            ("migrations/0001_init.sql", INIT),
            (
                "migrations/0002_index.sql",
                "CREATE INDEX orders_customer ON orders (customer_id);\n",
            ),
        ]),
        &[],
        "init",
    );
    t.branch("main", c);
    t.checkout("main");
    t.write(
        "migrations/0003_index.sql",
        "CREATE INDEX orders_email ON orders (email);\n",
    );
    let out = run(t.path(), base("main")).unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([f("migrations/0003_index.sql", 1, "M101")])
    );
    let d = out.report.diff.as_ref().unwrap();
    assert_eq!((d.new_findings, d.pre_existing_findings), (1, 1));
    assert!(out.report.findings.iter().all(|f| f.introduced.is_none()));

    let all = run(
        t.path(),
        DiffOptions {
            base: Some("main".into()),
            all: true,
            ..DiffOptions::default()
        },
    )
    .unwrap();
    let marks: Vec<(String, Option<bool>)> = all
        .report
        .findings
        .iter()
        .map(|f| (f.location.path.clone(), f.introduced))
        .collect();
    assert_eq!(
        marks,
        [
            ("migrations/0002_index.sql".to_string(), Some(false)),
            ("migrations/0003_index.sql".to_string(), Some(true)),
        ]
    );
    // Only what is new counts: same forecast, same counts, same plan.
    assert_eq!(all.report.forecast, out.report.forecast);
    assert_eq!(
        all.report.summary.findings_by_severity,
        out.report.summary.findings_by_severity
    );
    assert_eq!(all.report.rollback_plan, out.report.rollback_plan);
    let json: serde_json::Value =
        serde_json::from_str(&forecast::report::json::render(&all.report)).unwrap();
    assert_eq!(json["diff"]["all"], true);
    assert_eq!(json["diff"]["pre_existing_findings"], 1);
    assert_eq!(json["findings"][0]["introduced"], false);
    let text = forecast::report::text::render(
        &all.report,
        &all.sources
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        forecast::report::text::TextOptions { color: false },
    );
    assert!(text.contains("[new M101 blocking-index-build]"), "{text}");
    assert!(
        text.contains(
            "1 new finding in 1 changed file (1 pre-existing shown, not counted): 1 high"
        ),
        "{text}"
    );
}

#[test]
fn only_added_lines_of_a_changed_file_count() {
    let t = TestRepo::new();
    let c = t.commit(
        &files(&[
            ("migrations/0001_init.sql", INIT),
            (
                "migrations/0002_index.sql",
                "CREATE INDEX orders_customer ON orders (customer_id);\n",
            ),
        ]),
        &[],
        "init",
    );
    t.branch("main", c);
    let feature = t.commit(
        &files(&[
            ("migrations/0001_init.sql", INIT),
            (
                "migrations/0002_index.sql",
                "CREATE INDEX orders_customer ON orders (customer_id);\nCREATE INDEX orders_email ON orders (email);\n",
            ),
        ]),
        &[c],
        "feature",
    );
    t.branch("feature", feature);
    t.checkout("feature");
    let out = run(t.path(), base("main")).unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([
            f("migrations/0002_index.sql", 2, "H101"),
            f("migrations/0002_index.sql", 2, "M101"),
        ])
    );
}

#[test]
fn tables_created_by_the_release_are_empty_for_the_migrations_that_follow() {
    let t = TestRepo::new();
    let c = t.commit(&files(&[("migrations/0001_init.sql", INIT)]), &[], "init");
    t.branch("main", c);
    t.checkout("main");
    t.write(
        "migrations/0002_refunds.sql",
        "CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint);\n",
    );
    t.write(
        "migrations/0003_refunds_index.sql",
        "CREATE INDEX refunds_order ON refunds (order_id);\n",
    );
    let out = run(t.path(), base("main")).unwrap();
    assert!(found(&out).is_empty(), "{:#?}", out.report.findings);

    // Once the table exists at the base, it may hold rows.
    t.stage("migrations/0002_refunds.sql");
    t.commit_index("refunds");
    let out = run(t.path(), base("main")).unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([f("migrations/0003_refunds_index.sql", 1, "M101")])
    );
}

#[test]
fn a_subfolder_root_sees_only_its_own_changes_with_paths_relative_to_it() {
    let t = TestRepo::new();
    let c = t.commit(
        &files(&[
            ("svc/a/migrations/0001_init.sql", INIT),
            ("svc/b/migrations/0001_init.sql", INIT),
        ]),
        &[],
        "init",
    );
    t.branch("main", c);
    t.checkout("main");
    let index = "CREATE INDEX orders_email ON orders (email);\n";
    t.write("svc/a/migrations/0002_index.sql", index);
    t.write("svc/b/migrations/0002_index.sql", index);
    let out = run(&t.path().join("svc/a"), base("main")).unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([f("migrations/0002_index.sql", 1, "M101")])
    );
    // One file as the root: only its changes.
    let out = run(
        &t.path().join("svc/b/migrations/0002_index.sql"),
        base("main"),
    )
    .unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([f("0002_index.sql", 1, "M101")])
    );
}

#[test]
fn detached_head_works() {
    let t = repo_with_orders();
    let main = t.repo.refname_to_id("refs/heads/main").unwrap();
    let next = t.commit(
        &files(&[
            ("migrations/0001_init.sql", INIT),
            (
                "migrations/0002_index.sql",
                "CREATE INDEX orders_email ON orders (email);\n",
            ),
        ]),
        &[main],
        "next",
    );
    t.detach(next);
    let out = run(t.path(), base("main")).unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([f("migrations/0002_index.sql", 1, "M101")])
    );
}

#[test]
fn a_repository_with_no_commits_works_with_staged_and_says_why_not_with_base() {
    let t = TestRepo::new();
    t.write("migrations/0001_init.sql", INIT);
    t.write(
        "migrations/0002_index.sql",
        "CREATE INDEX orders_email ON orders (email);\n",
    );
    t.stage("migrations/0001_init.sql");
    t.stage("migrations/0002_index.sql");
    let out = run(
        t.path(),
        DiffOptions {
            staged: true,
            ..DiffOptions::default()
        },
    )
    .unwrap();
    // Both are new: the table is created by the same release, so the index is harmless.
    assert!(found(&out).is_empty(), "{:#?}", out.report.findings);
    let d = out.report.diff.as_ref().unwrap();
    assert_eq!(d.merge_base, None);
    assert_eq!(d.changed_files.len(), 2);

    let err = run(t.path(), base("main")).unwrap_err().to_string();
    assert!(err.contains("unknown revision `main`"), "{err}");
    let elsewhere = t.commit(&files(&[("README.md", "x\n")]), &[], "elsewhere");
    let err = run(t.path(), base(&elsewhere.to_string()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("HEAD has no commits yet"), "{err}");
    assert!(err.contains("--staged"), "{err}");
}

#[test]
fn errors_name_the_problem_and_the_fix() {
    let plain = tempfile::tempdir().unwrap();
    let err = run(plain.path(), base("main")).unwrap_err().to_string();
    assert!(err.contains("is not inside a git repository"), "{err}");

    let t = repo_with_orders();
    let err = run(t.path(), base("origin/main")).unwrap_err().to_string();
    assert!(err.contains("unknown revision `origin/main`"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");

    // An orphan branch shares no history with `main`.
    let orphan = t.commit(&files(&[("README.md", "x\n")]), &[], "orphan");
    t.branch("orphan", orphan);
    let err = run(
        t.path(),
        DiffOptions {
            base: Some("main".into()),
            head: Some("orphan".into()),
            ..DiffOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("have no common ancestor"), "{err}");
    assert!(err.contains("unrelated"), "{err}");

    let err = run(&t.path().join(".git"), base("main"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("is outside the repository"), "{err}");

    let err = run(t.path(), base("HEAD:migrations"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a commit"), "{err}");
}

#[test]
fn hostile_files_in_the_diff_are_warnings() {
    let t = repo_with_orders();
    std::fs::write(
        t.path().join("migrations/0002_binary.sql"),
        [0u8, 159, 146, 150, 0, 1, 2],
    )
    .unwrap();
    std::fs::write(
        t.path().join("migrations/0003_latin1.sql"),
        b"CREATE INDEX caf\xe9 ON orders (email);\n",
    )
    .unwrap();
    let out = run(t.path(), base("main")).unwrap();
    let warned: BTreeSet<&str> = out
        .report
        .warnings
        .iter()
        .map(|w| w.path.as_str())
        .collect();
    assert!(warned.contains("migrations/0002_binary.sql"), "{warned:?}");
    assert!(warned.contains("migrations/0003_latin1.sql"), "{warned:?}");
    assert!(found(&out).contains(&f("migrations/0003_latin1.sql", 1, "M101")));
}

#[test]
fn output_is_deterministic() {
    let t = repo_with_orders();
    t.write(
        "migrations/0002_index.sql",
        "CREATE INDEX orders_email ON orders (email);\n",
    );
    let a = run(t.path(), base("main")).unwrap();
    let b = run(t.path(), base("main")).unwrap();
    assert_eq!(
        forecast::report::json::render(&a.report),
        forecast::report::json::render(&b.report)
    );
}

/// Codes of the findings, without M rules' noise about the same statements.
fn history_codes(out: &forecast::ScanOutput) -> Vec<(String, usize, String)> {
    found(out)
        .into_iter()
        .filter(|(_, _, c)| c.starts_with('H'))
        .collect()
}

fn release(base_sql: &str, new_sql: &str) -> forecast::ScanOutput {
    let t = TestRepo::new();
    let c = t.commit(
        &files(&[("migrations/0001_init.sql", base_sql)]),
        &[],
        "init",
    );
    t.branch("main", c);
    t.checkout("main");
    t.write("migrations/0002_change.sql", new_sql);
    run(t.path(), base("main")).unwrap()
}

#[test]
fn a_table_rebuilt_in_place_is_not_an_expand_and_contract() {
    let base = "CREATE TABLE devices (id bigint PRIMARY KEY, kid text);\n";
    // Renamed away, created again under its name, copied back, backup dropped.
    let out = release(
        base,
        "ALTER TABLE devices RENAME TO _bkp_devices;\n\
         CREATE TABLE devices (id bigint PRIMARY KEY, kid varchar(512));\n\
         INSERT INTO devices (id, kid) SELECT id, kid FROM _bkp_devices;\n\
         DROP TABLE _bkp_devices;\n",
    );
    assert!(history_codes(&out).is_empty(), "{:#?}", out.report.findings);
    // Dropped and created again later in the release.
    let out = release(
        base,
        "CREATE TABLE device_keys (id bigint PRIMARY KEY, kid text);\n\
         INSERT INTO device_keys SELECT id, kid FROM devices;\n\
         DROP TABLE devices;\n\
         CREATE TABLE devices (id bigint PRIMARY KEY);\n",
    );
    assert!(history_codes(&out).is_empty(), "{:#?}", out.report.findings);
    // Replaced for good.
    let out = release(
        base,
        "CREATE TABLE device_keys (id bigint PRIMARY KEY, kid text);\n\
         INSERT INTO device_keys SELECT id, kid FROM devices;\n\
         DROP TABLE devices;\n",
    );
    assert_eq!(
        history_codes(&out),
        [f("migrations/0002_change.sql", 3, "H105")]
    );
}

#[test]
fn dropping_the_default_of_a_column_the_release_adds_not_null_is_a_contract() {
    let out = release(
        "CREATE TABLE versions (id bigint PRIMARY KEY);\n",
        "SET lock_timeout = '5s';\n\
         ALTER TABLE versions ADD COLUMN downloads integer NOT NULL DEFAULT 0;\n\
         ALTER TABLE versions ALTER COLUMN downloads DROP DEFAULT;\n",
    );
    assert_eq!(
        history_codes(&out),
        [f("migrations/0002_change.sql", 3, "H105")]
    );
    let msg = &out
        .report
        .findings
        .iter()
        .find(|f| f.code == "H105")
        .unwrap()
        .message;
    assert!(msg.contains("NOT NULL and loses its default"), "{msg}");
    // A backfill from another table is no replacement of a column.
    let out = release(
        "CREATE TABLE tasks (id bigint PRIMARY KEY, execution_id bigint);\nCREATE TABLE executions (id bigint PRIMARY KEY, vendor text);\n",
        "SET lock_timeout = '5s';\n\
         ALTER TABLE tasks ADD COLUMN vendor text;\n\
         UPDATE tasks SET vendor = executions.vendor FROM executions WHERE tasks.execution_id = executions.id;\n\
         ALTER TABLE tasks DROP COLUMN execution_id;\n",
    );
    assert!(history_codes(&out).is_empty(), "{:#?}", out.report.findings);
}

#[test]
fn moving_a_large_migrations_folder_is_not_a_removal() {
    let t = TestRepo::new();
    let mut before = Vec::new();
    let mut after = Vec::new();
    for i in 1..=300 {
        let sql = format!("CREATE TABLE t{i} (id bigint PRIMARY KEY);\n");
        before.push((format!("db/migrations/{i:04}_t{i}.sql"), sql.clone()));
        // Moved, and for half of them touched on the way.
        let moved = if i % 2 == 0 {
            format!("-- moved with the service\n{sql}")
        } else {
            sql
        };
        after.push((format!("services/api/migrations/{i:04}_t{i}.sql"), moved));
    }
    let as_files = |v: &Vec<(String, String)>| {
        v.iter()
            .map(|(p, c)| (p.clone(), c.as_bytes().to_vec()))
            .collect::<common::Files>()
    };
    let base = t.commit(&as_files(&before), &[], "base");
    let head = t.commit(&as_files(&after), &[base], "moved");
    t.branch("main", base);
    t.branch("moved", head);
    let out = run(
        t.path(),
        DiffOptions {
            base: Some("main".into()),
            head: Some("moved".into()),
            ..DiffOptions::default()
        },
    )
    .unwrap();
    assert!(
        found(&out).is_empty(),
        "{:#?}",
        &out.report.findings[..out.report.findings.len().min(3)]
    );
    let d = out.report.diff.as_ref().unwrap();
    assert!(
        d.changed_files
            .iter()
            .filter(|c| c.status == forecast::diff::ChangeStatus::Renamed)
            .count()
            >= 150,
        "exact renames are found however many there are"
    );
}

#[test]
fn moving_one_migration_out_of_its_folder_removes_it_from_the_runner() {
    let t = TestRepo::new();
    let init = "CREATE TABLE t1 (id bigint PRIMARY KEY);\n";
    let second = "CREATE TABLE t2 (id bigint PRIMARY KEY);\n";
    let base = t.commit(
        &files(&[
            ("db/migrations/0001_t1.sql", init),
            ("db/migrations/0002_t2.sql", second),
        ]),
        &[],
        "base",
    );
    let head = t.commit(
        &files(&[
            ("db/migrations/0001_t1.sql", init),
            ("db/migrations/archive/0002_t2.sql", second),
        ]),
        &[base],
        "archive",
    );
    t.branch("main", base);
    t.branch("archive", head);
    let out = run(
        t.path(),
        DiffOptions {
            base: Some("main".into()),
            head: Some("archive".into()),
            ..DiffOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        found(&out),
        BTreeSet::from([f("db/migrations/archive/0002_t2.sql", 1, "H102")])
    );
    assert!(
        out.report.findings[0]
            .message
            .contains("was moved out of `db/migrations/`"),
        "{}",
        out.report.findings[0].message
    );
}

// ---------------------------------------------------------------------------------------
// Kubernetes objects compared with the merge base (K501) and selectors on a release (K502)
// ---------------------------------------------------------------------------------------

/// A Deployment named `api` with `selector` lines under `matchLabels` (and the same labels
/// on its pods).
fn deployment(labels: &[&str]) -> String {
    let sel: String = labels.iter().map(|l| format!("      {l}\n")).collect();
    let pod: String = labels.iter().map(|l| format!("        {l}\n")).collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n{sel}  template:\n    metadata:\n      labels:\n{pod}    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n          resources:\n            requests:\n              cpu: 100m\n            limits:\n              memory: 256Mi\n"
    )
}

/// `main` with `k8s/api.yaml` holding `text`, checked out.
fn repo_with_manifest(text: &str) -> TestRepo {
    let t = TestRepo::new();
    let c = t.commit(&files(&[("k8s/api.yaml", text)]), &[], "init");
    t.branch("main", c);
    t.checkout("main");
    t
}

fn codes(out: &forecast::ScanOutput, code: &str) -> Vec<(String, usize, String)> {
    found(out)
        .into_iter()
        .filter(|(_, _, c)| c == code)
        .collect()
}

#[test]
fn a_selector_change_that_only_removes_lines_is_new() {
    let t = repo_with_manifest(&deployment(&["app: api", "tier: web"]));
    t.write("k8s/api.yaml", &deployment(&["app: api"]));
    let out = run(t.path(), base("main")).unwrap();
    // No line of the selector was added: the finding is what the change did all the same,
    // pointed at the mapping that lost the label.
    assert_eq!(codes(&out, "K501"), vec![f("k8s/api.yaml", 8, "K501")]);
    let k501 = &out.report.findings[0];
    assert!(
        k501.message
            .contains("`matchLabels.tier` removed (was `web`)"),
        "{}",
        k501.message
    );
    assert_eq!(k501.introduced, None);
    assert_eq!(out.report.diff.as_ref().unwrap().new_findings, 1);
}

#[test]
fn objects_are_compared_in_every_head_mode() {
    let t = repo_with_manifest(&deployment(&["app: api"]));
    let head = t.commit(
        &files(&[("k8s/api.yaml", &deployment(&["app: api", "tier: web"]))]),
        &[t.repo.refname_to_id("refs/heads/main").unwrap()],
        "selector",
    );
    t.branch("feature", head);
    let commits = run(
        t.path(),
        DiffOptions {
            base: Some("main".into()),
            head: Some("feature".into()),
            ..DiffOptions::default()
        },
    )
    .unwrap();
    assert_eq!(codes(&commits, "K501"), vec![f("k8s/api.yaml", 10, "K501")]);

    t.write("k8s/api.yaml", &deployment(&["app: api", "tier: web"]));
    t.stage("k8s/api.yaml");
    t.write("k8s/api.yaml", &deployment(&["app: api"]));
    let staged = run(
        t.path(),
        DiffOptions {
            staged: true,
            ..DiffOptions::default()
        },
    )
    .unwrap();
    assert_eq!(codes(&staged, "K501"), vec![f("k8s/api.yaml", 10, "K501")]);
    // The working tree went back to the base's selector: nothing to report there.
    let worktree = run(t.path(), base("main")).unwrap();
    assert!(codes(&worktree, "K501").is_empty());
}

#[test]
fn a_subfolder_root_compares_its_own_manifests() {
    let t = TestRepo::new();
    let c = t.commit(
        &files(&[("services/api/k8s/api.yaml", &deployment(&["app: api"]))]),
        &[],
        "init",
    );
    t.branch("main", c);
    t.checkout("main");
    t.write(
        "services/api/k8s/api.yaml",
        &deployment(&["app: api", "tier: web"]),
    );
    let out = run(&t.path().join("services/api"), base("main")).unwrap();
    assert_eq!(codes(&out, "K501"), vec![f("k8s/api.yaml", 10, "K501")]);
}

#[test]
fn a_forecast_ignore_comment_silences_an_immutable_field_change() {
    let t = repo_with_manifest(&deployment(&["app: api"]));
    t.write(
        "k8s/api.yaml",
        &deployment(&[
            "app: api",
            "tier: web # forecast-ignore K501: recreated by the release script with --cascade=orphan",
        ]),
    );
    let out = run(t.path(), base("main")).unwrap();
    assert!(codes(&out, "K501").is_empty(), "{:?}", found(&out));
    assert_eq!(out.report.hidden.suppressed, 1);
}

#[test]
fn a_release_label_is_new_only_where_its_line_is_added() {
    let old = deployment(&["app: api", "app.kubernetes.io/version: \"1.4.0\""]);
    let t = repo_with_manifest(&old);
    // Another part of the file changes: the selector was already there.
    t.write("k8s/api.yaml", &old.replace("cpu: 100m", "cpu: 200m"));
    let out = run(t.path(), base("main")).unwrap();
    assert!(codes(&out, "K502").is_empty(), "{:?}", found(&out));
    let all = run(
        t.path(),
        DiffOptions {
            all: true,
            ..base("main")
        },
    )
    .unwrap();
    let k502: Vec<_> = all
        .report
        .findings
        .iter()
        .filter(|f| f.code == "K502")
        .collect();
    assert_eq!(k502.len(), 1);
    assert_eq!(k502[0].introduced, Some(false));

    // Changing the version in the selector is both: the next-release hazard and, since the
    // object exists, an immutable change now.
    t.write(
        "k8s/api.yaml",
        &deployment(&["app: api", "app.kubernetes.io/version: \"1.5.0\""]),
    );
    let out = run(t.path(), base("main")).unwrap();
    assert_eq!(
        found(&out),
        [f("k8s/api.yaml", 10, "K501"), f("k8s/api.yaml", 10, "K502")].into()
    );
}

#[test]
fn a_hostile_base_side_is_a_warning_and_the_head_is_still_checked() {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    let t = TestRepo::new();
    let c = t.commit(
        &files(&[
            ("k8s/api.yaml", &deployment(&["app: api"])),
            ("k8s/bomb.yaml", bomb),
        ]),
        &[],
        "init",
    );
    t.branch("main", c);
    t.checkout("main");
    std::fs::write(
        t.path().join("k8s/bomb.yaml"),
        deployment(&["app: other"]).replace("name: api", "name: other"),
    )
    .unwrap();
    t.write(
        "k8s/api.yaml",
        &deployment(&["app: api", "app.kubernetes.io/version: \"1.5.0\""]),
    );
    let out = run(t.path(), base("main")).unwrap();
    let warned: Vec<&str> = out
        .report
        .warnings
        .iter()
        .filter(|w| w.path == "k8s/bomb.yaml")
        .map(|w| w.message.as_str())
        .collect();
    assert!(
        warned.iter().any(|m| m.contains("merge base")),
        "{:?}",
        out.report.warnings
    );
    assert!(found(&out).contains(&f("k8s/api.yaml", 10, "K501")));
}
