//! The schema as the migrations build it, replayed statement by statement.
//!
//! Only what rules need is tracked: tables and their columns' types, indexes and their
//! definitions, constraints and whether they are validated, enum types. Objects created
//! outside the scanned migrations are simply unknown; rules treat unknown tables as existing.

use std::collections::{BTreeMap, BTreeSet};

use crate::parse::sql::{AlterKind, ConstraintKind, ObjName, Op, TypeName};

/// The key a relation is tracked under: `schema.name`, with `public.` dropped.
pub fn rel_key(name: &ObjName) -> String {
    match name.schema.as_deref() {
        None | Some("public") => name.name.clone(),
        Some(s) => format!("{s}.{}", name.name),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub data_type: TypeName,
    pub not_null: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintInfo {
    pub validated: bool,
    /// Set for `CHECK (col IS NOT NULL)`.
    pub not_null_column: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: BTreeMap<String, Column>,
    pub constraints: BTreeMap<String, ConstraintInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub table: String,
    /// `CREATE [UNIQUE] INDEX name ON table cols`, reconstructed for rollbacks.
    pub definition: String,
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    pub indexes: BTreeMap<String, Index>,
    pub enums: BTreeMap<String, Vec<String>>,
}

impl Schema {
    pub fn table(&self, name: &ObjName) -> Option<&Table> {
        self.tables.get(&rel_key(name))
    }

    pub fn column(&self, table: &ObjName, column: &str) -> Option<&Column> {
        self.table(table)?.columns.get(column)
    }

    /// Is there a validated `CHECK (column IS NOT NULL)` on the table?
    pub fn has_validated_not_null_check(&self, table: &ObjName, column: &str) -> bool {
        self.table(table).is_some_and(|t| {
            t.constraints
                .values()
                .any(|c| c.validated && c.not_null_column.as_deref() == Some(column))
        })
    }

    /// Apply one statement's effect.
    pub fn apply(&mut self, op: &Op) {
        match op {
            Op::CreateTable {
                name,
                columns,
                constraints,
                ..
            } => {
                let mut table = Table::default();
                for c in columns {
                    table.columns.insert(
                        c.name.name.clone(),
                        Column {
                            data_type: c.data_type.clone(),
                            not_null: c.not_null,
                        },
                    );
                }
                for c in constraints {
                    if let Some(n) = &c.name {
                        table.constraints.insert(n.name.clone(), constraint_info(c));
                    }
                }
                self.tables.insert(rel_key(name), table);
            }
            Op::CreateIndex {
                name: Some(name),
                table,
                unique,
                columns,
                ..
            } => {
                let unique = if *unique { "UNIQUE " } else { "" };
                self.indexes.insert(
                    name.name.clone(),
                    Index {
                        table: rel_key(table),
                        definition: format!(
                            "CREATE {unique}INDEX CONCURRENTLY IF NOT EXISTS {} ON {} {}",
                            name.name,
                            table.qualified(),
                            columns
                        ),
                    },
                );
            }
            Op::DropIndex { names, .. } => {
                for n in names {
                    self.indexes.remove(&n.name);
                }
            }
            Op::DropTable { names, .. } => {
                for n in names {
                    let key = rel_key(n);
                    self.tables.remove(&key);
                    self.indexes.retain(|_, i| i.table != key);
                }
            }
            Op::CreateEnum { name, values } => {
                self.enums.insert(rel_key(name), values.clone());
            }
            Op::AlterEnumAddValue { name, value, .. } => {
                self.enums
                    .entry(rel_key(name))
                    .or_default()
                    .push(value.clone());
            }
            Op::DropType { names } => {
                for n in names {
                    self.enums.remove(&rel_key(n));
                }
            }
            Op::AlterTable { table, actions, .. } => {
                let key = rel_key(table);
                for action in actions {
                    self.apply_alter(&key, &action.kind);
                }
            }
            _ => {}
        }
    }

    fn apply_alter(&mut self, key: &str, kind: &AlterKind) {
        if let AlterKind::RenameTable { to } = kind {
            if let Some(t) = self.tables.remove(key) {
                let new_key = rel_key(to);
                for idx in self.indexes.values_mut() {
                    if idx.table == key {
                        idx.table = new_key.clone();
                    }
                }
                self.tables.insert(new_key, t);
            }
            return;
        }
        // A table created outside the scanned migrations: track what this migration does to
        // it from here on (columns it adds, constraints it validates).
        let table = self.tables.entry(key.to_string()).or_default();
        match kind {
            AlterKind::AddColumn { column, .. } => {
                table.columns.insert(
                    column.name.name.clone(),
                    Column {
                        data_type: column.data_type.clone(),
                        not_null: column.not_null,
                    },
                );
            }
            AlterKind::DropColumn { column, .. } => {
                table.columns.remove(&column.name);
            }
            AlterKind::RenameColumn { from, to } => {
                if let Some(c) = table.columns.remove(&from.name) {
                    table.columns.insert(to.name.clone(), c);
                }
            }
            AlterKind::AlterColumnType {
                column, new_type, ..
            } => {
                if let Some(c) = table.columns.get_mut(&column.name) {
                    c.data_type = new_type.clone();
                }
            }
            AlterKind::SetNotNull { column } => {
                if let Some(c) = table.columns.get_mut(&column.name) {
                    c.not_null = true;
                }
            }
            AlterKind::DropNotNull { column } => {
                if let Some(c) = table.columns.get_mut(&column.name) {
                    c.not_null = false;
                }
            }
            AlterKind::AddConstraint { constraint } => {
                if let Some(n) = &constraint.name {
                    table
                        .constraints
                        .insert(n.name.clone(), constraint_info(constraint));
                }
            }
            AlterKind::ValidateConstraint { name } => {
                if let Some(c) = table.constraints.get_mut(name) {
                    c.validated = true;
                }
            }
            AlterKind::DropConstraint { name, .. } => {
                table.constraints.remove(name);
            }
            AlterKind::RenameConstraint { from, to } => {
                if let Some(c) = table.constraints.remove(from) {
                    table.constraints.insert(to.clone(), c);
                }
            }
            _ => {}
        }
    }
}

fn constraint_info(c: &crate::parse::sql::Constraint) -> ConstraintInfo {
    ConstraintInfo {
        validated: !c.not_valid,
        not_null_column: match &c.kind {
            ConstraintKind::Check {
                not_null_column, ..
            } => not_null_column.clone(),
            _ => None,
        },
    }
}

/// Tables created so far in one unit of deployment (a migration, or in diff mode the
/// release): harmless to index, constrain or default because they hold no rows yet.
#[derive(Debug, Clone, Default)]
pub struct NewObjects {
    pub tables: BTreeSet<String>,
}

impl NewObjects {
    pub fn is_new(&self, table: &ObjName) -> bool {
        self.tables.contains(&rel_key(table))
    }

    pub fn record(&mut self, op: &Op) {
        match op {
            Op::CreateTable { name, .. } => {
                self.tables.insert(rel_key(name));
            }
            Op::AlterTable { table, actions, .. } => {
                for a in actions {
                    if let AlterKind::RenameTable { to } = &a.kind
                        && self.tables.remove(&rel_key(table))
                    {
                        self.tables.insert(rel_key(to));
                    }
                }
            }
            _ => {}
        }
    }
}
