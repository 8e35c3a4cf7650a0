//! forecast: deployment risk forecasting.
//!
//! The pipeline runs one way; each stage owns one module and hands the next a plain value:
//!
//! ```text
//! discover ─► classify ─► parse ─► model ─► check ─► suppress ─► (diff filter) ─► score ─► plan ─► report
//! ```
//!
//! [`scan`] runs it end to end on a tree; [`scan_diff`] runs the same stages on what a git
//! change touches (plus the context its rules need) and keeps what the change introduced.
//! See docs/ARCHITECTURE.md for the map.

pub mod baseline;
pub mod catalogue;
pub mod check;
pub mod check_env;
pub mod classify;
pub mod config;
pub mod diff;
pub mod discover;
pub mod docs;
pub mod envscan;
pub mod finding;
pub mod model;
pub mod parse;
pub mod plan;
pub mod redact;
pub mod repo;
pub mod report;
pub mod rules;
pub mod score;
pub mod source;
pub mod span;
pub mod suppress;
pub mod verified;

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

/// Optional parts of a scan beyond the configuration: what to hide, what to report about
/// hiding, and where to show progress. [`scan`] uses the defaults.
#[derive(Clone, Copy, Default)]
pub struct ScanExtras<'a> {
    /// Findings to hide (`.forecast-baseline.json`).
    pub baseline: Option<&'a baseline::Baseline>,
    /// Report `forecast-ignore` comments that silence nothing (F003); forecast.toml's
    /// `suppressions.report_unused` turns it on too.
    pub report_unused_ignores: bool,
    pub progress: Option<&'a dyn Progress>,
}

