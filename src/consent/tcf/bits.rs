//! Base64url text to bits, and a cursor that reads the specification's big-endian fields from them.
//!
//! Each segment of a TC string is base64url text whose characters carry 6 bits each, most significant
//! bit first ("The following fields are stored in big-endian format. Bit numberings are left-to-right",
//! IAB TCF "Consent string and vendor list formats v2", § The Core String). The decoder keeps all
//! `6 × characters` bits rather than only whole bytes, so a field that ends in the last character's low
//! bits is still readable; the bits after the last field are padding and ignored.

use super::error::{TcfError, TcfErrorKind};

/// The bits of one segment.
#[derive(Debug)]
pub(crate) struct Bits {
    /// One 6-bit value per base64url character.
    sextets: Vec<u8>,
}

/// The value of a base64url character, or `None` for anything else (including the standard
/// alphabet's `+` and `/`, which the specification's base64url does not use).
fn sextet(c: char) -> Option<u8> {
    match c {
        'A'..='Z' => Some(c as u8 - b'A'),
        'a'..='z' => Some(c as u8 - b'a' + 26),
        '0'..='9' => Some(c as u8 - b'0' + 52),
        '-' => Some(62),
        '_' => Some(63),
        _ => None,
    }
}

/// The segment type a segment declares in its first three bits, if its first character is base64url.
pub(crate) fn peek_segment_type(text: &str) -> Option<u8> {
    text.chars().next().and_then(sextet).map(|v| v >> 3)
}

impl Bits {
    /// Decodes one segment. `first_char` is the segment's character index in the whole string, so a bad
    /// character is reported where the caller can find it. Up to two trailing `=` are accepted as padding
    /// (the specification omits padding, but base64url encoders commonly add it).
    pub(crate) fn from_base64url(
        text: &str,
        first_char: usize,
        segment: &'static str,
    ) -> Result<Bits, TcfError> {
        let unpadded = text.trim_end_matches('=');
        let padding = text.len() - unpadded.len();
        let mut sextets = Vec::with_capacity(unpadded.len());
        let mut count = 0;
        for (i, c) in unpadded.chars().enumerate() {
            let Some(v) = sextet(c) else {
                return Err(bad_char(first_char + i, c, segment));
            };
            sextets.push(v);
            count = i + 1;
        }
        if padding > 2 {
            // Report the first '=' beyond the two allowed.
            return Err(bad_char(first_char + count + 2, '=', segment));
        }
        Ok(Bits { sextets })
    }

    /// Number of bits in the segment.
    pub(crate) fn len(&self) -> usize {
        self.sextets.len() * 6
    }

    fn bit(&self, i: usize) -> bool {
        self.sextets.get(i / 6).is_some_and(|s| (s >> (5 - i % 6)) & 1 == 1)
    }
}

fn bad_char(index: usize, character: char, segment: &'static str) -> TcfError {
    TcfError { segment, field: "", bit: 0, kind: TcfErrorKind::InvalidCharacter { index, character } }
}

