//! forecast: deployment risk forecasting.
//!
//! The pipeline runs one way; each stage owns one module and hands the next a plain value:
//!
//! ```text
//! discover ─► classify ─► parse ─► model ─► check ─► (diff filter) ─► score ─► plan ─► report
//! ```
//!
//! [`scan`] runs it end to end on a tree; [`scan_diff`] runs the same stages on what a git
//! change touches (plus the context its rules need) and keeps what the change introduced.
//! See docs/ARCHITECTURE.md for the map.

pub mod catalogue;
pub mod check;
pub mod classify;
pub mod config;
pub mod diff;
pub mod discover;
pub mod docs;
pub mod finding;
pub mod model;
pub mod parse;
pub mod plan;
pub mod report;
pub mod rules;
pub mod score;
pub mod source;
pub mod span;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::check::Checked;
use crate::classify::{FileKind, RepoIndex};
use crate::config::Config;
use crate::diff::git::DiffError;
use crate::diff::{ChangeSet, ChangeStatus, ChangedFile, DiffOptions, DiffReport};
use crate::discover::Found;
use crate::finding::Finding;
use crate::model::migrations::{MetaFiles, ParsedFile, Timeline};
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
    /// Diff mode could not resolve what to compare.
    #[error(transparent)]
    Diff(#[from] DiffError),
}

/// Why bytes cannot be analysed: too large, or binary.
fn refuse(len: u64, bytes: &[u8]) -> Option<String> {
    if len > MAX_FILE_BYTES {
        return Some(format!(
            "skipped: {len} bytes is larger than the {} MiB limit",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        return Some("skipped: binary file".into());
    }
    None
}

/// Read a file for analysis, or say why not.
fn read(path: &Path, rel: &str) -> Result<SourceFile, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(meta.len(), &[]).unwrap_or_default());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if let Some(why) = refuse(bytes.len() as u64, &bytes) {
        return Err(why);
    }
    Ok(SourceFile::from_bytes(rel, bytes))
}

/// Where the pipeline gets file contents from.
enum Contents<'a> {
    /// The file system (`Found::abs`).
    Disk,
    /// Read beforehand from git objects, by path relative to the root.
    Memory(&'a BTreeMap<String, Result<Vec<u8>, String>>),
}

impl Contents<'_> {
    fn load(&self, f: &Found) -> Result<SourceFile, String> {
        match self {
            Contents::Disk => read(&f.abs, &f.rel),
            Contents::Memory(m) => match m.get(&f.rel) {
                Some(Ok(bytes)) => match refuse(bytes.len() as u64, bytes) {
                    Some(why) => Err(why),
                    None => Ok(SourceFile::from_bytes(&f.rel, bytes.clone())),
                },
                Some(Err(e)) => Err(e.clone()),
                None => Err("cannot read: not found in git".into()),
            },
        }
    }
}

/// A scan's result: the report, and the text of every file a finding points into (for
/// renderers that show snippets).
#[derive(Debug)]
pub struct ScanOutput {
    pub report: Report,
    pub sources: BTreeMap<String, String>,
}

/// The files of one run, classified, read and parsed.
struct Parsed {
    files: Vec<ParsedFile>,
    meta: MetaFiles,
    warnings: Vec<Warning>,
    files_by_kind: BTreeMap<String, usize>,
}

fn sql_dialect(config: &Config) -> parse::sql::Dialect {
    match config.database.dialect {
        config::DialectName::Postgres => parse::sql::Dialect::Postgres,
        config::DialectName::Generic => parse::sql::Dialect::Generic,
    }
}

