//! Domain keys: HMAC-SHA256 keyed once per pseudonymisation domain, then reused for every value.
//!
//! HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). The first 64-byte block of each of the two hashes
//! depends only on the key, so its SHA-256 compression is done once, when the domain key is made, and
//! the two resulting chaining states ("midstates") are kept. Each value then costs only the
//! compressions of its own bytes plus padding (2 in total for values up to 55 bytes: one inner, one
//! outer), with no heap allocation and no re-keying. The result is plain RFC 2104 HMAC-SHA256, which
//! the tests check against the `hmac` crate.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::sha_ni::{self, compress_portable, Midstates, BLOCK_LEN};
use super::token::{self, MAX_PREFIX_LEN, MAX_TOKEN_LEN, TOKEN_HEX_LEN};
use crate::error::{Error, Result};

/// SHA-256 initial hash value (FIPS 180-4, §5.3.3).
const SHA256_IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// The keyed HMAC state of one pseudonymisation domain under one key version.
///
/// Made by [`KeyRing::domain_key`](super::KeyRing::domain_key). Cheap to clone (two 32-byte states
/// and the domain name), `Send + Sync`, and never re-derived per value: make one per domain and keep
/// it. The states are key material: they are zeroed on drop and never printed.
///
/// ```
/// use zweck::KeyRing;
/// let ring = KeyRing::new(1, &[7u8; 32]).unwrap();
/// let key = ring.domain_key("marketing");
/// let token = key.pseudonymise(b"jane.doe@example.com");
/// assert!(token.starts_with("k1_") && token.len() == key.token_len());
/// assert!(key.verify(b"jane.doe@example.com", &token));
/// // Another domain gives an unlinkable token for the same value.
/// assert_ne!(ring.domain_key("analytics").pseudonymise(b"jane.doe@example.com"), token);
/// ```
#[derive(Clone)]
pub struct DomainKey {
    /// The keyed states live in a box of their own, so moving a `DomainKey` (into a map that grows,
    /// out of a function) moves a pointer and never leaves a copy of key material behind.
    states: Box<KeyedStates>,
    version: u32,
    domain: String,
    /// `k<version>_`, padded; the first `prefix_len` bytes are used.
    prefix: [u8; MAX_PREFIX_LEN],
    prefix_len: usize,
}

/// The two keyed SHA-256 chaining states of HMAC, zeroed on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct KeyedStates {
    /// SHA-256 state after compressing `K_d ⊕ ipad`.
    inner: [u32; 8],
    /// SHA-256 state after compressing `K_d ⊕ opad`.
    outer: [u32; 8],
}

impl DomainKey {
    /// Keys HMAC-SHA256 with the 32-byte domain key `key` (already derived with HKDF).
    pub(crate) fn from_derived_key(domain: &str, version: u32, key: &[u8; 32]) -> DomainKey {
        let mut ipad = [0x36u8; BLOCK_LEN];
        let mut opad = [0x5cu8; BLOCK_LEN];
        for ((i, o), k) in ipad.iter_mut().zip(opad.iter_mut()).zip(key) {
            *i ^= k;
            *o ^= k;
        }
        // Compressed in place, inside the box, so the states never exist outside it.
        let mut states = Box::new(KeyedStates { inner: SHA256_IV, outer: SHA256_IV });
        compress_portable(&mut states.inner, &ipad);
        compress_portable(&mut states.outer, &opad);
        ipad.zeroize();
        opad.zeroize();
        let (prefix, prefix_len) = token::prefix(version);
        DomainKey { states, version, domain: domain.to_owned(), prefix, prefix_len }
    }

    /// The key version whose master secret this key was derived from.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The pseudonymisation domain (namespace) this key serves.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Length in bytes of every token this key writes: `k<version>_` plus 32 hex digits
    /// (35 for versions 0 to 9).
    pub fn token_len(&self) -> usize {
        self.prefix_len + TOKEN_HEX_LEN
    }

