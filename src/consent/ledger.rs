//! The consent ledger: an append-only list of events per subject, and the rules that turn it into an
//! answer for one purpose at one time.
//!
//! # The rules
//!
//! A purpose's *chain* is the purpose and its ancestors (`marketing.email`, `marketing`). Only events
//! on the chain, at or before the time asked about, count. Events are ordered by their time, then by
//! the order they were recorded in.
//!
//! 1. **A grant on a parent covers its children.** A grant on `marketing` is consent for
//!    `marketing.email`.
//! 2. **A later withdrawal on the purpose or any ancestor ends a grant.** Withdrawing `marketing` ends
//!    an earlier grant on `marketing.email`.
//! 3. **A withdrawal on a child beats a parent's grant**, whenever either was given:
//!    withdrawing `marketing.email` blocks every grant on `marketing` for it. Only a later grant on
//!    `marketing.email` itself (or a more specific purpose) restores it; once restored, the
//!    withdrawal blocks no grant any more, so a later "withdraw all, accept all" on `marketing`
//!    covers `marketing.email` again.
//! 4. **A grant counts only while it is valid:** before its expiry, younger than the purpose's
//!    maximum consent age, and given for at least the notice version the purpose now requires. An
//!    invalid grant never lifts a withdrawal or an objection.
//! 5. **An objection beats consent.** An objection on the chain blocks every grant made before it. A
//!    grant made after it lifts it only if that grant is *explicit* and on the objected purpose or a
//!    more specific one (so a Global Privacy Control signal is not undone by a generic "accept all").
//!    Once lifted for a purpose, the objection blocks no grant for it while the lifting grant is valid
//!    (rule 4), even if a later withdrawal has ended that grant itself.
//! 6. **Legitimate-interests purposes hold until the subject objects** (a withdrawal counts as an
//!    objection there), with the same lifting rule as 5.
//! 7. **Special-category data needs explicit consent for the purpose itself**: the grant must be
//!    marked explicit and name the purpose asked about, not an ancestor.
//!
//! Purposes on contract, legal-obligation, vital-interests or public-task bases need no consent; the
//! access layer does not ask the ledger for them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::event::{ConsentAction, ConsentEvent};
use crate::text::{fast_hash, same};
use crate::{Period, Timestamp};

/// What a purpose requires of a consent, taken from the policy.
#[derive(Clone, Copy, Debug)]
pub struct Terms<'a> {
    /// The purpose key first, then its ancestors nearest first.
    pub chain: &'a [Arc<str>],
    /// The notice version a grant must have been given for (or later).
    pub notice_version: u32,
    /// How long a grant counts after it was given.
    pub max_age: Option<Period>,
    /// Whether an explicit grant on the purpose itself is needed (special-category data).
    pub explicit_required: bool,
}

/// The ledger's answer for one subject, purpose and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConsentStatus {
    /// Consent (or, for legitimate interests, the absence of an objection) holds.
    Holds,
    /// No grant was ever recorded for the chain.
    NoConsent,
    /// A grant existed but a withdrawal ended or blocks it.
    Withdrawn,
    /// The grant passed its expiry or the purpose's maximum consent age.
    Expired,
    /// The grant was given for an older notice version than the purpose requires.
    NoticeOutdated,
    /// The subject objected.
    Objected,
    /// Consent exists but not the explicit consent for this purpose that special-category data needs.
    ExplicitConsentMissing,
}

#[derive(Clone, Debug)]
struct Entry {
    seq: u64,
    event: ConsentEvent,
}

type Shard = RwLock<HashMap<Box<str>, Vec<Entry>>>;

/// Number of independently locked shards; a write locks one shard only, so readers of other
/// subjects never wait for it.
const SHARDS: usize = 64;

