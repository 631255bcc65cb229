//! Normalisers: the canonical form of a value before it is pseudonymised.
//!
//! The same customer must get the same pseudonym however the value was typed (`Jane@Example.com `
//! and `jane@example.com`), so a field may name a normaliser that is applied first. Normalisers are
//! part of the pseudonym contract: changing one changes every token of the field.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{hint, Error};

/// How a value is canonicalised before it is pseudonymised.
///
/// In policies: `"email"`, `"phone"` or `"text"`.
///
/// ```
/// use zweck::pseudo::Normaliser;
/// assert_eq!(Normaliser::Email.apply("  Jane.Doe@Example.COM "), "jane.doe@example.com");
/// assert_eq!(Normaliser::Phone.apply("+49 (170) 123-4567"), "+491701234567");
/// assert_eq!(Normaliser::Text.apply("  Berlin\n"), "Berlin");
/// let n: Normaliser = "phone".parse().unwrap();
/// assert_eq!(n, Normaliser::Phone);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Normaliser {
    /// Trim surrounding whitespace and lowercase (Unicode lowercase, so `ÄRGER@X.DE` becomes
    /// `ärger@x.de`). Unicode composition is not normalised: `é` typed as one code point and as `e` +
    /// combining accent stay different.
    Email,
    /// Keep a `+` if it is the first non-whitespace character, and every ASCII digit; drop everything
    /// else (spaces, dashes, brackets, dots, letters). No country-code rewriting: `0170…` and
    /// `+49170…` stay different. A value without digits becomes empty (or `+`).
    Phone,
    /// Trim surrounding (Unicode) whitespace.
    Text,
}

/// All normalisers with their names, for parsing and did-you-mean hints.
const ALL: [(&str, Normaliser); 3] =
    [("email", Normaliser::Email), ("phone", Normaliser::Phone), ("text", Normaliser::Text)];

impl Normaliser {
    /// The canonical form of `v`; borrows `v` (or a slice of it) when nothing needs to change.
    pub fn apply<'a>(&self, v: &'a str) -> Cow<'a, str> {
        match self {
            Normaliser::Email => lowercase(v.trim()),
            Normaliser::Phone => phone(v),
            Normaliser::Text => Cow::Borrowed(v.trim()),
        }
    }

    /// The name used in policies: `email`, `phone` or `text`.
    pub fn name(&self) -> &'static str {
        match self {
            Normaliser::Email => "email",
            Normaliser::Phone => "phone",
            Normaliser::Text => "text",
        }
    }
}

fn lowercase(v: &str) -> Cow<'_, str> {
    if v.is_ascii() {
        if v.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(v.to_ascii_lowercase());
        }
        return Cow::Borrowed(v);
    }
    // Compare with the full lowercase mapping rather than `is_uppercase`: title-case letters such as
    // `ǅ` are not uppercase but still change.
    let lower = v.to_lowercase();
    if lower == v {
        Cow::Borrowed(v)
    } else {
        Cow::Owned(lower)
    }
}

fn phone(v: &str) -> Cow<'_, str> {
    let trimmed = v.trim_start();
    let plus = trimmed.starts_with('+');
    let digits = if plus { &trimmed[1..] } else { trimmed };
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    if plus {
        out.push('+');
    }
    out.extend(digits.chars().filter(char::is_ascii_digit));
    Cow::Owned(out)
}

impl fmt::Display for Normaliser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Normaliser {
    type Err = Error;

    /// Parses `email`, `phone` or `text` (exact, lowercase).
    fn from_str(s: &str) -> Result<Self, Error> {
        ALL.iter().find(|(name, _)| *name == s).map(|(_, n)| *n).ok_or_else(|| Error::InvalidInput {
            what: "normaliser",
            message: format!("unknown normaliser {s:?}{}", hint(s, ALL.iter().map(|(name, _)| *name))),
        })
    }
}

impl Serialize for Normaliser {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Normaliser {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased_in_ascii_and_unicode() {
        assert_eq!(Normaliser::Email.apply(" Jane.Doe@Example.COM\t"), "jane.doe@example.com");
        assert_eq!(Normaliser::Email.apply("ÄRGER@Straße.DE"), "ärger@straße.de");
        assert_eq!(Normaliser::Email.apply("ǅemal@x.hr"), "ǆemal@x.hr");
        assert_eq!(Normaliser::Email.apply("\u{3000}ΣΟΦΙΑ@x.gr"), "σοφια@x.gr");
    }

    #[test]
    fn canonical_values_are_borrowed_not_copied() {
        assert!(matches!(Normaliser::Email.apply("jane@example.com"), Cow::Borrowed(_)));
        assert!(matches!(Normaliser::Email.apply(" jane@example.com "), Cow::Borrowed("jane@example.com")));
        assert!(matches!(Normaliser::Email.apply("jürgen@example.de"), Cow::Borrowed(_)));
        assert!(matches!(Normaliser::Phone.apply("+491701234567"), Cow::Borrowed(_)));
        assert!(matches!(Normaliser::Text.apply(" x "), Cow::Borrowed("x")));
    }

    #[test]
    fn phone_keeps_a_leading_plus_and_ascii_digits_only() {
        assert_eq!(Normaliser::Phone.apply("+49 (170) 123-4567"), "+491701234567");
        assert_eq!(Normaliser::Phone.apply("  +49.170/1234567 "), "+491701234567");
        assert_eq!(Normaliser::Phone.apply("0170 1234567"), "01701234567");
        assert_eq!(Normaliser::Phone.apply("tel: 0170+12"), "017012");
        // Non-ASCII digits (Arabic-Indic) are dropped, not translated.
        assert_eq!(Normaliser::Phone.apply("٠١٢3"), "3");
        assert_eq!(Normaliser::Phone.apply("n/a"), "");
        assert_eq!(Normaliser::Phone.apply("+"), "+");
    }

    #[test]
    fn text_trims_unicode_whitespace_only() {
        assert_eq!(Normaliser::Text.apply("\u{a0} Berlin Mitte \n"), "Berlin Mitte");
        assert_eq!(Normaliser::Text.apply("MiXeD"), "MiXeD");
        assert_eq!(Normaliser::Text.apply("   "), "");
    }

    #[test]
    fn names_parse_and_misspellings_get_a_suggestion() {
        for (name, n) in ALL {
            assert_eq!(name.parse::<Normaliser>().unwrap(), n);
            assert_eq!(n.name(), name);
            assert_eq!(n.to_string(), name);
        }
        let msg = "emial".parse::<Normaliser>().unwrap_err().to_string();
        assert_eq!(msg, "invalid normaliser: unknown normaliser \"emial\"; did you mean \"email\"?");
        let msg = "postcode".parse::<Normaliser>().unwrap_err().to_string();
        assert!(msg.contains("declared: email, phone, text"), "{msg}");
        assert!("Email".parse::<Normaliser>().is_err());
    }

    #[test]
    fn serde_uses_the_names() {
        assert_eq!(serde_json::to_string(&Normaliser::Phone).unwrap(), "\"phone\"");
        assert_eq!(serde_json::from_str::<Normaliser>("\"text\"").unwrap(), Normaliser::Text);
        let e = serde_json::from_str::<Normaliser>("\"phnoe\"").unwrap_err().to_string();
        assert!(e.contains("did you mean \"phone\""), "{e}");
        assert!(serde_json::from_str::<Normaliser>("3").is_err());
    }
}
