//! JavaScript and TypeScript: `process.env.X`, `process.env["X"]`, `Bun.env.X`,
//! `const { X, Y = "d" } = process.env`, `import.meta.env.X`, `Deno.env.get("X")`.

use super::lex::{K, Toks, lex};
use super::{Extracted, Lang, Need, Stage, presence, read};
use crate::span::Span;

/// Vite's built-in `import.meta.env` members: not variables.
const VITE_BUILTINS: &[&str] = &["MODE", "BASE_URL", "PROD", "DEV", "SSR"];

pub fn extract(text: &str) -> Extracted {
    let lexed = lex(text, Lang::JavaScript);
    let t = Toks {
        text,
        t: &lexed.toks,
    };
    let mut out = Extracted::default();
    let mut i = 0;
    while i < t.len() {
        // `process.env` / `Bun.env` / `import.meta.env`: `base` is the index of `env`.
        let (base, first, meta) = if (t.is(i, "process") || t.is(i, "Bun"))
            && t.is(i + 1, ".")
            && t.is(i + 2, "env")
            && !(i > 0 && t.is(i - 1, "."))
        {
            (i + 2, i, false)
        } else if t.is(i, "import")
            && t.is(i + 1, ".")
            && t.is(i + 2, "meta")
            && t.is(i + 3, ".")
            && t.is(i + 4, "env")
        {
            (i + 4, i, true)
        } else if t.is(i, "Deno")
            && t.is(i + 1, ".")
            && t.is(i + 2, "env")
            && t.is(i + 3, ".")
            && t.is(i + 4, "get")
            && t.is(i + 5, "(")
        {
            if let Some(name) = t.name(i + 6)
                && let Some(close) = t.close_of(i + 5)
            {
                let span = Span::new(t.t[i].s, t.t[close].e);
                if let Some(need) = need_after(&t, i, close + 1) {
                    out.refs.push(read(name, span, need, "Deno.env.get"));
                }
                i = close + 1;
                continue;
            }
            i += 1;
            continue;
        } else {
            i += 1;
            continue;
        };
        let via = if meta {
            "import.meta.env"
        } else {
            "process.env"
        };
        let mut found: Option<(String, usize)> = None;
        if (t.is(base + 1, ".") || t.is(base + 1, "?.")) && t.kind(base + 2) == Some(K::Ident) {
            found = Some((t.s(base + 2).to_string(), base + 2));
        } else if t.is(base + 1, "[")
            && let Some(name) = t.name(base + 2)
            && t.is(base + 3, "]")
        {
            found = Some((name.to_string(), base + 3));
        } else if t.is(base + 1, ")")
            || t.is(base + 1, ";")
            || t.is(base + 1, ",")
            || t.kind(base + 1).is_none()
            || t.t[base + 1].nl
        {
            // `= process.env` closing a destructuring.
            if first >= 2 && t.is(first - 1, "=") && t.is(first - 2, "}") {
                destructure(&t, first - 2, meta, &mut out);
            }
        }
        if let Some((name, last)) = found {
            if meta && VITE_BUILTINS.contains(&name.as_str()) {
                i = last + 1;
                continue;
            }
            // `"X" in process.env` is a presence test, handled below.
            let span = Span::new(t.t[first].s, t.t[last].e);
            if let Some(mut need) = need_after(&t, first, last + 1) {
                if need == Need::NoDefault
                    && let Some(n) = super::guard::after_assignment(&t, first, last + 1)
                {
                    need = n;
                }
                let mut r = read(&name, span, need, via);
                if meta {
                    r.stage = Stage::Build;
                }
                out.refs.push(r);
            }
            i = last + 1;
            continue;
        }
        // `"X" in process.env`
        if first >= 2
            && t.is(first - 1, "in")
            && let Some(name) = t.name(first - 2)
        {
            let span = Span::new(t.t[first - 2].s, t.t[base].e);
            out.refs.push(presence(name, span, via));
        }
        i = base + 1;
    }
    out
}

/// `const { A, B: b, C = "d", "D-E": de, ...rest } = process.env`: the brace pair closes at
/// `close`.
fn destructure(t: &Toks<'_>, close: usize, meta: bool, out: &mut Extracted) {
    let Some(open) = t.open_of(close) else {
        return;
    };
    let via = if meta {
        "import.meta.env"
    } else {
        "process.env"
    };
    for (s, e) in t.args(open, close) {
        if t.is(s, "...") {
            out.reads_all.push(Span::new(t.t[s].s, t.t[e - 1].e));
            continue;
        }
        let name = match t.kind(s) {
            Some(K::Ident) => t.s(s),
            Some(K::Str) => match t.name(s) {
                Some(n) => n,
                None => continue,
            },
            _ => continue,
        };
        if meta && VITE_BUILTINS.contains(&name) {
            continue;
        }
        // A default is `=` at depth 0 within the entry.
        let defaulted = (s..e).any(|k| t.is(k, "="));
        let need = if defaulted {
            Need::Defaulted
        } else {
            Need::NoDefault
        };
        let mut r = read(name, Span::new(t.t[s].s, t.t[s].e), need, via);
        if meta {
            r.stage = Stage::Build;
        }
        out.refs.push(r);
    }
}

