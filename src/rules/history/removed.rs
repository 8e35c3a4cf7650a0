//! H102: a migration that existed at the base was deleted, or renamed so its runner no longer
//! recognises it.

use crate::classify::{Direction, Framework};
use crate::diff::ChangeStatus;
use crate::rules::Rule;

use super::{
    FileRef, HistoryCtx, HistoryDraft, described, display_name, file_anchor, runner_identity,
};
use crate::model::migrations::ParsedFile;

pub struct RemovedMigration;

fn deleted_consequence(framework: Framework, version: &str) -> String {
    match framework {
        Framework::Sqlx => format!(
            "`sqlx migrate run` fails on every database that applied it: `migration {version} was previously applied but is missing in the resolved migrations`"
        ),
        Framework::Flyway => "`flyway migrate` fails validation on every database that applied it (`Detected applied migration not resolved locally`)".to_string(),
        _ => "databases that applied it still record it while fresh ones never get what it created, so environments drift apart, and runners that check for missing migrations refuse to run".to_string(),
    }
}

impl Rule for RemovedMigration {
    fn code(&self) -> &'static str {
        "H102"
    }

    fn check_history(&self, cx: &HistoryCtx<'_>, out: &mut Vec<HistoryDraft>) {
        // Sequence folders that still hold migrations at the head: moving a migration out of
        // one removes it from its runner, moving a whole folder does not.
        let live_folders: std::collections::BTreeSet<&str> = cx
            .history
            .sequences
            .iter()
            .filter(|s| s.entries.iter().any(|e| e.presence.head && !e.presence.new))
            .map(|s| s.folder.as_str())
            .collect();
        // The sequence folder of a head path, as facts computed it.
        let sequence_of = |path: &str| -> String {
            cx.history
                .changed
                .iter()
                .find(|c| c.path == path)
                .and_then(|c| c.head_sequence.clone())
                .or_else(|| {
                    cx.history
                        .sequences
                        .iter()
                        .find(|s| s.entries.iter().any(|e| e.path == path))
                        .map(|s| s.folder.clone())
                })
                .unwrap_or_else(|| crate::classify::parent_dir(path).to_string())
        };
        // A rename: report it when the runner sees a different migration, or when the file
        // left a folder whose other migrations stay.
        let renamed = |base: &ParsedFile,
                       old: &str,
                       old_dir: &str,
                       head_ref: FileRef|
         -> Option<HistoryDraft> {
            let head = cx.parsed(head_ref)?;
            let what = described(&base.detected, &base.source.path);
            let (what_id, before) = runner_identity(&base.detected, old);
            let (_, after) = runner_identity(&head.detected, &head.source.path);
            let new_dir = sequence_of(&head.source.path);
            let message = if before != after {
                format!(
                    "{what} existed on {} and was renamed to `{}`: {} identifies a migration by {what_id}, which changes from `{before}` to `{after}`, so databases that applied it see an applied migration missing and a new one to run again",
                    cx.base(),
                    super::display_name(&head.detected, &head.source.path),
                    base.detected.framework.name()
                )
            } else if old_dir != new_dir && live_folders.contains(old_dir) {
                format!(
                    "{what} existed on {} and was moved out of `{old_dir}/`, whose other migrations stay: its runner no longer sees a migration that databases have applied, and fresh databases never run it",
                    cx.base()
                )
            } else {
                return None;
            };
            Some(
                cx.draft(
                    "H102",
                    head_ref,
                    file_anchor(head, cx.config),
                    message,
                    format!("renamed from `{old}`"),
                )
                .var("restore", old.to_string())
                .safe(format!(
                    "move `{}` back to `{old}`; add new migrations instead of renaming applied ones",
                    head.source.path
                )),
            )
        };
        // Files the change adds, by name: a deletion git did not pair with its new place
        // (too many renames with edits) is still a rename.
        let added_by_name: std::collections::BTreeMap<&str, usize> = cx
            .history
            .sequences
            .iter()
            .flat_map(|s| s.entries.iter())
            .filter(|e| e.presence.new)
            .filter_map(|e| {
                let i = cx.files.iter().position(|f| f.source.path == e.path)?;
                Some((display_name(&e.detected, &e.path), i))
            })
            .collect();
        for cm in &cx.history.changed {
            let Some(b) = cm.base else {
                continue;
            };
            let Some(base) = cx.parsed(FileRef::Base(b)) else {
                continue;
            };
            if base.detected.direction == Direction::Down {
                continue;
            }
            match cm.status {
                ChangeStatus::Deleted => {
                    if let Some(&i) =
                        added_by_name.get(display_name(&base.detected, &base.source.path))
                    {
                        let old_dir = cm.base_sequence.as_deref().unwrap_or("");
                        out.extend(renamed(base, &base.source.path, old_dir, FileRef::Head(i)));
                        continue;
                    }
                    let what = described(&base.detected, &base.source.path);
                    let version = super::version_label(&base.detected, &base.source.path);
                    out.push(
                        cx.draft(
                            "H102",
                            FileRef::Base(b),
                            file_anchor(base, cx.config),
                            format!(
                                "{what} existed on {} and was deleted: {}",
                                cx.base(),
                                deleted_consequence(base.detected.framework, &version)
                            ),
                            "deleted in this change",
                        )
                        .var("restore", base.source.path.clone())
                        .safe(format!(
                            "restore `{}` as it is on {}; to squash old migrations, follow the runner's baseline procedure in a release of its own",
                            base.source.path,
                            cx.base()
                        )),
                    );
                }
                ChangeStatus::Renamed => {
                    let Some(h) = cm.head else {
                        continue;
                    };
                    let old = cm.old_path.as_deref().unwrap_or(&base.source.path);
                    let old_dir = cm.base_sequence.as_deref().unwrap_or("");
                    out.extend(renamed(base, old, old_dir, FileRef::HistoryHead(h)));
                }
                ChangeStatus::Added | ChangeStatus::Modified => {}
            }
        }
    }
}
