//! A stateful fake of the parts of Zoom's API that zimport uses, as `zoom-api.md` describes
//! them, bad days included: Server-to-Server OAuth tokens that expire and can be revoked,
//! meetings and webinars with their types, approval settings and capacity, single and batch
//! registration with Zoom's validation and error codes, the 3-adds-per-registrant-per-day
//! limit, per-category rate limits with Zoom's 429 headers, and faults on demand (latency,
//! 5xx, connections dropped before or after the work is done).
//!
//! Tests start it in-process with [`FakeZoom::start`] (127.0.0.1, port 0; it stops when the
//! handle is dropped), set it up and read its state through the handle. A person can run it
//! with `cargo run -p fake-zoom` to try a full import without a Zoom account.
//!
//! Faults are chosen deterministically from the seed and the request's identity (its emails
//! and how many times they were sent before), so a test run is reproducible however requests
//! interleave.

// Handlers return a ready `Response` as their error so `?` can answer early, as Zoom does; the
// size of that error type does not matter in a test server.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

/// Meeting or webinar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Meeting,
    Webinar,
}

impl Kind {
    fn from_path(segment: &str) -> Option<Kind> {
        match segment {
            "meetings" => Some(Kind::Meeting),
            "webinars" => Some(Kind::Webinar),
            _ => None,
        }
    }

    fn noun(self) -> &'static str {
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
    /// Standard fields the registration form requires: (field name, required).
    pub questions: Vec<(String, bool)>,
    pub custom_questions: Vec<CustomQuestion>,
}

