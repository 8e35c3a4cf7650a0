//! What the env family reads from paths: the role of an env file (`.env.production` provides
//! for one environment, `.env` for every environment of its folder, `.env.example` documents
//! the contract), the folder whose code an environment's declarations cover, where a group of
//! per-environment config files lives, and whether a source file is application code, a test
//! or tooling.
//!
//! Which environment a path names is decided by [`super::environment::Classifier`], the one
//! classifier every family uses (`[environments.<name>] paths` first, then path conventions);
//! this module only says how an env file's name or a config file's place turns into a role or
//! a group. Everything here is a function of the path (and the configuration) alone.

use serde::Serialize;

pub use super::environment::Tier;
use super::environment::{At, Classifier, Environment, canonical};

/// Words that mark an env file as documentation of the contract rather than a provider.
fn is_example_word(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "example" | "examples" | "sample" | "template" | "tpl" | "dist" | "schema" | "defaults"
    )
}

/// What an env file is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "role", content = "environment")]
pub enum EnvFileRole {
    /// `.env`, `.env.local`: loaded in every environment of its folder.
    Base,
    /// `.env.production`, `.env.staging.local`, `prod.env`, `deploy/production/.env`, or a
    /// path an `[environments.<name>] paths` glob names.
    Environment(Environment),
    /// `.env.example`, `.env.sample`, `.env.template`, `example.env`, `.env.prod.example`:
    /// the documented contract, committed on purpose, provides nothing.
    Example,
    /// Any other env file (`gotrue.env`, `.env.override`, `.env.docker`): it provides
    /// variables, but forecast cannot tell to which environment until a compose file or a
    /// manifest names it.
    Unassigned,
}

/// The role of an env file (a path [`super::classify_path`] calls [`super::FileKind::Env`]).
/// The environment comes from `envs` ([`Classifier`]): a configured glob, the file name
/// (`.env.<environment>`, `<environment>.env`), or for a bare `.env` its folders.
pub fn env_file_role(path: &str, envs: &Classifier) -> EnvFileRole {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    // `.env`, `.env.<parts>`; `<parts>.env`; `<parts>.env.<parts>`.
    let parts: Vec<&str> = lower.split('.').filter(|p| !p.is_empty()).collect();
    let Some(env_at) = parts.iter().position(|p| *p == "env") else {
        return EnvFileRole::Unassigned;
    };
    let others: Vec<&str> = parts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != env_at)
        .map(|(_, p)| *p)
        .collect();
    if others.iter().any(|p| is_example_word(p)) {
        return EnvFileRole::Example;
    }
    if let Some(p) = envs.configured(path) {
        return EnvFileRole::Environment(p.env);
    }
    if others.is_empty() || others == ["local"] {
        // A bare `.env` inside a folder named for an environment belongs to it.
        return match envs.place_by_folder(path) {
            Some(p) => EnvFileRole::Environment(p.env),
            None => EnvFileRole::Base,
        };
    }
    let words: Vec<&str> = others.iter().copied().filter(|p| *p != "local").collect();
    if let [word] = words.as_slice()
        && let Some(env) = canonical(word)
    {
        return EnvFileRole::Environment(env);
    }
    EnvFileRole::Unassigned
}

/// Folder names that hold per-environment files rather than the application.
fn is_container_dir(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "environments"
            | "environment"
            | "envs"
            | "env"
            | "config"
            | "configs"
            | "configuration"
            | "deploy"
            | "deployment"
            | "deployments"
            | "infra"
            | "settings"
            | "overlays"
    )
}

/// The folder whose code a file's declarations apply to: the file's folder, without a
/// trailing environment folder (`deploy/production/.env` → ``) and the container folder
/// that holds the environments (`environments/`, `config/`, `deploy/`, ...).
pub fn scope_of(path: &str) -> String {
    let mut dir = super::parent_dir(path);
    let last = |d: &str| d.rsplit('/').next().unwrap_or(d).to_string();
    if !dir.is_empty() && canonical(&last(dir)).is_some() {
        dir = super::parent_dir(dir);
        if !dir.is_empty() && is_container_dir(&last(dir)) {
            dir = super::parent_dir(dir);
        }
    }
    dir.to_string()
}

/// Is `path` inside folder `scope` (`""` is the root)?
pub fn in_scope(path: &str, scope: &str) -> bool {
    scope.is_empty()
        || (path.len() > scope.len()
            && path.starts_with(scope)
            && path.as_bytes()[scope.len()] == b'/')
}

