use super::dispatch::{dispatch, Sending};
use super::*;
use crate::model::{Category, Request, Status};
use crate::outcome::Outcome;
use crate::registrant::{Email, Registrant};
use crate::results::{companion, Csv};
use crate::spool::Entry;
use crate::zoom::job::ToSend;
use crate::zoom::job::{Job, Route, Sends};

/// Every row alone, as `--mode single` sends them.
const SINGLY: Route = Route {
    batched: false,
    category: Category::Light,
};

/// Registers every row at once, but its worker panics on row 1.
#[derive(Clone)]
struct PanicsOnRowOne;

impl Sends for PanicsOnRowOne {
    fn route(&self, _job: &Job) -> Route {
        SINGLY
    }

    async fn send_one(&self, job: Job) {
        if job.row == 1 {
            panic!("a bug met row 1");
        }
        job.refused(Status::Registered, String::new(), None);
    }

    async fn send_batch(&self, jobs: Vec<Job>) {
        for job in jobs {
            self.send_one(job).await;
        }
    }
}

#[test]
fn a_worker_that_panics_stops_the_run_and_every_row_still_has_its_one_outcome() {
    let dir = tempfile::tempdir().expect("dir");
    let results = dir.path().join("people.results.csv");
    let mut spool = Spool::create(dir.path()).expect("spool");
    for seq in 0..50u64 {
        let registrant = Registrant {
            email: Email::parse(&format!("p{seq}@example.com")).expect("valid"),
            first_name: "P".to_string(),
            last_name: String::new(),
            extra: Vec::new(),
            custom_questions: Vec::new(),
        };
        let entry = if seq == 3 {
            Entry::Settled(
                Outcome::unanswered(
                    (seq, seq + 1, seq + 2),
                    registrant.into(),
                    Status::Duplicate,
                    "same email (ignoring case) as line 2; not sent".to_string(),
                    0,
                )
                .line(&Csv),
            )
        } else {
            Entry::Send(ToSend {
                seq,
                row: seq + 1,
                line: seq + 2,
                registrant,
                request: Request::Add,
                carried: String::new(),
            })
        };
        spool.push(&entry).expect("kept");
    }
    let file = ResultsFile::create(&results, &Csv, false, &[]).expect("results");
    let journal = Journal::open(&file, 0).expect("journal");
    let recorder = Recorder::new(
        file,
        Some(journal),
        "meeting 83927864687".to_string(),
        Box::new(()),
        Some(50),
    );
    let control = Arc::new(Control::default());
    let sending = Sending {
        sender: PanicsOnRowOne,
        control: control.clone(),
        concurrency: 1,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let recorded = runtime
        .block_on(dispatch(
            sending,
            spool.into_reader().expect("spool"),
            recorder,
        ))
        .expect("the results are complete");

    assert!(recorded.failed_worker.is_some());
    assert!(
        control
            .stopped()
            .run
            .is_some_and(|why| why.contains("a task sending rows failed")),
        "the run stopped"
    );
    let mut reader = csv::Reader::from_path(&results).expect("results in place");
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("csv");
    assert_eq!(rows.len(), 50, "one row per input row");
    let status = |row: usize| rows[row].get(4).expect("status").to_string();
    assert_eq!(status(0), "pending", "the row its worker dropped");
    assert!(rows[0].get(9).expect("message").contains("not finished"));
    assert_eq!(status(3), "duplicate");
    // The dispatcher learned of the failure after starting row 2; nothing after that went.
    assert_eq!(status(1), "registered");
    for row in (2..50).filter(|&row| row != 3) {
        assert_eq!(status(row), "pending", "row {}", row + 1);
    }
    assert!(!companion(&results, ".journal").exists());
}

/// Registers each row a second (of tokio's clock) after it starts, asking the run's control
/// first, as the real registrar does right before each request; when the `ctrl_c_after`th
/// row is done, Ctrl-C is pressed.
#[derive(Clone)]
struct TakesASecond {
    control: Arc<Control>,
    stopper: Stopper,
    ctrl_c_after: u64,
    started: Arc<std::sync::atomic::AtomicU64>,
    finished: Arc<std::sync::atomic::AtomicU64>,
    /// How many rows had started when Ctrl-C was pressed.
    started_at_ctrl_c: Arc<std::sync::atomic::AtomicU64>,
}

impl Sends for TakesASecond {
    fn route(&self, _job: &Job) -> Route {
        SINGLY
    }

    async fn send_one(&self, job: Job) {
        if let Some(reason) = self.control.refusal_for(Category::Light) {
            return job.stopped(&reason);
        }
        self.started.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        job.refused(Status::Registered, String::new(), None);
        if self.finished.fetch_add(1, Ordering::SeqCst) + 1 == self.ctrl_c_after {
            let started = self.started.load(Ordering::SeqCst);
            self.started_at_ctrl_c.store(started, Ordering::SeqCst);
            assert!(
                self.stopper.stop(crate::model::Interrupt::CtrlC).is_some(),
                "the run listens"
            );
        }
    }

    async fn send_batch(&self, jobs: Vec<Job>) {
        for job in jobs {
            self.send_one(job).await;
        }
    }
}

/// On tokio's paused clock, moved on by the test: a second of work a row takes no time. (The
/// recorder's blocking thread keeps tokio from moving the clock by itself.)
#[test]
fn ctrl_c_lets_the_rows_in_flight_finish_and_leaves_the_rest_pending() {
    use crate::model::Interrupt;
    use std::time::Duration;

    let dir = tempfile::tempdir().expect("dir");
    let results = dir.path().join("people.results.csv");
    let mut spool = Spool::create(dir.path()).expect("spool");
    for seq in 0..100u64 {
        let registrant = Registrant {
            email: Email::parse(&format!("p{seq}@example.com")).expect("valid"),
            first_name: "P".to_string(),
            last_name: String::new(),
            extra: Vec::new(),
            custom_questions: Vec::new(),
        };
        let entry = Entry::Send(ToSend {
            seq,
            row: seq + 1,
            line: seq + 2,
            registrant,
            request: Request::Add,
            carried: String::new(),
        });
        spool.push(&entry).expect("kept");
    }
    let file = ResultsFile::create(&results, &Csv, false, &[]).expect("results");
    let journal = Journal::open(&file, 0).expect("journal");
    let recorder = Recorder::new(
        file,
        Some(journal),
        "meeting 83927864687".to_string(),
        Box::new(()),
        Some(100),
    );
    let control = Arc::new(Control::default());
    let stopper = Stopper::default();
    let registrar = TakesASecond {
        control: control.clone(),
        stopper: stopper.clone(),
        ctrl_c_after: 40,
        started: Arc::default(),
        finished: Arc::default(),
        started_at_ctrl_c: Arc::default(),
    };
    let sending = Sending {
        sender: registrar.clone(),
        control: control.clone(),
        concurrency: 4,
    };
    let listening = stopper.listen(control.clone(), "finishing");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");

    let dispatched = runtime.block_on(async {
        let run = dispatch(sending, spool.into_reader().expect("spool"), recorder);
        tokio::pin!(run);
        loop {
            tokio::select! {
                biased;
                dispatched = &mut run => break dispatched,
                () = tokio::time::advance(Duration::from_millis(10)) => {}
            }
        }
    });
    drop(listening);

    let dispatched = dispatched.expect("the results are complete");
    assert_eq!(control.interruption(), Some(Interrupt::CtrlC));
    let in_flight_or_done = registrar.started_at_ctrl_c.load(Ordering::SeqCst);
    let registered = dispatched.recorded.counts.registered;
    assert!(
        (40..=44).contains(&in_flight_or_done),
        "{in_flight_or_done} rows had started"
    );
    assert_eq!(
        registered, in_flight_or_done,
        "every row in flight finished, and none started after Ctrl-C"
    );
    assert_eq!(registrar.started.load(Ordering::SeqCst), registered);
    assert_eq!(dispatched.recorded.counts.pending, 100 - registered);
    let mut reader = csv::Reader::from_path(&results).expect("results in place");
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("csv");
    assert_eq!(rows.len(), 100, "one row per input row");
    for row in rows.iter().filter(|row| row.get(4) != Some("registered")) {
        assert_eq!(row.get(4), Some("pending"));
        assert!(row.get(9).expect("message").contains("interrupted"));
    }
    assert!(!companion(&results, ".journal").exists());
    assert!(
        stopper.stop(Interrupt::CtrlC).is_none(),
        "nobody listens once the run is over"
    );
}
