//! `zimport attendance`: its command line, validated into an [`AttendanceConfig`].

use std::path::PathBuf;

use clap::Parser;

use super::{table_config, table_output, Common, EventArgs, RateArgs};
use crate::attendance::{AttendanceConfig, Which};
use crate::console::Console;

/// The end of `--help`.
const AFTER_HELP: &str = "\
Exit codes:
  0    written (or counted, with --dry-run)
  2    usage error, or the file cannot be written
  3    auth or event error (credentials, report scopes, the event's ID, an instance Zoom no longer keeps)
  4    no ended instance yet (run again after it ends), one that ended less than 30 minutes
       ago (written; its report may not be whole yet), or Zoom kept answering 429

Examples:
  zimport attendance --meeting 83927864687                 → meeting-83927864687.attendance.csv
  zimport attendance --webinar 98765432109 --all-instances -o all.csv
  zimport attendance --meeting 83927864687 -o - | grep -E ',(approved|pending|denied),no,'
                                                           the no-shows";

/// Write who came to an event: one row per registrant (approved, pending, denied) and one per
/// guest, with whether they attended, for how long (rejoins merged, the waiting room left out),
/// their first join and last leave. Reading reports draws on Zoom's daily Heavy budget, which
/// batch registration also uses.
#[derive(Debug, Parser)]
#[command(name = "zimport attendance", version, max_term_width = 100, after_help = AFTER_HELP)]
pub struct AttendanceCli {
    #[command(flatten)]
    pub event: EventArgs,
    /// The CSV to write, or - for standard output [default: meeting-ID.attendance.csv].
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// This instance of the event (its UUID, as Zoom lists past instances) instead of the
    /// latest one that has ended.
    #[arg(long, value_name = "UUID", conflicts_with = "all_instances")]
    pub instance: Option<String>,
    /// Every instance Zoom still lists: one row per person and instance.
    #[arg(long)]
    pub all_instances: bool,
    /// Write cells as they are: by default a cell a spreadsheet would run as a formula gets a
    /// leading '.
    #[arg(long)]
    pub raw: bool,
    /// Count who came and write nothing (the reports are still read).
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub rates: RateArgs,
    #[command(flatten)]
    pub common: Common,
}

impl AttendanceCli {
    pub fn console(&self) -> Console {
        self.common.console()
    }

    pub fn into_config(self) -> Result<AttendanceConfig, String> {
        let event = self.event.event()?;
        let default = format!("{}-{}.attendance.csv", event.kind.noun(), event.id.0);
        let output = table_output(self.output, default, self.common.json, !self.dry_run)?;
        let which = match (self.instance, self.all_instances) {
            (Some(uuid), _) if uuid.trim().is_empty() => {
                return Err("--instance needs the instance's UUID".to_string())
            }
            // As copied from a spreadsheet cell zimport neutralised (`'+abc==`), too.
            (Some(uuid), _) => Which::One(crate::outside::cell_text(uuid.trim()).to_string()),
            (None, true) => Which::All,
            (None, false) => Which::Latest,
        };
        let table = table_config(
            &self.common,
            &self.rates,
            event,
            output,
            self.raw,
            self.dry_run,
        )?;
        Ok(AttendanceConfig { table, which })
    }
}
