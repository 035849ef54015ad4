//! `zimport --generate KIND`: shell completions (clap_complete) and a roff man page
//! (clap_mangen), made from the same command line as `--help`, as ripgrep does.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::export::ExportCli;
use super::status::StatusCli;
use super::Cli;

/// What `--generate` makes.
pub const KINDS: [&str; 5] = [
    "complete-bash",
    "complete-zsh",
    "complete-fish",
    "complete-powershell",
    "man",
];

/// The whole command line as the man page and completions show it: the import, with the other
/// commands as subcommands (`main` chooses them by the first word, as clap would).
fn documented() -> clap::Command {
    let status = |name: &'static str, about: &'static str| {
        StatusCli::command()
            .name(name)
            .bin_name(format!("zimport {name}"))
            .about(about)
    };
    Cli::command()
        .args_conflicts_with_subcommands(true)
        .subcommand_negates_reqs(true)
        .subcommand(
            ExportCli::command()
                .name("export")
                .bin_name("zimport export"),
        )
        .subcommand(status(
            "approve",
            "Approve the registrants listed in a CSV file",
        ))
        .subcommand(status("deny", "Deny the registrants listed in a CSV file"))
        .subcommand(status(
            "cancel",
            "Cancel the registrations listed in a CSV file (asks first; --yes under cron)",
        ))
}

/// Writes what `kind` names to `out`.
pub fn generate(kind: &str, out: &mut dyn Write) -> Result<(), String> {
    let mut command = documented();
    let shell = match kind {
        "complete-bash" => Shell::Bash,
        "complete-zsh" => Shell::Zsh,
        "complete-fish" => Shell::Fish,
        "complete-powershell" => Shell::PowerShell,
        "man" => {
            return clap_mangen::Man::new(command)
                .render(out)
                .map_err(|e| format!("cannot write the man page: {e}"));
        }
        _ => {
            return Err(format!(
                "--generate takes one of: {} (not '{kind}')",
                KINDS.join(", ")
            ))
        }
    };
    clap_complete::generate(shell, &mut command, "zimport", out);
    Ok(())
}
