use super::*;
use crate::model::Known;
use crate::model::{Action, Command};
use crate::model::{Existing, Listing};

#[test]
fn a_verdict_has_one_outcome() {
    let known = Verdict::Known(Known::EarlierRun {
        registrant_id: "r1".to_string(),
        join_url: "https://zoom.us/w/1".to_string(),
        gone: false,
    });
    let earlier = answer(&known);
    assert_eq!(earlier.status, Status::AlreadyRegistered);
    assert_eq!(earlier.registrant_id, "r1");
    assert_eq!(earlier.join_url, "https://zoom.us/w/1");
    let gone = Verdict::Known(Known::EarlierRun {
        registrant_id: "r1".to_string(),
        join_url: "https://zoom.us/w/1".to_string(),
        gone: true,
    });
    let cancelled = answer(&gone);
    assert_eq!(cancelled.status, Status::Cancelled);
    assert_eq!(
        (cancelled.registrant_id, cancelled.join_url),
        ("r1", ""),
        "a cancelled person's join URL no longer works"
    );
    let mut message = String::new();
    duplicate_message(7, false, &mut message);
    let verdict = Verdict::Duplicate(&message);
    let duplicate = answer(&verdict);
    assert_eq!(duplicate.status, Status::Duplicate);
    assert_eq!(
        duplicate.message,
        "same email (ignoring case) as line 7; not sent"
    );
    message.clear();
    duplicate_message(crate::fingerprint::FAR_LINE, false, &mut message);
    assert!(message.contains("an earlier row"), "{message}");
    assert_eq!(answer(&Verdict::Unknown).status, Status::Valid);
    assert_eq!(answer(&Verdict::Invalid("bad")).status, Status::Invalid);
}

#[test]
fn a_status_change_sends_only_what_would_change() {
    let listed = |status: Listing| {
        Some(Known::InZoom(Existing {
            email: "a@x.com".to_string(),
            status,
            registrant_id: "r1".to_string(),
            join_url: String::new(),
            others: Vec::new(),
        }))
    };
    let change = |action| Command::Change(action);
    for (action, status, sends, outcome) in [
        (Action::Approve, Listing::Pending, true, Status::Valid),
        (Action::Approve, Listing::Denied, true, Status::Valid),
        (Action::Approve, Listing::Approved, false, Status::Unchanged),
        (Action::Deny, Listing::Approved, true, Status::Valid),
        (Action::Deny, Listing::Denied, false, Status::Unchanged),
        (Action::Cancel, Listing::Approved, true, Status::Valid),
        (Action::Cancel, Listing::Pending, true, Status::Valid),
        (Action::Cancel, Listing::Denied, false, Status::Unchanged),
    ] {
        let verdict = Verdict::of(change(action), listed(status));
        assert_eq!(verdict.sends(), sends, "{action:?} {status:?}");
        let answer = answer(&verdict);
        assert_eq!(answer.status, outcome, "{action:?} {status:?}");
        assert_eq!(answer.registrant_id, "r1", "Zoom's ID goes with the row");
    }
    // Not in Zoom's lists, where Zoom keeps cancelled people too: never registered.
    let unknown = Verdict::of(change(Action::Cancel), None);
    assert!(!unknown.sends());
    assert_eq!(answer(&unknown).status, Status::NotRegistered);
    let missing = Verdict::of(change(Action::Approve), None);
    assert_eq!(answer(&missing).status, Status::NotRegistered);
    // Earlier results are an import's memory, never a status change's.
    let earlier = Some(Known::EarlierRun {
        registrant_id: "r1".to_string(),
        join_url: String::new(),
        gone: false,
    });
    let verdict = Verdict::of(change(Action::Deny), earlier);
    assert_eq!(answer(&verdict).status, Status::NotRegistered);
    assert!(Verdict::of(Command::Import, None).sends());
}

#[test]
fn an_address_listed_twice_is_changed_on_every_listing_and_imported_by_its_most_final() {
    let listing = |status, id: &str| Existing {
        email: "a@x.com".to_string(),
        status,
        registrant_id: id.to_string(),
        join_url: format!("https://zoom.us/w/1?tk={id}"),
        others: Vec::new(),
    };
    let mut twice = listing(Listing::Pending, "pending-id");
    twice.merge(listing(Listing::Approved, "approved-id"));
    assert_eq!(
        (twice.status, twice.registrant_id.as_str()),
        (Listing::Approved, "approved-id"),
        "approved before pending"
    );
    assert_eq!(
        twice.others,
        vec![(Listing::Pending, "pending-id".to_string())]
    );

    let change = |action| Verdict::of(Command::Change(action), Some(Known::InZoom(twice.clone())));
    let cancel = change(Action::Cancel);
    assert_eq!(cancel.to_change(), ["approved-id", "pending-id"]);
    let answer_of_cancel = answer(&cancel);
    assert_eq!(answer_of_cancel.status, Status::Valid);
    assert!(
        answer_of_cancel
            .message
            .contains("2 times (approved, pending); a real run cancels 2 of them"),
        "{}",
        answer_of_cancel.message
    );
    let approve = change(Action::Approve);
    assert_eq!(
        approve.to_change(),
        ["pending-id"],
        "only the one not approved"
    );
    assert_eq!(answer(&approve).registrant_id, "pending-id");
    let mut denied_twice = listing(Listing::Denied, "d1");
    denied_twice.merge(listing(Listing::Denied, "d2"));
    let deny = Verdict::of(
        Command::Change(Action::Deny),
        Some(Known::InZoom(denied_twice)),
    );
    assert!(!deny.sends());
    assert_eq!(answer(&deny).status, Status::Unchanged);

    let import = Verdict::of(Command::Import, Some(Known::InZoom(twice.clone())));
    let imported = answer(&import);
    assert_eq!(
        (imported.status, imported.registrant_id),
        (Status::AlreadyRegistered, "approved-id")
    );
    assert!(
        imported.message.contains(
            "Zoom lists this address 2 times (approved, pending): the approved one counts"
        ),
        "{}",
        imported.message
    );
}
