//! The crate's layers hold (issue 33): each top-level module of `src/` imports only modules
//! below it in [`LAYERS`], so there is no import cycle and a new command is built on top of
//! what exists. And the guards that held before: no file under `src/` over 500 lines, no
//! `process::exit` and no `unsafe` outside `main.rs`. Read from the source, code only:
//! comments (doc links may point anywhere) and `#[cfg(test)]` items are left out.

use std::path::{Path, PathBuf};

/// Bottom to top. A module may use the ones before it, never one after it.
const LAYERS: [&str; 22] = [
    // Plain types and text helpers: nothing else of the crate.
    "outside",
    "model",
    "reorder",
    // Files, secrets, limits, locks.
    "files",
    "credentials",
    "limits",
    "lock",
    // The edges: a person and their fields, rows in, outcomes, results out.
    "registrant",
    "fingerprint",
    "outcome",
    "results",
    "rows",
    // Settling rows, the spool, and Zoom.
    "settle",
    "spool",
    "zoom",
    // The resolved command line.
    "config",
    // What a run did, and the one owner of output.
    "summary",
    "console",
    // The commands.
    "dry_run",
    "run",
    "export",
    "cli",
];

/// Every `.rs` file under `folder`.
fn sources(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).expect("src/ reads") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// The top-level module a file under `src/` belongs to (`None`: `lib.rs`, `main.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The file's code lines: without comments, and without the items under `#[cfg(test)]` (a
/// line ending in `;`, or a block up to its closing `}` at the start of a line).
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut code = Vec::new();
    let mut lines = text.lines().enumerate().map(|(at, line)| (at + 1, line));
    while let Some((number, line)) = lines.next() {
        if line.starts_with("#[cfg(test)]") || line.starts_with("#[cfg(all(test") {
            let Some((_, item)) = lines.next() else {
                break;
            };
            if !item.trim_end().ends_with(';') {
                for (_, inner) in lines.by_ref() {
                    if inner == "}" {
                        break;
                    }
                }
            }
            continue;
        }
        let trimmed = line.trim_start();
        if !trimmed.starts_with("//") {
            code.push((number, line));
        }
    }
    code
}

/// The top-level modules a line names as `crate::name`.
fn named_modules(line: &str) -> Vec<&str> {
    line.match_indices("crate::")
        .map(|(at, _)| {
            let rest = &line[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn each_module_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let position = |name: &str| LAYERS.iter().position(|layer| *layer == name);
    let mut upward = Vec::new();
    let mut unplaced = Vec::new();
    for file in sources(&src) {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let is_test_file = file.file_name().is_some_and(|n| n == "tests.rs")
            || file.components().any(|c| c.as_os_str() == "tests");
        if is_test_file {
            continue;
        }
        let Some(at) = position(&module) else {
            unplaced.push(module);
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("reads");
        for (number, line) in code_lines(&text) {
            for named in named_modules(line) {
                if let Some(there) = position(named) {
                    if there > at {
                        upward.push(format!(
                            "{}:{number} ({module}) uses {named}, a layer above it: {}",
                            file.strip_prefix(&src).unwrap_or(&file).display(),
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    unplaced.sort();
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules not in LAYERS (give each its place): {unplaced:?}"
    );
    assert!(
        upward.is_empty(),
        "imports that climb:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_source_file_is_long_and_only_main_exits_or_is_unsafe() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for file in sources(&src) {
        let text = std::fs::read_to_string(&file).expect("reads");
        let name = file
            .strip_prefix(&src)
            .unwrap_or(&file)
            .display()
            .to_string();
        let lines = text.lines().count();
        if lines > 500 {
            found.push(format!("{name} has {lines} lines (500 at most: split it)"));
        }
        if name == "main.rs" {
            continue;
        }
        for (_, line) in code_lines(&text) {
            if line.contains("process::exit") || line.split_whitespace().any(|w| w == "unsafe") {
                found.push(format!("{name}: {}", line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The reading of the source this test relies on.
#[test]
fn the_reading_skips_comments_and_test_items_and_finds_every_module_named() {
    let text = "use crate::model::Status;\n/// [`crate::cli`]\n#[cfg(test)]\nuse crate::console::X;\n#[cfg(test)]\nmod tests {\n    use crate::run::Y;\n}\nfn f() { crate::zoom::a(); crate::results::b() }\n";
    let code = code_lines(text);
    let named: Vec<&str> = code
        .iter()
        .flat_map(|(_, line)| named_modules(line))
        .collect();
    assert_eq!(code.first().map(|(number, _)| *number), Some(1));
    assert_eq!(named, ["model", "zoom", "results"]);
}