/// Progress of a scan, for a progress bar. Called from several threads.
pub trait Progress: Sync {
    /// A stage starts with `total` units of work.
    fn start(&self, stage: &'static str, total: usize);
    /// One unit is done.
    fn advance(&self);
    /// The scan is done.
    fn finish(&self);
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
pub(crate) fn read(path: &Path, rel: &str) -> Result<SourceFile, String> {
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

/// Where the pipeline gets file contents from: the file system, or git objects read
/// beforehand (diff mode with `--head` or `--staged`).
#[derive(Clone, Copy)]
pub(crate) enum Contents<'a> {
    /// The file system (`Found::abs`).
    Disk,
    /// Read beforehand from git objects, by path relative to the root.
    Memory(&'a BTreeMap<String, Result<Vec<u8>, String>>),
}

impl Contents<'_> {
    pub(crate) fn load(&self, f: &Found) -> Result<SourceFile, String> {
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

/// Read and parse every YAML file, Dockerfile and env file, in parallel, and build the
/// manifest model. Files that cannot be read or parsed become warnings.
fn load_manifests(
    paths: &[(&discover::Found, FileKind)],
    repo: &RepoIndex,
    contents: Contents<'_>,
    config: &Config,
    warnings: &mut Vec<Warning>,
) -> model::manifests::Manifests {
    use classify::manifest::{PathRole, helm_chart_of, yaml_role};
    use parse::yaml::{FileId, YamlFile};

    let envs = classify::environment::Classifier::new(config);
    let results: Vec<Result<(model::manifests::Loaded, Option<Warning>), Warning>> = paths
        .par_iter()
        .map(|(f, kind)| {
            let path_role = (*kind == FileKind::Yaml).then(|| yaml_role(&f.rel, repo));
            let env = envs.classify(&f.rel);
            if path_role == Some(PathRole::HelmTemplate) {
                // Go templates, not YAML: noted per chart (K001), not read.
                return Ok((
                    model::manifests::Loaded {
                        source: SourceFile::new(f.rel.clone(), String::new()),
                        path_role,
                        is_dockerfile: false,
                        is_env: false,
                        env,
                        yaml: YamlFile::default(),
                        dockerfile: None,
                        chart: helm_chart_of(&f.rel, repo),
                    },
                    None,
                ));
            }
            let source = contents.load(f).map_err(|message| Warning {
                path: f.rel.clone(),
                message,
            })?;
            let mut warning = source.lossy.then(|| Warning {
                path: f.rel.clone(),
                message: "not valid UTF-8: invalid bytes were replaced before analysis".into(),
            });
            // A `templates/` folder of Go templates whose chart was not copied along.
            if path_role == Some(PathRole::Yaml)
                && f.rel.split('/').rev().skip(1).any(|c| c == "templates")
                && source.text.contains("{{")
            {
                let chart = f.rel.rsplit_once("/templates/").map(|(c, _)| c.to_string());
                return Ok((
                    model::manifests::Loaded {
                        source,
                        path_role: Some(PathRole::HelmTemplate),
                        is_dockerfile: false,
                        is_env: false,
                        env,
                        yaml: YamlFile::default(),
                        dockerfile: None,
                        chart,
                    },
                    warning,
                ));
            }
            let (yaml, dockerfile) = match kind {
                FileKind::Yaml => {
                    // The file id is fixed below, once every file has its index.
                    let y = parse::yaml::parse(&source.text, FileId(0));
                    if let Some(p) = &y.problem {
                        let line = source.line_col(p.offset()).line;
                        let kept = if y.docs.is_empty() {
                            "not analysed".to_string()
                        } else {
                            format!("documents before line {line} were analysed")
                        };
                        let what = if source.text.contains("{{") {
                            format!(
                                "templated YAML (`{{{{ ... }}}}`) is not valid YAML (line {line})"
                            )
                        } else {
                            format!("line {line}: {}", p.describe())
                        };
                        warning = Some(Warning {
                            path: f.rel.clone(),
                            message: format!("{what}; {kept}"),
                        });
                    }
                    (y, None)
                }
                FileKind::Dockerfile => (
                    YamlFile::default(),
                    Some(parse::dockerfile::parse(&source.text)),
                ),
                _ => (YamlFile::default(), None),
            };
            Ok((
                model::manifests::Loaded {
                    source,
                    path_role,
                    is_dockerfile: *kind == FileKind::Dockerfile,
                    is_env: *kind == FileKind::Env,
                    env,
                    yaml,
                    dockerfile,
                    chart: None,
                },
                warning,
            ))
        })
        .collect();
    let mut loaded = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok((mut l, w)) => {
                let id = FileId(loaded.len() as u32);
                l.yaml.set_file(id);
                loaded.push(l);
                warnings.extend(w);
            }
            Err(w) => warnings.push(w),
        }
    }
    let all: std::collections::BTreeSet<String> = repo.paths().cloned().collect();
    model::manifests::build(loaded, &all)
}

/// The Kubernetes objects as they were at the merge base (diff mode): the base side of every
/// changed YAML file is read through the git session and parsed with the same parser, and
/// the head's unchanged files stand in for themselves. `None` when the change touches no
/// YAML or the head holds no Kubernetes object.
fn load_base_manifests(
    d: &DiffRun<'_>,
    head: &model::manifests::Manifests,
    repo: &RepoIndex,
    config: &Config,
    warnings: &mut Vec<Warning>,
) -> Option<model::manifests::BaseManifests> {
    use classify::manifest::{PathRole, yaml_role};
    let is_yaml = |p: &str| classify::classify_path(p) == FileKind::Yaml;
    let touches_yaml = d
        .changes
        .changes
        .iter()
        .any(|c| is_yaml(&c.path) || c.base_path().is_some_and(is_yaml));
    if !touches_yaml || head.kube.objects.is_empty() {
        return None;
    }
    let wanted = |p: &str| is_yaml(p) && yaml_role(p, repo) != PathRole::HelmTemplate;
    let texts = diff::facts::base_sources(d.session, d.changes, &wanted, MAX_FILE_BYTES, warnings);
    let envs = classify::environment::Classifier::new(config);
    let mut files = Vec::with_capacity(texts.len());
    for source in texts {
        let path = source.path.clone();
        // A chart's Go templates copied without their chart: not YAML.
        if path.split('/').rev().skip(1).any(|c| c == "templates") && source.text.contains("{{") {
            continue;
        }
        let yaml = parse::yaml::parse(&source.text, parse::yaml::FileId(0));
        if let Some(p) = &yaml.problem {
            let line = source.line_col(p.offset()).line;
            warnings.push(Warning {
                path: path.clone(),
                message: format!(
                    "as on the merge base, line {line}: {}; objects after it were not compared",
                    p.describe()
                ),
            });
        }
        files.push(model::manifests::Loaded {
            path_role: Some(yaml_role(&path, repo)),
            env: envs.classify(&path),
            source,
            is_dockerfile: false,
            is_env: false,
            yaml,
            dockerfile: None,
            chart: None,
        });
    }
    let replaced: std::collections::BTreeSet<String> = d
        .changes
        .changes
        .iter()
        .filter(|c| c.at_head())
        .map(|c| c.path.clone())
        .collect();
    let mut paths: std::collections::BTreeSet<String> = repo.paths().cloned().collect();
    for c in &d.changes.changes {
        if matches!(c.status, ChangeStatus::Added | ChangeStatus::Renamed) {
            paths.remove(&c.path);
        }
        if let Some(p) = c.base_path() {
            paths.insert(p.to_string());
        }
    }
    Some(model::manifests::BaseManifests::build(
        head,
        model::manifests::BaseInput {
            label: d.changes.base_label.clone(),
            replaced: &replaced,
            renamed: d
                .changes
                .changes
                .iter()
                .filter_map(|c| Some((c.path.clone(), c.old_path.clone()?)))
                .collect(),
            files,
            paths: &paths,
            at_head: &|p| repo.contains(p),
        },
    ))
}

/// A scan's result: the report, and the text of every file a finding points into (for
/// renderers that show snippets).
#[derive(Debug)]
pub struct ScanOutput {
    pub report: Report,
    pub sources: BTreeMap<String, String>,
    /// The scanned root's path inside its repository (`""` at the root; see [`repo::prefix`]):
    /// renderers for code review put it in front of finding paths.
    pub repo_prefix: String,
}

/// Run the whole pipeline on `opts.root`.
pub fn scan(opts: &ScanOptions) -> Result<ScanOutput, ScanError> {
    scan_with(opts, &ScanExtras::default())
}

/// The suppression pass's view of a parsed file: the parser's comments and statements for
/// analysed SQL, comments found by syntax otherwise.
fn commented(f: &ParsedFile) -> Option<suppress::Commented<'_>> {
    if check::analysed_dialect(f.detected.dialect) {
        Some(suppress::Commented::new(
            &f.source,
            f.sql.comments.iter().map(|c| c.span).collect(),
            f.sql.statements.iter().map(|s| s.span).collect(),
        ))
    } else {
        suppress::Commented::scan(&f.source)
    }
}

/// [`scan`], with a baseline, unused-ignore reporting and progress.
pub fn scan_with(opts: &ScanOptions, extras: &ScanExtras<'_>) -> Result<ScanOutput, ScanError> {
    let root = &opts.root;
    if !root.exists() {
        return Err(ScanError::NotFound(root.clone()));
    }
    let (found, walk_warnings) = discover::walk(root);
    let warnings: Vec<Warning> = walk_warnings
        .into_iter()
        .map(|w| Warning {
            path: w.path,
            message: w.message,
        })
        .collect();
    let repo = RepoIndex::new(found.iter().map(|f| f.rel.clone()));
    let forced = found
        .first()
        .filter(|_| root.is_file())
        .map(|f| f.rel.clone());
    Ok(pipeline(
        Input {
            root,
            config: &opts.config,
            files_scanned: found.len(),
            found: &found,
            all: &found,
            repo: &repo,
            contents: Contents::Disk,
            forced: forced.as_deref(),
            warnings,
        },
        extras,
        None,
    ))
}

/// What one run of the pipeline reads.
struct Input<'a> {
    root: &'a Path,
    config: &'a Config,
    /// Files counted as scanned.
    files_scanned: usize,
    /// The files to read and analyse.
    found: &'a [Found],
    /// Every file of the tree (the manifest and env families need the whole picture).
    all: &'a [Found],
    /// Every path, for sibling lookups.
    repo: &'a RepoIndex,
    contents: Contents<'a>,
    /// A SQL file that is a migration by request (named on the command line).
    forced: Option<&'a str>,
    warnings: Vec<Warning>,
}

