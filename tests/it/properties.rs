//! Property tests: no input makes the reader or the validation panic, the record reader
//! parses exactly as the `csv` crate does, and results lines are written exactly as it would.

use std::io::Write;

use proptest::prelude::*;
use zimport::model::EventId;
use zimport::model::Status;
use zimport::outcome::{Answer, Line};
use zimport::outside::cell_text;
use zimport::registrant::{Email, RawExtras, RawRegistrant};
use zimport::results::memory::Memory;
use zimport::results::{Csv, Format};
use zimport::rows::records::RecordReader;
use zimport::rows::{ColumnMap, CsvInput, InputOptions, Source};
use zimport::settle::{settle, Sink, Unknown};

/// Keeps each row's email and names, as its results line gives them.
struct People(Vec<[String; 3]>);

impl People {
    fn keep(&mut self, line: Line<'_>) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.rest);
        let record = reader.records().next().expect("a line").expect("csv reads");
        // The rest starts with a comma: its first field is empty.
        self.0.push([
            record[1].to_string(),
            record[2].to_string(),
            record[3].to_string(),
        ]);
    }
}

impl Sink for People {
    fn settled(&mut self, line: Line<'_>) -> Result<(), zimport::Error> {
        self.keep(line);
        Ok(())
    }

    fn unknown(&mut self, row: Unknown<'_>) -> Result<(), zimport::Error> {
        self.keep(row.valid);
        Ok(())
    }
}

/// Every row's email and names, as a dry run reads and settles `input`.
fn read(input: &mut CsvInput) -> Result<Vec<[String; 3]>, zimport::Error> {
    let mut people = People(Vec::new());
    let import = zimport::model::Command::Import;
    settle(
        input,
        import,
        &mut Memory::empty(),
        &mut people,
        &Csv,
        false,
    )?;
    Ok(people.0)
}

/// A refusal of `bytes`, read from the file `name`, names the file, then a line the file has or
/// what is wrong with the whole file.
fn refusal_is_named(message: &str, name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(message.starts_with(name), "{message}");
    let said = &message[name.len()..];
    match said.split_once("line ") {
        Some((_, rest)) => {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let line: u64 = digits
                .parse()
                .map_err(|_| TestCaseError::fail(format!("no line number: {message}")))?;
            prop_assert!(
                line >= 1 && line <= editor_line_ends(bytes) + 1,
                "{message}"
            );
        }
        None => prop_assert!(
            [
                "the file is empty",
                "a header but no data rows",
                "no email column",
                "changed while"
            ]
            .iter()
            .any(|whole| said.contains(whole)),
            "{message}"
        ),
    }
    Ok(())
}

/// The record reader's refusal fits what the `csv` crate (which reads on) makes of the record
/// it refused, `next` (`None`: the crate read no more), one of `after` records it reads from there.
fn the_right_refusal(
    refused: &zimport::rows::records::ScanError,
    bytes: &[u8],
    next: Option<&Vec<Vec<u8>>>,
    after: usize,
) -> Result<(), TestCaseError> {
    use zimport::rows::records::ScanError;
    match refused {
        // The crate reads a NUL as text: the record it reads there holds it.
        ScanError::NulByte { .. } => {
            prop_assert!(
                next.is_some_and(|record| record.iter().any(|field| field.contains(&0))),
                "{refused}: {next:?}"
            );
        }
        // A quote never closed: the crate reads the rest of the file as that one record.
        ScanError::UnbalancedQuote { .. } => {
            prop_assert_eq!(after, 1, "{}", refused);
            prop_assert!(bytes.contains(&b'"'));
        }
        // A field count unlike the first record's: the crate, when not flexible, refuses it too.
        ScanError::Ragged {
            found, expected, ..
        } => {
            let strict: Vec<_> = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(bytes)
                .byte_records()
                .collect();
            let refusal = strict.iter().find_map(|record| record.as_ref().err());
            let lengths = refusal.map(|err| err.kind()).and_then(|kind| match kind {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => Some((*expected_len as usize, *len as usize)),
                _ => None,
            });
            prop_assert_eq!(lengths, Some((*expected, *found)), "{}", refused);
        }
        other => prop_assert!(
            false,
            "no such refusal for {} bytes: {}",
            bytes.len(),
            other
        ),
    }
    Ok(())
}

