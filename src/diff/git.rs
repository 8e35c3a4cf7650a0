//! The only module that talks to git: open the repository around the scan root, resolve
//! `--base` / `--head`, find the merge base, list what changed (with the added line ranges of
//! each file), list the files at the head and read file contents from git objects.
//!
//! Paths leave this module relative to the scan root, with `/` separators. Nothing here reads
//! more than it is asked for: listing the head reads no file, and contents are read one path
//! at a time.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use git2::{
    Delta, DiffFindOptions, DiffOptions as GitDiffOptions, ErrorCode, FileMode, Oid, Repository,
    Tree, TreeWalkMode, TreeWalkResult,
};

use super::{AddedLines, Change, ChangeSet, ChangeStatus, DiffOptions, Mode};

/// Why diff mode cannot start. Each is a usage error (exit code 2) with a hint.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(
        "`{}` is not inside a git repository: `--base` and `--staged` compare git revisions\n\nhint: run forecast inside a clone, or drop `--base` / `--staged` to scan the files as they are",
        path.display()
    )]
    NotARepository { path: PathBuf },
    #[error(
        "`{}` is outside the repository's working tree `{}`\n\nhint: give a path inside the repository, or run forecast from the repository you want to compare",
        path.display(),
        workdir.display()
    )]
    OutsideRepository { path: PathBuf, workdir: PathBuf },
    #[error(
        "the repository at `{}` has no working tree (a bare repository)\n\nhint: run forecast in a clone with a checkout",
        path.display()
    )]
    Bare { path: PathBuf },
    #[error("unknown revision `{rev}`: git cannot find it in this repository\n\nhint: {hint}")]
    UnknownRevision { rev: String, hint: String },
    #[error("`{rev}` names a {kind}, not a commit")]
    NotACommit { rev: String, kind: String },
    #[error("`{base}` and `{head}` have no common ancestor: {why}\n\nhint: {hint}")]
    NoMergeBase {
        base: String,
        head: String,
        why: String,
        hint: String,
    },
    #[error(
        "HEAD has no commits yet: there is nothing to compare with `{base}`\n\nhint: use `--staged` to check what is staged for the first commit"
    )]
    UnbornHead { base: String },
    #[error("git: {context}: {message}")]
    Git { context: String, message: String },
}

fn git_err(context: &str) -> impl Fn(git2::Error) -> DiffError + '_ {
    move |e| DiffError::Git {
        context: context.to_string(),
        message: e.message().to_string(),
    }
}

/// A repository opened around a scan root.
pub struct Git {
    repo: Repository,
    /// The scan root relative to the working tree ("" at the top), `/`-separated.
    prefix: String,
    /// The scan root is one file: only its changes count.
    only: Option<String>,
    /// The scan root's file name, when the root is a file.
    file_name: Option<String>,
}

/// Remove `.` and `..` components without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn rel_string(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn join(prefix: &str, rel: &str) -> String {
    match (prefix.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}/{rel}"),
    }
}

fn is_file_mode(mode: u32) -> bool {
    mode == u32::from(FileMode::Blob) || mode == u32::from(FileMode::BlobExecutable)
}

