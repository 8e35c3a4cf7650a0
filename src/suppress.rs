//! The suppression post-pass: what the report hides, decided after every rule has run.
//!
//! Rules never see ignore comments; they report, and this pass drops the findings that
//!
//! - a rule in `rules.per_path_ignores` (forecast.toml) does not apply to, or
//! - a `forecast-ignore` comment in the finding's file silences.
//!
//! Then the F rules (src/rules/forecast/) look at the comments themselves: a reason is
//! missing (F001), a code is unknown (F002), a code silenced nothing (F003, on request).
//!
//! # Comment syntax
//!
//! ```text
//! -- forecast-ignore M101: reason            SQL, also /* forecast-ignore M101: reason */
//! # forecast-ignore K201, K202: reason       YAML, env, TOML, Dockerfile
//! -- forecast-ignore-file: reason            every rule, the whole file
//! -- forecast-ignore-file M501: reason       one rule, the whole file
//! ```
//!
//! The comment body must start with the directive. Codes are rule codes or slugs, any case,
//! separated by commas (or spaces, when the next word looks like a code); the reason follows a
//! colon. A directive at the end of a line of code covers that line; a directive on a line of
//! its own covers the next line that holds code (blank and comment-only lines are skipped).
//! A SQL statement that starts on a covered line is covered whole, so a comment above a
//! multi-line statement silences a finding on any of its lines.

use globset::{Glob, GlobMatcher};

use crate::catalogue::Catalogue;
use crate::config::Config;
use crate::finding::Finding;
use crate::source::SourceFile;
use crate::span::Span;

/// The directive word.
const KEYWORD: &str = "forecast-ignore";

/// How comments are written in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `-- ...` and `/* ... */`.
    Sql,
    /// `# ...`: YAML, env files, TOML, Dockerfiles, shell.
    Hash,
}

/// The comment syntax of a file, from its path; `None` for files forecast reads no comments in.
pub fn syntax_for(path: &str) -> Option<Syntax> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".sql") {
        return Some(Syntax::Sql);
    }
    let hash = [".yaml", ".yml", ".toml", ".env", ".sh", ".dockerfile"]
        .iter()
        .any(|e| lower.ends_with(e))
        || lower.starts_with(".env")
        || lower.starts_with("dockerfile")
        || lower.starts_with("containerfile");
    hash.then_some(Syntax::Hash)
}

/// One analysed file, with what the suppression pass needs to read its comments.
#[derive(Debug, Clone)]
pub struct Commented<'a> {
    pub source: &'a SourceFile,
    /// Every comment in the file, markers included (`-- x`, `/* x */`, `# x`).
    pub comments: Vec<Span>,
    /// Units a directive covers whole when they start on a covered line (SQL statements).
    pub units: Vec<Span>,
}

impl<'a> Commented<'a> {
    /// A file whose comments the caller has (the SQL parser keeps them).
    pub fn new(source: &'a SourceFile, comments: Vec<Span>, units: Vec<Span>) -> Self {
        Commented {
            source,
            comments,
            units,
        }
    }

    /// A file whose comments are found here, by its syntax; `None` when forecast reads no
    /// comments in files of its kind.
    pub fn scan(source: &'a SourceFile) -> Option<Self> {
        let syntax = syntax_for(&source.path)?;
        // Comments matter only where a directive may be: most files hold none.
        let comments = if !may_hold_directive(&source.text) {
            Vec::new()
        } else {
            match syntax {
                Syntax::Sql => sql_comments(&source.text),
                Syntax::Hash => hash_comments(&source.text),
            }
        };
        Some(Commented {
            source,
            comments,
            units: Vec::new(),
        })
    }
}

/// A rule code (or slug) written in a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveCode {
    /// As written.
    pub text: String,
    pub span: Span,
    /// The rule's code, when `text` names a rule.
    pub rule: Option<String>,
    /// It silenced at least one finding.
    pub used: bool,
}

/// One `forecast-ignore` or `forecast-ignore-file` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// From the directive word to the end of its last code.
    pub span: Span,
    pub file_level: bool,
    pub codes: Vec<DirectiveCode>,
    /// The text after the colon, when not empty.
    pub reason: Option<String>,
    /// Text after the codes that is not a reason (`forecast-ignore M101 because ...`).
    pub stray: Option<String>,
    /// 1-based lines whose findings the directive covers (line-level directives).
    pub lines: Vec<usize>,
    /// Units covered whole.
    pub units: Vec<Span>,
    /// A file-level directive without codes silenced at least one finding.
    pub used_blanket: bool,
}

