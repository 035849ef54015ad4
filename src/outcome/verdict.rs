//! What is known of a row without asking Zoom ([`Verdict`]), and [`answer`], the one place a
//! verdict becomes a row's outcome.

use std::borrow::Cow;

use super::{Answer, Status};
use crate::model::Known;
use crate::model::{Action, Command};
use crate::model::{Existing, Listing};

/// What is known of a row without asking Zoom.
pub enum Verdict<'a> {
    /// It failed local validation (its message).
    Invalid(&'a str),
    /// The same email as an earlier valid row (its message names that row's line).
    Duplicate(&'a str),
    /// An earlier run or Zoom has it.
    Known(Known),
    /// Nobody knows it yet: a real run sends it.
    Unknown,
    /// A status change for someone Zoom lists (with their status and ID).
    Listed(Action, Existing),
    /// A status change for someone Zoom does not list.
    NotListed(Action),
}

impl Verdict<'_> {
    /// What is known of a valid, new row, for `command`.
    pub fn of(command: Command, known: Option<Known>) -> Verdict<'static> {
        match (command, known) {
            (Command::Import, None) => Verdict::Unknown,
            (Command::Import, Some(known)) => Verdict::Known(known),
            (Command::Change(action), Some(Known::InZoom(existing))) => {
                Verdict::Listed(action, existing)
            }
            // A status change's memory is Zoom's list alone, never earlier results.
            (Command::Change(action), _) => Verdict::NotListed(action),
        }
    }

    /// Whether a real run sends the row: it is new, or its status is to change.
    pub fn sends(&self) -> bool {
        match self {
            Verdict::Unknown => true,
            Verdict::Listed(action, existing) => existing
                .listings()
                .any(|(status, _)| change_of(*action, status).is_ok()),
            _ => false,
        }
    }

    /// The registrant IDs a status change sends: every listing of the row's address that it
    /// changes (an address Zoom lists twice, approved and pending, is cancelled twice).
    pub fn to_change(&self) -> Vec<&str> {
        match self {
            Verdict::Listed(action, existing) => existing
                .listings()
                .filter(|(status, _)| change_of(*action, *status).is_ok())
                .map(|(_, id)| id)
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// What `action` would do to someone Zoom lists as `status`: `Ok` with what a dry run says
/// (the real run sends it), or `Err` with why nothing is sent.
fn change_of(action: Action, status: Listing) -> Result<&'static str, &'static str> {
    match (action, status) {
        (Action::Approve, Listing::Approved) => Err("already approved in Zoom; not sent"),
        (Action::Approve, Listing::Denied) => Ok("denied in Zoom now; a real run approves them"),
        (Action::Approve, Listing::Pending) => Ok("pending in Zoom now; a real run approves them"),
        (Action::Deny, Listing::Denied) => Err("already denied in Zoom; not sent"),
        (Action::Deny, Listing::Approved) => Ok("approved in Zoom now; a real run denies them"),
        (Action::Deny, Listing::Pending) => Ok("pending in Zoom now; a real run denies them"),
        (Action::Cancel, Listing::Denied) => Err(
            "already cancelled or denied in Zoom (Zoom keeps both on its denied list); not sent",
        ),
        (Action::Cancel, Listing::Approved) => Ok("approved in Zoom now; a real run cancels them"),
        (Action::Cancel, Listing::Pending) => Ok("pending in Zoom now; a real run cancels them"),
    }
}

/// The one place a verdict becomes a row's outcome: its status, message, and the registrant ID
/// and join URL Zoom gave it before. A verdict that [`Verdict::sends`] comes to `valid`, what a
/// dry run says of a row a real run would send.
pub fn answer<'a>(verdict: &'a Verdict<'a>) -> Answer<'a> {
    match verdict {
        Verdict::Invalid(message) => Answer::unanswered(Status::Invalid, message),
        Verdict::Duplicate(message) => Answer::unanswered(Status::Duplicate, message),
        Verdict::Unknown => Answer::unanswered(Status::Valid, ""),
        Verdict::Listed(action, existing) if !existing.others.is_empty() => {
            listed_more_than_once(*action, existing, verdict.to_change())
        }
        Verdict::Listed(action, existing) => match change_of(*action, existing.status) {
            Ok(message) => known(Status::Valid, &existing.registrant_id, "", message),
            Err(message) => known(
                Status::Unchanged,
                &existing.registrant_id,
                &existing.join_url,
                message,
            ),
        },
        // Zoom keeps cancelled people (on its denied list), so someone it does not list was
        // never registered: a typo, or the wrong event.
        Verdict::NotListed(_) => Answer::unanswered(
            Status::NotRegistered,
            "Zoom does not list this person for this event; not sent",
        ),
        // The join URL of someone cancelled no longer works: not kept.
        Verdict::Known(Known::EarlierRun {
            registrant_id,
            gone: true,
            ..
        }) => known(
            Status::Cancelled,
            registrant_id,
            "",
            "registered by an earlier run, but cancelled or denied in Zoom since (Zoom lists them as denied, or no longer at all); not sent again",
        ),
        Verdict::Known(Known::EarlierRun {
            registrant_id,
            join_url,
            gone: false,
        }) => known(
            Status::AlreadyRegistered,
            registrant_id,
            join_url,
            "registered by an earlier run; not sent again",
        ),
        Verdict::Known(Known::InZoom(existing)) => {
            let mut answer = in_zoom(existing);
            // The most final listing stands for the person: said, with the others.
            if let Some(listed) = existing.listed_more_than_once() {
                answer.message = Cow::Owned(format!(
                    "{} ({listed}: the {} one counts)",
                    answer.message,
                    existing.status.name()
                ));
            }
            answer
        }
    }
}

/// What an import makes of someone Zoom lists.
fn in_zoom<'a>(existing: &'a Existing) -> Answer<'a> {
    match existing.status {
            Listing::Denied => known(
                Status::Failed,
                &existing.registrant_id,
                "",
                "the host denied this person's registration earlier; not sent again (approve them in Zoom if that was a mistake)",
            ),
            Listing::Pending => known(
                Status::AlreadyRegistered,
                &existing.registrant_id,
                &existing.join_url,
                "already registered in Zoom, awaiting the host's approval; not sent",
            ),
            Listing::Approved => known(
                Status::AlreadyRegistered,
                &existing.registrant_id,
                &existing.join_url,
                "already registered in Zoom; not sent",
            ),
    }
}

