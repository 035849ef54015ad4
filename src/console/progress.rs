//! Progress of a real run on standard error: on a terminal a bar (rows done of the total,
//! registered, failed and pending, the time so far, the rate of the rows actually sent and an
//! ETA from it once it means something); elsewhere (cron, CI) a line every 5 seconds with the
//! same; nothing with `--quiet`. A spinner for work of unknown length (an export's pages).
//!
//! While a bar or spinner is on screen, every other line the console prints clears it first
//! and draws it again below ([`above_the_bar`]), so no warning lands inside the bar.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Console;
use super::Verbosity;
use crate::model::Command;
use crate::model::Counts;

/// The bar or spinner on screen, if any: the console prints above it.
static SHOWN: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Runs `write` (a line for standard error) with the bar on screen, if any, cleared.
pub(super) fn above_the_bar(write: impl FnOnce()) {
    let shown = SHOWN.lock().ok().and_then(|shown| shown.clone());
    match shown {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

fn show(bar: &indicatif::ProgressBar) {
    if let Ok(mut shown) = SHOWN.lock() {
        *shown = Some(bar.clone());
    }
}

fn clear(bar: &indicatif::ProgressBar) {
    bar.finish_and_clear();
    if let Ok(mut shown) = SHOWN.lock() {
        *shown = None;
    }
}

/// How often the bar's text and the log line are made anew.
const REDRAW: Duration = Duration::from_millis(200);
const LOG_EVERY: Duration = Duration::from_secs(5);
/// An ETA says nothing before this many rows were sent, or this long.
const ETA_AFTER_ROWS: u64 = 20;
const ETA_AFTER: Duration = Duration::from_secs(3);

/// Progress of a run's rows.
pub struct Progress {
    /// A bar on a terminal, or the console for a line every [`LOG_EVERY`]; neither when
    /// hidden.
    bar: Option<indicatif::ProgressBar>,
    log: Option<Console>,
    total: u64,
    /// Rows the run sends, and those sent so far (settled rows are not: they take no time).
    to_send: u64,
    sent: u64,
    started: Instant,
    last_drawn: Instant,
    /// What the run does: an import's rows are `registered`, a status change's `changed`.
    command: Command,
}

impl Progress {
    /// No progress display (dry runs are over in seconds).
    fn hidden() -> Progress {
        let now = Instant::now();
        Progress {
            bar: None,
            log: None,
            total: 0,
            to_send: 0,
            sent: 0,
            started: now,
            last_drawn: now,
            command: Command::Import,
        }
    }

    /// Progress of `total` rows of `command`, of which `to_send` are sent.
    pub fn new(console: &Console, total: u64, to_send: u64, command: Command) -> Progress {
        let mut progress = Progress {
            total,
            to_send,
            command,
            ..Progress::hidden()
        };
        if console.verbosity == Verbosity::Quiet {
            return progress;
        }
        if console.stamped {
            progress.log = Some(*console);
            return progress;
        }
        let bar = indicatif::ProgressBar::new(total);
        // Two lines, each within 80 columns: the bar with the time, rate and ETA; the counts.
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:20} {pos}/{len} rows  {prefix}\n  {wide_msg}",
        ) {
            bar.set_style(style);
        }
        show(&bar);
        progress.bar = Some(bar);
        progress
    }

    /// `12 registered, 587 already registered, 0 failed, 3 pending` (and the rows settled
    /// otherwise, when there are any), so the counts add up to the rows done.
    fn counts(&self, counts: &Counts) -> String {
        let (done, already, label) = match self.command {
            Command::Import => (
                "registered",
                counts.already_registered,
                "already registered",
            ),
            Command::Change(_) => ("changed", counts.unchanged, "unchanged"),
        };
        let mut text = format!("{} {done}", counts.done(self.command));
        if already > 0 {
            text.push_str(&format!(", {already} {label}"));
        }
        text.push_str(&format!(
            ", {} failed, {} pending",
            counts.failed, counts.pending
        ));
        let other = counts
            .total()
            .saturating_sub(counts.done(self.command) + already + counts.failed + counts.pending);
        if other > 0 {
            text.push_str(&format!(", {other} not sent (invalid, duplicate, …)"));
        }
        text
    }

    /// `0:42 elapsed, 28.3 rows/s, ETA 1:10` (`28.3/s` on a bar): the rate over the rows
    /// sent, and an ETA once it means something.
    fn timing(&self, style: Style) -> String {
        let elapsed = self.started.elapsed();
        let rate_word = match style {
            Style::Log => " rows/s",
            Style::Bar => "/s",
        };
        let mut text = format!("{} elapsed", clock(elapsed));
        let seconds = elapsed.as_secs_f64();
        if self.sent > 0 && seconds >= 1.0 {
            let rate = self.sent as f64 / seconds;
            text.push_str(&format!(", {rate:.1}{rate_word}"));
            if self.sent >= ETA_AFTER_ROWS && elapsed >= ETA_AFTER {
                let left = self.to_send.saturating_sub(self.sent) as f64 / rate;
                text.push_str(&format!(", ETA {}", clock(Duration::from_secs_f64(left))));
            }
        }
        text
    }
}

