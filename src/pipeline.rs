//! Orchestration: reads rows from [`crate::input`], decides each row's outcome, and hands every
//! outcome to [`crate::report`].
//!
//! The real import (the dry run is [`crate::dry_run`]) keeps the edges synchronous and the
//! middle async: a blocking task reads rows into a bounded channel; the dispatcher gives invalid and
//! duplicate rows their outcome at once, groups batchable rows by 30, and spawns a worker per
//! single row or batch while holding a semaphore permit (so reading waits when `--concurrency`
//! requests are in flight); workers send outcomes to a blocking recorder task, the one owner
//! of the results file and the progress display.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use crate::auth::TokenSource;
use crate::config::Config;
use crate::control::{resume_text, Control};
use crate::credentials::Credentials;
use crate::input::{Check, CsvInput, InputError, Row, Verdict, ViewVerdict};
use crate::limits::{Mode, BATCH_SIZE};
use crate::memory::{Known, Memory};
use crate::preflight::Findings;
use crate::register::{Job, Registrar};
use crate::registrant::Problem;
use crate::report::{
    exit, Console, Counts, Journal, Outcome, Progress, Recorder, ResultsFile, RowProblem,
    RunOptions, RunStats, Status, Summary,
};
use crate::zoom::{Category, RequestOptions, ZoomClient};
use crate::Error;

/// What a row comes to before anything is sent.
enum Triage {
    /// Its outcome is known without Zoom: invalid, duplicate, or confirmed by an earlier run.
    Settled(Outcome),
    /// It must be sent.
    Send(Job),
}

/// The message of a `duplicate` row.
pub(crate) const DUPLICATE: &str = "same email (ignoring case) as an earlier row; not sent";

