//! Token-stream lowering: classifies a statement from its tokens alone, for statements
//! sqlparser rejects (`DROP INDEX CONCURRENTLY`, `REINDEX`, `ALTER TABLE ... DETACH
//! PARTITION`, ...) or whose AST does not carry what the model needs.
//!
//! Each reader walks the token view left to right with small pattern checks; anything it
//! does not recognise inside a known statement becomes a generic part (`AlterKind::Other`,
//! `Op::Other`) rather than a failure. The AST lowering reuses the readers here for spans
//! and as-written text, so both paths produce the same [`Op`] for the same statement.

use std::ops::Range;

use sqlparser::tokenizer::Token;

use super::types::{expr, is_serial, serial_default, strip_parens, type_name};
use super::view::{NameAt, View, normalize};
use super::{
    AlterAction, AlterKind, ColumnDef, Constraint, ConstraintKind, Generated, ObjName, Op,
    ReindexTarget,
};

/// Lowers a statement from its tokens; `None` when it is not recognised at all.
pub(crate) fn lower(v: &View) -> Option<Op> {
    let first = v.upper(0)?;
    match first.as_str() {
        "ALTER" => alter(v),
        "CREATE" => create(v),
        "DROP" => drop(v),
        "REINDEX" => reindex(v),
        "REFRESH" => refresh(v),
        "CLUSTER" => Some(cluster(v)),
        "VACUUM" => Some(vacuum(v)),
        "ANALYZE" | "ANALYSE" => Some(Op::Analyze),
        "TRUNCATE" => Some(truncate(v)),
        "UPDATE" => update(v, 0),
        "DELETE" => delete(v, 0),
        "INSERT" => insert(v, 0),
        "WITH" => Some(with_dml(v)),
        "SET" => set(v),
        "RESET" => reset(v),
        "SELECT" => Some(set_config(v).unwrap_or_else(|| other(v))),
        "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "ABORT" => Some(transaction(v)),
        "LOCK" => Some(lock(v)),
        word if OTHER_STATEMENTS.binary_search(&word).is_ok() => Some(other(v)),
        _ => None,
    }
}

/// Leading keywords of statements understood but not modelled (sorted).
const OTHER_STATEMENTS: &[&str] = &[
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "COMMENT",
    "COPY",
    "DEALLOCATE",
    "DECLARE",
    "DISCARD",
    "DO",
    "EXECUTE",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "IMPORT",
    "LISTEN",
    "LOAD",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PREPARE",
    "REASSIGN",
    "RELEASE",
    "REVOKE",
    "SAVEPOINT",
    "SECURITY",
    "SHOW",
    "TABLE",
    "UNLISTEN",
    "VALUES",
];

/// Modifiers between `CREATE`/`ALTER`/`DROP` and the object type.
const DDL_MODIFIERS: &[&[&str]] = &[
    &["OR", "REPLACE"],
    &["TEMPORARY"],
    &["TEMP"],
    &["UNLOGGED"],
    &["GLOBAL"],
    &["LOCAL"],
    &["UNIQUE"],
    &["TRUSTED"],
    &["PROCEDURAL"],
    &["RECURSIVE"],
    &["CONSTRAINT"],
];

/// PostgreSQL object types after `CREATE`/`ALTER`/`DROP`, longest first.
const OBJECT_TYPES: &[&[&str]] = &[
    &["FOREIGN", "DATA", "WRAPPER"],
    &["TEXT", "SEARCH", "CONFIGURATION"],
    &["TEXT", "SEARCH", "DICTIONARY"],
    &["TEXT", "SEARCH", "PARSER"],
    &["TEXT", "SEARCH", "TEMPLATE"],
    &["ACCESS", "METHOD"],
    &["DEFAULT", "PRIVILEGES"],
    &["EVENT", "TRIGGER"],
    &["FOREIGN", "TABLE"],
    &["LARGE", "OBJECT"],
    &["MATERIALIZED", "VIEW"],
    &["OPERATOR", "CLASS"],
    &["OPERATOR", "FAMILY"],
    &["USER", "MAPPING"],
    &["AGGREGATE"],
    &["CAST"],
    &["COLLATION"],
    &["CONVERSION"],
    &["DATABASE"],
    &["DOMAIN"],
    &["EXTENSION"],
    &["FUNCTION"],
    &["GROUP"],
    &["INDEX"],
    &["LANGUAGE"],
    &["OPERATOR"],
    &["OWNED"],
    &["POLICY"],
    &["PROCEDURE"],
    &["PUBLICATION"],
    &["ROLE"],
    &["ROUTINE"],
    &["RULE"],
    &["SCHEMA"],
    &["SEQUENCE"],
    &["SERVER"],
    &["STATISTICS"],
    &["SUBSCRIPTION"],
    &["SYSTEM"],
    &["TABLE"],
    &["TABLESPACE"],
    &["TRANSFORM"],
    &["TRIGGER"],
    &["TYPE"],
    &["USER"],
    &["VIEW"],
];

/// Multi-word heads of other statements.
const MULTI_WORD_HEADS: &[&[&str]] = &[
    &["REFRESH", "MATERIALIZED", "VIEW"],
    &["IMPORT", "FOREIGN", "SCHEMA"],
    &["SET", "SESSION", "AUTHORIZATION"],
    &["SET", "SESSION", "CHARACTERISTICS"],
    &["COMMENT", "ON"],
    &["SECURITY", "LABEL"],
    &["START", "TRANSACTION"],
    &["COMMIT", "PREPARED"],
    &["ROLLBACK", "PREPARED"],
    &["PREPARE", "TRANSACTION"],
    &["INSERT", "INTO"],
    &["DELETE", "FROM"],
    &["LOCK", "TABLE"],
    &["REASSIGN", "OWNED"],
    &["SET", "CONSTRAINTS"],
    &["SET", "TRANSACTION"],
    &["SET", "ROLE"],
];

