//! The read-only checks before anything is sent (and in a dry run when credentials are set):
//! the token's scopes, the event (exists, takes registrations, not over, its occurrences,
//! whether batch fits), its registration form, and the people already registered. Each
//! problem found here stops the run before its first registration, with what to fix.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::config::{Config, EventKind};
use crate::limits::Mode;
use crate::registrant::{shorten, Field};
use crate::registrant::{CustomQuestion, Form};
use crate::zoom::{ApiError, Category, Refusal, ZoomClient};

/// A person Zoom already lists for the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub email: String,
    /// `approved`, `pending` or `denied`.
    pub status: String,
    pub registrant_id: String,
    pub join_url: String,
}

/// What the checks learned.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// Lines for the person running the tool.
    pub notes: Vec<String>,
    /// Batch registration can be used for this event and token.
    pub batch_fits: bool,
    pub form: Form,
    /// `None` when the check was skipped (`--no-skip-existing`, or no read scope).
    pub existing: Option<Vec<Existing>>,
    /// People the event holds already (approved or pending), for the capacity check.
    pub registered: u64,
    /// The most registrants the event takes.
    pub capacity: Option<u64>,
    /// The event could be read, so a later refused token is not a read problem.
    pub event_read: bool,
}

/// Why the run cannot start (exit 3).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PreflightError(pub String);

fn noun(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Meeting => "meeting",
        EventKind::Webinar => "webinar",
    }
}

/// Whether `scopes` allow an action, by its classic (`meeting:write`) or granular
/// (`meeting:write:registrant`) name, user- or admin-level.
fn allows(scopes: &HashSet<&str>, kind: EventKind, classic: &str, granular: &str) -> bool {
    let k = noun(kind);
    [
        format!("{k}:{classic}"),
        format!("{k}:{classic}:admin"),
        format!("{k}:{granular}"),
        format!("{k}:{granular}:admin"),
    ]
    .iter()
    .any(|scope| scopes.contains(scope.as_str()))
}

const SCOPES_HELP: &str = "add it to the app in the Zoom App Marketplace (Manage → your Server-to-Server OAuth app → Scopes), then run again";

#[derive(Deserialize)]
struct EventAnswer {
    #[serde(rename = "type")]
    event_type: Option<u8>,
    topic: Option<String>,
    start_time: Option<String>,
    duration: Option<u64>,
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    occurrences: Vec<Occurrence>,
}

#[derive(Deserialize, Default)]
struct Settings {
    approval_type: Option<u8>,
    registration_type: Option<u8>,
    registrants_restrict_number: Option<u64>,
}

#[derive(Deserialize)]
struct Occurrence {
    occurrence_id: String,
    start_time: Option<String>,
    duration: Option<u64>,
}

/// The registration form (Zoom's schema makes both lists optional).
#[derive(Deserialize)]
struct QuestionsAnswer {
    #[serde(default)]
    questions: Vec<StandardQuestion>,
    #[serde(default)]
    custom_questions: Vec<CustomAnswer>,
}

#[derive(Deserialize)]
struct StandardQuestion {
    field_name: String,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
struct CustomAnswer {
    title: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    answers: Vec<String>,
}

/// One page of the registrant list. An answer that is not one must not pass for an empty last
/// page: each registrant needs its email (Zoom's schema requires it), and a page may leave
/// out its list only when the list is empty.
#[derive(Deserialize)]
#[serde(try_from = "ListPage")]
struct ListAnswer {
    next_page_token: Option<String>,
    registrants: Vec<Listed>,
}

/// [`ListAnswer`] as it arrives.
#[derive(Deserialize)]
struct ListPage {
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    total_records: Option<u64>,
    registrants: Option<Vec<Listed>>,
}

impl TryFrom<ListPage> for ListAnswer {
    type Error = String;

