use super::*;
use crate::console::Verbosity;
use crate::limits::{Mode, Plan};
use crate::model::{EventId, EventKind};
use crate::rows::Target;
use clap::CommandFactory;

/// The verbosity the console of `args` gets.
fn verbosity(args: &[&str]) -> Verbosity {
    Cli::try_parse_from(std::iter::once("zimport").chain(args.iter().copied()))
        .expect("parses")
        .console()
        .verbosity
}

fn parse(args: &[&str]) -> Result<Config, String> {
    let cli = Cli::try_parse_from(std::iter::once("zimport").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    cli.into_config_with_env(|name| {
        let value = match name {
            "ZOOM_ACCOUNT_ID" => "acc",
            "ZOOM_CLIENT_ID" => "cid",
            "ZOOM_CLIENT_SECRET" => "secret",
            _ => return None,
        };
        Some(value.to_string())
    })
}

#[test]
fn verify_cli() {
    Cli::command().debug_assert();
}

#[test]
fn defaults_are_documented_values() {
    let config = parse(&["people.csv", "--meeting", "839 2786 4687"]).expect("valid");
    assert_eq!(config.event.id, EventId(83_927_864_687));
    assert_eq!(config.event.kind, EventKind::Meeting);
    assert_eq!(
        config.output,
        PathBuf::from("people.meeting-83927864687.results.csv")
    );
    let import = config.import().expect("an import");
    assert_eq!(import.memory, config.output);
    let dry = parse(&["people.csv", "--meeting", "83927864687", "--dry-run"]).expect("valid");
    assert_eq!(
        dry.output,
        PathBuf::from("people.meeting-83927864687.dry-run.results.csv"),
        "a dry run never replaces a real run's results"
    );
    let dry_memory = &dry.import().expect("an import").memory;
    assert_eq!(dry_memory, &config.output, "but reads them");
    assert_eq!(
        import.earlier_default,
        Some(PathBuf::from("people.results.csv"))
    );
    assert_eq!(import.mode, Mode::Auto);
    assert_eq!(config.plan, Plan::Pro);
    assert_eq!(config.concurrency.get(), DEFAULT_CONCURRENCY);
    assert_eq!(import.confirmation_email, None);
    assert_eq!(
        verbosity(&["people.csv", "--meeting", "83927864687"]),
        Verbosity::Normal
    );
    assert!(!config.dry_run);
}

#[test]
fn default_output_sits_beside_the_csv() {
    let config = parse(&["data/in/people.csv", "--webinar", "123456789"]).expect("valid");
    assert_eq!(
        config.output,
        PathBuf::from("data/in/people.webinar-123456789.results.csv")
    );
    let config = parse(&["-", "--webinar", "123456789"]).expect("valid");
    assert_eq!(config.source, Source::Stdin);
    assert_eq!(
        config.output,
        PathBuf::from("zimport.webinar-123456789.results.csv")
    );
    let config = parse(&["p.csv", "--webinar", "123456789", "-o", "r.csv"]).expect("valid");
    assert_eq!(
        config
            .import()
            .and_then(|import| import.earlier_default.clone()),
        None,
        "-o is the user's choice"
    );
}

#[test]
fn exactly_one_event_is_required() {
    let err = parse(&["people.csv"]).expect_err("no event");
    assert!(err.contains("--meeting"), "{err}");
    let err = parse(&[
        "people.csv",
        "--meeting",
        "123456789",
        "--webinar",
        "123456789",
    ])
    .expect_err("two events");
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn bad_values_name_their_flag() {
    for (args, flag) in [
        (vec!["--meeting", "12ab"], "--meeting"),
        (
            vec!["--meeting", "123456789", "--max-rps", "0"],
            "--max-rps",
        ),
        (
            vec!["--meeting", "123456789", "--concurrency", "0"],
            "--concurrency",
        ),
        (
            vec!["--meeting", "123456789", "--concurrency", "1000"],
            "--concurrency",
        ),
        (vec!["--meeting", "123456789", "--plan", "gold"], "--plan"),
        (vec!["--meeting", "123456789", "--mode", "fast"], "--mode"),
        (
            vec!["--meeting", "123456789", "--map", "shoe=Size"],
            "--map",
        ),
        (vec!["--meeting", "123456789", "--map", "email"], "--map"),
        (
            vec!["--meeting", "123456789", "--delimiter", "::"],
            "--delimiter",
        ),
        (vec!["--meeting", "123456789", "-q", "-v"], "--quiet"),
    ] {
        let mut full = vec!["people.csv"];
        full.extend(args.iter().copied());
        let err = parse(&full).expect_err(&format!("{full:?}"));
        assert!(err.contains(flag), "{full:?}: {err}");
    }
}

#[test]
fn meeting_only_options_are_refused_for_webinars() {
    let err = parse(&["p.csv", "--webinar", "123456789", "--auto-approve"]).expect_err("webinar");
    assert!(err.contains("--auto-approve is for meetings only"), "{err}");
    let err = parse(&["p.csv", "--webinar", "123456789", "--no-confirmation-email"])
        .expect_err("webinar");
    assert!(err.contains("meetings only"), "{err}");
}

#[test]
fn map_delimiter_and_rates_are_resolved() {
    let config = parse(&[
        "p.csv",
        "--meeting",
        "123456789",
        "--map",
        "First Name=Vorname",
        "--map",
        "name=Kontakt",
        "--delimiter",
        "tab",
        "--plan",
        "business",
        "--max-rps",
        "50",
        "--no-confirmation-email",
        "-vv",
    ])
    .expect("valid");
    assert_eq!(
        config.input.map,
        [
            (
                Target::Field(crate::registrant::Field::FirstName),
                "Vorname".to_string()
            ),
            (Target::FullName, "Kontakt".to_string())
        ]
    );
    assert_eq!(config.input.delimiter, Some(b'\t'));
    assert_eq!(config.limits.light_per_second, 50);
    assert_eq!(config.limits.heavy_per_second, 40);
    assert_eq!(
        config.import().and_then(|import| import.confirmation_email),
        Some(false)
    );
    assert_eq!(
        verbosity(&["p.csv", "--meeting", "123456789", "-vv"]),
        Verbosity::Verbose(2)
    );
}

#[test]
fn output_may_not_overwrite_the_input() {
    let dir = tempfile::tempdir().expect("dir");
    let input = dir.path().join("people.csv");
    std::fs::write(&input, "email\n").expect("write");
    let input = input.to_string_lossy().into_owned();
    let err = parse(&[&input, "--meeting", "123456789", "-o", &input]).expect_err("same file");
    assert!(err.contains("is the input file"), "{err}");
}

#[test]
fn output_must_be_a_file_in_a_folder_that_exists() {
    let dir = tempfile::tempdir().expect("dir");
    let input = dir.path().join("people.csv");
    std::fs::write(&input, "email\n").expect("write");
    let input = input.to_string_lossy().into_owned();
    let folder = dir.path().to_string_lossy().into_owned();
    for (output, said) in [
        (format!("{folder}/missing/"), "is a folder"),
        (folder.clone(), "is a folder"),
        (format!("{folder}/missing/x.csv"), "missing does not exist"),
        (format!("{input}/x.csv"), "people.csv is not a folder"),
    ] {
        for command in [
            &[&input, "--meeting", "123456789"][..],
            &["export", "--meeting", "123456789"],
        ] {
            let mut args = command.to_vec();
            args.extend(["-o", &output]);
            let err = parse(&args).expect_err("refused");
            assert!(err.contains(said), "{output}: {err}");
        }
    }
    let err = parse(&[&input, "--meeting", "123456789", "-o", "-"]).expect_err("stdout");
    assert!(err.contains("for exports only"), "{err}");
    let fine = format!("{folder}/out.csv");
    assert!(parse(&[&input, "--meeting", "123456789", "-o", &fine]).is_ok());
}
