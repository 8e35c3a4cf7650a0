//! Rollout mechanics: K301 single-replica-in-production, K302 recreate-strategy,
//! K303 rolling-update-all-at-once, K304 rolling-update-cannot-progress,
//! K305 no-revision-history, K306 prestop-outlasts-grace-period,
//! K307 read-write-once-volume-with-surge.

use super::{container_name, draft, kv, path_of, revert, undo, workloads};
use crate::model::graph::{Edge, claims};
use crate::model::kube::Object;
use crate::parse::yaml::Node;
use crate::rules::{Draft, ManifestCtx, Rule};

/// An int-or-percent field (`maxUnavailable: 1`, `maxSurge: 25%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum IntOrPct {
    Int(i64),
    Pct(f64),
}

pub(crate) fn int_or_pct(n: &Node) -> Option<IntOrPct> {
    if let Some(i) = n.as_int() {
        return Some(IntOrPct::Int(i));
    }
    let s = n.as_str()?.trim();
    let p = s.strip_suffix('%')?.trim().parse::<f64>().ok()?;
    Some(IntOrPct::Pct(p))
}

fn is_zero(n: &Node) -> bool {
    matches!(int_or_pct(n), Some(IntOrPct::Int(0)))
        || matches!(int_or_pct(n), Some(IntOrPct::Pct(p)) if p == 0.0)
}

/// Is the workload scaled by a HorizontalPodAutoscaler or a KEDA ScaledObject?
pub(crate) fn autoscaled(cx: &ManifestCtx<'_>, i: usize, o: &Object) -> bool {
    !cx.graph.sources(i, Edge::Scales).is_empty()
        || cx.manifests.kube.objects.iter().any(|s| {
            s.kind == "ScaledObject"
                && s.unit == o.unit
                && s.spec()
                    .and_then(|sp| sp.get("scaleTargetRef"))
                    .and_then(|t| t.get_str("name"))
                    == Some(o.name.as_str())
        })
}

fn selected(cx: &ManifestCtx<'_>, i: usize) -> bool {
    !cx.graph.sources(i, Edge::Selects).is_empty()
}

pub struct SingleReplicaInProduction;

impl Rule for SingleReplicaInProduction {
    fn code(&self) -> &'static str {
        "K301"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (i, o) in workloads(cx) {
            if !o.env.as_ref().is_some_and(|e| e.is_production())
                || !o.is_long_running()
                || o.kind == "DaemonSet"
                || o.effective_replicas() != Some(1)
                || autoscaled(cx, i, o)
                || !selected(cx, i)
            {
                continue;
            }
            let env = o
                .env
                .as_ref()
                .map(|e| e.name.as_str())
                .unwrap_or("production");
            let (at, how) = match o.spec().and_then(|s| s.entry("replicas")) {
                Some((k, v)) => (kv(k, v), "`replicas: 1`"),
                None => (o.kind_span(), "no `replicas` (so 1)"),
            };
            out.push(
                draft(
                    cx,
                    o,
                    "K301",
                    at,
                    format!(
                        "`{}` runs a single replica in `{env}` ({how}): a node drain, an eviction or a crash during the rollout is an outage",
                        o.kubectl_ref()
                    ),
                    "one replica in production",
                )
                .steps([format!(
                    "kubectl scale {} --replicas=<previous count>{}",
                    o.kubectl_ref(),
                    o.ns_flag()
                )]),
            );
        }
    }
}

pub struct RecreateStrategy;

impl Rule for RecreateStrategy {
    fn code(&self) -> &'static str {
        "K302"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (i, o) in workloads(cx) {
            let Some(strategy) = o.spec().and_then(|s| s.get("strategy")) else {
                continue;
            };
            let Some((k, v)) = strategy.entry("type") else {
                continue;
            };
            // Recreate is the right choice for a single-writer volume.
            if v.as_str() != Some("Recreate") || !selected(cx, i) || !claims(o).is_empty() {
                continue;
            }
            out.push(
                draft(
                    cx,
                    o,
                    "K302",
                    kv(k, v),
                    format!(
                        "`{}` uses `strategy: Recreate`: every pod stops before any new pod is ready, so each deploy is an outage, and a bad image a total one",
                        o.kubectl_ref()
                    ),
                    "all pods stop first",
                )
                .steps({
                    let mut s = undo(o, path_of(cx, o));
                    s.push(format!(
                        "Expect a second outage window: the undo is a Recreate too. Watch it with `kubectl rollout status {}{}`",
                        o.kubectl_ref(),
                        o.ns_flag()
                    ));
                    s
                }),
            );
        }
    }
}

