//! The files zimport writes beside the results (`.partial`, `.journal`, `.lock`) and the
//! results path itself, opened so that nobody else's file can be reached through them: each is
//! private to its owner (mode 0600), never opened through a symbolic link (`O_NOFOLLOW`), and
//! must be a regular file. A planted link or device there is refused with a clear error rather
//! than written through, which matters for a tool that cron may run as root.
//!
//! What zimport trusts (the earlier results and journal it reads as memory, the folder of its
//! event locks) must also be the user's own: [`owned_safely`].

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// How a companion file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// A new file: whatever a killed run left at the path (a regular file) is replaced.
    New,
    /// Appended to, created if missing.
    Append,
    /// Read and written in place, created if missing (a lock file).
    Update,
    /// Read only; it must exist.
    Read,
}

/// Opens `path` as `how` says, refusing a symbolic link or anything but a regular file there.
pub fn open(path: &Path, how: Open) -> io::Result<File> {
    refuse_odd(path)?;
    if how == Open::New {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    let mut options = OpenOptions::new();
    match how {
        // `create_new` fails on anything at the path, a link planted since the removal too.
        Open::New => options.write(true).create_new(true),
        Open::Append => options.read(true).append(true).create(true),
        Open::Update => options.read(true).write(true).create(true).truncate(false),
        Open::Read => options.read(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if how != Open::Read {
            options.mode(0o600);
        }
        // Never through a link; and a FIFO swapped in must not block the open.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|err| refused(path, err))?;
    // What was opened, not what the path said a moment before.
    if !file.metadata()?.is_file() {
        return Err(not_regular(path));
    }
    private(&file, how)?;
    Ok(file)
}

/// Opens a file to read that may be a link the user made (earlier results): without blocking,
/// so that a FIFO planted there cannot hang the run, and only if what it opens is a regular
/// file (a device such as `/dev/zero` never ends).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular(path));
    }
    Ok(file)
}

/// Refuses a path that exists and is a symbolic link or not a regular file.
pub fn refuse_odd(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Err(io::Error::other(format!(
            "{} is a symbolic link; zimport does not write through one (remove it)",
            path.display()
        ))),
        Ok(metadata) if !metadata.is_file() => Err(not_regular(path)),
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

fn not_regular(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{} is not a regular file (a device, FIFO, socket or folder?); zimport reads and writes only regular files",
        path.display()
    ))
}

/// A link that `O_NOFOLLOW` met (planted after the check) reads as the same clear error.
fn refused(path: &Path, err: io::Error) -> io::Error {
    #[cfg(unix)]
    if err.raw_os_error() == Some(libc::ELOOP) {
        return io::Error::other(format!(
            "{} is a symbolic link; zimport does not write through one (remove it)",
            path.display()
        ));
    }
    let _ = path;
    err
}

/// Whether a file or folder zimport trusts is safe to trust: owned by the user running zimport
/// or by root, and writable by nobody else (the rule `ssh` and `sudo` apply to their files).
/// `Err` says why not, to follow the path in a message.
#[cfg(unix)]
pub fn owned_safely(metadata: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    let owner = metadata.uid();
    if owner != me && owner != 0 {
        return Err(format!(
            "is owned by another user (user ID {owner}; you are {me}), who could have written anything in it"
        ));
    }
    let mode = metadata.mode() & 0o777;
    if mode & 0o022 != 0 {
        let who = if mode & 0o002 != 0 {
            "every user"
        } else {
            "its group"
        };
        return Err(format!(
            "can be changed by {who} (mode {mode:o}), who could have written anything in it"
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn owned_safely(_metadata: &std::fs::Metadata) -> Result<(), String> {
    Ok(())
}

#[cfg(unix)]
fn private(file: &File, how: Open) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if how == Open::Read {
        return Ok(());
    }
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn private(_file: &File, _how: Open) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_planted_link_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().expect("dir");
        let target = dir.path().join("victim");
        std::fs::write(&target, "precious").expect("write");
        let link = dir.path().join("r.csv.journal");
        std::os::unix::fs::symlink(&target, &link).expect("link");
        for how in [Open::New, Open::Append, Open::Update, Open::Read] {
            let err = open(&link, how).expect_err("refused");
            assert!(
                err.to_string().contains("is a symbolic link"),
                "{how:?}: {err}"
            );
        }
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "precious");
        assert!(std::fs::symlink_metadata(&link)
            .expect("still there")
            .file_type()
            .is_symlink());
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("dir");
        let fifo = dir.path().join("r.csv.partial");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let err = open(&fifo, Open::Append).expect_err("refused");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn files_are_private_and_a_new_one_replaces_a_leftover() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r.csv.partial");
        std::fs::write(&path, "left by a killed run").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let file = open(&path, Open::New).expect("opens");
        assert_eq!(file.metadata().expect("meta").len(), 0);
        let mode = file.metadata().expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

/// UTF-8's byte-order mark, which Excel needs to read a CSV as UTF-8.
pub const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Makes a rename or removal in `path`'s folder durable (not every filesystem allows it).
pub fn sync_folder(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
}
