//! `forecast.toml`: the project's configuration.
//!
//! Found by walking up from the scanned path to the repository root (the first folder that
//! holds `.git`), or given with `--config`. Unknown keys and bad values are errors that name
//! the key and what is allowed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::finding::Severity;

pub const FILE_NAME: &str = "forecast.toml";

/// The SQL dialect migrations are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DialectName {
    #[default]
    Postgres,
    Generic,
}

/// The database the migrations run against in production.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    #[serde(default)]
    pub dialect: DialectName,
    /// Major version of the production server.
    #[serde(default = "default_pg_version")]
    pub version: u32,
}

fn default_pg_version() -> u32 {
    15
}

impl Default for Database {
    fn default() -> Self {
        Database {
            dialect: DialectName::Postgres,
            version: default_pg_version(),
        }
    }
}

/// What is known about one table in production.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableHint {
    /// About how many rows the table holds.
    pub rows: u64,
}

/// Where migrations live, when forecast cannot tell from folder names.
#[derive(Debug, Clone, Deserialize, Serialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Migrations {
    /// Extra folders (relative to the repository root) that hold migrations, for layouts
    /// whose folder names forecast does not recognise.
    #[serde(default)]
    pub paths: Vec<String>,
}

/// Which rules run, where, and how severe their findings are.
#[derive(Debug, Clone, Deserialize, Serialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Only these rule codes (or prefixes such as `M1`) run. Empty: all.
    #[serde(default)]
    pub select: Vec<String>,
    /// These rule codes (or prefixes) never run.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Per-rule severity overrides.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Rules (codes or prefixes) that do not apply to some paths: a glob relative to the
    /// repository root (`db/legacy/**`), and the rules whose findings there are dropped.
    #[serde(default)]
    pub per_path_ignores: BTreeMap<String, Vec<String>>,
}

/// Inline `forecast-ignore` comments and the baseline file.
#[derive(Debug, Clone, Deserialize, Serialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suppressions {
    /// Report `forecast-ignore` comments that suppress nothing (F003), as
    /// `--report-unused-ignores` does.
    #[serde(default)]
    pub report_unused: bool,
    /// The baseline file, relative to this configuration file (default:
    /// `.forecast-baseline.json` beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
}

/// SARIF output (`--format sarif`).
#[derive(Debug, Clone, Deserialize, Serialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sarif {
    /// `automationDetails.id` of the run: GitHub code scanning's category is the text before
    /// its last `/`. Default `forecast/`; a value without `/` gets one appended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl Sarif {
    /// The `automationDetails.id` to write.
    pub fn automation_id(&self) -> String {
        match self.category.as_deref().map(str::trim) {
            None | Some("") => "forecast/".to_string(),
            Some(c) if c.contains('/') => c.to_string(),
            Some(c) => format!("{c}/"),
        }
    }
}

/// One deploy environment: which paths belong to it (`[environments.<name>]`).
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// Globs over repository-relative paths (`deploy/eu/**`, `values-live.yaml`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// What kind of environment this is, when its name does not say (`live-eu` says
    /// production; `blue` says nothing).
    #[serde(default)]
    pub kind: Option<crate::classify::EnvKind>,
}

/// `[env]`: what the env rules should know beyond the repository.
#[derive(Debug, Clone, Deserialize, Serialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvSettings {
    /// Variables every environment receives from outside the repository (a secret
    /// manager, the platform's settings): `NAME`, or `PREFIX*`.
    #[serde(default)]
    pub external: Vec<String>,
    /// Variables and config keys the env rules never report: `NAME`, or `PREFIX*`.
    #[serde(default)]
    pub ignore: Vec<String>,
}

impl EnvSettings {
    /// Is `name` on the `ignore` list?
    pub fn ignored(&self, name: &str) -> bool {
        self.ignore.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => p == name,
        })
    }
}

/// The whole file.
#[derive(Debug, Clone, Deserialize, Serialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "forecast.toml",
    description = "Configuration of forecast, the deployment-risk analyzer. Found by walking up from the scanned path to the repository root, or given with `--config`."
)]
pub struct Config {
    #[serde(default)]
    pub database: Database,
    #[serde(default)]
    pub tables: BTreeMap<String, TableHint>,
    #[serde(default)]
    pub migrations: Migrations,
    #[serde(default)]
    pub rules: Rules,
    /// Deploy environments by path, beyond the conventions forecast knows
    /// (`overlays/production/`, `values-prod.yaml`, ...).
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentConfig>,
    #[serde(default)]
    pub env: EnvSettings,
    /// Default `--fail-on` threshold.
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    #[serde(default)]
    pub suppressions: Suppressions,
    #[serde(default)]
    pub sarif: Sarif,
}

