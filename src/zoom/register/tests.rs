use super::*;
use crate::model::{EventId, EventKind};

const MEETING: Event = Event {
    kind: EventKind::Meeting,
    id: EventId(83_927_864_687),
};

fn rejected(status: u16, code: i64, message: &str) -> ApiError {
    ApiError::Rejected(Refusal {
        http_status: Some(status),
        zoom_code: Some(code),
        message: message.to_string(),
        ..Refusal::default()
    })
}

#[test]
fn event_errors_stop_the_run_with_what_to_fix() {
    for (error, expected) in [
        (
            rejected(404, 3001, "Meeting \"1\" not found or has expired."),
            "was not found or has expired; check the ID",
        ),
        (
            rejected(
                404,
                404,
                "Registration has not been enabled for this meeting: 1",
            ),
            "turn on Registration",
        ),
        (
            rejected(400, 3038, "Meeting is over, you can not register now."),
            "is over",
        ),
        (
            rejected(400, 3043, "Meeting has reached maximum attendee capacity."),
            "capacity",
        ),
        (
            rejected(400, 4711, "Invalid access token, does not contain scopes"),
            "meeting:write:registrant:admin",
        ),
    ] {
        match decide(&error, MEETING, false) {
            Decision::StopRun(reason) => assert!(reason.contains(expected), "{reason}"),
            _ => panic!("{error:?} should stop the run"),
        }
    }
}

#[test]
fn row_errors_fail_only_the_row() {
    assert!(matches!(
        decide(&rejected(400, 300, "Validation Failed."), MEETING, false),
        Decision::Failed(_)
    ));
    assert!(
        matches!(decide(&rejected(400, 3027, "Host cannot register."), MEETING, false), Decision::Failed(m) if m.contains("host"))
    );
}

#[test]
fn batch_type_errors_mean_batch_does_not_fit() {
    assert!(matches!(
        decide(
            &rejected(400, 303, "This API can only be used for scheduled meeting."),
            MEETING,
            false
        ),
        Decision::BatchUnsupported
    ));
}

#[test]
fn validation_errors_name_the_batch_rows() {
    let refusal = Refusal {
        field_errors: vec![
            (
                "registrants[3].email".to_string(),
                "Invalid field.".to_string(),
            ),
            (
                "registrants[12].first_name".to_string(),
                "Invalid field.".to_string(),
            ),
            ("email".to_string(), "Invalid field.".to_string()),
        ],
        ..Refusal::default()
    };
    let rows = bad_batch_rows(&refusal);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[&3], ["email: Invalid field."]);
    assert_eq!(rows[&12], ["first_name: Invalid field."]);
}
