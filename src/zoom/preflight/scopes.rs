//! The token's scopes, before anything is read or sent: whether they allow the command, batch
//! registration, and each of the checks' reads. Three families count, each user- or
//! admin-level: classic (`meeting:write`), granular (`meeting:write:registrant`) and, for
//! webinars, the broad `webinar:read:webinar` / `webinar:write:webinar`, which Zoom grants in
//! place of the granular registrant scopes (the indico Zoom plugin accepts them:
//! `AUTO_REGISTRATION_BROAD_WEBINAR_SCOPES`). A token with scopes zimport does not know is
//! not refused for them: it gets a warning, and Zoom's own answer decides.

use std::collections::HashSet;

use super::Checks;
use super::{Findings, PreflightError};
use crate::model::{Command, EventKind};

/// What a token's scopes say of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// A scope zimport knows allows it.
    Yes,
    /// Every scope of the event's kind is one zimport knows, and none allows it.
    No,
    /// None that zimport knows allows it, but the token has scopes of the event's kind that
    /// zimport does not know: Zoom may take them.
    Unknown,
}

/// Which of the checks' reads the token allows.
pub(super) struct Reads {
    pub(super) event: bool,
    pub(super) form: bool,
    pub(super) list: bool,
}

/// What `scopes` say of an action, by its classic and granular names (and the broad ones).
fn grants(scopes: &HashSet<&str>, kind: EventKind, classic: &str, granular: &str) -> Grant {
    let k = kind.noun();
    let names = |action: &str, object: &str| {
        let mut names = vec![
            format!("{k}:{action}"),
            format!("{k}:{action}:admin"),
            format!("{k}:{object}"),
            format!("{k}:{object}:admin"),
        ];
        if kind == EventKind::Webinar {
            names.push(format!("webinar:{action}:webinar"));
            names.push(format!("webinar:{action}:webinar:admin"));
        }
        names
    };
    if names(classic, granular)
        .iter()
        .any(|scope| scopes.contains(scope.as_str()))
    {
        return Grant::Yes;
    }
    let known: Vec<String> = KNOWN_SCOPES
        .iter()
        .flat_map(|(action, object)| names(action, object))
        .collect();
    let prefix = format!("{k}:");
    let unknown = scopes
        .iter()
        .any(|scope| scope.starts_with(&prefix) && !known.iter().any(|name| name == scope));
    if unknown {
        Grant::Unknown
    } else {
        Grant::No
    }
}

/// The registrant scopes zimport knows, as (classic, granular) pairs of `grants`.
const KNOWN_SCOPES: [(&str, &str); 7] = [
    ("read", "read:meeting"),
    ("read", "read:webinar"),
    ("read", "read:list_registrants"),
    ("read", "read:list_registration_questions"),
    ("write", "write:registrant"),
    ("write", "write:batch_registrants"),
    ("write", "update:registrant_status"),
];

const SCOPES_HELP: &str = "add it to the app in the Zoom App Marketplace (Manage → your Server-to-Server OAuth app → Scopes), then run again";

/// The granular scope that reads the event itself.
pub(super) fn read_scope(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Webinar => "read:webinar",
        EventKind::Meeting => "read:meeting",
    }
}

/// Checks the token's `scope` (space-separated) for `checks`' command: refuses a token that
/// lacks what the run needs (by scopes zimport knows), warns of one it cannot judge, and says
/// which reads the checks can make. Notes and warnings go into `findings`, which also learns
/// whether batch fits.
pub(super) fn check(
    scope: &str,
    checks: &Checks<'_>,
    findings: &mut Findings,
) -> Result<Reads, PreflightError> {
    let kind = checks.event.kind;
    let k = kind.noun();
    let scopes: HashSet<&str> = scope.split_whitespace().collect();
    let known_scopes = !scopes.is_empty();
    if !known_scopes {
        findings.notes.push("Zoom's token answer listed no scopes (this happens for a few seconds after scopes change); scope checks skipped".to_string());
    }
    let grant = |classic: &str, granular: &str| {
        if known_scopes {
            grants(&scopes, kind, classic, granular)
        } else {
            Grant::Yes
        }
    };
    let (classic, granular, doing) = match checks.command {
        Command::Import => ("write", "write:registrant", "registering"),
        Command::Change(_) => (
            "write",
            "update:registrant_status",
            "changing a registrant's status",
        ),
    };
    let needed = format!("{k}:{granular}:admin (or the classic {k}:{classic}:admin)");
    match grant(classic, granular) {
        Grant::Yes => {}
        Grant::No => {
            let would = if checks.dry_run {
                "a real run would fail: "
            } else {
                ""
            };
            return Err(PreflightError::refused(format!(
                "{would}the app's token lacks the scope {needed} that {doing} needs; {SCOPES_HELP}. The token has: {}",
                scope
            )));
        }
        Grant::Unknown => findings.warnings.push(format!(
            "none of the token's scopes is one that zimport knows allows {doing} ({needed}), but it has scopes zimport does not know, which may; going on, and Zoom will say (the token has: {})",
            scope
        )),
    }
    if findings.batch_fits {
        match grant("write", "write:batch_registrants") {
            Grant::Yes => {}
            Grant::Unknown if checks.batch_asked => {}
            Grant::No if checks.batch_asked => {
                return Err(PreflightError::refused(format!(
                    "--mode batch needs the scope {k}:write:batch_registrants:admin (or {k}:write:admin); {SCOPES_HELP}"
                )));
            }
            Grant::No | Grant::Unknown => {
                findings.batch_fits = false;
                findings.notes.push(format!(
                    "the token lacks {k}:write:batch_registrants:admin, so every row is sent as a single add"
                ));
            }
        }
    }

    // A read whose scope zimport does not see is skipped, and said, unless the run needs it.
    let read_scope = read_scope(kind);
    let can = |granular: &str| grant("read", granular) == Grant::Yes;
    let read_event = can(read_scope);
    // A status change needs only the email of each row, and Zoom's list to find them in.
    let importing = checks.command == Command::Import;
    let read_form = importing && can("read:list_registration_questions");
    let list_grant = grant("read", "read:list_registrants");
    let read_list = list_grant == Grant::Yes || (!importing && list_grant == Grant::Unknown);
    if !importing && list_grant == Grant::No {
        return Err(PreflightError::refused(format!(
            "the app's token lacks the scope {k}:read:list_registrants:admin (or {k}:read:admin) that status changes need to find each person in Zoom's list; {SCOPES_HELP}"
        )));
    }
    Ok(Reads {
        event: read_event,
        form: read_form,
        list: read_list,
    })
}
