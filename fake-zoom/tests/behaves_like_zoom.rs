//! The fake answers as zoom-api.md says Zoom does: the contract the rest of the test suite
//! relies on.

use std::time::Duration;

mod support;

use fake_zoom::{EventSetup, Kind, Limits, Setup};
use serde_json::{json, Value};
use support::{Client, MEETING};

#[tokio::test]
async fn the_list_gives_every_field_the_custom_answers_and_the_registration_time() {
    let client = Client::start(Setup::default());
    let token = client.token().await;
    let path = format!("meetings/{MEETING}/registrants");
    let person = json!({
        "email": "ana@example.com", "first_name": "Ana", "last_name": "Lee",
        "city": "Lyon", "org": "ACME", "comments": "line one\nline two",
        "custom_questions": [{"title": "Diet", "value": "Vegan"}],
    });
    assert_eq!(client.post(&token, &path, person).await.0, 201);
    // The scheduled meeting approves everyone at once.
    let approved = client.list(&token, "approved").await;
    assert_eq!(approved.len(), 1);
    let ana = &approved[0];
    assert_eq!(ana["email"], "ana@example.com");
    assert_eq!(ana["city"], "Lyon");
    assert_eq!(ana["org"], "ACME");
    assert_eq!(ana["comments"], "line one\nline two");
    assert_eq!(
        ana["custom_questions"],
        json!([{"title": "Diet", "value": "Vegan"}])
    );
    assert_eq!(ana["status"], "approved");
    assert!(ana["join_url"].as_str().is_some(), "{ana}");
    assert!(
        ana["create_time"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{ana}"
    );
    assert!(
        ana.get("address").is_none(),
        "a field never given is not listed"
    );
}

#[tokio::test]
async fn status_changes_approve_deny_and_cancel_with_zooms_rules() {
    let client = Client::start(Setup {
        limits: Limits {
            medium_per_second: 3,
            ..Limits::unlimited()
        },
        ..Setup::default()
    });
    let token = client.token().await;
    let ids: Vec<String> = (0..3)
        .map(|i| {
            let fields = json!({"email": format!("p{i}@example.com"), "first_name": "P"});
            client.zoom.preregister_person(
                Kind::Meeting,
                MEETING,
                fields.as_object().expect("object").clone(),
                "pending",
            )
        })
        .collect();
    let id = |i: usize| ids[i].as_str();
    let (code, _, _) = client.set_status(&token, "approve", &[id(0), id(1)]).await;
    assert_eq!(code, 204);
    let approved = client.list(&token, "approved").await;
    assert_eq!(approved.len(), 2);
    assert!(
        approved.iter().all(|r| r["join_url"].as_str().is_some()),
        "{approved:?}"
    );
    let (code, _, _) = client.set_status(&token, "deny", &[id(2)]).await;
    assert_eq!(code, 204);
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    assert_eq!(client.list(&token, "denied").await.len(), 1);
    // A cancelled registrant is moved to the denied list and kept (Zoom community, "Why are
    // unregistered attendees moved to Denied/Blocked list?", m-p/71688).
    assert_eq!(client.set_status(&token, "cancel", &[id(0)]).await.0, 204);
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    assert_eq!(client.list(&token, "approved").await.len(), 1);
    let denied = client.list(&token, "denied").await;
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert!(denied.iter().any(|r| r["id"] == id(0)), "{denied:?}");
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    // Validation: the action, at most 30 registrants, and registrants that exist.
    let (code, _, body) = client.set_status(&token, "promote", &[id(1)]).await;
    assert_eq!((code, body["code"].as_i64()), (400, Some(300)), "{body}");
    let many: Vec<&str> = std::iter::repeat_n(id(1), 31).collect();
    assert_eq!(client.set_status(&token, "approve", &many).await.0, 400);
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    let (code, _, _) = client
        .set_status(&token, "approve", &[id(1), "nobody"])
        .await;
    assert_eq!(code, 404);
    // Medium: the fourth call in a second is refused.
    for _ in 0..2 {
        client.set_status(&token, "approve", &[id(1)]).await;
    }
    let (code, headers, _) = client.set_status(&token, "approve", &[id(1)]).await;
    assert_eq!(code, 429);
    assert_eq!(headers["x-ratelimit-category"], "Medium");
}

#[tokio::test]
async fn a_registrant_takes_ten_status_changes_a_day() {
    let client = Client::start(Setup::default());
    let token = client.token().await;
    let fields = json!({"email": "ana@example.com", "first_name": "Ana"});
    let ana = client.zoom.preregister_person(
        Kind::Meeting,
        MEETING,
        fields.as_object().expect("object").clone(),
        "pending",
    );
    for i in 0..10 {
        let action = if i % 2 == 0 { "approve" } else { "deny" };
        assert_eq!(
            client.set_status(&token, action, &[&ana]).await.0,
            204,
            "change {i}"
        );
    }
    let (code, _, body) = client.set_status(&token, "approve", &[&ana]).await;
    assert_eq!(code, 429, "{body}");
    let message = body["message"].as_str().unwrap_or("");
    assert!(
        message.contains("\"10\"") && message.contains("ana@example.com"),
        "{message}"
    );
    assert_eq!(
        client.list(&token, "denied").await.len(),
        1,
        "the refused change changed nothing"
    );
    assert_eq!(client.zoom.stats().status_calls, 10);
    // At 00:00 UTC the count starts again.
    client.zoom.new_day();
    assert_eq!(client.set_status(&token, "approve", &[&ana]).await.0, 204);
}

#[tokio::test]
async fn a_daily_quota_on_medium_covers_lists_and_status_changes() {
    let client = Client::start(Setup {
        limits: Limits {
            medium_per_day: Some(2),
            ..Limits::unlimited()
        },
        ..Setup::default()
    });
    let token = client.token().await;
    let fields = json!({"email": "ana@example.com", "first_name": "Ana"});
    let ana = client.zoom.preregister_person(
        Kind::Meeting,
        MEETING,
        fields.as_object().expect("object").clone(),
        "pending",
    );
    assert_eq!(client.list(&token, "pending").await.len(), 1);
    assert_eq!(client.set_status(&token, "approve", &[&ana]).await.0, 204);
    let (code, headers, _) = client.set_status(&token, "deny", &[&ana]).await;
    assert_eq!(code, 429);
    assert_eq!(headers["x-ratelimit-type"], "Daily-limit");
    assert_eq!(headers["x-ratelimit-category"], "Medium");
    client.zoom.new_day();
    assert_eq!(client.set_status(&token, "deny", &[&ana]).await.0, 204);
}

#[tokio::test]
async fn token_needs_a_form_body_basic_auth_and_the_right_account() {
    let client = Client::start(Setup::default());
    let url = client.zoom.oauth_url();
    let json_body = client
        .http
        .post(&url)
        .basic_auth(&client.setup.client_id, Some(&client.setup.client_secret))
        .json(&json!({"grant_type": "account_credentials", "account_id": client.setup.account_id}))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        json_body.status(),
        400,
        "a JSON body is an unsupported grant type"
    );
    let wrong_secret = client
        .http
        .post(&url)
        .basic_auth(&client.setup.client_id, Some("nope"))
        .form(&[
            ("grant_type", "account_credentials"),
            ("account_id", client.setup.account_id.as_str()),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong_secret.status(), 401);
    let answer: Value = client
        .http
        .post(&url)
        .basic_auth(&client.setup.client_id, Some(&client.setup.client_secret))
        .form(&[
            ("grant_type", "account_credentials"),
            ("account_id", client.setup.account_id.as_str()),
        ])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["token_type"], "bearer");
    assert_eq!(answer["expires_in"], 3599);
    assert_eq!(answer["api_url"], client.zoom.url());
    assert_eq!(client.zoom.stats().tokens_issued, 1);
}

