//! Zoom's rules as Zoom has them (issue 29), through the binary against the fake: broad scopes,
//! one-choice questions, the webinar add's status, refusals about the event, the host's own
//! email, short pages and expired page tokens. Each fake behaviour cites its source in
//! `fake-zoom/tests/zooms_rules.rs`.

use std::path::Path;

use fake_zoom::{CustomQuestion, EventSetup, Faults, Kind, Setup};
use serde_json::json;

use crate::support::{exit_code, people, read_results, stderr, ZoomEnv, MEETING, WEBINAR};

const WEBINAR_ID: &str = "98765432109";

/// A fake whose tokens carry only `scopes`.
fn with_scopes(scopes: &[&str]) -> ZoomEnv {
    ZoomEnv::start(Setup {
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        ..Setup::default()
    })
}

/// POSTs and PUTs to the API so far.
fn writes(zoom: &ZoomEnv) -> usize {
    zoom.zoom
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v2/") && r.method != "GET")
        .count()
}

/// `zimport approve|cancel|export …` on the webinar, with `args`.
fn webinar_command(
    zoom: &ZoomEnv,
    command: &str,
    args: &[&std::ffi::OsStr],
) -> std::process::Output {
    zoom.zimport()
        .arg(command)
        .args(args)
        .args(["--webinar", WEBINAR_ID])
        .output()
        .expect("zimport runs")
}

fn os(text: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(text)
}

