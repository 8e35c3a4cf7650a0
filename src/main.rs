//! The `forecast` binary: parses arguments and calls the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use forecast::catalogue::Catalogue;
use forecast::config::{Config, FailOn};
use forecast::report::text::TextOptions;

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

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

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
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Text,
    Json,
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

fn load_config(args: &ScanArgs) -> anyhow::Result<Config> {
    // With `--head` every file comes from the head commit, the configuration too.
    if args.config.is_none()
        && args.head.is_some()
        && let Some(diff) = diff_options(args)
    {
        return match forecast::diff::git::config_at_head(
            &args.path,
            &diff,
            forecast::config::FILE_NAME,
        )? {
            Some((label, text)) => Ok(Config::parse(&text, Path::new(&label))?),
            None => Ok(Config::default()),
        };
    }
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => Config::discover(&args.path),
    };
    match path {
        Some(p) => Ok(Config::load(&p)?),
        None => Ok(Config::default()),
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
    let config = load_config(&args)?;
    let fail_on: FailOn = args
        .fail_on
        .map(FailOn::from)
        .or(config.fail_on)
        .unwrap_or(FailOn::High);
    let opts = forecast::ScanOptions {
        root: args.path.clone(),
        config,
    };
    let out = match diff_options(&args) {
        Some(diff) => forecast::scan_diff(&opts, &diff)?,
        None => forecast::scan(&opts)?,
    };
    let report = &out.report;
    let rendered = match args.format {
        Format::Json => forecast::report::json::render(report),
        Format::Text => {
            let sources = out
                .sources
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            forecast::report::text::render(
                report,
                &sources,
                TextOptions {
                    color: use_color(args.color, args.output.is_some()),
                },
            )
        }
    };
    match &args.output {
        Some(path) => write_atomic(path, rendered.as_bytes())?,
        None => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout
                .write_all(rendered.as_bytes())
                .and_then(|_| stdout.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
        }
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

/// Write to a temporary file beside `path`, then rename: a killed run never leaves half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.forecast-tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)
        .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::anyhow!("cannot write `{}`: {e}", path.display())
    })
}