#[tokio::test]
async fn expired_and_revoked_tokens_get_code_124() {
    let client = Client::start(Setup {
        expires_in: Duration::from_secs(1),
        ..Setup::default()
    });
    let token = client.token().await;
    let person = json!({"email": "ana@example.com", "first_name": "Ana"});
    let (status, _, _) = client
        .post(
            &token,
            &format!("meetings/{MEETING}/registrants"),
            person.clone(),
        )
        .await;
    assert_eq!(status, 201);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, _, body) = client
        .post(
            &token,
            &format!("meetings/{MEETING}/registrants"),
            person.clone(),
        )
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(124)));

    let fresh = client.token().await;
    client.zoom.revoke_tokens();
    let (status, _, body) = client
        .post(&fresh, &format!("meetings/{MEETING}/registrants"), person)
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(124)));
}

#[tokio::test]
async fn adds_validate_return_the_existing_registrant_and_stop_after_three_a_day() {
    let client = Client::start(Setup::default());
    let token = client.token().await;
    let path = format!("meetings/{MEETING}/registrants");
    let (status, _, body) = client
        .post(&token, &path, json!({"email": "bad@", "first_name": ""}))
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(300)));
    assert_eq!(body["message"], "Validation Failed.");
    assert_eq!(body["errors"][0]["field"], "email");

    let person = json!({"email": "Ana@Example.com", "first_name": "Ana"});
    let (_, headers, first) = client.post(&token, &path, person.clone()).await;
    assert!(headers.contains_key("x-zm-trackingid"));
    let (_, _, again) = client
        .post(
            &token,
            &path,
            json!({"email": "ana@example.com", "first_name": "Ana"}),
        )
        .await;
    assert_eq!(
        first["registrant_id"], again["registrant_id"],
        "the same email returns the existing registrant"
    );
    assert_eq!(first["join_url"], again["join_url"]);
    let (status, _, _) = client.post(&token, &path, person.clone()).await;
    assert_eq!(status, 201, "third add of the day");
    let (status, headers, body) = client.post(&token, &path, person).await;
    assert_eq!(status, 429, "fourth add of the day");
    assert!(body["message"]
        .as_str()
        .expect("message")
        .contains("for the registrant (Ana@Example.com)"));
    assert!(
        !headers.contains_key("x-ratelimit-type"),
        "per-registrant 429s come without a type"
    );
    assert_eq!(client.zoom.registrants(Kind::Meeting, MEETING).len(), 1);
}

