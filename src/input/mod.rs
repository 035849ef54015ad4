//! CSV in: opens the input (a path, or standard input spooled to an unnamed temporary file),
//! checks its structure (in full before anything is used for a real run, [`records::scan`];
//! as the rows are read for a dry run, [`Check`]), maps the header ([`columns`]), and then
//! yields one [`Row`] per data record, in file order, each already validated and checked
//! against earlier rows for duplicate emails. For reading on several threads, it hands out
//! the records after the header in [`blocks`], and the [`Rules`] each row is checked by.
//!
//! Plain synchronous code with no knowledge of HTTP or tokio, so it can be tested with bytes.
//! Memory stays flat: one record at a time, plus 8 bytes per distinct valid email.

pub mod blocks;
pub mod columns;
pub mod records;

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::PathBuf;

use crate::fingerprint::{Fingerprinter, SeenSet};
pub use crate::registrant::Cells;
use crate::registrant::{email_key, shorten, Checked, Field, Problem, Registrant};
pub use columns::{ColumnMap, ColumnUse, Target};

/// Where the CSV comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    Stdin,
}

impl Source {
    /// `-` means standard input, as in most command-line tools.
    pub fn from_arg(arg: PathBuf) -> Source {
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::Path(arg)
        }
    }

    /// How messages name this input.
    pub fn display_name(&self) -> String {
        match self {
            Source::Path(path) => path.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
        }
    }
}

/// How to read the CSV, from the command line.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// `None`: detect `,` `;` or tab from the header line.
    pub delimiter: Option<u8>,
    /// `--map FIELD=COLUMN` entries, in the order given.
    pub map: Vec<(Target, String)>,
}

/// How much of the file [`CsvInput::open`] checks before the first row is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Its whole structure ([`records::scan`]): a real run must not send a single row from a
    /// file whose line 90,000 turns out to be broken.
    Full,
    /// Only its encoding; a structural problem surfaces, with the same message and line, when
    /// the rows reach it. For a dry run, which sends nothing and reads every row anyway: the
    /// separate scan was a fifth of its time (BENCHMARKS.md).
    AsRead,
    /// Only the header. The rows are to be read in [`blocks`], which check their encoding and
    /// structure themselves and give up on anything else; then the input is opened again with
    /// [`Check::AsRead`] ([`CsvInput::reopen`]). A header that is not UTF-8 is checked as
    /// `AsRead` at once. For a dry run on every core: the encoding check was a sixth of its
    /// time.
    Deferred,
}

/// The text encoding the file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// The file is not valid UTF-8 (first at `first_bad_line`), so it is read as Windows-1252,
    /// which is what Excel on Windows writes for "CSV (Comma delimited)".
    Windows1252 {
        first_bad_line: u64,
    },
}

/// Why the input cannot be used at all. Each message names the input, and the line where
/// there is one.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {name}: {source}")]
    Open { name: String, source: io::Error },
    #[error("{name} is a directory, not a CSV file")]
    Directory { name: String },
    #[error("{name}: {source}")]
    Structure {
        name: String,
        source: records::ScanError,
    },
    #[error("{name} line 1 (header): {source}")]
    Header {
        name: String,
        source: columns::HeaderError,
    },
}

/// What one data record came to. Each verdict carries the row's email and names for the
/// results file: a valid row's are its registrant's, so they are held once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Ready to send.
    Valid(Registrant),
    /// Failed local validation: never sent.
    Invalid(Person, Vec<Problem>),
    /// The same email (case-insensitive) as an earlier valid row: never sent.
    Duplicate(Person),
}

/// The email and names as a row gives them (trimmed), for the results file of a row that is
/// not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

impl From<Registrant> for Person {
    fn from(registrant: Registrant) -> Person {
        Person {
            email: registrant.email.into_string(),
            first_name: registrant.first_name,
            last_name: registrant.last_name,
        }
    }
}

/// One data record of the input and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based index of the data record (the header is not counted; empty records are).
    pub number: u64,
    /// The physical line the record starts on, for messages.
    pub line: u64,
    pub verdict: Verdict,
}

