//! What a run did: the [`Summary`] (for the person, for `--json`, for the exit code), built in
//! one place ([`Summary::of`]), and the exit codes of SPEC §6 ([`exit`]).

use std::fmt::{self, Display};
use std::path::PathBuf;

use serde::Serialize;

use crate::limits::{Estimate, Mode, Plan, RateLimits};
use crate::model::Counts;
use crate::model::Event;
use crate::model::Slowed;
use crate::results::Recorded;
use crate::results::RowProblem;
use crate::rows::CsvInput;

/// What a run did besides its rows' outcomes.
#[derive(Debug)]
pub enum Work {
    /// A dry run: what its real run would cost.
    Estimated(Estimate),
    /// A real run: what it sent.
    Sent(RunStats),
}

/// What a run did, for the person, for `--json`, and for the exit code.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `import`, `approve`, `deny` or `cancel`.
    pub command: crate::model::Command,
    pub input: String,
    /// What the input was read as: `UTF-8`, `Windows-1252`, `UTF-16LE` or `UTF-16BE`.
    pub encoding: &'static str,
    pub event: Event,
    pub dry_run: bool,
    pub mode: Mode,
    pub plan: Plan,
    pub counts: Counts,
    /// Records whose cells were all empty: skipped, with no results row.
    pub empty_records: u64,
    /// What validation changed in the valid rows (names split, addresses cleaned, countries).
    pub adjusted: crate::registrant::Adjusted,
    /// The first few names split otherwise than at the last space ("line N: …").
    #[serde(skip)]
    pub names_split: Vec<String>,
    /// The first [`crate::results::PROBLEMS_SHOWN`] problem rows.
    pub first_problems: Vec<RowProblem>,
    /// Dry-run only: what the real run would cost.
    pub estimate: Option<Estimate>,
    /// The options that shape what Zoom does, shown so nobody has to wonder.
    pub options: RunOptions,
    pub limits: RateLimits,
    /// Real runs only: what was sent and how it ended.
    pub run: Option<RunStats>,
    pub results: PathBuf,
    pub elapsed_seconds: f64,
}

/// What a real run sent, and why it stopped early if it did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunStats {
    /// Registration requests sent (retries included).
    pub requests: u64,
    pub retries: u64,
    /// 429 answers of any kind to those requests.
    pub rate_limited: u64,
    /// Categories Zoom's per-second refusals of sending slowed: the account allows less than
    /// the run's ceiling.
    pub slowed: Vec<Slowed>,
    pub rows_per_second: f64,
    /// A run-level error (event or credentials) that stopped the run.
    pub stopped: Option<String>,
    /// Zoom stopped answering, so sending stopped: why.
    pub unreachable: Option<String>,
    /// True if any row was confirmed by Zoom in this run.
    pub any_confirmed: bool,
    /// Rows whose answers were lost (a dropped connection, a 5xx, a timeout after Zoom may have
    /// done the work) that Zoom's registrant lists, read before the end, showed registered.
    pub settled_by_reading: u64,
    /// Stopped by Ctrl-C, SIGTERM or SIGHUP.
    pub interrupted: Option<crate::model::Interrupt>,
    /// A daily quota stopped sending; when to run again (RFC 3339), if Zoom said.
    pub daily_limit: bool,
    pub resume_at: Option<String>,
    /// A part of the run failed (a bug): the rows it had not finished are pending.
    pub internal_error: Option<String>,
}

/// The options of a run that change what Zoom does or how hard it is asked.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RunOptions {
    pub auto_approve: bool,
    /// `None`: the event's own setting decides.
    pub confirmation_email: Option<bool>,
    pub concurrency: usize,
}

impl Display for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let email = match self.confirmation_email {
            None => "as the event is set up",
            Some(true) => "yes (--confirmation-email)",
            Some(false) => "no (--no-confirmation-email)",
        };
        write!(
            f,
            "auto-approve {}; confirmation emails from batch registration: {email}; up to {} requests in flight",
            if self.auto_approve { "on" } else { "off" },
            self.concurrency
        )
    }
}

/// The process exit codes of SPEC §6.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ROW_PROBLEMS: u8 = 1;
    pub const USAGE_OR_INPUT: u8 = 2;
    pub const AUTH_OR_EVENT: u8 = 3;
    pub const INCOMPLETE: u8 = 4;
    /// Another run holds this results file (or this event): nothing was sent.
    pub const BUSY: u8 = 5;
    /// Ctrl-C (SIGINT): 128 + 2, as shells report it.
    pub const INTERRUPTED: u8 = 130;
    /// SIGTERM: 128 + 15, as systemd and shells expect.
    pub const TERMINATED: u8 = 143;
    /// SIGHUP: 128 + 1.
    pub const HUNG_UP: u8 = 129;

    /// The exit code of a run stopped from outside.
    pub fn interrupted(how: crate::model::Interrupt) -> u8 {
        match how {
            crate::model::Interrupt::CtrlC => INTERRUPTED,
            crate::model::Interrupt::Terminate => TERMINATED,
            crate::model::Interrupt::HangUp => HUNG_UP,
        }
    }
}

