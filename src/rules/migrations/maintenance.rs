//! M105–M107: statements that copy a whole table under ACCESS EXCLUSIVE.

use crate::parse::sql::{AlterKind, Op};
use crate::rules::{Draft, Rule, StmtCtx};

use super::{existing_alter, tick};

pub struct TableRewriteMaintenance;

impl Rule for TableRewriteMaintenance {
    fn code(&self) -> &'static str {
        "M105"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        match &cx.stmt.op {
            Op::Vacuum { full: true, tables } => {
                let existing: Vec<_> = tables.iter().filter(|t| cx.existing(t)).collect();
                if !tables.is_empty() && existing.is_empty() {
                    return;
                }
                let target = if existing.is_empty() {
                    "every table in the database".to_string()
                } else {
                    existing
                        .iter()
                        .map(|t| tick(&t.qualified()))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let mut d = cx
                    .draft(
                        "M105",
                        cx.stmt.head,
                        format!("{} rewrites {target} under ACCESS EXCLUSIVE: no query can read or write it until the copy ends", tick("VACUUM FULL")),
                        "ACCESS EXCLUSIVE for the whole rewrite".into(),
                    )
                    .safe("plain `VACUUM` (blocks no reads or writes), or `pg_repack` outside the deploy");
                if let Some(t) = existing.first() {
                    d = d.table(t);
                }
                out.push(d);
            }
            Op::Cluster { table } => {
                if let Some(t) = table
                    && !cx.existing(t)
                {
                    return;
                }
                let target = table
                    .as_ref()
                    .map(|t| tick(&t.qualified()))
                    .unwrap_or_else(|| "every previously clustered table".into());
                let mut d = cx
                    .draft(
                        "M105",
                        cx.stmt.head,
                        format!("{} rewrites {target} in index order under ACCESS EXCLUSIVE: no query can read or write it until the copy ends", tick("CLUSTER")),
                        "ACCESS EXCLUSIVE for the whole rewrite".into(),
                    )
                    .safe("`pg_repack --order-by` outside the deploy, or leave the physical order alone");
                if let Some(t) = table {
                    d = d.table(t);
                }
                out.push(d);
            }
            _ => {}
        }
    }
}

pub struct SetLoggedUnlogged;

impl Rule for SetLoggedUnlogged {
    fn code(&self) -> &'static str {
        "M106"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let (what, opposite) = match a.kind {
                AlterKind::SetLogged => ("SET LOGGED", "UNLOGGED"),
                AlterKind::SetUnlogged => ("SET UNLOGGED", "LOGGED"),
                _ => continue,
            };
            let t = table.qualified();
            out.push(
                cx.draft(
                    "M106",
                    a.span,
                    format!("{} rewrites {} and rebuilds its indexes under ACCESS EXCLUSIVE", tick(what), tick(&t)),
                    "table rewrite under ACCESS EXCLUSIVE".into(),
                )
                .table(table)
                .var("opposite", opposite)
                .safe("create the table with the persistence it needs, or copy into a new table in batches and swap names"),
            );
        }
    }
}

pub struct SetTablespace;

impl Rule for SetTablespace {
    fn code(&self) -> &'static str {
        "M107"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        match &cx.stmt.op {
            Op::AlterTable { table, actions, .. } => {
                if !cx.existing(table) {
                    return;
                }
                for a in actions {
                    if let AlterKind::SetTablespace { tablespace } = &a.kind {
                        out.push(
                            cx.draft(
                                "M107",
                                a.span,
                                format!(
                                    "moving {} to tablespace {} copies it under ACCESS EXCLUSIVE",
                                    tick(&table.qualified()),
                                    tick(tablespace)
                                ),
                                "copy under ACCESS EXCLUSIVE".into(),
                            )
                            .table(table)
                            .safe("`pg_repack --tablespace` outside the deploy"),
                        );
                    }
                }
            }
            Op::AlterIndex { name, action } if action.starts_with("set tablespace") => {
                let table = cx
                    .schema
                    .indexes
                    .get(&name.name)
                    .map(|i| crate::parse::sql::ObjName::new(i.table.clone()));
                if let Some(t) = &table
                    && !cx.existing(t)
                {
                    return;
                }
                let mut d = cx
                    .draft(
                        "M107",
                        cx.stmt.span,
                        format!("moving index {} to another tablespace copies it under ACCESS EXCLUSIVE", tick(&name.qualified())),
                        "copy under ACCESS EXCLUSIVE".into(),
                    )
                    .safe("rebuild the index in the target tablespace with `CREATE INDEX CONCURRENTLY ... TABLESPACE`, then drop the old one concurrently");
                if let Some(t) = &table {
                    d = d.table(t);
                }
                out.push(d);
            }
            _ => {}
        }
    }
}