/// What a status change makes of an address Zoom lists more than once (`to_change`: the IDs
/// of the listings it changes): sent for them all, or for none, said with every listing.
fn listed_more_than_once<'a>(
    action: Action,
    existing: &'a Existing,
    to_change: Vec<&'a str>,
) -> Answer<'a> {
    let listed = existing.listed_more_than_once().unwrap_or_default();
    let Some(first) = to_change.first() else {
        let why = change_of(action, existing.status)
            .err()
            .unwrap_or("not sent");
        return Answer {
            registrant_id: &existing.registrant_id,
            join_url: &existing.join_url,
            message: Cow::Owned(format!("{why} ({listed})")),
            ..Answer::unanswered(Status::Unchanged, "")
        };
    };
    let verb = match action {
        Action::Approve => "approves",
        Action::Deny => "denies",
        Action::Cancel => "cancels",
    };
    Answer {
        registrant_id: first,
        message: Cow::Owned(format!(
            "{listed}; a real run {verb} {} of them (registrant {})",
            to_change.len(),
            to_change.join(", ")
        )),
        ..Answer::unanswered(Status::Valid, "")
    }
}

/// An outcome known without asking Zoom, with the registrant ID and join URL it had before.
fn known<'a>(
    status: Status,
    registrant_id: &'a str,
    join_url: &'a str,
    message: &'a str,
) -> Answer<'a> {
    Answer {
        registrant_id,
        join_url,
        ..Answer::unanswered(status, message)
    }
}
