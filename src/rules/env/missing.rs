//! E101 required-env-missing and E102 env-without-default-missing: a read with no default
//! of a variable that an environment covering the code does not provide.

use std::collections::BTreeMap;

use super::{EnvCtx, EnvDraft, anchor, conventional, list, tier_multiplier};
use crate::classify::env::{CodeRole, Tier};
use crate::finding::Severity;
use crate::model::env::{CodeRead, EnvModel, Environment};
use crate::parse::envrefs::{Lang, Need, Stage};
use crate::rules::Rule;

pub struct RequiredEnvMissing;
pub struct EnvWithoutDefaultMissing;

impl Rule for RequiredEnvMissing {
    fn code(&self) -> &'static str {
        "E101"
    }

    fn check_env(&self, cx: &EnvCtx<'_>, out: &mut Vec<EnvDraft>) {
        for g in groups(cx.model) {
            if g.required {
                out.push(draft(cx.model, &g, "E101"));
            }
        }
    }
}

impl Rule for EnvWithoutDefaultMissing {
    fn code(&self) -> &'static str {
        "E102"
    }

    fn check_env(&self, cx: &EnvCtx<'_>, out: &mut Vec<EnvDraft>) {
        for g in groups(cx.model) {
            if !g.required {
                out.push(draft(cx.model, &g, "E102"));
            }
        }
    }
}

/// Reads of one variable, in code covered by the same environments, that some of them do
/// not provide.
struct Group<'a> {
    name: &'a str,
    required: bool,
    build: bool,
    reads: Vec<&'a CodeRead>,
    missing: Vec<&'a Environment>,
}

/// Should this read be judged against the environments at all?
fn judged(r: &CodeRead) -> bool {
    r.role == CodeRole::App
        && r.read.need.without_default()
        && (conventional(&r.read.name) || r.read.case_insensitive)
        // `env!` is resolved by the compiler, from the build machine's environment.
        && !(r.lang == Lang::Rust && r.read.stage == Stage::Build)
}

fn groups(model: &EnvModel) -> Vec<Group<'_>> {
    let mut by_key: BTreeMap<(Vec<usize>, String), Group<'_>> = BTreeMap::new();
    for r in model.reads.iter().filter(|r| judged(r)) {
        let name = r.read.name.as_str();
        if model.external(name) {
            continue;
        }
        let path = model.path(r.file);
        let envs: Vec<&Environment> = model
            .environments_for(path)
            .into_iter()
            .filter(|e| !e.implicit && !e.open && !e.provisions.is_empty())
            .collect();
        let missing: Vec<&Environment> = envs
            .into_iter()
            .filter(|e| !e.provides(name, r.read.case_insensitive, r.read.stage))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let ids: Vec<usize> = missing
            .iter()
            .map(|e| {
                model
                    .environments
                    .iter()
                    .position(|x| std::ptr::eq(x, *e))
                    .unwrap_or(usize::MAX)
            })
            .collect();
        let g = by_key
            .entry((ids, name.to_string()))
            .or_insert_with(|| Group {
                name,
                required: false,
                build: false,
                reads: Vec::new(),
                missing,
            });
        g.required |= r.read.need == Need::Required;
        g.build |= r.read.stage == Stage::Build;
        g.reads.push(r);
    }
    let mut out: Vec<Group<'_>> = by_key.into_values().collect();
    for g in &mut out {
        // The headline read: a required one when there is one, else the first.
        g.reads.sort_by_key(|r| {
            (
                r.read.need != Need::Required,
                model.path(r.file).to_string(),
                r.read.span.start,
            )
        });
        // Production first.
        g.missing
            .sort_by(|a, b| (b.tier, &a.name).cmp(&(a.tier, &b.name)));
    }
    out
}

fn draft(model: &EnvModel, g: &Group<'_>, code: &'static str) -> EnvDraft {
    let first = g.reads[0];
    let worst = g.missing[0];
    let names: Vec<&str> = g.missing.iter().map(|e| e.name.as_str()).collect();
    let verb = if names.len() == 1 { "does" } else { "do" };
    let mut d = EnvDraft::new(code, first.file, first.read.span, g.name);
    let when = if g.build {
        " (inlined at build time)"
    } else {
        ""
    };
    d.message = if code == "E101" {
        format!(
            "`{}` is required here{when} but {} {verb} not provide it",
            g.name,
            list(&names)
        )
    } else {
        format!(
            "`{}` is read without a default{when} but {} {verb} not provide it: the code gets an empty value",
            g.name,
            list(&names)
        )
    };
    d.label = if code == "E101" {
        format!("fails when `{}` is unset", g.name)
    } else {
        format!("`{}` read without a default", g.name)
    };
    for e in &g.missing {
        if let Some((file, span)) = anchor(model, e) {
            d.related.push((
                file,
                span,
                format!("`{}` is declared here: add `{}`", e.name, g.name),
            ));
            d.rollback.push(format!(
                "Add `{}` to `{}` and redeploy.",
                g.name,
                model.path(file)
            ));
        }
    }
    d.rollback
        .push("Or roll back to the previous release.".to_string());
    let others = g.reads.len() - 1;
    for r in g.reads.iter().skip(1).take(3) {
        d.related
            .push((r.file, r.read.span, format!("`{}` also read here", g.name)));
    }
    if others > 3 {
        d.message
            .push_str(&format!(" ({others} other reads of it)"));
    }
    d.severity = Some(match (code, worst.tier) {
        ("E101", Tier::Production) => Severity::High,
        ("E101", Tier::PreProduction) => Severity::Medium,
        ("E101", Tier::Development) => Severity::Low,
        (_, Tier::Development) => Severity::Info,
        _ => Severity::Low,
    });
    let m = tier_multiplier(worst.tier);
    d.multiplier = m;
    d.reasons.push(format!(
        "`{}` is a {} environment (×{m})",
        worst.name,
        worst.tier.as_str()
    ));
    d.vars.insert("var", g.name.to_string());
    d.vars.insert("environment", worst.name.clone());
    if let Some(home) = worst.home() {
        d.vars.insert("env_file", model.path(home).to_string());
    }
    d
}
