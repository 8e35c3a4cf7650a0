//! H103 and H104: where a new migration lands in its sequence once the change is merged: before
//! migrations that already ran, or on a version another migration holds.

use std::collections::{BTreeMap, BTreeSet};

use crate::classify::Framework;
use crate::model::history::{Sequence, SequenceEntry};
use crate::rules::Rule;

use super::{FileRef, HistoryCtx, HistoryDraft, file_anchor, version_label};

pub struct OutOfOrderMigration;

pub struct DuplicateVersion;

fn out_of_order_consequence(framework: Framework, newest: &str) -> String {
    match framework {
        Framework::GolangMigrate => format!(
            "golang-migrate only runs versions above a database's current one, so databases that already ran `{newest}` never run this migration"
        ),
        Framework::Goose => "goose refuses to migrate past a missing older migration unless it runs with `-allow-missing`".to_string(),
        Framework::Flyway => "Flyway fails validation (`Detected resolved migration not applied to database`) unless `outOfOrder` is enabled".to_string(),
        Framework::Sqlx
        | Framework::Diesel
        | Framework::Dbmate
        | Framework::Prisma
        | Framework::Pop => format!(
            "{} runs it anyway, after `{newest}`: databases that already ran `{newest}` and fresh ones apply the two in different orders",
            framework.name()
        ),
        _ => "depending on the runner it is skipped, rejected, or run after newer migrations, so environments apply it in different orders".to_string(),
    }
}

fn duplicate_consequence(framework: Framework, version: &str) -> String {
    match framework {
        Framework::Flyway => {
            format!("Flyway refuses the folder (`Found more than one migration with version {version}`)")
        }
        Framework::GolangMigrate => {
            "golang-migrate refuses the folder (`duplicate migration file`)".to_string()
        }
        Framework::Goose => "goose refuses the folder (`duplicate version`)".to_string(),
        _ => "runners either refuse the folder or take the two for one migration and never run the second".to_string(),
    }
}

/// The head file of an entry, if the pipeline read it.
fn head_ref(cx: &HistoryCtx<'_>, e: &SequenceEntry) -> Option<FileRef> {
    cx.files
        .iter()
        .position(|f| f.source.path == e.path)
        .map(FileRef::Head)
}

/// The new entries of a sequence, one per migration (the first file of each identity).
fn new_migrations(seq: &Sequence) -> Vec<&SequenceEntry> {
    let mut seen = BTreeSet::new();
    seq.entries
        .iter()
        .filter(|e| e.presence.new && e.ordered_up())
        .filter(|e| seen.insert(e.identity.clone()))
        .collect()
}

impl Rule for OutOfOrderMigration {
    fn code(&self) -> &'static str {
        "H103"
    }

    fn check_history(&self, cx: &HistoryCtx<'_>, out: &mut Vec<HistoryDraft>) {
        for seq in &cx.history.sequences {
            let base_identities: BTreeSet<&str> = seq
                .entries
                .iter()
                .filter(|e| e.presence.merge_base || e.presence.base_tip)
                .map(|e| e.identity.as_str())
                .collect();
            let newest = seq
                .entries
                .iter()
                .filter(|e| (e.presence.merge_base || e.presence.base_tip) && e.ordered_up())
                .max_by(|a, b| {
                    a.version()
                        .parts
                        .cmp(&b.version().parts)
                        .then_with(|| b.path.cmp(&a.path))
                });
            let Some(newest) = newest else {
                continue;
            };
            for e in new_migrations(seq) {
                if base_identities.contains(e.identity.as_str())
                    || e.version().parts >= newest.version().parts
                {
                    continue;
                }
                let Some(file) = head_ref(cx, e) else {
                    continue;
                };
                let Some(pf) = cx.parsed(file) else {
                    continue;
                };
                let newest_v = version_label(&newest.detected, &newest.path);
                let v = version_label(&e.detected, &e.path);
                out.push(
                    cx.draft(
                        "H103",
                        file,
                        file_anchor(pf, cx.config),
                        format!(
                            "new migration `{v}` sorts before `{newest_v}` (`{}`), the newest migration on {}: {}",
                            newest.path,
                            cx.base(),
                            out_of_order_consequence(e.framework(), &newest_v)
                        ),
                        format!("sorts before `{newest_v}`"),
                    )
                    .var("newest", newest_v.clone())
                    .safe(format!(
                        "give `{}` a version after `{newest_v}` (a new timestamp or number), and check it still applies on top of `{}`",
                        e.path, newest.path
                    )),
                );
            }
        }
    }
}

impl Rule for DuplicateVersion {
    fn code(&self) -> &'static str {
        "H104"
    }

    fn check_history(&self, cx: &HistoryCtx<'_>, out: &mut Vec<HistoryDraft>) {
        for seq in &cx.history.sequences {
            // What the folder holds once the change is merged: the head, plus what the base
            // branch has that the change did not remove.
            let removed: BTreeSet<&str> = cx
                .history
                .changed
                .iter()
                .filter(|c| c.status != crate::diff::ChangeStatus::Added)
                .map(|c| c.old_path.as_deref().unwrap_or(&c.path))
                .collect();
            let merged: Vec<&SequenceEntry> = seq
                .entries
                .iter()
                .filter(|e| {
                    e.presence.head || (e.presence.base_tip && !removed.contains(e.path.as_str()))
                })
                // Prisma names a migration by its whole folder name; equal timestamps clash
                // nowhere.
                .filter(|e| e.ordered_up() && e.framework() != Framework::Prisma)
                .collect();
            let mut by_version: BTreeMap<&Vec<u64>, Vec<&SequenceEntry>> = BTreeMap::new();
            for e in &merged {
                by_version.entry(&e.version().parts).or_default().push(e);
            }
            for e in new_migrations(seq) {
                if e.framework() == Framework::Prisma {
                    continue;
                }
                let Some(same) = by_version.get(&e.version().parts) else {
                    continue;
                };
                let Some(other) = same
                    .iter()
                    .filter(|o| o.identity != e.identity)
                    // Prefer one that already ran over another new one.
                    .min_by_key(|o| (o.presence.new, o.path.clone()))
                else {
                    continue;
                };
                let Some(file) = head_ref(cx, e) else {
                    continue;
                };
                let Some(pf) = cx.parsed(file) else {
                    continue;
                };
                let v = version_label(&e.detected, &e.path);
                let (where_, other_ref) = if other.presence.head {
                    (String::new(), head_ref(cx, other))
                } else {
                    (
                        format!(" on {}", cx.base()),
                        other.tip_file.map(FileRef::Base),
                    )
                };
                let mut d = cx
                    .draft(
                        "H104",
                        file,
                        file_anchor(pf, cx.config),
                        format!(
                            "version `{v}` is also used by `{}`{where_}: {}",
                            other.path,
                            duplicate_consequence(e.framework(), &v)
                        ),
                        format!("version `{v}` is taken"),
                    )
                    .safe(format!(
                        "give `{}` a version no other migration uses, after the newest one on {}",
                        e.path,
                        cx.base()
                    ));
                if let Some(r) = other_ref
                    && let Some(opf) = cx.parsed(r)
                {
                    d = d.related(
                        r,
                        file_anchor(opf, cx.config),
                        format!("also version `{v}`"),
                    );
                }
                out.push(d);
            }
        }
    }
}
