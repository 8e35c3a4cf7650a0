//! Rust, parsed with `syn`: `std::env::var`/`var_os` (also through `use std::env::var`),
//! `dotenvy::var`, `std::env::vars()`, `env!`, `option_env!`, reads inside macro arguments
//! (`println!`, `format!`, ...), clap's `#[arg(env = "X")]`, and `const NAME: &str = "X"`
//! used as the name. Whether a read has a default comes from the method chain around it:
//! `unwrap_or*`, `map_or*` and `or*` give a default; `ok`, `is_ok`, `is_some` test for it;
//! `unwrap`, `expect` and `?` require it.
//!
//! A file syn cannot parse, or one nested deeper than [`MAX_SYN_DEPTH`] (syn's parser
//! recurses), goes through the token scanner instead.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Token};

use super::lex::{K, Toks, lex};
use super::{EnvRef, Extracted, Lang, Need, Stage, read};
use crate::span::Span;

/// Deeper bracket nesting than this is not handed to syn.
pub const MAX_SYN_DEPTH: usize = 96;

pub fn extract(text: &str) -> Extracted {
    let lexed = lex(text, Lang::Rust);
    if lexed.max_depth > MAX_SYN_DEPTH {
        return fallback(text);
    }
    let (body, offset) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (text, 0),
    };
    let parsed = syn::parse_file(body);
    let out = match parsed {
        Ok(file) => {
            let mut consts = Consts::default();
            consts.visit_file(&file);
            let mut v = Visitor {
                offset,
                consts: consts.0,
                imports: BTreeMap::new(),
                handled: BTreeSet::new(),
                out: Extracted::default(),
            };
            imports(&file.items, &mut v.imports);
            v.visit_file(&file);
            v.out
        }
        Err(_) => fallback(text),
    };
    // Spans are only valid until here; free the thread's source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    out
}

fn span_of(s: proc_macro2::Span, offset: usize) -> Span {
    let r = s.byte_range();
    Span::new(r.start + offset, r.end + offset)
}

/// `const NAME: &str = "X";` and `static NAME: &str = "X";` anywhere in the file.
#[derive(Default)]
struct Consts(BTreeMap<String, String>);

impl<'ast> Visit<'ast> for Consts {
    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        if let Some(v) = lit_str(&c.expr) {
            self.0.insert(c.ident.to_string(), v);
        }
        visit::visit_item_const(self, c);
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        if let Some(v) = lit_str(&s.expr) {
            self.0.insert(s.ident.to_string(), v);
        }
        visit::visit_item_static(self, s);
    }
}

fn lit_str(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Reference(r) => lit_str(&r.expr),
        Expr::Paren(p) => lit_str(&p.expr),
        Expr::Group(g) => lit_str(&g.expr),
        _ => None,
    }
}

/// `use std::env::var;`, `use std::env::{self, var_os as os};`, `use dotenvy::var;`: local
/// function name → what it is.
fn imports(items: &[syn::Item], out: &mut BTreeMap<String, &'static str>) {
    fn walk(tree: &syn::UseTree, path: &mut Vec<String>, out: &mut BTreeMap<String, &'static str>) {
        match tree {
            syn::UseTree::Path(p) => {
                path.push(p.ident.to_string());
                walk(&p.tree, path, out);
                path.pop();
            }
            syn::UseTree::Name(n) => {
                if let Some(via) = env_fn(path, &n.ident.to_string()) {
                    out.insert(n.ident.to_string(), via);
                }
            }
            syn::UseTree::Rename(r) => {
                if let Some(via) = env_fn(path, &r.ident.to_string()) {
                    out.insert(r.rename.to_string(), via);
                }
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    walk(t, path, out);
                }
            }
            syn::UseTree::Glob(_) => {
                if path.last().is_some_and(|l| l == "env") {
                    out.insert("var".into(), "std::env::var");
                    out.insert("var_os".into(), "std::env::var_os");
                    out.insert("vars".into(), "std::env::vars");
                }
            }
        }
    }
    for item in items {
        match item {
            syn::Item::Use(u) => walk(&u.tree, &mut Vec::new(), out),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    imports(items, out);
                }
            }
            _ => {}
        }
    }
}

