//! Every loop and buffer fed from outside has a bound (issue 31): list pages that never end, a
//! header of thousands of columns, endless input on a pipe, an answer with thousands of field
//! errors. Each run ends quickly, without a panic, and every row it read has one status.

use std::time::{Duration, Instant};

use fake_zoom::{EndlessPages, Faults, Kind, Setup};

use crate::support::{exit_code, people, stderr, TestEnv, ZoomEnv, MEETING};

/// A fake whose registrant lists never end, as `endless` says, with five people in them.
fn endless(endless: EndlessPages) -> ZoomEnv {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.set_faults(Faults {
        endless_pages: Some(endless),
        ..Faults::default()
    });
    for i in 0..5 {
        zoom.zoom.preregister(
            Kind::Meeting,
            MEETING,
            &format!("person{i}@example.com"),
            "approved",
        );
    }
    zoom
}

fn writes(zoom: &ZoomEnv) -> usize {
    zoom.zoom
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v2/") && r.method != "GET")
        .count()
}

#[test]
fn a_list_whose_pages_never_end_stops_the_run_before_sending_with_exit_4() {
    for kind in [
        EndlessPages::SameToken,
        EndlessPages::SamePeople,
        EndlessPages::NewPeople,
    ] {
        let zoom = endless(kind);
        let input = zoom.env.write_input("people.csv", people(10, false));
        let started = Instant::now();
        let run = zoom.import(&input, &["--meeting", "83927864687"]);
        assert!(started.elapsed() < Duration::from_secs(60), "{kind:?}");
        assert_eq!(run.code(), 4, "{kind:?}: {}", run.stderr());
        assert!(
            run.stderr().contains("did not end"),
            "{kind:?}: {}",
            run.stderr()
        );
        assert_eq!(writes(&zoom), 0, "{kind:?}: nothing sent");

        // An export of it ends the same way.
        let output = zoom
            .zimport()
            .args(["export", "--meeting", "83927864687", "-o"])
            .arg(zoom.env.path("export.csv"))
            .output()
            .expect("runs");
        assert_eq!(exit_code(&output), 4, "{kind:?}: {}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"));
    }
}

#[test]
fn a_header_of_thousands_of_columns_is_refused_and_a_thousand_equal_titles_are_quick() {
    let env = TestEnv::new();
    let wide = format!("email,first_name{}\na@x.com,Ann\n", ",Notes".repeat(2_000));
    let input = env.write_input("wide.csv", wide);
    let started = Instant::now();
    let output = env.dry_run(&input, &[]);
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("2002 columns, more than the 1000"),
        "{}",
        stderr(&output)
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    // Under the cap, titles that clash with the results' own are renamed once each.
    let many = format!(
        "email,first_name{}\na@x.com,Ann{}\n",
        ",status".repeat(990),
        ",x".repeat(990)
    );
    let input = env.write_input("many.csv", many);
    let started = Instant::now();
    let output = env.dry_run(&input, &["-q"]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(20));
    let results = crate::support::dry_results_path(&input);
    let header = std::fs::read_to_string(&results).expect("results");
    let header = header.lines().next().expect("header");
    assert!(header.len() < 30_000, "{} bytes", header.len());
    assert!(
        header.ends_with("input status (990)"),
        "{}",
        &header[header.len() - 40..]
    );
}

#[test]
fn endless_input_on_a_pipe_is_refused_while_it_is_copied() {
    let env = TestEnv::new();
    // `zimport - < /dev/zero`: the first NUL ends it.
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let started = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zimport"))
        .current_dir(env.dir.path())
        .env("XDG_CACHE_HOME", env.cache())
        .env_remove("ZOOM_ACCOUNT_ID")
        .args(["-", "--meeting", "83927864687", "--dry-run"])
        .stdin(zero)
        .output()
        .expect("runs");
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("line 1: NUL byte"),
        "{}",
        stderr(&output)
    );
    assert!(started.elapsed() < Duration::from_secs(30));

    // A line longer than any row may be (`yes | tr -d '\n'`): refused at its first MiB.
    let output = env
        .zimport()
        .args(["-", "--meeting", "83927864687", "--dry-run"])
        .write_stdin(format!("email,first_name\n{}", "y".repeat(3 << 20)))
        .output()
        .expect("runs");
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("line 2 is longer than 1024 KiB"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_answer_with_thousands_of_field_errors_gives_each_row_a_short_message() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.set_faults(Faults {
        field_errors: 3_500,
        ..Faults::default()
    });
    let input = zoom.env.write_input("people.csv", people(20, true));
    let run = zoom.import(&input, &["--meeting", "83927864687", "--mode", "single"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert_eq!(run.rows.len(), 20);
    for row in &run.rows {
        assert_eq!(row.status, "failed", "{row:?}");
        assert!(row.message.len() < 2_000, "{} bytes", row.message.len());
        assert!(row.message.contains("[and 3495 more]"), "{}", row.message);
    }
    assert!(
        run.stderr().len() < 50_000,
        "{} bytes on stderr",
        run.stderr().len()
    );
}
