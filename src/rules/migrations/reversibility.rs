//! M501–M502: whether a migration can be rolled back by its own down part.

use crate::finding::Rollback;
use crate::model::inverse::{Inverse, Undo};
use crate::rules::{Draft, MigrationCtx, Rule};

use std::collections::BTreeMap;

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
            Draft::new("M501",
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

/// An up that drops and re-creates the same index or constraint leaves it as it was: the two
/// undo steps cancel out.
fn cancelled(cx: &MigrationCtx<'_>, at: usize, undo: &Undo, all: &[(usize, Undo)]) -> bool {
    match undo {
        Undo::DropIndex { index, .. } => {
            all.iter()
                .any(|(_, u)| matches!(u, Undo::CreateIndex { index: i, .. } if i == index))
                || cx.up[..at].iter().any(|(s, _)| {
                    matches!(&s.op, crate::parse::sql::Op::DropIndex { names, .. } if names.iter().any(|n| &n.name == index))
                })
        }
        Undo::CreateIndex { index, .. } => all
            .iter()
            .any(|(_, u)| matches!(u, Undo::DropIndex { index: i, .. } if i == index)),
        _ => false,
    }
}

/// Tables the up part rebuilds: renames `t` aside, then creates a new `t` (and usually
/// copies the rows over). Both names are returned; their down is a rebuild of its own, not
/// a list of inverse statements.
fn rebuilt_tables(cx: &MigrationCtx<'_>) -> std::collections::BTreeSet<String> {
    use crate::model::schema::rel_key;
    use crate::parse::sql::{AlterKind, Op};
    let mut renamed: Vec<(String, String)> = Vec::new();
    let mut out = std::collections::BTreeSet::new();
    for (s, _) in &cx.up {
        match &s.op {
            Op::AlterTable { table, actions, .. } => {
                for a in actions {
                    if let AlterKind::RenameTable { to } = &a.kind {
                        renamed.push((rel_key(table), rel_key(to)));
                    }
                }
            }
            Op::CreateTable { name, .. } => {
                let key = rel_key(name);
                if let Some((from, to)) = renamed.iter().find(|(from, _)| *from == key) {
                    out.insert(from.clone());
                    out.insert(to.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// `ALTER SEQUENCE s OWNED BY t.c` in the up part: dropping `t` drops `s`.
fn owned_sequences(cx: &MigrationCtx<'_>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(up) = &cx.migration.up else {
        return out;
    };
    let text = &cx.files[up.file].source.text;
    for (s, _) in &cx.up {
        let sql = s.span.slice(text).to_ascii_lowercase();
        let words: Vec<&str> = sql
            .split(|c: char| c.is_whitespace() || c == ';')
            .filter(|w| !w.is_empty())
            .collect();
        if words.len() >= 6
            && words[0] == "alter"
            && words[1] == "sequence"
            && let Some(pos) = words.iter().position(|w| *w == "owned")
            && words.get(pos + 1) == Some(&"by")
            && let Some(target) = words.get(pos + 2)
        {
            let seq = words[2].trim_matches('"').to_string();
            let table = target.rsplit_once('.').map(|(t, _)| t).unwrap_or(target);
            out.insert(seq, table.trim_matches('"').to_string());
        }
    }
    out
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
        let owned = owned_sequences(cx);
        let rebuilt = rebuilt_tables(cx);
        let undos = needed_undos(cx);
        let mut missing: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (i, undo) in &undos {
            if cancelled(cx, *i, undo, &undos) || undo.tables().iter().any(|t| rebuilt.contains(*t))
            {
                continue;
            }
            let done = |s: &&crate::parse::sql::Statement| {
                undo.satisfied_by(&s.op)
                    || matches!(undo, Undo::DropSequence { name } if owned.get(name).is_some_and(|t| Undo::DropTable { table: t.clone() }.satisfied_by(&s.op)))
            };
            if !cx.down.iter().any(done) && !cx.sibling_downs.iter().any(done) {
                missing.entry(*i).or_default().push(undo.to_sql());
            }
        }
        for (i, sql) in missing {
            let (stmt, _) = &cx.up[i];
            out.push(
                Draft::new(
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
