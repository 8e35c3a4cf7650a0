//! How the built image runs: D102 shell-form-command, D103 no-healthcheck-for-compose,
//! D104 root-user-with-run-as-non-root.

use super::{dockerfiles, draft, effective, final_base};
use crate::model::kube::normalize;
use crate::model::manifests::ManifestFile;
use crate::parse::dockerfile::{Dockerfile, image_ref};
use crate::parse::yaml::{FileId, Node};
use crate::rules::compose::compose_files;
use crate::rules::{Draft, ManifestCtx, Rule};

fn is_windows(df: &Dockerfile) -> bool {
    df.stages.iter().any(|s| {
        let i = s.from.image.to_ascii_lowercase();
        i.contains("windows") || i.contains("nanoserver") || i.contains("servercore")
    })
}

pub struct ShellFormCommand;

impl Rule for ShellFormCommand {
    fn code(&self) -> &'static str {
        "D102"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (id, f, df) in dockerfiles(cx) {
            if is_windows(df) {
                continue;
            }
            // The entrypoint decides what PID 1 is; CMD only when there is none.
            let inst = match effective(df, "ENTRYPOINT") {
                Some(e) => e,
                None => match effective(df, "CMD") {
                    Some(c) => c,
                    None => continue,
                },
            };
            let args = inst.args.trim();
            if inst.is_exec_form() || args.is_empty() || args.starts_with('[') {
                continue;
            }
            // `exec` replaces the shell, so the program is PID 1 and gets the signal.
            if args.starts_with("exec ") {
                continue;
            }
            let text = &f.source.text;
            let shown: String = args.chars().take(60).collect();
            out.push(
                draft(
                    cx,
                    id,
                    f,
                    "D102",
                    inst.first_line_span(text),
                    format!(
                        "`{} {shown}` is shell form: it runs under `/bin/sh -c`, and unless the shell replaces itself the app never receives SIGTERM and is killed with SIGKILL when the grace period ends, on every deploy",
                        inst.keyword
                    ),
                    "shell form",
                )
                .var("plan", "no")
                .steps([
                    "Nothing to undo at deploy time: redeploying the previous image restores its own shutdown behaviour".to_string(),
                ]),
            );
        }
    }
}

/// The Dockerfile a compose service builds, if it is in the scanned tree.
fn built_dockerfile<'a>(
    cx: &'a ManifestCtx<'_>,
    compose_dir: &str,
    ctx: &str,
    dockerfile: Option<&str>,
) -> Option<(FileId, &'a ManifestFile)> {
    if ctx.contains("://") || ctx.contains('$') {
        return None;
    }
    let base = if compose_dir.is_empty() {
        normalize(ctx)?
    } else {
        normalize(&format!("{compose_dir}/{ctx}"))?
    };
    let name = dockerfile.unwrap_or("Dockerfile");
    let path = if base.is_empty() {
        normalize(name)?
    } else {
        normalize(&format!("{base}/{name}"))?
    };
    cx.manifests.dockerfile_at(&path)
}

pub struct NoHealthcheckForCompose;

impl Rule for NoHealthcheckForCompose {
    fn code(&self) -> &'static str {
        "D103"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for cf in compose_files(cx) {
            for s in &cf.services {
                if s.healthcheck.is_some() || s.healthcheck_disabled {
                    continue;
                }
                let Some((ctx, dockerfile)) = s.build_paths() else {
                    continue;
                };
                // Only when another service waits for it.
                let Some(waiter) = cf
                    .services
                    .iter()
                    .find(|o| o.depends_on.iter().any(|d| d.service == s.name))
                else {
                    continue;
                };
                let Some((id, f)) =
                    built_dockerfile(cx, cf.file.dir(), &ctx, dockerfile.as_deref())
                else {
                    continue;
                };
                let Some(df) = &f.dockerfile else { continue };
                if effective(df, "HEALTHCHECK").is_some() {
                    continue;
                }
                let Some(stage) = df.final_stage() else {
                    continue;
                };
                let from = &df.instructions[stage.from_index];
                out.push(
                    draft(
                        cx,
                        id,
                        f,
                        "D103",
                        from.first_line_span(&f.source.text),
                        format!(
                            "compose service `{}` runs this image, `{}` depends on it, and neither the image nor the service defines a healthcheck: nothing can wait for it to be ready, and a hung container is never noticed",
                            s.name, waiter.name
                        ),
                        "final stage has no HEALTHCHECK",
                    )
                    .related(s.key.file.0 as usize, s.key.span, "built and run here")
                    .var("plan", "no")
                    .steps([format!(
                        "Nothing to undo; after a rollback, check `{}` by hand before sending it traffic",
                        s.name
                    )]),
                );
            }
        }
    }
}

/// Official images whose default user is root.
const ROOT_BASES: &[&str] = &[
    "debian",
    "ubuntu",
    "alpine",
    "busybox",
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "node",
    "python",
    "golang",
    "ruby",
    "php",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "nginx",
    "httpd",
    "rust",
    "perl",
    "elixir",
    "erlang",
    "maven",
    "gradle",
];

