//! AST lowering: turns a statement sqlparser parsed into an [`Op`].
//!
//! The AST decides what the statement is and carries its structure (which action, which
//! column option, which constraint kind); spans and as-written text come from the
//! statement's tokens, located with the readers in [`super::lower_tokens`], because
//! sqlparser's own spans are often empty. Whenever the AST and the tokens cannot be lined
//! up, or the AST kind is not one modelled precisely here, [`lower`] returns `None` and the
//! caller lowers the statement from its tokens instead.

use std::ops::Range;

use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, AlterTypeOperation, CascadeOption,
    ColumnOption, DropBehavior, FromTable, GeneratedExpressionMode, ObjectNamePart, ObjectType,
    RenameTableNameKind, SchemaName, SetExpr, TableConstraint, TableFactor, TableObject,
    UserDefinedTypeRepresentation,
};

use super::lower_tokens as toks;
use super::types::{expr, is_serial, serial_default};
use super::view::View;
use super::{
    AlterAction, AlterKind, ColumnDef, Constraint, ConstraintKind, Generated, Ident, ObjName, Op,
};

/// Lowers a parsed statement, or `None` to have it lowered from tokens.
pub(crate) fn lower(stmt: &ast::Statement, v: &View) -> Option<Op> {
    use ast::Statement as S;
    match stmt {
        S::AlterTable(at) => alter_table(at, v),
        S::CreateTable(ct) => create_table(ct, v),
        S::CreateIndex(ci) => create_index(ci, v),
        S::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => drop(*object_type, *if_exists, names, *cascade, v),
        S::DropExtension(de) => Some(Op::DropExtension {
            name: ident_name(de.names.first()?),
        }),
        S::CreateExtension(ce) => Some(Op::CreateExtension {
            name: ident_name(&ce.name),
        }),
        S::CreateSequence { name, .. } => Some(Op::CreateSequence {
            name: obj_name(name)?,
        }),
        S::CreateSchema { schema_name, .. } => Some(Op::CreateSchema {
            name: match schema_name {
                SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => obj_name(n)?.name,
                SchemaName::UnnamedAuthorization(id) => ident_name(id),
            },
        }),
        S::CreateView(cv) => Some(Op::CreateView {
            name: obj_name(&cv.name)?,
            materialized: cv.materialized,
            or_replace: cv.or_replace,
        }),
        S::CreateType {
            name,
            representation: Some(UserDefinedTypeRepresentation::Enum { labels }),
        } => Some(Op::CreateEnum {
            name: obj_name(name)?,
            values: labels.iter().map(|l| l.value.clone()).collect(),
        }),
        S::AlterType(at) => alter_type(at, v),
        S::AlterIndex { .. } => Some(toks::alter_index(v)),
        S::Truncate(t) => Some(Op::Truncate {
            tables: t
                .table_names
                .iter()
                .map(|t| obj_name(&t.name))
                .collect::<Option<_>>()?,
            cascade: t.cascade == Some(CascadeOption::Cascade),
        }),
        S::Update(u) => update(u),
        S::Delete(d) => delete(d),
        S::Insert(i) => insert(i),
        S::Query(q) => query(q, v),
        S::Set(_) => toks::set(v),
        S::Reset(_) => toks::reset(v),
        S::StartTransaction { statements, .. } if statements.is_empty() => Some(Op::Begin),
        S::Commit { .. } => Some(Op::Commit),
        S::Rollback {
            savepoint: None, ..
        } => Some(Op::Rollback),
        S::Lock(_) => Some(toks::lock(v)),
        S::Vacuum(vs) => Some(Op::Vacuum {
            full: vs.full,
            tables: vs.table_name.iter().filter_map(obj_name).collect(),
        }),
        S::Analyze(_) => Some(Op::Analyze),
        _ => Some(toks::other(v)),
    }
}

