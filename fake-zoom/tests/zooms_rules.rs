//! Zoom's rules where a client is easily wrong about them, each from a source outside zimport
//! (named in each test): scope families, question types, the webinar add's answer, refusals
//! that are about the event, list pages and their tokens, and the headers of a per-second 429.

mod support;

use std::time::Duration;

use fake_zoom::{CustomQuestion, EventSetup, Faults, Kind, Limits, Setup};
use reqwest::Method;
use serde_json::{json, Value};
use support::{Client, MEETING};

const WEBINAR: u64 = 98_765_432_109;

fn with_webinar(setup: Setup, event: EventSetup) -> Client {
    let client = Client::start(setup);
    client.zoom.add_event(Kind::Webinar, WEBINAR, event);
    client
}

fn person(email: &str) -> Value {
    json!({ "email": email, "first_name": "P" })
}

/// Source: the indico Zoom plugin, `vc_zoom/indico_vc_zoom/plugin.py`: "Zoom may return broad
/// webinar scopes in the token instead of the granular registrant ones"
/// (`AUTO_REGISTRATION_BROAD_WEBINAR_SCOPES = webinar:read:webinar:admin,
/// webinar:write:webinar:admin`), accepted there for listing, adding and changing the status
/// of webinar registrants. Classic and granular scopes: zoom-api.md §1-4.
#[tokio::test]
async fn broad_webinar_scopes_allow_every_registrant_call() {
    let setup = Setup {
        scopes: vec![
            "webinar:read:webinar:admin".to_string(),
            "webinar:write:webinar:admin".to_string(),
        ],
        ..Setup::default()
    };
    let client = with_webinar(setup, EventSetup::scheduled_webinar());
    let token = client.token().await;
    let at = format!("webinars/{WEBINAR}");
    let (code, _, body) = client.send(Method::GET, &token, &at, None).await;
    assert_eq!(code, 200, "{body}");
    let questions = format!("{at}/registrants/questions");
    assert_eq!(
        client.send(Method::GET, &token, &questions, None).await.0,
        200
    );
    let add = format!("{at}/registrants");
    let (code, _, body) = client.post(&token, &add, person("a@example.com")).await;
    assert_eq!(code, 201, "{body}");
    let batch = json!({ "registrants": [person("b@example.com")] });
    let (code, _, body) = client
        .post(&token, &format!("{at}/batch_registrants"), batch)
        .await;
    assert_eq!(code, 201, "{body}");
    let listed = client.list_of(&token, &at, "approved", 300).await;
    assert_eq!(listed.len(), 2);
    let id = listed[0]["id"].as_str().expect("id").to_string();
    let change = json!({ "action": "cancel", "registrants": [{ "id": id }] });
    let status = format!("{at}/registrants/status");
    let (code, _, body) = client
        .send(Method::PUT, &token, &status, Some(change))
        .await;
    assert_eq!(code, 204, "{body}");
    // They are webinar scopes: a meeting stays closed to them (code 4700, zoom-api.md §6).
    let (code, _, body) = client
        .post(
            &token,
            &format!("meetings/{MEETING}/registrants"),
            person("c@example.com"),
        )
        .await;
    assert_eq!((code, body["code"].as_i64()), (400, Some(4700)), "{body}");
}

