//! The fake's state behind one lock: events and their registrants, tokens, rate windows, the
//! per-person daily adds, the fault schedule; and the checks every request goes through
//! (token, scopes, rate limit, faults), as Zoom makes them.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use crate::responses::{dropped_connection, next_midnight_utc, zoom_error};
use crate::setup::{
    EventSetup, Instance, Kind, LoggedRequest, Registrant, RegistrantWording, Setup, Stats,
};

pub(crate) struct Event {
    pub(crate) setup: EventSetup,
    pub(crate) registrants: Vec<Registrant>,
    pub(crate) by_email: HashMap<String, usize>,
    /// The times it took place, in order (the last may be live).
    pub(crate) instances: Vec<Instance>,
}

pub(crate) struct Token {
    pub(crate) expires_at: Instant,
    pub(crate) revoked: bool,
    /// 1 for the first token issued, and so on.
    pub(crate) number: u64,
}

#[derive(Default)]
pub(crate) struct Window {
    pub(crate) sent: VecDeque<Instant>,
    pub(crate) today: u64,
}

pub(crate) struct Inner {
    pub(crate) setup: Setup,
    pub(crate) url: String,
    pub(crate) events: HashMap<(Kind, u64), Event>,
    pub(crate) tokens: HashMap<String, Token>,
    /// Registration requests that carried each email (any event), as the client sent them.
    pub(crate) requests_per_email: HashMap<String, u32>,
    /// Adds counted against Zoom's 3-per-day limit, per event and email.
    pub(crate) daily_adds: HashMap<(Kind, u64, String), u32>,
    /// Status changes today per registrant (Zoom allows 10).
    pub(crate) daily_status_changes: HashMap<(Kind, u64, String), u32>,
    /// How often each request identity was seen, for the deterministic fault schedule.
    pub(crate) seen: HashMap<u64, u32>,
    pub(crate) windows: HashMap<&'static str, Window>,
    /// Emails Zoom's own validation rejects although they look fine locally.
    pub(crate) rejected_emails: HashSet<String>,
    /// Registration requests get 401 / code 124 although reads succeed (seen in the field).
    pub(crate) refuse_writes: bool,
    /// The token endpoint answers 429 ([`crate::FakeZoom::token_endpoint_busy`]).
    pub(crate) token_busy: bool,
    pub(crate) stats: Stats,
    pub(crate) next_id: u64,
    pub(crate) log: Vec<LoggedRequest>,
    /// `true` while a test holds API requests before any work is done ([`crate::FakeZoom::hold_answers`]).
    pub(crate) hold: tokio::sync::watch::Sender<bool>,
    /// API requests waiting for the hold to end.
    pub(crate) held: usize,
    /// The list page tokens handed out: what each continues (event, status, position) and
    /// when it was issued.
    pub(crate) page_tokens: HashMap<String, PageToken>,
    /// How requests departed from Zoom's description of them (`crate::described`).
    pub(crate) departures: Vec<String>,
    /// Page tokens refused so far as expired by [`crate::Faults::expired_page_tokens`].
    pub(crate) expired_served: u32,
}

/// Where a registrant list goes on from, and since when the token says so.
pub(crate) struct PageToken {
    pub(crate) event: (Kind, u64),
    pub(crate) status: String,
    pub(crate) start: usize,
    pub(crate) issued: Instant,
}

pub(crate) type Shared = Arc<Mutex<Inner>>;

pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, Inner> {
    // A panic in one handler must not take the whole fake down for the others.
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn random_u64(salt: u64) -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(salt)
}

#[derive(Clone, Copy)]
pub(crate) enum Category {
    Light,
    Medium,
    Heavy,
}

impl Category {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Category::Light => "Light",
            Category::Medium => "Medium",
            Category::Heavy => "Heavy",
        }
    }
}

/// Which registration call asks for the event (Zoom words some refusals per call).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    Add,
    Batch,
    Other,
}

/// What happens to one request after the shared checks.
pub(crate) enum Fault {
    None,
    ServerError,
    DropBefore,
    DropAfter,
}

