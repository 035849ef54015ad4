//! Files that cannot be read at all: a message naming the file, line and problem, exit 2, no
//! panic, and no results file (an earlier one is left untouched).

use crate::support::{exit_code, results_path, stderr, TestEnv};

/// Runs a dry run on `input` and checks the refusal: exit 2, the message, nothing written.
/// Twice: a dry run reads the file as it goes, so the problem is found among the rows; and
/// again with an unusable earlier results file, where the broken input must still come first.
fn assert_refused(env: &TestEnv, input: &std::path::Path, expected: &[&str]) {
    let results = results_path(input);
    let partial = results.with_file_name(format!(
        "{}.partial",
        results.file_name().expect("name").to_string_lossy()
    ));
    let check = |output: &std::process::Output| {
        let text = stderr(output);
        assert_eq!(exit_code(output), 2, "{text}");
        assert!(!text.contains("panicked"), "{text}");
        for part in expected {
            assert!(text.contains(part), "expected {part:?} in: {text}");
        }
        assert!(
            !partial.exists(),
            "a refused file leaves no partial results"
        );
    };

    check(&env.dry_run(input, &[]));
    assert!(!results.exists(), "a refused file must not write results");

    let previous = "row,email\nkept from an earlier run\n";
    std::fs::write(&results, previous).expect("write earlier results");
    check(&env.dry_run(input, &[]));
    let after = std::fs::read_to_string(&results).expect("earlier results still there");
    assert_eq!(
        after, previous,
        "a refused file must not touch the results file"
    );
}

#[test]
fn unbalanced_quote_is_refused_naming_its_line() {
    let env = TestEnv::new();
    let input = env.copy_fixture("malformed/unbalanced-quote.csv");
    assert_refused(
        &env,
        &input,
        &["unbalanced-quote.csv: line 3: a quoted field starts here and is never closed"],
    );
}

#[test]
fn ragged_rows_are_refused_naming_the_line() {
    let env = TestEnv::new();
    let input = env.copy_fixture("malformed/ragged-rows.csv");
    assert_refused(
        &env,
        &input,
        &["ragged-rows.csv: line 3: 2 fields, but the header has 3"],
    );
}

#[test]
fn nul_bytes_are_refused_naming_the_line() {
    let env = TestEnv::new();
    let input = env.copy_fixture("malformed/nul-bytes.csv");
    assert_refused(
        &env,
        &input,
        &["nul-bytes.csv: line 3: NUL byte", "save it as 'CSV UTF-8'"],
    );
}

#[test]
fn empty_file_is_refused() {
    let env = TestEnv::new();
    let input = env.copy_fixture("malformed/empty.csv");
    assert_refused(&env, &input, &["empty.csv: the file is empty"]);
}

#[test]
fn header_only_file_is_refused() {
    let env = TestEnv::new();
    let input = env.copy_fixture("malformed/header-only.csv");
    assert_refused(
        &env,
        &input,
        &["header-only.csv: the file has a header but no data rows"],
    );
}

#[test]
fn file_without_an_email_column_is_refused() {
    let env = TestEnv::new();
    let input = env.copy_fixture("malformed/no-email-column.csv");
    assert_refused(
        &env,
        &input,
        &[
            "no-email-column.csv line 1 (header): no email column (columns: Name, Phone, Company)",
            "--map email=COLUMN",
        ],
    );
}

#[test]
fn ten_megabyte_field_is_refused_naming_line_and_column() {
    // Generated rather than committed: 10 MB of fixture would bloat the repository.
    let env = TestEnv::new();
    let mut text =
        String::from("email,first_name,comments\nana@example.com,Ana,ok\nbob@example.com,Bob,");
    text.push_str(&"x".repeat(10 * 1024 * 1024));
    text.push('\n');
    let input = env.write_input("huge-field.csv", text);
    assert_refused(
        &env,
        &input,
        &["huge-field.csv: line 3: field 3 is larger than 64 KiB"],
    );
}

#[test]
fn missing_file_is_refused_naming_it() {
    let env = TestEnv::new();
    let input = env.path("nope.csv");
    assert_refused(&env, &input, &["cannot read", "nope.csv", "No such file"]);
}

#[test]
fn directory_is_refused() {
    let env = TestEnv::new();
    let input = env.path("folder.csv");
    std::fs::create_dir(&input).expect("mkdir");
    assert_refused(&env, &input, &["folder.csv is a directory, not a CSV file"]);
}

#[test]
fn binary_garbage_is_refused_without_panicking() {
    let env = TestEnv::new();
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let input = env.write_input("garbage.csv", bytes);
    let output = env.dry_run(&input, &[]);
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
}

#[test]
fn utf16_without_a_byte_order_mark_is_refused_with_a_hint() {
    // With its mark, UTF-16 is read (real_world.rs); without it, the bytes do not say so.
    let env = TestEnv::new();
    let utf16: Vec<u8> = "email,first_name\r\nana@example.com,Ana\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let input = env.write_input("unicode-text.csv", utf16);
    assert_refused(&env, &input, &["NUL byte", "UTF-16"]);
}
