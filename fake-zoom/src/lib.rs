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
//! - `setup`: what a test sets up and reads back.
//! - `handle`: the [`FakeZoom`] a test holds.
//! - `state`: the state behind one lock, and the checks every request goes through.
//! - `handlers`: the routes (OAuth, events, registrants, past instances and participant
//!   reports); `responses`: Zoom's answers.
//! - `described`: what Zoom's OpenAPI description allows of each request; departures are
//!   noted for tests, never refused for it.
//!
//! Faults are chosen deterministically from the seed and the request's identity (its emails
//! and how many times they were sent before), so a test run is reproducible however requests
//! interleave.

// Handlers return a ready `Response` as their error so `?` can answer early, as Zoom does; the
// size of that error type does not matter in a test server.
#![allow(clippy::result_large_err)]

mod described;
mod handle;
mod handlers;
mod responses;
mod setup;
mod state;

pub use handle::{FakeZoom, Hold};
pub use setup::{
    CustomQuestion, EndlessPages, EventSetup, Faults, Instance, Join, Kind, Limits, LoggedRequest,
    Registrant, RegistrantWording, Setup, Stats,
};
