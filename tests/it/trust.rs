//! Whose files zimport trusts (issue 32, item 3): the earlier results and journal it reads as
//! memory, and the folder of its event locks, only when they are the user's own (or root's)
//! and nobody else can change them, as `ssh` and `sudo` do. The tests that plant a file of
//! another user need root to `chown` it (CI runs as root); elsewhere they say so and check
//! only what a user can plant.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use fake_zoom::Setup;

use crate::support::{
    journal_of, people, read_results, results_path, wait_until, ZoomEnv, MEETING,
};

/// Another user's ID: `nobody`.
const OTHER_USER: u32 = 65_534;

/// Whether the tests run as root (a file they create is root's).
fn running_as_root(folder: &Path) -> bool {
    let probe = folder.join("probe");
    std::fs::write(&probe, "").expect("write");
    let uid = std::fs::metadata(&probe).expect("metadata").uid();
    std::fs::remove_file(&probe).expect("remove");
    uid == 0
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn earlier_results_and_journals_others_could_have_written_are_refused() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(3, false));
    let args = ["--meeting", "83927864687"];
    let first = zoom.import(&input, &args);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    let results = results_path(&input);

    // Writable by the group, or by everyone: refused, naming the file and why (exit 2).
    for (mode, who) in [(0o664, "its group"), (0o666, "every user")] {
        chmod(&results, mode);
        let refused = zoom.import(&input, &args);
        assert_eq!(refused.code(), 2, "{}", refused.stderr());
        let stderr = refused.stderr();
        assert!(
            stderr.contains(&results.display().to_string())
                && stderr.contains(&format!("can be changed by {who} (mode {mode:o})")),
            "{stderr}"
        );
        assert_eq!(
            refused.summary["error"]
                .as_str()
                .map(|e| e.contains("--fresh")),
            Some(true),
            "{}",
            refused.summary
        );
    }
    chmod(&results, 0o600);
    let trusted = zoom.import(&input, &args);
    assert_eq!(trusted.code(), 0, "{}", trusted.stderr());
    assert_eq!(trusted.with_status("already_registered").len(), 3);

    if !running_as_root(zoom.env.dir.path()) {
        eprintln!("skipped: files of another user need root to plant (CI runs as root)");
        return;
    }
    // A results file and a journal of another user, private as they may be: nothing sent.
    std::os::unix::fs::chown(&results, Some(OTHER_USER), None).expect("chown");
    let sent_before = requests(&zoom);
    let refused = zoom.import(&input, &args);
    assert_eq!(refused.code(), 2, "{}", refused.stderr());
    assert!(
        refused
            .stderr()
            .contains(&format!("is owned by another user (user ID {OTHER_USER}")),
        "{}",
        refused.stderr()
    );
    let journal = journal_of(&results);
    std::fs::rename(&results, &journal).expect("the results become a journal");
    let refused = zoom.import(&input, &args);
    assert_eq!(refused.code(), 2, "{}", refused.stderr());
    assert!(
        refused.stderr().contains(&journal.display().to_string())
            && refused.stderr().contains("is owned by another user"),
        "{}",
        refused.stderr()
    );
    assert_eq!(requests(&zoom), sent_before, "nothing sent to Zoom");
}

/// The requests that could change Zoom (adds and status changes) so far.
fn requests(zoom: &ZoomEnv) -> usize {
    zoom.zoom
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/v2/") || r.method == "PUT")
        .count()
}

