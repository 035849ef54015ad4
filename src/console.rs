//! Every line a person sees: progress on stderr ([`Progress`]: a bar on a terminal, a line
//! every few seconds otherwise), warnings and notes, the input's column mapping and encoding,
//! the closing summary, and `--json` alone on stdout. Nothing else in the crate prints. Off a
//! terminal (cron, CI) every line starts with its time, RFC 3339 in UTC.

mod progress;

pub use progress::{Progress, Spinner};

use std::fmt::Display;
use std::io::{self, Write};

use crate::config::{Command, Verbosity};
use crate::limits::{Estimate, Mode};
use crate::outcome::Status;
use crate::rows::{ColumnUse, CsvInput, TextEncoding};
use crate::summary::{RunStats, Summary};

/// The version of `--json`'s shape (README, "--json for scripts").
pub const JSON_SCHEMA: u32 = 1;

/// The one JSON object of `--json`.
#[derive(serde::Serialize)]
struct JsonReport<'a, T: serde::Serialize> {
    schema: u32,
    exit_code: u8,
    #[serde(flatten)]
    body: &'a T,
}

/// The body of a command that ended early.
#[derive(serde::Serialize)]
struct JsonError<'a> {
    error: &'a str,
}

/// Every line a person sees goes through here: progress and notes on stderr, and the JSON
/// summary (with `--json`) alone on stdout. Write errors (a closed pipe) are ignored rather
/// than allowed to panic.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    pub verbosity: Verbosity,
    json: bool,
    /// Standard error is not a terminal: each line starts with its time.
    stamped: bool,
}

impl Console {
    pub fn new(verbosity: Verbosity, json: bool) -> Console {
        Console {
            verbosity,
            json,
            stamped: !std::io::IsTerminal::is_terminal(&io::stderr()),
        }
    }

    /// Writes `text` to standard error, each line stamped with the time off a terminal, and
    /// above the progress bar on one (which is cleared for it and drawn again).
    fn say(&self, text: impl Display) {
        let text = text.to_string();
        progress::above_the_bar(|| {
            let mut err = io::stderr().lock();
            if self.stamped {
                let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
                for line in text.lines().filter(|line| !line.trim().is_empty()) {
                    let _ = writeln!(err, "{now} {line}");
                }
            } else {
                let _ = writeln!(err, "{text}");
            }
        });
    }