/// How the image's final user fails `runAsNonRoot`, and the instruction that says so.
fn bad_user(df: &Dockerfile) -> Option<(String, Option<&crate::parse::dockerfile::Instruction>)> {
    match effective(df, "USER") {
        Some(u) => {
            let user = u.args.split(':').next().unwrap_or("").trim();
            if user == "root" || user == "0" {
                Some(("runs as root".to_string(), Some(u)))
            } else if user.is_empty() || user.contains('$') || user.parse::<u64>().is_ok() {
                None
            } else {
                Some((
                    format!(
                        "runs as non-numeric user `{user}`, which the kubelet cannot verify is not root"
                    ),
                    Some(u),
                ))
            }
        }
        None => {
            let base = final_base(df)?;
            let repo = image_ref(base).repository.to_ascii_lowercase();
            let repo = repo.strip_prefix("docker.io/").unwrap_or(&repo);
            let repo = repo.strip_prefix("library/").unwrap_or(repo);
            ROOT_BASES.contains(&repo).then(|| {
                (
                    format!("sets no `USER`, so it runs as root like its base `{base}`"),
                    None,
                )
            })
        }
    }
}

/// Dockerfiles that build `image`: through a compose service that builds and tags it, or a
/// folder named like the image (`api/Dockerfile` for `ghcr.io/acme/api:1.2`).
fn dockerfiles_for<'a>(cx: &'a ManifestCtx<'_>, image: &str) -> Vec<(FileId, &'a ManifestFile)> {
    let repo = image_ref(image).repository;
    let same =
        |a: &str, b: &str| a == b || a.ends_with(&format!("/{b}")) || b.ends_with(&format!("/{a}"));
    let mut out = Vec::new();
    for cf in compose_files(cx) {
        for s in &cf.services {
            let (Some(img), Some((ctx, dockerfile))) = (s.image_str(), s.build_paths()) else {
                continue;
            };
            if same(image_ref(img).repository, repo)
                && let Some(found) =
                    built_dockerfile(cx, cf.file.dir(), &ctx, dockerfile.as_deref())
            {
                out.push(found);
            }
        }
    }
    if out.is_empty() {
        let last = repo.rsplit('/').next().unwrap_or(repo);
        let named: Vec<(FileId, &ManifestFile)> = dockerfiles(cx)
            .filter(|(_, f, _)| {
                let name = f.source.file_name();
                let dir = f.dir().rsplit('/').next().unwrap_or("");
                (name == "Dockerfile" && dir == last)
                    || name == format!("{last}.Dockerfile")
                    || name == format!("Dockerfile.{last}")
            })
            .map(|(id, f, _)| (id, f))
            .collect();
        if named.len() == 1 {
            out = named;
        }
    }
    out.sort_by_key(|(id, _)| *id);
    out.dedup_by_key(|(id, _)| *id);
    out
}

pub struct RootUserWithRunAsNonRoot;

impl Rule for RootUserWithRunAsNonRoot {
    fn code(&self) -> &'static str {
        "D104"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for o in &cx.manifests.kube.objects {
            let Some(pod) = o.pod_spec() else { continue };
            let pod_sc = pod.get("securityContext");
            for c in o.containers() {
                let sc = c.get("securityContext");
                let non_root = sc
                    .and_then(|s| s.entry("runAsNonRoot"))
                    .or_else(|| pod_sc.and_then(|s| s.entry("runAsNonRoot")));
                let Some((nk, nv)) = non_root else { continue };
                if nv.as_bool() != Some(true) {
                    continue;
                }
                let run_as_user = sc
                    .and_then(|s| s.get("runAsUser"))
                    .or_else(|| pod_sc.and_then(|s| s.get("runAsUser")));
                if run_as_user.is_some() {
                    continue;
                }
                let Some(image) = c.get("image").and_then(Node::as_str) else {
                    continue;
                };
                for (id, f) in dockerfiles_for(cx, image) {
                    let Some(df) = &f.dockerfile else { continue };
                    let Some((why, inst)) = bad_user(df) else {
                        continue;
                    };
                    let span = match inst {
                        Some(i) => i.first_line_span(&f.source.text),
                        None => match df.final_stage() {
                            Some(s) => {
                                df.instructions[s.from_index].first_line_span(&f.source.text)
                            }
                            None => continue,
                        },
                    };
                    let env = o.env.clone().or_else(|| f.env.clone());
                    out.push(
                        draft(
                            cx,
                            id,
                            f,
                            "D104",
                            span,
                            format!(
                                "image `{image}` {why}, but container `{}` of `{}` sets `runAsNonRoot: true`: its pods fail with CreateContainerConfigError and the rollout never completes",
                                crate::rules::kubernetes::container_name(c),
                                o.kubectl_ref()
                            ),
                            "final user",
                        )
                        .env(env)
                        .related(nk.file.0 as usize, nk.span.join(nv.span), "requires a non-root user")
                        .var("target", crate::rules::kubernetes::target(o))
                        .var("family", "kubernetes")
                        .var(
                            "target_path",
                            crate::rules::kubernetes::path_of(cx, o).to_string(),
                        )
                        .var("order", crate::check::manifests::kind_order(&o.kind).to_string())
                        .steps(crate::rules::kubernetes::undo(o, crate::rules::kubernetes::path_of(cx, o))),
                    );
                }
            }
        }
    }
}
