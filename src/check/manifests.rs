//! The check stage for manifests: run every enabled rule's `check_manifests` once over the
//! whole [`Manifests`] model, merge drafts that several deploy units produced for the same
//! node, weigh each by its environment, and turn drafts into findings with
//! [`super::make_finding`].
//!
//! Rules say which deploy target a finding belongs to through three draft variables, which
//! the rollback plan groups on: `target` (`deployment/api -n shop`, `compose service web`,
//! `image built from api/Dockerfile`), `family` (`kubernetes`, `compose`, `dockerfile`) and
//! `order` (the target's position in a deploy; the plan runs the reverse). `plan = "no"` keeps
//! a finding whose rollback is "nothing to undo" out of the plan.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{FindingParts, make_finding};
use crate::catalogue::Catalogue;
use crate::classify::{EnvKind, Environment};
use crate::config::Config;
use crate::finding::{Finding, Rollback, Severity};
use crate::model::manifests::{BaseManifests, Manifests};
use crate::rules::{Draft, ManifestCtx, RollbackSource, Rule};

/// The scoring multiplier for a finding's environment (docs/scoring.md).
pub fn env_multiplier(env: Option<&Environment>) -> (f64, Option<String>) {
    match env {
        Some(e) => {
            let m = match e.kind {
                EnvKind::Production => 1.5,
                EnvKind::Staging | EnvKind::Other => 1.0,
                EnvKind::Development | EnvKind::Test => 0.5,
            };
            let why = match e.kind {
                EnvKind::Production => "production: an outage reaches users",
                EnvKind::Staging | EnvKind::Other => "",
                EnvKind::Development | EnvKind::Test => "not production: nobody depends on it",
            };
            let reason = (m != 1.0).then(|| format!("environment `{}` ({why}) (×{m})", e.name));
            (m, reason)
        }
        None => (1.0, None),
    }
}

/// What rolling one flagged deploy target back takes, for the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestUndo {
    pub path: String,
    /// `kubernetes`, `compose` or `dockerfile`.
    pub family: String,
    /// `deployment/api -n shop`, `compose service web`, ...
    pub target: String,
    /// Position in the deploy (higher deploys later).
    pub order: i64,
    pub steps: Vec<String>,
    pub irreversible: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_weighs_more() {
        let env = |name: &str, kind| Environment {
            name: name.to_string(),
            kind,
        };
        assert_eq!(env_multiplier(None), (1.0, None));
        let (m, why) = env_multiplier(Some(&env("prod", EnvKind::Production)));
        assert_eq!(m, 1.5);
        assert!(why.unwrap().contains("`prod`"));
        assert_eq!(
            env_multiplier(Some(&env("stg", EnvKind::Staging))),
            (1.0, None)
        );
        assert_eq!(
            env_multiplier(Some(&env("dev", EnvKind::Development))).0,
            0.5
        );
    }
}

#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// Flagged targets, in deploy order.
    pub undo: Vec<ManifestUndo>,
}

/// Run every enabled manifest rule.
pub fn check(m: &Manifests, config: &Config) -> Checked {
    check_with(m, None, config)
}

