//! TC strings from the IAB reference decoders' test suites, decoded by zweck and compared with what
//! those suites assert; then strings built bit by bit for the cases the suites do not cover (validator
//! rules, publisher restriction semantics, error messages); then the `tcf_decode` example end to end.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use zweck::consent::tcf::{
    validate, IssueCode, RangeEntry, RestrictionType, Severity, TcString, TcfError, TcfErrorKind,
};
use zweck::Timestamp;

// --- helpers -------------------------------------------------------------------------------------------

fn decode(s: &str) -> TcString {
    match TcString::decode(s) {
        Ok(tc) => tc,
        Err(e) => panic!("{s} should decode: {e}"),
    }
}

fn decode_err(s: &str) -> TcfError {
    match TcString::decode(s) {
        Ok(tc) => panic!("{s} should not decode, got {tc:?}"),
        Err(e) => e,
    }
}

fn set(ids: &[u8]) -> BTreeSet<u8> {
    ids.iter().copied().collect()
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A string of '0'/'1' as base64url without padding (zero bits fill the last character).
fn bits_to_base64url(bits: &str) -> String {
    let bytes = bits.as_bytes();
    bytes
        .chunks(6)
        .map(|chunk| {
            let v = (0..6).fold(0usize, |acc, i| (acc << 1) | usize::from(chunk.get(i) == Some(&b'1')));
            char::from(B64URL[v])
        })
        .collect()
}

/// What iabtcf-java's `TCStringV2Test.base64FromBitString` produces for a bit string whose length is a
/// multiple of 8: `Base64.getUrlEncoder()`, which pads with '='.
fn java_base64_from_bit_string(bits: &str) -> String {
    assert_eq!(bits.len() % 8, 0, "the Java helper is only reproduced for whole bytes");
    let mut s = bits_to_base64url(bits);
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    s
}

/// Builds bit strings field by field.
#[derive(Default)]
struct Bits(String);

impl Bits {
    fn int(mut self, v: u64, width: usize) -> Self {
        assert!(width == 64 || v < (1u64 << width), "{v} does not fit {width} bits");
        for i in (0..width).rev() {
            self.0.push(if (v >> i) & 1 == 1 { '1' } else { '0' });
        }
        self
    }
    fn flag(self, b: bool) -> Self {
        self.int(u64::from(b), 1)
    }
    /// A fixed-width field of flags, id 1 first.
    fn flags(mut self, ids: &[u16], width: usize) -> Self {
        for i in 1..=width {
            self.0.push(if ids.contains(&(i as u16)) { '1' } else { '0' });
        }
        self
    }
    fn letters(self, s: &str) -> Self {
        s.bytes().fold(self, |b, c| b.int(u64::from(c - b'A'), 6))
    }
    fn ranges(self, entries: &[(u16, u16)]) -> Self {
        entries.iter().fold(self.int(entries.len() as u64, 12), |b, &(s, e)| {
            if s == e {
                b.flag(false).int(u64::from(s), 16)
            } else {
                b.flag(true).int(u64::from(s), 16).int(u64::from(e), 16)
            }
        })
    }
    fn section(self, s: &Section) -> Self {
        match s {
            Section::BitField { max, ids } => {
                self.int(u64::from(*max), 16).flag(false).flags(ids, usize::from(*max))
            }
            Section::Ranges { max, entries } => self.int(u64::from(*max), 16).flag(true).ranges(entries),
        }
    }
    fn base64url(&self) -> String {
        bits_to_base64url(&self.0)
    }
}

/// `(PurposeId, RestrictionType, range entries)` of one `PubRestrictionEntry`.
type Restriction = (u64, u64, Vec<(u16, u16)>);

enum Section {
    BitField { max: u16, ids: Vec<u16> },
    Ranges { max: u16, entries: Vec<(u16, u16)> },
}

/// Every core field, with defaults describing a clean TCF v2.2 service-specific string of 2025.
struct Core {
    version: u64,
    created: Timestamp,
    last_updated: Timestamp,
    policy_version: u64,
    service_specific: bool,
    purpose_one_treatment: bool,
    language: &'static str,
    special_features: Vec<u16>,
    purpose_consents: Vec<u16>,
    purpose_li: Vec<u16>,
    consents: Section,
    li: Section,
    restrictions: Vec<Restriction>,
}

impl Default for Core {
    fn default() -> Self {
        Core {
            version: 2,
            created: ts("2025-06-02T00:00:00Z"),
            last_updated: ts("2025-06-02T00:00:00Z"),
            policy_version: 5,
            service_specific: true,
            purpose_one_treatment: false,
            language: "DE",
            special_features: vec![],
            purpose_consents: vec![1, 2, 3, 4, 7],
            purpose_li: vec![2, 7, 9],
            consents: Section::BitField { max: 10, ids: vec![3, 8, 10] },
            li: Section::Ranges { max: 12, entries: vec![(8, 8), (10, 12)] },
            restrictions: vec![],
        }
    }
}

impl Core {
    fn bits(&self) -> Bits {
        let ds = |t: Timestamp| (t.unix() as u64) * 10;
        let mut b = Bits::default()
            .int(self.version, 6)
            .int(ds(self.created), 36)
            .int(ds(self.last_updated), 36)
            .int(300, 12)
            .int(7, 12)
            .int(1, 6)
            .letters(self.language)
            .int(240, 12)
            .int(self.policy_version, 6)
            .flag(self.service_specific)
            .flag(false)
            .flags(&self.special_features, 12)
            .flags(&self.purpose_consents, 24)
            .flags(&self.purpose_li, 24)
            .flag(self.purpose_one_treatment)
            .letters("DE")
            .section(&self.consents)
            .section(&self.li)
            .int(self.restrictions.len() as u64, 12);
        for (purpose, kind, entries) in &self.restrictions {
            b = b.int(*purpose, 6).int(*kind, 2).ranges(entries);
        }
        b
    }
    fn encode(&self) -> String {
        self.bits().base64url()
    }
}

fn disclosed(entries: &[(u16, u16)]) -> String {
    Bits::default().int(1, 3).section(&Section::Ranges { max: 1000, entries: entries.to_vec() }).base64url()
}

// --- iabtcf-java ---------------------------------------------------------------------------------------
// All from InteractiveAdvertisingBureau/iabtcf-java,
// iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java,
// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab, unless stated otherwise.

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testCanConstructTCModelFromBase64String
/// (string "created with iabtcf.com/#/encode").
#[test]
fn java_core_fields_decode_as_the_reference_asserts() {
    let tc = decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA");
    assert_eq!(tc.version, 2);
    assert_eq!(tc.created, ts("2020-01-26T17:01:00Z"));
    assert_eq!(tc.last_updated, ts("2021-02-02T17:01:00Z"));
    assert_eq!(tc.cmp_id, 675);
    assert_eq!(tc.cmp_version, 2);
    assert_eq!(tc.consent_screen, 1);
    assert_eq!(tc.vendor_list_version, 15);
    assert_eq!(tc.policy_version, 2);
    assert_eq!(tc.consent_language, "EN");
    assert_eq!(tc.publisher_country_code, "AA");
    assert!(!tc.is_service_specific);
    assert!(tc.purpose_one_treatment);
    assert!(!tc.use_non_standard_texts);
    assert_eq!(tc.special_feature_opt_ins, set(&[1]));
    assert_eq!(tc.purpose_consents, set(&[2, 10]));
    assert_eq!(tc.purpose_legitimate_interests, set(&[2, 9]));
    // Raw deciseconds are kept alongside the truncated timestamp.
    assert_eq!(tc.created_deciseconds / 10, tc.created.unix() as u64);
}

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testConstructConsentsFromBitFields.
#[test]
fn java_bit_field_vendor_consents_and_legitimate_interests() {
    let tc = decode("COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA");
    assert_eq!(tc.purpose_consents, set(&[3, 4, 5, 6, 7, 8, 9]));
    assert!(!tc.vendor_consents.is_range_encoding);
    assert_eq!(tc.vendor_consents.ids.to_vec(), vec![23, 37, 47, 48, 53, 65, 98]);
    assert_eq!(tc.vendor_legitimate_interests.ids.to_vec(), vec![37, 47, 48, 53, 65, 98, 129]);
}

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testCanParseDisclosedAndAllowedVendors.
#[test]
fn java_disclosed_and_allowed_vendor_segments() {
    let tc = decode(
        "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA.IBAgAAAgAIAwgAgAAAAEAAAACA.QAagAQAgAIAwgA",
    );
    let allowed = tc.allowed_vendors.expect("allowed vendors segment");
    assert_eq!(allowed.ids.to_vec(), vec![12, 23, 37, 47, 48, 53]);
    let disclosed = tc.disclosed_vendors.expect("disclosed vendors segment");
    assert_eq!(disclosed.ids.to_vec(), vec![23, 37, 47, 48, 53, 65, 98, 129]);
    assert!(tc.publisher_tc.is_none());
}

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testCanParseAllParts: four segments, the last one padded
/// with '='.
#[test]
fn java_all_four_segments_with_a_padded_publisher_tc() {
    let tc = decode(
        "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA.IBAgAAAgAIAwgAgAAAAEAAAACA.QAagAQAgAIAwgA.cAAAAAAAITg=",
    );
    let publisher = tc.publisher_tc.expect("publisher TC segment");
    assert_eq!(publisher.purpose_consents.len(), 1);
    // The same segment without its padding decodes identically.
    let unpadded = decode(
        "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA.IBAgAAAgAIAwgAgAAAAEAAAACA.QAagAQAgAIAwgA.cAAAAAAAITg",
    );
    assert_eq!(unpadded.publisher_tc, Some(publisher));
}

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testCanParseRangeEncodedVendorLegitimateInterests.
#[test]
fn java_range_encoded_vendor_legitimate_interests() {
    let tc = decode("COv__-wOv__-wC2AAAENAPCgAAAAAAAAAAAAA_wAQA_gEBABAEAAAA");
    assert!(tc.vendor_legitimate_interests.is_range_encoding);
    assert_eq!(tc.vendor_legitimate_interests.ids.to_vec(), vec![128]);
}

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testPublisherRestrictions: the test's bit string, encoded
/// as its helper does.
#[test]
fn java_publisher_restrictions_with_each_restriction_type() {
    let bits = concat!(
        "0000100011101011100",
        "1000000000000001010",
        "0000001110101110010",
        "0000000000000101000",
        "0000110011111000000",
        "0000000000000000100",
        "0011010000000011110",
        "0001000000000000000",
        "0000000000000000000",
        "0000000000000000000",
        "0000000000000000000",
        "0000000000000000000",
        "0000000000000000000",
        "000000000011", // NumPubRestrictions (3)
        "000001",       // PurposeId
        "01",           // restriction type Require Consent
        "000000000000",
        "000010", // PurposeId
        "00",     // restriction type Not Allowed
        "000000000000",
        "000011", // PurposeId
        "10",     // restriction REQUIRE_LEGITIMATE_INTEREST
        "000000000000",
        "0", // padding
    );
    let tc = decode(&java_base64_from_bit_string(bits));
    let got: Vec<(u8, RestrictionType, usize)> = tc
        .publisher_restrictions
        .iter()
        .map(|r| (r.purpose_id, r.restriction_type, r.vendors.len()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, RestrictionType::RequireConsent, 0),
            (2, RestrictionType::NotAllowed, 0),
            (3, RestrictionType::RequireLegitimateInterest, 0),
        ]
    );
}

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testPublisherPurposes: a publisher TC segment with two
/// custom purposes.
#[test]
fn java_publisher_tc_with_custom_purposes() {
    let segment = concat!(
        "011",                      // segment type
        "100000000000000000000000", // PubPurposesConsent
        "000000000000000000000001", // PubPurposesLITransparency
        "000010",                   // number of custom purposes
        "01",                       // CustomPurposesConsent
        "11",                       // CustomPurposesLITransparency
        "000",                      // just padding
    );
    let s = format!("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.{}", java_base64_from_bit_string(segment));
    let p = decode(&s).publisher_tc.expect("publisher TC segment");
    assert_eq!(p.purpose_consents, set(&[1]));
    assert_eq!(p.purpose_legitimate_interests, set(&[24]));
    assert_eq!(p.num_custom_purposes, 2);
    assert_eq!(p.custom_purpose_consents, set(&[2]));
    assert_eq!(p.custom_purpose_legitimate_interests, set(&[1, 2]));
}

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testRange: one and two range entries in the vendor
/// consents.
#[test]
fn java_range_encoded_vendor_consents() {
    let two = decode("COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAYFfAV-BVkAGBVYFWAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw");
    assert!(two.vendor_consents.is_range_encoding);
    assert_eq!(two.vendor_consents.ids.to_vec(), vec![702, 703]);
    let one = decode("COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAQFfgUbABAUaAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw");
    assert_eq!(one.vendor_consents.ids.to_vec(), vec![703]);
}

