//! K501 immutable-field-changed (diff mode): a change to a field the API server refuses to
//! update in place, found by comparing each object with its merge-base version.
//!
//! Values are compared as YAML data: key order, quoting style, flow or block style and
//! comments do not count, and an empty mapping or list counts as absent. Deployers that
//! delete and recreate the object themselves (Helm and Argo CD hooks, Argo CD `Force=true`,
//! Flux's force annotation) and Jobs that delete themselves soon after they finish are left
//! alone.

use std::collections::BTreeMap;

use super::draft;
use super::images::effective_image;
use crate::model::kube::{Object, Unit, string_map};
use crate::parse::yaml::{FileId, Node, Value};
use crate::rules::{Draft, ManifestCtx, Rule};
use crate::span::Span;

pub struct ImmutableFieldChanged;

/// What an absent field is worth.
#[derive(Clone, Copy)]
enum Absent {
    /// The server filled it in: an absent side is not compared.
    Unknown,
    /// Absent is empty.
    Empty,
    /// Absent is this default.
    Default(&'static str),
}

/// A field the API server refuses to update.
struct Field {
    /// Under `spec`.
    key: &'static str,
    absent: Absent,
}

const SELECTOR: Field = Field {
    key: "selector",
    absent: Absent::Unknown,
};

/// The immutable fields of a kind in its API group (`apps`, `batch`).
fn immutable_fields(group: &str, kind: &str) -> &'static [Field] {
    match (group, kind) {
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet") => &[SELECTOR],
        ("apps", "StatefulSet") => &[
            SELECTOR,
            Field {
                key: "serviceName",
                absent: Absent::Empty,
            },
            Field {
                key: "volumeClaimTemplates",
                absent: Absent::Empty,
            },
            Field {
                key: "podManagementPolicy",
                absent: Absent::Default("OrderedReady"),
            },
        ],
        ("batch", "Job") => &[
            Field {
                key: "selector",
                absent: Absent::Empty,
            },
            Field {
                key: "template",
                absent: Absent::Unknown,
            },
        ],
        _ => &[],
    }
}

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
fn group(api_version: &str) -> &str {
    api_version.split_once('/').map(|(g, _)| g).unwrap_or("")
}

/// Does the deployer delete and recreate this object on every sync, so an immutable field
/// never reaches an update?
fn recreated_by_deployer(o: &Object) -> bool {
    let ann = string_map(o.root.at(&["metadata", "annotations"]));
    ann.contains_key("helm.sh/hook")
        || ann.contains_key("argocd.argoproj.io/hook")
        || ann.get("argocd.argoproj.io/sync-options").is_some_and(|v| {
            v.split(',')
                .any(|opt| opt.trim().eq_ignore_ascii_case("Force=true"))
        })
        || ann
            .get("kustomize.toolkit.fluxcd.io/force")
            .is_some_and(|v| v.eq_ignore_ascii_case("enabled"))
}

/// A finished Job that deletes itself within this many seconds is gone by the next deploy,
/// which then creates it anew.
const SHORT_TTL: i64 = 3600;

/// One step of a path into a value.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    /// A list item: how it is shown (`[data]`, `[0]`) and its index on the head side.
    Item {
        label: String,
        head: Option<usize>,
    },
}

/// One difference between the two sides.
#[derive(Debug, Clone)]
struct Change<'a> {
    /// Below the field.
    path: Vec<Seg>,
    base: Option<String>,
    head: Option<String>,
    /// The base-side node, for a related location.
    base_node: Option<&'a Node>,
    /// Where the head value comes from when it is not in the tree (a Kustomize `images:`
    /// override).
    at: Option<(FileId, Span)>,
    reordered: bool,
}

const MAX_CHANGES: usize = 20;

/// A scalar as data: what YAML (and so the API server) reads, whatever its quoting.
#[derive(Debug, PartialEq)]
enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Str(&'a str),
}