/// The function `module::name` is, if it reads the environment.
fn env_fn(module: &[String], name: &str) -> Option<&'static str> {
    let m = module.last().map(String::as_str).unwrap_or("");
    match (m, name) {
        ("env", "var") => Some("std::env::var"),
        ("env", "var_os") => Some("std::env::var_os"),
        ("env", "vars") | ("env", "vars_os") => Some("std::env::vars"),
        ("dotenvy" | "dotenv", "var") => Some("dotenvy::var"),
        ("dotenvy" | "dotenv", "vars") => Some("std::env::vars"),
        _ => None,
    }
}

struct Visitor {
    offset: usize,
    consts: BTreeMap<String, String>,
    imports: BTreeMap<String, &'static str>,
    /// Start offsets of calls already classified from an enclosing chain.
    handled: BTreeSet<usize>,
    out: Extracted,
}

/// A call that reads one variable: (name, via).
struct EnvCall {
    name: String,
    via: &'static str,
}

impl Visitor {
    /// What `e` calls, if it is `std::env::var("X")` and friends.
    fn env_call(&mut self, e: &Expr) -> Option<EnvCall> {
        let Expr::Call(call) = e else {
            return None;
        };
        let Expr::Path(p) = &*call.func else {
            return None;
        };
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let last = segs.last()?;
        let via = if segs.len() >= 2 {
            env_fn(&segs[..segs.len() - 1], last)?
        } else {
            *self.imports.get(last)?
        };
        if via == "std::env::vars" {
            if call.args.is_empty() && self.handled.insert(span_of(e.span(), self.offset).start) {
                let span = span_of(e.span(), self.offset);
                self.out.reads_all.push(span);
            }
            return None;
        }
        if call.args.len() != 1 {
            return None;
        }
        let arg = call.args.first()?;
        let name = match lit_str(arg) {
            Some(n) => n,
            None => match arg {
                Expr::Path(p) if p.path.segments.len() == 1 => self
                    .consts
                    .get(&p.path.segments[0].ident.to_string())?
                    .clone(),
                _ => return None,
            },
        };
        if !super::lex::valid_name(&name) {
            return None;
        }
        Some(EnvCall { name, via })
    }

    fn record(&mut self, call: EnvCall, e: &Expr, need: Need) {
        let span = span_of(e.span(), self.offset);
        if !self.handled.insert(span.start) {
            return;
        }
        self.out.refs.push(read(&call.name, span, need, call.via));
    }
}

/// The expression under a chain of method calls, and the methods from the inside out.
fn base_of(mut e: &Expr) -> (&Expr, Vec<String>) {
    let mut methods = Vec::new();
    loop {
        match e {
            Expr::MethodCall(m) => {
                methods.push(m.method.to_string());
                e = &m.receiver;
            }
            Expr::Paren(p) => e = &p.expr,
            Expr::Group(g) => e = &g.expr,
            _ => break,
        }
    }
    methods.reverse();
    (e, methods)
}

/// The first method that decides what happens when the variable is unset; `?` at the end
/// (`tried`) makes it required.
fn decide<S: AsRef<str>>(methods: &[S], tried: bool) -> Need {
    for m in methods {
        match m.as_ref() {
            "unwrap" | "expect" | "unwrap_unchecked" => return Need::Required,
            "ok" | "is_ok" | "is_err" | "is_some" | "is_none" | "err" | "is_some_and"
            | "is_ok_and" | "is_none_or" => return Need::Optional,
            "unwrap_or" | "unwrap_or_else" | "unwrap_or_default" | "map_or" | "map_or_else"
            | "or" | "or_else" => return Need::Defaulted,
            "map" | "map_err" | "context" | "with_context" | "wrap_err" | "wrap_err_with"
            | "and_then" | "as_deref" | "as_ref" | "into_string" | "to_str" | "ok_or"
            | "ok_or_else" | "inspect" | "inspect_err" | "filter" => continue,
            _ => break,
        }
    }
    if tried {
        Need::Required
    } else {
        Need::Optional
    }
}

