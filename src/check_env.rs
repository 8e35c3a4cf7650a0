//! The check stage for the env family: run every enabled E rule over the [`EnvModel`] and
//! turn their drafts into findings through [`crate::check::make_finding`], like every other
//! family.

use crate::catalogue::Catalogue;
use crate::check::{FindingParts, make_finding};
use crate::config::Config;
use crate::finding::{Finding, Rollback};
use crate::model::env::EnvModel;
use crate::rules::env::{EnvCtx, EnvDraft};
use crate::source::SourceFile;

/// Findings of the env rules. `sources[id]` is the (masked) text of the model's file `id`.
pub fn check_env(
    model: &EnvModel,
    sources: &[Option<SourceFile>],
    config: &Config,
) -> Vec<Finding> {
    let catalogue = Catalogue::embedded();
    let cx = EnvCtx { model, config };
    let mut drafts: Vec<EnvDraft> = Vec::new();
    for rule in crate::rules::registry() {
        if config.rule_enabled(rule.code()) {
            rule.check_env(&cx, &mut drafts);
        }
    }
    let source = |id: usize| sources.get(id).and_then(Option::as_ref);
    let mut out = Vec::new();
    for d in drafts {
        if config.env.ignored(&d.subject) {
            continue;
        }
        let (Some(meta), Some(src)) = (catalogue.get(d.code), source(d.file)) else {
            continue;
        };
        let related = d
            .related
            .iter()
            .filter_map(|(f, span, label)| source(*f).map(|s| (s, *span, label.clone())))
            .collect();
        let mut f = make_finding(
            FindingParts {
                meta,
                source: src,
                span: d.span,
                message: d.message,
                label: d.label,
                related,
                safe_alternative: None,
                rollback: Rollback {
                    steps: d.rollback,
                    irreversible: false,
                },
                vars: d.vars,
                multiplier: d.multiplier,
                multiplier_reasons: d.reasons,
                migration: None,
            },
            config,
        );
        if let Some(sev) = d.severity
            && !config.rules.severity.contains_key(d.code)
        {
            f.severity = sev;
        }
        out.push(f);
    }
    out
}
