//! E301 config-key-missing and E302 config-type-mismatch: per-environment config files
//! compared key path by key path, between deployed environments.

use super::{EnvCtx, EnvDraft, tier_multiplier};
use crate::classify::env::Tier;
use crate::finding::Severity;
use crate::model::env::{ConfigFile, ConfigSet, EnvModel};
use crate::parse::keytree::{Node, ValueKind};
use crate::rules::Rule;
use crate::span::Span;

pub struct ConfigKeyMissing;
pub struct ConfigTypeMismatch;

impl Rule for ConfigKeyMissing {
    fn code(&self) -> &'static str {
        "E301"
    }

    fn check_env(&self, cx: &EnvCtx<'_>, out: &mut Vec<EnvDraft>) {
        for set in &cx.model.config_sets {
            compare_set(cx.model, set, out, true);
        }
    }
}

impl Rule for ConfigTypeMismatch {
    fn code(&self) -> &'static str {
        "E302"
    }

    fn check_env(&self, cx: &EnvCtx<'_>, out: &mut Vec<EnvDraft>) {
        for set in &cx.model.config_sets {
            compare_set(cx.model, set, out, false);
        }
    }
}

/// One side of a comparison.
struct Side<'a> {
    env: &'a str,
    tier: Tier,
    file: &'a ConfigFile,
}

fn compare_set(model: &EnvModel, set: &ConfigSet, out: &mut Vec<EnvDraft>, missing: bool) {
    let deployed: Vec<Side<'_>> = set
        .variants
        .iter()
        .filter(|(_, tier, _)| tier.deployed())
        .filter_map(|(env, tier, i)| {
            model.configs.get(*i).map(|file| Side {
                env,
                tier: *tier,
                file,
            })
        })
        .collect();
    if deployed.len() < 2 {
        return;
    }
    let base = set.base.and_then(|i| model.configs.get(i)).map(|c| &c.tree);
    for a in &deployed {
        for b in &deployed {
            if std::ptr::eq(a, b) {
                continue;
            }
            let b_anchor = b
                .file
                .tree
                .entries
                .iter()
                .map(|e| e.key_span)
                .min()
                .unwrap_or(Span::new(0, 0));
            let mut path = Vec::new();
            walk(
                model,
                a,
                b,
                &a.file.tree,
                &b.file.tree,
                base,
                b_anchor,
                &mut path,
                missing,
                out,
            );
        }
    }
}

/// Rank for reporting a mismatch once per pair: production outranks the others.
fn rank<'a>(s: &Side<'a>) -> (Tier, &'a str) {
    (s.tier, s.env)
}

#[allow(clippy::too_many_arguments)]
fn walk<'a>(
    model: &EnvModel,
    a: &Side<'_>,
    b: &Side<'_>,
    na: &'a Node,
    nb: &'a Node,
    base: Option<&'a Node>,
    b_anchor: Span,
    path: &mut Vec<&'a str>,
    missing: bool,
    out: &mut Vec<EnvDraft>,
) {
    for ea in &na.entries {
        path.push(&ea.key);
        let base_entry = base.and_then(|n| n.get(&ea.key));
        match nb.get(&ea.key) {
            None => {
                if missing && base_entry.is_none() {
                    out.push(missing_draft(model, a, b, path, ea.key_span, b_anchor));
                }
            }
            Some(eb) => {
                if ea.node.kind == ValueKind::Table && eb.node.kind == ValueKind::Table {
                    walk(
                        model,
                        a,
                        b,
                        &ea.node,
                        &eb.node,
                        base_entry
                            .map(|e| &e.node)
                            .filter(|n| n.kind == ValueKind::Table),
                        eb.key_span,
                        path,
                        missing,
                        out,
                    );
                } else if !missing && !ea.node.kind.compatible(eb.node.kind) && rank(b) > rank(a) {
                    out.push(mismatch_draft(model, a, b, path, ea, eb));
                }
            }
        }
        path.pop();
    }
}

/// Code that reads the key, or a key under it: multiply and point at it.
fn weigh_reads(model: &EnvModel, d: &mut EnvDraft, key: &str) {
    let below = format!("{key}.");
    let read = model.config_reads.get_key_value(key).or_else(|| {
        model
            .config_reads
            .range(below.clone()..)
            .next()
            .filter(|(k, _)| k.starts_with(&below))
    });
    if let Some((key, (file, span))) = read {
        d.multiplier *= 2.0;
        d.reasons
            .push(format!("code reads `{key}` (`{}`) (×2)", model.path(*file)));
        d.related
            .push((*file, *span, format!("`{key}` is read here")));
    }
}

fn missing_draft(
    model: &EnvModel,
    a: &Side<'_>,
    b: &Side<'_>,
    path: &[&str],
    a_key: Span,
    b_anchor: Span,
) -> EnvDraft {
    let key = path.join(".");
    let b_path = model.path(b.file.file);
    let mut d = EnvDraft::new("E301", b.file.file, b_anchor, &key);
    d.message = format!(
        "`{key}` is set for `{}` (`{}`) but missing from `{}`",
        a.env,
        model.path(a.file.file),
        b.env
    );
    d.label = format!("`{}` has no `{key}`", b.env);
    d.related
        .push((a.file.file, a_key, format!("set for `{}` here", a.env)));
    let m = tier_multiplier(b.tier);
    d.multiplier = m;
    d.reasons.push(format!(
        "missing from `{}`, a {} environment (×{m})",
        b.env,
        b.tier.as_str()
    ));
    weigh_reads(model, &mut d, &key);
    if b.tier != Tier::Production {
        d.severity = Some(Severity::Info);
    }
    d.rollback.push(format!(
        "Add `{key}` to `{b_path}` and redeploy, or roll back to the previous release."
    ));
    d.vars.insert("key", key);
    d.vars.insert("environment", b.env.to_string());
    d.vars.insert("file", b_path.to_string());
    d
}

fn mismatch_draft(
    model: &EnvModel,
    a: &Side<'_>,
    b: &Side<'_>,
    path: &[&str],
    ea: &crate::parse::keytree::Entry,
    eb: &crate::parse::keytree::Entry,
) -> EnvDraft {
    let key = path.join(".");
    let b_path = model.path(b.file.file);
    let mut d = EnvDraft::new("E302", b.file.file, eb.key_span, &key);
    d.message = format!(
        "`{key}` is {} for `{}` but {} for `{}` (`{}`)",
        eb.node.kind.describe(),
        b.env,
        ea.node.kind.describe(),
        a.env,
        model.path(a.file.file)
    );
    d.label = format!("{} here", eb.node.kind.describe());
    d.related.push((
        a.file.file,
        ea.key_span,
        format!("{} for `{}`", ea.node.kind.describe(), a.env),
    ));
    let m = tier_multiplier(b.tier);
    d.multiplier = m;
    d.reasons.push(format!(
        "`{}` is a {} environment (×{m})",
        b.env,
        b.tier.as_str()
    ));
    weigh_reads(model, &mut d, &key);
    d.rollback.push(format!(
        "Fix the type of `{key}` in `{b_path}` and redeploy, or roll back to the previous release."
    ));
    d.vars.insert("key", key);
    d.vars.insert("environment", b.env.to_string());
    d.vars.insert("file", b_path.to_string());
    d
}
