//! `zimport export`: an event's registrants, every page of each status asked for, written to a
//! CSV that is valid import input (or only counted, in a dry run). It owns the export's columns
//! and file; the paging is the checks' own ([`read_pages`]), each page spooled to a temporary
//! file as it comes (memory does not grow with the event); the cells are encoded as the
//! results file's are ([`encode_cells`]), and [`crate::table`] puts them where they go.

use std::io::Write;

use serde_json::Value;

use crate::console::Console;
use crate::reading::TableConfig;
use crate::registrant::Field;
use crate::results::encode::encode_cells;
use crate::summary::{TableCommand, TableWritten, Tally};
use crate::zoom::list::{read_pages, List, Listed, PageSink};
use crate::zoom::preflight::{event_not_found, fatal, names_no_event, PreflightError};
use crate::zoom::ApiError;
use crate::Error;

/// What to export, validated ([`crate::cli::export::ExportCli`]).
#[derive(Debug)]
pub struct ExportConfig {
    pub table: TableConfig,
    /// `approved`, `pending`, `denied`: in this order.
    pub statuses: Vec<&'static str>,
    pub occurrence: Option<String>,
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

/// `zimport export`, as the console says it.
pub const EXPORT: TableCommand = TableCommand {
    name: "export",
    one: "registrant",
    many: "registrants",
    done: "exported",
    would: "would be exported",
};

/// What an export's `--json` says besides what every table command does.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exported {
    /// The registrants written (or counted).
    pub registrants: usize,
}

/// Reads the registrants and writes (or counts) them.
pub fn export(config: &ExportConfig, console: &Console) -> Result<TableWritten<Exported>, Error> {
    let table = &config.table;
    let event = table.event;
    let what = format!("export of the {} registrants", config.statuses.join(", "));
    table.opening(console, &what);
    let (mut spooled, columns) = read_all(config, console)?;
    let by_status: Vec<Tally> = spooled
        .iter()
        .map(|spool| Tally::of(spool.status, spool.count))
        .collect();
    let registrants: usize = by_status.iter().map(|tally| tally.n).sum();
    if !table.dry_run {
        crate::table::write_table(table.output.as_deref(), table.excel, |out| {
            write_csv(out, &mut spooled, &columns, table.raw)
        })
        .map_err(Error::Setup)?;
    }
    let written = TableWritten {
        command: &EXPORT,
        event,
        dry_run: table.dry_run,
        by_status,
        rows: registrants,
        output: table.written_to(),
        exit_code: crate::summary::exit::OK,
        details: Exported { registrants },
    };
    console.table_written(&written);
    Ok(written)
}

/// The registrants of one status, spooled to a private temporary file as they come (a JSON
/// line each), so that memory does not grow with the event (BENCHMARKS.md, issue 31).
struct Spooled {
    status: &'static str,
    file: std::io::BufWriter<std::fs::File>,
    count: usize,
}

/// The columns beyond the first ones that the registrants read so far need.
struct Columns {
    /// For each of [`Field::ALL`], whether some registrant has it.
    fields: Vec<bool>,
    /// Custom questions' titles, in the order first met (case ignored).
    titles: Vec<String>,
}

impl Columns {
    fn new() -> Columns {
        Columns {
            fields: vec![false; Field::ALL.len()],
            titles: Vec::new(),
        }
    }

    fn note(&mut self, person: &Listed) {
        for (index, field) in Field::ALL.iter().enumerate() {
            if !self.fields[index] && !text(person.rest.get(field.api_name())).is_empty() {
                self.fields[index] = true;
            }
        }
        for (title, _) in answers(person) {
            if !self.titles.iter().any(|t| t.eq_ignore_ascii_case(&title)) {
                self.titles.push(title);
            }
        }
    }

    /// The other fields any registrant has, in Zoom's order.
    fn fields(&self) -> Vec<&'static str> {
        Field::ALL
            .iter()
            .zip(&self.fields)
            .filter(|(_, given)| **given)
            .map(|(field, _)| field.api_name())
            .filter(|name| !FIRST_COLUMNS.contains(name))
            .collect()
    }
}

