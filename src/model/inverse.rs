//! The inverse of a statement: what a down migration must do to undo it.
//!
//! Used twice: to write rollback steps, and to check that a migration's own down part
//! reverses its up part (rule M502).

use crate::parse::sql::{AlterKind, ConstraintKind, Op, Statement};

use super::schema::{Schema, rel_key};

/// One step that undoes part of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    DropTable {
        table: String,
    },
    /// `columns`: identifiers in the index's column list; dropping any of them, or the
    /// table, drops the index too.
    DropIndex {
        index: String,
        table: String,
        columns: Vec<String>,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    RenameTable {
        from: String,
        to: String,
    },
    DropConstraint {
        table: String,
        constraint: String,
    },
    DropNotNull {
        table: String,
        column: String,
    },
    SetNotNull {
        table: String,
        column: String,
    },
    DropDefault {
        table: String,
        column: String,
    },
    AlterType {
        table: String,
        column: String,
        to: String,
    },
    DropType {
        name: String,
    },
    DropExtension {
        name: String,
    },
    DropView {
        name: String,
        materialized: bool,
    },
    DropSequence {
        name: String,
    },
    DropSchema {
        name: String,
    },
    /// Recreate a dropped index from its known definition.
    CreateIndex {
        index: String,
        definition: String,
    },
    SetPersistence {
        table: String,
        logged: bool,
    },
}

/// What undoing a statement takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inverse {
    /// Nothing: the statement changes no schema or data (SET, COMMENT, VACUUM, ...).
    Nothing,
    Steps(Vec<Undo>),
    /// No statement restores the previous state.
    Irreversible(String),
    /// An inverse exists but forecast cannot write it (an unknown previous definition).
    Manual(String),
}

impl Undo {
    /// The tables this step touches (for a table, its key).
    pub fn tables(&self) -> Vec<&str> {
        match self {
            Undo::DropTable { table }
            | Undo::DropIndex { table, .. }
            | Undo::DropColumn { table, .. }
            | Undo::RenameColumn { table, .. }
            | Undo::DropConstraint { table, .. }
            | Undo::DropNotNull { table, .. }
            | Undo::SetNotNull { table, .. }
            | Undo::DropDefault { table, .. }
            | Undo::AlterType { table, .. }
            | Undo::SetPersistence { table, .. } => vec![table.as_str()],
            Undo::RenameTable { from, to } => vec![from.as_str(), to.as_str()],
            _ => Vec::new(),
        }
    }

    pub fn to_sql(&self) -> String {
        match self {
            Undo::DropTable { table } => format!("DROP TABLE IF EXISTS {table};"),
            Undo::DropIndex { index, .. } => format!("DROP INDEX CONCURRENTLY IF EXISTS {index};"),
            Undo::DropColumn { table, column } => {
                format!("ALTER TABLE {table} DROP COLUMN IF EXISTS {column};")
            }
            Undo::RenameColumn { table, from, to } => {
                format!("ALTER TABLE {table} RENAME COLUMN {from} TO {to};")
            }
            Undo::RenameTable { from, to } => format!("ALTER TABLE {from} RENAME TO {to};"),
            Undo::DropConstraint { table, constraint } => {
                format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {constraint};")
            }
            Undo::DropNotNull { table, column } => {
                format!("ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL;")
            }
            Undo::SetNotNull { table, column } => {
                format!("ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;")
            }
            Undo::DropDefault { table, column } => {
                format!("ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT;")
            }
            Undo::AlterType { table, column, to } => {
                format!("ALTER TABLE {table} ALTER COLUMN {column} TYPE {to};")
            }
            Undo::DropType { name } => format!("DROP TYPE IF EXISTS {name};"),
            Undo::DropExtension { name } => format!("DROP EXTENSION IF EXISTS {name};"),
            Undo::DropView { name, materialized } => {
                let m = if *materialized { "MATERIALIZED " } else { "" };
                format!("DROP {m}VIEW IF EXISTS {name};")
            }
            Undo::DropSequence { name } => format!("DROP SEQUENCE IF EXISTS {name};"),
            Undo::DropSchema { name } => format!("DROP SCHEMA IF EXISTS {name};"),
            Undo::CreateIndex { definition, .. } => format!("{definition};"),
            Undo::SetPersistence { table, logged } => {
                let p = if *logged { "LOGGED" } else { "UNLOGGED" };
                format!("ALTER TABLE {table} SET {p};")
            }
        }
    }

