//! The registrant domain: turning one CSV row's raw text into a validated [`Registrant`] or a
//! list of [`Problem`]s. Its parts: email addresses ([`Email`]), the fields and the rule each
//! value must meet ([`Field`]), and the event's registration form ([`Form`]).
//!
//! Everything Zoom would reject for a field's *shape* is caught here, before anything is sent:
//! every request spends one of the three adds Zoom allows per person and day, so a row that
//! cannot succeed must never cost one. Downstream code never re-validates a `Registrant`.

use std::fmt;
use std::ops::Range;

mod country;
mod email;
mod fields;
mod form;
pub mod names;

pub use email::{email_key, Email};
use fields::{checked_extra, name_problem};
pub use fields::{Field, MAX_EMAIL_CHARS, MAX_NAME_CHARS};
pub(crate) use form::AppliedForm;
pub use form::{CustomQuestion, Form};

/// One record's cells: ranges of its text.
#[derive(Debug, Clone, Copy)]
pub struct Cells<'a> {
    text: &'a str,
    ranges: &'a [Range<usize>],
}

impl<'a> Cells<'a> {
    pub fn new(text: &'a str, ranges: &'a [Range<usize>]) -> Cells<'a> {
        Cells { text, ranges }
    }

    /// The cell at `index`; a missing cell reads as empty.
    pub fn get(&self, index: usize) -> &'a str {
        let range = self.ranges.get(index).cloned().unwrap_or_default();
        self.text.get(range).unwrap_or("")
    }

    /// Whether every cell is empty or blank: a record that is not a person (spreadsheets
    /// export such rows at the end of a sheet).
    pub fn blank(&self) -> bool {
        (0..self.ranges.len()).all(|index| trim(self.get(index)).is_empty())
    }
}

/// A row's optional fields (all but email and names) as the file gives them, in
/// [`Field::ALL`] order: borrowed, so that a row is held and checked without copying or
/// allocating.
#[derive(Debug, Clone, Copy)]
pub enum RawExtras<'a> {
    /// Each optional field's column ([`crate::rows::ColumnMap`]), in a row's cells.
    Cells {
        columns: &'a [(Field, usize)],
        cells: Cells<'a>,
    },
    /// Values listed one by one, in [`Field::ALL`] order (email and names are ignored).
    Listed(&'a [(Field, &'a str)]),
}

impl Default for RawExtras<'_> {
    fn default() -> Self {
        RawExtras::Listed(&[])
    }
}

impl<'a> RawExtras<'a> {
    /// Each optional field and its text, as given (untrimmed, perhaps empty).
    pub fn iter(&self) -> RawExtrasIter<'a> {
        match *self {
            RawExtras::Cells { columns, cells } => RawExtrasIter::Cells(columns.iter(), cells),
            RawExtras::Listed(listed) => RawExtrasIter::Listed(listed.iter()),
        }
    }
}

/// [`RawExtras::iter`].
pub enum RawExtrasIter<'a> {
    Cells(std::slice::Iter<'a, (Field, usize)>, Cells<'a>),
    Listed(std::slice::Iter<'a, (Field, &'a str)>),
}

impl<'a> Iterator for RawExtrasIter<'a> {
    type Item = (Field, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            RawExtrasIter::Cells(columns, cells) => columns
                .next()
                .map(|&(field, index)| (field, cells.get(index))),
            RawExtrasIter::Listed(listed) => listed
                .find(|(field, _)| {
                    !matches!(field, Field::Email | Field::FirstName | Field::LastName)
                })
                .copied(),
        }
    }
}

/// The optional fields of a valid row, in the form Zoom wants: its [`RawExtras`], trimmed and
/// put in Zoom's spelling as they are read (`checked_extra`, which validation already
/// passed), so that a checked row copies nothing.
#[derive(Debug, Clone, Copy)]
pub struct CheckedExtras<'a> {
    raw: RawExtras<'a>,
    /// Bit `field as usize` set: the field is given (not empty once trimmed).
    given: u32,
    /// What validation changed in the row (bits: `NAME_SPLIT` …; see [`Checked::adjusted`]).
    adjusted: u8,
}

impl<'a> CheckedExtras<'a> {
    /// The fields given, in [`Field::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &'a str)> + 'a {
        let given = self.given;
        self.raw.iter().filter_map(move |(field, value)| {
            let value = trim(value);
            let wanted = given & (1 << field as u32) != 0;
            wanted
                .then(|| checked_extra(field, value).ok())
                .flatten()
                .map(|value| (field, value))
        })
    }

    /// `field`'s value; empty if not given.
    pub fn get(&self, field: Field) -> &'a str {
        self.iter()
            .find(|&(given, _)| given == field)
            .map_or("", |(_, value)| value)
    }

    pub fn is_empty(&self) -> bool {
        self.given == 0
    }
}

