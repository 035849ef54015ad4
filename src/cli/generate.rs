//! `zimport --generate KIND`: shell completions (clap_complete) and a roff man page
//! (clap_mangen), made from the same command line as `--help`, as ripgrep does.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// What `--generate` makes.
pub const KINDS: [&str; 5] = [
    "complete-bash",
    "complete-zsh",
    "complete-fish",
    "complete-powershell",
    "man",
];

/// Writes what `kind` names to `out`.
pub fn generate(kind: &str, out: &mut dyn Write) -> Result<(), String> {
    let mut command = Cli::command();
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
