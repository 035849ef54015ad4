//! `zimport attendance` through the binary against the fake Zoom (issue 34): who came, per
//! registrant and guest, over rejoins, the waiting room and pages; instances; the event that
//! has not ended, the unknown one, a webinar.

use std::collections::HashMap;

use fake_zoom::{Instance, Join, Kind, Setup};
use serde_json::json;

use crate::support::{exit_code, read_table, ZoomEnv, MEETING, WEBINAR};

fn reporting() -> ZoomEnv {
    let mut setup = Setup::default();
    setup.scopes.push("report:read:admin".to_string());
    ZoomEnv::start(setup)
}

/// `hh:mm` on the day of the instance, as Zoom writes it.
fn at(time: &str) -> String {
    format!("2026-11-02T{time}:00Z")
}

fn minute(m: u32) -> String {
    at(&format!("{:02}:{:02}", 15 + m / 60, m % 60))
}

fn registrant(zoom: &ZoomEnv, kind: Kind, id: u64, email: &str, first: &str, last: &str) -> String {
    let fields = json!({ "email": email, "first_name": first, "last_name": last });
    let fields = fields.as_object().cloned().unwrap_or_default();
    zoom.zoom.preregister_person(kind, id, fields, "approved")
}

fn join(email: &str, registrant_id: &str, from: u32, to: u32) -> Join {
    Join {
        id: format!("p-{email}"),
        user_id: String::new(),
        name: format!("Shown {email}"),
        user_email: email.to_string(),
        registrant_id: registrant_id.to_string(),
        join_time: minute(from),
        leave_time: minute(to),
        in_waiting_room: false,
    }
}

/// What one registrant's row must say.
struct Expected {
    attended: bool,
    minutes: u32,
    first: u32,
    last: u32,
    sessions: u32,
}

