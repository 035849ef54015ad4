//! The read-only checks before anything is sent (and in a dry run when credentials are set):
//! the token's scopes, the event (exists, takes registrations, not over, its occurrences,
//! whether batch fits), its registration form, and the people already registered. Each
//! problem found here stops the run before its first registration, with what to fix, and so
//! does a file that would take the event past the people it takes
//! ([`Findings::check_capacity`]).

pub(crate) mod event;
mod scopes;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::model::Category;
use crate::model::{Command, Event};
use crate::model::{Existing, Listing};
use crate::registrant::Field;
use crate::registrant::{CustomQuestion, Form};
use crate::zoom::auth::AuthError;
use crate::zoom::job::backoff;
pub(crate) use crate::zoom::list::list_registrants;
use crate::zoom::policy::{host_gone, verdict, Sending, Verdict, HOST_GONE};
use crate::zoom::{ApiError, Refusal, ZoomClient};
use event::{check_event, EventAnswer};
use scopes::Reads;

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
    /// Lines the person running the tool should heed, though the run goes on.
    pub warnings: Vec<String>,
}

impl Findings {
    /// Refuses a run that would take the event past the people it takes, before anything is
    /// sent: `to_send` people on top of those it holds.
    pub fn check_capacity(&self, event: Event, to_send: u64) -> Result<(), PreflightError> {
        let Some(capacity) = self.capacity else {
            return Ok(());
        };
        let active = self.registered;
        if active.saturating_add(to_send) > capacity {
            return Err(PreflightError::refused(format!(
                "{event} has {active} registrants and this file would add {to_send}, more than the {capacity} it takes; nothing was sent (split the file, or raise the event's limit)"
            )));
        }
        Ok(())
    }
}

/// Why the run cannot start: something to fix (exit 3), or Zoom refusing requests or out of
/// reach for now (`later`, exit 4: run again later).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PreflightError {
    pub message: String,
    pub later: bool,
}

impl PreflightError {
    /// Something to fix before a run can start.
    pub fn refused(message: String) -> PreflightError {
        PreflightError {
            message,
            later: false,
        }
    }

