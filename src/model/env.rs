//! The env and config model: per environment, the variables it provides and where each
//! comes from; per code location, the variables read; the documented contract
//! (`.env.example`); per-environment structured config files grouped for comparison; and the
//! secrets committed in env, config and manifest files.
//!
//! Facts come in through [`EnvModelBuilder`]: env files, code reads, TOML/JSON/YAML config
//! files and `forecast.toml`'s `[env] external` list; and the deploy targets the manifests
//! declare ([`DeployTarget`]: a compose service, a Kubernetes container, a Helm release),
//! each with the variables it gives its process and the folder of code it runs
//! ([`crate::model::providers`] finds them). Dockerfile `ENV` and `ARG` provide for every
//! environment that runs the image ([`EnvModel::always`]).
//!
//! The model reads nothing from disk and reports nothing.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::env::{CodeRole, EnvFileRole, Tier, in_scope, scope_of};
use crate::classify::environment::Environment as EnvName;
use crate::model::secrets::{self, SecretKind};
use crate::parse::dotenv::EnvFile;
use crate::parse::envrefs::{EnvRef, Extracted, Lang, Stage};
use crate::parse::keytree::Node;
use crate::span::Span;

/// Index into [`EnvModel::files`].
pub type FileId = usize;

/// The name an environment gets when the manifest that deploys the code names none
/// (`compose.yaml`, Kubernetes manifests outside any environment folder).
pub const UNNAMED: &str = "default";

/// Where a provided variable comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProvisionKind {
    /// A line of a `.env` / `.env.<environment>` file.
    EnvFile,
    /// `[env] external` in forecast.toml: provided outside the repository (a secret
    /// manager, the platform's settings).
    External,
    /// A compose service's `environment:` entry.
    ComposeEnvironment,
    /// A line of an env file a compose service names in `env_file:`.
    ComposeEnvFile,
    /// A compose service's `build.args` entry: the build only.
    ComposeBuildArg,
    /// A Kubernetes container's `env:` entry.
    KubernetesEnv,
    /// A key of the ConfigMap or Secret a container's `envFrom:` names.
    KubernetesEnvFrom,
    /// An `env:` / `extraEnv:` entry of Helm values, or a variable the chart's templates set.
    HelmValues,
    /// A Dockerfile `ENV`: the build steps after it and the running image.
    DockerfileEnv,
    /// A Dockerfile `ARG`: the build only.
    DockerfileArg,
}

impl ProvisionKind {
    pub fn describe(self) -> &'static str {
        match self {
            ProvisionKind::EnvFile => "env file",
            ProvisionKind::External => "forecast.toml `[env] external`",
            ProvisionKind::ComposeEnvironment => "compose `environment`",
            ProvisionKind::ComposeEnvFile => "compose `env_file`",
            ProvisionKind::ComposeBuildArg => "compose `build.args`",
            ProvisionKind::KubernetesEnv => "Kubernetes `env`",
            ProvisionKind::KubernetesEnvFrom => "Kubernetes `envFrom`",
            ProvisionKind::HelmValues => "Helm values",
            ProvisionKind::DockerfileEnv => "Dockerfile `ENV`",
            ProvisionKind::DockerfileArg => "Dockerfile `ARG`",
        }
    }

    /// Does a variable provided this way reach the build, the running process, or both?
    /// Env files are read by the build tools (Next.js, Vite) and by the process; a
    /// Dockerfile `ENV` by the build steps after it and the image; an `ARG` and compose
    /// `build.args` by the build only; what a compose service or a Kubernetes container sets
    /// reaches only the running process, after the bundler has inlined `NEXT_PUBLIC_*`.
    pub fn reaches(self, stage: Stage) -> bool {
        match self {
            ProvisionKind::EnvFile | ProvisionKind::External | ProvisionKind::DockerfileEnv => {
                matches!(stage, Stage::Build | Stage::Runtime)
            }
            ProvisionKind::DockerfileArg | ProvisionKind::ComposeBuildArg => stage == Stage::Build,
            ProvisionKind::ComposeEnvironment
            | ProvisionKind::ComposeEnvFile
            | ProvisionKind::KubernetesEnv
            | ProvisionKind::KubernetesEnvFrom
            | ProvisionKind::HelmValues => stage == Stage::Runtime,
        }
    }
}

/// The Kubernetes object a variable's value is served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ObjectKind {
    ConfigMap,
    Secret,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "ConfigMap",
            ObjectKind::Secret => "Secret",
        }
    }
}

