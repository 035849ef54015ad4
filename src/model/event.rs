//! The event a run is for (a meeting or a webinar, by ID), and what a command does to its
//! registrants.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Meeting or webinar: Zoom has a parallel set of endpoints for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Meeting,
    Webinar,
}

/// The event people are registered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub id: EventId,
}

impl EventKind {
    /// The other kind.
    pub fn other(self) -> EventKind {
        match self {
            EventKind::Meeting => EventKind::Webinar,
            EventKind::Webinar => EventKind::Meeting,
        }
    }

    /// "meeting" or "webinar".
    pub fn noun(self) -> &'static str {
        match self {
            EventKind::Meeting => "meeting",
            EventKind::Webinar => "webinar",
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.noun(), self.id)
    }
}

/// A Zoom meeting or webinar ID. Zoom's IDs exceed 32 bits, so it is a `u64`.
///
/// ```
/// use zimport::model::EventId;
/// let pasted: EventId = "839 2786 4687".parse().expect("a valid ID");
/// let linked: EventId = "https://us02web.zoom.us/j/83927864687?pwd=x".parse().expect("a valid ID");
/// assert_eq!(pasted, EventId(83_927_864_687));
/// assert_eq!(pasted, linked);
/// assert!("12ab".parse::<EventId>().is_err());
/// ```
///
/// In JSON it is a string: JavaScript and older jq read integers above 2^53 wrongly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventId(pub u64);

impl Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The one rule for an event ID's length: Zoom's are 9 to 11 digits today, and its API holds
/// them as 64-bit integers, so up to 19 are taken in case they grow.
pub const ID_DIGITS: std::ops::RangeInclusive<usize> = 9..=19;

impl FromStr for EventId {
    type Err = String;

    /// Accepts the forms people paste: `83927864687`, `839 2786 4687`, `839-2786-4687`, and a
    /// join or registration link such as `https://us02web.zoom.us/j/83927864687?pwd=…`.
    fn from_str(text: &str) -> Result<EventId, String> {
        let text = text.trim();
        let digits: String = match [
            "/j/",
            "/w/",
            "/s/",
            "/meeting/register/",
            "/webinar/register/",
        ]
        .iter()
        .find_map(|marker| text.split_once(marker).map(|(_, rest)| (marker, rest)))
        {
            // Today's registration links carry a token (`/meeting/register/tJ0uc…`), not
            // the ID: there is no ID in them to take.
            Some((marker, rest))
                if marker.ends_with("register/")
                    && !rest.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                return Err(format!(
                    "'{text}' is a registration link, which names the event by a token, not its ID; give the event's ID (on its page in Zoom, or in its join link: …/j/83927864687)"
                ));
            }
            Some((_, rest)) => rest.chars().take_while(char::is_ascii_digit).collect(),
            None => text
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
                .collect(),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "'{text}' is not a Zoom ID: expected digits, optionally grouped with spaces or dashes"
            ));
        }
        if !ID_DIGITS.contains(&digits.len()) {
            return Err(format!(
                "'{text}' has {} digits; a Zoom meeting or webinar ID has {} to {} (today's have 9 to 11)",
                digits.len(),
                ID_DIGITS.start(),
                ID_DIGITS.end()
            ));
        }
        digits
            .parse::<u64>()
            .map(EventId)
            .map_err(|_| format!("'{text}' is too large to be a Zoom ID"))
    }
}

/// What a run does to each row's person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Register them (`zimport people.csv`, `zimport import people.csv`).
    Import,
    /// Change the status of people Zoom already lists (`zimport approve|deny|cancel`).
    Change(Action),
}

impl Command {
    /// `import`, `approve`, `deny` or `cancel`: as typed, and in `--json`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Import => "import",
            Command::Change(action) => action.name(),
        }
    }
}

impl Serialize for Command {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A status change Zoom's `PUT …/registrants/status` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Approve,
    Deny,
    Cancel,
}

impl Action {
    /// The command's and Zoom's name: `approve`, `deny`, `cancel`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::Cancel => "cancel",
        }
    }

    /// The list status a registrant has once this is done; `None` for cancel (cancelled
    /// people leave Zoom's lists).
    pub fn listed_status(self) -> Option<&'static str> {
        match self {
            Action::Approve => Some("approved"),
            Action::Deny => Some("denied"),
            Action::Cancel => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_accepted_in_the_forms_people_paste() {
        for text in [
            "83927864687",
            "839 2786 4687",
            "839-2786-4687",
            " 839 2786 4687 ",
            "https://us02web.zoom.us/j/83927864687?pwd=abc123",
            "https://zoom.us/meeting/register/83927864687",
        ] {
            assert_eq!(
                text.parse::<EventId>(),
                Ok(EventId(83_927_864_687)),
                "{text}"
            );
        }
    }

    #[test]
    fn ids_beyond_32_bits_are_kept_exactly() {
        let id: EventId = "98765432109".parse().expect("valid");
        assert_eq!(id.0, 98_765_432_109);
        assert!(id.0 > u64::from(u32::MAX));
    }

    #[test]
    fn malformed_ids_are_refused_with_a_reason() {
        for (text, why) in [
            ("", "is not a Zoom ID"),
            ("8392786468x", "is not a Zoom ID"),
            (
                "12345",
                "has 5 digits; a Zoom meeting or webinar ID has 9 to 19",
            ),
            ("99999999999999999999", "has 20 digits"),
            (
                "https://us06web.zoom.us/meeting/register/tJ0ucOuqrDwrH9Y",
                "names the event by a token, not its ID",
            ),
        ] {
            let err = text.parse::<EventId>().expect_err(text);
            assert!(err.contains(why), "{text}: {err}");
        }
    }
}
