//! Built-in vocabulary: the fideslang taxonomy's data uses and data categories.
//!
//! A policy names purposes (`marketing.communications.email`) and data categories
//! (`user.contact.email`). Letting every shop invent its own words would make policies hard to
//! review and impossible to compare, so zweck ships the words privacy teams already use: the default
//! taxonomy of [fideslang](https://github.com/ethyca/fideslang). Purposes are checked against its
//! *data uses*, field categories against its *data categories*. Custom keys stay possible: a policy
//! may refine a fideslang key with further segments of its own.
//!
//! # What is shipped
//!
//! | taxonomy | keys | of which deprecated |
//! |---|---|---|
//! | [`Taxonomy::DataUse`] | 56 | 1 (`personalize.profiling`, replaced by `personalize.content.profiling`) |
//! | [`Taxonomy::DataCategory`] | 123 | 22 (fideslang 3.2.0 renames such as `user.biometric` → `user.biometrics`) |
//!
//! Every key comes with its published name and description, unchanged (including fideslang's own
//! spellings such as `user.health.symptons`). Deprecated keys are kept so that existing policies
//! still resolve; [`Term::replaced_by`] names the key to move to and [`check_key`] says so.
//! Keys are listed in the order fideslang lists them.
//!
//! # Source and licence
//!
//! fideslang by Ethyca, licensed under CC BY 4.0 (<https://creativecommons.org/licenses/by/4.0/>).
//! Taken from <https://github.com/ethyca/fideslang> at commit
//! [`FIDESLANG_COMMIT`] (taxonomy version [`FIDESLANG_VERSION`]), files
//! `data_files/data_uses.csv` and `data_files/data_categories.csv`, converted to the tab-separated
//! files in `src/policy/fideslang/` (see the `NOTICE` there for the changes made).
//!
//! # Key syntax
//!
//! A key is one or more segments joined by `.`; each segment is non-empty and made of lowercase
//! ASCII letters, digits and underscores (`user.contact.email`, `train_ai_system`). A key is at most
//! [`MAX_KEY_LEN`] bytes long.
//!
//! # Matching rule
//!
//! A key is accepted if it **equals** a taxonomy key ([`Resolution::Exact`]), or if one of its
//! dotted prefixes is a taxonomy key, which makes it a custom refinement of the longest such prefix
//! ([`Resolution::Extends`]): `user.contact.email.work` refines `user.contact.email`. Never the
//! reverse: a key that is merely a prefix of taxonomy keys (`user.contact.e`, `use`) is not
//! accepted, because a broader word than the taxonomy offers would silently cover more data than its
//! author meant.
//!
//! A refinement whose first custom segment is a near miss of an existing child
//! (`user.contact.emial`) resolves as [`Resolution::Extends`] by the rule above, but [`check_key`]
//! reports it as a probable typo with a "did you mean".
//!
//! # Example
//!
//! ```
//! use zweck::policy::vocab::{check_key, Resolution, Taxonomy, Vocabulary};
//!
//! let vocab = Vocabulary::fideslang();
//! let email = vocab.term(Taxonomy::DataCategory, "user.contact.email").unwrap();
//! assert_eq!(email.name, "User Contact Email");
//!
//! match vocab.resolve(Taxonomy::DataCategory, "user.contact.email.work") {
//!     Resolution::Extends(parent) => assert_eq!(parent.key, "user.contact.email"),
//!     other => panic!("unexpected {other:?}"),
//! }
//!
//! assert_eq!(check_key(Taxonomy::DataUse, "marketing.advertising"), None);
//! let warning = check_key(Taxonomy::DataCategory, "user.contact.emial").unwrap();
//! assert!(warning.contains("did you mean \"user.contact.email\"?"));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::closest;

/// The fideslang commit the shipped taxonomy was taken from.
pub const FIDESLANG_COMMIT: &str = "1144db3c9689e7324d92659e7240cac2dd384029";

/// The fideslang taxonomy version the shipped data corresponds to.
pub const FIDESLANG_VERSION: &str = "3.2.0";

