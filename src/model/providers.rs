//! What the manifests give each process: the env model's providers beyond env files.
//!
//! From the [`Manifests`] model the manifest stage built (nothing is parsed again):
//!
//! - compose services: `environment` (mapping and list forms), `env_file` (resolved to the
//!   env files in the repository), `build.args` (the build only); a compose file whose name
//!   names no environment is the base of those in its folder that do
//!   (`docker-compose.yml` under `docker-compose.prod.yml`);
//! - Kubernetes containers of every deploy unit (so `overlays/production` provides what its
//!   rendered objects provide): `env` entries, and `envFrom` resolved through the ConfigMaps,
//!   Secrets, SealedSecrets, ExternalSecrets and Kustomize generators of the same unit;
//! - Helm values: `env`, `extraEnv`, `extraEnvVars`, `envVars` lists and mappings, per
//!   component; `values.yaml` is the base of `values-<env>.yaml` beside it;
//! - Dockerfiles: `ENV` (the running image) and `ARG` (the build), for every environment that
//!   runs the code of the Dockerfile's folder.
//!
//! Each process becomes a [`DeployTarget`] tied to the folder of the code it runs: a compose
//! `build` context (or the folder of its Dockerfile), or, for an image reference, the compose
//! service that builds that image, the folder with a Dockerfile named like the image's last
//! path segment (`ghcr.io/acme/shop/order-service` → `src/order-service/`), or a Dockerfile at
//! the root when the image is named like the scanned folder. A process forecast cannot tie to
//! code still counts for secrets and for E402, and judges no read.
//!
//! What cannot be seen makes an environment open: an `env_file` or an `envFrom` object that
//! is not in the repository, a patch forecast cannot apply, a Helm chart (its templates set
//! variables forecast does not render). Values under secret-like names and every secret are
//! masked; secrets are recorded for E401.

use std::collections::{BTreeMap, BTreeSet};

use crate::classify::environment::{Classifier, Environment as EnvName};
use crate::classify::parent_dir;
use crate::model::env::{
    ConfigUse, DeployTarget, EnvModelBuilder, FileId, ObjectKind, Opening, Provision,
    ProvisionKind, ServedFrom,
};
use crate::model::kube::{self, Generator, Object, same_namespace};
use crate::model::manifests::{Manifests, Role};
use crate::parse::compose;
use crate::parse::dockerfile::{self, image_ref};
use crate::parse::dotenv::EnvFile;
use crate::parse::yaml::{self, Node, Value};
use crate::span::Span;

/// What the providers read besides the manifests.
pub struct Inputs<'a> {
    pub manifests: &'a Manifests,
    /// Every env file of the repository, parsed, by path.
    pub env_files: &'a BTreeMap<String, EnvFile>,
    pub classifier: &'a Classifier,
    /// The scanned folder's own name, to tie a root Dockerfile to an image named like it.
    pub root_name: Option<&'a str>,
    /// Files that document the contract or hold fixtures (placeholders expected).
    pub documented: &'a dyn Fn(&str) -> bool,
    /// What each Helm chart's templates set, by chart folder ([`chart_env`]).
    pub charts: &'a BTreeMap<String, ChartEnv>,
}

/// Push every deploy target, Dockerfile provision, manifest secret and mask into `b`.
pub fn collect(i: &Inputs<'_>, b: &mut EnvModelBuilder) {
    let links = Links::build(i);
    dockerfiles(i, &links, b);
    compose_targets(i, &links, b);
    kubernetes_targets(i, &links, b);
    helm_targets(i, &links, b);
    config_objects(i, b);
}

/// `a/b` joined with `../c`, normalised; `None` above the root.
fn join(dir: &str, rel: &str) -> Option<String> {
    let rel = rel.trim();
    if dir.is_empty() {
        kube::normalize(rel)
    } else {
        kube::normalize(&format!("{dir}/{rel}"))
    }
}

/// `Order_Service` → `orderservice`: names compared across images, folders and services.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn templated(s: &str) -> bool {
    s.contains("{{") || s.contains("${") || s.contains('$')
}

/// Where the code a process runs lives.
struct Links {
    /// Image repository → code folder (compose services that build the image).
    by_repo: BTreeMap<String, String>,
    /// Normalised folder name of a Dockerfile → its folder; `None` when two share a name.
    by_name: BTreeMap<String, Option<String>>,
    /// The words of the scanned folder's name, when a Dockerfile sits at its root: an image
    /// named like one of them (`acme/shop` in `acme-shop/`) is built there.
    root_words: Vec<String>,
}

