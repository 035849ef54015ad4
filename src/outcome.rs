//! What a row comes to: its one [`Status`], the verdict that decides it without asking Zoom
//! ([`answer`], the one place a verdict becomes a status), and the shapes an outcome takes on
//! its way to the results file: built by a worker ([`Outcome`]), encoded ([`Line`], and
//! [`OwnedLine`] to cross threads), and counted ([`crate::model::Counts`]).

use std::borrow::Cow;

use serde::Serialize;

use crate::model::Person;
use crate::model::Status;
use crate::registrant::Problem;

/// What a results line says of a row's outcome, after the person: its status, Zoom's IDs and
/// codes, the message, and the registration requests that carried it.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    pub status: Status,
    pub registrant_id: &'a str,
    pub join_url: &'a str,
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    /// Made for the row only where it names what is the row's own (an address Zoom lists
    /// more than once).
    pub message: Cow<'a, str>,
    pub attempts: u32,
}

impl<'a> Answer<'a> {
    /// An outcome Zoom was not asked about (or gave no answer to).
    pub fn unanswered(status: Status, message: &'a str) -> Answer<'a> {
        Answer {
            status,
            registrant_id: "",
            join_url: "",
            http_status: None,
            zoom_code: None,
            message: Cow::Borrowed(message),
            attempts: 0,
        }
    }
}

/// One row's outcome as the recorder takes it, from every kind of run: the encoded rest of its
/// results line, and what the counts and the summary need.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// Position among the rows that get an outcome, in input order.
    pub seq: u64,
    pub row: u64,
    /// The input line the record starts on, for the summary's problems.
    pub line: u64,
    pub status: Status,
    /// Registration requests that carried the row: one sent but not recorded is in doubt.
    pub attempts: u32,
    /// Its message (the summary lists those of invalid and failed rows).
    pub message: &'a str,
    /// Its person and outcome, encoded in the results format
    /// ([`Format::person`](crate::results::Format::person),
    /// [`Format::outcome`](crate::results::Format::outcome)).
    pub rest: &'a [u8],
    /// The input's cells that zimport does not send, for the end of the line
    /// ([`Format::carried`](crate::results::Format::carried)); empty if there are none.
    pub carried: &'a [u8],
}

impl Line<'_> {
    pub fn to_owned(&self) -> OwnedLine {
        OwnedLine {
            seq: self.seq,
            row: self.row,
            line: self.line,
            status: self.status,
            attempts: self.attempts,
            message: self.message.to_string(),
            rest: String::from_utf8_lossy(self.rest).into_owned(),
            carried: String::from_utf8_lossy(self.carried).into_owned(),
        }
    }
}

/// [`Line`], owned: to cross between tasks, wait its turn, or be kept in the spool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct OwnedLine {
    pub seq: u64,
    pub row: u64,
    pub line: u64,
    pub status: Status,
    pub attempts: u32,
    pub message: String,
    /// Text, for the encoders only ever write what they were given as text.
    pub rest: String,
    #[serde(default)]
    pub carried: String,
}

impl OwnedLine {
    pub fn as_line(&self) -> Line<'_> {
        Line {
            seq: self.seq,
            row: self.row,
            line: self.line,
            status: self.status,
            attempts: self.attempts,
            message: &self.message,
            rest: self.rest.as_bytes(),
            carried: self.carried.as_bytes(),
        }
    }
}

/// One row's outcome as a worker builds it, before it is encoded ([`Outcome::line`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Position among the rows that get an outcome, in input order.
    pub seq: u64,
    pub row: u64,
    pub line: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: Status,
    pub registrant_id: String,
    pub join_url: String,
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub message: String,
    pub attempts: u32,
    /// The row's carried input cells, encoded ([`Line::carried`]).
    pub carried: String,
}

impl Outcome {
    /// An outcome without an answer from Zoom: no registrant ID, join URL or HTTP status.
    pub fn unanswered(
        (seq, row, line): (u64, u64, u64),
        person: Person,
        status: Status,
        message: String,
        attempts: u32,
    ) -> Outcome {
        Outcome {
            seq,
            row,
            line,
            email: person.email,
            first_name: person.first_name,
            last_name: person.last_name,
            status,
            registrant_id: String::new(),
            join_url: String::new(),
            http_status: None,
            zoom_code: None,
            message,
            attempts,
            carried: String::new(),
        }
    }
}

/// The message of a `duplicate` row, naming the line of the row it repeats (a line too far
/// for [`crate::fingerprint::SeenSet`] to keep is "an earlier row").
pub fn duplicate_message(earlier_line: u32, other_person: bool, message: &mut String) {
    use std::fmt::Write;
    message.push_str("same email (ignoring case) as ");
    if earlier_line == crate::fingerprint::FAR_LINE {
        message.push_str("an earlier row");
    } else {
        let _ = write!(message, "line {earlier_line}");
    }
    if other_person {
        message.push_str(OTHER_PERSON);
    } else {
        message.push_str("; not sent");
    }
}

/// Whether a row is a duplicate under another name: another person sharing the address, a
/// problem row.
pub fn is_other_person(status: Status, message: &str) -> bool {
    status == Status::Duplicate && message.ends_with(OTHER_PERSON)
}

/// How a duplicate's message says it names another person than the row it repeats (the
/// recorder lists such rows among the problems).
pub const OTHER_PERSON: &str = ", under another name: another person who shares the address (several tickets on one buyer's email?); Zoom keeps one registrant per email, so not sent: give them their own address";

/// The message of an `invalid` row: every problem it has.
pub fn joined(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

mod verdict;
pub use verdict::{answer, Verdict};

#[cfg(test)]
mod tests;
