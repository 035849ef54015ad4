//! CSV in: opens the input (a path, or standard input or a pipe spooled to an unnamed
//! temporary file), reads its header and maps it ([`columns`]), applies the event's
//! registration form to the [`Rules`] each row is checked by, and hands the bytes after the
//! header to [`source`], which reads and checks every record, once, on every core.
//!
//! The file is read through one handle, owned here ([`records::RecordReader`]): nothing else
//! opens or reads it.
//!
//! The encoding is decided by the bytes (SPEC §2): a file that holds a valid multi-byte UTF-8
//! character is UTF-8, and its rows with bytes that are not UTF-8 are invalid; a file with
//! bytes beyond ASCII but no such character is Windows-1252 (what Excel writes on Windows).
//! The header decides it if it is beyond ASCII, else the first block of records that is
//! ([`source`]), looking ahead through the rest of the file only when that alone cannot tell.
//!
//! Plain synchronous code with no knowledge of HTTP or tokio, so it can be tested with bytes.

pub mod blocks;
pub mod columns;
pub mod records;
pub mod source;

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::PathBuf;

pub use crate::registrant::Cells;
use crate::registrant::{shorten, Checked, Field, Problem, Registrant};
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
    /// [`Rules::judge`] for a record whose cells `bad` were not valid UTF-8 (in a UTF-8 file):
    /// then the row is invalid, whatever else it is, with a problem for each.
    pub fn judge_damaged<'a>(&self, cells: Cells<'a>, bad: &[usize]) -> Judged<'a>
    where
        'i: 'a,
    {
        let mut judged = self.judge(cells);
        if bad.is_empty() {
            return judged;
        }
        let mut problems = match judged.verdict {
            Err(problems) => problems,
            Ok(_) => Vec::new(),
        };
        problems.extend(bad.iter().map(|&cell| {
            let header = self.columns.columns.get(cell).map_or("", |(h, _)| h.as_str());
            Problem {
                field: self.columns.field_of(cell),
                message: format!(
                    "column '{header}' is not valid UTF-8, as the rest of the file is (a character saved in another encoding?)"
                ),
            }
        }));
        judged.verdict = Err(problems);
        judged
    }

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

/// An open CSV input: its header read, the rest for [`source`] to read.
pub struct CsvInput {
    pub name: String,
    pub delimiter: u8,
    pub columns: ColumnMap,
    /// The input's one handle, read through this reader.
    records: records::RecordReader<File>,
    encoding: TextEncoding,
    /// Whether a record beyond ASCII (the header, or one read since) settled the encoding.
    decided: bool,
    /// The event's form, once known: (form, for each custom question its column).
    form: Option<AppliedForm>,
}

