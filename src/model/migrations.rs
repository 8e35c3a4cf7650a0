//! Migrations: files grouped into migrations (an up part and maybe a down part), each part's
//! transaction mode on PostgreSQL, and migrations ordered into timelines.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::{Direction, Framework, MigrationFile, Version, parent_dir};
use crate::parse::sql::{AlterKind, Comment, Op, ParsedSql, Statement};
use crate::source::SourceFile;
use crate::span::Span;

/// A SQL file recognised as a migration, with its parse.
#[derive(Debug)]
pub struct ParsedFile {
    pub source: SourceFile,
    pub detected: MigrationFile,
    pub sql: ParsedSql,
}

/// How the migration runner runs a part on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxMode {
    /// The runner wraps the part in one transaction.
    Runner,
    /// The runner sends the part as one multi-statement string: PostgreSQL runs it as one
    /// implicit transaction when it holds more than one statement.
    Implicit,
    /// Statements run one by one in autocommit (unless the SQL says `BEGIN`).
    None,
}

/// The up or the down half of a migration.
#[derive(Debug, Clone)]
pub struct Part {
    /// Index into the parsed files.
    pub file: usize,
    /// Indexes into that file's statements, in order.
    pub statements: Vec<usize>,
    /// The byte range of the part in its file (the whole file, or a goose/dbmate section).
    pub range: Span,
    pub tx: TxMode,
    /// Why the part runs the way it does, for messages.
    pub tx_reason: String,
    /// The directive or change that makes the part run outside a transaction.
    pub opt_out: String,
}

/// One migration: a version with an up part and maybe a down part.
#[derive(Debug, Clone)]
pub struct Migration {
    pub framework: Framework,
    pub version: Version,
    pub unit: String,
    pub dialect: Option<&'static str>,
    pub up: Option<Part>,
    pub down: Option<Part>,
    /// A down exists in a form forecast does not analyse (Liquibase `--rollback` comments).
    pub down_opaque: bool,
    /// The framework lets this migration have a down part.
    pub down_supported: bool,
}

impl Migration {
    /// The path to show for the migration: its up file, or its down file.
    pub fn display_file<'a>(&self, files: &'a [ParsedFile]) -> &'a str {
        self.up
            .as_ref()
            .or(self.down.as_ref())
            .map(|p| files[p.file].source.path.as_str())
            .unwrap_or("")
    }
}

/// Migrations in one folder (and dialect), in the order they run.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub key: String,
    pub migrations: Vec<Migration>,
}

/// Does this statement refuse to run inside a transaction block?
pub fn is_non_transactional(op: &Op, pg_version: u32) -> bool {
    match op {
        Op::CreateIndex { concurrently, .. }
        | Op::DropIndex { concurrently, .. }
        | Op::Reindex { concurrently, .. } => *concurrently,
        Op::Vacuum { .. } => true,
        Op::AlterEnumAddValue { .. } => pg_version < 12,
        Op::AlterTable { actions, .. } => actions.iter().any(|a| {
            matches!(
                a.kind,
                AlterKind::DetachPartition {
                    concurrently: true,
                    ..
                }
            )
        }),
        _ => false,
    }
}

fn comment_body(c: &Comment) -> String {
    c.text
        .trim_start_matches("--")
        .trim_start_matches("/*")
        .trim_end_matches("*/")
        .trim()
        .to_ascii_lowercase()
}

fn statements_in(sql: &ParsedSql, range: Span) -> Vec<usize> {
    sql.statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.span.start >= range.start && s.span.start < range.end)
        .map(|(i, _)| i)
        .collect()
}

fn whole(file: &ParsedFile) -> Span {
    Span::new(0, file.source.text.len())
}

