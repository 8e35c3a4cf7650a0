//! Ruby: `ENV["X"]`, `ENV.fetch("X")` (required), `ENV.fetch("X", default)` and
//! `ENV.fetch("X") { ... }` (defaulted), `ENV.key?("X")` (a presence test).

use super::lex::{K, Toks, lex};
use super::{Extracted, Lang, Need, presence, read};
use crate::span::Span;

/// Methods that are safe to call on `nil`: `ENV["X"].to_s` does not raise.
const NIL_SAFE: &[&str] = &[
    "to_s", "to_i", "to_f", "to_a", "to_h", "nil?", "present?", "blank?", "presence", "inspect",
];

pub fn extract(text: &str) -> Extracted {
    let lexed = lex(text, Lang::Ruby);
    let t = Toks {
        text,
        t: &lexed.toks,
    };
    let mut out = Extracted::default();
    let mut i = 0;
    while i < t.len() {
        let qualified = i > 0
            && (t.is(i - 1, ".")
                || (t.is(i - 1, "::") && i > 1 && t.kind(i - 2) == Some(K::Ident)));
        if !t.is(i, "ENV") || qualified {
            i += 1;
            continue;
        }
        // `ENV["X"]`
        if t.is(i + 1, "[")
            && let Some(name) = t.name(i + 2)
            && t.is(i + 3, "]")
        {
            let end = i + 3;
            let span = Span::new(t.t[i].s, t.t[end].e);
            if let Some(need) = need_after(&t, i, end + 1) {
                out.refs.push(read(name, span, need, "ENV[]"));
            }
            i = end + 1;
            continue;
        }
        if t.is(i + 1, ".") {
            // `key?` lexes as `key` then `?`.
            let predicate = t.is(i + 3, "?") && t.t.get(i + 3).is_some_and(|q| q.s == t.t[i + 2].e);
            let method = if predicate {
                format!("{}?", t.s(i + 2))
            } else {
                t.s(i + 2).to_string()
            };
            let after = if predicate { i + 4 } else { i + 3 };
            let (open, paren) = if t.is(after, "(") {
                (after, true)
            } else {
                (after - 1, false)
            };
            let Some(name) = t.name(open + 1) else {
                i += 1;
                continue;
            };
            let (close, args) = if paren {
                match t.close_of(open) {
                    Some(c) => (c, t.args(open, c).len()),
                    None => {
                        i += 1;
                        continue;
                    }
                }
            } else {
                // `ENV.fetch "X", "d"`: arguments up to the line end.
                let mut c = open + 1;
                let mut n = 1;
                while c + 1 < t.len() && !t.t[c + 1].nl && !t.is(c + 1, "{") && !t.is(c + 1, "do") {
                    c += 1;
                    if t.is(c, ",") {
                        n += 1;
                    }
                }
                (c, n)
            };
            let span = Span::new(t.t[i].s, t.t[close].e);
            match method.as_str() {
                "fetch" => {
                    let block = t.is(close + 1, "{") || t.is(close + 1, "do");
                    let nil_default = args == 2 && paren && t.is(close - 1, "nil");
                    let need = if nil_default {
                        Need::NoDefault
                    } else if args >= 2 || block {
                        Need::Defaulted
                    } else {
                        Need::Required
                    };
                    out.refs.push(read(name, span, need, "ENV.fetch"));
                }
                "key?" | "has_key?" | "include?" | "member?" => {
                    out.refs.push(presence(name, span, "ENV.key?"));
                }
                _ => {}
            }
            i = close + 1;
            continue;
        }
        i += 1;
    }
    out
}

/// What the code after `ENV["X"]` does when it is unset. `None`: a write.
fn need_after(t: &Toks<'_>, first: usize, end: usize) -> Option<Need> {
    let nl = t.t.get(end).is_some_and(|x| x.nl);
    if !nl {
        match t.s(end) {
            "=" | "||=" => return None,
            "||" | "or" => return Some(Need::Defaulted),
            "==" | "!=" | "?" | "&&" | "and" => return Some(Need::Optional),
            "&." => return Some(Need::Optional),
            "." => {
                return Some(if NIL_SAFE.contains(&t.s(end + 1)) {
                    Need::Optional
                } else {
                    Need::Required
                });
            }
            "&" if t.is(end + 1, ".") => return Some(Need::Optional),
            _ => {}
        }
    }
    if first > 0 && matches!(t.s(first - 1), "if" | "unless" | "!" | "not" | "elsif") {
        return Some(Need::Optional);
    }
    Some(Need::NoDefault)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(text: &str) -> Vec<(String, Need)> {
        let mut e = extract(text);
        e.refs.sort_by_key(|r| r.span);
        e.refs.into_iter().map(|r| (r.name, r.need)).collect()
    }

    fn r(n: &str, need: Need) -> (String, Need) {
        (n.to_string(), need)
    }

    #[test]
    fn env_reads() {
        let rb = r#"
a = ENV["DATABASE_URL"]
b = ENV.fetch("SECRET_KEY_BASE")
c = ENV.fetch("PORT", 3000)
d = ENV.fetch("HOST") { "localhost" }
e = ENV["REDIS_URL"] || "redis://"
ENV["WRITTEN"] = "1"
f = ENV.fetch "BARE"
g = ENV['LIST'].split(',')
h = ENV['N'].to_i
if ENV.key?("FLAG") then x = ENV["FLAG"] end
i = ENV.fetch("NIL", nil)
# ENV["COMMENT"]
"#;
        assert_eq!(
            reads(rb),
            vec![
                r("DATABASE_URL", Need::NoDefault),
                r("SECRET_KEY_BASE", Need::Required),
                r("PORT", Need::Defaulted),
                r("HOST", Need::Defaulted),
                r("REDIS_URL", Need::Defaulted),
                r("BARE", Need::Required),
                r("LIST", Need::Required),
                r("N", Need::Optional),
                r("FLAG", Need::Optional),
                r("FLAG", Need::NoDefault),
                r("NIL", Need::NoDefault),
            ]
        );
    }
}
