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

/// The fingerprints of the emails seen so far, each with the line it was first seen on, for
/// finding duplicates in a file and naming the row they repeat.
///
/// One array of slots (open addressing, linear probing), each a fingerprint and its line, because
/// with a million addresses the set is larger than the processor's caches and every insert
/// misses them. [`SeenSet::insert_all`] therefore touches the slots of a run of fingerprints
/// before it inserts any, so that their misses overlap instead of queueing: something a
/// `HashSet` cannot be asked to do. Measured against a `HashSet` with [`PassThrough`] on a
/// million-row dry run: about 10% faster and 2 MiB smaller (BENCHMARKS.md, 2026-12-01).
///
/// A fingerprint of `EMPTY` (`u64::MAX`) marks an empty slot, and a fingerprint equal to it is stored as
/// `EMPTY - 1`: a collision like any other (1 in 2^64). It is not 0 so that a new table is
/// written whole when it is made: zeroed memory from the system is mapped on first read, and
/// the first write after that read costs a page fault that stops every other thread (a TLB
/// shoot-down). A slot's third word holds the line in 24 bits and 8 bits of the row's name hash
/// ([`name_hash`]: a duplicate under another name is another person sharing the address), 12
/// bytes a slot in all, as before names were kept (16 cost a million-row dry run 5 MiB,
/// BENCHMARKS.md 2026-12-07); a line past 16,777,214 is kept as [`FAR_LINE`] ("an earlier
/// row"), and two names one in 256 apart look the same (then a duplicate is not called another
/// person: it is still not sent).
#[derive(Debug, Clone, Default)]
pub struct SeenSet {
    /// Each slot: a fingerprint (two halves, low first) and its line, side by side so that an
    /// insert misses the cache once.
    slots: Vec<[u32; 3]>,
    len: usize,
}

/// An empty slot.
const EMPTY_SLOT: [u32; 3] = [u32::MAX, u32::MAX, 0];

fn fingerprint_of(slot: &[u32; 3]) -> u64 {
    u64::from(slot[0]) | (u64::from(slot[1]) << 32)
}

/// Fingerprints whose slots [`SeenSet::insert_all`] touches before inserting them.
const LOOK_AHEAD: usize = 16;

/// An empty slot of a [`SeenSet`].
const EMPTY: u64 = u64::MAX;

/// The line given for a row beyond the lines a slot holds: "an earlier row", without its line.
pub const FAR_LINE: u32 = u32::MAX;

/// The most a slot's 24 bits hold, which stands for [`FAR_LINE`].
const FAR_KEPT: u32 = 0x00FF_FFFF;

/// A fingerprint, the line its row starts on, and its name's [`name_hash`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sighting {
    pub fingerprint: u64,
    pub line: u64,
    pub name: u32,
}

/// Where a fingerprint was seen first: the line, and 8 bits of the name's hash there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Earlier {
    pub line: u32,
    name: u8,
}

impl Earlier {
    /// Whether a row named `name` ([`name_hash`]) is another person than the earlier one: both
    /// have a name, and they differ.
    pub fn other_person(self, name: u32) -> bool {
        let name = kept_name(name);
        self.name != 0 && name != 0 && self.name != name
    }
}

/// The 8 bits of a name hash a slot keeps: 0 for no name, else never 0.
fn kept_name(name: u32) -> u8 {
    if name == 0 {
        return 0;
    }
    let folded = (name ^ name >> 8 ^ name >> 16 ^ name >> 24) as u8;
    folded.max(1)
}