impl Inner {
    pub(crate) fn authorize(&mut self, headers: &HeaderMap) -> Result<(), Response> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let valid = bearer
            .and_then(|t| self.tokens.get(t))
            .is_some_and(|t| !t.revoked && Instant::now() < t.expires_at);
        if valid {
            Ok(())
        } else {
            self.stats.unauthorized += 1;
            Err(zoom_error(
                StatusCode::UNAUTHORIZED,
                124,
                "Invalid access token.",
            ))
        }
    }

    pub(crate) fn refuse_write(&mut self) -> Result<(), Response> {
        if self.refuse_writes {
            self.stats.unauthorized += 1;
            return Err(zoom_error(
                StatusCode::UNAUTHORIZED,
                124,
                "Invalid access token.",
            ));
        }
        Ok(())
    }

    /// Zoom answers 400 / code 4700 when the token lacks every scope that allows a call. Three
    /// families of scope allow the registrant calls, each user- or admin-level:
    /// - classic: `meeting:read`, `meeting:write` (Zoom's OpenAPI description, each operation);
    /// - granular: one scope per call, `meeting:write:registrant`,
    ///   `meeting:update:registrant_status`, … (Zoom's granular scopes page, as zoom-api.md §1-4
    ///   lists them);
    /// - broad, webinars only: `webinar:read:webinar` and `webinar:write:webinar`, which Zoom
    ///   grants in place of the granular registrant scopes (the indico Zoom plugin accepts
    ///   them for registration: `AUTO_REGISTRATION_BROAD_WEBINAR_SCOPES` in
    ///   `vc_zoom/indico_vc_zoom/plugin.py`).
    pub(crate) fn require_scope(&self, kind: Kind, action: &str) -> Result<(), Response> {
        let noun = match kind {
            Kind::Meeting => "meeting",
            Kind::Webinar => "webinar",
        };
        let (classic, granular) = match action {
            "read_event" => ("read", "read:meeting"),
            "list_registrants" => ("read", "read:list_registrants"),
            "questions" => ("read", "read:list_registration_questions"),
            "past_instances" => ("read", "read:list_past_instances"),
            "add" => ("write", "write:registrant"),
            "status" => ("write", "update:registrant_status"),
            _ => ("write", "write:batch_registrants"),
        };
        let granular = if kind == Kind::Webinar && action == "read_event" {
            "read:webinar"
        } else {
            granular
        };
        let mut accepted = vec![
            format!("{noun}:{classic}"),
            format!("{noun}:{classic}:admin"),
            format!("{noun}:{granular}"),
            format!("{noun}:{granular}:admin"),
        ];
        if kind == Kind::Webinar {
            accepted.push(format!("webinar:{classic}:webinar"));
            accepted.push(format!("webinar:{classic}:webinar:admin"));
        }
        if self.setup.scopes.iter().any(|s| accepted.contains(s)) {
            Ok(())
        } else {
            Err(zoom_error(
                StatusCode::BAD_REQUEST,
                4700,
                &format!("Invalid access token, does not contain scopes:[{noun}:{granular}:admin, {noun}:{granular}]."),
            ))
        }
    }

    /// Hands out a page token that goes on from `start` of `listing` (a registrant status, or a
    /// report) of `event`: a new random one, or `fixed`.
    pub(crate) fn issue_page_token(
        &mut self,
        event: (Kind, u64),
        listing: String,
        start: usize,
        fixed: Option<&str>,
    ) -> String {
        self.next_id += 1;
        let token = fixed.map_or_else(
            || format!("{:016x}", random_u64(self.next_id)),
            str::to_string,
        );
        let issued = std::time::Instant::now();
        let continues = PageToken {
            event,
            status: listing,
            start,
            issued,
        };
        self.page_tokens.insert(token.clone(), continues);
        token
    }

    /// A report call's scopes: the classic `report:read:admin`, or the granular
    /// `report:read:{granular}:admin` (`list_meeting_participants`, `meeting`, and the
    /// webinar ones), as "Get meeting participant reports" lists them.
    pub(crate) fn require_report_scope(&self, granular: &str) -> Result<(), Response> {
        let accepted = [
            "report:read:admin".to_string(),
            format!("report:read:{granular}:admin"),
        ];
        if self.setup.scopes.iter().any(|s| accepted.contains(s)) {
            Ok(())
        } else {
            Err(zoom_error(
                StatusCode::BAD_REQUEST,
                4700,
                &format!("Invalid access token, does not contain scopes:[report:read:{granular}:admin, report:read:admin]."),
            ))
        }
    }

    pub(crate) fn rate_limit(&mut self, category: Category) -> Result<(), Response> {
        let limits = self.setup.limits;
        let limits_retry_after = self.setup.faults.retry_after;
        let (per_second, per_day) = match category {
            Category::Light => (limits.light_per_second, limits.light_per_day),
            Category::Medium => (limits.medium_per_second, limits.medium_per_day),
            Category::Heavy => (limits.heavy_per_second, limits.heavy_per_day),
        };
        let window = self.windows.entry(category.name()).or_default();
        if let Some(per_day) = per_day {
            if window.today >= u64::from(per_day) {
                self.stats.daily_limited += 1;
                let mut response = zoom_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    429,
                    "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.",
                );
                let headers = response.headers_mut();
                let retry_after = limits_retry_after.map_or_else(
                    || humantime::format_rfc3339_seconds(next_midnight_utc()).to_string(),
                    str::to_string,
                );
                for (name, value) in [
                    ("x-ratelimit-category", category.name().to_string()),
                    ("x-ratelimit-type", "Daily-limit".to_string()),
                    ("x-ratelimit-limit", per_day.to_string()),
                    ("x-ratelimit-remaining", "0".to_string()),
                    ("retry-after", retry_after),
                ] {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        headers.insert(name, value);
                    }
                }
                return Err(response);
            }
        }
        // A sliding one-second window: stricter than a fixed window, so a client that passes
        // here passes Zoom.
        let now = Instant::now();
        while window
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            window.sent.pop_front();
        }
        if window.sent.len() >= per_second as usize {
            return Err(self.too_fast(category));
        }
        window.sent.push_back(now);
        window.today += 1;
        Ok(())
    }

    /// Zoom's per-second 429 for `category`, counted.
    pub(crate) fn too_fast(&mut self, category: Category) -> Response {
        self.stats.qps_limited += 1;
        let mut response = zoom_error(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            "You have reached the maximum per-second rate limit for this API. Try again later.",
        );
        let headers = response.headers_mut();
        headers.insert(
            "x-ratelimit-category",
            HeaderValue::from_static(category.name()),
        );
        headers.insert("x-ratelimit-type", HeaderValue::from_static("QPS"));
        // The account's per-second ceiling and none left, as on the daily 429 (Zoom's rate
        // limits page, its headers as quoted in developer forum thread 18928).
        let limits = self.setup.limits;
        let per_second = match category {
            Category::Light => limits.light_per_second,
            Category::Medium => limits.medium_per_second,
            Category::Heavy => limits.heavy_per_second,
        };
        if let Ok(value) = HeaderValue::from_str(&per_second.to_string()) {
            headers.insert("x-ratelimit-limit", value);
        }
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        if let Some(value) = self
            .setup
            .faults
            .retry_after
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert("retry-after", value);
        }
        response
    }

    /// Another app on the account sends `count` requests of `category` now: they fill the
    /// account's per-second window as this client's would.
    pub(crate) fn others_send(&mut self, category: Category, count: usize) {
        let window = self.windows.entry(category.name()).or_default();
        let now = Instant::now();
        window.sent.extend(std::iter::repeat_n(now, count));
    }

    /// Applies the deterministic fault for a request with this identity: a 5xx (`server_error`:
    /// status, Zoom code, message) or a connection dropped before the work is done are
    /// errors; `Ok(true)` means drop the connection after doing the work.
    pub(crate) fn apply_fault(
        &mut self,
        identity: &str,
        server_error: (StatusCode, i64, &str),
    ) -> Result<bool, Response> {
        match self.fault(identity) {
            Fault::ServerError => {
                self.stats.server_errors += 1;
                let (status, code, message) = server_error;
                Err(zoom_error(status, code, message))
            }
            Fault::DropBefore => {
                self.stats.dropped += 1;
                Err(dropped_connection())
            }
            Fault::DropAfter => Ok(true),
            Fault::None => Ok(false),
        }
    }

    /// The 429 message for `email`, whose daily adds through `api` (Zoom's name for the
    /// endpoint) are spent, in the wording the faults choose.
    pub(crate) fn registrant_limit_message(&self, api: &str, email: &str) -> String {
        let named = match self.setup.faults.registrant_limit_wording {
            RegistrantWording::Named => true,
            RegistrantWording::Unnamed => false,
            RegistrantWording::Mixed => {
                let mut hasher = DefaultHasher::new();
                (self.setup.seed, email.to_lowercase()).hash(&mut hasher);
                hasher.finish().is_multiple_of(2)
            }
        };
        if named {
            format!("You have exceeded the daily rate limit of (3) for {api} API requests for the registrant ({email}). You can resume these API requests at GMT 00:00:00.")
        } else {
            format!("You have exceeded the daily rate limit (3) of {api} API requests permitted for this particular registrant. You may resume these requests at GMT 00:00:00.")
        }
    }

    /// The deterministic fault for a request with this identity.
    pub(crate) fn fault(&mut self, identity: &str) -> Fault {
        let faults = self.setup.faults;
        let mut hasher = DefaultHasher::new();
        identity.hash(&mut hasher);
        let key = hasher.finish();
        let ordinal = self.seen.entry(key).or_insert(0);
        *ordinal += 1;
        let mut hasher = DefaultHasher::new();
        (self.setup.seed, key, *ordinal).hash(&mut hasher);
        let roll = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
        if roll < faults.server_error_rate {
            Fault::ServerError
        } else if roll < faults.server_error_rate + faults.drop_before_rate {
            Fault::DropBefore
        } else if roll < faults.server_error_rate + faults.drop_before_rate + faults.drop_after_rate
        {
            Fault::DropAfter
        } else {
            Fault::None
        }
    }

    pub(crate) fn latency(&self) -> Duration {
        let faults = self.setup.faults;
        let jitter = faults.latency_jitter.as_micros() as u64;
        let extra = if jitter > 0 {
            random_u64(self.next_id) % jitter
        } else {
            0
        };
        faults.latency + Duration::from_micros(extra)
    }

    /// The event a registration call (`call`) is for, or Zoom's refusal: not found, the host
    /// gone from the account, registration off, over.
    pub(crate) fn event(&self, kind: Kind, id: u64, call: Call) -> Result<&Event, Response> {
        let event = self.events.get(&(kind, id)).ok_or_else(|| {
            zoom_error(
                StatusCode::NOT_FOUND,
                3001,
                &format!("{} \"{id}\" not found or has expired.", kind.noun()),
            )
        })?;
        if event.setup.host_gone {
            return Err(zoom_error(
                StatusCode::NOT_FOUND,
                1001,
                "User does not exist or does not belong to this account.",
            ));
        }
        if event.setup.approval_type == 2 {
            // Each call words it its own way (zoom-api.md §1-3, from Zoom's API reference):
            // the webinar add and batch answer 400 / 3000, everything else 404.
            return Err(match (kind, call) {
                (Kind::Webinar, Call::Add) => zoom_error(
                    StatusCode::BAD_REQUEST,
                    3000,
                    "This webinar does not have registration as required.",
                ),
                (Kind::Webinar, Call::Batch) => zoom_error(
                    StatusCode::BAD_REQUEST,
                    3000,
                    "Registration not enabled for this webinar.",
                ),
                _ => zoom_error(
                    StatusCode::NOT_FOUND,
                    404,
                    &format!(
                        "Registration has not been enabled for this {}: {id}",
                        kind.noun().to_lowercase()
                    ),
                ),
            });
        }
        if event.setup.over {
            return Err(zoom_error(
                StatusCode::BAD_REQUEST,
                3038,
                &format!("{} is over, you can not register now. If you have any questions, please contact the {} host.", kind.noun(), kind.noun()),
            ));
        }
        Ok(event)
    }

    pub(crate) fn new_registrant(
        &mut self,
        id: u64,
        email: &str,
        first: &str,
        last: &str,
        status: &str,
    ) -> Registrant {
        self.next_id += 1;
        let registrant_id = format!(
            "reg{:012x}{:06x}",
            random_u64(self.next_id) & 0xffff_ffff_ffff,
            self.next_id
        );
        let join_url = (status == "approved")
            .then(|| format!("https://fake.zoom.us/w/{id}?tk={registrant_id}"));
        // A registration time a second apart for each, in the day before the event.
        let second = self.next_id % 86_400;
        let create_time = format!(
            "2026-11-30T{:02}:{:02}:{:02}Z",
            second / 3600,
            second / 60 % 60,
            second % 60
        );
        Registrant {
            id: registrant_id,
            email: email.to_string(),
            first_name: first.to_string(),
            last_name: last.to_string(),
            fields: serde_json::Map::new(),
            status: status.to_string(),
            join_url,
            create_time,
        }
    }

    /// Gives the registrants at these indices a new status: `denied` for a cancel too, since
    /// Zoom moves a cancelled registrant to its Denied/Blocked list and keeps them there (Zoom
    /// community, "Why are unregistered attendees moved to Denied/Blocked list?", m-p/71688).
    pub(crate) fn set_status(&mut self, kind: Kind, id: u64, indices: &[usize], status: &str) {
        let Some(event) = self.events.get_mut(&(kind, id)) else {
            return;
        };
        for &index in indices {
            let Some(registrant) = event.registrants.get_mut(index) else {
                continue;
            };
            registrant.status = status.to_string();
            if status == "approved" && registrant.join_url.is_none() {
                registrant.join_url =
                    Some(format!("https://fake.zoom.us/w/{id}?tk={}", registrant.id));
            }
        }
    }

    /// Adds a registrant to the event and its by-email index.
    pub(crate) fn insert_registrant(&mut self, kind: Kind, id: u64, registrant: Registrant) {
        if let Some(event) = self.events.get_mut(&(kind, id)) {
            event
                .by_email
                .insert(registrant.email.to_lowercase(), event.registrants.len());
            event.registrants.push(registrant);
        }
    }

    pub(crate) fn count_request(&mut self, email: &str) {
        *self
            .requests_per_email
            .entry(email.to_lowercase())
            .or_insert(0) += 1;
    }
}
