//! The times an event took place and what happened in them, as Zoom's API reference describes
//! them: `GET /v2/past_meetings/{id}/instances` (`past_webinars`), the ended instances;
//! `GET /v2/report/{meetings|webinars}/{id or uuid}`, an instance's details; and
//! `…/participants`, its participant report, a row per join (a rejoin is a row of its own, a
//! stay in the waiting room too), 300 at most a page.
//!
//! A report path is read as Zoom's rule for UUIDs implies its gateway reads it: decoded once,
//! doubled slashes collapsed, and the UUID everything between the kind and `/participants`; so
//! a UUID with one `/` inside works encoded once, but one that starts with `/` or holds `//`
//! reaches the API whole only if the client encoded it twice (Zoom's API reference, `meetingId`
//! of "Get meeting participant reports": "If the meeting UUID begins with a `/` character or
//! contains a `//` character, you must double encode the meeting UUID").

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::registrants::continue_from;
use crate::responses::{with_tracking_id, zoom_error};
use crate::setup::{Instance, Join, Kind};
use crate::state::{lock, Category, Inner, Shared};

/// Answers a request with `work`, counted, delayed and tracked as every API answer is.
async fn answer(
    shared: &Shared,
    work: impl FnOnce(&mut Inner) -> Result<Response, Response>,
) -> Response {
    let (response, tracking, delay) = {
        let mut inner = lock(shared);
        inner.stats.api_requests += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let response = work(&mut inner).unwrap_or_else(|e| e);
        (response, tracking, delay)
    };
    tokio::time::sleep(delay).await;
    with_tracking_id(response, tracking)
}

/// `GET /v2/past_meetings/{id}/instances`, `GET /v2/past_webinars/{id}/instances`: the
/// instances that have ended, each its UUID and start ("List past meeting instances"; the
/// live one is not listed: "this endpoint only returns instances of meetings that have
/// ended").
pub(crate) async fn past_instances(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    answer(&shared, |inner| {
        let kind = match kind.as_str() {
            "past_meetings" => Kind::Meeting,
            "past_webinars" => Kind::Webinar,
            _ => return Err(zoom_error(StatusCode::NOT_FOUND, 404, "Not found")),
        };
        let id = id.parse::<u64>().map_err(|_| does_not_exist(kind, &id))?;
        inner.authorize(&headers)?;
        inner.require_scope(kind, "past_instances")?;
        inner.rate_limit(Category::Medium)?;
        let event = inner
            .events
            .get(&(kind, id))
            .ok_or_else(|| does_not_exist(kind, &id.to_string()))?;
        let ended: Vec<Value> = event
            .instances
            .iter()
            .filter(|instance| instance.end_time.is_some())
            .map(|instance| json!({ "uuid": instance.uuid, "start_time": instance.start_time }))
            .collect();
        let list = match kind {
            Kind::Meeting => "meetings",
            Kind::Webinar => "webinars",
        };
        Ok(Json(json!({ list: ended })).into_response())
    })
    .await
}

/// `GET /v2/report/{meetings|webinars}/{id or uuid}[/participants]`.
pub(crate) async fn report(
    State(shared): State<Shared>,
    Path(rest): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    answer(&shared, |inner| {
        // `rest` is decoded once, as Zoom's gateway decodes the path, and its doubled slashes
        // collapse: a UUID's leading `/` or `//`, encoded once, is lost by now.
        let mut collapsed = rest.clone();
        while collapsed.contains("//") {
            collapsed = collapsed.replace("//", "/");
        }
        let Some((kind, tail)) = collapsed.split_once('/') else {
            return Err(zoom_error(StatusCode::NOT_FOUND, 404, "Not found"));
        };
        let (key, participants) = match tail.strip_suffix("/participants") {
            Some(key) => (key, true),
            None => (tail, false),
        };
        let kind = Kind::from_path(kind)
            .ok_or_else(|| zoom_error(StatusCode::NOT_FOUND, 404, "Not found"))?;
        // The API decodes the segment once more.
        let key = percent_encoding::percent_decode_str(key)
            .decode_utf8_lossy()
            .into_owned();
        inner.authorize(&headers)?;
        let granular = match (kind, participants) {
            (Kind::Meeting, true) => "list_meeting_participants",
            (Kind::Webinar, true) => "list_webinar_participants",
            (Kind::Meeting, false) => "meeting",
            (Kind::Webinar, false) => "webinar",
        };
        inner.require_report_scope(granular)?;
        inner.rate_limit(Category::Heavy)?;
        let (id, instance) = ended_instance(inner, kind, &key)?;
        if participants {
            participant_page(inner, kind, id, &instance, &query)
        } else {
            Ok(details(inner, kind, id, &instance))
        }
    })
    .await
}

