//! The closing summary as a person reads it: the rows by status, the first problems, what a
//! real run sent (and why it stopped or slowed, with what to do), what a dry run's real run
//! would send, and where the results are. Its lines are its own: text from outside in them
//! (the input's name, a row's message, Zoom's reasons) is shown escaped, so none adds a line.

use crate::limits::{Estimate, Mode, Plan};
use crate::model::Category;
use crate::model::Command;
use crate::model::Slowed;
use crate::model::Status;
use crate::outside::shown;
use crate::summary::{RunStats, Summary};

pub(super) fn summary_text(summary: &Summary) -> String {
    let mut text = String::new();
    let rows = summary.counts.total();
    let command = match summary.command {
        Command::Import => String::new(),
        other => format!(" ({})", other.name()),
    };
    if summary.dry_run {
        text.push_str(&format!(
            "Dry run of {} for {}{command}: nothing was sent to Zoom.\n",
            shown(&summary.input),
            summary.event
        ));
    } else {
        text.push_str(&format!(
            "Run of {} for {}{command}:\n",
            shown(&summary.input),
            summary.event
        ));
    }
    text.push_str(&format!(
        "Read {} as {}.\n",
        shown(&summary.input),
        summary.encoding
    ));
    text.push_str(&format!("Rows: {rows}"));
    if summary.empty_records > 0 {
        text.push_str(&format!(
            " ({} skipped)",
            count(summary.empty_records, "empty record", "empty records")
        ));
    }
    text.push('\n');
    for status in Status::ALL {
        let count = summary.counts.get(status);
        if count > 0 {
            text.push_str(&format!("  {:<19}{count:>9}\n", status.as_str()));
        }
    }
    let adjusted = &summary.adjusted;
    for (n, one, many) in [
        (
            adjusted.names_split,
            "name split otherwise than at its last space",
            "names split otherwise than at their last space",
        ),
        (
            adjusted.addresses_cleaned,
            "address taken out of what a mail program pasted around it",
            "addresses taken out of what a mail program pasted around them",
        ),
        (
            adjusted.countries_coded,
            "country given by name, sent as its code",
            "countries given by name, sent as their codes",
        ),
        (
            adjusted.countries_left_out,
            "country zimport could not place (not an English name it knows, or one that fits two countries), left out: give its two-letter code to send it",
            "countries zimport could not place (not English names it knows, or names that fit two countries), left out: give their two-letter codes to send them",
        ),
    ] {
        if n > 0 {
            text.push_str(&format!("Adjusted: {}\n", count(n, one, many)));
        }
    }
    if summary.dry_run {
        for example in &summary.names_split {
            text.push_str(&format!("  {}\n", shown(example)));
        }
    }
    if !summary.first_problems.is_empty() {
        let invalid = summary.counts.invalid;
        let more = invalid.saturating_sub(summary.first_problems.len() as u64);
        text.push_str("Problems:\n");
        for problem in &summary.first_problems {
            text.push_str(&format!(
                "  row {} (line {}): {}\n",
                problem.row,
                problem.line,
                shown(&problem.message)
            ));
        }
        if more > 0 {
            text.push_str(&format!("  … and {more} more (see the results file)\n"));
        }
    }
    if let Some(run) = &summary.run {
        text.push_str(&run_text(run, summary.command, summary.plan));
        let pending = summary.counts.pending;
        let explained = run.interrupted.is_some()
            || run.stopped.is_some()
            || run.unreachable.is_some()
            || run.daily_limit;
        if pending > 0 && !explained {
            text.push_str(&format!(
                "{} pending: Zoom did not confirm {} ({} retries: 5xx answers, dropped connections or 429s); the results file says why for each. Run the same command again later to finish {}.\n",
                count(pending, "row is", "rows are"),
                if pending == 1 { "it" } else { "them" },
                run.retries,
                if pending == 1 { "it" } else { "them" },
            ));
        }
    }
    if let Some(estimate) = &summary.estimate {
        text.push_str(&estimate_text(summary, estimate));
        if summary.command == Command::Import {
            text.push_str(&format!("  Options: {}.\n", summary.options));
        }
    }
    text.push_str(&format!(
        "Results: {} ({:.1} s)",
        shown(&summary.results.display().to_string()),
        summary.elapsed_seconds
    ));
    text
}

