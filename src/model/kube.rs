//! Kubernetes objects, the deploy units they are applied in, and typed views over them.
//!
//! An object is any YAML document with string `apiVersion` and `kind` (items of a `List`
//! included). Objects are grouped into **deploy units**: every root Kustomization (one no
//! other Kustomization includes) renders its resources, bases and components with its
//! `namespace`, `replicas`, `images` and strategic-merge patches applied; every object no
//! Kustomization includes belongs to the loose unit. An object in a base used by two overlays
//! is two instances, one per overlay, each with its overlay's environment.
//!
//! Any object with `spec.template.spec` (Deployment, Argo Rollout, Knative, custom
//! workloads), `spec.jobTemplate.spec.template.spec` (CronJob) or a `Pod` is a workload.

use std::collections::{BTreeMap, BTreeSet};

use crate::classify::Environment;
use crate::parse::yaml::{FileId, Node, Value};
use crate::span::Span;

/// One Kubernetes object instance.
#[derive(Debug, Clone)]
pub struct Object {
    /// The file the object was read from (patches may bring nodes from other files).
    pub file: FileId,
    pub api_version: String,
    pub kind: String,
    /// `metadata.name` ("" when missing or templated).
    pub name: String,
    /// `metadata.namespace`, or the unit's Kustomize `namespace`.
    pub namespace: Option<String>,
    /// The whole object, with the unit's patches applied.
    pub root: Node,
    /// Index into [`KubeModel::units`].
    pub unit: usize,
    /// The unit's environment when it has one, else the file's.
    pub env: Option<Environment>,
    /// A patch forecast could not apply (JSON 6902) targets this object: fields may differ.
    pub opaque_patch: bool,
}

/// A set of objects applied together: a root Kustomization, or the loose objects.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    /// The Kustomization's folder, or "" for the loose objects.
    pub name: String,
    pub env: Option<Environment>,
    /// ConfigMaps and Secrets generators create (`configMapGenerator`, `secretGenerator`):
    /// (kind, name).
    pub generated: BTreeSet<(String, String)>,
    /// Image overrides (`images:`): image name → (new name, new tag or digest, where).
    pub images: BTreeMap<String, ImageOverride>,
    /// `namePrefix` and `nameSuffix` of each Kustomization rendered, outermost first: object
    /// names here do not include them, so two sides compare names only when these agree.
    pub name_affixes: Vec<(String, String)>,
    /// The generators behind `generated`, with the keys they give each object.
    pub generators: Vec<Generator>,
}

/// A `configMapGenerator` or `secretGenerator` entry.
#[derive(Debug, Clone)]
pub struct Generator {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    pub name: String,
    /// The Kustomization that declares it.
    pub file: FileId,
    /// The generator's `name:` value.
    pub span: Span,
    /// Folder of that Kustomization, for the paths below.
    pub dir: String,
    /// `literals: [KEY=value]`: (key, the item's node).
    pub literals: Vec<(String, Node)>,
    /// `envs:` (and the older `env:`) files, repository-relative, with the item's node.
    pub env_files: Vec<(String, Node)>,
    /// `files:` entries: (key, the item's node); the key is `key=` or the file's name.
    pub files: Vec<(String, Node)>,
    /// The hash suffix Kustomize appends to the name (rolls the pods that use it), unless
    /// `disableNameSuffixHash` switches it off.
    pub hashed: bool,
}

#[derive(Debug, Clone)]
pub struct ImageOverride {
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub file: FileId,
    pub span: Span,
}

/// A Kustomization file, as far as units are concerned.
#[derive(Debug, Clone)]
pub struct Kustomization {
    pub file: FileId,
    /// Folder of the kustomization file ("" at the root).
    pub dir: String,
    pub root: Node,
    /// The environment its path names.
    pub env: Option<Environment>,
}

/// What to hand [`build`]: every YAML document of every Kubernetes file, by file.
pub struct KubeInput<'a> {
    /// (file, path, environment of the path, documents)
    pub files: Vec<(FileId, &'a str, Option<Environment>, Vec<&'a Node>)>,
    pub kustomizations: Vec<Kustomization>,
    /// Every path in the scanned tree, to resolve folders in `resources:`.
    pub paths: &'a BTreeSet<String>,
}

/// The objects, their units, and patch files (which are not objects).
#[derive(Debug, Clone, Default)]
pub struct KubeModel {
    pub objects: Vec<Object>,
    pub units: Vec<Unit>,
}

/// Is this document a Kubernetes object (string `apiVersion` and `kind`)?
pub fn is_object(doc: &Node) -> bool {
    doc.get_str("apiVersion").is_some() && doc.get_str("kind").is_some()
}

