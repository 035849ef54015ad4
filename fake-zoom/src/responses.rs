//! Zoom's answers as the fake builds them: error bodies, validation failures, a connection
//! dropped mid-answer, tracking IDs.

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

pub(crate) fn zoom_error(status: StatusCode, code: i64, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

pub(crate) fn validation_failed(errors: Vec<(String, &str)>) -> Response {
    let errors: Vec<Value> = errors
        .into_iter()
        .map(|(field, message)| json!({ "field": field, "message": message }))
        .collect();
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "code": 300, "message": "Validation Failed.", "errors": errors })),
    )
        .into_response()
}

/// A response whose body fails at once: the client sees the connection drop mid-response.
pub(crate) fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("fault: connection dropped"))
    });
    Response::new(Body::from_stream(failing))
}

pub(crate) fn next_midnight_utc() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs((now / 86_400 + 1) * 86_400)
}

pub(crate) fn with_tracking_id(mut response: Response, id: u64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&format!("v=2.0;clid=fake;rid=WEB_{id:016x}")) {
        response.headers_mut().insert("x-zm-trackingid", value);
    }
    response
}
