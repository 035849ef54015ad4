//! What Zoom's OpenAPI description allows of each request a client sends (the copy in
//! `shared/zoom-openapi/`, operations `meetingRegistrantCreate`, `webinarRegistrantCreate`,
//! `addBatchRegistrants`, `addBatchWebinarRegistrants`, `meetingRegistrantStatus`,
//! `webinarRegistrantStatus`, `meetingRegistrants`, `webinarRegistrants`): the fields each
//! body may carry, their types, lengths and enums, and the query parameters. Written from the
//! description by hand, not generated from it.
//!
//! The fake answers as Zoom would whatever a request holds; a request that departs from the
//! description is noted ([`crate::FakeZoom::departures`]) for tests to assert on. The
//! description's `maximum: 30` on the status call's array is a number's keyword, which
//! validators ignore on an array, so the 30 is checked here too, as is the batch's "up to 30"
//! (its description text).

use serde_json::{Map, Value};

use crate::setup::Kind;

/// The standard fields of an add, besides email and names, all strings.
const TEXT_FIELDS: [&str; 9] = [
    "address",
    "city",
    "state",
    "zip",
    "country",
    "phone",
    "comments",
    "industry",
    "job_title",
];

const NO_OF_EMPLOYEES: [&str; 9] = [
    "",
    "1-20",
    "21-50",
    "51-100",
    "101-500",
    "500-1,000",
    "1,001-5,000",
    "5,001-10,000",
    "More than 10,000",
];
const PURCHASING_TIME_FRAME: [&str; 6] = [
    "",
    "Within a month",
    "1-3 months",
    "4-6 months",
    "More than 6 months",
    "No timeframe",
];
const ROLE_IN_PURCHASE_PROCESS: [&str; 5] = [
    "",
    "Decision Maker",
    "Evaluator/Recommender",
    "Influencer",
    "Not involved",
];
const LANGUAGE: [&str; 14] = [
    "en-US", "de-DE", "es-ES", "fr-FR", "jp-JP", "pt-PT", "ru-RU", "zh-CN", "zh-TW", "ko-KO",
    "it-IT", "vi-VN", "pl-PL", "Tr-TR",
];

/// How a departure is worded: the call, then what is wrong.
fn departure(call: &str, what: String) -> String {
    format!("{call}: {what}")
}

/// The query parameters a call may carry.
pub(crate) fn query(call: &str, kind: Kind, query: &str) -> Vec<String> {
    let allowed: &[&str] = match call {
        "add" => &["occurrence_ids"],
        "status" => &["occurrence_id"],
        "event" => &["occurrence_id", "show_previous_occurrences"],
        "participants" => &["page_size", "next_page_token", "include_fields"],
        "list" => match kind {
            Kind::Meeting => &[
                "occurrence_id",
                "status",
                "page_size",
                "page_number",
                "next_page_token",
            ],
            Kind::Webinar => &[
                "occurrence_id",
                "status",
                "page_size",
                "page_number",
                "next_page_token",
                "tracking_source_id",
            ],
        },
        _ => &[],
    };
    let mut found = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !allowed.contains(&name) {
            found.push(departure(
                call,
                format!("query parameter {name} is not described"),
            ));
        }
        match name {
            "status" if !["pending", "approved", "denied"].contains(&value) => {
                found.push(departure(
                    call,
                    format!("status={value} is not in its enum"),
                ));
            }
            "include_fields" if value != "registrant_id" => {
                found.push(departure(
                    call,
                    format!("include_fields={value}: only registrant_id is described"),
                ));
            }
            "page_size" if value.parse::<u32>().map_or(true, |n| n > 300) => {
                found.push(departure(
                    call,
                    format!("page_size={value}: an integer up to 300"),
                ));
            }
            _ => {}
        }
    }
    found
}

/// A body that is a JSON object, or the departure.
fn object<'a>(call: &str, body: Option<&'a Value>) -> Result<&'a Map<String, Value>, String> {
    body.and_then(Value::as_object)
        .ok_or_else(|| departure(call, "the body is not a JSON object".to_string()))
}

/// Checks `value` is a string of at most `max` characters (if given) from `allowed` (if
/// given).
fn text(
    found: &mut Vec<String>,
    call: &str,
    name: &str,
    value: &Value,
    max: Option<usize>,
    allowed: Option<&[&str]>,
) {
    let Some(value) = value.as_str() else {
        found.push(departure(call, format!("{name} is not a string")));
        return;
    };
    if let Some(max) = max {
        if value.chars().count() > max {
            found.push(departure(
                call,
                format!("{name} is longer than {max} characters"),
            ));
        }
    }
    if let Some(allowed) = allowed {
        if !allowed.contains(&value) {
            found.push(departure(
                call,
                format!("{name} '{value}' is not in its enum"),
            ));
        }
    }
}

/// Checks the fields of `object` named in `required` are there.
fn required(found: &mut Vec<String>, call: &str, object: &Map<String, Value>, names: &[&str]) {
    for name in names {
        if !object.contains_key(*name) {
            found.push(departure(call, format!("required {name} is missing")));
        }
    }
}

