//! One run per results file: the operating system's advisory lock (`flock`) on
//! `<results>.lock`. The kernel releases it when the process ends, however it ends (`kill -9`,
//! a power cut), so there is never a stale lock to take over, and a process ID that was reused
//! by another program blocks nobody. The file holds the owner's process ID and start time only
//! for the message a second run shows.
//!
//! The holder removes the file as it lets go. A run that opened the file just before that
//! would then lock a file that is no longer at the path, so after locking, a run checks that the
//! path still names the file it locked, and tries again if not: two runs can never both hold
//! the lock, and no run removes a lock it does not hold.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A held lock; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// The locked file: the lock lasts as long as this handle.
    file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another zimport ({owner}) is writing {results}; wait for it to finish, or use -o for another results file (lock: {lock})")]
    Held {
        owner: String,
        results: String,
        lock: String,
    },
    #[error("cannot lock {lock}: {source}")]
    Io { lock: String, source: io::Error },
}

/// The lock file's path for a results file.
pub fn lock_path(results: &Path) -> PathBuf {
    let mut name = results.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    results.with_file_name(name)
}

/// Attempts before giving up when other runs keep removing the file between open and lock.
const ATTEMPTS: usize = 8;

impl Lock {
    /// Takes the lock for `results`, or says which process holds it.
    pub fn acquire(results: &Path) -> Result<Lock, LockError> {
        let path = lock_path(results);
        let shown = path.display().to_string();
        let io_error = |source| LockError::Io {
            lock: shown.clone(),
            source,
        };
        for _ in 0..ATTEMPTS {
            let mut file = open_lock_file(&path).map_err(io_error)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(LockError::Held {
                        owner: owner(&mut file),
                        results: results.display().to_string(),
                        lock: shown,
                    })
                }
                Err(fs::TryLockError::Error(source)) => return Err(io_error(source)),
            }
            if !still_at(&file, &path).map_err(io_error)? {
                // The run that held it removed the file as it finished: lock the one at the path.
                continue;
            }
            write_owner(&mut file).map_err(io_error)?;
            return Ok(Lock { path, file });
        }
        Err(io_error(io::Error::other(
            "other runs keep replacing the lock file",
        )))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so no other run can be holding the file removed here.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Whether `path` still names `file` (it was not removed and replaced since it was opened).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let held = file.metadata()?;
    match fs::metadata(path) {
        Ok(named) => Ok(named.dev() == held.dev() && named.ino() == held.ino()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> io::Result<bool> {
    Ok(path.exists())
}

/// Replaces the file's content with this process's ID and start time.
fn write_owner(file: &mut File) -> io::Result<()> {
    let since = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{}\n{since}", std::process::id())
}

/// "process 4242, started 2026-12-01T18:42:00Z", as far as the holder's file says.
fn owner(file: &mut File) -> String {
    let mut text = String::new();
    // A few lines at most; anything else is not ours to show.
    let _ = file.take(256).read_to_string(&mut text);
    let mut lines = text.lines();
    match lines.next().and_then(|l| l.trim().parse::<u32>().ok()) {
        Some(pid) => {
            let since = lines.next().map(str::trim).filter(|s| !s.is_empty());
            match since {
                Some(since) => format!("process {pid}, started {since}"),
                None => format!("process {pid}"),
            }
        }
        None => "a process that is just starting".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_results_is_refused_naming_the_owner() {
        let dir = tempfile::tempdir().expect("dir");
        let results = dir.path().join("people.results.csv");
        let first = Lock::acquire(&results).expect("first");
        let err = Lock::acquire(&results).expect_err("held");
        let message = err.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(
            lock_path(&results).exists(),
            "the refused run removed nothing"
        );
        assert!(Lock::acquire(&results).is_err(), "still held");
        drop(first);
        assert!(!lock_path(&results).exists(), "removed on release");
        Lock::acquire(&results).expect("free again");
    }

    #[test]
    fn of_many_runs_starting_at_once_exactly_one_holds_the_lock_at_a_time() {
        let dir = tempfile::tempdir().expect("dir");
        let results = dir.path().join("people.results.csv");
        let holders = std::sync::atomic::AtomicUsize::new(0);
        let most = std::sync::atomic::AtomicUsize::new(0);
        let start = std::sync::Barrier::new(8);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    start.wait();
                    // Each contender tries many times, holding the lock briefly when it wins.
                    for _ in 0..200 {
                        if let Ok(lock) = Lock::acquire(&results) {
                            let now = holders.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            most.fetch_max(now + 1, std::sync::atomic::Ordering::SeqCst);
                            std::thread::yield_now();
                            holders.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                            drop(lock);
                        }
                    }
                });
            }
        });
        assert_eq!(most.into_inner(), 1, "never two holders at once");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
        assert!(leftovers.is_empty(), "no lock left behind: {leftovers:?}");
    }

    #[test]
    fn a_lock_file_left_by_a_dead_or_unrelated_process_blocks_nobody() {
        let dir = tempfile::tempdir().expect("dir");
        let results = dir.path().join("people.results.csv");
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let dead = child.id();
        child.wait().expect("wait");
        // A dead process's ID, then PID 1, which is alive but holds no lock.
        for pid in [dead, 1] {
            fs::write(
                lock_path(&results),
                format!("{pid}\n2026-01-01T00:00:00Z\n"),
            )
            .expect("write");
            let lock = Lock::acquire(&results).expect("not blocked");
            let text = fs::read_to_string(lock_path(&results)).expect("read");
            assert!(
                text.starts_with(&format!("{}\n", std::process::id())),
                "{text}"
            );
            drop(lock);
        }
    }
}
