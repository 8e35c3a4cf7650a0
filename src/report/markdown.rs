//! `--format markdown`: the report as a pull-request comment.
//!
//! The forecast score and band first, then a table of findings (new ones first, then by
//! severity), the rollback plan, the pre-deploy checklist, and one collapsed `<details>` block
//! per finding. The comment opens with an HTML marker (`<!-- forecast:report -->`) so a bot can
//! find and update its own comment.
//!
//! GitHub refuses comments over 65,536 characters: the renderer keeps the whole comment under
//! [`MAX_CHARS`], cutting table rows, plan steps and details from the end and saying how many
//! it left out.

use std::fmt::Write as _;

use super::Report;
use crate::finding::{Finding, Severity};
use crate::score::Band;

/// GitHub's comment limit, in characters.
pub const MAX_CHARS: usize = 65_536;

/// The first line of every comment, for bots that update their own comment.
pub const MARKER: &str = "<!-- forecast:report -->";

fn severity_icon(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🔴",
        Severity::High => "🟠",
        Severity::Medium => "🟡",
        Severity::Low => "🔵",
        Severity::Info => "⚪",
    }
}

fn band_icon(b: Band) -> &'static str {
    match b {
        Band::Low => "🟢",
        Band::Moderate => "🟡",
        Band::High => "🟠",
        Band::Critical => "🔴",
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Escape text for Markdown outside code spans: `<` and `>` (GitHub drops unknown HTML tags
/// such as `<constant>`), and `|` when the text sits in a table cell. Code spans are kept as
/// they are, except `|` in tables, which GFM needs escaped even there.
fn inline(s: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '|' if in_table => out.push_str("\\|"),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '\n' | '\r' if in_table => out.push(' '),
            _ => out.push(c),
        }
    }
    // An unbalanced backtick would swallow the rest of the cell.
    if in_code {
        out.push('`');
    }
    out
}

/// A fenced code block whose fence no line inside can close.
fn code_block(lang: &str, lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{lang}\n{}\n{fence}\n", lines.join("\n"))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn code_like(step: &str) -> bool {
    let t = step.trim();
    t.ends_with(';') || t.starts_with("--")
}

/// Does a safe alternative open with SQL (`CREATE INDEX CONCURRENTLY ...;`)?
fn sql_like(s: &str) -> bool {
    let first = s.split_whitespace().next().unwrap_or("");
    first.len() >= 3 && first.chars().all(|c| c.is_ascii_uppercase()) && s.contains(';')
}

/// The heading and the summary lines.
fn head(report: &Report) -> String {
    let fc = &report.forecast;
    let mut s = String::new();
    let _ = writeln!(s, "{MARKER}");
    let _ = writeln!(
        s,
        "## {} Deploy forecast: {:.1}/100 ({})\n",
        band_icon(fc.band),
        fc.score,
        fc.band.as_str()
    );
    let sum = &report.summary;
    let scope = format!(
        "{} scanned, {} analysed",
        plural(sum.files_scanned, "file", "files"),
        plural(sum.migrations_analysed, "migration", "migrations")
    );
    if report.findings.is_empty() {
        let _ = writeln!(s, "No deployment risk found ({scope}).");
    } else {
        let counts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|sev| {
                sum.findings_by_severity
                    .get(sev)
                    .map(|n| format!("{n} {sev}"))
            })
            .collect();
        let _ = writeln!(
            s,
            "**{}** ({}); {scope}.",
            plural(report.findings.len(), "finding", "findings"),
            counts.join(", ")
        );
    }
    let h = &report.hidden;
    let mut hidden = Vec::new();
    if h.suppressed > 0 {
        hidden.push(format!("{} by `forecast-ignore` comments", h.suppressed));
    }
    if h.baselined > 0 {
        hidden.push(format!("{} by the baseline", h.baselined));
    }
    if h.ignored_by_path > 0 {
        hidden.push(format!("{} by `per_path_ignores`", h.ignored_by_path));
    }
    if !hidden.is_empty() {
        let _ = writeln!(
            s,
            "\n{} hidden: {}.",
            plural(h.total(), "finding", "findings"),
            hidden.join(", ")
        );
    }
    s
}