    /// No token: refused credentials are to fix; a token endpoint out of reach (the network,
    /// or Zoom, down) is for a run later, as cron should read it.
    pub fn no_token(error: AuthError) -> PreflightError {
        PreflightError {
            later: matches!(
                error,
                AuthError::Unreachable { .. } | AuthError::Busy { .. }
            ),
            message: error.to_string(),
        }
    }
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

/// A GET whose answer is read as `T`, tried up to four times when the answer is transient (a
/// 5xx, a dropped connection, a per-second 429) or is not what Zoom sends: a page that cannot
/// be read must never end a scan as if it were the last one. The waits between tries are the
/// registrations' ([`backoff`]): growing from `backoff_base`, and never shorter than Zoom's
/// `Retry-After`. Other refusals return at once.
pub(crate) async fn read<T: DeserializeOwned>(
    client: &ZoomClient,
    backoff_base: Duration,
    category: Category,
    tail: &str,
    query: &[(&str, String)],
) -> Result<T, ApiError> {
    let mut last: Option<ApiError> = None;
    let mut asked = None;
    for attempt in 0..4u32 {
        if last.is_some() {
            tokio::time::sleep(backoff(backoff_base, attempt - 1, asked)).await;
        }
        let error = match client.get(category, tail, query).await.result {
            Ok(answer) => return Ok(answer),
            Err(error) => error,
        };
        match verdict(&error, Sending::Read, client.event) {
            Verdict::Retry(wait) => asked = wait,
            _ => return Err(error),
        }
        last = Some(error);
    }
    Err(last.unwrap_or_else(|| ApiError::Auth("no answer".to_string())))
}

/// Whether Zoom's refusal of a read says there is no such event. Zoom's own 404s carry its
/// code: one without is the address answering (a wrong `ZOOM_API_URL`), not Zoom.
pub(crate) fn names_no_event(refusal: &Refusal) -> bool {
    refusal.zoom_code == Some(3001)
        || (refusal.http_status == Some(404)
            && refusal.zoom_code.is_some_and(|code| code != HOST_GONE))
}

/// The error for an event Zoom does not have: the other flag's ID, perhaps (Zoom's answer to
/// the other kind says), else a wrong or expired one.
pub(crate) async fn event_not_found(
    client: &ZoomClient,
    event: Event,
    refusal: &Refusal,
) -> PreflightError {
    let other = event.kind.other();
    let hint = if client.exists_as(other).await {
        format!(
            "; {} is a {}'s ID: use --{} {}",
            event.id,
            other.noun(),
            other.noun(),
            event.id
        )
    } else {
        "; check the ID".to_string()
    };
    PreflightError::refused(event_gone(event, &hint, refusal))
}

/// What a run says of an event Zoom does not have (or no longer has, mid-run), in one wording
/// wherever it is found out: `hint` says what to do, starting with `; `.
pub(crate) fn event_gone(event: Event, hint: &str, refusal: &Refusal) -> String {
    format!("{event} was not found or has expired{hint} (Zoom: {refusal})")
}

/// Why a read failed, as the run's error: exit 4 for a 429 that persisted or Zoom out of
/// reach, else exit 3.
pub(crate) fn fatal(context: &str, event: Event, error: &ApiError) -> PreflightError {
    if let ApiError::Rejected(refusal) = error {
        if refusal.zoom_code == Some(HOST_GONE) {
            return PreflightError::refused(host_gone(event, refusal));
        }
    }
    let detail = match error {
        ApiError::Auth(message) => message.clone(),
        ApiError::NotSent(reason) => format!("not sent: {reason}"),
        other => other.refusal().map(ToString::to_string).unwrap_or_default(),
    };
    match error {
        ApiError::EndlessList(why) => PreflightError {
            message: format!(
                "{context}: the list did not end ({why}); it was left unread, and nothing was sent. Run again later; if it persists, the API address is not Zoom's or Zoom is misbehaving"
            ),
            later: true,
        },
        ApiError::PagesExpired(_) => PreflightError {
            message: format!(
                "{context}: Zoom refused the list's page tokens {} times over, though they expire only after 15 minutes ({detail}); nothing was sent. Run again later",
                crate::zoom::list::MAX_RESTARTS + 1
            ),
            later: true,
        },
        ApiError::PerSecondLimit { .. } | ApiError::DailyLimit { .. } => PreflightError {
            message: format!(
                "{context}: Zoom kept answering 429 (too many requests; Zoom: {detail}); nothing was sent. Run again later; if other imports or apps use this Zoom account at the same time, give this one a lower pace with --max-rps"
            ),
            later: true,
        },
        // 5xx, refused connections, timeouts, four times over: Zoom is down or out of reach.
        // (An answer that was not understood is not that: a server that is not Zoom's API.)
        ApiError::Transient(refusal)
            if refusal.http_status.is_none_or(|status| status >= 500) =>
        {
            let message = format!(
                "{context}: no answer from Zoom after four tries ({detail}); nothing was sent. Run again later"
            );
            PreflightError {
                message,
                later: true,
            }
        }
        _ => PreflightError::refused(format!("{context} (Zoom: {detail})")),
    }
}

/// What the checks before a run need to know of it ([`crate::config::Config::checks`]).
#[derive(Debug, Clone, Copy)]
pub struct Checks<'a> {
    pub event: Event,
    pub command: Command,
    /// `--occurrence`: the occurrences of a recurring event the run is for.
    pub occurrences: &'a [String],
    pub dry_run: bool,
    /// An import not asked for single adds: batch registration may fit.
    pub may_batch: bool,
    /// `--mode batch`: batch registration was asked for by name.
    pub batch_asked: bool,
    /// Zoom's registrant lists are read (a status change's memory; an import's, unless
    /// `--no-skip-existing`).
    pub reads_registrants: bool,
    pub backoff_base: Duration,
}

