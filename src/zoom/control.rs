//! Run-wide control, shared by every part of a real run: whether requests may still start
//! (per rate category) and why the run stopped, whether batch registration fits, and the
//! counters of retries and confirmations. A dry run uses it only to be asked to stop
//! ([`Stopper`]).
//!
//! The client asks [`Control::refusal_for`] right before each request goes out, after waiting
//! for its rate slot and its token, so nothing starts after a daily quota, a run-level error,
//! Ctrl-C or a failed write has stopped its category; [`Control::until_stopped`] wakes the
//! requests still waiting for a slot.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::model::Category;
use crate::model::Interrupt;

/// Run-wide state the workers share: why sending stopped, and counters.
#[derive(Debug, Default)]
pub struct Control {
    state: Mutex<StopState>,
    batch_refused: AtomicBool,
    pub(crate) event_read: AtomicBool,
    /// Ctrl-C (1) or SIGTERM (2), once asked to stop; 0 before.
    interrupted: std::sync::atomic::AtomicU8,
    /// Wakes workers waiting out a backoff when the run stops.
    wake: tokio::sync::Notify,
    pub retries: AtomicU64,
    /// Rows Zoom confirmed in this run (to tell exit code 3 from 4).
    pub confirmed: AtomicU64,
    /// Of those, rows whose answers were lost and that Zoom's lists showed registered.
    pub settled_by_reading: AtomicU64,
    /// Requests in a row that got no answer at all ([`Control::unanswered`]).
    unanswered: AtomicU64,
}

/// Requests in a row without any answer from Zoom (no connection, or it broke off or timed out)
/// after which a run stops sending: Zoom is unreachable from here, and each further row would
/// only spend its three daily requests on nothing. Three rounds of 16 rows in flight, each
/// tried three times: far beyond what dropped connections here and there ever reach.
pub const UNREACHABLE_AFTER: u64 = 48;

#[derive(Debug, Default, Clone)]
struct StopState {
    run: Option<String>,
    /// Zoom stopped answering: what the last request met.
    unreachable: Option<String>,
    light_daily: Option<Option<SystemTime>>,
    heavy_daily: Option<Option<SystemTime>>,
}

/// Asks a run to stop, from outside it: `main` does on Ctrl-C or SIGTERM, a test directly.
/// Only a run with something to finish or to clean up listens: a real run that is sending stops
/// taking rows, lets the requests in flight finish and writes the results; a dry run stops
/// reading and leaves no results file.
#[derive(Debug, Clone, Default)]
pub struct Stopper {
    listening: Arc<Mutex<Option<Listener>>>,
}

#[derive(Debug)]
struct Listener {
    control: Arc<Control>,
    /// What the run does once asked, as the console says it.
    then: &'static str,
}

impl Stopper {
    /// Asks the run to stop; what it does now, or `None` if no run listens (nothing needs
    /// finishing or cleaning up: the caller may stop at once).
    pub fn stop(&self, how: Interrupt) -> Option<&'static str> {
        let listening = self
            .listening
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        listening.as_ref().map(|listener| {
            listener.control.interrupt(how);
            listener.then
        })
    }

    /// Listens for a stop on behalf of `control` until the guard is dropped; `then`: what the
    /// run does once asked.
    pub(crate) fn listen(&self, control: Arc<Control>, then: &'static str) -> Listening<'_> {
        *self
            .listening
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Listener { control, then });
        Listening { stopper: self }
    }
}

/// [`Stopper::listen`]'s guard.
pub(crate) struct Listening<'a> {
    stopper: &'a Stopper,
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        *self
            .stopper
            .listening
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

/// Why a run stopped early, for the summary.
#[derive(Debug, Clone, Default)]
pub struct Stopped {
    /// A run-level error: the event or the credentials.
    pub run: Option<String>,
    /// Zoom stopped answering ([`Control::unanswered`]).
    pub unreachable: Option<String>,
    /// A daily quota was used up; the time Zoom gave for resuming, if any.
    pub daily: bool,
    pub resume_at: Option<SystemTime>,
}

impl Control {
    fn lock(&self) -> std::sync::MutexGuard<'_, StopState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stops the run; the first reason given is kept.
    pub fn stop_run(&self, reason: String) {
        {
            let mut state = self.lock();
            if state.run.is_none() {
                state.run = Some(reason);
            }
        }
        self.wake.notify_waiters();
    }

    /// A request got an answer from Zoom (any HTTP status): it is reachable.
    pub fn answered(&self) {
        self.unanswered.store(0, Ordering::Relaxed);
    }

    /// A request got no answer at all (`why`: what it met). After [`UNREACHABLE_AFTER`] in a
    /// row, sending stops: the rows not confirmed are pending, for a run once Zoom answers.
    pub fn unanswered(&self, why: &str) {
        let in_a_row = self
            .unanswered
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        if in_a_row < UNREACHABLE_AFTER {
            return;
        }
        {
            let mut state = self.lock();
            if state.unreachable.is_none() {
                state.unreachable = Some(format!(
                    "{in_a_row} requests in a row got no answer (the last: {why})"
                ));
            }
        }
        self.wake.notify_waiters();
    }