/// Findings in comment order: new ones first (when the report knows), then by severity, then
/// as the report sorts them (path, position).
fn ordered(report: &Report) -> Vec<&Finding> {
    let mut v: Vec<(usize, &Finding)> = report.findings.iter().enumerate().collect();
    v.sort_by(|(ia, a), (ib, b)| {
        let new_a = super::introduced(a) == Some(true);
        let new_b = super::introduced(b) == Some(true);
        new_b
            .cmp(&new_a)
            .then(b.severity.cmp(&a.severity))
            .then(ia.cmp(ib))
    });
    v.into_iter().map(|(_, f)| f).collect()
}

fn row(f: &Finding, show_new: bool) -> String {
    let new = match (show_new, super::introduced(f)) {
        (false, _) => String::new(),
        (true, Some(true)) => "🆕 | ".into(),
        (true, _) => " | ".into(),
    };
    format!(
        "| {new}{} {} | `{}` {} | `{}:{}` | {} |\n",
        severity_icon(f.severity),
        f.severity,
        f.code,
        f.slug,
        inline(&f.location.path, true),
        f.location.start.line,
        inline(&f.message, true)
    )
}

fn details(f: &Finding) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<details>\n<summary>{} <b>{}</b> {} at <code>{}:{}</code></summary>\n",
        severity_icon(f.severity),
        f.code,
        f.slug,
        inline(&f.location.path, false),
        f.location.start.line
    );
    let _ = writeln!(s, "{}\n", inline(&f.message, false));
    for r in &f.related {
        let _ = writeln!(
            s,
            "- {}: `{}:{}`",
            inline(&r.label, false),
            inline(&r.location.path, false),
            r.location.start.line
        );
    }
    if !f.related.is_empty() {
        s.push('\n');
    }
    let _ = writeln!(s, "**Why:** {}\n", inline(&f.why, false));
    if sql_like(&f.safe_alternative) {
        let _ = writeln!(
            s,
            "**Instead:**\n\n{}",
            code_block("sql", &[f.safe_alternative.trim().to_string()])
        );
    } else {
        let _ = writeln!(s, "**Instead:** {}\n", inline(&f.safe_alternative, false));
    }
    let label = if f.rollback.irreversible {
        "**Rollback (irreversible: take a backup before deploying):**"
    } else {
        "**Rollback:**"
    };
    if !f.rollback.steps.is_empty() && f.rollback.steps.iter().all(|s| code_like(s)) {
        let _ = writeln!(s, "{label}\n\n{}", code_block("sql", &f.rollback.steps));
    } else {
        let _ = writeln!(
            s,
            "**Rollback:** {}\n",
            inline(&super::rollback_line(f), false)
        );
    }
    let _ = writeln!(
        s,
        "<sub>[{} docs]({}) · fingerprint `{}`</sub>\n\n</details>\n",
        f.code,
        crate::catalogue::rule_docs_url(&f.code),
        f.fingerprint
    );
    s
}

fn plan_steps(report: &Report) -> Vec<String> {
    report
        .rollback_plan
        .rollback
        .iter()
        .map(|step| {
            let mut s = String::new();
            let version = if step.version.is_empty() {
                String::new()
            } else {
                format!(" {}", step.version)
            };
            let mark = if step.irreversible {
                " **Irreversible: take a backup or snapshot before deploying.**"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "{}. `{}` ({}{version}): {}.{mark}",
                step.order,
                inline(&step.path, false),
                step.framework,
                inline(step.action.trim_end_matches('.'), false)
            );
            if !step.commands.is_empty() {
                let block = code_block("sql", &step.commands);
                for line in block.lines() {
                    let _ = writeln!(s, "   {line}");
                }
            }
            for n in &step.notes {
                let _ = writeln!(s, "   - {}", inline(n, false));
            }
            s
        })
        .collect()
}

/// Render the report as a pull-request comment of at most [`MAX_CHARS`] characters.
pub fn render(report: &Report) -> String {
    render_with_limit(report, MAX_CHARS)
}

