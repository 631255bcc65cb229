//! The policy document: what a privacy team writes (JSON) or a Rust service builds.
//!
//! These types are the *input* form. [`Policy`](super::Policy) is the validated, compiled form that
//! decisions use; nothing reads a document without going through validation first.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::vocab::Strictness;
use crate::consent::tcf::TcfMapping;
use crate::pseudo::{Generalisation, MaskStyle, Normaliser};
use crate::Period;

/// A whole policy as written: who is responsible, what the purposes are, and which fields each may see.
///
/// Build one in Rust with [`PolicyDocument::new`] and the chained setters; the struct is
/// `#[non_exhaustive]` so that new optional sections do not break callers.
///
/// ```
/// use zweck::policy::{FieldSpec, LegalBasis, Policy, PolicyDocument, PurposeSpec, Treatment};
/// let doc = PolicyDocument::new("Shop")
///     .purpose(PurposeSpec::new("order", Some(LegalBasis::Contract), "Deliver your orders"))
///     .field(FieldSpec::new("email", "user.contact.email").tag("order", Treatment::Plain));
/// let policy = Policy::from_document(doc)?;
/// assert_eq!(policy.fields().len(), 1);
/// # Ok::<(), zweck::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyDocument {
    /// Name of the shop or processing context, shown in the privacy notice.
    pub name: String,
    /// The controller (Art. 4(7) GDPR) and how to reach them; shown in the privacy notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<Controller>,
    /// How data categories and data uses outside the built-in fideslang vocabulary are treated:
    /// `"off"`, `"warn"` (default: listed in [`Policy::warnings`](super::Policy::warnings)) or `"error"`.
    #[serde(default)]
    pub vocabulary: Strictness,
    /// The purposes data may be used for.
    pub purposes: Vec<PurposeSpec>,
    /// The fields of a customer record and the purposes each may serve.
    pub fields: Vec<FieldSpec>,
    /// How the signals of an IAB TCF consent string (from the shop's consent banner) map to the
    /// policy's purposes; needed by [`Engine::record_tcf`](crate::Engine::record_tcf). See
    /// [`TcfMapping`] for the form and its rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcf: Option<TcfMapping>,
}

impl PolicyDocument {
    /// An empty document with a name; add purposes and fields with the setters.
    pub fn new(name: impl Into<String>) -> Self {
        PolicyDocument {
            name: name.into(),
            controller: None,
            vocabulary: Strictness::default(),
            tcf: None,
            purposes: Vec::new(),
            fields: Vec::new(),
        }
    }
    /// Sets the controller.
    pub fn controller(mut self, c: Controller) -> Self {
        self.controller = Some(c);
        self
    }
    /// Sets how keys outside the fideslang vocabulary are treated.
    pub fn vocabulary(mut self, s: Strictness) -> Self {
        self.vocabulary = s;
        self
    }
    /// Sets the mapping of IAB TCF signals to purposes.
    pub fn tcf(mut self, mapping: crate::consent::tcf::TcfMapping) -> Self {
        self.tcf = Some(mapping);
        self
    }
    /// Adds a purpose.
    pub fn purpose(mut self, p: PurposeSpec) -> Self {
        self.purposes.push(p);
        self
    }
    /// Adds a field.
    pub fn field(mut self, f: FieldSpec) -> Self {
        self.fields.push(f);
        self
    }
}

/// The controller responsible for the processing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    /// Legal name.
    pub name: String,
    /// Where customers send requests (an email address or URL).
    pub contact: String,
    /// Data protection officer's contact, if one is appointed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo: Option<String>,
}

/// The legal basis of a purpose (Art. 6(1) GDPR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LegalBasis {
    /// Art. 6(1)(a): the customer's consent, given and not withdrawn.
    Consent,
    /// Art. 6(1)(b): necessary to perform a contract with the customer (e.g. delivering an order).
    Contract,
    /// Art. 6(1)(c): required by law (e.g. keeping invoices for tax).
    LegalObligation,
    /// Art. 6(1)(d): to protect someone's life.
    VitalInterests,
    /// Art. 6(1)(e): a task in the public interest.
    PublicTask,
    /// Art. 6(1)(f): the shop's legitimate interests, until the customer objects (Art. 21).
    LegitimateInterests,
}

impl LegalBasis {
    /// The snake_case name used in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            LegalBasis::Consent => "consent",
            LegalBasis::Contract => "contract",
            LegalBasis::LegalObligation => "legal_obligation",
            LegalBasis::VitalInterests => "vital_interests",
            LegalBasis::PublicTask => "public_task",
            LegalBasis::LegitimateInterests => "legitimate_interests",
        }
    }

    /// Plain-language description for notices.
    pub fn describe(self) -> &'static str {
        match self {
            LegalBasis::Consent => "your consent (Art. 6(1)(a) GDPR)",
            LegalBasis::Contract => "performance of our contract with you (Art. 6(1)(b) GDPR)",
            LegalBasis::LegalObligation => "a legal obligation (Art. 6(1)(c) GDPR)",
            LegalBasis::VitalInterests => "protection of vital interests (Art. 6(1)(d) GDPR)",
            LegalBasis::PublicTask => "a task in the public interest (Art. 6(1)(e) GDPR)",
            LegalBasis::LegitimateInterests => "our legitimate interests (Art. 6(1)(f) GDPR)",
        }
    }

    /// Whether the basis can cover special-category data (Art. 9 GDPR). Consent can (it must then be
    /// explicit, Art. 9(2)(a)); legal obligations, vital interests and public tasks have counterparts in
    /// Art. 9(2)(b), (c) and (g). A contract or legitimate interests never can.
    pub fn can_cover_special_category(self) -> bool {
        !matches!(self, LegalBasis::Contract | LegalBasis::LegitimateInterests)
    }
}

