//! Where a table for people to read elsewhere goes (an export's registrants, attendance):
//! a file written whole, private, and put in place only when complete, or standard output,
//! each line escaped when that is a terminal (the cells are what people typed). The caller
//! encodes the lines (an export with [`crate::results::encode::encode_cells`]); this owns only
//! where they go.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::files::{self, Open};

/// Where a table goes, as a command's opening line ends: ` → people.csv`, ` → standard
/// output`, or `, dry run`.
pub fn destination(output: Option<&Path>, dry_run: bool) -> String {
    match (output, dry_run) {
        (_, true) => ", dry run".to_string(),
        (Some(path), false) => format!(" → {}", path.display()),
        (None, false) => " → standard output".to_string(),
    }
}

/// Writes a table with `write` to `output` (`None`: standard output), after UTF-8's byte-order
/// mark if `excel` (without it, Excel on Windows reads UTF-8 as the local code page). The
/// error names where the table could not be written.
pub fn write_table(
    output: Option<&Path>,
    excel: bool,
    mut write: impl FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    let mut whole = |out: &mut dyn Write| -> io::Result<()> {
        if excel {
            out.write_all(files::BYTE_ORDER_MARK)?;
        }
        write(out)
    };
    let Some(path) = output else {
        return to_standard_output(&mut whole)
            .map_err(|e| format!("cannot write to standard output: {e}"));
    };
    write_whole(path, &mut whole).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// On a terminal the table is read, not kept: each of its lines escaped as every line
/// zimport shows is. Through a pipe, it is data, written as it is.
fn to_standard_output(write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    if io::IsTerminal::is_terminal(&io::stdout()) {
        let mut table = Vec::new();
        write(&mut table)?;
        let mut out = io::stdout().lock();
        for line in String::from_utf8_lossy(&table).lines() {
            writeln!(out, "{}", crate::outside::shown(line))?;
        }
        return out.flush();
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    write(&mut out)?;
    out.flush()
}

/// Writes `path` whole with `write`: a private file beside it, synced, then renamed into
/// place, so nobody ever sees half a file.
fn write_whole(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    files::refuse_odd(path)?;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = files::open(&partial, Open::New)?;
    let mut out = io::BufWriter::new(file);
    write(&mut out)?;
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&partial, path)?;
    files::sync_folder(path);
    Ok(())
}
