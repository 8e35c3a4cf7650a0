//! The catalogue, measured: every SQL rule's claims checked against a real PostgreSQL server.
//!
//! The suite starts a throwaway cluster (see `server.rs`), builds a fixture database with rows
//! (`schema.sql`), runs every fixture of the rules that make server claims
//! (`testdata/rules/M*/`) in fresh copies of it and measures each statement (`measure.rs`),
//! then checks the rules' `lock`, `rewrites`, `scans` and `transactional` fields and their
//! data-dependent promises against what the server did (`verdict.rs`, `data.rs`). The
//! measurements are kept in `rules/postgres-verified.toml`, which the docs pages show:
//! rewrite it with `FORECAST_BLESS=1 cargo test --test postgres`, then regenerate the docs
//! with `FORECAST_BLESS=1 cargo test --test catalogue`.
//!
//! Without a server binary (`/usr/lib/postgresql/<major>/bin/initdb`, from Debian's
//! `postgresql` package, or `$FORECAST_PG_BIN`) the suite says so and passes, except when
//! `CI` is set: there a missing server fails it.

mod data;
mod fixtures;
mod measure;
mod server;
mod verdict;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use forecast::catalogue::Catalogue;
use forecast::verified::{self, Verified};

use crate::measure::{CaseRun, Env};
use crate::server::Server;

/// The database every fixture gets a copy of.
const TEMPLATE: &str = "fixture";