/// Where a structured config file sits among per-environment variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigVariant {
    /// The path with the environment replaced by `{env}`: files with the same group are
    /// variants of one configuration (`config/{env}.toml`).
    pub group: String,
    /// The environment, or `None` for the base file every environment inherits from.
    pub environment: Option<Environment>,
}

/// Stems that name a base configuration the environments layer over.
fn is_base_stem(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "default"
            | "defaults"
            | "base"
            | "common"
            | "shared"
            | "global"
            | "config"
            | "settings"
            | "values"
            | "application"
    )
}

/// Does the path look like configuration (a config folder, or a config-like file name),
/// rather than data that happens to be named `demo.json` or `test.toml`?
fn config_like(path: &str) -> bool {
    const WORDS: &[&str] = &[
        "config",
        "configs",
        "configuration",
        "conf",
        "settings",
        "appsettings",
        "application",
        "app",
        "env",
        "envs",
        "environment",
        "environments",
        "deploy",
        "deployment",
        "deployments",
        "values",
    ];
    path.to_ascii_lowercase()
        .split(['/', '.', '-', '_'])
        .any(|w| WORDS.contains(&w))
}

/// A config file's place among per-environment variants (`config/production.toml`,
/// `config.staging.json`, `appsettings.Production.json`, `settings-prod.toml`,
/// `deploy/staging/app.toml`, `values-prod.yaml`, `application-staging.yml`, or a path an
/// `[environments.<name>] paths` glob names), or `None` when the path names no environment
/// or does not look like configuration.
pub fn config_variant(path: &str, envs: &Classifier) -> Option<ConfigVariant> {
    if !config_like(path) || code_role(path) == CodeRole::Test {
        return None;
    }
    let p = envs.place(path)?;
    if matches!(p.at, At::Configured { .. }) && p.group(path).is_none() {
        return None;
    }
    Some(ConfigVariant {
        group: p.group(path)?,
        environment: Some(p.env),
    })
}

/// The groups a base file (`config/default.toml`, `appsettings.json`, `settings.toml`) may
/// be the base of: `(group, base path)` candidates to look up.
pub fn base_candidates(group: &str) -> Vec<String> {
    let Some(at) = group.find("{env}") else {
        return Vec::new();
    };
    let (before, after) = (&group[..at], &group[at + 5..]);
    let mut out = Vec::new();
    // `config/{env}.toml` → `config/default.toml`, ...
    let name_start = before.rfind('/').map(|i| i + 1).unwrap_or(0);
    let at_name_start = at == name_start;
    let after_is_ext = after.starts_with('.') && !after[1..].contains('.');
    if at_name_start && after_is_ext {
        for b in [
            "default",
            "defaults",
            "base",
            "common",
            "shared",
            "global",
            "config",
            "settings",
            "values",
            "application",
        ] {
            out.push(format!("{before}{b}{after}"));
        }
    }
    // `appsettings.{env}.json` → `appsettings.json`; `settings-{env}.toml` → `settings.toml`.
    if before.ends_with(['.', '-', '_']) && before.len() > name_start + 1 {
        out.push(format!("{}{}", &before[..before.len() - 1], after));
    }
    // `deploy/{env}/app.toml` → `deploy/base/app.toml`, `deploy/app.toml`.
    if (before.ends_with('/') || before.is_empty())
        && let Some(rest) = after.strip_prefix('/')
    {
        for b in ["base", "common", "default", "shared"] {
            out.push(format!("{before}{b}/{rest}"));
        }
        out.push(format!("{before}{rest}"));
    }
    out.retain(|c| {
        let stem = c.rsplit('/').next().unwrap_or(c);
        let stem = stem.split('.').next().unwrap_or(stem);
        !stem.is_empty() && (is_base_stem(stem) || !c.contains("{env}"))
    });
    out
}

/// What a source file is, for env reads: reads in tests and tooling do not have to be
/// provided by a deployed environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeRole {
    App,
    Test,
    /// Build scripts, build-tool configs, scripts, examples, docs, CI.
    Tooling,
}

