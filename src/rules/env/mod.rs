//! Env and config drift rules (family E). Each rule reads the [`EnvModel`] and pushes
//! [`EnvDraft`]s; `check_env` turns them into findings.

mod config_drift;
mod contract;
mod missing;
mod restart;
mod secrets;

use std::collections::BTreeMap;

use crate::classify::env::Tier;
use crate::config::Config;
use crate::finding::Severity;
use crate::model::env::{EnvModel, Environment, FileId};
use crate::span::Span;

use super::Rule;

/// Every rule of the family, one line each.
pub static RULES: &[&dyn Rule] = &[
    &missing::RequiredEnvMissing,
    &missing::EnvWithoutDefaultMissing,
    &contract::DocumentedEnvMissing,
    &contract::UndocumentedEnv,
    &config_drift::ConfigKeyMissing,
    &config_drift::ConfigTypeMismatch,
    &secrets::CommittedSecret,
    &secrets::SecretInConfigMap,
    &restart::ConfigChangeWithoutRestart,
];

/// What an env rule may look at.
pub struct EnvCtx<'a> {
    pub model: &'a EnvModel,
    pub config: &'a Config,
}

/// What an env rule reports.
#[derive(Debug, Clone)]
pub struct EnvDraft {
    pub code: &'static str,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    pub label: String,
    /// (file, span, label)
    pub related: Vec<(FileId, Span, String)>,
    /// The variable or key the finding is about, for `[env] ignore`.
    pub subject: String,
    /// The rule's own severity for this finding (a `[rules] severity` override still wins).
    pub severity: Option<Severity>,
    pub multiplier: f64,
    pub reasons: Vec<String>,
    pub rollback: Vec<String>,
    /// Values for the catalogue's templates (`{var}`, `{environment}`, ...).
    pub vars: BTreeMap<&'static str, String>,
}

impl EnvDraft {
    pub fn new(code: &'static str, file: FileId, span: Span, subject: &str) -> Self {
        EnvDraft {
            code,
            file,
            span,
            message: String::new(),
            label: String::new(),
            related: Vec::new(),
            subject: subject.to_string(),
            severity: None,
            multiplier: 1.0,
            reasons: Vec::new(),
            rollback: Vec::new(),
            vars: BTreeMap::new(),
        }
    }
}

/// `a`, `a` and `b`, `a`, `b` and `c`, each in backticks.
pub fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Weight by how close the environment is to production.
pub fn tier_multiplier(tier: Tier) -> f64 {
    match tier {
        Tier::Production => 1.0,
        Tier::PreProduction => 0.5,
        Tier::Development => 0.2,
    }
}

/// Where a missing variable belongs in an environment: the first key of its own env file, or
/// the `env:` of the process a manifest declares.
pub fn anchor(model: &EnvModel, env: &Environment) -> Option<(FileId, Span)> {
    // Declared by manifests only: the first process's `env:` / `environment:`.
    if !env.from_files
        && let Some(t) = env.targets.first().and_then(|t| model.targets.get(*t))
    {
        return Some(t.anchor);
    }
    let home = env.home()?;
    let span = env
        .provisions
        .iter()
        .filter(|p| p.file == Some(home))
        .map(|p| p.span)
        .min()
        .unwrap_or_default();
    Some((home, span))
}

/// Is `name` a conventional environment variable name (upper snake case)?
pub fn conventional(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}