#[cfg(test)]
impl Row {
    /// The email as the row gives it (trimmed).
    pub fn email(&self) -> &str {
        match &self.verdict {
            Verdict::Valid(registrant) => registrant.email.as_str(),
            Verdict::Invalid(person, _) | Verdict::Duplicate(person) => &person.email,
        }
    }

    pub fn first_name(&self) -> &str {
        match &self.verdict {
            Verdict::Valid(registrant) => &registrant.first_name,
            Verdict::Invalid(person, _) | Verdict::Duplicate(person) => &person.first_name,
        }
    }

    pub fn last_name(&self) -> &str {
        match &self.verdict {
            Verdict::Valid(registrant) => &registrant.last_name,
            Verdict::Invalid(person, _) | Verdict::Duplicate(person) => &person.last_name,
        }
    }
}

/// What the event's registration form asks for, as Zoom reports it before a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// Standard fields the form requires, beyond email and first name.
    pub required: Vec<Field>,
    pub custom: Vec<CustomQuestion>,
}

/// A custom question of the registration form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomQuestion {
    pub title: String,
    pub required: bool,
    /// The allowed answers of a single-choice question; empty for a free-text one.
    pub answers: Vec<String>,
}

/// Zoom's limit on a custom answer, in characters.
const MAX_ANSWER_CHARS: usize = 128;

impl Form {
    /// The form's own problems with a row that passed field validation, or its answers.
    fn check(
        &self,
        registrant: &Checked<'_>,
        columns: &[Option<usize>],
        cells: &Cells<'_>,
    ) -> Result<Vec<(String, String)>, Vec<Problem>> {
        let mut problems = Vec::new();
        for &field in &self.required {
            let given = match field {
                Field::Email | Field::FirstName => true,
                Field::LastName => !registrant.last_name.is_empty(),
                _ => !registrant.extra.get(field).is_empty(),
            };
            if !given {
                problems.push(Problem {
                    field: Some(field),
                    message: format!("{field} is required by the event's registration form"),
                });
            }
        }
        let mut given_answers = Vec::new();
        for (question, &column) in self.custom.iter().zip(columns) {
            let answer = column.map_or("", |c| cells.get(c).trim());
            let problem = |message: String| Problem {
                field: None,
                message,
            };
            if answer.is_empty() {
                if question.required {
                    let hint = if column.is_none() {
                        format!(" (add a column titled '{}')", question.title)
                    } else {
                        String::new()
                    };
                    problems.push(problem(format!(
                        "the registration form requires an answer to '{}'{hint}",
                        question.title
                    )));
                }
                continue;
            }
            if answer.chars().count() > MAX_ANSWER_CHARS {
                problems.push(problem(format!(
                    "the answer to '{}' is longer than Zoom's {MAX_ANSWER_CHARS} characters",
                    question.title
                )));
                continue;
            }
            if question.answers.is_empty() {
                given_answers.push((question.title.clone(), answer.to_string()));
                continue;
            }
            match question
                .answers
                .iter()
                .find(|a| a.trim().eq_ignore_ascii_case(answer))
            {
                Some(allowed) => given_answers.push((question.title.clone(), allowed.clone())),
                None => problems.push(problem(format!(
                    "'{}' is not one of the answers to '{}' ({})",
                    shorten(answer),
                    question.title,
                    question.answers.join(", ")
                ))),
            }
        }
        if problems.is_empty() {
            Ok(given_answers)
        } else {
            Err(problems)
        }
    }
}

/// The event's form and, for each custom question in order, the column answering it.
#[derive(Debug, Clone)]
struct AppliedForm {
    form: Form,
    columns: Vec<Option<usize>>,
}

/// What every row is checked against: the column mapping and, once known, the event's form.
/// Shared by threads that check rows at once.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'i> {
    columns: &'i ColumnMap,
    form: Option<&'i AppliedForm>,
}

/// A record's verdict before the check for duplicates.
#[derive(Debug)]
pub struct Judged<'a> {
    /// The email and names as the row gives them (trimmed), for the results file.
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub verdict: Result<Checked<'a>, Vec<Problem>>,
}

