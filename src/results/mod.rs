//! The results file: its columns (SPEC §3), how it is written (in input order, to
//! `<results>.partial`, then renamed into place, so nobody sees half a file and an earlier one
//! is never half overwritten), and what cannot be written ([`ResultsError`]). It holds join
//! URLs, which let anyone join as that person, so it and its companions are private (mode
//! 0600, [`crate::files`]).
//!
//! - [`file`](mod@file): the results file being written, by a thread of its own, then renamed.
//! - [`format`](mod@format): how a results line is written and read back, handed to every
//!   writer of lines ([`Format`]).
//! - [`encode`]: the results file's format, CSV as the `csv` crate would write it, formulas
//!   neutralised ([`Csv`]).
//! - [`journal`]: every outcome appended at once during a real run, so `kill -9` loses nothing.
//! - [`recorder`]: the one owner of the results file and journal during a run.
//! - [`memory`]: what earlier runs recorded, read back, for safe re-runs.

pub mod encode;
pub mod file;
pub mod format;
pub mod journal;
pub mod memory;
pub mod recorder;

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

pub use encode::Csv;

/// The results format of every run: CSV.
pub const DEFAULT_FORMAT: &dyn Format = &Csv;
pub use file::ResultsFile;
pub use format::Format;
pub use journal::Journal;
pub use recorder::{Recorded, Recorder, RowProblem, Watch, PROBLEMS_SHOWN};

/// The results file's columns: SPEC §3's, in its order, then `line` (the input line the record
/// starts on, as messages name it: it differs from `row` where quoted cells hold line breaks)
/// and `event` (which meeting or webinar the row is for, so a re-run never mistakes another
/// event's results for its own). Files written before `line` existed are still read.
pub const RESULT_COLUMNS: [&str; 13] = [
    "row",
    "email",
    "first_name",
    "last_name",
    "status",
    "registrant_id",
    "join_url",
    "http_status",
    "zoom_code",
    "message",
    "attempts",
    "line",
    "event",
];

/// Why the results could not be put in place.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: io::Error },
    /// The results file was not replaced: it is as it was before the run.
    #[error("{}", kept_message(.cause, .path, *.journal, .in_doubt))]
    Kept {
        cause: String,
        path: String,
        /// Whether a journal beside it keeps what this run recorded.
        journal: bool,
        /// Rows sent to Zoom whose outcome could not be recorded anywhere.
        in_doubt: Vec<u64>,
    },
}

impl ResultsError {
    /// Turns an I/O error on `path` into this error.
    fn on(path: &Path) -> impl Fn(io::Error) -> ResultsError + Copy + '_ {
        move |source| ResultsError::Write {
            path: path.display().to_string(),
            source,
        }
    }
}

fn kept_message(cause: &str, path: &str, journal: bool, in_doubt: &[u64]) -> String {
    let mut text = if Path::new(path).exists() {
        format!("{cause}. {path} is left as it was")
    } else {
        format!("{cause}; no results file was written")
    };
    if journal {
        text.push_str(", and the journal beside it keeps every outcome that was recorded: the next run picks up from there");
    }
    if !in_doubt.is_empty() {
        let (rows, one) = (rows_text(in_doubt), in_doubt.len() == 1);
        let (verb, its, them) = if one {
            ("was", "its", "it")
        } else {
            ("were", "their", "them")
        };
        // "Rows 3, 5-9 …", as it starts a sentence.
        let (first, rest) = rows.split_at(1);
        text.push_str(&format!(
            ". {}{rest} {verb} sent to Zoom, but {its} outcome could not be recorded: Zoom may have registered {them}, and the next run finds {them} in Zoom's list",
            first.to_ascii_uppercase()
        ));
    }
    text
}

/// "row 7", "rows 3, 5-9 and 12", with long lists cut short.
fn rows_text(rows: &[u64]) -> String {
    let mut sorted = rows.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut ranges: Vec<String> = Vec::new();
    let mut at = 0;
    while at < sorted.len() {
        let start = sorted[at];
        let mut end = start;
        while at + 1 < sorted.len() && sorted[at + 1] == end + 1 {
            at += 1;
            end += 1;
        }
        ranges.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        at += 1;
    }
    const SHOWN: usize = 20;
    if ranges.len() > SHOWN {
        let more = ranges.len() - SHOWN;
        ranges.truncate(SHOWN);
        ranges.push(format!("{more} more ranges"));
    }
    match (sorted.len(), ranges.as_slice()) {
        (1, _) => format!("row {}", sorted[0]),
        (_, [only]) => format!("rows {only}"),
        (_, [first @ .., last]) => format!("rows {} and {last}", first.join(", ")),
        (_, []) => String::new(),
    }
}

/// `<results><suffix>`, beside the results file.
pub fn companion(results: &Path, suffix: &str) -> PathBuf {
    let mut name = results.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    results.with_file_name(name)
}

