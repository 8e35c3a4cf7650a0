//! K001 helm-template-not-rendered: Helm chart templates are Go templates, not YAML; forecast
//! notes each chart whose templates it did not analyse.

use crate::rules::{Draft, ManifestCtx, Rule};
use crate::span::Span;

pub struct HelmTemplateNotRendered;

impl Rule for HelmTemplateNotRendered {
    fn code(&self) -> &'static str {
        "K001"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        for chart in &cx.manifests.charts {
            let n = chart.templates.len();
            let Some(first) = chart.templates.first() else {
                continue;
            };
            let (id, name, span) = match chart
                .chart_file
                .and_then(|id| cx.manifests.file(id).map(|f| (id, f)))
            {
                Some((id, file)) => {
                    let doc = file.docs().next();
                    (
                        id,
                        doc.and_then(|d| d.get_str("name"))
                            .unwrap_or(chart.dir.as_str())
                            .to_string(),
                        doc.map(|d| d.entry_span("name")).unwrap_or(Span::new(0, 0)),
                    )
                }
                None => {
                    // No Chart.yaml in the tree: point at the first template's first `{{`.
                    let Some(file) = cx.manifests.file(*first) else {
                        continue;
                    };
                    let at = file.source.text.find("{{").unwrap_or(0);
                    let end = file.source.text[at..]
                        .find("}}")
                        .map(|e| at + e + 2)
                        .unwrap_or(at);
                    (
                        *first,
                        chart
                            .dir
                            .rsplit('/')
                            .next()
                            .unwrap_or(&chart.dir)
                            .to_string(),
                        Span::new(at, end),
                    )
                }
            };
            let Some(file) = cx.manifests.file(id) else {
                continue;
            };
            out.push(
                cx.draft(
                    "K001",
                    id,
                    span,
                    format!(
                        "Helm chart `{name}`: {n} template{} not analysed (forecast does not render Helm templates yet; its values files were read)",
                        if n == 1 { "" } else { "s" }
                    ),
                    "templates not rendered",
                )
                .env(file.env.clone()),
            );
        }
    }
}