/// iabtcf-java `iabtcf-decoder/src/test/java/com/iabtcf/decoder/TCStringV2Test.java` at
/// commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: testPurposesConsent.
#[test]
fn java_purposes_consent() {
    let tc = decode("COwxsONOwxsONKpAAAENAdCAAMAAAAAAAAAAAAAAAAAA");
    assert!(tc.purpose_consents.contains(&1) && tc.purpose_consents.contains(&2));
}

/// InteractiveAdvertisingBureau/iabtcf-java, iabtcf-decoder/src/test/java/com/iabtcf/decoder/
/// TCStringDecoderTest.java, commit 112c268895c2b9d7ee6c26e4fa1a4c688a976bab: a two-part string
/// decodes; a one-byte string of version 3 and the 12-bit "Bg" do not.
#[test]
fn java_decoder_accepts_two_parts_and_rejects_other_versions() {
    let tc = decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw");
    assert!(tc.disclosed_vendors.is_some());
    // Base64.getUrlEncoder().encodeToString(new byte[] { 13 }) = "DQ==": version 3.
    assert_eq!(decode_err("DQ==").kind, TcfErrorKind::UnsupportedVersion(3));
    // "Bg": bit pattern 000001 100000, version 1.
    assert_eq!(decode_err("Bg").kind, TcfErrorKind::UnsupportedVersion(1));
}