fn is_kustomize_kind(kind: &str) -> bool {
    matches!(kind, "Kustomization" | "Component")
}

/// Normalise `a/./b/../c` to `a/c`; `None` when it climbs above the root.
pub fn normalize(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            c => out.push(c),
        }
    }
    Some(out.join("/"))
}

fn join(dir: &str, rel: &str) -> Option<String> {
    if dir.is_empty() {
        normalize(rel)
    } else {
        normalize(&format!("{dir}/{rel}"))
    }
}

const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Is this the file name of a Kustomization?
pub fn is_kustomization_name(name: &str) -> bool {
    KUSTOMIZATION_NAMES.contains(&name)
}

/// The list of strings under `key` (with their nodes).
fn str_list<'n>(node: &'n Node, key: &str) -> Vec<(&'n str, &'n Node)> {
    node.get(key)
        .and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(|s| (s, i)))
                .collect()
        })
        .unwrap_or_default()
}

/// What a Kustomization contributes, gathered recursively.
#[derive(Default)]
struct Rendered {
    /// Files whose objects are included.
    files: BTreeSet<String>,
    /// Patch documents (strategic merge) in application order.
    patches: Vec<Node>,
    /// Targets of patches forecast does not apply: (kind or "", name).
    opaque: Vec<(String, String)>,
    /// Patch files (never objects themselves).
    patch_files: BTreeSet<String>,
    namespace: Option<String>,
    replicas: Vec<(String, Node)>,
    generated: BTreeSet<(String, String)>,
    generators: Vec<Generator>,
    images: BTreeMap<String, ImageOverride>,
    /// Kustomization folders visited (also: included by another).
    visited: BTreeSet<String>,
    /// Label transformers, innermost Kustomization first (outer ones win).
    labels: Vec<LabelSet>,
    name_affixes: Vec<(String, String)>,
}

/// A Kustomize label transformer (`commonLabels`, or one entry of `labels`) and the files of
/// the Kustomization (with everything it includes) that it applies to.
#[derive(Debug, Clone)]
struct LabelSet {
    /// (key, value) nodes as written in the kustomization file.
    pairs: Vec<(Node, Node)>,
    /// Selectors too (`commonLabels`, `includeSelectors: true`), and so pod templates.
    selectors: bool,
    /// Pod templates (`includeTemplates: true`).
    templates: bool,
    files: BTreeSet<String>,
}

struct Resolver<'a> {
    by_dir: BTreeMap<&'a str, &'a Kustomization>,
    paths: &'a BTreeSet<String>,
    /// Parsed documents of each file path, for inline lookups of patch files.
    docs: BTreeMap<&'a str, &'a [&'a Node]>,
}

