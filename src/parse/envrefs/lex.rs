//! A small tolerant lexer for the languages forecast scans for env reads. It knows each
//! language's comments and string literals (so a read inside a comment or a string is not a
//! read, and a quote inside a comment does not derail the rest of the file) and nothing
//! else: identifiers, numbers, strings and punctuation come out as tokens with byte spans.
//!
//! It never fails. An unterminated string ends at its line end (or at the end of the file
//! for the multi-line forms); unknown bytes become punctuation.

use super::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    Ident,
    Str,
    Num,
    Punct,
}

/// A token: `s..e` is its whole text; for a string, `cs..ce` is the content inside the
/// quotes and `plain` says the content is literal (no escape, no interpolation).
#[derive(Debug, Clone, Copy)]
pub struct Tok {
    pub k: K,
    pub s: usize,
    pub e: usize,
    pub cs: usize,
    pub ce: usize,
    pub plain: bool,
    /// A line break separates this token from the previous one.
    pub nl: bool,
}

/// The tokens of a file and the deepest bracket nesting seen.
#[derive(Debug, Default)]
pub struct Lexed {
    pub toks: Vec<Tok>,
    pub max_depth: usize,
}

/// Multi-character operators, longest first.
const OPS: &[&str] = &[
    "===", "!==", "??=", "||=", "&&=", "...", "**=", "<<=", ">>=", "?.", "??", "||", "&&", "==",
    "!=", "<=", ">=", "=>", "::", ":=", "?:", "!!", "->", "+=", "-=", "*=", "/=", "|=", "&=", "<<",
    ">>", "**", "++", "--",
];

struct Lexer<'a> {
    text: &'a str,
    b: &'a [u8],
    lang: Lang,
    i: usize,
    out: Lexed,
    depth: usize,
    nl: bool,
    /// JS: brace depth at which each open template-literal interpolation resumes its template.
    templates: Vec<usize>,
    /// Ruby: heredoc terminators waiting for the next line.
    heredocs: Vec<String>,
}

pub fn lex(text: &str, lang: Lang) -> Lexed {
    let mut lx = Lexer {
        text,
        b: text.as_bytes(),
        lang,
        i: 0,
        out: Lexed::default(),
        depth: 0,
        nl: true,
        templates: Vec::new(),
        heredocs: Vec::new(),
    };
    lx.run();
    lx.out
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80
}