/// [`render`] with another limit (tests use small ones).
pub fn render_with_limit(report: &Report, limit: usize) -> String {
    let head = head(report);
    let footer = format!(
        "\n<sub>forecast {}. Silence a finding that does not apply with a `forecast-ignore CODE: reason` comment on the line before it.</sub>\n",
        env!("CARGO_PKG_VERSION")
    );
    // Room for the "N more" lines truncation adds.
    let reserve = 400;
    let mut budget = limit.saturating_sub(chars(&head) + chars(&footer) + reserve);

    // The rollback plan and checklist get up to a third of the room; the table what it needs
    // of the rest; details what is left.
    let mut plan = String::new();
    let steps = plan_steps(report);
    if !steps.is_empty() {
        let mut part = String::from(
            "\n### Rollback plan\n\nRun in this order, the reverse of the deploy:\n\n",
        );
        let cap = budget / 3;
        let mut shown = 0;
        for st in &steps {
            if chars(&part) + chars(st) > cap {
                break;
            }
            part.push_str(st);
            shown += 1;
        }
        if shown < steps.len() {
            let _ = writeln!(
                part,
                "\n… and {} more steps: see `forecast --format text` or `--format json`.",
                steps.len() - shown
            );
        }
        plan.push_str(&part);
    }
    let checklist = &report.rollback_plan.checklist;
    if !checklist.is_empty() {
        let mut part = String::from("\n### Before you deploy\n\n");
        let cap = (budget / 3).saturating_sub(chars(&plan));
        let mut shown = 0;
        for item in checklist {
            let line = format!("- [ ] {}\n", inline(item, false));
            if chars(&part) + chars(&line) > cap.max(200) {
                break;
            }
            part.push_str(&line);
            shown += 1;
        }
        if shown < checklist.len() {
            let _ = writeln!(part, "- … and {} more", checklist.len() - shown);
        }
        plan.push_str(&part);
    }
    budget = budget.saturating_sub(chars(&plan));

    let findings = ordered(report);
    let show_new = findings.iter().any(|f| super::introduced(f).is_some());
    let mut table = String::new();
    let mut rows_shown = 0;
    if !findings.is_empty() {
        table.push('\n');
        if show_new {
            table.push_str(
                "| new | severity | rule | where | finding |\n| --- | --- | --- | --- | --- |\n",
            );
        } else {
            table.push_str("| severity | rule | where | finding |\n| --- | --- | --- | --- |\n");
        }
        for f in &findings {
            let r = row(f, show_new);
            if chars(&table) + chars(&r) > budget {
                break;
            }
            table.push_str(&r);
            rows_shown += 1;
        }
        if rows_shown < findings.len() {
            let _ = writeln!(
                table,
                "\n… and {} more findings not shown: the comment would pass GitHub's size limit. See the job log or `--format sarif`.",
                findings.len() - rows_shown
            );
        }
    }
    budget = budget.saturating_sub(chars(&table));

    let mut det = String::new();
    if rows_shown > 0 {
        let mut part = String::from("\n### Details\n\n");
        let mut shown = 0;
        for f in findings.iter().take(rows_shown) {
            let d = details(f);
            if chars(&part) + chars(&d) > budget {
                break;
            }
            part.push_str(&d);
            shown += 1;
        }
        if shown < findings.len() {
            let _ = writeln!(
                part,
                "… details of {} more findings not shown.",
                findings.len() - shown
            );
        }
        if shown > 0 || rows_shown < findings.len() {
            det = part;
        }
    }

    let mut warn = String::new();
    if !report.warnings.is_empty() {
        let mut part = format!(
            "\n<details>\n<summary>⚠️ {} not analysed</summary>\n\n",
            plural(report.warnings.len(), "file", "files")
        );
        let room = limit.saturating_sub(
            chars(&head) + chars(&table) + chars(&plan) + chars(&det) + chars(&footer) + 200,
        );
        let mut shown = 0;
        for w in &report.warnings {
            let line = format!(
                "- `{}`: {}\n",
                inline(&w.path, false),
                inline(&w.message, false)
            );
            if chars(&part) + chars(&line) > room {
                break;
            }
            part.push_str(&line);
            shown += 1;
        }
        if shown < report.warnings.len() {
            let _ = writeln!(part, "- … and {} more", report.warnings.len() - shown);
        }
        part.push_str("\n</details>\n");
        if chars(&part) <= room + 100 {
            warn = part;
        }
    }

    let mut out = String::with_capacity(head.len() + table.len() + plan.len() + det.len());
    out.push_str(&head);
    out.push_str(&table);
    out.push_str(&plan);
    out.push_str(&det);
    out.push_str(&warn);
    out.push_str(&footer);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_and_pipes_outside_code() {
        assert_eq!(
            inline("DEFAULT <constant> | `a|b <c>`", true),
            "DEFAULT &lt;constant&gt; \\| `a\\|b <c>`"
        );
        assert_eq!(inline("odd ` tick", false), "odd ` tick`");
    }

    #[test]
    fn fences_outgrow_backticks_inside() {
        let b = code_block("sql", &["SELECT '```';".to_string()]);
        assert!(b.starts_with("````sql\n"), "{b}");
    }
}
