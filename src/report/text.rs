//! The terminal report: each finding with its source snippet (ariadne, byte-indexed spans),
//! then the forecast, the rollback plan, the checklist and any warnings.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ariadne::{Color, Config, IndexType, Label, ReportKind};

use super::Report;
use crate::finding::{Finding, Severity};

/// Render options.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub color: bool,
}

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Blue,
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, s: &str, c: Color) -> String {
        if self.color {
            use ariadne::Fmt;
            format!("{}", s.fg(c))
        } else {
            s.to_string()
        }
    }

    fn bold(&self, s: &str) -> String {
        if self.color {
            format!("\u{1b}[1m{s}\u{1b}[0m")
        } else {
            s.to_string()
        }
    }
}

/// Render one finding with its snippet. `sources` maps paths to file text.
fn render_finding(f: &Finding, sources: &BTreeMap<&str, &str>, color: bool) -> String {
    let path = f.location.path.as_str();
    let id = f.location.path.clone();
    let Some(text) = sources.get(path) else {
        return format!(
            "{}[{} {}] {}: {}\n  --> {}:{}:{}\n",
            f.severity,
            f.code,
            f.slug,
            f.title,
            f.message,
            path,
            f.location.start.line,
            f.location.start.column
        );
    };
    let color_of = severity_color(f.severity);
    let kind_name: &'static str = match f.severity {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    };
    let span = f.location.span;
    let len = text.len();
    let start = span.start.min(len);
    let end = span.end.clamp(start, len);
    let mut builder = ariadne::Report::build(
        ReportKind::Custom(kind_name, color_of),
        (id.clone(), start..end),
    )
    .with_config(
        Config::default()
            .with_color(color)
            .with_index_type(IndexType::Byte)
            .with_compact(false),
    )
    .with_code(match f.introduced {
        Some(true) => format!("new {} {}", f.code, f.slug),
        _ => format!("{} {}", f.code, f.slug),
    })
    .with_message(&f.message)
    .with_label(
        Label::new((id.clone(), start..end))
            .with_message(&f.label)
            .with_color(color_of),
    );
    let mut extra: Vec<(String, &str)> = Vec::new();
    for r in &f.related {
        if r.location.path == path {
            let rs = r.location.span.start.min(len);
            let re = r.location.span.end.clamp(rs, len);
            builder = builder.with_label(
                Label::new((id.clone(), rs..re))
                    .with_message(&r.label)
                    .with_color(Color::Cyan),
            );
        } else if let Some(t) = sources.get(r.location.path.as_str()) {
            let rs = r.location.span.start.min(t.len());
            let re = r.location.span.end.clamp(rs, t.len());
            builder = builder.with_label(
                Label::new((r.location.path.clone(), rs..re))
                    .with_message(&r.label)
                    .with_color(Color::Cyan),
            );
            extra.push((r.location.path.clone(), t));
        }
    }
    builder = builder.with_note(format!("why: {}", f.why));
    if let Some(m) = &f.migration {
        let version = if m.version.is_empty() {
            String::new()
        } else {
            format!(" {}", m.version)
        };
        let how = if m.transaction.is_empty() {
            m.direction.clone()
        } else {
            format!("{}, {}", m.direction, m.transaction)
        };
        builder = builder.with_note(format!("migration: {}{version} ({how})", m.framework));
    }
    builder = builder.with_help(format!("instead: {}", f.safe_alternative));
    let rollback = if f.rollback.irreversible {
        format!("rollback: IRREVERSIBLE. {}", f.rollback.steps.join(" "))
    } else {
        format!("rollback: {}", f.rollback.steps.join(" "))
    };
    builder = builder.with_note(rollback);
    let mut out = Vec::new();
    let mut cache_items: Vec<(String, &str)> = vec![(id.clone(), text)];
    cache_items.extend(extra);
    cache_items.dedup_by(|a, b| a.0 == b.0);
    let cache = ariadne::sources(cache_items);
    if builder.finish().write(cache, &mut out).is_err() {
        return format!("{}[{}] {}\n", f.severity, f.code, f.message);
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    if color { text } else { strip_ansi(&text) }
}

/// Remove ANSI escape sequences (ariadne colours custom report kinds even when told not to).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for n in chars.by_ref() {
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Render the whole report.
pub fn render(report: &Report, sources: &BTreeMap<&str, &str>, opts: TextOptions) -> String {
    let p = Painter { color: opts.color };
    let mut out = String::new();
    let (notes, findings): (Vec<&Finding>, Vec<&Finding>) = report
        .findings
        .iter()
        .partition(|f| f.severity == Severity::Info);
    for f in &findings {
        out.push_str(&render_finding(f, sources, opts.color));
        out.push('\n');
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "{}", p.bold(&format!("Notes ({})", notes.len())));
        for f in notes.iter().take(50) {
            let _ = writeln!(
                out,
                "  {}{}:{}:{} {} {}: {}",
                if f.introduced == Some(true) {
                    "new "
                } else {
                    ""
                },
                f.location.path,
                f.location.start.line,
                f.location.start.column,
                f.code,
                f.slug,
                f.message
            );
        }
        if notes.len() > 50 {
            let _ = writeln!(
                out,
                "  ... and {} more (see --format json)",
                notes.len() - 50
            );
        }
        out.push('\n');
    }

    let fc = &report.forecast;
    let band_color = match fc.band {
        crate::score::Band::Low => Color::Green,
        crate::score::Band::Moderate => Color::Yellow,
        crate::score::Band::High => Color::Red,
        crate::score::Band::Critical => Color::Magenta,
    };
    let _ = writeln!(
        out,
        "{} {} ({})",
        p.bold("Risk forecast:"),
        p.bold(&format!("{:.1}/100", fc.score)),
        p.paint(fc.band.as_str(), band_color)
    );
    let severities: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|s| {
            report
                .summary
                .findings_by_severity
                .get(s)
                .map(|n| format!("{n} {s}"))
        })
        .collect();
    let counts = if severities.is_empty() {
        String::new()
    } else {
        format!(" ({})", severities.join(", "))
    };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let files = report.summary.files_scanned;
    let migrations = report.summary.migrations_analysed;
    match &report.diff {
        None => {
            let n = report.findings.len();
            let _ = writeln!(
                out,
                "  {n} finding{}{counts}; {files} file{} scanned, {migrations} migration{} analysed",
                plural(n),
                plural(files),
                plural(migrations),
            );
        }
        Some(d) => {
            let changed = d.changed_files.len();
            let _ = writeln!(
                out,
                "  {} new finding{} in {changed} changed file{} ({} pre-existing {}){}",
                d.new_findings,
                plural(d.new_findings),
                plural(changed),
                d.pre_existing_findings,
                if d.all {
                    "shown, not counted"
                } else {
                    "not shown"
                },
                if severities.is_empty() {
                    String::new()
                } else {
                    format!(": {}", severities.join(", "))
                },
            );
            let merge_base = match &d.merge_base {
                Some(m) => format!(" (merge base {})", m.get(..7).unwrap_or(m)),
                None => " (no commits yet: every file is new)".to_string(),
            };
            let head = match d.mode {
                crate::diff::Mode::Commits => format!("`{}`", d.head),
                _ => format!("the {}", d.head),
            };
            let _ = writeln!(
                out,
                "  compared {head} with `{}`{merge_base}; {files} file{} read, {migrations} migration{} analysed",
                d.base,
                plural(files),
                plural(migrations),
            );
        }
    }
    let hidden = &report.hidden;
    if hidden.total() > 0 || hidden.baseline_stale > 0 {
        let mut parts = Vec::new();
        if hidden.suppressed > 0 {
            parts.push(format!(
                "{} by `forecast-ignore` comments",
                hidden.suppressed
            ));
        }
        if hidden.ignored_by_path > 0 {
            parts.push(format!("{} by `per_path_ignores`", hidden.ignored_by_path));
        }
        if hidden.baselined > 0 {
            parts.push(format!(
                "{} by the baseline `{}`",
                hidden.baselined,
                hidden.baseline.as_deref().unwrap_or("")
            ));
        }
        if !parts.is_empty() {
            let _ = writeln!(
                out,
                "  {} hidden: {}",
                if hidden.total() == 1 {
                    "1 finding".to_string()
                } else {
                    format!("{} findings", hidden.total())
                },
                parts.join(", ")
            );
        }
        if hidden.baseline_stale > 0 {
            let _ = writeln!(
                out,
                "  {} baseline entr{} matched nothing (fixed or changed); `forecast baseline write` drops {}",
                hidden.baseline_stale,
                if hidden.baseline_stale == 1 {
                    "y"
                } else {
                    "ies"
                },
                if hidden.baseline_stale == 1 {
                    "it"
                } else {
                    "them"
                }
            );
        }
    }
    let env = &report.summary.env;
    if env.reads > 0 || !env.environments.is_empty() {
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &env.environments {
            *names.entry(e.name.as_str()).or_default() += 1;
        }
        let envs: Vec<String> = names
            .iter()
            .map(|(n, c)| {
                if *c > 1 {
                    format!("{n} ×{c}")
                } else {
                    n.to_string()
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "  env: {} read{} in {} file{}; environments: {}",
            env.reads,
            if env.reads == 1 { "" } else { "s" },
            env.files_with_reads,
            if env.files_with_reads == 1 { "" } else { "s" },
            if envs.is_empty() {
                "none".to_string()
            } else {
                envs.join(", ")
            }
        );
    }
    if !report.summary.migrations_skipped_by_dialect.is_empty() {
        let skipped: Vec<String> = report
            .summary
            .migrations_skipped_by_dialect
            .iter()
            .map(|(d, n)| format!("{n} {d}"))
            .collect();
        let _ = writeln!(
            out,
            "  not analysed (dialect is not {}): {} migrations",
            report.database.dialect,
            skipped.join(", ")
        );
    }
    if !fc.top.is_empty() {
        let _ = writeln!(out, "  top contributors:");
        for c in &fc.top {
            let _ = writeln!(
                out,
                "    {:>5.1}%  {} {}  {}:{}{}",
                c.risk * 100.0,
                c.code,
                c.slug,
                c.path,
                c.line,
                if (c.multiplier - 1.0).abs() > f64::EPSILON {
                    format!("  (weight {} × {})", c.weight, c.multiplier)
                } else {
                    String::new()
                }
            );
        }
    }

    let plan = &report.rollback_plan;
    if !plan.rollback.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold("Rollback plan (run in this order, the reverse of the deploy):")
        );
        const SHOWN: usize = 25;
        for step in plan.rollback.iter().take(SHOWN) {
            let mark = if step.irreversible {
                format!(
                    " {}",
                    p.paint(
                        "[irreversible: take a backup / snapshot before deploying]",
                        Color::Red
                    )
                )
            } else {
                String::new()
            };
            let version = if step.version.is_empty() {
                String::new()
            } else {
                format!(" {}", step.version)
            };
            let _ = writeln!(
                out,
                "  {}. {} ({}{version}): {}{}",
                step.order, step.path, step.framework, step.action, mark
            );
            for c in &step.commands {
                let _ = writeln!(out, "       {c}");
            }
            for n in &step.notes {
                let _ = writeln!(out, "       note: {n}");
            }
        }
    }
    if plan.rollback.len() > 25 {
        let _ = writeln!(
            out,
            "  ... and {} more steps (see --format json)",
            plan.rollback.len() - 25
        );
    }
    if !plan.checklist.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Before you deploy:"));
        for item in plan.checklist.iter().take(30) {
            let _ = writeln!(out, "  [ ] {item}");
        }
        if plan.checklist.len() > 30 {
            let _ = writeln!(
                out,
                "  ... and {} more items (see --format json)",
                plan.checklist.len() - 30
            );
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!("Warnings ({})", report.warnings.len()))
        );
        for w in &report.warnings {
            let _ = writeln!(out, "  {}: {}", w.path, w.message);
        }
    }
    out
}
