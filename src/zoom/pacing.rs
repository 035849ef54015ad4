//! Pacing: the requests of one Zoom rate-limit category, spaced so that no one-second window
//! (Zoom's, or the stricter sliding one of the fake) ever holds more than the category allows,
//! while a timer that wakes late does not cost throughput.
//!
//! This is GCRA (the algorithm of the `governor` crate) with a tolerance of a few milliseconds
//! instead of whole requests, on tokio's own timer:
//! - governor's async wait runs on a timer thread of its own, and every waiting worker slept
//!   on it, so each slot woke all of them across threads: about a quarter of a single add's
//!   CPU (BENCHMARKS.md);
//! - tokio's timer, with governor's choices (a burst of whole requests, or none), either lost
//!   each late wake-up for good (efficiency 0.92) or sent 429s (burst 2). governor cannot express
//!   a tolerance smaller than one request.
//!
//! A request may go up to the tolerance (4 ms) before its slot on the schedule, so a late
//! wake-up within it is made up at the next slot. The spacing is widened by that tolerance and
//! an arrival margin, which keeps the guarantee: any N+1 requests span at least one second.
//!
//! A category that has been idle for a whole window may send its first few requests
//! (`IDLE_BURST`) at once, each still taking its slot, so the ones after them wait as if
//! they had been spaced: the checks before sending go out together, and the guarantee holds
//! (a request is never later than its own slot is early, and only a burst is early by more
//! than the tolerance).
//!
//! A 429 for going too fast means the account allows less than its plan's ceiling (other apps
//! share it): the category slows down, at most once a window (the refusals of requests already
//! sent answer to the same pace), to the share of its requests that Zoom let through since it
//! last changed pace (at most seven tenths of its pace, at least three tenths), and speeds up
//! again by a twentieth after each 5 seconds without one, never past the ceiling. Slower only widens
//! the spacing, so the guarantee above holds throughout. The fastest pace that was used for 5
//! seconds without a refusal (until one comes at that pace or slower) is what the account
//! allows, as far as the run found out: the summary advises it.

// With the benchmark's `pacer-governor`, the schedule below is left unused.
#![cfg_attr(feature = "pacer-governor", allow(dead_code, unused_imports))]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::model::Pace;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// How far ahead of its slot a request may go: more than tokio's timer (millisecond ticks) is
/// late in practice, so late wake-ups are made up instead of lost.
const TOLERANCE: Duration = Duration::from_millis(4);

/// Room for requests that reach Zoom slightly unevenly after they leave (scheduling, network).
/// 2 ms let 2 of 1,200 batch calls at 40/s through as 429s against the fake's sliding window;
/// each costs 30 people one of their three adds a day.
const ARRIVAL_MARGIN: Duration = Duration::from_millis(5);

/// Requests an idle category may send at once (fewer if it allows fewer a second): the
/// three registrant lists of the checks before sending, which are Medium.
const IDLE_BURST: u32 = 3;

/// A category slowed by refusals gets back a twentieth of its pace after this long without one.
const RECOVER_AFTER: Duration = Duration::from_secs(5);

/// The slowest a category goes however often Zoom refuses: a sixteenth of its ceiling.
const SLOWEST: u32 = 16;

/// The pace of one category: at most `per_second` requests in any one-second window.
#[cfg(not(feature = "pacer-governor"))]
pub struct Pacer {
    /// The schedule. Its lock is also the queue: one task sleeps for the next slot while the
    /// others wait their turn (tokio's mutex is fair), so each slot wakes one task, not all.
    schedule: Mutex<Schedule>,
    /// Requests Zoom refused as too fast since the schedule last looked (counted without
    /// waiting for the lock, which a sleeping request holds).
    refused: AtomicU32,
}

#[cfg(not(feature = "pacer-governor"))]
impl Pacer {
    /// A pacer for `per_second` requests a second (0 counts as 1).
    pub fn per_second(per_second: u32) -> Pacer {
        Pacer {
            schedule: Mutex::new(Schedule::per_second(per_second)),
            refused: AtomicU32::new(0),
        }
    }

