//! The plain types every layer speaks, and nothing else: the event and what a command does to
//! it ([`event`]), a row's one status and the counts of them ([`status`]), a person as a row
//! gives them, how Zoom lists someone ([`listing`]) and what is known of them before sending,
//! Zoom's rate-limit categories, and how a run is stopped from outside. This module imports
//! nothing else of the crate: every other module may use it.

pub mod event;
pub mod listing;
pub mod status;

pub use event::{Action, Command, Event, EventId, EventKind, ID_DIGITS};
pub use listing::{Existing, Known, Listing, MOST_OTHER_LISTINGS};
pub use status::{Counts, Status};

/// The email and names as a row gives them (trimmed), for the results file of a row that is
/// not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

/// What a row asks of Zoom: to register its person, or to change the status of their
/// listings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Request {
    /// Register the person (an import).
    Add,
    /// Change the status of the listings with these registrant IDs: each listing of the row's
    /// address that the change reaches (more than one where Zoom lists the address more than
    /// once; at most 30: one status call). The first is the one the row's results name.
    Change { registrant_ids: Vec<String> },
}

impl Request {
    /// The registrant IDs a status change names; none for an add.
    pub fn registrant_ids(&self) -> &[String] {
        match self {
            Request::Add => &[],
            Request::Change { registrant_ids } => registrant_ids,
        }
    }
}

/// Zoom's rate-limit categories that registration uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Single adds; reading the event and its questions.
    Light,
    /// Listing registrants; changing their status.
    Medium,
    /// Batch registration.
    Heavy,
}

/// How a run is asked to stop from outside: Ctrl-C (SIGINT), SIGTERM, or SIGHUP (the terminal
/// or SSH session that started it closed), which shells and systemd tell apart by the exit
/// code (130, 143 and 129).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Interrupt {
    CtrlC,
    Terminate,
    HangUp,
}

impl Interrupt {
    /// How it reads in a message: `interrupted (Ctrl-C)`, `terminated (SIGTERM)`.
    pub fn name(self) -> &'static str {
        match self {
            Interrupt::CtrlC => "interrupted (Ctrl-C)",
            Interrupt::Terminate => "terminated (SIGTERM)",
            Interrupt::HangUp => "hung up (SIGHUP: its terminal or SSH session closed)",
        }
    }
}

/// One rate category that ran slower than its ceiling because Zoom refused sending as too
/// fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Slowed {
    /// `single adds`, `status changes` or `batch calls`: what it paced.
    pub what: &'static str,
    #[serde(skip)]
    pub category: Category,
    /// The run's ceiling for it (the plan's, or `--max-rps`).
    pub ceiling: u32,
    /// Where the pace ended, and the fastest that held.
    #[serde(flatten)]
    pub pace: Pace,
}

/// The pace of a category that Zoom's refusals slowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pace {
    /// Requests a second at the end.
    pub per_second: u32,
    /// The fastest pace that went 5 seconds without a refusal, if one did.
    pub held: Option<u32>,
}
