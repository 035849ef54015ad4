//! The command line (SPEC §1): clap-derive [`Cli`], whose doc comments are the help text, and
//! [`Cli::into_config`], which validates it into a [`Config`]. Every error names its flag.
//!
//! Credentials never come from flags (they would show in `ps` and shell history): they come
//! from the environment or from `--env-file`.

mod args;
pub mod attendance;
pub mod dispatch;
pub mod export;
pub mod generate;
mod parse;
pub mod status;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::config::{Config, ImportOptions, Task};
use crate::zoom::ZoomSettings;

use crate::console::Console;
use crate::credentials::{
    checked_url, read_env_file, Credentials, DEFAULT_OAUTH_URL, OWN_VARIABLES,
};
use crate::limits::Mode;
use crate::model::{Command, Event, EventKind};
use crate::rows::Source;
pub use args::{Common, EventArgs, InputArgs, RateArgs};
use parse::{parse_concurrency, parse_occurrence};

/// Default for `--concurrency`: enough requests in flight to reach Business-plan rates at
/// about 200 ms of latency, few enough to be gentle on a shared account.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The end of `--help`: what a script and a person at a terminal need beyond the flags.
const AFTER_HELP: &str = "\
Commands:
  zimport CSV --meeting ID                  register the people in CSV (also: zimport import CSV …)
  zimport export --meeting ID               the registrants back out (zimport export --help)
  zimport approve|deny|cancel CSV --meeting ID
                                            change their status, 30 a call (zimport approve --help)
  zimport help                              this help

Exit codes:
  0    every row registered or already registered (dry run: every row valid)
  1    the run finished; some rows invalid or failed (or another person sharing an address)
  2    usage or input error (bad flags, unreadable CSV, results file not writable)
  3    auth or event error before any row was sent
  4    incomplete: some rows pending (a daily quota, Zoom busy); run again later
  5    busy: another run holds this results file or event
  130  interrupted (Ctrl-C);  143  terminated (SIGTERM);  129  hung up (SIGHUP)

Environment:
  ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET   a Server-to-Server OAuth app (or --env-file)
  ZOOM_OAUTH_URL, ZOOM_API_URL                           other endpoints (tests, the bundled fake)
                                                         (with --env-file, all five from the file)
  XDG_CACHE_HOME                                         where the per-event locks are kept

Examples:
  zimport people.csv --meeting 83927864687 --dry-run    validate; nothing changes in Zoom
  zimport people.csv --meeting 83927864687              register everyone (safe to re-run)
  zimport export --webinar 98765432109 -o people.csv    the registrants back out
  zimport approve people.csv --meeting 83927864687      approve them (also: deny, cancel)

Also: zimport --generate complete-bash|complete-zsh|complete-fish|complete-powershell|man";

/// Register people from a CSV file into a Zoom meeting or webinar.
///
/// Every row ends in the results file with exactly one status; re-running is safe. Validate
/// first with --dry-run: it never changes anything in Zoom.
///
/// Credentials come from ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (a
/// Server-to-Server OAuth app), in the environment or in --env-file.
#[derive(Debug, Parser)]
#[command(name = "zimport", version, max_term_width = 100, after_help = AFTER_HELP)]
pub struct Cli {
    /// The CSV file of people to register, or '-' to read standard input.
    #[arg(value_name = "CSV")]
    pub csv: PathBuf,

    #[command(flatten)]
    pub event: EventArgs,

    /// Where to write the results CSV [default: beside the CSV, named after it and the event:
    /// people.meeting-ID.results.csv (webinar-ID for a webinar); for standard input,
    /// zimport.meeting-ID.results.csv in the current folder].
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Validate and report only; never send a request that changes anything in Zoom.
    #[arg(long)]
    pub dry_run: bool,

    /// Ignore the earlier results file: send every row again (Zoom answers a repeat with the
    /// existing registrant, but each repeat uses one of the three adds it allows a day).
    #[arg(long)]
    pub fresh: bool,

    /// Which registration endpoint to use.
    #[arg(long, value_enum, default_value_t = Mode::Auto)]
    pub mode: Mode,

    #[command(flatten)]
    pub rates: RateArgs,

    /// Most requests in flight at once (1 to 256).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = parse_concurrency)]
    pub concurrency: usize,

    /// Register for this occurrence of a recurring meeting or webinar with a fixed time
    /// (repeatable; the IDs are listed when one is needed).
    #[arg(long = "occurrence", value_name = "ID", value_parser = parse_occurrence)]
    pub occurrences: Vec<String>,

    /// Do not read the event's current registrants first (by default the people Zoom already
    /// lists are skipped, and those it lists as denied are not re-sent).
    #[arg(long)]
    pub no_skip_existing: bool,

    /// Approve registrants on meetings that use manual approval (meetings only).
    #[arg(long)]
    pub auto_approve: bool,

    /// Ask Zoom to email each registrant a confirmation (batch registration of meetings).
    #[arg(long, overrides_with = "no_confirmation_email")]
    pub confirmation_email: bool,

