use super::email::{email_syntax_problem, plainly_valid};
use super::fields::{plainly_fine_name, upper_case_pair};
use super::*;

fn raw<'a>(email: &'a str, first: &'a str, last: &'a str) -> RawRegistrant<'a> {
    RawRegistrant {
        email,
        first_name: first,
        last_name: last,
        extra: RawExtras::default(),
        names_optional: false,
        name_split: false,
    }
}

fn messages(result: Result<Registrant, Vec<Problem>>) -> Vec<String> {
    result
        .expect_err("row should be invalid")
        .into_iter()
        .map(|p| p.message)
        .collect()
}

#[test]
fn accepts_ordinary_addresses_and_trims_them() {
    for email in [
        "ana@example.com",
        " Bob.Smith+events@sub.example.co.uk ",
        "o'brien@example.ie",
        "jürgen@müller.de",
        "x@xn--bcher-kva.example",
    ] {
        let parsed = Email::parse(email).expect(email);
        assert_eq!(parsed.as_str(), email.trim());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

    /// The quick yes never says yes where the full check says no.
    #[test]
    fn a_plainly_valid_address_is_valid(email in proptest::prop_oneof![
        "[a-c0-9.+_'\\-]{1,6}@([a-c0-9\\-]{1,4}\\.){1,3}([a-cA-C]{1,3}|xn--[a-c0-9]{0,3})",
        "[a-cA-C0-9.+'\\-_@\"é]{0,10}@([a-c0-9\\-é]{0,5}\\.){0,3}(xn--|XN--)?[a-cA-C0-9\\-]{0,4}",
        "[a-c .@\\-\\\\\\[\\],;:<>()é\t]{0,20}",
    ]) {
        if plainly_valid(email.as_bytes()) {
            proptest::prop_assert_eq!(email_syntax_problem(&email), None);
            proptest::prop_assert!(!email.is_empty() && email.chars().count() <= MAX_EMAIL_CHARS);
            proptest::prop_assert_eq!(trim(&email), email.as_str());
        }
    }
}

proptest::proptest! {
    /// A name fine at a glance has no problem when looked at closely.
    #[test]
    fn a_plainly_fine_name_is_fine(name in "[a-c \t\u{0}-\u{1f}\u{7f}-\u{a0}é\u{85}]{0,70}") {
        if plainly_fine_name(&name) {
            proptest::prop_assert!(name.chars().count() <= MAX_NAME_CHARS);
            proptest::prop_assert!(!name.chars().any(char::is_control));
        }
    }
}

#[test]
fn plain_addresses_take_the_quick_yes() {
    for email in [
        "ana@example.com",
        "o'brien+x@sub.example.co.uk",
        "x@xn--bcher-kva.example",
        "a@b-c.de",
    ] {
        assert!(plainly_valid(email.as_bytes()), "{email}");
    }
    for email in [
        "ana@example",
        "ana@-x.com",
        "a..b@x.com",
        "jürgen@müller.de",
        "a@x.c0m",
        "a@x.c",
    ] {
        assert!(!plainly_valid(email.as_bytes()), "{email}");
    }
}

#[test]
fn checked_optional_fields_are_trimmed_in_zooms_form_and_in_order() {
    let text = "x@y.com, de ,Cork,  ";
    let ranges = [0..7, 8..12, 13..17, 18..20];
    let columns = [(Field::City, 2), (Field::Country, 1), (Field::Language, 3)];
    let mut row = raw("a@example.com", "Ana", "");
    row.extra = RawExtras::Cells {
        columns: &columns,
        cells: Cells::new(text, &ranges),
    };
    let checked = row.check().expect("valid");
    let given: Vec<_> = checked.extra.iter().collect();
    assert_eq!(given, [(Field::City, "Cork"), (Field::Country, "DE")]);
    assert_eq!(checked.extra.get(Field::Country), "DE");
    assert_eq!(checked.extra.get(Field::Language), "");
    assert!(!checked.fits_batch());
    // Email and names are not optional fields, whatever a list says.
    row.extra = RawExtras::Listed(&[(Field::Email, "b@example.com"), (Field::Zip, "T12")]);
    let given: Vec<_> = row.check().expect("valid").extra.iter().collect();
    assert_eq!(given, [(Field::Zip, "T12")]);
    assert_eq!(
        (upper_case_pair(b'd', b'e'), upper_case_pair(b'z', b'Z')),
        ("DE", "ZZ")
    );
}

#[test]
fn trim_is_str_trim() {
    for text in [
        "",
        " ",
        "a",
        " a",
        "a ",
        "\u{a0}a",
        "a\u{2003}",
        "é",
        " é ",
        "\ta\n",
    ] {
        assert_eq!(trim(text), text.trim(), "{text:?}");
    }
}

#[test]
fn rejects_implausible_addresses_with_a_reason() {
    for (email, why) in [
        ("", "email is missing"),
        ("   ", "email is missing"),
        ("bob", "no '@'"),
        ("bob@example", "the domain has no '.'"),
        ("@example.com", "nothing before the '@'"),
        ("bob@", "nothing after the '@'"),
        ("a@b@example.com", "more than one '@'"),
        ("bob smith@example.com", "space"),
        ("a@x.com; b@y.com", "space"),
        ("a@x.com;b@y.com", "more than one '@'"),
        ("a;b@y.com", "it contains ';'"),
        ("<a@x.com", "it contains '<'"),
        ("bob@example.com.", "misplaced '.' in the domain"),
        ("bob..x@example.com", "misplaced '.' before"),
        ("bob@exa_mple.com", "not allowed there"),
        ("bob@example.c", "top-level domain"),
        ("bob@-example.com", "malformed"),
    ] {
        let err = Email::parse(email).expect_err(email);
        assert!(
            err.contains(why),
            "{email:?}: {err:?} should mention {why:?}"
        );
    }
}

#[test]
fn addresses_as_mail_programs_paste_them_are_the_address_in_them() {
    for (pasted, address) in [
        ("mailto:ann@x.com", "ann@x.com"),
        ("MAILTO:ann@x.com", "ann@x.com"),
        ("Ann Lee <ann@x.com>", "ann@x.com"),
        ("\"Lee, Ann\" <ann@x.com>", "ann@x.com"),
        ("<ann@x.com>", "ann@x.com"),
        ("<mailto:ann@x.com>", "ann@x.com"),
        ("ann@x.com;", "ann@x.com"),
        ("ann@x.com, ", "ann@x.com"),
        ("\u{200b}ann@x.com\u{200b}", "ann@x.com"),
        ("\u{feff}ann@x.com", "ann@x.com"),
    ] {
        assert_eq!(
            Email::check_cleaned(pasted),
            Ok((address, true)),
            "{pasted:?}"
        );
    }
    assert_eq!(Email::check_cleaned("ann@x.com"), Ok(("ann@x.com", false)));
    // Non-breaking spaces around it are trimmed, as any space is.
    assert_eq!(
        Email::check_cleaned("\u{a0}ann@x.com\u{a0}"),
        Ok(("ann@x.com", false))
    );
    // Two addresses, or a wrapper with nothing valid inside, are still not one address.
    for bad in ["a@x.com; b@y.com", "Ann <>", "mailto:", "<ann@x>"] {
        assert!(Email::check_cleaned(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn email_longer_than_128_characters_is_rejected() {
    let email = format!("{}@{}.{}", "a".repeat(60), "b".repeat(60), "c".repeat(7));
    assert_eq!(email.chars().count(), 129);
    let err = Email::parse(&email).expect_err("too long");
    assert!(
        err.contains("129 characters long; Zoom accepts at most 128"),
        "{err}"
    );
    assert!(Email::parse(&email[1..]).is_ok(), "128 characters is fine");
}

#[test]
fn email_key_ignores_case() {
    let a = Email::parse("Ana@Example.COM").expect("valid");
    let b = Email::parse("ana@example.com").expect("valid");
    assert_eq!(a.key(), b.key());
    let c = Email::parse("ÄNA@example.com").expect("valid");
    assert_eq!(c.key(), "äna@example.com");
    // One address in two Unicode forms (é as one character, or e and an accent) is one.
    let composed = Email::parse("jos\u{e9}@example.com").expect("valid");
    let decomposed = Email::parse("jose\u{301}@example.com").expect("valid");
    assert_eq!(composed.key(), decomposed.key());
    assert_eq!(
        email_key("JOSE\u{301}@EXAMPLE.COM"),
        "jos\u{e9}@example.com"
    );
}

#[test]
fn first_name_is_required_and_names_are_limited_to_64_characters() {
    assert_eq!(
        messages(raw("a@example.com", "  ", "").validate()),
        ["first_name is missing"]
    );
    let long = "é".repeat(65);
    assert_eq!(
        messages(raw("a@example.com", &long, &long).validate()),
        [
            "first_name is 65 characters long; Zoom accepts at most 64",
            "last_name is 65 characters long; Zoom accepts at most 64"
        ]
    );
    assert!(raw("a@example.com", &"é".repeat(64), "").validate().is_ok());
}

#[test]
fn names_with_line_breaks_are_rejected() {
    let problems = messages(raw("a@example.com", "Ana\nMaria", "").validate());
    assert_eq!(
        problems,
        ["first_name contains a control character (a line break?)"]
    );
}

#[test]
fn all_problems_of_a_row_are_reported_together() {
    let problems = raw("nope", "", "").validate().expect_err("invalid");
    let fields: Vec<Option<Field>> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, [Some(Field::Email), Some(Field::FirstName)]);
}

#[test]
fn valid_row_becomes_a_trimmed_registrant() {
    let registrant = raw(" ana@example.com ", " Ana ", " López ")
        .validate()
        .expect("valid");
    assert_eq!(registrant.email.as_str(), "ana@example.com");
    assert_eq!(registrant.first_name, "Ana");
    assert_eq!(registrant.last_name, "López");
    assert!(registrant.fits_batch());
}

#[test]
fn enum_fields_take_exactly_zooms_values() {
    for field in [
        Field::NoOfEmployees,
        Field::PurchasingTimeFrame,
        Field::RoleInPurchaseProcess,
        Field::Language,
    ] {
        for value in field.allowed_values().expect("enum field") {
            let mut row = raw("a@example.com", "Ana", "");
            let listed = [(field, *value)];
            row.extra = RawExtras::Listed(&listed);
            let registrant = row.validate().expect(value);
            assert_eq!(registrant.extra, [(field, value.to_string())]);
            assert!(!registrant.fits_batch());
        }
    }
}

#[test]
fn enum_value_in_the_wrong_case_is_invalid_with_a_suggestion() {
    let mut row = raw("a@example.com", "Ana", "");
    row.extra = RawExtras::Listed(&[(Field::RoleInPurchaseProcess, "decision maker")]);
    let problems = messages(row.validate());
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with(
        "role_in_purchase_process 'decision maker' is not one of Zoom's values (Decision Maker, "
    ));
    assert!(problems[0].ends_with("did you mean 'Decision Maker'?"));
}

#[test]
fn unknown_enum_value_lists_the_allowed_ones() {
    let mut row = raw("a@example.com", "Ana", "");
    row.extra = RawExtras::Listed(&[(Field::NoOfEmployees, "lots")]);
    let problems = messages(row.validate());
    assert!(problems[0].contains("no_of_employees 'lots' is not one of Zoom's values (1-20, 21-50"));
}

#[test]
fn country_is_a_two_letter_code_in_upper_case_or_a_name_that_has_one() {
    for (given, sent) in [
        ("de", "DE"),
        ("DE", "DE"),
        ("uk", "GB"),
        ("Germany", "DE"),
        ("United States", "US"),
        ("Côte d'Ivoire", "CI"),
    ] {
        let mut row = raw("a@example.com", "Ana", "");
        let listed = [(Field::Country, given)];
        row.extra = RawExtras::Listed(&listed);
        assert_eq!(
            row.validate().expect("valid").extra,
            [(Field::Country, sent.to_string())],
            "{given}"
        );
    }
    // A country zimport cannot place is left out, and said; the row stays valid.
    for (unplaced, said) in [
        ("D", "is neither a country name"),
        ("D1", "is neither a country name"),
        ("ÜÜ", "is neither a country name"),
        ("Deutschland", "is neither a country name"),
        ("Korea", "could be more than one country"),
    ] {
        let mut row = raw("a@example.com", "Ana", "");
        let listed = [(Field::Country, unplaced)];
        row.extra = RawExtras::Listed(&listed);
        let checked = row.check().expect("valid");
        assert!(checked.extra.is_empty(), "{unplaced}: not sent");
        assert_eq!(checked.adjusted().countries_left_out, 1);
        let why = checked.country_problem().expect("said");
        assert!(why.contains(said), "{unplaced}: {why}");
    }
    let mut row = raw("a@example.com", "Ana", "");
    row.extra = RawExtras::Listed(&[(Field::Country, "Germany")]);
    assert_eq!(row.check().expect("valid").adjusted().countries_coded, 1);
}

#[test]
fn empty_optional_fields_are_left_out() {
    let mut row = raw("a@example.com", "Ana", "");
    row.extra = RawExtras::Listed(&[(Field::City, "  "), (Field::Language, "")]);
    assert!(row.validate().expect("valid").fits_batch());
}

#[test]
fn full_name_is_split_at_the_last_space() {
    let mut row = RawRegistrant::default();
    row.set_full_name("  Ana María López ");
    assert_eq!((row.first_name, row.last_name), ("Ana María", "López"));
    row.set_full_name("Cher");
    assert_eq!((row.first_name, row.last_name), ("Cher", ""));
}

#[test]
fn field_names_are_matched_loosely() {
    assert_eq!(Field::from_name("Job Title"), Some(Field::JobTitle));
    assert_eq!(
        Field::from_name("no-of-employees"),
        Some(Field::NoOfEmployees)
    );
    assert_eq!(Field::from_name("FIRST_NAME"), Some(Field::FirstName));
    assert_eq!(Field::from_name("shoe size"), None);
    assert_eq!(normalize_name("\u{feff}E-Mail Address"), "emailaddress");
}

#[test]
fn a_status_change_takes_a_row_without_names() {
    let mut row = raw("ana@example.com", "", "");
    assert_eq!(messages(row.validate()), ["first_name is missing"]);
    row.names_optional = true;
    let person = row.validate().expect("an email is enough");
    assert_eq!(person.email.as_str(), "ana@example.com");
}
