//! The `forecast` binary: parses arguments and calls the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use forecast::baseline::Baseline;
use forecast::catalogue::Catalogue;
use forecast::config::{Config, FailOn};
use forecast::report::{Format as OutFormat, RenderOptions};

#[derive(Parser, Debug)]
#[command(
    name = "forecast",
    version,
    about = "Forecast the risk of a deploy: SQL migrations checked for locks, rewrites, data loss and rollback, with a scored report and a rollback plan.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    scan: ScanArgs,
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("diff").args(["base", "staged"]).multiple(true)))]
struct ScanArgs {
    /// Repository or folder to scan (a single file works too).
    #[arg(default_value = ".")]
    path: PathBuf,

    /// Output format [default: text; under GitHub Actions, text plus `github` annotations].
    #[arg(long, short = 'f', value_enum)]
    format: Option<Format>,

    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,

    /// Exit with 1 when a finding is at or above this severity (`none`: never).
    #[arg(long, value_enum)]
    fail_on: Option<FailOnArg>,

    /// Configuration file (default: forecast.toml found from PATH up to the repository root).
    #[arg(long)]
    config: Option<PathBuf>,

    /// When to use colours in the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Hide the findings recorded in this baseline file (default: `.forecast-baseline.json`
    /// beside forecast.toml, when it exists).
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    baseline: Option<PathBuf>,

    /// Show baselined findings too.
    #[arg(long)]
    no_baseline: bool,

    /// Report `forecast-ignore` comments that silence nothing (F003).
    #[arg(long)]
    report_unused_ignores: bool,

    /// SARIF `automationDetails.id` (GitHub code scanning category) [default: `forecast/`].
    #[arg(long, value_name = "CATEGORY")]
    sarif_category: Option<String>,

    /// Diff mode: report what the change since REV introduces (compared from the merge base of
    /// REV and HEAD, or of REV and `--head`). Working tree changes count, untracked files too.
    #[arg(long, value_name = "REV")]
    base: Option<String>,

    /// Compare `--base` with this commit instead of the working tree; every file is read from
    /// git objects, so no checkout is needed.
    #[arg(long, value_name = "REV", requires = "base", conflicts_with = "staged")]
    head: Option<String>,

    /// Diff mode for a pre-commit hook: what is staged, compared with HEAD (or with `--base`).
    /// Files are read from the index.
    #[arg(long)]
    staged: bool,

    /// Diff mode: list pre-existing findings too, marked; they do not count toward the
    /// forecast or `--fail-on`.
    #[arg(long, requires = "diff")]
    all: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the rule catalogue.
    Rules {
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show a rule's full documentation.
    Explain {
        /// Rule code (`M101`) or slug (`blocking-index-build`).
        rule: String,
    },
    /// Show the configuration: the effective forecast.toml, or its JSON Schema.
    Config {
        /// Print the effective configuration (defaults filled in) as TOML.
        #[arg(long, conflicts_with = "schema")]
        show: bool,
        /// Print the JSON Schema of forecast.toml.
        #[arg(long)]
        schema: bool,
        /// Where to look for forecast.toml (from here up to the repository root).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Configuration file to read instead.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Record or inspect the baseline of accepted findings.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(hide = true)]
    Man,
}

#[derive(Subcommand, Debug)]
enum BaselineCommand {
    /// Scan, and record every finding in the baseline file: later scans hide them.
    Write {
        /// Repository or folder to scan.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Configuration file (default: forecast.toml found from PATH up to the repository root).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where to write [default: `.forecast-baseline.json` beside forecast.toml, or in PATH].
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// The terminal report with source snippets.
    Text,
    /// The whole report as JSON (docs/json-output.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// A pull-request comment.
    Markdown,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

impl From<Format> for OutFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Text => OutFormat::Text,
            Format::Json => OutFormat::Json,
            Format::Sarif => OutFormat::Sarif,
            Format::Markdown => OutFormat::Markdown,
            Format::Github => OutFormat::Github,
            Format::Gitlab => OutFormat::Gitlab,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ListFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum FailOnArg {
    None,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<FailOnArg> for FailOn {
    fn from(v: FailOnArg) -> Self {
        match v {
            FailOnArg::None => FailOn::None,
            FailOnArg::Info => FailOn::Info,
            FailOnArg::Low => FailOn::Low,
            FailOnArg::Medium => FailOn::Medium,
            FailOnArg::High => FailOn::High,
            FailOnArg::Critical => FailOn::Critical,
        }
    }
}

/// Exit codes (docs/ARCHITECTURE.md, README).
const EXIT_FINDINGS: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_INTERNAL: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(EXIT_USAGE),
            };
        }
    };
    let result = std::panic::catch_unwind(|| run(cli));
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(_) => {
            eprintln!("error: internal error; please report it with the command you ran");
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Rules { format }) => {
            print_rules(format);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Explain { rule }) => match Catalogue::embedded().find(&rule) {
            Some(meta) => {
                print!("{}", forecast::docs::rule_page(meta, None));
                println!();
                Ok(ExitCode::SUCCESS)
            }
            None => {
                anyhow::bail!("no rule `{rule}`; run `forecast rules` for the list")
            }
        },
        Some(Command::Config {
            show,
            schema,
            path,
            config,
        }) => {
            if schema {
                print!("{}", Config::json_schema());
                return Ok(ExitCode::SUCCESS);
            }
            // `--show` is the default action; the flag says so in scripts.
            let _ = show;
            let (config, from) = load_config(&path, config.as_deref())?;
            match from {
                Some(p) => println!("# from {}", p.display()),
                None => println!("# no forecast.toml found: the defaults"),
            }
            // The effective values of what the file may leave out.
            let mut config = config;
            config.fail_on.get_or_insert(FailOn::High);
            config.sarif.category = Some(config.sarif.automation_id());
            config
                .suppressions
                .baseline
                .get_or_insert_with(|| forecast::baseline::FILE_NAME.to_string());
            print!("{}", config.to_toml());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Baseline(BaselineCommand::Write {
            path,
            config,
            output,
        })) => baseline_write(&path, config.as_deref(), output.as_deref()),
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "forecast", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            std::io::stdout().write_all(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        None => scan(cli.scan),
    }
}

fn print_rules(format: ListFormat) {
    let catalogue = Catalogue::embedded();
    match format {
        ListFormat::Json => {
            let rules: Vec<_> = catalogue.rules().collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&rules).unwrap_or_else(|_| "[]".into())
            );
        }
        ListFormat::Text => {
            println!(
                "{:<5} {:<38} {:<9} {:>6}  title",
                "code", "slug", "severity", "weight"
            );
            for r in catalogue.rules() {
                println!(
                    "{:<5} {:<38} {:<9} {:>6}  {}",
                    r.code, r.slug, r.severity, r.weight, r.title
                );
            }
        }
    }
}

