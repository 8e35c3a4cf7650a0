//! Which environment a file belongs to (production, staging, development, ...), from
//! `[environments.<name>] paths = [...]` globs in `forecast.toml` first, then from path
//! conventions: `overlays/production/`, `k8s/staging/`, `values-prod.yaml`,
//! `docker-compose.dev.yml`, `.env.production`.
//!
//! A path is read from the file name back towards the root, and the first folder or name that
//! names an environment wins, so `deploy/prod/overlays/staging/x.yaml` is staging. Names are
//! matched as whole words split on `-`, `_` and `.` (`product/` is not `prod`).

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
    Staging,
    Development,
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
}

/// An environment: the name as written (`prod`, `production`, a config key) and its kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Environment {
    pub name: String,
    pub kind: EnvKind,
}

impl Environment {
    pub fn is_production(&self) -> bool {
        self.kind == EnvKind::Production
    }
}

/// The kind a single word names, if any.
fn kind_of_word(w: &str) -> Option<EnvKind> {
    let w = w.to_ascii_lowercase();
    Some(match w.as_str() {
        "prod" | "production" | "prd" | "live" => EnvKind::Production,
        "staging" | "stage" | "stg" | "preprod" | "uat" => EnvKind::Staging,
        "dev" | "development" | "develop" | "local" | "sandbox" => EnvKind::Development,
        "test" | "testing" | "qa" => EnvKind::Test,
        _ => return None,
    })
}

/// The environment one path component names: the whole component first (`preprod`), then
/// its words (`values-prod` → `prod`).
fn env_of_component(c: &str) -> Option<Environment> {
    let stem = c.trim_start_matches('.');
    if let Some(kind) = kind_of_word(stem) {
        return Some(Environment {
            name: stem.to_ascii_lowercase(),
            kind,
        });
    }
    let lower = stem.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(['-', '_', '.']).collect();
    for (i, w) in words.iter().enumerate() {
        // `pre-prod` and `pre_production` are staging, not production.
        if *w == "pre"
            && let Some(next) = words.get(i + 1)
            && kind_of_word(next).is_some()
        {
            return Some(Environment {
                name: format!("pre{next}"),
                kind: EnvKind::Staging,
            });
        }
        if let Some(kind) = kind_of_word(w) {
            return Some(Environment {
                name: w.to_string(),
                kind,
            });
        }
    }
    None
}

/// The kind of a configured environment name (`live-eu` → production).
pub fn kind_of_name(name: &str) -> EnvKind {
    env_of_component(name)
        .map(|e| e.kind)
        .unwrap_or(EnvKind::Other)
}

/// Environment classification with the configuration's globs compiled once.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    /// (environment, its globs), in the configuration's order.
    configured: Vec<(Environment, GlobSet)>,
}

impl Classifier {
    /// Compile the `[environments]` globs. Invalid globs were rejected when the configuration
    /// was loaded; any that still fail to compile are skipped.
    pub fn new(config: &Config) -> Classifier {
        let mut configured = Vec::new();
        for (name, env) in &config.environments {
            let mut b = GlobSetBuilder::new();
            for g in &env.paths {
                if let Ok(glob) = Glob::new(g) {
                    b.add(glob);
                }
            }
            if let Ok(set) = b.build() {
                let kind = env.kind.unwrap_or_else(|| kind_of_name(name));
                configured.push((
                    Environment {
                        name: name.clone(),
                        kind,
                    },
                    set,
                ));
            }
        }
        Classifier { configured }
    }

    /// The environment of a repository-relative path (`/` separators), if any.
    pub fn classify(&self, path: &str) -> Option<Environment> {
        for (env, set) in &self.configured {
            if set.is_match(path) {
                return Some(env.clone());
            }
        }
        let mut components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        // The file name without its extension(s) that say only the format.
        if let Some(last) = components.last_mut() {
            let mut name = *last;
            for ext in [".yaml", ".yml", ".json", ".toml", ".tfvars", ".conf"] {
                if let Some(s) = name.strip_suffix(ext) {
                    name = s;
                    break;
                }
            }
            *last = name;
        }
        components.iter().rev().find_map(|c| env_of_component(c))
    }
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

    #[test]
    fn path_conventions() {
        use EnvKind::*;
        assert_eq!(
            env("k8s/overlays/production/deployment.yaml"),
            Some(("production".into(), Production))
        );
        assert_eq!(
            env("chart/values-prod.yaml"),
            Some(("prod".into(), Production))
        );
        assert_eq!(
            env("k8s/staging/api.yaml"),
            Some(("staging".into(), Staging))
        );
        assert_eq!(
            env("docker-compose.dev.yml"),
            Some(("dev".into(), Development))
        );
        assert_eq!(
            env(".env.production"),
            Some(("production".into(), Production))
        );
        assert_eq!(env("deploy/stg/app.yaml"), Some(("stg".into(), Staging)));
        assert_eq!(
            env("deploy/pre-prod/app.yaml"),
            Some(("preprod".into(), Staging))
        );
        assert_eq!(env("k8s/base/deployment.yaml"), None);
        assert_eq!(env("product/deployment.yaml"), None);
        assert_eq!(env("tests/fixtures/x.yaml"), None);
        // The closest component wins.
        assert_eq!(
            env("prod/overlays/staging/x.yaml"),
            Some(("staging".into(), Staging))
        );
    }

    #[test]
    fn configured_globs_win() {
        let config = Config::parse(
            "[environments.live-eu]\npaths = [\"deploy/eu/**\"]\n[environments.canary]\npaths = [\"deploy/canary/**\"]\nkind = \"production\"\n",
            std::path::Path::new("forecast.toml"),
        )
        .unwrap();
        let c = Classifier::new(&config);
        let e = c.classify("deploy/eu/staging/app.yaml").unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("live-eu", EnvKind::Production));
        let e = c.classify("deploy/canary/app.yaml").unwrap();
        assert_eq!(e.kind, EnvKind::Production);
        assert_eq!(kind_of_name("eu-west"), EnvKind::Other);
    }
}
