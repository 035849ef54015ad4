//! Who came: an instance's participant report joined to the event's registrants, one row per
//! registrant and one per guest (SPEC §1 "Attendance"). Plain data in, plain rows out; no
//! request, no file.
//!
//! - A report row is matched to a registrant by its `registrant_id`, else by its email (the one
//!   email comparison, [`email_key`]), never by its name: two registrants may share a name.
//! - A participant who matches no registrant is a guest: one per email, else one per
//!   participant ID (or user ID), else one per report row.
//! - Zoom gives a row per join (a rejoin is a row of its own, two devices two rows) and one for
//!   a stay in the waiting room. A person's minutes are their joins merged (overlaps counted
//!   once); the waiting room counts for nothing (no minutes, no session, not attended).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use crate::model::Listing;
use crate::registrant::email_key;

/// A registrant as Zoom's lists give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: Listing,
    /// The occurrences Zoom lists them for, of an event that registers people per occurrence;
    /// empty: the whole event.
    pub occurrences: Vec<String>,
}

/// One row of a participant report: one join of one participant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Joined {
    /// The participant's ID in the meeting (empty for some guests).
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub registrant_id: String,
    /// RFC 3339, as Zoom writes them.
    pub join_time: String,
    pub leave_time: String,
    pub in_waiting_room: bool,
}

/// The instance the report is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub uuid: String,
    pub start: SystemTime,
    pub end: SystemTime,
}

/// One person's attendance of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Empty for a guest.
    pub registrant_id: String,
    /// The registrant's listing; `None` for a guest.
    pub status: Option<Listing>,
    /// Whether they were in the meeting (the waiting room is not).
    pub attended: bool,
    pub first_join: Option<SystemTime>,
    pub last_leave: Option<SystemTime>,
    /// Their time in the meeting, joins merged, in whole minutes (rounded).
    pub minutes: u64,
    /// `minutes` over the instance's length, a whole percent, 100 at most.
    pub share: u64,
    /// Their joins (rows of the report outside the waiting room).
    pub sessions: u64,
}

/// Who a report row is, once matched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Who {
    Registrant(usize),
    Guest(String),
}

/// Someone's joins so far.
#[derive(Debug, Default)]
struct Stays {
    /// (join, leave) of each join outside the waiting room whose times read.
    spans: Vec<(SystemTime, SystemTime)>,
    sessions: u64,
    /// A guest's email and name, from their first row.
    email: String,
    name: String,
}

/// The registrants, indexed for matching report rows to them: built once for every instance
/// of a run.
pub struct Index<'r> {
    registrants: &'r [Registered],
    /// For each registrant, the row their address has: an address Zoom lists more than once
    /// (approved and pending, say) is one person, its first listing (the lists come most final
    /// first) the row, and every listing's ID matches it.
    row_of: Vec<usize>,
    by_email: HashMap<String, usize>,
    by_id: HashMap<&'r str, usize>,
}

impl<'r> Index<'r> {
    pub fn new(registrants: &'r [Registered]) -> Index<'r> {
        let mut by_email: HashMap<String, usize> = HashMap::new();
        let mut row_of: Vec<usize> = Vec::with_capacity(registrants.len());
        for (i, registrant) in registrants.iter().enumerate() {
            let key = email_key(registrant.email.trim()).into_owned();
            let row = if key.is_empty() {
                i
            } else {
                *by_email.entry(key).or_insert(i)
            };
            row_of.push(row);
        }
        let by_id = registrants
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.id.is_empty())
            .map(|(i, r)| (r.id.as_str(), row_of[i]))
            .collect();
        Index {
            registrants,
            row_of,
            by_email,
            by_id,
        }
    }