fn ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn push(&mut self, k: K, s: usize, e: usize) {
        self.out.toks.push(Tok {
            k,
            s,
            e,
            cs: s,
            ce: e,
            plain: false,
            nl: self.nl,
        });
        self.nl = false;
    }

    fn push_str(&mut self, s: usize, e: usize, cs: usize, ce: usize, plain: bool) {
        self.out.toks.push(Tok {
            k: K::Str,
            s,
            e,
            cs,
            ce: ce.max(cs),
            plain,
            nl: self.nl,
        });
        self.nl = false;
    }

    fn line_end(&self, from: usize) -> usize {
        memchr::memchr(b'\n', &self.b[from.min(self.b.len())..])
            .map(|p| from + p)
            .unwrap_or(self.b.len())
    }

    fn hash_comments(&self) -> bool {
        matches!(self.lang, Lang::Python | Lang::Ruby)
    }

    fn slash_comments(&self) -> bool {
        !self.hash_comments()
    }

    fn prev(&self) -> Option<&Tok> {
        self.out.toks.last()
    }

    fn run(&mut self) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b'\n' => {
                    self.nl = true;
                    self.i += 1;
                    if !self.heredocs.is_empty() {
                        self.skip_heredocs();
                    }
                    if self.lang == Lang::Ruby && self.text[self.i..].starts_with("=begin") {
                        self.skip_ruby_block_comment();
                    }
                    continue;
                }
                b' ' | b'\t' | b'\r' | 0x0c => {
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            if self.i == 0 && self.lang == Lang::Ruby && self.text.starts_with("=begin") {
                self.skip_ruby_block_comment();
                continue;
            }
            if c == b'#' && self.hash_comments() {
                self.i = self.line_end(self.i);
                continue;
            }
            if c == b'/' && self.slash_comments() {
                match self.peek(1) {
                    b'/' => {
                        self.i = self.line_end(self.i);
                        continue;
                    }
                    b'*' => {
                        self.block_comment();
                        continue;
                    }
                    _ => {}
                }
                if self.lang == Lang::JavaScript && self.regex_allowed() && self.regex() {
                    continue;
                }
            }
            if c == b'}'
                && self.lang == Lang::JavaScript
                && self.templates.last() == Some(&self.depth)
            {
                self.templates.pop();
                self.i += 1;
                self.template(false);
                continue;
            }
            match c {
                b'"' | b'\'' => {
                    self.quoted(c);
                    continue;
                }
                b'`' => match self.lang {
                    Lang::JavaScript => {
                        self.i += 1;
                        self.template(true);
                        continue;
                    }
                    Lang::Go | Lang::Kotlin => {
                        self.raw_backtick();
                        continue;
                    }
                    _ => {}
                },
                b'%' if self.lang == Lang::Ruby && self.ruby_percent() => continue,
                b'<' if self.lang == Lang::Ruby && self.ruby_heredoc_start() => continue,
                _ => {}
            }
            if c.is_ascii_digit() {
                let s = self.i;
                while self.i < self.b.len()
                    && (self.b[self.i].is_ascii_alphanumeric()
                        || self.b[self.i] == b'_'
                        || self.b[self.i] == b'.' && self.peek(1).is_ascii_digit())
                {
                    self.i += 1;
                }
                self.push(K::Num, s, self.i);
                continue;
            }
            if ident_start(c) {
                let s = self.i;
                while self.i < self.b.len() && ident_byte(self.b[self.i]) {
                    self.i += 1;
                }
                // Keep a character boundary after non-ASCII identifier bytes.
                while self.i < self.b.len() && !self.text.is_char_boundary(self.i) {
                    self.i += 1;
                }
                if self.string_prefix(s) {
                    continue;
                }
                self.push(K::Ident, s, self.i);
                continue;
            }
            self.punct();
        }
        self.out.max_depth = self.out.max_depth.max(self.depth);
    }

    fn punct(&mut self) {
        let s = self.i;
        let rest = &self.text[s..];
        for op in OPS {
            if rest.starts_with(op) {
                self.i += op.len();
                self.push(K::Punct, s, self.i);
                return;
            }
        }
        let c = self.b[s];
        match c {
            b'(' | b'[' | b'{' => {
                self.depth += 1;
                self.out.max_depth = self.out.max_depth.max(self.depth);
            }
            b')' | b']' | b'}' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        // One character (which may be multi-byte).
        let len = rest.chars().next().map(char::len_utf8).unwrap_or(1);
        self.i += len;
        self.push(K::Punct, s, self.i);
    }

    fn block_comment(&mut self) {
        // Rust block comments nest; the others do not.
        let nests = self.lang == Lang::Rust;
        let mut depth = 0usize;
        while self.i < self.b.len() {
            if self.b[self.i] == b'/' && self.peek(1) == b'*' {
                if depth == 0 || nests {
                    depth += 1;
                }
                self.i += 2;
            } else if self.b[self.i] == b'*' && self.peek(1) == b'/' {
                self.i += 2;
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return;
                }
            } else {
                if self.b[self.i] == b'\n' {
                    self.nl = true;
                }
                self.i += 1;
            }
        }
    }

    fn skip_ruby_block_comment(&mut self) {
        let mut at = self.i;
        loop {
            let end = self.line_end(at);
            if self.text[at..end].starts_with("=end") || end >= self.b.len() {
                self.i = (end + 1).min(self.b.len());
                self.nl = true;
                return;
            }
            at = end + 1;
        }
    }

    fn regex_allowed(&self) -> bool {
        match self.prev() {
            None => true,
            Some(t) => match t.k {
                K::Num | K::Str => false,
                K::Ident => matches!(
                    &self.text[t.s..t.e],
                    "return"
                        | "typeof"
                        | "case"
                        | "do"
                        | "else"
                        | "in"
                        | "of"
                        | "new"
                        | "delete"
                        | "void"
                        | "throw"
                        | "yield"
                        | "await"
                ),
                K::Punct => !matches!(&self.text[t.s..t.e], ")" | "]" | "}"),
            },
        }
    }

    /// A JS regex literal at `/`; false (nothing consumed) when the line has no closing `/`.
    fn regex(&mut self) -> bool {
        let s = self.i;
        let end = self.line_end(s);
        let mut j = s + 1;
        let mut class = false;
        while j < end {
            match self.b[j] {
                b'\\' => j += 2,
                b'[' => {
                    class = true;
                    j += 1
                }
                b']' => {
                    class = false;
                    j += 1
                }
                b'/' if !class => {
                    j += 1;
                    while j < self.b.len() && self.b[j].is_ascii_alphabetic() {
                        j += 1;
                    }
                    self.i = j;
                    self.push(K::Str, s, j);
                    return true;
                }
                _ => j += 1,
            }
        }
        false
    }

    /// Python string prefixes (`r"..."`, `f'...'`, `rb"""..."""`) and Rust `r#"..."#`,
    /// `b"..."`: after an identifier `s..i` that is really a prefix, lex the string.
    fn string_prefix(&mut self, s: usize) -> bool {
        let word = &self.text[s..self.i];
        let next = self.peek(0);
        match self.lang {
            Lang::Python => {
                let lw = word.to_ascii_lowercase();
                if (next == b'"' || next == b'\'')
                    && matches!(
                        lw.as_str(),
                        "r" | "b" | "u" | "f" | "rb" | "br" | "fr" | "rf"
                    )
                {
                    let raw = lw.contains('r');
                    let interp = lw.contains('f');
                    self.python_string(s, raw, interp);
                    return true;
                }
                false
            }
            Lang::Rust => {
                if matches!(word, "r" | "br" | "cr") && (next == b'#' || next == b'"') {
                    let mut hashes = 0;
                    let mut j = self.i;
                    while self.b.get(j) == Some(&b'#') {
                        hashes += 1;
                        j += 1;
                    }
                    if self.b.get(j) != Some(&b'"') {
                        return false;
                    }
                    let cs = j + 1;
                    let close = format!("\"{}", "#".repeat(hashes));
                    let ce = memchr::memmem::find(&self.b[cs..], close.as_bytes())
                        .map(|p| cs + p)
                        .unwrap_or(self.b.len());
                    self.i = (ce + close.len()).min(self.b.len());
                    self.count_newlines(s, self.i);
                    self.push_str(s, self.i, cs, ce, true);
                    return true;
                }
                if matches!(word, "b" | "c") && (next == b'"' || next == b'\'') {
                    self.quoted(next);
                    if let Some(t) = self.out.toks.last_mut() {
                        t.s = s;
                    }
                    return true;
                }
                false
            }
            _ => false,
        }
    }

    fn count_newlines(&mut self, from: usize, to: usize) {
        if memchr::memchr(b'\n', &self.b[from..to.min(self.b.len())]).is_some() {
            // A multi-line literal: the next token is on a later line.
            self.nl = false;
        }
    }

    fn python_string(&mut self, s: usize, raw: bool, interp: bool) {
        let q = self.b[self.i];
        let triple = self.peek(1) == q && self.peek(2) == q;
        let open = if triple { 3 } else { 1 };
        let cs = self.i + open;
        let mut j = cs;
        let mut plain = !interp;
        loop {
            if j >= self.b.len() {
                let j = self.b.len();
                self.i = j;
                self.push_str(s, j, cs.min(j), j, false);
                return;
            }
            let c = self.b[j];
            if c == b'\\' {
                if !raw {
                    plain = false;
                }
                j += 2;
                continue;
            }
            if c == b'\n' && !triple {
                // Unterminated single-line string.
                self.i = j;
                self.push_str(s, j, cs, j, false);
                return;
            }
            if c == q
                && (!triple || (self.b.get(j + 1) == Some(&q) && self.b.get(j + 2) == Some(&q)))
            {
                let end = j + open;
                self.i = end;
                self.push_str(s, end, cs, j, plain);
                return;
            }
            j += 1;
        }
    }

    /// `"..."` and `'...'` in every language (Python's triple quotes and Java/Kotlin text
    /// blocks included); Rust `'a` lifetimes are told from char literals.
    fn quoted(&mut self, q: u8) {
        let s = self.i;
        if self.lang == Lang::Python {
            self.python_string(s, false, false);
            return;
        }
        if self.lang == Lang::Rust && q == b'\'' {
            // `'a'`, `'\n'`, `'\u{1F600}'` are chars; `'a` (no closing quote right after one
            // character) is a lifetime or label.
            let rest = &self.text[s + 1..];
            let mut chars = rest.char_indices();
            let is_char = match chars.next() {
                Some((_, '\\')) => true,
                Some((_, _)) => chars.next().is_some_and(|(_, c)| c == '\''),
                None => false,
            };
            if !is_char {
                self.i += 1;
                self.push(K::Punct, s, self.i);
                return;
            }
        }
        let triple = matches!(self.lang, Lang::Java | Lang::Kotlin)
            && q == b'"'
            && self.peek(1) == b'"'
            && self.peek(2) == b'"';
        let open = if triple { 3 } else { 1 };
        let cs = s + open;
        let mut j = cs;
        let mut plain = true;
        loop {
            if j >= self.b.len() {
                let j = self.b.len();
                self.i = j;
                self.push_str(s, j, cs.min(j), j, false);
                return;
            }
            let c = self.b[j];
            if c == b'\\' {
                plain = false;
                j += 2;
                continue;
            }
            if c == b'\n' && !triple && self.lang != Lang::Rust {
                self.i = j;
                self.push_str(s, j, cs, j, false);
                return;
            }
            if (c == b'$' && self.lang == Lang::Kotlin)
                || (c == b'#' && self.lang == Lang::Ruby && self.b.get(j + 1) == Some(&b'{'))
            {
                plain = false;
            }
            if c == q
                && (!triple || (self.b.get(j + 1) == Some(&q) && self.b.get(j + 2) == Some(&q)))
            {
                let end = j + open;
                self.i = end.min(self.b.len());
                self.push_str(s, self.i, cs, j, plain);
                return;
            }
            j += 1;
        }
    }

    /// Go raw strings and Kotlin's backtick identifiers: everything up to the next backtick.
    fn raw_backtick(&mut self) {
        let s = self.i;
        let cs = s + 1;
        let ce = memchr::memchr(b'`', &self.b[cs..])
            .map(|p| cs + p)
            .unwrap_or(self.b.len());
        self.i = (ce + 1).min(self.b.len());
        if self.lang == Lang::Kotlin {
            self.push(K::Ident, s, self.i);
        } else {
            self.push_str(s, self.i, cs, ce, true);
        }
    }

    /// Inside a JS template literal (after the backtick or after the `}` closing an
    /// interpolation): scan to the closing backtick, or stop at `${` and lex the expression.
    fn template(&mut self, opening: bool) {
        let s = if opening { self.i - 1 } else { self.i };
        let cs = self.i;
        let mut j = self.i;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'`' => {
                    self.i = j + 1;
                    self.push_str(s, self.i, cs, j, opening);
                    return;
                }
                b'$' if self.b.get(j + 1) == Some(&b'{') => {
                    self.push_str(s, j, cs, j, false);
                    self.i = j + 2;
                    self.templates.push(self.depth);
                    return;
                }
                _ => j += 1,
            }
        }
        self.i = self.b.len();
        self.push_str(s, self.i, cs, self.i, false);
    }

    /// Ruby `%w[...]`, `%q(...)`, `%(...)`: a string with the given delimiters.
    fn ruby_percent(&mut self) -> bool {
        let operand_before = self.prev().is_some_and(|t| {
            matches!(t.k, K::Ident | K::Num | K::Str)
                || matches!(&self.text[t.s..t.e], ")" | "]" | "}")
        });
        if operand_before {
            return false;
        }
        let mut j = self.i + 1;
        if matches!(
            self.b.get(j),
            Some(b'q' | b'Q' | b'w' | b'W' | b'i' | b'I' | b'r' | b'x')
        ) {
            j += 1;
        }
        let (open, close) = match self.b.get(j) {
            Some(b'(') => (b'(', b')'),
            Some(b'[') => (b'[', b']'),
            Some(b'{') => (b'{', b'}'),
            Some(b'<') => (b'<', b'>'),
            Some(&c @ (b'|' | b'!' | b'/')) => (c, c),
            _ => return false,
        };
        let s = self.i;
        let cs = j + 1;
        let mut k = cs;
        let mut depth = 1;
        while k < self.b.len() {
            let c = self.b[k];
            if c == b'\\' {
                k += 2;
                continue;
            }
            if c == close {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            } else if c == open && open != close {
                depth += 1;
            }
            k += 1;
        }
        let ce = k.min(self.b.len());
        self.i = (k + 1).min(self.b.len());
        self.push_str(s, self.i, cs, ce, false);
        true
    }

    /// Ruby `<<~EOS`, `<<-EOS`, `<<EOS`, `<<~'EOS'`: remember the terminator; the body is
    /// skipped at the next line break.
    fn ruby_heredoc_start(&mut self) -> bool {
        if self.peek(1) != b'<' {
            return false;
        }
        let mut j = self.i + 2;
        if matches!(self.b.get(j), Some(b'~' | b'-')) {
            j += 1;
        }
        let quote = matches!(self.b.get(j), Some(b'\'' | b'"'));
        if quote {
            j += 1;
        }
        let start = j;
        while j < self.b.len()
            && (self.b[j].is_ascii_uppercase() || self.b[j] == b'_' || self.b[j].is_ascii_digit())
        {
            j += 1;
        }
        if j == start || !self.b[start].is_ascii_uppercase() {
            return false;
        }
        let term = self.text[start..j].to_string();
        if quote {
            j += 1;
        }
        let s = self.i;
        self.i = j.min(self.b.len());
        self.push_str(s, self.i, s, s, false);
        self.heredocs.push(term);
        true
    }

    fn skip_heredocs(&mut self) {
        let terms = std::mem::take(&mut self.heredocs);
        for term in terms {
            let mut at = self.i;
            loop {
                if at >= self.b.len() {
                    self.i = self.b.len();
                    return;
                }
                let end = self.line_end(at);
                let line = self.text[at..end].trim();
                at = end + 1;
                if line == term {
                    break;
                }
            }
            self.i = at.min(self.b.len());
        }
        self.nl = true;
    }
}

