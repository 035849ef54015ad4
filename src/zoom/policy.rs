//! What Zoom's answer means for a run, in one place for every sender (single adds, batches,
//! status changes) and the checks before sending: wait and try again, stop a category for the
//! day, hold one person until 00:00 UTC, stop the whole run, or a refusal about the rows the
//! request carried, which the sender words for its rows. The kind of a 429 (per second, the
//! account's day, one person's day) is read in `answers::rate_limit_error`; this module says
//! what each kind, and each of Zoom's codes about the event, the app or the account, means.

use std::time::{Duration, SystemTime};

use crate::model::Event;
use crate::zoom::preflight::event_gone;
use crate::zoom::{ApiError, Refusal};

/// What a request sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sending {
    /// Registrations (single adds or a batch). `event_read`: the checks could read the event
    /// with the same app, so a refused token is about writing.
    Registrations { event_read: bool },
    /// A status change (approve, deny, cancel).
    StatusChange,
    /// A read (the checks before sending, a list read back).
    Read,
}

/// What an answer means.
#[derive(Debug)]
pub(crate) enum Verdict<'a> {
    /// Try again after Zoom's wait, or the backoff's (`None`): a per-second limit, or a
    /// passing fault (a 5xx, a dropped connection, a timeout) after which the request may or
    /// may not have reached Zoom.
    Retry(Option<Duration>),
    /// The account's daily quota of the category is used up: stop sending in it (until then,
    /// if Zoom said).
    DailyStop(Option<SystemTime>),
    /// The daily quota of a person the request carried: `email` if Zoom named them.
    PersonsQuota {
        email: Option<&'a str>,
        refusal: &'a Refusal,
    },
    /// Not sent: the run had stopped sending.
    NotSent(&'a str),
    /// About the event, the app, the token or the account: stop the run, saying why.
    StopRun(String),
    /// About the rows the request carried (a validation error, someone Zoom does not list):
    /// the sender words it for its rows.
    Rows(&'a Refusal),
}

/// What `error`, Zoom's answer to a request that sent `sending` for `event`, means.
pub(crate) fn verdict(error: &ApiError, sending: Sending, event: Event) -> Verdict<'_> {
    let refusal = match error {
        ApiError::PerSecondLimit { retry_after, .. } => return Verdict::Retry(*retry_after),
        ApiError::Transient(_) => return Verdict::Retry(None),
        ApiError::DailyLimit { resume_at, .. } => return Verdict::DailyStop(*resume_at),
        ApiError::RegistrantLimit { email, refusal } => {
            return Verdict::PersonsQuota {
                email: email.as_deref(),
                refusal,
            }
        }
        ApiError::Auth(message) => return Verdict::StopRun(message.clone()),
        ApiError::NotSent(reason) => return Verdict::NotSent(reason),
        ApiError::Redirected(refusal) => {
            return Verdict::StopRun(format!(
                "the API address answered {refusal}; check ZOOM_API_URL (or the api_url the token answer named)"
            ))
        }
        ApiError::TokenRefused(refusal) => return Verdict::StopRun(token_refused(refusal, sending, event)),
        ApiError::EndlessList(why) => {
            return Verdict::StopRun(format!("Zoom's registrant list did not end: {why}"))
        }
        ApiError::PagesExpired(refusal) => {
            return Verdict::StopRun(format!(
                "Zoom refused the page tokens of its registrant list each time it was read again ({refusal})"
            ))
        }
        ApiError::Rejected(refusal) => refusal,
    };
    match sending {
        Sending::Registrations { .. } | Sending::Read => registrations_refused(refusal, event),
        Sending::StatusChange => status_change_refused(refusal, event),
    }
    .map_or(Verdict::Rows(refusal), Verdict::StopRun)
}

/// Why a token Zoom refused (after a fresh one) stops the run.
fn token_refused(refusal: &Refusal, sending: Sending, event: Event) -> String {
    let kind = event.kind.noun();
    match sending {
        Sending::StatusChange => format!(
            "Zoom refused this app's token for changing registrants' status ({refusal}); the app needs the scope {kind}:update:registrant_status:admin (or {kind}:write:admin)"
        ),
        Sending::Registrations { .. } | Sending::Read => {
            let read = if sending == (Sending::Registrations { event_read: true }) {
                format!("Zoom accepted this app's token for reading {event} but refused it for registering ({refusal}). ")
            } else {
                format!("Zoom refused a freshly issued access token ({refusal}). ")
            };
            format!(
                "{read}Likely causes: the app lacks the scope {kind}:write:registrant:admin (or {kind}:write:admin); it is not a Server-to-Server OAuth app; the credentials belong to another Zoom account than the {event}'s; the app was deactivated or its secret rotated; or another process uses the same app and, on an account that still revokes a token when a new one is issued, keeps replacing this run's token. Check the app in the Zoom App Marketplace, and run one import per app at a time"
            )
        }
    }
}

