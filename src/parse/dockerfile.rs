//! Dockerfiles (`Dockerfile`, `*.Dockerfile`, `Containerfile`): instructions with byte spans,
//! grouped into build stages.
//!
//! Handles the `# escape=` parser directive, line continuations (comment lines inside a
//! continued instruction are dropped, as BuildKit does), heredocs (`RUN <<EOF ... EOF`, several
//! per instruction, `<<-` and quoted delimiters) and `ARG` defaults for `FROM` lines. Parsing
//! never fails: a line it cannot read is kept as an instruction with an unknown keyword.

use crate::span::Span;

/// One instruction: `KEYWORD arguments`, possibly over several lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`FROM`, `RUN`, `CMD`, ...).
    pub keyword: String,
    /// The arguments with continuations joined (heredoc bodies excluded).
    pub args: String,
    /// The whole instruction, keyword to the end of its last line (heredocs included).
    pub span: Span,
    /// The arguments' first byte, for spans inside the instruction.
    pub args_start: usize,
}

impl Instruction {
    /// `CMD ["a", "b"]` (exec form) rather than `CMD a b` (shell form)?
    pub fn is_exec_form(&self) -> bool {
        let a = self.args.trim();
        a.starts_with('[') && a.ends_with(']') && serde_json::from_str::<Vec<String>>(a).is_ok()
    }

    /// Span of the keyword alone.
    pub fn keyword_span(&self) -> Span {
        Span::new(self.span.start, self.span.start + self.keyword.len())
    }

    /// Span of the instruction's first line (keyword and arguments on it).
    pub fn first_line_span(&self, text: &str) -> Span {
        let end = text
            .get(self.span.start..self.span.end)
            .and_then(|s| s.find('\n'))
            .map(|i| self.span.start + i)
            .unwrap_or(self.span.end);
        let line = text.get(self.span.start..end).unwrap_or("");
        let trimmed = line.trim_end_matches(['\r', ' ', '\t', '\\', '`']);
        Span::new(self.span.start, self.span.start + trimmed.len())
    }
}

/// A `FROM` line, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct From {
    /// The image as written (`node:${NODE_VERSION}-alpine`).
    pub image: String,
    /// With `ARG` defaults substituted; `None` when an argument has no default.
    pub resolved: Option<String>,
    /// `AS name`, lower-cased.
    pub alias: Option<String>,
    /// Span of the image reference in the line.
    pub image_span: Span,
}

/// A build stage: its `FROM` and the instructions after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub from: From,
    /// Index of the `FROM` instruction in [`Dockerfile::instructions`].
    pub from_index: usize,
    /// Indices of the stage's other instructions.
    pub body: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// The stage that produces the image (the last one).
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The last instruction with `keyword` in a stage.
    pub fn last_in<'a>(&'a self, stage: &Stage, keyword: &str) -> Option<&'a Instruction> {
        stage
            .body
            .iter()
            .rev()
            .map(|&i| &self.instructions[i])
            .find(|i| i.keyword == keyword)
    }

    /// Is `name` the alias of a stage before stage `before`?
    pub fn is_stage_name(&self, name: &str, before: usize) -> bool {
        let lower = name.to_ascii_lowercase();
        self.stages[..before.min(self.stages.len())]
            .iter()
            .any(|s| s.from.alias.as_deref() == Some(lower.as_str()))
    }
}

/// The escape character from a `# escape=` directive at the top, else `\`.
fn escape_char(text: &str) -> char {
    for line in text.lines() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix('#') else {
            break;
        };
        let rest = rest.trim();
        if let Some((k, v)) = rest.split_once('=') {
            let k = k.trim().to_ascii_lowercase();
            if k == "escape" {
                return match v.trim() {
                    "`" => '`',
                    _ => '\\',
                };
            }
            if k == "syntax" || k == "check" {
                continue;
            }
        }
        break;
    }
    '\\'
}

/// Heredoc delimiters opened on an instruction line (`<<EOF`, `<<-"EOF"`).
fn heredocs(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("<<") {
        let after = &rest[i + 2..];
        let (strip, after) = match after.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, after),
        };
        let after = after.trim_start_matches(['"', '\'']);
        let word: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !word.is_empty() && word.chars().next().is_some_and(|c| !c.is_ascii_digit()) {
            out.push((word.clone(), strip));
        }
        rest = &after[word.len().min(after.len())..];
    }
    out
}

