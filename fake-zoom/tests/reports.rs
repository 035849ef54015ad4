//! The times an event took place and who was there, as Zoom answers for them, each rule from a
//! source outside zimport (named in each test): past instances, instance details, participant
//! reports (a row per join, waiting-room rows, pages of 300, registrant IDs on request), the
//! double encoding of a UUID, a report asked for before the meeting ends, and report scopes.

mod support;

use fake_zoom::{EventSetup, Instance, Join, Kind, Setup};
use reqwest::Method;
use serde_json::Value;
use support::{Client, MEETING};

const WEBINAR: u64 = 98_765_432_109;

fn reporting() -> Setup {
    Setup {
        scopes: vec![
            "meeting:read:admin".to_string(),
            "webinar:read:admin".to_string(),
            "report:read:admin".to_string(),
        ],
        ..Setup::default()
    }
}

fn join(n: usize, from: &str, to: &str) -> Join {
    Join {
        id: format!("p{n}"),
        user_id: format!("{}", 16_778_240 + n),
        name: format!("Person {n}"),
        user_email: format!("person{n}@example.com"),
        registrant_id: format!("reg{n}"),
        join_time: from.to_string(),
        leave_time: to.to_string(),
        in_waiting_room: false,
    }
}

fn instance(uuid: &str, start: &str, end: Option<&str>, joins: Vec<Join>) -> Instance {
    Instance {
        uuid: uuid.to_string(),
        start_time: start.to_string(),
        end_time: end.map(str::to_string),
        joins,
    }
}

async fn get(client: &Client, token: &str, path: &str) -> (u16, Value) {
    let (code, _, body) = client.send(Method::GET, token, path, None).await;
    (code, body)
}

/// Source: Zoom's API reference, "Get meeting participant reports"
/// (`GET /report/meetings/{meetingId}/participants`): `page_size` "maximum: 300", a
/// `next_page_token` that "expires after 15 minutes", `include_fields` "Provide `registrant_id`
/// as the value for this field if you would like to see the registrant ID attribute",
/// `status` `in_meeting | in_waiting_room`, `duration` in seconds; Zoom developer forum thread
/// 22598 and the moodle `mod_zoom` issues 670 and 496: one row per join, a rejoin a row of its
/// own.
#[tokio::test]
async fn a_participant_report_is_a_row_per_join_300_a_page_with_registrant_ids_on_request() {
    let client = Client::start(reporting());
    let mut joins: Vec<Join> = (0..340)
        .map(|n| join(n, "2026-11-02T15:00:00Z", "2026-11-02T15:40:00Z"))
        .collect();
    // Person 1 left and came back: a second row. Person 2 waited, then was let in.
    joins.push(join(1, "2026-11-02T15:45:00Z", "2026-11-02T15:50:30Z"));
    joins.push(Join {
        in_waiting_room: true,
        ..join(2, "2026-11-02T14:55:00Z", "2026-11-02T15:00:00Z")
    });
    client.zoom.add_instance(
        Kind::Meeting,
        MEETING,
        instance(
            "Vg8IdgluR5WDeWIkpJlElQ==",
            "2026-11-02T15:00:00Z",
            Some("2026-11-02T16:00:00Z"),
            joins,
        ),
    );
    let token = client.token().await;
    let at = format!("report/meetings/{MEETING}/participants");
    let (code, first) = get(&client, &token, &format!("{at}?page_size=300")).await;
    assert_eq!(code, 200, "{first}");
    let rows = first["participants"].as_array().expect("rows");
    assert_eq!(rows.len(), 300);
    assert_eq!(first["total_records"], 342);
    assert!(rows[0].get("registrant_id").is_none(), "not asked for");
    assert_eq!(rows[0]["duration"], 2400, "seconds");
    assert_eq!(rows[0]["status"], "in_meeting");
    let next = first["next_page_token"].as_str().expect("a token");
    let (code, second) = get(
        &client,
        &token,
        &format!("{at}?page_size=300&next_page_token={next}&include_fields=registrant_id"),
    )
    .await;
    assert_eq!(code, 200, "{second}");
    let rows = second["participants"].as_array().expect("rows");
    assert_eq!(rows.len(), 42);
    assert_eq!(second["next_page_token"], "");
    let rejoin = &rows[40];
    assert_eq!(
        (&rejoin["id"], &rejoin["registrant_id"], &rejoin["duration"]),
        (&Value::from("p1"), &Value::from("reg1"), &Value::from(330))
    );
    assert_eq!(rows[41]["status"], "in_waiting_room");
    // A page of 500 asked for is a page of 300.
    let (_, capped) = get(&client, &token, &format!("{at}?page_size=500")).await;
    assert_eq!(capped["participants"].as_array().map(Vec::len), Some(300));
}

