//! Zoom's answers read: what it said when it refused a request ([`Refusal`]), and which kind of
//! refusal that is ([`ApiError`]): a rate limit (per second, per day, per person), a token it
//! no longer accepts, a passing fault worth retrying, or a plain rejection. Every number in an
//! answer (`Retry-After`, a body's length) is bounded before it is used.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;

use crate::outside::shorten;

/// What Zoom said when it refused a request, for the results file and the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refusal {
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub message: String,
    /// `x-zm-trackingid`, which Zoom support asks for.
    pub tracking_id: Option<String>,
    /// Field errors of a `300 Validation Failed` answer: (field, message), at most
    /// `MAX_FIELD_ERRORS` of them, each cut to `MAX_MESSAGE_CHARS`.
    pub field_errors: Vec<(String, String)>,
    /// How many more field errors the answer had.
    pub more_field_errors: usize,
}

/// The field errors kept of one answer: a batch of 30 people, a few fields each, has fewer.
const MAX_FIELD_ERRORS: usize = 100;
/// The field errors a message shows; the rest are counted.
const SHOWN_FIELD_ERRORS: usize = 5;

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.http_status, self.zoom_code) {
            (Some(status), Some(code)) => write!(f, "HTTP {status}, Zoom code {code}: ")?,
            (Some(status), None) => write!(f, "HTTP {status}: ")?,
            _ => {}
        }
        // Zoom's words are outside text: shown escaped, so that a newline in them cannot
        // forge a log line.
        f.write_str(&crate::outside::shown(&self.message))?;
        for (field, message) in self.field_errors.iter().take(SHOWN_FIELD_ERRORS) {
            let (field, message) = (crate::outside::shown(field), crate::outside::shown(message));
            write!(f, " [{field}: {message}]")?;
        }
        let more =
            self.field_errors.len().saturating_sub(SHOWN_FIELD_ERRORS) + self.more_field_errors;
        if more > 0 {
            write!(f, " [and {more} more]")?;
        }
        Ok(())
    }
}

/// Why a request did not succeed.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// 429 per second: back off and retry.
    PerSecondLimit {
        /// Zoom's `Retry-After`, or a second when it gives none.
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
    /// A list read refused a page token it had handed out, each time it started again
    /// (Zoom's page tokens expire after 15 minutes): the last refusal.
    PagesExpired(Refusal),
    /// A list whose pages did not end (a token that repeats, pages past the count): why.
    EndlessList(String),
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
            | ApiError::PagesExpired(refusal)
            | ApiError::TokenRefused(refusal) => Some(refusal),
            ApiError::Auth(_) | ApiError::NotSent(_) | ApiError::EndlessList(_) => None,
        }
    }
}

