//! M401–M402: how statements wait for locks, and what a transaction can see.

use crate::finding::Rollback;
use crate::parse::sql::{AlterKind, ConstraintKind, ObjName, Op};
use crate::rules::{Draft, Rule, StmtCtx};

use super::tick;

/// The table a statement locks ACCESS EXCLUSIVE, if it does.
pub(crate) fn access_exclusive_table<'a>(cx: &StmtCtx<'a>) -> Option<ObjName> {
    match &cx.stmt.op {
        Op::AlterTable { table, actions, .. } => {
            let weaker = |k: &AlterKind| match k {
                AlterKind::SetStorageParams | AlterKind::ValidateConstraint { .. } => true,
                AlterKind::AttachPartition { .. } => true,
                AlterKind::DetachPartition { concurrently, .. } => *concurrently,
                AlterKind::AddConstraint { constraint } => {
                    matches!(constraint.kind, ConstraintKind::ForeignKey { .. })
                }
                AlterKind::Other { text } => {
                    text.contains("set statistics")
                        || text.contains("disable trigger")
                        || text.contains("enable trigger")
                        || text.starts_with("alter column") && text.contains("set storage")
                }
                _ => false,
            };
            (!actions.is_empty() && !actions.iter().all(|a| weaker(&a.kind))).then(|| table.clone())
        }
        Op::DropTable { names, .. } => names.first().cloned(),
        Op::Truncate { tables, .. } => tables.first().cloned(),
        Op::DropIndex {
            names,
            concurrently: false,
            ..
        } => names
            .iter()
            .find_map(|n| cx.schema.indexes.get(&n.name))
            .map(|i| ObjName::new(i.table.clone())),
        Op::LockTable { tables, mode } if mode == "ACCESS EXCLUSIVE" => tables.first().cloned(),
        Op::Vacuum { full: true, tables } => tables.first().cloned(),
        Op::Cluster { table } => table.clone(),
        _ => None,
    }
}

pub struct MissingLockTimeout;

impl Rule for MissingLockTimeout {
    fn code(&self) -> &'static str {
        "M401"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        if cx.lock_timeout {
            return;
        }
        let Some(table) = access_exclusive_table(cx) else {
            return;
        };
        if !cx.existing(&table) {
            return;
        }
        // One finding per migration part: only the first such statement. A table is new at an
        // earlier statement `i` if it is new now and was not created at or after `i`.
        let created_from = |i: usize, t: &ObjName| {
            cx.stmts[i..cx.index]
                .iter()
                .any(|s| matches!(&s.op, Op::CreateTable { name, .. } if name == t))
        };
        let earlier = cx.stmts[..cx.index].iter().enumerate().any(|(i, s)| {
            let sub = StmtCtx {
                stmt: s,
                index: i,
                ..*cx
            };
            access_exclusive_table(&sub).is_some_and(|t| cx.existing(&t) || created_from(i, &t))
        });
        if earlier {
            return;
        }
        let local_ignored = cx.stmts[..cx.index].iter().enumerate().find(|(i, s)| {
            matches!(&s.op, Op::Set { name, local: true, .. } if name == "lock_timeout")
                && !cx.tx.get(*i).is_some_and(|t| t.in_transaction())
        });
        let t = table.qualified();
        let mut message = format!(
            "no `lock_timeout` is set before this ACCESS EXCLUSIVE lock on {}: if the lock waits behind a long query, every new query on {} queues behind it",
            tick(&t),
            tick(&t)
        );
        let mut d_related = None;
        if let Some((_, s)) = local_ignored {
            message.push_str(
                " (the earlier `SET LOCAL lock_timeout` has no effect outside a transaction)",
            );
            d_related = Some(s.span);
        }
        let set = if cx.tx_state().in_transaction() {
            "SET LOCAL"
        } else {
            "SET"
        };
        let mut d = cx
            .draft("M401", cx.stmt.head, message, format!("waits for ACCESS EXCLUSIVE on {} with no timeout", tick(&t)))
            .table(&table)
            .safe(format!("{set} lock_timeout = '5s'; -- at the top of the migration; retry the deploy if it times out"))
            .rollback(Rollback {
                steps: vec!["Nothing to undo: this concerns how the statement waits.".into()],
                irreversible: false,
            });
        if let Some(span) = d_related {
            d = d.related(cx.part.file, span, "ignored: not inside a transaction");
        }
        out.push(d);
    }
}

pub struct EnumValueUsedInSameTransaction;

impl Rule for EnumValueUsedInSameTransaction {
    fn code(&self) -> &'static str {
        "M402"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Op::AlterEnumAddValue { name, value, .. } = &cx.stmt.op else {
            return;
        };
        let tx = cx.tx_state();
        if !tx.in_transaction() {
            return;
        }
        let ty = name.qualified();
        if cx.pg_version() < 12 {
            out.push(
                cx.draft(
                    "M402",
                    cx.stmt.head,
                    format!(
                        "before PostgreSQL 12, `ALTER TYPE ... ADD VALUE` cannot run inside a transaction block, and this one runs in a {}",
                        tx.describe()
                    ),
                    "inside a transaction".into(),
                )
                .safe(format!("add the value in a migration that runs outside a transaction: {}", cx.part.opt_out)),
            );
            return;
        }
        let needle = format!("'{}'", value.replace('\'', "''"));
        let use_site = cx
            .stmts
            .iter()
            .enumerate()
            .skip(cx.index + 1)
            .find(|(i, s)| {
                // Same transaction: every statement between is inside it too.
                cx.tx[cx.index..=*i].iter().all(|t| t.in_transaction())
                    && !cx.stmts[cx.index + 1..*i]
                        .iter()
                        .any(|m| matches!(m.op, Op::Commit | Op::Rollback))
                    // Defining a value of the same name in another enum is not a use.
                    && !matches!(
                        s.op,
                        Op::AlterEnumAddValue { .. }
                            | Op::AlterEnumRenameValue { .. }
                            | Op::CreateEnum { .. }
                    )
                    && s.span.slice(cx.text()).contains(&needle)
            });
        let Some((_, used)) = use_site else {
            return;
        };
        out.push(
            cx.draft(
                "M402",
                cx.stmt.head,
                format!(
                    "enum value {needle} is added to {} and used later in the same transaction: PostgreSQL fails with `unsafe use of new value`",
                    tick(&ty)
                ),
                "value added here".into(),
            )
            .related(cx.part.file, used.span, "used here, before the transaction commits")
            .safe("add the value in one migration and use it in the next"),
        );
    }
}
