//! Adding registrants (one, or a batch of up to 30), listing them with every field Zoom keeps,
//! and changing their status (approve, deny, cancel; up to 30 a call), with Zoom's validation,
//! its per-person daily limits and its capacity.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::events::parse_event;
use crate::responses::{dropped_connection, validation_failed, with_tracking_id, zoom_error};
use crate::setup::{EndlessPages, Kind, Registrant};
use crate::state::{lock, Call, Category, Inner, Shared};

/// Zoom's own field rules for an add (a subset of what zimport checks locally, plus the emails
/// a test marks as rejected).
pub(crate) fn validate_person(
    inner: &Inner,
    person: &serde_json::Map<String, Value>,
    prefix: &str,
) -> Vec<(String, &'static str)> {
    let mut errors = Vec::new();
    let text = |key: &str| person.get(key).and_then(Value::as_str).unwrap_or("");
    let email = text("email");
    let plausible = email.len() <= 128
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
        && !email.contains(char::is_whitespace);
    if !plausible || inner.rejected_emails.contains(&email.to_lowercase()) {
        errors.push((format!("{prefix}email"), "Invalid field."));
    }
    let first = text("first_name");
    if first.trim().is_empty() || first.chars().count() > 64 {
        errors.push((format!("{prefix}first_name"), "Invalid field."));
    }
    if text("last_name").chars().count() > 64 {
        errors.push((format!("{prefix}last_name"), "Invalid field."));
    }
    errors
}