/// Source: Zoom's OpenAPI description of "List registration questions": a webinar's custom
/// questions are `short | single_radio | single_dropdown | multiple`, a meeting's `short |
/// single`, each choice question with its `answers`. Zoom's registration page offers only
/// those choices; the fake refuses another answer to a one-choice question (400 / 300, Zoom's
/// validation failure) and leaves `short` and `multiple` answers unchecked.
#[tokio::test]
async fn answers_to_one_choice_questions_must_be_a_choice() {
    let question = |title: &str, kind: &str| CustomQuestion {
        title: title.to_string(),
        kind: kind.to_string(),
        required: false,
        answers: vec!["Yes".to_string(), "No".to_string()],
    };
    let client = with_webinar(
        Setup::default(),
        EventSetup {
            custom_questions: vec![
                question("Radio", "single_radio"),
                question("Dropdown", "single_dropdown"),
                question("Many", "multiple"),
            ],
            ..EventSetup::scheduled_webinar()
        },
    );
    let token = client.token().await;
    let (_, _, form) = client
        .send(
            Method::GET,
            &token,
            &format!("webinars/{WEBINAR}/registrants/questions"),
            None,
        )
        .await;
    let kinds: Vec<&str> = form["custom_questions"]
        .as_array()
        .expect("questions")
        .iter()
        .filter_map(|q| q["type"].as_str())
        .collect();
    assert_eq!(kinds, ["single_radio", "single_dropdown", "multiple"]);
    let add = format!("webinars/{WEBINAR}/registrants");
    let answering = |email: &str, title: &str, value: &str| {
        let mut body = person(email);
        body["custom_questions"] = json!([{ "title": title, "value": value }]);
        body
    };
    for (n, (title, value, expected)) in [
        ("Radio", "Yes", 201),
        ("Radio", "Maybe", 400),
        ("Radio", "yes", 400),
        ("Dropdown", "No", 201),
        ("Dropdown", "Perhaps", 400),
        ("Many", "Yes, No", 201),
    ]
    .into_iter()
    .enumerate()
    {
        let body = answering(&format!("p{n}@example.com"), title, value);
        let (code, _, answer) = client.post(&token, &add, body).await;
        assert_eq!(code, expected, "{title} = {value}: {answer}");
        if code == 400 {
            assert_eq!(answer["code"], 300, "{answer}");
        }
    }
}