/// A hash of a person's first and last name, ignoring case and spacing; 0 for no name (which
/// never differs from another). Not the name itself: the seen set stays small. Byte by byte,
/// without branches, on every row: each byte with its `0x20` bit set, which puts ASCII letters
/// and the Latin-1 ones (`É`, `Ü`: UTF-8 `C3 80`–`C3 9E`) in lower case (and folds a few
/// other pairs together, which only makes two names more often the same); spaces and tabs are
/// left out.
pub fn name_hash(first: &str, last: &str) -> u32 {
    let mut hash: u64 = 0;
    let mut kept: u64 = 0;
    for part in [first, last] {
        for &byte in part.as_bytes() {
            let folded = u64::from(byte | 0x20);
            // Space, and \t … \r (0x09–0x0D, folded to 0x29–0x2D).
            let space = folded == 0x20 || (0x29..=0x2D).contains(&folded) && byte < 0x20;
            let next = hash.rotate_left(7) ^ folded;
            hash = if space { hash } else { next };
            kept += u64::from(!space);
        }
    }
    if kept == 0 {
        return 0;
    }
    match (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32 {
        0 => 1,
        hash => hash,
    }
}

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
        // No rounding up to a power of two: for a million rows that is 24 MiB instead of 18,
        // written whole before the first row is settled (BENCHMARKS.md, 2026-12-05).
        let slots = wanted.saturating_add(wanted / 3).saturating_add(1).max(16);
        if slots > self.slots.len() {
            let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; slots]);
            self.len = 0;
            for slot in old {
                let fingerprint = fingerprint_of(&slot);
                if fingerprint != EMPTY {
                    self.put_kept(fingerprint, slot[2]);
                }
            }
        }
    }

    /// Adds `sighting`; if its fingerprint was there already, the line it was first seen on.
    pub fn insert(&mut self, sighting: Sighting) -> Option<u32> {
        if self.len + 1 > self.slots.len() / 4 * 3 {
            self.reserve(self.len.max(16));
        }
        self.put(sighting).map(|earlier| earlier.line)
    }

    /// [`SeenSet::insert`] for each of `sightings` in order, appending to `earlier` what each
    /// gave.
    pub fn insert_all(&mut self, sightings: &[Sighting], earlier: &mut Vec<Option<Earlier>>) {
        for run in sightings.chunks(LOOK_AHEAD) {
            if self.len + run.len() > self.slots.len() / 4 * 3 {
                self.reserve(self.len.max(run.len()));
            }
            let slots = self.slots.len();
            let touched = run
                .iter()
                .fold(0, |all, s| all ^ self.slots[home(s.fingerprint, slots)][0]);
            std::hint::black_box(touched);
            earlier.extend(run.iter().map(|s| self.put(*s)));
        }
    }

    /// Inserts into a table with room to spare.
    fn put(&mut self, sighting: Sighting) -> Option<Earlier> {
        let line = u32::try_from(sighting.line)
            .unwrap_or(FAR_KEPT)
            .min(FAR_KEPT);
        let kept = line << 8 | u32::from(kept_name(sighting.name));
        self.put_kept(sighting.fingerprint, kept)
            .map(|kept| Earlier {
                line: match kept >> 8 {
                    FAR_KEPT => FAR_LINE,
                    line => line,
                },
                name: kept as u8,
            })
    }

    /// Inserts a fingerprint with its kept line and name; what was kept for it, if it was
    /// there already.
    fn put_kept(&mut self, fingerprint: u64, kept: u32) -> Option<u32> {
        let fingerprint = fingerprint.min(EMPTY - 1);
        let slots = self.slots.len();
        let mut at = home(fingerprint, slots);
        loop {
            let slot = &mut self.slots[at];
            match fingerprint_of(slot) {
                EMPTY => {
                    *slot = [fingerprint as u32, (fingerprint >> 32) as u32, kept];
                    self.len += 1;
                    return None;
                }
                stored if stored == fingerprint => return Some(slot[2]),
                _ => {
                    at += 1;
                    if at == slots {
                        at = 0;
                    }
                }
            }
        }
    }
}

