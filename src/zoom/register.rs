//! What happens to one row, or one batch of rows, in a real run (SPEC §4): the requests, the
//! retries, and the decision that gives each row its one outcome.
//!
//! - Per-second 429s, 5xx and dropped connections are retried with exponential backoff and
//!   jitter, but no email is ever carried by more than [`MAX_REQUESTS_PER_EMAIL`] requests in a
//!   run (Zoom allows three adds per person and day); past that the row is `pending`.
//! - What each answer means is `zoom::policy`'s: a daily-quota 429 stops its category at
//!   once; a per-registrant 429 makes only that row `pending` (a batch's that names nobody
//!   sends its rows singly, to find whose it is); errors about the event itself (not found,
//!   registration off, over, full, missing scope, token refused) stop the whole run quickly
//!   instead of failing every row.
//! - A row that has had its requests, one of which may have reached Zoom (its answer lost),
//!   is looked up in Zoom's lists (`zoom::lookup`) before it is called `pending`.
//! - A batch answer is mapped back to rows by email, ignoring case; a row missing from it is
//!   retried singly; a batch refused for validation is split using Zoom's field errors, so the
//!   good rows go on in a batch and only the bad ones fail.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::limits::Mode;
use crate::model::Category;
use crate::model::Event;
use crate::model::Status;
use crate::registrant::{email_key, Registrant};
use crate::zoom::control::Control;
use crate::zoom::job::{back_off, Job, Route, Sends};
use crate::zoom::lookup::Lookup;
use crate::zoom::policy::{verdict, Sending, Verdict};
use crate::zoom::{ApiError, BatchItem, Refusal, Registered, ZoomClient};

/// Zoom allows three add requests per registrant, event and day.
pub const MAX_REQUESTS_PER_EMAIL: u32 = 3;

/// What to do about one error.
enum Decision {
    Retry(Option<Duration>),
    Failed(String),
    Pending(String),
    /// The request did not go: the run stopped sending (why), or it could not be written.
    NotSent(String),
    DailyStop(Option<SystemTime>),
    StopRun(String),
    /// Batch only: Zoom says batch registration does not fit this event.
    BatchUnsupported,
}

fn decide(error: &ApiError, event: Event, event_read: bool) -> Decision {
    let refusal = match verdict(error, Sending::Registrations { event_read }, event) {
        Verdict::Retry(asked) => return Decision::Retry(asked),
        Verdict::DailyStop(resume_at) => return Decision::DailyStop(resume_at),
        Verdict::PersonsQuota { refusal, .. } => {
            return Decision::Pending(format!(
                "Zoom allows 3 registration requests per person per day for an event, and this person has had them; a re-run after 00:00 UTC retries it ({})",
                refusal.message
            ))
        }
        Verdict::NotSent(reason) => return Decision::NotSent(reason.to_string()),
        Verdict::StopRun(reason) => return Decision::StopRun(reason),
        Verdict::Rows(refusal) => refusal,
    };
    let zoom = format!("Zoom: {refusal}");
    match refusal.zoom_code {
        Some(303) => Decision::BatchUnsupported,
        Some(300) if refusal.message.to_lowercase().contains("scheduled") => {
            Decision::BatchUnsupported
        }
        Some(3027) => Decision::Failed(format!(
            "this is the host's own email; the host cannot register ({zoom})"
        )),
        _ => Decision::Failed(zoom),
    }
}

/// Registers rows, one at a time or in batches, with the run's shared client and control.
/// Cheap to clone: each worker task takes its own.
#[derive(Clone)]
pub struct Registrar {
    pub client: Arc<ZoomClient>,
    pub control: Arc<Control>,
    pub event: Event,
    pub mode: Mode,
    pub backoff_base: Duration,
    /// Zoom's lists, read for rows in doubt.
    pub lookup: Arc<Lookup>,
}

