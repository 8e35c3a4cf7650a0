//! The operation model: what a SQL statement does, in the few terms the rules need.
//!
//! Both the sqlparser AST and, when sqlparser rejects a statement, its token stream are
//! lowered into these types. Rules read only this model; they never see either parser.

use serde::Serialize;

use crate::span::Span;

/// One statement of a SQL file, with what it does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// From the first token that is not a comment to the terminating `;` (inclusive) or the
    /// last token of the statement.
    pub span: Span,
    /// Span of the leading keyword(s) (`CREATE INDEX`, `ALTER TABLE`); used as the primary
    /// label when a rule has nothing more precise.
    pub head: Span,
    pub op: Op,
    /// How `op` was obtained.
    pub source: Lowering,
}

/// Which path produced a statement's [`Op`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lowering {
    /// sqlparser parsed the statement.
    Ast,
    /// sqlparser rejected it; the token classifier recognised it.
    Tokens,
    /// Neither understood it; the statement is reported as not analysed.
    Unknown,
}

/// A possibly schema-qualified object name, lowercased unless it was quoted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjName {
    pub schema: Option<String>,
    pub name: String,
}

impl ObjName {
    pub fn new(name: impl Into<String>) -> Self {
        ObjName {
            schema: None,
            name: name.into(),
        }
    }

    /// `schema.name`, or `name`. A schema that was a template placeholder (`{{ ... }}`,
    /// masked before parsing) shows as `<template>`.
    pub fn qualified(&self) -> String {
        match &self.schema {
            Some(s) if is_masked_placeholder(s) => format!("<template>.{}", self.name),
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

impl std::fmt::Display for ObjName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.qualified())
    }
}

/// Placeholders are masked with `x` before parsing so spans stay exact; a name made only of
/// them is a placeholder, not a real identifier.
pub fn is_masked_placeholder(s: &str) -> bool {
    s.len() >= 4 && s.bytes().all(|b| b == b'x')
}

/// An identifier together with where it is in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A column type, normalised: aliases folded to one spelling (`integer` → `int4`,
/// `character varying` → `varchar`, `timestamp with time zone` → `timestamptz`,
/// `decimal` → `numeric`, `bool` → `boolean`, `serial` stays `serial`), with its modifiers
/// (`varchar(20)` → `[20]`, `numeric(10,2)` → `[10, 2]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeName {
    pub base: String,
    pub modifiers: Vec<u32>,
    pub array: bool,
    /// The type as written, for messages and generated SQL.
    pub text: String,
}

/// Volatility of an expression, as PostgreSQL decides whether `ADD COLUMN ... DEFAULT`
/// must rewrite the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Volatility {
    /// Constants, casts of constants, immutable functions.
    Immutable,
    /// Evaluated once per statement (`now()`, `current_timestamp`): no rewrite since PG 11.
    Stable,
    /// Evaluated per row (`random()`, `gen_random_uuid()`, `clock_timestamp()`,
    /// `nextval(...)`, any function not known to be stable): rewrites the table.
    Volatile,
}

