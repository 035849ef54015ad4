//! Text from outside shown safely (issue 32): a terminal's control sequences, a line break that
//! would forge a log line, 0x9B and a bidi override, planted in every source of outside text
//! zimport shows (a cell, a column title, the input's file name, Zoom's message, the event's
//! topic, a custom question's title, the token's scope, a lock file's text), reach neither
//! standard error nor standard output (`--json`) as anything but visible escapes.

use std::path::Path;
use std::process::Output;

use fake_zoom::{CustomQuestion, EventSetup, Kind, Setup};

use crate::hostile::{hostile_zoom, run_against, Answer};
use crate::support::{people, results_path, TestEnv, ZoomEnv, MEETING};

/// Retitles the terminal, clears it, returns the carriage and starts a line that reads like
/// zimport's own error in a cron log; then 0x9B (CSI) and a right-to-left override.
const PLANT: &str = "\u{1b}]0;T\u{7}\u{1b}[2J\r\n2026-01-01T00:00:00Z zimport: error: FORGED\u{9b}31m\u{202e}x\u{2028}\u{61c}";

/// The planted text as it must be shown, as far as a value cut for a message keeps it.
const SHOWN: &str = "\\u{1b}]0;T\\u{7}\\u{1b}[2J\\r\\n2026-01-01T00:00:00Z zimport: error: FORGED";

/// The characters that act on a terminal or a log rather than read, listed here apart from
/// zimport's own list: C0 but the line feed, DEL, C1, line and paragraph separators, bidi
/// marks, overrides and isolates, zero-width and invisible format characters, the BOM, tags.
fn acts(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00..=0x09
            | 0x0b..=0x1f
            | 0x7f..=0x9f
            | 0x061c
            | 0x200b..=0x200f
            | 0x2028..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0xe0000..=0xe007f
    )
}

fn control_bytes(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .filter(|&c| acts(c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect()
}

/// Checks one run: no control byte anywhere, no line that begins with the forged stamp, and
/// the planted text shown escaped (so that the source did reach the output).
fn assert_safe(source: &str, output: &Output, shown: &str) {
    for (stream, bytes) in [("stderr", &output.stderr), ("stdout", &output.stdout)] {
        let found = control_bytes(bytes);
        assert!(
            found.is_empty(),
            "{source}: {stream} holds {found:?}: {}",
            String::from_utf8_lossy(bytes)
        );
        for line in String::from_utf8_lossy(bytes).lines() {
            // Off a terminal, each line starts with its own time stamp.
            let after_stamp = line.split_once(' ').map_or(line, |(_, rest)| rest);
            assert!(
                !line.starts_with("2026-01-01T00:00:00Z") && !after_stamp.starts_with("2026-01-01"),
                "{source}: {stream} has a forged line: {line}"
            );
        }
    }
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    // In JSON a backslash is itself escaped.
    assert!(
        all.contains(shown) || all.contains(&shown.replace('\\', "\\\\")),
        "{source}: the planted text is not shown escaped: {all}"
    );
}

/// Runs `command` with and without `--json`, checking both.
fn both_ways(source: &str, mut run: impl FnMut(&[&str]) -> Output) {
    shown_both_ways(source, SHOWN, &mut run);
}

/// [`both_ways`], for a source that shows the planted text as `shown`.
fn shown_both_ways(source: &str, shown: &str, mut run: impl FnMut(&[&str]) -> Output) {
    assert_safe(source, &run(&[]), shown);
    let json = run(&["--json"]);
    assert_safe(&format!("{source} (--json)"), &json, shown);
    let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&json.stdout);
    assert!(parsed.is_ok(), "{source}: --json is one JSON object");
}

#[test]
fn text_from_outside_reaches_the_terminal_and_the_logs_escaped_from_every_source() {
    // A cell, a column title and the file's name: a dry run, which needs no Zoom.
    let env = TestEnv::new();
    let cell = env.write_input(
        "cell.csv",
        format!("email,first_name\n\"ana{PLANT}@example.com\",Ana\n"),
    );
    both_ways("cell", |args| env.dry_run(&cell, args));
    let header = env.write_input(
        "header.csv",
        format!("email,first_name,\"{PLANT}\"\nana@example.com,Ana,x\n"),
    );
    both_ways("column title", |args| env.dry_run(&header, args));
    let named = env.write_input(&format!("people{PLANT}.csv"), people(2, false));
    both_ways("file name", |args| env.dry_run(&named, args));

    // The event's topic and a custom question's title, from the fake Zoom.
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.add_event(
        Kind::Meeting,
        555_555_555,
        EventSetup {
            topic: PLANT.to_string(),
            ..EventSetup::scheduled_meeting()
        },
    );
    let input = zoom.env.write_input("people.csv", people(2, false));
    both_ways("topic", |args| {
        zoom.zimport()
            .arg(&input)
            .args(["--meeting", "555555555", "--dry-run"])
            .args(args)
            .output()
            .expect("runs")
    });
    zoom.zoom.add_event(
        Kind::Meeting,
        666_666_666,
        EventSetup {
            custom_questions: vec![CustomQuestion {
                title: PLANT.to_string(),
                kind: "short".to_string(),
                required: true,
                answers: Vec::new(),
            }],
            ..EventSetup::scheduled_meeting()
        },
    );
    both_ways("question title", |args| {
        zoom.zimport()
            .arg(&input)
            .args(["--meeting", "666666666", "--dry-run"])
            .args(args)
            .output()
            .expect("runs")
    });

    // The token's scope.
    let scoped = ZoomEnv::start(Setup {
        scopes: vec![PLANT.to_string()],
        ..Setup::default()
    });
    let input = scoped.env.write_input("people.csv", people(2, false));
    both_ways("scope", |args| {
        scoped
            .zimport()
            .arg(&input)
            .args(["--meeting", &MEETING.to_string()])
            .args(args)
            .output()
            .expect("runs")
    });

    // A lock file's text, from a run that holds it: its lines are its fields, so the planted
    // line break is one of them.
    let input = zoom.env.write_input("locked.csv", people(2, false));
    let lock = lock_path(&results_path(&input));
    let planted = PLANT.replace("\r\n", "\r");
    std::fs::write(&lock, format!("4242\n{planted}\n{planted}\n")).expect("write lock");
    let held = std::fs::File::open(&lock).expect("open lock");
    held.try_lock().expect("the test holds the lock");
    let shown = SHOWN.replace("\\r\\n", "\\r");
    shown_both_ways("lock text", &shown, |args| {
        zoom.zimport()
            .arg(&input)
            .args(["--meeting", &MEETING.to_string()])
            .args(args)
            .output()
            .expect("runs")
    });
    drop(held);

    // Zoom's message, from a server that refuses each registration with it.
    let message = serde_json::json!({ "code": 300, "message": PLANT }).to_string();
    let server = hostile_zoom(move || Answer::Json(400, message.clone()));
    let env = TestEnv::new();
    let input = env.write_input("people.csv", people(1, false));
    both_ways("Zoom's message", |args| {
        let mut all = vec!["--meeting", "83927864687", "--fresh"];
        all.extend_from_slice(args);
        run_against(&env, &server, &input, &all).0
    });
}

/// The lock file beside a results file.
fn lock_path(results: &Path) -> std::path::PathBuf {
    let mut name = results.file_name().expect("a name").to_os_string();
    name.push(".lock");
    results.with_file_name(name)
}