impl<'i> Rules<'i> {
    /// Validates one record that is not blank ([`Cells::blank`]).
    #[inline]
    pub fn judge<'a>(&self, cells: Cells<'a>) -> Judged<'a>
    where
        'i: 'a,
    {
        let columns: &'a ColumnMap = self.columns;
        let raw = columns.raw_registrant(cells);
        let verdict = raw.check().and_then(|mut checked| {
            if let Some(applied) = self.form {
                checked.custom_questions =
                    applied.form.check(&checked, &applied.columns, &cells)?;
            }
            Ok(checked)
        });
        // A valid row's are trimmed already.
        let (email, first_name, last_name) = match &verdict {
            Ok(checked) => (checked.email, checked.first_name, checked.last_name),
            Err(_) => (
                raw.email.trim(),
                raw.first_name.trim(),
                raw.last_name.trim(),
            ),
        };
        Judged {
            email,
            first_name,
            last_name,
            verdict,
        }
    }
}

/// An open, structurally sound CSV input, read one row at a time.
pub struct CsvInput {
    pub name: String,
    pub delimiter: u8,
    pub encoding: TextEncoding,
    pub columns: ColumnMap,
    /// Data records in the file, known when it was scanned in full ([`Check::Full`]).
    pub data_records: Option<u64>,
    /// Records whose cells were all empty (spreadsheets export them); skipped, not reported.
    pub empty_records: u64,
    records: records::RecordReader<File>,
    /// Another handle of the file, to read it again ([`CsvInput::reopen`], [`CsvInput::blocks`]).
    file: File,
    options: InputOptions,
    /// Where the header starts (after a byte-order mark).
    start: u64,
    next_number: u64,
    /// Fingerprints of the valid emails seen so far. 8 bytes each instead of the address;
    /// a false match needs a 64-bit collision (about 1 in 10^7 for a million rows).
    seen_emails: SeenSet,
    fingerprints: Fingerprinter,
    /// The event's form, once known: (form, for each custom question its column).
    form: Option<AppliedForm>,
    /// The current record's text, and each of its cells' range of it.
    text: String,
    cell_ranges: Vec<Range<usize>>,
}

const READ_BUFFER: usize = 64 * 1024;

impl CsvInput {
    /// Opens and checks `source`. With [`Check::Full`], fails, naming the input and line, if
    /// any part of the file is unreadable, so that nothing is ever sent from a file that is
    /// broken further down.
    pub fn open(
        source: &Source,
        options: &InputOptions,
        check: Check,
    ) -> Result<CsvInput, InputError> {
        let name = source.display_name();
        let file = match source {
            Source::Path(path) => {
                if path.is_dir() {
                    return Err(InputError::Directory { name });
                }
                File::open(path)
            }
            Source::Stdin => spool(io::stdin().lock()),
        };
        match file {
            Ok(file) => CsvInput::from_file(name, file, options.clone(), check),
            Err(source) => Err(InputError::Open { name, source }),
        }
    }

    /// The same input from its start, checked as `check` says, with the same form applied.
    /// Standard input can be read again too: it was copied to a temporary file.
    pub fn reopen(&self, check: Check) -> Result<CsvInput, InputError> {
        let open_error = |source| InputError::Open {
            name: self.name.clone(),
            source,
        };
        let file = self.file.try_clone().map_err(open_error)?;
        let mut input = CsvInput::from_file(self.name.clone(), file, self.options.clone(), check)?;
        if let Some(applied) = &self.form {
            input.apply_form(applied.form.clone());
        }
        Ok(input)
    }

