//! `zimport export`: its command line, validated into an [`ExportConfig`].

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use super::parse::parse_occurrence;
use super::{table_config, table_output, Common, EventArgs, RateArgs};
use crate::console::Console;
use crate::export::ExportConfig;

/// The end of `--help`.
const AFTER_HELP: &str = "\
Exit codes:
  0    exported (or counted, with --dry-run)
  2    usage error, or the file cannot be written
  3    auth or event error (credentials, scopes, the event's ID)
  4    Zoom kept answering 429 (other apps on the account): run again later, or lower --max-rps

Examples:
  zimport export --meeting 83927864687                      → meeting-83927864687.registrants.csv
  zimport export --webinar 98765432109 -o - --status approved > approved.csv
  zimport export --meeting 83927864687 --dry-run            count them; write nothing";

/// Which registrants to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusChoice {
    Approved,
    Pending,
    Denied,
    /// Approved, pending and denied.
    All,
}

/// Write an event's registrants to a CSV file: every field Zoom holds, each person's join link
/// and custom answers. The file is valid input for an import into another event (its status,
/// registrant_id, join_url and create_time columns are ignored there).
#[derive(Debug, Parser)]
#[command(name = "zimport export", version, max_term_width = 100, after_help = AFTER_HELP)]
pub struct ExportCli {
    #[command(flatten)]
    pub event: EventArgs,
    /// The CSV to write, or - for standard output [default: meeting-ID.registrants.csv].
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Which registrants.
    #[arg(long, value_enum, default_value_t = StatusChoice::All)]
    pub status: StatusChoice,
    /// Only the registrants of this occurrence of a recurring event.
    #[arg(long = "occurrence", value_name = "ID", value_parser = parse_occurrence)]
    pub occurrence: Option<String>,
    /// Write cells as Zoom holds them. By default a cell a spreadsheet would run as a formula
    /// (starting with =, +, -, @) gets a leading ' so that opening the file runs nothing; use
    /// --raw for systems that are not spreadsheets (phone numbers start with +).
    #[arg(long)]
    pub raw: bool,
    /// Count the registrants and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub rates: RateArgs,
    #[command(flatten)]
    pub common: Common,
}

impl ExportCli {
    pub fn console(&self) -> Console {
        self.common.console()
    }

    pub fn into_config(self) -> Result<ExportConfig, String> {
        let event = self.event.event()?;
        let default = format!("{}-{}.registrants.csv", event.kind.noun(), event.id.0);
        let output = table_output(self.output, default, self.common.json, true)?;
        let statuses = match self.status {
            StatusChoice::Approved => vec!["approved"],
            StatusChoice::Pending => vec!["pending"],
            StatusChoice::Denied => vec!["denied"],
            StatusChoice::All => vec!["approved", "pending", "denied"],
        };
        let table = table_config(
            &self.common,
            &self.rates,
            event,
            output,
            self.raw,
            self.dry_run,
        )?;
        Ok(ExportConfig {
            table,
            statuses,
            occurrence: self.occurrence,
        })
    }
}
