//! Splitting a SQL file into statements: placeholder masking, tokenizing with byte spans,
//! splitting on top-level `;`, and a byte-level fallback splitter for files the tokenizer
//! rejects.
//!
//! Everything here works on byte offsets into the file. sqlparser reports token locations as
//! 1-based (line, character column) pairs; [`tokenize`] converts them to byte offsets with a
//! single forward walk over the text, so the whole file costs one pass.

use std::borrow::Cow;
use std::ops::Range;

use sqlparser::dialect::Dialect as SqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};

use super::Comment;
use crate::span::Span;

/// All tokens of a file (whitespace and comments included), with their byte spans.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    pub toks: Vec<TokenWithSpan>,
    /// `spans[i]` is the byte span of `toks[i]`.
    pub spans: Vec<Span>,
}

/// One statement-sized piece of a file.
#[derive(Debug)]
pub(crate) enum Piece {
    /// A statement whose tokens are `range` in [`Lexed`].
    Stmt {
        range: Range<usize>,
        span: Span,
        /// The statement has a body (`BEGIN ATOMIC ... END`, `CREATE RULE ... DO (...)`) in
        /// which `;` does not end it. A goose block without one is not a `block`: its first
        /// `;` ends the statement that is analysed.
        block: bool,
    },
    /// A piece the tokenizer rejected even on its own.
    Failed { span: Span, reason: String },
}

/// A file split into statements, plus every comment in it.
#[derive(Debug, Default)]
pub(crate) struct Split {
    pub lexed: Lexed,
    pub pieces: Vec<Piece>,
    pub comments: Vec<Comment>,
}

/// Splits `text` (already masked, see [`mask`]) into statements.
pub(crate) fn split(text: &str, dialect: &dyn SqlDialect) -> Split {
    let mut out = Split::default();
    match tokenize(text, 0, dialect) {
        Ok(lexed) => {
            out.lexed = lexed;
            let all = 0..out.lexed.toks.len();
            split_tokens(text, &out.lexed, all, &mut out.pieces, &mut out.comments);
        }
        Err(_) => split_fallback(text, dialect, &mut out),
    }
    out
}

/// The tokenizer failed on the whole file: cut it into pieces at `;` with a byte scanner and
/// tokenize each piece on its own, so one bad quote costs one statement, not the file.
fn split_fallback(text: &str, dialect: &dyn SqlDialect, out: &mut Split) {
    for piece in scan_pieces(text) {
        let Some(piece_text) = text.get(piece.range.clone()) else {
            continue;
        };
        match tokenize(piece_text, piece.range.start, dialect) {
            Ok(lexed) => {
                let first = out.lexed.toks.len();
                out.lexed.toks.extend(lexed.toks);
                out.lexed.spans.extend(lexed.spans);
                let range = first..out.lexed.toks.len();
                split_tokens(text, &out.lexed, range, &mut out.pieces, &mut out.comments);
            }
            Err(err) => {
                out.comments
                    .extend(piece.comments.iter().map(|c| comment_at(text, *c)));
                if let Some(span) = piece.code {
                    out.pieces.push(Piece::Failed {
                        span,
                        reason: err.to_string(),
                    });
                }
            }
        }
    }
}

fn comment_at(text: &str, span: Span) -> Comment {
    let span = trim_comment_span(text, span);
    Comment {
        span,
        text: span.slice(text).to_string(),
    }
}

/// A single-line comment token may include a trailing `\r` (Generic dialect); drop it.
fn trim_comment_span(text: &str, span: Span) -> Span {
    let trimmed = span.slice(text).trim_end_matches(['\r', '\n']);
    Span::new(span.start, span.start + trimmed.len())
}

/// Tokenizes `text`, a slice of the file starting at byte `base`.
pub(crate) fn tokenize(
    text: &str,
    base: usize,
    dialect: &dyn SqlDialect,
) -> Result<Lexed, sqlparser::tokenizer::TokenizerError> {
    let toks = Tokenizer::new(dialect, text).tokenize_with_location()?;
    let mut cursor = Cursor::new(text);
    let spans = toks
        .iter()
        .map(|t| {
            let start = cursor.seek(t.span.start);
            let end = cursor.seek(t.span.end);
            Span::new(base + start, base + end)
        })
        .collect();
    Ok(Lexed { toks, spans })
}

