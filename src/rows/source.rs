//! The input's data records, read once and checked on every core, for a dry run and a real run
//! alike. A reader thread cuts the bytes after the header into blocks of whole records
//! ([`Splitter`], through the input's one handle) and settles the encoding at the first block
//! beyond ASCII. Worker threads check each block's rows with the event's [`Rules`]: with the
//! fast [`BlockRecords`] where it can, and with the [`RecordReader`] for a block it gives up on
//! (one not UTF-8, or one with a problem), which decodes it and finds every problem with its
//! line. The blocks come back to the caller in file order, one at a time.
//!
//! What a worker keeps of a row is what comes after in every run: its kind (blank, invalid,
//! valid), its results line's rest with the person and the outcome it would have as `valid` or
//! `invalid`, its email's fingerprint, and, when asked, its email and its [`Registrant`](crate::registrant::Registrant).

use std::fs::File;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use super::blocks::{BlockRecords, Splitter, BLOCK_BYTES};
use super::records::{holds_multibyte_utf8, line_ends, RecordReader, Rest, ScanError, READ_BUFFER};
use super::{decode_record, Body, CsvInput, InputError, TextEncoding};

mod checked;
use super::Rules;
use crate::fingerprint::{name_hash, Fingerprinter};
use crate::model::Status;
use crate::outcome::Answer;
use crate::outside::shorten;
use crate::registrant::{email_key, Cells};
use crate::reorder::Reorder;
use crate::results::Format;
pub use checked::{CheckedBlock, CheckedRow, RowKind, NAMES_SHOWN};

/// What the workers keep of each row, besides a valid one's fingerprint.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keep {
    /// Its results line's rest and carried cells, encoded in this format (as `valid` or
    /// `invalid`); without one, none.
    pub lines: Option<&'static dyn Format>,
    /// Its email, to look up in what earlier runs and Zoom know.
    pub emails: bool,
    /// Its [`Registrant`](crate::registrant::Registrant), to send.
    pub registrants: bool,
    /// Every block read with the record reader, the fast way skipped: for the test that holds
    /// the fast way to it.
    pub exactly: bool,
}

/// What reading the whole input found, besides the rows.
#[derive(Debug, Clone, Copy)]
pub struct Read {
    pub encoding: TextEncoding,
    /// Records read (blank ones too).
    pub records: u64,
}

/// Blocks read ahead of the one being handed on, at most, per worker.
const AHEAD_PER_WORKER: usize = 4;

/// Reads `input`'s records after its header and hands each checked block to `take`, in file
/// order. Stops at the first problem in the file (an error that names the line) or the first
/// error `take` returns.
pub fn read<E: From<InputError>>(
    input: &mut CsvInput,
    keep: Keep,
    mut take: impl FnMut(&mut CheckedBlock) -> Result<(), E>,
) -> Result<Read, E> {
    read_in_blocks(input, keep, BLOCK_BYTES, &mut take)
}

