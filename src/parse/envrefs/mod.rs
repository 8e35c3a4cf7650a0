//! What the code reads from the environment: every read of a variable, with its byte span,
//! whether it has a default, and whether it happens at build time or at run time.
//!
//! Rust is parsed with `syn`; JavaScript/TypeScript, Python, Go, Ruby and Java/Kotlin go
//! through a small lexer ([`lex`]) that knows their comments and strings, and a matcher per
//! language looking for the few access patterns that read the environment. A cheap memchr
//! prefilter ([`might_read_env`]) keeps most files away from any of it.
//!
//! Extraction never fails and never panics: what a matcher does not understand is not a read.

mod go;
mod guard;
mod js;
mod jvm;
pub mod lex;
mod python;
mod ruby;
mod rust;

use std::sync::OnceLock;

use serde::Serialize;

use crate::span::Span;

/// Languages with an env-read scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Rust,
    /// JavaScript and TypeScript, JSX/TSX, and the script part of Vue/Svelte/Astro files.
    JavaScript,
    Python,
    Go,
    Ruby,
    Java,
    Kotlin,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::JavaScript => "javascript",
            Lang::Python => "python",
            Lang::Go => "go",
            Lang::Ruby => "ruby",
            Lang::Java => "java",
            Lang::Kotlin => "kotlin",
        }
    }
}

/// The language of a source file, from its extension.
pub fn lang_of(path: &str) -> Option<Lang> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".min.js") || lower.ends_with(".d.ts") {
        return None;
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "rs" => Lang::Rust,
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" | "vue" | "svelte"
        | "astro" => Lang::JavaScript,
        "py" => Lang::Python,
        "go" => Lang::Go,
        "rb" | "rake" => Lang::Ruby,
        "java" => Lang::Java,
        "kt" | "kts" => Lang::Kotlin,
        _ => return None,
    })
}

/// What happens when the variable is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The read fails: `env::var("X")?`, `.unwrap()`, `.expect()`, `os.environ["X"]`,
    /// `ENV.fetch("X")`, `process.env.X!`, a required settings field, `env!("X")`.
    Required,
    /// No default: the code gets an empty or null value and carries on
    /// (`process.env.X`, `os.Getenv("X")`, `os.getenv("X")`, `System.getenv("X")`).
    NoDefault,
    /// A default is given (`unwrap_or`, `||`, `??`, a second argument, `default_value`).
    Defaulted,
    /// The code tests whether it is set (`.ok()`, `os.LookupEnv`, `if process.env.X`).
    Optional,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Need::Required => "required",
            Need::NoDefault => "no default",
            Need::Defaulted => "defaulted",
            Need::Optional => "optional",
        }
    }

    /// The read has no default and does not test for absence.
    pub fn without_default(self) -> bool {
        matches!(self, Need::Required | Need::NoDefault)
    }
}

/// When the value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Inlined into the build output: `env!`, `option_env!`, `import.meta.env.*`,
    /// `NEXT_PUBLIC_*`, `VITE_*`, `REACT_APP_*`, `EXPO_PUBLIC_*`.
    Build,
    Runtime,
}

/// One read of one variable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EnvRef {
    pub name: String,
    /// The read expression (`std::env::var("X")`, `process.env.X`, a settings field name).
    pub span: Span,
    pub need: Need,
    pub stage: Stage,
    /// How it is read, for messages: `std::env::var`, `process.env`, `os.environ[]`, ...
    pub via: &'static str,
    /// The name matches whatever the case (pydantic settings fields).
    pub case_insensitive: bool,
}

/// Everything extracted from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub refs: Vec<EnvRef>,
    /// Reads of the whole environment (`std::env::vars()`, `System.getenv()`, `...rest` of a
    /// `process.env` destructuring): the file may read any variable.
    pub reads_all: Vec<Span>,
}

/// Public build-time prefixes of the JavaScript frameworks.
pub const BUILD_PREFIXES: &[&str] = &["NEXT_PUBLIC_", "VITE_", "REACT_APP_", "EXPO_PUBLIC_"];

/// Build-time variable by name (a framework's public prefix).
pub fn build_time_name(name: &str) -> bool {
    BUILD_PREFIXES.iter().any(|p| name.starts_with(p))
}

struct Finders {
    env_lower: memchr::memmem::Finder<'static>,
    env_upper: memchr::memmem::Finder<'static>,
    env_title: memchr::memmem::Finder<'static>,
    settings: memchr::memmem::Finder<'static>,
}

fn finders() -> &'static Finders {
    static F: OnceLock<Finders> = OnceLock::new();
    F.get_or_init(|| Finders {
        env_lower: memchr::memmem::Finder::new(b"env"),
        env_upper: memchr::memmem::Finder::new(b"ENV"),
        env_title: memchr::memmem::Finder::new(b"Env"),
        settings: memchr::memmem::Finder::new(b"BaseSettings"),
    })
}

/// The prefilter: can this file read the environment at all? Every pattern the scanners
/// match contains `env`, `Env` or `ENV` (`process.env`, `os.Getenv`, `os.LookupEnv`,
/// `ENV[...]`, `getenv`, `environ`, `env!`), except pydantic settings, which contain
/// `BaseSettings`.
pub fn might_read_env(bytes: &[u8], lang: Lang) -> bool {
    let f = finders();
    f.env_lower.find(bytes).is_some()
        || f.env_upper.find(bytes).is_some()
        || f.env_title.find(bytes).is_some()
        || (lang == Lang::Python && f.settings.find(bytes).is_some())
}