/// Longest key accepted, in bytes. Bounds the work a hostile or corrupt policy can cause (typo
/// suggestions compare strings pairwise) and is far above any real key.
pub const MAX_KEY_LEN: usize = 255;

const DATA_USES_TSV: &str = include_str!("fideslang/data_uses.tsv");
const DATA_CATEGORIES_TSV: &str = include_str!("fideslang/data_categories.tsv");

/// Which of the two taxonomies a key belongs to.
///
/// Serialised as `"data_use"` / `"data_category"`, the names fideslang uses; displayed as
/// `data use` / `data category` for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Taxonomy {
    /// What data is used for: purposes (`marketing.communications.email`).
    DataUse,
    /// What kind of data it is: field categories (`user.contact.email`).
    DataCategory,
}

impl Taxonomy {
    /// Both taxonomies, for iterating over the whole vocabulary.
    pub const ALL: [Taxonomy; 2] = [Taxonomy::DataUse, Taxonomy::DataCategory];

    /// The human-readable name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Taxonomy::DataUse => "data use",
            Taxonomy::DataCategory => "data category",
        }
    }
}

impl fmt::Display for Taxonomy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a taxonomy, as fideslang publishes it.
///
/// Terms only come from a [`Vocabulary`]; the struct is `#[non_exhaustive]` so that further
/// published attributes can be added later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Term {
    /// The dotted key (fideslang's `fides_key`), e.g. `user.contact.email`.
    pub key: &'static str,
    /// The short display name, e.g. `User Contact Email`.
    pub name: &'static str,
    /// The published definition of the term.
    pub description: &'static str,
    /// For a deprecated term, the key fideslang says to use instead; `None` for current terms.
    pub replaced_by: Option<&'static str>,
}

impl Term {
    /// The key of the parent term: the key without its last segment, `None` for a top-level term.
    ///
    /// ```
    /// use zweck::policy::vocab::{Taxonomy, Vocabulary};
    /// let t = Vocabulary::fideslang().term(Taxonomy::DataCategory, "user.contact.email").unwrap();
    /// assert_eq!(t.parent_key(), Some("user.contact"));
    /// ```
    pub fn parent_key(&self) -> Option<&'static str> {
        self.key.rsplit_once('.').map(|(parent, _)| parent)
    }

    /// Whether fideslang has deprecated this term (see [`Term::replaced_by`]).
    pub fn is_deprecated(&self) -> bool {
        self.replaced_by.is_some()
    }
}

/// How strictly a policy's keys are held to the vocabulary.
///
/// Deserialises from `"off"`, `"warn"` or `"error"`; the default is [`Strictness::Warn`], so that
/// custom words never break a policy but do not go unnoticed either.
///
/// ```
/// use zweck::policy::vocab::Strictness;
/// let s: Strictness = serde_json::from_str("\"error\"").unwrap();
/// assert_eq!(s, Strictness::Error);
/// assert_eq!(Strictness::default(), Strictness::Warn);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strictness {
    /// Keys are not checked against the vocabulary (their syntax still is, by the policy).
    Off,
    /// Findings of [`check_key`] are reported as warnings; the policy still loads.
    #[default]
    Warn,
    /// Findings of [`check_key`] make the policy invalid.
    Error,
}

/// The outcome of looking a key up with [`Vocabulary::resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution<'a> {
    /// The key is a taxonomy key.
    Exact(&'a Term),
    /// The key is a custom refinement of this taxonomy term, its nearest declared ancestor.
    Extends(&'a Term),
    /// Neither the key nor any of its dotted prefixes is a taxonomy key (or the key is malformed).
    Unknown {
        /// The taxonomy key the caller most likely meant, if one is close enough.
        suggestion: Option<&'a str>,
    },
}

impl<'a> Resolution<'a> {
    /// The matched term: the key's own term or the ancestor it refines.
    pub fn term(&self) -> Option<&'a Term> {
        match *self {
            Resolution::Exact(t) | Resolution::Extends(t) => Some(t),
            Resolution::Unknown { .. } => None,
        }
    }

    /// Whether the matching rule accepts the key (exact or a refinement).
    pub fn is_accepted(&self) -> bool {
        self.term().is_some()
    }
}