fn scalar(n: &Node) -> Option<Scalar<'_>> {
    match &n.value {
        Value::Scalar { text, plain: true } => Some(if n.is_null() {
            Scalar::Null
        } else if let Some(b) = n.as_bool() {
            Scalar::Bool(b)
        } else if let Some(i) = n.as_int() {
            Scalar::Int(i)
        } else {
            Scalar::Str(text)
        }),
        Value::Scalar { text, plain: false } => Some(Scalar::Str(text)),
        _ => None,
    }
}

/// Absent, null, `{}` and `[]` are the same to the API server.
fn is_empty(n: Option<&Node>) -> bool {
    match n {
        None => true,
        Some(n) => match &n.value {
            Value::Scalar { .. } => n.is_null(),
            Value::Seq(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
        },
    }
}

/// A value on one line for a message (flow style, whitespace collapsed, backticks made
/// quotes), cut at a few hundred characters; [`clip`] shortens it further.
fn short(n: &Node) -> String {
    const CAP: usize = 400;
    fn write(n: &Node, out: &mut String) {
        if out.len() > CAP {
            return;
        }
        match &n.value {
            Value::Scalar { text, .. } => {
                let mut end = text.len().min(CAP);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                out.push_str(&text[..end]);
            }
            Value::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(k, out);
                    out.push_str(": ");
                    write(v, out);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    write(n, &mut out);
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('`', "'")
}

/// Longest value a message shows.
const SHOWN: usize = 40;

/// At most [`SHOWN`] characters of `s` from character `from` on, with `...` where cut.
fn clip_from(s: &str, from: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let from = from.min(chars.len());
    let lead = if from > 0 { "..." } else { "" };
    let rest = &chars[from..];
    if rest.len() > SHOWN {
        format!("{lead}{}...", rest[..SHOWN - 3].iter().collect::<String>())
    } else {
        format!("{lead}{}", rest.iter().collect::<String>())
    }
}

/// A value shortened for a message.
fn clip(s: &str) -> String {
    clip_from(s, 0)
}

/// Two long values shortened so that where they differ shows.
fn clip_pair(b: &str, h: &str) -> (String, String) {
    let (bc, hc) = (b.chars().count(), h.chars().count());
    if bc <= SHOWN && hc <= SHOWN {
        return (b.to_string(), h.to_string());
    }
    let common = b.chars().zip(h.chars()).take_while(|(x, y)| x == y).count();
    // Start a little before the first difference, at a word or path boundary if there is one.
    let from = if common > SHOWN / 2 {
        let start = common - SHOWN / 2;
        b.chars()
            .enumerate()
            .skip(start)
            .take(common - start)
            .filter(|(_, c)| matches!(c, '/' | ' ' | '='))
            .map(|(i, _)| i + 1)
            .last()
            .unwrap_or(start)
    } else {
        0
    };
    (clip_from(b, from), clip_from(h, from))
}

/// How a list item is told apart: `name`, or `metadata.name` (volume claim templates).
fn item_name(n: &Node) -> Option<&str> {
    n.get_str("name")
        .or_else(|| n.at(&["metadata", "name"]).and_then(Node::as_str))
}

/// Every item's name, when all items have one and no two share it.
fn names(items: &[Node]) -> Option<Vec<&str>> {
    let names: Option<Vec<&str>> = items.iter().map(item_name).collect();
    let names = names?;
    let mut seen = std::collections::BTreeSet::new();
    names.iter().all(|n| seen.insert(*n)).then_some(names)
}

/// Collect the differences between `base` and `head` (at most [`MAX_CHANGES`]).
fn diff<'a>(
    base: Option<&'a Node>,
    head: Option<&'a Node>,
    path: &mut Vec<Seg>,
    out: &mut Vec<Change<'a>>,
) {
    if out.len() >= MAX_CHANGES {
        return;
    }
    let (b_empty, h_empty) = (is_empty(base), is_empty(head));
    if b_empty && h_empty {
        return;
    }
    let push = |out: &mut Vec<Change<'a>>, path: &[Seg]| {
        out.push(Change {
            path: path.to_vec(),
            base: base.filter(|_| !b_empty).map(short),
            head: head.filter(|_| !h_empty).map(short),
            base_node: base.filter(|_| !b_empty),
            at: None,
            reordered: false,
        })
    };
    let (Some(b), Some(h)) = (base.filter(|_| !b_empty), head.filter(|_| !h_empty)) else {
        push(out, path);
        return;
    };
    match (&b.value, &h.value) {
        (Value::Map(be), Value::Map(he)) => {
            let key = |k: &Node| match &k.value {
                Value::Scalar { text, .. } => Some(text.clone()),
                _ => None,
            };
            let mut seen = std::collections::BTreeSet::new();
            for (hk, hv) in he {
                let Some(k) = key(hk) else { continue };
                if !seen.insert(k.clone()) {
                    continue;
                }
                let bv = be
                    .iter()
                    .find(|(bk, _)| key(bk).as_deref() == Some(k.as_str()))
                    .map(|(_, v)| v);
                path.push(Seg::Key(k));
                diff(bv, Some(hv), path, out);
                path.pop();
            }
            for (bk, bv) in be {
                let Some(k) = key(bk) else { continue };
                if !seen.insert(k.clone()) {
                    continue;
                }
                path.push(Seg::Key(k));
                diff(Some(bv), None, path, out);
                path.pop();
            }
        }
        (Value::Seq(bi), Value::Seq(hi)) => match (names(bi), names(hi)) {
            (Some(bn), Some(hn)) => {
                let before = out.len();
                for (i, (name, hv)) in hn.iter().zip(hi).enumerate() {
                    let bv = bn.iter().position(|n| n == name).map(|j| &bi[j]);
                    path.push(Seg::Item {
                        label: format!("[{name}]"),
                        head: Some(i),
                    });
                    diff(bv, Some(hv), path, out);
                    path.pop();
                }
                for (name, bv) in bn.iter().zip(bi) {
                    if !hn.contains(name) {
                        path.push(Seg::Item {
                            label: format!("[{name}]"),
                            head: None,
                        });
                        diff(Some(bv), None, path, out);
                        path.pop();
                    }
                }
                let common = |a: &[&str], b: &[&str]| -> Vec<String> {
                    a.iter()
                        .filter(|n| b.contains(n))
                        .map(|n| n.to_string())
                        .collect()
                };
                if out.len() == before && common(&bn, &hn) != common(&hn, &bn) {
                    push(out, path);
                    if let Some(c) = out.last_mut() {
                        c.reordered = true;
                    }
                }
            }
            _ => {
                for i in 0..bi.len().max(hi.len()) {
                    path.push(Seg::Item {
                        label: format!("[{i}]"),
                        head: (i < hi.len()).then_some(i),
                    });
                    diff(bi.get(i), hi.get(i), path, out);
                    path.pop();
                }
            }
        },
        _ => match (scalar(b), scalar(h)) {
            (Some(x), Some(y)) if x == y => {}
            _ => push(out, path),
        },
    }
}

/// A field's value on one side, with its absence resolved: `Err(())` when it cannot be
/// compared.
fn side<'a>(spec: Option<&'a Node>, field: &Field) -> Result<Option<&'a Node>, ()> {
    let v = spec.and_then(|s| s.get(field.key));
    match (v, field.absent) {
        (Some(v), _) if !v.is_null() => Ok(Some(v)),
        (_, Absent::Unknown) => Err(()),
        _ => Ok(None),
    }
}

