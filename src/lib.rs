//! `zimport` registers people from a CSV file into a Zoom meeting or webinar through Zoom's REST
//! API: correct on every row, safe to re-run, as fast as Zoom's rate limit allows.
//!
//! [`input`] yields validated rows from the CSV, [`pipeline`] decides each row's outcome, and
//! every outcome goes to [`report`], which alone writes the results file and talks to the
//! person running the tool.
//!
//! # Layout
//! - [`cli`]: the command line (clap), turned once into a [`config::Config`].
//! - [`config`]: the resolved, validated configuration; event IDs.
//! - [`files`]: the files beside the results, never opened through a link or as a device.
//! - [`http`]: the HTTP client: no redirects, bounded answers, timeouts.
//! - [`fingerprint`]: 8-byte stand-ins for email addresses, for sets that stay small.
//! - [`input`]: CSV in: structural scan, encodings, header mapping, row validation, duplicates.
//! - [`registrant`]: Zoom's registrant fields and the rules each value must meet.
//! - [`limits`]: Zoom's rate ceilings per plan, and the cost estimate of a run.
//! - [`credentials`]: where secrets and endpoints come from; HTTPS-or-loopback URLs.
//! - [`control`]: whether requests may still start, and why a run stopped.
//! - [`auth`]: the run's one shared access token (single flight, refreshed ahead of expiry).
//! - [`pacing`]: each rate-limit category's requests spaced to stay under Zoom's ceiling.
//! - [`zoom`]: the Zoom client: paced typed requests, Zoom's answers as errors.
//! - [`register`]: one row's or one batch's requests, retries and outcome.
//! - [`preflight`]: the read-only checks before sending (scopes, event, form, registrants).
//! - [`memory`]: what earlier runs confirmed (results file and journal), for safe re-runs.
//! - [`lock`]: one run per results file, and per event.
//! - [`reorder`]: the one reorder buffer (blocks of the input, outcomes of requests).
//! - [`settle`]: the one place a row's outcome is decided without asking Zoom.
//! - [`spool`]: what a real run checked, kept until it is sent.
//! - [`dry_run`]: the dry run: every row checked and reported, on every core, nothing sent.
//! - [`pipeline`]: orchestration of a real run: reader, dispatcher, workers, recorder.
//! - [`report`]: the results CSV, the summary, exit codes, and all console output.

pub mod auth;
pub mod cli;
pub mod config;
pub mod control;
pub mod credentials;
pub mod dry_run;
pub mod files;
pub mod fingerprint;
pub mod http;
pub mod input;
pub mod limits;
pub mod lock;
pub mod memory;
pub mod pacing;
pub mod pipeline;
pub mod preflight;
pub mod register;
pub mod registrant;
pub mod reorder;
pub mod report;
pub mod settle;
pub mod spool;
pub mod zoom;

use config::Config;
use report::{exit, Console, Summary};

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
    Input(#[from] input::InputError),
    #[error(transparent)]
    Results(#[from] report::ResultsError),
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error(transparent)]
    Memory(#[from] memory::MemoryError),
    /// The checks before sending found a problem with the credentials or the event.
    #[error(transparent)]
    Preflight(#[from] preflight::PreflightError),
    #[error(transparent)]
    Spool(#[from] spool::SpoolError),
    /// Something the run needs could not be set up (credentials, HTTPS, the runtime).
    #[error("{0}")]
    Setup(String),
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
            Error::Preflight(_) => exit::AUTH_OR_EVENT,
        }
    }
}

/// Runs one import (or dry run) as configured and returns what happened. Holds the results
/// file's lock throughout, and starts from what earlier runs confirmed unless `--fresh`.
/// `stopper` is how the caller asks a real run to stop (`main` does on Ctrl-C or SIGTERM).
pub fn run(
    config: &Config,
    console: &Console,
    stopper: &control::Stopper,
) -> Result<Summary, Error> {
    let mut input = input::CsvInput::open(&config.source, &config.input)?;
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
        (Some(connection), Some(findings)) if !config.dry_run => pipeline::import(
            config,
            (console, stopper),
            connection,
            input,
            memory,
            findings,
        ),
        _ => dry_run::dry_run(config, console, input, memory, findings.as_ref()),
    };
    drop(locks);
    summary
}

/// What a run needs besides its input.
struct Prepared {
    /// Held until the run ends: the results file's, and the event's (a real run's).
    locks: (lock::Lock, Option<lock::Lock>),
    /// What earlier runs confirmed, and the people Zoom lists.
    memory: memory::Memory,
    /// With credentials: the connection to Zoom, and what the checks before sending found.
    connection: Option<pipeline::Connection>,
    findings: Option<preflight::Findings>,
}

fn prepare(
    config: &Config,
    console: &Console,
    input: &mut input::CsvInput,
) -> Result<Prepared, Error> {
    let lock = lock::Lock::acquire(&config.output)?;
    // A dry run sends nothing, so it does not keep other runs off the event.
    let event_lock = if config.dry_run {
        None
    } else {
        let held = lock::Lock::acquire_event(
            config.event,
            &config.output,
            config.cache_folder.as_deref(),
        )?;
        if held.is_none() {
            console.warn("no cache folder (HOME is not set), so a second run on this event at the same time would not be stopped");
        }
        held
    };
    let mut memory = if config.fresh {
        memory::Memory::empty()
    } else {
        let journal = report::companion(&config.output, ".journal");
        memory::Memory::load(&config.output, &journal, config.event)?
    };
    for warning in &memory.warnings {
        console.warn(warning);
    }
    if !memory.is_empty() {
        console.note(format_args!(
            "{} people confirmed by earlier runs are in {}; they will not be sent again (--fresh ignores them)",
            memory.len(),
            config.output.display()
        ));
    }
    // With credentials, check Zoom's side first (read-only); a real run needs them.
    let connection = match &config.zoom.credentials {
        Some(credentials) => Some(pipeline::Connection::open(config, credentials.clone())?),
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
