//! `POST /oauth/token`: Server-to-Server OAuth, as Zoom answers it.

use std::time::Instant;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use crate::state::{lock, random_u64, Inner, Shared, Token};

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    account_id: Option<String>,
}

pub(crate) async fn token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut inner = lock(&shared);
    let rejected = |inner: &mut Inner, status: StatusCode, reason: &str, error: &str| {
        inner.stats.token_requests_rejected += 1;
        (status, Json(json!({ "reason": reason, "error": error }))).into_response()
    };
    if inner.token_busy {
        inner.stats.token_requests_rejected += 1;
        let body = json!({ "code": 429, "message": "You have reached the maximum per-second rate limit for this API. Try again later." });
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            Json(body),
        )
            .into_response();
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return rejected(
            &mut inner,
            StatusCode::BAD_REQUEST,
            "unsupported grant type",
            "unsupported_grant_type",
        );
    }
    let form: TokenForm = match serde_urlencoded_form(&body) {
        Some(form) => form,
        None => {
            return rejected(
                &mut inner,
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "invalid_request",
            )
        }
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let expected = format!("{}:{}", inner.setup.client_id, inner.setup.client_secret);
    if basic.as_deref() != Some(expected.as_str()) {
        return rejected(
            &mut inner,
            StatusCode::UNAUTHORIZED,
            "Invalid client_id or client_secret",
            "invalid_client",
        );
    }
    if form.grant_type.as_deref() != Some("account_credentials") {
        return rejected(
            &mut inner,
            StatusCode::BAD_REQUEST,
            "unsupported grant type",
            "unsupported_grant_type",
        );
    }
    if form.account_id.as_deref() != Some(inner.setup.account_id.as_str()) {
        return rejected(
            &mut inner,
            StatusCode::BAD_REQUEST,
            "Invalid account_id",
            "invalid_request",
        );
    }
    if inner.setup.new_token_revokes_old {
        for token in inner.tokens.values_mut() {
            token.revoked = true;
        }
    }
    inner.next_id += 1;
    let access_token = format!(
        "fake-token-{:016x}{:08x}",
        random_u64(inner.next_id),
        inner.next_id
    );
    let expires_in = inner.setup.expires_in;
    let number = inner.stats.tokens_issued + 1;
    inner.tokens.insert(
        access_token.clone(),
        Token {
            expires_at: Instant::now() + expires_in,
            revoked: false,
            number,
        },
    );
    inner.stats.tokens_issued += 1;
    let expires_in_answer = inner
        .setup
        .expires_in_answer
        .clone()
        .unwrap_or_else(|| json!(expires_in.as_secs()));
    Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": expires_in_answer,
        "scope": inner.setup.scopes.join(" "),
        "api_url": inner.url,
    }))
    .into_response()
}

pub(crate) fn serde_urlencoded_form(body: &str) -> Option<TokenForm> {
    let mut form = TokenForm {
        grant_type: None,
        account_id: None,
    };
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=')?;
        match key {
            "grant_type" => form.grant_type = Some(value.to_string()),
            "account_id" => form.account_id = Some(value.to_string()),
            _ => {}
        }
    }
    Some(form)
}