/// Classify `found`, read the migration-framework files and the SQL files, recognise
/// migrations and parse them (in parallel). `repo` lists every path for sibling lookups;
/// `forced` names a SQL file that is a migration by request (named on the command line).
fn parse_files(
    found: &[Found],
    repo: &RepoIndex,
    contents: &Contents<'_>,
    forced: Option<&str>,
    config: &Config,
) -> Parsed {
    let mut warnings = Vec::new();
    let mut files_by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut sql_paths = Vec::new();
    let mut meta_paths = Vec::new();
    for f in found {
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
        match contents.load(f) {
            Ok(src) => {
                meta.texts.insert(f.rel.clone(), src.text);
            }
            Err(e) => warnings.push(Warning {
                path: f.rel.clone(),
                message: e,
            }),
        }
    }

    let dialect = sql_dialect(config);
    let results: Vec<Result<Option<ParsedFile>, Warning>> = sql_paths
        .par_iter()
        .map(|f| {
            let source = contents.load(f).map_err(|message| Warning {
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
                classify::migration::detect(&f.rel, head, repo, &config.migrations.paths).or_else(
                    || {
                        // A SQL file named on the command line is a migration by request.
                        (forced == Some(f.rel.as_str())).then(|| classify::MigrationFile {
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
    Parsed {
        files,
        meta,
        warnings,
        files_by_kind,
    }
}

/// Run the whole pipeline on `opts.root`.
pub fn scan(opts: &ScanOptions) -> Result<ScanOutput, ScanError> {
    let root = &opts.root;
    if !root.exists() {
        return Err(ScanError::NotFound(root.clone()));
    }
    let config = &opts.config;
    let (found, walk_warnings) = discover::walk(root);
    let repo = RepoIndex::new(found.iter().map(|f| f.rel.clone()));
    let forced = found
        .first()
        .filter(|_| root.is_file())
        .map(|f| f.rel.as_str());
    let parsed = parse_files(&found, &repo, &Contents::Disk, forced, config);
    let mut warnings: Vec<Warning> = walk_warnings
        .into_iter()
        .map(|w| Warning {
            path: w.path,
            message: w.message,
        })
        .collect();
    warnings.extend(parsed.warnings);

    let timelines = model::migrations::build(&parsed.files, &parsed.meta, config.database.version);
    let checked = check::check(&parsed.files, &timelines, config);
    Ok(assemble(Assembly {
        root,
        config,
        files_scanned: found.len(),
        files_by_kind: parsed.files_by_kind,
        files: &parsed.files,
        extra_sources: &[],
        checked,
        warnings,
        diff: None,
    }))
}

/// Everything the report is assembled from.
struct Assembly<'a> {
    root: &'a Path,
    config: &'a Config,
    files_scanned: usize,
    files_by_kind: BTreeMap<String, usize>,
    files: &'a [ParsedFile],
    /// Other files findings may point into (diff mode: files as they were at the base).
    extra_sources: &'a [&'a SourceFile],
    checked: Checked,
    warnings: Vec<Warning>,
    diff: Option<DiffReport>,
}

/// Score, plan and report. Findings that do not count (pre-existing ones shown with
/// `--all`) stay out of the forecast, the plan and the counts.
fn assemble(a: Assembly<'_>) -> ScanOutput {
    let Assembly {
        root,
        config,
        files_scanned,
        files_by_kind,
        files,
        extra_sources,
        checked,
        mut warnings,
        diff,
    } = a;
    let forecast = score::forecast(&checked.findings);
    let plan = plan::build(&checked.findings, &checked.undo);

    let mut findings_by_severity = BTreeMap::new();
    for f in checked.findings.iter().filter(|f| f.counts()) {
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
        .map(|f| &f.source)
        .chain(extra_sources.iter().copied())
        .filter(|s| wanted.contains(s.path.as_str()))
        .map(|s| (s.path.clone(), s.text.clone()))
        .collect();
    // The first file of a path wins: the head over the base.
    for s in files.iter().map(|f| &f.source) {
        if wanted.contains(s.path.as_str()) {
            sources.insert(s.path.clone(), s.text.clone());
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
            version: config.database.version,
        },
        summary: Summary {
            files_scanned,
            files_by_kind,
            migrations_analysed: checked.migrations_analysed,
            migrations_skipped_by_dialect: checked.migrations_skipped_dialect,
            findings_by_severity,
        },
        forecast,
        findings: checked.findings,
        rollback_plan: plan,
        warnings,
        diff,
    };
    ScanOutput { report, sources }
}

/// Run the pipeline on what a git change touches, and keep what it introduced.
///
/// The changed files are read with the context their rules need (see
/// [`diff::select`]), run through the same stages as [`scan`], and then filtered: a finding
/// stays when the change introduced it ([`ChangeSet::introduced`]), or, with
/// [`DiffOptions::all`], stays marked. The migration-history rules (family H) run on the
/// base side of every touched migration sequence. Only what is new is scored.
pub fn scan_diff(opts: &ScanOptions, diff_opts: &DiffOptions) -> Result<ScanOutput, ScanError> {
    let root = &opts.root;
    let config = &opts.config;
    let git = diff::git::Git::open(root)?;
    let session = git.resolve(diff_opts)?;
    let changes = session.changes(MAX_FILE_BYTES)?;
    let head_paths = session.head_paths(&changes)?;
    let repo = RepoIndex::new(head_paths.iter().cloned());
    let selection = diff::select::select(&head_paths, &changes, &repo);

    // Files are read from the working tree, or from git objects (`--head`, `--staged`).
    let dir = match git.root_file() {
        Some(_) => root.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => root.clone(),
    };
    let found: Vec<Found> = selection
        .paths
        .iter()
        .map(|rel| Found {
            rel: rel.clone(),
            abs: dir.join(rel),
        })
        // The index may list files the working tree no longer has.
        .filter(|f| session.reads_objects() || f.abs.is_file())
        .collect();
    let mut memory = BTreeMap::new();
    if session.reads_objects() {
        for f in &found {
            if matches!(
                classify::classify_path(&f.rel),
                FileKind::Sql | FileKind::MigrationMeta
            ) && let Some(r) = session.read_head(&f.rel, MAX_FILE_BYTES)
            {
                memory.insert(f.rel.clone(), r);
            }
        }
    }
    let contents = if session.reads_objects() {
        Contents::Memory(&memory)
    } else {
        Contents::Disk
    };
    let parsed = parse_files(&found, &repo, &contents, git.root_file(), config);
    let mut warnings = parsed.warnings;

    // Only the timelines the change touches are replayed.
    let changed_file = |i: usize| {
        parsed
            .files
            .get(i)
            .is_some_and(|f| changes.at_head(&f.source.path).is_some())
    };
    let timelines: Vec<Timeline> =
        model::migrations::build(&parsed.files, &parsed.meta, config.database.version)
            .into_iter()
            .filter(|t| {
                t.migrations.iter().any(|m| {
                    m.up.iter()
                        .chain(m.down.iter())
                        .any(|p| changed_file(p.file))
                })
            })
            .collect();
    let release = check::Release {
        new_files: parsed
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                changes
                    .at_head(&f.source.path)
                    .is_some_and(|c| c.status == ChangeStatus::Added)
            })
            .map(|(i, _)| i)
            .collect(),
    };
    let mut checked = check::check_release(&parsed.files, &timelines, config, &release);
    // The rollback plan covers what this deploy runs: the migrations the change adds.
    let release_paths: std::collections::BTreeSet<&str> = release
        .new_files
        .iter()
        .filter_map(|&i| parsed.files.get(i))
        .map(|f| f.source.path.as_str())
        .collect();
    checked
        .undo
        .retain(|u| release_paths.contains(u.path.as_str()));

    let history = diff::facts::gather(
        &diff::facts::FactsInput {
            session: &session,
            changes: &changes,
            files: &parsed.files,
            sequences: &selection.sequences,
            repo: &repo,
            config,
            max_bytes: MAX_FILE_BYTES,
        },
        &mut warnings,
    );
    let per_timeline = release.per_timeline(&timelines);
    let history_findings = check::check_history(&rules::history::HistoryCtx {
        history: &history,
        files: &parsed.files,
        timelines: &timelines,
        release: &per_timeline,
        config,
    });

    let (report_diff, findings) = filter_introduced(
        &changes,
        std::mem::take(&mut checked.findings),
        history_findings,
        diff_opts.all,
    );
    checked.findings = findings;
    let extra: Vec<&SourceFile> = history
        .head_files
        .iter()
        .chain(history.base_files.iter())
        .map(|f| &f.source)
        .collect();
    Ok(assemble(Assembly {
        root,
        config,
        files_scanned: found.len(),
        files_by_kind: parsed.files_by_kind,
        files: &parsed.files,
        extra_sources: &extra,
        checked,
        warnings,
        diff: Some(report_diff),
    }))
}

/// Keep (or, with `all`, mark) the findings the change introduced. History findings are
/// introduced by construction.
fn filter_introduced(
    changes: &ChangeSet,
    findings: Vec<Finding>,
    history: Vec<Finding>,
    all: bool,
) -> (DiffReport, Vec<Finding>) {
    let mut kept = Vec::new();
    let mut new = 0;
    let mut pre_existing = 0;
    let marked = findings
        .into_iter()
        .map(|f| {
            let introduced = changes.introduced(&f);
            (f, introduced)
        })
        .chain(history.into_iter().map(|f| (f, true)));
    for (mut f, introduced) in marked {
        if introduced {
            new += 1;
        } else {
            pre_existing += 1;
        }
        if introduced || all {
            if all {
                f.introduced = Some(introduced);
            }
            kept.push(f);
        }
    }
    check::finalize(&mut kept);
    let report = DiffReport {
        mode: changes.mode,
        base: changes.base_label.clone(),
        base_commit: changes.base_commit.clone(),
        head: changes.head_label.clone(),
        head_commit: changes.head_commit.clone(),
        merge_base: changes.merge_base.clone(),
        changed_files: changes
            .changes
            .iter()
            .map(|c| ChangedFile {
                path: c.path.clone(),
                status: c.status,
                old_path: c.old_path.clone(),
            })
            .collect(),
        new_findings: new,
        pre_existing_findings: pre_existing,
        all,
    };
    (report, kept)
}
