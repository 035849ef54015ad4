//! The pacer's schedule: the ceiling kept, late wake-ups made up, bursts paid back, and the
//! pace after Zoom's refusals.

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
        Some(Pace {
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

#[test]
fn a_pace_only_holds_if_it_was_used() {
    let mut schedule = Schedule::per_second(80);
    let mut now = Instant::now();
    schedule.take(now);
    assert!(schedule.slow_down(now));
    // A request a second for 30 s: the pace comes back up, but none of it was tried.
    for _ in 0..30 {
        now += Duration::from_secs(1);
        schedule.take(now);
    }
    assert!(schedule.pace() > 55, "it recovered: {}", schedule.pace());
    assert_eq!(schedule.held_pace(), None);
    // Used in full for 5 s: that pace held.
    let pace = schedule.pace();
    let until = now + Duration::from_secs(6);
    while now < until {
        if let Some(earliest) = schedule.earliest() {
            now = now.max(earliest);
        }
        schedule.take(now);
    }
    assert_eq!(schedule.held_pace(), Some(pace));
}

#[test]
fn many_refusals_cut_the_pace_to_what_zoom_let_through() {
    // At 80 a second against an account that lets 30 through: after a window, the pace is
    // what got through (less the ones already sent), not seven tenths of 80 and then of 56.
    let mut schedule = Schedule::per_second(80);
    let mut now = Instant::now();
    for _ in 0..10 {
        schedule.take(now);
    }
    assert!(schedule.refused(1, now), "the first refusal slows at once");
    assert_eq!(schedule.pace(), 55, "to seven tenths: 1 of 10 refused");
    let until = now + Duration::from_millis(1_100);
    let mut sent = 0;
    while now < until {
        if let Some(earliest) = schedule.earliest() {
            now = now.max(earliest);
        }
        schedule.take(now);
        sent += 1;
    }
    // Zoom let 30 of them through.
    assert!(schedule.refused(sent - 30, now));
    assert!((27..=30).contains(&schedule.pace()), "{}", schedule.pace());
    // A few refusals never cut more than to seven tenths, and all of them to three tenths.
    let mut few = Schedule::per_second(80);
    for _ in 0..10 {
        few.take(now);
    }
    assert!(few.refused(1, now));
    assert_eq!(few.pace(), 55);
    let mut all = Schedule::per_second(80);
    for _ in 0..10 {
        all.take(now);
    }
    assert!(all.refused(10, now));
    assert_eq!(all.pace(), 23);
}