// --- iabtcf-es -----------------------------------------------------------------------------------------
// All from InteractiveAdvertisingBureau/iabtcf-es, modules/core/test/ReportedIssues.test.ts,
// commit 05632433c328b0aead5ba3c8af62477108dd4a18.

/// iabtcf-es `modules/core/test/ReportedIssues.test.ts` at commit
/// 05632433c328b0aead5ba3c8af62477108dd4a18: issue 201, "unable to decode valid TCF2 String": a purpose restriction repeated for the same vendors.
#[test]
fn es_repeated_restriction_entries_merge_into_one_vendor_list() {
    let tc = decode("CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtHGncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6AEYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFtCoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgARwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA");
    assert_eq!(tc.version, 2);
    let r = tc
        .publisher_restrictions
        .iter()
        .find(|r| r.purpose_id == 1 && r.restriction_type == RestrictionType::RequireConsent)
        .expect("restriction for purpose 1, type 1");
    assert_eq!(r.vendors.to_vec(), vec![7, 20, 71, 122, 140, 183]);
    // Each (purpose, type) pair appears once after merging.
    let pairs: BTreeSet<(u8, RestrictionType)> =
        tc.publisher_restrictions.iter().map(|r| (r.purpose_id, r.restriction_type)).collect();
    assert_eq!(pairs.len(), tc.publisher_restrictions.len());
}

