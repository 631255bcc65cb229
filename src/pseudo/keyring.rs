//! The key ring: versioned master secrets, and the keys derived from them.
//!
//! A master secret never leaves the ring. Everything zweck keys with is derived from it with
//! HKDF-SHA256 (RFC 5869) under a fixed salt that names the use, so the derivations cannot collide:
//!
//! | use | salt | info | length |
//! |---|---|---|---|
//! | pseudonymisation domain | `zweck/v1` | domain name (UTF-8) | 32 |
//! | internal keys (audit, erasure receipts, key check value) | `zweck/internal/v1` | label (UTF-8) | 32 |
//!
//! Because the salts differ, no choice of domain name can reproduce an internal key.

use std::collections::BTreeMap;
use std::fmt;

use rand::RngCore;
use zeroize::Zeroizing;

use super::domain::DomainKey;
use super::hkdf::{hkdf_sha256, hmac_once};
use crate::error::{Error, Result};

/// HKDF salt for pseudonymisation domain keys (part of the published pseudonym contract).
pub(crate) const DOMAIN_SALT: &[u8] = b"zweck/v1";
/// HKDF salt for keys zweck uses internally; different from [`DOMAIN_SALT`] so that no domain
/// name can yield one.
pub(crate) const INTERNAL_SALT: &[u8] = b"zweck/internal/v1";
/// Shortest master secret accepted: 256 bits, the strength of HMAC-SHA256.
pub const MIN_SECRET_LEN: usize = 32;
/// Longest master secret accepted: one SHA-256 block, beyond which HMAC would hash the key first.
pub const MAX_SECRET_LEN: usize = 64;

/// Versioned master secrets, one of them current.
///
/// New tokens are made with the current version; older versions stay in the ring so that tokens made
/// before a rotation can still be recognised (see [`token_key_version`](super::token_key_version)).
/// Secrets are zeroed when the ring (or a clone of it) is dropped, and `Debug` shows versions only.
///
/// ```
/// use zweck::KeyRing;
/// let mut ring = KeyRing::new(1, &[0x11; 32]).unwrap();
/// let old = ring.domain_key("marketing").pseudonymise(b"jane@example.com");
/// ring.rotate(2, &[0x22; 32]).unwrap();
/// assert_eq!(ring.current_version(), 2);
/// assert_eq!(ring.versions(), vec![1, 2]);
/// // Tokens made under version 1 can still be checked.
/// let v1 = ring.domain_key_for("marketing", 1).unwrap();
/// assert!(v1.verify(b"jane@example.com", &old));
/// assert_eq!(format!("{ring:?}"), "KeyRing { current: 2, versions: [1, 2] }");
/// ```
#[derive(Clone)]
pub struct KeyRing {
    /// The current version and its secret, kept apart so that it always exists.
    current: (u32, Zeroizing<Vec<u8>>),
    /// Every other version.
    others: BTreeMap<u32, Zeroizing<Vec<u8>>>,
}

impl KeyRing {
    /// A ring holding one master secret, which becomes current.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] if `secret` is not 32 to 64 bytes long. The message gives the length,
    /// never the bytes.
    pub fn new(version: u32, secret: &[u8]) -> Result<KeyRing> {
        Ok(KeyRing { current: (version, checked_secret(secret)?), others: BTreeMap::new() })
    }

    /// A ring with a fresh 32-byte master secret from the operating system's random number
    /// generator. Only useful if the host can store the ring's secret elsewhere; otherwise tokens
    /// cannot be reproduced after a restart.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] if the operating system cannot provide random bytes.
    pub fn generate(version: u32) -> Result<KeyRing> {
        let mut secret = Zeroizing::new([0u8; MIN_SECRET_LEN]);
        rand::rngs::OsRng.try_fill_bytes(&mut secret[..]).map_err(|e| {
            Error::InvalidKey(format!("the operating system's random number generator failed: {e}"))
        })?;
        KeyRing::new(version, &secret[..])
    }

    /// Adds an older (or future) master secret without changing the current version.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] if `secret` is not 32 to 64 bytes long or `version` is already in the
    /// ring (a version must always mean the same secret, or its tokens become ambiguous).
    pub fn add_key(&mut self, version: u32, secret: &[u8]) -> Result<()> {
        let secret = checked_secret(secret)?;
        if self.contains(version) {
            return Err(Error::InvalidKey(format!(
                "key version {version} is already in the key ring; give the new secret a new version number"
            )));
        }
        self.others.insert(version, secret);
        Ok(())
    }