/// Whether a validation agrees with the email's own check: a row with an invalid address is
/// refused for its email; a valid row carries that address.
fn agrees_with_the_email(
    validated: Result<zimport::registrant::Registrant, Vec<zimport::registrant::Problem>>,
    email: &Result<Email, String>,
) -> Result<(), TestCaseError> {
    match (validated, email) {
        (Ok(registrant), Ok(email)) => prop_assert_eq!(&registrant.email, email),
        (Ok(registrant), Err(why)) => {
            prop_assert!(false, "{:?} valid although {}", registrant.email, why)
        }
        (Err(problems), Err(_)) => prop_assert!(problems
            .iter()
            .any(|p| p.field == Some(zimport::registrant::Field::Email))),
        (Err(problems), Ok(_)) => {
            prop_assert!(!problems.is_empty() && problems.iter().all(|p| !p.message.is_empty()))
        }
    }
    Ok(())
}

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
        let name = file.path().display().to_string();
        match CsvInput::open(&Source::Path(file.path().to_path_buf()), &InputOptions::default()) {
            Err(refused) => refusal_is_named(&refused.to_string(), &name, &bytes)?,
            Ok(mut input) => match read(&mut input) {
                Err(refused) => refusal_is_named(&refused.to_string(), &name, &bytes)?,
                // A row a record: never more rows than the file has lines after its header.
                Ok(people) => prop_assert!(
                    (people.len() as u64) <= editor_line_ends(&bytes),
                    "{} rows from {} line ends", people.len(), editor_line_ends(&bytes)
                ),
            },
        }
    }

    #[test]
    fn arbitrary_strings_as_fields_never_panic(
        email in ".{0,200}", first in ".{0,100}", last in ".{0,100}", other in ".{0,80}",
    ) {
        let parsed = Email::parse(&email);
        match &parsed {
            // An address: from the cell, trimmed, one '@', no spaces or control characters.
            Ok(address) => {
                let text = address.as_str();
                prop_assert!(email.contains(text.trim_start_matches('\'')), "{text:?} from {email:?}");
                prop_assert!(text.contains('@') && text.chars().count() <= 128, "{text:?}");
                prop_assert!(!text.chars().any(|c| c.is_whitespace() || c.is_control()), "{text:?}");
            }
            Err(why) => prop_assert!(why.contains("email"), "{why}"),
        }
        let listed: Vec<_> = zimport::registrant::Field::ALL.iter().map(|&field| (field, other.as_str())).collect();
        let mut raw = RawRegistrant { email: &email, first_name: &first, last_name: &last, extra: RawExtras::Listed(&listed), names_optional: false, name_split: false };
        agrees_with_the_email(raw.validate(), &parsed)?;
        raw.set_full_name(&other);
        agrees_with_the_email(raw.validate(), &parsed)?;
        match other.parse::<EventId>() {
            // The ID is the digits the text holds (a link's, or grouped ones).
            Ok(id) => {
                let digits: String = other.chars().filter(char::is_ascii_digit).collect();
                prop_assert!(digits.contains(&id.0.to_string()), "{id} from {other:?}");
            }
            Err(why) => prop_assert!(why.contains(other.trim()), "{why}"),
        }
        let headers = [email.clone(), first.clone(), other.clone()];
        match ColumnMap::resolve(&headers, &[], false) {
            Ok(map) => prop_assert_eq!(map.columns.len(), 3),
            Err(why) => prop_assert!(!why.to_string().is_empty()),
        }
    }

    #[test]
    fn record_reader_agrees_with_the_csv_crate(bytes in csv_like_bytes()) {
        let mut ours = Vec::new();
        let mut reader = RecordReader::new(bytes.as_slice(), b',');
        let refused = loop {
            match reader.next_record() {
                Ok(Some(record)) => ours.push((record.line, record.fields().map(<[u8]>::to_vec).collect::<Vec<_>>())),
                Ok(None) => break None,
                Err(refused) => break Some(refused),
            }
        };
        let mut theirs = Vec::new();
        let mut csv_reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
        let mut record = csv::ByteRecord::new();
        while csv_reader.read_byte_record(&mut record).expect("csv reads") {
            let line = record.position().map_or(0, |p| p.line());
            theirs.push((line, record.iter().map(<[u8]>::to_vec).collect::<Vec<_>>()));
        }
        let fields = |records: &[(u64, Vec<Vec<u8>>)]| records.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
        if let Some(refused) = refused {
            // What came before the refusal is what the csv crate reads there; the refusal is
            // the right one for the record the csv crate reads next.
            let (before, next) = (fields(&ours), fields(&theirs));
            prop_assert_eq!(&next[..before.len().min(next.len())], &before[..]);
            the_right_refusal(&refused, &bytes, next.get(before.len()), next.len() - before.len())?;
        } else {
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
        texts in proptest::collection::vec("[a-c,\"\n\r\t ;é'=+@-]{0,12}", 7),
        row in any::<u64>(),
        line in any::<u64>(),
        http_status in proptest::option::of(any::<u16>()),
        zoom_code in proptest::option::of(any::<i64>()),
        attempts in any::<u32>(),
        status in proptest::sample::select(Status::ALL.to_vec()),
    ) {
        let answer = Answer {
            status,
            registrant_id: &texts[3],
            join_url: &texts[4],
            http_status,
            zoom_code,
            message: texts[5].as_str().into(),
            attempts,
        };
        // A whole line, put together as the writers do: person and outcome, then composed.
        let mut rest = Vec::new();
        Csv.person(&texts[0], &texts[1], &texts[2], &mut rest);
        Csv.outcome(&answer, &mut rest);
        let mut ours = Vec::new();
        Csv.compose(row, line, &rest, &Csv.event(&texts[6]), b"", &mut ours);

        let number = |n: Option<i64>| n.map_or(String::new(), |n| n.to_string());
        // A text a spreadsheet would run as a formula gets a leading quote (SPEC §3).
        let cell = |text: &String| {
            let formula = text.trim_start_matches('\'').starts_with(['=', '+', '-', '@', '\t', '\r']);
            if formula { format!("'{text}") } else { text.clone() }
        };
        let fields = [
            row.to_string(), cell(&texts[0]), cell(&texts[1]), cell(&texts[2]),
            status.as_str().to_string(), cell(&texts[3]), cell(&texts[4]),
            number(http_status.map(i64::from)), number(zoom_code), cell(&texts[5]),
            attempts.to_string(), line.to_string(), cell(&texts[6]),
        ];
        let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
        writer.write_record(&fields).expect("csv writes");
        let theirs = writer.into_inner().expect("csv flushes");
        prop_assert_eq!(&ours, &theirs);

        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(ours.as_slice());
        let record = reader.records().next().expect("one record").expect("csv reads");
        prop_assert_eq!(record.iter().collect::<Vec<_>>(), fields.iter().map(String::as_str).collect::<Vec<_>>());
        // Read back, each text is what it was.
        for (index, text) in [(1, 0), (2, 1), (3, 2), (5, 3), (6, 4), (9, 5), (12, 6)] {
            prop_assert_eq!(cell_text(&record[index]), texts[text].as_str());
        }
    }
}

