//! Keyed pseudonyms, masking and generalisation: the forms a field can take when a purpose may use
//! it but should not see it plainly.
//!
//! * **Pseudonyms** ([`KeyRing`], [`DomainKey`]) replace a value by a token such as
//!   `k1_3f2a…` that is stable (the same customer always gets the same token, so joins and
//!   personalisation work), unlinkable across domains (marketing and analytics see different tokens
//!   for the same customer), and not reversible without the master secret.
//! * **Masks** ([`MaskStyle`]) keep a value recognisable to a person (`j***@example.com`).
//! * **Generalisations** ([`Generalisation`]) coarsen a value (birth date → age band).
//!
//! # The pseudonym contract
//!
//! Tokens can be reproduced with any standard HMAC-SHA256, for example in a data warehouse:
//!
//! 1. `K_d = HKDF-SHA256(salt = "zweck/v1", IKM = master secret, info = domain name, L = 32)`
//!    (RFC 5869).
//! 2. `D = HMAC-SHA256(K_d, canonical value)`, where the canonical value is the value's UTF-8 bytes
//!    after the field's [`Normaliser`], if it has one.
//! 3. Token = `k<version>_` followed by the lowercase hex of the first 16 bytes of `D`.
//!
//! ```
//! use zweck::pseudo::{KeyRing, Normaliser};
//! let ring = KeyRing::new(1, &[0x42; 32]).unwrap();
//! let marketing = ring.domain_key("marketing");
//! let email = Normaliser::Email.apply(" Jane.Doe@Example.com ");
//! let token = marketing.pseudonymise(email.as_bytes());
//! assert_eq!(token, marketing.pseudonymise(b"jane.doe@example.com"));
//! assert_eq!(zweck::pseudo::token_key_version(&token).unwrap(), 1);
//! ```

mod batch;
mod domain;
mod generalise;
mod hkdf;
mod keyring;
mod mask;
mod normalise;
mod rule;
mod sha_ni;
mod token;
pub mod vault;

pub use domain::DomainKey;
pub use generalise::{Generalisation, MAX_COORDINATE_DECIMALS};
pub use keyring::{KeyRing, MAX_SECRET_LEN, MIN_SECRET_LEN};
pub use mask::MaskStyle;
pub use normalise::Normaliser;
pub use rule::RuleError;
pub(crate) use token::hex_string;
pub use token::token_key_version;
pub use vault::{Vault, VaultEntry};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn keys_can_be_shared_across_threads() {
        assert_send_sync::<KeyRing>();
        assert_send_sync::<DomainKey>();
    }
}
