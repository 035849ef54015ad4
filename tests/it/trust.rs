//! Whose files zimport trusts (issue 32, item 3): the earlier results and journal it reads as
//! memory, and the folder of its event locks, only when they are the user's own (or root's)
//! and nobody else can change them, as `ssh` and `sudo` do. The tests that plant a file of
//! another user need root to `chown` it (CI runs as root); elsewhere they say so and check
//! only what a user can plant.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use fake_zoom::Setup;

use crate::support::{journal_of, people, results_path, ZoomEnv, MEETING};

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
