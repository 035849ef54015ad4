//! Zoom's lists read page by page, the one pager ([`read_pages`]): the people it lists for the
//! event (approved, pending and denied), for the checks before an import, `zimport export` and
//! attendance, and the participant reports of `zimport attendance`; a page that is not one
//! never passes for the last.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::preflight::read;
use crate::model::Category;
use crate::model::{Existing, Listing};
use crate::zoom::{ApiError, ZoomClient};

/// One page of a list: the registrants, or a report's participants. An answer that is not one
/// must not pass for an empty last page: each registrant needs its email (Zoom's schema
/// requires it), and a page may leave out its list only when the list is empty.
#[derive(Deserialize)]
#[serde(try_from = "ListPage<T>", bound = "T: DeserializeOwned")]
struct ListAnswer<T> {
    next_page_token: Option<String>,
    total_records: Option<u64>,
    registrants: Vec<T>,
}

/// [`ListAnswer`] as it arrives.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct ListPage<T> {
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    total_records: Option<u64>,
    /// `participants` in a report's page.
    #[serde(alias = "participants")]
    registrants: Option<Vec<T>>,
}

impl<T> TryFrom<ListPage<T>> for ListAnswer<T> {
    type Error = String;

    fn try_from(page: ListPage<T>) -> Result<ListAnswer<T>, String> {
        let next_page_token = page.next_page_token.filter(|t| !t.is_empty());
        let registrants = match page.registrants {
            Some(registrants) => registrants,
            None if page.total_records.unwrap_or(0) == 0 && next_page_token.is_none() => Vec::new(),
            None => return Err("a page without its list".to_string()),
        };
        Ok(ListAnswer {
            next_page_token,
            total_records: page.total_records,
            registrants,
        })
    }
}

/// One registrant as the checks before a run need them: Zoom's other fields are skipped
/// unread (keeping them cost 18,000 instructions a registrant: BENCHMARKS.md).
#[derive(Debug, Deserialize)]
struct Member {
    #[serde(default)]
    id: String,
    email: String,
    #[serde(default)]
    join_url: Option<String>,
}

/// An entry of a page, known by what tells it from the others (a registrant: Zoom's ID, or
/// email where Zoom gives none): a page of entries already read adds nothing, and ends a list
/// that does not.
pub trait Paged {
    fn key(&self) -> std::borrow::Cow<'_, str>;
}

/// A registrant's key: Zoom's ID, else the email.
pub(crate) fn registrant_key<'a>(id: &'a str, email: &'a str) -> std::borrow::Cow<'a, str> {
    std::borrow::Cow::Borrowed(if id.is_empty() { email } else { id })
}

impl Paged for Member {
    fn key(&self) -> std::borrow::Cow<'_, str> {
        registrant_key(&self.id, &self.email)
    }
}

impl Paged for Listed {
    fn key(&self) -> std::borrow::Cow<'_, str> {
        registrant_key(&self.id, &self.email)
    }
}

/// A list to read page by page: where, with what query, in which rate category, and what it
/// is called in messages.
#[derive(Debug, Clone)]
pub struct List {
    /// Relative to the event, or to the API's root if it starts with `/`.
    tail: String,
    query: Vec<(&'static str, String)>,
    category: Category,
    what: String,
}

impl List {
    /// The registrants of one status (of one occurrence, if given): Medium, 300 a page.
    pub fn registrants(status: &str, occurrence: Option<&str>) -> List {
        let mut query = vec![
            ("status", status.to_string()),
            ("page_size", "300".to_string()),
        ];
        if let Some(occurrence) = occurrence {
            query.push(("occurrence_id", occurrence.to_string()));
        }
        List {
            tail: "registrants".to_string(),
            query,
            category: Category::Medium,
            what: format!("{status} registrants"),
        }
    }

