//! The `zimport` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use zimport::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let console = cli.console();
    let config = match cli.into_config() {
        Ok(config) => config,
        Err(message) => {
            console.error(message);
            return ExitCode::from(zimport::report::exit::USAGE_OR_INPUT);
        }
    };
    match zimport::run(&config, &console) {
        Ok(summary) => {
            console.summary(&summary);
            ExitCode::from(summary.exit_code())
        }
        Err(err) => {
            console.error(&err);
            ExitCode::from(err.exit_code())
        }
    }
}