impl Resolver<'_> {
    fn render(&self, k: &Kustomization, out: &mut Rendered, depth: usize) {
        if depth > 32 || !out.visited.insert(k.dir.clone()) {
            return;
        }
        let root = &k.root;
        if out.namespace.is_none()
            && let Some(ns) = root.get_str("namespace")
        {
            out.namespace = Some(ns.to_string());
        }
        let prefix = root.get_str("namePrefix").unwrap_or("");
        let suffix = root.get_str("nameSuffix").unwrap_or("");
        if !prefix.is_empty() || !suffix.is_empty() {
            out.name_affixes
                .push((prefix.to_string(), suffix.to_string()));
        }
        let before = out.files.clone();
        for key in ["resources", "bases", "components"] {
            for (rel, _) in str_list(root, key) {
                if rel.contains("://") || rel.starts_with("github.com/") {
                    continue;
                }
                let Some(target) = join(&k.dir, rel) else {
                    continue;
                };
                if let Some(sub) = self.by_dir.get(target.as_str()) {
                    self.render(sub, out, depth + 1);
                } else if self.paths.contains(&target) {
                    out.files.insert(target);
                }
            }
        }
        let mine: BTreeSet<String> = out.files.difference(&before).cloned().collect();
        label_sets(root, &mine, &mut out.labels);
        // Patches: files or inline, strategic merge or JSON 6902.
        let mut patch_paths: Vec<(String, Option<&Node>)> = Vec::new();
        for (rel, _) in str_list(root, "patchesStrategicMerge") {
            if let Some(p) = join(&k.dir, rel) {
                patch_paths.push((p, None));
            }
        }
        if let Some(items) = root.get("patches").and_then(Node::as_seq) {
            for item in items {
                let target = item.get("target");
                if let Some(rel) = item.get_str("path") {
                    if let Some(p) = join(&k.dir, rel) {
                        patch_paths.push((p, target));
                    }
                } else if let Some(text) = item.get("patch").and_then(Node::as_str) {
                    let parsed = crate::parse::yaml::parse(text, k.file);
                    for d in parsed.docs {
                        let mut doc = d.root;
                        // Spans inside an inline patch point at the patch block.
                        let span = item.get("patch").map(|n| n.span).unwrap_or(item.span);
                        respan(&mut doc, k.file, span);
                        self.take_patch(doc, target, out);
                    }
                }
            }
        }
        for item in root
            .get("patchesJson6902")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if let Some(rel) = item.get_str("path")
                && let Some(p) = join(&k.dir, rel)
            {
                out.patch_files.insert(p);
            }
            if let Some(t) = item.get("target") {
                out.opaque.push((
                    t.get_str("kind").unwrap_or("").to_string(),
                    t.get_str("name").unwrap_or("").to_string(),
                ));
            }
        }
        for (path, target) in patch_paths {
            out.patch_files.insert(path.clone());
            let docs = self.docs.get(path.as_str()).copied().unwrap_or(&[]);
            if docs.is_empty()
                && let Some(t) = target
            {
                out.opaque.push((
                    t.get_str("kind").unwrap_or("").to_string(),
                    t.get_str("name").unwrap_or("").to_string(),
                ));
            }
            for d in docs {
                self.take_patch((*d).clone(), target, out);
            }
        }
        if let Some(items) = root.get("replicas").and_then(Node::as_seq) {
            for r in items {
                if let (Some(name), Some(count)) = (r.get_str("name"), r.get("count")) {
                    out.replicas.push((name.to_string(), count.clone()));
                }
            }
        }
        let hash_off = root
            .at(&["generatorOptions", "disableNameSuffixHash"])
            .and_then(Node::as_bool)
            == Some(true);
        for (key, kind) in [
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ] {
            for g in root.get(key).and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(name) = g.get_str("name") {
                    out.generated.insert((kind.to_string(), name.to_string()));
                    out.generators.push(generator(k, kind, name, g, hash_off));
                }
            }
        }
        for img in root.get("images").and_then(Node::as_seq).unwrap_or(&[]) {
            if let Some(name) = img.get_str("name") {
                // The closest Kustomization to the root wins: overlays override bases, and
                // overlays are rendered first.
                out.images
                    .entry(name.to_string())
                    .or_insert_with(|| ImageOverride {
                        new_name: img.get_str("newName").map(str::to_string),
                        new_tag: img.get_str("newTag").map(str::to_string),
                        digest: img.get_str("digest").map(str::to_string),
                        file: k.file,
                        span: img.span,
                    });
            }
        }
    }

    fn take_patch(&self, doc: Node, target: Option<&Node>, out: &mut Rendered) {
        if doc.get_str("kind").is_some() && doc.at(&["metadata", "name"]).is_some() {
            out.patches.push(doc);
        } else if doc.as_seq().is_some() {
            // A JSON 6902 patch written inline or in a file named by `patches:`.
            if let Some(t) = target {
                out.opaque.push((
                    t.get_str("kind").unwrap_or("").to_string(),
                    t.get_str("name").unwrap_or("").to_string(),
                ));
            }
        }
    }
}

/// A generator entry of Kustomization `k`.
fn generator(k: &Kustomization, kind: &str, name: &str, g: &Node, hash_off: bool) -> Generator {
    let items = |key: &str| -> Vec<&Node> {
        g.get(key)
            .and_then(Node::as_seq)
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    };
    let literals = items("literals")
        .into_iter()
        .filter_map(|n| {
            let t = n.as_str()?;
            let key = t.split_once('=').map_or(t, |(k, _)| k).trim();
            (!key.is_empty()).then(|| (key.to_string(), n.clone()))
        })
        .collect();
    let env_files = items("envs")
        .into_iter()
        .chain(g.get("env").filter(|n| n.as_str().is_some()))
        .filter_map(|n| Some((join(&k.dir, n.as_str()?)?, n.clone())))
        .collect();
    let files = items("files")
        .into_iter()
        .filter_map(|n| {
            let t = n.as_str()?;
            let key = match t.split_once('=') {
                Some((key, _)) => key.trim(),
                None => t.rsplit('/').next().unwrap_or(t),
            };
            (!key.is_empty()).then(|| (key.to_string(), n.clone()))
        })
        .collect();
    let own_off = g
        .at(&["options", "disableNameSuffixHash"])
        .and_then(Node::as_bool);
    Generator {
        kind: kind.to_string(),
        name: name.to_string(),
        file: k.file,
        span: g.get("name").map_or(g.span, |n| n.span),
        dir: k.dir.clone(),
        literals,
        env_files,
        files,
        hashed: !own_off.unwrap_or(hash_off),
    }
}

