//! CSV in: opens the input (a path, or standard input spooled to an unnamed temporary file),
//! maps the header ([`columns`]), and then yields one [`Row`] per data record, in file order,
//! each already validated and checked against earlier rows for duplicate emails. Structural
//! problems (an unbalanced quote, a ragged row, a NUL byte, a huge field) are errors that name
//! the line, found as the records are read. For reading on several threads, it hands out the
//! bytes after the header, through the same handle, in [`blocks`], and the [`Rules`] each row
//! is checked by.
//!
//! The file is read through one handle, owned here: nothing else opens or reads it. A real run
//! reads it once; a dry run that cannot use blocks starts again from the top
//! ([`CsvInput::rewind`]).
//!
//! The encoding is decided by the bytes (SPEC §2): a file that holds a valid multi-byte UTF-8
//! character is UTF-8, and its rows with bytes that are not UTF-8 are invalid; a file with
//! bytes beyond ASCII but no such character is Windows-1252 (what Excel writes on Windows).
//! The first row that is not ASCII decides it, looking ahead through the rest of the file only
//! when that row alone cannot tell; rows before it are ASCII, which reads the same either way.
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

/// The text encoding the file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// The file has bytes beyond ASCII (first at `first_bad_line`) but no UTF-8 character, so
    /// it is read as Windows-1252, which is what Excel on Windows writes for "CSV (Comma
    /// delimited)".
    Windows1252 {
        first_bad_line: u64,
    },
}

impl TextEncoding {
    /// "UTF-8" or "Windows-1252", as the summary states it.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Windows1252 { .. } => "Windows-1252",
        }
    }
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
    #[error("{name} changed while it was being read; run again once it is complete")]
    Changed { name: String },
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

/// An open CSV input, read one row at a time.
pub struct CsvInput {
    pub name: String,
    pub delimiter: u8,
    pub columns: ColumnMap,
    /// Records whose cells were all empty (spreadsheets export them); skipped, not reported.
    pub empty_records: u64,
    text: TextRecords,
    /// The header as first read, to tell that a rewound file is still the same.
    headers: Vec<String>,
    /// Where the header starts (after a byte-order mark).
    start: u64,
    next_number: u64,
    /// Fingerprints of the valid emails seen so far. 8 bytes each instead of the address;
    /// a false match needs a 64-bit collision (about 1 in 10^7 for a million rows).
    seen_emails: SeenSet,
    fingerprints: Fingerprinter,
    /// The event's form, once known: (form, for each custom question its column).
    form: Option<AppliedForm>,
}

/// The input's records as text: its one handle, and the encoding as far as it is decided.
struct TextRecords {
    records: records::RecordReader<File>,
    encoding: TextEncoding,
    /// Whether a record beyond ASCII has settled the encoding.
    decided: bool,
    /// The current record's text, each of its cells' range of it, and the cells whose bytes
    /// are not UTF-8 (in a UTF-8 file).
    text: String,
    cell_ranges: Vec<Range<usize>>,
    bad_cells: Vec<usize>,
}

impl TextRecords {
    fn new(file: File, delimiter: u8) -> TextRecords {
        TextRecords {
            records: records::RecordReader::new(file, delimiter),
            encoding: TextEncoding::Utf8,
            decided: false,
            text: String::new(),
            cell_ranges: Vec::new(),
            bad_cells: Vec::new(),
        }
    }

    /// Reads the next record, blank or not, settling the encoding if it is the first record
    /// beyond ASCII; false at the end.
    fn next(&mut self) -> Result<bool, records::ScanError> {
        let (line, undecided_beyond_ascii, multibyte) = match self.records.next_record()? {
            Some(record) => {
                let beyond_ascii = !self.decided && !record.bytes().is_ascii();
                let multibyte = beyond_ascii && records::holds_multibyte_utf8(record.bytes());
                (record.line, beyond_ascii, multibyte)
            }
            None => return Ok(false),
        };
        if undecided_beyond_ascii {
            let utf8 = multibyte || self.records.rest_holds_multibyte_utf8()?;
            self.encoding = if utf8 {
                TextEncoding::Utf8
            } else {
                TextEncoding::Windows1252 {
                    first_bad_line: line,
                }
            };
            self.decided = true;
        }
        decode_record(
            &self.records.last_record(),
            self.encoding,
            &mut self.text,
            &mut self.cell_ranges,
            &mut self.bad_cells,
        );
        Ok(true)
    }

