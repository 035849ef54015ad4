//! The data records of a file in blocks, so that several threads can read them at once.
//!
//! [`Splitter`] cuts the bytes after the header into blocks that each end where a record ends:
//! it follows quotes (a line end inside a quoted field ends no record), but looks at nothing
//! else, so it runs at memory speed. [`BlockRecords`] then reads the records of one block on
//! its own, cell by cell, without copying a cell that needs no unescaping.
//!
//! Both follow the quoting rules of [`RecordReader`](super::records::RecordReader), and
//! between them give exactly its records and lines; a property test holds them to it.
//! [`BlockRecords`] does not report problems: where `RecordReader` would refuse a record (a NUL
//! byte, an unbalanced quote, a field or record too large, a ragged row), or where a block is
//! not UTF-8, it gives up on the block ([`GiveUp`]), and the caller reads that block with
//! `RecordReader`, which says what is wrong and where, or decodes it.

use std::io::{self, Read};
use std::ops::Range;

use super::records::{line_ends, MAX_FIELD_BYTES, MAX_RECORD_BYTES};

/// The size a block is cut at (the first record end after it).
pub const BLOCK_BYTES: usize = 256 * 1024;

/// A block holds at least one whole record. A record's field bytes are at most
/// [`MAX_RECORD_BYTES`], but quoting can make its text longer; a record longer than this is
/// certainly refused, so the splitter stops looking for its end and hands the block on as it
/// is, for the record reader to say what is wrong.
const MAX_BLOCK_BYTES: usize = 4 * MAX_RECORD_BYTES + BLOCK_BYTES;

/// Why [`BlockRecords`] cannot read a block: something `RecordReader` refuses, or bytes that
/// are not UTF-8. The block is then read with `RecordReader`, which says what is wrong (or
/// reads it after all: giving up is never wrong, only slower).
#[derive(Debug)]
pub struct GiveUp(pub &'static str);

/// Where the splitter is, as far as quotes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quotes {
    Outside,
    Inside,
    /// Just after a `"` inside quotes: the closing one, or the first of an escaped `""`.
    AfterQuote,
}

/// Cuts a stream of records into blocks of whole records.
pub struct Splitter<R> {
    reader: R,
    delimiter: u8,
    /// Read past the last record end: the start of the next block.
    carry: Vec<u8>,
    quotes: Quotes,
    block_bytes: usize,
    /// The last byte scanned: a `"` opens a quoted field only at the start of a field, that
    /// is, after a delimiter or a line end.
    previous: u8,
    ended: bool,
}

impl<R: Read> Splitter<R> {
    /// Splits `reader`, which is at the start of a record.
    pub fn new(reader: R, delimiter: u8) -> Splitter<R> {
        Splitter {
            reader,
            delimiter,
            carry: Vec::new(),
            block_bytes: BLOCK_BYTES,
            quotes: Quotes::Outside,
            previous: b'\n',
            ended: false,
        }
    }

    /// Cuts blocks at this size instead of [`BLOCK_BYTES`] (tests use tiny blocks).
    pub fn with_block_bytes(mut self, bytes: usize) -> Splitter<R> {
        self.block_bytes = bytes.max(1);
        self
    }

    /// Puts the next block of whole records into `block` (at least [`BLOCK_BYTES`] of them,
    /// unless the input ends first); false when there are no more. The last block may end
    /// without a line end, or inside quotes; a block over `MAX_BLOCK_BYTES` holds a record
    /// too large to be read.
    pub fn next_block(&mut self, block: &mut Vec<u8>) -> io::Result<bool> {
        block.clear();
        block.append(&mut self.carry);
        // Bytes carried over were scanned with the block before.
        let mut scanned = block.len();
        let mut target = self.block_bytes;
        loop {
            if !self.ended {
                self.ended = !fill(&mut self.reader, block, target)?;
            }
            let boundary = self.scan(block, scanned);
            scanned = block.len();
            if self.ended {
                return Ok(!block.is_empty());
            }
            // Never between the `\r` and `\n` of a `\r\n`, which end one line: the next
            // block would count a second. The next fill settles it.
            let boundary = boundary.filter(|&end| end < block.len() || block[end - 1] != b'\r');
            if let Some(end) = boundary {
                self.carry.extend_from_slice(&block[end..]);
                block.truncate(end);
                return Ok(true);
            }
            if block.len() > MAX_BLOCK_BYTES {
                // A record without an end in sight: the reader of the block refuses it.
                self.ended = true;
                return Ok(true);
            }
            target = block.len() + self.block_bytes;
        }
    }

