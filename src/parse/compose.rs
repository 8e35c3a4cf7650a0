//! docker-compose files: services with their image, build, healthcheck, `depends_on`,
//! `env_file` and `profiles`, read from the positioned YAML tree; and `${VAR}` interpolation
//! found in the file's text.
//!
//! `x-` extension fields and `<<: *anchor` merges are resolved by the YAML layer; `extends`
//! (same file or another file) is resolved here for the fields rules read.

use crate::parse::yaml::Node;
use crate::span::Span;

/// Is this a compose file by name? (`compose.yaml`, `docker-compose.prod.yml`,
/// `podman-compose.yml`, ...)
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))
    else {
        return false;
    };
    stem == "compose"
        || stem.starts_with("compose.")
        || stem.starts_with("docker-compose")
        || stem.ends_with("-compose")
        || stem.contains("-compose.")
}

/// Does this document look like a compose file (for files not named like one)? Top-level
/// keys are compose keys only, and `services` maps names to services with `image` or `build`.
pub fn looks_like_compose(doc: &Node) -> bool {
    let Some(entries) = doc.as_map() else {
        return false;
    };
    let known = [
        "version", "services", "networks", "volumes", "configs", "secrets", "name", "include",
    ];
    if !entries.iter().all(|(k, _)| {
        k.as_str()
            .is_some_and(|k| known.contains(&k) || k.starts_with("x-"))
    }) {
        return false;
    }
    let Some(services) = doc.get("services").and_then(Node::as_map) else {
        return false;
    };
    !services.is_empty()
        && services.iter().all(|(_, s)| {
            s.is_map()
                && (s.get("image").is_some()
                    || s.get("build").is_some()
                    || s.get("extends").is_some())
        })
}

/// One `depends_on` entry.
#[derive(Debug, Clone)]
pub struct Dependency<'a> {
    pub service: &'a str,
    /// The node naming the dependency (list item or mapping key).
    pub node: &'a Node,
    /// `condition:` when the long form gives one.
    pub condition: Option<&'a str>,
    pub condition_node: Option<&'a Node>,
    /// `required: false`: compose starts without it.
    pub required: bool,
}

/// One service.
#[derive(Debug, Clone)]
pub struct Service<'a> {
    pub name: &'a str,
    /// The service's key in `services:`.
    pub key: &'a Node,
    pub node: &'a Node,
    pub image: Option<&'a Node>,
    pub build: Option<&'a Node>,
    /// `healthcheck:` unless it says `disable: true` or `test: ["NONE"]`.
    pub healthcheck: Option<&'a Node>,
    pub healthcheck_disabled: bool,
    pub depends_on: Vec<Dependency<'a>>,
    pub env_files: Vec<&'a str>,
    /// The `env_file:` entries' nodes (a path, or `{path, required}`), this service's and
    /// those of the services it `extends`.
    pub env_file_nodes: Vec<&'a Node>,
    /// `environment:` (a mapping or a `KEY=value` list), this service's first, then those of
    /// the services it `extends` (compose merges them).
    pub environment: Vec<&'a Node>,
    pub profiles: Vec<&'a str>,
    /// `command` / `entrypoint` as one string.
    pub command: String,
    /// `restart: "no"` or a one-shot looking service (runs to completion).
    pub restart: Option<&'a str>,
}

impl Service<'_> {
    /// `build.context` (or `build: ./dir`) and `build.dockerfile`.
    pub fn build_paths(&self) -> Option<(String, Option<String>)> {
        let b = self.build?;
        if let Some(ctx) = b.as_str() {
            return Some((ctx.to_string(), None));
        }
        let ctx = b.get_str("context").unwrap_or(".").to_string();
        Some((ctx, b.get_str("dockerfile").map(str::to_string)))
    }

    pub fn image_str(&self) -> Option<&str> {
        self.image.and_then(Node::as_str)
    }
}

fn text_of(n: Option<&Node>) -> String {
    match n {
        None => String::new(),
        Some(n) => match n.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(Node::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            None => n.as_str().unwrap_or("").to_string(),
        },
    }
}

