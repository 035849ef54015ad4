//! `--json` for scripts (issue 17): exactly one JSON object on standard output on every exit,
//! with `schema`, `exit_code` and every ID as a string.

use fake_zoom::{Limits, Setup};
use serde_json::Value;

use crate::support::{exit_code, fixture, people, results_path, ZoomEnv};

/// Runs the binary with `args` and `--json`; returns its exit code and its one JSON object.
fn json_of(command: &mut assert_cmd::Command) -> (i32, Value) {
    let output = command.arg("--json").output().expect("runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut objects = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
    let first = objects
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("no JSON object on stdout: {text:?}"));
    assert!(objects.next().is_none(), "more than one object: {text}");
    let code = exit_code(&output);
    assert_eq!(first["schema"], 1, "{first}");
    assert_eq!(first["exit_code"], code, "{first}");
    (code, first)
}

#[test]
fn every_exit_prints_one_object_with_schema_exit_code_and_string_ids() {
    let zoom = ZoomEnv::start(Setup::default());
    let good = zoom.env.write_input("good.csv", people(20, false));
    let meeting = ["--meeting", "83927864687"];

    // 0: a real import.
    let (code, done) = json_of(zoom.zimport().arg(&good).args(meeting));
    assert_eq!(code, 0);
    assert_eq!(done["event"]["id"], "83927864687");
    assert_eq!(done["command"], "import");
    assert!(done.get("error").is_none());

    // 1: a dry run of the fixture, whose rows include bad ones.
    let (code, dry) = json_of(
        zoom.env
            .zimport()
            .arg(fixture("people.csv"))
            .args(meeting)
            .args(["--dry-run", "-o"])
            .arg(zoom.env.path("fixture.results.csv")),
    );
    assert_eq!(code, 1);
    assert!(dry["counts"]["invalid"].as_u64() > Some(0));

    // 2: a file that is not there, and a flag clap refuses.
    let (code, missing) = json_of(zoom.zimport().arg("nowhere.csv").args(meeting));
    assert_eq!(code, 2);
    assert!(
        missing["error"]
            .as_str()
            .is_some_and(|e| e.contains("nowhere.csv")),
        "{missing}"
    );
    let (code, usage) = json_of(zoom.zimport().arg(&good).args(meeting).arg("--colour"));
    assert_eq!(code, 2);
    assert!(
        usage["error"]
            .as_str()
            .is_some_and(|e| e.contains("--colour")),
        "{usage}"
    );
    let (code, missing_event) = json_of(zoom.zimport().arg(&good));
    assert_eq!(code, 2);
    assert!(
        missing_event["error"]
            .as_str()
            .is_some_and(|e| e.contains("not provided: <--meeting <ID>|--webinar <ID>>")),
        "the whole message, not its first line: {missing_event}"
    );

    // 3: an event Zoom does not have.
    let (code, unknown) = json_of(zoom.zimport().arg(&good).args(["--meeting", "11111111111"]));
    assert_eq!(code, 3);
    assert!(
        unknown["error"]
            .as_str()
            .is_some_and(|e| e.contains("not found")),
        "{unknown}"
    );

    // 5: another run holds the results file.
    let held = zimport::lock::Lock::acquire(&results_path(&good)).expect("lock");
    let (code, busy) = json_of(zoom.zimport().arg(&good).args(meeting));
    assert_eq!(code, 5);
    assert!(
        busy["error"]
            .as_str()
            .is_some_and(|e| e.contains("another zimport")),
        "{busy}"
    );
    drop(held);
}

#[test]
fn an_incomplete_run_exits_4_with_its_summary_and_an_export_says_schema_1() {
    // The lists fit today's Medium quota; the status change does not.
    let zoom = ZoomEnv::start(Setup {
        limits: Limits {
            medium_per_day: Some(3),
            ..Limits::unlimited()
        },
        ..Setup::default()
    });
    let people_csv = zoom.env.write_input("people.csv", people(5, false));
    let (code, _) = json_of(
        zoom.zimport()
            .arg(&people_csv)
            .args(["--meeting", "83927864687"]),
    );
    assert_eq!(code, 0);
    zoom.zoom.new_day();

    let (code, incomplete) = json_of(
        zoom.zimport()
            .args(["deny", "--meeting", "83927864687"])
            .arg(&people_csv),
    );
    assert_eq!(code, 4, "{incomplete}");
    assert_eq!(incomplete["counts"]["pending"], 5);
    assert_eq!(incomplete["command"], "deny");

    zoom.zoom.new_day();
    let (code, exported) =
        json_of(
            zoom.zimport()
                .args(["export", "--meeting", "83927864687", "-o", "out.csv"]),
        );
    assert_eq!(code, 0);
    assert_eq!(exported["registrants"], 5);
    assert_eq!(exported["command"], "export");
    assert_eq!(exported["output"], "out.csv");
    assert_eq!(
        exported["event"]["id"], "83927864687",
        "as in every command"
    );
    assert_eq!(exported["by_status"]["approved"], 5);
    assert_eq!(exported["by_status"]["denied"], 0);
}