/// A set of taxonomies to check keys against. Today only the built-in fideslang one exists.
#[derive(Debug)]
pub struct Vocabulary {
    data_uses: Table,
    data_categories: Table,
}

impl Vocabulary {
    /// The built-in fideslang vocabulary, parsed on first use and shared afterwards.
    ///
    /// ```
    /// use zweck::policy::vocab::{Taxonomy, Vocabulary};
    /// let vocab = Vocabulary::fideslang();
    /// assert_eq!(vocab.terms(Taxonomy::DataUse).count(), 56);
    /// assert_eq!(vocab.terms(Taxonomy::DataCategory).count(), 123);
    /// ```
    pub fn fideslang() -> &'static Vocabulary {
        static FIDESLANG: OnceLock<Vocabulary> = OnceLock::new();
        FIDESLANG.get_or_init(|| Vocabulary {
            data_uses: Table::parse(DATA_USES_TSV),
            data_categories: Table::parse(DATA_CATEGORIES_TSV),
        })
    }

    /// The term with exactly this key, if the taxonomy has one.
    pub fn term(&self, taxonomy: Taxonomy, key: &str) -> Option<&Term> {
        self.table(taxonomy).get(key)
    }

    /// All terms of a taxonomy, deprecated ones included, in fideslang's order.
    pub fn terms(&self, taxonomy: Taxonomy) -> impl Iterator<Item = &Term> {
        self.table(taxonomy).terms.iter()
    }

    /// Exact match, or the nearest declared ancestor for a custom extension
    /// (`user.contact.email.work` → `user.contact.email`); see the module docs for the rule.
    ///
    /// Malformed keys (see "Key syntax" in the module docs) are [`Resolution::Unknown`], with a
    /// suggestion when a lowercased, trimmed form of the key is acceptable.
    ///
    /// ```
    /// use zweck::policy::vocab::{Resolution, Taxonomy, Vocabulary};
    /// let vocab = Vocabulary::fideslang();
    /// assert!(matches!(vocab.resolve(Taxonomy::DataUse, "marketing.advertising"), Resolution::Exact(_)));
    /// assert_eq!(
    ///     vocab.resolve(Taxonomy::DataUse, "marketnig.advertising"),
    ///     Resolution::Unknown { suggestion: Some("marketing.advertising") },
    /// );
    /// ```
    pub fn resolve(&self, taxonomy: Taxonomy, key: &str) -> Resolution<'_> {
        let table = self.table(taxonomy);
        if syntax_problem(key).is_some() {
            let suggestion = normalized(key).and_then(|n| match table.resolve_valid(&n) {
                Resolution::Exact(t) | Resolution::Extends(t) => Some(t.key),
                Resolution::Unknown { suggestion } => suggestion,
            });
            return Resolution::Unknown { suggestion };
        }
        table.resolve_valid(key)
    }

    /// Checks one key; `None` when it is fine, otherwise a message for the policy author.
    ///
    /// Reported: malformed keys, keys outside the taxonomy (with a "did you mean" where one is close),
    /// refinements that look like a misspelt taxonomy key, and deprecated keys (with their
    /// replacement). Exact current keys and deliberate refinements pass.
    pub fn check(&self, taxonomy: Taxonomy, key: &str) -> Option<String> {
        let table = self.table(taxonomy);
        if let Some(problem) = syntax_problem(key) {
            let hint = match normalized(key) {
                Some(n) if table.resolve_valid(&n).is_accepted() => {
                    let n = table.correct(&n).unwrap_or(n);
                    format!("; did you mean \"{n}\"?")
                }
                _ => match self.resolve(taxonomy, key) {
                    Resolution::Unknown { suggestion: Some(s) } => format!("; did you mean \"{s}\"?"),
                    _ => String::new(),
                },
            };
            return Some(format!("{taxonomy} \"{}\" is not a valid key: {problem}{hint}", shorten(key)));
        }
        match table.resolve_valid(key) {
            Resolution::Exact(t) => t
                .replaced_by
                .map(|new| format!("{taxonomy} \"{key}\" is deprecated in fideslang; use \"{new}\" instead")),
            Resolution::Extends(parent) => {
                if let Some(fixed) = table.correct(key) {
                    Some(format!(
                        "{taxonomy} \"{key}\" is not in the fideslang taxonomy; did you mean \"{fixed}\"? \
                         (if it is a deliberate refinement of \"{}\", name it so that it does not read \
                         as a misspelling)",
                        parent.key
                    ))
                } else {
                    parent.replaced_by.map(|new| {
                        format!(
                            "{taxonomy} \"{key}\" refines \"{}\", which is deprecated in fideslang; \
                             refine \"{new}\" instead",
                            parent.key
                        )
                    })
                }
            }
            Resolution::Unknown { suggestion } => {
                let hint = match table.correct(key).or(suggestion.map(str::to_string)) {
                    Some(s) => format!("; did you mean \"{s}\"?"),
                    None => format!(
                        "; use a fideslang {taxonomy} or a refinement of one (top-level keys: {})",
                        table.roots().collect::<Vec<_>>().join(", ")
                    ),
                };
                Some(format!("{taxonomy} \"{key}\" is not in the fideslang taxonomy{hint}"))
            }
        }
    }

    fn table(&self, taxonomy: Taxonomy) -> &Table {
        match taxonomy {
            Taxonomy::DataUse => &self.data_uses,
            Taxonomy::DataCategory => &self.data_categories,
        }
    }
}