/// The outcomes only an import gives a job.
impl Job {
    fn registered(self, registered: &Registered) {
        let message = match (registered.awaiting_approval(), &registered.join_url) {
            (true, None) => "awaiting the host's approval, so Zoom gave no join URL yet",
            (true, Some(_)) => "awaiting the host's approval; the join URL works once approved",
            (false, _) => "",
        };
        self.registered_saying(registered, message);
    }

    /// `registered`, found in Zoom's lists after its answers were lost.
    fn found_registered(self, registered: &Registered) {
        self.registered_saying(
            registered,
            "Zoom's answer was lost, and its registrant list shows this person registered",
        );
    }

    fn registered_saying(self, registered: &Registered, message: &str) {
        let mut outcome = self.outcome(Status::Registered, message.to_string());
        outcome.registrant_id = registered.registrant_id.clone();
        outcome.join_url = registered.join_url.clone().unwrap_or_default();
        self.report(outcome);
    }

    /// `pending`: the row has had the three requests Zoom allows a person a day.
    fn budget_spent(self, last: Option<&Refusal>) {
        let message = match last {
            // The network's failure, not Zoom's: it may never have had the requests.
            Some(refusal) if refusal.http_status.is_none() => format!(
                "no answer from Zoom to {MAX_REQUESTS_PER_EMAIL} requests, the most a run sends for one person (the last: {refusal}); a re-run retries it"
            ),
            _ => {
                let why = last
                    .map(|r| format!(" (the last answer: {r})"))
                    .unwrap_or_default();
                format!(
                    "no confirmation from Zoom after {MAX_REQUESTS_PER_EMAIL} requests, the most a run sends for one person{why}; a re-run retries it, after 00:00 UTC if Zoom counted these toward the {MAX_REQUESTS_PER_EMAIL} adds a day it allows a person"
                )
            }
        };
        self.refused(Status::Pending, message, last);
    }
}

impl Registrar {
    fn decide(&self, error: &ApiError) -> Decision {
        decide(
            error,
            self.event,
            self.control.event_read.load(Ordering::Relaxed),
        )
    }

    async fn back_off(&self, step: &mut u32, asked: Option<Duration>) {
        back_off(&self.control, self.backoff_base, step, asked).await
    }

    /// Rows that have had their three requests: `pending`, unless a request may have reached
    /// Zoom (`in_doubt`: an answer lost at `failed_at`) and Zoom's lists, read after, show the
    /// person registered.
    async fn spent(&self, jobs: Vec<Job>, last: Option<&ApiError>, in_doubt: Option<Instant>) {
        let found = match in_doubt {
            Some(failed_at) => {
                let emails: Vec<&str> = jobs
                    .iter()
                    .map(|job| job.registrant.email.as_str())
                    .collect();
                self.lookup.find(&emails, failed_at).await
            }
            None => vec![None; jobs.len()],
        };
        for (job, found) in jobs.into_iter().zip(found) {
            match found {
                Some(registered) => {
                    self.control.confirmed.fetch_add(1, Ordering::Relaxed);
                    self.control
                        .settled_by_reading
                        .fetch_add(1, Ordering::Relaxed);
                    job.found_registered(&registered);
                }
                None => job.budget_spent(last.and_then(ApiError::refusal)),
            }
        }
    }

