//! The Kubernetes object graph (petgraph): who selects, routes to, scales, protects and
//! configures whom, within each deploy unit and namespace.
//!
//! Edges:
//! - Service → each workload whose pod labels its selector matches (`Selects`);
//! - Ingress → each Service a backend names (`Routes`);
//! - workload → each ConfigMap / Secret it references through `env`, `envFrom` or volumes
//!   (`Uses`), and each PersistentVolumeClaim it mounts (`Mounts`);
//! - PodDisruptionBudget → each workload its selector matches (`Protects`);
//! - HorizontalPodAutoscaler → its `scaleTargetRef` (`Scales`).
//!
//! References that resolve to nothing stay on the workload ([`config_refs`]) for the rules.

use std::collections::BTreeMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::kube::{KubeModel, Object, same_namespace, selector_matches};
use crate::parse::yaml::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Selects,
    Routes,
    Uses,
    Mounts,
    Protects,
    Scales,
}

/// The graph over [`KubeModel::objects`]: graph node `i` is object `i`.
#[derive(Debug, Default)]
pub struct ObjectGraph {
    graph: DiGraph<usize, Edge>,
}

/// A ConfigMap or Secret a workload references.
#[derive(Debug, Clone)]
pub struct ConfigRef<'a> {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    pub name: &'a str,
    /// The node naming it (`name: app-config`).
    pub node: &'a Node,
    /// `optional: true`: the pod starts without it.
    pub optional: bool,
    /// Where: `env`, `envFrom`, `volume`.
    pub via: &'static str,
}

/// Every ConfigMap and Secret a workload's pod spec references.
pub fn config_refs(o: &Object) -> Vec<ConfigRef<'_>> {
    let mut out = Vec::new();
    let Some(spec) = o.pod_spec() else {
        return out;
    };
    let optional = |n: &Node| n.get("optional").and_then(Node::as_bool) == Some(true);
    let mut containers = o.containers();
    containers.extend(o.init_containers());
    for c in containers {
        for e in c.get("env").and_then(Node::as_seq).unwrap_or(&[]) {
            for (key, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                if let Some(r) = e.at(&["valueFrom", key])
                    && let Some(n) = r.get("name")
                    && let Some(name) = n.as_str()
                {
                    out.push(ConfigRef {
                        kind,
                        name,
                        node: n,
                        optional: optional(r),
                        via: "env",
                    });
                }
            }
        }
        for e in c.get("envFrom").and_then(Node::as_seq).unwrap_or(&[]) {
            for (key, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                if let Some(r) = e.get(key)
                    && let Some(n) = r.get("name")
                    && let Some(name) = n.as_str()
                {
                    out.push(ConfigRef {
                        kind,
                        name,
                        node: n,
                        optional: optional(r),
                        via: "envFrom",
                    });
                }
            }
        }
    }
    for v in spec.get("volumes").and_then(Node::as_seq).unwrap_or(&[]) {
        if let Some(r) = v.get("configMap")
            && let Some(n) = r.get("name")
            && let Some(name) = n.as_str()
        {
            out.push(ConfigRef {
                kind: "ConfigMap",
                name,
                node: n,
                optional: optional(r),
                via: "volume",
            });
        }
        if let Some(r) = v.get("secret")
            && let Some(n) = r.get("secretName")
            && let Some(name) = n.as_str()
        {
            out.push(ConfigRef {
                kind: "Secret",
                name,
                node: n,
                optional: optional(r),
                via: "volume",
            });
        }
        for src in v
            .at(&["projected", "sources"])
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            for (key, kind) in [("configMap", "ConfigMap"), ("secret", "Secret")] {
                if let Some(r) = src.get(key)
                    && let Some(n) = r.get("name")
                    && let Some(name) = n.as_str()
                {
                    out.push(ConfigRef {
                        kind,
                        name,
                        node: n,
                        optional: optional(r),
                        via: "volume",
                    });
                }
            }
        }
    }
    out.retain(|r| !r.name.contains("{{") && !r.name.contains("${") && !r.name.is_empty());
    out
}

/// PersistentVolumeClaims a workload mounts: (claim name, the `claimName` node).
pub fn claims(o: &Object) -> Vec<(&str, &Node)> {
    o.pod_spec()
        .and_then(|s| s.get("volumes"))
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| {
            let n = v.at(&["persistentVolumeClaim", "claimName"])?;
            Some((n.as_str()?, n))
        })
        .collect()
}

/// Service names an Ingress routes to.
fn ingress_backends(o: &Object) -> Vec<&str> {
    let mut out = Vec::new();
    let Some(spec) = o.spec() else { return out };
    let mut backends: Vec<&Node> = Vec::new();
    for key in ["defaultBackend", "backend"] {
        if let Some(b) = spec.get(key) {
            backends.push(b);
        }
    }
    for rule in spec.get("rules").and_then(Node::as_seq).unwrap_or(&[]) {
        for p in rule
            .at(&["http", "paths"])
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if let Some(b) = p.get("backend") {
                backends.push(b);
            }
        }
    }
    for b in backends {
        if let Some(name) = b
            .at(&["service", "name"])
            .or_else(|| b.get("serviceName"))
            .and_then(Node::as_str)
        {
            out.push(name);
        }
    }
    out
}

