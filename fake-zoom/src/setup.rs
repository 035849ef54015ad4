//! What a test sets up (events, limits, faults, the token's life and scopes) and reads back
//! (registrants, counts, the request log).

use std::hash::Hash;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Meeting or webinar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Meeting,
    Webinar,
}

impl Kind {
    pub(crate) fn from_path(segment: &str) -> Option<Kind> {
        match segment {
            "meetings" => Some(Kind::Meeting),
            "webinars" => Some(Kind::Webinar),
            _ => None,
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Meeting => "Meeting",
            Kind::Webinar => "Webinar",
        }
    }
}

/// One event's settings.
#[derive(Debug, Clone)]
pub struct EventSetup {
    /// Meetings: 1 instant, 2 scheduled, 3 recurring (no fixed time), 4 PMI, 8 recurring (fixed
    /// time). Webinars: 5 scheduled, 6 recurring (no fixed time), 9 recurring (fixed time).
    pub event_type: u8,
    /// 0 automatic approval, 1 manual approval, 2 no registration.
    pub approval_type: u8,
    /// The event has ended: registration is refused with code 3038.
    pub over: bool,
    /// Most registrants (Zoom's cap for meetings is 4,999).
    pub capacity: usize,
    pub host_email: String,
    pub topic: String,
    /// Recurring events with a fixed time: 1 register once for all occurrences, 2 for each
    /// occurrence, 3 once and choose occurrences.
    pub registration_type: u8,
    /// Occurrence IDs of a recurring event.
    pub occurrences: Vec<String>,
    /// Zoom does not say what its registrant list holds without `occurrence_id` for an event
    /// that registers people per occurrence (UNCERTAIN: no reference, changelog or forum
    /// thread found). By default it holds everyone; with this, only those registered for the
    /// event as a whole, so a test can hold a client to reading each occurrence's list, which
    /// is right whichever Zoom does.
    pub lists_by_occurrence_only: bool,
    /// Standard fields the registration form requires: (field name, required).
    pub questions: Vec<(String, bool)>,
    pub custom_questions: Vec<CustomQuestion>,
    /// The host's user left the account (or was deleted) after scheduling the event: adds,
    /// batches and status changes are refused with 404 / code 1001, "User … does not exist or
    /// does not belong to this account" (Zoom's API reference, the 404s of "Add a meeting
    /// registrant" and "Update webinar registrant's status").
    pub host_gone: bool,
}

/// One time an event took place (or is taking place): an entry of Zoom's list of past
/// instances, and what its reports give.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Zoom's UUID of this instance: base64, so it may hold `/`, `+` and `=`; one that starts
    /// with `/` or holds `//` must be double-encoded in a path (Zoom's API reference, "List
    /// past meeting instances", `uuid`).
    pub uuid: String,
    /// RFC 3339, UTC.
    pub start_time: String,
    /// `None`: the instance is live (not ended): it is not a past instance yet, and its
    /// reports are refused with code 3001.
    pub end_time: Option<String>,
    /// The participant report's rows, in order: one per join (a rejoin is a row of its own),
    /// and one for each stay in the waiting room.
    pub joins: Vec<Join>,
}

/// One row of a participant report ("Get meeting participant reports"): one join of one
/// participant.
#[derive(Debug, Clone, Default)]
pub struct Join {
    /// The participant's ID in the meeting; empty for some guests.
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// Empty for a guest who gave none (or where Zoom hides it).
    pub user_email: String,
    /// The registrant this participant registered as; empty for a guest, and sometimes for a
    /// registrant too (joined another way). Answered only with `include_fields=registrant_id`.
    pub registrant_id: String,
    /// RFC 3339, UTC.
    pub join_time: String,
    pub leave_time: String,
    /// `status: in_waiting_room` rather than `in_meeting`.
    pub in_waiting_room: bool,
}

/// A custom question on the registration form.
#[derive(Debug, Clone)]
pub struct CustomQuestion {
    pub title: String,
    /// `short` (free text); `single` (meetings), `single_radio` or `single_dropdown`
    /// (webinars): one of `answers`; `multiple` (webinars): any of them. Zoom's OpenAPI
    /// description, "Get registration questions" of each kind.
    pub kind: String,
    pub required: bool,
    pub answers: Vec<String>,
}

impl EventSetup {
    /// A scheduled meeting with automatic approval: what most imports target.
    pub fn scheduled_meeting() -> EventSetup {
        EventSetup {
            event_type: 2,
            approval_type: 0,
            over: false,
            capacity: 4_999,
            host_email: "host@example.com".to_string(),
            topic: "Quarterly all-hands".to_string(),
            registration_type: 1,
            occurrences: Vec::new(),
            lists_by_occurrence_only: false,
            questions: Vec::new(),
            custom_questions: Vec::new(),
            host_gone: false,
        }
    }

