//! Which header titles mean which field: the one table of aliases (English exports' titles and
//! localised ones), how each is taken, and the localised name pairs a table cannot settle
//! alone.

use super::{normalize_name, ColumnUse, Field, Target};

/// How a header alias is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Always: the column feeds its target.
    Always,
    /// Only where the event's form asks for the field, or `--map` names the column: a row with
    /// more than names cannot go in a batch, about ten times slower.
    WhereAsked,
}

/// Every header title zimport knows besides Zoom's own field names, in normalized form (see
/// [`normalize_name`]), with its target and how it is taken: English exports' titles (Google
/// Forms, Eventbrite, Mailchimp, HubSpot, Excel), then German, French, Spanish, Italian,
/// Portuguese and Dutch ones. Traps: German `Name` beside `Vorname`, French `Nom` beside
/// `Prénom` and Dutch `Naam` beside `Voornaam` are the last name; Italian and Portuguese
/// `Nome` is the first name beside a last-name column, and alone a full name
/// ([`super::ColumnMap::resolve`] settles those).
pub(super) const ALIASES: &[(&str, Target, Taken)] = {
    use Field::*;
    use Taken::*;
    const E: Target = Target::Field(Email);
    const F: Target = Target::Field(FirstName);
    const L: Target = Target::Field(LastName);
    const N: Target = Target::FullName;
    &[
        // Email.
        ("emailaddress", E, Always),
        ("mail", E, Always),
        ("emailadresse", E, Always),
        ("courriel", E, Always),
        ("adresseemail", E, Always),
        ("adressemail", E, Always),
        ("adresseélectronique", E, Always),
        ("correo", E, Always),
        ("correoelectrónico", E, Always),
        ("correoelectronico", E, Always),
        ("indirizzoemail", E, Always),
        ("postaelettronica", E, Always),
        ("endereçodeemail", E, Always),
        ("enderecodeemail", E, Always),
        ("emailadres", E, Always),
        // First name.
        ("givenname", F, Always),
        ("forename", F, Always),
        ("vorname", F, Always),
        ("prénom", F, Always),
        ("prenom", F, Always),
        ("nombre", F, Always),
        ("primeironome", F, Always),
        ("voornaam", F, Always),
        // Last name.
        ("surname", L, Always),
        ("familyname", L, Always),
        ("nachname", L, Always),
        ("familienname", L, Always),
        ("nomdefamille", L, Always),
        ("apellido", L, Always),
        ("apellidos", L, Always),
        ("cognome", L, Always),
        ("sobrenome", L, Always),
        ("apelido", L, Always),
        ("achternaam", L, Always),
        // A full name.
        ("name", N, Always),
        ("fullname", N, Always),
        ("nom", N, Always),
        ("nomcomplet", N, Always),
        ("nombrecompleto", N, Always),
        ("nome", N, Always),
        ("nomecompleto", N, Always),
        ("naam", N, Always),
        ("volledigenaam", N, Always),
        ("vollständigername", N, Always),
        // Organization.
        ("company", Target::Field(Org), WhereAsked),
        ("companyname", Target::Field(Org), WhereAsked),
        ("organization", Target::Field(Org), WhereAsked),
        ("organisation", Target::Field(Org), WhereAsked),
        ("organizationname", Target::Field(Org), WhereAsked),
        ("firma", Target::Field(Org), WhereAsked),
        ("firmenname", Target::Field(Org), WhereAsked),
        ("unternehmen", Target::Field(Org), WhereAsked),
        ("entreprise", Target::Field(Org), WhereAsked),
        ("société", Target::Field(Org), WhereAsked),
        ("societe", Target::Field(Org), WhereAsked),
        ("empresa", Target::Field(Org), WhereAsked),
        ("compañía", Target::Field(Org), WhereAsked),
        ("azienda", Target::Field(Org), WhereAsked),
        ("società", Target::Field(Org), WhereAsked),
        ("organização", Target::Field(Org), WhereAsked),
        ("bedrijf", Target::Field(Org), WhereAsked),
        ("bedrijfsnaam", Target::Field(Org), WhereAsked),
        // Country.
        ("country/region", Target::Field(Country), WhereAsked),
        ("countryregion", Target::Field(Country), WhereAsked),
        ("land", Target::Field(Country), WhereAsked),
        ("pays", Target::Field(Country), WhereAsked),
        ("país", Target::Field(Country), WhereAsked),
        ("pais", Target::Field(Country), WhereAsked),
        ("paese", Target::Field(Country), WhereAsked),
        // City.
        ("town", Target::Field(City), WhereAsked),
        ("ort", Target::Field(City), WhereAsked),
        ("stadt", Target::Field(City), WhereAsked),
        ("ville", Target::Field(City), WhereAsked),
        ("ciudad", Target::Field(City), WhereAsked),
        ("città", Target::Field(City), WhereAsked),
        ("cidade", Target::Field(City), WhereAsked),
        ("stad", Target::Field(City), WhereAsked),
        ("plaats", Target::Field(City), WhereAsked),
        ("woonplaats", Target::Field(City), WhereAsked),
        // Postcode.
        ("postalcode", Target::Field(Zip), WhereAsked),
        ("zipcode", Target::Field(Zip), WhereAsked),
        ("postcode", Target::Field(Zip), WhereAsked),
        ("zip/postalcode", Target::Field(Zip), WhereAsked),
        ("plz", Target::Field(Zip), WhereAsked),
        ("postleitzahl", Target::Field(Zip), WhereAsked),
        ("codepostal", Target::Field(Zip), WhereAsked),
        ("códigopostal", Target::Field(Zip), WhereAsked),
        ("codigopostal", Target::Field(Zip), WhereAsked),
        ("cap", Target::Field(Zip), WhereAsked),
        ("cep", Target::Field(Zip), WhereAsked),
        // Phone.
        ("phonenumber", Target::Field(Phone), WhereAsked),
        ("mobile", Target::Field(Phone), WhereAsked),
        ("mobilephone", Target::Field(Phone), WhereAsked),
        ("telephone", Target::Field(Phone), WhereAsked),
        ("telefon", Target::Field(Phone), WhereAsked),
        ("telefonnummer", Target::Field(Phone), WhereAsked),
        ("téléphone", Target::Field(Phone), WhereAsked),
        ("teléfono", Target::Field(Phone), WhereAsked),
        ("telefono", Target::Field(Phone), WhereAsked),
        ("telefone", Target::Field(Phone), WhereAsked),
        ("telefoon", Target::Field(Phone), WhereAsked),
        ("telefoonnummer", Target::Field(Phone), WhereAsked),
    ]
};