impl fmt::Display for LegalBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Marks a purpose for the signals that refer to a kind of processing rather than a purpose key,
/// such as Global Privacy Control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PurposeFlag {
    /// Selling personal data.
    Sale,
    /// Sharing personal data with third parties (e.g. for cross-context advertising).
    Sharing,
    /// Targeted advertising based on a profile.
    TargetedAdvertising,
}

/// One purpose as declared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeSpec {
    /// Dotted key, e.g. `marketing.email`. A purpose's parent (`marketing`) must be declared too.
    pub key: String,
    /// Plain-language description; it feeds the privacy notice.
    pub description: String,
    /// Legal basis; inherited from the parent when absent. A root purpose must state one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<LegalBasis>,
    /// Version of the privacy notice the customer must have seen for a consent to count; inherited,
    /// 1 when no ancestor states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_version: Option<u32>,
    /// How long a consent counts after it was given (e.g. `"13 months"`); inherited; none = no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_consent_age: Option<Period>,
    /// How long data used for this purpose may be kept (e.g. `"2 years"`); inherited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Period>,
    /// The fideslang data use this purpose corresponds to (e.g. `marketing.advertising`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_use: Option<String>,
    /// Kinds of processing this purpose amounts to (sale, sharing, targeted advertising).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<PurposeFlag>,
    /// Whether this purpose may resolve reversible pseudonyms back to the original value
    /// (e.g. fraud investigation). Every other purpose is denied re-identification.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reidentify: bool,
}

impl PurposeSpec {
    /// A purpose with a basis and a description; the other settings start empty (inherited).
    pub fn new(key: impl Into<String>, basis: Option<LegalBasis>, description: impl Into<String>) -> Self {
        PurposeSpec {
            key: key.into(),
            description: description.into(),
            basis,
            notice_version: None,
            max_consent_age: None,
            retention: None,
            data_use: None,
            flags: Vec::new(),
            reidentify: false,
        }
    }
    /// Sets the required notice version.
    pub fn notice_version(mut self, v: u32) -> Self {
        self.notice_version = Some(v);
        self
    }
    /// Sets the maximum age of a consent.
    pub fn max_consent_age(mut self, p: Period) -> Self {
        self.max_consent_age = Some(p);
        self
    }
    /// Sets the retention period.
    pub fn retention(mut self, p: Period) -> Self {
        self.retention = Some(p);
        self
    }
    /// Sets the fideslang data use.
    pub fn data_use(mut self, key: impl Into<String>) -> Self {
        self.data_use = Some(key.into());
        self
    }
    /// Adds a flag.
    pub fn flag(mut self, f: PurposeFlag) -> Self {
        self.flags.push(f);
        self
    }
    /// Allows re-identification of vault tokens for this purpose.
    pub fn reidentify(mut self, yes: bool) -> Self {
        self.reidentify = yes;
        self
    }
}

/// How a field leaves for a purpose.
///
/// In JSON: `"plain"`, `{"pseudonymise": "analytics"}` (the pseudonym domain), `{"mask": "email"}`
/// (see [`MaskStyle`]) or `{"generalise": {"postcode_prefix": 2}}` (see [`Generalisation`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Treatment {
    /// The value as stored.
    Plain,
    /// A keyed pseudonym in the named domain (see the pseudonym contract in the README).
    Pseudonymise(String),
    /// A masked form that keeps only what the style shows.
    Mask(MaskStyle),
    /// A coarser value (postcode prefix, month, age band, network prefix, rounded coordinates).
    Generalise(Generalisation),
}

/// One field of a customer record as declared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The field's name in records (`email`, `postcode`, …).
    pub name: String,
    /// Dotted data category, fideslang style (`user.contact.email`).
    pub category: String,
    /// Special-category data (Art. 9 GDPR: health, religion, …); needs explicit consent for a
    /// consent-based purpose and can never be released on a contract or legitimate-interests basis.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub special: bool,
    /// Normaliser applied before pseudonymising (`email`, `phone`, `text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normaliser: Option<Normaliser>,
    /// Purposes that may use the field, each with its treatment. A purpose's tag covers its children
    /// unless a child is tagged itself. A purpose not listed (nor an ancestor) never sees the field.
    pub purposes: Tags,
}

impl FieldSpec {
    /// A field with a category and no purposes yet.
    pub fn new(name: impl Into<String>, category: impl Into<String>) -> Self {
        FieldSpec {
            name: name.into(),
            category: category.into(),
            special: false,
            normaliser: None,
            purposes: Tags::default(),
        }
    }
    /// Marks the field as special-category data.
    pub fn special(mut self, yes: bool) -> Self {
        self.special = yes;
        self
    }
    /// Sets the normaliser.
    pub fn normaliser(mut self, n: Normaliser) -> Self {
        self.normaliser = Some(n);
        self
    }
    /// Releases the field to `purpose` (and its children) with `treatment`.
    pub fn tag(mut self, purpose: impl Into<String>, treatment: Treatment) -> Self {
        self.purposes.0.push((purpose.into(), treatment));
        self
    }
}

/// The purpose → treatment tags of a field, in declaration order. Unlike a map, it keeps duplicates so
/// that validation can reject them instead of silently keeping the last one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tags(pub Vec<(String, Treatment)>);

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object mapping purpose keys to treatments")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tags, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    let v: Treatment = map.next_value()?;
                    out.push((k, v));
                }
                Ok(Tags(out))
            }
        }
        d.deserialize_map(V)
    }
}
