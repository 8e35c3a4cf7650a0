//! Runs fixtures on the server and measures what each statement does.
//!
//! Every fixture runs in a fresh copy of the fixture database, twice over when needed:
//!
//! - **Measured run.** Statement by statement, in run order, each measured on its own: inside
//!   `BEGIN; SAVEPOINT` ... `ROLLBACK`, reading `pg_locks` for the backend, `pg_class`
//!   (relfilenode, size) and `pg_stat_xact_user_tables` before and after. A statement that
//!   PostgreSQL refuses inside a transaction block runs in autocommit from a second session
//!   while a third holds SHARE UPDATE EXCLUSIVE on every table, and its locks are read while it
//!   waits (the lock it waits for is the lock it takes). A statement that fails has its locks
//!   read the same way. Each statement is then applied in autocommit so the next one sees it.
//! - **Faithful run.** When a part runs in a transaction (the runner's, or an explicit `BEGIN`
//!   in the file), the fixture also runs in another copy exactly as the runner would run it:
//!   one transaction, one multi-statement string, or statement by statement. This is where
//!   "cannot run inside a transaction block" and "unsafe use of new value" show up, and what
//!   `lock_timeout` is in effect when each statement starts.
//!
//! Relations "that existed before" are those present when the migration part started; locks,
//! rewrites and scans are counted on those only (a table created by the same migration is
//! empty and unused).

use std::collections::{BTreeMap, BTreeSet};
use std::thread;
use std::time::{Duration, Instant};

use forecast::model::migrations::TxMode;
use forecast::parse::sql::Op;
use postgres::Client;

use crate::data::{self, DataCheck};
use crate::fixtures::{Case, Stmt};
use crate::server::Server;

/// Rows given to each table a fixture's earlier migrations created.
pub const FILL_ROWS: i64 = 1000;

/// `pg_type`'s oid: object locks with this class id are locks on types.
const PG_TYPE: u32 = 1247;

/// A table lock mode, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

const MODES: [(LockMode, &str, &str); 8] = [
    (LockMode::AccessShare, "AccessShareLock", "ACCESS SHARE"),
    (LockMode::RowShare, "RowShareLock", "ROW SHARE"),
    (LockMode::RowExclusive, "RowExclusiveLock", "ROW EXCLUSIVE"),
    (
        LockMode::ShareUpdateExclusive,
        "ShareUpdateExclusiveLock",
        "SHARE UPDATE EXCLUSIVE",
    ),
    (LockMode::Share, "ShareLock", "SHARE"),
    (
        LockMode::ShareRowExclusive,
        "ShareRowExclusiveLock",
        "SHARE ROW EXCLUSIVE",
    ),
    (LockMode::Exclusive, "ExclusiveLock", "EXCLUSIVE"),
    (
        LockMode::AccessExclusive,
        "AccessExclusiveLock",
        "ACCESS EXCLUSIVE",
    ),
];

impl LockMode {
    /// From `pg_locks.mode` (`AccessShareLock`).
    pub fn from_pg(s: &str) -> Option<LockMode> {
        MODES.iter().find(|m| m.1 == s).map(|m| m.0)
    }

    /// From the SQL name (`ACCESS SHARE`), as the catalogue writes it.
    pub fn from_sql(s: &str) -> Option<LockMode> {
        MODES.iter().find(|m| m.2 == s).map(|m| m.0)
    }

    pub fn sql(self) -> &'static str {
        MODES.iter().find(|m| m.0 == self).map_or("", |m| m.2)
    }
}

/// An error the server returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

/// A server error, or the harness's own failure (connection lost, ...).
fn pg_error(e: postgres::Error) -> Result<PgError, String> {
    match e.as_db_error() {
        Some(db) => Ok(PgError {
            code: db.code().code().to_string(),
            message: db.message().to_string(),
        }),
        None => Err(format!("lost the server: {e}")),
    }
}

