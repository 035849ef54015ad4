//! What `zimport attendance` asks of Zoom: which instances (the latest ended one, one by UUID,
//! or every one Zoom still lists), each one's details and participant report, and the event's
//! registrants; each refusal turned into the command's error (no ended instance yet: exit 4,
//! "run again after it ends"; no such event: exit 3).

use std::collections::HashMap;
use std::time::SystemTime;

use serde::Deserialize;

use super::tally::{time, Held, Joined, Registered};
use super::Which;
use crate::model::{Event, Listing};
use crate::zoom::list::{registrant_key, registrants_of, List, Paged};
use crate::zoom::preflight::{event_not_found, fatal, PreflightError};
use crate::zoom::report::{self, Occurrence, Participant};
use crate::zoom::{ApiError, ZoomClient};

/// The most instances one run reads (Zoom lists those of the last 30 days; a daily meeting
/// over the 15 months its reports may last is ~460).
const MAX_INSTANCES: usize = 500;

/// The most occurrences whose registrants one run reads (Zoom's reference: a recurring
/// webinar has at most 50).
const MAX_OCCURRENCES: usize = 200;

/// One instance's report, read.
pub struct Report {
    pub held: Held,
    /// The occurrence it was, for an event that registers people per occurrence.
    pub occurrence: Option<String>,
    /// As Zoom wrote it.
    pub start_time: String,
    pub joins: Vec<Joined>,
}

