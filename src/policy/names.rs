//! The tables that resolve purpose keys and field names to ids.
//!
//! Every decision looks up the purpose and the field it is asked about by name. With the standard
//! `HashMap` those two look-ups cost more than the rest of a decision: SipHash alone is most of it,
//! and comparing the found key calls `memcmp`. SipHash is keyed to stop an attacker who chooses the
//! *keys of a table* from making them collide. Here the keys come from the policy, which the
//! operator writes; a caller chooses only the text looked up, and a look-up costs one hash and one
//! probe whatever that text is. So these tables use a fast, unkeyed multiplicative hash, and only
//! these: a table keyed by caller-supplied text (the consent ledger's subjects) keeps SipHash.
//!
//! The table is a small open-addressing one rather than a `HashMap` with a custom hasher because it
//! keeps each name's full hash, so a probe compares text only on a matching hash, and then with
//! two word loads instead of a call.

use std::sync::Arc;

/// A table from a policy name (purpose key or field name) to its id: open addressing with linear
/// probing, each slot keeping the full hash so that a name is compared only with a likely match.
#[derive(Clone, Debug)]
pub(crate) struct NameMap<V> {
    /// Index + 1 into `entries`, or 0 for an empty slot; the length is a power of two, at least
    /// twice the number of entries, so a probe always reaches an empty slot.
    slots: Vec<u32>,
    entries: Vec<(u64, Arc<str>, V)>,
}

impl<V: Copy> NameMap<V> {
    /// An empty table.
    pub(crate) fn new() -> Self {
        NameMap { slots: Vec::new(), entries: Vec::new() }
    }

    /// The value of `name`, if it is in the table.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<V> {
        let mask = self.slots.len().wrapping_sub(1);
        let h = name_hash(name.as_bytes());
        let mut i = h as usize;
        loop {
            i &= mask;
            let slot = *self.slots.get(i)?;
            let (eh, key, v) = self.entries.get(usize::try_from(slot).ok()?.checked_sub(1)?)?;
            if *eh == h && same(key.as_bytes(), name.as_bytes()) {
                return Some(*v);
            }
            i = i.wrapping_add(1);
        }
    }

    /// Adds `name`, unless it is already there; returns whether it was added.
    pub(crate) fn insert_new(&mut self, name: Arc<str>, value: V) -> bool {
        if self.get(&name).is_some() {
            return false;
        }
        self.entries.push((name_hash(name.as_bytes()), name, value));
        if self.slots.len() < 2 * self.entries.len() {
            self.slots = vec![0; (2 * self.entries.len()).next_power_of_two().max(8)];
            for n in 0..self.entries.len() {
                self.place(n);
            }
        } else {
            self.place(self.entries.len() - 1);
        }
        true
    }

    fn place(&mut self, n: usize) {
        let mask = self.slots.len() - 1;
        let mut i = self.entries[n].0 as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        // At most `MAX_ENTRIES` names, far below `u32::MAX`.
        self.slots[i] = n as u32 + 1;
    }
}