/// An in-memory, append-only consent ledger, sharded by subject. `Send + Sync`.
pub struct Ledger {
    shards: Box<[Shard]>,
    seq: AtomicU64,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::new()
    }
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("events", &self.seq.load(Ordering::Relaxed)).finish()
    }
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger { shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(), seq: AtomicU64::new(0) }
    }

    fn shard(&self, subject: &str) -> &Shard {
        &self.shards[shard_index(subject)]
    }

    /// Appends an event (the caller has checked it). Events are kept in time order; an event with an
    /// earlier time than ones already recorded is placed before them.
    pub fn record(&self, event: ConsentEvent) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut shard = self.shard(&event.subject).write().unwrap_or_else(|p| p.into_inner());
        let list = shard.entry(Box::from(event.subject.as_str())).or_default();
        let pos = list.partition_point(|e| (e.event.at, e.seq) <= (event.at, seq));
        list.insert(pos, Entry { seq, event });
    }

    /// All events of a subject in time order (the proof of consent, Art. 7(1)).
    pub fn history(&self, subject: &str) -> Vec<ConsentEvent> {
        let shard = self.shard(subject).read().unwrap_or_else(|p| p.into_inner());
        shard.get(subject).map(|l| l.iter().map(|e| e.event.clone()).collect()).unwrap_or_default()
    }

    /// Removes all of a subject's events (erasure); returns how many there were.
    pub fn forget(&self, subject: &str) -> usize {
        let mut shard = self.shard(subject).write().unwrap_or_else(|p| p.into_inner());
        shard.remove(subject).map(|l| l.len()).unwrap_or(0)
    }

    /// Every event of every subject (for compaction and export), subjects in no particular order.
    pub fn all_events(&self) -> Vec<ConsentEvent> {
        let mut out = Vec::new();
        for s in self.shards.iter() {
            let s = s.read().unwrap_or_else(|p| p.into_inner());
            for l in s.values() {
                out.extend(l.iter().map(|e| e.event.clone()));
            }
        }
        out
    }

    /// The ids of all subjects with at least one event.
    pub fn subject_ids(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in self.shards.iter() {
            out.extend(s.read().unwrap_or_else(|p| p.into_inner()).keys().map(|k| k.to_string()));
        }
        out
    }

    /// Number of subjects with at least one event.
    pub fn subjects(&self) -> usize {
        self.shards.iter().map(|s| s.read().unwrap_or_else(|p| p.into_inner()).len()).sum()
    }

    /// Whether consent for a consent-based purpose holds for `subject` at `now` (rules 1–5, 7).
    pub fn consent(&self, subject: &str, terms: &Terms<'_>, now: Timestamp) -> ConsentStatus {
        let shard = self.shard(subject).read().unwrap_or_else(|p| p.into_inner());
        match shard.get(subject) {
            Some(list) => evaluate_consent(list, terms, now),
            None => ConsentStatus::NoConsent,
        }
    }

    /// Whether a legitimate-interests purpose holds for `subject` at `now` (rule 6). `terms` decide
    /// whether a grant is valid enough to lift an objection (rule 4).
    pub fn legitimate_interest(&self, subject: &str, terms: &Terms<'_>, now: Timestamp) -> ConsentStatus {
        let shard = self.shard(subject).read().unwrap_or_else(|p| p.into_inner());
        match shard.get(subject) {
            Some(list) => evaluate_objection(list, terms, now),
            None => ConsentStatus::Holds,
        }
    }
}

/// The shard of a subject: a fast, unkeyed hash.
///
/// Lookups inside a shard use the standard library's keyed SipHash, so subject ids chosen to
/// collide here can only crowd one shard (less parallelism), never degrade a lookup to a linear
/// scan. Hashing the id once with SipHash for the shard and again for the map cost as much as the
/// rest of a consent check.
fn shard_index(subject: &str) -> usize {
    // The high bits are the best mixed.
    (fast_hash(subject.as_bytes()) >> 58) as usize % SHARDS
}

/// Position of `purpose` in the chain (0 = the purpose asked about), if on it.
fn level(chain: &[Arc<str>], purpose: &str) -> Option<usize> {
    // Every event is matched against every key of the chain on every check; most texts differ in
    // length, and the rest are compared inline rather than by a call.
    chain.iter().position(|k| same(k.as_bytes(), purpose.as_bytes()))
}

/// A relevant event: its level in the chain and its order key.
#[derive(Clone, Copy)]
struct Rel<'a> {
    level: usize,
    key: (Timestamp, u64),
    ev: &'a ConsentEvent,
}

/// Where a relevant event is: its index in the subject's list and its level in the chain. The stack
/// buffer holds these rather than [`Rel`]s, so that it is small and can be filled before any event
/// is found.
#[derive(Clone, Copy, Default)]
struct Place {
    index: usize,
    level: usize,
}

/// Relevant events kept on the stack up to this many (a real customer has a handful); more spill
/// to the heap.
const INLINE_EVENTS: usize = 16;

/// Finds the events on the chain at or before `now`. Their places go into `inline` while they fit,
/// else all of them into `heap`; the answer borrows whichever holds them.
fn find<'b, const N: usize>(
    list: &[Entry],
    chain: &[Arc<str>],
    now: Timestamp,
    inline: &'b mut [Place; N],
    heap: &'b mut Vec<Place>,
) -> &'b [Place] {
    let mut n = 0;
    for (index, e) in list.iter().enumerate().take_while(|(_, e)| e.event.at <= now) {
        let Some(level) = level(chain, &e.event.purpose) else { continue };
        let place = Place { index, level };
        if let Some(slot) = inline.get_mut(n) {
            *slot = place;
            n += 1;
        } else {
            if heap.is_empty() {
                heap.extend_from_slice(&inline[..]);
            }
            heap.push(place);
        }
    }
    if heap.is_empty() {
        &inline[..n]
    } else {
        heap
    }
}

