//! The history facts of a diff-mode run: the base side of every changed migration and the
//! migrations of each touched sequence on all sides, read from git through a [`Session`];
//! and [`base_sources`], the merge-base text of other changed files (the manifests' base
//! side).

use std::collections::{BTreeMap, BTreeSet};

use super::git::Session;
use super::{ChangeSet, ChangeStatus};
use crate::classify::migration::{detect, identity, sequence_dir};
use crate::classify::{FileKind, RepoIndex, classify_path};
use crate::config::Config;
use crate::model::history::{ChangedMigration, History, Presence, Sequence, SequenceEntry};
use crate::model::migrations::ParsedFile;
use crate::parse::sql::{self, Dialect};
use crate::report::Warning;
use crate::source::SourceFile;

/// Inputs the facts are gathered from.
pub struct FactsInput<'a> {
    pub session: &'a Session<'a>,
    pub changes: &'a ChangeSet,
    /// The head files the pipeline recognised as migrations.
    pub files: &'a [ParsedFile],
    /// Sequence folders holding a changed migration.
    pub sequences: &'a BTreeSet<String>,
    pub repo: &'a RepoIndex,
    pub config: &'a Config,
    pub max_bytes: u64,
}

fn dialect(config: &Config) -> Dialect {
    match config.database.dialect {
        crate::config::DialectName::Postgres => Dialect::Postgres,
        crate::config::DialectName::Generic => Dialect::Generic,
    }
}

/// Decode bytes read from git the way the pipeline decodes files, or say why not.
fn decode(path: &str, bytes: Vec<u8>) -> Result<SourceFile, String> {
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        return Err("skipped: binary file".into());
    }
    Ok(SourceFile::from_bytes(path, bytes))
}

