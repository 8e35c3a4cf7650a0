//! C201 mutable-image-tag, C202 image-tag-not-a-version. A service that also has `build:`
//! names its own build output with `image:` and is not judged.

use super::{compose_files, draft, undo};
use crate::parse::dockerfile::{TagHazard, tag_hazard};
use crate::rules::{Draft, ManifestCtx, Rule};

fn check(cx: &ManifestCtx<'_>, out: &mut Vec<Draft>, code: &'static str) {
    for f in compose_files(cx) {
        for s in &f.services {
            if s.build.is_some() {
                continue;
            }
            let Some(n) = s.image else { continue };
            let Some(img) = n.as_str() else { continue };
            let (msg, label) = match (tag_hazard(img), code) {
                (Some(TagHazard::Latest), "C201") => (
                    format!(
                        "service `{}` runs `{img}`: `:latest` names whatever was pushed last, so two hosts or two `up`s may run different builds, and there is no previous tag to return to",
                        s.name
                    ),
                    "mutable tag",
                ),
                (Some(TagHazard::Untagged), "C201") => (
                    format!(
                        "service `{}` runs `{img}` with no tag, which means `:latest`: two hosts or two `up`s may run different builds, and there is no previous tag to return to",
                        s.name
                    ),
                    "no tag",
                ),
                (Some(TagHazard::NotAVersion(t)), "C202") => (
                    format!(
                        "service `{}` runs `{img}`: tag `{t}` names a moving target, not a version",
                        s.name
                    ),
                    "tag is not a version",
                ),
                _ => continue,
            };
            out.push(
                draft(cx, &f, s.name, code, (n.file, n.span), msg, label).steps(undo(&f, s.name)),
            );
        }
    }
}

pub struct MutableImageTag;

impl Rule for MutableImageTag {
    fn code(&self) -> &'static str {
        "C201"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        check(cx, out, "C201");
    }
}

pub struct ImageTagNotAVersion;

impl Rule for ImageTagNotAVersion {
    fn code(&self) -> &'static str {
        "C202"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        check(cx, out, "C202");
    }
}