/// Every report asked for, oldest first, and the registrants (approved, pending, denied).
pub async fn read_all(
    client: &ZoomClient,
    event: Event,
    which: &Which,
    backoff: std::time::Duration,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(Vec<Report>, Vec<Registered>), PreflightError> {
    // The event first: whether it registers people per occurrence (and, if it is unknown,
    // that is said before anything else is read).
    let occurrences = match report::registered_occurrences(client, backoff).await {
        Ok(occurrences) => occurrences,
        Err(error) => return Err(refused(client, event, &error, Asked::Event).await),
    };
    if occurrences.len() > MAX_OCCURRENCES {
        return Err(PreflightError::refused(format!(
            "Zoom lists {} occurrences of {event}, more than the {MAX_OCCURRENCES} zimport reads the registrants of",
            occurrences.len()
        )));
    }
    let instances: Vec<String> = match which {
        Which::One(uuid) => vec![uuid.clone()],
        Which::Latest | Which::All => {
            let mut past = match report::past_instances(client, backoff).await {
                Ok(past) => past,
                Err(error) => return Err(refused(client, event, &error, Asked::Instances).await),
            };
            past.sort_by(|a, b| a.start_time.cmp(&b.start_time));
            if past.len() > MAX_INSTANCES {
                return Err(PreflightError::refused(format!(
                    "Zoom lists {} past instances of {event}, more than the {MAX_INSTANCES} zimport reads at once: give one with --instance UUID",
                    past.len()
                )));
            }
            match (which, past.last()) {
                (Which::All, Some(_)) => past.into_iter().map(|p| p.uuid).collect(),
                (_, Some(latest)) => vec![latest.uuid.clone()],
                // Zoom's list of past instances may no longer hold an old one; its report of
                // the latest one by the event's ID lasts longer (and says if it has not ended).
                (_, None) => vec![event.id.to_string()],
            }
        }
    };
    // The registrants before the reports: their lists are Medium, the reports Heavy, whose
    // daily budget a refused list would waste.
    let registrants = registrants(client, event, backoff, &occurrences).await?;
    let scheduled: Vec<(SystemTime, &str)> = occurrences
        .iter()
        .filter_map(|o| Some((time(&o.start_time)?, o.occurrence_id.as_str())))
        .collect();
    let mut reports = Vec::with_capacity(instances.len());
    for instance in &instances {
        let asked = Asked::Instance(instance);
        let details = match report::details(client, backoff, instance).await {
            Ok(details) => details,
            Err(error) => return Err(refused(client, event, &error, asked).await),
        };
        // Zoom's UUIDs are its own across events: one from another event is not this one's.
        if details.id.is_some_and(|id| id != event.id.0) {
            return Err(PreflightError::refused(format!(
                "instance {} is not of {event} but of a meeting or webinar with ID {}; give an instance of {event} (zimport attendance --all-instances lists them)",
                crate::outside::shorten(instance),
                details.id.unwrap_or_default()
            )));
        }
        let uuid = if details.uuid.is_empty() || !names_the_event(instance) {
            instance.clone()
        } else {
            details.uuid.clone()
        };
        let (Some(start), Some(end)) = (time(&details.start_time), time(&details.end_time)) else {
            return Err(PreflightError::refused(format!(
                "Zoom's report of instance {} of {event} has no start and end that read ('{}', '{}')",
                crate::outside::shorten(instance),
                crate::outside::shorten(&details.start_time),
                crate::outside::shorten(&details.end_time),
            )));
        };
        let mut rows: Vec<Participant> = Vec::new();
        let read = report::participants(client, backoff, &uuid, progress, &mut rows).await;
        if let Err(error) = read {
            return Err(refused(client, event, &error, Asked::Instance(&uuid)).await);
        }
        reports.push(Report {
            held: Held {
                uuid,
                start,
                end: end.max(start),
            },
            occurrence: nearest(&scheduled, start),
            start_time: details.start_time.clone(),
            joins: rows.into_iter().map(joined).collect(),
        });
    }
    Ok((reports, registrants))
}

/// Whether an instance is asked for by the event's ID (its latest), not by a UUID.
fn names_the_event(instance: &str) -> bool {
    instance.parse::<u64>().is_ok()
}

/// The occurrence an instance that started at `start` was: the one scheduled nearest to it
/// (Zoom's reports do not name it; `scheduled`: each occurrence's start and ID); `None` if
/// there is none.
fn nearest(scheduled: &[(SystemTime, &str)], start: SystemTime) -> Option<String> {
    let distance = |at: SystemTime| match at.duration_since(start) {
        Ok(after) => after,
        Err(before) => before.duration(),
    };
    scheduled
        .iter()
        .map(|(at, id)| (distance(*at), *id))
        .min()
        .map(|(_, id)| id.to_string())
}

/// The event's registrants of every status: its list, and, for an event that registers people
/// per occurrence, each occurrence's too (Zoom does not say whether its list without an
/// occurrence holds them all), each registrant once with the occurrences they are listed for.
async fn registrants(
    client: &ZoomClient,
    event: Event,
    backoff: std::time::Duration,
    occurrences: &[Occurrence],
) -> Result<Vec<Registered>, PreflightError> {
    let mut registrants: Vec<Registered> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let lists = std::iter::once(None).chain(occurrences.iter().map(|o| Some(&o.occurrence_id)));
    for status in [Listing::Approved, Listing::Pending, Listing::Denied] {
        for occurrence in lists.clone() {
            let list = List::registrants(status.name(), occurrence.map(String::as_str));
            let listed = match registrants_of::<Named>(client, backoff, &list, &|_| {}).await {
                Ok(listed) => listed,
                // An event without registration (the first list says so): everyone who came
                // is a guest.
                Err(ApiError::Rejected(refusal))
                    if refusal.zoom_code == Some(404)
                        && status == Listing::Approved
                        && occurrence.is_none() =>
                {
                    return Ok(registrants)
                }
                Err(error) => return Err(refused(client, event, &error, Asked::Registrants).await),
            };
            for named in listed {
                let key = registrant_key(&named.id, &named.email).into_owned();
                let index = *at.entry(key).or_insert_with(|| {
                    registrants.push(registered(named, status));
                    registrants.len() - 1
                });
                if let Some(occurrence) = occurrence {
                    registrants[index].occurrences.push(occurrence.clone());
                }
            }
        }
    }
    Ok(registrants)
}

fn joined(row: Participant) -> Joined {
    Joined {
        in_waiting_room: row.status == "in_waiting_room",
        id: row.id,
        user_id: row.user_id,
        name: row.name,
        email: row.user_email,
        registrant_id: row.registrant_id,
        join_time: row.join_time,
        leave_time: row.leave_time,
    }
}

/// A registrant as attendance needs them: Zoom's other fields are skipped unread (kept, as an
/// export's are, they took a run over 20,000 registrants to 74 MiB; without, 37: BENCHMARKS.md).
#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    id: String,
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
}

