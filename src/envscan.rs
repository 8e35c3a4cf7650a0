//! The env stage of the pipeline: read and parse what the env family needs (env files,
//! per-environment TOML/JSON config, source code that may read the environment), in
//! parallel, and build the [`EnvModel`].
//!
//! Source files are read once: a memchr prefilter decides whether the env-read scanner
//! runs, and, when per-environment config files exist, one Aho-Corasick pass looks for the
//! config keys the code reads. Only the texts of files the model points into are kept, and
//! every secret in them is masked before anything downstream sees it.

use std::collections::{BTreeMap, BTreeSet};

use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use serde::Serialize;

use crate::classify::env::{self as envc, CodeRole, EnvFileRole};
use crate::classify::environment::{Classifier, EnvKind};
use crate::classify::{FileKind, classify_path};
use crate::config::Config;
use crate::discover::Found;
use crate::model::env::{EnvModel, EnvModelBuilder};
use crate::model::manifests::{ManifestFile, Manifests, Role};
use crate::model::providers;
use crate::parse::dotenv;
use crate::parse::envrefs::{self, Extracted, Lang};
use crate::parse::keytree::{self, Node, ValueKind};
use crate::report::Warning;
use crate::source::SourceFile;
use crate::span::Span;

/// Structured config files larger than this are generated data, not configuration.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// What the env stage hands on.
#[derive(Debug, Default)]
pub struct EnvScan {
    pub model: EnvModel,
    /// The text of each model file, by [`crate::model::env::FileId`], secrets masked.
    pub sources: Vec<Option<SourceFile>>,
    pub warnings: Vec<Warning>,
    pub summary: EnvSummary,
}

/// Counts for the report's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvSummary {
    /// Source files read for env reads, and those the prefilter let through to a scanner.
    pub source_files: usize,
    pub source_files_scanned: usize,
    pub reads: usize,
    pub files_with_reads: usize,
    /// `name` (`scope/`) → the files that declare it.
    pub environments: Vec<EnvironmentSummary>,
    pub contracts: usize,
    pub config_sets: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvironmentSummary {
    pub name: String,
    /// The folder whose code it covers (`""`: the whole repository).
    pub scope: String,
    pub files: Vec<String>,
    pub variables: usize,
}

/// Lock files and other machine-written JSON that are not configuration.
fn skipped_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "package-lock.json"
            | "npm-shrinkwrap.json"
            | "composer.lock"
            | "tsconfig.json"
            | "jsconfig.json"
    ) || name.ends_with(".min.json")
        || name.ends_with(".map")
}

/// Files that document the contract or hold test fixtures: placeholders there are expected.
fn documented_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    ["example", "sample", "template", ".dist", "fixture", "mock"]
        .iter()
        .any(|w| name.contains(w))
        || envc::code_role(path) == CodeRole::Test
}

fn warning(path: &str, message: impl Into<String>) -> Warning {
    Warning {
        path: path.to_string(),
        message: message.into(),
    }
}

fn lossy_warning(src: &SourceFile) -> Option<Warning> {
    src.lossy.then(|| {
        warning(
            &src.path,
            "not valid UTF-8: invalid bytes were replaced before analysis",
        )
    })
}

/// `line 3 is not a `KEY=value` declaration; skipped`: lines only, never their text.
fn malformed_message(src: &SourceFile, lines: &[Span]) -> String {
    let numbers: Vec<String> = lines
        .iter()
        .take(5)
        .map(|s| src.line_col(s.start).line.to_string())
        .collect();
    let more = lines.len().saturating_sub(5);
    match (lines.len(), more) {
        (1, _) => format!(
            "line {} is not a `KEY=value` declaration; skipped",
            numbers.join("")
        ),
        (_, 0) => format!(
            "lines {} are not `KEY=value` declarations; skipped",
            numbers.join(", ")
        ),
        _ => format!(
            "lines {} and {more} more are not `KEY=value` declarations; skipped",
            numbers.join(", ")
        ),
    }
}

/// Every key path of a tree with two segments or more (`database.pool`), tables included.
fn key_paths(n: &Node, prefix: &mut Vec<String>, out: &mut BTreeSet<String>) {
    for e in &n.entries {
        prefix.push(e.key.clone());
        if prefix.len() >= 2 {
            out.insert(prefix.join("."));
        }
        if e.node.kind == ValueKind::Table {
            key_paths(&e.node, prefix, out);
        }
        prefix.pop();
    }
}

