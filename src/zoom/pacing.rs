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
//! share it): the category slows to seven tenths of its pace, at most once a window (the
//! refusals of requests already sent answer to the same pace), and speeds up again by a
//! twentieth after each 5 seconds without one, never past the ceiling. Slower only widens
//! the spacing, so the guarantee above holds throughout. The fastest pace that went 5 seconds
//! without a refusal (until one comes at that pace or slower) is what the account allows, as
//! far as the run found out: the summary advises it.

// With the benchmark's `pacer-governor`, the schedule below is left unused.
#![cfg_attr(feature = "pacer-governor", allow(dead_code, unused_imports))]

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

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
    /// Zoom refused a request as too fast since the schedule last looked (set without waiting
    /// for the lock, which a sleeping request holds).
    refused: AtomicBool,
    /// Requests a second now, and the fastest pace that held without a refusal, as the
    /// schedule last left them; both 0 until Zoom refused a request as too fast.
    pace: AtomicU32,
    held: AtomicU32,
}

/// The pace of a category that Zoom's refusals slowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slowed {
    /// Requests a second at the end.
    pub per_second: u32,
    /// The fastest pace that went [`RECOVER_AFTER`] without a refusal, if one did.
    pub held: Option<u32>,
}

#[cfg(not(feature = "pacer-governor"))]
impl Pacer {
    /// A pacer for `per_second` requests a second (0 counts as 1).
    pub fn per_second(per_second: u32) -> Pacer {
        Pacer {
            schedule: Mutex::new(Schedule::per_second(per_second)),
            refused: AtomicBool::new(false),
            pace: AtomicU32::new(0),
            held: AtomicU32::new(0),
        }
    }

    /// Waits until one more request may be sent, and takes its slot.
    pub async fn wait(&self) {
        let mut schedule = self.schedule.lock().await;
        let now = Instant::now();
        let slowed = self.refused.swap(false, Ordering::Relaxed) && schedule.slow_down(now);
        if let Some(earliest) = schedule.earliest() {
            tokio::time::sleep_until(earliest).await;
        }
        let recovered = schedule.take(Instant::now());
        if slowed || recovered {
            self.pace.store(schedule.pace(), Ordering::Relaxed);
            self.held
                .store(schedule.held_pace().unwrap_or(0), Ordering::Relaxed);
        }
    }

    /// Zoom refused a request of this category for going too fast: the next one slows down.
    pub fn refused(&self) {
        self.refused.store(true, Ordering::Relaxed);
    }

