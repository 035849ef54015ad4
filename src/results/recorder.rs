//! The one owner of the results file (and the journal) during a run, and its one way in.

use std::path::PathBuf;

use super::{Journal, ResultsError, ResultsFile};
use crate::model::{Counts, Status};
use crate::outcome::{is_other_person, Line, OwnedLine};
use crate::reorder::Reorder;

/// A row that needs the user's attention, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub row: u64,
    pub line: u64,
    pub message: String,
}

/// How many problem rows the summary lists; the results file has them all.
pub const PROBLEMS_SHOWN: usize = 10;

/// What the person sees of the rows as they are recorded (the console's progress display):
/// told the counts as each row is recorded, and when they are all in. `()` shows nothing.
pub trait Watch: Send {
    /// One more row has its outcome; `sent`: Zoom was asked about it.
    fn advance(&mut self, counts: &Counts, sent: bool);
    /// Every row is in.
    fn finish(&self);
}

impl Watch for () {
    fn advance(&mut self, _counts: &Counts, _sent: bool) {}
    fn finish(&self) {}
}

/// The one owner of the results file during a run, and its one way in ([`Recorder::record`]):
/// takes outcomes in the order they finish, counts them and moves the progress display as
/// they come, and writes them in input order.
///
/// It puts a results file in place only when it is complete, one row per input row; anything
/// else leaves the earlier file as it was, and the journal with it. After a write fails it
/// writes no more results, goes on journaling what it can, and notes the rows that were sent
/// but could not be recorded anywhere.
pub struct Recorder {
    results: ResultsFile,
    journal: Option<Journal>,
    /// Whether the run keeps a journal beside the results (a real run).
    journaling: bool,
    /// Every line's event part ([`Format::event`](super::Format::event)), in the results
    /// file's format.
    event: Vec<u8>,
    /// Outcomes that finished before an earlier row did. Bounded by the rows in flight.
    order: Reorder<OwnedLine>,
    /// How many rows the run has, when it knows beforehand (a real run).
    expected: Option<u64>,
    counts: Counts,
    first_problems: Vec<RowProblem>,
    progress: Box<dyn Watch>,
    /// The first write that failed; then the rows sent that no file records.
    failure: Option<String>,
    in_doubt: Vec<u64>,
}

/// What went into a results file that is in place.
#[derive(Debug)]
pub struct Recorded {
    pub counts: Counts,
    /// The first rows that need attention, for the summary.
    pub first_problems: Vec<RowProblem>,
    /// Where the results file is.
    pub results: PathBuf,
}

impl Recorder {
    /// A recorder into `results`, with a journal for a real run, which also says how many rows
    /// it has (`expected`).
    pub fn new(
        results: ResultsFile,
        journal: Option<Journal>,
        event: String,
        progress: Box<dyn Watch>,
        expected: Option<u64>,
    ) -> Recorder {
        let event = results.format.event(&event);
        Recorder {
            results,
            journaling: journal.is_some(),
            journal,
            event,
            order: Reorder::default(),
            expected,
            counts: Counts::default(),
            first_problems: Vec::new(),
            progress,
            failure: None,
            in_doubt: Vec::new(),
        }
    }

