//! The event itself, as Zoom describes it: whether it takes registrations at all, whether it is
//! over, which occurrences it has, whether batch registration fits it, and how many people it
//! takes.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::Checks;
use super::{Findings, PreflightError};
use crate::model::{Command, EventKind};

#[derive(Deserialize)]
pub(crate) struct EventAnswer {
    #[serde(rename = "type")]
    event_type: Option<u8>,
    topic: Option<String>,
    host_email: Option<String>,
    start_time: Option<String>,
    duration: Option<u64>,
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    occurrences: Vec<Occurrence>,
}

#[derive(Deserialize, Default)]
struct Settings {
    approval_type: Option<u8>,
    registration_type: Option<u8>,
    registrants_restrict_number: Option<u64>,
}

#[derive(Deserialize)]
struct Occurrence {
    occurrence_id: String,
    start_time: Option<String>,
    duration: Option<u64>,
}

impl EventAnswer {
    /// Whether it is a recurring event with a fixed time (a meeting's type 8, a webinar's 9).
    fn recurring(&self) -> bool {
        matches!(self.event_type, Some(8 | 9))
    }

    /// Whether it registers people per occurrence: a recurring event with a fixed time whose
    /// registration is for each occurrence, or chosen occurrences (`registration_type` 2, 3).
    pub(crate) fn registers_per_occurrence(&self) -> bool {
        self.recurring() && matches!(self.settings.registration_type, Some(2 | 3))
    }

    /// Its occurrences as Zoom lists them: each one's ID and scheduled start (as Zoom wrote
    /// it; empty if not given).
    pub(crate) fn occurrences(&self) -> impl Iterator<Item = (&str, &str)> {
        self.occurrences.iter().map(|o| {
            let start = o.start_time.as_deref().unwrap_or("");
            (o.occurrence_id.as_str(), start)
        })
    }
}

pub(super) fn check_event(
    answer: &EventAnswer,
    checks: &Checks<'_>,
    findings: &mut Findings,
) -> Result<(), PreflightError> {
    let event = checks.event;
    let event_type = answer.event_type.unwrap_or(0);
    let recurring = answer.recurring();
    let unsupported = match (event.kind, event_type) {
        (EventKind::Meeting, 1) => {
            Some("it is an instant meeting, and instant meetings cannot take registration")
        }
        (EventKind::Meeting, 3) => {
            Some("it is a recurring meeting with no fixed time, which cannot take registration")
        }
        (EventKind::Meeting, 4) => {
            Some("it is a personal meeting ID (PMI) meeting, which cannot take registration")
        }
        _ => None,
    };
    if let Some(why) = unsupported {
        return Err(PreflightError::refused(format!(
            "{event} does not take registrations: {why}"
        )));
    }
    if answer.settings.approval_type == Some(2) {
        return Err(PreflightError::refused(format!(
            "{event} does not take registrations; in Zoom, edit it and turn on Registration (Required)"
        )));
    }
    let all_over = if recurring {
        !answer.occurrences.is_empty()
            && answer
                .occurrences
                .iter()
                .all(|o| ended(o.start_time.as_deref(), o.duration))
    } else {
        ended(answer.start_time.as_deref(), answer.duration)
    };
    if all_over {
        return Err(PreflightError::refused(format!(
            "{event} is over (it started {}), so Zoom takes no more registrations",
            answer.start_time.as_deref().unwrap_or("in the past")
        )));
    }

    let known: Vec<&str> = answer
        .occurrences
        .iter()
        .map(|o| o.occurrence_id.as_str())
        .collect();
    if !checks.occurrences.is_empty() {
        if !recurring {
            return Err(PreflightError::refused(format!(
                "--occurrence is for recurring meetings and webinars with a fixed time, and {event} is not one"
            )));
        }
        if let Some(unknown) = checks
            .occurrences
            .iter()
            .find(|o| !known.contains(&o.as_str()))
        {
            return Err(PreflightError::refused(format!(
                "--occurrence {unknown} is not an occurrence of {event}; its occurrences are: {}",
                known.join(", ")
            )));
        }
    } else if checks.command == Command::Import && answer.registers_per_occurrence() {
        return Err(PreflightError::refused(format!(
            "{event} registers people for each occurrence: choose them with --occurrence ID (repeatable); its occurrences are: {}",
            known.join(", ")
        )));
    }

    let scheduled = matches!(
        (event.kind, event_type),
        (EventKind::Meeting, 2) | (EventKind::Webinar, 5)
    );
    if findings.batch_fits && !scheduled {
        if checks.batch_asked {
            return Err(PreflightError::refused(format!(
                "--mode batch, but Zoom's batch registration takes only scheduled meetings and webinars, and {event} is type {event_type}; use --mode auto or --mode single"
            )));
        }
        findings.batch_fits = false;
    }
    findings.capacity = match event.kind {
        EventKind::Meeting => Some(4_999),
        EventKind::Webinar => answer
            .settings
            .registrants_restrict_number
            .filter(|&n| n > 0),
    };
    if checks.command == Command::Import {
        findings.form.host_email = answer
            .host_email
            .as_deref()
            .map(str::trim)
            .filter(|email| !email.is_empty())
            .map(|email| crate::registrant::email_key(email).into_owned());
    }
    let approval = match (answer.settings.approval_type, event.kind, checks.command) {
        (Some(0), _, _) => "automatic approval",
        (Some(1), EventKind::Meeting, Command::Import) => {
            "manual approval (rows are registered without a join URL unless --auto-approve)"
        }
        (Some(1), EventKind::Webinar, Command::Import) => {
            "manual approval (rows are registered awaiting the host's approval)"
        }
        (Some(1), _, Command::Change(_)) => "manual approval",
        _ => "approval unknown",
    };
    let sending = match checks.command {
        Command::Import if findings.batch_fits => "; batch registration fits",
        Command::Import => "; rows go as single adds",
        Command::Change(_) => "",
    };
    findings.notes.push(format!(
        "{event}: '{}', type {event_type}, {approval}{sending}",
        answer.topic.as_deref().unwrap_or(""),
    ));
    Ok(())
}

fn ended(start: Option<&str>, duration_minutes: Option<u64>) -> bool {
    let Some(start) = start.and_then(|s| humantime::parse_rfc3339_weak(s).ok()) else {
        return false;
    };
    // Zoom's numbers are bounded before use: an absurd duration is no end at all.
    let minutes = duration_minutes.unwrap_or(0).min(366 * 24 * 60);
    start
        .checked_add(Duration::from_secs(minutes * 60))
        .is_some_and(|end| end < SystemTime::now())
}
