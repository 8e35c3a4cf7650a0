//! The rule registry and the context rules see.
//!
//! A rule is a unit struct implementing [`Rule`]; registering it is one line in its family's
//! `mod.rs`. Rules read the model through the context they are handed and push [`Draft`]s;
//! they never read files, compute scores or format output.

pub mod compose;
pub mod dockerfile;
pub mod env;
pub mod forecast;
pub mod history;
pub mod kubernetes;
pub mod migrations;

use std::collections::BTreeMap;

use crate::classify::{Environment, Framework};
use crate::config::Config;
use crate::finding::Rollback;
use crate::model::graph::ObjectGraph;
use crate::model::inverse::Inverse;
use crate::model::manifests::{BaseManifests, Manifests};
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
        Draft::new(code, self.part.file, span, message, label)
    }
}

/// Everything a manifest rule (families K, C, D) may look at: every Kubernetes object by deploy
/// unit, the object graph, compose files, Dockerfiles and env files; in diff mode, when the
/// change touches YAML, the objects as they were at the merge base too.
pub struct ManifestCtx<'a> {
    pub manifests: &'a Manifests,
    pub graph: &'a ObjectGraph,
    pub config: &'a Config,
    /// Diff mode: the merge-base side. Drafts may name its files (related locations) by the
    /// ids it gives them.
    pub base: Option<&'a BaseManifests>,
}

impl ManifestCtx<'_> {
    /// The merge-base version of a head object (diff mode), found by deploy unit, kind
    /// (whatever its `apiVersion`), namespace and name.
    pub fn base_of(&self, o: &crate::model::kube::Object) -> Option<&crate::model::kube::Object> {
        self.base?.object_of(self.manifests, o)
    }

    /// A draft located in manifest file `file` (a [`crate::parse::yaml::FileId`]).
    pub fn draft(
        &self,
        code: &'static str,
        file: crate::parse::yaml::FileId,
        span: Span,
        message: String,
        label: impl Into<String>,
    ) -> Draft {
        Draft {
            code,
            file: file.0 as usize,
            span,
            message,
            label: label.into(),
            related: Vec::new(),
            safe_alternative: None,
            rollback: RollbackSource::Custom(Rollback::default()),
            table: None,
            vars: BTreeMap::new(),
            tx: None,
            env: None,
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
    /// Down statements of the other migrations of the same logical change: neighbours in
    /// the timeline that share this migration's name (pop/popx split one change into
    /// several numbered files whose downs undo each other's ups).
    pub sibling_downs: Vec<&'a Statement>,
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
    /// The deploy environment of what is flagged (manifests), for the environment multiplier.
    pub env: Option<Environment>,
}

impl Draft {
    /// A draft at `span` of parsed file `file`, with nothing else set yet.
    pub fn new(
        code: &'static str,
        file: usize,
        span: Span,
        message: String,
        label: String,
    ) -> Draft {
        Draft {
            code,
            file,
            span,
            message,
            label,
            related: Vec::new(),
            safe_alternative: None,
            rollback: RollbackSource::Statement,
            table: None,
            vars: BTreeMap::new(),
            tx: None,
            env: None,
        }
    }

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

    /// Rollback steps that restore the previous state.
    pub fn steps<I: IntoIterator<Item = String>>(mut self, steps: I) -> Self {
        self.rollback = RollbackSource::Custom(Rollback {
            steps: steps.into_iter().collect(),
            irreversible: false,
        });
        self
    }

    pub fn env(mut self, env: Option<Environment>) -> Self {
        self.env = env;
        self
    }
}

/// Everything a rule about suppression comments may look at: one file's `forecast-ignore`
/// directives, after the suppression post-pass (src/suppress.rs) matched them against the
/// findings of every other rule.
pub struct IgnoreCtx<'a> {
    /// The file's path, as findings carry it.
    pub path: &'a str,
    pub directives: &'a [crate::suppress::Directive],
    /// Report directives that silenced nothing (`--report-unused-ignores`).
    pub report_unused: bool,
    /// Does a rule run on this file, by forecast.toml's `select`, `ignore` and
    /// `per_path_ignores`?
    pub enabled: &'a dyn Fn(&str) -> bool,
}

/// What a rule reports about one file when there is no migration statement behind it; the
/// span is in the file the context is about.
#[derive(Debug, Clone)]
pub struct FileDraft {
    pub code: &'static str,
    pub span: Span,
    pub message: String,
    pub label: String,
    /// `None`: the first paragraph of the catalogue's `use_instead`.
    pub safe_alternative: Option<String>,
}

/// A rule's detection logic. Its metadata lives in `rules/*.toml` under the same code.
pub trait Rule: Send + Sync {
    fn code(&self) -> &'static str;

    /// Called for every statement of every analysed migration part, in order.
    fn check_statement(&self, _cx: &StmtCtx<'_>, _out: &mut Vec<Draft>) {}

    /// Called once per migration, after its up part was replayed.
    fn check_migration(&self, _cx: &MigrationCtx<'_>, _out: &mut Vec<Draft>) {}

    /// Called once per file that holds `forecast-ignore` comments, after suppression.
    fn check_ignores(&self, _cx: &IgnoreCtx<'_>, _out: &mut Vec<FileDraft>) {}
    /// Called once per scan with every manifest, compose file and Dockerfile. Drafts' `file`
    /// is a manifest [`crate::parse::yaml::FileId`].
    fn check_manifests(&self, _cx: &ManifestCtx<'_>, _out: &mut Vec<Draft>) {}
    /// Diff mode only, when the change touches YAML: called once with the manifests on both
    /// sides ([`ManifestCtx::base`] is set). What it reports is what the change does, so its
    /// findings count as introduced wherever they point.
    fn check_manifest_changes(&self, _cx: &ManifestCtx<'_>, _out: &mut Vec<Draft>) {}
    /// Called once per scan with the env and config model (family E).
    fn check_env(&self, _cx: &env::EnvCtx<'_>, _out: &mut Vec<env::EnvDraft>) {}
    /// Called once per diff-mode run with the migration-history facts (family H).
    fn check_history(&self, _cx: &history::HistoryCtx<'_>, _out: &mut Vec<history::HistoryDraft>) {}
}

/// Every registered rule.
pub fn registry() -> Vec<&'static dyn Rule> {
    let mut rules = Vec::new();
    rules.extend_from_slice(migrations::RULES);
    rules.extend_from_slice(forecast::RULES);
    rules.extend_from_slice(kubernetes::RULES);
    rules.extend_from_slice(compose::RULES);
    rules.extend_from_slice(dockerfile::RULES);
    rules.extend_from_slice(env::RULES);
    rules.extend_from_slice(history::RULES);
    rules
}
