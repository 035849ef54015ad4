//! Every line a person sees: progress on stderr ([`Progress`]: a bar on a terminal, a line
//! every few seconds otherwise), warnings and notes, the input's column mapping and encoding,
//! the closing summary, and `--json` alone on stdout. Nothing else in the crate prints (an
//! export with `-o -` writes its CSV, data, to stdout). Off a
//! terminal (cron, CI) every line starts with its time, RFC 3339 in UTC. The summary's words
//! are put together in `console/summary_text.rs`.

mod progress;
mod summary_text;

pub use progress::{Progress, Spinner};
use summary_text::summary_text;

use std::fmt::Display;
use std::io::{self, Write};

use crate::config::Task;

use crate::outside;
use crate::rows::{ColumnUse, CsvInput, TextEncoding};
use crate::summary::Summary;

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors and the summary only (for cron).
    Quiet,
    Normal,
    /// `-v` (1) and `-vv` (2).
    Verbose(u8),
}

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

    /// Writes `text` to standard error as one line, stamped with the time off a terminal, and
    /// above the progress bar on one (which is cleared for it and drawn again). The line passes
    /// through [`outside::shown`] whatever it holds: no text from a file, a path or Zoom can
    /// move the cursor, retitle the terminal or start a line of its own in a log.
    fn say(&self, text: impl Display) {
        let line = outside::shown(&text.to_string());
        progress::above_the_bar(|| {
            let mut err = io::stderr().lock();
            if self.stamped {
                let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
                let _ = writeln!(err, "{now} {line}");
            } else {
                let _ = writeln!(err, "{line}");
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
        let how = match &config.task {
            Task::Import(import) => format!(
                "import, plan {plan}, mode {}",
                format!("{:?}", import.mode).to_lowercase()
            ),
            Task::Change(action) => format!("{}, plan {plan}", action.name()),
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

    /// What `-v` adds: shown with `--verbose`.
    pub fn detail(&self, text: impl Display) {
        if self.verbosity >= Verbosity::Verbose(1) {
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
        let question = outside::shown(&question.to_string());
        let _ = write!(io::stderr().lock(), "{question} [y/N] ");
        let mut answer = String::new();
        if io::stdin().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
    }

    /// Where a line for each request to Zoom goes: here, with `-vv`; nowhere otherwise.
    pub fn request_log(&self) -> Option<crate::zoom::RequestLog> {
        let console = *self;
        (self.verbosity >= Verbosity::Verbose(2)).then(|| -> crate::zoom::RequestLog {
            std::sync::Arc::new(move |line: std::fmt::Arguments<'_>| {
                console.say(format_args!("request: {line}"));
            })
        })
    }

    /// A further line of the error just shown (clap's tip and usage), as it is: always shown.
    pub fn continued(&self, line: impl Display) {
        self.say(line);
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
                 Windows-1252, as Excel writes on Windows. Check accented names in the results \
                 (add --excel for Excel to show them right), or save the file as 'CSV UTF-8'.",
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
            let mut unknown = false;
            for (header, column_use) in &input.columns.columns {
                let target = match column_use {
                    ColumnUse::Mapped(target) => target.name().to_string(),
                    ColumnUse::CustomQuestion(title) => format!("custom question '{title}'"),
                    ColumnUse::Unused(why) => format!("not sent: {why}"),
                    ColumnUse::Unknown => {
                        unknown = true;
                        match input.columns.looks_like(header) {
                            Some(field) => format!(
                                "not sent: looks like {field}, which the event's form does not ask for (--map {field}={} to send it)",
                                quoted_if_spaced(header)
                            ),
                            None => "not sent: matches no Zoom field".to_string(),
                        }
                    }
                };
                self.say(format_args!("  {header:<width$}  -> {target}"));
            }
            if unknown {
                self.say(format_args!(
                    "  (--map FIELD=COLUMN sends a column as FIELD: {})",
                    crate::registrant::Field::map_names()
                ));
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
        let json = serde_json::to_value(&report).and_then(|mut value| {
            shown_strings(&mut value);
            serde_json::to_string(&value)
        });
        match json {
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

    /// What a command that writes a table did: one JSON object with `--json`, else a line
    /// unless `--quiet`.
    pub fn table_written<D: serde::Serialize>(&self, written: &crate::summary::TableWritten<D>) {
        if self.json {
            return self.json_line(written.exit_code, written);
        }
        let counts: Vec<String> = written.by_status.iter().map(ToString::to_string).collect();
        let command = written.command;
        let noun = if written.rows == 1 {
            command.one
        } else {
            command.many
        };
        let what = format!(
            "{} {noun} of {} ({})",
            written.rows,
            written.event,
            counts.join(", ")
        );
        match (&written.output, written.dry_run) {
            (_, true) => self.note(format_args!(
                "dry run: {what} {}; nothing written",
                command.would
            )),
            (Some(path), false) => self.note(format_args!("{} {what} to {path}", command.done)),
            (None, false) => self.note(format_args!("{} {what}", command.done)),
        }
    }

    pub fn summary(&self, summary: &Summary) {
        if self.json {
            return self.json_line(summary.exit_code(), summary);
        }
        // The summary's lines are its own; the outside text in them is shown escaped.
        for line in summary_text(summary).lines() {
            self.say(line);
        }
    }
}

/// Every string of a `--json` object through [`outside::shown`] (keys are zimport's own).
fn shown_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) if text.chars().any(outside::hidden) => {
            *text = outside::shown(text);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(shown_strings),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(shown_strings),
        _ => {}
    }
}

/// A column title as a shell takes it in `--map FIELD=COLUMN`.
fn quoted_if_spaced(title: &str) -> String {
    if title.contains(|c: char| c.is_whitespace() || "'\"$`\\&|;<>()*?/".contains(c)) {
        format!("'{}'", title.replace('\'', "'\\''"))
    } else {
        title.to_string()
    }
}
