//! Email addresses: the plausible shape Zoom accepts (checked quickly for the usual address,
//! closely otherwise), and the key under which two spellings of one address are the same.

use std::borrow::Cow;

use super::{char_count_over, trim, MAX_EMAIL_CHARS};
use crate::outside::shorten;

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
pub struct Email(pub(super) String);

impl Email {
    /// Checks the shape Zoom will accept. The message says what is wrong, for the results file.
    pub fn parse(raw: &str) -> Result<Email, String> {
        Email::check(raw).map(|email| Email(email.to_string()))
    }

    /// [`Email::parse`] without taking a copy: the trimmed address, if it is one. A cell that
    /// zimport's own files neutralised (`'+ana@example.com`: an export or a results file) is
    /// the address without its `'`, so an export is valid input.
    pub fn check(raw: &str) -> Result<&str, String> {
        Email::check_cleaned(raw).map(|(email, _)| email)
    }

    /// [`Email::check`], also taking an address as mail programs paste it (SPEC §2:
    /// `mailto:a@b.c`, `Ann <a@b.c>`, `<a@b.c>`, a trailing `;` or `,`, non-breaking or
    /// zero-width spaces around it) as the address in it; `true` if it was so cleaned.
    #[inline]
    pub fn check_cleaned(raw: &str) -> Result<(&str, bool), String> {
        let email = crate::outside::cell_text(trim(raw));
        if plainly_valid(email.as_bytes()) {
            return Ok((email, false));
        }
        let cleaned = cleaned(email);
        if cleaned.len() != email.len() && !cleaned.is_empty() {
            if let Ok(address) = Email::check_as_given(cleaned) {
                return Ok((address, true));
            }
        }
        Email::check_as_given(email).map(|email| (email, false))
    }

    /// [`Email::check`] of a trimmed address, as given.
    fn check_as_given(email: &str) -> Result<&str, String> {
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

/// [`Email::key`] of an address already checked: the one way two addresses are compared
/// (duplicates in a file, earlier runs' rows, Zoom's lists). Unicode NFC, then lower case, so
/// that `é` typed as one character or as `e` and an accent is the same address (SPEC §2).
pub fn email_key(email: &str) -> Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    // Every byte looked at, without stopping at the first: the loop vectorizes.
    let (upper, beyond_ascii) = email.bytes().fold((false, false), |(upper, beyond), b| {
        (upper | b.is_ascii_uppercase(), beyond | !b.is_ascii())
    });
    match (upper, beyond_ascii) {
        (false, false) => Cow::Borrowed(email),
        (true, false) => Cow::Owned(email.to_ascii_lowercase()),
        (_, true) => Cow::Owned(email.nfc().collect::<String>().to_lowercase()),
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
#[inline]
pub(super) fn plainly_valid(email: &[u8]) -> bool {
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

/// Characters that surround an address pasted from a mail program, besides whitespace.
fn is_wrapping(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ';' | ',' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
        )
}

/// The address in `text` as a mail program pastes it: after `mailto:`, between `<` and `>`,
/// without `;`, `,` and (zero-width or non-breaking) spaces around it. A slice of `text`.
fn cleaned(text: &str) -> &str {
    let mut address = text.trim_matches(is_wrapping);
    if let Some(open) = address.rfind('<') {
        if let Some(close) = address[open..].find('>') {
            address = &address[open + 1..open + close];
        }
    }
    address = address.trim_matches(is_wrapping);
    if let Some(rest) = address
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
        .and_then(|_| address.get(7..))
    {
        address = rest;
    }
    address.trim_matches(is_wrapping)
}

/// Why `email` (already trimmed, non-empty) is not a plausible address, if it is not.
/// Deliberately plausible rather than RFC 5322-complete: quoted local parts and IP-literal
/// domains are legal but never seen in a registration list, and usually mean a broken cell.
pub(super) fn email_syntax_problem(email: &str) -> Option<&'static str> {
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
    let (mut second_at, mut forbidden, mut double_dot) = (false, None, false);
    for byte in local.bytes() {
        second_at |= byte == b'@';
        if forbidden.is_none() {
            forbidden = forbidden_in_address(byte);
        }
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
    if let Some(why) = forbidden {
        return Some(why);
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

/// Why `byte` cannot be in an address's local part, naming it; `None` if it can.
fn forbidden_in_address(byte: u8) -> Option<&'static str> {
    Some(match byte {
        b'"' => "it contains '\"', which an address cannot",
        b'(' => "it contains '(', which an address cannot",
        b')' => "it contains ')', which an address cannot",
        b',' => "it contains ',', which an address cannot",
        b':' => "it contains ':', which an address cannot",
        b';' => "it contains ';', which an address cannot",
        b'<' => "it contains '<', which an address cannot",
        b'>' => "it contains '>', which an address cannot",
        b'[' => "it contains '[', which an address cannot",
        b'\\' => "it contains '\\', which an address cannot",
        b']' => "it contains ']', which an address cannot",
        _ => return None,
    })
}
