//! Which CSV column feeds which registrant field: header aliases, `--map` overrides, the
//! full-name fallback, and the columns that map to nothing (reported, never silently dropped).

use crate::registrant::{normalize_name, Cells, Field, RawExtras, RawRegistrant};

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

/// The spellings people use for each target, in normalized form (see [`normalize_name`]).
/// Every other Zoom field is recognised by its API name.
fn target_for_header(normalized: &str) -> Option<Target> {
    let target = match normalized {
        "email" | "emailaddress" | "mail" => Target::Field(Field::Email),
        "firstname" | "givenname" => Target::Field(Field::FirstName),
        "lastname" | "surname" | "familyname" => Target::Field(Field::LastName),
        "name" | "fullname" => Target::FullName,
        _ => {
            return Field::ALL
                .into_iter()
                .find(|field| normalize_name(field.api_name()) == normalized)
                .map(Target::Field)
        }
    };
    Some(target)
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

        for (target, column) in overrides {
            let index = headers
                .iter()
                .position(|h| h == column)
                .or_else(|| {
                    let wanted = normalize_name(column);
                    headers.iter().position(|h| normalize_name(h) == wanted)
                })
                .ok_or_else(|| HeaderError::MapColumnMissing {
                    target: match target {
                        Target::Field(field) => field.api_name().to_string(),
                        Target::FullName => "full_name".to_string(),
                    },
                    column: column.clone(),
                    columns: list(),
                })?;
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
                    None => ColumnUse::Unknown,
                    Some(target) if explicit.contains(&target) => {
                        ColumnUse::Unused(format!("--map gives {} another column", target.name()))
                    }
                    Some(target) => {
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

    /// Where the event's form asks for the organization and no column gives `org`: a
    /// `Company` or `Organization` column does. (Not otherwise: a row with `org` cannot go in
    /// a batch, which carries only email and names.)
    pub fn claim_organization(&mut self) {
        if self.extra.iter().any(|(field, _)| *field == Field::Org) {
            return;
        }
        let Some(index) = self.columns.iter().position(|(header, use_)| {
            *use_ == ColumnUse::Unknown
                && matches!(
                    normalize_name(header).as_str(),
                    "company" | "companyname" | "organization" | "organisation"
                )
        }) else {
            return;
        };
        self.columns[index].1 = ColumnUse::Mapped(Target::Field(Field::Org));
        self.extra.push((Field::Org, index));
        self.extra.sort_by_key(|(field, _)| *field as usize);
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
mod tests {
    use super::*;

    /// A record's text and its cells' ranges, from the cells.
    struct Record(String, Vec<std::ops::Range<usize>>);

    impl Record {
        fn of(cells: &[&str]) -> Record {
            let mut record = Record(String::new(), Vec::new());
            for cell in cells {
                let start = record.0.len();
                record.0.push_str(cell);
                record.1.push(start..record.0.len());
            }
            record
        }

        fn cells(&self) -> Cells<'_> {
            Cells::new(&self.0, &self.1)
        }
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn target_of(map: &ColumnMap, header: &str) -> ColumnUse {
        map.columns
            .iter()
            .find(|(h, _)| h == header)
            .map(|(_, u)| u.clone())
            .expect("column exists")
    }

    #[test]
    fn every_alias_maps_to_its_field() {
        let cases: &[(&str, Target)] = &[
            ("email", Target::Field(Field::Email)),
            ("E-mail", Target::Field(Field::Email)),
            ("Email Address", Target::Field(Field::Email)),
            ("email_address", Target::Field(Field::Email)),
            ("MAIL", Target::Field(Field::Email)),
            ("\u{feff}Email", Target::Field(Field::Email)),
            ("first_name", Target::Field(Field::FirstName)),
            ("First Name", Target::Field(Field::FirstName)),
            ("firstname", Target::Field(Field::FirstName)),
            ("Given Name", Target::Field(Field::FirstName)),
            ("last_name", Target::Field(Field::LastName)),
            ("Last Name", Target::Field(Field::LastName)),
            ("LastName", Target::Field(Field::LastName)),
            ("Surname", Target::Field(Field::LastName)),
            ("family-name", Target::Field(Field::LastName)),
            ("Name", Target::FullName),
            ("Full Name", Target::FullName),
        ];
        for (header, target) in cases {
            assert_eq!(
                target_for_header(&normalize_name(header)),
                Some(*target),
                "{header}"
            );
        }
        for field in Field::ALL {
            let spaced = field.api_name().replace('_', " ").to_uppercase();
            assert_eq!(
                target_for_header(&normalize_name(&spaced)),
                Some(Target::Field(field)),
                "{spaced}"
            );
        }
        assert_eq!(target_for_header(&normalize_name("Company")), None);
    }

    #[test]
    fn maps_a_messy_header_and_reports_unknown_columns() {
        let map = ColumnMap::resolve(
            &headers(&[
                "\u{feff}E-Mail ",
                "First Name",
                "SURNAME",
                "Job Title",
                "Notes",
            ]),
            &[],
            false,
        )
        .expect("usable header");
        assert_eq!(
            target_of(&map, "E-Mail"),
            ColumnUse::Mapped(Target::Field(Field::Email))
        );
        assert_eq!(
            target_of(&map, "Job Title"),
            ColumnUse::Mapped(Target::Field(Field::JobTitle))
        );
        assert_eq!(target_of(&map, "Notes"), ColumnUse::Unknown);
        assert_eq!(map.unused().collect::<Vec<_>>(), ["Notes"]);

        let record = Record::of(&["ana@x.com", "Ana", "López", "CTO", "vip"]);
        let raw = map.raw_registrant(record.cells());
        assert_eq!(
            (raw.email, raw.first_name, raw.last_name),
            ("ana@x.com", "Ana", "López")
        );
        assert_eq!(
            raw.extra.iter().collect::<Vec<_>>(),
            [(Field::JobTitle, "CTO")]
        );
    }

    #[test]
    fn full_name_is_split_when_there_is_no_first_name_column() {
        let map = ColumnMap::resolve(&headers(&["Name", "Email"]), &[], false).expect("usable");
        let record = Record::of(&["Ana María López", "ana@x.com"]);
        let raw = map.raw_registrant(record.cells());
        assert_eq!((raw.first_name, raw.last_name), ("Ana María", "López"));
    }

    #[test]
    fn full_name_column_is_unused_when_first_name_exists() {
        let map = ColumnMap::resolve(&headers(&["Name", "First Name", "Email"]), &[], false)
            .expect("usable");
        assert!(matches!(target_of(&map, "Name"), ColumnUse::Unused(_)));
        let record = Record::of(&["Ana L", "Ana", "a@x.com"]);
        assert_eq!(map.raw_registrant(record.cells()).first_name, "Ana");
    }

    #[test]
    fn map_overrides_aliases_and_matches_columns_loosely() {
        let overrides = vec![
            (Target::Field(Field::Email), "Work Email".to_string()),
            (Target::Field(Field::FirstName), "vorname".to_string()),
            (Target::Field(Field::Org), "Company".to_string()),
        ];
        let map = ColumnMap::resolve(
            &headers(&["Email", "Work Email", "Vorname", "Company"]),
            &overrides,
            false,
        )
        .expect("usable");
        let record = Record::of(&["home@x.com", "work@x.com", "Jörg", "ACME"]);
        let raw = map.raw_registrant(record.cells());
        assert_eq!(raw.email, "work@x.com");
        assert_eq!(raw.first_name, "Jörg");
        assert_eq!(raw.extra.iter().collect::<Vec<_>>(), [(Field::Org, "ACME")]);
        assert!(matches!(target_of(&map, "Email"), ColumnUse::Unused(_)));
    }

    #[test]
    fn map_to_a_missing_column_names_the_flag_and_the_columns() {
        let err = ColumnMap::resolve(
            &headers(&["Email", "First"]),
            &[(Target::Field(Field::FirstName), "Vorname".to_string())],
            false,
        )
        .expect_err("missing column");
        assert_eq!(
            err.to_string(),
            "--map first_name=Vorname: the header has no column 'Vorname' (columns: Email, First)"
        );
    }

    #[test]
    fn a_column_without_a_title_is_titled_by_its_place_everywhere() {
        let map = ColumnMap::resolve(&headers(&["Email", "First Name", "Notes", " "]), &[], false)
            .expect("usable");
        assert_eq!(
            map.carried(),
            [(2, "Notes".to_string()), (3, "column 4".to_string())]
        );
        let mapped = ColumnMap::resolve(
            &headers(&["Email", "First Name", ""]),
            &[(Target::Field(Field::Comments), "column 3".to_string())],
            false,
        )
        .expect("--map takes it by that title");
        assert!(mapped.carried().is_empty());
    }

    #[test]
    fn missing_email_or_first_name_column_is_an_error() {
        let err =
            ColumnMap::resolve(&headers(&["Name", "Phone"]), &[], false).expect_err("no email");
        assert!(err
            .to_string()
            .starts_with("no email column (columns: Name, Phone)"));
        let err =
            ColumnMap::resolve(&headers(&["Email", "Phone"]), &[], false).expect_err("no name");
        assert!(err.to_string().starts_with("no first-name column"));
    }

    #[test]
    fn two_email_columns_are_ambiguous_until_mapped() {
        let err = ColumnMap::resolve(&headers(&["Email", "E-mail", "Name"]), &[], false)
            .expect_err("ambiguous");
        assert!(err.to_string().contains("--map email=COLUMN"), "{err}");
        let map = ColumnMap::resolve(
            &headers(&["Email", "E-mail", "Name"]),
            &[(Target::Field(Field::Email), "E-mail".to_string())],
            false,
        )
        .expect("settled by --map");
        let record = Record::of(&["a@x", "b@x.com", "B"]);
        assert_eq!(map.raw_registrant(record.cells()).email, "b@x.com");
    }
}