/// Prints past the test harness's output capture, so the message shows in a passing run.
fn say(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A running server, or `None` after saying why the suite is skipped.
fn start_server() -> Option<Server> {
    let Some(bin) = server::find_bin() else {
        let msg = format!(
            "no PostgreSQL server binary found ({}); install Debian's `postgresql` package \
             to run the PostgreSQL suite",
            server::search_description()
        );
        if on_ci() {
            panic!("CI is set, and the PostgreSQL suite must run there: {msg}");
        }
        say(&format!("skipping the PostgreSQL suite: {msg}"));
        return None;
    };
    match Server::start(&bin) {
        Ok(s) => Some(s),
        Err(e) => panic!("cannot start PostgreSQL from {}: {e}", bin.display()),
    }
}

/// Creates the fixture database; returns the oids of its relations.
fn build_template(server: &Server) -> Result<BTreeSet<u32>, String> {
    let mut admin = server.connect("postgres").map_err(|e| e.to_string())?;
    let dir = server.make_dir("tablespaces/archive_disk")?;
    admin
        .batch_execute(&format!(
            "CREATE TABLESPACE archive_disk LOCATION '{}'",
            dir.display().to_string().replace('\'', "''")
        ))
        .map_err(|e| format!("CREATE TABLESPACE: {e}"))?;
    admin
        .batch_execute(&format!("CREATE DATABASE {TEMPLATE}"))
        .map_err(|e| format!("CREATE DATABASE: {e}"))?;
    let mut c = server.connect(TEMPLATE).map_err(|e| e.to_string())?;
    c.batch_execute(include_str!("schema.sql"))
        .map_err(|e| format!("tests/postgres/schema.sql: {e}"))?;
    c.batch_execute("VACUUM ANALYZE")
        .map_err(|e| format!("VACUUM ANALYZE: {e}"))?;
    let existing = measure::snapshot(&mut c)?;
    Ok(existing.rels.keys().copied().collect())
}

/// Runs every case, on a few workers in parallel (each in its own databases).
fn run_all(env: &Env, cases: &[fixtures::Case]) -> Vec<Result<CaseRun, String>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<CaseRun, String>>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut admin = match env.server.connect("postgres") {
                    Ok(c) => c,
                    Err(e) => {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if let Some(slot) = results.lock().unwrap().get_mut(i) {
                            *slot = Some(Err(format!("connect: {e}")));
                        }
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else {
                        break;
                    };
                    let r = measure::run_case(env, &mut admin, case, i);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not run".to_string())))
        .collect()
}

#[test]
fn rule_claims_hold_on_a_real_postgresql_server() {
    let Some(server) = start_server() else {
        return;
    };
    let mut admin = server
        .connect("postgres")
        .expect("connect over the unix socket");
    let listen: String = admin
        .query_one("SHOW listen_addresses", &[])
        .expect("SHOW listen_addresses")
        .get(0);
    assert_eq!(
        listen, "",
        "the test server must not listen on any TCP address"
    );
    if let Some(sockets) = server.tcp_listeners() {
        assert!(
            sockets.is_empty(),
            "the test server listens on TCP: {sockets:?}"
        );
    }
    drop(admin);

    let template_oids = build_template(&server).unwrap_or_else(|e| panic!("{e}"));
    let catalogue = Catalogue::embedded();
    let codes: BTreeSet<String> = catalogue
        .rules()
        .filter(|r| verdict::has_server_claims(r))
        .map(|r| r.code.clone())
        .collect();
    let mut cases = fixtures::cases(&codes).unwrap_or_else(|e| panic!("{e}"));
    // A fixture written for another major version (its own forecast.toml) makes claims about
    // that version; this server cannot judge them.
    cases.retain(|c| {
        let same = c.pg_version == server.major;
        if !same {
            say(&format!(
                "{}: targets PostgreSQL {}, not checked on {}",
                c.name, c.pg_version, server.major
            ));
        }
        same
    });
    assert!(!cases.is_empty(), "no fixtures found under testdata/rules/");
    let env = Env {
        server: &server,
        template: TEMPLATE,
        template_oids: &template_oids,
    };
    let mut failures = Vec::new();
    let mut judged = Vec::new();
    for (case, run) in cases.iter().zip(run_all(&env, &cases)) {
        match run {
            Ok(r) => judged.push((case, r)),
            Err(e) => failures.push(e),
        }
    }
    let verdict = verdict::judge(catalogue, &judged, server.major);
    failures.extend(verdict.failures);

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(verified::SOURCE.0);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let committed_major = Verified::parse(&committed).map_or(0, |v| v.postgres);
    let text = verdict.records.render();
    if std::env::var_os("FORECAST_BLESS").is_some() {
        if committed != text {
            std::fs::write(&path, &text).expect("write the records");
            say(&format!(
                "wrote {}; regenerate the docs with `FORECAST_BLESS=1 cargo test --test catalogue`",
                verified::SOURCE.0
            ));
        }
    } else if committed_major == server.major || committed_major == 0 {
        if committed != text {
            failures.push(format!(
                "{} is not what PostgreSQL {} did; run `FORECAST_BLESS=1 cargo test --test postgres`, \
                 then `FORECAST_BLESS=1 cargo test --test catalogue`",
                verified::SOURCE.0,
                server.major
            ));
        }
    } else {
        say(&format!(
            "note: {} holds PostgreSQL {committed_major} measurements and this server is {} ({}): \
             the claims were checked, the records not compared",
            verified::SOURCE.0,
            server.major,
            server.version
        ));
    }
    assert!(
        failures.is_empty(),
        "PostgreSQL {} disagrees with the catalogue or the fixtures:\n\n{}",
        server.version,
        failures.join("\n\n")
    );
}

/// The harness's own helpers, checked without a server.
mod helpers {
    use forecast::parse::sql::{self, Dialect};

    use crate::measure::{LockMode, quote};

    #[test]
    fn lock_modes_read_both_spellings_and_order_by_strength() {
        assert_eq!(
            LockMode::from_pg("ShareRowExclusiveLock"),
            LockMode::from_sql("SHARE ROW EXCLUSIVE")
        );
        assert_eq!(LockMode::from_sql("EXCLUSIVE").unwrap().sql(), "EXCLUSIVE");
        assert!(LockMode::from_sql("SHARE") > LockMode::from_sql("SHARE UPDATE EXCLUSIVE"));
        assert!(LockMode::from_sql("ACCESS EXCLUSIVE") > LockMode::from_sql("EXCLUSIVE"));
        assert_eq!(LockMode::from_sql("SHARED"), None);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("orders"), "\"orders\"");
        assert_eq!(quote("we\"ird"), "\"we\"\"ird\"");
    }

    #[test]
    fn data_checks_follow_the_flagged_statement() {
        let text = "ALTER TABLE members ALTER COLUMN nickname TYPE varchar(32); -- expect: M204\n";
        let parsed = sql::parse(text, Dialect::Postgres);
        let s = &parsed.statements[0];
        let stmt = crate::fixtures::Stmt {
            sql: s.span.slice(text).to_string(),
            display: String::new(),
            location: "x.sql:1".into(),
            op: s.op.clone(),
            markers: ["M204".to_string()].into_iter().collect(),
        };
        let checks = crate::data::checks(&stmt, &crate::measure::Existing::default());
        assert_eq!(checks.len(), 1);
        assert!(
            checks[0].setup[0].contains("repeat('x', 33)"),
            "{:?}",
            checks[0].setup
        );
        let mut unflagged = stmt.clone();
        unflagged.markers.clear();
        assert!(crate::data::checks(&unflagged, &crate::measure::Existing::default()).is_empty());
    }
}
