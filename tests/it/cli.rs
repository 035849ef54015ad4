//! The command line at the process boundary: help, usage errors and their exit code.

use crate::support::{exit_code, stderr, TestEnv};

#[test]
fn help_lists_every_flag_of_the_spec() {
    let env = TestEnv::new();
    let output = env.zimport().arg("--help").output().expect("runs");
    assert_eq!(exit_code(&output), 0);
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--meeting",
        "--webinar",
        "--output",
        "--dry-run",
        "--mode",
        "--plan",
        "--max-rps",
        "--concurrency",
        "--auto-approve",
        "--confirmation-email",
        "--no-confirmation-email",
        "--map",
        "--delimiter",
        "--env-file",
        "--quiet",
        "--verbose",
        "--json",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    assert!(
        !help.contains("--client-secret"),
        "credentials never come from flags"
    );
}

#[test]
fn usage_errors_exit_2_and_name_the_flag() {
    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email,name\nana@example.com,Ana\n");
    for (args, expected) in [
        (vec!["--dry-run"], "--meeting"),
        (vec!["--meeting", "12x45"], "--meeting"),
        (vec!["--meeting", "123456789", "--plan", "gold"], "--plan"),
        (
            vec!["--meeting", "123456789", "--max-rps", "0"],
            "--max-rps",
        ),
        (
            vec!["--meeting", "123456789", "--map", "shoe_size=Size"],
            "--map",
        ),
        (
            vec!["--webinar", "123456789", "--auto-approve"],
            "--auto-approve is for meetings only",
        ),
    ] {
        let output = env
            .zimport()
            .arg(&input)
            .args(&args)
            .output()
            .expect("runs");
        let text = stderr(&output);
        assert_eq!(exit_code(&output), 2, "{args:?}: {text}");
        assert!(text.contains(expected), "{args:?}: {text}");
        // One prefix for every error, clap's own included, after the time (off a terminal).
        assert!(
            text.get(21..)
                .is_some_and(|t| t.starts_with("zimport: error: ")),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn map_naming_a_missing_column_is_an_input_error() {
    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email,name\nana@example.com,Ana\n");
    let output = env.dry_run(&input, &["--map", "first_name=Vorname"]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("--map first_name=Vorname: the header has no column 'Vorname'")
    );
}

#[test]
fn output_into_a_missing_folder_is_refused_naming_it() {
    let env = TestEnv::new();
    let input = env.write_input("in.csv", "email,name\nana@example.com,Ana\n");
    let output = env.dry_run(&input, &["-o", "no/such/folder/out.csv"]);
    assert_eq!(exit_code(&output), 2);
    let text = stderr(&output);
    assert!(
        text.contains("no/such/folder/out.csv")
            && text.contains("the folder no/such/folder does not exist"),
        "{text}"
    );
}

#[test]
fn generate_writes_completions_that_bash_loads_and_a_man_page_that_renders() {
    let env = TestEnv::new();
    let run = |kind: &str| {
        let output = env
            .zimport()
            .args(["--generate", kind])
            .output()
            .expect("runs");
        assert_eq!(exit_code(&output), 0, "{kind}: {}", stderr(&output));
        output.stdout
    };
    let bash = env.path("zimport.bash");
    std::fs::write(&bash, run("complete-bash")).expect("written");
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&bash)
        .status()
        .expect("bash runs");
    assert!(checked.success(), "bash -n refused the completion script");
    for kind in ["complete-zsh", "complete-fish", "complete-powershell"] {
        assert!(
            String::from_utf8_lossy(&run(kind)).contains("meeting"),
            "{kind}"
        );
    }
    let page = run("man");
    let text = String::from_utf8_lossy(&page);
    assert!(
        text.starts_with(".ie") || text.contains(".TH zimport 1"),
        "{text}"
    );
    assert!(
        text.contains("dry\\-run") || text.contains("dry-run"),
        "{text}"
    );
    // The other commands are in it, as subcommands.
    for command in ["export", "approve", "deny", "cancel"] {
        assert!(
            text.contains(&format!("zimport\\-{command}")),
            "{command}: {text}"
        );
    }
    let man_page = env.path("zimport.1");
    std::fs::write(&man_page, &page).expect("written");
    // `man -l` where the machine has man (the project's machines do).
    if let Ok(rendered) = std::process::Command::new("man")
        .arg("-l")
        .arg(&man_page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
    {
        assert!(rendered.status.success(), "{}", stderr(&rendered));
        let shown = String::from_utf8_lossy(&rendered.stdout);
        assert!(
            shown.contains("NAME") && shown.contains("zimport"),
            "{shown}"
        );
    }
    let unknown = env
        .zimport()
        .args(["--generate", "complete-tcsh"])
        .output()
        .expect("runs");
    assert_eq!(exit_code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("complete-bash"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn help_ends_with_exit_codes_environment_and_examples() {
    let env = TestEnv::new();
    let output = env.zimport().arg("--help").output().expect("runs");
    assert_eq!(exit_code(&output), 0);
    let help = String::from_utf8_lossy(&output.stdout);
    for part in [
        "Exit codes:",
        "143",
        "ZOOM_CLIENT_SECRET",
        "Examples:",
        "zimport export",
    ] {
        assert!(help.contains(part), "{part}: {help}");
    }
}

#[test]
fn help_is_a_command_and_a_mistyped_command_is_named_not_read_as_a_file() {
    let env = TestEnv::new();
    let help = env.zimport().arg("help").output().expect("runs");
    assert_eq!(exit_code(&help), 0);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("Commands:") && text.contains("zimport approve|deny|cancel"),
        "{text}"
    );

    let typo = env
        .zimport()
        .args(["exprot", "--meeting", "83927864687"])
        .output()
        .expect("runs");
    assert_eq!(exit_code(&typo), 2);
    assert!(
        stderr(&typo).contains("did you mean 'export'?"),
        "{}",
        stderr(&typo)
    );

    // A file of that name is a file.
    env.write_input("exprot", "email,first_name\nana@example.com,Ana\n");
    let file = env
        .zimport()
        .args(["exprot", "--meeting", "83927864687", "--dry-run"])
        .output()
        .expect("runs");
    assert_eq!(exit_code(&file), 0, "{}", stderr(&file));
}
