//! Documentation generated from the rule catalogue: one Markdown page per rule and an index.
//! `docs/rules/` holds the committed output; tests/catalogue.rs keeps it current.

use std::fmt::Write as _;

use crate::catalogue::{Catalogue, RuleMeta, Scope};
use crate::verified::{Measured, Verified};

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
    let verified = Verified::embedded();
    let measured = if verified.statements_of(&rule.code).next().is_some() {
        format!(" and {}", crate::verified::SOURCE.0)
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "<!-- Generated from rules/{}.toml{measured} by `FORECAST_BLESS=1 cargo test --test catalogue`. Do not edit. -->\n",
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
    if let Some(line) = verified_summary(verified, &rule.code) {
        let _ = writeln!(s, "{line}\n");
    }
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
    s.push_str(&verified_section(verified, &rule.code));
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

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// One value when every flagged statement agrees, else "varies".
fn agreed<'a, T: PartialEq + Copy>(
    fired: &[&'a Measured],
    f: impl Fn(&'a Measured) -> T,
) -> Option<T> {
    let first = f(fired.first()?);
    fired.iter().all(|m| f(m) == first).then_some(first)
}

/// "Verified on PostgreSQL 15: SHARE, rewrites: no, ...", from the flagged fixture
/// statements the server ran; `None` when the rule has none.
pub fn verified_summary(verified: &Verified, code: &str) -> Option<String> {
    let fired: Vec<&Measured> = verified.statements_of(code).filter(|m| m.fires).collect();
    if fired.is_empty() {
        return None;
    }
    let varies = "varies by statement";
    let lock = agreed(&fired, |m| m.lock.as_str()).unwrap_or(varies);
    let show = |v: Option<bool>| v.map_or(varies, yes_no);
    let mut line = format!(
        "Verified on PostgreSQL {}: {lock}, rewrites: {}, scans: {}, may run in a transaction: {}",
        verified.postgres,
        show(agreed(&fired, |m| m.rewrites)),
        show(agreed(&fired, |m| m.scans)),
        show(agreed(&fired, |m| m.transactional)),
    );
    let codes: Vec<Option<&str>> = fired
        .iter()
        .map(|m| m.error.as_deref().and_then(|e| e.split(':').next()))
        .collect();
    if let Some(Some(code)) = codes.first()
        && codes.iter().all(|c| c == &Some(*code))
    {
        let _ = write!(line, ", fails with SQLSTATE {code} on the fixture data");
    }
    line.push_str(" (measured by tests/postgres; see below).");
    Some(line)
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The per-statement measurements for one rule, as a Markdown section ("" when none).
pub fn verified_section(verified: &Verified, code: &str) -> String {
    let statements: Vec<&Measured> = verified.statements_of(code).collect();
    let data: Vec<_> = verified.data_of(code).collect();
    if statements.is_empty() && data.is_empty() {
        return String::new();
    }
    let mut s = String::new();
    let _ = writeln!(s, "## Verified on PostgreSQL {}\n", verified.postgres);
    let _ = writeln!(
        s,
        "tests/postgres ran each fixture statement on a PostgreSQL {} server against tables \
         with rows: inside `BEGIN` ... `ROLLBACK`, or in autocommit when it cannot run in a \
         transaction block (its lock then observed while it waited behind a session holding \
         SHARE UPDATE EXCLUSIVE). Locks are those taken on tables, indexes and types that \
         existed before the statement.\n",
        verified.postgres
    );
    if !statements.is_empty() {
        let _ = writeln!(
            s,
            "| statement | flagged | locks | rewrites | scans | in a transaction | outcome |\n\
             | --- | --- | --- | --- | --- | --- | --- |"
        );
        for m in statements {
            let locks = if m.locks.is_empty() {
                "none".to_string()
            } else {
                m.locks
                    .iter()
                    .map(|l| match l.split_once(": ") {
                        Some((name, mode)) => format!("`{name}`: {mode}"),
                        None => l.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let outcome = match &m.error {
                Some(e) => format!("fails: {e}"),
                None => "succeeds".to_string(),
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {} | {} |",
                cell(&m.sql),
                yes_no(m.fires),
                cell(&locks),
                yes_no(m.rewrites),
                yes_no(m.scans),
                yes_no(m.transactional),
                cell(&outcome)
            );
        }
        s.push('\n');
    }
    if !data.is_empty() {
        let _ = writeln!(s, "Run again on data that makes the outcome differ:\n");
        for d in data {
            let _ = writeln!(s, "- `{}` when {}: {}", d.sql, d.data, d.outcome);
        }
        s.push('\n');
    }
    s
}

/// The rule's help in Markdown, for SARIF `help.markdown` (GitHub shows it under an alert):
/// what it flags, why it breaks a deploy, what to do instead, how to roll back, references.
pub fn help_markdown(rule: &RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "**{} {}**: {}\n", rule.code, rule.slug, rule.what.trim());
    let lock = rule.lock_sentence();
    if !lock.is_empty() {
        let _ = writeln!(s, "**Lock (PostgreSQL):** {lock}.\n");
    }
    let _ = writeln!(s, "## Why it breaks a deploy\n\n{}\n", rule.why.trim());
    let _ = writeln!(s, "## Use instead\n\n{}\n", rule.use_instead.trim());
    let _ = writeln!(s, "## Rollback\n\n{}\n", rule.rollback.trim());
    if !rule.references.is_empty() {
        let _ = writeln!(s, "## References\n");
        for r in &rule.references {
            let _ = writeln!(s, "- <{r}>");
        }
    }
    s.trim_end().to_string()
}

/// [`help_markdown`] as plain text, for SARIF `help.text` (shown where Markdown is not).
pub fn help_text(rule: &RuleMeta) -> String {
    let mut s = format!(
        "{}\n\nWhy it breaks a deploy: {}\n\nUse instead: {}\n\nRollback: {}",
        rule.what.trim(),
        rule.why.trim(),
        rule.use_instead.trim(),
        rule.rollback.trim()
    );
    if !rule.references.is_empty() {
        s.push_str("\n\nReferences: ");
        s.push_str(&rule.references.join(" "));
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
    if name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
    {
        return Some("dockerfile");
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
    let marked = |p: &std::path::Path| {
        std::fs::read_to_string(p)
            .ok()
            .filter(|t| t.contains("expect:") || t.contains("expect-next:"))
    };
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
        if p.is_dir() && p.join("head").is_dir() {
            if let Some((lang, text)) = history_example(&p) {
                return Some(vec![ExampleFile {
                    path: None,
                    lang,
                    text,
                }]);
            }
            continue;
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
            if inner.iter().any(|f| marked(f).is_some()) {
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

/// A history fixture (`base/`, `head/`, optional `main/` trees) shown as what changed: each
/// file that differs (for SQL, each up migration), as it is on each side, in the language
/// of the first changed file (its fence language, and the comment each file is introduced
/// with).
fn history_example(case: &std::path::Path) -> Option<(&'static str, String)> {
    use std::collections::BTreeMap;
    let tree = |side: &str| -> BTreeMap<String, (&'static str, String)> {
        let dir = case.join(side);
        walk_files(&dir)
            .into_iter()
            .filter(|p| !p.to_string_lossy().ends_with("down.sql"))
            .filter_map(|p| {
                let lang = fence_lang(&p)?;
                let rel = p
                    .strip_prefix(&dir)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/");
                Some((rel, (lang, std::fs::read_to_string(&p).ok()?)))
            })
            .collect()
    };
    let (base, head, main) = (tree("base"), tree("head"), tree("main"));
    let mut paths: Vec<&String> = base.keys().chain(head.keys()).chain(main.keys()).collect();
    paths.sort();
    paths.dedup();
    let changed = |path: &String| {
        base.get(path) != head.get(path)
            || main.get(path).is_some_and(|m| Some(m) != base.get(path))
    };
    let lang = paths.iter().filter(|p| changed(p)).find_map(|p| {
        base.get(*p)
            .or_else(|| head.get(*p))
            .or_else(|| main.get(*p))
            .map(|(l, _)| *l)
    })?;
    let comment = if lang == "sql" { "--" } else { "#" };
    let text = |side: &BTreeMap<String, (&'static str, String)>, path: &String| {
        side.get(path)
            .filter(|(l, _)| *l == lang)
            .map(|(_, t)| t.clone())
    };
    let mut out = String::new();
    for path in paths {
        let (b, h) = (text(&base, path), text(&head, path));
        if let Some(m) = text(&main, path).filter(|m| Some(m) != b.as_ref()) {
            out.push_str(&format!(
                "{comment} {path}, added on the base branch since the fork:\n{m}\n"
            ));
        }
        if b == h {
            continue;
        }
        match (b, h) {
            (Some(b), Some(h)) => out.push_str(&format!(
                "{comment} {path}, at the base:\n{b}\n{comment} {path}, in the change:\n{h}\n"
            )),
            (Some(b), None) => {
                out.push_str(&format!("{comment} {path}, deleted by the change:\n{b}\n"))
            }
            (None, Some(h)) => {
                out.push_str(&format!("{comment} {path}, added by the change:\n{h}\n"))
            }
            (None, None) => {}
        }
    }
    (!out.is_empty()).then_some((lang, out))
}