/// iabtcf-es `modules/core/test/ReportedIssues.test.ts` at commit
/// 05632433c328b0aead5ba3c8af62477108dd4a18: issue 142: "it should throw an error if the bitfield length does not match the maxId".
#[test]
fn es_bit_field_shorter_than_max_vendor_id_is_an_error() {
    let e = decode_err("CLSYjTaOngnCIAOABBENAXCMAGOAABBAAA7IA5n-m7fP6_3fbqVv6E__PoA5Aqff3aJx8tv_1967rfnQEQoAIAAQCrwkAEABAcACABIMACAAuApEVABABUSABgBCAVSAtIoACACIArYQAHACgAFgAVwBJgDcAI7AWgMAAgBiKgAgBMgFfKQAQBRkQAQA4AFiBAAoA-AEVAJlAVgAtYcACAJcAr4eABAK8OgBgFzAOmAqwgABAWyA.IFukWSQh");
    assert_eq!(e.segment, "disclosed vendors");
    assert_eq!(e.field, "DisclosedVendors.BitField");
    assert_eq!(e.bit, 20);
    assert_eq!(e.kind, TcfErrorKind::Truncated { available: 48, needed: 733 });
}

/// iabtcf-es `modules/core/test/ReportedIssues.test.ts` at commit
/// 05632433c328b0aead5ba3c8af62477108dd4a18: issue 156: iabtcf-es auto-detects this TCF v1.1 string as
/// version 1. zweck decodes TCF v2 only and says so.
#[test]
fn es_tcf_v1_string_is_recognised_and_refused() {
    let e = decode_err("BOhwdphOxFC7tAHABBFRC--AAAAuhr_7__7-_9_-_f__9uj3Or_v_f__32ccL59v_h_7v-_7fi_20nV4u_1vft9yfk1-5ctDztp507iakivXmqdeb9v_nz3_5pxP78k89r7337Ew_v8_v-b7BCON_YxEiA");
    assert_eq!(e.kind, TcfErrorKind::UnsupportedVersion(1));
    assert!(e.to_string().contains("TCF v1.1"), "{e}");
}

// --- decoder errors ------------------------------------------------------------------------------------

#[test]
fn truncation_names_segment_field_bit_and_sizes() {
    let e = decode_err("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAA");
    assert_eq!(
        e.to_string(),
        "core segment: field \"VendorConsents.MaxVendorId\" at bit 213: string ends after 216 bits, 16 needed"
    );
    let wrapped: zweck::Error = e.into();
    assert!(wrapped.to_string().starts_with("TC string: core segment: "), "{wrapped}");
}