impl Git {
    /// Open the repository that holds `root`. `root` need not exist when every file is read
    /// from commits (`--head`); the repository is found from its nearest existing ancestor.
    pub fn open(root: &Path) -> Result<Git, DiffError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let abs = normalize(&cwd.join(root));
        let mut existing = abs.clone();
        while !existing.exists() {
            if !existing.pop() {
                return Err(DiffError::NotARepository {
                    path: root.to_path_buf(),
                });
            }
        }
        let repo = Repository::discover(&existing).map_err(|_| DiffError::NotARepository {
            path: root.to_path_buf(),
        })?;
        let Some(workdir) = repo.workdir() else {
            return Err(DiffError::Bare {
                path: repo.path().to_path_buf(),
            });
        };
        let workdir = workdir
            .canonicalize()
            .unwrap_or_else(|_| workdir.to_path_buf());
        let canon = existing.canonicalize().unwrap_or_else(|_| existing.clone());
        let rest = abs.strip_prefix(&existing).unwrap_or(Path::new(""));
        // `join("")` would add a trailing slash, and a file path with one is not a file.
        let full = if rest.as_os_str().is_empty() {
            canon
        } else {
            canon.join(rest)
        };
        let outside = || DiffError::OutsideRepository {
            path: root.to_path_buf(),
            workdir: workdir.clone(),
        };
        let rel = full.strip_prefix(&workdir).map_err(|_| outside())?;
        if rel
            .components()
            .next()
            .is_some_and(|c| c.as_os_str() == ".git")
        {
            return Err(outside());
        }
        let rel = rel_string(rel);
        let (prefix, only, file_name) = if full.is_file() {
            let name = full
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let parent = match rel.rfind('/') {
                Some(i) => rel[..i].to_string(),
                None => String::new(),
            };
            (parent, Some(rel.clone()), Some(name))
        } else {
            (rel, None, None)
        };
        Ok(Git {
            repo,
            prefix,
            only,
            file_name,
        })
    }

    /// The scan root's file name, when the root is one file.
    pub fn root_file(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// A repository path relative to the scan root, or `None` when it lies outside it.
    fn to_rel(&self, repo_path: &str) -> Option<String> {
        if let Some(only) = &self.only
            && repo_path != only
        {
            return None;
        }
        if self.prefix.is_empty() {
            return Some(repo_path.to_string());
        }
        repo_path
            .strip_prefix(&self.prefix)
            .and_then(|r| r.strip_prefix('/'))
            .map(str::to_string)
    }

    /// Like [`Git::to_rel`], but for listing context files: a file root still sees its
    /// siblings.
    fn to_rel_listing(&self, repo_path: &str) -> Option<String> {
        if self.prefix.is_empty() {
            return Some(repo_path.to_string());
        }
        repo_path
            .strip_prefix(&self.prefix)
            .and_then(|r| r.strip_prefix('/'))
            .map(str::to_string)
    }

    fn commit(&self, rev: &str) -> Result<git2::Commit<'_>, DiffError> {
        let obj = self
            .repo
            .revparse_single(rev)
            .map_err(|_| DiffError::UnknownRevision {
                rev: rev.to_string(),
                hint: self.fetch_hint(rev),
            })?;
        let kind = obj.kind().map(|k| k.str().to_string()).unwrap_or_default();
        obj.peel_to_commit().map_err(|_| DiffError::NotACommit {
            rev: rev.to_string(),
            kind,
        })
    }

    fn fetch_hint(&self, rev: &str) -> String {
        let remotes: Vec<String> = self
            .repo
            .remotes()
            .map(|r| r.iter().flatten().flatten().map(str::to_string).collect())
            .unwrap_or_default();
        let fetch = match rev.split_once('/') {
            Some((remote, branch)) if remotes.iter().any(|r| r == remote) => {
                format!("`git fetch {remote} {branch}`")
            }
            _ if !remotes.is_empty() => format!("`git fetch {}`", remotes[0]),
            _ => "`git fetch`".to_string(),
        };
        let mut hint = format!("fetch it first ({fetch})");
        if self.repo.is_shallow() {
            hint.push_str(
                "; this clone is shallow: CI checkouts need the base's history too (`fetch-depth: 0` with actions/checkout, or `git fetch --unshallow`)",
            );
        } else {
            hint.push_str(
                "; CI checkouts are often shallow or single-branch: fetch the full history (`fetch-depth: 0` with actions/checkout)",
            );
        }
        hint
    }

    /// Resolve what to compare.
    pub fn resolve(&self, opts: &DiffOptions) -> Result<Session<'_>, DiffError> {
        let repo = &self.repo;
        let head = match repo.head() {
            Ok(r) => Some(
                r.peel_to_commit()
                    .map_err(git_err("cannot read the commit HEAD points to"))?,
            ),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
            Err(e) => return Err(git_err("cannot read HEAD")(e)),
        };
        let mode = if opts.head.is_some() {
            Mode::Commits
        } else if opts.staged {
            Mode::Staged
        } else {
            Mode::Worktree
        };
        let (base_label, base) = match &opts.base {
            Some(b) => (b.clone(), Some(self.commit(b)?)),
            None => ("HEAD".to_string(), head.clone()),
        };
        let (head_label, head_commit) = match (mode, &opts.head) {
            (Mode::Commits, Some(h)) => (h.clone(), Some(self.commit(h)?)),
            (Mode::Staged, _) => ("index".to_string(), head.clone()),
            _ => ("working tree".to_string(), head.clone()),
        };
        let merge_base = match (&base, &head_commit) {
            (Some(b), Some(h)) => Some(repo.merge_base(b.id(), h.id()).map_err(|e| {
                let head_name = match mode {
                    Mode::Commits => head_label.clone(),
                    _ => "HEAD".to_string(),
                };
                let shallow = repo.is_shallow();
                let why = if e.code() == ErrorCode::NotFound {
                    if shallow {
                        "this clone is shallow, so the history that joins them is missing"
                    } else {
                        "their histories are unrelated"
                    }
                } else {
                    "git could not compute a merge base"
                };
                DiffError::NoMergeBase {
                    base: base_label.clone(),
                    head: head_name,
                    why: why.to_string(),
                    hint: if shallow {
                        "fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout)".to_string()
                    } else {
                        "compare with a revision that shares history with the head, or fetch the full history if the clone is partial (`fetch-depth: 0` with actions/checkout)".to_string()
                    },
                }
            })?),
            (Some(_), None) => {
                return Err(DiffError::UnbornHead {
                    base: base_label.clone(),
                });
            }
            (None, _) => None,
        };
        let tree_of = |oid: Oid| -> Result<Tree<'_>, DiffError> {
            repo.find_commit(oid)
                .and_then(|c| c.tree())
                .map_err(git_err("cannot read a commit's tree"))
        };
        let base_tree = merge_base.map(tree_of).transpose()?;
        let tip_tree = base.as_ref().map(|c| tree_of(c.id())).transpose()?;
        let head_side = match mode {
            Mode::Commits => match &head_commit {
                Some(c) => HeadSide::Commit(tree_of(c.id())?),
                None => HeadSide::Worktree,
            },
            Mode::Staged => {
                HeadSide::Index(repo.index().map_err(git_err("cannot read the index"))?)
            }
            Mode::Worktree => HeadSide::Worktree,
        };
        Ok(Session {
            git: self,
            set: ChangeSet {
                mode,
                base_label,
                base_commit: base.map(|c| c.id().to_string()),
                head_label,
                head_commit: head_commit.map(|c| c.id().to_string()),
                merge_base: merge_base.map(|o| o.to_string()),
                changes: Vec::new(),
            },
            base_tree,
            tip_tree,
            head: head_side,
            head_blobs: Default::default(),
            base_blobs: Default::default(),
        })
    }
}