fn strs(n: Option<&Node>) -> Vec<&str> {
    match n {
        None => Vec::new(),
        Some(n) => match n.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(|i| i.as_str().or_else(|| i.get_str("path")))
                .collect(),
            None => n.as_str().into_iter().collect(),
        },
    }
}

/// A service's field, following `extends: { service: x }` within the same file.
fn field<'a>(services: &'a Node, svc: &'a Node, key: &str, depth: usize) -> Option<&'a Node> {
    if let Some(v) = svc.get(key) {
        return Some(v);
    }
    if depth > 8 {
        return None;
    }
    let ext = svc.get("extends")?;
    if ext.get("file").is_some() {
        return None;
    }
    let base = ext.get_str("service").or_else(|| ext.as_str())?;
    field(services, services.get(base)?, key, depth + 1)
}

/// Every value of `key` along a service's `extends` chain within the file, its own first.
fn chain<'a>(services: &'a Node, svc: &'a Node, key: &str) -> Vec<&'a Node> {
    let mut out = Vec::new();
    let mut cur = svc;
    for _ in 0..8 {
        if let Some(v) = cur.get(key) {
            out.push(v);
        }
        let Some(ext) = cur.get("extends") else {
            break;
        };
        if ext.get("file").is_some() {
            break;
        }
        let Some(base) = ext
            .get_str("service")
            .or_else(|| ext.as_str())
            .and_then(|b| services.get(b))
        else {
            break;
        };
        cur = base;
    }
    out
}

/// One entry of an `environment:` block: its name and where the name and the value are.
#[derive(Debug, Clone)]
pub struct EnvEntry<'a> {
    pub name: String,
    pub name_span: Span,
    /// The value's text and span; `None` for a bare `KEY` (passed through from the shell).
    pub value: Option<(String, Span)>,
    pub node: &'a Node,
}

/// The entries of an `environment:` (or `build.args`) block: a mapping (`KEY: value`) or a
/// list (`- KEY=value`, `- KEY`). `text` is the file's text, to find spans inside list items.
pub fn env_entries<'a>(block: &'a Node, text: &str) -> Vec<EnvEntry<'a>> {
    let mut out = Vec::new();
    if let Some(entries) = block.as_map() {
        for (k, v) in entries {
            let Some(name) = k.as_str() else { continue };
            let value = v.as_str().map(|t| (t.to_string(), inner(v.span, text)));
            out.push(EnvEntry {
                name: name.to_string(),
                name_span: k.span,
                value,
                node: k,
            });
        }
    } else if let Some(items) = block.as_seq() {
        for item in items {
            let Some(t) = item.as_str() else { continue };
            let span = inner(item.span, text);
            let raw = span.slice(text);
            // The item as written; when quoting or escapes make it differ from the value,
            // spans fall back to the whole item.
            let exact = raw == t;
            let (name, value) = match t.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v)),
                None => (t.trim(), None),
            };
            if name.is_empty() {
                continue;
            }
            let name_span = if exact {
                Span::new(span.start, span.start + name.len())
            } else {
                span
            };
            let value = value.map(|v| {
                let vs = if exact {
                    Span::new(span.end - v.len(), span.end)
                } else {
                    span
                };
                (v.to_string(), vs)
            });
            out.push(EnvEntry {
                name: name.to_string(),
                name_span,
                value,
                node: item,
            });
        }
    }
    out
}

/// A scalar's span without its quotes.
fn inner(span: Span, text: &str) -> Span {
    let s = span.slice(text);
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return Span::new(span.start + 1, span.end - 1);
        }
    }
    span
}