/// Walks a text forward converting sqlparser (line, column) locations to byte offsets.
/// Columns count characters; every character but `\n` advances the column, as in sqlparser.
struct Cursor<'a> {
    chars: std::str::CharIndices<'a>,
    len: usize,
    byte: usize,
    line: u64,
    col: u64,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            chars: text.char_indices(),
            len: text.len(),
            byte: 0,
            line: 1,
            col: 1,
        }
    }

    /// Byte offset of `loc`; locations must come in non-decreasing order.
    fn seek(&mut self, loc: Location) -> usize {
        while (self.line, self.col) < (loc.line, loc.column) {
            let Some((i, c)) = self.chars.next() else {
                self.byte = self.len;
                return self.len;
            };
            self.byte = i + c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        self.byte
    }
}

/// What the splitter knows about the statement being collected.
#[derive(Default)]
struct Pending {
    /// Index of its first significant token.
    start: Option<usize>,
    /// Index of its last significant token so far.
    last: usize,
    /// Number of significant tokens seen, to recognise the statement's leading keywords.
    seen: usize,
    /// Leading keywords decide which block forms apply.
    head: Head,
    /// Inside a `-- +goose StatementBegin` block.
    goose: bool,
    /// Nesting of `BEGIN ... END` bodies (SQL-standard function bodies, trigger bodies).
    body_depth: usize,
    /// Parenthesis depth, tracked only for `CREATE RULE` (its actions may contain `;`).
    paren_depth: usize,
    /// Whether a body (not a goose block) kept a `;` from ending the statement.
    block: bool,
}

/// The statement kinds whose text may contain `;` outside quotes.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Head {
    #[default]
    Unknown,
    /// `CREATE [OR REPLACE] [TEMP] FUNCTION|PROCEDURE|TRIGGER`: may have a `BEGIN ... END` body.
    Routine,
    /// `CREATE [OR REPLACE] RULE`: `DO (a; b)`.
    Rule,
    Other,
}

/// Splits `lexed.toks[range]` at `;`, pushing statements and comments.
fn split_tokens(
    text: &str,
    lexed: &Lexed,
    range: Range<usize>,
    pieces: &mut Vec<Piece>,
    comments: &mut Vec<Comment>,
) {
    let mut p = Pending::default();
    let end = range.end;
    for i in range {
        let Some(tok) = lexed.toks.get(i) else { break };
        match &tok.token {
            Token::Whitespace(Whitespace::SingleLineComment { .. })
            | Token::Whitespace(Whitespace::MultiLineComment(_)) => {
                let comment = comment_at(text, lexed.spans[i]);
                match directive(&comment.text) {
                    Some(Directive::GooseBegin) => {
                        flush(lexed, &mut p, i, pieces);
                        p.goose = true;
                    }
                    Some(Directive::GooseEnd) => {
                        flush(lexed, &mut p, i, pieces);
                        p.goose = false;
                    }
                    Some(Directive::Section) if !p.goose => flush(lexed, &mut p, i, pieces),
                    _ => {}
                }
                comments.push(comment);
            }
            Token::Whitespace(_) => {}
            Token::SemiColon => {
                if p.start.is_none() {
                    continue;
                }
                p.last = i;
                if p.body_depth > 0 || p.paren_depth > 0 {
                    p.block = true;
                } else if !p.goose {
                    flush(lexed, &mut p, i + 1, pieces);
                }
            }
            token => significant(lexed, &mut p, i, token),
        }
    }
    flush(lexed, &mut p, end, pieces);
}

