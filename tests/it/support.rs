//! Test harness: a temporary folder to write inputs into, the real binary to run, and the
//! results file parsed back into rows.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde::Deserialize;

/// The bundled fixtures folder.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A temporary working folder, removed when the test ends.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

/// One row of a results file, as a reader of it sees it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ResultRow {
    pub row: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: String,
    pub registrant_id: String,
    pub join_url: String,
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub message: String,
    pub attempts: u32,
    /// The input line the record starts on.
    pub line: u64,
    pub event: String,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes an input file and returns its path.
    pub fn write_input(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write input");
        path
    }

    /// Copies a fixture into the folder (so its results file lands here too).
    pub fn copy_fixture(&self, name: &str) -> PathBuf {
        let file_name = Path::new(name).file_name().expect("file name");
        let path = self.dir.path().join(file_name);
        std::fs::copy(fixture(name), &path).expect("copy fixture");
        path
    }

    /// The cache folder the runs of this environment keep their event locks in.
    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// The binary, run in this folder with no Zoom credentials in its environment.
    pub fn zimport(&self) -> Command {
        let mut cmd = Command::cargo_bin("zimport").expect("binary built");
        cmd.current_dir(self.dir.path())
            .env("XDG_CACHE_HOME", self.cache())
            .env_remove("ZOOM_ACCOUNT_ID")
            .env_remove("ZOOM_CLIENT_ID")
            .env_remove("ZOOM_CLIENT_SECRET");
        cmd
    }

    /// Runs a dry run of `input` for a meeting, with extra arguments.
    pub fn dry_run(&self, input: &Path, extra: &[&str]) -> Output {
        self.zimport()
            .arg(input)
            .args(["--meeting", "83927864687", "--dry-run"])
            .args(extra)
            .output()
            .expect("zimport runs")
    }
}

/// The names of the files in `folder`.
pub fn file_names(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .expect("folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// The default results file of a dry run of `input` for [`MEETING`] (beside the real run's).
pub fn dry_results_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    input.with_file_name(format!("{stem}.meeting-{MEETING}.dry-run.results.csv"))
}

/// The default results file of an import of `input` into [`MEETING`].
pub fn results_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    input.with_file_name(format!("{stem}.meeting-{MEETING}.results.csv"))
}

/// The results file's own columns: SPEC §3's, then `line` and `event`.
pub const RESULTS_COLUMNS: [&str; 13] = [
    "row",
    "email",
    "first_name",
    "last_name",
    "status",
    "registrant_id",
    "join_url",
    "http_status",
    "zoom_code",
    "message",
    "attempts",
    "line",
    "event",
];

/// Parses a results file back into rows, checking its header begins with the spec's.
pub fn read_results(path: &Path) -> Vec<ResultRow> {
    let mut reader = csv::Reader::from_path(path).expect("results file exists");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    // The spec's columns first, then the carried input columns, if any.
    assert_eq!(
        header.get(..RESULTS_COLUMNS.len()),
        Some(&RESULTS_COLUMNS.map(String::from)[..]),
        "{header:?}"
    );
    reader
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("well-formed results")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn exit_code(output: &Output) -> i32 {
    output
        .status
        .code()
        .expect("exited normally, not by a signal")
}

/// The meeting and webinar every [`ZoomEnv`] has.
pub const MEETING: u64 = 83_927_864_687;
pub const WEBINAR: u64 = 98_765_432_109;

/// A test folder plus a fake Zoom with a scheduled meeting and webinar.
pub struct ZoomEnv {
    pub env: TestEnv,
    pub zoom: fake_zoom::FakeZoom,
    pub setup: fake_zoom::Setup,
}

impl ZoomEnv {
    pub fn start(setup: fake_zoom::Setup) -> ZoomEnv {
        let zoom = fake_zoom::FakeZoom::start(setup.clone());
        zoom.add_event(
            fake_zoom::Kind::Meeting,
            MEETING,
            fake_zoom::EventSetup::scheduled_meeting(),
        );
        zoom.add_event(
            fake_zoom::Kind::Webinar,
            WEBINAR,
            fake_zoom::EventSetup::scheduled_webinar(),
        );
        ZoomEnv {
            env: TestEnv::new(),
            zoom,
            setup,
        }
    }

    /// The binary with the fake's endpoint and credentials in its environment.
    pub fn zimport(&self) -> Command {
        let mut cmd = self.env.zimport();
        cmd.env("ZOOM_OAUTH_URL", self.zoom.oauth_url())
            .env("ZOOM_ACCOUNT_ID", &self.setup.account_id)
            .env("ZOOM_CLIENT_ID", &self.setup.client_id)
            .env("ZOOM_CLIENT_SECRET", &self.setup.client_secret)
            .env_remove("ZOOM_API_URL");
        cmd
    }

    /// Imports `input` with `args` (which name the event) and `--json`.
    pub fn import(&self, input: &Path, args: &[&str]) -> Run {
        let output = self
            .zimport()
            .arg(input)
            .args(args)
            .arg("--json")
            .output()
            .expect("zimport runs");
        // The summary names the results file (a webinar's differs); without one, the default.
        let summary: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
        let results = summary["results"]
            .as_str()
            .map(|path| self.env.dir.path().join(path))
            .unwrap_or_else(|| results_path(input));
        Run::new(output, results)
    }
}

/// Every request of every test departs in nothing from Zoom's OpenAPI description of it (as
/// `fake-zoom`'s `described` module has it): no field, type, length, enum or query parameter
/// outside it, and no batch or status call of more than 30 people.
impl Drop for ZoomEnv {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let departures = self.zoom.departures();
        assert!(
            departures.is_empty(),
            "requests departed from Zoom's description: {departures:#?}"
        );
    }
}