/// The statement's head: how many leading tokens it spans and the kind they name, with
/// modifiers dropped (`CREATE OR REPLACE FUNCTION` → 4 tokens, `CREATE FUNCTION`). `None`
/// when a `CREATE`/`ALTER`/`DROP` names no known object type.
pub(crate) fn head(v: &View) -> Option<(usize, String)> {
    let first = v.upper(0)?;
    if matches!(first.as_str(), "CREATE" | "ALTER" | "DROP") {
        let mut i = 1;
        while let Some(m) = DDL_MODIFIERS.iter().find(|m| v.kws(i, m)) {
            i += m.len();
        }
        let object = OBJECT_TYPES.iter().find(|o| v.kws(i, o))?;
        return Some((i + object.len(), format!("{first} {}", object.join(" "))));
    }
    if first == "ROLLBACK" && rollback_to(v) {
        return Some((1, "ROLLBACK TO SAVEPOINT".to_string()));
    }
    let words = MULTI_WORD_HEADS
        .iter()
        .find(|h| v.kws(0, h))
        .map_or(1, |h| h.len());
    let kind = (0..words).filter_map(|i| v.upper(i)).collect::<Vec<_>>();
    Some((words, kind.join(" ")))
}

/// `Op::Other` with the statement's kind (its first word when the head is not known).
pub(crate) fn other(v: &View) -> Op {
    let kind = head(v)
        .map(|(_, kind)| kind)
        .or_else(|| v.upper(0))
        .unwrap_or_default();
    Op::Other { kind }
}

// ---------------------------------------------------------------------------------------
// ALTER

fn alter(v: &View) -> Option<Op> {
    if v.kw(1, "TABLE") {
        return Some(alter_table(v));
    }
    if v.kw(1, "INDEX") {
        return Some(alter_index(v));
    }
    if v.kw(1, "TYPE") {
        return Some(alter_type(v));
    }
    head(v).map(|_| other(v))
}

/// Where an `ALTER TABLE` names its table.
#[derive(Debug)]
pub(crate) struct AlterTableHead {
    pub if_exists: bool,
    pub only: bool,
    pub table: NameAt,
    /// Index of the first action token.
    pub actions: usize,
}

/// Reads `ALTER TABLE [IF EXISTS] [ONLY] name [*]`.
pub(crate) fn alter_table_head(v: &View) -> Option<AlterTableHead> {
    let mut i = v.eat(0, &["ALTER", "TABLE"])?;
    let if_exists = v.kws(i, &["IF", "EXISTS"]);
    i = v.skip(i, &["IF", "EXISTS"]);
    let only = v.kw(i, "ONLY");
    i = v.skip(i, &["ONLY"]);
    let table = v.name(i)?;
    let mut actions = table.next;
    if v.is(actions, &Token::Mul) {
        actions += 1;
    }
    Some(AlterTableHead {
        if_exists,
        only,
        table,
        actions,
    })
}

fn alter_table(v: &View) -> Op {
    let Some(head) = alter_table_head(v) else {
        return other(v);
    };
    let actions = v
        .split_commas(head.actions..v.len())
        .into_iter()
        .map(|r| AlterAction {
            span: v.span(r.clone()),
            kind: alter_action(v, r),
        })
        .collect();
    Op::AlterTable {
        table: head.table.name,
        table_span: head.table.span,
        if_exists: head.if_exists,
        only: head.only,
        actions,
    }
}

/// One `ALTER TABLE` action.
pub(crate) fn alter_action(v: &View, r: Range<usize>) -> AlterKind {
    let s = r.start;
    let kind = match v.upper(s).as_deref() {
        Some("ADD") => add_action(v, r.clone()),
        Some("DROP") => drop_action(v, r.clone()),
        Some("ALTER") => alter_column_action(v, r.clone()),
        Some("RENAME") => rename_action(v, r.clone()),
        Some("VALIDATE") if v.kw(s + 1, "CONSTRAINT") => v
            .ident(s + 2)
            .map(|id| AlterKind::ValidateConstraint { name: id.name }),
        Some("SET") => set_action(v, r.clone()),
        Some("RESET") if v.is(s + 1, &Token::LParen) => Some(AlterKind::SetStorageParams),
        Some("ATTACH") if v.kw(s + 1, "PARTITION") => v
            .name(s + 2)
            .map(|p| AlterKind::AttachPartition { partition: p.name }),
        Some("DETACH") if v.kw(s + 1, "PARTITION") => v.name(s + 2).map(|p| {
            let concurrently = (p.next..r.end).any(|j| v.kw(j, "CONCURRENTLY"));
            AlterKind::DetachPartition {
                partition: p.name,
                concurrently,
            }
        }),
        _ => None,
    };
    kind.unwrap_or_else(|| AlterKind::Other {
        text: v.collapsed(r),
    })
}

/// Keywords that start a table constraint.
const CONSTRAINT_STARTS: &[&str] = &[
    "CHECK",
    "CONSTRAINT",
    "EXCLUDE",
    "FOREIGN",
    "PRIMARY",
    "UNIQUE",
];

fn add_action(v: &View, r: Range<usize>) -> Option<AlterKind> {
    let mut i = r.start + 1;
    if v.any_kw(i, CONSTRAINT_STARTS) {
        return table_constraint(v, i..r.end)
            .map(|constraint| AlterKind::AddConstraint { constraint });
    }
    if is_mysql_index(v, i) {
        return None;
    }
    i = v.skip(i, &["COLUMN"]);
    let if_not_exists = v.kws(i, &["IF", "NOT", "EXISTS"]);
    i = v.skip(i, &["IF", "NOT", "EXISTS"]);
    column_def(v, i..r.end).map(|column| AlterKind::AddColumn {
        column,
        if_not_exists,
    })
}

fn drop_action(v: &View, r: Range<usize>) -> Option<AlterKind> {
    let mut i = r.start + 1;
    let constraint = v.kw(i, "CONSTRAINT");
    if constraint {
        i += 1;
    } else {
        if v.any_kw(i, &["PRIMARY", "FOREIGN", "INDEX", "KEY", "PARTITION"]) {
            return None;
        }
        i = v.skip(i, &["COLUMN"]);
    }
    let if_exists = v.kws(i, &["IF", "EXISTS"]);
    i = v.skip(i, &["IF", "EXISTS"]);
    let column = v.ident(i)?;
    let cascade = v.kw(i + 1, "CASCADE");
    Some(if constraint {
        AlterKind::DropConstraint {
            name: column.name,
            if_exists,
            cascade,
        }
    } else {
        AlterKind::DropColumn {
            column,
            if_exists,
            cascade,
        }
    })
}