/// Accounts for one significant token of the pending statement.
fn significant(lexed: &Lexed, p: &mut Pending, i: usize, token: &Token) {
    if p.start.is_none() {
        p.start = Some(i);
    }
    p.last = i;
    p.seen += 1;
    let kw = match token {
        Token::Word(w) if w.quote_style.is_none() => w.keyword,
        Token::LParen if p.head == Head::Rule => {
            p.paren_depth += 1;
            return;
        }
        Token::RParen if p.head == Head::Rule => {
            p.paren_depth = p.paren_depth.saturating_sub(1);
            return;
        }
        _ => return,
    };
    if p.seen <= 6 && p.head != Head::Routine && p.head != Head::Rule {
        p.head = classify_head(p.seen, kw, p.head);
    }
    if p.head != Head::Routine {
        return;
    }
    match kw {
        Keyword::BEGIN => p.body_depth += 1,
        Keyword::CASE if p.body_depth > 0 => p.body_depth += 1,
        Keyword::END if p.body_depth > 0 => {
            let closes_compound = next_word(lexed, i + 1).is_some_and(|w| {
                ["IF", "LOOP", "WHILE", "REPEAT", "FOR"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
            });
            if !closes_compound {
                p.body_depth -= 1;
            }
        }
        _ => {}
    }
}

/// Updates the statement's head classification with its `seen`-th keyword.
fn classify_head(seen: usize, kw: Keyword, head: Head) -> Head {
    match (seen, kw) {
        (1, Keyword::CREATE) => Head::Unknown,
        (1, _) => Head::Other,
        (_, Keyword::FUNCTION | Keyword::PROCEDURE | Keyword::TRIGGER) if head == Head::Unknown => {
            Head::Routine
        }
        (_, Keyword::RULE) if head == Head::Unknown => Head::Rule,
        (_, Keyword::OR | Keyword::REPLACE | Keyword::TEMP | Keyword::TEMPORARY)
        | (_, Keyword::CONSTRAINT | Keyword::DEFINER) => head,
        _ => Head::Other,
    }
}

/// The next significant token from `i`, if it is an unquoted word.
fn next_word(lexed: &Lexed, i: usize) -> Option<&str> {
    lexed.toks.get(i..)?.iter().find_map(|t| match &t.token {
        Token::Whitespace(_) => None,
        Token::Word(w) if w.quote_style.is_none() => Some(Some(w.value.as_str())),
        _ => Some(None),
    })?
}

/// Ends the pending statement (if it has tokens); its token range ends before `end`.
fn flush(lexed: &Lexed, p: &mut Pending, end: usize, pieces: &mut Vec<Piece>) {
    let goose = p.goose;
    if let Some(start) = p.start {
        let span = Span::new(lexed.spans[start].start, lexed.spans[p.last].end);
        pieces.push(Piece::Stmt {
            range: start..end.max(start + 1),
            span,
            block: p.block,
        });
    }
    *p = Pending {
        goose,
        ..Pending::default()
    };
}

/// Migration-framework comments that affect splitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    /// `-- +goose StatementBegin` (or `-- +migrate StatementBegin`)
    GooseBegin,
    /// `-- +goose StatementEnd` (or `-- +migrate StatementEnd`)
    GooseEnd,
    /// `-- +goose Up/Down`, `-- migrate:up/down`: a section boundary ends any statement.
    Section,
}

fn directive(comment: &str) -> Option<Directive> {
    let body = comment.strip_prefix("--")?.trim();
    // goose and sql-migrate share the directive syntax.
    if let Some(rest) = body
        .strip_prefix("+goose")
        .or_else(|| body.strip_prefix("+migrate"))
    {
        let word = rest.split_whitespace().next().unwrap_or("");
        return Some(if word.eq_ignore_ascii_case("StatementBegin") {
            Directive::GooseBegin
        } else if word.eq_ignore_ascii_case("StatementEnd") {
            Directive::GooseEnd
        } else {
            Directive::Section
        });
    }
    let word = body.split_whitespace().next().unwrap_or("");
    (word.eq_ignore_ascii_case("migrate:up") || word.eq_ignore_ascii_case("migrate:down"))
        .then_some(Directive::Section)
}

/// A piece found by the byte scanner.
#[derive(Debug, Default)]
struct ScanPiece {
    range: Range<usize>,
    /// From the first to the last byte that is not whitespace or comment.
    code: Option<Span>,
    comments: Vec<Span>,
}

