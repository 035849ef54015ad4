use super::*;
use crate::outcome::Outcome;
use crate::registrant::{Email, Registrant};
use crate::results::companion;

/// Registers every row at once, but its worker panics on row 1.
#[derive(Clone)]
struct PanicsOnRowOne;

impl Registers for PanicsOnRowOne {
    async fn register_one(&self, job: Job) {
        if job.row == 1 {
            panic!("a bug met row 1");
        }
        job.refused(Status::Registered, String::new(), None);
    }

    async fn register_batch(&self, jobs: Vec<Job>) {
        for job in jobs {
            self.register_one(job).await;
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
                    crate::outcome::DUPLICATE.to_string(),
                    0,
                )
                .line(),
            )
        } else {
            Entry::Send(ToSend {
                seq,
                row: seq + 1,
                line: seq + 2,
                registrant,
            })
        };
        spool.push(&entry).expect("kept");
    }
    let recorder = Recorder::new(
        ResultsFile::create(&results).expect("results"),
        Some(Journal::open(&results, 0).expect("journal")),
        "meeting 83927864687".to_string(),
        Progress::hidden(),
        Some(50),
    );
    let control = Arc::new(Control::default());
    let sending = Sending {
        registrar: PanicsOnRowOne,
        control: control.clone(),
        mode: Mode::Single,
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