fn estimate_text(summary: &Summary, estimate: &Estimate) -> String {
    let limits = summary.limits;
    let mut calls = Vec::new();
    if estimate.batch_calls > 0 {
        calls.push(format!(
            "{} (Heavy, {}/s)",
            count(estimate.batch_calls, "batch call", "batch calls"),
            limits.heavy_per_second
        ));
    }
    if estimate.single_calls > 0 {
        calls.push(format!(
            "{} (Light, {}/s)",
            count(estimate.single_calls, "single add", "single adds"),
            limits.light_per_second
        ));
    }
    if estimate.status_calls > 0 {
        calls.push(format!(
            "{} of up to 30 people (Medium, {}/s)",
            count(estimate.status_calls, "status call", "status calls"),
            limits.medium_per_second
        ));
    }
    if calls.is_empty() {
        return "A real run would send nothing.\n".to_string();
    }
    let plan = format!("{:?}", summary.plan).to_lowercase();
    let mode = match summary.command {
        Command::Import => format!(", mode {:?}", summary.mode).to_lowercase(),
        Command::Change(_) => String::new(),
    };
    let mut text = format!(
        "A real run (plan {plan}{mode}) would send {}: about {} at the plan's ceiling",
        calls.join(" and "),
        human_duration(estimate.seconds)
    );
    if estimate.days > 1 {
        text.push_str(&format!(
            ", but the plan's daily quota spreads it over {} days (re-run daily until done)",
            estimate.days
        ));
    }
    // Once Zoom has said whether batch fits the event, the estimate already follows it.
    if summary.mode != Mode::Single && estimate.batch_calls > 0 && !estimate.batch_checked {
        text.push_str(".\n  (Batch is used only for scheduled meetings and webinars; otherwise every row is a single add.)\n");
    } else {
        text.push_str(".\n");
    }
    text
}

/// What Zoom's per-second refusals of sending made of the run's pace, and how to avoid them:
/// the fastest pace of each category that went without refusals (or where it ended), as
/// `--max-rps`, and the plan whose ceilings those paces are, if it is below `plan`.
fn slowed_text(run: &RunStats, command: Command, plan: Plan) -> Option<String> {
    let most = match command {
        Command::Import => crate::zoom::register::MAX_REQUESTS_PER_EMAIL,
        Command::Change(_) => crate::zoom::status::MAX_REQUESTS_PER_ROW,
    };
    let safe = |s: &Slowed| s.pace.held.unwrap_or(s.pace.per_second);
    let slowest = run.slowed.iter().map(safe).min()?;
    let paces: Vec<String> = run
        .slowed
        .iter()
        .map(|s| match s.pace.held {
            Some(held) => format!(
                "{} held {held} a second without refusals, of the {} asked",
                s.what, s.ceiling
            ),
            None => format!(
                "{} came down to {} a second, from {}",
                s.what, s.pace.per_second, s.ceiling
            ),
        })
        .collect();
    let held: Option<Vec<(Category, u32)>> = run
        .slowed
        .iter()
        .map(|s| s.pace.held.map(|held| (s.category, held)))
        .collect();
    let other_plan = held
        .and_then(|held| plan.below_matching(&held))
        .map(|lower| {
            let name = format!("{lower:?}");
            format!(
                "--plan {} (if the account is on {name}) or ",
                name.to_lowercase()
            )
        })
        .unwrap_or_default();
    Some(format!(
        "Zoom refused requests as too fast, so zimport slowed down: {}. The account allows less than the run asked (other apps may share its limit). Next time, {other_plan}--max-rps {slowest} (a cap on every kind of request) avoids the refusals; each one uses up one of the {most} requests a run sends for a person.\n",
        paces.join("; ")
    ))
}

