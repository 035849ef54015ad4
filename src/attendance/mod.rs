//! `zimport attendance`: who came to an event, joined to its registrations (SPEC §1
//! "Attendance"). It reads the instances asked for, each one's participant report and the
//! event's registrants ([`read`]), joins them ([`tally`](mod@tally): one row per registrant
//! and one per guest, for each instance), and writes the rows as a table for people
//! ([`crate::table`]), or only counts them (`--dry-run`, which still reads the reports).

pub mod read;
pub mod tally;

use std::borrow::Cow;

use crate::console::Console;
use crate::model::Listing;
use crate::reading::TableConfig;
use crate::results::encode::encode_cells;
use crate::summary::{TableCommand, TableWritten, Tally};
use crate::Error;
use tally::{Attendance, Index};

/// Which instances of the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    /// The latest one that has ended.
    Latest,
    /// `--instance UUID`.
    One(String),
    /// `--all-instances`: every one Zoom still lists.
    All,
}

/// What to report, validated ([`crate::cli::attendance::AttendanceCli`]).
#[derive(Debug)]
pub struct AttendanceConfig {
    pub table: TableConfig,
    pub which: Which,
}

/// The file's columns (SPEC §1 "Attendance").
pub const COLUMNS: [&str; 13] = [
    "email",
    "first_name",
    "last_name",
    "registrant_id",
    "status",
    "attended",
    "first_join",
    "last_leave",
    "minutes",
    "share",
    "sessions",
    "instance",
    "instance_start",
];

/// `zimport attendance`, as the console says it.
pub const ATTENDANCE: TableCommand = TableCommand {
    name: "attendance",
    one: "person",
    many: "people",
    done: "wrote",
    would: "would be written",
};

/// Reads the reports and the registrants, and writes (or counts) who came.
pub fn attendance(
    config: &AttendanceConfig,
    console: &Console,
) -> Result<TableWritten<Attended>, Error> {
    let table = &config.table;
    let event = table.event;
    table.opening(console, "attendance");
    let (reports, registrants) = table.read_zoom(console, async |client, spinner| {
        let progress = |n: usize| spinner.say(format_args!("{n} report rows read"));
        let backoff = table.zoom.backoff_base;
        read::read_all(client, event, &config.which, backoff, &progress).await
    })?;
    console.detail(format_args!("{} registrants listed", registrants.len()));
    for report in &reports {
        let of = match &report.occurrence {
            Some(occurrence) => format!(", occurrence {}", crate::outside::shown(occurrence)),
            None => String::new(),
        };
        console.detail(format_args!(
            "instance {} (started {}{of}): report rows: {}",
            crate::outside::shown(&report.held.uuid),
            crate::outside::shown(&report.start_time),
            report.joins.len()
        ));
    }
    let instances: Vec<InstanceRead> = reports
        .iter()
        .map(|report| InstanceRead {
            uuid: report.held.uuid.clone(),
            start_time: report.start_time.clone(),
            may_be_incomplete: just_ended(report.held.end),
        })
        .collect();
    for instance in instances.iter().filter(|i| i.may_be_incomplete) {
        console.warn(format_args!(
            "instance {} of {event} ended less than 30 minutes ago, and Zoom's reports can take that long to be complete: run again later for the final figures (exit 4)",
            crate::outside::shown(&instance.uuid)
        ));
    }
    let settling = instances.iter().any(|i| i.may_be_incomplete);

    let index = Index::new(&registrants);
    let counted = if table.dry_run {
        each_row(&index, &reports, &mut |_, _| Ok(())).map_err(|e| Error::Setup(e.to_string()))?
    } else {
        let mut counted = Counted::default();
        crate::table::write_table(table.output.as_deref(), table.excel, |out| {
            let mut line = Vec::new();
            encode_cells(COLUMNS, table.raw, &mut line);
            out.write_all(&line)?;
            counted = each_row(&index, &reports, &mut |person, instance| {
                line.clear();
                encode_cells(
                    cells(person, instance).iter().map(|cell| cell.as_ref()),
                    table.raw,
                    &mut line,
                );
                out.write_all(&line)
            })?;
            Ok(())
        })
        .map_err(Error::Setup)?;
        counted
    };
    let Counted {
        people,
        guests,
        attended,
    } = counted;
    let by_status = vec![
        Tally::of("attended", attended),
        Tally {
            key: "not_attended",
            one: "not attended",
            many: "not attended",
            n: people - guests - attended,
        },
        Tally {
            key: "guests",
            one: "guest",
            many: "guests",
            n: guests,
        },
    ];
    let details = Attended {
        people,
        registrants: people - guests,
        instances,
    };
    let written = TableWritten {
        command: &ATTENDANCE,
        event,
        dry_run: table.dry_run,
        by_status,
        rows: people,
        output: table.written_to(),
        exit_code: match settling {
            true => crate::summary::exit::INCOMPLETE,
            false => crate::summary::exit::OK,
        },
        details,
    };
    console.table_written(&written);
    Ok(written)
}

