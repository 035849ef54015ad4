//! Settling: every row read once, and given its outcome where Zoom need not be asked. The checked
//! blocks of the input ([`crate::rows::source`]) come here in file order; each row is numbered,
//! checked against the valid rows before it for a duplicate email (the one duplicate set), and
//! against what earlier runs and Zoom already know ([`Memory`]), and then handed to the run's
//! [`Sink`]: as an outcome ([`Sink::settled`]), or as a row nobody knows yet
//! ([`Sink::unknown`]), which a dry run records as `valid` and a real run keeps to send.

use crate::fingerprint::{Earlier, SeenSet, Sighting};
use crate::model::{Command, Request, Status};
use crate::outcome::{answer, duplicate_message, Line, Verdict};
use crate::registrant::{Adjusted, Registrant};
use crate::results::memory::Memory;
use crate::results::Format;
use crate::rows::source::{self, CheckedBlock, Keep, RowKind, NAMES_SHOWN};
use crate::rows::{CsvInput, TextEncoding};
use crate::Error;

/// Where settled rows go: a dry run's recorder, or a real run's spool.
pub trait Sink {
    /// A row whose outcome is known now.
    fn settled(&mut self, line: Line<'_>) -> Result<(), Error>;
    /// A valid row nobody knows yet.
    fn unknown(&mut self, row: Unknown<'_>) -> Result<(), Error>;
}

/// A valid row a real run sends.
pub struct Unknown<'a> {
    /// Its outcome as a dry run gives it: `valid`.
    pub valid: Line<'a>,
    /// The person to send (kept only for a run that sends). Boxed, so that every row handed
    /// on moves a pointer, not the person: 6% of a million-row dry run (BENCHMARKS.md).
    pub registrant: Option<Box<Registrant>>,
    /// What it asks of Zoom.
    pub request: Request,
}

/// What settling the whole input came to.
#[derive(Debug, Clone)]
pub struct Tally {
    pub encoding: TextEncoding,
    /// Rows that got an outcome (every record but the blank ones).
    pub rows: u64,
    /// Records whose cells were all empty: skipped, with no results row.
    pub empty_records: u64,
    /// Rows to send that go 30 a call (batch registration could carry them, or a status
    /// change), and the others (single adds).
    pub fits_batch: u64,
    pub others: u64,
    /// What validation changed in the valid rows.
    pub adjusted: Adjusted,
    /// The first few names split otherwise than at the last space: "line N: …".
    pub names_split: Vec<String>,
}

impl Tally {
    /// Rows a real run sends.
    pub fn to_send(&self) -> u64 {
        self.fits_batch + self.others
    }
}

/// Reads the whole input and settles every row into `sink`, for `command`, each row's line
/// encoded in `format`. `registrants`: whether the sink needs the person of each row to send
/// (a real run, which sends them).
pub fn settle(
    input: &mut CsvInput,
    command: Command,
    memory: &mut Memory,
    sink: &mut impl Sink,
    format: &'static dyn Format,
    registrants: bool,
) -> Result<Tally, Error> {
    let keep = Keep {
        emails: !memory.is_empty(),
        registrants,
        ..Keep::default()
    };
    settle_as(
        input,
        (command, format),
        memory,
        sink,
        keep,
        crate::rows::blocks::BLOCK_BYTES,
    )
}

/// [`settle`], keeping what `keep` says, in blocks of about `block_bytes`.
fn settle_as(
    input: &mut CsvInput,
    (command, format): (Command, &'static dyn Format),
    memory: &mut Memory,
    sink: &mut impl Sink,
    keep: Keep,
    block_bytes: usize,
) -> Result<Tally, Error> {
    let keep = Keep {
        lines: Some(format),
        ..keep
    };
    let mut settling = Settling {
        command,
        format,
        memory,
        seen: SeenSet::default(),
        size: input.size(),
        number: 0,
        seq: 0,
        empty_records: 0,
        fits_batch: 0,
        others: 0,
        adjusted: Adjusted::default(),
        names_split: Vec::new(),
        sightings: Vec::new(),
        earlier: Vec::new(),
        message: String::new(),
        line: Vec::new(),
    };
    let read = source::read_in_blocks(input, keep, block_bytes, &mut |block| {
        settling.block(block, sink)
    })?;
    Ok(Tally {
        encoding: read.encoding,
        rows: settling.seq,
        empty_records: settling.empty_records,
        fits_batch: settling.fits_batch,
        others: settling.others,
        adjusted: settling.adjusted,
        names_split: settling.names_split,
    })
}

/// The state of settling, block after block.
struct Settling<'m> {
    command: Command,
    /// How each line is encoded.
    format: &'static dyn Format,
    memory: &'m mut Memory,
    /// The fingerprints of the valid emails so far: the one duplicate set.
    seen: SeenSet,
    /// The input's size, to size `seen` from the first block.
    size: Option<u64>,
    /// The last record's number, and the rows given an outcome so far.
    number: u64,
    seq: u64,
    empty_records: u64,
    fits_batch: u64,
    others: u64,
    adjusted: Adjusted,
    names_split: Vec<String>,
    /// For each block: its valid rows' fingerprints and lines, and for each the line of the
    /// row it repeats (`None`: it is new).
    sightings: Vec<Sighting>,
    earlier: Vec<Option<Earlier>>,
    /// A duplicate's message.
    message: String,
    /// A line being encoded anew.
    line: Vec<u8>,
}

impl Settling<'_> {
    fn block(&mut self, block: &mut CheckedBlock, sink: &mut impl Sink) -> Result<(), Error> {
        if let Some(size) = self.size.take() {
            self.seen
                .reserve(block.rows.len() + rows_after_first(size, block));
        }
        self.sightings.clear();
        self.sightings.extend(block.sightings());
        self.earlier.clear();
        self.seen.insert_all(&self.sightings, &mut self.earlier);
        let mut earlier = self.earlier.iter();
        self.adjusted.add(block.adjusted);
        for (line, split) in &block.names_split {
            if self.names_split.len() < NAMES_SHOWN {
                let line = block.first_line + line;
                self.names_split.push(format!("line {line}: {split}"));
            }
        }
        let CheckedBlock {
            rows,
            encoded,
            emails,
            problems,
            registrants,
            first_line,
            ..
        } = block;
        for row in rows.iter() {
            self.number += 1;
            let line = Line {
                seq: self.seq,
                row: self.number,
                line: *first_line + row.line,
                status: Status::Valid,
                attempts: 0,
                message: "",
                rest: &encoded[row.encoded.clone()],
                carried: &encoded[row.carried.clone()],
            };
            match &row.kind {
                RowKind::Blank => {
                    self.empty_records += 1;
                    continue;
                }
                RowKind::Invalid(problem) => sink.settled(Line {
                    status: Status::Invalid,
                    message: &problems[*problem],
                    ..line
                })?,
                RowKind::Valid {
                    fits_batch,
                    email,
                    registrant,
                    name,
                    ..
                } => {
                    // The line of the row it repeats (the set gives one answer per valid row).
                    let Some(&repeats) = earlier.next() else {
                        return Err(Error::Internal(
                            "the duplicate set gave fewer answers than the block has valid rows"
                                .to_string(),
                        ));
                    };
                    let verdict = match repeats {
                        Some(repeats) => {
                            self.message.clear();
                            let other_person = repeats.other_person(*name);
                            duplicate_message(repeats.line, other_person, &mut self.message);
                            Verdict::Duplicate(&self.message)
                        }
                        None if self.memory.is_empty() => Verdict::of(self.command, None),
                        None => {
                            let known = self.memory.known(&emails[email.clone()]);
                            Verdict::of(self.command, known)
                        }
                    };
                    let sends = verdict.sends();
                    if sends {
                        if *fits_batch || matches!(self.command, Command::Change(_)) {
                            self.fits_batch += 1;
                        } else {
                            self.others += 1;
                        }
                    }
                    let registrant = registrant
                        .filter(|_| sends)
                        .and_then(|r| registrants[r].take());
                    // A new row's line is `valid` as encoded (most rows: no new encoding);
                    // any other is the same person with another outcome.
                    if let Verdict::Unknown = verdict {
                        sink.unknown(Unknown {
                            valid: line,
                            registrant,
                            request: Request::Add,
                        })?;
                    } else {
                        let answer = answer(&verdict);
                        self.line.clear();
                        self.line
                            .extend_from_slice(&encoded[row.encoded.start..row.person_end]);
                        self.format.outcome(&answer, &mut self.line);
                        let line = Line {
                            status: answer.status,
                            message: &answer.message,
                            rest: &self.line,
                            ..line
                        };
                        if sends {
                            let registrant_ids = verdict
                                .to_change()
                                .into_iter()
                                .map(str::to_string)
                                .collect();
                            sink.unknown(Unknown {
                                valid: line,
                                registrant,
                                request: Request::Change { registrant_ids },
                            })?;
                        } else {
                            sink.settled(line)?;
                        }
                    }
                }
            }
            self.seq += 1;
        }
        Ok(())
    }
}

