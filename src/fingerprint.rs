//! Email fingerprints: 8 bytes that stand for an address, ignoring case, in the sets and maps
//! that must stay small for a million rows (duplicates in the input, earlier runs' results).
//!
//! A fingerprint is SipHash with a key drawn at random for each run, so nobody can craft two
//! addresses that collide; two different addresses share one with a chance of about 1 in 10^7
//! in a million rows. Because fingerprints are already random, the sets and maps keyed by them
//! use each one as its own hash ([`PassThrough`]) instead of hashing it again.

use std::collections::{HashMap, HashSet};
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
        self.0.hash_one(key)
    }
}

/// A set of fingerprints.
pub type FingerprintSet = HashSet<u64, BuildHasherDefault<PassThrough>>;

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
    fn a_fingerprint_set_finds_what_it_holds() {
        let mut set = FingerprintSet::with_capacity_and_hasher(4, Default::default());
        assert!(set.insert(42));
        assert!(set.insert(u64::MAX));
        assert!(!set.insert(42));
        assert!(set.contains(&u64::MAX) && !set.contains(&7));
    }
}