pub(super) fn transport(err: &reqwest::Error) -> Refusal {
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

pub(super) fn tracking_id(headers: &HeaderMap) -> Option<String> {
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

pub(super) fn refusal(status: u16, headers: &HeaderMap, body: &[u8]) -> Refusal {
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
        more_field_errors: parsed.errors.len().saturating_sub(MAX_FIELD_ERRORS),
        field_errors: parsed
            .errors
            .into_iter()
            .take(MAX_FIELD_ERRORS)
            .map(|e| {
                let cut = |text: String| text.chars().take(MAX_MESSAGE_CHARS).collect();
                (cut(e.field), cut(e.message))
            })
            .collect(),
    }
}

/// Tells the three kinds of 429 apart: one person's daily quota, the account's daily quota,
/// and the per-second limit. `carries_people`: the request named registrants (an add, a batch,
/// a status change), not a read.
///
/// A message that names a registrant is that person's, whatever the headers say: Zoom words it
/// "… for the registrant (a@b.c) …" (zoom-api.md §5) and "… permitted for (a@b.c) this
/// particular registrant …", sometimes with no address at all (developer forum thread 57798),
/// and has been seen sending it with the account's headers (forum 18928). Then the structure:
/// `X-RateLimit-Type` (`Daily-limit`, `QPS`), a `Retry-After` past the next UTC midnight. Then
/// the wording: the account's own ("maximum daily rate limit for this API") is the account's;
/// any other daily limit met by a request that carried people is about those people, since one
/// person's spent quota must never stop a run.
pub(super) fn rate_limit_error(
    headers: &HeaderMap,
    refusal: Refusal,
    carries_people: bool,
) -> ApiError {
    rate_limit_error_at(headers, refusal, carries_people, SystemTime::now())
}

/// [`rate_limit_error`], as of `now`.
fn rate_limit_error_at(
    headers: &HeaderMap,
    refusal: Refusal,
    carries_people: bool,
    now: SystemTime,
) -> ApiError {
    let message = refusal.message.to_lowercase();
    if message.contains("for the registrant") || message.contains("particular registrant") {
        let email = address_in(&refusal.message);
        return ApiError::RegistrantLimit { email, refusal };
    }
    let kind = headers
        .get("x-ratelimit-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let wait = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|text| retry_after(text.trim(), now));
    // A per-second answer that asks to wait past the next UTC midnight is a daily stop.
    let past_midnight =
        |wait: Duration| wait > MAX_PER_SECOND_WAIT && now + wait >= next_utc_midnight(now);
    let accounts = match kind.as_deref() {
        Some("daily-limit") => true,
        Some("qps") => false,
        _ => message.contains("maximum daily rate limit"),
    } || wait.is_some_and(past_midnight);
    // Past a day or two is no time Zoom would give: then it is "tomorrow, 00:00 UTC".
    let resume_at = || wait.filter(|&w| w <= MAX_DAILY_WAIT).map(|w| now + w);
    if accounts {
        return ApiError::DailyLimit {
            resume_at: resume_at(),
            refusal,
        };
    }
    if kind.is_none() && message.contains("daily") {
        // One person's limits are 3 adds and 10 status changes a day: a message that names
        // another limit is not one person's.
        let persons_limit = limit_named_in(&message).is_none_or(|n| n == 3 || n == 10);
        if carries_people && persons_limit {
            return ApiError::RegistrantLimit {
                email: None,
                refusal,
            };
        }
        return ApiError::DailyLimit {
            resume_at: resume_at(),
            refusal,
        };
    }
    ApiError::PerSecondLimit {
        // Without a word from Zoom, the second's window: a retry sooner meets the same full
        // window, and a row has only three requests (BENCHMARKS.md, 2026-12-05).
        retry_after: Some(wait.unwrap_or(PER_SECOND_WINDOW)),
        refusal,
    }
}

/// The number a message names as its limit ("… rate limit (3) of …", "… rate limit of "10"
/// for …"): the first digits within a few characters after "limit".
fn limit_named_in(message: &str) -> Option<u64> {
    let (_, after) = message.split_once("limit")?;
    let near: String = after.chars().take(12).collect();
    let digits: String = near
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The email address a message names, in parentheses or quotes (`(a@b.c)`, `"a@b.c"`): the
/// last one, as Zoom names the registrant after the API's name.
fn address_in(message: &str) -> Option<String> {
    message
        .split(['(', ')', '"'])
        .rfind(|part| part.contains('@') && !part.contains(char::is_whitespace))
        .map(str::to_string)
}

/// The window a per-second limit counts in.
const PER_SECOND_WINDOW: Duration = Duration::from_secs(1);

/// The longest a per-second `Retry-After` counts for (the retry waits no longer in any case).
const MAX_PER_SECOND_WAIT: Duration = Duration::from_secs(300);
/// The furthest a daily quota's resume time can be: the next day's midnight, with room.
const MAX_DAILY_WAIT: Duration = Duration::from_secs(2 * 86_400);

/// A `Retry-After` (seconds, or a date) as a wait from `now`, at most a little over
/// [`MAX_DAILY_WAIT`]: no value from outside can overflow the clock.
pub(super) fn retry_after(text: &str, now: SystemTime) -> Option<Duration> {
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