/// The role of a source file, from its path.
pub fn code_role(path: &str) -> CodeRole {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let dirs: Vec<&str> = lower.split('/').collect();
    let dirs = &dirs[..dirs.len().saturating_sub(1)];
    let test_dir = dirs.iter().any(|d| {
        matches!(
            *d,
            "test"
                | "tests"
                | "__tests__"
                | "__test__"
                | "spec"
                | "specs"
                | "e2e"
                | "testdata"
                | "test-data"
                | "fixtures"
                | "__mocks__"
                | "__fixtures__"
                | "testing"
                | "integration-tests"
                | "integration_tests"
                | "cypress"
                | "playwright"
        )
    });
    let stem = name.split('.').next().unwrap_or(name);
    let test_file = name.ends_with("_test.go")
        || name.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_spec")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name == "conftest.py"
        || name == "tests.rs"
        || ["Test.java", "Tests.java", "IT.java", "Test.kt", "Tests.kt"]
            .iter()
            .any(|s| path.ends_with(s));
    if test_dir || test_file {
        return CodeRole::Test;
    }
    // `scripts/` at the top of a project is tooling; `src/app/api/scripts/` is a route.
    let source_root = dirs
        .iter()
        .position(|d| matches!(*d, "src" | "app" | "lib" | "pages"))
        .unwrap_or(usize::MAX);
    let tooling_dir = dirs.iter().enumerate().any(|(i, d)| {
        i < source_root
            && matches!(
                *d,
                "scripts"
                    | "script"
                    | "tools"
                    | "tooling"
                    | "examples"
                    | "example"
                    | "benches"
                    | "bench"
                    | "benchmarks"
                    | "docs"
                    | "doc"
                    | ".github"
                    | ".circleci"
                    | "hack"
                    | "xtask"
                    | ".storybook"
            )
    });
    let tooling_file = name == "build.rs"
        || name.contains(".config.")
        || name.starts_with("webpack.")
        || name.starts_with("gulpfile")
        || name.starts_with("gruntfile")
        || name.contains(".stories.")
        || matches!(
            name,
            "setup.py" | "noxfile.py" | "fabfile.py" | "tasks.py" | "rakefile" | "magefile.go"
        );
    // Vendored and generated code: not this application's reads.
    let vendored = dirs.iter().any(|d| {
        matches!(
            *d,
            "vendor"
                | "third_party"
                | "third-party"
                | "node_modules"
                | "site-packages"
                | ".venv"
                | "venv"
                | "dist"
                | ".next"
                | ".nuxt"
                | ".output"
                | "generated"
                | "__generated__"
        )
    });
    if tooling_dir || tooling_file || vendored {
        return CodeRole::Tooling;
    }
    CodeRole::App
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> EnvFileRole {
        EnvFileRole::Environment(Environment::named(name))
    }

    fn env_file_role(path: &str) -> EnvFileRole {
        super::env_file_role(path, &Classifier::default())
    }

    fn config_variant(path: &str) -> Option<ConfigVariant> {
        super::config_variant(path, &Classifier::default())
    }

    #[test]
    fn env_file_roles() {
        assert_eq!(env_file_role(".env"), EnvFileRole::Base);
        assert_eq!(env_file_role("app/.env.local"), EnvFileRole::Base);
        assert_eq!(env_file_role(".env.production"), env("production"));
        assert_eq!(env_file_role(".env.prod"), env("production"));
        assert_eq!(env_file_role(".env.staging.local"), env("staging"));
        assert_eq!(env_file_role("prod.env"), env("production"));
        assert_eq!(env_file_role("hack/test.env"), env("test"));
        assert_eq!(env_file_role("deploy/production/.env"), env("production"));
        assert_eq!(env_file_role("deploy/staging/web/.env"), env("staging"));
        assert_eq!(env_file_role("apps/live-chat/.env"), EnvFileRole::Base);
        assert_eq!(env_file_role(".env.local"), EnvFileRole::Base);
        for example in [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".env.prod.example",
            ".env.dev-azure.example",
            "example.env",
            "example.docker.env",
            ".docker.env.sample",
            ".env.local.example",
        ] {
            assert_eq!(env_file_role(example), EnvFileRole::Example, "{example}");
        }
        for other in [
            ".env.override",
            ".env.docker",
            "gotrue.env",
            ".healthcheck.env",
        ] {
            assert_eq!(env_file_role(other), EnvFileRole::Unassigned, "{other}");
        }
    }

    #[test]
    fn scopes() {
        assert_eq!(scope_of(".env.production"), "");
        assert_eq!(scope_of("apps/api/.env.production"), "apps/api");
        assert_eq!(scope_of("deploy/production/.env"), "");
        assert_eq!(scope_of("svc/environments/staging/.env"), "svc");
        assert_eq!(scope_of("svc/staging/.env"), "svc");
        assert!(in_scope("apps/api/src/main.rs", "apps/api"));
        assert!(!in_scope("apps/api2/src/main.rs", "apps/api"));
        assert!(in_scope("src/main.rs", ""));
    }

    #[test]
    fn configured_environments() {
        let config = crate::config::Config::parse(
            "[environments.production]\npaths = [\"ops/live/**\"]\n[environments.blue]\npaths = [\"ops/blue/**\"]\nkind = \"staging\"\n",
            std::path::Path::new("forecast.toml"),
        )
        .unwrap();
        let c = Classifier::new(&config);
        assert_eq!(super::env_file_role("ops/live/.env", &c), env("production"));
        let v = super::config_variant("ops/blue/app.toml", &c).unwrap();
        assert_eq!(v.group, "{env}/app.toml");
        let e = v.environment.unwrap();
        assert_eq!((e.name.as_str(), e.tier()), ("blue", Tier::PreProduction));
        assert_eq!(
            super::config_variant("ops/live/app.toml", &c)
                .unwrap()
                .group,
            "{env}/app.toml"
        );
    }

    #[test]
    fn config_variants_and_bases() {
        let v = config_variant("config/production.toml").unwrap();
        assert_eq!(v.group, "config/{env}.toml");
        assert_eq!(v.environment.map(|e| e.name).as_deref(), Some("production"));
        assert_eq!(
            config_variant("config/staging.toml").unwrap().group,
            "config/{env}.toml"
        );
        let v = config_variant("appsettings.Production.json").unwrap();
        assert_eq!(v.group, "appsettings.{env}.json");
        assert_eq!(
            config_variant("settings-prod.toml").unwrap().group,
            "settings-{env}.toml"
        );
        assert_eq!(
            config_variant("deploy/staging/app.toml").unwrap().group,
            "deploy/{env}/app.toml"
        );
        assert_eq!(config_variant("Cargo.toml"), None);
        assert_eq!(config_variant("fixtures/demo.json"), None);
        assert_eq!(config_variant("data/staging.json"), None);
        assert_eq!(config_variant("tests/config/production.toml"), None);
        assert_eq!(config_variant("config/prod-staging.toml"), None);
        assert_eq!(
            config_variant("chart/values-prod.yaml").unwrap().group,
            "chart/values-{env}.yaml"
        );
        assert_eq!(
            config_variant("src/main/resources/application-staging.yml")
                .unwrap()
                .group,
            "src/main/resources/application-{env}.yml"
        );
        assert!(base_candidates("chart/values-{env}.yaml").contains(&"chart/values.yaml".into()));
        assert!(base_candidates("config/{env}.toml").contains(&"config/default.toml".into()));
        assert!(base_candidates("appsettings.{env}.json").contains(&"appsettings.json".into()));
        assert!(base_candidates("settings-{env}.toml").contains(&"settings.toml".into()));
        assert!(base_candidates("deploy/{env}/app.toml").contains(&"deploy/base/app.toml".into()));
    }

    #[test]
    fn code_roles() {
        assert_eq!(code_role("src/server.ts"), CodeRole::App);
        assert_eq!(code_role("src/server.test.ts"), CodeRole::Test);
        assert_eq!(code_role("pkg/db/db_test.go"), CodeRole::Test);
        assert_eq!(code_role("tests/test_api.py"), CodeRole::Test);
        assert_eq!(code_role("app/test_api.py"), CodeRole::Test);
        assert_eq!(code_role("src/main/java/AppTest.java"), CodeRole::Test);
        assert_eq!(code_role("scripts/seed.js"), CodeRole::Tooling);
        assert_eq!(code_role("packages/api/scripts/seed.ts"), CodeRole::Tooling);
        assert_eq!(
            code_role("src/app/api/scripts/telemetry/route.ts"),
            CodeRole::App
        );
        assert_eq!(code_role("next.config.js"), CodeRole::Tooling);
        assert_eq!(code_role("vendor/github.com/x/y/env.go"), CodeRole::Tooling);
        assert_eq!(code_role("web/dist/main.js"), CodeRole::Tooling);
        assert_eq!(code_role("build.rs"), CodeRole::Tooling);
        assert_eq!(code_role("src/contest.py"), CodeRole::App);
        assert_eq!(code_role("src/main/java/Contest.java"), CodeRole::App);
    }
}
