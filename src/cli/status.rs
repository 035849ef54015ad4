//! `zimport approve|deny|cancel`: their command line, validated into a [`Config`] whose
//! command is the status change.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Parser;

use super::parse::parse_occurrence;
use super::{
    check_output, default_output, zoom_settings, Common, EventArgs, InputArgs, RateArgs,
    NO_CREDENTIALS,
};
use crate::config::{Config, Task};
use crate::console::Console;
use crate::model::{Action, Command};
use crate::rows::Source;

/// Approve, deny or cancel the registrants listed in a CSV file (matched to Zoom's list by
/// email, ignoring case), 30 a call. Any CSV an import takes will do, an export included.
///
/// Every row ends in the results file with one status: approved, denied or cancelled (done),
/// unchanged (already so, not sent), not_registered, invalid, duplicate, failed or pending
/// (not sent yet: a re-run sends it). Re-running is safe: Zoom's list is read afresh each
/// time. Cancelling cannot be undone by zimport: it asks first, or needs --yes under cron.
#[derive(Debug, Parser)]
#[command(name = "zimport approve|deny|cancel", version, max_term_width = 100, after_help = AFTER_HELP)]
pub struct StatusCli {
    /// The CSV file of people, or '-' to read standard input.
    #[arg(value_name = "CSV")]
    pub csv: PathBuf,

    #[command(flatten)]
    pub event: EventArgs,

    /// Where to write the results CSV [default: beside the CSV, named after it, the event and
    /// the command: people.meeting-ID.approve.results.csv].
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Report what would change; send nothing that changes anything in Zoom.
    #[arg(long)]
    pub dry_run: bool,

    /// Cancel without asking (needed for cancel when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,

    /// Change the status for this occurrence of a recurring event only.
    #[arg(long = "occurrence", value_name = "ID", value_parser = parse_occurrence)]
    pub occurrence: Option<String>,

    #[command(flatten)]
    pub rates: RateArgs,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub common: Common,
}

/// The end of `--help`.
const AFTER_HELP: &str = "\
Exit codes:
  0    every row done (approved, denied, cancelled) or unchanged
  1    the run finished; some rows invalid, failed or not registered
  2    usage or input error (cancel without --yes and no terminal: nothing was sent)
  3    auth or event error before any row was sent
  4    incomplete: some rows pending (a daily quota, Zoom's 10 changes per person a day)
  5    busy: another run holds this results file or event
  130  interrupted (Ctrl-C);  143  terminated (SIGTERM)

Examples:
  zimport approve people.csv --meeting 83927864687 --dry-run   what would change
  zimport approve people.csv --meeting 83927864687             approve them
  zimport cancel no-shows.csv --webinar 98765432109 --yes      under cron";

/// Calls in flight at once: Medium's ceiling is 20 to 60 calls a second, each of 30 people.
const CONCURRENCY: usize = 8;

impl StatusCli {
    pub fn console(&self) -> Console {
        self.common.console()
    }

    /// Whether to ask before sending: a cancel, not a dry run, without `--yes`. Standard input
    /// must then be a terminal to answer on; under cron the run needs `--yes`.
    pub fn must_ask(&self, action: Action) -> Result<bool, String> {
        if action != Action::Cancel || self.dry_run || self.yes {
            return Ok(false);
        }
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
        if !terminal || self.csv.as_os_str() == "-" {
            return Err("cancel cannot be undone by zimport, and there is no terminal to ask on: give --yes to confirm (nothing was sent)".to_string());
        }
        Ok(true)
    }

    /// Checks what clap cannot and resolves defaults, for `action`.
    pub fn into_config(self, action: Action) -> Result<Config, String> {
        let event = self.event.event()?;
        let source = Source::from_arg(self.csv);
        let given = self.output.is_some();
        let output = match self.output {
            Some(path) => path,
            None => default_output(&source, event, Command::Change(action), self.dry_run),
        };
        check_output(&source, &output, given)?;
        let env = |name: &str| std::env::var(name).ok();
        let zoom = zoom_settings(self.common.env_file.as_deref(), env)?;
        if zoom.credentials.is_none() {
            // Even a dry run needs Zoom's list, to know whose status would change.
            return Err(format!(
                "{NO_CREDENTIALS}; a status change, even a dry run, reads Zoom's list of registrants"
            ));
        }
        Ok(Config {
            task: Task::Change(action),
            source,
            input: self.input.options(true),
            event,
            output,
            dry_run: self.dry_run,
            plan: self.rates.plan,
            limits: self.rates.limits(),
            concurrency: NonZeroUsize::new(CONCURRENCY).unwrap_or(NonZeroUsize::MIN),
            occurrences: self.occurrence.into_iter().collect(),
            zoom,
            cache_folder: crate::lock::cache_folder(env),
            excel: self.common.excel,
            results_format: crate::results::DEFAULT_FORMAT,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        StatusCli::command().debug_assert();
    }

    use crate::model::{Event, EventId};

    #[test]
    fn the_default_results_name_says_the_event_and_the_command() {
        let event = Event {
            kind: crate::model::EventKind::Meeting,
            id: EventId(83_927_864_687),
        };
        let source = Source::Path(PathBuf::from("in/people.csv"));
        assert_eq!(
            default_output(&source, event, Command::Change(Action::Approve), false),
            PathBuf::from("in/people.meeting-83927864687.approve.results.csv")
        );
        assert_eq!(
            default_output(&Source::Stdin, event, Command::Change(Action::Cancel), true),
            PathBuf::from("zimport.meeting-83927864687.cancel.dry-run.results.csv")
        );
    }
}
