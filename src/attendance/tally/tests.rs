use super::*;

fn tally(registrants: &[Registered], report: &[Joined], held: &Held) -> Vec<Attendance> {
    Index::new(registrants).tally(report, held, None)
}

fn at(text: &str) -> SystemTime {
    humantime::parse_rfc3339(text).expect("a time")
}

fn registered(id: &str, email: &str, first: &str, last: &str) -> Registered {
    Registered {
        id: id.to_string(),
        email: email.to_string(),
        first_name: first.to_string(),
        last_name: last.to_string(),
        status: Listing::Approved,
        occurrences: Vec::new(),
    }
}

/// A join from `from` to `to` (hh:mm on the day of the instance).
fn joined(email: &str, registrant_id: &str, from: &str, to: &str) -> Joined {
    Joined {
        id: format!("p-{email}"),
        user_id: String::new(),
        name: "Shown Name".to_string(),
        email: email.to_string(),
        registrant_id: registrant_id.to_string(),
        join_time: format!("2026-11-02T{from}:00Z"),
        leave_time: format!("2026-11-02T{to}:00Z"),
        in_waiting_room: false,
    }
}

fn held() -> Held {
    Held {
        uuid: "u1==".to_string(),
        start: at("2026-11-02T15:00:00Z"),
        end: at("2026-11-02T16:00:00Z"),
    }
}

#[test]
fn rejoins_and_overlapping_devices_are_merged_and_the_waiting_room_is_left_out() {
    let registrants = [registered("r1", "ann@example.com", "Ann", "Lee")];
    let report = [
        Joined {
            in_waiting_room: true,
            ..joined("ann@example.com", "r1", "14:50", "15:00")
        },
        joined("ann@example.com", "r1", "15:00", "15:20"),
        // A phone at the same time: counted once.
        joined("ann@example.com", "r1", "15:10", "15:25"),
        // A rejoin after a break.
        joined("ann@example.com", "r1", "15:40", "15:50"),
    ];
    let rows = tally(&registrants, &report, &held());
    assert_eq!(rows.len(), 1);
    let ann = &rows[0];
    assert!(ann.attended);
    assert_eq!((ann.minutes, ann.share, ann.sessions), (35, 58, 3));
    assert_eq!(ann.first_join, Some(at("2026-11-02T15:00:00Z")));
    assert_eq!(ann.last_leave, Some(at("2026-11-02T15:50:00Z")));
}

#[test]
fn a_registrant_is_matched_by_id_else_by_email_never_by_name() {
    // Two registrants named alike: only the one whose ID (or address) is in the report came.
    let registrants = [
        registered("r1", "jo.smith@example.com", "Jo", "Smith"),
        registered("r2", "JSmith@Example.org", "Jo", "Smith"),
        registered("r3", "kim@example.com", "Kim", "Ray"),
    ];
    let report = [
        joined("", "r1", "15:00", "15:30"),
        // Zoom gave no registrant ID here; the address matches (case and all).
        joined("KIM@EXAMPLE.COM ", "", "15:00", "16:00"),
    ];
    let rows = tally(&registrants, &report, &held());
    let came: Vec<(&str, bool)> = rows
        .iter()
        .map(|r| (r.registrant_id.as_str(), r.attended))
        .collect();
    assert_eq!(came, [("r1", true), ("r2", false), ("r3", true)]);
    assert_eq!(
        (rows[1].minutes, rows[1].sessions, rows[1].first_join),
        (0, 0, None)
    );
    assert_eq!(rows[2].share, 100);
}

#[test]
fn guests_are_one_row_per_email_else_per_participant_else_per_report_row() {
    let report = [
        joined("guest@example.com", "", "15:00", "15:10"),
        joined("Guest@example.com", "", "15:30", "15:40"),
        Joined {
            email: String::new(),
            id: "phone-1".to_string(),
            ..joined("", "", "15:00", "15:05")
        },
        Joined {
            email: String::new(),
            id: "phone-1".to_string(),
            ..joined("", "", "15:10", "15:15")
        },
        Joined {
            email: String::new(),
            id: String::new(),
            ..joined("", "", "15:00", "15:01")
        },
        Joined {
            email: String::new(),
            id: String::new(),
            ..joined("", "", "15:02", "15:03")
        },
    ];
    let rows = tally(&[], &report, &held());
    let guests: Vec<(&str, u64, u64)> = rows
        .iter()
        .map(|r| (r.email.as_str(), r.minutes, r.sessions))
        .collect();
    assert_eq!(
        guests,
        [
            ("guest@example.com", 20, 2),
            ("", 10, 2),
            ("", 1, 1),
            ("", 1, 1)
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.status.is_none() && r.registrant_id.is_empty()));
    assert_eq!(rows[1].first_name, "Shown Name");
}

