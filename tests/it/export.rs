//! `zimport export` (issue 16), through the binary against the fake Zoom.

use std::collections::HashMap;

use fake_zoom::{CustomQuestion, EventSetup, Kind, Setup};
use serde_json::{json, Map, Value};

use crate::support::{exit_code, read_table, stderr, ZoomEnv, MEETING, WEBINAR};

/// A meeting with 1,000 approved, 200 pending and 50 denied people; every tenth has an
/// address and answers to the two custom questions, and one's city would run as a formula.
fn crowded() -> ZoomEnv {
    let zoom = ZoomEnv::start(Setup::default());
    for i in 0..1_250 {
        let status = match i {
            0..1_000 => "approved",
            1_000..1_200 => "pending",
            _ => "denied",
        };
        let mut fields = json!({
            "email": format!("person{i}@example.com"),
            "first_name": format!("First{i}"),
            "last_name": format!("Last, {i}"),
        });
        if i % 10 == 0 {
            fields["address"] = json!(format!("{i} Rue \"Haute\"\nBâtiment B"));
            fields["city"] = json!(if i == 0 { "=HYPERLINK(\"x\")" } else { "Lyon" });
            fields["org"] = json!("ACME");
            fields["custom_questions"] = json!([
                {"title": "Diet", "value": if i % 20 == 0 { "Vegan" } else { "None" }},
                {"title": "T-shirt size", "value": "M"},
            ]);
        }
        let fields: Map<String, Value> = fields.as_object().cloned().unwrap_or_default();
        zoom.zoom
            .preregister_person(Kind::Meeting, MEETING, fields, status);
    }
    zoom
}

#[test]
fn export_writes_every_person_once_with_status_join_url_fields_and_answers() {
    let zoom = crowded();
    let out = zoom.env.path("out.csv");

    let output = zoom
        .zimport()
        .args(["export", "--meeting", "83927864687", "-o"])
        .arg(&out)
        .output()
        .expect("runs");

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "1250 registrants of meeting 83927864687 (1000 approved, 200 pending, 50 denied)"
        ),
        "{}",
        stderr(&output)
    );
    let (header, rows) = read_table(&out);
    assert_eq!(
        header,
        [
            "email",
            "first_name",
            "last_name",
            "status",
            "registrant_id",
            "join_url",
            "create_time",
            "address",
            "city",
            "org",
            "Diet",
            "T-shirt size"
        ]
    );
    assert_eq!(rows.len(), 1_250);
    let fake: HashMap<String, fake_zoom::Registrant> = zoom
        .zoom
        .registrants(Kind::Meeting, MEETING)
        .into_iter()
        .map(|r| (r.email.clone(), r))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for row in &rows {
        assert!(seen.insert(row["email"].clone()), "{} twice", row["email"]);
        let person = &fake[&row["email"]];
        assert_eq!(row["status"], person.status);
        assert_eq!(row["registrant_id"], person.id);
        assert_eq!(row["join_url"], person.join_url.clone().unwrap_or_default());
        assert_eq!(row["create_time"], person.create_time);
        assert_eq!(row["last_name"], person.last_name);
    }
    let ten = rows
        .iter()
        .find(|r| r["email"] == "person10@example.com")
        .expect("row");
    assert_eq!(ten["address"], "10 Rue \"Haute\"\nBâtiment B");
    assert_eq!(
        (ten["Diet"].as_str(), ten["T-shirt size"].as_str()),
        ("None", "M")
    );
    let eleven = rows
        .iter()
        .find(|r| r["email"] == "person11@example.com")
        .expect("row");
    assert_eq!((eleven["city"].as_str(), eleven["Diet"].as_str()), ("", ""));
    // A formula is neutralised; --raw keeps it as Zoom holds it.
    let zero = rows
        .iter()
        .find(|r| r["email"] == "person0@example.com")
        .expect("row");
    assert_eq!(zero["city"], "'=HYPERLINK(\"x\")");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let raw = zoom.env.path("raw.csv");
    let output = zoom
        .zimport()
        .args([
            "export",
            "--meeting",
            "83927864687",
            "--raw",
            "--status",
            "approved",
            "-o",
        ])
        .arg(&raw)
        .output()
        .expect("runs");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let (_, rows) = read_table(&raw);
    assert_eq!(rows.len(), 1_000);
    assert!(rows.iter().all(|r| r["status"] == "approved"));
    let zero = rows
        .iter()
        .find(|r| r["email"] == "person0@example.com")
        .expect("row");
    assert_eq!(zero["city"], "=HYPERLINK(\"x\")");
}

