//! Small helpers on text shared by the layers: a fast unkeyed hash and an inlined equality, for the
//! short keys (purpose keys, field names, subject ids) that every decision looks up.

/// An odd constant with well-spread bits (the 64-bit golden ratio).
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// Multiplies to 128 bits and folds the halves, so that every input bit reaches the low bits (the
/// slot index of a table). A plain FxHash step (multiply, keep the low half) would leave the low bits depending
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

/// A fast, unkeyed hash: eight bytes at a time, one multiply each. Only for tables whose keys a
/// caller cannot choose, or for spreading keys where collisions cost only speed.
#[inline]
pub(crate) fn fast_hash(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    // The length goes in with the first word: the tail is read as one word that overlaps the last
    // whole word (or, below eight bytes, as two overlapping halves), which is cheaper than copying
    // it into a padded word, and the length tells apart the texts those reads would confuse.
    let mut h = n as u64;
    let (words, _) = bytes.as_chunks::<8>();
    for w in words {
        h = fold(h ^ u64::from_le_bytes(*w));
    }
    if !n.is_multiple_of(8) {
        h = fold(h ^ tail(bytes));
    }
    h
}

/// Byte equality, inlined: most keys and names are 4 to 16 bytes, which two overlapping word loads
/// compare without a call to `memcmp`.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    fn hash(s: &str) -> u64 {
        fast_hash(s.as_bytes())
    }

    #[test]
    fn texts_sharing_a_prefix_differ_in_the_low_and_high_bits() {
        let hashes: HashSet<u64> = (0..1024).map(|i| hash(&format!("field_{i}"))).collect();
        let low: HashSet<u64> = hashes.iter().map(|h| h & 1023).collect();
        let high: HashSet<u64> = hashes.iter().map(|h| h >> 58).collect();
        assert_eq!(hashes.len(), 1024);
        // Not a statistical test: only that neither end is stuck, as the low bits are with FxHash.
        assert!(low.len() > 512, "{} distinct low values", low.len());
        assert_eq!(high.len(), 64, "{} distinct high values", high.len());
        assert_ne!(hash("a"), hash("a\0"));
    }

    proptest! {
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