    /// The line the current record starts on.
    fn line(&self) -> u64 {
        self.records.last_record().line
    }

    fn cells(&self) -> Cells<'_> {
        Cells::new(&self.text, &self.cell_ranges)
    }

    /// The current record's cells, as strings.
    fn strings(&self) -> Vec<String> {
        let cells = self.cells();
        (0..self.cell_ranges.len())
            .map(|index| cells.get(index).to_string())
            .collect()
    }

    /// Back to byte `start`, nothing decided.
    fn rewind(&mut self, start: u64) -> io::Result<()> {
        self.records.rewind(start)?;
        self.encoding = TextEncoding::Utf8;
        self.decided = false;
        Ok(())
    }
}

impl CsvInput {
    /// Opens `source` and reads its header. The rows' structure is checked as they are read.
    pub fn open(source: &Source, options: &InputOptions) -> Result<CsvInput, InputError> {
        let name = source.display_name();
        let file = match source {
            Source::Path(path) => match std::fs::metadata(path) {
                Ok(metadata) if metadata.is_dir() => return Err(InputError::Directory { name }),
                // A pipe or FIFO (`zimport <(cmd)`) is read once into a private file, as
                // standard input is: the file is read again from the top on a fallback.
                Ok(metadata) if !metadata.is_file() => File::open(path).and_then(spool),
                _ => File::open(path),
            },
            Source::Stdin => spool(io::stdin().lock()),
        };
        match file {
            Ok(file) => CsvInput::from_file(name, file, options),
            Err(source) => Err(InputError::Open { name, source }),
        }
    }

    fn from_file(
        name: String,
        mut file: File,
        options: &InputOptions,
    ) -> Result<CsvInput, InputError> {
        let open_error = |source| InputError::Open {
            name: name.clone(),
            source,
        };
        file.seek(SeekFrom::Start(0)).map_err(open_error)?;
        let start = bom_length(&mut file).map_err(open_error)?;
        let delimiter = match options.delimiter {
            Some(delimiter) => delimiter,
            None => detect_delimiter(&mut file).map_err(open_error)?,
        };
        file.seek(SeekFrom::Start(start)).map_err(open_error)?;
        let mut text = TextRecords::new(file, delimiter);
        let structure_error = |source| InputError::Structure {
            name: name.clone(),
            source,
        };
        if !text.next().map_err(structure_error)? {
            return Err(structure_error(records::ScanError::Empty));
        }
        let headers = text.strings();
        let columns =
            ColumnMap::resolve(&headers, &options.map).map_err(|source| InputError::Header {
                name: name.clone(),
                source,
            })?;
        Ok(CsvInput {
            name,
            delimiter,
            columns,
            empty_records: 0,
            text,
            headers,
            start,
            next_number: 1,
            seen_emails: SeenSet::default(),
            fingerprints: Fingerprinter::default(),
            form: None,
        })
    }

    /// The encoding the rows are read in: settled by the first row beyond ASCII, final once
    /// every row has been read.
    pub fn encoding(&self) -> TextEncoding {
        self.text.encoding
    }

    /// Starts again from the first row, with the same header, form and encoding rule, as if
    /// just opened: for a dry run whose blocks could not read the file. Fails if the file
    /// changed meanwhile.
    pub fn rewind(&mut self) -> Result<(), InputError> {
        let name = self.name.clone();
        self.text
            .rewind(self.start)
            .map_err(|source| InputError::Open { name, source })?;
        self.empty_records = 0;
        self.next_number = 1;
        self.seen_emails = SeenSet::default();
        let header = self
            .text
            .next()
            .map_err(|source| self.structure_error(source))?;
        if !header || self.text.strings() != self.headers {
            return Err(InputError::Changed {
                name: self.name.clone(),
            });
        }
        Ok(())
    }

