//! Dry runs through the real binary: what lands in the results file, and the exit code.

use crate::support::{
    dry_results_path, exit_code, file_names, read_results, results_path, stderr, TestEnv,
};

#[test]
fn dry_run_of_the_bundled_fixture_reports_every_row_in_input_order() {
    let env = TestEnv::new();
    let input = env.copy_fixture("people.csv");

    let output = env.dry_run(&input, &[]);

    assert_eq!(
        exit_code(&output),
        1,
        "invalid rows make exit 1: {}",
        stderr(&output)
    );
    let rows = read_results(&dry_results_path(&input));
    // 55 data records, one of them all-empty (skipped, but it keeps its number).
    assert_eq!(rows.len(), 54);
    let numbers: Vec<u64> = rows.iter().map(|r| r.row).collect();
    let expected: Vec<u64> = (1..=55).filter(|&n| n != 54).collect();
    assert_eq!(numbers, expected, "one row per record, in input order");
    let status_of = |row: u64| {
        rows.iter()
            .find(|r| r.row == row)
            .expect("row")
            .status
            .as_str()
    };
    for invalid in [10, 15, 21, 28] {
        assert_eq!(status_of(invalid), "invalid", "row {invalid}");
    }
    // "Germany" is sent as DE.
    assert_eq!(status_of(34), "valid");
    assert_eq!(status_of(53), "duplicate");
    assert_eq!(rows.iter().filter(|r| r.status == "valid").count(), 49);
    assert!(rows
        .iter()
        .all(|r| r.attempts == 0 && r.registrant_id.is_empty()));

    let bad = rows.iter().find(|r| r.row == 10).expect("row 10");
    assert_eq!(bad.email, "bob@example");
    assert_eq!(
        bad.message,
        "email 'bob@example' is not a valid address: the domain has no '.'"
    );
    let trimmed = rows.iter().find(|r| r.row == 4).expect("row 4");
    assert_eq!(
        trimmed.email, "FRANOIS.IVANOV3@EXAMPLE.COM",
        "cells are trimmed"
    );
    assert_eq!(trimmed.first_name, "François");

    let text = stderr(&output);
    assert!(
        text.contains("row 10 (line 11): email 'bob@example'"),
        "{text}"
    );
    assert!(
        text.contains("E-Mail Address  -> email"),
        "mapping shown: {text}"
    );
    assert!(
        text.contains("Notes           -> not sent: matches no Zoom field"),
        "unmapped shown: {text}"
    );
    assert_eq!(
        text.matches("--map FIELD=COLUMN sends a column as FIELD: email, first_name")
            .count(),
        1,
        "the fields listed once: {text}"
    );
    assert!(
        text.contains("would send 1 batch call (Heavy, 10/s) and 35 single adds"),
        "{text}"
    );
    assert!(
        text.contains(
            "auto-approve off; confirmation emails from batch registration: as the event is set up"
        ),
        "{text}"
    );
}

#[test]
fn results_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email,name\nana@example.com,Ana Lopez\n");

    let output = env.dry_run(&input, &[]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let mode = std::fs::metadata(dry_results_path(&input))
        .expect("results")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn clean_file_with_duplicates_exits_zero() {
    let env = TestEnv::new();
    let input = env.write_input(
        "in.csv",
        "email,first_name\nana@example.com,Ana\nANA@EXAMPLE.COM,Ana\nbob@example.com,Bob\n",
    );

    let output = env.dry_run(&input, &[]);

    assert_eq!(
        exit_code(&output),
        0,
        "duplicates do not count against a run"
    );
    let rows = read_results(&dry_results_path(&input));
    let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["valid", "duplicate", "valid"]);
    assert_eq!(
        rows[1].message,
        "same email (ignoring case) as line 2; not sent"
    );
}

