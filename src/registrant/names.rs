//! A full name split into first and last name as people write it (SPEC §2): `Last, First`
//! with one comma; honorifics (`Dr.`, `Mrs`, `Prof.` …) belong to neither name; generational
//! suffixes (`Jr.`, `III`) stay with the last name and academic ones (`PhD`, `MD`) are
//! dropped; particles (`van`, `de`, `van der`, `bin`, `al` …) start the last name. A name of one
//! word (or in a script written without spaces) stays whole, as the first name.
//!
//! Both names are slices of the cell, so splitting allocates nothing. A small table, not a
//! name-parsing crate: the ones there are (`human_name`) re-case and transliterate names for
//! comparing them, and Zoom should get them as the person wrote them.

use std::ops::Range;

/// Titles before a name, compared without case or a trailing dot.
const HONORIFICS: [&str; 22] = [
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "prof",
    "professor",
    "sir",
    "dame",
    "rev",
    "revd",
    "fr",
    "herr",
    "frau",
    "mme",
    "mlle",
    "sra",
    "srta",
    "dra",
    "lord",
    "lady",
];

/// Suffixes that stay with the last name.
const GENERATIONAL: [&str; 8] = ["jr", "sr", "ii", "iii", "iv", "v", "jnr", "snr"];

/// Suffixes dropped from either name (degrees and the like), compared without dots.
const ACADEMIC: [&str; 14] = [
    "phd", "md", "dds", "dmd", "esq", "mba", "cpa", "rn", "pe", "jd", "ma", "msc", "bsc", "dphil",
];

/// Words that start a last name when they come before its last word.
const PARTICLES: [&str; 30] = [
    "van", "von", "de", "der", "den", "da", "das", "do", "dos", "du", "del", "della", "dela",
    "degli", "dei", "di", "la", "le", "los", "las", "ter", "ten", "bin", "binti", "bint", "ibn",
    "al", "el", "st", "zu",
];

/// How a full name was split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    pub first: &'a str,
    pub last: &'a str,
    /// The split differs from one at the last space (a comma, a title, a suffix, a particle):
    /// counted, and shown in a dry run.
    pub adjusted: bool,
}

/// `word` without case, dots or a trailing comma, for the tables.
fn key(word: &str) -> String {
    word.chars()
        .filter(|c| *c != '.' && *c != ',')
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_in(table: &[&str], word: &str) -> bool {
    let key = key(word);
    !key.is_empty() && table.contains(&key.as_str())
}

fn is_suffix(word: &str) -> bool {
    is_in(&GENERATIONAL, word) || is_in(&ACADEMIC, word)
}

/// The byte ranges of `text`'s words (split at whitespace).
fn words(text: &str) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(from)) => {
                words.push(from..at);
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(from) = start {
        words.push(from..text.len());
    }
    words
}

/// Splits a full name (see the module's rules).
pub fn split_full_name(full: &str) -> Split<'_> {
    let full = full.trim();
    let plain = plain_split(full);
    let split = match comma_split(full) {
        Some(split) => split,
        None => words_split(full),
    };
    Split {
        adjusted: (split.first, split.last) != plain,
        ..split
    }
}

/// The old rule, for comparison: at the last space.
fn plain_split(full: &str) -> (&str, &str) {
    match full.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (first.trim_end(), last),
        None => (full, ""),
    }
}

/// `Last, First`, and `First Last, Suffix`; `None` without exactly one meaningful comma.
fn comma_split(full: &str) -> Option<Split<'_>> {
    // Suffixes after commas (`Jane Doe, PhD`, `Doe, Jane, Jr.`) are dropped first.
    let mut name = full;
    while let Some((before, after)) = name.rsplit_once(',') {
        let after_words = words(after);
        if after_words.is_empty() || !after_words.iter().all(|w| is_suffix(&after[w.clone()])) {
            break;
        }
        name = before.trim_end();
    }
    match name.split_once(',') {
        None if name.len() < full.len() => Some(words_split(name)),
        None => None,
        Some((_, rest)) if rest.contains(',') => None,
        Some((last, first)) => {
            let last = last.trim();
            let given = words(first);
            // Titles before the first name are dropped, and suffixes after it.
            let mut kept: &[Range<usize>] = &given;
            while kept.len() > 1 && is_in(&HONORIFICS, &first[kept[0].clone()]) {
                kept = &kept[1..];
            }
            while kept.len() > 1 && is_suffix(&first[kept[kept.len() - 1].clone()]) {
                kept = &kept[..kept.len() - 1];
            }
            let first = match (kept.first(), kept.last()) {
                (Some(a), Some(b)) => &first[a.start..b.end],
                _ => "",
            };
            if last.is_empty() || first.is_empty() {
                return None;
            }
            Some(Split {
                first,
                last,
                adjusted: true,
            })
        }
    }
}

