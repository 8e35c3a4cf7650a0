//! C301 undefined-variable: `${VAR}` with no default, set by no env file beside the compose
//! file (`.env`, `.env.example`, ...) and by no `env_file` it names.

use std::collections::{BTreeMap, BTreeSet};

use super::{compose_files, draft, undo};
use crate::parse::compose::{VarForm, dotenv_names, interpolations, scalars};
use crate::rules::{Draft, ManifestCtx, Rule};

/// Variables every shell that runs compose has, and the ones compose sets itself.
const SHELL: &[&str] = &[
    "HOME",
    "PWD",
    "USER",
    "PATH",
    "SHELL",
    "LOGNAME",
    "COMPOSE_PROJECT_NAME",
];

pub struct UndefinedVariable;

impl Rule for UndefinedVariable {
    fn code(&self) -> &'static str {
        "C301"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for f in compose_files(cx) {
            let dir = f.file.dir();
            let mut known: BTreeSet<String> = cx.manifests.dotenv_names_in(dir);
            for s in &f.services {
                for e in &s.env_files {
                    let p = if dir.is_empty() {
                        crate::model::kube::normalize(e)
                    } else {
                        crate::model::kube::normalize(&format!("{dir}/{e}"))
                    };
                    if let Some(p) = p
                        && let Some(ef) = cx.manifests.env_file(&p)
                    {
                        known.extend(dotenv_names(&ef.source.text));
                    }
                }
            }
            let text = &f.file.source.text;
            let mut nodes = Vec::new();
            scalars(f.doc, &mut nodes);
            // First use of each undefined variable, and how many uses in all.
            let mut first: BTreeMap<String, (crate::span::Span, usize)> = BTreeMap::new();
            for n in nodes {
                if n.file != f.id {
                    continue;
                }
                for v in interpolations(text, n.span) {
                    if v.form != VarForm::Plain
                        || known.contains(&v.name)
                        || SHELL.contains(&v.name.as_str())
                    {
                        continue;
                    }
                    let e = first.entry(v.name.clone()).or_insert((v.span, 0));
                    if v.span.start < e.0.start {
                        e.0 = v.span;
                    }
                    e.1 += 1;
                }
            }
            for (name, (span, count)) in first {
                let more = if count > 1 {
                    format!(" ({} uses)", count)
                } else {
                    String::new()
                };
                let svc = f
                    .services
                    .iter()
                    .find(|s| s.node.span.start <= span.start && span.end <= s.node.span.end)
                    .map(|s| s.name)
                    .unwrap_or("");
                let mut d = draft(
                    cx,
                    &f,
                    if svc.is_empty() { "*" } else { svc },
                    "C301",
                    (f.id, span),
                    format!(
                        "`${{{name}}}` has no default and no `.env` beside `{}` sets it{more}: compose substitutes an empty string and starts the service anyway",
                        f.file.source.file_name()
                    ),
                    "undefined, no default",
                );
                if !svc.is_empty() {
                    d = d.steps(undo(&f, svc));
                }
                out.push(d);
            }
        }
    }
}