/// A status's pages, written to its spool as they come, its columns noted.
struct SpoolSink<'a> {
    spool: &'a mut Spooled,
    columns: &'a mut Columns,
}

impl PageSink<Listed> for SpoolSink<'_> {
    fn page(&mut self, people: Vec<Listed>) -> Result<(), String> {
        let cannot = |e: std::io::Error| format!("cannot write the export's temporary file: {e}");
        for person in &people {
            self.columns.note(person);
            serde_json::to_writer(&mut self.spool.file, person)
                .map_err(|e| cannot(std::io::Error::other(e)))?;
            self.spool.file.write_all(b"\n").map_err(cannot)?;
        }
        self.spool.count += people.len();
        Ok(())
    }

    /// The columns noted stay: at worst one column is empty.
    fn restart(&mut self) -> Result<(), String> {
        let cannot = |e: std::io::Error| format!("cannot rewind the export's temporary file: {e}");
        self.spool.file.flush().map_err(cannot)?;
        let file = self.spool.file.get_mut();
        file.set_len(0).map_err(cannot)?;
        std::io::Seek::rewind(file).map_err(cannot)?;
        self.spool.count = 0;
        Ok(())
    }
}

/// Every registrant of each status asked for, a status's pages one after another, each
/// spooled to its own private temporary file.
fn read_all(config: &ExportConfig, console: &Console) -> Result<(Vec<Spooled>, Columns), Error> {
    let event = config.table.event;
    let backoff = config.table.zoom.backoff_base;
    config.table.read_zoom(console, async |client, spinner| {
        let mut all = Vec::new();
        let mut columns = Columns::new();
        for &status in &config.statuses {
            let read = |n: usize| spinner.say(format_args!("{n} {status} registrants read"));
            let file = tempfile::tempfile().map_err(|e| {
                PreflightError::refused(format!("cannot make a temporary file: {e}"))
            })?;
            let mut spool = Spooled {
                status,
                file: std::io::BufWriter::new(file),
                count: 0,
            };
            let mut sink = SpoolSink {
                spool: &mut spool,
                columns: &mut columns,
            };
            let list = List::registrants(status, config.occurrence.as_deref());
            match read_pages(client, backoff, &list, &read, &mut sink).await {
                Ok(()) => {}
                Err(ApiError::Rejected(refusal)) if names_no_event(&refusal) => {
                    return Err(event_not_found(client, event, &refusal).await);
                }
                Err(error) => {
                    return Err(fatal(
                        &format!("cannot list the {status} registrants of {event}"),
                        event,
                        &error,
                    ))
                }
            };
            all.push(spool);
        }
        Ok((all, columns))
    })
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

/// The CSV: a header, then a line per registrant, read back from the spools a line at a time.
fn write_csv(
    out: &mut dyn Write,
    spooled: &mut [Spooled],
    columns: &Columns,
    raw: bool,
) -> std::io::Result<()> {
    use std::io::{BufRead, Seek};
    let fields = columns.fields();
    let titles = &columns.titles;
    let mut line = Vec::new();
    let header = FIRST_COLUMNS
        .iter()
        .copied()
        .chain(fields.iter().copied())
        .chain(titles.iter().map(String::as_str));
    encode_cells(header, raw, &mut line);
    out.write_all(&line)?;
    for spool in spooled {
        spool.file.flush()?;
        let file = spool.file.get_mut();
        file.rewind()?;
        let status = spool.status;
        for text_line in std::io::BufReader::new(&*file).lines() {
            let person: Listed =
                serde_json::from_str(&text_line?).map_err(std::io::Error::other)?;
            let answers = answers(&person);
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
            line.clear();
            encode_cells(cells.iter().map(String::as_str), raw, &mut line);
            out.write_all(&line)?;
        }
    }
    Ok(())
}
