//! The env and config model: per environment, the variables it provides and where each
//! comes from; per code location, the variables read; the documented contract
//! (`.env.example`); per-environment structured config files grouped for comparison; and the
//! secrets committed in env and config files.
//!
//! Facts come in through [`EnvModelBuilder`]. Today the pipeline pushes env files, code
//! reads, TOML/JSON config files and `forecast.toml`'s `[env] external` list. Other
//! providers (compose `environment`/`env_file`, Kubernetes `env`/`envFrom` through the
//! ConfigMaps and Secrets in the repository, Helm `values-<env>.yaml` env lists, Dockerfile
//! `ENV`/`ARG`) push [`Provision`]s into the same model with [`EnvModelBuilder::provide`],
//! naming the environment and the folder whose code it runs; the rules need no change.
//!
//! The model reads nothing from disk and reports nothing.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::env::{CodeRole, EnvFileRole, Tier, environment, in_scope, scope_of};
use crate::model::secrets::{self, SecretKind};
use crate::parse::dotenv::EnvFile;
use crate::parse::envrefs::{EnvRef, Extracted, Lang, Stage};
use crate::parse::keytree::Node;
use crate::span::Span;

/// Index into [`EnvModel::files`].
pub type FileId = usize;

/// Where a provided variable comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProvisionKind {
    /// A line of a `.env` / `.env.<environment>` file.
    EnvFile,
    /// `[env] external` in forecast.toml: provided outside the repository (a secret
    /// manager, the platform's settings).
    External,
    // Phase 2 of the env-drift work adds, pushing through `EnvModelBuilder::provide`:
    // ComposeEnvironment, ComposeEnvFile, KubernetesEnv, KubernetesEnvFrom (ConfigMap /
    // Secret), HelmValues, DockerfileEnv, DockerfileArg.
}

impl ProvisionKind {
    pub fn describe(self) -> &'static str {
        match self {
            ProvisionKind::EnvFile => "env file",
            ProvisionKind::External => "forecast.toml `[env] external`",
        }
    }

    /// Does a variable provided this way reach the build, the running process, or both?
    /// Env files are read by the build tools (Next.js, Vite) and by the process.
    pub fn reaches(self, stage: Stage) -> bool {
        match self {
            ProvisionKind::EnvFile | ProvisionKind::External => {
                matches!(stage, Stage::Build | Stage::Runtime)
            }
        }
    }
}

/// One variable provided to an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provision {
    pub name: String,
    /// The declaring file, `None` for [`ProvisionKind::External`].
    pub file: Option<FileId>,
    /// The key in that file.
    pub span: Span,
    pub kind: ProvisionKind,
}

/// One environment (production, staging, ...) of one part of the repository.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    /// Canonical name: `production`, `staging`, `development`, ... or `default` for the
    /// bare `.env` of a folder that names no environment.
    pub name: String,
    pub tier: Tier,
    /// The folder whose code runs in it (`""`: the whole repository).
    pub scope: String,
    pub provisions: Vec<Provision>,
    /// The files that declare it, the environment's own first (where a missing variable
    /// belongs), then the base files it inherits from.
    pub files: Vec<FileId>,
    /// A bare `.env` standing in for a folder with no named environment: used to compare
    /// with `.env.example`, never to judge reads.
    pub implicit: bool,
    /// It may receive variables forecast cannot see.
    pub open: bool,
}

impl Environment {
    /// Does it provide `name` for a read at `stage`? Names of case-insensitive reads
    /// (pydantic settings) match whatever the case, and as the prefix of a nested
    /// `NAME__FIELD` variable.
    pub fn provides(&self, name: &str, case_insensitive: bool, stage: Stage) -> bool {
        self.provisions.iter().any(|p| {
            p.kind.reaches(stage)
                && (p.name == name
                    || (case_insensitive
                        && (p.name.eq_ignore_ascii_case(name)
                            || p.name.len() > name.len() + 2
                                && p.name[..name.len()].eq_ignore_ascii_case(name)
                                && p.name[name.len()..].starts_with("__"))))
        })
    }

    /// Its own declaration file: where a missing variable belongs.
    pub fn home(&self) -> Option<FileId> {
        self.files.first().copied()
    }
}

