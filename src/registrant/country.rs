//! Country names as exports write them ("United States", "Germany", "Côte d'Ivoire", "UK")
//! to the two-letter codes Zoom takes (ISO 3166-1 alpha-2), from the `celes` crate's names,
//! aliases and three-letter codes, compared without case, accents, punctuation, spaces or a
//! leading "the". A name that could be more than one country (`Korea`, `Congo`) is not
//! guessed.

use std::collections::HashMap;
use std::sync::OnceLock;

use celes::{Country, LookupTable};
use unicode_normalization::UnicodeNormalization;

/// What a country's name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coded {
    /// Zoom's two-letter code.
    Code(&'static str),
    /// Names more than one country.
    Ambiguous,
    Unknown,
}

/// Short forms exports use that `celes` does not list, and names that stand for two
/// countries (`None`).
const EXTRA: [(&str, Option<&str>); 8] = [
    ("uk", Some("GB")),
    ("us", Some("US")),
    ("korea", None),
    ("congo", None),
    ("holland", Some("NL")),
    ("burma", Some("MM")),
    ("swaziland", Some("SZ")),
    ("macedonia", Some("MK")),
];

/// The form names are compared in: accents off (NFD, marks dropped), lower case, letters and
/// digits only, without a leading "the".
fn normalized(name: &str) -> String {
    let plain: String = name
        .nfd()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match plain.strip_prefix("the") {
        Some(rest) if rest.len() > 2 => rest.to_string(),
        _ => plain,
    }
}

/// Every name zimport knows, normalized, with what it says.
fn index() -> &'static HashMap<String, Coded> {
    static INDEX: OnceLock<HashMap<String, Coded>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: HashMap<String, Coded> = HashMap::new();
        let mut add = |name: &str, code: &'static str| {
            let entry = index.entry(normalized(name)).or_insert(Coded::Code(code));
            if *entry != Coded::Code(code) {
                *entry = Coded::Ambiguous;
            }
        };
        for country in Country::get_countries() {
            add(country.long_name, country.alpha2);
            add(country.alpha3, country.alpha2);
            for alias in country.aliases.iter() {
                add(alias, country.alpha2);
            }
        }
        for (name, code) in EXTRA {
            index.insert(name.to_string(), code.map_or(Coded::Ambiguous, Coded::Code));
        }
        index
    })
}

/// What `name` (not a two-letter code) says.
pub fn code_of(name: &str) -> Coded {
    index()
        .get(&normalized(name))
        .copied()
        .unwrap_or(Coded::Unknown)
}

#[cfg(test)]
mod tests {
    use super::{code_of, Coded};

    #[test]
    fn names_as_exports_write_them_have_their_code() {
        for (name, code) in [
            ("United States", "US"),
            ("united states of america", "US"),
            ("USA", "US"),
            ("U.S.A.", "US"),
            ("U.S.", "US"),
            ("America", "US"),
            ("UK", "GB"),
            ("United Kingdom", "GB"),
            ("Great Britain", "GB"),
            ("England", "GB"),
            ("Germany", "DE"),
            ("GERMANY", "DE"),
            ("France", "FR"),
            ("South Korea", "KR"),
            ("Republic of Korea", "KR"),
            ("North Korea", "KP"),
            ("Russia", "RU"),
            ("Russian Federation", "RU"),
            ("Vietnam", "VN"),
            ("Czech Republic", "CZ"),
            ("Czechia", "CZ"),
            ("Turkey", "TR"),
            ("Türkiye", "TR"),
            ("Ivory Coast", "CI"),
            ("Côte d'Ivoire", "CI"),
            ("Cote d’Ivoire", "CI"),
            ("Taiwan", "TW"),
            ("Hong Kong", "HK"),
            ("Iran", "IR"),
            ("The Netherlands", "NL"),
            ("Netherlands", "NL"),
            ("Brazil", "BR"),
            ("México", "MX"),
            ("Democratic Republic of the Congo", "CD"),
            ("DEU", "DE"),
        ] {
            assert_eq!(code_of(name), Coded::Code(code), "{name}");
        }
    }

    #[test]
    fn names_that_are_ambiguous_or_unknown_are_not_guessed() {
        for name in ["Korea", "Congo", "korea"] {
            assert_eq!(code_of(name), Coded::Ambiguous, "{name}");
        }
        for name in [
            "Deutschland",
            "Allemagne",
            "España",
            "Nederland",
            "Atlantis",
            "Europe",
            "EU",
            "n/a",
            "-",
            "United",
        ] {
            assert_eq!(code_of(name), Coded::Unknown, "{name}");
        }
    }
}