    /// Adds a new master secret and makes it current: new tokens use it, old ones stay recognisable.
    ///
    /// # Errors
    /// As [`add_key`](Self::add_key); on error the ring is unchanged.
    pub fn rotate(&mut self, version: u32, secret: &[u8]) -> Result<()> {
        self.add_key(version, secret)?;
        self.set_current(version)
    }

    /// Makes a version already in the ring current (for example to roll back a rotation).
    ///
    /// # Errors
    /// [`Error::UnknownKeyVersion`] if the ring does not hold `version`.
    pub fn set_current(&mut self, version: u32) -> Result<()> {
        if version == self.current.0 {
            return Ok(());
        }
        let secret = self.others.remove(&version).ok_or(Error::UnknownKeyVersion(version))?;
        let (old_version, old_secret) = std::mem::replace(&mut self.current, (version, secret));
        self.others.insert(old_version, old_secret);
        Ok(())
    }

    /// The version new tokens are made with.
    pub fn current_version(&self) -> u32 {
        self.current.0
    }

    /// All versions in the ring, ascending.
    pub fn versions(&self) -> Vec<u32> {
        let mut versions: Vec<u32> = self.others.keys().copied().collect();
        let at = versions.partition_point(|&v| v < self.current.0);
        versions.insert(at, self.current.0);
        versions
    }

    /// Whether the ring holds `version`.
    pub fn contains(&self, version: u32) -> bool {
        version == self.current.0 || self.others.contains_key(&version)
    }

    /// The key for pseudonymisation `domain` under the current version.
    ///
    /// Derive it once per domain and keep it: it carries the keyed HMAC state.
    pub fn domain_key(&self, domain: &str) -> DomainKey {
        let (version, secret) = &self.current;
        let key = hkdf_sha256(DOMAIN_SALT, secret, domain.as_bytes());
        DomainKey::from_derived_key(domain, *version, &key)
    }

    /// The key for pseudonymisation `domain` under a given version, e.g. to check or migrate tokens
    /// made before a rotation.
    ///
    /// # Errors
    /// [`Error::UnknownKeyVersion`] if the ring does not hold `version`.
    pub fn domain_key_for(&self, domain: &str, version: u32) -> Result<DomainKey> {
        let secret = self.secret(version).ok_or(Error::UnknownKeyVersion(version))?;
        let key = hkdf_sha256(DOMAIN_SALT, secret, domain.as_bytes());
        Ok(DomainKey::from_derived_key(domain, version, &key))
    }

    /// A 32-byte key for zweck's own use (audit chain, erasure receipts, …), named by `label`.
    ///
    /// Derived under a different HKDF salt than domain keys, so no pseudonymisation domain can
    /// reproduce it.
    ///
    /// # Errors
    /// [`Error::UnknownKeyVersion`] if the ring does not hold `version`.
    pub fn internal_key(&self, version: u32, label: &str) -> Result<Zeroizing<[u8; 32]>> {
        let secret = self.secret(version).ok_or(Error::UnknownKeyVersion(version))?;
        Ok(hkdf_sha256(INTERNAL_SALT, secret, label.as_bytes()))
    }

    /// An 8-byte fingerprint of the secret under `version`, safe to store and show.
    ///
    /// Store it next to data pseudonymised under a version; if a later process computes a different
    /// value for the same version, it was given a different secret and its tokens would not match.
    /// It is the first 8 bytes of `HMAC-SHA256(internal_key(version, "kcv"), "zweck key check")`.
    ///
    /// # Errors
    /// [`Error::UnknownKeyVersion`] if the ring does not hold `version`.
    pub fn key_check_value(&self, version: u32) -> Result<[u8; 8]> {
        let key = self.internal_key(version, "kcv")?;
        let tag = hmac_once(&key[..], &[b"zweck key check"]);
        let mut kcv = [0u8; 8];
        kcv.copy_from_slice(&tag[..8]);
        Ok(kcv)
    }

    fn secret(&self, version: u32) -> Option<&[u8]> {
        if version == self.current.0 {
            return Some(&self.current.1);
        }
        self.others.get(&version).map(|s| s.as_slice())
    }
}

impl fmt::Debug for KeyRing {
    /// Versions only; secrets are never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current.0)
            .field("versions", &self.versions())
            .finish()
    }
}

