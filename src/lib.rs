//! `zimport` registers people from a CSV file into a Zoom meeting or webinar through Zoom's REST
//! API: correct on every row, safe to re-run, as fast as Zoom's rate limit allows.
//!
//! [`rows`] yields checked rows from the CSV, [`settle`] decides each row's outcome where Zoom
//! need not be asked, [`run`](mod@run) sends the rest through [`zoom`], and every outcome goes to
//! [`results`], which alone writes the results file; [`console`] alone talks to the person
//! running the tool. See the README's "How it works" for the picture.
//!
//! # Layout
//! - [`attendance`]: who came to an event, joined to its registrations.
//! - [`cli`]: the command line (clap), turned once into a [`config::Config`].
//! - [`config`]: the resolved, validated configuration of a run, and its task.
//! - [`credentials`]: where secrets and endpoints come from; HTTPS-or-loopback URLs.
//! - [`files`]: the files beside the results, never opened through a link or as a device.
//! - [`fingerprint`]: 8-byte stand-ins for email addresses, for sets that stay small.
//! - [`limits`]: Zoom's rate ceilings per plan, and the cost estimate of a run.
//! - [`lock`]: one run per results file, and per event.
//! - [`registrant`]: Zoom's registrant fields, its form, and the rules each value must meet.
//! - [`rows`]: CSV in: structural scan, encodings, header mapping, row validation.
//! - [`reorder`]: the one reorder buffer (blocks of the input, outcomes of requests).
//! - [`model`]: the plain types every layer speaks (event, status, counts, listings); imports
//!   nothing else of the crate.
//! - [`outside`]: text from outside as zimport shows it: the one escaping.
//! - [`outcome`]: what can become of a row, and the one place that is decided without Zoom.
//! - [`settle`]: every row read once, settled or passed on to be sent.
//! - [`spool`]: what a real run checked, kept until it is sent.
//! - [`dry_run`]: the dry run: every row checked and reported, nothing sent.
//! - [`zoom`]: talking to Zoom: token, pacing, requests, the checks before sending.
//! - [`run`](mod@run): orchestration of a real run: reader, dispatcher, workers, recorder.
//! - [`results`]: the results file (CSV) and its journal, written by one recorder, and the one
//!   place that knows how a results line is encoded; what earlier runs confirmed.
//! - [`table`]: where a table for people goes (an export's): a file put in place whole, or
//!   standard output.
//! - [`summary`]: what a run did, and its exit code.
//! - [`console`]: all console output: progress, warnings, the summary.

pub mod attendance;
pub mod cli;
pub mod config;
pub mod console;
pub mod credentials;
pub mod dry_run;
pub mod export;
pub mod files;
pub mod fingerprint;
pub mod limits;
pub mod lock;
pub mod model;
pub mod outcome;
pub mod outside;
pub mod reading;
pub mod registrant;
pub mod reorder;
pub mod results;
pub mod rows;
pub mod run;
pub mod settle;
pub mod spool;
pub mod summary;
pub mod table;
pub mod zoom;

use config::Config;
use console::Console;
use summary::{exit, Summary};

/// Property-test settings: `cases` cases, or `PROPTEST_CASES` of them for a deeper run.
#[cfg(test)]
fn property_cases(cases: u32) -> proptest::prelude::ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    proptest::prelude::ProptestConfig {
        cases,
        ..proptest::prelude::ProptestConfig::default()
    }
}

/// Why a run could not produce results. Each message names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] rows::InputError),
    #[error(transparent)]
    Results(#[from] results::ResultsError),
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error(transparent)]
    Memory(#[from] results::memory::MemoryError),
    /// The checks before sending found a problem with the credentials or the event.
    #[error(transparent)]
    Preflight(#[from] zoom::preflight::PreflightError),
    #[error(transparent)]
    Spool(#[from] spool::SpoolError),
    /// Something the run needs could not be set up (credentials, HTTPS, the runtime).
    #[error("{0}")]
    Setup(String),
    /// Ctrl-C or SIGTERM stopped a dry run before its end.
    #[error("{}: the dry run stopped before the end; no results file was written (an earlier one is left as it was)", .0.name())]
    Interrupted(model::Interrupt),
    /// A bug: part of the run failed. The results file is left as it was, with the journal.
    #[error("{0} (this is a bug in zimport: please report it); the results file is left as it was, and the next run picks up from its journal")]
    Internal(String),
}

impl Error {
    /// The exit code of SPEC §6 for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Lock(lock::LockError::Held { .. }) => exit::BUSY,
            Error::Input(_)
            | Error::Results(_)
            | Error::Spool(_)
            | Error::Setup(_)
            | Error::Lock(_)
            | Error::Memory(_) => exit::USAGE_OR_INPUT,
            Error::Internal(_) => exit::INCOMPLETE,
            Error::Interrupted(how) => exit::interrupted(*how),
            Error::Preflight(error) if error.later => exit::INCOMPLETE,
            Error::Preflight(_) => exit::AUTH_OR_EVENT,
        }
    }
}

