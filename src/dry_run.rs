//! The dry run (`--dry-run`): every row read, checked and written to the results file as a
//! real run would see it (`valid`, `invalid`, `duplicate`, or what Zoom and earlier runs
//! already know), with nothing sent to Zoom.
//!
//! A UTF-8 file is read on every core (`in_blocks`). A reader thread cuts it into blocks of
//! whole records ([`crate::input::blocks`]); worker threads check each block's rows with the same
//! [`Rules`] as a real run and encode their results lines; this thread, the one owner of the
//! results file, takes the blocks back in file order, finds duplicate emails, numbers the rows
//! and writes them. Rows cross between threads a block at a time, never one by one.
//!
//! Any other file, and any file that blocks cannot read (a structural problem, bytes that are
//! not UTF-8, a header with no rows), is read row by row instead (`row_by_row`), from the start
//! again through the same handle ([`CsvInput::rewind`]). That reader is a real run's: it
//! reports each problem with its line, and for a file that blocks can read it writes the same
//! results file byte for byte (a test holds the two to that).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::config::Config;
use crate::fingerprint::{Fingerprinter, SeenSet};
use crate::input::blocks::{BlockRecords, GiveUp, Splitter, BLOCK_BYTES};
use crate::input::{Cells, CsvInput, Rules, TextEncoding, ViewVerdict};
use crate::limits::{Estimate, Mode};
use crate::memory::Memory;
use crate::pipeline::{joined, run_options, settled_by, DUPLICATE};
use crate::preflight::Findings;
use crate::registrant::email_key;
use crate::report::{
    encode_outcome, encode_person, Console, Counts, Progress, Recorder, ResultRow, ResultsFile,
    RowProblem, Status, Summary,
};
use crate::Error;

