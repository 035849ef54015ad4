use super::*;
use crate::model::{EventId, EventKind};
use crate::results::Csv;

const EVENT: Event = Event {
    kind: EventKind::Meeting,
    id: EventId(83_927_864_687),
};
const HEADER: &str = "row,email,first_name,last_name,status,registrant_id,join_url,http_status,zoom_code,message,attempts,event\n";

fn line(row: u64, email: &str, status: &str) -> String {
    format!("{row},{email},A,B,{status},id-{row},https://zoom.us/w/1?tk={row},201,,,1,meeting 83927864687\n")
}

/// A journal of `lines`, then `tail` as it is; loaded with no results file.
fn load(lines: &[String], tail: &[u8]) -> (tempfile::TempDir, Result<Memory, MemoryError>) {
    let dir = tempfile::tempdir().expect("dir");
    let journal = dir.path().join("r.csv.journal");
    let mut bytes = HEADER.as_bytes().to_vec();
    for line in lines {
        bytes.extend_from_slice(line.as_bytes());
    }
    bytes.extend_from_slice(tail);
    std::fs::write(&journal, bytes).expect("write");
    let memory = Memory::load(&dir.path().join("r.csv"), &journal, EVENT, &Csv);
    (dir, memory)
}

fn confirmed(memory: &mut Memory, email: &str) -> Option<String> {
    match memory.known(email) {
        Some(Known::EarlierRun { registrant_id, .. }) => Some(registrant_id),
        _ => None,
    }
}

#[test]
fn a_journal_line_torn_by_a_crash_is_skipped_with_a_warning() {
    let good = [
        line(1, "a@x.com", "registered"),
        line(2, "b@x.com", "registered"),
    ];
    let torn = line(3, "c@x.com", "registered");
    // Torn anywhere: in the email, in the event (which then names another), before the end.
    for cut in [5, torn.len() - 5, torn.len() - 1] {
        let (_dir, memory) = load(&good, &torn.as_bytes()[..cut]);
        let mut memory = memory.expect("a torn last line is no error");
        assert_eq!(confirmed(&mut memory, "a@x.com").as_deref(), Some("id-1"));
        assert_eq!(confirmed(&mut memory, "b@x.com").as_deref(), Some("id-2"));
        assert_eq!(confirmed(&mut memory, "c@x.com"), None, "checked again");
        assert_eq!(memory.warnings.len(), 1, "{:?}", memory.warnings);
        assert!(
            memory.warnings[0].contains("line 4"),
            "{:?}",
            memory.warnings
        );
        let expected_end = (HEADER.len() + good[0].len() + good[1].len()) as u64;
        assert_eq!(memory.journal_end(), expected_end);
    }
}

#[test]
fn an_unreadable_last_line_is_skipped_but_one_in_the_middle_is_an_error() {
    let good = [line(1, "a@x.com", "registered")];
    let (_dir, memory) = load(&good, b"2,b@x.com,Jos\xe9,B,registered\n");
    let memory = memory.expect("the last line");
    assert_eq!(memory.warnings.len(), 1);

    let after = line(3, "c@x.com", "registered");
    let mut tail = b"2,b@x.com,A,B,registered,id-2,u,201,,,1,meeting 8392786\xff4687\n".to_vec();
    tail.extend_from_slice(after.as_bytes());
    let (_dir, memory) = load(&good, &tail);
    let err = memory.err().expect("damage in the middle");
    let message = err.to_string();
    assert!(
        message.contains("line 3 is damaged (not valid UTF-8)"),
        "{message}"
    );
    assert!(message.contains("delete the journal"), "{message}");
}

