//! Output, in one place: the results CSV ([`ResultsFile`]), the run's [`Summary`] and its exit
//! code, and every line a person sees ([`Console`]). Nothing else in the crate prints.
//!
//! The results file holds join URLs, which let anyone join as that person, so it and its
//! companions are created with mode 0600. It is written in input order to `<results>.partial`
//! and renamed into place at the end, so a reader never sees half a file and an old file is
//! never half overwritten. During a real run every outcome is also appended at once to
//! `<results>.journal`, so a run killed at any moment loses at most its requests in flight;
//! the journal is removed once the results file is in place.

use std::fmt::{self, Display};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{Event, Verbosity};
use crate::files;
use crate::input::{ColumnUse, CsvInput, Person, TextEncoding};
use crate::limits::{Estimate, Mode, Plan, RateLimits};
use crate::reorder::Reorder;

/// The one outcome every input row ends with (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Registered,
    AlreadyRegistered,
    Valid,
    Invalid,
    Duplicate,
    Failed,
    Pending,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Registered,
        Status::AlreadyRegistered,
        Status::Valid,
        Status::Invalid,
        Status::Duplicate,
        Status::Failed,
        Status::Pending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::AlreadyRegistered => "already_registered",
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Duplicate => "duplicate",
            Status::Failed => "failed",
            Status::Pending => "pending",
        }
    }
}

impl Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The results file's columns: SPEC §3's, in its order, then `event` (which meeting or webinar
/// the row is for, so a re-run never mistakes another event's results for its own).
pub const RESULT_COLUMNS: [&str; 12] = [
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
    "event",
];

/// What a results line says of a row's outcome, after the person: its status, Zoom's IDs and
/// codes, the message, and the registration requests that carried it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub status: Status,
    pub registrant_id: &'a str,
    pub join_url: &'a str,
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub message: &'a str,
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
            message,
            attempts: 0,
        }
    }
}