/// Helpers over a token slice.
pub struct Toks<'a> {
    pub text: &'a str,
    pub t: &'a [Tok],
}

impl<'a> Toks<'a> {
    pub fn len(&self) -> usize {
        self.t.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// The text of token `i`, or "" past the end.
    pub fn s(&self, i: usize) -> &'a str {
        self.t
            .get(i)
            .and_then(|t| self.text.get(t.s..t.e))
            .unwrap_or("")
    }

    pub fn is(&self, i: usize, s: &str) -> bool {
        self.s(i) == s
    }

    pub fn kind(&self, i: usize) -> Option<K> {
        self.t.get(i).map(|t| t.k)
    }

    /// The literal content of string token `i`, when it is a plain string that can be a
    /// variable name.
    pub fn name(&self, i: usize) -> Option<&'a str> {
        let t = self.t.get(i)?;
        if t.k != K::Str || !t.plain {
            return None;
        }
        let v = self.text.get(t.cs..t.ce)?;
        valid_name(v).then_some(v)
    }

    /// Index of the bracket closing the one opened at `open`, if any.
    pub fn close_of(&self, open: usize) -> Option<usize> {
        let (o, c) = match self.s(open) {
            "(" => ("(", ")"),
            "[" => ("[", "]"),
            "{" => ("{", "}"),
            _ => return None,
        };
        let mut depth = 0usize;
        for i in open..self.t.len() {
            if self.t[i].k != K::Punct {
                continue;
            }
            let s = self.s(i);
            if s == o {
                depth += 1;
            } else if s == c {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
        }
        None
    }

    /// Index of the bracket opening the one closed at `close`, if any.
    pub fn open_of(&self, close: usize) -> Option<usize> {
        let (o, c) = match self.s(close) {
            ")" => ("(", ")"),
            "]" => ("[", "]"),
            "}" => ("{", "}"),
            _ => return None,
        };
        let mut depth = 0usize;
        for i in (0..=close).rev() {
            if self.t[i].k != K::Punct {
                continue;
            }
            let s = self.s(i);
            if s == c {
                depth += 1;
            } else if s == o {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
        }
        None
    }

    /// Top-level comma-separated argument ranges inside the brackets `open..close`.
    pub fn args(&self, open: usize, close: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut start = open + 1;
        for i in open + 1..close {
            match self.s(i) {
                "(" | "[" | "{" if self.t[i].k == K::Punct => depth += 1,
                ")" | "]" | "}" if self.t[i].k == K::Punct => depth = depth.saturating_sub(1),
                "," if depth == 0 => {
                    out.push((start, i));
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < close {
            out.push((start, close));
        }
        out
    }
}

/// Can `v` be an environment variable name? Letters, digits, `_`, `.`, `-`, not starting
/// with a digit.
pub fn valid_name(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 256
        && v.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, lang: Lang) -> Vec<(K, String)> {
        lex(text, lang)
            .toks
            .iter()
            .map(|t| (t.k, text[t.s..t.e].to_string()))
            .collect()
    }

    fn idents(text: &str, lang: Lang) -> Vec<String> {
        kinds(text, lang)
            .into_iter()
            .filter(|(k, _)| *k == K::Ident)
            .map(|(_, s)| s)
            .collect()
    }

    #[test]
    fn comments_and_strings_hide_code() {
        let js = "a // process.env.X\n/* process.env.Y */ b 'process.env.Z' \"it's\" c";
        assert_eq!(idents(js, Lang::JavaScript), vec!["a", "b", "c"]);
        let py = "a # os.environ['X']\nb = \"\"\"\nos.environ['Y']\n\"\"\" c";
        assert_eq!(idents(py, Lang::Python), vec!["a", "b", "c"]);
        let rb = "=begin\nENV['X']\n=end\na # ENV['Y']\nb";
        assert_eq!(idents(rb, Lang::Ruby), vec!["a", "b"]);
    }

    #[test]
    fn js_templates_lex_their_interpolations() {
        let js = "const u = `${process.env.BASE}/x/${a ? `n${b}` : 'c'}`; d";
        let ids = idents(js, Lang::JavaScript);
        assert!(ids.contains(&"process".to_string()));
        assert!(ids.contains(&"BASE".to_string()));
        assert!(ids.contains(&"b".to_string()));
        assert_eq!(ids.last().unwrap(), "d");
    }

    #[test]
    fn js_regex_literals_do_not_open_strings() {
        let js = "x = s.replace(/'/g, \"\"); y = a / b / c; z";
        let ids = idents(js, Lang::JavaScript);
        assert_eq!(ids.last().unwrap(), "z");
        assert!(ids.contains(&"y".to_string()));
    }

    #[test]
    fn rust_lifetimes_raw_strings_and_nested_comments() {
        let rs = "fn f<'a>(x: &'a str) { /* a /* b */ c */ let s = r#\"quote \" inside\"#; let q = '\"'; g }";
        let ids = idents(rs, Lang::Rust);
        assert_eq!(ids.last().unwrap(), "g");
        assert!(!ids.contains(&"c".to_string()));
    }

    #[test]
    fn ruby_heredocs_and_percent_literals() {
        let rb = "x = <<~SQL\n  it's ENV['NOPE']\nSQL\ny = %w[a b]\nz = 10 % 3\nENV['YES']";
        let ids = idents(rb, Lang::Ruby);
        assert!(!ids.contains(&"NOPE".to_string()));
        assert!(ids.contains(&"z".to_string()));
        assert_eq!(ids.last().unwrap(), "ENV");
    }

    #[test]
    fn depth_and_unterminated_input() {
        let deep = format!("{}x{}", "(".repeat(500), ")".repeat(500));
        assert_eq!(lex(&deep, Lang::Go).max_depth, 500);
        for lang in [
            Lang::Rust,
            Lang::JavaScript,
            Lang::Python,
            Lang::Go,
            Lang::Ruby,
            Lang::Java,
            Lang::Kotlin,
        ] {
            for text in [
                "\"open", "'", "`", "/*", "r#\"", "\"\"\"", "%w[", "<<~EOS\n", "`${", "é'é", "\\",
                "'\\", "=begin", "b'", "f'{", "$", "0x", "1.e",
            ] {
                let l = lex(text, lang);
                for t in &l.toks {
                    assert!(t.e <= text.len() && t.s <= t.e, "{lang:?} {text:?}");
                    assert!(text.get(t.s..t.e).is_some(), "{lang:?} {text:?}");
                    assert!(text.get(t.cs..t.ce).is_some(), "{lang:?} {text:?}");
                }
            }
        }
    }
}