/// The message of an `invalid` row: every problem it has.
pub(crate) fn joined(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The outcome of a valid row that Zoom or an earlier run already knows: status, message,
/// registrant ID and join URL.
pub(crate) fn settled_by(known: Known) -> (Status, &'static str, String, String) {
    match known {
        Known::EarlierRun {
            registrant_id,
            join_url,
        } => (
            Status::AlreadyRegistered,
            "registered by an earlier run; not sent again",
            registrant_id,
            join_url,
        ),
        Known::InZoom(existing) => match existing.status.as_str() {
            "denied" => (
                Status::Failed,
                "the host denied this person's registration earlier; not sent again (approve them in Zoom if that was a mistake)",
                existing.registrant_id,
                String::new(),
            ),
            "pending" => (
                Status::AlreadyRegistered,
                "already registered in Zoom, awaiting the host's approval; not sent",
                existing.registrant_id,
                existing.join_url,
            ),
            _ => (
                Status::AlreadyRegistered,
                "already registered in Zoom; not sent",
                existing.registrant_id,
                existing.join_url,
            ),
        },
    }
}

/// What an earlier run confirmed for this row, if it is a valid one.
fn remembered(memory: &mut Memory, row: &Row) -> Option<Known> {
    match &row.verdict {
        Verdict::Valid(registrant) if !memory.is_empty() => memory.known(registrant.email.as_str()),
        _ => None,
    }
}

fn triage(seq: u64, row: Row, known: Option<Known>) -> Triage {
    let (person, status, message) = match row.verdict {
        Verdict::Valid(registrant) => {
            let job = Job {
                seq,
                row: row.number,
                line: row.line,
                registrant,
                attempts: 0,
            };
            let Some(known) = known else {
                return Triage::Send(job);
            };
            let (status, message, registrant_id, join_url) = settled_by(known);
            let mut outcome = job.into_outcome(status, message.to_string());
            outcome.registrant_id = registrant_id;
            outcome.join_url = join_url;
            return Triage::Settled(outcome);
        }
        Verdict::Invalid(person, problems) => (person, Status::Invalid, joined(&problems)),
        Verdict::Duplicate(person) => (person, Status::Duplicate, DUPLICATE.to_string()),
    };
    Triage::Settled(Outcome::unanswered(
        (seq, row.number, row.line),
        person,
        status,
        message,
        0,
    ))
}

/// Rows the reader hands the dispatcher at a time, and chunks it may read ahead (1,024 rows in
/// all).
const READ_CHUNK: usize = 64;
const READ_AHEAD_CHUNKS: usize = 16;

pub(crate) fn run_options(config: &Config) -> RunOptions {
    RunOptions {
        auto_approve: config.auto_approve,
        confirmation_email: config.confirmation_email,
        concurrency: config.concurrency.get(),
    }
}

/// What a run needs to talk to Zoom: the async runtime and the shared client.
pub struct Connection {
    runtime: tokio::runtime::Runtime,
    registrar: Registrar,
}

impl Connection {
    pub fn open(config: &Config, credentials: Credentials) -> Result<Connection, Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("zimport/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(config.zoom.request_timeout)
            .build()
            .map_err(|e| Error::Setup(format!("cannot set up HTTPS: {e}")))?;
        let occurrence_ids = (!config.occurrences.is_empty()).then(|| config.occurrences.join(","));
        let control = Arc::new(Control::default());
        let client = ZoomClient::new(
            http.clone(),
            TokenSource::new(http, config.zoom.oauth_url.clone(), credentials),
            control.clone(),
            config.zoom.api_url.clone(),
            config.event,
            RequestOptions {
                auto_approve: config.auto_approve,
                confirmation_email: config.confirmation_email,
                occurrence_ids,
            },
            config.limits,
        );
        // One thread is plenty for Zoom's rates and saves a cross-thread wake-up per request.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Setup(format!("cannot start the async runtime: {e}")))?;
        Ok(Connection {
            runtime,
            registrar: Registrar {
                client: Arc::new(client),
                control,
                event: config.event,
                mode: config.mode,
                backoff_base: config.zoom.backoff_base,
            },
        })
    }

    /// The read-only checks; applies what they found to the input (the form) and to memory
    /// (people already registered), and checks capacity before anything is sent.
    pub fn preflight(
        &self,
        config: &Config,
        console: &Console,
        input: &mut CsvInput,
        memory: &mut Memory,
    ) -> Result<Findings, Error> {
        let mut findings = self
            .runtime
            .block_on(crate::preflight::check(&self.registrar.client, config))?;
        for note in &findings.notes {
            console.note(note);
        }
        if !findings.batch_fits {
            self.registrar.control.refuse_batch();
        }
        if findings.event_read {
            self.registrar.control.event_was_read();
        }
        input.apply_form(findings.form.clone());
        let existing = findings.existing.take().unwrap_or_default();
        let active = existing.iter().filter(|e| e.status != "denied").count() as u64;
        memory.add_existing(existing);
        if let Some(capacity) = findings.capacity {
            // Every data row at most (when the scan counted them); otherwise count exactly.
            let fits_anyway = input
                .data_records
                .is_some_and(|most_new| active + most_new <= capacity);
            if !fits_anyway {
                let new = count_to_send(input, memory)?;
                if active + new > capacity {
                    return Err(crate::preflight::PreflightError(format!(
                        "{} has {active} registrants and this file would add {new}, more than the {capacity} it takes; nothing was sent (split the file, or raise the event's limit)",
                        config.event
                    ))
                    .into());
                }
            }
        }
        Ok(findings)
    }
}

/// How many rows a run would actually send (valid, not known), by reading the file once more.
fn count_to_send(input: &CsvInput, memory: &mut Memory) -> Result<u64, Error> {
    let mut input = input.reopen(Check::AsRead)?;
    let mut count = 0;
    while let Some(view) = input.next_view()? {
        if let ViewVerdict::Valid(checked) = &view.verdict {
            if memory.known(checked.email).is_none() {
                count += 1;
            }
        }
    }
    Ok(count)
}

/// Registers every valid row in Zoom and writes the results file.
pub fn import(
    config: &Config,
    console: &Console,
    connection: Connection,
    input: CsvInput,
    memory: Memory,
) -> Result<Summary, Error> {
    let started = Instant::now();
    let Connection { runtime, registrar } = connection;
    let results = ResultsFile::create(&config.output)?;
    let journal = Journal::open(&config.output, memory.journal_end())?;
    let recorder = Recorder::new(
        results,
        Some(journal),
        config.event.to_string(),
        Progress::new(console, input.data_records.unwrap_or_default()),
    );
    let run = Run {
        mode: config.mode,
        concurrency: config.concurrency.get(),
        console: *console,
        registrar: registrar.clone(),
    };
    // The dispatcher runs as a task, not as the future `block_on` polls: each wake-up of that
    // future writes to the runtime's eventfd, and the dispatcher is woken for every row.
    let dispatcher = runtime.spawn(run.dispatch(input, memory, recorder));
    let dispatched = runtime.block_on(dispatcher);
    let (name, empty_records, counts, first_problems, results, input_error) = match dispatched {
        Ok(dispatched) => dispatched?,
        Err(failed) => match failed.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(cancelled) => return Err(Error::Setup(format!("the run stopped: {cancelled}"))),
        },
    };

    let elapsed = started.elapsed().as_secs_f64();
    let stopped = registrar.control.stopped();
    let run = RunStats {
        requests: registrar.client.counters.requests.load(Ordering::Relaxed),
        retries: registrar.control.retries.load(Ordering::Relaxed),
        rate_limited: registrar
            .client
            .counters
            .rate_limited
            .load(Ordering::Relaxed),
        rows_per_second: counts.registered as f64 / elapsed.max(0.001),
        stopped: stopped.run.clone(),
        any_confirmed: registrar.control.confirmed.load(Ordering::Relaxed) > 0,
        interrupted: registrar.control.interrupted(),
        daily_limit: stopped.daily,
        resume_at: stopped
            .resume_at
            .map(|at| humantime::format_rfc3339_seconds(at).to_string()),
    };
    if let Some(reason) = &stopped.run {
        console.error(format_args!("stopped early: {reason}"));
    }
    if stopped.daily {
        console.warn(format_args!(
            "Zoom's daily quota for this account is used up; the rest is pending: run the same command again {}",
            resume_text(stopped.resume_at)
        ));
    }
    if let Some(error) = input_error {
        return Err(error.into());
    }
    Ok(Summary {
        input: name,
        event: config.event,
        dry_run: false,
        mode: config.mode,
        plan: config.plan,
        counts,
        empty_records,
        first_problems,
        estimate: None,
        options: run_options(config),
        limits: config.limits,
        run: Some(run),
        results,
        elapsed_seconds: elapsed,
    })
}

