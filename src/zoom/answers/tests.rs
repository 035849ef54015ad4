use super::*;
use reqwest::header::HeaderValue;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).expect("header"));
    }
    map
}

fn refusal_with(message: &str) -> Refusal {
    Refusal {
        http_status: Some(429),
        zoom_code: Some(429),
        message: message.to_string(),
        ..Refusal::default()
    }
}

/// A 429 to an add, which carries a person.
fn classify(headers: &HeaderMap, refusal: Refusal) -> ApiError {
    rate_limit_error(headers, refusal, true)
}

#[test]
fn per_second_429_with_seconds_or_no_retry_after() {
    let error = classify(
        &headers(&[("x-ratelimit-type", "QPS"), ("retry-after", "2")]),
        refusal_with(
            "You have reached the maximum per-second rate limit for this API. Try again later.",
        ),
    );
    assert!(
        matches!(error, ApiError::PerSecondLimit { retry_after: Some(d), .. } if d == Duration::from_secs(2))
    );
    let error = classify(
        &HeaderMap::new(),
        refusal_with("You have reached the maximum per-second rate limit"),
    );
    // Without Retry-After, the second's window.
    assert!(
        matches!(error, ApiError::PerSecondLimit { retry_after: Some(d), .. } if d == Duration::from_secs(1))
    );
}

#[test]
fn daily_429_reads_an_iso_retry_after_within_two_days() {
    let midnight = next_utc_midnight(SystemTime::now());
    let text = humantime::format_rfc3339_seconds(midnight).to_string();
    let daily = |retry_after: &str| {
        classify(
            &headers(&[
                ("X-RateLimit-Type", "Daily-limit"),
                ("Retry-After", retry_after),
            ]),
            refusal_with("You have reached the maximum daily rate limit for this API."),
        )
    };
    let ApiError::DailyLimit {
        resume_at: Some(at),
        ..
    } = daily(&text)
    else {
        panic!("daily limit with a time expected");
    };
    assert_eq!(humantime::format_rfc3339_seconds(at).to_string(), text);
    // Years ahead, or more seconds than a clock holds: no time Zoom would give.
    for far in [
        "2030-05-31T00:00:00Z",
        "18446744073709551615",
        "300000000000",
    ] {
        assert!(
            matches!(
                daily(far),
                ApiError::DailyLimit {
                    resume_at: None,
                    ..
                }
            ),
            "{far}"
        );
    }
}

#[test]
fn a_per_second_429_asking_to_wait_past_midnight_is_a_daily_stop() {
    let qps = |retry_after: &str| {
        classify(
            &headers(&[("x-ratelimit-type", "QPS"), ("retry-after", retry_after)]),
            refusal_with("You have reached the maximum per-second rate limit for this API."),
        )
    };
    assert!(matches!(qps("99999999999"), ApiError::DailyLimit { .. }));
    assert!(
        matches!(qps("3"), ApiError::PerSecondLimit { retry_after: Some(d), .. } if d == Duration::from_secs(3))
    );
}

#[test]
fn daily_429_without_headers_is_recognised_by_its_message() {
    let error = classify(
        &HeaderMap::new(),
        refusal_with("You have reached the maximum daily rate limit for this API."),
    );
    assert!(matches!(
        error,
        ApiError::DailyLimit {
            resume_at: None,
            ..
        }
    ));
}

#[test]
fn per_registrant_429_names_the_person_even_with_daily_headers() {
    let error = classify(
        &headers(&[("x-ratelimit-category", "Light")]),
        refusal_with("You have exceeded the daily rate limit of (3) for Add meeting registrant API requests for the registrant (ana@example.com). You can resume these API requests at GMT 00:00:00."),
    );
    assert!(
        matches!(error, ApiError::RegistrantLimit { email: Some(ref e), .. } if e == "ana@example.com")
    );
}

#[test]
fn a_per_registrant_429_body_is_never_mistaken_for_the_account_quota() {
    let body = br#"{"code":429,"message":"You have exceeded the daily rate limit of (3) for Add meeting registrant API requests for the registrant (a.very.long.name@example.com). You can resume these API requests at GMT 00:00:00."}"#;
    let headers = headers(&[("x-ratelimit-category", "Light")]);
    let error = classify(&headers, refusal(429, &headers, body));
    assert!(
        matches!(error, ApiError::RegistrantLimit { email: Some(ref e), .. } if e == "a.very.long.name@example.com"),
        "{error:?}"
    );
}

