//! Holds the measurements against the catalogue, and turns them into the records of
//! `rules/postgres-verified.toml`.
//!
//! - A statement a rule flags (`expect:` marker) must do exactly what the rule's `lock`,
//!   `rewrites`, `scans` and `transactional` fields claim, and show the rule's hazard.
//! - A statement of a fixture the rule must not fire on must not show the hazard.
//! - A part of a migration run the way its runner runs it must succeed, unless it holds a
//!   statement whose rule's hazard is that very failure.
//! - Data-dependent claims must hold on data that triggers them.

use forecast::catalogue::{Catalogue, RuleMeta};
use forecast::model::migrations::TxMode;
use forecast::parse::sql::Op;
use forecast::verified::{DataRun, Measured, Verified};

use crate::data::Expect;
use crate::fixtures::{Case, Kind, Stmt};
use crate::measure::{CaseRun, LockMode, Obs, PgError};

/// How the server shows the hazard a rule warns about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hazard {
    /// The lock, rewrite and scan the rule claims, all at once, on a table that existed.
    Claims,
    /// The migration fails with this SQLSTATE when run the way its runner runs it.
    RunFails(&'static str),
    /// Every row of a table is updated or deleted (and so row-locked until commit).
    EveryRowWritten,
    /// An ACCESS EXCLUSIVE lock requested while `lock_timeout` is 0 (it would wait forever).
    WaitsWithoutTimeout,
    /// Data loss or a break of the previous release's queries: the lock a flagged statement
    /// takes is verified, but an ok case (a table rebuilt by copy, a column of a table the
    /// migration created) takes the same lock for a harmless reason, so the server cannot
    /// judge it.
    NotObservable,
}

/// The hazard of each rule, where it is more than its lock, rewrite and scan. The SQLSTATEs
/// are the ones the rules' `why` texts promise.
pub fn hazard(code: &str) -> Hazard {
    match code {
        // cannot run inside a transaction block
        "M102" => Hazard::RunFails("25001"),
        // column "x" contains null values
        "M202" => Hazard::RunFails("23502"),
        // unsafe use of new value "x" of enum type t
        "M402" => Hazard::RunFails("55P04"),
        "M306" => Hazard::EveryRowWritten,
        "M401" => Hazard::WaitsWithoutTimeout,
        "M301" | "M302" | "M303" | "M304" | "M305" => Hazard::NotObservable,
        _ => Hazard::Claims,
    }
}

/// The rule makes at least one claim about what the server does.
pub fn has_server_claims(rule: &RuleMeta) -> bool {
    rule.lock.is_some()
        || rule.rewrites.is_some()
        || rule.scans.is_some()
        || rule.transactional.is_some()
}

/// Rules whose flagged statements must each have been run on data that triggers the claim.
const DATA_CLAIMS: &[&str] = &["M202", "M204"];

pub struct Verdict {
    pub failures: Vec<String>,
    pub records: Verified,
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn lock_name(l: Option<LockMode>) -> &'static str {
    l.map_or("none", LockMode::sql)
}

fn describe(obs: &Obs) -> String {
    let locks: Vec<String> = obs
        .locks
        .iter()
        .map(|(n, _, m)| format!("{n}: {}", m.sql()))
        .collect();
    format!(
        "locks [{}], rewrites {:?}, scans {:?}, in a transaction: {}{}",
        locks.join(", "),
        obs.rewrites,
        obs.scans,
        yes(obs.transactional),
        obs.error
            .as_ref()
            .map(|e| format!(", failed: {e}"))
            .unwrap_or_default()
    )
}

fn tx_name(tx: TxMode) -> &'static str {
    match tx {
        TxMode::Runner => "in the runner's transaction",
        TxMode::Implicit => "as one multi-statement string",
        TxMode::None => "statement by statement",
    }
}

fn error_text(e: &PgError) -> String {
    format!("{}: {}", e.code, e.message)
}