impl Summary {
    /// The summary of a run, dry or real: the one place it is built.
    pub fn of(
        config: &crate::config::Config,
        input: &CsvInput,
        tally: &crate::settle::Tally,
        recorded: Recorded,
        work: Work,
        elapsed: std::time::Duration,
    ) -> Summary {
        let Recorded {
            counts,
            first_problems,
            results,
        } = recorded;
        let (run, estimate) = match work {
            Work::Sent(run) => (Some(run), None),
            Work::Estimated(estimate) => (None, Some(estimate)),
        };
        Summary {
            command: config.command(),
            input: input.name.clone(),
            encoding: input
                .transcoded_from
                .unwrap_or_else(|| tally.encoding.name()),
            event: config.event,
            dry_run: run.is_none(),
            mode: config.import().map_or(Mode::Auto, |import| import.mode),
            plan: config.plan,
            counts,
            empty_records: tally.empty_records,
            adjusted: tally.adjusted,
            names_split: tally.names_split.clone(),
            first_problems,
            estimate,
            options: RunOptions {
                auto_approve: config.import().is_some_and(|import| import.auto_approve),
                confirmation_email: config.import().and_then(|import| import.confirmation_email),
                concurrency: config.concurrency.get(),
            },
            limits: config.limits,
            run,
            results,
            elapsed_seconds: elapsed.as_secs_f64(),
        }
    }

    /// 3 if the event or the credentials stopped the run before Zoom confirmed any row; else 4
    /// if anything is left to do on a later run; else 1 if any row is invalid, failed or (a
    /// status change) not registered, or a duplicate is another person sharing an address; else
    /// 0. Other duplicates do not count against a run.
    pub fn exit_code(&self) -> u8 {
        if let Some(run) = &self.run {
            if let Some(how) = run.interrupted {
                return exit::interrupted(how);
            }
            if run.internal_error.is_some() {
                return exit::INCOMPLETE;
            }
            if run.stopped.is_some() && !run.any_confirmed {
                return exit::AUTH_OR_EVENT;
            }
        }
        if self.counts.pending > 0 {
            exit::INCOMPLETE
        } else if self.counts.invalid > 0
            || self.counts.failed > 0
            || self.counts.not_registered > 0
            || self.counts.duplicate_other_person > 0
        {
            exit::ROW_PROBLEMS
        } else {
            exit::OK
        }
    }
}

/// A command that writes a table for people (`export`, `attendance`): its name, and the words
/// the console says its rows and its work with. Each such command has one, beside its code.
#[derive(Debug)]
pub struct TableCommand {
    /// Its word on the command line, and `command` in its `--json`.
    pub name: &'static str,
    /// One row, and more than one, as the console says them (`registrant`, `registrants`).
    pub one: &'static str,
    pub many: &'static str,
    /// What it did, and what a dry run says it would do (`exported`, `would be exported`).
    pub done: &'static str,
    pub would: &'static str,
}

/// What a command that writes a table for people did; `D`: what else its `--json` tells a
/// script (an export's `registrants`; attendance's `people`, `registrants`, `instances`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableWritten<D> {
    #[serde(rename = "command", serialize_with = "named")]
    pub command: &'static TableCommand,
    /// `{"kind": "meeting", "id": "839…"}`, as in every other command's `--json`.
    pub event: crate::model::Event,
    pub dry_run: bool,
    /// Rows by what they are, in the order asked (in JSON an object: `{"approved": 1000, …}`).
    #[serde(serialize_with = "in_order")]
    pub by_status: Vec<Tally>,
    /// The rows written (or counted).
    #[serde(skip)]
    pub rows: usize,
    /// The file written; `None` for standard output or a dry run.
    pub output: Option<String>,
    /// How the command ends: 0, or 4 when the table may still change (run again later).
    #[serde(skip)]
    pub exit_code: u8,
    #[serde(flatten)]
    pub details: D,
}

/// A count of rows of one kind: its key in `--json`, and how the console says one and more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub key: &'static str,
    pub one: &'static str,
    pub many: &'static str,
    pub n: usize,
}

impl Tally {
    /// A count whose word is its key (`approved`).
    pub fn of(key: &'static str, n: usize) -> Tally {
        Tally {
            key,
            one: key,
            many: key,
            n,
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = if self.n == 1 { self.one } else { self.many };
        write!(f, "{} {word}", self.n)
    }
}

/// A table command as its name.
fn named<S: serde::Serializer>(command: &&TableCommand, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(command.name)
}

/// Rows by what they are as a JSON object, in the order asked.
fn in_order<S: serde::Serializer>(by_status: &[Tally], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(by_status.iter().map(|tally| (tally.key, tally.n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    #[test]
    fn a_tally_says_one_and_more_in_its_own_words() {
        let guests = |n| Tally {
            key: "guests",
            one: "guest",
            many: "guests",
            n,
        };
        assert_eq!(guests(1).to_string(), "1 guest");
        assert_eq!(guests(0).to_string(), "0 guests");
        assert_eq!(guests(3).to_string(), "3 guests");
        assert_eq!(Tally::of("approved", 1).to_string(), "1 approved");
    }

    #[test]
    fn exit_code_follows_the_spec_table() {
        let mut counts = Counts::default();
        counts.add(Status::Valid);
        counts.add(Status::Duplicate);
        let summary = |counts: Counts| Summary {
            command: crate::model::Command::Import,
            input: "in.csv".into(),
            encoding: "UTF-8",
            event: Event {
                kind: crate::model::EventKind::Meeting,
                id: crate::model::EventId(123_456_789),
            },
            dry_run: true,
            mode: Mode::Auto,
            plan: Plan::Pro,
            counts,
            empty_records: 0,
            adjusted: Default::default(),
            names_split: Vec::new(),
            first_problems: Vec::new(),
            estimate: None,
            run: None,
            options: RunOptions {
                auto_approve: false,
                confirmation_email: None,
                concurrency: 16,
            },
            limits: RateLimits::for_plan(Plan::Pro, None),
            results: "out.csv".into(),
            elapsed_seconds: 0.0,
        };
        assert_eq!(summary(counts).exit_code(), exit::OK);
        counts.add(Status::Invalid);
        assert_eq!(summary(counts).exit_code(), exit::ROW_PROBLEMS);
        counts.add(Status::Pending);
        assert_eq!(summary(counts).exit_code(), exit::INCOMPLETE);
    }
}