/// What one run of the binary left behind.
pub struct Run {
    pub output: Output,
    pub summary: serde_json::Value,
    pub rows: Vec<ResultRow>,
}

impl Run {
    fn new(output: Output, results: PathBuf) -> Run {
        let summary = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
        let rows = if results.exists() {
            read_results(&results)
        } else {
            Vec::new()
        };
        Run {
            output,
            summary,
            rows,
        }
    }

    pub fn code(&self) -> i32 {
        exit_code(&self.output)
    }

    pub fn stderr(&self) -> String {
        stderr(&self.output)
    }

    pub fn with_status(&self, status: &str) -> Vec<&ResultRow> {
        self.rows.iter().filter(|r| r.status == status).collect()
    }

    /// Asserts that every row is registered with a registrant ID and a join URL.
    pub fn assert_all_registered(&self, expected_rows: usize) {
        assert_eq!(self.rows.len(), expected_rows, "{}", self.stderr());
        for row in &self.rows {
            assert_eq!(
                row.status,
                "registered",
                "row {}: {} ({})",
                row.row,
                row.message,
                self.stderr()
            );
            assert!(
                !row.registrant_id.is_empty() && row.join_url.starts_with("https://"),
                "{row:?}"
            );
        }
    }
}

/// A CSV of `count` people (`person{i}@example.com`), with extra Zoom fields if asked.
pub fn people(count: usize, extra_fields: bool) -> String {
    let mut text = String::from(if extra_fields {
        "email,first_name,last_name,city,org,job_title,country,no_of_employees\n"
    } else {
        "email,first_name,last_name\n"
    });
    for i in 0..count {
        if extra_fields {
            text.push_str(&format!(
                "person{i}@example.com,First{i},Last{i},Zürich,ACME {i},Engineer,ch,51-100\n"
            ));
        } else {
            text.push_str(&format!("person{i}@example.com,First{i},Last{i}\n"));
        }
    }
    text
}

impl ZoomEnv {
    /// `program` (the binary, `script`, `sh` …), run in the test folder with the fake's
    /// endpoint and credentials, and the binary's path in `ZIMPORT` for shell lines.
    pub fn program(&self, program: &str) -> std::process::Command {
        let mut command = std::process::Command::new(program);
        command
            .current_dir(self.env.dir.path())
            .env("ZIMPORT", env!("CARGO_BIN_EXE_zimport"))
            .env("XDG_CACHE_HOME", self.env.cache())
            .env("ZOOM_OAUTH_URL", self.zoom.oauth_url())
            .env("ZOOM_ACCOUNT_ID", &self.setup.account_id)
            .env("ZOOM_CLIENT_ID", &self.setup.client_id)
            .env("ZOOM_CLIENT_SECRET", &self.setup.client_secret)
            .env_remove("ZOOM_API_URL");
        command
    }

    /// `zimport` run on a terminal (`script` gives it one): what it shows comes back on
    /// standard output.
    pub fn on_a_terminal(&self, command_line: &str) -> std::process::Output {
        self.program("script")
            .args(["-qec", command_line, "/dev/null"])
            .output()
            .expect("script runs")
    }

    /// Starts the binary without waiting (for signals and concurrent runs).
    pub fn spawn(&self, input: &Path, args: &[&str]) -> std::process::Child {
        self.program(env!("CARGO_BIN_EXE_zimport"))
            .arg(input)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("zimport starts")
    }
}

/// Reads whatever rows a (possibly torn) journal or results file holds, skipping broken lines.
pub fn read_lenient(path: &Path) -> Vec<ResultRow> {
    let Ok(mut reader) = csv::ReaderBuilder::new().flexible(true).from_path(path) else {
        return Vec::new();
    };
    reader.deserialize().filter_map(Result::ok).collect()
}

/// How long a test waits for something it expects before it fails: a guard against a hang on
/// a loaded machine, far beyond any wait that passes, never a measure of speed.
pub const GUARD: std::time::Duration = std::time::Duration::from_secs(60);

/// Waits until `done` holds, looking every 10 ms; fails the test, naming `what`, after [`GUARD`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed() < GUARD, "timed out waiting until {what}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The journal a run keeps beside `results` while it works.
pub fn journal_of(results: &Path) -> PathBuf {
    let mut name = results.file_name().expect("name").to_os_string();
    name.push(".journal");
    results.with_file_name(name)
}