/// Differences between what `rule` claims and what the server did.
fn claim_mismatches(rule: &RuleMeta, obs: &Obs) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(lock) = &rule.lock {
        match LockMode::from_sql(lock) {
            None => out.push(format!("`lock = \"{lock}\"` is not a PostgreSQL lock mode")),
            Some(l) if Some(l) != obs.lock => out.push(format!(
                "claims lock {lock}, the server took {}",
                lock_name(obs.lock)
            )),
            Some(_) => {}
        }
    }
    let (rewrote, scanned) = (!obs.rewrites.is_empty(), !obs.scans.is_empty());
    if let Some(r) = rule.rewrites
        && r != rewrote
    {
        out.push(format!(
            "claims rewrites = {r}, the server rewrote {:?}",
            obs.rewrites
        ));
    }
    if let Some(s) = rule.scans
        && s != scanned
    {
        out.push(format!(
            "claims scans = {s}, the server read every row of {:?}",
            obs.scans
        ));
    }
    if let Some(t) = rule.transactional
        && t != obs.transactional
    {
        out.push(format!(
            "claims transactional = {t}, inside a transaction block the statement {}",
            if obs.transactional {
                "ran"
            } else {
                "failed with 25001"
            }
        ));
    }
    out
}

/// Does the server show `rule`'s hazard for this statement?
fn shows_hazard(rule: &RuleMeta, obs: &Obs, lock_timeout: Option<&str>) -> bool {
    match hazard(&rule.code) {
        Hazard::Claims => {
            let lock = match rule.lock.as_deref().and_then(LockMode::from_sql) {
                Some(l) => obs.lock.is_some_and(|m| m >= l),
                None => true,
            };
            lock && (rule.rewrites != Some(true) || !obs.rewrites.is_empty())
                && (rule.scans != Some(true) || !obs.scans.is_empty())
        }
        Hazard::RunFails(_) | Hazard::NotObservable => false,
        Hazard::EveryRowWritten => !obs.every_row_written.is_empty(),
        Hazard::WaitsWithoutTimeout => {
            obs.lock == Some(LockMode::AccessExclusive) && lock_timeout == Some("0")
        }
    }
}

fn record(rule: &str, stmt: &Stmt, fires: bool, obs: &Obs) -> Measured {
    Measured {
        rule: rule.to_string(),
        fixture: stmt.location.clone(),
        fires,
        sql: stmt.display.clone(),
        lock: lock_name(obs.lock).to_string(),
        locks: obs
            .locks
            .iter()
            .map(|(n, _, m)| format!("{n}: {}", m.sql()))
            .collect(),
        rewrites: !obs.rewrites.is_empty(),
        scans: !obs.scans.is_empty(),
        transactional: obs.transactional,
        error: obs.error.as_ref().map(error_text),
    }
}

/// Statements an ok fixture needs but that say nothing about the rule.
fn is_setup(op: &Op) -> bool {
    matches!(op, Op::CreateTable { .. } | Op::CreateEnum { .. })
}