/// Parse a Dockerfile. Never fails.
pub fn parse(text: &str) -> Dockerfile {
    let escape = escape_char(text);
    let mut df = Dockerfile::default();
    // Lines with their byte offsets.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut off = 0;
    for l in text.split_inclusive('\n') {
        lines.push((off, l.trim_end_matches(['\n', '\r'])));
        off += l.len();
    }
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let lead = line.len() - trimmed.len();
        let inst_start = start + lead;
        let mut args = String::new();
        let mut end = start + line.len();
        let keyword: String = trimmed
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let args_start = inst_start + keyword.len();
        let mut cur = trimmed.get(keyword.len()..).unwrap_or("").to_string();
        let mut open_heredocs: Vec<(String, bool)> = Vec::new();
        loop {
            let t = cur.trim_end();
            if let Some(body) = t.strip_suffix(escape) {
                args.push_str(body);
                args.push(' ');
                // Continue with the next non-comment line.
                i += 1;
                while i < lines.len() && lines[i].1.trim_start().starts_with('#') {
                    i += 1;
                }
                if i >= lines.len() {
                    break;
                }
                end = lines[i].0 + lines[i].1.len();
                cur = lines[i].1.to_string();
                continue;
            }
            args.push_str(t);
            open_heredocs.extend(heredocs(t));
            break;
        }
        i += 1;
        // Heredoc bodies follow the instruction, one after another.
        for (word, strip) in open_heredocs {
            while i < lines.len() {
                let body = lines[i].1;
                end = lines[i].0 + body.len();
                i += 1;
                let cmp = if strip {
                    body.trim_start_matches('\t')
                } else {
                    body
                };
                if cmp == word {
                    break;
                }
            }
        }
        df.instructions.push(Instruction {
            keyword,
            args: args.trim().to_string(),
            span: Span::new(inst_start, end),
            args_start,
        });
    }
    build_stages(&mut df, text);
    df
}

/// Substitute `$NAME` / `${NAME}` / `${NAME:-default}` from `args`; `None` if any is unknown.
fn substitute(s: &str, args: &[(String, Option<String>)]) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let braced = chars.peek().is_some_and(|(_, c)| *c == '{');
        if braced {
            chars.next();
        }
        let mut name = String::new();
        let mut default: Option<String> = None;
        while let Some(&(_, c)) = chars.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        if braced {
            let mut rest = String::new();
            for (_, c) in chars.by_ref() {
                if c == '}' {
                    break;
                }
                rest.push(c);
            }
            if let Some(d) = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-')) {
                default = Some(d.to_string());
            }
        }
        let value = args
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
            .or(default)?;
        out.push_str(&value);
    }
    Some(out)
}

fn parse_arg(args: &str) -> Vec<(String, Option<String>)> {
    args.split_whitespace()
        .map(|a| match a.split_once('=') {
            Some((k, v)) => (
                k.to_string(),
                Some(v.trim_matches('"').trim_matches('\'').to_string()),
            ),
            None => (a.to_string(), None),
        })
        .collect()
}

fn build_stages(df: &mut Dockerfile, text: &str) {
    let mut global_args: Vec<(String, Option<String>)> = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for (idx, inst) in df.instructions.iter().enumerate() {
        match inst.keyword.as_str() {
            "ARG" if stages.is_empty() => global_args.extend(parse_arg(&inst.args)),
            "FROM" => {
                // FROM [--platform=...] image [AS name]
                let raw = text.get(inst.args_start..inst.span.end).unwrap_or("");
                let mut image = String::new();
                let mut image_span = inst.keyword_span();
                let mut alias = None;
                let mut words = Vec::new();
                let mut pos = 0;
                for w in raw.split_whitespace() {
                    let at = raw[pos..].find(w).map(|i| i + pos).unwrap_or(pos);
                    pos = at + w.len();
                    words.push((at, w));
                }
                let mut it = words
                    .iter()
                    .filter(|(_, w)| !w.starts_with("--") && *w != "\\");
                if let Some((at, w)) = it.next() {
                    image = w.to_string();
                    let s = inst.args_start + at;
                    image_span = Span::new(s, s + w.len());
                }
                let rest: Vec<&&str> = it.map(|(_, w)| w).collect();
                if rest.len() >= 2 && rest[0].eq_ignore_ascii_case("as") {
                    alias = Some(rest[1].to_ascii_lowercase());
                }
                let resolved = substitute(&image, &global_args);
                stages.push(Stage {
                    from: From {
                        image,
                        resolved,
                        alias,
                        image_span,
                    },
                    from_index: idx,
                    body: Vec::new(),
                });
            }
            _ => {
                if let Some(s) = stages.last_mut() {
                    s.body.push(idx);
                }
            }
        }
    }
    df.stages = stages;
}