#[test]
fn output_flag_chooses_the_results_path() {
    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email,name\nana@example.com,Ana\n");
    let out = env.path("elsewhere.csv");

    let output = env.dry_run(&input, &["-o", out.to_str().expect("utf-8 path")]);

    assert_eq!(exit_code(&output), 0);
    assert_eq!(read_results(&out).len(), 1);
    assert!(!dry_results_path(&input).exists());
}

#[test]
fn standard_input_is_read_and_results_go_to_the_current_folder() {
    let env = TestEnv::new();

    let output = env
        .zimport()
        .args(["-", "--webinar", "98765432109", "--dry-run"])
        .write_stdin("Email;First Name;Last Name\r\nana@example.com;Ana;López\r\n")
        .output()
        .expect("runs");

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let rows = read_results(&env.path("zimport.webinar-98765432109.dry-run.results.csv"));
    assert_eq!(rows[0].last_name, "López");
    assert!(stderr(&output).contains("for webinar 98765432109"));
}

#[test]
fn windows_1252_file_is_read_with_a_warning() {
    let env = TestEnv::new();
    let input = env.copy_fixture("windows-1252.csv");

    let output = env.dry_run(&input, &[]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output)
        .contains("is not valid UTF-8 (first at line 2); reading it as Windows-1252"));
    let rows = read_results(&dry_results_path(&input));
    let names: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.first_name.as_str(), r.last_name.as_str()))
        .collect();
    assert_eq!(names, [("José", "Müller"), ("Renée", "Façade")]);
}

#[test]
fn semicolon_file_with_bom_and_a_mapped_column() {
    let env = TestEnv::new();
    let input = env.copy_fixture("semicolon-bom.csv");

    let output = env.dry_run(
        &input,
        &["--map", "first_name=Vorname", "--map", "last_name=Nachname"],
    );

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let rows = read_results(&dry_results_path(&input));
    assert_eq!(
        (
            rows[0].email.as_str(),
            rows[0].first_name.as_str(),
            rows[0].last_name.as_str()
        ),
        ("joerg@example.de", "Jörg", "Schäfer")
    );
    assert!(stderr(&output).contains("(delimiter ';')"));
}

#[test]
fn tab_separated_full_names_are_split() {
    let env = TestEnv::new();
    let input = env.copy_fixture("tab-full-name.tsv");

    let output = env.dry_run(&input, &[]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let rows = read_results(&dry_results_path(&input));
    assert_eq!(
        (rows[0].first_name.as_str(), rows[0].last_name.as_str()),
        ("Ana María", "López")
    );
    let text = stderr(&output);
    assert!(text.contains("(delimiter tab)"), "{text}");
    assert!(text.contains("Org            -> org"), "{text}");
}

#[test]
fn delimiter_flag_overrides_detection() {
    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email|first_name\nana@example.com|Ana, Jr.\n");

    let output = env.dry_run(&input, &["--delimiter", "|"]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        read_results(&dry_results_path(&input))[0].first_name,
        "Ana, Jr."
    );
}

#[test]
fn json_summary_parses_and_matches_the_results_file() {
    let env = TestEnv::new();
    let input = env.copy_fixture("people.csv");

    let output = env.dry_run(
        &input,
        &["--json", "--plan", "business", "--mode", "single"],
    );

    let summary: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON object");
    let rows = read_results(&dry_results_path(&input));
    for status in ["valid", "invalid", "duplicate"] {
        let in_file = rows.iter().filter(|r| r.status == status).count() as u64;
        assert_eq!(summary["counts"][status], in_file, "{status}");
    }
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["event"]["kind"], "meeting");
    assert_eq!(summary["event"]["id"], "83927864687", "IDs are strings");
    assert_eq!(summary["schema"], 1);
    assert_eq!(summary["exit_code"], 1);
    assert_eq!(summary["estimate"]["single_calls"], 49);
    assert_eq!(summary["adjusted"]["countries_coded"], 1);
    assert_eq!(summary["estimate"]["batch_calls"], 0);
    assert_eq!(summary["first_problems"][0]["line"], 11);
    assert_eq!(summary["options"]["auto_approve"], false);
    assert_eq!(
        summary["options"]["confirmation_email"],
        serde_json::Value::Null
    );
}