#[test]
fn bad_characters_are_located_in_the_whole_string() {
    let valid = "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA";
    let e = decode_err(&format!("{valid}.IB+g"));
    assert_eq!(e.kind, TcfErrorKind::InvalidCharacter { index: 47, character: '+' });
    assert_eq!(e.segment, "disclosed vendors");
    let e = decode_err("COty bn4");
    assert_eq!(e.kind, TcfErrorKind::InvalidCharacter { index: 4, character: ' ' });
    // Non-ASCII input is counted in characters, not bytes.
    let e = decode_err("Cé*");
    assert_eq!(e.kind, TcfErrorKind::InvalidCharacter { index: 1, character: 'é' });
}

#[test]
fn segments_must_be_known_nonempty_and_unique() {
    let core = Core::default().encode();
    assert_eq!(decode_err("").kind, TcfErrorKind::Empty);
    assert_eq!(decode_err(&format!("{core}.")).kind, TcfErrorKind::EmptySegment { position: 2 });
    assert_eq!(decode_err(&format!(".{core}")).kind, TcfErrorKind::EmptySegment { position: 1 });
    // Segment type 5 starts with bits 101: "o" = 40 = 101000.
    let e = decode_err(&format!("{core}.oAAA"));
    assert_eq!((e.segment, e.field, e.kind), ("unknown", "SegmentType", TcfErrorKind::UnknownSegmentType(5)));
    // A second core segment (type 0).
    assert_eq!(decode_err(&format!("{core}.{core}")).kind, TcfErrorKind::UnknownSegmentType(0));
    let d = disclosed(&[(1, 5)]);
    let e = decode_err(&format!("{core}.{d}.{d}"));
    assert_eq!((e.segment, e.kind), ("disclosed vendors", TcfErrorKind::DuplicateSegment));
}

#[test]
fn optional_segments_may_come_in_any_order() {
    let core = Core::default().encode();
    let d = disclosed(&[(1, 5)]);
    let p = bits_to_base64url(&format!("011{}{}000000", "0".repeat(24), "0".repeat(24)));
    let a = decode(&format!("{core}.{d}.{p}"));
    let b = decode(&format!("{core}.{p}.{d}"));
    assert_eq!(a, b);
    assert!(a.publisher_tc.is_some() && a.disclosed_vendors.is_some());
}

#[test]
fn an_optional_segment_in_front_is_reported_as_a_misplaced_core() {
    let e = decode_err(&format!("{}.{}", disclosed(&[(1, 5)]), Core::default().encode()));
    assert_eq!(e.field, "Version");
    assert!(e.to_string().contains("the core segment must come first"), "{e}");
}

#[test]
fn absurd_lengths_fail_before_anything_is_allocated_for_them() {
    // MaxVendorId 65535 with a bit field, but only a few bits follow.
    let mut bits = Core::default().bits().0;
    bits.truncate(213);
    let s = Bits(bits).int(65_535, 16).flag(false).int(0, 3).base64url();
    let e = decode_err(&s);
    assert_eq!(e.field, "VendorConsents.BitField");
    assert!(matches!(e.kind, TcfErrorKind::Truncated { needed: 65_535, .. }), "{e}");
    // 4095 range entries claimed, 20 bits present.
    let mut bits = Core::default().bits().0;
    bits.truncate(213);
    let s = Bits(bits).int(100, 16).flag(true).int(4095, 12).int(0, 20).base64url();
    let e = decode_err(&s);
    // One single-vendor entry (17 bits) fits; the second one's vendor id does not.
    assert_eq!((e.field, e.bit), ("VendorConsents.StartOrOnlyVendorId", 260));
    assert_eq!(e.kind, TcfErrorKind::Truncated { available: 264, needed: 16 });
}

#[test]
fn hostile_restrictions_stay_compact_in_memory() {
    // 4095 restrictions, each naming vendors 1-65535: 27 kB of text, 268 million (purpose, vendor)
    // pairs if expanded. Merged per (purpose, type) and stored as ranges, it is 256 one-range sets.
    let restrictions = (0..4095u64).map(|i| (i % 64, (i / 64) % 4, vec![(1, 65_535)])).collect();
    let s = Core { restrictions, ..Core::default() }.encode();
    let tc = decode(&s);
    assert_eq!(tc.publisher_restrictions.len(), 256);
    assert!(tc.publisher_restrictions.iter().all(|r| r.vendors.ranges() == [(1, 65_535)]));
    assert_eq!(tc.listed_ids(), 256 * 65_535 + 3 + 4);
}

// --- validator -----------------------------------------------------------------------------------------

fn codes(tc: &TcString, now: &str) -> Vec<(IssueCode, Severity)> {
    validate(tc, ts(now)).into_iter().map(|i| (i.code, i.severity)).collect()
}

