//! Claims that depend on the data. The catalogue says some flagged statements fail on
//! production data that development databases do not have; each flagged statement of those
//! rules runs again, inside a transaction that is rolled back, on data changed so the claim
//! applies, and must fail (or, for M202, succeed) as the catalogue says.

use forecast::parse::sql::{AlterKind, ConstraintKind, ObjName, Op, TypeName};

use crate::fixtures::Stmt;
use crate::measure::{Existing, quote};

/// What the server must do on the changed data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Succeeds,
    /// Fails with one of these SQLSTATEs.
    Fails(&'static [&'static str]),
}

/// One run of a flagged statement on changed data.
#[derive(Debug, Clone)]
pub struct DataCheck {
    pub rule: &'static str,
    /// The data, in words (completes "when ...").
    pub data: String,
    /// Statements that change the data first, in the same transaction.
    pub setup: Vec<String>,
    pub expect: Expect,
}

fn sql_name(n: &ObjName) -> String {
    match &n.schema {
        Some(s) => format!("{}.{}", quote(s), quote(&n.name)),
        None => quote(&n.name),
    }
}

/// The first row of `table`, by physical position.
fn first_row(table: &str) -> String {
    format!("ctid = (SELECT min(ctid) FROM {table})")
}

/// A literal that does not fit `ty` but fits any wider type of its family.
fn too_big(ty: &TypeName) -> Option<String> {
    match (ty.base.as_str(), ty.modifiers.as_slice()) {
        ("varchar" | "bpchar", [n, ..]) => Some(format!("repeat('x', {})", n + 1)),
        ("int2", _) => Some("32768".into()),
        ("int4", _) => Some("2147483648".into()),
        ("numeric", [p, s]) if p > s => Some(format!("1{}", "0".repeat((p - s) as usize))),
        ("numeric", [p]) => Some(format!("1{}", "0".repeat(*p as usize))),
        _ => None,
    }
}

/// The data runs for `stmt`: one per `expect:` marker of a rule with a data claim.
pub fn checks(stmt: &Stmt, existing: &Existing) -> Vec<DataCheck> {
    let Op::AlterTable { table, actions, .. } = &stmt.op else {
        return Vec::new();
    };
    let t = sql_name(table);
    let mut out = Vec::new();
    for code in &stmt.markers {
        for action in actions {
            let check = match (code.as_str(), &action.kind) {
                // "the migration works on an empty development database and fails in
                // production": it failed on the fixture's rows; on empty tables it succeeds.
                ("M202", AlterKind::AddColumn { .. }) => {
                    let tables: Vec<&str> = existing
                        .rels
                        .values()
                        .filter(|r| matches!(r.kind, 'r' | 'p'))
                        .map(|r| r.sql_name.as_str())
                        .collect();
                    Some(DataCheck {
                        rule: "M202",
                        data: "every table is empty".into(),
                        setup: vec![format!("TRUNCATE {} CASCADE", tables.join(", "))],
                        expect: Expect::Succeeds,
                    })
                }
                // "fails the migration at the first value that does not fit".
                (
                    "M204",
                    AlterKind::AlterColumnType {
                        column, new_type, ..
                    },
                ) => too_big(new_type).map(|v| DataCheck {
                    rule: "M204",
                    data: format!(
                        "one value of `{table}.{}` does not fit `{}`",
                        column.name, new_type.text
                    ),
                    setup: vec![format!(
                        "UPDATE {t} SET {} = {v} WHERE {}",
                        quote(&column.name),
                        first_row(&t)
                    )],
                    expect: Expect::Fails(&["22001", "22003"]),
                }),
                // "If a NULL exists, the migration fails."
                ("M205", AlterKind::SetNotNull { column }) => Some(DataCheck {
                    rule: "M205",
                    data: format!("one row of `{table}.{}` is NULL", column.name),
                    setup: vec![format!(
                        "UPDATE {t} SET {} = NULL WHERE {}",
                        quote(&column.name),
                        first_row(&t)
                    )],
                    expect: Expect::Fails(&["23502"]),
                }),
                // A row that references nothing makes the check fail.
                ("M206", AlterKind::AddConstraint { constraint })
                    if !constraint.not_valid
                        && matches!(constraint.kind, ConstraintKind::ForeignKey { .. }) =>
                {
                    let ConstraintKind::ForeignKey { ref_table, .. } = &constraint.kind else {
                        continue;
                    };
                    Some(DataCheck {
                        rule: "M206",
                        data: format!("the `{ref_table}` rows `{table}` references are gone"),
                        setup: vec![
                            "SET LOCAL session_replication_role = replica".into(),
                            format!("DELETE FROM {}", sql_name(ref_table)),
                            "SET LOCAL session_replication_role = DEFAULT".into(),
                        ],
                        expect: Expect::Fails(&["23503"]),
                    })
                }
                // "The build fails if a duplicate exists."
                ("M208", AlterKind::AddConstraint { constraint })
                    if constraint.using_index.is_none() =>
                {
                    let columns = match &constraint.kind {
                        ConstraintKind::Unique { columns }
                        | ConstraintKind::PrimaryKey { columns } => columns,
                        _ => continue,
                    };
                    let set: Vec<String> = columns
                        .iter()
                        .map(|c| format!("{q} = d.{q}", q = quote(c)))
                        .collect();
                    let cols: Vec<String> = columns.iter().map(|c| quote(c)).collect();
                    Some(DataCheck {
                        rule: "M208",
                        data: format!(
                            "two rows of `{table}` have the same ({})",
                            columns.join(", ")
                        ),
                        setup: vec![format!(
                            "UPDATE {t} SET {} FROM (SELECT {} FROM {t} ORDER BY ctid LIMIT 1) AS d \
                             WHERE {t}.ctid = (SELECT ctid FROM {t} ORDER BY ctid OFFSET 1 LIMIT 1)",
                            set.join(", "),
                            cols.join(", ")
                        )],
                        expect: Expect::Fails(&["23505"]),
                    })
                }
                _ => None,
            };
            out.extend(check);
        }
    }
    out
}