/// Transaction mode of a whole-file part for the frameworks that decide per file.
fn file_tx(
    framework: Framework,
    file: &ParsedFile,
    statements: &[usize],
    meta: &MetaFiles,
    pg_version: u32,
) -> (TxMode, String, String) {
    let path = &file.source.path;
    let has = |marker: &str| {
        file.sql
            .comments
            .iter()
            .any(|c| comment_body(c).starts_with(marker))
    };
    match framework {
        Framework::Diesel => {
            let meta_path = format!("{}/metadata.toml", parent_dir(path));
            let off = meta.diesel_no_tx(&meta_path);
            if off {
                (
                    TxMode::None,
                    format!("`{meta_path}` sets `run_in_transaction = false`"),
                    String::new(),
                )
            } else {
                (
                    TxMode::Runner,
                    "diesel runs each migration in a transaction".into(),
                    format!("add `run_in_transaction = false` to `{meta_path}`"),
                )
            }
        }
        Framework::Sqlx => {
            if has("no-transaction") {
                (TxMode::None, "`-- no-transaction` is set".into(), String::new())
            } else {
                (
                    TxMode::Runner,
                    "sqlx runs each migration in a transaction".into(),
                    "make `-- no-transaction` the first line of the file".into(),
                )
            }
        }
        Framework::GolangMigrate => (
            TxMode::Implicit,
            "golang-migrate sends the file as one multi-statement string, which PostgreSQL runs as one implicit transaction".into(),
            "move the statement into a migration file of its own, alone".into(),
        ),
        Framework::Prisma => (
            TxMode::Implicit,
            "Prisma runs the migration as one batch when it cannot split it statement by statement (it cannot split files that hold a concurrent statement its parser rejects)".into(),
            "move the statement into a migration of its own, alone".into(),
        ),
        Framework::Flyway => {
            let conf = format!("{path}.conf");
            if meta.flyway_no_tx(&conf) {
                (TxMode::None, format!("`{conf}` sets `executeInTransaction=false`"), String::new())
            } else if !statements.is_empty()
                && statements
                    .iter()
                    .all(|&i| is_non_transactional(&file.sql.statements[i].op, pg_version) || is_session_setting(&file.sql.statements[i].op))
            {
                (
                    TxMode::None,
                    "Flyway runs a script made only of non-transactional statements outside a transaction".into(),
                    String::new(),
                )
            } else {
                (
                    TxMode::Runner,
                    "Flyway runs each versioned script in a transaction, and rejects scripts that mix transactional and non-transactional statements".into(),
                    format!("move the statement into a script of its own, or set `executeInTransaction=false` in `{conf}`"),
                )
            }
        }
        Framework::Atlas => {
            if file
                .sql
                .comments
                .iter()
                .any(|c| comment_body(c).replace(' ', "").starts_with("atlas:txmodenone"))
            {
                (TxMode::None, "`-- atlas:txmode none` is set".into(), String::new())
            } else {
                (
                    TxMode::Runner,
                    "Atlas runs each migration file in a transaction".into(),
                    "add `-- atlas:txmode none` at the top of the file".into(),
                )
            }
        }
        Framework::Pop => {
            if path.contains(".autocommit.") {
                (TxMode::None, "the `.autocommit.` file name runs it outside a transaction".into(), String::new())
            } else {
                (
                    TxMode::Runner,
                    "pop runs each migration file in a transaction".into(),
                    "rename the file with an `.autocommit.` infix (popx) so it runs outside a transaction".into(),
                )
            }
        }
        Framework::Sqitch => (
            TxMode::None,
            "Sqitch runs the script through psql, statement by statement".into(),
            "remove the `BEGIN` / `COMMIT` around the statement".into(),
        ),
        Framework::Plain | Framework::Goose | Framework::Dbmate | Framework::Liquibase => (
            TxMode::None,
            "no migration framework was recognised; statements are assumed to run one by one".into(),
            "remove the `BEGIN` / `COMMIT` around the statement".into(),
        ),
    }
}

fn is_session_setting(op: &Op) -> bool {
    matches!(op, Op::Set { .. })
}

