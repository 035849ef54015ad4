//! A block of rows as the checker threads hand it on: each row's kind, its results line
//! encoded, what validation changed.

use std::ops::Range;

use crate::fingerprint::Sighting;
use crate::registrant::{Adjusted, Registrant};
use crate::rows::records::ScanError;
use crate::rows::TextEncoding;

/// One block's rows, checked, in file order.
#[derive(Default)]
pub struct CheckedBlock {
    pub(super) seq: u64,
    /// The block's bytes, returned for the next block to reuse.
    pub(super) bytes: Vec<u8>,
    pub(super) encoding: Option<TextEncoding>,
    pub rows: Vec<CheckedRow>,
    /// The rows' results lines' rests, one after another.
    pub encoded: Vec<u8>,
    /// The emails of valid rows, one after another, if kept.
    pub emails: String,
    /// The messages of invalid rows.
    pub problems: Vec<String>,
    /// The registrants of valid rows, if kept; each taken once.
    pub registrants: Vec<Option<Box<Registrant>>>,
    /// The line the block starts on (set as it is handed on), and the line ends in it.
    pub first_line: u64,
    pub(super) lines: u64,
    /// In a Windows-1252 block, the line (from the block's first) of its first record beyond
    /// ASCII.
    pub(super) first_beyond_ascii: Option<u64>,
    /// The problem that ends the file's reading, its line counted from the block's first.
    pub(super) error: Option<ScanError>,
    /// What validation changed in the block's valid rows.
    pub adjusted: Adjusted,
    /// The first few names split otherwise than at the last space, with their lines (from
    /// the block's first): shown in a dry run.
    pub names_split: Vec<(u64, String)>,
}

/// How many split names a block keeps to show.
pub const NAMES_SHOWN: usize = 3;

/// One record of a block.
pub struct CheckedRow {
    /// Line ends before the record in its block.
    pub line: u64,
    pub kind: RowKind,
    /// Its results line's rest, in `encoded`, and where the person part of it ends.
    pub encoded: Range<usize>,
    pub person_end: usize,
    /// Its carried cells, encoded, in `encoded` after the rest.
    pub carried: Range<usize>,
}

pub enum RowKind {
    /// All its cells are empty: no person, and no results line (it keeps its number).
    Blank,
    /// The index of its message in `problems`; its line says `invalid`.
    Invalid(usize),
    /// Its line says `valid`.
    Valid {
        fingerprint: u64,
        /// Its name's hash (`fingerprint::name_hash`).
        name: u32,
        fits_batch: bool,
        /// Trimmed, in `emails` (empty unless kept).
        email: Range<usize>,
        /// In `registrants`, if kept.
        registrant: Option<usize>,
    },
}

impl CheckedBlock {
    pub(super) fn clear(&mut self) {
        self.rows.clear();
        self.encoded.clear();
        self.emails.clear();
        self.problems.clear();
        self.registrants.clear();
        self.lines = 0;
        self.first_beyond_ascii = None;
        self.error = None;
        self.adjusted = Adjusted::default();
        self.names_split.clear();
    }

    /// The fingerprint of each valid row's email and the line the row starts on, in order.
    pub fn sightings(&self) -> impl Iterator<Item = Sighting> + '_ {
        self.rows.iter().filter_map(|row| match row.kind {
            RowKind::Valid {
                fingerprint, name, ..
            } => Some(Sighting {
                fingerprint,
                name,
                line: self.first_line.saturating_add(row.line),
            }),
            _ => None,
        })
    }

    /// The size of the block in bytes (for sizing the duplicate set from the first block).
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}
