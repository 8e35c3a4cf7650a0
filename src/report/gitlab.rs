//! `--format gitlab`: a GitLab Code Quality report (the Code Climate issue format GitLab
//! reads from `artifacts: reports: codequality`). One issue per finding: `check_name` is the
//! rule, `fingerprint` forecast's own (stable across line shifts), severity mapped to GitLab's
//! scale (info → info, low → minor, medium → major, high → critical, critical → blocker).

use serde::Serialize;

use super::Report;
use crate::finding::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: String,
    description: String,
    content: Content,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: &'a str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Low => "minor",
        Severity::Medium => "major",
        Severity::High => "critical",
        Severity::Critical => "blocker",
    }
}

/// Render the report as a Code Quality JSON array. `prefix` is the scanned root inside the
/// repository: GitLab resolves paths from the repository root.
pub fn render(report: &Report, prefix: &str) -> String {
    let issues: Vec<Issue<'_>> = report
        .findings
        .iter()
        .map(|f| {
            let (s, e) = (f.location.start, f.location.end);
            let end = if e.line > s.line && e.column == 1 {
                e.line - 1
            } else {
                e.line.max(s.line)
            };
            let body = format!(
                "**Why:** {}\n\n**Instead:** {}\n\n**Rollback:** {}",
                f.why,
                f.safe_alternative,
                super::rollback_line(f)
            );
            Issue {
                kind: "issue",
                check_name: format!("{} {}", f.code, f.slug),
                description: format!("{}: {}", f.code, f.message),
                content: Content { body },
                categories: ["Bug Risk"],
                severity: severity(f.severity),
                fingerprint: &f.fingerprint,
                location: IssueLocation {
                    path: format!("{prefix}{}", f.location.path),
                    lines: Lines { begin: s.line, end },
                },
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
