//! The check stage: replay every migration timeline statement by statement, run the rules,
//! and turn their drafts into findings. [`manifests`] does the same for manifest rules.

pub mod manifests;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::catalogue::{Catalogue, Scope};
use crate::config::Config;
use crate::finding::{Finding, Location, MigrationRef, Related, Rollback, fingerprint};
use crate::model::inverse::{Inverse, inverse};
use crate::model::migrations::{Migration, ParsedFile, Part, Timeline, TxMode};
use crate::model::schema::{NewObjects, Schema};
use crate::parse::sql::{Op, Statement};
use crate::rules::{Draft, MigrationCtx, PartKind, RollbackSource, Rule, StmtCtx, TxState};

/// Dialects whose migrations the PostgreSQL rules apply to.
pub fn analysed_dialect(d: Option<&str>) -> bool {
    matches!(d, None | Some("postgres"))
}

/// What undoing one migration takes, for the rollback plan.
#[derive(Debug, Clone)]
pub struct MigrationUndo {
    pub timeline: String,
    pub path: String,
    pub framework: crate::classify::Framework,
    pub version: String,
    /// The folder that holds the migration (for the runner's command line).
    pub dir: String,
    pub has_down: bool,
    /// Inverse SQL for the up statements, in the order to run them.
    pub steps: Vec<String>,
    /// Why parts of it cannot be undone.
    pub irreversible: Vec<String>,
    /// Steps forecast cannot write.
    pub manual: Vec<String>,
}

/// The check stage's output.
#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// Every analysed migration, in deploy order per timeline.
    pub undo: Vec<MigrationUndo>,
    pub migrations_analysed: usize,
    pub migrations_skipped_dialect: BTreeMap<String, usize>,
}

/// The folder the runner is pointed at: the up file's folder, or for frameworks with one
/// folder per migration (diesel, Prisma), the folder above.
fn migration_dir(m: &Migration, files: &[ParsedFile]) -> String {
    use crate::classify::{Framework, parent_dir};
    let path = m.display_file(files);
    let dir = parent_dir(path);
    match m.framework {
        Framework::Diesel | Framework::Prisma => parent_dir(dir).to_string(),
        _ => dir.to_string(),
    }
}

/// The name part of a migration unit: `dir/20200810_flow_rename.postgres` → `flow_rename`.
fn migration_name(unit: &str) -> &str {
    let file = unit.rsplit('/').next().unwrap_or(unit);
    let stem = file.split('.').next().unwrap_or(file);
    let rest =
        stem.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == 'V' || c == 'v');
    rest.trim_start_matches(['_', '-', '.'])
}

/// The migrations a change adds (diff mode). None of them has run yet, so a table one of
/// them creates is empty for all that follow: they share one [`NewObjects`], in deploy order.
#[derive(Debug, Clone, Default)]
pub struct Release {
    /// Indexes of the parsed files the change adds.
    pub new_files: std::collections::BTreeSet<usize>,
}

impl Release {
    /// Is `m` one of the migrations the change adds?
    pub fn contains(&self, m: &Migration) -> bool {
        m.up.as_ref()
            .or(m.down.as_ref())
            .is_some_and(|p| self.new_files.contains(&p.file))
    }

    /// Per timeline, the indexes of the migrations the change adds, in deploy order; empty
    /// for timelines whose dialect is not analysed.
    pub fn per_timeline(&self, timelines: &[Timeline]) -> Vec<Vec<usize>> {
        timelines
            .iter()
            .map(|t| {
                let analysed = analysed_dialect(t.migrations.first().and_then(|m| m.dialect));
                t.migrations
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| analysed && self.contains(m))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect()
    }
}

struct Replay<'a> {
    files: &'a [ParsedFile],
    config: &'a Config,
    rules: &'a [&'static dyn Rule],
    release: &'a Release,
}

fn tx_states(part: &Part, stmts: &[&Statement]) -> Vec<TxState> {
    let executable = stmts
        .iter()
        .filter(|s| !matches!(s.op, Op::Begin | Op::Commit | Op::Rollback))
        .count();
    let mut state = match part.tx {
        TxMode::Runner => TxState::Runner,
        TxMode::Implicit if executable > 1 => TxState::Implicit,
        _ => TxState::None,
    };
    let mut out = Vec::with_capacity(stmts.len());
    for s in stmts {
        match s.op {
            Op::Begin => {
                if state == TxState::None {
                    state = TxState::Explicit;
                }
                out.push(state);
            }
            Op::Commit | Op::Rollback => {
                out.push(state);
                state = match state {
                    TxState::Implicit => TxState::Implicit,
                    _ => TxState::None,
                };
            }
            _ => out.push(state),
        }
    }
    out
}