/// What attendance's `--json` says besides what every table command does.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Attended {
    /// Every row: registrants and guests.
    pub people: usize,
    /// The rows that are registrants.
    pub registrants: usize,
    pub instances: Vec<InstanceRead>,
}

/// One instance whose report the rows are of.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InstanceRead {
    pub uuid: String,
    /// As Zoom wrote it.
    pub start_time: String,
    /// It ended less than 30 minutes ago: Zoom's report may not be whole yet.
    pub may_be_incomplete: bool,
}

/// The rows written (or counted), as they go by.
#[derive(Debug, Default)]
struct Counted {
    people: usize,
    guests: usize,
    attended: usize,
}

/// Each person's row of each report, handed to `row` with its instance's own cells: one
/// instance is tallied at a time, so only its rows are held (the reports themselves are).
fn each_row(
    index: &Index,
    reports: &[read::Report],
    row: &mut dyn FnMut(&Attendance, &Instance<'_>) -> std::io::Result<()>,
) -> std::io::Result<Counted> {
    let mut counted = Counted::default();
    for report in reports {
        let instance = Instance {
            uuid: &report.held.uuid,
            start: rfc3339(Some(report.held.start)),
        };
        let occurrence = report.occurrence.as_deref();
        for person in index.tally(&report.joins, &report.held, occurrence) {
            counted.people += 1;
            match person.status {
                None => counted.guests += 1,
                Some(_) if person.attended => counted.attended += 1,
                Some(_) => {}
            }
            row(&person, &instance)?;
        }
    }
    Ok(counted)
}

/// Whether an instance ended so lately that its report may not be whole yet: Zoom's support
/// article on reports says "Meetings ended moments ago may take up to 30 minutes to display
/// in full reports" (support.zoom.com, KB0060632). An end after now (another clock) counts.
fn just_ended(end: std::time::SystemTime) -> bool {
    std::time::SystemTime::now()
        .duration_since(end)
        .map_or(true, |ago| ago < std::time::Duration::from_secs(30 * 60))
}

/// A time as the file writes it (RFC 3339, UTC, whole seconds); empty for none.
fn rfc3339(time: Option<std::time::SystemTime>) -> String {
    time.map(|t| humantime::format_rfc3339_seconds(t).to_string())
        .unwrap_or_default()
}

/// An instance's own cells, the same on each of its rows.
struct Instance<'r> {
    uuid: &'r str,
    /// As the file writes times.
    start: String,
}

/// One person's row, in [`COLUMNS`] order.
fn cells<'a>(person: &'a Attendance, instance: &'a Instance<'_>) -> [Cow<'a, str>; 13] {
    [
        Cow::Borrowed(person.email.as_str()),
        Cow::Borrowed(person.first_name.as_str()),
        Cow::Borrowed(person.last_name.as_str()),
        Cow::Borrowed(person.registrant_id.as_str()),
        Cow::Borrowed(person.status.map_or("guest", Listing::name)),
        Cow::Borrowed(if person.attended { "yes" } else { "no" }),
        Cow::Owned(rfc3339(person.first_join)),
        Cow::Owned(rfc3339(person.last_leave)),
        Cow::Owned(person.minutes.to_string()),
        Cow::Owned(person.share.to_string()),
        Cow::Owned(person.sessions.to_string()),
        Cow::Borrowed(instance.uuid),
        Cow::Borrowed(instance.start.as_str()),
    ]
}