/// What diff mode adds to a run: the change, the history facts, and how to filter.
struct DiffRun<'a> {
    changes: &'a ChangeSet,
    session: &'a diff::git::Session<'a>,
    selection: &'a diff::select::Selection,
    all: bool,
}

/// The stages after discovery, shared by [`scan_with`] and [`scan_diff_with`].
fn pipeline(
    input: Input<'_>,
    extras: &ScanExtras<'_>,
    diff_run: Option<DiffRun<'_>>,
) -> ScanOutput {
    let Input {
        root,
        config,
        files_scanned,
        found,
        all,
        repo,
        contents,
        forced,
        mut warnings,
    } = input;

    let mut files_by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut sql_paths = Vec::new();
    let mut meta_paths = Vec::new();
    let mut manifest_paths = Vec::new();
    for f in found {
        let kind = classify::classify_path(&f.rel);
        *files_by_kind.entry(kind.as_str().to_string()).or_default() += 1;
        match kind {
            FileKind::Sql => sql_paths.push(f),
            FileKind::MigrationMeta => meta_paths.push(f),
            FileKind::Yaml | FileKind::Dockerfile | FileKind::Env => manifest_paths.push((f, kind)),
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

    let pg_version = config.database.version;
    let dialect = match config.database.dialect {
        config::DialectName::Postgres => parse::sql::Dialect::Postgres,
        config::DialectName::Generic => parse::sql::Dialect::Generic,
    };
    if let Some(p) = extras.progress {
        p.start("reading", sql_paths.len());
    }
    let results: Vec<Result<Option<ParsedFile>, Warning>> = sql_paths
        .par_iter()
        .map(|f| {
            if let Some(p) = extras.progress {
                p.advance();
            }
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

    let timelines = model::migrations::build(&files, &meta, pg_version);
    let (mut checked, history) = match &diff_run {
        None => (check::check(&files, &timelines, config), None),
        Some(d) => {
            let (checked, history) = check_diff(d, &files, timelines, repo, config, &mut warnings);
            (checked, Some(history))
        }
    };

    // In diff mode the manifest and env families need the whole tree as context, but only
    // when the change touches a file of theirs: otherwise nothing they report is new.
    let other_families = match &diff_run {
        None => true,
        Some(d) => d.changes.changes.iter().any(|c| {
            !matches!(
                classify::classify_path(&c.path),
                FileKind::Sql | FileKind::MigrationMeta
            )
        }),
    };
    let context: Vec<(&Found, FileKind)> = if diff_run.is_some() {
        all.iter()
            .filter_map(|f| {
                let kind = classify::classify_path(&f.rel);
                matches!(kind, FileKind::Yaml | FileKind::Dockerfile | FileKind::Env)
                    .then_some((f, kind))
            })
            .collect()
    } else {
        manifest_paths
    };
    let manifests = if other_families {
        load_manifests(&context, repo, contents, config, &mut warnings)
    } else {
        model::manifests::Manifests::default()
    };
    // Diff mode, when the change touches YAML: the objects as they were at the merge base,
    // for the rules that compare the two sides.
    let base_manifests = match &diff_run {
        Some(d) if other_families => {
            load_base_manifests(d, &manifests, repo, config, &mut warnings)
        }
        _ => None,
    };
    let manifest_checked =
        check::manifests::check_with(&manifests, base_manifests.as_ref(), config);
    checked.findings.extend(manifest_checked.findings);
    // The env stage reads source files: skip it when no env rule runs.
    let env_rules = rules::registry()
        .iter()
        .any(|r| r.code().starts_with('E') && config.rule_enabled(r.code()));
    let env = if env_rules && other_families {
        let root_name = root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        envscan::run(all, contents, config, &manifests, root_name.as_deref())
    } else {
        envscan::EnvScan::default()
    };
    warnings.extend(env.warnings.iter().cloned());
    checked
        .findings
        .extend(check_env::check_env(&env.model, &env.sources, config));
    check::finalize(&mut checked.findings);

    let repo_prefix = repo::prefix(root);
    let mut findings = std::mem::take(&mut checked.findings);
    // Comments in files the scan did not parse count too: findings of other families point
    // into them, and a malformed `# forecast-ignore` there deserves its F001/F002. Read the
    // `#`-comment files (YAML, env, TOML, Dockerfiles) and the files findings point into.
    let parsed: std::collections::BTreeSet<&str> = files
        .iter()
        .map(|f| f.source.path.as_str())
        .chain(manifests.files.iter().map(|f| f.source.path.as_str()))
        .chain(env.sources.iter().flatten().map(|f| f.path.as_str()))
        .collect();
    let pointed: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f.location.path.as_str())
        .filter(|p| !parsed.contains(p))
        .collect();
    let extra: Vec<SourceFile> = found
        .iter()
        .filter(|f| !parsed.contains(f.rel.as_str()))
        .filter(|f| {
            pointed.contains(f.rel.as_str())
                || suppress::syntax_for(&f.rel) == Some(suppress::Syntax::Hash)
        })
        .filter_map(|f| contents.load(f).ok())
        .collect();
    let commented: Vec<suppress::Commented<'_>> = files
        .iter()
        .filter_map(commented)
        .chain(
            manifests
                .files
                .iter()
                .filter_map(|f| suppress::Commented::scan(&f.source)),
        )
        .chain(extra.iter().filter_map(suppress::Commented::scan))
        .collect();
    // Suppression sees every finding, before the diff filter, so "unused" is exact.
    let outcome = suppress::apply(
        &mut findings,
        &commented,
        config,
        extras.report_unused_ignores || config.suppressions.report_unused,
        &repo_prefix,
    );
    let applied = extras
        .baseline
        .map(|b| b.apply(&mut findings))
        .unwrap_or_default();
    let hidden = report::Hidden {
        suppressed: outcome.by_comment,
        ignored_by_path: outcome.by_config,
        baselined: applied.hidden,
        baseline: extras.baseline.and_then(|b| b.source.clone()),
        baseline_stale: applied.stale,
    };

    let (findings, report_diff, history_sources) = match (&diff_run, history) {
        (Some(d), Some(h)) => {
            let (rep, kept) = filter_introduced(d.changes, findings, h.findings, d.all);
            (kept, Some(rep), h.sources)
        }
        _ => (findings, None, Vec::new()),
    };

    let forecast = score::forecast(&findings);
    let mut plan = plan::build(&findings, &checked.undo);
    plan::add_manifest_steps(&mut plan, &manifest_checked.undo);

    let mut findings_by_severity = BTreeMap::new();
    for f in findings.iter().filter(|f| f.counts()) {
        *findings_by_severity.entry(f.severity).or_default() += 1;
    }
    warnings.sort();
    warnings.dedup();
    let mut wanted: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for f in &findings {
        wanted.insert(&f.location.path);
        for r in &f.related {
            wanted.insert(&r.location.path);
        }
    }
    // The first file of a path wins: the env stage's texts first (every secret the env
    // model found is masked in them), then the head over the base.
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    let candidates = env
        .sources
        .iter()
        .flatten()
        .chain(files.iter().map(|f| &f.source))
        .chain(manifests.files.iter().map(|f| &f.source))
        .chain(extra.iter())
        .chain(history_sources.iter())
        .chain(
            base_manifests
                .iter()
                .flat_map(|b| b.unshadowed())
                .map(|f| &f.source),
        );
    for src in candidates {
        if wanted.contains(src.path.as_str()) && !sources.contains_key(&src.path) {
            sources.insert(src.path.clone(), redact::source(&src.text).into_owned());
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
            files_scanned,
            files_by_kind,
            migrations_analysed: checked.migrations_analysed,
            migrations_skipped_by_dialect: checked.migrations_skipped_dialect,
            findings_by_severity,
            env: env.summary,
        },
        forecast,
        findings,
        rollback_plan: plan,
        warnings,
        hidden,
        diff: report_diff,
    };
    if let Some(p) = extras.progress {
        p.finish();
    }
    ScanOutput {
        report,
        sources,
        repo_prefix,
    }
}

/// What diff mode's check adds: history findings and the base-side texts they point into.
struct DiffHistory {
    findings: Vec<Finding>,
    sources: Vec<SourceFile>,
}

/// The SQL check of a diff run: only the timelines the change touches are replayed, the
/// migrations the change adds share one set of new tables (the release is not applied
/// yet), the rollback plan covers what the release runs, and the migration-history rules
/// (family H) run on the base side of every touched sequence.
fn check_diff(
    d: &DiffRun<'_>,
    files: &[ParsedFile],
    timelines: Vec<Timeline>,
    repo: &RepoIndex,
    config: &Config,
    warnings: &mut Vec<Warning>,
) -> (Checked, DiffHistory) {
    let changed_file = |i: usize| {
        files
            .get(i)
            .is_some_and(|f| d.changes.at_head(&f.source.path).is_some())
    };
    let timelines: Vec<Timeline> = timelines
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
        new_files: files
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                d.changes
                    .at_head(&f.source.path)
                    .is_some_and(|c| c.status == ChangeStatus::Added)
            })
            .map(|(i, _)| i)
            .collect(),
    };
    let mut checked = check::check_release(files, &timelines, config, &release);
    // The rollback plan covers what this deploy runs: the migrations the change adds.
    let release_paths: std::collections::BTreeSet<&str> = release
        .new_files
        .iter()
        .filter_map(|&i| files.get(i))
        .map(|f| f.source.path.as_str())
        .collect();
    checked
        .undo
        .retain(|u| release_paths.contains(u.path.as_str()));

    let history = diff::facts::gather(
        &diff::facts::FactsInput {
            session: d.session,
            changes: d.changes,
            files,
            sequences: &d.selection.sequences,
            repo,
            config,
            max_bytes: MAX_FILE_BYTES,
        },
        warnings,
    );
    let per_timeline = release.per_timeline(&timelines);
    let history_findings = check::check_history(&rules::history::HistoryCtx {
        history: &history,
        files,
        timelines: &timelines,
        release: &per_timeline,
        config,
    });
    let sources = history
        .head_files
        .iter()
        .chain(history.base_files.iter())
        .map(|f| f.source.clone())
        .collect();
    (
        checked,
        DiffHistory {
            findings: history_findings,
            sources,
        },
    )
}

