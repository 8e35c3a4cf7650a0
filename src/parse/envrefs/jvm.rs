//! Java and Kotlin: `System.getenv("X")`, with what surrounds it (`?: "d"`, `?: throw`, `!!`,
//! `Objects.requireNonNull(...)`, `Optional.ofNullable(...).orElse(...)`), and
//! `System.getenv().getOrDefault("X", d)` / `.get("X")`.

use super::lex::{Toks, lex};
use super::{Extracted, Lang, Need, read};
use crate::span::Span;

pub fn extract(text: &str, lang: Lang) -> Extracted {
    let lexed = lex(text, lang);
    let t = Toks {
        text,
        t: &lexed.toks,
    };
    let mut out = Extracted::default();
    for i in 0..t.len() {
        if !(t.is(i, "System") && t.is(i + 1, ".") && t.is(i + 2, "getenv") && t.is(i + 3, "(")) {
            continue;
        }
        if i > 0 && t.is(i - 1, ".") && !(i > 1 && t.is(i - 2, "lang")) {
            continue;
        }
        // `System.getenv()`: the whole map.
        if t.is(i + 4, ")") {
            let close = i + 4;
            // `System.getenv().get("X")` / `.getOrDefault("X", d)`
            if t.is(close + 1, ".")
                && t.is(close + 3, "(")
                && let Some(name) = t.name(close + 4)
                && let Some(end) = t.close_of(close + 3)
            {
                let span = Span::new(t.t[i].s, t.t[end].e);
                match t.s(close + 2) {
                    "getOrDefault" => {
                        out.refs
                            .push(read(name, span, Need::Defaulted, "System.getenv()"));
                        continue;
                    }
                    "get" => {
                        let need = need_after(&t, i, end + 1);
                        out.refs.push(read(name, span, need, "System.getenv()"));
                        continue;
                    }
                    "containsKey" => {
                        out.refs
                            .push(read(name, span, Need::Optional, "System.getenv()"));
                        continue;
                    }
                    _ => {}
                }
            }
            out.reads_all.push(Span::new(t.t[i].s, t.t[close].e));
            continue;
        }
        let Some(name) = t.name(i + 4) else {
            continue;
        };
        if !t.is(i + 5, ")") {
            continue;
        }
        let close = i + 5;
        let span = Span::new(t.t[i].s, t.t[close].e);
        let need = need_after(&t, i, close + 1);
        out.refs.push(read(name, span, need, "System.getenv"));
    }
    out
}

fn need_after(t: &Toks<'_>, first: usize, end: usize) -> Need {
    match t.s(end) {
        "?:" => {
            return if matches!(t.s(end + 1), "throw" | "error" | "requireNotNull") {
                Need::Required
            } else {
                Need::Defaulted
            };
        }
        "!!" => return Need::Required,
        "?." | "==" | "!=" => return Need::Optional,
        "." => {
            return if t.s(end + 1) == "let" {
                Need::Optional
            } else {
                Need::Required
            };
        }
        _ => {}
    }
    if first >= 2 && t.is(first - 1, "(") {
        let callee = t.s(first - 2);
        match callee {
            "requireNonNull" | "requireNotNull" | "checkNotNull" => return Need::Required,
            "ofNullable" => {
                // `Optional.ofNullable(System.getenv("X")).orElse(d)`
                if let Some(close) = t.close_of(first - 1)
                    && t.is(close + 1, ".")
                {
                    return match t.s(close + 2) {
                        "orElse" | "orElseGet" => Need::Defaulted,
                        "orElseThrow" | "get" => Need::Required,
                        _ => Need::Optional,
                    };
                }
                return Need::Optional;
            }
            "isNullOrEmpty" | "isNullOrBlank" | "isEmpty" | "isBlank" | "hasText" => {
                return Need::Optional;
            }
            _ => {}
        }
    }
    Need::NoDefault
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(text: &str, lang: Lang) -> Vec<(String, Need)> {
        let mut e = extract(text, lang);
        e.refs.sort_by_key(|r| r.span);
        e.refs.into_iter().map(|r| (r.name, r.need)).collect()
    }

    fn r(n: &str, need: Need) -> (String, Need) {
        (n.to_string(), need)
    }

    #[test]
    fn java_reads() {
        let java = r#"
String a = System.getenv("DATABASE_URL");
String b = Objects.requireNonNull(System.getenv("API_KEY"));
String c = Optional.ofNullable(System.getenv("PORT")).orElse("8080");
String d = System.getenv().getOrDefault("HOST", "localhost");
boolean e = System.getenv("X").equals("1");
if (System.getenv("FLAG") != null) {}
Map<String, String> all = System.getenv();
// System.getenv("COMMENT")
"#;
        assert_eq!(
            reads(java, Lang::Java),
            vec![
                r("DATABASE_URL", Need::NoDefault),
                r("API_KEY", Need::Required),
                r("PORT", Need::Defaulted),
                r("HOST", Need::Defaulted),
                r("X", Need::Required),
                r("FLAG", Need::Optional),
            ]
        );
        assert_eq!(extract(java, Lang::Java).reads_all.len(), 1);
    }

    #[test]
    fn kotlin_reads() {
        let kt = r#"
val a = System.getenv("A") ?: "default"
val b = System.getenv("B") ?: throw IllegalStateException("B")
val c = System.getenv("C")!!
val d = System.getenv("D")?.toInt()
val e = "${System.getenv("IN_TEMPLATE")}"
"#;
        assert_eq!(
            reads(kt, Lang::Kotlin),
            vec![
                r("A", Need::Defaulted),
                r("B", Need::Required),
                r("C", Need::Required),
                r("D", Need::Optional),
            ]
        );
    }
}
