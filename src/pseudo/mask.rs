//! Masks: show a person enough of a value to recognise it (`j***@example.com`), not to use it.
//!
//! Masks are for display to staff and customers (support screens, order confirmations), where a
//! pseudonym would be useless. A mask never returns the whole value, whatever its length.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::rule::RuleError;

/// What to hide.
///
/// In policies: `"email"`, `"last4"`, `"phone"` or `{"keep_first": 3}`. Every style first trims
/// surrounding whitespace.
///
/// ```
/// use zweck::pseudo::MaskStyle;
/// assert_eq!(MaskStyle::Email.apply("jane.doe@example.com").unwrap(), "j***@example.com");
/// assert_eq!(MaskStyle::Last4.apply("4242 4242 4242 4242").unwrap(), "****4242");
/// assert_eq!(MaskStyle::Phone.apply("+49 170 1234567").unwrap(), "+** *** *****67");
/// assert_eq!(MaskStyle::KeepFirst(3).apply("Alexandra").unwrap(), "Ale***");
/// let style: MaskStyle = serde_json::from_str(r#"{"keep_first": 2}"#).unwrap();
/// assert_eq!(style, MaskStyle::KeepFirst(2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MaskStyle {
    /// The first character of the local part, `***`, and the domain: `j***@example.com`. A
    /// one-character local part is hidden entirely (`***@example.com`). The last `@` separates local
    /// part and domain. No `@`, or an empty local part or domain, is an error.
    Email,
    /// `****` followed by the last four letters or digits, separators dropped: `4242 4242 4242 4242`
    /// becomes `****4242`. With fewer than five letters and digits the result is `****` (the whole
    /// value is never shown). The output length does not depend on the input length.
    Last4,
    /// Every ASCII digit but the last two becomes `*`; `+`, spaces, `-`, `.`, `/` and brackets stay,
    /// so the shape stays readable: `+49 170 1234567` becomes `+** *** *****67`. With two digits or
    /// fewer, all are masked. Letters or other characters, or no digit at all, are an error.
    Phone,
    /// The first `n` characters, then `***`: `Alexandra` with 3 becomes `Ale***`. If the value has `n`
    /// characters or fewer, only the first half of it (rounded down) is shown, so the whole value never
    /// is: `Al` with 3 becomes `A***`.
    KeepFirst(u32),
}

impl MaskStyle {
    /// The masked form of `value`.
    ///
    /// # Errors
    /// [`RuleError`] if the value does not have the shape the style needs (see each variant).
    pub fn apply(&self, value: &str) -> Result<String, RuleError> {
        let value = value.trim();
        match *self {
            MaskStyle::Email => self.email(value),
            MaskStyle::Last4 => Ok(last4(value)),
            MaskStyle::Phone => self.phone(value),
            MaskStyle::KeepFirst(n) => Ok(keep_first(value, n)),
        }
    }

    fn email(&self, value: &str) -> Result<String, RuleError> {
        let (local, domain) =
            value.rsplit_once('@').ok_or_else(|| RuleError::new(self, "the value has no '@'"))?;
        if local.is_empty() {
            return Err(RuleError::new(self, "the value has nothing before the '@'"));
        }
        if domain.is_empty() {
            return Err(RuleError::new(self, "the value has nothing after the '@'"));
        }
        let mut chars = local.chars();
        let first = chars.next().filter(|_| chars.next().is_some());
        let mut out = String::with_capacity(value.len() + 4);
        out.extend(first);
        out.push_str("***@");
        out.push_str(domain);
        Ok(out)
    }

    fn phone(&self, value: &str) -> Result<String, RuleError> {
        if let Some(c) = value.chars().find(|c| !is_phone_char(*c)) {
            let what =
                if c.is_alphabetic() { "letters" } else { "characters other than digits and separators" };
            return Err(RuleError::new(
                self,
                format!("the value contains {what}, so it is not a phone number"),
            ));
        }
        let digits = value.bytes().filter(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(RuleError::new(self, "the value has no digits"));
        }
        let shown_from = if digits > 2 { digits - 2 } else { digits };
        let mut seen = 0;
        Ok(value
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    seen += 1;
                    if seen <= shown_from {
                        return '*';
                    }
                }
                c
            })
            .collect())
    }
}

fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '/' | '(' | ')')
}

fn last4(value: &str) -> String {
    let significant: Vec<char> = value.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut out = String::from("****");
    if significant.len() > 4 {
        out.extend(&significant[significant.len() - 4..]);
    }
    out
}

fn keep_first(value: &str, n: u32) -> String {
    let len = value.chars().count();
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let shown = if len > n { n } else { len / 2 };
    let mut out: String = value.chars().take(shown).collect();
    out.push_str("***");
    out
}

impl fmt::Display for MaskStyle {
    /// `mask email`, `mask keep_first(3)`: the rule as a policy author would recognise it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaskStyle::Email => f.write_str("mask email"),
            MaskStyle::Last4 => f.write_str("mask last4"),
            MaskStyle::Phone => f.write_str("mask phone"),
            MaskStyle::KeepFirst(n) => write!(f, "mask keep_first({n})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(style: MaskStyle, v: &str) -> String {
        style.apply(v).unwrap()
    }

