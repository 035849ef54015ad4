//! The run's memory (SPEC §5): what earlier runs confirmed, read from the results file and from
//! the journal an interrupted run left beside it, so a re-run sends nothing that Zoom already
//! confirmed and keeps those rows' registrant IDs and join URLs.
//!
//! Memory stays small: for each confirmed email it keeps a fingerprint and the byte offset of
//! its row, and reads the row back when a new run meets that email (checking the email itself,
//! so a fingerprint collision can never match the wrong person).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::config::Event;
use crate::fingerprint::{FingerprintMap, Fingerprinter};
use crate::preflight::Existing;
use crate::registrant::{email_key, Email};

/// What is known about one person before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// An earlier run recorded Zoom's confirmation.
    EarlierRun {
        registrant_id: String,
        join_url: String,
    },
    /// Zoom already lists this person (`approved`, `pending` or `denied`).
    InZoom(Existing),
}

/// Why the earlier results cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error("cannot read the earlier results {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("the earlier results {path} are not a zimport results file ({why}); use -o to write elsewhere, or --fresh to replace it")]
    Foreign { path: String, why: String },
    #[error("the earlier results {path} are for {theirs}, not {ours}; use -o to write this event's results elsewhere, or --fresh to replace them")]
    OtherEvent {
        path: String,
        theirs: String,
        ours: String,
    },
}

/// One file memory reads from, with where its columns are.
struct Source {
    file: File,
    columns: Columns,
}

/// The confirmed rows of earlier runs, by email.
pub struct Memory {
    /// People Zoom listed for the event before this run, by lower-case email.
    existing: HashMap<String, Existing>,
    sources: Vec<Source>,
    /// Email fingerprint → (source, byte offset of the row). Later sources win.
    rows: FingerprintMap<(usize, u64)>,
    fingerprints: Fingerprinter,
}

/// Where the columns memory needs are.
struct Columns {
    email: usize,
    registrant_id: usize,
    join_url: usize,
}

impl Memory {
    /// Nothing remembered (`--fresh`, or a first run).
    pub fn empty() -> Memory {
        Memory {
            existing: HashMap::new(),
            sources: Vec::new(),
            rows: FingerprintMap::default(),
            fingerprints: Fingerprinter::default(),
        }
    }

    /// Reads `files` (those that exist), in order: later files win for the same email.
    pub fn load(files: &[&Path], event: Event) -> Result<Memory, MemoryError> {
        let mut memory = Memory::empty();
        for path in files {
            let shown = path.display().to_string();
            let io_error = |source| MemoryError::Io {
                path: shown.clone(),
                source,
            };
            let file = match File::open(path) {
                Ok(file) => file,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(io_error(err)),
            };
            let index = memory.sources.len();
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(io::BufReader::new(file.try_clone().map_err(io_error)?));
            let headers = reader.headers().map_err(|e| io_error(e.into()))?.clone();
            if headers.is_empty() {
                continue;
            }
            let column = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| MemoryError::Foreign {
                        path: shown.clone(),
                        why: format!("no '{name}' column"),
                    })
            };
            let (status_column, event_column) = (column("status")?, column("event")?);
            let columns = Columns {
                email: column("email")?,
                registrant_id: column("registrant_id")?,
                join_url: column("join_url")?,
            };
            let ours = event.to_string();
            let mut record = csv::StringRecord::new();
            loop {
                let offset = reader.position().byte();
                match reader.read_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => break,
                    // A journal cut off by a crash ends in a torn line: stop there.
                    Err(_) => break,
                }
                let theirs = record.get(event_column).unwrap_or("");
                if theirs != ours {
                    return Err(MemoryError::OtherEvent {
                        path: shown.clone(),
                        theirs: theirs.to_string(),
                        ours,
                    });
                }
                let status = record.get(status_column).unwrap_or("");
                let Ok(email) = Email::parse(record.get(columns.email).unwrap_or("")) else {
                    continue;
                };
                let key = memory.fingerprints.of(&email);
                // Only confirmed rows count; a later pending or failed line for the same person
                // cannot undo what Zoom confirmed.
                if matches!(status, "registered" | "already_registered") {
                    memory.rows.insert(key, (index, offset));
                }
            }
            memory.sources.push(Source { file, columns });
        }
        Ok(memory)
    }

    /// How many people earlier runs confirmed.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.existing.is_empty()
    }

    /// Adds the people Zoom lists for the event; they take precedence over earlier runs.
    pub fn add_existing(&mut self, existing: Vec<Existing>) {
        for person in existing {
            self.existing
                .insert(email_key(person.email.trim()).into_owned(), person);
        }
    }

    /// What is known about `email` (an address already checked, [`Email::check`]): Zoom's list
    /// first (it is current), then earlier runs.
    pub fn known(&mut self, email: &str) -> Option<Known> {
        let key = email_key(email);
        if let Some(existing) = self.existing.get(key.as_ref()) {
            return Some(Known::InZoom(existing.clone()));
        }
        self.confirmed(&key)
    }

    /// What an earlier run confirmed for the email with this key, if anything.
    fn confirmed(&mut self, key: &str) -> Option<Known> {
        let &(index, offset) = self.rows.get(&self.fingerprints.of_key(key))?;
        let source = self.sources.get_mut(index)?;
        let record = read_record_at(&mut source.file, offset).ok()??;
        let get = |column: usize| record.get(column).unwrap_or("").to_string();
        let stored = Email::parse(&get(source.columns.email)).ok()?;
        if stored.key() != key {
            return None;
        }
        Some(Known::EarlierRun {
            registrant_id: get(source.columns.registrant_id),
            join_url: get(source.columns.join_url),
        })
    }
}

/// Reads the one CSV record that starts at `offset`.
fn read_record_at(file: &mut File, offset: u64) -> io::Result<Option<csv::StringRecord>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1024)
        .from_reader(Read::by_ref(file));
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Ok(Some(record)),
        Ok(false) => Ok(None),
        Err(err) => Err(io::Error::other(err.to_string())),
    }
}
