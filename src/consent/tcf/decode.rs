//! The lenient decoder: TC string text to [`TcString`].
//!
//! Layout as in the specification's tables (§ The Core String, § Disclosed Vendors, § Publisher Purposes
//! Transparency and Consent; Allowed Vendors, dropped from the text after v2.0, has the Disclosed Vendors
//! layout, as iabtcf-java's `TCStringV2Test` confirms). The bit widths agree with iabtcf-es
//! `modules/core/src/encoder/BitLength.ts`.
//!
//! Choices where the specification leaves room:
//! - The first segment is always read as the core segment ("The Core String is always required and
//!   comes first"). If it is not one, its `Version` is not 2 and decoding fails; the message says which
//!   segment type it looks like.
//! - Optional segments may come in any order; each type at most once. Type 0 after the first segment,
//!   types 4–7 and empty segments are errors.
//! - Allowed Vendors (type 2, deprecated with out-of-band signalling in September 2021) is decoded into
//!   [`TcString::allowed_vendors`] so the validator can report it, not skipped silently.
//! - Base64url only: `+` and `/` are rejected (as the reference decoders do); up to two trailing `=` per
//!   segment are accepted.
//! - Bits after the last field of a segment are padding and ignored.
//! - Range entries are accepted as encoded: a backwards range adds no ids, ids above `MaxVendorId` are
//!   kept; [`validate`](super::validate) reports both.
//!
//! Every allocation is bounded by the input: a bit field is checked against the remaining bits before
//! it is read, range entries cost at least 17 bits each, and id sets are stored as ranges.

use std::collections::{BTreeMap, BTreeSet};

use super::bits::{peek_segment_type, Bits, Reader};
use super::error::{TcfError, TcfErrorKind};
use super::idset::IdSet;
use super::model::{PublisherRestriction, PublisherTc, RangeEntry, RestrictionType, TcString, VendorSection};
use crate::Timestamp;

const CORE: &str = "core";

/// Segment names by `SegmentType`, as they appear in errors.
fn segment_name(t: u8) -> &'static str {
    match t {
        0 => CORE,
        1 => "disclosed vendors",
        2 => "allowed vendors",
        3 => "publisher TC",
        _ => "unknown",
    }
}

/// Field names of one vendor section, so that errors say which section broke.
struct SectionFields {
    max_vendor_id: &'static str,
    is_range_encoding: &'static str,
    bit_field: &'static str,
    ranges: RangeFields,
}

struct RangeFields {
    num_entries: &'static str,
    is_a_range: &'static str,
    start: &'static str,
    end: &'static str,
}

macro_rules! section_fields {
    ($prefix:literal) => {
        SectionFields {
            max_vendor_id: concat!($prefix, ".MaxVendorId"),
            is_range_encoding: concat!($prefix, ".IsRangeEncoding"),
            bit_field: concat!($prefix, ".BitField"),
            ranges: RangeFields {
                num_entries: concat!($prefix, ".NumEntries"),
                is_a_range: concat!($prefix, ".IsARange"),
                start: concat!($prefix, ".StartOrOnlyVendorId"),
                end: concat!($prefix, ".EndVendorId"),
            },
        }
    };
}

const VENDOR_CONSENTS: SectionFields = section_fields!("VendorConsents");
const VENDOR_LI: SectionFields = section_fields!("VendorLegitimateInterests");
const DISCLOSED: SectionFields = section_fields!("DisclosedVendors");
const ALLOWED: SectionFields = section_fields!("AllowedVendors");
const RESTRICTION_RANGES: RangeFields = RangeFields {
    num_entries: "PubRestrictionEntry.NumEntries",
    is_a_range: "PubRestrictionEntry.IsARange",
    start: "PubRestrictionEntry.StartOrOnlyVendorId",
    end: "PubRestrictionEntry.EndVendorId",
};

/// Smallest size of a range entry: `IsARange` plus `StartOrOnlyVendorId`.
const MIN_RANGE_ENTRY_BITS: usize = 17;

