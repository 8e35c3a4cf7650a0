//! E101 required-env-missing and E102 env-without-default-missing: a read with no default
//! of a variable that an environment covering the code does not provide.

use std::collections::BTreeMap;

use super::{EnvCtx, EnvDraft, anchor, conventional, tier_multiplier};
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
    /// Environments of the same code not judged: they may get variables from where forecast
    /// cannot see.
    open: Vec<&'a Environment>,
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
        let (ci, stage) = (r.read.case_insensitive, r.read.stage);
        if model.always_provides(path, name, ci, stage) {
            continue;
        }
        let covering: Vec<&Environment> = model
            .environments_for(path)
            .into_iter()
            .filter(|e| !e.implicit && !e.provisions.is_empty())
            .collect();
        let missing: Vec<&Environment> = covering
            .iter()
            .copied()
            .filter(|e| !e.open && !e.provides(name, ci, stage))
            .collect();
        let open: Vec<&Environment> = covering.into_iter().filter(|e| e.open).collect();
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
                open,
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

/// `the previous image of \`ghcr.io/acme/api\``, or `the previous release`.
fn previous(image: Option<&str>) -> String {
    match image {
        Some(img) => format!(
            "the previous image of `{}`",
            crate::parse::dockerfile::image_ref(img).repository
        ),
        None => "the previous release".to_string(),
    }
}

/// The environment as messages name it: `` `production` ``, or for manifests that name
/// none, the process (`compose service \`api\``).
fn display(model: &EnvModel, e: &Environment) -> String {
    if !e.unnamed() {
        return format!("`{}`", e.name);
    }
    let labels: Vec<&str> = e
        .targets
        .iter()
        .filter_map(|t| model.targets.get(*t))
        .map(|t| t.label.as_str())
        .collect();
    match labels.as_slice() {
        [] => format!("`{}`", e.name),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

fn draft(model: &EnvModel, g: &Group<'_>, code: &'static str) -> EnvDraft {
    let first = g.reads[0];
    let worst = g.missing[0];
    let names: Vec<String> = g.missing.iter().map(|e| display(model, e)).collect();
    let verb = if names.len() == 1 { "does" } else { "do" };
    let mut d = EnvDraft::new(code, first.file, first.read.span, g.name);
    let when = if g.build {
        " (inlined at build time)"
    } else {
        ""
    };
    let who = join(&names);
    // Every environment sets it, on the running process only: too late for the bundler.
    let late_all = g.build
        && g.missing
            .iter()
            .all(|e| e.declares(g.name, first.read.case_insensitive));
    let sets = if names.len() == 1 { "sets" } else { "set" };
    d.message = if late_all {
        let what = if code == "E101" {
            "is required here"
        } else {
            "is read without a default here"
        };
        format!(
            "`{}` {what} and inlined at build time, but {who} {sets} it only on the running process: the build sees it unset",
            g.name
        )
    } else if code == "E101" {
        format!(
            "`{}` is required here{when} but {who} {verb} not provide it",
            g.name
        )
    } else {
        format!(
            "`{}` is read without a default{when} but {who} {verb} not provide it: the code gets an empty value",
            g.name
        )
    };
    d.label = if code == "E101" {
        format!("fails when `{}` is unset", g.name)
    } else {
        format!("`{}` read without a default", g.name)
    };
    let mut home: Option<String> = None;
    let mut image: Option<String> = None;
    for e in &g.missing {
        let late = g.build && e.declares(g.name, first.read.case_insensitive);
        // One process per identity (a base compose service and its overlay are one).
        let mut targets: Vec<&crate::model::env::DeployTarget> = Vec::new();
        for t in e.targets.iter().filter_map(|t| model.targets.get(*t)) {
            if !targets.iter().any(|x| x.identity == t.identity) {
                targets.push(t);
            }
        }
        if targets.is_empty() {
            if let Some((file, span)) = anchor(model, e) {
                let label = if late {
                    format!(
                        "`{}` sets `{}` here only for the running process, after the build inlined it",
                        e.name, g.name
                    )
                } else {
                    format!("`{}` is declared here: add `{}`", e.name, g.name)
                };
                d.related.push((file, span, label));
                home.get_or_insert_with(|| model.path(file).to_string());
                d.rollback.push(format!(
                    "Add `{}` to `{}` and redeploy, or roll back to the previous release.",
                    g.name,
                    model.path(file)
                ));
            }
            continue;
        }
        for t in targets.iter().take(3) {
            let (file, span) = t.anchor;
            let runs = if e.unnamed() {
                format!("{} runs this code", t.label)
            } else {
                format!("`{}` runs this code in {}", e.name, t.label)
            };
            let label = if late {
                format!(
                    "{runs}: it sets `{}` only at run time, after the build inlined it; pass it to the build",
                    g.name
                )
            } else {
                match &t.overlay {
                    Some(o) => format!(
                        "{runs}: add `{}` to {}, or to a patch in `{o}`",
                        g.name, t.hint
                    ),
                    None => format!("{runs}: add `{}` to {}", g.name, t.hint),
                }
            };
            d.related.push((file, span, label));
            home.get_or_insert_with(|| model.path(file).to_string());
            if image.is_none() {
                image = t.image.clone();
            }
            let place = match &t.overlay {
                Some(o) => format!("`{}` (or a patch in `{o}`)", model.path(file)),
                None => format!("`{}`", model.path(file)),
            };
            let step = if late {
                format!(
                    "Pass `{}` to the image build (a Dockerfile `ARG` before the build step, and `--build-arg` or compose `build.args`), rebuild and redeploy, or roll back to {}.",
                    g.name,
                    previous(t.image.as_deref())
                )
            } else {
                format!(
                    "Add `{}` to {place} and redeploy, or roll back to {}.",
                    g.name,
                    previous(t.image.as_deref())
                )
            };
            if !d.rollback.contains(&step) {
                d.rollback.push(step);
            }
        }
    }
    if d.rollback.is_empty() {
        d.rollback
            .push("Roll back to the previous release.".to_string());
    }
    for e in &g.open {
        if let Some(o) = e.openings.first() {
            d.related.push((
                o.file,
                o.span,
                format!(
                    "`{}` is not judged: {}; it may provide `{}`",
                    e.name, o.what, g.name
                ),
            ));
        }
    }
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
    if let Some(home) = home.or_else(|| worst.home().map(|h| model.path(h).to_string())) {
        d.vars.insert("env_file", home);
    }
    d.vars.insert("previous_image", previous(image.as_deref()));
    d
}

/// `a`, `a and b`, `a, b and c` (already quoted).
fn join(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
