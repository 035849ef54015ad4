//! The read-only checks before sending (issue #5), through the binary against the fake Zoom.

use fake_zoom::{CustomQuestion, EventSetup, Kind, Setup};

use crate::support::{people, ZoomEnv, MEETING, WEBINAR};

fn sent(zoom: &ZoomEnv) -> u64 {
    let stats = zoom.zoom.stats();
    stats.single_adds + stats.batch_calls
}

#[test]
fn a_token_without_the_registrant_write_scope_stops_dry_and_real_runs() {
    for scopes in [
        vec!["meeting:read:admin"],
        vec![
            "meeting:read:meeting:admin",
            "meeting:read:list_registrants:admin",
            "webinar:write:admin",
        ],
    ] {
        let zoom = ZoomEnv::start(Setup {
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Setup::default()
        });
        let input = zoom.env.write_input("people.csv", people(20, false));
        for extra in [&["--dry-run"][..], &[][..]] {
            let mut args = vec!["--meeting", "83927864687"];
            args.extend_from_slice(extra);
            let run = zoom.import(&input, &args);
            assert_eq!(run.code(), 3, "{scopes:?} {extra:?}: {}", run.stderr());
            let text = run.stderr();
            assert!(
                text.contains("meeting:write:registrant:admin")
                    && text.contains("meeting:write:admin"),
                "{text}"
            );
            assert!(text.contains("App Marketplace"), "{text}");
        }
        assert_eq!(sent(&zoom), 0, "nothing is sent");
    }
}

