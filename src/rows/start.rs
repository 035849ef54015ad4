//! What the start of a file says before its header is read: a byte-order mark (UTF-8, or
//! UTF-16, which is converted to UTF-8 first), Excel's `sep=X` line, the delimiter; and the
//! private copy a pipe or standard input is read through.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use super::records;

/// The UTF-16 encoding whose byte-order mark `file` starts with, if it does (the file is read
/// from its start, and left there).
pub(super) fn utf16_with_bom(
    mut file: &File,
) -> io::Result<Option<&'static encoding_rs::Encoding>> {
    file.seek(SeekFrom::Start(0))?;
    let mut start = Vec::with_capacity(2);
    file.take(2).read_to_end(&mut start)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(match start[..] {
        [0xFF, 0xFE] => Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF] => Some(encoding_rs::UTF_16BE),
        _ => None,
    })
}

/// The text of a UTF-16 `file` in UTF-8, in an unnamed temporary file, converted a buffer at a
/// time (flat memory); its byte-order mark is dropped, and a broken character becomes U+FFFD.
pub(super) fn utf16_to_utf8(
    mut file: File,
    encoding: &'static encoding_rs::Encoding,
) -> io::Result<File> {
    const CHUNK: usize = 64 * 1024;
    let mut decoder = encoding.new_decoder_with_bom_removal();
    let mut out = io::BufWriter::new(tempfile::tempfile()?);
    let mut input = vec![0u8; CHUNK];
    let mut output = vec![0u8; CHUNK * 3 + 16];
    loop {
        let read = match file.read(&mut input) {
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let last = read == 0;
        let mut pending = &input[..read];
        loop {
            let (result, consumed, written, _) = decoder.decode_to_utf8(pending, &mut output, last);
            out.write_all(&output[..written])?;
            pending = &pending[consumed..];
            if result == encoding_rs::CoderResult::InputEmpty {
                break;
            }
        }
        if last {
            break;
        }
    }
    let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// The most bytes taken from standard input or a pipe (a million rows are under 100 MB).
pub const MAX_SPOOLED_BYTES: u64 = 4 << 30;

/// Copies standard input (or a pipe) to an unnamed temporary file (private to this process,
/// removed on exit), so it can be read like any file, with flat memory. Checked while it is
/// copied, so that endless input does not fill the disk first: unless it starts with a UTF-16
/// byte-order mark, a NUL byte or a line longer than a record may be ends it, and so does
/// more than [`MAX_SPOOLED_BYTES`].
pub(super) fn spool(mut input: impl Read) -> io::Result<File> {
    let refused = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    let mut file = io::BufWriter::new(tempfile::tempfile()?);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    let mut line: u64 = 1;
    let mut line_bytes: usize = 0;
    // Whether it is UTF-16 (then NULs are its text), once its first two bytes are in.
    let mut utf16: Option<bool> = None;
    let mut first = Vec::with_capacity(2);
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let chunk = &buffer[..read];
        if utf16.is_none() {
            first.extend(chunk.iter().take(2 - first.len()));
            if first.len() == 2 {
                utf16 = Some(matches!(first[..], [0xFF, 0xFE] | [0xFE, 0xFF]));
            }
        }
        if utf16 != Some(true) {
            if let Some(at) = memchr::memchr(0, chunk) {
                let line = line + memchr::memchr_iter(b'\n', &chunk[..at]).count() as u64;
                return Err(refused(format!(
                    "line {line}: NUL byte; this is not a text CSV (a binary file, or UTF-16 'Unicode text' without its byte-order mark?); save it as 'CSV UTF-8'"
                )));
            }
            line += memchr::memchr_iter(b'\n', chunk).count() as u64;
            line_bytes = match memchr::memrchr2(b'\n', b'\r', chunk) {
                Some(end) => chunk.len() - end - 1,
                None => line_bytes + chunk.len(),
            };
            if line_bytes > records::MAX_RECORD_BYTES {
                return Err(refused(format!(
                    "line {line} is longer than {} KiB, more than any row may be; the input is not a registration list (or never ends)",
                    records::MAX_RECORD_BYTES / 1024
                )));
            }
        }
        total += read as u64;
        if total > MAX_SPOOLED_BYTES {
            return Err(refused(format!(
                "more than {} GiB, more than zimport takes (a million rows are under 100 MB); the input never ends?",
                MAX_SPOOLED_BYTES >> 30
            )));
        }
        file.write_all(chunk)?;
    }
    let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// Excel's first line `sep=X` (or `"sep=X"`), which names the delimiter: the delimiter and
/// the line's length with its line end, if the input starts with one.
pub(super) fn sep_line(reader: impl Read) -> io::Result<Option<(u8, u64)>> {
    let mut start = Vec::with_capacity(10);
    reader.take(10).read_to_end(&mut start)?;
    let quoted = start.first() == Some(&b'"');
    let at = usize::from(quoted);
    let Some(prefix) = start.get(at..at + 4) else {
        return Ok(None);
    };
    if !prefix.eq_ignore_ascii_case(b"sep=") {
        return Ok(None);
    }
    let Some(&delimiter) = start.get(at + 4) else {
        return Ok(None);
    };
    let mut end = at + 5;
    if quoted {
        if start.get(end) != Some(&b'"') {
            return Ok(None);
        }
        end += 1;
    }
    let line_end = match (start.get(end), start.get(end + 1)) {
        (Some(b'\r'), Some(b'\n')) => 2,
        (Some(b'\n' | b'\r'), _) => 1,
        (None, _) => 0,
        _ => return Ok(None),
    };
    if delimiter.is_ascii_alphanumeric() || matches!(delimiter, b'"' | b'\n' | b'\r') {
        return Ok(None);
    }
    Ok(Some((delimiter, (end + line_end) as u64)))
}

/// 3 if the file starts with a UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one), else 0.
pub(super) fn bom_length(file: &mut File) -> io::Result<u64> {
    let mut start = Vec::with_capacity(3);
    Read::by_ref(file).take(3).read_to_end(&mut start)?;
    Ok(if start == [0xEF, 0xBB, 0xBF] { 3 } else { 0 })
}

/// Picks `,`, `;` or tab: whichever occurs most often, outside quotes, in the header line
/// (which ends at the first line end outside quotes, `\r` alone included).
/// `;` is what Excel writes where the decimal separator is a comma. Ties go to `,`.
pub(super) fn detect_delimiter(reader: impl Read) -> io::Result<u8> {
    let mut start = Vec::new();
    reader
        .take(records::READ_BUFFER as u64)
        .read_to_end(&mut start)?;
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &byte in &start {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && (byte == b'\n' || byte == b'\r') {
            break;
        } else if !quoted {
            for (delimiter, count) in counts.iter_mut() {
                if byte == *delimiter {
                    *count += 1;
                }
            }
        }
    }
    let best = counts.iter().fold(
        (b',', 0),
        |best, &(d, n)| if n > best.1 { (d, n) } else { best },
    );
    Ok(best.0)
}
