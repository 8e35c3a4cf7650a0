//! M201–M205: adding and changing columns.

use crate::parse::sql::{AlterKind, Generated, Volatility};
use crate::rules::{Draft, Rule, StmtCtx};

use super::types::{TypeChange, classify, unknown_may_be_safe};
use super::{existing_alter, tick};

pub struct AddColumnRewritesTable;

impl Rule for AddColumnRewritesTable {
    fn code(&self) -> &'static str {
        "M201"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::AddColumn { column, .. } = &a.kind else {
                continue;
            };
            let reason = match (&column.generated, &column.default) {
                (Some(Generated::Stored), _) => {
                    "its `GENERATED ... STORED` value is computed for every row".to_string()
                }
                (Some(Generated::Identity), _) => {
                    "`GENERATED ... AS IDENTITY` fills every existing row from a sequence"
                        .to_string()
                }
                (_, Some(d)) if d.volatility == Volatility::Volatile => {
                    if matches!(
                        column.data_type.base.as_str(),
                        "serial" | "bigserial" | "smallserial"
                    ) && d.text.starts_with("nextval")
                    {
                        format!(
                            "a `{}` column fills every existing row from a sequence",
                            column.data_type.text
                        )
                    } else {
                        format!(
                            "its default `{}` is volatile: it is computed for every existing row",
                            d.text
                        )
                    }
                }
                (_, Some(d)) if !d.is_null && cx.pg_version() < 11 => {
                    format!(
                        "before PostgreSQL 11 any default (here `{}`) is written into every row",
                        d.text
                    )
                }
                _ => continue,
            };
            let t = table.qualified();
            let col = &column.name.name;
            out.push(
                cx.draft(
                    "M201",
                    a.span,
                    format!("adding column {} rewrites {}: {reason}; reads and writes wait for the rewrite", tick(col), tick(&t)),
                    format!("rewrites {} under ACCESS EXCLUSIVE", tick(&t)),
                )
                .table(table)
                .var("column", col.clone())
                .safe(format!(
                    "ALTER TABLE {t} ADD COLUMN {col} {}; then set the default for new rows and backfill existing rows in batches",
                    column.data_type.text
                )),
            );
        }
    }
}

pub struct AddColumnNotNullWithoutDefault;

impl Rule for AddColumnNotNullWithoutDefault {
    fn code(&self) -> &'static str {
        "M202"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::AddColumn { column, .. } = &a.kind else {
                continue;
            };
            let has_value =
                column.generated.is_some() || column.default.as_ref().is_some_and(|d| !d.is_null);
            if !column.not_null || has_value {
                continue;
            }
            let t = table.qualified();
            let col = &column.name.name;
            out.push(
                cx.draft(
                    "M202",
                    a.span,
                    format!(
                        "adding {} as NOT NULL with no default fails with `column \"{col}\" of relation \"{}\" contains null values` as soon as {} has a row",
                        tick(col),
                        table.name,
                        tick(&t)
                    ),
                    "no value for existing rows".into(),
                )
                .table(table)
                .var("column", col.clone())
                .safe(format!(
                    "ALTER TABLE {t} ADD COLUMN {col} {} NOT NULL DEFAULT <constant>; -- or add it nullable, backfill, then enforce NOT NULL",
                    column.data_type.text
                )),
            );
        }
    }
}

/// The current type of an altered column and what the change does.
fn type_change(
    cx: &StmtCtx<'_>,
    table: &crate::parse::sql::ObjName,
    column: &str,
    new: &crate::parse::sql::TypeName,
    using: bool,
) -> (TypeChange, Option<String>) {
    let old = cx.schema.column(table, column).map(|c| &c.data_type);
    (classify(old, new, using), old.map(|o| o.text.clone()))
}

pub struct ColumnTypeChangeRewrites;

