//! One request to Zoom, as every call of the client makes it: paced in its category, with the
//! freshest token, sent, its answer read within bounds, and classified into [`ApiError`]; with
//! `-vv`, a line for it (method, path, status, Zoom's code, time, attempt) and never a header
//! or a body, which may hold a secret.

use std::sync::atomic::Ordering;
use std::time::Instant;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::answers::{rate_limit_error, refusal, tracking_id, transport};
use super::http::{self, BodyError};
use super::{auth_error, ApiError, Refusal, Sent, ZoomClient};
use crate::model::Category;
use crate::model::EventKind;
use crate::outside::shorten;

impl ZoomClient {
    /// [`ZoomClient::send`], for the event's ID as an event of `kind`, with `body` (JSON
    /// already written; none for a GET):
    /// the 2xx answer read straight into a `T` (no body reads as `null`: a 204's `()`).
    pub(super) async fn send_as<T: DeserializeOwned>(
        &self,
        kind: EventKind,
        category: Category,
        method: Method,
        tail: &str,
        body: Option<&[u8]>,
        query: &[(&str, String)],
    ) -> Sent<T> {
        let mut requests = 0;
        let mut refreshed = false;
        let pacer = match category {
            Category::Light => &self.light,
            Category::Medium => &self.medium,
            Category::Heavy => &self.heavy,
        };
        loop {
            // Pace first, then take the token, so the token is as fresh as it can be when sent.
            // A stop while waiting for the slot ends the wait.
            tokio::select! {
                () = pacer.wait() => {}
                () = self.control.until_stopped(category) => {}
            }
            // A run that has stopped asks for no token (a refused refresh stops it).
            if let Some(reason) = self.control.refusal_for(category) {
                return Sent {
                    requests,
                    result: Err(ApiError::NotSent(reason)),
                };
            }
            let token = match self.tokens.bearer().await {
                Ok(token) => token,
                Err(err) => {
                    return Sent {
                        requests,
                        result: Err(auth_error(err)),
                    }
                }
            };
            // Right before it goes: the category may have been stopped during the waits.
            if let Some(reason) = self.control.refusal_for(category) {
                return Sent {
                    requests,
                    result: Err(ApiError::NotSent(reason)),
                };
            }
            requests += 1;
            if method != Method::GET {
                self.counters.requests.fetch_add(1, Ordering::Relaxed);
            }
            let url = self.url(&token, kind, tail);
            let started = Instant::now();
            let logged = |answer: &dyn std::fmt::Display| {
                if let Some(log) = &self.log {
                    // The path and what was asked (`status`, `occurrence_id`, …), never a page
                    // token (nor the page size, always 300), header or body (the access token
                    // is in a header).
                    let mut path =
                        reqwest::Url::parse(&url).map_or(String::new(), |u| u.path().to_string());
                    let asked: Vec<String> = query
                        .iter()
                        .filter(|(key, _)| !["next_page_token", "page_size"].contains(key))
                        .map(|(key, value)| format!("{key}={value}"))
                        .collect();
                    if !asked.is_empty() {
                        path.push('?');
                        path.push_str(&asked.join("&"));
                    }
                    log(format_args!(
                        "{method} {path} → {answer} in {} ms (attempt {requests})",
                        started.elapsed().as_millis()
                    ));
                }
            };
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, token.authorization())
                .query(query);
            if let Some(body) = body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.to_vec());
            }
            let result = request.send().await;
            let response = match result {
                Ok(response) => response,
                Err(err) => {
                    let refusal = transport(&err);
                    logged(&refusal.message);
                    self.control.unanswered(&refusal.message);
                    return Sent {
                        requests,
                        result: Err(ApiError::Transient(refusal)),
                    };
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = match http::read_body(response, http::MAX_BODY_BYTES).await {
                Ok(bytes) => bytes,
                Err(unread) => {
                    logged(&format_args!("{} ({unread})", status.as_u16()));
                    let refusal = match unread {
                        BodyError::Broken(err) => {
                            let refusal = transport(&err);
                            self.control.unanswered(&refusal.message);
                            refusal
                        }
                        too_large => Refusal {
                            http_status: Some(status.as_u16()),
                            message: too_large.to_string(),
                            tracking_id: tracking_id(&headers),
                            ..Refusal::default()
                        },
                    };
                    return Sent {
                        requests,
                        result: Err(ApiError::Transient(refusal)),
                    };
                }
            };
            self.control.answered();
            if status.is_success() {
                logged(&status.as_u16());
                // A 204 (a status change) has no body: it reads as `null`.
                let answer: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
                return Sent {
                    requests,
                    result: serde_json::from_slice(answer).map_err(|why| {
                        ApiError::Transient(Refusal {
                            http_status: Some(status.as_u16()),
                            message: format!(
                                "Zoom's answer was not understood ({})",
                                shorten(&why.to_string())
                            ),
                            tracking_id: tracking_id(&headers),
                            ..Refusal::default()
                        })
                    }),
                };
            }
            let refusal = refusal(status.as_u16(), &headers, &bytes);
            match refusal.zoom_code {
                Some(code) => logged(&format_args!("{} (Zoom code {code})", status.as_u16())),
                None => logged(&status.as_u16()),
            }
            if status.is_redirection() {
                // Zoom's API never redirects, and none is followed: the token stays here.
                return Sent {
                    requests,
                    result: Err(ApiError::Redirected(refusal)),
                };
            }
            if status.as_u16() == 401 || refusal.zoom_code == Some(124) {
                if !refreshed {
                    refreshed = true;
                    self.tokens.invalidate(&token).await;
                    continue;
                }
                return Sent {
                    requests,
                    result: Err(ApiError::TokenRefused(refusal)),
                };
            }
            if status.as_u16() == 429 {
                let error = rate_limit_error(&headers, refusal, method != Method::GET);
                // Only sending counts, and slows its category: a read (the checks before
                // sending, a page of a list) can meet a window that another run, just ended,
                // filled; its refusal says nothing of what the account allows.
                if method != Method::GET {
                    self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    if matches!(error, ApiError::PerSecondLimit { .. }) {
                        pacer.refused();
                    }
                }
                return Sent {
                    requests,
                    result: Err(error),
                };
            }
            let error = if status.is_server_error() {
                ApiError::Transient(refusal)
            } else {
                ApiError::Rejected(refusal)
            };
            return Sent {
                requests,
                result: Err(error),
            };
        }
    }
}
