//! Diff mode: what a change introduces.
//!
//! `git` asks git (git2) for the merge base, the changed files with their added lines, the
//! list of files at the head and their contents. `select` decides which files the pipeline
//! reads: the changed ones plus the context rules need. After the check stage, [`ChangeSet::
//! introduced`] decides which findings the change introduced. Everything here is plain data
//! except `git.rs`, the only module that talks to git.

pub mod facts;
pub mod git;
pub mod select;

use serde::Serialize;

use crate::finding::Finding;

/// What the user asked to compare.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// `--base`: the revision the change is compared with (its merge base with the head).
    /// `None` with `staged`: `HEAD`.
    pub base: Option<String>,
    /// `--head`: compare with this commit instead of the working tree; every file is read
    /// from git objects.
    pub head: Option<String>,
    /// `--staged`: the index is the head (a pre-commit hook).
    pub staged: bool,
    /// `--all`: keep pre-existing findings too, marked `introduced: false`.
    pub all: bool,
}

/// Where the head side of the comparison comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The working tree: staged, unstaged and untracked (not ignored) files.
    Worktree,
    /// A commit given with `--head`.
    Commits,
    /// The index (`--staged`).
    Staged,
}

/// How a file changed between the merge base and the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeStatus {
    Added,
    Modified,
    Deleted,
    Renamed,
}

impl ChangeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeStatus::Added => "added",
            ChangeStatus::Modified => "modified",
            ChangeStatus::Deleted => "deleted",
            ChangeStatus::Renamed => "renamed",
        }
    }
}

/// The lines a change added to a file at the head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddedLines {
    /// The whole file is new (added, or too large or binary to diff line by line).
    All,
    /// 1-based inclusive line ranges, sorted.
    Ranges(Vec<(usize, usize)>),
}

impl AddedLines {
    /// Does any line in `first..=last` (1-based) count as added?
    pub fn touches(&self, first: usize, last: usize) -> bool {
        match self {
            AddedLines::All => true,
            AddedLines::Ranges(r) => r.iter().any(|&(s, e)| s <= last && first <= e),
        }
    }

    /// The first added line, if any.
    pub fn first(&self) -> Option<usize> {
        match self {
            AddedLines::All => Some(1),
            AddedLines::Ranges(r) => r.first().map(|&(s, _)| s),
        }
    }
}

/// One changed file. Paths are relative to the scan root, with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The path at the head; for a deleted file, the path it had.
    pub path: String,
    /// The path at the merge base, when the file was renamed.
    pub old_path: Option<String>,
    pub status: ChangeStatus,
    /// Empty for a deleted file.
    pub added: AddedLines,
    /// The contents changed: false only for a rename that kept them.
    pub edited: bool,
}

impl Change {
    /// The path at the merge base, if the file existed there.
    pub fn base_path(&self) -> Option<&str> {
        match self.status {
            ChangeStatus::Added => None,
            ChangeStatus::Renamed => self.old_path.as_deref(),
            ChangeStatus::Modified | ChangeStatus::Deleted => Some(&self.path),
        }
    }

    /// Is the file present at the head?
    pub fn at_head(&self) -> bool {
        self.status != ChangeStatus::Deleted
    }
}

/// The resolved comparison and what changed.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    pub mode: Mode,
    /// `--base` as given (`HEAD` for `--staged` alone).
    pub base_label: String,
    /// The commit `--base` names; `None` only for `--staged` in a repository with no commits.
    pub base_commit: Option<String>,
    /// `working tree`, `index`, or `--head` as given.
    pub head_label: String,
    /// The head commit (`HEAD` for the working tree and the index); `None` with no commits.
    pub head_commit: Option<String>,
    /// `None` when there is nothing to compare with (no commits yet): every file is added.
    pub merge_base: Option<String>,
    /// Sorted by path.
    pub changes: Vec<Change>,
}

impl ChangeSet {
    /// The change of a file present at the head.
    pub fn at_head(&self, path: &str) -> Option<&Change> {
        self.changes
            .binary_search_by(|c| c.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.changes[i])
            .filter(|c| c.at_head())
    }

    /// Did the change alter what `path` holds (at the head, or as a deleted file)? A rename
    /// that kept the contents does not.
    pub fn touches_path(&self, path: &str) -> bool {
        self.changes
            .iter()
            .any(|c| c.edited && (c.path == path || c.old_path.as_deref() == Some(path)))
    }

    /// Was a finding introduced by the change? Its primary span touches an added line, or,
    /// for a finding that spans several files, one of its files changed.
    pub fn introduced(&self, f: &Finding) -> bool {
        let primary = &f.location;
        let cross_file = f.related.iter().any(|r| r.location.path != primary.path);
        if cross_file
            && std::iter::once(primary.path.as_str())
                .chain(f.related.iter().map(|r| r.location.path.as_str()))
                .any(|p| self.touches_path(p))
        {
            return true;
        }
        let Some(change) = self.at_head(&primary.path) else {
            return false;
        };
        let first = primary.start.line;
        // A span that ends at the start of a line does not touch that line.
        let last = if primary.end.line > first && primary.end.column == 1 {
            primary.end.line - 1
        } else {
            primary.end.line.max(first)
        };
        change.added.touches(first, last)
    }
}

/// What the JSON report says about a diff-mode run (docs/json-output.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    pub mode: Mode,
    pub base: String,
    pub base_commit: Option<String>,
    pub head: String,
    pub head_commit: Option<String>,
    pub merge_base: Option<String>,
    /// Every changed file under the scanned root, sorted by path.
    pub changed_files: Vec<ChangedFile>,
    /// Findings the change introduced: the ones the forecast and `--fail-on` count.
    pub new_findings: usize,
    /// Findings that were there before the change.
    pub pre_existing_findings: usize,
    /// `--all`: pre-existing findings are listed too, with `introduced: false`.
    pub all: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedFile {
    pub path: String,
    pub status: ChangeStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_ranges_touch() {
        let a = AddedLines::Ranges(vec![(3, 4), (10, 10)]);
        assert!(a.touches(1, 3));
        assert!(a.touches(4, 9));
        assert!(!a.touches(5, 9));
        assert!(a.touches(10, 12));
        assert!(!AddedLines::Ranges(vec![]).touches(1, 100));
        assert!(AddedLines::All.touches(7, 7));
    }
}
