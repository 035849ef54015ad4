//! Which CSV column feeds which registrant field: header aliases, `--map` overrides, the
//! full-name fallback, and the columns that map to nothing (reported, never silently dropped).

use crate::registrant::{normalize_name, Cells, Field, RawExtras, RawRegistrant};

mod aliases;
use aliases::settle_localised_names;
#[cfg(test)]
use aliases::ALIASES;
pub use aliases::{field_alias, target_for_header, Taken};

/// What a column can be mapped to: a Zoom field, or a full name to split into first and last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Field(Field),
    FullName,
}

impl Target {
    /// Parses a `--map` target: a Zoom field's API name, or `full_name` / `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        match normalize_name(name).as_str() {
            "fullname" | "name" => Some(Target::FullName),
            _ => Field::from_name(name).map(Target::Field),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::Field(field) => field.api_name(),
            Target::FullName => "full name (split into first_name and last_name)",
        }
    }
}

/// How a CSV column is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnUse {
    Mapped(Target),
    /// The answer to the event's custom registration question with this title.
    CustomQuestion(String),
    /// A recognised column that another column already supplies, with the reason.
    Unused(String),
    /// A column that matches no Zoom field.
    Unknown,
}

/// The header's columns and what each one feeds.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    /// Header text (trimmed, without a byte-order mark) and its use, in file order.
    pub columns: Vec<(String, ColumnUse)>,
    email: usize,
    /// Rows may lack a first name (a status change).
    names_optional: bool,
    first_name: Option<usize>,
    last_name: Option<usize>,
    full_name: Option<usize>,
    extra: Vec<(Field, usize)>,
}

/// Why a header cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("no email column (columns: {columns}); name it 'email' or use --map email=COLUMN")]
    NoEmail { columns: String },
    #[error("no first-name column (columns: {columns}); name it 'first_name' or 'name', or use --map first_name=COLUMN")]
    NoFirstName { columns: String },
    #[error("--map {target}={column}: the header has no column '{column}' (columns: {columns})")]
    MapColumnMissing {
        target: String,
        column: String,
        columns: String,
    },
    #[error("--map {target}={column}: columns {first} and {second} are both titled '{column}'; give one another title in the file")]
    MapColumnTwice {
        target: String,
        column: String,
        /// Their places, counted from 1.
        first: usize,
        second: usize,
    },
    #[error("columns '{first}' and '{second}' both look like {target}; choose one with --map {target}=COLUMN")]
    Ambiguous {
        target: &'static str,
        first: String,
        second: String,
    },
}