#[test]
fn quiet_dry_run_prints_only_the_summary_and_what_changes_what_is_sent() {
    let env = TestEnv::new();
    let input = env.copy_fixture("windows-1252.csv");

    let output = env.dry_run(&input, &["--quiet"]);

    let text = stderr(&output);
    // The encoding changes what is sent (issue 13), so -q does not hide it; nothing else.
    assert_eq!(text.matches("warning").count(), 1, "{text}");
    assert!(text.contains("reading it as Windows-1252"), "{text}");
    assert!(
        !text.contains("Columns of") && !text.contains("note:"),
        "{text}"
    );
    assert!(text.contains("Rows: 2"), "{text}");
}

#[test]
fn a_file_at_the_results_path_that_zimport_did_not_write_is_kept_unless_fresh() {
    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email,name\nana@example.com,Ana\n");
    let precious = "old,stuff\n".repeat(1000);
    // At the real run's results (the dry run's memory), and at the dry run's own.
    for path in [results_path(&input), dry_results_path(&input)] {
        std::fs::write(&path, &precious).expect("write");

        let output = env.dry_run(&input, &[]);

        assert_eq!(exit_code(&output), 2);
        assert!(
            stderr(&output).contains("not a zimport results file"),
            "{}",
            stderr(&output)
        );
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), precious);
        std::fs::remove_file(&path).expect("removed");
    }

    std::fs::write(results_path(&input), &precious).expect("write");
    let output = env.dry_run(&input, &["--fresh"]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(read_results(&dry_results_path(&input)).len(), 1);
    assert_eq!(
        std::fs::read_to_string(results_path(&input)).expect("kept"),
        precious,
        "a dry run never replaces the real run's results"
    );
}

