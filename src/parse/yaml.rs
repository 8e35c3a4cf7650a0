//! YAML with a byte span on every node, built from saphyr-parser's events.
//!
//! The tree is built here rather than by a generic loader so the limits that keep hostile
//! input harmless live in one place:
//!
//! - nesting deeper than [`MAX_DEPTH`] stops the file (a 10,000-deep document is a warning,
//!   not a stack overflow);
//! - aliases are expanded by copying the anchored node, and a file may copy at most
//!   [`ALIAS_BUDGET`] nodes that way (an alias bomb is a warning, not gigabytes);
//! - YAML 1.1 merge keys (`<<: *defaults`, used by compose `x-` anchors) are resolved while the
//!   mapping is built, under the same budget.
//!
//! Parsing never fails: documents completed before a syntax error are kept and the error
//! becomes a [`YamlProblem`]. Every node carries the [`FileId`] it was read from, so trees
//! merged across files (Kustomize patches) still point at the right file.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::span::Span;

/// Deepest nesting of collections accepted in one document.
pub const MAX_DEPTH: usize = 256;
/// Nodes an alias expansion may copy in one file.
pub const ALIAS_BUDGET: usize = 100_000;

/// Which file a node was read from (an index the caller assigns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// One YAML node: where it is and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub file: FileId,
    pub span: Span,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar; `plain` is false for quoted and block scalars.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Entries in source order (duplicates kept; lookups take the first).
    Map(Vec<(Node, Node)>),
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
}

/// Why (part of) a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlProblem {
    /// Not valid YAML; `offset` is the byte offset of the error.
    Syntax { offset: usize, message: String },
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep { offset: usize },
    /// Aliases would expand to more than [`ALIAS_BUDGET`] nodes.
    AliasBomb { offset: usize },
    /// An alias to an anchor never defined.
    UnknownAlias { offset: usize },
}

impl YamlProblem {
    pub fn offset(&self) -> usize {
        match self {
            YamlProblem::Syntax { offset, .. }
            | YamlProblem::TooDeep { offset }
            | YamlProblem::AliasBomb { offset }
            | YamlProblem::UnknownAlias { offset } => *offset,
        }
    }

    /// A one-line description for a warning.
    pub fn describe(&self) -> String {
        match self {
            YamlProblem::Syntax { message, .. } => format!("not valid YAML: {message}"),
            YamlProblem::TooDeep { .. } => {
                format!("nested deeper than {MAX_DEPTH} levels")
            }
            YamlProblem::AliasBomb { .. } => {
                format!("aliases expand to more than {ALIAS_BUDGET} nodes (an alias bomb?)")
            }
            YamlProblem::UnknownAlias { .. } => "alias to an undefined anchor".to_string(),
        }
    }
}

/// A parsed YAML file: the documents read, and the problem that stopped reading, if any.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct YamlFile {
    pub docs: Vec<Document>,
    pub problem: Option<YamlProblem>,
}

impl YamlFile {
    /// Stamp every node with the file's id (parsing happens before ids are known).
    pub fn set_file(&mut self, id: FileId) {
        for d in &mut self.docs {
            d.root.set_file(id);
        }
    }
}

impl Node {
    pub fn scalar(file: FileId, span: Span, text: &str) -> Node {
        Node {
            file,
            span,
            value: Value::Scalar {
                text: text.to_string(),
                plain: true,
            },
        }
    }

