//! One run per results file: a lock file beside it (`<results>.lock`, created exclusively and
//! holding the owner's process ID) stops a second run, with a message naming the first. A
//! lock whose process is gone (killed, machine rebooted) is taken over with a warning.
//! The lock is removed when the [`Lock`] is dropped.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A held lock.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another zimport (process {pid}) is writing {results}, started {since}; wait for it to finish, or use -o for another results file (lock: {lock})")]
    Held {
        pid: u32,
        since: String,
        results: String,
        lock: String,
    },
    #[error("cannot create the lock file {lock}: {source}")]
    Io { lock: String, source: io::Error },
}

/// The lock file's path for a results file.
pub fn lock_path(results: &Path) -> PathBuf {
    let mut name = results.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    results.with_file_name(name)
}

impl Lock {
    /// Takes the lock for `results`. `on_stale` is told about a lock taken over from a dead
    /// process.
    pub fn acquire(results: &Path, on_stale: impl Fn(String)) -> Result<Lock, LockError> {
        let path = lock_path(results);
        let shown = path.display().to_string();
        // The lock appears with its content complete, or not at all: it is written to a
        // private file first and hard-linked into place, which fails if a lock exists. (A lock
        // created empty and filled afterwards could be read empty by a second run, which would
        // then take it over.)
        let draft = Draft(lock_draft(&path).map_err(|source| LockError::Io {
            lock: shown.clone(),
            source,
        })?);
        for _ in 0..3 {
            match fs::hard_link(&draft.0, &path) {
                Ok(()) => return Ok(Lock { path }),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    let text = fs::read_to_string(&path).unwrap_or_default();
                    let mut lines = text.lines();
                    let pid = lines.next().and_then(|l| l.trim().parse::<u32>().ok());
                    let since = lines.next().unwrap_or("at an unknown time").to_string();
                    match pid {
                        Some(pid) if process_alive(pid) => {
                            return Err(LockError::Held {
                                pid,
                                since,
                                results: results.display().to_string(),
                                lock: shown,
                            })
                        }
                        _ => {
                            let owner = pid.map_or("an unknown process".to_string(), |p| {
                                format!("process {p}")
                            });
                            on_stale(format!(
                                "taking over the lock {shown}, left by {owner} (started {since}) that is no longer running"
                            ));
                            let _ = fs::remove_file(&path);
                        }
                    }
                }
                Err(source) => {
                    return Err(LockError::Io {
                        lock: shown,
                        source,
                    })
                }
            }
        }
        Err(LockError::Io {
            lock: shown,
            source: io::Error::other("other runs keep taking it"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The lock's content, written beforehand; removed however the attempt ends.
struct Draft(PathBuf);

impl Drop for Draft {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Writes this process's lock content to `<lock>.<pid>.<n>`, ready to be linked into place.
fn lock_draft(lock: &Path) -> io::Result<PathBuf> {
    static DRAFTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = DRAFTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = lock.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.{n}", std::process::id()));
    let draft = lock.with_file_name(name);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&draft)?;
    let since = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    writeln!(file, "{}\n{since}", std::process::id())?;
    file.sync_all()?;
    Ok(draft)
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether a process with this ID exists (signal 0 checks without sending anything).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_results_is_refused_naming_the_owner() {
        let dir = tempfile::tempdir().expect("dir");
        let results = dir.path().join("people.results.csv");
        let first = Lock::acquire(&results, |_| {}).expect("first");
        let err = Lock::acquire(&results, |_| {}).expect_err("held");
        let message = err.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        drop(first);
        assert!(!lock_path(&results).exists(), "released on drop");
        Lock::acquire(&results, |_| {}).expect("free again");
    }

    #[test]
    fn of_many_runs_starting_at_once_exactly_one_gets_the_lock() {
        let dir = tempfile::tempdir().expect("dir");
        let results = dir.path().join("people.results.csv");
        let start = std::sync::Barrier::new(8);
        let outcomes: Vec<bool> = std::thread::scope(|scope| {
            let contenders: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        // Keep a won lock until every contender has tried.
                        let lock = Lock::acquire(&results, |_| {});
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        lock.is_ok()
                    })
                })
                .collect();
            contenders
                .into_iter()
                .map(|c| c.join().expect("no panic"))
                .collect()
        });
        assert_eq!(
            outcomes.iter().filter(|won| **won).count(),
            1,
            "{outcomes:?}"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
        assert!(
            leftovers.is_empty(),
            "no drafts or lock left behind: {leftovers:?}"
        );
    }

    #[test]
    fn a_stale_lock_is_taken_over_with_a_warning() {
        let dir = tempfile::tempdir().expect("dir");
        let results = dir.path().join("people.results.csv");
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let dead = child.id();
        child.wait().expect("wait");
        fs::write(
            lock_path(&results),
            format!("{dead}\n2026-01-01T00:00:00Z\n"),
        )
        .expect("write");
        let warned = std::cell::RefCell::new(Vec::new());
        let _lock = Lock::acquire(&results, |w| warned.borrow_mut().push(w)).expect("taken over");
        let warned = warned.into_inner();
        assert_eq!(warned.len(), 1);
        assert!(warned[0].contains(&format!("process {dead}")), "{warned:?}");
    }
}