fn head_of(text: &str) -> &str {
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Parse a base-side file if it is a migration.
fn parse_migration(source: SourceFile, repo: &RepoIndex, config: &Config) -> Option<ParsedFile> {
    let detected = detect(
        &source.path,
        head_of(&source.text),
        repo,
        &config.migrations.paths,
    )?;
    let sql = sql::parse(&source.text, dialect(config));
    Some(ParsedFile {
        source,
        detected,
        sql,
    })
}

/// Gather the facts. Files that cannot be read become warnings.
pub fn gather(input: &FactsInput<'_>, warnings: &mut Vec<Warning>) -> History {
    let FactsInput {
        session,
        changes,
        files,
        sequences,
        repo,
        config,
        max_bytes,
    } = *input;
    let mut history = History {
        base_label: changes.base_label.clone(),
        merge_base_short: changes
            .merge_base
            .as_deref()
            .map(|m| m.chars().take(7).collect())
            .unwrap_or_default(),
        ..History::default()
    };
    let head_by_path: BTreeMap<&str, &ParsedFile> =
        files.iter().map(|f| (f.source.path.as_str(), f)).collect();

    let read_base = |path: &str, tip: bool, warnings: &mut Vec<Warning>| {
        let read = if tip {
            session.read_tip(path, max_bytes)
        } else {
            session.read_base(path, max_bytes)
        }?;
        match read.and_then(|b| decode(path, b)) {
            Ok(src) => parse_migration(src, repo, config),
            Err(message) => {
                warnings.push(Warning {
                    path: path.to_string(),
                    message: format!(
                        "{message} (as on `{}`)",
                        if tip {
                            &changes.base_label
                        } else {
                            "the merge base"
                        }
                    ),
                });
                None
            }
        }
    };

    for c in &changes.changes {
        let base_path = c.base_path();
        let is_sql = |p: &str| classify_path(p) == FileKind::Sql;
        if c.status == ChangeStatus::Added || !(is_sql(&c.path) || base_path.is_some_and(is_sql)) {
            continue;
        }
        let base = base_path
            .filter(|p| is_sql(p))
            .and_then(|p| read_base(p, false, warnings));
        let head = if c.at_head() {
            head_by_path.get(c.path.as_str()).map(|f| ParsedFile {
                source: f.source.clone(),
                detected: f.detected.clone(),
                // The pipeline parses only the dialects its rules analyse; history looks at
                // every migration.
                sql: if crate::check::analysed_dialect(f.detected.dialect) {
                    f.sql.clone()
                } else {
                    sql::parse(&f.source.text, dialect(config))
                },
            })
        } else {
            None
        };
        if base.is_none() && head.is_none() {
            continue;
        }
        let base = base.map(|b| {
            history.base_files.push(b);
            history.base_files.len() - 1
        });
        let head = head.map(|h| {
            history.head_files.push(h);
            history.head_files.len() - 1
        });
        history.changed.push(ChangedMigration {
            status: c.status,
            path: c.path.clone(),
            old_path: c.old_path.clone(),
            base,
            head,
            added: c.added.clone(),
            base_sequence: base_path.map(|p| sequence_dir(p, repo)),
            head_sequence: c.at_head().then(|| sequence_dir(&c.path, repo)),
        });
    }

    for folder in sequences {
        let (at_base, at_tip) = match session.list_base(folder, 1) {
            Ok(l) => l,
            Err(e) => {
                warnings.push(Warning {
                    path: folder.clone(),
                    message: format!("cannot list the base's migrations: {e}"),
                });
                continue;
            }
        };
        let in_seq =
            |p: &String| classify_path(p) == FileKind::Sql && sequence_dir(p, repo) == *folder;
        let at_base: BTreeSet<&String> = at_base.iter().filter(|p| in_seq(p)).collect();
        let at_tip: BTreeSet<&String> = at_tip.iter().filter(|p| in_seq(p)).collect();
        let at_head: BTreeSet<&String> = files
            .iter()
            .map(|f| &f.source.path)
            .filter(|p| sequence_dir(p, repo) == *folder)
            .collect();
        let all: BTreeSet<&String> = at_base
            .iter()
            .chain(at_tip.iter())
            .chain(at_head.iter())
            .copied()
            .collect();
        let mut entries = Vec::new();
        for path in all {
            let detected = match head_by_path.get(path.as_str()) {
                Some(f) => f.detected.clone(),
                None => match detect(path, "", repo, &config.migrations.paths) {
                    Some(d) => d,
                    None => continue,
                },
            };
            let head = at_head.contains(path);
            let merge_base = at_base.contains(path);
            // A file renamed into place is H102's business, not a new migration.
            let added = changes
                .at_head(path)
                .is_some_and(|c| c.status == ChangeStatus::Added);
            entries.push(SequenceEntry {
                identity: identity(&detected, path),
                path: path.clone(),
                detected,
                presence: Presence {
                    merge_base,
                    base_tip: at_tip.contains(path),
                    head,
                    new: head && !merge_base && added,
                },
                tip_file: None,
            });
        }
        // The base branch's own new migrations are read only when they share a version
        // with one this change adds: the H rules show them then.
        let new_versions: BTreeSet<&Vec<u64>> = entries
            .iter()
            .filter(|e| e.presence.new && e.ordered_up())
            .map(|e| &e.detected.version.parts)
            .collect();
        let wanted: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.presence.base_tip
                    && !e.presence.head
                    && new_versions.contains(&e.detected.version.parts)
            })
            .map(|(i, _)| i)
            .collect();
        for i in wanted {
            let path = entries[i].path.clone();
            if let Some(f) = read_base(&path, true, warnings) {
                history.base_files.push(f);
                entries[i].tip_file = Some(history.base_files.len() - 1);
            }
        }
        history.sequences.push(Sequence {
            folder: folder.clone(),
            entries,
        });
    }
    history
}

/// The merge-base side of every changed file whose path there passes `wanted`: modified,
/// renamed (read at the old path) and deleted files, decoded the way the pipeline decodes
/// files, sorted by path. Files that cannot be read become warnings.
pub fn base_sources(
    session: &Session<'_>,
    changes: &ChangeSet,
    wanted: &dyn Fn(&str) -> bool,
    max_bytes: u64,
    warnings: &mut Vec<Warning>,
) -> Vec<SourceFile> {
    let mut out = Vec::new();
    for c in &changes.changes {
        let Some(path) = c.base_path().filter(|p| wanted(p)) else {
            continue;
        };
        let Some(read) = session.read_base(path, max_bytes) else {
            continue;
        };
        match read.and_then(|b| decode(path, b)) {
            Ok(src) => {
                if src.lossy {
                    warnings.push(Warning {
                        path: path.to_string(),
                        message: "not valid UTF-8 at the merge base: invalid bytes were replaced before analysis".into(),
                    });
                }
                out.push(src);
            }
            Err(message) => warnings.push(Warning {
                path: path.to_string(),
                message: format!("{message} (as on the merge base)"),
            }),
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}
