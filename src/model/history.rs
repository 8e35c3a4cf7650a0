//! Migration history: what a change did to the migration sequences it touches, as plain
//! facts for the H rules. Built in diff mode only (`diff::facts` reads the base side from
//! git); the model itself reads nothing.

use crate::classify::{Direction, Framework, MigrationFile, Version};
use crate::diff::{AddedLines, ChangeStatus};
use crate::model::migrations::ParsedFile;

/// A migration file the change added, modified, renamed or deleted.
#[derive(Debug)]
pub struct ChangedMigration {
    pub status: ChangeStatus,
    /// The path at the head (for a deleted file, the path it had).
    pub path: String,
    /// The path at the merge base, when renamed.
    pub old_path: Option<String>,
    /// The file as it was at the merge base (index into [`History::base_files`]).
    pub base: Option<usize>,
    /// The file at the head, parsed for history whatever its dialect (index into
    /// [`History::head_files`]).
    pub head: Option<usize>,
    pub added: AddedLines,
    /// The sequence folder the file belongs to at the merge base and at the head (see
    /// [`crate::classify::migration::sequence_dir`]).
    pub base_sequence: Option<String>,
    pub head_sequence: Option<String>,
}

/// Where a migration of a sequence is present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Presence {
    pub merge_base: bool,
    /// On the branch `--base` names (what this change merges into).
    pub base_tip: bool,
    pub head: bool,
    /// The change adds it (a file renamed into place is not new).
    pub new: bool,
}

/// One migration file of a sequence, on any side of the comparison.
#[derive(Debug, Clone)]
pub struct SequenceEntry {
    pub path: String,
    pub detected: MigrationFile,
    /// See [`crate::classify::migration::identity`].
    pub identity: String,
    pub presence: Presence,
    /// The file's text from the base branch, for entries only that branch has (index into
    /// [`History::base_files`]).
    pub tip_file: Option<usize>,
}

impl SequenceEntry {
    pub fn version(&self) -> &Version {
        &self.detected.version
    }

    pub fn framework(&self) -> Framework {
        self.detected.framework
    }

    /// An up (or both-ways) file with a version that orders it.
    pub fn ordered_up(&self) -> bool {
        matches!(self.detected.direction, Direction::Up | Direction::Both)
            && !self.detected.version.parts.is_empty()
            && !matches!(
                self.detected.framework,
                Framework::Liquibase | Framework::Sqitch
            )
    }
}

/// The migrations of one sequence folder, on all sides.
#[derive(Debug, Clone)]
pub struct Sequence {
    pub folder: String,
    /// Sorted by path.
    pub entries: Vec<SequenceEntry>,
}

/// Everything the H rules know about the change's effect on migration history.
#[derive(Debug, Default)]
pub struct History {
    /// `--base` as given.
    pub base_label: String,
    /// The merge base, abbreviated, for messages.
    pub merge_base_short: String,
    /// Base-side files: changed migrations as they were at the merge base, and migrations
    /// only the base branch has.
    pub base_files: Vec<ParsedFile>,
    /// Head-side copies of changed migrations, parsed whatever their dialect.
    pub head_files: Vec<ParsedFile>,
    pub changed: Vec<ChangedMigration>,
    pub sequences: Vec<Sequence>,
}
