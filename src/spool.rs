//! What a real run checked, kept until it is sent: one entry per row, in input order, each
//! either settled (invalid, duplicate, or already known) or to be sent, in a private unnamed
//! file beside the results.
//!
//! A real run reads its input exactly once, and all of it, before its first request: a file
//! broken at line 90,000 sends nothing, and the number of rows to send is known exactly (the
//! capacity check, the progress). What it sends then comes from here, never from a second
//! read of the input, so it is exactly what was checked, even if the file changes meanwhile.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::outcome::{Line, OwnedLine};
use crate::settle::{Sink, Unknown};
use crate::zoom::job::ToSend;
use crate::Error;

/// One row's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Entry {
    /// Its outcome is known without asking Zoom.
    Settled(OwnedLine),
    /// It is to be sent.
    Send(ToSend),
}

/// Why the spool cannot be written or read back.
#[derive(Debug, thiserror::Error)]
#[error("cannot keep the checked rows in a temporary file in {folder}: {source}; nothing was sent, and earlier results are left as they were")]
pub struct SpoolError {
    folder: String,
    source: io::Error,
}

/// The spool being written: a real run's [`Sink`].
pub struct Spool {
    writer: BufWriter<File>,
    folder: String,
    /// Entries written.
    pub entries: u64,
}

impl Spool {
    /// A new spool in `folder` (the results' folder, which must have room for about as much).
    pub fn create(folder: &Path) -> Result<Spool, SpoolError> {
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        let shown = if folder == Path::new(".") {
            "the current folder".to_string()
        } else {
            folder.display().to_string()
        };
        let file = tempfile::tempfile_in(folder).map_err(|source| SpoolError {
            folder: shown.clone(),
            source,
        })?;
        Ok(Spool {
            writer: BufWriter::with_capacity(64 * 1024, file),
            folder: shown,
            entries: 0,
        })
    }

    pub fn push(&mut self, entry: &Entry) -> Result<(), SpoolError> {
        self.entries += 1;
        serde_json::to_writer(&mut self.writer, entry)
            .map_err(io::Error::from)
            .and_then(|()| self.writer.write_all(b"\n"))
            .map_err(|source| self.error(source))
    }

    /// Everything written, to be read back from the start.
    pub fn into_reader(self) -> Result<Entries, SpoolError> {
        let folder = self.folder;
        let error = |source| SpoolError {
            folder: folder.clone(),
            source,
        };
        let mut file = self
            .writer
            .into_inner()
            .map_err(|e| error(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(error)?;
        Ok(Entries {
            file: BufReader::with_capacity(64 * 1024, file),
            line: Vec::new(),
            folder,
        })
    }

    fn error(&self, source: io::Error) -> SpoolError {
        SpoolError {
            folder: self.folder.clone(),
            source,
        }
    }
}

impl Sink for Spool {
    fn settled(&mut self, line: Line<'_>) -> Result<(), Error> {
        Ok(self.push(&Entry::Settled(line.to_owned()))?)
    }

    fn unknown(&mut self, row: Unknown<'_>) -> Result<(), Error> {
        let Some(registrant) = row.registrant else {
            return Err(Error::Internal(
                "a row to send came without its person".to_string(),
            ));
        };
        let valid = row.valid;
        Ok(self.push(&Entry::Send(ToSend {
            seq: valid.seq,
            row: valid.row,
            line: valid.line,
            registrant: *registrant,
            request: row.request,
            carried: String::from_utf8_lossy(valid.carried).into_owned(),
        }))?)
    }
}

/// The spool read back, entry by entry: a line each (JSON holds no raw line break), each
/// read whole and then decoded from memory, which `serde_json` does several times faster than
/// from a reader (a real run's spool was a third of its CPU).
pub struct Entries {
    file: BufReader<File>,
    /// The line being decoded, reused.
    line: Vec<u8>,
    folder: String,
}

impl Iterator for Entries {
    type Item = Result<Entry, SpoolError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.line.clear();
        let entry = match self.file.read_until(b'\n', &mut self.line) {
            Ok(0) => return None,
            Ok(_) => serde_json::from_slice(&self.line).map_err(io::Error::from),
            Err(error) => Err(error),
        };
        Some(entry.map_err(|source| SpoolError {
            folder: self.folder.clone(),
            source,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Person, Request, Status};
    use crate::outcome::Outcome;
    use crate::registrant::Registrant;
    use crate::registrant::{Email, Field};

    #[test]
    fn entries_come_back_as_they_went_in() {
        let dir = tempfile::tempdir().expect("dir");
        let registrant = |email: &str, extra: Vec<(Field, String)>| Registrant {
            email: Email::parse(email).expect("valid"),
            first_name: "Zoë".to_string(),
            last_name: "O'Brien, \"Jr\"\n".to_string(),
            extra,
            custom_questions: vec![("Diet?".to_string(), "none".to_string())],
        };
        let invalid = Outcome::unanswered(
            (0, 1, 2),
            Person {
                email: "bad".to_string(),
                ..Person::default()
            },
            Status::Invalid,
            "email 'bad' is not valid".to_string(),
            0,
        );
        let entries = vec![
            Entry::Settled(invalid.line(&crate::results::Csv)),
            Entry::Send(ToSend {
                seq: 1,
                row: 2,
                line: 3,
                registrant: registrant("b@x.com", vec![(Field::City, "Zürich".to_string())]),
                request: Request::Change {
                    registrant_ids: vec!["zoom-id-b".to_string(), "zoom-id-b2".to_string()],
                },
                carried: ",kept".to_string(),
            }),
        ];
        let mut spool = Spool::create(dir.path()).expect("created");
        for entry in &entries {
            spool.push(entry).expect("written");
        }
        assert_eq!(spool.entries, 2);
        let back: Vec<Entry> = spool
            .into_reader()
            .expect("readable")
            .collect::<Result<_, _>>()
            .expect("read back");
        assert_eq!(back, entries);
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("list").count(),
            0,
            "the spool has no name in the folder"
        );
    }
}
