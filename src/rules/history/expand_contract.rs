//! H105: one release both expands and contracts the same column or table: it adds the new
//! one and drops or renames the old one it is filled from, or makes a column it adds NOT NULL
//! while the previous release, still serving during the rollout, does not write it.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::schema::rel_key;
use crate::parse::sql::{AlterKind, ConstraintKind, ObjName, Op, Statement};
use crate::rules::Rule;
use crate::span::Span;

use super::{FileRef, HistoryCtx, HistoryDraft};

pub struct ExpandContractInOneRelease;

/// `span`, cut at the end of its first line: a related label stays on one line.
fn first_line(span: Span, text: &str) -> Span {
    let s = span.slice(text);
    match s.find('\n') {
        Some(i) => Span::new(span.start, span.start + s[..i].trim_end().len()),
        None => span,
    }
}

/// A statement of the release, with the file it is in.
struct At<'a> {
    file: usize,
    stmt: &'a Statement,
}

/// Identifier-ish tokens of a statement, lowercased (quoted identifiers keep their case),
/// plus `=`, `,`, `.` and parentheses as their own tokens. Strings and comments are skipped.
fn tokens(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'"' {
            let start = i + 1;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            out.push(text.get(start..i).unwrap_or("").to_string());
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            out.push(text.get(start..i).unwrap_or("").to_ascii_lowercase());
        } else {
            if matches!(c, b'=' | b',' | b'(' | b')' | b'.') {
                out.push((c as char).to_string());
            }
            i += 1;
        }
    }
    out
}

/// The UPDATE's target table and its alias, as a qualifier may name them.
fn update_target(t: &[String]) -> Vec<&str> {
    let Some(u) = t.iter().position(|w| w == "update") else {
        return Vec::new();
    };
    let mut i = u + 1;
    if t.get(i).is_some_and(|w| w == "only") {
        i += 1;
    }
    // `schema . table`
    while t.get(i + 1).is_some_and(|w| w == ".") {
        i += 2;
    }
    let mut out: Vec<&str> = t.get(i).map(String::as_str).into_iter().collect();
    i += 1;
    if t.get(i).is_some_and(|w| w == "as") {
        i += 1;
    }
    if let Some(alias) = t.get(i).filter(|w| *w != "set") {
        out.push(alias);
    }
    out
}

/// Does this UPDATE assign `new` from an expression that reads the column `old` of the
/// updated table? Only the right-hand side of `new = ...` counts; `old.x` (a table or alias
/// named like the column) and `other.old` (another table's column) do not.
fn backfills(text: &str, new: &str, old: &str) -> bool {
    let t = tokens(text);
    let target = update_target(&t);
    let Some(set) = t.iter().position(|w| w == "set") else {
        return false;
    };
    let mut i = set + 1;
    while i + 1 < t.len() {
        if t[i] == new && t[i + 1] == "=" && (i == 0 || t[i - 1] != ".") {
            let mut depth = 0usize;
            for (j, w) in t.iter().enumerate().skip(i + 2) {
                match w.as_str() {
                    "(" => depth += 1,
                    ")" if depth == 0 => break,
                    ")" => depth -= 1,
                    "," | "from" | "where" | "returning" if depth == 0 => break,
                    _ if *w == old && t.get(j + 1).is_none_or(|n| n != "." && n != "(") => {
                        let qualifier = (t[j - 1] == ".").then(|| t[j - 2].as_str());
                        if qualifier.is_none_or(|q| target.contains(&q)) {
                            return true;
                        }
                    }
                    _ => {}
                }
            }
        }
        i += 1;
    }
    false
}

/// Does this statement (an INSERT ... SELECT or CREATE TABLE ... AS) read `table`?
fn copies_from(text: &str, table: &ObjName) -> bool {
    let t = tokens(text);
    let Some(select) = t.iter().position(|w| w == "select") else {
        return false;
    };
    t[select..].contains(&table.name)
}

struct AddedColumn {
    file: usize,
    span: Span,
    has_default: bool,
    not_null: bool,
    flagged: bool,
}

fn qualify(t: &ObjName, col: &str) -> String {
    format!("`{}.{col}`", t.qualified())
}