/// Give every node of an inline patch the file and span of the block it was written in.
fn respan(node: &mut Node, file: FileId, span: Span) {
    node.file = file;
    node.span = span;
    match &mut node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| respan(n, file, span)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            respan(k, file, span);
            respan(v, file, span);
        }),
    }
}

/// Strategic merge, as far as deploy checks need it: mappings merge key by key; lists of
/// mappings that carry `name` (containers, env, volumes, ports) merge item by item on it;
/// other lists and scalars are replaced. `$patch: delete` removes the item.
pub fn merge(base: &mut Node, patch: &Node) {
    match (&mut base.value, &patch.value) {
        (Value::Map(entries), Value::Map(pentries)) => {
            for (pk, pv) in pentries {
                let Some(key) = pk.as_str() else { continue };
                if key.starts_with("$") {
                    continue;
                }
                if pv.get_str("$patch") == Some("delete") {
                    entries.retain(|(k, _)| k.as_str() != Some(key));
                    continue;
                }
                match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
                    Some((k, v)) => {
                        // A replaced value is reported with the patch's key beside it.
                        if !pv.is_map() {
                            *k = pk.clone();
                        }
                        merge(v, pv)
                    }
                    None => entries.push((pk.clone(), pv.clone())),
                }
            }
        }
        (Value::Seq(items), Value::Seq(pitems))
            if pitems.iter().all(|p| p.get_str("name").is_some())
                && items.iter().all(|i| i.get_str("name").is_some()) =>
        {
            for p in pitems {
                let name = p.get_str("name");
                let delete = p.get_str("$patch") == Some("delete");
                match items.iter().position(|i| i.get_str("name") == name) {
                    Some(i) if delete => {
                        items.remove(i);
                    }
                    Some(i) => merge(&mut items[i], p),
                    None if !delete => items.push(p.clone()),
                    None => {}
                }
            }
        }
        _ => *base = patch.clone(),
    }
}

/// The objects in one document (a `List` gives its items).
fn objects_in(doc: &Node) -> Vec<&Node> {
    if !is_object(doc) {
        return Vec::new();
    }
    let kind = doc.get_str("kind").unwrap_or("");
    if kind == "List" || (kind.ends_with("List") && doc.get("items").is_some()) {
        return doc
            .get("items")
            .and_then(Node::as_seq)
            .map(|items| items.iter().filter(|i| is_object(i)).collect())
            .unwrap_or_default();
    }
    vec![doc]
}

fn make_object(node: &Node, file: FileId, unit: usize, env: Option<Environment>) -> Object {
    let name = node
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .filter(|n| !n.contains("{{"))
        .unwrap_or("")
        .to_string();
    Object {
        file,
        api_version: node.get_str("apiVersion").unwrap_or("").to_string(),
        kind: node.get_str("kind").unwrap_or("").to_string(),
        name,
        namespace: node
            .at(&["metadata", "namespace"])
            .and_then(Node::as_str)
            .map(str::to_string),
        root: node.clone(),
        unit,
        env,
        opaque_patch: false,
    }
}