impl crate::results::Watch for Progress {
    fn advance(&mut self, counts: &Counts, sent: bool) {
        if sent {
            self.sent += 1;
        }
        if let Some(bar) = &self.bar {
            bar.set_position(counts.total());
            if self.last_drawn.elapsed() >= REDRAW {
                self.last_drawn = Instant::now();
                bar.set_prefix(self.timing(Style::Bar));
                bar.set_message(self.counts(counts));
            }
        } else if let Some(console) = &self.log {
            if self.last_drawn.elapsed() >= LOG_EVERY {
                self.last_drawn = Instant::now();
                console.say(format_args!(
                    "progress: {}/{} rows, {}, {}",
                    counts.total(),
                    self.total,
                    self.counts(counts),
                    self.timing(Style::Log)
                ));
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            clear(bar);
        }
    }
}

/// Where progress text goes.
#[derive(Clone, Copy)]
enum Style {
    Bar,
    Log,
}

/// `0:42`, `12:05`, `1:02:03`.
fn clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..3600 => format!("{}:{:02}", seconds / 60, seconds % 60),
        _ => format!(
            "{}:{:02}:{:02}",
            seconds / 3600,
            (seconds % 3600) / 60,
            seconds % 60
        ),
    }
}

/// A spinner with a line of text ([`Console::spinner`]); cleared when finished.
pub struct Spinner {
    bar: Option<indicatif::ProgressBar>,
}

impl Spinner {
    pub(super) fn new(shown: bool) -> Spinner {
        Spinner {
            bar: shown.then(|| {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.enable_steady_tick(Duration::from_millis(120));
                show(&bar);
                bar
            }),
        }
    }

    pub fn say(&self, text: impl std::fmt::Display) {
        if let Some(bar) = &self.bar {
            bar.set_message(crate::outside::shown(&text.to_string()));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            clear(bar);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Watch;

    #[test]
    fn times_read_as_a_clock() {
        assert_eq!(clock(Duration::from_secs(42)), "0:42");
        assert_eq!(clock(Duration::from_secs(725)), "12:05");
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
    }

    #[test]
    fn the_rate_counts_only_rows_sent_and_the_eta_waits_until_it_means_something() {
        let mut progress = Progress {
            total: 1_000,
            to_send: 100,
            ..Progress::hidden()
        };
        let mut counts = Counts::default();
        // 900 rows settled at once (already registered): no rate, no ETA.
        for _ in 0..900 {
            counts.add(crate::model::Status::AlreadyRegistered);
            progress.advance(&counts, false);
        }
        progress.started = Instant::now() - Duration::from_secs(10);
        assert_eq!(
            progress.counts(&counts),
            "0 registered, 900 already registered, 0 failed, 0 pending"
        );
        assert_eq!(progress.timing(Style::Log), "0:10 elapsed");
        for _ in 0..50 {
            counts.add(crate::model::Status::Registered);
            progress.advance(&counts, true);
        }
        // 50 sent in 10 s: 5 a second, 50 to go.
        counts.add(crate::model::Status::Duplicate);
        progress.advance(&counts, false);
        assert_eq!(
            progress.counts(&counts),
            "50 registered, 900 already registered, 0 failed, 0 pending, 1 not sent (invalid, duplicate, …)"
        );
        assert_eq!(
            progress.timing(Style::Log),
            "0:10 elapsed, 5.0 rows/s, ETA 0:10"
        );
        assert_eq!(progress.timing(Style::Bar), "0:10 elapsed, 5.0/s, ETA 0:10");
    }
}