/// The server's message for an error, with its SQLSTATE.
pub fn explain(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

fn harness(what: &str) -> impl Fn(postgres::Error) -> String + '_ {
    move |e| format!("{what}: {}", explain(&e))
}

/// A relation that existed when the current part started.
#[derive(Debug, Clone)]
pub struct Rel {
    /// `name`, or `schema.name` outside `public`.
    pub name: String,
    /// The quoted, schema-qualified name for SQL.
    pub sql_name: String,
    /// `pg_class.relkind`: `r` table, `p` partitioned table, `m` matview, `i` index, ...
    pub kind: char,
}

impl Rel {
    fn is_table(&self) -> bool {
        matches!(self.kind, 'r' | 'p' | 'm' | 'f')
    }

    fn has_storage(&self) -> bool {
        matches!(self.kind, 'r' | 'm')
    }
}

/// The user relations and types present when a part starts.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    pub rels: BTreeMap<u32, Rel>,
    pub types: BTreeMap<u32, String>,
}

impl Existing {
    fn storage_oids(&self) -> Vec<u32> {
        self.rels
            .iter()
            .filter(|(_, r)| r.has_storage())
            .map(|(o, _)| *o)
            .collect()
    }
}

/// What the server did with one statement.
#[derive(Debug, Clone)]
pub struct Obs {
    /// The statement ran inside a transaction block.
    pub transactional: bool,
    /// How it failed on the fixture data.
    pub error: Option<PgError>,
    /// The strongest lock on each relation or type that existed before: (name, relkind or
    /// `T` for a type, mode).
    pub locks: Vec<(String, char, LockMode)>,
    /// The strongest lock on a table or type that existed before.
    pub lock: Option<LockMode>,
    /// Tables that got a new file holding their rows.
    pub rewrites: Vec<String>,
    /// Tables whose every row was read.
    pub scans: Vec<String>,
    /// Tables whose every row was updated or deleted.
    pub every_row_written: Vec<String>,
}

/// How a statement ended on changed data; the outer error says the data could not be
/// changed that way.
pub type DataOutcome = Result<Result<(), PgError>, String>;

/// One statement's measurements.
#[derive(Debug, Clone)]
pub struct StmtRun {
    /// `None` for transaction control and settings, which are run but not measured.
    pub obs: Option<Obs>,
    /// `lock_timeout` when the statement started in the run the runner would do (`None`
    /// when the part ran as one string).
    pub lock_timeout: Option<String>,
    /// Runs of the statement on data that makes its outcome differ (the outer error: the
    /// data could not be prepared).
    pub data: Vec<(DataCheck, DataOutcome)>,
}

/// How one part ended when run the way its runner runs it.
#[derive(Debug, Clone)]
pub struct PartRun {
    /// The failing statement's index (`None` when the part ran as one string) and the error.
    pub error: Option<(Option<usize>, PgError)>,
}

/// A fixture's measurements: `stmts[step][index]` and `parts[step]`.
#[derive(Debug)]
pub struct CaseRun {
    pub stmts: Vec<Vec<StmtRun>>,
    pub parts: Vec<PartRun>,
}

/// What the harness shares between workers.
pub struct Env<'a> {
    pub server: &'a Server,
    /// The database every fixture starts from.
    pub template: &'a str,
    /// Oids of the template's relations (fixture copies keep them).
    pub template_oids: &'a BTreeSet<u32>,
}