/// Runs one import (or dry run) as configured and returns what happened. Holds the results
/// file's lock throughout, and starts from what earlier runs confirmed unless `--fresh`.
/// `stopper` is how the caller asks a run to stop (`main` does on Ctrl-C or SIGTERM).
pub fn run(
    config: &Config,
    console: &Console,
    stopper: &zoom::control::Stopper,
) -> Result<Summary, Error> {
    console.headline(config);
    let mut input = rows::CsvInput::open(&config.source, &config.input)?;
    let prepared = match prepare(config, console, &mut input) {
        Ok(prepared) => prepared,
        // Only the header has been read: if the file is broken, that is the problem to report.
        Err(err) => return Err(input.check_rest().err().map_or(err, Error::from)),
    };
    // After the checks, so the columns that answer the form's custom questions show as used.
    console.columns(&input, config.dry_run);
    let Prepared {
        locks,
        memory,
        connection,
        findings,
    } = prepared;
    let summary = match (connection, &findings) {
        (Some(connection), Some(findings)) if !config.dry_run => run::import(
            config, console, stopper, connection, input, memory, findings,
        ),
        _ => dry_run::dry_run(config, console, stopper, input, memory, findings.as_ref()),
    };
    drop(locks);
    summary
}

/// What a run needs besides its input.
struct Prepared {
    /// Held until the run ends: the results file's, and the event's (a real run's).
    locks: (lock::Lock, Option<lock::Lock>),
    /// What earlier runs confirmed, and the people Zoom lists.
    memory: results::memory::Memory,
    /// With credentials: the connection to Zoom, and what the checks before sending found.
    connection: Option<run::Connection>,
    findings: Option<zoom::preflight::Findings>,
}

fn prepare(
    config: &Config,
    console: &Console,
    input: &mut rows::CsvInput,
) -> Result<Prepared, Error> {
    let lock = lock::Lock::acquire(&config.output)?;
    // Only a run that writes the results it reads (not a dry run beside them) moves them.
    let writes_memory = config
        .import()
        .is_none_or(|import| config.output == import.memory);
    if let Some(import) = config.import().filter(|i| !i.fresh && writes_memory) {
        if let Some(earlier) = import.earlier_default.as_deref() {
            let event = config.event.to_string();
            if results::adopt_earlier(earlier, &import.memory, &event, config.results_format)? {
                console.note(format_args!(
                    "moved the earlier results {} to {}: results files now name their event, so two events' results never replace each other",
                    earlier.display(),
                    import.memory.display()
                ));
            }
        }
    }
    // A dry run sends nothing, so it does not keep other runs off the event.
    let event_lock = if config.dry_run {
        None
    } else {
        match lock::Lock::acquire_event(
            config.event,
            &config.output,
            config.cache_folder.as_deref(),
        ) {
            Ok(Some(held)) => Some(held),
            Ok(None) => {
                console.warn("no cache folder (HOME is not set), so a second run on this event at the same time would not be stopped");
                None
            }
            Err(lock::LockError::FolderNotPrivate { folder, why }) => {
                console.warn(format_args!(
                    "the lock folder {folder} {why}, so zimport does not keep its event lock there, and a second run on this event at the same time would not be stopped (make the folder yours with mode 700, or set XDG_CACHE_HOME to one that is)"
                ));
                None
            }
            Err(other) => return Err(other.into()),
        }
    };
    // A dry run writes beside the real run's results: what it replaces must be its own.
    if !writes_memory
        && config.output.exists()
        && !results::written_by_zimport(&config.output, config.results_format)
    {
        return Err(results::memory::MemoryError::Foreign {
            path: config.output.display().to_string(),
            why: "its header is not a results file's".to_string(),
        }
        .into());
    }
    // A status change's memory is Zoom's list alone.
    let mut memory = match config.import() {
        Some(import) if !import.fresh => remembered(config, import, console)?,
        _ => results::memory::Memory::empty(),
    };
    // With credentials, check Zoom's side first (read-only); a real run needs them.
    let connection = match &config.zoom.credentials {
        Some(credentials) => Some(run::Connection::open(config, console, credentials.clone())?),
        None => {
            console.note("no Zoom credentials set, so the token, the event, its registration form and its registrants were not checked (set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET to include them)");
            None
        }
    };
    let findings = match &connection {
        Some(connection) => Some(connection.preflight(config, console, input, &mut memory)?),
        None => None,
    };
    Ok(Prepared {
        locks: (lock, event_lock),
        memory,
        connection,
        findings,
    })
}

/// What earlier runs of an import confirmed: its results and their journal, read, with what
/// the person should know of them said.
fn remembered(
    config: &Config,
    import: &config::ImportOptions,
    console: &Console,
) -> Result<results::memory::Memory, Error> {
    let journal = results::companion(&import.memory, ".journal");
    let memory = results::memory::Memory::load(
        &import.memory,
        &journal,
        config.event,
        config.results_format,
    )?;
    for warning in &memory.warnings {
        console.warn(warning);
    }
    if !memory.is_empty() {
        // Only the journal exists after a run that was killed before its first results file.
        let kept_in = match (import.memory.exists(), journal.exists()) {
            (true, true) => format!("{} and its journal", import.memory.display()),
            (false, true) => format!("{}, left by a run that did not finish", journal.display()),
            _ => import.memory.display().to_string(),
        };
        console.note(format_args!(
            "{} people that earlier runs registered (or found cancelled since) are in {kept_in}; they will not be sent again (--fresh ignores them)",
            memory.len(),
        ));
    }
    Ok(memory)
}
