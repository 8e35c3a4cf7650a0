//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).
//!
//! One run. GitHub reads a subset of SARIF and ignores the rest, so what a reviewer must see
//! sits where GitHub shows it:
//!
//! - `message.text` opens with the finding, its severity and risk, and the rollback step: the
//!   alert shows nothing else from the result;
//! - every catalogue rule is in `tool.driver.rules`, with `help.markdown` (why it breaks a
//!   deploy, what to do instead, how to roll back) and `helpUri`;
//! - paths are repository-relative, `/`-separated and percent-encoded, under `%SRCROOT%`;
//! - `partialFingerprints` holds forecast's own fingerprint (`forecastFingerprint/v1`);
//!   `primaryLocationLineHash` is left to the upload action, which computes it;
//! - suppressed and baselined findings are not in the report, so not here: GitHub ignores
//!   `suppressions` and would open alerts for them;
//! - upload limits hold: at most 5,000 results (GitHub rejects more than 25,000 and shows
//!   only the top 5,000), and at most 10 MB gzip-compressed, as the upload measures it; when
//!   a limit cuts results, the most severe are kept and a notification says how many went.
//!
//! Columns are Unicode code points (`columnKind`), as in every other forecast output.

use serde::Serialize;

use super::Report;
use crate::catalogue::{Catalogue, Precision, RuleMeta};
use crate::finding::{Finding, Location, Severity};

/// Results written per run. GitHub rejects a run with more than 25,000 results and shows
/// only the top 5,000 of any run, so forecast writes at most 5,000: the most severe ones.
pub const MAX_RESULTS: usize = 5_000;
/// GitHub's upload limit: the SARIF file, gzip-compressed, must not exceed 10 MB. The cap
/// is applied to the compressed size, as the upload measures it.
pub const MAX_BYTES: usize = 10_000_000;

/// The size of `text` gzip-compressed, as the upload action sends it.
pub fn gzipped_len(text: &str) -> usize {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    if enc.write_all(text.as_bytes()).is_err() {
        return text.len();
    }
    enc.finish().map(|v| v.len()).unwrap_or(text.len())
}
/// Related locations kept per result (GitHub shows 100 per result).
const MAX_RELATED: usize = 100;
/// The base all result URIs are relative to.
const SRCROOT: &str = "%SRCROOT%";

/// Options for the SARIF run.
#[derive(Debug, Clone)]
pub struct SarifOptions {
    /// `automationDetails.id` (see [`crate::config::Sarif::automation_id`]).
    pub automation_id: String,
    /// The scanned root inside the repository, put in front of every path.
    pub repo_prefix: String,
}

impl Default for SarifOptions {
    fn default() -> Self {
        SarifOptions {
            automation_id: "forecast/".into(),
            repo_prefix: String::new(),
        }
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    column_kind: &'static str,
    original_uri_base_ids: serde_json::Value,
    invocations: Vec<Invocation>,
    results: Vec<SResult<'a>>,
    properties: serde_json::Value,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: &'a [SRule],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SRule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: DefaultConfiguration,
    properties: serde_json::Value,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SLocation>,
    partial_fingerprints: serde_json::Value,
    properties: serde_json::Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

/// SARIF level of a severity: critical and high are errors, medium and low warnings, info
/// a note.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

fn problem_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "recommendation",
    }
}

/// Percent-encode a relative path for a URI reference: everything but unreserved
/// characters and `/`.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A region from a location. A span that ends at the start of a line ends, for SARIF, at
/// the end of the line before: GitHub would otherwise count that next line as part of it.
fn region(loc: &Location) -> Region {
    let (s, e) = (loc.start, loc.end);
    if e.line > s.line && e.column == 1 {
        return Region {
            start_line: s.line,
            start_column: s.column,
            end_line: e.line - 1,
            end_column: None,
        };
    }
    let end_column = if e.line == s.line {
        e.column.max(s.column)
    } else {
        e.column
    };
    Region {
        start_line: s.line,
        start_column: s.column,
        end_line: e.line.max(s.line),
        end_column: Some(end_column),
    }
}

fn physical(prefix: &str, loc: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri_path(&format!("{prefix}{}", loc.path)),
            uri_base_id: SRCROOT,
        },
        region: Some(region(loc)),
    }
}

