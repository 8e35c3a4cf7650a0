//! The compose family (C). One line per rule; metadata in `rules/compose.toml`.

mod dependencies;
mod images;
mod variables;

use super::{Draft, ManifestCtx, Rule};
use crate::model::manifests::{ManifestFile, Role};
use crate::parse::compose::{Service, services};
use crate::parse::yaml::{FileId, Node};
use crate::span::Span;

pub static RULES: &[&dyn Rule] = &[
    &dependencies::DependsOnWithoutHealthCondition,
    &dependencies::MigrationNotGated,
    &images::MutableImageTag,
    &images::ImageTagNotAVersion,
    &variables::UndefinedVariable,
];

/// One compose file with its services.
pub(crate) struct ComposeFile<'a> {
    pub id: FileId,
    pub file: &'a ManifestFile,
    pub doc: &'a Node,
    pub services: Vec<Service<'a>>,
}

impl ComposeFile<'_> {
    pub fn service(&self, name: &str) -> Option<&Service<'_>> {
        self.services.iter().find(|s| s.name == name)
    }

    /// How many `depends_on` hops lie below a service (its deploy position).
    pub fn depth(&self, name: &str) -> i64 {
        fn go(f: &ComposeFile<'_>, name: &str, seen: &mut Vec<String>) -> i64 {
            if seen.iter().any(|s| s == name) || seen.len() > 32 {
                return 0;
            }
            seen.push(name.to_string());
            let d = f
                .service(name)
                .map(|s| {
                    s.depends_on
                        .iter()
                        .map(|d| 1 + go(f, d.service, seen))
                        .max()
                        .unwrap_or(0)
                })
                .unwrap_or(0);
            seen.pop();
            d
        }
        go(self, name, &mut Vec::new())
    }
}

pub(crate) fn compose_files<'a>(cx: &'a ManifestCtx<'_>) -> Vec<ComposeFile<'a>> {
    cx.manifests
        .with_role(Role::Compose)
        .filter_map(|(id, file)| {
            let doc = file.docs().next()?;
            Some(ComposeFile {
                id,
                file,
                doc,
                services: services(doc),
            })
        })
        .collect()
}

/// `docker compose -f <path> up -d <service>`.
pub(crate) fn up(f: &ComposeFile<'_>, service: &str) -> String {
    format!("docker compose -f {} up -d {service}", f.file.path())
}

/// The rollback of one service: its previous image, started again.
pub(crate) fn undo(f: &ComposeFile<'_>, service: &str) -> Vec<String> {
    vec![format!(
        "Put `{service}` back on its previous image tag (or digest), then `{}`",
        up(f, service)
    )]
}

/// A draft about service `svc` of compose file `f`.
pub(crate) fn draft(
    cx: &ManifestCtx<'_>,
    f: &ComposeFile<'_>,
    svc: &str,
    code: &'static str,
    at: (FileId, Span),
    message: String,
    label: impl Into<String>,
) -> Draft {
    cx.draft(code, at.0, at.1, message, label)
        .env(f.file.env.clone())
        .var("target", format!("compose service `{svc}`"))
        .var("target_path", f.file.path().to_string())
        .var("family", "compose")
        .var("order", (300 + f.depth(svc)).to_string())
        .var("service", svc.to_string())
}

/// Images and names of databases and queues: services that take a while to accept
/// connections after their container starts, and so need a healthcheck to wait on.
pub(crate) fn is_stateful_image(image: &str) -> bool {
    let r = crate::parse::dockerfile::image_ref(image);
    let repo = r.repository.to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    const NAMES: &[&str] = &[
        "postgres",
        "postgresql",
        "postgis",
        "timescaledb",
        "mysql",
        "mariadb",
        "percona",
        "mongo",
        "mongodb",
        "redis",
        "valkey",
        "keydb",
        "dragonfly",
        "rabbitmq",
        "kafka",
        "cp-kafka",
        "redpanda",
        "zookeeper",
        "cp-zookeeper",
        "elasticsearch",
        "opensearch",
        "cassandra",
        "scylla",
        "nats",
        "clickhouse",
        "clickhouse-server",
        "cockroach",
        "memcached",
        "minio",
        "etcd",
        "neo4j",
        "couchdb",
        "influxdb",
        "mssql",
        "oracle",
        "db2",
        "spanner-emulator",
        "pulsar",
        "activemq",
        "artemis",
    ];
    NAMES
        .iter()
        .any(|n| last == *n || last.starts_with(&format!("{n}-")))
        || repo.contains("mssql/server")
}