/// Group objects into deploy units and apply each unit's Kustomize transformations.
pub fn build(input: &KubeInput<'_>) -> KubeModel {
    let by_dir: BTreeMap<&str, &Kustomization> = input
        .kustomizations
        .iter()
        .map(|k| (k.dir.as_str(), k))
        .collect();
    let docs: BTreeMap<&str, &[&Node]> = input
        .files
        .iter()
        .map(|(_, path, _, docs)| (*path, docs.as_slice()))
        .collect();
    let resolver = Resolver {
        by_dir,
        paths: input.paths,
        docs,
    };
    // Which kustomizations are included by another: those are not roots.
    let mut included: BTreeSet<String> = BTreeSet::new();
    let mut renders: Vec<(&Kustomization, Rendered)> = Vec::new();
    for k in &input.kustomizations {
        let mut r = Rendered::default();
        resolver.render(k, &mut r, 0);
        for v in &r.visited {
            if *v != k.dir {
                included.insert(v.clone());
            }
        }
        renders.push((k, r));
    }
    let mut model = KubeModel::default();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut patch_files: BTreeSet<String> = BTreeSet::new();
    for (_, r) in &renders {
        patch_files.extend(r.patch_files.iter().cloned());
        covered.extend(r.files.iter().cloned());
    }
    // Loose unit first.
    model.units.push(Unit::default());
    for (file, path, env, docs) in &input.files {
        if covered.contains(*path) || patch_files.contains(*path) {
            continue;
        }
        for doc in docs {
            for o in objects_in(doc) {
                if is_kustomize_kind(o.get_str("kind").unwrap_or("")) {
                    continue;
                }
                model.objects.push(make_object(o, *file, 0, env.clone()));
            }
        }
    }
    for (k, r) in renders {
        if included.contains(&k.dir) {
            continue;
        }
        let env = k.env.clone();
        let unit = model.units.len();
        model.units.push(Unit {
            name: k.dir.clone(),
            env: env.clone(),
            generated: r.generated.clone(),
            images: r.images.clone(),
            name_affixes: r.name_affixes.clone(),
            generators: r.generators.clone(),
        });
        for (file, path, fenv, docs) in &input.files {
            if !r.files.contains(*path) || r.patch_files.contains(*path) {
                continue;
            }
            for doc in docs {
                for o in objects_in(doc) {
                    if is_kustomize_kind(o.get_str("kind").unwrap_or("")) {
                        continue;
                    }
                    let mut obj = make_object(o, *file, unit, env.clone().or_else(|| fenv.clone()));
                    for p in &r.patches {
                        if p.get_str("kind") == Some(obj.kind.as_str())
                            && p.at(&["metadata", "name"]).and_then(Node::as_str)
                                == Some(obj.name.as_str())
                        {
                            let mut patch = p.clone();
                            if let Value::Map(entries) = &mut patch.value {
                                entries.retain(|(k, _)| {
                                    !matches!(k.as_str(), Some("apiVersion" | "kind" | "metadata"))
                                });
                            }
                            merge(&mut obj.root, &patch);
                        }
                    }
                    for (kind, name) in &r.opaque {
                        if (kind.is_empty() || *kind == obj.kind)
                            && (name.is_empty() || *name == obj.name)
                        {
                            obj.opaque_patch = true;
                        }
                    }
                    for set in &r.labels {
                        if set.files.contains(*path) {
                            apply_labels(&mut obj.root, &obj.kind, set);
                        }
                    }
                    for (name, count) in &r.replicas {
                        if *name == obj.name
                            && let Some(spec) = spec_mut(&mut obj.root)
                        {
                            set_key(spec, "replicas", count.clone());
                        }
                    }
                    if let Some(ns) = &r.namespace {
                        obj.namespace = Some(ns.clone());
                    }
                    model.objects.push(obj);
                }
            }
        }
    }
    model
}

/// The label transformers of one kustomization: `commonLabels` (metadata, selectors and pod
/// templates) and `labels` entries (metadata; selectors with `includeSelectors: true`; pod
/// templates with `includeTemplates: true`).
fn label_sets(root: &Node, files: &BTreeSet<String>, out: &mut Vec<LabelSet>) {
    let pairs_of = |n: Option<&Node>| -> Vec<(Node, Node)> {
        n.and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .filter(|(k, v)| k.as_str().is_some() && v.as_str().is_some())
            .cloned()
            .collect()
    };
    let common = pairs_of(root.get("commonLabels"));
    if !common.is_empty() {
        out.push(LabelSet {
            pairs: common,
            selectors: true,
            templates: true,
            files: files.clone(),
        });
    }
    for item in root.get("labels").and_then(Node::as_seq).unwrap_or(&[]) {
        let pairs = pairs_of(item.get("pairs"));
        if pairs.is_empty() {
            continue;
        }
        let selectors = item.get("includeSelectors").and_then(Node::as_bool) == Some(true);
        let templates =
            selectors || item.get("includeTemplates").and_then(Node::as_bool) == Some(true);
        out.push(LabelSet {
            pairs,
            selectors,
            templates,
            files: files.clone(),
        });
    }
}

