//! What a YAML file, Dockerfile or env file is for, from its path: a Helm chart template, Helm
//! values, a Kustomization, a compose file. Content decides the rest (a document with
//! `apiVersion` and `kind` is a Kubernetes object; see `model::manifests`).

use super::{RepoIndex, parent_dir};

/// What a path says about a manifest file before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathRole {
    /// A file under a Helm chart's `templates/` folder: Go templates, not YAML.
    HelmTemplate,
    /// `values.yaml`, `values-prod.yaml`, `prod-values.yaml`: configuration for a chart.
    HelmValues,
    Kustomization,
    Compose,
    /// Any other YAML: decided by content.
    Yaml,
}

/// The chart folder a template belongs to: the folder above the nearest `templates/` that
/// holds a `Chart.yaml`.
pub fn helm_chart_of(path: &str, repo: &RepoIndex) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    for i in (0..parts.len().saturating_sub(1)).rev() {
        if parts[i] == "templates" {
            let chart = parts[..i].join("/");
            let chart_file = if chart.is_empty() {
                "Chart.yaml".to_string()
            } else {
                format!("{chart}/Chart.yaml")
            };
            if repo.contains(&chart_file) {
                return Some(chart);
            }
        }
    }
    None
}

fn is_values_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))
    else {
        return false;
    };
    stem == "values"
        || stem.starts_with("values-")
        || stem.starts_with("values.")
        || stem.starts_with("values_")
        || stem.ends_with("-values")
        || stem.ends_with("_values")
        || stem.ends_with(".values")
}

/// The role a YAML path plays, as far as the path tells.
pub fn yaml_role(path: &str, repo: &RepoIndex) -> PathRole {
    let name = path.rsplit('/').next().unwrap_or(path);
    if helm_chart_of(path, repo).is_some() {
        return PathRole::HelmTemplate;
    }
    if crate::model::kube::is_kustomization_name(name) {
        return PathRole::Kustomization;
    }
    if crate::parse::compose::is_compose_name(name) {
        return PathRole::Compose;
    }
    if is_values_name(name) {
        // Values files sit beside a Chart.yaml, or name an environment
        // (`deploy/values-prod.yaml`).
        let dir = parent_dir(path);
        let chart = if dir.is_empty() {
            "Chart.yaml".to_string()
        } else {
            format!("{dir}/Chart.yaml")
        };
        if repo.contains(&chart) || !name.eq_ignore_ascii_case("values.yaml") {
            return PathRole::HelmValues;
        }
    }
    PathRole::Yaml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        let repo = RepoIndex::new(
            [
                "charts/app/Chart.yaml",
                "charts/app/values.yaml",
                "charts/app/templates/deployment.yaml",
                "charts/app/templates/tests/test.yaml",
                "k8s/templates/x.yaml",
            ]
            .map(String::from),
        );
        assert_eq!(
            yaml_role("charts/app/templates/deployment.yaml", &repo),
            PathRole::HelmTemplate
        );
        assert_eq!(
            yaml_role("charts/app/templates/tests/test.yaml", &repo),
            PathRole::HelmTemplate
        );
        assert_eq!(yaml_role("k8s/templates/x.yaml", &repo), PathRole::Yaml);
        assert_eq!(
            yaml_role("charts/app/values.yaml", &repo),
            PathRole::HelmValues
        );
        assert_eq!(
            yaml_role("deploy/values-prod.yaml", &repo),
            PathRole::HelmValues
        );
        assert_eq!(yaml_role("k8s/values.yaml", &repo), PathRole::Yaml);
        assert_eq!(
            yaml_role("k/overlays/prod/kustomization.yaml", &repo),
            PathRole::Kustomization
        );
        assert_eq!(yaml_role("docker-compose.yml", &repo), PathRole::Compose);
    }
}