    fn try_from(page: ListPage) -> Result<ListAnswer, String> {
        let next_page_token = page.next_page_token.filter(|t| !t.is_empty());
        let registrants = match page.registrants {
            Some(registrants) => registrants,
            None if page.total_records.unwrap_or(0) == 0 && next_page_token.is_none() => Vec::new(),
            None => return Err("a page of registrants without its list".to_string()),
        };
        Ok(ListAnswer {
            next_page_token,
            registrants,
        })
    }
}

#[derive(Deserialize)]
struct Listed {
    #[serde(default)]
    id: String,
    email: String,
    #[serde(default)]
    join_url: Option<String>,
}

/// A GET whose answer is read as `T`, tried up to four times when the answer is transient (a
/// 5xx, a dropped connection, a per-second 429) or is not what Zoom sends: a page that cannot
/// be read must never end a scan as if it were the last one. Other refusals return at once.
async fn read<T: DeserializeOwned>(
    client: &ZoomClient,
    category: Category,
    tail: &str,
    query: &[(&str, String)],
) -> Result<T, ApiError> {
    let mut last = None;
    for attempt in 0..4u32 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(300 << attempt)).await;
        }
        let error = match client.get(category, tail, query).await.result {
            Ok(value) => match serde_json::from_value(value) {
                Ok(answer) => return Ok(answer),
                Err(why) => ApiError::Transient(Refusal {
                    message: format!(
                        "Zoom's answer was not understood ({})",
                        shorten(&why.to_string())
                    ),
                    ..Refusal::default()
                }),
            },
            Err(error @ (ApiError::Transient(_) | ApiError::PerSecondLimit { .. })) => error,
            Err(error) => return Err(error),
        };
        last = Some(error);
    }
    Err(last.unwrap_or_else(|| ApiError::Auth("no answer".to_string())))
}

fn fatal(context: &str, error: &ApiError) -> PreflightError {
    let detail = match error {
        ApiError::Auth(message) | ApiError::NotSent(message) => message.clone(),
        other => other.refusal().map(ToString::to_string).unwrap_or_default(),
    };
    PreflightError(format!("{context} (Zoom: {detail})"))
}

fn ended(start: Option<&str>, duration_minutes: Option<u64>) -> bool {
    let Some(start) = start.and_then(|s| humantime::parse_rfc3339_weak(s).ok()) else {
        return false;
    };
    // Zoom's numbers are bounded before use: an absurd duration is no end at all.
    let minutes = duration_minutes.unwrap_or(0).min(366 * 24 * 60);
    start
        .checked_add(Duration::from_secs(minutes * 60))
        .is_some_and(|end| end < SystemTime::now())
}

