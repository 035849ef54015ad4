//! The crate's layers hold (issue 33): each top-level module of `src/` imports only modules
//! below it in [`LAYERS`], so there is no import cycle and a new command is built on top of
//! what exists. And the guards that held before: no file under `src/` over 500 lines, no
//! `process::exit` and no `unsafe` outside `main.rs`. Read from the source, code only:
//! comments (doc links may point anywhere) and `#[cfg(test)]` items are left out.

use std::path::{Path, PathBuf};

/// Bottom to top. A module may use the ones before it, never one after it.
const LAYERS: [&str; 25] = [
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
    "table",
    "rows",
    // Settling rows, the spool, and Zoom.
    "settle",
    "zoom",
    "spool",
    // The resolved command line.
    "config",
    // What a run did, and the one owner of output.
    "summary",
    "console",
    // What the table commands share.
    "reading",
    // The commands.
    "dry_run",
    "run",
    "export",
    "attendance",
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

/// The file's code lines: without comments, and without the items under `#[cfg(test)]` (one
/// line, if its braces close on it or it ends in `;`; else up to a `}` at the start of a line).
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut code = Vec::new();
    let mut lines = text.lines().enumerate().map(|(at, line)| (at + 1, line));
    while let Some((number, line)) = lines.next() {
        if line.starts_with("#[cfg(test)]") || line.starts_with("#[cfg(all(test") {
            let Some((_, item)) = lines.next() else {
                break;
            };
            let open = item.matches('{').count();
            let one_line = item.trim_end().ends_with(';') || open <= item.matches('}').count();
            if !one_line {
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

/// The top-level modules `code` names, each with the line it is named on: as `crate::name`,
/// in a group `crate::{name, other::x}` (over several lines too), or as `super::…::name` with
/// as many `super` as the file is deep (`depth`: 1 for `src/zoom/mod.rs`'s children…).
fn named_modules(code: &[(usize, &str)], depth: usize) -> Vec<(usize, String)> {
    let mut text = String::new();
    let mut starts = Vec::new();
    for (number, line) in code {
        starts.push((text.len(), *number));
        text.push_str(line);
        text.push('\n');
    }
    let line_at = |offset: usize| {
        let at = starts.partition_point(|(start, _)| *start <= offset);
        starts
            .get(at.saturating_sub(1))
            .map_or(0, |(_, number)| *number)
    };
    let ident = |rest: &str| -> String {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        rest[..end].to_string()
    };
    let mut roots: Vec<usize> = text
        .match_indices("crate::")
        .map(|(at, _)| at + 7)
        .collect();
    if depth > 0 {
        let chain = "super::".repeat(depth);
        for (at, _) in text.match_indices(&chain) {
            // Exactly `depth` of them: one more would climb out of the crate.
            let before = &text[..at];
            if !before.ends_with("super::") && !text[at + chain.len()..].starts_with("super::") {
                roots.push(at + chain.len());
            }
        }
    }
    let mut named = Vec::new();
    for at in roots {
        let rest = &text[at..];
        if let Some(group) = rest.strip_prefix('{') {
            // The group's top-level items, each to its first segment.
            let mut level = 0;
            let mut item_start = true;
            for (offset, c) in group.char_indices() {
                match c {
                    '{' => level += 1,
                    '}' if level == 0 => break,
                    '}' => level -= 1,
                    ',' if level == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphanumeric() || c == '_') => {
                        named.push((line_at(at + 1 + offset), ident(&group[offset..])));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            named.push((line_at(at), ident(rest)));
        }
    }
    named
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
        let relative = file.strip_prefix(&src).unwrap_or(&file);
        // How deep the file's module is below the crate: `super` that many times is the crate.
        let depth = relative.components().count()
            - usize::from(relative.file_name().is_some_and(|n| n == "mod.rs"));
        for (number, named) in named_modules(&code_lines(&text), depth) {
            if position(&named).is_some_and(|there| there > at) {
                upward.push(format!(
                    "{}:{number} ({module}) uses {named}, a layer above it",
                    relative.display()
                ));
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
    let text = "use crate::model::Status;\n/// [`crate::cli`]\n#[cfg(test)]\nuse crate::console::X;\n#[cfg(test)]\nmod tests {\n    use crate::run::Y;\n}\n#[cfg(test)]\nfn f() { crate::export::z() }\nfn g() { crate::zoom::a(); crate::results::b() }\nuse crate::{\n    summary::S,\n    config::{C, D},\n};\nuse super::super::lock::L;\nuse super::super::super::dry_run;\n";
    let code = code_lines(text);
    assert_eq!(code.first().map(|(number, _)| *number), Some(1));
    let named: Vec<(usize, String)> = named_modules(&code, 2);
    let names: Vec<&str> = named.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(
        names,
        ["model", "zoom", "results", "summary", "config", "lock"]
    );
    assert_eq!(named[3].0, 13, "a group's item is found on its own line");
}

/// Issue 34's done-when 4, kept: a command that writes a table for people (`export`,
/// `attendance`) is reached only through the command line's list (`cli`): main.rs, the other
/// commands and the layers below name neither its module nor its word, so the next such
/// command is its module, its `*Cli` and a variant of `cli::dispatch::TableCli`.
#[test]
fn a_table_command_is_named_only_by_the_command_line() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let commands = ["export", "attendance"];
    let mut named = Vec::new();
    for file in sources(&src) {
        let module = module_of(&src, &file);
        if module.as_deref() == Some("cli") {
            continue;
        }
        // main.rs names the crate `zimport`; read it as the crate's own files do.
        let text = std::fs::read_to_string(&file)
            .expect("reads")
            .replace("zimport::", "crate::");
        let relative = file.strip_prefix(&src).unwrap_or(&file).to_path_buf();
        let depth = relative.components().count()
            - usize::from(relative.file_name().is_some_and(|n| n == "mod.rs"));
        let code = code_lines(&text);
        let mut found: Vec<(usize, String)> = named_modules(&code, depth);
        // Its word as a string: a command chosen by name somewhere else.
        for (number, line) in &code {
            for command in commands {
                if line.contains(&format!("\"{command}\"")) {
                    found.push((*number, command.to_string()));
                }
            }
        }
        for (number, name) in found {
            let is_command = commands.contains(&name.as_str());
            if is_command && module.as_deref() != Some(name.as_str()) {
                named.push(format!("{}:{number} names {name}", relative.display()));
            }
        }
    }
    assert!(
        named.is_empty(),
        "table commands named outside the command line:\n{}",
        named.join("\n")
    );
}