/// Identifier text as the database sees it: unquoted folds to lowercase.
fn ident_name(id: &ast::Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// `a.b.c` → schema `b`, name `c`; `None` for dialect-specific name functions.
fn obj_name(name: &ast::ObjectName) -> Option<ObjName> {
    let mut parts = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(id) => Some(ident_name(id)),
            ObjectNamePart::Function(_) => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let last = parts.pop()?;
    Some(ObjName {
        schema: parts.pop(),
        name: last,
    })
}

/// The identifier `id`, located among the tokens of `r` for its span.
fn ident_in(v: &View, r: Range<usize>, id: &ast::Ident) -> Option<(Ident, usize)> {
    let j = v.find_word(r, &id.value, id.quote_style)?;
    Some((
        Ident {
            name: ident_name(id),
            span: v.toks[j].span,
        },
        j,
    ))
}

// ---------------------------------------------------------------------------------------
// ALTER TABLE

fn alter_table(at: &ast::AlterTable, v: &View) -> Option<Op> {
    let head = toks::alter_table_head(v)?;
    let ranges = v.split_commas(head.actions..v.len());
    if ranges.len() != at.operations.len() {
        return None;
    }
    let actions = at
        .operations
        .iter()
        .zip(ranges)
        .map(|(op, r)| {
            Some(AlterAction {
                span: v.span(r.clone()),
                kind: alter_op(op, v, r)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Op::AlterTable {
        table: obj_name(&at.name)?,
        table_span: head.table.span,
        if_exists: at.if_exists,
        only: at.only,
        actions,
    })
}

fn cascade(behavior: &Option<DropBehavior>) -> bool {
    matches!(behavior, Some(DropBehavior::Cascade))
}

/// One `ALTER TABLE` operation, with `r` the tokens of its action.
fn alter_op(op: &AlterTableOperation, v: &View, r: Range<usize>) -> Option<AlterKind> {
    use AlterTableOperation as A;
    Some(match op {
        A::AddColumn {
            if_not_exists,
            column_def,
            ..
        } => {
            let (_, at) = ident_in(v, r.start + 1..r.end, &column_def.name)?;
            AlterKind::AddColumn {
                column: column_def_ast(column_def, v, at..r.end)?,
                if_not_exists: *if_not_exists,
            }
        }
        A::DropColumn {
            column_names,
            if_exists,
            drop_behavior,
            ..
        } => {
            let [name] = column_names.as_slice() else {
                return None;
            };
            AlterKind::DropColumn {
                column: ident_in(v, r, name)?.0,
                if_exists: *if_exists,
                cascade: cascade(drop_behavior),
            }
        }
        A::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            let (from, at) = ident_in(v, r.start + 1..r.end, old_column_name)?;
            let (to, _) = ident_in(v, at + 1..r.end, new_column_name)?;
            AlterKind::RenameColumn { from, to }
        }
        A::RenameTable { table_name } => AlterKind::RenameTable {
            to: match table_name {
                RenameTableNameKind::To(n) | RenameTableNameKind::As(n) => obj_name(n)?,
            },
        },
        A::RenameConstraint { old_name, new_name } => AlterKind::RenameConstraint {
            from: ident_name(old_name),
            to: ident_name(new_name),
        },
        A::AlterColumn { column_name, op } => alter_column(column_name, op, v, r)?,
        A::AddConstraint {
            constraint: TableConstraint::Index(_) | TableConstraint::FulltextOrSpatial(_),
            ..
        } => AlterKind::Other {
            text: v.collapsed(r),
        },
        A::AddConstraint {
            constraint,
            not_valid,
        } => AlterKind::AddConstraint {
            constraint: constraint_ast(constraint, *not_valid, v, r)?,
        },
        A::ValidateConstraint { name } => AlterKind::ValidateConstraint {
            name: ident_name(name),
        },
        A::DropConstraint {
            if_exists,
            name,
            drop_behavior,
        } => AlterKind::DropConstraint {
            name: ident_name(name),
            if_exists: *if_exists,
            cascade: cascade(drop_behavior),
        },
        A::SetLogged => AlterKind::SetLogged,
        A::SetUnlogged => AlterKind::SetUnlogged,
        A::SetOptionsParens { .. } => AlterKind::SetStorageParams,
        _ => AlterKind::Other {
            text: v.collapsed(r),
        },
    })
}

fn alter_column(
    column_name: &ast::Ident,
    op: &AlterColumnOperation,
    v: &View,
    r: Range<usize>,
) -> Option<AlterKind> {
    let (column, at) = ident_in(v, r.start + 1..r.end, column_name)?;
    let after = at + 1..r.end;
    Some(match op {
        AlterColumnOperation::SetNotNull => AlterKind::SetNotNull { column },
        AlterColumnOperation::DropNotNull => AlterKind::DropNotNull { column },
        AlterColumnOperation::DropDefault => AlterKind::DropDefault { column },
        AlterColumnOperation::SetDefault { .. } => {
            let d = v.find_top(after, |j| v.kw(j, "DEFAULT"))?;
            AlterKind::SetDefault {
                column,
                default: expr(v, d + 1..r.end),
            }
        }
        AlterColumnOperation::SetDataType { .. } => {
            let t = v.find_top(after, |j| v.kw(j, "TYPE"))?;
            let (new_type, using) = toks::column_type_change(v, t + 1..r.end);
            AlterKind::AlterColumnType {
                column,
                new_type,
                using,
            }
        }
        AlterColumnOperation::AddGenerated { .. } => AlterKind::Other {
            text: v.collapsed(r),
        },
    })
}

// ---------------------------------------------------------------------------------------
// Column definitions and constraints

/// A column definition: structure from the AST, type and default text from the tokens `r`
/// (which start at the column name).
fn column_def_ast(cd: &ast::ColumnDef, v: &View, r: Range<usize>) -> Option<ColumnDef> {
    let parts = toks::column_parts(v, r)?;
    let mut def = ColumnDef {
        not_null: false,
        default: None,
        generated: None,
        primary_key: false,
        unique: false,
        references: None,
        check: false,
        ..parts.def
    };
    for option in &cd.options {
        match &option.option {
            ColumnOption::NotNull => def.not_null = true,
            ColumnOption::Default(_) => def.default = Some(expr(v, parts.default.clone()?)),
            ColumnOption::PrimaryKey(_) => {
                def.primary_key = true;
                def.not_null = true;
            }
            ColumnOption::Unique(_) => def.unique = true,
            ColumnOption::ForeignKey(fk) => def.references = Some(obj_name(&fk.foreign_table)?),
            ColumnOption::Check(_) => def.check = true,
            ColumnOption::Generated {
                generation_expr,
                generation_expr_mode,
                ..
            } => {
                def.generated = Some(match (generation_expr, generation_expr_mode) {
                    (None, _) => Generated::Identity,
                    (Some(_), Some(GeneratedExpressionMode::Virtual)) => Generated::Virtual,
                    (Some(_), _) => Generated::Stored,
                });
            }
            ColumnOption::Identity(_) => def.generated = Some(Generated::Identity),
            _ => {}
        }
    }
    if def.default.is_none() && def.generated.is_none() && is_serial(&def.data_type) {
        def.default = Some(serial_default());
    }
    Some(def)
}

/// Column names of a constraint's column list; `None` unless every entry is a plain column
/// (expressions are left to the token lowering, which keeps them as written).
fn index_columns(columns: &[ast::IndexColumn]) -> Option<Vec<String>> {
    columns
        .iter()
        .map(|c| match &c.column.expr {
            ast::Expr::Identifier(id) => Some(ident_name(id)),
            _ => None,
        })
        .collect()
}

/// A table constraint; `r` are the tokens of the action or table element holding it.
fn constraint_ast(
    tc: &TableConstraint,
    not_valid: bool,
    v: &View,
    r: Range<usize>,
) -> Option<Constraint> {
    let name_of = |name: &Option<ast::Ident>| match name {
        Some(id) => ident_in(v, r.clone(), id).map(|(ident, _)| Some(ident)),
        None => Some(None),
    };
    let (name, kind, using_index) = match tc {
        TableConstraint::ForeignKey(fk) => (
            name_of(&fk.name)?,
            ConstraintKind::ForeignKey {
                columns: fk.columns.iter().map(ident_name).collect(),
                ref_table: obj_name(&fk.foreign_table)?,
                ref_columns: fk.referred_columns.iter().map(ident_name).collect(),
            },
            None,
        ),
        TableConstraint::Check(c) => {
            let check = v.find_top(r.clone(), |j| v.kw(j, "CHECK"))?;
            let inner = toks::paren_inner(v, check + 1)?;
            let kind = ConstraintKind::Check {
                expr: v.text(inner.clone()).trim().to_string(),
                not_null_column: not_null_column(&c.expr),
            };
            (name_of(&c.name)?, kind, None)
        }
        TableConstraint::Unique(u) => (
            name_of(&u.name)?,
            ConstraintKind::Unique {
                columns: index_columns(&u.columns)?,
            },
            None,
        ),
        TableConstraint::PrimaryKey(p) => (
            name_of(&p.name)?,
            ConstraintKind::PrimaryKey {
                columns: index_columns(&p.columns)?,
            },
            None,
        ),
        TableConstraint::PrimaryKeyUsingIndex(c) => (
            name_of(&c.name)?,
            ConstraintKind::PrimaryKey {
                columns: Vec::new(),
            },
            Some(ident_name(&c.index_name)),
        ),
        TableConstraint::UniqueUsingIndex(c) => (
            name_of(&c.name)?,
            ConstraintKind::Unique {
                columns: Vec::new(),
            },
            Some(ident_name(&c.index_name)),
        ),
        TableConstraint::Exclude(e) => (name_of(&e.name)?, ConstraintKind::Exclude, None),
        TableConstraint::Index(_) | TableConstraint::FulltextOrSpatial(_) => return None,
    };
    Some(Constraint {
        name,
        kind,
        not_valid,
        using_index,
    })
}

/// `col IS NOT NULL` (inside any parentheses) → `col`.
fn not_null_column(e: &ast::Expr) -> Option<String> {
    let mut e = e;
    while let ast::Expr::Nested(inner) = e {
        e = inner;
    }
    let ast::Expr::IsNotNull(inner) = e else {
        return None;
    };
    let mut inner: &ast::Expr = inner;
    while let ast::Expr::Nested(i) = inner {
        inner = i;
    }
    match inner {
        ast::Expr::Identifier(id) => Some(ident_name(id)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// CREATE TABLE / CREATE INDEX

fn create_table(ct: &ast::CreateTable, v: &View) -> Option<Op> {
    let head = toks::create_table_head(v)?;
    let mut ast_columns = ct.columns.iter().peekable();
    let mut ast_constraints = ct.constraints.iter();
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    for r in toks::table_elements(v, head.elements) {
        if v.kw(r.start, "LIKE") {
            continue;
        }
        // Elements line up with the AST in order: a column where the next AST column's name
        // is written, a constraint otherwise.
        let is_column = ast_columns.peek().is_some_and(|cd| {
            v.word(r.start)
                .is_some_and(|w| w.value == cd.name.value && w.quote_style == cd.name.quote_style)
        });
        if is_column {
            let cd = ast_columns.next()?;
            if head.partition_of.is_none() {
                columns.push(column_def_ast(cd, v, r)?);
            }
            continue;
        }
        match ast_constraints.next()? {
            TableConstraint::Index(_) | TableConstraint::FulltextOrSpatial(_) => {}
            c => constraints.push(constraint_ast(c, false, v, r)?),
        }
    }
    if ast_columns.next().is_some() || ast_constraints.next().is_some() {
        return None;
    }
    Some(Op::CreateTable {
        name: obj_name(&ct.name)?,
        if_not_exists: ct.if_not_exists,
        columns,
        constraints,
        as_query: ct.query.is_some() || ct.like.is_some(),
        partition_of: match &ct.partition_of {
            Some(p) => Some(obj_name(p)?),
            None => None,
        },
    })
}

fn create_index(ci: &ast::CreateIndex, v: &View) -> Option<Op> {
    let (head_len, _) = toks::head(v)?;
    let parts = toks::create_index_parts(v, head_len)?;
    let name = match &ci.name {
        Some(n) => {
            let last = match n.0.last()? {
                ObjectNamePart::Identifier(id) => id,
                ObjectNamePart::Function(_) => return None,
            };
            Some(ident_in(v, head_len..v.len(), last)?.0)
        }
        None => None,
    };
    Some(Op::CreateIndex {
        name,
        table: obj_name(&ci.table_name)?,
        table_span: parts.table.span,
        unique: ci.unique,
        concurrently: ci.concurrently,
        if_not_exists: ci.if_not_exists,
        only: parts.only,
        columns: parts.columns,
    })
}

// ---------------------------------------------------------------------------------------
// DROP, ALTER TYPE

fn drop(
    object_type: ObjectType,
    if_exists: bool,
    names: &[ast::ObjectName],
    cascade: bool,
    v: &View,
) -> Option<Op> {
    let names = names.iter().map(obj_name).collect::<Option<Vec<_>>>()?;
    Some(match object_type {
        // sqlparser reads `DROP INDEX CONCURRENTLY x` as an index named "concurrently".
        ObjectType::Index if (1..v.len()).any(|j| v.kw(j, "CONCURRENTLY")) => return None,
        ObjectType::Index => Op::DropIndex {
            names,
            concurrently: false,
            if_exists,
        },
        ObjectType::Table => Op::DropTable {
            names,
            if_exists,
            cascade,
        },
        ObjectType::View => Op::DropView {
            names,
            materialized: false,
        },
        ObjectType::MaterializedView => Op::DropView {
            names,
            materialized: true,
        },
        ObjectType::Type => Op::DropType { names },
        ObjectType::Sequence => Op::DropSequence { names },
        ObjectType::Schema => Op::DropSchema {
            names: names.into_iter().map(|n| n.name).collect(),
            cascade,
        },
        _ => toks::other(v),
    })
}

fn alter_type(at: &ast::AlterType, v: &View) -> Option<Op> {
    let name = obj_name(&at.name)?;
    Some(match &at.operation {
        AlterTypeOperation::AddValue(add) => Op::AlterEnumAddValue {
            name,
            value: add.value.value.clone(),
            if_not_exists: add.if_not_exists,
        },
        AlterTypeOperation::RenameValue(rv) => Op::AlterEnumRenameValue {
            name,
            from: rv.from.value.clone(),
            to: rv.to.value.clone(),
        },
        AlterTypeOperation::Rename(_) => toks::other(v),
    })
}

// ---------------------------------------------------------------------------------------
// DML

fn table_factor_name(t: &ast::TableWithJoins) -> Option<ObjName> {
    match &t.relation {
        TableFactor::Table { name, .. } => obj_name(name),
        _ => None,
    }
}

fn update(u: &ast::Update) -> Option<Op> {
    Some(Op::Update {
        table: table_factor_name(&u.table)?,
        has_where: u.selection.is_some(),
    })
}

fn delete(d: &ast::Delete) -> Option<Op> {
    let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
    Some(Op::Delete {
        table: table_factor_name(from.first()?)?,
        has_where: d.selection.is_some(),
    })
}

fn insert(i: &ast::Insert) -> Option<Op> {
    let TableObject::TableName(name) = &i.table else {
        return None;
    };
    let from_query = i
        .source
        .as_ref()
        .is_some_and(|q| !matches!(*q.body, SetExpr::Values(_)));
    Some(Op::Insert {
        table: obj_name(name)?,
        from_query,
    })
}

/// A query: a data-modifying statement under `WITH`, `SELECT set_config(...)`, or a plain
/// query.
fn query(q: &ast::Query, v: &View) -> Option<Op> {
    match &*q.body {
        SetExpr::Insert(ast::Statement::Insert(i)) => insert(i),
        SetExpr::Update(ast::Statement::Update(u)) => update(u),
        SetExpr::Delete(ast::Statement::Delete(d)) => delete(d),
        _ => Some(toks::lower(v).unwrap_or_else(|| Op::Other {
            kind: "SELECT".to_string(),
        })),
    }
}