    /// The line that opens a run: the version, the input, the event, what is done, and how.
    pub fn headline(&self, config: &crate::config::Config) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        let input = match &config.source {
            crate::rows::Source::Stdin => "standard input".to_string(),
            crate::rows::Source::Path(path) => path.display().to_string(),
        };
        let plan = format!("{:?}", config.plan).to_lowercase();
        let how = match config.command {
            Command::Import => format!(
                "import, plan {plan}, mode {}",
                format!("{:?}", config.mode).to_lowercase()
            ),
            Command::Change(action) => format!("{}, plan {plan}", action.name()),
        };
        let dry = if config.dry_run { ", dry run" } else { "" };
        self.opening(format_args!("{input} → {}, {how}{dry}", config.event));
    }

    /// The line that opens a command: `zimport 0.1.0: ` and what it does.
    pub fn opening(&self, what: impl Display) {
        if self.verbosity > Verbosity::Quiet {
            self.say(format_args!(
                "zimport {}: {what}",
                env!("CARGO_PKG_VERSION")
            ));
        }
    }

    /// A warning: shown unless `--quiet`.
    pub fn warn(&self, text: impl Display) {
        if self.verbosity > Verbosity::Quiet {
            self.say(format_args!("warning: {text}"));
        }
    }

    /// Information: shown unless `--quiet`.
    pub fn note(&self, text: impl Display) {
        if self.verbosity > Verbosity::Quiet {
            self.say(format_args!("note: {text}"));
        }
    }

    /// A one-line spinner for work of unknown length (an export's pages): shown only on a
    /// terminal, and not with `--quiet`.
    pub fn spinner(&self) -> Spinner {
        Spinner::new(self.verbosity > Verbosity::Quiet && !self.stamped)
    }

    /// Asks `question` on the terminal; true only for an answer of y or yes.
    pub fn confirm(&self, question: impl Display) -> bool {
        let _ = write!(io::stderr().lock(), "{question} [y/N] ");
        let mut answer = String::new();
        if io::stdin().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
    }

    /// A request to Zoom (`-vv`): shown at that verbosity only.
    pub fn request(&self, text: impl Display) {
        if self.verbosity >= Verbosity::Verbose(2) {
            self.say(format_args!("request: {text}"));
        }
    }

    /// A fatal error: always shown.
    pub fn error(&self, text: impl Display) {
        self.say(format_args!("zimport: error: {text}"));
    }

    /// The encoding the input was read in, once its rows are read: a warning for
    /// Windows-1252, shown even with `--quiet`, since it changes what is sent.
    pub fn encoding(&self, input: &CsvInput) {
        if let TextEncoding::Windows1252 { first_bad_line } = input.encoding() {
            self.say(format_args!(
                "warning: {} is not valid UTF-8 (first at line {first_bad_line}); reading it as \
                 Windows-1252, as Excel writes on Windows. Check accented names in the results, \
                 or save the file as 'CSV UTF-8'.",
                input.name
            ));
        }
    }

    /// The column mapping: in full for dry runs and `-v`; otherwise just the columns that are
    /// not used.
    pub fn columns(&self, input: &CsvInput, dry_run: bool) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        if dry_run || self.verbosity >= Verbosity::Verbose(1) {
            let width = input
                .columns
                .columns
                .iter()
                .map(|(h, _)| h.chars().count())
                .max();
            let width = width.unwrap_or(0).min(30);
            let delimiter = match input.delimiter {
                b'\t' => "tab".to_string(),
                other => format!("'{}'", char::from(other)),
            };
            self.say(format_args!(
                "Columns of {} (delimiter {delimiter}):",
                input.name
            ));
            for (header, column_use) in &input.columns.columns {
                let target = match column_use {
                    ColumnUse::Mapped(target) => target.name().to_string(),
                    ColumnUse::CustomQuestion(title) => format!("custom question '{title}'"),
                    ColumnUse::Unused(why) => format!("not used: {why}"),
                    ColumnUse::Unknown => {
                        "not used: matches no Zoom field (use --map FIELD=COLUMN)".to_string()
                    }
                };
                self.say(format_args!("  {header:<width$}  -> {target}"));
            }
        } else {
            let unused: Vec<&str> = input.columns.unused().collect();
            if !unused.is_empty() {
                self.say(format_args!(
                    "note: columns not sent to Zoom: {} (see --dry-run for the mapping)",
                    unused.join(", ")
                ));
            }
        }
    }

    /// `--json`: the one object on standard output, whatever the run came to: `schema` (1),
    /// `exit_code`, and the body (a summary, an export, or an `error`).
    fn json_line(&self, exit_code: u8, body: &impl serde::Serialize) {
        let report = JsonReport {
            schema: JSON_SCHEMA,
            exit_code,
            body,
        };
        match serde_json::to_string(&report) {
            Ok(json) => {
                let _ = writeln!(io::stdout().lock(), "{json}");
            }
            Err(err) => self.error(format_args!("cannot encode the summary as JSON: {err}")),
        }
    }

    /// Why a command ended early, as its exit code says: on standard error, and with `--json`
    /// as the one object on standard output.
    pub fn failed(&self, message: impl Display, exit_code: u8) {
        let message = message.to_string();
        self.error(&message);
        self.json_only(&message, exit_code);
    }

    /// [`Console::failed`]'s JSON object alone, with `--json` (the message is shown already).
    pub fn json_only(&self, message: &str, exit_code: u8) {
        if self.json {
            self.json_line(exit_code, &JsonError { error: message });
        }
    }

    /// What an export did: one JSON object with `--json`, else a line unless `--quiet`.
    pub fn exported(&self, exported: &crate::export::Exported) {
        if self.json {
            return self.json_line(crate::summary::exit::OK, exported);
        }
        let counts: Vec<String> = exported
            .by_status
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect();
        let what = format!(
            "{} registrant{} of {} ({})",
            exported.registrants,
            if exported.registrants == 1 { "" } else { "s" },
            exported.event,
            counts.join(", ")
        );
        match (&exported.output, exported.dry_run) {
            (_, true) => self.note(format_args!(
                "dry run: {what} would be exported; nothing written"
            )),
            (Some(path), false) => self.note(format_args!("exported {what} to {path}")),
            (None, false) => self.note(format_args!("exported {what}")),
        }
    }

    pub fn summary(&self, summary: &Summary) {
        if self.json {
            return self.json_line(summary.exit_code(), summary);
        }
        let mut text = String::new();
        let rows = summary.counts.total();
        let command = match summary.command {
            Command::Import => String::new(),
            other => format!(" ({})", other.name()),
        };
        if summary.dry_run {
            text.push_str(&format!(
                "Dry run of {} for {}{command}: nothing was sent to Zoom.\n",
                summary.input, summary.event
            ));
        } else {
            text.push_str(&format!(
                "Run of {} for {}{command}:\n",
                summary.input, summary.event
            ));
        }
        text.push_str(&format!(
            "Read {} as {}.\n",
            summary.input, summary.encoding
        ));
        text.push_str(&format!("Rows: {rows}"));
        if summary.empty_records > 0 {
            text.push_str(&format!(
                " ({} skipped)",
                count(summary.empty_records, "empty record", "empty records")
            ));
        }
        text.push('\n');
        for status in Status::ALL {
            let count = summary.counts.get(status);
            if count > 0 {
                text.push_str(&format!("  {:<19}{count:>9}\n", status.as_str()));
            }
        }
        if !summary.first_problems.is_empty() {
            let invalid = summary.counts.invalid;
            let more = invalid.saturating_sub(summary.first_problems.len() as u64);
            text.push_str("Problems:\n");
            for problem in &summary.first_problems {
                text.push_str(&format!(
                    "  row {} (line {}): {}\n",
                    problem.row, problem.line, problem.message
                ));
            }
            if more > 0 {
                text.push_str(&format!("  … and {more} more (see the results file)\n"));
            }
        }
        if let Some(run) = &summary.run {
            text.push_str(&run_text(run, summary.command));
            let pending = summary.counts.pending;
            let explained = run.interrupted.is_some()
                || run.stopped.is_some()
                || run.unreachable.is_some()
                || run.daily_limit;
            if pending > 0 && !explained {
                text.push_str(&format!(
                    "{} pending: Zoom did not confirm {} ({} retries: 5xx answers, dropped connections or 429s); the results file says why for each. Run the same command again later to finish {}.\n",
                    count(pending, "row is", "rows are"),
                    if pending == 1 { "it" } else { "them" },
                    run.retries,
                    if pending == 1 { "it" } else { "them" },
                ));
            }
        }
        if let Some(estimate) = &summary.estimate {
            text.push_str(&estimate_text(summary, estimate));
            if summary.command == Command::Import {
                text.push_str(&format!("  Options: {}.\n", summary.options));
            }
        }
        text.push_str(&format!(
            "Results: {} ({:.1} s)",
            summary.results.display(),
            summary.elapsed_seconds
        ));
        self.say(text);
    }
}

