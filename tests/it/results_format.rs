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

    // A re-run reads the second format back as its memory: nobody is sent again.
    run(&ours, Some(&Semicolons), &[]);
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
    assert_eq!(sent(&zoom), before, "nothing sent again");
}
