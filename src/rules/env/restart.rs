//! E403 config-change-without-restart (diff mode): a ConfigMap or Secret the change modifies
//! whose consumers will not restart to pick it up.

use crate::model::graph::Edge;
use crate::parse::yaml::{Node, Value};
use crate::rules::{Draft, ManifestCtx, Rule};

pub struct ConfigChangeWithoutRestart;

/// Annotations that make a workload roll when its configuration changes.
const RELOADERS: &[&str] = &[
    "reloader.stakater.com/auto",
    "configmap.reloader.stakater.com/reload",
    "secret.reloader.stakater.com/reload",
    "reloader.stakater.com/search",
];

/// Order-insensitive text of a node, for comparing two versions of `data`.
fn canonical(n: Option<&Node>) -> String {
    let Some(n) = n else {
        return String::new();
    };
    match &n.value {
        Value::Scalar { text, .. } => text.clone(),
        Value::Seq(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| canonical(Some(i)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Value::Map(entries) => {
            let mut parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}={}", canonical(Some(k)), canonical(Some(v))))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
    }
}

fn payload(root: &Node) -> String {
    format!(
        "{}|{}|{}",
        canonical(root.get("data")),
        canonical(root.get("stringData")),
        canonical(root.get("binaryData"))
    )
}

/// Does the workload roll by itself when its configuration changes?
fn restarts_itself(root: &Node) -> bool {
    let has = |annotations: Option<&Node>| {
        annotations.and_then(Node::as_map).is_some_and(|m| {
            m.iter().any(|(k, _)| {
                k.as_str()
                    .is_some_and(|k| k.starts_with("checksum/") || RELOADERS.contains(&k))
            })
        })
    };
    has(root.at(&["metadata", "annotations"]))
        || has(root.at(&["spec", "template", "metadata", "annotations"]))
}

impl Rule for ConfigChangeWithoutRestart {
    fn code(&self) -> &'static str {
        "E403"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        if cx.base.is_none() {
            return;
        }
        let kube = &cx.manifests.kube;
        for (i, o) in kube.objects.iter().enumerate() {
            if o.kind != "ConfigMap" && o.kind != "Secret" {
                continue;
            }
            // New objects have no consumer running the old values.
            let Some(base) = cx.base_of(o) else {
                continue;
            };
            if payload(&base.root) == payload(&o.root) {
                continue;
            }
            // Generated with a hash suffix: the name changes, so the pods roll.
            let generated = kube.units.get(o.unit).is_some_and(|u| {
                u.generators
                    .iter()
                    .any(|g| g.kind == o.kind && g.name == o.name && g.hashed)
            });
            if generated {
                continue;
            }
            let mut consumers: Vec<usize> = cx
                .graph
                .sources(i, Edge::Uses)
                .into_iter()
                .chain(cx.graph.sources(i, Edge::Mounts))
                .filter(|&w| {
                    kube.objects
                        .get(w)
                        .is_some_and(|w| w.is_long_running() && !restarts_itself(&w.root))
                })
                .collect();
            consumers.sort_unstable();
            consumers.dedup();
            if consumers.is_empty() {
                continue;
            }
            let names: Vec<String> = consumers
                .iter()
                .filter_map(|&w| kube.objects.get(w))
                .map(|w| format!("`{}`", w.kubectl_ref()))
                .collect();
            let restarts: Vec<String> = consumers
                .iter()
                .filter_map(|&w| kube.objects.get(w))
                .map(|w| format!("kubectl rollout restart {}{}", w.kubectl_ref(), w.ns_flag()))
                .collect();
            let object = o.kubectl_ref();
            // Point at the first entry that changed: its line is what the change added.
            let span = ["data", "stringData", "binaryData"]
                .iter()
                .find_map(|section| {
                    let head = o.root.get(section)?;
                    let old = base.root.get(section);
                    head.as_map()?.iter().find_map(|(k, v)| {
                        let key = k.as_str()?;
                        let before = old.and_then(|b| b.get(key));
                        (canonical(before) != canonical(Some(v))).then(|| head.entry_span(key))
                    })
                })
                .unwrap_or_else(|| o.name_span().1);
            let mut steps = vec![format!(
                "Revert `{object}` to its previous version and apply it"
            )];
            steps.extend(restarts.iter().cloned());
            out.push(
                cx.draft(
                    "E403",
                    o.file,
                    span,
                    format!(
                        "`{object}` changes, but {} will not restart: running pods keep the old values until something restarts them",
                        names.join(", ")
                    ),
                    "changed configuration",
                )
                .var("object", object.clone())
                .safe(format!(
                    "restart the consumers as part of the deploy ({}), or make them roll on their own: a hash-suffixed generator, a `checksum/config` pod annotation, or a reloader",
                    restarts.join("; ")
                ))
                .steps(steps),
            );
        }
    }
}
