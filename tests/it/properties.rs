//! Property tests: no input makes the reader or the validation panic, the record reader
//! parses exactly as the `csv` crate does, and results lines are written exactly as it would.

use std::io::Write;

use proptest::prelude::*;
use zimport::config::EventId;
use zimport::input::records::RecordReader;
use zimport::input::{ColumnMap, CsvInput, InputOptions, Source};
use zimport::registrant::{Email, RawExtras, RawRegistrant};
use zimport::report::{encode_row, ResultRow, Status};

/// Bytes that stress a CSV reader: quotes, delimiters, line ends, NUL, non-UTF-8, a BOM.
fn csv_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => Just(b'"'),
        4 => Just(b','),
        2 => Just(b';'),
        3 => Just(b'\n'),
        2 => Just(b'\r'),
        4 => Just(b'@'),
        6 => proptest::char::range('a', 'e').prop_map(|c| c as u8),
        1 => Just(b'.'),
        1 => Just(0u8),
        1 => any::<u8>(),
        1 => Just(0xEF),
    ];
    proptest::collection::vec(byte, 0..300)
}

proptest! {
    // 512 cases by default; PROPTEST_CASES=N overrides it for a deeper run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_as_a_csv_never_panic(bytes in prop_oneof![
        csv_like_bytes(),
        proptest::collection::vec(any::<u8>(), 0..300),
        csv_like_bytes().prop_map(|b| [b"email,first_name,last_name\n".as_slice(), &b].concat()),
    ]) {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&bytes).expect("write");
        if let Ok(mut input) = CsvInput::open(&Source::Path(file.path().to_path_buf()), &InputOptions::default()) {
            // Twice: a rewound input reads on as a fresh one would.
            for _ in 0..2 {
                for row in input.by_ref() {
                    if row.is_err() {
                        break;
                    }
                }
                if input.rewind().is_err() {
                    break;
                }
            }
        }
    }

    #[test]
    fn arbitrary_strings_as_fields_never_panic(
        email in ".{0,200}", first in ".{0,100}", last in ".{0,100}", other in ".{0,80}",
    ) {
        let _ = Email::parse(&email);
        let listed: Vec<_> = zimport::registrant::Field::ALL.iter().map(|&field| (field, other.as_str())).collect();
        let mut raw = RawRegistrant { email: &email, first_name: &first, last_name: &last, extra: RawExtras::Listed(&listed) };
        let _ = raw.validate();
        raw.set_full_name(&other);
        let _ = raw.validate();
        let _ = other.parse::<EventId>();
        let _ = ColumnMap::resolve(&[email.clone(), first.clone(), other.clone()], &[]);
    }

    #[test]
    fn record_reader_agrees_with_the_csv_crate(bytes in csv_like_bytes()) {
        let mut ours = Vec::new();
        let mut reader = RecordReader::new(bytes.as_slice(), b',');
        let complete = loop {
            match reader.next_record() {
                Ok(Some(record)) => ours.push((record.line, record.fields().map(<[u8]>::to_vec).collect::<Vec<_>>())),
                Ok(None) => break true,
                // Refused input (unbalanced quote, ragged, NUL): the csv crate would read on.
                Err(_) => break false,
            }
        };
        if complete {
            let mut theirs = Vec::new();
            let mut csv_reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
            let mut record = csv::ByteRecord::new();
            while csv_reader.read_byte_record(&mut record).expect("csv reads") {
                let line = record.position().map_or(0, |p| p.line());
                theirs.push((line, record.iter().map(<[u8]>::to_vec).collect::<Vec<_>>()));
            }
            let fields = |records: &[(u64, Vec<Vec<u8>>)]| records.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
            prop_assert_eq!(fields(&ours), fields(&theirs));
            // The csv crate's lines are right only without '\r' and blank lines (it lags there).
            let blank_lines = bytes.starts_with(b"\n") || bytes.windows(2).any(|w| w == b"\n\n");
            if !bytes.contains(&b'\r') && !blank_lines {
                prop_assert_eq!(ours, theirs);
            }
        }
    }

    #[test]
    fn results_lines_are_what_the_csv_crate_writes_and_reads(
        texts in proptest::collection::vec("[a-c,\"\n\r ;é]{0,12}", 7),
        row in any::<u64>(),
        http_status in proptest::option::of(any::<u16>()),
        zoom_code in proptest::option::of(any::<i64>()),
        attempts in any::<u32>(),
        status in proptest::sample::select(Status::ALL.to_vec()),
    ) {
        let result = ResultRow {
            row,
            email: &texts[0],
            first_name: &texts[1],
            last_name: &texts[2],
            status,
            registrant_id: &texts[3],
            join_url: &texts[4],
            http_status,
            zoom_code,
            message: &texts[5],
            attempts,
            event: &texts[6],
        };
        let mut ours = Vec::new();
        encode_row(&result, &mut ours);

        let number = |n: Option<i64>| n.map_or(String::new(), |n| n.to_string());
        let fields = [
            row.to_string(), texts[0].clone(), texts[1].clone(), texts[2].clone(),
            status.as_str().to_string(), texts[3].clone(), texts[4].clone(),
            number(http_status.map(i64::from)), number(zoom_code), texts[5].clone(),
            attempts.to_string(), texts[6].clone(),
        ];
        let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
        writer.write_record(&fields).expect("csv writes");
        let theirs = writer.into_inner().expect("csv flushes");
        prop_assert_eq!(&ours, &theirs);

        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(ours.as_slice());
        let record = reader.records().next().expect("one record").expect("csv reads");
        prop_assert_eq!(record.iter().collect::<Vec<_>>(), fields.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