/// Byte-level splitter: cuts at `;` outside quotes, comments and dollar quotes, and keeps
/// goose blocks whole. Used only when the tokenizer rejects the whole file.
fn scan_pieces(text: &str) -> Vec<ScanPiece> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut cur = ScanPiece::default();
    let mut goose = false;
    let mut quotes = Quotes::default();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        let end = match (b, next) {
            (b'-', Some(b'-')) => {
                let end = line_end(bytes, i);
                let span = Span::new(i, end);
                match directive(span.slice(text).trim_end()) {
                    Some(Directive::GooseBegin) => {
                        close_piece(&mut cur, i, &mut pieces);
                        goose = true;
                    }
                    Some(Directive::GooseEnd) => {
                        close_piece(&mut cur, i, &mut pieces);
                        goose = false;
                    }
                    _ => {}
                }
                cur.comments.push(span);
                i = end;
                continue;
            }
            (b'/', Some(b'*')) => {
                let end = block_comment_end(bytes, i);
                cur.comments.push(Span::new(i, end));
                i = end;
                continue;
            }
            (b';', _) if !goose => {
                mark_code(&mut cur, i, i + 1);
                close_piece(&mut cur, i + 1, &mut pieces);
                i += 1;
                continue;
            }
            _ => quotes.end_at(bytes, i),
        };
        let end = match end {
            Some(end) => end,
            // An unterminated quote: treat the quote as an ordinary character.
            None => i + 1,
        };
        if !b.is_ascii_whitespace() {
            mark_code(&mut cur, i, end);
        }
        i = end;
    }
    close_piece(&mut cur, bytes.len(), &mut pieces);
    // Make every range start on a char boundary (they always do: cuts are at ASCII bytes).
    pieces.retain(|p| text.get(p.range.clone()).is_some());
    pieces
}

fn mark_code(cur: &mut ScanPiece, start: usize, end: usize) {
    cur.code = Some(match cur.code {
        Some(code) => Span::new(code.start, end),
        None => Span::new(start, end),
    });
}

fn close_piece(cur: &mut ScanPiece, end: usize, pieces: &mut Vec<ScanPiece>) {
    let start = cur.range.start;
    let piece = std::mem::take(cur);
    cur.range = end..end;
    if piece.code.is_some() || !piece.comments.is_empty() {
        pieces.push(ScanPiece {
            range: start..end,
            ..piece
        });
    }
}

/// Masks template placeholders with same-length text so the tokenizer sees plain SQL and
/// byte offsets stay exact:
///
/// * Go templates: `{{ .Value }}` → `xxxxxxxxxxxx` (an identifier); control actions
///   (`{{ if ... }}`, `{{ end }}`, `{{ range ... }}`, ...) → spaces.
/// * Flyway / eugene placeholders `${schema}` → `xxxxxxxxx`.
/// * psql variables `:var`, `:'var'`, `:"var"` → `xxxx`.
/// * psql meta-command lines (`\set`, `\i file`, `\connect`) → spaces.
///
/// Quoted strings, quoted identifiers, dollar quotes and comments are left alone.
pub(crate) fn mask(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut quotes = Quotes::default();
    let mut statement_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (mut end, mut fill) = mask_at(bytes, i, &mut quotes);
        if bytes[i] == b';' {
            if let Some(data) = copy_data(bytes, statement_start, i) {
                (end, fill) = (data.end, Some(b' '));
                i = data.start;
            }
            statement_start = end;
        }
        if let Some(fill) = fill {
            let buf = out.get_or_insert_with(|| bytes.to_vec());
            if let Some(region) = buf.get_mut(i..end) {
                region.fill(fill);
            }
        }
        i = end.max(i + 1);
    }
    match out {
        None => Cow::Borrowed(text),
        // Every masked region starts and ends at an ASCII byte and is filled with ASCII, so
        // the buffer stays valid UTF-8; fall back to the original text if it somehow is not.
        Some(buf) => String::from_utf8(buf).map_or(Cow::Borrowed(text), Cow::Owned),
    }
}