/// The configuration file as the head commit has it (`--head`: every file comes from git):
/// `(where, text)`, `where` naming the revision and the path, for messages.
pub fn config_at_head(
    root: &Path,
    opts: &DiffOptions,
    name: &str,
) -> Result<Option<(String, String)>, DiffError> {
    let git = Git::open(root)?;
    let session = git.resolve(opts)?;
    let Some((path, read)) = session.find_upwards_in_head(name) else {
        return Ok(None);
    };
    let label = format!("{}:{path}", session.set.head_label);
    match read {
        Ok(bytes) => Ok(Some((label, String::from_utf8_lossy(&bytes).into_owned()))),
        Err(message) => Err(DiffError::Git {
            context: format!("cannot read `{label}`"),
            message,
        }),
    }
}

enum HeadSide<'r> {
    Worktree,
    Index(git2::Index),
    Commit(Tree<'r>),
}

/// One resolved comparison: the trees involved and how to read them.
pub struct Session<'r> {
    git: &'r Git,
    set: ChangeSet,
    /// The merge base's tree (`None`: compare with nothing, every file is added).
    base_tree: Option<Tree<'r>>,
    /// The tree of the commit `--base` names (the branch the change merges into).
    tip_tree: Option<Tree<'r>>,
    head: HeadSide<'r>,
    /// The blob of every file at a head commit, by path relative to the root, filled when
    /// the head is listed: looking each path up in the tree again reads the trees again.
    head_blobs: std::cell::RefCell<std::collections::HashMap<String, Oid>>,
    /// The merge-base blob of every changed file, by its path there, from the diff.
    base_blobs: std::cell::RefCell<std::collections::HashMap<String, Oid>>,
}