/// Measures one fixture. `admin` is a connection to the `postgres` database.
pub fn run_case(env: &Env, admin: &mut Client, case: &Case, id: usize) -> Result<CaseRun, String> {
    let db = format!("fixture_{id}_measured");
    create_db(admin, &db, env.template)?;
    let measured = measure_case(env, case, &db);
    drop_db(admin, &db)?;
    let mut run = measured.map_err(|e| format!("{}: {e}", case.name))?;
    let transactional = case.steps.iter().any(|s| {
        s.tx != TxMode::None
            || s.statements
                .iter()
                .any(|st| matches!(st.op, Op::Begin | Op::Commit | Op::Rollback))
    });
    if transactional {
        let db = format!("fixture_{id}_run");
        create_db(admin, &db, env.template)?;
        let faithful = run_faithfully(env, case, &db);
        drop_db(admin, &db)?;
        let (parts, timeouts) = faithful.map_err(|e| format!("{}: {e}", case.name))?;
        run.parts = parts;
        for (step, ts) in run.stmts.iter_mut().zip(timeouts) {
            for (s, t) in step.iter_mut().zip(ts) {
                s.lock_timeout = t;
            }
        }
    }
    Ok(run)
}

fn create_db(admin: &mut Client, db: &str, template: &str) -> Result<(), String> {
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote(db),
            quote(template)
        ))
        .map_err(harness("cannot copy the fixture database"))
}

fn drop_db(admin: &mut Client, db: &str) -> Result<(), String> {
    admin
        .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", quote(db)))
        .map_err(harness("cannot drop a fixture database"))
}

/// The measured run (see the module documentation).
fn measure_case(env: &Env, case: &Case, db: &str) -> Result<CaseRun, String> {
    let mut c = env.server.connect(db).map_err(harness("connect"))?;
    let mut settings: Vec<String> = Vec::new();
    let mut run = CaseRun {
        stmts: Vec::new(),
        parts: Vec::new(),
    };
    for (si, step) in case.steps.iter().enumerate() {
        if si > 0 {
            fill_new_tables(&mut c, env.template_oids)?;
        }
        let existing = snapshot(&mut c)?;
        let mut error = None;
        let mut stmts = Vec::new();
        for (i, stmt) in step.statements.iter().enumerate() {
            if matches!(stmt.op, Op::Begin | Op::Commit | Op::Rollback) {
                stmts.push(StmtRun {
                    obs: None,
                    lock_timeout: None,
                    data: Vec::new(),
                });
                continue;
            }
            let lock_timeout = show_lock_timeout(&mut c)?;
            if matches!(stmt.op, Op::Set { .. }) {
                match c.batch_execute(&stmt.sql) {
                    Ok(()) => settings.push(stmt.sql.clone()),
                    Err(e) => {
                        error.get_or_insert((Some(i), pg_error(e)?));
                    }
                }
                stmts.push(StmtRun {
                    obs: None,
                    lock_timeout: Some(lock_timeout),
                    data: Vec::new(),
                });
                continue;
            }
            let (obs, applied) = measure(env, &mut c, db, &existing, &settings, stmt)?;
            let mut data = Vec::new();
            for check in data::checks(stmt, &existing) {
                let outcome = run_on_data(&mut c, &check, stmt)?;
                data.push((check, outcome));
            }
            let applied = match applied {
                Some(r) => r,
                None => match c.batch_execute(&stmt.sql) {
                    Ok(()) => Ok(()),
                    Err(e) => Err(pg_error(e)?),
                },
            };
            if let Err(e) = applied {
                error.get_or_insert((Some(i), e));
            }
            stmts.push(StmtRun {
                obs: Some(obs),
                lock_timeout: Some(lock_timeout),
                data,
            });
        }
        run.stmts.push(stmts);
        run.parts.push(PartRun { error });
    }
    Ok(run)
}

