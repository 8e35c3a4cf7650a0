//! The Dockerfile family (D). One line per rule; metadata in `rules/dockerfile.toml`.

mod base;
mod runtime;

use super::{Draft, ManifestCtx, Rule};
use crate::model::manifests::{ManifestFile, Role};
use crate::parse::dockerfile::{Dockerfile, Instruction, Stage};
use crate::parse::yaml::FileId;
use crate::span::Span;

pub static RULES: &[&dyn Rule] = &[
    &base::MutableBaseImage,
    &runtime::ShellFormCommand,
    &runtime::NoHealthcheckForCompose,
    &runtime::RootUserWithRunAsNonRoot,
];

pub(crate) fn dockerfiles<'a>(
    cx: &'a ManifestCtx<'_>,
) -> impl Iterator<Item = (FileId, &'a ManifestFile, &'a Dockerfile)> {
    cx.manifests
        .with_role(Role::Dockerfile)
        .filter_map(|(id, f)| f.dockerfile.as_ref().map(|d| (id, f, d)))
}

/// A draft about the image a Dockerfile builds.
pub(crate) fn draft(
    cx: &ManifestCtx<'_>,
    id: FileId,
    f: &ManifestFile,
    code: &'static str,
    span: Span,
    message: String,
    label: impl Into<String>,
) -> Draft {
    cx.draft(code, id, span, message, label)
        .env(f.env.clone())
        .var("target", format!("image built from `{}`", f.path()))
        .var("target_path", f.path().to_string())
        .var("family", "dockerfile")
        .var("order", "0")
}

/// The last instruction with `keyword` that the final image inherits: from the final stage,
/// or from an earlier stage it is built `FROM`.
pub(crate) fn effective<'a>(df: &'a Dockerfile, keyword: &str) -> Option<&'a Instruction> {
    let mut stage: &Stage = df.final_stage()?;
    for _ in 0..df.stages.len() {
        if let Some(i) = df.last_in(stage, keyword) {
            return Some(i);
        }
        let base = stage.from.resolved.as_deref().unwrap_or(&stage.from.image);
        let lower = base.to_ascii_lowercase();
        let idx = df.stages.iter().position(|s| std::ptr::eq(s, stage))?;
        stage = df.stages[..idx]
            .iter()
            .rev()
            .find(|s| s.from.alias.as_deref() == Some(lower.as_str()))?;
    }
    None
}

/// The external base image the final stage comes from (following stage aliases).
pub(crate) fn final_base(df: &Dockerfile) -> Option<&str> {
    let mut stage: &Stage = df.final_stage()?;
    for _ in 0..df.stages.len() {
        let base = stage.from.resolved.as_deref()?;
        let lower = base.to_ascii_lowercase();
        let idx = df.stages.iter().position(|s| std::ptr::eq(s, stage))?;
        match df.stages[..idx]
            .iter()
            .rev()
            .find(|s| s.from.alias.as_deref() == Some(lower.as_str()))
        {
            Some(prev) => stage = prev,
            None => return Some(base),
        }
    }
    None
}