impl<'r> Session<'r> {
    /// The resolved comparison, without the changes (see [`Session::changes`]).
    pub fn change_set(&self) -> &ChangeSet {
        &self.set
    }

    /// The files are read from git objects, not from the working tree.
    pub fn reads_objects(&self) -> bool {
        !matches!(self.head, HeadSide::Worktree)
    }

    /// What changed between the merge base and the head, under the scan root.
    pub fn changes(&self, max_bytes: u64) -> Result<ChangeSet, DiffError> {
        let repo = &self.git.repo;
        let mut opts = GitDiffOptions::new();
        opts.context_lines(0)
            .interhunk_lines(0)
            .ignore_submodules(true)
            .include_typechange(true)
            .max_size(i64::try_from(max_bytes).unwrap_or(i64::MAX));
        let spec = self
            .git
            .only
            .clone()
            .unwrap_or_else(|| self.git.prefix.clone());
        if !spec.is_empty() {
            opts.pathspec(spec).disable_pathspec_match(true);
        }
        let diff = match &self.head {
            HeadSide::Worktree => {
                opts.include_untracked(true).recurse_untracked_dirs(true);
                repo.diff_tree_to_workdir_with_index(self.base_tree.as_ref(), Some(&mut opts))
            }
            HeadSide::Index(index) => {
                repo.diff_tree_to_index(self.base_tree.as_ref(), Some(index), Some(&mut opts))
            }
            HeadSide::Commit(tree) => {
                repo.diff_tree_to_tree(self.base_tree.as_ref(), Some(tree), Some(&mut opts))
            }
        };
        let mut diff = diff.map_err(git_err("cannot compute the diff"))?;
        // Exact renames first, however many (moving a whole migrations folder is common and
        // cheap to detect), then renames with edits, within git's usual limit.
        let mut exact = DiffFindOptions::new();
        exact
            .renames(true)
            .for_untracked(true)
            .exact_match_only(true)
            .rename_limit(usize::MAX >> 1);
        diff.find_similar(Some(&mut exact))
            .map_err(git_err("cannot detect renames"))?;
        let mut similar = DiffFindOptions::new();
        similar.renames(true).for_untracked(true);
        diff.find_similar(Some(&mut similar))
            .map_err(git_err("cannot detect renames"))?;

        let mut changes = Vec::new();
        for (i, delta) in diff.deltas().enumerate() {
            let status = match delta.status() {
                Delta::Added | Delta::Untracked | Delta::Copied => ChangeStatus::Added,
                Delta::Deleted => ChangeStatus::Deleted,
                Delta::Modified | Delta::Typechange | Delta::Conflicted => ChangeStatus::Modified,
                Delta::Renamed => ChangeStatus::Renamed,
                _ => continue,
            };
            let path_of = |f: &git2::DiffFile<'_>| {
                f.path_bytes()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            };
            let new_file = delta.new_file();
            let old_file = delta.old_file();
            let new_is_file = is_file_mode(u32::from(new_file.mode()));
            let old_is_file = is_file_mode(u32::from(old_file.mode()));
            // Submodules, symlinks and folders are not files forecast reads.
            let status = match status {
                ChangeStatus::Deleted if !old_is_file => continue,
                ChangeStatus::Deleted => ChangeStatus::Deleted,
                _ if !new_is_file && !old_is_file => continue,
                _ if !new_is_file => ChangeStatus::Deleted,
                ChangeStatus::Modified | ChangeStatus::Renamed if !old_is_file => {
                    ChangeStatus::Added
                }
                s => s,
            };
            let (Some(new_path), Some(old_path)) = (path_of(&new_file), path_of(&old_file)) else {
                continue;
            };
            let head_path = if status == ChangeStatus::Deleted {
                old_path.clone()
            } else {
                new_path.clone()
            };
            let Some(rel) = self.git.to_rel(&head_path) else {
                continue;
            };
            let mut status = status;
            if old_is_file
                && !old_file.id().is_zero()
                && let Some(old_rel) = self.git.to_rel_listing(&old_path)
            {
                self.base_blobs.borrow_mut().insert(old_rel, old_file.id());
            }
            let old_rel = if status == ChangeStatus::Renamed {
                match self.git.to_rel(&old_path) {
                    // Renamed from outside the scan root: new as far as the root goes.
                    None => {
                        status = ChangeStatus::Added;
                        None
                    }
                    Some(o) if o == rel => {
                        status = ChangeStatus::Modified;
                        None
                    }
                    o => o,
                }
            } else {
                None
            };
            let added = match status {
                ChangeStatus::Added => AddedLines::All,
                ChangeStatus::Deleted => AddedLines::Ranges(Vec::new()),
                // Both sides are blobs: diff them as plain buffers, which needs neither the
                // working tree's index nor its attributes.
                ChangeStatus::Modified | ChangeStatus::Renamed if self.reads_objects() => {
                    self.added_lines_of_blobs(old_file.id(), new_file.id(), max_bytes)
                }
                ChangeStatus::Modified | ChangeStatus::Renamed => added_lines(&diff, i),
            };
            let edited = match status {
                ChangeStatus::Renamed if !new_file.id().is_zero() => old_file.id() != new_file.id(),
                ChangeStatus::Renamed => added != AddedLines::Ranges(Vec::new()),
                _ => true,
            };
            changes.push(Change {
                path: rel,
                old_path: old_rel,
                status,
                added,
                edited,
            });
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path).then(a.status.cmp(&b.status)));
        // A path deleted and added again (a type change split in two) is one modification.
        changes.dedup_by(|b, a| {
            if a.path == b.path {
                a.status = ChangeStatus::Modified;
                a.added = AddedLines::All;
                true
            } else {
                false
            }
        });
        let mut set = self.set.clone();
        set.changes = changes;
        Ok(set)
    }

    /// The added line ranges between two blobs. Binary or oversized files count as wholly
    /// added.
    fn added_lines_of_blobs(&self, old: Oid, new: Oid, max_bytes: u64) -> AddedLines {
        let (Ok(old), Ok(new)) = (self.blob(old, max_bytes), self.blob(new, max_bytes)) else {
            return AddedLines::All;
        };
        let mut opts = GitDiffOptions::new();
        opts.context_lines(0).interhunk_lines(0);
        match git2::Patch::from_buffers(&old, None, &new, None, Some(&mut opts)) {
            Ok(patch) => hunk_ranges(&patch),
            Err(_) => AddedLines::All,
        }
    }

    /// Every file at the head under the scan root (relative, sorted). Reads no file.
    pub fn head_paths(&self, changes: &ChangeSet) -> Result<Vec<String>, DiffError> {
        let mut out = BTreeSet::new();
        match &self.head {
            HeadSide::Commit(tree) => {
                let mut blobs = self.head_blobs.borrow_mut();
                self.walk_tree(tree, &self.git.prefix, usize::MAX, &mut |p, id| {
                    blobs.insert(p.clone(), id);
                    out.insert(p);
                })?;
            }
            HeadSide::Index(index) => {
                for e in index.iter() {
                    if is_file_mode(e.mode) {
                        let p = String::from_utf8_lossy(&e.path).into_owned();
                        if let Some(rel) = self.git.to_rel_listing(&p) {
                            out.insert(rel);
                        }
                    }
                }
            }
            HeadSide::Worktree => {
                let index = self
                    .git
                    .repo
                    .index()
                    .map_err(git_err("cannot read the index"))?;
                for e in index.iter() {
                    if is_file_mode(e.mode) {
                        let p = String::from_utf8_lossy(&e.path).into_owned();
                        if let Some(rel) = self.git.to_rel_listing(&p) {
                            out.insert(rel);
                        }
                    }
                }
                for c in &changes.changes {
                    match c.status {
                        ChangeStatus::Deleted => {
                            out.remove(&c.path);
                        }
                        _ => {
                            out.insert(c.path.clone());
                            if let Some(o) = &c.old_path {
                                out.remove(o);
                            }
                        }
                    }
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Walk `tree` under `folder` (repository-relative), at most `depth` levels of folders
    /// down, calling `f` with each file's path relative to the scan root.
    fn walk_tree(
        &self,
        tree: &Tree<'_>,
        folder: &str,
        depth: usize,
        f: &mut dyn FnMut(String, Oid),
    ) -> Result<(), DiffError> {
        let sub;
        let start = if folder.is_empty() {
            tree
        } else {
            match tree.get_path(Path::new(folder)) {
                Ok(entry) => match entry
                    .to_object(&self.git.repo)
                    .ok()
                    .and_then(|o| o.into_tree().ok())
                {
                    Some(t) => {
                        sub = t;
                        &sub
                    }
                    None => return Ok(()),
                },
                Err(_) => return Ok(()),
            }
        };
        start
            .walk(TreeWalkMode::PreOrder, |dir, entry| {
                let level = dir.matches('/').count();
                if entry.kind() == Some(git2::ObjectType::Tree) {
                    return if level >= depth {
                        TreeWalkResult::Skip
                    } else {
                        TreeWalkResult::Ok
                    };
                }
                if !is_file_mode(entry.filemode() as u32) {
                    return TreeWalkResult::Ok;
                }
                let name = String::from_utf8_lossy(entry.name_bytes());
                let repo_path = join(folder, &format!("{dir}{name}"));
                if let Some(rel) = self.git.to_rel_listing(&repo_path) {
                    f(rel, entry.id());
                }
                TreeWalkResult::Ok
            })
            .map_err(git_err("cannot list a tree"))
    }

    fn blob_in_tree(
        &self,
        tree: &Tree<'_>,
        rel: &str,
        max_bytes: u64,
    ) -> Option<Result<Vec<u8>, String>> {
        let repo_path = join(&self.git.prefix, rel);
        let entry = tree.get_path(Path::new(&repo_path)).ok()?;
        if !is_file_mode(entry.filemode() as u32) {
            return None;
        }
        Some(self.blob(entry.id(), max_bytes))
    }

    fn blob(&self, oid: Oid, max_bytes: u64) -> Result<Vec<u8>, String> {
        let odb = self
            .git
            .repo
            .odb()
            .map_err(|e| format!("cannot read from git: {}", e.message()))?;
        let (size, _) = odb
            .read_header(oid)
            .map_err(|e| format!("cannot read from git: {}", e.message()))?;
        if size as u64 > max_bytes {
            return Err(format!(
                "skipped: {size} bytes is larger than the {} MiB limit",
                max_bytes / 1024 / 1024
            ));
        }
        self.git
            .repo
            .find_blob(oid)
            .map(|b| b.content().to_vec())
            .map_err(|e| format!("cannot read from git: {}", e.message()))
    }

    /// A file at the head, read from git objects (`--head`, `--staged`). `None` when the
    /// head has no such file, or the head is the working tree.
    pub fn read_head(&self, rel: &str, max_bytes: u64) -> Option<Result<Vec<u8>, String>> {
        match &self.head {
            HeadSide::Worktree => None,
            HeadSide::Commit(tree) => {
                let known = self.head_blobs.borrow().get(rel).copied();
                match known {
                    Some(id) => Some(self.blob(id, max_bytes)),
                    None => self.blob_in_tree(tree, rel, max_bytes),
                }
            }
            HeadSide::Index(index) => {
                let repo_path = join(&self.git.prefix, rel);
                let e = index.get_path(Path::new(&repo_path), 0)?;
                if !is_file_mode(e.mode) {
                    return None;
                }
                Some(self.blob(e.id, max_bytes))
            }
        }
    }

    /// `name` in the head commit, in the scan root's folder or the nearest one above it:
    /// `(repository path, contents)`. `None` when the head is not a commit or has no such
    /// file.
    pub fn find_upwards_in_head(&self, name: &str) -> Option<(String, Result<Vec<u8>, String>)> {
        let HeadSide::Commit(tree) = &self.head else {
            return None;
        };
        let mut dir = self.git.prefix.clone();
        loop {
            let candidate = join(&dir, name);
            if let Ok(entry) = tree.get_path(Path::new(&candidate))
                && is_file_mode(entry.filemode() as u32)
            {
                return Some((candidate, self.blob(entry.id(), 1024 * 1024)));
            }
            if dir.is_empty() {
                return None;
            }
            dir = match dir.rfind('/') {
                Some(i) => dir[..i].to_string(),
                None => String::new(),
            };
        }
    }

    /// A file as it was at the merge base.
    pub fn read_base(&self, rel: &str, max_bytes: u64) -> Option<Result<Vec<u8>, String>> {
        let tree = self.base_tree.as_ref()?;
        let known = self.base_blobs.borrow().get(rel).copied();
        match known {
            Some(id) => Some(self.blob(id, max_bytes)),
            None => self.blob_in_tree(tree, rel, max_bytes),
        }
    }

    /// A file as it is on the branch `--base` names.
    pub fn read_tip(&self, rel: &str, max_bytes: u64) -> Option<Result<Vec<u8>, String>> {
        self.blob_in_tree(self.tip_tree.as_ref()?, rel, max_bytes)
    }

    /// Files under `folder` (relative to the scan root) at the merge base and on the branch
    /// `--base` names, at most `depth` folders down: `(merge base, base tip)`.
    pub fn list_base(
        &self,
        folder: &str,
        depth: usize,
    ) -> Result<(Vec<String>, Vec<String>), DiffError> {
        let repo_folder = join(&self.git.prefix, folder);
        let mut at_base = Vec::new();
        if let Some(t) = &self.base_tree {
            self.walk_tree(t, &repo_folder, depth, &mut |p, _| at_base.push(p))?;
        }
        let mut at_tip = Vec::new();
        if let Some(t) = &self.tip_tree {
            self.walk_tree(t, &repo_folder, depth, &mut |p, _| at_tip.push(p))?;
        }
        at_base.sort();
        at_tip.sort();
        Ok((at_base, at_tip))
    }
}

/// The added line ranges of one delta of `diff`. Binary or oversized files count as wholly
/// added.
fn added_lines(diff: &git2::Diff<'_>, idx: usize) -> AddedLines {
    let Ok(Some(patch)) = git2::Patch::from_diff(diff, idx) else {
        return AddedLines::All;
    };
    hunk_ranges(&patch)
}

fn hunk_ranges(patch: &git2::Patch<'_>) -> AddedLines {
    if patch.delta().flags().is_binary() {
        return AddedLines::All;
    }
    let mut ranges = Vec::new();
    for h in 0..patch.num_hunks() {
        let Ok((hunk, _)) = patch.hunk(h) else {
            continue;
        };
        let start = hunk.new_start() as usize;
        let n = hunk.new_lines() as usize;
        if n > 0 {
            ranges.push((start, start + n - 1));
        }
    }
    ranges.sort_unstable();
    AddedLines::Ranges(ranges)
}
