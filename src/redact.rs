//! Secret masking. forecast reads files that hold credentials (env files, manifests, seed
//! migrations); no output may repeat one.
//!
//! Two levels:
//!
//! - [`source`] masks what a file's text may hold: well-known token formats, private key
//!   blocks, passwords in URLs, and the value of any assignment whose key names a secret
//!   (`DB_PASSWORD=…`, `api_token: …`, SQL `PASSWORD '…'`). The scan applies it to the texts
//!   it hands renderers for snippets.
//! - [`output`] masks only the unambiguous formats (token prefixes, key blocks, URL
//!   passwords) in a rendered report, whatever the format: a last guard for a value that
//!   reached a message.
//!
//! Masking keeps the first two characters of a value and byte lengths (each masked byte
//! becomes `*`), so spans into a masked text
//! still point at the same places.
//!
//! Messages quote a secret only through [`redact`] (its first two characters and its
//! length); env and config files have their values overwritten with [`mask_value`] before
//! any renderer sees them.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use crate::span::Span;

fn tokens() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?:\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}",
            r"|\bgh[pousr]_[A-Za-z0-9]{30,}",
            r"|\bgithub_pat_[A-Za-z0-9_]{40,}",
            r"|\bglpat-[A-Za-z0-9_\-]{20,}",
            r"|\bxox[abprs]-[A-Za-z0-9\-]{10,}",
            r"|\bxapp-[A-Za-z0-9\-]{10,}",
            r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
            r"|\bAIza[0-9A-Za-z_\-]{35}",
            r"|\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}",
            r"|\bnpm_[A-Za-z0-9]{36}",
            r"|\bpypi-[A-Za-z0-9_\-]{50,}",
            r"|\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
            r")"
        ))
        .expect("token pattern")
    })
}

fn key_blocks() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:(.*?))(?:-----END [A-Z ]*PRIVATE KEY-----|\z)",
        )
        .expect("key pattern")
    })
}

