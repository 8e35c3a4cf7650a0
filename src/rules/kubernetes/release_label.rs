//! K502 release-label-in-selector: a workload or Service selector on a label whose value
//! changes with every release (a version, a commit, a date, a chart version, a pod template
//! hash).

use std::collections::BTreeMap;

use super::{draft, kv, revert};
use crate::model::kube::Object;
use crate::parse::yaml::{FileId, Node};
use crate::rules::{Draft, ManifestCtx, Rule};
use crate::span::Span;

pub struct ReleaseLabelInSelector;

/// Why a label's value changes with every release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Per {
    /// A hash the controller computes from one pod template.
    Hash,
    Version,
    Commit,
    Date,
    ChartVersion,
    /// A revision or build number under a release key.
    Number,
}

impl Per {
    fn describe(self) -> &'static str {
        match self {
            Per::Hash => "a hash of one pod template, which changes whenever the template does",
            Per::Version => "a version, which changes with every release",
            Per::Commit => "a commit hash, which changes with every release",
            Per::Date => "a date, which changes with every release",
            Per::ChartVersion => "a chart version, which changes with every chart release",
            Per::Number => "a revision or build number, which changes with every release",
        }
    }
}

/// Keys whose value is, by name, the release (compared on the part after the last `/`,
/// lowercased, `_` as `-`).
const RELEASE_KEYS: &[&str] = &[
    "version",
    "app-version",
    "appversion",
    "release",
    "revision",
    "build",
    "build-id",
    "build-number",
    "buildnumber",
    "commit",
    "commit-sha",
    "git-commit",
    "git-sha",
    "gitsha",
    "sha",
    "tag",
    "image-tag",
    "deployed-at",
    "deploy-date",
    "timestamp",
];

/// Hashes Kubernetes controllers (and Argo Rollouts) compute per pod template.
const HASH_KEYS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "rollouts-pod-template-hash",
];

/// `1.4.0`, `v2.3`, `1.4.0-rc.1`, `2.3.1+build.5`: two numeric parts at least.
fn is_version(v: &str) -> bool {
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() >= 2
        && parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_digit()))
        && (core.len() == v.len()
            || v[core.len() + 1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.+".contains(&b)))
}

/// `v3`, `12`: a version or revision number with one part.
fn is_number(v: &str) -> bool {
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    !v.is_empty() && v.len() <= 10 && v.bytes().all(|b| b.is_ascii_digit())
}

/// A git commit hash, abbreviated or full: 7 to 40 lowercase hex digits, with letters and
/// at least `digits` digits (words spelt in hex, `facade`, `decade12`, have few).
fn is_commit(v: &str, digits: usize) -> bool {
    (7..=40).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && v.bytes().filter(u8::is_ascii_digit).count() >= digits
        && v.bytes().any(|b| b.is_ascii_alphabetic())
}

fn valid_date(y: &str, m: &str, d: &str) -> bool {
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    (1990..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// `2024-05-01`, `20240501`, `2024.05.01`, `20240501-1230`, `20240501T1230`: a date first,
/// then at most a time of day.
fn is_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split(['-', '_', '.', 'T', 't']).collect();
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !parts.iter().all(|p| digits(p)) {
        return false;
    }
    match parts.as_slice() {
        [ymd, rest @ ..] if ymd.len() >= 8 && ymd.len() <= 14 => {
            valid_date(&ymd[..4], &ymd[4..6], &ymd[6..8]) && rest.len() <= 1
        }
        [y, m, d, rest @ ..] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            valid_date(y, m, d) && rest.len() <= 3
        }
        _ => false,
    }
}

/// Does this label's value change with every release? `None` when it looks stable.
fn per_release(key: &str, value: &str) -> Option<Per> {
    let name = key
        .rsplit('/')
        .next()
        .unwrap_or(key)
        .to_ascii_lowercase()
        .replace('_', "-");
    if HASH_KEYS.contains(&name.as_str()) {
        return Some(Per::Hash);
    }
    if value.is_empty() || value.contains("{{") || value.contains("${") {
        return None;
    }
    if key == "helm.sh/chart" || name == "chart" {
        let suffix = value.rsplit_once('-').map(|(_, v)| v).unwrap_or(value);
        return (is_version(value) || is_version(suffix)).then_some(Per::ChartVersion);
    }
    if is_version(value) {
        return Some(Per::Version);
    }
    if is_date(value) {
        return Some(Per::Date);
    }
    let release_key = RELEASE_KEYS.contains(&name.as_str());
    if is_commit(value, if release_key { 1 } else { 3 }) {
        return Some(Per::Commit);
    }
    if release_key && is_number(value) {
        return Some(if value.starts_with(['v', 'V']) {
            Per::Version
        } else {
            Per::Number
        });
    }
    None
}

/// Is the value part of the object's own name (`reviews-v1` selecting `version: v1`)? Then
/// it names that object: the next release is another object.
fn names_the_object(o: &Object, value: &str) -> bool {
    let name = o.name.to_ascii_lowercase();
    let value = value.to_ascii_lowercase();
    let name: Vec<&str> = name.split('-').collect();
    let value: Vec<&str> = value.split('-').collect();
    name.windows(value.len()).any(|w| w == value.as_slice())
}

/// The selectors a rule looks at: a workload's `spec.selector` (`matchLabels` and `In`
/// expressions) or a Service's `spec.selector`, as (key, value, span) with the span on the
/// label's entry (or the expression's value).
fn selector_labels(o: &Object) -> Vec<(String, String, (FileId, Span))> {
    let Some(sel) = o.spec().and_then(|s| s.get("selector")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let map = match o.kind.as_str() {
        "Service" | "ReplicationController" => Some(sel),
        _ => sel.get("matchLabels"),
    };
    for (k, v) in map.and_then(Node::as_map).unwrap_or(&[]) {
        if let (Some(key), Some(value)) = (k.as_str(), v.as_str()) {
            out.push((key.to_string(), value.to_string(), kv(k, v)));
        }
    }
    if o.kind != "Service" {
        for e in sel
            .get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            let (Some(key), Some("In")) = (e.get_str("key"), e.get_str("operator")) else {
                continue;
            };
            for v in e.get("values").and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(value) = v.as_str() {
                    out.push((key.to_string(), value.to_string(), (v.file, v.span)));
                }
            }
        }
    }
    out
}