/// Does a match at `start..end` stand alone (not inside a longer identifier or path)?
fn bounded(text: &[u8], start: usize, end: usize) -> bool {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let before = start.checked_sub(1).map(|i| text[i]);
    let after = text.get(end).copied();
    !before.is_some_and(|b| ident(b) || b == b'.') && !after.is_some_and(ident)
}

/// A parsed config file (its documents, and whether it is Helm values), or why it could not
/// be read.
type ParsedConfig = (String, Result<(SourceFile, Vec<Node>, bool), Warning>);

struct CodeResult {
    path: String,
    lang: Lang,
    role: CodeRole,
    extracted: Extracted,
    key_hits: Vec<(String, Span)>,
    source: Option<SourceFile>,
    scanned: bool,
    warning: Option<Warning>,
}

/// Run the env stage over the discovered files. Env files, YAML config, compose files,
/// Kubernetes manifests, Helm values and Dockerfiles come from `manifests` (read and parsed
/// once, by the manifest stage); TOML/JSON config and source code are read here, through
/// `contents` (the disk, or git objects in diff mode). `root_name` is the scanned folder's
/// name (a root Dockerfile builds the image named like it).
pub(crate) fn run(
    found: &[Found],
    contents: crate::Contents<'_>,
    config: &Config,
    manifests: &Manifests,
    root_name: Option<&str>,
) -> EnvScan {
    let mut configs = Vec::new();
    let mut code = Vec::new();
    for f in found {
        match classify_path(&f.rel) {
            FileKind::Toml | FileKind::Json if !skipped_config(&f.rel) => configs.push(f),
            FileKind::Source => {
                if let Some(lang) = envrefs::lang_of(&f.rel) {
                    code.push((f, lang));
                }
            }
            _ => {}
        }
    }
    let classifier = Classifier::new(config);
    let mut warnings = Vec::new();
    let mut builder = EnvModelBuilder::new();
    builder.external(&config.env.external);
    let mut texts: BTreeMap<String, SourceFile> = BTreeMap::new();

    // Env files, as the manifest stage read them.
    let env_sources: Vec<&SourceFile> = manifests
        .with_role(Role::Env)
        .map(|(_, f)| &f.source)
        .collect();
    let parsed_env: Vec<(&SourceFile, dotenv::EnvFile)> = env_sources
        .par_iter()
        .map(|src| (*src, dotenv::parse(&src.text)))
        .collect();
    let mut env_files: BTreeMap<String, dotenv::EnvFile> = BTreeMap::new();
    for (src, parsed) in parsed_env {
        if !parsed.malformed.is_empty() {
            warnings.push(warning(
                &src.path,
                malformed_message(src, &parsed.malformed),
            ));
        }
        let role = envc::env_file_role(&src.path, &classifier);
        // Test and CI environments hold fixtures, like examples hold placeholders.
        let fixture = matches!(&role, EnvFileRole::Environment(e) if e.kind == EnvKind::Test);
        let documented = role == EnvFileRole::Example || fixture || documented_path(&src.path);
        builder.add_env_file(&src.path, &role, &parsed, documented);
        env_files.insert(src.path.clone(), parsed);
    }

    // Helm chart templates are not YAML and the manifest stage does not read them; the
    // variables they set are read here, as text.
    let abs: BTreeMap<&str, &Found> = found.iter().map(|f| (f.rel.as_str(), f)).collect();
    let mut charts: BTreeMap<String, providers::ChartEnv> = BTreeMap::new();
    for c in manifests.charts.iter().filter(|c| !c.templates.is_empty()) {
        let sources: Vec<SourceFile> = c
            .templates
            .iter()
            .filter_map(|id| manifests.file(*id))
            .filter_map(|f| abs.get(f.path()))
            .filter_map(|f| crate::read(&f.abs, &f.rel).ok())
            .collect();
        let pairs: Vec<(String, String)> = sources
            .iter()
            .map(|s| (s.path.clone(), s.text.clone()))
            .collect();
        charts.insert(c.dir.clone(), providers::chart_env(&pairs));
        for src in sources {
            texts.insert(src.path.clone(), src);
        }
    }

    // What compose services, Kubernetes containers, Helm values and Dockerfiles provide.
    providers::collect(
        &providers::Inputs {
            manifests,
            env_files: &env_files,
            classifier: &classifier,
            root_name,
            documented: &documented_path,
            charts: &charts,
        },
        &mut builder,
    );

    // Structured config: per-environment variants, their bases, and every other file for
    // secrets. TOML and JSON are read here; YAML comes parsed from the manifest stage.
    let yaml_configs: Vec<&ManifestFile> = manifests
        .files
        .iter()
        .filter(|f| matches!(f.role, Role::OtherYaml | Role::HelmValues))
        .filter(|f| !f.yaml.docs.is_empty() && f.source.text.len() <= MAX_CONFIG_BYTES)
        .collect();
    let paths: BTreeSet<&str> = configs
        .iter()
        .map(|f| f.rel.as_str())
        .chain(yaml_configs.iter().map(|f| f.path()))
        .collect();
    let mut variant_of: BTreeMap<&str, envc::ConfigVariant> = BTreeMap::new();
    for path in &paths {
        if let Some(v) = envc::config_variant(path, &classifier) {
            variant_of.insert(path, v);
        }
    }
    let groups: BTreeSet<String> = variant_of.values().map(|v| v.group.clone()).collect();
    let mut base_of: BTreeMap<String, String> = BTreeMap::new();
    for g in &groups {
        if let Some(base) = envc::base_candidates(g)
            .into_iter()
            .find(|c| paths.contains(c.as_str()) && !variant_of.contains_key(c.as_str()))
        {
            base_of.entry(base).or_insert_with(|| g.clone());
        }
    }
    let parsed_cfg: Vec<ParsedConfig> = configs
        .par_iter()
        .map(|f| {
            let r = (|| {
                let src = contents.load(f).map_err(|m| warning(&f.rel, m))?;
                if src.text.len() > MAX_CONFIG_BYTES {
                    return Err(warning(
                        &f.rel,
                        "larger than 1 MiB: not read as configuration",
                    ));
                }
                let tree = if f.rel.to_ascii_lowercase().ends_with(".toml") {
                    keytree::from_toml(&src.text)
                } else {
                    keytree::from_json(&src.text)
                };
                let tree = tree.map_err(|m| warning(&f.rel, m))?;
                Ok((src, vec![tree], false))
            })();
            (f.rel.clone(), r)
        })
        .collect();
    let parsed_yaml = yaml_configs.iter().map(|f| {
        let trees: Vec<Node> = f
            .yaml
            .docs
            .iter()
            .map(|d| keytree::from_yaml(&d.root))
            .collect();
        (
            f.path().to_string(),
            Ok((f.source.clone(), trees, f.role == Role::HelmValues)),
        )
    });
    let mut needles: BTreeSet<String> = BTreeSet::new();
    for (path, r) in parsed_cfg.into_iter().chain(parsed_yaml) {
        let variant = variant_of.get(path.as_str());
        let base_group = base_of.get(&path);
        let (src, mut trees, helm) = match r {
            Ok(x) => x,
            Err(w) => {
                // Only files that take part in a comparison are worth a warning.
                if variant.is_some() || base_group.is_some() {
                    warnings.push(w);
                }
                continue;
            }
        };
        if src.lossy && !path.ends_with(".yaml") && !path.ends_with(".yml") {
            warnings.extend(lossy_warning(&src));
        }
        let documented = documented_path(&path);
        // A YAML stream's later documents only count for secrets.
        let rest: Vec<Node> = trees.drain(1.min(trees.len())..).collect();
        let Some(tree) = trees.pop() else { continue };
        let mut keep = false;
        for t in &rest {
            keep |= builder.add_config_values(&path, t, &src.text, documented);
        }
        if tree.kind != ValueKind::Table {
            keep |= builder.add_config_values(&path, &tree, &src.text, documented);
        } else {
            match (variant, base_group) {
                (Some(v), _) => {
                    // Helm values feed templates: code does not read their keys.
                    if !helm && v.environment.as_ref().is_some_and(|e| e.tier().deployed()) {
                        key_paths(&tree, &mut Vec::new(), &mut needles);
                    }
                    builder.add_config(
                        &path,
                        v.group.clone(),
                        v.environment.clone(),
                        tree,
                        &src.text,
                        documented,
                        helm,
                    );
                    keep = true;
                }
                (None, Some(group)) => {
                    builder.add_config(
                        &path,
                        group.clone(),
                        None,
                        tree,
                        &src.text,
                        documented,
                        helm,
                    );
                    keep = true;
                }
                (None, None) => {
                    keep |= builder.add_config_values(&path, &tree, &src.text, documented);
                }
            }
        }
        if keep {
            texts.insert(path, src);
        }
    }

    // Source code: one read per file; the prefilter keeps most files away from a scanner.
    let needle_list: Vec<(String, String)> = needles
        .iter()
        .flat_map(|k| {
            let env_style = k.replace('.', "__").to_ascii_uppercase();
            [(k.clone(), k.clone()), (env_style, k.clone())]
        })
        .collect();
    let matcher = if needle_list.is_empty() {
        None
    } else {
        AhoCorasick::new(needle_list.iter().map(|(n, _)| n.as_str())).ok()
    };
    let results: Vec<CodeResult> = code
        .par_iter()
        .map(|(f, lang)| {
            let role = envc::code_role(&f.rel);
            let mut res = CodeResult {
                path: f.rel.clone(),
                lang: *lang,
                role,
                extracted: Extracted::default(),
                key_hits: Vec::new(),
                source: None,
                scanned: false,
                warning: None,
            };
            let src = match contents.load(f) {
                Ok(s) => s,
                Err(m) => {
                    res.warning = Some(warning(&f.rel, m));
                    return res;
                }
            };
            let bytes = src.text.as_bytes();
            if envrefs::might_read_env(bytes, *lang) {
                res.scanned = true;
                // A parser bug on one file must not stop the scan.
                let text = src.text.as_str();
                match std::panic::catch_unwind(|| envrefs::extract(text, *lang)) {
                    Ok(e) => res.extracted = e,
                    Err(_) => {
                        res.warning = Some(warning(
                            &f.rel,
                            "internal error while looking for env reads; file skipped",
                        ));
                        return res;
                    }
                }
            }
            if let Some(m) = &matcher {
                let mut seen = BTreeSet::new();
                for hit in m.find_iter(bytes) {
                    let (_, key) = &needle_list[hit.pattern().as_usize()];
                    if bounded(bytes, hit.start(), hit.end()) && seen.insert(key.clone()) {
                        res.key_hits
                            .push((key.clone(), Span::new(hit.start(), hit.end())));
                    }
                }
            }
            if !res.extracted.refs.is_empty()
                || !res.extracted.reads_all.is_empty()
                || !res.key_hits.is_empty()
            {
                res.warning = lossy_warning(&src);
                res.source = Some(src);
            }
            res
        })
        .collect();
    let mut summary = EnvSummary {
        source_files: results.len(),
        ..EnvSummary::default()
    };
    for r in results {
        summary.source_files_scanned += usize::from(r.scanned);
        if !r.extracted.refs.is_empty() {
            summary.files_with_reads += 1;
            summary.reads += r.extracted.refs.len();
        }
        warnings.extend(r.warning);
        for (key, span) in &r.key_hits {
            builder.config_read(key, &r.path, *span);
        }
        builder.add_reads(&r.path, r.lang, r.role, r.extracted);
        if let Some(src) = r.source {
            texts.insert(r.path, src);
        }
    }

    let model = builder.build();
    // Manifest files the model points into come from the manifest stage.
    let by_path: BTreeMap<&str, &SourceFile> = manifests
        .files
        .iter()
        .map(|f| (f.path(), &f.source))
        .collect();
    let mut sources: Vec<Option<SourceFile>> = model
        .files
        .iter()
        .map(|p| {
            texts
                .remove(p)
                .or_else(|| by_path.get(p.as_str()).map(|s| (*s).clone()))
        })
        .collect();
    for (file, span) in &model.masks {
        if let Some(Some(src)) = sources.get_mut(*file) {
            crate::redact::mask_value(&mut src.text, *span);
        }
    }
    summary.environments = model
        .environments
        .iter()
        .map(|e| EnvironmentSummary {
            name: e.name.clone(),
            scope: e.scope.clone(),
            files: e.files.iter().map(|f| model.path(*f).to_string()).collect(),
            variables: e
                .provisions
                .iter()
                .map(|p| p.name.as_str())
                .collect::<BTreeSet<_>>()
                .len(),
        })
        .collect();
    summary.contracts = model.contracts.len();
    summary.config_sets = model.config_sets.len();
    EnvScan {
        model,
        sources,
        warnings,
        summary,
    }
}
