//! Classification: decide from a path (and, for SQL, a look at the first lines) what a file
//! is. Classification reads no file itself; callers pass the head of the file when asked.

pub mod env;
pub mod environment;
pub mod manifest;
pub mod migration;

use std::collections::BTreeSet;

use serde::Serialize;

pub use environment::{EnvKind, Environment};
pub use migration::{Direction, Framework, MigrationFile, Version};

/// What kind of file a path holds, as far as forecast cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A `.sql` file: a migration when [`migration::detect`] says so.
    Sql,
    /// A file a migration framework keeps beside its migrations (`metadata.toml`,
    /// `migration_lock.toml`, `*.sql.conf`, `atlas.sum`, `sqitch.plan`).
    MigrationMeta,
    /// YAML: Kubernetes manifests, compose files, Helm values, config.
    Yaml,
    Dockerfile,
    Env,
    Toml,
    Json,
    /// Source code that may read environment variables.
    Source,
    Other,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Sql => "sql",
            FileKind::MigrationMeta => "migration-meta",
            FileKind::Yaml => "yaml",
            FileKind::Dockerfile => "dockerfile",
            FileKind::Env => "env",
            FileKind::Toml => "toml",
            FileKind::Json => "json",
            FileKind::Source => "source",
            FileKind::Other => "other",
        }
    }
}

/// Classify a repository-relative path (with `/` separators).
pub fn classify_path(path: &str) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".sql") {
        return FileKind::Sql;
    }
    if migration::is_meta_file(path) {
        return FileKind::MigrationMeta;
    }
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("dockerfile-")
        || lower.starts_with("dockerfile_")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
    {
        return FileKind::Dockerfile;
    }
    if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") {
        return FileKind::Env;
    }
    match lower.rsplit_once('.').map(|(_, ext)| ext) {
        Some("yaml" | "yml") => FileKind::Yaml,
        Some("toml") => FileKind::Toml,
        Some("json") => FileKind::Json,
        Some(
            "rs" | "js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx" | "mts" | "cts" | "vue" | "svelte"
            | "astro" | "py" | "go" | "rb" | "java" | "kt" | "kts",
        ) => FileKind::Source,
        _ => FileKind::Other,
    }
}

/// The set of all paths in the scanned tree, so classification can look at siblings and
/// ancestors (`atlas.sum` beside a migration, `Cargo.toml` above a `migrations/` folder)
/// without touching the file system.
#[derive(Debug, Default, Clone)]
pub struct RepoIndex {
    files: BTreeSet<String>,
}

impl RepoIndex {
    pub fn new<I: IntoIterator<Item = String>>(paths: I) -> Self {
        RepoIndex {
            files: paths.into_iter().collect(),
        }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// Every path, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.iter()
    }

    /// Does `name` exist in `dir` or any folder above it?
    pub fn in_ancestors(&self, dir: &str, name: &str) -> Option<String> {
        let mut d = dir.to_string();
        loop {
            let candidate = if d.is_empty() {
                name.to_string()
            } else {
                format!("{d}/{name}")
            };
            if self.files.contains(&candidate) {
                return Some(d);
            }
            if d.is_empty() {
                return None;
            }
            d = match d.rfind('/') {
                Some(i) => d[..i].to_string(),
                None => String::new(),
            };
        }
    }
}

/// The folder part of a path, "" for a file at the root.
pub fn parent_dir(path: &str) -> &str {
    path.rfind('/').map(|i| &path[..i]).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_paths() {
        assert_eq!(classify_path("db/migrations/1_a.up.sql"), FileKind::Sql);
        assert_eq!(classify_path("Dockerfile"), FileKind::Dockerfile);
        assert_eq!(classify_path("svc/api.Dockerfile"), FileKind::Dockerfile);
        assert_eq!(classify_path(".env.production"), FileKind::Env);
        assert_eq!(classify_path("k8s/deploy.yaml"), FileKind::Yaml);
        assert_eq!(
            classify_path("migrations/2020-01-01-000000_x/metadata.toml"),
            FileKind::MigrationMeta
        );
        assert_eq!(classify_path("src/main.rs"), FileKind::Source);
    }

    #[test]
    fn ancestors() {
        let idx = RepoIndex::new(["Cargo.toml".to_string(), "a/b/x.sql".to_string()]);
        assert_eq!(idx.in_ancestors("a/b", "Cargo.toml"), Some(String::new()));
        assert_eq!(idx.in_ancestors("a/b", "go.mod"), None);
    }
}