/// The kinds whose selector is judged: workloads whose selector is immutable, and Services.
fn judged(o: &Object) -> bool {
    let group = o.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
    match (group, o.kind.as_str()) {
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet") => true,
        ("", "ReplicationController") => true,
        ("", "Service") => o
            .spec()
            .is_none_or(|s| s.get_str("type") != Some("ExternalName")),
        _ => false,
    }
}

impl Rule for ReleaseLabelInSelector {
    fn code(&self) -> &'static str {
        "K502"
    }

    fn check_manifests(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        // One finding per label entry: a Kustomize `commonLabels` entry reaches every
        // selector of its overlay.
        type Place = (FileId, usize, usize);
        let mut by_place: BTreeMap<Place, Vec<(&Object, String, String, Per)>> = BTreeMap::new();
        for o in &cx.manifests.kube.objects {
            if !judged(o) || o.opaque_patch {
                continue;
            }
            for (key, value, at) in selector_labels(o) {
                let Some(per) = per_release(&key, &value) else {
                    continue;
                };
                if per != Per::Hash && names_the_object(o, &value) {
                    continue;
                }
                by_place
                    .entry((at.0, at.1.start, at.1.end))
                    .or_default()
                    .push((o, key, value, per));
            }
        }
        for ((file, start, end), found) in by_place {
            let Some((o, key, value, per)) = found.first() else {
                continue;
            };
            let label = format!("{key}: {value}");
            let services: Vec<&&Object> = found
                .iter()
                .map(|(o, ..)| o)
                .filter(|o| o.kind == "Service")
                .collect();
            let workloads: Vec<&&Object> = found
                .iter()
                .map(|(o, ..)| o)
                .filter(|o| o.kind != "Service")
                .collect();
            let names = |objs: &[&&Object]| -> String {
                let mut refs: Vec<String> = objs
                    .iter()
                    .map(|o| format!("`{}`", o.kubectl_ref()))
                    .collect();
                refs.dedup();
                match refs.len() {
                    0..=3 => {
                        let last = refs.pop().unwrap_or_default();
                        if refs.is_empty() {
                            last
                        } else {
                            format!("{} and {last}", refs.join(", "))
                        }
                    }
                    n => format!("{} and {} more", refs[..3].join(", "), n - 3),
                }
            };
            let all: Vec<&&Object> = found.iter().map(|(o, ..)| o).collect();
            let several = |objs: &[&&Object]| {
                let mut refs: Vec<String> = objs.iter().map(|o| o.kubectl_ref()).collect();
                refs.dedup();
                refs.len() > 1
            };
            let workload_why = match (per, several(&workloads)) {
                (Per::Hash, _) => {
                    "a workload's selector is immutable, and this one matches the pods of one pod template only"
                }
                (_, false) => {
                    "the next release changes the selector, and the API server rejects that (`field is immutable`)"
                }
                (_, true) => {
                    "the next release changes the selectors, and the API server rejects that (`field is immutable`)"
                }
            };
            let service_why = match (per, several(&services)) {
                (Per::Hash, false) => {
                    "the Service is pinned to the pods of one revision, so the next rollout leaves it without endpoints"
                }
                (Per::Hash, true) => {
                    "the Services are pinned to the pods of one revision, so the next rollout leaves them without endpoints"
                }
                (_, false) => {
                    "the Service switches to the new release's pods the moment it is applied, before they are ready, and `kubectl rollout undo` does not switch it back"
                }
                (_, true) => {
                    "the Services switch to the new release's pods the moment they are applied, before those are ready, and `kubectl rollout undo` does not switch them back"
                }
            };
            let why = match (workloads.is_empty(), services.is_empty()) {
                (false, true) => workload_why.to_string(),
                (true, false) => service_why.to_string(),
                _ => format!("for the workloads, {workload_why}; for the Services, {service_why}"),
            };
            let origin = cx
                .manifests
                .file(file)
                .filter(|f| f.role == crate::model::manifests::Role::Kustomization)
                .map(|f| format!(" (Kustomize adds it from `{}`)", f.path()))
                .unwrap_or_default();
            let subject = if several(&all) {
                format!("the selectors of {} use", names(&all))
            } else {
                format!("the selector of {} uses", names(&all))
            };
            let message = format!("{subject} `{label}`{origin}, {}: {why}", per.describe());
            let path = cx
                .manifests
                .file(file)
                .map(|f| f.path().to_string())
                .unwrap_or_default();
            let d = draft(
                cx,
                o,
                "K502",
                (file, Span::new(start, end)),
                message,
                "changes with every release",
            )
            .var("label", label.clone());
            let d = if workloads.is_empty() {
                d.steps(revert(o, &path))
            } else {
                // Nothing to undo yet: the selector breaks the next release.
                d.var("plan", "no").steps([format!(
                    "Nothing breaks until the next release. Before it, take `{label}` out of the selector of {} (keep it on the pod template), and since a selector cannot change in place, deploy the workload under a new name and move traffic to it",
                    names(&workloads)
                )])
            };
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_values() {
        for (k, v) in [
            ("app.kubernetes.io/version", "1.4.0"),
            ("version", "v2.3.1"),
            ("version", "v2"),
            ("helm.sh/chart", "api-0.1.0"),
            ("chart", "redis-17.3.11"),
            ("pod-template-hash", "5d8f9c7b6"),
            ("commit", "3f2a9c1"),
            ("app", "9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d9b1deb4d"),
            ("deployed", "2024-05-01"),
            ("build", "20240501-1230"),
            ("revision", "42"),
            ("release", "1.2"),
        ] {
            assert!(per_release(k, v).is_some(), "{k}: {v}");
        }
        for (k, v) in [
            ("app.kubernetes.io/instance", "shop"),
            ("release", "prod"),
            ("version", "canary"),
            ("version", "blue"),
            ("app", "api"),
            ("tier", "backend"),
            ("app", "facade"),
            ("helm.sh/chart", "{{ .Chart.Name }}"),
            ("zone", "1"),
            ("app", "decade12"),
            ("app.kubernetes.io/name", "mysql-8.0"),
        ] {
            assert!(per_release(k, v).is_none(), "{k}: {v}");
        }
    }

    #[test]
    fn a_value_in_the_name_names_the_object() {
        let o = |name: &str| Object {
            file: FileId(0),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: name.into(),
            namespace: None,
            root: Node::scalar(FileId(0), Span::new(0, 0), ""),
            unit: 0,
            env: None,
            opaque_patch: false,
        };
        assert!(names_the_object(&o("reviews-v1"), "v1"));
        assert!(names_the_object(&o("api-1.4.0"), "1.4.0"));
        assert!(!names_the_object(&o("reviews"), "v1"));
        assert!(!names_the_object(&o("v10-api"), "v1"));
    }
}
