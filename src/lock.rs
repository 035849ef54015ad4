//! One run per results file, and one per event: the operating system's advisory lock
//! (`flock`) on `<results>.lock`, and on a file for the event in the user's cache folder
//! (`$XDG_CACHE_HOME/zimport` or `~/.cache/zimport`, created private; never a shared temporary
//! folder), so that two runs never share, and fight over, an event's rate limits and capacity.
//! The kernel releases a lock when the process ends, however it ends (`kill -9`, a power cut),
//! so there is never a stale lock to take over, and a process ID that was reused by another
//! program blocks nobody. The file holds the owner's process ID, start time and results file
//! only for the message a second run shows.
//!
//! The holder removes the file as it lets go. A run that opened the file just before that
//! would then lock a file that is no longer at the path, so after locking, a run checks that the
//! path still names the file it locked, and tries again if not: two runs can never both hold
//! the lock, and no run removes a lock it does not hold.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::model::Event;

/// The lock files this process holds, for [`remove_held`].
static HELD: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the files of every lock this process holds, for a process that quits at once (a
/// second Ctrl-C, a signal during the checks), where no destructor runs: the kernel releases
/// the locks themselves, but the files would be left behind.
pub fn remove_held() {
    if let Ok(held) = HELD.lock() {
        for path in held.iter() {
            let _ = fs::remove_file(path);
        }
    }
}

/// A held lock; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// The locked file: the lock lasts as long as this handle.
    file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another zimport ({owner}) {doing} (lock: {lock})")]
    Held {
        owner: String,
        /// What the other run is doing, and what to do about it.
        doing: String,
        lock: String,
    },
    #[error("cannot lock {lock}: {source}")]
    Io { lock: String, source: io::Error },
    /// The cache folder is not the user's own ([`crate::files::owned_safely`]): its locks
    /// cannot be trusted (another user could hold them, or a link send them elsewhere).
    #[error("the lock folder {folder} {why}")]
    FolderNotPrivate { folder: String, why: String },
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
        let doing = |_: Option<&str>| {
            format!(
                "is writing {}; wait for it to finish, or use -o for another results file",
                results.display()
            )
        };
        Lock::take(lock_path(results), results, doing)
    }

    /// Takes the lock for `event`, writing `results`, in the cache `folder`
    /// ([`cache_folder`]); `None` when there is none to keep it in (no `HOME`). A folder that
    /// is not the user's own is [`LockError::FolderNotPrivate`].
    pub fn acquire_event(
        event: Event,
        results: &Path,
        folder: Option<&Path>,
    ) -> Result<Option<Lock>, LockError> {
        let Some(folder) = folder else {
            return Ok(None);
        };
        let path = folder.join(format!("{}-{}.lock", event.kind.noun(), event.id));
        let shown = path.display().to_string();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode_private()
            .create(folder)
            .map_err(|source| LockError::Io {
                lock: shown.clone(),
                source,
            })?;
        let not_private = |why: String| LockError::FolderNotPrivate {
            folder: folder.display().to_string(),
            why,
        };
        let metadata = std::fs::symlink_metadata(folder).map_err(|source| LockError::Io {
            lock: shown,
            source,
        })?;
        if metadata.file_type().is_symlink() {
            return Err(not_private(
                "is a symbolic link, so its locks would be kept wherever it points".to_string(),
            ));
        }
        crate::files::owned_safely(&metadata).map_err(not_private)?;
        let doing = |theirs: Option<&str>| {
            format!(
                "is sending to {event} (registering people or changing their status), writing {}; wait for it to finish: two runs on one event fight over its rate limits and capacity",
                theirs.unwrap_or("its results")
            )
        };
        Lock::take(path, results, doing).map(Some)
    }

    /// Takes the lock at `path` for a run writing `results`.
    fn take(
        path: PathBuf,
        results: &Path,
        doing: impl Fn(Option<&str>) -> String,
    ) -> Result<Lock, LockError> {
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
                    let owner = Owner::read(&mut file);
                    return Err(LockError::Held {
                        owner: owner.who(),
                        doing: doing(owner.results.as_deref()),
                        lock: shown,
                    });
                }
                Err(fs::TryLockError::Error(source)) => return Err(io_error(source)),
            }
            if !still_at(&file, &path).map_err(io_error)? {
                // The run that held it removed the file as it finished: lock the one at the path.
                continue;
            }
            write_owner(&mut file, results).map_err(io_error)?;
            if let Ok(mut held) = HELD.lock() {
                held.push(path.clone());
            }
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

/// `$XDG_CACHE_HOME/zimport`, else `~/.cache/zimport`, from the environment `env`.
pub fn cache_folder(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let absolute = |name: &str| {
        env(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".cache")))
        .map(|cache| cache.join("zimport"))
}

/// A folder only its owner can enter.
trait PrivateFolder {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateFolder for std::fs::DirBuilder {
    fn mode_private(&mut self) -> &mut Self {
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(self, 0o700);
        self
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so no other run can be holding the file removed here.
        if let Ok(mut held) = HELD.lock() {
            held.retain(|path| path != &self.path);
        }
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    crate::files::open(path, crate::files::Open::Update)
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

/// Replaces the file's content with this process's ID, start time and results file.
fn write_owner(file: &mut File, results: &Path) -> io::Result<()> {
    let since = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    let results = std::path::absolute(results).unwrap_or_else(|_| results.to_path_buf());
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(
        file,
        "{}\n{since}\n{}",
        std::process::id(),
        results.display()
    )
}

/// Who holds a lock, as far as the holder's file says.
struct Owner {
    pid: Option<u32>,
    since: Option<String>,
    results: Option<String>,
}

impl Owner {
    fn read(file: &mut File) -> Owner {
        let mut text = String::new();
        // A few lines at most; anything else is not ours to show.
        let _ = file.take(4096).read_to_string(&mut text);
        let mut lines = text.lines().map(str::trim);
        let mut next = || lines.next().filter(|l| !l.is_empty()).map(str::to_string);
        Owner {
            pid: next().and_then(|l| l.parse().ok()),
            since: next(),
            results: next().map(|r| crate::outside::shorten(&r)),
        }
    }

    /// "process 4242, started 2026-12-01T18:42:00Z".
    fn who(&self) -> String {
        match (self.pid, &self.since) {
            (Some(pid), Some(since)) => format!("process {pid}, started {since}"),
            (Some(pid), None) => format!("process {pid}"),
            (None, _) => "a process that is just starting".to_string(),
        }
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