/// Run every enabled manifest rule; with the merge-base side (diff mode), the rules that
/// compare the two sides too. Their findings are marked introduced (`introduced: Some(true)`),
/// which the diff filter honours wherever they point.
pub fn check_with(m: &Manifests, base: Option<&BaseManifests>, config: &Config) -> Checked {
    let catalogue = Catalogue::embedded();
    let rules: Vec<&'static dyn Rule> = crate::rules::registry()
        .into_iter()
        .filter(|r| config.rule_enabled(r.code()))
        .collect();
    let cx = ManifestCtx {
        manifests: m,
        graph: &m.graph,
        config,
        base,
    };
    let drafts: Vec<(Draft, bool)> = rules
        .par_iter()
        .flat_map_iter(|r| {
            let mut out = Vec::new();
            r.check_manifests(&cx, &mut out);
            let mut changes = Vec::new();
            if base.is_some() {
                r.check_manifest_changes(&cx, &mut changes);
            }
            out.into_iter()
                .map(|d| (d, false))
                .chain(changes.into_iter().map(|d| (d, true)))
        })
        .collect();
    // A file of either side; spans into the base version of a file the head still has (with
    // other text) cannot be shown, so such related locations are left out.
    let file_of = |id: usize| match base {
        Some(b) => b.file(m, id),
        None => m.files.get(id),
    };
    let shows = |id: usize| base.is_none_or(|b| b.shows(id));
    // One finding per (rule, file, span): a base object rendered into several overlays is
    // reported once, weighed by its highest-risk environment.
    type Place = (&'static str, usize, usize, usize);
    let mut best: BTreeMap<Place, (f64, Draft, bool)> = BTreeMap::new();
    for (d, change) in drafts {
        let (mult, _) = env_multiplier(d.env.as_ref());
        let key = (d.code, d.file, d.span.start, d.span.end);
        match best.get(&key) {
            Some((m0, _, _)) if *m0 >= mult => {}
            _ => {
                best.insert(key, (mult, d, change));
            }
        }
    }
    let mut out = Checked::default();
    let mut undo: BTreeMap<(String, String), ManifestUndo> = BTreeMap::new();
    for (_, (mult, d, change)) in best {
        let Some(meta) = catalogue.get(d.code) else {
            continue;
        };
        let Some(file) = file_of(d.file) else {
            continue;
        };
        let (_, reason) = env_multiplier(d.env.as_ref());
        let related = d
            .related
            .iter()
            .filter(|(f, _, _)| shows(*f))
            .filter_map(|(f, span, label)| file_of(*f).map(|mf| (&mf.source, *span, label.clone())))
            .collect();
        let rollback = match d.rollback {
            RollbackSource::Custom(r) => r,
            RollbackSource::Statement => Rollback::default(),
        };
        let mut finding = make_finding(
            FindingParts {
                meta,
                source: &file.source,
                span: d.span,
                message: d.message,
                label: d.label,
                related,
                safe_alternative: d.safe_alternative,
                rollback: rollback.clone(),
                vars: d.vars.clone(),
                multiplier: mult,
                multiplier_reasons: reason.into_iter().collect(),
                migration: None,
            },
            config,
        );
        if change {
            finding.introduced = Some(true);
        }
        if finding.severity > Severity::Info
            && d.vars.get("plan").map(String::as_str) != Some("no")
            && let Some(target) = d.vars.get("target")
            && !rollback.steps.is_empty()
        {
            let family = d.vars.get("family").cloned().unwrap_or_default();
            let order = d
                .vars
                .get("order")
                .and_then(|o| o.parse::<i64>().ok())
                .unwrap_or(0);
            let path = d
                .vars
                .get("target_path")
                .cloned()
                .unwrap_or_else(|| file.source.path.clone());
            let entry = undo
                .entry((path.clone(), target.clone()))
                .or_insert_with(|| ManifestUndo {
                    path,
                    family,
                    target: target.clone(),
                    order,
                    steps: Vec::new(),
                    irreversible: false,
                });
            for s in &rollback.steps {
                if !entry.steps.contains(s) {
                    entry.steps.push(s.clone());
                }
            }
            entry.irreversible |= rollback.irreversible;
        }
        out.findings.push(finding);
    }
    super::finalize(&mut out.findings);
    let mut undo: Vec<ManifestUndo> = undo.into_values().collect();
    undo.sort_by(|a, b| (a.order, &a.path, &a.target).cmp(&(b.order, &b.path, &b.target)));
    out.undo = undo;
    out
}

/// Kinds in the order they are applied (Helm's install order; unknown kinds last).
pub const KIND_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
];

/// The deploy position of a Kubernetes kind.
pub fn kind_order(kind: &str) -> i64 {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .map(|p| p as i64)
        .unwrap_or(KIND_ORDER.len() as i64)
        + 100
}
