//! H101: a migration that existed at the base was edited.

use crate::classify::{Direction, Framework};
use crate::diff::ChangeStatus;
use crate::rules::{Rule, history::runner_identity};

use super::{
    FileRef, HistoryCtx, HistoryDraft, described, line_span, migrations_of, part_statements,
    version_label,
};

pub struct EditedMigration;

/// What happens when an applied migration changes, runner by runner.
fn consequence(framework: Framework, version: &str, changeset: &str) -> String {
    match framework {
        Framework::Sqlx => format!(
            "sqlx checksums every applied migration, so `sqlx migrate run` fails with `migration {version} was previously applied but has been modified`"
        ),
        Framework::Flyway => format!(
            "Flyway validates applied migrations' checksums, so `flyway migrate` fails with a checksum mismatch for version {version}"
        ),
        Framework::Prisma => "Prisma records a checksum of every applied migration: `prisma migrate dev` reports it as modified after it was applied, and databases that already ran it keep the old version".to_string(),
        Framework::Atlas => "Atlas refuses a migration folder that no longer matches `atlas.sum`, and re-hashing only hides the edit: databases that already ran the file keep the old version".to_string(),
        Framework::Liquibase => format!(
            "Liquibase stores a checksum per changeset, so `liquibase update` fails validation for changeset `{changeset}`"
        ),
        f => format!(
            "{} does not run an applied migration again, so databases that already ran `{version}` keep the old version while new ones get the edited one",
            f.name()
        ),
    }
}

/// A Liquibase changeset marked to run again when it changes (`runOnChange:true`) or on
/// every update (`runAlways:true`): editing it is how it is meant to be used.
fn reruns(file: &crate::model::migrations::ParsedFile, id: &str) -> bool {
    file.sql.comments.iter().any(|c| {
        let body: String = c
            .text
            .trim_start_matches('-')
            .chars()
            .filter(|ch| !ch.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        let words: Vec<&str> = c.text.trim_start_matches('-').split_whitespace().collect();
        body.starts_with("changeset")
            && words.get(1) == Some(&id)
            && (body.contains("runonchange:true") || body.contains("runalways:true"))
    })
}

/// Runners that checksum the exact text, so an edit to comments or whitespace fails too.
fn checksums_text(framework: Framework) -> bool {
    matches!(
        framework,
        Framework::Sqlx | Framework::Prisma | Framework::Atlas | Framework::Flyway
    )
}

impl Rule for EditedMigration {
    fn code(&self) -> &'static str {
        "H101"
    }

    fn check_history(&self, cx: &HistoryCtx<'_>, out: &mut Vec<HistoryDraft>) {
        for cm in &cx.history.changed {
            if !matches!(cm.status, ChangeStatus::Modified | ChangeStatus::Renamed) {
                continue;
            }
            let (Some(b), Some(h)) = (cm.base, cm.head) else {
                continue;
            };
            let (Some(base), Some(head)) = (
                cx.parsed(FileRef::Base(b)),
                cx.parsed(FileRef::HistoryHead(h)),
            ) else {
                continue;
            };
            // Down files run only on rollback, and Flyway's repeatable scripts are meant to
            // change: neither is a checksum or drift problem.
            if matches!(
                base.detected.direction,
                Direction::Down | Direction::Repeatable
            ) || matches!(
                head.detected.direction,
                Direction::Down | Direction::Repeatable
            ) {
                continue;
            }
            // A rename that changes what the runner sees is H102's.
            if cm.status == ChangeStatus::Renamed
                && runner_identity(&base.detected, &base.source.path)
                    != runner_identity(&head.detected, &head.source.path)
            {
                continue;
            }
            let framework = head.detected.framework;
            let base_migrations = migrations_of(base, cx.config);
            for hm in migrations_of(head, cx.config) {
                let Some(hup) = &hm.up else {
                    continue;
                };
                // Match by unit (the changeset id for Liquibase); a renamed file matches its
                // only migration.
                let unit_key = |u: &str| u.rsplit_once('#').map(|(_, id)| id.to_string());
                let Some(bm) = base_migrations.iter().find(|bm| {
                    bm.unit == hm.unit
                        || (cm.status == ChangeStatus::Renamed
                            && unit_key(&bm.unit) == unit_key(&hm.unit))
                }) else {
                    continue;
                };
                let Some(bup) = &bm.up else {
                    continue;
                };
                let hs = part_statements(head, hup);
                let bs = part_statements(base, bup);
                let version = version_label(&head.detected, &head.source.path);
                let changeset = hm.unit.rsplit_once('#').map(|(_, id)| id).unwrap_or("");
                if framework == Framework::Liquibase && reruns(head, changeset) {
                    continue;
                }
                let what = described(&head.detected, &head.source.path);
                let (span, message, label) = if hs.iter().map(|s| &s.0).ne(bs.iter().map(|s| &s.0))
                {
                    let i = hs
                        .iter()
                        .zip(bs.iter())
                        .position(|(a, b)| a.0 != b.0)
                        .unwrap_or(hs.len().min(bs.len()));
                    let span = match hs.get(i).or(hs.last()) {
                        Some(s) => s.1,
                        None => line_span(&head.source, head.source.line_col(hup.range.start).line),
                    };
                    (
                        span,
                        format!(
                            "{what} existed on {} and {} was edited: {}",
                            cx.base(),
                            if changeset.is_empty() {
                                "its up migration".to_string()
                            } else {
                                format!("its changeset `{changeset}`")
                            },
                            consequence(framework, &version, changeset)
                        ),
                        "edited after it was applied",
                    )
                } else {
                    let btext = bup.range.slice(&base.source.text);
                    let htext = hup.range.slice(&head.source.text);
                    let same = if framework == Framework::Flyway {
                        btext.lines().eq(htext.lines())
                    } else {
                        btext == htext
                    };
                    if same || !checksums_text(framework) {
                        continue;
                    }
                    let first_in_part = match &cm.added {
                        crate::diff::AddedLines::All => None,
                        crate::diff::AddedLines::Ranges(r) => {
                            let lo = head.source.line_col(hup.range.start).line;
                            let hi = head.source.line_col(hup.range.end).line;
                            r.iter()
                                .find(|&&(s, e)| s <= hi && lo <= e)
                                .map(|&(s, _)| s.max(lo))
                        }
                    };
                    let line =
                        first_in_part.unwrap_or_else(|| head.source.line_col(hup.range.start).line);
                    (
                        line_span(&head.source, line),
                        format!(
                            "{what} existed on {} and only its comments or whitespace changed, but {}",
                            cx.base(),
                            consequence(framework, &version, changeset)
                        ),
                        "text changed after it was applied",
                    )
                };
                out.push(
                    cx.draft("H101", FileRef::HistoryHead(h), span, message, label)
                        .var("path", head.source.path.clone())
                        .safe(format!(
                            "restore `{}` to its text on {} and make the change in a new migration after the newest one",
                            head.source.path,
                            cx.base()
                        )),
                );
            }
        }
    }
}