type Dispatched = (
    String,
    u64,
    Counts,
    Vec<RowProblem>,
    std::path::PathBuf,
    Option<InputError>,
);

/// One real run's shared parts, for the dispatcher.
struct Run {
    mode: Mode,
    concurrency: usize,
    console: Console,
    registrar: Registrar,
}

impl Run {
    async fn dispatch(
        self,
        input: CsvInput,
        mut memory: Memory,
        recorder: Recorder,
    ) -> Result<Dispatched, Error> {
        let name = input.name.clone();
        self.watch_signals();

        // The edges are blocking: reading (with memory look-ups) and recording.
        // Rows cross in chunks: one at a time, the reader thread was woken for every row the
        // dispatcher took, a cross-thread wake-up per row (BENCHMARKS.md).
        type Read = Result<(Row, Option<Known>), InputError>;
        let (row_tx, mut rows) = mpsc::channel::<Vec<Read>>(READ_AHEAD_CHUNKS);
        let reader = tokio::task::spawn_blocking(move || {
            let mut input = input;
            let mut chunk = Vec::with_capacity(READ_CHUNK);
            for row in input.by_ref() {
                let item = row.map(|row| {
                    let confirmed = remembered(&mut memory, &row);
                    (row, confirmed)
                });
                let failed = item.is_err();
                chunk.push(item);
                if chunk.len() == READ_CHUNK || failed {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(READ_CHUNK));
                    if row_tx.blocking_send(full).is_err() || failed {
                        break;
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = row_tx.blocking_send(chunk);
            }
            input.empty_records
        });
        let (out, mut outcomes) = mpsc::channel::<Outcome>(1024);
        let recording = tokio::task::spawn_blocking(move || {
            let mut recorder = recorder;
            while let Some(outcome) = outcomes.blocking_recv() {
                recorder.record(outcome)?;
            }
            recorder.finish()
        });

        let registrar = &self.registrar;
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut workers = JoinSet::new();
        let mut batch: Vec<Job> = Vec::with_capacity(BATCH_SIZE as usize);
        let mut input_error = None;
        let mut seq = 0u64;
        'rows: while let Some(chunk) = rows.recv().await {
            for item in chunk {
                let (row, confirmed) = match item {
                    Ok(item) => item,
                    Err(error) => {
                        input_error = Some(error);
                        break 'rows;
                    }
                };
                let this = seq;
                seq += 1;
                let job = match triage(this, row, confirmed) {
                    Triage::Settled(outcome) => {
                        let _ = out.send(outcome).await;
                        continue;
                    }
                    Triage::Send(job) => job,
                };
                let batched = self.mode != Mode::Single
                    && job.registrant.fits_batch()
                    && !registrar.control.batch_refused();
                let category = if batched {
                    Category::Heavy
                } else {
                    Category::Light
                };
                if let Some(reason) = registrar.control.refusal_for(category) {
                    let _ = out.send(job.into_outcome(Status::Pending, reason)).await;
                    continue;
                }
                if batched {
                    batch.push(job);
                    if batch.len() == BATCH_SIZE as usize {
                        let jobs = std::mem::take(&mut batch);
                        spawn_batch(&mut workers, &permits, registrar, &out, jobs).await;
                    }
                } else {
                    spawn_single(&mut workers, &permits, registrar, &out, job).await;
                }
                while workers.try_join_next().is_some() {}
            }
        }
        if !batch.is_empty() {
            spawn_batch(&mut workers, &permits, registrar, &out, batch).await;
        }
        while workers.join_next().await.is_some() {}
        drop(out);
        drop(rows);
        let empty_records = reader.await.unwrap_or(0);
        let (counts, first_problems, results) = recording
            .await
            .map_err(|e| Error::Setup(format!("the results writer stopped: {e}")))??;
        Ok((
            name,
            empty_records,
            counts,
            first_problems,
            results,
            input_error,
        ))
    }

