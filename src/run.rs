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
//! 2. The dispatcher replays the spool: settled rows go straight to the recorder; the others
//!    go to workers, singly or 30 to a batch, while they hold one of `--concurrency` permits.
//!    Each row carries room reserved for its outcome in the recorder's queue, so it ends with
//!    exactly one outcome even if its worker fails, and a failed worker stops the run.
//! 3. The recorder, on a blocking thread, is the one owner of the results file and the journal;
//!    a write that fails stops all sending at once.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use crate::config::{Config, Task};

use crate::console::{Console, Progress};
use crate::credentials::Credentials;
use crate::limits::BATCH_SIZE;
use crate::model::Command;
use crate::outcome::OwnedLine;
use crate::results::memory::Memory;
use crate::results::{Journal, Recorded, Recorder, ResultsError, ResultsFile};
use crate::rows::CsvInput;
use crate::settle::{settle, Tally};
use crate::spool::{Entries, Entry, Spool, SpoolError};
use crate::summary::{RunStats, Summary, Work};
use crate::zoom::control::{resume_text, Control, Stopper};
use crate::zoom::job::{Job, Sends};
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
    let tally = settle(input, config.command(), memory, &mut spool, true)?;
    Ok((spool, tally))
}

/// Rows the reader hands the dispatcher at a time, and chunks it may read ahead (1,024 rows in
/// all).
const READ_CHUNK: usize = 64;
const READ_AHEAD_CHUNKS: usize = 16;

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
    let results = ResultsFile::create(&config.output, config.excel, &input.carried_titles())?;
    // An import's journal is its memory if it is killed; a status change's is Zoom's list.
    let journal = match config.command() {
        Command::Import => Some(Journal::open(&config.output, journal_end)?),
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

/// Runs the dispatcher with `sender` until every entry has its outcome.
fn send_all<S: Sends>(
    runtime: &tokio::runtime::Runtime,
    sender: S,
    control: &Arc<Control>,
    concurrency: usize,
    entries: Entries,
    recorder: Recorder,
) -> Result<Dispatched, Error> {
    let sending = Sending {
        sender,
        control: control.clone(),
        concurrency,
    };
    runtime.block_on(async {
        // The dispatcher runs as a task, not as the future `block_on` polls: each wake-up of
        // that future writes to the runtime's eventfd, and the dispatcher is woken for every row.
        match tokio::spawn(dispatch(sending, entries, recorder)).await {
            Ok(dispatched) => dispatched,
            Err(failed) => Err(Error::Internal(format!("the dispatcher failed: {failed}"))),
        }
    })
}

/// What the dispatcher needs besides the rows: whom to hand them to, and how many at once.
struct Sending<S> {
    sender: S,
    control: Arc<Control>,
    concurrency: usize,
}

/// What a dispatched run recorded.
struct Dispatched {
    recorded: Recorded,
    /// Why a worker failed, if one did.
    failed_worker: Option<String>,
}

/// Room in the recorder's queue: every job in flight holds a place for its outcome, so the
/// queue must take at least a full batch beyond what the workers hold.
fn queue_capacity(concurrency: usize) -> usize {
    concurrency
        .saturating_mul(BATCH_SIZE as usize)
        .saturating_add(BATCH_SIZE as usize)
        .max(1024)
}

/// Replays the spool: settled rows to the recorder, the others to workers; then waits for
/// every worker and the recorder.
async fn dispatch<S: Sends>(
    sending: Sending<S>,
    entries: Entries,
    recorder: Recorder,
) -> Result<Dispatched, Error> {
    let Sending {
        sender,
        control,
        concurrency,
    } = sending;
    // The edges are blocking: reading the spool, and recording. Rows cross in chunks: one at
    // a time, the reader thread was woken for every row the dispatcher took (BENCHMARKS.md).
    let (chunk_tx, mut chunks) = mpsc::channel::<Vec<Result<Entry, SpoolError>>>(READ_AHEAD_CHUNKS);
    let reader = tokio::task::spawn_blocking(move || {
        let mut chunk = Vec::with_capacity(READ_CHUNK);
        for entry in entries {
            let failed = entry.is_err();
            chunk.push(entry);
            if chunk.len() == READ_CHUNK || failed {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(READ_CHUNK));
                if chunk_tx.blocking_send(full).is_err() || failed {
                    return;
                }
            }
        }
        if !chunk.is_empty() {
            // The dispatcher waits for every chunk; it is gone only if it failed.
            let _ = chunk_tx.blocking_send(chunk);
        }
    });
    let (out, mut outcomes) = mpsc::channel::<OwnedLine>(queue_capacity(concurrency));
    let recorder_control = control.clone();
    let recording = tokio::task::spawn_blocking(move || {
        let mut recorder = recorder;
        while let Some(outcome) = outcomes.blocking_recv() {
            if let Err(error) = recorder.record(outcome.as_line()) {
                recorder_control.stop_run(format!("the results cannot be written ({error})"));
            }
        }
        recorder.finish()
    });

    let permits = Arc::new(Semaphore::new(concurrency));
    let mut workers = Workers {
        set: JoinSet::new(),
        control: control.clone(),
        failed: None,
    };
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH_SIZE as usize);
    let mut spool_error = None;
    'entries: while let Some(chunk) = chunks.recv().await {
        for entry in chunk {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    control.stop_run(error.to_string());
                    spool_error = Some(error);
                    break 'entries;
                }
            };
            // Never fails while the recorder runs, and it runs until every sender is gone.
            let Ok(reply) = out.clone().reserve_owned().await else {
                break 'entries;
            };
            let to_send = match entry {
                Entry::Settled(outcome) => {
                    reply.send(outcome);
                    continue;
                }
                Entry::Send(to_send) => to_send,
            };
            let job = Job::new(to_send, reply);
            let route = sender.route(&job);
            if let Some(reason) = control.refusal_for(route.category) {
                job.stopped(&reason);
                continue;
            }
            if route.batched {
                batch.push(job);
                if batch.len() == BATCH_SIZE as usize {
                    let jobs = std::mem::take(&mut batch);
                    let sender = sender.clone();
                    workers
                        .spawn(&permits, async move { sender.send_batch(jobs).await })
                        .await;
                }
            } else {
                let sender = sender.clone();
                workers
                    .spawn(&permits, async move { sender.send_one(job).await })
                    .await;
            }
            workers.reap();
        }
    }
    if !batch.is_empty() {
        let sender = sender.clone();
        workers
            .spawn(&permits, async move { sender.send_batch(batch).await })
            .await;
    }
    workers.wait().await;
    drop(out);
    drop(chunks);
    let _ = reader.await;
    let recorded = match recording.await {
        Ok(recorded) => recorded,
        Err(failed) => return Err(Error::Internal(format!("the recorder failed: {failed}"))),
    };
    let recorded = match (recorded, spool_error) {
        (Ok(recorded), _) => recorded,
        // The rows after the spool's damage never reached the recorder: say why.
        (
            Err(ResultsError::Kept {
                path,
                journal,
                in_doubt,
                ..
            }),
            Some(spool_error),
        ) => {
            return Err(ResultsError::Kept {
                cause: spool_error.to_string(),
                path,
                journal,
                in_doubt,
            }
            .into())
        }
        (Err(error), _) => return Err(error.into()),
    };
    Ok(Dispatched {
        recorded,
        failed_worker: workers.failed,
    })
}

/// The workers in flight, and the first failure among them: a worker that fails stops the run
/// (the rows it had not finished report themselves `pending`).
struct Workers {
    set: JoinSet<()>,
    control: Arc<Control>,
    failed: Option<String>,
}

impl Workers {
    /// Starts `work` once one of the permits is free; it holds the permit until it ends.
    async fn spawn(
        &mut self,
        permits: &Arc<Semaphore>,
        work: impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        // The semaphore is never closed.
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        self.set.spawn(async move {
            work.await;
            drop(permit);
        });
    }

    /// Takes note of the workers that have ended.
    fn reap(&mut self) {
        while let Some(ended) = self.set.try_join_next() {
            self.note(ended);
        }
    }

    async fn wait(&mut self) {
        while let Some(ended) = self.set.join_next().await {
            self.note(ended);
        }
    }

    fn note(&mut self, ended: Result<(), tokio::task::JoinError>) {
        let Err(failure) = ended else { return };
        let why = failure.to_string();
        self.control.stop_run(format!(
            "a task sending rows failed ({why}); the rows it had not finished are pending (this is a bug in zimport: please report it)"
        ));
        self.failed.get_or_insert(why);
    }
}

#[cfg(test)]
mod tests;