    /// Ctrl-C or SIGTERM: send nothing more.
    pub fn interrupt(&self, how: Interrupt) {
        let code = match how {
            Interrupt::CtrlC => 1,
            Interrupt::Terminate => 2,
            Interrupt::HangUp => 3,
        };
        let _ = self
            .interrupted
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
        self.wake.notify_waiters();
    }

    pub fn interrupted(&self) -> bool {
        self.interruption().is_some()
    }

    /// How the run was asked to stop, if it was.
    pub fn interruption(&self) -> Option<Interrupt> {
        match self.interrupted.load(Ordering::SeqCst) {
            1 => Some(Interrupt::CtrlC),
            2 => Some(Interrupt::Terminate),
            3 => Some(Interrupt::HangUp),
            _ => None,
        }
    }

    /// Waits `duration`, or less if the run stops meanwhile.
    pub async fn pause(&self, duration: Duration) {
        let woken = self.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if self.interrupted() || self.lock().stops_everything() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            () = woken => {}
        }
    }

    pub fn stop_daily(&self, category: Category, resume_at: Option<SystemTime>) {
        let mut state = self.lock();
        let slot = match category {
            Category::Light | Category::Medium => &mut state.light_daily,
            Category::Heavy => &mut state.heavy_daily,
        };
        if slot.is_none() {
            *slot = Some(resume_at);
        }
        drop(state);
        self.wake.notify_waiters();
    }

    /// Why a row of `category` must not be sent now, if it must not; [`Job::stopped`] words it
    /// for the row.
    ///
    /// [`Job::stopped`]: crate::zoom::job::Job::stopped
    pub fn refusal_for(&self, category: Category) -> Option<String> {
        if self.interrupted() {
            return Some(
                "the run was interrupted; run the same command again to send it".to_string(),
            );
        }
        let state = self.lock();
        if let Some(reason) = &state.run {
            return Some(format!("the run stopped ({reason})"));
        }
        if let Some(reason) = &state.unreachable {
            return Some(format!(
                "Zoom stopped answering ({reason}); run the same command again once it answers"
            ));
        }
        let daily = match category {
            Category::Light | Category::Medium => state.light_daily,
            Category::Heavy => state.heavy_daily,
        };
        daily.map(|resume_at| {
            let (name, when) = match category {
                Category::Light => ("single adds (Light)", resume_text(resume_at)),
                Category::Medium => ("status changes (Medium)", resume_text(resume_at)),
                Category::Heavy => ("batch registration (Heavy)", resume_text(resume_at)),
            };
            format!("the account's daily Zoom quota for {name} is used up; run again {when}")
        })
    }

    /// Returns once requests of `category` may no longer start.
    pub async fn until_stopped(&self, category: Category) {
        loop {
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.refusal_for(category).is_some() {
                return;
            }
            woken.await;
        }
    }

    /// Batch registration does not fit this event or token: single adds only.
    pub fn refuse_batch(&self) {
        self.batch_refused.store(true, Ordering::Relaxed);
    }

    /// The checks before the run read the event with the same token.
    pub fn event_was_read(&self) {
        self.event_read.store(true, Ordering::Relaxed);
    }

    pub fn batch_refused(&self) -> bool {
        self.batch_refused.load(Ordering::Relaxed)
    }

    pub fn stopped(&self) -> Stopped {
        let state = self.lock().clone();
        let daily: Vec<Option<SystemTime>> = [state.light_daily, state.heavy_daily]
            .into_iter()
            .flatten()
            .collect();
        Stopped {
            run: state.run,
            unreachable: state.unreachable,
            daily: !daily.is_empty(),
            resume_at: daily.into_iter().flatten().max(),
        }
    }
}

impl StopState {
    /// Whether no request of any category may start.
    fn stops_everything(&self) -> bool {
        self.run.is_some() || self.unreachable.is_some()
    }
}

/// "after 2026-11-24T00:00:00Z", or "tomorrow, after 00:00 UTC" when Zoom gave no time.
pub fn resume_text(resume_at: Option<SystemTime>) -> String {
    match resume_at {
        Some(at) => format!("after {}", humantime::format_rfc3339_seconds(at)),
        None => "tomorrow, after 00:00 UTC".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sending_stops_only_after_requests_in_a_row_go_unanswered() {
        let control = Control::default();
        for _ in 1..UNREACHABLE_AFTER {
            control.unanswered("connection refused");
        }
        // Any answer starts the count again.
        control.answered();
        for _ in 1..UNREACHABLE_AFTER {
            control.unanswered("connection refused");
        }
        assert_eq!(control.refusal_for(Category::Light), None);
        control.unanswered("connection refused");
        for category in [Category::Light, Category::Medium, Category::Heavy] {
            let refusal = control.refusal_for(category).expect("stopped");
            assert!(refusal.contains("Zoom stopped answering"), "{refusal}");
            assert!(refusal.contains("connection refused"), "{refusal}");
        }
        let stopped = control.stopped();
        assert!(
            stopped.run.is_none(),
            "not a run-level error: exit 4, not 3"
        );
        assert!(stopped.unreachable.is_some());
    }
}