/// Takes over `earlier` (the results file under its old default name) and its journal as
/// `results`, if `results` does not exist yet and `earlier`'s rows are for `event`: an upgrade
/// keeps what earlier runs confirmed. Returns whether it moved them.
pub fn adopt_earlier(
    earlier: &Path,
    results: &Path,
    event: &str,
    format: &dyn Format,
) -> Result<bool, ResultsError> {
    let new_journal = companion(results, ".journal");
    if results.exists() || new_journal.exists() {
        return Ok(false);
    }
    let ours = |path: &Path| first_event(path, format).is_some_and(|theirs| theirs == event);
    let mut moved = false;
    // Each file only if its own rows are this event's: another event's stay where they are.
    for (from, to) in [
        (earlier.to_path_buf(), results.to_path_buf()),
        (companion(earlier, ".journal"), new_journal),
    ] {
        // The journal's link check is made where it is opened (`files::open`).
        if ours(&from) {
            std::fs::rename(&from, &to).map_err(ResultsError::on(&to))?;
            moved = true;
        }
    }
    Ok(moved)
}

/// Whether `path` holds a results file zimport wrote (its header begins with the results
/// columns), so that replacing it loses nothing of anyone else's.
pub fn written_by_zimport(path: &Path, format: &dyn Format) -> bool {
    trusted(path)
        .map(|file| format.reader().flexible(true).from_reader(file))
        .and_then(|mut reader| reader.headers().ok().cloned())
        .is_some_and(|header| {
            header
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}'))
                .zip(RESULT_COLUMNS.iter().take(5))
                .filter(|(theirs, ours)| theirs == *ours)
                .count()
                == 5
        })
}

/// The `event` cell of the first row of a results file or journal, if it has one.
fn first_event(path: &Path, format: &dyn Format) -> Option<String> {
    let mut reader = format.reader().flexible(true).from_reader(trusted(path)?);
    let column = reader.headers().ok()?.iter().position(|h| h == "event")?;
    let record = reader.records().next()?.ok()?;
    record.get(column).map(|cell| format.cell(cell).to_string())
}

/// `path` opened to read, if it is a regular file of the user's own (or root's) that nobody
/// else can change: an earlier results file is adopted, or replaced, only then.
fn trusted(path: &Path) -> Option<File> {
    let file = crate::files::open_regular(path).ok()?;
    let metadata = file.metadata().ok()?;
    crate::files::owned_safely(&metadata).ok()?;
    Some(file)
}

/// The header line: [`RESULT_COLUMNS`], then the titles of the carried input columns (one
/// that is also a results column's name, such as an export's `status`, is `input status`, and
/// a second one `input status (2)`, so each name appears once and memory reads the results'
/// own).
pub(crate) fn header_line(format: &dyn Format, carried: &[String]) -> Vec<u8> {
    // Titles taken so far, compared trimmed and without case: one look-up a title, so a
    // header of many equal titles costs no more than as many different ones.
    let key = |title: &str| title.trim().to_lowercase();
    let mut taken: std::collections::HashSet<String> =
        RESULT_COLUMNS.iter().map(|c| key(c)).collect();
    let mut titles = Vec::with_capacity(carried.len());
    for title in carried {
        let mut title = title.clone();
        if taken.contains(&key(&title)) {
            title = format!("input {title}");
            let base = title.clone();
            let mut n = 1;
            while taken.contains(&key(&title)) {
                n += 1;
                title = format!("{base} ({n})");
            }
        }
        taken.insert(key(&title));
        titles.push(title);
    }
    let every: Vec<&str> = RESULT_COLUMNS
        .iter()
        .copied()
        .chain(titles.iter().map(String::as_str))
        .collect();
    format.header(&every)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_title_appears_once() {
        let carried = ["Ticket", "status", "Status", "input status"].map(String::from);
        let header = String::from_utf8(header_line(&Csv, &carried)).expect("text");
        assert!(
            header.ends_with(",event,Ticket,input status,input Status (2),input input status\n"),
            "{header}"
        );
        let titles: Vec<String> = header
            .trim_end()
            .split(',')
            .map(|t| t.to_lowercase())
            .collect();
        let unique: std::collections::HashSet<&String> = titles.iter().collect();
        assert_eq!(unique.len(), titles.len(), "{header}");
    }

    #[test]
    fn rows_in_doubt_are_listed_as_ranges() {
        assert_eq!(rows_text(&[7]), "row 7");
        assert_eq!(rows_text(&[12, 3, 5, 6, 7, 8, 9]), "rows 3, 5-9 and 12");
        assert_eq!(rows_text(&[4, 5]), "rows 4-5");
        let many: Vec<u64> = (0..100).map(|n| n * 2).collect();
        assert!(rows_text(&many).ends_with("and 80 more ranges"));
    }
}