/// One whole line of the results file, for [`encode_row`].
#[derive(Debug, Clone, Copy)]
pub struct ResultRow<'a> {
    pub row: u64,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub answer: Answer<'a>,
    /// `meeting 83927864687` or `webinar …`.
    pub event: &'a str,
}

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
        text.push_str(&format!(
            ". {rows} {verb} sent to Zoom, but {its} outcome could not be recorded: Zoom may have registered {them}, and the next run finds {them} in Zoom's list"
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

/// The results CSV being written (as `<results>.partial`). Dropped without
/// [`ResultsFile::finish`], it removes the partial file and leaves any earlier results file
/// untouched. Every 16 MB it asks a thread of its own to sync what it wrote so far, so the
/// sync before the rename has little left to do (38 ms → 4 ms for a million-row dry run).
pub struct ResultsFile {
    path: PathBuf,
    partial: PathBuf,
    writer: Option<BufWriter<File>>,
    /// Bytes written since the last early sync, and the thread that does it.
    unsynced: usize,
    syncer: Option<(std::sync::mpsc::SyncSender<()>, std::thread::JoinHandle<()>)>,
}

/// Bytes of results after which the file is synced, in the background.
const SYNC_EVERY: usize = 16 << 20;

impl ResultsFile {
    pub fn create(path: &Path) -> Result<ResultsFile, ResultsError> {
        let error = ResultsError::on(path);
        let partial = companion(path, ".partial");
        let file = files::open(&partial, files::Open::New).map_err(error)?;
        let mut writer = BufWriter::with_capacity(64 * 1024, file);
        writer.write_all(&header_line()).map_err(error)?;
        Ok(ResultsFile {
            path: path.to_path_buf(),
            partial,
            writer: Some(writer),
            unsynced: 0,
            syncer: None,
        })
    }

    /// Writes one line: the row's number, `rest` (from `,email` to the attempts), and `event`
    /// (the event's field, encoded, with its comma and the line end: [`encode_event`]).
    #[inline]
    pub fn write(&mut self, row: u64, rest: &[u8], event: &[u8]) -> Result<(), ResultsError> {
        let Some(writer) = self.writer.as_mut() else {
            return Err(ResultsError::on(&self.path)(io::Error::other(
                "already finished",
            )));
        };
        let written = writer
            .write_all(itoa::Buffer::new().format(row).as_bytes())
            .and_then(|()| writer.write_all(rest))
            .and_then(|()| writer.write_all(event));
        written.map_err(ResultsError::on(&self.path))?;
        self.unsynced += rest.len();
        if self.unsynced >= SYNC_EVERY {
            self.unsynced = 0;
            self.sync_early();
        }
        Ok(())
    }

    /// Asks the syncing thread (started the first time) to sync what reached the file; if it
    /// is still busy, the next sync covers these bytes too.
    fn sync_early(&mut self) {
        if self.syncer.is_none() {
            let Some(file) = self
                .writer
                .as_ref()
                .and_then(|w| w.get_ref().try_clone().ok())
            else {
                return;
            };
            let (ask, asked) = std::sync::mpsc::sync_channel::<()>(1);
            let thread = std::thread::spawn(move || {
                while asked.recv().is_ok() {
                    let _ = file.sync_data();
                }
            });
            self.syncer = Some((ask, thread));
        }
        if let Some((ask, _)) = &self.syncer {
            let _ = ask.try_send(());
        }
    }

    /// Flushes, syncs and renames the file into place.
    pub fn finish(mut self) -> Result<PathBuf, ResultsError> {
        let path = self.path.clone();
        let error = ResultsError::on(&path);
        if let Some((ask, thread)) = self.syncer.take() {
            drop(ask);
            let _ = thread.join();
        }
        let Some(writer) = self.writer.take() else {
            return Err(error(io::Error::other("already finished")));
        };
        let file = writer.into_inner().map_err(|e| error(e.into_error()))?;
        file.sync_all().map_err(error)?;
        std::fs::rename(&self.partial, &path).map_err(error)?;
        sync_folder(&path);
        Ok(path)
    }
}

impl Drop for ResultsFile {
    fn drop(&mut self) {
        if let Some((ask, thread)) = self.syncer.take() {
            drop(ask);
            let _ = thread.join();
        }
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// Encodes one whole results row as a CSV line, in [`RESULT_COLUMNS`] order, quoting exactly
/// the fields the `csv` crate would (those holding a comma, a quote or a line break), and
/// putting a `'` before a text that a spreadsheet would run as a formula (SPEC §3). A hot path:
/// the `csv` crate's writer was a fifth of a dry run's time (BENCHMARKS.md); a property test
/// holds this encoder to that crate's reader.
///
/// A line is its row number, then its person ([`encode_person`]) and its outcome
/// ([`encode_outcome`]), the line's *rest*, then the event: a dry run encodes the rest before
/// the row's number is known, and the rest of a `valid` row's outcome only once.
pub fn encode_row(row: &ResultRow<'_>, line: &mut Vec<u8>) {
    let mut rest = Vec::new();
    encode_person(row.email, row.first_name, row.last_name, &mut rest);
    encode_outcome(&row.answer, &mut rest);
    compose(row.row, &rest, &encode_event(row.event), line);
}

/// The end of every line of a run: `,meeting 83927864687` and the line end, encoded once.
pub fn encode_event(event: &str) -> Vec<u8> {
    let mut field = vec![b','];
    push_field(&mut field, event);
    field.push(b'\n');
    field
}

/// A whole line from its parts.
fn compose(row: u64, rest: &[u8], event: &[u8], line: &mut Vec<u8>) {
    line.clear();
    line.extend_from_slice(itoa::Buffer::new().format(row).as_bytes());
    line.extend_from_slice(rest);
    line.extend_from_slice(event);
}

/// Appends `,email,first_name,last_name` of [`encode_row`]'s line.
pub fn encode_person(email: &str, first_name: &str, last_name: &str, line: &mut Vec<u8>) {
    for text in [email, first_name, last_name] {
        line.push(b',');
        push_field(line, text);
    }
}

/// Appends the outcome part of [`encode_row`]'s line: from `,status` to the attempts.
pub fn encode_outcome(answer: &Answer<'_>, line: &mut Vec<u8>) {
    let mut number = itoa::Buffer::new();
    line.push(b',');
    line.extend_from_slice(answer.status.as_str().as_bytes());
    for text in [answer.registrant_id, answer.join_url] {
        line.push(b',');
        push_field(line, text);
    }
    line.push(b',');
    if let Some(status) = answer.http_status {
        line.extend_from_slice(number.format(status).as_bytes());
    }
    line.push(b',');
    if let Some(code) = answer.zoom_code {
        line.extend_from_slice(number.format(code).as_bytes());
    }
    line.push(b',');
    push_field(line, answer.message);
    line.push(b',');
    line.extend_from_slice(number.format(answer.attempts).as_bytes());
}

/// The bytes that make a field quoted: 1 for a comma, a quote and the line-break characters.
const QUOTED: [u8; 256] = {
    let mut quoted = [0; 256];
    quoted[b',' as usize] = 1;
    quoted[b'"' as usize] = 1;
    quoted[b'\n' as usize] = 1;
    quoted[b'\r' as usize] = 1;
    quoted
};

/// Whether a spreadsheet would run a cell of this text as a formula (OWASP's CSV-injection
/// rule: it starts with `=`, `+`, `-`, `@`, a tab or a carriage return), counting any quotes
/// before that: `'=x` is written `''=x`, so that reading it back restores it exactly.
fn runs_as_formula(bytes: &[u8]) -> bool {
    let quotes = bytes.iter().take_while(|&&b| b == b'\'').count();
    matches!(
        bytes.get(quotes),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A cell's text as it was before it was written ([`encode_row`] puts a `'` before a cell that
/// would run as a formula); other cells, such as `'t Hooft`, are left as they are.
pub fn cell_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if runs_as_formula(rest.as_bytes()) => rest,
        _ => cell,
    }
}

/// Appends one field, quoted (with inner quotes doubled) only if it needs to be, and with a
/// leading `'` if a spreadsheet would otherwise run it as a formula ([`cell_text`] undoes it).
fn push_field(line: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    // A table look-up a byte, without stopping at the first: fields are short.
    let special = bytes.iter().fold(0, |found, &b| found | QUOTED[b as usize]) != 0;
    let formula = runs_as_formula(bytes);
    if !special {
        if formula {
            line.push(b'\'');
        }
        line.extend_from_slice(bytes);
        return;
    }
    line.push(b'"');
    if formula {
        line.push(b'\'');
    }
    for &byte in bytes {
        if byte == b'"' {
            line.push(b'"');
        }
        line.push(byte);
    }
    line.push(b'"');
}

/// The header line of the results file and the journal.
fn header_line() -> Vec<u8> {
    let mut line = RESULT_COLUMNS.join(",").into_bytes();
    line.push(b'\n');
    line
}

/// Makes a rename or removal in `path`'s folder durable (not every filesystem allows it).
fn sync_folder(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
}

/// The append-only log of a real run's outcomes, in the order they finish: the run's memory
/// if it is killed before the results file is in place. Each row is written through to the
/// operating system at once (so `kill -9` loses nothing written) and synced to disk at least
/// every second (so a power cut loses at most that).
pub struct Journal {
    path: PathBuf,
    file: File,
    last_sync: std::time::Instant,
    /// Reused for encoding each line.
    line: Vec<u8>,
}

impl Journal {
    /// Opens `<results>.journal` to continue it from byte `keep` (where its readable part
    /// ends, [`crate::memory::Memory::journal_end`]): an earlier, unfinished run's lines are kept,
    /// and a line a crash tore is cut off, so it never sits between good ones. `keep` 0 starts
    /// the journal anew.
    pub fn open(results: &Path, keep: u64) -> Result<Journal, ResultsError> {
        let path = companion(results, ".journal");
        let error = ResultsError::on(&path);
        let mut file = files::open(&path, files::Open::Append).map_err(error)?;
        let length = file.metadata().map_err(error)?.len();
        if length > keep {
            file.set_len(keep).map_err(error)?;
        }
        if keep == 0 {
            file.write_all(&header_line()).map_err(error)?;
        }
        Ok(Journal {
            path,
            file,
            last_sync: std::time::Instant::now(),
            line: Vec::with_capacity(256),
        })
    }

    /// Appends one line (as [`ResultsFile::write`] writes it).
    pub fn write(&mut self, row: u64, rest: &[u8], event: &[u8]) -> Result<(), ResultsError> {
        let error = ResultsError::on(&self.path);
        // One write per line, straight to the operating system: `kill -9` loses nothing.
        compose(row, rest, event, &mut self.line);
        self.file.write_all(&self.line).map_err(error)?;
        if self.last_sync.elapsed() >= std::time::Duration::from_secs(1) {
            self.file.sync_data().map_err(error)?;
            self.last_sync = std::time::Instant::now();
        }
        Ok(())
    }

    /// Removes the journal once the results file holds everything.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
        sync_folder(&self.path);
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
    /// From `,email` to the attempts ([`encode_person`], [`encode_outcome`]).
    pub rest: &'a [u8],
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
        }
    }

    /// The outcome as the recorder takes it.
    pub fn line(&self) -> OwnedLine {
        let mut rest = Vec::with_capacity(192);
        encode_person(&self.email, &self.first_name, &self.last_name, &mut rest);
        encode_outcome(
            &Answer {
                status: self.status,
                registrant_id: &self.registrant_id,
                join_url: &self.join_url,
                http_status: self.http_status,
                zoom_code: self.zoom_code,
                message: &self.message,
                attempts: self.attempts,
            },
            &mut rest,
        );
        Line {
            seq: self.seq,
            row: self.row,
            line: self.line,
            status: self.status,
            attempts: self.attempts,
            message: &self.message,
            rest: &rest,
        }
        .to_owned()
    }
}

/// The one owner of the results file during a run, and its one way in ([`Recorder::record`]):
/// takes outcomes in the order they finish, writes them in input order, counts them, and
/// moves the progress display.
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
    /// Every line's last field ([`encode_event`]).
    event: Vec<u8>,
    /// Outcomes that finished before an earlier row did. Bounded by the rows in flight.
    order: Reorder<OwnedLine>,
    /// How many rows the run has, when it knows beforehand (a real run).
    expected: Option<u64>,
    counts: Counts,
    first_problems: Vec<RowProblem>,
    progress: Progress,
    /// The first write that failed; then the rows sent that no file records.
    failure: Option<String>,
    in_doubt: Vec<u64>,
}

impl Recorder {
    /// A recorder into `results`, with a journal for a real run, which also says how many rows
    /// it has (`expected`).
    pub fn new(
        results: ResultsFile,
        journal: Option<Journal>,
        event: String,
        progress: Progress,
        expected: Option<u64>,
    ) -> Recorder {
        Recorder {
            results,
            journaling: journal.is_some(),
            journal,
            event: encode_event(&event),
            order: Reorder::default(),
            expected,
            counts: Counts::default(),
            first_problems: Vec::new(),
            progress,
            failure: None,
            in_doubt: Vec::new(),
        }
    }

    /// Records one row's outcome. An error is returned for the first write that fails only:
    /// the run must then stop sending at once. Outcomes after it are still taken (journaled
    /// while the journal can be written), so that no row sent is lost from view.
    #[inline]
    pub fn record(&mut self, line: Line<'_>) -> Result<(), ResultsError> {
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
            Some(journal) => journal.write(line.row, line.rest, &self.event).err(),
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
        self.results.write(line.row, line.rest, &self.event)?;
        self.counts.add(line.status);
        if matches!(line.status, Status::Invalid | Status::Failed)
            && self.first_problems.len() < PROBLEMS_SHOWN
        {
            self.first_problems.push(RowProblem {
                row: line.row,
                line: line.line,
                message: line.message.to_string(),
            });
        }
        self.progress.advance(&self.counts);
        Ok(())
    }

    /// Puts the results file in place if it is complete (then removes the journal), and
    /// returns what went into it; otherwise leaves the earlier file, and the journal, as they
    /// were.
    pub fn finish(mut self) -> Result<(Counts, Vec<RowProblem>, PathBuf), ResultsError> {
        self.progress.finish();
        let path = self.results.path.display().to_string();
        let journal = self.journaling;
        let written = self.order.next();
        let missing = self
            .expected
            .map_or(0, |expected| expected.saturating_sub(written));
        let cause = match self.failure.take() {
            Some(failure) => Some(format!("{failure}; sending stopped at once")),
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
        Ok((self.counts, self.first_problems, placed))
    }
}

/// Progress on stderr: a bar on a terminal; on anything else (cron, CI) a line every few
/// seconds; nothing with `--quiet`.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    log_every: Option<std::time::Duration>,
    total: u64,
    started: std::time::Instant,
    last_log: std::time::Instant,
}

impl Progress {
    /// No progress display (dry runs are over in seconds).
    pub fn hidden() -> Progress {
        let now = std::time::Instant::now();
        Progress {
            bar: None,
            log_every: None,
            total: 0,
            started: now,
            last_log: now,
        }
    }

    pub fn new(console: &Console, total: u64) -> Progress {
        let now = std::time::Instant::now();
        let mut progress = Progress {
            bar: None,
            log_every: None,
            total,
            started: now,
            last_log: now,
        };
        if console.verbosity == Verbosity::Quiet {
            return progress;
        }
        if std::io::IsTerminal::is_terminal(&io::stderr()) {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}",
            ) {
                bar.set_style(style);
            }
            progress.bar = Some(bar);
        } else {
            progress.log_every = Some(std::time::Duration::from_secs(5));
        }
        progress
    }

    fn advance(&mut self, counts: &Counts) {
        if let Some(bar) = &self.bar {
            bar.set_position(counts.total());
            if counts.failed + counts.pending > 0 {
                bar.set_message(format!(
                    "{} failed, {} pending",
                    counts.failed, counts.pending
                ));
            }
        } else if let Some(every) = self.log_every {
            if self.last_log.elapsed() >= every {
                self.last_log = std::time::Instant::now();
                let done = counts.total();
                let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
                let _ = writeln!(
                    io::stderr().lock(),
                    "progress: {done}/{} rows, {rate:.1} rows/s, {} registered, {} failed, {} pending",
                    self.total, counts.registered, counts.failed, counts.pending
                );
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Rows per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub registered: u64,
    pub already_registered: u64,
    pub valid: u64,
    pub invalid: u64,
    pub duplicate: u64,
    pub failed: u64,
    pub pending: u64,
}

impl Counts {
    fn slot(&mut self, status: Status) -> &mut u64 {
        match status {
            Status::Registered => &mut self.registered,
            Status::AlreadyRegistered => &mut self.already_registered,
            Status::Valid => &mut self.valid,
            Status::Invalid => &mut self.invalid,
            Status::Duplicate => &mut self.duplicate,
            Status::Failed => &mut self.failed,
            Status::Pending => &mut self.pending,
        }
    }

    pub fn add(&mut self, status: Status) {
        *self.slot(status) += 1;
    }

    pub fn get(&self, status: Status) -> u64 {
        let mut copy = *self;
        *copy.slot(status)
    }

    pub fn total(&self) -> u64 {
        let Counts {
            registered,
            already_registered,
            valid,
            invalid,
            duplicate,
            failed,
            pending,
        } = *self;
        registered + already_registered + valid + invalid + duplicate + failed + pending
    }
}

/// A row that needs the user's attention, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: u64,
    pub line: u64,
    pub message: String,
}

/// How many problem rows the summary lists; the results file has them all.
pub const PROBLEMS_SHOWN: usize = 10;

/// What a run did, for the person, for `--json`, and for the exit code.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub input: String,
    /// What the input was read as: `UTF-8` or `Windows-1252`.
    pub encoding: &'static str,
    pub event: Event,
    pub dry_run: bool,
    pub mode: Mode,
    pub plan: Plan,
    pub counts: Counts,
    /// Records whose cells were all empty: skipped, with no results row.
    pub empty_records: u64,
    /// The first [`PROBLEMS_SHOWN`] invalid rows.
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
    /// 429 answers of any kind.
    pub rate_limited: u64,
    pub rows_per_second: f64,
    /// A run-level error (event or credentials) that stopped the run.
    pub stopped: Option<String>,
    /// True if any row was confirmed by Zoom in this run.
    pub any_confirmed: bool,
    /// Stopped by Ctrl-C or SIGTERM.
    pub interrupted: Option<crate::control::Interrupt>,
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

    /// The exit code of a run stopped from outside.
    pub fn interrupted(how: crate::control::Interrupt) -> u8 {
        match how {
            crate::control::Interrupt::CtrlC => INTERRUPTED,
            crate::control::Interrupt::Terminate => TERMINATED,
        }
    }
}