/// The faithful run (see the module documentation): each part's outcome, and the
/// `lock_timeout` in effect when each statement started.
#[allow(clippy::type_complexity)]
fn run_faithfully(
    env: &Env,
    case: &Case,
    db: &str,
) -> Result<(Vec<PartRun>, Vec<Vec<Option<String>>>), String> {
    let mut c = env.server.connect(db).map_err(harness("connect"))?;
    let mut parts = Vec::new();
    let mut timeouts = Vec::new();
    for (si, step) in case.steps.iter().enumerate() {
        if si > 0 {
            fill_new_tables(&mut c, env.template_oids)?;
        }
        let mut ts = vec![None; step.statements.len()];
        let mut error = None;
        match step.tx {
            TxMode::Implicit => {
                if let Err(e) = c.batch_execute(&step.text) {
                    error = Some((None, pg_error(e)?));
                }
            }
            TxMode::Runner | TxMode::None => {
                let runner = step.tx == TxMode::Runner;
                if runner {
                    c.batch_execute("BEGIN").map_err(harness("BEGIN"))?;
                }
                for (i, stmt) in step.statements.iter().enumerate() {
                    ts[i] = Some(show_lock_timeout(&mut c)?);
                    if let Err(e) = c.batch_execute(&stmt.sql) {
                        error = Some((Some(i), pg_error(e)?));
                        // Ends the runner's transaction or one the file opened.
                        let _ = c.batch_execute("ROLLBACK");
                        break;
                    }
                }
                if runner
                    && error.is_none()
                    && let Err(e) = c.batch_execute("COMMIT")
                {
                    error = Some((None, pg_error(e)?));
                }
            }
        }
        parts.push(PartRun { error });
        timeouts.push(ts);
    }
    Ok((parts, timeouts))
}

fn show_lock_timeout(c: &mut Client) -> Result<String, String> {
    let row = c
        .query_one("SHOW lock_timeout", &[])
        .map_err(harness("SHOW lock_timeout"))?;
    Ok(row.get(0))
}

/// Measures one statement; when it had to run in autocommit, also returns how it ended
/// (it has then been applied already).
#[allow(clippy::type_complexity)]
fn measure(
    env: &Env,
    c: &mut Client,
    db: &str,
    existing: &Existing,
    settings: &[String],
    stmt: &Stmt,
) -> Result<(Obs, Option<Result<(), PgError>>), String> {
    let oids = existing.storage_oids();
    // Count through a fresh look at the catalog: earlier statements of the part may have
    // renamed or dropped relations the part started with.
    let mut current = snapshot(c)?;
    current
        .rels
        .retain(|oid, _| existing.rels.contains_key(oid));
    let rows = row_counts(c, &current)?;
    let files_before = relfiles(c, &oids)?;
    c.batch_execute("BEGIN").map_err(harness("BEGIN"))?;
    let stats_before = xact_stats(c)?;
    c.batch_execute("SAVEPOINT forecast_probe")
        .map_err(harness("SAVEPOINT"))?;
    match c.batch_execute(&stmt.sql) {
        Ok(()) => {
            let locks = own_locks(c)?;
            let stats_after = xact_stats(c)?;
            let files_after = relfiles(c, &oids)?;
            c.batch_execute("ROLLBACK").map_err(harness("ROLLBACK"))?;
            let obs = Obs::build(
                existing,
                true,
                None,
                &locks,
                &rows,
                (&files_before, &files_after),
                (&stats_before, &stats_after),
            );
            Ok((obs, None))
        }
        Err(e) => {
            let e = pg_error(e)?;
            if e.code == "25001" && e.message.contains("cannot run inside a transaction block") {
                // Cannot run inside a transaction block: measure it in autocommit.
                c.batch_execute("ROLLBACK").map_err(harness("ROLLBACK"))?;
                let flush = env.server.major >= 15;
                if flush {
                    c.batch_execute("SELECT pg_stat_force_next_flush()")
                        .map_err(harness("flush statistics"))?;
                }
                let stats_before = user_stats(c)?;
                let (locks, result) = while_blocked(env, c, db, existing, settings, stmt, false)?;
                let stats_after = if flush {
                    user_stats(c)?
                } else {
                    stats_before.clone()
                };
                let files_after = relfiles(c, &oids)?;
                let obs = Obs::build(
                    existing,
                    false,
                    result.clone().err(),
                    &locks,
                    &rows,
                    (&files_before, &files_after),
                    (&stats_before, &stats_after),
                );
                return Ok((obs, Some(result)));
            }
            // It failed: keep the scans it made, then read the lock it asks for.
            c.batch_execute("ROLLBACK TO SAVEPOINT forecast_probe")
                .map_err(harness("ROLLBACK TO SAVEPOINT"))?;
            let stats_after = xact_stats(c)?;
            c.batch_execute("ROLLBACK").map_err(harness("ROLLBACK"))?;
            let (locks, _) = while_blocked(env, c, db, existing, settings, stmt, true)?;
            let obs = Obs::build(
                existing,
                true,
                Some(e),
                &locks,
                &rows,
                (&files_before, &files_before),
                (&stats_before, &stats_after),
            );
            Ok((obs, None))
        }
    }
}

