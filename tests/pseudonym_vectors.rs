//! Published test vectors for zweck pseudonyms.
//!
//! Anyone re-implementing the construction (a data warehouse UDF, a PHP or Python job) can check
//! their code against this table. `K32` is the 32 bytes `00 01 02 … 1f`; `K64` is the 64 bytes
//! `ff fe fd … c0`. The token is `k<version>_` + the first 16 bytes, in lowercase hex, of
//! `HMAC-SHA256(HKDF-SHA256(salt = "zweck/v1", IKM = master secret, info = domain, L = 32), value)`,
//! where the value is taken after the normaliser, if any. The expected tokens were computed with
//! Python's standard `hmac` and `hashlib` modules; this file checks them against zweck and against a
//! second computation with the `hmac` crate. Run
//! `cargo test --test pseudonym_vectors -- --nocapture` to print the table.
//!
//! | # | master secret | version | domain | normaliser | value | token |
//! |---|---|---|---|---|---|---|
//! | 1 | K32 | 1 | `marketing` | – | `""` (empty) | `k1_f8655ad44284292fdaf165ba753c8ce7` |
//! | 2 | K32 | 1 | `marketing` | – | `"jane.doe@example.com"` | `k1_a21a73052df19c523143cd265e71d435` |
//! | 3 | K32 | 1 | `analytics` | – | `"jane.doe@example.com"` | `k1_b414f90bd5e5950092e26493f69f1fc3` |
//! | 4 | K32 | 7 | `marketing` | – | `"jane.doe@example.com"` | `k7_a21a73052df19c523143cd265e71d435` |
//! | 5 | K64 | 7 | `analytics` | – | `"a"` × 55 | `k7_472070af4d52e32bc8e15669e234707a` |
//! | 6 | K64 | 7 | `analytics` | – | `"a"` × 56 | `k7_3d81c4bf541ea3b8f8e6e75c983064e6` |
//! | 7 | K64 | 7 | `analytics` | – | `"a"` × 64 | `k7_84c84f914b31e9b281ce213f16b79fc6` |
//! | 8 | K32 | 1 | `crm.name` | – | `"Jürgen Müller-Lüdenscheidt 語"` | `k1_0001b323d07d6d0661093a7d88b2d642` |
//! | 9 | K64 | 1 | `marketing` | – | `"jane.doe@example.com"` | `k1_f6c79d17a920ac78eba5860484f4cc75` |
//! | 10 | K32 | 1 | `marketing` | email | `"  Jane.Doe@Example.COM "` | `k1_a21a73052df19c523143cd265e71d435` |
//! | 11 | K64 | 1 | `support` | phone | `"+49 (170) 123-4567"` | `k1_99cef7b3b472dd92bb4cee629459e975` |
//!
//! What the rows show: the same value gets unlinkable tokens in different domains (2, 3) and under
//! different secrets (2, 9); the key version only changes the prefix, because it selects the secret
//! but is not an input to the derivation (2, 4); a normaliser makes differently typed values agree
//! (10 = 2); rows 5 to 7 sit on the SHA-256 padding boundaries (55 bytes fit one final block with the
//! length, 56 do not, 64 fill a block).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zweck::pseudo::{token_key_version, KeyRing, Normaliser};

struct Vector {
    /// `true` for K64, `false` for K32.
    long_key: bool,
    version: u32,
    domain: &'static str,
    normaliser: Option<Normaliser>,
    /// As given to zweck, before the normaliser.
    input: Vec<u8>,
    /// After the normaliser, written out by hand for the independent computation.
    canonical: Vec<u8>,
    /// How the table shows the value.
    shown: String,
    token: &'static str,
}

fn k32() -> Vec<u8> {
    (0u8..32).collect()
}

fn k64() -> Vec<u8> {
    (0u8..64).map(|i| 0xff - i).collect()
}

fn plain(long_key: bool, version: u32, domain: &'static str, value: &str, token: &'static str) -> Vector {
    Vector {
        long_key,
        version,
        domain,
        normaliser: None,
        input: value.as_bytes().to_vec(),
        canonical: value.as_bytes().to_vec(),
        shown: if value.is_empty() { "`\"\"` (empty)".to_string() } else { format!("`{value:?}`") },
        token,
    }
}

fn repeated(n: usize, token: &'static str) -> Vector {
    Vector { shown: format!("`\"a\"` × {n}"), ..plain(true, 7, "analytics", &"a".repeat(n), token) }
}

fn normalised(
    long_key: bool,
    domain: &'static str,
    normaliser: Normaliser,
    input: &str,
    canonical: &str,
    token: &'static str,
) -> Vector {
    Vector {
        normaliser: Some(normaliser),
        input: input.as_bytes().to_vec(),
        canonical: canonical.as_bytes().to_vec(),
        shown: format!("`{input:?}`"),
        ..plain(long_key, 1, domain, "", token)
    }
}

