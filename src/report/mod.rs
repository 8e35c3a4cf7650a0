//! The report: one plain value holding everything a renderer shows. Renderers format it;
//! they never compute.

pub mod github;
pub mod gitlab;
pub mod json;
pub mod markdown;
pub mod sarif;
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
    /// What the env family saw: reads, environments, contracts, config groups.
    pub env: crate::envscan::EnvSummary,
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
    /// What the report leaves out, and why.
    pub hidden: Hidden,
}

/// Findings left out of the report: silenced by comments, dropped by forecast.toml's
/// per-path ignores, or recorded in the baseline. None of them counts in the forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Hidden {
    /// Silenced by `forecast-ignore` comments.
    pub suppressed: usize,
    /// Dropped by `rules.per_path_ignores`.
    pub ignored_by_path: usize,
    /// Recorded in the baseline.
    pub baselined: usize,
    /// The baseline file used, if any.
    pub baseline: Option<String>,
    /// Baseline entries that matched no finding (fixed, or the statement changed).
    pub baseline_stale: usize,
}

impl Hidden {
    /// Findings hidden in all.
    pub fn total(&self) -> usize {
        self.suppressed + self.ignored_by_path + self.baselined
    }
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

/// Was the finding introduced by the change under review? `None` when the report does not
/// know (a scan without diff mode). Renderers that put new findings first ask here, so the
/// day findings carry the answer, one line changes.
pub fn introduced(_finding: &Finding) -> Option<bool> {
    None
}

/// A finding's rollback in one line: the steps, said to be irreversible when they are (once).
pub fn rollback_line(f: &Finding) -> String {
    let steps = f.rollback.steps.join(" ");
    if f.rollback.irreversible
        && !steps
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("irreversible")
    {
        format!("irreversible: take a backup before deploying. {steps}")
    } else {
        steps
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The terminal report with source snippets.
    Text,
    /// The report as JSON (docs/json-output.md).
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// A pull-request comment.
    Markdown,
    /// GitHub Actions workflow commands.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

/// How to render, beyond the report itself.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Colour in the text report.
    pub color: bool,
    /// The scanned root inside the repository (`ScanOutput::repo_prefix`): code review
    /// formats give paths from the repository root.
    pub repo_prefix: String,
    /// SARIF `automationDetails.id`.
    pub sarif_automation_id: String,
}

/// Render `report` in `format`. `sources` maps paths to file text for snippets. Whatever the
/// format, the output goes through [`crate::redact::output`]: no secret leaves in a report.
pub fn render(
    report: &Report,
    sources: &BTreeMap<&str, &str>,
    format: Format,
    opts: &RenderOptions,
) -> String {
    let text = match format {
        Format::Text => text::render(report, sources, text::TextOptions { color: opts.color }),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(
            report,
            &sarif::SarifOptions {
                automation_id: if opts.sarif_automation_id.is_empty() {
                    "forecast/".into()
                } else {
                    opts.sarif_automation_id.clone()
                },
                repo_prefix: opts.repo_prefix.clone(),
            },
        ),
        Format::Markdown => markdown::render(report),
        Format::Github => github::render(report, &opts.repo_prefix),
        Format::Gitlab => gitlab::render(report, &opts.repo_prefix),
    };
    match crate::redact::output(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(masked) => masked,
    }
}