type Lock = (String, Option<u32>, Option<u32>, Option<u32>, String, bool);

/// Runs `stmt` from a new session while another holds SHARE UPDATE EXCLUSIVE on every table
/// that existed before, and reads the new session's locks while it waits. With `in_txn` the
/// statement runs inside `BEGIN` ... `ROLLBACK` and changes nothing; without, it runs in
/// autocommit and stays applied.
#[allow(clippy::type_complexity)]
fn while_blocked(
    env: &Env,
    c: &mut Client,
    db: &str,
    existing: &Existing,
    settings: &[String],
    stmt: &Stmt,
    in_txn: bool,
) -> Result<(Vec<Lock>, Result<(), PgError>), String> {
    let tables: Vec<&str> = existing
        .rels
        .values()
        .filter(|r| r.is_table())
        .map(|r| r.sql_name.as_str())
        .collect();
    let mut blocker = env.server.connect(db).map_err(harness("connect"))?;
    blocker.batch_execute("BEGIN").map_err(harness("BEGIN"))?;
    if !tables.is_empty() {
        blocker
            .batch_execute(&format!(
                "LOCK TABLE {} IN SHARE UPDATE EXCLUSIVE MODE",
                tables.join(", ")
            ))
            .map_err(harness("hold the blocker's lock"))?;
    }
    let mut session = env.server.connect(db).map_err(harness("connect"))?;
    for s in settings {
        session
            .batch_execute(s)
            .map_err(harness("replay a setting"))?;
    }
    let pid: i32 = session
        .query_one("SELECT pg_backend_pid()", &[])
        .map_err(harness("pg_backend_pid"))?
        .get(0);
    if in_txn {
        session.batch_execute("BEGIN").map_err(harness("BEGIN"))?;
    }
    let sql = stmt.sql.clone();
    let handle = thread::spawn(move || {
        let r = session.batch_execute(&sql);
        (session, r)
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut locks = Vec::new();
    loop {
        let rows = c
            .query(
                "SELECT locktype, relation, classid, objid, mode, granted \
                 FROM pg_locks WHERE pid = $1",
                &[&pid],
            )
            .map_err(harness("read pg_locks"))?;
        let current: Vec<Lock> = rows
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get::<_, Option<String>>(4).unwrap_or_default(),
                    r.get::<_, Option<bool>>(5).unwrap_or(true),
                )
            })
            .collect();
        if current.iter().any(|l| !l.5) {
            locks = current;
            break;
        }
        if handle.is_finished() {
            break;
        }
        if Instant::now() > deadline {
            let _ = blocker.batch_execute("ROLLBACK");
            return Err(format!(
                "`{}` neither waited for a lock nor finished",
                stmt.display
            ));
        }
        thread::sleep(Duration::from_millis(2));
    }
    blocker
        .batch_execute("ROLLBACK")
        .map_err(harness("ROLLBACK"))?;
    drop(blocker);
    let (mut session, result) = handle
        .join()
        .map_err(|_| "the statement's thread panicked".to_string())?;
    let result = match result {
        Ok(()) => Ok(()),
        Err(e) => Err(pg_error(e)?),
    };
    if in_txn {
        session
            .batch_execute("ROLLBACK")
            .map_err(harness("ROLLBACK"))?;
    }
    if env.server.major >= 15 {
        // Publish this session's statistics now, not whenever it exits.
        session
            .batch_execute("SELECT pg_stat_force_next_flush()")
            .map_err(harness("flush statistics"))?;
    }
    Ok((locks, result))
}