/// The containers of a pod template by name: (name, image node).
fn container_images(template: Option<&Node>) -> BTreeMap<&str, &Node> {
    let mut out = BTreeMap::new();
    for key in ["containers", "initContainers"] {
        for c in template
            .and_then(|t| t.at(&["spec", key]))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if let (Some(name), Some(img)) = (c.get_str("name"), c.get("image")) {
                out.insert(name, img);
            }
        }
    }
    out
}

/// Kustomize `images:` overrides that change what a Job's containers run while the
/// manifests' `image` fields stay the same.
fn image_override_changes<'a>(
    head_tpl: Option<&'a Node>,
    base_tpl: Option<&'a Node>,
    head_unit: Option<&Unit>,
    base_unit: Option<&Unit>,
) -> Vec<Change<'a>> {
    let base_images = container_images(base_tpl);
    let mut out = Vec::new();
    for (name, h) in container_images(head_tpl) {
        let (Some(b), Some(hs)) = (base_images.get(name), h.as_str()) else {
            continue;
        };
        if b.as_str() != Some(hs) {
            continue;
        }
        let (he, be) = (
            effective_image(head_unit, hs),
            effective_image(base_unit, hs),
        );
        if he == be {
            continue;
        }
        let repo = crate::parse::dockerfile::image_ref(hs).repository;
        let at = head_unit
            .and_then(|u| u.images.get(repo))
            .map(|ov| (ov.file, ov.span));
        out.push(Change {
            path: vec![
                Seg::Key("spec".into()),
                Seg::Key("containers".into()),
                Seg::Item {
                    label: format!("[{name}]"),
                    head: None,
                },
                Seg::Key("image".into()),
            ],
            base: Some(be),
            head: Some(he),
            base_node: None,
            at,
            reordered: false,
        });
    }
    out
}