/// Byte equality for names, inlined: most names are 4 to 16 bytes, which two overlapping word
/// loads compare without a call to `memcmp`.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word =
        |s: &[u8], at: usize| s.get(at..).and_then(|t| t.first_chunk::<8>()).map(|w| u64::from_ne_bytes(*w));
    let half =
        |s: &[u8], at: usize| s.get(at..).and_then(|t| t.first_chunk::<4>()).map(|w| u32::from_ne_bytes(*w));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// An odd constant with well-spread bits (the 64-bit golden ratio).
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// Multiplies to 128 bits and folds the halves, so that every input bit reaches the low bits (the
/// slot index). A plain FxHash step (multiply, keep the low half) would leave the low bits depending
/// on the low input bytes only, and names sharing a prefix, such as `field_1` … `field_29`, would
/// all start probing at the same slot.
#[inline]
fn fold(a: u64) -> u64 {
    let p = u128::from(a) * u128::from(MULTIPLIER);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The last `len % 8` bytes of `bytes` (a text not a multiple of eight bytes long), loaded without a
/// byte-by-byte copy; the word may repeat bytes already hashed.
#[inline]
fn tail(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let word =
        |at: usize| bytes.get(at..).and_then(|t| t.first_chunk::<8>()).map_or(0, |w| u64::from_le_bytes(*w));
    let half = |at: usize| {
        bytes.get(at..).and_then(|t| t.first_chunk::<4>()).map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
    };
    if n >= 8 {
        word(n - 8)
    } else if n >= 4 {
        half(0) | half(n - 4) << 32
    } else {
        // One to three bytes: first, middle and last cover them all.
        bytes.first().map_or(0, |&b| u64::from(b))
            | bytes.get(n / 2).map_or(0, |&b| u64::from(b)) << 8
            | bytes.last().map_or(0, |&b| u64::from(b)) << 16
    }
}

/// The hash of a name: eight bytes at a time, one multiply each.
#[inline]
fn name_hash(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    // The length goes in first: the tail is read as one word that overlaps the last whole
    // word (or, below eight bytes, as two overlapping halves), which is cheaper than copying
    // it into a padded word, and the length tells apart the texts those reads would confuse.
    let mut h = fold(n as u64);
    let (words, _) = bytes.as_chunks::<8>();
    for w in words {
        h = fold(h ^ u64::from_le_bytes(*w));
    }
    if !n.is_multiple_of(8) {
        h = fold(h ^ tail(bytes));
    }
    h
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use proptest::prelude::*;

    use super::*;

    fn hash(s: &str) -> u64 {
        name_hash(s.as_bytes())
    }

    #[test]
    fn a_name_map_finds_exactly_the_names_put_in_it() {
        let names: Vec<String> = (0..500)
            .map(|i| format!("field_{i}"))
            .chain(
                ["", "a", "a\0", "marketing", "marketing.email", "marketing.email.weekly"].map(String::from),
            )
            .collect();
        let mut map = NameMap::new();
        let mut std_map = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            assert!(map.insert_new(Arc::from(n.as_str()), i));
            std_map.insert(n.clone(), i);
        }
        for probe in names.iter().map(String::as_str).chain([
            "field_",
            "field_5000",
            "Field_1",
            "field_1\0",
            "marketing.",
            "marketing.emai",
            "analytics",
            "\0",
            "field_1 ",
        ]) {
            assert_eq!(map.get(probe), std_map.get(probe).copied(), "{probe:?}");
        }
    }

    #[test]
    fn an_empty_map_finds_nothing_and_a_name_goes_in_once() {
        let mut map = NameMap::new();
        assert_eq!(map.get("email"), None);
        assert!(map.insert_new(Arc::from("email"), 1));
        assert!(!map.insert_new(Arc::from("email"), 2));
        assert_eq!(map.get("email"), Some(1));
        assert_eq!(map.get("emai"), None);
    }

    #[test]
    fn names_sharing_a_prefix_start_at_different_slots() {
        let hashes: HashSet<u64> = (0..1024).map(|i| hash(&format!("field_{i}"))).collect();
        let slots: HashSet<u64> = hashes.iter().map(|h| h & 1023).collect();
        assert_eq!(hashes.len(), 1024);
        // Not a statistical test: only that the low bits are not stuck, as with plain FxHash.
        assert!(slots.len() > 512, "{} distinct slots", slots.len());
        assert_ne!(hash("a"), hash("a\0"));
    }

    proptest! {
        /// Look-ups agree with the standard `HashMap` for any names, including names that differ
        /// only in bytes the overlapping word loads read twice.
        #[test]
        fn look_ups_agree_with_a_std_hash_map(
            names in prop::collection::vec("[a-c.\\x00é]{0,20}", 0..60),
            probes in prop::collection::vec("[a-c.\\x00é]{0,20}", 0..60),
        ) {
            let mut map = NameMap::new();
            let mut std_map = HashMap::new();
            for (i, n) in names.iter().enumerate() {
                let fresh = !std_map.contains_key(n.as_str());
                prop_assert_eq!(map.insert_new(Arc::from(n.as_str()), i), fresh);
                std_map.entry(n.clone()).or_insert(i);
            }
            for p in names.iter().chain(&probes) {
                prop_assert_eq!(map.get(p), std_map.get(p.as_str()).copied(), "{:?}", p);
            }
        }

        /// Equal lengths, so that the word comparisons are reached; two-letter bytes, so that equal
        /// texts and texts differing in one byte both come up.
        #[test]
        fn same_agrees_with_byte_equality(
            (a, b) in (0usize..24).prop_flat_map(|n| {
                (prop::collection::vec(0u8..2, n), prop::collection::vec(0u8..2, n))
            }),
            other in prop::collection::vec(0u8..2, 0..24),
        ) {
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert_eq!(same(&a, &other), a == other);
            prop_assert!(same(&a, &a));
        }
    }
}