    /// A participant report (`report_tail`: `/report/meetings/{instance}/participants`), with
    /// each row's registrant ID: Heavy, 300 a page.
    pub fn participants(report_tail: String) -> List {
        List {
            tail: report_tail,
            query: vec![
                ("page_size", "300".to_string()),
                ("include_fields", "registrant_id".to_string()),
            ],
            category: Category::Heavy,
            what: "participant report".to_string(),
        }
    }
}

/// One registrant as Zoom lists them, every field kept (for `zimport export`).
#[derive(Debug, Deserialize, serde::Serialize)]
pub struct Listed {
    #[serde(default)]
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub join_url: Option<String>,
    /// Every other field of the answer: names, address …, `custom_questions`, `create_time`.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

/// Every registrant of the event, approved, pending and denied, 300 a page: the three lists
/// at once, each page as soon as the one before names it.
pub(crate) async fn list_registrants(
    client: &ZoomClient,
    backoff_base: Duration,
) -> Result<Vec<Existing>, ApiError> {
    let (approved, pending, denied) = tokio::try_join!(
        list(client, backoff_base, Listing::Approved),
        list(client, backoff_base, Listing::Pending),
        list(client, backoff_base, Listing::Denied),
    )?;
    // Moved, not copied (`concat` clones every registrant: the lists held twice at once).
    let mut all = approved;
    all.reserve_exact(pending.len() + denied.len());
    all.extend(pending);
    all.extend(denied);
    Ok(all)
}

/// The registrants of one status, page by page.
async fn list(
    client: &ZoomClient,
    backoff_base: Duration,
    status: Listing,
) -> Result<Vec<Existing>, ApiError> {
    let listed: Vec<Member> = registrants_of(
        client,
        backoff_base,
        &List::registrants(status.name(), None),
        &|_| {},
    )
    .await?;
    Ok(listed
        .into_iter()
        .map(|r| Existing {
            email: r.email,
            status,
            registrant_id: r.id,
            join_url: r.join_url.unwrap_or_default(),
            others: Vec::new(),
        })
        .collect())
}

/// How many times a list read starts again from its first page when Zoom refuses a page
/// token it handed out (they expire after 15 minutes: a read slowed by 429s can outlive one).
pub(crate) const MAX_RESTARTS: u32 = 2;

/// The most people one list read takes beyond twice the `total_records` its first page gave
/// (people registering meanwhile); without that count, the most in all (Zoom caps a meeting at
/// 4,999 registrants and a webinar's limit at 20,000).
const LIST_SLACK: u64 = 10_000;
const LIST_MOST_UNCOUNTED: u64 = 1_000_000;

/// Why a list read stops before its end: the server's pages do not end.
fn endless(why: String) -> ApiError {
    ApiError::EndlessList(why)
}

/// Where the pages of a list read go: kept, or written out as they come. An error (why the
/// pages cannot be kept) ends the read.
pub trait PageSink<T> {
    /// The people of the next page.
    fn page(&mut self, people: Vec<T>) -> Result<(), String>;
    /// The read starts again from its first page: forget the pages so far.
    fn restart(&mut self) -> Result<(), String>;
}

impl<T> PageSink<T> for Vec<T> {
    fn page(&mut self, people: Vec<T>) -> Result<(), String> {
        self.extend(people);
        Ok(())
    }

    fn restart(&mut self) -> Result<(), String> {
        self.clear();
        Ok(())
    }
}

/// Every entry of `list`: [`read_pages`], kept.
pub async fn registrants_of<T: DeserializeOwned + Paged + Send>(
    client: &ZoomClient,
    backoff_base: Duration,
    list: &List,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<T>, ApiError> {
    let mut all = Vec::new();
    read_pages(client, backoff_base, list, progress, &mut all).await?;
    Ok(all)
}

/// Every entry of `list`, 300 a page, each page handed to `sink` and the next asked for as
/// soon as the one before names it (Zoom's page tokens expire after 15 minutes), for as long as
/// Zoom names a next page, however many each page holds, within the bounds above. A page token
/// refused starts the read again, at most `MAX_RESTARTS` times. `progress` hears how many have
/// been read, after each page.
pub async fn read_pages<T: DeserializeOwned + Paged>(
    client: &ZoomClient,
    backoff_base: Duration,
    list: &List,
    progress: &(dyn Fn(usize) + Sync),
    sink: &mut (dyn PageSink<T> + Send),
) -> Result<(), ApiError> {
    let what = &list.what;
    let mut read_so_far: usize = 0;
    let mut token = String::new();
    let mut restarts = 0;
    // The bounds of one read (reset when it starts again): page tokens seen, and the most
    // people it may hold.
    let mut tokens_seen = std::collections::HashSet::new();
    // A registrant's ID (or, without one, email) as an 8-byte fingerprint.
    let fingerprints = crate::fingerprint::Fingerprinter::default();
    let mut people_seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
    let mut most: Option<u64> = None;
    loop {
        let mut query = list.query.clone();
        if !token.is_empty() {
            query.push(("next_page_token", token.clone()));
        }
        let answer = read(client, backoff_base, list.category, &list.tail, &query).await;
        let page: ListAnswer<T> = match answer {
            Ok(page) => page,
            // Refused with a page token, and not for its event (that would refuse the first
            // page too): the token has expired.
            Err(ApiError::Rejected(refusal)) if !token.is_empty() => {
                if restarts == MAX_RESTARTS {
                    return Err(ApiError::PagesExpired(refusal));
                }
                restarts += 1;
                sink.restart().map_err(ApiError::NotSent)?;
                read_so_far = 0;
                token.clear();
                tokens_seen.clear();
                people_seen.clear();
                most = None;
                progress(0);
                continue;
            }
            Err(error) => return Err(error),
        };
        let most = *most.get_or_insert_with(|| {
            page.total_records.map_or(LIST_MOST_UNCOUNTED, |total| {
                total.saturating_mul(2) + LIST_SLACK
            })
        });
        let mut added = 0;
        for entry in &page.registrants {
            added += usize::from(people_seen.insert(fingerprints.of_key(&entry.key())));
        }
        read_so_far += page.registrants.len();
        sink.page(page.registrants).map_err(ApiError::NotSent)?;
        progress(read_so_far);
        let Some(next) = page.next_page_token else {
            return Ok(());
        };
        if added == 0 {
            return Err(endless(format!(
                "a page of the {what} held nobody not read before, yet named a next page"
            )));
        }
        if read_so_far as u64 > most {
            return Err(endless(format!(
                "the {what} went on past {most} entries, though the first page counted fewer"
            )));
        }
        if !tokens_seen.insert(next.clone()) {
            return Err(endless(format!(
                "a page of the {what} named a page already read (its page token again)"
            )));
        }
        token = next;
    }
}