/// Runs the checks. `config.mode`, `config.occurrences` and `config.skip_existing` shape them.
pub async fn check(client: &ZoomClient, config: &Config) -> Result<Findings, PreflightError> {
    let event = config.event;
    let kind = event.kind;
    let k = noun(kind);
    let mut findings = Findings {
        batch_fits: config.mode != Mode::Single,
        ..Findings::default()
    };

    // 1. The token and its scopes.
    let token = client
        .tokens()
        .bearer()
        .await
        .map_err(|e| PreflightError(e.to_string()))?;
    let scopes: HashSet<&str> = token.scope.split_whitespace().collect();
    let known_scopes = !scopes.is_empty();
    if !known_scopes {
        findings.notes.push("Zoom's token answer listed no scopes (this happens for a few seconds after scopes change); scope checks skipped".to_string());
    }
    let can =
        |classic: &str, granular: &str| !known_scopes || allows(&scopes, kind, classic, granular);
    if !config.dry_run && !can("write", "write:registrant") {
        return Err(PreflightError(format!(
            "the app's token lacks the scope {k}:write:registrant:admin (or the classic {k}:write:admin) that registering needs; {SCOPES_HELP}. The token has: {}",
            token.scope
        )));
    }
    if config.dry_run && !can("write", "write:registrant") {
        return Err(PreflightError(format!(
            "a real run would fail: the app's token lacks the scope {k}:write:registrant:admin (or the classic {k}:write:admin); {SCOPES_HELP}. The token has: {}",
            token.scope
        )));
    }
    if findings.batch_fits && !can("write", "write:batch_registrants") {
        if config.mode == Mode::Batch {
            return Err(PreflightError(format!(
                "--mode batch needs the scope {k}:write:batch_registrants:admin (or {k}:write:admin); {SCOPES_HELP}"
            )));
        }
        findings.batch_fits = false;
        findings.notes.push(format!(
            "the token lacks {k}:write:batch_registrants:admin, so every row is sent as a single add"
        ));
    }

    // 2. The event.
    let read_scope = if kind == EventKind::Webinar {
        "read:webinar"
    } else {
        "read:meeting"
    };
    if can("read", read_scope) {
        let answer: EventAnswer =
            read(client, Category::Light, "", &[])
                .await
                .map_err(|error| match &error {
                    ApiError::Rejected(refusal)
                        if refusal.http_status == Some(404) || refusal.zoom_code == Some(3001) =>
                    {
                        PreflightError(format!(
                            "{event} was not found or has expired; check the ID (Zoom: {refusal})"
                        ))
                    }
                    _ => fatal(&format!("cannot read {event}"), &error),
                })?;
        findings.event_read = true;
        check_event(&answer, config, &mut findings)?;
    } else {
        findings.notes.push(format!(
            "the token lacks {k}:read:{}:admin, so the event itself was not checked",
            &read_scope[5..]
        ));
    }

    // 3. The registration form.
    if can("read", "read:list_registration_questions") {
        let answer: QuestionsAnswer = read(client, Category::Light, "registrants/questions", &[])
            .await
            .map_err(|e| {
                fatal(
                    &format!("cannot read the registration questions of {event}"),
                    &e,
                )
            })?;
        for question in answer.questions.iter().filter(|q| q.required) {
            if let Some(field) = Field::from_name(&question.field_name) {
                findings.form.required.push(field);
            }
        }
        findings.form.custom = answer
            .custom_questions
            .into_iter()
            .map(|q| CustomQuestion {
                answers: if q.kind == "single" {
                    q.answers
                } else {
                    Vec::new()
                },
                title: q.title,
                required: q.required,
            })
            .collect();
        if !findings.form.required.is_empty() {
            let names: Vec<&str> = findings
                .form
                .required
                .iter()
                .map(|f| f.api_name())
                .collect();
            findings.notes.push(format!(
                "the registration form requires: {}",
                names.join(", ")
            ));
        }
        if !findings.form.custom.is_empty() {
            let titles: Vec<String> = findings
                .form
                .custom
                .iter()
                .map(|q| {
                    format!(
                        "'{}'{}",
                        q.title,
                        if q.required { " (required)" } else { "" }
                    )
                })
                .collect();
            findings
                .notes
                .push(format!("custom questions: {}", titles.join(", ")));
        }
    }

    // 4. The people already registered.
    if config.skip_existing {
        if can("read", "read:list_registrants") {
            let existing = list_registrants(client)
                .await
                .map_err(|e| fatal(&format!("cannot list the registrants of {event}"), &e))?;
            let count = |status: &str| existing.iter().filter(|e| e.status == status).count();
            findings.notes.push(format!(
                "Zoom already lists {} registrants ({} approved, {} pending, {} denied); they are not sent again",
                existing.len(),
                count("approved"),
                count("pending"),
                count("denied")
            ));
            findings.registered = (count("approved") + count("pending")) as u64;
            findings.existing = Some(existing);
        } else {
            findings.notes.push(format!(
                "the token lacks {k}:read:list_registrants:admin, so people registered through other channels cannot be skipped"
            ));
        }
    }
    Ok(findings)
}

