//! A person Zoom lists for the event, and which of its three lists they are on: for an
//! address Zoom lists more than once, the most final listing stands for the person and the
//! others are kept beside it, so that a status change reaches every one. And what is known of
//! a person before sending ([`Known`]): Zoom's listing, or an earlier run's confirmation.

/// A person Zoom already lists for the event: the most final of the listings of their address
/// ([`Existing::merge`]), with the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub email: String,
    pub status: Listing,
    pub registrant_id: String,
    pub join_url: String,
    /// Zoom's other listings of the same address (on another list, or the address in another
    /// case), less final than this one: the list and the registrant ID, at most
    /// [`MOST_OTHER_LISTINGS`].
    pub others: Vec<(Listing, String)>,
}

/// The most other listings of one address kept: with the one kept first, a status call's 30.
pub const MOST_OTHER_LISTINGS: usize = 29;

impl Existing {
    /// Takes another listing of the same address: the more final of the two (approved before
    /// pending before denied) stands for the person, and the other is kept beside it.
    /// A registrant ID already kept (a listing read twice while it changed) is kept once.
    pub fn merge(&mut self, mut other: Existing) {
        if other.status.finality() > self.status.finality() {
            std::mem::swap(self, &mut other);
        }
        let theirs = std::iter::once((other.status, other.registrant_id)).chain(other.others);
        for (status, id) in theirs {
            let known = id == self.registrant_id || self.others.iter().any(|(_, kept)| *kept == id);
            if !known && self.others.len() < MOST_OTHER_LISTINGS {
                self.others.push((status, id));
            }
        }
    }

    /// Every listing of the address: the one kept first, then the others.
    pub fn listings(&self) -> impl Iterator<Item = (Listing, &str)> {
        std::iter::once((self.status, self.registrant_id.as_str())).chain(
            self.others
                .iter()
                .map(|(status, id)| (*status, id.as_str())),
        )
    }

    /// "Zoom lists this address 2 times (approved, pending)", for an address listed more than
    /// once.
    pub fn listed_more_than_once(&self) -> Option<String> {
        if self.others.is_empty() {
            return None;
        }
        let lists: Vec<&str> = self.listings().map(|(status, _)| status.name()).collect();
        Some(format!(
            "Zoom lists this address {} times ({})",
            lists.len(),
            lists.join(", ")
        ))
    }
}

/// Which of Zoom's three registrant lists a person is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Approved,
    Pending,
    Denied,
}

impl Listing {
    /// How final a listing is, for an address listed more than once: approved, then
    /// pending, then denied.
    fn finality(self) -> u8 {
        match self {
            Listing::Approved => 2,
            Listing::Pending => 1,
            Listing::Denied => 0,
        }
    }

    /// Zoom's name of the list (its `status` query).
    pub fn name(self) -> &'static str {
        match self {
            Listing::Approved => "approved",
            Listing::Pending => "pending",
            Listing::Denied => "denied",
        }
    }
}

/// What is known about one person before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// An earlier run recorded Zoom's confirmation.
    EarlierRun {
        registrant_id: String,
        join_url: String,
        /// Cancelled, denied or deleted in Zoom since: Zoom's lists, read for this run, show
        /// them denied (where Zoom keeps a cancelled registrant) or no longer have them, or an
        /// earlier run found so (its row says `cancelled`). Not sent again (a host's cancel
        /// stands against a daily cron), and said.
        gone: bool,
    },
    /// Zoom already lists this person (`approved`, `pending` or `denied`).
    InZoom(Existing),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(status: Listing, id: &str) -> Existing {
        Existing {
            email: "a@x.com".to_string(),
            status,
            registrant_id: id.to_string(),
            join_url: String::new(),
            others: Vec::new(),
        }
    }

    #[test]
    fn merging_keeps_every_listing_once_whichever_side_is_more_final() {
        // Two reads' worth, each merged already: a pending pair, then an approved one with a
        // denied one beside it, and the pending "p1" again (read twice while it changed).
        let mut pending = listing(Listing::Pending, "p1");
        pending.merge(listing(Listing::Pending, "p2"));
        let mut approved = listing(Listing::Approved, "a1");
        approved.merge(listing(Listing::Denied, "d1"));
        approved.merge(listing(Listing::Pending, "p1"));
        pending.merge(approved);
        assert_eq!(
            (pending.status, pending.registrant_id.as_str()),
            (Listing::Approved, "a1")
        );
        let mut ids: Vec<&str> = pending.others.iter().map(|(_, id)| id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["d1", "p1", "p2"], "none lost, none twice");
    }

    #[test]
    fn at_most_one_status_call_of_listings_is_kept() {
        let mut many = listing(Listing::Approved, "a0");
        for i in 1..100 {
            many.merge(listing(Listing::Pending, &format!("p{i}")));
        }
        assert_eq!(many.listings().count(), MOST_OTHER_LISTINGS + 1);
    }
}