/// Check one key against the built-in fideslang vocabulary; returns `None` when fine,
/// `Some(message)` otherwise. The message names the key and the taxonomy and, where one is close,
/// says which key was probably meant. See [`Vocabulary::check`] for what is reported.
///
/// ```
/// use zweck::policy::vocab::{check_key, Taxonomy};
/// assert_eq!(check_key(Taxonomy::DataCategory, "user.contact.email"), None);
/// assert_eq!(check_key(Taxonomy::DataCategory, "user.contact.email.work"), None);
/// assert_eq!(
///     check_key(Taxonomy::DataCategory, "user.biometric").as_deref(),
///     Some("data category \"user.biometric\" is deprecated in fideslang; use \"user.biometrics\" instead"),
/// );
/// ```
pub fn check_key(taxonomy: Taxonomy, key: &str) -> Option<String> {
    Vocabulary::fideslang().check(taxonomy, key)
}

/// Whether `key` has valid key syntax (see "Key syntax" in the module docs). Says nothing about
/// whether the key is in a taxonomy.
///
/// ```
/// use zweck::policy::vocab::is_valid_key;
/// assert!(is_valid_key("user.contact.email"));
/// assert!(!is_valid_key("User.Contact"));
/// assert!(!is_valid_key("user..email"));
/// ```
pub fn is_valid_key(key: &str) -> bool {
    syntax_problem(key).is_none()
}

/// What is wrong with the key's syntax, phrased for an error message; `None` if it is valid.
fn syntax_problem(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("the key is empty".to_string());
    }
    if key.len() > MAX_KEY_LEN {
        return Some(format!("the key is {} bytes long; at most {MAX_KEY_LEN} are allowed", key.len()));
    }
    for (i, segment) in key.split('.').enumerate() {
        if segment.is_empty() {
            return Some(format!(
                "segment {} is empty; keys are segments joined by single dots, without a leading or \
                 trailing dot",
                i + 1
            ));
        }
        if let Some(c) = segment.chars().find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '_')) {
            return Some(format!(
                "segment \"{}\" contains {c:?}; segments may only contain lowercase ASCII letters, \
                 digits and underscores",
                shorten(segment)
            ));
        }
    }
    None
}

/// The key with the commonest slips fixed (surrounding space, capitals, `-` or space for `_`), if
/// that yields a valid key.
fn normalized(key: &str) -> Option<String> {
    let n: String = key
        .trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    is_valid_key(&n).then_some(n)
}

