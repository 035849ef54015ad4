//! Files shaped like real exports (`fixtures/real-world/`: Google Forms, Eventbrite, Mailchimp,
//! HubSpot, German Excel files with semicolons, a BOM or a `sep=;` line in Windows-1252,
//! Excel's "Unicode Text", a hand-kept list), imported through the binary against the fake
//! Zoom: each person reaches Zoom with the names in their own columns, countries as codes,
//! and a second run sends nothing.

use fake_zoom::{EventSetup, Kind, Registrant, Setup};

use crate::support::{ZoomEnv, MEETING};

/// (email, first name, last name) as Zoom must hold them.
type Person = (&'static str, &'static str, &'static str);

/// Each fixture, and the people Zoom must hold for its rows.
const FILES: [(&str, &[Person]); 5] = [
    (
        "google-forms.csv",
        &[
            ("ana.lee@example.com", "Ana", "Lee"),
            ("Bo.Chen@Example.com", "Bo", "Chen"),
            ("cara@example.org", "Cara", "O'Neil"),
        ],
    ),
    (
        "eventbrite.csv",
        &[
            ("dana@example.com", "Dana", "Ruiz"),
            ("elodie.martin@example.fr", "Élodie", "Martin"),
        ],
    ),
    (
        "mailchimp.csv",
        &[
            ("eve@example.com", "Eve", "Stone"),
            ("frank@example.com", "Frank", ""),
        ],
    ),
    (
        "hubspot.csv",
        &[
            ("gus@example.com", "Gus", "Hale"),
            ("hana@example.jp", "Hana", "Ito"),
            ("ines@example.kr", "Ines", "Kahn"),
        ],
    ),
    (
        "excel-german.csv",
        &[
            ("ivo@example.de", "Ivo", "Müller"),
            ("jana@example.at", "Jana", "Grün"),
        ],
    ),
];

#[test]
fn real_exports_reach_zoom_with_each_persons_own_names_and_a_rerun_sends_nothing() {
    for (file, people) in FILES {
        let zoom = ZoomEnv::start(Setup::default());
        // Someone registered earlier through Zoom's own page: not sent again.
        zoom.zoom
            .preregister(Kind::Meeting, MEETING, people[0].0, "approved");
        let input = zoom.env.copy_fixture(&format!("real-world/{file}"));

        let run = zoom.import(&input, &["--meeting", "83927864687"]);

        assert_eq!(run.code(), 0, "{file}: {}", run.stderr());
        assert_eq!(run.rows.len(), people.len(), "{file}");
        assert_eq!(run.with_status("already_registered").len(), 1, "{file}");
        assert_eq!(
            run.with_status("registered").len(),
            people.len() - 1,
            "{file}"
        );
        let registrants = zoom.zoom.registrants(Kind::Meeting, MEETING);
        for &(email, first, last) in &people[1..] {
            let held = registrants
                .iter()
                .find(|r| r.email.eq_ignore_ascii_case(email))
                .unwrap_or_else(|| panic!("{file}: {email} is not in Zoom"));
            assert_eq!(
                (held.first_name.as_str(), held.last_name.as_str()),
                (first, last),
                "{file}: {email}"
            );
        }

        // With the results file beside it, the same command sends nothing.
        let requests = zoom.zoom.stats().single_adds + zoom.zoom.stats().batch_calls;
        let again = zoom.import(&input, &["--meeting", "83927864687"]);
        assert_eq!(again.code(), 0, "{file}: {}", again.stderr());
        assert_eq!(
            again.with_status("already_registered").len(),
            people.len(),
            "{file}"
        );
        assert_eq!(
            zoom.zoom.stats().single_adds + zoom.zoom.stats().batch_calls,
            requests,
            "{file}: nothing sent again"
        );
    }
}

/// A fake whose meeting's form asks for `fields` (not required).
fn asking(fields: &[&str]) -> ZoomEnv {
    let zoom = ZoomEnv::start(Setup::default());
    zoom.zoom.add_event(
        Kind::Meeting,
        MEETING,
        EventSetup {
            questions: fields.iter().map(|f| (f.to_string(), false)).collect(),
            ..EventSetup::scheduled_meeting()
        },
    );
    zoom
}

/// What Zoom holds for `email`: names, and the country sent (empty if none).
fn held(zoom: &ZoomEnv, email: &str) -> (String, String, String) {
    let registrants: Vec<Registrant> = zoom.zoom.registrants(Kind::Meeting, MEETING);
    let person = registrants
        .iter()
        .find(|r| r.email == email)
        .unwrap_or_else(|| panic!("{email} is not in Zoom: {registrants:?}"));
    let country = person
        .fields
        .get("country")
        .and_then(|c| c.as_str())
        .unwrap_or("")
        .to_string();
    (person.first_name.clone(), person.last_name.clone(), country)
}

fn person(first: &str, last: &str, country: &str) -> (String, String, String) {
    (first.to_string(), last.to_string(), country.to_string())
}

#[test]
fn hubspots_country_names_go_as_codes_where_the_form_asks_and_korea_is_left_out() {
    let zoom = asking(&["country"]);
    let input = zoom.env.copy_fixture("real-world/hubspot.csv");
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.with_status("registered").len(), 3);
    assert_eq!(held(&zoom, "gus@example.com"), person("Gus", "Hale", "US"));
    assert_eq!(held(&zoom, "hana@example.jp"), person("Hana", "Ito", "JP"));
    assert_eq!(held(&zoom, "ines@example.kr"), person("Ines", "Kahn", ""));
    assert_eq!(run.summary["adjusted"]["countries_coded"], 2);
    assert_eq!(run.summary["adjusted"]["countries_left_out"], 1);
}