    /// Where Zoom's refusals left this category, if they slowed it.
    pub fn slowed(&self) -> Option<Slowed> {
        let per_second = self.pace.load(Ordering::Relaxed);
        let held = self.held.load(Ordering::Relaxed);
        (per_second > 0).then_some(Slowed {
            per_second,
            held: (held > 0).then_some(held),
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

    pub fn slowed(&self) -> Option<Slowed> {
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
    /// refused one; forgotten when a refusal comes at that pace or slower.
    held: Option<Duration>,
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
    /// request takes a slot, so a burst is paid back by the requests after it. Whether a
    /// slowed pace, quiet for [`RECOVER_AFTER`], held and sped up.
    fn take(&mut self, now: Instant) -> bool {
        let recovered = self.interval > self.ceiling
            && self
                .changed_at
                .is_some_and(|at| now.saturating_duration_since(at) >= RECOVER_AFTER);
        if recovered {
            self.held = Some(
                self.held
                    .map_or(self.interval, |held| held.min(self.interval)),
            );
            self.interval = self.interval.mul_f64(0.95).max(self.ceiling);
            self.changed_at = Some(now);
        }
        self.burst_left = if self.idle_at(now) {
            self.burst - 1
        } else {
            self.burst_left.saturating_sub(1)
        };
        let slot = self.next_slot.map_or(now, |slot| slot.max(now));
        self.next_slot = Some(slot + self.interval);
        recovered
    }

    /// Zoom refused a request as too fast: seven tenths of the pace, unless it slowed within
    /// the last window already. Whether it slowed.
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
        let slower = self.interval.div_f64(0.7).min(self.ceiling * SLOWEST);
        // The next slot moves with the pace, from the last request's.
        self.next_slot = self.next_slot.map(|next| {
            next.checked_sub(self.interval)
                .map_or(next, |last| last + slower)
        });
        self.interval = slower;
        self.changed_at = Some(now);
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
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The most times that fall within any one-second window (closed at the start, open at
    /// the end, as the fake and Zoom count).
    fn most_in_a_second(times: &[Instant]) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t < *start + Duration::from_secs(1))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// Sends `count` requests on `schedule`, each woken `lateness(i)` after its earliest time.
    fn simulate(
        schedule: &mut Schedule,
        count: usize,
        lateness: impl Fn(usize) -> Duration,
    ) -> Vec<Instant> {
        let mut now = Instant::now();
        let mut sent = Vec::with_capacity(count);
        for i in 0..count {
            if let Some(earliest) = schedule.earliest() {
                now = now.max(earliest + lateness(i));
            }
            schedule.take(now);
            sent.push(now);
        }
        sent
    }

    #[test]
    fn late_wake_ups_within_the_tolerance_cost_nothing_and_never_exceed_the_ceiling() {
        for per_second in [1, 10, 30, 80] {
            let mut schedule = Schedule::per_second(per_second);
            let count = per_second as usize * 5;
            // The timer wakes 0 to 3 ms late, unevenly.
            let sent = simulate(&mut schedule, count, |i| {
                Duration::from_micros((i as u64 * 7919) % 3000)
            });
            assert_eq!(most_in_a_second(&sent), per_second as usize);
            // The schedule did not slip: the last request went no later than its slot.
            let last_slot = sent[0] + schedule.interval * (count as u32 - 1);
            assert!(sent[count - 1] <= last_slot, "{per_second}/s slipped");
        }
    }

    #[test]
    fn very_late_wake_ups_lose_time_but_never_exceed_the_ceiling() {
        let mut schedule = Schedule::per_second(30);
        let sent = simulate(&mut schedule, 300, |i| {
            Duration::from_millis(if i % 7 == 0 { 25 } else { 0 })
        });
        let most = most_in_a_second(&sent);
        assert!((27..=30).contains(&most), "{most} in a second");
    }

    #[test]
    fn an_idle_category_sends_a_short_burst_that_the_next_requests_pay_back() {
        let mut schedule = Schedule::per_second(10);
        let start = Instant::now();
        for _ in 0..IDLE_BURST {
            assert_eq!(schedule.earliest(), None, "the burst goes at once");
            schedule.take(start);
        }
        // The fourth waits for the fourth slot.
        let fourth = start + schedule.interval * IDLE_BURST - TOLERANCE;
        assert_eq!(schedule.earliest(), Some(fourth));
        schedule.take(fourth);
        // Busy a moment later: no new burst.
        let busy = fourth + Duration::from_millis(500);
        schedule.take(busy);
        assert_eq!(
            schedule.earliest(),
            Some(busy + schedule.interval - TOLERANCE)
        );
        // Idle for a whole window: a burst again.
        let resumed = busy + Duration::from_secs(2);
        schedule.take(resumed);
        assert_eq!(schedule.earliest(), None);
        // A category that allows one a second never bursts.
        let mut slow = Schedule::per_second(1);
        slow.take(start);
        assert!(slow.earliest().is_some());
    }

    #[test]
    fn bursts_after_pauses_never_exceed_the_ceiling() {
        for per_second in [1, 2, 3, 10, 20, 30] {
            let mut schedule = Schedule::per_second(per_second);
            let mut now = Instant::now();
            let mut sent = Vec::new();
            for i in 0..(per_second as u64 * 12) {
                // Pauses of every length around the window, and late wake-ups.
                if i % 7 == 3 {
                    now += Duration::from_millis((i * 131) % 1_400);
                }
                if let Some(earliest) = schedule.earliest() {
                    now = now.max(earliest + Duration::from_micros((i * 7919) % 3000));
                }
                schedule.take(now);
                sent.push(now);
            }
            assert!(
                most_in_a_second(&sent) <= per_second as usize,
                "{per_second}/s: {} in a second",
                most_in_a_second(&sent)
            );
        }
    }

    #[test]
    fn refusals_slow_the_pace_once_a_window_and_quiet_brings_it_back_to_the_ceiling() {
        let mut schedule = Schedule::per_second(80);
        let start = Instant::now();
        for _ in 0..IDLE_BURST {
            schedule.take(start);
        }
        let old = schedule.interval;
        assert!(schedule.slow_down(start));
        assert_eq!(schedule.pace(), 55);
        // The next slot moved with the pace, from the last request's.
        let last = start + old * (IDLE_BURST - 1);
        assert_eq!(
            schedule.earliest(),
            Some(last + schedule.interval - TOLERANCE)
        );
        // The refusals of requests already sent at the old pace change nothing more.
        assert!(!schedule.slow_down(start + Duration::from_millis(500)));
        assert!(schedule.slow_down(start + Duration::from_millis(1_100)));
        assert_eq!(schedule.pace(), 38);
        // Never slower than a sixteenth of the ceiling.
        for second in 2..40 {
            schedule.slow_down(start + Duration::from_secs(second));
        }
        assert_eq!(schedule.pace(), 4);
        // Without refusals, a twentieth faster each 5 s, up to the ceiling and no further.
        let mut now = start + Duration::from_secs(40);
        let mut sent = Vec::new();
        for _ in 0..20_000 {
            if let Some(earliest) = schedule.earliest() {
                now = now.max(earliest);
            }
            schedule.take(now);
            sent.push(now);
        }
        assert_eq!(schedule.interval, schedule.ceiling);
        assert!(most_in_a_second(&sent[sent.len() - 200..]) <= 80);
        let took = now - (start + Duration::from_secs(40));
        // From 4 to 80 a second: 59 steps of 5 s.
        assert!(took > Duration::from_secs(290), "{took:?}");
        // Each step held: the fastest of them, the last below the ceiling.
        assert_eq!(schedule.held_pace(), Some(79));
    }

    #[test]
    fn the_fastest_pace_that_held_is_kept_until_a_refusal_at_it_or_slower() {
        let mut schedule = Schedule::per_second(80);
        let mut now = Instant::now();
        schedule.take(now);
        assert!(schedule.slow_down(now));
        assert_eq!(schedule.held_pace(), None, "nothing held yet");
        // Requests for as long as `seconds`, at the pace the schedule allows.
        let mut run = |schedule: &mut Schedule, seconds: u64| {
            let until = now + Duration::from_secs(seconds);
            while now < until {
                if let Some(earliest) = schedule.earliest() {
                    now = now.max(earliest);
                }
                schedule.take(now);
            }
            now
        };
        run(&mut schedule, 11);
        // 55 a second held 5 s, then its twentieth more (58) did.
        assert_eq!(schedule.held_pace(), Some(58));
        assert_eq!(schedule.pace(), 61);
        // Refused at 61: slower, and 58 still held.
        let at = run(&mut schedule, 1);
        assert!(schedule.slow_down(at));
        assert_eq!(schedule.held_pace(), Some(58));
        assert_eq!(schedule.pace(), 43);
        // Refused at 43, which is slower than what held: the account allows less now.
        let at = run(&mut schedule, 2);
        assert!(schedule.slow_down(at));
        assert_eq!(schedule.held_pace(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_reported_while_a_request_waits_slows_the_next_one() {
        let pacer = Pacer::per_second(10);
        assert_eq!(pacer.slowed(), None);
        // Past the burst an idle category may send.
        for _ in 0..IDLE_BURST {
            pacer.wait().await;
        }
        pacer.refused();
        let before = Instant::now();
        pacer.wait().await;
        pacer.wait().await;
        assert_eq!(
            pacer.slowed(),
            Some(Slowed {
                per_second: 6,
                held: None
            })
        );
        // Two slots at under seven a second after the burst's last (0.49 s, less the
        // tolerance); at the old pace the second would have gone at 0.40 s.
        let took = Instant::now() - before;
        assert!(took >= Duration::from_millis(450), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn workers_sharing_a_pacer_keep_to_the_ceiling_and_close_to_it() {
        let pacer = Arc::new(Pacer::per_second(30));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..8 {
            let pacer = Arc::clone(&pacer);
            workers.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                for _ in 0..40 {
                    pacer.wait().await;
                    sent.push(Instant::now());
                }
                sent
            }));
        }
        let mut times = Vec::new();
        for worker in workers {
            times.extend(worker.await.expect("worker"));
        }
        assert_eq!(times.len(), 320);
        assert_eq!(most_in_a_second(&times), 30);
        // 320 requests at 30/s: 319 intervals (the first three go at once, and the ones after
        // them pay it back), the price of the tolerance and margin under 1%.
        let took = Instant::now() - started;
        let ideal = Duration::from_secs(319) / 30;
        assert!(
            took >= ideal.mul_f64(0.99) && took < ideal.mul_f64(1.01),
            "{took:?}"
        );
    }
}