/// Whether process `pid` has its own handlers for SIGINT, SIGTERM and SIGHUP in place (Linux's
/// `/proc/PID/status`, `SigCgt`): before that, each would kill it outright.
pub fn handles_stop_signals(pid: u32) -> bool {
    const SIGHUP: u64 = 1; // signal 1
    const SIGINT: u64 = 1 << (2 - 1);
    const SIGTERM: u64 = 1 << (15 - 1);
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|caught| caught & (SIGHUP | SIGINT | SIGTERM) == SIGHUP | SIGINT | SIGTERM)
}

/// The binary's configuration and console as `main` builds them from `args` (after the
/// program's name), with `env` as its whole environment: for runs in the test's process.
pub fn in_process_config(
    args: &[&std::ffi::OsStr],
    env: &[(&str, String)],
) -> (zimport::console::Console, zimport::config::Config) {
    use clap::Parser;
    let line = std::iter::once(std::ffi::OsStr::new("zimport")).chain(args.iter().copied());
    let cli = zimport::cli::Cli::try_parse_from(line).expect("arguments parse");
    let console = cli.console();
    let config = cli
        .into_config_with_env(|name| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        })
        .expect("a valid configuration");
    (console, config)
}

/// The binary started in the background, its standard error read line by line as it comes,
/// so a test can wait for what it says.
pub struct Running {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    said: String,
    stdout: Option<std::thread::JoinHandle<Vec<u8>>>,
}

/// A test that fails part-way leaves no process behind.
impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Running {
    pub fn start(mut command: std::process::Command) -> Running {
        use std::io::{BufRead, Read};
        let mut child = command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("zimport starts");
        let (send, lines) = std::sync::mpsc::channel();
        let stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in stderr.split(b'\n').map_while(Result::ok) {
                if send
                    .send(String::from_utf8_lossy(&line).into_owned())
                    .is_err()
                {
                    break;
                }
            }
        });
        let mut stdout = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stdout.read_to_end(&mut bytes);
            bytes
        });
        Running {
            child,
            lines,
            said: String::new(),
            stdout: Some(stdout),
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the process has its own handlers for Ctrl-C and SIGTERM.
    pub fn wait_for_signal_handlers(&mut self) {
        let pid = self.id();
        let mut exited = false;
        wait_until("zimport handles Ctrl-C and SIGTERM", || {
            exited = self.exited();
            exited || handles_stop_signals(pid)
        });
        if exited {
            self.take_lines();
            panic!("zimport ended before it handled signals: {}", self.said);
        }
    }

    /// Moves what the process said so far, and not yet read, into `said`.
    fn take_lines(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.said.push_str(&line);
            self.said.push('\n');
        }
    }

    /// Sends `signal` (`INT`, `TERM`, …) with `kill`.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), self.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal}");
    }

    /// Waits until a line of standard error holds `text` (one already read counts); returns
    /// that line.
    pub fn wait_for_stderr(&mut self, text: &str) -> String {
        if let Some(line) = self.said.lines().find(|line| line.contains(text)) {
            return line.to_string();
        }
        let started = std::time::Instant::now();
        loop {
            let left = GUARD.saturating_sub(started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.said.push_str(&line);
                    self.said.push('\n');
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {text:?} on stderr: {}", self.said),
            }
        }
    }

    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process has exited.
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for the process to end (killing it and failing the test after [`GUARD`]) and
    /// returns what it said.
    pub fn finish(mut self) -> Output {
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("zimport waits") {
                break status;
            }
            if started.elapsed() > GUARD {
                self.kill();
                self.take_lines();
                panic!("zimport did not end: {}", self.said);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        // The reader ends with the pipe: what is left is the rest of what it said.
        while let Ok(line) = self
            .lines
            .recv_timeout(GUARD.saturating_sub(started.elapsed()))
        {
            self.said.push_str(&line);
            self.said.push('\n');
        }
        Output {
            status,
            stdout: self
                .stdout
                .take()
                .and_then(|reader| reader.join().ok())
                .unwrap_or_default(),
            stderr: std::mem::take(&mut self.said).into_bytes(),
        }
    }
}

impl ZoomEnv {
    /// [`ZoomEnv::spawn`], with standard error watched: see [`Running`].
    pub fn start_run(&self, input: &Path, args: &[&str]) -> Running {
        let mut command = self.program(env!("CARGO_BIN_EXE_zimport"));
        command.arg(input).args(args);
        Running::start(command)
    }

    /// The environment of [`ZoomEnv::zimport`], for [`in_process_config`].
    pub fn in_process_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ZOOM_OAUTH_URL", self.zoom.oauth_url()),
            ("ZOOM_ACCOUNT_ID", self.setup.account_id.clone()),
            ("ZOOM_CLIENT_ID", self.setup.client_id.clone()),
            ("ZOOM_CLIENT_SECRET", self.setup.client_secret.clone()),
            ("XDG_CACHE_HOME", self.env.cache().display().to_string()),
        ]
    }
}

/// A table zimport wrote (an export, attendance): its header, and each row by column.
pub fn read_table(
    path: &std::path::Path,
) -> (Vec<String>, Vec<std::collections::HashMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).expect("the table opens");
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|record| {
            let record = record.expect("a record");
            header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}
