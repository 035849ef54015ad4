//! The run's one shared access token (SPEC §4): fetched once with the S2S OAuth
//! `account_credentials` grant, reused by every worker, refreshed ahead of expiry by exactly
//! one caller while the others wait, and dropped on a 401 only if it is still the current one.
//!
//! This is the only module that exposes a secret: the client secret in the token request's
//! Basic auth, and the access token in [`Token::authorization`]. Nothing here formats either
//! into a message.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::credentials::{checked_url, Credentials};

/// An access token and what came with it.
pub struct Token {
    value: SecretString,
    /// When to stop handing it out: ahead of expiry, so no request carries a dying token.
    refresh_at: Instant,
    /// When Zoom stops taking it (its life counted from before the request).
    expires_at: Instant,
    /// The account's regional API host (`api_url` in the token response), if given.
    pub api_url: Option<String>,
    /// The scopes granted, space-separated.
    pub scope: String,
}

impl Token {
    /// The `Authorization: Bearer …` header value, marked sensitive so that no HTTP debug
    /// output prints it.
    pub fn authorization(&self) -> HeaderValue {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.value.expose_secret()))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
        value.set_sensitive(true);
        value
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("value", &"[redacted]")
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// Why no token could be had. Messages say what to check; they never contain a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    #[error("Zoom refused the credentials (HTTP {status}: {reason}). Check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET: they must belong to a Server-to-Server OAuth app (not an OAuth or JWT app) of this account, and the app must be activated")]
    Rejected { status: u16, reason: String },
    #[error("cannot reach Zoom's token endpoint {url}: {detail}; run again later")]
    Unreachable { url: String, detail: String },
    /// The token endpoint kept answering 429: Zoom is busy, the credentials may be fine.
    #[error("Zoom's token endpoint {url} kept answering 429 (too many requests: {reason}); run again later")]
    Busy { url: String, reason: String },
    #[error("Zoom's token endpoint answered something that is not a token (HTTP {status})")]
    Malformed { status: u16 },
    #[error("Zoom's token endpoint {url} answered with a redirect to {location}, which it never does; not followed (check ZOOM_OAUTH_URL)")]
    Redirected { url: String, location: String },
    #[error("{0}")]
    InsecureApiUrl(String),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Seconds, in whatever shape it comes: see [`lifetime`].
    expires_in: Option<serde_json::Value>,
    api_url: Option<String>,
    scope: Option<String>,
}

/// A token's life from its `expires_in`: Zoom says 3600 (3599 seen). Any number is taken, but
/// a life under `shortest` (a minute) counts as that (not a token request before every call)
/// and one over a day as a day (no clock to overflow); none, or no number, as an hour.
fn lifetime(expires_in: Option<&serde_json::Value>, shortest: Duration) -> Duration {
    let seconds = match expires_in {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(text)) => text.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|s| !s.is_nan())
    .unwrap_or(3600.0);
    let longest = MAX_LIFETIME.as_secs_f64();
    Duration::from_secs_f64(seconds.clamp(shortest.as_secs_f64().min(longest), longest))
}

/// The shortest and longest token life taken from an answer.
const MIN_LIFETIME: Duration = Duration::from_secs(60);
const MAX_LIFETIME: Duration = Duration::from_secs(86_400);

/// Hands out the shared token.
pub struct TokenSource {
    http: reqwest::Client,
    oauth_url: reqwest::Url,
    credentials: Credentials,
    current: Mutex<Current>,
    /// Fetches that have ended, to tell a worker whether one ended while it waited.
    fetches_ended: AtomicU64,
    /// [`MIN_LIFETIME`], but for tests of refreshing, which cannot wait a minute.
    shortest_life: Duration,
    /// `-vv`: a line per token request (its path and answer: never the body or a header).
    pub(super) log: Option<super::RequestLog>,
}

/// The token the workers share, and the last fetch that failed: its error is the answer for
/// every worker that waited while it was made, not a fetch each.
#[derive(Default)]
struct Current {
    token: Option<Arc<Token>>,
    /// The failed fetch's number (fetches are counted as they end) and its error.
    failed: Option<(u64, AuthError)>,
    /// A refresh failed while the token still worked: it is used until then, or its expiry.
    retry_refresh_at: Option<Instant>,
}

/// How long a token that could not be refreshed, but still works, is used before the next try.
const RETRY_REFRESH: Duration = Duration::from_secs(10);

/// Refresh this long before expiry, but never more than a quarter of the token's life.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A token answer is a few hundred bytes; this is far more than any.
const MAX_TOKEN_ANSWER: usize = 64 << 10;

impl TokenSource {
    pub fn new(http: reqwest::Client, oauth_url: reqwest::Url, credentials: Credentials) -> Self {
        TokenSource {
            http,
            oauth_url,
            credentials,
            current: Mutex::new(Current::default()),
            fetches_ended: AtomicU64::new(0),
            shortest_life: MIN_LIFETIME,
            log: None,
        }
    }