/// Extract the env reads of a file.
pub fn extract(text: &str, lang: Lang) -> Extracted {
    if !might_read_env(text.as_bytes(), lang) {
        return Extracted::default();
    }
    let mut out = match lang {
        Lang::Rust => rust::extract(text),
        Lang::JavaScript => js::extract(text),
        Lang::Python => python::extract(text),
        Lang::Go => go::extract(text),
        Lang::Ruby => ruby::extract(text),
        Lang::Java | Lang::Kotlin => jvm::extract(text, lang),
    };
    settle(&mut out);
    out
}

/// A name the code tests for elsewhere in the same file is guarded there too: a required
/// read of it is downgraded. Sorted, deduplicated.
fn settle(out: &mut Extracted) {
    let tested: std::collections::BTreeSet<String> = out
        .refs
        .iter()
        .filter(|r| r.need == Need::Optional)
        .map(|r| r.name.clone())
        .collect();
    for r in &mut out.refs {
        if r.need.without_default() && tested.contains(&r.name) {
            r.need = Need::Optional;
        }
    }
    out.refs.sort();
    out.refs
        .dedup_by(|a, b| a.span == b.span && a.name == b.name);
    out.reads_all.sort();
    out.reads_all.dedup();
}

/// A read built by the token scanners.
fn read(name: &str, span: Span, need: Need, via: &'static str) -> EnvRef {
    EnvRef {
        name: name.to_string(),
        span,
        need,
        stage: if build_time_name(name) {
            Stage::Build
        } else {
            Stage::Runtime
        },
        via,
        case_insensitive: false,
    }
}

/// A name tested for presence only (`"X" in os.environ`, `ENV.key?("X")`): recorded as an
/// optional read so that reads of it elsewhere in the file count as guarded.
fn presence(name: &str, span: Span, via: &'static str) -> EnvRef {
    read(name, span, Need::Optional, via)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_extension() {
        assert_eq!(lang_of("src/main.rs"), Some(Lang::Rust));
        assert_eq!(lang_of("web/App.tsx"), Some(Lang::JavaScript));
        assert_eq!(lang_of("web/App.vue"), Some(Lang::JavaScript));
        assert_eq!(lang_of("dist/app.min.js"), None);
        assert_eq!(lang_of("types/env.d.ts"), None);
        assert_eq!(lang_of("a/b.kts"), Some(Lang::Kotlin));
        assert_eq!(lang_of("README.md"), None);
    }

    #[test]
    fn prefilter() {
        assert!(might_read_env(b"os.LookupEnv(", Lang::Go));
        assert!(might_read_env(b"ENV['X']", Lang::Ruby));
        assert!(might_read_env(b"class S(BaseSettings):", Lang::Python));
        assert!(!might_read_env(b"class S(BaseSettings):", Lang::Go));
        assert!(!might_read_env(b"fn main() {}", Lang::Rust));
    }

    /// Token soup from the fragments the scanners look for: no panic, every span inside the
    /// text and on character boundaries.
    #[test]
    fn random_fragments_never_panic() {
        const FRAGMENTS: &[&str] = &[
            "process",
            ".",
            "env",
            "[",
            "]",
            "(",
            ")",
            "{",
            "}",
            "\"X\"",
            "'Y'",
            "`",
            "${",
            "os",
            "environ",
            "getenv",
            "Getenv",
            "LookupEnv",
            "ENV",
            "fetch",
            "System",
            "getenv",
            "std::env::var",
            "env!",
            "option_env!",
            "?",
            "!",
            "||",
            "??",
            "=",
            ":=",
            "if",
            "not",
            "raise",
            "throw",
            "\n",
            " ",
            "#",
            "//",
            "/*",
            "*/",
            "\"\"\"",
            "r#\"",
            "é",
            "€",
            "\\",
            "BaseSettings",
            "class",
            ":",
            "Field",
            "...",
            ",",
            "<<~EOS",
            "%w[",
            "=begin",
            "import",
            "meta",
            "const",
            "let",
            "Deno",
            "cmp",
            "Or",
            "unwrap",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..400 {
            let n = (next() % 60) as usize;
            let text: String = (0..n)
                .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
                .collect();
            for lang in [
                Lang::Rust,
                Lang::JavaScript,
                Lang::Python,
                Lang::Go,
                Lang::Ruby,
                Lang::Java,
                Lang::Kotlin,
            ] {
                let e = extract(&text, lang);
                for r in &e.refs {
                    assert!(
                        text.get(r.span.start..r.span.end).is_some(),
                        "{lang:?} {text:?}"
                    );
                }
                for s in &e.reads_all {
                    assert!(text.get(s.start..s.end).is_some(), "{lang:?} {text:?}");
                }
            }
        }
    }

    #[test]
    fn presence_tests_guard_other_reads() {
        let text = "if \"X\" in os.environ:\n    x = os.environ[\"X\"]\ny = os.environ[\"Y\"]\n";
        let e = extract(text, Lang::Python);
        let need = |n: &str| {
            e.refs
                .iter()
                .filter(|r| r.name == n)
                .map(|r| r.need)
                .collect::<Vec<_>>()
        };
        assert_eq!(need("X"), vec![Need::Optional, Need::Optional]);
        assert_eq!(need("Y"), vec![Need::Required]);
    }
}
