//! E201 documented-env-missing and E202 undocumented-env: the documented contract
//! (`.env.example`) against the environments of its folder.

use std::collections::BTreeSet;

use super::{EnvCtx, EnvDraft, anchor, list};
use crate::model::env::{Contract, EnvModel, Environment, ProvisionKind};
use crate::rules::Rule;

pub struct DocumentedEnvMissing;
pub struct UndocumentedEnv;

/// The environments a contract describes: the named ones of its folder, or the bare
/// `.env` standing in for them.
fn described<'a>(model: &'a EnvModel, c: &Contract) -> Vec<&'a Environment> {
    let same: Vec<&Environment> = model
        .environments
        .iter()
        .filter(|e| e.scope == c.scope && !e.open)
        .collect();
    let named: Vec<&Environment> = same.iter().copied().filter(|e| !e.implicit).collect();
    if named.is_empty() { same } else { named }
}

/// An environment that lacks more than this many documented variables, and most of them,
/// takes its configuration from somewhere else: one finding says so instead of one each.
const SUMMARY_AFTER: usize = 10;

impl Rule for DocumentedEnvMissing {
    fn code(&self) -> &'static str {
        "E201"
    }

    fn check_env(&self, cx: &EnvCtx<'_>, out: &mut Vec<EnvDraft>) {
        let model = cx.model;
        for c in &model.contracts {
            let envs = described(model, c);
            if envs.is_empty() {
                continue;
            }
            let mut seen = BTreeSet::new();
            let entries: Vec<&crate::model::env::Provision> = c
                .entries
                .iter()
                .filter(|e| seen.insert(e.name.as_str()) && !model.external(&e.name))
                .collect();
            let lacks = |e: &Environment, name: &str| !e.provisions.iter().any(|p| p.name == name);
            // Environments that lack most of the contract get one finding.
            let mut summarized: Vec<&Environment> = Vec::new();
            for e in &envs {
                let missing = entries.iter().filter(|x| lacks(e, &x.name)).count();
                if missing > SUMMARY_AFTER && missing * 2 > entries.len() {
                    summarized.push(e);
                    let Some(first) = entries.first() else {
                        continue;
                    };
                    let mut d = EnvDraft::new("E201", c.file, first.span, &first.name);
                    d.message = format!(
                        "`{}` provides {} of the {} variables `{}` documents: it takes its configuration from somewhere forecast does not read, or the example is stale",
                        e.name,
                        entries.len() - missing,
                        entries.len(),
                        model.path(c.file)
                    );
                    d.label = "the documented contract".to_string();
                    if let Some((file, span)) = anchor(model, e) {
                        d.related
                            .push((file, span, format!("`{}` is declared here", e.name)));
                    }
                    d.rollback
                        .push("Nothing to undo: this is a note about the declarations.".into());
                    d.vars.insert("var", first.name.clone());
                    out.push(d);
                }
            }
            for entry in &entries {
                let missing: Vec<&Environment> = envs
                    .iter()
                    .copied()
                    .filter(|e| !summarized.iter().any(|s| std::ptr::eq(*s, *e)))
                    .filter(|e| lacks(e, &entry.name))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let names: Vec<&str> = missing.iter().map(|e| e.name.as_str()).collect();
                let verb = if names.len() == 1 { "does" } else { "do" };
                let mut d = EnvDraft::new("E201", c.file, entry.span, &entry.name);
                d.message = format!(
                    "`{}` is documented in `{}` but {} {verb} not provide it",
                    entry.name,
                    model.path(c.file),
                    list(&names)
                );
                d.label = "documented here".to_string();
                for e in &missing {
                    if let Some((file, span)) = anchor(model, e) {
                        d.related
                            .push((file, span, format!("`{}` is declared here", e.name)));
                    }
                }
                d.rollback
                    .push("Nothing to undo: this is a note about the declarations.".into());
                d.vars.insert("var", entry.name.clone());
                out.push(d);
            }
        }
    }
}

impl Rule for UndocumentedEnv {
    fn code(&self) -> &'static str {
        "E202"
    }

    fn check_env(&self, cx: &EnvCtx<'_>, out: &mut Vec<EnvDraft>) {
        let model = cx.model;
        // All contracts of a folder together.
        let scopes: BTreeSet<&str> = model.contracts.iter().map(|c| c.scope.as_str()).collect();
        for scope in scopes {
            let contracts: Vec<&Contract> = model
                .contracts
                .iter()
                .filter(|c| c.scope == scope)
                .collect();
            let documented: BTreeSet<&str> = contracts
                .iter()
                .flat_map(|c| c.entries.iter().map(|e| e.name.as_str()))
                .collect();
            if documented.is_empty() {
                continue;
            }
            let Some(first) = contracts.first() else {
                continue;
            };
            let contract_anchor = first
                .entries
                .iter()
                .map(|e| e.span)
                .min()
                .unwrap_or_default();
            let mut seen = BTreeSet::new();
            for e in described(model, first) {
                // What the environment's own declarations give its process: env files,
                // compose, Kubernetes, Helm; not the image's `ENV` nor forecast.toml.
                let undocumented: Vec<&crate::model::env::Provision> = e
                    .provisions
                    .iter()
                    .filter(|p| {
                        matches!(
                            p.kind,
                            ProvisionKind::EnvFile
                                | ProvisionKind::ComposeEnvironment
                                | ProvisionKind::ComposeEnvFile
                                | ProvisionKind::KubernetesEnv
                                | ProvisionKind::KubernetesEnvFrom
                                | ProvisionKind::HelmValues
                        )
                    })
                    .filter(|p| !documented.contains(p.name.as_str()) && p.file.is_some())
                    .filter(|p| seen.insert((p.file, p.name.as_str())))
                    .collect();
                let declared = e
                    .provisions
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<BTreeSet<_>>()
                    .len();
                // An environment that mostly sets what the contract does not know gets one
                // finding: the contract covers something else.
                if undocumented.len() > SUMMARY_AFTER && undocumented.len() * 2 > declared {
                    let Some((file, span)) = anchor(model, e) else {
                        continue;
                    };
                    let name = undocumented[0].name.as_str();
                    let mut d = EnvDraft::new("E202", file, span, name);
                    d.message = format!(
                        "`{}` provides {} variables `{}` does not document (`{name}` first)",
                        e.name,
                        undocumented.len(),
                        model.path(first.file)
                    );
                    d.label = "not in the documented contract".to_string();
                    d.related.push((
                        first.file,
                        contract_anchor,
                        "the documented contract".to_string(),
                    ));
                    d.rollback
                        .push("Nothing to undo: this is a note about the declarations.".into());
                    d.vars.insert("var", name.to_string());
                    out.push(d);
                    continue;
                }
                for p in undocumented {
                    let Some(file) = p.file else {
                        continue;
                    };
                    let mut d = EnvDraft::new("E202", file, p.span, &p.name);
                    d.message = format!(
                        "`{}` is provided by `{}` but `{}` does not document it",
                        p.name,
                        model.path(file),
                        model.path(first.file)
                    );
                    d.label = "not in the documented contract".to_string();
                    d.related.push((
                        first.file,
                        contract_anchor,
                        "the documented contract".to_string(),
                    ));
                    d.rollback
                        .push("Nothing to undo: this is a note about the declarations.".into());
                    d.vars.insert("var", p.name.clone());
                    out.push(d);
                }
            }
        }
    }
}
