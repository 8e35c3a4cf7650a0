//! M101–M104: index builds, drops and rebuilds that block traffic or cannot run where they are.

use crate::model::migrations::is_non_transactional;
use crate::parse::sql::{ObjName, Op, ReindexTarget};
use crate::rules::{Draft, Rule, StmtCtx, TxState};

use super::tick;

pub struct BlockingIndexBuild;

impl Rule for BlockingIndexBuild {
    fn code(&self) -> &'static str {
        "M101"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Op::CreateIndex {
            name,
            table,
            table_span,
            unique,
            concurrently: false,
            only: false,
            if_not_exists,
            columns,
        } = &cx.stmt.op
        else {
            return;
        };
        if !cx.existing(table) {
            return;
        }
        let t = table.qualified();
        let index = name.as_ref().map(|n| n.name.clone());
        let unique = if *unique { "UNIQUE " } else { "" };
        let ine = if *if_not_exists || index.is_some() {
            "IF NOT EXISTS "
        } else {
            ""
        };
        let safe = format!(
            "CREATE {unique}INDEX CONCURRENTLY {ine}{}ON {t} {columns}; -- outside a transaction{}",
            index
                .as_deref()
                .map(|i| format!("{i} "))
                .unwrap_or_default(),
            opt_out_hint(cx)
        );
        out.push(
            cx.draft(
                "M101",
                cx.stmt.head.join(*table_span),
                format!(
                    "{} builds an index on {} without CONCURRENTLY: writes to {} wait for the whole build",
                    tick("CREATE INDEX"),
                    tick(&t),
                    tick(&t)
                ),
                format!("SHARE lock on {} until the index is built", tick(&t)),
            )
            .table(table)
            .var("index", index.unwrap_or_default())
            .safe(safe),
        );
    }
}

/// ` (diesel: add ...)`, naming the directive that takes the part out of a transaction.
fn opt_out_hint(cx: &StmtCtx<'_>) -> String {
    if cx.part.opt_out.is_empty() || !cx.tx_state().in_transaction() {
        String::new()
    } else {
        format!(": {}", cx.part.opt_out)
    }
}

pub struct ConcurrentOperationInTransaction;

impl Rule for ConcurrentOperationInTransaction {
    fn code(&self) -> &'static str {
        "M102"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let op = &cx.stmt.op;
        if !is_non_transactional(op, cx.pg_version()) || matches!(op, Op::AlterEnumAddValue { .. })
        {
            return;
        }
        let tx = cx.tx_state();
        if !tx.in_transaction() {
            return;
        }
        let what = match op {
            Op::CreateIndex { .. } => "CREATE INDEX CONCURRENTLY",
            Op::DropIndex { .. } => "DROP INDEX CONCURRENTLY",
            Op::Reindex { .. } => "REINDEX CONCURRENTLY",
            Op::Vacuum { .. } => "VACUUM",
            _ => "DETACH PARTITION CONCURRENTLY",
        };
        let (why, fix) = match tx {
            TxState::Explicit => (
                "the migration opens a transaction with `BEGIN` before it".to_string(),
                "remove the `BEGIN` / `COMMIT` around it".to_string(),
            ),
            TxState::Implicit if cx.part.tx == crate::model::migrations::TxMode::Implicit => (
                format!(
                    "{} ({} statements share the file)",
                    cx.part.tx_reason,
                    cx.stmts.len()
                ),
                cx.part.opt_out.clone(),
            ),
            _ => (cx.part.tx_reason.clone(), cx.part.opt_out.clone()),
        };
        let framework = cx.framework().name();
        let mut d = cx
            .draft(
                "M102",
                cx.stmt.head,
                format!(
                    "{} cannot run inside a transaction block, and this one will: {why}; the deploy fails with `cannot run inside a transaction block`",
                    tick(what)
                ),
                format!("runs inside a transaction ({framework})"),
            )
            .safe(format!("{fix}, so the statement runs outside a transaction"));
        if tx == TxState::Explicit
            && let Some(begin) = cx.stmts[..cx.index]
                .iter()
                .rev()
                .find(|s| matches!(s.op, Op::Begin))
        {
            d = d.related(cx.part.file, begin.span, "transaction opened here");
        }
        out.push(d.rollback(crate::finding::Rollback {
            steps: vec!["Nothing to undo: the statement fails before it changes anything.".into()],
            irreversible: false,
        }));
    }
}

