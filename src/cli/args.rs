//! The argument groups more than one command takes, each defined once: the event
//! (`--meeting` / `--webinar`), the rate ceilings (`--plan`, `--max-rps`), how the CSV is read
//! (`--map`, `--delimiter`), and the flags every command shares ([`Common`]).

use std::num::NonZeroU32;
use std::path::PathBuf;

use super::parse::{parse_delimiter, parse_event_id, parse_map};
use crate::console::Console;
use crate::console::Verbosity;
use crate::limits::{Plan, RateLimits};
use crate::model::{Event, EventId, EventKind};
use crate::rows::{InputOptions, Target};

/// The event: exactly one of `--meeting` and `--webinar`.
#[derive(Debug, clap::Args)]
#[group(id = "event", required = true, multiple = false)]
pub struct EventArgs {
    /// The meeting's ID (83927864687, 839 2786 4687, or a join link).
    #[arg(long, value_name = "ID", value_parser = parse_event_id)]
    pub meeting: Option<EventId>,

    /// The webinar's ID.
    #[arg(long, value_name = "ID", value_parser = parse_event_id)]
    pub webinar: Option<EventId>,
}

impl EventArgs {
    pub fn event(&self) -> Result<Event, String> {
        match (self.meeting, self.webinar) {
            (Some(id), None) => Ok(Event {
                kind: EventKind::Meeting,
                id,
            }),
            (None, Some(id)) => Ok(Event {
                kind: EventKind::Webinar,
                id,
            }),
            _ => Err("give exactly one of --meeting and --webinar".to_string()),
        }
    }
}

/// How hard Zoom is asked.
#[derive(Debug, clap::Args)]
pub struct RateArgs {
    /// The account's Zoom plan: sets the request ceilings from Zoom's published limits.
    #[arg(long, value_enum, default_value_t = Plan::Pro)]
    pub plan: Plan,

    /// Lower the requests-per-second ceiling further (the account's limit is shared with its
    /// other integrations).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rps: Option<u32>,
}

impl RateArgs {
    pub fn limits(&self) -> RateLimits {
        RateLimits::for_plan(self.plan, self.max_rps.and_then(NonZeroU32::new))
    }
}

/// How the CSV's columns are read.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Use CSV column COLUMN for registrant field FIELD, e.g. --map first_name=Vorname
    /// (repeatable; FIELD is a Zoom field name, or full_name to split a name column).
    #[arg(long = "map", value_name = "FIELD=COLUMN", value_parser = parse_map)]
    pub map: Vec<(Target, String)>,

    /// The CSV delimiter: a single character, or 'tab' [default: detected from the header:
    /// ',' ';' or tab].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
}

impl InputArgs {
    /// The input options; `names_optional` for a status change, which needs only the email.
    pub fn options(self, names_optional: bool) -> InputOptions {
        InputOptions {
            delimiter: self.delimiter,
            map: self.map,
            names_optional,
        }
    }
}

/// The flags every command takes: where the credentials are, and how much to say.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Read ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (and ZOOM_OAUTH_URL,
    /// ZOOM_API_URL) from this file of KEY=VALUE lines, and from nowhere else (a regular file
    /// of at most 64 KiB, not readable by group or others).
    #[arg(long, value_name = "PATH")]
    pub env_file: Option<PathBuf>,

    /// Print only errors and the final summary (for cron).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more (repeat for more detail). Secrets are never printed at any level.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print the final summary as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,

    /// Start the CSV written with a UTF-8 byte-order mark, so that Excel on Windows shows
    /// accents right (other programs do not need it; zimport reads it either way).
    #[arg(long)]
    pub excel: bool,
}

impl Common {
    /// The console for this run's output, usable even before the config is valid.
    pub fn console(&self) -> Console {
        Console::new(self.verbosity(), self.json)
    }

    pub(super) fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, n) => Verbosity::Verbose(n),
        }
    }
}