impl Rule for ColumnTypeChangeRewrites {
    fn code(&self) -> &'static str {
        "M203"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::AlterColumnType {
                column,
                new_type,
                using,
            } = &a.kind
            else {
                continue;
            };
            let (change, old) = type_change(cx, table, &column.name, new_type, using.is_some());
            let t = table.qualified();
            let col = &column.name;
            let from = old
                .as_deref()
                .map(|o| format!(" from `{o}`"))
                .unwrap_or_default();
            let detail = match change {
                TypeChange::Rewrite => format!(
                    "changing {}{from} to `{}` rewrites {} and rebuilds its indexes",
                    tick(col),
                    new_type.text,
                    tick(&t)
                ),
                TypeChange::TimestampTz => format!(
                    "changing {} from `timestamp` to `timestamptz` rewrites {} unless the migration's session TimeZone is UTC",
                    tick(col),
                    tick(&t)
                ),
                TypeChange::Unknown if !unknown_may_be_safe(new_type) => format!(
                    "changing {} to `{}` rewrites {} unless the column already has a binary-compatible type (its current type is not in the scanned migrations)",
                    tick(col),
                    new_type.text,
                    tick(&t)
                ),
                _ => continue,
            };
            out.push(
                cx.draft("M203", a.span, format!("{detail}; reads and writes wait for the rewrite"), format!("rewrites {} under ACCESS EXCLUSIVE", tick(&t)))
                    .table(table)
                    .var("column", col.clone())
                    .var("old_type", old.unwrap_or_else(|| "<previous type>".into()))
                    .safe(format!(
                        "add a new `{}` column, write both from the application, backfill in batches, switch reads, then drop {} in a later release",
                        new_type.text,
                        tick(col)
                    )),
            );
        }
    }
}

pub struct ColumnTypeNarrowing;

impl Rule for ColumnTypeNarrowing {
    fn code(&self) -> &'static str {
        "M204"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::AlterColumnType {
                column,
                new_type,
                using,
            } = &a.kind
            else {
                continue;
            };
            let (change, old) = type_change(cx, table, &column.name, new_type, using.is_some());
            let TypeChange::Narrowing(what) = change else {
                continue;
            };
            let t = table.qualified();
            let col = &column.name;
            out.push(
                cx.draft(
                    "M204",
                    a.span,
                    format!(
                        "narrowing {} from `{}` to `{}` rewrites {} and {what}",
                        tick(col),
                        old.clone().unwrap_or_default(),
                        new_type.text,
                        tick(&t)
                    ),
                    "narrows the column".into(),
                )
                .table(table)
                .var("column", col.clone())
                .var("new_type", new_type.text.clone())
                .var("old_type", old.unwrap_or_default())
                .safe(format!(
                    "check the data first, or enforce the limit with a CHECK constraint added NOT VALID and validated separately on {t}"
                )),
            );
        }
    }
}

pub struct SetNotNullScansTable;

impl Rule for SetNotNullScansTable {
    fn code(&self) -> &'static str {
        "M205"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        let Some((table, actions)) = existing_alter(cx) else {
            return;
        };
        for a in actions {
            let AlterKind::SetNotNull { column } = &a.kind else {
                continue;
            };
            let col = &column.name;
            if cx.pg_version() >= 12 && cx.schema.has_validated_not_null_check(table, col) {
                continue;
            }
            // Already NOT NULL: PostgreSQL does nothing.
            if cx.schema.column(table, col).is_some_and(|c| c.not_null) {
                continue;
            }
            let t = table.qualified();
            let check = format!("{}_{col}_not_null", table.name);
            out.push(
                cx.draft(
                    "M205",
                    a.span,
                    format!(
                        "{} on {} reads every row under ACCESS EXCLUSIVE to prove there is no NULL",
                        tick("SET NOT NULL"),
                        tick(&format!("{t}.{col}"))
                    ),
                    "full scan under ACCESS EXCLUSIVE".into(),
                )
                .table(table)
                .var("column", col.clone())
                .safe(format!(
                    "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID; ALTER TABLE {t} VALIDATE CONSTRAINT {check}; then SET NOT NULL (no scan) and drop the check"
                )),
            );
        }
    }
}
