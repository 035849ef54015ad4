//! `zimport attendance`: who came to an event, joined to its registrations (SPEC §1
//! "Attendance"). It reads the instances asked for, each one's participant report and the
//! event's registrants ([`read`]), joins them ([`tally`](mod@tally): one row per registrant
//! and one per guest, for each instance), and writes the rows as a table for people
//! ([`crate::table`]), or only counts them (`--dry-run`, which still reads the reports).

pub mod read;
pub mod tally;

use std::borrow::Cow;
use std::path::PathBuf;

use crate::console::Console;
use crate::limits::RateLimits;
use crate::model::{Event, Listing};
use crate::results::encode::encode_cells;
use crate::summary::{TableCommand, TableWritten, Tally};
use crate::zoom::preflight::PreflightError;
use crate::zoom::{ZoomClient, ZoomSettings};
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
    pub event: Event,
    /// `None`: standard output.
    pub output: Option<PathBuf>,
    pub which: Which,
    pub raw: bool,
    /// `--excel`: the file starts with a UTF-8 byte-order mark.
    pub excel: bool,
    pub dry_run: bool,
    pub limits: RateLimits,
    pub zoom: ZoomSettings,
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
    let event = config.event;
    let to = crate::table::destination(config.output.as_deref(), config.dry_run);
    console.opening(format_args!("{event} → attendance{to}"));
    let client = ZoomClient::reading(&config.zoom, event, config.limits, console.request_log())
        .map_err(Error::Setup)?;
    let runtime = crate::zoom::runtime().map_err(Error::Setup)?;
    let spinner = console.spinner();
    let progress = |n: usize| spinner.say(format_args!("{n} report rows read"));
    let read = runtime.block_on(async {
        client
            .tokens()
            .bearer()
            .await
            .map_err(PreflightError::no_token)?;
        read::read_all(
            &client,
            event,
            &config.which,
            config.zoom.backoff_base,
            &progress,
        )
        .await
    });
    spinner.finish();
    let (reports, registrants) = read?;
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
    let settling: Vec<bool> = reports.iter().map(|r| just_ended(r.held.end)).collect();
    for (report, _) in reports.iter().zip(&settling).filter(|(_, s)| **s) {
        console.warn(format_args!(
            "instance {} of {event} ended less than 30 minutes ago, and Zoom's reports can take that long to be complete: run again later for the final figures (exit 4)",
            crate::outside::shown(&report.held.uuid)
        ));
    }

    let index = Index::new(&registrants);
    let counted = if config.dry_run {
        each_row(&index, &reports, &mut |_, _| Ok(())).map_err(|e| Error::Setup(e.to_string()))?
    } else {
        let mut counted = Counted::default();
        crate::table::write_table(config.output.as_deref(), config.excel, |out| {
            let mut line = Vec::new();
            encode_cells(COLUMNS, config.raw, &mut line);
            out.write_all(&line)?;
            counted = each_row(&index, &reports, &mut |person, instance| {
                line.clear();
                encode_cells(
                    cells(person, instance).iter().map(|cell| cell.as_ref()),
                    config.raw,
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
    let instances = reports.iter().zip(&settling);
    let details = Attended {
        people,
        registrants: people - guests,
        instances: instances
            .map(|(report, settling)| InstanceRead {
                uuid: report.held.uuid.clone(),
                start_time: report.start_time.clone(),
                may_be_incomplete: *settling,
            })
            .collect(),
    };
    let written = TableWritten {
        command: &ATTENDANCE,
        event,
        dry_run: config.dry_run,
        by_status,
        rows: people,
        output: config
            .output
            .as_ref()
            .filter(|_| !config.dry_run)
            .map(|path| path.display().to_string()),
        exit_code: match settling.contains(&true) {
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
