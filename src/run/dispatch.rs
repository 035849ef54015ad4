//! The dispatcher of a real run: it replays the spool, hands settled rows to the recorder
//! and the others to workers (singly or 30 to a batch, each holding one of `--concurrency`
//! permits), and waits for every worker and the recorder. Each row carries room reserved for
//! its outcome in the recorder's queue, so it ends with exactly one outcome even if its worker
//! fails.

use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use crate::limits::BATCH_SIZE;
use crate::outcome::OwnedLine;
use crate::results::{Recorded, Recorder, ResultsError};
use crate::spool::{Entries, Entry, SpoolError};
use crate::zoom::control::Control;
use crate::zoom::job::{Job, Sends};
use crate::Error;

/// Rows the reader hands the dispatcher at a time, and chunks it may read ahead (1,024 rows in
/// all).
const READ_CHUNK: usize = 64;
const READ_AHEAD_CHUNKS: usize = 16;

/// Runs the dispatcher with `sender` until every entry has its outcome.
pub(super) fn send_all<S: Sends>(
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
pub(super) struct Sending<S> {
    pub(super) sender: S,
    pub(super) control: Arc<Control>,
    pub(super) concurrency: usize,
}

/// What a dispatched run recorded.
pub(super) struct Dispatched {
    pub(super) recorded: Recorded,
    /// Why a worker failed, if one did.
    pub(super) failed_worker: Option<String>,
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
pub(super) async fn dispatch<S: Sends>(
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
    // The workers encode Zoom's answers as the results file writes its lines.
    let format = recorder.format();
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
            let job = Job::new(to_send, reply, format);
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