    /// A line for one token request, with `-vv`.
    fn logged(&self, answer: &dyn std::fmt::Display, started: Instant, attempt: u32) {
        if let Some(log) = &self.log {
            log(format_args!(
                "POST {} → {answer} in {} ms (attempt {})",
                self.oauth_url.path(),
                started.elapsed().as_millis(),
                attempt + 1
            ));
        }
    }

    /// The current token, fetching a new one if there is none or it is near expiry. Holding the
    /// (tokio) lock across the fetch is the point: fifty waiting workers cause one request, and
    /// if it fails (after its own retries), every worker that waited for it gets its error
    /// rather than asking again. A refresh that fails while the token still works keeps it,
    /// and tries again a little later.
    pub async fn bearer(&self) -> Result<Arc<Token>, AuthError> {
        let arrived_after = self.fetches_ended.load(Ordering::SeqCst);
        let mut current = self.current.lock().await;
        if let Some((fetch, failed)) = &current.failed {
            if *fetch > arrived_after {
                return Err(failed.clone());
            }
        }
        let now = Instant::now();
        if let Some(token) = current.token.as_ref() {
            let retry_later = current.retry_refresh_at.is_some_and(|at| now < at);
            if now < token.refresh_at || (retry_later && now < token.expires_at) {
                return Ok(token.clone());
            }
        }
        let fetched = self.fetch().await;
        let fetch = self.fetches_ended.fetch_add(1, Ordering::SeqCst) + 1;
        match fetched {
            Ok(token) => {
                let token = Arc::new(token);
                *current = Current {
                    token: Some(token.clone()),
                    ..Current::default()
                };
                Ok(token)
            }
            Err(failed) => {
                let still_works = current
                    .token
                    .clone()
                    .filter(|token| Instant::now() < token.expires_at);
                if let Some(token) = still_works {
                    current.retry_refresh_at = Some(Instant::now() + RETRY_REFRESH);
                    return Ok(token);
                }
                current.failed = Some((fetch, failed.clone()));
                Err(failed)
            }
        }
    }

    /// Forgets `stale` after Zoom refused it, unless another worker already replaced it.
    pub async fn invalidate(&self, stale: &Arc<Token>) {
        let mut current = self.current.lock().await;
        if current
            .token
            .as_ref()
            .is_some_and(|token| Arc::ptr_eq(token, stale))
        {
            current.token = None;
            current.retry_refresh_at = None;
        }
    }

    async fn fetch(&self) -> Result<Token, AuthError> {
        let unreachable = |detail: String| AuthError::Unreachable {
            url: self.oauth_url.to_string(),
            detail,
        };
        // The docs' query-string form was seen to fail; Zoom accepts a form body (zoom-api.md §6).
        let mut last_error = String::new();
        // A 429's reason, and the wait it asked for (bounded), while the endpoint is busy.
        let mut busy: Option<(String, Duration)> = None;
        for attempt in 0..3u32 {
            if attempt > 0 {
                let asked = busy.as_ref().map_or(Duration::ZERO, |(_, wait)| *wait);
                tokio::time::sleep(Duration::from_millis(250 << attempt).max(asked)).await;
            }
            // The token's life is counted from before the request: never later than Zoom's.
            let requested = Instant::now();
            let response = self
                .http
                .post(self.oauth_url.clone())
                .basic_auth(
                    &self.credentials.client_id,
                    Some(self.credentials.client_secret.expose_secret()),
                )
                .form(&[
                    ("grant_type", "account_credentials"),
                    ("account_id", self.credentials.account_id.as_str()),
                ])
                .send()
                .await;
            let response = match response {
                Ok(response) => response,
                Err(err) => {
                    busy = None;
                    // The cause: refused, DNS, TLS, a timeout (never the URL's query).
                    last_error = super::answers::transport(&err).message;
                    self.logged(&last_error, requested, attempt);
                    continue;
                }
            };
            let status = response.status();
            self.logged(&status.as_u16(), requested, attempt);
            busy = None;
            if status.is_server_error() {
                last_error = format!("HTTP {status}");
                continue;
            }
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                let asked = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|text| super::answers::retry_after(text.trim(), SystemTime::now()))
                    .map_or(Duration::ZERO, |wait| wait.min(MAX_TOKEN_RETRY_WAIT));
                let body = crate::zoom::http::read_body(response, MAX_TOKEN_ANSWER)
                    .await
                    .unwrap_or_default();
                busy = Some((rejection_reason(&body), asked));
                continue;
            }
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map_or("nowhere".to_string(), crate::outside::shorten);
                return Err(AuthError::Redirected {
                    url: self.oauth_url.to_string(),
                    location,
                });
            }
            let body = crate::zoom::http::read_body(response, MAX_TOKEN_ANSWER)
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            if !status.is_success() {
                return Err(AuthError::Rejected {
                    status: status.as_u16(),
                    reason: rejection_reason(&body),
                });
            }
            let parsed: TokenResponse =
                serde_json::from_slice(&body).map_err(|_| AuthError::Malformed {
                    status: status.as_u16(),
                })?;
            if let Some(api_url) = &parsed.api_url {
                checked_url(api_url, "the api_url in Zoom's token response")
                    .map_err(AuthError::InsecureApiUrl)?;
            }
            let lifetime = lifetime(parsed.expires_in.as_ref(), self.shortest_life);
            let margin = REFRESH_MARGIN.min(lifetime / 4);
            return Ok(Token {
                value: SecretString::from(parsed.access_token),
                refresh_at: requested + lifetime.saturating_sub(margin),
                expires_at: requested + lifetime,
                api_url: parsed.api_url,
                scope: parsed.scope.unwrap_or_default(),
            });
        }
        match busy {
            Some((reason, _)) => Err(AuthError::Busy {
                url: self.oauth_url.to_string(),
                reason,
            }),
            None => Err(unreachable(last_error)),
        }
    }
}

