//! M501–M502: whether a migration can be rolled back by its own down part.

use crate::finding::Rollback;
use crate::model::inverse::{Inverse, Undo};
use crate::rules::{Draft, MigrationCtx, RollbackSource, Rule};
use crate::span::Span;

use std::collections::BTreeMap;

fn draft(
    cx: &MigrationCtx<'_>,
    code: &'static str,
    file: usize,
    span: Span,
    message: String,
    label: String,
) -> Draft {
    let _ = cx;
    Draft {
        code,
        file,
        span,
        message,
        label,
        related: Vec::new(),
        safe_alternative: None,
        rollback: RollbackSource::Statement,
        table: None,
        vars: BTreeMap::new(),
        tx: None,
        env: None,
    }
}

/// Every undo step the up part needs, in the order a down should run them.
fn needed_undos(cx: &MigrationCtx<'_>) -> Vec<(usize, Undo)> {
    let mut out = Vec::new();
    for (i, (_, inv)) in cx.up.iter().enumerate().rev() {
        if let Inverse::Steps(steps) = inv {
            for s in steps {
                out.push((i, s.clone()));
            }
        }
    }
    out
}

pub struct MissingDownMigration;

impl Rule for MissingDownMigration {
    fn code(&self) -> &'static str {
        "M501"
    }

    fn check_migration(&self, cx: &MigrationCtx<'_>, out: &mut Vec<Draft>) {
        let m = cx.migration;
        if !m.down_supported || m.down.is_some() || m.down_opaque || !m.framework.supports_down() {
            return;
        }
        let Some(up) = &m.up else {
            return;
        };
        let undos = needed_undos(cx);
        let irreversible = cx
            .up
            .iter()
            .any(|(_, inv)| matches!(inv, Inverse::Irreversible(_)));
        if undos.is_empty() {
            return;
        }
        // Point at the first statement that needs undoing.
        let Some((first, _)) = cx
            .up
            .iter()
            .find(|(_, inv)| matches!(inv, Inverse::Steps(_)))
        else {
            return;
        };
        let sql: Vec<String> = undos.iter().map(|(_, u)| u.to_sql()).collect();
        let framework = m.framework.name();
        out.push(
            draft(
                cx,
                "M501",
                up.file,
                first.head,
                format!(
                    "this {framework} migration has no down migration: rolling it back means writing {} statement(s) by hand",
                    sql.len()
                ),
                "no down migration".into(),
            )
            .safe(format!("add a down migration: {}", sql.join(" ")))
            .rollback(Rollback {
                steps: sql,
                irreversible,
            }),
        );
    }
}

pub struct DownDoesNotReverseUp;

impl Rule for DownDoesNotReverseUp {
    fn code(&self) -> &'static str {
        "M502"
    }

    fn check_migration(&self, cx: &MigrationCtx<'_>, out: &mut Vec<Draft>) {
        let m = cx.migration;
        let (Some(up), Some(down)) = (&m.up, &m.down) else {
            return;
        };
        // An empty down is the documented way to declare a migration irreversible.
        if cx.down.is_empty() {
            return;
        }
        let down_file = down.file;
        let down_span = cx.down.first().map(|s| s.head).unwrap_or_default();
        let mut missing: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (i, undo) in needed_undos(cx) {
            // An undo of something that a later up statement already removed is not needed.
            if !cx.down.iter().any(|s| undo.satisfied_by(&s.op)) {
                missing.entry(i).or_default().push(undo.to_sql());
            }
        }
        for (i, sql) in missing {
            let (stmt, _) = &cx.up[i];
            out.push(
                draft(
                    cx,
                    "M502",
                    up.file,
                    stmt.head,
                    format!(
                        "the down migration does not undo this statement: it lacks {}",
                        sql.iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "not reversed by the down migration".into(),
                )
                .related(down_file, down_span, "down migration")
                .safe(format!("add to the down migration: {}", sql.join(" ")))
                .rollback(Rollback {
                    steps: sql,
                    irreversible: false,
                }),
            );
        }
    }
}
