//! Orchestration: reads rows from [`crate::input`], decides each row's outcome, and hands every
//! outcome to [`crate::report`]. Today that is the dry run, which validates everything and sends
//! nothing; the real import joins it here.

use std::time::Instant;

use crate::config::Config;
use crate::input::{CsvInput, Verdict};
use crate::limits::Estimate;
use crate::report::{
    Console, Counts, ResultRow, ResultsFile, RowProblem, RunOptions, Status, Summary,
    PROBLEMS_SHOWN,
};
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
        results,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
}