    /// How the results file writes its lines: the workers encode outcomes in it.
    pub fn format(&self) -> &'static dyn super::Format {
        self.results.format
    }

    /// Records one row's outcome. An error is returned for the first write that fails only:
    /// the run must then stop sending at once. Outcomes after it are still taken (journaled
    /// while the journal can be written), so that no row sent is lost from view.
    #[inline]
    pub fn record(&mut self, line: Line<'_>) -> Result<(), ResultsError> {
        // Counted as it finishes, so that progress moves with every row Zoom answers, not with
        // the slowest row before them. The counts are the file's only once it is complete,
        // which is the only time they are given ([`Recorder::finish`]).
        self.counts.add(line.status);
        if is_other_person(line.status, line.message) {
            self.counts.duplicate_other_person += 1;
        }
        self.progress.advance(&self.counts, line.attempts > 0);
        if self.journal.is_some() || self.failure.is_some() {
            return self.record_journaled(line);
        }
        // A dry run: no journal, and rows come in order.
        let result = self.write_in_order(line);
        if let Err(error) = &result {
            self.failure = Some(error.to_string());
        }
        result
    }

    /// [`Recorder::record`] for a real run, or once a write has failed.
    #[cold]
    fn record_journaled(&mut self, line: Line<'_>) -> Result<(), ResultsError> {
        let journal_error = match self.journal.as_mut() {
            Some(journal) => journal
                .write(line.row, line.line, line.rest, &self.event)
                .err(),
            None => None,
        };
        let journaled = self.journal.is_some() && journal_error.is_none();
        if journal_error.is_some() {
            // A journal that failed is written no more: a later line could follow a torn one.
            self.journal = None;
        }
        let in_doubt = !journaled && line.attempts > 0;
        let row = line.row;
        if self.failure.is_some() {
            if in_doubt {
                self.in_doubt.push(row);
            }
            return Ok(());
        }
        let result = match journal_error {
            Some(error) => Err(error),
            None => self.write_in_order(line),
        };
        if let Err(error) = &result {
            self.failure = Some(error.to_string());
            if in_doubt {
                self.in_doubt.push(row);
            }
        }
        result
    }

    #[inline]
    fn write_in_order(&mut self, line: Line<'_>) -> Result<(), ResultsError> {
        if line.seq != self.order.next() {
            self.order.hold(line.seq, line.to_owned());
            return Ok(());
        }
        // The usual case: it is next in input order.
        self.write(line)?;
        self.order.pass();
        if self.order.held() > 0 {
            while let Some(held) = self.order.pop() {
                self.write(held.as_line())?;
            }
        }
        Ok(())
    }

    #[inline]
    fn write(&mut self, line: Line<'_>) -> Result<(), ResultsError> {
        self.results
            .write(line.row, line.line, line.rest, &self.event, line.carried)?;
        let problem = match line.status {
            Status::Invalid | Status::Failed | Status::NotRegistered => true,
            status => is_other_person(status, line.message),
        };
        if problem && self.first_problems.len() < PROBLEMS_SHOWN {
            self.first_problems.push(RowProblem {
                row: line.row,
                line: line.line,
                message: line.message.to_string(),
            });
        }
        Ok(())
    }

    /// Puts the results file in place if it is complete (then removes the journal), and
    /// returns what went into it; otherwise leaves the earlier file, and the journal, as they
    /// were.
    pub fn finish(mut self) -> Result<Recorded, ResultsError> {
        self.progress.finish();
        let path = self.results.path.display().to_string();
        let journal = self.journaling;
        let written = self.order.next();
        let missing = self
            .expected
            .map_or(0, |expected| expected.saturating_sub(written));
        let cause = match self.failure.take() {
            Some(failure) if journal => Some(format!("{failure}; sending stopped at once")),
            Some(failure) => Some(failure),
            None if missing > 0 || self.order.held() > 0 => Some(format!(
                "the run ended with {missing} of {} rows without an outcome (an internal error; please report it)",
                self.expected.unwrap_or_default()
            )),
            None => None,
        };
        if let Some(cause) = cause {
            // Dropped unfinished, the results file removes its partial file.
            return Err(ResultsError::Kept {
                cause,
                path,
                journal,
                in_doubt: self.in_doubt,
            });
        }
        let placed = match self.results.finish() {
            Ok(placed) => placed,
            Err(error) => {
                return Err(ResultsError::Kept {
                    cause: error.to_string(),
                    path,
                    journal,
                    in_doubt: Vec::new(),
                })
            }
        };
        if let Some(journal) = self.journal.take() {
            journal.remove();
        }
        Ok(Recorded {
            counts: self.counts,
            first_problems: self.first_problems,
            results: placed,
        })
    }
}