impl Paged for Named {
    fn key(&self) -> std::borrow::Cow<'_, str> {
        registrant_key(&self.id, &self.email)
    }
}

fn registered(listed: Named, status: Listing) -> Registered {
    Registered {
        id: listed.id,
        email: listed.email,
        first_name: listed.first_name,
        last_name: listed.last_name,
        status,
        occurrences: Vec::new(),
    }
}

/// No ended instance yet: exit 4, to be run again after it ends.
fn not_ended(event: Event, zoom: Option<&str>) -> PreflightError {
    let zoom = zoom.map(|z| format!(" (Zoom: {z})")).unwrap_or_default();
    PreflightError {
        message: format!(
            "{event} has no ended instance yet{zoom}: run again after it ends; no file was written"
        ),
        later: true,
    }
}

/// What a refused read asked for.
#[derive(Debug, Clone, Copy)]
enum Asked<'a> {
    /// The event: whom it registers.
    Event,
    Instances,
    Registrants,
    /// An instance's details or report: its UUID, or the event's ID for its latest.
    Instance(&'a str),
}

/// A read of what was `asked` refused, as the command's error.
async fn refused(
    client: &ZoomClient,
    event: Event,
    error: &ApiError,
    asked: Asked<'_>,
) -> PreflightError {
    if let ApiError::Rejected(refusal) = error {
        match (refusal.http_status, refusal.zoom_code, asked) {
            // "Meeting ID is invalid or not end.": the instance is live.
            (Some(400), Some(3001), Asked::Instance(_)) => {
                return not_ended(event, Some(&refusal.to_string()))
            }
            (Some(404), Some(3001), Asked::Event | Asked::Instances | Asked::Registrants) => {
                return event_not_found(client, event, refusal).await
            }
            (Some(404), Some(3001), Asked::Instance(id)) if names_the_event(id) => {
                return event_not_found(client, event, refusal).await
            }
            (Some(404), Some(3001), Asked::Instance(uuid)) => {
                return PreflightError::refused(format!(
                    "Zoom has no instance {} of {event}, or no longer keeps its report (Zoom lists past instances for 30 days and keeps reports for a year, 15 months by its support article; `--all-instances` uses the ones it still lists) (Zoom: {refusal})",
                    crate::outside::shorten(uuid)
                ))
            }
            (_, Some(4700), _) => {
                let noun = event.kind.noun();
                return PreflightError::refused(format!(
                    "the app's token may not read what attendance needs: add the scopes report:read:list_{noun}_participants:admin and report:read:{noun}:admin (or the classic report:read:admin), {noun}:read:list_past_instances:admin, {noun}:read:{noun}:admin and {noun}:read:list_registrants:admin (or the classic {noun}:read:admin) to the Server-to-Server OAuth app (Zoom: {refusal})"
                ));
            }
            _ => {}
        }
    }
    let context = match asked {
        Asked::Event => format!("cannot read {event}"),
        Asked::Instances => format!("cannot list the past instances of {event}"),
        Asked::Registrants => format!("cannot list the registrants of {event}"),
        Asked::Instance(uuid) => format!(
            "cannot read the report of instance {} of {event}",
            crate::outside::shorten(uuid)
        ),
    };
    fatal(&context, event, error)
}
