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
    use Taken::{Always, WhereAsked};
    let cases: &[(&str, Target, Taken)] = &[
        ("email", Target::Field(Field::Email), Always),
        ("E-mail", Target::Field(Field::Email), Always),
        ("Email Address", Target::Field(Field::Email), Always),
        ("email_address", Target::Field(Field::Email), Always),
        ("MAIL", Target::Field(Field::Email), Always),
        ("\u{feff}Email", Target::Field(Field::Email), Always),
        ("E-Mail-Adresse", Target::Field(Field::Email), Always),
        ("Courriel", Target::Field(Field::Email), Always),
        ("Adresse e-mail", Target::Field(Field::Email), Always),
        ("Correo electrónico", Target::Field(Field::Email), Always),
        ("Indirizzo email", Target::Field(Field::Email), Always),
        ("Endereço de e-mail", Target::Field(Field::Email), Always),
        ("E-mailadres", Target::Field(Field::Email), Always),
        ("first_name", Target::Field(Field::FirstName), Always),
        ("First Name", Target::Field(Field::FirstName), Always),
        ("Given Name", Target::Field(Field::FirstName), Always),
        ("Vorname", Target::Field(Field::FirstName), Always),
        ("Prénom", Target::Field(Field::FirstName), Always),
        ("Nombre", Target::Field(Field::FirstName), Always),
        ("Primeiro nome", Target::Field(Field::FirstName), Always),
        ("Voornaam", Target::Field(Field::FirstName), Always),
        ("Last Name", Target::Field(Field::LastName), Always),
        ("Surname", Target::Field(Field::LastName), Always),
        ("family-name", Target::Field(Field::LastName), Always),
        ("Nachname", Target::Field(Field::LastName), Always),
        ("Nom de famille", Target::Field(Field::LastName), Always),
        ("Apellidos", Target::Field(Field::LastName), Always),
        ("Cognome", Target::Field(Field::LastName), Always),
        ("Sobrenome", Target::Field(Field::LastName), Always),
        ("Achternaam", Target::Field(Field::LastName), Always),
        ("Name", Target::FullName, Always),
        ("Full Name", Target::FullName, Always),
        ("Nom", Target::FullName, Always),
        ("Nome", Target::FullName, Always),
        ("Naam", Target::FullName, Always),
        ("Nombre completo", Target::FullName, Always),
        ("Company", Target::Field(Field::Org), WhereAsked),
        ("Company Name", Target::Field(Field::Org), WhereAsked),
        ("Organisation", Target::Field(Field::Org), WhereAsked),
        ("Firma", Target::Field(Field::Org), WhereAsked),
        ("Entreprise", Target::Field(Field::Org), WhereAsked),
        ("Empresa", Target::Field(Field::Org), WhereAsked),
        ("Azienda", Target::Field(Field::Org), WhereAsked),
        ("Bedrijf", Target::Field(Field::Org), WhereAsked),
        ("Country/Region", Target::Field(Field::Country), WhereAsked),
        ("Land", Target::Field(Field::Country), WhereAsked),
        ("Pays", Target::Field(Field::Country), WhereAsked),
        ("País", Target::Field(Field::Country), WhereAsked),
        ("Paese", Target::Field(Field::Country), WhereAsked),
        ("Town", Target::Field(Field::City), WhereAsked),
        ("Ort", Target::Field(Field::City), WhereAsked),
        ("Ville", Target::Field(Field::City), WhereAsked),
        ("Ciudad", Target::Field(Field::City), WhereAsked),
        ("Città", Target::Field(Field::City), WhereAsked),
        ("Cidade", Target::Field(Field::City), WhereAsked),
        ("Woonplaats", Target::Field(Field::City), WhereAsked),
        ("Postal Code", Target::Field(Field::Zip), WhereAsked),
        ("Zip Code", Target::Field(Field::Zip), WhereAsked),
        ("Zip/Postal Code", Target::Field(Field::Zip), WhereAsked),
        ("PLZ", Target::Field(Field::Zip), WhereAsked),
        ("Code postal", Target::Field(Field::Zip), WhereAsked),
        ("Código postal", Target::Field(Field::Zip), WhereAsked),
        ("CAP", Target::Field(Field::Zip), WhereAsked),
        ("Postcode", Target::Field(Field::Zip), WhereAsked),
        ("Phone Number", Target::Field(Field::Phone), WhereAsked),
        ("Mobile", Target::Field(Field::Phone), WhereAsked),
        ("Telefon", Target::Field(Field::Phone), WhereAsked),
        ("Téléphone", Target::Field(Field::Phone), WhereAsked),
        ("Teléfono", Target::Field(Field::Phone), WhereAsked),
        ("Telefone", Target::Field(Field::Phone), WhereAsked),
        ("Telefoonnummer", Target::Field(Field::Phone), WhereAsked),
    ];
    for (header, target, taken) in cases {
        assert_eq!(
            target_for_header(&normalize_name(header)),
            Some((*target, *taken)),
            "{header}"
        );
    }
    // Every alias of the table is reached as the table says: none is shadowed by another.
    for &(alias, target, taken) in ALIASES {
        assert_eq!(target_for_header(alias), Some((target, taken)), "{alias}");
        assert_eq!(
            normalize_name(alias),
            alias,
            "{alias} is in normalized form"
        );
    }
    for field in Field::ALL {
        let spaced = field.api_name().replace('_', " ").to_uppercase();
        assert_eq!(
            target_for_header(&normalize_name(&spaced)),
            Some((Target::Field(field), Always)),
            "{spaced}"
        );
    }
    assert_eq!(target_for_header(&normalize_name("Notes")), None);
}

