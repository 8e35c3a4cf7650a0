//! K201 mutable-image-tag (`:latest` or no tag), K202 image-tag-not-a-version.
//!
//! Kustomize `images:` overrides of the deploy unit are applied first: a base that says
//! `app:latest` and an overlay that pins `newTag: 1.4.2` is not flagged in that overlay.

use super::{container_name, draft, path_of, undo, workloads};
use crate::model::kube::{Object, Unit};
use crate::parse::dockerfile::{TagHazard, image_ref, tag_hazard};
use crate::parse::yaml::Node;
use crate::rules::{Draft, ManifestCtx, Rule};

/// The image a container that names `img` runs in `unit`, after Kustomize `images:` overrides.
pub(super) fn effective_image(unit: Option<&Unit>, img: &str) -> String {
    let r = image_ref(img);
    match unit.and_then(|u| u.images.get(r.repository)) {
        Some(ov) => {
            let repo = ov.new_name.as_deref().unwrap_or(r.repository);
            match (&ov.digest, &ov.new_tag, r.tag) {
                (Some(d), _, _) => format!("{repo}@{d}"),
                (None, Some(t), _) => format!("{repo}:{t}"),
                (None, None, Some(t)) => format!("{repo}:{t}"),
                (None, None, None) => repo.to_string(),
            }
        }
        None => img.to_string(),
    }
}

/// The image a container runs in its unit (after `images:` overrides), with its node.
fn images<'a>(cx: &ManifestCtx<'_>, o: &'a Object) -> Vec<(&'a Node, &'a Node, String)> {
    let unit = cx.manifests.kube.units.get(o.unit);
    let mut all = o.containers();
    all.extend(o.init_containers());
    all.into_iter()
        .filter_map(|c| {
            let n = c.get("image")?;
            let img = n.as_str()?;
            Some((c, n, effective_image(unit, img)))
        })
        .collect()
}

fn rollback(o: &Object, path: &str) -> Vec<String> {
    let mut steps = undo(o, path);
    if matches!(o.kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet") {
        steps.push(format!(
            "Find the digest the previous revision ran (`kubectl rollout history {}{} --revision=<n>`) and pin it: `kubectl set image {} <container>=<image>@sha256:<digest>{}`",
            o.kubectl_ref(),
            o.ns_flag(),
            o.kubectl_ref(),
            o.ns_flag()
        ));
    }
    steps
}

pub struct MutableImageTag;

impl Rule for MutableImageTag {
    fn code(&self) -> &'static str {
        "K201"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (_, o) in workloads(cx) {
            for (c, n, image) in images(cx, o) {
                let what = match tag_hazard(&image) {
                    Some(TagHazard::Latest) => format!("image `{image}` is `:latest`"),
                    Some(TagHazard::Untagged) => {
                        format!("image `{image}` has no tag, so it runs whatever `:latest` is")
                    }
                    _ => continue,
                };
                out.push(
                    draft(
                        cx,
                        o,
                        "K201",
                        (n.file, n.span),
                        format!(
                            "container `{}` of `{}`: {what}: nodes may run different builds, and there is no previous version to roll back to",
                            container_name(c),
                            o.kubectl_ref()
                        ),
                        "mutable image reference",
                    )
                    .steps(rollback(o, path_of(cx, o))),
                );
            }
        }
    }
}

pub struct ImageTagNotAVersion;

impl Rule for ImageTagNotAVersion {
    fn code(&self) -> &'static str {
        "K202"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (_, o) in workloads(cx) {
            for (c, n, image) in images(cx, o) {
                let Some(TagHazard::NotAVersion(tag)) = tag_hazard(&image) else {
                    continue;
                };
                out.push(
                    draft(
                        cx,
                        o,
                        "K202",
                        (n.file, n.span),
                        format!(
                            "container `{}` of `{}`: tag `{tag}` of `{image}` names a moving target, not a version",
                            container_name(c),
                            o.kubectl_ref()
                        ),
                        "tag is not a version",
                    )
                    .steps(rollback(o, path_of(cx, o))),
                );
            }
        }
    }
}
