//! The Zoom client: typed registrant requests, each paced by the rate limiter of its Zoom
//! category (single adds are *Light*, batch is *Heavy*) right before it is sent, retries
//! included, and Zoom's answers parsed into [`ApiError`] for the pipeline to act on.
//!
//! One call sends one request, or two when Zoom refuses the token (401 / code 124): then the
//! token is refreshed once and the request retried once. Every call reports how many requests
//! it sent, because each one counts against the three adds Zoom allows per person and day.

pub mod auth;
pub mod control;
pub mod http;
pub mod pacing;
pub mod preflight;
pub mod register;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, AUTHORIZATION, RETRY_AFTER};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::config::{Event, EventKind};
use crate::credentials::DEFAULT_API_URL;
use crate::limits::RateLimits;
use crate::registrant::{shorten, Registrant};
use crate::zoom::auth::{AuthError, Token, TokenSource};
use crate::zoom::control::Control;
use crate::zoom::pacing::Pacer;
use http::BodyError;

/// Zoom's rate-limit categories that registration uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Single adds; reading the event and its questions.
    Light,
    /// Listing registrants.
    Medium,
    /// Batch registration.
    Heavy,
}

/// What Zoom said when it refused a request, for the results file and the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refusal {
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub message: String,
    /// `x-zm-trackingid`, which Zoom support asks for.
    pub tracking_id: Option<String>,
    /// Field errors of a `300 Validation Failed` answer: (field, message).
    pub field_errors: Vec<(String, String)>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.http_status, self.zoom_code) {
            (Some(status), Some(code)) => write!(f, "HTTP {status}, Zoom code {code}: ")?,
            (Some(status), None) => write!(f, "HTTP {status}: ")?,
            _ => {}
        }
        f.write_str(&self.message)?;
        for (field, message) in &self.field_errors {
            write!(f, " [{field}: {message}]")?;
        }
        Ok(())
    }
}

/// Why a request did not succeed.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// 429 per second: back off and retry.
    PerSecondLimit {
        retry_after: Option<Duration>,
        refusal: Refusal,
    },
    /// 429 daily quota of the category: stop sending in it until `resume_at`.
    DailyLimit {
        resume_at: Option<SystemTime>,
        refusal: Refusal,
    },
    /// 429 for one registrant (3 adds a day): that person waits for 00:00 UTC.
    RegistrantLimit {
        email: Option<String>,
        refusal: Refusal,
    },
    /// 5xx, timeout, connection reset or dropped: may be retried.
    Transient(Refusal),
    /// Any other refusal, for Zoom's code to decide.
    Rejected(Refusal),
    /// A freshly fetched token was refused too.
    TokenRefused(Refusal),
    /// No token could be had.
    Auth(String),
    /// Not sent: the run stopped requests of this category while this one waited for its
    /// turn (a daily quota, a run-level error, Ctrl-C, a results file that cannot be written).
    NotSent(String),
    /// A 3xx, which Zoom's API never answers: the address is wrong, or not Zoom's.
    Redirected(Refusal),
}

impl ApiError {
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            ApiError::PerSecondLimit { refusal, .. }
            | ApiError::DailyLimit { refusal, .. }
            | ApiError::RegistrantLimit { refusal, .. }
            | ApiError::Transient(refusal)
            | ApiError::Rejected(refusal)
            | ApiError::Redirected(refusal)
            | ApiError::TokenRefused(refusal) => Some(refusal),
            ApiError::Auth(_) | ApiError::NotSent(_) => None,
        }
    }
}

/// The result of one call and how many requests it took.
#[derive(Debug)]
pub struct Sent<T> {
    pub requests: u32,
    pub result: Result<T, ApiError>,
}

/// A person Zoom registered (or already had).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Registered {
    /// (The add answer's `id` is the meeting's ID, not the registrant's.)
    pub registrant_id: String,
    /// Absent when the event approves registrants by hand.
    pub join_url: Option<String>,
}

