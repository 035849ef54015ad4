use super::seen::rows_with;
use super::*;
use crate::model::{Existing, Listing};
use crate::rows::{InputOptions, Source};
use proptest::prelude::*;
use std::io::Write;

/// Zoom lists some people already: the rows for them are settled, not valid.
fn memory() -> Memory {
    let mut memory = Memory::empty();
    let existing = |email: &str, status: Listing| Existing {
        email: email.to_string(),
        status,
        registrant_id: format!("id-{email}"),
        join_url: format!("https://zoom.us/w/1?tk={email}"),
        others: Vec::new(),
    };
    memory.add_existing(vec![
        existing("Ana@Example.com", Listing::Approved),
        existing("bo@example.org", Listing::Pending),
        existing("zoe@example.com", Listing::Denied),
    ]);
    memory
}

/// A cell of a registration list, good, bad, or not UTF-8.
fn cell() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => Just(b"ana@example.com".to_vec()),
        2 => Just(b"ANA@EXAMPLE.COM".to_vec()),
        2 => Just(b"bo@example.org".to_vec()),
        2 => Just(b"zoe@example.com".to_vec()),
        4 => "[a-c]{1,3}@[a-c]{1,3}\\.(com|de|x)".prop_map(String::into_bytes),
        2 => Just(b"not-an-email".to_vec()),
        3 => Just(Vec::new()),
        2 => Just(b"  ".to_vec()),
        3 => "[A-Za-zéü ,\"\r\n]{1,8}".prop_map(String::into_bytes),
        1 => Just(b"Jos\xe9".to_vec()),
        1 => Just(b"a\0b".to_vec()),
        2 => Just(b"de".to_vec()),
        1 => Just(b"Germany".to_vec()),
        1 => Just(b"Korea".to_vec()),
        1 => Just(b"Ann <ana@example.com>".to_vec()),
        1 => Just(b"mailto:bo@example.org;".to_vec()),
        1 => Just(b"CTO".to_vec()),
    ]
}

/// A CSV of five columns with every kind of row, written by the `csv` crate (or broken on
/// purpose: a ragged row, a stray quote).
fn csv_file() -> impl Strategy<Value = Vec<u8>> {
    let row = proptest::collection::vec(cell(), 5);
    (
        proptest::collection::vec(row, 0..30),
        0u8..3,
        proptest::sample::select(vec![csv::QuoteStyle::Necessary, csv::QuoteStyle::Always]),
        0u8..4,
    )
        .prop_map(|(rows, line_end, quoting, tail)| {
            // `\n`, `\r\n`, or an old Mac's lone `\r`.
            let terminator = match line_end {
                0 => csv::Terminator::Any(b'\n'),
                1 => csv::Terminator::CRLF,
                _ => csv::Terminator::Any(b'\r'),
            };
            let mut writer = csv::WriterBuilder::new()
                .quote_style(quoting)
                .terminator(terminator)
                .from_writer(Vec::new());
            let header = ["Email", "First Name", "Last Name", "Country", "Job Title"];
            writer.write_record(header).expect("header");
            for row in &rows {
                writer.write_record(row).expect("row");
            }
            let mut bytes = writer.into_inner().expect("written");
            match tail {
                1 => bytes.extend_from_slice(b"\n\r\n,,,,\n"),
                2 => bytes.extend_from_slice(b"late@x.com,Late\n"),
                3 => bytes.extend_from_slice(b"q@x.com,\"open\n"),
                _ => {}
            }
            bytes
        })
}

/// The rows (or the error) of reading `file`, the fast way or exactly.
fn settled(
    file: &std::path::Path,
    block_bytes: usize,
    known: bool,
    exactly: bool,
) -> Result<(Vec<seen::Seen>, Tally, TextEncoding), String> {
    let source = Source::Path(file.to_path_buf());
    let mut input = CsvInput::open(&source, &InputOptions::default()).map_err(|e| e.to_string())?;
    let mut memory = if known { memory() } else { Memory::empty() };
    let (rows, tally) =
        rows_with(&mut input, &mut memory, block_bytes, exactly).map_err(|e| e.to_string())?;
    Ok((rows, tally, input.encoding()))
}

proptest! {
    #![proptest_config(crate::property_cases(256))]

    /// The fast block reader is only a faster way: on every shape of file, with or without
    /// memory, in blocks of any size, it settles exactly the rows (and finds exactly the
    /// problem) that the record reader alone does.
    #[test]
    fn the_fast_way_settles_what_the_record_reader_alone_settles(
        csv in csv_file(), block_bytes in 1usize..300, known in any::<bool>(),
    ) {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&csv).expect("write");
        let fast = settled(file.path(), block_bytes, known, false);
        let exact = settled(file.path(), block_bytes, known, true);
        match (fast, exact) {
            (Ok((fast_rows, fast_tally, fast_encoding)), Ok((rows, tally, encoding))) => {
                prop_assert_eq!(fast_rows, rows);
                prop_assert_eq!(fast_encoding, encoding);
                prop_assert_eq!(
                    (fast_tally.rows, fast_tally.empty_records, fast_tally.fits_batch, fast_tally.others),
                    (tally.rows, tally.empty_records, tally.fits_batch, tally.others)
                );
                prop_assert_eq!(fast_tally.adjusted, tally.adjusted);
                prop_assert_eq!(fast_tally.names_split, tally.names_split);
            }
            (fast, exact) => prop_assert_eq!(fast.err(), exact.err()),
        }
    }
}