impl Directive {
    /// Does the directive cover a finding at `span`, starting on `line`?
    fn covers(&self, line: usize, span: Span) -> bool {
        self.file_level
            || self.lines.contains(&line)
            || self
                .units
                .iter()
                .any(|u| u.start <= span.start && span.start < u.end.max(u.start + 1))
    }

    /// A file-level directive that names no code: every rule.
    pub fn is_blanket(&self) -> bool {
        self.file_level && self.codes.is_empty()
    }
}

/// What the pass hid, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Findings silenced by `forecast-ignore` comments.
    pub by_comment: usize,
    /// Findings dropped by `rules.per_path_ignores`.
    pub by_config: usize,
}

/// Comments of a SQL text: `--` to the end of the line and `/* */` (nested, as in
/// PostgreSQL), outside string literals, quoted identifiers and dollar-quoted bodies. Used
/// for SQL files the parser did not read (other dialects); the parser keeps its own.
pub fn sql_comments(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                out.push(Span::new(i, end));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(Span::new(start, i.min(b.len())));
            }
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'$' => {
                // `$tag$ ... $tag$`; a bare `$1` parameter is not a quote.
                let tag_end = b[i + 1..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .map(|n| i + 1 + n);
                match tag_end {
                    Some(e)
                        if b[e] == b'$' && !b[i + 1..e].first().is_some_and(u8::is_ascii_digit) =>
                    {
                        let tag = &b[i..=e];
                        let body = e + 1;
                        let close = find(&b[body..], tag).map_or(b.len(), |n| body + n + tag.len());
                        i = close;
                    }
                    _ => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// `#` comments: a `#` at the start of a line or after whitespace, outside quotes, to the
/// end of the line. Good enough for YAML, env files, TOML and Dockerfiles, where a directive
/// only needs to be found, not every comment.
pub fn hash_comments(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let bytes = content.as_bytes();
        let mut quote: Option<u8> = None;
        for (j, &c) in bytes.iter().enumerate() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                // A quote opens a string only at the start of a value, not inside a word
                // (`it's` in a comment-free YAML value).
                None if (c == b'"' || c == b'\'')
                    && (j == 0 || !bytes[j - 1].is_ascii_alphanumeric()) =>
                {
                    quote = Some(c);
                }
                None if c == b'#' && (j == 0 || bytes[j - 1].is_ascii_whitespace()) => {
                    out.push(Span::new(offset + j, offset + content.len()));
                    break;
                }
                None => {}
            }
        }
        offset += line.len();
    }
    out
}

/// Cheap exit: does the text hold the directive word at all (in the usual cases)?
fn may_hold_directive(text: &str) -> bool {
    ["forecast-ignore", "FORECAST-IGNORE", "Forecast-ignore"]
        .iter()
        .any(|k| memchr::memmem::find(text.as_bytes(), k.as_bytes()).is_some())
}

/// Does a word look like a rule code (`M101`, `k201`) rather than the start of a sentence?
fn looks_like_code(word: &str) -> bool {
    let letters = word.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let digits = word[letters..].chars().all(|c| c.is_ascii_digit());
    (1..=3).contains(&letters) && word.len() > letters && digits
}