#[test]
fn broad_webinar_scopes_import_export_approve_and_cancel() {
    let zoom = with_scopes(&["webinar:read:webinar:admin", "webinar:write:webinar:admin"]);
    let batch = zoom.env.write_input("batch.csv", people(40, false));
    let run = zoom.import(&batch, &["--webinar", WEBINAR_ID]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(!run.stderr().contains("warning"), "{}", run.stderr());
    assert_eq!(run.with_status("registered").len(), 40);
    assert!(zoom.zoom.stats().batch_calls >= 2, "batch is used");

    let single = zoom.env.write_input("single.csv", people(45, true));
    let run = zoom.import(&single, &["--webinar", WEBINAR_ID]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.with_status("registered").len(), 5, "{}", run.stderr());
    assert_eq!(run.with_status("already_registered").len(), 40);
    assert_eq!(zoom.zoom.stats().single_adds, 5, "extra fields go singly");

    let export = zoom.env.path("export.csv");
    let output = webinar_command(&zoom, "export", &[os("-o"), export.as_os_str()]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let exported = csv::Reader::from_path(&export)
        .expect("export")
        .records()
        .count();
    assert_eq!(exported, 45);

    for i in 0..3 {
        zoom.zoom.preregister(
            Kind::Webinar,
            WEBINAR,
            &format!("waiting{i}@example.com"),
            "pending",
        );
    }
    let waiting = zoom.env.write_input(
        "waiting.csv",
        "email\nwaiting0@example.com\nwaiting1@example.com\nwaiting2@example.com\n",
    );
    let output = webinar_command(&zoom, "approve", &[waiting.as_os_str()]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let output = webinar_command(&zoom, "cancel", &[waiting.as_os_str(), os("--yes")]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let statuses: Vec<String> = zoom
        .zoom
        .registrants(Kind::Webinar, WEBINAR)
        .into_iter()
        .filter(|r| r.email.starts_with("waiting"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, ["denied"; 3], "approved, then cancelled");
}

#[test]
fn a_token_whose_scopes_zimport_does_not_know_is_tried_with_a_warning() {
    // A scope of a future family: zimport cannot tell, so Zoom decides (here: it refuses).
    let zoom = with_scopes(&["webinar:write:registrant_v2:admin"]);
    let input = zoom.env.write_input("people.csv", people(3, false));
    let run = zoom.import(&input, &["--webinar", WEBINAR_ID]);
    assert!(
        run.stderr().contains("scopes zimport does not know"),
        "{}",
        run.stderr()
    );
    assert!(writes(&zoom) > 0, "it went on and asked Zoom");
    assert_eq!(run.code(), 3, "Zoom's 4700 ends it: {}", run.stderr());
    assert!(run.stderr().contains("4700"), "{}", run.stderr());
    assert!(zoom.zoom.registrants(Kind::Webinar, WEBINAR).is_empty());

    // Scopes zimport knows, none of which allows registering: refused before sending.
    let zoom = with_scopes(&["webinar:read:admin"]);
    let run = zoom.import(&input, &["--webinar", WEBINAR_ID]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(run.stderr().contains("lacks the scope"), "{}", run.stderr());
    assert_eq!(writes(&zoom), 0);
}

#[test]
fn answers_outside_a_radio_or_dropdown_questions_choices_are_invalid_and_never_sent() {
    let zoom = ZoomEnv::start(Setup::default());
    let question = |title: &str, kind: &str, answers: &[&str]| CustomQuestion {
        title: title.to_string(),
        kind: kind.to_string(),
        required: false,
        answers: answers.iter().map(|a| a.to_string()).collect(),
    };
    zoom.zoom.add_event(
        Kind::Webinar,
        WEBINAR,
        EventSetup {
            custom_questions: vec![
                question("Session", "single_radio", &["Morning", "Evening"]),
                question("T-shirt", "single_dropdown", &["S", "M", "L"]),
            ],
            ..EventSetup::scheduled_webinar()
        },
    );
    let input = zoom.env.write_input(
        "people.csv",
        "email,first_name,Session,T-shirt\n\
         ana@example.com,Ana,morning,m\n\
         bo@example.com,Bo,Noon,S\n\
         cy@example.com,Cy,Evening,XXL\n\
         di@example.com,Di,,\n",
    );
    let run = zoom.import(&input, &["--webinar", WEBINAR_ID]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let invalid: Vec<&str> = run
        .with_status("invalid")
        .iter()
        .map(|r| r.email.as_str())
        .collect();
    assert_eq!(
        invalid,
        ["bo@example.com", "cy@example.com"],
        "{:?}",
        run.rows
    );
    assert!(
        run.rows[1]
            .message
            .contains("'Noon' is not one of the answers to 'Session'"),
        "{:?}",
        run.rows[1]
    );
    for email in invalid {
        assert_eq!(zoom.zoom.requests_for(email), 0, "{email} was sent");
    }
    assert_eq!(run.with_status("registered").len(), 2);
    // Sent in Zoom's spelling of the choice.
    let ana = zoom
        .zoom
        .registrants(Kind::Webinar, WEBINAR)
        .into_iter()
        .find(|r| r.email == "ana@example.com")
        .expect("ana registered");
    assert_eq!(
        ana.fields["custom_questions"],
        json!([{"title": "Session", "value": "Morning"}, {"title": "T-shirt", "value": "M"}])
    );
}

#[test]
fn a_pending_webinar_registrant_is_recorded_awaiting_approval_from_zooms_status() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.add_event(
        Kind::Webinar,
        WEBINAR,
        EventSetup {
            approval_type: 1,
            ..EventSetup::scheduled_webinar()
        },
    );
    let input = zoom.env.write_input("people.csv", people(3, true));
    let run = zoom.import(&input, &["--webinar", WEBINAR_ID]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(zoom.zoom.stats().single_adds, 3);
    for row in &run.rows {
        assert_eq!(row.status, "registered", "{row:?}");
        // Zoom gives a webinar's link whatever the status: only `status` says pending.
        assert!(!row.join_url.is_empty(), "{row:?}");
        assert!(
            row.message.contains("awaiting the host's approval"),
            "{row:?}"
        );
    }
}

#[test]
fn a_full_webinar_on_approve_stops_the_run_instead_of_splitting_the_call() {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.add_event(
        Kind::Webinar,
        WEBINAR,
        EventSetup {
            approval_type: 1,
            capacity: 20,
            ..EventSetup::scheduled_webinar()
        },
    );
    let mut csv = String::from("email\n");
    for i in 0..25 {
        let email = format!("p{i}@example.com");
        zoom.zoom
            .preregister(Kind::Webinar, WEBINAR, &email, "pending");
        csv.push_str(&email);
        csv.push('\n');
    }
    let input = zoom.env.write_input("pending.csv", csv);
    let output = webinar_command(&zoom, "approve", &[input.as_os_str(), os("--json")]);
    let err = stderr(&output);
    assert_eq!(exit_code(&output), 3, "{err}");
    assert!(err.contains("registrant capacity"), "{err}");
    assert!(err.contains("3035"), "{err}");
    assert_eq!(writes(&zoom), 1, "one call of 25, not split into singles");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let results = zoom
        .env
        .dir
        .path()
        .join(summary["results"].as_str().expect("results"));
    let rows = read_results(&results);
    assert_eq!(rows.len(), 25, "every row has its one status");
    assert!(rows.iter().all(|r| r.status != "approved"), "{rows:?}");
}

#[test]
fn refusals_about_the_event_say_what_they_are() {
    // Registration off, found only when the batch is sent (the token cannot read the event).
    let zoom = with_scopes(&["webinar:write:admin"]);
    zoom.zoom.add_event(
        Kind::Webinar,
        WEBINAR,
        EventSetup {
            approval_type: 2,
            ..EventSetup::scheduled_webinar()
        },
    );
    let input = zoom.env.write_input("people.csv", people(5, false));
    let run = zoom.import(&input, &["--webinar", WEBINAR_ID]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr().contains("does not take registrations"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("3000"), "{}", run.stderr());
    assert!(
        !run.stderr().contains("from this account"),
        "{}",
        run.stderr()
    );

    // The host left the account: said so, found before sending or when sending.
    for scopes in [
        &["webinar:read:admin", "webinar:write:admin"][..],
        &["webinar:write:admin"],
    ] {
        let zoom = with_scopes(scopes);
        zoom.zoom.add_event(
            Kind::Webinar,
            WEBINAR,
            EventSetup {
                host_gone: true,
                ..EventSetup::scheduled_webinar()
            },
        );
        let input = zoom.env.write_input("people.csv", people(5, false));
        let run = zoom.import(&input, &["--webinar", WEBINAR_ID]);
        let err = run.stderr();
        assert_eq!(run.code(), 3, "{scopes:?}: {err}");
        assert!(
            err.contains("its host is not a user of this account"),
            "{scopes:?}: {err}"
        );
        assert!(!err.contains("check the ID"), "{scopes:?}: {err}");
        assert!(zoom.zoom.registrants(Kind::Webinar, WEBINAR).is_empty());
    }
}

#[test]
fn the_hosts_own_email_is_invalid_and_never_sent() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input(
        "people.csv",
        "email,first_name\nana@example.com,Ana\nHost@Example.com,The Host\nbo@example.com,Bo\n",
    );
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let host = &run.rows[1];
    assert_eq!(host.status, "invalid", "{host:?}");
    assert!(host.message.contains("host"), "{host:?}");
    assert_eq!(zoom.zoom.requests_for("host@example.com"), 0);
    assert_eq!(run.with_status("registered").len(), 2);
}

/// 700 people in Zoom's approved list, and a file of 800 that holds them.
fn listed_700(faults: Faults) -> (ZoomEnv, std::path::PathBuf) {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.set_faults(faults);
    for i in 0..700 {
        zoom.zoom.preregister(
            Kind::Meeting,
            MEETING,
            &format!("person{i}@example.com"),
            "approved",
        );
    }
    let input = zoom.env.write_input("people.csv", people(800, false));
    (zoom, input)
}

/// Reads of the approved list that carried a page token.
fn later_pages(zoom: &ZoomEnv) -> usize {
    zoom.zoom
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/registrants") && r.query.contains("next_page_token="))
        .count()
}

fn nobody_listed_was_sent(zoom: &ZoomEnv) {
    for i in 0..700 {
        let email = format!("person{i}@example.com");
        assert_eq!(zoom.zoom.requests_for(&email), 0, "{email} was sent");
    }
}

#[test]
fn pages_shorter_than_asked_are_read_to_the_end() {
    let (zoom, input) = listed_700(Faults {
        short_pages: true,
        ..Faults::default()
    });
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.with_status("already_registered").len(), 700);
    assert_eq!(run.with_status("registered").len(), 100);
    nobody_listed_was_sent(&zoom);
    assert!(
        later_pages(&zoom) >= 3,
        "more pages than 700 / 300 would need"
    );
}

#[test]
fn an_expired_page_token_starts_the_read_again_at_most_twice() {
    let (zoom, input) = listed_700(Faults {
        expired_page_tokens: 1,
        ..Faults::default()
    });
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.with_status("already_registered").len(), 700);
    nobody_listed_was_sent(&zoom);
    let first_pages = zoom
        .zoom
        .requests()
        .iter()
        .filter(|r| {
            r.path.ends_with("/registrants")
                && r.query.contains("status=approved")
                && !r.query.contains("next_page_token=")
        })
        .count();
    assert_eq!(first_pages, 2, "read again from the start once");

    let (zoom, input) = listed_700(Faults {
        expired_page_tokens: 100,
        ..Faults::default()
    });
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(run.code(), 4, "{}", run.stderr());
    assert!(run.stderr().contains("page tokens"), "{}", run.stderr());
    assert!(run.stderr().contains("Run again later"), "{}", run.stderr());
    assert_eq!(writes(&zoom), 0, "nothing sent");
    assert_eq!(later_pages(&zoom), 3, "the first try and two more");
    assert!(!Path::new(&crate::support::results_path(&input)).exists());
}

#[test]
fn an_export_whose_page_token_expires_starts_again_and_lists_everyone_once() {
    let (zoom, _) = listed_700(Faults {
        expired_page_tokens: 1,
        ..Faults::default()
    });
    let out = zoom.env.path("export.csv");
    let output = zoom
        .zimport()
        .args([
            "export",
            "--meeting",
            "83927864687",
            "--status",
            "approved",
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let mut reader = csv::Reader::from_path(&out).expect("export");
    let mut emails: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[0].to_string())
        .collect();
    assert_eq!(
        emails.len(),
        700,
        "the pages before the restart are not kept twice"
    );
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), 700);
}
