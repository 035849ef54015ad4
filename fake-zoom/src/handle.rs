//! The handle a test holds: starts the server on its own thread (127.0.0.1, port 0), sets it
//! up, reads its state, and stops it when dropped.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::handlers::router;
use crate::setup::{
    EventSetup, Faults, Instance, Kind, Limits, LoggedRequest, Registrant, Setup, Stats,
};
use crate::state::{lock, Event, Inner, Shared};

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
            daily_status_changes: HashMap::new(),
            seen: HashMap::new(),
            windows: HashMap::new(),
            rejected_emails: HashSet::new(),
            refuse_writes: false,
            token_busy: false,
            stats: Stats::default(),
            next_id: 1,
            log: Vec::new(),
            hold: tokio::sync::watch::Sender::new(false),
            held: 0,
            page_tokens: HashMap::new(),
            departures: Vec::new(),
            expired_served: 0,
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
                instances: Vec::new(),
            },
        );
    }

    /// Adds a time the event took place (or is taking place, if it has no end): Zoom lists it
    /// among the past instances once it has ended, and reports its participants.
    pub fn add_instance(&self, kind: Kind, id: u64, instance: Instance) {
        if let Some(event) = lock(&self.shared).events.get_mut(&(kind, id)) {
            event.instances.push(instance);
        }
    }

    /// Ends the event's live instance at `end_time`.
    pub fn end_instance(&self, kind: Kind, id: u64, end_time: &str) {
        if let Some(event) = lock(&self.shared).events.get_mut(&(kind, id)) {
            for instance in event.instances.iter_mut().filter(|i| i.end_time.is_none()) {
                instance.end_time = Some(end_time.to_string());
            }
        }
    }

    /// Registers someone directly, as if done earlier through Zoom's web page.
    pub fn preregister(&self, kind: Kind, id: u64, email: &str, status: &str) {
        let mut inner = lock(&self.shared);
        let registrant = inner.new_registrant(id, email, "Earlier", "", status);
        inner.insert_registrant(kind, id, registrant);
    }

    /// Registers someone directly with the fields of an add's body (names, address, …,
    /// `custom_questions`), as if they had filled in Zoom's registration page; returns their
    /// registrant ID.
    pub fn preregister_person(
        &self,
        kind: Kind,
        id: u64,
        fields: serde_json::Map<String, serde_json::Value>,
        status: &str,
    ) -> String {
        let mut inner = lock(&self.shared);
        let text = |key: &str| {
            fields
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let mut registrant = inner.new_registrant(
            id,
            &text("email"),
            &text("first_name"),
            &text("last_name"),
            status,
        );
        registrant.fields = fields;
        let registrant_id = registrant.id.clone();
        inner.insert_registrant(kind, id, registrant);
        registrant_id
    }

    /// How the requests so far departed from Zoom's OpenAPI description of them (fields,
    /// types, lengths, enums, query parameters, more than 30 people a call), one line each.
    pub fn departures(&self) -> Vec<String> {
        lock(&self.shared).departures.clone()
    }

    /// Revokes every live token, as an admin rotating the app's secret would.
    pub fn revoke_tokens(&self) {
        for token in lock(&self.shared).tokens.values_mut() {
            token.revoked = true;
        }
    }

    /// Holds every API request that arrives from now on (the token endpoint still answers)
    /// before any work is done, until the returned guard is dropped: a test can then see
    /// which requests a client sends without waiting for answers ([`FakeZoom::held`]), or
    /// keep requests in flight for as long as it needs. Not a Zoom behaviour: a test's pause
    /// button, so that a test waits on what it can observe, not on the clock. One hold at a
    /// time: dropping any releases them all.
    pub fn hold_answers(&self) -> Hold<'_> {
        lock(&self.shared).hold.send_replace(true);
        Hold { zoom: self }
    }

    /// API requests waiting for a [`Hold`] to end.
    pub fn held(&self) -> usize {
        lock(&self.shared).held
    }

    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared).setup.faults = faults;
    }

    pub fn set_limits(&self, limits: Limits) {
        lock(&self.shared).setup.limits = limits;
    }

    /// Another app on the account has just sent `count` requests of the Light category (single
    /// adds, reading an event): they share this second's window with the client's, as the
    /// last second of a run that just ended would.
    pub fn others_just_sent_light(&self, count: usize) {
        lock(&self.shared).others_send(crate::state::Category::Light, count);
    }

    /// Makes registration requests fail with 401 / code 124 while reads keep working.
    pub fn refuse_writes(&self, refuse: bool) {
        lock(&self.shared).refuse_writes = refuse;
    }

    /// Makes the token endpoint answer 429 with `Retry-After: 1` (or answer again): Zoom does
    /// not document its token endpoint's limits; a 429 is how a limited endpoint refuses for
    /// now (RFC 6585 §4), in Zoom's error body (zoom-api.md §7).
    pub fn token_endpoint_busy(&self, busy: bool) {
        lock(&self.shared).token_busy = busy;
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
        inner.daily_status_changes.clear();
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

/// Requests are held while this lives ([`FakeZoom::hold_answers`]); dropping it lets them go on.
#[must_use = "the requests are released when the hold is dropped"]
pub struct Hold<'a> {
    zoom: &'a FakeZoom,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        lock(&self.zoom.shared).hold.send_replace(false);
    }
}

impl Drop for FakeZoom {
    fn drop(&mut self) {
        // A request still held would keep the server from shutting down.
        lock(&self.shared).hold.send_replace(false);
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