impl<'ast> Visit<'ast> for Visitor {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Try(t) => {
                let (base, methods) = base_of(&t.expr);
                if let Some(call) = self.env_call(base) {
                    self.record(call, base, decide(&methods, true));
                }
            }
            Expr::MethodCall(_) => {
                let (base, methods) = base_of(e);
                if let Some(call) = self.env_call(base) {
                    self.record(call, base, decide(&methods, false));
                }
            }
            Expr::Call(_) => {
                if let Some(call) = self.env_call(e) {
                    // Bound, matched or passed on: the Result is handled somewhere.
                    self.record(call, e, Need::Optional);
                }
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        match name.as_str() {
            "env" | "option_env" => {
                let first: Option<syn::LitStr> = m
                    .parse_body_with(|input: syn::parse::ParseStream<'_>| {
                        let lit: syn::LitStr = input.parse()?;
                        let _: TokenStream = input.parse()?;
                        Ok(lit)
                    })
                    .ok();
                if let Some(lit) = first
                    && super::lex::valid_name(&lit.value())
                {
                    let span = span_of(m.span(), self.offset);
                    let (need, via) = if name == "env" {
                        (Need::Required, "env!")
                    } else {
                        (Need::Optional, "option_env!")
                    };
                    let mut r = read(&lit.value(), span, need, via);
                    r.stage = Stage::Build;
                    self.out.refs.push(r);
                }
            }
            _ => {
                // Format-like macros: their arguments are expressions.
                if let Ok(args) = m.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                {
                    for a in &args {
                        self.visit_expr(a);
                    }
                }
            }
        }
        visit::visit_macro(self, m);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) {
            visit::visit_item_fn(self, f);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test(&f.attrs) {
            visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_field(&mut self, f: &'ast syn::Field) {
        for attr in &f.attrs {
            if let Some(r) = clap_env(attr, f, self.offset) {
                self.out.refs.push(r);
            }
        }
        visit::visit_field(self, f);
    }
}

/// `#[cfg(test)]`, `#[test]`, `#[tokio::test]`, `#[rstest]`: test code inside a source file.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let last = a
            .path()
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        match last.as_str() {
            "test" | "rstest" | "bench" => true,
            "cfg" => a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"),
            _ => false,
        }
    })
}

/// clap's `#[arg(env = "X")]` / `#[arg(long, env)]` / `#[clap(env = "X")]` on a field.
fn clap_env(attr: &syn::Attribute, f: &syn::Field, offset: usize) -> Option<EnvRef> {
    let path = attr.path().get_ident()?.to_string();
    if !matches!(path.as_str(), "arg" | "clap" | "structopt") {
        return None;
    }
    let mut env: Option<(Option<String>, proc_macro2::Span)> = None;
    let mut defaulted = false;
    let mut flag = false;
    let mut from_cli = false;
    let _ = attr.parse_nested_meta(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        if meta.input.peek(Token![=]) {
            let value: Expr = meta.value()?.parse()?;
            match key.as_str() {
                "env" => env = Some((lit_str(&value), value.span())),
                "action" => {
                    let text = quote_text(&value);
                    if ["SetTrue", "SetFalse", "Count", "Append"]
                        .iter()
                        .any(|a| text.contains(a))
                    {
                        flag = true;
                    }
                }
                "long" | "short" => from_cli = true,
                k if k.starts_with("default_value") || k == "default_missing_value" => {
                    defaulted = true
                }
                _ => {}
            }
        } else if meta.input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in meta.input);
            let _: TokenStream = content.parse()?;
        } else {
            match key.as_str() {
                "env" => env = Some((None, meta.path.span())),
                "long" | "short" => from_cli = true,
                k if k.starts_with("default_value") => defaulted = true,
                _ => {}
            }
        }
        Ok(())
    });
    let (name, span) = env?;
    let name = match name {
        Some(n) => n,
        None => f.ident.as_ref()?.to_string().to_ascii_uppercase(),
    };
    if !super::lex::valid_name(&name) {
        return None;
    }
    let ty = quote_text(&f.ty);
    let optional_type = ty.starts_with("Option") || ty == "bool" || ty.starts_with("Vec");
    let need = if defaulted {
        Need::Defaulted
    } else if optional_type || flag {
        Need::Optional
    } else if from_cli {
        // The value can come from the command line instead.
        Need::NoDefault
    } else {
        Need::Required
    };
    let mut r = read(&name, span_of(span, offset), need, "clap `env`");
    r.stage = Stage::Runtime;
    Some(r)
}