    /// Reads the rest of the file for structural problems only (when something else went
    /// wrong first, so that a broken file is still the problem reported).
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
        self.text
            .records
            .get_ref()
            .metadata()
            .ok()
            .map(|metadata| metadata.len())
    }

    /// The header's number of fields: every record has as many.
    pub fn fields(&self) -> usize {
        self.columns.columns.len()
    }

    /// The bytes after the records read so far, through the input's own handle, to be cut into
    /// blocks; the line they start on; and the rules to check their rows by. Rows can be read
    /// again only after [`CsvInput::rewind`].
    pub fn blocks(&mut self) -> (blocks::Splitter<records::Rest<'_, File>>, u64, Rules<'_>) {
        let (_, line) = self.text.records.position();
        let rules = Rules {
            columns: &self.columns,
            form: self.form.as_ref(),
        };
        let splitter = blocks::Splitter::new(self.text.records.rest(), self.delimiter);
        (splitter, line, rules)
    }

    /// Reads the next record that is not blank; its number and line.
    fn read_record(&mut self) -> Result<Option<(u64, u64)>, InputError> {
        loop {
            if !self
                .text
                .next()
                .map_err(|source| self.structure_error(source))?
            {
                if self.next_number == 1 {
                    return Err(self.structure_error(records::ScanError::HeaderOnly));
                }
                return Ok(None);
            }
            let number = self.next_number;
            self.next_number += 1;
            if self.text.cells().blank() {
                self.empty_records += 1;
                continue;
            }
            return Ok(Some((number, self.text.line())));
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
        let judged = rules.judge(self.text.cells());
        let bad_cells = &self.text.bad_cells;
        let mut problems = match judged.verdict {
            Err(problems) => problems,
            Ok(_) if !bad_cells.is_empty() => Vec::new(),
            Ok(checked) => {
                let fingerprint = self.fingerprints.of_key(&email_key(checked.email));
                let verdict = if self.seen_emails.insert(fingerprint) {
                    ViewVerdict::Valid(checked)
                } else {
                    ViewVerdict::Duplicate
                };
                return Ok(Some(RowView {
                    number,
                    line,
                    email: judged.email,
                    first_name: judged.first_name,
                    last_name: judged.last_name,
                    verdict,
                }));
            }
        };
        problems.extend(bad_cells.iter().map(|&cell| {
            let header = self.columns.columns.get(cell).map_or("", |(h, _)| h.as_str());
            Problem {
                field: self.columns.field_of(cell),
                message: format!(
                    "column '{header}' is not valid UTF-8, as the rest of the file is (a character saved in another encoding?)"
                ),
            }
        }));
        Ok(Some(RowView {
            number,
            line,
            email: judged.email,
            first_name: judged.first_name,
            last_name: judged.last_name,
            verdict: ViewVerdict::Invalid(problems),
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
/// with damage, whose cells are noted in `bad` and decoded lossily for the results file).
fn decode_record(
    record: &records::Record<'_>,
    encoding: TextEncoding,
    text: &mut String,
    ranges: &mut Vec<Range<usize>>,
    bad: &mut Vec<usize>,
) {
    text.clear();
    ranges.clear();
    bad.clear();
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
    for (index, field) in record.fields().enumerate() {
        let start = text.len();
        if encoding == TextEncoding::Utf8 && std::str::from_utf8(field).is_err() {
            bad.push(index);
        }
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

/// Copies standard input (or a pipe) to an unnamed temporary file (private to this process,
/// removed on exit), so it can be read like any file, with flat memory.
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
    BufReader::new(reader.take(records::READ_BUFFER as u64)).read_until(b'\n', &mut first_line)?;
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

    /// Writes `bytes` to a temporary file and opens it as the input (the handle outlives
    /// the file's name).
    fn open_bytes(bytes: &[u8], options: &InputOptions) -> Result<CsvInput, InputError> {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(bytes).expect("write");
        let path = file.path().to_path_buf();
        CsvInput::open(&Source::Path(path), options)
    }

    fn open(bytes: &[u8]) -> CsvInput {
        open_bytes(bytes, &InputOptions::default()).expect("opens")
    }

    fn rows(bytes: &[u8]) -> Vec<Row> {
        open(bytes).collect::<Result<_, _>>().expect("reads")
    }

    #[test]
    fn a_rewound_input_gives_the_same_rows_again() {
        let text = "email,name\nana@x.com,Ana María\n\n,\nbad,B\nANA@x.com,Again\n";
        let mut input = open(text.as_bytes());
        let first: Vec<Row> = input.by_ref().collect::<Result<_, _>>().expect("reads");
        input.rewind().expect("rewinds");
        let again: Vec<Row> = input.by_ref().collect::<Result<_, _>>().expect("reads");
        assert_eq!(first, again);
        assert_eq!(first.len(), 3);
        assert!(matches!(first[2].verdict, Verdict::Duplicate(_)));
    }

    #[test]
    fn a_header_beyond_ascii_settles_the_encoding_at_once() {
        let input = open(b"email,name,Pr\xe9nom\na@x.com,Jos\xe9,\n");
        assert_eq!(
            input.encoding(),
            TextEncoding::Windows1252 { first_bad_line: 1 }
        );
        assert_eq!(input.columns.columns[2].0, "Prénom");
        let input = open(&["email,name,Prénom\na@x.com,Jos".as_bytes(), b"\xe9,\n"].concat());
        assert_eq!(input.encoding(), TextEncoding::Utf8);
    }

    #[test]
    fn a_file_with_bytes_beyond_ascii_and_no_utf8_character_is_windows_1252() {
        let mut input = open(b"email,name\na@x.com,Ana\nb@x.com,Jos\xe9\n");
        let rows: Vec<Row> = input.by_ref().collect::<Result<_, _>>().expect("reads");
        assert_eq!(
            input.encoding(),
            TextEncoding::Windows1252 { first_bad_line: 3 }
        );
        assert_eq!(rows[1].first_name(), "José");
    }

    #[test]
    fn one_utf8_character_anywhere_makes_the_file_utf8_and_rows_with_stray_bytes_invalid() {
        // The first row beyond ASCII is not UTF-8; a later one is, which decides.
        let mut input = open(
            &[
                b"email,first_name,city\na@x.com,Jos\xe9,\n".as_slice(),
                "b@x.com,Bo,Zürich\n".as_bytes(),
            ]
            .concat(),
        );
        let rows: Vec<Row> = input.by_ref().collect::<Result<_, _>>().expect("reads");
        assert_eq!(input.encoding(), TextEncoding::Utf8);
        let Verdict::Invalid(person, problems) = &rows[0].verdict else {
            panic!("a stray byte makes the row invalid: {:?}", rows[0]);
        };
        assert_eq!(person.email, "a@x.com");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, Some(Field::FirstName));
        assert!(
            problems[0]
                .message
                .contains("column 'first_name' is not valid UTF-8"),
            "{problems:?}"
        );
        assert!(matches!(rows[1].verdict, Verdict::Valid(_)));
    }

    #[test]
    fn a_character_across_read_buffers_is_still_utf8() {
        let mut text = b"email,name\na@x.com,".to_vec();
        text.resize(records::READ_BUFFER - 1, b'x');
        text.extend_from_slice("é\n".as_bytes());
        let mut input = open(&text);
        for row in input.by_ref() {
            row.expect("reads");
        }
        assert_eq!(input.encoding(), TextEncoding::Utf8);
        let mut cut = text.clone();
        cut.truncate(records::READ_BUFFER);
        cut.push(b'\n');
        let mut input = open(&cut);
        for row in input.by_ref() {
            row.expect("reads");
        }
        assert_ne!(input.encoding(), TextEncoding::Utf8);
    }

    #[test]
    fn a_broken_row_is_reported_when_it_is_reached() {
        let input = open(b"email,name\na@x.com,A\nb@x.com\n");
        let results: Vec<_> = input.collect();
        assert!(results[0].is_ok());
        let err = results[1].as_ref().expect_err("ragged");
        assert!(
            err.to_string()
                .contains("line 3: 1 fields, but the header has 2"),
            "{err}"
        );
        let header_only = open(b"email,name\n").next().expect("an error");
        assert!(header_only.is_err());
        let empty = open_bytes(b"", &InputOptions::default())
            .err()
            .expect("empty");
        assert!(empty.to_string().contains("the file is empty"), "{empty}");
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
            let mut input = open(&bytes);
            let rows: Vec<Row> = input.by_ref().collect::<Result<_, _>>().expect("reads");
            assert_eq!(input.encoding(), TextEncoding::Utf8);
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
        let mut input = open(bytes);
        let rows: Vec<Row> = input.by_ref().collect::<Result<_, _>>().expect("reads");
        assert_eq!(
            input.encoding(),
            TextEncoding::Windows1252 { first_bad_line: 3 }
        );
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
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let err = CsvInput::open(
            &Source::Path(dir.path().to_path_buf()),
            &InputOptions::default(),
        )
        .err()
        .expect("directory");
        assert!(err.to_string().ends_with("is a directory, not a CSV file"));
    }
}
