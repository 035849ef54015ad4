//! CSV records with the line each one starts on, read once from the input's one handle: every
//! structural problem is found as the records are read.
//!
//! The quoting rules are those of the `csv` crate's parser (RFC 4180 plus its leniencies: a
//! quote is special only at the start of a field, `""` inside quotes is one quote, text after
//! a closing quote continues the field, `\r`, `\n` and `\r\n` all end a record, and empty lines
//! are skipped); a property test holds this reader to the `csv` crate's output. It exists
//! because that crate cannot do three things the input needs: report an unbalanced quote
//! (which silently swallows the rest of the file into one field), refuse a giant field
//! without reading it into memory, and give the right line for records of CRLF files (its
//! positions lag one line behind there).

use std::io::{self, Read, Seek, SeekFrom};

/// The largest field accepted. Zoom's longest documented value is 128 characters; 64 KiB is far
/// beyond any real registrant and stops a broken file from being read into memory whole.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// The largest record accepted, for the same reason.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

mod scan_error;
pub use scan_error::ScanError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records: empty lines are skipped here.
    StartRecord,
    StartField,
    Unquoted,
    Quoted,
    /// Just saw a `"` inside a quoted field: either an escaped quote or the closing one.
    QuoteInQuoted,
}

/// One record: its fields' bytes (unquoted, unescaped) and the line it starts on.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub line: u64,
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Record<'a> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All fields' bytes, concatenated.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Where each field ends in [`Record::bytes`].
    pub fn ends(&self) -> &'a [usize] {
        self.ends
    }

    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let bytes = self.bytes;
        self.ends.iter().scan(0, move |start, &end| {
            let field = &bytes[*start..end];
            *start = end;
            Some(field)
        })
    }
}

/// Reads records one at a time with bounded memory, checking as it goes that every record has
/// the header's number of fields.
pub struct RecordReader<R> {
    reader: R,
    delimiter: u8,
    buffer: Box<[u8]>,
    position: usize,
    filled: usize,
    line: u64,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    field_start: usize,
    expected_fields: Option<usize>,
    /// Whether the buffered block holds a NUL byte: runs look for one only then.
    block_has_nul: bool,
    bytes_read: u64,
    /// The line the last record read starts on.
    record_line: u64,
    /// Whether the last byte read was a `\r`: a `\n` right after it ends no second line.
    after_cr: bool,
}

/// The read buffer's size: records cross its boundary wherever they fall.
pub const READ_BUFFER: usize = 64 * 1024;

impl<R: Read> RecordReader<R> {
    pub fn new(reader: R, delimiter: u8) -> Self {
        Self::with_buffer(reader, delimiter, READ_BUFFER)
    }

    /// A reader with a buffer of `size` bytes (at least 1): tests use tiny ones, so that
    /// records end at, just before and just after every refill.
    pub fn with_buffer(reader: R, delimiter: u8, size: usize) -> Self {
        RecordReader {
            reader,
            delimiter,
            buffer: vec![0; size.max(1)].into_boxed_slice(),
            position: 0,
            filled: 0,
            line: 1,
            bytes: Vec::new(),
            ends: Vec::new(),
            field_start: 0,
            expected_fields: None,
            block_has_nul: false,
            bytes_read: 0,
            record_line: 0,
            after_cr: false,
        }
    }

    /// How far records have been read: the offset of the next unread byte (from where the
    /// reader started) and its line. Where a [`Splitter`](super::blocks::Splitter) can take over.
    pub fn position(&self) -> (u64, u64) {
        let unread = (self.filled - self.position) as u64;
        (self.bytes_read - unread, self.line)
    }

    /// The input it reads.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// Counts lines from `line` (the first line read is `line`): for a file whose first line
    /// was skipped (Excel's `sep=X`).
    pub fn starting_on_line(mut self, line: u64) -> Self {
        self.line = line;
        self
    }

    /// Every record must have `fields` fields (the header's), from the first one on.
    pub fn expecting(mut self, fields: usize) -> Self {
        self.expected_fields = Some(fields);
        self
    }

