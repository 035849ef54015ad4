//! A results line, encoded as the `csv` crate would write it (a property test holds it to that
//! crate's reader), with a leading `'` before a cell that a spreadsheet would run as a formula
//! (SPEC §3), which [`crate::outside::cell_text`] takes off again when a results file is read back.
//!
//! A line is its row number, then its *rest*: the person ([`encode_person`]) and the outcome
//! ([`encode_outcome`]), then its input line, the run's event ([`encode_event`]) and the input's
//! cells that zimport does not send, carried ([`encode_carried`]). A dry run encodes the rest
//! before a row's number is known, and the outcome of a `valid` row only once.

use std::borrow::Cow;

use crate::outcome::{Answer, Outcome, OwnedLine};
use crate::outside::runs_as_formula;

/// One whole line of the results file, for [`encode_row`].
#[derive(Debug, Clone)]
pub struct ResultRow<'a> {
    pub row: u64,
    /// The input line the record starts on.
    pub line: u64,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub answer: Answer<'a>,
    /// `meeting 83927864687` or `webinar …`.
    pub event: &'a str,
}

/// Encodes one whole results row as a CSV line, in [`RESULT_COLUMNS`](super::RESULT_COLUMNS) order, quoting exactly
/// the fields the `csv` crate would (those holding a comma, a quote or a line break), and
/// putting a `'` before a text that a spreadsheet would run as a formula (SPEC §3). A hot path:
/// the `csv` crate's writer was a fifth of a dry run's time (BENCHMARKS.md); a property test
/// holds this encoder to that crate's reader.
///
/// A line is its row number, then its person ([`encode_person`]) and its outcome
/// ([`encode_outcome`]), the line's *rest*, then the event: a dry run encodes the rest before
/// the row's number is known, and the rest of a `valid` row's outcome only once.
pub fn encode_row(row: &ResultRow<'_>, line: &mut Vec<u8>) {
    let mut rest = Vec::new();
    encode_person(row.email, row.first_name, row.last_name, &mut rest);
    encode_outcome(&row.answer, &mut rest);
    line.clear();
    // A Vec takes every write.
    let _ = compose(
        row.row,
        row.line,
        &rest,
        &encode_event(row.event),
        b"",
        line,
    );
}

/// The event field of every line of a run: `,meeting 83927864687`, encoded once.
pub fn encode_event(event: &str) -> Vec<u8> {
    let mut field = vec![b','];
    push_field(&mut field, event);
    field
}

/// Appends the cells a row carries to the end of its line, each as `,cell`.
pub fn encode_carried<'a>(cells: impl IntoIterator<Item = &'a str>, line: &mut Vec<u8>) {
    for cell in cells {
        line.push(b',');
        push_field(line, cell);
    }
}

/// A whole line from its parts, written to `out`: the row's number, the rest, its input line,
/// the event, the carried cells, the line end. The results file's writer takes it straight;
/// the journal puts it together first, to append it in one write.
pub(crate) fn compose(
    row: u64,
    input_line: u64,
    rest: &[u8],
    event: &[u8],
    carried: &[u8],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut number = itoa::Buffer::new();
    out.write_all(number.format(row).as_bytes())?;
    out.write_all(rest)?;
    out.write_all(b",")?;
    out.write_all(number.format(input_line).as_bytes())?;
    out.write_all(event)?;
    out.write_all(carried)?;
    out.write_all(b"\n")
}

/// Appends `,email,first_name,last_name` of [`encode_row`]'s line.
pub fn encode_person(email: &str, first_name: &str, last_name: &str, line: &mut Vec<u8>) {
    for text in [email, first_name, last_name] {
        line.push(b',');
        push_field(line, text);
    }
}

/// How a worker's outcome is encoded: here, where every results line is.
impl Outcome {
    /// The outcome as the recorder takes it: encoded.
    pub fn line(self) -> OwnedLine {
        let mut rest = Vec::with_capacity(192);
        encode_person(&self.email, &self.first_name, &self.last_name, &mut rest);
        encode_outcome(
            &Answer {
                status: self.status,
                registrant_id: &self.registrant_id,
                join_url: &self.join_url,
                http_status: self.http_status,
                zoom_code: self.zoom_code,
                message: Cow::Borrowed(&self.message),
                attempts: self.attempts,
            },
            &mut rest,
        );
        OwnedLine {
            seq: self.seq,
            row: self.row,
            line: self.line,
            status: self.status,
            attempts: self.attempts,
            // The encoders write only the text they are given.
            rest: String::from_utf8(rest)
                .unwrap_or_else(|bytes| String::from_utf8_lossy(bytes.as_bytes()).into_owned()),
            message: self.message,
            carried: self.carried,
        }
    }
}

/// Appends the outcome part of [`encode_row`]'s line: from `,status` to the attempts.
pub fn encode_outcome(answer: &Answer<'_>, line: &mut Vec<u8>) {
    let mut number = itoa::Buffer::new();
    line.push(b',');
    line.extend_from_slice(answer.status.as_str().as_bytes());
    for text in [answer.registrant_id, answer.join_url] {
        line.push(b',');
        push_field(line, text);
    }
    line.push(b',');
    if let Some(status) = answer.http_status {
        line.extend_from_slice(number.format(status).as_bytes());
    }
    line.push(b',');
    if let Some(code) = answer.zoom_code {
        line.extend_from_slice(number.format(code).as_bytes());
    }
    line.push(b',');
    push_field(line, &answer.message);
    line.push(b',');
    line.extend_from_slice(number.format(answer.attempts).as_bytes());
}

/// The bytes that make a field quoted: 1 for a comma, a quote and the line-break characters.
const QUOTED: [u8; 256] = {
    let mut quoted = [0; 256];
    quoted[b',' as usize] = 1;
    quoted[b'"' as usize] = 1;
    quoted[b'\n' as usize] = 1;
    quoted[b'\r' as usize] = 1;
    quoted
};

/// Appends one field, quoted (with inner quotes doubled) only if it needs to be, and with a
/// leading `'` if a spreadsheet would otherwise run it as a formula ([`crate::outside::cell_text`] undoes it).
fn push_field(line: &mut Vec<u8>, text: &str) {
    push_cell(line, text, true);
}

/// A CSV line of `cells` (with its line break), each neutralised as a results cell is unless
/// `raw` (for systems that are not spreadsheets: a phone number may start with `+`).
pub fn encode_cells<'a>(cells: impl IntoIterator<Item = &'a str>, raw: bool, line: &mut Vec<u8>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        push_cell(line, cell, !raw);
    }
    line.push(b'\n');
}

#[inline(always)]
fn push_cell(line: &mut Vec<u8>, text: &str, neutralise: bool) {
    let bytes = text.as_bytes();
    // A table look-up a byte, without stopping at the first: fields are short.
    let special = bytes.iter().fold(0, |found, &b| found | QUOTED[b as usize]) != 0;
    let formula = neutralise && runs_as_formula(bytes);
    if !special {
        if formula {
            line.push(b'\'');
        }
        line.extend_from_slice(bytes);
        return;
    }
    line.push(b'"');
    if formula {
        line.push(b'\'');
    }
    for &byte in bytes {
        if byte == b'"' {
            line.push(b'"');
        }
        line.push(byte);
    }
    line.push(b'"');
}
