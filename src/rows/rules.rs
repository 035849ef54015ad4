//! What every row is checked against ([`Rules`]): the column mapping and, once Zoom has said,
//! the event's form; and a record's verdict before the check for duplicates ([`Judged`]).

use super::ColumnMap;
use crate::registrant::{AppliedForm, Cells, Checked, Problem};

/// What every row is checked against: the column mapping and, once known, the event's form.
/// Shared by threads that check rows at once.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'i> {
    pub(crate) columns: &'i ColumnMap,
    pub(crate) form: Option<&'i AppliedForm>,
}

/// A record's verdict before the check for duplicates.
#[derive(Debug)]
pub struct Judged<'a> {
    /// The email and names as the row gives them (trimmed), for the results file.
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub verdict: Result<Checked<'a>, Vec<Problem>>,
}

impl<'i> Rules<'i> {
    /// [`Rules::judge`] for a record whose cells `bad` were not valid UTF-8 (in a UTF-8 file):
    /// then the row is invalid, whatever else it is, with a problem for each.
    pub fn judge_damaged<'a>(&self, cells: Cells<'a>, bad: &[usize]) -> Judged<'a>
    where
        'i: 'a,
    {
        let mut judged = self.judge(cells);
        if bad.is_empty() {
            return judged;
        }
        let mut problems = match judged.verdict {
            Err(problems) => problems,
            Ok(_) => Vec::new(),
        };
        problems.extend(bad.iter().map(|&cell| {
            let header = self.columns.columns.get(cell).map_or("", |(h, _)| h.as_str());
            Problem {
                field: self.columns.field_of(cell),
                message: format!(
                    "column '{header}' is not valid UTF-8, as the rest of the file is (a character saved in another encoding?)"
                ),
            }
        }));
        judged.verdict = Err(problems);
        judged
    }

    /// Validates one record that is not blank ([`Cells::blank`]).
    #[inline]
    pub fn judge<'a>(&self, cells: Cells<'a>) -> Judged<'a>
    where
        'i: 'a,
    {
        let columns: &'a ColumnMap = self.columns;
        let raw = columns.raw_registrant(cells);
        let verdict = raw.check().and_then(|mut checked| {
            if let Some(applied) = self.form {
                checked.custom_questions =
                    applied.form.check(&checked, &applied.columns, &cells)?;
            }
            Ok(checked)
        });
        // A valid row's are trimmed already.
        let (email, first_name, last_name) = match &verdict {
            Ok(checked) => (checked.email, checked.first_name, checked.last_name),
            Err(_) => (
                raw.email.trim(),
                raw.first_name.trim(),
                raw.last_name.trim(),
            ),
        };
        Judged {
            email,
            first_name,
            last_name,
            verdict,
        }
    }
}