/// The form in which column headers and field names are compared: lower case, without spaces,
/// `_`, `-` or a byte-order mark, so that `E-Mail`, `e_mail` and `EMAIL` are all `email`.
///
/// ```
/// use zimport::registrant::normalize_name;
/// assert_eq!(normalize_name("\u{feff}E-Mail Address"), "emailaddress");
/// assert_eq!(normalize_name("first_name"), normalize_name("First Name"));
/// ```
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{feff}') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// `text` without whitespace at either end: [`str::trim`], with a shortcut for the usual
/// text, which begins and ends with a visible ASCII character.
pub fn trim(text: &str) -> &str {
    let visible = |byte: Option<&u8>| byte.is_some_and(|&b| b > b' ' && b < 0x7f);
    let bytes = text.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

/// Whether `text` has more than `limit` characters, counting them only when its bytes could.
pub(crate) fn char_count_over(text: &str, limit: usize) -> bool {
    text.len() > limit && text.chars().count() > limit
}

/// One thing wrong with one field of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `None` for a custom registration question.
    pub field: Option<Field>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A person ready to be sent to Zoom: every field checked, trimmed, in Zoom's spelling.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Registrant {
    pub email: Email,
    pub first_name: String,
    /// Empty when the row has none (Zoom's `last_name` is optional).
    pub last_name: String,
    /// The optional fields the row gives a value for, in [`Field::ALL`] order.
    pub extra: Vec<(Field, String)>,
    /// Answers to the event's custom registration questions: (title, answer).
    pub custom_questions: Vec<(String, String)>,
}

impl Registrant {
    /// Whether Zoom's batch endpoint can carry this person: it takes only email and names.
    pub fn fits_batch(&self) -> bool {
        self.extra.is_empty() && self.custom_questions.is_empty()
    }
}

/// The text one row gives for each mapped field, before validation.
#[derive(Debug, Default, Clone)]
pub struct RawRegistrant<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// The optional fields the file has a column for.
    pub extra: RawExtras<'a>,
    /// A missing first name is no problem (a status change needs only the email).
    pub names_optional: bool,
    /// The names were split from a full name otherwise than at its last space
    /// ([`RawRegistrant::set_full_name`]).
    pub name_split: bool,
}

impl<'a> RawRegistrant<'a> {
    /// Fills first and last name from a full-name cell, split as people write names
    /// ([`names::split_full_name`]: "Doe, Jane", "Dr. Robert van der Berg"; a single word is a
    /// first name). Returns whether the split differs from one at the last space.
    pub fn set_full_name(&mut self, full_name: &'a str) -> bool {
        let split = names::split_full_name(full_name);
        self.first_name = split.first;
        self.last_name = split.last;
        self.name_split = split.adjusted;
        split.adjusted
    }

    /// Validates every field, collecting all problems so the user can fix a row in one go.
    pub fn validate(&self) -> Result<Registrant, Vec<Problem>> {
        self.check().map(Checked::into_registrant)
    }

    /// [`RawRegistrant::validate`] without copying what needs no change: the fields stay
    /// borrowed from the row (a dry run never needs them owned).
    #[inline]
    pub fn check(&self) -> Result<Checked<'a>, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut problem = |field: Field, message: String| {
            problems.push(Problem {
                field: Some(field),
                message,
            })
        };

        let email =
            Email::check_cleaned(self.email).map_err(|message| problem(Field::Email, message));
        let first_name = trim(self.first_name);
        let last_name = trim(self.last_name);
        if first_name.is_empty() && !self.names_optional {
            problem(Field::FirstName, "first_name is missing".to_string());
        }
        for (field, value) in [(Field::FirstName, first_name), (Field::LastName, last_name)] {
            if let Some(message) = name_problem(field, value) {
                problem(field, message);
            }
        }

        let mut given = 0;
        let mut country_coded = false;
        let mut country_left_out = false;
        for (field, value) in self.extra.iter() {
            let value = trim(value);
            if value.is_empty() {
                continue;
            }
            match checked_extra(field, value) {
                Ok(checked) => {
                    given |= 1 << field as u32;
                    if field == Field::Country && !checked.eq_ignore_ascii_case(value) {
                        country_coded = true;
                    }
                }
                // A country zimport cannot place is left out, not a reason to turn the person
                // away: only the event's form can make it one (`Form::check`).
                Err(_) if field == Field::Country => country_left_out = true,
                Err(message) => problem(field, message),
            }
        }
        match email {
            Ok((email, cleaned)) if problems.is_empty() => Ok(Checked {
                email,
                first_name,
                last_name,
                extra: CheckedExtras {
                    raw: self.extra,
                    given,
                    adjusted: [
                        (self.name_split, NAME_SPLIT),
                        (cleaned, ADDRESS_CLEANED),
                        (country_coded, COUNTRY_CODED),
                        (country_left_out, COUNTRY_LEFT_OUT),
                    ]
                    .iter()
                    .fold(0, |bits, &(set, bit)| if set { bits | bit } else { bits }),
                },
                custom_questions: Vec::new(),
            }),
            _ => Err(problems),
        }
    }
}

