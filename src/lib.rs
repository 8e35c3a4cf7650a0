//! forecast: deployment risk forecasting.
//!
//! The pipeline runs one way; each stage owns one module and hands the next a plain value:
//!
//! ```text
//! discover ─► classify ─► parse ─► model ─► check ─► score ─► plan ─► report
//! ```
//!
//! [`scan`] runs it end to end. See docs/ARCHITECTURE.md for the map.

pub mod catalogue;
pub mod check;
pub mod check_env;
pub mod classify;
pub mod config;
pub mod discover;
pub mod docs;
pub mod envscan;
pub mod finding;
pub mod model;
pub mod parse;
pub mod plan;
pub mod redact;
pub mod report;
pub mod rules;
pub mod score;
pub mod source;
pub mod span;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::classify::{FileKind, RepoIndex};
use crate::config::Config;
use crate::model::migrations::{MetaFiles, ParsedFile};
use crate::report::{Report, Summary, Warning};
use crate::source::SourceFile;

/// Files larger than this are skipped with a warning.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub root: PathBuf,
    pub config: Config,
}

/// Errors that stop a scan before it starts.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("`{0}` does not exist")]
    NotFound(PathBuf),
}

/// Read a file for analysis, or say why not.
pub(crate) fn read(path: &Path, rel: &str) -> Result<SourceFile, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "skipped: {} bytes is larger than the {} MiB limit",
            meta.len(),
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        return Err("skipped: binary file".into());
    }
    Ok(SourceFile::from_bytes(rel, bytes))
}

/// A scan's result: the report, and the text of every file a finding points into (for
/// renderers that show snippets).
#[derive(Debug)]
pub struct ScanOutput {
    pub report: Report,
    pub sources: BTreeMap<String, String>,
}

/// Run the whole pipeline on `opts.root`.
pub fn scan(opts: &ScanOptions) -> Result<ScanOutput, ScanError> {
    let root = &opts.root;
    if !root.exists() {
        return Err(ScanError::NotFound(root.clone()));
    }
    let config = &opts.config;
    let (found, walk_warnings) = discover::walk(root);
    let mut warnings: Vec<Warning> = walk_warnings
        .into_iter()
        .map(|w| Warning {
            path: w.path,
            message: w.message,
        })
        .collect();

    let repo = RepoIndex::new(found.iter().map(|f| f.rel.clone()));
    let mut files_by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut sql_paths = Vec::new();
    let mut meta_paths = Vec::new();
    for f in &found {
        let kind = classify::classify_path(&f.rel);
        *files_by_kind.entry(kind.as_str().to_string()).or_default() += 1;
        match kind {
            FileKind::Sql => sql_paths.push(f),
            FileKind::MigrationMeta => meta_paths.push(f),
            _ => {}
        }
    }

    let mut meta = MetaFiles::default();
    for f in meta_paths {
        match read(&f.abs, &f.rel) {
            Ok(src) => {
                meta.texts.insert(f.rel.clone(), src.text);
            }
            Err(e) => warnings.push(Warning {
                path: f.rel.clone(),
                message: e,
            }),
        }
    }

    let pg_version = config.database.version;
    let dialect = match config.database.dialect {
        config::DialectName::Postgres => parse::sql::Dialect::Postgres,
        config::DialectName::Generic => parse::sql::Dialect::Generic,
    };
    let single_file = root.is_file();
    let results: Vec<Result<Option<ParsedFile>, Warning>> = sql_paths
        .par_iter()
        .map(|f| {
            let source = read(&f.abs, &f.rel).map_err(|message| Warning {
                path: f.rel.clone(),
                message,
            })?;
            let head = source
                .text
                .get(..source.text.len().min(4096))
                .unwrap_or(&source.text);
            let head = match source.text.is_char_boundary(head.len()) {
                true => head,
                false => "",
            };
            let detected =
                classify::migration::detect(&f.rel, head, &repo, &config.migrations.paths).or_else(
                    || {
                        // A SQL file named on the command line is a migration by request.
                        single_file.then(|| classify::MigrationFile {
                            framework: classify::Framework::Plain,
                            version: classify::Version::none(),
                            direction: classify::Direction::Up,
                            unit: f.rel.clone(),
                            dialect: classify::migration::dialect_from_path(&f.rel)
                                .or_else(|| classify::migration::dialect_from_content(head)),
                        })
                    },
                );
            let Some(detected) = detected else {
                return Ok(None);
            };
            let sql = if check::analysed_dialect(detected.dialect) {
                parse::sql::parse(&source.text, dialect)
            } else {
                parse::sql::ParsedSql::default()
            };
            Ok(Some(ParsedFile {
                source,
                detected,
                sql,
            }))
        })
        .collect();
    let mut files = Vec::new();
    for r in results {
        match r {
            Ok(Some(f)) => {
                if f.source.lossy {
                    warnings.push(Warning {
                        path: f.source.path.clone(),
                        message: "not valid UTF-8: invalid bytes were replaced before analysis"
                            .into(),
                    });
                }
                files.push(f);
            }
            Ok(None) => {}
            Err(w) => warnings.push(w),
        }
    }

    let timelines = model::migrations::build(&files, &meta, pg_version);
    let mut checked = check::check(&files, &timelines, config);
    // The env stage reads source files: skip it when no env rule runs.
    let env_rules = rules::registry()
        .iter()
        .any(|r| r.code().starts_with('E') && config.rule_enabled(r.code()));
    let env = if env_rules {
        envscan::run(&found, config)
    } else {
        envscan::EnvScan::default()
    };
    warnings.extend(env.warnings.iter().cloned());
    checked
        .findings
        .extend(check_env::check_env(&env.model, &env.sources, config));
    check::finalize(&mut checked.findings);
    let forecast = score::forecast(&checked.findings);
    let plan = plan::build(&checked.findings, &checked.undo);

    let mut findings_by_severity = BTreeMap::new();
    for f in &checked.findings {
        *findings_by_severity.entry(f.severity).or_default() += 1;
    }
    warnings.sort();
    warnings.dedup();
    let mut wanted: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for f in &checked.findings {
        wanted.insert(&f.location.path);
        for r in &f.related {
            wanted.insert(&r.location.path);
        }
    }
    let mut sources: BTreeMap<String, String> = files
        .iter()
        .filter(|f| wanted.contains(f.source.path.as_str()))
        .map(|f| (f.source.path.clone(), f.source.text.clone()))
        .collect();
    // Env sources come masked: no secret value reaches a renderer.
    for src in env.sources.iter().flatten() {
        if wanted.contains(src.path.as_str()) {
            sources.insert(src.path.clone(), src.text.clone());
        }
    }
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        tool: report::Tool {
            name: "forecast".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        root: root.display().to_string(),
        database: report::Database {
            dialect: match config.database.dialect {
                config::DialectName::Postgres => "postgres".into(),
                config::DialectName::Generic => "generic".into(),
            },
            version: pg_version,
        },
        summary: Summary {
            files_scanned: found.len(),
            files_by_kind,
            migrations_analysed: checked.migrations_analysed,
            migrations_skipped_by_dialect: checked.migrations_skipped_dialect,
            findings_by_severity,
            env: env.summary,
        },
        forecast,
        findings: checked.findings,
        rollback_plan: plan,
        warnings,
    };
    Ok(ScanOutput { report, sources })
}
