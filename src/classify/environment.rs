//! Which deploy environment a path belongs to (production, staging, development, ...): the one
//! place that decides it, for every family.
//!
//! [`Classifier::place`] reads `[environments.<name>] paths = [...]` globs from `forecast.toml`
//! first, then path conventions: the file name (`values-prod.yaml`, `.env.production`,
//! `docker-compose.dev.yml`, `config/staging.toml`), then its folders from the nearest one up
//! (`overlays/production/`, `k8s/staging/`, `deploy/production/app.toml`). It says where the
//! environment was read ([`At`]), so a family can turn the path into a per-environment group
//! (`config/{env}.toml`) or trust only some positions.
//!
//! Names come from one vocabulary ([`canonical`]): `prod`, `prd` and `live` are `production`,
//! `stg` and `stage` are `staging`, `dev` is `development`. Words are matched whole, split on
//! `-`, `_` and `.` (`product/` is not `prod`). A word that is common in ordinary names (`live`,
//! `local`, `test`, `demo`, `stage`, ...) names an environment only as a whole component, or at
//! the end of a file name (`values-live.yaml`, `.env.test`), never inside a compound folder or
//! file name (`live-chat/`, `test-pod.yaml`). A component that names two environments
//! (`prod-staging.toml`) names none.

use std::ops::Range;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::config::Config;

/// What kind of environment a name stands for. Rules and scoring weigh production higher.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum EnvKind {
    Production,
    /// Deployed, not production: staging, pre-production, QA, UAT, canary, sandbox, demo.
    Staging,
    Development,
    /// Test, CI, end-to-end.
    Test,
    /// A name forecast does not recognise (`eu-west`): weighed like an unclassified file.
    Other,
}

impl EnvKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvKind::Production => "production",
            EnvKind::Staging => "staging",
            EnvKind::Development => "development",
            EnvKind::Test => "test",
            EnvKind::Other => "other",
        }
    }

    /// How close to production, for the env family's weights. An environment configured under
    /// a name forecast does not know is assumed deployed.
    pub fn tier(self) -> Tier {
        match self {
            EnvKind::Production => Tier::Production,
            EnvKind::Staging | EnvKind::Other => Tier::PreProduction,
            EnvKind::Development | EnvKind::Test => Tier::Development,
        }
    }
}

/// How close an environment is to production. The env rules weigh findings by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// Development, local, test, CI: expected to differ from production.
    Development,
    /// Staging, QA, UAT, canary, pre-production: deployed, not production.
    PreProduction,
    Production,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Development => "development",
            Tier::PreProduction => "pre-production",
            Tier::Production => "production",
        }
    }

    /// Deployed environments (pre-production and production).
    pub fn deployed(self) -> bool {
        self != Tier::Development
    }
}

/// An environment: its canonical name (`production`, or the name configured in
/// `forecast.toml`) and its kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Environment {
    pub name: String,
    pub kind: EnvKind,
}

impl Environment {
    pub fn is_production(&self) -> bool {
        self.kind == EnvKind::Production
    }

    pub fn tier(&self) -> Tier {
        self.kind.tier()
    }

    /// The environment a canonical or configured name stands for (`production`, `live-eu`).
    pub fn named(name: &str) -> Environment {
        canonical(name).unwrap_or_else(|| Environment {
            name: name.to_string(),
            kind: kind_of_name(name),
        })
    }
}

/// Words that name an environment only when they stand alone: as a whole path component, or
/// at the end of a file name. Inside a compound name they usually mean something else
/// (`live-chat/`, `test-utils/`, `multi-stage/`, `local-storage.yaml`).
fn weak(word: &str) -> bool {
    matches!(
        word,
        "live"
            | "stage"
            | "develop"
            | "local"
            | "test"
            | "testing"
            | "ci"
            | "e2e"
            | "qa"
            | "canary"
            | "sandbox"
            | "demo"
    )
}

/// The canonical environment a single word names, if any: `prod` → `production`.
pub fn canonical(word: &str) -> Option<Environment> {
    let w = word.to_ascii_lowercase();
    let (name, kind) = match w.as_str() {
        "production" | "prod" | "prd" | "live" => ("production", EnvKind::Production),
        "staging" | "stage" | "stg" => ("staging", EnvKind::Staging),
        "preprod" | "pre-prod" | "pre_prod" | "preproduction" | "pre-production"
        | "pre_production" => ("preprod", EnvKind::Staging),
        "uat" => ("uat", EnvKind::Staging),
        "qa" => ("qa", EnvKind::Staging),
        "canary" => ("canary", EnvKind::Staging),
        "sandbox" => ("sandbox", EnvKind::Staging),
        "demo" => ("demo", EnvKind::Staging),
        "development" | "dev" | "develop" => ("development", EnvKind::Development),
        "local" => ("local", EnvKind::Development),
        "test" | "testing" => ("test", EnvKind::Test),
        "ci" => ("ci", EnvKind::Test),
        "e2e" => ("e2e", EnvKind::Test),
        _ => return None,
    };
    Some(Environment {
        name: name.to_string(),
        kind,
    })
}