/// `.env.example` and friends: the variables the project documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub file: FileId,
    pub scope: String,
    pub entries: Vec<Provision>,
}

/// One read of a variable in application, test or tooling code.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRead {
    pub file: FileId,
    pub lang: Lang,
    pub role: CodeRole,
    pub read: EnvRef,
}

/// A structured config file that is one environment's variant of a configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFile {
    pub file: FileId,
    /// The path with the environment replaced by `{env}`.
    pub group: String,
    /// `None`: the base every environment layers over.
    pub environment: Option<String>,
    pub tree: Node,
}

/// Config files of one group: the base (if any) and one variant per environment.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigSet {
    pub group: String,
    /// Index into [`EnvModel::configs`].
    pub base: Option<usize>,
    /// (environment, tier, index into [`EnvModel::configs`]), sorted by environment.
    pub variants: Vec<(String, Tier, usize)>,
}

/// A value that looks like a committed secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    pub file: FileId,
    /// The key (a dotted path in config files).
    pub key: String,
    pub key_span: Span,
    /// The whole value in the file.
    pub value_span: Span,
    pub kind: SecretKind,
    /// The secret part, redacted for messages.
    pub redacted: String,
    /// Found in a file that documents the contract or holds test fixtures.
    pub documented: bool,
}

/// Everything the env rules look at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvModel {
    /// Repository-relative paths, by [`FileId`].
    pub files: Vec<String>,
    pub environments: Vec<Environment>,
    pub contracts: Vec<Contract>,
    pub reads: Vec<CodeRead>,
    /// Reads of the whole environment (`std::env::vars()`, `...rest` of `process.env`).
    pub reads_all: Vec<(FileId, Span)>,
    /// Env files whose environment is not known yet (`gotrue.env`, `.env.override`), with
    /// their declarations: a compose `env_file` or a manifest will name it.
    pub unassigned: Vec<(FileId, Vec<Provision>)>,
    pub configs: Vec<ConfigFile>,
    pub config_sets: Vec<ConfigSet>,
    pub secrets: Vec<SecretHit>,
    /// Spans never to show in any output: every secret, and every value under a
    /// secret-like key.
    pub masks: Vec<(FileId, Span)>,
    /// Variables provided outside the repository in every environment (name or `PREFIX*`).
    pub external: Vec<String>,
    /// Config key paths (`database.pool`) that code reads, with the first place it does.
    pub config_reads: BTreeMap<String, (FileId, Span)>,
}

impl EnvModel {
    pub fn path(&self, f: FileId) -> &str {
        self.files.get(f).map(String::as_str).unwrap_or("")
    }

    /// The environments whose code includes `path`: those of the nearest folder above it
    /// that has any.
    pub fn environments_for(&self, path: &str) -> Vec<&Environment> {
        let best = self
            .environments
            .iter()
            .filter(|e| in_scope(path, &e.scope))
            .map(|e| e.scope.len())
            .max();
        match best {
            Some(len) => self
                .environments
                .iter()
                .filter(|e| e.scope.len() == len && in_scope(path, &e.scope))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Is `name` provided outside the repository (`[env] external`)?
    pub fn external(&self, name: &str) -> bool {
        self.external.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => p == name,
        })
    }
}

/// Builds an [`EnvModel`] from the facts each stage pushes in.
#[derive(Debug, Default)]
pub struct EnvModelBuilder {
    model: EnvModel,
    paths: BTreeMap<String, FileId>,
    /// (scope, environment name) → index into `model.environments`.
    envs: BTreeMap<(String, String), usize>,
    /// Base `.env` files per scope.
    bases: BTreeMap<String, Vec<(FileId, Vec<Provision>)>>,
}