#[test]
fn a_file_of_many_blocks_keeps_input_order_and_finds_duplicates_across_them() {
    // About 2 MB: several blocks, read by several threads.
    let env = TestEnv::new();
    let mut text = String::from("Email,First Name,Last Name,Company\r\n");
    for i in 0..40_000 {
        match i {
            20_000 => text.push_str("not-an-email,Bad,Row,\r\n"),
            25_000 => text.push_str(",,,\r\n"),
            39_999 => text.push_str("PERSON7@example.com,Again,Seven,\"ACME, Inc.\"\r\n"),
            _ => text.push_str(&format!(
                "person{i}@example.com,Ana,\"Lee, {i}\",\"Line\nbreak\"\r\n"
            )),
        }
    }
    let input = env.write_input("many.csv", &text);

    let output = env.dry_run(&input, &["-q"]);

    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let rows = read_results(&dry_results_path(&input));
    assert_eq!(rows.len(), 39_999, "the blank record has no results row");
    let numbers: Vec<u64> = rows.iter().map(|r| r.row).collect();
    let expected: Vec<u64> = (1..=40_000).filter(|&n| n != 25_001).collect();
    assert_eq!(numbers, expected);
    assert_eq!(rows[20_000].status, "invalid");
    assert_eq!(rows[39_998].status, "duplicate");
    assert_eq!(rows[39_998].first_name, "Again");
    // It names the line the first one starts on, past the line breaks in quotes before it,
    // though that row was read in another block.
    // Under another name than that row's: another person sharing the address, said so.
    assert!(
        rows[39_998]
            .message
            .starts_with("same email (ignoring case) as line 16, under another name"),
        "{}",
        rows[39_998].message
    );
    assert_eq!(rows[12_345].last_name, "Lee, 12345");
    assert_eq!(rows.iter().filter(|r| r.status == "valid").count(), 39_997);
    // The invalid row's line counts the line breaks inside quotes before it.
    assert!(
        stderr(&output).contains("row 20001 (line 40002)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_batch_note_shows_only_while_zoom_has_not_said_whether_batch_fits() {
    let zoom = crate::support::ZoomEnv::start(fake_zoom::Setup::default());
    let input = zoom
        .env
        .write_input("people.csv", crate::support::people(40, false));
    const NOTE: &str = "Batch is used only for scheduled meetings and webinars";

    let unchecked = zoom.env.dry_run(&input, &[]);
    assert!(stderr(&unchecked).contains(NOTE), "{}", stderr(&unchecked));

    // With credentials (and no --json, so the summary is text on stderr).
    let checked = zoom
        .zimport()
        .arg(&input)
        .args(["--meeting", "83927864687", "--dry-run"])
        .output()
        .expect("runs");
    let text = stderr(&checked);
    assert_eq!(exit_code(&checked), 0, "{text}");
    assert!(text.contains("batch registration fits"), "{text}");
    assert!(text.contains("would send 2 batch calls"), "{text}");
    assert!(!text.contains(NOTE), "{text}");
}

#[test]
fn the_results_name_each_rows_input_line_where_quoted_cells_hold_line_breaks() {
    let env = TestEnv::new();
    let input = env.write_input(
        "in.csv",
        "email,first_name,comments\r\nana@example.com,Ana,\"two\r\nlines\"\r\nbo@example.com,Bo,\"three\nmore\nlines\"\r\nnot-an-email,Cy,x\r\n",
    );

    let output = env.dry_run(&input, &[]);

    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let rows = read_results(&dry_results_path(&input));
    let lines: Vec<(u64, u64)> = rows.iter().map(|r| (r.row, r.line)).collect();
    assert_eq!(lines, [(1, 2), (2, 4), (3, 7)]);
    assert!(
        stderr(&output).contains("row 3 (line 7)"),
        "{}",
        stderr(&output)
    );
}

/// An old Mac file ends its lines with `\r` alone; spread over many blocks, with `\r\n` and
/// `\r` inside quoted cells, each row still names its line as an editor shows it.
#[test]
fn the_results_name_each_rows_line_in_a_file_whose_lines_end_in_a_lone_cr() {
    let env = TestEnv::new();
    let mut text = String::from("Email,First Name,Last Name,Notes\r");
    let mut expected = Vec::new();
    let mut line = 2;
    for i in 1..=20_000u64 {
        let notes = match i % 1_000 {
            7 => "\"two\r\nlines\"",
            8 => "\"three\rold\rlines\"",
            _ => "plain; with; semicolons",
        };
        let email = if i == 15_000 {
            "not-an-email".to_string()
        } else {
            format!("p{i}@example.com")
        };
        text.push_str(&format!("{email},Ann,Lee {i},{notes}\r"));
        if i == 9_000 {
            text.push('\r'); // an empty line between rows
        }
        expected.push((i, line));
        line += match i % 1_000 {
            7 => 2,
            8 => 3,
            _ => 1,
        } + u64::from(i == 9_000);
    }
    let input = env.write_input("mac.csv", &text);

    let output = env.dry_run(&input, &[]);

    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let rows = read_results(&dry_results_path(&input));
    let lines: Vec<(u64, u64)> = rows.iter().map(|r| (r.row, r.line)).collect();
    assert_eq!(lines, expected);
    let bad_line = expected[14_999].1;
    assert!(
        stderr(&output).contains(&format!("row 15000 (line {bad_line})")),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_disk_that_fills_up_while_the_results_are_written_leaves_the_earlier_results_as_they_were() {
    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email,name\nana@example.com,Ana\n");
    let output = env.dry_run(&input, &[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let results = dry_results_path(&input);
    let earlier = std::fs::read(&results).expect("earlier results");
    // The list grows; the disk fills up after 64 KiB of any file (the shell's file-size limit,
    // with the signal that would kill the process ignored, so writes fail as on a full disk).
    let mut grown = String::from("email,name\n");
    for n in 0..20_000 {
        grown.push_str(&format!("person{n}@example.com,Person {n}\n"));
    }
    std::fs::write(&input, grown).expect("write input");
    let output = std::process::Command::new("bash")
        .current_dir(env.dir.path())
        .env("XDG_CACHE_HOME", env.cache())
        .args(["-c", "trap '' XFSZ; ulimit -f 64; exec \"$0\" \"$@\""])
        .arg(assert_cmd::cargo::cargo_bin("zimport"))
        .arg(&input)
        .args(["--meeting", "83927864687", "--dry-run"])
        .output()
        .expect("zimport runs");

    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    let said = stderr(&output);
    assert!(
        said.contains(&format!("cannot write {}", results.display()))
            && said.contains("left as it was"),
        "{said}"
    );
    assert_eq!(std::fs::read(&results).expect("kept"), earlier);
    let names = file_names(env.dir.path());
    assert!(
        !names.iter().any(|name| name.ends_with(".partial")),
        "{names:?}"
    );
}

#[test]
fn a_dry_run_asked_to_stop_stops_at_once_and_leaves_no_results_file() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use zimport::model::Interrupt;
    use zimport::zoom::control::Stopper;

    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email,name\nana@example.com,Ana\n");
    let output = env.dry_run(&input, &[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let results = dry_results_path(&input);
    let earlier = std::fs::read(&results).expect("earlier results");
    let mut grown = String::from("email,name\n");
    for n in 0..100_000 {
        grown.push_str(&format!("person{n}@example.com,Person {n}\n"));
    }
    std::fs::write(&input, grown).expect("write input");
    let (console, config) = crate::support::in_process_config(
        &[
            input.as_os_str(),
            "--meeting".as_ref(),
            "83927864687".as_ref(),
            "--dry-run".as_ref(),
            "-q".as_ref(),
        ],
        &[("XDG_CACHE_HOME", env.cache().display().to_string())],
    );
    let stopper = Stopper::default();
    let done = AtomicBool::new(false);

    let (result, asked) = std::thread::scope(|scope| {
        let stopping = scope.spawn(|| loop {
            // As main does on Ctrl-C: ask, and hear what the run does.
            if let Some(then) = stopper.stop(Interrupt::CtrlC) {
                return Some(then);
            }
            if done.load(Ordering::SeqCst) {
                return None;
            }
            std::thread::yield_now();
        });
        let result = zimport::run(&config, &console, &stopper);
        done.store(true, Ordering::SeqCst);
        (result, stopping.join().expect("stopper"))
    });

    assert!(
        asked.is_some_and(|then| then.contains("no results file")),
        "the dry run listens: {asked:?}"
    );
    let Err(error) = result else {
        panic!("the dry run stopped before its end");
    };
    assert_eq!(error.exit_code(), 130);
    assert!(
        error.to_string().contains("interrupted (Ctrl-C)"),
        "{error}"
    );
    assert_eq!(std::fs::read(&results).expect("kept"), earlier);
    let names = file_names(env.dir.path());
    assert!(
        !names.iter().any(|name| name.ends_with(".partial")),
        "{names:?}"
    );
}

#[test]
fn one_address_in_two_unicode_forms_is_one_person() {
    let env = TestEnv::new();
    // é as one character, then as e and a combining accent.
    let input = env.write_input(
        "people.csv",
        "email,first_name\njos\u{e9}@example.com,José\nJOSE\u{301}@example.com,José\n",
    );
    let output = env.dry_run(&input, &["-q"]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let rows = read_results(&dry_results_path(&input));
    assert_eq!(rows[1].status, "duplicate", "{:?}", rows[1]);
    assert!(rows[1].message.contains("as line 2"), "{:?}", rows[1]);
}