impl Summary {
    /// The summary of a run, dry or real: the one place it is built. `run`: what a real run
    /// sent; `estimate`: what a dry run's real run would cost.
    pub fn of(
        config: &crate::config::Config,
        input: &CsvInput,
        tally: &crate::settle::Tally,
        (counts, first_problems, results): (Counts, Vec<RowProblem>, PathBuf),
        (run, estimate): (Option<RunStats>, Option<Estimate>),
        elapsed: std::time::Duration,
    ) -> Summary {
        Summary {
            input: input.name.clone(),
            encoding: tally.encoding.name(),
            event: config.event,
            dry_run: run.is_none(),
            mode: config.mode,
            plan: config.plan,
            counts,
            empty_records: tally.empty_records,
            first_problems,
            estimate,
            options: RunOptions {
                auto_approve: config.auto_approve,
                confirmation_email: config.confirmation_email,
                concurrency: config.concurrency.get(),
            },
            limits: config.limits,
            run,
            results,
            elapsed_seconds: elapsed.as_secs_f64(),
        }
    }

    /// 3 if the event or the credentials stopped the run before Zoom confirmed any row; else 4
    /// if anything is left to do on a later run; else 1 if any row is invalid or failed; else
    /// 0. Duplicates do not count against a run.
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
        } else if self.counts.invalid > 0 || self.counts.failed > 0 {
            exit::ROW_PROBLEMS
        } else {
            exit::OK
        }
    }
}

