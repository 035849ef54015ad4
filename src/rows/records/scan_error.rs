//! Why a file cannot be read as a CSV, with the line it happens on.

use std::io;

use super::{MAX_FIELD_BYTES, MAX_RECORD_BYTES};

/// Why the file cannot be read as a CSV. Lines are 1-based physical lines of the file.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("the file is empty")]
    Empty,
    #[error("line {line}: NUL byte; this is not a text CSV (a binary file, or UTF-16 'Unicode text'?); save it as 'CSV UTF-8'")]
    NulByte { line: u64 },
    #[error("line {line}: a quoted field starts here and is never closed (an unbalanced '\"'); everything after it would be read as one field")]
    UnbalancedQuote { line: u64 },
    #[error("line {line}: field {column} is larger than {limit} KiB, which no registrant needs; the file is probably malformed (an unbalanced '\"'?)", limit = MAX_FIELD_BYTES / 1024)]
    FieldTooLarge { line: u64, column: usize },
    #[error("line {line}: the row is larger than {limit} KiB; the file is probably malformed", limit = MAX_RECORD_BYTES / 1024)]
    RecordTooLarge { line: u64 },
    #[error("line {line}: {found} fields, but the header has {expected} (a missing or extra delimiter, or an unquoted delimiter inside a value?)")]
    Ragged {
        line: u64,
        found: usize,
        expected: usize,
    },
    #[error("the file has a header but no data rows")]
    HeaderOnly,
}

impl ScanError {
    /// The same error, for records read from a point `lines` line ends into the file.
    pub fn after(self, lines: u64) -> ScanError {
        match self {
            ScanError::NulByte { line } => ScanError::NulByte { line: line + lines },
            ScanError::UnbalancedQuote { line } => {
                ScanError::UnbalancedQuote { line: line + lines }
            }
            ScanError::FieldTooLarge { line, column } => ScanError::FieldTooLarge {
                line: line + lines,
                column,
            },
            ScanError::RecordTooLarge { line } => ScanError::RecordTooLarge { line: line + lines },
            ScanError::Ragged {
                line,
                found,
                expected,
            } => ScanError::Ragged {
                line: line + lines,
                found,
                expected,
            },
            other => other,
        }
    }
}