    fn from_file(
        name: String,
        mut file: File,
        options: InputOptions,
        check: Check,
    ) -> Result<CsvInput, InputError> {
        let open_error = |source| InputError::Open {
            name: name.clone(),
            source,
        };
        let handle = file.try_clone().map_err(open_error)?;
        file.seek(SeekFrom::Start(0)).map_err(open_error)?;
        let start = bom_length(&mut file).map_err(open_error)?;
        let delimiter = match options.delimiter {
            Some(delimiter) => delimiter,
            None => detect_delimiter(&mut file).map_err(open_error)?,
        };
        file.seek(SeekFrom::Start(start)).map_err(open_error)?;
        let structure_error = |source| InputError::Structure {
            name: name.clone(),
            source,
        };
        // Reading as the rows go needs the encoding up front: a UTF-8 file is confirmed in one
        // fast pass; anything else takes the full scan, which finds the first line at fault.
        let utf8 = check == Check::AsRead && is_utf8(&mut file).map_err(open_error)?;
        file.seek(SeekFrom::Start(start)).map_err(open_error)?;
        let (encoding, data_records) = if utf8 || check == Check::Deferred {
            (TextEncoding::Utf8, None)
        } else {
            let scan = records::scan(&mut file, delimiter).map_err(structure_error)?;
            file.seek(SeekFrom::Start(start)).map_err(open_error)?;
            let encoding = match scan.first_non_utf8_line {
                None => TextEncoding::Utf8,
                Some(first_bad_line) => TextEncoding::Windows1252 { first_bad_line },
            };
            (encoding, Some(scan.data_records))
        };

        let mut records = records::RecordReader::new(file, delimiter);
        let headers: Vec<String> = match records.next_record().map_err(structure_error)? {
            Some(header)
                if check == Check::Deferred && std::str::from_utf8(header.bytes()).is_err() =>
            {
                let file = handle.try_clone().map_err(open_error)?;
                return CsvInput::from_file(name, file, options, Check::AsRead);
            }
            Some(header) => header
                .fields()
                .map(|h| decode(encoding, h).into_owned())
                .collect(),
            None => return Err(structure_error(records::ScanError::Empty)),
        };
        let columns =
            ColumnMap::resolve(&headers, &options.map).map_err(|source| InputError::Header {
                name: name.clone(),
                source,
            })?;
        // Sized from the scan, when there was one, so the set never rehashes (a rehash briefly
        // holds the old table and the new one).
        let capacity = data_records.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        Ok(CsvInput {
            name,
            delimiter,
            encoding,
            columns,
            data_records,
            empty_records: 0,
            records,
            file: handle,
            options,
            start,
            next_number: 1,
            seen_emails: SeenSet::with_capacity(capacity.min(1 << 26)),
            fingerprints: Fingerprinter::default(),
            form: None,
            text: String::new(),
            cell_ranges: Vec::new(),
        })
    }

    /// Reads the rest of the file for structural problems only, as the full scan would have
    /// (for a file opened with [`Check::AsRead`] when something else went wrong first).
    pub fn check_rest(mut self) -> Result<(), InputError> {
        while self.read_record()?.is_some() {}
        Ok(())
    }

    fn structure_error(&self, source: records::ScanError) -> InputError {
        InputError::Structure {
            name: self.name.clone(),
            source,
        }
    }

    /// Applies the event's registration form to every row from now on: required fields are
    /// checked, and each custom question is answered from the column whose header is its title.
    pub fn apply_form(&mut self, form: Form) {
        let columns = form
            .custom
            .iter()
            .map(|question| self.columns.claim_custom_question(&question.title))
            .collect();
        self.form = Some(AppliedForm { form, columns });
    }