#[test]
fn granular_scopes_are_enough_and_without_batch_scope_rows_go_singly() {
    let zoom = ZoomEnv::start(Setup {
        scopes: [
            "meeting:write:registrant:admin",
            "meeting:read:meeting:admin",
            "meeting:read:list_registrants:admin",
            "meeting:read:list_registration_questions:admin",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(40, false));

    let run = zoom.import(&input, &["--meeting", "83927864687"]);

    run.assert_all_registered(40);
    assert_eq!(run.code(), 0);
    let stats = zoom.zoom.stats();
    assert_eq!((stats.batch_calls, stats.single_adds), (0, 40));
    assert!(
        run.stderr()
            .contains("lacks meeting:write:batch_registrants:admin"),
        "{}",
        run.stderr()
    );
}

#[test]
fn events_that_cannot_take_registrations_stop_before_anything_is_sent() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.add_event(
        Kind::Meeting,
        111_111_111,
        EventSetup {
            approval_type: 2,
            ..EventSetup::scheduled_meeting()
        },
    );
    zoom.zoom.add_event(
        Kind::Meeting,
        222_222_222,
        EventSetup {
            event_type: 1,
            ..EventSetup::scheduled_meeting()
        },
    );
    zoom.zoom.add_event(
        Kind::Meeting,
        333_333_333,
        EventSetup {
            over: true,
            ..EventSetup::scheduled_meeting()
        },
    );
    let input = zoom.env.write_input("people.csv", people(30, false));

    for (id, expected) in [
        ("111111111", "turn on Registration"),
        ("222222222", "instant meeting"),
        ("333333333", "is over"),
    ] {
        for dry in [true, false] {
            let mut args = vec!["--meeting", id];
            if dry {
                args.push("--dry-run");
            }
            let run = zoom.import(&input, &args);
            assert_eq!(run.code(), 3, "{id}: {}", run.stderr());
            assert!(run.stderr().contains(expected), "{id}: {}", run.stderr());
        }
    }
    assert_eq!(sent(&zoom), 0);
}

fn survey_meeting(zoom: &ZoomEnv) {
    zoom.zoom.add_event(
        Kind::Meeting,
        444_444_444,
        EventSetup {
            questions: vec![("city".to_string(), true)],
            custom_questions: vec![
                CustomQuestion {
                    title: "Company size".to_string(),
                    kind: "single".to_string(),
                    required: true,
                    answers: vec!["1-50".to_string(), "51-500".to_string(), "500+".to_string()],
                },
                CustomQuestion {
                    title: "How did you hear about us?".to_string(),
                    kind: "short".to_string(),
                    required: false,
                    answers: Vec::new(),
                },
            ],
            ..EventSetup::scheduled_meeting()
        },
    );
}

#[test]
fn required_questions_are_checked_per_row_and_answers_arrive_as_custom_questions() {
    let zoom = ZoomEnv::start(Setup::default());
    survey_meeting(&zoom);
    let input = zoom.env.write_input(
        "people.csv",
        "email,first_name,city,company size,How did you hear about us?\n\
         ana@example.com,Ana,Lyon,51-500,a friend\n\
         bob@example.com,Bob,Oslo,,\n\
         cy@example.com,Cy,,1-50,\n\
         di@example.com,Di,Rome,huge,\n\
         ed@example.com,Ed,Kyiv,500+,\n",
    );

    let dry = zoom.import(&input, &["--meeting", "444444444", "--dry-run"]);
    assert_eq!(dry.code(), 1, "{}", dry.stderr());
    let status: Vec<&str> = dry.rows.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(status, ["valid", "invalid", "invalid", "invalid", "valid"]);
    assert!(
        dry.rows[1]
            .message
            .contains("requires an answer to 'Company size'"),
        "{}",
        dry.rows[1].message
    );
    assert!(
        dry.rows[2]
            .message
            .contains("city is required by the event's registration form"),
        "{}",
        dry.rows[2].message
    );
    assert!(
        dry.rows[3]
            .message
            .contains("'huge' is not one of the answers to 'Company size' (1-50, 51-500, 500+)"),
        "{}",
        dry.rows[3].message
    );
    assert!(
        dry.stderr().contains("custom question 'Company size'"),
        "mapping shown: {}",
        dry.stderr()
    );
    assert_eq!(sent(&zoom), 0, "a dry run sends nothing");

    let run = zoom.import(&input, &["--meeting", "444444444"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    for email in ["bob@example.com", "cy@example.com", "di@example.com"] {
        assert_eq!(zoom.zoom.requests_for(email), 0, "{email} is never sent");
    }
    let registrants = zoom.zoom.registrants(Kind::Meeting, 444_444_444);
    let ana = registrants
        .iter()
        .find(|r| r.email == "ana@example.com")
        .expect("registered");
    assert_eq!(
        ana.fields["custom_questions"],
        serde_json::json!([
            {"title": "Company size", "value": "51-500"},
            {"title": "How did you hear about us?", "value": "a friend"}
        ])
    );
    let ed = registrants
        .iter()
        .find(|r| r.email == "ed@example.com")
        .expect("registered");
    assert_eq!(
        ed.fields["custom_questions"],
        serde_json::json!([{"title": "Company size", "value": "500+"}])
    );
}

#[test]
fn people_zoom_already_lists_are_not_sent_again() {
    let zoom = ZoomEnv::start(Setup::default());
    for i in 0..400 {
        zoom.zoom.preregister(
            Kind::Meeting,
            MEETING,
            &format!("person{}@example.com", i * 2),
            "approved",
        );
    }
    for i in [1, 3, 5] {
        zoom.zoom.preregister(
            Kind::Meeting,
            MEETING,
            &format!("person{i}@example.com"),
            "denied",
        );
    }
    let input = zoom.env.write_input("people.csv", people(1_000, false));

    let run = zoom.import(&input, &["--meeting", "83927864687"]);

    assert_eq!(
        run.code(),
        1,
        "denied people are failed rows: {}",
        run.stderr()
    );
    let already = run.with_status("already_registered");
    assert_eq!(already.len(), 400);
    assert!(
        already.iter().all(|r| r.join_url.starts_with("https://")),
        "join URLs from Zoom's list"
    );
    let failed = run.with_status("failed");
    assert_eq!(failed.len(), 3);
    assert!(
        failed.iter().all(|r| r.message.contains("host denied")),
        "{:?}",
        failed[0].message
    );
    assert_eq!(run.with_status("registered").len(), 597);
    for i in 0..400 {
        assert_eq!(
            zoom.zoom
                .requests_for(&format!("person{}@example.com", i * 2)),
            0
        );
    }
    assert_eq!(
        zoom.zoom.requests_for("person1@example.com"),
        0,
        "denied ones are not re-sent"
    );
    assert!(
        run.stderr()
            .contains("Zoom already lists 403 registrants (400 approved, 0 pending, 3 denied)"),
        "{}",
        run.stderr()
    );

    let run = zoom.import(
        &input,
        &[
            "--meeting",
            "83927864687",
            "--no-skip-existing",
            "-o",
            "again.csv",
        ],
    );
    assert!(
        zoom.zoom.requests_for("person0@example.com") > 0,
        "--no-skip-existing sends them"
    );
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn a_dry_run_shows_what_zoom_and_earlier_runs_already_know_and_sends_nothing() {
    let zoom = ZoomEnv::start(Setup::default());
    for (email, status) in [
        ("in-zoom@example.com", "approved"),
        ("denied@example.com", "denied"),
        ("awaiting@example.com", "pending"),
    ] {
        zoom.zoom.preregister(Kind::Meeting, MEETING, email, status);
    }
    let header = "email,first_name,last_name\n";
    let earlier = "ana@example.com,Ana,A\nbob@example.com,Bob,B\n";
    let input = zoom
        .env
        .write_input("people.csv", format!("{header}{earlier}"));
    let first = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    let sent_before = sent(&zoom);

    let more = "in-zoom@example.com,In,Zoom\ndenied@example.com,De,Nied\n\
                awaiting@example.com,A,Waiting\nnew@example.com,New,Person\nbad,B,C\n\
                ANA@example.com,Ana,Again\n";
    let input = zoom
        .env
        .write_input("people.csv", format!("{header}{earlier}{more}"));
    let dry = zoom.import(&input, &["--meeting", "83927864687", "--dry-run"]);

    assert_eq!(dry.code(), 1, "{}", dry.stderr());
    assert_eq!(sent(&zoom), sent_before, "a dry run sends nothing");
    let seen: Vec<(&str, &str)> = dry
        .rows
        .iter()
        .map(|r| (r.email.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("ana@example.com", "already_registered"),
            ("bob@example.com", "already_registered"),
            ("in-zoom@example.com", "already_registered"),
            ("denied@example.com", "failed"),
            ("awaiting@example.com", "already_registered"),
            ("new@example.com", "valid"),
            ("bad", "invalid"),
            ("ANA@example.com", "duplicate"),
        ]
    );
    let message = |i: usize| dry.rows[i].message.as_str();
    // Zoom's own list comes first: the earlier run's people are in it now.
    assert!(
        message(0).contains("already registered in Zoom"),
        "{}",
        message(0)
    );
    assert_eq!(dry.rows[0].registrant_id, first.rows[0].registrant_id);
    assert!(dry.rows[0].join_url.starts_with("https://"));
    assert!(
        message(2).contains("already registered in Zoom"),
        "{}",
        message(2)
    );
    assert!(message(3).contains("host denied"), "{}", message(3));
    assert!(
        message(4).contains("awaiting the host's approval"),
        "{}",
        message(4)
    );
    assert!(message(5).is_empty(), "{}", message(5));
    assert!(message(6).contains("no '@'"), "{}", message(6));
    assert!(message(7).contains("same email"), "{}", message(7));
    assert_eq!(dry.rows[7].first_name, "Ana");
    assert_eq!(dry.rows[7].last_name, "Again");

    // Without credentials only the results file speaks: what it confirmed is not sent again.
    let output = zoom.env.dry_run(&input, &[]);
    assert_eq!(crate::support::exit_code(&output), 1);
    let offline = crate::support::read_results(&crate::support::dry_results_path(&input));
    let confirmed: Vec<&str> = offline
        .iter()
        .filter(|r| r.message.contains("registered by an earlier run"))
        .map(|r| r.email.as_str())
        .collect();
    // The real run's results are the memory: the dry run before did not replace them.
    assert_eq!(confirmed, ["ana@example.com", "bob@example.com"]);
    assert_eq!(offline[1].registrant_id, first.rows[1].registrant_id);
    assert_eq!(
        offline[3].status, "valid",
        "a denied row was never confirmed"
    );
}

#[test]
fn recurring_meetings_take_occurrences_and_never_batch() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom
        .add_event(Kind::Meeting, 555_555_555, EventSetup::recurring_meeting(2));
    let input = zoom.env.write_input("people.csv", people(40, false));

    let missing = zoom.import(&input, &["--meeting", "555555555"]);
    assert_eq!(missing.code(), 3);
    assert!(
        missing
            .stderr()
            .contains("choose them with --occurrence ID"),
        "{}",
        missing.stderr()
    );
    assert!(
        missing
            .stderr()
            .contains("1764604800000, 1765209600000, 1765814400000"),
        "{}",
        missing.stderr()
    );

    let unknown = zoom.import(&input, &["--meeting", "555555555", "--occurrence", "1234"]);
    assert_eq!(unknown.code(), 3);
    assert!(
        unknown
            .stderr()
            .contains("--occurrence 1234 is not an occurrence"),
        "{}",
        unknown.stderr()
    );
    assert_eq!(sent(&zoom), 0);

    let run = zoom.import(
        &input,
        &[
            "--meeting",
            "555555555",
            "--occurrence",
            "1765209600000",
            "--occurrence",
            "1765814400000",
        ],
    );
    run.assert_all_registered(40);
    assert_eq!(zoom.zoom.stats().batch_calls, 0);
    for registrant in zoom.zoom.registrants(Kind::Meeting, 555_555_555) {
        assert_eq!(
            registrant.fields["occurrence_ids"],
            "1765209600000,1765814400000"
        );
    }
}

#[test]
fn capacity_is_checked_before_anything_is_sent() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.add_event(
        Kind::Meeting,
        666_666_666,
        EventSetup {
            capacity: 4_999,
            ..EventSetup::scheduled_meeting()
        },
    );
    for i in 0..4_990 {
        zoom.zoom.preregister(
            Kind::Meeting,
            666_666_666,
            &format!("early{i}@example.com"),
            "approved",
        );
    }
    let input = zoom.env.write_input("people.csv", people(20, false));

    // A dry run says the same, and like the real run leaves no results file.
    for dry in [true, false] {
        let mut args = vec!["--meeting", "666666666"];
        if dry {
            args.push("--dry-run");
        }
        let run = zoom.import(&input, &args);

        assert_eq!(run.code(), 3, "{}", run.stderr());
        assert!(
            run.stderr()
                .contains("has 4990 registrants and this file would add 20, more than the 4999"),
            "{}",
            run.stderr()
        );
        assert_eq!(sent(&zoom), 0);
        let files: Vec<String> = crate::support::file_names(&zoom.env.path("."))
            .into_iter()
            .filter(|name| name.contains("results"))
            .collect();
        assert!(files.is_empty(), "dry run {dry}: {files:?}");
    }
}

#[test]
fn a_token_zoom_accepts_for_reading_but_refuses_for_registering_is_explained() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.refuse_writes(true);
    let input = zoom.env.write_input("people.csv", people(10, true));

    let run = zoom.import(&input, &["--meeting", "83927864687"]);

    assert_eq!(run.code(), 3, "{}", run.stderr());
    let text = run.stderr();
    assert!(text.contains("accepted this app's token for reading meeting 83927864687 but refused it for registering"), "{text}");
    assert!(text.contains("another process uses the same app"), "{text}");
    assert!(
        zoom.zoom.stats().single_adds <= 2 * 16,
        "stops within the requests in flight"
    );
}

#[test]
fn json_summary_of_a_real_run_matches_the_results_file() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom
        .use_up_adds(Kind::Meeting, MEETING, "person4@example.com");
    zoom.zoom
        .preregister(Kind::Meeting, MEETING, "person7@example.com", "approved");
    let mut text = people(30, false);
    text.push_str("not-an-email,X,Y\nperson2@example.com,Again,Dup\n");
    let input = zoom.env.write_input("people.csv", text);

    let run = zoom.import(&input, &["--meeting", "83927864687", "--mode", "single"]);

    assert_eq!(run.code(), 4, "{}", run.stderr());
    for status in [
        "registered",
        "already_registered",
        "invalid",
        "duplicate",
        "failed",
        "pending",
        "valid",
    ] {
        assert_eq!(
            run.summary["counts"][status],
            run.with_status(status).len(),
            "{status}"
        );
    }
    let pending: Vec<(&str, &str)> = run
        .with_status("pending")
        .iter()
        .map(|r| (r.email.as_str(), r.message.as_str()))
        .collect();
    assert_eq!(run.summary["counts"]["pending"], 1, "{pending:?}");
    assert_eq!(run.summary["run"]["requests"], 29);
    assert!(run.summary["elapsed_seconds"].as_f64().is_some());
    assert!(run.summary["results"]
        .as_str()
        .is_some_and(|p| p.ends_with("people.meeting-83927864687.results.csv")));
}