impl CsvInput {
    /// Opens `source` and reads its header.
    pub fn open(source: &Source, options: &InputOptions) -> Result<CsvInput, InputError> {
        let name = source.display_name();
        let file = match source {
            Source::Path(path) => match std::fs::metadata(path) {
                Ok(metadata) if metadata.is_dir() => return Err(InputError::Directory { name }),
                // A pipe or FIFO (`zimport <(cmd)`) is read once into a private file, as
                // standard input is: the encoding may need to look ahead through it.
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
        let structure_error = |source| InputError::Structure {
            name: name.clone(),
            source,
        };
        let mut records = records::RecordReader::new(file, delimiter);
        let (line, beyond_ascii, multibyte) = match records.next_record() {
            Ok(Some(header)) => {
                let beyond_ascii = !header.bytes().is_ascii();
                let multibyte = beyond_ascii && records::holds_multibyte_utf8(header.bytes());
                (header.line, beyond_ascii, multibyte)
            }
            Ok(None) => return Err(structure_error(records::ScanError::Empty)),
            Err(source) => return Err(structure_error(source)),
        };
        let utf8 = !beyond_ascii
            || multibyte
            || records
                .rest_holds_multibyte_utf8(b"")
                .map_err(|source| structure_error(source.into()))?;
        let encoding = if utf8 {
            TextEncoding::Utf8
        } else {
            TextEncoding::Windows1252 {
                first_bad_line: line,
            }
        };
        let (mut text, mut ranges, mut bad) = (String::new(), Vec::new(), Vec::new());
        decode_record(
            &records.last_record(),
            encoding,
            &mut text,
            &mut ranges,
            &mut bad,
        );
        let cells = Cells::new(&text, &ranges);
        let headers: Vec<String> = (0..ranges.len())
            .map(|index| cells.get(index).to_string())
            .collect();
        let columns =
            ColumnMap::resolve(&headers, &options.map).map_err(|source| InputError::Header {
                name: name.clone(),
                source,
            })?;
        Ok(CsvInput {
            name,
            delimiter,
            columns,
            records,
            encoding,
            decided: beyond_ascii,
            form: None,
        })
    }

    /// The encoding the rows are read in: settled by the header, or by the first block of
    /// records beyond ASCII; final once [`source::read`] has read every row.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// Whether the header settled the encoding.
    fn decided(&self) -> bool {
        self.decided
    }

    /// The encoding the whole file was read in, once it has been.
    fn settle_encoding(&mut self, encoding: TextEncoding) {
        self.encoding = encoding;
        self.decided = true;
    }

    /// Reads the rest of the file for structural problems only (when something else went
    /// wrong first, so that a broken file is still the problem reported).
    pub fn check_rest(mut self) -> Result<(), InputError> {
        source::read::<InputError>(&mut self, source::Keep::default(), |_| Ok(())).map(|_| ())
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
        self.records
            .get_ref()
            .metadata()
            .ok()
            .map(|metadata| metadata.len())
    }

    /// The header's number of fields: every record has as many.
    pub fn fields(&self) -> usize {
        self.columns.columns.len()
    }

    /// The bytes after the header, through the input's own handle, to be cut into blocks; the
    /// line they start on; and the rules to check their rows by.
    fn blocks(&mut self) -> (blocks::Splitter<records::Rest<'_, File>>, u64, Rules<'_>) {
        let (_, line) = self.records.position();
        let rules = Rules {
            columns: &self.columns,
            form: self.form.as_ref(),
        };
        let splitter = blocks::Splitter::new(self.records.rest(), self.delimiter);
        (splitter, line, rules)
    }
}

/// Puts `record`'s text into `text` and each cell's range of it into `ranges`: the bytes as
/// they are when they are UTF-8 with every cell ending on a character boundary (the usual
/// case: one check and one copy), else each cell decoded on its own (Windows-1252, or UTF-8
/// with damage, whose cells are noted in `bad` and decoded lossily for the results file).
pub(crate) fn decode_record(
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
    use crate::report::Status;
    use crate::settle::seen::{rows as read_rows, Seen};
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

    fn rows(bytes: &[u8]) -> Vec<Seen> {
        read_rows(&mut open(bytes)).expect("reads")
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
        let rows = read_rows(&mut input).expect("reads");
        assert_eq!(
            input.encoding(),
            TextEncoding::Windows1252 { first_bad_line: 3 }
        );
        assert_eq!(rows[1].first_name, "José");
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
        let rows = read_rows(&mut input).expect("reads");
        assert_eq!(input.encoding(), TextEncoding::Utf8);
        assert_eq!(
            rows[0].status,
            Status::Invalid,
            "a stray byte: {:?}",
            rows[0]
        );
        assert_eq!(rows[0].email, "a@x.com");
        assert!(
            rows[0]
                .message
                .contains("column 'first_name' is not valid UTF-8"),
            "{:?}",
            rows[0]
        );
        assert_eq!(rows[1].status, Status::Valid);
    }

    #[test]
    fn a_character_across_read_buffers_is_still_utf8() {
        let mut text = b"email,name\na@x.com,".to_vec();
        text.resize(records::READ_BUFFER - 1, b'x');
        text.extend_from_slice("é\n".as_bytes());
        let mut input = open(&text);
        read_rows(&mut input).expect("reads");
        assert_eq!(input.encoding(), TextEncoding::Utf8);
        let mut cut = text.clone();
        cut.truncate(records::READ_BUFFER);
        cut.push(b'\n');
        let mut input = open(&cut);
        read_rows(&mut input).expect("reads");
        assert_ne!(input.encoding(), TextEncoding::Utf8);
    }

    #[test]
    fn a_broken_row_is_an_error_naming_its_line() {
        let err = read_rows(&mut open(b"email,name\na@x.com,A\nb@x.com\n")).expect_err("ragged");
        assert!(
            err.to_string()
                .contains("line 3: 1 fields, but the header has 2"),
            "{err}"
        );
        let header_only = read_rows(&mut open(b"email,name\n\n")).expect_err("no rows");
        assert!(
            header_only.to_string().contains("no data rows"),
            "{header_only}"
        );
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
            let rows =
                read_rows(&mut open_bytes(text.as_bytes(), &opts).expect("opens")).expect("reads");
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].email, "ana@x.com");
            assert_eq!(rows[0].first_name, "Ana");
            assert_eq!(rows[0].status, Status::Valid);
        }
    }

    #[test]
    fn delimiter_flag_overrides_detection() {
        let options = InputOptions {
            delimiter: Some(b'|'),
            ..InputOptions::default()
        };
        let mut input =
            open_bytes(b"email|first_name\nana@x.com|Ana, Jr.\n", &options).expect("opens");
        assert_eq!(input.delimiter, b'|');
        let rows = read_rows(&mut input).expect("reads");
        assert_eq!(rows[0].first_name, "Ana, Jr.");
    }

    #[test]
    fn utf8_with_and_without_bom_read_the_same() {
        let plain = "Email,First Name\nana@x.com,José\n".as_bytes().to_vec();
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice(&plain);
        for bytes in [plain, with_bom] {
            let mut input = open(&bytes);
            let rows = read_rows(&mut input).expect("reads");
            assert_eq!(input.encoding(), TextEncoding::Utf8);
            assert_eq!(rows[0].first_name, "José");
        }
    }

    #[test]
    fn bom_before_a_quoted_header_is_still_stripped() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(b"\"Email\",\"Name\"\nana@x.com,Ana Lopez\n");
        assert_eq!(rows(&bytes)[0].last_name, "Lopez");
    }

    #[test]
    fn windows_1252_file_is_decoded_and_flagged() {
        // "José Müller" as Excel on Windows writes it.
        let bytes =
            b"email,first_name,last_name\nana@x.com,Ana,Lee\njose@x.com,Jos\xe9,M\xfcller\n";
        let mut input = open(bytes);
        let rows = read_rows(&mut input).expect("reads");
        assert_eq!(
            input.encoding(),
            TextEncoding::Windows1252 { first_bad_line: 3 }
        );
        assert_eq!(
            (rows[1].first_name.as_str(), rows[1].last_name.as_str()),
            ("José", "Müller")
        );
    }

    #[test]
    fn later_rows_with_the_same_email_in_any_case_are_duplicates() {
        let rows = rows(b"email,name\nAna@X.com,Ana\nbob@x.com,Bob\nana@x.COM,Ana Again\n");
        let statuses: Vec<Status> = rows.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [Status::Valid, Status::Valid, Status::Duplicate]);
        assert_eq!(rows[2].email, "ana@x.COM");
    }

    #[test]
    fn an_invalid_row_does_not_make_a_later_valid_one_a_duplicate() {
        let rows = rows(b"email,first_name\nana@x.com,\nana@x.com,Ana\n");
        assert_eq!(rows[0].status, Status::Invalid);
        assert_eq!(rows[1].status, Status::Valid);
    }

    #[test]
    fn rows_are_numbered_from_one_and_carry_their_line() {
        let rows = rows(b"email,name\na@x.com,\"A\nB\"\n\n,\nb@x.com,B\n");
        let numbers: Vec<(u64, u64)> = rows.iter().map(|r| (r.row, r.line)).collect();
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