pub struct BlockingDropIndex;

impl Rule for BlockingDropIndex {
    fn code(&self) -> &'static str {
        "M103"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Op::DropIndex {
            names,
            concurrently: false,
            if_exists,
        } = &cx.stmt.op
        else {
            return;
        };
        // Indexes of tables created in this migration are harmless to drop.
        let tables: Vec<String> = names
            .iter()
            .filter_map(|n| cx.schema.indexes.get(&n.name).map(|i| i.table.clone()))
            .collect();
        if !tables.is_empty()
            && tables.len() == names.len()
            && tables.iter().all(|t| cx.new.tables.contains(t))
        {
            return;
        }
        // `DROP INDEX IF EXISTS x` before re-creating `x` on a table this migration creates:
        // the index (if any) belongs to the new, empty table.
        if tables.is_empty()
            && names.iter().all(|n| {
                cx.stmts[cx.index + 1..].iter().any(|s| {
                    matches!(&s.op, Op::CreateIndex { name: Some(i), table, .. }
                        if i.name == n.name && cx.new.is_new(table))
                })
            })
        {
            return;
        }
        let list = names
            .iter()
            .map(|n| n.qualified())
            .collect::<Vec<_>>()
            .join(", ");
        let on = if tables.is_empty() {
            "its table".to_string()
        } else {
            tick(&tables.join(", "))
        };
        let ie = if *if_exists { "IF EXISTS " } else { "" };
        let mut d = cx
            .draft(
                "M103",
                cx.stmt.head,
                format!(
                    "{} without CONCURRENTLY takes ACCESS EXCLUSIVE on {on}: every query on it queues behind the drop",
                    tick(&format!("DROP INDEX {list}"))
                ),
                format!("ACCESS EXCLUSIVE on {on}"),
            )
            .safe(format!(
                "DROP INDEX CONCURRENTLY {ie}{list}; -- outside a transaction{}",
                opt_out_hint(cx)
            ));
        if let Some(t) = tables.first() {
            d = d.table(&ObjName::new(t.clone()));
        }
        out.push(d);
    }
}

pub struct BlockingReindex;

impl Rule for BlockingReindex {
    fn code(&self) -> &'static str {
        "M104"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Op::Reindex {
            target,
            name,
            concurrently: false,
        } = &cx.stmt.op
        else {
            return;
        };
        let (what, table) = match target {
            ReindexTarget::Index => (
                "INDEX",
                cx.schema
                    .indexes
                    .get(&name.name)
                    .map(|i| ObjName::new(i.table.clone())),
            ),
            ReindexTarget::Table => ("TABLE", Some(name.clone())),
            ReindexTarget::Schema => ("SCHEMA", None),
            ReindexTarget::Database => ("DATABASE", None),
            ReindexTarget::System => ("SYSTEM", None),
        };
        if let Some(t) = &table
            && !cx.existing(t)
        {
            return;
        }
        let mut d = cx
            .draft(
                "M104",
                cx.stmt.head,
                format!(
                    "{} without CONCURRENTLY blocks writes, and reads that use the table's indexes, until every index is rebuilt",
                    tick(&format!("REINDEX {what} {}", name.qualified()))
                ),
                "SHARE on the table, ACCESS EXCLUSIVE on each index".into(),
            )
            .safe(format!(
                "REINDEX {what} CONCURRENTLY {}; -- PostgreSQL 12+, outside a transaction",
                name.qualified()
            ));
        if let Some(t) = &table {
            d = d.table(t);
        }
        out.push(d);
    }
}