/// The services of a compose document.
pub fn services(doc: &Node) -> Vec<Service<'_>> {
    let Some(services) = doc.get("services") else {
        return Vec::new();
    };
    let Some(entries) = services.as_map() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, svc) in entries {
        let Some(name) = k.as_str() else { continue };
        if !svc.is_map() {
            continue;
        }
        let hc = field(services, svc, "healthcheck", 0);
        let disabled = hc.is_some_and(|h| {
            h.get("disable").and_then(Node::as_bool) == Some(true)
                || h.get("test")
                    .map(|t| text_of(Some(t)))
                    .is_some_and(|t| t.trim() == "NONE")
        });
        let mut deps = Vec::new();
        if let Some(d) = svc.get("depends_on") {
            if let Some(items) = d.as_seq() {
                for i in items {
                    if let Some(s) = i.as_str() {
                        deps.push(Dependency {
                            service: s,
                            node: i,
                            condition: None,
                            condition_node: None,
                            required: true,
                        });
                    }
                }
            } else if let Some(map) = d.as_map() {
                for (dk, dv) in map {
                    if let Some(s) = dk.as_str() {
                        let c = dv.get("condition");
                        deps.push(Dependency {
                            service: s,
                            node: dk,
                            condition: c.and_then(Node::as_str),
                            condition_node: c,
                            required: dv.get("required").and_then(Node::as_bool) != Some(false),
                        });
                    }
                }
            }
        }
        let command = format!(
            "{} {}",
            text_of(field(services, svc, "entrypoint", 0)),
            text_of(field(services, svc, "command", 0))
        )
        .trim()
        .to_string();
        out.push(Service {
            name,
            key: k,
            node: svc,
            image: field(services, svc, "image", 0),
            build: field(services, svc, "build", 0),
            healthcheck: if disabled { None } else { hc },
            healthcheck_disabled: disabled,
            depends_on: deps,
            env_files: strs(field(services, svc, "env_file", 0)),
            env_file_nodes: chain(services, svc, "env_file")
                .into_iter()
                .flat_map(|n| match n.as_seq() {
                    Some(items) => items.iter().collect::<Vec<_>>(),
                    None => vec![n],
                })
                .collect(),
            environment: chain(services, svc, "environment"),
            profiles: strs(svc.get("profiles")),
            command,
            restart: field(services, svc, "restart", 0).and_then(Node::as_str),
        });
    }
    out
}

/// How an interpolation treats an unset variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarForm {
    /// `$VAR`, `${VAR}`: empty string, with a warning.
    Plain,
    /// `${VAR:-x}`, `${VAR-x}`: the default.
    Default,
    /// `${VAR:?msg}`, `${VAR?msg}`: compose refuses to start, naming it.
    Required,
    /// `${VAR:+x}`, `${VAR+x}`: empty unless set.
    Alternative,
}

/// One `${VAR}` in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    pub form: VarForm,
    /// The whole `${...}` / `$VAR`.
    pub span: Span,
}

/// Interpolations in `text[span]` (a scalar's source text). `$$` is a literal `$`.
pub fn interpolations(text: &str, span: Span) -> Vec<Var> {
    let mut out = Vec::new();
    let s = span.slice(text);
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        let start = i;
        if b.get(i + 1) == Some(&b'{') {
            let name_start = i + 2;
            let mut j = name_start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let name = &s[name_start..j];
            // Find the closing brace, allowing nested `${}` in defaults.
            let mut depth = 1;
            let mut k = j;
            while k < b.len() && depth > 0 {
                match b[k] {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
                k += 1;
            }
            if depth != 0 || name.is_empty() {
                i = j.max(i + 1);
                continue;
            }
            let op = &s[j..k - 1];
            let form = if op.starts_with(":-") || op.starts_with('-') {
                VarForm::Default
            } else if op.starts_with(":?") || op.starts_with('?') {
                VarForm::Required
            } else if op.starts_with(":+") || op.starts_with('+') {
                VarForm::Alternative
            } else {
                VarForm::Plain
            };
            out.push(Var {
                name: name.to_string(),
                form,
                span: Span::new(span.start + start, span.start + k),
            });
            // Nested interpolations in the default are found on the next pass over them.
            i = j;
        } else {
            let mut j = i + 1;
            if j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'_') {
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                out.push(Var {
                    name: s[i + 1..j].to_string(),
                    form: VarForm::Plain,
                    span: Span::new(span.start + start, span.start + j),
                });
            }
            i = j;
        }
    }
    out
}