/// Zoom's refusals of registrations that are about the run, not a row: why they stop it.
fn registrations_refused(refusal: &Refusal, event: Event) -> Option<String> {
    let zoom = format!("Zoom: {refusal}");
    let message = refusal.message.to_lowercase();
    let reason = match (refusal.http_status, refusal.zoom_code) {
        (_, Some(3001)) | (_, Some(300)) if message.contains("not found") || message.contains("does not exist") => {
            event_gone(event, "; check the ID", refusal)
        }
        (_, Some(HOST_GONE)) => host_gone(event, refusal),
        (Some(404), Some(3001)) => event_gone(event, "; check the ID", refusal),
        _ if registration_off(&message) => format!(
            "{event} does not take registrations; in Zoom, edit it and turn on Registration (Required) ({zoom})"
        ),
        (_, Some(3038)) => format!("{event} is over, so Zoom takes no more registrations ({zoom})"),
        (_, Some(3043)) => full(event, refusal),
        (_, Some(3000)) if message.contains("attendee limit") || message.contains("capacity") => {
            full(event, refusal)
        }
        (_, Some(3000)) if message.contains("paid registration") => format!(
            "{event} uses paid registration, which Zoom's API cannot register people for; register them on Zoom's registration page instead ({zoom})"
        ),
        (_, Some(4700 | 4711)) | (Some(403), _) => format!(
            "the app's token lacks a scope this needs: add {kind}:write:registrant:admin (or {kind}:write:admin) to the app in the Zoom App Marketplace, under Scopes ({zoom})",
            kind = event.kind.noun()
        ),
        (_, Some(200 | 1010 | 3000 | 3003 | 3161)) => {
            format!("Zoom refuses registrations for {event} from this account ({zoom})")
        }
        _ => return None,
    };
    Some(reason)
}

/// Zoom's refusals of a status change that are about the run, not a row: why they stop it.
fn status_change_refused(refusal: &Refusal, event: Event) -> Option<String> {
    let zoom = format!("Zoom: {refusal}");
    let message = refusal.message.to_lowercase();
    if message.contains("registration") && refusal.zoom_code == Some(300) {
        return Some(format!(
            "{event} does not take registrations, so its registrants' status cannot change ({zoom})"
        ));
    }
    let reason = match (refusal.http_status, refusal.zoom_code) {
        // Zoom's own 404s carry its code (3001 for a registrant not found): one without is
        // the address answering, not Zoom about a person.
        (Some(404), None) => format!(
            "the API address has no status endpoint for {event} ({zoom}); check ZOOM_API_URL (or the api_url the token answer named)"
        ),
        (_, Some(HOST_GONE)) => host_gone(event, refusal),
        // Approving past a webinar's registrant limit: no later call can approve anyone.
        (_, Some(3035)) => format!(
            "{event} has reached its registrant capacity, so Zoom approves nobody more; raise the event's limit in Zoom and run again ({zoom})"
        ),
        (_, Some(4700 | 4711)) | (Some(403), _) => format!(
            "the app's token lacks the scope {k}:update:registrant_status:admin (or {k}:write:admin) that status changes need: add it to the app in the Zoom App Marketplace, under Scopes ({zoom})",
            k = event.kind.noun()
        ),
        (_, Some(200 | 1010 | 3000 | 3003 | 3161)) => {
            format!("Zoom refuses status changes for {event} from this account ({zoom})")
        }
        _ => return None,
    };
    Some(reason)
}

/// Whether Zoom's message says the event does not take registrations, in any of its wordings:
/// "Registration has not been enabled for this meeting", "This webinar does not have
/// registration as required", "Registration not enabled for this webinar" (zoom-api.md §1-3).
fn registration_off(message: &str) -> bool {
    message.contains("registration has not been enabled")
        || message.contains("registration not enabled")
        || message.contains("does not have registration")
}

/// What a run says of an event that takes no more people.
fn full(event: Event, refusal: &Refusal) -> String {
    format!(
        "{event} has reached its registrant capacity; the remaining rows cannot be registered (Zoom: {refusal})"
    )
}

/// Zoom's code for a user (the event's host) that "does not exist or does not belong to this
/// account": wherever Zoom answers it, the run stops with [`host_gone`].
pub(crate) const HOST_GONE: i64 = 1001;

/// What a run says when Zoom answers code 1001 (its API reference: the user "does not exist or
/// does not belong to this account"): the event is there, its host is not, wherever it is
/// found out (the checks before sending, or mid-run).
pub(crate) fn host_gone(event: Event, refusal: &Refusal) -> String {
    format!(
        "{event} exists, but Zoom says its host is not a user of this account any more (deleted, or moved to another account), so it refuses this; in Zoom, give the event to another host, then run again (Zoom: {refusal})"
    )
}
