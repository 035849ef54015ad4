//! The Zoom client: typed registrant requests, each paced by the rate limiter of its Zoom
//! category (single adds are *Light*, batch is *Heavy*, lists and status changes *Medium*)
//! right before it is sent, retries included, and Zoom's answers parsed into [`ApiError`] for
//! [`register`] and [`status`] to act on.
//!
//! One call sends one request, or two when Zoom refuses the token (401 / code 124): then the
//! token is refreshed once and the request retried once. Every call reports how many requests
//! it sent, because each one counts against the three adds Zoom allows per person and day.

mod answers;
pub mod auth;
mod bodies;
pub mod control;
pub mod http;
pub mod job;
pub mod list;
pub mod lookup;
pub mod pacing;
mod policy;
pub mod preflight;
pub mod register;
pub mod report;
mod request;
pub mod status;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use reqwest::Method;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};

use crate::credentials::Credentials;

use crate::credentials::DEFAULT_API_URL;
use crate::limits::RateLimits;
use crate::model::{Action, Event, EventKind};
use crate::registrant::Registrant;
use crate::zoom::auth::{AuthError, Token, TokenSource};
use crate::zoom::control::Control;
use crate::zoom::pacing::Pacer;
use bodies::{AddBody, BatchBody, Extra, Person, QuestionAnswer, StatusBody, StatusOf};

use crate::model::Category;
pub use settings::ZoomSettings;

/// Where the line for each request goes (`-vv`): zoom says what happened, and whoever runs it
/// decides whether and how to show it.
pub type RequestLog = Arc<dyn Fn(std::fmt::Arguments<'_>) + Send + Sync>;
pub use answers::{next_utc_midnight, ApiError, Refusal};

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
    /// Absent from a meeting add's answer while the host has to approve them.
    pub join_url: Option<String>,
    /// `approved` or `pending`, where Zoom says: the webinar add's answer (since Zoom's API
    /// changelog of 2026-09-21) and Zoom's lists.
    #[serde(default)]
    pub status: Option<String>,
}

impl Registered {
    /// Whether the host still has to approve them: Zoom's `status` where it gives one, else a
    /// missing join URL (Zoom documents leaving it out for meetings that approve by hand).
    pub fn awaiting_approval(&self) -> bool {
        match self.status.as_deref() {
            Some(status) => status == "pending",
            None => self.join_url.is_none(),
        }
    }
}

/// One entry of a batch answer: the person's email and [`Registered`]'s fields (named out,
/// not `flatten`ed: serde buffers a flattened struct's every field first). Zoom's description
/// marks none of them required, so each may be missing: an entry without an email or an ID
/// settles no row.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchItem {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub registrant_id: Option<String>,
    #[serde(default)]
    pub join_url: Option<String>,
}

impl BatchItem {
    /// The email and what Zoom registered, if the entry says both.
    pub fn registered(self) -> Option<(String, Registered)> {
        let email = self.email.filter(|email| !email.trim().is_empty())?;
        let registrant_id = self.registrant_id.filter(|id| !id.trim().is_empty())?;
        Some((
            email,
            Registered {
                registrant_id,
                join_url: self.join_url,
                status: None,
            },
        ))
    }
}