/// The rolling-update block of a workload, by kind.
fn rolling_update(o: &Object) -> Option<&Node> {
    let spec = o.spec()?;
    spec.at(&["strategy", "rollingUpdate"])
        .or_else(|| spec.at(&["updateStrategy", "rollingUpdate"]))
        .filter(|n| n.is_map())
}

pub struct RollingUpdateAllAtOnce;

impl Rule for RollingUpdateAllAtOnce {
    fn code(&self) -> &'static str {
        "K303"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (i, o) in workloads(cx) {
            let Some(ru) = rolling_update(o) else {
                continue;
            };
            let Some((k, v)) = ru.entry("maxUnavailable") else {
                continue;
            };
            let replicas = if autoscaled(cx, i, o) {
                None
            } else {
                o.effective_replicas()
            };
            let all = match int_or_pct(v) {
                Some(IntOrPct::Pct(p)) => p >= 100.0,
                // With one replica the outage is K301's concern; `maxUnavailable: 1` is then how
                // a rollout avoids surging.
                Some(IntOrPct::Int(n)) => replicas.is_some_and(|r| n >= r && r > 1),
                None => false,
            };
            if !all {
                continue;
            }
            let of = match replicas {
                Some(r) => format!(" of {r}"),
                None => String::new(),
            };
            out.push(
                draft(
                    cx,
                    o,
                    "K303",
                    kv(k, v),
                    format!(
                        "`{}` lets every pod go at once (`maxUnavailable: {}`{of}): the rollout is a full outage, like Recreate",
                        o.kubectl_ref(),
                        v.as_str().unwrap_or("")
                    ),
                    "every pod may be unavailable",
                )
                .steps(undo(o, path_of(cx, o))),
            );
        }
    }
}

pub struct RollingUpdateCannotProgress;

impl Rule for RollingUpdateCannotProgress {
    fn code(&self) -> &'static str {
        "K304"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (_, o) in workloads(cx) {
            let Some(ru) = rolling_update(o) else {
                continue;
            };
            let (Some((sk, sv)), Some((uk, uv))) =
                (ru.entry("maxSurge"), ru.entry("maxUnavailable"))
            else {
                continue;
            };
            if !(is_zero(sv) && is_zero(uv)) {
                continue;
            }
            let path = path_of(cx, o);
            out.push(
                draft(
                    cx,
                    o,
                    "K304",
                    kv(sk, sv),
                    format!(
                        "`{}` sets both `maxSurge` and `maxUnavailable` to 0: the API server rejects it, and `kubectl apply` fails mid-deploy",
                        o.kubectl_ref()
                    ),
                    "no pod may be added or removed",
                )
                .related(kv(uk, uv).0.0 as usize, kv(uk, uv).1, "also 0")
                .steps(revert(o, path)),
            );
        }
    }
}

pub struct NoRevisionHistory;

impl Rule for NoRevisionHistory {
    fn code(&self) -> &'static str {
        "K305"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (_, o) in workloads(cx) {
            let Some((k, v)) = o.spec().and_then(|s| s.entry("revisionHistoryLimit")) else {
                continue;
            };
            if v.as_int() != Some(0) {
                continue;
            }
            let path = path_of(cx, o);
            out.push(
                draft(
                    cx,
                    o,
                    "K305",
                    kv(k, v),
                    format!(
                        "`{}` keeps no old revisions (`revisionHistoryLimit: 0`): `kubectl rollout undo` has nothing to return to",
                        o.kubectl_ref()
                    ),
                    "no rollback target kept",
                )
                .steps([format!(
                    "`kubectl rollout undo` cannot work: revert the commit in git and re-apply `{path}`"
                )]),
            );
        }
    }
}

/// Seconds a preStop hook sleeps: `sleep: {seconds: N}` or `exec` running `sleep N`.
fn prestop_sleep(prestop: &Node) -> Option<(i64, &Node)> {
    if let Some(n) = prestop.at(&["sleep", "seconds"]) {
        return n.as_int().map(|s| (s, n));
    }
    let cmd = prestop.at(&["exec", "command"])?;
    let text: Vec<&str> = match cmd.as_seq() {
        Some(items) => items.iter().filter_map(Node::as_str).collect(),
        None => vec![cmd.as_str()?],
    };
    let joined = text.join(" ");
    let words: Vec<&str> = joined
        .split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
        .filter(|w| !w.is_empty())
        .collect();
    let mut total = 0;
    for (i, w) in words.iter().enumerate() {
        if *w == "sleep" || w.ends_with("/sleep") {
            let arg = words.get(i + 1)?;
            let digits = arg.trim_end_matches('s');
            total += digits.parse::<f64>().ok()? as i64;
        }
    }
    (total > 0).then_some((total, cmd))
}