/// Runs the statement on data changed so that its outcome differs; changes nothing. The
/// outer error says the data could not be changed that way.
fn run_on_data(c: &mut Client, check: &DataCheck, stmt: &Stmt) -> Result<DataOutcome, String> {
    c.batch_execute("BEGIN").map_err(harness("BEGIN"))?;
    for s in &check.setup {
        if let Err(e) = c.batch_execute(s) {
            c.batch_execute("ROLLBACK").map_err(harness("ROLLBACK"))?;
            return Ok(Err(format!("`{s}` failed: {}", explain(&e))));
        }
    }
    let result = match c.batch_execute(&stmt.sql) {
        Ok(()) => Ok(()),
        Err(e) => Err(pg_error(e)?),
    };
    c.batch_execute("ROLLBACK").map_err(harness("ROLLBACK"))?;
    Ok(Ok(result))
}

pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

const USER_NAMESPACES: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'";

/// The user relations and types that exist now.
pub fn snapshot(c: &mut Client) -> Result<Existing, String> {
    let mut existing = Existing::default();
    let rows = c
        .query(
            &format!(
                "SELECT c.oid, n.nspname, c.relname, c.relkind::text \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE {USER_NAMESPACES}"
            ),
            &[],
        )
        .map_err(harness("read pg_class"))?;
    for r in rows {
        let schema: String = r.get(1);
        let name: String = r.get(2);
        let kind: String = r.get(3);
        existing.rels.insert(
            r.get(0),
            Rel {
                name: if schema == "public" {
                    name.clone()
                } else {
                    format!("{schema}.{name}")
                },
                sql_name: format!("{}.{}", quote(&schema), quote(&name)),
                kind: kind.chars().next().unwrap_or('?'),
            },
        );
    }
    let rows = c
        .query(
            &format!(
                "SELECT t.oid, n.nspname, t.typname FROM pg_type t \
                 JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE t.typtype IN ('e', 'd') AND {USER_NAMESPACES}"
            ),
            &[],
        )
        .map_err(harness("read pg_type"))?;
    for r in rows {
        let schema: String = r.get(1);
        let name: String = r.get(2);
        existing.types.insert(
            r.get(0),
            if schema == "public" {
                name
            } else {
                format!("{schema}.{name}")
            },
        );
    }
    Ok(existing)
}

/// Rows in each table with storage.
fn row_counts(c: &mut Client, existing: &Existing) -> Result<BTreeMap<u32, i64>, String> {
    let parts: Vec<String> = existing
        .rels
        .iter()
        .filter(|(_, r)| r.has_storage())
        .map(|(oid, r)| format!("SELECT {oid}::oid, count(*) FROM ONLY {}", r.sql_name))
        .collect();
    if parts.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = c
        .query(&parts.join(" UNION ALL "), &[])
        .map_err(harness("count rows"))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// `oid → (relfilenode, size in bytes)` as this session sees them.
fn relfiles(c: &mut Client, oids: &[u32]) -> Result<BTreeMap<u32, (u32, i64)>, String> {
    let rows = c
        .query(
            "SELECT oid, relfilenode, pg_relation_size(oid) FROM pg_class WHERE oid = ANY($1)",
            &[&oids],
        )
        .map_err(harness("read relfilenode"))?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect())
}

/// Per table: (sequential scans, rows they read, rows updated, rows deleted).
type Stats = BTreeMap<u32, (i64, i64, i64, i64)>;

const STAT_COLUMNS: &str = "relid, coalesce(seq_scan, 0), coalesce(seq_tup_read, 0), \
     coalesce(n_tup_upd, 0), coalesce(n_tup_del, 0)";