/// Apply a label transformer to one object, on the paths Kustomize's built-in field specs
/// name: `metadata.labels` always; with selectors, the selector of Services, workloads, Jobs,
/// PodDisruptionBudgets and NetworkPolicies; with templates, the pod template labels (and a
/// StatefulSet's `volumeClaimTemplates` labels). Kinds Kustomize does not know are treated as
/// workloads when they have a pod template, as a `configurations:` entry would teach it.
/// Added nodes point at the kustomization's entries.
fn apply_labels(root: &mut Node, kind: &str, set: &LabelSet) {
    let Some((anchor, _)) = set.pairs.first() else {
        return;
    };
    let anchor = anchor.clone();
    let put = |map: Option<&mut Node>| {
        if let Some(Node {
            value: Value::Map(entries),
            ..
        }) = map
        {
            for (k, v) in &set.pairs {
                match entries
                    .iter_mut()
                    .find(|(ek, _)| ek.as_str().is_some() && ek.as_str() == k.as_str())
                {
                    Some(e) => *e = (k.clone(), v.clone()),
                    None => entries.push((k.clone(), v.clone())),
                }
            }
        }
    };
    put(map_at(root, &["metadata", "labels"], true, &anchor));
    let templates = set.templates || set.selectors;
    match kind {
        "CronJob" => {
            if set.selectors {
                put(map_at(
                    root,
                    &["spec", "jobTemplate", "metadata", "labels"],
                    true,
                    &anchor,
                ));
                put(existing(root, &["spec", "jobTemplate", "spec", "selector"])
                    .and_then(|s| map_at(s, &["matchLabels"], false, &anchor)));
            }
            if templates {
                put(existing(root, &["spec", "jobTemplate", "spec", "template"])
                    .and_then(|t| map_at(t, &["metadata", "labels"], true, &anchor)));
            }
        }
        _ => {
            if set.selectors {
                let (path, create): (&[&str], bool) = match kind {
                    "Service" => (&["selector"], false),
                    "ReplicationController" => (&["selector"], true),
                    "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => {
                        (&["selector", "matchLabels"], true)
                    }
                    "PodDisruptionBudget" => (&["selector", "matchLabels"], false),
                    "NetworkPolicy" => (&["podSelector", "matchLabels"], false),
                    // Jobs and custom workloads: only a selector that is written.
                    _ => (&["selector", "matchLabels"], false),
                };
                put(existing(root, &["spec"]).and_then(|s| map_at(s, path, create, &anchor)));
            }
            if templates {
                put(existing(root, &["spec", "template"])
                    .and_then(|t| map_at(t, &["metadata", "labels"], true, &anchor)));
            }
            if set.selectors
                && kind == "StatefulSet"
                && let Some(Node {
                    value: Value::Seq(items),
                    ..
                }) = existing(root, &["spec", "volumeClaimTemplates"])
            {
                for item in items {
                    put(map_at(item, &["metadata", "labels"], true, &anchor));
                }
            }
        }
    }
}

/// The mapping at `path`, when every key on the way exists.
fn existing<'n>(node: &'n mut Node, path: &[&str]) -> Option<&'n mut Node> {
    let mut n = node;
    for key in path {
        let Value::Map(entries) = &mut n.value else {
            return None;
        };
        n = entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)?;
    }
    Some(n)
}

/// The mapping at `path`, creating missing (or empty) mappings on the way when `create` is
/// set; created nodes point at `anchor`.
fn map_at<'n>(
    node: &'n mut Node,
    path: &[&str],
    create: bool,
    anchor: &Node,
) -> Option<&'n mut Node> {
    let mut n = node;
    for key in path {
        let Value::Map(entries) = &mut n.value else {
            return None;
        };
        let empty = || Node {
            file: anchor.file,
            span: anchor.span,
            value: Value::Map(Vec::new()),
        };
        let i = match entries.iter().position(|(k, _)| k.as_str() == Some(key)) {
            Some(i) => {
                if create && entries[i].1.is_null() {
                    entries[i].1 = empty();
                }
                i
            }
            None if create => {
                entries.push((Node::scalar(anchor.file, anchor.span, key), empty()));
                entries.len() - 1
            }
            None => return None,
        };
        n = &mut entries[i].1;
    }
    n.is_map().then_some(n)
}

