//! The compiled policy: purposes and fields interned to small ids, ancestry as bit sets and a dense
//! field × purpose table, so that a decision is a few look-ups.

use std::sync::Arc;

use super::document::{LegalBasis, PolicyDocument, PurposeFlag, Treatment};
use super::names::NameMap;
use crate::consent::tcf::TcfMapping;
use crate::pseudo::Normaliser;
use crate::Period;

/// Index of a purpose in a [`Policy`]. Only meaningful for the policy that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PurposeId(pub(crate) u16);

/// Index of a field in a [`Policy`]. Only meaningful for the policy that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub(crate) u16);

impl PurposeId {
    /// The raw index.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl FieldId {
    /// The raw index.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// A validated purpose with its inherited settings resolved.
#[derive(Clone, Debug)]
pub struct Purpose {
    pub(crate) id: PurposeId,
    pub(crate) key: Arc<str>,
    pub(crate) description: String,
    pub(crate) basis: LegalBasis,
    pub(crate) notice_version: u32,
    pub(crate) max_consent_age: Option<Period>,
    pub(crate) retention: Option<Period>,
    pub(crate) data_use: Option<String>,
    pub(crate) flags: Vec<PurposeFlag>,
    pub(crate) reidentify: bool,
    pub(crate) parent: Option<PurposeId>,
    /// This purpose first, then its ancestors nearest first.
    pub(crate) chain: Vec<PurposeId>,
    /// The keys of `chain`, in the same order (what the consent ledger matches on).
    pub(crate) chain_keys: Vec<Arc<str>>,
    /// Bit set of `chain`.
    pub(crate) lineage: Vec<u64>,
}

impl Purpose {
    /// The purpose's id in its policy.
    pub fn id(&self) -> PurposeId {
        self.id
    }
    /// Dotted key.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// Plain-language description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Legal basis (inherited if not stated).
    pub fn basis(&self) -> LegalBasis {
        self.basis
    }
    /// Notice version a consent must have been given for.
    pub fn notice_version(&self) -> u32 {
        self.notice_version
    }
    /// How long a consent counts.
    pub fn max_consent_age(&self) -> Option<Period> {
        self.max_consent_age
    }
    /// Retention period.
    pub fn retention(&self) -> Option<Period> {
        self.retention
    }
    /// fideslang data use.
    pub fn data_use(&self) -> Option<&str> {
        self.data_use.as_deref()
    }
    /// Processing kinds this purpose amounts to.
    pub fn flags(&self) -> &[PurposeFlag] {
        &self.flags
    }
    /// Whether it may re-identify vault tokens.
    pub fn reidentifies(&self) -> bool {
        self.reidentify
    }
    /// Parent purpose.
    pub fn parent(&self) -> Option<PurposeId> {
        self.parent
    }
    /// This purpose's key followed by its ancestors' keys, nearest first.
    pub fn chain_keys(&self) -> &[Arc<str>] {
        &self.chain_keys
    }
    /// True if `other` is this purpose or one of its ancestors (a rule on `other` covers this one).
    pub fn is_covered_by(&self, other: PurposeId) -> bool {
        let i = other.index();
        self.lineage.get(i / 64).is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }
}

/// A validated field.
#[derive(Clone, Debug)]
pub struct Field {
    pub(crate) id: FieldId,
    pub(crate) name: Arc<str>,
    pub(crate) category: String,
    pub(crate) special: bool,
    pub(crate) normaliser: Option<Normaliser>,
}

impl Field {
    /// The field's id in its policy.
    pub fn id(&self) -> FieldId {
        self.id
    }
    /// Name in records.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Data category.
    pub fn category(&self) -> &str {
        &self.category
    }
    /// Special-category data (Art. 9).
    pub fn is_special(&self) -> bool {
        self.special
    }
    /// Normaliser applied before pseudonymising.
    pub fn normaliser(&self) -> Option<Normaliser> {
        self.normaliser
    }
}

/// A tag resolved for one (field, purpose) pair: the treatment and the purpose it was declared on
/// (the purpose itself or the nearest tagged ancestor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// How the field leaves.
    pub treatment: Treatment,
    /// Where the tag was declared.
    pub declared_on: PurposeId,
}