/// One entry of a batch answer.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchItem {
    pub email: String,
    #[serde(flatten)]
    pub registered: Registered,
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    registrants: Vec<BatchItem>,
}

/// Options that go into registration requests.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub auto_approve: bool,
    pub confirmation_email: Option<bool>,
    /// `occurrence_ids` for recurring meetings (comma-separated), if chosen.
    pub occurrence_ids: Option<String>,
}

/// Counters of what was sent, for the summary.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub rate_limited: AtomicU64,
}

/// Talks to Zoom for one event. Shared by all workers.
pub struct ZoomClient {
    http: reqwest::Client,
    tokens: TokenSource,
    /// Asked right before each request goes out.
    control: Arc<Control>,
    api_url: Option<reqwest::Url>,
    event: Event,
    options: RequestOptions,
    light: Pacer,
    medium: Pacer,
    heavy: Pacer,
    pub counters: Arc<Counters>,
}

impl ZoomClient {
    pub fn new(
        http: reqwest::Client,
        tokens: TokenSource,
        control: Arc<Control>,
        api_url: Option<reqwest::Url>,
        event: Event,
        options: RequestOptions,
        limits: RateLimits,
    ) -> ZoomClient {
        ZoomClient {
            http,
            tokens,
            control,
            api_url,
            event,
            options,
            light: Pacer::per_second(limits.light_per_second),
            medium: Pacer::per_second(limits.medium_per_second),
            heavy: Pacer::per_second(limits.heavy_per_second),
            counters: Arc::new(Counters::default()),
        }
    }

    /// The shared token source (for the scope check before a run).
    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    fn url(&self, token: &Token, tail: &str) -> String {
        let base = match (&self.api_url, &token.api_url) {
            (Some(url), _) => url.as_str().to_string(),
            (None, Some(url)) => url.clone(),
            (None, None) => DEFAULT_API_URL.to_string(),
        };
        let kind = match self.event.kind {
            EventKind::Meeting => "meetings",
            EventKind::Webinar => "webinars",
        };
        let event = format!("{}/v2/{kind}/{}", base.trim_end_matches('/'), self.event.id);
        if tail.is_empty() {
            event
        } else {
            format!("{event}/{tail}")
        }
    }

    /// Registers one person with every field the row has.
    pub async fn add_registrant(&self, registrant: &Registrant) -> Sent<Registered> {
        let mut body = person(registrant);
        body.extend(
            registrant
                .extra
                .iter()
                .map(|(field, value)| (field.api_name().to_string(), json!(value))),
        );
        body.extend(custom_questions(registrant));
        if self.event.kind == EventKind::Meeting && self.options.auto_approve {
            body.insert("auto_approve".to_string(), json!(true));
        }
        let query: Vec<(&str, String)> = self
            .options
            .occurrence_ids
            .iter()
            .map(|ids| ("occurrence_ids", ids.clone()))
            .collect();
        let body = Value::Object(body);
        let sent = self
            .send(
                Category::Light,
                Method::POST,
                "registrants",
                Some(&body),
                &query,
            )
            .await;
        decode(sent, "Zoom's answer to an add had no registrant_id")
    }

    /// Registers up to 30 people (email and names only) in one call.
    pub async fn add_batch(&self, registrants: &[&Registrant]) -> Sent<Vec<BatchItem>> {
        let people: Vec<Value> = registrants
            .iter()
            .map(|r| Value::Object(person(r)))
            .collect();
        let mut body = Map::new();
        body.insert("registrants".to_string(), Value::Array(people));
        if self.event.kind == EventKind::Meeting {
            if self.options.auto_approve {
                body.insert("auto_approve".to_string(), json!(true));
            }
            if let Some(send) = self.options.confirmation_email {
                body.insert("registrants_confirmation_email".to_string(), json!(send));
            }
        }
        let body = Value::Object(body);
        let sent = self
            .send(
                Category::Heavy,
                Method::POST,
                "batch_registrants",
                Some(&body),
                &[],
            )
            .await;
        let answer: Sent<BatchAnswer> = decode(
            sent,
            "Zoom's answer to a batch was not a list of registrants",
        );
        Sent {
            requests: answer.requests,
            result: answer.result.map(|answer| answer.registrants),
        }
    }

