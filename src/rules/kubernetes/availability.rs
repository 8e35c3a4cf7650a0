//! Availability during drains and scaling: K401 no-pod-disruption-budget,
//! K402 disruption-budget-blocks-drains, K403 autoscaled-workload-fixes-replicas.

use super::rollout::{IntOrPct, autoscaled, int_or_pct};
use super::{draft, kv, path_of};
use crate::model::graph::Edge;
use crate::model::kube::Object;
use crate::rules::{Draft, ManifestCtx, Rule};

/// The fewest replicas a workload runs with: `spec.replicas`, or its autoscalers' lowest
/// `minReplicas` (default 1).
fn min_replicas(cx: &ManifestCtx<'_>, i: usize, o: &Object) -> Option<i64> {
    let hpas = cx.graph.sources(i, Edge::Scales);
    if !hpas.is_empty() {
        return hpas
            .iter()
            .map(|&h| {
                cx.manifests.kube.objects[h]
                    .spec()
                    .and_then(|s| s.get("minReplicas"))
                    .and_then(|n| n.as_int())
                    .unwrap_or(1)
            })
            .min();
    }
    if autoscaled(cx, i, o) {
        return None;
    }
    o.effective_replicas()
}

pub struct NoPodDisruptionBudget;

impl Rule for NoPodDisruptionBudget {
    fn code(&self) -> &'static str {
        "K401"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (i, o) in super::workloads(cx) {
            if !matches!(o.kind.as_str(), "Deployment" | "StatefulSet" | "Rollout")
                || !o.is_long_running()
            {
                continue;
            }
            let Some(n) = min_replicas(cx, i, o) else {
                continue;
            };
            if n < 2 || !cx.graph.sources(i, Edge::Protects).is_empty() {
                continue;
            }
            out.push(
                draft(
                    cx,
                    o,
                    "K401",
                    o.name_span(),
                    format!(
                        "`{}` runs {n} replicas and no PodDisruptionBudget selects its pods: a node drain or cluster upgrade may evict them all at once",
                        o.kubectl_ref()
                    ),
                    "no PodDisruptionBudget",
                )
                .var("plan", "no")
                .steps([format!(
                    "Nothing to roll back; during an incident prefer `kubectl cordon` over `kubectl drain` on nodes running `{}`",
                    o.kubectl_ref()
                )]),
            );
        }
    }
}

pub struct DisruptionBudgetBlocksDrains;

impl Rule for DisruptionBudgetBlocksDrains {
    fn code(&self) -> &'static str {
        "K402"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (i, pdb) in cx.manifests.kube.objects.iter().enumerate() {
            if pdb.kind != "PodDisruptionBudget" {
                continue;
            }
            let Some(spec) = pdb.spec() else { continue };
            let protected: Vec<(usize, &Object)> = cx
                .graph
                .targets(i, Edge::Protects)
                .into_iter()
                .map(|w| (w, &cx.manifests.kube.objects[w]))
                .collect();
            let mut why = None;
            if let Some((k, v)) = spec.entry("maxUnavailable") {
                match int_or_pct(v) {
                    Some(IntOrPct::Int(0)) => {
                        why = Some((kv(k, v), "`maxUnavailable: 0`".to_string()))
                    }
                    Some(IntOrPct::Pct(0.0)) => {
                        why = Some((kv(k, v), "`maxUnavailable: 0%`".to_string()))
                    }
                    _ => {}
                }
            }
            if let Some((k, v)) = spec.entry("minAvailable") {
                match int_or_pct(v) {
                    Some(IntOrPct::Pct(p)) if p >= 100.0 => {
                        why = Some((kv(k, v), "`minAvailable: 100%`".to_string()))
                    }
                    Some(IntOrPct::Int(n)) if n > 0 && !protected.is_empty() => {
                        let mins: Vec<i64> = protected
                            .iter()
                            .filter_map(|(w, o)| min_replicas(cx, *w, o))
                            .collect();
                        if mins.len() == protected.len()
                            && let Some(&most) = mins.iter().max()
                            && n >= most
                        {
                            why = Some((
                                kv(k, v),
                                format!(
                                    "`minAvailable: {n}` with {most} replica{}",
                                    if most == 1 { "" } else { "s" }
                                ),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            let Some((at, what)) = why else { continue };
            let mut d = draft(
                cx,
                pdb,
                "K402",
                at,
                format!(
                    "PodDisruptionBudget `{}` allows no voluntary disruption ({what}): node drains and cluster upgrades hang until someone deletes it",
                    pdb.name
                ),
                "no pod may be evicted",
            )
            .steps([format!(
                "kubectl patch pdb {}{} --type merge -p '{{\"spec\":{{\"maxUnavailable\":1}}}}'",
                pdb.name,
                pdb.ns_flag()
            )]);
            if let Some((_, w)) = protected.first() {
                let (f, s) = w.name_span();
                d = d.related(f.0 as usize, s, format!("protects `{}`", w.kubectl_ref()));
            }
            out.push(d);
        }
    }
}

pub struct AutoscaledWorkloadFixesReplicas;

impl Rule for AutoscaledWorkloadFixesReplicas {
    fn code(&self) -> &'static str {
        "K403"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (i, o) in super::workloads(cx) {
            let hpas = cx.graph.sources(i, Edge::Scales);
            let Some(&h) = hpas.first() else { continue };
            let Some((k, v)) = o.spec().and_then(|s| s.entry("replicas")) else {
                continue;
            };
            let hpa = &cx.manifests.kube.objects[h];
            let (hf, hs) = hpa
                .spec()
                .and_then(|s| s.entry("scaleTargetRef"))
                .map(|(k, _)| (k.file, k.span))
                .unwrap_or_else(|| hpa.name_span());
            let _ = path_of(cx, o);
            out.push(
                draft(
                    cx,
                    o,
                    "K403",
                    kv(k, v),
                    format!(
                        "`{}` sets `replicas: {}` while HorizontalPodAutoscaler `{}` scales it: every apply resets the count, a sudden scale-down under load",
                        o.kubectl_ref(),
                        v.as_str().unwrap_or(""),
                        hpa.name
                    ),
                    "fixed replica count",
                )
                .related(hf.0 as usize, hs, "autoscaled here")
                .steps([format!(
                    "kubectl scale {} --replicas=<the autoscaler's current count>{}",
                    o.kubectl_ref(),
                    o.ns_flag()
                )]),
            );
        }
    }
}