/// The contents of framework files that change how migrations run.
#[derive(Debug, Default)]
pub struct MetaFiles {
    /// path → text, for `metadata.toml`, `*.sql.conf`, `migration_lock.toml`.
    pub texts: BTreeMap<String, String>,
}

impl MetaFiles {
    fn diesel_no_tx(&self, path: &str) -> bool {
        self.texts.get(path).is_some_and(|t| {
            toml::from_str::<toml::Table>(t)
                .ok()
                .and_then(|v| v.get("run_in_transaction").and_then(|b| b.as_bool()))
                == Some(false)
        })
    }

    fn flyway_no_tx(&self, path: &str) -> bool {
        self.texts.get(path).is_some_and(|t| {
            t.lines().any(|l| {
                let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                l.eq_ignore_ascii_case("executeInTransaction=false")
            })
        })
    }

    /// The provider a Prisma `migration_lock.toml` names, as a dialect.
    pub fn prisma_dialect(&self, migrations_dir: &str) -> Option<&'static str> {
        let text = self
            .texts
            .get(&format!("{migrations_dir}/migration_lock.toml"))?;
        let v = toml::from_str::<toml::Table>(text).ok()?;
        match v.get("provider")?.as_str()? {
            "postgresql" | "postgres" => Some("postgres"),
            "mysql" => Some("mysql"),
            "sqlite" => Some("sqlite"),
            "sqlserver" => Some("mssql"),
            "cockroachdb" => Some("cockroach"),
            _ => None,
        }
    }
}

/// Split a goose or dbmate file into its up and down sections.
/// A section of a file: its byte range and the marker comment that opens it.
type Section = Option<(Span, String)>;

fn sections(file: &ParsedFile, up_marker: &str, down_marker: &str) -> (Section, Section) {
    let len = file.source.text.len();
    let find = |marker: &str| {
        file.sql
            .comments
            .iter()
            .find(|c| comment_body(c).starts_with(marker))
            .map(|c| (c.span, comment_body(c)))
    };
    let up = find(up_marker);
    let down = find(down_marker);
    let up_range = up.as_ref().map(|(s, body)| {
        let end = match &down {
            Some((d, _)) if d.start > s.start => d.start,
            _ => len,
        };
        (Span::new(s.end, end), body.clone())
    });
    let down_range = down.as_ref().map(|(s, body)| {
        let end = match &up {
            Some((u, _)) if u.start > s.start => u.start,
            _ => len,
        };
        (Span::new(s.end, end), body.clone())
    });
    (up_range, down_range)
}