fn spec_mut(root: &mut Node) -> Option<&mut Node> {
    match &mut root.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some("spec"))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn set_key(map: &mut Node, key: &str, value: Node) {
    if let Value::Map(entries) = &mut map.value {
        match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
            Some((_, v)) => *v = value,
            None => {
                let k = Node::scalar(value.file, value.span, key);
                entries.push((k, value));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Typed views
// ---------------------------------------------------------------------------------------

impl Object {
    pub fn spec(&self) -> Option<&Node> {
        self.root.get("spec")
    }

    /// The pod template's spec, for any workload-like object.
    pub fn pod_spec(&self) -> Option<&Node> {
        if self.kind == "Pod" && self.api_version == "v1" {
            return self.spec();
        }
        let spec = self.spec()?;
        spec.at(&["template", "spec"])
            .or_else(|| spec.at(&["jobTemplate", "spec", "template", "spec"]))
            .filter(|s| s.is_map())
    }

    pub fn is_workload(&self) -> bool {
        self.pod_spec().is_some()
    }

    /// Pods that run to completion (Jobs, CronJobs, Argo Workflows, `restartPolicy: Never`).
    pub fn runs_to_completion(&self) -> bool {
        if matches!(
            self.kind.as_str(),
            "Job" | "CronJob" | "Workflow" | "CronWorkflow"
        ) {
            return true;
        }
        matches!(
            self.pod_spec().and_then(|s| s.get_str("restartPolicy")),
            Some("Never" | "OnFailure")
        )
    }

    /// The kinds whose pods are replaced by a rolling update of a pod template.
    pub fn is_long_running(&self) -> bool {
        self.is_workload() && !self.runs_to_completion()
    }

    /// Labels of the pods this workload creates.
    pub fn pod_labels(&self) -> BTreeMap<&str, &str> {
        let labels = if self.kind == "Pod" {
            self.root.at(&["metadata", "labels"])
        } else {
            self.spec().and_then(|s| {
                s.at(&["template", "metadata", "labels"])
                    .or_else(|| s.at(&["jobTemplate", "spec", "template", "metadata", "labels"]))
            })
        };
        string_map(labels)
    }

    /// `spec.replicas` as written: (value, node).
    pub fn replicas(&self) -> Option<(i64, &Node)> {
        let n = self.spec()?.get("replicas")?;
        n.as_int().map(|v| (v, n))
    }

    /// The replica count the workload runs with: `spec.replicas`, or 1 when absent for the
    /// kinds that default to 1.
    pub fn effective_replicas(&self) -> Option<i64> {
        match self.replicas() {
            Some((n, _)) => Some(n),
            None if self.spec().and_then(|s| s.get("replicas")).is_some() => None,
            None if matches!(
                self.kind.as_str(),
                "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController" | "Rollout"
            ) =>
            {
                Some(1)
            }
            None => None,
        }
    }

    /// The main containers (not init containers).
    pub fn containers(&self) -> Vec<&Node> {
        self.pod_spec()
            .and_then(|s| s.get("containers"))
            .and_then(Node::as_seq)
            .map(|c| c.iter().filter(|n| n.is_map()).collect())
            .unwrap_or_default()
    }

    /// Init containers, including native sidecars.
    pub fn init_containers(&self) -> Vec<&Node> {
        self.pod_spec()
            .and_then(|s| s.get("initContainers"))
            .and_then(Node::as_seq)
            .map(|c| c.iter().filter(|n| n.is_map()).collect())
            .unwrap_or_default()
    }

    /// `kind/name` for messages and commands (`deployment/api`).
    pub fn kubectl_ref(&self) -> String {
        format!("{}/{}", self.kind.to_ascii_lowercase(), self.name)
    }

    /// `-n <ns>` for commands, or "" when the object names no namespace.
    pub fn ns_flag(&self) -> String {
        match &self.namespace {
            Some(ns) => format!(" -n {ns}"),
            None => String::new(),
        }
    }

    /// The span to report an object-level problem at: its `metadata.name`, or the document.
    pub fn name_span(&self) -> (FileId, Span) {
        match self.root.at(&["metadata", "name"]) {
            Some(n) => (n.file, n.span),
            None => (self.root.file, self.root.span),
        }
    }

    /// The `kind:` value's span, for whole-object findings.
    pub fn kind_span(&self) -> (FileId, Span) {
        match self.root.get("kind") {
            Some(n) => (n.file, n.span),
            None => (self.root.file, self.root.span),
        }
    }

    pub fn has_templated_spec(&self) -> bool {
        self.spec().is_some_and(Node::is_templated)
    }
}

/// A mapping of strings (labels, selectors), skipping non-string values.
pub fn string_map(node: Option<&Node>) -> BTreeMap<&str, &str> {
    node.and_then(Node::as_map)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?, v.as_str().unwrap_or(""))))
                .collect()
        })
        .unwrap_or_default()
}

/// Labels Kubernetes adds to pods itself: a selector on them targets pods no template
/// names, so they are not compared.
pub const AUTO_LABELS: &[&str] = &[
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-revision-hash",
    "pod-template-hash",
    "job-name",
    "batch.kubernetes.io/job-name",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
];