/// The relevant events of one query, in time order.
struct Rels<'a, 'b> {
    list: &'a [Entry],
    places: &'b [Place],
}

impl<'a> Rels<'a, '_> {
    fn len(&self) -> usize {
        self.places.len()
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = Rel<'a>> + '_ {
        let list = self.list;
        self.places.iter().map(move |p| {
            // `find` took every index from `list`.
            let e = &list[p.index];
            Rel { level: p.level, key: (e.event.at, e.seq), ev: &e.event }
        })
    }
}

/// Whether a grant at `g` lifts the objection `o` (rules 4 and 5).
fn lifts(g: Rel<'_>, o: Rel<'_>, terms: &Terms<'_>, now: Timestamp) -> bool {
    g.key > o.key && g.ev.explicit && g.level <= o.level && valid(g.ev, terms, now)
}

/// Whether a grant counts at `now` (rule 4): before its expiry, younger than the maximum consent age,
/// and given for at least the required notice version.
fn valid(g: &ConsentEvent, terms: &Terms<'_>, now: Timestamp) -> bool {
    g.expires.is_none_or(|x| now < x)
        && terms.max_age.is_none_or(|a| !g.at.plus_is_at_or_before(a, now))
        && g.notice_version >= terms.notice_version
}

fn evaluate_consent(list: &[Entry], terms: &Terms<'_>, now: Timestamp) -> ConsentStatus {
    evaluate_consent_in::<INLINE_EVENTS>(list, terms, now)
}

/// [`evaluate_consent`] with up to `N` relevant events on the stack (tests force the heap path).
fn evaluate_consent_in<const N: usize>(list: &[Entry], terms: &Terms<'_>, now: Timestamp) -> ConsentStatus {
    let (mut inline, mut heap) = ([Place::default(); N], Vec::new());
    let rel = Rels { list, places: find(list, terms.chain, now, &mut inline, &mut heap) };
    // Whether each withdrawal or objection is lifted: by a later valid grant on its purpose or a more
    // specific one (rule 3), which must be explicit for an objection (rule 5). Once lifted, it blocks
    // no grant, whether or not the lifting grant itself still holds (a later withdrawal may end it).
    let is_lifted = |x: Rel<'_>| {
        let explicit = match x.ev.action {
            ConsentAction::Grant => return false,
            ConsentAction::Withdraw => false,
            ConsentAction::Object => true,
        };
        rel.iter().any(|g| {
            g.ev.action == ConsentAction::Grant
                && g.key > x.key
                && g.level <= x.level
                && (g.ev.explicit || !explicit)
                && valid(g.ev, terms, now)
        })
    };
    let mut lifted_inline = [false; N];
    let lifted_heap: Vec<bool>;
    let lifted: &[bool] = if rel.len() <= N {
        for (slot, x) in lifted_inline.iter_mut().zip(rel.iter()) {
            *slot = is_lifted(x);
        }
        &lifted_inline[..rel.len()]
    } else {
        lifted_heap = rel.iter().map(is_lifted).collect();
        &lifted_heap
    };
    let mut first_failure: Option<ConsentStatus> = None;
    let mut any_grant = false;
    // Newest grant first: the reason reported is the newest grant's.
    for g in rel.iter().rev().filter(|r| r.ev.action == ConsentAction::Grant) {
        any_grant = true;
        let objected = rel
            .iter()
            .zip(lifted)
            .any(|(o, &lifted)| o.ev.action == ConsentAction::Object && (o.key > g.key || !lifted));
        let withdrawn = rel.iter().zip(lifted).any(|(w, &lifted)| {
            w.ev.action == ConsentAction::Withdraw
                && ((w.level >= g.level && w.key > g.key) || (w.level < g.level && !lifted))
        });
        let expired = g.ev.expires.is_some_and(|x| now >= x)
            || terms.max_age.is_some_and(|a| g.ev.at.plus_is_at_or_before(a, now));
        let outdated = g.ev.notice_version < terms.notice_version;
        let not_explicit = terms.explicit_required && !(g.ev.explicit && g.level == 0);
        let status = if objected {
            ConsentStatus::Objected
        } else if withdrawn {
            ConsentStatus::Withdrawn
        } else if expired {
            ConsentStatus::Expired
        } else if outdated {
            ConsentStatus::NoticeOutdated
        } else if not_explicit {
            ConsentStatus::ExplicitConsentMissing
        } else {
            return ConsentStatus::Holds;
        };
        first_failure.get_or_insert(status);
    }
    if let Some(s) = first_failure {
        return s;
    }
    debug_assert!(!any_grant);
    if rel.iter().any(|r| r.ev.action == ConsentAction::Object) {
        ConsentStatus::Objected
    } else if rel.iter().any(|r| r.ev.action == ConsentAction::Withdraw) {
        ConsentStatus::Withdrawn
    } else {
        ConsentStatus::NoConsent
    }
}

