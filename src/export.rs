//! `zimport export`: an event's registrants, every page of each status asked for, written to a
//! CSV that is valid import input (or only counted, in a dry run). It owns the export's columns
//! and file; the paging is the checks' own ([`registrants_of`]), the cells are encoded as the
//! results file's are ([`encode_cells`]), and the file is private and put in place whole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::config::{Event, ZoomSettings};
use crate::console::Console;
use crate::files::{self, Open};
use crate::limits::RateLimits;
use crate::registrant::Field;
use crate::results::encode::encode_cells;
use crate::zoom::control::Control;
use crate::zoom::preflight::registrants::{registrants_of, Listed};
use crate::zoom::preflight::{event_not_found, fatal, names_no_event, PreflightError};
use crate::zoom::{ApiError, RequestOptions, ZoomClient};
use crate::Error;

/// What to export, validated ([`crate::cli::export::ExportCli`]).
#[derive(Debug)]
pub struct ExportConfig {
    pub event: Event,
    /// `None`: standard output.
    pub output: Option<PathBuf>,
    /// `approved`, `pending`, `denied`: in this order.
    pub statuses: Vec<&'static str>,
    pub occurrence: Option<String>,
    pub raw: bool,
    /// `--excel`: the file starts with a UTF-8 byte-order mark.
    pub excel: bool,
    pub dry_run: bool,
    pub limits: RateLimits,
    pub zoom: ZoomSettings,
}

/// The columns every export begins with; then the other fields any registrant has, then one
/// column per custom question. On import the four after the names are ignored.
pub const FIRST_COLUMNS: [&str; 7] = [
    "email",
    "first_name",
    "last_name",
    "status",
    "registrant_id",
    "join_url",
    "create_time",
];

/// What an export did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exported {
    pub command: &'static str,
    /// `{"kind": "meeting", "id": "839…"}`, as in every other command's `--json`.
    pub event: Event,
    pub dry_run: bool,
    /// People per status, in the order asked (in JSON an object: `{"approved": 1000, …}`).
    #[serde(serialize_with = "in_order")]
    pub by_status: Vec<(String, usize)>,
    pub registrants: usize,
    /// The file written; `None` for standard output or a dry run.
    pub output: Option<String>,
}

/// Reads the registrants and writes (or counts) them.
pub fn export(config: &ExportConfig, console: &Console) -> Result<Exported, Error> {
    let event = config.event;
    let to = match (&config.output, config.dry_run) {
        (_, true) => ", dry run".to_string(),
        (Some(path), false) => format!(" → {}", path.display()),
        (None, false) => " → standard output".to_string(),
    };
    console.opening(format_args!(
        "{event} → export of the {} registrants{to}",
        config.statuses.join(", ")
    ));
    let listed = read_all(config, console)?;
    let by_status: Vec<(String, usize)> = listed
        .iter()
        .map(|(status, people)| (status.to_string(), people.len()))
        .collect();
    let registrants = by_status.iter().map(|(_, n)| n).sum();
    let mut output = None;
    if !config.dry_run {
        let mut text = csv_of(&listed, config.raw);
        if config.excel {
            text.splice(0..0, crate::results::BYTE_ORDER_MARK.iter().copied());
        }
        match &config.output {
            Some(path) => {
                write_whole(path, &text)
                    .map_err(|e| Error::Setup(format!("cannot write {}: {e}", path.display())))?;
                output = Some(path.display().to_string());
            }
            None => std::io::stdout()
                .lock()
                .write_all(&text)
                .map_err(|e| Error::Setup(format!("cannot write to standard output: {e}")))?,
        }
    }
    let exported = Exported {
        command: "export",
        event,
        dry_run: config.dry_run,
        by_status,
        registrants,
        output,
    };
    console.exported(&exported);
    Ok(exported)
}

