//! A statement's significant tokens with byte spans, and the small helpers both lowerings
//! use to read keywords, names, parenthesised groups and comma-separated items from them.
//!
//! Every helper is iterative and bounds-checked: a missing token is `None`/`false`, never a
//! panic, so the lowerings can be written as straight-line pattern checks.

use std::ops::Range;

use sqlparser::tokenizer::{Token, Word};

use super::split::Lexed;
use super::{Ident, ObjName};
use crate::span::Span;

/// One significant (not whitespace, not comment) token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok<'a> {
    pub token: &'a Token,
    pub span: Span,
}

/// The significant tokens of one statement, without its terminating `;`.
#[derive(Debug)]
pub(crate) struct View<'a> {
    /// The file's original text; spans index into it.
    pub text: &'a str,
    pub toks: Vec<Tok<'a>>,
}

/// A possibly qualified name read from the tokens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NameAt {
    pub name: ObjName,
    pub span: Span,
    /// Index of the token after the name.
    pub next: usize,
}

/// Identifier text as the database sees it: unquoted folds to lowercase, quoted is verbatim.
pub(crate) fn normalize(w: &Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_lowercase()
    }
}

/// Lowercased, whitespace-collapsed text.
pub(crate) fn collapse(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl<'a> View<'a> {
    /// The significant tokens of `lexed.toks[range]`. Unless the statement is a `block`
    /// (its body contains `;`), the view stops at the first `;`; a goose block holding several
    /// statements is analysed by its first.
    pub fn new(text: &'a str, lexed: &'a Lexed, range: Range<usize>, block: bool) -> Self {
        let mut toks = Vec::new();
        let toks_in = lexed.toks.get(range.clone()).unwrap_or(&[]);
        let spans_in = lexed.spans.get(range).unwrap_or(&[]);
        for (t, span) in toks_in.iter().zip(spans_in) {
            match &t.token {
                Token::Whitespace(_) => {}
                Token::SemiColon if !block => break,
                token => toks.push(Tok { token, span: *span }),
            }
        }
        while matches!(toks.last(), Some(t) if *t.token == Token::SemiColon) {
            toks.pop();
        }
        View { text, toks }
    }

    /// Number of tokens in `lexed.toks[range]` up to the view's end, for handing exactly
    /// the analysed statement to the parser.
    pub fn parser_range(lexed: &Lexed, range: Range<usize>, block: bool) -> Range<usize> {
        if block {
            return range;
        }
        let toks = lexed.toks.get(range.clone()).unwrap_or(&[]);
        let cut = toks
            .iter()
            .position(|t| t.token == Token::SemiColon)
            .map_or(range.end, |n| range.start + n + 1);
        range.start..cut
    }

    pub fn len(&self) -> usize {
        self.toks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    pub fn token(&self, i: usize) -> Option<&'a Token> {
        self.toks.get(i).map(|t| t.token)
    }

    /// Whether token `i` is `token`.
    pub fn is(&self, i: usize, token: &Token) -> bool {
        self.token(i) == Some(token)
    }

    /// Token `i` as a word (quoted or not).
    pub fn word(&self, i: usize) -> Option<&'a Word> {
        match self.token(i)? {
            Token::Word(w) => Some(w),
            _ => None,
        }
    }

    /// Whether token `i` is the unquoted keyword `kw` (case-insensitive).
    pub fn kw(&self, i: usize, kw: &str) -> bool {
        self.word(i)
            .is_some_and(|w| w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    /// Whether tokens from `i` are the keywords `kws`.
    pub fn kws(&self, i: usize, kws: &[&str]) -> bool {
        kws.iter().enumerate().all(|(n, kw)| self.kw(i + n, kw))
    }

    /// Whether token `i` is one of the keywords `kws`.
    pub fn any_kw(&self, i: usize, kws: &[&str]) -> bool {
        kws.iter().any(|kw| self.kw(i, kw))
    }

    /// If the keywords `kws` start at `i`, the index after them.
    pub fn eat(&self, i: usize, kws: &[&str]) -> Option<usize> {
        self.kws(i, kws).then_some(i + kws.len())
    }

    /// The index after the keywords `kws` if they start at `i`, else `i`.
    pub fn skip(&self, i: usize, kws: &[&str]) -> usize {
        self.eat(i, kws).unwrap_or(i)
    }

    /// Token `i` uppercased, if it is an unquoted word.
    pub fn upper(&self, i: usize) -> Option<String> {
        self.word(i)
            .filter(|w| w.quote_style.is_none())
            .map(|w| w.value.to_ascii_uppercase())
    }

    /// Token `i` as an identifier.
    pub fn ident(&self, i: usize) -> Option<Ident> {
        let w = self.word(i)?;
        Some(Ident {
            name: normalize(w),
            span: self.toks[i].span,
        })
    }

    /// A possibly qualified name (`a`, `s.a`, `db.s.a`) starting at `i`.
    pub fn name(&self, i: usize) -> Option<NameAt> {
        let mut parts = vec![normalize(self.word(i)?)];
        let mut last = i;
        while self.is(last + 1, &Token::Period) {
            let Some(w) = self.word(last + 2) else { break };
            parts.push(normalize(w));
            last += 2;
        }
        let name = parts.pop().unwrap_or_default();
        Some(NameAt {
            name: ObjName {
                schema: parts.pop(),
                name,
            },
            span: self.span(i..last + 1),
            next: last + 1,
        })
    }

    /// Comma-separated names from `i` (as in `DROP TABLE a, b.c`), and the index after them.
    pub fn names(&self, mut i: usize) -> (Vec<ObjName>, usize) {
        let mut names = Vec::new();
        while let Some(n) = self.name(i) {
            names.push(n.name);
            i = n.next;
            if self.is(i, &Token::Mul) {
                i += 1;
            }
            if !self.is(i, &Token::Comma) {
                break;
            }
            i += 1;
        }
        (names, i)
    }

    /// Index of the bracket closing the `(` or `[` at `i`.
    pub fn close(&self, i: usize) -> Option<usize> {
        if !matches!(self.token(i)?, Token::LParen | Token::LBracket) {
            return None;
        }
        let mut depth = 0usize;
        for (j, t) in self.toks.iter().enumerate().skip(i) {
            match t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The token ranges between top-level commas of `range`.
    pub fn split_commas(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let mut items = Vec::new();
        let mut depth = 0usize;
        let mut start = range.start;
        let end = range.end.min(self.len());
        for j in range.start..end {
            match self.toks[j].token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                Token::Comma if depth == 0 => {
                    items.push(start..j);
                    start = j + 1;
                }
                _ => {}
            }
        }
        if start < end {
            items.push(start..end);
        }
        items.retain(|r| !r.is_empty());
        items
    }

    /// Index of the first token in `range`, outside brackets, for which `pred` holds.
    pub fn find_top(&self, range: Range<usize>, pred: impl Fn(usize) -> bool) -> Option<usize> {
        let mut depth = 0usize;
        for j in range.start..range.end.min(self.len()) {
            match self.toks[j].token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                _ if depth == 0 && pred(j) => return Some(j),
                _ => {}
            }
        }
        None
    }

    /// Byte span from the first to the last token of `range` (empty at the statement end
    /// when `range` is empty).
    pub fn span(&self, range: Range<usize>) -> Span {
        let end = range.end.min(self.len());
        match (
            self.toks.get(range.start),
            end.checked_sub(1).and_then(|e| self.toks.get(e)),
        ) {
            (Some(first), Some(last)) if range.start < end => {
                Span::new(first.span.start, last.span.end)
            }
            _ => {
                let at = self.toks.last().map_or(0, |t| t.span.end);
                Span::new(at, at)
            }
        }
    }

    /// The source text of `range`.
    pub fn text(&self, range: Range<usize>) -> &'a str {
        self.span(range).slice(self.text)
    }

    /// The source text of `range`, lowercased and whitespace-collapsed.
    pub fn collapsed(&self, range: Range<usize>) -> String {
        collapse(self.text(range))
    }

    /// Index of the first word in `range` equal (as an identifier) to `value` with `quote`.
    pub fn find_word(
        &self,
        range: Range<usize>,
        value: &str,
        quote: Option<char>,
    ) -> Option<usize> {
        (range.start..range.end.min(self.len())).find(|&j| {
            self.word(j)
                .is_some_and(|w| w.value == value && w.quote_style == quote)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::sql::split::tokenize;
    use sqlparser::dialect::PostgreSqlDialect;

    fn view(text: &str) -> (Lexed, usize) {
        let lexed = tokenize(text, 0, &PostgreSqlDialect {}).unwrap_or_default();
        let n = lexed.toks.len();
        (lexed, n)
    }

    #[test]
    fn names_and_spans() {
        let text = "DROP TABLE \"My\".Tbl, other * ; SELECT";
        let (lexed, n) = view(text);
        let v = View::new(text, &lexed, 0..n, false);
        assert_eq!(v.len(), 8);
        let at = v.name(2).expect("name");
        assert_eq!(at.name.schema.as_deref(), Some("My"));
        assert_eq!(at.name.name, "tbl");
        assert_eq!(at.span.slice(text), "\"My\".Tbl");
        let (names, next) = v.names(2);
        assert_eq!(names.len(), 2);
        assert_eq!(next, 8);
    }

    #[test]
    fn brackets_and_commas() {
        let text = "a (b, c[1,2]), d, (e";
        let (lexed, n) = view(text);
        let v = View::new(text, &lexed, 0..n, false);
        assert_eq!(v.close(1), Some(10));
        assert_eq!(v.close(14), None);
        let items: Vec<_> = v
            .split_commas(0..v.len())
            .into_iter()
            .map(|r| v.text(r))
            .collect();
        assert_eq!(items, ["a (b, c[1,2])", "d", "(e"]);
        assert_eq!(v.span(3..3).len(), 0);
    }

    #[test]
    fn parser_range_stops_after_first_semicolon() {
        let text = "SELECT 1; SELECT 2;";
        let (lexed, n) = view(text);
        assert_eq!(View::parser_range(&lexed, 0..n, false), 0..4);
        assert_eq!(View::parser_range(&lexed, 0..n, true), 0..n);
    }
}
