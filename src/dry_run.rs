//! The dry run (`--dry-run`): the one pipeline, with a sender that answers `valid` at once
//! ([`DryRun`]). Every row is read, checked and settled exactly as a real run would, and
//! written to the results file (`valid`, `invalid`, `duplicate`, or what Zoom and earlier runs
//! already know); nothing is sent to Zoom.

use std::sync::Arc;
use std::time::Instant;

use crate::config::{Config, Task};

use crate::console::Console;
use crate::limits::{Estimate, Mode};
use crate::model::Command;
use crate::outcome::Line;
use crate::results::memory::Memory;
use crate::results::{Recorder, ResultsFile};
use crate::rows::CsvInput;
use crate::settle::{settle, Sink, Unknown};
use crate::summary::{Summary, Work};
use crate::zoom::control::{Control, Stopper};
use crate::zoom::preflight::Findings;
use crate::Error;

/// Checks and settles every row, and writes a results file of what a real run would find, in
/// input order. Never contacts Zoom; with `findings` (credentials were set), it also says if a
/// real run would stop at the event's capacity.
pub fn dry_run(
    config: &Config,
    console: &Console,
    stopper: &Stopper,
    mut input: CsvInput,
    mut memory: Memory,
    findings: Option<&Findings>,
) -> Result<Summary, Error> {
    let started = Instant::now();
    let recorder = Recorder::new(
        ResultsFile::create(
            &config.output,
            config.results_format,
            config.excel,
            &input.carried_titles(),
        )?,
        None,
        config.event.to_string(),
        Box::new(()),
        None,
    );
    // Asked to stop (Ctrl-C, SIGTERM), it stops at the next row and leaves no results file.
    let control = Arc::new(Control::default());
    let listening = stopper.listen(
        control.clone(),
        "stopping the dry run, which then writes no results file",
    );
    let mut sink = DryRun { recorder, control };
    let settled = settle(
        &mut input,
        config.command(),
        &mut memory,
        &mut sink,
        config.results_format,
        false,
    );
    drop(listening);
    let tally = match settled {
        Ok(tally) => tally,
        // The recorder says what a failed write leaves behind.
        Err(Error::Results(error)) => {
            return Err(sink.recorder.finish().err().unwrap_or(error).into())
        }
        Err(error) => return Err(error),
    };
    if let (Command::Import, Some(findings)) = (config.command(), findings) {
        // A real run would not start: like any check that stops it, no results file (the
        // recorder, dropped unfinished, removes its partial one).
        findings.check_capacity(config.event, tally.to_send())?;
    }
    let recorded = sink.recorder.finish()?;
    console.encoding(&input);
    let estimate = match &config.task {
        Task::Import(import) => {
            // When Zoom says batch does not fit, the real run sends everyone singly.
            let mode = match findings {
                Some(findings) if !findings.batch_fits => Mode::Single,
                _ => import.mode,
            };
            Estimate {
                batch_checked: findings.is_some_and(|f| f.event_read),
                ..Estimate::new(mode, config.limits, tally.fits_batch, tally.others)
            }
        }
        Task::Change(_) => Estimate::status_changes(config.limits, tally.to_send()),
    };
    Ok(Summary::of(
        config,
        &input,
        &tally,
        recorded,
        Work::Estimated(estimate),
        started.elapsed(),
    ))
}

/// A dry run's sink: every row's outcome straight to the results file, until it is asked to
/// stop.
pub struct DryRun {
    pub recorder: Recorder,
    control: Arc<Control>,
}

impl DryRun {
    #[inline]
    fn record(&mut self, line: Line<'_>) -> Result<(), Error> {
        if let Some(how) = self.control.interruption() {
            return Err(Error::Interrupted(how));
        }
        Ok(self.recorder.record(line)?)
    }
}

impl Sink for DryRun {
    #[inline]
    fn settled(&mut self, line: Line<'_>) -> Result<(), Error> {
        self.record(line)
    }

    #[inline]
    fn unknown(&mut self, row: Unknown<'_>) -> Result<(), Error> {
        self.record(row.valid)
    }
}