/// The kind of a configured environment name (`live-eu` → production, `blue` → other).
pub fn kind_of_name(name: &str) -> EnvKind {
    // A configured name is all environment: every word counts.
    name.split(['-', '_', '.'])
        .find_map(canonical)
        .map_or(EnvKind::Other, |e| e.kind)
}

/// Where in a path the environment was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// A `[environments.<name>] paths` glob matched; `prefix` is the glob's literal folder
    /// part (`deploy/eu/` for `deploy/eu/**`) when the path starts with it.
    Configured { prefix: Option<String> },
    /// The file name names it; `range` is the word's bytes in the path.
    FileName { range: Range<usize> },
    /// A folder names it, `depth` levels above the file (1: its own folder); `range` is the
    /// word's bytes in the path.
    Folder { depth: usize, range: Range<usize> },
}

/// An environment and where the path names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub env: Environment,
    pub at: At,
}

impl Placement {
    /// The path with the environment's word replaced by `{env}` (`config/{env}.toml`): files
    /// with the same group are one configuration's per-environment variants.
    pub fn group(&self, path: &str) -> Option<String> {
        match &self.at {
            At::Configured { prefix } => {
                let prefix = prefix.as_deref()?;
                let rest = path.strip_prefix(prefix)?;
                Some(format!("{{env}}/{rest}"))
            }
            At::FileName { range } | At::Folder { range, .. } => Some(format!(
                "{}{{env}}{}",
                path.get(..range.start)?,
                path.get(range.end..)?
            )),
        }
    }
}

/// What one path component says.
enum Read {
    Found(Environment, Range<usize>),
    /// It names two different environments.
    Ambiguous,
    Nothing,
}

/// Read one component (a folder name, or a file name without its format extension).
/// `file_name`: weak words count at the end of it.
fn read_component(c: &str, file_name: bool) -> Read {
    let lead = c.len() - c.trim_start_matches('.').len();
    let stem = &c[lead..];
    if let Some(e) = canonical(stem) {
        return Read::Found(e, lead..c.len());
    }
    // Words with their byte ranges in `c`.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = lead;
    for (i, ch) in c.char_indices().skip_while(|(i, _)| *i < lead) {
        if matches!(ch, '-' | '_' | '.') {
            if i > start {
                words.push((start, i));
            }
            start = i + 1;
        }
    }
    if c.len() > start {
        words.push((start, c.len()));
    }
    let last = words.len().saturating_sub(1);
    let mut found: Vec<(Environment, Range<usize>)> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (s, e) = words[i];
        let w = c[s..e].to_ascii_lowercase();
        // `pre-prod`, `pre_production`: one word over two.
        if w == "pre"
            && let Some(&(s2, e2)) = words.get(i + 1)
            && canonical(&c[s2..e2]).is_some_and(|x| x.kind == EnvKind::Production)
        {
            found.push((
                Environment {
                    name: "preprod".into(),
                    kind: EnvKind::Staging,
                },
                s..e2,
            ));
            i += 2;
            continue;
        }
        if let Some(env) = canonical(&w) {
            // A weak word counts at the end of a file name, or set off by dots there
            // (`.env.test.local`, `docker-compose.ci.yml`).
            let set_off = file_name
                && (i == last
                    || (c.as_bytes().get(e) == Some(&b'.')
                        && (s == 0 || c.as_bytes().get(s - 1) == Some(&b'.'))));
            if !weak(&w) || set_off {
                found.push((env, s..e));
            }
        }
        i += 1;
    }
    // `local` beside another environment is a modifier (`.env.staging.local`).
    if found.len() > 1 {
        found.retain(|(e, _)| e.name != "local");
    }
    match found.as_slice() {
        [] => Read::Nothing,
        [(e, r)] => Read::Found(e.clone(), r.clone()),
        [(first, r), rest @ ..] => {
            if rest.iter().all(|(e, _)| e == first) {
                Read::Found(first.clone(), r.clone())
            } else {
                Read::Ambiguous
            }
        }
    }
}