/// Where a Kubernetes variable's value is kept: a ConfigMap or Secret, and the key there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedFrom {
    pub kind: ObjectKind,
    /// The object's name.
    pub object: String,
    /// The key in the object (where the value is), or the reference when the object is
    /// not in the repository.
    pub file: FileId,
    pub span: Span,
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
    /// For Kubernetes variables: the ConfigMap or Secret that serves the value.
    pub from: Option<ServedFrom>,
}

impl Provision {
    pub fn new(name: &str, file: FileId, span: Span, kind: ProvisionKind) -> Provision {
        Provision {
            name: name.to_string(),
            file: Some(file),
            span,
            kind,
            from: None,
        }
    }
}

/// Why an environment may receive variables forecast cannot see: an `env_file` that is not in
/// the repository, `envFrom` of an object defined elsewhere, a chart whose templates were not
/// read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub file: FileId,
    pub span: Span,
    /// `` `envFrom` names Secret `api-env`, which is not in the repository ``.
    pub what: String,
}

/// A ConfigMap or Secret a Kubernetes workload uses, and whether changing it restarts the
/// pods: the facts a diff-mode rule needs to say "this change will not reach the running
/// pods".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigUse {
    pub kind: ObjectKind,
    pub object: String,
    /// Where the workload names it (`envFrom`, `secretKeyRef`, a volume).
    pub file: FileId,
    pub span: Span,
    /// `env`, `envFrom` or `volume`.
    pub via: &'static str,
    /// The files that define it in the repository (objects and generators).
    pub defined_in: Vec<FileId>,
    /// Why a change to it rolls the pods (a Kustomize hash suffix, a `checksum/` pod
    /// annotation, a Reloader or Wave annotation), or `None` when it does not.
    pub rolls: Option<&'static str>,
}

/// A process a manifest deploys: a compose service, a Kubernetes container, a Helm release's
/// container; the variables it gets, and the code it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployTarget {
    /// The environment the manifest is for; `None` when its path names none.
    pub env: Option<EnvName>,
    /// For messages: `compose service \`api\``, `` `deployment/api` (container `api`) ``.
    pub label: String,
    /// The same process across environments (`deployment/api/api`): the base of two
    /// overlays, one service in two compose files.
    pub identity: String,
    /// The folder of the code it runs (a compose `build` context, the folder of the
    /// Dockerfile that builds its image); `None` when forecast cannot tell.
    pub scope: Option<String>,
    pub provisions: Vec<Provision>,
    pub openings: Vec<Opening>,
    /// Where a missing variable belongs: the `env:` / `environment:` key, or the container
    /// or service name when it has none.
    pub anchor: (FileId, Span),
    /// `its \`env:\``, `its \`environment:\``: where in `anchor` to add a variable.
    pub hint: String,
    /// The Kustomize overlay that renders it from a base elsewhere: where a variable for this
    /// environment alone goes.
    pub overlay: Option<String>,
    /// The image it runs, for the rollback (`ghcr.io/acme/api:1.4.2`).
    pub image: Option<String>,
    /// The ConfigMaps and Secrets its workload uses (Kubernetes only).
    pub uses: Vec<ConfigUse>,
}

/// One environment (production, staging, ...) of one part of the repository.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    /// Canonical name: `production`, `staging`, `development`, ..., a name configured in
    /// forecast.toml, or `default` for the bare `.env` of a folder that names no environment
    /// and for manifests that name none ([`UNNAMED`]).
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
    /// Why it is open, when a manifest says.
    pub openings: Vec<Opening>,
    /// The deploy targets that run its code (indexes into [`EnvModel::targets`]).
    pub targets: Vec<usize>,
    /// Env files declare it (rather than only manifests).
    pub from_files: bool,
}

impl Environment {
    /// Does it provide `name` for a read at `stage`? Names of case-insensitive reads
    /// (pydantic settings) match whatever the case, and as the prefix of a nested
    /// `NAME__FIELD` variable.
    pub fn provides(&self, name: &str, case_insensitive: bool, stage: Stage) -> bool {
        self.provisions
            .iter()
            .any(|p| p.kind.reaches(stage) && name_matches(&p.name, name, case_insensitive))
    }

    /// Does it set `name` at all, whatever the stage it reaches?
    pub fn declares(&self, name: &str, case_insensitive: bool) -> bool {
        self.provisions
            .iter()
            .any(|p| name_matches(&p.name, name, case_insensitive))
    }

    /// Its own declaration file: where a missing variable belongs.
    pub fn home(&self) -> Option<FileId> {
        self.files.first().copied()
    }

    /// Is it the stand-in for manifests or a folder that name no environment?
    pub fn unnamed(&self) -> bool {
        self.name == UNNAMED
    }
}