#[test]
fn excel_unicode_text_is_read_from_a_file_and_from_standard_input() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.copy_fixture("real-world/excel-unicode-text.txt");
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.summary["encoding"], "UTF-16LE");
    assert_eq!(held(&zoom, "lena@example.de"), person("Lena", "Böhm", "DE"));
    assert_eq!(held(&zoom, "wei@example.cn"), person("Wei", "王", "CN"));
    assert_eq!(held(&zoom, "zoe@example.se"), person("Zoë", "Åberg", "SE"));

    let zoom = ZoomEnv::start(Setup::default());
    let bytes = std::fs::read(&input).expect("fixture");
    let output = zoom
        .zimport()
        .args(["-", "--meeting", "83927864687", "--json", "-o"])
        .arg(zoom.env.path("stdin.results.csv"))
        .write_stdin(bytes)
        .output()
        .expect("runs");
    assert_eq!(
        crate::support::exit_code(&output),
        0,
        "{}",
        crate::support::stderr(&output)
    );
    assert_eq!(held(&zoom, "zoe@example.se"), person("Zoë", "Åberg", "SE"));
}

#[test]
fn a_german_excel_file_with_a_sep_line_in_windows_1252_needs_no_edits() {
    let zoom = asking(&["country"]);
    let input = zoom.env.copy_fixture("real-world/excel-german-sep.csv");
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.summary["encoding"], "Windows-1252");
    // `Name` beside `Vorname` is the last name; `Land` is the country the form asks for.
    assert_eq!(
        held(&zoom, "juergen@example.de"),
        person("Jürgen", "Müller", "")
    );
    assert_eq!(
        held(&zoom, "weiss@example.de"),
        person("Grete", "Weiß", "DE")
    );
    // Lines counted from the file's first, the `sep=` line included.
    assert_eq!(run.rows[0].line, 3);
    assert_eq!(run.summary["adjusted"]["countries_left_out"], 1);
}

#[test]
fn a_hand_kept_list_is_split_cleaned_and_coded_and_a_shared_address_is_a_problem() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.copy_fixture("real-world/hand-kept.csv");
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(
        run.code(),
        1,
        "a shared address is a problem: {}",
        run.stderr()
    );
    assert_eq!(
        held(&zoom, "jane.doe@example.com"),
        person("Jane", "Doe", "US")
    );
    assert_eq!(
        held(&zoom, "rvdb@example.nl"),
        person("Robert", "van der Berg", "NL")
    );
    assert_eq!(
        held(&zoom, "carlos@example.mx"),
        person("Carlos", "Ruiz Jr.", "MX")
    );
    assert_eq!(held(&zoom, "lees@example.com"), person("Sam", "Lee", "GB"));
    assert_eq!(
        held(&zoom, "hana.ito@example.jp"),
        person("Hana", "Ito", "JP")
    );
    // The results show each address as sent.
    let emails: Vec<&str> = run.rows.iter().map(|r| r.email.as_str()).collect();
    assert_eq!(
        emails,
        [
            "jane.doe@example.com",
            "rvdb@example.nl",
            "carlos@example.mx",
            "lees@example.com",
            "lees@example.com",
            "hana.ito@example.jp"
        ]
    );
    let kim = &run.rows[4];
    assert_eq!(kim.status, "duplicate");
    assert!(
        kim.message.contains("as line 5, under another name"),
        "{kim:?}"
    );
    assert_eq!(
        zoom.zoom.requests_for("lees@example.com"),
        1,
        "Kim is not sent"
    );
    assert_eq!(run.summary["counts"]["duplicate_other_person"], 1);
    assert_eq!(run.summary["first_problems"][0]["line"], 6);
    let adjusted = &run.summary["adjusted"];
    assert_eq!(adjusted["names_split"], 4, "{adjusted}");
    assert_eq!(adjusted["addresses_cleaned"], 3, "{adjusted}");
    assert_eq!(adjusted["countries_coded"], 6, "{adjusted}");
}
