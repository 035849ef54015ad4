//! The bodies of the registration and status requests, as Zoom's description has them.

use serde::Serialize;

use crate::registrant::{Field, Registrant};

/// The person of an add or a batch: `last_name` only if the row has one.
#[derive(Serialize)]
pub(super) struct Person<'a> {
    pub(super) email: &'a str,
    pub(super) first_name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) last_name: &'a str,
}

impl<'a> Person<'a> {
    pub(super) fn of(registrant: &'a Registrant) -> Person<'a> {
        Person {
            email: registrant.email.as_str(),
            first_name: &registrant.first_name,
            last_name: &registrant.last_name,
        }
    }
}

/// A single add: the person, every other field by its API name, the form's answers.
#[derive(Serialize)]
pub(super) struct AddBody<'a> {
    #[serde(flatten)]
    pub(super) person: Person<'a>,
    #[serde(flatten)]
    pub(super) extra: Extra<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) custom_questions: Vec<QuestionAnswer<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) auto_approve: Option<bool>,
}

/// A row's other fields, each under its API name.
pub(super) struct Extra<'a>(pub(super) &'a [(Field, String)]);

impl Serialize for Extra<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .map(|(field, value)| (field.api_name(), value)),
        )
    }
}

#[derive(Serialize)]
pub(super) struct QuestionAnswer<'a> {
    pub(super) title: &'a str,
    pub(super) value: &'a str,
}

#[derive(Serialize)]
pub(super) struct BatchBody<'a> {
    pub(super) registrants: Vec<Person<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) auto_approve: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) registrants_confirmation_email: Option<bool>,
}

#[derive(Serialize)]
pub(super) struct StatusBody<'a> {
    pub(super) action: &'a str,
    pub(super) registrants: Vec<StatusOf<'a>>,
}

#[derive(Serialize)]
pub(super) struct StatusOf<'a> {
    pub(super) id: &'a str,
    pub(super) email: &'a str,
}
