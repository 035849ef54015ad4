//! Orchestration: reads rows from [`crate::input`], decides each row's outcome, and hands every
//! outcome to [`crate::report`].
//!
//! The dry run is a plain loop. The real import keeps the edges synchronous and the middle
//! async: a blocking task reads rows into a bounded channel; the dispatcher gives invalid and
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
use crate::input::{CsvInput, InputError, Row, Verdict};
use crate::limits::{Estimate, Mode, BATCH_SIZE};
use crate::register::{resume_text, Control, Job, Registrar};
use crate::report::{
    Console, Counts, Outcome, Progress, Recorder, ResultRow, ResultsFile, RowProblem, RunOptions,
    RunStats, Status, Summary, PROBLEMS_SHOWN,
};
use crate::zoom::{Category, RequestOptions, ZoomClient};
use crate::Error;

/// Validates every row and writes a results file of `valid` / `invalid` / `duplicate`, in
/// input order. Never contacts Zoom.
pub fn dry_run(config: &Config, console: &Console) -> Result<Summary, Error> {
    let started = Instant::now();
    let mut input = CsvInput::open(&config.source, &config.input)?;
    console.input_opened(&input, true);
    let mut results = ResultsFile::create(&config.output)?;

    let mut counts = Counts::default();
    let mut first_problems = Vec::new();
    let (mut fits_batch, mut others) = (0u64, 0u64);
    for row in input.by_ref() {
        let row = row?;
        let (status, message) = match &row.verdict {
            Verdict::Valid(registrant) => {
                if registrant.fits_batch() {
                    fits_batch += 1;
                } else {
                    others += 1;
                }
                (Status::Valid, String::new())
            }
            Verdict::Invalid(problems) => {
                let message = problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                if first_problems.len() < PROBLEMS_SHOWN {
                    first_problems.push(RowProblem {
                        row: row.number,
                        line: row.line,
                        message: message.clone(),
                    });
                }
                (Status::Invalid, message)
            }
            Verdict::Duplicate => (
                Status::Duplicate,
                "same email (ignoring case) as an earlier row; not sent".to_string(),
            ),
        };
        results.write(&ResultRow {
            row: row.number,
            email: &row.email,
            first_name: &row.first_name,
            last_name: &row.last_name,
            status,
            registrant_id: "",
            join_url: "",
            http_status: None,
            zoom_code: None,
            message: &message,
            attempts: 0,
        })?;
        counts.add(status);
    }
    let results = results.finish()?;

    Ok(Summary {
        input: input.name.clone(),
        event: config.event,
        dry_run: true,
        mode: config.mode,
        plan: config.plan,
        counts,
        empty_records: input.empty_records,
        first_problems,
        estimate: Some(Estimate::new(
            config.mode,
            config.limits,
            fits_batch,
            others,
        )),
        options: RunOptions {
            auto_approve: config.auto_approve,
            confirmation_email: config.confirmation_email,
            concurrency: config.concurrency.get(),
        },
        limits: config.limits,
        run: None,
        results,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
}

fn run_options(config: &Config) -> RunOptions {
    RunOptions {
        auto_approve: config.auto_approve,
        confirmation_email: config.confirmation_email,
        concurrency: config.concurrency.get(),
    }
}

/// The outcome of a row that is never sent.
fn unsent(seq: u64, row: &Row, status: Status, message: String) -> Outcome {
    Outcome {
        seq,
        row: row.number,
        line: row.line,
        email: row.email.clone(),
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        status,
        registrant_id: String::new(),
        join_url: String::new(),
        http_status: None,
        zoom_code: None,
        message,
        attempts: 0,
    }
}

/// Registers every valid row in Zoom and writes the results file.
pub fn import(config: &Config, console: &Console) -> Result<Summary, Error> {
    let started = Instant::now();
    let input = CsvInput::open(&config.source, &config.input)?;
    console.input_opened(&input, false);
    let Some(credentials) = config.zoom.credentials.clone() else {
        return Err(Error::Setup(
            "no Zoom credentials: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET"
                .to_string(),
        ));
    };
    let results = ResultsFile::create(&config.output)?;
    let http = reqwest::Client::builder()
        .user_agent(concat!("zimport/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(config.zoom.request_timeout)
        .build()
        .map_err(|e| Error::Setup(format!("cannot set up HTTPS: {e}")))?;
    let client = ZoomClient::new(
        http.clone(),
        TokenSource::new(http, config.zoom.oauth_url.clone(), credentials),
        config.zoom.api_url.clone(),
        config.event,
        RequestOptions {
            auto_approve: config.auto_approve,
            confirmation_email: config.confirmation_email,
        },
        config.limits,
    );
    let registrar = Registrar {
        client: Arc::new(client),
        control: Arc::new(Control::default()),
        event: config.event,
        mode: config.mode,
        backoff_base: config.zoom.backoff_base,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the async runtime: {e}")))?;
    let (name, empty_records, counts, first_problems, results, input_error) =
        runtime.block_on(dispatch(config, console, input, results, registrar.clone()))?;

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

async fn dispatch(
    config: &Config,
    console: &Console,
    input: CsvInput,
    results: ResultsFile,
    registrar: Registrar,
) -> Result<Dispatched, Error> {
    let name = input.name.clone();
    let total = input.data_records;
    let (row_tx, mut rows) = mpsc::channel::<Result<Row, InputError>>(1024);
    let reader = tokio::task::spawn_blocking(move || {
        let mut input = input;
        for row in input.by_ref() {
            let failed = row.is_err();
            if row_tx.blocking_send(row).is_err() || failed {
                break;
            }
        }
        input.empty_records
    });

    let (out, mut outcomes) = mpsc::channel::<Outcome>(1024);
    let progress = Progress::new(console, total);
    let recorder = tokio::task::spawn_blocking(move || {
        let mut recorder = Recorder::new(results, progress);
        while let Some(outcome) = outcomes.blocking_recv() {
            recorder.record(outcome)?;
        }
        recorder.finish()
    });

    let permits = Arc::new(Semaphore::new(config.concurrency.get()));
    let mut workers = JoinSet::new();
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH_SIZE as usize);
    let mut input_error = None;
    let mut seq = 0u64;
    while let Some(row) = rows.recv().await {
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                input_error = Some(error);
                break;
            }
        };
        let this = seq;
        seq += 1;
        let registrant = match &row.verdict {
            Verdict::Invalid(problems) => {
                let message = problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                let _ = out.send(unsent(this, &row, Status::Invalid, message)).await;
                continue;
            }
            Verdict::Duplicate => {
                let message = "same email (ignoring case) as an earlier row; not sent".to_string();
                let _ = out
                    .send(unsent(this, &row, Status::Duplicate, message))
                    .await;
                continue;
            }
            Verdict::Valid(registrant) => registrant.clone(),
        };
        let batched = config.mode != Mode::Single
            && registrant.fits_batch()
            && !registrar.control.batch_refused();
        let category = if batched {
            Category::Heavy
        } else {
            Category::Light
        };
        if let Some(reason) = registrar.control.refusal_for(category) {
            let _ = out.send(unsent(this, &row, Status::Pending, reason)).await;
            continue;
        }
        let job = Job {
            seq: this,
            row: row.number,
            line: row.line,
            registrant,
            attempts: 0,
        };
        if batched {
            batch.push(job);
            if batch.len() == BATCH_SIZE as usize {
                let jobs = std::mem::take(&mut batch);
                spawn_batch(&mut workers, &permits, &registrar, &out, jobs).await;
            }
        } else {
            spawn_single(&mut workers, &permits, &registrar, &out, job).await;
        }
        while workers.try_join_next().is_some() {}
    }
    if !batch.is_empty() {
        spawn_batch(&mut workers, &permits, &registrar, &out, batch).await;
    }
    while workers.join_next().await.is_some() {}
    drop(out);
    drop(rows);
    let empty_records = reader.await.unwrap_or(0);
    let (counts, first_problems, results) = recorder
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
