//! Safe re-runs for cron (issue #4), through the real binary against the fake Zoom.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use fake_zoom::{Faults, Kind, Limits, Setup};

use crate::support::{
    handles_stop_signals, in_process_config, journal_of, people, read_lenient, read_results,
    results_path, wait_until, ZoomEnv, MEETING,
};

/// `count` people; every fifth has an extra field, so both batch and single adds are used.
fn mixed_people(count: usize) -> String {
    let mut text = String::from("email,first_name,last_name,city\n");
    for i in 0..count {
        let city = if i % 5 == 0 { "Lyon" } else { "" };
        text.push_str(&format!("person{i}@example.com,First{i},Last{i},{city}\n"));
    }
    text
}

/// Starts a 3,000-row run (batch and single adds) and kills it with SIGKILL five times, at
/// moments drawn from `seed` (once Zoom has 1 to 300 more people than the round began
/// with), then runs it plainly: every person ends registered once, the
/// results are complete, and nobody Zoom confirmed before a kill is sent again.
fn killed_five_times_then_rerun(seed: u64) {
    let zoom = ZoomEnv::start(Setup {
        faults: Faults {
            latency: Duration::from_millis(60),
            latency_jitter: Duration::from_millis(40),
            ..Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", mixed_people(3_000));
    let results = results_path(&input);
    let args = [
        "--meeting",
        "83927864687",
        "--plan",
        "business",
        "--concurrency",
        "4",
        "-q",
    ];
    // Requests each confirmed email had received when a kill happened.
    let mut confirmed: HashMap<String, u32> = HashMap::new();
    let moments = RandomState::new();

    for round in 0..5u64 {
        let before = zoom.zoom.registrants(Kind::Meeting, MEETING).len();
        let mut run = zoom.start_run(&input, &args);
        let jitter = if seed == 0 {
            moments.hash_one(round)
        } else {
            seed.wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(round * 1_442_695_040_888_963_407)
                >> 20
        };
        let more = 1 + usize::try_from(jitter % 300).expect("small");
        wait_until("the run registered some people", || {
            run.exited() || zoom.zoom.registrants(Kind::Meeting, MEETING).len() >= before + more
        });
        run.kill(); // SIGKILL
        for row in read_lenient(&journal_of(&results))
            .into_iter()
            .chain(read_lenient(&results))
        {
            if row.status == "registered" || row.status == "already_registered" {
                let sent = zoom.zoom.requests_for(&row.email);
                confirmed.entry(row.email.to_lowercase()).or_insert(sent);
            }
        }
    }
    assert!(
        !confirmed.is_empty(),
        "seed {seed}: some rows were confirmed before the kills"
    );
    assert!(
        confirmed.len() < 3_000,
        "seed {seed}: the kills interrupted real work"
    );

    let run = zoom.import(&input, &args[..6]);

    assert_eq!(run.code(), 0, "seed {seed}: {}", run.stderr());
    assert_eq!(run.rows.len(), 3_000, "seed {seed}");
    for row in &run.rows {
        assert!(
            row.status == "registered" || row.status == "already_registered",
            "seed {seed}: row {}: {} {}",
            row.row,
            row.status,
            row.message
        );
        assert!(row.join_url.starts_with("https://"), "{row:?}");
    }
    assert_eq!(
        zoom.zoom.registrants(Kind::Meeting, MEETING).len(),
        3_000,
        "seed {seed}: each person once"
    );
    for (email, sent) in &confirmed {
        assert_eq!(
            zoom.zoom.requests_for(email),
            *sent,
            "seed {seed}: {email} was confirmed, then sent again"
        );
    }
    assert!(
        !journal_of(&results).exists(),
        "the journal is removed after a complete run"
    );
}

#[test]
fn killed_five_times_then_rerun_registers_everyone_once_and_resends_nothing_confirmed() {
    // Seed 0: moments drawn afresh each time the test runs.
    killed_five_times_then_rerun(0);
}

#[test]
#[ignore = "twenty kill schedules take minutes: cargo test --test it twenty_kill -- --ignored"]
fn twenty_kill_schedules_each_end_with_everyone_registered_once() {
    for seed in 1..=20 {
        killed_five_times_then_rerun(seed);
    }
}

#[test]
fn a_second_run_sends_nothing_and_later_only_the_new_rows() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(200, false));
    let args = ["--meeting", "83927864687"];

    let first = zoom.import(&input, &args);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    let after_first = zoom.zoom.stats();

    let second = zoom.import(&input, &args);
    assert_eq!(second.code(), 0, "{}", second.stderr());
    let sent = |stats: fake_zoom::Stats| stats.single_adds + stats.batch_calls;
    assert_eq!(
        sent(zoom.zoom.stats()),
        sent(after_first),
        "no registration request"
    );
    assert_eq!(second.with_status("already_registered").len(), 200);
    // Said as a person reads it: no "0.0 rows/s" for a run that sent nothing.
    let plain = zoom
        .zimport()
        .arg(&input)
        .args(args)
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&plain.stderr);
    assert!(
        said.contains("Sent nothing: no row needed a registration request.")
            && !said.contains("rows/s"),
        "{said}"
    );
    let by_email: HashMap<&str, &str> = first
        .rows
        .iter()
        .map(|r| (r.email.as_str(), r.join_url.as_str()))
        .collect();
    for row in &second.rows {
        assert_eq!(
            by_email[row.email.as_str()],
            row.join_url,
            "join URLs are kept"
        );
    }

    let mut grown = people(300, false);
    grown = grown.replacen("person0@", "PERSON0@", 1); // the same person, another spelling
    std::fs::write(&input, grown).expect("append 100 rows");
    let third = zoom.import(&input, &args);

    assert_eq!(third.code(), 0, "{}", third.stderr());
    assert_eq!(third.with_status("already_registered").len(), 200);
    assert_eq!(third.with_status("registered").len(), 100);
    for i in 0..300 {
        assert_eq!(
            zoom.zoom.requests_for(&format!("person{i}@example.com")),
            1,
            "person{i}"
        );
    }
}

