//! The run's one shared access token (SPEC §4): fetched once with the S2S OAuth
//! `account_credentials` grant, reused by every worker, refreshed ahead of expiry by exactly
//! one caller while the others wait, and dropped on a 401 only if it is still the current one.
//!
//! This is the only module that exposes a secret: the client secret in the token request's
//! Basic auth, and the access token in [`Token::authorization`]. Nothing here formats either
//! into a message.

use std::sync::Arc;
use std::time::{Duration, Instant};

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
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Zoom refused the credentials (HTTP {status}: {reason}). Check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET: they must belong to a Server-to-Server OAuth app (not an OAuth or JWT app) of this account, and the app must be activated")]
    Rejected { status: u16, reason: String },
    #[error("cannot reach Zoom's token endpoint {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("Zoom's token endpoint answered something that is not a token (HTTP {status})")]
    Malformed { status: u16 },
    #[error("{0}")]
    InsecureApiUrl(String),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
    api_url: Option<String>,
    scope: Option<String>,
}

/// Hands out the shared token.
pub struct TokenSource {
    http: reqwest::Client,
    oauth_url: reqwest::Url,
    credentials: Credentials,
    current: Mutex<Option<Arc<Token>>>,
}

/// Refresh this long before expiry, but never more than a quarter of the token's life.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

impl TokenSource {
    pub fn new(http: reqwest::Client, oauth_url: reqwest::Url, credentials: Credentials) -> Self {
        TokenSource {
            http,
            oauth_url,
            credentials,
            current: Mutex::new(None),
        }
    }

    /// The current token, fetching a new one if there is none or it is near expiry. Holding the
    /// (tokio) lock across the fetch is the point: fifty waiting workers cause one request.
    pub async fn bearer(&self) -> Result<Arc<Token>, AuthError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref() {
            if Instant::now() < token.refresh_at {
                return Ok(token.clone());
            }
        }
        let token = Arc::new(self.fetch().await?);
        *current = Some(token.clone());
        Ok(token)
    }

    /// Forgets `stale` after Zoom refused it, unless another worker already replaced it.
    pub async fn invalidate(&self, stale: &Arc<Token>) {
        let mut current = self.current.lock().await;
        if current
            .as_ref()
            .is_some_and(|token| Arc::ptr_eq(token, stale))
        {
            *current = None;
        }
    }

    async fn fetch(&self) -> Result<Token, AuthError> {
        let unreachable = |detail: String| AuthError::Unreachable {
            url: self.oauth_url.to_string(),
            detail,
        };
        // The docs' query-string form was seen to fail; Zoom accepts a form body (zoom-api.md §6).
        let mut last_error = String::new();
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
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
                    last_error = err.without_url().to_string();
                    continue;
                }
            };
            let status = response.status();
            if status.is_server_error() {
                last_error = format!("HTTP {status}");
                continue;
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| unreachable(e.without_url().to_string()))?;
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
            let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
            let margin = REFRESH_MARGIN.min(lifetime / 4);
            return Ok(Token {
                value: SecretString::from(parsed.access_token),
                refresh_at: requested + lifetime.saturating_sub(margin),
                api_url: parsed.api_url,
                scope: parsed.scope.unwrap_or_default(),
            });
        }
        Err(unreachable(last_error))
    }
}

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
    crate::registrant::shorten(&reason)
}
