//! The decoded TC string: one struct per segment, fields named after the IAB specification's.
//!
//! Field documentation quotes or paraphrases IAB Tech Lab, "Transparency and Consent String with Global
//! Vendor & CMP List Formats", v2.2 (May 2023) with the v2.3 amendment (April 2025), in
//! `InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework`,
//! `TCFv2/IAB Tech Lab - Consent string and vendor list formats v2.md` ("the specification" below).

use std::collections::BTreeSet;

use super::idset::IdSet;
use crate::Timestamp;

/// A decoded TC string (TCF v2: the core segment plus whichever optional segments were present).
///
/// Produced by [`TcString::decode`], which is lenient: it accepts every string it can read bit by bit
/// and keeps odd values (vendor ids above `MaxVendorId`, backwards ranges, restriction type 3, …) for
/// [`validate`](super::validate) to report. Decide whether to trust a string with the validator, and what
/// a vendor may do with [`TcString::vendor_allowed`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TcString {
    /// `Version`: the encoding format version; always 2 (the decoder rejects anything else).
    pub version: u8,
    /// `Created`, truncated to whole seconds.
    pub created: Timestamp,
    /// `Created` as encoded: deciseconds since the Unix epoch. Since the December 2021 revision CMPs set
    /// it to a day-level value equal to `LastUpdated` (specification § "What happened to Created and
    /// LastUpdated?").
    pub created_deciseconds: u64,
    /// `LastUpdated`, truncated to whole seconds.
    pub last_updated: Timestamp,
    /// `LastUpdated` as encoded: deciseconds since the Unix epoch.
    pub last_updated_deciseconds: u64,
    /// `CmpId`: the registered CMP that last updated the string.
    pub cmp_id: u16,
    /// `CmpVersion`: that CMP's version.
    pub cmp_version: u16,
    /// `ConsentScreen`: CMP-internal number of the screen on which the user made the choice.
    pub consent_screen: u8,
    /// `ConsentLanguage`: ISO 639-1 code of the language the CMP UI was shown in, uppercase (`EN`);
    /// a 6-bit value above 25 is not a letter and appears as `?`.
    pub consent_language: String,
    /// `VendorListVersion`: the Global Vendor List version the CMP used.
    pub vendor_list_version: u16,
    /// `TcfPolicyVersion`: the TCF policy version of that vendor list. 2 for TCF v2.0/v2.1, 4 since
    /// TCF v2.2 (May 2023), 5 since the policy update published with GVL v62 (July 2024). TCF v2.3 did not
    /// change it: a v2.3 string is recognised by its creation date and disclosed-vendors segment.
    pub policy_version: u8,
    /// `IsServiceSpecific`: the string was stored by a service-specific CMP (`true`) rather than in the
    /// retired global consensu.org scope.
    pub is_service_specific: bool,
    /// `UseNonStandardTexts` (formerly `UseNonStandardStacks`): the publisher's CMP used customised texts.
    pub use_non_standard_texts: bool,
    /// `SpecialFeatureOptIns`: ids (1–12) of the special features the user opted in to.
    pub special_feature_opt_ins: BTreeSet<u8>,
    /// `PurposesConsent`: ids (1–24) of the purposes the user consented to.
    pub purpose_consents: BTreeSet<u8>,
    /// `PurposesLITransparency`: ids (1–24) of the purposes whose legitimate-interest transparency was
    /// established and not objected to.
    pub purpose_legitimate_interests: BTreeSet<u8>,
    /// `PurposeOneTreatment`: `true` means purpose 1 was *not* disclosed, because the publisher's
    /// jurisdiction (see `publisher_country_code`) does not require consent for device access.
    pub purpose_one_treatment: bool,
    /// `PublisherCC`: ISO 3166-1 alpha-2 country whose law the publisher operates under, uppercase;
    /// a 6-bit value above 25 is not a letter and appears as `?`.
    pub publisher_country_code: String,
    /// Vendor Consent Section: vendors the user consented to.
    pub vendor_consents: VendorSection,
    /// Vendor Legitimate Interest Section: vendors whose legitimate interest was established and not
    /// objected to.
    pub vendor_legitimate_interests: VendorSection,
    /// Publisher Restrictions Section, one entry per (purpose, restriction type) pair in ascending order;
    /// entries the string repeats for the same pair are merged (as iabtcf-es's `PurposeRestrictionVector`
    /// does).
    pub publisher_restrictions: Vec<PublisherRestriction>,
    /// Disclosed Vendors segment (`SegmentType` 1): vendors the CMP showed to the user. Optional before
    /// TCF v2.3, mandatory in strings created after 28 February 2026.
    pub disclosed_vendors: Option<VendorSection>,
    /// Allowed Vendors segment (`SegmentType` 2): the out-of-band vendor list of the retired global
    /// scope. Decoded so nothing is silently dropped; [`validate`](super::validate) reports its presence.
    pub allowed_vendors: Option<VendorSection>,
    /// Publisher TC segment (`SegmentType` 3): the publisher's own purposes and custom purposes.
    pub publisher_tc: Option<PublisherTc>,
}