/// A DEFAULT or other expression, kept as text plus what the rules need to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expr {
    pub text: String,
    pub volatility: Volatility,
    /// `NULL` (or a cast of it).
    pub is_null: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generated {
    /// `GENERATED ... AS (expr) STORED`: computed for every row, rewrites.
    Stored,
    /// `GENERATED ... AS (expr) VIRTUAL` (PG 18+): no rewrite.
    Virtual,
    /// `GENERATED ... AS IDENTITY`: fills every row from a sequence, rewrites.
    Identity,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDef {
    pub name: Ident,
    pub data_type: TypeName,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub generated: Option<Generated>,
    pub primary_key: bool,
    pub unique: bool,
    /// Inline `REFERENCES other (col)`.
    pub references: Option<ObjName>,
    /// Inline `CHECK (...)`.
    pub check: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ConstraintKind {
    ForeignKey {
        columns: Vec<String>,
        ref_table: ObjName,
        ref_columns: Vec<String>,
    },
    /// `CHECK (expr)`. `not_null_column` is set when the expression is exactly
    /// `col IS NOT NULL`, the form that lets a later `SET NOT NULL` skip its scan.
    Check {
        expr: String,
        not_null_column: Option<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    PrimaryKey {
        columns: Vec<String>,
    },
    Exclude,
    /// `NOT NULL col` as a table constraint (PG 18).
    NotNull {
        column: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    pub name: Option<Ident>,
    pub kind: ConstraintKind,
    pub not_valid: bool,
    /// `UNIQUE/PRIMARY KEY USING INDEX idx`.
    pub using_index: Option<String>,
}

/// One action of an `ALTER TABLE`. Each carries the span of the action's own text so a
/// finding can point at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlterAction {
    pub span: Span,
    pub kind: AlterKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum AlterKind {
    AddColumn {
        column: ColumnDef,
        if_not_exists: bool,
    },
    DropColumn {
        column: Ident,
        if_exists: bool,
        cascade: bool,
    },
    RenameColumn {
        from: Ident,
        to: Ident,
    },
    RenameTable {
        to: ObjName,
    },
    RenameConstraint {
        from: String,
        to: String,
    },
    AlterColumnType {
        column: Ident,
        new_type: TypeName,
        using: Option<String>,
    },
    SetNotNull {
        column: Ident,
    },
    DropNotNull {
        column: Ident,
    },
    SetDefault {
        column: Ident,
        default: Expr,
    },
    DropDefault {
        column: Ident,
    },
    AddConstraint {
        constraint: Constraint,
    },
    ValidateConstraint {
        name: String,
    },
    DropConstraint {
        name: String,
        if_exists: bool,
        cascade: bool,
    },
    SetLogged,
    SetUnlogged,
    SetTablespace {
        tablespace: String,
    },
    SetSchema {
        schema: String,
    },
    /// `SET (fillfactor = ...)`, `RESET (...)`: SHARE UPDATE EXCLUSIVE, no rewrite.
    SetStorageParams,
    AttachPartition {
        partition: ObjName,
    },
    DetachPartition {
        partition: ObjName,
        concurrently: bool,
    },
    /// Any other action (`OWNER TO`, `ENABLE ROW LEVEL SECURITY`, `REPLICA IDENTITY`,
    /// `ENABLE/DISABLE TRIGGER`, `ALTER COLUMN ... SET STATISTICS`, ...). `text` is the
    /// action's source, lowercased and whitespace-collapsed.
    Other {
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReindexTarget {
    Index,
    Table,
    Schema,
    Database,
    System,
}

/// What a statement does.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    CreateTable {
        name: ObjName,
        if_not_exists: bool,
        columns: Vec<ColumnDef>,
        constraints: Vec<Constraint>,
        /// `CREATE TABLE ... AS SELECT` / `LIKE`.
        as_query: bool,
        /// `PARTITION OF parent`.
        partition_of: Option<ObjName>,
    },
    CreateIndex {
        name: Option<Ident>,
        table: ObjName,
        table_span: Span,
        unique: bool,
        concurrently: bool,
        if_not_exists: bool,
        /// `ON ONLY parent`: creates an invalid index on the parent alone, no build.
        only: bool,
        /// Column list / expressions as written, e.g. `(email)`, `(lower(email))`.
        columns: String,
    },
    DropIndex {
        names: Vec<ObjName>,
        concurrently: bool,
        if_exists: bool,
    },
    Reindex {
        target: ReindexTarget,
        name: ObjName,
        concurrently: bool,
    },
    AlterIndex {
        name: ObjName,
        /// lowercased, whitespace-collapsed action text (`rename to x`, `set tablespace y`).
        action: String,
    },
    AlterTable {
        table: ObjName,
        table_span: Span,
        if_exists: bool,
        only: bool,
        actions: Vec<AlterAction>,
    },
    DropTable {
        names: Vec<ObjName>,
        if_exists: bool,
        cascade: bool,
    },
    Truncate {
        tables: Vec<ObjName>,
        cascade: bool,
    },
    Update {
        table: ObjName,
        has_where: bool,
    },
    Delete {
        table: ObjName,
        has_where: bool,
    },
    Insert {
        table: ObjName,
        /// `INSERT ... SELECT` (a backfill) rather than `VALUES`.
        from_query: bool,
    },
    CreateEnum {
        name: ObjName,
        values: Vec<String>,
    },
    AlterEnumAddValue {
        name: ObjName,
        value: String,
        if_not_exists: bool,
    },
    AlterEnumRenameValue {
        name: ObjName,
        from: String,
        to: String,
    },
    DropType {
        names: Vec<ObjName>,
    },
    Vacuum {
        full: bool,
        tables: Vec<ObjName>,
    },
    Cluster {
        table: Option<ObjName>,
    },
    Analyze,
    /// `SET [LOCAL|SESSION] name = value` / `SET name TO value` / `RESET name`
    /// (value empty) / `SELECT set_config('name', 'value', is_local)`.
    Set {
        name: String,
        value: String,
        local: bool,
    },
    Begin,
    Commit,
    Rollback,
    LockTable {
        tables: Vec<ObjName>,
        /// Uppercase SQL lock mode; `ACCESS EXCLUSIVE` when none is given.
        mode: String,
    },
    RefreshMaterializedView {
        name: ObjName,
        concurrently: bool,
    },
    CreateView {
        name: ObjName,
        materialized: bool,
        or_replace: bool,
    },
    DropView {
        names: Vec<ObjName>,
        materialized: bool,
    },
    CreateExtension {
        name: String,
    },
    DropExtension {
        name: String,
    },
    CreateSequence {
        name: ObjName,
    },
    DropSequence {
        names: Vec<ObjName>,
    },
    CreateSchema {
        name: String,
    },
    DropSchema {
        names: Vec<String>,
        cascade: bool,
    },
    /// `CREATE FUNCTION`, `CREATE TRIGGER`, `DO $$...$$`, `COMMENT ON`, `GRANT`, `CREATE POLICY`,
    /// `ALTER SEQUENCE`, ...: understood well enough to know it is none of the above.
    /// `kind` is the uppercase leading keywords (`CREATE FUNCTION`, `DO`, `GRANT`).
    Other {
        kind: String,
    },
    /// Neither sqlparser nor the token classifier understood the statement.
    Unknown {
        /// sqlparser's error, for the "not analysed" note.
        reason: String,
    },
}
