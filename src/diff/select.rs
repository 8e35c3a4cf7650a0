//! Which files diff mode reads: the changed files present at the head, plus the context the
//! rules need to judge them. Cost grows with the diff, not the repository.
//!
//! Context today: every migration and migration-framework file of a sequence folder that
//! holds a changed migration (added, modified, renamed or deleted), because ordering,
//! transaction modes and the schema replay need the whole sequence. A family whose rules
//! compare files (manifests against env files, say) adds its context here.

use std::collections::BTreeSet;

use super::ChangeSet;
use crate::classify::migration::sequence_dir;
use crate::classify::{FileKind, RepoIndex, classify_path};

/// The files to read, and the migration sequence folders they were chosen for.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Relative to the scan root, sorted.
    pub paths: Vec<String>,
    /// Sequence folders holding a changed migration (see [`sequence_dir`]).
    pub sequences: BTreeSet<String>,
}

fn migration_like(path: &str) -> bool {
    matches!(classify_path(path), FileKind::Sql | FileKind::MigrationMeta)
}

/// Choose what to read from `head_paths` (every file at the head) for `changes`.
pub fn select(head_paths: &[String], changes: &ChangeSet, repo: &RepoIndex) -> Selection {
    let mut sequences = BTreeSet::new();
    for c in &changes.changes {
        for p in std::iter::once(c.path.as_str()).chain(c.old_path.as_deref()) {
            if migration_like(p) {
                sequences.insert(sequence_dir(p, repo));
            }
        }
    }
    let paths = head_paths
        .iter()
        .filter(|p| {
            changes.at_head(p).is_some()
                || (migration_like(p) && sequences.contains(&sequence_dir(p, repo)))
        })
        .cloned()
        .collect();
    Selection { paths, sequences }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{AddedLines, Change, ChangeStatus, Mode};

    fn set(changes: Vec<Change>) -> ChangeSet {
        ChangeSet {
            mode: Mode::Commits,
            base_label: "main".into(),
            base_commit: None,
            head_label: "HEAD".into(),
            head_commit: None,
            merge_base: None,
            changes,
        }
    }

    #[test]
    fn a_changed_migration_brings_its_sequence_and_nothing_else() {
        let paths: Vec<String> = [
            "README.md",
            "db/migrations/1_a.up.sql",
            "db/migrations/2_b.up.sql",
            "db/migrations/3_c.up.sql",
            "other/migrations/1_x.up.sql",
            "src/main.go",
            "diesel/migrations/2020-01-01-000000_a/up.sql",
            "diesel/migrations/2020-01-01-000000_a/metadata.toml",
            "diesel/migrations/2021-01-01-000000_b/up.sql",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut paths = paths;
        paths.sort();
        let repo = RepoIndex::new(paths.iter().cloned());
        let s = select(
            &paths,
            &set(vec![
                Change {
                    path: "db/migrations/3_c.up.sql".into(),
                    old_path: None,
                    status: ChangeStatus::Added,
                    added: AddedLines::All,
                    edited: true,
                },
                Change {
                    path: "diesel/migrations/2021-01-01-000000_b/up.sql".into(),
                    old_path: None,
                    status: ChangeStatus::Modified,
                    added: AddedLines::All,
                    edited: true,
                },
                Change {
                    path: "src/main.go".into(),
                    old_path: None,
                    status: ChangeStatus::Modified,
                    added: AddedLines::All,
                    edited: true,
                },
            ]),
            &repo,
        );
        assert_eq!(
            s.paths,
            vec![
                "db/migrations/1_a.up.sql",
                "db/migrations/2_b.up.sql",
                "db/migrations/3_c.up.sql",
                "diesel/migrations/2020-01-01-000000_a/metadata.toml",
                "diesel/migrations/2020-01-01-000000_a/up.sql",
                "diesel/migrations/2021-01-01-000000_b/up.sql",
                "src/main.go",
            ]
        );
        assert!(s.sequences.contains("diesel/migrations"));
    }
}