fn estimate_text(summary: &Summary, estimate: &Estimate) -> String {
    let limits = summary.limits;
    let mut calls = Vec::new();
    if estimate.batch_calls > 0 {
        calls.push(format!(
            "{} (Heavy, {}/s)",
            count(estimate.batch_calls, "batch call", "batch calls"),
            limits.heavy_per_second
        ));
    }
    if estimate.single_calls > 0 {
        calls.push(format!(
            "{} (Light, {}/s)",
            count(estimate.single_calls, "single add", "single adds"),
            limits.light_per_second
        ));
    }
    if estimate.status_calls > 0 {
        calls.push(format!(
            "{} of up to 30 people (Medium, {}/s)",
            count(estimate.status_calls, "status call", "status calls"),
            limits.medium_per_second
        ));
    }
    if calls.is_empty() {
        return "A real run would send nothing.\n".to_string();
    }
    let plan = format!("{:?}", summary.plan).to_lowercase();
    let mode = match summary.command {
        Command::Import => format!(", mode {:?}", summary.mode).to_lowercase(),
        Command::Change(_) => String::new(),
    };
    let mut text = format!(
        "A real run (plan {plan}{mode}) would send {}: about {} at the plan's ceiling",
        calls.join(" and "),
        human_duration(estimate.seconds)
    );
    if estimate.days > 1 {
        text.push_str(&format!(
            ", but the plan's daily quota spreads it over {} days (re-run daily until done)",
            estimate.days
        ));
    }
    // Once Zoom has said whether batch fits the event, the estimate already follows it.
    if summary.mode != Mode::Single && estimate.batch_calls > 0 && !estimate.batch_checked {
        text.push_str(".\n  (Batch is used only for scheduled meetings and webinars; otherwise every row is a single add.)\n");
    } else {
        text.push_str(".\n");
    }
    text
}