/// The longest a token request waits for a busy endpoint's `Retry-After`, each time.
const MAX_TOKEN_RETRY_WAIT: Duration = Duration::from_secs(10);

/// Zoom's reason for refusing a token request, from `{"reason": …, "error": …}` or
/// `{"code": …, "message": …}`, cut short; never echoes anything we sent.
fn rejection_reason(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let reason = match (text("error"), text("reason").or_else(|| text("message"))) {
        (Some(error), Some(reason)) => format!("{error}: {reason}"),
        (None, Some(reason)) => reason,
        (Some(error), None) => error,
        (None, None) => "no reason given".to_string(),
    };
    crate::outside::shorten(&reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake_zoom::{FakeZoom, Setup};
    use serde_json::json;

    fn source(zoom: &FakeZoom, setup: &Setup) -> TokenSource {
        let credentials = Credentials::from_lookup(|name| match name {
            "ZOOM_ACCOUNT_ID" => Some(setup.account_id.clone()),
            "ZOOM_CLIENT_ID" => Some(setup.client_id.clone()),
            "ZOOM_CLIENT_SECRET" => Some(setup.client_secret.clone()),
            _ => None,
        })
        .expect("valid")
        .expect("credentials");
        let url = reqwest::Url::parse(&zoom.oauth_url()).expect("url");
        TokenSource::new(reqwest::Client::new(), url, credentials)
    }

    #[test]
    fn lifetimes_from_outside_are_bounded_to_a_minute_and_a_day() {
        let life = |value: serde_json::Value| lifetime(Some(&value), MIN_LIFETIME).as_secs();
        assert_eq!(life(json!(3599)), 3599);
        assert_eq!(life(json!(0)), 60);
        assert_eq!(life(json!(-5)), 60);
        assert_eq!(life(json!(1e30)), 86_400);
        assert_eq!(life(json!(u64::MAX)), 86_400);
        assert_eq!(life(json!("120")), 120);
        assert_eq!(life(json!("soon")), 3600);
        assert_eq!(lifetime(None, MIN_LIFETIME).as_secs(), 3600);
    }

    #[tokio::test]
    async fn a_token_is_refreshed_ahead_of_its_expiry_and_reused_until_then() {
        let setup = Setup {
            expires_in: Duration::from_secs(2),
            ..Setup::default()
        };
        let zoom = FakeZoom::start(setup.clone());
        let mut tokens = source(&zoom, &setup);
        tokens.shortest_life = Duration::from_secs(1);

        let first = tokens.bearer().await.expect("a token");
        let again = tokens.bearer().await.expect("a token");
        assert!(Arc::ptr_eq(&first, &again), "reused while fresh");
        assert_eq!(zoom.stats().tokens_issued, 1);
        // A 2 s token is handed out for 1.5 s (a quarter of its life is the margin).
        tokio::time::sleep(Duration::from_millis(1_600)).await;
        let renewed = tokens.bearer().await.expect("a token");
        assert!(!Arc::ptr_eq(&first, &renewed), "replaced before it expired");
        assert_eq!(zoom.stats().tokens_issued, 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_answers_every_worker_that_waited_for_it_and_no_later_one() {
        let setup = Setup::default();
        let zoom = FakeZoom::start(setup.clone());
        zoom.token_endpoint_busy(true);
        let tokens = source(&zoom, &setup);

        let b = || tokens.bearer();
        let waited = tokio::join!(b(), b(), b(), b(), b(), b(), b(), b());

        let waited = [
            waited.0, waited.1, waited.2, waited.3, waited.4, waited.5, waited.6, waited.7,
        ];
        assert!(waited
            .iter()
            .all(|answer| matches!(answer, Err(AuthError::Busy { .. }))));
        assert_eq!(
            zoom.stats().token_requests_rejected,
            3,
            "one fetch, tried three times"
        );
        zoom.token_endpoint_busy(false);
        tokens.bearer().await.expect("a later call asks again");
        assert_eq!(zoom.stats().tokens_issued, 1);
    }

    #[tokio::test]
    async fn a_token_said_to_last_no_time_is_kept_a_minute() {
        let setup = Setup {
            expires_in_answer: Some(json!(0)),
            ..Setup::default()
        };
        let zoom = FakeZoom::start(setup.clone());
        let tokens = source(&zoom, &setup);
        for _ in 0..20 {
            tokens.bearer().await.expect("a token");
        }
        assert_eq!(zoom.stats().tokens_issued, 1);
    }
}