    /// What each row is checked against.
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            columns: &self.columns,
            form: self.form.as_ref(),
        }
    }

    /// The size of the file in bytes, if it can be known.
    pub fn size(&self) -> Option<u64> {
        self.file.metadata().ok().map(|metadata| metadata.len())
    }

    /// The header's number of fields: every record has as many.
    pub fn fields(&self) -> usize {
        self.columns.columns.len()
    }

    /// The records not read yet, to be cut into blocks, and the line they start on. Only for a
    /// UTF-8 file ([`BlockRecords`](blocks::BlockRecords) reads nothing else).
    pub fn blocks(&self) -> Result<(blocks::Splitter<File>, u64), InputError> {
        let open_error = |source| InputError::Open {
            name: self.name.clone(),
            source,
        };
        let (offset, line) = self.records.position();
        let mut file = self.file.try_clone().map_err(open_error)?;
        file.seek(SeekFrom::Start(self.start + offset))
            .map_err(open_error)?;
        Ok((blocks::Splitter::new(file, self.delimiter), line))
    }

    /// Reads the next record that is not blank into `text` and `cell_ranges`; its number and
    /// line.
    fn read_record(&mut self) -> Result<Option<(u64, u64)>, InputError> {
        loop {
            let record = match self.records.next_record() {
                Ok(Some(record)) => record,
                // What the full scan would have refused (read as the rows go, it is found here).
                Ok(None) if self.next_number == 1 => {
                    return Err(self.structure_error(records::ScanError::HeaderOnly))
                }
                Ok(None) => return Ok(None),
                // With a full scan, only if the file changed since.
                Err(source) => return Err(self.structure_error(source)),
            };
            let number = self.next_number;
            self.next_number += 1;
            let line = record.line;
            decode_record(
                &record,
                self.encoding,
                &mut self.text,
                &mut self.cell_ranges,
            );
            if Cells::new(&self.text, &self.cell_ranges).blank() {
                self.empty_records += 1;
                continue;
            }
            return Ok(Some((number, line)));
        }
    }

    /// The next row, validated and checked for duplicates, borrowed from the input until the
    /// next one is read. A dry run reads rows this way and never copies them.
    pub fn next_view(&mut self) -> Result<Option<RowView<'_>>, InputError> {
        let Some((number, line)) = self.read_record()? else {
            return Ok(None);
        };
        // `self.rules()` would borrow all of `self`, and the duplicate set is changed below.
        let rules = Rules {
            columns: &self.columns,
            form: self.form.as_ref(),
        };
        let judged = rules.judge(Cells::new(&self.text, &self.cell_ranges));
        let verdict = match judged.verdict {
            Err(problems) => ViewVerdict::Invalid(problems),
            Ok(checked) => {
                let fingerprint = self.fingerprints.of_key(&email_key(checked.email));
                if self.seen_emails.insert(fingerprint) {
                    ViewVerdict::Valid(checked)
                } else {
                    ViewVerdict::Duplicate
                }
            }
        };
        Ok(Some(RowView {
            number,
            line,
            email: judged.email,
            first_name: judged.first_name,
            last_name: judged.last_name,
            verdict,
        }))
    }

    fn next_row(&mut self) -> Result<Option<Row>, InputError> {
        Ok(self.next_view()?.map(RowView::into_row))
    }
}

/// One data record and its verdict, borrowed from the input ([`CsvInput::next_view`]).
#[derive(Debug)]
pub struct RowView<'a> {
    pub number: u64,
    pub line: u64,
    /// The email and names as the row gives them (trimmed), for the results file.
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub verdict: ViewVerdict<'a>,
}

/// [`Verdict`], borrowed.
#[derive(Debug)]
pub enum ViewVerdict<'a> {
    Valid(Checked<'a>),
    Invalid(Vec<Problem>),
    Duplicate,
}

impl RowView<'_> {
    /// The owned row, for a real run, which sends it from another task.
    pub fn into_row(self) -> Row {
        let person = || Person {
            email: self.email.to_string(),
            first_name: self.first_name.to_string(),
            last_name: self.last_name.to_string(),
        };
        let verdict = match self.verdict {
            ViewVerdict::Valid(checked) => Verdict::Valid(checked.into_registrant()),
            ViewVerdict::Invalid(problems) => Verdict::Invalid(person(), problems),
            ViewVerdict::Duplicate => Verdict::Duplicate(person()),
        };
        Row {
            number: self.number,
            line: self.line,
            verdict,
        }
    }
}