#[test]
fn an_export_imports_into_another_event_with_the_same_fields_and_answers() {
    let zoom = crowded();
    let questions = ["Diet", "T-shirt size"].map(|title| CustomQuestion {
        title: title.to_string(),
        kind: "short".to_string(),
        required: false,
        answers: Vec::new(),
    });
    zoom.zoom.add_event(
        Kind::Webinar,
        WEBINAR,
        EventSetup {
            custom_questions: questions.to_vec(),
            ..EventSetup::scheduled_webinar()
        },
    );
    let out = zoom.env.path("a.csv");
    let output = zoom
        .zimport()
        .args(["export", "--meeting", "83927864687", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));

    let run = zoom.import(&out, &["--webinar", "98765432109"]);

    assert_eq!(run.code(), 0, "{}", run.stderr());
    run.assert_all_registered(1_250);
    let comparable = |kind: Kind, id: u64| -> HashMap<String, Value> {
        zoom.zoom
            .registrants(kind, id)
            .into_iter()
            .map(|r| {
                let mut fields: Map<String, Value> = r
                    .fields
                    .iter()
                    .filter(|(key, value)| {
                        !matches!(key.as_str(), "auto_approve" | "occurrence_ids")
                            && value.as_str() != Some("")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if fields.get("custom_questions") == Some(&json!([])) {
                    fields.remove("custom_questions");
                }
                (r.email.to_lowercase(), Value::Object(fields))
            })
            .collect()
    };
    let a = comparable(Kind::Meeting, MEETING);
    let b = comparable(Kind::Webinar, WEBINAR);
    assert_eq!(a.len(), b.len());
    for (email, fields) in &a {
        assert_eq!(Some(fields), b.get(email), "{email}");
    }
}

#[test]
fn a_dry_run_export_counts_and_changes_nothing() {
    let zoom = crowded();
    let out = zoom.env.path("never.csv");

    let output = zoom
        .zimport()
        .args([
            "export",
            "--webinar",
            "98765432109",
            "--dry-run",
            "--json",
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("runs");

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(!out.exists(), "nothing is written");
    let summary: Value = serde_json::from_slice(&output.stdout).expect("one JSON object on stdout");
    assert_eq!(summary["schema"], 1);
    assert_eq!(summary["registrants"], 0);
    let output = zoom
        .zimport()
        .args(["export", "--meeting", "83927864687", "--dry-run", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("1250 registrants"),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists());
    assert!(
        zoom.zoom
            .requests()
            .iter()
            .all(|r| r.method == "GET" || r.path == "/oauth/token"),
        "only reads"
    );
}

#[test]
fn import_spelled_out_is_the_default_command_and_a_file_named_export_is_reached_as_dot_slash() {
    let env = crate::support::TestEnv::new();
    let input = env.write_input("export", "email,first_name\nana@example.com,Ana\n");
    for first in ["import", "./export"] {
        let mut command = env.zimport();
        if first == "import" {
            command.arg("import").arg(&input);
        } else {
            command
                .current_dir(input.parent().expect("folder"))
                .arg(first);
        }
        let output = command
            .args(["--meeting", "83927864687", "--dry-run"])
            .output()
            .expect("runs");
        assert_eq!(exit_code(&output), 0, "{first}: {}", stderr(&output));
        let results = crate::support::read_results(
            &env.path("export.meeting-83927864687.dry-run.results.csv"),
        );
        assert_eq!(results.len(), 1, "{first}");
    }
}

#[test]
fn an_export_shows_its_progress_on_a_terminal_and_not_in_a_log() {
    let zoom = crowded();
    let on_terminal = zoom.on_a_terminal("\"$ZIMPORT\" export --meeting 83927864687 -o shown.csv");
    let shown = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(on_terminal.status.success(), "{shown}");
    assert!(shown.contains("approved registrants read"), "{shown}");
    assert!(zoom.env.path("shown.csv").exists());

    let logged = zoom
        .zimport()
        .args(["export", "--meeting", "83927864687", "-o", "logged.csv"])
        .output()
        .expect("runs");
    assert_eq!(exit_code(&logged), 0);
    assert!(
        !stderr(&logged).contains("registrants read"),
        "no spinner in a log"
    );
}

#[test]
fn an_export_of_an_event_zoom_does_not_have_says_so_as_an_import_does() {
    let zoom = ZoomEnv::start(Setup::default());
    let export = |flag: &str, id: &str| {
        let output = zoom
            .zimport()
            .args(["export", flag, id, "-o"])
            .arg(zoom.env.path("never.csv"))
            .output()
            .expect("runs");
        (exit_code(&output), stderr(&output))
    };

    let (code, error) = export("--meeting", "83927864688");
    assert_eq!(code, 3, "{error}");
    assert!(
        error.contains("meeting 83927864688 was not found or has expired; check the ID"),
        "{error}"
    );
    // The webinar's ID given as a meeting's: the hint names the right flag.
    let (code, error) = export("--meeting", "98765432109");
    assert_eq!(code, 3, "{error}");
    assert!(
        error.contains("98765432109 is a webinar's ID: use --webinar 98765432109"),
        "{error}"
    );
    // A wrong API address answers 404 without Zoom's code: the address is blamed, not the ID.
    let output = zoom
        .zimport()
        .env("ZOOM_API_URL", format!("{}/not-the-api", zoom.zoom.url()))
        .args(["export", "--meeting", "83927864687", "-o"])
        .arg(zoom.env.path("never.csv"))
        .output()
        .expect("runs");
    let error = stderr(&output);
    assert_eq!(exit_code(&output), 3, "{error}");
    assert!(
        error.contains("cannot list the approved registrants of meeting 83927864687")
            && !error.contains("not found or has expired"),
        "{error}"
    );
    assert!(!zoom.env.path("never.csv").exists());
}

/// Issue 32: an export to a terminal shows Zoom's cells (what anyone registering typed)
/// escaped, as every line zimport shows; to a pipe or a file it keeps them as they are.
#[test]
fn an_export_to_a_terminal_escapes_what_registrants_typed_and_a_pipe_keeps_it() {
    let zoom = ZoomEnv::start(Setup::default());
    let fields = serde_json::json!({
        "email": "ana@example.com",
        "first_name": "Ana\u{1b}]0;PWNED\u{7}",
        "last_name": "Lee",
    });
    zoom.zoom.preregister_person(
        Kind::Meeting,
        MEETING,
        fields.as_object().cloned().unwrap_or_default(),
        "approved",
    );
    let on_terminal = zoom.on_a_terminal("\"$ZIMPORT\" export --meeting 83927864687 -o -");
    let shown = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(on_terminal.status.success(), "{shown}");
    assert!(!shown.contains("\u{1b}]0;PWNED"), "{shown:?}");
    assert!(shown.contains("Ana\\u{1b}]0;PWNED\\u{7}"), "{shown:?}");

    let piped = zoom
        .zimport()
        .args(["export", "--meeting", "83927864687", "-o", "-"])
        .output()
        .expect("runs");
    assert_eq!(exit_code(&piped), 0);
    assert!(
        String::from_utf8_lossy(&piped.stdout).contains("Ana\u{1b}]0;PWNED\u{7}"),
        "data through a pipe is kept as it was"
    );
}