/// A path below a field as messages show it (`matchLabels.app`, `[data].spec`).
fn show_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Item { label, .. } => out.push_str(label),
        }
    }
    out
}

fn describe(c: &Change<'_>) -> String {
    let p = show_path(&c.path);
    if c.reordered {
        return if p.is_empty() {
            "items reordered".into()
        } else {
            format!("`{p}` reordered")
        };
    }
    match (&c.base, &c.head, p.is_empty()) {
        (Some(b), Some(h), empty) => {
            let (b, h) = clip_pair(b, h);
            if empty {
                format!("`{b}` → `{h}`")
            } else {
                format!("`{p}`: `{b}` → `{h}`")
            }
        }
        (None, Some(h), true) => format!("set to `{}`", clip(h)),
        (None, Some(h), false) => format!("`{p}` added (`{}`)", clip(h)),
        (Some(b), None, true) => format!("removed (was `{}`)", clip(b)),
        (Some(b), None, false) => format!("`{p}` removed (was `{}`)", clip(b)),
        (None, None, _) => format!("`{p}` changed"),
    }
}

/// Where to point: the head entry that holds every change (the changed key itself when
/// there is one change), walking down from the field's entry.
fn primary(field_entry: (&Node, &Node), changes: &[Change<'_>]) -> (FileId, Span) {
    if let Some(first) = changes.first().and_then(|c| c.at)
        && changes.iter().all(|c| c.at == Some(first))
    {
        return first;
    }
    let mut prefix: Vec<&Seg> = changes
        .first()
        .map(|c| c.path.iter().collect())
        .unwrap_or_default();
    for c in changes.iter().skip(1) {
        let n = prefix
            .iter()
            .zip(&c.path)
            .take_while(|(a, b)| **a == *b)
            .count();
        prefix.truncate(n);
    }
    let (mut key, mut value): (Option<&Node>, &Node) = (Some(field_entry.0), field_entry.1);
    for seg in prefix {
        match seg {
            Seg::Key(k) => match value.entry(k) {
                Some((kn, vn)) => {
                    key = Some(kn);
                    value = vn;
                }
                None => break,
            },
            Seg::Item { head: Some(i), .. } => match value.as_seq().and_then(|s| s.get(*i)) {
                Some(item) => {
                    key = None;
                    value = item;
                }
                None => break,
            },
            Seg::Item { head: None, .. } => break,
        }
    }
    match key {
        Some(k) if !matches!(value.value, Value::Scalar { .. }) || k.file != value.file => {
            (k.file, k.span)
        }
        Some(k) => (k.file, k.span.join(value.span)),
        None => match value
            .entry("name")
            .or_else(|| value.get("metadata").and_then(|m| m.entry("name")))
        {
            Some((k, v)) if k.file == v.file => (k.file, k.span.join(v.span)),
            _ => (value.file, value.span),
        },
    }
}

/// What the API server says, and what it means for the deploy.
fn consequence(kind: &str, field: &str, base: &Object) -> String {
    match (kind, field) {
        (_, "selector") if kind != "Job" => {
            "the API server rejects a changed selector (`field is immutable`), so `kubectl apply` fails and the previous version keeps running".into()
        }
        ("StatefulSet", _) => "the API server forbids this update to a StatefulSet (`updates to statefulset spec for fields other than ... are forbidden`), so `kubectl apply` fails".into(),
        _ => {
            let ttl = base
                .spec()
                .and_then(|s| s.get("ttlSecondsAfterFinished"))
                .and_then(Node::as_int);
            let kept = match ttl {
                Some(t) => format!(
                    "while the previous Job exists (it is deleted {t} seconds after it finishes)"
                ),
                None => "while the previous Job exists, and no `ttlSecondsAfterFinished` removes it".into(),
            };
            format!("a Job's `{field}` cannot be updated (`field is immutable`), so `kubectl apply` fails {kept}")
        }
    }
}

fn safe_alternative(o: &Object, field: &str, base: &str) -> String {
    let r = format!("{}{}", o.kubectl_ref(), o.ns_flag());
    match (o.kind.as_str(), field) {
        ("Job", _) => format!(
            "give each run its own Job name (a version suffix, or `generateName` with `kubectl create`), or delete the finished Job before applying (`kubectl delete {r}`); `ttlSecondsAfterFinished` removes finished Jobs by itself"
        ),
        (_, "selector") => format!(
            "keep the selector as it is on `{base}` and add new labels to the pod template only; if the selector must change, deploy the workload under a new name beside `{}`, move traffic to it, then delete the old one",
            o.kubectl_ref()
        ),
        _ => format!(
            "keep `spec.{field}` as it is on `{base}`; to change it, run `kubectl delete {r} --cascade=orphan` just before applying: the pods and their volumes stay, and the new StatefulSet adopts them (grow a volume by editing its PersistentVolumeClaim)"
        ),
    }
}

/// One change set of one field of one object.
struct Found<'a> {
    object: &'a Object,
    field: &'static str,
    changes: Vec<Change<'a>>,
    at: (FileId, Span),
}