fn alter_column_action(v: &View, r: Range<usize>) -> Option<AlterKind> {
    let i = v.skip(r.start + 1, &["COLUMN"]);
    let column = v.ident(i)?;
    let i = i + 1;
    if let Some(t) = v
        .eat(i, &["TYPE"])
        .or_else(|| v.eat(i, &["SET", "DATA", "TYPE"]))
    {
        let (new_type, using) = column_type_change(v, t..r.end);
        return Some(AlterKind::AlterColumnType {
            column,
            new_type,
            using,
        });
    }
    if v.kws(i, &["SET", "NOT", "NULL"]) {
        return Some(AlterKind::SetNotNull { column });
    }
    if v.kws(i, &["DROP", "NOT", "NULL"]) {
        return Some(AlterKind::DropNotNull { column });
    }
    if v.kws(i, &["SET", "DEFAULT"]) && i + 2 < r.end {
        let default = expr(v, i + 2..r.end);
        return Some(AlterKind::SetDefault { column, default });
    }
    if v.kws(i, &["DROP", "DEFAULT"]) {
        return Some(AlterKind::DropDefault { column });
    }
    None
}

/// `new_type [COLLATE c] [USING expr]`, from the token after `TYPE`.
pub(crate) fn column_type_change(v: &View, r: Range<usize>) -> (super::TypeName, Option<String>) {
    let type_end = v
        .find_top(r.clone(), |j| v.any_kw(j, &["COLLATE", "USING"]))
        .unwrap_or(r.end);
    let using = v
        .find_top(r.clone(), |j| v.kw(j, "USING"))
        .map(|u| v.text(u + 1..r.end).trim().to_string());
    (type_name(v, r.start..type_end), using)
}

fn rename_action(v: &View, r: Range<usize>) -> Option<AlterKind> {
    let i = r.start + 1;
    if v.kw(i, "TO") {
        return v.name(i + 1).map(|n| AlterKind::RenameTable { to: n.name });
    }
    if v.kw(i, "CONSTRAINT") && v.kw(i + 2, "TO") {
        return Some(AlterKind::RenameConstraint {
            from: v.ident(i + 1)?.name,
            to: v.ident(i + 3)?.name,
        });
    }
    let i = v.skip(i, &["COLUMN"]);
    if !v.kw(i + 1, "TO") {
        return None;
    }
    Some(AlterKind::RenameColumn {
        from: v.ident(i)?,
        to: v.ident(i + 2)?,
    })
}