/// `CamelCase` of a kebab-case slug, for the rule's `name`.
fn camel(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn sentence(s: &str) -> String {
    let s = s.trim();
    let mut c = s.chars();
    let mut out = match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The alert text: the finding, its risk and the rollback first; then what to do instead
/// and links to the related locations.
pub fn message_text(f: &Finding) -> String {
    let mut s = if f.severity == Severity::Info {
        sentence(&format!("Note: {}", f.message))
    } else if f.risk() <= 0.0 {
        // A rule that weighs nothing in the forecast (forecast's own): no risk to quote.
        sentence(&format!(
            "{}: {}",
            sentence(f.severity.as_str()).trim_end_matches('.'),
            f.message
        ))
    } else {
        sentence(&format!(
            "{} deploy risk ({:.0}%): {}",
            f.severity,
            f.risk() * 100.0,
            f.message
        ))
    };
    let rollback = super::rollback_line(f);
    if !rollback.is_empty() {
        s.push_str(" Rollback: ");
        s.push_str(&rollback);
    }
    if !f.safe_alternative.is_empty() {
        s.push_str(" Instead: ");
        s.push_str(f.safe_alternative.trim());
    }
    let related: Vec<String> = f
        .related
        .iter()
        .take(MAX_RELATED)
        .enumerate()
        .map(|(i, r)| format!("[{}]({})", escape_link_text(&r.label), i + 1))
        .collect();
    if !related.is_empty() {
        s.push_str(" See ");
        s.push_str(&related.join(", "));
        s.push('.');
    }
    s
}

/// SARIF message links are `[text](id)`; brackets in the text would end it early.
fn escape_link_text(s: &str) -> String {
    s.replace('[', "\\[").replace(']', "\\]")
}

fn rule(meta: &RuleMeta) -> SRule {
    let mut tags = vec!["deployment-risk".to_string(), meta.family.clone()];
    if meta.lock.is_some() {
        tags.push("locking".into());
    }
    if meta.rewrites == Some(true) {
        tags.push("table-rewrite".into());
    }
    SRule {
        id: meta.code.clone(),
        name: camel(&meta.slug),
        short_description: Text {
            text: truncate(&meta.title, 1024),
        },
        full_description: Text {
            text: truncate(
                &meta.what.split_whitespace().collect::<Vec<_>>().join(" "),
                1024,
            ),
        },
        help: Help {
            text: crate::docs::help_text(meta),
            markdown: crate::docs::help_markdown(meta),
        },
        help_uri: crate::catalogue::rule_docs_url(&meta.code),
        default_configuration: DefaultConfiguration {
            level: level(meta.severity),
        },
        properties: serde_json::json!({
            "tags": tags,
            "precision": meta.precision.unwrap_or(Precision::High).as_str(),
            "problem.severity": problem_severity(meta.severity),
            "forecast/severity": meta.severity,
            "forecast/weight": meta.weight,
        }),
    }
}

fn result<'a>(f: &'a Finding, index: usize, prefix: &str) -> SResult<'a> {
    SResult {
        rule_id: &f.code,
        rule_index: index,
        level: level(f.severity),
        message: Text {
            text: message_text(f),
        },
        locations: vec![SLocation {
            id: None,
            physical_location: physical(prefix, &f.location),
            message: None,
        }],
        related_locations: f
            .related
            .iter()
            .take(MAX_RELATED)
            .enumerate()
            .map(|(i, r)| SLocation {
                id: Some(i + 1),
                physical_location: physical(prefix, &r.location),
                message: Some(Text {
                    text: r.label.clone(),
                }),
            })
            .collect(),
        partial_fingerprints: serde_json::json!({ "forecastFingerprint/v1": f.fingerprint }),
        properties: serde_json::json!({
            "forecast/severity": f.severity,
            "forecast/risk": (f.risk() * 1000.0).round() / 1000.0,
            "forecast/rollback": f.rollback.steps,
            "forecast/irreversible": f.rollback.irreversible,
        }),
    }
}

/// Render the report as a SARIF log.
pub fn render(report: &Report, opts: &SarifOptions) -> String {
    render_with_limits(report, opts, MAX_RESULTS, MAX_BYTES)
}

