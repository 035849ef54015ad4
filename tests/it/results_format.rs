//! A second results format, written here, outside the crate, for tests only: fields separated
//! by `;` and every one quoted, as a spreadsheet in a locale with a decimal comma writes CSV.
//! zimport knows how a results line is encoded only through [`Format`] (under `src/results/`),
//! so a run given this format writes it everywhere (the checker threads' lines, the workers'
//! answers, the journal, the header) and a re-run reads it back as its memory; no other code
//! of the crate changes for it (issue 33, done-when 2).

use fake_zoom::Setup;
use zimport::outcome::Answer;
use zimport::outside::runs_as_formula;
use zimport::results::Format;
use zimport::zoom::control::Stopper;

use crate::support::{in_process_config, ZoomEnv, MEETING};

#[derive(Debug)]
struct Semicolons;

/// Appends `text` quoted, inner quotes doubled, with a `'` before a formula (SPEC §3).
fn quoted(line: &mut Vec<u8>, text: &str) {
    line.push(b'"');
    if runs_as_formula(text.as_bytes()) {
        line.push(b'\'');
    }
    for &byte in text.as_bytes() {
        if byte == b'"' {
            line.push(b'"');
        }
        line.push(byte);
    }
    line.push(b'"');
}

/// Appends `;` and each of `texts`, quoted.
fn fields<'a>(line: &mut Vec<u8>, texts: impl IntoIterator<Item = &'a str>) {
    for text in texts {
        line.push(b';');
        quoted(line, text);
    }
}

impl Format for Semicolons {
    fn header(&self, titles: &[&str]) -> Vec<u8> {
        let mut line = Vec::new();
        fields(&mut line, titles.iter().copied());
        line.remove(0);
        line.push(b'\n');
        line
    }

    fn person(&self, email: &str, first_name: &str, last_name: &str, line: &mut Vec<u8>) {
        fields(line, [email, first_name, last_name]);
    }

    fn outcome(&self, answer: &Answer<'_>, line: &mut Vec<u8>) {
        let number = |n: Option<String>| n.unwrap_or_default();
        let (http, code) = (
            number(answer.http_status.map(|s| s.to_string())),
            number(answer.zoom_code.map(|c| c.to_string())),
        );
        let attempts = answer.attempts.to_string();
        fields(
            line,
            [
                answer.status.as_str(),
                answer.registrant_id,
                answer.join_url,
                &http,
                &code,
                &answer.message,
                &attempts,
            ],
        );
    }

    fn carried(&self, cells: &mut dyn Iterator<Item = &str>, line: &mut Vec<u8>) {
        fields(line, cells);
    }

    fn event(&self, event: &str) -> Vec<u8> {
        let mut part = Vec::new();
        fields(&mut part, [event]);
        part
    }

    fn compose(
        &self,
        row: u64,
        input_line: u64,
        rest: &[u8],
        event: &[u8],
        carried: &[u8],
        out: &mut Vec<u8>,
    ) {
        quoted(out, &row.to_string());
        out.extend_from_slice(rest);
        fields(out, [input_line.to_string().as_str()]);
        out.extend_from_slice(event);
        out.extend_from_slice(carried);
        out.push(b'\n');
    }

    fn reader(&self) -> csv::ReaderBuilder {
        let mut builder = csv::ReaderBuilder::new();
        builder.delimiter(b';');
        builder
    }
}

/// Every record of a results file read with `delimiter`, header first, cells as written.
fn records(path: &std::path::Path, delimiter: u8) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_path(path)
        .expect("results file exists");
    reader
        .records()
        .map(|record| {
            let record = record.expect("a whole record");
            record.iter().map(String::from).collect()
        })
        .collect()
}

const PEOPLE: &str = "email,first_name,last_name,Ticket\n\
ann@example.com,Ann,Lee,\"=HYPERLINK(\"\"x\"\")\"\n\
bad-address,Bob,Ray,B-2\n\
ANN@example.com,Ann,Lee,A-3\n\
cid@example.com,Cid,\"O'Neil; \"\"Jr\"\"\",C-4\n";

