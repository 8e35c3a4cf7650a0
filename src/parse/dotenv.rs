//! `.env` files: `KEY=value` lines with byte spans for every key and value.
//!
//! Understands what the common loaders (dotenv, dotenvy, python-dotenv, compose) accept: an
//! `export ` prefix, `KEY: value`, single, double and backtick quotes (a quoted value may run
//! over several lines), escapes inside double quotes, `# comments` on their own line or after
//! an unquoted value, `${VAR}` / `$VAR` interpolation, a bare `KEY` (passed through from the
//! host environment), a byte-order mark and CRLF line ends.
//!
//! Parsing never fails: a line it cannot read is recorded in [`EnvFile::malformed`] (its span
//! only, never its text, since it may hold a secret) and the next line is read.

use crate::span::Span;

/// One declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    pub key_span: Span,
    /// The value as the loader sees it (quotes removed, escapes applied); `None` for a bare
    /// `KEY` line, which passes the host's value through.
    pub value: Option<String>,
    /// The value's bytes in the file, inside the quotes.
    pub value_span: Option<Span>,
    pub quote: Option<char>,
    /// The line started with `export`.
    pub exported: bool,
    /// Variables the value interpolates (`${A}`, `${A:-x}`, `$A`), in order.
    pub refs: Vec<String>,
    /// From the key to the end of the value (closing quote included).
    pub span: Span,
}

/// A parsed `.env` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    pub entries: Vec<EnvEntry>,
    /// Lines that are neither blank, a comment nor a declaration.
    pub malformed: Vec<Span>,
}

impl EnvFile {
    pub fn get(&self, key: &str) -> Option<&EnvEntry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

fn is_key_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// End of the line that contains `i` (the index of its `\n`, or the text's length).
fn line_end(bytes: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &bytes[i.min(bytes.len())..])
        .map(|p| i + p)
        .unwrap_or(bytes.len())
}