#[tokio::test]
async fn manual_approval_gives_no_join_url_unless_auto_approved() {
    let client = Client::start(Setup::default());
    client.zoom.add_event(
        Kind::Meeting,
        444_444_444,
        EventSetup {
            approval_type: 1,
            ..EventSetup::scheduled_meeting()
        },
    );
    let token = client.token().await;
    let (_, _, pending) = client
        .post(
            &token,
            "meetings/444444444/registrants",
            json!({"email": "a@example.com", "first_name": "A"}),
        )
        .await;
    assert!(pending.get("join_url").is_none());
    let (_, _, approved) = client
        .post(
            &token,
            "meetings/444444444/registrants",
            json!({"email": "b@example.com", "first_name": "B", "auto_approve": true}),
        )
        .await;
    assert!(approved["join_url"].as_str().is_some());
}

#[tokio::test]
async fn batch_takes_only_scheduled_events_and_30_people() {
    let client = Client::start(Setup::default());
    client.zoom.add_event(
        Kind::Meeting,
        888_888_888,
        EventSetup {
            event_type: 8,
            ..EventSetup::scheduled_meeting()
        },
    );
    let token = client.token().await;
    let people: Vec<Value> = (0..31)
        .map(|i| json!({"email": format!("p{i}@example.com"), "first_name": "P"}))
        .collect();
    let (status, _, body) = client
        .post(
            &token,
            "meetings/888888888/batch_registrants",
            json!({"registrants": people[..2]}),
        )
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(303)));
    let (status, _, _) = client
        .post(
            &token,
            &format!("meetings/{MEETING}/batch_registrants"),
            json!({"registrants": people}),
        )
        .await;
    assert_eq!(status, 400, "31 people is too many");
    let (status, _, body) = client
        .post(
            &token,
            &format!("meetings/{MEETING}/batch_registrants"),
            json!({"registrants": people[..30]}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["registrants"].as_array().map(Vec::len), Some(30));
}