/// Reads fields front to back; every read is bounds-checked and names its field in the error.
pub(crate) struct Reader<'a> {
    bits: &'a Bits,
    pos: usize,
    segment: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bits: &'a Bits, segment: &'static str) -> Self {
        Reader { bits, pos: 0, segment }
    }

    /// Bits not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bits.len() - self.pos
    }

    /// An error about `field` starting at the current position.
    pub(crate) fn error(&self, field: &'static str, kind: TcfErrorKind) -> TcfError {
        self.error_at(self.pos, field, kind)
    }

    /// An error about `field` starting at `bit` (for a value found wrong after it was read).
    pub(crate) fn error_at(&self, bit: usize, field: &'static str, kind: TcfErrorKind) -> TcfError {
        TcfError { segment: self.segment, field, bit, kind }
    }

    /// Fails unless `n` more bits are available; lets callers check a length field against the input
    /// before they allocate anything for it.
    pub(crate) fn require(&self, n: usize, field: &'static str) -> Result<(), TcfError> {
        if n > self.remaining() {
            return Err(self.error(field, TcfErrorKind::Truncated { available: self.bits.len(), needed: n }));
        }
        Ok(())
    }

    /// Reads an `n`-bit unsigned big-endian integer, `n <= 64`.
    pub(crate) fn read(&mut self, n: usize, field: &'static str) -> Result<u64, TcfError> {
        debug_assert!(n <= 64);
        self.require(n, field)?;
        let mut v = 0u64;
        for i in self.pos..self.pos + n {
            v = (v << 1) | u64::from(self.bits.bit(i));
        }
        self.pos += n;
        Ok(v)
    }

    pub(crate) fn read_bool(&mut self, field: &'static str) -> Result<bool, TcfError> {
        Ok(self.read(1, field)? == 1)
    }

    /// Reads an integer field of at most 8 bits.
    pub(crate) fn read_u8(&mut self, n: usize, field: &'static str) -> Result<u8, TcfError> {
        debug_assert!(n <= 8);
        // n <= 8, so the value fits.
        Ok(self.read(n, field)? as u8)
    }

    /// Reads an integer field of at most 16 bits.
    pub(crate) fn read_u16(&mut self, n: usize, field: &'static str) -> Result<u16, TcfError> {
        debug_assert!(n <= 16);
        Ok(self.read(n, field)? as u16)
    }

    /// Reads `n` flags and returns the 1-based positions of the set ones (bit 0 is id 1), ascending.
    /// `n` is at most 65 535 and is checked against the input before anything is read.
    pub(crate) fn read_flags(&mut self, n: usize, field: &'static str) -> Result<Vec<u16>, TcfError> {
        self.require(n, field)?;
        let set = (0..n).filter(|&i| self.bits.bit(self.pos + i)).map(|i| (i + 1) as u16).collect();
        self.pos += n;
        Ok(set)
    }

    /// Reads two 6-bit letters (`a = 0 … z = 25`) as an uppercase pair; values above 25 are not letters
    /// and come out as `?`, which the validator reports.
    pub(crate) fn read_letters(&mut self, field: &'static str) -> Result<String, TcfError> {
        self.require(12, field)?;
        let mut s = String::with_capacity(2);
        for _ in 0..2 {
            let v = self.read_u8(6, field)?;
            s.push(if v < 26 { char::from(b'A' + v) } else { '?' });
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_characters_map_to_their_sextets() {
        let bits = Bits::from_base64url("AZaz09-_", 0, "core").unwrap();
        assert_eq!(bits.sextets, vec![0, 25, 26, 51, 52, 61, 62, 63]);
        assert_eq!(bits.len(), 48);
    }

    #[test]
    fn fields_are_read_big_endian_across_character_boundaries() {
        // "C" = 000010, "O" = 001110: version 2 in the first six bits, then 0011 10...
        let bits = Bits::from_base64url("CO", 0, "core").unwrap();
        let mut r = Reader::new(&bits, "core");
        assert_eq!(r.read(6, "Version").unwrap(), 2);
        assert_eq!(r.read(4, "x").unwrap(), 0b0011);
        assert_eq!(r.remaining(), 2);
        let e = r.read(3, "y").unwrap_err();
        assert_eq!(e.bit, 10);
        assert_eq!(e.kind, TcfErrorKind::Truncated { available: 12, needed: 3 });
    }

    #[test]
    fn padding_is_accepted_at_the_end_only() {
        assert_eq!(Bits::from_base64url("cA==", 0, "core").unwrap().len(), 12);
        let e = Bits::from_base64url("c=A", 5, "core").unwrap_err();
        assert_eq!(e.kind, TcfErrorKind::InvalidCharacter { index: 6, character: '=' });
        let e = Bits::from_base64url("cA===", 0, "core").unwrap_err();
        assert_eq!(e.kind, TcfErrorKind::InvalidCharacter { index: 4, character: '=' });
    }

    #[test]
    fn standard_base64_characters_are_rejected_with_their_index() {
        let e = Bits::from_base64url("ab+c", 10, "core").unwrap_err();
        assert_eq!(e.kind, TcfErrorKind::InvalidCharacter { index: 12, character: '+' });
        assert!(e.to_string().contains("write '-' for '+'"), "{e}");
    }

    #[test]
    fn flags_are_bounded_by_the_input_before_allocation() {
        let bits = Bits::from_base64url("AAAA", 0, "core").unwrap();
        let mut r = Reader::new(&bits, "core");
        let e = r.read_flags(65_535, "BitField").unwrap_err();
        assert_eq!(e.kind, TcfErrorKind::Truncated { available: 24, needed: 65_535 });
    }
}