impl ObjectGraph {
    pub fn build(model: &KubeModel) -> ObjectGraph {
        let objects = &model.objects;
        let mut graph: DiGraph<usize, Edge> = DiGraph::with_capacity(objects.len(), objects.len());
        let idx: Vec<NodeIndex> = (0..objects.len()).map(|i| graph.add_node(i)).collect();
        // Objects per unit, and named objects per (unit, kind, name).
        let mut by_unit: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut named: BTreeMap<(usize, &str, &str), Vec<usize>> = BTreeMap::new();
        for (i, o) in objects.iter().enumerate() {
            by_unit.entry(o.unit).or_default().push(i);
            if !o.name.is_empty() {
                named
                    .entry((o.unit, o.kind.as_str(), o.name.as_str()))
                    .or_default()
                    .push(i);
            }
        }
        let lookup = |unit: usize, kind: &str, name: &str, from: &Object| -> Vec<usize> {
            named
                .get(&(unit, kind, name))
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|&j| same_namespace(&objects[j].namespace, &from.namespace))
                        .collect()
                })
                .unwrap_or_default()
        };
        // Pod labels, computed once per workload.
        let labels: Vec<Option<BTreeMap<&str, &str>>> = objects
            .iter()
            .map(|o| o.is_workload().then(|| o.pod_labels()))
            .collect();
        for members in by_unit.values() {
            let workloads: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&i| labels[i].is_some())
                .collect();
            for &i in members {
                let o = &objects[i];
                match o.kind.as_str() {
                    "Service" => {
                        if let Some(sel) = o.spec().and_then(|s| s.get("selector")) {
                            for &w in &workloads {
                                let wo = &objects[w];
                                if same_namespace(&o.namespace, &wo.namespace)
                                    && labels[w].as_ref().is_some_and(|l| selector_matches(sel, l))
                                {
                                    graph.add_edge(idx[i], idx[w], Edge::Selects);
                                }
                            }
                        }
                    }
                    "PodDisruptionBudget" => {
                        if let Some(sel) = o.spec().and_then(|s| s.get("selector")) {
                            for &w in &workloads {
                                let wo = &objects[w];
                                if same_namespace(&o.namespace, &wo.namespace)
                                    && labels[w].as_ref().is_some_and(|l| selector_matches(sel, l))
                                {
                                    graph.add_edge(idx[i], idx[w], Edge::Protects);
                                }
                            }
                        }
                    }
                    "HorizontalPodAutoscaler" => {
                        let target = o.spec().and_then(|s| s.get("scaleTargetRef"));
                        if let Some(t) = target
                            && let (Some(kind), Some(name)) = (t.get_str("kind"), t.get_str("name"))
                        {
                            for w in lookup(o.unit, kind, name, o) {
                                graph.add_edge(idx[i], idx[w], Edge::Scales);
                            }
                        }
                    }
                    "Ingress" => {
                        for name in ingress_backends(o) {
                            for s in lookup(o.unit, "Service", name, o) {
                                graph.add_edge(idx[i], idx[s], Edge::Routes);
                            }
                        }
                    }
                    _ => {}
                }
                if o.is_workload() {
                    for r in config_refs(o) {
                        for t in lookup(o.unit, r.kind, r.name, o) {
                            graph.add_edge(idx[i], idx[t], Edge::Uses);
                        }
                    }
                    for (claim, _) in claims(o) {
                        for t in lookup(o.unit, "PersistentVolumeClaim", claim, o) {
                            graph.add_edge(idx[i], idx[t], Edge::Mounts);
                        }
                    }
                }
            }
        }
        ObjectGraph { graph }
    }

    fn neighbours(&self, obj: usize, edge: Edge, dir: Direction) -> Vec<usize> {
        if obj >= self.graph.node_count() {
            return Vec::new();
        }
        let n = NodeIndex::new(obj);
        let mut out: Vec<usize> = self
            .graph
            .edges_directed(n, dir)
            .filter(|e| *e.weight() == edge)
            .map(|e| {
                let other = if dir == Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                };
                self.graph[other]
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Objects `obj` points at with `edge` (a Service's workloads, a workload's ConfigMaps).
    pub fn targets(&self, obj: usize, edge: Edge) -> Vec<usize> {
        self.neighbours(obj, edge, Direction::Outgoing)
    }

    /// Objects pointing at `obj` with `edge` (the Services selecting a workload).
    pub fn sources(&self, obj: usize, edge: Edge) -> Vec<usize> {
        self.neighbours(obj, edge, Direction::Incoming)
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }
}
