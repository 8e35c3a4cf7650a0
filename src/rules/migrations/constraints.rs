//! M206–M208: constraints that check or index every row under a strong lock.

use crate::parse::sql::{AlterKind, ConstraintKind};
use crate::rules::{Draft, Rule, StmtCtx};

use super::{existing_alter, tick};

fn constraint_name(c: &crate::parse::sql::Constraint) -> String {
    c.name.as_ref().map(|n| n.name.clone()).unwrap_or_default()
}

pub struct ForeignKeyWithoutNotValid;

impl Rule for ForeignKeyWithoutNotValid {
    fn code(&self) -> &'static str {
        "M206"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::AddConstraint { constraint } = &a.kind else {
                continue;
            };
            let ConstraintKind::ForeignKey {
                columns,
                ref_table,
                ref_columns,
            } = &constraint.kind
            else {
                continue;
            };
            if constraint.not_valid {
                continue;
            }
            let t = table.qualified();
            let r = ref_table.qualified();
            let name = constraint_name(constraint);
            let shown = if name.is_empty() {
                format!("{}_{}_fkey", table.name, columns.join("_"))
            } else {
                name.clone()
            };
            out.push(
                cx.draft(
                    "M206",
                    a.span,
                    format!(
                        "adding a foreign key from {} to {} without NOT VALID blocks writes to both tables while every row of {} is checked",
                        tick(&t),
                        tick(&r),
                        tick(&t)
                    ),
                    format!("SHARE ROW EXCLUSIVE on {} and {}", tick(&t), tick(&r)),
                )
                .table(table)
                .var("constraint", shown.clone())
                .safe(format!(
                    "ALTER TABLE {t} ADD CONSTRAINT {shown} FOREIGN KEY ({}) REFERENCES {r} ({}) NOT VALID; ALTER TABLE {t} VALIDATE CONSTRAINT {shown};",
                    columns.join(", "),
                    ref_columns.join(", ")
                )),
            );
        }
    }
}

pub struct CheckConstraintWithoutNotValid;

impl Rule for CheckConstraintWithoutNotValid {
    fn code(&self) -> &'static str {
        "M207"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        let t = table.qualified();
        for a in actions {
            match &a.kind {
                AlterKind::AddConstraint { constraint } if !constraint.not_valid => {
                    let ConstraintKind::Check { expr, .. } = &constraint.kind else {
                        continue;
                    };
                    let name = constraint_name(constraint);
                    let shown = if name.is_empty() {
                        format!("{}_check", table.name)
                    } else {
                        name
                    };
                    out.push(
                        cx.draft(
                            "M207",
                            a.span,
                            format!("adding a CHECK constraint to {} without NOT VALID reads every row under ACCESS EXCLUSIVE", tick(&t)),
                            "full scan under ACCESS EXCLUSIVE".into(),
                        )
                        .table(table)
                        .var("constraint", shown.clone())
                        .safe(format!(
                            "ALTER TABLE {t} ADD CONSTRAINT {shown} CHECK ({expr}) NOT VALID; ALTER TABLE {t} VALIDATE CONSTRAINT {shown};"
                        )),
                    );
                }
                AlterKind::AddColumn { column, .. } if column.check => {
                    out.push(
                        cx.draft(
                            "M207",
                            a.span,
                            format!(
                                "adding {} with an inline CHECK reads every row of {} under ACCESS EXCLUSIVE, even though every value is NULL",
                                tick(&column.name.name),
                                tick(&t)
                            ),
                            "full scan under ACCESS EXCLUSIVE".into(),
                        )
                        .table(table)
                        .var("column", column.name.name.clone())
                        .safe("add the column without the CHECK, then add the constraint NOT VALID and validate it separately"),
                    );
                }
                _ => {}
            }
        }
    }
}

pub struct UniqueConstraintBuildsIndex;

impl Rule for UniqueConstraintBuildsIndex {
    fn code(&self) -> &'static str {
        "M208"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::AddConstraint { constraint } = &a.kind else {
                continue;
            };
            if constraint.using_index.is_some() {
                continue;
            }
            let (kind, columns) = match &constraint.kind {
                ConstraintKind::Unique { columns } => ("UNIQUE", columns),
                ConstraintKind::PrimaryKey { columns } => ("PRIMARY KEY", columns),
                _ => continue,
            };
            let t = table.qualified();
            let name = constraint_name(constraint);
            let shown = if name.is_empty() {
                if kind == "UNIQUE" {
                    format!("{}_{}_key", table.name, columns.join("_"))
                } else {
                    format!("{}_pkey", table.name)
                }
            } else {
                name
            };
            out.push(
                cx.draft(
                    "M208",
                    a.span,
                    format!(
                        "adding a {kind} constraint builds its index on {} under ACCESS EXCLUSIVE: reads and writes wait for the whole build",
                        tick(&t)
                    ),
                    "index build under ACCESS EXCLUSIVE".into(),
                )
                .table(table)
                .var("constraint", shown.clone())
                .var("columns", columns.join(", "))
                .safe(format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {shown} ON {t} ({}); then ALTER TABLE {t} ADD CONSTRAINT {shown} {kind} USING INDEX {shown};",
                    columns.join(", ")
                )),
            );
        }
    }
}