/// About how many more rows a file of `size` bytes has than its first block, from that
/// block's rows a byte: the duplicate set is sized once instead of growing (each growth
/// re-inserts every address, a cache miss each).
fn rows_after_first(size: u64, first: &CheckedBlock) -> usize {
    let bytes = first.len().max(1) as f64;
    let rest = size.saturating_sub(first.len() as u64) as f64;
    // A tenth more, as rows further down may be shorter.
    let expected = rest * first.rows.len() as f64 / bytes * 1.1;
    (expected as usize).min(1 << 26)
}

/// What reading a file gives, as the results file shows it: for tests.
#[cfg(test)]
pub(crate) mod seen {
    use super::*;
    use crate::outcome::OwnedLine;

    /// One row of a results file.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Seen {
        pub row: u64,
        pub line: u64,
        pub status: Status,
        pub email: String,
        pub first_name: String,
        pub last_name: String,
        pub message: String,
    }

    struct Collect(Vec<OwnedLine>);

    impl Sink for Collect {
        fn settled(&mut self, line: Line<'_>) -> Result<(), Error> {
            self.0.push(line.to_owned());
            Ok(())
        }

        fn unknown(&mut self, row: Unknown<'_>) -> Result<(), Error> {
            self.0.push(row.valid.to_owned());
            Ok(())
        }
    }

    /// Every row of `input` as a dry run settles it, with `memory`, in blocks of about
    /// `block_bytes`, the fast way or `exactly` (with the record reader only).
    pub fn rows_with(
        input: &mut CsvInput,
        memory: &mut Memory,
        block_bytes: usize,
        exactly: bool,
    ) -> Result<(Vec<Seen>, Tally), Error> {
        let mut sink = Collect(Vec::new());
        let keep = Keep {
            emails: !memory.is_empty(),
            exactly,
            ..Keep::default()
        };
        let import = (Command::Import, &crate::results::Csv as &'static dyn Format);
        let tally = settle_as(input, import, memory, &mut sink, keep, block_bytes)?;
        let rows = sink
            .0
            .iter()
            .map(|owned| {
                let text = format!("{}{}", owned.row, owned.rest);
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(text.as_bytes());
                let record = reader
                    .records()
                    .next()
                    .and_then(Result::ok)
                    .unwrap_or_default();
                let cell = |i: usize| record.get(i).unwrap_or("").to_string();
                Seen {
                    row: owned.row,
                    line: owned.line,
                    status: owned.status,
                    email: cell(1),
                    first_name: cell(2),
                    last_name: cell(3),
                    message: owned.message.clone(),
                }
            })
            .collect();
        Ok((rows, tally))
    }

    /// Every row of `input`, as a dry run without memory settles it.
    pub fn rows(input: &mut CsvInput) -> Result<Vec<Seen>, Error> {
        rows_with(
            input,
            &mut Memory::empty(),
            crate::rows::blocks::BLOCK_BYTES,
            false,
        )
        .map(|(rows, _)| rows)
    }
}

#[cfg(test)]
mod tests;