/// This transaction's counts (not yet flushed), from `pg_stat_xact_user_tables`.
fn xact_stats(c: &mut Client) -> Result<Stats, String> {
    stats(
        c,
        &format!("SELECT {STAT_COLUMNS} FROM pg_stat_xact_user_tables"),
    )
}

/// Flushed counts of every session, from `pg_stat_user_tables`.
fn user_stats(c: &mut Client) -> Result<Stats, String> {
    c.batch_execute("SELECT pg_stat_clear_snapshot()")
        .map_err(harness("clear the statistics snapshot"))?;
    stats(
        c,
        &format!("SELECT {STAT_COLUMNS} FROM pg_stat_user_tables"),
    )
}

fn stats(c: &mut Client, sql: &str) -> Result<Stats, String> {
    let rows = c.query(sql, &[]).map_err(harness("read statistics"))?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4))))
        .collect())
}

/// This session's locks.
fn own_locks(c: &mut Client) -> Result<Vec<Lock>, String> {
    let rows = c
        .query(
            "SELECT locktype, relation, classid, objid, mode, granted \
             FROM pg_locks WHERE pid = pg_backend_pid()",
            &[],
        )
        .map_err(harness("read pg_locks"))?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get::<_, Option<String>>(4).unwrap_or_default(),
                r.get::<_, Option<bool>>(5).unwrap_or(true),
            )
        })
        .collect())
}

impl Obs {
    #[allow(clippy::type_complexity)]
    fn build(
        existing: &Existing,
        transactional: bool,
        error: Option<PgError>,
        locks: &[Lock],
        rows: &BTreeMap<u32, i64>,
        files: (&BTreeMap<u32, (u32, i64)>, &BTreeMap<u32, (u32, i64)>),
        stats: (&Stats, &Stats),
    ) -> Obs {
        let mut strongest: BTreeMap<String, (char, LockMode)> = BTreeMap::new();
        for (locktype, relation, classid, objid, mode, _) in locks {
            let Some(mode) = LockMode::from_pg(mode) else {
                continue;
            };
            let target = match locktype.as_str() {
                "relation" => relation
                    .and_then(|o| existing.rels.get(&o))
                    .map(|r| (r.name.clone(), r.kind)),
                "object" if *classid == Some(PG_TYPE) => objid
                    .and_then(|o| existing.types.get(&o))
                    .map(|t| (t.clone(), 'T')),
                _ => None,
            };
            if let Some((name, kind)) = target {
                let e = strongest.entry(name).or_insert((kind, mode));
                e.1 = e.1.max(mode);
            }
        }
        let lock = strongest
            .values()
            .filter(|(k, _)| matches!(k, 'r' | 'p' | 'm' | 'f' | 'T'))
            .map(|(_, m)| *m)
            .max();
        let mut rewrites = Vec::new();
        let mut scans = Vec::new();
        let mut every_row_written = Vec::new();
        for (oid, rel) in existing.rels.iter().filter(|(_, r)| r.has_storage()) {
            let rewritten = match (files.0.get(oid), files.1.get(oid)) {
                (Some((before, _)), Some((after, size))) => before != after && *size > 0,
                _ => false,
            };
            let zero = (0, 0, 0, 0);
            let s0 = stats.0.get(oid).unwrap_or(&zero);
            let s1 = stats.1.get(oid).unwrap_or(&zero);
            let n = rows.get(oid).copied().unwrap_or(0);
            let read_all = s1.0 > s0.0 && s1.1 - s0.1 >= n;
            if rewritten {
                rewrites.push(rel.name.clone());
            }
            if read_all || rewritten {
                scans.push(rel.name.clone());
            }
            if n > 0 && (s1.2 - s0.2) + (s1.3 - s0.3) >= n {
                every_row_written.push(rel.name.clone());
            }
        }
        Obs {
            transactional,
            error,
            locks: strongest
                .into_iter()
                .map(|(name, (kind, mode))| (name, kind, mode))
                .collect(),
            lock,
            rewrites,
            scans,
            every_row_written,
        }
    }
}

