//! The registrant domain: Zoom's registrant fields, and turning one CSV row's raw text into a
//! validated [`Registrant`] or a list of [`Problem`]s.
//!
//! Everything Zoom would reject for a field's *shape* is caught here, before anything is sent:
//! every request spends one of the three adds Zoom allows per person and day, so a row that
//! cannot succeed must never cost one. Downstream code never re-validates a `Registrant`.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// A registrant field of Zoom's add-registrant API, by its API name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    FirstName,
    LastName,
    Address,
    City,
    State,
    Zip,
    Country,
    Phone,
    Comments,
    Industry,
    JobTitle,
    Org,
    NoOfEmployees,
    PurchasingTimeFrame,
    RoleInPurchaseProcess,
    Language,
}

/// Zoom's values for `no_of_employees` (zoom-api.md §1; `""` is treated as "not given").
const NO_OF_EMPLOYEES: &[&str] = &[
    "1-20",
    "21-50",
    "51-100",
    "101-500",
    "500-1,000",
    "1,001-5,000",
    "5,001-10,000",
    "More than 10,000",
];
const PURCHASING_TIME_FRAME: &[&str] = &[
    "Within a month",
    "1-3 months",
    "4-6 months",
    "More than 6 months",
    "No timeframe",
];
const ROLE_IN_PURCHASE_PROCESS: &[&str] = &[
    "Decision Maker",
    "Evaluator/Recommender",
    "Influencer",
    "Not involved",
];
/// The confirmation-email languages, spelled exactly as Zoom's spec does (including `Tr-TR`).
const LANGUAGE: &[&str] = &[
    "en-US", "de-DE", "es-ES", "fr-FR", "jp-JP", "pt-PT", "ru-RU", "zh-CN", "zh-TW", "ko-KO",
    "it-IT", "vi-VN", "pl-PL", "Tr-TR",
];

/// Zoom's documented length limits, in characters.
pub const MAX_EMAIL_CHARS: usize = 128;
pub const MAX_NAME_CHARS: usize = 64;

impl Field {
    /// Every field, in the order Zoom's docs list them.
    pub const ALL: [Field; 17] = [
        Field::Email,
        Field::FirstName,
        Field::LastName,
        Field::Address,
        Field::City,
        Field::State,
        Field::Zip,
        Field::Country,
        Field::Phone,
        Field::Comments,
        Field::Industry,
        Field::JobTitle,
        Field::Org,
        Field::NoOfEmployees,
        Field::PurchasingTimeFrame,
        Field::RoleInPurchaseProcess,
        Field::Language,
    ];