fn lock_timeout_value_active(value: &str) -> bool {
    let v = value
        .trim()
        .trim_matches('\'')
        .trim_matches('"')
        .to_ascii_lowercase();
    !(v.is_empty() || v == "0" || v == "default" || v == "0s" || v == "0ms")
}

impl<'a> Replay<'a> {
    /// Replay one part, calling statement rules. Returns the inverses of its statements.
    #[allow(clippy::too_many_arguments)]
    fn part(
        &self,
        migration: &Migration,
        part: &Part,
        kind: PartKind,
        schema: &mut Schema,
        new: &mut NewObjects,
        drafts: &mut Vec<(Draft, PartKind)>,
    ) -> Vec<(usize, Inverse)> {
        let file = &self.files[part.file];
        let stmts: Vec<&Statement> = part
            .statements
            .iter()
            .filter_map(|&i| file.sql.statements.get(i))
            .collect();
        let tx = tx_states(part, &stmts);
        let mut lt_session = false;
        let mut lt_local = false;
        let mut inverses = Vec::with_capacity(stmts.len());
        for (i, stmt) in stmts.iter().enumerate() {
            let cx = StmtCtx {
                files: self.files,
                migration,
                part,
                kind,
                stmt,
                index: i,
                stmts: &stmts,
                tx: &tx,
                lock_timeout: lt_session || lt_local,
                schema,
                new,
                config: self.config,
            };
            let inv = inverse(stmt, schema);
            let mut out = Vec::new();
            for rule in self.rules {
                rule.check_statement(&cx, &mut out);
            }
            drafts.extend(out.into_iter().map(|mut d| {
                d.tx.get_or_insert(tx[i]);
                if matches!(d.rollback, RollbackSource::Statement) {
                    d.rollback = RollbackSource::Custom(rollback_of(&inv, kind));
                }
                (d, kind)
            }));
            inverses.push((i, inv));
            match &stmt.op {
                Op::Set { name, value, local } if name == "lock_timeout" => {
                    let active = lock_timeout_value_active(value);
                    if *local {
                        if tx[i].in_transaction() {
                            lt_local = active;
                        }
                    } else {
                        lt_session = active;
                    }
                }
                Op::Commit | Op::Rollback => lt_local = false,
                _ => {}
            }
            schema.apply(&stmt.op);
            new.record(&stmt.op);
        }
        inverses
    }