/// Extensions that say only the format of a file.
const FORMAT_EXTENSIONS: &[&str] = &[".yaml", ".yml", ".json", ".toml", ".tfvars", ".conf"];

/// Environment classification with the configuration's globs compiled once.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    /// (environment, its globs, each glob's literal folder prefix), in the configuration's
    /// order.
    configured: Vec<(Environment, GlobSet, Vec<String>)>,
}

/// The literal folder part of a glob: `deploy/eu/` for `deploy/eu/**`.
fn literal_prefix(glob: &str) -> String {
    let end = glob.find(['*', '?', '[', '{']).unwrap_or(glob.len());
    match glob[..end].rfind('/') {
        Some(i) => glob[..=i].to_string(),
        None => String::new(),
    }
}

impl Classifier {
    /// Compile the `[environments]` globs. Invalid globs were rejected when the configuration
    /// was loaded; any that still fail to compile are skipped.
    pub fn new(config: &Config) -> Classifier {
        let mut configured = Vec::new();
        for (name, env) in &config.environments {
            let mut b = GlobSetBuilder::new();
            let mut prefixes = Vec::new();
            for g in &env.paths {
                if let Ok(glob) = Glob::new(g) {
                    b.add(glob);
                    prefixes.push(literal_prefix(g));
                }
            }
            if let Ok(set) = b.build() {
                // A configured name that is a known word joins that environment (`prod` and
                // `.env.production` are one environment).
                let mut environment = Environment::named(name);
                if let Some(kind) = env.kind {
                    environment.kind = kind;
                }
                configured.push((environment, set, prefixes));
            }
        }
        Classifier { configured }
    }

    /// The environment a `[environments]` glob gives a path, if any.
    pub fn configured(&self, path: &str) -> Option<Placement> {
        for (env, set, prefixes) in &self.configured {
            if set.is_match(path) {
                let prefix = prefixes
                    .iter()
                    .filter(|p| !p.is_empty() && path.starts_with(p.as_str()))
                    .max_by_key(|p| p.len())
                    .cloned();
                return Some(Placement {
                    env: env.clone(),
                    at: At::Configured { prefix },
                });
            }
        }
        None
    }

    /// The environment of a repository-relative path (`/` separators) and where the path
    /// names it: a configured glob first, then the file name, then its folders from the
    /// nearest up.
    pub fn place(&self, path: &str) -> Option<Placement> {
        self.configured(path).or_else(|| walk(path, true))
    }

    /// [`Classifier::place`] without reading the file name: the environment a file's folders
    /// give it (a bare `.env` in `deploy/production/`).
    pub fn place_by_folder(&self, path: &str) -> Option<Placement> {
        self.configured(path).or_else(|| walk(path, false))
    }

    /// The environment of a repository-relative path, if any.
    pub fn classify(&self, path: &str) -> Option<Environment> {
        self.place(path).map(|p| p.env)
    }
}

/// Path conventions: the file name (when `file_name`), then the folders from the nearest up.
fn walk(path: &str, file_name: bool) -> Option<Placement> {
    let mut offsets: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for c in path.split('/') {
        if !c.is_empty() {
            offsets.push((at, c));
        }
        at += c.len() + 1;
    }
    let n = offsets.len();
    for (k, (start, c)) in offsets.iter().enumerate().rev() {
        let is_name = k + 1 == n;
        if is_name && !file_name {
            continue;
        }
        let mut name = *c;
        if is_name {
            let lower = name.to_ascii_lowercase();
            if let Some(ext) = FORMAT_EXTENSIONS.iter().find(|e| lower.ends_with(*e)) {
                name = &name[..name.len() - ext.len()];
            }
        }
        if let Read::Found(env, r) = read_component(name, is_name) {
            let range = start + r.start..start + r.end;
            let at = if is_name {
                At::FileName { range }
            } else {
                At::Folder {
                    depth: n - 1 - k,
                    range,
                }
            };
            return Some(Placement { env, at });
        }
    }
    None
}