    /// Ask Zoom not to email a confirmation (batch registration of meetings).
    #[arg(long, overrides_with = "confirmation_email")]
    pub no_confirmation_email: bool,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub common: Common,
}

const NO_CREDENTIALS: &str = "no Zoom credentials: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (of a Server-to-Server OAuth app) in the environment, or give --env-file";

/// Zoom's endpoints and the credentials, from the environment (or `--env-file`).
fn zoom_settings(
    env_file: Option<&std::path::Path>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<ZoomSettings, String> {
    let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    // With --env-file, zimport's own variables come from the file alone: one that the
    // environment sets otherwise is an error, never silently one or the other.
    let file = env_file.map(read_env_file).transpose()?;
    if let (Some(values), Some(path)) = (&file, env_file) {
        for name in OWN_VARIABLES {
            let theirs = values.get(name).filter(|value| !value.trim().is_empty());
            if env(name).is_some_and(|ours| Some(&ours) != theirs) {
                return Err(format!(
                    "{name} is set in the environment, and --env-file {} {}; with --env-file, zimport takes all of its ZOOM_ settings from the file: put it there, or unset it",
                    path.display(),
                    if theirs.is_some() { "gives another" } else { "does not give it" }
                ));
            }
        }
    }
    let env = |name: &str| match &file {
        Some(values) => values.get(name).filter(|v| !v.trim().is_empty()).cloned(),
        None => env(name),
    };
    let oauth_url = checked_url(
        &env("ZOOM_OAUTH_URL").unwrap_or_else(|| DEFAULT_OAUTH_URL.to_string()),
        "ZOOM_OAUTH_URL",
    )?;
    let api_url = env("ZOOM_API_URL")
        .map(|url| checked_url(&url, "ZOOM_API_URL"))
        .transpose()?;
    let credentials = Credentials::from_lookup(env).map_err(|e| match env_file {
        Some(path) => format!("--env-file {}: {e}", path.display()),
        None => e,
    })?;
    Ok(ZoomSettings {
        oauth_url,
        api_url,
        credentials,
        request_timeout: std::time::Duration::from_secs(30),
        backoff_base: std::time::Duration::from_millis(500),
    })
}

impl Cli {
    /// The console for this run's output, usable even before the config is valid.
    pub fn console(&self) -> Console {
        self.common.console()
    }

    /// Checks what clap cannot (flag combinations, paths) and resolves defaults, reading
    /// credentials and endpoints from the process environment.
    pub fn into_config(self) -> Result<Config, String> {
        self.into_config_with_env(|name| std::env::var(name).ok())
    }

    /// [`Cli::into_config`] with the environment given as a lookup (for tests).
    pub fn into_config_with_env(
        self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, String> {
        let event = self.event.event()?;
        if event.kind == EventKind::Webinar {
            if self.auto_approve {
                return Err("--auto-approve is for meetings only: Zoom's webinar registration has no such option".to_string());
            }
            if self.confirmation_email || self.no_confirmation_email {
                return Err("--confirmation-email / --no-confirmation-email are for meetings only: Zoom ignores them for webinars".to_string());
            }
        }
        let source = Source::from_arg(self.csv);
        // A dry run with the default name writes beside the real run's results, and reads them.
        let given = self.output.is_some();
        let (output, memory, earlier_default) = match self.output {
            Some(path) => (path.clone(), path, None),
            None => (
                default_output(&source, event, Command::Import, self.dry_run),
                default_output(&source, event, Command::Import, false),
                Some(earlier_default_output(&source)),
            ),
        };
        check_output(&source, &output, given)?;
        let concurrency = NonZeroUsize::new(self.concurrency)
            .ok_or_else(|| "--concurrency must be at least 1".to_string())?;
        let confirmation_email = match (self.confirmation_email, self.no_confirmation_email) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        let zoom = zoom_settings(self.common.env_file.as_deref(), &env)?;
        if zoom.credentials.is_none() && !self.dry_run {
            return Err(format!("{NO_CREDENTIALS}; --dry-run needs none"));
        }
        Ok(Config {
            task: Task::Import(ImportOptions {
                memory,
                earlier_default,
                fresh: self.fresh,
                mode: self.mode,
                auto_approve: self.auto_approve,
                skip_existing: !self.no_skip_existing,
                confirmation_email,
            }),
            source,
            input: self.input.options(false),
            event,
            output,
            dry_run: self.dry_run,
            plan: self.rates.plan,
            limits: self.rates.limits(),
            concurrency,
            occurrences: self.occurrences,
            zoom,
            cache_folder: crate::lock::cache_folder(env),
            excel: self.common.excel,
            results_format: crate::results::DEFAULT_FORMAT,
        })
    }
}

/// The default results file: `<dir of CSV>/<stem of CSV>.<meeting|webinar>-<ID>.results.csv`
/// (SPEC §1), with the command before `.results.csv` for a status change
/// (`people.meeting-839….approve.results.csv`), so that neither another event's run nor a
/// status change ever replaces an import's results (they are its memory); and `.dry-run`
/// for a dry run, which never replaces a real run's. Standard input, or a pipe (`<(cmd)`,
/// which has no folder of its own), gives `zimport.<…>.results.csv` in the current folder.
pub fn default_output(source: &Source, event: Event, command: Command, dry_run: bool) -> PathBuf {
    let mut name = format!("{}-{}", event.kind.noun(), event.id);
    if let Command::Change(action) = command {
        name = format!("{name}.{}", action.name());
    }
    if dry_run {
        name.push_str(".dry-run");
    }
    match results_beside(source) {
        Some((path, stem)) => path.with_file_name(format!("{stem}.{name}.results.csv")),
        None => PathBuf::from(format!("zimport.{name}.results.csv")),
    }
}

/// The default results file before it named the event (`<stem>.results.csv`): an import
/// whose results file does not exist yet takes it over if it holds this event's rows.
pub fn earlier_default_output(source: &Source) -> PathBuf {
    match results_beside(source) {
        Some((path, stem)) => path.with_file_name(format!("{stem}.results.csv")),
        None => PathBuf::from("zimport.results.csv"),
    }
}

/// The input file and its stem, if results go beside it.
fn results_beside(source: &Source) -> Option<(&Path, String)> {
    match source {
        Source::Path(path)
            if std::fs::metadata(path).map_or(true, |m| m.is_file() || m.is_dir()) =>
        {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "zimport".to_string());
            Some((path, stem))
        }
        _ => None,
    }
}

/// Refuses a results path that is the input, or that cannot be a file to write
/// ([`check_output_path`]; `given`: with -o).
fn check_output(source: &Source, output: &Path, given: bool) -> Result<(), String> {
    if output.as_os_str() == "-" {
        return Err("--output - (standard output) is for exports only: results are a file, the next run's memory; give a file name".to_string());
    }
    if let Source::Path(input) = source {
        if same_file(input, output) {
            return Err(format!(
                "--output {} is the input file; results must go to another file",
                output.display()
            ));
        }
    }
    check_output_path(output, given)
}

/// The settings of a command that reads Zoom and writes a table (an export, attendance), its
/// `output` resolved by [`table_output`]: credentials are needed even for its dry run.
pub(crate) fn table_config(
    common: &Common,
    rates: &RateArgs,
    event: Event,
    output: Option<PathBuf>,
    raw: bool,
    dry_run: bool,
) -> Result<crate::reading::TableConfig, String> {
    let zoom = zoom_settings(common.env_file.as_deref(), |name| std::env::var(name).ok())?;
    if zoom.credentials.is_none() {
        return Err(NO_CREDENTIALS.to_string());
    }
    Ok(crate::reading::TableConfig {
        event,
        output,
        raw,
        excel: common.excel,
        dry_run,
        limits: rates.limits(),
        zoom,
    })
}

/// Where a command writes a table for people: `-o -` is standard output (`None`), `-o FILE`
/// that file, else `default` in the current folder; checked as every output is, and never
/// standard output when `--json` writes there too (`writes` false: a dry run writes no table).
pub(crate) fn table_output(
    output: Option<PathBuf>,
    default: String,
    json: bool,
    writes: bool,
) -> Result<Option<PathBuf>, String> {
    let output = match output {
        Some(path) if path.as_os_str() == "-" => None,
        Some(path) => Some(path),
        None => Some(PathBuf::from(default)),
    };
    if let Some(path) = &output {
        check_output_path(path, true)?;
    }
    if json && writes && output.is_none() {
        return Err(
            "--json and -o - would both write to standard output; give a file with -o".to_string(),
        );
    }
    Ok(output)
}

/// Refuses an output path that cannot be a file to write, before anything is read or sent: a
/// folder (or a name ending in `/`), something else that is not a regular file (renaming the
/// output into place would replace a device or FIFO there with a file), or, for a path given
/// with -o, a file in a folder that does not exist (a default one sits beside the input, whose
/// own error says more).
pub(crate) fn check_output_path(output: &Path, given: bool) -> Result<(), String> {
    let shown = output.display();
    let names_a_folder = output.as_os_str().as_encoded_bytes().ends_with(b"/");
    if names_a_folder || output.is_dir() {
        return Err(format!(
            "--output {shown} is a folder; give a file name (e.g. {}/results.csv)",
            shown.to_string().trim_end_matches('/')
        ));
    }
    if std::fs::metadata(output).is_ok_and(|m| !m.is_file()) {
        return Err(format!(
            "--output {shown} exists and is not a regular file (a device, FIFO or socket); the output goes to a regular file"
        ));
    }
    let folder = match output.parent() {
        Some(folder) if given && !folder.as_os_str().is_empty() => folder,
        _ => return Ok(()),
    };
    match std::fs::metadata(folder) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(format!(
            "--output {shown}: {} is not a folder",
            folder.display()
        )),
        Err(_) => Err(format!(
            "--output {shown}: the folder {} does not exist; create it, or give -o a file in a folder that does",
            folder.display()
        )),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