#[test]
fn a_registrant_list_page_that_cannot_be_read_stops_the_run_before_anything_is_sent() {
    let zoom = ZoomEnv::start(Setup {
        faults: fake_zoom::Faults {
            broken_list_page: Some(2),
            ..fake_zoom::Faults::default()
        },
        ..Setup::default()
    });
    // Three pages of 300; page 2 answers 200 with registrants that have no email.
    for i in 0..700 {
        zoom.zoom.preregister(
            Kind::Meeting,
            MEETING,
            &format!("person{i}@example.com"),
            "approved",
        );
    }
    let input = zoom.env.write_input("people.csv", people(800, false));

    let run = zoom.import(&input, &["--meeting", "83927864687"]);

    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("cannot list the registrants of meeting 83927864687")
            && run.stderr().contains("not understood"),
        "{}",
        run.stderr()
    );
    assert_eq!(sent(&zoom), 0, "nobody it could not check was sent");
    let page_two = zoom
        .zoom
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/registrants") && r.query.contains("next_page_token="))
        .count();
    assert_eq!(page_two, 4, "the page was read again before giving up");
    assert!(!crate::support::results_path(&input).exists());
}

/// The longest chain of requests in which each started after the one before it had its
/// answer: the round trips a run waited for one after another.
fn sequential_round_trips(requests: &[fake_zoom::LoggedRequest]) -> usize {
    let mut by_start = requests.to_vec();
    by_start.sort_by_key(|r| r.started);
    let mut chain = vec![1usize; by_start.len()];
    for i in 0..by_start.len() {
        for j in 0..i {
            if by_start[i].started >= by_start[j].ended {
                chain[i] = chain[i].max(chain[j] + 1);
            }
        }
    }
    chain.into_iter().max().unwrap_or(0)
}