#[test]
fn a_second_run_on_the_same_output_is_refused_while_the_first_works() {
    let zoom = ZoomEnv::start(Setup {
        faults: Faults {
            latency: Duration::from_millis(200),
            ..Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(40, true));
    let lock = results_path(&input).with_file_name("people.meeting-83927864687.results.csv.lock");

    let first = zoom.start_run(&input, &["--meeting", "83927864687", "--concurrency", "2"]);
    wait_until("the first run holds its lock", || lock.exists());
    // Zoom holds the first run's requests: it is still working when the second one starts.
    let hold = zoom.zoom.hold_answers();
    let second = zoom
        .start_run(&input, &["--meeting", "83927864687"])
        .finish();
    drop(hold);
    let first_id = first.id();
    let first = first.finish();

    let said = crate::support::stderr(&second);
    assert_eq!(second.status.code(), Some(5), "busy: {said}");
    assert!(
        said.contains(&format!("another zimport (process {first_id}, started ")),
        "{said}"
    );
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(read_results(&results_path(&input)).len(), 40);
    assert!(!lock.exists(), "the lock is released");
}

#[test]
fn a_lock_file_left_by_a_killed_run_or_naming_a_live_unrelated_process_blocks_nobody() {
    let zoom = ZoomEnv::start(Setup {
        faults: Faults {
            latency: Duration::from_millis(100),
            ..Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(60, true));
    let lock = results_path(&input).with_file_name("people.meeting-83927864687.results.csv.lock");
    let args = ["--meeting", "83927864687", "--concurrency", "2"];

    let mut killed = zoom.start_run(&input, &args);
    wait_until("the run holds its lock and is sending", || {
        lock.exists() && !zoom.zoom.registrants(Kind::Meeting, MEETING).is_empty()
    });
    killed.kill();
    assert!(lock.exists(), "a killed run leaves its lock file behind");

    let after_kill = zoom.import(&input, &args);
    assert_eq!(after_kill.code(), 0, "{}", after_kill.stderr());
    assert_eq!(after_kill.rows.len(), 60);

    // PID 1 is alive, and holds no lock.
    std::fs::write(&lock, "1\n2026-11-22T03:00:00Z\n").expect("write lock");
    let unrelated = zoom.import(&input, &args);
    assert_eq!(unrelated.code(), 0, "{}", unrelated.stderr());
    assert_eq!(unrelated.with_status("already_registered").len(), 60);
    assert!(!lock.exists(), "the run removed the lock it held");
}

#[test]
fn ctrl_c_finishes_in_flight_work_writes_valid_results_and_exits_130() {
    let zoom = ZoomEnv::start(Setup {
        faults: Faults {
            latency: Duration::from_millis(100),
            ..Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(300, true));
    let args = ["--meeting", "83927864687", "--concurrency", "4"];

    let mut run = zoom.start_run(&input, &args);
    // Sending, so Ctrl-C asks the run to finish (during the checks it would quit at once).
    run.wait_for_signal_handlers();
    wait_until("Zoom has 20 people", || {
        zoom.zoom.registrants(Kind::Meeting, MEETING).len() >= 20
    });
    run.signal("INT");
    let output = run.finish();

    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = read_results(&results_path(&input));
    assert_eq!(rows.len(), 300, "every row has exactly one outcome");
    let registered = rows.iter().filter(|r| r.status == "registered").count();
    let pending = rows.iter().filter(|r| r.status == "pending").count();
    assert!(
        registered > 0 && pending > 0 && registered + pending == 300,
        "{registered} + {pending}"
    );
    assert!(rows
        .iter()
        .filter(|r| r.status == "pending")
        .all(|r| r.message.contains("interrupted")));
    assert!(!journal_of(&results_path(&input)).exists());

    let rerun = zoom.import(&input, &args);
    assert_eq!(rerun.code(), 0, "{}", rerun.stderr());
    assert_eq!(rerun.with_status("already_registered").len(), registered);
    assert_eq!(rerun.with_status("registered").len(), pending);
    assert_eq!(zoom.zoom.registrants(Kind::Meeting, MEETING).len(), 300);
}

#[test]
fn after_a_daily_limit_stop_the_next_day_finishes_the_pending_rows() {
    let zoom = ZoomEnv::start(Setup {
        limits: Limits {
            light_per_day: Some(60),
            ..Limits::unlimited()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(200, true));
    let args = ["--meeting", "83927864687", "--concurrency", "4"];

    let first = zoom.import(&input, &args);
    assert_eq!(first.code(), 4, "{}", first.stderr());
    // Two of the 60 Light requests are the checks before sending (event, questions).
    let registered = first.with_status("registered").len();
    assert_eq!(registered, 58);

    zoom.zoom.new_day();
    zoom.zoom.set_limits(Limits::unlimited());
    let second = zoom.import(&input, &args);

    assert_eq!(second.code(), 0, "{}", second.stderr());
    assert_eq!(second.with_status("already_registered").len(), registered);
    assert_eq!(second.with_status("registered").len(), 200 - registered);
    assert_eq!(zoom.zoom.registrants(Kind::Meeting, MEETING).len(), 200);
}

#[test]
fn env_file_readable_by_others_is_refused_and_a_private_one_works() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(3, false));
    let env_file = zoom.env.path("zoom.env");
    std::fs::write(
        &env_file,
        format!(
            "ZOOM_ACCOUNT_ID={}\nZOOM_CLIENT_ID={}\nZOOM_CLIENT_SECRET={}\nZOOM_OAUTH_URL={}\n",
            zoom.setup.account_id,
            zoom.setup.client_id,
            zoom.setup.client_secret,
            zoom.zoom.oauth_url()
        ),
    )
    .expect("write");
    let run_with_file = || {
        zoom.env
            .zimport()
            .arg(&input)
            .args(["--meeting", "83927864687", "--env-file"])
            .arg(&env_file)
            .output()
            .expect("runs")
    };

    std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let refused = run_with_file();
    let text = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{text}");
    assert!(
        text.contains("other users of this machine can read the client secret"),
        "{text}"
    );
    assert!(text.contains("chmod 600"), "{text}");
    assert!(!text.contains(&zoom.setup.client_secret), "{text}");

    std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let accepted = run_with_file();
    assert_eq!(
        accepted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    assert_eq!(zoom.zoom.registrants(Kind::Meeting, MEETING).len(), 3);
}

#[test]
fn without_a_terminal_progress_is_a_line_every_few_seconds_and_quiet_silences_it() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(200, true));
    let loud = zoom.import(
        &input,
        &[
            "--meeting",
            "83927864687",
            "--plan",
            "pro",
            "--max-rps",
            "30",
        ],
    );
    assert_eq!(loud.code(), 0, "{}", loud.stderr());
    assert!(
        loud.stderr().contains("progress: "),
        "a ~7 s run logs progress: {}",
        loud.stderr()
    );

    let quiet_input = zoom
        .env
        .write_input("quiet.csv", people(200, true).replace("person", "quiet"));
    let quiet = zoom
        .zimport()
        .arg(&quiet_input)
        .args(["--meeting", "83927864687", "--max-rps", "30", "-q"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&quiet.stderr);
    assert_eq!(quiet.status.code(), Some(0), "{text}");
    assert!(
        !text.contains("progress: ") && !text.contains("note: "),
        "{text}"
    );
    assert!(
        text.contains("Rows: 200") && text.contains("registered"),
        "the summary stays: {text}"
    );
}

#[test]
fn a_second_ctrl_c_quits_at_once_and_the_next_run_finishes_from_the_journal() {
    let zoom = ZoomEnv::start(Setup {
        faults: Faults {
            latency: Duration::from_millis(300),
            ..Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(200, true));
    let args = ["--meeting", "83927864687", "--concurrency", "4"];
    let results = results_path(&input);

    let mut run = zoom.start_run(&input, &args);
    wait_until("the journal holds someone Zoom confirmed", || {
        read_lenient(&journal_of(&results))
            .iter()
            .any(|row| row.status == "registered")
    });
    // Zoom holds the requests from here on: the ones in flight cannot finish, so the run can
    // only end if the second Ctrl-C does not wait for them.
    let hold = zoom.zoom.hold_answers();
    wait_until("a request is held in flight", || zoom.zoom.held() > 0);
    run.signal("INT");
    run.wait_for_stderr("press Ctrl-C again to quit at once");
    run.signal("INT");
    let output = run.finish();
    drop(hold);
    assert!(
        crate::support::stderr(&output).contains("while finishing: quitting now"),
        "{}",
        crate::support::stderr(&output)
    );
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!results.exists(), "no half-written results file");
    let journal = read_lenient(&journal_of(&results));
    let confirmed = journal.iter().filter(|r| r.status == "registered").count();
    assert!(confirmed > 0, "the journal kept what Zoom confirmed");

    let rerun = zoom.import(&input, &args);
    assert_eq!(rerun.code(), 0, "{}", rerun.stderr());
    assert!(
        rerun
            .stderr()
            .contains("meeting-83927864687.results.csv.journal, left by a run that did not finish"),
        "the note names the file the memory is in: {}",
        rerun.stderr()
    );
    assert_eq!(rerun.rows.len(), 200);
    assert_eq!(zoom.zoom.registrants(Kind::Meeting, MEETING).len(), 200);
}

/// The nightly re-run of issue 12: `count` people, CRLF line ends, a `City` column that is empty
/// for the first `empty_city` rows and `Rome` for the rest.
fn growing_list(count: usize, empty_city: usize) -> String {
    let mut text = String::from("Email,First Name,Last Name,City\r\n");
    for i in 0..count {
        let city = if i < empty_city { "" } else { "Rome" };
        text.push_str(&format!(
            "person{i}@example.com,First{i},Last{i},{city}\r\n"
        ));
    }
    text
}

#[test]
fn a_growing_list_near_the_events_capacity_registers_only_the_new_people() {
    // The meeting takes 4,999. 2,000 are in; the list grows to 3,000, more than 64 KiB, so
    // Zoom's people plus the file's rows exceed the capacity and the rows to send are counted.
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom
        .env
        .write_input("people.csv", growing_list(2_000, 2_000));
    let args = ["--meeting", "83927864687", "--plan", "business"];
    let first = zoom.import(&input, &args);
    first.assert_all_registered(2_000);

    std::fs::write(&input, growing_list(3_000, 2_400)).expect("the list grows");
    assert!(std::fs::metadata(&input).expect("input").len() > 2 * 64 * 1024);
    let second = zoom.import(&input, &args);

    assert_eq!(second.code(), 0, "{}", second.stderr());
    assert_eq!(second.rows.len(), 3_000);
    assert_eq!(second.with_status("already_registered").len(), 2_000);
    assert_eq!(second.with_status("registered").len(), 1_000);
    let registrants = zoom.zoom.registrants(Kind::Meeting, MEETING);
    assert_eq!(registrants.len(), 3_000, "each person once");
    let rome = registrants
        .iter()
        .filter(|r| r.fields.get("city").and_then(|c| c.as_str()) == Some("Rome"))
        .count();
    assert_eq!(rome, 600, "the rows with a city went singly with it");
    for i in 0..3_000 {
        assert_eq!(
            zoom.zoom.requests_for(&format!("person{i}@example.com")),
            1,
            "person{i}"
        );
    }

    let sent_before = zoom.zoom.stats();
    let third = zoom.import(&input, &args);
    assert_eq!(third.code(), 0, "{}", third.stderr());
    assert_eq!(third.with_status("already_registered").len(), 3_000);
    let sent_after = zoom.zoom.stats();
    assert_eq!(
        (sent_after.single_adds, sent_after.batch_calls),
        (sent_before.single_adds, sent_before.batch_calls),
        "a re-run sends nothing"
    );
}

#[test]
fn a_stop_asked_for_in_process_finishes_the_requests_in_flight_and_exits_130_or_143() {
    use zimport::model::Interrupt;
    use zimport::zoom::control::Stopper;

    for (how, code) in [(Interrupt::CtrlC, 130), (Interrupt::Terminate, 143)] {
        let zoom = ZoomEnv::start(Setup {
            faults: Faults {
                latency: Duration::from_millis(50),
                ..Faults::default()
            },
            ..Setup::default()
        });
        let input = zoom.env.write_input("people.csv", people(300, true));
        let results = results_path(&input);
        let (console, config) = in_process_config(
            &[
                input.as_os_str(),
                "--meeting".as_ref(),
                "83927864687".as_ref(),
                "--concurrency".as_ref(),
                "4".as_ref(),
                "-q".as_ref(),
            ],
            &zoom.in_process_env(),
        );
        let stopper = Stopper::default();

        let summary = std::thread::scope(|scope| {
            let stopping = scope.spawn(|| {
                wait_until("the run got going", || {
                    zoom.zoom.registrants(Kind::Meeting, MEETING).len() >= 20
                });
                assert!(stopper.stop(how).is_some(), "a run that sends listens");
            });
            let summary = zimport::run(&config, &console, &stopper).expect("the run ends");
            stopping.join().expect("stopper");
            summary
        });

        assert_eq!(i32::from(summary.exit_code()), code, "{how:?}");
        assert!(
            stopper.stop(how).is_none(),
            "nobody listens once the run is over"
        );
        let rows = read_results(&results);
        assert_eq!(rows.len(), 300, "every row has exactly one outcome");
        let registered = rows.iter().filter(|r| r.status == "registered").count();
        let pending: Vec<_> = rows.iter().filter(|r| r.status == "pending").collect();
        assert!(
            registered >= 20 && !pending.is_empty(),
            "{registered} registered"
        );
        assert_eq!(registered + pending.len(), 300);
        assert!(pending.iter().all(|r| r.message.contains("interrupted")));
        assert_eq!(
            zoom.zoom.registrants(Kind::Meeting, MEETING).len(),
            registered,
            "the requests in flight finished and were recorded"
        );
        assert!(!journal_of(&results).exists());
    }
}

#[test]
fn sigterm_finishes_in_flight_work_and_exits_143() {
    let zoom = ZoomEnv::start(Setup {
        faults: Faults {
            latency: Duration::from_millis(100),
            ..Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(200, true));
    let mut run = zoom.start_run(&input, &["--meeting", "83927864687", "--concurrency", "4"]);
    run.wait_for_signal_handlers();
    wait_until("Zoom has someone", || {
        !zoom.zoom.registrants(Kind::Meeting, MEETING).is_empty()
    });
    run.signal("TERM");
    let output = run.finish();

    assert_eq!(
        output.status.code(),
        Some(143),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("Terminated (SIGTERM): rows not sent are pending"),
        "{said}"
    );
    let rows = read_results(&results_path(&input));
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().any(|r| r.status == "pending"));
}

#[test]
fn a_signal_before_sending_quits_at_once_and_still_gives_its_one_json_object() {
    use std::io::Write;
    let zoom = ZoomEnv::start(Setup::default());
    // Standard input that stays open: the run is still reading its input when the signal comes.
    let mut child = zoom
        .program(env!("CARGO_BIN_EXE_zimport"))
        .args(["-", "--meeting", "83927864687", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("zimport starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"email,first_name,last_name\nana@example.com,Ana,Lee\n")
        .expect("writes");
    wait_until("zimport handles SIGTERM", || {
        handles_stop_signals(child.id())
    });
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let output = child.wait_with_output().expect("exits");
    drop(stdin);

    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{said}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    let error = json["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("terminated (SIGTERM) while nothing was being sent"),
        "{json}"
    );
    assert!(zoom.zoom.registrants(Kind::Meeting, MEETING).is_empty());
}

#[test]
fn one_csv_for_two_events_keeps_both_results_files_by_default() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(40, false));

    let meeting = zoom.import(&input, &["--meeting", "83927864687"]);
    let webinar = zoom.import(&input, &["--webinar", "98765432109"]);

    assert_eq!(meeting.code(), 0, "{}", meeting.stderr());
    assert_eq!(webinar.code(), 0, "{}", webinar.stderr());
    let meeting_results = zoom.env.path("people.meeting-83927864687.results.csv");
    let webinar_results = zoom.env.path("people.webinar-98765432109.results.csv");
    assert_eq!(read_results(&meeting_results).len(), 40);
    assert_eq!(read_results(&webinar_results).len(), 40);
    assert!(read_results(&webinar_results)
        .iter()
        .all(|r| r.event == "webinar 98765432109" && r.status == "registered"));
    // Each is its event's memory: a re-run for the meeting sends nothing.
    let sent = |stats: fake_zoom::Stats| stats.single_adds + stats.batch_calls;
    let before = sent(zoom.zoom.stats());
    let again = zoom.import(&input, &["--meeting", "83927864687", "--no-skip-existing"]);
    assert_eq!(again.code(), 0, "{}", again.stderr());
    assert_eq!(sent(zoom.zoom.stats()), before);
    assert_eq!(again.with_status("already_registered").len(), 40);
}

#[test]
fn an_upgrade_takes_over_the_old_default_results_name_for_its_own_event_only() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(30, false));
    // What a run before per-event names left: people.results.csv, for the meeting.
    let old = zoom.env.path("people.results.csv");
    let first = zoom.import(
        &input,
        &["--meeting", "83927864687", "-o", "people.results.csv"],
    );
    assert_eq!(first.code(), 0, "{}", first.stderr());
    let before = zoom.zoom.stats();

    // Another event does not take it.
    let webinar = zoom.import(&input, &["--webinar", "98765432109"]);
    assert_eq!(webinar.code(), 0, "{}", webinar.stderr());
    assert!(old.exists(), "the meeting's results stay where they are");
    assert!(!webinar.stderr().contains("moved the earlier results"));

    let upgraded = zoom.import(&input, &["--meeting", "83927864687", "--no-skip-existing"]);

    assert_eq!(upgraded.code(), 0, "{}", upgraded.stderr());
    assert!(
        upgraded.stderr().contains("moved the earlier results"),
        "{}",
        upgraded.stderr()
    );
    assert!(!old.exists());
    assert_eq!(upgraded.with_status("already_registered").len(), 30);
    assert_eq!(
        zoom.zoom.stats().single_adds + zoom.zoom.stats().batch_calls,
        before.single_adds + before.batch_calls + 1,
        "only the webinar's one batch was sent: the meeting's people are remembered"
    );
    assert!(results_path(&input).exists());
}

#[test]
fn excel_results_start_with_a_byte_order_mark_and_still_serve_as_memory() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input(
        "people.csv",
        "email,first_name,last_name\nana@example.com,José,Núñez\n",
    );

    let first = zoom.import(&input, &["--meeting", "83927864687", "--excel"]);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    let bytes = std::fs::read(results_path(&input)).expect("results");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFrow,email,"),
        "{:?}",
        &bytes[..10]
    );
    assert_eq!(first.rows[0].first_name, "José");

    let again = zoom.import(&input, &["--meeting", "83927864687", "--no-skip-existing"]);
    assert_eq!(again.code(), 0, "{}", again.stderr());
    assert_eq!(
        again.with_status("already_registered").len(),
        1,
        "read as memory"
    );
    assert!(!std::fs::read(results_path(&input))
        .expect("results")
        .starts_with(b"\xEF\xBB\xBF"));
}

#[test]
fn columns_zimport_does_not_send_are_carried_to_the_end_of_every_results_row() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom
        .preregister(Kind::Meeting, MEETING, "known@example.com", "approved");
    let input = zoom.env.write_input(
        "people.csv",
        // The header's trailing comma leaves a column without a title, as spreadsheets do.
        "Email,First Name,Ticket,status,Notes,\r\n\
         ana@example.com,Ana,T-1,VIP,\"two\r\nlines, and a comma\",\r\n\
         bo@example.com,Bo,T-2,,=SUM(A1),\r\n\
         known@example.com,Kim,T-3,,,\r\n\
         bad-address,Cy,T-4,x,y,kept\r\n",
    );

    let check = |run: &crate::support::Run| {
        let path = results_path(&input);
        let mut reader = csv::Reader::from_path(&path).expect("results");
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(
            &header[crate::support::RESULTS_COLUMNS.len()..],
            ["Ticket", "input status", "Notes", "column 6"],
            "{header:?}"
        );
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.expect("row").iter().map(String::from).collect())
            .collect();
        let carried: Vec<&[String]> = rows.iter().map(|r| &r[13..]).collect();
        assert_eq!(carried[0], ["T-1", "VIP", "two\r\nlines, and a comma", ""]);
        assert_eq!(
            carried[1],
            ["T-2", "", "'=SUM(A1)", ""],
            "neutralised as every cell"
        );
        assert_eq!(carried[2], ["T-3", "", "", ""]);
        assert_eq!(carried[3], ["T-4", "x", "y", "kept"]);
        let statuses: Vec<String> = rows.iter().map(|r| r[4].clone()).collect();
        (statuses, run.code())
    };

    let first = zoom.import(&input, &["--meeting", "83927864687"]);
    let (statuses, code) = check(&first);
    assert_eq!(code, 1, "{}", first.stderr());
    assert_eq!(
        statuses,
        ["registered", "registered", "already_registered", "invalid"]
    );
    // The results file with carried columns is the next run's memory.
    let again = zoom.import(&input, &["--meeting", "83927864687", "--no-skip-existing"]);
    let (statuses, _) = check(&again);
    assert_eq!(
        statuses,
        [
            "already_registered",
            "already_registered",
            "already_registered",
            "invalid"
        ]
    );
}