fn evaluate_objection(list: &[Entry], terms: &Terms<'_>, now: Timestamp) -> ConsentStatus {
    evaluate_objection_in::<INLINE_EVENTS>(list, terms, now)
}

/// [`evaluate_objection`] with up to `N` relevant events on the stack.
fn evaluate_objection_in<const N: usize>(list: &[Entry], terms: &Terms<'_>, now: Timestamp) -> ConsentStatus {
    let (mut inline, mut heap) = ([Place::default(); N], Vec::new());
    let rel = Rels { list, places: find(list, terms.chain, now, &mut inline, &mut heap) };
    let standing = rel
        .iter()
        .filter(|o| matches!(o.ev.action, ConsentAction::Object | ConsentAction::Withdraw))
        .any(|o| !rel.iter().any(|g| g.ev.action == ConsentAction::Grant && lifts(g, o, terms, now)));
    if standing {
        ConsentStatus::Objected
    } else {
        ConsentStatus::Holds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CHAIN: [&str; 3] = ["m.e.w", "m.e", "m"];

    fn arb_event() -> impl Strategy<Value = ConsentEvent> {
        (
            0..CHAIN.len() + 1,
            prop_oneof![
                Just(ConsentAction::Grant),
                Just(ConsentAction::Withdraw),
                Just(ConsentAction::Object)
            ],
            0i64..400,
            1u32..4,
            proptest::option::of(0i64..500),
            any::<bool>(),
        )
            .prop_map(|(p, action, at, notice_version, expires, explicit)| ConsentEvent {
                subject: "s".into(),
                // Index `CHAIN.len()` is a purpose off the chain, which must be ignored.
                purpose: CHAIN.get(p).copied().unwrap_or("other").into(),
                action,
                at: Timestamp::from_unix(at * 86_400),
                notice_version,
                source: "test".into(),
                expires: expires.map(|d| Timestamp::from_unix(d * 86_400)),
                explicit,
                evidence: None,
            })
    }

    proptest! {
        /// Long histories spill the relevant events to the heap; the answer must not depend on
        /// where they are kept.
        #[test]
        fn answers_do_not_depend_on_how_many_events_fit_on_the_stack(
            events in prop::collection::vec(arb_event(), 0..40),
            now in 0i64..500,
            notice_version in 1u32..4,
            explicit_required in any::<bool>(),
        ) {
            let list: Vec<Entry> = {
                let ledger = Ledger::new();
                for e in events {
                    ledger.record(e);
                }
                let shard = ledger.shard("s").read().unwrap_or_else(|p| p.into_inner());
                shard.get("s").cloned().unwrap_or_default()
            };
            let chain: Vec<Arc<str>> = CHAIN.iter().map(|&k| Arc::from(k)).collect();
            let terms = Terms {
                chain: &chain,
                notice_version,
                max_age: Some(Period::days(90)),
                explicit_required,
            };
            let now = Timestamp::from_unix(now * 86_400);
            let inline = evaluate_consent_in::<INLINE_EVENTS>(&list, &terms, now);
            prop_assert_eq!(evaluate_consent_in::<1>(&list, &terms, now), inline);
            prop_assert_eq!(evaluate_consent_in::<64>(&list, &terms, now), inline);
            let inline = evaluate_objection_in::<INLINE_EVENTS>(&list, &terms, now);
            prop_assert_eq!(evaluate_objection_in::<1>(&list, &terms, now), inline);
            prop_assert_eq!(evaluate_objection_in::<64>(&list, &terms, now), inline);
        }
    }

    #[test]
    fn subjects_spread_over_the_shards() {
        let mut seen = [0usize; SHARDS];
        for i in 0..SHARDS * 64 {
            seen[shard_index(&format!("customer-{i}"))] += 1;
        }
        // Not a statistical test of the hash: only that no shard is left empty or takes most ids.
        assert!(seen.iter().all(|&n| n > 0 && n < SHARDS * 8), "{seen:?}");
    }
}