impl Iterator for CsvInput {
    type Item = Result<Row, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

/// Puts `record`'s text into `text` and each cell's range of it into `ranges`: the bytes as
/// they are when they are UTF-8 with every cell ending on a character boundary (the usual
/// case: one check and one copy), else each cell decoded on its own (Windows-1252, or UTF-8
/// with damage that a lossy decode mends).
fn decode_record(
    record: &records::Record<'_>,
    encoding: TextEncoding,
    text: &mut String,
    ranges: &mut Vec<Range<usize>>,
) {
    text.clear();
    ranges.clear();
    if encoding == TextEncoding::Utf8 {
        if let Ok(whole) = std::str::from_utf8(record.bytes()) {
            if record.ends().iter().all(|&end| whole.is_char_boundary(end)) {
                text.push_str(whole);
                let mut start = 0;
                ranges.extend(record.ends().iter().map(|&end| {
                    let range = start..end;
                    start = end;
                    range
                }));
                return;
            }
        }
    }
    for field in record.fields() {
        let start = text.len();
        text.push_str(&decode(encoding, field));
        ranges.push(start..text.len());
    }
}

fn decode(encoding: TextEncoding, bytes: &[u8]) -> Cow<'_, str> {
    match encoding {
        TextEncoding::Utf8 => String::from_utf8_lossy(bytes),
        TextEncoding::Windows1252 { .. } => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// Whether the rest of `file` is valid UTF-8, read in blocks (a character may straddle two).
fn is_utf8(file: &mut File) -> io::Result<bool> {
    let mut buffer = vec![0u8; READ_BUFFER];
    let mut carried = 0;
    loop {
        let read = match file.read(&mut buffer[carried..]) {
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        let filled = carried + read;
        match std::str::from_utf8(&buffer[..filled]) {
            Ok(_) => carried = 0,
            // A character cut off at the end of the block: carry its start into the next.
            Err(err) if err.error_len().is_none() && read > 0 => {
                let valid = err.valid_up_to();
                buffer.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
        if read == 0 {
            return Ok(true);
        }
    }
}

/// Copies standard input to an unnamed temporary file (private to this process, removed on
/// exit), so it can be scanned and then read like any file, with flat memory.
fn spool(mut stdin: impl Read) -> io::Result<File> {
    let mut file = tempfile::tempfile()?;
    io::copy(&mut stdin, &mut file)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// 3 if the file starts with a UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one), else 0.
fn bom_length(file: &mut File) -> io::Result<u64> {
    let mut start = [0u8; 3];
    let mut filled = 0;
    while filled < start.len() {
        match file.read(&mut start[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(if start[..filled] == [0xEF, 0xBB, 0xBF] {
        3
    } else {
        0
    })
}

/// Picks `,`, `;` or tab: whichever occurs most often, outside quotes, in the header line.
/// `;` is what Excel writes where the decimal separator is a comma. Ties go to `,`.
fn detect_delimiter(reader: impl Read) -> io::Result<u8> {
    let mut first_line = Vec::new();
    BufReader::new(reader.take(READ_BUFFER as u64)).read_until(b'\n', &mut first_line)?;
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &byte in &first_line {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (delimiter, count) in counts.iter_mut() {
                if byte == *delimiter {
                    *count += 1;
                }
            }
        }
    }
    let best = counts.iter().fold(
        (b',', 0),
        |best, &(d, n)| if n > best.1 { (d, n) } else { best },
    );
    Ok(best.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Writes `bytes` to a temporary file and opens it as the input.
    fn open_bytes(bytes: &[u8], options: &InputOptions) -> Result<CsvInput, InputError> {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(bytes).expect("write");
        let path = file.path().to_path_buf();
        let input = CsvInput::open(&Source::Path(path), options, Check::Full);
        drop(file);
        input
    }

    fn open_as_read(bytes: &[u8]) -> CsvInput {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(bytes).expect("write");
        let source = Source::Path(file.path().to_path_buf());
        CsvInput::open(&source, &InputOptions::default(), Check::AsRead).expect("opens")
    }

    #[test]
    fn reading_as_it_goes_gives_the_same_rows_as_a_full_check() {
        let text = "email,name\nana@x.com,Ana María\n\n,\nbad,B\nANA@x.com,Again\n";
        let full = rows(text.as_bytes());
        let input = open_as_read(text.as_bytes());
        assert_eq!(input.data_records, None);
        let as_read: Vec<Row> = input.collect::<Result<_, _>>().expect("reads");
        assert_eq!(as_read, full);
    }

    #[test]
    fn a_deferred_check_reads_only_the_header_unless_it_is_not_utf8() {
        let open = |bytes: &[u8]| {
            let mut file = tempfile::NamedTempFile::new().expect("temp file");
            file.write_all(bytes).expect("write");
            let source = Source::Path(file.path().to_path_buf());
            CsvInput::open(&source, &InputOptions::default(), Check::Deferred).expect("opens")
        };
        // A broken row further down is left to the reader of the rows.
        let input = open(b"email,name\na@x.com,Jos\xe9\nb@x.com\n");
        assert_eq!(input.encoding, TextEncoding::Utf8);
        let input = open(b"email,name,Pr\xe9nom\na@x.com,Jos\xe9,\n");
        assert_eq!(
            input.encoding,
            TextEncoding::Windows1252 { first_bad_line: 1 }
        );
        assert_eq!(input.columns.columns[2].0, "Prénom");
    }

    #[test]
    fn reading_as_it_goes_still_finds_a_windows_1252_file_and_its_line() {
        let input = open_as_read(b"email,name\na@x.com,Ana\nb@x.com,Jos\xe9\n");
        assert_eq!(
            input.encoding,
            TextEncoding::Windows1252 { first_bad_line: 3 }
        );
        assert_eq!(input.data_records, Some(2));
    }

    #[test]
    fn a_character_across_read_blocks_is_still_utf8() {
        let mut text = b"email,name\na@x.com,".to_vec();
        text.resize(READ_BUFFER - 1, b'x');
        text.extend_from_slice("é\n".as_bytes());
        let input = open_as_read(&text);
        assert_eq!(input.encoding, TextEncoding::Utf8);
        let mut cut = text.clone();
        cut.truncate(READ_BUFFER);
        cut.push(b'\n');
        assert_ne!(open_as_read(&cut).encoding, TextEncoding::Utf8);
    }

    #[test]
    fn reading_as_it_goes_reports_a_broken_row_when_it_reaches_it() {
        let input = open_as_read(b"email,name\na@x.com,A\nb@x.com\n");
        let results: Vec<_> = input.collect();
        assert!(results[0].is_ok());
        let err = results[1].as_ref().expect_err("ragged");
        assert!(
            err.to_string()
                .contains("line 3: 1 fields, but the header has 2"),
            "{err}"
        );
        let header_only = open_as_read(b"email,name\n").next().expect("an error");
        assert!(header_only.is_err());
    }

    fn rows(bytes: &[u8]) -> Vec<Row> {
        open_bytes(bytes, &InputOptions::default())
            .expect("opens")
            .collect::<Result<_, _>>()
            .expect("reads")
    }

    #[test]
    fn detects_comma_semicolon_and_tab() {
        for (text, expected) in [
            ("email,first_name;x\n", b','),
            ("email;first_name;last_name\n", b';'),
            ("email\tfirst_name\tlast_name\n", b'\t'),
            ("\"a;b\",c\n", b','),
            ("email\n", b','),
        ] {
            assert_eq!(
                detect_delimiter(text.as_bytes()).expect("reads"),
                expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn reads_semicolon_and_tab_files() {
        for text in [
            "E-Mail;Vorname;Nachname\nana@x.com;Ana;López\n",
            "email\tfirst_name\tlast_name\nana@x.com\tAna\tLópez\n",
        ] {
            let opts = InputOptions {
                map: vec![(
                    Target::Field(crate::registrant::Field::FirstName),
                    "Vorname".into(),
                )],
                ..InputOptions::default()
            };
            let opts = if text.contains("Vorname") {
                opts
            } else {
                InputOptions::default()
            };
            let rows: Vec<Row> = open_bytes(text.as_bytes(), &opts)
                .expect("opens")
                .collect::<Result<_, _>>()
                .expect("reads");
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].email(), "ana@x.com");
            assert_eq!(rows[0].first_name(), "Ana");
            assert!(matches!(rows[0].verdict, Verdict::Valid(_)));
        }
    }

    #[test]
    fn delimiter_flag_overrides_detection() {
        let options = InputOptions {
            delimiter: Some(b'|'),
            ..InputOptions::default()
        };
        let input = open_bytes(b"email|first_name\nana@x.com|Ana, Jr.\n", &options).expect("opens");
        assert_eq!(input.delimiter, b'|');
        let rows: Vec<Row> = input.collect::<Result<_, _>>().expect("reads");
        assert_eq!(rows[0].first_name(), "Ana, Jr.");
    }

    #[test]
    fn utf8_with_and_without_bom_read_the_same() {
        let plain = "Email,First Name\nana@x.com,José\n".as_bytes().to_vec();
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice(&plain);
        for bytes in [plain, with_bom] {
            let input = open_bytes(&bytes, &InputOptions::default()).expect("opens");
            assert_eq!(input.encoding, TextEncoding::Utf8);
            let rows: Vec<Row> = input.collect::<Result<_, _>>().expect("reads");
            assert_eq!(rows[0].first_name(), "José");
        }
    }

    #[test]
    fn bom_before_a_quoted_header_is_still_stripped() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(b"\"Email\",\"Name\"\nana@x.com,Ana Lopez\n");
        assert_eq!(rows(&bytes)[0].last_name(), "Lopez");
    }

    #[test]
    fn windows_1252_file_is_decoded_and_flagged() {
        // "José Müller" as Excel on Windows writes it.
        let bytes =
            b"email,first_name,last_name\nana@x.com,Ana,Lee\njose@x.com,Jos\xe9,M\xfcller\n";
        let input = open_bytes(bytes, &InputOptions::default()).expect("opens");
        assert_eq!(
            input.encoding,
            TextEncoding::Windows1252 { first_bad_line: 3 }
        );
        let rows: Vec<Row> = input.collect::<Result<_, _>>().expect("reads");
        assert_eq!(
            (rows[1].first_name(), rows[1].last_name()),
            ("José", "Müller")
        );
    }

    #[test]
    fn later_rows_with_the_same_email_in_any_case_are_duplicates() {
        let rows = rows(b"email,name\nAna@X.com,Ana\nbob@x.com,Bob\nana@x.COM,Ana Again\n");
        assert!(matches!(rows[0].verdict, Verdict::Valid(_)));
        assert!(matches!(rows[1].verdict, Verdict::Valid(_)));
        assert!(matches!(rows[2].verdict, Verdict::Duplicate(_)));
        assert_eq!(rows[2].email(), "ana@x.COM");
    }

    #[test]
    fn an_invalid_row_does_not_make_a_later_valid_one_a_duplicate() {
        let rows = rows(b"email,first_name\nana@x.com,\nana@x.com,Ana\n");
        assert!(matches!(rows[0].verdict, Verdict::Invalid(..)));
        assert!(matches!(rows[1].verdict, Verdict::Valid(_)));
    }

    #[test]
    fn rows_are_numbered_from_one_and_carry_their_line() {
        let rows = rows(b"email,name\na@x.com,\"A\nB\"\n\n,\nb@x.com,B\n");
        let numbers: Vec<(u64, u64)> = rows.iter().map(|r| (r.number, r.line)).collect();
        // Row 2 is the all-empty record ",": skipped, but it keeps its number.
        assert_eq!(numbers, [(1, 2), (3, 6)]);
    }

    #[test]
    fn structural_problems_name_the_file_and_line() {
        let err = open_bytes(
            b"email,name\na@x.com,A\nb@x.com\n",
            &InputOptions::default(),
        )
        .err()
        .expect("ragged");
        let message = err.to_string();
        assert!(
            message.contains("line 3: 1 fields, but the header has 2"),
            "{message}"
        );
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let err = CsvInput::open(
            &Source::Path(dir.path().to_path_buf()),
            &InputOptions::default(),
            Check::Full,
        )
        .err()
        .expect("directory");
        assert!(err.to_string().ends_with("is a directory, not a CSV file"));
    }
}