/// An image reference split into repository, tag and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry and path (`ghcr.io/org/app`).
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Split `registry:5000/org/app:1.2@sha256:...`.
pub fn image_ref(image: &str) -> ImageRef<'_> {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    // A tag is after the last ':' that follows the last '/'.
    let slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match rest[slash..].rfind(':') {
        Some(i) => ImageRef {
            repository: &rest[..slash + i],
            tag: Some(&rest[slash + i + 1..]),
            digest,
        },
        None => ImageRef {
            repository: rest,
            tag: None,
            digest,
        },
    }
}

/// Why an image reference does not name one fixed build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagHazard {
    /// `:latest`.
    Latest,
    /// No tag and no digest: means `:latest`.
    Untagged,
    /// A tag with no digit in it (`stable`, `alpine`, `main`): a moving name, not a version.
    NotAVersion(String),
}

/// Is this image reference mutable? `None` for digests, version tags, and references that are
/// templated or built elsewhere (`{{ }}`, `${}`, `ko://`), which cannot be judged statically.
pub fn tag_hazard(image: &str) -> Option<TagHazard> {
    let image = image.trim();
    if image.is_empty()
        || image.contains('$')
        || image.contains("{{")
        || image.contains("://")
        || image.contains(' ')
    {
        return None;
    }
    let r = image_ref(image);
    if r.digest.is_some() || r.repository.is_empty() {
        return None;
    }
    match r.tag {
        None => Some(TagHazard::Untagged),
        Some("latest") => Some(TagHazard::Latest),
        Some(t) if !t.chars().any(|c| c.is_ascii_digit()) && !t.is_empty() => {
            Some(TagHazard::NotAVersion(t.to_string()))
        }
        _ => None,
    }
}

/// One `KEY=value` (or `KEY value`, or a bare `ARG KEY`) of an `ENV` or `ARG` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub key: String,
    pub key_span: Span,
    /// The value as written (quotes removed) and its bytes inside the quotes.
    pub value: Option<(String, Span)>,
}

