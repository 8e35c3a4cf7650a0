//! Every deploy artefact that is not a migration, parsed, with its role and environment:
//! Kubernetes manifests (objects grouped into deploy units, and the object graph), Kustomize
//! files, Helm values and charts, compose files, Dockerfiles and env files.
//!
//! Built from files the pipeline has already read and parsed; reads nothing from disk.

use std::collections::{BTreeMap, BTreeSet};

use crate::classify::Environment;
use crate::classify::manifest::PathRole;
use crate::model::graph::ObjectGraph;
use crate::model::kube::{self, KubeInput, KubeModel, Kustomization};
use crate::parse::dockerfile::Dockerfile;
use crate::parse::yaml::{FileId, Node, YamlFile};
use crate::source::SourceFile;

/// What a file is, after reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// YAML with at least one Kubernetes object.
    Kubernetes,
    Kustomization,
    Compose,
    HelmValues,
    /// A Helm chart template: not parsed (it is a Go template, not YAML).
    HelmTemplate,
    /// `Chart.yaml`.
    HelmChart,
    /// Any other YAML (CI workflows, app config): parsed, not checked.
    OtherYaml,
    Dockerfile,
    /// `.env`, `.env.example`, ...: names for compose interpolation.
    Env,
}

/// One file with what was read from it.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    pub source: SourceFile,
    pub role: Role,
    /// The environment its path names.
    pub env: Option<Environment>,
    pub yaml: YamlFile,
    pub dockerfile: Option<Dockerfile>,
}

impl ManifestFile {
    pub fn path(&self) -> &str {
        &self.source.path
    }

    pub fn dir(&self) -> &str {
        crate::classify::parent_dir(&self.source.path)
    }

    pub fn docs(&self) -> impl Iterator<Item = &Node> {
        self.yaml.docs.iter().map(|d| &d.root)
    }
}

/// A Helm chart and the templates forecast did not render.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The chart's folder.
    pub dir: String,
    /// `Chart.yaml`, when it was read.
    pub chart_file: Option<FileId>,
    pub templates: Vec<FileId>,
}

/// Everything rules about manifests look at.
#[derive(Debug, Default)]
pub struct Manifests {
    /// Index = [`FileId`].
    pub files: Vec<ManifestFile>,
    pub kube: KubeModel,
    pub graph: ObjectGraph,
    pub charts: Vec<Chart>,
}

/// A file as the pipeline hands it over: read, its path role known, YAML parsed.
pub struct Loaded {
    pub source: SourceFile,
    pub path_role: Option<PathRole>,
    pub is_dockerfile: bool,
    pub is_env: bool,
    pub env: Option<Environment>,
    pub yaml: YamlFile,
    pub dockerfile: Option<Dockerfile>,
    /// For a Helm template: the chart folder.
    pub chart: Option<String>,
}

impl Manifests {
    pub fn file(&self, id: FileId) -> Option<&ManifestFile> {
        self.files.get(id.0 as usize)
    }

    /// Files with a role, with their ids.
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = (FileId, &ManifestFile)> {
        self.files
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.role == role)
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Variable names defined by env files in `dir` (`.env`, `.env.example`, ...).
    pub fn dotenv_names_in(&self, dir: &str) -> BTreeSet<String> {
        self.with_role(Role::Env)
            .filter(|(_, f)| f.dir() == dir)
            .flat_map(|(_, f)| crate::parse::compose::dotenv_names(&f.source.text))
            .collect()
    }

    /// An env file by repository-relative path.
    pub fn env_file(&self, path: &str) -> Option<&ManifestFile> {
        self.files
            .iter()
            .find(|f| f.role == Role::Env && f.path() == path)
    }

    /// Every Dockerfile by path.
    pub fn dockerfile_at(&self, path: &str) -> Option<(FileId, &ManifestFile)> {
        self.with_role(Role::Dockerfile)
            .find(|(_, f)| f.path() == path)
    }
}