/// Validates every row and writes a results file of `valid` / `invalid` / `duplicate` (and
/// `already_registered` for what earlier runs confirmed), in input order. Never contacts Zoom.
/// Reports the encoding it read the rows in ([`Console::encoding`]) once they are read.
pub fn dry_run(
    config: &Config,
    console: &Console,
    mut input: CsvInput,
    mut memory: Memory,
    findings: Option<&Findings>,
) -> Result<Summary, Error> {
    let started = Instant::now();
    // A header beyond ASCII but not UTF-8 settled the file as Windows-1252: no blocks then.
    let blocks = match input.encoding() {
        TextEncoding::Utf8 => in_blocks(config, &mut input, &mut memory, BLOCK_BYTES)?,
        TextEncoding::Windows1252 { .. } => None,
    };
    let tally = match blocks {
        Some(tally) => tally,
        None => {
            input.rewind()?;
            row_by_row(config, &mut input, &mut memory)?
        }
    };
    console.encoding(&input);
    if let Some(findings) = findings {
        crate::pipeline::check_capacity(config, findings, tally.fits_batch + tally.others)?;
    }
    Ok(Summary {
        input: tally.input,
        encoding: input.encoding().name(),
        event: config.event,
        dry_run: true,
        mode: config.mode,
        plan: config.plan,
        counts: tally.counts,
        empty_records: tally.empty_records,
        first_problems: tally.first_problems,
        estimate: Some(Estimate::new(
            // When Zoom says batch does not fit, the real run sends everyone singly.
            match findings {
                Some(findings) if !findings.batch_fits => Mode::Single,
                _ => config.mode,
            },
            config.limits,
            tally.fits_batch,
            tally.others,
        )),
        options: run_options(config),
        limits: config.limits,
        run: None,
        results: tally.results,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
}

/// What a dry run found.
#[derive(Debug)]
struct Tally {
    input: String,
    counts: Counts,
    first_problems: Vec<RowProblem>,
    results: PathBuf,
    empty_records: u64,
    /// Rows to send that batch registration could carry, and the others.
    fits_batch: u64,
    others: u64,
}

/// The status and message of a valid row, and the registrant ID and join URL Zoom gave it
/// before; `None` for a row that a real run would send.
fn valid_outcome(
    duplicate: bool,
    memory: &mut Memory,
    email: &str,
) -> Option<(Status, &'static str, String, String)> {
    if duplicate {
        return Some((Status::Duplicate, DUPLICATE, String::new(), String::new()));
    }
    if memory.is_empty() {
        return None;
    }
    memory.known(email).map(settled_by)
}

/// A valid row's status, message, registrant ID and join URL: [`valid_outcome`]'s, or `valid`.
fn settled(
    outcome: Option<(Status, &'static str, String, String)>,
) -> (Status, Cow<'static, str>, String, String) {
    match outcome {
        Some((status, message, registrant_id, join_url)) => {
            (status, Cow::Borrowed(message), registrant_id, join_url)
        }
        None => (
            Status::Valid,
            Cow::Borrowed(""),
            String::new(),
            String::new(),
        ),
    }
}

/// The dry run one row at a time, with [`CsvInput`]'s own reader.
fn row_by_row(config: &Config, input: &mut CsvInput, memory: &mut Memory) -> Result<Tally, Error> {
    let results = ResultsFile::create(&config.output)?;
    let mut recorder = Recorder::new(
        results,
        None,
        config.event.to_string(),
        Progress::hidden(),
        None,
    );
    let (mut fits_batch, mut others) = (0u64, 0u64);
    // Rows are only borrowed: the same validation as a real run, without copying a row.
    while let Some(view) = input.next_view()? {
        let (status, message, registrant_id, join_url) = match &view.verdict {
            ViewVerdict::Invalid(problems) => (
                Status::Invalid,
                Cow::Owned(joined(problems)),
                String::new(),
                String::new(),
            ),
            ViewVerdict::Duplicate => settled(valid_outcome(true, memory, view.email)),
            ViewVerdict::Valid(checked) => match valid_outcome(false, memory, view.email) {
                Some(outcome) => settled(Some(outcome)),
                None => {
                    if checked.fits_batch() {
                        fits_batch += 1;
                    } else {
                        others += 1;
                    }
                    settled(None)
                }
            },
        };
        let row = ResultRow {
            row: view.number,
            email: view.email,
            first_name: view.first_name,
            last_name: view.last_name,
            status,
            registrant_id: &registrant_id,
            join_url: &join_url,
            http_status: None,
            zoom_code: None,
            message: &message,
            attempts: 0,
            event: "",
        };
        recorder.record_next(row, view.line)?;
    }
    let (counts, first_problems, results) = recorder.finish()?;
    Ok(Tally {
        input: input.name.clone(),
        counts,
        first_problems,
        results,
        empty_records: input.empty_records,
        fits_batch,
        others,
    })
}

/// A block of the file on its way to a worker: its place in the file, and its bytes.
struct Block {
    seq: u64,
    bytes: Vec<u8>,
}

/// One block's rows, checked and encoded by a worker.
#[derive(Default)]
struct CheckedBlock {
    seq: u64,
    /// The block's bytes, returned for the next block to reuse.
    bytes: Vec<u8>,
    rows: Vec<CheckedRow>,
    /// The rows' results lines without their row numbers, one after another.
    encoded: Vec<u8>,
    /// The emails of valid rows, one after another, if memory holds anyone to look them up.
    emails: String,
    /// The messages of invalid rows.
    problems: Vec<String>,
    /// Line ends in the block.
    lines: u64,
}

struct CheckedRow {
    /// Line ends before the record in its block.
    line: u64,
    kind: RowKind,
    /// Its results line without the number, in `encoded`, and where the person part of it
    /// ends (the outcome follows).
    encoded: Range<usize>,
    person_end: usize,
}

enum RowKind {
    /// All its cells are empty: no person, and no results line (it keeps its number).
    Blank,
    /// The index of its message in `problems`.
    Invalid(usize),
    Valid {
        fingerprint: u64,
        fits_batch: bool,
        /// Trimmed, in `emails`.
        email: Range<usize>,
    },
}

/// What a worker needs to check a block.
struct Checker<'i> {
    rules: Rules<'i>,
    delimiter: u8,
    fields: usize,
    fingerprints: &'i Fingerprinter,
    event: &'i str,
    /// The outcome part of every `valid` row's line: always the same.
    valid: Vec<u8>,
    /// Whether valid rows' emails are kept, for looking them up in memory.
    keep_emails: bool,
}

impl<'i> Checker<'i> {
    fn new(
        (rules, delimiter, fields): (Rules<'i>, u8, usize),
        fingerprints: &'i Fingerprinter,
        event: &'i str,
        keep_emails: bool,
    ) -> Self {
        let mut valid = Vec::new();
        encode_outcome(&unanswered(Status::Valid, "", event), &mut valid);
        Checker {
            rules,
            delimiter,
            fields,
            fingerprints,
            event,
            valid,
            keep_emails,
        }
    }

    fn check(&self, block: &mut CheckedBlock) -> Result<(), GiveUp> {
        let CheckedBlock {
            bytes,
            rows,
            encoded,
            emails,
            problems,
            lines,
            ..
        } = block;
        rows.clear();
        encoded.clear();
        emails.clear();
        problems.clear();
        let mut records = BlockRecords::new(bytes, self.delimiter, self.fields)?;
        while let Some(record) = records.next_record()? {
            let cells = Cells::new(record.text, record.cells);
            if cells.blank() {
                rows.push(CheckedRow {
                    line: record.line,
                    kind: RowKind::Blank,
                    encoded: 0..0,
                    person_end: 0,
                });
                continue;
            }
            let judged = self.rules.judge(cells);
            let start = encoded.len();
            encode_person(judged.email, judged.first_name, judged.last_name, encoded);
            let person_end = encoded.len();
            let kind = match &judged.verdict {
                Ok(checked) => {
                    encoded.extend_from_slice(&self.valid);
                    let email_start = emails.len();
                    if self.keep_emails {
                        emails.push_str(checked.email);
                    }
                    RowKind::Valid {
                        fingerprint: self.fingerprints.of_key(&email_key(checked.email)),
                        fits_batch: checked.fits_batch(),
                        email: email_start..emails.len(),
                    }
                }
                Err(found) => {
                    let message = joined(found);
                    encode_outcome(&unanswered(Status::Invalid, &message, self.event), encoded);
                    problems.push(message);
                    RowKind::Invalid(problems.len() - 1)
                }
            };
            rows.push(CheckedRow {
                line: record.line,
                kind,
                encoded: start..encoded.len(),
                person_end,
            });
        }
        *lines = records.lines();
        Ok(())
    }
}

/// The outcome part of a row that Zoom was not asked about ([`encode_outcome`] needs no person).
fn unanswered<'a>(status: Status, message: &'a str, event: &'a str) -> ResultRow<'a> {
    ResultRow {
        row: 0,
        email: "",
        first_name: "",
        last_name: "",
        status,
        registrant_id: "",
        join_url: "",
        http_status: None,
        zoom_code: None,
        message,
        attempts: 0,
        event,
    }
}

/// Blocks read ahead of the one being written, at most, per worker.
const AHEAD_PER_WORKER: usize = 4;

/// The dry run on every core, in blocks of about `block_bytes`, or `None` if blocks cannot
/// read this file.
fn in_blocks(
    config: &Config,
    input: &mut CsvInput,
    memory: &mut Memory,
    block_bytes: usize,
) -> Result<Option<Tally>, Error> {
    let (name, size, delimiter, fields) = (
        input.name.clone(),
        input.size(),
        input.delimiter,
        input.fields(),
    );
    let (splitter, first_line, rules) = input.blocks();
    let splitter = splitter.with_block_bytes(block_bytes);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let fingerprints = Fingerprinter::default();
    let event = config.event.to_string();
    let checker = Checker::new(
        (rules, delimiter, fields),
        &fingerprints,
        &event,
        !memory.is_empty(),
    );
    let results = ResultsFile::create(&config.output)?;
    let early_sync = results.handle().ok();
    let recorder = Recorder::new(results, None, event.clone(), Progress::hidden(), None);
    let mut writer = Writer {
        recorder,
        event: &event,
        line_bytes: Vec::new(),
        memory,
        seen: SeenSet::default(),
        size,
        number: 0,
        line: first_line,
        empty_records: 0,
        fits_batch: 0,
        others: 0,
        fingerprints: Vec::new(),
        fresh: Vec::new(),
        unsynced: 0,
    };

    let written = std::thread::scope(|scope| {
        // Free buffers: the reader takes one for each block, the writer gives it back, so at
        // most this many blocks are read ahead.
        let in_flight = workers * AHEAD_PER_WORKER;
        let (free_tx, free_rx) = mpsc::sync_channel::<Vec<u8>>(in_flight);
        for _ in 0..in_flight {
            let _ = free_tx.send(Vec::with_capacity(BLOCK_BYTES * 2));
        }
        let (block_tx, block_rx) = mpsc::sync_channel::<Result<Block, GiveUp>>(in_flight);
        let (checked_tx, checked_rx) = mpsc::sync_channel(in_flight);
        scope.spawn(move || read_blocks(splitter, &free_rx, &block_tx));
        let block_rx = Arc::new(Mutex::new(block_rx));
        let spare: Arc<Mutex<Vec<CheckedBlock>>> = Arc::default();
        for _ in 0..workers {
            let (block_rx, checked_tx) = (Arc::clone(&block_rx), checked_tx.clone());
            let (spare, checker) = (Arc::clone(&spare), &checker);
            scope.spawn(move || check_blocks(checker, &block_rx, &spare, &checked_tx));
        }
        drop(checked_tx);
        // Results go to disk as they are written, so the sync at the end is short.
        let (sync_tx, sync_rx) = mpsc::sync_channel::<()>(1);
        if let Some(file) = early_sync {
            scope.spawn(move || {
                while sync_rx.recv().is_ok() {
                    let _ = file.sync_data();
                }
            });
        }
        writer.write_all(checked_rx, free_tx, &spare, sync_tx)
    });
    let gave_up = match written {
        Ok(()) => writer.number == 0,
        Err(Stop::GaveUp) => true,
        Err(Stop::Error(err)) => return Err(err),
    };
    if gave_up {
        // The partial results file is removed; the caller reads the file row by row.
        return Ok(None);
    }
    let (counts, first_problems, results) = writer.recorder.finish()?;
    Ok(Some(Tally {
        input: name,
        counts,
        first_problems,
        results,
        empty_records: writer.empty_records,
        fits_batch: writer.fits_batch,
        others: writer.others,
    }))
}

/// About how many more rows a file of `size` bytes has than its first block, from that
/// block's rows a byte: the duplicate set is sized once instead of growing (each growth
/// re-inserts every address, a cache miss each).
fn rows_after_first(size: u64, first: &CheckedBlock) -> usize {
    let bytes = first.bytes.len().max(1) as f64;
    let rest = size.saturating_sub(first.bytes.len() as u64) as f64;
    // A tenth more, as rows further down may be shorter.
    let expected = rest * first.rows.len() as f64 / bytes * 1.1;
    (expected as usize).min(1 << 26)
}

/// The reader thread: cuts the file into blocks as long as there are free buffers.
fn read_blocks(
    mut splitter: Splitter<impl Read>,
    free: &Receiver<Vec<u8>>,
    blocks: &SyncSender<Result<Block, GiveUp>>,
) {
    let mut seq = 0;
    while let Ok(mut bytes) = free.recv() {
        let block = match splitter.next_block(&mut bytes) {
            Ok(true) => Ok(Block { seq, bytes }),
            Ok(false) => return,
            Err(give_up) => Err(give_up),
        };
        let failed = block.is_err();
        if blocks.send(block).is_err() || failed {
            return;
        }
        seq += 1;
    }
}

/// A worker thread: checks blocks until there are none (or the writer has stopped).
fn check_blocks(
    checker: &Checker<'_>,
    blocks: &Mutex<Receiver<Result<Block, GiveUp>>>,
    spare: &Mutex<Vec<CheckedBlock>>,
    checked: &SyncSender<Result<CheckedBlock, GiveUp>>,
) {
    loop {
        let next = match blocks.lock() {
            Ok(blocks) => blocks.recv(),
            Err(_) => return,
        };
        let Ok(next) = next else { return };
        let result = next.and_then(|Block { seq, bytes }| {
            let reused = spare.lock().ok().and_then(|mut spare| spare.pop());
            let mut block = reused.unwrap_or_default();
            block.seq = seq;
            block.bytes = bytes;
            checker.check(&mut block).map(|()| block)
        });
        if checked.send(result).is_err() {
            return;
        }
    }
}

/// Why the writer stopped early.
enum Stop {
    /// Blocks cannot read this file: read it row by row.
    GaveUp,
    Error(Error),
}

impl<E: Into<Error>> From<E> for Stop {
    fn from(err: E) -> Stop {
        Stop::Error(err.into())
    }
}

/// This thread's part: the blocks in file order into the results file.
struct Writer<'m> {
    recorder: Recorder,
    event: &'m str,
    /// A line being encoded anew.
    line_bytes: Vec<u8>,
    memory: &'m mut Memory,
    seen: SeenSet,
    /// The input's size, to size `seen` from the first block.
    size: Option<u64>,
    /// The last row's number, and the line the next block starts on.
    number: u64,
    line: u64,
    empty_records: u64,
    fits_batch: u64,
    others: u64,
    /// For each block: its valid rows' fingerprints, and whether each was new.
    fingerprints: Vec<u64>,
    fresh: Vec<bool>,
    /// Bytes written since the results file was last asked to sync.
    unsynced: usize,
}

/// Bytes of results after which the results file is synced, in the background.
const SYNC_EVERY: usize = 16 << 20;

impl Writer<'_> {
    fn write_all(
        &mut self,
        checked: Receiver<Result<CheckedBlock, GiveUp>>,
        free: SyncSender<Vec<u8>>,
        spare: &Mutex<Vec<CheckedBlock>>,
        sync: SyncSender<()>,
    ) -> Result<(), Stop> {
        // Blocks that arrived before one that comes earlier in the file.
        let mut waiting = BTreeMap::new();
        let mut next_seq = 0;
        for block in checked {
            let block = block.map_err(|_| Stop::GaveUp)?;
            waiting.insert(block.seq, block);
            while let Some(mut block) = waiting.remove(&next_seq) {
                self.write(&block)?;
                next_seq += 1;
                self.unsynced += block.encoded.len();
                if self.unsynced >= SYNC_EVERY {
                    // If a sync is still going, the next one covers these bytes too.
                    let _ = sync.try_send(());
                    self.unsynced = 0;
                }
                // Hand the buffers back for reuse.
                let _ = free.send(std::mem::take(&mut block.bytes));
                if let Ok(mut spare) = spare.lock() {
                    spare.push(block);
                }
            }
        }
        if waiting.is_empty() {
            Ok(())
        } else {
            Err(Stop::GaveUp)
        }
    }

    fn write(&mut self, block: &CheckedBlock) -> Result<(), Stop> {
        if let Some(size) = self.size.take() {
            self.seen
                .reserve(block.rows.len() + rows_after_first(size, block));
        }
        self.fingerprints.clear();
        self.fingerprints
            .extend(block.rows.iter().filter_map(|row| match row.kind {
                RowKind::Valid { fingerprint, .. } => Some(fingerprint),
                _ => None,
            }));
        self.fresh.clear();
        self.seen.insert_all(&self.fingerprints, &mut self.fresh);
        let mut fresh = self.fresh.iter();
        for row in &block.rows {
            self.number += 1;
            let at = (self.number, self.line + row.line);
            let encoded = &block.encoded[row.encoded.clone()];
            match &row.kind {
                RowKind::Blank => self.empty_records += 1,
                RowKind::Invalid(problem) => {
                    let message = &block.problems[*problem];
                    self.recorder
                        .record_encoded(at, Status::Invalid, message, encoded)?;
                }
                RowKind::Valid {
                    fits_batch, email, ..
                } => {
                    let duplicate = fresh.next() != Some(&true);
                    let email = &block.emails[email.clone()];
                    match valid_outcome(duplicate, self.memory, email) {
                        None => {
                            if *fits_batch {
                                self.fits_batch += 1;
                            } else {
                                self.others += 1;
                            }
                            self.recorder
                                .record_encoded(at, Status::Valid, "", encoded)?;
                        }
                        Some((status, message, registrant_id, join_url)) => {
                            // The same person, another outcome.
                            let person = row.encoded.start..row.person_end;
                            self.line_bytes.clear();
                            self.line_bytes.extend_from_slice(&block.encoded[person]);
                            let outcome = ResultRow {
                                registrant_id: &registrant_id,
                                join_url: &join_url,
                                ..unanswered(status, message, self.event)
                            };
                            encode_outcome(&outcome, &mut self.line_bytes);
                            self.recorder
                                .record_encoded(at, status, message, &self.line_bytes)?;
                        }
                    }
                }
            }
        }
        self.line += block.lines;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use crate::input::InputOptions;
    use crate::preflight::Existing;
    use clap::Parser;
    use proptest::prelude::*;

    fn config(csv: &std::path::Path, output: &std::path::Path) -> Config {
        let args = [
            "zimport".as_ref(),
            csv.as_os_str(),
            "--meeting".as_ref(),
            "83927864687".as_ref(),
            "--dry-run".as_ref(),
            "-o".as_ref(),
            output.as_os_str(),
        ];
        let cli = Cli::try_parse_from(args).expect("arguments parse");
        cli.into_config_with_env(|_| None)
            .expect("a valid configuration")
    }

    /// Zoom lists some people already: the rows for them are settled, not valid.
    fn memory() -> Memory {
        let mut memory = Memory::empty();
        let existing = |email: &str, status: &str| Existing {
            email: email.to_string(),
            status: status.to_string(),
            registrant_id: format!("id-{email}"),
            join_url: format!("https://zoom.us/w/1?tk={email}"),
        };
        memory.add_existing(vec![
            existing("Ana@Example.com", "approved"),
            existing("bo@example.org", "pending"),
            existing("zoe@example.com", "denied"),
        ]);
        memory
    }

    /// The dry run in blocks of `block_bytes` and row by row: their results files and tallies.
    fn both_ways(csv: &[u8], block_bytes: usize, known: bool) -> Option<(Vec<u8>, Vec<u8>)> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("people.csv");
        std::fs::write(&path, csv).expect("write");
        let (in_blocks_out, by_rows_out) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        let memory = || if known { memory() } else { Memory::empty() };
        let source = crate::input::Source::Path(path.clone());
        let mut input = CsvInput::open(&source, &InputOptions::default()).ok()?;
        let by_blocks = in_blocks(
            &config(&path, &in_blocks_out),
            &mut input,
            &mut memory(),
            block_bytes,
        )
        .expect("no I/O error");
        let by_rows = input
            .rewind()
            .map_err(Error::from)
            .and_then(|()| row_by_row(&config(&path, &by_rows_out), &mut input, &mut memory()));
        let (Some(by_blocks), Ok(by_rows)) = (by_blocks, by_rows) else {
            // Blocks may give up only where reading row by row fails.
            return None;
        };
        assert_eq!(by_blocks.counts, by_rows.counts);
        assert_eq!(by_blocks.first_problems, by_rows.first_problems);
        assert_eq!(by_blocks.empty_records, by_rows.empty_records);
        assert_eq!(
            (by_blocks.fits_batch, by_blocks.others),
            (by_rows.fits_batch, by_rows.others)
        );
        let read = |path| std::fs::read(path).expect("results written");
        Some((read(&in_blocks_out), read(&by_rows_out)))
    }

    /// A cell of a registration list, good or bad.
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => Just("ana@example.com".to_string()),
            2 => Just("ANA@EXAMPLE.COM".to_string()),
            2 => Just("bo@example.org".to_string()),
            2 => Just("zoe@example.com".to_string()),
            4 => "[a-c]{1,3}@[a-c]{1,3}\\.(com|de|x)",
            2 => Just("not-an-email".to_string()),
            3 => Just(String::new()),
            2 => Just("  ".to_string()),
            3 => "[A-Za-zéü ,\"\r\n]{1,8}",
            2 => Just("de".to_string()),
            1 => Just("Germany".to_string()),
            1 => Just("CTO".to_string()),
        ]
    }

    fn csv_file() -> impl Strategy<Value = Vec<u8>> {
        let row = proptest::collection::vec(cell(), 5);
        (
            proptest::collection::vec(row, 0..30),
            any::<bool>(),
            proptest::sample::select(vec![csv::QuoteStyle::Necessary, csv::QuoteStyle::Always]),
            any::<bool>(),
        )
            .prop_map(|(rows, crlf, quoting, blank_lines)| {
                let terminator = if crlf {
                    csv::Terminator::CRLF
                } else {
                    csv::Terminator::Any(b'\n')
                };
                let mut writer = csv::WriterBuilder::new()
                    .quote_style(quoting)
                    .terminator(terminator)
                    .from_writer(Vec::new());
                let header = ["Email", "First Name", "Last Name", "Country", "Job Title"];
                writer.write_record(header).expect("header");
                for row in &rows {
                    writer.write_record(row).expect("row");
                }
                let mut bytes = writer.into_inner().expect("written");
                if blank_lines {
                    bytes.extend_from_slice(b"\n\r\n,,,,\n");
                }
                bytes
            })
    }

    proptest! {
        #![proptest_config(crate::property_cases(256))]

        #[test]
        fn blocks_write_the_results_file_that_rows_do(
            csv in csv_file(), block_bytes in 1usize..300, known in any::<bool>(),
        ) {
            if let Some((by_blocks, by_rows)) = both_ways(&csv, block_bytes, known) {
                prop_assert_eq!(String::from_utf8_lossy(&by_blocks), String::from_utf8_lossy(&by_rows));
            }
        }
    }

    #[test]
    fn blocks_give_up_on_a_file_that_rows_refuse() {
        let ragged = b"email,first_name\na@x.com,A\nb@x.com\n";
        assert!(both_ways(ragged, 8, false).is_none());
        let header_only = b"email,first_name\n\n";
        assert!(both_ways(header_only, 8, false).is_none());
    }
}