    /// Every registrant's attendance of `held`, in their order (an address listed twice
    /// once), then the guests', in the order they first appear in `report`. Of an event that
    /// registers people per occurrence, `held` being `occurrence`: its registrants, and those
    /// of other occurrences only if they came.
    pub fn tally(
        &self,
        report: &[Joined],
        held: &Held,
        occurrence: Option<&str>,
    ) -> Vec<Attendance> {
        let Index {
            registrants,
            row_of,
            by_email,
            by_id,
        } = self;
        let mut stays: HashMap<Who, Stays> = HashMap::new();
        let mut guests: Vec<Who> = Vec::new();
        for (n, row) in report.iter().enumerate() {
            let email = email_key(row.email.trim());
            let registrant = by_id
                .get(row.registrant_id.trim())
                .or_else(|| by_email.get(email.as_ref()))
                .copied();
            let who = match registrant {
                Some(index) => Who::Registrant(index),
                None => {
                    let participant = [&row.id, &row.user_id]
                        .into_iter()
                        .map(|id| id.trim())
                        .find(|id| !id.is_empty());
                    let key = match (email.is_empty(), participant) {
                        (false, _) => format!("email {email}"),
                        (true, Some(id)) => format!("participant {id}"),
                        (true, None) => format!("row {n}"),
                    };
                    Who::Guest(key)
                }
            };
            let entry = match stays.entry(who) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(first) => {
                    if let Who::Guest(_) = first.key() {
                        guests.push(first.key().clone());
                    }
                    first.insert(Stays {
                        email: row.email.trim().to_string(),
                        name: row.name.trim().to_string(),
                        ..Stays::default()
                    })
                }
            };
            if row.in_waiting_room {
                continue;
            }
            entry.sessions += 1;
            if let (Some(join), Some(leave)) = (time(&row.join_time), time(&row.leave_time)) {
                if leave >= join {
                    entry.spans.push((join, leave));
                }
            }
        }
        let length = held.end.duration_since(held.start).unwrap_or_default();
        // A row is expected here if any listing of its address is for the whole event or
        // for this occurrence.
        let mut expected = vec![false; registrants.len()];
        for (i, registrant) in registrants.iter().enumerate() {
            let here = match occurrence {
                Some(occurrence) => {
                    registrant.occurrences.is_empty()
                        || registrant.occurrences.iter().any(|o| o == occurrence)
                }
                None => true,
            };
            expected[row_of[i]] |= here;
        }
        // Someone listed for another occurrence who came is here too.
        for who in stays.keys() {
            if let Who::Registrant(row) = who {
                expected[*row] = true;
            }
        }
        let mut rows: Vec<Attendance> = registrants
            .iter()
            .enumerate()
            .filter(|(i, _)| row_of[*i] == *i && expected[*i])
            .map(|(i, registrant)| {
                let person = stays.remove(&Who::Registrant(i)).unwrap_or_default();
                attendance(
                    [
                        &registrant.email,
                        &registrant.first_name,
                        &registrant.last_name,
                    ],
                    (&registrant.id, Some(registrant.status)),
                    person,
                    length,
                )
            })
            .collect();
        for who in guests {
            let person = stays.remove(&who).unwrap_or_default();
            let (email, name) = (person.email.clone(), person.name.clone());
            rows.push(attendance([&email, &name, ""], ("", None), person, length));
        }
        rows
    }
}

fn attendance(
    [email, first_name, last_name]: [&str; 3],
    (registrant_id, status): (&str, Option<Listing>),
    mut person: Stays,
    length: Duration,
) -> Attendance {
    let time_in = merged(&mut person.spans);
    let minutes = (time_in.as_secs() + 30) / 60;
    let share = if length.is_zero() {
        0
    } else {
        let percent = (time_in.as_secs_f64() * 100.0 / length.as_secs_f64()).round();
        (percent as u64).min(100)
    };
    Attendance {
        email: email.to_string(),
        first_name: first_name.to_string(),
        last_name: last_name.to_string(),
        registrant_id: registrant_id.to_string(),
        status,
        attended: person.sessions > 0,
        first_join: person.spans.iter().map(|s| s.0).min(),
        last_leave: person.spans.iter().map(|s| s.1).max(),
        minutes,
        share,
        sessions: person.sessions,
    }
}

/// The time `spans` cover, overlaps counted once.
fn merged(spans: &mut [(SystemTime, SystemTime)]) -> Duration {
    spans.sort_unstable();
    let mut total = Duration::ZERO;
    let mut current: Option<(SystemTime, SystemTime)> = None;
    for &(start, end) in spans.iter() {
        current = match current {
            Some((from, to)) if start <= to => Some((from, to.max(end))),
            Some((from, to)) => {
                total += to.duration_since(from).unwrap_or_default();
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((from, to)) = current {
        total += to.duration_since(from).unwrap_or_default();
    }
    total
}

/// A report's time (RFC 3339), if it reads.
pub(super) fn time(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text.trim()).ok()
}

#[cfg(test)]
mod tests;