fn check_event(
    answer: &EventAnswer,
    config: &Config,
    findings: &mut Findings,
) -> Result<(), PreflightError> {
    let event = config.event;
    let event_type = answer.event_type.unwrap_or(0);
    let recurring = matches!(event_type, 8 | 9);
    let unsupported = match (event.kind, event_type) {
        (EventKind::Meeting, 1) => {
            Some("it is an instant meeting, and instant meetings cannot take registration")
        }
        (EventKind::Meeting, 3) => {
            Some("it is a recurring meeting with no fixed time, which cannot take registration")
        }
        (EventKind::Meeting, 4) => {
            Some("it is a personal meeting ID (PMI) meeting, which cannot take registration")
        }
        _ => None,
    };
    if let Some(why) = unsupported {
        return Err(PreflightError(format!(
            "{event} does not take registrations: {why}"
        )));
    }
    if answer.settings.approval_type == Some(2) {
        return Err(PreflightError(format!(
            "{event} does not take registrations; in Zoom, edit it and turn on Registration (Required)"
        )));
    }
    let all_over = if recurring {
        !answer.occurrences.is_empty()
            && answer
                .occurrences
                .iter()
                .all(|o| ended(o.start_time.as_deref(), o.duration))
    } else {
        ended(answer.start_time.as_deref(), answer.duration)
    };
    if all_over {
        return Err(PreflightError(format!(
            "{event} is over (it started {}), so Zoom takes no more registrations",
            answer.start_time.as_deref().unwrap_or("in the past")
        )));
    }

    let known: Vec<&str> = answer
        .occurrences
        .iter()
        .map(|o| o.occurrence_id.as_str())
        .collect();
    if !config.occurrences.is_empty() {
        if !recurring {
            return Err(PreflightError(format!(
                "--occurrence is for recurring meetings and webinars with a fixed time, and {event} is not one"
            )));
        }
        if let Some(unknown) = config
            .occurrences
            .iter()
            .find(|o| !known.contains(&o.as_str()))
        {
            return Err(PreflightError(format!(
                "--occurrence {unknown} is not an occurrence of {event}; its occurrences are: {}",
                known.join(", ")
            )));
        }
    } else if recurring && matches!(answer.settings.registration_type, Some(2 | 3)) {
        return Err(PreflightError(format!(
            "{event} registers people for each occurrence: choose them with --occurrence ID (repeatable); its occurrences are: {}",
            known.join(", ")
        )));
    }

    let scheduled = matches!(
        (event.kind, event_type),
        (EventKind::Meeting, 2) | (EventKind::Webinar, 5)
    );
    if findings.batch_fits && !scheduled {
        if config.mode == Mode::Batch {
            return Err(PreflightError(format!(
                "--mode batch, but Zoom's batch registration takes only scheduled meetings and webinars, and {event} is type {event_type}; use --mode auto or --mode single"
            )));
        }
        findings.batch_fits = false;
    }
    findings.capacity = match event.kind {
        EventKind::Meeting => Some(4_999),
        EventKind::Webinar => answer
            .settings
            .registrants_restrict_number
            .filter(|&n| n > 0),
    };
    let approval = match answer.settings.approval_type {
        Some(0) => "automatic approval",
        Some(1) => "manual approval (rows are registered without a join URL unless --auto-approve)",
        _ => "approval unknown",
    };
    findings.notes.push(format!(
        "{event}: '{}', type {event_type}, {approval}; {}",
        answer.topic.as_deref().unwrap_or(""),
        if findings.batch_fits {
            "batch registration fits"
        } else {
            "rows go as single adds"
        }
    ));
    Ok(())
}

/// Every registrant of the event, approved, pending and denied, 300 a page.
async fn list_registrants(client: &ZoomClient) -> Result<Vec<Existing>, ApiError> {
    let mut all = Vec::new();
    for status in ["approved", "pending", "denied"] {
        let mut token = String::new();
        loop {
            let mut query = vec![
                ("status", status.to_string()),
                ("page_size", "300".to_string()),
            ];
            if !token.is_empty() {
                query.push(("next_page_token", token.clone()));
            }
            let page: ListAnswer = read(client, Category::Medium, "registrants", &query).await?;
            all.extend(page.registrants.into_iter().map(|r| Existing {
                email: r.email,
                status: status.to_string(),
                registrant_id: r.id,
                join_url: r.join_url.unwrap_or_default(),
            }));
            match page.next_page_token {
                Some(next) => token = next,
                None => break,
            }
        }
    }
    Ok(all)
}
