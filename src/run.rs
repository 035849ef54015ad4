//! A real run (the dry run is [`crate::dry_run`]): the whole input checked first, then every
//! row sent, and every outcome recorded.
//!
//! ```text
//! input ──(read once)──> settle ──> spool ──> dispatcher ──> workers (Zoom) ──┐
//!                                                └── settled rows ───────────────┴──> recorder
//! ```
//!
//! 1. The input is read once, all of it, before anything is sent ([`check`]): each row is
//!    validated, checked for duplicates and against what earlier runs and Zoom already know
//!    ([`settle`](crate::settle), the one place that decides an outcome needing no request,
//!    shared with the dry run), and kept in a [`Spool`]. A file broken anywhere sends
//!    nothing, and the rows to send are counted exactly, for the capacity check and progress.
//! 2. The dispatcher (`run/dispatch.rs`) replays the spool: settled rows go straight to the
//!    recorder; the others go to workers, singly or 30 to a batch, while they hold one of
//!    `--concurrency` permits.
//!    Each row carries room reserved for its outcome in the recorder's queue, so it ends with
//!    exactly one outcome even if its worker fails, and a failed worker stops the run.
//! 3. The recorder, on a blocking thread, is the one owner of the results file and the journal;
//!    a write that fails stops all sending at once.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crate::config::{Config, Task};

use crate::console::{Console, Progress};
use crate::credentials::Credentials;
use crate::model::Command;
use crate::results::memory::Memory;
use crate::results::{Journal, Recorder, ResultsFile};
use crate::rows::CsvInput;
use crate::settle::{settle, Tally};
use crate::spool::Spool;
use crate::summary::{RunStats, Summary, Work};
use crate::zoom::control::{resume_text, Control, Stopper};
use crate::zoom::lookup::Lookup;
use crate::zoom::preflight::Findings;
use crate::zoom::register::Registrar;
use crate::zoom::status::StatusChanger;
use crate::zoom::{RequestOptions, ZoomClient};
use crate::Error;

/// Reads the whole input once, settling each row into a spool beside the results.
pub fn check(
    config: &Config,
    input: &mut CsvInput,
    memory: &mut Memory,
) -> Result<(Spool, Tally), Error> {
    let folder = config.output.parent().unwrap_or(std::path::Path::new(""));
    let mut spool = Spool::create(folder)?;
    let tally = settle(
        input,
        config.command(),
        memory,
        &mut spool,
        config.results_format,
        true,
    )?;
    Ok((spool, tally))
}

/// What a run needs to talk to Zoom: the async runtime, the shared client and its control.
pub struct Connection {
    runtime: tokio::runtime::Runtime,
    client: Arc<ZoomClient>,
    control: Arc<Control>,
}

impl Connection {
    pub fn open(
        config: &Config,
        console: &Console,
        credentials: Credentials,
    ) -> Result<Connection, Error> {
        let occurrence_ids = (!config.occurrences.is_empty()).then(|| config.occurrences.join(","));
        let control = Arc::new(Control::default());
        let client = ZoomClient::open(
            &config.zoom,
            credentials,
            control.clone(),
            config.event,
            RequestOptions {
                auto_approve: config.import().is_some_and(|import| import.auto_approve),
                confirmation_email: config.import().and_then(|import| import.confirmation_email),
                occurrence_ids,
            },
            config.limits,
        )
        .map_err(Error::Setup)?
        .log_requests(console.request_log());
        let runtime = crate::zoom::runtime().map_err(Error::Setup)?;
        Ok(Connection {
            runtime,
            client: Arc::new(client),
            control,
        })
    }

    /// The read-only checks; applies what they found to the input (the form) and to memory
    /// (people already registered).
    pub fn preflight(
        &self,
        config: &Config,
        console: &Console,
        input: &mut CsvInput,
        memory: &mut Memory,
    ) -> Result<Findings, Error> {
        let mut findings = self.runtime.block_on(crate::zoom::preflight::check(
            &self.client,
            &config.checks(),
        ))?;
        for note in &findings.notes {
            console.note(note);
        }
        for warning in &findings.warnings {
            console.warn(warning);
        }
        if !findings.batch_fits {
            self.control.refuse_batch();
        }
        if findings.event_read {
            self.control.event_was_read();
        }
        input.apply_form(findings.form.clone());
        if let Some(existing) = findings.existing.take() {
            memory.add_existing(existing);
        }
        Ok(findings)
    }
}