/// Runs the checks, shaped by what the run is (`checks`).
pub async fn check(client: &ZoomClient, checks: &Checks<'_>) -> Result<Findings, PreflightError> {
    let event = checks.event;
    let kind = event.kind;
    let k = kind.noun();
    let mut findings = Findings {
        batch_fits: checks.may_batch,
        ..Findings::default()
    };

    // 1. The token and its scopes.
    let token = client
        .tokens()
        .bearer()
        .await
        .map_err(PreflightError::no_token)?;
    let Reads {
        event: read_event,
        form: read_form,
        list: read_list,
    } = scopes::check(&token.scope, checks, &mut findings)?;
    let importing = checks.command == Command::Import;
    let read_scope = scopes::read_scope(kind);
    let backoff_base = checks.backoff_base;
    let (event_answer, form_answer, listed) = tokio::join!(
        async {
            if read_event {
                Some(read::<EventAnswer>(client, backoff_base, Category::Light, "", &[]).await)
            } else {
                None
            }
        },
        async {
            if read_form {
                Some(
                    read::<QuestionsAnswer>(
                        client,
                        backoff_base,
                        Category::Light,
                        "registrants/questions",
                        &[],
                    )
                    .await,
                )
            } else {
                None
            }
        },
        async {
            if checks.reads_registrants && read_list {
                Some(list_registrants(client, backoff_base).await)
            } else {
                None
            }
        },
    );

    // 3. The event: the first problem found is the one a user fixes first.
    match event_answer {
        Some(answer) => {
            let answer = match answer {
                Ok(answer) => answer,
                Err(ApiError::Rejected(refusal)) if names_no_event(&refusal) => {
                    return Err(event_not_found(client, event, &refusal).await);
                }
                Err(error) => {
                    let at = client.api_base(&token);
                    return Err(fatal(
                        &format!("cannot read {event} at {at}"),
                        event,
                        &error,
                    ));
                }
            };
            findings.event_read = true;
            check_event(&answer, checks, &mut findings)?;
        }
        None => findings.notes.push(format!(
            "the token lacks {k}:read:{}:admin, so the event itself was not checked",
            &read_scope[5..]
        )),
    }

    // 4. The registration form.
    if let Some(answer) = form_answer {
        let answer = answer.map_err(|e| {
            fatal(
                &format!("cannot read the registration questions of {event}"),
                event,
                &e,
            )
        })?;
        apply_form(answer, &mut findings);
    }

    // 5. The people already registered.
    if let Some(existing) = listed {
        let existing = existing.map_err(|e| {
            fatal(
                &format!("cannot list the registrants of {event}"),
                event,
                &e,
            )
        })?;
        let count = |status: Listing| existing.iter().filter(|e| e.status == status).count();
        findings.notes.push(format!(
            "Zoom {}lists {} ({} approved, {} pending, {} denied){}",
            if importing { "already " } else { "" },
            match existing.len() {
                1 => "1 registrant".to_string(),
                n => format!("{n} registrants"),
            },
            count(Listing::Approved),
            count(Listing::Pending),
            count(Listing::Denied),
            if importing {
                "; they are not sent again"
            } else {
                ""
            }
        ));
        findings.registered = (count(Listing::Approved) + count(Listing::Pending)) as u64;
        findings.existing = Some(existing);
    } else if checks.reads_registrants {
        findings.notes.push(format!(
            "the token lacks {k}:read:list_registrants:admin, so people registered through other channels cannot be skipped"
        ));
    }
    Ok(findings)
}

/// What the registration form asks: its required standard fields and its custom questions.
fn apply_form(answer: QuestionsAnswer, findings: &mut Findings) {
    for question in &answer.questions {
        if let Some(field) = Field::from_name(&question.field_name) {
            findings.form.asked.push(field);
            if question.required {
                findings.form.required.push(field);
            }
        }
    }
    findings.form.custom = answer
        .custom_questions
        .into_iter()
        .map(|q| CustomQuestion {
            answers: if matches!(
                q.kind.as_str(),
                "single" | "single_radio" | "single_dropdown"
            ) {
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
