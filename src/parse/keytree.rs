//! Structured config files as a tree of keys with spans: TOML (through `toml`'s spanned
//! document parser), JSON (a small parser here, which also accepts the comments and
//! trailing commas of JSONC files such as `appsettings.json`), and YAML (from the positioned
//! tree [`crate::parse::yaml`] already built, never parsed twice).
//!
//! Parsing never panics. A file that does not parse, or nests deeper than [`MAX_DEPTH`],
//! gives an error message that names a line, never the file's content.

use serde::Serialize;

use crate::span::Span;

/// Deeper nesting than this is refused (the parsers recurse).
pub const MAX_DEPTH: usize = 64;

/// The type of a value, as compared between environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    String,
    Integer,
    Float,
    Bool,
    Datetime,
    Array,
    Table,
    Null,
}

impl ValueKind {
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::String => "a string",
            ValueKind::Integer => "an integer",
            ValueKind::Float => "a float",
            ValueKind::Bool => "a boolean",
            ValueKind::Datetime => "a date-time",
            ValueKind::Array => "an array",
            ValueKind::Table => "a table",
            ValueKind::Null => "null",
        }
    }

    /// Would a typical deserializer accept one where the other was written? Numbers mix,
    /// and `null` stands for "unset" next to anything.
    pub fn compatible(self, other: ValueKind) -> bool {
        use ValueKind::*;
        self == other
            || matches!((self, other), (Integer, Float) | (Float, Integer))
            || self == Null
            || other == Null
    }
}

/// A value: a table has entries, a string has its decoded text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: ValueKind,
    /// The value's bytes (quotes included for strings).
    pub span: Span,
    pub entries: Vec<Entry>,
    pub string: Option<String>,
}

/// A key of a table and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub node: Node,
}

