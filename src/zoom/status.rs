//! Status changes in a real run (`zimport approve|deny|cancel`): up to 30 people a call to
//! Zoom's `PUT …/registrants/status`, paced in the Medium category, and the decision that
//! gives each row its one outcome.
//!
//! - Per-second 429s, 5xx and dropped connections are retried with backoff, but no row is
//!   carried by more than [`MAX_REQUESTS_PER_ROW`] calls in a run (Zoom allows 10 status
//!   changes per registrant a day); past that the row is `pending`.
//! - A per-registrant 429 makes that row `pending`, and the call goes again without it; a
//!   daily-quota 429 stops the run's status changes (the rest are `pending`); errors about the
//!   event, the token or its scopes stop the whole run.
//! - A call Zoom refuses because of one of its people (a 404: someone cancelled or removed
//!   since the list was read, or a validation error) is split into calls of one, so only that
//!   row ends `not_registered` or `failed`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::Category;
use crate::model::Status;
use crate::model::{Action, Event};
use crate::model::{Existing, Listing};
use crate::registrant::email_key;
use crate::zoom::control::Control;
use crate::zoom::job::{back_off, Job, Route, Sends};
use crate::zoom::lookup::Lookup;
use crate::zoom::policy::{verdict, Sending, Verdict};
use crate::zoom::preflight::event_gone;
use crate::zoom::{ApiError, Refusal, ZoomClient};

/// The most calls that may carry one row in a run.
pub const MAX_REQUESTS_PER_ROW: u32 = 3;

/// Changes the status of rows, 30 a call, with the run's shared client and control. Cheap to
/// clone: each worker task takes its own.
#[derive(Clone)]
pub struct StatusChanger {
    pub client: Arc<ZoomClient>,
    pub control: Arc<Control>,
    pub event: Event,
    pub action: Action,
    /// `--occurrence`, passed through as Zoom's `occurrence_id`.
    pub occurrence: Option<String>,
    pub backoff_base: Duration,
    /// Zoom's lists, read for rows in doubt.
    pub lookup: Arc<Lookup>,
}

impl StatusChanger {
    /// The status a done row gets.
    fn done(&self) -> Status {
        match self.action {
            Action::Approve => Status::Approved,
            Action::Deny => Status::Denied,
            Action::Cancel => Status::Cancelled,
        }
    }

