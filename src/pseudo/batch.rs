//! Many tokens in one call: for bulk exports, data pipelines and callers across the C ABI, where a
//! call per value would cost more than the HMAC itself.
//!
//! Output is one token per value, each followed by `\n`, so the buffer can be written to a file or
//! split by the caller without a second pass. The whole output size is checked before anything is
//! written, and no memory is allocated per value.

use super::domain::DomainKey;
use super::token::TOKEN_HEX_LEN;
use crate::error::{Error, Result};

impl DomainKey {
    /// Writes the token of each of `values`, each followed by `\n`, to the front of `out`, and
    /// returns the number of bytes written: `values.len() * (token_len() + 1)`.
    ///
    /// ```
    /// use zweck::KeyRing;
    /// let key = KeyRing::new(1, &[9u8; 32]).unwrap().domain_key("analytics");
    /// let values: [&[u8]; 2] = [b"alice@example.com", b"bob@example.com"];
    /// let mut out = vec![0u8; values.len() * (key.token_len() + 1)];
    /// let n = key.pseudonymise_batch(&values, &mut out).unwrap();
    /// let text = std::str::from_utf8(&out[..n]).unwrap();
    /// assert_eq!(text.lines().next().unwrap(), key.pseudonymise(b"alice@example.com"));
    /// ```
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] if `out` cannot hold every token; nothing is written then.
    pub fn pseudonymise_batch(&self, values: &[&[u8]], out: &mut [u8]) -> Result<usize> {
        let stride = self.token_len() + 1;
        let needed = self.check_room(values.len(), out.len())?;
        let mut pairs = values.chunks_exact(2);
        let mut slots = out[..needed].chunks_exact_mut(2 * stride);
        for (pair, slot) in (&mut pairs).zip(&mut slots) {
            if let [a, b] = pair {
                self.write_pair(a, b, slot);
            }
        }
        if let ([value], slot) = (pairs.remainder(), slots.into_remainder()) {
            self.write_line(value, slot);
        }
        Ok(needed)
    }

    /// Like [`pseudonymise_batch`](Self::pseudonymise_batch), for values given as one buffer
    /// separated by `\n`, the natural form of a file or a string from PHP or another language.
    ///
    /// Every `\n` ends a value; a final value without `\n` counts too, so a trailing newline does not
    /// add an empty value, but an empty line in the middle is an (empty) value. Bytes are taken as
    /// they are: a `\r` before the `\n` is part of the value, and no normaliser is applied.
    ///
    /// ```
    /// use zweck::KeyRing;
    /// let key = KeyRing::new(1, &[9u8; 32]).unwrap().domain_key("analytics");
    /// let mut out = vec![0u8; 2 * (key.token_len() + 1)];
    /// let n = key.pseudonymise_packed(b"alice\nbob\n", &mut out).unwrap();
    /// assert_eq!(n, 2 * (key.token_len() + 1));
    /// ```
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] if `out` cannot hold every token; nothing is written then.
    pub fn pseudonymise_packed(&self, input: &[u8], out: &mut [u8]) -> Result<usize> {
        let count = packed_count(input);
        let stride = self.token_len() + 1;
        let needed = self.check_room(count, out.len())?;
        let body = input.strip_suffix(b"\n").unwrap_or(input);
        if count == 0 {
            return Ok(0);
        }
        let mut values = Lines { rest: Some(body) };
        let mut slots = out[..needed].chunks_exact_mut(stride);
        // Two values at a time, so the pair path can interleave their hashes.
        while let Some(a_slot) = slots.next() {
            let Some(a) = values.next() else { break };
            match (slots.next(), values.next()) {
                (Some(b_slot), Some(b)) => {
                    let (ha, hb) = self.token_hex_pair(a, b);
                    self.write_line_hex(&ha, a_slot);
                    self.write_line_hex(&hb, b_slot);
                }
                _ => self.write_line(a, a_slot),
            }
        }
        Ok(needed)
    }

    /// Bytes needed for `count` token lines, if `available` is enough.
    fn check_room(&self, count: usize, available: usize) -> Result<usize> {
        let needed = count.saturating_mul(self.token_len() + 1);
        if needed > available {
            return Err(Error::BufferTooSmall { needed, available });
        }
        Ok(needed)
    }

    #[inline]
    fn write_line(&self, value: &[u8], slot: &mut [u8]) {
        let (token, newline) = slot.split_at_mut(slot.len() - 1);
        self.write_token(value, token);
        if let Some(nl) = newline.first_mut() {
            *nl = b'\n';
        }
    }

    /// Two values' lines into a slot of two strides, hashed as a pair.
    #[inline]
    fn write_pair(&self, a: &[u8], b: &[u8], slot: &mut [u8]) {
        let (ha, hb) = self.token_hex_pair(a, b);
        let (sa, sb) = slot.split_at_mut(slot.len() / 2);
        self.write_line_hex(&ha, sa);
        self.write_line_hex(&hb, sb);
    }

    /// The token line (`token_len() + 1` bytes) with the given hex digits.
    #[inline]
    fn write_line_hex(&self, hex: &[u8; TOKEN_HEX_LEN], slot: &mut [u8]) {
        let (token, newline) = slot.split_at_mut(slot.len() - 1);
        self.write_token_hex(hex, token);
        if let Some(nl) = newline.first_mut() {
            *nl = b'\n';
        }
    }
}

/// Number of values in a packed buffer: one per `\n`, plus a final one not ended by `\n`.
pub(crate) fn packed_count(input: &[u8]) -> usize {
    let (words, rest) = input.as_chunks::<8>();
    let newlines: usize =
        words.iter().map(|w| newline_bits(u64::from_le_bytes(*w)).count_ones() as usize).sum();
    let newlines = newlines + rest.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(input.last().is_some_and(|&b| b != b'\n'))
}