#[test]
fn a_lock_folder_that_is_not_the_users_own_is_not_used_and_said_so() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(2, false));
    let cache = zoom.env.cache();
    let folder = cache.join("zimport");
    let lock = folder.join(format!("meeting-{MEETING}.lock"));

    // A folder everyone can write, where another run "holds" the event's lock for ever.
    std::fs::create_dir_all(&folder).expect("folder");
    chmod(&folder, 0o777);
    if running_as_root(zoom.env.dir.path()) {
        std::os::unix::fs::chown(&folder, Some(OTHER_USER), Some(OTHER_USER)).expect("chown");
    } else {
        eprintln!("(not root: the planted folder is the user's own, but writable by everyone)");
    }
    std::fs::write(&lock, "4242\n2026-01-01T00:00:00Z\n/elsewhere\n").expect("write");
    let holder = std::fs::File::open(&lock).expect("open");
    holder.try_lock().expect("held");
    let run = zoom.import(&input, &["--meeting", "83927864687"]);
    assert_eq!(
        run.code(),
        0,
        "not blocked by a lock it cannot trust: {}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains(&format!("the lock folder {}", folder.display()))
            && run.stderr().contains("would not be stopped"),
        "{}",
        run.stderr()
    );
    drop(holder);
    std::fs::remove_dir_all(&cache).expect("clean");

    // A link: the locks would be made and removed wherever it points.
    let elsewhere = zoom.env.path("elsewhere");
    std::fs::create_dir(&elsewhere).expect("folder");
    chmod(&elsewhere, 0o700);
    std::fs::create_dir(&cache).expect("cache");
    std::os::unix::fs::symlink(&elsewhere, &folder).expect("link");
    let people_two = zoom.env.write_input("two.csv", people(2, false));
    let run = zoom.import(&people_two, &["--meeting", "83927864687"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains("is a symbolic link"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        std::fs::read_dir(&elsewhere).expect("list").count(),
        0,
        "nothing made where the link points"
    );
}

/// Issue 32, item 5: `--env-file` is the whole of zimport's environment, endpoints included;
/// a BOM is no matter; it must be a regular file of at most 64 KiB.
#[test]
fn an_env_file_gives_every_setting_and_must_be_a_small_regular_file() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(2, false));
    let env_file = zoom.env.path("zoom.env");
    // Saved by a Windows editor: a BOM, CRLF line ends; the endpoint of the (fake) Zoom.
    std::fs::write(
        &env_file,
        format!(
            "\u{feff}ZOOM_ACCOUNT_ID={}\r\nZOOM_CLIENT_ID={}\r\nZOOM_CLIENT_SECRET={}\r\nZOOM_OAUTH_URL={}\r\n",
            zoom.setup.account_id,
            zoom.setup.client_id,
            zoom.setup.client_secret,
            zoom.zoom.oauth_url()
        ),
    )
    .expect("write");
    chmod(&env_file, 0o600);
    let with_file = |file: &Path| {
        let mut command = zoom.env.zimport();
        command
            .arg(&input)
            .args(["--meeting", "83927864687", "--env-file"])
            .arg(file)
            .timeout(std::time::Duration::from_secs(30));
        command
    };
    let output = with_file(&env_file).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        zoom.zoom
            .registrants(fake_zoom::Kind::Meeting, MEETING)
            .len(),
        2,
        "sent to the endpoint the file names"
    );

    // The environment naming another endpoint: an error, not a silent choice.
    let output = with_file(&env_file)
        .env("ZOOM_OAUTH_URL", "https://zoom.us/oauth/token")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("ZOOM_OAUTH_URL is set in the environment, and --env-file")
            && stderr.contains("gives another"),
        "{stderr}"
    );

    // A FIFO (which nobody writes), a device, a file of 100 KiB: refused at once, unread.
    let fifo = zoom.env.path("zoom.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    chmod(&fifo, 0o600);
    let big = zoom.env.path("big.env");
    std::fs::write(&big, format!("# {}\n", "x".repeat(100 * 1024))).expect("write");
    chmod(&big, 0o600);
    for (file, expected) in [
        (fifo.as_path(), "is not a regular file"),
        (Path::new("/dev/zero"), "is not a regular file"),
        (big.as_path(), "is larger than 64 KiB"),
    ] {
        let output = with_file(file).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            file.display()
        );
        assert!(
            stderr.contains(expected) && !stderr.contains("chmod"),
            "{}: {stderr}",
            file.display()
        );
    }
}

/// Issue 32, item 6: a dropped SSH session (SIGHUP) ends a run as SIGTERM does: the requests in
/// flight finish, the results are written, and the exit code is 129.
#[test]
fn sighup_finishes_in_flight_work_writes_the_results_and_exits_129() {
    let zoom = ZoomEnv::start(Setup {
        faults: fake_zoom::Faults {
            latency: std::time::Duration::from_millis(100),
            ..fake_zoom::Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(200, true));
    let mut run = zoom.start_run(&input, &["--meeting", "83927864687", "--concurrency", "4"]);
    run.wait_for_signal_handlers();
    wait_until("Zoom has someone", || {
        !zoom
            .zoom
            .registrants(fake_zoom::Kind::Meeting, MEETING)
            .is_empty()
    });
    run.signal("HUP");
    let output = run.finish();
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(129), "{said}");
    assert!(
        said.contains(
            "Hung up (SIGHUP: its terminal or SSH session closed): rows not sent are pending"
        ),
        "{said}"
    );
    let rows = read_results(&results_path(&input));
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().any(|r| r.status == "pending"));
    assert!(rows.iter().any(|r| r.status == "registered"));
}