fn run_text(run: &RunStats, command: Command) -> String {
    let (one, many) = match command {
        Command::Import => ("registration request", "registration requests"),
        Command::Change(_) => ("status call", "status calls"),
    };
    let mut text = if run.requests == 0 {
        format!("Sent nothing: no row needed a {one}.\n")
    } else {
        format!(
            "Sent {} ({} retries, {} rate-limited), {:.1} rows/s.\n",
            count(run.requests, one, many),
            run.retries,
            run.rate_limited,
            run.rows_per_second
        )
    };
    if let Some(slowest) = run.slowed.iter().map(|s| s.per_second).min() {
        let paces: Vec<String> = run
            .slowed
            .iter()
            .map(|s| format!("{} to {} a second", s.what, s.per_second))
            .collect();
        text.push_str(&format!(
            "Zoom refused requests as too fast, so zimport slowed down ({}): this account allows less than its plan's ceiling (other apps may share it). --max-rps {slowest} avoids the refusals, each of which costs a person one of their three requests a day.\n",
            paces.join(", ")
        ));
    }
    if let Some(how) = run.interrupted {
        let what = how.name();
        // Names are ASCII: the first byte is the first letter.
        let (first, rest) = what.split_at(1);
        text.push_str(&format!(
            "{}{rest}: rows not sent are pending; run the same command again to finish.\n",
            first.to_ascii_uppercase()
        ));
    }
    if let Some(reason) = &run.stopped {
        text.push_str(&format!("Stopped early: {reason}\n"));
    }
    if let Some(reason) = &run.unreachable {
        text.push_str(&format!(
            "Zoom stopped answering: {reason}. The rows not confirmed are pending: run the same command again once Zoom answers.\n"
        ));
    }
    if run.daily_limit {
        let when = match &run.resume_at {
            Some(at) => format!("after {at}"),
            None => "tomorrow, after 00:00 UTC".to_string(),
        };
        text.push_str(&format!(
            "Zoom's daily quota for this account is used up: run the same command again {when} to finish the pending rows.\n"
        ));
    }
    text
}

/// "1 batch call", "2 batch calls".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human_duration(seconds: f64) -> String {
    let seconds = seconds.ceil() as u64;
    match seconds {
        0..=59 => format!("{} s", seconds.max(1)),
        60..=3599 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, (seconds % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0.2), "1 s");
        assert_eq!(human_duration(75.0), "1 min 15 s");
        assert_eq!(human_duration(7300.0), "2 h 1 min");
    }
}
