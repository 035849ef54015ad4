//! How a results line is written and read back: the [`Format`] every writer of results lines
//! is handed. The reader's checker threads encode each row's person and outcome with it (so
//! lines are still encoded in parallel), the workers encode Zoom's answers with it, and the
//! results file, the journal and the memory of earlier runs take it from the run's
//! configuration. No code outside `results/` knows how a line is encoded: a column made of what
//! a row's [`Answer`] and person already carry is written here alone, and a second format is
//! one more implementation of [`Format`] (the tests write one, `tests/it/results_format.rs`,
//! and run it end to end). A column of something new also adds it to `Answer`, where it is
//! decided.
//!
//! A line is its row number, then its *rest*: the person ([`Format::person`]) and the outcome
//! ([`Format::outcome`]), then its input line, the run's event ([`Format::event`]) and the
//! input's cells that zimport does not send ([`Format::carried`]). A dry run encodes the rest
//! before a row's number is known, and the outcome of a `valid` row only once.

use std::borrow::Cow;
use std::fmt;

use crate::outcome::{Answer, Outcome, OwnedLine};

/// One way to write results lines (the columns of
/// [`RESULT_COLUMNS`](super::RESULT_COLUMNS), then the carried ones), and to read them back.
/// A format writes UTF-8 text: a line's parts cross threads and the spool as `String`s.
pub trait Format: Send + Sync + fmt::Debug {
    /// The header line, with its line end: `titles` are every column's, each once.
    fn header(&self, titles: &[&str]) -> Vec<u8>;

    /// Appends a row's person: its email, first and last name.
    fn person(&self, email: &str, first_name: &str, last_name: &str, line: &mut Vec<u8>);

    /// Appends a row's outcome, after its person: from the status to the attempts.
    fn outcome(&self, answer: &Answer<'_>, line: &mut Vec<u8>);

    /// Appends the input's cells a row carries, after its event.
    fn carried(&self, cells: &mut dyn Iterator<Item = &str>, line: &mut Vec<u8>);

    /// The event's part of a line, the same on every line of a run: encoded once.
    fn event(&self, event: &str) -> Vec<u8>;

    /// Appends a whole line to `out`: its row number, its rest, its input line, the event's
    /// part, the carried cells, the line end.
    fn compose(
        &self,
        row: u64,
        input_line: u64,
        rest: &[u8],
        event: &[u8],
        carried: &[u8],
        out: &mut Vec<u8>,
    );

    /// How a file in this format is read back: the memory of earlier runs reads its columns
    /// by name with the `csv` crate, so a format is a dialect that crate reads.
    fn reader(&self) -> csv::ReaderBuilder;

    /// A cell's text as it was before it was written: by default without the `'` that
    /// neutralises a formula ([`crate::outside::cell_text`]).
    fn cell<'a>(&self, written: &'a str) -> &'a str {
        crate::outside::cell_text(written)
    }
}

/// How a worker's outcome is encoded: in the run's format.
impl Outcome {
    /// The outcome as the recorder takes it: encoded in `format`.
    pub fn line(self, format: &dyn Format) -> OwnedLine {
        let mut rest = Vec::with_capacity(192);
        format.person(&self.email, &self.first_name, &self.last_name, &mut rest);
        format.outcome(
            &Answer {
                status: self.status,
                registrant_id: &self.registrant_id,
                join_url: &self.join_url,
                http_status: self.http_status,
                zoom_code: self.zoom_code,
                message: Cow::Borrowed(&self.message),
                attempts: self.attempts,
            },
            &mut rest,
        );
        OwnedLine {
            seq: self.seq,
            row: self.row,
            line: self.line,
            status: self.status,
            attempts: self.attempts,
            // A format writes only the text it is given.
            rest: String::from_utf8(rest)
                .unwrap_or_else(|bytes| String::from_utf8_lossy(bytes.as_bytes()).into_owned()),
            message: self.message,
            carried: self.carried,
        }
    }
}
