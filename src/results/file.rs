//! The results file being written: lines in input order, put together on the thread that
//! records them and written to `<results>.partial` by a thread of its own, synced as it
//! grows, then renamed into place.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use super::{companion, header_line, Format, ResultsError};
use crate::files::{self, sync_folder, BYTE_ORDER_MARK};

/// The results file being written (as `<results>.partial`), in its format. Dropped without
/// [`ResultsFile::finish`], it removes the partial file and leaves any earlier results file
/// untouched.
///
/// Lines are put together here and handed, 256 KiB at a time, to a thread that
/// writes them: the kernel's copy of a million rows' 94 MB into the file then runs beside the
/// settling of the rows, not on the same thread (BENCHMARKS.md, 2026-12-05). That thread also
/// asks another, every 16 MB, to sync what it wrote so far, so the sync before
/// the rename has little left to do (38 ms → 4 ms for a million-row dry run).
pub struct ResultsFile {
    pub(crate) path: PathBuf,
    /// How its lines are written.
    pub(crate) format: &'static dyn Format,
    partial: PathBuf,
    /// Lines not yet handed to the writing thread.
    lines: Vec<u8>,
    writing: Option<Writing>,
    /// Whether the file was renamed into place.
    placed: bool,
}

/// The writing thread, the buffers on their way to it, and those it hands back.
struct Writing {
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
    thread: JoinHandle<io::Result<File>>,
}

/// Bytes of lines handed to the writing thread at once (fewer, larger writes: with 64 KiB the
/// hand-overs cost what the thread saved), and how many such buffers may wait for it.
const HAND_OVER: usize = 256 * 1024;
const WAITING: usize = 4;

/// Bytes of results after which the file is synced, in the background.
const SYNC_EVERY: usize = 16 << 20;

impl ResultsFile {
    /// A new results file at `path`; `excel` (`--excel`): it starts with a UTF-8 byte-order
    /// mark, without which Excel on Windows reads UTF-8 as the local code page (`JosÃ©`).
    /// `carried`: the titles of the input's columns carried to the end of each line. Its
    /// lines are written in `format`.
    pub fn create(
        path: &Path,
        format: &'static dyn Format,
        excel: bool,
        carried: &[String],
    ) -> Result<ResultsFile, ResultsError> {
        let error = ResultsError::on(path);
        let partial = companion(path, ".partial");
        let file = files::open(&partial, files::Open::New).map_err(error)?;
        let (full, to_write) = mpsc::sync_channel(WAITING);
        let (written, empty) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("results".to_string())
            .spawn(move || {
                let syncer = Syncer::of(file.try_clone().ok());
                write_lines(file, syncer, &to_write, &written)
            });
        let thread = match spawned {
            Ok(thread) => thread,
            Err(spawn_error) => {
                let _ = std::fs::remove_file(&partial);
                return Err(error(spawn_error));
            }
        };
        let mut lines = Vec::with_capacity(HAND_OVER * 2);
        if excel {
            lines.extend_from_slice(BYTE_ORDER_MARK);
        }
        lines.extend_from_slice(&header_line(format, carried));
        Ok(ResultsFile {
            path: path.to_path_buf(),
            format,
            partial,
            lines,
            writing: Some(Writing {
                full,
                empty,
                thread,
            }),
            placed: false,
        })
    }