    /// A recurring meeting with a fixed time (type 8) and three occurrences.
    pub fn recurring_meeting(registration_type: u8) -> EventSetup {
        EventSetup {
            event_type: 8,
            registration_type,
            occurrences: vec![
                "1764604800000".to_string(),
                "1765209600000".to_string(),
                "1765814400000".to_string(),
            ],
            ..EventSetup::scheduled_meeting()
        }
    }

    /// A scheduled webinar with automatic approval.
    pub fn scheduled_webinar() -> EventSetup {
        EventSetup {
            event_type: 5,
            ..EventSetup::scheduled_meeting()
        }
    }
}

/// Per-second and per-day request ceilings per rate category, as Zoom's plans set them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub light_per_second: u32,
    pub medium_per_second: u32,
    pub heavy_per_second: u32,
    pub light_per_day: Option<u32>,
    /// Zoom publishes no daily quota for Medium; tests set one to see a daily stop there.
    pub medium_per_day: Option<u32>,
    pub heavy_per_day: Option<u32>,
}

impl Limits {
    /// No practical limit: for tests about something else.
    pub fn unlimited() -> Limits {
        Limits {
            light_per_second: 1_000_000,
            medium_per_second: 1_000_000,
            heavy_per_second: 1_000_000,
            light_per_day: None,
            medium_per_day: None,
            heavy_per_day: None,
        }
    }

    /// Zoom's published Pro-plan limits.
    pub fn pro() -> Limits {
        Limits {
            light_per_second: 30,
            medium_per_second: 20,
            heavy_per_second: 10,
            light_per_day: None,
            medium_per_day: None,
            heavy_per_day: Some(30_000),
        }
    }

    /// Zoom's published Business-plan limits.
    pub fn business() -> Limits {
        Limits {
            light_per_second: 80,
            medium_per_second: 60,
            heavy_per_second: 40,
            light_per_day: None,
            medium_per_day: None,
            heavy_per_day: Some(60_000),
        }
    }
}

/// Faults on demand, applied to API requests (not the token endpoint). Rates are fractions.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Added to every API response.
    pub latency: Duration,
    /// Uniformly random extra latency, up to this much.
    pub latency_jitter: Duration,
    /// A 5xx before any work is done.
    pub server_error_rate: f64,
    /// The connection is dropped before any work is done.
    pub drop_before_rate: f64,
    /// The work is done, then the connection is dropped without a response.
    pub drop_after_rate: f64,
    /// Batch responses leave out the last registrant of each call (work still done).
    pub batch_omits_last: bool,
    /// Batch responses give their last entry without `email` and `registrant_id`, and the one
    /// before it with an empty `registrant_id` (work still done): Zoom's description of the
    /// answer marks none of its fields required (`shared/zoom-openapi`, batch_registrants 200).
    pub batch_bare_items: bool,
    /// This page (1-based) of every registrant list answers 200 with a body that is not a
    /// list: its registrants have no email.
    pub broken_list_page: Option<usize>,
    /// The `Retry-After` of every 429, as given (a hostile or broken server's).
    pub retry_after: Option<&'static str>,
    /// After this many status changes that Zoom made, the event is gone (its host deleted it
    /// while a run was changing its registrants' status).
    pub event_gone_after_status_calls: Option<u64>,
    /// A status change answers 200 with a JSON body, not Zoom's documented 204.
    pub status_answers_with_body: bool,
    /// Every status change is refused as too fast (a per-second 429), as when other apps
    /// take all of the account's Medium requests.
    pub status_calls_too_fast: bool,
    /// Every API request (reads too) answers `503 Service Unavailable` from the gateway, with
    /// no JSON and before any work: Zoom down, as during its outages, when its front answered
    /// 5xx gateway errors (reports of the April 2025 outage: "502 Bad Gateway").
    pub api_down: bool,
    /// How the 429 for a person whose three adds of the day are spent is worded.
    pub registrant_limit_wording: RegistrantWording,
    /// Registrant list pages hold fewer people than `page_size` asked for, though more
    /// follow (a client must follow `next_page_token`, not count): Zoom's pagination guide
    /// says only that a non-empty token means more results.
    pub short_pages: bool,
    /// The first this many page tokens that come back are refused as expired, as after a
    /// read slowed past Zoom's 15 minutes (see `Setup::page_token_lifetime`).
    pub expired_page_tokens: u32,
    /// Registrant lists never end: a misbehaving server's (not Zoom's), for the client's
    /// bounds.
    pub endless_pages: Option<EndlessPages>,
    /// Every add and batch is refused for validation with this many field errors (a
    /// misbehaving server's list, for the client's bounds), when not 0.
    pub field_errors: usize,
}