#[test]
fn a_clean_v2_2_string_has_no_issues() {
    let tc = decode(&Core::default().encode());
    assert_eq!(validate(&tc, ts("2025-07-01T00:00:00Z")), vec![]);
}

#[test]
fn a_string_created_after_february_2026_needs_disclosed_vendors() {
    let created = ts("2026-03-01T00:00:00Z");
    let core = Core { created, last_updated: created, ..Core::default() }.encode();
    let without = decode(&core);
    assert_eq!(
        codes(&without, "2026-04-01T00:00:00Z"),
        vec![(IssueCode::DisclosedVendorsMissing, Severity::Invalid)]
    );
    let with = decode(&format!("{core}.{}", disclosed(&[(1, 20)])));
    assert_eq!(codes(&with, "2026-04-01T00:00:00Z"), vec![]);
    // One day earlier the segment is still optional.
    let created = ts("2026-02-28T00:00:00Z");
    let older = decode(&Core { created, last_updated: created, ..Core::default() }.encode());
    assert_eq!(codes(&older, "2026-04-01T00:00:00Z"), vec![]);
}

#[test]
fn policy_version_below_4_is_invalid_after_september_2023() {
    let tc = decode(&Core { policy_version: 2, purpose_li: vec![2], ..Core::default() }.encode());
    assert_eq!(
        codes(&tc, "2025-07-01T00:00:00Z"),
        vec![(IssueCode::PolicyVersionOutdated, Severity::Invalid)]
    );
    let day = ts("2023-09-30T00:00:00Z");
    let old =
        Core { policy_version: 2, created: day, last_updated: day, purpose_li: vec![2], ..Core::default() };
    assert_eq!(
        codes(&decode(&old.encode()), "2025-07-01T00:00:00Z"),
        vec![(IssueCode::PolicyVersionOutdated, Severity::Warning)]
    );
}

#[test]
fn times_in_the_future_or_out_of_order_are_invalid() {
    let tc = decode(
        &Core {
            created: ts("2025-06-03T00:00:00Z"),
            last_updated: ts("2025-06-02T00:00:00Z"),
            ..Core::default()
        }
        .encode(),
    );
    assert_eq!(
        codes(&tc, "2025-06-02T12:00:00Z"),
        vec![
            (IssueCode::CreatedInFuture, Severity::Invalid),
            (IssueCode::LastUpdatedBeforeCreated, Severity::Invalid),
            (IssueCode::TimestampsNotDayLevel, Severity::Warning),
        ]
    );
    let tc = decode(&Core::default().encode());
    assert_eq!(
        codes(&tc, "2025-06-01T23:59:59Z"),
        vec![
            (IssueCode::CreatedInFuture, Severity::Invalid),
            (IssueCode::LastUpdatedInFuture, Severity::Invalid)
        ]
    );
}

#[test]
fn global_scope_and_its_purpose_one_treatment_are_invalid() {
    let tc =
        decode(&Core { service_specific: false, purpose_one_treatment: true, ..Core::default() }.encode());
    assert_eq!(
        codes(&tc, "2025-07-01T00:00:00Z"),
        vec![
            (IssueCode::GlobalScope, Severity::Invalid),
            (IssueCode::PurposeOneTreatmentInGlobalScope, Severity::Invalid)
        ]
    );
}

#[test]
fn purpose_signals_policy_does_not_allow_or_define_are_reported() {
    let tc = decode(
        &Core {
            purpose_consents: vec![1, 12, 24],
            purpose_li: vec![1, 2, 4],
            special_features: vec![1, 3],
            language: "E[", // '[' is 26: not a letter
            ..Core::default()
        }
        .encode(),
    );
    assert_eq!(tc.consent_language, "E?");
    assert_eq!(
        codes(&tc, "2025-07-01T00:00:00Z"),
        vec![
            (IssueCode::ConsentLanguageInvalid, Severity::Invalid),
            (IssueCode::UndefinedPurposeOrFeature, Severity::Warning),
            (IssueCode::UndefinedPurposeOrFeature, Severity::Warning),
            (IssueCode::LegitimateInterestNotPermitted, Severity::Invalid),
        ]
    );
}