    /// Sends `jobs` (up to 30) until each has its outcome.
    async fn change(&self, jobs: Vec<Job>) {
        // Each group with the refusal its last call met, if it met one, and when a call that
        // carried it last lost its answer (it may have reached Zoom), if one did.
        let mut groups: Vec<(Vec<Job>, Option<Refusal>, Option<Instant>)> =
            vec![(jobs, None, None)];
        let mut step = 0;
        while let Some((mut jobs, last, in_doubt)) = groups.pop() {
            if jobs.is_empty() {
                continue;
            }
            if let Some(reason) = self.control.refusal_for(Category::Medium) {
                for job in jobs {
                    job.stopped(&reason);
                }
                continue;
            }
            let (spent, ready): (Vec<Job>, Vec<Job>) = jobs
                .into_iter()
                .partition(|job| job.attempts >= MAX_REQUESTS_PER_ROW);
            if !spent.is_empty() {
                self.spent(spent, last.as_ref(), in_doubt).await;
            }
            jobs = ready;
            if jobs.is_empty() {
                continue;
            }
            // Each row's registrant, and the other listings of its address the change reaches.
            let people: Vec<(&str, &str)> = jobs
                .iter()
                .flat_map(|job| {
                    let email = job.registrant.email.as_str();
                    let ids = job.request.registrant_ids().iter();
                    ids.map(move |id| (id.as_str(), email))
                })
                .collect();
            let sent = self
                .client
                .change_status(self.action, &people, self.occurrence.as_deref())
                .await;
            for job in &mut jobs {
                job.attempts += sent.requests;
            }
            let error = match sent.result {
                Ok(()) => {
                    let done = self.done();
                    self.control
                        .confirmed
                        .fetch_add(jobs.len() as u64, Ordering::Relaxed);
                    for job in jobs {
                        let outcome = job.outcome(done, self.every_listing(&job));
                        job.report(outcome);
                    }
                    continue;
                }
                Err(error) => error,
            };
            match verdict(&error, Sending::StatusChange, self.event) {
                Verdict::Retry(asked) => {
                    let in_doubt = match error {
                        ApiError::Transient(_) => Some(Instant::now()),
                        _ => in_doubt,
                    };
                    self.back_off(&mut step, asked).await;
                    groups.push((jobs, error.refusal().cloned(), in_doubt));
                }
                Verdict::DailyStop(resume_at) => {
                    self.control.stop_daily(Category::Medium, resume_at);
                    groups.push((jobs, None, in_doubt));
                }
                // Zoom did not say whose changes are spent: each goes on alone, to find out.
                Verdict::PersonsQuota { email: None, .. } if jobs.len() > 1 => {
                    groups.extend(jobs.into_iter().map(|job| (vec![job], None, in_doubt)));
                }
                Verdict::PersonsQuota { email, refusal } => {
                    let limited = email.map(|e| email_key(e.trim()).into_owned());
                    let (hit, rest): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|job| {
                        limited
                            .as_deref()
                            .is_none_or(|email| job.registrant.email.key() == email)
                    });
                    let message = format!(
                        "Zoom allows 10 status changes per registrant a day, and this person has had them; a re-run after 00:00 UTC sends it ({})",
                        refusal.message
                    );
                    for job in hit {
                        job.refused(Status::Pending, message.clone(), Some(refusal));
                    }
                    groups.push((rest, None, in_doubt));
                }
                Verdict::NotSent(reason) => {
                    for job in jobs {
                        job.stopped(reason);
                    }
                }
                Verdict::StopRun(reason) => {
                    self.control.stop_run(reason);
                    groups.push((jobs, None, in_doubt));
                }
                Verdict::Rows(refusal)
                    if refusal.http_status == Some(404)
                        && !self.client.exists_as(self.event.kind).await =>
                {
                    // Zoom's 404 names no culprit: gone is the event, not its people.
                    self.control.stop_run(event_gone(self.event, "", refusal));
                    groups.push((jobs, None, in_doubt));
                }
                // Something about one of its people: find out whom by sending each alone.
                Verdict::Rows(_) if jobs.len() > 1 => {
                    groups.extend(jobs.into_iter().map(|job| (vec![job], None, in_doubt)));
                }
                Verdict::Rows(refusal) => {
                    for job in jobs {
                        self.refused_alone(job, refusal);
                    }
                }
            }
        }
    }

    /// Rows that have had their calls: `pending`, unless a call may have reached Zoom
    /// (`in_doubt`: an answer lost at that moment) and Zoom's lists, read after, show the
    /// change made.
    async fn spent(&self, jobs: Vec<Job>, last: Option<&Refusal>, in_doubt: Option<Instant>) {
        let listings = match in_doubt {
            Some(failed_at) => {
                let emails: Vec<&str> = jobs
                    .iter()
                    .map(|job| job.registrant.email.as_str())
                    .collect();
                self.lookup.listings(&emails, failed_at).await
            }
            None => None,
        };
        for (index, job) in jobs.into_iter().enumerate() {
            let listed = listings
                .as_ref()
                .map(|listings| listings.get(index).and_then(Option::as_ref));
            if listed.is_some_and(|listed| self.shows_done(listed)) {
                self.control.confirmed.fetch_add(1, Ordering::Relaxed);
                self.control
                    .settled_by_reading
                    .fetch_add(1, Ordering::Relaxed);
                let message =
                    "Zoom's answer was lost, and its registrant lists show the change made"
                        .to_string();
                let outcome = job.outcome(self.done(), message);
                job.report(outcome);
            } else {
                job.refused(Status::Pending, spent_message(last), last);
            }
        }
    }

    /// Whether a person `listed` so (`None`: on no list) shows this run's change made, on
    /// every listing of their address: a cancelled registrant leaves the lists, or (as Zoom
    /// has been seen doing) moves to denied.
    fn shows_done(&self, listed: Option<&Existing>) -> bool {
        let done = |status| match self.action {
            Action::Approve => status == Listing::Approved,
            Action::Deny | Action::Cancel => status == Listing::Denied,
        };
        match listed {
            None => self.action == Action::Cancel,
            Some(listed) => listed.listings().all(|(status, _)| done(status)),
        }
    }

    /// A done row's message: empty, unless the change reached more than one listing of its
    /// address.
    fn every_listing(&self, job: &Job) -> String {
        let ids = job.request.registrant_ids();
        if ids.len() < 2 {
            return String::new();
        }
        format!(
            "{} listings of this address {}: registrant {}",
            ids.len(),
            self.done(),
            ids.join(", ")
        )
    }

    /// The outcome of a row Zoom refused when it was sent alone.
    fn refused_alone(&self, job: Job, refusal: &Refusal) {
        let ids = job.request.registrant_ids();
        if ids.len() > 1 {
            // Zoom does not say which: none of the listings is taken as changed.
            let message = format!(
                "Zoom refused the change of this address's {} listings (registrant {}), all in one call; a re-run reads Zoom's lists again and sends those still to change (Zoom: {refusal})",
                ids.len(),
                ids.join(", ")
            );
            return job.refused(Status::Failed, message, Some(refusal));
        }
        if refusal.http_status == Some(404) {
            let message = format!(
                "Zoom no longer lists this registrant (cancelled or removed since the list was read); not changed (Zoom: {refusal})"
            );
            let status = match self.action {
                Action::Cancel => Status::Unchanged,
                Action::Approve | Action::Deny => Status::NotRegistered,
            };
            return job.refused(status, message, Some(refusal));
        }
        job.refused(Status::Failed, format!("Zoom: {refusal}"), Some(refusal));
    }

    async fn back_off(&self, step: &mut u32, asked: Option<Duration>) {
        back_off(&self.control, self.backoff_base, step, asked).await
    }
}

/// The message of a row whose calls are used up, after `last` (what the last one met).
fn spent_message(last: Option<&Refusal>) -> String {
    match last {
        // The network's failure, not Zoom's: it may never have had the calls.
        Some(refusal) if refusal.http_status.is_none() => format!(
            "no answer from Zoom to {MAX_REQUESTS_PER_ROW} calls, the most a run sends for one person (the last: {refusal}); a re-run sends it"
        ),
        Some(refusal) => format!(
            "not changed after {MAX_REQUESTS_PER_ROW} calls, the most a run sends for one person (the last answer: {refusal}); a re-run sends it"
        ),
        None => format!(
            "not changed after {MAX_REQUESTS_PER_ROW} calls, the most a run sends for one person; a re-run sends it"
        ),
    }
}

impl Sends for StatusChanger {
    /// Every row in a batch of up to 30, in the Medium category; a row whose address Zoom
    /// lists more than once in a call of its own, with every listing to change.
    fn route(&self, job: &Job) -> Route {
        Route {
            batched: job.request.registrant_ids().len() < 2,
            category: Category::Medium,
        }
    }

    async fn send_one(&self, job: Job) {
        self.change(vec![job]).await
    }

    async fn send_batch(&self, jobs: Vec<Job>) {
        self.change(jobs).await
    }
}