#[test]
fn only_the_waiting_room_is_not_attending_and_unreadable_times_count_no_minutes() {
    let registrants = [
        registered("r1", "wait@example.com", "Wai", "Ting"),
        registered("r2", "odd@example.com", "Odd", "Times"),
    ];
    let report = [
        Joined {
            in_waiting_room: true,
            ..joined("wait@example.com", "r1", "15:00", "15:30")
        },
        Joined {
            join_time: "yesterday".to_string(),
            ..joined("odd@example.com", "r2", "15:00", "15:30")
        },
        // Leaving before joining: no time.
        joined("odd@example.com", "r2", "15:40", "15:30"),
    ];
    let rows = tally(&registrants, &report, &held());
    assert_eq!(
        (rows[0].attended, rows[0].sessions, rows[0].minutes),
        (false, 0, 0)
    );
    assert_eq!(
        (rows[1].attended, rows[1].sessions, rows[1].minutes),
        (true, 2, 0)
    );
}

#[test]
fn a_stay_longer_than_the_instance_is_a_share_of_100() {
    let registrants = [registered("r1", "early@example.com", "Ear", "Ly")];
    let report = [joined("early@example.com", "r1", "14:30", "16:10")];
    let rows = tally(&registrants, &report, &held());
    assert_eq!((rows[0].minutes, rows[0].share), (100, 100));
    let empty = Held {
        end: held().start,
        ..held()
    };
    assert_eq!(tally(&registrants, &report, &empty)[0].share, 0);
}

#[test]
fn an_address_zoom_lists_twice_is_one_row_matched_by_either_id() {
    let registrants = [
        registered("r1", "twice@example.com", "Two", "Lists"),
        Registered {
            status: Listing::Pending,
            ..registered("r2", "Twice@Example.com", "Two", "Lists")
        },
        registered("r3", "other@example.com", "Jo", "Smith"),
    ];
    // The pending listing's ID came; and a participant named like a registrant, with no ID and
    // no address, is a guest.
    let report = [
        joined("", "r2", "15:00", "15:30"),
        Joined {
            name: "Jo Smith".to_string(),
            id: String::new(),
            ..joined("", "", "15:00", "16:00")
        },
    ];
    let rows = tally(&registrants, &report, &held());
    let seen: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|r| {
            let status = r.status.map_or("guest", Listing::name);
            (r.registrant_id.as_str(), status, r.attended)
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("r1", "approved", true),
            ("r3", "approved", false),
            ("", "guest", true)
        ]
    );
    assert_eq!(rows[2].first_name, "Jo Smith");
}

#[test]
fn of_an_event_registered_per_occurrence_an_instance_lists_its_registrants_and_those_who_came() {
    let of = |occurrences: &[&str], registrant: Registered| Registered {
        occurrences: occurrences.iter().map(|o| o.to_string()).collect(),
        ..registrant
    };
    let registrants = [
        of(&["A"], registered("r1", "one@example.com", "One", "")),
        of(&["B"], registered("r2", "two@example.com", "Two", "")),
        of(&[], registered("r3", "all@example.com", "All", "")),
        of(
            &["B", "C"],
            registered("r4", "came@example.com", "Came", ""),
        ),
        // One address listed for B under one ID and for A under another: one row, expected.
        of(&["B"], registered("r5", "twice@example.com", "Twice", "")),
        of(&["A"], registered("r6", "twice@example.com", "Twice", "")),
    ];
    let report = [joined("came@example.com", "r4", "15:00", "15:30")];
    let index = Index::new(&registrants);
    let seen = |occurrence: Option<&str>| -> Vec<(String, bool)> {
        index
            .tally(&report, &held(), occurrence)
            .into_iter()
            .map(|r| (r.registrant_id, r.attended))
            .collect()
    };
    let row = |id: &str, attended: bool| (id.to_string(), attended);
    assert_eq!(
        seen(Some("A")),
        [
            row("r1", false),
            row("r3", false),
            row("r4", true),
            row("r5", false)
        ]
    );
    assert_eq!(
        seen(Some("C")),
        [row("r3", false), row("r4", true)],
        "nobody of A or B, who did not come"
    );
    assert_eq!(seen(None).len(), 5, "every address, once");
}
