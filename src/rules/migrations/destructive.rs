//! M301–M306: data loss, and changes the previous release cannot survive.

use crate::parse::sql::{AlterKind, Op};
use crate::rules::{Draft, Rule, StmtCtx};

use super::{existing_alter, tick};

pub struct DropColumn;

impl Rule for DropColumn {
    fn code(&self) -> &'static str {
        "M301"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::DropColumn { column, .. } = &a.kind else {
                continue;
            };
            let t = table.qualified();
            out.push(
                cx.draft(
                    "M301",
                    a.span,
                    format!(
                        "dropping {} loses its data, and the previous release still reading it fails during the rollout",
                        tick(&format!("{t}.{}", column.name))
                    ),
                    "data loss".into(),
                )
                .table(table)
                .var("column", column.name.clone())
                .safe("stop reading and writing the column in one release (tell the ORM to ignore it), then drop it in a later one after a backup"),
            );
        }
    }
}

pub struct DropTable;

impl Rule for DropTable {
    fn code(&self) -> &'static str {
        "M302"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Op::DropTable { names, cascade, .. } = &cx.stmt.op else {
            return;
        };
        for t in names
            .iter()
            .filter(|t| cx.existing(t) && !copied_earlier(cx, &t.name))
        {
            let cascade = if *cascade {
                " (CASCADE also drops the views and constraints that depend on it)"
            } else {
                ""
            };
            out.push(
                cx.draft(
                    "M302",
                    cx.stmt.span,
                    format!("dropping table {} loses its rows{cascade}", tick(&t.qualified())),
                    "data loss".into(),
                )
                .table(t)
                .safe("stop using the table in one release, then drop it in a later one after a backup"),
            );
        }
    }
}

/// Was `table`'s data copied into another table earlier in this migration (`INSERT INTO
/// new SELECT ... FROM table`)? Then dropping it completes a rebuild, not a data loss.
fn copied_earlier(cx: &StmtCtx<'_>, table: &str) -> bool {
    let text = cx.text();
    cx.stmts[..cx.index].iter().any(|s| {
        matches!(
            s.op,
            Op::Insert {
                from_query: true,
                ..
            }
        ) && mentions_after_from(s.span.slice(text), table)
    })
}

/// Does `sql` name `table` after a `FROM` (case-insensitive, whole word, quotes allowed)?
fn mentions_after_from(sql: &str, table: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let table = table.to_ascii_lowercase();
    let Some(from) = lower.find(" from ").or_else(|| lower.find("\nfrom ")) else {
        return false;
    };
    lower[from..]
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == table)
}

pub struct TruncateTable;

impl Rule for TruncateTable {
    fn code(&self) -> &'static str {
        "M303"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Op::Truncate { tables, cascade } = &cx.stmt.op else {
            return;
        };
        let existing: Vec<_> = tables.iter().filter(|t| cx.existing(t)).collect();
        if existing.is_empty() {
            return;
        }
        let list = existing
            .iter()
            .map(|t| tick(&t.qualified()))
            .collect::<Vec<_>>()
            .join(", ");
        let cascade = if *cascade {
            ", and CASCADE empties every table that references them"
        } else {
            ""
        };
        out.push(
            cx.draft(
                "M303",
                cx.stmt.span,
                format!("{} deletes every row of {list}{cascade}", tick("TRUNCATE")),
                "deletes every row".into(),
            )
            .table(existing[0])
            .safe("delete only the rows you mean to, with a WHERE, in batches, after a backup"),
        );
    }
}

pub struct RenameColumn;

impl Rule for RenameColumn {
    fn code(&self) -> &'static str {
        "M304"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::RenameColumn { from, to } = &a.kind else {
                continue;
            };
            let t = table.qualified();
            out.push(
                cx.draft(
                    "M304",
                    a.span,
                    format!(
                        "renaming {} to {} breaks the previous release, which still queries {} during the rollout",
                        tick(&format!("{t}.{}", from.name)),
                        tick(&to.name),
                        tick(&from.name)
                    ),
                    "old code still uses this name".into(),
                )
                .table(table)
                .var("old", from.name.clone())
                .var("new", to.name.clone())
                .safe(format!(
                    "add {} beside {}, write both, backfill, switch reads, then drop {} in a later release",
                    tick(&to.name),
                    tick(&from.name),
                    tick(&from.name)
                )),
            );
        }
    }
}

pub struct RenameTable;

impl Rule for RenameTable {
    fn code(&self) -> &'static str {
        "M305"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::RenameTable { to } = &a.kind else {
                continue;
            };
            // Renamed aside and re-created under the old name in this migration: a table
            // rebuild, and the old name keeps working.
            let recreated = cx.stmts[cx.index + 1..].iter().any(|s| {
                matches!(&s.op, Op::CreateTable { name, .. } if name.name == table.name && name.schema == table.schema)
            });
            if recreated {
                continue;
            }
            let t = table.qualified();
            out.push(
                cx.draft(
                    "M305",
                    a.span,
                    format!(
                        "renaming table {} to {} breaks the previous release, which still queries {} during the rollout",
                        tick(&t),
                        tick(&to.qualified()),
                        tick(&t)
                    ),
                    "old code still uses this name".into(),
                )
                .table(table)
                .var("old", t.clone())
                .var("new", to.qualified())
                .safe(format!(
                    "create a view named {} over the renamed table for one release, move the code, then drop the view",
                    tick(&t)
                )),
            );
        }
    }
}

pub struct UnbatchedDataChange;

impl Rule for UnbatchedDataChange {
    fn code(&self) -> &'static str {
        "M306"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let (table, what, consequence) = match &cx.stmt.op {
            Op::Update {
                table,
                has_where: false,
            } => (
                table,
                "UPDATE",
                "row-locks every row until the migration commits and rewrites each one",
            ),
            Op::Delete {
                table,
                has_where: false,
            } => (table, "DELETE", "deletes every row"),
            _ => return,
        };
        if !cx.existing(table) {
            return;
        }
        let t = table.qualified();
        out.push(
            cx.draft(
                "M306",
                cx.stmt.head,
                format!("{} of {} without WHERE {consequence}", tick(what), tick(&t)),
                "whole table in one statement".into(),
            )
            .table(table)
            .safe(format!("backfill {t} in batches (`WHERE id BETWEEN ... AND ...`), each batch its own short transaction, outside the migration")),
        );
    }
}