/// Every line a person sees goes through here: progress and notes on stderr, and the JSON
/// summary (with `--json`) alone on stdout. Write errors (a closed pipe) are ignored rather
/// than allowed to panic.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    pub verbosity: Verbosity,
    json: bool,
}

impl Console {
    pub fn new(verbosity: Verbosity, json: bool) -> Console {
        Console { verbosity, json }
    }

    fn say(&self, text: impl Display) {
        let _ = writeln!(io::stderr().lock(), "{text}");
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

    /// The closing summary: counts, first problems, the estimate (dry run), the results path.
    pub fn summary(&self, summary: &Summary) {
        if self.json {
            match serde_json::to_string(summary) {
                Ok(json) => {
                    let _ = writeln!(io::stdout().lock(), "{json}");
                }
                Err(err) => self.error(format_args!("cannot encode the summary as JSON: {err}")),
            }
            return;
        }
        let mut text = String::new();
        let rows = summary.counts.total();
        if summary.dry_run {
            text.push_str(&format!(
                "Dry run of {} for {}: nothing was sent to Zoom.\n",
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
            text.push_str(&run_text(run));
        }
        if let Some(estimate) = &summary.estimate {
            text.push_str(&estimate_text(summary, estimate));
            text.push_str(&format!("  Options: {}.\n", summary.options));
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
    if calls.is_empty() {
        return "A real run would send nothing.\n".to_string();
    }
    let plan = format!("{:?}", summary.plan).to_lowercase();
    let mode = format!("{:?}", summary.mode).to_lowercase();
    let mut text = format!(
        "A real run (plan {plan}, mode {mode}) would send {}: about {} at the plan's ceiling",
        calls.join(" and "),
        human_duration(estimate.seconds)
    );
    if estimate.days > 1 {
        text.push_str(&format!(
            ", but the plan's daily quota spreads it over {} days (re-run daily until done)",
            estimate.days
        ));
    }
    if summary.mode != Mode::Single && estimate.batch_calls > 0 {
        text.push_str(".\n  (Batch is used only for scheduled meetings and webinars; otherwise every row is a single add.)\n");
    } else {
        text.push_str(".\n");
    }
    text
}

fn run_text(run: &RunStats) -> String {
    let mut text = format!(
        "Sent {} ({} retries, {} rate-limited), {:.1} rows/s.\n",
        count(
            run.requests,
            "registration request",
            "registration requests"
        ),
        run.retries,
        run.rate_limited,
        run.rows_per_second
    );
    if run.interrupted.is_some() {
        text.push_str(
            "Interrupted: rows not sent are pending; run the same command again to finish.\n",
        );
    }
    if let Some(reason) = &run.stopped {
        text.push_str(&format!("Stopped early: {reason}\n"));
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
    fn exit_code_follows_the_spec_table() {
        let mut counts = Counts::default();
        counts.add(Status::Valid);
        counts.add(Status::Duplicate);
        let summary = |counts: Counts| Summary {
            input: "in.csv".into(),
            encoding: "UTF-8",
            event: Event {
                kind: crate::config::EventKind::Meeting,
                id: crate::config::EventId(123_456_789),
            },
            dry_run: true,
            mode: Mode::Auto,
            plan: Plan::Pro,
            counts,
            empty_records: 0,
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

    #[test]
    fn rows_in_doubt_are_listed_as_ranges() {
        assert_eq!(rows_text(&[7]), "row 7");
        assert_eq!(rows_text(&[12, 3, 5, 6, 7, 8, 9]), "rows 3, 5-9 and 12");
        assert_eq!(rows_text(&[4, 5]), "rows 4-5");
        let many: Vec<u64> = (0..100).map(|n| n * 2).collect();
        assert!(rows_text(&many).ends_with("and 80 more ranges"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0.2), "1 s");
        assert_eq!(human_duration(75.0), "1 min 15 s");
        assert_eq!(human_duration(7300.0), "2 h 1 min");
    }
}