fn set_action(v: &View, r: Range<usize>) -> Option<AlterKind> {
    let i = r.start + 1;
    match v.upper(i).as_deref() {
        Some("LOGGED") => Some(AlterKind::SetLogged),
        Some("UNLOGGED") => Some(AlterKind::SetUnlogged),
        Some("TABLESPACE") => v
            .ident(i + 1)
            .map(|t| AlterKind::SetTablespace { tablespace: t.name }),
        Some("SCHEMA") => v
            .ident(i + 1)
            .map(|s| AlterKind::SetSchema { schema: s.name }),
        _ if v.is(i, &Token::LParen) => Some(AlterKind::SetStorageParams),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Column definitions and constraints

/// Whether token `j` starts a column constraint (ending a type or a default expression).
fn is_column_constraint(v: &View, j: usize) -> bool {
    let after_is = |k: &str| v.kw(j, k) && j > 0 && v.any_kw(j - 1, &["IS", "NOT"]);
    match v.upper(j).as_deref() {
        Some("NOT") => !after_is("NOT") && v.any_kw(j + 1, &["NULL", "DEFERRABLE"]),
        Some("NULL") => !after_is("NULL"),
        Some(
            "CONSTRAINT" | "DEFAULT" | "PRIMARY" | "UNIQUE" | "REFERENCES" | "CHECK" | "GENERATED"
            | "COLLATE",
        ) => true,
        _ => false,
    }
}

/// Where a column definition's parts are.
#[derive(Debug)]
pub(crate) struct ColumnParts {
    pub def: ColumnDef,
    /// Token range of the DEFAULT expression.
    pub default: Option<Range<usize>>,
}

/// A column definition `name type [constraints...]` in `r`.
pub(crate) fn column_def(v: &View, r: Range<usize>) -> Option<ColumnDef> {
    column_parts(v, r).map(|p| p.def)
}

/// A column definition with the location of its parts.
pub(crate) fn column_parts(v: &View, r: Range<usize>) -> Option<ColumnParts> {
    let name = v.ident(r.start)?;
    let type_start = r.start + 1;
    let type_end = v
        .find_top(type_start..r.end, |j| is_column_constraint(v, j))
        .unwrap_or(r.end);
    let data_type = type_name(v, type_start..type_end);
    let mut def = ColumnDef {
        name,
        data_type,
        not_null: false,
        default: None,
        generated: None,
        primary_key: false,
        unique: false,
        references: None,
        check: false,
    };
    let mut default_range = None;
    let mut i = type_end;
    while i < r.end {
        let word = v.upper(i);
        i = match word.as_deref() {
            Some("CONSTRAINT") => i + 2,
            Some("NOT") if v.kw(i + 1, "NULL") => {
                def.not_null = true;
                i + 2
            }
            Some("DEFAULT") => {
                let end = v
                    .find_top(i + 2..r.end, |j| is_column_constraint(v, j))
                    .unwrap_or(r.end);
                default_range = Some(i + 1..end.max(i + 1));
                def.default = Some(expr(v, i + 1..end));
                end.max(i + 1)
            }
            Some("PRIMARY") if v.kw(i + 1, "KEY") => {
                def.primary_key = true;
                def.not_null = true;
                i + 2
            }
            Some("UNIQUE") => {
                def.unique = true;
                i + 1
            }
            Some("REFERENCES") => match v.name(i + 1) {
                Some(n) => {
                    def.references = Some(n.name);
                    n.next
                }
                None => i + 1,
            },
            Some("CHECK") => {
                def.check = true;
                i + 1
            }
            Some("GENERATED") => {
                let (generated, next) = generated(v, i, r.end);
                def.generated = Some(generated);
                next
            }
            Some("COLLATE") => i + 2,
            _ => match v.close(i) {
                Some(close) => close + 1,
                None => i + 1,
            },
        };
    }
    if def.default.is_none() && def.generated.is_none() && is_serial(&def.data_type) {
        def.default = Some(serial_default());
    }
    Some(ColumnParts {
        def,
        default: default_range,
    })
}

/// `GENERATED ...` at `i`: identity, or a stored/virtual generated column; and the index
/// after the clause.
fn generated(v: &View, i: usize, end: usize) -> (Generated, usize) {
    let after_as = v
        .eat(i + 1, &["ALWAYS", "AS"])
        .or_else(|| v.eat(i + 1, &["BY", "DEFAULT", "AS"]));
    let past = |j: usize| v.close(j).map_or(end, |c| c + 1);
    match after_as {
        Some(j) if v.kw(j, "IDENTITY") => {
            let next = if v.is(j + 1, &Token::LParen) {
                past(j + 1)
            } else {
                j + 1
            };
            (Generated::Identity, next)
        }
        Some(j) => {
            let after = past(j);
            if v.kw(after, "STORED") {
                (Generated::Stored, after + 1)
            } else if v.kw(after, "VIRTUAL") {
                (Generated::Virtual, after + 1)
            } else {
                (Generated::Virtual, after)
            }
        }
        None => (Generated::Stored, i + 1),
    }
}

/// A table constraint in `r` (from `CONSTRAINT name` or the constraint keyword).
pub(crate) fn table_constraint(v: &View, r: Range<usize>) -> Option<Constraint> {
    let mut i = r.start;
    let name = if v.kw(i, "CONSTRAINT") {
        i += 2;
        v.ident(i - 1)
    } else {
        None
    };
    let mut using_index = None;
    let kind = match v.upper(i)?.as_str() {
        "CHECK" => {
            let inner = paren_inner(v, i + 1)?;
            ConstraintKind::Check {
                expr: v.text(inner.clone()).trim().to_string(),
                not_null_column: not_null_column(v, inner),
            }
        }
        "UNIQUE" | "PRIMARY" => {
            let mut j = if v.kw(i, "PRIMARY") { i + 2 } else { i + 1 };
            j = v.skip(j, &["NULLS", "NOT", "DISTINCT"]);
            j = v.skip(j, &["NULLS", "DISTINCT"]);
            let columns = if v.kws(j, &["USING", "INDEX"]) {
                using_index = v.ident(j + 2).map(|id| id.name);
                Vec::new()
            } else {
                column_list(v, j)?
            };
            if v.kw(i, "PRIMARY") {
                ConstraintKind::PrimaryKey { columns }
            } else {
                ConstraintKind::Unique { columns }
            }
        }
        "FOREIGN" if v.kw(i + 1, "KEY") => {
            let columns = column_list(v, i + 2)?;
            let refs = v
                .find_top(i + 2..r.end, |j| v.kw(j, "REFERENCES"))
                .and_then(|j| v.name(j + 1))?;
            let ref_columns = if v.is(refs.next, &Token::LParen) {
                column_list(v, refs.next)?
            } else {
                Vec::new()
            };
            ConstraintKind::ForeignKey {
                columns,
                ref_table: refs.name,
                ref_columns,
            }
        }
        "EXCLUDE" => ConstraintKind::Exclude,
        "NOT" if v.kw(i + 1, "NULL") => ConstraintKind::NotNull {
            column: v.ident(i + 2)?.name,
        },
        _ => return None,
    };
    let not_valid = v
        .find_top(i..r.end, |j| v.kws(j, &["NOT", "VALID"]))
        .is_some();
    Some(Constraint {
        name,
        kind,
        not_valid,
        using_index,
    })
}

/// The tokens inside the parentheses opening at `i`.
pub(crate) fn paren_inner(v: &View, i: usize) -> Option<Range<usize>> {
    let close = v.close(i).filter(|_| v.is(i, &Token::LParen))?;
    Some(i + 1..close)
}

/// `col IS NOT NULL` (ignoring parentheses, quotes and case) → `col`.
pub(crate) fn not_null_column(v: &View, r: Range<usize>) -> Option<String> {
    let r = strip_parens(v, r);
    (r.len() == 4 && v.kws(r.start + 1, &["IS", "NOT", "NULL"]))
        .then(|| v.ident(r.start).map(|id| id.name))
        .flatten()
}

/// The column names of the parenthesised list at `i` (`(a, "B" DESC)` → `a`, `B`).
fn column_list(v: &View, i: usize) -> Option<Vec<String>> {
    let inner = paren_inner(v, i)?;
    Some(
        v.split_commas(inner)
            .into_iter()
            .map(|item| match v.word(item.start) {
                Some(w) if item.len() == 1 || !v.is(item.start + 1, &Token::LParen) => normalize(w),
                _ => v.collapsed(item),
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------
// ALTER INDEX / ALTER TYPE

/// `ALTER INDEX [IF EXISTS] name action`.
pub(crate) fn alter_index(v: &View) -> Op {
    let i = v.skip(2, &["IF", "EXISTS"]);
    match v.name(i) {
        Some(n) => Op::AlterIndex {
            name: n.name,
            action: v.collapsed(n.next..v.len()),
        },
        None => other(v),
    }
}

fn alter_type(v: &View) -> Op {
    let Some(n) = v.name(2) else {
        return other(v);
    };
    let i = n.next;
    if let Some(j) = v.eat(i, &["ADD", "VALUE"]) {
        let if_not_exists = v.kws(j, &["IF", "NOT", "EXISTS"]);
        let j = v.skip(j, &["IF", "NOT", "EXISTS"]);
        if let Some(value) = string(v, j) {
            return Op::AlterEnumAddValue {
                name: n.name,
                value,
                if_not_exists,
            };
        }
    }
    if let Some(j) = v.eat(i, &["RENAME", "VALUE"])
        && let (Some(from), true, Some(to)) = (string(v, j), v.kw(j + 1, "TO"), string(v, j + 2))
    {
        return Op::AlterEnumRenameValue {
            name: n.name,
            from,
            to,
        };
    }
    other(v)
}

/// Token `i` as a string literal's value.
fn string(v: &View, i: usize) -> Option<String> {
    match v.token(i)? {
        Token::SingleQuotedString(s)
        | Token::EscapedStringLiteral(s)
        | Token::NationalStringLiteral(s)
        | Token::UnicodeStringLiteral(s) => Some(s.clone()),
        Token::DollarQuotedString(s) => Some(s.value.clone()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// CREATE

fn create(v: &View) -> Option<Op> {
    let (head_len, kind) = head(v)?;
    let or_replace = v.kws(1, &["OR", "REPLACE"]);
    let unique = (1..head_len).any(|j| v.kw(j, "UNIQUE"));
    let i = head_len;
    let op = match kind.as_str() {
        "CREATE TABLE" => create_table(v),
        "CREATE INDEX" => create_index(v, i, unique),
        "CREATE VIEW" | "CREATE MATERIALIZED VIEW" => {
            let i = v.skip(i, &["IF", "NOT", "EXISTS"]);
            v.name(i).map(|n| Op::CreateView {
                name: n.name,
                materialized: kind == "CREATE MATERIALIZED VIEW",
                or_replace,
            })
        }
        "CREATE TYPE" => create_enum(v, i),
        "CREATE EXTENSION" => if_not_exists_ident(v, i).map(|name| Op::CreateExtension { name }),
        "CREATE SEQUENCE" => v
            .name(v.skip(i, &["IF", "NOT", "EXISTS"]))
            .map(|n| Op::CreateSequence { name: n.name }),
        "CREATE SCHEMA" => {
            let j = v.skip(i, &["IF", "NOT", "EXISTS"]);
            let j = if v.kw(j, "AUTHORIZATION") { j + 1 } else { j };
            v.ident(j).map(|id| Op::CreateSchema { name: id.name })
        }
        _ => None,
    };
    Some(op.unwrap_or(Op::Other { kind }))
}

fn if_not_exists_ident(v: &View, i: usize) -> Option<String> {
    v.ident(v.skip(i, &["IF", "NOT", "EXISTS"]))
        .map(|id| id.name)
}

/// The token ranges of a `CREATE TABLE`'s parenthesised elements, if it has them.
pub(crate) fn table_elements(v: &View, i: usize) -> Vec<Range<usize>> {
    paren_inner(v, i)
        .map(|inner| v.split_commas(inner))
        .unwrap_or_default()
}

/// Whether a `CREATE TABLE` element is a table constraint (or a MySQL index definition).
pub(crate) fn is_constraint_element(v: &View, r: &Range<usize>) -> bool {
    v.any_kw(r.start, CONSTRAINT_STARTS) || is_mysql_index(v, r.start)
}

/// Types that take a parenthesised modifier, so `key varchar(10)` is a column named `key`
/// (sorted).
const PARAMETRISED_TYPES: &[&str] = &[
    "bigint",
    "binary",
    "bit",
    "char",
    "character",
    "datetime",
    "dec",
    "decimal",
    "double",
    "enum",
    "float",
    "int",
    "integer",
    "interval",
    "mediumint",
    "nchar",
    "numeric",
    "nvarchar",
    "set",
    "smallint",
    "time",
    "timestamp",
    "timestamptz",
    "timetz",
    "tinyint",
    "varbinary",
    "varbit",
    "varchar",
];

/// A MySQL `INDEX|KEY [name] (...)` / `FULLTEXT|SPATIAL ...` element at `i` (as opposed to a
/// column that happens to be named `key` or `index`).
fn is_mysql_index(v: &View, i: usize) -> bool {
    if v.any_kw(i, &["FULLTEXT", "SPATIAL"]) {
        return true;
    }
    if !v.any_kw(i, &["INDEX", "KEY"]) {
        return false;
    }
    let named = v.word(i + 1).is_some_and(|w| {
        let lower = w.value.to_ascii_lowercase();
        PARAMETRISED_TYPES.binary_search(&lower.as_str()).is_err()
    });
    v.is(i + 1, &Token::LParen) || (named && (v.is(i + 2, &Token::LParen) || v.kw(i + 2, "USING")))
}

/// Where the parts of a `CREATE TABLE` are.
#[derive(Debug)]
pub(crate) struct CreateTableHead {
    pub if_not_exists: bool,
    pub name: NameAt,
    pub partition_of: Option<ObjName>,
    /// Index of the `(` of the element list (or where it would be).
    pub elements: usize,
}

/// Reads `CREATE ... TABLE [IF NOT EXISTS] name [PARTITION OF parent]`.
pub(crate) fn create_table_head(v: &View) -> Option<CreateTableHead> {
    let (head_len, kind) = head(v)?;
    if kind != "CREATE TABLE" {
        return None;
    }
    let if_not_exists = v.kws(head_len, &["IF", "NOT", "EXISTS"]);
    let name = v.name(v.skip(head_len, &["IF", "NOT", "EXISTS"]))?;
    let mut elements = name.next;
    let mut partition_of = None;
    if let Some(p) = v
        .eat(elements, &["PARTITION", "OF"])
        .and_then(|j| v.name(j))
    {
        elements = p.next;
        partition_of = Some(p.name);
    }
    Some(CreateTableHead {
        if_not_exists,
        name,
        partition_of,
        elements,
    })
}

fn create_table(v: &View) -> Option<Op> {
    let head = create_table_head(v)?;
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    let mut as_query = false;
    for item in table_elements(v, head.elements) {
        if is_constraint_element(v, &item) {
            constraints.extend(table_constraint(v, item));
        } else if v.kw(item.start, "LIKE") {
            as_query = true;
        } else if head.partition_of.is_none() {
            columns.extend(column_def(v, item));
        }
    }
    let after = v.close(head.elements).map_or(head.elements, |c| c + 1);
    as_query |= v.find_top(after..v.len(), |j| v.kw(j, "AS")).is_some();
    Some(Op::CreateTable {
        name: head.name.name,
        if_not_exists: head.if_not_exists,
        columns,
        constraints,
        as_query,
        partition_of: head.partition_of,
    })
}

/// Where the parts of a `CREATE INDEX` are.
#[derive(Debug)]
pub(crate) struct CreateIndexParts {
    pub concurrently: bool,
    pub if_not_exists: bool,
    pub name: Option<super::Ident>,
    pub only: bool,
    pub table: NameAt,
    /// The column list as written.
    pub columns: String,
}

/// Reads `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] table
/// [USING method] (columns)`, from the token after `INDEX`.
pub(crate) fn create_index_parts(v: &View, mut i: usize) -> Option<CreateIndexParts> {
    let concurrently = v.kw(i, "CONCURRENTLY");
    i = v.skip(i, &["CONCURRENTLY"]);
    let if_not_exists = v.kws(i, &["IF", "NOT", "EXISTS"]);
    i = v.skip(i, &["IF", "NOT", "EXISTS"]);
    let mut name = None;
    if !v.kw(i, "ON") {
        let n = v.name(i)?;
        name = Some(super::Ident {
            name: n.name.name,
            span: v.span(n.next - 1..n.next),
        });
        i = n.next;
    }
    i = v.eat(i, &["ON"])?;
    let only = v.kw(i, "ONLY");
    i = v.skip(i, &["ONLY"]);
    let table = v.name(i)?;
    i = table.next;
    if v.kw(i, "USING") {
        i += 2;
    }
    let columns = v
        .close(i)
        .filter(|_| v.is(i, &Token::LParen))
        .map(|c| v.text(i..c + 1).to_string())
        .unwrap_or_default();
    Some(CreateIndexParts {
        concurrently,
        if_not_exists,
        name,
        only,
        table,
        columns,
    })
}

fn create_index(v: &View, i: usize, unique: bool) -> Option<Op> {
    let p = create_index_parts(v, i)?;
    Some(Op::CreateIndex {
        name: p.name,
        table: p.table.name,
        table_span: p.table.span,
        unique,
        concurrently: p.concurrently,
        if_not_exists: p.if_not_exists,
        only: p.only,
        columns: p.columns,
    })
}

fn create_enum(v: &View, i: usize) -> Option<Op> {
    let n = v.name(i)?;
    let inner = v
        .eat(n.next, &["AS", "ENUM"])
        .and_then(|j| paren_inner(v, j))?;
    let values = v
        .split_commas(inner)
        .into_iter()
        .filter_map(|item| string(v, item.start))
        .collect();
    Some(Op::CreateEnum {
        name: n.name,
        values,
    })
}

// ---------------------------------------------------------------------------------------
// DROP

fn drop(v: &View) -> Option<Op> {
    let (head_len, kind) = head(v)?;
    let mut i = head_len;
    let concurrently = v.kw(i, "CONCURRENTLY");
    i = v.skip(i, &["CONCURRENTLY"]);
    let if_exists = v.kws(i, &["IF", "EXISTS"]);
    i = v.skip(i, &["IF", "EXISTS"]);
    let (names, after) = v.names(i);
    let cascade = (after..v.len()).any(|j| v.kw(j, "CASCADE"));
    if names.is_empty() {
        return Some(Op::Other { kind });
    }
    Some(match kind.as_str() {
        "DROP INDEX" => Op::DropIndex {
            names,
            concurrently,
            if_exists,
        },
        "DROP TABLE" => Op::DropTable {
            names,
            if_exists,
            cascade,
        },
        "DROP TYPE" => Op::DropType { names },
        "DROP VIEW" | "DROP MATERIALIZED VIEW" => Op::DropView {
            names,
            materialized: kind == "DROP MATERIALIZED VIEW",
        },
        "DROP EXTENSION" => Op::DropExtension {
            name: names.into_iter().next().map(|n| n.name).unwrap_or_default(),
        },
        "DROP SEQUENCE" => Op::DropSequence { names },
        "DROP SCHEMA" => Op::DropSchema {
            names: names.into_iter().map(|n| n.name).collect(),
            cascade,
        },
        _ => Op::Other { kind },
    })
}

// ---------------------------------------------------------------------------------------
// Maintenance: REINDEX, REFRESH, CLUSTER, VACUUM

/// Index after a parenthesised option list at `i` (or `i` when there is none).
fn skip_options(v: &View, i: usize) -> usize {
    if v.is(i, &Token::LParen) {
        v.close(i).map_or(v.len(), |c| c + 1)
    } else {
        i
    }
}

fn reindex(v: &View) -> Option<Op> {
    let mut i = skip_options(v, 1);
    let target = match v.upper(i)?.as_str() {
        "INDEX" => ReindexTarget::Index,
        "TABLE" => ReindexTarget::Table,
        "SCHEMA" => ReindexTarget::Schema,
        "DATABASE" => ReindexTarget::Database,
        "SYSTEM" => ReindexTarget::System,
        _ => return Some(other(v)),
    };
    i += 1;
    let concurrently = (1..v.len()).any(|j| v.kw(j, "CONCURRENTLY"));
    i = v.skip(i, &["CONCURRENTLY"]);
    let name = v.name(i).map_or_else(|| ObjName::new(""), |n| n.name);
    Some(Op::Reindex {
        target,
        name,
        concurrently,
    })
}

fn refresh(v: &View) -> Option<Op> {
    let i = v.eat(1, &["MATERIALIZED", "VIEW"])?;
    let concurrently = v.kw(i, "CONCURRENTLY");
    let n = v.name(v.skip(i, &["CONCURRENTLY"]))?;
    Some(Op::RefreshMaterializedView {
        name: n.name,
        concurrently,
    })
}

fn cluster(v: &View) -> Op {
    let i = skip_options(v, v.skip(1, &["VERBOSE"]));
    let table = v
        .name(i)
        .map(|n| match v.eat(n.next, &["ON"]).and_then(|j| v.name(j)) {
            // Pre-8.3 form: CLUSTER index ON table.
            Some(t) => t.name,
            None => n.name,
        });
    Op::Cluster { table }
}

fn vacuum(v: &View) -> Op {
    let mut i = 1;
    let mut full = false;
    if v.is(i, &Token::LParen) {
        let end = v.close(i).unwrap_or(v.len());
        full = (i..end).any(|j| v.kw(j, "FULL") && !v.any_kw(j + 1, &["FALSE", "OFF"]));
        i = end + 1;
    }
    while v.any_kw(i, &["FULL", "FREEZE", "VERBOSE", "ANALYZE", "ANALYSE"]) {
        full |= v.kw(i, "FULL");
        i += 1;
    }
    let mut tables = Vec::new();
    while let Some(n) = v.name(i) {
        tables.push(n.name);
        i = skip_options(v, n.next);
        if !v.is(i, &Token::Comma) {
            break;
        }
        i += 1;
    }
    Op::Vacuum { full, tables }
}

// ---------------------------------------------------------------------------------------
// DML

fn truncate(v: &View) -> Op {
    let mut i = v.skip(1, &["TABLE"]);
    let mut tables = Vec::new();
    loop {
        i = v.skip(i, &["ONLY"]);
        let Some(n) = v.name(i) else { break };
        tables.push(n.name);
        i = n.next;
        if v.is(i, &Token::Mul) {
            i += 1;
        }
        if !v.is(i, &Token::Comma) {
            break;
        }
        i += 1;
    }
    let cascade = (i..v.len()).any(|j| v.kw(j, "CASCADE"));
    Op::Truncate { tables, cascade }
}

fn has_top_where(v: &View, from: usize) -> bool {
    v.find_top(from..v.len(), |j| v.kw(j, "WHERE")).is_some()
}

/// `UPDATE [ONLY] name ...` with `UPDATE` at `i`.
fn update(v: &View, i: usize) -> Option<Op> {
    let n = v.name(v.skip(i + 1, &["ONLY"]))?;
    Some(Op::Update {
        table: n.name,
        has_where: has_top_where(v, n.next),
    })
}

/// `DELETE FROM [ONLY] name ...` with `DELETE` at `i`.
fn delete(v: &View, i: usize) -> Option<Op> {
    let j = v.skip(v.skip(i + 1, &["FROM"]), &["ONLY"]);
    let n = v.name(j)?;
    Some(Op::Delete {
        table: n.name,
        has_where: has_top_where(v, n.next),
    })
}

/// `INSERT INTO name ...` with `INSERT` at `i`.
fn insert(v: &View, i: usize) -> Option<Op> {
    let n = v.name(v.skip(i + 1, &["INTO"]))?;
    let mut j = n.next;
    if v.kw(j, "AS") {
        j += 2;
    }
    if v.is(j, &Token::LParen) && !v.any_kw(j + 1, &["SELECT", "WITH", "VALUES"]) {
        j = v.close(j).map_or(v.len(), |c| c + 1);
    }
    if v.is(j, &Token::LParen) {
        j += 1;
    }
    let source = v.find_top(j..v.len(), |k| {
        v.any_kw(k, &["VALUES", "SELECT", "WITH", "TABLE", "DEFAULT"])
    });
    let from_query = source.is_some_and(|k| v.any_kw(k, &["SELECT", "WITH", "TABLE"]));
    Some(Op::Insert {
        table: n.name,
        from_query,
    })
}

/// `WITH ... INSERT/UPDATE/DELETE/SELECT`: lowered as its main statement.
fn with_dml(v: &View) -> Op {
    let main = v.find_top(1..v.len(), |j| {
        v.any_kw(j, &["INSERT", "UPDATE", "DELETE", "SELECT", "MERGE"])
    });
    let op = main.and_then(|j| match v.upper(j).as_deref() {
        Some("INSERT") => insert(v, j),
        Some("UPDATE") => update(v, j),
        Some("DELETE") => delete(v, j),
        Some("MERGE") => Some(Op::Other {
            kind: "MERGE".to_string(),
        }),
        _ => None,
    });
    op.unwrap_or_else(|| Op::Other {
        kind: "SELECT".to_string(),
    })
}

// ---------------------------------------------------------------------------------------
// SET / RESET / set_config, transactions, LOCK

/// `SET [LOCAL|SESSION] name {=|TO} value`, `SET TIME ZONE value`.
pub(crate) fn set(v: &View) -> Option<Op> {
    let mut i = 1;
    let mut local = false;
    if v.kw(i, "LOCAL") {
        local = true;
        i += 1;
    } else if v.kw(i, "SESSION") && !v.any_kw(i + 1, &["AUTHORIZATION", "CHARACTERISTICS"]) {
        i += 1;
    }
    if v.any_kw(i, &["TRANSACTION", "CONSTRAINTS", "SESSION"]) {
        return Some(other(v));
    }
    let (name, value_at) = if let Some(j) = v.eat(i, &["TIME", "ZONE"]) {
        ("timezone".to_string(), j)
    } else if v.kw(i, "ROLE") {
        ("role".to_string(), i + 1)
    } else {
        let n = v.name(i)?;
        let j = n.next;
        let j = if v.is(j, &Token::Eq) || v.kw(j, "TO") {
            j + 1
        } else {
            j
        };
        (setting_name(&n.name), j)
    };
    Some(Op::Set {
        name,
        value: set_value(v, value_at..v.len()),
        local,
    })
}

/// A configuration parameter's name, lowercased (`app.Tenant` → `app.tenant`).
fn setting_name(name: &ObjName) -> String {
    match &name.schema {
        Some(prefix) => format!("{prefix}.{}", name.name).to_lowercase(),
        None => name.name.to_lowercase(),
    }
}

/// A SET value list, unquoted: `'5s'` → `5s`, `a, "B"` → `a, B`.
fn set_value(v: &View, r: Range<usize>) -> String {
    v.split_commas(r)
        .into_iter()
        .map(|item| {
            if item.len() == 1 {
                if let Some(s) = string(v, item.start) {
                    return s;
                }
                if let Some(w) = v.word(item.start) {
                    return w.value.clone();
                }
            }
            v.text(item).trim().to_string()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `RESET name` / `RESET ALL`.
pub(crate) fn reset(v: &View) -> Option<Op> {
    let name = setting_name(&v.name(1)?.name);
    Some(Op::Set {
        name,
        value: String::new(),
        local: false,
    })
}

/// `SELECT [pg_catalog.]set_config('name', 'value', is_local)`.
pub(crate) fn set_config(v: &View) -> Option<Op> {
    let n = v.name(1)?;
    if n.name.name != "set_config" || n.name.schema.as_deref().is_some_and(|s| s != "pg_catalog") {
        return None;
    }
    let args = v.split_commas(paren_inner(v, n.next)?);
    let [name, value, local] = args.as_slice() else {
        return None;
    };
    let arg = |r: &Range<usize>| {
        (r.len() == 1)
            .then(|| string(v, r.start).or_else(|| v.word(r.start).map(|w| w.value.clone())))
            .flatten()
    };
    let local = arg(local)?.to_ascii_lowercase();
    let name = (name.len() == 1).then(|| string(v, name.start)).flatten()?;
    Some(Op::Set {
        name: name.to_lowercase(),
        value: arg(value).unwrap_or_else(|| v.text(value.clone()).trim().to_string()),
        local: matches!(local.as_str(), "true" | "t" | "on" | "yes" | "1"),
    })
}

fn rollback_to(v: &View) -> bool {
    let i = v.skip(1, &["WORK"]);
    let i = v.skip(i, &["TRANSACTION"]);
    v.kw(i, "TO")
}

/// BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT.
fn transaction(v: &View) -> Op {
    let first = v.upper(0).unwrap_or_default();
    match first.as_str() {
        "BEGIN" => Op::Begin,
        "START" if v.kw(1, "TRANSACTION") => Op::Begin,
        "COMMIT" | "END" if !v.kw(1, "PREPARED") => Op::Commit,
        "ROLLBACK" | "ABORT" if !v.kw(1, "PREPARED") && !rollback_to(v) => Op::Rollback,
        _ => other(v),
    }
}

/// `LOCK [TABLE] [ONLY] name [*] [, ...] [IN mode MODE] [NOWAIT]`.
pub(crate) fn lock(v: &View) -> Op {
    let mut i = v.skip(1, &["TABLE"]);
    let mut tables = Vec::new();
    loop {
        i = v.skip(i, &["ONLY"]);
        let Some(n) = v.name(i) else { break };
        tables.push(n.name);
        i = n.next;
        if v.is(i, &Token::Mul) {
            i += 1;
        }
        if !v.is(i, &Token::Comma) {
            break;
        }
        i += 1;
    }
    let mode = v
        .eat(i, &["IN"])
        .map(|start| {
            (start..v.len())
                .take_while(|&j| !v.kw(j, "MODE"))
                .filter_map(|j| v.upper(j))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "ACCESS EXCLUSIVE".to_string());
    Op::LockTable { tables, mode }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::sql::split::tokenize;
    use sqlparser::dialect::PostgreSqlDialect;

    fn with_view<T>(sql: &str, f: impl FnOnce(&View) -> T) -> T {
        let lexed = tokenize(sql, 0, &PostgreSqlDialect {}).unwrap_or_default();
        let v = View::new(sql, &lexed, 0..lexed.toks.len(), false);
        f(&v)
    }

    #[test]
    fn tables_are_sorted() {
        for table in [OTHER_STATEMENTS, PARAMETRISED_TYPES] {
            assert!(table.windows(2).all(|w| w[0] < w[1]), "{table:?}");
        }
    }

    #[test]
    fn heads() {
        let cases = [
            (
                "CREATE OR REPLACE FUNCTION f()",
                Some((4, "CREATE FUNCTION")),
            ),
            ("CREATE UNIQUE INDEX i", Some((3, "CREATE INDEX"))),
            ("CREATE GLOBAL TEMPORARY TABLE t", Some((4, "CREATE TABLE"))),
            ("create constraint trigger t", Some((3, "CREATE TRIGGER"))),
            (
                "ALTER DEFAULT PRIVILEGES GRANT",
                Some((3, "ALTER DEFAULT PRIVILEGES")),
            ),
            (
                "DROP TEXT SEARCH CONFIGURATION c",
                Some((4, "DROP TEXT SEARCH CONFIGURATION")),
            ),
            ("COMMENT ON TABLE t", Some((2, "COMMENT ON"))),
            ("GRANT ALL", Some((1, "GRANT"))),
            ("ROLLBACK TO x", Some((1, "ROLLBACK TO SAVEPOINT"))),
            ("CREATE WIDGET w", None),
            ("(SELECT 1)", None),
        ];
        for (sql, expected) in cases {
            let got = with_view(sql, head);
            assert_eq!(
                got.as_ref().map(|(n, k)| (*n, k.as_str())),
                expected,
                "{sql}"
            );
        }
    }

    #[test]
    fn mysql_index_elements() {
        for (sql, index) in [
            ("KEY k (a)", true),
            ("INDEX (a)", true),
            ("KEY k USING BTREE (a)", true),
            ("FULLTEXT KEY f (a)", true),
            ("key varchar(10)", false),
            ("key text", false),
            ("index int", false),
            ("keys int", false),
        ] {
            assert_eq!(with_view(sql, |v| is_mysql_index(v, 0)), index, "{sql}");
        }
    }

    #[test]
    fn column_parts_locate_the_default() {
        let sql = "c int NOT NULL DEFAULT (1 + 2) CHECK (c > 0)";
        with_view(sql, |v| {
            let parts = column_parts(v, 0..v.len()).expect("column");
            let default = parts.default.expect("default range");
            assert_eq!(v.text(default), "(1 + 2)");
            assert!(parts.def.not_null && parts.def.check);
        });
    }
}