fn diff_options(args: &ScanArgs) -> Option<forecast::diff::DiffOptions> {
    (args.base.is_some() || args.staged).then(|| forecast::diff::DiffOptions {
        base: args.base.clone(),
        head: args.head.clone(),
        staged: args.staged,
        all: args.all,
    })
}

/// The configuration of a scan: with `--head` every file comes from the head commit, the
/// configuration too (unless `--config` names one).
fn scan_config(args: &ScanArgs) -> anyhow::Result<(Config, Option<PathBuf>)> {
    if args.config.is_none()
        && args.head.is_some()
        && let Some(diff) = diff_options(args)
    {
        return match forecast::diff::git::config_at_head(
            &args.path,
            &diff,
            forecast::config::FILE_NAME,
        )? {
            Some((label, text)) => Ok((Config::parse(&text, Path::new(&label))?, None)),
            None => Ok((Config::default(), None)),
        };
    }
    load_config(&args.path, args.config.as_deref())
}

/// Load forecast.toml: `explicit`, or the one found from `start` up to the repository root,
/// or the defaults. Returns the file it came from.
fn load_config(start: &Path, explicit: Option<&Path>) -> anyhow::Result<(Config, Option<PathBuf>)> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Config::discover(start),
    };
    match path {
        Some(p) => Ok((Config::load(&p)?, Some(p))),
        None => Ok((Config::default(), None)),
    }
}

/// Where the baseline lives: forecast.toml's `suppressions.baseline` (relative to the file),
/// or `.forecast-baseline.json` beside forecast.toml, or in the scanned folder. The second
/// value says whether the configuration named it.
fn baseline_path(root: &Path, config: &Config, from: Option<&Path>) -> (PathBuf, bool) {
    let dir = match from.and_then(Path::parent) {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        Some(_) => PathBuf::from("."),
        None if root.is_file() => root
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
        None => root.to_path_buf(),
    };
    match &config.suppressions.baseline {
        Some(b) => (dir.join(b), true),
        None => (dir.join(forecast::baseline::FILE_NAME), false),
    }
}

