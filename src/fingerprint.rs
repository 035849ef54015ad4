//! Email fingerprints: 8 bytes that stand for an address, ignoring case, in the sets and maps
//! that must stay small for a million rows (duplicates in the input, earlier runs' results).
//!
//! A fingerprint is SipHash with a key drawn at random for each run, so nobody can craft two
//! addresses that collide; two different addresses share one with a chance of about 1 in 10^7
//! in a million rows. Because fingerprints are already random, the sets and maps keyed by them
//! use each one as its own hash ([`PassThrough`], [`SeenSet`]) instead of hashing it again.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

use crate::registrant::Email;

/// Makes fingerprints; one per set or map, as its key is random.
#[derive(Debug, Default)]
pub struct Fingerprinter(RandomState);

impl Fingerprinter {
    pub fn of(&self, email: &Email) -> u64 {
        self.of_key(&email.key())
    }

    /// The fingerprint of an address's key ([`crate::registrant::email_key`]).
    pub fn of_key(&self, key: &str) -> u64 {
        // The bytes alone: a key is hashed on its own, never next to another (which is what
        // `str`'s own `Hash` guards against, with a byte more to hash).
        let mut hasher = self.0.build_hasher();
        hasher.write(key.as_bytes());
        hasher.finish()
    }
}

/// The fingerprints of the emails seen so far, for finding duplicates in a file.
///
/// One array of slots (open addressing, linear probing), because with a million addresses the
/// set is larger than the processor's caches and every insert misses them.
/// [`SeenSet::insert_all`] therefore touches the slots of a run of fingerprints before it
/// inserts any, so that their misses overlap instead of queueing: something a `HashSet` cannot
/// be asked to do. Measured against a `HashSet` with [`PassThrough`] on a million-row dry
/// run: about 10% faster and 2 MiB smaller (BENCHMARKS.md, 2026-12-01).
///
/// `EMPTY` (`u64::MAX`) marks an empty slot, and a fingerprint equal to it is stored as
/// `EMPTY - 1`: a collision like any other (1 in 2^64). It is not 0 so that a new table is
/// written whole when it is made: zeroed memory from the system is mapped on first read, and
/// the first write after that read costs a page fault that stops every other thread (a TLB
/// shoot-down).
#[derive(Debug, Clone, Default)]
pub struct SeenSet {
    slots: Vec<u64>,
    len: usize,
}

/// Fingerprints whose slots [`SeenSet::insert_all`] touches before inserting them.
const LOOK_AHEAD: usize = 16;

/// An empty slot of a [`SeenSet`].
const EMPTY: u64 = u64::MAX;

impl SeenSet {
    /// A set that holds `capacity` fingerprints before it grows.
    pub fn with_capacity(capacity: usize) -> SeenSet {
        let mut set = SeenSet::default();
        set.reserve(capacity);
        set
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes room for `more` fingerprints without growing.
    pub fn reserve(&mut self, more: usize) {
        let wanted = self.len.saturating_add(more);
        // At most three slots in four are used, so probes stay short.
        let slots = wanted
            .saturating_add(wanted / 3)
            .saturating_add(1)
            .next_power_of_two()
            .max(16);
        if slots > self.slots.len() {
            let old = std::mem::replace(&mut self.slots, vec![EMPTY; slots]);
            self.len = 0;
            for fingerprint in old.into_iter().filter(|&f| f != EMPTY) {
                self.put(fingerprint);
            }
        }
    }

    /// Adds `fingerprint`; false if it was there already.
    pub fn insert(&mut self, fingerprint: u64) -> bool {
        if self.len + 1 > self.slots.len() / 4 * 3 {
            self.reserve(self.len.max(16));
        }
        self.put(fingerprint)
    }

    /// [`SeenSet::insert`] for each of `fingerprints` in order, appending to `fresh` whether
    /// each was new.
    pub fn insert_all(&mut self, fingerprints: &[u64], fresh: &mut Vec<bool>) {
        for run in fingerprints.chunks(LOOK_AHEAD) {
            if self.len + run.len() > self.slots.len() / 4 * 3 {
                self.reserve(self.len.max(run.len()));
            }
            let mask = self.slots.len() - 1;
            let touched = run
                .iter()
                .fold(0, |all, &f| all ^ self.slots[home(f, mask)]);
            std::hint::black_box(touched);
            fresh.extend(run.iter().map(|&fingerprint| self.put(fingerprint)));
        }
    }

    /// Inserts into a table with room to spare.
    fn put(&mut self, fingerprint: u64) -> bool {
        let fingerprint = fingerprint.min(EMPTY - 1);
        let mask = self.slots.len() - 1;
        let mut at = home(fingerprint, mask);
        loop {
            match self.slots[at] {
                EMPTY => {
                    self.slots[at] = fingerprint;
                    self.len += 1;
                    return true;
                }
                stored if stored == fingerprint => return false,
                _ => at = (at + 1) & mask,
            }
        }
    }
}

/// A fingerprint's first slot: its low bits (they are as random as the rest).
fn home(fingerprint: u64, mask: usize) -> usize {
    (fingerprint as usize) & mask
}

/// A map keyed by fingerprints.
pub type FingerprintMap<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// The hash of a fingerprint is the fingerprint.
#[derive(Debug, Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, fingerprint: u64) {
        self.0 = fingerprint;
    }

    /// Only `u64` keys are hashed here; anything else is mixed in byte by byte all the same.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_in_any_case_has_one_fingerprint_and_others_differ() {
        let fingerprints = Fingerprinter::default();
        let of = |text: &str| fingerprints.of(&Email::parse(text).expect("valid"));
        assert_eq!(of("Ana@Example.com"), of("ana@example.COM"));
        assert_ne!(of("ana@example.com"), of("ana2@example.com"));
        // Another fingerprinter has another key.
        let other = Fingerprinter::default();
        let email = Email::parse("ana@example.com").expect("valid");
        assert_ne!(fingerprints.of(&email), other.of(&email));
    }

    #[test]
    fn a_seen_set_knows_what_it_holds_as_it_grows() {
        let mut set = SeenSet::with_capacity(4);
        assert!(set.insert(42));
        assert!(set.insert(u64::MAX));
        assert!(!set.insert(42));
        // Colliding homes, the empty mark, and enough to grow several times.
        let many: Vec<u64> = (0..5_000u64)
            .map(|i| i << 20)
            .chain([u64::MAX, u64::MAX - 1, 42])
            .collect();
        let mut fresh = Vec::new();
        set.insert_all(&many, &mut fresh);
        assert_eq!(fresh.len(), many.len());
        assert!(fresh[..5_000].iter().all(|&f| f), "all new");
        // The empty mark was stored, as the one below it, at the start; so was 42.
        assert_eq!(&fresh[4_999..], [true, false, false, false]);
        assert_eq!(set.len(), 5_002);
        let mut again = Vec::new();
        set.insert_all(&many, &mut again);
        assert!(again.iter().all(|&f| !f));
    }
}