/// Does a label selector (`matchLabels` or a plain map, plus `matchExpressions` with `In`,
/// `NotIn`, `Exists`, `DoesNotExist`) select pods with these labels? An empty selector selects
/// nothing here (for Services it means "no selector": endpoints are managed by hand).
pub fn selector_matches(selector: &Node, labels: &BTreeMap<&str, &str>) -> bool {
    let match_labels = selector.get("matchLabels").or_else(|| {
        // A Service's selector is a plain map.
        (selector.get("matchExpressions").is_none()).then_some(selector)
    });
    let required = string_map(match_labels);
    let exprs = selector
        .get("matchExpressions")
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    if required.is_empty() && exprs.is_empty() {
        return false;
    }
    if !required.is_empty() && required.keys().all(|k| AUTO_LABELS.contains(k)) && exprs.is_empty()
    {
        return false;
    }
    for (k, v) in &required {
        if AUTO_LABELS.contains(k) {
            continue;
        }
        if labels.get(k) != Some(v) {
            return false;
        }
    }
    for e in exprs {
        let Some(key) = e.get_str("key") else {
            continue;
        };
        let values: Vec<&str> = e
            .get("values")
            .and_then(Node::as_seq)
            .map(|v| v.iter().filter_map(Node::as_str).collect())
            .unwrap_or_default();
        let have = labels.get(key);
        let ok = match e.get_str("operator") {
            Some("In") => have.is_some_and(|h| values.contains(h)),
            Some("NotIn") => have.is_none_or(|h| !values.contains(h)),
            Some("Exists") => have.is_some(),
            Some("DoesNotExist") => have.is_none(),
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Two namespaces can hold objects that see each other: equal, or one unspecified (it lands
/// wherever `kubectl apply -n` puts it).
pub fn same_namespace(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// A quantity in the Kubernetes sense is set (`memory: 128Mi`); templated values count.
pub fn has_quantity(resources: Option<&Node>, section: &str, name: &str) -> bool {
    resources
        .and_then(|r| r.get(section))
        .and_then(|s| s.get(name))
        .is_some_and(|q| !q.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse;

    fn doc(text: &str) -> Node {
        parse(text, FileId(0)).docs.remove(0).root
    }

    #[test]
    fn strategic_merge_by_name() {
        let mut base = doc(
            "spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: a:1\n      - name: side\n        image: s:1\n",
        );
        let patch = doc(
            "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: app\n        resources:\n          limits:\n            memory: 1Gi\n      - name: side\n        $patch: delete\n",
        );
        merge(&mut base, &patch);
        assert_eq!(base.at(&["spec", "replicas"]).unwrap().as_int(), Some(3));
        let cs = base
            .at(&["spec", "template", "spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].get_str("image"), Some("a:1"));
        assert!(cs[0].at(&["resources", "limits", "memory"]).is_some());
    }

    #[test]
    fn selectors() {
        let sel = doc(
            "matchLabels:\n  app: web\nmatchExpressions:\n- key: tier\n  operator: In\n  values: [front]\n",
        );
        let mut labels = BTreeMap::new();
        labels.insert("app", "web");
        assert!(!selector_matches(&sel, &labels));
        labels.insert("tier", "front");
        assert!(selector_matches(&sel, &labels));
        let svc = doc("app: web\n");
        assert!(selector_matches(&svc, &labels));
    }

    #[test]
    fn label_transformers_reach_selectors_and_templates() {
        let deploy = parse(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers: []\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n",
            FileId(0),
        );
        let kust = |text: &str| Kustomization {
            file: FileId(1),
            dir: "k".into(),
            root: parse(text, FileId(1)).docs.remove(0).root,
            env: None,
        };
        let paths: BTreeSet<String> = ["k/deploy.yaml".to_string()].into();
        let docs: Vec<&Node> = deploy.docs.iter().map(|d| &d.root).collect();
        let render = |k: Kustomization| {
            build(&KubeInput {
                files: vec![(FileId(0), "k/deploy.yaml", None, docs.clone())],
                kustomizations: vec![k],
                paths: &paths,
            })
        };
        let m = render(kust(
            "resources: [deploy.yaml]\ncommonLabels:\n  team: shop\n",
        ));
        let d = &m.objects[0];
        let sel = d
            .root
            .at(&["spec", "selector", "matchLabels", "team"])
            .unwrap();
        assert_eq!(sel.as_str(), Some("shop"));
        assert_eq!(sel.file, FileId(1));
        assert_eq!(d.pod_labels().get("team"), Some(&"shop"));
        let svc = &m.objects[1];
        assert_eq!(
            svc.root
                .at(&["spec", "selector", "team"])
                .and_then(Node::as_str),
            Some("shop")
        );
        // `labels` without includeSelectors: metadata only.
        let m = render(kust(
            "resources: [deploy.yaml]\nlabels:\n- pairs:\n    team: shop\n",
        ));
        let d = &m.objects[0];
        assert!(
            d.root
                .at(&["spec", "selector", "matchLabels", "team"])
                .is_none()
        );
        assert!(!d.pod_labels().contains_key("team"));
        assert!(d.root.at(&["metadata", "labels", "team"]).is_some());
        let m = render(kust(
            "resources: [deploy.yaml]\nlabels:\n- pairs:\n    team: shop\n  includeTemplates: true\n",
        ));
        assert_eq!(m.objects[0].pod_labels().get("team"), Some(&"shop"));
        assert!(
            m.objects[0]
                .root
                .at(&["spec", "selector", "matchLabels", "team"])
                .is_none()
        );
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize("a/b/../../c/./d").as_deref(), Some("c/d"));
        assert_eq!(normalize("../x"), None);
        assert_eq!(
            join("k/overlays/prod", "../../base").as_deref(),
            Some("k/base")
        );
    }
}