/// A custom question on the registration form.
#[derive(Debug, Clone)]
pub struct CustomQuestion {
    pub title: String,
    /// `short` (free text) or `single` (one of `answers`).
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
            questions: Vec::new(),
            custom_questions: Vec::new(),
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
    /// This page (1-based) of every registrant list answers 200 with a body that is not a
    /// list: its registrants have no email.
    pub broken_list_page: Option<usize>,
    /// The `Retry-After` of every 429, as given (a hostile or broken server's).
    pub retry_after: Option<&'static str>,
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
    /// `approved` or `pending`.
    pub status: String,
    pub join_url: Option<String>,
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

struct Event {
    setup: EventSetup,
    registrants: Vec<Registrant>,
    by_email: HashMap<String, usize>,
}

struct Token {
    expires_at: Instant,
    revoked: bool,
    /// 1 for the first token issued, and so on.
    number: u64,
}

#[derive(Default)]
struct Window {
    sent: VecDeque<Instant>,
    today: u64,
}

struct Inner {
    setup: Setup,
    url: String,
    events: HashMap<(Kind, u64), Event>,
    tokens: HashMap<String, Token>,
    /// Registration requests that carried each email (any event), as the client sent them.
    requests_per_email: HashMap<String, u32>,
    /// Adds counted against Zoom's 3-per-day limit, per event and email.
    daily_adds: HashMap<(Kind, u64, String), u32>,
    /// How often each request identity was seen, for the deterministic fault schedule.
    seen: HashMap<u64, u32>,
    windows: HashMap<&'static str, Window>,
    /// Emails Zoom's own validation rejects although they look fine locally.
    rejected_emails: HashSet<String>,
    /// Registration requests get 401 / code 124 although reads succeed (seen in the field).
    refuse_writes: bool,
    stats: Stats,
    next_id: u64,
    log: Vec<LoggedRequest>,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Inner> {
    // A panic in one handler must not take the whole fake down for the others.
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running fake Zoom. Dropping it stops the server.
pub struct FakeZoom {
    url: String,
    shared: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeZoom {
    /// Starts the fake on 127.0.0.1 at a free port, on a thread of its own.
    pub fn start(setup: Setup) -> FakeZoom {
        Self::start_on(setup, SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("the fake Zoom can bind a loopback port")
    }

    /// Starts the fake on `address`.
    pub fn start_on(setup: Setup, address: SocketAddr) -> std::io::Result<FakeZoom> {
        let listener = std::net::TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Mutex::new(Inner {
            setup,
            url: url.clone(),
            events: HashMap::new(),
            tokens: HashMap::new(),
            requests_per_email: HashMap::new(),
            daily_adds: HashMap::new(),
            seen: HashMap::new(),
            windows: HashMap::new(),
            rejected_emails: HashSet::new(),
            refuse_writes: false,
            stats: Stats::default(),
            next_id: 1,
            log: Vec::new(),
        }));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(shared.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Ok(FakeZoom {
            url,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:41234` (API paths are `/v2/...`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The token endpoint.
    pub fn oauth_url(&self) -> String {
        format!("{}/oauth/token", self.url)
    }

    pub fn add_event(&self, kind: Kind, id: u64, setup: EventSetup) {
        lock(&self.shared).events.insert(
            (kind, id),
            Event {
                setup,
                registrants: Vec::new(),
                by_email: HashMap::new(),
            },
        );
    }

    /// Registers someone directly, as if done earlier through Zoom's web page.
    pub fn preregister(&self, kind: Kind, id: u64, email: &str, status: &str) {
        let mut inner = lock(&self.shared);
        let registrant = inner.new_registrant(id, email, "Earlier", "", status);
        inner.insert_registrant(kind, id, registrant);
    }

    /// Revokes every live token, as an admin rotating the app's secret would.
    pub fn revoke_tokens(&self) {
        for token in lock(&self.shared).tokens.values_mut() {
            token.revoked = true;
        }
    }

    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared).setup.faults = faults;
    }

    pub fn set_limits(&self, limits: Limits) {
        lock(&self.shared).setup.limits = limits;
    }

    /// Makes registration requests fail with 401 / code 124 while reads keep working.
    pub fn refuse_writes(&self, refuse: bool) {
        lock(&self.shared).refuse_writes = refuse;
    }

    /// Makes Zoom's validation reject this email as an invalid field.
    pub fn reject_email(&self, email: &str) {
        lock(&self.shared)
            .rejected_emails
            .insert(email.to_lowercase());
    }

    /// Uses up today's three adds for `email` on the event, as earlier runs or scripts would.
    pub fn use_up_adds(&self, kind: Kind, id: u64, email: &str) {
        lock(&self.shared)
            .daily_adds
            .insert((kind, id, email.to_lowercase()), 3);
    }

    /// Ends the day: daily quotas and per-registrant counters reset, as at 00:00 UTC.
    pub fn new_day(&self) {
        let mut inner = lock(&self.shared);
        inner.daily_adds.clear();
        for window in inner.windows.values_mut() {
            window.today = 0;
        }
    }

    pub fn registrants(&self, kind: Kind, id: u64) -> Vec<Registrant> {
        lock(&self.shared)
            .events
            .get(&(kind, id))
            .map(|e| e.registrants.clone())
            .unwrap_or_default()
    }

    /// Registration requests (single or batch) that carried `email`, on any event.
    pub fn requests_for(&self, email: &str) -> u32 {
        lock(&self.shared)
            .requests_per_email
            .get(&email.to_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// The most registration requests any one email received.
    pub fn max_requests_per_email(&self) -> u32 {
        lock(&self.shared)
            .requests_per_email
            .values()
            .copied()
            .max()
            .unwrap_or(0)
    }

    pub fn stats(&self) -> Stats {
        lock(&self.shared).stats
    }

    /// Every request so far, in the order their answers were handed back.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared).log.clone()
    }
}

impl Drop for FakeZoom {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/v2/{kind}/{id}", get(get_event))
        .route(
            "/v2/{kind}/{id}/registrants",
            post(add_registrant).get(list_registrants),
        )
        .route("/v2/{kind}/{id}/batch_registrants", post(batch_registrants))
        .route("/v2/{kind}/{id}/registrants/questions", get(questions))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            log_request,
        ))
        .with_state(shared)
}

/// Notes each request's start, end, answer and token in the log.
async fn log_request(
    State(shared): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let response = next.run(request).await;
    let ended = Instant::now();
    let rate_limit_type = response
        .headers()
        .get("x-ratelimit-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut inner = lock(&shared);
    let token = bearer.and_then(|t| inner.tokens.get(&t).map(|t| t.number));
    inner.log.push(LoggedRequest {
        method,
        path,
        query,
        status: response.status().as_u16(),
        rate_limit_type,
        token,
        started,
        ended,
    });
    drop(inner);
    response
}

// ---------------------------------------------------------------------------------------------
// Responses

fn zoom_error(status: StatusCode, code: i64, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

fn validation_failed(errors: Vec<(String, &str)>) -> Response {
    let errors: Vec<Value> = errors
        .into_iter()
        .map(|(field, message)| json!({ "field": field, "message": message }))
        .collect();
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "code": 300, "message": "Validation Failed.", "errors": errors })),
    )
        .into_response()
}

/// A response whose body fails at once: the client sees the connection drop mid-response.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("fault: connection dropped"))
    });
    Response::new(Body::from_stream(failing))
}

fn next_midnight_utc() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs((now / 86_400 + 1) * 86_400)
}

fn with_tracking_id(mut response: Response, id: u64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&format!("v=2.0;clid=fake;rid=WEB_{id:016x}")) {
        response.headers_mut().insert("x-zm-trackingid", value);
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    account_id: Option<String>,
}

async fn token(State(shared): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let mut inner = lock(&shared);
    let rejected = |inner: &mut Inner, status: StatusCode, reason: &str, error: &str| {
        inner.stats.token_requests_rejected += 1;
        (status, Json(json!({ "reason": reason, "error": error }))).into_response()
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return rejected(
            &mut inner,
            StatusCode::BAD_REQUEST,
            "unsupported grant type",
            "unsupported_grant_type",
        );
    }
    let form: TokenForm = match serde_urlencoded_form(&body) {
        Some(form) => form,
        None => {
            return rejected(
                &mut inner,
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "invalid_request",
            )
        }
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let expected = format!("{}:{}", inner.setup.client_id, inner.setup.client_secret);
    if basic.as_deref() != Some(expected.as_str()) {
        return rejected(
            &mut inner,
            StatusCode::UNAUTHORIZED,
            "Invalid client_id or client_secret",
            "invalid_client",
        );
    }
    if form.grant_type.as_deref() != Some("account_credentials") {
        return rejected(
            &mut inner,
            StatusCode::BAD_REQUEST,
            "unsupported grant type",
            "unsupported_grant_type",
        );
    }
    if form.account_id.as_deref() != Some(inner.setup.account_id.as_str()) {
        return rejected(
            &mut inner,
            StatusCode::BAD_REQUEST,
            "Invalid account_id",
            "invalid_request",
        );
    }
    if inner.setup.new_token_revokes_old {
        for token in inner.tokens.values_mut() {
            token.revoked = true;
        }
    }
    inner.next_id += 1;
    let access_token = format!(
        "fake-token-{:016x}{:08x}",
        random_u64(inner.next_id),
        inner.next_id
    );
    let expires_in = inner.setup.expires_in;
    let number = inner.stats.tokens_issued + 1;
    inner.tokens.insert(
        access_token.clone(),
        Token {
            expires_at: Instant::now() + expires_in,
            revoked: false,
            number,
        },
    );
    inner.stats.tokens_issued += 1;
    let expires_in_answer = inner
        .setup
        .expires_in_answer
        .clone()
        .unwrap_or_else(|| json!(expires_in.as_secs()));
    Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": expires_in_answer,
        "scope": inner.setup.scopes.join(" "),
        "api_url": inner.url,
    }))
    .into_response()
}

fn serde_urlencoded_form(body: &str) -> Option<TokenForm> {
    let mut form = TokenForm {
        grant_type: None,
        account_id: None,
    };
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=')?;
        match key {
            "grant_type" => form.grant_type = Some(value.to_string()),
            "account_id" => form.account_id = Some(value.to_string()),
            _ => {}
        }
    }
    Some(form)
}

fn random_u64(salt: u64) -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(salt)
}

// ---------------------------------------------------------------------------------------------
// Shared request checks

#[derive(Clone, Copy)]
enum Category {
    Light,
    Medium,
    Heavy,
}

impl Category {
    fn name(self) -> &'static str {
        match self {
            Category::Light => "Light",
            Category::Medium => "Medium",
            Category::Heavy => "Heavy",
        }
    }
}

/// What happens to one request after the shared checks.
enum Fault {
    None,
    ServerError,
    DropBefore,
    DropAfter,
}

impl Inner {
    fn authorize(&mut self, headers: &HeaderMap) -> Result<(), Response> {
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

    fn refuse_write(&mut self) -> Result<(), Response> {
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

    /// Zoom answers 400 / code 4700 when the token lacks every scope that allows a call.
    fn require_scope(&self, kind: Kind, action: &str) -> Result<(), Response> {
        let noun = match kind {
            Kind::Meeting => "meeting",
            Kind::Webinar => "webinar",
        };
        let (classic, granular) = match action {
            "read_event" => ("read", "read:meeting"),
            "list_registrants" => ("read", "read:list_registrants"),
            "questions" => ("read", "read:list_registration_questions"),
            "add" => ("write", "write:registrant"),
            _ => ("write", "write:batch_registrants"),
        };
        let granular = if kind == Kind::Webinar && action == "read_event" {
            "read:webinar"
        } else {
            granular
        };
        let accepted = [
            format!("{noun}:{classic}"),
            format!("{noun}:{classic}:admin"),
            format!("{noun}:{granular}"),
            format!("{noun}:{granular}:admin"),
        ];
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

    fn rate_limit(&mut self, category: Category) -> Result<(), Response> {
        let limits = self.setup.limits;
        let limits_retry_after = self.setup.faults.retry_after;
        let (per_second, per_day) = match category {
            Category::Light => (limits.light_per_second, limits.light_per_day),
            Category::Medium => (limits.medium_per_second, None),
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
            if let Some(value) = limits_retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
                headers.insert("retry-after", value);
            }
            return Err(response);
        }
        window.sent.push_back(now);
        window.today += 1;
        Ok(())
    }

    /// Applies the deterministic fault for a request with this identity: a 5xx (`server_error`:
    /// status, Zoom code, message) or a connection dropped before the work is done are
    /// errors; `Ok(true)` means drop the connection after doing the work.
    fn apply_fault(
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

    /// The deterministic fault for a request with this identity.
    fn fault(&mut self, identity: &str) -> Fault {
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

    fn latency(&self) -> Duration {
        let faults = self.setup.faults;
        let jitter = faults.latency_jitter.as_micros() as u64;
        let extra = if jitter > 0 {
            random_u64(self.next_id) % jitter
        } else {
            0
        };
        faults.latency + Duration::from_micros(extra)
    }

    fn event(&self, kind: Kind, id: u64) -> Result<&Event, Response> {
        let event = self.events.get(&(kind, id)).ok_or_else(|| {
            zoom_error(
                StatusCode::NOT_FOUND,
                3001,
                &format!("{} \"{id}\" not found or has expired.", kind.noun()),
            )
        })?;
        if event.setup.approval_type == 2 {
            return Err(zoom_error(
                StatusCode::NOT_FOUND,
                404,
                &format!(
                    "Registration has not been enabled for this {}: {id}",
                    kind.noun().to_lowercase()
                ),
            ));
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

    fn new_registrant(
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
        Registrant {
            id: registrant_id,
            email: email.to_string(),
            first_name: first.to_string(),
            last_name: last.to_string(),
            fields: serde_json::Map::new(),
            status: status.to_string(),
            join_url,
        }
    }

    /// Adds a registrant to the event and its by-email index.
    fn insert_registrant(&mut self, kind: Kind, id: u64, registrant: Registrant) {
        if let Some(event) = self.events.get_mut(&(kind, id)) {
            event
                .by_email
                .insert(registrant.email.to_lowercase(), event.registrants.len());
            event.registrants.push(registrant);
        }
    }

    fn count_request(&mut self, email: &str) {
        *self
            .requests_per_email
            .entry(email.to_lowercase())
            .or_insert(0) += 1;
    }
}

/// Zoom's own field rules for an add (a subset of what zimport checks locally, plus the emails
/// a test marks as rejected).
fn validate_person(
    inner: &Inner,
    person: &serde_json::Map<String, Value>,
    prefix: &str,
) -> Vec<(String, &'static str)> {
    let mut errors = Vec::new();
    let text = |key: &str| person.get(key).and_then(Value::as_str).unwrap_or("");
    let email = text("email");
    let plausible = email.len() <= 128
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
        && !email.contains(char::is_whitespace);
    if !plausible || inner.rejected_emails.contains(&email.to_lowercase()) {
        errors.push((format!("{prefix}email"), "Invalid field."));
    }
    let first = text("first_name");
    if first.trim().is_empty() || first.chars().count() > 64 {
        errors.push((format!("{prefix}first_name"), "Invalid field."));
    }
    if text("last_name").chars().count() > 64 {
        errors.push((format!("{prefix}last_name"), "Invalid field."));
    }
    errors
}

fn parse_event(kind: &str, id: &str) -> Result<(Kind, u64), Response> {
    let kind =
        Kind::from_path(kind).ok_or_else(|| zoom_error(StatusCode::NOT_FOUND, 404, "Not found"))?;
    let id = id.parse::<u64>().map_err(|_| {
        zoom_error(
            StatusCode::BAD_REQUEST,
            300,
            &format!("Invalid {} ID.", kind.noun().to_lowercase()),
        )
    })?;
    Ok((kind, id))
}

// ---------------------------------------------------------------------------------------------
// API handlers

async fn get_event(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (response, tracking, delay) = {
        let mut inner = lock(&shared);
        inner.stats.api_requests += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let response = (|| {
            let (kind, id) = parse_event(&kind, &id)?;
            inner.authorize(&headers)?;
            inner.require_scope(kind, "read_event")?;
            inner.rate_limit(Category::Light)?;
            let event = inner.events.get(&(kind, id)).ok_or_else(|| {
                zoom_error(
                    StatusCode::NOT_FOUND,
                    3001,
                    &format!("{} \"{id}\" not found or has expired.", kind.noun()),
                )
            })?;
            let setup = &event.setup;
            // An event that is over started three days ago; the others start in ten days.
            let now = SystemTime::now();
            let start = if setup.over {
                now - Duration::from_secs(3 * 86_400)
            } else {
                now + Duration::from_secs(10 * 86_400)
            };
            let start_text = humantime::format_rfc3339_seconds(start).to_string();
            let occurrences: Vec<Value> = setup
                .occurrences
                .iter()
                .map(|o| json!({ "occurrence_id": o, "start_time": start_text, "duration": 60, "status": "available" }))
                .collect();
            let mut body = json!({
                "id": id,
                "topic": setup.topic,
                "type": setup.event_type,
                "host_email": setup.host_email,
                "start_time": start_text,
                "duration": 60,
                "settings": {
                    "approval_type": setup.approval_type,
                    "registration_type": setup.registration_type,
                },
                "occurrences": occurrences,
            });
            if kind == Kind::Webinar {
                body["settings"]["registrants_restrict_number"] = json!(setup.capacity);
            }
            Ok::<_, Response>(Json(body).into_response())
        })()
        .unwrap_or_else(|e| e);
        (response, tracking, delay)
    };
    tokio::time::sleep(delay).await;
    with_tracking_id(response, tracking)
}

#[derive(Deserialize)]
struct AddQuery {
    occurrence_ids: Option<String>,
}

async fn add_registrant(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    Query(query): Query<AddQuery>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let occurrence_ids = query.occurrence_ids;
    let (response, tracking, delay, drop_after) = {
        let mut inner = lock(&shared);
        inner.stats.api_requests += 1;
        inner.stats.single_adds += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let person: Option<serde_json::Map<String, Value>> = serde_json::from_slice(&body).ok();
        let email = person
            .as_ref()
            .and_then(|p| p.get("email"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        inner.count_request(&email);
        let mut drop_after = false;
        let response = (|| {
            let (kind, id) = parse_event(&kind, &id)?;
            inner.authorize(&headers)?;
            inner.refuse_write()?;
            inner.require_scope(kind, "add")?;
            inner.rate_limit(Category::Light)?;
            drop_after = inner.apply_fault(
                &format!("single {kind:?} {id} {}", email.to_lowercase()),
                (StatusCode::SERVICE_UNAVAILABLE, 503, "Service temporarily unavailable."),
            )?;
            let Some(person) = person else {
                return Err(zoom_error(StatusCode::BAD_REQUEST, 300, "Request Body should be a valid JSON object."));
            };
            let event = inner.event(kind, id)?;
            if let Some(wanted) = &occurrence_ids {
                if wanted.split(',').any(|o| !event.setup.occurrences.iter().any(|known| known == o.trim())) {
                    return Err(zoom_error(StatusCode::BAD_REQUEST, 300, "Invalid parameter: occurrence_ids."));
                }
            }
            let host = event.setup.host_email.to_lowercase();
            let approval_type = event.setup.approval_type;
            let full = event.registrants.len() >= event.setup.capacity;
            let existing = event.by_email.get(&email.to_lowercase()).copied();
            let errors = validate_person(&inner, &person, "");
            if !errors.is_empty() {
                return Err(validation_failed(errors));
            }
            if email.to_lowercase() == host {
                return Err(zoom_error(StatusCode::BAD_REQUEST, 3027, "Host cannot register."));
            }
            let key = (kind, id, email.to_lowercase());
            let count = inner.daily_adds.entry(key).or_insert(0);
            *count += 1;
            if *count > 3 {
                inner.stats.registrant_limited += 1;
                let noun = match kind {
                    Kind::Meeting => "Add meeting registrant",
                    Kind::Webinar => "Add a webinar registrant",
                };
                let mut response = zoom_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    429,
                    &format!("You have exceeded the daily rate limit of (3) for {noun} API requests for the registrant ({email}). You can resume these API requests at GMT 00:00:00."),
                );
                response.headers_mut().insert("x-ratelimit-category", HeaderValue::from_static("Light"));
                return Err(response);
            }
            let registrant = match existing {
                Some(index) => inner.events.get(&(kind, id)).map(|e| e.registrants[index].clone()),
                None => {
                    if full {
                        return Err(zoom_error(StatusCode::BAD_REQUEST, 3043, &format!("{} has reached maximum attendee capacity.", kind.noun())));
                    }
                    let auto_approve = person.get("auto_approve").and_then(Value::as_bool).unwrap_or(false)
                        && kind == Kind::Meeting;
                    let status = if approval_type == 0 || auto_approve { "approved" } else { "pending" };
                    let text = |key: &str| person.get(key).and_then(Value::as_str).unwrap_or("").to_string();
                    let mut registrant = inner.new_registrant(id, &email, &text("first_name"), &text("last_name"), status);
                    registrant.fields = person.clone();
                    if let Some(wanted) = &occurrence_ids {
                        registrant.fields.insert("occurrence_ids".to_string(), json!(wanted));
                    }
                    inner.insert_registrant(kind, id, registrant.clone());
                    Some(registrant)
                }
            };
            let registrant = registrant.ok_or_else(|| zoom_error(StatusCode::INTERNAL_SERVER_ERROR, 500, "internal"))?;
            let mut body = json!({
                "id": id,
                "registrant_id": registrant.id,
                "topic": "Quarterly all-hands",
                "start_time": "2026-12-01T16:00:00Z",
            });
            if let Some(join_url) = &registrant.join_url {
                body["join_url"] = json!(join_url);
            }
            Ok((StatusCode::CREATED, Json(body)).into_response())
        })()
        .unwrap_or_else(|e| e);
        (response, tracking, delay, drop_after)
    };
    tokio::time::sleep(delay).await;
    if drop_after {
        lock(&shared).stats.dropped += 1;
        return dropped_connection();
    }
    with_tracking_id(response, tracking)
}

async fn batch_registrants(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (response, tracking, delay, drop_after) = {
        let mut inner = lock(&shared);
        inner.stats.api_requests += 1;
        inner.stats.batch_calls += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
        let people: Vec<serde_json::Map<String, Value>> = parsed
            .as_ref()
            .and_then(|b| b.get("registrants"))
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|p| p.as_object().cloned()).collect())
            .unwrap_or_default();
        let emails: Vec<String> = people
            .iter()
            .map(|p| {
                p.get("email")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        for email in &emails {
            inner.count_request(email);
        }
        let mut drop_after = false;
        let response = (|| {
            let (kind, id) = parse_event(&kind, &id)?;
            inner.authorize(&headers)?;
            inner.refuse_write()?;
            inner.require_scope(kind, "batch")?;
            inner.rate_limit(Category::Heavy)?;
            let mut identity: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
            identity.sort();
            drop_after = inner.apply_fault(
                &format!("batch {kind:?} {id} {}", identity.join(",")),
                (StatusCode::BAD_GATEWAY, 502, "Bad gateway."),
            )?;
            let event = inner.event(kind, id)?;
            let scheduled = match kind {
                Kind::Meeting => event.setup.event_type == 2,
                Kind::Webinar => event.setup.event_type == 5,
            };
            if !scheduled {
                return Err(match kind {
                    Kind::Meeting => zoom_error(StatusCode::BAD_REQUEST, 303, "This API can only be used for scheduled meeting."),
                    Kind::Webinar => zoom_error(StatusCode::BAD_REQUEST, 300, "This API can only be used for scheduled webinar."),
                });
            }
            let approval_type = event.setup.approval_type;
            let capacity = event.setup.capacity;
            if people.is_empty() || people.len() > 30 {
                return Err(validation_failed(vec![("registrants".to_string(), "Invalid field.")]));
            }
            let mut errors = Vec::new();
            for (index, person) in people.iter().enumerate() {
                errors.extend(validate_person(&inner, person, &format!("registrants[{index}].")));
            }
            if !errors.is_empty() {
                return Err(validation_failed(errors));
            }
            for email in &emails {
                let count = inner.daily_adds.entry((kind, id, email.to_lowercase())).or_insert(0);
                *count += 1;
                if *count > 3 {
                    inner.stats.registrant_limited += 1;
                    return Err(zoom_error(
                        StatusCode::TOO_MANY_REQUESTS,
                        429,
                        &format!("You have exceeded the daily rate limit of (3) for {} Perform batch registration API requests for the registrant ({email}). You can resume these API requests at GMT 00:00:00.", kind.noun().to_lowercase()),
                    ));
                }
            }
            let auto_approve = parsed
                .as_ref()
                .and_then(|b| b.get("auto_approve"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let status = if approval_type == 0 || auto_approve { "approved" } else { "pending" };
            let mut out = Vec::new();
            for person in &people {
                let text = |key: &str| person.get(key).and_then(Value::as_str).unwrap_or("").to_string();
                let email = text("email");
                let existing = inner
                    .events
                    .get(&(kind, id))
                    .and_then(|e| e.by_email.get(&email.to_lowercase()).map(|&i| e.registrants[i].clone()));
                let registrant = match existing {
                    Some(registrant) => registrant,
                    None => {
                        let full = inner.events.get(&(kind, id)).is_some_and(|e| e.registrants.len() >= capacity);
                        if full {
                            return Err(zoom_error(StatusCode::NOT_FOUND, 3043, &format!("{} has reached maximum attendee capacity.", kind.noun())));
                        }
                        let mut registrant = inner.new_registrant(id, &email, &text("first_name"), &text("last_name"), status);
                        registrant.fields = person.clone();
                        inner.insert_registrant(kind, id, registrant.clone());
                        registrant
                    }
                };
                let mut item = json!({ "email": registrant.email, "registrant_id": registrant.id });
                if let Some(join_url) = &registrant.join_url {
                    item["join_url"] = json!(join_url);
                }
                out.push(item);
            }
            if inner.setup.faults.batch_omits_last {
                out.pop();
            }
            let status = StatusCode::from_u16(inner.setup.batch_status).unwrap_or(StatusCode::CREATED);
            Ok((status, Json(json!({ "registrants": out }))).into_response())
        })()
        .unwrap_or_else(|e| e);
        (response, tracking, delay, drop_after)
    };
    tokio::time::sleep(delay).await;
    if drop_after {
        lock(&shared).stats.dropped += 1;
        return dropped_connection();
    }
    with_tracking_id(response, tracking)
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    page_size: Option<usize>,
    next_page_token: Option<String>,
}

async fn list_registrants(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Response {
    let (response, tracking, delay) = {
        let mut inner = lock(&shared);
        inner.stats.api_requests += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let response = (|| {
        let (kind, id) = parse_event(&kind, &id)?;
        inner.authorize(&headers)?;
        inner.require_scope(kind, "list_registrants")?;
        inner.rate_limit(Category::Medium)?;
        let event = inner.events.get(&(kind, id)).ok_or_else(|| {
            zoom_error(StatusCode::NOT_FOUND, 3001, &format!("{} \"{id}\" not found or has expired.", kind.noun()))
        })?;
        let status = query.status.unwrap_or_else(|| "approved".to_string());
        let page_size = query.page_size.unwrap_or(30).clamp(1, 300);
        let start: usize = query
            .next_page_token
            .as_deref()
            .and_then(|t| t.strip_prefix("page-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let matching: Vec<&Registrant> = event.registrants.iter().filter(|r| r.status == status).collect();
        let broken = inner.setup.faults.broken_list_page == Some(start / page_size + 1);
        let page: Vec<Value> = matching
            .iter()
            .skip(start)
            .take(page_size)
            .map(|r| {
                let mut listed = json!({ "id": r.id, "email": r.email, "first_name": r.first_name, "last_name": r.last_name, "status": r.status, "join_url": r.join_url });
                if broken {
                    listed.as_object_mut().map(|o| o.remove("email"));
                }
                listed
            })
            .collect();
        let next = if start + page_size < matching.len() { format!("page-{}", start + page_size) } else { String::new() };
        Ok::<_, Response>(
            Json(json!({
                "page_size": page_size,
                "total_records": matching.len(),
                "next_page_token": next,
                "registrants": page,
            }))
            .into_response(),
        )
    })()
    .unwrap_or_else(|e| e);
        (response, tracking, delay)
    };
    tokio::time::sleep(delay).await;
    with_tracking_id(response, tracking)
}

async fn questions(
    State(shared): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (response, tracking, delay) = {
        let mut inner = lock(&shared);
        inner.stats.api_requests += 1;
        let tracking = inner.stats.api_requests;
        let delay = inner.latency();
        let response = (|| {
        let (kind, id) = parse_event(&kind, &id)?;
        inner.authorize(&headers)?;
        inner.require_scope(kind, "questions")?;
        inner.rate_limit(Category::Light)?;
        let event = inner.event(kind, id)?;
        let questions: Vec<Value> = event
            .setup
            .questions
            .iter()
            .map(|(field, required)| json!({ "field_name": field, "required": required }))
            .collect();
        let custom: Vec<Value> = event
            .setup
            .custom_questions
            .iter()
            .map(|q| json!({ "title": q.title, "type": q.kind, "required": q.required, "answers": q.answers }))
            .collect();
        Ok::<_, Response>(Json(json!({ "questions": questions, "custom_questions": custom })).into_response())
    })()
    .unwrap_or_else(|e| e);
        (response, tracking, delay)
    };
    tokio::time::sleep(delay).await;
    with_tracking_id(response, tracking)
}