fn column_steps(table: &ObjName, new: &str, old: &str, contract: &str) -> String {
    let t = table.qualified();
    format!(
        "expand and contract over three releases:\n\
         1. add `{t}.{new}` and deploy code that writes both `{old}` and `{new}`\n\
         2. backfill `{new}` from `{old}` in batches, then deploy code that reads only `{new}`\n\
         3. once no running version reads `{old}`, {contract} `{old}` in a migration of its own"
    )
}

fn table_steps(new: &ObjName, old: &ObjName) -> String {
    let (n, o) = (new.qualified(), old.qualified());
    format!(
        "expand and contract over three releases:\n\
         1. create `{n}` and deploy code that writes to both `{o}` and `{n}`\n\
         2. copy the rows of `{o}` in batches, then deploy code that uses only `{n}`\n\
         3. once no running version uses `{o}`, drop it in a migration of its own"
    )
}

fn not_null_steps(table: &ObjName, col: &str) -> String {
    let t = table.qualified();
    format!(
        "expand now, contract in a later release:\n\
         1. add `{t}.{col}` as nullable (or with a DEFAULT) and deploy code that writes it\n\
         2. backfill existing rows in batches\n\
         3. in a later release, once every running version writes `{col}`: `ADD CONSTRAINT ... CHECK ({col} IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT`, then `SET NOT NULL`"
    )
}

