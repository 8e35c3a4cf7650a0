//! Python: `os.environ["X"]`, `os.environ.get("X"[, default])`, `os.getenv("X"[, default])`
//! (also after `from os import environ, getenv`), `"X" in os.environ`, and the fields of
//! pydantic `BaseSettings` classes.

use super::lex::{K, Tok, Toks, lex, valid_name};
use super::{EnvRef, Extracted, Lang, Need, presence, read};
use crate::span::Span;

pub fn extract(text: &str) -> Extracted {
    let lexed = lex(text, Lang::Python);
    let t = Toks {
        text,
        t: &lexed.toks,
    };
    let mut out = Extracted::default();
    let imported = from_os_imports(&t);
    let mut i = 0;
    while i < t.len() {
        // `os.environ` / `environ` (imported) / `os.getenv` / `getenv` (imported).
        let (first, what, next) =
            if t.is(i, "os") && t.is(i + 1, ".") && !(i > 0 && t.is(i - 1, ".")) {
                (i, t.s(i + 2), i + 3)
            } else if t.kind(i) == Some(K::Ident)
                && !(i > 0 && t.is(i - 1, "."))
                && imported
                    .iter()
                    .any(|(local, real)| t.is(i, local) && (real == "environ" || real == "getenv"))
            {
                let real = imported
                    .iter()
                    .find(|(local, _)| t.is(i, local))
                    .map(|(_, r)| r.as_str())
                    .unwrap_or("");
                (i, real, i + 1)
            } else {
                i += 1;
                continue;
            };
        match what {
            "environ" => {
                if t.is(next, "[")
                    && let Some(name) = t.name(next + 1)
                    && t.is(next + 2, "]")
                {
                    let end = next + 2;
                    let span = Span::new(t.t[first].s, t.t[end].e);
                    match t.s(end + 1) {
                        // A write or a delete is not a read.
                        "=" => {}
                        _ if first > 0 && t.is(first - 1, "del") => {}
                        _ => {
                            let need = context(&t, first, end + 1).unwrap_or(Need::Required);
                            out.refs.push(read(name, span, need, "os.environ[]"));
                        }
                    }
                    i = end + 1;
                    continue;
                }
                if t.is(next, ".") && t.is(next + 1, "get") && t.is(next + 2, "(") {
                    if let Some(r) = call(&t, first, next + 2, "os.environ.get") {
                        out.refs.push(r);
                    }
                    i = next + 3;
                    continue;
                }
                // `"X" in os.environ`
                if first >= 2
                    && t.is(first - 1, "in")
                    && let Some(name) = t.name(first - 2)
                {
                    let span = Span::new(t.t[first - 2].s, t.t[next - 1].e);
                    out.refs.push(presence(name, span, "os.environ"));
                }
                // `os.environ.copy()`, `dict(os.environ)`: the whole environment, passed on
                // rather than read; not a read of any one variable.
            }
            "getenv" => {
                if t.is(next, "(")
                    && let Some(r) = call(&t, first, next, "os.getenv")
                {
                    out.refs.push(r);
                }
            }
            _ => {}
        }
        i = next;
    }
    settings_fields(&t, &mut out);
    out
}

/// `from os import environ, getenv as ge`: (local name, real name).
fn from_os_imports(t: &Toks<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..t.len() {
        if !(t.is(i, "from") && t.is(i + 1, "os") && t.is(i + 2, "import")) {
            continue;
        }
        let mut j = i + 3;
        let paren = t.is(j, "(");
        if paren {
            j += 1;
        }
        while j < t.len() {
            if !paren && t.t[j].nl {
                break;
            }
            if t.is(j, ")") {
                break;
            }
            if t.kind(j) == Some(K::Ident) {
                let real = t.s(j).to_string();
                if t.is(j + 1, "as") && t.kind(j + 2) == Some(K::Ident) {
                    out.push((t.s(j + 2).to_string(), real));
                    j += 3;
                    continue;
                }
                out.push((real.clone(), real));
            }
            j += 1;
        }
    }
    out
}

/// `os.getenv("X")`, `os.getenv("X", default)`, `os.environ.get("X", default=...)`: the
/// call's parentheses open at `open`.
fn call(t: &Toks<'_>, first: usize, open: usize, via: &'static str) -> Option<EnvRef> {
    let close = t.close_of(open)?;
    let args = t.args(open, close);
    let (s, e) = *args.first()?;
    if e != s + 1 {
        return None;
    }
    let name = t.name(s)?;
    let default = args.get(1).map(|&(s, e)| {
        if t.is(s, "default") && t.is(s + 1, "=") {
            (s + 2, e)
        } else {
            (s, e)
        }
    });
    let span = Span::new(t.t[first].s, t.t[close].e);
    let need = match default {
        Some((s, e)) if !(e == s + 1 && t.is(s, "None")) => Need::Defaulted,
        _ => context(t, first, close + 1)
            .or_else(|| super::guard::after_assignment(t, first, close + 1))
            .unwrap_or(Need::NoDefault),
    };
    Some(read(name, span, need, via))
}

