//! The report: one plain value holding everything a renderer shows. Renderers format it;
//! they never compute.

pub mod json;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::plan::Plan;
use crate::score::Forecast;

/// Version of the JSON schema (docs/json-output.md). Bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// A file that could not be read or fully analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct Warning {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub files_scanned: usize,
    /// Files per kind (`sql`, `yaml`, ...).
    pub files_by_kind: BTreeMap<String, usize>,
    pub migrations_analysed: usize,
    /// Migrations skipped because their dialect is not the one analysed.
    pub migrations_skipped_by_dialect: BTreeMap<String, usize>,
    pub findings_by_severity: BTreeMap<Severity, usize>,
}

/// Everything one run produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// The scanned root as given on the command line.
    pub root: String,
    pub database: Database,
    pub summary: Summary,
    pub forecast: Forecast,
    pub findings: Vec<Finding>,
    pub rollback_plan: Plan,
    pub warnings: Vec<Warning>,
    /// Diff mode only: what was compared, and new vs pre-existing counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<crate::diff::DiffReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Database {
    pub dialect: String,
    pub version: u32,
}

impl Report {
    /// The highest severity among the findings that count (in diff mode, the new ones).
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.counts())
            .map(|f| f.severity)
            .max()
    }
}