/// The construct starting at byte `i`: where it ends, and the byte to fill it with when it
/// is a placeholder.
fn mask_at(bytes: &[u8], i: usize, quotes: &mut Quotes) -> (usize, Option<u8>) {
    let next = bytes.get(i + 1).copied();
    match (bytes[i], next) {
        (b'-', Some(b'-')) => (line_end(bytes, i), None),
        (b'/', Some(b'*')) => (block_comment_end(bytes, i), None),
        (b'{', Some(b'{')) => go_template(bytes, i).map_or((i + 1, None), |(e, f)| (e, Some(f))),
        (b'$', Some(b'{')) => {
            flyway_placeholder(bytes, i).map_or((i + 1, None), |e| (e, Some(b'x')))
        }
        (b':', _) => psql_variable(bytes, i).map_or((i + 1, None), |e| (e, Some(b'x'))),
        (b'\\', _) if at_line_start(bytes, i) => (line_end(bytes, i), Some(b' ')),
        _ => (quotes.end_at(bytes, i).unwrap_or(i + 1), None),
    }
}

/// The inline data of a `COPY ... FROM stdin;` statement ending at the `;` at `semi`: the
/// lines after it up to and including the `\.` line (psql and pg_dump format).
fn copy_data(bytes: &[u8], statement_start: usize, semi: usize) -> Option<Range<usize>> {
    let mut stmt = bytes.get(statement_start..semi)?;
    loop {
        stmt = stmt.trim_ascii_start();
        if !stmt.starts_with(b"--") {
            break;
        }
        let eol = memchr::memchr(b'\n', stmt)?;
        stmt = &stmt[eol..];
    }
    let is_copy =
        stmt.len() > 4 && stmt[..4].eq_ignore_ascii_case(b"copy") && !is_ident_byte(stmt[4]);
    if !is_copy || !stmt.windows(5).any(|w| w.eq_ignore_ascii_case(b"stdin")) {
        return None;
    }
    let data_start = line_end(bytes, semi) + 1;
    let mut line = data_start;
    while line < bytes.len() {
        let end = line_end(bytes, line);
        if bytes[line..end].trim_ascii() == b"\\." {
            return Some(data_start..end);
        }
        line = end + 1;
    }
    None
}

/// Placeholders longer than this are not looked for (keeps masking linear on garbage).
const MAX_PLACEHOLDER_LEN: usize = 4096;

/// Go template actions that produce no SQL text of their own.
const GO_TEMPLATE_CONTROL: &[&str] = &[
    "block", "break", "continue", "define", "else", "end", "if", "range", "template", "with",
];

/// `{{ ... }}` at `i`: its end and fill byte (`x` for a value, space for a control action).
fn go_template(bytes: &[u8], i: usize) -> Option<(usize, u8)> {
    let body_start = i + 2;
    let window = bytes.get(body_start..)?;
    let window = &window[..window.len().min(MAX_PLACEHOLDER_LEN)];
    let close = memchr::memmem::find(window, b"}}")? + body_start;
    let body = std::str::from_utf8(bytes.get(body_start..close)?).unwrap_or("");
    let body = body.trim_matches(|c: char| c == '-' || c.is_whitespace());
    let word: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let control = body.starts_with("/*") || GO_TEMPLATE_CONTROL.contains(&word.as_str());
    Some((close + 2, if control { b' ' } else { b'x' }))
}

/// `${...}` on one line at `i`: its end.
fn flyway_placeholder(bytes: &[u8], i: usize) -> Option<usize> {
    let rest = bytes.get(i + 2..)?;
    let rest = &rest[..rest.len().min(MAX_PLACEHOLDER_LEN)];
    let close = rest.iter().position(|b| *b == b'}' || *b == b'\n')?;
    (rest[close] == b'}').then_some(i + 2 + close + 1)
}

