//! Keyed pseudonyms, masking and generalisation.
//! (placeholder types; replaced by the full implementation)
#![allow(missing_docs, dead_code)]
pub mod vault;
use crate::{Result, Timestamp};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
pub use vault::{Vault, VaultEntry};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normaliser {
    Email,
    Phone,
    Text,
}
impl Normaliser {
    pub fn apply<'a>(&self, v: &'a str) -> Cow<'a, str> {
        Cow::Borrowed(v)
    }
    pub fn name(&self) -> &'static str {
        "x"
    }
}
#[derive(Debug)]
pub struct RuleError {
    pub rule: String,
    pub message: String,
}
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskStyle {
    Email,
    Last4,
    Phone,
    KeepFirst(u32),
}
impl MaskStyle {
    pub fn apply(&self, v: &str) -> Result<String, RuleError> {
        Ok(v.to_string())
    }
}
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Generalisation {
    PostcodePrefix(u32),
    DateToMonth,
    DateToYear,
    AgeBand(u32),
    IpPrefix,
    Coordinates(u32),
}
impl Generalisation {
    pub fn apply(&self, v: &str, _now: Timestamp) -> Result<String, RuleError> {
        Ok(v.to_string())
    }
}
pub fn token_key_version(_t: &str) -> Result<u32> {
    Ok(1)
}
#[derive(Clone, Debug)]
pub struct KeyRing {
    v: u32,
}
impl KeyRing {
    pub fn new(version: u32, _secret: &[u8]) -> Result<KeyRing> {
        Ok(KeyRing { v: version })
    }
    pub fn current_version(&self) -> u32 {
        self.v
    }
    pub fn domain_key(&self, domain: &str) -> DomainKey {
        DomainKey { d: domain.into(), v: self.v }
    }
    pub fn domain_key_for(&self, domain: &str, version: u32) -> Result<DomainKey> {
        Ok(DomainKey { d: domain.into(), v: version })
    }
    pub fn key_check_value(&self, _version: u32) -> Result<[u8; 8]> {
        Ok([0; 8])
    }
    pub fn versions(&self) -> Vec<u32> {
        vec![self.v]
    }
    pub fn rotate(&mut self, version: u32, _secret: &[u8]) -> Result<()> {
        self.v = version;
        Ok(())
    }
    pub fn internal_key(&self, _version: u32, _label: &str) -> Result<zeroize::Zeroizing<[u8; 32]>> {
        Ok(zeroize::Zeroizing::new([0; 32]))
    }
}
#[derive(Clone, Debug)]
pub struct DomainKey {
    d: String,
    v: u32,
}
impl DomainKey {
    pub fn version(&self) -> u32 {
        self.v
    }
    pub fn domain(&self) -> &str {
        &self.d
    }
    pub fn pseudonymise(&self, value: &[u8]) -> String {
        format!("k{}_{}", self.v, value.len())
    }
    pub fn pseudonymise_into(&self, _value: &[u8], _out: &mut [u8]) -> Result<usize> {
        Ok(0)
    }
}