pub fn judge(catalogue: &Catalogue, cases: &[(&Case, CaseRun)], major: u32) -> Verdict {
    let mut failures = Vec::new();
    let mut statements = Vec::new();
    let mut data = Vec::new();
    for (case, run) in cases {
        let Some(rule) = catalogue.get(&case.code) else {
            failures.push(format!(
                "{}: no rule {} in the catalogue",
                case.name, case.code
            ));
            continue;
        };
        for (si, step) in case.steps.iter().enumerate() {
            let expected =
                step.statements
                    .iter()
                    .flat_map(|s| &s.markers)
                    .find_map(|m| match hazard(m) {
                        Hazard::RunFails(code) => Some((m.clone(), code)),
                        _ => None,
                    });
            let got = run.parts.get(si).and_then(|p| p.error.as_ref());
            let at = |i: &Option<usize>| {
                i.and_then(|i| step.statements.get(i))
                    .map(|s| format!("`{}` ({})", s.display, s.location))
                    .unwrap_or_else(|| "the part".to_string())
            };
            match (expected, got) {
                (None, None) => {}
                (Some((_, code)), Some((_, e))) if e.code == code => {}
                (Some((m, code)), got) => failures.push(format!(
                    "{}: {m} says this migration fails with {code} when run {}; it {}",
                    case.name,
                    tx_name(step.tx),
                    match got {
                        Some((i, e)) => format!("failed at {} with {}", at(i), error_text(e)),
                        None => "succeeded".to_string(),
                    }
                )),
                (None, Some((i, e))) => failures.push(format!(
                    "{}: run {}, {} failed: {}",
                    case.name,
                    tx_name(step.tx),
                    at(i),
                    error_text(e)
                )),
            }
            for (i, stmt) in step.statements.iter().enumerate() {
                let Some(result) = run.stmts.get(si).and_then(|s| s.get(i)) else {
                    continue;
                };
                let Some(obs) = &result.obs else {
                    continue;
                };
                let lock_timeout = result.lock_timeout.as_deref();
                if let Some(e) = &obs.error {
                    let expected = stmt
                        .markers
                        .iter()
                        .any(|m| matches!(hazard(m), Hazard::RunFails(c) if c == e.code));
                    if !expected {
                        failures.push(format!(
                            "{}: `{}` failed on the fixture database: {}",
                            stmt.location,
                            stmt.display,
                            error_text(e)
                        ));
                    }
                }
                match case.kind {
                    Kind::Bad => {
                        for m in &stmt.markers {
                            let Some(flagging) = catalogue.get(m) else {
                                continue;
                            };
                            if !has_server_claims(flagging) {
                                continue;
                            }
                            for problem in claim_mismatches(flagging, obs) {
                                failures.push(format!(
                                    "{}: {m} {problem} for `{}` ({})",
                                    stmt.location,
                                    stmt.display,
                                    describe(obs)
                                ));
                            }
                            let h = hazard(m);
                            if matches!(h, Hazard::EveryRowWritten | Hazard::WaitsWithoutTimeout)
                                && !shows_hazard(flagging, obs, lock_timeout)
                            {
                                failures.push(format!(
                                    "{}: {m} flags `{}` but the server does not show its hazard \
                                     ({h:?}; lock_timeout {lock_timeout:?}; {})",
                                    stmt.location,
                                    stmt.display,
                                    describe(obs)
                                ));
                            }
                            if DATA_CLAIMS.contains(&m.as_str())
                                && !result.data.iter().any(|(c, _)| c.rule == m)
                            {
                                failures.push(format!(
                                    "{}: {m} flags `{}` but the harness could not build data \
                                     that triggers its claim",
                                    stmt.location, stmt.display
                                ));
                            }
                            statements.push(record(m, stmt, true, obs));
                        }
                    }
                    Kind::Ok => {
                        if shows_hazard(rule, obs, lock_timeout) {
                            failures.push(format!(
                                "{}: {} must not fire on `{}`, and rightly so only if the server \
                                 does not show its hazard ({:?}); it does: {}",
                                stmt.location,
                                rule.code,
                                stmt.display,
                                hazard(&rule.code),
                                describe(obs)
                            ));
                        }
                        if !is_setup(&stmt.op) {
                            statements.push(record(&rule.code, stmt, false, obs));
                        }
                    }
                }
                for (check, outcome) in &result.data {
                    let outcome = match outcome {
                        Ok(o) => o,
                        Err(why) => {
                            // Only the claims the issue names must always be triggerable.
                            if DATA_CLAIMS.contains(&check.rule) {
                                failures.push(format!(
                                    "{}: cannot make data on which {} claims `{}` behaves \
                                     differently ({}): {why}",
                                    stmt.location, check.rule, stmt.display, check.data
                                ));
                            }
                            continue;
                        }
                    };
                    let ok = match (&check.expect, outcome) {
                        (Expect::Succeeds, Ok(())) => true,
                        (Expect::Fails(codes), Err(e)) => codes.contains(&e.code.as_str()),
                        _ => false,
                    };
                    let outcome_text = match outcome {
                        Ok(()) => "succeeds".to_string(),
                        Err(e) => format!("fails: {}", error_text(e)),
                    };
                    if !ok {
                        failures.push(format!(
                            "{}: {} expects `{}` to {} when {}; it {outcome_text}",
                            stmt.location,
                            check.rule,
                            stmt.display,
                            match check.expect {
                                Expect::Succeeds => "succeed".to_string(),
                                Expect::Fails(codes) => format!("fail with {}", codes.join(" or ")),
                            },
                            check.data
                        ));
                    }
                    data.push(DataRun {
                        rule: check.rule.to_string(),
                        fixture: stmt.location.clone(),
                        sql: stmt.display.clone(),
                        data: check.data.clone(),
                        outcome: outcome_text,
                    });
                }
            }
        }
    }
    for rule in catalogue.rules().filter(|r| has_server_claims(r)) {
        if !statements.iter().any(|m| m.rule == rule.code && m.fires) {
            failures.push(format!(
                "{}: no statement it flags ran on the server (add a bad fixture)",
                rule.code
            ));
        }
    }
    statements.sort_by(|a, b| a.rule.cmp(&b.rule));
    data.sort_by(|a, b| a.rule.cmp(&b.rule));
    Verdict {
        failures,
        records: Verified {
            postgres: major,
            statements,
            data,
        },
    }
}