/// Reads the whole input, then sends every row that needs it to Zoom (to register it, or to
/// change its status) and writes the results file.
pub fn import(
    config: &Config,
    console: &Console,
    stopper: &Stopper,
    connection: Connection,
    mut input: CsvInput,
    mut memory: Memory,
    findings: &Findings,
) -> Result<Summary, Error> {
    let started = Instant::now();
    let Connection {
        runtime,
        client,
        control,
    } = connection;
    let journal_end = memory.journal_end();
    let (spool, tally) = check(config, &mut input, &mut memory)?;
    drop(memory);
    console.encoding(&input);
    if config.command() == Command::Import {
        findings.check_capacity(config.event, tally.to_send())?;
    }

    let rows = tally.rows;
    let entries = spool.into_reader()?;
    let format = config.results_format;
    let carried = input.carried_titles();
    let results = ResultsFile::create(&config.output, format, config.excel, &carried)?;
    // An import's journal is its memory if it is killed; a status change's is Zoom's list.
    let journal = match config.command() {
        Command::Import => Some(Journal::open(&results, journal_end)?),
        Command::Change(_) => None,
    };
    let progress = Progress::new(console, rows, tally.to_send(), config.command());
    let recorder = Recorder::new(
        results,
        journal,
        config.event.to_string(),
        Box::new(progress),
        Some(rows),
    );
    // A stop asked for (Ctrl-C, SIGTERM) from now on lets the requests in flight finish.
    let listening = stopper.listen(
        control.clone(),
        "finishing the requests in flight, then writing the results",
    );
    let concurrency = config.concurrency.get();
    let dispatched = match &config.task {
        Task::Import(import) => {
            let registrar = Registrar {
                client: client.clone(),
                control: control.clone(),
                event: config.event,
                mode: import.mode,
                backoff_base: config.zoom.backoff_base,
                lookup: Arc::new(Lookup::new(client.clone(), config.zoom.backoff_base)),
            };
            send_all(
                &runtime,
                registrar,
                &control,
                concurrency,
                entries,
                recorder,
            )
        }
        Task::Change(action) => {
            let changer = StatusChanger {
                client: client.clone(),
                control: control.clone(),
                event: config.event,
                action: *action,
                occurrence: config.occurrences.first().cloned(),
                backoff_base: config.zoom.backoff_base,
                lookup: Arc::new(Lookup::new(client.clone(), config.zoom.backoff_base)),
            };
            send_all(&runtime, changer, &control, concurrency, entries, recorder)
        }
    };
    drop(listening);
    let dispatched = dispatched?;

    let elapsed = started.elapsed().as_secs_f64();
    let stopped = control.stopped();
    let run = RunStats {
        requests: client.counters.requests.load(Ordering::Relaxed),
        retries: control.retries.load(Ordering::Relaxed),
        rate_limited: client.counters.rate_limited.load(Ordering::Relaxed),
        slowed: client.slowed(),
        rows_per_second: dispatched.recorded.counts.done(config.command()) as f64
            / elapsed.max(0.001),
        stopped: stopped.run.clone(),
        unreachable: stopped.unreachable.clone(),
        any_confirmed: control.confirmed.load(Ordering::Relaxed) > 0,
        settled_by_reading: control.settled_by_reading.load(Ordering::Relaxed),
        interrupted: control.interruption(),
        daily_limit: stopped.daily,
        resume_at: stopped
            .resume_at
            .map(|at| humantime::format_rfc3339_seconds(at).to_string()),
        internal_error: dispatched.failed_worker,
    };
    if let Some(reason) = &stopped.run {
        console.error(format_args!("stopped early: {reason}"));
    }
    if let Some(reason) = &stopped.unreachable {
        console.error(format_args!(
            "stopped sending, Zoom is not answering: {reason}; the rest is pending: run the same command again once it answers"
        ));
    }
    if stopped.daily {
        console.warn(format_args!(
            "Zoom's daily quota for this account is used up; the rest is pending: run the same command again {}",
            resume_text(stopped.resume_at)
        ));
    }
    Ok(Summary::of(
        config,
        &input,
        &tally,
        dispatched.recorded,
        Work::Sent(run),
        started.elapsed(),
    ))
}

mod dispatch;
use dispatch::send_all;

#[cfg(test)]
mod tests;