#[tokio::test]
async fn rate_limits_answer_429_with_zooms_headers() {
    let client = Client::start(Setup {
        limits: Limits {
            light_per_second: 2,
            light_per_day: Some(3),
            ..Limits::unlimited()
        },
        ..Setup::default()
    });
    let token = client.token().await;
    let path = format!("meetings/{MEETING}/registrants");
    let person = |i: u32| json!({"email": format!("p{i}@example.com"), "first_name": "P"});
    assert_eq!(client.post(&token, &path, person(1)).await.0, 201);
    assert_eq!(client.post(&token, &path, person(2)).await.0, 201);
    let (status, headers, _) = client.post(&token, &path, person(3)).await;
    assert_eq!(status, 429);
    assert_eq!(headers["x-ratelimit-type"], "QPS");
    assert_eq!(headers["x-ratelimit-category"], "Light");
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    assert_eq!(client.post(&token, &path, person(3)).await.0, 201);
    let (status, headers, _) = client.post(&token, &path, person(4)).await;
    assert_eq!(status, 429);
    assert_eq!(headers["x-ratelimit-type"], "Daily-limit");
    let retry_after = headers["retry-after"].to_str().expect("ascii");
    assert!(retry_after.ends_with("T00:00:00Z"), "{retry_after}");
}

#[tokio::test]
async fn event_errors_use_zooms_codes() {
    let client = Client::start(Setup::default());
    client.zoom.add_event(
        Kind::Meeting,
        111_111_111,
        EventSetup {
            approval_type: 2,
            ..EventSetup::scheduled_meeting()
        },
    );
    client.zoom.add_event(
        Kind::Meeting,
        222_222_222,
        EventSetup {
            over: true,
            ..EventSetup::scheduled_meeting()
        },
    );
    client.zoom.add_event(
        Kind::Meeting,
        333_333_333,
        EventSetup {
            capacity: 0,
            ..EventSetup::scheduled_meeting()
        },
    );
    let token = client.token().await;
    let person = json!({"email": "a@example.com", "first_name": "A"});
    for (id, status, code) in [
        (999_999_999u64, 404, 3001),
        (111_111_111, 404, 404),
        (222_222_222, 400, 3038),
        (333_333_333, 400, 3043),
    ] {
        let (got, _, body) = client
            .post(
                &token,
                &format!("meetings/{id}/registrants"),
                person.clone(),
            )
            .await;
        assert_eq!((got, body["code"].as_i64()), (status, Some(code)), "{id}");
    }
    let (status, _, body) = client
        .post(
            &token,
            &format!("meetings/{MEETING}/registrants"),
            json!({"email": "host@example.com", "first_name": "H"}),
        )
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(3027)));
}

#[tokio::test]
async fn before_multiple_tokens_a_new_token_revoked_the_previous_one() {
    let client = Client::start(Setup {
        new_token_revokes_old: true,
        ..Setup::default()
    });
    let path = format!("meetings/{MEETING}/registrants");
    let person = json!({"email": "ana@example.com", "first_name": "Ana"});
    let first = client.token().await;
    assert_eq!(client.post(&first, &path, person.clone()).await.0, 201);
    let second = client.token().await;
    let (status, _, body) = client.post(&first, &path, person.clone()).await;
    assert_eq!(
        (status, body["code"].as_i64()),
        (401, Some(124)),
        "the older token is revoked"
    );
    assert_eq!(client.post(&second, &path, person).await.0, 201);
}

