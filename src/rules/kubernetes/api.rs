//! K203 removed-api-version: objects written against an API version current clusters no
//! longer serve, so `kubectl apply` rejects them.

use super::draft;
use crate::rules::{Draft, ManifestCtx, Rule};

/// (apiVersion, kinds it applies to (empty: all), removed in, replacement).
const REMOVED: &[(&str, &[&str], &str, &str)] = &[
    (
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"],
        "1.16",
        "apps/v1",
    ),
    (
        "extensions/v1beta1",
        &["NetworkPolicy"],
        "1.16",
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        &["PodSecurityPolicy"],
        "1.16",
        "policy/v1beta1, itself removed in 1.25",
    ),
    (
        "extensions/v1beta1",
        &["Ingress"],
        "1.22",
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        &[],
        "1.22",
        "the kind's current API group",
    ),
    ("apps/v1beta1", &[], "1.16", "apps/v1"),
    ("apps/v1beta2", &[], "1.16", "apps/v1"),
    (
        "policy/v1beta1",
        &["PodDisruptionBudget"],
        "1.25",
        "policy/v1",
    ),
    (
        "policy/v1beta1",
        &["PodSecurityPolicy"],
        "1.25",
        "Pod Security Admission",
    ),
    ("policy/v1beta1", &[], "1.25", "policy/v1"),
    ("autoscaling/v2beta1", &[], "1.25", "autoscaling/v2"),
    ("autoscaling/v2beta2", &[], "1.26", "autoscaling/v2"),
    ("batch/v1beta1", &[], "1.25", "batch/v1"),
    ("batch/v2alpha1", &[], "1.21", "batch/v1"),
    (
        "networking.k8s.io/v1beta1",
        &[],
        "1.22",
        "networking.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        &[],
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        &[],
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        &[],
        "1.22",
        "apiextensions.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        &[],
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        &[],
        "1.22",
        "apiregistration.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1beta1",
        &[],
        "1.22",
        "scheduling.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1alpha1",
        &[],
        "1.17",
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        "1.27",
        "storage.k8s.io/v1",
    ),
    ("storage.k8s.io/v1beta1", &[], "1.22", "storage.k8s.io/v1"),
    (
        "certificates.k8s.io/v1beta1",
        &[],
        "1.22",
        "certificates.k8s.io/v1",
    ),
    (
        "coordination.k8s.io/v1beta1",
        &[],
        "1.22",
        "coordination.k8s.io/v1",
    ),
    (
        "authentication.k8s.io/v1beta1",
        &[],
        "1.22",
        "authentication.k8s.io/v1",
    ),
    (
        "authorization.k8s.io/v1beta1",
        &[],
        "1.22",
        "authorization.k8s.io/v1",
    ),
    (
        "discovery.k8s.io/v1beta1",
        &[],
        "1.25",
        "discovery.k8s.io/v1",
    ),
    ("events.k8s.io/v1beta1", &[], "1.25", "events.k8s.io/v1"),
    ("node.k8s.io/v1beta1", &[], "1.25", "node.k8s.io/v1"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        &[],
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        &[],
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        &[],
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// (removed in, replacement) for an apiVersion and kind, if the pair was removed.
pub fn removed(api_version: &str, kind: &str) -> Option<(&'static str, &'static str)> {
    REMOVED
        .iter()
        .find(|(v, kinds, _, _)| *v == api_version && (kinds.is_empty() || kinds.contains(&kind)))
        .map(|(_, _, when, repl)| (*when, *repl))
}

pub struct RemovedApiVersion;

impl Rule for RemovedApiVersion {
    fn code(&self) -> &'static str {
        "K203"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for o in &cx.manifests.kube.objects {
            let Some((when, replacement)) = removed(&o.api_version, &o.kind) else {
                continue;
            };
            let Some(n) = o.root.get("apiVersion") else {
                continue;
            };
            let path = super::path_of(cx, o);
            out.push(
                draft(
                    cx,
                    o,
                    "K203",
                    (n.file, n.span),
                    format!(
                        "`{}` `{}` uses `{}`, which Kubernetes {when} removed: `kubectl apply` rejects it; use `{replacement}`",
                        o.kind, o.name, o.api_version
                    ),
                    format!("removed in Kubernetes {when}"),
                )
                .var("replacement", replacement)
                .steps([format!(
                    "Nothing to undo on the cluster: the API server rejects the object. Objects applied before it in the same run did change: re-apply their previous versions, then fix `{path}`"
                )]),
            );
        }
    }
}
