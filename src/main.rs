//! The `zimport` binary: parse the command line, run, map the outcome to an exit code. The only
//! place that deals with signals and leaves the process: a first Ctrl-C or SIGTERM asks the run
//! to stop (the requests in flight finish and the results are written), a second quits at once.

use std::process::ExitCode;

use clap::Parser;
use zimport::cli::export::ExportCli;
use zimport::cli::status::StatusCli;
use zimport::cli::Cli;
use zimport::config::Action;
use zimport::console::Console;
use zimport::summary::exit;
use zimport::zoom::control::{Interrupt, Stopper};

fn main() -> ExitCode {
    // A first argument that names a command chooses it; anything else is an import's CSV (a
    // file named like a command is reached as ./export).
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match args.get(1).and_then(|arg| arg.to_str()) {
        Some("export") => {
            args.remove(1);
            args[0] = "zimport export".into();
            return match parse::<ExportCli>(args) {
                Ok(cli) => export(cli),
                Err(code) => code,
            };
        }
        Some("import") => {
            args.remove(1);
        }
        Some(name @ ("approve" | "deny" | "cancel")) => {
            let action = match name {
                "approve" => Action::Approve,
                "deny" => Action::Deny,
                _ => Action::Cancel,
            };
            args.remove(1);
            args[0] = format!("zimport {}", action.name()).into();
            return match parse::<StatusCli>(args) {
                Ok(cli) => change_status(cli, action),
                Err(code) => code,
            };
        }
        Some("help") => {
            args[1] = "--help".into();
        }
        Some(word) if looks_like_a_command(word) => {
            let json = args.iter().any(|arg| arg == "--json");
            let console = Console::new(zimport::config::Verbosity::Normal, json);
            let near = COMMANDS
                .iter()
                .min_by_key(|command| edit_distance(word, command))
                .map_or(String::new(), |command| {
                    format!("; did you mean '{command}'?")
                });
            let message = format!(
                "'{word}' is neither a file nor a command{near} (commands: {}; a file named like a command is ./{word})",
                COMMANDS.join(", ")
            );
            return fail(&console, message, exit::USAGE_OR_INPUT);
        }
        Some("--generate") => {
            let kind = args.get(2).and_then(|k| k.to_str()).unwrap_or("");
            let console = Console::new(zimport::config::Verbosity::Normal, false);
            return match zimport::cli::generate::generate(kind, &mut std::io::stdout().lock()) {
                Ok(()) => ExitCode::from(exit::OK),
                Err(message) => fail(&console, message, exit::USAGE_OR_INPUT),
            };
        }
        _ => {}
    }
    let cli = match parse::<Cli>(args) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let console = cli.console();
    match cli.into_config() {
        Ok(config) => run(&config, console),
        Err(message) => fail(&console, message, exit::USAGE_OR_INPUT),
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

/// Runs an import or a status change, watching for Ctrl-C and SIGTERM.
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

/// zimport's commands, besides an import of a CSV.
const COMMANDS: [&str; 6] = ["import", "export", "approve", "deny", "cancel", "help"];

/// A first argument that is no file and is spelled like a mistyped command (`exprot`): a word
/// without a dot or a slash, close to a command's name.
fn looks_like_a_command(word: &str) -> bool {
    !word.contains(['.', '/'])
        && !word.starts_with('-')
        && !std::path::Path::new(word).exists()
        && COMMANDS
            .iter()
            .any(|command| edit_distance(word, command) <= 2)
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Parses the command line. clap's own usage errors get zimport's one error prefix
/// (`zimport: error:`); `--help` and `--version` print as clap prints them.
fn parse<T: Parser>(args: Vec<std::ffi::OsString>) -> Result<T, ExitCode> {
    let json = args.iter().any(|arg| arg == "--json");
    T::try_parse_from(args).map_err(|err| {
        let code = u8::try_from(err.exit_code()).unwrap_or(exit::USAGE_OR_INPUT);
        if err.use_stderr() {
            let text = err.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let console = Console::new(zimport::config::Verbosity::Normal, json);
            console.error(text.trim_end());
            // The message, for a script: what comes before the usage and tips, on one line.
            let message: Vec<&str> = text
                .lines()
                .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("  tip:"))
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
            console.json_only(&message.join(" "), code);
        } else {
            let _ = err.print();
        }
        ExitCode::from(code)
    })
}

/// `zimport export`: read-only, so Ctrl-C simply ends it (no file is put in place half written).
fn export(cli: ExportCli) -> ExitCode {
    let console = cli.console();
    let config = match cli.into_config() {
        Ok(config) => config,
        Err(message) => return fail(&console, message, exit::USAGE_OR_INPUT),
    };
    match zimport::export::export(&config, &console) {
        Ok(_) => ExitCode::from(exit::OK),
        Err(err) => fail(&console, &err, err.exit_code()),
    }
}

/// Watches Ctrl-C and SIGTERM on a thread of its own. The first asks the run to stop, or, if it
/// is not sending (nothing to finish), ends the process; the second ends it at once (the journal
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
            if !stopper.stop(first) {
                // Nothing is being sent (the checks, the reading, or the end): nothing to finish.
                console.error("interrupted while nothing was being sent: quitting now (a re-run picks up from what is written)");
                std::process::exit(i32::from(exit::interrupted(first)));
            }
            console.warn("interrupted: finishing the requests in flight, then writing the results (press Ctrl-C again to quit at once)");
            let Some(second) = signal().await else { return };
            console.error("interrupted twice: quitting now; the next run picks up from the journal");
            std::process::exit(i32::from(exit::interrupted(second)));
        });
    });
}

/// The next Ctrl-C or SIGTERM; `None` if signals cannot be watched.
async fn signal() -> Option<Interrupt> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c()
                .await
                .ok()
                .map(|()| Interrupt::CtrlC);
        };
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.ok().map(|()| Interrupt::CtrlC),
            received = terminate.recv() => received.map(|()| Interrupt::Terminate),
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