/// People per status as a JSON object, in the order asked.
fn in_order<S: serde::Serializer>(
    by_status: &[(String, usize)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(by_status.iter().map(|(status, n)| (status, n)))
}

/// Every registrant of each status asked for, a status's pages one after another.
fn read_all(
    config: &ExportConfig,
    console: &Console,
) -> Result<Vec<(&'static str, Vec<Listed>)>, Error> {
    let event = config.event;
    let credentials = config
        .zoom
        .credentials
        .clone()
        .ok_or_else(|| Error::Setup("no Zoom credentials".to_string()))?;
    let client = ZoomClient::open(
        &config.zoom,
        credentials,
        Arc::new(Control::default()),
        event,
        RequestOptions::default(),
        config.limits,
    )
    .map_err(Error::Setup)?
    .log_requests(console);
    let runtime = crate::zoom::runtime().map_err(Error::Setup)?;
    let spinner = console.spinner();
    let listed = runtime
        .block_on(async {
            client
                .tokens()
                .bearer()
                .await
                .map_err(PreflightError::no_token)?;
            let mut all = Vec::new();
            for &status in &config.statuses {
                let read = |n: usize| spinner.say(format_args!("{n} {status} registrants read"));
                let listed = registrants_of(
                    &client,
                    config.zoom.backoff_base,
                    status,
                    config.occurrence.as_deref(),
                    &read,
                )
                .await;
                let people: Vec<Listed> = match listed {
                    Ok(people) => people,
                    Err(ApiError::Rejected(refusal)) if names_no_event(&refusal) => {
                        return Err(event_not_found(&client, event, &refusal).await);
                    }
                    Err(error) => {
                        return Err(fatal(
                            &format!("cannot list the {status} registrants of {event}"),
                            event,
                            &error,
                        ))
                    }
                };
                all.push((status, people));
            }
            Ok::<_, PreflightError>(all)
        })
        .map_err(Error::from);
    spinner.finish();
    listed
}

/// A field's value as text: Zoom sends strings, and a number or `true` is written as it reads.
fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// The custom answers of one registrant, by title.
fn answers(listed: &Listed) -> Vec<(String, String)> {
    listed
        .rest
        .get("custom_questions")
        .and_then(Value::as_array)
        .map(|questions| {
            questions
                .iter()
                .map(|q| (text(q.get("title")), text(q.get("value"))))
                .filter(|(title, _)| !title.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The whole CSV: a header, then a line per registrant.
fn csv_of(listed: &[(&'static str, Vec<Listed>)], raw: bool) -> Vec<u8> {
    let people = || {
        listed
            .iter()
            .flat_map(|(status, people)| people.iter().map(move |p| (*status, p)))
    };
    // The other fields any registrant has, in Zoom's order.
    let fields: Vec<&'static str> = Field::ALL
        .iter()
        .map(|f| f.api_name())
        .filter(|name| !FIRST_COLUMNS.contains(name))
        .filter(|name| people().any(|(_, p)| !text(p.rest.get(*name)).is_empty()))
        .collect();
    let mut titles: Vec<String> = Vec::new();
    for (_, person) in people() {
        for (title, _) in answers(person) {
            if !titles.iter().any(|t| t.eq_ignore_ascii_case(&title)) {
                titles.push(title);
            }
        }
    }
    let mut out = Vec::new();
    let header = FIRST_COLUMNS
        .iter()
        .copied()
        .chain(fields.iter().copied())
        .chain(titles.iter().map(String::as_str));
    encode_cells(header, raw, &mut out);
    for (status, person) in people() {
        let answers = answers(person);
        let mut cells = vec![
            person.email.clone(),
            text(person.rest.get("first_name")),
            text(person.rest.get("last_name")),
            status.to_string(),
            person.id.clone(),
            person.join_url.clone().unwrap_or_default(),
            text(person.rest.get("create_time")),
        ];
        cells.extend(fields.iter().map(|name| text(person.rest.get(*name))));
        cells.extend(titles.iter().map(|title| {
            answers
                .iter()
                .find(|(t, _)| t.eq_ignore_ascii_case(title))
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        }));
        encode_cells(cells.iter().map(String::as_str), raw, &mut out);
    }
    out
}

/// Writes `bytes` to `path` whole: a private file beside it, synced, then renamed into place,
/// so nobody ever sees half a file.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    files::refuse_odd(path)?;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let mut file = files::open(&partial, Open::New)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&partial, path)?;
    crate::results::sync_folder(path);
    Ok(())
}