    /// The text of a scalar (numbers and booleans included); `None` for null and collections.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain } => {
                if *plain && is_null_text(text) {
                    None
                } else {
                    Some(text)
                }
            }
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if is_null_text(text))
    }

    /// An unquoted integer (`3`, `0x10` is not accepted). Quoted numbers are strings.
    pub fn as_int(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar { text, plain: true } => {
                let t = text.trim();
                let t = t.strip_prefix('+').unwrap_or(t);
                t.parse::<i64>().ok()
            }
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// The first entry whose key is `key`: (key node, value node).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Follow a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in path {
            n = n.get(k)?;
        }
        Some(n)
    }

    /// A string value under `key`.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }

    /// The span of `key: value` (both), or of the node itself when `key` is absent.
    pub fn entry_span(&self, key: &str) -> Span {
        match self.entry(key) {
            Some((k, v)) if k.file == v.file => k.span.join(v.span),
            Some((k, _)) => k.span,
            None => self.span,
        }
    }

    /// The span of `key` alone, or of the node itself when `key` is absent.
    pub fn key_span(&self, key: &str) -> Span {
        self.entry(key).map(|(k, _)| k.span).unwrap_or(self.span)
    }

    /// Does any scalar in this subtree look templated (`{{ ... }}`)?
    pub fn is_templated(&self) -> bool {
        match &self.value {
            Value::Scalar { text, .. } => text.contains("{{"),
            Value::Seq(items) => items.iter().any(Node::is_templated),
            Value::Map(entries) => entries
                .iter()
                .any(|(k, v)| k.is_templated() || v.is_templated()),
        }
    }

    /// Stamp this subtree with the file it was read from.
    pub fn set_file(&mut self, id: FileId) {
        self.file = id;
        match &mut self.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => items.iter_mut().for_each(|n| n.set_file(id)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.set_file(id);
                v.set_file(id);
            }),
        }
    }

    /// Count of nodes in this subtree.
    pub fn size(&self) -> usize {
        match &self.value {
            Value::Scalar { .. } => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

fn is_null_text(t: &str) -> bool {
    matches!(t, "" | "~" | "null" | "Null" | "NULL")
}

/// Char index (what saphyr reports) to byte offset.
struct Offsets {
    /// Byte offset of every char, plus the end; empty for ASCII text (identity).
    starts: Vec<u32>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        if text.is_ascii() {
            return Offsets {
                starts: Vec::new(),
                len: text.len(),
            };
        }
        let mut starts: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
        starts.push(text.len() as u32);
        Offsets {
            starts,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.starts.is_empty() {
            char_index.min(self.len)
        } else {
            self.starts
                .get(char_index)
                .map(|&b| b as usize)
                .unwrap_or(self.len)
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    budget: usize,
    root: Option<Node>,
}

enum Stop {
    Problem(YamlProblem),
}

impl Builder {
    /// Attach a finished node to its parent, or make it the document root.
    fn attach(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    /// Resolve `<<` merge keys: entries of the merged mappings whose keys the mapping does not
    /// define itself are appended, in order.
    fn merge(
        &mut self,
        entries: Vec<(Node, Node)>,
        offset: usize,
    ) -> Result<Vec<(Node, Node)>, Stop> {
        if !entries.iter().any(|(k, _)| is_merge_key(k)) {
            return Ok(entries);
        }
        let mut own = Vec::with_capacity(entries.len());
        let mut merged: Vec<Node> = Vec::new();
        for (k, v) in entries {
            if is_merge_key(&k) {
                match v.value {
                    Value::Map(_) => merged.push(v),
                    Value::Seq(items) => merged.extend(items.into_iter().filter(Node::is_map)),
                    Value::Scalar { .. } => own.push((k, v)),
                }
            } else {
                own.push((k, v));
            }
        }
        for m in merged {
            if let Value::Map(extra) = m.value {
                for (k, v) in extra {
                    let defined = own
                        .iter()
                        .any(|(ok, _)| ok.as_str().is_some() && ok.as_str() == k.as_str());
                    if !defined {
                        let cost = k.size() + v.size();
                        if cost > self.budget {
                            return Err(Stop::Problem(YamlProblem::AliasBomb { offset }));
                        }
                        self.budget -= cost;
                        own.push((k, v));
                    }
                }
            }
        }
        Ok(own)
    }
}

fn is_merge_key(k: &Node) -> bool {
    matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<")
}

/// Parse a YAML stream. Never fails, never panics on any input; see [`YamlFile::problem`].
///
/// One leniency, because compose and Kubernetes tooling (go-yaml) accept it and real files rely
/// on it: a flow collection's closing `]` or `}` on a line of its own, indented no deeper
/// than its key. Such lines are re-indented by one space and the file parsed again; spans are
/// mapped back to the original text.
pub fn parse(text: &str, file: FileId) -> YamlFile {
    let mut first = parse_strict(text, file);
    let mut inserted: Vec<usize> = Vec::new();
    let mut current = text.to_string();
    let mut result = None;
    for _ in 0..64 {
        let parsed = match &result {
            None => std::mem::take(&mut first),
            Some(_) => parse_strict(&current, file),
        };
        let Some(YamlProblem::Syntax { offset, message }) = &parsed.problem else {
            result = Some(parsed);
            break;
        };
        if !message.contains("indentation") {
            result = Some(parsed);
            break;
        }
        // The line the error is on, or the next one with content.
        let line_start = current[..(*offset).min(current.len())]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let line = current[line_start..].lines().next().unwrap_or("");
        let t = line.trim_start();
        if !(t.starts_with(']') || t.starts_with('}')) {
            result = Some(parsed);
            break;
        }
        current.insert(line_start, ' ');
        // Record the insertion in original coordinates.
        let shift = inserted.iter().filter(|&&p| p < line_start).count();
        inserted.push(line_start - shift);
        inserted.sort_unstable();
        result = Some(parsed);
    }
    let mut out = result.unwrap_or_default();
    if !inserted.is_empty() {
        if out.problem.is_some() {
            // The leniency did not help: report the original file's problem.
            return parse_strict(text, file);
        }
        let map = |o: usize| -> usize {
            // Modified offset to original: skip the spaces inserted before it.
            let mut c = 0;
            for &p in &inserted {
                if p + c < o {
                    c += 1;
                } else {
                    break;
                }
            }
            (o - c).min(text.len())
        };
        for d in &mut out.docs {
            remap(&mut d.root, &map);
        }
    }
    out
}

fn remap(node: &mut Node, map: &dyn Fn(usize) -> usize) {
    node.span = Span::new(map(node.span.start), map(node.span.end));
    match &mut node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| remap(n, map)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            remap(k, map);
            remap(v, map);
        }),
    }
}

fn parse_strict(text: &str, file: FileId) -> YamlFile {
    let offsets = Offsets::new(text);
    let mut out = YamlFile::default();
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        budget: ALIAS_BUDGET,
        root: None,
    };
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(e) => e,
            Err(e) => {
                out.problem = Some(YamlProblem::Syntax {
                    offset: offsets.byte(e.marker().index()),
                    message: e.info().to_string(),
                });
                break;
            }
        };
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        let result: Result<(), Stop> = (|| {
            match event {
                Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
                Event::DocumentStart(_) => {
                    b.stack.clear();
                    b.root = None;
                    b.anchors.clear();
                }
                Event::DocumentEnd => {
                    // An empty document (`---` with nothing after it) is no document.
                    if let Some(root) = b.root.take().filter(|r| !r.is_null()) {
                        out.docs.push(Document { root });
                    }
                }
                Event::Scalar(value, style, anchor, _tag) => {
                    let plain = matches!(style, ScalarStyle::Plain);
                    let node = Node {
                        file,
                        span: Span::new(start, end),
                        value: Value::Scalar {
                            text: value.into_owned(),
                            plain,
                        },
                    };
                    b.attach(node, anchor);
                }
                Event::Alias(id) => {
                    let Some(target) = b.anchors.get(&id) else {
                        return Err(Stop::Problem(YamlProblem::UnknownAlias { offset: start }));
                    };
                    let cost = target.size();
                    if cost > b.budget {
                        return Err(Stop::Problem(YamlProblem::AliasBomb { offset: start }));
                    }
                    b.budget -= cost;
                    let node = target.clone();
                    b.attach(node, 0);
                }
                Event::SequenceStart(anchor, _) => {
                    if b.stack.len() >= MAX_DEPTH {
                        return Err(Stop::Problem(YamlProblem::TooDeep { offset: start }));
                    }
                    b.stack.push(Frame::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    });
                }
                Event::MappingStart(anchor, _) => {
                    if b.stack.len() >= MAX_DEPTH {
                        return Err(Stop::Problem(YamlProblem::TooDeep { offset: start }));
                    }
                    b.stack.push(Frame::Map {
                        start,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    });
                }
                Event::SequenceEnd => {
                    if let Some(Frame::Seq {
                        start: s,
                        anchor,
                        items,
                    }) = b.stack.pop()
                    {
                        let last = items.last().map(|n| n.span.end).unwrap_or(end);
                        let node = Node {
                            file,
                            span: Span::new(s, last.max(s)),
                            value: Value::Seq(items),
                        };
                        b.attach(node, anchor);
                    }
                }
                Event::MappingEnd => {
                    if let Some(Frame::Map {
                        start: s,
                        anchor,
                        entries,
                        key,
                    }) = b.stack.pop()
                    {
                        let mut entries = entries;
                        if let Some(k) = key {
                            // A key with no value event (should not happen): keep it as null.
                            let null = Node::scalar(file, Span::new(k.span.end, k.span.end), "");
                            entries.push((k, null));
                        }
                        let entries = b.merge(entries, s)?;
                        let last = entries
                            .iter()
                            .filter(|(_, v)| v.file == file)
                            .map(|(_, v)| v.span.end)
                            .max()
                            .unwrap_or(end);
                        let node = Node {
                            file,
                            span: Span::new(s, last.max(s)),
                            value: Value::Map(entries),
                        };
                        b.attach(node, anchor);
                    }
                }
            }
            Ok(())
        })();
        if let Err(Stop::Problem(p)) = result {
            out.problem = Some(p);
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let f = parse(text, FileId(0));
        assert_eq!(f.problem, None, "{text}");
        f.docs.into_iter().next().unwrap().root
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "kind: Deployment\nspec:\n  replicas: 1\n";
        let root = one(text);
        let spec = root.get("spec").unwrap();
        let (k, v) = spec.entry("replicas").unwrap();
        assert_eq!(k.span.slice(text), "replicas");
        assert_eq!(v.span.slice(text), "1");
        assert_eq!(v.as_int(), Some(1));
        assert_eq!(spec.entry_span("replicas").slice(text), "replicas: 1");
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "name: café\nimage: x:1\n";
        let root = one(text);
        let (_, v) = root.entry("image").unwrap();
        assert_eq!(v.span.slice(text), "x:1");
    }

    #[test]
    fn multi_document_streams() {
        let f = parse("a: 1\n---\nb: 2\n---\n", FileId(3));
        assert_eq!(f.docs.len(), 2);
        assert_eq!(f.docs[1].root.get("b").unwrap().as_int(), Some(2));
        assert_eq!(f.docs[1].root.file, FileId(3));
    }

    #[test]
    fn quoted_numbers_are_strings() {
        let root = one("a: \"3\"\nb: 3\nc:\nd: ~\n");
        assert_eq!(root.get("a").unwrap().as_int(), None);
        assert_eq!(root.get("a").unwrap().as_str(), Some("3"));
        assert_eq!(root.get("b").unwrap().as_int(), Some(3));
        assert!(root.get("c").unwrap().is_null());
        assert!(root.get("d").unwrap().is_null());
    }

    #[test]
    fn merge_keys_and_aliases() {
        let text = "x-base: &base\n  image: redis:7\n  restart: always\nservices:\n  a:\n    <<: *base\n    restart: 'no'\n";
        let root = one(text);
        let a = root.at(&["services", "a"]).unwrap();
        assert_eq!(a.get_str("image"), Some("redis:7"));
        assert_eq!(a.get_str("restart"), Some("no"));
        // The merged value points where it is written: in the anchor.
        assert_eq!(a.get("image").unwrap().span.slice(text), "redis:7");
    }

    #[test]
    fn alias_bomb_is_a_problem_not_a_hang() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            text.push_str(&format!(
                "{n}: &{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = n;
        }
        let f = parse(&text, FileId(0));
        assert!(matches!(f.problem, Some(YamlProblem::AliasBomb { .. })));
    }

    #[test]
    fn deep_nesting_is_a_problem_not_a_crash() {
        let text = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let f = parse(&text, FileId(0));
        assert!(f.problem.is_some());
        let mut block = String::new();
        for i in 0..10_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("a:\n");
        }
        let f = parse(&block, FileId(0));
        assert!(matches!(f.problem, Some(YamlProblem::TooDeep { .. })));
    }

    #[test]
    fn helm_template_is_a_syntax_problem_and_earlier_documents_survive() {
        let text = "a: 1\n---\n{{- if .Values.x }}\nkind: Service\n{{- end }}\n";
        let f = parse(text, FileId(0));
        assert_eq!(f.docs.len(), 1);
        assert!(matches!(f.problem, Some(YamlProblem::Syntax { .. })));
    }

    #[test]
    fn closing_bracket_at_key_indentation_is_accepted() {
        let text = "services:\n  a:\n    command: [\n      \"start\"\n    ]\n    image: x:1\n  b:\n    command: [\n      \"go\"\n    ]\n    image: y:2\n";
        let f = parse(text, FileId(0));
        assert_eq!(f.problem, None);
        let b = f.docs[0].root.at(&["services", "b"]).unwrap();
        assert_eq!(b.get("image").unwrap().span.slice(text), "y:2");
    }

    #[test]
    fn garbage_never_panics() {
        for t in [
            "",
            "---",
            "- - - -",
            "? ? ?",
            "a: [}",
            "&a *a",
            "*x",
            "\u{0}\u{1}",
            "a: |\n\tb",
            "key: \"unterminated",
            "- &a\n- *a\n- <<: *a",
            "{a: 1, a: 2}",
            "!!binary x",
        ] {
            let _ = parse(t, FileId(0));
        }
    }
}