impl EnvModelBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of a file, registering it.
    pub fn file(&mut self, path: &str) -> FileId {
        if let Some(&id) = self.paths.get(path) {
            return id;
        }
        let id = self.model.files.len();
        self.model.files.push(path.to_string());
        self.paths.insert(path.to_string(), id);
        id
    }

    fn environment(&mut self, name: &str, scope: &str) -> usize {
        let key = (scope.to_string(), name.to_string());
        if let Some(&i) = self.envs.get(&key) {
            return i;
        }
        let tier = environment(name)
            .map(|(_, t)| t)
            .unwrap_or(Tier::Development);
        let i = self.model.environments.len();
        self.model.environments.push(Environment {
            name: name.to_string(),
            tier,
            scope: scope.to_string(),
            provisions: Vec::new(),
            files: Vec::new(),
            implicit: false,
            open: false,
        });
        self.envs.insert(key, i);
        i
    }

    /// The seam every provider uses: `env` (a canonical name, see
    /// [`crate::classify::env::environment`]) running the code under `scope` receives `p`.
    pub fn provide(&mut self, env: &str, scope: &str, p: Provision) {
        let i = self.environment(env, scope);
        let e = &mut self.model.environments[i];
        if let Some(f) = p.file
            && !e.files.contains(&f)
        {
            e.files.push(f);
        }
        e.provisions.push(p);
    }

    /// `env` may receive variables forecast cannot see (an `env_file` that is not in the
    /// repository, `envFrom` of an object defined elsewhere): rules do not judge its reads.
    pub fn mark_open(&mut self, env: &str, scope: &str) {
        let i = self.environment(env, scope);
        self.model.environments[i].open = true;
    }

    /// A parsed `.env` file: its role decides whether it provides for one environment, for
    /// all of its folder's, documents the contract, or waits for a manifest to name it.
    /// Its secrets and secret-like values are recorded too.
    pub fn add_env_file(
        &mut self,
        path: &str,
        role: &EnvFileRole,
        parsed: &EnvFile,
        documented: bool,
    ) {
        let file = self.file(path);
        let scope = scope_of(path);
        let provisions: Vec<Provision> = parsed
            .entries
            .iter()
            .map(|e| Provision {
                name: e.key.clone(),
                file: Some(file),
                span: e.key_span,
                kind: ProvisionKind::EnvFile,
            })
            .collect();
        for e in &parsed.entries {
            let (Some(value), Some(span)) = (&e.value, e.value_span) else {
                continue;
            };
            self.value(file, &e.key, e.key_span, value, span, documented);
        }
        match role {
            EnvFileRole::Environment(name) => {
                let i = self.environment(name, &scope);
                let env = &mut self.model.environments[i];
                env.files.insert(0, file);
                env.provisions.extend(provisions);
            }
            EnvFileRole::Base => self
                .bases
                .entry(scope)
                .or_default()
                .push((file, provisions)),
            EnvFileRole::Example => self.model.contracts.push(Contract {
                file,
                scope,
                entries: provisions,
            }),
            EnvFileRole::Unassigned => self.model.unassigned.push((file, provisions)),
        }
    }

    /// A value under `key` in an env or config file: a secret, or at least to be masked.
    pub fn value(
        &mut self,
        file: FileId,
        key: &str,
        key_span: Span,
        value: &str,
        value_span: Span,
        documented: bool,
    ) {
        if value.is_empty() {
            return;
        }
        let leaf = key.rsplit('.').next().unwrap_or(key);
        if let Some(d) = secrets::detect(leaf, value, documented) {
            let secret = value.get(d.range.clone()).unwrap_or(value);
            self.model.secrets.push(SecretHit {
                file,
                key: key.to_string(),
                key_span,
                value_span,
                kind: d.kind,
                redacted: crate::redact::redact(secret),
                documented,
            });
            self.model.masks.push((file, value_span));
        } else if secrets::secret_like_key(leaf) {
            self.model.masks.push((file, value_span));
        }
    }

    /// The reads found in one source file.
    pub fn add_reads(&mut self, path: &str, lang: Lang, role: CodeRole, found: Extracted) {
        if found.refs.is_empty() && found.reads_all.is_empty() {
            return;
        }
        let file = self.file(path);
        for read in found.refs {
            self.model.reads.push(CodeRead {
                file,
                lang,
                role,
                read,
            });
        }
        for s in found.reads_all {
            self.model.reads_all.push((file, s));
        }
    }

    /// A per-environment (or base) structured config file; its secrets are recorded.
    pub fn add_config(
        &mut self,
        path: &str,
        group: String,
        environment: Option<String>,
        tree: Node,
        text: &str,
        documented: bool,
    ) {
        let file = self.file(path);
        self.config_values(file, &tree, text, documented);
        self.model.configs.push(ConfigFile {
            file,
            group,
            environment,
            tree,
        });
    }

    /// A structured config file that is no environment's variant: only its secrets matter.
    /// Returns whether the file holds anything to record (it is registered only then).
    pub fn add_config_values(
        &mut self,
        path: &str,
        tree: &Node,
        text: &str,
        documented: bool,
    ) -> bool {
        let interesting = tree.strings().iter().any(|(p, e)| {
            let leaf = p.last().copied().unwrap_or("");
            e.node.string.as_deref().is_some_and(|v| {
                !v.is_empty()
                    && (secrets::secret_like_key(leaf)
                        || secrets::detect(leaf, v, documented).is_some())
            })
        });
        if interesting {
            let file = self.file(path);
            self.config_values(file, tree, text, documented);
        }
        interesting
    }

    fn config_values(&mut self, file: FileId, tree: &Node, text: &str, documented: bool) {
        for (path, entry) in tree.strings() {
            if let Some(v) = &entry.node.string {
                let key = path.join(".");
                let span = entry.node.inner_span(text);
                self.value(file, &key, entry.key_span, v, span, documented);
            }
        }
    }

    /// Variables provided outside the repository in every environment.
    pub fn external(&mut self, names: &[String]) {
        self.model.external = names.to_vec();
    }

    /// Code at `path` reads the config key `key` (a dotted path) at `span`. The first read
    /// in path order is kept.
    pub fn config_read(&mut self, key: &str, path: &str, span: Span) {
        let file = self.file(path);
        let files = &self.model.files;
        let e = self
            .model
            .config_reads
            .entry(key.to_string())
            .or_insert((file, span));
        if (files[file].as_str(), span.start) < (files[e.0].as_str(), e.1.start) {
            *e = (file, span);
        }
    }

    /// Finish: base files join every environment of their folder (or stand in for one);
    /// config variants are grouped; everything is sorted.
    pub fn build(mut self) -> EnvModel {
        let bases = std::mem::take(&mut self.bases);
        for (scope, files) in bases {
            let named: Vec<usize> = self
                .model
                .environments
                .iter()
                .enumerate()
                .filter(|(_, e)| e.scope == scope)
                .map(|(i, _)| i)
                .collect();
            if named.is_empty() {
                let i = self.environment("default", &scope);
                self.model.environments[i].implicit = true;
                for (file, provisions) in files {
                    let e = &mut self.model.environments[i];
                    e.files.push(file);
                    e.provisions.extend(provisions);
                }
                continue;
            }
            for i in named {
                for (file, provisions) in &files {
                    let e = &mut self.model.environments[i];
                    e.files.push(*file);
                    e.provisions.extend(provisions.iter().cloned());
                }
            }
        }
        let m = &mut self.model;
        m.environments
            .sort_by(|a, b| (&a.scope, &a.name).cmp(&(&b.scope, &b.name)));
        m.contracts.sort_by_key(|c| c.file);
        m.reads.sort_by(|a, b| {
            (a.file, a.read.span.start, &a.read.name).cmp(&(
                b.file,
                b.read.span.start,
                &b.read.name,
            ))
        });
        m.reads_all.sort();
        m.secrets.sort_by_key(|s| (s.file, s.key_span.start));
        m.masks.sort();
        m.masks.dedup();
        // Config sets: group variants by their `{env}` path; bases by candidate names.
        m.configs
            .sort_by(|a, b| m.files[a.file].cmp(&m.files[b.file]));
        let mut sets: BTreeMap<String, ConfigSet> = BTreeMap::new();
        for (i, c) in m.configs.iter().enumerate() {
            let Some(env) = &c.environment else {
                continue;
            };
            let tier = environment(env)
                .map(|(_, t)| t)
                .unwrap_or(Tier::Development);
            let set = sets.entry(c.group.clone()).or_insert_with(|| ConfigSet {
                group: c.group.clone(),
                base: None,
                variants: Vec::new(),
            });
            set.variants.push((env.clone(), tier, i));
        }
        for (i, c) in m.configs.iter().enumerate() {
            if c.environment.is_some() {
                continue;
            }
            if let Some(set) = sets.get_mut(&c.group)
                && set.base.is_none()
            {
                set.base = Some(i);
            }
        }
        m.config_sets = sets
            .into_values()
            .filter(|s| s.variants.len() >= 2)
            .map(|mut s| {
                s.variants.sort();
                s
            })
            .collect();
        self.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::env::env_file_role;
    use crate::parse::dotenv;

    fn add(b: &mut EnvModelBuilder, path: &str, text: &str) {
        b.add_env_file(path, &env_file_role(path), &dotenv::parse(text), false);
    }

    #[test]
    fn environments_inherit_their_folder_base() {
        let mut b = EnvModelBuilder::new();
        add(&mut b, ".env", "SHARED=1\n");
        add(&mut b, ".env.production", "REDIS_URL=redis://prod\n");
        add(&mut b, ".env.staging", "REDIS_URL=redis://stg\nEXTRA=1\n");
        add(&mut b, "web/.env", "WEB=1\n");
        add(&mut b, ".env.example", "REDIS_URL=\nSHARED=\n");
        let m = b.build();
        let prod = m
            .environments
            .iter()
            .find(|e| e.name == "production")
            .unwrap();
        assert!(prod.provides("REDIS_URL", false, Stage::Runtime));
        assert!(prod.provides("SHARED", false, Stage::Runtime));
        assert!(!prod.provides("EXTRA", false, Stage::Runtime));
        assert_eq!(m.path(prod.home().unwrap()), ".env.production");
        // `web/` has only a bare `.env`: an implicit environment.
        let web = m.environments_for("web/src/app.ts");
        assert_eq!(web.len(), 1);
        assert!(web[0].implicit);
        let root = m.environments_for("src/main.rs");
        assert_eq!(
            root.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            vec!["production", "staging"]
        );
        assert_eq!(m.contracts.len(), 1);
    }

    #[test]
    fn provide_is_the_seam_for_other_providers() {
        let mut b = EnvModelBuilder::new();
        let f = b.file("k8s/production/deployment.yaml");
        b.provide(
            "production",
            "",
            Provision {
                name: "DATABASE_URL".into(),
                file: Some(f),
                span: Span::new(10, 22),
                kind: ProvisionKind::EnvFile,
            },
        );
        let m = b.build();
        assert_eq!(m.environments.len(), 1);
        assert!(m.environments[0].provides("DATABASE_URL", false, Stage::Runtime));
    }

    #[test]
    fn case_insensitive_and_nested_names() {
        let mut b = EnvModelBuilder::new();
        add(&mut b, ".env.production", "secret_key=x\nDB__HOST=h\n");
        let m = b.build();
        let e = &m.environments[0];
        assert!(e.provides("SECRET_KEY", true, Stage::Runtime));
        assert!(!e.provides("SECRET_KEY", false, Stage::Runtime));
        assert!(e.provides("db", true, Stage::Runtime));
    }

    #[test]
    fn secrets_and_masks() {
        let mut b = EnvModelBuilder::new();
        let aws = format!("AKIA{}", "Q7ZL3VX2M5NB4KRT");
        add(
            &mut b,
            ".env.production",
            &format!("AWS_ACCESS_KEY_ID={aws}\nDB_PASSWORD=hunter2\nPORT=80\n"),
        );
        let m = b.build();
        assert_eq!(m.secrets.len(), 1);
        assert_eq!(m.secrets[0].kind, SecretKind::AwsAccessKeyId);
        assert_eq!(m.secrets[0].redacted, "AK… (20 characters)");
        // The AWS key and the low-entropy password are both masked; the port is not.
        assert_eq!(m.masks.len(), 2);
    }

    #[test]
    fn external_patterns() {
        let mut b = EnvModelBuilder::new();
        b.external(&["DATABASE_URL".into(), "SENTRY_*".into()]);
        let m = b.build();
        assert!(m.external("DATABASE_URL"));
        assert!(m.external("SENTRY_DSN"));
        assert!(!m.external("REDIS_URL"));
    }
}
