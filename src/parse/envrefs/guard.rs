//! The check that often follows a read without a default:
//!
//! ```text
//! const url = process.env.DATABASE_URL;      url = os.environ.get("DATABASE_URL")
//! if (!url) throw new Error("...");          if not url:
//!                                                raise RuntimeError("...")
//! ```
//!
//! A read assigned to a variable that the next few statements test for absence is required
//! when the branch throws or exits, and defaulted otherwise; tested for presence, optional.

use super::Need;
use super::lex::{K, Toks};

/// Words that stop the program or fail the request.
const FAILS: &[&str] = &[
    "throw", "raise", "panic", "abort", "exit", "Fatal", "Fatalf",
];

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
        // The condition: up to `{`, `:` or the line end (Ruby/Python) — at most 12 tokens.
        let mut c = k + 1;
        let mut mentions = false;
        let mut negative = t.is(k, "unless");
        while c < limit && c < k + 12 && !t.is(c, "{") && !t.is(c, ":") && !(c > k + 1 && t.t[c].nl)
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
        let fails = (c..(c + 12).min(t.len())).any(|j| FAILS.contains(&t.s(j)));
        return Some(if fails {
            Need::Required
        } else {
            Need::Defaulted
        });
    }
    None
}