    /// First Ctrl-C or SIGTERM: stop sending, let requests in flight finish, write the
    /// results. Second: leave at once (the journal already holds every confirmed row).
    fn watch_signals(&self) {
        let control = self.registrar.control.clone();
        let console = self.console;
        tokio::spawn(async move {
            if !signal().await {
                return;
            }
            control.interrupt();
            console.warn("interrupted: finishing the requests in flight, then writing the results (press Ctrl-C again to quit at once)");
            if signal().await {
                console.error(
                    "interrupted twice: quitting now; the next run picks up from the journal",
                );
                std::process::exit(i32::from(exit::INTERRUPTED));
            }
        });
    }
}

/// Waits for Ctrl-C or SIGTERM; false if signals cannot be watched.
async fn signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c().await.is_ok();
        };
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.is_ok(),
            received = terminate.recv() => received.is_some(),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

async fn spawn_single(
    workers: &mut JoinSet<()>,
    permits: &Arc<Semaphore>,
    registrar: &Registrar,
    out: &mpsc::Sender<Outcome>,
    job: Job,
) {
    let Ok(permit) = permits.clone().acquire_owned().await else {
        return;
    };
    let registrar = registrar.clone();
    let out = out.clone();
    workers.spawn(async move {
        let outcome = registrar.register_one(job).await;
        let _ = out.send(outcome).await;
        drop(permit);
    });
}

async fn spawn_batch(
    workers: &mut JoinSet<()>,
    permits: &Arc<Semaphore>,
    registrar: &Registrar,
    out: &mpsc::Sender<Outcome>,
    jobs: Vec<Job>,
) {
    let Ok(permit) = permits.clone().acquire_owned().await else {
        return;
    };
    let registrar = registrar.clone();
    let out = out.clone();
    workers.spawn(async move {
        registrar.register_batch(jobs, &out).await;
        drop(permit);
    });
}