#[test]
fn every_registrant_and_guest_of_a_meeting_with_rejoins_waiting_room_and_two_pages() {
    let zoom = reporting();
    let mut joins = Vec::new();
    let mut expected: HashMap<String, Expected> = HashMap::new();
    for i in 0..400u32 {
        let email = format!("person{i}@example.com");
        // Two registrants with one name: the first came, the second did not.
        let (first, last) = if i >= 398 {
            ("Jo".to_string(), "Smith".to_string())
        } else {
            (format!("First{i}"), format!("Last{i}"))
        };
        let id = registrant(&zoom, Kind::Meeting, MEETING, &email, &first, &last);
        if i % 4 == 3 {
            // Let in never: only the waiting room.
            joins.push(Join {
                in_waiting_room: true,
                ..join(&email, &id, 0, 5)
            });
            let nothing = Expected {
                attended: false,
                minutes: 0,
                first: 0,
                last: 0,
                sessions: 0,
            };
            expected.insert(email, nothing);
            continue;
        }
        let stay = 10 + i % 40;
        // Person 5's row lacks the registrant ID: matched by the address alone.
        let given_id = if i == 5 { String::new() } else { id.clone() };
        let shown_email = if i == 5 {
            email.to_uppercase()
        } else {
            email.clone()
        };
        joins.push(join(&shown_email, &given_id, 1, 1 + stay));
        let mut e = Expected {
            attended: true,
            minutes: stay,
            first: 1,
            last: 1 + stay,
            sessions: 1,
        };
        if i % 10 == 0 {
            // A rejoin after a break, and a phone overlapping the first stay.
            joins.push(join(&email, &id, 50, 55));
            joins.push(join(&email, &id, 5, 8));
            e = Expected {
                minutes: stay + 5,
                last: 55,
                sessions: 3,
                ..e
            };
        }
        expected.insert(email, e);
    }
    // Guests: one address twice, a phone by its participant ID twice, one with nothing.
    joins.push(join("guest@example.org", "", 0, 10));
    joins.push(join("GUEST@example.org", "", 20, 30));
    for (from, to) in [(0, 5), (10, 15)] {
        joins.push(Join {
            id: "phone-7".to_string(),
            user_email: String::new(),
            name: "+1 555 0100".to_string(),
            ..join("", "", from, to)
        });
    }
    joins.push(Join {
        id: String::new(),
        user_email: String::new(),
        name: "Someone".to_string(),
        ..join("", "", 0, 60)
    });
    // Named like the two registrants, with no ID and no address: a guest, never a Jo Smith.
    joins.push(Join {
        id: String::new(),
        user_email: String::new(),
        name: "Jo Smith".to_string(),
        ..join("", "", 0, 2)
    });
    assert!(joins.len() > 300, "two pages: {}", joins.len());
    zoom.zoom.add_instance(
        Kind::Meeting,
        MEETING,
        Instance {
            uuid: "Vg8IdgluR5WDeWIkpJlElQ==".to_string(),
            start_time: at("15:00"),
            end_time: Some(at("16:00")),
            joins,
        },
    );

    let output = zoom
        .zimport()
        .args(["attendance", "--meeting", &MEETING.to_string(), "--json"])
        .output()
        .expect("runs");
    assert_eq!(
        exit_code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(summary["by_status"]["attended"], 300, "{summary}");
    // In the order the command gives them, as on the console line.
    let text = String::from_utf8_lossy(&output.stdout);
    let place = |key: &str| text.find(&format!("\"{key}\":")).unwrap_or(usize::MAX);
    assert!(
        place("attended") < place("not_attended") && place("not_attended") < place("guests"),
        "{text}"
    );
    assert_eq!(summary["by_status"]["not_attended"], 100);
    assert_eq!(summary["by_status"]["guests"], 4);
    assert_eq!(
        summary["registrants"], 400,
        "registrants, guests not counted"
    );
    assert_eq!(summary["people"], 404, "every row: registrants and guests");
    assert_eq!(summary["command"], "attendance");

    // A dry run counts the same and writes nothing.
    let dry = zoom
        .zimport()
        .args(["attendance", "--meeting", &MEETING.to_string()])
        .args(["--dry-run", "--json", "-o", "dry.csv"])
        .output()
        .expect("runs");
    assert_eq!(exit_code(&dry), 0);
    let counted: serde_json::Value = serde_json::from_slice(&dry.stdout).expect("json");
    assert_eq!(counted["by_status"], summary["by_status"]);
    assert_eq!(counted["people"], 404);
    assert_eq!(counted["dry_run"], true);
    assert!(counted["output"].is_null(), "{counted}");
    assert!(!zoom.env.path("dry.csv").exists());
    assert_eq!(summary["instances"][0]["uuid"], "Vg8IdgluR5WDeWIkpJlElQ==");

    let file = zoom.env.path(&format!("meeting-{MEETING}.attendance.csv"));
    let (header, rows) = read_table(&file);
    assert_eq!(
        header,
        [
            "email",
            "first_name",
            "last_name",
            "registrant_id",
            "status",
            "attended",
            "first_join",
            "last_leave",
            "minutes",
            "share",
            "sessions",
            "instance",
            "instance_start"
        ]
    );
    assert_eq!(rows.len(), 404);
    for row in rows.iter().filter(|r| r["status"] != "guest") {
        let e = &expected[&row["email"]];
        let who = &row["email"];
        assert_eq!(
            row["attended"],
            if e.attended { "yes" } else { "no" },
            "{who}"
        );
        assert_eq!(row["minutes"], e.minutes.to_string(), "{who}");
        assert_eq!(row["sessions"], e.sessions.to_string(), "{who}");
        let share = (f64::from(e.minutes) * 100.0 / 60.0).round().min(100.0);
        assert_eq!(row["share"], share.to_string(), "{who}");
        let (first, last) = if e.attended {
            (minute(e.first), minute(e.last))
        } else {
            (String::new(), String::new())
        };
        assert_eq!(
            (&row["first_join"], &row["last_leave"]),
            (&first, &last),
            "{who}"
        );
        assert_eq!(row["instance_start"], at("15:00"));
    }
    let smiths: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["last_name"] == "Smith")
        .map(|r| (r["email"].as_str(), r["attended"].as_str()))
        .collect();
    assert_eq!(
        smiths,
        [
            ("person398@example.com", "yes"),
            ("person399@example.com", "no")
        ]
    );
    let guests: Vec<(&str, &str, &str)> = rows
        .iter()
        .filter(|r| r["status"] == "guest")
        .map(|r| {
            (
                r["first_name"].as_str(),
                r["minutes"].as_str(),
                r["sessions"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        guests,
        [
            ("Shown guest@example.org", "20", "2"),
            // A cell a spreadsheet would run as a formula is neutralised (--raw keeps it).
            ("'+1 555 0100", "10", "2"),
            ("Someone", "60", "1"),
            ("Jo Smith", "2", "1")
        ]
    );
    // The no-shows, as the README lists them.
    let no_shows = rows.iter().filter(|r| r["attended"] == "no").count();
    assert_eq!(no_shows, 100);
}

#[test]
fn every_instance_or_one_by_uuid_even_one_that_needs_double_encoding() {
    let zoom = reporting();
    let ann = registrant(
        &zoom,
        Kind::Meeting,
        MEETING,
        "ann@example.com",
        "Ann",
        "Lee",
    );
    let bob = registrant(
        &zoom,
        Kind::Meeting,
        MEETING,
        "bob@example.com",
        "Bob",
        "Ray",
    );
    // A pending registrant is listed too.
    let fields = json!({ "email": "cy@example.com", "first_name": "Cy" });
    let fields = fields.as_object().cloned().unwrap_or_default();
    zoom.zoom
        .preregister_person(Kind::Meeting, MEETING, fields, "pending");
    for (uuid, day, who) in [("first==", "02", &ann), ("/sl//ash==", "09", &bob)] {
        let start = format!("2026-11-{day}T15:00:00Z");
        zoom.zoom.add_instance(
            Kind::Meeting,
            MEETING,
            Instance {
                uuid: uuid.to_string(),
                start_time: start.clone(),
                end_time: Some(format!("2026-11-{day}T16:00:00Z")),
                joins: vec![Join {
                    registrant_id: who.clone(),
                    join_time: start,
                    leave_time: format!("2026-11-{day}T15:30:00Z"),
                    ..Join::default()
                }],
            },
        );
    }
    let run = |args: &[&str]| {
        let output = zoom
            .zimport()
            .args([
                "attendance",
                "--meeting",
                &MEETING.to_string(),
                "-o",
                "out.csv",
            ])
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(
            exit_code(&output),
            0,
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (_, rows) = read_table(&zoom.env.path("out.csv"));
        rows.iter()
            .map(|r| format!("{} {} {}", r["instance"], r["email"], r["attended"]))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        run(&["--all-instances"]),
        [
            "first== ann@example.com yes",
            "first== bob@example.com no",
            "first== cy@example.com no",
            "/sl//ash== ann@example.com no",
            "/sl//ash== bob@example.com yes",
            "/sl//ash== cy@example.com no"
        ]
    );
    // The latest by default; one by its UUID.
    assert_eq!(
        run(&[])[..2],
        [
            "/sl//ash== ann@example.com no",
            "/sl//ash== bob@example.com yes"
        ]
    );
    assert_eq!(
        run(&["--instance", "first=="])[..2],
        ["first== ann@example.com yes", "first== bob@example.com no"]
    );
    // Another meeting's instance is refused, not joined to this meeting's registrants.
    let other = 85_746_065_111;
    zoom.zoom.add_event(
        Kind::Meeting,
        other,
        fake_zoom::EventSetup::scheduled_meeting(),
    );
    zoom.zoom.add_instance(
        Kind::Meeting,
        other,
        Instance {
            uuid: "elsewhere==".to_string(),
            start_time: at("15:00"),
            end_time: Some(at("16:00")),
            joins: Vec::new(),
        },
    );
    let wrong = zoom
        .zimport()
        .args([
            "attendance",
            "--meeting",
            &MEETING.to_string(),
            "--instance",
            "elsewhere==",
        ])
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(exit_code(&wrong), 3, "{said}");
    assert!(said.contains("is not of meeting"), "{said}");
    assert!(zoom
        .zoom
        .requests()
        .iter()
        .any(|r| r.path.contains("%252Fsl%252F%252Fash")));
}

#[test]
fn a_live_meeting_is_exit_4_with_no_file_an_unknown_one_exit_3_and_a_webinar_works() {
    let zoom = reporting();
    zoom.zoom.add_instance(
        Kind::Meeting,
        MEETING,
        Instance {
            uuid: "live==".to_string(),
            start_time: at("15:00"),
            end_time: None,
            joins: Vec::new(),
        },
    );
    let attendance = |flag: &str, id: u64| {
        zoom.zimport()
            .args(["attendance", flag, &id.to_string(), "-o", "out.csv"])
            .output()
            .expect("runs")
    };
    let live = attendance("--meeting", MEETING);
    let said = String::from_utf8_lossy(&live.stderr);
    assert_eq!(exit_code(&live), 4, "{said}");
    assert!(said.contains("run again after it ends"), "{said}");
    assert!(!zoom.env.path("out.csv").exists());

    let unknown = attendance("--meeting", 11_111_111_111);
    assert_eq!(
        exit_code(&unknown),
        3,
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    assert!(!zoom.env.path("out.csv").exists());
    // A webinar the same way: not held yet (4), unknown (3).
    for (id, code) in [(WEBINAR, 4), (11_111_111_111, 3)] {
        let webinar = attendance("--webinar", id);
        let said = String::from_utf8_lossy(&webinar.stderr);
        assert_eq!(exit_code(&webinar), code, "{said}");
        assert!(!zoom.env.path("out.csv").exists());
    }

    let id = registrant(
        &zoom,
        Kind::Webinar,
        WEBINAR,
        "wen@example.com",
        "Wen",
        "Li",
    );
    zoom.zoom.add_instance(
        Kind::Webinar,
        WEBINAR,
        Instance {
            uuid: "w1==".to_string(),
            start_time: at("15:00"),
            end_time: Some(at("16:00")),
            joins: vec![join("wen@example.com", &id, 0, 60)],
        },
    );
    let webinar = attendance("--webinar", WEBINAR);
    assert_eq!(
        exit_code(&webinar),
        0,
        "{}",
        String::from_utf8_lossy(&webinar.stderr)
    );
    let (_, rows) = read_table(&zoom.env.path("out.csv"));
    assert_eq!(
        (
            rows[0]["email"].as_str(),
            rows[0]["minutes"].as_str(),
            rows[0]["share"].as_str()
        ),
        ("wen@example.com", "60", "100")
    );
}

#[test]
fn a_token_without_report_scopes_is_told_which_to_add() {
    let zoom = ZoomEnv::start(Setup::default());
    let output = zoom
        .zimport()
        .args(["attendance", "--meeting", &MEETING.to_string()])
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(exit_code(&output), 3, "{said}");
    assert!(
        said.contains("report:read:list_meeting_participants:admin"),
        "{said}"
    );
}

/// An event without registration (approval type 2) has nobody on its registrant lists (the
/// fake lists none; where Zoom refuses the list as it refuses an add, 404 with code 404
/// "Registration has not been enabled", zimport reads that as none too): everyone who came is
/// a guest.
#[test]
fn a_meeting_without_registration_lists_everyone_as_a_guest() {
    let zoom = reporting();
    let open = fake_zoom::EventSetup {
        approval_type: 2,
        ..fake_zoom::EventSetup::scheduled_meeting()
    };
    let id = 85_746_065_000;
    zoom.zoom.add_event(Kind::Meeting, id, open);
    zoom.zoom.add_instance(
        Kind::Meeting,
        id,
        Instance {
            uuid: "open==".to_string(),
            start_time: at("15:00"),
            end_time: Some(at("16:00")),
            joins: vec![
                join("a@example.com", "", 0, 30),
                join("b@example.com", "", 0, 15),
            ],
        },
    );
    let output = zoom
        .zimport()
        .args(["attendance", "--meeting", &id.to_string(), "-o", "out.csv"])
        .output()
        .expect("runs");
    assert_eq!(
        exit_code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, rows) = read_table(&zoom.env.path("out.csv"));
    let seen: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["email"].as_str(),
                r["status"].as_str(),
                r["minutes"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("a@example.com", "guest", "30"),
            ("b@example.com", "guest", "15")
        ]
    );
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("wrote 2 people of meeting")
            && said.contains("(0 attended, 0 not attended, 2 guests) to out.csv"),
        "{said}"
    );
}

/// A recurring meeting that registers people per occurrence: the registrants of every
/// occurrence are read, whether Zoom's list without an occurrence holds them all (the fake's
/// default) or only those registered for the whole event (its `lists_by_occurrence_only`;
/// Zoom does not say which). Each instance is the occurrence scheduled nearest to its start,
/// and lists that occurrence's registrants, and anyone else who came.
#[test]
fn a_meeting_registered_per_occurrence_lists_the_registrants_of_each_occurrence() {
    const RECURRING: u64 = 555_555_555;
    // The fake's recurring meeting that is over: occurrence i started 3 - i days ago.
    let now = std::time::SystemTime::now();
    let day = |i: u64| now - std::time::Duration::from_secs((3 - i) * 86_400);
    let text = |at: std::time::SystemTime| humantime::format_rfc3339_seconds(at).to_string();
    for by_occurrence_only in [true, false] {
        let zoom = reporting();
        let setup = fake_zoom::EventSetup {
            over: true,
            lists_by_occurrence_only: by_occurrence_only,
            ..fake_zoom::EventSetup::recurring_meeting(2)
        };
        let occurrences = setup.occurrences.clone();
        zoom.zoom.add_event(Kind::Meeting, RECURRING, setup);
        let mut ids = HashMap::new();
        for (email, status, of) in [
            ("ann@example.com", "approved", vec![0]),
            ("bob@example.com", "approved", vec![1, 2]),
            ("cy@example.com", "pending", vec![2]),
            ("dan@example.com", "approved", vec![1]),
        ] {
            let of: Vec<&str> = of.iter().map(|&i| occurrences[i].as_str()).collect();
            let fields =
                json!({ "email": email, "first_name": "P", "occurrence_ids": of.join(",") });
            let fields = fields.as_object().cloned().unwrap_or_default();
            let id = zoom
                .zoom
                .preregister_person(Kind::Meeting, RECURRING, fields, status);
            ids.insert(email, id);
        }
        // Each instance started ten minutes late; cy came to one not hers.
        for (uuid, occurrence, who) in [
            ("one==", 0, vec!["ann@example.com", "cy@example.com"]),
            ("two==", 1, vec!["bob@example.com"]),
        ] {
            let start = day(occurrence) + std::time::Duration::from_secs(600);
            let joins = who
                .iter()
                .map(|email| Join {
                    registrant_id: ids[email].clone(),
                    join_time: text(start),
                    leave_time: text(start + std::time::Duration::from_secs(1800)),
                    ..Join::default()
                })
                .collect();
            zoom.zoom.add_instance(
                Kind::Meeting,
                RECURRING,
                Instance {
                    uuid: uuid.to_string(),
                    start_time: text(start),
                    end_time: Some(text(start + std::time::Duration::from_secs(3600))),
                    joins,
                },
            );
        }
        let output = zoom
            .zimport()
            .args(["attendance", "--meeting", &RECURRING.to_string()])
            .args(["--all-instances", "-o", "out.csv", "-vv"])
            .output()
            .expect("runs");
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(exit_code(&output), 0, "{said}");
        // -v says what was read: each instance and the occurrence it was taken to be.
        assert!(said.contains("4 registrants listed"), "{said}");
        assert!(
            said.contains(&format!(", occurrence {}): report rows: 2", occurrences[0]))
                && said.contains(&format!(", occurrence {}): report rows: 1", occurrences[1])),
            "{said}"
        );
        // -vv says what each read asked for.
        assert!(
            said.contains(&format!(
                "request: GET /v2/meetings/{RECURRING}?show_previous_occurrences=true → 200"
            )) && said.contains(&format!(
                "registrants?status=pending&occurrence_id={} → 200",
                occurrences[2]
            )),
            "{said}"
        );
        let (_, rows) = read_table(&zoom.env.path("out.csv"));
        let seen: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r["instance"], r["email"], r["status"], r["attended"]
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                "one== ann@example.com approved yes",
                "one== cy@example.com pending yes",
                "two== bob@example.com approved yes",
                "two== dan@example.com approved no",
            ],
            "lists_by_occurrence_only: {by_occurrence_only}"
        );
        let requests = zoom.zoom.requests();
        let asked = |part: &str| requests.iter().filter(|r| r.query.contains(part)).count();
        assert_eq!(asked("show_previous_occurrences=true"), 1);
        for occurrence in &occurrences {
            // Approved, pending and denied, each one page.
            assert_eq!(
                asked(&format!("occurrence_id={occurrence}")),
                3,
                "{occurrence}"
            );
        }
        assert!(
            zoom.zoom.departures().is_empty(),
            "{:?}",
            zoom.zoom.departures()
        );
    }
}

/// Zoom's support article on reports (KB0060632): "Meetings ended moments ago may take up to
/// 30 minutes to display in full reports". An instance that ended minutes ago is written, with
/// a warning to run again later and exit 4; one that ended long ago has none.
#[test]
fn an_instance_that_ended_minutes_ago_is_written_with_a_warning_to_run_again_later() {
    let zoom = reporting();
    let now = std::time::SystemTime::now();
    let time = |ago_minutes: u64| {
        let then = now - std::time::Duration::from_secs(ago_minutes * 60);
        humantime::format_rfc3339_seconds(then).to_string()
    };
    zoom.zoom.add_instance(
        Kind::Meeting,
        MEETING,
        Instance {
            uuid: "lately==".to_string(),
            start_time: time(65),
            end_time: Some(time(5)),
            joins: Vec::new(),
        },
    );
    let run = |args: &[&str]| {
        zoom.zimport()
            .args([
                "attendance",
                "--meeting",
                &MEETING.to_string(),
                "-o",
                "out.csv",
            ])
            .args(args)
            .output()
            .expect("runs")
    };
    // Written, and exit 4: run again later (a cron job sees it even with -q).
    let output = run(&[]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(exit_code(&output), 4, "{said}");
    assert!(
        said.contains("warning: instance lately== of meeting")
            && said.contains("ended less than 30 minutes ago"),
        "{said}"
    );
    assert!(zoom.env.path("out.csv").exists());
    let quiet = run(&["-q", "--json"]);
    assert_eq!(exit_code(&quiet), 4);
    let summary: serde_json::Value = serde_json::from_slice(&quiet.stdout).expect("json");
    assert_eq!(
        summary["instances"][0]["may_be_incomplete"], true,
        "{summary}"
    );

    zoom.zoom.add_instance(
        Kind::Meeting,
        MEETING,
        Instance {
            uuid: "long-ago==".to_string(),
            start_time: at("15:00"),
            end_time: Some(at("16:00")),
            joins: Vec::new(),
        },
    );
    let output = run(&["--instance", "long-ago==", "--json"]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(exit_code(&output), 0, "{said}");
    assert!(!said.contains("warning"), "{said}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(
        summary["instances"][0]["may_be_incomplete"], false,
        "{summary}"
    );
}