fn url_passwords() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'`]+:([^\s/@'`]+)@").expect("url pattern")
    })
}

fn assignments() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            // A key that names a secret, as a whole word or part of one (DB_PASSWORD,
            // apiToken, client-secret), then `=` or `:`, then the value: quoted or bare.
            r#"(?i)\b[A-Za-z0-9_.\-]*(?:passw(?:or)?d|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|credentials?)[A-Za-z0-9_.\-]*["']?[ \t]*(?:=|:)[ \t]*"#,
            r#"(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s"'#,;}{\]\[]+))"#,
        ))
        .expect("assignment pattern")
    })
}

fn sql_passwords() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:PASSWORD|IDENTIFIED\s+BY)\s+'((?:[^']|'')*)'").expect("sql pattern")
    })
}

/// A value that only names where a secret comes from: `${VAR}`, `$VAR`, `{{ .Values.x }}`,
/// `secretKeyRef`, `true`, a number. Not masked, so snippets stay readable.
fn is_reference(v: &str) -> bool {
    let v = v.trim();
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with("{{")
        || v.starts_with('<')
        || v.starts_with('%')
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "none" | "~" | "yes" | "no"
        )
        || v.chars().all(|c| c.is_ascii_digit())
        || v.chars().all(|c| c == '*' || c == 'x' || c == 'X')
}

fn mask_bytes(bytes: &mut [u8], start: usize, end: usize) {
    for b in &mut bytes[start..end] {
        if !b.is_ascii_whitespace() {
            *b = b'*';
        }
    }
}

fn ranges(text: &str, all: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for m in tokens().find_iter(text) {
        out.push((m.start(), m.end()));
    }
    for c in key_blocks().captures_iter(text) {
        if let Some(m) = c.get(1) {
            out.push((m.start(), m.end()));
        }
    }
    for c in url_passwords().captures_iter(text) {
        if let Some(m) = c.get(1)
            && !is_reference(m.as_str())
        {
            out.push((m.start(), m.end()));
        }
    }
    if all {
        for c in assignments().captures_iter(text) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3))
                && !is_reference(m.as_str())
            {
                out.push((m.start(), m.end()));
            }
        }
        for c in sql_passwords().captures_iter(text) {
            if let Some(m) = c.get(1)
                && !is_reference(m.as_str())
            {
                out.push((m.start(), m.end()));
            }
        }
    }
    out
}

fn apply(text: &str, all: bool) -> Cow<'_, str> {
    let found = ranges(text, all);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for (s, e) in found {
        // Like [`redact`], the first characters stay: the reader can tell which value it was.
        let keep = text
            .get(s..e)
            .and_then(|v| v.char_indices().nth(SHOWN))
            .map_or(e, |(i, _)| s + i);
        mask_bytes(&mut bytes, keep, e);
    }
    // Masking replaces whole UTF-8 sequences byte by byte with ASCII, so the result is valid.
    match String::from_utf8(bytes) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Mask every secret a file's text may hold (see the module docs).
pub fn source(text: &str) -> Cow<'_, str> {
    apply(text, true)
}

/// Mask the unambiguous secret formats in rendered output.
pub fn output(text: &str) -> Cow<'_, str> {
    apply(text, false)
}

/// Characters of a secret that may be shown.
pub const SHOWN: usize = 2;

/// The masking character written over hidden bytes.
pub const MASK: char = '*';

/// `AKIAIOSFODNN7EXAMPLE` → `AK… (20 characters)`. Values of two characters or fewer show
/// nothing but their length.
pub fn redact(value: &str) -> String {
    let n = value.chars().count();
    let unit = if n == 1 { "character" } else { "characters" };
    if n <= SHOWN {
        return format!("… ({n} {unit})");
    }
    let head: String = value.chars().take(SHOWN).collect();
    format!("{head}… ({n} {unit})")
}

/// Overwrite `span` in `text`: the first [`SHOWN`] characters stay, every other character
/// becomes as many [`MASK`] bytes as it had, and line breaks stay, so spans, lines and
/// columns computed on the original text stay valid on the masked one.
pub fn mask_value(text: &mut String, span: Span) {
    let Some(slice) = text.get(span.start..span.end) else {
        return;
    };
    let mut out = String::with_capacity(slice.len());
    for (i, c) in slice.chars().enumerate() {
        if i < SHOWN || c == '\n' || c == '\r' {
            out.push(c);
        } else {
            for _ in 0..c.len_utf8() {
                out.push(MASK);
            }
        }
    }
    text.replace_range(span.start..span.end, &out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_keys_are_masked_in_place() {
        // Spelled in pieces: no file of the repository holds a whole provider token.
        let t = concat!("key: sk_", "live_51HqLyjWDarjtT1zdp7dcXYZ\n");
        let m = output(t);
        assert_eq!(m.len(), t.len());
        assert!(!m.contains("51HqLyjWD"), "{m}");
        let gh = concat!("gh", "p_16C7e42F292c6912E7710c838347Ae178B4a");
        assert!(!output(gh).contains("16C7e42F"));
        let k = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----";
        assert!(!output(k).contains("MIIEow"));
        assert!(!output("postgres://app:hunter2pass@db:5432/x").contains("hunter2pass"));
        assert!(output("postgres://app:${DB_PASSWORD}@db/x").contains("${DB_PASSWORD}"));
    }

    #[test]
    fn assignments_only_in_sources() {
        let t = "DB_PASSWORD=correct-horse-battery\nLOG_LEVEL=debug\napi_token: \"abc123def\"\n";
        let m = source(t);
        assert!(!m.contains("correct-horse"), "{m}");
        assert!(!m.contains("abc123def"), "{m}");
        assert!(m.contains("LOG_LEVEL=debug"));
        assert_eq!(output(t), t);
        let sql = "ALTER ROLE app WITH PASSWORD 'hunter2-but-longer';";
        assert!(!source(sql).contains("hunter2"));
    }

    #[test]
    fn a_key_with_no_value_on_its_line_masks_nothing_below() {
        let t = "secretKeyRef:\n  name: api-db\nDB_PASSWORD=\nLOG_LEVEL=debug\n";
        assert_eq!(source(t), t);
    }

    #[test]
    fn references_stay_readable() {
        let t = "password: ${DB_PASSWORD}\ntoken: {{ .Values.token }}\nsecret_ref: true\n";
        assert_eq!(source(t), t);
    }

    #[test]
    fn multibyte_values_keep_lengths() {
        let t = "SECRET=pässwörd\n";
        let m = source(t);
        assert_eq!(m.len(), t.len());
        assert!(!m.contains("pässwörd"));
    }

    #[test]
    fn redact_shows_two_characters_and_the_length() {
        assert_eq!(redact("AKIAIOSFODNN7EXAMPLE"), "AK… (20 characters)");
        assert_eq!(redact("ab"), "… (2 characters)");
        assert_eq!(redact("a"), "… (1 character)");
        assert_eq!(redact(""), "… (0 characters)");
        // Characters, not bytes.
        assert_eq!(redact("éé secret"), "éé… (9 characters)");
    }

    #[test]
    fn redacted_text_never_contains_the_rest_of_the_value() {
        let secret = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
        let r = redact(secret);
        assert!(!r.contains(&secret[2..6]));
        assert!(r.starts_with("gh"));
    }

    #[test]
    fn mask_keeps_offsets_and_lines() {
        let mut text = "A=xyzsecret\nB=\"multi\nline\"\nC=é€x\n".to_string();
        let len = text.len();
        mask_value(&mut text, Span::new(2, 11));
        assert_eq!(&text[..12], "A=xy*******\n");
        // Multi-line value: the newline stays.
        let start = text.find("multi").unwrap();
        let end = text.find("line\"").unwrap() + 4;
        mask_value(&mut text, Span::new(start, end));
        assert!(text.contains("B=\"mu***\n****\"\n"), "{text}");
        // Multi-byte characters become as many mask bytes as they had.
        let start = text.find("é€x").unwrap();
        mask_value(&mut text, Span::new(start, start + "é€x".len()));
        assert!(
            text.ends_with("C=é€*\n"),
            "first two characters stay: {text}"
        );
        assert_eq!(text.len(), len);
        let mut t = "KEY=é€xyz".to_string();
        let end = t.len();
        mask_value(&mut t, Span::new(4, end));
        assert_eq!(t, "KEY=é€***");
    }

    #[test]
    fn mask_ignores_spans_that_do_not_fit() {
        let mut text = "short".to_string();
        mask_value(&mut text, Span::new(3, 99));
        assert_eq!(text, "short");
        let mut text = "é".to_string();
        mask_value(&mut text, Span::new(1, 2));
        assert_eq!(text, "é");
    }
}
