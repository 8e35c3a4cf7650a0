//! Documentation generated from the rule catalogue: one Markdown page per rule and an index.
//! `docs/rules/` holds the committed output; tests/catalogue.rs keeps it current.

use std::fmt::Write as _;

use crate::catalogue::{Catalogue, RuleMeta, Scope};

/// The Markdown page for one rule. `example` is the first fixture that triggers it.
pub fn rule_page(rule: &RuleMeta, example: Option<&str>) -> String {
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
    let _ = writeln!(
        s,
        "| checked in | {} |",
        match rule.scope {
            Scope::Up => "up migrations",
            Scope::UpAndDown => "up and down migrations",
        }
    );
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
    if let Some(ex) = example {
        let _ = writeln!(s, "## Example\n\n```sql\n{}\n```\n", ex.trim_end());
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

/// The first fixture that must trigger `code`, if one is committed (`testdata/rules/<code>/bad/`).
pub fn example_for(root: &std::path::Path, code: &str) -> Option<String> {
    let dir = root.join("testdata/rules").join(code).join("bad");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_file() && p.extension().is_some_and(|e| e == "sql") {
            return std::fs::read_to_string(&p).ok();
        }
        if p.is_dir() && p.join("head").is_dir() {
            return history_example(&p);
        }
        if p.is_dir() {
            let mut inner: Vec<_> = walk_sql(&p);
            inner.sort();
            if let Some(first) = inner
                .into_iter()
                .find(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("expect:")))
            {
                return std::fs::read_to_string(first).ok();
            }
        }
    }
    None
}

/// A history fixture (`base/`, `head/`, optional `main/` trees) shown as what changed: each
/// up migration that differs, as it is on each side.
fn history_example(case: &std::path::Path) -> Option<String> {
    use std::collections::BTreeMap;
    let tree = |side: &str| -> BTreeMap<String, String> {
        let dir = case.join(side);
        walk_sql(&dir)
            .into_iter()
            .filter(|p| !p.to_string_lossy().ends_with("down.sql"))
            .filter_map(|p| {
                let rel = p
                    .strip_prefix(&dir)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/");
                Some((rel, std::fs::read_to_string(&p).ok()?))
            })
            .collect()
    };
    let (base, head, main) = (tree("base"), tree("head"), tree("main"));
    let mut paths: Vec<&String> = base.keys().chain(head.keys()).chain(main.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut out = String::new();
    for path in paths {
        let (b, h) = (base.get(path), head.get(path));
        if let Some(m) = main.get(path).filter(|m| Some(*m) != b) {
            out.push_str(&format!(
                "-- {path}, added on the base branch since the fork:\n{m}\n"
            ));
        }
        if b == h {
            continue;
        }
        match (b, h) {
            (Some(b), Some(h)) => out.push_str(&format!(
                "-- {path}, at the base:\n{b}\n-- {path}, in the change:\n{h}\n"
            )),
            (Some(b), None) => out.push_str(&format!("-- {path}, deleted by the change:\n{b}\n")),
            (None, Some(h)) => out.push_str(&format!("-- {path}, added by the change:\n{h}\n")),
            (None, None) => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

fn walk_sql(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk_sql(&p));
            } else if p.extension().is_some_and(|e| e == "sql") {
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