#[test]
fn a_one_person_import_waits_for_three_round_trips_token_checks_and_add() {
    let zoom = ZoomEnv::start(Setup {
        limits: fake_zoom::Limits::pro(),
        faults: fake_zoom::Faults {
            latency: std::time::Duration::from_millis(50),
            latency_jitter: std::time::Duration::from_millis(100),
            ..fake_zoom::Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("one.csv", people(1, false));

    // Zoom holds every API request until the five checks have all arrived: had the run sent
    // any of them only after another's answer, it would never get one.
    let run = std::thread::scope(|scope| {
        let hold = zoom.zoom.hold_answers();
        let run = scope.spawn(|| zoom.import(&input, &["--meeting", "83927864687"]));
        crate::support::wait_until("the five checks are sent", || zoom.zoom.held() >= 5);
        drop(hold);
        run.join().expect("the import")
    });

    assert_eq!(run.code(), 0, "{}", run.stderr());
    run.assert_all_registered(1);
    let requests = zoom.zoom.requests();
    let paths: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
        .collect();
    // The token; the event, its form and its three registrant lists; the add.
    assert_eq!(requests.len(), 7, "{paths:#?}");
    assert_eq!(sequential_round_trips(&requests), 3, "{paths:#?}");
    // The checks all went out before the first of them was answered (no more than five).
    let checks = &requests[1..6];
    let first_answer = checks.iter().map(|r| r.ended).min().expect("checks");
    assert!(
        checks.iter().all(|r| r.started < first_answer),
        "{paths:#?}"
    );
}

#[test]
fn a_429_storm_during_the_checks_honours_retry_after_then_exits_4_with_a_hint() {
    // Another import on the account keeps the Medium category full: every list is refused.
    let zoom = ZoomEnv::start(Setup {
        limits: fake_zoom::Limits {
            medium_per_second: 0,
            ..fake_zoom::Limits::unlimited()
        },
        faults: fake_zoom::Faults {
            retry_after: Some("2"),
            ..fake_zoom::Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(5, false));

    let run = zoom.import(&input, &["--meeting", "83927864687"]);

    assert_eq!(run.code(), 4, "{}", run.stderr());
    let text = run.stderr();
    assert!(
        text.contains("429") && text.contains("Run again later") && text.contains("--max-rps"),
        "{text}"
    );
    assert_eq!(sent(&zoom), 0, "nothing is sent");
    // Each try came at least the 2 s Zoom asked for after the one before; the list that gave
    // up first was tried four times (and its failure ended the others).
    let mut most = 0;
    for status in ["approved", "pending", "denied"] {
        let tries: Vec<_> = zoom
            .zoom
            .requests()
            .into_iter()
            .filter(|r| r.query.contains(&format!("status={status}")))
            .collect();
        most = most.max(tries.len());
        for pair in tries.windows(2) {
            let gap = pair[1].started.duration_since(pair[0].started);
            assert!(
                gap >= std::time::Duration::from_secs(2),
                "{status}: {gap:?}"
            );
        }
    }
    assert_eq!(most, 4);
}

#[test]
fn an_unreachable_token_endpoint_names_the_cause() {
    let env = crate::support::TestEnv::new();
    let input = env.write_input("people.csv", crate::support::people(2, false));
    // A port nobody listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let output = env
        .zimport()
        .arg(&input)
        .args(["--meeting", "83927864687"])
        .env(
            "ZOOM_OAUTH_URL",
            format!("http://127.0.0.1:{port}/oauth/token"),
        )
        .env("ZOOM_ACCOUNT_ID", "a")
        .env("ZOOM_CLIENT_ID", "b")
        .env("ZOOM_CLIENT_SECRET", "c")
        .output()
        .expect("runs");
    let text = crate::support::stderr(&output);
    // The network or Zoom is down: exit 4, for a run later (cron), not 3, for a setup to fix.
    assert_eq!(crate::support::exit_code(&output), 4, "{text}");
    assert!(text.contains("Connection refused"), "{text}");
    assert!(!text.contains("error sending request"), "{text}");
}

#[test]
fn a_webinar_id_given_as_a_meeting_is_named_for_what_it_is() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom
        .env
        .write_input("people.csv", crate::support::people(2, false));

    let run = zoom.import(&input, &["--meeting", "98765432109"]);

    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("98765432109 is a webinar's ID: use --webinar 98765432109"),
        "{}",
        run.stderr()
    );
    assert!(zoom.zoom.registrants(Kind::Webinar, WEBINAR).is_empty());
}

#[test]
fn a_company_column_gives_org_where_the_form_asks_for_it_and_is_left_alone_elsewhere() {
    let zoom = ZoomEnv::start(Setup::default());
    let asks_org = 83_927_864_688;
    zoom.zoom.add_event(
        Kind::Meeting,
        asks_org,
        EventSetup {
            questions: vec![("org".to_string(), false)],
            ..EventSetup::scheduled_meeting()
        },
    );
    let input = zoom.env.write_input(
        "people.csv",
        "Email,First Name,Company\nana@example.com,Ana,ACME\nbo@example.com,Bo,Initech\n",
    );

    let asked = zoom.import(&input, &["--meeting", "83927864688"]);
    let not_asked = zoom.import(&input, &["--meeting", "83927864687"]);

    assert_eq!(asked.code(), 0, "{}", asked.stderr());
    assert_eq!(not_asked.code(), 0, "{}", not_asked.stderr());
    let org = |id: u64| -> Vec<Option<String>> {
        zoom.zoom
            .registrants(Kind::Meeting, id)
            .iter()
            .map(|r| {
                r.fields
                    .get("org")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect()
    };
    assert_eq!(
        org(asks_org),
        [Some("ACME".to_string()), Some("Initech".to_string())]
    );
    assert_eq!(
        org(MEETING),
        [None, None],
        "not asked: not sent, so batch carries them"
    );
    assert_eq!(not_asked.summary["run"]["requests"], 1, "one batch");
}

#[test]
fn an_unreachable_api_names_its_address() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom
        .env
        .write_input("people.csv", crate::support::people(2, false));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let output = zoom
        .zimport()
        .arg(&input)
        .args(["--meeting", "83927864687"])
        .env("ZOOM_API_URL", format!("http://127.0.0.1:{port}"))
        .output()
        .expect("runs");
    let text = crate::support::stderr(&output);
    // Out of reach is for a run later (cron), not a setup to fix.
    assert_eq!(crate::support::exit_code(&output), 4, "{text}");
    assert!(
        text.contains(&format!(
            "cannot read meeting 83927864687 at http://127.0.0.1:{port}"
        )),
        "{text}"
    );
    assert!(text.contains("Connection refused"), "{text}");
    assert!(text.contains("Run again later"), "{text}");
}

#[test]
fn an_api_that_answers_503_during_the_checks_is_for_a_run_later() {
    let zoom = ZoomEnv::start(Setup {
        faults: fake_zoom::Faults {
            api_down: true,
            ..fake_zoom::Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(5, false));

    let run = zoom.import(&input, &["--meeting", "83927864687"]);

    assert_eq!(run.code(), 4, "{}", run.stderr());
    let text = run.stderr();
    assert!(
        text.contains("Run again later") && text.contains("HTTP 50"),
        "{text}"
    );
    assert_eq!(sent(&zoom), 0, "nothing is sent");
}

#[test]
fn an_api_that_never_answers_during_the_checks_is_for_a_run_later() {
    use zimport::zoom::control::Stopper;
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(5, false));
    let (console, mut config) = crate::support::in_process_config(
        &[
            input.as_os_str(),
            "--meeting".as_ref(),
            "83927864687".as_ref(),
            "-q".as_ref(),
        ],
        &zoom.in_process_env(),
    );
    // Zoom takes every request and never answers: each times out (here after 0.2 s, not 30).
    config.zoom.request_timeout = std::time::Duration::from_millis(200);
    let hold = zoom.zoom.hold_answers();

    let Err(error) = zimport::run(&config, &console, &Stopper::default()) else {
        panic!("the run cannot start");
    };
    drop(hold);

    assert_eq!(error.exit_code(), 4, "{error}");
    let text = error.to_string();
    assert!(
        text.contains("timed out") && text.contains("Run again later"),
        "{text}"
    );
    assert_eq!(sent(&zoom), 0, "nothing is sent");
}

#[test]
fn a_token_endpoint_that_answers_429_is_asked_three_times_then_for_a_run_later() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.token_endpoint_busy(true);
    let input = zoom.env.write_input("people.csv", people(5, false));

    let run = zoom.import(&input, &["--meeting", "83927864687"]);

    assert_eq!(run.code(), 4, "{}", run.stderr());
    let text = run.stderr();
    assert!(
        text.contains("kept answering 429") && text.contains("run again later"),
        "{text}"
    );
    assert!(!text.contains("refused the credentials"), "{text}");
    assert_eq!(zoom.zoom.stats().token_requests_rejected, 3);
    // Each try came at least the second Zoom asked for after the one before.
    let tries: Vec<_> = zoom
        .zoom
        .requests()
        .into_iter()
        .filter(|r| r.path == "/oauth/token")
        .collect();
    for pair in tries.windows(2) {
        let gap = pair[1].started.duration_since(pair[0].started);
        assert!(gap >= std::time::Duration::from_secs(1), "{gap:?}");
    }
    assert_eq!(sent(&zoom), 0, "nothing is sent");
}