/// The instance `key` names (an event ID: its latest instance; a UUID: that one), if it has
/// ended. An event that has not taken place, or whose instance is live, is refused with 3001
/// "Meeting ID is invalid or not end." (zoom/api issue 33, a report asked for too early; Zoom
/// answers this one message for both); an unknown one with 404 and 3001, as "List past meeting
/// instances" documents it.
fn ended_instance(inner: &Inner, kind: Kind, key: &str) -> Result<(u64, Instance), Response> {
    let found = match key.parse::<u64>() {
        Ok(id) => {
            let event = inner
                .events
                .get(&(kind, id))
                .ok_or_else(|| does_not_exist(kind, key))?;
            event.instances.last().map(|instance| (id, instance))
        }
        Err(_) => Some(
            inner
                .events
                .iter()
                .filter(|((k, _), _)| *k == kind)
                .find_map(|((_, id), event)| {
                    event
                        .instances
                        .iter()
                        .find(|instance| instance.uuid == key)
                        .map(|instance| (*id, instance))
                })
                .ok_or_else(|| does_not_exist(kind, key))?,
        ),
    };
    match found {
        Some((id, instance)) if instance.end_time.is_some() => Ok((id, instance.clone())),
        _ => Err(zoom_error(
            StatusCode::BAD_REQUEST,
            3001,
            &format!("{} ID is invalid or not end.", kind.noun()),
        )),
    }
}

fn does_not_exist(kind: Kind, key: &str) -> Response {
    zoom_error(
        StatusCode::NOT_FOUND,
        3001,
        &format!("{} does not exist: {key}.", kind.noun()),
    )
}

/// Seconds from `from` to `to` (RFC 3339), 0 if either does not read.
fn seconds(from: &str, to: &str) -> u64 {
    match (humantime::parse_rfc3339(from), humantime::parse_rfc3339(to)) {
        (Ok(from), Ok(to)) => to.duration_since(from).map_or(0, |d| d.as_secs()),
        _ => 0,
    }
}

/// "Get meeting detail reports": the instance's times, length (minutes) and participants.
fn details(inner: &Inner, kind: Kind, id: u64, instance: &Instance) -> Response {
    let end = instance.end_time.clone().unwrap_or_default();
    let in_meeting = || instance.joins.iter().filter(|join| !join.in_waiting_room);
    let total: u64 = in_meeting()
        .map(|join| seconds(&join.join_time, &join.leave_time))
        .sum();
    let setup = inner.events.get(&(kind, id)).map(|event| &event.setup);
    Json(json!({
        "uuid": instance.uuid,
        "id": id,
        "type": setup.map_or(2, |s| s.event_type),
        "topic": setup.map_or("", |s| s.topic.as_str()),
        "user_name": "Host",
        "user_email": setup.map_or("", |s| s.host_email.as_str()),
        "start_time": instance.start_time,
        "end_time": end,
        "duration": seconds(&instance.start_time, &end) / 60,
        "total_minutes": total / 60,
        "participants_count": in_meeting().count(),
    }))
    .into_response()
}

/// One page of "Get meeting participant reports": `page_size` rows (30 unless asked, 300 at
/// most), a `next_page_token` while more remain (15 minutes, as every Zoom page token), and
/// each row's `registrant_id` only with `include_fields=registrant_id`.
fn participant_page(
    inner: &mut Inner,
    kind: Kind,
    id: u64,
    instance: &Instance,
    query: &HashMap<String, String>,
) -> Result<Response, Response> {
    let page_size = query
        .get("page_size")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 300);
    // A page token continues this instance's report: its "status" is the report's.
    let listing = format!("report {}", instance.uuid);
    let start = match query.get("next_page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => continue_from(inner, token, (kind, id), &listing)?,
    };
    let with_registrant = query
        .get("include_fields")
        .is_some_and(|fields| fields.split(',').any(|f| f.trim() == "registrant_id"));
    let total = instance.joins.len();
    let rows: Vec<Value> = instance
        .joins
        .iter()
        .skip(start)
        .take(page_size)
        .map(|join| row(join, with_registrant))
        .collect();
    let next = if start + page_size < total {
        inner.issue_page_token((kind, id), listing, start + page_size, None)
    } else {
        String::new()
    };
    Ok(Json(json!({
        "page_count": total.div_ceil(page_size),
        "page_size": page_size,
        "total_records": total,
        "next_page_token": next,
        "participants": rows,
    }))
    .into_response())
}

/// A report row as Zoom's answer holds it: the join's times and length in seconds, its status,
/// and fields zimport does not read.
fn row(join: &Join, with_registrant: bool) -> Value {
    let mut row = json!({
        "id": join.id,
        "user_id": join.user_id,
        "name": join.name,
        "user_email": join.user_email,
        "join_time": join.join_time,
        "leave_time": join.leave_time,
        "duration": seconds(&join.join_time, &join.leave_time),
        "status": if join.in_waiting_room { "in_waiting_room" } else { "in_meeting" },
        "failover": false,
        "customer_key": "",
        "participant_user_id": join.user_id,
        "bo_mtg_id": "",
    });
    if with_registrant {
        row["registrant_id"] = json!(join.registrant_id);
    }
    row
}
