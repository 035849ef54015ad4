//! Rows in doubt, settled by reading: a row whose requests may have reached Zoom (an answer
//! lost to a dropped connection, a 5xx or a timeout, after Zoom may have done the work) and
//! that has had its three requests is looked up in Zoom's registrant lists before it is called
//! `pending`. A read costs Medium requests and no person's adds. Reads are shared: a worker
//! waits for the one in progress and uses it if it began after its row's last failed request;
//! only a row that failed after it began asks for another.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::registrant::email_key;
use crate::zoom::preflight::{list_registrants, Listing};
use crate::zoom::{Registered, ZoomClient};

/// Zoom's lists as one read found them.
struct Reading {
    began: Instant,
    /// Approved and pending people by email key (a denied person is not registered).
    listed: HashMap<String, Registered>,
}

/// The reads of Zoom's lists a run's workers share.
pub struct Lookup {
    client: Arc<ZoomClient>,
    backoff_base: Duration,
    latest: tokio::sync::Mutex<Option<Reading>>,
}

impl Lookup {
    pub fn new(client: Arc<ZoomClient>, backoff_base: Duration) -> Lookup {
        Lookup {
            client,
            backoff_base,
            latest: tokio::sync::Mutex::new(None),
        }
    }

    /// What Zoom lists for each of `emails` (by [`email_key`]), from a read that began after
    /// `failed_at`, the moment the rows' last request failed; `None` for each if no list could
    /// be read.
    pub async fn find(&self, emails: &[&str], failed_at: Instant) -> Vec<Option<Registered>> {
        // Held across the read: the workers that wait use it, rather than each reading.
        let mut latest = self.latest.lock().await;
        if latest
            .as_ref()
            .is_none_or(|reading| reading.began < failed_at)
        {
            let began = Instant::now();
            let Ok(people) = list_registrants(&self.client, self.backoff_base).await else {
                return vec![None; emails.len()];
            };
            let listed = people
                .into_iter()
                .filter(|person| person.status != Listing::Denied)
                .map(|person| {
                    let registered = Registered {
                        registrant_id: person.registrant_id,
                        join_url: Some(person.join_url).filter(|url| !url.is_empty()),
                    };
                    (email_key(person.email.trim()).into_owned(), registered)
                })
                .collect();
            *latest = Some(Reading { began, listed });
        }
        let listed = latest.as_ref().map(|reading| &reading.listed);
        emails
            .iter()
            .map(|email| {
                listed
                    .and_then(|listed| listed.get(email_key(email.trim()).as_ref()))
                    .filter(|registered| !registered.registrant_id.is_empty())
                    .cloned()
            })
            .collect()
    }
}