    /// Writes one line: the row's number, `rest` (its person and outcome), its input
    /// `line`, `event` (the event's part, [`Format::event`]) and the `carried` cells
    /// ([`Format::carried`]), composed by the file's format. A write the writing thread could not make
    /// comes back as an error from the next hand-over (at most 256 KiB of lines later) or
    /// from [`ResultsFile::finish`]; a real run's journal, written a line at a time, is what
    /// makes each row safe as it is recorded.
    #[inline]
    pub fn write(
        &mut self,
        row: u64,
        line: u64,
        rest: &[u8],
        event: &[u8],
        carried: &[u8],
    ) -> Result<(), ResultsError> {
        // A writing thread that is gone is found at the hand-over.
        self.format
            .compose(row, line, rest, event, carried, &mut self.lines);
        if self.lines.len() >= HAND_OVER {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Hands the lines put together so far to the writing thread (waiting while [`WAITING`]
    /// buffers wait for it), and takes an empty buffer back.
    fn hand_over(&mut self) -> Result<(), ResultsError> {
        let Some(writing) = self.writing.as_ref() else {
            return Err(already_finished(&self.path));
        };
        let next = writing
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(HAND_OVER * 2));
        let lines = std::mem::replace(&mut self.lines, next);
        if writing.full.send(lines).is_err() {
            // The thread stopped at an error: that error is the answer.
            return Err(match self.stop_writing() {
                Ok(_) => {
                    ResultsError::on(&self.path)(io::Error::other("the thread writing it stopped"))
                }
                Err(error) => error,
            });
        }
        Ok(())
    }

    /// Waits until the writing thread has written everything handed to it; its file, or the
    /// first error it met.
    fn stop_writing(&mut self) -> Result<File, ResultsError> {
        let error = ResultsError::on(&self.path);
        let Some(Writing { full, thread, .. }) = self.writing.take() else {
            return Err(already_finished(&self.path));
        };
        drop(full);
        match thread.join() {
            Ok(written) => written.map_err(error),
            Err(_) => Err(error(io::Error::other("the thread writing it stopped"))),
        }
    }

    /// Writes what is left, syncs, and renames the file into place.
    pub fn finish(mut self) -> Result<PathBuf, ResultsError> {
        let path = self.path.clone();
        let error = ResultsError::on(&path);
        if !self.lines.is_empty() {
            self.hand_over()?;
        }
        let file = self.stop_writing()?;
        file.sync_all().map_err(error)?;
        std::fs::rename(&self.partial, &path).map_err(error)?;
        self.placed = true;
        sync_folder(&path);
        Ok(path)
    }
}

impl Drop for ResultsFile {
    fn drop(&mut self) {
        if self.writing.is_some() {
            let _ = self.stop_writing();
        }
        if !self.placed {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

fn already_finished(path: &Path) -> ResultsError {
    ResultsError::on(path)(io::Error::other("already finished"))
}

/// The writing thread: writes each buffer it is handed, in order, and hands it back empty;
/// every [`SYNC_EVERY`] bytes it asks `syncer` to sync. Stops at the first error, which ends
/// the channel for the sender too.
fn write_lines<W: Write>(
    mut out: W,
    mut syncer: Syncer,
    to_write: &Receiver<Vec<u8>>,
    written: &Sender<Vec<u8>>,
) -> io::Result<W> {
    let mut unsynced = 0;
    for mut lines in to_write {
        out.write_all(&lines)?;
        unsynced += lines.len();
        if unsynced >= SYNC_EVERY {
            unsynced = 0;
            syncer.ask();
        }
        lines.clear();
        let _ = written.send(lines);
    }
    Ok(out)
}

/// A thread that syncs a file when asked (started the first time); if it is still busy when
/// asked again, the next sync covers the new bytes too. It ends when the `Syncer` is dropped.
struct Syncer {
    file: Option<File>,
    thread: Option<(SyncSender<()>, JoinHandle<()>)>,
}

impl Syncer {
    /// Syncs `file` (a second handle on the one written); without one, the sync before the
    /// rename does it all.
    fn of(file: Option<File>) -> Syncer {
        Syncer { file, thread: None }
    }

    fn ask(&mut self) {
        if self.thread.is_none() {
            let Some(file) = self.file.take() else {
                return;
            };
            let (ask, asked) = mpsc::sync_channel::<()>(1);
            let spawned = std::thread::Builder::new()
                .name("results sync".to_string())
                .spawn(move || {
                    while asked.recv().is_ok() {
                        let _ = file.sync_data();
                    }
                });
            let Ok(thread) = spawned else { return };
            self.thread = Some((ask, thread));
        }
        if let Some((ask, _)) = &self.thread {
            let _ = ask.try_send(());
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        if let Some((ask, thread)) = self.thread.take() {
            drop(ask);
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `room` bytes, then refuses every write, as a full disk does.
    struct Filling {
        taken: Vec<u8>,
        room: usize,
    }

    impl Write for Filling {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let n = bytes.len().min(self.room - self.taken.len());
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"));
            }
            self.taken.extend_from_slice(&bytes[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_writing_thread_writes_in_order_and_hands_each_buffer_back() {
        let (full, to_write) = mpsc::sync_channel(WAITING);
        let (written, empty) = mpsc::channel();
        let out = Filling {
            taken: Vec::new(),
            room: usize::MAX,
        };
        let thread =
            std::thread::spawn(move || write_lines(out, Syncer::of(None), &to_write, &written));
        for n in 0..10u8 {
            full.send(vec![n; 3]).expect("the thread takes it");
        }
        drop(full);
        let out = thread.join().expect("no panic").expect("written");
        let expected: Vec<u8> = (0..10u8).flat_map(|n| [n; 3]).collect();
        assert_eq!(out.taken, expected);
        let back: Vec<Vec<u8>> = empty.try_iter().collect();
        assert_eq!(back.len(), 10, "every buffer comes back");
        assert!(back.iter().all(|b| b.is_empty() && b.capacity() >= 3));
    }

    #[test]
    fn the_writing_thread_stops_at_the_first_error_and_takes_no_more() {
        let (full, to_write) = mpsc::sync_channel(0);
        let (written, _empty) = mpsc::channel();
        let out = Filling {
            taken: Vec::new(),
            room: 5,
        };
        let thread =
            std::thread::spawn(move || write_lines(out, Syncer::of(None), &to_write, &written));
        full.send(b"1234".to_vec()).expect("taken");
        full.send(b"5678".to_vec()).expect("taken, and refused");
        // The thread has ended: what is handed over now is refused, as the results file finds.
        assert!(full.send(b"9".to_vec()).is_err());
        let Err(error) = thread.join().expect("no panic") else {
            panic!("the error is the thread's answer");
        };
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
    }
}
