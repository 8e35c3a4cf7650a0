//! What the object graph shows: K404 service-selects-nothing, K405 target-port-not-exposed,
//! K406 config-map-not-defined, K407 secret-not-defined.

use std::collections::BTreeSet;

use super::{draft, kv, path_of, revert, undo};
use crate::model::graph::{Edge, config_refs};
use crate::model::kube::{AUTO_LABELS, Object, string_map};
use crate::parse::yaml::Node;
use crate::rules::{Draft, ManifestCtx, Rule};

/// Kinds Kubernetes itself defines (and common add-ons whose objects create no pods).
const CORE_KINDS: &[&str] = &[
    "Service",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "Job",
    "CronJob",
    "ConfigMap",
    "Secret",
    "Ingress",
    "IngressClass",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "Namespace",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "LimitRange",
    "ResourceQuota",
    "PriorityClass",
    "CustomResourceDefinition",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "Endpoints",
    "EndpointSlice",
    "VerticalPodAutoscaler",
    "PodMonitor",
    "ServiceMonitor",
    "PrometheusRule",
    "BackendConfig",
    "FrontendConfig",
    "ManagedCertificate",
    "Certificate",
    "Issuer",
    "ClusterIssuer",
    "Gateway",
    "HTTPRoute",
    "GRPCRoute",
    "ReferenceGrant",
    "GatewayClass",
];

/// Could an operator's custom resource in the unit create the pods this selector wants?
/// (Strimzi, Zalando postgres, KubeRay and the like label pods with the resource's name.)
fn operator_may_own(cx: &ManifestCtx<'_>, svc: &Object, values: &[&str]) -> bool {
    cx.manifests.kube.objects.iter().any(|o| {
        o.unit == svc.unit
            && !CORE_KINDS.contains(&o.kind.as_str())
            && !o.is_workload()
            && (values.contains(&o.name.as_str())
                || string_map(o.root.at(&["metadata", "labels"]))
                    .iter()
                    .any(|(_, v)| values.contains(v)))
    })
}

pub struct ServiceSelectsNothing;

impl Rule for ServiceSelectsNothing {
    fn code(&self) -> &'static str {
        "K404"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        let objects = &cx.manifests.kube.objects;
        for (i, svc) in objects.iter().enumerate() {
            if svc.kind != "Service" {
                continue;
            }
            let Some(spec) = svc.spec() else { continue };
            if spec.get_str("type") == Some("ExternalName") {
                continue;
            }
            let Some((sk, sel)) = spec.entry("selector") else {
                continue;
            };
            let labels = string_map(Some(sel));
            if labels.is_empty()
                || sel.is_templated()
                || labels.keys().all(|k| AUTO_LABELS.contains(k))
                || !cx.graph.targets(i, Edge::Selects).is_empty()
            {
                continue;
            }
            // Only judge units that hold workloads: a folder of Services alone fronts pods
            // defined elsewhere.
            if !objects
                .iter()
                .any(|o| o.unit == svc.unit && o.is_workload())
            {
                continue;
            }
            let values: Vec<&str> = labels.values().copied().collect();
            if operator_may_own(cx, svc, &values) {
                continue;
            }
            let shown: Vec<String> = labels.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            out.push(
                draft(
                    cx,
                    svc,
                    "K404",
                    kv(sk, sel),
                    format!(
                        "Service `{}` selects `{}`, which no workload in this deploy unit labels its pods with: it has no endpoints and every request fails",
                        svc.name,
                        shown.join(", ")
                    ),
                    "matches no pod template",
                )
                .steps(revert(svc, path_of(cx, svc))),
            );
        }
    }
}

/// (name, number) of every port a workload's containers declare.
fn declared_ports(o: &Object) -> Option<Vec<(Option<&str>, Option<i64>)>> {
    let mut all = o.containers();
    all.extend(o.init_containers());
    let mut out = Vec::new();
    for c in all {
        if let Some(ports) = c.get("ports") {
            if ports.is_templated() {
                return None;
            }
            for p in ports.as_seq().unwrap_or(&[]) {
                out.push((
                    p.get_str("name"),
                    p.get("containerPort").and_then(Node::as_int),
                ));
            }
        }
    }
    Some(out)
}

/// A valid port name (IANA service name syntax: lower-case letters, digits and `-`, at most
/// 15 characters, at least one letter). `PORT` and `{{ .port }}` are placeholders.
fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && s.chars().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub struct TargetPortNotExposed;

