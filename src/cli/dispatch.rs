//! Which command the command line asks for: a first argument that names a command chooses it
//! (`export`, `attendance`, `approve`, `deny`, `cancel`, `import`, `help`); anything else is an import's CSV
//! (a file named like a command is reached as `./export`). A word that is no file and is
//! spelled like a mistyped command gets "did you mean". Usage errors are printed here, with
//! zimport's one error prefix, and come back as their exit code.

use std::ffi::OsString;

use clap::Parser;

use super::attendance::AttendanceCli;
use super::export::ExportCli;
use super::status::StatusCli;
use super::Cli;
use crate::console::Console;
use crate::console::Verbosity;
use crate::model::Action;
use crate::summary::exit;

/// What the command line asks for, parsed.
#[derive(Debug)]
pub enum Invocation {
    Import(Cli),
    /// A command that reads Zoom and writes a table for people.
    Table(TableCli),
    Change(StatusCli, Action),
    /// `--generate KIND`.
    Generate(String),
}

/// The commands that read Zoom and write a table for people. Each resolves its own command line
/// into its config and runs alike: read-only, so Ctrl-C simply ends it (no file is put in
/// place half written). A new one is a variant here, its `*Cli`, and its module.
#[derive(Debug)]
pub enum TableCli {
    Export(ExportCli),
    Attendance(AttendanceCli),
}

impl TableCli {
    pub fn console(&self) -> Console {
        match self {
            Self::Export(cli) => cli.console(),
            Self::Attendance(cli) => cli.console(),
        }
    }

    /// Resolves the command line and runs the command: its exit code, or the error to end
    /// with (a usage error's code is [`exit::USAGE_OR_INPUT`]).
    pub fn run(self, console: &Console) -> Result<u8, crate::Error> {
        let usage = crate::Error::Setup;
        Ok(match self {
            Self::Export(cli) => {
                let config = cli.into_config().map_err(usage)?;
                crate::export::export(&config, console)?.exit_code
            }
            Self::Attendance(cli) => {
                let config = cli.into_config().map_err(usage)?;
                crate::attendance::attendance(&config, console)?.exit_code
            }
        })
    }
}

/// zimport's commands, besides an import of a CSV.
pub const COMMANDS: [&str; 7] = [
    "import",
    "export",
    "attendance",
    "approve",
    "deny",
    "cancel",
    "help",
];

/// The command `args` (the process's, program name first) ask for, or the exit code of a
/// usage error already reported.
pub fn invocation(mut args: Vec<OsString>) -> Result<Invocation, u8> {
    let json = args.iter().any(|arg| arg == "--json");
    let first = args.get(1).and_then(|arg| arg.to_str()).map(str::to_string);
    match first.as_deref() {
        Some("export") => {
            args.remove(1);
            args[0] = "zimport export".into();
            parse::<ExportCli>(args, json).map(|cli| Invocation::Table(TableCli::Export(cli)))
        }
        Some("attendance") => {
            args.remove(1);
            args[0] = "zimport attendance".into();
            parse::<AttendanceCli>(args, json)
                .map(|cli| Invocation::Table(TableCli::Attendance(cli)))
        }
        Some("import") => {
            args.remove(1);
            parse::<Cli>(args, json).map(Invocation::Import)
        }
        Some(name @ ("approve" | "deny" | "cancel")) => {
            let action = match name {
                "approve" => Action::Approve,
                "deny" => Action::Deny,
                _ => Action::Cancel,
            };
            args.remove(1);
            args[0] = format!("zimport {name}").into();
            parse::<StatusCli>(args, json).map(|cli| Invocation::Change(cli, action))
        }
        Some("help") => {
            args[1] = "--help".into();
            parse::<Cli>(args, json).map(Invocation::Import)
        }
        Some("--generate") => {
            let kind = args.get(2).and_then(|k| k.to_str()).unwrap_or("");
            Ok(Invocation::Generate(kind.to_string()))
        }
        Some(word) => match mistyped(word) {
            Some(near) => {
                let message = format!(
                "'{word}' is neither a file nor a command; did you mean '{near}'? (commands: {}; a file named like a command is ./{word})",
                COMMANDS.join(", ")
            );
                Console::new(Verbosity::Normal, json).failed(message, exit::USAGE_OR_INPUT);
                Err(exit::USAGE_OR_INPUT)
            }
            None => parse::<Cli>(args, json).map(Invocation::Import),
        },
        None => parse::<Cli>(args, json).map(Invocation::Import),
    }
}

/// The command `word` is a typo of: a word that is no file, without a dot or a slash, within
/// two edits of a command's name (the nearest).
fn mistyped(word: &str) -> Option<&'static str> {
    if word.contains(['.', '/']) || word.starts_with('-') || std::path::Path::new(word).exists() {
        return None;
    }
    COMMANDS
        .iter()
        .map(|command| (edit_distance(word, command), *command))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, command)| command)
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
/// (`zimport: error:`), and with `--json` its one object; `--help` and `--version` print as
/// clap prints them. The error is the exit code.
fn parse<T: Parser>(args: Vec<OsString>, json: bool) -> Result<T, u8> {
    T::try_parse_from(args).map_err(|err| {
        let code = u8::try_from(err.exit_code()).unwrap_or(exit::USAGE_OR_INPUT);
        if err.use_stderr() {
            let text = err.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let console = Console::new(Verbosity::Normal, json);
            // clap's lines (the error, the tip, the usage) one console line each; every line
            // is escaped on its way out (the arguments as typed are in it).
            let mut lines = text.trim_end().lines();
            if let Some(first) = lines.next() {
                console.error(first);
            }
            for line in lines.filter(|line| !line.trim().is_empty()) {
                console.continued(line);
            }
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
        code
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        std::iter::once("zimport")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_first_word_chooses_the_command() {
        assert!(matches!(
            invocation(args(&["people.csv", "--meeting", "123456789"])),
            Ok(Invocation::Import(_))
        ));
        assert!(matches!(
            invocation(args(&["import", "people.csv", "--meeting", "123456789"])),
            Ok(Invocation::Import(_))
        ));
        assert!(matches!(
            invocation(args(&["export", "--meeting", "123456789"])),
            Ok(Invocation::Table(TableCli::Export(_)))
        ));
        assert!(matches!(
            invocation(args(&[
                "cancel",
                "p.csv",
                "--webinar",
                "123456789",
                "--yes"
            ])),
            Ok(Invocation::Change(_, Action::Cancel))
        ));
        assert!(matches!(
            invocation(args(&["./export", "--meeting", "123456789"])),
            Ok(Invocation::Import(_))
        ));
    }

    #[test]
    fn a_typo_of_a_command_is_named_with_the_nearest_one() {
        assert_eq!(mistyped("exprot"), Some("export"));
        assert_eq!(mistyped("aprove"), Some("approve"));
        assert_eq!(mistyped("cancle"), Some("cancel"));
        assert_eq!(mistyped("people"), None);
        assert_eq!(mistyped("export.csv"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "deny"), 4);
    }
}