    /// Down statements of the migrations next to `mi` that carry the same name.
    fn sibling_downs(&self, timeline: &'a Timeline, mi: usize) -> Vec<&'a Statement> {
        let name = migration_name(&timeline.migrations[mi].unit);
        if name.is_empty() {
            return Vec::new();
        }
        let same = |m: &Migration| migration_name(&m.unit) == name;
        let ms = &timeline.migrations;
        let mut lo = mi;
        while lo > 0 && same(&ms[lo - 1]) {
            lo -= 1;
        }
        let mut hi = mi;
        while hi + 1 < ms.len() && same(&ms[hi + 1]) {
            hi += 1;
        }
        (lo..=hi)
            .filter(|&i| i != mi)
            .filter_map(|i| ms[i].down.as_ref())
            .flat_map(|p| {
                p.statements
                    .iter()
                    .filter_map(|&i| self.files[p.file].sql.statements.get(i))
            })
            .collect()
    }

    fn timeline(
        &self,
        timeline: &'a Timeline,
    ) -> (Vec<(Draft, PartKind, usize)>, Vec<MigrationUndo>) {
        let mut schema = Schema::default();
        let mut drafts = Vec::new();
        let mut undo = Vec::new();
        let mut release_new = NewObjects::default();
        for (mi, m) in timeline.migrations.iter().enumerate() {
            let mut part_drafts = Vec::new();
            let mut up_inverses = Vec::new();
            if let Some(up) = &m.up {
                let mut own = NewObjects::default();
                let new = if self.release.contains(m) {
                    &mut release_new
                } else {
                    &mut own
                };
                up_inverses = self.part(m, up, PartKind::Up, &mut schema, new, &mut part_drafts);
            }
            if let Some(down) = &m.down {
                // The down runs against the schema the up left; it does not change the
                // timeline's schema.
                let mut scratch = schema.clone();
                let mut new = NewObjects::default();
                self.part(
                    m,
                    down,
                    PartKind::Down,
                    &mut scratch,
                    &mut new,
                    &mut part_drafts,
                );
            }
            let up_stmts: Vec<&Statement> =
                m.up.as_ref()
                    .map(|p| {
                        p.statements
                            .iter()
                            .filter_map(|&i| self.files[p.file].sql.statements.get(i))
                            .collect()
                    })
                    .unwrap_or_default();
            let down_stmts: Vec<&Statement> = m
                .down
                .as_ref()
                .map(|p| {
                    p.statements
                        .iter()
                        .filter_map(|&i| self.files[p.file].sql.statements.get(i))
                        .collect()
                })
                .unwrap_or_default();
            let mcx = MigrationCtx {
                files: self.files,
                migration: m,
                up: up_stmts
                    .iter()
                    .zip(up_inverses.iter())
                    .map(|(s, (_, inv))| (*s, inv.clone()))
                    .collect(),
                down: down_stmts,
                sibling_downs: self.sibling_downs(timeline, mi),
                config: self.config,
            };
            for rule in self.rules {
                let mut out = Vec::new();
                rule.check_migration(&mcx, &mut out);
                part_drafts.extend(out.into_iter().map(|d| (d, PartKind::Up)));
            }
            drafts.extend(part_drafts.into_iter().map(|(d, k)| (d, k, mi)));

            let mut steps = Vec::new();
            let mut irreversible = Vec::new();
            let mut manual = Vec::new();
            for (_, inv) in up_inverses.iter().rev() {
                match inv {
                    Inverse::Steps(s) => steps.extend(s.iter().map(|u| u.to_sql())),
                    Inverse::Irreversible(why) => irreversible.push(why.clone()),
                    Inverse::Manual(what) => manual.push(what.clone()),
                    Inverse::Nothing => {}
                }
            }
            undo.push(MigrationUndo {
                timeline: timeline.key.clone(),
                path: m.display_file(self.files).to_string(),
                framework: m.framework,
                version: m.version.text.clone(),
                dir: migration_dir(m, self.files),
                has_down: m.down.as_ref().is_some_and(|d| !d.statements.is_empty()),
                steps,
                irreversible,
                manual,
            });
        }
        (drafts, undo)
    }
}

/// Run every enabled rule over every analysed timeline.
pub fn check(files: &[ParsedFile], timelines: &[Timeline], config: &Config) -> Checked {
    check_release(files, timelines, config, &Release::default())
}

/// [`check`], for a change that adds the migrations in `release` (diff mode).
pub fn check_release(
    files: &[ParsedFile],
    timelines: &[Timeline],
    config: &Config,
    release: &Release,
) -> Checked {
    let catalogue = Catalogue::embedded();
    let rules: Vec<&'static dyn Rule> = crate::rules::registry()
        .into_iter()
        .filter(|r| config.rule_enabled(r.code()))
        .collect();
    let replay = Replay {
        files,
        config,
        rules: &rules,
        release,
    };
    let mut checked = Checked::default();
    let analysed: Vec<&Timeline> = timelines
        .iter()
        .filter(|t| {
            let d = t.migrations.first().and_then(|m| m.dialect);
            analysed_dialect(d)
        })
        .collect();
    for t in timelines {
        for m in &t.migrations {
            if !analysed_dialect(m.dialect) {
                *checked
                    .migrations_skipped_dialect
                    .entry(m.dialect.unwrap_or("unknown").to_string())
                    .or_default() += 1;
            }
        }
    }
    let results: Vec<_> = analysed
        .par_iter()
        .map(|t| (t, replay.timeline(t)))
        .collect();
    for (t, (drafts, undo)) in results {
        checked.migrations_analysed += t.migrations.len();
        for (draft, kind, mi) in drafts {
            if let Some(f) = to_finding(files, &t.migrations[mi], draft, kind, catalogue, config) {
                checked.findings.push(f);
            }
        }
        checked.undo.extend(undo);
    }
    finalize(&mut checked.findings);
    checked
}

/// Sort findings deterministically and number identical fingerprints apart.
pub fn finalize(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.location.path, a.location.span.start, &a.code, &a.message).cmp(&(
            &b.location.path,
            b.location.span.start,
            &b.code,
            &b.message,
        ))
    });
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings.iter_mut() {
        let n = seen.entry(f.fingerprint.clone()).or_default();
        if *n > 0 {
            f.fingerprint = fingerprint(&f.code, &f.location.path, &f.fingerprint, *n);
        }
        *n += 1;
    }
}

