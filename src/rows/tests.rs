use super::*;
use crate::model::Status;
use crate::settle::seen::{rows as read_rows, Seen};
use std::io::Write;

/// Writes `bytes` to a temporary file and opens it as the input (the handle outlives
/// the file's name).
fn open_bytes(bytes: &[u8], options: &InputOptions) -> Result<CsvInput, InputError> {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(bytes).expect("write");
    let path = file.path().to_path_buf();
    CsvInput::open(&Source::Path(path), options)
}

fn open(bytes: &[u8]) -> CsvInput {
    open_bytes(bytes, &InputOptions::default()).expect("opens")
}

fn rows(bytes: &[u8]) -> Vec<Seen> {
    read_rows(&mut open(bytes)).expect("reads")
}

#[test]
fn a_header_beyond_ascii_settles_the_encoding_at_once() {
    let input = open(b"email,name,Pr\xe9nom\na@x.com,Jos\xe9,\n");
    assert_eq!(
        input.encoding(),
        TextEncoding::Windows1252 { first_bad_line: 1 }
    );
    assert_eq!(input.columns.columns[2].0, "Prénom");
    let input = open(&["email,name,Prénom\na@x.com,Jos".as_bytes(), b"\xe9,\n"].concat());
    assert_eq!(input.encoding(), TextEncoding::Utf8);
}

#[test]
fn a_file_with_bytes_beyond_ascii_and_no_utf8_character_is_windows_1252() {
    let mut input = open(b"email,name\na@x.com,Ana\nb@x.com,Jos\xe9\n");
    let rows = read_rows(&mut input).expect("reads");
    assert_eq!(
        input.encoding(),
        TextEncoding::Windows1252 { first_bad_line: 3 }
    );
    assert_eq!(rows[1].first_name, "José");
}

#[test]
fn one_utf8_character_anywhere_makes_the_file_utf8_and_rows_with_stray_bytes_invalid() {
    // The first row beyond ASCII is not UTF-8; a later one is, which decides.
    let mut input = open(
        &[
            b"email,first_name,city\na@x.com,Jos\xe9,\n".as_slice(),
            "b@x.com,Bo,Zürich\n".as_bytes(),
        ]
        .concat(),
    );
    let rows = read_rows(&mut input).expect("reads");
    assert_eq!(input.encoding(), TextEncoding::Utf8);
    assert_eq!(
        rows[0].status,
        Status::Invalid,
        "a stray byte: {:?}",
        rows[0]
    );
    assert_eq!(rows[0].email, "a@x.com");
    assert!(
        rows[0]
            .message
            .contains("column 'first_name' is not valid UTF-8"),
        "{:?}",
        rows[0]
    );
    assert_eq!(rows[1].status, Status::Valid);
}

#[test]
fn a_character_across_read_buffers_is_still_utf8() {
    let mut text = b"email,name\na@x.com,".to_vec();
    text.resize(records::READ_BUFFER - 1, b'x');
    text.extend_from_slice("é\n".as_bytes());
    let mut input = open(&text);
    read_rows(&mut input).expect("reads");
    assert_eq!(input.encoding(), TextEncoding::Utf8);
    let mut cut = text.clone();
    cut.truncate(records::READ_BUFFER);
    cut.push(b'\n');
    let mut input = open(&cut);
    read_rows(&mut input).expect("reads");
    assert_ne!(input.encoding(), TextEncoding::Utf8);
}

#[test]
fn a_broken_row_is_an_error_naming_its_line() {
    let err = read_rows(&mut open(b"email,name\na@x.com,A\nb@x.com\n")).expect_err("ragged");
    assert!(
        err.to_string()
            .contains("line 3: 1 fields, but the header has 2"),
        "{err}"
    );
    let header_only = read_rows(&mut open(b"email,name\n\n")).expect_err("no rows");
    assert!(
        header_only.to_string().contains("no data rows"),
        "{header_only}"
    );
    let empty = open_bytes(b"", &InputOptions::default())
        .err()
        .expect("empty");
    assert!(empty.to_string().contains("the file is empty"), "{empty}");
}

#[test]
fn detects_comma_semicolon_and_tab() {
    for (text, expected) in [
        ("email,first_name;x\n", b','),
        ("email;first_name;last_name\n", b';'),
        ("email\tfirst_name\tlast_name\n", b'\t'),
        ("\"a;b\",c\n", b','),
        ("email\n", b','),
        // The header ends at its line end, whichever it is: the rows' cells do not count.
        ("email,first_name,notes\ra@x.com,A,x;y;z;w\r", b','),
        ("email,first_name,notes\r\na@x.com,A,x;y;z;w\r\n", b','),
        ("email;\"first\nname\";x\na,b,c,d,e\n", b';'),
    ] {
        assert_eq!(
            detect_delimiter(text.as_bytes()).expect("reads"),
            expected,
            "{text:?}"
        );
    }
}