fn checked_secret(secret: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.len()) {
        return Err(Error::InvalidKey(format!(
            "a master secret must be {MIN_SECRET_LEN} to {MAX_SECRET_LEN} bytes long, got {} bytes; \
             generate 32 random bytes (e.g. `openssl rand -hex 32`)",
            secret.len()
        )));
    }
    Ok(Zeroizing::new(secret.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pseudo::hkdf::hkdf_sha256;

    fn secret(fill: u8, len: usize) -> Vec<u8> {
        (0..len).map(|i| fill.wrapping_add(i as u8)).collect()
    }

    #[test]
    fn secrets_of_32_to_64_bytes_are_accepted_and_others_refused_by_length() {
        for len in [32, 33, 48, 64] {
            assert!(KeyRing::new(1, &secret(1, len)).is_ok(), "{len}");
        }
        for len in [0, 16, 31, 65, 128] {
            let msg = KeyRing::new(1, &secret(1, len)).unwrap_err().to_string();
            assert!(msg.starts_with("invalid key: "), "{msg}");
            assert!(msg.contains(&format!("got {len} bytes")), "{msg}");
        }
        let mut ring = KeyRing::new(1, &secret(1, 32)).unwrap();
        assert!(matches!(ring.add_key(2, &secret(2, 31)), Err(Error::InvalidKey(_))));
        assert!(matches!(ring.rotate(2, &secret(2, 65)), Err(Error::InvalidKey(_))));
        assert_eq!(ring.versions(), vec![1]);
    }

    #[test]
    fn error_messages_never_contain_secret_bytes() {
        let s = [0xabu8; 65];
        let msg = KeyRing::new(1, &s).unwrap_err().to_string();
        assert!(!msg.to_lowercase().contains("abab") && !msg.contains("171"), "{msg}");
    }

    #[test]
    fn add_key_keeps_the_current_version_and_refuses_duplicates() {
        let mut ring = KeyRing::new(3, &secret(3, 32)).unwrap();
        ring.add_key(1, &secret(1, 32)).unwrap();
        ring.add_key(7, &secret(7, 64)).unwrap();
        assert_eq!(ring.current_version(), 3);
        assert_eq!(ring.versions(), vec![1, 3, 7]);
        assert!(
            matches!(ring.add_key(3, &secret(9, 32)), Err(Error::InvalidKey(m)) if m.contains("already"))
        );
        assert!(matches!(ring.add_key(1, &secret(9, 32)), Err(Error::InvalidKey(_))));
        // The refused secret did not replace the stored one.
        let fresh = KeyRing::new(1, &secret(1, 32)).unwrap();
        assert_eq!(ring.key_check_value(1).unwrap(), fresh.key_check_value(1).unwrap());
    }

    #[test]
    fn rotate_makes_a_new_version_current_and_keeps_the_old_one() {
        let mut ring = KeyRing::new(1, &secret(1, 32)).unwrap();
        let before = ring.domain_key("d").pseudonymise(b"v");
        ring.rotate(2, &secret(2, 32)).unwrap();
        assert_eq!(ring.current_version(), 2);
        let after = ring.domain_key("d");
        assert_eq!(after.version(), 2);
        assert!(after.pseudonymise(b"v").starts_with("k2_"));
        assert!(ring.domain_key_for("d", 1).unwrap().verify(b"v", &before));
        assert!(matches!(ring.rotate(1, &secret(5, 32)), Err(Error::InvalidKey(_))));
        assert_eq!(ring.current_version(), 2);
    }

    #[test]
    fn set_current_switches_between_held_versions_only() {
        let mut ring = KeyRing::new(1, &secret(1, 32)).unwrap();
        ring.rotate(2, &secret(2, 32)).unwrap();
        ring.set_current(1).unwrap();
        assert_eq!(ring.current_version(), 1);
        assert_eq!(ring.domain_key("d").version(), 1);
        ring.set_current(1).unwrap();
        assert_eq!(ring.versions(), vec![1, 2]);
        assert!(matches!(ring.set_current(9), Err(Error::UnknownKeyVersion(9))));
        assert!(matches!(ring.domain_key_for("d", 9), Err(Error::UnknownKeyVersion(9))));
        assert!(matches!(ring.internal_key(9, "audit"), Err(Error::UnknownKeyVersion(9))));
        assert!(matches!(ring.key_check_value(9), Err(Error::UnknownKeyVersion(9))));
        assert_eq!(ring.current_version(), 1);
        assert!(ring.contains(2) && !ring.contains(9));
    }

    #[test]
    fn domain_key_is_hkdf_of_the_master_secret_with_the_published_salt() {
        let ring = KeyRing::new(1, &secret(1, 40)).unwrap();
        let kd = hkdf_sha256::<32>(b"zweck/v1", &secret(1, 40), b"marketing");
        let want = DomainKey::from_derived_key("marketing", 1, &kd);
        assert_eq!(ring.domain_key("marketing").digest(b"x"), want.digest(b"x"));
        assert_ne!(ring.domain_key("analytics").digest(b"x"), want.digest(b"x"));
    }

    #[test]
    fn internal_keys_cannot_be_reproduced_by_any_domain() {
        let ring = KeyRing::new(1, &secret(1, 32)).unwrap();
        let audit = ring.internal_key(1, "audit").unwrap();
        let as_domain = hkdf_sha256::<32>(b"zweck/v1", &secret(1, 32), b"audit");
        assert_ne!(*audit, *as_domain);
        assert_ne!(*audit, *ring.internal_key(1, "erasure").unwrap());
        let want = hkdf_sha256::<32>(b"zweck/internal/v1", &secret(1, 32), b"audit");
        assert_eq!(*audit, *want);
    }

    #[test]
    fn key_check_value_tells_different_secrets_under_one_version_apart() {
        let a = KeyRing::new(1, &secret(1, 32)).unwrap();
        let b = KeyRing::new(1, &secret(2, 32)).unwrap();
        assert_eq!(a.key_check_value(1).unwrap(), a.clone().key_check_value(1).unwrap());
        assert_ne!(a.key_check_value(1).unwrap(), b.key_check_value(1).unwrap());
        let internal = a.internal_key(1, "kcv").unwrap();
        assert_eq!(a.key_check_value(1).unwrap()[..], hmac_once(&internal[..], &[b"zweck key check"])[..8]);
    }

    #[test]
    fn generated_rings_have_distinct_random_secrets() {
        let a = KeyRing::generate(4).unwrap();
        let b = KeyRing::generate(4).unwrap();
        assert_eq!(a.versions(), vec![4]);
        assert_ne!(a.key_check_value(4).unwrap(), b.key_check_value(4).unwrap());
    }

    /// Every way a byte of `secret` could show up in text: hex pairs (either case) and decimal.
    fn leaks(text: &str, secret: &[u8]) -> bool {
        let lower = text.to_lowercase();
        let hex_run: String = secret[..4].iter().map(|b| format!("{b:02x}")).collect();
        let dec_run = secret[..4].iter().map(u8::to_string).collect::<Vec<_>>().join(", ");
        let dec_run_tight = secret[..4].iter().map(u8::to_string).collect::<Vec<_>>().join(",");
        lower.contains(&hex_run) || text.contains(&dec_run) || text.contains(&dec_run_tight)
    }

    #[test]
    fn debug_output_shows_versions_but_no_key_bytes() {
        let s: Vec<u8> = (0..32).map(|i| 0x90 + i as u8).collect();
        let mut ring = KeyRing::new(1, &s).unwrap();
        ring.add_key(7, &[0x42; 64]).unwrap();
        let ring_dbg = format!("{ring:?} {ring:#?}");
        assert_eq!(format!("{ring:?}"), "KeyRing { current: 1, versions: [1, 7] }");
        assert!(!leaks(&ring_dbg, &s) && !leaks(&ring_dbg, &[0x42; 64]), "{ring_dbg}");

        let key = ring.domain_key("marketing");
        let key_dbg = format!("{key:?} {key:#?}");
        assert_eq!(format!("{key:?}"), "DomainKey { domain: \"marketing\", version: 1, .. }");
        let kd = hkdf_sha256::<32>(b"zweck/v1", &s, b"marketing");
        assert!(!leaks(&key_dbg, &s) && !leaks(&key_dbg, &kd[..]), "{key_dbg}");
        // The keyed midstate words are not printed in any form either.
        for word in key.inner_state_for_tests() {
            assert!(!key_dbg.contains(&word.to_string()), "{key_dbg}");
            assert!(!key_dbg.to_lowercase().contains(&format!("{word:08x}")), "{key_dbg}");
        }
    }
}
