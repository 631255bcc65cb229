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

use crate::text::{fast_hash, same};

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
        let h = fast_hash(name.as_bytes());
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
        self.entries.push((fast_hash(name.as_bytes()), name, value));
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

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

    }
}