/// What a loaded file is: its path role first, then its content.
fn role_of(l: &Loaded) -> Role {
    if l.is_dockerfile {
        return Role::Dockerfile;
    }
    if l.is_env {
        return Role::Env;
    }
    match l.path_role {
        Some(PathRole::HelmTemplate) => Role::HelmTemplate,
        Some(PathRole::HelmValues) => Role::HelmValues,
        Some(PathRole::Kustomization) => Role::Kustomization,
        Some(PathRole::Compose) => Role::Compose,
        _ => {
            let docs: Vec<&Node> = l.yaml.docs.iter().map(|d| &d.root).collect();
            if l.source.file_name() == "Chart.yaml" {
                Role::HelmChart
            } else if docs.iter().any(|d| kube::is_object(d)) {
                Role::Kubernetes
            } else if docs
                .first()
                .is_some_and(|d| crate::parse::compose::looks_like_compose(d))
            {
                Role::Compose
            } else {
                Role::OtherYaml
            }
        }
    }
}

/// Decide each file's role, group Kubernetes objects into deploy units, build the graph.
pub fn build(loaded: Vec<Loaded>, paths: &BTreeSet<String>) -> Manifests {
    let mut files = Vec::with_capacity(loaded.len());
    let mut charts: BTreeMap<String, Chart> = BTreeMap::new();
    for (i, l) in loaded.into_iter().enumerate() {
        let role = role_of(&l);
        if role == Role::HelmTemplate
            && let Some(chart) = &l.chart
        {
            charts
                .entry(chart.clone())
                .or_insert_with(|| Chart {
                    dir: chart.clone(),
                    chart_file: None,
                    templates: Vec::new(),
                })
                .templates
                .push(FileId(i as u32));
        }
        files.push(ManifestFile {
            source: l.source,
            role,
            env: l.env,
            yaml: l.yaml,
            dockerfile: l.dockerfile,
        });
    }
    for (i, f) in files.iter().enumerate() {
        if f.role == Role::HelmChart
            && let Some(c) = charts.get_mut(f.dir())
        {
            c.chart_file = Some(FileId(i as u32));
        }
    }
    let kustomizations: Vec<Kustomization> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.role == Role::Kustomization)
        .filter_map(|(i, f)| {
            let root = f.yaml.docs.first()?.root.clone();
            Some(Kustomization {
                file: FileId(i as u32),
                dir: f.dir().to_string(),
                root,
                env: f.env.clone(),
            })
        })
        .collect();
    let input = KubeInput {
        files: files
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.role, Role::Kubernetes))
            .map(|(i, f)| {
                (
                    FileId(i as u32),
                    f.source.path.as_str(),
                    f.env.clone(),
                    f.docs().collect(),
                )
            })
            .collect(),
        kustomizations,
        paths,
    };
    let kube = kube::build(&input);
    let graph = ObjectGraph::build(&kube);
    Manifests {
        kube,
        graph,
        charts: charts.into_values().collect(),
        files,
    }
}

// ---------------------------------------------------------------------------------------
// The merge-base side (diff mode)
// ---------------------------------------------------------------------------------------

/// `(deploy unit, kind, namespace, name)`: how an object is found again on the other side of
/// a change. The kind is compared without its `apiVersion`, so a Deployment that moved from
/// `extensions/v1beta1` to `apps/v1` is the same object.
type ObjectKey = (String, String, Option<String>, String);

/// The Kubernetes objects as they were at the merge base, for the rules that compare (diff
/// mode). Built from the head's files with every changed YAML file put back as it was: files
/// the change did not touch keep their head [`FileId`] (same text), and the base side of each
/// changed file gets an id from [`BaseManifests::first_id`] on. Kustomize overlays are
/// rendered again on that tree, so a changed patch or `commonLabels` shows in the objects it
/// reaches.
#[derive(Debug, Default)]
pub struct BaseManifests {
    /// The base as the user named it (`origin/main`).
    pub label: String,
    /// The id of `files[0]`: the head's file count.
    pub first_id: u32,
    /// The base side of every changed YAML file that existed at the merge base.
    pub files: Vec<ManifestFile>,
    pub kube: KubeModel,
    /// Per file of `files`: the head has a different file at the same path, so a span into
    /// this version cannot be shown beside the head's text.
    shadowed: Vec<bool>,
    /// Head paths whose text is not the base's (added, modified, renamed to).
    replaced: BTreeSet<String>,
    /// Renamed files: head path → merge-base path.
    renamed: BTreeMap<String, String>,
    by_key: BTreeMap<ObjectKey, Vec<usize>>,
    by_name: BTreeMap<(String, Option<String>, String), Vec<usize>>,
}