impl TcString {
    /// Decodes a TC string (TCF v2: v2.0 to v2.3 share one format).
    ///
    /// Lenient: any string that can be read field by field decodes, including ones current policy
    /// treats as invalid; run [`validate`](super::validate) before relying on it. Fails with a
    /// [`TcfError`] naming segment, field and bit for anything that cannot be read: empty input,
    /// non-base64url characters, truncation, `Version` other than 2, unknown or repeated segments.
    /// Never panics; memory use is proportional to the input.
    ///
    /// ```
    /// use zweck::consent::tcf::TcString;
    /// // From iabtcf-java's TCStringV2Test (commit 112c2688).
    /// let tc = TcString::decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA")?;
    /// assert_eq!((tc.cmp_id, tc.cmp_version, tc.vendor_list_version), (675, 2, 15));
    /// assert_eq!(tc.created.to_string(), "2020-01-26T17:01:00Z");
    /// assert_eq!(tc.consent_language, "EN");
    /// assert!(tc.purpose_consents.iter().eq(&[2, 10]));
    /// assert!(tc.disclosed_vendors.is_none());
    /// # Ok::<(), zweck::consent::tcf::TcfError>(())
    /// ```
    pub fn decode(s: &str) -> Result<TcString, TcfError> {
        if s.is_empty() {
            return Err(TcfError { segment: CORE, field: "", bit: 0, kind: TcfErrorKind::Empty });
        }
        let mut char_offset = 0;
        let mut tc: Option<TcString> = None;
        for (i, text) in s.split('.').enumerate() {
            let first_char = char_offset;
            char_offset += text.chars().count() + 1;
            let segment = if i == 0 { CORE } else { peek_segment_type(text).map_or("unknown", segment_name) };
            if text.is_empty() {
                let kind = TcfErrorKind::EmptySegment { position: i + 1 };
                return Err(TcfError { segment, field: "", bit: 0, kind });
            }
            let bits = Bits::from_base64url(text, first_char, segment)?;
            let mut r = Reader::new(&bits, segment);
            match tc.as_mut() {
                None => tc = Some(read_core(&mut r)?),
                Some(tc) => read_optional_segment(&mut r, tc)?,
            }
        }
        // `split` yields at least one item and the first one either sets `tc` or returns an error.
        tc.ok_or(TcfError { segment: CORE, field: "", bit: 0, kind: TcfErrorKind::Empty })
    }
}

fn read_core(r: &mut Reader<'_>) -> Result<TcString, TcfError> {
    let version = r.read_u8(6, "Version")?;
    if version != 2 {
        return Err(r.error_at(0, "Version", TcfErrorKind::UnsupportedVersion(version)));
    }
    let created_deciseconds = r.read(36, "Created")?;
    let last_updated_deciseconds = r.read(36, "LastUpdated")?;
    let cmp_id = r.read_u16(12, "CmpId")?;
    let cmp_version = r.read_u16(12, "CmpVersion")?;
    let consent_screen = r.read_u8(6, "ConsentScreen")?;
    let consent_language = r.read_letters("ConsentLanguage")?;
    let vendor_list_version = r.read_u16(12, "VendorListVersion")?;
    let policy_version = r.read_u8(6, "TcfPolicyVersion")?;
    let is_service_specific = r.read_bool("IsServiceSpecific")?;
    let use_non_standard_texts = r.read_bool("UseNonStandardTexts")?;
    let special_feature_opt_ins = small_ids(r.read_flags(12, "SpecialFeatureOptIns")?);
    let purpose_consents = small_ids(r.read_flags(24, "PurposesConsent")?);
    let purpose_legitimate_interests = small_ids(r.read_flags(24, "PurposesLITransparency")?);
    let purpose_one_treatment = r.read_bool("PurposeOneTreatment")?;
    let publisher_country_code = r.read_letters("PublisherCC")?;
    let vendor_consents = read_vendor_section(r, &VENDOR_CONSENTS)?;
    let vendor_legitimate_interests = read_vendor_section(r, &VENDOR_LI)?;
    let publisher_restrictions = read_publisher_restrictions(r)?;
    Ok(TcString {
        version,
        created: deciseconds_to_timestamp(created_deciseconds),
        created_deciseconds,
        last_updated: deciseconds_to_timestamp(last_updated_deciseconds),
        last_updated_deciseconds,
        cmp_id,
        cmp_version,
        consent_screen,
        consent_language,
        vendor_list_version,
        policy_version,
        is_service_specific,
        use_non_standard_texts,
        special_feature_opt_ins,
        purpose_consents,
        purpose_legitimate_interests,
        purpose_one_treatment,
        publisher_country_code,
        vendor_consents,
        vendor_legitimate_interests,
        publisher_restrictions,
        disclosed_vendors: None,
        allowed_vendors: None,
        publisher_tc: None,
    })
}

/// 36-bit deciseconds (at most about year 2187) to whole seconds.
fn deciseconds_to_timestamp(ds: u64) -> Timestamp {
    // ds < 2^36, so ds / 10 fits an i64.
    Timestamp::from_unix((ds / 10) as i64)
}