/// Caps echoed input so that a huge key does not produce a huge message.
fn shorten(s: &str) -> String {
    const SHOWN: usize = 64;
    match s.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// The last segment of a dotted key.
fn last_segment(key: &str) -> &str {
    key.rsplit_once('.').map_or(key, |(_, last)| last)
}

/// One parsed taxonomy with its lookup indexes.
#[derive(Debug)]
struct Table {
    terms: Vec<Term>,
    by_key: HashMap<&'static str, usize>,
    /// Children of each key by index into `terms`; top-level terms are under `""`.
    children: HashMap<&'static str, Vec<usize>>,
}

impl Table {
    /// Parses `key \t name \t description [\t replaced_by]` lines; `#` lines and blank lines are
    /// skipped. The input is the crate's own data, which the tests check line by line, so a
    /// malformed line is a packaging bug: it fails debug builds and is skipped in release builds.
    fn parse(tsv: &'static str) -> Table {
        let mut terms = Vec::new();
        for line in tsv.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(key), Some(name), Some(description)) = (fields.next(), fields.next(), fields.next())
            else {
                debug_assert!(false, "malformed vocabulary line: {line}");
                continue;
            };
            let replaced_by = fields.next().filter(|r| !r.is_empty());
            debug_assert!(fields.next().is_none(), "extra fields in vocabulary line: {line}");
            debug_assert!(is_valid_key(key), "invalid vocabulary key: {key}");
            terms.push(Term { key, name, description, replaced_by });
        }
        let mut by_key = HashMap::with_capacity(terms.len());
        let mut children: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, term) in terms.iter().enumerate() {
            let previous = by_key.insert(term.key, i);
            debug_assert!(previous.is_none(), "duplicate vocabulary key: {}", term.key);
            children.entry(term.parent_key().unwrap_or("")).or_default().push(i);
        }
        Table { terms, by_key, children }
    }

    fn get(&self, key: &str) -> Option<&Term> {
        self.by_key.get(key).map(|&i| &self.terms[i])
    }

    fn roots(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.children_of("").map(|t| t.key)
    }

    fn children_of(&self, key: &str) -> impl Iterator<Item = &Term> {
        self.children.get(key).into_iter().flatten().map(|&i| &self.terms[i])
    }

    /// The key's own term or its longest dotted prefix that is a term.
    fn deepest_known(&self, key: &str) -> Option<&Term> {
        let mut candidate = key;
        loop {
            if let Some(term) = self.get(candidate) {
                return Some(term);
            }
            candidate = candidate.rsplit_once('.')?.0;
        }
    }

    /// [`Vocabulary::resolve`] for a key already known to be syntactically valid.
    fn resolve_valid(&self, key: &str) -> Resolution<'_> {
        match self.deepest_known(key) {
            Some(term) if term.key.len() == key.len() => Resolution::Exact(term),
            Some(term) => Resolution::Extends(term),
            None => Resolution::Unknown { suggestion: self.suggest(key) },
        }
    }

    /// The taxonomy key most likely meant by an unknown key.
    fn suggest(&self, key: &str) -> Option<&'static str> {
        if let Some(fixed) = self.correct(key) {
            return self.deepest_known(&fixed).map(|t| t.key);
        }
        let active = self.terms.iter().filter(|t| !t.is_deprecated()).map(|t| t.key);
        closest(key, active).or_else(|| closest(key, self.terms.iter().map(|t| t.key)))
    }

    /// Walks the key down the tree segment by segment, replacing each segment that is a near miss
    /// of a child's (current children preferred over deprecated ones) and keeping the rest as
    /// written once a segment is neither. Returns the corrected key if anything was replaced.
    fn correct(&self, key: &str) -> Option<String> {
        let mut node = "";
        let mut changed = false;
        let mut segments = key.split('.');
        let mut custom_from = None;
        for segment in segments.by_ref() {
            let exact = self.children_of(node).find(|t| last_segment(t.key) == segment);
            let next = exact.or_else(|| {
                let near = |deprecated: bool| {
                    let names = self
                        .children_of(node)
                        .filter(|t| t.is_deprecated() == deprecated)
                        .map(|t| last_segment(t.key));
                    closest(segment, names)
                };
                let name = near(false).or_else(|| near(true))?;
                self.children_of(node).find(|t| last_segment(t.key) == name)
            });
            match next {
                Some(term) => {
                    changed |= exact.is_none();
                    node = term.key;
                }
                None => {
                    custom_from = Some(segment);
                    break;
                }
            }
        }
        if !changed {
            return None;
        }
        let mut fixed = node.to_string();
        for segment in custom_from.into_iter().chain(segments) {
            fixed.push('.');
            fixed.push_str(segment);
        }
        Some(fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn categories() -> &'static Table {
        &Vocabulary::fideslang().data_categories
    }

    #[test]
    fn every_data_line_becomes_a_term() {
        for (tsv, taxonomy) in
            [(DATA_USES_TSV, Taxonomy::DataUse), (DATA_CATEGORIES_TSV, Taxonomy::DataCategory)]
        {
            let lines = tsv.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).count();
            assert_eq!(Vocabulary::fideslang().terms(taxonomy).count(), lines, "{taxonomy}");
        }
    }

    #[test]
    fn parsing_skips_comments_and_blank_lines_and_reads_the_optional_replacement() {
        let table = Table::parse("# header\n\na\tA\tThe a.\na.b\tB\tThe b.\ta\n");
        assert_eq!(table.terms.len(), 2);
        assert_eq!(table.get("a.b").and_then(|t| t.replaced_by), Some("a"));
        assert_eq!(table.get("a").and_then(|t| t.replaced_by), None);
        assert_eq!(table.roots().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn correction_fixes_misspelt_segments_and_keeps_custom_ones() {
        let t = categories();
        assert_eq!(t.correct("user.contact.emial").as_deref(), Some("user.contact.email"));
        assert_eq!(t.correct("usr.contact.emial.work").as_deref(), Some("user.contact.email.work"));
        assert_eq!(t.correct("user.contact.email.work"), None);
        assert_eq!(t.correct("user.contact.email"), None);
        assert_eq!(t.correct("shoe_size"), None);
    }

    #[test]
    fn correction_prefers_current_terms_over_deprecated_ones() {
        // "biometricz" is one edit from the deprecated "biometric" and one from "biometrics".
        assert_eq!(categories().correct("user.biometricz").as_deref(), Some("user.biometrics"));
    }

    #[test]
    fn syntax_problems_name_the_offending_segment() {
        assert_eq!(syntax_problem("user.contact.email"), None);
        assert!(syntax_problem("").is_some_and(|p| p.contains("empty")));
        assert!(syntax_problem("user..email").is_some_and(|p| p.contains("segment 2 is empty")));
        assert!(syntax_problem(".user").is_some_and(|p| p.contains("segment 1 is empty")));
        assert!(syntax_problem("user.").is_some_and(|p| p.contains("segment 2 is empty")));
        assert!(syntax_problem("user.Contact").is_some_and(|p| p.contains("\"Contact\" contains 'C'")));
        assert!(syntax_problem("user.e-mail").is_some_and(|p| p.contains("'-'")));
        assert!(syntax_problem("user.é").is_some_and(|p| p.contains("'é'")));
        assert!(syntax_problem(&"a".repeat(MAX_KEY_LEN + 1)).is_some_and(|p| p.contains("at most 255")));
        assert_eq!(syntax_problem(&"a".repeat(MAX_KEY_LEN)), None);
    }

    #[test]
    fn normalisation_fixes_case_spaces_and_dashes_only() {
        assert_eq!(normalized(" User.Contact.Phone-Number ").as_deref(), Some("user.contact.phone_number"));
        assert_eq!(normalized("user..email"), None);
    }

    #[test]
    fn long_input_is_shortened_in_messages() {
        let long = "x".repeat(1000);
        assert_eq!(shorten(&long).chars().count(), 65);
        assert_eq!(shorten("short"), "short");
    }
}