/// What [`BaseManifests::build`] needs besides the head.
pub struct BaseInput<'a> {
    pub label: String,
    /// Head paths the change added, modified or renamed to: their head text is not the base's.
    pub replaced: &'a BTreeSet<String>,
    /// Renamed files: head path → merge-base path.
    pub renamed: BTreeMap<String, String>,
    /// The base side of every changed YAML file (modified, renamed, deleted), read and parsed.
    pub files: Vec<Loaded>,
    /// Every path at the merge base, to resolve folders in `resources:`.
    pub paths: &'a BTreeSet<String>,
    /// Is there a file at this path at the head?
    pub at_head: &'a dyn Fn(&str) -> bool,
}

impl BaseManifests {
    pub fn build(head: &Manifests, input: BaseInput<'_>) -> BaseManifests {
        let first_id = head.files.len() as u32;
        let mut files = Vec::with_capacity(input.files.len());
        let mut shadowed = Vec::with_capacity(input.files.len());
        for (j, mut l) in input.files.into_iter().enumerate() {
            l.yaml.set_file(FileId(first_id + j as u32));
            let role = role_of(&l);
            shadowed.push((input.at_head)(&l.source.path));
            files.push(ManifestFile {
                source: l.source,
                role,
                env: l.env,
                yaml: l.yaml,
                dockerfile: None,
            });
        }
        let kept = head
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| !input.replaced.contains(f.path()))
            .map(|(i, f)| (FileId(i as u32), f));
        let base = files
            .iter()
            .enumerate()
            .map(|(j, f)| (FileId(first_id + j as u32), f));
        let all: Vec<(FileId, &ManifestFile)> = kept.chain(base).collect();
        let kustomizations = all
            .iter()
            .filter(|(_, f)| f.role == Role::Kustomization)
            .filter_map(|(id, f)| {
                Some(Kustomization {
                    file: *id,
                    dir: f.dir().to_string(),
                    root: f.yaml.docs.first()?.root.clone(),
                    env: f.env.clone(),
                })
            })
            .collect();
        let kube = kube::build(&KubeInput {
            files: all
                .iter()
                .filter(|(_, f)| f.role == Role::Kubernetes)
                .map(|(id, f)| (*id, f.path(), f.env.clone(), f.docs().collect()))
                .collect(),
            kustomizations,
            paths: input.paths,
        });
        let mut by_key: BTreeMap<ObjectKey, Vec<usize>> = BTreeMap::new();
        let mut by_name: BTreeMap<(String, Option<String>, String), Vec<usize>> = BTreeMap::new();
        for (i, o) in kube.objects.iter().enumerate() {
            if o.name.is_empty() {
                continue;
            }
            let unit = kube.units.get(o.unit).map(|u| u.name.clone());
            by_key
                .entry((
                    unit.unwrap_or_default(),
                    o.kind.clone(),
                    o.namespace.clone(),
                    o.name.clone(),
                ))
                .or_default()
                .push(i);
            by_name
                .entry((o.kind.clone(), o.namespace.clone(), o.name.clone()))
                .or_default()
                .push(i);
        }
        BaseManifests {
            label: input.label,
            first_id,
            files,
            kube,
            shadowed,
            replaced: input.replaced.clone(),
            renamed: input.renamed,
            by_key,
            by_name,
        }
    }

    /// The base version of a head object: the object of the same kind, namespace and name in
    /// the deploy unit of the same name, read from the same file (its old path, when the file
    /// was renamed). When it moved to another file, or between units (a folder of loose
    /// manifests became a Kustomization), it is found only when it is the only object of
    /// that kind, namespace and name on both sides: two folders may well hold a
    /// `deployment/api` each (one per environment, or examples), and they are not versions of
    /// one another.
    pub fn object_of(&self, head: &Manifests, o: &kube::Object) -> Option<&kube::Object> {
        if o.name.is_empty() {
            return None;
        }
        let unit = |units: &[kube::Unit], i: usize| {
            units.get(i).map(|u| u.name.clone()).unwrap_or_default()
        };
        let key = (
            unit(&head.kube.units, o.unit),
            o.kind.clone(),
            o.namespace.clone(),
            o.name.clone(),
        );
        let path = head.file(o.file).map(ManifestFile::path).unwrap_or("");
        let old_path = self.renamed.get(path).map(String::as_str).unwrap_or(path);
        let base_path = |b: &kube::Object| {
            self.file(head, b.file.0 as usize)
                .map(ManifestFile::path)
                .unwrap_or("")
        };
        let same =
            |h: &kube::Object| h.kind == o.kind && h.namespace == o.namespace && h.name == o.name;
        // A changed `namePrefix` or `nameSuffix` renames every object of the unit.
        let affixes = |units: &[kube::Unit], i: usize| {
            units
                .get(i)
                .map(|u| u.name_affixes.clone())
                .unwrap_or_default()
        };
        let head_affixes = affixes(&head.kube.units, o.unit);
        let all = self.by_key.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let candidates: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| {
                self.kube
                    .objects
                    .get(i)
                    .is_some_and(|b| affixes(&self.kube.units, b.unit) == head_affixes)
            })
            .collect();
        let candidates = candidates.as_slice();
        if let Some(b) = candidates
            .iter()
            .filter_map(|&i| self.kube.objects.get(i))
            .find(|b| base_path(b) == old_path)
        {
            return Some(b);
        }
        let at_head = |in_unit: bool| {
            head.kube
                .objects
                .iter()
                .filter(|h| same(h) && (!in_unit || unit(&head.kube.units, h.unit) == key.0))
                .count()
        };
        if let [i] = candidates {
            return (at_head(true) == 1)
                .then(|| self.kube.objects.get(*i))
                .flatten();
        }
        if !all.is_empty() {
            return None;
        }
        match self
            .by_name
            .get(&(o.kind.clone(), o.namespace.clone(), o.name.clone()))
            .map(Vec::as_slice)
        {
            Some([i]) if at_head(false) == 1 => self
                .kube
                .objects
                .get(*i)
                .filter(|b| affixes(&self.kube.units, b.unit) == head_affixes),
            _ => None,
        }
    }

    /// A file of either side by id: the head's below [`BaseManifests::first_id`].
    pub fn file<'a>(&'a self, head: &'a Manifests, id: usize) -> Option<&'a ManifestFile> {
        match id.checked_sub(self.first_id as usize) {
            Some(j) => self.files.get(j),
            None => head.files.get(id),
        }
    }

    /// Can a span in file `id` be shown? Not when it is in the base version of a file the
    /// head still has with other text: reports show each path's head text.
    pub fn shows(&self, id: usize) -> bool {
        match id.checked_sub(self.first_id as usize) {
            Some(j) => self.shadowed.get(j) == Some(&false),
            None => true,
        }
    }

    /// Did the merge base have a file at this head path?
    pub fn at_base(&self, path: &str) -> bool {
        !self.replaced.contains(path) || self.files.iter().any(|f| f.path() == path)
    }

    /// The base-side files whose path the head no longer has (deleted, renamed away): their
    /// text is what a report shows for that path.
    pub fn unshadowed(&self) -> impl Iterator<Item = &ManifestFile> {
        self.files
            .iter()
            .zip(&self.shadowed)
            .filter(|(_, s)| !**s)
            .map(|(f, _)| f)
    }
}