/// [`render`] with explicit limits (tests use small ones).
pub fn render_with_limits(
    report: &Report,
    opts: &SarifOptions,
    max_results: usize,
    max_bytes: usize,
) -> String {
    let catalogue = Catalogue::embedded();
    let metas: Vec<&RuleMeta> = catalogue.rules().collect();
    let index_of = |code: &str| metas.iter().position(|m| m.code == code);
    let rules: Vec<SRule> = metas.iter().map(|m| rule(m)).collect();
    // Findings whose rule the catalogue does not know cannot be described; they cannot
    // happen with the embedded catalogue, but a renderer must not panic on them.
    let known: Vec<(usize, &Finding)> = report
        .findings
        .iter()
        .filter_map(|f| index_of(&f.code).map(|i| (i, f)))
        .collect();
    // Keep the most severe when a limit cuts: order by severity, then risk, then position.
    let mut order: Vec<usize> = (0..known.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (known[a].1, known[b].1);
        fb.severity
            .cmp(&fa.severity)
            .then(fb.risk().total_cmp(&fa.risk()))
            .then(a.cmp(&b))
    });
    let mut keep = known.len().min(max_results);
    loop {
        let mut kept: Vec<usize> = order[..keep].to_vec();
        kept.sort_unstable();
        let results: Vec<SResult<'_>> = kept
            .iter()
            .map(|&i| result(known[i].1, known[i].0, &opts.repo_prefix))
            .collect();
        let left_out = known.len() - keep;
        let text = serialise(report, opts, &rules, results, left_out);
        // The raw size bounds the compressed one: only compress when it might matter.
        let size = if text.len() <= max_bytes {
            text.len()
        } else {
            gzipped_len(&text)
        };
        if size <= max_bytes || keep == 0 {
            return text;
        }
        // Shrink in proportion to the excess, by at least one result.
        let ratio = max_bytes as f64 / size as f64;
        keep = ((keep as f64 * ratio * 0.95) as usize).min(keep - 1);
    }
}

fn serialise<'a>(
    report: &'a Report,
    opts: &SarifOptions,
    rules: &'a [SRule],
    results: Vec<SResult<'a>>,
    left_out: usize,
) -> String {
    let mut notifications: Vec<Notification> = report
        .warnings
        .iter()
        .map(|w| Notification {
            level: "warning",
            message: Text {
                text: sentence(&format!("{}: {}", w.path, w.message)),
            },
            locations: if w.path.is_empty() {
                Vec::new()
            } else {
                vec![SLocation {
                    id: None,
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: uri_path(&format!("{}{}", opts.repo_prefix, w.path)),
                            uri_base_id: SRCROOT,
                        },
                        region: None,
                    },
                    message: None,
                }]
            },
        })
        .collect();
    if left_out > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{left_out} less severe results were left out to stay within GitHub's upload limits; `--format json` lists them all."
                ),
            },
            locations: Vec::new(),
        });
    }
    let h = &report.hidden;
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "forecast",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: crate::catalogue::INFORMATION_URL,
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: opts.automation_id.clone(),
            },
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: serde_json::json!({
                SRCROOT: { "description": { "text": "The repository root (the scanned folder when it is not in a git repository)." } }
            }),
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            results,
            properties: serde_json::json!({
                "forecast/score": report.forecast.score,
                "forecast/band": report.forecast.band,
                "forecast/hidden": {
                    "suppressed": h.suppressed,
                    "ignoredByPath": h.ignored_by_path,
                    "baselined": h.baselined,
                },
                "forecast/leftOut": left_out,
            }),
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{LineCol, Span};

    fn loc(sl: usize, sc: usize, el: usize, ec: usize) -> Location {
        Location {
            path: "a b.sql".into(),
            span: Span::new(0, 1),
            start: LineCol {
                line: sl,
                column: sc,
            },
            end: LineCol {
                line: el,
                column: ec,
            },
        }
    }

    #[test]
    fn region_ending_at_a_line_start_ends_on_the_line_before() {
        let r = region(&loc(2, 1, 4, 1));
        assert_eq!((r.end_line, r.end_column), (3, None));
        let r = region(&loc(2, 3, 2, 9));
        assert_eq!((r.end_line, r.end_column), (2, Some(9)));
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_path("db/a b%.sql"), "db/a%20b%25.sql");
        assert_eq!(uri_path("é.sql"), "%C3%A9.sql");
    }

    #[test]
    fn rule_names() {
        assert_eq!(camel("blocking-index-build"), "BlockingIndexBuild");
    }
}