impl ColumnMap {
    /// Resolves the header. Explicit `--map` entries win; then aliases, first match by column
    /// order. Two columns that both look like the same field are an error unless `--map`
    /// settles it: guessing could register people under the wrong address.
    /// `names_optional`: a file without a name column is taken (a status change needs only
    /// each row's email).
    pub fn resolve(
        headers: &[String],
        overrides: &[(Target, String)],
        names_optional: bool,
    ) -> Result<Self, HeaderError> {
        // A column without a title (a header's trailing delimiter) is titled by its place,
        // `column 4`, everywhere: the mapping shown, `--map`, the results' carried columns.
        let headers: Vec<String> = headers
            .iter()
            .enumerate()
            .map(|(index, h)| match h.trim_start_matches('\u{feff}').trim() {
                "" => format!("column {}", index + 1),
                title => title.to_string(),
            })
            .collect();
        let list = || headers.join(", ");
        let mut uses: Vec<Option<Target>> = vec![None; headers.len()];
        // `--map FIELD=`: no column feeds the field unless a later --map names one.
        let mut off: Vec<Target> = Vec::new();

        for (target, column) in overrides {
            if column.is_empty() {
                for slot in uses.iter_mut() {
                    if *slot == Some(*target) {
                        *slot = None;
                    }
                }
                off.push(*target);
                continue;
            }
            off.retain(|t| t != target);
            // The column titled exactly so; else the one titled so but for case and spacing.
            let titled = |same: &dyn Fn(&String) -> bool| -> Vec<usize> {
                (0..headers.len()).filter(|&i| same(&headers[i])).collect()
            };
            let mut found = titled(&|h| h == column);
            if found.is_empty() {
                let wanted = normalize_name(column);
                found = titled(&|h| normalize_name(h) == wanted);
            }
            let target_name = match target {
                Target::Field(field) => field.api_name().to_string(),
                Target::FullName => "full_name".to_string(),
            };
            let index = match found[..] {
                [index] => index,
                [] => {
                    return Err(HeaderError::MapColumnMissing {
                        target: target_name,
                        column: column.clone(),
                        columns: list(),
                    })
                }
                // Taking the first would be a guess: the wrong column's text sent as this field.
                [first, second, ..] => {
                    return Err(HeaderError::MapColumnTwice {
                        target: target_name,
                        column: column.clone(),
                        first: first + 1,
                        second: second + 1,
                    })
                }
            };
            // A later --map for the same target replaces an earlier one.
            for slot in uses.iter_mut() {
                if *slot == Some(*target) {
                    *slot = None;
                }
            }
            uses[index] = Some(*target);
        }
        let explicit: Vec<Target> = uses.iter().flatten().copied().collect();

        let mut columns = Vec::with_capacity(headers.len());
        for (index, header) in headers.iter().enumerate() {
            let column_use = match uses[index] {
                Some(target) => ColumnUse::Mapped(target),
                None => match target_for_header(&normalize_name(header)) {
                    None | Some((_, Taken::WhereAsked)) => ColumnUse::Unknown,
                    Some((target, _)) if off.contains(&target) => ColumnUse::Unused(format!(
                        "--map {}= turns its automatic mapping off",
                        match target {
                            Target::Field(field) => field.api_name(),
                            Target::FullName => "full_name",
                        }
                    )),
                    Some((target, _)) if explicit.contains(&target) => {
                        ColumnUse::Unused(format!("--map gives {} another column", target.name()))
                    }
                    Some((target, _)) => {
                        if let Some(first) = uses.iter().position(|u| *u == Some(target)) {
                            return Err(HeaderError::Ambiguous {
                                target: match target {
                                    Target::Field(field) => field.api_name(),
                                    Target::FullName => "full_name",
                                },
                                first: headers[first].clone(),
                                second: header.clone(),
                            });
                        }
                        uses[index] = Some(target);
                        ColumnUse::Mapped(target)
                    }
                },
            };
            columns.push((header.clone(), column_use));
        }

        settle_localised_names(&headers, &mut uses, &mut columns, &explicit);
        let find = |target: Target| uses.iter().position(|u| *u == Some(target));
        let email = find(Target::Field(Field::Email))
            .ok_or_else(|| HeaderError::NoEmail { columns: list() })?;
        let first_name = find(Target::Field(Field::FirstName));
        let mut full_name = find(Target::FullName);
        if first_name.is_some() {
            if let Some(index) = full_name.take() {
                columns[index].1 =
                    ColumnUse::Unused("first_name comes from its own column".to_string());
            }
        } else if full_name.is_none() && !names_optional {
            return Err(HeaderError::NoFirstName { columns: list() });
        }
        let last_name = find(Target::Field(Field::LastName));
        let extra = Field::ALL
            .into_iter()
            .filter(|f| !matches!(f, Field::Email | Field::FirstName | Field::LastName))
            .filter_map(|field| find(Target::Field(field)).map(|index| (field, index)))
            .collect();

        Ok(ColumnMap {
            names_optional,
            columns,
            email,
            first_name,
            last_name,
            full_name,
            extra,
        })
    }