/// A CSV written by the `csv` crate itself: `rows` of four cells (empty ones included, so some
/// records end in an empty field), with `\n`, `\r\n` or `\r` line ends; and where each record
/// starts and ends in the bytes.
fn written(rows: &[Vec<String>], terminator: u8) -> (Vec<u8>, Vec<std::ops::Range<usize>>) {
    let terminator = match terminator {
        0 => csv::Terminator::Any(b'\n'),
        1 => csv::Terminator::CRLF,
        _ => csv::Terminator::Any(b'\r'),
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(terminator)
        .from_writer(Vec::new());
    let mut spans = Vec::new();
    for row in rows {
        let start = writer.get_ref().len();
        writer.write_record(row).expect("csv writes");
        writer.flush().expect("flushes");
        spans.push(start..writer.get_ref().len());
    }
    (writer.into_inner().expect("csv flushes"), spans)
}

/// Line ends as an editor counts them, byte by byte: a `\r`, or a `\n` not right after one.
fn editor_line_ends(bytes: &[u8]) -> u64 {
    let mut previous = 0;
    let mut ends = 0;
    for &byte in bytes {
        if byte == b'\r' || (byte == b'\n' && previous != b'\r') {
            ends += 1;
        }
        previous = byte;
    }
    ends
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        3 => "[a-c]{1,4}",
        1 => Just("a@x.com".to_string()),
        1 => Just(" spaced ".to_string()),
        1 => Just("x,y".to_string()),
        1 => Just("line\nbreak".to_string()),
        1 => Just("cr\rin".to_string()),
        1 => Just("crlf\r\nin".to_string()),
        1 => Just("say \"hi\"".to_string()),
        1 => Just("Zoë".to_string()),
    ]
}

