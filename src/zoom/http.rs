//! The HTTP client every request goes through, and how answers are read: nothing from the
//! other side is trusted further than it has to be. No redirect is followed (Zoom's API never
//! redirects, so the token only ever goes to the address configured), every request has a
//! timeout that covers its whole answer, and no answer is read beyond a few MiB.

use std::time::Duration;

/// The largest answer read. A page of 300 registrants, Zoom's largest real answer, is well
/// under 1 MiB; anything larger is refused unread, so memory cannot be run out.
pub const MAX_BODY_BYTES: usize = 4 << 20;

/// The client for the token endpoint and the API: `timeout` bounds each request from its start
/// to the last byte of its answer.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("zimport/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot set up HTTPS: {e}"))
}

/// Why an answer's body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than the limit (said up front, or found while reading).
    TooLarge { limit: usize },
    /// The connection broke off, or the timeout ran out.
    Broken(reqwest::Error),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(
                f,
                "the answer was larger than {} KiB, far more than Zoom ever sends; not read",
                limit >> 10
            ),
            BodyError::Broken(err) if err.is_timeout() => {
                f.write_str("the answer did not arrive in time")
            }
            BodyError::Broken(_) => f.write_str("the connection broke off during the answer"),
        }
    }
}

/// Reads an answer's body, at most `limit` bytes of it.
pub async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len().saturating_add(chunk.len()) > limit => {
                return Err(BodyError::TooLarge { limit })
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(body),
            Err(err) => return Err(BodyError::Broken(err)),
        }
    }
}
