//! The check that often follows a read without a default:
//!
//! ```text
//! const url = process.env.DATABASE_URL;      url = os.environ.get("DATABASE_URL")
//! if (!url) throw new Error("...");          if not url:
//!                                                raise RuntimeError("...")
//! ```
//!
//! A read assigned to a variable that the next few statements test for absence is required
//! when the branch exits the process, or throws at the top level of the module (where the
//! exception stops the program as it loads); a `throw`/`raise` inside a function fails only
//! the calls that reach it, which may be one branch of many, so the read counts as having
//! no default. A branch that does neither gives a default; a test for presence, optional.

use super::Need;
use super::lex::{K, Toks};

/// Words that stop the process wherever they run.
const EXITS: &[&str] = &["panic", "abort", "exit", "Fatal", "Fatalf", "Fatalln"];

/// Words that fail the code path they are on.
const THROWS: &[&str] = &["throw", "raise"];

/// Tokens that test a value for absence around it.
const NEGATIONS: &[&str] = &[
    "!",
    "not",
    "==",
    "===",
    "is",
    "None",
    "null",
    "undefined",
    "\"\"",
    "''",
];

/// How far ahead (in tokens) the test may be.
const WINDOW: usize = 40;

/// When the read `first..end` (`end` is the token after it) is assigned to a plain variable
/// (`x = ...`, `const x = ...`, `let x = ...`), what the following `if` on that variable
/// says; `None` when there is no such test.
pub fn after_assignment(t: &Toks<'_>, first: usize, end: usize) -> Option<Need> {
    if first < 2 || !t.is(first - 1, "=") || t.kind(first - 2) != Some(K::Ident) {
        return None;
    }
    // The read must be the whole right-hand side.
    if !(t.kind(end).is_none() || t.is(end, ";") || t.t[end].nl) {
        return None;
    }
    let var = t.s(first - 2);
    let limit = (end + WINDOW).min(t.len());
    let mut k = end;
    while k < limit {
        if !(t.is(k, "if") || t.is(k, "unless")) {
            k += 1;
            continue;
        }
        // The condition: its parentheses (C-like languages), else up to `{`, `:` or the line
        // end (Python, Ruby, Go) — at most 12 tokens.
        let paren_end = t.is(k + 1, "(").then(|| t.close_of(k + 1)).flatten();
        let cond_end = match paren_end {
            Some(close) => (close + 1).min(limit),
            None => limit.min(k + 12),
        };
        let mut c = k + 1;
        let mut mentions = false;
        let mut negative = t.is(k, "unless");
        while c < cond_end
            && (paren_end.is_some() || !(t.is(c, "{") || t.is(c, ":") || (c > k + 1 && t.t[c].nl)))
        {
            if t.is(c, var) {
                mentions = true;
            }
            if NEGATIONS.contains(&t.s(c)) || (t.kind(c) == Some(K::Str) && t.t[c].cs == t.t[c].ce)
            {
                negative = true;
            }
            c += 1;
        }
        if !mentions {
            k += 1;
            continue;
        }
        if !negative {
            return Some(Need::Optional);
        }
        let branch = c..(c + 12).min(t.len());
        let exits = branch.clone().any(|j| EXITS.contains(&t.s(j)));
        let throws = branch.clone().any(|j| THROWS.contains(&t.s(j)));
        return Some(if exits || (throws && top_level(t, first - 2)) {
            Need::Required
        } else if throws {
            Need::NoDefault
        } else {
            Need::Defaulted
        });
    }
    None
}

/// Is token `k` at the top level of its module: outside every `{ }` block, and for
/// indentation-scoped code (Python) at column 0?
fn top_level(t: &Toks<'_>, k: usize) -> bool {
    let Some(tok) = t.t.get(k) else {
        return false;
    };
    let line_start = t.text.as_bytes()[..tok.s]
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(0);
    if tok.s != line_start
        && !t.text[line_start..tok.s]
            .trim()
            .chars()
            .all(|c| c.is_alphabetic())
    {
        // Something other than a keyword (`const`, `let`) precedes the name on its line.
        return false;
    }
    let indented = t.text[line_start..tok.s].starts_with([' ', '\t']);
    let mut depth = 0i64;
    for x in &t.t[..k] {
        if x.k != K::Punct {
            continue;
        }
        match &t.text[x.s..x.e] {
            "{" => depth += 1,
            "}" => depth -= 1,
            _ => {}
        }
    }
    depth <= 0 && !indented
}