/// A finding location in a source file.
pub fn source_location(source: &crate::source::SourceFile, span: crate::span::Span) -> Location {
    Location {
        path: source.path.clone(),
        span,
        start: source.line_col(span.start),
        end: source.line_col(span.end),
    }
}

fn fill(template: &str, vars: &BTreeMap<&'static str, String>) -> String {
    let mut s = template.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

fn to_finding(
    files: &[ParsedFile],
    migration: &Migration,
    draft: Draft,
    kind: PartKind,
    catalogue: &Catalogue,
    config: &Config,
) -> Option<Finding> {
    let meta = catalogue.get(draft.code)?;
    if kind == PartKind::Down && meta.scope == Some(Scope::Up) {
        return None;
    }
    let file = files.get(draft.file)?;
    let mut multiplier = 1.0;
    let mut reasons = Vec::new();
    if kind == PartKind::Down {
        multiplier *= 0.5;
        reasons.push("down migration: runs only on rollback (×0.5)".to_string());
    }
    if meta.size_sensitive
        && let Some(t) = &draft.table
        && let Some(rows) = config.table_rows(t.schema.as_deref(), &t.name)
    {
        let (m, why) = size_multiplier(rows);
        multiplier *= m;
        reasons.push(format!(
            "{} has about {rows} rows: {why} (×{m})",
            t.qualified()
        ));
    }
    let (direction, part) = match kind {
        PartKind::Up => ("up", migration.up.as_ref()),
        PartKind::Down => ("down", migration.down.as_ref()),
    };
    let migration_ref = MigrationRef {
        framework: migration.framework.name().to_string(),
        version: migration.version.text.clone(),
        direction: direction.to_string(),
        transaction: match draft.tx {
            Some(t) => t.describe().to_string(),
            None => part.map(|p| tx_label(p.tx)).unwrap_or("").to_string(),
        },
    };
    let related = draft
        .related
        .iter()
        .filter_map(|(f, span, label)| files.get(*f).map(|pf| (&pf.source, *span, label.clone())))
        .collect();
    Some(make_finding(
        FindingParts {
            meta,
            source: &file.source,
            span: draft.span,
            message: draft.message,
            label: draft.label,
            related,
            safe_alternative: draft.safe_alternative,
            rollback: match draft.rollback {
                RollbackSource::Custom(r) => r,
                RollbackSource::Statement => Rollback::default(),
            },
            vars: draft.vars,
            multiplier,
            multiplier_reasons: reasons,
            migration: Some(migration_ref),
        },
        config,
    ))
}

/// Everything needed to make a [`Finding`] for any rule family.
pub struct FindingParts<'a> {
    pub meta: &'a crate::catalogue::RuleMeta,
    pub source: &'a crate::source::SourceFile,
    pub span: crate::span::Span,
    pub message: String,
    pub label: String,
    pub related: Vec<(&'a crate::source::SourceFile, crate::span::Span, String)>,
    /// `None`: the first paragraph of the catalogue's `use_instead`.
    pub safe_alternative: Option<String>,
    pub rollback: Rollback,
    /// Values for the catalogue's templates (`{table}`, `{column}`, ...).
    pub vars: BTreeMap<&'static str, String>,
    pub multiplier: f64,
    pub multiplier_reasons: Vec<String>,
    pub migration: Option<MigrationRef>,
}

/// Turn a rule's report into a finding: locations, catalogue text, severity override,
/// checklist item and fingerprint. Every family goes through here.
pub fn make_finding(p: FindingParts<'_>, config: &Config) -> Finding {
    let meta = p.meta;
    let loc = source_location(p.source, p.span);
    let primary_text = p.source.slice(p.span).to_string();
    let mut vars = p.vars;
    vars.insert("path", loc.path.clone());
    vars.insert("line", loc.start.line.to_string());
    let checklist = meta
        .checklist
        .as_deref()
        .map(|t| fill(t, &vars))
        .filter(|t| !t.contains('{'));
    let severity = config
        .rules
        .severity
        .get(&meta.code)
        .copied()
        .unwrap_or(meta.severity);
    let mut why = meta.why_summary();
    let lock = meta.lock_sentence();
    if !lock.is_empty() {
        why = format!("{}. {why}", capitalise(&lock));
    }
    let related = p
        .related
        .into_iter()
        .map(|(src, span, label)| Related {
            location: source_location(src, span),
            label,
        })
        .collect();
    Finding {
        code: meta.code.clone(),
        slug: meta.slug.clone(),
        severity,
        title: meta.title.clone(),
        message: p.message,
        location: loc.clone(),
        label: p.label,
        related,
        why,
        lock: meta.lock.clone(),
        blocks: meta.blocks.clone(),
        rewrites: meta.rewrites.unwrap_or(false),
        safe_alternative: p
            .safe_alternative
            .unwrap_or_else(|| fill(meta.use_instead.split("\n\n").next().unwrap_or(""), &vars)),
        rollback: p.rollback,
        checklist,
        migration: p.migration,
        fingerprint: fingerprint(&meta.code, &loc.path, &primary_text, 0),
        weight: meta.weight,
        multiplier: p.multiplier,
        multiplier_reasons: p.multiplier_reasons,
        introduced: None,
    }
}

fn tx_label(tx: TxMode) -> &'static str {
    match tx {
        TxMode::Runner => "runner transaction",
        TxMode::Implicit => "implicit transaction",
        TxMode::None => "no transaction",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Table size multiplier (see docs/scoring.md).
pub fn size_multiplier(rows: u64) -> (f64, &'static str) {
    match rows {
        0..=9_999 => (0.5, "small table"),
        10_000..=999_999 => (1.0, "medium table"),
        1_000_000..=9_999_999 => (1.5, "large table"),
        _ => (2.0, "very large table"),
    }
}

/// The rollback of one flagged statement, from its inverse.
fn rollback_of(inv: &Inverse, kind: PartKind) -> Rollback {
    if kind == PartKind::Down {
        return Rollback {
            steps: vec!["Re-run the up migration after the rollback.".into()],
            irreversible: false,
        };
    }
    match inv {
        Inverse::Steps(s) => Rollback {
            steps: s.iter().map(|u| u.to_sql()).collect(),
            irreversible: false,
        },
        Inverse::Irreversible(why) => Rollback {
            steps: vec![format!(
                "Irreversible: {why}. Restore from a backup taken before the deploy."
            )],
            irreversible: true,
        },
        Inverse::Manual(what) => Rollback {
            steps: vec![capitalise(what) + "."],
            irreversible: false,
        },
        Inverse::Nothing => Rollback {
            steps: vec!["Nothing to undo.".into()],
            irreversible: false,
        },
    }
}

/// Run the history rules (family H) over a diff-mode run's facts. Every finding they make
/// is introduced by the change.
pub fn check_history(cx: &crate::rules::history::HistoryCtx<'_>) -> Vec<Finding> {
    let catalogue = Catalogue::embedded();
    let mut out = Vec::new();
    for rule in crate::rules::registry()
        .into_iter()
        .filter(|r| cx.config.rule_enabled(r.code()))
    {
        let mut drafts = Vec::new();
        rule.check_history(cx, &mut drafts);
        out.extend(
            drafts
                .into_iter()
                .filter_map(|d| history_finding(cx, d, catalogue)),
        );
    }
    out
}

fn history_finding(
    cx: &crate::rules::history::HistoryCtx<'_>,
    d: crate::rules::history::HistoryDraft,
    catalogue: &Catalogue,
) -> Option<Finding> {
    let meta = catalogue.get(d.code)?;
    let source = cx.source(d.file)?;
    let related = d
        .related
        .iter()
        .filter_map(|(r, span, label)| cx.source(*r).map(|s| (s, *span, label.clone())))
        .collect();
    let mut vars = d.vars;
    vars.entry("path").or_insert_with(|| source.path.clone());
    let step = fill(
        meta.rollback.trim().split("\n\n").next().unwrap_or(""),
        &vars,
    )
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ");
    Some(make_finding(
        FindingParts {
            meta,
            source,
            span: d.span,
            message: d.message,
            label: d.label,
            related,
            safe_alternative: d.safe_alternative,
            rollback: Rollback {
                steps: vec![step],
                irreversible: false,
            },
            vars,
            multiplier: 1.0,
            multiplier_reasons: Vec::new(),
            migration: d.migration,
        },
        cx.config,
    ))
}