    /// Sends one row with a single add until it has an outcome. `in_doubt`: when a request
    /// that carried it last lost its answer (it may have reached Zoom), if one did.
    async fn one(&self, mut job: Job, mut in_doubt: Option<Instant>) {
        let mut step = 0;
        let mut last: Option<ApiError> = None;
        loop {
            // A row that has had its requests says why they failed, even if the run stopped.
            if job.attempts >= MAX_REQUESTS_PER_EMAIL {
                return self.spent(vec![job], last.as_ref(), in_doubt).await;
            }
            if let Some(reason) = self.control.refusal_for(Category::Light) {
                return job.stopped(&reason);
            }
            let sent = self.client.add_registrant(&job.registrant).await;
            job.attempts += sent.requests;
            let error = match sent.result {
                Ok(registered) => {
                    self.control.confirmed.fetch_add(1, Ordering::Relaxed);
                    return job.registered(&registered);
                }
                Err(error) => error,
            };
            if matches!(error, ApiError::Transient(_)) {
                in_doubt = Some(Instant::now());
            }
            match self.decide(&error) {
                Decision::Retry(asked) => self.back_off(&mut step, asked).await,
                Decision::Failed(message) => {
                    return job.refused(Status::Failed, message, error.refusal())
                }
                Decision::Pending(message) => {
                    return job.refused(Status::Pending, message, error.refusal())
                }
                Decision::NotSent(reason) => return job.stopped(&reason),
                Decision::DailyStop(resume_at) => {
                    self.control.stop_daily(Category::Light, resume_at);
                }
                Decision::StopRun(reason) => self.control.stop_run(reason),
                Decision::BatchUnsupported => {
                    return job.refused(
                        Status::Failed,
                        format!(
                            "Zoom: {}",
                            error.refusal().map(ToString::to_string).unwrap_or_default()
                        ),
                        error.refusal(),
                    )
                }
            }
            last = Some(error);
        }
    }

    /// Sends up to 30 rows with batch registration, falling back to single adds where a row
    /// needs it, until every row has its outcome.
    async fn batch(&self, mut jobs: Vec<Job>) {
        let mut step = 0;
        let mut last: Option<ApiError> = None;
        let mut in_doubt: Option<Instant> = None;
        while !jobs.is_empty() {
            // Rows whose budget is spent leave the batch, saying why, even if the run stopped.
            let (spent, ready): (Vec<Job>, Vec<Job>) = jobs
                .into_iter()
                .partition(|job| job.attempts >= MAX_REQUESTS_PER_EMAIL);
            if !spent.is_empty() {
                self.spent(spent, last.as_ref(), in_doubt).await;
            }
            jobs = ready;
            if jobs.is_empty() {
                return;
            }
            if let Some(reason) = self.control.refusal_for(Category::Heavy) {
                for job in jobs {
                    job.stopped(&reason);
                }
                return;
            }
            if self.control.batch_refused() {
                return self.each(jobs, in_doubt).await;
            }

            let people: Vec<&Registrant> = jobs.iter().map(|job| &job.registrant).collect();
            let sent = self.client.add_batch(&people).await;
            for job in &mut jobs {
                job.attempts += sent.requests;
            }
            let error = match sent.result {
                Ok(items) => return self.settle_batch(jobs, items).await,
                Err(error) => error,
            };
            if matches!(error, ApiError::Transient(_)) {
                in_doubt = Some(Instant::now());
            }
            match self.decide(&error) {
                Decision::Retry(asked) => self.back_off(&mut step, asked).await,
                Decision::BatchUnsupported if self.mode == Mode::Batch => {
                    self.control.stop_run(format!(
                        "--mode batch, but Zoom's batch registration does not fit {} (it takes only scheduled meetings and webinars); use --mode auto or --mode single (Zoom: {})",
                        self.event,
                        error.refusal().map(ToString::to_string).unwrap_or_default()
                    ));
                }
                Decision::BatchUnsupported => self.control.refuse_batch(),
                Decision::Failed(message) => {
                    let refusal = error.refusal();
                    let bad = refusal.map(bad_batch_rows).unwrap_or_default();
                    if bad.is_empty() {
                        // Zoom did not say which row: isolate it with single adds.
                        return self.each(jobs, in_doubt).await;
                    }
                    let mut good = Vec::with_capacity(jobs.len());
                    for (index, job) in jobs.into_iter().enumerate() {
                        match bad.get(&index) {
                            Some(fields) => {
                                let message = format!(
                                    "Zoom refused this row in a batch: {} ({message})",
                                    fields.join(", ")
                                );
                                job.refused(Status::Failed, message, refusal);
                            }
                            None => good.push(job),
                        }
                    }
                    jobs = good;
                }
                Decision::NotSent(reason) => {
                    for job in jobs {
                        job.stopped(&reason);
                    }
                    return;
                }
                Decision::Pending(message) => {
                    let limited = match &error {
                        ApiError::RegistrantLimit {
                            email: Some(email), ..
                        } => email_key(email.trim()).into_owned(),
                        // Zoom did not say whose adds are spent: each row goes on alone (within
                        // its three requests), so only that person's add is refused.
                        _ => return self.each(jobs, in_doubt).await,
                    };
                    let (hit, rest): (Vec<Job>, Vec<Job>) = jobs
                        .into_iter()
                        .partition(|job| job.registrant.email.key() == limited.as_str());
                    for job in hit {
                        job.refused(Status::Pending, message.clone(), error.refusal());
                    }
                    // Another batch would leave the rest one request: each goes on alone then,
                    // so a second spent person in the batch cannot use up the others' requests.
                    if rest
                        .iter()
                        .any(|job| job.attempts + 1 >= MAX_REQUESTS_PER_EMAIL)
                    {
                        return self.each(rest, in_doubt).await;
                    }
                    jobs = rest;
                }
                Decision::DailyStop(resume_at) => {
                    self.control.stop_daily(Category::Heavy, resume_at)
                }
                Decision::StopRun(reason) => self.control.stop_run(reason),
            }
            last = Some(error);
        }
    }