/// A vendor list as encoded: `MaxVendorId`, then a bit field or range entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VendorSection {
    /// `MaxVendorId`: the largest vendor id the section describes.
    pub max_vendor_id: u16,
    /// `IsRangeEncoding`: `true` for range entries, `false` for a bit field.
    pub is_range_encoding: bool,
    /// The range entries as encoded (empty for a bit field), kept so the validator can report backwards
    /// ranges and ids above `MaxVendorId`.
    pub entries: Vec<RangeEntry>,
    /// The vendor ids: the set bits of the bit field, or the union of the well-formed range entries
    /// (a backwards entry adds nothing). Ids above `MaxVendorId` or 0 are kept as encoded.
    pub ids: IdSet,
}

impl VendorSection {
    /// True if `vendor_id` is in the section.
    pub fn contains(&self, vendor_id: u16) -> bool {
        self.ids.contains(vendor_id)
    }
}

/// One `RangeEntry`: a single vendor (`start == end`, `IsARange = 0`) or an inclusive range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RangeEntry {
    /// `StartOrOnlyVendorId`.
    pub start: u16,
    /// `EndVendorId`, or `start` when `IsARange` is 0.
    pub end: u16,
}

/// A `PubRestrictionEntry`: the publisher restricts the listed vendors for one purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublisherRestriction {
    /// `PurposeId` (6 bits, so 0–63; only 1–24 are meaningful).
    pub purpose_id: u8,
    /// `RestrictionType`.
    pub restriction_type: RestrictionType,
    /// The range entries as encoded (of every entry merged into this one).
    pub entries: Vec<RangeEntry>,
    /// The restricted vendors: the union of the well-formed range entries.
    pub vendors: IdSet,
}

/// `RestrictionType` of a publisher restriction (specification § Publisher Restrictions Section).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum RestrictionType {
    /// 0: "Purpose Flatly Not Allowed by Publisher (regardless of Vendor declarations)".
    NotAllowed = 0,
    /// 1: "Require Consent (if Vendor has declared the Purpose IDs legal basis as Legitimate Interest and
    /// flexible)".
    RequireConsent = 1,
    /// 2: "Require Legitimate Interest (if Vendor has declared the Purpose IDs legal basis as Consent and
    /// flexible)".
    RequireLegitimateInterest = 2,
    /// 3: "UNDEFINED (not used)". Decoded so the validator can report it; it restricts nothing.
    Undefined = 3,
}

impl RestrictionType {
    /// The 2-bit code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The type for a 2-bit code (only the low two bits are looked at).
    pub const fn from_code(code: u8) -> Self {
        match code & 3 {
            0 => RestrictionType::NotAllowed,
            1 => RestrictionType::RequireConsent,
            2 => RestrictionType::RequireLegitimateInterest,
            _ => RestrictionType::Undefined,
        }
    }
}

/// The Publisher TC segment: the publisher's own transparency and consent signals. "Vendors should not
/// rely on the Publisher TC segment unless they're in agreement with the publisher to do so."
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublisherTc {
    /// `PubPurposesConsent`: purposes (1–24) the user consented to for the publisher.
    pub purpose_consents: BTreeSet<u8>,
    /// `PubPurposesLITransparency`: purposes (1–24) with the publisher's legitimate interest established.
    pub purpose_legitimate_interests: BTreeSet<u8>,
    /// `NumCustomPurposes`: the publisher defines custom purposes 1 to this number (at most 63).
    pub num_custom_purposes: u8,
    /// `CustomPurposesConsent`: custom purposes the user consented to.
    pub custom_purpose_consents: BTreeSet<u8>,
    /// `CustomPurposesLITransparency`: custom purposes with legitimate interest established.
    pub custom_purpose_legitimate_interests: BTreeSet<u8>,
}
