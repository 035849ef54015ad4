//! What every sender shares (the importer, [`super::register`], and the status changer,
//! [`super::status`]): the [`Job`], a row on its way to Zoom with room reserved for its one
//! outcome; the [`Route`] and the [`Sends`] trait the dispatcher hands jobs through; and how
//! long a retry waits (`backoff`, `back_off`).

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc::OwnedPermit;

use crate::outcome::{Outcome, OwnedLine};
use crate::results::Format;

use crate::model::{Category, Person, Request, Status};
use crate::registrant::Registrant;
use crate::zoom::control::Control;
use crate::zoom::Refusal;
use serde::{Deserialize, Serialize};

/// Longest wait before one retry, whatever Zoom's `Retry-After` says.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A valid row that Zoom is to be asked to register (or to change the status of).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToSend {
    /// Position among the rows that get an outcome.
    pub seq: u64,
    pub row: u64,
    pub line: u64,
    pub registrant: Registrant,
    /// What it asks of Zoom.
    pub request: Request,
    /// The row's carried input cells, encoded ([`crate::outcome::Line::carried`]).
    #[serde(default)]
    pub carried: String,
}

/// A valid row on its way to Zoom. It carries room reserved for its outcome in the
/// recorder's queue, so that reporting the outcome never waits and never fails; a job dropped
/// before it reported one (a worker that panicked) reports itself `pending`, so no row is ever
/// left without an outcome.
#[derive(Debug)]
pub struct Job {
    /// Position among the rows that get an outcome, for writing results in input order.
    pub seq: u64,
    pub row: u64,
    pub line: u64,
    pub registrant: Registrant,
    /// What it asks of Zoom.
    pub request: Request,
    /// Its carried input cells, for its results line.
    carried: String,
    /// Requests that carried this row so far.
    pub attempts: u32,
    /// Where its outcome goes; `None` once reported.
    reply: Option<OwnedPermit<OwnedLine>>,
    /// How its outcome is encoded: the results file's format.
    format: &'static dyn Format,
}

/// The message of a row whose worker stopped before it had an outcome.
const LOST: &str = "not finished: the task sending it failed; a re-run sends it";

impl Job {
    pub fn new(to_send: ToSend, reply: OwnedPermit<OwnedLine>, format: &'static dyn Format) -> Job {
        let ToSend {
            seq,
            row,
            line,
            registrant,
            request,
            carried,
        } = to_send;
        Job {
            seq,
            row,
            line,
            registrant,
            request,
            carried,
            attempts: 0,
            reply: Some(reply),
            format,
        }
    }

    /// This row's outcome with `status`, without any answer from Zoom.
    pub(crate) fn outcome(&self, status: Status, message: String) -> Outcome {
        let mut outcome = Outcome::unanswered(
            (self.seq, self.row, self.line),
            Person {
                email: self.registrant.email.as_str().to_string(),
                first_name: self.registrant.first_name.clone(),
                last_name: self.registrant.last_name.clone(),
            },
            status,
            message,
            self.attempts,
        );
        // A status change's row names the first registrant it changes.
        if let Some(id) = self.request.registrant_ids().first() {
            outcome.registrant_id.clone_from(id);
        }
        outcome.carried.clone_from(&self.carried);
        outcome
    }

    /// Hands the outcome to the recorder; the job is done.
    pub(crate) fn report(mut self, outcome: Outcome) {
        if let Some(reply) = self.reply.take() {
            reply.send(outcome.line(self.format));
        }
    }

    /// Ends the row with `status` and what Zoom said, if anything.
    /// `pending`, because it was not sent (`reason`: why, as
    /// [`crate::zoom::control::Control::refusal_for`] gives it): "not sent: …", or "not sent
    /// again: …" for a row that Zoom already had a request for.
    pub fn stopped(self, reason: &str) {
        let again = if self.attempts > 0 { " again" } else { "" };
        self.refused(Status::Pending, format!("not sent{again}: {reason}"), None);
    }

    pub fn refused(self, status: Status, message: String, refusal: Option<&Refusal>) {
        let mut outcome = self.outcome(status, message);
        if let Some(refusal) = refusal {
            outcome.http_status = refusal.http_status;
            outcome.zoom_code = refusal.zoom_code;
            if let Some(tracking) = &refusal.tracking_id {
                outcome
                    .message
                    .push_str(&format!(" (Zoom tracking ID {tracking})"));
            }
        }
        self.report(outcome);
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(reply) = self.reply.take() {
            reply.send(
                self.outcome(Status::Pending, LOST.to_string())
                    .line(self.format),
            );
        }
    }
}

/// How a row goes to Zoom: alone, or in a batch of up to 30; and in which rate category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub batched: bool,
    pub category: Category,
}

/// What the dispatcher hands rows to: [`Registrar`](super::register::Registrar) for an import,
/// [`StatusChanger`](crate::zoom::status::StatusChanger) for a status change. Each call ends
/// every job it is given with exactly one outcome, through the job itself.
pub trait Sends: Clone + Send + Sync + 'static {
    /// How `job` is to go, as things stand now.
    fn route(&self, job: &Job) -> Route;
    fn send_one(&self, job: Job) -> impl Future<Output = ()> + Send;
    fn send_batch(&self, jobs: Vec<Job>) -> impl Future<Output = ()> + Send;
}

/// Waits before retry number `step` (counting it, in the run's retries), or less if the run
/// stops meanwhile: every sender's retries wait this way.
pub(crate) async fn back_off(
    control: &Control,
    base: Duration,
    step: &mut u32,
    asked: Option<Duration>,
) {
    control.retries.fetch_add(1, Ordering::Relaxed);
    let wait = backoff(base, *step, asked);
    *step += 1;
    control.pause(wait).await;
}

/// Exponential backoff with jitter: about `base`·2^step, at least what Zoom asked for.
pub(crate) fn backoff(base: Duration, step: u32, retry_after: Option<Duration>) -> Duration {
    let exponential = base.saturating_mul(1u32 << step.min(8)).min(MAX_BACKOFF);
    let jitter = RandomState::new().hash_one(step) % 1000;
    let jittered = exponential / 2 + exponential.mul_f64(jitter as f64 / 2000.0);
    retry_after
        .map_or(jittered, |asked| asked.max(jittered))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_honours_retry_after() {
        let base = Duration::from_millis(100);
        let first = backoff(base, 0, None);
        assert!(
            first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
            "{first:?}"
        );
        let fourth = backoff(base, 3, None);
        assert!(
            fourth >= Duration::from_millis(400) && fourth <= Duration::from_millis(800),
            "{fourth:?}"
        );
        assert_eq!(
            backoff(base, 0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            backoff(base, 30, Some(Duration::from_secs(999))),
            MAX_BACKOFF
        );
    }
}
