//! The one error type of the crate.
//!
//! Every message names the offending input and, where there is one, the fix. Messages never contain
//! key material or customer values other than the identifiers the caller passed in to look something up.

use std::path::PathBuf;

/// Everything that can go wrong in zweck.
///
/// The enum is `#[non_exhaustive]`: match on the variants you handle and keep a fallback arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy is malformed or inconsistent. `path` points into the policy document
    /// (e.g. `fields.email.purposes.marketing.emial`).
    #[error("policy: {path}: {message}")]
    Policy {
        /// Where in the policy the problem is.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A purpose key the policy does not declare.
    #[error("unknown purpose \"{purpose}\"{hint}")]
    UnknownPurpose {
        /// The key that was asked for.
        purpose: String,
        /// A "did you mean" suggestion or the list of declared purposes, starting with `; `.
        hint: String,
    },

    /// A field name the policy does not declare.
    #[error("unknown field \"{field}\"{hint}")]
    UnknownField {
        /// The name that was asked for.
        field: String,
        /// A "did you mean" suggestion or the list of declared fields, starting with `; `.
        hint: String,
    },

    /// A master key is unusable (wrong length, duplicate version, …). Never contains key bytes.
    #[error("invalid key: {0}")]
    InvalidKey(String),

    /// A token or operation refers to a key version the key ring does not hold.
    #[error("key version {0} is not in the key ring; add the older master secret with its version to recognise its tokens")]
    UnknownKeyVersion(u32),

    /// A string that should be a zweck token is not one.
    #[error("malformed token: {0}")]
    MalformedToken(String),

    /// A caller-provided output buffer cannot hold the result.
    #[error("output buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes the full result needs.
        needed: usize,
        /// Bytes the caller provided.
        available: usize,
    },

    /// An argument is malformed: `what` names the argument (e.g. `subject id`, `record`, `timestamp`).
    #[error("invalid {what}: {message}")]
    InvalidInput {
        /// The argument at fault.
        what: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A value cannot be normalised, masked or generalised by the named rule
    /// (e.g. a postcode rule given a number, a date rule given free text).
    #[error("cannot apply {rule} to the value of field \"{field}\": {message}")]
    InvalidValue {
        /// The field whose value was rejected.
        field: String,
        /// The normaliser, mask or generalisation that rejected it.
        rule: String,
        /// Why.
        message: String,
    },

    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What zweck was doing (e.g. `opening journal`).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A journal holds bytes that are not a torn write at its end: damage in the middle, a foreign
    /// file, or a record written with a larger limit. zweck refuses to open it rather than drop
    /// acknowledged records.
    #[error(
        "journal {path} is damaged at byte offset {offset}: {message}; it was not opened, so nothing in it \
         was changed or lost (restore it from a backup, or inspect a copy of it)"
    )]
    Corrupt {
        /// The journal file.
        path: PathBuf,
        /// Byte offset of the first damaged frame (0 for the file header).
        offset: u64,
        /// What is wrong there and, where there is one, the fix.
        message: String,
    },

    /// Another open store holds the journal: two writers would interleave frames and corrupt it.
    #[error(
        "journal {path} is already open in another JournalStore (in this process or another one, which \
         holds the lock file {path}.lock); close that store or stop that process, then open the journal \
         again; do not delete the lock file while the other process runs"
    )]
    Locked {
        /// The journal file.
        path: PathBuf,
    },

    /// The subject was erased (right to be forgotten); its id cannot be used again.
    #[error("subject was erased; its data and consents are gone and its id cannot be reused; give the customer a new id")]
    SubjectErased,

    /// The purpose may not do this (e.g. re-identify a pseudonym); `reason` says why.
    #[error("denied: {reason}")]
    Denied {
        /// Why, in plain language.
        reason: String,
    },

    /// A TCF consent string (TC string) could not be decoded; the inner error names the segment, field
    /// and bit. Pass the string exactly as the CMP produced it (base64url, segments joined by '.').
    #[error("TC string: {0}")]
    Tcf(#[from] crate::consent::tcf::TcfError),

    /// An audit log failed verification, or cannot be continued. `index` is the entry at fault (its
    /// position in the checked log, or its `seq` when resuming).
    #[error("audit log broken at entry {index}: {message}")]
    AuditBroken {
        /// The entry at fault.
        index: u64,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Builds the `hint` part of an unknown-name error: a "did you mean" for a near miss, otherwise the
/// list of valid names (abridged).
pub(crate) fn hint<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: Vec<&str> = known.into_iter().collect();
    if let Some(best) = closest(wanted, known.iter().copied()) {
        return format!("; did you mean \"{best}\"?");
    }
    if known.is_empty() {
        return "; none are declared".to_string();
    }
    let mut list: Vec<&str> = known.iter().copied().take(12).collect();
    list.sort_unstable();
    let more = if known.len() > 12 { ", …" } else { "" };
    format!("; declared: {}{more}", list.join(", "))
}

/// The known name nearest to `wanted` within edit distance ⌈len/3⌉ (at most 3); the first one on a tie.
pub(crate) fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = wanted.chars().count().div_ceil(3).clamp(1, 3);
    let mut best: Option<(&str, usize)> = None;
    for k in known {
        let d = edit_distance(wanted, k);
        if d <= limit && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((k, d));
        }
    }
    best.map(|(k, _)| k)
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transposition), so `emial` is one
/// edit from `email`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_get_a_suggestion() {
        assert_eq!(
            hint("marketing.emial", ["marketing.email", "analytics"]),
            "; did you mean \"marketing.email\"?"
        );
        assert_eq!(closest("emial", ["email", "name"]), Some("email"));
        assert_eq!(closest("zzzzzz", ["email", "name"]), None);
    }

    #[test]
    fn far_misses_list_what_is_declared() {
        assert_eq!(hint("shoe_size", ["email", "name"]), "; declared: email, name");
        assert_eq!(hint("x", []), "; none are declared");
    }
}