/// Build migrations from parsed files, grouped into timelines.
pub fn build(files: &[ParsedFile], meta: &MetaFiles, pg_version: u32) -> Vec<Timeline> {
    let mut units: BTreeMap<(String, Option<&'static str>), Migration> = BTreeMap::new();
    let mut generic: Vec<usize> = Vec::new();

    for (i, file) in files.iter().enumerate() {
        let d = &file.detected;
        match d.framework {
            Framework::Goose | Framework::Dbmate => {
                let (um, dm) = if d.framework == Framework::Goose {
                    ("+goose up", "+goose down")
                } else {
                    ("migrate:up", "migrate:down")
                };
                let (up, down) = sections(file, um, dm);
                let goose_no_tx = file
                    .sql
                    .comments
                    .iter()
                    .any(|c| comment_body(c).starts_with("+goose no transaction"));
                let part = |(range, marker): (Span, String)| {
                    let statements = statements_in(&file.sql, range);
                    let (tx, reason, opt_out) = if d.framework == Framework::Goose {
                        if goose_no_tx {
                            (
                                TxMode::None,
                                "`-- +goose NO TRANSACTION` is set".to_string(),
                                String::new(),
                            )
                        } else {
                            (
                                TxMode::Runner,
                                "goose runs each migration in a transaction".to_string(),
                                "add `-- +goose NO TRANSACTION` to the file".to_string(),
                            )
                        }
                    } else if marker.replace(' ', "").contains("transaction:false") {
                        (
                            TxMode::None,
                            "`transaction:false` is set on the section".to_string(),
                            String::new(),
                        )
                    } else {
                        (
                            TxMode::Runner,
                            "dbmate runs each migration section in a transaction".to_string(),
                            format!("write `-- {marker} transaction:false`"),
                        )
                    };
                    Part {
                        file: i,
                        statements,
                        range,
                        tx,
                        tx_reason: reason,
                        opt_out,
                    }
                };
                let has_down = down.is_some();
                units.insert(
                    (d.unit.clone(), d.dialect),
                    Migration {
                        framework: d.framework,
                        version: d.version.clone(),
                        unit: d.unit.clone(),
                        dialect: d.dialect,
                        up: up.map(part),
                        down: down.map(part),
                        down_opaque: false,
                        down_supported: true,
                    },
                );
                let _ = has_down;
            }
            Framework::Liquibase => {
                for m in liquibase_changesets(i, file) {
                    units.insert((m.unit.clone(), d.dialect), m);
                }
            }
            _ => {
                if d.framework == Framework::Pop && d.dialect.is_none() {
                    generic.push(i);
                    continue;
                }
                let statements = statements_in(&file.sql, whole(file));
                let (tx, tx_reason, opt_out) =
                    file_tx(d.framework, file, &statements, meta, pg_version);
                let part = Part {
                    file: i,
                    statements,
                    range: whole(file),
                    tx,
                    tx_reason,
                    opt_out,
                };
                let dialect = if d.framework == Framework::Prisma {
                    d.dialect
                        .or_else(|| meta.prisma_dialect(parent_dir(&d.unit)))
                } else {
                    d.dialect
                };
                let m = units
                    .entry((d.unit.clone(), dialect))
                    .or_insert_with(|| Migration {
                        framework: d.framework,
                        version: d.version.clone(),
                        unit: d.unit.clone(),
                        dialect,
                        up: None,
                        down: None,
                        down_opaque: false,
                        down_supported: match d.framework {
                            // sqlx's single-file form is its documented irreversible form.
                            Framework::Sqlx => file.source.path.ends_with(".up.sql"),
                            f => f.supports_down(),
                        } || d.direction == Direction::Down,
                    });
                match d.direction {
                    Direction::Down => {
                        m.down = Some(part);
                        m.down_supported = true;
                    }
                    _ => m.up = Some(part),
                }
            }
        }
    }

    // Pop files without a dialect apply to every dialect that has no file of its own: they
    // form the dialect-less migration, and fill the empty slots of the PostgreSQL one.
    for i in generic {
        let file = &files[i];
        let d = &file.detected;
        let base = pop_base(&d.unit);
        let statements = statements_in(&file.sql, whole(file));
        let (tx, tx_reason, opt_out) = file_tx(d.framework, file, &statements, meta, pg_version);
        let part = Part {
            file: i,
            statements,
            range: whole(file),
            tx,
            tx_reason,
            opt_out,
        };
        for ((unit, dialect), m) in units.iter_mut() {
            if m.framework == Framework::Pop
                && *dialect == Some("postgres")
                && pop_base(unit) == base
            {
                let slot = if d.direction == Direction::Down {
                    &mut m.down
                } else {
                    &mut m.up
                };
                if slot.is_none() {
                    *slot = Some(part.clone());
                }
            }
        }
        let m = units
            .entry((base.clone(), None))
            .or_insert_with(|| Migration {
                framework: Framework::Pop,
                version: d.version.clone(),
                unit: base.clone(),
                dialect: None,
                up: None,
                down: None,
                down_opaque: false,
                down_supported: true,
            });
        match d.direction {
            Direction::Down => m.down = Some(part),
            _ => m.up = Some(part),
        }
    }
    // Where PostgreSQL has its own file, the dialect-less migration does not run on it.
    let pg_bases: std::collections::BTreeSet<String> = units
        .iter()
        .filter(|((_, d), m)| m.framework == Framework::Pop && *d == Some("postgres"))
        .map(|((u, _), _)| pop_base(u))
        .collect();
    units.retain(|(unit, d), m| {
        !(m.framework == Framework::Pop && d.is_none() && pg_bases.contains(&pop_base(unit)))
    });

    let mut timelines: BTreeMap<String, Vec<Migration>> = BTreeMap::new();
    for ((unit, dialect), m) in units {
        let folder = match m.framework {
            Framework::Diesel | Framework::Prisma => {
                parent_dir(parent_dir(&format!("{unit}/x"))).to_string()
            }
            Framework::Sqitch => unit.split('#').next().unwrap_or("").to_string(),
            Framework::Liquibase => unit
                .split('#')
                .next()
                .map(|p| parent_dir(p).to_string())
                .unwrap_or_default(),
            _ => parent_dir(&unit).to_string(),
        };
        // PostgreSQL and dialect-less migrations of a folder share one timeline.
        let key = match dialect {
            Some(d) if d != "postgres" => format!("{folder} [{d}]"),
            _ => folder,
        };
        timelines.entry(key).or_default().push(m);
    }
    timelines
        .into_iter()
        .map(|(key, mut migrations)| {
            migrations.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.unit.cmp(&b.unit)));
            Timeline { key, migrations }
        })
        .collect()
}