    #[test]
    fn email_shows_first_letter_and_domain() {
        assert_eq!(ok(MaskStyle::Email, "jane.doe@example.com"), "j***@example.com");
        assert_eq!(ok(MaskStyle::Email, " Jürgen@example.de "), "J***@example.de");
        assert_eq!(ok(MaskStyle::Email, "\"a@b\"@example.com"), "\"***@example.com");
        assert_eq!(ok(MaskStyle::Email, "j@example.com"), "***@example.com");
    }

    #[test]
    fn email_without_local_part_or_domain_is_refused() {
        for (v, why) in [
            ("jane.example.com", "no '@'"),
            ("@example.com", "nothing before"),
            ("jane@", "nothing after"),
            ("", "no '@'"),
        ] {
            let e = MaskStyle::Email.apply(v).unwrap_err();
            assert_eq!(e.rule, "mask email");
            assert!(e.message.contains(why), "{v}: {e}");
            assert!(v.is_empty() || !e.message.contains(v), "the value must not be echoed: {e}");
        }
    }

    #[test]
    fn last4_shows_only_the_last_four_letters_or_digits() {
        assert_eq!(ok(MaskStyle::Last4, "4242 4242 4242 4242"), "****4242");
        assert_eq!(ok(MaskStyle::Last4, "DE89 3704 0044 0532 0130 00"), "****3000");
        assert_eq!(ok(MaskStyle::Last4, "12345"), "****2345");
        assert_eq!(ok(MaskStyle::Last4, "1234"), "****");
        assert_eq!(ok(MaskStyle::Last4, "12-34"), "****");
        assert_eq!(ok(MaskStyle::Last4, ""), "****");
    }

    #[test]
    fn phone_masks_all_digits_but_the_last_two_and_keeps_separators() {
        assert_eq!(ok(MaskStyle::Phone, "+49 170 1234567"), "+** *** *****67");
        assert_eq!(ok(MaskStyle::Phone, "(030) 123-45.6/7"), "(***) ***-**.6/7");
        assert_eq!(ok(MaskStyle::Phone, "110"), "*10");
        assert_eq!(ok(MaskStyle::Phone, "12"), "**");
        assert_eq!(ok(MaskStyle::Phone, "7"), "*");
    }

    #[test]
    fn phone_refuses_letters_and_values_without_digits() {
        let e = MaskStyle::Phone.apply("call 0170 123").unwrap_err();
        assert!(e.message.contains("letters"), "{e}");
        let e = MaskStyle::Phone.apply("0170#123").unwrap_err();
        assert!(e.message.contains("other than digits"), "{e}");
        let e = MaskStyle::Phone.apply("+ ()").unwrap_err();
        assert!(e.message.contains("no digits"), "{e}");
        assert!(MaskStyle::Phone.apply("٠١٢٣٤").is_err(), "non-ASCII digits are not phone digits");
    }

    #[test]
    fn keep_first_never_reveals_the_whole_value() {
        assert_eq!(ok(MaskStyle::KeepFirst(3), "Alexandra"), "Ale***");
        assert_eq!(ok(MaskStyle::KeepFirst(3), "Ålesund"), "Åle***");
        assert_eq!(ok(MaskStyle::KeepFirst(3), "Alex"), "Ale***");
        assert_eq!(ok(MaskStyle::KeepFirst(3), "Ale"), "A***");
        assert_eq!(ok(MaskStyle::KeepFirst(3), "Al"), "A***");
        assert_eq!(ok(MaskStyle::KeepFirst(3), "A"), "***");
        assert_eq!(ok(MaskStyle::KeepFirst(0), "Alexandra"), "***");
        assert_eq!(ok(MaskStyle::KeepFirst(u32::MAX), "Alexandra"), "Alex***");
    }

    #[test]
    fn json_forms_round_trip() {
        for (json, style) in [
            ("\"email\"", MaskStyle::Email),
            ("\"last4\"", MaskStyle::Last4),
            ("\"phone\"", MaskStyle::Phone),
            ("{\"keep_first\":3}", MaskStyle::KeepFirst(3)),
        ] {
            assert_eq!(serde_json::from_str::<MaskStyle>(json).unwrap(), style);
            assert_eq!(serde_json::to_string(&style).unwrap(), json);
        }
        assert!(serde_json::from_str::<MaskStyle>("\"last_4\"").is_err());
        assert!(serde_json::from_str::<MaskStyle>("{\"keep_first\":-1}").is_err());
        assert!(serde_json::from_str::<MaskStyle>("\"keep_first\"").is_err());
    }

    #[test]
    fn display_names_the_rule_with_its_parameter() {
        assert_eq!(MaskStyle::KeepFirst(3).to_string(), "mask keep_first(3)");
        assert_eq!(MaskStyle::Last4.to_string(), "mask last4");
    }
}