#[test]
fn validation_refusal_keeps_its_field_errors() {
    let body = br#"{"code":300,"message":"Validation Failed.","errors":[{"field":"registrants[3].email","message":"Invalid field."}]}"#;
    let refusal = refusal(
        400,
        &headers(&[("x-zm-trackingid", "v=2.0;rid=WEB_1")]),
        body,
    );
    assert_eq!(refusal.zoom_code, Some(300));
    assert_eq!(
        refusal.field_errors,
        [(
            "registrants[3].email".to_string(),
            "Invalid field.".to_string()
        )]
    );
    assert_eq!(refusal.tracking_id.as_deref(), Some("v=2.0;rid=WEB_1"));
    assert_eq!(
        refusal.to_string(),
        "HTTP 400, Zoom code 300: Validation Failed. [registrants[3].email: Invalid field.]"
    );
}

#[test]
fn a_per_registrant_429_in_the_forums_wording_is_that_persons_with_or_without_an_address() {
    // Developer forum thread 57798, with the address and without it.
    let named = classify(
        &headers(&[("x-ratelimit-category", "Heavy")]),
        refusal_with("You have exceeded the daily rate limit (3) of Webinar Batch Registration API requests permitted for (Ana@Example.com) this particular registrant. You may resume these requests at GMT 00:00:00."),
    );
    assert!(
        matches!(named, ApiError::RegistrantLimit { email: Some(ref e), .. } if e == "Ana@Example.com"),
        "{named:?}"
    );
    let unnamed = classify(
        &HeaderMap::new(),
        refusal_with("You have exceeded the daily rate limit (3) of Add meeting registrant API requests permitted for this particular registrant. You may resume these requests at GMT 00:00:00."),
    );
    assert!(
        matches!(unnamed, ApiError::RegistrantLimit { email: None, .. }),
        "{unnamed:?}"
    );
}

#[test]
fn a_daily_429_without_a_type_is_the_accounts_only_in_its_words_or_to_a_read() {
    let someones = "You have exceeded the daily rate limit (3) of Add meeting registrant API requests. You may resume these requests at GMT 00:00:00.";
    assert!(matches!(
        rate_limit_error(&HeaderMap::new(), refusal_with(someones), true),
        ApiError::RegistrantLimit { email: None, .. }
    ));
    // A read names nobody: a daily limit it meets is the account's.
    assert!(matches!(
        rate_limit_error(&HeaderMap::new(), refusal_with(someones), false),
        ApiError::DailyLimit { .. }
    ));
    // The type header, or a wait past midnight, is the account's whatever the words.
    assert!(matches!(
        classify(
            &headers(&[("x-ratelimit-type", "Daily-limit")]),
            refusal_with(someones)
        ),
        ApiError::DailyLimit { .. }
    ));
    assert!(matches!(
        classify(
            &headers(&[("retry-after", "99999999999")]),
            refusal_with(someones)
        ),
        ApiError::DailyLimit { .. }
    ));
}

#[test]
fn a_daily_429_naming_a_limit_no_person_has_is_the_accounts() {
    let user_level =
        "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests.";
    assert!(matches!(
        classify(&HeaderMap::new(), refusal_with(user_level)),
        ApiError::DailyLimit { .. }
    ));
    let status_changes = "You have exceeded the daily rate limit of \"10\" for meeting Update registrant's status API requests.";
    assert!(matches!(
        classify(&HeaderMap::new(), refusal_with(status_changes)),
        ApiError::RegistrantLimit { email: None, .. }
    ));
}

#[test]
fn a_retry_after_at_exactly_the_next_midnight_is_a_daily_stop() {
    // As of noon UTC, not the test's own time: within 5 minutes of midnight a wait that short
    // is a per-second one.
    let noon = humantime::parse_rfc3339("2026-12-06T12:00:00Z").expect("a time");
    let at = humantime::format_rfc3339_seconds(next_utc_midnight(noon)).to_string();
    assert_eq!(at, "2026-12-07T00:00:00Z");
    let someones =
        "You have exceeded the daily rate limit (3) of Add meeting registrant API requests.";
    let error = rate_limit_error_at(
        &headers(&[("retry-after", &at)]),
        refusal_with(someones),
        true,
        noon,
    );
    assert!(matches!(error, ApiError::DailyLimit { .. }), "{error:?}");
}
