//! The resolved run configuration: what the core needs, already validated. Built once from
//! the command line by [`crate::cli`]; nothing below this point knows about clap.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use crate::model::{Command, Event};

use crate::credentials::Credentials;
use crate::limits::{Mode, Plan, RateLimits};
use crate::rows::{InputOptions, Source};

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors and the summary only (for cron).
    Quiet,
    Normal,
    /// `-v` (1) and `-vv` (2).
    Verbose(u8),
}

/// How to reach Zoom, from the environment (never from flags).
#[derive(Debug, Clone)]
pub struct ZoomSettings {
    /// The token endpoint (`ZOOM_OAUTH_URL`), HTTPS or loopback.
    pub oauth_url: reqwest::Url,
    /// `ZOOM_API_URL`; else the token's `api_url`; else `https://api.zoom.us`.
    pub api_url: Option<reqwest::Url>,
    /// `None` is fine for a dry run.
    pub credentials: Option<Credentials>,
    /// Longest wait for one answer before it counts as a transient failure.
    pub request_timeout: Duration,
    /// The first retry waits about this long; each further one about twice as long.
    pub backoff_base: Duration,
}

/// Everything one run needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Register the people, or change their status.
    pub command: Command,
    pub source: Source,
    pub input: InputOptions,
    pub event: Event,
    /// The results CSV.
    pub output: PathBuf,
    /// The results whose confirmed rows are this run's memory: `output`, except for a dry run
    /// with the default name, which writes beside the real run's results and reads them.
    pub memory: PathBuf,
    /// The default results name before it named the event (`people.results.csv`), when
    /// `--output` is not given: a run whose results do not exist yet takes it over if it holds
    /// this event's rows, so an upgrade loses no memory.
    pub earlier_default: Option<PathBuf>,
    pub dry_run: bool,
    /// Ignore what earlier runs recorded in the results file.
    pub fresh: bool,
    pub mode: Mode,
    pub plan: Plan,
    /// Request ceilings: the plan's, lowered by `--max-rps`.
    pub limits: RateLimits,
    pub concurrency: NonZeroUsize,
    pub auto_approve: bool,
    /// Occurrence IDs of a recurring event to register people for (`--occurrence`).
    pub occurrences: Vec<String>,
    /// Check Zoom's list of registrants first and skip the people on it.
    pub skip_existing: bool,
    /// `None`: leave it to the event's own setting.
    pub confirmation_email: Option<bool>,
    pub zoom: ZoomSettings,
    pub verbosity: Verbosity,
    /// Print the final summary as one JSON object on stdout.
    pub json: bool,
    /// `--excel`: the results file starts with a UTF-8 byte-order mark.
    pub excel: bool,
    /// Where the event locks are kept (`$XDG_CACHE_HOME/zimport`); `None` without a home.
    pub cache_folder: Option<PathBuf>,
}
