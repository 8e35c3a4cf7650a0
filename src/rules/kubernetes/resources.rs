//! K104 no-memory-limit, K105 no-cpu-request.
//!
//! A LimitRange in the same deploy unit and namespace that sets defaults silences both: the
//! API server fills the values in.

use super::{container_name, container_span, draft, path_of, undo, workloads};
use crate::model::kube::{Object, has_quantity, same_namespace};
use crate::parse::yaml::Node;
use crate::rules::{Draft, ManifestCtx, Rule};

/// Does a LimitRange in `o`'s unit and namespace default `section.name` for containers?
fn limit_range_default(cx: &ManifestCtx<'_>, o: &Object, sections: &[&str], name: &str) -> bool {
    cx.manifests.kube.objects.iter().any(|lr| {
        lr.kind == "LimitRange"
            && lr.unit == o.unit
            && same_namespace(&lr.namespace, &o.namespace)
            && lr
                .spec()
                .and_then(|s| s.get("limits"))
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .any(|l| {
                    sections
                        .iter()
                        .any(|s| l.get(s).and_then(|d| d.get(name)).is_some())
                })
    })
}

pub struct NoMemoryLimit;

impl Rule for NoMemoryLimit {
    fn code(&self) -> &'static str {
        "K104"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (_, o) in workloads(cx) {
            if limit_range_default(cx, o, &["default"], "memory") {
                continue;
            }
            for c in o.containers() {
                let res = c.get("resources");
                if res.is_some_and(Node::is_templated) || has_quantity(res, "limits", "memory") {
                    continue;
                }
                let also = if has_quantity(res, "requests", "memory") {
                    ""
                } else {
                    " (nor a memory request)"
                };
                let at = match c.entry("resources") {
                    Some((k, _)) => (k.file, k.span),
                    None => container_span(c),
                };
                out.push(
                    draft(
                        cx,
                        o,
                        "K104",
                        at,
                        format!(
                            "container `{}` of `{}` has no memory limit{also}: a leak in a new version can exhaust the node and take its neighbours down",
                            container_name(c),
                            o.kubectl_ref()
                        ),
                        "no `resources.limits.memory`",
                    )
                    .steps(undo(o, path_of(cx, o))),
                );
            }
        }
    }
}

pub struct NoCpuRequest;

impl Rule for NoCpuRequest {
    fn code(&self) -> &'static str {
        "K105"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (_, o) in workloads(cx) {
            if limit_range_default(cx, o, &["default", "defaultRequest"], "cpu") {
                continue;
            }
            for c in o.containers() {
                let res = c.get("resources");
                // A CPU limit alone makes the request equal to it.
                if res.is_some_and(Node::is_templated)
                    || has_quantity(res, "requests", "cpu")
                    || has_quantity(res, "limits", "cpu")
                {
                    continue;
                }
                let at = match c.entry("resources") {
                    Some((k, _)) => (k.file, k.span),
                    None => container_span(c),
                };
                out.push(
                    draft(
                        cx,
                        o,
                        "K105",
                        at,
                        format!(
                            "container `{}` of `{}` has no CPU request: the scheduler packs surge pods onto busy nodes and CPU-based autoscaling cannot work",
                            container_name(c),
                            o.kubectl_ref()
                        ),
                        "no `resources.requests.cpu`",
                    )
                    .steps(undo(o, path_of(cx, o))),
                );
            }
        }
    }
}
