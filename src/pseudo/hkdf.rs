//! HKDF-SHA256 (RFC 5869), built on the `hmac` crate.
//!
//! zweck derives every working key from a master secret with HKDF so that keys for different jobs
//! (one per pseudonymisation domain, one per internal use such as audit or erasure receipts) are
//! independent: knowing one reveals nothing about another or about the master secret.

use hmac::digest::generic_array::GenericArray;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// Output size of SHA-256, and so the size of one HKDF expand block.
const HASH_LEN: usize = 32;
/// SHA-256 block size, the size HMAC pads its key to.
const BLOCK_LEN: usize = 64;

/// HKDF-SHA256 with an `L`-byte output: extract with `salt` from `ikm`, then expand with `info`.
///
/// `L` may be at most 255 × 32 = 8160 (RFC 5869 §2.3); a larger `L` does not compile.
pub(crate) fn hkdf_sha256<const L: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; L]> {
    const { assert!(L <= 255 * HASH_LEN, "HKDF-SHA256 yields at most 8160 bytes") };
    // Extract (RFC 5869 §2.2): PRK = HMAC-Hash(salt, IKM).
    let prk = Zeroizing::new(hmac_once(salt, &[ikm]));
    // Expand (RFC 5869 §2.3): T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = T(1) | T(2) | …
    let mut okm = Zeroizing::new([0u8; L]);
    let mut previous = Zeroizing::new([0u8; HASH_LEN]);
    for (i, chunk) in okm.chunks_mut(HASH_LEN).enumerate() {
        // At most 255 chunks (checked at compile time), so the counter fits a byte.
        let counter = [(i + 1) as u8];
        let mut t = if i == 0 {
            hmac_once(&prk[..], &[info, &counter])
        } else {
            hmac_once(&prk[..], &[&previous[..], info, &counter])
        };
        previous.copy_from_slice(&t);
        chunk.copy_from_slice(&t[..chunk.len()]);
        t.zeroize();
    }
    okm
}

/// HMAC-SHA256 of the concatenation of `parts` under `key` (any length).
pub(crate) fn hmac_once(key: &[u8], parts: &[&[u8]]) -> [u8; HASH_LEN] {
    let mut mac = keyed(key);
    for part in parts {
        mac.update(part);
    }
    let mut tag = mac.finalize().into_bytes();
    let mut out = [0u8; HASH_LEN];
    out.copy_from_slice(&tag);
    tag.as_mut_slice().zeroize();
    out
}

/// HMAC-SHA256 keyed with `key`, by the RFC 2104 rule: a key longer than the 64-byte block is
/// hashed first, and the key is zero-padded to a full block. Keying with the padded block is
/// infallible, unlike `new_from_slice`, and gives the identical MAC.
fn keyed(key: &[u8]) -> Hmac<Sha256> {
    let mut block = Zeroizing::new([0u8; BLOCK_LEN]);
    if key.len() > BLOCK_LEN {
        let mut digest = Sha256::digest(key);
        block[..HASH_LEN].copy_from_slice(&digest);
        digest.as_mut_slice().zeroize();
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    <Hmac<Sha256> as KeyInit>::new(GenericArray::from_slice(&block[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn to_hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    // Test vectors from RFC 5869, Appendix A ("Test Vectors"), A.1 to A.3 (the SHA-256 cases):
    // https://www.rfc-editor.org/rfc/rfc5869#appendix-A

    #[test]
    fn rfc5869_case_1_basic() {
        let okm = hkdf_sha256::<42>(
            &hex("000102030405060708090a0b0c"),
            &hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            &hex("f0f1f2f3f4f5f6f7f8f9"),
        );
        assert_eq!(
            to_hex(&okm[..]),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn rfc5869_case_2_long_inputs_and_outputs() {
        let ikm: Vec<u8> = (0x00..=0x4f).collect();
        let salt: Vec<u8> = (0x60..=0xaf).collect();
        let info: Vec<u8> = (0xb0..=0xff).collect();
        let okm = hkdf_sha256::<82>(&salt, &ikm, &info);
        assert_eq!(
            to_hex(&okm[..]),
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c\
             59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71\
             cc30c58179ec3e87c14c01d5c1f3434f1d87"
        );
    }

    #[test]
    fn rfc5869_case_3_empty_salt_and_info() {
        let okm = hkdf_sha256::<42>(&[], &hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), &[]);
        assert_eq!(
            to_hex(&okm[..]),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        );
    }

    #[test]
    fn one_block_output_is_the_prefix_of_a_longer_one() {
        let short = hkdf_sha256::<32>(b"zweck/v1", &[5u8; 40], b"marketing");
        let long = hkdf_sha256::<8160>(b"zweck/v1", &[5u8; 40], b"marketing");
        assert_eq!(short[..], long[..32]);
    }

    #[test]
    fn keys_of_every_length_give_the_same_mac_as_the_hmac_crate() {
        for len in [0, 1, 32, 63, 64, 65, 100, 200] {
            let key: Vec<u8> = (0..len).map(|i| i as u8 ^ 0xa5).collect();
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
            mac.update(b"abc");
            let want: [u8; 32] = mac.finalize().into_bytes().into();
            assert_eq!(hmac_once(&key, &[b"a", b"bc"]), want, "key length {len}");
        }
    }
}