#[test]
fn a_journal_with_only_a_torn_header_starts_again() {
    let (_dir, memory) = load(&[], b"");
    assert_eq!(
        memory.expect("empty journal").journal_end(),
        HEADER.len() as u64
    );
    let dir = tempfile::tempdir().expect("dir");
    let journal = dir.path().join("r.csv.journal");
    std::fs::write(&journal, &HEADER.as_bytes()[..20]).expect("write");
    let memory = Memory::load(&dir.path().join("r.csv"), &journal, EVENT, &Csv).expect("loads");
    assert_eq!(memory.journal_end(), 0);
    assert_eq!(memory.warnings.len(), 1);
}

#[test]
fn damage_anywhere_in_a_results_file_is_an_error_naming_its_line() {
    let dir = tempfile::tempdir().expect("dir");
    let results = dir.path().join("r.csv");
    let text = format!("{HEADER}{}2,b@x.com,A\n", line(1, "a@x.com", "registered"));
    std::fs::write(&results, text).expect("write");
    let err = Memory::load(&results, &dir.path().join("none"), EVENT, &Csv)
        .err()
        .expect("a short last line of a results file is damage");
    let message = err.to_string();
    assert!(
        message.contains("line 3 is damaged (3 fields, but the header has 12)"),
        "{message}"
    );
    assert!(message.contains("--fresh"), "{message}");
}

#[test]
fn only_confirmed_rows_are_remembered_and_later_files_win() {
    let dir = tempfile::tempdir().expect("dir");
    let results = dir.path().join("r.csv");
    let journal = dir.path().join("r.csv.journal");
    let results_text = format!(
        "{HEADER}{}{}",
        line(1, "a@x.com", "registered"),
        line(2, "b@x.com", "pending")
    );
    std::fs::write(&results, results_text).expect("write");
    std::fs::write(
        &journal,
        format!("{HEADER}{}", line(7, "A@X.com", "already_registered")),
    )
    .expect("write");
    let mut memory = Memory::load(&results, &journal, EVENT, &Csv).expect("loads");
    assert_eq!(memory.len(), 1);
    assert_eq!(confirmed(&mut memory, "a@x.com").as_deref(), Some("id-7"));
    assert_eq!(confirmed(&mut memory, "b@x.com"), None);
    assert!(memory.warnings.is_empty());
}

#[test]
fn results_from_before_the_line_column_and_after_it_are_both_read() {
    let dir = tempfile::tempdir().expect("dir");
    let results = dir.path().join("r.csv");
    let journal = dir.path().join("r.csv.journal");
    // The results file as older versions wrote it; the journal as this one writes it.
    std::fs::write(
        &results,
        format!("{HEADER}{}", line(1, "a@x.com", "registered")),
    )
    .expect("write");
    let new_header = HEADER.replace(",attempts,event", ",attempts,line,event");
    std::fs::write(
        &journal,
        format!("{new_header}2,b@x.com,B,C,registered,id-2,https://zoom.us/w/1?tk=2,201,,,1,3,meeting 83927864687\n"),
    )
    .expect("write");
    let mut memory = Memory::load(&results, &journal, EVENT, &Csv).expect("loads");
    assert_eq!(memory.len(), 2);
    assert_eq!(confirmed(&mut memory, "a@x.com").as_deref(), Some("id-1"));
    assert_eq!(confirmed(&mut memory, "b@x.com").as_deref(), Some("id-2"));
    assert_eq!(
        new_header.trim_end(),
        crate::results::RESULT_COLUMNS.join(",")
    );
}