    /// The field's name in Zoom's API (and in `--map`).
    pub fn api_name(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Address => "address",
            Field::City => "city",
            Field::State => "state",
            Field::Zip => "zip",
            Field::Country => "country",
            Field::Phone => "phone",
            Field::Comments => "comments",
            Field::Industry => "industry",
            Field::JobTitle => "job_title",
            Field::Org => "org",
            Field::NoOfEmployees => "no_of_employees",
            Field::PurchasingTimeFrame => "purchasing_time_frame",
            Field::RoleInPurchaseProcess => "role_in_purchase_process",
            Field::Language => "language",
        }
    }

    /// Zoom's fixed set of values, for the fields that have one.
    pub fn allowed_values(self) -> Option<&'static [&'static str]> {
        match self {
            Field::NoOfEmployees => Some(NO_OF_EMPLOYEES),
            Field::PurchasingTimeFrame => Some(PURCHASING_TIME_FRAME),
            Field::RoleInPurchaseProcess => Some(ROLE_IN_PURCHASE_PROCESS),
            Field::Language => Some(LANGUAGE),
            _ => None,
        }
    }

    /// Looks a field up by its API name, forgiving case, spaces, `_` and `-`.
    pub fn from_name(name: &str) -> Option<Field> {
        let wanted = normalize_name(name);
        Field::ALL
            .into_iter()
            .find(|field| normalize_name(field.api_name()) == wanted)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

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
    /// Each optional field's column ([`crate::input::ColumnMap`]), in a row's cells.
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

/// A syntactically plausible email address, trimmed, at most 128 characters.
///
/// ```
/// use zimport::registrant::Email;
/// let email = Email::parse(" Ana@Example.com ").expect("valid");
/// assert_eq!(email.as_str(), "Ana@Example.com");
/// assert_eq!(email.key(), "ana@example.com");
/// assert!(Email::parse("bob@example").expect_err("invalid").contains("the domain has no '.'"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Checks the shape Zoom will accept. The message says what is wrong, for the results file.
    pub fn parse(raw: &str) -> Result<Email, String> {
        Email::check(raw).map(|email| Email(email.to_string()))
    }

    /// [`Email::parse`] without taking a copy: the trimmed address, if it is one.
    pub fn check(raw: &str) -> Result<&str, String> {
        let email = trim(raw);
        if plainly_valid(email.as_bytes()) {
            return Ok(email);
        }
        if email.is_empty() {
            return Err("email is missing".to_string());
        }
        if char_count_over(email, MAX_EMAIL_CHARS) {
            return Err(format!(
                "email is {} characters long; Zoom accepts at most {MAX_EMAIL_CHARS}",
                email.chars().count()
            ));
        }
        match email_syntax_problem(email) {
            Some(why) => Err(format!(
                "email '{}' is not a valid address: {why}",
                shorten(email)
            )),
            None => Ok(email),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The key under which two spellings of one address compare equal (Zoom treats emails
    /// case-insensitively). Allocates only for the rare non-ASCII address.
    pub fn key(&self) -> Cow<'_, str> {
        email_key(&self.0)
    }
}

/// [`Email::key`] of an address already checked.
pub fn email_key(email: &str) -> Cow<'_, str> {
    // Every byte looked at, without stopping at the first: the loop vectorizes.
    let changes = email.bytes().fold(false, |found, b| {
        found | b.is_ascii_uppercase() | !b.is_ascii()
    });
    if changes {
        Cow::Owned(email.to_lowercase())
    } else {
        Cow::Borrowed(email)
    }
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

/// What a byte may be in a plain address ([`plainly_valid`]): bits of these.
const IN_LOCAL: u8 = 1;
const IN_LABEL: u8 = 2;
const LETTER: u8 = 4;

const EMAIL_BYTES: [u8; 256] = {
    let mut classes = [0; 256];
    let mut byte = b'!';
    while byte < 0x7f {
        let local = !matches!(
            byte,
            b'@' | b'"' | b'(' | b')' | b',' | b':' | b';' | b'<' | b'>' | b'[' | b'\\' | b']'
        );
        let letter = byte.is_ascii_alphabetic();
        let label = letter || byte.is_ascii_digit() || byte == b'-';
        classes[byte as usize] =
            (local as u8 * IN_LOCAL) | (label as u8 * IN_LABEL) | (letter as u8 * LETTER);
        byte += 1;
    }
    classes
};

/// A quick yes, in one pass over its bytes, for an address (trimmed) with nothing unusual:
/// ASCII, one '@', a local part of allowed characters with no misplaced '.', and a domain of
/// at least two labels of letters, digits and inner '-', the last of them (the top-level
/// domain) letters or `xn--…`. Everything it accepts, [`email_syntax_problem`] accepts too (a
/// property test holds it to that); `false` means "look closer", not "invalid".
fn plainly_valid(email: &[u8]) -> bool {
    if email.len() > MAX_EMAIL_CHARS {
        return false;
    }
    // The local part, up to the first '@'. Starting as if after a '.' refuses a leading one.
    let mut previous = b'.';
    let mut at = None;
    for (index, &byte) in email.iter().enumerate() {
        if byte == b'@' {
            at = Some(index);
            break;
        }
        if EMAIL_BYTES[byte as usize] & IN_LOCAL == 0 || (byte == b'.' && previous == b'.') {
            return false;
        }
        previous = byte;
    }
    let Some(at) = at else { return false };
    if at == 0 || at > 64 || previous == b'.' {
        return false;
    }
    // The domain: labels of 1 to 63 letters, digits and '-' (not first or last), between
    // single dots; a second '@' is no label byte.
    let domain = &email[at + 1..];
    let (mut labels, mut length, mut first, mut last, mut letters) = (0, 0, 0, 0, true);
    for &byte in domain {
        if byte == b'.' {
            if length == 0 || length > 63 || first == b'-' || last == b'-' {
                return false;
            }
            (labels, length, letters) = (labels + 1, 0, true);
            continue;
        }
        let class = EMAIL_BYTES[byte as usize];
        if class & IN_LABEL == 0 {
            return false;
        }
        if length == 0 {
            first = byte;
        }
        (last, length) = (byte, length + 1);
        letters &= class & LETTER != 0;
    }
    let tld = &domain[domain.len() - length..];
    let punycode = tld.len() >= 4 && tld[..4].eq_ignore_ascii_case(b"xn--");
    labels > 0
        && (2..=63).contains(&length)
        && first != b'-'
        && last != b'-'
        && (letters || punycode)
}

/// Why `email` (already trimmed, non-empty) is not a plausible address, if it is not.
/// Deliberately plausible rather than RFC 5322-complete: quoted local parts and IP-literal
/// domains are legal but never seen in a registration list, and usually mean a broken cell.
fn email_syntax_problem(email: &str) -> Option<&'static str> {
    // Single passes over bytes wherever the rule allows: a million-row file checks a million
    // addresses. '@', '.', '-' and the forbidden characters are ASCII, so byte positions are
    // character boundaries.
    let spaced = if email.is_ascii() {
        email.bytes().any(|b| b <= b' ' || b == 0x7f)
    } else {
        email.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if spaced {
        return Some("it contains a space or control character");
    }
    let Some(at) = email.bytes().rposition(|b| b == b'@') else {
        return Some("it has no '@'");
    };
    let (local, domain) = (&email[..at], &email[at + 1..]);
    let mut previous = 0u8;
    let (mut second_at, mut forbidden, mut double_dot) = (false, false, false);
    for byte in local.bytes() {
        second_at |= byte == b'@';
        forbidden |= matches!(
            byte,
            b'"' | b'(' | b')' | b',' | b':' | b';' | b'<' | b'>' | b'[' | b'\\' | b']'
        );
        double_dot |= byte == b'.' && previous == b'.';
        previous = byte;
    }
    if second_at {
        return Some("it has more than one '@'");
    }
    if local.is_empty() {
        return Some("nothing before the '@'");
    }
    if char_count_over(local, 64) {
        return Some("the part before the '@' is longer than 64 characters");
    }
    if forbidden {
        return Some("it contains a character not allowed in an address");
    }
    if local.starts_with('.') || local.ends_with('.') || double_dot {
        return Some("misplaced '.' before the '@'");
    }
    if domain.is_empty() {
        return Some("nothing after the '@'");
    }
    if !domain.bytes().any(|b| b == b'.') {
        return Some("the domain has no '.'");
    }
    // Labels found byte by byte: `str::split` was a fifth of an address's check.
    let mut tld = "";
    let mut rest = Some(domain);
    while let Some(text) = rest {
        let (label, after) = match text.bytes().position(|b| b == b'.') {
            Some(dot) => (&text[..dot], Some(&text[dot + 1..])),
            None => (text, None),
        };
        rest = after;
        if label.is_empty() {
            return Some("misplaced '.' in the domain");
        }
        if label.starts_with('-') || label.ends_with('-') || char_count_over(label, 63) {
            return Some("a part of the domain is malformed");
        }
        let allowed = if label.is_ascii() {
            label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        } else {
            label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if !allowed {
            return Some("the domain contains a character not allowed there");
        }
        tld = label;
    }
    let punycode = tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"));
    let alphabetic = if tld.is_ascii() {
        tld.bytes().all(|b| b.is_ascii_alphabetic())
    } else {
        tld.chars().all(char::is_alphabetic)
    };
    let tld_ok = char_count_over(tld, 1) && (punycode || alphabetic);
    if !tld_ok {
        return Some("the domain does not end in a valid top-level domain");
    }
    None
}

/// Whether `text` has more than `limit` characters, counting them only when its bytes could.
fn char_count_over(text: &str, limit: usize) -> bool {
    text.len() > limit && text.chars().count() > limit
}

/// A value cut to a readable length for messages, on a character boundary.
pub fn shorten(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        let cut: String = value.chars().take(MAX).collect();
        format!("{cut}…")
    }
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
}

impl<'a> RawRegistrant<'a> {
    /// Fills first and last name from a full-name cell, split at the last space
    /// ("Ana María López" → "Ana María" + "López"; a single word is a first name).
    pub fn set_full_name(&mut self, full_name: &'a str) {
        let full_name = trim(full_name);
        match full_name.rsplit_once(char::is_whitespace) {
            Some((first, last)) => {
                self.first_name = first.trim_end();
                self.last_name = last;
            }
            None => {
                self.first_name = full_name;
                self.last_name = "";
            }
        }
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

        let email = Email::check(self.email).map_err(|message| problem(Field::Email, message));
        let first_name = trim(self.first_name);
        let last_name = trim(self.last_name);
        if first_name.is_empty() {
            problem(Field::FirstName, "first_name is missing".to_string());
        }
        for (field, value) in [(Field::FirstName, first_name), (Field::LastName, last_name)] {
            if let Some(message) = name_problem(field, value) {
                problem(field, message);
            }
        }

        let mut given = 0;
        for (field, value) in self.extra.iter() {
            let value = trim(value);
            if value.is_empty() {
                continue;
            }
            match checked_extra(field, value) {
                Ok(_) => given |= 1 << field as u32,
                Err(message) => problem(field, message),
            }
        }
        let extra = CheckedExtras {
            raw: self.extra,
            given,
        };

        match email {
            Ok(email) if problems.is_empty() => Ok(Checked {
                email,
                first_name,
                last_name,
                extra,
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

impl Checked<'_> {
    /// [`Registrant::fits_batch`].
    pub fn fits_batch(&self) -> bool {
        self.extra.is_empty() && self.custom_questions.is_empty()
    }

    pub fn into_registrant(self) -> Registrant {
        Registrant {
            email: Email(self.email.to_string()),
            first_name: self.first_name.to_string(),
            last_name: self.last_name.to_string(),
            extra: self
                .extra
                .iter()
                .map(|(field, value)| (field, value.to_string()))
                .collect(),
            custom_questions: self.custom_questions,
        }
    }
}

/// The bytes of control characters: below ' ', DEL, and 0xC2, which starts U+0080 to U+009F
/// (and other characters, which then get a closer look).
const CONTROL_BYTES: [u8; 256] = {
    let mut control = [0; 256];
    let mut byte = 0;
    while byte < b' ' {
        control[byte as usize] = 1;
        byte += 1;
    }
    control[0x7f] = 1;
    control[0xC2] = 1;
    control
};

/// Whether a name is fine at a glance: no more bytes than characters allowed, and no byte of a
/// control character ([`CONTROL_BYTES`]). A table look-up a byte, without stopping at the
/// first: names are short.
fn plainly_fine_name(value: &str) -> bool {
    let control = value
        .bytes()
        .fold(0, |found, b| found | CONTROL_BYTES[b as usize]);
    control == 0 && value.len() <= MAX_NAME_CHARS
}

fn name_problem(field: Field, value: &str) -> Option<String> {
    if plainly_fine_name(value) {
        return None;
    }
    if char_count_over(value, MAX_NAME_CHARS) {
        return Some(format!(
            "{field} is {} characters long; Zoom accepts at most {MAX_NAME_CHARS}",
            value.chars().count()
        ));
    }
    let control = if value.is_ascii() {
        value.bytes().any(|b| b < b' ' || b == 0x7f)
    } else {
        value.chars().any(char::is_control)
    };
    if control {
        return Some(format!(
            "{field} contains a control character (a line break?)"
        ));
    }
    None
}

/// Checks an optional field's value; returns it in the form Zoom wants.
fn checked_extra(field: Field, value: &str) -> Result<&str, String> {
    if let Some(allowed) = field.allowed_values() {
        if allowed.contains(&value) {
            return Ok(value);
        }
        let hint = allowed
            .iter()
            .find(|candidate| candidate.eq_ignore_ascii_case(value))
            .map(|candidate| format!("; did you mean '{candidate}'?"))
            .unwrap_or_default();
        return Err(format!(
            "{field} '{}' is not one of Zoom's values ({}){hint}",
            shorten(value),
            allowed.join(", ")
        ));
    }
    if field == Field::Country {
        if let [first, second] = value.as_bytes() {
            if first.is_ascii_uppercase() && second.is_ascii_uppercase() {
                return Ok(value);
            }
            if first.is_ascii_alphabetic() && second.is_ascii_alphabetic() {
                return Ok(upper_case_pair(*first, *second));
            }
        }
        return Err(format!(
            "country '{}' is not a two-letter country code (such as US, DE, GB)",
            shorten(value)
        ));
    }
    Ok(value)
}

/// Every pair of upper-case letters, so that a country code in lower case can be given in
/// upper case without allocating: "AA", "AB", … "ZZ".
const LETTER_PAIRS: &str = {
    const BYTES: [u8; 26 * 26 * 2] = {
        let mut bytes = [0; 26 * 26 * 2];
        let mut index = 0;
        while index < 26 * 26 {
            bytes[index * 2] = b'A' + (index / 26) as u8;
            bytes[index * 2 + 1] = b'A' + (index % 26) as u8;
            index += 1;
        }
        bytes
    };
    match std::str::from_utf8(&BYTES) {
        Ok(pairs) => pairs,
        Err(_) => panic!("ASCII letters are UTF-8"),
    }
};

/// Two ASCII letters in upper case.
fn upper_case_pair(first: u8, second: u8) -> &'static str {
    let letter = |byte: u8| usize::from(byte.to_ascii_uppercase().saturating_sub(b'A')) % 26;
    let at = (letter(first) * 26 + letter(second)) * 2;
    LETTER_PAIRS.get(at..at + 2).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(email: &'a str, first: &'a str, last: &'a str) -> RawRegistrant<'a> {
        RawRegistrant {
            email,
            first_name: first,
            last_name: last,
            extra: RawExtras::default(),
        }
    }

    fn messages(result: Result<Registrant, Vec<Problem>>) -> Vec<String> {
        result
            .expect_err("row should be invalid")
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn accepts_ordinary_addresses_and_trims_them() {
        for email in [
            "ana@example.com",
            " Bob.Smith+events@sub.example.co.uk ",
            "o'brien@example.ie",
            "jürgen@müller.de",
            "x@xn--bcher-kva.example",
        ] {
            let parsed = Email::parse(email).expect(email);
            assert_eq!(parsed.as_str(), email.trim());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The quick yes never says yes where the full check says no.
        #[test]
        fn a_plainly_valid_address_is_valid(email in proptest::prop_oneof![
            "[a-c0-9.+_'\\-]{1,6}@([a-c0-9\\-]{1,4}\\.){1,3}([a-cA-C]{1,3}|xn--[a-c0-9]{0,3})",
            "[a-cA-C0-9.+'\\-_@\"é]{0,10}@([a-c0-9\\-é]{0,5}\\.){0,3}(xn--|XN--)?[a-cA-C0-9\\-]{0,4}",
            "[a-c .@\\-\\\\\\[\\],;:<>()é\t]{0,20}",
        ]) {
            if plainly_valid(email.as_bytes()) {
                proptest::prop_assert_eq!(email_syntax_problem(&email), None);
                proptest::prop_assert!(!email.is_empty() && email.chars().count() <= MAX_EMAIL_CHARS);
                proptest::prop_assert_eq!(trim(&email), email.as_str());
            }
        }
    }

    proptest::proptest! {
        /// A name fine at a glance has no problem when looked at closely.
        #[test]
        fn a_plainly_fine_name_is_fine(name in "[a-c \t\u{0}-\u{1f}\u{7f}-\u{a0}é\u{85}]{0,70}") {
            if plainly_fine_name(&name) {
                proptest::prop_assert!(name.chars().count() <= MAX_NAME_CHARS);
                proptest::prop_assert!(!name.chars().any(char::is_control));
            }
        }
    }

    #[test]
    fn plain_addresses_take_the_quick_yes() {
        for email in [
            "ana@example.com",
            "o'brien+x@sub.example.co.uk",
            "x@xn--bcher-kva.example",
            "a@b-c.de",
        ] {
            assert!(plainly_valid(email.as_bytes()), "{email}");
        }
        for email in [
            "ana@example",
            "ana@-x.com",
            "a..b@x.com",
            "jürgen@müller.de",
            "a@x.c0m",
            "a@x.c",
        ] {
            assert!(!plainly_valid(email.as_bytes()), "{email}");
        }
    }

    #[test]
    fn checked_optional_fields_are_trimmed_in_zooms_form_and_in_order() {
        let text = "x@y.com, de ,Cork,  ";
        let ranges = [0..7, 8..12, 13..17, 18..20];
        let columns = [(Field::City, 2), (Field::Country, 1), (Field::Language, 3)];
        let mut row = raw("a@example.com", "Ana", "");
        row.extra = RawExtras::Cells {
            columns: &columns,
            cells: Cells::new(text, &ranges),
        };
        let checked = row.check().expect("valid");
        let given: Vec<_> = checked.extra.iter().collect();
        assert_eq!(given, [(Field::City, "Cork"), (Field::Country, "DE")]);
        assert_eq!(checked.extra.get(Field::Country), "DE");
        assert_eq!(checked.extra.get(Field::Language), "");
        assert!(!checked.fits_batch());
        // Email and names are not optional fields, whatever a list says.
        row.extra = RawExtras::Listed(&[(Field::Email, "b@example.com"), (Field::Zip, "T12")]);
        let given: Vec<_> = row.check().expect("valid").extra.iter().collect();
        assert_eq!(given, [(Field::Zip, "T12")]);
        assert_eq!(
            (upper_case_pair(b'd', b'e'), upper_case_pair(b'z', b'Z')),
            ("DE", "ZZ")
        );
    }

    #[test]
    fn trim_is_str_trim() {
        for text in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a",
            "a\u{2003}",
            "é",
            " é ",
            "\ta\n",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn rejects_implausible_addresses_with_a_reason() {
        for (email, why) in [
            ("", "email is missing"),
            ("   ", "email is missing"),
            ("bob", "no '@'"),
            ("bob@example", "the domain has no '.'"),
            ("@example.com", "nothing before the '@'"),
            ("bob@", "nothing after the '@'"),
            ("a@b@example.com", "more than one '@'"),
            ("bob smith@example.com", "space"),
            ("a@x.com; b@y.com", "space"),
            ("a@x.com;b@y.com", "more than one '@'"),
            ("a;b@y.com", "not allowed"),
            ("bob@example.com.", "misplaced '.' in the domain"),
            ("bob..x@example.com", "misplaced '.' before"),
            ("bob@exa_mple.com", "not allowed there"),
            ("bob@example.c", "top-level domain"),
            ("bob@-example.com", "malformed"),
        ] {
            let err = Email::parse(email).expect_err(email);
            assert!(
                err.contains(why),
                "{email:?}: {err:?} should mention {why:?}"
            );
        }
    }

    #[test]
    fn email_longer_than_128_characters_is_rejected() {
        let email = format!("{}@{}.{}", "a".repeat(60), "b".repeat(60), "c".repeat(7));
        assert_eq!(email.chars().count(), 129);
        let err = Email::parse(&email).expect_err("too long");
        assert!(
            err.contains("129 characters long; Zoom accepts at most 128"),
            "{err}"
        );
        assert!(Email::parse(&email[1..]).is_ok(), "128 characters is fine");
    }

    #[test]
    fn email_key_ignores_case() {
        let a = Email::parse("Ana@Example.COM").expect("valid");
        let b = Email::parse("ana@example.com").expect("valid");
        assert_eq!(a.key(), b.key());
        let c = Email::parse("ÄNA@example.com").expect("valid");
        assert_eq!(c.key(), "äna@example.com");
    }

    #[test]
    fn first_name_is_required_and_names_are_limited_to_64_characters() {
        assert_eq!(
            messages(raw("a@example.com", "  ", "").validate()),
            ["first_name is missing"]
        );
        let long = "é".repeat(65);
        assert_eq!(
            messages(raw("a@example.com", &long, &long).validate()),
            [
                "first_name is 65 characters long; Zoom accepts at most 64",
                "last_name is 65 characters long; Zoom accepts at most 64"
            ]
        );
        assert!(raw("a@example.com", &"é".repeat(64), "").validate().is_ok());
    }

    #[test]
    fn names_with_line_breaks_are_rejected() {
        let problems = messages(raw("a@example.com", "Ana\nMaria", "").validate());
        assert_eq!(
            problems,
            ["first_name contains a control character (a line break?)"]
        );
    }

    #[test]
    fn all_problems_of_a_row_are_reported_together() {
        let problems = raw("nope", "", "").validate().expect_err("invalid");
        let fields: Vec<Option<Field>> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, [Some(Field::Email), Some(Field::FirstName)]);
    }

    #[test]
    fn valid_row_becomes_a_trimmed_registrant() {
        let registrant = raw(" ana@example.com ", " Ana ", " López ")
            .validate()
            .expect("valid");
        assert_eq!(registrant.email.as_str(), "ana@example.com");
        assert_eq!(registrant.first_name, "Ana");
        assert_eq!(registrant.last_name, "López");
        assert!(registrant.fits_batch());
    }

    #[test]
    fn enum_fields_take_exactly_zooms_values() {
        for field in [
            Field::NoOfEmployees,
            Field::PurchasingTimeFrame,
            Field::RoleInPurchaseProcess,
            Field::Language,
        ] {
            for value in field.allowed_values().expect("enum field") {
                let mut row = raw("a@example.com", "Ana", "");
                let listed = [(field, *value)];
                row.extra = RawExtras::Listed(&listed);
                let registrant = row.validate().expect(value);
                assert_eq!(registrant.extra, [(field, value.to_string())]);
                assert!(!registrant.fits_batch());
            }
        }
    }

    #[test]
    fn enum_value_in_the_wrong_case_is_invalid_with_a_suggestion() {
        let mut row = raw("a@example.com", "Ana", "");
        row.extra = RawExtras::Listed(&[(Field::RoleInPurchaseProcess, "decision maker")]);
        let problems = messages(row.validate());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("role_in_purchase_process 'decision maker' is not one of Zoom's values (Decision Maker, "));
        assert!(problems[0].ends_with("did you mean 'Decision Maker'?"));
    }

    #[test]
    fn unknown_enum_value_lists_the_allowed_ones() {
        let mut row = raw("a@example.com", "Ana", "");
        row.extra = RawExtras::Listed(&[(Field::NoOfEmployees, "lots")]);
        let problems = messages(row.validate());
        assert!(
            problems[0].contains("no_of_employees 'lots' is not one of Zoom's values (1-20, 21-50")
        );
    }

    #[test]
    fn country_must_be_two_letters_and_is_upper_cased() {
        let mut row = raw("a@example.com", "Ana", "");
        row.extra = RawExtras::Listed(&[(Field::Country, "de")]);
        assert_eq!(
            row.validate().expect("valid").extra,
            [(Field::Country, "DE".to_string())]
        );
        for bad in ["Germany", "D", "D1", "ÜÜ"] {
            let mut row = raw("a@example.com", "Ana", "");
            let listed = [(Field::Country, bad)];
            row.extra = RawExtras::Listed(&listed);
            let problems = messages(row.validate());
            assert!(
                problems[0].contains("is not a two-letter country code"),
                "{bad}"
            );
        }
    }

    #[test]
    fn empty_optional_fields_are_left_out() {
        let mut row = raw("a@example.com", "Ana", "");
        row.extra = RawExtras::Listed(&[(Field::City, "  "), (Field::Language, "")]);
        assert!(row.validate().expect("valid").fits_batch());
    }

    #[test]
    fn full_name_is_split_at_the_last_space() {
        let mut row = RawRegistrant::default();
        row.set_full_name("  Ana María López ");
        assert_eq!((row.first_name, row.last_name), ("Ana María", "López"));
        row.set_full_name("Cher");
        assert_eq!((row.first_name, row.last_name), ("Cher", ""));
    }

    #[test]
    fn field_names_are_matched_loosely() {
        assert_eq!(Field::from_name("Job Title"), Some(Field::JobTitle));
        assert_eq!(
            Field::from_name("no-of-employees"),
            Some(Field::NoOfEmployees)
        );
        assert_eq!(Field::from_name("FIRST_NAME"), Some(Field::FirstName));
        assert_eq!(Field::from_name("shoe size"), None);
        assert_eq!(normalize_name("\u{feff}E-Mail Address"), "emailaddress");
    }
}