    /// Does `op` (a down statement) perform this undo? Dropping a whole table also undoes
    /// everything done to it.
    pub fn satisfied_by(&self, op: &Op) -> bool {
        let dropped_table = |t: &str| match op {
            Op::DropTable { names, .. } => names.iter().any(|n| rel_key(n) == t),
            _ => false,
        };
        let alter = |t: &str| -> Vec<&AlterKind> {
            match op {
                Op::AlterTable { table, actions, .. } if rel_key(table) == t => {
                    actions.iter().map(|a| &a.kind).collect()
                }
                _ => Vec::new(),
            }
        };
        match self {
            Undo::DropTable { table } => dropped_table(table),
            Undo::DropIndex {
                index,
                table,
                columns,
            } => {
                dropped_table(table)
                    || alter(table).iter().any(|k| {
                        matches!(k, AlterKind::DropColumn { column: c, .. } if columns.contains(&c.name))
                    })
                    || matches!(op, Op::DropIndex { names, .. } if names.iter().any(|n| &n.name == index))
            }
            Undo::DropColumn { table, column } => {
                dropped_table(table)
                    || alter(table).iter().any(|k| {
                        matches!(k, AlterKind::DropColumn { column: c, .. } if &c.name == column)
                    })
            }
            Undo::RenameColumn { table, from, to } => alter(table).iter().any(|k| {
                matches!(k, AlterKind::RenameColumn { from: f, to: t } if &f.name == from && &t.name == to)
            }),
            Undo::RenameTable { from, to } => alter(from)
                .iter()
                .any(|k| matches!(k, AlterKind::RenameTable { to: t } if &rel_key(t) == to)),
            Undo::DropConstraint { table, constraint } => {
                dropped_table(table)
                    || alter(table).iter().any(|k| {
                        matches!(k, AlterKind::DropConstraint { name, .. } if name == constraint)
                    })
            }
            Undo::DropNotNull { table, column } => {
                dropped_table(table)
                    || alter(table).iter().any(|k| match k {
                        AlterKind::DropNotNull { column: c } => &c.name == column,
                        AlterKind::DropColumn { column: c, .. } => &c.name == column,
                        _ => false,
                    })
            }
            Undo::SetNotNull { table, column } => {
                dropped_table(table)
                    || alter(table).iter().any(|k| match k {
                        AlterKind::SetNotNull { column: c } => &c.name == column,
                        AlterKind::DropColumn { column: c, .. } => &c.name == column,
                        _ => false,
                    })
            }
            Undo::DropDefault { table, column } => {
                dropped_table(table)
                    || alter(table).iter().any(|k| match k {
                        AlterKind::DropDefault { column: c } | AlterKind::SetDefault { column: c, .. } => {
                            &c.name == column
                        }
                        AlterKind::DropColumn { column: c, .. } => &c.name == column,
                        _ => false,
                    })
            }
            Undo::AlterType { table, column, .. } => {
                dropped_table(table)
                    || alter(table).iter().any(|k| match k {
                        AlterKind::AlterColumnType { column: c, .. } => &c.name == column,
                        AlterKind::DropColumn { column: c, .. } => &c.name == column,
                        _ => false,
                    })
            }
            Undo::DropType { name } => match op {
                Op::DropType { names } => names.iter().any(|n| &rel_key(n) == name),
                _ => false,
            },
            Undo::DropExtension { name } => {
                matches!(op, Op::DropExtension { name: n } if n == name)
            }
            Undo::DropView { name, .. } => match op {
                Op::DropView { names, .. } => names.iter().any(|n| &rel_key(n) == name),
                _ => false,
            },
            Undo::DropSequence { name } => match op {
                Op::DropSequence { names } => names.iter().any(|n| &rel_key(n) == name),
                _ => false,
            },
            Undo::DropSchema { name } => match op {
                Op::DropSchema { names, .. } => names.contains(name),
                _ => false,
            },
            Undo::CreateIndex { index, .. } => match op {
                Op::CreateIndex { name: Some(n), .. } => &n.name == index,
                _ => false,
            },
            Undo::SetPersistence { table, logged } => alter(table).iter().any(|k| {
                matches!(
                    (k, logged),
                    (AlterKind::SetLogged, true) | (AlterKind::SetUnlogged, false)
                )
            }),
        }
    }
}