/// Parse a `.env` file.
pub fn parse(text: &str) -> EnvFile {
    let bytes = text.as_bytes();
    let mut out = EnvFile::default();
    let mut i = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while i < bytes.len() {
        // Start of a line: skip indentation.
        while i < bytes.len() && is_blank(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        match bytes[i] {
            b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = line_end(bytes, i) + 1;
                continue;
            }
            _ => {}
        }
        let line_start = i;
        match declaration(text, i) {
            Some((entry, next)) => {
                out.entries.push(entry);
                i = next;
            }
            None => {
                let end = line_end(bytes, line_start);
                let trimmed_end = if end > line_start && bytes[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                out.malformed.push(Span::new(line_start, trimmed_end));
                i = end + 1;
            }
        }
    }
    out
}

/// Read one declaration starting at `i` (not blank). Returns it and where the next line starts.
fn declaration(text: &str, mut i: usize) -> Option<(EnvEntry, usize)> {
    let bytes = text.as_bytes();
    let mut exported = false;
    if text[i..].starts_with("export") && bytes.get(i + 6).is_some_and(|&b| is_blank(b)) {
        exported = true;
        i += 6;
        while i < bytes.len() && is_blank(bytes[i]) {
            i += 1;
        }
    }
    if !bytes.get(i).is_some_and(|&b| is_key_start(b)) {
        return None;
    }
    let key_start = i;
    while i < bytes.len() && is_key_byte(bytes[i]) {
        i += 1;
    }
    let key_span = Span::new(key_start, i);
    let key = text[key_start..i].to_string();
    let mut j = i;
    while j < bytes.len() && is_blank(bytes[j]) {
        j += 1;
    }
    let sep = bytes.get(j).copied();
    let bare = |next: usize| {
        Some((
            EnvEntry {
                key: key.clone(),
                key_span,
                value: None,
                value_span: None,
                quote: None,
                exported,
                refs: Vec::new(),
                span: key_span,
            },
            next,
        ))
    };
    match sep {
        None => return bare(bytes.len()),
        Some(b'\n') => return bare(j + 1),
        Some(b'\r') if bytes.get(j + 1) == Some(&b'\n') => return bare(j + 2),
        Some(b'#') if j > i => return bare(line_end(bytes, j) + 1),
        Some(b'=') => j += 1,
        Some(b':') if bytes.get(j + 1).is_none_or(|&b| is_blank(b) || b == b'\n') => j += 1,
        _ => return None,
    }
    while j < bytes.len() && is_blank(bytes[j]) {
        j += 1;
    }
    let (value, value_span, quote, end, next) = match bytes.get(j).copied() {
        Some(q @ (b'"' | b'\'' | b'`')) => match quoted(text, j, q) {
            Some((value, inner, close)) => {
                // Anything after the closing quote on its line is a comment or junk; the
                // loaders ignore it.
                let next = line_end(bytes, close) + 1;
                (value, inner, Some(q as char), close + 1, next)
            }
            None => {
                // Unterminated: the loaders disagree; take the rest of the line, unquoted.
                let (value, inner, end) = unquoted(text, j);
                (value, inner, None, end, line_end(bytes, j) + 1)
            }
        },
        _ => {
            let (value, inner, end) = unquoted(text, j);
            (value, inner, None, end, line_end(bytes, j) + 1)
        }
    };
    let refs = if quote == Some('\'') {
        Vec::new()
    } else {
        interpolations(&value)
    };
    Some((
        EnvEntry {
            key,
            key_span,
            value: Some(value),
            value_span: Some(value_span),
            quote,
            exported,
            refs,
            span: Span::new(key_start, end),
        },
        next,
    ))
}

/// An unquoted value from `j` to the end of its line or an inline ` #` comment, trailing
/// blanks removed.
fn unquoted(text: &str, j: usize) -> (String, Span, usize) {
    let bytes = text.as_bytes();
    let mut end = line_end(bytes, j);
    let mut k = j;
    while k < end {
        if bytes[k] == b'#' && (k == j || is_blank(bytes[k - 1])) {
            end = k;
            break;
        }
        k += 1;
    }
    while end > j && (is_blank(bytes[end - 1]) || bytes[end - 1] == b'\r') {
        end -= 1;
    }
    let value = text.get(j..end).unwrap_or("").to_string();
    (value, Span::new(j, end), end)
}

/// A quoted value opening at `j`: (decoded value, span inside the quotes, index of the
/// closing quote). `None` when the quote never closes.
fn quoted(text: &str, j: usize, q: u8) -> Option<(String, Span, usize)> {
    let bytes = text.as_bytes();
    let start = j + 1;
    let mut k = start;
    let mut value = String::new();
    let mut run = start;
    while k < bytes.len() {
        let b = bytes[k];
        if b == b'\\' && q == b'"' && k + 1 < bytes.len() {
            value.push_str(&text[run..k]);
            let esc = bytes[k + 1];
            match esc {
                b'n' => value.push('\n'),
                b'r' => value.push('\r'),
                b't' => value.push('\t'),
                b'"' | b'\\' | b'$' => value.push(esc as char),
                _ => {
                    // Unknown escape: kept as written (the next character may be multi-byte).
                    value.push('\\');
                    run = k + 1;
                    k += 1;
                    continue;
                }
            }
            k += 2;
            run = k;
            continue;
        }
        if b == q {
            value.push_str(&text[run..k]);
            return Some((value, Span::new(start, k), k));
        }
        k += 1;
    }
    None
}

/// `${A}`, `${A:-x}`, `${A-x}`, `${A:?msg}` and `$A` references in a value, in order.
pub fn interpolations(value: &str) -> Vec<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'$', &bytes[i..]) {
        let at = i + p;
        if at > 0 && bytes[at - 1] == b'\\' {
            i = at + 1;
            continue;
        }
        let (start, braced) = match bytes.get(at + 1) {
            Some(b'{') => (at + 2, true),
            Some(&b) if is_key_start(b) => (at + 1, false),
            _ => {
                i = at + 1;
                continue;
            }
        };
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        if end > start && (!braced || is_key_start(bytes[start])) {
            out.push(value[start..end].to_string());
        }
        i = end.max(at + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<(String, Option<String>)> {
        parse(text)
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn kv(k: &str, v: &str) -> (String, Option<String>) {
        (k.to_string(), Some(v.to_string()))
    }

    #[test]
    fn plain_export_and_colon_forms() {
        let text = "# header\nA=1\nexport B=two words  \n  C = spaced\nD: yaml-ish\nE=\n";
        assert_eq!(
            entries(text),
            vec![
                kv("A", "1"),
                kv("B", "two words"),
                kv("C", "spaced"),
                kv("D", "yaml-ish"),
                kv("E", "")
            ]
        );
        let f = parse(text);
        assert!(f.entries[1].exported);
        assert_eq!(f.entries[1].key_span.slice(text), "B");
        assert_eq!(
            f.entries[1].value_span.unwrap().slice(text),
            "two words",
            "trailing blanks are not part of the value"
        );
    }

    #[test]
    fn quotes_escapes_and_comments() {
        let text = "A=\"x # not a comment\" # comment\nB='single $NOT' \nC=val # comment\nD=val#hash\nE=\"esc \\\"q\\\" \\n\"\n";
        assert_eq!(
            entries(text),
            vec![
                kv("A", "x # not a comment"),
                kv("B", "single $NOT"),
                kv("C", "val"),
                kv("D", "val#hash"),
                kv("E", "esc \"q\" \n"),
            ]
        );
        let f = parse(text);
        assert_eq!(
            f.entries[0].value_span.unwrap().slice(text),
            "x # not a comment"
        );
        assert!(
            f.entries[1].refs.is_empty(),
            "single quotes do not interpolate"
        );
    }

    #[test]
    fn multi_line_values_keep_spans() {
        let text = "KEY=\"-----BEGIN\nline2\n-----END\"\nNEXT=1\n";
        let f = parse(text);
        assert_eq!(f.entries.len(), 2);
        assert_eq!(
            f.entries[0].value.as_deref(),
            Some("-----BEGIN\nline2\n-----END")
        );
        assert_eq!(
            f.entries[0].value_span.unwrap().slice(text),
            "-----BEGIN\nline2\n-----END"
        );
        assert_eq!(f.entries[1].key, "NEXT");
    }

    #[test]
    fn interpolation_references() {
        let f = parse("URL=postgres://${USER}:${PASS:-x}@$HOST/db\\$notref\n");
        assert_eq!(f.entries[0].refs, vec!["USER", "PASS", "HOST"]);
        assert_eq!(interpolations("${1BAD} $ ${} ${_OK}"), vec!["_OK"]);
    }

    #[test]
    fn bare_keys_crlf_bom_and_garbage() {
        let text = "\u{feff}A=1\r\nPASS_THROUGH\r\n!!garbage line\r\nB=2\r\n=novalue\nC=3";
        let f = parse(text);
        let keys: Vec<&str> = f.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["A", "PASS_THROUGH", "B", "C"]);
        assert_eq!(f.entries[0].value.as_deref(), Some("1"));
        assert_eq!(f.entries[1].value, None);
        assert_eq!(f.entries[2].value.as_deref(), Some("2"));
        assert_eq!(f.malformed.len(), 2);
        assert_eq!(f.malformed[0].slice(text), "!!garbage line");
    }

    #[test]
    fn unterminated_quote_takes_the_line() {
        let f = parse("A=\"open\nB=2\n");
        assert_eq!(f.entries.len(), 2);
        assert_eq!(f.entries[0].value.as_deref(), Some("\"open"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            "=",
            "export",
            "export ",
            "A",
            "A=\"\\",
            "A='",
            "A=`x`",
            "é=1",
            "A=é€",
            "\n\n#",
            "A=\"\\é\"",
            "A: ",
            "A:x",
            "A=$",
            "A=${",
            "A=${B",
        ] {
            let f = parse(text);
            for e in &f.entries {
                assert!(e.key_span.end <= text.len());
                if let Some(s) = e.value_span {
                    assert!(text.get(s.start..s.end).is_some(), "{text:?}");
                }
            }
        }
    }
}
