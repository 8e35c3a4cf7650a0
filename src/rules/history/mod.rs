//! The migration-history family (H): what a change does to migrations that already ran.
//! These rules run in diff mode only; they read [`History`] (the base side of every changed
//! migration, and each touched sequence on all sides) and the release (the migrations the
//! change adds, in deploy order). One line per rule; metadata in `rules/history.toml`.

mod edited;
mod expand_contract;
mod removed;
mod sequence;

use std::collections::BTreeMap;

use super::Rule;
use crate::classify::{Framework, MigrationFile};
use crate::config::Config;
use crate::finding::MigrationRef;
use crate::model::history::History;
use crate::model::migrations::{MetaFiles, Migration, ParsedFile, Part, Timeline};
use crate::parse::sql::ParsedSql;
use crate::source::SourceFile;
use crate::span::Span;

pub static RULES: &[&dyn Rule] = &[
    &edited::EditedMigration,
    &removed::RemovedMigration,
    &sequence::OutOfOrderMigration,
    &sequence::DuplicateVersion,
    &expand_contract::ExpandContractInOneRelease,
];

/// Which file a history finding points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRef {
    /// A head file of the pipeline ([`HistoryCtx::files`]).
    Head(usize),
    /// A head-side copy in [`History::head_files`].
    HistoryHead(usize),
    /// A base-side file in [`History::base_files`].
    Base(usize),
}

/// Everything a history rule may look at.
pub struct HistoryCtx<'a> {
    pub history: &'a History,
    /// The head's migration files the pipeline read, and their timelines.
    pub files: &'a [ParsedFile],
    pub timelines: &'a [Timeline],
    /// Per timeline (same index), the migrations the change adds, in deploy order
    /// (indexes into the timeline's migrations). Empty for timelines not analysed.
    pub release: &'a [Vec<usize>],
    pub config: &'a Config,
}

impl HistoryCtx<'_> {
    pub fn parsed(&self, r: FileRef) -> Option<&ParsedFile> {
        match r {
            FileRef::Head(i) => self.files.get(i),
            FileRef::HistoryHead(i) => self.history.head_files.get(i),
            FileRef::Base(i) => self.history.base_files.get(i),
        }
    }

    pub fn source(&self, r: FileRef) -> Option<&SourceFile> {
        self.parsed(r).map(|p| &p.source)
    }

    /// `origin/main`, in backticks.
    pub fn base(&self) -> String {
        format!("`{}`", self.history.base_label)
    }

    /// A draft with nothing but its place and words.
    pub fn draft(
        &self,
        code: &'static str,
        file: FileRef,
        span: Span,
        message: String,
        label: impl Into<String>,
    ) -> HistoryDraft {
        let migration = self.parsed(file).map(|f| MigrationRef {
            framework: f.detected.framework.name().to_string(),
            version: f.detected.version.text.clone(),
            direction: "up".to_string(),
            transaction: String::new(),
        });
        let mut vars = BTreeMap::new();
        vars.insert("base", self.history.base_label.clone());
        HistoryDraft {
            code,
            file,
            span,
            message,
            label: label.into(),
            related: Vec::new(),
            safe_alternative: None,
            vars,
            migration,
        }
    }
}

/// What a history rule reports; the check stage turns it into a finding.
#[derive(Debug, Clone)]
pub struct HistoryDraft {
    pub code: &'static str,
    pub file: FileRef,
    pub span: Span,
    pub message: String,
    pub label: String,
    pub related: Vec<(FileRef, Span, String)>,
    pub safe_alternative: Option<String>,
    /// Values for the catalogue's templates.
    pub vars: BTreeMap<&'static str, String>,
    pub migration: Option<MigrationRef>,
}

impl HistoryDraft {
    pub fn related(mut self, file: FileRef, span: Span, label: impl Into<String>) -> Self {
        self.related.push((file, span, label.into()));
        self
    }

    pub fn safe(mut self, s: impl Into<String>) -> Self {
        self.safe_alternative = Some(s.into());
        self
    }

    pub fn var(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.vars.insert(k, v.into());
        self
    }
}

/// The migrations of one file on its own (its up and down parts, Liquibase changesets).
pub(crate) fn migrations_of(file: &ParsedFile, config: &Config) -> Vec<Migration> {
    crate::model::migrations::build(
        std::slice::from_ref(file),
        &MetaFiles::default(),
        config.database.version,
    )
    .into_iter()
    .flat_map(|t| t.migrations)
    .collect()
}