/// The values of the `.env` beside a compose file: what compose interpolates `${VAR}` with.
fn compose_vars(i: &Inputs<'_>, dir: &str) -> BTreeMap<String, String> {
    let path = if dir.is_empty() {
        ".env".to_string()
    } else {
        format!("{dir}/.env")
    };
    i.env_files
        .get(&path)
        .map(|f| {
            f.entries
                .iter()
                .filter_map(|e| Some((e.key.clone(), e.value.clone()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$VAR` replaced from `vars`; `None` when
/// a variable has neither a value nor a default.
fn interpolate(s: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}')?;
            let inner = &body[..end];
            let (name, default) = match inner.find([':', '-']) {
                Some(p) => {
                    let d = inner[p..].trim_start_matches(':');
                    (&inner[..p], d.strip_prefix('-'))
                }
                None => (inner, None),
            };
            out.push_str(
                vars.get(name)
                    .filter(|v| !v.is_empty())
                    .map(String::as_str)
                    .or(default)?,
            );
            rest = &body[end + 1..];
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if n == 0 {
                return None;
            }
            out.push_str(vars.get(&after[..n])?);
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    Some(out)
}

impl Links {
    fn build(i: &Inputs<'_>) -> Links {
        let mut by_name: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut add = |key: String, dir: &str| {
            if key.is_empty() {
                return;
            }
            by_name
                .entry(key)
                .and_modify(|d| {
                    if d.as_deref() != Some(dir) {
                        *d = None;
                    }
                })
                .or_insert_with(|| Some(dir.to_string()));
        };
        let mut root_dockerfile = false;
        for (_, f) in i.manifests.with_role(Role::Dockerfile) {
            let dir = f.dir();
            let name = f.source.file_name().to_ascii_lowercase();
            // `api.Dockerfile` names the image; `Dockerfile`, `Dockerfile.prod` the folder.
            let key = match name.strip_suffix(".dockerfile") {
                Some(stem) if !stem.is_empty() => norm(stem),
                _ => norm(dir.rsplit('/').next().unwrap_or(dir)),
            };
            if dir.is_empty() && !name.ends_with(".dockerfile") {
                root_dockerfile = true;
            } else {
                add(key, dir);
            }
        }
        let root_words = match (root_dockerfile, i.root_name) {
            (true, Some(root)) => root
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.len() >= 2)
                .map(norm)
                .chain(std::iter::once(norm(root)))
                .collect(),
            _ => Vec::new(),
        };
        let mut by_repo = BTreeMap::new();
        for (_, f) in i.manifests.with_role(Role::Compose) {
            let Some(doc) = f.docs().next() else { continue };
            let vars = compose_vars(i, f.dir());
            for s in compose::services(doc) {
                if let (Some(scope), Some(image)) = (build_scope(f.dir(), &s, &vars), s.image_str())
                    && !templated(image)
                {
                    by_repo
                        .entry(image_ref(image).repository.to_string())
                        .or_insert(scope);
                }
            }
        }
        Links {
            by_repo,
            by_name,
            root_words,
        }
    }

    /// The code folder of the image `image` runs, if forecast can tell.
    fn scope_for_image(&self, image: &str) -> Option<String> {
        if image.is_empty() || templated(image) {
            return None;
        }
        let repo = image_ref(image).repository;
        if let Some(s) = self.by_repo.get(repo) {
            return Some(s.clone());
        }
        let last = norm(repo.rsplit('/').next().unwrap_or(repo));
        if let Some(found) = self.by_name.get(&last) {
            return found.clone();
        }
        self.root_words.contains(&last).then(String::new)
    }
}

/// The code folder a compose service builds: its `build` context, or the folder of its
/// Dockerfile when that sits inside the context (`context: .`,
/// `dockerfile: src/checkout/Dockerfile`).
fn build_scope(
    compose_dir: &str,
    s: &compose::Service<'_>,
    vars: &BTreeMap<String, String>,
) -> Option<String> {
    let (ctx, dockerfile) = s.build_paths()?;
    let ctx = interpolate(&ctx, vars)?;
    if ctx.contains("://") {
        return None;
    }
    let ctx = join(compose_dir, &ctx)?;
    if let Some(df) = dockerfile.and_then(|d| interpolate(&d, vars))
        && let Some(df) = join(&ctx, &df)
    {
        let dir = parent_dir(&df);
        if dir != ctx && (ctx.is_empty() || dir.starts_with(&format!("{ctx}/"))) {
            return Some(dir.to_string());
        }
    }
    Some(ctx)
}

/// The env model's id of a manifest file.
fn fid(i: &Inputs<'_>, b: &mut EnvModelBuilder, file: yaml::FileId) -> FileId {
    let path = i
        .manifests
        .file(file)
        .map(|f| f.path().to_string())
        .unwrap_or_default();
    b.file(&path)
}

/// Dockerfile `ENV` (final stage: build and runtime; earlier stages: their build) and `ARG`.
fn dockerfiles(i: &Inputs<'_>, links: &Links, b: &mut EnvModelBuilder) {
    let _ = links;
    for (id, f) in i.manifests.with_role(Role::Dockerfile) {
        let Some(df) = &f.dockerfile else { continue };
        let scope = f.dir().to_string();
        let documented = (i.documented)(f.path());
        let last = df.stages.len().saturating_sub(1);
        let stage_of = |idx: usize| df.stages.iter().rposition(|s| s.from_index <= idx);
        let file = fid(i, b, id);
        for (idx, inst) in df.instructions.iter().enumerate() {
            if inst.keyword != "ENV" && inst.keyword != "ARG" {
                continue;
            }
            let runtime = inst.keyword == "ENV" && stage_of(idx) == Some(last);
            let kind = if runtime {
                ProvisionKind::DockerfileEnv
            } else {
                ProvisionKind::DockerfileArg
            };
            for a in dockerfile::assignments(&f.source.text, inst) {
                b.always(&scope, Provision::new(&a.key, file, a.key_span, kind));
                if let Some((v, span)) = &a.value {
                    b.value_in(
                        file,
                        &a.key,
                        a.key_span,
                        v,
                        *span,
                        documented,
                        Some(format!("Dockerfile `{}`", inst.keyword)),
                    );
                }
            }
        }
    }
}

/// A compose service's target in one compose file.
struct ComposeService {
    dir: String,
    name: String,
    env: Option<EnvName>,
    target: DeployTarget,
}

fn compose_targets(i: &Inputs<'_>, links: &Links, b: &mut EnvModelBuilder) {
    let mut found: Vec<ComposeService> = Vec::new();
    // The code folder and image of each service name per folder, from the files that build
    // it.
    let mut built: BTreeMap<(String, String), (String, Option<String>)> = BTreeMap::new();
    for (id, f) in i.manifests.with_role(Role::Compose) {
        let Some(doc) = f.docs().next() else { continue };
        let dir = f.dir().to_string();
        let env = i.classifier.classify(f.path());
        let text = &f.source.text;
        let file = fid(i, b, id);
        let documented = (i.documented)(f.path());
        let vars = compose_vars(i, &dir);
        for s in compose::services(doc) {
            let scope = build_scope(&dir, &s, &vars)
                .or_else(|| s.image_str().and_then(|img| links.scope_for_image(img)));
            if let Some(sc) = &scope {
                let image = s.image_str().filter(|i| !templated(i)).map(str::to_string);
                built
                    .entry((dir.clone(), s.name.to_string()))
                    .or_insert((sc.clone(), image));
            }
            let holder = format!("compose service `{}`", s.name);
            let mut provisions = Vec::new();
            let mut openings = Vec::new();
            for block in &s.environment {
                for e in compose::env_entries(block, text) {
                    provisions.push(Provision::new(
                        &e.name,
                        file,
                        e.name_span,
                        ProvisionKind::ComposeEnvironment,
                    ));
                    if let Some((v, span)) = &e.value {
                        b.value_in(
                            file,
                            &e.name,
                            e.name_span,
                            v,
                            *span,
                            documented,
                            Some(holder.clone()),
                        );
                    }
                }
            }
            if let Some(args) = s.build.and_then(|bn| bn.get("args")) {
                for e in compose::env_entries(args, text) {
                    provisions.push(Provision::new(
                        &e.name,
                        file,
                        e.name_span,
                        ProvisionKind::ComposeBuildArg,
                    ));
                }
            }
            for n in &s.env_file_nodes {
                let Some(rel) = n.as_str().or_else(|| n.get_str("path")) else {
                    continue;
                };
                let resolved = (!templated(rel)).then(|| join(&dir, rel)).flatten();
                match resolved
                    .as_deref()
                    .and_then(|p| i.env_files.get(p).map(|e| (p, e)))
                {
                    Some((path, parsed)) => {
                        let ef = b.file(path);
                        provisions.extend(parsed.entries.iter().map(|e| {
                            Provision::new(&e.key, ef, e.key_span, ProvisionKind::ComposeEnvFile)
                        }));
                    }
                    None => openings.push(Opening {
                        file,
                        span: n.span,
                        what: format!("`env_file` names `{rel}`, which is not in the repository"),
                    }),
                }
            }
            let (anchor, hint) = match s.node.entry("environment") {
                Some((k, _)) => (k.span, "its `environment:`"),
                None => (s.key.span, "an `environment:` block"),
            };
            let image = s.image_str().filter(|i| !templated(i)).map(str::to_string);
            found.push(ComposeService {
                dir: dir.clone(),
                name: s.name.to_string(),
                env: env.clone(),
                target: DeployTarget {
                    env: env.clone(),
                    label: format!("compose service `{}`", s.name),
                    identity: format!("compose:{dir}:{}", s.name),
                    scope,
                    provisions,
                    openings,
                    anchor: (file, anchor),
                    hint: hint.to_string(),
                    overlay: None,
                    image,
                    uses: Vec::new(),
                },
            });
        }
    }
    // An overlay that only overrides `environment:` runs the code its base builds.
    for s in &mut found {
        if let Some((scope, image)) = built.get(&(s.dir.clone(), s.name.clone())) {
            s.target.scope.get_or_insert_with(|| scope.clone());
            if s.target.image.is_none() {
                s.target.image = image.clone();
            }
        }
    }
    // A compose file that names no environment is the base of those beside it that do.
    let named: BTreeMap<String, BTreeSet<EnvName>> =
        found.iter().fold(BTreeMap::new(), |mut m, s| {
            if let Some(e) = &s.env {
                m.entry(s.dir.clone()).or_default().insert(e.clone());
            }
            m
        });
    let mut copies = Vec::new();
    for s in &found {
        if s.env.is_some() {
            continue;
        }
        for env in named.get(&s.dir).into_iter().flatten() {
            let mut t = s.target.clone();
            t.env = Some(env.clone());
            // A missing variable belongs in the overlay when the overlay has the service.
            if let Some(o) = found
                .iter()
                .find(|o| o.dir == s.dir && o.name == s.name && o.env.as_ref() == Some(env))
            {
                t.anchor = o.target.anchor;
                t.hint = o.target.hint.clone();
            }
            copies.push(t);
        }
    }
    for s in found {
        b.add_target(s.target);
    }
    for t in copies {
        b.add_target(t);
    }
}

/// ConfigMaps, Secrets and the objects that create Secrets, by (unit, kind served, name).
struct ConfigObjects<'a> {
    by_name: BTreeMap<(usize, ObjectKind, &'a str), Vec<&'a Object>>,
}

impl<'a> ConfigObjects<'a> {
    fn build(m: &'a Manifests) -> ConfigObjects<'a> {
        let mut by_name: BTreeMap<(usize, ObjectKind, &'a str), Vec<&'a Object>> = BTreeMap::new();
        for o in &m.kube.objects {
            let served = match o.kind.as_str() {
                "ConfigMap" => Some((ObjectKind::ConfigMap, o.name.as_str())),
                "Secret" => Some((ObjectKind::Secret, o.name.as_str())),
                "SealedSecret" => Some((
                    ObjectKind::Secret,
                    o.root
                        .at(&["spec", "template", "metadata", "name"])
                        .and_then(Node::as_str)
                        .unwrap_or(o.name.as_str()),
                )),
                "ExternalSecret" => Some((
                    ObjectKind::Secret,
                    o.spec()
                        .and_then(|s| s.at(&["target", "name"]))
                        .and_then(Node::as_str)
                        .unwrap_or(o.name.as_str()),
                )),
                _ => None,
            };
            if let Some((kind, name)) = served
                && !name.is_empty()
            {
                by_name.entry((o.unit, kind, name)).or_default().push(o);
            }
        }
        ConfigObjects { by_name }
    }

    fn find(&self, unit: usize, kind: ObjectKind, name: &str, from: &Object) -> Vec<&'a Object> {
        self.by_name
            .get(&(unit, kind, name))
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|o| same_namespace(&o.namespace, &from.namespace))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The keys an object serves to `envFrom`, with the node of each key; `None` when they
/// cannot be known (an ExternalSecret with `dataFrom`).
fn keys_of(n: Option<&Node>) -> Vec<(&str, &Node)> {
    n.and_then(Node::as_map)
        .map(|e| {
            e.iter()
                .filter_map(|(k, _)| Some((k.as_str()?, k)))
                .collect()
        })
        .unwrap_or_default()
}

fn object_keys(o: &Object) -> Option<Vec<(&str, &Node)>> {
    Some(match o.kind.as_str() {
        "ConfigMap" => {
            let mut k = keys_of(o.root.get("data"));
            k.extend(keys_of(o.root.get("binaryData")));
            k
        }
        "Secret" => {
            let mut k = keys_of(o.root.get("data"));
            k.extend(keys_of(o.root.get("stringData")));
            k
        }
        "SealedSecret" => keys_of(o.spec().and_then(|s| s.get("encryptedData"))),
        "ExternalSecret" => {
            let spec = o.spec()?;
            if spec.get("dataFrom").is_some() {
                return None;
            }
            spec.get("data")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|d| {
                    let n = d.get("secretKey")?;
                    Some((n.as_str()?, n))
                })
                .collect()
        }
        _ => Vec::new(),
    })
}

/// The keys of the generators named `name` in a unit: (key, file, span); `None` when an
/// `envs:` file is not in the repository.
fn generator_keys(
    i: &Inputs<'_>,
    b: &mut EnvModelBuilder,
    gens: &[&Generator],
) -> Option<Vec<(String, FileId, Span)>> {
    let mut out = Vec::new();
    for g in gens {
        for (key, n) in g.literals.iter().chain(g.files.iter()) {
            let f = fid(i, b, n.file);
            out.push((key.clone(), f, n.span));
        }
        for (path, _) in &g.env_files {
            let parsed = i.env_files.get(path)?;
            let f = b.file(path);
            out.extend(
                parsed
                    .entries
                    .iter()
                    .map(|e| (e.key.clone(), f, e.key_span)),
            );
        }
    }
    Some(out)
}

fn kubernetes_targets(i: &Inputs<'_>, links: &Links, b: &mut EnvModelBuilder) {
    let m = i.manifests;
    let objects = ConfigObjects::build(m);
    for o in &m.kube.objects {
        if !o.is_workload() {
            continue;
        }
        let unit = m.kube.units.get(o.unit);
        let uses = config_uses(i, b, &objects, o);
        let mut containers = o.containers();
        containers.extend(o.init_containers());
        for c in containers {
            let cname = c.get_str("name").unwrap_or("(unnamed)");
            let image = c.get_str("image").unwrap_or("");
            // A Kustomize `images:` override may rename the image.
            let renamed = unit
                .and_then(|u| u.images.get(image_ref(image).repository))
                .and_then(|o| o.new_name.clone());
            let scope = links
                .scope_for_image(image)
                .or_else(|| renamed.as_deref().and_then(|r| links.scope_for_image(r)));
            let mut provisions = Vec::new();
            let mut openings = Vec::new();
            let holder = format!("`{}`", o.kubectl_ref());
            let documented = m.file(o.file).is_some_and(|f| (i.documented)(f.path()));
            if o.opaque_patch {
                let f = fid(i, b, o.file);
                let (_, span) = o.name_span();
                openings.push(Opening {
                    file: f,
                    span,
                    what: format!(
                        "a JSON patch forecast does not apply changes `{}`",
                        o.kubectl_ref()
                    ),
                });
            }
            for e in c.get("env").and_then(Node::as_seq).unwrap_or(&[]) {
                let Some(n) = e.get("name") else { continue };
                let Some(name) = n.as_str() else { continue };
                if templated(name) {
                    let f = fid(i, b, n.file);
                    openings.push(Opening {
                        file: f,
                        span: n.span,
                        what: "a templated variable name".into(),
                    });
                    continue;
                }
                let f = fid(i, b, n.file);
                let mut p = Provision::new(name, f, n.span, ProvisionKind::KubernetesEnv);
                for (key, kind) in [
                    ("configMapKeyRef", ObjectKind::ConfigMap),
                    ("secretKeyRef", ObjectKind::Secret),
                ] {
                    let Some(r) = e.at(&["valueFrom", key]) else {
                        continue;
                    };
                    let Some(obj) = r.get_str("name") else {
                        continue;
                    };
                    let data_key = r.get_str("key").unwrap_or("");
                    // Point at the key in the object when it is in the repository.
                    let at = objects
                        .find(o.unit, kind, obj, o)
                        .into_iter()
                        .find_map(|x| {
                            object_keys(x)?
                                .into_iter()
                                .find(|(k, _)| *k == data_key)
                                .map(|(_, node)| (node.file, node.span))
                        })
                        .unwrap_or_else(|| {
                            let at = r.get("name").unwrap_or(r);
                            (at.file, at.span)
                        });
                    let file = fid(i, b, at.0);
                    p.from = Some(ServedFrom {
                        kind,
                        object: obj.to_string(),
                        file,
                        span: at.1,
                    });
                }
                if let Some(v) = e.get("value")
                    && let Some(text) = v.as_str()
                {
                    let vf = fid(i, b, v.file);
                    let span = quoted_inner(m, v);
                    b.value_in(
                        vf,
                        name,
                        n.span,
                        text,
                        span,
                        documented,
                        Some(holder.clone()),
                    );
                }
                provisions.push(p);
            }
            for e in c.get("envFrom").and_then(Node::as_seq).unwrap_or(&[]) {
                let prefix = e.get_str("prefix").unwrap_or("");
                for (key, kind) in [
                    ("configMapRef", ObjectKind::ConfigMap),
                    ("secretRef", ObjectKind::Secret),
                ] {
                    let Some(r) = e.get(key) else { continue };
                    let Some(nn) = r.get("name") else { continue };
                    let Some(obj) = nn.as_str() else { continue };
                    let ref_file = fid(i, b, nn.file);
                    let found = objects.find(o.unit, kind, obj, o);
                    let mut known = !found.is_empty();
                    for x in &found {
                        match object_keys(x) {
                            Some(keys) => {
                                for (k, node) in keys {
                                    let f = fid(i, b, node.file);
                                    let mut p = Provision::new(
                                        &format!("{prefix}{k}"),
                                        f,
                                        node.span,
                                        ProvisionKind::KubernetesEnvFrom,
                                    );
                                    p.from = Some(ServedFrom {
                                        kind,
                                        object: obj.to_string(),
                                        file: f,
                                        span: node.span,
                                    });
                                    provisions.push(p);
                                }
                            }
                            None => known = false,
                        }
                    }
                    if found.is_empty()
                        && let Some(u) = unit
                    {
                        let gens: Vec<&Generator> = u
                            .generators
                            .iter()
                            .filter(|g| g.kind == kind.as_str() && g.name == obj)
                            .collect();
                        if !gens.is_empty() {
                            match generator_keys(i, b, &gens) {
                                Some(keys) => {
                                    known = true;
                                    for (k, f, span) in keys {
                                        let mut p = Provision::new(
                                            &format!("{prefix}{k}"),
                                            f,
                                            span,
                                            ProvisionKind::KubernetesEnvFrom,
                                        );
                                        p.from = Some(ServedFrom {
                                            kind,
                                            object: obj.to_string(),
                                            file: f,
                                            span,
                                        });
                                        provisions.push(p);
                                    }
                                }
                                None => known = false,
                            }
                        }
                    }
                    if !known {
                        openings.push(Opening {
                            file: ref_file,
                            span: nn.span,
                            what: format!(
                                "`envFrom` names {} `{obj}`, whose keys are not in the repository",
                                kind.as_str()
                            ),
                        });
                    }
                }
            }
            let (anchor_node, hint) = match c.entry("env") {
                Some((k, _)) => (k, "the container's `env:`".to_string()),
                None => match c.entry("name") {
                    Some((k, _)) => (k, "an `env:` list of the container".to_string()),
                    None => (c, "an `env:` list of the container".to_string()),
                },
            };
            // Rendered by an overlay from a base: the overlay is where one environment's
            // variable usually goes.
            let overlay = unit
                .filter(|u| !u.name.is_empty())
                .filter(|u| {
                    m.file(anchor_node.file)
                        .is_some_and(|f| !f.path().starts_with(&format!("{}/", u.name)))
                })
                .map(|u| u.name.clone());
            let anchor = (fid(i, b, anchor_node.file), anchor_node.span);
            let ns = o
                .namespace
                .as_deref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default();
            b.add_target(DeployTarget {
                env: o.env.clone(),
                label: format!("`{}` (container `{cname}`)", o.kubectl_ref()),
                identity: format!("k8s:{ns}{}:{cname}", o.kubectl_ref()),
                scope,
                provisions,
                openings,
                anchor,
                hint,
                overlay,
                image: (!image.is_empty() && !templated(image)).then(|| image.to_string()),
                uses: uses.clone(),
            });
        }
    }
}

/// The ConfigMaps and Secrets a workload uses, and whether a change to each rolls its pods.
fn config_uses(
    i: &Inputs<'_>,
    b: &mut EnvModelBuilder,
    objects: &ConfigObjects<'_>,
    o: &Object,
) -> Vec<ConfigUse> {
    let annotations = |n: Option<&Node>| -> Vec<(String, String)> {
        n.and_then(Node::as_map)
            .map(|e| {
                e.iter()
                    .filter_map(|(k, v)| {
                        Some((
                            k.as_str()?.to_string(),
                            v.as_str().unwrap_or("").to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let workload = annotations(o.root.at(&["metadata", "annotations"]));
    let pod = annotations(
        o.spec()
            .and_then(|s| s.at(&["template", "metadata", "annotations"])),
    );
    let has = |list: &[(String, String)], key: &str, value: &str| {
        list.iter().any(|(k, v)| k == key && v == value)
    };
    let names_it = |key: &str, name: &str| {
        workload
            .iter()
            .any(|(k, v)| k == key && v.split(',').any(|n| n.trim() == name))
    };
    let checksum = pod.iter().any(|(k, _)| k.starts_with("checksum/"));
    let reloader_auto = has(&workload, "reloader.stakater.com/auto", "true");
    let wave = has(&workload, "wave.pusher.com/update-on-config-change", "true");
    let unit = i.manifests.kube.units.get(o.unit);
    let mut out = Vec::new();
    for r in crate::model::graph::config_refs(o) {
        let kind = if r.kind == "Secret" {
            ObjectKind::Secret
        } else {
            ObjectKind::ConfigMap
        };
        let generator = unit.and_then(|u| {
            u.generators
                .iter()
                .find(|g| g.kind == r.kind && g.name == r.name)
        });
        let mut defined_in: Vec<FileId> = objects
            .find(o.unit, kind, r.name, o)
            .iter()
            .map(|x| fid(i, b, x.file))
            .collect();
        if let Some(g) = generator {
            defined_in.push(fid(i, b, g.file));
        }
        defined_in.sort_unstable();
        defined_in.dedup();
        let reload_key = if kind == ObjectKind::Secret {
            "secret.reloader.stakater.com/reload"
        } else {
            "configmap.reloader.stakater.com/reload"
        };
        let rolls = if generator.is_some_and(|g| g.hashed) {
            Some("Kustomize appends a hash of its content to the name")
        } else if checksum {
            Some("a `checksum/` annotation on the pod template")
        } else if reloader_auto || names_it(reload_key, r.name) {
            Some("a Reloader annotation")
        } else if wave {
            Some("a Wave annotation")
        } else {
            None
        };
        out.push(ConfigUse {
            kind,
            object: r.name.to_string(),
            file: fid(i, b, r.node.file),
            span: r.node.span,
            via: r.via,
            defined_in,
            rolls,
        });
    }
    out
}

/// The span of a scalar's text without its quotes.
fn quoted_inner(m: &Manifests, n: &Node) -> Span {
    let text = m.file(n.file).map(|f| f.source.text.as_str()).unwrap_or("");
    let s = n.span.slice(text);
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return Span::new(n.span.start + 1, n.span.end - 1);
        }
    }
    n.span
}

/// Keys of Helm values that hold a container's environment.
const HELM_ENV_KEYS: &[&str] = &["env", "extraEnv", "extraEnvVars", "envVars", "environment"];
const HELM_ENV_FROM_KEYS: &[&str] = &[
    "envFrom",
    "extraEnvFrom",
    "extraEnvVarsSecret",
    "extraEnvVarsCM",
];

/// What a chart's templates (read as text, not rendered) say about the environment they
/// give containers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartEnv {
    /// Literal variable names the templates set (`- name: DATABASE_URL`): (name, template
    /// path, span of the name).
    pub names: Vec<(String, String, Span)>,
    /// Why the templates may set variables forecast cannot name (`envFrom`, a templated
    /// name), with where.
    pub open: Option<(String, Span, String)>,
}

/// Read a chart's templates: the variable names they set literally, and whether they may
/// set others. `templates` are (path, text).
pub fn chart_env(templates: &[(String, String)]) -> ChartEnv {
    let mut out = ChartEnv::default();
    for (path, text) in templates {
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let start = at;
            at += line.len();
            let t = line.trim();
            if out.open.is_none() {
                if let Some(i) = line.find("envFrom") {
                    out.open = Some((
                        path.clone(),
                        Span::new(start + i, start + i + "envFrom".len()),
                        format!("the chart's template `{path}` takes `envFrom`"),
                    ));
                    continue;
                }
                let name_value = t
                    .strip_prefix("- ")
                    .unwrap_or(t)
                    .trim_start()
                    .strip_prefix("name:")
                    .map(str::trim);
                if let Some(v) = name_value
                    && v.trim_start_matches(['"', '\'']).starts_with("{{")
                    && (line.contains("$key") || line.contains(".name") || line.contains("| upper"))
                {
                    let i = line.find("name:").unwrap_or(0);
                    out.open = Some((
                        path.clone(),
                        Span::new(start + i, start + line.trim_end().len()),
                        format!("the chart's template `{path}` names variables from values"),
                    ));
                    continue;
                }
            }
            // `- name: DATABASE_URL`: upper-case names are variables (containers, ports and
            // volumes are lower-case DNS names).
            let Some(rest) = t
                .strip_prefix("- name:")
                .or_else(|| t.strip_prefix("name:"))
            else {
                continue;
            };
            let v = rest.trim().trim_matches(['"', '\'']);
            if !v.is_empty()
                && v.bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
                && v.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && let Some(i) = line.find(v)
            {
                out.names.push((
                    v.to_string(),
                    path.clone(),
                    Span::new(start + i, start + i + v.len()),
                ));
            }
        }
    }
    out
}

/// One component of a values file: a mapping with an environment or an image.
struct HelmComponent<'a> {
    /// Dotted path of the mapping (`""` at the top, `api`, `workers.email`).
    path: String,
    node: &'a Node,
    image: Option<String>,
}

/// The image a values mapping names: `image: repo:tag`, or `image: {repository, tag}`.
fn values_image(node: &Node) -> Option<String> {
    let img = node.get("image")?;
    if let Some(s) = img.as_str() {
        return Some(s.to_string());
    }
    let repo = img.get_str("repository").or_else(|| img.get_str("name"))?;
    Some(match img.get_str("registry") {
        Some(reg) if !reg.is_empty() => format!("{reg}/{repo}"),
        _ => repo.to_string(),
    })
}

/// Mappings of a values tree with an env key or an image, with the image that applies.
fn helm_components<'a>(
    node: &'a Node,
    path: &str,
    image: Option<String>,
    depth: usize,
    out: &mut Vec<HelmComponent<'a>>,
) {
    let Some(entries) = node.as_map() else { return };
    let own = values_image(node);
    let has_env = entries.iter().any(|(k, v)| {
        k.as_str()
            .is_some_and(|k| HELM_ENV_KEYS.contains(&k) || HELM_ENV_FROM_KEYS.contains(&k))
            && !v.is_null()
    });
    let image = own.clone().or(image);
    if has_env || own.is_some() {
        out.push(HelmComponent {
            path: path.to_string(),
            node,
            image: image.clone(),
        });
    }
    if depth >= 6 {
        return;
    }
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        if HELM_ENV_KEYS.contains(&key) || HELM_ENV_FROM_KEYS.contains(&key) || !v.is_map() {
            continue;
        }
        let sub = if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        };
        helm_components(v, &sub, image.clone(), depth + 1, out);
    }
}

/// An environment and where a variable for it alone goes.
type EnvAnchor = (EnvName, (FileId, Span));

fn helm_targets(i: &Inputs<'_>, links: &Links, b: &mut EnvModelBuilder) {
    let m = i.manifests;
    // (values folder, environment, component path, target)
    let mut found: Vec<(String, Option<EnvName>, String, DeployTarget)> = Vec::new();
    // Every values file's environment and anchor, by folder, components or not.
    let mut files: BTreeMap<String, Vec<EnvAnchor>> = BTreeMap::new();
    for (id, f) in m.with_role(Role::HelmValues) {
        let Some(doc) = f.docs().next() else { continue };
        let env = i.classifier.classify(f.path());
        let dir = f.dir().to_string();
        let file = fid(i, b, id);
        let documented = (i.documented)(f.path());
        let chart = dir.rsplit('/').next().unwrap_or(&dir).to_string();
        if let Some(e) = &env {
            let first = doc
                .as_map()
                .and_then(|e| e.first())
                .map_or(doc.span, |(k, _)| k.span);
            files
                .entry(dir.clone())
                .or_default()
                .push((e.clone(), (file, first)));
        }
        // The chart's templates, when they are in the repository, say which variables the
        // container gets besides the values' env lists.
        let templates = i.charts.get(&dir);
        let mut comps = Vec::new();
        helm_components(doc, "", None, 0, &mut comps);
        for c in comps {
            let mut provisions = Vec::new();
            let mut anchor = None;
            let mut openings = Vec::new();
            for (k, v) in c.node.as_map().unwrap_or(&[]) {
                let Some(key) = k.as_str() else { continue };
                if HELM_ENV_FROM_KEYS.contains(&key) && !v.is_null() && v.as_seq() != Some(&[]) {
                    openings.push(Opening {
                        file,
                        span: k.span,
                        what: format!("`{}` names objects the chart renders", dotted(&c.path, key)),
                    });
                    continue;
                }
                if !HELM_ENV_KEYS.contains(&key) {
                    continue;
                }
                anchor.get_or_insert(k.span);
                let holder = format!("Helm values `{}`", dotted(&c.path, key));
                match &v.value {
                    Value::Seq(items) => {
                        for item in items {
                            let Some(n) = item.get("name") else { continue };
                            let Some(name) = n.as_str() else { continue };
                            provisions.push(Provision::new(
                                name,
                                file,
                                n.span,
                                ProvisionKind::HelmValues,
                            ));
                            if let Some(val) = item.get("value")
                                && let Some(t) = val.as_str()
                            {
                                let span = quoted_inner(m, val);
                                b.value_in(
                                    file,
                                    name,
                                    n.span,
                                    t,
                                    span,
                                    documented,
                                    Some(holder.clone()),
                                );
                            }
                        }
                    }
                    Value::Map(entries) => {
                        for (ek, ev) in entries {
                            let Some(name) = ek.as_str() else { continue };
                            provisions.push(Provision::new(
                                name,
                                file,
                                ek.span,
                                ProvisionKind::HelmValues,
                            ));
                            if let Some(t) = ev.as_str() {
                                let span = quoted_inner(m, ev);
                                b.value_in(
                                    file,
                                    name,
                                    ek.span,
                                    t,
                                    span,
                                    documented,
                                    Some(holder.clone()),
                                );
                            }
                        }
                    }
                    Value::Scalar { .. } => {}
                }
            }
            let anchor_span = anchor.unwrap_or_else(|| {
                c.node
                    .as_map()
                    .and_then(|e| e.first())
                    .map_or(c.node.span, |(k, _)| k.span)
            });
            match templates {
                Some(t) => {
                    for (name, path, span) in &t.names {
                        let tf = b.file(path);
                        provisions.push(Provision::new(name, tf, *span, ProvisionKind::HelmValues));
                    }
                    if let Some((path, span, what)) = &t.open {
                        openings.push(Opening {
                            file: b.file(path),
                            span: *span,
                            what: what.clone(),
                        });
                    }
                }
                None => openings.push(Opening {
                    file,
                    span: anchor_span,
                    what: format!(
                        "the templates of the Helm chart `{chart}` are not in the repository"
                    ),
                }),
            }
            let scope = c
                .image
                .as_deref()
                .and_then(|img| links.scope_for_image(img))
                .or_else(|| {
                    let leaf = c.path.rsplit('.').next().unwrap_or(&chart);
                    links.by_name.get(&norm(leaf)).cloned().flatten()
                });
            let label = if c.path.is_empty() {
                format!("the Helm chart `{dir}`")
            } else {
                format!("the Helm chart `{dir}` (`{}`)", c.path)
            };
            let hint = if anchor.is_some() {
                "its env list"
            } else {
                "an `env:` list"
            };
            found.push((
                dir.clone(),
                env.clone(),
                c.path.clone(),
                DeployTarget {
                    env: env.clone(),
                    label,
                    identity: format!("helm:{dir}:{}", c.path),
                    scope,
                    provisions,
                    openings,
                    anchor: (file, anchor_span),
                    hint: hint.into(),
                    overlay: None,
                    uses: Vec::new(),
                    image: c.image.filter(|s| !templated(s)),
                },
            ));
        }
    }
    // A `values-<env>.yaml` that overrides only some keys runs the image its base names.
    let bases: BTreeMap<(String, String), (Option<String>, Option<String>)> = found
        .iter()
        .filter(|(_, env, _, _)| env.is_none())
        .map(|(dir, _, path, t)| {
            (
                (dir.clone(), path.clone()),
                (t.scope.clone(), t.image.clone()),
            )
        })
        .collect();
    for (dir, _, path, t) in &mut found {
        if t.scope.is_none()
            && let Some((scope, image)) = bases.get(&(dir.clone(), path.clone()))
        {
            t.scope = scope.clone();
            if t.image.is_none() {
                t.image = image.clone();
            }
        }
    }
    // `values.yaml` is the base of every `values-<env>.yaml` beside it; where the overlay
    // does not have the component, a variable for that environment alone goes in the
    // overlay file.
    let mut copies = Vec::new();
    for (dir, env, path, t) in &found {
        if env.is_some() {
            continue;
        }
        let mut seen = BTreeSet::new();
        for (e, overlay_anchor) in files.get(dir).into_iter().flatten() {
            if !seen.insert(e.clone()) {
                continue;
            }
            let mut c = t.clone();
            c.env = Some(e.clone());
            let has_own = found
                .iter()
                .any(|(d, oe, p, _)| d == dir && p == path && oe.as_ref() == Some(e));
            if !has_own {
                c.anchor = *overlay_anchor;
                c.hint = "an `env:` list".into();
            }
            copies.push(c);
        }
    }
    for (_, _, _, t) in found {
        b.add_target(t);
    }
    for t in copies {
        b.add_target(t);
    }
}

fn dotted(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The secrets in ConfigMaps and Secrets committed to the repository: every value of a
/// ConfigMap's `data` and a Secret's `stringData` is judged, a Secret's `data` after base64
/// decoding; values under secret-like names and every Secret value are masked.
fn config_objects(i: &Inputs<'_>, b: &mut EnvModelBuilder) {
    let m = i.manifests;
    let mut seen: BTreeSet<(yaml::FileId, usize)> = BTreeSet::new();
    for o in &m.kube.objects {
        if !matches!(o.kind.as_str(), "ConfigMap" | "Secret") {
            continue;
        }
        if !seen.insert((o.root.file, o.root.span.start)) {
            continue;
        }
        let documented = m.file(o.file).is_some_and(|f| (i.documented)(f.path()));
        let holder = format!("{} `{}`", o.kind, o.name);
        for (section, encoded) in [("data", o.kind == "Secret"), ("stringData", false)] {
            for (k, v) in o.root.get(section).and_then(Node::as_map).unwrap_or(&[]) {
                let (Some(key), Some(text)) = (k.as_str(), v.as_str()) else {
                    continue;
                };
                if k.file != v.file {
                    continue;
                }
                let f = fid(i, b, v.file);
                let span = quoted_inner(m, v);
                if o.kind == "Secret" {
                    b.mask(f, span);
                }
                if encoded {
                    if let Some(d) = decode_base64(text) {
                        b.encoded_value_in(
                            f,
                            key,
                            k.span,
                            &d,
                            text,
                            span,
                            documented,
                            Some(holder.clone()),
                        );
                    }
                } else {
                    b.value_in(f, key, k.span, text, span, documented, Some(holder.clone()));
                }
            }
        }
    }
}

/// Standard base64 (padding optional, whitespace ignored) to UTF-8 text; `None` otherwise.
fn decode_base64(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aHVudGVyMg==").as_deref(), Some("hunter2"));
        assert_eq!(decode_base64("aHVudGVyMg").as_deref(), Some("hunter2"));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_base64("/w=="), None);
    }

    #[test]
    fn compose_interpolation() {
        let mut vars = BTreeMap::new();
        vars.insert("DOCKERFILE".to_string(), "./src/api/Dockerfile".to_string());
        vars.insert("EMPTY".to_string(), String::new());
        assert_eq!(
            interpolate("${DOCKERFILE}", &vars).as_deref(),
            Some("./src/api/Dockerfile")
        );
        assert_eq!(
            interpolate("${MISSING:-x}/$DOCKERFILE", &vars).as_deref(),
            Some("x/./src/api/Dockerfile")
        );
        assert_eq!(interpolate("${EMPTY:-d}", &vars).as_deref(), Some("d"));
        assert_eq!(interpolate("${MISSING}", &vars), None);
        assert_eq!(interpolate("${UNCLOSED", &vars), None);
        assert_eq!(interpolate("$", &vars), None);
    }

    #[test]
    fn chart_templates() {
        let t = "      containers:\n        - name: api\n          env:\n            - name: DATABASE_URL\n              value: {{ .Values.db }}\n            - name: \"LOG_LEVEL\"\n            {{- toYaml .Values.env | nindent 12 }}\n";
        let c = chart_env(&[("chart/templates/deployment.yaml".into(), t.into())]);
        let names: Vec<&str> = c.names.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, vec!["DATABASE_URL", "LOG_LEVEL"]);
        assert_eq!(c.names[0].2.slice(t), "DATABASE_URL");
        assert!(c.open.is_none());
        let t = "          envFrom:\n            - secretRef:\n                name: {{ .Release.Name }}\n";
        assert!(chart_env(&[("t.yaml".into(), t.into())]).open.is_some());
        let t = "          {{- range $key, $val := .Values.config }}\n            - name: {{ $key | upper }}\n";
        assert!(chart_env(&[("t.yaml".into(), t.into())]).open.is_some());
    }

    #[test]
    fn names_compare_loosely() {
        assert_eq!(norm("Order_Service"), norm("order-service"));
        assert!(templated("${IMAGE}:1"));
        assert_eq!(join("deploy", "../.env").as_deref(), Some(".env"));
        assert_eq!(join("", "../x"), None);
    }
}