/// Gives every empty table the fixture created (not the template's) `FILL_ROWS` generated
/// rows, so the migration under test meets data as it would in production.
fn fill_new_tables(c: &mut Client, template_oids: &BTreeSet<u32>) -> Result<(), String> {
    let existing = snapshot(c)?;
    let counts = row_counts(c, &existing)?;
    for (oid, rel) in &existing.rels {
        if rel.kind != 'r' || template_oids.contains(oid) || counts.get(oid) != Some(&0) {
            continue;
        }
        let cols = c
            .query(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typtype::text, \
                 t.typcategory::text, a.attidentity::text, a.attgenerated::text, a.atthasdef, \
                 a.attnotnull \
                 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
                 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped \
                 ORDER BY a.attnum",
                &[oid],
            )
            .map_err(harness("read columns"))?;
        let mut names = Vec::new();
        let mut values = Vec::new();
        for col in cols {
            let name: String = col.get(0);
            let ty: String = col.get(1);
            let typtype: String = col.get(2);
            let category: String = col.get(3);
            let identity: String = col.get(4);
            let generated: String = col.get(5);
            let has_default: bool = col.get(6);
            let not_null: bool = col.get(7);
            if !identity.is_empty() || !generated.is_empty() {
                continue;
            }
            match generated_value(&ty, &typtype, &category) {
                Some(v) => {
                    names.push(quote(&name));
                    values.push(v);
                }
                None if has_default || !not_null => {}
                None => {
                    return Err(format!(
                        "cannot generate rows for `{}`: no value known for column `{name}` of type `{ty}`",
                        rel.name
                    ));
                }
            }
        }
        c.batch_execute(&format!(
            "INSERT INTO {} ({}) SELECT {} FROM generate_series(1, {FILL_ROWS}) AS g",
            rel.sql_name,
            names.join(", "),
            values.join(", ")
        ))
        .map_err(|e| format!("cannot fill `{}` with rows: {e}", rel.name))?;
    }
    Ok(())
}

/// An expression of `g` (1, 2, ...) giving distinct values of `ty` that fit it.
fn generated_value(ty: &str, typtype: &str, category: &str) -> Option<String> {
    if typtype == "e" {
        return Some(format!(
            "(enum_range(NULL::{ty}))[1 + g % array_length(enum_range(NULL::{ty}), 1)]"
        ));
    }
    if ty.ends_with("[]") {
        return Some(format!("'{{}}'::{ty}"));
    }
    let base = ty.split('(').next().unwrap_or(ty).trim();
    let modifiers: Vec<i64> = ty
        .split_once('(')
        .map(|(_, m)| {
            m.trim_end_matches(')')
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let v = match base {
        "smallint" => "(g % 30000)::smallint".to_string(),
        "integer" | "bigint" | "real" | "double precision" => format!("g::{ty}"),
        "numeric" => match modifiers.as_slice() {
            [p, s] if p - s < 4 => format!("(g % {})::{ty}", 10_i64.pow((p - s).max(0) as u32)),
            [p] if *p < 4 => format!("(g % {})::{ty}", 10_i64.pow(*p as u32)),
            _ => format!("g::{ty}"),
        },
        "text" => "'v' || g".to_string(),
        "character varying" | "character" => match modifiers.first() {
            Some(n) => format!("left('v' || g, {n})"),
            None => "'v' || g".to_string(),
        },
        "boolean" => "g % 2 = 0".to_string(),
        "uuid" => "md5(g::text)::uuid".to_string(),
        "json" | "jsonb" => format!("'{{}}'::{ty}"),
        "bytea" => "'\\x00'::bytea".to_string(),
        "interval" => "g * interval '1 second'".to_string(),
        "date" => "date '2024-01-01' + g".to_string(),
        _ if category == "D" => format!("(timestamp '2024-01-01' + g * interval '1 hour')::{ty}"),
        _ => return None,
    };
    Some(v)
}
