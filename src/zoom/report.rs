//! What Zoom reports of the times an event took place, for `zimport attendance`: the
//! occurrences whose registrants it lists apart (`GET /meetings/{id}`, Light), its ended
//! instances (`GET /past_meetings/{id}/instances`, Medium), an instance's details and its
//! participant report (`GET /report/meetings/{id or uuid}[/participants]`, Heavy), the report
//! read page by page through the one pager ([`read_pages`]). Webinars alike.

use std::borrow::Cow;
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;

use super::list::{read_pages, List, PageSink, Paged};
use super::preflight::event::EventAnswer;
use super::preflight::read;
use super::{ApiError, ZoomClient};
use crate::model::Category;

/// An instance of the event that has ended, as Zoom lists them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PastInstance {
    pub uuid: String,
    #[serde(default)]
    pub start_time: String,
}

/// The list of past instances: `meetings`, or `webinars` for a webinar. An answer without it
/// is not one.
#[derive(Deserialize)]
struct Instances {
    #[serde(alias = "webinars")]
    meetings: Vec<PastInstance>,
}

/// An instance's details, as its report gives them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Details {
    /// The event's ID (a UUID names one instance of one event).
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub uuid: String,
    pub start_time: String,
    pub end_time: String,
}

/// One row of a participant report: one join of one participant (Zoom's other fields are
/// skipped unread).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Participant {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub user_email: String,
    #[serde(default)]
    pub registrant_id: String,
    #[serde(default)]
    pub join_time: String,
    #[serde(default)]
    pub leave_time: String,
    /// `in_meeting`, or `in_waiting_room`.
    #[serde(default)]
    pub status: String,
}

/// A report row is told from the others by all it says of the join.
impl Paged for Participant {
    fn key(&self) -> Cow<'_, str> {
        Cow::Owned(
            [
                &self.id,
                &self.user_id,
                &self.user_email,
                &self.join_time,
                &self.leave_time,
                &self.status,
            ]
            .map(String::as_str)
            .join("\u{1f}"),
        )
    }
}

/// An occurrence of a recurring event: its ID and when it is scheduled to start (as Zoom
/// wrote it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub occurrence_id: String,
    pub start_time: String,
}

/// The occurrences whose registrants Zoom lists apart: every one, ended ones too
/// (`show_previous_occurrences`), of a recurring event with a fixed time (type 8, a webinar's
/// 9) that registers people per occurrence or lets them choose (`registration_type` 2 or 3);
/// none for any other event. Light.
pub async fn registered_occurrences(
    client: &ZoomClient,
    backoff_base: Duration,
) -> Result<Vec<Occurrence>, ApiError> {
    let query = [("show_previous_occurrences", "true".to_string())];
    let answer: EventAnswer = read(client, backoff_base, Category::Light, "", &query).await?;
    if !answer.registers_per_occurrence() {
        return Ok(Vec::new());
    }
    let occurrences = answer.occurrences().map(|(id, start)| Occurrence {
        occurrence_id: id.to_string(),
        start_time: start.to_string(),
    });
    Ok(occurrences.collect())
}

/// The event's ended instances, oldest first as Zoom lists them.
pub async fn past_instances(
    client: &ZoomClient,
    backoff_base: Duration,
) -> Result<Vec<PastInstance>, ApiError> {
    let tail = format!(
        "/past_{}s/{}/instances",
        client.event.kind.noun(),
        client.event.id
    );
    let answer: Instances = read(client, backoff_base, Category::Medium, &tail, &[]).await?;
    Ok(answer.meetings)
}

/// The details of `instance` (a UUID; or the event's ID, for its latest instance).
pub async fn details(
    client: &ZoomClient,
    backoff_base: Duration,
    instance: &str,
) -> Result<Details, ApiError> {
    let tail = format!(
        "/report/{}s/{}",
        client.event.kind.noun(),
        in_path(instance)
    );
    read(client, backoff_base, Category::Heavy, &tail, &[]).await
}

/// Every row of `instance`'s participant report (a UUID; or the event's ID, for its latest
/// instance), 300 a page, each with its registrant ID, handed to `sink` page by page.
pub async fn participants(
    client: &ZoomClient,
    backoff_base: Duration,
    instance: &str,
    progress: &(dyn Fn(usize) + Sync),
    sink: &mut (dyn PageSink<Participant> + Send),
) -> Result<(), ApiError> {
    let tail = format!(
        "/report/{}s/{}/participants",
        client.event.kind.noun(),
        in_path(instance)
    );
    read_pages(
        client,
        backoff_base,
        &List::participants(tail),
        progress,
        sink,
    )
    .await
}

/// An instance's UUID as a path segment: percent-encoded, and encoded twice if it starts with
/// `/` or holds `//`, as Zoom asks ("If the meeting UUID begins with a `/` character or
/// contains a `//` character, you must double encode the meeting UUID").
fn in_path(uuid: &str) -> String {
    let once = utf8_percent_encode(uuid, NON_ALPHANUMERIC).to_string();
    if uuid.starts_with('/') || uuid.contains("//") {
        utf8_percent_encode(&once, NON_ALPHANUMERIC).to_string()
    } else {
        once
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_is_encoded_once_or_twice_as_zoom_asks() {
        assert_eq!(in_path("83927864687"), "83927864687");
        assert_eq!(in_path("Vg8Idg+luR5W=="), "Vg8Idg%2BluR5W%3D%3D");
        assert_eq!(in_path("/ajXp112=="), "%252FajXp112%253D%253D");
        assert_eq!(in_path("ab//cd"), "ab%252F%252Fcd");
        assert_eq!(in_path("ab/cd"), "ab%2Fcd");
    }
}