fn quote_text<T: quote::ToTokens>(t: &T) -> String {
    t.to_token_stream().to_string().replace(' ', "")
}

/// `other::env!(...)`: a macro of another crate, not the standard library's.
fn foreign_path(t: &Toks<'_>, i: usize) -> bool {
    i >= 1 && t.is(i - 1, "::") && !(i >= 2 && matches!(t.s(i - 2), "std" | "core"))
}

/// The token scanner for Rust that syn could not parse: `env::var("X")`, `var_os`,
/// `dotenvy::var`, `env!`, `option_env!`, classified by the method chain that follows.
fn fallback(text: &str) -> Extracted {
    let lexed = lex(text, Lang::Rust);
    let t = Toks {
        text,
        t: &lexed.toks,
    };
    let mut out = Extracted::default();
    for i in 0..t.len() {
        // Macros.
        if (t.is(i, "env") || t.is(i, "option_env"))
            && t.is(i + 1, "!")
            && t.is(i + 2, "(")
            && let Some(name) = t.name(i + 3)
            && let Some(close) = t.close_of(i + 2)
            && !foreign_path(&t, i)
        {
            let span = Span::new(t.t[i].s, t.t[close].e);
            let (need, via) = if t.is(i, "env") {
                (Need::Required, "env!")
            } else {
                (Need::Optional, "option_env!")
            };
            let mut r = read(name, span, need, via);
            r.stage = Stage::Build;
            out.refs.push(r);
            continue;
        }
        // `env::var(...)`, `dotenvy::var(...)`.
        if !(t.is(i + 1, "::") && t.is(i + 3, "(")) {
            continue;
        }
        let module = vec![t.s(i).to_string()];
        let Some(via) = env_fn(&module, t.s(i + 2)) else {
            continue;
        };
        if via == "std::env::vars" {
            if t.is(i + 4, ")") {
                out.reads_all.push(Span::new(t.t[i].s, t.t[i + 4].e));
            }
            continue;
        }
        let Some(name) = t.name(i + 4) else {
            continue;
        };
        if !t.is(i + 5, ")") {
            continue;
        }
        let close = i + 5;
        // The chain that follows: `.method(...)` calls and a `?`.
        let mut methods = Vec::new();
        let mut k = close + 1;
        let mut tried = false;
        loop {
            if t.is(k, "?") || t.is(k, "?.") {
                tried = true;
                break;
            }
            if t.is(k, ".") && t.kind(k + 1) == Some(K::Ident) {
                methods.push(t.s(k + 1));
                k += 2;
                if t.is(k, "::") {
                    // turbofish
                    while k < t.len() && !t.is(k, "(") {
                        k += 1;
                    }
                }
                if t.is(k, "(") {
                    match t.close_of(k) {
                        Some(c) => k = c + 1,
                        None => break,
                    }
                }
                continue;
            }
            break;
        }
        // A `?` after a deciding method belongs to what the method returns.
        let need = decide(&methods, tried);
        let span = Span::new(t.t[i].s, t.t[close].e);
        out.refs.push(read(name, span, need, via));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(text: &str) -> Vec<(String, Need, Stage)> {
        let mut e = extract(text);
        e.refs.sort_by_key(|r| r.span);
        e.refs
            .into_iter()
            .map(|r| (r.name, r.need, r.stage))
            .collect()
    }

    fn r(n: &str, need: Need) -> (String, Need, Stage) {
        (n.to_string(), need, Stage::Runtime)
    }

    const SAMPLE: &str = r#"
use std::env;
use std::env::var_os as os_var;

const KEY: &str = "API_KEY";

fn main() -> anyhow::Result<()> {
    let a = std::env::var("DATABASE_URL").expect("set DATABASE_URL");
    let b = env::var("PORT").unwrap_or_else(|_| "8080".into());
    let c: u16 = env::var("WORKERS")?.parse()?;
    let d = env::var("DEBUG").ok();
    let e = env::var(KEY).context("no key")?;
    let f = os_var("HOME_DIR").is_some();
    let g = dotenvy::var("REDIS_URL").unwrap();
    match env::var("MODE") { Ok(_) => {}, Err(_) => {} }
    println!("{}", env::var("IN_MACRO").unwrap());
    let h = env!("CARGO_PKG_VERSION");
    let i = option_env!("GIT_SHA");
    let all: Vec<_> = env::vars().collect();
    // env::var("COMMENTED").unwrap()
    let s = "env::var(\"IN_STRING\")";
    Ok(())
}
"#;

    #[test]
    fn syn_reads() {
        let got = reads(SAMPLE);
        assert_eq!(
            got,
            vec![
                r("DATABASE_URL", Need::Required),
                r("PORT", Need::Defaulted),
                r("WORKERS", Need::Required),
                r("DEBUG", Need::Optional),
                r("API_KEY", Need::Required),
                r("HOME_DIR", Need::Optional),
                r("REDIS_URL", Need::Required),
                r("MODE", Need::Optional),
                r("IN_MACRO", Need::Required),
                ("CARGO_PKG_VERSION".into(), Need::Required, Stage::Build),
                ("GIT_SHA".into(), Need::Optional, Stage::Build),
            ]
        );
        let e = extract(SAMPLE);
        assert_eq!(e.reads_all.len(), 1);
        let db = e.refs.iter().find(|r| r.name == "DATABASE_URL").unwrap();
        assert_eq!(db.span.slice(SAMPLE), "std::env::var(\"DATABASE_URL\")");
    }

    #[test]
    fn fallback_agrees_on_the_common_forms() {
        let broken = format!("{SAMPLE}\nfn broken( {{");
        let got = reads(&broken);
        for want in [
            r("DATABASE_URL", Need::Required),
            r("PORT", Need::Defaulted),
            r("WORKERS", Need::Required),
            r("DEBUG", Need::Optional),
            r("REDIS_URL", Need::Required),
            r("IN_MACRO", Need::Required),
        ] {
            assert!(got.contains(&want), "{want:?} in {got:?}");
        }
    }

    #[test]
    fn clap_env_attributes() {
        let rs = r#"
#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(env = "API_TOKEN")]
    token: String,
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    #[arg(long, env)]
    log_level: Option<String>,
    #[clap(long, env = "VERBOSE", action = clap::ArgAction::SetTrue)]
    verbose: bool,
}
"#;
        assert_eq!(
            reads(rs),
            vec![
                r("DATABASE_URL", Need::NoDefault),
                r("API_TOKEN", Need::Required),
                r("PORT", Need::Defaulted),
                r("LOG_LEVEL", Need::Optional),
                r("VERBOSE", Need::Optional),
            ]
        );
    }

    #[test]
    fn test_code_in_source_files_is_skipped() {
        let rs = r#"
fn config() -> String { std::env::var("APP_URL").unwrap() }

#[cfg(test)]
mod tests {
    #[test]
    fn reads() { std::env::var("TEST_DATABASE_URL").unwrap(); }
}

#[tokio::test]
async fn integration() { std::env::var("IT_TOKEN").unwrap(); }
"#;
        assert_eq!(reads(rs), vec![r("APP_URL", Need::Required)]);
    }

    #[test]
    fn deep_nesting_goes_to_the_scanner() {
        let deep = format!(
            "fn f() {{ let x = {}1{}; std::env::var(\"X\").unwrap(); }}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        let got = reads(&deep);
        assert_eq!(got, vec![r("X", Need::Required)]);
    }
}