    /// The full HMAC-SHA256 digest `D = HMAC-SHA256(K_d, value)`.
    ///
    /// `value` is used as given; apply the field's [`Normaliser`](super::Normaliser) first.
    pub fn digest(&self, value: &[u8]) -> [u8; 32] {
        let state = self.mac_state(value);
        let mut out = [0u8; 32];
        for (word, dst) in state.iter().zip(out.chunks_exact_mut(4)) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// Writes the token for `value` into the front of `out` and returns its length
    /// ([`token_len`](Self::token_len)). No terminating NUL is written.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] if `out` is shorter than the token; `out` is then left untouched.
    pub fn pseudonymise_into(&self, value: &[u8], out: &mut [u8]) -> Result<usize> {
        let len = self.token_len();
        let available = out.len();
        // Not `ok_or(..)?`: that builds the error on every call and drops it again, an out-of-line
        // `drop_in_place::<Error>` call on the hot success path.
        let Some(dst) = out.get_mut(..len) else {
            return Err(Error::BufferTooSmall { needed: len, available });
        };
        self.write_token(value, dst);
        Ok(len)
    }

    /// The token for `value` as a `String`. Use [`pseudonymise_into`](Self::pseudonymise_into) or the
    /// batch functions on hot paths to avoid the allocation.
    pub fn pseudonymise(&self, value: &[u8]) -> String {
        let mut buf = [0u8; MAX_TOKEN_LEN];
        let len = self.token_len();
        self.write_token(value, &mut buf[..len]);
        // A token is ASCII by construction, so every byte maps to the same char; one allocation of
        // the exact size.
        let mut token = String::with_capacity(len);
        token.extend(buf[..len].iter().map(|&b| char::from(b)));
        token
    }

    /// Whether `token` is this key's token for `value`, compared in constant time (the comparison
    /// time does not reveal how many leading characters matched).
    pub fn verify(&self, value: &[u8], token: &str) -> bool {
        let len = self.token_len();
        if token.len() != len {
            return false;
        }
        let mut buf = [0u8; MAX_TOKEN_LEN];
        self.write_token(value, &mut buf[..len]);
        buf[..len].ct_eq(token.as_bytes()).into()
    }

    /// Writes the token into `dst`, which must be exactly `token_len()` bytes; the digits go from
    /// the hash straight into `dst`.
    #[inline]
    pub(crate) fn write_token(&self, value: &[u8], dst: &mut [u8]) {
        if let Some(digits) = self.write_prefix(dst) {
            sha_ni::token_hex_into(&self.midstates(), value, digits);
        }
    }

    /// Writes the prefix and the given hex digits into `dst`, which must be exactly `token_len()`
    /// bytes.
    #[inline]
    pub(crate) fn write_token_hex(&self, hex: &[u8; TOKEN_HEX_LEN], dst: &mut [u8]) {
        if let Some(digits) = self.write_prefix(dst) {
            *digits = *hex;
        }
    }

    /// Writes the prefix into `dst` (a token's length) and returns the place of the hex digits.
    #[inline]
    fn write_prefix<'d>(&self, dst: &'d mut [u8]) -> Option<&'d mut [u8; TOKEN_HEX_LEN]> {
        // A token is longer than the longest prefix, so the whole fixed-size prefix array fits: one
        // fixed-size copy instead of a variable-length one; the hex digits then overwrite its tail.
        if let Some(head) = dst.first_chunk_mut::<MAX_PREFIX_LEN>() {
            *head = self.prefix;
        }
        dst.get_mut(self.prefix_len..).and_then(|d| d.first_chunk_mut::<TOKEN_HEX_LEN>())
    }

    /// The token hex digits of two values, computed in lockstep where the CPU allows it.
    #[inline]
    pub(crate) fn token_hex_pair(&self, a: &[u8], b: &[u8]) -> ([u8; TOKEN_HEX_LEN], [u8; TOKEN_HEX_LEN]) {
        sha_ni::token_hex_pair(&self.midstates(), a, b)
    }

    /// The outer SHA-256 state after the last compression, i.e. the HMAC digest as big-endian words.
    #[inline]
    pub(crate) fn mac_state(&self, value: &[u8]) -> [u32; 8] {
        sha_ni::mac(&self.midstates(), value)
    }

    /// The token hex digits on the portable path only, for tests that compare it with the fast path.
    #[cfg(test)]
    pub(crate) fn token_hex_portable(&self, value: &[u8]) -> [u8; TOKEN_HEX_LEN] {
        sha_ni::hex_of(&sha_ni::mac_portable(&self.midstates(), value))
    }

    #[inline]
    fn midstates(&self) -> Midstates<'_> {
        Midstates { inner: &self.states.inner, outer: &self.states.outer }
    }
}