/// [`read`], in blocks of about `block_bytes` (tests use tiny ones).
pub(crate) fn read_in_blocks<E: From<InputError>>(
    input: &mut CsvInput,
    keep: Keep,
    block_bytes: usize,
    take: &mut impl FnMut(&mut CheckedBlock) -> Result<(), E>,
) -> Result<Read, E> {
    let name = input.name.clone();
    let structure = |source: ScanError| InputError::Structure {
        name: name.clone(),
        source,
    };
    let Body {
        splitter,
        first_line,
        rules,
        mut encoding,
        decided,
        delimiter,
        fields,
    } = input.body();
    let mut valid = Vec::new();
    if let Some(format) = keep.lines {
        format.outcome(&Answer::unanswered(Status::Valid, ""), &mut valid);
    }
    let checker = Checker {
        carried: rules
            .columns
            .carried()
            .into_iter()
            .map(|(i, _)| i)
            .collect(),
        rules,
        delimiter,
        fields,
        fingerprints: Fingerprinter::default(),
        keep,
        valid,
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut records = 0;
    std::thread::scope(|scope| -> Result<(), E> {
        // Free buffers: the reader takes one for each block, and gets it back once the block
        // is handed on, so at most this many blocks are read ahead.
        let in_flight = workers * AHEAD_PER_WORKER;
        let (free_tx, free_rx) = mpsc::sync_channel::<Vec<u8>>(in_flight);
        for _ in 0..in_flight {
            let _ = free_tx.send(Vec::with_capacity(BLOCK_BYTES * 2));
        }
        let (block_tx, block_rx) = mpsc::sync_channel(in_flight);
        let splitter = splitter.with_block_bytes(block_bytes);
        scope.spawn(move || cut_blocks(splitter, encoding, decided, &free_rx, &block_tx));
        let block_rx = Arc::new(Mutex::new(block_rx));
        let spare: Arc<Mutex<Vec<CheckedBlock>>> = Arc::default();
        let (checked_tx, checked_rx) = mpsc::sync_channel(in_flight);
        for _ in 0..workers {
            let (block_rx, checked_tx) = (Arc::clone(&block_rx), checked_tx.clone());
            let (spare, checker) = (Arc::clone(&spare), &checker);
            scope.spawn(move || check_blocks(checker, &block_rx, &spare, &checked_tx));
        }
        drop(checked_tx);

        let mut order = Reorder::default();
        let mut line = first_line;
        for checked in checked_rx {
            let block: CheckedBlock =
                checked.map_err(|error| E::from(structure(ScanError::Io(error))))?;
            order.hold(block.seq, block);
            while let Some(mut block) = order.pop() {
                block.first_line = line;
                if let Some(error) = block.error.take() {
                    return Err(structure(error.after(line.saturating_sub(1))).into());
                }
                if let (TextEncoding::Utf8, Some(TextEncoding::Windows1252 { .. })) =
                    (encoding, block.encoding)
                {
                    // The block the file was settled as Windows-1252 at, and its first line
                    // beyond ASCII.
                    encoding = TextEncoding::Windows1252 {
                        first_bad_line: line + block.first_beyond_ascii.unwrap_or(0),
                    };
                }
                records += block.rows.len() as u64;
                take(&mut block)?;
                line += block.lines;
                // Hand the buffers back for reuse.
                let _ = free_tx.send(std::mem::take(&mut block.bytes));
                if let Ok(mut spare) = spare.lock() {
                    spare.push(block);
                }
            }
        }
        if order.held() > 0 {
            return Err(structure(ScanError::Io(std::io::Error::other(
                "a thread reading the file stopped",
            )))
            .into());
        }
        Ok(())
    })?;
    if records == 0 {
        return Err(structure(ScanError::HeaderOnly).into());
    }
    input.settle_encoding(encoding);
    Ok(Read { encoding, records })
}

/// A block on its way to a worker, with the encoding the file was settled on by then.
struct Block {
    seq: u64,
    bytes: Vec<u8>,
    encoding: TextEncoding,
}

/// The reader thread: cuts the file into blocks as long as there are free buffers, settling
/// the encoding at the first block beyond ASCII (if the header did not): a valid multi-byte
/// UTF-8 character in it, or anywhere after it, makes the file UTF-8; otherwise it is
/// Windows-1252. Blocks before that one are ASCII, which reads the same either way.
fn cut_blocks(
    mut splitter: Splitter<Rest<'_, File>>,
    mut encoding: TextEncoding,
    mut decided: bool,
    free: &Receiver<Vec<u8>>,
    blocks: &SyncSender<Result<Block, std::io::Error>>,
) {
    let mut seq = 0;
    while let Ok(mut bytes) = free.recv() {
        let block = splitter.next_block(&mut bytes).and_then(|more| {
            if more && !decided && !bytes.is_ascii() {
                let carried = splitter.carried().to_vec();
                let utf8 = holds_multibyte_utf8(&bytes)
                    || splitter.reader_mut().holds_multibyte_utf8_ahead(&carried)?;
                encoding = if utf8 {
                    TextEncoding::Utf8
                } else {
                    // The worker finds the line.
                    TextEncoding::Windows1252 { first_bad_line: 0 }
                };
                decided = true;
            }
            Ok(more)
        });
        let block = match block {
            Ok(true) => Ok(Block {
                seq,
                bytes,
                encoding,
            }),
            Ok(false) => return,
            Err(error) => Err(error),
        };
        let failed = block.is_err();
        if blocks.send(block).is_err() || failed {
            return;
        }
        seq += 1;
    }
}

/// A worker thread: checks blocks until there are none (or nobody takes them any more).
fn check_blocks(
    checker: &Checker<'_>,
    blocks: &Mutex<Receiver<Result<Block, std::io::Error>>>,
    spare: &Mutex<Vec<CheckedBlock>>,
    checked: &SyncSender<Result<CheckedBlock, std::io::Error>>,
) {
    loop {
        let next = match blocks.lock() {
            Ok(blocks) => blocks.recv(),
            Err(_) => return,
        };
        let Ok(next) = next else { return };
        let result = next.map(
            |Block {
                 seq,
                 bytes,
                 encoding,
             }| {
                let reused = spare.lock().ok().and_then(|mut spare| spare.pop());
                let mut block = reused.unwrap_or_default();
                block.seq = seq;
                block.bytes = bytes;
                block.encoding = Some(encoding);
                checker.check(&mut block, encoding);
                block
            },
        );
        if checked.send(result).is_err() {
            return;
        }
    }
}

/// What a worker checks a block with.
struct Checker<'i> {
    rules: Rules<'i>,
    delimiter: u8,
    /// The header's: every record has as many.
    fields: usize,
    fingerprints: Fingerprinter,
    keep: Keep,
    /// The outcome part of every `valid` row's line: always the same, so encoded once.
    valid: Vec<u8>,
    /// The columns carried to the end of each results line.
    carried: Vec<usize>,
}