#[test]
fn localised_name_pairs_are_read_as_their_language_means_them() {
    let names = |titles: &[&str], cells: &[&str]| {
        let map = ColumnMap::resolve(&headers(titles), &[], false).expect("usable");
        let record = Record::of(cells);
        let raw = map.raw_registrant(record.cells());
        (raw.first_name.to_string(), raw.last_name.to_string())
    };
    let ana = ("Ana".to_string(), "Lima".to_string());
    assert_eq!(
        names(&["E-Mail", "Vorname", "Name"], &["a@x.com", "Ana", "Lima"]),
        ana
    );
    assert_eq!(
        names(&["Courriel", "Prénom", "Nom"], &["a@x.com", "Ana", "Lima"]),
        ana
    );
    assert_eq!(
        names(&["Email", "Voornaam", "Naam"], &["a@x.com", "Ana", "Lima"]),
        ana
    );
    assert_eq!(
        names(&["Email", "Nome", "Cognome"], &["a@x.com", "Ana", "Lima"]),
        ana
    );
    assert_eq!(
        names(&["Email", "Nome", "Sobrenome"], &["a@x.com", "Ana", "Lima"]),
        ana
    );
    // Alone, a name column is a full name, in any language.
    assert_eq!(names(&["Email", "Nome"], &["a@x.com", "Ana Lima"]), ana);
    assert_eq!(names(&["Email", "Name"], &["a@x.com", "Ana Lima"]), ana);
    // English "Name" beside "First Name" stays unused: it is the full name there.
    let map =
        ColumnMap::resolve(&headers(&["Name", "First Name", "Email"]), &[], false).expect("usable");
    assert!(matches!(target_of(&map, "Name"), ColumnUse::Unused(_)));
}

#[test]
fn an_alias_taken_where_asked_is_sent_only_once_the_form_asks_for_its_field() {
    let mut map = ColumnMap::resolve(
        &headers(&["Email", "First Name", "Country/Region", "Phone Number"]),
        &[],
        false,
    )
    .expect("usable");
    assert_eq!(target_of(&map, "Country/Region"), ColumnUse::Unknown);
    assert_eq!(map.looks_like("Country/Region"), Some(Field::Country));
    map.claim_asked(Field::Country);
    assert_eq!(
        target_of(&map, "Country/Region"),
        ColumnUse::Mapped(Target::Field(Field::Country))
    );
    assert_eq!(target_of(&map, "Phone Number"), ColumnUse::Unknown);
    let record = Record::of(&["a@x.com", "Ana", "Germany", "+49 1"]);
    let raw = map.raw_registrant(record.cells());
    assert_eq!(
        raw.extra.iter().collect::<Vec<_>>(),
        [(Field::Country, "Germany")]
    );
}

#[test]
fn map_with_nothing_after_the_equals_sign_turns_a_fields_mapping_off() {
    let off = [(Target::Field(Field::Country), String::new())];
    let map =
        ColumnMap::resolve(&headers(&["Email", "Name", "Country"]), &off, false).expect("usable");
    assert!(
        matches!(target_of(&map, "Country"), ColumnUse::Unused(why) if why.contains("--map country="))
    );
    let record = Record::of(&["a@x.com", "Ana Lima", "Atlantis"]);
    assert_eq!(map.raw_registrant(record.cells()).extra.iter().count(), 0);
    // A later --map for the field gives it a column again.
    let again = [
        (Target::Field(Field::Country), String::new()),
        (Target::Field(Field::Country), "Country".to_string()),
    ];
    let map =
        ColumnMap::resolve(&headers(&["Email", "Name", "Country"]), &again, false).expect("usable");
    assert_eq!(
        target_of(&map, "Country"),
        ColumnUse::Mapped(Target::Field(Field::Country))
    );
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