/// How an endless list goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndlessPages {
    /// Every page names the same next page token.
    SameToken,
    /// Every page names a new token, which gives the first page again.
    SamePeople,
    /// Every page names a new token, and holds people never listed before (made up), while
    /// `total_records` counts only the event's own.
    NewPeople,
}

/// The words of the 429 for one person's spent daily adds: Zoom has been seen using more than
/// one (zoom-api.md §1, §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RegistrantWording {
    /// "… API requests for the registrant (a@b.c). You can resume these API requests at GMT
    /// 00:00:00." (zoom-api.md §1 and §5, from Zoom's API reference and forum 141856).
    #[default]
    Named,
    /// "You have exceeded the daily rate limit (3) of … API requests permitted for this
    /// particular registrant. You may resume these requests at GMT 00:00:00.", no address in it
    /// (developer forum thread 57798, as posted: the address left out).
    Unnamed,
    /// Each person one of the two, chosen from the seed and the address.
    Mixed,
}

/// How the fake starts.
#[derive(Debug, Clone)]
pub struct Setup {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Lifetime of each access token.
    pub expires_in: Duration,
    /// What the token answer says for `expires_in`, if not the lifetime in seconds (a broken
    /// or hostile server's `0`, `-5` or `1e30`).
    pub expires_in_answer: Option<Value>,
    /// The scopes granted to tokens (space-separated in the token response).
    pub scopes: Vec<String>,
    /// Before 2023-06-20 a new token revoked the previous ones; `true` brings that back.
    pub new_token_revokes_old: bool,
    /// How long a list's `next_page_token` works: 15 minutes, as Zoom's description of
    /// `next_page_token` says ("expires after 15 minutes"); tests shorten it.
    pub page_token_lifetime: Duration,
    pub limits: Limits,
    pub faults: Faults,
    /// Status code of a successful batch call: Zoom's spec copies disagree (200 or 201).
    pub batch_status: u16,
    pub seed: u64,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            account_id: "fake-account".to_string(),
            client_id: "fake-client-id".to_string(),
            client_secret: "fake-client-secret-do-not-print".to_string(),
            expires_in: Duration::from_secs(3599),
            expires_in_answer: None,
            scopes: vec![
                "meeting:write:admin".to_string(),
                "meeting:read:admin".to_string(),
                "webinar:write:admin".to_string(),
                "webinar:read:admin".to_string(),
            ],
            new_token_revokes_old: false,
            page_token_lifetime: Duration::from_secs(15 * 60),
            limits: Limits::unlimited(),
            faults: Faults::default(),
            batch_status: 201,
            seed: 1,
        }
    }
}

/// A registrant as the fake stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Registrant {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Every field of the request body, as received (custom questions included).
    pub fields: serde_json::Map<String, Value>,
    /// `approved`, `pending` or `denied` (denied by the host, or cancelled: Zoom moves a
    /// cancelled registrant to its Denied/Blocked list).
    pub status: String,
    pub join_url: Option<String>,
    /// When Zoom registered them (RFC 3339, UTC).
    pub create_time: String,
}

/// Counters a test can read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub tokens_issued: u64,
    pub token_requests_rejected: u64,
    pub single_adds: u64,
    pub batch_calls: u64,
    pub unauthorized: u64,
    pub qps_limited: u64,
    pub daily_limited: u64,
    pub registrant_limited: u64,
    /// `PUT …/registrants/status` calls answered 204.
    pub status_calls: u64,
    pub server_errors: u64,
    pub dropped: u64,
    /// Requests of any kind to `/v2/...`.
    pub api_requests: u64,
}

/// One request as the fake saw it: for tests about timing and order (when each request
/// started and ended, which token carried it).
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    /// E.g. `/v2/meetings/83927864687/batch_registrants` or `/oauth/token`.
    pub path: String,
    /// The query string, without the `?`; empty if none.
    pub query: String,
    pub status: u16,
    /// `X-RateLimit-Type` of a 429: `QPS` or `Daily-limit`.
    pub rate_limit_type: Option<String>,
    /// Which access token carried it: 1 for the first one issued, and so on.
    pub token: Option<u64>,
    /// When the request arrived, and when its answer was handed back (after the latency).
    pub started: Instant,
    pub ended: Instant,
}