/// `POST /{kind}s/{id}/registrants`.
pub(crate) fn add(kind: Kind, body: Option<&Value>) -> Vec<String> {
    let call = "add";
    let person = match object(call, body) {
        Ok(person) => person,
        Err(departure) => return vec![departure],
    };
    let mut found = Vec::new();
    required(&mut found, call, person, &["email", "first_name"]);
    for (name, value) in person {
        let name = name.as_str();
        match name {
            "email" => text(&mut found, call, name, value, Some(128), None),
            "first_name" | "last_name" => text(&mut found, call, name, value, Some(64), None),
            "org" => text(&mut found, call, name, value, None, None),
            _ if TEXT_FIELDS.contains(&name) => text(&mut found, call, name, value, None, None),
            "no_of_employees" => text(&mut found, call, name, value, None, Some(&NO_OF_EMPLOYEES)),
            "purchasing_time_frame" => text(
                &mut found,
                call,
                name,
                value,
                None,
                Some(&PURCHASING_TIME_FRAME),
            ),
            "role_in_purchase_process" => text(
                &mut found,
                call,
                name,
                value,
                None,
                Some(&ROLE_IN_PURCHASE_PROCESS),
            ),
            "language" => text(&mut found, call, name, value, None, Some(&LANGUAGE)),
            "auto_approve" if kind == Kind::Meeting && value.is_boolean() => {}
            "custom_questions" => custom_questions(&mut found, value),
            _ => found.push(departure(call, format!("field {name} is not described"))),
        }
    }
    found
}

fn custom_questions(found: &mut Vec<String>, value: &Value) {
    let call = "add";
    let Some(answers) = value.as_array() else {
        found.push(departure(
            call,
            "custom_questions is not an array".to_string(),
        ));
        return;
    };
    for answer in answers {
        let Some(answer) = answer.as_object() else {
            found.push(departure(
                call,
                "a custom answer is not an object".to_string(),
            ));
            continue;
        };
        for (name, value) in answer {
            match name.as_str() {
                "title" => text(found, call, "custom_questions.title", value, None, None),
                "value" => text(
                    found,
                    call,
                    "custom_questions.value",
                    value,
                    Some(128),
                    None,
                ),
                other => found.push(departure(
                    call,
                    format!("custom_questions.{other} is not described"),
                )),
            }
        }
    }
}

/// `POST /{kind}s/{id}/batch_registrants`.
pub(crate) fn batch(kind: Kind, body: Option<&Value>) -> Vec<String> {
    let call = "batch";
    let body = match object(call, body) {
        Ok(body) => body,
        Err(departure) => return vec![departure],
    };
    let mut found = Vec::new();
    for (name, value) in body {
        match name.as_str() {
            "auto_approve" if value.is_boolean() => {}
            "registrants_confirmation_email" if kind == Kind::Meeting && value.is_boolean() => {}
            "registrants" => {
                let Some(people) = value.as_array() else {
                    found.push(departure(call, "registrants is not an array".to_string()));
                    continue;
                };
                if people.len() > 30 {
                    found.push(departure(
                        call,
                        format!("{} registrants, more than 30", people.len()),
                    ));
                }
                for person in people {
                    let Some(person) = person.as_object() else {
                        found.push(departure(call, "a registrant is not an object".to_string()));
                        continue;
                    };
                    required(&mut found, call, person, &["email", "first_name"]);
                    for (name, value) in person {
                        match name.as_str() {
                            "email" | "first_name" | "last_name" => {
                                text(&mut found, call, name, value, None, None)
                            }
                            other => found.push(departure(
                                call,
                                format!("registrants.{other} is not described"),
                            )),
                        }
                    }
                }
            }
            other => found.push(departure(call, format!("field {other} is not described"))),
        }
    }
    found
}

/// `PUT /{kind}s/{id}/registrants/status`.
pub(crate) fn status(body: Option<&Value>) -> Vec<String> {
    let call = "status";
    let body = match object(call, body) {
        Ok(body) => body,
        Err(departure) => return vec![departure],
    };
    let mut found = Vec::new();
    required(&mut found, call, body, &["action"]);
    for (name, value) in body {
        match name.as_str() {
            "action" => text(
                &mut found,
                call,
                "action",
                value,
                None,
                Some(&["approve", "cancel", "deny"]),
            ),
            "registrants" => {
                let Some(people) = value.as_array() else {
                    found.push(departure(call, "registrants is not an array".to_string()));
                    continue;
                };
                if people.len() > 30 {
                    found.push(departure(
                        call,
                        format!("{} registrants, more than 30", people.len()),
                    ));
                }
                for person in people {
                    let Some(person) = person.as_object() else {
                        found.push(departure(call, "a registrant is not an object".to_string()));
                        continue;
                    };
                    for (name, value) in person {
                        match name.as_str() {
                            "id" | "email" => text(&mut found, call, name, value, None, None),
                            other => found.push(departure(
                                call,
                                format!("registrants.{other} is not described"),
                            )),
                        }
                    }
                }
            }
            other => found.push(departure(call, format!("field {other} is not described"))),
        }
    }
    found
}