/// Flags of a fixed field of at most 63 bits as a set of 1-based ids.
fn small_ids(ids: Vec<u16>) -> BTreeSet<u8> {
    ids.into_iter().filter_map(|id| u8::try_from(id).ok()).collect()
}

fn read_optional_segment(r: &mut Reader<'_>, tc: &mut TcString) -> Result<(), TcfError> {
    let segment_type = r.read_u8(3, "SegmentType")?;
    let seen = match segment_type {
        1 => tc.disclosed_vendors.is_some(),
        2 => tc.allowed_vendors.is_some(),
        3 => tc.publisher_tc.is_some(),
        t => return Err(r.error_at(0, "SegmentType", TcfErrorKind::UnknownSegmentType(t))),
    };
    if seen {
        return Err(r.error_at(0, "SegmentType", TcfErrorKind::DuplicateSegment));
    }
    match segment_type {
        1 => tc.disclosed_vendors = Some(read_vendor_section(r, &DISCLOSED)?),
        2 => tc.allowed_vendors = Some(read_vendor_section(r, &ALLOWED)?),
        _ => tc.publisher_tc = Some(read_publisher_tc(r)?),
    }
    Ok(())
}

fn read_vendor_section(r: &mut Reader<'_>, f: &SectionFields) -> Result<VendorSection, TcfError> {
    let max_vendor_id = r.read_u16(16, f.max_vendor_id)?;
    let is_range_encoding = r.read_bool(f.is_range_encoding)?;
    if is_range_encoding {
        let entries = read_range_entries(r, &f.ranges)?;
        let ids = ids_of(&entries);
        Ok(VendorSection { max_vendor_id, is_range_encoding, entries, ids })
    } else {
        let set = r.read_flags(usize::from(max_vendor_id), f.bit_field)?;
        Ok(VendorSection {
            max_vendor_id,
            is_range_encoding,
            entries: Vec::new(),
            ids: set.into_iter().collect(),
        })
    }
}

fn read_range_entries(r: &mut Reader<'_>, f: &RangeFields) -> Result<Vec<RangeEntry>, TcfError> {
    let n = usize::from(r.read_u16(12, f.num_entries)?);
    // Never reserve more entries than the remaining bits could hold.
    let mut entries = Vec::with_capacity(n.min(r.remaining() / MIN_RANGE_ENTRY_BITS));
    for _ in 0..n {
        let is_a_range = r.read_bool(f.is_a_range)?;
        let start = r.read_u16(16, f.start)?;
        let end = if is_a_range { r.read_u16(16, f.end)? } else { start };
        entries.push(RangeEntry { start, end });
    }
    Ok(entries)
}

fn ids_of(entries: &[RangeEntry]) -> IdSet {
    IdSet::from_ranges(entries.iter().map(|e| (e.start, e.end)))
}

fn read_publisher_restrictions(r: &mut Reader<'_>) -> Result<Vec<PublisherRestriction>, TcfError> {
    let n = r.read_u16(12, "NumPubRestrictions")?;
    let mut merged: BTreeMap<(u8, RestrictionType), Vec<RangeEntry>> = BTreeMap::new();
    for _ in 0..n {
        let purpose_id = r.read_u8(6, "PubRestrictionEntry.PurposeId")?;
        let restriction_type =
            RestrictionType::from_code(r.read_u8(2, "PubRestrictionEntry.RestrictionType")?);
        let entries = read_range_entries(r, &RESTRICTION_RANGES)?;
        merged.entry((purpose_id, restriction_type)).or_default().extend(entries);
    }
    Ok(merged
        .into_iter()
        .map(|((purpose_id, restriction_type), entries)| PublisherRestriction {
            purpose_id,
            restriction_type,
            vendors: ids_of(&entries),
            entries,
        })
        .collect())
}

fn read_publisher_tc(r: &mut Reader<'_>) -> Result<PublisherTc, TcfError> {
    let purpose_consents = small_ids(r.read_flags(24, "PubPurposesConsent")?);
    let purpose_legitimate_interests = small_ids(r.read_flags(24, "PubPurposesLITransparency")?);
    let num_custom_purposes = r.read_u8(6, "NumCustomPurposes")?;
    let n = usize::from(num_custom_purposes);
    let custom_purpose_consents = small_ids(r.read_flags(n, "CustomPurposesConsent")?);
    let custom_purpose_legitimate_interests = small_ids(r.read_flags(n, "CustomPurposesLITransparency")?);
    Ok(PublisherTc {
        purpose_consents,
        purpose_legitimate_interests,
        num_custom_purposes,
        custom_purpose_consents,
        custom_purpose_legitimate_interests,
    })
}