/// What the code around a read `first..end` (`end` is the token after it) does when the
/// variable is unset. `None`: this is a write, not a read.
pub(super) fn need_after(t: &Toks<'_>, first: usize, end: usize) -> Option<Need> {
    let before = first.checked_sub(1).map(|b| t.s(b)).unwrap_or("");
    let before2 = first.checked_sub(2).map(|b| t.s(b)).unwrap_or("");
    match t.s(end) {
        "=" => return None,
        "??=" | "||=" | "&&=" => return None,
        "||" | "??" => return Some(Need::Defaulted),
        "?." | "?" | "&&" | "===" | "!==" | "==" | "!=" => return Some(Need::Optional),
        "!" if !t.t.get(end).is_some_and(|x| x.nl) => return Some(Need::Required),
        "." => return Some(Need::Required),
        _ => {}
    }
    match before {
        "delete" => return None,
        "!" | "!!" | "typeof" => return Some(Need::Optional),
        _ => {}
    }
    if before == "(" && matches!(before2, "if" | "while" | "Boolean") && t.is(end, ")") {
        return Some(Need::Optional);
    }
    // `(process.env.X as Mode) || "plain"`: a parenthesised group's context.
    if before == "(" && (first < 2 || t.kind(first - 2) != Some(K::Ident)) {
        let open = first - 1;
        if let Some(close) = t.close_of(open)
            && let Some(n) = need_after(t, open, close + 1)
            && matches!(n, Need::Defaulted | Need::Optional)
        {
            return Some(n);
        }
    }
    // `Number(process.env.X) || 3`, `parseInt(process.env.X, 10) ?? 3`: the call's context.
    if before == "(" && first >= 2 && t.kind(first - 2) == Some(K::Ident) {
        let open = first - 1;
        if let Some(close) = t.close_of(open)
            && let Some(n) = need_after(t, first - 2, close + 1)
            && matches!(n, Need::Defaulted | Need::Optional)
        {
            return Some(n);
        }
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
    fn member_and_index_reads() {
        let js = r#"
const a = process.env.DATABASE_URL;
const b = process.env["REDIS_URL"] || "redis://localhost";
const c = process.env.PORT ?? 3000;
if (process.env.DEBUG) {}
const d = process.env.TOKEN!;
const e = process.env.LIST.split(",");
const f = process.env.OPT?.trim();
process.env.WRITTEN = "x";
const g = Number(process.env.N) || 1;
const h = `${process.env.BASE}/x`;
// process.env.COMMENTED
const secret = process.env.APP_SECRET;
if (!secret) {
  throw new Error("APP_SECRET is required");
}
const level = process.env.LEVEL;
if (!level) { level = "info" }
function handler() {
  const k = process.env.HANDLER_KEY;
  if (!k) throw new Error("HANDLER_KEY");
}
const cloud = !!process.env.CLOUD_MODE;
const mech = (process.env.SASL_MECHANISM as 'plain' | 'scram') || 'plain';
const wrapped = (process.env.WRAPPED);
"#;
        assert_eq!(
            reads(js),
            vec![
                r("DATABASE_URL", Need::NoDefault),
                r("REDIS_URL", Need::Defaulted),
                r("PORT", Need::Defaulted),
                r("DEBUG", Need::Optional),
                r("TOKEN", Need::Required),
                r("LIST", Need::Required),
                r("OPT", Need::Optional),
                r("N", Need::Defaulted),
                r("BASE", Need::NoDefault),
                r("APP_SECRET", Need::Required),
                r("LEVEL", Need::Defaulted),
                r("HANDLER_KEY", Need::NoDefault),
                r("CLOUD_MODE", Need::Optional),
                r("SASL_MECHANISM", Need::Defaulted),
                r("WRAPPED", Need::NoDefault),
            ]
        );
    }

    #[test]
    fn destructuring_and_build_time() {
        let js = "const { A, B: b, C = 'd', ...rest } = process.env;\nconst u = import.meta.env.VITE_API_URL ?? '';\nconst m = import.meta.env.MODE;\nconst n = process.env.NEXT_PUBLIC_KEY;\n";
        let e = extract(js);
        let names: Vec<(&str, Need, Stage)> = e
            .refs
            .iter()
            .map(|r| (r.name.as_str(), r.need, r.stage))
            .collect();
        assert!(names.contains(&("A", Need::NoDefault, Stage::Runtime)));
        assert!(names.contains(&("B", Need::NoDefault, Stage::Runtime)));
        assert!(names.contains(&("C", Need::Defaulted, Stage::Runtime)));
        assert!(names.contains(&("VITE_API_URL", Need::Defaulted, Stage::Build)));
        assert!(names.contains(&("NEXT_PUBLIC_KEY", Need::NoDefault, Stage::Build)));
        assert!(!names.iter().any(|(n, _, _)| *n == "MODE"));
        assert_eq!(e.refs.len(), 5);
        assert_eq!(e.reads_all.len(), 1);
    }

    #[test]
    fn spans_cover_the_read() {
        let js = "x = process.env.API_KEY;";
        let e = extract(js);
        assert_eq!(e.refs[0].span.slice(js), "process.env.API_KEY");
        let js = "x = process.env['API_KEY'];";
        assert_eq!(extract(js).refs[0].span.slice(js), "process.env['API_KEY']");
    }

    #[test]
    fn presence_test_with_in() {
        let js = "if ('X' in process.env) { use(process.env.X) }";
        let needs: Vec<Need> = super::super::extract(js, Lang::JavaScript)
            .refs
            .iter()
            .map(|r| r.need)
            .collect();
        assert_eq!(needs, vec![Need::Optional, Need::Optional]);
    }

    #[test]
    fn deno() {
        assert_eq!(
            reads("const k = Deno.env.get(\"KEY\");"),
            vec![r("KEY", Need::NoDefault)]
        );
    }
}