/// Source: Zoom's API reference, "List past meeting instances" (`GET
/// /past_meetings/{meetingId}/instances`): "only returns instances of meetings that have
/// ended", `{"meetings": [{"uuid", "start_time"}]}`, 404 with code 3001 "Meeting does not
/// exist"; "Get meeting detail reports": a meeting ID gives "the latest meeting instance";
/// zoom/api issue 33: a participant report of a meeting that has not ended is code 3001
/// "Meeting ID is invalid or not end." (HTTP 400).
#[tokio::test]
async fn only_ended_instances_are_past_and_a_live_one_has_no_report_yet() {
    let client = Client::start(reporting());
    let hour =
        |day: u32, end: bool| format!("2026-11-{day:02}T1{}:00:00Z", if end { 6 } else { 5 });
    for (day, uuid) in [(2, "first=="), (9, "second==")] {
        let one = vec![join(0, &hour(day, false), &hour(day, true))];
        let inst = instance(uuid, &hour(day, false), Some(&hour(day, true)), one);
        client.zoom.add_instance(Kind::Meeting, MEETING, inst);
    }
    client.zoom.add_instance(
        Kind::Meeting,
        MEETING,
        instance("live==", &hour(16, false), None, Vec::new()),
    );
    let token = client.token().await;
    let (code, past) = get(
        &client,
        &token,
        &format!("past_meetings/{MEETING}/instances"),
    )
    .await;
    assert_eq!(code, 200, "{past}");
    let uuids: Vec<&str> = past["meetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .filter_map(|m| m["uuid"].as_str())
        .collect();
    assert_eq!(uuids, ["first==", "second=="]);

    let report = format!("report/meetings/{MEETING}/participants");
    let (code, body) = get(&client, &token, &report).await;
    assert_eq!((code, body["code"].as_i64()), (400, Some(3001)), "{body}");
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("not end")));
    // An ended instance by its UUID still reports.
    let (code, body) = get(&client, &token, "report/meetings/second%3D%3D/participants").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["total_records"], 1);

    client
        .zoom
        .end_instance(Kind::Meeting, MEETING, &hour(16, true));
    let (code, details) = get(&client, &token, &format!("report/meetings/{MEETING}")).await;
    assert_eq!(code, 200, "{details}");
    assert_eq!(
        (&details["uuid"], &details["duration"]),
        (&Value::from("live=="), &Value::from(60))
    );

    let (code, body) = get(&client, &token, "past_meetings/11111111111/instances").await;
    assert_eq!((code, body["code"].as_i64()), (404, Some(3001)), "{body}");
    let (code, body) = get(&client, &token, "report/meetings/11111111111/participants").await;
    assert_eq!((code, body["code"].as_i64()), (404, Some(3001)), "{body}");
}

/// Source: Zoom's API reference, `meetingId` of "Get meeting participant reports" and `uuid`
/// of "List past meeting instances": "If the meeting UUID begins with a `/` character or
/// contains a `//` character, you must double encode the meeting UUID when using it for API
/// calls." Encoded once, such a UUID has lost its slash by the time the API reads it; one
/// with a single `/` inside works encoded once.
#[tokio::test]
async fn a_uuid_that_starts_with_a_slash_is_found_only_encoded_twice() {
    let client = Client::start(reporting());
    let uuid = "/ajXp112QmuoKj4854875==";
    for (uuid, start) in [
        (uuid, "2026-11-02T15:00:00Z"),
        ("ab/cd==", "2026-11-03T15:00:00Z"),
    ] {
        let one = vec![join(0, start, start)];
        let inst = instance(uuid, start, Some("2026-11-04T16:00:00Z"), one);
        client.zoom.add_instance(Kind::Meeting, MEETING, inst);
    }
    let token = client.token().await;
    let (code, body) = get(
        &client,
        &token,
        "report/meetings/ab%2Fcd%3D%3D/participants",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let once = "%2FajXp112QmuoKj4854875%3D%3D";
    let (code, body) = get(
        &client,
        &token,
        &format!("report/meetings/{once}/participants"),
    )
    .await;
    assert_eq!(code, 404, "{body}");
    let twice = "%252FajXp112QmuoKj4854875%253D%253D";
    let (code, body) = get(
        &client,
        &token,
        &format!("report/meetings/{twice}/participants"),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["participants"][0]["user_email"], "person0@example.com");
}

/// Source: Zoom's API reference: "Get meeting participant reports" takes `report:read:admin`
/// or the granular `report:read:list_meeting_participants:admin` ("Get webinar participant
/// reports": `report:read:list_webinar_participants:admin`), Heavy; a token without them is
/// code 4700 naming the scopes it lacks (zoom-api.md §6). Webinars answer the same way, their
/// instances under `webinars` ("List past webinar instances").
#[tokio::test]
async fn report_scopes_and_webinars() {
    let granular = Setup {
        scopes: vec![
            "webinar:read:admin".to_string(),
            "report:read:list_webinar_participants:admin".to_string(),
        ],
        ..Setup::default()
    };
    let client = Client::start(granular);
    client
        .zoom
        .add_event(Kind::Webinar, WEBINAR, EventSetup::scheduled_webinar());
    let one = vec![join(0, "2026-11-02T15:00:00Z", "2026-11-02T15:30:00Z")];
    client.zoom.add_instance(
        Kind::Webinar,
        WEBINAR,
        instance(
            "w1==",
            "2026-11-02T15:00:00Z",
            Some("2026-11-02T16:00:00Z"),
            one,
        ),
    );
    let token = client.token().await;
    let (code, past) = get(
        &client,
        &token,
        &format!("past_webinars/{WEBINAR}/instances"),
    )
    .await;
    assert_eq!(code, 200, "{past}");
    assert_eq!(past["webinars"][0]["uuid"], "w1==");
    let at = format!("report/webinars/{WEBINAR}/participants?include_fields=registrant_id");
    let (code, body) = get(&client, &token, &at).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["participants"][0]["registrant_id"], "reg0");
    // The granular scope is the participant list's only, not the meeting's.
    let (code, body) = get(
        &client,
        &token,
        &format!("report/meetings/{MEETING}/participants"),
    )
    .await;
    assert_eq!((code, body["code"].as_i64()), (400, Some(4700)), "{body}");
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("report:read:list_meeting_participants:admin")));
    assert!(
        client.zoom.departures().is_empty(),
        "{:?}",
        client.zoom.departures()
    );
}
