//! Documentation generated from the rule catalogue: one Markdown page per rule and an index.
//! `docs/rules/` holds the committed output; tests/catalogue.rs keeps it current.

use std::fmt::Write as _;

use crate::catalogue::{Catalogue, RuleMeta, Scope};

/// One file of a rule's example: its path inside the fixture (for multi-file examples), the
/// code fence's language, and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFile {
    pub path: Option<String>,
    pub lang: &'static str,
    pub text: String,
}

/// The Markdown page for one rule. `example` is the first fixture that triggers it.
pub fn rule_page(rule: &RuleMeta, example: Option<&[ExampleFile]>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!-- Generated from rules/{}.toml by `FORECAST_BLESS=1 cargo test --test catalogue`. Do not edit. -->\n",
        rule.family
    );
    let _ = writeln!(s, "# {} {}: {}\n", rule.code, rule.slug, rule.title);
    let _ = writeln!(s, "| | |\n| --- | --- |");
    let _ = writeln!(s, "| severity | {} |", rule.severity);
    let _ = writeln!(s, "| weight | {} |", rule.weight);
    let _ = writeln!(s, "| family | {} |", rule.family);
    if let Some(scope) = rule.scope {
        let _ = writeln!(
            s,
            "| checked in | {} |",
            match scope {
                Scope::Up => "up migrations",
                Scope::UpAndDown => "up and down migrations",
            }
        );
    }
    if let Some(lock) = &rule.lock {
        let _ = writeln!(s, "| lock (PostgreSQL) | {lock} |");
    }
    if let Some(b) = &rule.blocks {
        let _ = writeln!(s, "| blocks | {b} |");
    }
    if let Some(r) = rule.rewrites {
        let _ = writeln!(
            s,
            "| rewrites the table | {} |",
            if r { "yes" } else { "no" }
        );
    }
    if let Some(r) = rule.scans {
        let _ = writeln!(
            s,
            "| scans the whole table | {} |",
            if r { "yes" } else { "no" }
        );
    }
    if let Some(t) = rule.transactional {
        let _ = writeln!(
            s,
            "| may run in a transaction | {} |",
            if t { "yes" } else { "no" }
        );
    }
    let _ = writeln!(s, "| since | {} |\n", rule.since);
    let _ = writeln!(s, "## What it does\n\n{}\n", rule.what.trim());
    let _ = writeln!(s, "## Why it breaks a deploy\n\n{}\n", rule.why.trim());
    if let Some(files) = example.filter(|f| !f.is_empty()) {
        let _ = writeln!(s, "## Example\n");
        for f in files {
            if let Some(p) = &f.path {
                let _ = writeln!(s, "`{p}`:\n");
            }
            let _ = writeln!(s, "```{}\n{}\n```\n", f.lang, f.text.trim_end());
        }
    }
    let _ = writeln!(s, "## Use instead\n\n{}\n", rule.use_instead.trim());
    let _ = writeln!(s, "## Rollback\n\n{}\n", rule.rollback.trim());
    if !rule.references.is_empty() {
        let _ = writeln!(s, "## References\n");
        for r in &rule.references {
            let _ = writeln!(s, "- <{r}>");
        }
        s.push('\n');
    }
    while s.ends_with("\n\n") {
        s.pop();
    }
    s
}

/// The index page listing every rule.
pub fn index(catalogue: &Catalogue) -> String {
    let mut s = String::from(
        "<!-- Generated from rules/*.toml by `FORECAST_BLESS=1 cargo test --test catalogue`. Do not edit. -->\n\n# Rules\n\n",
    );
    for fam in &catalogue.families {
        let _ = writeln!(
            s,
            "## {} ({})\n\n{}\n",
            fam.family, fam.letter, fam.description
        );
        let _ = writeln!(
            s,
            "| code | slug | severity | weight | title |\n| --- | --- | --- | --- | --- |"
        );
        let mut rules: Vec<&RuleMeta> = fam.rules.iter().collect();
        rules.sort_by(|a, b| a.code.cmp(&b.code));
        for r in rules {
            let _ = writeln!(
                s,
                "| [{}]({}.md) | {} | {} | {} | {} |",
                r.code, r.code, r.slug, r.severity, r.weight, r.title
            );
        }
        s.push('\n');
    }
    while s.ends_with("\n\n") {
        s.pop();
    }
    s
}

/// The code fence language for a fixture file.
fn fence_lang(path: &std::path::Path) -> Option<&'static str> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.starts_with(".env") || name.ends_with(".env") {
        return Some("sh");
    }
    Some(match path.extension()?.to_string_lossy().as_ref() {
        "sql" => "sql",
        "rs" => "rust",
        "ts" | "tsx" => "ts",
        "js" | "mjs" | "cjs" => "js",
        "py" => "python",
        "go" => "go",
        "rb" => "ruby",
        "java" => "java",
        "kt" | "kts" => "kotlin",
        "toml" => "toml",
        "json" => "jsonc",
        "yaml" | "yml" => "yaml",
        _ => return None,
    })
}

/// The first fixture that must trigger `code` (`testdata/rules/<code>/bad/`): a single
/// file, the first SQL file with a marker of a SQL case, or every file of another case.
pub fn example_for(root: &std::path::Path, code: &str) -> Option<Vec<ExampleFile>> {
    let dir = root.join("testdata/rules").join(code).join("bad");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_file() {
            let Some(lang) = fence_lang(&p) else {
                continue;
            };
            return std::fs::read_to_string(&p).ok().map(|text| {
                vec![ExampleFile {
                    path: None,
                    lang,
                    text,
                }]
            });
        }
        if p.is_dir() {
            let mut inner: Vec<_> = walk_files(&p);
            inner.sort();
            let sql_marker = inner.iter().find(|f| {
                f.extension().is_some_and(|e| e == "sql")
                    && std::fs::read_to_string(f).is_ok_and(|t| t.contains("expect:"))
            });
            if let Some(first) = sql_marker {
                return std::fs::read_to_string(first).ok().map(|text| {
                    vec![ExampleFile {
                        path: None,
                        lang: "sql",
                        text,
                    }]
                });
            }
            let files: Vec<ExampleFile> = inner
                .iter()
                .filter_map(|f| {
                    let lang = fence_lang(f)?;
                    let text = std::fs::read_to_string(f).ok()?;
                    let rel = f
                        .strip_prefix(&p)
                        .ok()?
                        .to_string_lossy()
                        .replace('\\', "/");
                    Some(ExampleFile {
                        path: Some(rel),
                        lang,
                        text,
                    })
                })
                .collect();
            if files.iter().any(|f| f.text.contains("expect:")) {
                return Some(files);
            }
        }
    }
    None
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk_files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Every generated file: (path relative to the docs folder, contents).
pub fn generate(catalogue: &Catalogue, repo_root: &std::path::Path) -> Vec<(String, String)> {
    let mut out = vec![("README.md".to_string(), index(catalogue))];
    for r in catalogue.rules() {
        let ex = example_for(repo_root, &r.code);
        out.push((format!("{}.md", r.code), rule_page(r, ex.as_deref())));
    }
    out
}