    /// Waits until one more request may be sent, and takes its slot.
    pub async fn wait(&self) {
        let mut schedule = self.schedule.lock().await;
        let now = Instant::now();
        let refused = self.refused.swap(0, Ordering::Relaxed);
        if refused > 0 {
            schedule.refused(refused, now);
        }
        if let Some(earliest) = schedule.earliest() {
            tokio::time::sleep_until(earliest).await;
        }
        schedule.take(Instant::now());
    }

    /// Zoom refused a request of this category for going too fast: the next one slows down.
    pub fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Where Zoom's refusals left this category, if they slowed it; read once the run is over
    /// (while a request holds the schedule, `None`).
    pub fn slowed(&self) -> Option<Pace> {
        let schedule = self.schedule.try_lock().ok()?;
        schedule.changed_at.map(|_| Pace {
            per_second: schedule.pace(),
            held: schedule.held_pace(),
        })
    }
}

/// The pace of one category with the `governor` crate: its GCRA with a burst of 1, on its own
/// timer, one waiter at a time (so each slot wakes one task). For the side-by-side benchmark.
#[cfg(feature = "pacer-governor")]
pub struct Pacer {
    limiter: governor::DefaultDirectRateLimiter,
    turn: Mutex<()>,
}

#[cfg(feature = "pacer-governor")]
impl Pacer {
    /// A pacer for `per_second` requests a second (0 counts as 1).
    pub fn per_second(per_second: u32) -> Pacer {
        let rate = std::num::NonZeroU32::new(per_second).unwrap_or(std::num::NonZeroU32::MIN);
        Pacer {
            limiter: governor::RateLimiter::direct(
                governor::Quota::per_second(rate).allow_burst(std::num::NonZeroU32::MIN),
            ),
            turn: Mutex::new(()),
        }
    }

    /// Waits until one more request may be sent, and takes its slot.
    pub async fn wait(&self) {
        let _turn = self.turn.lock().await;
        self.limiter.until_ready().await;
    }

    /// governor's pace is fixed.
    pub fn refused(&self) {}

    pub fn slowed(&self) -> Option<Pace> {
        None
    }
}

/// The GCRA schedule of one category, without the waiting.
#[derive(Debug)]
struct Schedule {
    /// The time between slots at the ceiling: (1 s + tolerance + margin) / per_second.
    ceiling: Duration,
    /// The time between slots now: the ceiling's, or longer after Zoom refused requests.
    interval: Duration,
    /// When `interval` last changed, if it ever did.
    changed_at: Option<Instant>,
    /// The shortest interval that went [`RECOVER_AFTER`] without a refusal since Zoom first
    /// refused one, with nine tenths of its slots taken; forgotten when a refusal comes at that
    /// pace or slower.
    held: Option<Duration>,
    /// Requests since `interval` last changed, and refusals Zoom gave since then.
    taken_since_change: u32,
    refused_since_change: u32,
    /// The window that no more than per_second requests may share: 1 s + tolerance + margin.
    window: Duration,
    /// The requests an idle category may send at once.
    burst: u32,
    /// The next request's slot ("theoretical arrival time"); `None` before the first request.
    next_slot: Option<Instant>,
    /// What is left of the burst that the last idle start allowed.
    burst_left: u32,
}

impl Schedule {
    fn per_second(per_second: u32) -> Schedule {
        let per_second = per_second.max(1);
        let window = Duration::from_secs(1) + TOLERANCE + ARRIVAL_MARGIN;
        Schedule {
            ceiling: window / per_second,
            interval: window / per_second,
            changed_at: None,
            held: None,
            taken_since_change: 0,
            refused_since_change: 0,
            window,
            burst: per_second.min(IDLE_BURST),
            next_slot: None,
            burst_left: 0,
        }
    }

    /// The earliest time the next request may go (`None`: at once).
    fn earliest(&self) -> Option<Instant> {
        if self.burst_left > 0 {
            return None;
        }
        self.next_slot
            .map(|slot| slot.checked_sub(TOLERANCE).unwrap_or(slot))
    }

