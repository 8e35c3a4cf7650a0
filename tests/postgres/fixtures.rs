//! The fixtures of the SQL rules, read the way forecast reads them: the same discovery,
//! framework detection, statement splitting and transaction modes as `forecast::scan`, so the
//! server runs exactly the statements the rules looked at, in the order and the transaction
//! structure forecast believes the migration runner uses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use forecast::classify::{self, FileKind, RepoIndex};
use forecast::config::Config;
use forecast::model::migrations::{self, MetaFiles, ParsedFile, TxMode};
use forecast::parse::sql::{self, Op};
use forecast::source::SourceFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `bad/`: the rule fires on the statements with an `expect:` marker.
    Bad,
    /// `ok/`: the rule must not fire.
    Ok,
}

/// One fixture: a file or a folder under `testdata/rules/<code>/{bad,ok}/`.
#[derive(Debug)]
pub struct Case {
    /// The rule whose folder holds the fixture.
    pub code: String,
    pub kind: Kind,
    /// `M101/bad/create_index.sql`.
    pub name: String,
    /// The PostgreSQL major version the fixture targets (its forecast.toml, or the default).
    pub pg_version: u32,
    /// The parts of its migrations in the order a deploy and then a rollback run them: every
    /// up part in migration order, then every down part in reverse order.
    pub steps: Vec<Step>,
}

/// The up or down part of one migration.
#[derive(Debug)]
pub struct Step {
    /// How the runner runs the part.
    pub tx: TxMode,
    /// The part's text as the runner sends it in one string (golang-migrate, Prisma).
    pub text: String,
    pub statements: Vec<Stmt>,
}

/// One statement of a part.
#[derive(Debug, Clone)]
pub struct Stmt {
    /// The statement's exact text, as sent to the server.
    pub sql: String,
    /// The statement without comments, whitespace collapsed, no trailing `;`.
    pub display: String,
    /// `M101/bad/create_index.sql:2` (the line the statement starts on).
    pub location: String,
    pub op: Op,
    /// Codes of the `expect:` markers on the statement's lines.
    pub markers: BTreeSet<String>,
}

/// Every fixture of the rules in `codes`, sorted by name.
pub fn cases(codes: &BTreeSet<String>) -> Result<Vec<Case>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let mut out = Vec::new();
    for code in codes {
        for (kind, dir) in [(Kind::Bad, "bad"), (Kind::Ok, "ok")] {
            let base = root.join(code).join(dir);
            let Ok(entries) = std::fs::read_dir(&base) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths {
                let name = format!(
                    "{code}/{dir}/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                );
                out.push(load(code, kind, &name, &path)?);
            }
        }
    }
    Ok(out)
}

/// Reads one fixture like `forecast::scan` does and lays out its run.
fn load(code: &str, kind: Kind, name: &str, path: &Path) -> Result<Case, String> {
    // A fixture folder may carry its own forecast.toml, as in tests/rules.rs.
    let config = match Config::discover(path) {
        Some(p) if path.is_dir() && p.starts_with(path) => {
            Config::load(&p).map_err(|e| format!("{name}: {e}"))?
        }
        _ => Config::default(),
    };
    let (found, warnings) = forecast::discover::walk(path);
    if let Some(w) = warnings.first() {
        return Err(format!("{name}: {}: {}", w.path, w.message));
    }
    let repo = RepoIndex::new(found.iter().map(|f| f.rel.clone()));
    let single_file = path.is_file();
    let mut meta = MetaFiles::default();
    let mut files: Vec<ParsedFile> = Vec::new();
    for f in &found {
        match classify::classify_path(&f.rel) {
            FileKind::MigrationMeta => {
                let text = std::fs::read_to_string(&f.abs).map_err(|e| format!("{name}: {e}"))?;
                meta.texts.insert(f.rel.clone(), text);
            }
            FileKind::Sql => {
                let text = std::fs::read_to_string(&f.abs).map_err(|e| format!("{name}: {e}"))?;
                let mut end = text.len().min(4096);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                let detected = classify::migration::detect(
                    &f.rel,
                    &text[..end],
                    &repo,
                    &config.migrations.paths,
                )
                .or_else(|| {
                    single_file.then(|| classify::MigrationFile {
                        framework: classify::Framework::Plain,
                        version: classify::Version::none(),
                        direction: classify::Direction::Up,
                        unit: f.rel.clone(),
                        dialect: None,
                    })
                });
                let Some(detected) = detected else {
                    return Err(format!(
                        "{name}: `{}` is not recognised as a migration",
                        f.rel
                    ));
                };
                let parsed = sql::parse(&text, sql::Dialect::Postgres);
                files.push(ParsedFile {
                    source: SourceFile::new(f.rel.clone(), text),
                    detected,
                    sql: parsed,
                });
            }
            _ => {}
        }
    }
    let timelines = migrations::build(&files, &meta, config.database.version);
    let mut steps = Vec::new();
    for timeline in &timelines {
        let mut downs = Vec::new();
        for m in &timeline.migrations {
            if let Some(up) = &m.up {
                steps.push(step(name, single_file, &files, up));
            }
            if let Some(down) = &m.down {
                downs.push(down);
            }
        }
        for down in downs.into_iter().rev() {
            steps.push(step(name, single_file, &files, down));
        }
    }
    Ok(Case {
        code: code.to_string(),
        kind,
        name: name.to_string(),
        pg_version: config.database.version,
        steps,
    })
}

fn step(case: &str, single_file: bool, files: &[ParsedFile], part: &migrations::Part) -> Step {
    let file = &files[part.file];
    let text = &file.source.text;
    let file_name = if single_file {
        case.to_string()
    } else {
        format!("{case}/{}", file.source.path)
    };
    let markers = markers(text);
    let statements = migrations::part_statements(files, part)
        .into_iter()
        .map(|s| {
            let first = file.source.lines.line_of(s.span.start) + 1;
            let last = file.source.lines.line_of(s.span.end.saturating_sub(1)) + 1;
            let codes = markers
                .iter()
                .filter(|(line, _)| (first..=last).contains(line))
                .map(|(_, code)| code.clone())
                .collect();
            Stmt {
                sql: s.span.slice(text).to_string(),
                display: display(text, s.span, &file.sql.comments),
                location: format!("{file_name}:{first}"),
                op: s.op.clone(),
                markers: codes,
            }
        })
        .collect();
    Step {
        tx: part.tx,
        text: part.range.slice(text).to_string(),
        statements,
    }
}

/// `(line, code)` of every `expect:` marker in a file (1-based lines).
fn markers(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("expect:") {
            for code in line[pos + 7..].split(',') {
                let code = code.trim();
                if !code.is_empty() {
                    out.push((i + 1, code.to_string()));
                }
            }
        }
    }
    out
}

/// The statement's text without its comments, whitespace collapsed, no trailing `;`.
fn display(text: &str, span: forecast::span::Span, comments: &[sql::Comment]) -> String {
    let mut out = String::new();
    let mut pos = span.start;
    for c in comments
        .iter()
        .filter(|c| c.span.start >= span.start && c.span.end <= span.end)
    {
        out.push_str(&text[pos..c.span.start]);
        out.push(' ');
        pos = c.span.end;
    }
    out.push_str(&text[pos..span.end]);
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.trim_end_matches(';').trim_end().to_string()
}
