//! Text from outside (a cell, a column title, a path, Zoom's words, the environment) made safe
//! where zimport puts it. On a terminal or in a log: [`shown`] escapes every character that could act on a terminal or a log
//! instead of being read (C0 and C1 controls, `0x9B` among them, bidi overrides and
//! zero-width characters), visibly: `\n`, `\u{1b}`. It is the one escaping: the console passes
//! every line through it, and every `--json` string. The results CSV keeps text as it was:
//! there it is data, quoted by the CSV writer, and a cell a spreadsheet would run as a formula
//! gets a leading `'` ([`runs_as_formula`]), which [`cell_text`] takes off again when such a
//! file is read back (SPEC §3).

/// A value cut to a readable length for messages, on a character boundary.
pub fn shorten(value: &str) -> String {
    const MAX: usize = 60;
    let mut shown = String::with_capacity(value.len().min(4 * MAX));
    for c in value.chars().take(MAX) {
        push_shown(c, &mut shown);
    }
    if value.chars().nth(MAX).is_some() {
        shown.push('…');
    }
    shown
}

/// Outside text as a message shows it, whole: every [`hidden`] character escaped visibly.
pub fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    text.chars().for_each(|c| push_shown(c, &mut out));
    out
}

/// A character of outside text as a message shows it: control characters (C0, C1), bidi
/// overrides and zero-width characters escaped visibly (`\n`, `\u{1b}`), so that a cell cannot
/// move the cursor, retitle a terminal or forge a log line.
fn push_shown(c: char, out: &mut String) {
    use std::fmt::Write;
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ if hidden(c) => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        _ => out.push(c),
    }
}

/// Whether `c` acts rather than reads: a C0 or C1 control character (`0x9B` is a terminal's
/// CSI), a line or paragraph separator (U+2028, U+2029: a new line to many log viewers), a
/// bidi mark, override or isolate, a zero-width or other invisible format character (the
/// BOM, the word joiner, the interlinear annotations), or a tag character.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// Whether a spreadsheet would run a cell of this text as a formula (OWASP's CSV-injection
/// rule: it starts with `=`, `+`, `-`, `@`, a tab or a carriage return), counting any quotes
/// before that: `'=x` is written `''=x`, so that reading it back restores it exactly.
pub fn runs_as_formula(bytes: &[u8]) -> bool {
    let quotes = bytes.iter().take_while(|&&b| b == b'\'').count();
    matches!(
        bytes.get(quotes),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A cell's text as it was before it was written (the results encoder puts a `'` before a cell that
/// would run as a formula); other cells, such as `'t Hooft`, are left as they are.
pub fn cell_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if runs_as_formula(rest.as_bytes()) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_shown_in_messages_are_cut_and_their_control_characters_escaped() {
        assert_eq!(shorten("Ana"), "Ana");
        assert_eq!(shorten("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(shorten("line\nforged"), "line\\nforged");
        assert_eq!(shorten("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(shorten(&"x".repeat(61)), format!("{}…", "x".repeat(60)));
        assert_eq!(shown("Zoom\nzimport: forged"), "Zoom\\nzimport: forged");
        // 0x9B (a terminal's CSI), DEL, a zero-width joiner and a BOM; a tab; and what reads.
        assert_eq!(
            shown("\u{9b}2J\u{7f}\u{200d}\u{feff}\tÉtienne 李"),
            "\\u{9b}2J\\u{7f}\\u{200d}\\u{feff}\\tÉtienne 李"
        );
        assert_eq!(
            shown(&shown("\u{1b}[2J\n")),
            shown("\u{1b}[2J\n"),
            "escaping twice changes nothing"
        );
    }
}
