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

/// Decide each file's role, group Kubernetes objects into deploy units, build the graph.
pub fn build(loaded: Vec<Loaded>, paths: &BTreeSet<String>) -> Manifests {
    let mut files = Vec::with_capacity(loaded.len());
    let mut charts: BTreeMap<String, Chart> = BTreeMap::new();
    for (i, l) in loaded.into_iter().enumerate() {
        let role = if l.is_dockerfile {
            Role::Dockerfile
        } else if l.is_env {
            Role::Env
        } else {
            match l.path_role {
                Some(PathRole::HelmTemplate) => Role::HelmTemplate,
                Some(PathRole::HelmValues) => Role::HelmValues,
                Some(PathRole::Kustomization) => Role::Kustomization,
                Some(PathRole::Compose) => Role::Compose,
                _ => {
                    let docs: Vec<&Node> = l.yaml.docs.iter().map(|d| &d.root).collect();
                    let name = l.source.file_name();
                    if name == "Chart.yaml" {
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
        };
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