    /// The last record [`RecordReader::next_record`] gave, again.
    pub fn last_record(&self) -> Record<'_> {
        Record {
            line: self.record_line,
            bytes: &self.bytes,
            ends: &self.ends,
        }
    }

    /// The raw bytes after the records read so far, through this reader (its buffer first, then
    /// its input), for a [`Splitter`](super::blocks::Splitter) to take over. Records can be read
    /// again only after [`RecordReader::rewind`].
    pub fn rest(&mut self) -> Rest<'_, R> {
        Rest { records: self }
    }

    /// Refills the buffer; false at end of input.
    fn fill(&mut self) -> io::Result<bool> {
        loop {
            match self.reader.read(&mut self.buffer) {
                Ok(read) => {
                    self.position = 0;
                    self.filled = read;
                    self.bytes_read += read as u64;
                    // One search a block instead of one a field: NULs are for refusing files.
                    self.block_has_nul = memchr::memchr(0, &self.buffer[..read]).is_some();
                    return Ok(read > 0);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        }
    }

    fn end_field(&mut self) {
        self.ends.push(self.bytes.len());
        self.field_start = self.bytes.len();
    }

    fn push(&mut self, byte: u8, record_line: u64) -> Result<(), ScanError> {
        self.check_room(1, record_line)?;
        self.bytes.push(byte);
        Ok(())
    }

    /// Refuses `more` bytes if they would make the field or the record too large.
    fn check_room(&self, more: usize, record_line: u64) -> Result<(), ScanError> {
        if self.bytes.len() - self.field_start + more > MAX_FIELD_BYTES {
            return Err(ScanError::FieldTooLarge {
                line: record_line,
                column: self.ends.len() + 1,
            });
        }
        if self.bytes.len() + more > MAX_RECORD_BYTES {
            return Err(ScanError::RecordTooLarge { line: record_line });
        }
        Ok(())
    }

    /// Takes, in one step, the run of ordinary bytes at the read position: up to the next
    /// delimiter or line end outside quotes, or up to the next quote inside them (counting
    /// the line ends it passes). Most of a file is such runs, so this is where speed comes from.
    fn take_run(&mut self, quoted: bool, record_line: u64) -> Result<(), ScanError> {
        let rest = &self.buffer[self.position..self.filled];
        let end = if quoted {
            memchr::memchr(b'"', rest)
        } else {
            memchr::memchr3(self.delimiter, b'\n', b'\r', rest)
        }
        .unwrap_or(rest.len());
        let run = &rest[..end];
        if let Some(nul) = self.block_has_nul.then(|| memchr::memchr(0, run)).flatten() {
            return Err(ScanError::NulByte {
                line: self.line + line_ends(&run[..nul], self.after_cr),
            });
        }
        // Outside quotes a run stops before any line end.
        let lines = if quoted {
            line_ends(run, self.after_cr)
        } else {
            0
        };
        self.check_room(end, record_line)?;
        if let Some(&last) = run.last() {
            self.after_cr = last == b'\r';
        }
        self.bytes.extend_from_slice(run);
        self.line += lines;
        self.position += end;
        Ok(())
    }

    /// After a record that ends in `\r`, takes the `\n` of a `\r\n` if one follows, so that
    /// the reader never stops between the two: whatever reads on from here (the next record,
    /// or blocks through [`RecordReader::rest`]) starts at a line's start.
    fn take_newline_after_cr(&mut self) -> io::Result<()> {
        if self.position == self.filled && !self.fill()? {
            return Ok(());
        }
        if self.buffer[self.position] == b'\n' {
            self.position += 1;
            self.after_cr = false;
        }
        Ok(())
    }

    fn check_field_count(&mut self, line: u64) -> Result<(), ScanError> {
        let found = self.ends.len();
        match self.expected_fields {
            None => self.expected_fields = Some(found),
            Some(expected) if expected != found => {
                return Err(ScanError::Ragged {
                    line,
                    found,
                    expected,
                })
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, ScanError> {
        let found = self.read_next()?;
        Ok(found.then(|| self.last_record()))
    }

    fn read_next(&mut self) -> Result<bool, ScanError> {
        self.bytes.clear();
        self.ends.clear();
        self.field_start = 0;
        let mut state = State::StartRecord;
        let mut record_line = self.line;
        let mut quote_line = self.line;
        loop {
            if self.position == self.filled && !self.fill()? {
                match state {
                    State::StartRecord => return Ok(false),
                    State::Quoted => return Err(ScanError::UnbalancedQuote { line: quote_line }),
                    State::StartField | State::Unquoted | State::QuoteInQuoted => {
                        self.end_field();
                        break;
                    }
                }
            }
            let byte = self.buffer[self.position];
            self.position += 1;
            if byte == 0 {
                return Err(ScanError::NulByte { line: self.line });
            }
            let is_terminator = byte == b'\n' || byte == b'\r';
            if is_terminator && (byte == b'\r' || !self.after_cr) {
                // The line number is the next line's from here on: a quoted field's line
                // ends count as the file's, and a record ending here still has its own.
                self.line += 1;
            }
            self.after_cr = byte == b'\r';
            if state == State::StartRecord {
                if is_terminator {
                    // An empty line between records: skipped.
                    continue;
                }
                record_line = self.line;
            }
            let mut record_done = false;
            match state {
                State::Quoted if byte == b'"' => state = State::QuoteInQuoted,
                State::Quoted => self.push(byte, record_line)?,
                State::StartRecord | State::StartField if byte == b'"' => {
                    quote_line = self.line;
                    state = State::Quoted;
                }
                State::QuoteInQuoted if byte == b'"' => {
                    self.push(b'"', record_line)?;
                    state = State::Quoted;
                }
                // Outside quotes (a quote after text is an ordinary character).
                _ if byte == self.delimiter => {
                    self.end_field();
                    state = State::StartField;
                }
                _ if is_terminator => {
                    self.end_field();
                    record_done = true;
                }
                _ => {
                    self.push(byte, record_line)?;
                    state = State::Unquoted;
                }
            }
            if record_done {
                if byte == b'\r' {
                    self.take_newline_after_cr()?;
                }
                break;
            }
            match state {
                State::Unquoted => self.take_run(false, record_line)?,
                State::Quoted => self.take_run(true, record_line)?,
                _ => {}
            }
        }
        self.check_field_count(record_line)?;
        self.record_line = record_line;
        Ok(true)
    }
}

impl<R: Read + Seek> RecordReader<R> {
    /// Starts again at byte `offset` of the input, line 1, as a new reader would.
    pub fn rewind(&mut self, offset: u64) -> io::Result<()> {
        self.reader.seek(SeekFrom::Start(offset))?;
        self.position = 0;
        self.filled = 0;
        self.line = 1;
        self.bytes.clear();
        self.ends.clear();
        self.field_start = 0;
        self.expected_fields = None;
        self.block_has_nul = false;
        self.bytes_read = 0;
        self.record_line = 0;
        self.after_cr = false;
        Ok(())
    }

    /// Whether `before` followed by the bytes not read yet hold a valid multi-byte UTF-8
    /// character, which makes the file UTF-8 (SPEC §2). Reads ahead through the same handle and
    /// returns to where it was, so the records that follow are read as if it never looked.
    pub fn rest_holds_multibyte_utf8(&mut self, before: &[u8]) -> io::Result<bool> {
        let mut chunk = before.to_vec();
        chunk.extend_from_slice(&self.buffer[self.position..self.filled]);
        if holds_multibyte_utf8(&chunk) {
            return Ok(true);
        }
        let here = self.reader.stream_position()?;
        // A character cut at the end of one chunk is read whole with the next.
        chunk.drain(..chunk.len().saturating_sub(3));
        let found = loop {
            let carried = chunk.len();
            chunk.resize(carried + READ_BUFFER, 0);
            let read = loop {
                match self.reader.read(&mut chunk[carried..]) {
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other?,
                }
            };
            chunk.truncate(carried + read);
            if read == 0 {
                break false;
            }
            if holds_multibyte_utf8(&chunk) {
                break true;
            }
            chunk.drain(..chunk.len().saturating_sub(3));
        };
        self.reader.seek(SeekFrom::Start(here))?;
        Ok(found)
    }
}

/// The line ends in `bytes`, as an editor counts them: `\n`, `\r\n` and a lone `\r` (the line
/// end of old Mac files) each end one line. `after_cr`: whether the byte before `bytes` was a
/// `\r`, so that a `\n` first in them completes that line's `\r\n` rather than ending another.
pub fn line_ends(bytes: &[u8], after_cr: bool) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count();
    let mut returns = 0;
    let mut pairs = usize::from(after_cr && bytes.first() == Some(&b'\n'));
    for at in memchr::memchr_iter(b'\r', bytes) {
        returns += 1;
        pairs += usize::from(bytes.get(at + 1) == Some(&b'\n'));
    }
    (newlines + returns - pairs) as u64
}

/// Whether `bytes` hold at least one valid multi-byte UTF-8 character (whatever else they hold).
pub fn holds_multibyte_utf8(bytes: &[u8]) -> bool {
    bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii())
}

/// [`RecordReader::rest`].
pub struct Rest<'a, R> {
    records: &'a mut RecordReader<R>,
}

impl<R: Read + Seek> Rest<'_, R> {
    /// [`RecordReader::rest_holds_multibyte_utf8`], for the reader taking over.
    pub fn holds_multibyte_utf8_ahead(&mut self, before: &[u8]) -> io::Result<bool> {
        self.records.rest_holds_multibyte_utf8(before)
    }
}

impl<R: Read> Read for Rest<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let records = &mut *self.records;
        if records.position < records.filled {
            let buffered = &records.buffer[records.position..records.filled];
            let n = buffered.len().min(out.len());
            out[..n].copy_from_slice(&buffered[..n]);
            records.position += n;
            return Ok(n);
        }
        let read = records.reader.read(out)?;
        records.bytes_read += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests;