impl fmt::Debug for DomainKey {
    /// Domain and version only; the keyed states are secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DomainKey")
            .field("domain", &self.domain)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
impl DomainKey {
    /// The keyed inner state, for tests that check it never leaks.
    pub(crate) fn inner_state_for_tests(&self) -> [u32; 8] {
        self.states.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use proptest::prelude::*;
    use sha2::Sha256;

    fn reference(key: &[u8; 32], value: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    fn key_bytes(seed: u8) -> [u8; 32] {
        std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8))
    }

    #[test]
    fn midstate_hmac_matches_the_hmac_crate_at_every_padding_boundary() {
        let key = key_bytes(3);
        let dk = DomainKey::from_derived_key("d", 1, &key);
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000] {
            let value: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            assert_eq!(dk.digest(&value), reference(&key, &value), "length {len}");
        }
    }

    #[test]
    fn rfc4231_case_2_short_key() {
        // RFC 4231 §4.3 (Test Case 2): key "Jefe" zero-padded is the same HMAC key as "Jefe".
        // https://www.rfc-editor.org/rfc/rfc4231#section-4.3
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let dk = DomainKey::from_derived_key("d", 1, &key);
        let want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let got: String =
            dk.digest(b"what do ya want for nothing?").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, want);
    }

    proptest! {
        #[test]
        fn midstate_hmac_equals_hmac_crate(seed in any::<u8>(), value in prop::collection::vec(any::<u8>(), 0..300)) {
            let key = key_bytes(seed);
            let dk = DomainKey::from_derived_key("d", 1, &key);
            prop_assert_eq!(dk.digest(&value), reference(&key, &value));
        }

        #[test]
        fn token_is_prefix_and_hex_of_the_first_16_digest_bytes(version in any::<u32>(), value in prop::collection::vec(any::<u8>(), 0..130)) {
            let dk = DomainKey::from_derived_key("d", version, &key_bytes(9));
            let want = format!(
                "k{version}_{}",
                dk.digest(&value)[..16].iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            prop_assert_eq!(dk.pseudonymise(&value), want.clone());
            prop_assert_eq!(dk.token_len(), want.len());
            prop_assert!(dk.verify(&value, &want));
        }
    }

    #[test]
    fn token_into_a_short_buffer_is_refused_and_leaves_it_untouched() {
        let dk = DomainKey::from_derived_key("d", 12, &key_bytes(1));
        assert_eq!(dk.token_len(), 36);
        let mut buf = [b'#'; 35];
        match dk.pseudonymise_into(b"x", &mut buf) {
            Err(Error::BufferTooSmall { needed: 36, available: 35 }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(buf, [b'#'; 35]);
        let mut buf = [b'#'; 40];
        assert_eq!(dk.pseudonymise_into(b"x", &mut buf).unwrap(), 36);
        assert_eq!(&buf[..36], dk.pseudonymise(b"x").as_bytes());
        assert_eq!(&buf[36..], b"####");
    }

    #[test]
    fn verify_rejects_other_values_truncations_and_case_changes() {
        let dk = DomainKey::from_derived_key("d", 1, &key_bytes(1));
        let token = dk.pseudonymise(b"alice");
        assert!(dk.verify(b"alice", &token));
        assert!(!dk.verify(b"alice ", &token));
        assert!(!dk.verify(b"alice", &token[..token.len() - 1]));
        assert!(!dk.verify(b"alice", &token.to_uppercase()));
        assert!(!dk.verify(b"alice", ""));
        let other_version = DomainKey::from_derived_key("d", 2, &key_bytes(1));
        assert!(!other_version.verify(b"alice", &token));
    }
}
