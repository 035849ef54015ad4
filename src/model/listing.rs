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
    pub fn merge(&mut self, mut other: Existing) {
        if other.status.finality() > self.status.finality() {
            std::mem::swap(self, &mut other);
            self.others = std::mem::take(&mut other.others);
        }
        let room = MOST_OTHER_LISTINGS.saturating_sub(self.others.len());
        let theirs = std::iter::once((other.status, other.registrant_id)).chain(other.others);
        self.others.extend(theirs.take(room));
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