pub struct PreStopOutlastsGracePeriod;

impl Rule for PreStopOutlastsGracePeriod {
    fn code(&self) -> &'static str {
        "K306"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (_, o) in workloads(cx) {
            let Some(spec) = o.pod_spec() else { continue };
            let grace_entry = spec.entry("terminationGracePeriodSeconds");
            let grace = grace_entry.and_then(|(_, v)| v.as_int()).unwrap_or(30);
            for c in o.containers() {
                let Some((pk, prestop)) = c.at(&["lifecycle"]).and_then(|l| l.entry("preStop"))
                else {
                    continue;
                };
                let Some((secs, _)) = prestop_sleep(prestop) else {
                    continue;
                };
                if secs < grace {
                    continue;
                }
                let grace_text = if grace_entry.is_some() {
                    format!("`terminationGracePeriodSeconds: {grace}`")
                } else {
                    format!("the default grace period of {grace}s")
                };
                let mut d = draft(
                    cx,
                    o,
                    "K306",
                    (pk.file, pk.span),
                    format!(
                        "container `{}` of `{}` sleeps {secs}s in `preStop`, which uses all of {grace_text}: the app gets no time to shut down and is killed with SIGKILL on every rollout",
                        container_name(c),
                        o.kubectl_ref()
                    ),
                    format!("sleeps {secs}s"),
                )
                .steps(undo(o, path_of(cx, o)));
                if let Some((gk, gv)) = grace_entry {
                    let (gf, gs) = kv(gk, gv);
                    d = d.related(gf.0 as usize, gs, "grace period");
                }
                out.push(d);
            }
        }
    }
}

pub struct ReadWriteOnceVolumeWithSurge;

impl Rule for ReadWriteOnceVolumeWithSurge {
    fn code(&self) -> &'static str {
        "K307"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (i, o) in workloads(cx) {
            if !matches!(o.kind.as_str(), "Deployment" | "Rollout") {
                continue;
            }
            let strategy = o.spec().and_then(|s| s.get("strategy"));
            if strategy.and_then(|s| s.get_str("type")) == Some("Recreate") {
                continue;
            }
            let surge_zero = strategy
                .and_then(|s| s.at(&["rollingUpdate", "maxSurge"]))
                .is_some_and(is_zero);
            let replicas = o.effective_replicas().unwrap_or(1);
            if surge_zero && replicas <= 1 && !autoscaled(cx, i, o) {
                continue;
            }
            for (claim, node) in claims(o) {
                let Some(pvc_i) = cx
                    .graph
                    .targets(i, Edge::Mounts)
                    .into_iter()
                    .find(|&p| cx.manifests.kube.objects[p].name == claim)
                else {
                    continue;
                };
                let pvc = &cx.manifests.kube.objects[pvc_i];
                let Some((mk, modes)) = pvc.spec().and_then(|s| s.entry("accessModes")) else {
                    continue;
                };
                let rwo = modes
                    .as_seq()
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|m| m == "ReadWriteOnce" || m == "ReadWriteOncePod");
                if !rwo {
                    continue;
                }
                let why = if surge_zero {
                    format!("{replicas} replicas")
                } else {
                    "a rolling update that starts the new pod first".to_string()
                };
                let mut steps = undo(o, path_of(cx, o));
                steps.push(format!(
                    "Then switch `{}` to `strategy: Recreate` (or `maxSurge: 0`, `maxUnavailable: 1`)",
                    o.kubectl_ref()
                ));
                out.push(
                    draft(
                        cx,
                        o,
                        "K307",
                        (node.file, node.span),
                        format!(
                            "`{}` mounts ReadWriteOnce claim `{claim}` with {why}: a new pod on another node cannot attach the volume, and the rollout hangs",
                            o.kubectl_ref()
                        ),
                        "single-node volume",
                    )
                    .related(kv(mk, modes).0.0 as usize, kv(mk, modes).1, "ReadWriteOnce")
                    .steps(steps),
                );
            }
        }
    }
}