/// The variables an `ENV` or `ARG` instruction sets, with spans into `text` (the
/// Dockerfile's text). Continuation lines are followed; what cannot be read is skipped.
pub fn assignments(text: &str, inst: &Instruction) -> Vec<Assignment> {
    let b = text.as_bytes();
    let end = inst.span.end.min(b.len());
    let mut i = inst.args_start.min(end);
    let mut out = Vec::new();
    let is_key = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    // Blanks and line continuations between words.
    let skip = |mut i: usize| -> usize {
        while i < end {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'\\'
                    if b[i + 1..end]
                        .iter()
                        .take_while(|c| **c == b' ' || **c == b'\t' || **c == b'\r')
                        .count()
                        + i
                        + 1
                        < end
                        && b[i + 1..end]
                            .iter()
                            .find(|c| !matches!(**c, b' ' | b'\t' | b'\r'))
                            == Some(&b'\n') =>
                {
                    i += 1
                }
                _ => break,
            }
        }
        i
    };
    loop {
        i = skip(i);
        if i >= end || !(b[i].is_ascii_alphabetic() || b[i] == b'_') {
            break;
        }
        let ks = i;
        while i < end && is_key(b[i]) {
            i += 1;
        }
        let key = text[ks..i].to_string();
        let key_span = Span::new(ks, i);
        if i < end && b[i] == b'=' {
            i += 1;
            let (vs, ve, next) = match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let vs = i + 1;
                    let mut j = vs;
                    while j < end && b[j] != q {
                        if q == b'"' && b[j] == b'\\' {
                            j += 1;
                        }
                        j += 1;
                    }
                    (vs, j.min(end), (j + 1).min(end))
                }
                _ => {
                    let vs = i;
                    let mut j = vs;
                    while j < end && !b[j].is_ascii_whitespace() {
                        if b[j] == b'\\' {
                            j += 1;
                        }
                        j += 1;
                    }
                    (vs, j.min(end), j.min(end))
                }
            };
            let value = text.get(vs..ve).unwrap_or("").to_string();
            out.push(Assignment {
                key,
                key_span,
                value: Some((value, Span::new(vs, ve))),
            });
            i = next;
            continue;
        }
        if inst.keyword == "ENV" && out.is_empty() {
            // `ENV KEY value with spaces`: the rest of the instruction is the value.
            let vs = skip(i);
            let ve = text[..end].trim_end().len().max(vs);
            let value = text.get(vs..ve).unwrap_or("").to_string();
            out.push(Assignment {
                key,
                key_span,
                value: (vs < ve).then(|| (value, Span::new(vs, ve))),
            });
            break;
        }
        out.push(Assignment {
            key,
            key_span,
            value: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_and_arg_assignments() {
        let text = "FROM node:20\nARG VERSION\nARG NODE_ENV=production\nENV PORT=8080 \\\n    HOST=\"0.0.0.0\" NAME='a b'\nENV LEGACY some value\n";
        let df = parse(text);
        let got: Vec<(String, Option<String>)> = df
            .instructions
            .iter()
            .filter(|i| i.keyword == "ENV" || i.keyword == "ARG")
            .flat_map(|i| assignments(text, i))
            .map(|a| {
                assert_eq!(a.key_span.slice(text), a.key);
                if let Some((v, s)) = &a.value {
                    assert_eq!(s.slice(text), v);
                }
                (a.key, a.value.map(|v| v.0))
            })
            .collect();
        let want: Vec<(String, Option<String>)> = [
            ("VERSION", None),
            ("NODE_ENV", Some("production")),
            ("PORT", Some("8080")),
            ("HOST", Some("0.0.0.0")),
            ("NAME", Some("a b")),
            ("LEGACY", Some("some value")),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect();
        assert_eq!(got, want);
        // Garbage is skipped, never a panic.
        for t in [
            "ENV",
            "ENV =x",
            "ENV A=\"unterminated",
            "ARG 1A",
            "ENV A=\\",
        ] {
            let df = parse(t);
            for i in &df.instructions {
                let _ = assignments(t, i);
            }
        }
    }

    #[test]
    fn stages_continuations_and_heredocs() {
        let text = "# syntax=docker/dockerfile:1\nARG NODE=20\nFROM node:${NODE}-alpine AS build\nRUN apk add \\\n# a comment\n    curl\nRUN <<EOF\nset -e\necho hi\nEOF\nFROM --platform=$BUILDPLATFORM gcr.io/distroless/nodejs20\nCOPY --from=build /app /app\nCMD node server.js\n";
        let df = parse(text);
        assert_eq!(df.stages.len(), 2);
        assert_eq!(
            df.stages[0].from.resolved.as_deref(),
            Some("node:20-alpine")
        );
        assert_eq!(df.stages[0].from.alias.as_deref(), Some("build"));
        let run = &df.instructions[2];
        assert_eq!(run.keyword, "RUN");
        assert!(run.args.contains("curl"));
        let heredoc = &df.instructions[3];
        assert!(heredoc.span.slice(text).ends_with("EOF"));
        let last = df.final_stage().unwrap();
        assert_eq!(last.from.image, "gcr.io/distroless/nodejs20");
        assert_eq!(
            last.from.image_span.slice(text),
            "gcr.io/distroless/nodejs20"
        );
        let cmd = df.last_in(last, "CMD").unwrap();
        assert!(!cmd.is_exec_form());
        assert_eq!(cmd.first_line_span(text).slice(text), "CMD node server.js");
    }

    #[test]
    fn exec_form_and_escape_directive() {
        let df = parse(
            "# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN dir `\n  c:\\\nCMD [\"app.exe\"]\n",
        );
        assert_eq!(df.instructions.len(), 3);
        assert!(df.instructions[2].is_exec_form());
    }

    #[test]
    fn image_refs() {
        let r = image_ref("registry:5000/org/app:1.2@sha256:abc");
        assert_eq!(r.repository, "registry:5000/org/app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(r.digest, Some("sha256:abc"));
        assert_eq!(image_ref("registry:5000/org/app").tag, None);
        assert_eq!(image_ref("redis").tag, None);
        assert_eq!(tag_hazard("redis"), Some(TagHazard::Untagged));
        assert_eq!(tag_hazard("redis:latest"), Some(TagHazard::Latest));
        assert_eq!(
            tag_hazard("redis:alpine"),
            Some(TagHazard::NotAVersion("alpine".into()))
        );
        assert_eq!(tag_hazard("redis:7.2-alpine"), None);
        assert_eq!(tag_hazard("redis@sha256:abc"), None);
        assert_eq!(tag_hazard("app:${TAG}"), None);
        assert_eq!(tag_hazard("localhost:5000/app"), Some(TagHazard::Untagged));
    }

    #[test]
    fn garbage_never_panics() {
        for t in [
            "",
            "\\",
            "FROM",
            "RUN <<",
            "RUN <<EOF",
            "FROM ${",
            "é\\\n",
            "CMD [\"a\"",
        ] {
            let _ = parse(t);
        }
    }
}