impl Rule for TargetPortNotExposed {
    fn code(&self) -> &'static str {
        "K405"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        let objects = &cx.manifests.kube.objects;
        for (i, svc) in objects.iter().enumerate() {
            if svc.kind != "Service" {
                continue;
            }
            let selected: Vec<&Object> = cx
                .graph
                .targets(i, Edge::Selects)
                .into_iter()
                .map(|w| &objects[w])
                .collect();
            if selected.is_empty() {
                continue;
            }
            let mut declared = Vec::new();
            let mut judgeable = true;
            for w in &selected {
                match declared_ports(w) {
                    Some(p) => declared.extend(p),
                    None => judgeable = false,
                }
            }
            if !judgeable {
                continue;
            }
            let Some(ports) = svc
                .spec()
                .and_then(|s| s.get("ports"))
                .and_then(Node::as_seq)
            else {
                continue;
            };
            for p in ports {
                let (at, target) = match p.entry("targetPort").or_else(|| p.entry("port")) {
                    Some((k, v)) => (kv(k, v), v),
                    None => continue,
                };
                // A numeric target port need not be declared (`containerPort` is informational),
                // so only names are judged: a name no container declares resolves to nothing.
                let Some(name) = target.as_str().filter(|_| target.as_int().is_none()) else {
                    continue;
                };
                if !is_port_name(name) {
                    continue;
                }
                let missing = !declared.iter().any(|(nm, _)| *nm == Some(name));
                let shown = format!("`{name}`");
                if !missing {
                    continue;
                }
                let w = selected[0];
                let (wf, ws) = w.name_span();
                let mut steps = revert(svc, path_of(cx, svc));
                steps.extend(undo(w, path_of(cx, w)));
                out.push(
                    draft(
                        cx,
                        svc,
                        "K405",
                        at,
                        format!(
                            "Service `{}` sends traffic to the port named {shown}, which no container of `{}` declares: the endpoints get no port and connections fail",
                            svc.name,
                            w.kubectl_ref()
                        ),
                        "no container port matches",
                    )
                    .related(wf.0 as usize, ws, "selected workload")
                    .steps(steps),
                );
            }
        }
    }
}

/// ConfigMaps and Secrets Kubernetes or common add-ons create in every namespace.
const AUTO_CONFIG: &[&str] = &["kube-root-ca.crt", "istio-ca-root-cert"];

/// Names of every ConfigMap or Secret defined anywhere in the repository: objects,
/// generators, and resources that create Secrets (SealedSecret, ExternalSecret,
/// cert-manager Certificate).
fn defined(cx: &ManifestCtx<'_>, kind: &str) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = AUTO_CONFIG.iter().map(|s| s.to_string()).collect();
    for o in &cx.manifests.kube.objects {
        if o.kind == kind {
            out.insert(o.name.clone());
        }
        if kind == "Secret" {
            match o.kind.as_str() {
                "SealedSecret" => {
                    out.insert(o.name.clone());
                }
                "ExternalSecret" | "PushSecret" => {
                    out.insert(o.name.clone());
                    if let Some(t) = o
                        .spec()
                        .and_then(|s| s.at(&["target", "name"]))
                        .and_then(Node::as_str)
                    {
                        out.insert(t.to_string());
                    }
                }
                "Certificate" => {
                    if let Some(t) = o.spec().and_then(|s| s.get_str("secretName")) {
                        out.insert(t.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    for u in &cx.manifests.kube.units {
        for (k, n) in &u.generated {
            if k == kind {
                out.insert(n.clone());
            }
        }
    }
    out
}

fn undefined_refs(
    cx: &ManifestCtx<'_>,
    kind: &'static str,
    code: &'static str,
    out: &mut Vec<Draft>,
) {
    let names = defined(cx, kind);
    for (_, o) in super::workloads(cx) {
        let mut seen = BTreeSet::new();
        for r in config_refs(o) {
            if r.kind != kind || r.optional || names.contains(r.name) || !seen.insert(r.name) {
                continue;
            }
            let message = if kind == "Secret" {
                format!(
                    "Secret `{}` used by `{}` ({}) is not defined in this repository: if nothing creates it before the deploy, new pods fail with CreateContainerConfigError",
                    r.name,
                    o.kubectl_ref(),
                    r.via
                )
            } else {
                format!(
                    "ConfigMap `{}` used by `{}` ({}) is defined nowhere in this repository: new pods fail with CreateContainerConfigError unless something outside it creates the ConfigMap first",
                    r.name,
                    o.kubectl_ref(),
                    r.via
                )
            };
            out.push(
                draft(
                    cx,
                    o,
                    code,
                    (r.node.file, r.node.span),
                    message,
                    format!("no {kind} `{}` in the repository", r.name),
                )
                .steps(undo(o, path_of(cx, o))),
            );
        }
    }
}

pub struct ConfigMapNotDefined;

impl Rule for ConfigMapNotDefined {
    fn code(&self) -> &'static str {
        "K406"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        undefined_refs(cx, "ConfigMap", "K406", out);
    }
}

pub struct SecretNotDefined;

impl Rule for SecretNotDefined {
    fn code(&self) -> &'static str {
        "K407"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        undefined_refs(cx, "Secret", "K407", out);
    }
}