/// `dir/2020_x.postgres.autocommit` → `dir/2020_x`
fn pop_base(unit: &str) -> String {
    let (dir, name) = match unit.rfind('/') {
        Some(i) => (&unit[..i], &unit[i + 1..]),
        None => ("", unit),
    };
    let stem = name.split('.').next().unwrap_or(name);
    if dir.is_empty() {
        stem.to_string()
    } else {
        format!("{dir}/{stem}")
    }
}

/// Liquibase formatted SQL: each `--changeset author:id` starts a migration of its own.
fn liquibase_changesets(file_idx: usize, file: &ParsedFile) -> Vec<Migration> {
    let d = &file.detected;
    let len = file.source.text.len();
    let starts: Vec<(&Comment, String)> = file
        .sql
        .comments
        .iter()
        .filter_map(|c| {
            let b = comment_body(c);
            b.starts_with("changeset").then_some((c, b))
        })
        .collect();
    let mut out = Vec::new();
    for (n, (c, body)) in starts.iter().enumerate() {
        let end = starts
            .get(n + 1)
            .map(|(next, _)| next.span.start)
            .unwrap_or(len);
        let range = Span::new(c.span.end, end);
        let id = c
            .text
            .trim_start_matches('-')
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_string();
        let no_tx = body.replace(' ', "").contains("runintransaction:false");
        let has_rollback = file.sql.comments.iter().any(|r| {
            r.span.start >= range.start
                && r.span.start < range.end
                && comment_body(r).starts_with("rollback")
        });
        let (tx, tx_reason, opt_out) = if no_tx {
            (
                TxMode::None,
                "`runInTransaction:false` is set on the changeset".to_string(),
                String::new(),
            )
        } else {
            (
                TxMode::Runner,
                "Liquibase runs each changeset in a transaction".to_string(),
                "add `runInTransaction:false` to the `--changeset` line".to_string(),
            )
        };
        out.push(Migration {
            framework: Framework::Liquibase,
            version: Version {
                parts: vec![n as u64],
                text: id.clone(),
            },
            unit: format!("{}#{id}", file.source.path),
            dialect: d.dialect,
            up: Some(Part {
                file: file_idx,
                statements: statements_in(&file.sql, range),
                range,
                tx,
                tx_reason,
                opt_out,
            }),
            down: None,
            down_opaque: has_rollback,
            down_supported: true,
        });
    }
    out
}

/// The statements of a part.
pub fn part_statements<'a>(files: &'a [ParsedFile], part: &Part) -> Vec<&'a Statement> {
    part.statements
        .iter()
        .filter_map(|&i| files[part.file].sql.statements.get(i))
        .collect()
}