/// Source: Zoom's API changelog of 2026-09-21: the webinar add's 201 gives the registrant's
/// `status` and the webinar's `share_url`. Its `join_url` has no exception in the webinar
/// add's description (the meeting add documents leaving it out under manual approval,
/// zoom-api.md §1), so a pending webinar registrant's answer carries one as well.
#[tokio::test]
async fn a_webinar_add_says_the_registrants_status() {
    let client = with_webinar(
        Setup::default(),
        EventSetup {
            approval_type: 1,
            ..EventSetup::scheduled_webinar()
        },
    );
    let token = client.token().await;
    let (code, _, body) = client
        .post(
            &token,
            &format!("webinars/{WEBINAR}/registrants"),
            person("a@example.com"),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["status"], "pending", "{body}");
    assert!(body["share_url"].as_str().is_some(), "{body}");
    assert!(body["join_url"].as_str().is_some(), "{body}");
    // The meeting add under manual approval: no join URL, and no status field.
    let client = Client::start(Setup::default());
    client.zoom.add_event(
        Kind::Meeting,
        MEETING,
        EventSetup {
            approval_type: 1,
            ..EventSetup::scheduled_meeting()
        },
    );
    let token = client.token().await;
    let (code, _, body) = client
        .post(
            &token,
            &format!("meetings/{MEETING}/registrants"),
            person("a@example.com"),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert!(
        body.get("join_url").is_none() && body.get("status").is_none(),
        "{body}"
    );
}

/// Sources: Zoom's API reference, "Update webinar registrant's status": 400 / 3035 "Webinar
/// has reached maximum attendee capacity"; "Add a webinar registrant" and "Perform batch
/// registration" for webinars: 400 / 3000 "This webinar does not have registration as
/// required", "Registration not enabled for this webinar" (zoom-api.md §2-3); 404 / 1001, the
/// host "does not exist or does not belong to this account" (the same pages, their 404s).
#[tokio::test]
async fn event_level_refusals_carry_zooms_codes() {
    let client = with_webinar(
        Setup::default(),
        EventSetup {
            capacity: 2,
            approval_type: 1,
            ..EventSetup::scheduled_webinar()
        },
    );
    let ids: Vec<String> = (0..3)
        .map(|i| {
            let fields = person(&format!("p{i}@example.com"));
            client.zoom.preregister_person(
                Kind::Webinar,
                WEBINAR,
                fields.as_object().expect("object").clone(),
                "pending",
            )
        })
        .collect();
    let token = client.token().await;
    let status = format!("webinars/{WEBINAR}/registrants/status");
    let approve = |ids: &[String]| {
        let registrants: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
        json!({ "action": "approve", "registrants": registrants })
    };
    let (code, _, body) = client
        .send(Method::PUT, &token, &status, Some(approve(&ids)))
        .await;
    assert_eq!((code, body["code"].as_i64()), (400, Some(3035)), "{body}");
    let approved = client
        .list_of(&token, &format!("webinars/{WEBINAR}"), "approved", 30)
        .await;
    assert!(approved.is_empty(), "nothing changes: {approved:?}");
    let (code, _, _) = client
        .send(Method::PUT, &token, &status, Some(approve(&ids[..2])))
        .await;
    assert_eq!(code, 204);

    const CLOSED: u64 = 11_111_111_111;
    const ORPHANED: u64 = 22_222_222_222;
    client.zoom.add_event(
        Kind::Webinar,
        CLOSED,
        EventSetup {
            approval_type: 2,
            ..EventSetup::scheduled_webinar()
        },
    );
    client.zoom.add_event(
        Kind::Webinar,
        ORPHANED,
        EventSetup {
            host_gone: true,
            ..EventSetup::scheduled_webinar()
        },
    );
    let batch = json!({ "registrants": [person("a@example.com")] });
    let (code, _, body) = client
        .post(
            &token,
            &format!("webinars/{CLOSED}/batch_registrants"),
            batch.clone(),
        )
        .await;
    assert_eq!((code, body["code"].as_i64()), (400, Some(3000)), "{body}");
    assert_eq!(
        body["message"],
        "Registration not enabled for this webinar."
    );
    let (code, _, body) = client
        .post(
            &token,
            &format!("webinars/{CLOSED}/registrants"),
            person("a@example.com"),
        )
        .await;
    assert_eq!((code, body["code"].as_i64()), (400, Some(3000)), "{body}");
    for path in ["registrants", "batch_registrants"] {
        let body = if path == "registrants" {
            person("a@example.com")
        } else {
            batch.clone()
        };
        let (code, _, answer) = client
            .post(&token, &format!("webinars/{ORPHANED}/{path}"), body)
            .await;
        assert_eq!(
            (code, answer["code"].as_i64()),
            (404, Some(1001)),
            "{path}: {answer}"
        );
    }
    // The webinar itself can still be read.
    let (code, _, _) = client
        .send(Method::GET, &token, &format!("webinars/{ORPHANED}"), None)
        .await;
    assert_eq!(code, 200);
}

/// Sources: Zoom's pagination guide ("a non-empty next_page_token value indicates that
/// additional results are available"; nothing promises full pages) and the description of
/// `next_page_token` in Zoom's OpenAPI: "The next page token … expires after 15 minutes."
#[tokio::test]
async fn pages_can_be_short_and_page_tokens_expire() {
    let client = Client::start(Setup {
        page_token_lifetime: Duration::from_millis(300),
        ..Setup::default()
    });
    client.zoom.set_faults(Faults {
        short_pages: true,
        ..Faults::default()
    });
    for i in 0..50 {
        client.zoom.preregister(
            Kind::Meeting,
            MEETING,
            &format!("p{i}@example.com"),
            "approved",
        );
    }
    let token = client.token().await;
    let at = format!("meetings/{MEETING}/registrants?status=approved&page_size=10");
    let (_, _, first) = client.send(Method::GET, &token, &at, None).await;
    let count = first["registrants"].as_array().expect("list").len();
    assert!(count < 10, "a short page: {count}");
    assert_eq!(first["total_records"], 50);
    let next = first["next_page_token"]
        .as_str()
        .expect("token")
        .to_string();
    assert!(!next.is_empty());
    let all = client
        .list_of(&token, &format!("meetings/{MEETING}"), "approved", 10)
        .await;
    assert_eq!(all.len(), 50, "following the tokens gives everyone once");
    let mut emails: Vec<&str> = all.iter().filter_map(|r| r["email"].as_str()).collect();
    emails.sort_unstable();
    emails.dedup();
    assert_eq!(emails.len(), 50);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (code, _, body) = client
        .send(
            Method::GET,
            &token,
            &format!("{at}&next_page_token={next}"),
            None,
        )
        .await;
    assert_eq!((code, body["code"].as_i64()), (400, Some(300)), "{body}");
    let (code, _, _) = client
        .send(
            Method::GET,
            &token,
            &format!("{at}&next_page_token=made-up"),
            None,
        )
        .await;
    assert_eq!(code, 400, "a token never given is refused too");
}

/// Source: Zoom's rate limits page, its headers as quoted in developer forum thread 18928
/// (`X-RateLimit-Category`, `X-RateLimit-Type`, `X-RateLimit-Limit`,
/// `X-RateLimit-Remaining`); zoom-api.md §5.
#[tokio::test]
async fn a_per_second_429_says_the_category_its_limit_and_none_left() {
    let client = Client::start(Setup {
        limits: Limits {
            light_per_second: 2,
            ..Limits::unlimited()
        },
        ..Setup::default()
    });
    let token = client.token().await;
    let path = format!("meetings/{MEETING}/registrants");
    let mut last = None;
    for i in 0..3 {
        last = Some(
            client
                .post(&token, &path, person(&format!("p{i}@example.com")))
                .await,
        );
    }
    let (code, headers, _) = last.expect("three adds");
    assert_eq!(code, 429);
    assert_eq!(headers["x-ratelimit-type"], "QPS");
    assert_eq!(headers["x-ratelimit-category"], "Light");
    assert_eq!(headers["x-ratelimit-limit"], "2");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
}

/// Source: Zoom's OpenAPI description of the calls (`shared/zoom-openapi/`): each body's
/// fields, types, lengths and enums, each call's query parameters; the status call's
/// `maximum: 30` and the batch's "up to 30". The fake answers as Zoom would, and notes each
/// departure for tests.
#[tokio::test]
async fn requests_that_depart_from_zooms_description_are_noted() {
    let client = Client::start(Setup::default());
    let token = client.token().await;
    let add = format!("meetings/{MEETING}/registrants");
    let described = json!({
        "email": "a@example.com", "first_name": "A", "last_name": "B", "org": "ACME",
        "no_of_employees": "1-20", "language": "fr-FR", "auto_approve": true,
        "custom_questions": [{ "title": "Diet", "value": "Vegan" }],
    });
    assert_eq!(client.post(&token, &add, described).await.0, 201);
    let list = format!("{add}?status=pending&page_size=300");
    assert_eq!(client.send(Method::GET, &token, &list, None).await.0, 200);
    assert_eq!(client.zoom.departures(), Vec::<String>::new());

    let odd = json!({ "email": "b@example.com", "first_name": "B", "nickname": "Bee", "no_of_employees": "12" });
    client.post(&token, &add, odd).await;
    let many: Vec<Value> = (0..31).map(|i| json!({ "id": format!("r{i}") })).collect();
    let status = format!("meetings/{MEETING}/registrants/status");
    let body = json!({ "action": "approve", "registrants": many });
    client.send(Method::PUT, &token, &status, Some(body)).await;
    client
        .send(
            Method::GET,
            &token,
            &format!("{add}?page_size=500&status=waiting"),
            None,
        )
        .await;
    let departures = client.zoom.departures().join("\n");
    for expected in [
        "field nickname is not described",
        "no_of_employees '12' is not in its enum",
        "31 registrants, more than 30",
        "page_size=500",
        "status=waiting",
    ] {
        assert!(departures.contains(expected), "{expected}: {departures}");
    }
}

/// Source: Zoom's OpenAPI description of "Update registrant's status" (meetings and webinars):
/// `registrants` is a list of `{id, email}`, "The registrant's ID": a call changes the
/// registrants it names. An address Zoom lists twice (approved and pending; Zoom does not
/// promise one registrant an address, zoom-api.md §5 "Same email registered twice") has two
/// IDs, and a call naming one changes that one alone.
#[tokio::test]
async fn a_status_change_changes_the_registrants_it_names_by_id_and_no_other() {
    let client = Client::start(Setup::default());
    client
        .zoom
        .preregister(Kind::Meeting, MEETING, "twice@example.com", "approved");
    client
        .zoom
        .preregister(Kind::Meeting, MEETING, "Twice@example.com", "pending");
    let token = client.token().await;
    let approved = client.list(&token, "approved").await;
    let pending = client.list(&token, "pending").await;
    assert_eq!((approved.len(), pending.len()), (1, 1));
    let id = |listed: &[Value]| listed[0]["id"].as_str().expect("id").to_string();
    let (approved_id, pending_id) = (id(&approved), id(&pending));
    assert_ne!(approved_id, pending_id);

    let (code, _, body) = client.set_status(&token, "cancel", &[&approved_id]).await;
    assert_eq!(code, 204, "{body}");
    assert_eq!(client.list(&token, "approved").await.len(), 0);
    assert_eq!(
        id(&client.list(&token, "pending").await),
        pending_id,
        "the other listing is as it was"
    );
    let (code, _, body) = client.set_status(&token, "cancel", &[&pending_id]).await;
    assert_eq!(code, 204, "{body}");
    assert_eq!(client.list(&token, "denied").await.len(), 2);
}

/// Source: Zoom's API reference (`../shared/zoom-openapi/`): "List meeting registrants" takes
/// `occurrence_id`, "The meeting or webinar occurrence ID", and "Add a meeting registrant"
/// `occurrence_ids`, "A comma-separated list of meeting occurrence IDs"; "Get a meeting" takes
/// `show_previous_occurrences`, "Set the value of this field to `true` if you would like to view
/// meeting details of all previous occurrences of a recurring meeting". The reference names
/// the list's parameter only; the rest is UNCERTAIN and the fake's reading: an occurrence's
/// list holds those registered for it and those registered for the whole event; without
/// `occurrence_id`, the list of an event registered per occurrence holds everyone, or, with
/// `lists_by_occurrence_only`, only those registered for the whole event (`EventSetup`'s
/// note). Occurrence i starts i days after the event.
#[tokio::test]
async fn a_list_of_one_occurrence_holds_those_registered_for_it_and_ended_occurrences_are_shown_when_asked(
) {
    const RECURRING: u64 = 555_555_555;
    let client = Client::start(Setup::default());
    let setup = EventSetup {
        over: true,
        lists_by_occurrence_only: true,
        ..EventSetup::recurring_meeting(2)
    };
    let [first, second, third] = [0, 1, 2].map(|i| setup.occurrences[i].clone());
    client.zoom.add_event(Kind::Meeting, RECURRING, setup);
    let fields = |email: &str, occurrences: Option<&str>| {
        let mut fields = json!({ "email": email, "first_name": "P" });
        if let Some(ids) = occurrences {
            fields["occurrence_ids"] = json!(ids);
        }
        fields.as_object().cloned().unwrap_or_default()
    };
    let register = |email: &str, occurrences: Option<&str>| {
        client.zoom.preregister_person(
            Kind::Meeting,
            RECURRING,
            fields(email, occurrences),
            "approved",
        )
    };
    register("ann@example.com", Some(&first));
    register("bob@example.com", Some(&format!("{second},{third}")));
    register("cy@example.com", Some(&second));
    register("all@example.com", None);
    let token = client.token().await;
    let event = format!("meetings/{RECURRING}");
    let emails = |listed: Vec<Value>| {
        let mut emails: Vec<String> = listed
            .iter()
            .map(|r| r["email"].as_str().unwrap_or("").to_string())
            .collect();
        emails.sort();
        emails
    };
    let of = |occurrence: &str| format!("approved&occurrence_id={occurrence}");
    // Pages of one: each page token continues the list of its occurrence.
    assert_eq!(
        emails(client.list_of(&token, &event, &of(&second), 1).await),
        ["all@example.com", "bob@example.com", "cy@example.com"]
    );
    assert_eq!(
        emails(client.list_of(&token, &event, &of(&first), 1).await),
        ["all@example.com", "ann@example.com"]
    );
    assert_eq!(
        emails(client.list_of(&token, &event, "approved", 1).await),
        ["all@example.com"],
        "without occurrence_id: those registered for the whole event (this setup's reading)"
    );

    let occurrences = |path: String| {
        let client = &client;
        let token = &token;
        async move {
            let (code, _, body) = client.send(Method::GET, token, &path, None).await;
            assert_eq!(code, 200, "{body}");
            let starts: Vec<String> = body["occurrences"]
                .as_array()
                .map(|all| all.iter().map(|o| o["start_time"].to_string()).collect())
                .unwrap_or_default();
            starts
        }
    };
    assert!(
        occurrences(event.clone()).await.is_empty(),
        "all three have ended"
    );
    let starts = occurrences(format!("{event}?show_previous_occurrences=true")).await;
    assert_eq!(starts.len(), 3);
    assert!(starts[0] < starts[1] && starts[1] < starts[2], "{starts:?}");

    // The fake's default reading: without occurrence_id, everyone.
    client.zoom.add_event(
        Kind::Meeting,
        RECURRING + 1,
        EventSetup {
            over: true,
            ..EventSetup::recurring_meeting(2)
        },
    );
    for (email, of) in [("dee@example.com", &first), ("eve@example.com", &third)] {
        client.zoom.preregister_person(
            Kind::Meeting,
            RECURRING + 1,
            fields(email, Some(of)),
            "approved",
        );
    }
    let other = format!("meetings/{}", RECURRING + 1);
    assert_eq!(
        emails(client.list_of(&token, &other, "approved", 1).await),
        ["dee@example.com", "eve@example.com"]
    );
    assert!(
        client.zoom.departures().is_empty(),
        "{:?}",
        client.zoom.departures()
    );
}