    /// The raw text of each mapped field in one record (missing cells read as empty).
    #[inline]
    pub fn raw_registrant<'a>(&'a self, cells: Cells<'a>) -> RawRegistrant<'a> {
        let cell = |index: Option<usize>| index.map_or("", |index| cells.get(index));
        let mut raw = RawRegistrant {
            email: cells.get(self.email),
            first_name: cell(self.first_name),
            last_name: cell(self.last_name),
            names_optional: self.names_optional,
            name_split: false,
            extra: RawExtras::Cells {
                columns: &self.extra,
                cells,
            },
        };
        if let Some(index) = self.full_name {
            raw.set_full_name(cells.get(index));
            if let Some(last) = self.last_name {
                raw.last_name = cells.get(last);
            }
        }
        raw
    }

    /// The full-name cell of a record, if the names come from one.
    pub fn full_name_cell<'a>(&self, cells: Cells<'a>) -> Option<&'a str> {
        self.full_name.map(|index| cells.get(index))
    }

    /// Columns that feed no field, for the report.
    pub fn unused(&self) -> impl Iterator<Item = &str> {
        self.columns
            .iter()
            .filter(|(_, u)| !matches!(u, ColumnUse::Mapped(_) | ColumnUse::CustomQuestion(_)))
            .map(|(h, _)| h.as_str())
    }

    /// The column that answers the custom question `title`: one whose header is the title,
    /// ignoring case (and spaces, `_` and `-`), that feeds no Zoom field. It is marked used.
    /// The field column `index` feeds, if it feeds one.
    pub fn field_of(&self, index: usize) -> Option<Field> {
        match self.columns.get(index) {
            Some((_, ColumnUse::Mapped(Target::Field(field)))) => Some(*field),
            _ => None,
        }
    }

    /// Where the event's form asks for `field` and no column gives it: a column titled as one
    /// of its aliases taken only where asked ([`Taken::WhereAsked`]: `Company` for `org`,
    /// `Country/Region` for `country`) does. (Not otherwise: a row with more than names cannot
    /// go in a batch, which carries only email and names.)
    pub fn claim_asked(&mut self, field: Field) {
        if self.extra.iter().any(|(given, _)| *given == field) {
            return;
        }
        let Some(index) = self.columns.iter().position(|(header, use_)| {
            *use_ == ColumnUse::Unknown
                && target_for_header(&normalize_name(header))
                    == Some((Target::Field(field), Taken::WhereAsked))
        }) else {
            return;
        };
        self.columns[index].1 = ColumnUse::Mapped(Target::Field(field));
        self.extra.push((field, index));
        self.extra.sort_by_key(|(field, _)| *field as usize);
    }

    /// The field an unused column looks like, if it is titled as one of a field's aliases
    /// taken only where asked: for "--map FIELD=COLUMN to send it".
    pub fn looks_like(&self, header: &str) -> Option<Field> {
        match target_for_header(&normalize_name(header)) {
            Some((Target::Field(field), Taken::WhereAsked)) => Some(field),
            _ => None,
        }
    }

    /// The columns whose cells zimport does not send (their index and title), carried to the
    /// end of each results line: unknown ones, and recognised ones another column supplies.
    pub fn carried(&self) -> Vec<(usize, String)> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, (_, use_))| matches!(use_, ColumnUse::Unknown | ColumnUse::Unused(_)))
            .map(|(index, (title, _))| (index, title.clone()))
            .collect()
    }

    pub fn claim_custom_question(&mut self, title: &str) -> Option<usize> {
        let wanted = title.trim().to_lowercase();
        let loose = normalize_name(title);
        let index = self
            .columns
            .iter()
            .position(|(h, u)| !matches!(u, ColumnUse::Mapped(_)) && h.to_lowercase() == wanted)
            .or_else(|| {
                self.columns.iter().position(|(h, u)| {
                    !matches!(u, ColumnUse::Mapped(_)) && normalize_name(h) == loose
                })
            })?;
        self.columns[index].1 = ColumnUse::CustomQuestion(title.to_string());
        Some(index)
    }
}

#[cfg(test)]
mod tests;