/// Run the pipeline on what a git change touches, and keep what it introduced.
pub fn scan_diff(opts: &ScanOptions, diff_opts: &DiffOptions) -> Result<ScanOutput, ScanError> {
    scan_diff_with(opts, diff_opts, &ScanExtras::default())
}

/// [`scan_diff`], with a baseline, unused-ignore reporting and progress.
///
/// The changed files are read with the context their rules need (see
/// [`diff::select`]; the manifest and env families read the whole tree when the change
/// touches one of their files), run through the same stages as [`scan`], and then filtered:
/// a finding stays when the change introduced it ([`ChangeSet::introduced`]), or, with
/// [`DiffOptions::all`], stays marked. Only what is new is scored.
pub fn scan_diff_with(
    opts: &ScanOptions,
    diff_opts: &DiffOptions,
    extras: &ScanExtras<'_>,
) -> Result<ScanOutput, ScanError> {
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
    let to_found = |rel: &String| Found {
        rel: rel.clone(),
        abs: dir.join(rel),
    };
    // The index may list files the working tree no longer has.
    let exists = |f: &Found| session.reads_objects() || f.abs.is_file();
    let found: Vec<Found> = selection
        .paths
        .iter()
        .map(to_found)
        .filter(exists)
        .collect();
    let all: Vec<Found> = head_paths.iter().map(to_found).filter(exists).collect();
    let touches_other_families = changes.changes.iter().any(|c| {
        !matches!(
            classify::classify_path(&c.path),
            FileKind::Sql | FileKind::MigrationMeta
        )
    });
    let mut memory = BTreeMap::new();
    if session.reads_objects() {
        let wanted = found.iter().chain(all.iter().filter(|f| {
            touches_other_families && !matches!(classify::classify_path(&f.rel), FileKind::Other)
        }));
        for f in wanted {
            if !memory.contains_key(&f.rel)
                && let Some(r) = session.read_head(&f.rel, MAX_FILE_BYTES)
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
    Ok(pipeline(
        Input {
            root,
            config,
            files_scanned: found.len(),
            found: &found,
            all: &all,
            repo: &repo,
            contents,
            forced: git.root_file(),
            warnings: Vec::new(),
        },
        extras,
        Some(DiffRun {
            changes: &changes,
            session: &session,
            selection: &selection,
            all: diff_opts.all,
        }),
    ))
}

/// Keep (or, with `all`, mark) the findings the change introduced. History findings, and
/// findings a check marked `introduced: Some(true)`, are introduced by construction.
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
            // A check may know a finding is what the change did (the rules that compare the
            // manifests' two sides): `Some(true)` before the filter.
            let introduced = f.introduced == Some(true) || changes.introduced(&f);
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
            f.introduced = all.then_some(introduced);
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