/// A fingerprint's first slot of `slots`: the fingerprint scaled to their number (multiply and
/// shift, as fingerprints are evenly spread), so a table can have any length.
fn home(fingerprint: u64, slots: usize) -> usize {
    ((u128::from(fingerprint) * slots as u128) >> 64) as usize
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
    fn names_compare_without_case_or_spacing_and_an_empty_name_never_differs() {
        let same = name_hash("Jane", "Doe");
        assert_eq!(name_hash("JANE", "doe"), same);
        assert_eq!(name_hash(" Jane", "Doe "), same);
        assert_eq!(
            name_hash("Jane Doe", ""),
            same,
            "split otherwise, the same person"
        );
        assert_ne!(name_hash("John", "Doe"), same);
        assert_ne!(name_hash("Jnae", "Doe"), same);
        assert_eq!(name_hash("JOSÉ", "MÜLLER"), name_hash("José", "Müller"));
        assert_ne!(name_hash("José", "Muller"), name_hash("José", "Müller"));
        assert_eq!(name_hash("", ""), 0);
        let earlier = Earlier {
            line: 2,
            name: kept_name(same),
        };
        assert!(earlier.other_person(name_hash("Jane", "Roe")));
        assert!(!earlier.other_person(same));
        assert!(!earlier.other_person(0));
        assert!(!Earlier { line: 2, name: 0 }.other_person(same));
        // Kept through growing.
        let mut set = SeenSet::with_capacity(1);
        set.insert(Sighting {
            fingerprint: 5,
            line: 3,
            name: same,
        });
        let mut earlier = Vec::new();
        let more: Vec<Sighting> = (10..100)
            .map(|f| Sighting {
                fingerprint: f << 40,
                line: f,
                name: 9,
            })
            .chain([Sighting {
                fingerprint: 5,
                line: 9,
                name: 1,
            }])
            .collect();
        set.insert_all(&more, &mut earlier);
        assert_eq!(
            earlier.last(),
            Some(&Some(Earlier {
                line: 3,
                name: kept_name(same)
            }))
        );
    }

    #[test]
    fn a_seen_set_knows_what_it_holds_and_where_it_saw_it_as_it_grows() {
        let at = |fingerprint: u64, line: u64| Sighting {
            fingerprint,
            line,
            name: 0,
        };
        let mut set = SeenSet::with_capacity(4);
        assert_eq!(set.insert(at(42, 2)), None);
        assert_eq!(set.insert(at(u64::MAX, 3)), None);
        assert_eq!(set.insert(at(42, 9)), Some(2), "the first line stays");
        // Colliding homes, the empty mark, and enough to grow several times.
        let many: Vec<Sighting> = (0..5_000u64)
            .map(|i| at(i << 20, i + 10))
            .chain([at(u64::MAX, 7), at(u64::MAX - 1, 8), at(42, 9)])
            .collect();
        let mut earlier = Vec::new();
        set.insert_all(&many, &mut earlier);
        let earlier: Vec<Option<u32>> = earlier.iter().map(|e| e.map(|e| e.line)).collect();
        assert_eq!(earlier.len(), many.len());
        assert!(earlier[..5_000].iter().all(Option::is_none), "all new");
        // The empty mark was stored, as the one below it, on line 3; 42 on line 2.
        assert_eq!(&earlier[4_999..], [None, Some(3), Some(3), Some(2)]);
        assert_eq!(set.len(), 5_002);
        let mut again = Vec::new();
        set.insert_all(&many, &mut again);
        let again: Vec<Option<u32>> = again.iter().map(|e| e.map(|e| e.line)).collect();
        let lines: Vec<Option<u32>> = (0..5_000u32).map(|i| Some(i + 10)).collect();
        assert_eq!(&again[..5_000], &lines[..], "lines survive growing");
        // Lines beyond 24 bits are kept as "far"; the last one they hold is kept.
        assert_eq!(set.insert(at(7, u64::MAX)), None);
        assert_eq!(set.insert(at(7, 2)), Some(FAR_LINE));
        assert_eq!(set.insert(at(8, 16_777_215)), None);
        assert_eq!(set.insert(at(8, 2)), Some(FAR_LINE));
        assert_eq!(set.insert(at(9, 16_777_214)), None);
        assert_eq!(set.insert(at(9, 2)), Some(16_777_214));
    }
}
