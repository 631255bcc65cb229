//! A sorted set of vendor ids stored as disjoint ranges.
//!
//! A TC string can name up to 65 535 vendors with one 33-bit range entry, and publisher restrictions can
//! repeat that for every purpose. Storing ranges instead of expanded ids keeps the decoded model
//! proportional to the input, whatever the input claims.

/// A sorted set of `u16` ids, stored as sorted, disjoint, non-adjacent inclusive ranges.
///
/// ```
/// use zweck::consent::tcf::IdSet;
/// let set = IdSet::from_ranges([(5, 7), (1, 1), (8, 9), (20, 10)]);
/// assert_eq!(set.to_vec(), vec![1, 5, 6, 7, 8, 9]); // (20, 10) is backwards and adds nothing
/// assert_eq!(set.ranges(), &[(1, 1), (5, 9)]);
/// assert!(set.contains(6) && !set.contains(4));
/// assert_eq!(set.len(), 6);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdSet {
    ranges: Vec<(u16, u16)>,
}

impl IdSet {
    /// The empty set.
    pub const fn new() -> Self {
        IdSet { ranges: Vec::new() }
    }

    /// The union of inclusive ranges `(start, end)`, in any order; a range with `start > end` is empty.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u16, u16)>) -> Self {
        let mut rs: Vec<(u16, u16)> = ranges.into_iter().filter(|(s, e)| s <= e).collect();
        rs.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(rs.len());
        for (s, e) in rs {
            match merged.last_mut() {
                // Overlapping or adjacent: extend (u32 so that 65 535 + 1 does not overflow).
                Some(last) if u32::from(s) <= u32::from(last.1) + 1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        IdSet { ranges: merged }
    }

    /// True if `id` is in the set.
    pub fn contains(&self, id: u16) -> bool {
        let i = self.ranges.partition_point(|&(_, e)| e < id);
        self.ranges.get(i).is_some_and(|&(s, _)| s <= id)
    }

    /// Number of ids in the set.
    pub fn len(&self) -> usize {
        self.ranges.iter().map(|&(s, e)| usize::from(e - s) + 1).sum()
    }

    /// True if the set has no ids.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The smallest id.
    pub fn first(&self) -> Option<u16> {
        self.ranges.first().map(|r| r.0)
    }

    /// The largest id.
    pub fn last(&self) -> Option<u16> {
        self.ranges.last().map(|r| r.1)
    }

    /// The set as sorted, disjoint, non-adjacent inclusive ranges.
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.ranges
    }

    /// The ids in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.ranges.iter().flat_map(|&(s, e)| s..=e)
    }

    /// The ids in ascending order, expanded into a vector (up to 65 536 entries).
    pub fn to_vec(&self) -> Vec<u16> {
        self.iter().collect()
    }
}

impl FromIterator<u16> for IdSet {
    fn from_iter<I: IntoIterator<Item = u16>>(iter: I) -> Self {
        IdSet::from_ranges(iter.into_iter().map(|id| (id, id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_when_they_overlap_or_touch() {
        let s = IdSet::from_ranges([(10, 20), (15, 30), (31, 31), (40, 50), (1, 2)]);
        assert_eq!(s.ranges(), &[(1, 2), (10, 31), (40, 50)]);
        assert_eq!(s.len(), 2 + 22 + 11);
        assert_eq!((s.first(), s.last()), (Some(1), Some(50)));
    }

    #[test]
    fn the_full_id_space_does_not_overflow() {
        let s = IdSet::from_ranges([(0, u16::MAX), (u16::MAX, u16::MAX), (3, 9)]);
        assert_eq!(s.ranges(), &[(0, u16::MAX)]);
        assert_eq!(s.len(), 65_536);
        assert!(s.contains(0) && s.contains(u16::MAX));
    }

    #[test]
    fn membership_matches_the_expanded_ids() {
        let s: IdSet = [9, 3, 4, 5, 100].into_iter().collect();
        assert_eq!(s.to_vec(), vec![3, 4, 5, 9, 100]);
        for id in 0..120 {
            assert_eq!(s.contains(id), [3, 4, 5, 9, 100].contains(&id), "{id}");
        }
        assert!(IdSet::new().is_empty() && !IdSet::new().contains(0));
    }
}