#[test]
fn someone_found_cancelled_stays_gone_even_where_zoom_lists_are_not_read() {
    let dir = tempfile::tempdir().expect("dir");
    let results = dir.path().join("r.csv");
    let text = format!(
        "{HEADER}{}{}",
        line(1, "a@x.com", "registered"),
        line(2, "b@x.com", "cancelled")
    );
    std::fs::write(&results, text).expect("write");
    let journal = dir.path().join("r.csv.journal");
    let gone = |memory: &mut Memory, email| match memory.known(email) {
        Some(Known::EarlierRun { gone, .. }) => Some(gone),
        _ => None,
    };

    // No list read (a dry run without credentials): only the row says who is gone.
    let mut memory = Memory::load(&results, &journal, EVENT, &Csv).expect("loads");
    assert_eq!(gone(&mut memory, "a@x.com"), Some(false));
    assert_eq!(gone(&mut memory, "b@x.com"), Some(true));
    // Zoom's list read, and it has neither: both gone; it has them again: listed.
    let mut memory = Memory::load(&results, &journal, EVENT, &Csv).expect("loads");
    memory.add_existing(Vec::new());
    assert_eq!(gone(&mut memory, "a@x.com"), Some(true));
    assert_eq!(gone(&mut memory, "b@x.com"), Some(true));
    let mut memory = Memory::load(&results, &journal, EVENT, &Csv).expect("loads");
    memory.add_existing(vec![Existing {
        email: "B@x.com".to_string(),
        status: crate::model::Listing::Approved,
        registrant_id: "new".to_string(),
        join_url: "https://zoom.us/w/2".to_string(),
        others: Vec::new(),
    }]);
    assert!(matches!(memory.known("b@x.com"), Some(Known::InZoom(_))));
}

#[test]
fn someone_an_earlier_run_registered_whom_zoom_now_lists_as_denied_was_cancelled() {
    let dir = tempfile::tempdir().expect("dir");
    let results = dir.path().join("r.csv");
    std::fs::write(
        &results,
        format!("{HEADER}{}", line(1, "a@x.com", "registered")),
    )
    .expect("write");
    let journal = dir.path().join("r.csv.journal");
    let denied = |email: &str| Existing {
        email: email.to_string(),
        status: crate::model::Listing::Denied,
        registrant_id: format!("id-{email}"),
        join_url: "https://zoom.us/w/1".to_string(),
        others: Vec::new(),
    };
    let mut memory = Memory::load(&results, &journal, EVENT, &Csv).expect("loads");
    memory.add_existing(vec![denied("A@x.com"), denied("c@x.com")]);
    // Zoom keeps a cancelled registrant on its denied list: gone, with no join URL.
    match memory.known("a@x.com") {
        Some(Known::EarlierRun {
            gone: true,
            join_url,
            ..
        }) => assert!(join_url.is_empty()),
        other => panic!("{other:?}"),
    }
    // Denied, and never registered by zimport: what Zoom lists.
    assert!(matches!(
        memory.known("c@x.com"),
        Some(Known::InZoom(Existing {
            status: crate::model::Listing::Denied,
            ..
        }))
    ));
}

#[test]
fn an_address_zoom_lists_twice_is_one_person_with_both_listings() {
    let listed = |email: &str, status, id: &str| Existing {
        email: email.to_string(),
        status,
        registrant_id: id.to_string(),
        join_url: String::new(),
        others: Vec::new(),
    };
    use crate::model::Listing;
    let mut memory = Memory::empty();
    memory.add_existing(vec![
        listed("a@x.com", Listing::Approved, "a1"),
        listed("b@x.com", Listing::Approved, "b1"),
        // The same address in another case, and with a decomposed accent, on other lists.
        listed("A@X.com", Listing::Pending, "a2"),
        listed("A@x.com", Listing::Denied, "a3"),
        listed("e\u{301}@x.com", Listing::Pending, "e1"),
        listed("\u{e9}@x.com", Listing::Approved, "e2"),
    ]);
    match memory.known("a@x.com") {
        Some(Known::InZoom(existing)) => {
            assert_eq!(existing.registrant_id, "a1");
            assert_eq!(
                existing.others,
                vec![
                    (Listing::Pending, "a2".to_string()),
                    (Listing::Denied, "a3".to_string())
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    match memory.known("\u{e9}@x.com") {
        Some(Known::InZoom(existing)) => {
            assert_eq!(existing.registrant_id, "e2", "approved counts");
            assert_eq!(existing.others, vec![(Listing::Pending, "e1".to_string())]);
        }
        other => panic!("{other:?}"),
    }
}