/// `0x80` in each byte of `w` that is `\n`, zero elsewhere (exact: no false positives, unlike the
/// shorter "has zero byte" test whose borrows can mark the byte above a match).
#[inline]
fn newline_bits(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = w ^ 0x0a0a_0a0a_0a0a_0a0a;
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// Position of the first `\n` in `bytes`, eight bytes at a time.
#[inline]
fn find_newline(bytes: &[u8]) -> Option<usize> {
    let (words, rest) = bytes.as_chunks::<8>();
    for (i, w) in words.iter().enumerate() {
        let bits = newline_bits(u64::from_le_bytes(*w));
        if bits != 0 {
            return Some(8 * i + (bits.trailing_zeros() / 8) as usize);
        }
    }
    rest.iter().position(|&b| b == b'\n').map(|p| 8 * words.len() + p)
}

/// The values of a packed buffer whose one trailing `\n`, if any, was removed: split at every
/// `\n`, an empty buffer giving one empty value (as `slice::split` does).
struct Lines<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match find_newline(rest) {
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => self.rest.take(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyRing;
    use proptest::prelude::*;

    fn key() -> DomainKey {
        KeyRing::new(3, &[0x5a; 48]).unwrap().domain_key("orders")
    }

    fn expected(key: &DomainKey, values: &[&[u8]]) -> Vec<u8> {
        values.iter().flat_map(|v| format!("{}\n", key.pseudonymise(v)).into_bytes()).collect()
    }

    #[test]
    fn batch_writes_one_token_line_per_value() {
        let key = key();
        let values: Vec<&[u8]> = vec![b"a", b"", b"jane@example.com", &[0xff, 0x00, 0x80]];
        let mut out = vec![b'#'; 200];
        let n = key.pseudonymise_batch(&values, &mut out).unwrap();
        assert_eq!(n, 4 * 36);
        assert_eq!(out[..n], expected(&key, &values)[..]);
        assert!(out[n..].iter().all(|&b| b == b'#'));
        assert_eq!(key.pseudonymise_batch(&[], &mut []).unwrap(), 0);
    }

    #[test]
    fn batch_into_a_short_buffer_writes_nothing() {
        let key = key();
        let values: Vec<&[u8]> = vec![b"a", b"b", b"c"];
        let mut out = vec![b'#'; 3 * 36 - 1];
        match key.pseudonymise_batch(&values, &mut out) {
            Err(Error::BufferTooSmall { needed: 108, available: 107 }) => {}
            other => panic!("{other:?}"),
        }
        assert!(out.iter().all(|&b| b == b'#'), "nothing may be written on error");
    }

    #[test]
    fn packed_input_splits_on_newlines_and_ignores_one_trailing_newline() {
        let key = key();
        let cases: [(&[u8], Vec<&[u8]>); 7] = [
            (b"", vec![]),
            (b"\n", vec![b""]),
            (b"a", vec![b"a"]),
            (b"a\n", vec![b"a"]),
            (b"a\nb", vec![b"a", b"b"]),
            (b"a\n\nb\n", vec![b"a", b"", b"b"]),
            (b"a\r\nb\n\n", vec![b"a\r", b"b", b""]),
        ];
        for (input, values) in cases {
            assert_eq!(packed_count(input), values.len(), "{input:?}");
            let mut out = vec![0u8; 200];
            let n = key.pseudonymise_packed(input, &mut out).unwrap();
            assert_eq!(out[..n], expected(&key, &values)[..], "{input:?}");
        }
    }

    /// The token lines of `values` computed one by one on the portable (non-SHA-NI) path.
    fn portable_lines(key: &DomainKey, values: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in values {
            let mut line = vec![0u8; key.token_len() + 1];
            key.write_line_hex(&key.token_hex_portable(v), &mut line);
            out.extend_from_slice(&line);
        }
        out
    }

    proptest! {
        #[test]
        fn batch_and_packed_match_the_portable_path_for_odd_and_even_counts(
            values in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..150), 0..9),
        ) {
            let key = key();
            let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
            let want = portable_lines(&key, &refs);
            let mut out = vec![0u8; want.len()];
            prop_assert_eq!(key.pseudonymise_batch(&refs, &mut out).unwrap(), want.len());
            prop_assert_eq!(&out, &want);
            let packed: Vec<u8> = values.iter().flat_map(|v| v.iter().copied().chain([b'\n'])).collect();
            let mut out = vec![0u8; want.len()];
            prop_assert_eq!(key.pseudonymise_packed(&packed, &mut out).unwrap(), want.len());
            prop_assert_eq!(&out, &want);
        }
    }

    proptest! {
        #[test]
        fn newline_search_agrees_with_a_byte_by_byte_split(
            input in prop::collection::vec(prop_oneof![Just(b'\n'), Just(0x0a ^ 0x80), any::<u8>()], 0..100),
        ) {
            let want: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
            let got: Vec<&[u8]> = Lines { rest: Some(&input) }.collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(
                packed_count(&input),
                input.iter().filter(|&&b| b == b'\n').count() + usize::from(input.last().is_some_and(|&b| b != b'\n'))
            );
        }
    }

    #[test]
    fn packed_into_a_short_buffer_writes_nothing() {
        let key = key();
        let mut out = vec![b'#'; 71];
        match key.pseudonymise_packed(b"a\nb\n", &mut out) {
            Err(Error::BufferTooSmall { needed: 72, available: 71 }) => {}
            other => panic!("{other:?}"),
        }
        assert!(out.iter().all(|&b| b == b'#'));
    }
}
