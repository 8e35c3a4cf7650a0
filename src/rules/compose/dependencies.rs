//! Start order: C101 depends-on-without-health-condition, C102 migration-not-gated.

use super::{ComposeFile, compose_files, draft, is_stateful_image, undo};
use crate::parse::compose::Service;
use crate::rules::{Draft, ManifestCtx, Rule};

/// Words in a command or name that mark a one-shot schema migration.
pub(crate) fn is_migration(s: &Service<'_>) -> bool {
    let name = s.name.to_ascii_lowercase();
    if name.contains("migrat") {
        return true;
    }
    let cmd = s.command.to_ascii_lowercase();
    [
        "migrate",
        "migration",
        "alembic upgrade",
        "flyway",
        "liquibase",
        "dbmate",
        "goose ",
        "db:migrate",
        "db-migrate",
    ]
    .iter()
    .any(|w| cmd.contains(w))
}

pub struct DependsOnWithoutHealthCondition;

impl Rule for DependsOnWithoutHealthCondition {
    fn code(&self) -> &'static str {
        "C101"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for f in compose_files(cx) {
            for s in &f.services {
                for d in &s.depends_on {
                    if !matches!(d.condition, None | Some("service_started")) {
                        continue;
                    }
                    let Some(dep) = f.service(d.service) else {
                        continue;
                    };
                    if is_migration(dep) || dep.healthcheck_disabled {
                        continue;
                    }
                    let (why, related) = if let Some(hc) = dep.healthcheck {
                        (
                            format!("`{}` has a healthcheck that nothing waits for", dep.name),
                            (hc.file, hc.span, "healthcheck defined here"),
                        )
                    } else if let Some(img) = dep.image_str().filter(|i| is_stateful_image(i)) {
                        let n = dep
                            .image
                            .map(|n| (n.file, n.span))
                            .unwrap_or((dep.key.file, dep.key.span));
                        (
                            format!(
                                "`{}` runs `{img}`, which accepts connections only some time after it starts, and has no healthcheck",
                                dep.name
                            ),
                            (n.0, n.1, "a database or queue"),
                        )
                    } else {
                        continue;
                    };
                    let how = match d.condition {
                        Some(_) => "`condition: service_started`".to_string(),
                        None => "the short form of `depends_on`".to_string(),
                    };
                    let at = d
                        .condition_node
                        .map(|c| (c.file, c.span))
                        .unwrap_or((d.node.file, d.node.span));
                    out.push(
                        draft(
                            cx,
                            &f,
                            s.name,
                            "C101",
                            at,
                            format!(
                                "`{}` waits only for `{}` to start ({how}), not to be ready: {why}, so `{}` may crash or fail its first requests on `up`",
                                s.name, d.service, s.name
                            ),
                            "waits for start, not health",
                        )
                        .related(related.0.0 as usize, related.1, related.2)
                        .steps(undo(&f, s.name)),
                    );
                }
            }
        }
    }
}

pub struct MigrationNotGated;

fn dependents<'a>(
    f: &'a ComposeFile<'a>,
    name: &str,
) -> Vec<(&'a Service<'a>, &'a crate::parse::compose::Dependency<'a>)> {
    f.services
        .iter()
        .flat_map(|s| {
            s.depends_on
                .iter()
                .filter(move |d| d.service == name)
                .map(move |d| (s, d))
        })
        .collect()
}

impl Rule for MigrationNotGated {
    fn code(&self) -> &'static str {
        "C102"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for f in compose_files(cx) {
            for m in f.services.iter().filter(|s| is_migration(s)) {
                let deps = dependents(&f, m.name);
                for (s, d) in &deps {
                    if d.condition == Some("service_completed_successfully") || is_migration(s) {
                        continue;
                    }
                    let at = d
                        .condition_node
                        .map(|c| (c.file, c.span))
                        .unwrap_or((d.node.file, d.node.span));
                    out.push(
                        draft(
                            cx,
                            &f,
                            s.name,
                            "C102",
                            at,
                            format!(
                                "`{}` depends on migration `{}` without `condition: service_completed_successfully`: it starts while the migration may still be running, or after it failed",
                                s.name, m.name
                            ),
                            "not gated on the migration finishing",
                        )
                        .related(m.key.file.0 as usize, m.key.span, "migration container")
                        .steps(undo(&f, s.name)),
                    );
                }
                if !deps.is_empty() {
                    continue;
                }
                // Nothing waits for it: does an app share the migration's database?
                let app = f.services.iter().find(|s| {
                    !is_migration(s)
                        && s.name != m.name
                        && s.depends_on
                            .iter()
                            .any(|d| m.depends_on.iter().any(|md| md.service == d.service))
                });
                let Some(app) = app else { continue };
                out.push(
                    draft(
                        cx,
                        &f,
                        m.name,
                        "C102",
                        (m.key.file, m.key.span),
                        format!(
                            "nothing waits for migration `{}`: `{}` uses the same database and may start against the old schema",
                            m.name, app.name
                        ),
                        "migration nobody waits for",
                    )
                    .related(app.key.file.0 as usize, app.key.span, "starts without waiting")
                    .steps(undo(&f, app.name)),
                );
            }
        }
    }
}
