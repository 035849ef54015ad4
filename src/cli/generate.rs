//! `zimport --generate KIND`: shell completions (clap_complete) and a roff man page
//! (clap_mangen), made from the same command line as `--help`, as ripgrep does.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::attendance::AttendanceCli;
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
        .subcommand(
            AttendanceCli::command()
                .name("attendance")
                .bin_name("zimport attendance"),
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

/// Writes what `kind` names to `out`. A reader that stops early (`zimport --generate man |
/// head`) is no error: what it did not read was not wanted.
pub fn generate(kind: &str, out: &mut dyn Write) -> Result<(), String> {
    let mut command = documented();
    let mut text = Vec::new();
    let shell = match kind {
        "complete-bash" => Some(Shell::Bash),
        "complete-zsh" => Some(Shell::Zsh),
        "complete-fish" => Some(Shell::Fish),
        "complete-powershell" => Some(Shell::PowerShell),
        "man" => None,
        _ => {
            return Err(format!(
                "--generate takes one of: {} (not '{kind}')",
                KINDS.join(", ")
            ))
        }
    };
    match shell {
        Some(shell) => clap_complete::generate(shell, &mut command, "zimport", &mut text),
        None => clap_mangen::Man::new(command)
            .render(&mut text)
            .map_err(|e| format!("cannot make the man page: {e}"))?,
    }
    match out.write_all(&text).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write {kind}: {error}"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Write};

    /// A reader that went away after `room` bytes (`| head`), or a full disk.
    struct Closing {
        room: usize,
        kind: io::ErrorKind,
    }

    impl Write for Closing {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::from(self.kind));
            }
            let taken = bytes.len().min(self.room);
            self.room -= taken;
            Ok(taken)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_reader_that_stops_early_is_no_error_but_a_full_disk_is() {
        for kind in ["man", "complete-bash"] {
            let mut head = Closing {
                room: 100,
                kind: io::ErrorKind::BrokenPipe,
            };
            assert_eq!(super::generate(kind, &mut head), Ok(()), "{kind}");
            let mut full = Closing {
                room: 100,
                kind: io::ErrorKind::StorageFull,
            };
            assert!(super::generate(kind, &mut full).is_err(), "{kind}");
        }
    }
}