/// Does provided `have` answer a read of `want`?
pub fn name_matches(have: &str, want: &str, case_insensitive: bool) -> bool {
    have == want
        || (case_insensitive
            && (have.eq_ignore_ascii_case(want)
                || have.len() > want.len() + 2
                    && have.is_char_boundary(want.len())
                    && have[..want.len()].eq_ignore_ascii_case(want)
                    && have[want.len()..].starts_with("__")))
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
    pub environment: Option<EnvName>,
    pub tree: Node,
    /// Helm values, whose keys feed chart templates rather than application code.
    pub helm_values: bool,
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
    /// What holds it, when not a plain file entry: `ConfigMap \`app-config\``,
    /// `compose service \`api\``.
    pub holder: Option<String>,
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
    /// Every process the manifests deploy, with what it gets.
    pub targets: Vec<DeployTarget>,
    /// Variables provided to every environment that runs the code of a folder (Dockerfile
    /// `ENV` and `ARG`): (folder, provision).
    pub always: Vec<(String, Provision)>,
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

    /// Is `name` provided to code at `path` in every environment (a Dockerfile `ENV` or
    /// `ARG` of the image that runs it)?
    pub fn always_provides(
        &self,
        path: &str,
        name: &str,
        case_insensitive: bool,
        stage: Stage,
    ) -> bool {
        self.always.iter().any(|(scope, p)| {
            in_scope(path, scope)
                && p.kind.reaches(stage)
                && name_matches(&p.name, name, case_insensitive)
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

    /// The id of a file already registered.
    pub fn file_id(&self, path: &str) -> Option<FileId> {
        self.paths.get(path).copied()
    }

    fn environment(&mut self, env: &EnvName, scope: &str) -> usize {
        self.environment_with(&env.name, env.tier(), scope)
    }

    fn environment_with(&mut self, name: &str, tier: Tier, scope: &str) -> usize {
        let key = (scope.to_string(), name.to_string());
        if let Some(&i) = self.envs.get(&key) {
            return i;
        }
        let i = self.model.environments.len();
        self.model.environments.push(Environment {
            name: name.to_string(),
            tier,
            scope: scope.to_string(),
            provisions: Vec::new(),
            files: Vec::new(),
            implicit: false,
            open: false,
            openings: Vec::new(),
            targets: Vec::new(),
            from_files: false,
        });
        self.envs.insert(key, i);
        i
    }

    /// The seam every file-level provider uses: `env` running the code under `scope`
    /// receives `p`.
    pub fn provide(&mut self, env: &EnvName, scope: &str, p: Provision) {
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
    pub fn mark_open(&mut self, env: &EnvName, scope: &str, why: Option<Opening>) {
        let i = self.environment(env, scope);
        let e = &mut self.model.environments[i];
        e.open = true;
        e.openings.extend(why);
    }

    /// A process a manifest deploys. When it runs code of the repository (`target.scope`),
    /// it joins the environment of its name at that folder when the model is built.
    pub fn add_target(&mut self, target: DeployTarget) {
        self.model.targets.push(target);
    }

    /// `p` reaches every environment that runs the code under `scope` (a Dockerfile `ENV`).
    pub fn always(&mut self, scope: &str, p: Provision) {
        self.model.always.push((scope.to_string(), p));
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
            .map(|e| Provision::new(&e.key, file, e.key_span, ProvisionKind::EnvFile))
            .collect();
        for e in &parsed.entries {
            let (Some(value), Some(span)) = (&e.value, e.value_span) else {
                continue;
            };
            self.value(file, &e.key, e.key_span, value, span, documented);
        }
        match role {
            EnvFileRole::Environment(env) => {
                let i = self.environment(env, &scope);
                let env = &mut self.model.environments[i];
                env.files.insert(0, file);
                env.provisions.extend(provisions);
                env.from_files = true;
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
        self.value_in(file, key, key_span, value, value_span, documented, None);
    }

    /// [`EnvModelBuilder::value`], naming what holds it (`ConfigMap \`app\``) for messages.
    #[allow(clippy::too_many_arguments)]
    pub fn value_in(
        &mut self,
        file: FileId,
        key: &str,
        key_span: Span,
        value: &str,
        value_span: Span,
        documented: bool,
        holder: Option<String>,
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
                holder,
            });
            self.model.masks.push((file, value_span));
        } else if secrets::secret_like_key(leaf) {
            self.model.masks.push((file, value_span));
        }
    }

    /// A base64 value (a Kubernetes Secret's `data`): judged decoded, quoted as written.
    #[allow(clippy::too_many_arguments)]
    pub fn encoded_value_in(
        &mut self,
        file: FileId,
        key: &str,
        key_span: Span,
        decoded: &str,
        encoded: &str,
        value_span: Span,
        documented: bool,
        holder: Option<String>,
    ) {
        let before = self.model.secrets.len();
        self.value_in(file, key, key_span, decoded, value_span, documented, holder);
        if let Some(hit) = self.model.secrets.get_mut(before) {
            hit.redacted = format!("{}, base64", crate::redact::redact(encoded));
        }
    }

    /// A span never to show (the value of a secret-like key whose text is not a plain
    /// string, a Secret's data).
    pub fn mask(&mut self, file: FileId, span: Span) {
        self.model.masks.push((file, span));
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
    #[allow(clippy::too_many_arguments)]
    pub fn add_config(
        &mut self,
        path: &str,
        group: String,
        environment: Option<EnvName>,
        tree: Node,
        text: &str,
        documented: bool,
        helm_values: bool,
    ) {
        let file = self.file(path);
        self.config_values(file, &tree, text, documented);
        self.model.configs.push(ConfigFile {
            file,
            group,
            environment,
            tree,
            helm_values,
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

    /// Deploy targets join the environment of their name at the folder of the code they
    /// run.
    fn place_targets(&mut self) {
        let targets = std::mem::take(&mut self.model.targets);
        for (ti, t) in targets.iter().enumerate() {
            let Some(scope) = &t.scope else {
                continue;
            };
            let i = match &t.env {
                Some(env) => self.environment(env, scope),
                None => self.environment_with(UNNAMED, Tier::Development, scope),
            };
            let e = &mut self.model.environments[i];
            e.targets.push(ti);
            e.provisions.extend(t.provisions.iter().cloned());
            for f in std::iter::once(t.anchor.0).chain(t.provisions.iter().filter_map(|p| p.file)) {
                if !e.files.contains(&f) {
                    e.files.push(f);
                }
            }
            if !t.openings.is_empty() {
                e.open = true;
                e.openings.extend(t.openings.iter().cloned());
            }
        }
        self.model.targets = targets;
    }

    /// Base `.env` files join every environment of their folder, or stand in for one.
    fn join_bases(&mut self) {
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
                let i = self.environment_with(UNNAMED, Tier::Development, &scope);
                let e = &mut self.model.environments[i];
                e.implicit = true;
                e.from_files = true;
                for (file, provisions) in files {
                    e.files.push(file);
                    e.provisions.extend(provisions);
                }
                continue;
            }
            for i in named {
                let e = &mut self.model.environments[i];
                e.from_files = true;
                for (file, provisions) in &files {
                    e.files.push(*file);
                    e.provisions.extend(provisions.iter().cloned());
                }
            }
        }
    }

    /// Code a deploy target runs in a folder below the env files that judged it before keeps
    /// those environments: each named one joins the environment of the same name there (or
    /// comes along as one), so a manifest adds to what the env files provide and hides
    /// nothing.
    fn inherit_env_files(&mut self) {
        let file_scopes: std::collections::BTreeSet<String> = self
            .model
            .environments
            .iter()
            .filter(|e| e.from_files)
            .map(|e| e.scope.clone())
            .collect();
        let target_scopes: std::collections::BTreeSet<String> = self
            .model
            .environments
            .iter()
            .filter(|e| !e.targets.is_empty())
            .map(|e| e.scope.clone())
            .collect();
        for scope in target_scopes {
            let Some(above) = file_scopes
                .iter()
                .filter(|a| **a == scope || a.is_empty() || in_scope(&scope, a))
                .max_by_key(|a| a.len())
                .cloned()
            else {
                continue;
            };
            if above == scope {
                continue;
            }
            // A bare `.env` above the code is not in its image: compose reads it for `${VAR}`
            // interpolation, containers do not get it. Named environments' files are what
            // their deploys are declared with, however they are delivered.
            let sources: Vec<Environment> = self
                .model
                .environments
                .iter()
                .filter(|e| e.scope == above && e.from_files && !e.implicit)
                .cloned()
                .collect();
            for src in sources {
                let existed = self.envs.contains_key(&(scope.clone(), src.name.clone()));
                let i = self.environment_with(&src.name, src.tier, &scope);
                let e = &mut self.model.environments[i];
                e.implicit = !existed && src.implicit;
                e.from_files = true;
                e.provisions.extend(src.provisions);
                for f in src.files {
                    if !e.files.contains(&f) {
                        e.files.push(f);
                    }
                }
                e.open |= src.open;
                e.openings.extend(src.openings);
            }
        }
    }

    /// Finish: deploy targets join their environments, base files join every environment of
    /// their folder (or stand in for one), environments declared by env files reach the code
    /// deploy targets run below them, config variants are grouped, everything is sorted.
    pub fn build(mut self) -> EnvModel {
        self.place_targets();
        self.join_bases();
        self.inherit_env_files();
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
        m.secrets
            .dedup_by_key(|s| (s.file, s.key_span.start, s.value_span.start));
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
            let set = sets.entry(c.group.clone()).or_insert_with(|| ConfigSet {
                group: c.group.clone(),
                base: None,
                variants: Vec::new(),
            });
            set.variants.push((env.name.clone(), env.tier(), i));
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
    use crate::classify::environment::Classifier;
    use crate::parse::dotenv;

    fn add(b: &mut EnvModelBuilder, path: &str, text: &str) {
        let role = env_file_role(path, &Classifier::default());
        b.add_env_file(path, &role, &dotenv::parse(text), false);
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
            &EnvName::named("production"),
            "",
            Provision::new("DATABASE_URL", f, Span::new(10, 22), ProvisionKind::EnvFile),
        );
        let m = b.build();
        assert_eq!(m.environments.len(), 1);
        assert!(m.environments[0].provides("DATABASE_URL", false, Stage::Runtime));
    }

    fn target(
        b: &mut EnvModelBuilder,
        env: Option<&str>,
        scope: &str,
        names: &[(&str, ProvisionKind)],
    ) -> DeployTarget {
        let f = b.file("k8s/deployment.yaml");
        DeployTarget {
            env: env.map(EnvName::named),
            label: "`deployment/api` (container `api`)".into(),
            identity: "deployment/api/api".into(),
            scope: Some(scope.to_string()),
            provisions: names
                .iter()
                .map(|(n, k)| Provision::new(n, f, Span::new(0, 1), *k))
                .collect(),
            openings: Vec::new(),
            anchor: (f, Span::new(0, 1)),
            hint: "its `env:`".into(),
            overlay: None,
            image: Some("ghcr.io/acme/api:1.0".into()),
            uses: Vec::new(),
        }
    }

    #[test]
    fn deploy_targets_add_to_the_env_files_above_their_code() {
        let mut b = EnvModelBuilder::new();
        add(&mut b, ".env.production", "DATABASE_URL=postgres://db\n");
        add(&mut b, ".env.staging", "DATABASE_URL=postgres://db\n");
        let t = target(
            &mut b,
            Some("production"),
            "api",
            &[("REDIS_URL", ProvisionKind::KubernetesEnv)],
        );
        b.add_target(t);
        let t = target(
            &mut b,
            None,
            "api",
            &[("PORT", ProvisionKind::ComposeEnvironment)],
        );
        b.add_target(t);
        let m = b.build();
        let envs = m.environments_for("api/src/main.go");
        let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, vec!["default", "production", "staging"]);
        let prod = envs.iter().find(|e| e.name == "production").unwrap();
        assert!(prod.provides("REDIS_URL", false, Stage::Runtime));
        assert!(prod.provides("DATABASE_URL", false, Stage::Runtime));
        // What a container gets is not what the bundler inlined at build time.
        assert!(!prod.provides("REDIS_URL", false, Stage::Build));
        assert!(prod.declares("REDIS_URL", false));
        assert_eq!(prod.targets.len(), 1);
        let dflt = envs.iter().find(|e| e.name == "default").unwrap();
        assert!(!dflt.implicit);
        assert_eq!(dflt.tier, Tier::Development);
        // Code elsewhere is judged by the env files alone.
        let other = m.environments_for("web/app.ts");
        assert_eq!(other.len(), 2);
    }

    #[test]
    fn dockerfile_env_reaches_every_environment_of_its_code() {
        let mut b = EnvModelBuilder::new();
        let f = b.file("api/Dockerfile");
        b.always(
            "api",
            Provision::new("PORT", f, Span::new(4, 8), ProvisionKind::DockerfileEnv),
        );
        b.always(
            "api",
            Provision::new("VERSION", f, Span::new(9, 12), ProvisionKind::DockerfileArg),
        );
        let m = b.build();
        assert!(m.always_provides("api/main.go", "PORT", false, Stage::Runtime));
        assert!(!m.always_provides("web/main.go", "PORT", false, Stage::Runtime));
        assert!(m.always_provides("api/main.go", "VERSION", false, Stage::Build));
        assert!(!m.always_provides("api/main.go", "VERSION", false, Stage::Runtime));
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