/// Derive the inverse of `stmt`, given the schema before it.
pub fn inverse(stmt: &Statement, schema: &Schema) -> Inverse {
    match &stmt.op {
        Op::CreateTable { name, .. } => Inverse::Steps(vec![Undo::DropTable {
            table: name.qualified(),
        }]),
        Op::CreateIndex {
            name,
            table,
            columns,
            ..
        } => match name {
            Some(n) => Inverse::Steps(vec![Undo::DropIndex {
                index: n.name.clone(),
                table: rel_key(table),
                columns: identifiers(columns),
            }]),
            None => Inverse::Manual(format!(
                "drop the unnamed index PostgreSQL created on {}",
                table.qualified()
            )),
        },
        Op::DropIndex { names, .. } => {
            let mut steps = Vec::new();
            for n in names {
                match schema.indexes.get(&n.name) {
                    Some(idx) => steps.push(Undo::CreateIndex {
                        index: n.name.clone(),
                        definition: idx.definition.clone(),
                    }),
                    None => {
                        return Inverse::Manual(format!(
                            "recreate index {} from its previous definition (CREATE INDEX CONCURRENTLY ...)",
                            n.name
                        ));
                    }
                }
            }
            Inverse::Steps(steps)
        }
        Op::DropTable { names, .. } => Inverse::Irreversible(format!(
            "dropping {} loses its rows",
            names
                .iter()
                .map(|n| n.qualified())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Op::Truncate { tables, .. } => Inverse::Irreversible(format!(
            "TRUNCATE loses every row of {}",
            tables
                .iter()
                .map(|n| n.qualified())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Op::Update { table, .. } => Inverse::Irreversible(format!(
            "the previous values in {} are overwritten",
            table.qualified()
        )),
        Op::Delete { table, .. } => Inverse::Irreversible(format!(
            "the deleted rows of {} are gone",
            table.qualified()
        )),
        Op::CreateEnum { name, .. } => Inverse::Steps(vec![Undo::DropType {
            name: rel_key(name),
        }]),
        Op::AlterEnumAddValue { name, value, .. } => Inverse::Irreversible(format!(
            "PostgreSQL cannot drop the enum value '{value}' from {}",
            name.qualified()
        )),
        // Extensions are database-wide and other objects may come to depend on them: a
        // rollback leaves them installed.
        Op::CreateExtension { .. } => Inverse::Nothing,
        Op::CreateView {
            name,
            materialized,
            or_replace: false,
        } => Inverse::Steps(vec![Undo::DropView {
            name: rel_key(name),
            materialized: *materialized,
        }]),
        Op::CreateSequence { name } => Inverse::Steps(vec![Undo::DropSequence {
            name: rel_key(name),
        }]),
        Op::CreateSchema { name } => Inverse::Steps(vec![Undo::DropSchema { name: name.clone() }]),
        Op::AlterTable { table, actions, .. } => {
            let t = table.qualified();
            let mut steps = Vec::new();
            for action in actions {
                match &action.kind {
                    AlterKind::AddColumn { column, .. } => steps.push(Undo::DropColumn {
                        table: t.clone(),
                        column: column.name.name.clone(),
                    }),
                    AlterKind::DropColumn { column, .. } => {
                        return Inverse::Irreversible(format!(
                            "dropping column {}.{} loses its data",
                            t, column.name
                        ));
                    }
                    AlterKind::RenameColumn { from, to } => steps.push(Undo::RenameColumn {
                        table: t.clone(),
                        from: to.name.clone(),
                        to: from.name.clone(),
                    }),
                    AlterKind::RenameTable { to } => steps.push(Undo::RenameTable {
                        from: rel_key(to),
                        to: table.name.clone(),
                    }),
                    AlterKind::AddConstraint { constraint } => match &constraint.name {
                        Some(n) => steps.push(Undo::DropConstraint {
                            table: t.clone(),
                            constraint: n.name.clone(),
                        }),
                        None => {
                            let what = match &constraint.kind {
                                ConstraintKind::PrimaryKey { .. } => "primary key",
                                ConstraintKind::ForeignKey { .. } => "foreign key",
                                ConstraintKind::Unique { .. } => "unique constraint",
                                _ => "constraint",
                            };
                            return Inverse::Manual(format!(
                                "drop the {what} PostgreSQL named on {t} (look it up in \\d {t})"
                            ));
                        }
                    },
                    AlterKind::SetNotNull { column } => steps.push(Undo::DropNotNull {
                        table: t.clone(),
                        column: column.name.clone(),
                    }),
                    AlterKind::DropNotNull { column } => steps.push(Undo::SetNotNull {
                        table: t.clone(),
                        column: column.name.clone(),
                    }),
                    AlterKind::SetDefault { column, .. } => steps.push(Undo::DropDefault {
                        table: t.clone(),
                        column: column.name.clone(),
                    }),
                    AlterKind::AlterColumnType { column, .. } => {
                        match schema.column(table, &column.name) {
                            Some(c) => steps.push(Undo::AlterType {
                                table: t.clone(),
                                column: column.name.clone(),
                                to: c.data_type.text.clone(),
                            }),
                            None => {
                                return Inverse::Manual(format!(
                                    "change {t}.{} back to its previous type",
                                    column.name
                                ));
                            }
                        }
                    }
                    AlterKind::SetLogged => steps.push(Undo::SetPersistence {
                        table: t.clone(),
                        logged: false,
                    }),
                    AlterKind::SetUnlogged => steps.push(Undo::SetPersistence {
                        table: t.clone(),
                        logged: true,
                    }),
                    AlterKind::DropConstraint { name, .. } => {
                        return Inverse::Manual(format!(
                            "recreate constraint {name} on {t} from its previous definition"
                        ));
                    }
                    AlterKind::ValidateConstraint { .. }
                    | AlterKind::SetStorageParams
                    | AlterKind::DropDefault { .. }
                    | AlterKind::RenameConstraint { .. }
                    | AlterKind::SetTablespace { .. }
                    | AlterKind::SetSchema { .. }
                    | AlterKind::AttachPartition { .. }
                    | AlterKind::DetachPartition { .. }
                    | AlterKind::Other { .. } => {}
                }
            }
            if steps.is_empty() {
                Inverse::Nothing
            } else {
                steps.reverse();
                Inverse::Steps(steps)
            }
        }
        _ => Inverse::Nothing,
    }
}

/// The identifiers in an index column list: `(lower(email), created_at DESC)` gives
/// `lower`, `email`, `created_at`, `desc`. Over-inclusive on purpose: it is only used to
/// see whether dropping a column drops the index.
fn identifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '_' {
            cur.push(ch.to_ascii_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.retain(|s| !s.starts_with(|c: char| c.is_ascii_digit()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::sql::{Dialect, parse};

    fn undos(up: &str) -> Vec<Undo> {
        let parsed = parse(up, Dialect::Postgres);
        let mut schema = Schema::default();
        let mut out = Vec::new();
        for s in &parsed.statements {
            if let Inverse::Steps(steps) = inverse(s, &schema) {
                out.extend(steps);
            }
            schema.apply(&s.op);
        }
        out
    }

    fn satisfied(undo: &Undo, down: &str) -> bool {
        parse(down, Dialect::Postgres)
            .statements
            .iter()
            .any(|s| undo.satisfied_by(&s.op))
    }

    #[test]
    fn index_goes_with_its_column_or_table() {
        let u = undos("CREATE INDEX orders_channel_idx ON orders (lower(channel));");
        assert_eq!(u.len(), 1);
        assert!(satisfied(&u[0], "ALTER TABLE orders DROP COLUMN channel;"));
        assert!(satisfied(&u[0], "DROP TABLE orders;"));
        assert!(satisfied(&u[0], "DROP INDEX orders_channel_idx;"));
        assert!(!satisfied(&u[0], "ALTER TABLE orders DROP COLUMN other;"));
    }

    #[test]
    fn inverses_of_common_statements() {
        let u = undos(
            "ALTER TABLE t ADD COLUMN c int; ALTER TABLE t RENAME COLUMN a TO b; CREATE TYPE k AS ENUM ('x');",
        );
        let sql: Vec<String> = u.iter().map(Undo::to_sql).collect();
        assert_eq!(
            sql,
            vec![
                "ALTER TABLE t DROP COLUMN IF EXISTS c;",
                "ALTER TABLE t RENAME COLUMN b TO a;",
                "DROP TYPE IF EXISTS k;",
            ]
        );
    }

    #[test]
    fn type_change_inverse_uses_known_type() {
        let parsed = parse(
            "CREATE TABLE t (id int); ALTER TABLE t ALTER COLUMN id TYPE bigint;",
            Dialect::Postgres,
        );
        let mut schema = Schema::default();
        schema.apply(&parsed.statements[0].op);
        match inverse(&parsed.statements[1], &schema) {
            Inverse::Steps(s) => {
                assert_eq!(s[0].to_sql(), "ALTER TABLE t ALTER COLUMN id TYPE int;")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn destructive_statements_are_irreversible() {
        let parsed = parse(
            "DROP TABLE t; TRUNCATE u; DELETE FROM v;",
            Dialect::Postgres,
        );
        for s in &parsed.statements {
            assert!(matches!(
                inverse(s, &Schema::default()),
                Inverse::Irreversible(_)
            ));
        }
    }
}
