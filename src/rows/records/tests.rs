use super::*;

type Records = Vec<(u64, Vec<String>)>;

/// Every record as (line, fields), or the error.
fn records(text: &[u8]) -> Result<Records, ScanError> {
    let mut reader = RecordReader::new(text, b',');
    let mut out = Vec::new();
    while let Some(record) = reader.next_record()? {
        let fields = record
            .fields()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        out.push((record.line, fields));
    }
    Ok(out)
}

#[test]
fn records_carry_their_true_start_line_with_any_line_ending() {
    for text in [
        "h,x\na,1\n\nb,\"2\n3\"\nc,4\n",
        "h,x\r\na,1\r\n\r\nb,\"2\n3\"\r\nc,4\r\n",
        "h,x\r\na,1\r\n\r\nb,\"2\n3\"\r\nc,4",
        // An old Mac file: `\r` alone ends each line.
        "h,x\ra,1\r\rb,\"2\r3\"\rc,4\r",
        "h,x\ra,1\r\rb,\"2\r\n3\"\rc,4",
    ] {
        let lines: Vec<u64> = records(text.as_bytes())
            .expect("valid")
            .iter()
            .map(|(line, _)| *line)
            .collect();
        assert_eq!(lines, [1, 2, 4, 6], "{text:?}");
    }
}

#[test]
fn a_crlf_is_one_line_end_and_a_lone_cr_or_lf_is_one_too() {
    assert_eq!(line_ends(b"", false), 0);
    assert_eq!(line_ends(b"a\r\nb\nc\rd", false), 3);
    assert_eq!(line_ends(b"\r\r\n\n", false), 3);
    assert_eq!(line_ends(b"\nx", true), 0, "the \\n of a \\r\\n cut in two");
    assert_eq!(line_ends(b"\nx", false), 1);
    assert_eq!(line_ends(b"x\r", false), 1);
}

#[test]
fn fields_are_unquoted_and_unescaped() {
    let got = records(b"a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"\"\n").expect("valid");
    assert_eq!(got[1].1, ["x,y", "say \"hi\"", ""]);
}

#[test]
fn empty_lines_are_skipped_and_the_last_record_needs_no_newline() {
    let got = records(b"email,name\r\na@x.com,A\r\n\r\n\nb@x.com,\"B, multi\nline\"\nc@x.com,C")
        .expect("valid");
    assert_eq!(got.len(), 4);
    assert_eq!(got[3], (7, vec!["c@x.com".to_string(), "C".to_string()]));
    assert!(records(b"\n\r\n").expect("valid").is_empty());
}

#[test]
fn unbalanced_quote_names_the_line_it_opens_on() {
    let err = records(b"email,name\na@x.com,A\nb@x.com,\"B\nc@x.com,C\n").expect_err("bad");
    assert!(
        matches!(err, ScanError::UnbalancedQuote { line: 3 }),
        "{err:?}"
    );
}

#[test]
fn ragged_row_names_its_line_and_counts() {
    let err = records(b"email,first,last\r\na@x.com,A,B\r\nb@x.com,B\r\n").expect_err("bad");
    assert!(
        matches!(
            err,
            ScanError::Ragged {
                line: 3,
                found: 2,
                expected: 3
            }
        ),
        "{err:?}"
    );
}

#[test]
fn nul_byte_names_its_line() {
    let err = records(b"email\na@x.com\nb\0@x.com\n").expect_err("bad");
    assert!(matches!(err, ScanError::NulByte { line: 3 }), "{err:?}");
}

#[test]
fn huge_field_is_refused_without_reading_it_whole() {
    let text = format!(
        "email,comments\na@x.com,{}\n",
        "x".repeat(MAX_FIELD_BYTES + 1)
    );
    let err = records(text.as_bytes()).expect_err("bad");
    assert!(
        matches!(err, ScanError::FieldTooLarge { line: 2, column: 2 }),
        "{err:?}"
    );
}

#[test]
fn huge_record_of_many_fields_is_refused() {
    let field = "x".repeat(MAX_FIELD_BYTES / 2);
    let row = vec![field.as_str(); 40].join(",");
    let header = vec!["h"; 40].join(",");
    let err = records(format!("{header}\n{row}\n").as_bytes()).expect_err("bad");
    assert!(
        matches!(err, ScanError::RecordTooLarge { line: 2 }),
        "{err:?}"
    );
}

#[test]
fn records_survive_the_read_buffer_boundary() {
    let mut text = String::from("email,comments\na@x.com,\"");
    text.push_str(&"é".repeat(30_000));
    text.push_str("\"\nb@x.com,");
    text.push_str(&"y".repeat(10_000));
    assert!(
        text.len() > READ_BUFFER,
        "the rows must straddle the 64 KiB read buffer"
    );
    let got = records(text.as_bytes()).expect("valid");
    assert_eq!(got[1].1[1].chars().count(), 30_000);
    assert_eq!(got[2].0, 3);
    assert_eq!(got[2].1[1].len(), 10_000);
}

#[test]
fn multibyte_characters_are_found_among_bytes_that_are_not_utf8() {
    assert!(!holds_multibyte_utf8(b"plain ascii"));
    assert!(!holds_multibyte_utf8(b"Jos\xe9 M\xfcller"));
    assert!(holds_multibyte_utf8("José".as_bytes()));
    assert!(holds_multibyte_utf8(b"Jos\xe9 and Jos\xc3\xa9"));
}

#[test]
fn looking_ahead_finds_what_follows_and_leaves_the_records_as_they_were() {
    for at in [10, READ_BUFFER - 1, READ_BUFFER, 3 * READ_BUFFER + 7] {
        let mut text = b"email,name\n".to_vec();
        while text.len() < at {
            text.extend_from_slice(b"a@x.com,A\n");
        }
        let rows = text.len();
        text.extend_from_slice("b@x.com,Zoë\n".as_bytes());
        let mut reader = RecordReader::new(std::io::Cursor::new(&text), b',');
        let _header = reader.next_record().expect("reads");
        assert!(
            reader.rest_holds_multibyte_utf8(b"").expect("reads"),
            "{at}"
        );
        let mut count = 0;
        while reader.next_record().expect("reads").is_some() {
            count += 1;
        }
        assert_eq!(count, (rows - 11) / 10 + 1, "{at}");
        assert!(!reader.rest_holds_multibyte_utf8(b"").expect("reads"));
        reader.rewind(0).expect("rewinds");
        let _header = reader.next_record().expect("reads");
        assert!(reader.rest_holds_multibyte_utf8(&[0xC3]).is_ok());
    }
}

#[test]
fn the_rest_is_the_bytes_after_the_records_read_and_a_rewind_starts_again() {
    let text = b"h,x\na,1\nb,2\n";
    for size in [1, 3, 64] {
        let mut reader = RecordReader::with_buffer(std::io::Cursor::new(&text[..]), b',', size);
        let _header = reader.next_record().expect("reads");
        let mut rest = Vec::new();
        reader.rest().read_to_end(&mut rest).expect("reads");
        assert_eq!(rest, b"a,1\nb,2\n", "buffer {size}");
        reader.rewind(0).expect("rewinds");
        let again: Vec<u64> =
            std::iter::from_fn(|| reader.next_record().expect("reads").map(|r| r.line)).collect();
        assert_eq!(again, [1, 2, 3]);
    }
}
