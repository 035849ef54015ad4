//! The routes: Zoom's OAuth token endpoint, the registrant API of meetings and webinars, and
//! their past instances and participant reports, each request noted in the log.

mod events;
mod oauth;
mod registrants;
mod reports;

use std::time::Instant;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;

use crate::described;
use crate::setup::{Kind, LoggedRequest};
use crate::state::{lock, Shared};
use events::{get_event, questions};
use oauth::token;
use registrants::{add_registrant, batch_registrants, list_registrants, update_status};
use reports::{past_instances, report};

pub(crate) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/v2/{kind}/{id}", get(get_event))
        .route(
            "/v2/{kind}/{id}/registrants",
            post(add_registrant).get(list_registrants),
        )
        .route("/v2/{kind}/{id}/batch_registrants", post(batch_registrants))
        .route("/v2/{kind}/{id}/registrants/questions", get(questions))
        .route("/v2/{kind}/{id}/registrants/status", put(update_status))
        .route("/v2/{kind}/{id}/instances", get(past_instances))
        .route("/v2/report/{*rest}", get(report))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            log_request,
        ))
        .with_state(shared)
}

/// Notes each request's start, end, answer and token in the log.
pub(crate) async fn log_request(
    State(shared): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    if path.starts_with("/v2/") {
        wait_while_held(&shared).await;
    }
    let down = path.starts_with("/v2/") && {
        let mut inner = lock(&shared);
        let down = inner.setup.faults.api_down;
        inner.stats.server_errors += u64::from(down);
        down
    };
    let response = if down {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
        )
            .into_response()
    } else {
        let request = note_departures(&shared, &method, &path, &query, request).await;
        next.run(request).await
    };
    let ended = Instant::now();
    let rate_limit_type = response
        .headers()
        .get("x-ratelimit-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut inner = lock(&shared);
    let token = bearer.and_then(|t| inner.tokens.get(&t).map(|t| t.number));
    inner.log.push(LoggedRequest {
        method,
        path,
        query,
        status: response.status().as_u16(),
        rate_limit_type,
        token,
        started,
        ended,
    });
    drop(inner);
    response
}

/// Notes how a registrant call departs from Zoom's description of it (`described`), and
/// hands the request on as it came.
async fn note_departures(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &str,
    request: axum::extract::Request,
) -> axum::extract::Request {
    let segments: Vec<&str> = path.trim_start_matches("/v2/").split('/').collect();
    if let ["report", _, .., last] = segments[..] {
        // A report: its details, or its participants (`GET /v2/report/meetings/{id}/…`).
        let call = if last == "participants" {
            "participants"
        } else {
            "report"
        };
        let found = described::query(call, Kind::Meeting, query);
        lock(shared)
            .departures
            .extend(found.into_iter().map(|d| format!("{method} {path}: {d}")));
        return request;
    }
    let Some(kind) = segments.first().and_then(|k| Kind::from_path(k)) else {
        return request;
    };
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 4 << 20)
        .await
        .unwrap_or_default();
    let json: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
    let found = match (method, &segments[2.min(segments.len())..]) {
        ("POST", ["registrants"]) => [
            described::query("add", kind, query),
            described::add(kind, json.as_ref()),
        ]
        .concat(),
        ("POST", ["batch_registrants"]) => [
            described::query("batch", kind, query),
            described::batch(kind, json.as_ref()),
        ]
        .concat(),
        ("PUT", ["registrants", "status"]) => [
            described::query("status", kind, query),
            described::status(json.as_ref()),
        ]
        .concat(),
        ("GET", ["registrants"]) => described::query("list", kind, query),
        ("GET", []) => described::query("event", kind, query),
        _ => Vec::new(),
    };
    if !found.is_empty() {
        lock(shared)
            .departures
            .extend(found.into_iter().map(|d| format!("{method} {path}: {d}")));
    }
    axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))
}

/// Waits, before any work is done, while a test holds API requests.
async fn wait_while_held(shared: &Shared) {
    /// Counts a request as held for as long as it waits, also when its client goes away.
    struct Waiting<'a>(&'a Shared);
    impl Drop for Waiting<'_> {
        fn drop(&mut self) {
            lock(self.0).held -= 1;
        }
    }
    let mut hold = {
        let mut inner = lock(shared);
        if !*inner.hold.borrow() {
            return;
        }
        inner.held += 1;
        inner.hold.subscribe()
    };
    let _waiting = Waiting(shared);
    let _ = hold.wait_for(|held| !held).await;
}