impl Rule for ImmutableFieldChanged {
    fn code(&self) -> &'static str {
        "K501"
    }

    fn check_manifest_changes(&self, cx: &ManifestCtx<'_>, out: &mut Vec<Draft>) {
        let Some(base_side) = cx.base else {
            return;
        };
        let mut found: Vec<Found<'_>> = Vec::new();
        for o in &cx.manifests.kube.objects {
            let fields = immutable_fields(group(&o.api_version), &o.kind);
            if fields.is_empty() || o.opaque_patch || recreated_by_deployer(o) {
                continue;
            }
            let Some(b) = cx.base_of(o) else { continue };
            if b.opaque_patch || recreated_by_deployer(b) {
                continue;
            }
            if o.kind == "Job"
                && b.spec()
                    .and_then(|s| s.get("ttlSecondsAfterFinished"))
                    .and_then(Node::as_int)
                    .is_some_and(|t| t <= SHORT_TTL)
            {
                continue;
            }
            let Some((spec_key, spec)) = o.root.entry("spec") else {
                continue;
            };
            for field in fields {
                let (Ok(h), Ok(bv)) = (side(Some(spec), field), side(b.spec(), field)) else {
                    continue;
                };
                if h.is_some_and(Node::is_templated) || bv.is_some_and(Node::is_templated) {
                    continue;
                }
                let mut changes = Vec::new();
                if let Absent::Default(d) = field.absent {
                    // An absent side is the default.
                    let (hs, bs) = (h.and_then(Node::as_str), bv.and_then(Node::as_str));
                    if hs.unwrap_or(d) != bs.unwrap_or(d) {
                        changes.push(Change {
                            path: Vec::new(),
                            base: Some(bs.unwrap_or(d).to_string()),
                            head: Some(hs.unwrap_or(d).to_string()),
                            base_node: bv,
                            at: None,
                            reordered: false,
                        });
                    }
                } else {
                    diff(bv, h, &mut Vec::new(), &mut changes);
                }
                if field.key == "template" {
                    changes.extend(image_override_changes(
                        h,
                        bv,
                        cx.manifests.kube.units.get(o.unit),
                        base_side.kube.units.get(b.unit),
                    ));
                }
                if changes.is_empty() {
                    continue;
                }
                let entry = spec.entry(field.key).unwrap_or((spec_key, spec));
                let at = primary(entry, &changes);
                found.push(Found {
                    object: o,
                    field: field.key,
                    changes,
                    at,
                });
            }
        }
        // One finding per place: a Kustomize `commonLabels` entry changes the selector of
        // every workload of its overlay at once.
        let mut by_place: BTreeMap<(FileId, usize, usize, &'static str), Vec<Found<'_>>> =
            BTreeMap::new();
        for f in found {
            by_place
                .entry((f.at.0, f.at.1.start, f.at.1.end, f.field))
                .or_default()
                .push(f);
        }
        for ((file, start, end, field), group) in by_place {
            let Some(first) = group.first() else { continue };
            let o = first.object;
            let Some(b) = cx.base_of(o) else { continue };
            let mut refs: Vec<String> = group
                .iter()
                .map(|f| format!("`{}`", f.object.kubectl_ref()))
                .collect();
            refs.dedup();
            let objects = match refs.len() {
                0..=3 => join_and(&refs),
                n => format!("{} and {} more", refs[..3].join(", "), n - 3),
            };
            let shown: Vec<String> = first.changes.iter().take(2).map(describe).collect();
            let more = match first.changes.len() {
                n if n >= MAX_CHANGES => format!("; and {} or more changes", n - 2),
                n if n > 2 => format!("; and {} more", n - 2),
                _ => String::new(),
            };
            let message = format!(
                "`spec.{field}` of {objects} changed since `{}` ({}{more}): {}",
                base_side.label,
                shown.join("; "),
                consequence(&o.kind, field, b)
            );
            let path = cx
                .manifests
                .file(o.file)
                .map(|f| f.path().to_string())
                .unwrap_or_default();
            let shown_path = cx
                .manifests
                .file(file)
                .map(|f| f.path().to_string())
                .unwrap_or(path);
            let mut d = draft(
                cx,
                o,
                "K501",
                (file, Span::new(start, end)),
                message,
                "immutable: the API server rejects this change",
            )
            .var("field", format!("spec.{field}"))
            .var("base", base_side.label.clone())
            .safe(safe_alternative(o, field, &base_side.label))
            .steps([rollback_step(
                o,
                field,
                &shown_path,
                &base_side.label,
                base_side.at_base(&shown_path),
            )]);
            if let Some(bn) = first.changes.first().and_then(|c| c.base_node)
                && (bn.file != file || bn.span != Span::new(start, end))
            {
                d = d.related(
                    bn.file.0 as usize,
                    bn.span,
                    format!("the value on `{}`", base_side.label),
                );
            }
            out.push(d);
        }
    }
}

