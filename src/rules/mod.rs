//! The rule registry and the context rules see.
//!
//! A rule is a unit struct implementing [`Rule`]; registering it is one line in its family's
//! `mod.rs`. Rules read the model through the context they are handed and push [`Draft`]s;
//! they never read files, compute scores or format output.

pub mod history;
pub mod migrations;

use std::collections::BTreeMap;

use crate::classify::Framework;
use crate::config::Config;
use crate::finding::Rollback;
use crate::model::inverse::Inverse;
use crate::model::migrations::{Migration, ParsedFile, Part};
use crate::model::schema::{NewObjects, Schema};
use crate::parse::sql::{ObjName, Statement};
use crate::span::Span;

/// Where a statement runs, transaction-wise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    /// Autocommit: each statement on its own.
    None,
    /// Inside the transaction the migration runner opened.
    Runner,
    /// Inside PostgreSQL's implicit transaction around a multi-statement string.
    Implicit,
    /// Inside a transaction the SQL opened with `BEGIN`.
    Explicit,
}

impl TxState {
    pub fn in_transaction(self) -> bool {
        self != TxState::None
    }

    pub fn describe(self) -> &'static str {
        match self {
            TxState::None => "no transaction",
            TxState::Runner => "runner transaction",
            TxState::Implicit => "implicit transaction",
            TxState::Explicit => "explicit transaction",
        }
    }
}

/// Up or down part of a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    Up,
    Down,
}

/// Everything a statement-level rule may look at.
pub struct StmtCtx<'a> {
    pub files: &'a [ParsedFile],
    pub migration: &'a Migration,
    pub part: &'a Part,
    pub kind: PartKind,
    pub stmt: &'a Statement,
    /// Position of `stmt` in `stmts`.
    pub index: usize,
    /// All statements of the part, and the transaction each runs in.
    pub stmts: &'a [&'a Statement],
    pub tx: &'a [TxState],
    /// A `lock_timeout` is in effect when `stmt` runs.
    pub lock_timeout: bool,
    /// The schema before `stmt`.
    pub schema: &'a Schema,
    /// Tables created earlier in this migration (or release): they hold no rows.
    pub new: &'a NewObjects,
    pub config: &'a Config,
}

impl StmtCtx<'_> {
    pub fn pg_version(&self) -> u32 {
        self.config.database.version
    }

    /// The file text of the statement's file.
    pub fn text(&self) -> &str {
        &self.files[self.part.file].source.text
    }

    /// Does the table hold rows already (it was not created in this migration)?
    pub fn existing(&self, table: &ObjName) -> bool {
        !self.new.is_new(table)
    }

    pub fn tx_state(&self) -> TxState {
        self.tx.get(self.index).copied().unwrap_or(TxState::None)
    }

    pub fn framework(&self) -> Framework {
        self.migration.framework
    }

    /// A draft located in this statement's file.
    pub fn draft(&self, code: &'static str, span: Span, message: String, label: String) -> Draft {
        Draft {
            code,
            file: self.part.file,
            span,
            message,
            label,
            related: Vec::new(),
            safe_alternative: None,
            rollback: RollbackSource::Statement,
            table: None,
            vars: BTreeMap::new(),
            tx: None,
        }
    }
}

/// Everything a migration-level rule may look at.
pub struct MigrationCtx<'a> {
    pub files: &'a [ParsedFile],
    pub migration: &'a Migration,
    /// The up statements with the inverse of each (derived with the schema before it).
    pub up: Vec<(&'a Statement, Inverse)>,
    pub down: Vec<&'a Statement>,
    pub config: &'a Config,
}

/// Where a finding's rollback steps come from.
#[derive(Debug, Clone)]
pub enum RollbackSource {
    /// The inverse of the flagged statement.
    Statement,
    Custom(Rollback),
}

/// What a rule reports; the check stage turns it into a [`crate::finding::Finding`].
#[derive(Debug, Clone)]
pub struct Draft {
    pub code: &'static str,
    /// Index into the parsed files.
    pub file: usize,
    pub span: Span,
    pub message: String,
    pub label: String,
    /// (file, span, label)
    pub related: Vec<(usize, Span, String)>,
    pub safe_alternative: Option<String>,
    pub rollback: RollbackSource,
    /// The table at risk, for size multipliers.
    pub table: Option<ObjName>,
    /// Values for the catalogue's `checklist` template (`{table}`, `{column}`, ...).
    pub vars: BTreeMap<&'static str, String>,
    /// The transaction the flagged statement runs in (set by the check stage).
    pub tx: Option<TxState>,
}

impl Draft {
    pub fn table(mut self, t: &ObjName) -> Self {
        self.vars.entry("table").or_insert_with(|| t.qualified());
        self.table = Some(t.clone());
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

    pub fn related(mut self, file: usize, span: Span, label: impl Into<String>) -> Self {
        self.related.push((file, span, label.into()));
        self
    }

    pub fn rollback(mut self, r: Rollback) -> Self {
        self.rollback = RollbackSource::Custom(r);
        self
    }
}

/// A rule's detection logic. Its metadata lives in `rules/*.toml` under the same code.
pub trait Rule: Send + Sync {
    fn code(&self) -> &'static str;

    /// Called for every statement of every analysed migration part, in order.
    fn check_statement(&self, _cx: &StmtCtx<'_>, _out: &mut Vec<Draft>) {}

    /// Called once per migration, after its up part was replayed.
    fn check_migration(&self, _cx: &MigrationCtx<'_>, _out: &mut Vec<Draft>) {}

    /// Called once per diff-mode run with the migration-history facts (family H).
    fn check_history(&self, _cx: &history::HistoryCtx<'_>, _out: &mut Vec<history::HistoryDraft>) {}
}

/// Every registered rule.
pub fn registry() -> Vec<&'static dyn Rule> {
    let mut rules = Vec::new();
    rules.extend_from_slice(migrations::RULES);
    rules.extend_from_slice(history::RULES);
    rules
}