fn vectors() -> Vec<Vector> {
    let email = "jane.doe@example.com";
    vec![
        plain(false, 1, "marketing", "", "k1_f8655ad44284292fdaf165ba753c8ce7"),
        plain(false, 1, "marketing", email, "k1_a21a73052df19c523143cd265e71d435"),
        plain(false, 1, "analytics", email, "k1_b414f90bd5e5950092e26493f69f1fc3"),
        plain(false, 7, "marketing", email, "k7_a21a73052df19c523143cd265e71d435"),
        repeated(55, "k7_472070af4d52e32bc8e15669e234707a"),
        repeated(56, "k7_3d81c4bf541ea3b8f8e6e75c983064e6"),
        repeated(64, "k7_84c84f914b31e9b281ce213f16b79fc6"),
        plain(false, 1, "crm.name", "Jürgen Müller-Lüdenscheidt 語", "k1_0001b323d07d6d0661093a7d88b2d642"),
        plain(true, 1, "marketing", email, "k1_f6c79d17a920ac78eba5860484f4cc75"),
        normalised(
            false,
            "marketing",
            Normaliser::Email,
            "  Jane.Doe@Example.COM ",
            email,
            "k1_a21a73052df19c523143cd265e71d435",
        ),
        normalised(
            true,
            "support",
            Normaliser::Phone,
            "+49 (170) 123-4567",
            "+491701234567",
            "k1_99cef7b3b472dd92bb4cee629459e975",
        ),
    ]
}

fn secret(v: &Vector) -> Vec<u8> {
    if v.long_key {
        k64()
    } else {
        k32()
    }
}

/// The construction computed directly with the `hmac` crate: HKDF extract and one expand block,
/// then HMAC of the canonical value.
fn independent_token(v: &Vector) -> String {
    let hmac = |key: &[u8], parts: &[&[u8]]| -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    };
    let prk = hmac(b"zweck/v1", &[&secret(v)]);
    let domain_key = hmac(&prk, &[v.domain.as_bytes(), &[1]]);
    let digest = hmac(&domain_key, &[&v.canonical]);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("k{}_{hex}", v.version)
}

fn row(n: usize, v: &Vector) -> String {
    format!(
        "| {n} | {} | {} | `{}` | {} | {} | `{}` |",
        if v.long_key { "K64" } else { "K32" },
        v.version,
        v.domain,
        v.normaliser.map_or("–", |n| n.name()),
        v.shown,
        v.token
    )
}

#[test]
fn zweck_reproduces_every_published_vector() {
    for (i, v) in vectors().iter().enumerate() {
        let ring = KeyRing::new(v.version, &secret(v)).unwrap();
        let key = ring.domain_key(v.domain);
        let input = std::str::from_utf8(&v.input).unwrap();
        let canonical = match v.normaliser {
            Some(n) => n.apply(input).into_owned(),
            None => input.to_string(),
        };
        assert_eq!(canonical.as_bytes(), &v.canonical[..], "row {}: normaliser", i + 1);
        assert_eq!(key.pseudonymise(canonical.as_bytes()), v.token, "row {}", i + 1);
        assert!(key.verify(canonical.as_bytes(), v.token), "row {}", i + 1);
        assert_eq!(token_key_version(v.token).unwrap(), v.version);

        let mut buf = [0u8; 64];
        let n = key.pseudonymise_into(canonical.as_bytes(), &mut buf).unwrap();
        assert_eq!(&buf[..n], v.token.as_bytes(), "row {}: into buffer", i + 1);
    }
}

#[test]
fn the_hmac_crate_alone_reproduces_every_published_vector() {
    for (i, v) in vectors().iter().enumerate() {
        assert_eq!(independent_token(v), v.token, "row {}", i + 1);
    }
}

#[test]
fn vectors_cover_the_promised_cases() {
    let vs = vectors();
    assert!(vs.len() >= 6);
    assert!(vs.iter().any(|v| v.long_key) && vs.iter().any(|v| !v.long_key));
    assert!(vs.iter().any(|v| v.version == 1) && vs.iter().any(|v| v.version == 7));
    assert!(vs.iter().any(|v| v.canonical.is_empty()));
    for len in [55, 56, 64] {
        assert!(vs.iter().any(|v| v.canonical.len() == len), "{len}-byte value");
    }
    assert!(vs.iter().any(|v| !v.canonical.is_ascii()));
    assert!(vs.iter().any(|v| v.normaliser == Some(Normaliser::Email)));
    assert_eq!(k32().len(), 32);
    assert_eq!(k64().len(), 64);
}

#[test]
fn table_in_the_file_header_matches_the_vectors() {
    let header = include_str!("pseudonym_vectors.rs");
    let mut table = vec![
        "| # | master secret | version | domain | normaliser | value | token |".to_string(),
        "|---|---|---|---|---|---|---|".to_string(),
    ];
    table.extend(vectors().iter().enumerate().map(|(i, v)| row(i + 1, v)));
    for line in &table {
        assert!(header.contains(&format!("//! {line}\n")), "header lacks or differs from:\n{line}");
    }
    println!("{}", table.join("\n"));
}
