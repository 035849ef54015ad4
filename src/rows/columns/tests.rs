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
    let map =
        ColumnMap::resolve(&headers(&["Name", "First Name", "Email"]), &[], false).expect("usable");
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
    let err = ColumnMap::resolve(&headers(&["Name", "Phone"]), &[], false).expect_err("no email");
    assert!(err
        .to_string()
        .starts_with("no email column (columns: Name, Phone)"));
    let err = ColumnMap::resolve(&headers(&["Email", "Phone"]), &[], false).expect_err("no name");
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

#[test]
fn a_map_onto_a_title_two_columns_share_names_both_instead_of_taking_one() {
    // An untitled fourth column is `column 4`, and so is the real third one.
    let err = ColumnMap::resolve(
        &headers(&["email", "first_name", "column 4", ""]),
        &[(Target::Field(Field::Comments), "column 4".to_string())],
        false,
    )
    .expect_err("two columns titled 'column 4'");
    assert_eq!(
        err.to_string(),
        "--map comments=column 4: columns 3 and 4 are both titled 'column 4'; give one another title in the file"
    );
    let err = ColumnMap::resolve(
        &headers(&["email", "first_name", "Notes", "notes "]),
        &[(Target::Field(Field::Comments), "NOTES".to_string())],
        false,
    )
    .expect_err("two columns titled 'notes' but for case");
    assert!(err.to_string().contains("columns 3 and 4"), "{err}");
    // One titled exactly so is no guess, whatever the others look like.
    let map = ColumnMap::resolve(
        &headers(&["email", "first_name", "Notes", "notes"]),
        &[(Target::Field(Field::Comments), "Notes".to_string())],
        false,
    )
    .expect("the exact title");
    assert_eq!(map.carried(), [(3, "notes".to_string())]);
}