/// Every scalar node of a tree (keys included), for interpolation scanning.
pub fn scalars<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.value {
        crate::parse::yaml::Value::Scalar { .. } => out.push(node),
        crate::parse::yaml::Value::Seq(items) => items.iter().for_each(|n| scalars(n, out)),
        crate::parse::yaml::Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            scalars(k, out);
            scalars(v, out);
        }),
    }
}

/// Names defined by a dotenv file (`KEY=value`, `export KEY=value`).
pub fn dotenv_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
            if l.starts_with('#') {
                return None;
            }
            let (k, _) = l.split_once('=')?;
            let k = k.trim();
            (!k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then(|| k.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::{FileId, parse};

    #[test]
    fn names() {
        assert!(is_compose_name("compose.yaml"));
        assert!(is_compose_name("docker-compose.prod.yml"));
        assert!(is_compose_name("podman-compose.yml"));
        assert!(is_compose_name("compose.override.yaml"));
        assert!(!is_compose_name("composer.yaml"));
        assert!(!is_compose_name("values.yaml"));
    }

    #[test]
    fn services_and_depends_on_forms() {
        let text = "x-common: &common\n  restart: always\nservices:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n  web:\n    <<: *common\n    build: .\n    depends_on:\n      db:\n        condition: service_healthy\n  worker:\n    extends: web\n    depends_on: [db]\n";
        let f = parse(text, FileId(0));
        let doc = &f.docs[0].root;
        assert!(looks_like_compose(doc));
        let s = services(doc);
        assert_eq!(s.len(), 3);
        assert!(s[0].healthcheck.is_some());
        assert_eq!(s[1].restart, Some("always"));
        assert_eq!(s[1].depends_on[0].condition, Some("service_healthy"));
        assert_eq!(s[2].depends_on[0].condition, None);
        assert!(s[2].build.is_some(), "extends brings build");
    }

    #[test]
    fn environment_blocks() {
        let text = "services:\n  a:\n    environment:\n      A: \"1\"\n      B:\n  b:\n    extends: a\n    environment:\n      - C=x=y\n      - \"D=2\"\n      - E\n";
        let f = parse(text, FileId(0));
        let doc = &f.docs[0].root;
        let s = services(doc);
        let a = env_entries(s[0].environment[0], text);
        assert_eq!(a[0].name, "A");
        assert_eq!(a[0].value.as_ref().unwrap().1.slice(text), "1");
        assert!(a[1].value.is_none());
        // `b` has its own list, then `a`'s mapping.
        assert_eq!(s[1].environment.len(), 2);
        let b = env_entries(s[1].environment[0], text);
        let names: Vec<&str> = b.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, vec!["C", "D", "E"]);
        assert_eq!(b[0].name_span.slice(text), "C");
        assert_eq!(b[0].value.as_ref().unwrap().1.slice(text), "x=y");
        assert_eq!(b[1].name_span.slice(text), "D");
        assert!(b[2].value.is_none());
    }

    #[test]
    fn interpolation_forms() {
        let t = "a: ${A} $B ${C:-x} ${D:?need D} $$E ${F:-${G}} ${H+y}";
        let vars = interpolations(t, Span::new(0, t.len()));
        let got: Vec<(&str, VarForm)> = vars.iter().map(|v| (v.name.as_str(), v.form)).collect();
        assert_eq!(
            got,
            vec![
                ("A", VarForm::Plain),
                ("B", VarForm::Plain),
                ("C", VarForm::Default),
                ("D", VarForm::Required),
                ("F", VarForm::Default),
                ("G", VarForm::Plain),
                ("H", VarForm::Alternative),
            ]
        );
        assert_eq!(vars[0].span.slice(t), "${A}");
    }

    #[test]
    fn dotenv() {
        assert_eq!(
            dotenv_names("# c\nA=1\nexport B=\"x\"\n\nC\nbad key=1\n"),
            vec!["A", "B"]
        );
    }
}
