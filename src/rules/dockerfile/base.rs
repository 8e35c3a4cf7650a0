//! D101 mutable-base-image: `FROM` an image by `:latest` or with no tag.

use super::{dockerfiles, draft};
use crate::parse::dockerfile::{TagHazard, tag_hazard};
use crate::rules::{Draft, ManifestCtx, Rule};

pub struct MutableBaseImage;

impl Rule for MutableBaseImage {
    fn code(&self) -> &'static str {
        "D101"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for (id, f, df) in dockerfiles(cx) {
            for (i, stage) in df.stages.iter().enumerate() {
                // An `ARG` with no default: the image is chosen at build time.
                let Some(image) = stage.from.resolved.as_deref() else {
                    continue;
                };
                if image.eq_ignore_ascii_case("scratch") || df.is_stage_name(image, i) {
                    continue;
                }
                let what = match tag_hazard(image) {
                    Some(TagHazard::Latest) => "`:latest`",
                    Some(TagHazard::Untagged) => "no tag (so `:latest`)",
                    _ => continue,
                };
                let shown = if image == stage.from.image {
                    format!("`{image}`")
                } else {
                    format!("`{}` (`{image}`)", stage.from.image)
                };
                out.push(
                    draft(
                        cx,
                        id,
                        f,
                        "D101",
                        stage.from.image_span,
                        format!(
                            "base image {shown} has {what}: rebuilding the same commit later, for a rollback or a hotfix, gives a different image"
                        ),
                        "mutable base image",
                    )
                    .steps([format!(
                        "Redeploy the previous image of `{}` by digest; do not rebuild it",
                        f.path()
                    )]),
                );
            }
        }
    }
}