/// A header's target (in normalized form, see [`normalize_name`]) and how it is taken: a
/// known title (`ALIASES`), else a Zoom field's API name (always taken).
pub fn target_for_header(normalized: &str) -> Option<(Target, Taken)> {
    if let Some(&(_, target, taken)) = ALIASES.iter().find(|(alias, _, _)| *alias == normalized) {
        return Some((target, taken));
    }
    if normalized == "email" {
        return Some((Target::Field(Field::Email), Taken::Always));
    }
    Field::ALL
        .into_iter()
        .find(|field| normalize_name(field.api_name()) == normalized)
        .map(|field| (Target::Field(field), Taken::Always))
}

/// The field a `--map` target names by one of its aliases, for "did you mean" (`company` →
/// `org`).
pub fn field_alias(name: &str) -> Option<Target> {
    let normalized = normalize_name(name);
    ALIASES
        .iter()
        .find(|(alias, _, _)| *alias == normalized)
        .map(|&(_, target, _)| target)
}

/// Full-name titles that, beside a localised first-name column and no last-name column, are
/// the last name (German `Vorname` + `Name`, French `Prénom` + `Nom`, Dutch `Voornaam` +
/// `Naam`).
pub(super) const LAST_NAME_BESIDE: [(&str, &[&str]); 3] = [
    ("name", &["vorname"]),
    ("nom", &["prénom", "prenom"]),
    ("naam", &["voornaam"]),
];

/// The localised pairs a table cannot settle alone: a full-name title beside a localised
/// first-name column (and no last-name one) is the last name; Italian and Portuguese `Nome`
/// beside a last-name column (and no first-name one) is the first name. Columns `--map` named
/// are left as they are.
pub(super) fn settle_localised_names(
    headers: &[String],
    uses: &mut [Option<Target>],
    columns: &mut [(String, ColumnUse)],
    explicit: &[Target],
) {
    let normalized: Vec<String> = headers.iter().map(|h| normalize_name(h)).collect();
    let has = |target: Target| uses.contains(&Some(target));
    let first = Target::Field(Field::FirstName);
    let last = Target::Field(Field::LastName);
    let Some(full) = uses.iter().position(|u| *u == Some(Target::FullName)) else {
        return;
    };
    if explicit.contains(&Target::FullName) {
        return;
    }
    let to = if has(first) && !has(last) {
        let first_title = uses
            .iter()
            .position(|u| *u == Some(first))
            .map(|i| normalized[i].as_str());
        LAST_NAME_BESIDE
            .iter()
            .any(|(name, firsts)| {
                normalized[full] == *name && first_title.is_some_and(|t| firsts.contains(&t))
            })
            .then_some(last)
    } else if has(last) && !has(first) && normalized[full] == "nome" {
        Some(first)
    } else {
        None
    };
    if let Some(target) = to {
        uses[full] = Some(target);
        columns[full].1 = ColumnUse::Mapped(target);
    }
}