impl Rule for ExpandContractInOneRelease {
    fn code(&self) -> &'static str {
        "H105"
    }

    fn check_history(&self, cx: &HistoryCtx<'_>, out: &mut Vec<HistoryDraft>) {
        for (ti, timeline) in cx.timelines.iter().enumerate() {
            let Some(release) = cx.release.get(ti).filter(|r| !r.is_empty()) else {
                continue;
            };
            let mut stmts: Vec<At<'_>> = Vec::new();
            for &mi in release {
                let Some(up) = timeline.migrations.get(mi).and_then(|m| m.up.as_ref()) else {
                    continue;
                };
                let Some(file) = cx.files.get(up.file) else {
                    continue;
                };
                for &si in &up.statements {
                    if let Some(stmt) = file.sql.statements.get(si) {
                        stmts.push(At {
                            file: up.file,
                            stmt,
                        });
                    }
                }
            }
            let text = |a: &At<'_>| a.stmt.span.slice(&cx.files[a.file].source.text).to_string();
            let short = |a: &At<'_>| first_line(a.stmt.span, &cx.files[a.file].source.text);

            // Evidence, from the whole release: tables it creates, columns it adds, updates
            // and copies it runs.
            let mut created: BTreeMap<String, (&ObjName, usize, Span)> = BTreeMap::new();
            let mut added_cols: BTreeMap<(String, String), (usize, Span)> = BTreeMap::new();
            let mut updates: Vec<(String, usize, Span, String)> = Vec::new();
            let mut copies: Vec<(String, usize, Span, String)> = Vec::new();
            // Where each table is created (statement positions), and what renamed tables
            // were called before.
            let mut created_at: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            let mut renamed_from: BTreeMap<String, String> = BTreeMap::new();
            for (k, a) in stmts.iter().enumerate() {
                match &a.stmt.op {
                    Op::CreateTable { name, as_query, .. } => {
                        created_at.entry(rel_key(name)).or_default().push(k);
                        created.insert(rel_key(name), (name, a.file, short(a)));
                        if *as_query {
                            copies.push((rel_key(name), a.file, short(a), text(a)));
                        }
                    }
                    Op::Insert {
                        table,
                        from_query: true,
                    } => copies.push((rel_key(table), a.file, short(a), text(a))),
                    Op::Update { table, .. } => {
                        updates.push((rel_key(table), a.file, short(a), text(a)))
                    }
                    Op::AlterTable { table, actions, .. } => {
                        for act in actions {
                            match &act.kind {
                                AlterKind::AddColumn { column, .. } => {
                                    added_cols
                                        .entry((rel_key(table), column.name.name.clone()))
                                        .or_insert((
                                            a.file,
                                            first_line(act.span, &cx.files[a.file].source.text),
                                        ));
                                }
                                AlterKind::RenameTable { to } => {
                                    let from = rel_key(table);
                                    let orig = renamed_from.get(&from).cloned().unwrap_or(from);
                                    renamed_from.insert(rel_key(to), orig);
                                }
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }

            // A backfill of a column the release adds from `old`: (new column, its add, the
            // update).
            let replacement = |table: &str, old: &str| {
                updates.iter().filter(|u| u.0 == table).find_map(|u| {
                    added_cols
                        .iter()
                        .filter(|((t, c), _)| t == table && c != old)
                        .find(|((_, c), _)| backfills(&u.3, c, old))
                        .map(|((_, c), add)| (c.clone(), *add, (u.1, u.2)))
                })
            };
            let table_copy = |old: &ObjName| {
                copies.iter().find_map(|c| {
                    let (name, file, span) = created.get(&c.0)?;
                    (rel_key(name) != rel_key(old) && copies_from(&c.3, old)).then_some((
                        (*name).clone(),
                        (*file, *span),
                        (c.1, c.2),
                    ))
                })
            };

            // A table dropped and created again under its name (directly, or renamed away
            // first) is rebuilt in place, not replaced: the previous release still finds it.
            let rebuilt = |old: &str, at: usize| {
                let orig = renamed_from.get(old).map(String::as_str).unwrap_or(old);
                created_at
                    .get(orig)
                    .is_some_and(|ks| orig != old || ks.iter().any(|&k| k > at))
            };

            let mut columns: BTreeMap<(String, String), AddedColumn> = BTreeMap::new();
            let mut created_so_far: BTreeSet<String> = BTreeSet::new();
            for (k, a) in stmts.iter().enumerate() {
                let file = a.file;
                match &a.stmt.op {
                    Op::CreateTable { name, .. } => {
                        created_so_far.insert(rel_key(name));
                    }
                    Op::DropTable { names, .. } => {
                        for old in names {
                            if created_so_far.contains(&rel_key(old)) || rebuilt(&rel_key(old), k) {
                                continue;
                            }
                            let Some((new, create, copy)) = table_copy(old) else {
                                continue;
                            };
                            let o = old.qualified();
                            let n = new.qualified();
                            out.push(
                                cx.draft(
                                    "H105",
                                    FileRef::Head(file),
                                    a.stmt.span,
                                    format!(
                                        "the release creates `{n}`, copies `{o}` into it and drops `{o}` in the same deploy: the previous release, still serving until the rollout ends, uses `{o}`"
                                    ),
                                    "contract in the same release",
                                )
                                .related(FileRef::Head(create.0), create.1, format!("expand: `{n}` created here"))
                                .related(FileRef::Head(copy.0), copy.1, format!("rows copied from `{o}` here"))
                                .var("table", o.clone())
                                .safe(table_steps(&new, old)),
                            );
                        }
                    }
                    Op::AlterTable { table, actions, .. } => {
                        let key = rel_key(table);
                        let new_table = created_so_far.contains(&key);
                        for act in actions {
                            match &act.kind {
                                AlterKind::AddColumn { column, .. } if !new_table => {
                                    columns.insert(
                                        (key.clone(), column.name.name.clone()),
                                        AddedColumn {
                                            file,
                                            span: first_line(act.span, &cx.files[file].source.text),
                                            has_default: column
                                                .default
                                                .as_ref()
                                                .is_some_and(|d| !d.is_null)
                                                || column.generated.is_some(),
                                            not_null: column.not_null,
                                            // Added NOT NULL without a default is M202's.
                                            flagged: column.not_null
                                                && column
                                                    .default
                                                    .as_ref()
                                                    .is_none_or(|d| d.is_null),
                                        },
                                    );
                                }
                                AlterKind::DropColumn { column: old, .. }
                                | AlterKind::RenameColumn { from: old, .. }
                                    if !new_table
                                        && !columns
                                            .contains_key(&(key.clone(), old.name.clone())) =>
                                {
                                    let Some((new, add, update)) = replacement(&key, &old.name)
                                    else {
                                        continue;
                                    };
                                    let (verb, contract) = match &act.kind {
                                        AlterKind::RenameColumn { to, .. } => (
                                            format!("renames `{}` to `{}`", old.name, to.name),
                                            "rename",
                                        ),
                                        _ => (format!("drops `{}`", old.name), "drop"),
                                    };
                                    out.push(
                                        cx.draft(
                                            "H105",
                                            FileRef::Head(file),
                                            act.span,
                                            format!(
                                                "the release adds {}, backfills it from `{}` and {verb} in the same deploy: the previous release, still serving until the rollout ends, reads and writes `{}`",
                                                qualify(table, &new),
                                                old.name,
                                                old.name
                                            ),
                                            "contract in the same release",
                                        )
                                        .related(FileRef::Head(add.0), add.1, format!("expand: `{new}` added here"))
                                        .related(
                                            FileRef::Head(update.0),
                                            update.1,
                                            format!("backfilled from `{}` here", old.name),
                                        )
                                        .var("table", table.qualified())
                                        .var("column", old.name.clone())
                                        .safe(column_steps(table, &new, &old.name, contract)),
                                    );
                                }
                                AlterKind::RenameTable { to } if new_table => {
                                    created_so_far.insert(rel_key(to));
                                }
                                _ => {}
                            }
                            // NOT NULL on a column the release adds: old code does not write it.
                            let loses_default = matches!(act.kind, AlterKind::DropDefault { .. });
                            let made_not_null = match &act.kind {
                                AlterKind::SetNotNull { column } => columns
                                    .get_mut(&(key.clone(), column.name.clone()))
                                    .map(|c| {
                                        c.not_null = true;
                                        column.name.clone()
                                    }),
                                AlterKind::AddConstraint { constraint } => match &constraint.kind {
                                    ConstraintKind::Check {
                                        not_null_column: Some(c),
                                        ..
                                    }
                                    | ConstraintKind::NotNull { column: c } => {
                                        columns.get_mut(&(key.clone(), c.clone())).map(|col| {
                                            col.not_null = true;
                                            c.clone()
                                        })
                                    }
                                    _ => None,
                                },
                                AlterKind::SetDefault { column, default } => {
                                    if let Some(c) =
                                        columns.get_mut(&(key.clone(), column.name.clone()))
                                    {
                                        c.has_default = !default.is_null;
                                    }
                                    None
                                }
                                AlterKind::DropDefault { column } => columns
                                    .get_mut(&(key.clone(), column.name.clone()))
                                    .map(|c| {
                                        c.has_default = false;
                                        column.name.clone()
                                    }),
                                _ => None,
                            };
                            let Some(col) = made_not_null else {
                                continue;
                            };
                            let Some(c) = columns.get_mut(&(key.clone(), col.clone())) else {
                                continue;
                            };
                            if !c.not_null || c.has_default || c.flagged {
                                continue;
                            }
                            c.flagged = true;
                            let (add_file, add_span) = (c.file, c.span);
                            out.push(
                                cx.draft(
                                    "H105",
                                    FileRef::Head(file),
                                    act.span,
                                    format!(
                                        "{} is added {} in the same release: the previous release, still serving until the rollout ends, does not write `{col}`, so its inserts fail",
                                        qualify(table, &col),
                                        if loses_default {
                                            "NOT NULL and loses its default"
                                        } else {
                                            "and made NOT NULL without a default"
                                        }
                                    ),
                                    "contract in the same release",
                                )
                                .related(FileRef::Head(add_file), add_span, format!("expand: `{col}` added here"))
                                .var("table", table.qualified())
                                .var("column", col.clone())
                                .safe(not_null_steps(table, &col)),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backfill_is_an_assignment_that_reads_the_old_column() {
        assert!(backfills(
            "UPDATE users SET email_lower = lower(email);",
            "email_lower",
            "email"
        ));
        assert!(backfills(
            "update users set \"fullName\" = first || ' ' || last",
            "fullName",
            "first"
        ));
        assert!(!backfills(
            "UPDATE users SET email_lower = 'x';",
            "email_lower",
            "email"
        ));
        assert!(!backfills(
            "UPDATE users SET email = lower(email);",
            "email_lower",
            "email"
        ));
        assert!(!backfills(
            "UPDATE users SET a = 1 -- from email\n;",
            "a",
            "email"
        ));
    }

    #[test]
    fn copies_read_the_old_table() {
        let o = ObjName::new("orders");
        assert!(copies_from(
            "INSERT INTO orders_v2 SELECT * FROM orders;",
            &o
        ));
        assert!(!copies_from("INSERT INTO orders_v2 (id) VALUES (1);", &o));
    }
}
