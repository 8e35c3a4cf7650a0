//! K101 no-readiness-probe, K102 no-liveness-probe, K103 liveness-same-as-readiness.
//!
//! Only long-running pods a Service selects are judged (Jobs and CronJobs never receive
//! Service traffic), as kube-score does.

use super::{container_span, draft, path_of, undo, workloads};
use crate::model::graph::Edge;
use crate::model::kube::Object;
use crate::parse::yaml::{Node, Value};
use crate::rules::{Draft, ManifestCtx, Rule};

/// Long-running workloads with the Services that select them.
fn served<'a>(cx: &'a ManifestCtx<'_>) -> Vec<(&'a Object, Vec<&'a Object>)> {
    workloads(cx)
        .filter(|(_, o)| o.is_long_running())
        .filter_map(|(i, o)| {
            // A Service that publishes pods before they are ready does not wait for readiness.
            let svcs: Vec<&Object> = cx
                .graph
                .sources(i, Edge::Selects)
                .into_iter()
                .map(|s| &cx.manifests.kube.objects[s])
                .filter(|s| {
                    s.spec()
                        .and_then(|sp| sp.get("publishNotReadyAddresses"))
                        .and_then(|n| n.as_bool())
                        != Some(true)
                })
                .collect();
            (!svcs.is_empty()).then_some((o, svcs))
        })
        .collect()
}

/// The container to point at: the first one that declares a port, else the first.
fn main_container(o: &Object) -> Option<&Node> {
    let cs = o.containers();
    cs.iter()
        .find(|c| c.get("ports").is_some())
        .or(cs.first())
        .copied()
}

fn service_related(d: Draft, svcs: &[&Object]) -> Draft {
    let mut d = d;
    if let Some(s) = svcs.first() {
        let sel = s
            .spec()
            .and_then(|sp| sp.entry("selector"))
            .map(|(k, _)| (k.file, k.span))
            .unwrap_or_else(|| s.name_span());
        d = d.related(
            sel.0.0 as usize,
            sel.1,
            format!("Service `{}` selects these pods", s.name),
        );
    }
    d
}

pub struct NoReadinessProbe;

impl Rule for NoReadinessProbe {
    fn code(&self) -> &'static str {
        "K101"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (o, svcs) in served(cx) {
            let containers = o.containers();
            if containers.is_empty() || containers.iter().any(|c| c.get("readinessProbe").is_some())
            {
                continue;
            }
            let Some(c) = main_container(o) else { continue };
            let d = draft(
                cx,
                o,
                "K101",
                container_span(c),
                format!(
                    "`{}` has no readiness probe: Service `{}` sends it traffic as soon as the container starts, and a rollout replaces healthy pods with ones that are not ready",
                    o.kubectl_ref(),
                    svcs[0].name
                ),
                "no `readinessProbe` in this pod",
            )
            .steps(undo(o, path_of(cx, o)));
            out.push(service_related(d, &svcs));
        }
    }
}

pub struct NoLivenessProbe;

impl Rule for NoLivenessProbe {
    fn code(&self) -> &'static str {
        "K102"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (o, svcs) in served(cx) {
            let containers = o.containers();
            if containers.is_empty() || containers.iter().any(|c| c.get("livenessProbe").is_some())
            {
                continue;
            }
            let Some(c) = main_container(o) else { continue };
            let d = draft(
                cx,
                o,
                "K102",
                container_span(c),
                format!(
                    "`{}` has no liveness probe: a deadlocked pod stays in service until someone restarts it",
                    o.kubectl_ref()
                ),
                "no `livenessProbe` in this pod",
            )
            .steps(undo(o, path_of(cx, o)));
            out.push(service_related(d, &svcs));
        }
    }
}

/// The probe's handler (what it checks), canonicalised: timings and thresholds dropped.
fn handler(probe: &Node) -> Option<String> {
    for key in ["httpGet", "tcpSocket", "exec", "grpc"] {
        if let Some(h) = probe.get(key) {
            return Some(format!("{key}:{}", canonical(h)));
        }
    }
    None
}

fn canonical(n: &Node) -> String {
    match &n.value {
        Value::Scalar { text, .. } => text.clone(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::Map(entries) => {
            let mut parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}={}", canonical(k), canonical(v)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
    }
}

pub struct LivenessSameAsReadiness;

impl Rule for LivenessSameAsReadiness {
    fn code(&self) -> &'static str {
        "K103"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (_, o) in workloads(cx) {
            if !o.is_long_running() {
                continue;
            }
            for c in o.containers() {
                let (Some((lk, live)), Some((rk, ready))) =
                    (c.entry("livenessProbe"), c.entry("readinessProbe"))
                else {
                    continue;
                };
                let (Some(a), Some(b)) = (handler(live), handler(ready)) else {
                    continue;
                };
                if a != b {
                    continue;
                }
                out.push(
                    draft(
                        cx,
                        o,
                        "K103",
                        (lk.file, lk.span),
                        format!(
                            "container `{}` of `{}` uses the same check for liveness and readiness: when it fails under load or while a dependency is slow, pods are restarted instead of taken out of rotation",
                            super::container_name(c),
                            o.kubectl_ref()
                        ),
                        "same check as the readiness probe",
                    )
                    .related(rk.file.0 as usize, rk.span, "readiness probe")
                    .steps(undo(o, path_of(cx, o))),
                );
            }
        }
    }
}
