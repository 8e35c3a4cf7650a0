//! Documentation generated from the rule catalogue: one Markdown page per rule and an index.
//! `docs/rules/` holds the committed output; tests/catalogue.rs keeps it current.

use std::fmt::Write as _;

use crate::catalogue::{Catalogue, RuleMeta, Scope};

/// The Markdown page for one rule. `example` is the first fixture that triggers it: (its
/// name, its text).
pub fn rule_page(rule: &RuleMeta, example: Option<(&str, &str)>) -> String {
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
    if let Some((name, ex)) = example {
        let lang = fence(name);
        let title = if lang == "sql" {
            String::new()
        } else {
            format!("`{name}`:\n\n")
        };
        let _ = writeln!(
            s,
            "## Example\n\n{title}```{lang}\n{}\n```\n",
            ex.trim_end()
        );
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

/// The first fixture that must trigger `code`, if one is committed (`testdata/rules/<code>/bad/`):
/// its path inside the case (for multi-file cases) and its text.
pub fn example_for(root: &std::path::Path, code: &str) -> Option<(String, String)> {
    let dir = root.join("testdata/rules").join(code).join("bad");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let marked = |p: &std::path::Path| {
        std::fs::read_to_string(p)
            .ok()
            .filter(|t| t.contains("expect:") || t.contains("expect-next:"))
    };
    for p in entries {
        if p.is_file()
            && let Some(text) = marked(&p)
        {
            let name = p.file_name()?.to_string_lossy().into_owned();
            return Some((name, text));
        }
        if p.is_dir() {
            let mut inner = walk(&p);
            inner.sort();
            for f in inner {
                if let Some(text) = marked(&f) {
                    let rel = f
                        .strip_prefix(&p)
                        .ok()?
                        .to_string_lossy()
                        .replace('\\', "/");
                    return Some((rel, text));
                }
            }
        }
    }
    None
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The code-fence language for a fixture file.
fn fence(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    if base.ends_with(".sql") {
        "sql"
    } else if base.ends_with(".yaml") || base.ends_with(".yml") {
        "yaml"
    } else if base == "dockerfile"
        || base.ends_with(".dockerfile")
        || base.starts_with("dockerfile.")
    {
        "dockerfile"
    } else if base.starts_with(".env") || base.ends_with(".env") {
        "sh"
    } else {
        ""
    }
}

/// Every generated file: (path relative to the docs folder, contents).
pub fn generate(catalogue: &Catalogue, repo_root: &std::path::Path) -> Vec<(String, String)> {
    let mut out = vec![("README.md".to_string(), index(catalogue))];
    for r in catalogue.rules() {
        let ex = example_for(repo_root, &r.code);
        out.push((
            format!("{}.md", r.code),
            rule_page(r, ex.as_ref().map(|(n, t)| (n.as_str(), t.as_str()))),
        ));
    }
    out
}
