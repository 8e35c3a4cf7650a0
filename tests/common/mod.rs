//! Helpers shared by the integration tests.
//!
//! Temporary git repositories for diff-mode tests, built with git2. Commits use a fixed
//! author and time, so their ids (and any report that names them) are the same on every run.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/tools/validate-sarif`, when present. Absent outside the project's workplace:
/// the caller skips, unless `CI` is set, where its absence is a failure.
pub fn sarif_validator() -> Option<PathBuf> {
    let p = root().join("../shared/tools/validate-sarif");
    if p.is_file() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but ../shared/tools/validate-sarif is missing: SARIF output cannot be validated"
    );
    eprintln!("skipped: ../shared/tools/validate-sarif is not present");
    None
}

/// Run `validate-sarif --strict` over `files`; panic with its report when one is invalid.
/// Does nothing when the validator is absent (see [`sarif_validator`]).
pub fn validate_sarif(files: &[PathBuf]) {
    let Some(validator) = sarif_validator() else {
        return;
    };
    let out = Command::new("bash")
        .arg(&validator)
        .arg("--strict")
        .args(files)
        .output()
        .expect("run validate-sarif");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "validate-sarif --strict rejected forecast's SARIF:\n{stdout}\n{stderr}"
    );
    for f in files {
        assert!(
            stdout.contains(&format!("{}: valid", f.display())),
            "no verdict for {}:\n{stdout}",
            f.display()
        );
    }
}

use std::collections::BTreeMap;

use git2::{Oid, Repository, Signature, Time};

pub struct TestRepo {
    pub dir: tempfile::TempDir,
    pub repo: Repository,
}

/// A tree's files: path (with `/`) → contents.
pub type Files = BTreeMap<String, Vec<u8>>;

pub fn files(pairs: &[(&str, &str)]) -> Files {
    pairs
        .iter()
        .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
        .collect()
}

/// Every file under `dir`, relative to it.
pub fn read_tree(dir: &Path) -> Files {
    fn walk(root: &Path, dir: &Path, out: &mut Files) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = Files::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out);
    }
    out
}

fn signature() -> Signature<'static> {
    Signature::new(
        "forecast tests",
        "tests@forecast.invalid",
        &Time::new(1_700_000_000, 0),
    )
    .unwrap()
}

impl TestRepo {
    /// An empty repository whose unborn branch is `main`.
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &opts).unwrap();
        TestRepo { dir, repo }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a tree holding exactly `files`.
    pub fn tree(&self, files: &Files) -> Oid {
        let mut dirs: BTreeMap<&str, Files> = BTreeMap::new();
        let mut builder = self.repo.treebuilder(None).unwrap();
        for (path, data) in files {
            match path.split_once('/') {
                Some((dir, rest)) => {
                    dirs.entry(dir)
                        .or_default()
                        .insert(rest.to_string(), data.clone());
                }
                None => {
                    let blob = self.repo.blob(data).unwrap();
                    builder.insert(path, blob, 0o100644).unwrap();
                }
            }
        }
        for (dir, sub) in dirs {
            let oid = self.tree(&sub);
            builder.insert(dir, oid, 0o040000).unwrap();
        }
        builder.write().unwrap()
    }

    /// Commit a tree holding exactly `files` on top of `parents`, without moving any branch.
    pub fn commit(&self, files: &Files, parents: &[Oid], message: &str) -> Oid {
        let tree = self.repo.find_tree(self.tree(files)).unwrap();
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let sig = signature();
        self.repo
            .commit(None, &sig, &sig, message, &tree, &parent_refs)
            .unwrap()
    }

    /// Point branch `name` at `oid`.
    pub fn branch(&self, name: &str, oid: Oid) {
        self.repo
            .reference(&format!("refs/heads/{name}"), oid, true, "test")
            .unwrap();
    }

    /// Make `name` the current branch and the working tree and index match it exactly.
    pub fn checkout(&self, name: &str) {
        self.repo.set_head(&format!("refs/heads/{name}")).unwrap();
        let mut co = git2::build::CheckoutBuilder::new();
        co.force().remove_untracked(true);
        self.repo.checkout_head(Some(&mut co)).unwrap();
    }

    /// Detach HEAD at `oid`, with a matching working tree.
    pub fn detach(&self, oid: Oid) {
        self.repo.set_head_detached(oid).unwrap();
        let mut co = git2::build::CheckoutBuilder::new();
        co.force().remove_untracked(true);
        self.repo.checkout_head(Some(&mut co)).unwrap();
    }

    /// Write a file in the working tree.
    pub fn write(&self, path: &str, contents: &str) {
        let p = self.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.path().join(path)).unwrap();
    }

    /// Stage a working-tree file (or its removal).
    pub fn stage(&self, path: &str) {
        let mut index = self.repo.index().unwrap();
        if self.path().join(path).exists() {
            index.add_path(Path::new(path)).unwrap();
        } else {
            index.remove_path(Path::new(path)).unwrap();
        }
        index.write().unwrap();
    }

    /// Commit what the index holds on the current branch.
    pub fn commit_index(&self, message: &str) -> Oid {
        let mut index = self.repo.index().unwrap();
        let tree_id = index.write_tree().unwrap();
        let tree = self.repo.find_tree(tree_id).unwrap();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let sig = signature();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }
}

/// A history fixture: `base/` is the merge base, `head/` the change, and `main/` (optional)
/// the base branch after it moved on. Builds the repository with `main` and `head` branches,
/// `head` checked out.
pub fn fixture_repo(case: &Path) -> TestRepo {
    let t = TestRepo::new();
    let base = t.commit(&read_tree(&case.join("base")), &[], "base");
    let head = t.commit(&read_tree(&case.join("head")), &[base], "head");
    let main = if case.join("main").is_dir() {
        t.commit(&read_tree(&case.join("main")), &[base], "main")
    } else {
        base
    };
    t.branch("main", main);
    t.branch("head", head);
    t.checkout("head");
    t
}
