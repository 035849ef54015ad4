//! The one status each input row ends with (SPEC §3), and the rows per status.

use std::fmt::{self, Display};

use serde::Serialize;

use super::Command;

/// The one outcome every input row ends with (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Registered,
    AlreadyRegistered,
    /// A status change done (`zimport approve|deny|cancel`).
    Approved,
    Denied,
    Cancelled,
    /// A status change not needed: Zoom has the person so already.
    Unchanged,
    Valid,
    Invalid,
    Duplicate,
    /// A status change for someone Zoom does not list.
    NotRegistered,
    Failed,
    Pending,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::Registered,
        Status::AlreadyRegistered,
        Status::Approved,
        Status::Denied,
        Status::Cancelled,
        Status::Unchanged,
        Status::Valid,
        Status::Invalid,
        Status::Duplicate,
        Status::NotRegistered,
        Status::Failed,
        Status::Pending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::AlreadyRegistered => "already_registered",
            Status::Approved => "approved",
            Status::Denied => "denied",
            Status::Cancelled => "cancelled",
            Status::Unchanged => "unchanged",
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Duplicate => "duplicate",
            Status::NotRegistered => "not_registered",
            Status::Failed => "failed",
            Status::Pending => "pending",
        }
    }
}

impl Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rows per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub registered: u64,
    pub already_registered: u64,
    pub approved: u64,
    pub denied: u64,
    pub cancelled: u64,
    pub unchanged: u64,
    pub valid: u64,
    pub invalid: u64,
    pub duplicate: u64,
    pub not_registered: u64,
    pub failed: u64,
    pub pending: u64,
    /// Of the `duplicate` rows, those under another name than the row they repeat: people who
    /// share an address, each a problem row.
    pub duplicate_other_person: u64,
}

impl Counts {
    fn slot(&mut self, status: Status) -> &mut u64 {
        match status {
            Status::Registered => &mut self.registered,
            Status::AlreadyRegistered => &mut self.already_registered,
            Status::Approved => &mut self.approved,
            Status::Denied => &mut self.denied,
            Status::Cancelled => &mut self.cancelled,
            Status::Unchanged => &mut self.unchanged,
            Status::Valid => &mut self.valid,
            Status::Invalid => &mut self.invalid,
            Status::Duplicate => &mut self.duplicate,
            Status::NotRegistered => &mut self.not_registered,
            Status::Failed => &mut self.failed,
            Status::Pending => &mut self.pending,
        }
    }

    pub fn add(&mut self, status: Status) {
        *self.slot(status) += 1;
    }

    pub fn get(&self, status: Status) -> u64 {
        let mut copy = *self;
        *copy.slot(status)
    }

    pub fn total(&self) -> u64 {
        Status::ALL.iter().map(|&status| self.get(status)).sum()
    }

    /// Rows done by this run: registered by an import (whose `cancelled` rows were found so),
    /// or changed by a status change.
    pub fn done(&self, command: Command) -> u64 {
        match command {
            Command::Import => self.registered,
            Command::Change(_) => self.approved + self.denied + self.cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Action;

    #[test]
    fn counts_total_every_status_once() {
        let mut counts = Counts::default();
        for status in Status::ALL {
            counts.add(status);
        }
        assert_eq!(counts.total(), Status::ALL.len() as u64);
        assert_eq!(counts.done(Command::Import), 1, "registered");
        assert_eq!(
            counts.done(Command::Change(Action::Cancel)),
            3,
            "approved, denied, cancelled"
        );
    }
}