/// A psql variable reference `:name`, `:'name'` or `:"name"` at `i`: its end. Not `::`,
/// `:=`, or a slice bound such as `a[1:2]`.
fn psql_variable(bytes: &[u8], i: usize) -> Option<usize> {
    if i > 0 && (bytes[i - 1] == b':' || is_ident_byte(bytes[i - 1])) {
        return None;
    }
    let next = *bytes.get(i + 1)?;
    if next == b'\'' || next == b'"' {
        let rest = bytes.get(i + 2..)?;
        let rest = &rest[..rest.len().min(MAX_PLACEHOLDER_LEN)];
        let close = rest.iter().position(|b| *b == next || *b == b'\n')?;
        if rest[close] != next {
            return None;
        }
        return Some(i + 2 + close + 1);
    }
    if !(next.is_ascii_alphabetic() || next == b'_') {
        return None;
    }
    let len = bytes[i + 1..]
        .iter()
        .take_while(|b| is_ident_byte(**b))
        .count();
    Some(i + 1 + len)
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether only spaces or tabs precede byte `i` on its line.
fn at_line_start(bytes: &[u8], i: usize) -> bool {
    bytes[..i]
        .iter()
        .rev()
        .take_while(|b| **b != b'\n')
        .all(|b| *b == b' ' || *b == b'\t')
}

/// Index of the `\n` ending the line containing `i` (or the end of the text).
fn line_end(bytes: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n)
}

/// Quote scanning for the byte scanners. Once a kind of quote is found unterminated, later
/// quotes of that kind are ordinary characters: the rest of the text holds no closing
/// quote for them either, and rescanning it for every one would be quadratic.
#[derive(Debug, Default)]
struct Quotes {
    single: bool,
    double: bool,
    dollar: bool,
}

impl Quotes {
    /// If a string, quoted identifier or dollar quote opens at `i`, where it ends.
    fn end_at(&mut self, bytes: &[u8], i: usize) -> Option<usize> {
        let (failed, end) = match bytes[i] {
            b'\'' if !self.single => (
                &mut self.single,
                quoted_end(bytes, i, b'\'', is_escape_string(bytes, i)),
            ),
            b'"' if !self.double => (&mut self.double, quoted_end(bytes, i, b'"', false)),
            b'$' if !self.dollar => match dollar_quote_end(bytes, i) {
                DollarQuote::Not => return None,
                DollarQuote::Unterminated => (&mut self.dollar, None),
                DollarQuote::End(end) => (&mut self.dollar, Some(end)),
            },
            _ => return None,
        };
        *failed |= end.is_none();
        end
    }
}

/// End (exclusive) of the possibly nested block comment starting at `i`; end of text if
/// unterminated.
fn block_comment_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1).copied()) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth = depth.saturating_sub(1);
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Whether the quote at `i` opens an `E'...'` string (backslash escapes apply).
fn is_escape_string(bytes: &[u8], i: usize) -> bool {
    i > 0
        && matches!(bytes[i - 1], b'e' | b'E')
        && (i < 2 || !(bytes[i - 2].is_ascii_alphanumeric() || bytes[i - 2] == b'_'))
}

/// End (exclusive) of the quoted text opening at `i` with `quote` (doubled quotes escape);
/// `None` when unterminated.
fn quoted_end(bytes: &[u8], i: usize, quote: u8, backslash: bool) -> Option<usize> {
    let mut j = i + 1;
    while j < bytes.len() {
        let b = bytes[j];
        if backslash && b == b'\\' {
            j += 2;
        } else if b == quote {
            if bytes.get(j + 1) == Some(&quote) {
                j += 2;
            } else {
                return Some(j + 1);
            }
        } else {
            j += 1;
        }
    }
    None
}

/// What a `$` opens.
enum DollarQuote {
    /// Not a dollar quote (`$1`, `a$b`, a lone `$`).
    Not,
    Unterminated,
    /// A dollar-quoted string ending (exclusive) here.
    End(usize),
}