#[test]
fn a_second_results_format_is_written_everywhere_and_read_back_by_a_re_run() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", PEOPLE);
    let run = |output: &std::path::Path, format: Option<&'static dyn Format>, extra: &[&str]| {
        let meeting = MEETING.to_string();
        let mut args: Vec<&std::ffi::OsStr> = vec![
            input.as_os_str(),
            "--meeting".as_ref(),
            meeting.as_ref(),
            "-o".as_ref(),
            output.as_os_str(),
            "-q".as_ref(),
        ];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        let (console, mut config) = in_process_config(&args, &zoom.in_process_env());
        if let Some(format) = format {
            config.results_format = format;
        }
        zimport::run(&config, &console, &Stopper::default()).expect("the run ends");
    };
    let (plain, ours) = (zoom.env.path("plain.csv"), zoom.env.path("ours.csv"));

    // A dry run: the lines the checker threads and the settling encode.
    run(&plain, None, &["--dry-run"]);
    run(&ours, Some(&Semicolons), &["--dry-run"]);
    let text = std::fs::read_to_string(&ours).expect("written");
    assert!(
        text.lines()
            .all(|line| line.starts_with('"') && line.contains("\";\"")),
        "every line is the second format's:\n{text}"
    );
    assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
    assert_eq!(
        records(&ours, b';'),
        records(&plain, b','),
        "the same cells, encoded another way"
    );

    // A real run: the workers encode Zoom's answers, and the journal is written, in it too.
    run(&ours, Some(&Semicolons), &[]);
    let rows = records(&ours, b';');
    let status = |email: &str| {
        rows.iter()
            .skip(1)
            .filter(|row| row[1] == email)
            .map(|row| row[4].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rows[0][..5],
        ["row", "email", "first_name", "last_name", "status"]
    );
    assert_eq!(rows[0].last().map(String::as_str), Some("Ticket"));
    assert_eq!(status("ann@example.com"), ["registered"]);
    assert_eq!(status("cid@example.com"), ["registered"]);
    assert_eq!(status("bad-address"), ["invalid"]);
    assert_eq!(status("ANN@example.com"), ["duplicate"]);
    let cid = rows
        .iter()
        .find(|row| row[1] == "cid@example.com")
        .expect("cid");
    assert_eq!(cid[3], "O'Neil; \"Jr\"");
    assert!(cid[6].starts_with("http"), "a join URL: {cid:?}");
    let text = std::fs::read_to_string(&ours).expect("written");
    assert!(text.lines().all(|line| line.starts_with('"')), "{text}");
    let sent = |zoom: &ZoomEnv| {
        let stats = zoom.zoom.stats();
        stats.single_adds + stats.batch_calls
    };
    let before = sent(&zoom);
    assert!(before > 0);

    // A re-run that does not read Zoom's lists (`--no-skip-existing`) knows the people from
    // the second format alone: nobody is sent again, and each row's registrant ID and join URL
    // come back from the file.
    run(&ours, Some(&Semicolons), &["--no-skip-existing"]);
    let again = records(&ours, b';');
    let statuses: Vec<&str> = again.iter().skip(1).map(|row| row[4].as_str()).collect();
    assert_eq!(
        statuses,
        [
            "already_registered",
            "invalid",
            "duplicate",
            "already_registered"
        ]
    );
    for (before, after) in rows
        .iter()
        .zip(&again)
        .skip(1)
        .filter(|(b, _)| b[4] == "registered")
    {
        assert_eq!(after[5..7], before[5..7], "the ID and join URL, read back");
    }
    assert_eq!(sent(&zoom), before, "nothing sent again");
}

/// The journal (which a finished run removes) is written in the results file's format, and
/// the memory of a run that was killed reads it back.
#[test]
fn the_journal_is_written_in_the_results_format_and_read_back() {
    use zimport::model::{Event, EventId, EventKind, Known};
    use zimport::outcome::Answer;
    use zimport::results::memory::Memory;
    use zimport::results::{companion, Journal, ResultsFile};

    let dir = tempfile::tempdir().expect("dir");
    let results = dir.path().join("people.results.csv");
    let file = ResultsFile::create(&results, &Semicolons, false, &[]).expect("results");
    let mut journal = Journal::open(&file, 0).expect("journal");
    let event = Event {
        kind: EventKind::Meeting,
        id: EventId(MEETING),
    };
    let mut rest = Vec::new();
    Semicolons.person("ann@example.com", "Ann", "=Lee", &mut rest);
    let answer = Answer {
        registrant_id: "zoom-id-ann",
        join_url: "https://zoom.us/w/1?tk=a;b",
        http_status: Some(201),
        attempts: 1,
        ..Answer::unanswered(zimport::model::Status::Registered, "")
    };
    Semicolons.outcome(&answer, &mut rest);
    journal
        .write(1, 2, &rest, &Semicolons.event(&event.to_string()))
        .expect("journaled");
    // Killed here: the results file never put in place, the journal left.
    drop(journal);
    drop(file);

    let path = companion(&results, ".journal");
    let text = std::fs::read_to_string(&path).expect("journal");
    assert!(
        text.starts_with("\"row\";\"email\";") && text.contains("\"'=Lee\""),
        "{text}"
    );
    let mut memory = Memory::load(&results, &path, event, &Semicolons).expect("read back");
    match memory.known("ANN@example.com") {
        Some(Known::EarlierRun {
            registrant_id,
            join_url,
            gone: false,
        }) => {
            assert_eq!(registrant_id, "zoom-id-ann");
            assert_eq!(join_url, "https://zoom.us/w/1?tk=a;b");
        }
        other => panic!("remembered from the journal: {other:?}"),
    }
}