/// What surrounds a read `first..end` (`end` is the token after it), when it decides.
fn context(t: &Toks<'_>, first: usize, end: usize) -> Option<Need> {
    let after = t.s(end);
    let after_nl = t.t.get(end).is_some_and(|x| x.nl);
    if !after_nl {
        match after {
            "or" => return Some(Need::Defaulted),
            "==" | "!=" | "is" | "and" => return Some(Need::Optional),
            ":" if first > 0 && matches!(t.s(first - 1), "if" | "elif" | "while") => {
                return Some(Need::Optional);
            }
            _ => {}
        }
    }
    if first > 0 && matches!(t.s(first - 1), "not" | "if" | "elif" | "bool") {
        return Some(Need::Optional);
    }
    if first > 1 && t.is(first - 1, "(") && t.is(first - 2, "bool") {
        return Some(Need::Optional);
    }
    None
}

/// The column of token `k` (0-based, in bytes) on its line.
fn column(t: &Toks<'_>, k: &Tok) -> usize {
    let before = &t.text.as_bytes()[..k.s];
    match memchr::memrchr(b'\n', before) {
        Some(nl) => k.s - nl - 1,
        None => k.s,
    }
}

/// pydantic `BaseSettings` subclasses: each annotated field is a variable named after it
/// (with the class's `env_prefix`, or its `alias`), matched whatever the case unless the
/// class sets `case_sensitive=True`.
fn settings_fields(t: &Toks<'_>, out: &mut Extracted) {
    for i in 0..t.len() {
        if !(t.is(i, "class") && t.kind(i + 1) == Some(K::Ident) && t.is(i + 2, "(")) {
            continue;
        }
        let Some(close) = t.close_of(i + 2) else {
            continue;
        };
        let is_settings = (i + 3..close).any(|k| t.is(k, "BaseSettings"));
        if !is_settings || !t.is(close + 1, ":") {
            continue;
        }
        let body_start = close + 2;
        let Some(first) = t.t.get(body_start) else {
            continue;
        };
        if !first.nl {
            continue;
        }
        let indent = column(t, first);
        let class_indent = column(t, &t.t[i]);
        if indent <= class_indent {
            continue;
        }
        // The body: every token up to the first line that is indented less.
        let mut end = body_start;
        while end < t.len() && !(t.t[end].nl && column(t, &t.t[end]) < indent) {
            end += 1;
        }
        let (prefix, case_sensitive) = settings_config(t, body_start, end);
        let mut k = body_start;
        while k < end {
            let tok = t.t[k];
            let at_line = tok.nl && column(t, &tok) == indent;
            if !(at_line && tok.k == K::Ident && t.is(k + 1, ":")) {
                k += 1;
                continue;
            }
            let field = t.s(k);
            // The statement: up to the next token on a new line at this indentation or less.
            let mut stmt_end = k + 1;
            while stmt_end < end && !(t.t[stmt_end].nl && column(t, &t.t[stmt_end]) <= indent) {
                stmt_end += 1;
            }
            let eq = (k + 2..stmt_end).find(|&j| t.is(j, "=") && depth_at(t, k + 2, j) == 0);
            let annotation = k + 2..eq.unwrap_or(stmt_end);
            let skip = field == "model_config"
                || field.starts_with('_')
                || annotation.clone().any(|j| t.is(j, "ClassVar"));
            if skip {
                k = stmt_end;
                continue;
            }
            let optional_type = annotation
                .clone()
                .any(|j| t.is(j, "Optional") || t.is(j, "None"));
            let (mut need, alias) = match eq {
                None => (
                    if optional_type {
                        Need::NoDefault
                    } else {
                        Need::Required
                    },
                    None,
                ),
                Some(eq) => field_default(t, eq + 1, stmt_end),
            };
            if need == Need::Required && optional_type {
                need = Need::NoDefault;
            }
            let name = match alias {
                Some(a) => a.to_string(),
                None => format!("{prefix}{field}"),
            };
            if valid_name(&name) {
                let mut r = read(
                    &name,
                    Span::new(tok.s, tok.e),
                    need,
                    "pydantic settings field",
                );
                r.case_insensitive = !case_sensitive;
                out.refs.push(r);
            }
            k = stmt_end;
        }
    }
}

/// Bracket depth of token `j` relative to `from`.
fn depth_at(t: &Toks<'_>, from: usize, j: usize) -> i32 {
    let mut d = 0i32;
    for k in from..j {
        if t.t[k].k != K::Punct {
            continue;
        }
        match t.s(k) {
            "(" | "[" | "{" => d += 1,
            ")" | "]" | "}" => d -= 1,
            _ => {}
        }
    }
    d
}

