//! Why a TC string could not be decoded, down to the segment, field and bit.

use std::fmt;

/// A TC string that cannot be decoded.
///
/// The decoder stops at the first field it cannot read and names it, so a CMP developer can find the
/// broken field in an encoder's output without a bit-level debugger:
///
/// ```
/// use zweck::consent::tcf::TcString;
/// // The core segment of a valid string, cut after 36 base64url characters (216 bits).
/// let err = TcString::decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAA").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "core segment: field \"VendorConsents.MaxVendorId\" at bit 213: string ends after 216 bits, 16 needed"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcfError {
    /// The segment being read: `core`, `disclosed vendors`, `allowed vendors`, `publisher TC`, or
    /// `unknown` when the segment's type could not be read.
    pub segment: &'static str,
    /// The field being read, named as in the IAB specification (e.g. `VendorConsents.MaxVendorId`,
    /// `PubRestrictionEntry.NumEntries`); empty when the problem is not tied to one field (a bad
    /// character, an empty segment).
    pub field: &'static str,
    /// Offset of the field's first bit within its segment (0 = the first bit of the segment's first
    /// character).
    pub bit: usize,
    /// What went wrong.
    pub kind: TcfErrorKind,
}

/// The kinds of [`TcfError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TcfErrorKind {
    /// The input is the empty string.
    Empty,
    /// A segment between two dots (or after a trailing dot) is empty.
    EmptySegment {
        /// 1-based position of the segment in the string.
        position: usize,
    },
    /// A character outside the base64url alphabet (`A`–`Z`, `a`–`z`, `0`–`9`, `-`, `_`, and up to two
    /// trailing `=`).
    InvalidCharacter {
        /// 0-based character index in the whole input string (not the byte offset).
        index: usize,
        /// The offending character.
        character: char,
    },
    /// The segment ends before the field does.
    Truncated {
        /// Bits in the segment (6 per base64url character).
        available: usize,
        /// Bits the field needs.
        needed: usize,
    },
    /// The core segment's `Version` is not 2.
    UnsupportedVersion(u8),
    /// A segment after the core segment declares a `SegmentType` this decoder does not know (0 is the
    /// core segment, which may only come first; 4–7 are undefined).
    UnknownSegmentType(u8),
    /// The same optional segment type appears twice.
    DuplicateSegment,
}

impl fmt::Display for TcfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} segment: ", self.segment)?;
        if !self.field.is_empty() {
            write!(f, "field \"{}\" at bit {}: ", self.field, self.bit)?;
        }
        match &self.kind {
            TcfErrorKind::Empty => f.write_str("the TC string is empty"),
            TcfErrorKind::EmptySegment { position } => write!(
                f,
                "segment {position} is empty (two dots in a row or a trailing dot); remove the stray '.'"
            ),
            TcfErrorKind::InvalidCharacter { index, character } => {
                write!(f, "character {index} ({character:?}) is not base64url")?;
                match character {
                    '+' | '/' => f.write_str(
                        "; TC strings use the URL-safe alphabet: write '-' for '+' and '_' for '/'",
                    ),
                    '=' => f.write_str("; '=' may only pad the end of a segment, at most twice"),
                    c if c.is_whitespace() => f.write_str("; trim whitespace around the TC string"),
                    _ => f.write_str(" (A-Z, a-z, 0-9, '-', '_')"),
                }
            }
            TcfErrorKind::Truncated { available, needed } => {
                write!(f, "string ends after {available} bits, {needed} needed")
            }
            TcfErrorKind::UnsupportedVersion(v) => {
                write!(f, "version {v} is not supported, only TCF v2 strings (version 2) are")?;
                match v {
                    1 => f.write_str("; this looks like a TCF v1.1 consent string, which IAB Europe retired in 2020"),
                    // A misplaced optional segment starts with its 3-bit SegmentType, so its first
                    // six bits read as 8..=31.
                    8..=31 => write!(
                        f,
                        "; the core segment must come first, and this one starts like a segment of type {}",
                        v >> 3
                    ),
                    _ => Ok(()),
                }
            }
            TcfErrorKind::UnknownSegmentType(t) => write!(
                f,
                "segment type {t} is not defined (1 = disclosed vendors, 2 = allowed vendors, 3 = publisher TC; \
                 the core segment comes only first)"
            ),
            TcfErrorKind::DuplicateSegment => {
                f.write_str("this segment type appears more than once; a TC string carries each segment at most once")
            }
        }
    }
}

impl std::error::Error for TcfError {}
