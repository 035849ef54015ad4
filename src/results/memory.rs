//! The run's memory (SPEC §5): what earlier runs confirmed, read from the results file and from
//! the journal an interrupted run left beside it, so a re-run sends nothing that Zoom already
//! confirmed and keeps those rows' registrant IDs and join URLs.
//!
//! Memory stays small: for each confirmed email it keeps a fingerprint and the byte offset of
//! its row, and reads the row back when a new run meets that email (checking the email itself,
//! so a fingerprint collision can never match the wrong person).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::fingerprint::{FingerprintMap, Fingerprinter};
use crate::model::Event;
use crate::model::Known;
use crate::model::{Existing, Listing};
use crate::registrant::{email_key, Email};
use crate::results::Format;

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
    /// Someone else could have written it ([`crate::files::owned_safely`]).
    #[error("the earlier results {path} {why}; zimport trusts what earlier runs confirmed only from files that are yours (or root's) and that only you can change: check it, then remove it, or run with --fresh to replace it")]
    Untrusted { path: String, why: String },
    /// A line that cannot be read, with lines after it that can: not what a crash leaves.
    #[error("{path} line {line} is damaged ({why}), so what earlier runs confirmed cannot be trusted; {recovery}")]
    Damaged {
        path: String,
        line: u64,
        why: String,
        recovery: &'static str,
    },
}

/// How to recover from damage, by file.
const RESULTS_RECOVERY: &str = "restore the file or mend that line, or run with --fresh (people Zoom already lists are still not sent again)";
const JOURNAL_RECOVERY: &str = "mend or delete that line, or delete the journal, and run again (the journal holds what an interrupted run confirmed; people Zoom already lists are not sent again either way)";

/// One file memory reads from, with where its columns are.
struct Source {
    file: File,
    columns: Columns,
}

/// The confirmed rows of earlier runs, by email.
pub struct Memory {
    /// People Zoom listed for the event before this run, by lower-case email.
    /// (By the fingerprint of the address, its lower-case key checked on each look-up: a copy
    /// of every address as a key cost a re-run against 100,000 registrants 5 MiB.)
    existing: FingerprintMap<Existing>,
    /// Whether Zoom's lists were read (then someone an earlier run registered and Zoom does
    /// not list is gone from Zoom).
    listed: bool,
    sources: Vec<Source>,
    /// Email fingerprint → (source, byte offset of the row). Later sources win.
    rows: FingerprintMap<(usize, u64)>,
    /// How the sources are written (none before one is read).
    format: Option<&'static dyn Format>,
    fingerprints: Fingerprinter,
    /// Where the journal's readable part ends: a new run's journal continues from there.
    journal_end: u64,
    /// What the person should know about what was read (a torn last line skipped).
    pub warnings: Vec<String>,
}

/// Where the columns memory needs are.
struct Columns {
    email: usize,
    registrant_id: usize,
    join_url: usize,
    status: usize,
}

/// Which file a source is: they differ in what damage they can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Written whole and renamed into place: damage anywhere is someone else's doing.
    Results,
    /// Appended line by line: a crash can tear its last line.
    Journal,
}

/// One data line of a source, as far as memory is concerned.
struct Line {
    /// Byte offset where it starts, and the line it starts on.
    offset: u64,
    number: u64,
    content: Result<Content, String>,
}

enum Content {
    OtherEvent(String),
    /// The email of a row Zoom confirmed; `None` for any other row.
    Row(Option<Email>),
}

impl Memory {
    /// Nothing remembered (`--fresh`, or a first run).
    pub fn empty() -> Memory {
        Memory {
            existing: FingerprintMap::default(),
            listed: false,
            sources: Vec::new(),
            rows: FingerprintMap::default(),
            fingerprints: Fingerprinter::default(),
            journal_end: 0,
            warnings: Vec::new(),
            format: None,
        }
    }

    /// Reads the results file and then the journal beside it (those that exist): the journal
    /// wins for the same email. A journal's torn or unreadable last line, which is what a
    /// crash leaves, is skipped with a warning (its row is checked again); any other damage is
    /// an error that names the line.
    /// Both are read in `format`.
    pub fn load(
        results: &Path,
        journal: &Path,
        event: Event,
        format: &'static dyn Format,
    ) -> Result<Memory, MemoryError> {
        let mut memory = Memory::empty();
        memory.format = Some(format);
        memory.read(results, Kind::Results, event, format)?;
        memory.journal_end = memory.read(journal, Kind::Journal, event, format)?;
        Ok(memory)
    }

