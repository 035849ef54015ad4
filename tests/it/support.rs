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

    /// The binary, run in this folder with no Zoom credentials in its environment.
    pub fn zimport(&self) -> Command {
        let mut cmd = Command::cargo_bin("zimport").expect("binary built");
        cmd.current_dir(self.dir.path())
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

pub fn results_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    input.with_file_name(format!("{stem}.results.csv"))
}

/// Parses a results file back into rows, checking its header is exactly the spec's.
pub fn read_results(path: &Path) -> Vec<ResultRow> {
    let mut reader = csv::Reader::from_path(path).expect("results file exists");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
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
            "attempts"
        ]
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
