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
mod rules;
pub mod source;
mod start;

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::ops::Range;
use std::path::PathBuf;

use crate::model::Person;
pub use crate::registrant::Cells;
use crate::registrant::{AppliedForm, Form, Registrant};
pub use columns::{ColumnMap, ColumnUse, Target};
pub use rules::{Judged, Rules};
use start::{bom_length, detect_delimiter, sep_line, spool, utf16_to_utf8, utf16_with_bom};

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
    /// A status change needs only each row's email: the names may be missing (an import
    /// needs a first name, as Zoom does).
    pub names_optional: bool,
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
    #[error("{name} line {line} (header): {source}")]
    Header {
        name: String,
        line: u64,
        source: columns::HeaderError,
    },
    #[error("{name} changed while it was being read; run again once it is complete")]
    Changed { name: String },
    #[error("{name} line {line} (header): {count} columns, more than the {MAX_COLUMNS} zimport takes (a registration list has a few dozen; a file that is not one, or its delimiter not what was detected?)")]
    TooManyColumns {
        name: String,
        line: u64,
        count: usize,
    },
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

/// The most columns a header may have: all-property exports from CRMs reach a few hundred.
pub const MAX_COLUMNS: usize = 1_000;

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
    /// `UTF-16LE` or `UTF-16BE` for a file read through a UTF-8 copy of it.
    pub transcoded_from: Option<&'static str>,
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
        // Excel's "Unicode Text" is UTF-16 with a byte-order mark: read as the same text in
        // UTF-8, streamed into a private file.
        let transcoded = file.and_then(|file| {
            let from = utf16_with_bom(&file)?;
            match from {
                Some(encoding) => utf16_to_utf8(file, encoding).map(|file| (file, Some(encoding))),
                None => Ok((file, None)),
            }
        });
        match transcoded {
            Ok((file, from)) => {
                let mut input = CsvInput::from_file(name, file, options)?;
                input.transcoded_from = from.map(|encoding| encoding.name());
                Ok(input)
            }
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
        let mut start = bom_length(&mut file).map_err(open_error)?;
        // Excel's `sep=X` first line names the delimiter (an explicit --delimiter wins), and is
        // skipped: the header is the line after it.
        file.seek(SeekFrom::Start(start)).map_err(open_error)?;
        let sep = sep_line(&mut file).map_err(open_error)?;
        if let Some((_, length)) = sep {
            start += length;
        }
        // The header, from its first byte: a quote there decides what is inside quotes.
        file.seek(SeekFrom::Start(start)).map_err(open_error)?;
        let delimiter = match (options.delimiter, sep) {
            (Some(delimiter), _) => delimiter,
            (None, Some((delimiter, _))) => delimiter,
            (None, None) => detect_delimiter(&mut file).map_err(open_error)?,
        };
        file.seek(SeekFrom::Start(start)).map_err(open_error)?;
        let structure_error = |source| InputError::Structure {
            name: name.clone(),
            source,
        };
        let first_line = if sep.is_some() { 2 } else { 1 };
        let mut records = records::RecordReader::new(file, delimiter).starting_on_line(first_line);
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
        if ranges.len() > MAX_COLUMNS {
            return Err(InputError::TooManyColumns {
                name,
                line,
                count: ranges.len(),
            });
        }
        let cells = Cells::new(&text, &ranges);
        let headers: Vec<String> = (0..ranges.len())
            .map(|index| cells.get(index).to_string())
            .collect();
        let columns = ColumnMap::resolve(&headers, &options.map, options.names_optional).map_err(
            |source| InputError::Header {
                name: name.clone(),
                line,
                source,
            },
        )?;
        Ok(CsvInput {
            name,
            delimiter,
            columns,
            records,
            encoding,
            decided: beyond_ascii,
            form: None,
            transcoded_from: None,
        })
    }

    /// The encoding the rows are read in: settled by the header, or by the first block of
    /// records beyond ASCII; final once [`source::read`] has read every row.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
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
        for &field in &form.asked {
            self.columns.claim_asked(field);
        }
        let columns = form
            .custom
            .iter()
            .map(|question| self.columns.claim_custom_question(&question.title))
            .collect();
        self.form = Some(AppliedForm { form, columns });
    }

    /// The titles of the columns carried to the end of each results line (once the form is
    /// applied, which claims some).
    pub fn carried_titles(&self) -> Vec<String> {
        self.columns
            .carried()
            .into_iter()
            .map(|(_, title)| title)
            .collect()
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

    /// The bytes after the header, to be read in blocks ([`Body`]).
    fn body(&mut self) -> Body<'_> {
        let (_, first_line) = self.records.position();
        Body {
            splitter: blocks::Splitter::new(self.records.rest(), self.delimiter),
            first_line,
            rules: Rules {
                columns: &self.columns,
                form: self.form.as_ref(),
            },
            encoding: self.encoding,
            decided: self.decided,
            delimiter: self.delimiter,
            fields: self.columns.columns.len(),
        }
    }
}

/// The bytes after the header, through the input's own handle, and what reading them needs.
pub(crate) struct Body<'a> {
    /// Cuts the bytes into blocks of whole records.
    pub splitter: blocks::Splitter<records::Rest<'a, File>>,
    /// The line the first record after the header starts on.
    pub first_line: u64,
    /// The rules each row is checked by.
    pub rules: Rules<'a>,
    /// The encoding so far, and whether it is decided (by the header); if not, the records
    /// read so far are ASCII, which reads the same either way.
    pub encoding: TextEncoding,
    pub decided: bool,
    pub delimiter: u8,
    /// The header's number of fields: every record has as many.
    pub fields: usize,
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

#[cfg(test)]
mod tests;
