//! Zoom's registrant fields by their API names, and the rule each field's value must meet:
//! names short and free of control characters, Zoom's fixed choices for the fields that have
//! them, two-letter country codes (given in upper case, or as the country's English name:
//! `country`).

use std::fmt;

use super::country::{self, Coded};
use super::{char_count_over, normalize_name};
use crate::outside::shorten;

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
    /// Zoom's registrant fields as `--map FIELD=COLUMN` takes them: every field, and
    /// `full_name`.
    pub fn map_names() -> String {
        let mut fields: Vec<&str> = Field::ALL.iter().map(|field| field.api_name()).collect();
        fields.push("full_name");
        fields.join(", ")
    }

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
pub(super) fn plainly_fine_name(value: &str) -> bool {
    let control = value
        .bytes()
        .fold(0, |found, b| found | CONTROL_BYTES[b as usize]);
    control == 0 && value.len() <= MAX_NAME_CHARS
}

pub(super) fn name_problem(field: Field, value: &str) -> Option<String> {
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
pub(super) fn checked_extra(field: Field, value: &str) -> Result<&str, String> {
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
            // The United Kingdom's code is GB; "UK" is what people write.
            if first.eq_ignore_ascii_case(&b'u') && second.eq_ignore_ascii_case(&b'k') {
                return Ok("GB");
            }
            if first.is_ascii_uppercase() && second.is_ascii_uppercase() {
                return Ok(value);
            }
            if first.is_ascii_alphabetic() && second.is_ascii_alphabetic() {
                return Ok(upper_case_pair(*first, *second));
            }
        }
        return match country::code_of(value) {
            Coded::Code(code) => Ok(code),
            Coded::Ambiguous => Err(format!(
                "country '{}' could be more than one country; give its two-letter code (such as KR or KP, CG or CD)",
                shorten(value)
            )),
            Coded::Unknown => Err(format!(
                "country '{}' is neither a country name zimport knows (in English) nor a two-letter country code (such as US, DE, GB)",
                shorten(value)
            )),
        };
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
pub(super) fn upper_case_pair(first: u8, second: u8) -> &'static str {
    let letter = |byte: u8| usize::from(byte.to_ascii_uppercase().saturating_sub(b'A')) % 26;
    let at = (letter(first) * 26 + letter(second)) * 2;
    LETTER_PAIRS.get(at..at + 2).unwrap_or("")
}