/// A name without a comma: titles off, suffixes kept with the last name or dropped,
/// particles starting the last name.
fn words_split(full: &str) -> Split<'_> {
    let all = words(full);
    let mut kept: &[Range<usize>] = &all;
    // A title is dropped only while two words remain (`Dr. Who` keeps its name).
    while kept.len() > 2 && is_in(&HONORIFICS, &full[kept[0].clone()]) {
        kept = &kept[1..];
    }
    // Academic suffixes are dropped; a generational one stays with the last name.
    while kept.len() > 2 && is_in(&ACADEMIC, &full[kept[kept.len() - 1].clone()]) {
        kept = &kept[..kept.len() - 1];
    }
    let generational = kept.len() > 2 && is_in(&GENERATIONAL, &full[kept[kept.len() - 1].clone()]);
    let core = if generational {
        &kept[..kept.len() - 1]
    } else {
        kept
    };
    let text = |words: &[Range<usize>]| match (words.first(), words.last()) {
        (Some(a), Some(b)) => &full[a.start..b.end],
        _ => "",
    };
    if core.len() < 2 {
        return Split {
            first: text(kept),
            last: "",
            adjusted: false,
        };
    }
    // The last name starts at its last word, or at the particles before it; the first name
    // keeps at least one word.
    let mut start = core.len() - 1;
    while start > 1 && is_in(&PARTICLES, &full[core[start - 1].clone()]) {
        start -= 1;
    }
    let last_end = kept.last().map_or(0, |w| w.end);
    Split {
        first: text(&core[..start]),
        last: &full[core[start].start..last_end],
        adjusted: false,
    }
}

#[cfg(test)]
mod tests {
    use super::split_full_name;

    /// (full name, first, last) for each case.
    const CASES: [(&str, &str, &str); 40] = [
        ("Ana María López", "Ana María", "López"),
        ("Jane Doe", "Jane", "Doe"),
        ("Doe, Jane", "Jane", "Doe"),
        ("Doe,Jane", "Jane", "Doe"),
        ("  Doe ,  Jane  ", "Jane", "Doe"),
        ("van der Berg, Robert", "Robert", "van der Berg"),
        ("Doe, Dr. Jane", "Jane", "Doe"),
        ("Ruiz, Robert Jr.", "Robert", "Ruiz"),
        ("Jane Doe, PhD", "Jane", "Doe"),
        ("Doe, Jane, PhD", "Jane", "Doe"),
        ("Robert Ruiz Jr., MD", "Robert", "Ruiz Jr."),
        ("Dr. Robert van der Berg", "Robert", "van der Berg"),
        ("Prof. Dr. Hans Müller", "Hans", "Müller"),
        ("Mrs Emma Thompson", "Emma", "Thompson"),
        ("MR. JOHN SMITH", "JOHN", "SMITH"),
        ("Robert Ruiz Jr.", "Robert", "Ruiz Jr."),
        ("Martin Luther King Jr", "Martin Luther", "King Jr"),
        ("Henry Ford III", "Henry", "Ford III"),
        ("Jane Doe PhD", "Jane", "Doe"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("Vincent van Gogh", "Vincent", "van Gogh"),
        ("Ursula von der Leyen", "Ursula", "von der Leyen"),
        ("Leonardo da Vinci", "Leonardo", "da Vinci"),
        ("Maria de los Santos", "Maria", "de los Santos"),
        ("Gabriel García Márquez", "Gabriel García", "Márquez"),
        ("Mahathir bin Mohamad", "Mahathir", "bin Mohamad"),
        ("Ahmed al Mansouri", "Ahmed", "al Mansouri"),
        ("Ahmed al-Mansouri", "Ahmed", "al-Mansouri"),
        ("Van Morrison", "Van", "Morrison"),
        ("De Niro", "De", "Niro"),
        ("Conan O'Brien", "Conan", "O'Brien"),
        ("Mary-Jane Watson-Parker", "Mary-Jane", "Watson-Parker"),
        ("Cher", "Cher", ""),
        ("山田太郎", "山田太郎", ""),
        ("Dr. Who", "Dr.", "Who"),
        ("Mr Smith", "Mr", "Smith"),
        ("", "", ""),
        ("Jean-Luc\tPicard", "Jean-Luc", "Picard"),
        ("Smith, John, Paul", "Smith, John,", "Paul"),
        ("Sir Patrick Stewart", "Patrick", "Stewart"),
    ];

    #[test]
    fn names_split_as_people_write_them() {
        for (full, first, last) in CASES {
            let split = split_full_name(full);
            assert_eq!((split.first, split.last), (first, last), "{full:?}");
        }
    }

    #[test]
    fn a_split_other_than_at_the_last_space_is_marked_adjusted() {
        for (full, adjusted) in [
            ("Jane Doe", false),
            ("Ana María López", false),
            ("Cher", false),
            ("Doe, Jane", true),
            ("Dr. Robert van der Berg", true),
            ("Robert Ruiz Jr.", true),
            ("Jane Doe PhD", true),
        ] {
            assert_eq!(split_full_name(full).adjusted, adjusted, "{full:?}");
        }
    }
}