    /// The bytes read past the last block cut: the start of the next one.
    pub fn carried(&self) -> &[u8] {
        &self.carry
    }

    /// The input it reads.
    pub fn reader_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Follows quotes through `bytes[from..]`; the end of the last record that ends there.
    fn scan(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        let mut last_end = None;
        let mut at = from;
        loop {
            match self.quotes {
                Quotes::Outside => {
                    let quote = memchr::memchr(b'"', &bytes[at..]).map(|q| at + q);
                    let outside = &bytes[at..quote.unwrap_or(bytes.len())];
                    if let Some(end) = memchr::memrchr2(b'\n', b'\r', outside) {
                        last_end = Some(at + end + 1);
                    }
                    let Some(quote) = quote else { break };
                    let before = match quote.checked_sub(1) {
                        Some(i) => bytes[i],
                        None => self.previous,
                    };
                    if before == self.delimiter || before == b'\n' || before == b'\r' {
                        self.quotes = Quotes::Inside;
                    }
                    at = quote + 1;
                }
                Quotes::Inside => match memchr::memchr(b'"', &bytes[at..]) {
                    Some(quote) => {
                        at += quote + 1;
                        self.quotes = Quotes::AfterQuote;
                    }
                    None => break,
                },
                Quotes::AfterQuote => match bytes.get(at) {
                    None => break,
                    Some(b'"') => {
                        at += 1;
                        self.quotes = Quotes::Inside;
                    }
                    Some(_) => self.quotes = Quotes::Outside,
                },
            }
        }
        if let Some(&last) = bytes.last() {
            self.previous = last;
        }
        last_end
    }
}

/// Reads from `reader` until `block` holds `target` bytes; false if the input ended first.
/// Through `read_to_end`, into the block's spare capacity (which std zeroes first: 1.5% of a dry
/// run by `perf`, 2026-12-02, not worth a second way to read).
fn fill(reader: &mut impl Read, block: &mut Vec<u8>, target: usize) -> io::Result<bool> {
    let wanted = target.saturating_sub(block.len());
    if wanted == 0 {
        return Ok(true);
    }
    let read = reader.by_ref().take(wanted as u64).read_to_end(block)?;
    Ok(read == wanted)
}

/// One record of a block: its cells as ranges of `text`, and its line counted from the
/// block's first line (0).
#[derive(Debug, Clone, Copy)]
pub struct BlockRecord<'r> {
    pub line: u64,
    pub text: &'r str,
    pub cells: &'r [Range<usize>],
}

/// Reads the records of one block (a whole number of records, from a [`Splitter`]).
pub struct BlockRecords<'a> {
    block: &'a str,
    at: usize,
    /// Line ends passed so far.
    lines: u64,
    delimiter: u8,
    fields: usize,
    /// The current record's cells: ranges of the block, or of `unescaped` when one of them
    /// needed unescaping (then every cell of the record is copied there).
    cells: Vec<Range<usize>>,
    unescaped: String,
    in_unescaped: bool,
}