/// Parse the directive in one comment, if its body starts with one.
fn parse_directive(text: &str, comment: Span, catalogue: &Catalogue) -> Option<Directive> {
    let raw = comment.slice(text);
    let (body_start, body_end) = if let Some(rest) = raw.strip_prefix("--") {
        (2, 2 + rest.len())
    } else if raw.starts_with("/*") {
        let end = if raw.len() >= 4 && raw.ends_with("*/") {
            raw.len() - 2
        } else {
            raw.len()
        };
        (2, end)
    } else if raw.starts_with('#') {
        (1, raw.len())
    } else {
        (0, raw.len())
    };
    let body = raw.get(body_start..body_end)?;
    let lead = body.len() - body.trim_start_matches([' ', '\t', '*', '-', '#']).len();
    let after_lead = &body[lead..];
    if !after_lead
        .get(..KEYWORD.len())
        .is_some_and(|k| k.eq_ignore_ascii_case(KEYWORD))
    {
        return None;
    }
    let base = comment.start + body_start + lead;
    let mut pos = KEYWORD.len();
    let mut file_level = false;
    if after_lead
        .get(pos..pos + 5)
        .is_some_and(|k| k.eq_ignore_ascii_case("-file"))
    {
        file_level = true;
        pos += 5;
    }
    // The keyword must end here: `forecast-ignored` is a word, not a directive.
    if after_lead[pos..]
        .chars()
        .next()
        .is_some_and(|c| !(c.is_whitespace() || c == ':' || c == ','))
    {
        return None;
    }
    let mut end_of_codes = pos;
    let mut codes = Vec::new();
    let bytes = after_lead.as_bytes();
    let mut after_comma = true;
    loop {
        let mut i = pos;
        let mut saw_comma = false;
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t' || bytes[i] == b',') {
            saw_comma |= bytes[i] == b',';
            i += 1;
        }
        let start = i;
        // A code starts with a letter or digit: `-- expect` after a directive is not one.
        if bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b'_')
            {
                i += 1;
            }
        }
        if start == i {
            pos = start;
            break;
        }
        let word = &after_lead[start..i];
        let take = codes.is_empty()
            || saw_comma
            || after_comma
            || looks_like_code(word)
            || catalogue.find(word).is_some();
        if !take {
            pos = start;
            break;
        }
        after_comma = false;
        codes.push(DirectiveCode {
            text: word.to_string(),
            span: Span::new(base + start, base + i),
            rule: catalogue.find(word).map(|r| r.code.clone()),
            used: false,
        });
        end_of_codes = i;
        pos = i;
    }
    // A second comment marker ends the directive: `-- forecast-ignore M101 -- note` and
    // `# forecast-ignore K201 # note` hold no reason.
    let rest = after_lead[pos..].trim();
    let rest = match rest.find("--").into_iter().chain(rest.find('#')).min() {
        Some(n) if !rest.starts_with(':') => rest[..n].trim(),
        _ => rest,
    };
    let (reason, stray) = match rest.strip_prefix(':') {
        Some(r) => {
            let r = r.trim();
            ((!r.is_empty()).then(|| r.to_string()), None)
        }
        None => (None, (!rest.is_empty()).then(|| rest.to_string())),
    };
    Some(Directive {
        span: Span::new(base, base + end_of_codes),
        file_level,
        codes,
        reason,
        stray,
        lines: Vec::new(),
        units: Vec::new(),
        used_blanket: false,
    })
}

/// Every directive in a file, with the lines and units each covers.
pub fn directives(file: &Commented<'_>, catalogue: &Catalogue) -> Vec<Directive> {
    let src = file.source;
    let text = src.text.as_str();
    if !may_hold_directive(text) {
        return Vec::new();
    }
    let line_count = src.lines.line_count();
    let line_text = |l: usize| -> &str {
        // 1-based line `l`, without its newline.
        let s = src.lines.line_start(l - 1);
        let e = if l < line_count {
            src.lines.line_start(l)
        } else {
            text.len()
        };
        text.get(s..e).unwrap_or("").trim_end_matches(['\n', '\r'])
    };
    // Lines that hold nothing but comments and whitespace.
    let comment_only = |l: usize| -> bool {
        let s = src.lines.line_start(l - 1);
        let line = line_text(l);
        let mut covered = vec![false; line.len()];
        for c in &file.comments {
            let (a, b) = (c.start.max(s), c.end.min(s + line.len()));
            for k in a.saturating_sub(s)..b.saturating_sub(s) {
                if let Some(x) = covered.get_mut(k) {
                    *x = true;
                }
            }
        }
        line.bytes()
            .enumerate()
            .all(|(k, ch)| covered[k] || ch.is_ascii_whitespace())
    };
    let mut out = Vec::new();
    for &comment in &file.comments {
        let Some(mut d) = parse_directive(text, comment, catalogue) else {
            continue;
        };
        if !d.file_level {
            let first = src.line_col(comment.start).line;
            let last = src
                .line_col(comment.end.saturating_sub(1).max(comment.start))
                .line;
            let before = text
                .get(src.lines.line_start(first - 1)..comment.start)
                .unwrap_or("");
            let code_before = !before.trim().is_empty();
            let after_start = comment.end.min(text.len());
            let after = text.get(after_start..).unwrap_or("");
            let code_after = !after.split('\n').next().unwrap_or("").trim().is_empty();
            if code_before {
                d.lines.push(first);
            } else {
                if code_after {
                    d.lines.push(last);
                }
                let mut l = last + 1;
                while l <= line_count {
                    let t = line_text(l);
                    if !t.trim().is_empty() && !comment_only(l) {
                        d.lines.push(l);
                        break;
                    }
                    l += 1;
                }
            }
            d.units = file
                .units
                .iter()
                .filter(|u| d.lines.contains(&src.line_col(u.start).line))
                .copied()
                .collect();
        }
        out.push(d);
    }
    out
}