/// A batch answer: its entries, each read on its own, so one of another shape costs only its
/// own row (sent again singly), never the batch.
#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    registrants: Vec<BatchEntry>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BatchEntry {
    Item(BatchItem),
    Unreadable(serde::de::IgnoredAny),
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
    /// The ceilings the pacers keep to.
    limits: RateLimits,
    pub counters: Arc<Counters>,
    /// `-vv`: a line per request.
    log: Option<RequestLog>,
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
            light: Pacer::per_second(limits.per_second(Category::Light)),
            medium: Pacer::per_second(limits.per_second(Category::Medium)),
            heavy: Pacer::per_second(limits.per_second(Category::Heavy)),
            limits,
            counters: Arc::new(Counters::default()),
            log: None,
        }
    }

    /// The categories Zoom's per-second refusals of sending slowed, and to what pace.
    pub fn slowed(&self) -> Vec<crate::model::Slowed> {
        [
            (Category::Light, "single adds", &self.light),
            (Category::Medium, "status changes", &self.medium),
            (Category::Heavy, "batch calls", &self.heavy),
        ]
        .into_iter()
        .filter_map(|(category, what, pacer)| {
            pacer.slowed().map(|pace| crate::model::Slowed {
                what,
                category,
                ceiling: self.limits.per_second(category),
                pace,
            })
        })
        .collect()
    }

    /// A line for every request (its method, path and answer; never a header or a body), to
    /// `log` (the console, with `-vv`); none without one.
    pub fn log_requests(mut self, log: Option<RequestLog>) -> ZoomClient {
        self.tokens.log.clone_from(&log);
        self.log = log;
        self
    }

    /// A client of a command that only reads (an export, attendance): the credentials of
    /// `settings` (an error without them), its own control, requests logged to `log`.
    pub fn reading(
        settings: &ZoomSettings,
        event: Event,
        limits: RateLimits,
        log: Option<RequestLog>,
    ) -> Result<ZoomClient, String> {
        let credentials = settings
            .credentials
            .clone()
            .ok_or_else(|| "no Zoom credentials".to_string())?;
        let control = Arc::new(Control::default());
        let options = RequestOptions::default();
        Ok(
            ZoomClient::open(settings, credentials, control, event, options, limits)?
                .log_requests(log),
        )
    }

    /// A client for `event` with the endpoints and timeout of `settings`: what every command
    /// that talks to Zoom opens.
    pub fn open(
        settings: &ZoomSettings,
        credentials: Credentials,
        control: Arc<Control>,
        event: Event,
        options: RequestOptions,
        limits: RateLimits,
    ) -> Result<ZoomClient, String> {
        let http = http::client(settings.request_timeout)?;
        Ok(ZoomClient::new(
            http.clone(),
            TokenSource::new(http, settings.oauth_url.clone(), credentials),
            control,
            settings.api_url.clone(),
            event,
            options,
            limits,
        ))
    }

    /// The shared token source (for the scope check before a run).
    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    /// Where the API is for `token`: `ZOOM_API_URL`, else the token answer's `api_url`, else
    /// Zoom's own (for messages that name it, and for every request's URL).
    pub fn api_base(&self, token: &Token) -> String {
        let base = match (&self.api_url, &token.api_url) {
            (Some(url), _) => url.as_str().to_string(),
            (None, Some(url)) => url.clone(),
            (None, None) => DEFAULT_API_URL.to_string(),
        };
        base.trim_end_matches('/').to_string()
    }

    /// The address of `tail` of the event (`""`: the event itself), or, for a `tail` that
    /// starts with `/`, of that path from the API's root (a report's, a past instance list's).
    fn url(&self, token: &Token, kind: EventKind, tail: &str) -> String {
        if let Some(from_root) = tail.strip_prefix('/') {
            return format!("{}/v2/{from_root}", self.api_base(token));
        }
        // Zoom's paths name the kind in the plural: /v2/meetings/{id}, /v2/webinars/{id}.
        let event = format!(
            "{}/v2/{}s/{}",
            self.api_base(token),
            kind.noun(),
            self.event.id
        );
        if tail.is_empty() {
            event
        } else {
            format!("{event}/{tail}")
        }
    }

    /// Registers one person with every field the row has.
    pub async fn add_registrant(&self, registrant: &Registrant) -> Sent<Registered> {
        let body = AddBody {
            person: Person::of(registrant),
            extra: Extra(&registrant.extra),
            custom_questions: registrant
                .custom_questions
                .iter()
                .map(|(title, value)| QuestionAnswer { title, value })
                .collect(),
            auto_approve: (self.event.kind == EventKind::Meeting && self.options.auto_approve)
                .then_some(true),
        };
        let query: Vec<(&str, String)> = self
            .options
            .occurrence_ids
            .iter()
            .map(|ids| ("occurrence_ids", ids.clone()))
            .collect();
        self.send(Category::Light, Method::POST, "registrants", &body, &query)
            .await
    }

    /// Registers up to 30 people (email and names only) in one call.
    pub async fn add_batch(&self, registrants: &[&Registrant]) -> Sent<Vec<BatchItem>> {
        let meeting = self.event.kind == EventKind::Meeting;
        let body = BatchBody {
            registrants: registrants.iter().map(|r| Person::of(r)).collect(),
            auto_approve: (meeting && self.options.auto_approve).then_some(true),
            registrants_confirmation_email: self.options.confirmation_email.filter(|_| meeting),
        };
        let answer: Sent<BatchAnswer> = self
            .send(
                Category::Heavy,
                Method::POST,
                "batch_registrants",
                &body,
                &[],
            )
            .await;
        Sent {
            requests: answer.requests,
            result: answer.result.map(|answer| {
                answer
                    .registrants
                    .into_iter()
                    .filter_map(|entry| match entry {
                        BatchEntry::Item(item) => Some(item),
                        BatchEntry::Unreadable(_) => None,
                    })
                    .collect()
            }),
        }
    }

    /// Approves, denies or cancels up to 30 registrants, each given as (Zoom's ID, email), for
    /// one occurrence if given. Zoom answers 204 with no body.
    pub async fn change_status(
        &self,
        action: Action,
        registrants: &[(&str, &str)],
        occurrence: Option<&str>,
    ) -> Sent<()> {
        let body = StatusBody {
            action: action.name(),
            registrants: registrants
                .iter()
                .map(|&(id, email)| StatusOf { id, email })
                .collect(),
        };
        let query: Vec<(&str, String)> = occurrence
            .map(|id| ("occurrence_id", id.to_string()))
            .into_iter()
            .collect();
        // Zoom answers 204 with no body; whatever a 2xx holds, the change is made.
        let sent: Sent<IgnoredAny> = self
            .send(
                Category::Medium,
                Method::PUT,
                "registrants/status",
                &body,
                &query,
            )
            .await;
        Sent {
            requests: sent.requests,
            result: sent.result.map(|_| ()),
        }
    }

    /// Reads `tail` of the event (`""` for the event itself; from the API's root if it starts
    /// with `/`) with a GET, as a `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        category: Category,
        tail: &str,
        query: &[(&str, String)],
    ) -> Sent<T> {
        self.send_as(self.event.kind, category, Method::GET, tail, None, query)
            .await
    }

    /// Whether Zoom has an event of `kind` with this event's ID (a `--webinar` given a
    /// meeting's ID, or the reverse). Any answer but a 2xx is a no.
    pub async fn exists_as(&self, kind: EventKind) -> bool {
        let sent: Sent<IgnoredAny> = self
            .send_as(kind, Category::Light, Method::GET, "", None, &[])
            .await;
        sent.result.is_ok()
    }

    /// Sends `body` about the event (twice if the token is refused once) and reads the 2xx
    /// answer as a `T`.
    async fn send<T: DeserializeOwned>(
        &self,
        category: Category,
        method: Method,
        tail: &str,
        body: &impl Serialize,
        query: &[(&str, String)],
    ) -> Sent<T> {
        let body = match serde_json::to_vec(body) {
            Ok(body) => body,
            Err(error) => {
                return Sent {
                    requests: 0,
                    result: Err(ApiError::NotSent(format!(
                        "cannot write the request: {error}"
                    ))),
                }
            }
        };
        self.send_as(self.event.kind, category, method, tail, Some(&body), query)
            .await
    }
}

fn auth_error(err: AuthError) -> ApiError {
    ApiError::Auth(err.to_string())
}

/// The async runtime a command talks to Zoom on. One thread is plenty for Zoom's rates and
/// saves a cross-thread wake-up per request.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

mod settings;
#[cfg(test)]
mod tests;