impl<'a> BlockRecords<'a> {
    /// The records of `block`, each of which must have `fields` fields (the header's).
    pub fn new(block: &'a [u8], delimiter: u8, fields: usize) -> Result<Self, GiveUp> {
        if memchr::memchr(0, block).is_some() {
            return Err(GiveUp("a NUL byte"));
        }
        let block = std::str::from_utf8(block).map_err(|_| GiveUp("a block that is not UTF-8"))?;
        Ok(BlockRecords {
            block,
            at: 0,
            lines: 0,
            delimiter,
            fields,
            cells: Vec::with_capacity(fields),
            unescaped: String::new(),
            in_unescaped: false,
        })
    }

    /// Line ends in the block (valid once every record has been read).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The next record, or `None` at the end of the block.
    pub fn next_record(&mut self) -> Result<Option<BlockRecord<'_>>, GiveUp> {
        let bytes = self.block.as_bytes();
        // Empty lines between records are skipped.
        while let Some(&byte) = bytes.get(self.at) {
            match byte {
                // The `\n` of a `\r\n` ends no second line.
                b'\n' if self.at > 0 && bytes[self.at - 1] == b'\r' => {}
                b'\n' | b'\r' => self.lines += 1,
                _ => break,
            }
            self.at += 1;
        }
        if self.at == bytes.len() {
            return Ok(None);
        }
        let line = self.lines;
        self.cells.clear();
        self.unescaped.clear();
        self.in_unescaped = false;
        if !self.plain_record() {
            self.quoted_record()?;
        }
        if self.cells.len() != self.fields {
            return Err(GiveUp("a ragged row"));
        }
        let text = if self.in_unescaped {
            self.unescaped.as_str()
        } else {
            self.block
        };
        Ok(Some(BlockRecord {
            line,
            text,
            cells: &self.cells,
        }))
    }

    /// Reads the usual record, one with no quote on its line and no cell too large to check:
    /// its cells lie between delimiters. False (having read nothing) for any other record.
    fn plain_record(&mut self) -> bool {
        let bytes = self.block.as_bytes();
        let start = self.at;
        let rest = &bytes[start..];
        let end = match memchr::memchr3(b'\n', b'\r', b'"', rest) {
            Some(stop) if rest[stop] == b'"' => return false,
            Some(stop) => start + stop,
            None => bytes.len(),
        };
        // No cell of a line this short can be too large.
        if end - start > MAX_FIELD_BYTES {
            return false;
        }
        // Delimiters found eight bytes at a time: memchr's set-up costs more than a whole
        // line of the usual length.
        let line = &bytes[start..end];
        let pattern = u64::from_ne_bytes([self.delimiter; 8]);
        let mut cell_start = start;
        let mut words = line.chunks_exact(8);
        let mut word_start = start;
        for word in &mut words {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(word);
            let mut found = equal_bytes(u64::from_le_bytes(bytes), pattern);
            while found != 0 {
                let delimiter = word_start + (found.trailing_zeros() / 8) as usize;
                self.cells.push(cell_start..delimiter);
                cell_start = delimiter + 1;
                found &= found - 1;
            }
            word_start += 8;
        }
        for (offset, &byte) in words.remainder().iter().enumerate() {
            if byte == self.delimiter {
                self.cells.push(cell_start..word_start + offset);
                cell_start = word_start + offset + 1;
            }
        }
        self.cells.push(cell_start..end);
        match bytes.get(end) {
            Some(_) => {
                self.lines += 1;
                self.at = end + 1;
            }
            None => self.at = end,
        }
        true
    }

    /// Reads a record cell by cell, following quotes.
    fn quoted_record(&mut self) -> Result<(), GiveUp> {
        let bytes = self.block.as_bytes();
        let mut record_bytes = 0;
        loop {
            let (value, end) = self.cell()?;
            record_bytes += value.len();
            if value.len() > MAX_FIELD_BYTES || record_bytes > MAX_RECORD_BYTES {
                return Err(GiveUp("a field or record too large"));
            }
            self.push_cell(value);
            self.at = end + 1;
            match bytes.get(end) {
                Some(&byte) if byte == self.delimiter => {}
                Some(_) => {
                    // A line end.
                    self.lines += 1;
                    return Ok(());
                }
                None => {
                    self.at = end;
                    return Ok(());
                }
            }
        }
    }

    /// The cell at the read position: its value, and where it ends (at a delimiter, a line
    /// end or the end of the block).
    fn cell(&mut self) -> Result<(Cell, usize), GiveUp> {
        let bytes = self.block.as_bytes();
        let start = self.at;
        let plain_end = |from: usize| {
            memchr::memchr3(self.delimiter, b'\n', b'\r', &bytes[from..])
                .map_or(bytes.len(), |e| from + e)
        };
        if bytes.get(start) != Some(&b'"') {
            let end = plain_end(start);
            return Ok((Cell::Slice(start..end), end));
        }
        // Quoted: up to the closing quote, where `""` is one quote.
        let mut from = start + 1;
        let mut escapes = 0;
        let close = loop {
            let Some(quote) = memchr::memchr(b'"', &bytes[from..]).map(|q| from + q) else {
                return Err(GiveUp("an unbalanced quote"));
            };
            if bytes.get(quote + 1) == Some(&b'"') {
                escapes += 1;
                from = quote + 2;
            } else {
                break quote;
            }
        };
        self.lines += line_ends(&bytes[start..close], false);
        // Text after the closing quote belongs to the cell too (quotes there are ordinary).
        let end = plain_end(close + 1);
        if escapes == 0 && end == close + 1 {
            return Ok((Cell::Slice(start + 1..close), end));
        }
        Ok((
            Cell::Quoted {
                inside: start + 1..close,
                escapes,
                after: close + 1..end,
            },
            end,
        ))
    }

    fn push_cell(&mut self, cell: Cell) {
        // Ranges start and end at ASCII bytes (quotes, delimiters, line ends), so they are
        // character boundaries; `text` is a mere safeguard.
        let text = |range: Range<usize>| self.block.get(range).unwrap_or("");
        match cell {
            Cell::Slice(range) if !self.in_unescaped => self.cells.push(range),
            Cell::Slice(range) => {
                let start = self.unescaped.len();
                self.unescaped.push_str(text(range));
                self.cells.push(start..self.unescaped.len());
            }
            Cell::Quoted { inside, after, .. } => {
                self.move_to_unescaped();
                let start = self.unescaped.len();
                self.unescaped.push_str(&text(inside).replace("\"\"", "\""));
                self.unescaped.push_str(text(after));
                self.cells.push(start..self.unescaped.len());
            }
        }
    }

    /// Copies the record's cells so far into `unescaped`, where the rest will follow.
    fn move_to_unescaped(&mut self) {
        if self.in_unescaped {
            return;
        }
        self.in_unescaped = true;
        for cell in &mut self.cells {
            let start = self.unescaped.len();
            self.unescaped
                .push_str(self.block.get(cell.clone()).unwrap_or(""));
            *cell = start..self.unescaped.len();
        }
    }
}

/// The bytes of `word` that equal the byte repeated in `pattern`: 0x80 in each, 0 elsewhere
/// (exactly: no carry from one byte reaches the next).
fn equal_bytes(word: u64, pattern: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let same = word ^ pattern;
    !(((same & LOW7) + LOW7) | same | LOW7)
}

/// A cell as it lies in the block.
enum Cell {
    /// Its value is this range of the block.
    Slice(Range<usize>),
    /// Quoted, with escaped quotes inside (`escapes` of them) or text after the closing quote.
    Quoted {
        inside: Range<usize>,
        escapes: usize,
        after: Range<usize>,
    },
}

impl Cell {
    /// The bytes of its value.
    fn len(&self) -> usize {
        match self {
            Cell::Slice(range) => range.len(),
            Cell::Quoted {
                inside,
                escapes,
                after,
            } => inside.len() - escapes + after.len(),
        }
    }
}

#[cfg(test)]
mod tests;