    /// Where a new run's journal should continue the one read ([`crate::results::Journal::open`]):
    /// after its last readable line, so that a torn line is cut off rather than left between
    /// good ones. 0 if there is no journal.
    pub fn journal_end(&self) -> u64 {
        self.journal_end
    }

    /// Reads one source; returns where its readable part ends.
    fn read(
        &mut self,
        path: &Path,
        kind: Kind,
        event: Event,
        format: &dyn Format,
    ) -> Result<u64, MemoryError> {
        let shown = path.display().to_string();
        let io_error = |source| MemoryError::Io {
            path: shown.clone(),
            source,
        };
        // The results file may be a link the user made; the journal beside it, never.
        let opened = match kind {
            Kind::Results => crate::files::open_regular(path),
            Kind::Journal => crate::files::open(path, crate::files::Open::Read),
        };
        let mut file = match opened {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(io_error(err)),
        };
        let metadata = file.metadata().map_err(io_error)?;
        // What the file says decides what is sent: it must be the user's own.
        crate::files::owned_safely(&metadata).map_err(|why| MemoryError::Untrusted {
            path: shown.clone(),
            why,
        })?;
        let length = metadata.len();
        let ends_whole = ends_with_newline(&mut file, length).map_err(io_error)?;
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        let mut reader = format
            .reader()
            .flexible(true)
            .from_reader(io::BufReader::new(&file));
        let headers = reader
            .byte_headers()
            .map_err(|e| io_error(e.into()))?
            .clone();
        let header_end = reader.position().byte();
        if headers.is_empty() {
            return Ok(0);
        }
        if kind == Kind::Journal && !ends_whole && header_end >= length {
            self.warnings.push(format!(
                "{shown} holds only a header cut off (by a crash, or a disk that filled up); starting it again"
            ));
            return Ok(0);
        }
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h == name.as_bytes())
                .ok_or_else(|| MemoryError::Foreign {
                    path: shown.clone(),
                    why: format!("no '{name}' column"),
                })
        };
        let (status, event_column) = (column("status")?, column("event")?);
        let columns = Columns {
            email: column("email")?,
            registrant_id: column("registrant_id")?,
            join_url: column("join_url")?,
            status,
        };
        let ours = event.to_string();
        let judge = |record: &csv::ByteRecord| -> Result<Content, String> {
            if record.len() != headers.len() {
                return Err(format!(
                    "{} fields, but the header has {}",
                    record.len(),
                    headers.len()
                ));
            }
            let text = |column: usize| {
                let bytes = record.get(column).unwrap_or_default();
                std::str::from_utf8(bytes)
                    .map(|cell| format.cell(cell))
                    .map_err(|_| "not valid UTF-8".to_string())
            };
            let theirs = text(event_column)?;
            if theirs != ours {
                return Ok(Content::OtherEvent(theirs.to_string()));
            }
            // Only confirmed rows count (and those found cancelled since, which a re-run must
            // not register again); a later pending or failed line for the same person cannot
            // undo what Zoom confirmed.
            if !matches!(
                text(status)?,
                "registered" | "already_registered" | "cancelled"
            ) {
                return Ok(Content::Row(None));
            }
            for column in [columns.registrant_id, columns.join_url] {
                text(column)?;
            }
            Email::parse(text(columns.email)?)
                .map(|email| Content::Row(Some(email)))
                .map_err(|why| format!("a confirmed row without a valid email: {why}"))
        };

        let index = self.sources.len();
        let mut record = csv::ByteRecord::new();
        let mut readable_end = header_end;
        // Each line is taken in once the next is read: only then is it known to be the last.
        let mut previous: Option<Line> = None;
        loop {
            let position = reader.position().clone();
            let more = reader
                .read_byte_record(&mut record)
                .map_err(|e| io_error(e.into()))?;
            if let Some(line) = previous.take() {
                let is_last = !more;
                let torn = is_last && (!ends_whole || line.content.is_err());
                if torn && kind == Kind::Journal && length - line.offset <= MAX_TORN_BYTES {
                    self.warnings.push(format!(
                        "the last line of {shown} (line {}) was cut off (by a crash, or a disk that filled up); skipped, so its row is checked again",
                        line.number
                    ));
                    break;
                }
                match line.content {
                    Err(why) => {
                        return Err(MemoryError::Damaged {
                            path: shown,
                            line: line.number,
                            why,
                            recovery: match kind {
                                Kind::Results => RESULTS_RECOVERY,
                                Kind::Journal => JOURNAL_RECOVERY,
                            },
                        })
                    }
                    Ok(Content::OtherEvent(theirs)) => {
                        return Err(MemoryError::OtherEvent {
                            path: shown,
                            theirs,
                            ours: ours.clone(),
                        })
                    }
                    Ok(Content::Row(Some(email))) => {
                        let key = self.fingerprints.of(&email);
                        self.rows.insert(key, (index, line.offset));
                    }
                    Ok(Content::Row(None)) => {}
                }
                readable_end = position.byte();
            }
            if !more {
                break;
            }
            previous = Some(Line {
                offset: position.byte(),
                number: position.line(),
                content: judge(&record),
            });
        }
        drop(reader);
        self.sources.push(Source { file, columns });
        Ok(readable_end)
    }
    /// How many people earlier runs confirmed.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.existing.is_empty()
    }

    /// Adds the people Zoom lists for the event; they take precedence over earlier runs. An
    /// address listed more than once is one person, with every listing ([`Existing::merge`]).
    pub fn add_existing(&mut self, existing: Vec<Existing>) {
        self.listed = true;
        // Sized once: growing rehashes into a second table while the first is still held.
        self.existing.reserve(existing.len());
        for person in existing {
            let key = email_key(person.email.trim());
            let fingerprint = self.fingerprints.of_key(&key);
            match self.existing.get_mut(&fingerprint) {
                // The same address listed again (on another list, or in another case).
                Some(kept) if email_key(kept.email.trim()) == key => kept.merge(person),
                _ => {
                    self.existing.insert(fingerprint, person);
                }
            }
        }
    }

    /// What is known about `email` (an address already checked, [`Email::check`]): Zoom's list
    /// first (it is current), then earlier runs. Someone an earlier run confirmed whom Zoom
    /// now lists as denied was cancelled (or denied) in Zoom since: Zoom moves a cancelled
    /// registrant to its denied list.
    pub fn known(&mut self, email: &str) -> Option<Known> {
        let key = email_key(email);
        let existing = self
            .existing
            .get(&self.fingerprints.of_key(&key))
            .filter(|listed| email_key(listed.email.trim()) == key)
            .cloned();
        match existing {
            Some(existing) if existing.status == Listing::Denied => match self.confirmed(&key) {
                Some(Known::EarlierRun { registrant_id, .. }) => Some(Known::EarlierRun {
                    registrant_id,
                    join_url: String::new(),
                    gone: true,
                }),
                _ => Some(Known::InZoom(existing)),
            },
            Some(existing) => Some(Known::InZoom(existing)),
            None => self.confirmed(&key),
        }
    }

    /// What an earlier run confirmed for the email with this key, if anything.
    fn confirmed(&mut self, key: &str) -> Option<Known> {
        let &(index, offset) = self.rows.get(&self.fingerprints.of_key(key))?;
        let source = self.sources.get_mut(index)?;
        let format = self.format?;
        let record = read_record_at(&mut source.file, offset, format).ok()??;
        let get = |column: usize| format.cell(record.get(column).unwrap_or("")).to_string();
        let stored = Email::parse(&get(source.columns.email)).ok()?;
        if stored.key() != key {
            return None;
        }
        Some(Known::EarlierRun {
            registrant_id: get(source.columns.registrant_id),
            join_url: get(source.columns.join_url),
            gone: self.listed || get(source.columns.status) == "cancelled",
        })
    }
}

/// The longest last line taken for one a crash tore: a journal line is well under 2 KiB, so
/// anything longer (an unbalanced quote that swallowed the rest of the file) is damage.
const MAX_TORN_BYTES: u64 = 64 * 1024;

/// Whether the file's last byte is a line end (an empty file counts as whole).
fn ends_with_newline(file: &mut File, length: u64) -> io::Result<bool> {
    if length == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::End(-1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Reads the one record that starts at `offset`, in `format`.
fn read_record_at(
    file: &mut File,
    offset: u64,
    format: &dyn Format,
) -> io::Result<Option<csv::StringRecord>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut reader = format
        .reader()
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

#[cfg(test)]
mod tests;