/// `= value`: a default, unless it is `Field(...)` (Ellipsis first) or a `Field` without a
/// default. Also returns the field's `alias` / `validation_alias` when it is a string.
fn field_default<'a>(t: &Toks<'a>, s: usize, e: usize) -> (Need, Option<&'a str>) {
    let is_field = (t.is(s, "Field") && t.is(s + 1, "("))
        || (t.is(s + 1, ".") && t.is(s + 2, "Field") && t.is(s + 3, "("));
    if !is_field {
        return (Need::Defaulted, None);
    }
    let open = if t.is(s, "Field") { s + 1 } else { s + 3 };
    let Some(close) = t.close_of(open).filter(|&c| c <= e) else {
        return (Need::Defaulted, None);
    };
    let mut need = Need::Required;
    let mut alias = None;
    for (n, (a, b)) in t.args(open, close).into_iter().enumerate() {
        let kw = (t.kind(a) == Some(K::Ident) && t.is(a + 1, "=")).then(|| t.s(a));
        match kw {
            None if n == 0 && !(b == a + 1 && t.is(a, "...")) => need = Need::Defaulted,
            Some("default") if !(b == a + 3 && t.is(a + 2, "...")) => need = Need::Defaulted,
            Some("default_factory") => need = Need::Defaulted,
            Some("alias" | "validation_alias") => {
                if let Some(v) = t.name(a + 2).filter(|_| b == a + 3) {
                    alias = Some(v);
                }
            }
            _ => {}
        }
    }
    (need, alias)
}

/// `model_config = SettingsConfigDict(env_prefix="APP_", case_sensitive=True)` or a nested
/// `class Config: env_prefix = "APP_"` in the body `s..e`.
fn settings_config(t: &Toks<'_>, s: usize, e: usize) -> (String, bool) {
    let mut prefix = String::new();
    let mut case_sensitive = false;
    for k in s..e {
        if t.is(k, "env_prefix")
            && t.is(k + 1, "=")
            && let Some(tok) = t.t.get(k + 2).filter(|x| x.k == K::Str && x.plain)
        {
            prefix = t.text.get(tok.cs..tok.ce).unwrap_or("").to_string();
        }
        if t.is(k, "case_sensitive") && t.is(k + 1, "=") && t.is(k + 2, "True") {
            case_sensitive = true;
        }
    }
    (prefix, case_sensitive)
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
    fn os_reads() {
        let py = r#"
import os
from os import getenv as ge, environ
a = os.environ["DATABASE_URL"]
b = os.environ.get("REDIS_URL")
c = os.environ.get("PORT", "8000")
d = os.getenv("DEBUG", default="0")
e = os.getenv("TOKEN") or "x"
os.environ["WRITTEN"] = "1"
del os.environ["GONE"]
f = ge("ALIASED")
g = environ["BARE"]
if os.getenv("FLAG"):
    pass
h = os.getenv("NONE_DEFAULT", None)
# os.environ["COMMENT"]
key = os.environ.get("API_KEY")
if not key:
    raise RuntimeError("API_KEY is required")

def handler():
    endpoint = os.environ.get("ENDPOINT")
    if not endpoint:
        raise ValueError("ENDPOINT must be provided")
    token = os.environ.get("TOKEN2")
    if not token:
        sys.exit(1)
"#;
        assert_eq!(
            reads(py),
            vec![
                r("DATABASE_URL", Need::Required),
                r("REDIS_URL", Need::NoDefault),
                r("PORT", Need::Defaulted),
                r("DEBUG", Need::Defaulted),
                r("TOKEN", Need::Defaulted),
                r("ALIASED", Need::NoDefault),
                r("BARE", Need::Required),
                r("FLAG", Need::Optional),
                r("NONE_DEFAULT", Need::NoDefault),
                r("API_KEY", Need::Required),
                r("ENDPOINT", Need::NoDefault),
                r("TOKEN2", Need::Required),
            ]
        );
    }

    #[test]
    fn pydantic_settings_fields() {
        let py = r#"
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="APP_")
    API_V1_STR: str = "/api/v1"
    SECRET_KEY: str
    SENTRY_DSN: HttpUrl | None = None
    MAYBE: Optional[str]
    ITEMS: list[str] = Field(default_factory=list)
    NEEDED: int = Field(..., description="x")
    ALIASED: str = Field(alias="REAL_NAME")
    _private: str = "x"

    @property
    def computed(self) -> str:
        x: int = 3
        return "y"

class NotSettings(BaseModel):
    IGNORED: str
"#;
        let e = extract(py);
        let got: Vec<(String, Need, bool)> = e
            .refs
            .iter()
            .map(|r| (r.name.clone(), r.need, r.case_insensitive))
            .collect();
        assert_eq!(
            got,
            vec![
                ("APP_API_V1_STR".into(), Need::Defaulted, true),
                ("APP_SECRET_KEY".into(), Need::Required, true),
                ("APP_SENTRY_DSN".into(), Need::Defaulted, true),
                ("APP_MAYBE".into(), Need::NoDefault, true),
                ("APP_ITEMS".into(), Need::Defaulted, true),
                ("APP_NEEDED".into(), Need::Required, true),
                ("REAL_NAME".into(), Need::Required, true),
            ]
        );
        assert_eq!(e.refs[1].span.slice(py), "SECRET_KEY");
    }
}
