//! forecast: deployment risk forecasting.
//!
//! The pipeline runs one way; each stage owns one module and hands the next a plain value:
//!
//! ```text
//! discover ─► classify ─► parse ─► model ─► check ─► score ─► plan ─► report
//! ```
//!
//! [`scan`] runs it end to end. See docs/ARCHITECTURE.md for the map.

pub mod baseline;
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

/// Read and parse every YAML file, Dockerfile and env file, in parallel, and build the
/// manifest model. Files that cannot be read or parsed become warnings.
fn load_manifests(
    paths: &[(&discover::Found, FileKind)],
    repo: &RepoIndex,
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
            let source = read(&f.abs, &f.rel).map_err(|message| Warning {
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
                for d in &mut l.yaml.docs {
                    set_file(&mut d.root, id);
                }
                loaded.push(l);
                warnings.extend(w);
            }
            Err(w) => warnings.push(w),
        }
    }
    let all: std::collections::BTreeSet<String> = repo.paths().cloned().collect();
    model::manifests::build(loaded, &all)
}

/// Stamp a parsed tree with its file id.
fn set_file(node: &mut parse::yaml::Node, id: parse::yaml::FileId) {
    node.file = id;
    match &mut node.value {
        parse::yaml::Value::Scalar { .. } => {}
        parse::yaml::Value::Seq(items) => items.iter_mut().for_each(|n| set_file(n, id)),
        parse::yaml::Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            set_file(k, id);
            set_file(v, id);
        }),
    }
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
    let mut manifest_paths = Vec::new();
    for f in &found {
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
    if let Some(p) = extras.progress {
        p.start("reading", sql_paths.len());
    }
    let results: Vec<Result<Option<ParsedFile>, Warning>> = sql_paths
        .par_iter()
        .map(|f| {
            if let Some(p) = extras.progress {
                p.advance();
            }
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

    let manifests = load_manifests(&manifest_paths, &repo, config, &mut warnings);
    let manifest_checked = check::manifests::check(&manifests, config);
    checked.findings.extend(manifest_checked.findings);
    // The env stage reads source files: skip it when no env rule runs.
    let env_rules = rules::registry()
        .iter()
        .any(|r| r.code().starts_with('E') && config.rule_enabled(r.code()));
    let env = if env_rules {
        let root_name = root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        envscan::run(&found, config, &manifests, root_name.as_deref())
    } else {
        envscan::EnvScan::default()
    };
    warnings.extend(env.warnings.iter().cloned());
    checked
        .findings
        .extend(check_env::check_env(&env.model, &env.sources, config));
    check::finalize(&mut checked.findings);

    let repo_prefix = repo::prefix(root);
    let mut findings = checked.findings;
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
        .filter_map(|f| read(&f.abs, &f.rel).ok())
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
    let forecast = score::forecast(&findings);
    let mut plan = plan::build(&findings, &checked.undo);
    plan::add_manifest_steps(&mut plan, &manifest_checked.undo);

    let mut findings_by_severity = BTreeMap::new();
    for f in &findings {
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
    let mut sources: BTreeMap<String, String> = files
        .iter()
        .map(|f| &f.source)
        .chain(manifests.files.iter().map(|f| &f.source))
        .chain(extra.iter())
        .filter(|src| wanted.contains(src.path.as_str()))
        .map(|src| (src.path.clone(), redact::source(&src.text).into_owned()))
        .collect();
    // Env sources come masked: no secret value reaches a renderer.
    for src in env.sources.iter().flatten() {
        if wanted.contains(src.path.as_str()) {
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
            files_scanned: found.len(),
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
    };
    if let Some(p) = extras.progress {
        p.finish();
    }
    Ok(ScanOutput {
        report,
        sources,
        repo_prefix,
    })
}
