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
            for entry in &c.entries {
                if !seen.insert(entry.name.as_str()) || model.external(&entry.name) {
                    continue;
                }
                let missing: Vec<&Environment> = envs
                    .iter()
                    .copied()
                    .filter(|e| !e.provisions.iter().any(|p| p.name == entry.name))
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
                for p in &e.provisions {
                    let Some(file) = p.file else {
                        continue;
                    };
                    if p.kind != ProvisionKind::EnvFile
                        || documented.contains(p.name.as_str())
                        || !seen.insert((file, p.name.as_str()))
                    {
                        continue;
                    }
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