#[test]
fn a_quoted_header_without_a_bom_still_gives_its_delimiter() {
    for (text, delimiter) in [
        (
            "\"email\";\"first_name\";\"last_name\"\na@x.com;A;B\n",
            b';',
        ),
        (
            "\"email\"\t\"first_name\"\t\"last_name\"\ra@x.com\tA\tB\r",
            b'\t',
        ),
    ] {
        let input = open(text.as_bytes());
        assert_eq!(input.delimiter, delimiter, "{text:?}");
        assert_eq!(rows(text.as_bytes()).len(), 1, "{text:?}");
    }
}

#[test]
fn reads_semicolon_and_tab_files() {
    for text in [
        "E-Mail;Vorname;Nachname\nana@x.com;Ana;López\n",
        "email\tfirst_name\tlast_name\nana@x.com\tAna\tLópez\n",
    ] {
        let opts = InputOptions {
            map: vec![(
                Target::Field(crate::registrant::Field::FirstName),
                "Vorname".into(),
            )],
            ..InputOptions::default()
        };
        let opts = if text.contains("Vorname") {
            opts
        } else {
            InputOptions::default()
        };
        let rows =
            read_rows(&mut open_bytes(text.as_bytes(), &opts).expect("opens")).expect("reads");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].email, "ana@x.com");
        assert_eq!(rows[0].first_name, "Ana");
        assert_eq!(rows[0].status, Status::Valid);
    }
}

#[test]
fn delimiter_flag_overrides_detection() {
    let options = InputOptions {
        delimiter: Some(b'|'),
        ..InputOptions::default()
    };
    let mut input = open_bytes(b"email|first_name\nana@x.com|Ana, Jr.\n", &options).expect("opens");
    assert_eq!(input.delimiter, b'|');
    let rows = read_rows(&mut input).expect("reads");
    assert_eq!(rows[0].first_name, "Ana, Jr.");
}

#[test]
fn utf8_with_and_without_bom_read_the_same() {
    let plain = "Email,First Name\nana@x.com,José\n".as_bytes().to_vec();
    let mut with_bom = vec![0xEF, 0xBB, 0xBF];
    with_bom.extend_from_slice(&plain);
    for bytes in [plain, with_bom] {
        let mut input = open(&bytes);
        let rows = read_rows(&mut input).expect("reads");
        assert_eq!(input.encoding(), TextEncoding::Utf8);
        assert_eq!(rows[0].first_name, "José");
    }
}

#[test]
fn bom_before_a_quoted_header_is_still_stripped() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(b"\"Email\",\"Name\"\nana@x.com,Ana Lopez\n");
    assert_eq!(rows(&bytes)[0].last_name, "Lopez");
}

#[test]
fn windows_1252_file_is_decoded_and_flagged() {
    // "José Müller" as Excel on Windows writes it.
    let bytes = b"email,first_name,last_name\nana@x.com,Ana,Lee\njose@x.com,Jos\xe9,M\xfcller\n";
    let mut input = open(bytes);
    let rows = read_rows(&mut input).expect("reads");
    assert_eq!(
        input.encoding(),
        TextEncoding::Windows1252 { first_bad_line: 3 }
    );
    assert_eq!(
        (rows[1].first_name.as_str(), rows[1].last_name.as_str()),
        ("José", "Müller")
    );
}

#[test]
fn later_rows_with_the_same_email_in_any_case_are_duplicates() {
    let rows = rows(b"email,name\nAna@X.com,Ana\nbob@x.com,Bob\nana@x.COM,Ana Again\n");
    let statuses: Vec<Status> = rows.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Status::Valid, Status::Valid, Status::Duplicate]);
    assert_eq!(rows[2].email, "ana@x.COM");
}

#[test]
fn an_invalid_row_does_not_make_a_later_valid_one_a_duplicate() {
    let rows = rows(b"email,first_name\nana@x.com,\nana@x.com,Ana\n");
    assert_eq!(rows[0].status, Status::Invalid);
    assert_eq!(rows[1].status, Status::Valid);
}

#[test]
fn rows_are_numbered_from_one_and_carry_their_line() {
    let rows = rows(b"email,name\na@x.com,\"A\nB\"\n\n,\nb@x.com,B\n");
    let numbers: Vec<(u64, u64)> = rows.iter().map(|r| (r.row, r.line)).collect();
    // Row 2 is the all-empty record ",": skipped, but it keeps its number.
    assert_eq!(numbers, [(1, 2), (3, 6)]);
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let err = CsvInput::open(
        &Source::Path(dir.path().to_path_buf()),
        &InputOptions::default(),
    )
    .err()
    .expect("directory");
    assert!(err.to_string().ends_with("is a directory, not a CSV file"));
}