/// `rules.per_path_ignores`, compiled once per scan.
pub struct PathIgnores {
    entries: Vec<(GlobMatcher, Vec<String>)>,
}

impl PathIgnores {
    pub fn new(config: &Config) -> Self {
        let entries = config
            .rules
            .per_path_ignores
            .iter()
            .filter_map(|(glob, codes)| {
                let m = Glob::new(glob).ok()?.compile_matcher();
                Some((m, codes.iter().map(|c| c.to_ascii_uppercase()).collect()))
            })
            .collect();
        PathIgnores { entries }
    }

    /// Is `code` switched off for files at `path`? Globs match the path as findings carry
    /// it (relative to the scanned root) or relative to the repository root (`prefix` + path).
    pub fn ignored(&self, code: &str, path: &str, prefix: &str) -> bool {
        self.entries.iter().any(|(m, codes)| {
            codes.iter().any(|c| code.starts_with(c.as_str()))
                && (m.is_match(path)
                    || (!prefix.is_empty() && m.is_match(format!("{prefix}{path}"))))
        })
    }
}

/// Apply per-path ignores and inline directives to `findings`, then run the F rules over the
/// directives. `files` are every file the scan analysed (findings in other files are kept as
/// they are). `prefix` is the scanned root inside the repository ([`crate::repo::prefix`]).
/// The result is sorted as [`crate::check::finalize`] sorts.
pub fn apply(
    findings: &mut Vec<Finding>,
    files: &[Commented<'_>],
    config: &Config,
    report_unused: bool,
    prefix: &str,
) -> Outcome {
    let catalogue = Catalogue::embedded();
    let paths = PathIgnores::new(config);
    let mut outcome = Outcome::default();
    let before = findings.len();
    findings.retain(|f| !paths.ignored(&f.code, &f.location.path, prefix));
    outcome.by_config = before - findings.len();

    let mut by_path: std::collections::BTreeMap<&str, (usize, Vec<Directive>)> =
        std::collections::BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        let ds = directives(file, catalogue);
        if !ds.is_empty() {
            by_path.insert(file.source.path.as_str(), (i, ds));
        }
    }
    if by_path.is_empty() {
        return outcome;
    }
    let before = findings.len();
    findings.retain(|f| {
        let Some((_, ds)) = by_path.get_mut(f.location.path.as_str()) else {
            return true;
        };
        let line = f.location.start.line;
        let mut silenced = false;
        for d in ds.iter_mut().filter(|d| d.covers(line, f.location.span)) {
            if d.is_blanket() {
                d.used_blanket = true;
                silenced = true;
            }
            for c in d.codes.iter_mut() {
                if c.rule.as_deref() == Some(f.code.as_str()) {
                    c.used = true;
                    silenced = true;
                }
            }
        }
        !silenced
    });
    outcome.by_comment = before - findings.len();

    let rules: Vec<_> = crate::rules::registry();
    let mut added = Vec::new();
    for (path, (i, ds)) in &by_path {
        let file = &files[*i];
        let is_enabled =
            |code: &str| config.rule_enabled(code) && !paths.ignored(code, path, prefix);
        let cx = crate::rules::IgnoreCtx {
            path,
            directives: ds,
            report_unused,
            enabled: &is_enabled,
        };
        let mut drafts = Vec::new();
        for rule in rules.iter().filter(|r| is_enabled(r.code())) {
            rule.check_ignores(&cx, &mut drafts);
        }
        for d in drafts {
            let Some(meta) = catalogue.get(d.code) else {
                continue;
            };
            added.push(crate::check::make_finding(
                crate::check::FindingParts {
                    meta,
                    source: file.source,
                    span: d.span,
                    message: d.message,
                    label: d.label,
                    related: Vec::new(),
                    safe_alternative: d.safe_alternative,
                    rollback: crate::finding::Rollback {
                        steps: vec!["Nothing to roll back: the comment changes no deploy.".into()],
                        irreversible: false,
                    },
                    vars: Default::default(),
                    multiplier: 1.0,
                    multiplier_reasons: Vec::new(),
                    migration: None,
                },
                config,
            ));
        }
    }
    findings.extend(added);
    crate::check::finalize(findings);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Directive> {
        let src = SourceFile::new("m.sql", text.to_string());
        let file = Commented::scan(&src).unwrap();
        directives(&file, Catalogue::embedded())
    }

    #[test]
    fn codes_reason_and_span() {
        let text =
            "-- forecast-ignore M101, blocking-drop-index: tiny table\nCREATE INDEX i ON t (x);\n";
        let d = &parse(text)[0];
        assert!(!d.file_level);
        assert_eq!(d.codes.len(), 2);
        assert_eq!(d.codes[0].rule.as_deref(), Some("M101"));
        assert_eq!(d.codes[1].rule.as_deref(), Some("M103"));
        assert_eq!(d.reason.as_deref(), Some("tiny table"));
        assert_eq!(
            d.span.slice(text),
            "forecast-ignore M101, blocking-drop-index"
        );
        assert_eq!(d.codes[1].span.slice(text), "blocking-drop-index");
        assert_eq!(d.lines, vec![2]);
    }

    #[test]
    fn no_reason_and_stray_words() {
        let d = &parse("CREATE INDEX i ON t (x); -- forecast-ignore m101 because it is small\n")[0];
        assert_eq!(d.codes.len(), 1);
        assert_eq!(d.codes[0].rule.as_deref(), Some("M101"));
        assert_eq!(d.reason, None);
        assert_eq!(d.stray.as_deref(), Some("because it is small"));
        assert_eq!(d.lines, vec![1]);
    }

    #[test]
    fn unknown_code_is_kept_with_its_span() {
        let text = "-- forecast-ignore M1O1 M102: r\n";
        let d = &parse(text)[0];
        assert_eq!(d.codes.len(), 2);
        assert_eq!(d.codes[0].rule, None);
        assert_eq!(d.codes[0].span.slice(text), "M1O1");
        assert_eq!(d.codes[1].rule.as_deref(), Some("M102"));
    }

    #[test]
    fn file_level_and_blanket() {
        let d = &parse("-- forecast-ignore-file: generated by the ORM\n")[0];
        assert!(d.is_blanket());
        assert_eq!(d.reason.as_deref(), Some("generated by the ORM"));
        let d = &parse("/* forecast-ignore-file M501 */\n")[0];
        assert!(d.file_level && !d.is_blanket());
        assert_eq!(d.reason, None);
    }

    #[test]
    fn not_a_directive() {
        assert!(parse("-- forecast-ignored on purpose\n").is_empty());
        assert!(parse("-- see forecast-ignore docs\n").is_empty());
        assert!(parse("SELECT '-- forecast-ignore M101: x';\n").is_empty());
        assert!(parse("SELECT $$ -- forecast-ignore M101: x $$;\n").is_empty());
    }

    #[test]
    fn own_line_comment_covers_the_next_code_line() {
        let text = "-- forecast-ignore M202: backfilled\n-- more words\n\nALTER TABLE t\n  ADD COLUMN c int NOT NULL;\n";
        let src = SourceFile::new("m.sql", text.to_string());
        let stmt = Span::new(text.find("ALTER").unwrap(), text.len() - 1);
        let file = Commented::new(&src, sql_comments(text), vec![stmt]);
        let d = &directives(&file, Catalogue::embedded())[0];
        assert_eq!(d.lines, vec![4]);
        let add = text.find("ADD").unwrap();
        assert!(d.covers(5, Span::new(add, add + 3)));
    }

    #[test]
    fn block_comment_before_code_on_the_same_line() {
        let d = &parse("/* forecast-ignore M101: r */ CREATE INDEX i ON t (x);\nSELECT 1;\n")[0];
        assert_eq!(d.lines, vec![1, 2]);
    }

    #[test]
    fn hash_comments_skip_quotes_and_words() {
        let text = "a: \"x # y\"\nb: c#d\n# forecast-ignore K201: r\nimage: x # trailing\nit's: fine # c\n";
        let spans: Vec<&str> = hash_comments(text).iter().map(|s| s.slice(text)).collect();
        assert_eq!(
            spans,
            vec!["# forecast-ignore K201: r", "# trailing", "# c"]
        );
    }

    #[test]
    fn crlf_lines() {
        let text = "-- forecast-ignore M101: r\r\nCREATE INDEX i ON t (x);\r\n";
        let d = &parse(text)[0];
        assert_eq!(d.reason.as_deref(), Some("r"));
        assert_eq!(d.lines, vec![2]);
    }

    /// A finding of any family in a `#`-comment file is silenced the same way.
    #[test]
    fn yaml_findings_are_silenced_by_hash_comments() {
        let text = "spec:\n  # forecast-ignore M101: demo of another family\n  replicas: 1\n  image: x # forecast-ignore m101\n";
        let src = SourceFile::new("k8s/deploy.yaml", text.to_string());
        let catalogue = Catalogue::embedded();
        let meta = catalogue.get("M101").unwrap();
        let config = Config::default();
        let finding_at = |needle: &str| {
            let at = text.find(needle).unwrap();
            crate::check::make_finding(
                crate::check::FindingParts {
                    meta,
                    source: &src,
                    span: Span::new(at, at + needle.len()),
                    message: "m".into(),
                    label: "l".into(),
                    related: Vec::new(),
                    safe_alternative: None,
                    rollback: Default::default(),
                    vars: Default::default(),
                    multiplier: 1.0,
                    multiplier_reasons: Vec::new(),
                    migration: None,
                },
                &config,
            )
        };
        let mut findings = vec![
            finding_at("replicas"),
            finding_at("image"),
            finding_at("spec"),
        ];
        let files = vec![Commented::scan(&src).unwrap()];
        let outcome = apply(&mut findings, &files, &config, false, "");
        assert_eq!(outcome.by_comment, 2);
        let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
        // `spec` stays; the reason-less trailing directive is F001.
        assert_eq!(codes, vec!["M101", "F001"]);
    }

    #[test]
    fn hostile_comments_never_panic() {
        let nasty = [
            "/* forecast-ignore M101: never closed",
            "-- forecast-ignoreé M101",
            "-- forecast-ignore\u{a0}M101: nbsp",
            "-- forecast-ignore ,,,,, : commas",
            "-- forecast-ignore M101,",
            "-- forecast-ignore-file",
            "-- forecast-ignore-fileM101",
            "/**/-- forecast-ignore M101: r\n",
            "/* /* forecast-ignore M101: nested */ still */ SELECT 1;",
            "$$ -- forecast-ignore M101 $$",
            "$a$ unterminated -- forecast-ignore M101",
            "'unterminated -- forecast-ignore M101",
            "-- forecast-ignore 日本語: reason",
            "-- FORECAST-IGNORE M101: shouting",
        ];
        for text in nasty {
            let _ = parse(text);
            let src = SourceFile::new("x.yaml", text.replace("--", "#"));
            let c = Commented::scan(&src).unwrap();
            let _ = directives(&c, Catalogue::embedded());
        }
        assert_eq!(parse("-- FORECAST-IGNORE M101: shouting")[0].codes.len(), 1);
        assert!(parse("-- forecast-ignore-fileM101").is_empty());
        let long = format!(
            "-- forecast-ignore {}: r\n",
            vec!["M101"; 10_000].join(", ")
        );
        assert_eq!(parse(&long)[0].codes.len(), 10_000);
    }

    #[test]
    fn syntax_by_path() {
        assert_eq!(syntax_for("db/1.up.sql"), Some(Syntax::Sql));
        assert_eq!(syntax_for("k8s/deploy.yaml"), Some(Syntax::Hash));
        assert_eq!(syntax_for(".env.production"), Some(Syntax::Hash));
        assert_eq!(syntax_for("svc/Dockerfile.prod"), Some(Syntax::Hash));
        assert_eq!(syntax_for("src/main.rs"), None);
    }
}