#[test]
fn malformed_range_entries_are_decoded_leniently_and_flagged() {
    let tc = decode(
        &Core {
            consents: Section::Ranges { max: 50, entries: vec![(0, 0), (30, 20), (45, 60)] },
            ..Core::default()
        }
        .encode(),
    );
    assert_eq!(
        tc.vendor_consents.entries,
        vec![
            RangeEntry { start: 0, end: 0 },
            RangeEntry { start: 30, end: 20 },
            RangeEntry { start: 45, end: 60 }
        ]
    );
    // The backwards entry adds nothing; 0 and ids above MaxVendorId are kept as encoded.
    assert_eq!(tc.vendor_consents.ids.ranges(), &[(0, 0), (45, 60)]);
    assert_eq!(
        codes(&tc, "2025-07-01T00:00:00Z"),
        vec![
            (IssueCode::VendorIdZero, Severity::Invalid),
            (IssueCode::BackwardsRange, Severity::Invalid),
            (IssueCode::VendorIdAboveMax, Severity::Invalid),
        ]
    );
}

#[test]
fn undefined_restriction_types_and_purposes_are_flagged() {
    let restrictions =
        vec![(0, 0, vec![(1, 2)]), (2, 3, vec![(1, 2)]), (30, 1, vec![]), (12, 0, vec![(4, 4)])];
    let tc = decode(&Core { restrictions, ..Core::default() }.encode());
    assert_eq!(
        codes(&tc, "2025-07-01T00:00:00Z"),
        vec![
            (IssueCode::RestrictionPurposeOutOfRange, Severity::Invalid),
            (IssueCode::UndefinedRestrictionType, Severity::Invalid),
            (IssueCode::UndefinedPurposeOrFeature, Severity::Warning),
            (IssueCode::RestrictionPurposeOutOfRange, Severity::Invalid),
        ]
    );
}

#[test]
fn the_allowed_vendors_segment_is_decoded_but_invalid() {
    let core = Core::default().encode();
    let allowed = Bits::default().int(2, 3).section(&Section::BitField { max: 3, ids: vec![2] }).base64url();
    let tc = decode(&format!("{core}.{allowed}"));
    assert_eq!(tc.allowed_vendors.as_ref().map(|a| a.ids.to_vec()), Some(vec![2]));
    assert_eq!(
        codes(&tc, "2025-07-01T00:00:00Z"),
        vec![(IssueCode::AllowedVendorsSegment, Severity::Invalid)]
    );
}

#[test]
fn every_issue_message_names_what_is_wrong() {
    let tc = decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA");
    let issues = validate(&tc, ts("2026-06-01T00:00:00Z"));
    let text: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
    assert!(text.iter().any(|t| t.starts_with("invalid: IsServiceSpecific is 0")), "{text:?}");
    assert!(text.iter().any(|t| t.contains("TcfPolicyVersion 2 is below 4")), "{text:?}");
}

// --- vendor_allowed ------------------------------------------------------------------------------------

#[test]
fn vendor_signals_need_both_the_purpose_and_the_vendor_bit() {
    // Purpose consents 1,2,3,4,7; LI 2,7,9. Vendor consents 3,8,10; vendor LI 8,10,11,12.
    let tc = decode(&Core::default().encode());
    assert_eq!(tc.vendor_allowed(3, 1), (true, false));
    assert_eq!(tc.vendor_allowed(8, 2), (true, true));
    assert_eq!(tc.vendor_allowed(11, 2), (false, true));
    assert_eq!(tc.vendor_allowed(8, 9), (false, true));
    assert_eq!(tc.vendor_allowed(5, 2), (false, false));
    assert_eq!(tc.vendor_allowed(8, 0), (false, false));
    assert_eq!(tc.vendor_allowed(8, 25), (false, false));
}

#[test]
fn legitimate_interest_is_never_signalled_where_policy_forbids_it() {
    let tc = decode(&Core { purpose_li: vec![1, 3, 4, 5, 6, 7], ..Core::default() }.encode());
    for p in [1, 3, 4, 5, 6] {
        assert!(!tc.vendor_allowed(8, p).1, "purpose {p}");
    }
    assert!(tc.vendor_allowed(8, 7).1);
}

#[test]
fn publisher_restrictions_narrow_the_vendor_signals() {
    let restrictions = vec![
        (2, 0, vec![(8, 8)]),   // purpose 2 not allowed for vendor 8
        (7, 1, vec![(8, 10)]),  // purpose 7: consent only for 8-10
        (2, 2, vec![(10, 10)]), // purpose 2: LI only for 10
        (7, 2, vec![(10, 10)]), // purpose 7: 10 also LI only, contradicting type 1
        (1, 3, vec![(3, 3)]),   // undefined: ignored
    ];
    let tc = decode(&Core { restrictions, ..Core::default() }.encode());
    assert_eq!(tc.vendor_allowed(8, 2), (false, false));
    assert_eq!(tc.vendor_allowed(8, 7), (true, false));
    assert_eq!(tc.vendor_allowed(10, 2), (false, true));
    assert_eq!(tc.vendor_allowed(10, 7), (false, false));
    assert_eq!(tc.vendor_allowed(3, 1), (true, false));
    assert!(
        codes(&tc, "2025-07-01T00:00:00Z").contains(&(IssueCode::ConflictingRestrictions, Severity::Warning))
    );
}