fn rows() -> impl Strategy<Value = Vec<Vec<String>>> {
    proptest::collection::vec(proptest::collection::vec(cell(), 4), 1..24)
}

/// A reader that hands out at most `size` bytes a call, as pipes and slow disks do.
struct Pieces<'a> {
    bytes: &'a [u8],
    size: usize,
}

impl std::io::Read for Pieces<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.size.min(out.len()).min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    /// With tiny buffers and short reads, records end at, just before and just after every
    /// refill; the reader still gives what the `csv` crate reads, each on its true first line.
    #[test]
    fn record_reader_reads_what_the_csv_crate_writes_across_every_buffer_boundary(
        rows in rows(), terminator in 0u8..3, buffer in 1usize..17, read_size in 1usize..9,
    ) {
        let (bytes, spans) = written(&rows, terminator);
        let pieces = Pieces { bytes: &bytes, size: read_size };
        let mut reader = RecordReader::with_buffer(pieces, b',', buffer);
        let mut ours = Vec::new();
        while let Some(record) = reader.next_record().expect("a well-formed file") {
            let fields: Vec<String> = record.fields().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
            ours.push((record.line, fields));
        }
        // Four empty cells are written as ",,,": a record, not an empty line.
        let expected: Vec<(u64, Vec<String>)> = rows
            .iter()
            .zip(&spans)
            .map(|(row, span)| {
                let line = 1 + editor_line_ends(&bytes[..span.start]);
                (line, row.clone())
            })
            .collect();
        prop_assert_eq!(ours, expected);
    }

    /// Over a real file, with the reader's real 64 KiB buffer: a record of the generated ones
    /// ends exactly at, one byte before or one after the first refill. The input yields the
    /// rows the `csv` crate reads there, none lost, none cut.
    #[test]
    fn the_input_reads_every_row_the_csv_crate_reads_at_the_read_buffer_boundary(
        rows in rows(), terminator in 0u8..3, at in any::<prop::sample::Index>(), delta in -1i64..=1,
    ) {
        let header = vec!["email".to_string(), "first_name".to_string(), "last_name".to_string(), "city".to_string()];
        let (head, _) = written(std::slice::from_ref(&header), terminator);
        let (body, spans) = written(&rows, terminator);
        // Filler rows, so that generated record `at` ends `delta` bytes from the boundary.
        let end = spans[at.index(spans.len())].end as i64 + delta;
        let wanted = (zimport::rows::records::READ_BUFFER as i64 - head.len() as i64 - end) as usize;
        let mut filler = Vec::new();
        let mut n = 0;
        while filler.len() < wanted {
            let left = wanted - filler.len();
            let take = if left >= 2_000 { 1_000 } else { left };
            let fixed = format!("filler{n}@x.com,F,L,");
            let line_end = if terminator == 1 { 2 } else { 1 };
            let pad = take - fixed.len() - line_end;
            let row = vec![format!("filler{n}@x.com"), "F".to_string(), "L".to_string(), "p".repeat(pad)];
            filler.extend(written(&[row], terminator).0);
            n += 1;
        }
        prop_assert_eq!(filler.len(), wanted);
        let boundary = head.len() + filler.len() + spans[at.index(spans.len())].end;
        prop_assert_eq!(boundary as i64 + delta, zimport::rows::records::READ_BUFFER as i64);
        let file_bytes = [head, filler, body].concat();
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&file_bytes).expect("write");

        let mut input = CsvInput::open(&Source::Path(file.path().to_path_buf()), &InputOptions::default()).expect("opens");
        let ours = read(&mut input).expect("a well-formed file");
        let mut reader = csv::ReaderBuilder::new().from_reader(file_bytes.as_slice());
        let theirs: Vec<[String; 3]> = reader
            .byte_records()
            .map(|r| r.expect("csv reads"))
            .filter(|r| r.iter().any(|c| !String::from_utf8_lossy(c).trim().is_empty()))
            .map(|r| {
                let cell = |i: usize| String::from_utf8_lossy(r.get(i).unwrap_or_default()).trim().to_string();
                [cell(0), cell(1), cell(2)]
            })
            .collect();
        prop_assert_eq!(ours, theirs);
    }
}
