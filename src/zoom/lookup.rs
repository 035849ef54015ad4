//! Rows in doubt, settled by reading: a row whose requests may have reached Zoom (an answer
//! lost to a dropped connection, a 5xx or a timeout, after Zoom may have done the work) and
//! that has had its three requests is looked up in Zoom's registrant lists before it is called
//! `pending`. A read costs Medium requests and no person's adds. Reads are shared: a worker
//! waits for the one in progress and uses it if it began after its row's last failed request;
//! only a row that failed after it began asks for another. A read that fails serves the same
//! way (those rows stay `pending`), and after [`MAX_FAILED_READS`] no more are tried: Zoom
//! down, or a token without the read scope, costs a few reads, not one a row.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::{Existing, Listing};
use crate::registrant::email_key;
use crate::zoom::preflight::list_registrants;
use crate::zoom::{Registered, ZoomClient};

/// Reads that may fail in a run before no more are tried.
pub const MAX_FAILED_READS: u32 = 3;

/// Zoom's lists as one read found them.
struct Reading {
    began: Instant,
    /// Everyone listed, by email key, each address's listings merged ([`Existing::merge`]);
    /// `None` if the lists could not be read.
    listed: Option<HashMap<String, Existing>>,
}

/// The reads of Zoom's lists a run's workers share.
pub struct Lookup {
    client: Arc<ZoomClient>,
    backoff_base: Duration,
    latest: tokio::sync::Mutex<Option<Reading>>,
    failed_reads: AtomicU32,
}

impl Lookup {
    pub fn new(client: Arc<ZoomClient>, backoff_base: Duration) -> Lookup {
        Lookup {
            client,
            backoff_base,
            latest: tokio::sync::Mutex::new(None),
            failed_reads: AtomicU32::new(0),
        }
    }

    /// What Zoom lists for each of `emails` (by [`email_key`]) as registered (approved or
    /// pending), from a read that began after `failed_at`, the moment the rows' last request
    /// failed; `None` for each if no list could be read.
    pub async fn find(&self, emails: &[&str], failed_at: Instant) -> Vec<Option<Registered>> {
        let listed = self.listed(emails, failed_at).await;
        listed
            .into_iter()
            .map(|found| {
                found
                    .filter(|person| {
                        person.status != Listing::Denied && !person.registrant_id.is_empty()
                    })
                    .map(|person| Registered {
                        status: Some(person.status.name().to_string()),
                        join_url: Some(person.join_url).filter(|url| !url.is_empty()),
                        registrant_id: person.registrant_id,
                    })
            })
            .collect()
    }

    /// How Zoom lists each of `emails` (`None`: on no list), from a read that began after
    /// `failed_at`; `None` if no list could be read.
    pub async fn listings(
        &self,
        emails: &[&str],
        failed_at: Instant,
    ) -> Option<Vec<Option<Existing>>> {
        let mut latest = self.latest.lock().await;
        self.read_unless_fresh(&mut latest, failed_at).await;
        let listed = latest.as_ref()?.listed.as_ref()?;
        Some(
            emails
                .iter()
                .map(|email| listed.get(email_key(email.trim()).as_ref()).cloned())
                .collect(),
        )
    }

    /// [`Lookup::listings`], each `None` if no list could be read.
    async fn listed(&self, emails: &[&str], failed_at: Instant) -> Vec<Option<Existing>> {
        // Held across the read: the workers that wait use it, rather than each reading.
        let mut latest = self.latest.lock().await;
        self.read_unless_fresh(&mut latest, failed_at).await;
        let listed = latest.as_ref().and_then(|reading| reading.listed.as_ref());
        emails
            .iter()
            .map(|email| {
                listed
                    .and_then(|listed| listed.get(email_key(email.trim()).as_ref()))
                    .cloned()
            })
            .collect()
    }

    /// Reads Zoom's lists unless the latest read began after `failed_at` (or too many failed).
    async fn read_unless_fresh(&self, latest: &mut Option<Reading>, failed_at: Instant) {
        let stale = latest
            .as_ref()
            .is_none_or(|reading| reading.began < failed_at);
        if !stale || self.failed_reads.load(Ordering::Relaxed) >= MAX_FAILED_READS {
            return;
        }
        let began = Instant::now();
        let listed = match list_registrants(&self.client, self.backoff_base).await {
            Ok(people) => Some(by_email(people)),
            Err(_) => {
                self.failed_reads.fetch_add(1, Ordering::Relaxed);
                None
            }
        };
        *latest = Some(Reading { began, listed });
    }
}

/// Everyone listed by email key, each address's listings merged.
fn by_email(people: Vec<Existing>) -> HashMap<String, Existing> {
    let mut listed: HashMap<String, Existing> = HashMap::with_capacity(people.len());
    for person in people {
        match listed.entry(email_key(person.email.trim()).into_owned()) {
            Entry::Occupied(mut kept) => kept.get_mut().merge(person),
            Entry::Vacant(place) => {
                place.insert(person);
            }
        }
    }
    listed
}
