//! Files shaped like real exports (`fixtures/real-world/`: Google Forms, Eventbrite, Mailchimp,
//! HubSpot, a German Excel file with semicolons and a BOM), imported through the binary
//! against the fake Zoom: each person reaches Zoom with the names in their own columns, and a
//! second run sends nothing.

use fake_zoom::{Kind, Setup};

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
