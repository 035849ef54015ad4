//! What the commands that read Zoom and write a table for people (`export`, `attendance`)
//! share: their settings ([`TableConfig`]), their opening line, one way to read Zoom (a reading
//! client, a token before anything else, a spinner while the pages come), and where the
//! table went, as their summary names it. Each command's own reading and rows are its own.

use std::path::PathBuf;

use crate::console::{Console, Spinner};
use crate::limits::RateLimits;
use crate::model::Event;
use crate::zoom::preflight::PreflightError;
use crate::zoom::{ZoomClient, ZoomSettings};
use crate::Error;

/// What every table command is given, validated by the command line.
#[derive(Debug)]
pub struct TableConfig {
    pub event: Event,
    /// `None`: standard output.
    pub output: Option<PathBuf>,
    /// Cells as they are, not neutralised for spreadsheets.
    pub raw: bool,
    /// `--excel`: the file starts with a UTF-8 byte-order mark.
    pub excel: bool,
    pub dry_run: bool,
    pub limits: RateLimits,
    pub zoom: ZoomSettings,
}

impl TableConfig {
    /// The command's opening line: the event, `what` it makes, and where it goes.
    pub fn opening(&self, console: &Console, what: &str) {
        let to = crate::table::destination(self.output.as_deref(), self.dry_run);
        console.opening(format_args!("{} → {what}{to}", self.event));
    }

    /// The file the table was written to, as the summary names it: `None` for standard
    /// output or a dry run.
    pub fn written_to(&self) -> Option<String> {
        let file = self.output.as_ref().filter(|_| !self.dry_run);
        file.map(|path| path.display().to_string())
    }

    /// Runs `read` with a client that reads the event, once a token is had (a refused one is
    /// the error, before anything is read), with a spinner the reading may speak through.
    pub fn read_zoom<T>(
        &self,
        console: &Console,
        read: impl AsyncFnOnce(&ZoomClient, &Spinner) -> Result<T, PreflightError>,
    ) -> Result<T, Error> {
        let client =
            ZoomClient::reading(&self.zoom, self.event, self.limits, console.request_log())
                .map_err(Error::Setup)?;
        let runtime = crate::zoom::runtime().map_err(Error::Setup)?;
        let spinner = console.spinner();
        let read = runtime.block_on(async {
            client
                .tokens()
                .bearer()
                .await
                .map_err(PreflightError::no_token)?;
            read(&client, &spinner).await
        });
        spinner.finish();
        Ok(read?)
    }
}