    /// Reads `tail` of the event (`""` for the event itself) with a GET.
    pub async fn get(
        &self,
        category: Category,
        tail: &str,
        query: &[(&str, String)],
    ) -> Sent<Value> {
        self.send(category, Method::GET, tail, None, query).await
    }

    /// Sends one request (two if the token is refused once) and returns the 2xx body.
    async fn send(
        &self,
        category: Category,
        method: Method,
        tail: &str,
        body: Option<&Value>,
        query: &[(&str, String)],
    ) -> Sent<Value> {
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
            if method == Method::POST {
                self.counters.requests.fetch_add(1, Ordering::Relaxed);
            }
            let mut request = self
                .http
                .request(method.clone(), self.url(&token, tail))
                .header(AUTHORIZATION, token.authorization())
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            let result = request.send().await;
            let response = match result {
                Ok(response) => response,
                Err(err) => {
                    return Sent {
                        requests,
                        result: Err(ApiError::Transient(transport(&err))),
                    }
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = match http::read_body(response, http::MAX_BODY_BYTES).await {
                Ok(bytes) => bytes,
                Err(unread) => {
                    let refusal = match unread {
                        BodyError::Broken(err) => transport(&err),
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
            if status.is_success() {
                return Sent {
                    requests,
                    result: serde_json::from_slice(&bytes).map_err(|_| {
                        ApiError::Transient(Refusal {
                            http_status: Some(status.as_u16()),
                            message: "Zoom's answer was not JSON".to_string(),
                            tracking_id: tracking_id(&headers),
                            ..Refusal::default()
                        })
                    }),
                };
            }
            let refusal = refusal(status.as_u16(), &headers, &bytes);
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
                self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                return Sent {
                    requests,
                    result: Err(rate_limit_error(&headers, refusal)),
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

/// Reads a 2xx answer as `T`; an answer that is not one is treated as transient (the work may
/// be done: a retry gets the existing registrant back).
fn decode<T: serde::de::DeserializeOwned>(sent: Sent<Value>, what: &str) -> Sent<T> {
    Sent {
        requests: sent.requests,
        result: sent.result.and_then(|value| {
            serde_json::from_value(value).map_err(|_| {
                ApiError::Transient(Refusal {
                    message: what.to_string(),
                    ..Refusal::default()
                })
            })
        }),
    }
}

fn custom_questions(registrant: &Registrant) -> Option<(String, Value)> {
    if registrant.custom_questions.is_empty() {
        return None;
    }
    let answers: Vec<Value> = registrant
        .custom_questions
        .iter()
        .map(|(title, value)| json!({ "title": title, "value": value }))
        .collect();
    Some(("custom_questions".to_string(), Value::Array(answers)))
}

fn person(registrant: &Registrant) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("email".to_string(), json!(registrant.email.as_str()));
    body.insert("first_name".to_string(), json!(registrant.first_name));
    if !registrant.last_name.is_empty() {
        body.insert("last_name".to_string(), json!(registrant.last_name));
    }
    body
}

fn auth_error(err: AuthError) -> ApiError {
    ApiError::Auth(err.to_string())
}

fn transport(err: &reqwest::Error) -> Refusal {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    let mut message = format!("{kind}: {}", error_chain(err));
    message.truncate(300);
    Refusal {
        message,
        ..Refusal::default()
    }
}

/// reqwest's error with its causes, without the URL.
fn error_chain(err: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    while let Some(cause) = source {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.is_empty() {
        text = "no details".to_string();
    }
    text
}

fn tracking_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-zm-trackingid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

#[derive(Deserialize)]
struct FieldError {
    #[serde(default)]
    field: String,
    #[serde(default)]
    message: String,
}

/// Longest message of Zoom's kept (they are a sentence or two).
const MAX_MESSAGE_CHARS: usize = 1_000;

fn refusal(status: u16, headers: &HeaderMap, body: &[u8]) -> Refusal {
    if (300..400).contains(&status) {
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map_or("nowhere".to_string(), shorten);
        return Refusal {
            http_status: Some(status),
            message: format!(
                "a redirect to {location}, which Zoom's API never sends; not followed"
            ),
            tracking_id: tracking_id(headers),
            ..Refusal::default()
        };
    }
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    Refusal {
        http_status: Some(status),
        zoom_code: parsed.code,
        // Zoom's whole message: the kind of a 429 is read from it ("… for the registrant …").
        message: parsed
            .message
            .map(|m| m.chars().take(MAX_MESSAGE_CHARS).collect())
            .unwrap_or_else(|| format!("HTTP {status} with no message")),
        tracking_id: tracking_id(headers),
        field_errors: parsed
            .errors
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect(),
    }
}

/// Tells the three kinds of 429 apart: the headers when Zoom sends them, else the message
/// (zoom-api.md §5 reports per-registrant 429s that come without a type header).
fn rate_limit_error(headers: &HeaderMap, refusal: Refusal) -> ApiError {
    let message = refusal.message.to_lowercase();
    if message.contains("for the registrant") {
        let email = refusal
            .message
            .rsplit_once("registrant (")
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(email, _)| email.to_string());
        return ApiError::RegistrantLimit { email, refusal };
    }
    let kind = headers
        .get("x-ratelimit-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let now = SystemTime::now();
    let wait = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|text| retry_after(text.trim(), now));
    let daily = match kind.as_deref() {
        Some("daily-limit") => true,
        Some("qps") => false,
        _ => message.contains("daily"),
    };
    // A per-second answer that asks to wait past the next UTC midnight is a daily stop.
    let past_midnight =
        |wait: Duration| wait > MAX_PER_SECOND_WAIT && now + wait > next_utc_midnight(now);
    if daily || wait.is_some_and(past_midnight) {
        // Past a day or two is no time Zoom would give: then it is "tomorrow, 00:00 UTC".
        let resume_at = wait.filter(|&w| w <= MAX_DAILY_WAIT).map(|w| now + w);
        return ApiError::DailyLimit { resume_at, refusal };
    }
    ApiError::PerSecondLimit {
        retry_after: wait,
        refusal,
    }
}

/// The longest a per-second `Retry-After` counts for (the retry waits no longer in any case).
const MAX_PER_SECOND_WAIT: Duration = Duration::from_secs(300);
/// The furthest a daily quota's resume time can be: the next day's midnight, with room.
const MAX_DAILY_WAIT: Duration = Duration::from_secs(2 * 86_400);

/// A `Retry-After` (seconds, or a date) as a wait from `now`, at most a little over
/// [`MAX_DAILY_WAIT`]: no value from outside can overflow the clock.
fn retry_after(text: &str, now: SystemTime) -> Option<Duration> {
    let ceiling = MAX_DAILY_WAIT + Duration::from_secs(1);
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(ceiling));
    }
    let at = humantime::parse_rfc3339_weak(text)
        .ok()
        .or_else(|| httpdate::parse_http_date(text).ok())?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(ceiling),
    )
}

/// The first 00:00 UTC after `now`.
pub fn next_utc_midnight(now: SystemTime) -> SystemTime {
    let days = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / 86_400);
    SystemTime::UNIX_EPOCH + Duration::from_secs(days.saturating_add(1).saturating_mul(86_400))
}

#[cfg(test)]
mod tests;
