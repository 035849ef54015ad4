//! The values of flags that clap cannot check alone: event and occurrence IDs, counts,
//! `--map` pairs and delimiters. Each error says what was expected.

use crate::model::EventId;
use crate::rows::Target;

pub(super) fn parse_event_id(text: &str) -> Result<EventId, String> {
    text.parse()
}

pub(super) fn parse_occurrence(text: &str) -> Result<String, String> {
    let id = text.trim();
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(id.to_string())
    } else {
        Err(format!(
            "'{text}' is not an occurrence ID (digits, as Zoom lists them)"
        ))
    }
}

pub(super) fn parse_concurrency(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' is not a number from 1 to 256")),
    }
}

pub(super) fn parse_map(text: &str) -> Result<(Target, String), String> {
    let Some((field, column)) = text.split_once('=') else {
        return Err(format!("'{text}' is not FIELD=COLUMN"));
    };
    // Nothing after '=' turns the field's automatic mapping off.
    let column = column.trim();
    let target = Target::from_name(field).ok_or_else(|| {
        let hint = match crate::rows::columns::field_alias(field) {
            Some(Target::Field(known)) => format!("did you mean {known}? "),
            Some(Target::FullName) => "did you mean full_name? ".to_string(),
            None => String::new(),
        };
        format!(
            "'{}' is not a Zoom registrant field; {hint}use one of: {}",
            field.trim(),
            crate::registrant::Field::map_names()
        )
    })?;
    Ok((target, column.to_string()))
}

pub(super) fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && !matches!(text, "\"" | "\n" | "\r") => {
            Ok(text.as_bytes()[0])
        }
        _ => Err(format!(
            "'{text}' is not a delimiter: give one ASCII character (other than a quote) or 'tab'"
        )),
    }
}