/// A statement's text with comments removed and whitespace collapsed: two statements that
/// normalise alike do the same thing.
pub(crate) fn normalized(sql: &ParsedSql, text: &str, span: Span) -> String {
    let mut out = String::new();
    let mut at = span.start;
    for c in sql
        .comments
        .iter()
        .filter(|c| c.span.start >= span.start && c.span.end <= span.end)
    {
        out.push_str(Span::new(at, c.span.start).slice(text));
        out.push(' ');
        at = c.span.end;
    }
    out.push_str(Span::new(at, span.end).slice(text));
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The normalised statements of a part, with their spans.
pub(crate) fn part_statements(file: &ParsedFile, part: &Part) -> Vec<(String, Span)> {
    part.statements
        .iter()
        .filter_map(|&i| file.sql.statements.get(i))
        .map(|s| (normalized(&file.sql, &file.source.text, s.span), s.span))
        .collect()
}

/// The span of 1-based `line` without its line break.
pub(crate) fn line_span(source: &SourceFile, line: usize) -> Span {
    let start = source.lines.line_start(line.saturating_sub(1));
    let rest = source.text.get(start..).unwrap_or("");
    let len = rest.find('\n').unwrap_or(rest.len());
    let len = rest[..len].trim_end_matches('\r').len();
    Span::new(start, start + len)
}

/// Where to point at a whole migration file: its first up statement that changes something
/// (not a `SET` or a transaction boundary), or its first line that is not blank.
pub(crate) fn file_anchor(file: &ParsedFile, config: &Config) -> Span {
    let up: Vec<&crate::parse::sql::Statement> = migrations_of(file, config)
        .iter()
        .filter_map(|m| m.up.as_ref())
        .flat_map(|p| p.statements.iter())
        .filter_map(|&i| file.sql.statements.get(i))
        .collect();
    let first = up
        .iter()
        .filter(|s| {
            !matches!(
                s.op,
                crate::parse::sql::Op::Set { .. }
                    | crate::parse::sql::Op::Begin
                    | crate::parse::sql::Op::Commit
                    | crate::parse::sql::Op::Rollback
            )
        })
        .map(|s| s.span)
        .min()
        .or_else(|| up.iter().map(|s| s.span).min());
    if let Some(s) = first {
        return s;
    }
    let text = &file.source.text;
    let line = text
        .lines()
        .position(|l| !l.trim().is_empty())
        .map(|i| i + 1)
        .unwrap_or(1);
    line_span(&file.source, line)
}

/// The version as its runner shows it (Flyway: `1.2`, not `V1_2`).
pub(crate) fn version_label(m: &MigrationFile, path: &str) -> String {
    if m.version.text.is_empty() {
        path.rsplit('/').next().unwrap_or(path).to_string()
    } else if m.framework == Framework::Flyway {
        m.version
            .parts
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(".")
    } else {
        m.version.text.clone()
    }
}

/// How a runner tells its migrations apart, and the value for this file: renaming a file
/// changes what the runner sees only when this changes.
pub(crate) fn runner_identity(m: &MigrationFile, path: &str) -> (&'static str, String) {
    let name = path.rsplit('/').next().unwrap_or(path);
    match m.framework {
        Framework::Prisma => (
            "its folder name",
            m.unit.rsplit('/').next().unwrap_or(&m.unit).to_string(),
        ),
        Framework::Flyway => (
            "the version and description in its file name",
            name.to_string(),
        ),
        Framework::Liquibase => (
            "its changelog's path with each changeset's id and author",
            path.to_string(),
        ),
        Framework::Atlas => ("its file name", name.to_string()),
        Framework::Sqitch => ("its change name", m.unit.clone()),
        Framework::Plain => ("its file name", name.to_string()),
        _ if m.version.parts.is_empty() => ("its file name", name.to_string()),
        _ => (
            "its version",
            m.version
                .parts
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("."),
        ),
    }
}

/// How messages name a migration: ``migration `20240101120000_add_email.sql` `` (the folder
/// name for one-folder-per-migration layouts).
pub(crate) fn described(m: &MigrationFile, path: &str) -> String {
    format!("migration `{}`", display_name(m, path))
}

/// A migration's name: its file name, or its folder's for one-folder-per-migration layouts.
pub(crate) fn display_name<'a>(m: &'a MigrationFile, path: &'a str) -> &'a str {
    match m.framework {
        Framework::Diesel | Framework::Prisma => m.unit.rsplit('/').next().unwrap_or(&m.unit),
        _ => path.rsplit('/').next().unwrap_or(path),
    }
}