fn baseline_write(
    path: &Path,
    config: Option<&Path>,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    if !path.exists() {
        anyhow::bail!(
            "`{}` does not exist; give a repository or folder to scan",
            path.display()
        );
    }
    let (config, from) = load_config(path, config)?;
    let target = match output {
        Some(o) => o.to_path_buf(),
        None => baseline_path(path, &config, from.as_deref()).0,
    };
    let out = forecast::scan(&forecast::ScanOptions {
        root: path.to_path_buf(),
        config,
    })?;
    let baseline = Baseline::from_findings(&out.report.findings);
    write_atomic(&target, baseline.to_json().as_bytes())?;
    eprintln!(
        "wrote {} finding{} to `{}`; later scans hide them",
        baseline.findings.len(),
        if baseline.findings.len() == 1 {
            ""
        } else {
            "s"
        },
        target.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr, drawn only once a scan has taken more than a moment.
struct Bar {
    bar: indicatif::ProgressBar,
    started: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Bar {
    /// A bar when a person watches a terminal: stdout and stderr are terminals, `CI` is not
    /// set and the terminal is not dumb.
    fn for_terminal() -> Option<Bar> {
        let interactive = std::io::stderr().is_terminal()
            && std::io::stdout().is_terminal()
            && std::env::var_os("CI").is_none()
            && std::env::var_os("GITHUB_ACTIONS").is_none()
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        interactive.then(|| Bar {
            bar: indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::hidden(),
            ),
            started: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        })
    }
}

impl forecast::Progress for Bar {
    fn start(&self, stage: &'static str, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len} files")
        {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_message(stage);
    }

    fn advance(&self) {
        self.bar.inc(1);
        if self.started.elapsed() > std::time::Duration::from_millis(300)
            && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    // With `--head`, files come from git objects: the path need not exist in the checkout.
    if args.head.is_none() && !args.path.exists() {
        anyhow::bail!(
            "`{}` does not exist; give a repository or folder to scan",
            args.path.display()
        );
    }
    let (mut config, from) = scan_config(&args)?;
    if let Some(c) = &args.sarif_category {
        if c.trim().is_empty() || c.chars().any(char::is_whitespace) {
            anyhow::bail!(
                "--sarif-category `{c}` is not a category; expected a non-empty string without spaces, such as `forecast/` or `migrations`"
            );
        }
        config.sarif.category = Some(c.clone());
    }
    let fail_on: FailOn = args
        .fail_on
        .map(FailOn::from)
        .or(config.fail_on)
        .unwrap_or(FailOn::High);
    let baseline = if args.no_baseline {
        None
    } else if let Some(b) = &args.baseline {
        Some(Baseline::load(b)?)
    } else {
        let (path, named) = baseline_path(&args.path, &config, from.as_deref());
        if path.is_file() {
            Some(Baseline::load(&path)?)
        } else if named {
            anyhow::bail!(
                "`suppressions.baseline` names `{}`, which does not exist; write it with `forecast baseline write`",
                path.display()
            );
        } else {
            None
        }
    };
    let github_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let (format, annotate) = match args.format {
        Some(f) => (f, false),
        None => (Format::Text, github_actions),
    };
    let bar = Bar::for_terminal();
    let automation_id = config.sarif.automation_id();
    let opts = forecast::ScanOptions {
        root: args.path.clone(),
        config,
    };
    let extras = forecast::ScanExtras {
        baseline: baseline.as_ref(),
        report_unused_ignores: args.report_unused_ignores,
        progress: bar.as_ref().map(|b| b as &dyn forecast::Progress),
    };
    let out = match diff_options(&args) {
        Some(diff) => forecast::scan_diff_with(&opts, &diff, &extras)?,
        None => forecast::scan_with(&opts, &extras)?,
    };
    let report = &out.report;
    let sources = out
        .sources
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let opts = RenderOptions {
        color: format == Format::Text && use_color(args.color, args.output.is_some()),
        repo_prefix: out.repo_prefix.clone(),
        sarif_automation_id: automation_id,
    };
    let rendered = forecast::report::render(report, &sources, format.into(), &opts);
    match &args.output {
        Some(path) => write_atomic(path, rendered.as_bytes())?,
        None => print_stdout(&rendered)?,
    }
    if annotate {
        let commands = forecast::report::render(report, &sources, OutFormat::Github, &opts);
        print_stdout(&commands)?;
    }
    let failed = match (fail_on.threshold(), report.max_severity()) {
        (Some(t), Some(max)) => max >= t,
        _ => false,
    };
    Ok(if failed {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Write to stdout; a closed pipe (`forecast | head`) is not an error.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    Ok(())
}

/// Write to a temporary file beside `path`, flush it to disk, then rename: a killed run never
/// leaves half a file, and readers see the old file or the new one.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    // A device or pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written to, never replaced.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return std::fs::write(path, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", path.display()));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.forecast-tmp-{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!("cannot write `{}`: {e}", path.display());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::anyhow!("cannot write `{}`: {e}", path.display())
    })
}
