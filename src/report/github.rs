//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::error file=…,line=…,endLine=…,title=…::message`), the most severe first, then one
//! `::notice` with the forecast. Chosen automatically, next to the text report, when
//! `GITHUB_ACTIONS=true` and no `--format` is given.
//!
//! Critical and high findings are errors, medium and low warnings, info notices. GitHub shows
//! the first 10 annotations of each level per step on the pull request; every annotation
//! stays in the job log.

use std::fmt::Write as _;

use super::Report;
use crate::finding::{Finding, Severity};

/// Annotations GitHub shows per level and step.
const SHOWN_PER_LEVEL: usize = 10;

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// Escape a message (the data after `::`).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`file=`, `title=`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(f: &Finding, prefix: &str) -> String {
    let (s, e) = (f.location.start, f.location.end);
    // A span that ends at the start of a line ends on the line before.
    let (end_line, end_col) = if e.line > s.line && e.column == 1 {
        (e.line - 1, None)
    } else {
        (e.line.max(s.line), Some(e.column))
    };
    let mut props = format!(
        "file={},line={},endLine={end_line},col={}",
        property(&format!("{prefix}{}", f.location.path)),
        s.line,
        s.column
    );
    if end_line == s.line
        && let Some(c) = end_col
    {
        let _ = write!(props, ",endColumn={}", c.max(s.column));
    }
    let _ = write!(
        props,
        ",title={}",
        property(&format!("{} {} ({})", f.code, f.slug, f.severity))
    );
    let mut body = f.message.clone();
    let rollback = super::rollback_line(f);
    if !rollback.is_empty() {
        let _ = write!(body, "\n\nRollback: {rollback}");
    }
    if !f.safe_alternative.is_empty() {
        let _ = write!(body, "\nInstead: {}", f.safe_alternative);
    }
    format!("::{} {props}::{}\n", command(f.severity), data(&body))
}

/// Render workflow commands. `prefix` is the scanned root inside the repository: GitHub
/// resolves `file=` from the repository root.
pub fn render(report: &Report, prefix: &str) -> String {
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    // Stable: within a severity, the report's order (path, position).
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut out = String::new();
    for f in &findings {
        out.push_str(&annotation(f, prefix));
    }
    let fc = &report.forecast;
    let mut summary = format!(
        "Deploy forecast {:.1}/100 ({}): {} finding{}",
        fc.score,
        fc.band.as_str(),
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" }
    );
    let hidden = report.hidden.total();
    if hidden > 0 {
        let _ = write!(summary, ", {hidden} hidden by suppressions or the baseline");
    }
    let over: Vec<String> = ["error", "warning", "notice"]
        .iter()
        .filter_map(|level| {
            let n = findings
                .iter()
                .filter(|f| command(f.severity) == *level)
                .count();
            (n > SHOWN_PER_LEVEL).then(|| format!("{n} {level}s"))
        })
        .collect();
    if !over.is_empty() {
        let _ = write!(
            summary,
            ". GitHub shows the first {SHOWN_PER_LEVEL} annotations of each level on the pull request; all {} are in this log",
            over.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "::notice title={}::{}",
        property("forecast"),
        data(&summary)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
