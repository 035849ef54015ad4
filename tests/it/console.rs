//! What a person sees (issue 17): off a terminal, every line stamped with its time and a run
//! opened by one headline; on a terminal, a progress bar with counts, time, rate and ETA.
//! Snapshots of runs against the fake, with times masked.

use std::time::Duration;

use fake_zoom::{Faults, Limits, Setup};

use crate::support::{people, ZoomEnv};

/// `text` with each line's leading RFC 3339 time, and the figures that vary from run to run
/// (seconds, rates), replaced by placeholders; `None` if a line has no time.
fn masked(text: &str) -> Option<String> {
    let mut lines = Vec::new();
    for line in text.lines() {
        let (time, rest) = line.split_at_checked(21)?;
        let stamp = humantime::parse_rfc3339(time.trim_end()).ok();
        if stamp.is_none() || !time.ends_with("Z ") {
            return None;
        }
        lines.push(format!("<time> {}", mask_figures(rest)));
    }
    Some(lines.join("\n"))
}

/// `(0.4 s)` → `(<s>)`, `29.3 rows/s` → `<r> rows/s`.
fn mask_figures(line: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let parts: Vec<&str> = line.split(' ').collect();
    for (i, word) in parts.iter().enumerate() {
        let next = parts.get(i + 1).copied().unwrap_or("");
        let numeric = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == '.');
        if word.starts_with('(') && numeric(&word[1..]) && next.starts_with("s)") {
            words.push("(<s>".to_string());
        } else if numeric(word) && next.starts_with("rows/s") {
            words.push("<r>".to_string());
        } else {
            words.push((*word).to_string());
        }
    }
    words.join(" ")
}

#[test]
fn off_a_terminal_every_line_has_its_time_and_the_run_opens_with_a_headline() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(20, false));

    let output = zoom
        .zimport()
        .arg(&input)
        .args(["--meeting", "83927864687"])
        .output()
        .expect("runs");

    let text = String::from_utf8_lossy(&output.stderr);
    let masked = masked(&text).unwrap_or_else(|| panic!("a line without its time:\n{text}"));
    let expected = format!(
        "\
<time> zimport {version}: {input} → meeting 83927864687, import, plan pro, mode auto
<time> note: meeting 83927864687: 'Quarterly all-hands', type 2, automatic approval; batch registration fits
<time> note: Zoom already lists 0 registrants (0 approved, 0 pending, 0 denied); they are not sent again
<time> Run of {input} for meeting 83927864687:
<time> Read {input} as UTF-8.
<time> Rows: 20
<time>   registered                20
<time> Sent 1 registration request (0 retries, 0 rate-limited), <r> rows/s.
<time> Results: {results} (<s> s)",
        version = env!("CARGO_PKG_VERSION"),
        input = input.display(),
        results = crate::support::results_path(&input).display(),
    );
    assert_eq!(masked, expected);
}

#[test]
fn a_long_run_off_a_terminal_logs_progress_with_counts_elapsed_rate_and_eta() {
    let zoom = ZoomEnv::start(Setup {
        limits: Limits {
            light_per_second: 30,
            ..Limits::unlimited()
        },
        ..Setup::default()
    });
    // Single adds (a city each) at 25 a second: about 7 s.
    let input = zoom.env.write_input("people.csv", people(180, true));

    let output = zoom
        .zimport()
        .arg(&input)
        .args(["--meeting", "83927864687", "--max-rps", "25"])
        .output()
        .expect("runs");

    let text = String::from_utf8_lossy(&output.stderr);
    let masked = masked(&text).unwrap_or_else(|| panic!("a line without its time:\n{text}"));
    let progress: Vec<&str> = masked
        .lines()
        .filter(|l| l.starts_with("<time> progress: "))
        .collect();
    assert!(!progress.is_empty(), "{masked}");
    let first = progress[0];
    // "<time> progress: 125/180 rows, 125 registered, 0 failed, 0 pending, 0:05 elapsed, <r> rows/s, ETA 0:02"
    assert!(first.contains("/180 rows, "), "{first}");
    assert!(
        first.contains(" registered, 0 failed, 0 pending, 0:0"),
        "{first}"
    );
    assert!(first.contains(" elapsed, <r> rows/s, ETA 0:0"), "{first}");
}

#[test]
fn on_a_terminal_a_bar_shows_counts_elapsed_rate_and_eta() {
    let zoom = ZoomEnv::start(Setup {
        faults: Faults {
            latency: Duration::from_millis(20),
            ..Faults::default()
        },
        ..Setup::default()
    });
    zoom.env.write_input("people.csv", people(120, true));
    let run = zoom.on_a_terminal("\"$ZIMPORT\" people.csv --meeting 83927864687 --max-rps 30");
    let shown = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{shown}");
    // The bar's last drawing before it was cleared: rows, time, rate and ETA on its line, the
    // counts on the next.
    let lines: Vec<&str> = shown.split(['\r', '\n']).collect();
    let bar = lines
        .iter()
        .rfind(|l| l.contains("/120 rows  "))
        .unwrap_or_else(|| panic!("no bar:\n{shown}"));
    assert!(bar.contains(" elapsed, "), "{bar}");
    assert!(bar.contains("/s, ETA 0:0"), "{bar}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" registered, 0 failed, 0 pending")),
        "no counts:\n{shown}"
    );
    // The bar's own line ends well within 80 columns (indicatif pads it to the width).
    let own = bar.split("ETA").next().unwrap_or(bar);
    assert!(own.trim_end().chars().count() < 76, "{bar}");
    // On a terminal no line is stamped, and the summary follows the cleared bar.
    assert!(
        shown.contains("\nRows: 120")
            || shown.contains("\rRows: 120")
            || shown.contains("Rows: 120")
    );
    assert!(!shown.contains("Z note: "), "{shown}");
}