/// A row's fields after validation, borrowed from the row where they need no change: what a
/// [`Registrant`] is made of.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    /// Trimmed and of a plausible shape.
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// The optional fields given, in the form Zoom wants.
    pub extra: CheckedExtras<'a>,
    /// Answers to the event's custom registration questions, once its form is applied.
    pub custom_questions: Vec<(String, String)>,
}

/// What validation changed in a row, as bits of `CheckedExtras::adjusted` (where they take
/// room the struct pads anyway: a bigger row is a slower one, BENCHMARKS.md 2026-12-07).
const NAME_SPLIT: u8 = 1;
const ADDRESS_CLEANED: u8 = 2;
const COUNTRY_CODED: u8 = 4;
const COUNTRY_LEFT_OUT: u8 = 8;

/// What validation changed in rows to make them what Zoom takes (SPEC §2): names split
/// otherwise than at the last space, addresses cleaned of what a mail program pasted around
/// them, countries given by name sent as their code, countries that could not be placed left
/// out. Counted over the valid rows, for the summary and `--json` (`adjusted`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Adjusted {
    pub names_split: u64,
    pub addresses_cleaned: u64,
    pub countries_coded: u64,
    pub countries_left_out: u64,
}

impl Adjusted {
    pub fn add(&mut self, other: Adjusted) {
        self.names_split += other.names_split;
        self.addresses_cleaned += other.addresses_cleaned;
        self.countries_coded += other.countries_coded;
        self.countries_left_out += other.countries_left_out;
    }

    pub fn is_empty(&self) -> bool {
        *self == Adjusted::default()
    }
}

impl Checked<'_> {
    /// What was changed to make the row what Zoom takes, as counts of one row.
    pub fn adjusted(&self) -> Adjusted {
        Adjusted {
            names_split: u64::from(self.has(NAME_SPLIT)),
            addresses_cleaned: u64::from(self.has(ADDRESS_CLEANED)),
            countries_coded: u64::from(self.has(COUNTRY_CODED)),
            countries_left_out: u64::from(self.has(COUNTRY_LEFT_OUT)),
        }
    }

    fn has(&self, adjusted: u8) -> bool {
        self.extra.adjusted & adjusted != 0
    }

    /// The names were split from a full name otherwise than at its last space.
    pub fn name_split(&self) -> bool {
        self.has(NAME_SPLIT)
    }

    /// Why the row's country was left out, if it was.
    pub fn country_problem(&self) -> Option<String> {
        if !self.has(COUNTRY_LEFT_OUT) {
            return None;
        }
        let (_, given) = self
            .extra
            .raw
            .iter()
            .find(|(field, _)| *field == Field::Country)?;
        checked_extra(Field::Country, trim(given)).err()
    }

    /// [`Registrant::fits_batch`].
    pub fn fits_batch(&self) -> bool {
        self.extra.is_empty() && self.custom_questions.is_empty()
    }

    /// The person as sent. A cell that zimport's own files neutralised (a `'` before `=`, `+`,
    /// `-` or `@`: results and exports) is sent as it was before, so that an export imports
    /// into another event unchanged ([`cell_text`]).
    pub fn into_registrant(self) -> Registrant {
        Registrant {
            email: Email(self.email.to_string()),
            first_name: cell_text(self.first_name).to_string(),
            last_name: cell_text(self.last_name).to_string(),
            extra: self
                .extra
                .iter()
                .map(|(field, value)| (field, cell_text(value).to_string()))
                .collect(),
            custom_questions: self
                .custom_questions
                .into_iter()
                .map(|(title, answer)| {
                    let answer = match cell_text(&answer) {
                        text if text.len() == answer.len() => answer,
                        text => text.to_string(),
                    };
                    (title, answer)
                })
                .collect(),
        }
    }
}

use crate::outside::cell_text;

#[cfg(test)]
mod tests;
