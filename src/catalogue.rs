//! The rule catalogue: `rules/*.toml`, embedded in the binary.
//!
//! Every fact about a rule that is not detection logic lives here: code, slug, severity,
//! weight, the lock/rewrite claims, and the documentation. The docs pages, `forecast rules`,
//! `forecast explain` and the report all read this one source.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

/// The embedded rule files, one per family.
pub const FAMILY_SOURCES: &[(&str, &str)] = &[
    (
        "rules/migrations.toml",
        include_str!("../rules/migrations.toml"),
    ),
    (
        "rules/forecast.toml",
        include_str!("../rules/forecast.toml"),
    ),
    (
        "rules/kubernetes.toml",
        include_str!("../rules/kubernetes.toml"),
    ),
    ("rules/compose.toml", include_str!("../rules/compose.toml")),
    (
        "rules/dockerfile.toml",
        include_str!("../rules/dockerfile.toml"),
    ),
    ("rules/env.toml", include_str!("../rules/env.toml")),
    ("rules/history.toml", include_str!("../rules/history.toml")),
];

/// Where a rule's generated page can be read online: the `docs/rules/` folder of the
/// published crate's source, for this version.
pub fn rule_docs_url(code: &str) -> String {
    format!(
        "https://docs.rs/crate/{}/{}/source/docs/rules/{code}.md",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    )
}

/// The tool's home page (SARIF `informationUri`).
pub const INFORMATION_URL: &str = concat!("https://crates.io/crates/", env!("CARGO_PKG_NAME"));

/// One family file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    pub family: String,
    pub letter: String,
    pub description: String,
    #[serde(rename = "rule")]
    pub rules: Vec<RuleMeta>,
}

/// Where a rule applies within a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Up,
    UpAndDown,
}

/// How often a rule's findings are true positives, in SARIF's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    VeryHigh,
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

/// Everything the catalogue says about one rule.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub code: String,
    pub slug: String,
    pub severity: Severity,
    pub weight: f64,
    pub since: String,
    /// Where in a migration the rule applies (SQL rules only).
    #[serde(default)]
    pub scope: Option<Scope>,
    /// The risk grows with the table's size (SQL rules only).
    #[serde(default)]
    pub size_sensitive: bool,
    /// How often a finding of this rule is a true positive (SARIF `precision`); `high` when
    /// the entry does not say.
    #[serde(default)]
    pub precision: Option<Precision>,
    #[serde(default)]
    pub lock: Option<String>,
    #[serde(default)]
    pub blocks: Option<String>,
    #[serde(default)]
    pub rewrites: Option<bool>,
    #[serde(default)]
    pub scans: Option<bool>,
    #[serde(default)]
    pub transactional: Option<bool>,
    pub title: String,
    pub what: String,
    pub why: String,
    pub use_instead: String,
    pub rollback: String,
    pub references: Vec<String>,
    /// A pre-deploy checklist item, with `{table}`, `{column}`, `{path}`, ... placeholders.
    #[serde(default)]
    pub checklist: Option<String>,
    /// Filled in from the family when loading.
    #[serde(skip_deserializing, default)]
    pub family: String,
}

impl RuleMeta {
    /// One sentence on the lock and what it blocks, or "" when the rule claims no lock.
    pub fn lock_sentence(&self) -> String {
        match (&self.lock, &self.blocks) {
            (Some(lock), Some(blocks)) => format!("takes {lock}: blocks {blocks}"),
            (Some(lock), None) => format!("takes {lock}"),
            _ => String::new(),
        }
    }

    /// The first paragraph of `why`, on one line.
    pub fn why_summary(&self) -> String {
        let para = self.why.trim().split("\n\n").next().unwrap_or("");
        para.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The whole catalogue, by code.
#[derive(Debug)]
pub struct Catalogue {
    pub families: Vec<Family>,
    by_code: BTreeMap<String, RuleMeta>,
}

impl Catalogue {
    /// Parse catalogue sources. Errors name the file and the problem.
    pub fn parse(sources: &[(&str, &str)]) -> Result<Catalogue, String> {
        let mut families = Vec::new();
        let mut by_code = BTreeMap::new();
        for (name, text) in sources {
            let mut family: Family = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            for rule in &mut family.rules {
                rule.family = family.family.clone();
                if by_code.insert(rule.code.clone(), rule.clone()).is_some() {
                    return Err(format!("{name}: duplicate rule code {}", rule.code));
                }
            }
            families.push(family);
        }
        Ok(Catalogue { families, by_code })
    }

    /// The catalogue embedded in the binary.
    pub fn embedded() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| match Catalogue::parse(FAMILY_SOURCES) {
            Ok(c) => c,
            // The embedded catalogue is checked by the test suite; a broken one is a build bug.
            Err(e) => panic!("embedded rule catalogue is invalid: {e}"),
        })
    }

    pub fn get(&self, code: &str) -> Option<&RuleMeta> {
        self.by_code.get(code)
    }

    /// Look a rule up by code (`M101`, case-insensitive) or slug (`blocking-index-build`).
    pub fn find(&self, key: &str) -> Option<&RuleMeta> {
        let upper = key.to_ascii_uppercase();
        self.by_code
            .get(&upper)
            .or_else(|| self.by_code.values().find(|r| r.slug == key))
    }

    /// All rules, sorted by code.
    pub fn rules(&self) -> impl Iterator<Item = &RuleMeta> {
        self.by_code.values()
    }
}
