//! The event's registration form as Zoom reports it ([`Form`]: its required fields and custom
//! questions), and the answers a row gives to its questions, checked
//! ([`crate::rows::Rules`] applies it to each record).

use super::{Cells, Checked, Field, Problem};
use crate::outside::shorten;

/// What the event's registration form asks for, as Zoom reports it before a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// Standard fields the form requires, beyond email and first name.
    pub required: Vec<Field>,
    /// Standard fields the form asks for, required or not.
    pub asked: Vec<Field>,
    pub custom: Vec<CustomQuestion>,
    /// The email of the event's host (lower case), when Zoom said: Zoom refuses the host as a
    /// registrant of their own event (code 3027), so that row is invalid before sending.
    pub host_email: Option<String>,
}

/// A custom question of the registration form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomQuestion {
    pub title: String,
    pub required: bool,
    /// The allowed answers of a one-choice question (`single`, `single_radio`,
    /// `single_dropdown`), as Zoom spells them; empty for one whose answer is not checked
    /// (`short`, `multiple`).
    pub answers: Vec<String>,
}

/// Zoom's limit on a custom answer, in characters.
const MAX_ANSWER_CHARS: usize = 128;

impl Form {
    /// The form's own problems with a row that passed field validation, or its answers.
    pub(crate) fn check(
        &self,
        registrant: &Checked<'_>,
        columns: &[Option<usize>],
        cells: &Cells<'_>,
    ) -> Result<Vec<(String, String)>, Vec<Problem>> {
        let mut problems = Vec::new();
        if self
            .host_email
            .as_deref()
            .is_some_and(|host| super::email_key(registrant.email) == host)
        {
            problems.push(Problem {
                field: Some(Field::Email),
                message: "this is the email of the event's host, and Zoom does not let the host register for their own event".to_string(),
            });
        }
        for &field in &self.required {
            let given = match field {
                Field::Email | Field::FirstName => true,
                Field::LastName => !registrant.last_name.is_empty(),
                _ => !registrant.extra.get(field).is_empty(),
            };
            if !given {
                let message = match (registrant.country_problem(), field) {
                    (Some(why), Field::Country) => {
                        format!("{why}, and the event's registration form requires a country")
                    }
                    _ => format!("{field} is required by the event's registration form"),
                };
                problems.push(Problem {
                    field: Some(field),
                    message,
                });
            }
        }
        let mut given_answers = Vec::new();
        for (question, &column) in self.custom.iter().zip(columns) {
            let answer = column.map_or("", |c| cells.get(c).trim());
            let problem = |message: String| Problem {
                field: None,
                message,
            };
            if answer.is_empty() {
                if question.required {
                    let hint = if column.is_none() {
                        format!(" (add a column titled '{}')", question.title)
                    } else {
                        String::new()
                    };
                    problems.push(problem(format!(
                        "the registration form requires an answer to '{}'{hint}",
                        question.title
                    )));
                }
                continue;
            }
            if answer.chars().count() > MAX_ANSWER_CHARS {
                problems.push(problem(format!(
                    "the answer to '{}' is longer than Zoom's {MAX_ANSWER_CHARS} characters",
                    question.title
                )));
                continue;
            }
            if question.answers.is_empty() {
                given_answers.push((question.title.clone(), answer.to_string()));
                continue;
            }
            match question
                .answers
                .iter()
                .find(|a| a.trim().eq_ignore_ascii_case(answer))
            {
                Some(allowed) => given_answers.push((question.title.clone(), allowed.clone())),
                None => problems.push(problem(format!(
                    "'{}' is not one of the answers to '{}' ({})",
                    shorten(answer),
                    question.title,
                    question.answers.join(", ")
                ))),
            }
        }
        if problems.is_empty() {
            Ok(given_answers)
        } else {
            Err(problems)
        }
    }
}

/// The event's form and, for each custom question in order, the column answering it.
#[derive(Debug, Clone)]
pub(crate) struct AppliedForm {
    pub(crate) form: Form,
    pub(crate) columns: Vec<Option<usize>>,
}
