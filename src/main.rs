//! The `zimport` binary: the command the line asks for ([`zimport::cli::dispatch`]), run, its
//! outcome as the exit code. The only place that deals with signals and leaves the process: a
//! first Ctrl-C, SIGTERM or SIGHUP asks the run to stop (the requests in flight finish and the
//! results are written), a second quits at once.

use std::process::ExitCode;

use zimport::cli::dispatch::{invocation, Invocation};
use zimport::cli::status::StatusCli;
use zimport::console::Console;
use zimport::model::Action;
use zimport::model::Interrupt;
use zimport::summary::exit;
use zimport::zoom::control::Stopper;

fn main() -> ExitCode {
    let invocation = match invocation(std::env::args_os().collect()) {
        Ok(invocation) => invocation,
        Err(code) => return ExitCode::from(code),
    };
    match invocation {
        Invocation::Import(cli) => {
            let console = cli.console();
            match cli.into_config() {
                Ok(config) => run(&config, console),
                Err(message) => fail(&console, message, exit::USAGE_OR_INPUT),
            }
        }
        Invocation::Table(cli) => {
            let console = cli.console();
            match cli.run(&console) {
                Ok(code) => ExitCode::from(code),
                Err(err) => fail(&console, &err, err.exit_code()),
            }
        }
        Invocation::Change(cli, action) => change_status(cli, action),
        Invocation::Generate(kind) => {
            let console = Console::new(zimport::console::Verbosity::Normal, false);
            match zimport::cli::generate::generate(&kind, &mut std::io::stdout().lock()) {
                Ok(()) => ExitCode::from(exit::OK),
                Err(message) => fail(&console, message, exit::USAGE_OR_INPUT),
            }
        }
    }
}

/// Ends a command that could not do its work: the error on standard error (and with `--json`
/// as the one object on standard output), and its exit code.
fn fail(console: &Console, message: impl std::fmt::Display, code: u8) -> ExitCode {
    console.failed(message, code);
    ExitCode::from(code)
}

/// `zimport approve|deny|cancel`: a cancel is confirmed first (it cannot be undone), then the
/// run is an import's, with another sender.
fn change_status(cli: StatusCli, action: Action) -> ExitCode {
    let console = cli.console();
    let asked = cli.must_ask(action).and_then(|ask| {
        let what = format!("{}", cli.csv.display());
        match cli.into_config(action) {
            Ok(config) if ask && !console.confirm(format_args!(
                "Cancel the registration of every person in {what} that Zoom lists for {}? zimport cannot undo this.",
                config.event
            )) => Err("not confirmed; nothing was sent".to_string()),
            other => other,
        }
    });
    match asked {
        Ok(config) => run(&config, console),
        Err(message) => fail(&console, message, exit::USAGE_OR_INPUT),
    }
}

/// Runs an import or a status change, watching for Ctrl-C, SIGTERM and SIGHUP.
fn run(config: &zimport::config::Config, console: Console) -> ExitCode {
    let stopper = Stopper::default();
    watch_signals(stopper.clone(), console);
    match zimport::run(config, &console, &stopper) {
        Ok(summary) => {
            console.summary(&summary);
            ExitCode::from(summary.exit_code())
        }
        Err(err) => fail(&console, &err, err.exit_code()),
    }
}

/// Watches Ctrl-C, SIGTERM and SIGHUP on a thread of its own. The first asks the run to stop, or, if it
/// has nothing to finish or clean up, ends the process; the second ends it at once (the journal
/// already holds every confirmed row).
fn watch_signals(stopper: Stopper, console: Console) {
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            let Some(first) = signal().await else { return };
            let what = first.name();
            let again = match first {
                Interrupt::CtrlC => "press Ctrl-C again",
                Interrupt::Terminate | Interrupt::HangUp => "signal again",
            };
            // Quitting at once still ends with the error (with --json, its one object), and
            // leaves no lock file behind (no destructor runs on the way out).
            let quit = |message: String, how: Interrupt| -> ! {
                let code = exit::interrupted(how);
                console.failed(message, code);
                zimport::lock::remove_held();
                std::process::exit(i32::from(code))
            };
            let Some(then) = stopper.stop(first) else {
                // Nothing to finish or clean up (the checks, a real run's reading, or the end).
                quit(
                    format!("{what} while nothing was being sent: quitting now"),
                    first,
                );
            };
            console.warn(format_args!("{what}: {then} ({again} to quit at once)"));
            let Some(second) = signal().await else { return };
            quit(
                format!(
                    "{} while finishing: quitting now; the next run picks up from the journal",
                    second.name()
                ),
                second,
            );
        });
    });
}

/// The next Ctrl-C, SIGTERM or SIGHUP; `None` if signals cannot be watched.
async fn signal() -> Option<Interrupt> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut terminate), Ok(mut hang_up)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return tokio::signal::ctrl_c()
                .await
                .ok()
                .map(|()| Interrupt::CtrlC);
        };
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.ok().map(|()| Interrupt::CtrlC),
            received = terminate.recv() => received.map(|()| Interrupt::Terminate),
            received = hang_up.recv() => received.map(|()| Interrupt::HangUp),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .ok()
            .map(|()| Interrupt::CtrlC)
    }
}