impl Node {
    fn leaf(kind: ValueKind, span: Span) -> Node {
        Node {
            kind,
            span,
            entries: Vec::new(),
            string: None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The span of a string value without its quotes.
    pub fn inner_span(&self, text: &str) -> Span {
        let s = self.span.slice(text);
        for q in ["\"\"\"", "'''", "\"", "'"] {
            if s.len() >= 2 * q.len() && s.starts_with(q) && s.ends_with(q) {
                return Span::new(self.span.start + q.len(), self.span.end - q.len());
            }
        }
        self.span
    }

    /// Every string leaf with its key path, depth first.
    pub fn strings(&self) -> Vec<(Vec<&str>, &Entry)> {
        let mut out = Vec::new();
        fn walk<'a>(
            n: &'a Node,
            path: &mut Vec<&'a str>,
            out: &mut Vec<(Vec<&'a str>, &'a Entry)>,
        ) {
            for e in &n.entries {
                path.push(&e.key);
                match e.node.kind {
                    ValueKind::Table => walk(&e.node, path, out),
                    ValueKind::String => out.push((path.clone(), e)),
                    _ => {}
                }
                path.pop();
            }
        }
        walk(self, &mut Vec::new(), &mut out);
        out
    }
}

/// Maximum bracket nesting outside strings, cheaply, to refuse hostile input before a
/// recursive parser sees it.
fn nesting(text: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut in_str: Option<u8> = None;
    let mut escape = false;
    for &b in text.as_bytes() {
        if let Some(q) = in_str {
            if escape {
                escape = false;
            } else if b == b'\\' {
                escape = true;
            } else if b == q || b == b'\n' {
                in_str = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' => in_str = Some(b),
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Parse a TOML document.
pub fn from_toml(text: &str) -> Result<Node, String> {
    if nesting(text) > MAX_DEPTH {
        return Err(format!(
            "nested deeper than {MAX_DEPTH} levels; not analysed"
        ));
    }
    let doc = toml::de::DeTable::parse(text).map_err(|e| match e.span() {
        Some(s) => format!("not valid TOML (line {})", line_of(text, s.start)),
        None => "not valid TOML".to_string(),
    })?;
    let span = doc.span();
    Ok(toml_table(doc.get_ref(), Span::new(span.start, span.end)))
}

fn toml_table(t: &toml::de::DeTable<'_>, span: Span) -> Node {
    let mut node = Node::leaf(ValueKind::Table, span);
    for (k, v) in t.iter() {
        let ks = k.span();
        let vs = v.span();
        node.entries.push(Entry {
            key: k.get_ref().to_string(),
            key_span: Span::new(ks.start, ks.end),
            node: toml_value(v.get_ref(), Span::new(vs.start, vs.end)),
        });
    }
    node.entries.sort_by_key(|e| e.key_span.start);
    node
}

fn toml_value(v: &toml::de::DeValue<'_>, span: Span) -> Node {
    use toml::de::DeValue;
    match v {
        DeValue::String(s) => Node {
            string: Some(s.to_string()),
            ..Node::leaf(ValueKind::String, span)
        },
        DeValue::Integer(_) => Node::leaf(ValueKind::Integer, span),
        DeValue::Float(_) => Node::leaf(ValueKind::Float, span),
        DeValue::Boolean(_) => Node::leaf(ValueKind::Bool, span),
        DeValue::Datetime(_) => Node::leaf(ValueKind::Datetime, span),
        DeValue::Array(_) => Node::leaf(ValueKind::Array, span),
        DeValue::Table(t) => toml_table(t, span),
    }
}

/// The key tree of a YAML document the YAML parser built. Plain scalars are typed the way
/// YAML 1.2 loaders (and Spring, serde_yaml, PyYAML for these forms) read them: integers,
/// floats, `true`/`false`, `null`/`~`/empty; quoted and block scalars are strings.
pub fn from_yaml(node: &crate::parse::yaml::Node) -> Node {
    yaml_node(node, 0)
}

fn yaml_kind(text: &str) -> ValueKind {
    let t = text.trim();
    if matches!(t, "" | "~" | "null" | "Null" | "NULL") {
        return ValueKind::Null;
    }
    if matches!(t, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
        return ValueKind::Bool;
    }
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return ValueKind::Integer;
    }
    if (digits.starts_with("0x") || digits.starts_with("0o"))
        && digits.len() > 2
        && digits[2..].bytes().all(|b| b.is_ascii_hexdigit())
    {
        return ValueKind::Integer;
    }
    if matches!(digits, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN")
        || (digits.bytes().any(|b| b.is_ascii_digit())
            && digits.bytes().all(|b| {
                b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_')
            })
            && digits.parse::<f64>().is_ok())
    {
        return ValueKind::Float;
    }
    ValueKind::String
}

fn yaml_node(node: &crate::parse::yaml::Node, depth: usize) -> Node {
    use crate::parse::yaml::Value;
    match &node.value {
        Value::Scalar { text, plain } => {
            let kind = if *plain {
                yaml_kind(text)
            } else {
                ValueKind::String
            };
            Node {
                string: (kind == ValueKind::String).then(|| text.clone()),
                ..Node::leaf(kind, node.span)
            }
        }
        Value::Seq(_) => Node::leaf(ValueKind::Array, node.span),
        Value::Map(entries) => {
            let mut out = Node::leaf(ValueKind::Table, node.span);
            if depth >= MAX_DEPTH {
                return out;
            }
            for (k, v) in entries {
                // Keys merged from another file (a patch) or non-scalar keys are skipped.
                let Value::Scalar { text: key, .. } = &k.value else {
                    continue;
                };
                if k.file != node.file || out.entries.iter().any(|e| e.key == *key) {
                    continue;
                }
                out.entries.push(Entry {
                    key: key.clone(),
                    key_span: k.span,
                    node: yaml_node(v, depth + 1),
                });
            }
            out
        }
    }
}

/// Parse a JSON (or JSONC) document.
pub fn from_json(text: &str) -> Result<Node, String> {
    if nesting(text) > MAX_DEPTH {
        return Err(format!(
            "nested deeper than {MAX_DEPTH} levels; not analysed"
        ));
    }
    let mut p = Json {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    if text.starts_with('\u{feff}') {
        p.i = 3;
    }
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err());
    }
    Ok(v)
}

struct Json<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Json<'_> {
    fn err(&self) -> String {
        format!("not valid JSON (line {})", line_of(self.text, self.i))
    }

    /// Skip blanks and `//` / `/* */` comments.
    fn ws(&mut self) {
        loop {
            while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
            if self.b.get(self.i) == Some(&b'/') {
                match self.b.get(self.i + 1) {
                    Some(b'/') => {
                        while self.i < self.b.len() && self.b[self.i] != b'\n' {
                            self.i += 1;
                        }
                        continue;
                    }
                    Some(b'*') => {
                        match memchr::memmem::find(&self.b[self.i + 2..], b"*/") {
                            Some(p) => self.i += p + 4,
                            None => self.i = self.b.len(),
                        }
                        continue;
                    }
                    _ => {}
                }
            }
            return;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        let start = self.i;
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut node = Node::leaf(ValueKind::Table, Span::new(start, start));
                loop {
                    self.ws();
                    if self.b.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        break;
                    }
                    let ks = self.i;
                    let key = self.string()?;
                    let key_span = Span::new(ks, self.i);
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return Err(self.err());
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    node.entries.push(Entry {
                        key,
                        key_span,
                        node: v,
                    });
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            break;
                        }
                        _ => return Err(self.err()),
                    }
                }
                node.span = Span::new(start, self.i);
                Ok(node)
            }
            Some(b'[') => {
                self.i += 1;
                loop {
                    self.ws();
                    if self.b.get(self.i) == Some(&b']') {
                        self.i += 1;
                        break;
                    }
                    self.value(depth + 1)?;
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            break;
                        }
                        _ => return Err(self.err()),
                    }
                }
                Ok(Node::leaf(ValueKind::Array, Span::new(start, self.i)))
            }
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node {
                    string: Some(s),
                    ..Node::leaf(ValueKind::String, Span::new(start, self.i))
                })
            }
            Some(b't') if self.text[self.i..].starts_with("true") => {
                self.i += 4;
                Ok(Node::leaf(ValueKind::Bool, Span::new(start, self.i)))
            }
            Some(b'f') if self.text[self.i..].starts_with("false") => {
                self.i += 5;
                Ok(Node::leaf(ValueKind::Bool, Span::new(start, self.i)))
            }
            Some(b'n') if self.text[self.i..].starts_with("null") => {
                self.i += 4;
                Ok(Node::leaf(ValueKind::Null, Span::new(start, self.i)))
            }
            Some(b'-' | b'0'..=b'9') => {
                let mut float = false;
                self.i += 1;
                while let Some(&c) = self.b.get(self.i) {
                    match c {
                        b'0'..=b'9' => {}
                        b'.' | b'e' | b'E' | b'+' | b'-' => {
                            float |= c == b'.' || c == b'e' || c == b'E'
                        }
                        _ => break,
                    }
                    self.i += 1;
                }
                let kind = if float {
                    ValueKind::Float
                } else {
                    ValueKind::Integer
                };
                Ok(Node::leaf(kind, Span::new(start, self.i)))
            }
            _ => Err(self.err()),
        }
    }

    /// A string at `"`: its decoded text; `self.i` ends after the closing quote.
    fn string(&mut self) -> Result<String, String> {
        if self.b.get(self.i) != Some(&b'"') {
            return Err(self.err());
        }
        self.i += 1;
        let mut out = String::new();
        let mut run = self.i;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'"' => {
                    out.push_str(&self.text[run..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.i]);
                    let esc = self.b.get(self.i + 1).copied().ok_or_else(|| self.err())?;
                    self.i += 2;
                    match esc {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'u' => {
                            let hex = self
                                .text
                                .get(self.i..self.i + 4)
                                .ok_or_else(|| self.err())?;
                            let code = u32::from_str_radix(hex, 16).map_err(|_| self.err())?;
                            self.i += 4;
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        b'"' | b'\\' | b'/' => out.push(esc as char),
                        _ => return Err(self.err()),
                    }
                    run = self.i;
                }
                b'\n' => return Err(self.err()),
                _ => self.i += 1,
            }
        }
        Err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_tree_with_spans() {
        let text = "name = \"app\"\n[database]\npool = 5\nurl = \"postgres://x\"\n[database.replica]\nhost = 'h'\n";
        let t = from_toml(text).unwrap();
        let db = t.get("database").unwrap();
        assert_eq!(db.node.kind, ValueKind::Table);
        let pool = db.node.get("pool").unwrap();
        assert_eq!(pool.node.kind, ValueKind::Integer);
        assert_eq!(pool.key_span.slice(text), "pool");
        assert_eq!(pool.node.span.slice(text), "5");
        let url = db.node.get("url").unwrap();
        assert_eq!(url.node.string.as_deref(), Some("postgres://x"));
        assert_eq!(url.node.inner_span(text).slice(text), "postgres://x");
        let host = db.node.get("replica").unwrap().node.get("host").unwrap();
        assert_eq!(host.node.inner_span(text).slice(text), "h");
        let strings: Vec<String> = t.strings().iter().map(|(p, _)| p.join(".")).collect();
        assert_eq!(
            strings,
            vec!["name", "database.url", "database.replica.host"]
        );
    }

    #[test]
    fn json_and_jsonc() {
        let text = "\u{feff}{\n  // comment\n  \"a\": {\"b\": \"3\", \"c\": 3, \"d\": 3.5, /* x */ \"e\": [1, {\"f\": null}],},\n  \"g\": true, \"h\": \"\\u00e9\\n\"\n}";
        let t = from_json(text).unwrap();
        let a = &t.get("a").unwrap().node;
        assert_eq!(a.get("b").unwrap().node.kind, ValueKind::String);
        assert_eq!(a.get("c").unwrap().node.kind, ValueKind::Integer);
        assert_eq!(a.get("d").unwrap().node.kind, ValueKind::Float);
        assert_eq!(a.get("e").unwrap().node.kind, ValueKind::Array);
        assert_eq!(a.get("b").unwrap().key_span.slice(text), "\"b\"");
        assert_eq!(t.get("h").unwrap().node.string.as_deref(), Some("é\n"));
        assert!(ValueKind::Integer.compatible(ValueKind::Float));
        assert!(!ValueKind::String.compatible(ValueKind::Integer));
    }

    #[test]
    fn yaml_tree_with_types() {
        let text = "app:\n  port: 8000\n  ratio: 0.5\n  name: \"3\"\n  debug: false\n  host: ~\n  tags: [a]\n  url: postgres://x\n";
        let y = crate::parse::yaml::parse(text, crate::parse::yaml::FileId(0));
        let t = from_yaml(&y.docs[0].root);
        let app = &t.get("app").unwrap().node;
        let kind = |k: &str| app.get(k).unwrap().node.kind;
        assert_eq!(kind("port"), ValueKind::Integer);
        assert_eq!(kind("ratio"), ValueKind::Float);
        assert_eq!(kind("name"), ValueKind::String);
        assert_eq!(kind("debug"), ValueKind::Bool);
        assert_eq!(kind("host"), ValueKind::Null);
        assert_eq!(kind("tags"), ValueKind::Array);
        assert_eq!(kind("url"), ValueKind::String);
        let name = app.get("name").unwrap();
        assert_eq!(name.key_span.slice(text), "name");
        assert_eq!(name.node.inner_span(text).slice(text), "3");
        assert_eq!(name.node.string.as_deref(), Some("3"));
    }

    #[test]
    fn bad_input_is_an_error_naming_a_line_only() {
        for text in [
            "{",
            "{\"a\" 1}",
            "[1,",
            "\"x",
            "{\"a\":\"secret-value\n\"}",
            "tru",
            "{\"a\":1}x",
        ] {
            let e = from_json(text).unwrap_err();
            assert!(e.starts_with("not valid JSON (line "), "{e}");
            assert!(!e.contains("secret"));
        }
        let e = from_toml("a = \"secret-value\nb = ").unwrap_err();
        assert!(e.starts_with("not valid TOML"), "{e}");
        assert!(!e.contains("secret"));
        let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(from_json(&deep).is_err());
        assert!(from_toml(&format!("a = {deep}")).is_err());
    }
}