fn run_text(run: &RunStats, command: Command, plan: Plan) -> String {
    let (one, many) = match command {
        Command::Import => ("registration request", "registration requests"),
        Command::Change(_) => ("status call", "status calls"),
    };
    let mut text = if run.requests == 0 {
        format!("Sent nothing: no row needed a {one}.\n")
    } else {
        format!(
            "Sent {} ({} retries, {} rate-limited), {:.1} rows/s.\n",
            count(run.requests, one, many),
            run.retries,
            run.rate_limited,
            run.rows_per_second
        )
    };
    if let Some(slowed) = slowed_text(run, command, plan) {
        text.push_str(&slowed);
    }
    if let Some(how) = run.interrupted {
        let what = how.name();
        // Names are ASCII: the first byte is the first letter.
        let (first, rest) = what.split_at(1);
        text.push_str(&format!(
            "{}{rest}: rows not sent are pending; run the same command again to finish.\n",
            first.to_ascii_uppercase()
        ));
    }
    if let Some(reason) = &run.stopped {
        text.push_str(&format!("Stopped early: {}\n", shown(reason)));
    }
    if run.settled_by_reading > 0 {
        let (rows, were) = match run.settled_by_reading {
            1 => ("1 row".to_string(), "was"),
            n => (format!("{n} rows"), "were"),
        };
        text.push_str(&format!(
            "{rows} whose answers were lost {were} found registered in Zoom's registrant lists.\n"
        ));
    }
    if let Some(reason) = &run.unreachable {
        text.push_str(&format!(
            "Zoom stopped answering: {}. The rows not confirmed are pending: run the same command again once Zoom answers.\n",
            shown(reason)
        ));
    }
    if run.daily_limit {
        let when = match &run.resume_at {
            Some(at) => format!("after {at}"),
            None => "tomorrow, after 00:00 UTC".to_string(),
        };
        text.push_str(&format!(
            "Zoom's daily quota for this account is used up: run the same command again {when} to finish the pending rows.\n"
        ));
    }
    text
}

/// "1 batch call", "2 batch calls".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human_duration(seconds: f64) -> String {
    let seconds = seconds.ceil() as u64;
    match seconds {
        0..=59 => format!("{} s", seconds.max(1)),
        60..=3599 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, (seconds % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slowed(category: Category, ceiling: u32, per_second: u32, held: Option<u32>) -> Slowed {
        let what = match category {
            Category::Light => "single adds",
            Category::Medium => "status changes",
            Category::Heavy => "batch calls",
        };
        Slowed {
            what,
            category,
            ceiling,
            pace: crate::model::Pace { per_second, held },
        }
    }

    #[test]
    fn the_advice_after_refusals_is_the_pace_that_held_and_the_plan_it_matches() {
        let run = |slowed: Vec<Slowed>| RunStats {
            slowed,
            ..RunStats::default()
        };
        // Told Business, on an account that allows Pro's 30: Pro, or what held.
        let business = run(vec![slowed(Category::Light, 80, 21, Some(28))]);
        let text = slowed_text(&business, Command::Import, Plan::Business).expect("text");
        assert!(
            text.contains("single adds held 28 a second without refusals, of the 80 asked"),
            "{text}"
        );
        assert!(
            text.contains("--plan pro (if the account is on Pro) or --max-rps 28 "),
            "{text}"
        );
        assert!(text.contains("one of the 3 requests a run sends"), "{text}");
        // Nothing held for long enough: where the pace ended, and no plan is guessed.
        let short = run(vec![slowed(Category::Light, 80, 21, None)]);
        let text = slowed_text(&short, Command::Import, Plan::Business).expect("text");
        assert!(text.contains("came down to 21 a second, from 80"), "{text}");
        assert!(text.contains("Next time, --max-rps 21 "), "{text}");
        // Two categories: the advice is the slower, and a plan only if both match it.
        let both = run(vec![
            slowed(Category::Light, 80, 24, Some(29)),
            slowed(Category::Heavy, 40, 8, Some(9)),
        ]);
        let text = slowed_text(&both, Command::Import, Plan::Business).expect("text");
        assert!(
            text.contains("--plan pro (if the account is on Pro) or --max-rps 9 "),
            "{text}"
        );
        let shared = run(vec![slowed(Category::Light, 80, 40, Some(50))]);
        let text = slowed_text(&shared, Command::Import, Plan::Business).expect("text");
        assert!(
            !text.contains("--plan"),
            "50 a second is no plan's ceiling: {text}"
        );
        assert_eq!(
            slowed_text(&run(Vec::new()), Command::Import, Plan::Pro),
            None
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0.2), "1 s");
        assert_eq!(human_duration(75.0), "1 min 15 s");
        assert_eq!(human_duration(7300.0), "2 h 1 min");
    }
}