#[test]
fn undisclosed_vendors_get_no_signal_when_the_segment_is_present() {
    let core = Core::default().encode();
    let tc = decode(&format!("{core}.{}", disclosed(&[(1, 8)])));
    assert_eq!(tc.vendor_allowed(8, 2), (true, true));
    assert_eq!(tc.vendor_allowed(10, 2), (false, false));
    let issues = codes(&tc, "2025-07-01T00:00:00Z");
    assert_eq!(issues, vec![(IssueCode::VendorNotDisclosed, Severity::Warning); 2]);
}

// --- the tcf_decode example ----------------------------------------------------------------------------

const JSON_KEYS: [&str; 24] = [
    "version",
    "created",
    "last_updated",
    "cmp_id",
    "cmp_version",
    "consent_screen",
    "consent_language",
    "vendor_list_version",
    "policy_version",
    "is_service_specific",
    "use_non_standard_texts",
    "special_feature_opt_ins",
    "purpose_consents",
    "purpose_legitimate_interests",
    "purpose_one_treatment",
    "publisher_country_code",
    "vendor_consents",
    "vendor_legitimate_interests",
    "publisher_restrictions",
    "disclosed_vendors",
    "publisher_purpose_consents",
    "publisher_purpose_legitimate_interests",
    "custom_purpose_consents",
    "custom_purpose_legitimate_interests",
];

fn example() -> Command {
    let mut c = Command::new(env!("CARGO"));
    c.args(["run", "--quiet", "--example", "tcf_decode", "--"]);
    c
}

fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn example_prints_one_object_per_argument_and_fails_on_a_bad_one() {
    let out = example()
        .args([
            "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA",
            "not a TC string",
            "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA.IBAgAAAgAIAwgAgAAAAEAAAACA.QAagAQAgAIAwgA.cAAAAAAAITg=",
        ])
        .output()
        .expect("cargo runs");
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 3);

    let first = lines[0].as_object().expect("object");
    let keys: BTreeSet<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(keys, JSON_KEYS.into_iter().collect());
    assert_eq!(lines[0]["created"], "2020-01-26T17:01:00Z");
    assert_eq!(lines[0]["last_updated"], "2021-02-02T17:01:00Z");
    assert_eq!(lines[0]["purpose_consents"], serde_json::json!([2, 10]));
    assert_eq!(lines[0]["special_feature_opt_ins"], serde_json::json!([1]));
    for absent in ["disclosed_vendors", "publisher_purpose_consents", "custom_purpose_legitimate_interests"] {
        assert!(lines[0][absent].is_null(), "{absent}");
    }

    assert_eq!(
        lines[1],
        serde_json::json!({
            "error": "core segment: character 3 (' ') is not base64url; trim whitespace around the TC string"
        })
    );

    assert_eq!(lines[2]["disclosed_vendors"], serde_json::json!([23, 37, 47, 48, 53, 65, 98, 129]));
    assert_eq!(lines[2]["vendor_consents"], serde_json::json!([23, 37, 47, 48, 53, 65, 98]));
    assert_eq!(lines[2]["publisher_purpose_consents"].as_array().map(Vec::len), Some(1));
    assert!(lines[2]["custom_purpose_consents"].is_array());
}

#[test]
fn example_reads_stdin_skips_empty_lines_and_prints_restrictions() {
    let restrictions = vec![(2, 0, vec![(8, 9)]), (7, 1, vec![(3, 3)])];
    let s = Core { restrictions, ..Core::default() }.encode();
    let mut child = example().stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("cargo runs");
    let mut stdin = child.stdin.take().expect("stdin");
    write!(stdin, "\n{s}\n\n  {s}  \r\n").expect("write stdin");
    drop(stdin);
    let out = child.wait_with_output().expect("example finishes");
    assert_eq!(out.status.code(), Some(0));
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0], lines[1]);
    assert_eq!(
        lines[0]["publisher_restrictions"],
        serde_json::json!([
            {"purpose_id": 2, "restriction_type": 0, "vendors": [8, 9]},
            {"purpose_id": 7, "restriction_type": 1, "vendors": [3]},
        ])
    );
    assert_eq!(lines[0]["vendor_legitimate_interests"], serde_json::json!([8, 10, 11, 12]));
    assert_eq!(lines[0]["created"], "2025-06-02T00:00:00Z");
}