/// Classify one path against a configuration (compiles its globs each call; use
/// [`Classifier`] for many paths).
pub fn classify(path: &str, config: &Config) -> Option<Environment> {
    Classifier::new(config).classify(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(path: &str) -> Option<(String, EnvKind)> {
        classify(path, &Config::default()).map(|e| (e.name, e.kind))
    }

    fn some(name: &str, kind: EnvKind) -> Option<(String, EnvKind)> {
        Some((name.to_string(), kind))
    }

    #[test]
    fn path_conventions() {
        use EnvKind::*;
        assert_eq!(
            env("k8s/overlays/production/deployment.yaml"),
            some("production", Production)
        );
        assert_eq!(
            env("chart/values-prod.yaml"),
            some("production", Production)
        );
        assert_eq!(env("k8s/staging/api.yaml"), some("staging", Staging));
        assert_eq!(
            env("docker-compose.dev.yml"),
            some("development", Development)
        );
        assert_eq!(env(".env.production"), some("production", Production));
        assert_eq!(env("deploy/stg/app.yaml"), some("staging", Staging));
        assert_eq!(env("deploy/pre-prod/app.yaml"), some("preprod", Staging));
        assert_eq!(env("deploy/preprod-eu/app.yaml"), some("preprod", Staging));
        assert_eq!(env("k8s/base/deployment.yaml"), None);
        assert_eq!(env("product/deployment.yaml"), None);
        assert_eq!(env("tests/fixtures/x.yaml"), None);
        // The closest component wins.
        assert_eq!(
            env("prod/overlays/staging/x.yaml"),
            some("staging", Staging)
        );
        // Words common in ordinary names count only alone or at the end of a file name.
        assert_eq!(env("apps/live-chat/deployment.yaml"), None);
        assert_eq!(env("k8s/test-pod.yaml"), None);
        assert_eq!(env("docs/multi-stage/Dockerfile"), None);
        assert_eq!(env("k8s/live/app.yaml"), some("production", Production));
        assert_eq!(
            env("chart/values-live.yaml"),
            some("production", Production)
        );
        assert_eq!(env("docker-compose.ci.yml"), some("ci", Test));
        assert_eq!(env("k8s/prod-eu/app.yaml"), some("production", Production));
        // `local` beside another environment is a modifier; two environments are none.
        assert_eq!(env(".env.staging.local"), some("staging", Staging));
        assert_eq!(env("config/prod-staging.toml"), None);
        assert_eq!(env("config/qa.toml"), some("qa", Staging));
        assert_eq!(env("config/sandbox.toml"), some("sandbox", Staging));
    }

    #[test]
    fn placements_and_groups() {
        let c = Classifier::default();
        let p = c.place("config/production.toml").unwrap();
        assert!(matches!(p.at, At::FileName { .. }));
        assert_eq!(
            p.group("config/production.toml").as_deref(),
            Some("config/{env}.toml")
        );
        let path = "deploy/staging/app.toml";
        let p = c.place(path).unwrap();
        assert!(matches!(p.at, At::Folder { depth: 1, .. }));
        assert_eq!(p.group(path).as_deref(), Some("deploy/{env}/app.toml"));
        let path = "appsettings.Production.json";
        assert_eq!(
            c.place(path).unwrap().group(path).as_deref(),
            Some("appsettings.{env}.json")
        );
        let path = "k8s/pre-prod/values.yaml";
        assert_eq!(
            c.place(path).unwrap().group(path).as_deref(),
            Some("k8s/{env}/values.yaml")
        );
    }

    #[test]
    fn configured_globs_win() {
        let config = Config::parse(
            "[environments.live-eu]\npaths = [\"deploy/eu/**\"]\n[environments.canary]\npaths = [\"deploy/canary/**\"]\nkind = \"production\"\n[environments.prod]\npaths = [\"ops/p/**\"]\n",
            std::path::Path::new("forecast.toml"),
        )
        .unwrap();
        let c = Classifier::new(&config);
        let e = c.classify("deploy/eu/staging/app.yaml").unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("live-eu", EnvKind::Production));
        let e = c.classify("deploy/canary/app.yaml").unwrap();
        assert_eq!(e.kind, EnvKind::Production);
        assert_eq!(kind_of_name("eu-west"), EnvKind::Other);
        // A configured name that is a known word is that environment.
        let p = c.place("ops/p/app.toml").unwrap();
        assert_eq!(p.env.name, "production");
        assert_eq!(p.group("ops/p/app.toml").as_deref(), Some("{env}/app.toml"));
    }

    #[test]
    fn tiers() {
        assert_eq!(EnvKind::Production.tier(), Tier::Production);
        assert_eq!(EnvKind::Staging.tier(), Tier::PreProduction);
        assert_eq!(EnvKind::Test.tier(), Tier::Development);
        assert!(EnvKind::Other.tier().deployed());
        assert_eq!(canonical("PRD").unwrap().name, "production");
        assert_eq!(canonical("stg").unwrap().name, "staging");
        assert!(canonical("product").is_none());
    }
}