#[tokio::test]
async fn the_request_log_gives_each_requests_times_answer_and_token() {
    let client = Client::start(Setup {
        faults: fake_zoom::Faults {
            latency: Duration::from_millis(50),
            broken_list_page: Some(2),
            ..fake_zoom::Faults::default()
        },
        ..Setup::default()
    });
    for i in 0..4 {
        client.zoom.preregister(
            Kind::Meeting,
            MEETING,
            &format!("p{i}@example.com"),
            "approved",
        );
    }
    let first = client.token().await;
    let second = client.token().await;
    let list = |token: String, query: &str| {
        let http = client.http.clone();
        let url = format!(
            "{}/v2/meetings/{MEETING}/registrants?{query}",
            client.zoom.url()
        );
        async move {
            let answer: Value = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            answer
        }
    };
    let page_one = list(first, "page_size=2").await;
    let next = page_one["next_page_token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let page_two = list(
        second.clone(),
        &format!("page_size=2&next_page_token={next}"),
    )
    .await;

    assert_eq!(page_one["registrants"][0]["email"], "p0@example.com");
    assert_eq!(
        page_two["registrants"][0].get("email"),
        None,
        "the broken page lacks emails"
    );
    let log = client.zoom.requests();
    let api: Vec<_> = log.iter().filter(|r| r.path.starts_with("/v2/")).collect();
    assert_eq!(api.len(), 2);
    assert_eq!(
        (api[0].token, api[1].token),
        (Some(1), Some(2)),
        "which token carried each"
    );
    assert_eq!(api[1].query, format!("page_size=2&next_page_token={next}"));
    for request in &api {
        assert_eq!(request.status, 200);
        assert!(request.ended - request.started >= Duration::from_millis(50));
    }
    assert!(api[1].started >= api[0].ended, "one after the other");
    assert_eq!(log.iter().filter(|r| r.path == "/oauth/token").count(), 2);
}

/// Not Zoom's behaviour but the tests' pause button: while held, API requests wait before any
/// work is done (the token endpoint still answers), and they go on when the hold is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_requests_wait_before_any_work_and_go_on_when_released() {
    let client = std::sync::Arc::new(Client::start(Setup::default()));
    let hold = client.zoom.hold_answers();
    let token = client.token().await;
    let adds: Vec<_> = (0..3)
        .map(|i| {
            let (client, token) = (client.clone(), token.clone());
            tokio::spawn(async move {
                let body = json!({ "email": format!("held{i}@example.com"), "first_name": "Held" });
                client
                    .post(&token, &format!("meetings/{MEETING}/registrants"), body)
                    .await
            })
        })
        .collect();
    let all_held = async {
        while client.zoom.held() < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), all_held)
        .await
        .expect("the three adds are held");
    assert!(
        client.zoom.registrants(Kind::Meeting, MEETING).is_empty(),
        "nothing is done while held"
    );
    drop(hold);
    for add in adds {
        let (status, _, body) = add.await.expect("the add");
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(client.zoom.held(), 0);
    assert_eq!(client.zoom.registrants(Kind::Meeting, MEETING).len(), 3);
}

/// One person's fourth add of the day is refused with a 429 worded with the address (zoom-api.md
/// §5, from Zoom's API reference and developer forum thread 141856) or without it ("… permitted
/// for this particular registrant …", https://devforum.zoom.us/t/why-are-now-limited-to-only-3-add-webinar-registrant-api-calls-per-day/57798);
/// `Mixed` gives some people one and some the other.
#[tokio::test]
async fn a_persons_fourth_add_is_refused_in_either_of_zooms_wordings() {
    use fake_zoom::{Faults, RegistrantWording};
    let fourth_add = |wording: RegistrantWording, emails: Vec<String>| async move {
        let client = Client::start(Setup {
            faults: Faults {
                registrant_limit_wording: wording,
                ..Faults::default()
            },
            ..Setup::default()
        });
        let token = client.token().await;
        let mut messages = Vec::new();
        for email in emails {
            client.zoom.use_up_adds(Kind::Meeting, MEETING, &email);
            let body = json!({ "email": email, "first_name": "Ana" });
            let (status, _, answer) = client
                .post(&token, &format!("meetings/{MEETING}/registrants"), body)
                .await;
            assert_eq!(
                (status, answer["code"].as_i64()),
                (429, Some(429)),
                "{answer}"
            );
            messages.push(answer["message"].as_str().unwrap_or_default().to_string());
        }
        messages
    };
    let ana = || vec!["ana@example.com".to_string()];
    let named = fourth_add(RegistrantWording::Named, ana()).await;
    assert!(
        named[0].contains("for the registrant (ana@example.com)"),
        "{named:?}"
    );
    let unnamed = fourth_add(RegistrantWording::Unnamed, ana()).await;
    assert!(
        unnamed[0].contains("permitted for this particular registrant")
            && !unnamed[0].contains('@'),
        "{unnamed:?}"
    );
    let people = (0..16).map(|i| format!("p{i}@example.com")).collect();
    let mixed = fourth_add(RegistrantWording::Mixed, people).await;
    assert!(
        mixed.iter().any(|m| m.contains("for the registrant (")),
        "{mixed:?}"
    );
    assert!(
        mixed.iter().any(|m| m.contains("particular registrant")),
        "{mixed:?}"
    );
}