/// An answer to a one-choice custom question must be one of its choices, as Zoom spells them:
/// `single` on a meeting's form, `single_radio` and `single_dropdown` on a webinar's (Zoom's
/// OpenAPI description of the registration questions; Zoom's registration page offers only
/// those choices). Free text (`short`) and `multiple` are not checked.
pub(crate) fn check_answers(
    questions: &[crate::setup::CustomQuestion],
    person: &serde_json::Map<String, Value>,
) -> Vec<(String, &'static str)> {
    let given = person
        .get("custom_questions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut errors = Vec::new();
    for answer in &given {
        let title = answer.get("title").and_then(Value::as_str).unwrap_or("");
        let value = answer.get("value").and_then(Value::as_str).unwrap_or("");
        let Some(question) = questions.iter().find(|q| q.title == title) else {
            continue;
        };
        let one_choice = matches!(
            question.kind.as_str(),
            "single" | "single_radio" | "single_dropdown"
        );
        if one_choice && !question.answers.iter().any(|a| a == value) {
            errors.push(("custom_questions".to_string(), "Invalid field."));
        }
    }
    errors
}

#[derive(Deserialize)]
pub(crate) struct AddQuery {
    occurrence_ids: Option<String>,
}

pub(crate) async fn add_registrant(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    Query(query): Query<AddQuery>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let occurrence_ids = query.occurrence_ids;
    let (response, tracking, delay, drop_after) = {
        let mut inner = lock(&shared);
        inner.stats.api_requests += 1;
        inner.stats.single_adds += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let person: Option<serde_json::Map<String, Value>> = serde_json::from_slice(&body).ok();
        let email = person
            .as_ref()
            .and_then(|p| p.get("email"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        inner.count_request(&email);
        let mut drop_after = false;
        let response = (|| {
            let (kind, id) = parse_event(&kind, &id)?;
            inner.authorize(&headers)?;
            inner.refuse_write()?;
            inner.require_scope(kind, "add")?;
            inner.rate_limit(Category::Light)?;
            drop_after = inner.apply_fault(
                &format!("single {kind:?} {id} {}", email.to_lowercase()),
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    503,
                    "Service temporarily unavailable.",
                ),
            )?;
            let Some(person) = person else {
                return Err(zoom_error(
                    StatusCode::BAD_REQUEST,
                    300,
                    "Request Body should be a valid JSON object.",
                ));
            };
            let event = inner.event(kind, id, Call::Add)?;
            if let Some(wanted) = &occurrence_ids {
                if wanted.split(',').any(|o| {
                    !event
                        .setup
                        .occurrences
                        .iter()
                        .any(|known| known == o.trim())
                }) {
                    return Err(zoom_error(
                        StatusCode::BAD_REQUEST,
                        300,
                        "Invalid parameter: occurrence_ids.",
                    ));
                }
            }
            let host = event.setup.host_email.to_lowercase();
            let approval_type = event.setup.approval_type;
            let full = event.registrants.len() >= event.setup.capacity;
            let existing = event.by_email.get(&email.to_lowercase()).copied();
            let many = inner.setup.faults.field_errors;
            if many > 0 {
                return Err(validation_failed(
                    (0..many)
                        .map(|i| (format!("custom_questions[{i}].value"), "Invalid field."))
                        .collect(),
                ));
            }
            let mut errors = validate_person(&inner, &person, "");
            errors.extend(check_answers(&event.setup.custom_questions, &person));
            if !errors.is_empty() {
                return Err(validation_failed(errors));
            }
            if email.to_lowercase() == host {
                return Err(zoom_error(
                    StatusCode::BAD_REQUEST,
                    3027,
                    "Host cannot register.",
                ));
            }
            let key = (kind, id, email.to_lowercase());
            let count = inner.daily_adds.entry(key).or_insert(0);
            *count += 1;
            if *count > 3 {
                inner.stats.registrant_limited += 1;
                let noun = match kind {
                    Kind::Meeting => "Add meeting registrant",
                    Kind::Webinar => "Add a webinar registrant",
                };
                let message = inner.registrant_limit_message(noun, &email);
                let mut response = zoom_error(StatusCode::TOO_MANY_REQUESTS, 429, &message);
                response
                    .headers_mut()
                    .insert("x-ratelimit-category", HeaderValue::from_static("Light"));
                return Err(response);
            }
            let registrant = match existing {
                Some(index) => inner
                    .events
                    .get(&(kind, id))
                    .map(|e| e.registrants[index].clone()),
                None => {
                    if full {
                        return Err(zoom_error(
                            StatusCode::BAD_REQUEST,
                            3043,
                            &format!("{} has reached maximum attendee capacity.", kind.noun()),
                        ));
                    }
                    let auto_approve = person
                        .get("auto_approve")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                        && kind == Kind::Meeting;
                    let status = if approval_type == 0 || auto_approve {
                        "approved"
                    } else {
                        "pending"
                    };
                    let text = |key: &str| {
                        person
                            .get(key)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    let mut registrant = inner.new_registrant(
                        id,
                        &email,
                        &text("first_name"),
                        &text("last_name"),
                        status,
                    );
                    registrant.fields = person.clone();
                    if let Some(wanted) = &occurrence_ids {
                        registrant
                            .fields
                            .insert("occurrence_ids".to_string(), json!(wanted));
                    }
                    inner.insert_registrant(kind, id, registrant.clone());
                    Some(registrant)
                }
            };
            let registrant = registrant
                .ok_or_else(|| zoom_error(StatusCode::INTERNAL_SERVER_ERROR, 500, "internal"))?;
            let mut body = json!({
                "id": id,
                "registrant_id": registrant.id,
                "topic": "Quarterly all-hands",
                "start_time": "2026-12-01T16:00:00Z",
            });
            match kind {
                // Left out while the host has to approve them (zoom-api.md §1: Zoom documents
                // this for meetings).
                Kind::Meeting => {
                    if let Some(join_url) = &registrant.join_url {
                        body["join_url"] = json!(join_url);
                    }
                }
                // The webinar add gives the registrant's link whatever their status (its
                // description has no exception), and says the status itself, with the
                // registration page to share (Zoom's API changelog, 2026-09-21).
                Kind::Webinar => {
                    body["join_url"] = json!(registrant.join_url.clone().unwrap_or_else(
                        || format!("https://fake.zoom.us/w/{id}?tk={}", registrant.id)
                    ));
                    body["status"] = json!(registrant.status);
                    body["share_url"] =
                        json!(format!("https://fake.zoom.us/webinar/register/{id}"));
                }
            }
            Ok((StatusCode::CREATED, Json(body)).into_response())
        })()
        .unwrap_or_else(|e| e);
        (response, tracking, delay, drop_after)
    };
    tokio::time::sleep(delay).await;
    if drop_after {
        lock(&shared).stats.dropped += 1;
        return dropped_connection();
    }
    with_tracking_id(response, tracking)
}

pub(crate) async fn batch_registrants(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (response, tracking, delay, drop_after) = {
        let mut inner = lock(&shared);
        inner.stats.api_requests += 1;
        inner.stats.batch_calls += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
        let people: Vec<serde_json::Map<String, Value>> = parsed
            .as_ref()
            .and_then(|b| b.get("registrants"))
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|p| p.as_object().cloned()).collect())
            .unwrap_or_default();
        let emails: Vec<String> = people
            .iter()
            .map(|p| {
                p.get("email")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        for email in &emails {
            inner.count_request(email);
        }
        let mut drop_after = false;
        let response = (|| {
            let (kind, id) = parse_event(&kind, &id)?;
            inner.authorize(&headers)?;
            inner.refuse_write()?;
            inner.require_scope(kind, "batch")?;
            inner.rate_limit(Category::Heavy)?;
            let mut identity: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
            identity.sort();
            drop_after = inner.apply_fault(
                &format!("batch {kind:?} {id} {}", identity.join(",")),
                (StatusCode::BAD_GATEWAY, 502, "Bad gateway."),
            )?;
            let event = inner.event(kind, id, Call::Batch)?;
            let scheduled = match kind {
                Kind::Meeting => event.setup.event_type == 2,
                Kind::Webinar => event.setup.event_type == 5,
            };
            if !scheduled {
                return Err(match kind {
                    Kind::Meeting => zoom_error(
                        StatusCode::BAD_REQUEST,
                        303,
                        "This API can only be used for scheduled meeting.",
                    ),
                    Kind::Webinar => zoom_error(
                        StatusCode::BAD_REQUEST,
                        300,
                        "This API can only be used for scheduled webinar.",
                    ),
                });
            }
            let approval_type = event.setup.approval_type;
            let capacity = event.setup.capacity;
            if people.is_empty() || people.len() > 30 {
                return Err(validation_failed(vec![(
                    "registrants".to_string(),
                    "Invalid field.",
                )]));
            }
            let mut errors = Vec::new();
            for (index, person) in people.iter().enumerate() {
                errors.extend(validate_person(
                    &inner,
                    person,
                    &format!("registrants[{index}]."),
                ));
            }
            if !errors.is_empty() {
                return Err(validation_failed(errors));
            }
            for email in &emails {
                let count = inner
                    .daily_adds
                    .entry((kind, id, email.to_lowercase()))
                    .or_insert(0);
                *count += 1;
                if *count > 3 {
                    inner.stats.registrant_limited += 1;
                    let api = format!("{} Perform batch registration", kind.noun().to_lowercase());
                    let message = inner.registrant_limit_message(&api, email);
                    return Err(zoom_error(StatusCode::TOO_MANY_REQUESTS, 429, &message));
                }
            }
            let auto_approve = parsed
                .as_ref()
                .and_then(|b| b.get("auto_approve"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let status = if approval_type == 0 || auto_approve {
                "approved"
            } else {
                "pending"
            };
            let mut out = Vec::new();
            for person in &people {
                let text = |key: &str| {
                    person
                        .get(key)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let email = text("email");
                let existing = inner.events.get(&(kind, id)).and_then(|e| {
                    e.by_email
                        .get(&email.to_lowercase())
                        .map(|&i| e.registrants[i].clone())
                });
                let registrant = match existing {
                    Some(registrant) => registrant,
                    None => {
                        let full = inner
                            .events
                            .get(&(kind, id))
                            .is_some_and(|e| e.registrants.len() >= capacity);
                        if full {
                            return Err(zoom_error(
                                StatusCode::NOT_FOUND,
                                3043,
                                &format!("{} has reached maximum attendee capacity.", kind.noun()),
                            ));
                        }
                        let mut registrant = inner.new_registrant(
                            id,
                            &email,
                            &text("first_name"),
                            &text("last_name"),
                            status,
                        );
                        registrant.fields = person.clone();
                        inner.insert_registrant(kind, id, registrant.clone());
                        registrant
                    }
                };
                let mut item = json!({ "email": registrant.email, "registrant_id": registrant.id });
                if let Some(join_url) = &registrant.join_url {
                    item["join_url"] = json!(join_url);
                }
                out.push(item);
            }
            if inner.setup.faults.batch_omits_last {
                out.pop();
            }
            if inner.setup.faults.batch_bare_items {
                let mut last = out.iter_mut().rev();
                if let Some(Value::Object(item)) = last.next() {
                    item.remove("email");
                    item.remove("registrant_id");
                }
                if let Some(Value::Object(item)) = last.next() {
                    item.insert("registrant_id".to_string(), json!(""));
                }
            }
            let status =
                StatusCode::from_u16(inner.setup.batch_status).unwrap_or(StatusCode::CREATED);
            Ok((status, Json(json!({ "registrants": out }))).into_response())
        })()
        .unwrap_or_else(|e| e);
        (response, tracking, delay, drop_after)
    };
    tokio::time::sleep(delay).await;
    if drop_after {
        lock(&shared).stats.dropped += 1;
        return dropped_connection();
    }
    with_tracking_id(response, tracking)
}

/// Where a list read goes on from, by the `next_page_token` of its last page: refused once the
/// token is older than its lifetime (Zoom's description of `next_page_token`: "expires after
/// 15 minutes"), or unknown, or another list's. Zoom documents no code or words for this
/// refusal; the fake answers 400 / code 300, its code for a bad parameter.
pub(crate) fn continue_from(
    inner: &mut Inner,
    token: &str,
    event: (Kind, u64),
    status: &str,
) -> Result<usize, Response> {
    let slowed = inner.expired_served < inner.setup.faults.expired_page_tokens;
    match inner.page_tokens.get(token) {
        Some(known)
            if known.event == event
                && known.status == status
                && known.issued.elapsed() < inner.setup.page_token_lifetime
                && !slowed =>
        {
            Ok(known.start)
        }
        Some(_) if slowed => {
            inner.expired_served += 1;
            Err(zoom_error(
                StatusCode::BAD_REQUEST,
                300,
                "The next page token is invalid or expired.",
            ))
        }
        _ => Err(zoom_error(
            StatusCode::BAD_REQUEST,
            300,
            "The next page token is invalid or expired.",
        )),
    }
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    status: Option<String>,
    occurrence_id: Option<String>,
    page_size: Option<usize>,
    next_page_token: Option<String>,
}

pub(crate) async fn list_registrants(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Response {
    let (response, tracking, delay) = {
        let mut inner = lock(&shared);
        inner.stats.api_requests += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let response = (|| {
            let (kind, id) = parse_event(&kind, &id)?;
            inner.authorize(&headers)?;
            inner.require_scope(kind, "list_registrants")?;
            inner.rate_limit(Category::Medium)?;
            let status = query.status.unwrap_or_else(|| "approved".to_string());
            let occurrence = query.occurrence_id.filter(|o| !o.is_empty());
            // A page token continues the list it was given for: this status, this occurrence.
            let listed_as = match &occurrence {
                Some(occurrence) => format!("{status} of {occurrence}"),
                None => status.clone(),
            };
            let page_size = query.page_size.unwrap_or(30).clamp(1, 300);
            let start = match query.next_page_token.as_deref().filter(|t| !t.is_empty()) {
                None => 0,
                Some(token) => continue_from(&mut inner, token, (kind, id), &listed_as)?,
            };
            let broken = inner.setup.faults.broken_list_page == Some(start / page_size + 1);
            // A short page: up to half the asked size fewer, chosen from where it starts.
            let take = if inner.setup.faults.short_pages && page_size > 1 {
                page_size - 1 - (start * 7 + 3) % (page_size / 2).max(1)
            } else {
                page_size
            };
            let event = inner.events.get(&(kind, id)).ok_or_else(|| {
                zoom_error(
                    StatusCode::NOT_FOUND,
                    3001,
                    &format!("{} \"{id}\" not found or has expired.", kind.noun()),
                )
            })?;
            let per_occurrence_only = event.setup.lists_by_occurrence_only;
            let matching: Vec<&Registrant> = event
                .registrants
                .iter()
                .filter(|r| r.status == status)
                .filter(|r| match &occurrence {
                    Some(occurrence) => of_occurrence(r, occurrence),
                    None => !per_occurrence_only || occurrences_of(r).is_none(),
                })
                .collect();
            let page: Vec<Value> = matching
                .iter()
                .skip(start)
                .take(take)
                .map(|r| {
                    let mut listed = listed(r);
                    if broken {
                        listed.as_object_mut().map(|o| o.remove("email"));
                    }
                    listed
                })
                .collect();
            let total = matching.len();
            let endless = inner.setup.faults.endless_pages;
            let page = if endless == Some(EndlessPages::NewPeople) {
                (0..page_size)
                    .map(|_| {
                        inner.next_id += 1;
                        let n = inner.next_id;
                        json!({ "id": format!("made{n}"), "email": format!("made{n}@example.com"), "first_name": "Made", "status": status })
                    })
                    .collect()
            } else {
                page
            };
            let next = if let Some(endless) = endless {
                let fixed = (endless == EndlessPages::SameToken).then_some("again");
                inner.issue_page_token((kind, id), listed_as, 0, fixed)
            } else if start + take < total {
                inner.issue_page_token((kind, id), listed_as, start + take, None)
            } else {
                String::new()
            };
            Ok::<_, Response>(
                Json(json!({
                    "page_size": page_size,
                    "total_records": total,
                    "next_page_token": next,
                    "registrants": page,
                }))
                .into_response(),
            )
        })()
        .unwrap_or_else(|e| e);
        (response, tracking, delay)
    };
    tokio::time::sleep(delay).await;
    with_tracking_id(response, tracking)
}

/// The occurrences someone registered for (`occurrence_ids` of their add, comma-separated);
/// `None`: registered for the event as a whole.
fn occurrences_of(r: &Registrant) -> Option<Vec<&str>> {
    let ids = r.fields.get("occurrence_ids")?.as_str()?;
    Some(
        ids.split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect(),
    )
}

/// Whether the list of `occurrence` holds `r`: they registered for it, or for the whole event
/// (UNCERTAIN: Zoom's reference names the parameter only, "The meeting or webinar occurrence
/// ID"; someone registered for every occurrence is taken to be on each one's list).
fn of_occurrence(r: &Registrant, occurrence: &str) -> bool {
    occurrences_of(r).is_none_or(|ids| ids.contains(&occurrence))
}

/// The registrant fields of Zoom's list answer besides the names, email and custom questions.
pub(crate) const LISTED_FIELDS: [&str; 13] = [
    "address",
    "city",
    "state",
    "zip",
    "country",
    "phone",
    "industry",
    "org",
    "job_title",
    "purchasing_time_frame",
    "role_in_purchase_process",
    "no_of_employees",
    "comments",
];

/// One registrant as Zoom's list gives them: every field they registered with, their custom
/// answers, status, registration time and join URL.
fn listed(r: &Registrant) -> Value {
    let mut listed = json!({
        "id": r.id,
        "email": r.email,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "status": r.status,
        "create_time": r.create_time,
        "join_url": r.join_url,
    });
    if let Some(object) = listed.as_object_mut() {
        for field in LISTED_FIELDS {
            if let Some(value) = r.fields.get(field) {
                object.insert(field.to_string(), value.clone());
            }
        }
        let custom = r
            .fields
            .get("custom_questions")
            .cloned()
            .unwrap_or_else(|| json!([]));
        object.insert("custom_questions".to_string(), custom);
    }
    listed
}

#[derive(Deserialize)]
struct StatusBody {
    action: Option<String>,
    #[serde(default)]
    registrants: Vec<StatusRegistrant>,
}

#[derive(Deserialize)]
struct StatusRegistrant {
    id: Option<String>,
    email: Option<String>,
}

/// `PUT …/registrants/status`: approve, deny or cancel up to 30 registrants, each found by ID
/// (or email), each at most 10 times a day. A cancelled registrant is denied from then on. One that
/// is not found fails the whole call with 404, before anything changes (Zoom's documentation
/// says only "Meeting or registrant not found").
pub(crate) async fn update_status(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (response, tracking, delay, drop_after) = {
        let mut inner = lock(&shared);
        let mut drop_after = false;
        inner.stats.api_requests += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let response = (|| {
            let (kind, id) = parse_event(&kind, &id)?;
            inner.authorize(&headers)?;
            inner.refuse_write()?;
            inner.require_scope(kind, "status")?;
            if inner.setup.faults.status_calls_too_fast {
                return Err(inner.too_fast(Category::Medium));
            }
            inner.rate_limit(Category::Medium)?;
            let body: StatusBody = serde_json::from_slice(&body).map_err(|_| {
                zoom_error(StatusCode::BAD_REQUEST, 300, "Request Body should be a valid JSON object.")
            })?;
            let action = body.action.unwrap_or_default();
            let new_status = match action.as_str() {
                "approve" => "approved",
                // A cancelled registrant is denied from then on (see `Inner::set_status`).
                "deny" | "cancel" => "denied",
                _ => return Err(validation_failed(vec![("action".to_string(), "Invalid field.")])),
            };
            if body.registrants.len() > 30 {
                return Err(validation_failed(vec![("registrants".to_string(), "Invalid field.")]));
            }
            // The faults of adds, for status changes too: a 5xx or a connection dropped before
            // the work, or one dropped after it.
            let mut identity: Vec<String> = body
                .registrants
                .iter()
                .map(|r| r.id.clone().or_else(|| r.email.clone()).unwrap_or_default())
                .collect();
            identity.sort();
            drop_after = inner.apply_fault(
                &format!("status {action} {kind:?} {id} {}", identity.join(",")),
                (StatusCode::BAD_GATEWAY, 502, "Bad gateway."),
            )?;
            let event = inner.event(kind, id, Call::Other)?;
            // The registrants named, by index: each by its ID where the call gives one, so
            // that one listing of an address Zoom lists twice changes alone.
            let mut found: Vec<usize> = Vec::new();
            for wanted in &body.registrants {
                let index = event.registrants.iter().position(|r| {
                    wanted.id.as_deref().is_some_and(|w| w == r.id)
                        || (wanted.id.is_none()
                            && wanted.email.as_deref().is_some_and(|w| w.eq_ignore_ascii_case(&r.email)))
                });
                match index {
                    Some(index) => found.push(index),
                    None => return Err(zoom_error(StatusCode::NOT_FOUND, 3001, "Meeting or registrant not found.")),
                }
            }
            // Approving past a webinar's registrant limit is refused, with nothing changed:
            // 400 / 3035 "Webinar has reached maximum attendee capacity" (Zoom's API
            // reference, "Update webinar registrant's status", its 400s).
            if kind == Kind::Webinar && new_status == "approved" {
                let approved = |r: &Registrant| r.status == "approved";
                let already = event.registrants.iter().filter(|r| approved(r)).count();
                let newly = event
                    .registrants
                    .iter()
                    .enumerate()
                    .filter(|(index, r)| !approved(r) && found.contains(index))
                    .count();
                if already + newly > event.setup.capacity {
                    return Err(zoom_error(
                        StatusCode::BAD_REQUEST,
                        3035,
                        "Webinar has reached maximum attendee capacity.",
                    ));
                }
            }
            let emails: Vec<String> =
                found.iter().map(|&index| event.registrants[index].email.to_lowercase()).collect();
            for email in &emails {
                let count = inner.daily_status_changes.entry((kind, id, email.clone())).or_insert(0);
                if *count >= 10 {
                    inner.stats.registrant_limited += 1;
                    let noun = kind.noun().to_lowercase();
                    let mut response = zoom_error(
                        StatusCode::TOO_MANY_REQUESTS,
                        429,
                        &format!("You have exceeded the daily rate limit of \"10\" for {noun} Update registrant's status API requests for the registrant \"{email}\". You can resume these API requests at GMT 00:00:00."),
                    );
                    response.headers_mut().insert("x-ratelimit-category", HeaderValue::from_static("Medium"));
                    return Err(response);
                }
            }
            for email in &emails {
                *inner.daily_status_changes.entry((kind, id, email.clone())).or_insert(0) += 1;
            }
            inner.set_status(kind, id, &found, new_status);
            inner.stats.status_calls += 1;
            if inner.setup.faults.event_gone_after_status_calls == Some(inner.stats.status_calls) {
                inner.events.remove(&(kind, id));
            }
            if inner.setup.faults.status_answers_with_body {
                return Ok((StatusCode::OK, [("content-type", "application/json")], "{}").into_response());
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        })()
        .unwrap_or_else(|e| e);
        (response, tracking, delay, drop_after)
    };
    tokio::time::sleep(delay).await;
    if drop_after {
        lock(&shared).stats.dropped += 1;
        return dropped_connection();
    }
    with_tracking_id(response, tracking)
}
