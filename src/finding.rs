//! Findings: what a rule reports, with where, why, the safe alternative and the way back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::span::{LineCol, Span};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}`; expected one of info, low, medium, high, critical")
            })
    }
}

/// A location in a scanned file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Repository-relative path with `/` separators.
    pub path: String,
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
}

/// A secondary location with a label ("table created here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    #[serde(flatten)]
    pub location: Location,
    pub label: String,
}

/// How to undo what the finding flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Rollback {
    /// Concrete steps, SQL or commands, in the order to run them.
    pub steps: Vec<String>,
    /// No step restores the previous state: take a backup before deploying.
    pub irreversible: bool,
}

/// Which part of a migration a finding is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationRef {
    pub framework: String,
    pub version: String,
    /// `up` or `down`.
    pub direction: String,
    /// How the statement runs: `runner transaction`, `implicit transaction`, `explicit
    /// transaction`, `no transaction`.
    pub transaction: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: String,
    pub slug: String,
    pub severity: Severity,
    pub title: String,
    /// What is wrong here, specific to this occurrence.
    pub message: String,
    pub location: Location,
    /// The label under the primary span.
    pub label: String,
    pub related: Vec<Related>,
    /// Why this breaks a deploy: the lock, what it blocks, rewrite, data loss.
    pub why: String,
    pub lock: Option<String>,
    pub blocks: Option<String>,
    pub rewrites: bool,
    pub safe_alternative: String,
    pub rollback: Rollback,
    /// What must be true before shipping, when the rule says.
    pub checklist: Option<String>,
    pub migration: Option<MigrationRef>,
    /// Stable under line shifts: rule + path + normalised text of the primary span.
    pub fingerprint: String,
    /// The rule's weight and the multiplier applied to it (see docs/scoring.md).
    pub weight: f64,
    pub multiplier: f64,
    /// Why the multiplier is what it is.
    pub multiplier_reasons: Vec<String>,
    /// Diff mode with `--all` only: did the change introduce this finding? (Before the diff
    /// filter, a check may set `Some(true)` on a finding that is what the change did; the
    /// filter honours it and clears it without `--all`.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<bool>,
}

impl Finding {
    /// Does the finding count toward the forecast and `--fail-on`? Everything does, except
    /// what a diff-mode run with `--all` shows as pre-existing.
    pub fn counts(&self) -> bool {
        self.introduced != Some(false)
    }

    /// The probability this finding contributes to the forecast.
    pub fn risk(&self) -> f64 {
        (self.weight * self.multiplier).clamp(0.0, 0.99)
    }
}

/// Fingerprint: sha256 of code, path and the whitespace-collapsed, lowercased primary text,
/// plus an occurrence index so identical statements in one file stay distinct.
pub fn fingerprint(code: &str, path: &str, primary_text: &str, occurrence: usize) -> String {
    let normal: String = primary_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut h = Sha256::new();
    h.update(code.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(normal.as_bytes());
    h.update([0]);
    h.update(occurrence.to_le_bytes());
    let digest = h.finalize();
    hex::encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_whitespace_and_case() {
        let a = fingerprint("M101", "m.sql", "CREATE INDEX a ON t (x);", 0);
        let b = fingerprint("M101", "m.sql", "create   index a\n on t (x);", 0);
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint("M101", "m.sql", "CREATE INDEX a ON t (x);", 1)
        );
        assert_ne!(
            a,
            fingerprint("M101", "n.sql", "CREATE INDEX a ON t (x);", 0)
        );
    }

    #[test]
    fn severity_parses_and_orders() {
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::High);
    }
}