/// Issue 32, item 6: a signal during the checks quits at once, and leaves no lock file behind
/// (beside the results, or in the cache folder).
#[test]
fn a_signal_during_the_checks_leaves_no_lock_file() {
    // Every answer takes 3 s: the run is in its checks when the signal comes.
    let zoom = ZoomEnv::start(Setup {
        faults: fake_zoom::Faults {
            latency: std::time::Duration::from_secs(3),
            ..fake_zoom::Faults::default()
        },
        ..Setup::default()
    });
    let input = zoom.env.write_input("people.csv", people(5, false));
    let results = results_path(&input);
    let mut results_lock = results.file_name().expect("name").to_os_string();
    results_lock.push(".lock");
    let results_lock = results.with_file_name(results_lock);
    let event_lock = zoom
        .env
        .cache()
        .join("zimport")
        .join(format!("meeting-{MEETING}.lock"));
    for signal in ["TERM", "HUP"] {
        let mut run = zoom.start_run(&input, &["--meeting", "83927864687"]);
        run.wait_for_signal_handlers();
        wait_until("both locks are held", || {
            results_lock.exists() && event_lock.exists()
        });
        run.signal(signal);
        let output = run.finish();
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(if signal == "TERM" { 143 } else { 129 }),
            "{said}"
        );
        assert!(said.contains("while nothing was being sent"), "{said}");
        assert!(
            !results_lock.exists() && !event_lock.exists(),
            "{signal}: lock files left behind"
        );
    }
}

/// Issue 32, item 6: a `user:password@` part in the token answer's `api_url` is refused before
/// any request goes there, and the password is shown nowhere (`ZOOM_API_URL`'s own case:
/// `import.rs`, `an_api_address_with_a_password_in_it_is_refused_without_showing_it`).
#[test]
fn a_token_answer_naming_an_api_url_with_a_password_is_refused_without_showing_it() {
    use crate::hostile::{run_against, zoom_like, Answer, Hostile};
    use std::sync::{Arc, Mutex};
    let url = Arc::new(Mutex::new(String::new()));
    let known = url.clone();
    let server = Hostile::start(move |method, path| {
        let url = known.lock().expect("lock").clone();
        if method == "POST" && path == "/oauth/token" {
            let with_password = url.replace("http://", "http://admin:hunter2@");
            return Answer::Json(
                200,
                format!(
                    r#"{{"access_token":"hostile-token-0123456789","token_type":"bearer","expires_in":3599,"scope":"meeting:write:admin meeting:read:admin","api_url":"{with_password}"}}"#
                ),
            );
        }
        zoom_like(&url, method, path, &|| Answer::Json(201, "{}".to_string()))
    });
    *url.lock().expect("lock") = server.url.clone();
    let env = crate::support::TestEnv::new();
    let input = env.write_input("people.csv", people(2, false));
    let (output, _, _) = run_against(&env, &server, &input, &["--meeting", "83927864687", "-vv"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("user name or password"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    let to_the_api: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|(_, path, _)| path.starts_with("/v2/"))
        .collect();
    assert!(to_the_api.is_empty(), "{to_the_api:?}");
}

/// A FIFO or a device where the earlier results are read is refused at once, for a real run
/// and for a dry run (which reads the real run's results): it never hangs or reads for ever.
#[test]
fn a_fifo_or_a_device_as_the_earlier_results_is_refused_without_hanging() {
    let zoom = ZoomEnv::start(Setup::default());
    let input = zoom.env.write_input("people.csv", people(2, false));
    let results = results_path(&input);
    let made = std::process::Command::new("mkfifo")
        .arg(&results)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    for extra in [&[][..], &["--dry-run"][..]] {
        let output = zoom
            .zimport()
            .arg(&input)
            .args(["--meeting", "83927864687"])
            .args(extra)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{extra:?}: {stderr}");
    }
    std::fs::remove_file(&results).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", &results).expect("link");
    let output = zoom
        .zimport()
        .arg(&input)
        .args(["--meeting", "83927864687", "--dry-run"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}