/// The dollar-quoted string (`$$` or `$tag$`) opening at `i`, if any.
fn dollar_quote_end(bytes: &[u8], i: usize) -> DollarQuote {
    if i > 0 && is_ident_byte(bytes[i - 1]) {
        return DollarQuote::Not;
    }
    let rest = bytes.get(i + 1..).unwrap_or(&[]);
    let tag_len = rest.iter().take_while(|b| is_ident_byte(**b)).count();
    let close = i + 1 + tag_len;
    if bytes.get(close) != Some(&b'$') || rest.first().is_some_and(u8::is_ascii_digit) {
        return DollarQuote::Not;
    }
    let delim = &bytes[i..=close];
    let body = close + 1;
    match memchr::memmem::find(&bytes[body..], delim) {
        Some(n) => DollarQuote::End(body + n + delim.len()),
        None => DollarQuote::Unterminated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;

    fn stmts(text: &str) -> Vec<&str> {
        let split = split(text, &PostgreSqlDialect {});
        split
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Stmt { span, .. } | Piece::Failed { span, .. } => span.slice(text),
            })
            .collect()
    }

    #[test]
    fn splits_on_semicolons_with_exact_spans() {
        let text = "-- héllo\nCREATE TABLE é (a int);\n\n  SELECT 'a;b' ;;\n/* c */ DROP TABLE x";
        assert_eq!(
            stmts(text),
            ["CREATE TABLE é (a int);", "SELECT 'a;b' ;", "DROP TABLE x"]
        );
    }

    #[test]
    fn multibyte_before_statement() {
        let text = "/* ünïcødé ✓ */ SELECT 1;\n-- 日本語\nSELECT 2;";
        let split = split(text, &PostgreSqlDialect {});
        let spans: Vec<_> = split
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Stmt { span, .. } => Some(*span),
                Piece::Failed { .. } => None,
            })
            .collect();
        assert_eq!(spans[0].slice(text), "SELECT 1;");
        assert_eq!(spans[0].start, text.find("SELECT 1").unwrap_or(0));
        assert_eq!(spans[1].slice(text), "SELECT 2;");
        assert_eq!(split.comments.len(), 2);
        assert_eq!(split.comments[0].text, "/* ünïcødé ✓ */");
        assert_eq!(split.comments[1].text, "-- 日本語");
    }

    #[test]
    fn crlf_line_endings() {
        let text = "-- a\r\nSELECT 1;\r\nSELECT\r\n 2;\r\n";
        assert_eq!(stmts(text), ["SELECT 1;", "SELECT\r\n 2;"]);
    }

    #[test]
    fn dollar_bodies_keep_semicolons() {
        let text = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END $body$ LANGUAGE plpgsql;\nDO $$ BEGIN PERFORM 1; END $$;";
        let got = stmts(text);
        assert_eq!(got.len(), 2);
        assert!(got[0].ends_with("plpgsql;"));
        assert!(got[1].starts_with("DO $$"));
    }

    #[test]
    fn empty_statements_are_dropped() {
        assert!(stmts("").is_empty());
        assert!(stmts(";;;").is_empty());
        assert!(stmts("-- only a comment\n/* and another */\n").is_empty());
        assert!(stmts("  \n\t ; -- x\n ;").is_empty());
    }

    #[test]
    fn goose_block_is_one_statement() {
        let text = "-- +goose Up\n-- +goose StatementBegin\nCREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET c = 1; END;\nSELECT 1;\n-- +goose StatementEnd\nSELECT 2;\n";
        let got = stmts(text);
        assert_eq!(
            got,
            [
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET c = 1; END;\nSELECT 1;",
                "SELECT 2;"
            ]
        );
        let split = split(text, &PostgreSqlDialect {});
        assert_eq!(split.comments.len(), 3);
        assert!(matches!(split.pieces[0], Piece::Stmt { block: true, .. }));
    }

    #[test]
    fn goose_sections_end_statements_without_semicolon() {
        let text = "-- +goose Up\nCREATE TABLE a (x int)\n-- +goose Down\nDROP TABLE a\n";
        assert_eq!(stmts(text), ["CREATE TABLE a (x int)", "DROP TABLE a"]);
    }

    #[test]
    fn begin_atomic_body_is_one_statement() {
        let text = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;\nSELECT 3;";
        let got = stmts(text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("END; END;"));
        assert_eq!(got[1], "SELECT 3;");
    }

    #[test]
    fn create_rule_actions_stay_together() {
        let text = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;";
        assert_eq!(stmts(text).len(), 2);
    }

    #[test]
    fn unbalanced_paren_does_not_swallow_the_file() {
        let text = "SELECT (1;\nSELECT 2;";
        assert_eq!(stmts(text), ["SELECT (1;", "SELECT 2;"]);
    }

    #[test]
    fn tokenizer_failure_falls_back_per_piece() {
        let text = "SELECT 1;\nSELECT 'unterminated;\nSELECT 2;\nCREATE TABLE t (a int);";
        let split = split(text, &PostgreSqlDialect {});
        let kinds: Vec<_> = split
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Stmt { span, .. } => format!("ok:{}", span.slice(text)),
                Piece::Failed { span, .. } => format!("failed:{}", span.slice(text)),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "ok:SELECT 1;",
                "failed:SELECT 'unterminated;",
                "ok:SELECT 2;",
                "ok:CREATE TABLE t (a int);"
            ]
        );
    }

    #[test]
    fn fallback_scanner_respects_quotes_and_comments() {
        let text = "SELECT 'a;b', \"c;d\", $x$ e;f $x$, E'g\\';h' /* ; */ -- ;\n;SELECT $$;";
        let pieces = scan_pieces(text);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].comments.len(), 2);
        let code = pieces[1].code.map(|s| s.slice(text));
        assert_eq!(code, Some("SELECT $$;"));
    }

    #[test]
    fn masks_placeholders_keeping_length() {
        let text = "ALTER TABLE {{ index .Options \"Namespace\" }}.users ADD COLUMN x int;\n\\set ON_ERROR_STOP on\nSELECT :'v', :w, a::int, b[1:2], '${s}', ${schema}.t;\n{{ if .X }}SELECT 1;{{ end }}";
        let masked = mask(text);
        assert_eq!(masked.len(), text.len());
        assert!(masked.contains(&format!("ALTER TABLE {}.users", "x".repeat(32))));
        assert!(!masked.contains("\\set"));
        assert!(masked.contains("SELECT xxxx, xx, a::int, b[1:2], '${s}', xxxxxxxxx.t;"));
        assert!(masked.contains("           SELECT 1;         "));
    }

    #[test]
    fn masks_copy_from_stdin_data() {
        let text =
            "-- data\nCOPY t (a, b) FROM stdin;\n1\tit's; ok\n2\té\n\\.\nCREATE TABLE x (a int);";
        let masked = mask(text);
        assert_eq!(masked.len(), text.len());
        assert!(masked.starts_with("-- data\nCOPY t (a, b) FROM stdin;\n   "));
        assert!(masked.ends_with("   \nCREATE TABLE x (a int);"));
        assert!(!masked.contains("it's"));
        let no_end = "COPY t FROM stdin;\n1\n";
        assert_eq!(mask(no_end), no_end);
    }

    #[test]
    fn mask_leaves_plain_sql_borrowed() {
        let text = "SELECT a::text, $1, 'x:y' FROM t; -- {{ not here }}";
        assert!(matches!(mask(text), Cow::Borrowed(_)));
    }

    #[test]
    fn mask_handles_multibyte_and_unterminated() {
        for text in ["{{ é", "${é", ":'é", "\\é\n", "é{{é}}é", "'{{ x }}"] {
            let masked = mask(text);
            assert_eq!(masked.len(), text.len());
        }
        assert_eq!(mask("é{{é}}é"), "éxxxxxxé");
    }

    #[test]
    fn directives() {
        assert_eq!(
            directive("-- +goose StatementBegin"),
            Some(Directive::GooseBegin)
        );
        assert_eq!(
            directive("--+goose statementend"),
            Some(Directive::GooseEnd)
        );
        assert_eq!(directive("-- +goose Up"), Some(Directive::Section));
        assert_eq!(
            directive("-- +migrate StatementBegin"),
            Some(Directive::GooseBegin)
        );
        assert_eq!(directive("-- +migrate Down"), Some(Directive::Section));
        assert_eq!(directive("-- migrate:down"), Some(Directive::Section));
        assert_eq!(directive("-- just text"), None);
        assert_eq!(directive("/* +goose StatementBegin */"), None);
    }
}