impl Checker<'_> {
    fn check(&self, block: &mut CheckedBlock, encoding: TextEncoding) {
        block.clear();
        // The fast way for a block it can read; otherwise the record reader's.
        let fast = !self.keep.exactly && (encoding == TextEncoding::Utf8 || block.bytes.is_ascii());
        if fast && self.check_fast(block).is_ok() {
            return;
        }
        block.clear();
        self.check_exactly(block, encoding);
    }

    fn check_fast(&self, block: &mut CheckedBlock) -> Result<(), super::blocks::GiveUp> {
        let bytes = std::mem::take(&mut block.bytes);
        let result = (|| {
            let mut records = BlockRecords::new(&bytes, self.delimiter, self.fields)?;
            while let Some(record) = records.next_record()? {
                self.add(
                    block,
                    record.line,
                    Cells::new(record.text, record.cells),
                    &[],
                );
            }
            block.lines = records.lines();
            Ok(())
        })();
        block.bytes = bytes;
        result
    }

    /// Reads the block with the record reader, which decodes it as `encoding` says and stops at
    /// the first problem.
    fn check_exactly(&self, block: &mut CheckedBlock, encoding: TextEncoding) {
        let bytes = std::mem::take(&mut block.bytes);
        let mut records = RecordReader::with_buffer(bytes.as_slice(), self.delimiter, READ_BUFFER)
            .expecting(self.fields);
        let (mut text, mut ranges, mut bad) = (String::new(), Vec::new(), Vec::new());
        loop {
            match records.next_record() {
                Ok(Some(record)) => {
                    let line = record.line - 1;
                    if matches!(encoding, TextEncoding::Windows1252 { .. })
                        && block.first_beyond_ascii.is_none()
                        && !record.bytes().is_ascii()
                    {
                        block.first_beyond_ascii = Some(line);
                    }
                    decode_record(&record, encoding, &mut text, &mut ranges, &mut bad);
                    self.add(block, line, Cells::new(&text, &ranges), &bad);
                }
                Ok(None) => break,
                Err(error) => {
                    block.error = Some(error);
                    break;
                }
            }
        }
        block.lines = line_ends(&bytes, false);
        block.bytes = bytes;
    }

    /// Checks one record (`bad`: its cells that were not valid UTF-8) and adds it to the block.
    fn add(&self, block: &mut CheckedBlock, line: u64, cells: Cells<'_>, bad: &[usize]) {
        if cells.blank() {
            block.rows.push(CheckedRow {
                line,
                kind: RowKind::Blank,
                encoded: 0..0,
                person_end: 0,
                carried: 0..0,
            });
            return;
        }
        let judged = self.rules.judge_damaged(cells, bad);
        let start = block.encoded.len();
        if let Some(format) = self.keep.lines {
            format.person(
                judged.email,
                judged.first_name,
                judged.last_name,
                &mut block.encoded,
            );
        }
        let person_end = block.encoded.len();
        let kind = match judged.verdict {
            Ok(checked) => {
                block.adjusted.add(checked.adjusted());
                let shown = checked.name_split() && block.names_split.len() < NAMES_SHOWN;
                if let Some(full) = self.rules.columns.full_name_cell(cells).filter(|_| shown) {
                    let split = format!(
                        "'{}' as first name '{}', last name '{}'",
                        shorten(full),
                        shorten(checked.first_name),
                        shorten(checked.last_name)
                    );
                    block.names_split.push((line, split));
                }
                block.encoded.extend_from_slice(&self.valid);
                let email_start = block.emails.len();
                if self.keep.emails {
                    block.emails.push_str(checked.email);
                }
                let fingerprint = self.fingerprints.of_key(&email_key(checked.email));
                let name = name_hash(checked.first_name, checked.last_name);
                let fits_batch = checked.fits_batch();
                let registrant = self.keep.registrants.then(|| {
                    block
                        .registrants
                        .push(Some(Box::new(checked.into_registrant())));
                    block.registrants.len() - 1
                });
                RowKind::Valid {
                    fingerprint,
                    name,
                    fits_batch,
                    email: email_start..block.emails.len(),
                    registrant,
                }
            }
            Err(found) => {
                let message = crate::outcome::joined(&found);
                if let Some(format) = self.keep.lines {
                    format.outcome(
                        &Answer::unanswered(Status::Invalid, &message),
                        &mut block.encoded,
                    );
                }
                block.problems.push(message);
                RowKind::Invalid(block.problems.len() - 1)
            }
        };
        let end = block.encoded.len();
        if let Some(format) = self.keep.lines.filter(|_| !self.carried.is_empty()) {
            format.carried(
                &mut self.carried.iter().map(|&index| cells.get(index)),
                &mut block.encoded,
            );
        }
        block.rows.push(CheckedRow {
            line,
            kind,
            encoded: start..end,
            person_end,
            carried: end..block.encoded.len(),
        });
    }
}
