//! The journal (`<results>.journal`): a real run's outcomes, appended as they finish, the run's
//! memory if it is killed before the results file is in place.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use super::{companion, header_line, Format, ResultsError, ResultsFile};
use crate::files;
use crate::files::sync_folder;

/// The append-only log of a real run's outcomes, in the order they finish: the run's memory
/// if it is killed before the results file is in place. Each row is written through to the
/// operating system at once (so `kill -9` loses nothing written) and synced to disk at least
/// every second (so a power cut loses at most that).
pub struct Journal {
    path: PathBuf,
    file: File,
    format: &'static dyn Format,
    last_sync: std::time::Instant,
    /// Reused for encoding each line.
    line: Vec<u8>,
}

impl Journal {
    /// Opens the journal beside `results` (`<results>.journal`), its lines in the results
    /// file's format, to continue it from byte `keep` (where its readable part ends,
    /// [`crate::results::memory::Memory::journal_end`]): an earlier, unfinished run's lines are
    /// kept, and a line a crash tore is cut off, so it never sits between good ones. `keep` 0
    /// starts the journal anew.
    pub fn open(results: &ResultsFile, keep: u64) -> Result<Journal, ResultsError> {
        let format = results.format;
        let path = companion(&results.path, ".journal");
        let error = ResultsError::on(&path);
        let mut file = files::open(&path, files::Open::Append).map_err(error)?;
        let length = file.metadata().map_err(error)?.len();
        if length > keep {
            file.set_len(keep).map_err(error)?;
        }
        if keep == 0 {
            file.write_all(&header_line(format, &[])).map_err(error)?;
        }
        Ok(Journal {
            path,
            file,
            format,
            last_sync: std::time::Instant::now(),
            line: Vec::with_capacity(256),
        })
    }

    /// Appends one line (as [`ResultsFile::write`](super::ResultsFile::write) writes it).
    pub fn write(
        &mut self,
        row: u64,
        line: u64,
        rest: &[u8],
        event: &[u8],
    ) -> Result<(), ResultsError> {
        let error = ResultsError::on(&self.path);
        // One write per line, straight to the operating system: `kill -9` loses nothing.
        // The journal is memory alone: it carries no input cells, so its lines keep one width
        // whatever columns later inputs have.
        self.line.clear();
        self.format
            .compose(row, line, rest, event, b"", &mut self.line);
        self.file.write_all(&self.line).map_err(error)?;
        if self.last_sync.elapsed() >= std::time::Duration::from_secs(1) {
            self.file.sync_data().map_err(error)?;
            self.last_sync = std::time::Instant::now();
        }
        Ok(())
    }

    /// Removes the journal once the results file holds everything.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
        sync_folder(&self.path);
    }
}