    /// Records a request sent at `now` (no earlier than [`Schedule::earliest`]). A request
    /// within the tolerance before or after its slot keeps the schedule; a later one (the
    /// category was idle, or the wake-up very late) starts it again from `now`. Either way the
    /// request takes a slot, so a burst is paid back by the requests after it. A slowed pace
    /// quiet for [`RECOVER_AFTER`] speeds up (and held, if it was used).
    fn take(&mut self, now: Instant) {
        let recovered = self.interval > self.ceiling
            && self
                .changed_at
                .is_some_and(|at| now.saturating_duration_since(at) >= RECOVER_AFTER);
        if recovered {
            // Held only if it was used: nine tenths of its slots taken, not a pace that a
            // few requests now and then never reached.
            let slots = RECOVER_AFTER.as_secs_f64() / self.interval.as_secs_f64();
            if f64::from(self.taken_since_change) >= slots * 0.9 {
                self.held = Some(
                    self.held
                        .map_or(self.interval, |held| held.min(self.interval)),
                );
            }
            self.interval = self.interval.mul_f64(0.95).max(self.ceiling);
            self.changed_at = Some(now);
            self.taken_since_change = 0;
            self.refused_since_change = 0;
        }
        self.taken_since_change = self.taken_since_change.saturating_add(1);
        self.burst_left = if self.idle_at(now) {
            self.burst - 1
        } else {
            self.burst_left.saturating_sub(1)
        };
        let slot = self.next_slot.map_or(now, |slot| slot.max(now));
        self.next_slot = Some(slot + self.interval);
    }

    /// Zoom refused `count` more requests as too fast: slows down, unless it did within the
    /// last window already. Whether it slowed.
    fn refused(&mut self, count: u32, now: Instant) -> bool {
        self.refused_since_change = self.refused_since_change.saturating_add(count);
        self.slow_down(now)
    }

    /// Slows down after refusals, unless it did within the last window already: to the share of
    /// the requests since the last change that Zoom did not refuse (what it lets through), at
    /// most seven tenths of the pace and at least three tenths. Whether it slowed.
    fn slow_down(&mut self, now: Instant) -> bool {
        if self
            .changed_at
            .is_some_and(|at| now.saturating_duration_since(at) < self.window)
            && self.interval > self.ceiling
        {
            return false;
        }
        if self.held.is_some_and(|held| self.interval >= held) {
            // Refused at a pace that held before: the account allows less now.
            self.held = None;
        }
        let taken = f64::from(self.taken_since_change.max(1));
        let let_through = 1.0 - f64::from(self.refused_since_change) / taken;
        let factor = let_through.clamp(0.3, 0.7);
        let slower = self.interval.div_f64(factor).min(self.ceiling * SLOWEST);
        // The next slot moves with the pace, from the last request's.
        self.next_slot = self.next_slot.map(|next| {
            next.checked_sub(self.interval)
                .map_or(next, |last| last + slower)
        });
        self.interval = slower;
        self.changed_at = Some(now);
        self.taken_since_change = 0;
        self.refused_since_change = 0;
        true
    }

    /// Requests a second at the current pace (at least 1).
    fn pace(&self) -> u32 {
        per_second(self.interval)
    }

    /// Requests a second at the fastest pace that held without a refusal, if one did.
    fn held_pace(&self) -> Option<u32> {
        self.held.map(per_second)
    }

    /// No request has gone within a window before `now` (each went no later than its slot,
    /// and the last slot is one interval before the next).
    fn idle_at(&self, now: Instant) -> bool {
        let Some(next_slot) = self.next_slot else {
            return true;
        };
        let last_slot = next_slot.checked_sub(self.interval).unwrap_or(next_slot);
        last_slot
            .checked_add(self.window)
            .is_some_and(|quiet_until| now >= quiet_until)
    }
}

/// Requests a second, a request every `interval` (at least 1).
fn per_second(interval: Duration) -> u32 {
    let per_second = Duration::from_secs(1).as_secs_f64() / interval.as_secs_f64().max(1e-9);
    (per_second as u32).max(1)
}

#[cfg(test)]
mod tests;
