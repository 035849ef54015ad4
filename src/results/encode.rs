//! The results file's format: CSV ([`Csv`]), as the `csv` crate would write it (a property test
//! holds it to that crate's reader), with a leading `'` before a cell that a spreadsheet would
//! run as a formula (SPEC §3), which [`crate::outside::cell_text`] takes off again when a
//! results file is read back. A hot path: the `csv` crate's writer was a fifth of a dry run's
//! time (BENCHMARKS.md).

use crate::outcome::Answer;
use crate::outside::runs_as_formula;

use super::Format;

/// The results file's format: a CSV line per row, quoting exactly the fields the `csv` crate
/// would (those holding a comma, a quote or a line break).
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

impl Format for Csv {
    fn header(&self, titles: &[&str]) -> Vec<u8> {
        let mut line = Vec::new();
        encode_cells(titles.iter().copied(), false, &mut line);
        line
    }

    #[inline]
    fn person(&self, email: &str, first_name: &str, last_name: &str, line: &mut Vec<u8>) {
        for text in [email, first_name, last_name] {
            line.push(b',');
            push_field(line, text);
        }
    }

    #[inline]
    fn outcome(&self, answer: &Answer<'_>, line: &mut Vec<u8>) {
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

    #[inline]
    fn carried(&self, cells: &mut dyn Iterator<Item = &str>, line: &mut Vec<u8>) {
        for cell in cells {
            line.push(b',');
            push_field(line, cell);
        }
    }

    fn event(&self, event: &str) -> Vec<u8> {
        let mut field = vec![b','];
        push_field(&mut field, event);
        field
    }

    #[inline]
    fn compose(
        &self,
        row: u64,
        input_line: u64,
        rest: &[u8],
        event: &[u8],
        carried: &[u8],
        out: &mut Vec<u8>,
    ) {
        let mut number = itoa::Buffer::new();
        out.extend_from_slice(number.format(row).as_bytes());
        out.extend_from_slice(rest);
        out.push(b',');
        out.extend_from_slice(number.format(input_line).as_bytes());
        out.extend_from_slice(event);
        out.extend_from_slice(carried);
        out.push(b'\n');
    }

    fn reader(&self) -> csv::ReaderBuilder {
        csv::ReaderBuilder::new()
    }
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