    /// Maps a batch answer back to its rows by email; rows it leaves out (or names without
    /// an ID) are sent singly.
    async fn settle_batch(&self, jobs: Vec<Job>, items: Vec<BatchItem>) {
        let answered: HashMap<String, Registered> = items
            .into_iter()
            .filter_map(BatchItem::registered)
            .map(|(email, registered)| (email_key(email.trim()).into_owned(), registered))
            .collect();
        let mut missing = Vec::new();
        for job in jobs {
            match answered.get(job.registrant.email.key().as_ref()) {
                Some(registered) => {
                    self.control.confirmed.fetch_add(1, Ordering::Relaxed);
                    job.registered(registered);
                }
                None => missing.push(job),
            }
        }
        // The batch reached Zoom: they may be registered although its answer left them out.
        self.each(missing, Some(Instant::now())).await;
    }

    /// Sends each row alone; `in_doubt` as for [`Registrar::one`].
    async fn each(&self, jobs: Vec<Job>, in_doubt: Option<Instant>) {
        for job in jobs {
            self.one(job, in_doubt).await;
        }
    }
}

impl Sends for Registrar {
    /// Batch where `--mode` and Zoom allow and the row carries only email and names.
    fn route(&self, job: &Job) -> Route {
        let batched = self.mode != Mode::Single
            && job.registrant.fits_batch()
            && !self.control.batch_refused();
        Route {
            batched,
            category: if batched {
                Category::Heavy
            } else {
                Category::Light
            },
        }
    }

    async fn send_one(&self, job: Job) {
        self.one(job, None).await
    }

    async fn send_batch(&self, jobs: Vec<Job>) {
        self.batch(jobs).await
    }
}

/// The rows a `300 Validation Failed` answer names, as `registrants[3].email` fields.
fn bad_batch_rows(refusal: &Refusal) -> HashMap<usize, Vec<String>> {
    let mut rows: HashMap<usize, Vec<String>> = HashMap::new();
    for (field, message) in &refusal.field_errors {
        let Some(rest) = field.strip_prefix("registrants[") else {
            continue;
        };
        let Some((index, name)) = rest.split_once(']') else {
            continue;
        };
        if let Ok(index) = index.parse::<usize>() {
            let name = name.trim_start_matches('.');
            rows.entry(index)
                .or_default()
                .push(format!("{name}: {message}"));
        }
    }
    rows
}

#[cfg(test)]
mod tests;