/// The `--fail-on` threshold: a severity, or `none` to never fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    None,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::None => None,
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Parse a configuration file's text; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.validate(path)?;
        // Codes are case-insensitive in the file; findings carry them upper-case.
        config.rules.severity = std::mem::take(&mut config.rules.severity)
            .into_iter()
            .map(|(k, v)| (k.to_ascii_uppercase(), v))
            .collect();
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        if !(9..=30).contains(&self.database.version) {
            return Err(invalid(format!(
                "database.version = {} is not a PostgreSQL major version; expected a number such as 15",
                self.database.version
            )));
        }
        let catalogue = crate::catalogue::Catalogue::embedded();
        let known = |key: &str| catalogue.rules().any(|r| r.code.starts_with(key));
        for (list, name) in [
            (&self.rules.select, "select"),
            (&self.rules.ignore, "ignore"),
        ] {
            for code in list {
                if !known(&code.to_ascii_uppercase()) {
                    return Err(invalid(format!(
                        "rules.{name}: `{code}` matches no rule code; run `forecast rules` for the list"
                    )));
                }
            }
        }
        for (name, env) in &self.environments {
            for glob in &env.paths {
                if let Err(e) = globset::Glob::new(glob) {
                    return Err(invalid(format!(
                        "environments.{name}.paths: `{glob}` is not a valid glob: {}",
                        e.kind()
                    )));
                }
            }
        }
        for code in self.rules.severity.keys() {
            if catalogue.get(&code.to_ascii_uppercase()).is_none() {
                return Err(invalid(format!(
                    "rules.severity: `{code}` is not a rule code; run `forecast rules` for the list"
                )));
            }
        }
        for (glob, codes) in &self.rules.per_path_ignores {
            if let Err(e) = globset::Glob::new(glob) {
                return Err(invalid(format!(
                    "rules.per_path_ignores: `{glob}` is not a valid glob ({}); write a path pattern such as `db/legacy/**`",
                    e.kind()
                )));
            }
            if codes.is_empty() {
                return Err(invalid(format!(
                    "rules.per_path_ignores.\"{glob}\": the list is empty; name the rule codes (or prefixes such as `M1`) to drop there"
                )));
            }
            for code in codes {
                if code.is_empty() || !known(&code.to_ascii_uppercase()) {
                    return Err(invalid(format!(
                        "rules.per_path_ignores.\"{glob}\": `{code}` matches no rule code; run `forecast rules` for the list"
                    )));
                }
            }
        }
        if let Some(c) = &self.sarif.category
            && (c.trim().is_empty() || c.chars().any(char::is_whitespace))
        {
            return Err(invalid(format!(
                "sarif.category = \"{c}\" is not a category; expected a non-empty string without spaces, such as `forecast/` or `migrations`"
            )));
        }
        if let Some(b) = &self.suppressions.baseline
            && b.trim().is_empty()
        {
            return Err(invalid(
                "suppressions.baseline is empty; expected a path such as `.forecast-baseline.json`"
                    .to_string(),
            ));
        }
        Ok(())
    }

    /// Find `forecast.toml` from `start` upwards, stopping at the repository root.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = if start.is_file() {
            start.parent()?
        } else {
            start
        };
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
            if d.join(".git").exists() {
                return None;
            }
            dir = d.parent();
        }
        None
    }

    /// Is rule `code` enabled by `select` / `ignore`?
    pub fn rule_enabled(&self, code: &str) -> bool {
        let matches = |list: &Vec<String>| {
            list.iter()
                .any(|p| code.starts_with(&p.to_ascii_uppercase()))
        };
        (self.rules.select.is_empty() || matches(&self.rules.select))
            && !matches(&self.rules.ignore)
    }

    /// The JSON Schema of the file (docs/forecast.schema.json).
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Config);
        let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The configuration as TOML (`forecast config --show`).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot print: {e}\n"))
    }

    /// Row-count hint for a table (matched on `schema.table` or bare `table`).
    pub fn table_rows(&self, schema: Option<&str>, table: &str) -> Option<u64> {
        if let Some(s) = schema
            && let Some(h) = self.tables.get(&format!("{s}.{table}"))
        {
            return Some(h.rows);
        }
        self.tables.get(table).map(|h| h.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_example() {
        let c = Config::parse(
            r#"
            fail_on = "medium"
            [database]
            dialect = "postgres"
            version = 13
            [tables]
            orders = { rows = 50_000_000 }
            [rules]
            ignore = ["M401"]
            severity = { M301 = "critical" }
            [env]
            external = ["DATABASE_URL", "SENTRY_*"]
            ignore = ["DEBUG"]
            "#,
            Path::new("forecast.toml"),
        )
        .unwrap();
        assert_eq!(c.database.version, 13);
        assert_eq!(c.table_rows(None, "orders"), Some(50_000_000));
        assert_eq!(c.table_rows(Some("public"), "orders"), Some(50_000_000));
        assert!(!c.rule_enabled("M401"));
        assert!(c.rule_enabled("M101"));
        assert_eq!(c.fail_on, Some(FailOn::Medium));
        assert_eq!(c.env.external, vec!["DATABASE_URL", "SENTRY_*"]);
        assert!(c.env.ignored("DEBUG"));
        assert!(!c.env.ignored("DEBUG_SQL"));
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::parse("[database]\nversoin = 14\n", Path::new("f.toml")).unwrap_err();
        assert!(e.to_string().contains("versoin"), "{e}");
    }

    #[test]
    fn environments_are_checked() {
        let c = Config::parse(
            "[environments.production]\npaths = [\"deploy/live/**\"]\n",
            Path::new("f.toml"),
        )
        .unwrap();
        assert_eq!(c.environments["production"].paths, vec!["deploy/live/**"]);
        let e = Config::parse(
            "[environments.production]\npaths = [\"a/[b\"]\n",
            Path::new("f.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("a/[b"), "{e}");
        let e = Config::parse(
            "[environments.production]\npath = [\"a\"]\n",
            Path::new("f.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("path"), "{e}");
    }

    #[test]
    fn unknown_rule_is_named() {
        let e = Config::parse("[rules]\nignore = [\"Z999\"]\n", Path::new("f.toml")).unwrap_err();
        assert!(e.to_string().contains("Z999"), "{e}");
    }
}
