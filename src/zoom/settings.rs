//! How to reach Zoom: its endpoints, the app's credentials, and how long to wait.

use std::time::Duration;

use crate::credentials::Credentials;

/// How to reach Zoom, from the environment (never from flags).
#[derive(Debug, Clone)]
pub struct ZoomSettings {
    /// The token endpoint (`ZOOM_OAUTH_URL`), HTTPS or loopback.
    pub oauth_url: reqwest::Url,
    /// `ZOOM_API_URL`; else the token's `api_url`; else `https://api.zoom.us`.
    pub api_url: Option<reqwest::Url>,
    /// `None` is fine for a dry run.
    pub credentials: Option<Credentials>,
    /// Longest wait for one answer before it counts as a transient failure.
    pub request_timeout: Duration,
    /// The first retry waits about this long; each further one about twice as long.
    pub backoff_base: Duration,
}