/// How to get back: revert the change (the object still runs the previous version) without
/// deleting the object, except a Job that has finished, which runs nothing any more.
fn rollback_step(o: &Object, field: &str, path: &str, base: &str, at_base: bool) -> String {
    let r = format!("{}{}", o.kubectl_ref(), o.ns_flag());
    let restore = if at_base {
        format!(" (`git checkout {base} -- {path}` restores the file)")
    } else {
        String::new()
    };
    let revert = format!(
        "Put `spec.{field}` of `{r}` back as it is on `{base}` by reverting the change in `{path}`{restore}, and re-apply"
    );
    if o.kind == "Job" {
        format!(
            "{revert}; or, once the previous run has finished, delete it (`kubectl delete {r}`) and apply again: a finished Job runs no pods"
        )
    } else {
        format!(
            "{revert}. The API server rejected the change, so `{}` still runs the previous version: do not delete it to force the change through, that stops every pod it runs",
            o.kubectl_ref()
        )
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse;

    fn doc(text: &str) -> Node {
        parse(text, FileId(0)).docs.remove(0).root
    }

    fn changes(base: &str, head: &str) -> Vec<String> {
        let (b, h) = (doc(base), doc(head));
        let mut out = Vec::new();
        diff(Some(&b), Some(&h), &mut Vec::new(), &mut out);
        out.iter().map(describe).collect()
    }

    #[test]
    fn formatting_key_order_and_comments_do_not_count() {
        assert!(
            changes(
                "matchLabels:\n  app: web\n  tier: \"front\"\n",
                "# the selector\nmatchLabels: {tier: front, app: 'web'}\n",
            )
            .is_empty()
        );
        assert!(changes("a: 1\nb: {}\n", "a: 1\nc: []\n").is_empty());
    }

    #[test]
    fn changes_are_named_by_path() {
        assert_eq!(
            changes(
                "matchLabels:\n  app: web\n",
                "matchLabels:\n  app: web\n  version: v2\n"
            ),
            ["`matchLabels.version` added (`v2`)"]
        );
        assert_eq!(
            changes(
                "- metadata: {name: data}\n  spec: {resources: {requests: {storage: 1Gi}}}\n",
                "- metadata: {name: data}\n  spec: {resources: {requests: {storage: 2Gi}}}\n"
            ),
            ["`[data].spec.resources.requests.storage`: `1Gi` → `2Gi`"]
        );
        assert_eq!(changes("replicas: 1\n", "replicas: \"1\"\n").len(), 1);
        assert_eq!(
            changes(
                "- {name: a, image: x}\n- {name: b, image: y}\n",
                "- {name: b, image: y}\n- {name: a, image: x}\n"
            ),
            ["items reordered"]
        );
    }

    #[test]
    fn long_values_show_where_they_differ() {
        let (b, h) = clip_pair(
            "us-docker.pkg.dev/google-samples/containers/gke/finetune:1.0",
            "us-docker.pkg.dev/google-samples/containers/gke/finetune:1.1",
        );
        assert!(
            b.ends_with("finetune:1.0") && h.ends_with("finetune:1.1"),
            "{b} {h}"
        );
        assert!(b.starts_with("..."));
        assert_eq!(clip_pair("a", "b"), ("a".to_string(), "b".to_string()));
    }

    #[test]
    fn primary_is_the_changed_entry() {
        let b = doc("selector:\n  matchLabels:\n    app: web\n");
        let h = doc("selector:\n  matchLabels:\n    app: web\n    track: canary\n");
        let mut out = Vec::new();
        diff(
            b.get("selector"),
            h.get("selector"),
            &mut Vec::new(),
            &mut out,
        );
        let (k, v) = h.entry("selector").unwrap();
        let (_, span) = primary((k, v), &out);
        assert_eq!(
            span.slice("selector:\n  matchLabels:\n    app: web\n    track: canary\n"),
            "track: canary"
        );
    }
}
