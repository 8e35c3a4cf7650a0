//! Redaction of secret values. Every output format shows a secret only as its first two
//! characters and its length; this module is the one place that decides how.
//!
//! Two tools: [`redact`] turns a value into the text a message may quote, and [`mask`]
//! overwrites value bytes inside a file's text (keeping every byte offset and line break),
//! so a renderer that prints source snippets can never print the value.

use crate::span::Span;

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
pub fn mask(text: &mut String, span: Span) {
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
        mask(&mut text, Span::new(2, 11));
        assert_eq!(&text[..12], "A=xy*******\n");
        // Multi-line value: the newline stays.
        let start = text.find("multi").unwrap();
        let end = text.find("line\"").unwrap() + 4;
        mask(&mut text, Span::new(start, end));
        assert!(text.contains("B=\"mu***\n****\"\n"), "{text}");
        // Multi-byte characters become as many mask bytes as they had.
        let start = text.find("é€x").unwrap();
        mask(&mut text, Span::new(start, start + "é€x".len()));
        assert!(
            text.ends_with("C=é€*\n"),
            "first two characters stay: {text}"
        );
        assert_eq!(text.len(), len);
        let mut t = "KEY=é€xyz".to_string();
        let end = t.len();
        mask(&mut t, Span::new(4, end));
        assert_eq!(t, "KEY=é€***");
    }

    #[test]
    fn mask_ignores_spans_that_do_not_fit() {
        let mut text = "short".to_string();
        mask(&mut text, Span::new(3, 99));
        assert_eq!(text, "short");
        let mut text = "é".to_string();
        mask(&mut text, Span::new(1, 2));
        assert_eq!(text, "é");
    }
}
