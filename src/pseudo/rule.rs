//! The error of a masking or generalisation rule that cannot handle a value.

use std::fmt;

use crate::error::Error;

/// A mask or generalisation rule could not be applied to a value.
///
/// Carries no field name (the rule does not know it) and never the value itself: `message` only
/// describes what is wrong with it. The access layer adds the field with
/// [`into_error`](Self::into_error).
///
/// ```
/// use zweck::pseudo::MaskStyle;
/// let e = MaskStyle::Email.apply("not an address").unwrap_err();
/// assert_eq!(e.to_string(), "mask email: the value has no '@'");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// The rule, as written in a policy with its parameter, e.g. `mask keep_first(3)` or
    /// `generalisation age_band(10)`.
    pub rule: String,
    /// What is wrong with the value, without quoting it.
    pub message: String,
}

impl RuleError {
    pub(crate) fn new(rule: impl fmt::Display, message: impl Into<String>) -> RuleError {
        RuleError { rule: rule.to_string(), message: message.into() }
    }

    /// The crate error for this failure on `field`.
    pub fn into_error(self, field: impl Into<String>) -> Error {
        Error::InvalidValue { field: field.into(), rule: self.rule, message: self.message }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

impl std::error::Error for RuleError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn becomes_an_invalid_value_error_naming_the_field() {
        let e = RuleError::new("mask email", "the value has no '@'").into_error("contact_email");
        assert_eq!(
            e.to_string(),
            "cannot apply mask email to the value of field \"contact_email\": the value has no '@'"
        );
    }
}
