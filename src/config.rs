//! The resolved run configuration: what the core needs, already validated. Built once from
//! the command line by [`crate::cli`]; nothing below this point knows about clap.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use crate::model::{Action, Command, Event};

use crate::limits::{Mode, Plan, RateLimits};
use crate::rows::{InputOptions, Source};
use crate::zoom::preflight::Checks;
use crate::zoom::ZoomSettings;

/// Everything one run of an import or a status change needs, validated: what both share, and
/// the [`Task`] with what its command alone takes. Built once, by the CLI.
#[derive(Debug, Clone)]
pub struct Config {
    /// Register the people (with an import's options), or change their status.
    pub task: Task,
    pub source: Source,
    pub input: InputOptions,
    pub event: Event,
    /// The results CSV.
    pub output: PathBuf,
    pub dry_run: bool,
    pub plan: Plan,
    /// Request ceilings: the plan's, lowered by `--max-rps`.
    pub limits: RateLimits,
    pub concurrency: NonZeroUsize,
    /// Occurrence IDs of a recurring event (`--occurrence`).
    pub occurrences: Vec<String>,
    pub zoom: ZoomSettings,
    /// `--excel`: the results file starts with a UTF-8 byte-order mark.
    pub excel: bool,
    /// How the results file, its journal and the memory of earlier runs are written and read
    /// ([`crate::results::DEFAULT_FORMAT`], CSV).
    pub results_format: &'static dyn crate::results::Format,
    /// Where the event locks are kept (`$XDG_CACHE_HOME/zimport`); `None` without a home.
    pub cache_folder: Option<PathBuf>,
}

/// What a run does to each row's person, with what that command alone takes.
#[derive(Debug, Clone)]
pub enum Task {
    Import(ImportOptions),
    /// `zimport approve|deny|cancel`: its memory is Zoom's list, never earlier results.
    Change(Action),
}

/// What only an import takes.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The results whose confirmed rows are this run's memory: the output, except for a dry
    /// run with the default name, which writes beside the real run's results and reads them.
    pub memory: PathBuf,
    /// The default results name before it named the event (`people.results.csv`), when
    /// `--output` is not given: a run whose results do not exist yet takes it over if it holds
    /// this event's rows, so an upgrade loses no memory.
    pub earlier_default: Option<PathBuf>,
    /// Ignore what earlier runs recorded in the results file.
    pub fresh: bool,
    pub mode: Mode,
    pub auto_approve: bool,
    /// Check Zoom's list of registrants first and skip the people on it.
    pub skip_existing: bool,
    /// `None`: leave it to the event's own setting.
    pub confirmation_email: Option<bool>,
}

impl Config {
    /// Which command the run is.
    pub fn command(&self) -> Command {
        match &self.task {
            Task::Import(_) => Command::Import,
            Task::Change(action) => Command::Change(*action),
        }
    }

    /// An import's own options; `None` for a status change.
    pub fn import(&self) -> Option<&ImportOptions> {
        match &self.task {
            Task::Import(options) => Some(options),
            Task::Change(_) => None,
        }
    }

    /// Whether the checks read Zoom's registrant lists: always for a status change (they are
    /// its memory), for an import unless `--no-skip-existing`.
    fn reads_registrants(&self) -> bool {
        self.import().is_none_or(|import| import.skip_existing)
    }

    /// Whether the checks may find batch registration fits: an import not asked for single
    /// adds (a status change goes 30 a call, its own way).
    fn may_batch(&self) -> bool {
        self.import()
            .is_some_and(|import| import.mode != Mode::Single)
    }

    /// Whether batch registration was asked for by name (`--mode batch`).
    fn batch_asked(&self) -> bool {
        self.import()
            .is_some_and(|import| import.mode == Mode::Batch)
    }

    /// What the checks before the run need to know of it.
    pub fn checks(&self) -> Checks<'_> {
        Checks {
            event: self.event,
            command: self.command(),
            occurrences: &self.occurrences,
            dry_run: self.dry_run,
            may_batch: self.may_batch(),
            batch_asked: self.batch_asked(),
            reads_registrants: self.reads_registrants(),
            backoff_base: self.zoom.backoff_base,
        }
    }
}