/// A validated, compiled policy. Build one with [`Policy::from_json`], [`Policy::from_file`] or
/// [`Policy::from_document`].
///
/// ```
/// use zweck::policy::{Policy, Treatment};
/// let policy = Policy::from_json(r#"{
///   "name": "Example shop",
///   "purposes": [
///     {"key": "orders", "description": "Deliver your orders", "basis": "contract"},
///     {"key": "marketing", "description": "Offers you asked for", "basis": "consent",
///      "notice_version": 2, "max_consent_age": "13 months"},
///     {"key": "marketing.email", "description": "Newsletter"}
///   ],
///   "fields": [
///     {"name": "email", "category": "user.contact.email", "normaliser": "email",
///      "purposes": {"orders": "plain", "marketing": "plain"}}
///   ]
/// }"#).unwrap();
/// let newsletter = policy.purpose_id("marketing.email").unwrap();
/// let email = policy.field_id("email").unwrap();
/// assert_eq!(policy.tag(email, newsletter).unwrap().treatment, Treatment::Plain);
/// assert_eq!(policy.purpose(newsletter).notice_version(), 2); // inherited
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    pub(crate) document: PolicyDocument,
    pub(crate) purposes: Vec<Purpose>,
    pub(crate) purpose_ids: NameMap<PurposeId>,
    pub(crate) fields: Vec<Field>,
    pub(crate) field_ids: NameMap<FieldId>,
    /// `table[field * purposes.len() + purpose]` indexes `tags`, or is `NO_TAG`.
    pub(crate) table: Vec<u32>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) warnings: Vec<String>,
}

pub(crate) const NO_TAG: u32 = u32::MAX;

impl Policy {
    /// The document the policy was compiled from.
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }
    /// Policy name.
    pub fn name(&self) -> &str {
        &self.document.name
    }
    /// All purposes, in declaration order (`PurposeId` order).
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }
    /// All fields, in declaration order (`FieldId` order).
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
    /// Non-fatal findings of validation (e.g. keys outside the vocabulary when strictness is `warn`).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
    /// Looks up a purpose by key.
    pub fn purpose_id(&self, key: &str) -> Option<PurposeId> {
        self.purpose_ids.get(key)
    }
    /// Looks up a field by name.
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        self.field_ids.get(name)
    }
    /// The purpose with this id. Panics only if `id` comes from another policy with more purposes.
    pub fn purpose(&self, id: PurposeId) -> &Purpose {
        &self.purposes[id.index()]
    }
    /// The field with this id. Panics only if `id` comes from another policy with more fields.
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.index()]
    }
    /// How `field` leaves for `purpose`, if at all (the purpose's own tag or its nearest ancestor's).
    #[inline]
    pub fn tag(&self, field: FieldId, purpose: PurposeId) -> Option<&Tag> {
        let slot = field.index() * self.purposes.len() + purpose.index();
        match self.table.get(slot) {
            Some(&t) if t != NO_TAG => self.tags.get(t as usize),
            _ => None,
        }
    }
    /// Resolves a purpose key or fails with a "did you mean" error.
    pub fn require_purpose(&self, key: &str) -> crate::Result<PurposeId> {
        self.purpose_id(key).ok_or_else(|| crate::Error::UnknownPurpose {
            purpose: key.to_string(),
            hint: crate::error::hint(key, self.purposes.iter().map(|p| p.key())),
        })
    }
    /// Resolves a field name or fails with a "did you mean" error.
    pub fn require_field(&self, name: &str) -> crate::Result<FieldId> {
        self.field_id(name).ok_or_else(|| crate::Error::UnknownField {
            field: name.to_string(),
            hint: crate::error::hint(name, self.fields.iter().map(|f| f.name())),
        })
    }
    /// Purposes carrying `flag`.
    pub fn purposes_flagged(&self, flag: PurposeFlag) -> impl Iterator<Item = &Purpose> {
        self.purposes.iter().filter(move |p| p.flags.contains(&flag))
    }
    /// The policy's TCF mapping (its `"tcf"` section), if it has one.
    pub fn tcf(&self) -> Option<&TcfMapping> {
        self.document.tcf.as_ref()
    }
    /// Serialises the policy document back to pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.document).unwrap_or_default()
    }
}
