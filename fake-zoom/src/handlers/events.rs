//! `GET /v2/{kind}/{id}` and its registration questions.

use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::responses::{with_tracking_id, zoom_error};
use crate::setup::Kind;
use crate::state::{lock, Call, Category, Shared};

pub(crate) fn parse_event(kind: &str, id: &str) -> Result<(Kind, u64), Response> {
    let kind =
        Kind::from_path(kind).ok_or_else(|| zoom_error(StatusCode::NOT_FOUND, 404, "Not found"))?;
    let id = id.parse::<u64>().map_err(|_| {
        zoom_error(
            StatusCode::BAD_REQUEST,
            300,
            &format!("Invalid {} ID.", kind.noun().to_lowercase()),
        )
    })?;
    Ok((kind, id))
}

/// `GET /v2/{kind}/{id}`'s query: `show_previous_occurrences=true` lists the occurrences that
/// have ended too (Zoom's API reference: "Set the value of this field to `true` if you would
/// like to view meeting details of all previous occurrences of a recurring meeting").
#[derive(serde::Deserialize)]
pub(crate) struct EventQuery {
    #[serde(default)]
    show_previous_occurrences: bool,
}

pub(crate) async fn get_event(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    Query(query): Query<EventQuery>,
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
            inner.require_scope(kind, "read_event")?;
            inner.rate_limit(Category::Light)?;
            let event = inner.events.get(&(kind, id)).ok_or_else(|| {
                zoom_error(
                    StatusCode::NOT_FOUND,
                    3001,
                    &format!("{} \"{id}\" not found or has expired.", kind.noun()),
                )
            })?;
            let setup = &event.setup;
            // An event that is over started three days ago; the others start in ten days.
            let now = SystemTime::now();
            let start = if setup.over {
                now - Duration::from_secs(3 * 86_400)
            } else {
                now + Duration::from_secs(10 * 86_400)
            };
            let start_text = humantime::format_rfc3339_seconds(start).to_string();
            // Occurrence i starts i days after the event (an hour each): those of an event
            // that is over have all ended (the last a day ago), and are listed only when asked.
            let shown = !setup.over || query.show_previous_occurrences;
            let occurrences: Vec<Value> = setup
                .occurrences
                .iter()
                .filter(|_| shown)
                .zip(0u64..)
                .map(|(o, day)| {
                    let at = start + Duration::from_secs(day * 86_400);
                    let at = humantime::format_rfc3339_seconds(at).to_string();
                    json!({ "occurrence_id": o, "start_time": at, "duration": 60, "status": "available" })
                })
                .collect();
            let mut body = json!({
                "id": id,
                "topic": setup.topic,
                "type": setup.event_type,
                "host_email": setup.host_email,
                "start_time": start_text,
                "duration": 60,
                "settings": {
                    "approval_type": setup.approval_type,
                    "registration_type": setup.registration_type,
                },
                "occurrences": occurrences,
            });
            if kind == Kind::Webinar {
                body["settings"]["registrants_restrict_number"] = json!(setup.capacity);
            }
            Ok::<_, Response>(Json(body).into_response())
        })()
        .unwrap_or_else(|e| e);
        (response, tracking, delay)
    };
    tokio::time::sleep(delay).await;
    with_tracking_id(response, tracking)
}

pub(crate) async fn questions(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
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
        inner.require_scope(kind, "questions")?;
        inner.rate_limit(Category::Light)?;
        let event = inner.event(kind, id, Call::Other)?;
        let questions: Vec<Value> = event
            .setup
            .questions
            .iter()
            .map(|(field, required)| json!({ "field_name": field, "required": required }))
            .collect();
        let custom: Vec<Value> = event
            .setup
            .custom_questions
            .iter()
            .map(|q| json!({ "title": q.title, "type": q.kind, "required": q.required, "answers": q.answers }))
            .collect();
        Ok::<_, Response>(Json(json!({ "questions": questions, "custom_questions": custom })).into_response())
    })()
    .unwrap_or_else(|e| e);
        (response, tracking, delay)
    };
    tokio::time::sleep(delay).await;
    with_tracking_id(response, tracking)
}