/// Zoom's description of the batch answer (`shared/zoom-openapi`, `batch_registrants` 200)
/// marks none of an entry's fields required: with `batch_bare_items` the last entry has no
/// `email` or `registrant_id` and the one before an empty ID, while everyone is registered.
#[tokio::test]
async fn batch_answers_can_leave_an_entrys_fields_out() {
    use fake_zoom::Faults;
    let client = Client::start(Setup {
        faults: Faults {
            batch_bare_items: true,
            ..Faults::default()
        },
        ..Setup::default()
    });
    let token = client.token().await;
    let people: Vec<Value> = (0..3)
        .map(|i| json!({ "email": format!("p{i}@example.com"), "first_name": "P" }))
        .collect();
    let (status, _, answer) = client
        .post(
            &token,
            &format!("meetings/{MEETING}/batch_registrants"),
            json!({ "registrants": people }),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let entries = answer["registrants"].as_array().expect("entries");
    assert_eq!(entries.len(), 3);
    assert!(entries[0]["registrant_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert_eq!(entries[1]["registrant_id"], "");
    assert!(entries[2].get("email").is_none() && entries[2].get("registrant_id").is_none());
    assert_eq!(client.zoom.registrants(Kind::Meeting, MEETING).len(), 3);
}

/// A busy token endpoint answers 429 with `Retry-After` (Zoom documents no limit for it; a
/// limited endpoint refuses for now so, RFC 6585 §4); a down API answers every request, reads
/// too, with a gateway's 503 and no JSON (Zoom's front during its April 2025 outage answered
/// "502 Bad Gateway").
#[tokio::test]
async fn a_busy_token_endpoint_says_429_and_a_down_api_says_503_to_everything() {
    use fake_zoom::Faults;
    let client = Client::start(Setup {
        faults: Faults {
            api_down: true,
            ..Faults::default()
        },
        ..Setup::default()
    });
    let token = client.token().await;
    let (status, _, body) = client
        .send(
            reqwest::Method::GET,
            &token,
            &format!("meetings/{MEETING}"),
            None,
        )
        .await;
    assert_eq!((status, body), (503, Value::Null));

    client.zoom.token_endpoint_busy(true);
    let answer = client
        .http
        .post(client.zoom.oauth_url())
        .basic_auth(&client.setup.client_id, Some(&client.setup.client_secret))
        .form(&[
            ("grant_type", "account_credentials"),
            ("account_id", client.setup.account_id.as_str()),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(answer.status().as_u16(), 429);
    assert_eq!(answer.headers()["retry-after"], "1");
    assert_eq!(client.zoom.stats().token_requests_rejected, 1);
}

/// Status changes meet the faults adds meet: a connection can break off after Zoom did the
/// work whatever the endpoint (zoom-api.md, "Implications": persist a journal so re-runs are
/// idempotent, and never count on a repeated request being a no-op). With every answer
/// dropped after the work, the call's connection breaks off and the change is made.
#[tokio::test]
async fn a_status_change_whose_answer_is_dropped_is_still_made() {
    use fake_zoom::Faults;
    let client = Client::start(Setup {
        faults: Faults {
            drop_after_rate: 1.0,
            ..Faults::default()
        },
        ..Setup::default()
    });
    client
        .zoom
        .preregister(Kind::Meeting, MEETING, "ana@example.com", "pending");
    let id = client.zoom.registrants(Kind::Meeting, MEETING)[0]
        .id
        .clone();
    let token = client.token().await;
    let sent = client
        .http
        .put(format!(
            "{}/v2/meetings/{MEETING}/registrants/status",
            client.zoom.url()
        ))
        .bearer_auth(&token)
        .json(&json!({ "action": "approve", "registrants": [{ "id": id }] }))
        .send()
        .await;
    assert!(sent.is_err(), "the connection breaks off: {sent:?}");
    assert_eq!(
        client.zoom.registrants(Kind::Meeting, MEETING)[0].status,
        "approved"
    );
}
