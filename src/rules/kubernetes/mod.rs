//! The Kubernetes family (K). One line per rule; metadata in `rules/kubernetes.toml`.
//!
//! Rules read [`crate::model::kube`] objects (one per deploy unit) and the object graph.
//! Following kube-score's gating, probe rules look only at long-running pods a Service
//! selects, and the disruption-budget rule only at workloads with two replicas or more.

mod api;
mod availability;
mod images;
mod immutable;
mod notes;
mod probes;
mod release_label;
mod resources;
mod rollout;
mod services;

use super::{Draft, ManifestCtx, Rule};
use crate::check::manifests::kind_order;
use crate::model::kube::Object;
use crate::parse::yaml::FileId;
use crate::span::Span;

pub static RULES: &[&dyn Rule] = &[
    &notes::HelmTemplateNotRendered,
    &probes::NoReadinessProbe,
    &probes::NoLivenessProbe,
    &probes::LivenessSameAsReadiness,
    &resources::NoMemoryLimit,
    &resources::NoCpuRequest,
    &images::MutableImageTag,
    &images::ImageTagNotAVersion,
    &api::RemovedApiVersion,
    &rollout::SingleReplicaInProduction,
    &rollout::RecreateStrategy,
    &rollout::RollingUpdateAllAtOnce,
    &rollout::RollingUpdateCannotProgress,
    &rollout::NoRevisionHistory,
    &rollout::PreStopOutlastsGracePeriod,
    &rollout::ReadWriteOnceVolumeWithSurge,
    &availability::NoPodDisruptionBudget,
    &availability::DisruptionBudgetBlocksDrains,
    &availability::AutoscaledWorkloadFixesReplicas,
    &services::ServiceSelectsNothing,
    &services::TargetPortNotExposed,
    &services::ConfigMapNotDefined,
    &services::SecretNotDefined,
    &immutable::ImmutableFieldChanged,
    &release_label::ReleaseLabelInSelector,
];

/// The deploy target of an object, as the rollback plan names it.
pub(crate) fn target(o: &Object) -> String {
    format!("{}{}", o.kubectl_ref(), o.ns_flag())
}

/// A draft about object `o`, located at `(file, span)`.
pub(crate) fn draft(
    cx: &ManifestCtx<'_>,
    o: &Object,
    code: &'static str,
    at: (FileId, Span),
    message: String,
    label: impl Into<String>,
) -> Draft {
    let path = cx
        .manifests
        .file(o.file)
        .map(|f| f.path().to_string())
        .unwrap_or_default();
    cx.draft(code, at.0, at.1, message, label)
        .env(o.env.clone())
        .var("target", target(o))
        .var("target_path", path)
        .var("family", "kubernetes")
        .var("order", kind_order(&o.kind).to_string())
        .var("name", o.name.clone())
        .var("kind", o.kind.to_ascii_lowercase())
        .var("namespace_flag", o.ns_flag())
}

/// How to put the previous version of a workload back.
pub(crate) fn undo(o: &Object, path: &str) -> Vec<String> {
    match o.kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" => vec![format!(
            "kubectl rollout undo {}{}",
            o.kubectl_ref(),
            o.ns_flag()
        )],
        "Rollout" => vec![format!(
            "kubectl argo rollouts undo {}{}",
            o.name,
            o.ns_flag()
        )],
        _ => revert(o, path),
    }
}

/// How to undo a change to an object that has no rollout history.
pub(crate) fn revert(o: &Object, path: &str) -> Vec<String> {
    vec![format!(
        "Revert `{path}` in git and re-apply it (`kubectl apply -f {path}{}`)",
        o.ns_flag()
    )]
}

/// The path of an object's file.
pub(crate) fn path_of<'a>(cx: &'a ManifestCtx<'_>, o: &Object) -> &'a str {
    cx.manifests.file(o.file).map(|f| f.path()).unwrap_or("")
}

/// A container's display name.
pub(crate) fn container_name(c: &crate::parse::yaml::Node) -> &str {
    c.get_str("name").unwrap_or("(unnamed)")
}

/// Where to report something a container lacks: its `name: x` entry.
pub(crate) fn container_span(c: &crate::parse::yaml::Node) -> (FileId, Span) {
    match c.entry("name") {
        Some((k, v)) if k.file == v.file => (k.file, k.span.join(v.span)),
        _ => (c.file, c.span),
    }
}

/// Objects a rule may judge: workloads not made opaque by a patch forecast cannot apply.
pub(crate) fn workloads<'a>(cx: &'a ManifestCtx<'_>) -> impl Iterator<Item = (usize, &'a Object)> {
    cx.manifests
        .kube
        .objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.is_workload() && !o.opaque_patch)
}

/// The span of `key: value` when both are in one file, else the value's (a patch replaced it).
pub(crate) fn kv(k: &crate::parse::yaml::Node, v: &crate::parse::yaml::Node) -> (FileId, Span) {
    if k.file == v.file {
        (k.file, k.span.join(v.span))
    } else {
        (v.file, v.span)
    }
}
