//! The façade: one policy, one key ring, one consent ledger, shared by every thread of a service.

mod audit;
mod builder;
pub(crate) mod persist;
mod signals;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::access::{self, Decider, Decision, Reason, Verdict, View};
use crate::audit::{AuditDraft, AuditField, AuditOp};
use crate::consent::{check_subject, is_valid_subject, Consent, ConsentAction, ConsentEvent, Ledger};
use crate::error::{Error, Result};
use crate::policy::{Policy, Treatment};
use crate::pseudo::{DomainKey, KeyRing, Vault, VaultEntry};
use crate::rights::Tombstones;
use crate::store::{OpenReport, RecordKind, Store};
use crate::Timestamp;

pub(crate) use audit::{decode_meta, Auditor, Change};
pub use audit::{AuditMode, FLUSH_EVERY as AUDIT_FLUSH_EVERY};
pub use builder::EngineBuilder;

/// Most pseudonymisation domains outside the policy whose keys are cached.
const MAX_CACHED_DOMAINS: usize = 1024;

/// Keys in use: the ring and the derived, keyed HMAC state of every domain the policy names.
pub(crate) struct KeyState {
    pub(crate) ring: KeyRing,
    pub(crate) domains: HashMap<String, DomainKey>,
}

impl KeyState {
    fn new(ring: KeyRing, policy: &Policy) -> Self {
        let mut domains = HashMap::new();
        for f in &policy.document().fields {
            for (_, t) in &f.purposes.0 {
                if let Treatment::Pseudonymise(d) = t {
                    domains.entry(d.clone()).or_insert_with(|| ring.domain_key(d));
                }
            }
        }
        KeyState { ring, domains }
    }
}

/// The zweck engine. Create one per policy and share it (`Arc<Engine>`) across threads: it is
/// `Send + Sync`, reads never wait for one another, and a consent write locks only the shard of the
/// ledger that holds its subject.
///
/// ```
/// use zweck::{Engine, KeyRing, Timestamp, policy::Policy, consent::Consent, access::Reason};
/// let policy = Policy::from_json(r#"{"name": "Shop",
///   "purposes": [{"key": "newsletter", "description": "Newsletter", "basis": "consent"}],
///   "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"newsletter": "plain"}}]}"#)?;
/// let engine = Engine::new(policy, KeyRing::new(1, &[7u8; 32])?);
/// let now = Timestamp::from_unix(1_767_225_600);
/// assert_eq!(engine.decide("c-1", "newsletter", "email", now).reason, Reason::NoConsent);
/// engine.grant("c-1", "newsletter", Consent::at(now).source("signup form"))?;
/// assert!(engine.decide("c-1", "newsletter", "email", now).is_allowed());
/// # Ok::<(), zweck::Error>(())
/// ```
pub struct Engine {
    pub(crate) policy: Arc<Policy>,
    keys: RwLock<Arc<KeyState>>,
    extra_domains: RwLock<HashMap<String, DomainKey>>,
    pub(crate) ledger: Ledger,
    pub(crate) vault: Option<Vault>,
    pub(crate) tombstones: Tombstones,
    pub(crate) store: Box<dyn Store>,
    /// Serialises writes, so that the store's order is the order state changed in. Readers never take it.
    writer: Mutex<()>,
    open_report: Option<OpenReport>,
    pub(crate) auditor: Auditor,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
};

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("policy", &self.policy.name())
            .field("key_version", &self.key_version())
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine with state in memory (lost when it is dropped). For durable state use
    /// [`Engine::open`] or [`Engine::builder`].
    pub fn new(policy: Policy, keys: KeyRing) -> Engine {
        // An empty in-memory store has nothing to replay, and the audit keys derive from the ring's
        // current version, which is always present: this cannot fail.
        match Engine::builder(policy, keys).open() {
            Ok(engine) => engine,
            Err(e) => unreachable!("a fresh in-memory engine always opens: {e}"),
        }
    }

    /// An engine whose state lives in the journal at `path` (created if missing): consent events,
    /// erasures, vault entries and audit records survive restarts and crashes. Fails if another
    /// process has the journal open ([`Error::Locked`]), if it is damaged in the middle
    /// ([`Error::Corrupt`]), or if it holds erasures made under a key version the ring lacks.
    pub fn open(policy: Policy, keys: KeyRing, path: impl AsRef<std::path::Path>) -> Result<Engine> {
        Engine::builder(policy, keys).journal(path.as_ref()).open()
    }

    /// A builder for the other settings: journal options, a custom [`Store`], the vault.
    pub fn builder(policy: Policy, keys: KeyRing) -> EngineBuilder {
        EngineBuilder::new(policy, keys)
    }

    pub(crate) fn assemble(
        policy: Policy,
        keys: KeyRing,
        store: Box<dyn Store>,
        vault: bool,
        open_report: Option<OpenReport>,
        audit: AuditMode,
    ) -> Engine {
        let state = KeyState::new(keys, &policy);
        Engine {
            policy: Arc::new(policy),
            keys: RwLock::new(Arc::new(state)),
            extra_domains: RwLock::new(HashMap::new()),
            ledger: Ledger::new(),
            vault: vault.then(Vault::new),
            tombstones: Tombstones::default(),
            store,
            writer: Mutex::new(()),
            open_report,
            auditor: Auditor::new(audit),
        }
    }

    /// What opening the journal found (records, a torn tail that was cut off), for journal engines.
    pub fn open_report(&self) -> Option<&OpenReport> {
        self.open_report.as_ref()
    }

    /// Where the engine keeps its state, e.g. `journal /var/lib/shop/zweck.journal`.
    pub fn describe_store(&self) -> String {
        self.store.describe()
    }

    pub(crate) fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_key_state(&self, ring: KeyRing) {
        let state = Arc::new(KeyState::new(ring, &self.policy));
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = state;
        self.extra_domains.write().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub(crate) fn key_state(&self) -> Arc<KeyState> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The current key version (the one new tokens carry).
    pub fn key_version(&self) -> u32 {
        self.key_state().ring.current_version()
    }

    // ----- consent -----

    /// Records that `subject` granted consent for `purpose`.
    pub fn grant(&self, subject: &str, purpose: &str, consent: Consent) -> Result<()> {
        self.record_action(subject, purpose, ConsentAction::Grant, consent)
    }

    /// Records that `subject` withdrew consent for `purpose` (and its children).
    pub fn withdraw(&self, subject: &str, purpose: &str, consent: Consent) -> Result<()> {
        self.record_action(subject, purpose, ConsentAction::Withdraw, consent)
    }

    /// Records that `subject` objected to `purpose` (and its children).
    pub fn object(&self, subject: &str, purpose: &str, consent: Consent) -> Result<()> {
        self.record_action(subject, purpose, ConsentAction::Object, consent)
    }

    fn record_action(&self, subject: &str, purpose: &str, action: ConsentAction, c: Consent) -> Result<()> {
        let pid = self.policy.require_purpose(purpose)?;
        let event = ConsentEvent {
            subject: subject.to_string(),
            purpose: purpose.to_string(),
            action,
            at: c.at,
            notice_version: c.notice_version.unwrap_or_else(|| self.policy.purpose(pid).notice_version()),
            source: c.source,
            expires: c.expires,
            explicit: c.explicit,
            evidence: c.evidence,
        };
        self.record(event)
    }

    /// Records a complete consent event (e.g. imported from another system). The purpose must be
    /// declared in the policy. The event is durable when this returns.
    pub fn record(&self, event: ConsentEvent) -> Result<()> {
        self.record_all(vec![event])
    }

    /// Records several events atomically: all or none are stored, in order.
    pub fn record_all(&self, events: Vec<ConsentEvent>) -> Result<()> {
        for event in &events {
            self.policy.require_purpose(&event.purpose)?;
            event.check()?;
        }
        let payloads: Vec<Vec<u8>> = events.iter().map(persist::encode).collect::<Result<_>>()?;
        let _w = self.write_lock();
        if events.iter().any(|e| self.is_erased(&e.subject)) {
            return Err(Error::SubjectErased);
        }
        let records: Vec<(RecordKind, &[u8])> =
            payloads.iter().map(|p| (RecordKind::CONSENT, p.as_slice())).collect();
        let drafts = events
            .iter()
            .map(|e| {
                let op = match e.action {
                    ConsentAction::Grant => AuditOp::Grant,
                    ConsentAction::Withdraw => AuditOp::Withdraw,
                    ConsentAction::Object => AuditOp::Object,
                };
                let draft = AuditDraft::new(e.at, op)
                    .purpose(e.purpose.as_str())
                    .detail(format!("notice v{}, source: {}", e.notice_version, e.source));
                (Some(e.subject.as_str()), draft)
            })
            .collect();
        self.commit_change(Change { records, drafts })?;
        for event in events {
            self.ledger.record(event);
        }
        Ok(())
    }

    /// Every consent event of a subject, oldest first: the proof of consent (Art. 7(1) GDPR).
    pub fn consent_history(&self, subject: &str) -> Result<Vec<ConsentEvent>> {
        check_subject(subject)?;
        Ok(self.ledger.history(subject))
    }

    // ----- access -----

    pub(crate) fn is_erased(&self, subject: &str) -> bool {
        !self.tombstones.is_empty() && self.tombstones.contains(subject)
    }

    /// May `purpose` see `field` of `subject`'s record at `now`, and in what form? Never fails: an
    /// unknown purpose or field, or an invalid subject id, is a denial with its reason.
    pub fn decide<'a>(
        &self,
        subject: &'a str,
        purpose: &'a str,
        field: &'a str,
        now: Timestamp,
    ) -> Decision<'a> {
        let verdict = if !is_valid_subject(subject) {
            Verdict::deny(Reason::NoConsent)
        } else {
            access::verdict_once(&self.policy, &self.ledger, &self.tombstones, subject, purpose, field, now)
        };
        let decision = Decision {
            subject,
            purpose,
            field,
            at: now,
            effect: verdict.effect,
            treatment: verdict.treatment,
            reason: verdict.reason,
        };
        // An audit failure cannot be reported from an infallible call; it surfaces on the next write.
        let _ = self.audit_access(|pseudonym| {
            AuditDraft::new(now, AuditOp::Decide)
                .subject(pseudonym(subject))
                .purpose(purpose)
                .field(AuditField::from(&decision))
        });
        decision
    }

    /// Decisions for many fields of one subject and purpose: the legal basis is evaluated once.
    ///
    /// This is the fast path for code that decides many fields and then releases data itself; its
    /// verdicts are not written to the audit log. Use [`Engine::view`] (one audit entry per record)
    /// where each access must be logged.
    pub fn decider<'e>(&'e self, subject: &'e str, purpose: &str, now: Timestamp) -> Decider<'e> {
        let pid = self.policy.purpose_id(purpose);
        Decider {
            policy: &self.policy,
            ledger: &self.ledger,
            subject,
            purpose: pid,
            at: now,
            tombstones: &self.tombstones,
            erased: Default::default(),
            ordinary: Default::default(),
            special: Default::default(),
        }
    }

    /// The record minimised for `purpose`: only released fields, each in its treatment, plus a
    /// decision per field. Fields the policy does not declare are denied, never passed through.
    ///
    /// Fails on an unknown purpose, an invalid subject id, or a value a treatment cannot handle
    /// (e.g. a postcode rule given an object).
    pub fn view(
        &self,
        record: &Map<String, Value>,
        subject: &str,
        purpose: &str,
        now: Timestamp,
    ) -> Result<View> {
        check_subject(subject)?;
        self.policy.require_purpose(purpose)?;
        let keys = self.key_state();
        let decider = self.decider(subject, purpose, now);
        let view = access::build_view(&decider, purpose, record, &keys.domains)?;
        if self.vault.is_some() {
            self.remember_tokens(&view, record, &keys)?;
        }
        self.audit_access(|pseudonym| {
            AuditDraft::new(now, AuditOp::View)
                .subject(pseudonym(subject))
                .purpose(purpose)
                .fields(view.decisions.iter().map(AuditField::from))
        })?;
        Ok(view)
    }

    /// Puts the pseudonyms a view released into the vault (only new ones are written).
    fn remember_tokens(&self, view: &View, record: &Map<String, Value>, keys: &KeyState) -> Result<()> {
        let (Some(vault), Some(pid)) = (&self.vault, self.policy.purpose_id(&view.purpose)) else {
            return Ok(());
        };
        let mut fresh = Vec::new();
        for d in &view.decisions {
            if d.verdict.treatment != access::Applied::Pseudonymised {
                continue;
            }
            let (Some(Value::String(token)), Some(fid)) =
                (view.record.get(&d.field), self.policy.field_id(&d.field))
            else {
                continue;
            };
            if vault.contains(token) {
                continue;
            }
            let Some(Treatment::Pseudonymise(domain)) = self.policy.tag(fid, pid).map(|t| &t.treatment)
            else {
                continue;
            };
            let field = self.policy.field(fid);
            let raw = match record.get(&d.field) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            let value = field.normaliser().map(|n| n.apply(&raw).into_owned()).unwrap_or(raw);
            debug_assert!(keys.domains.contains_key(domain));
            fresh.push(VaultEntry {
                token: token.clone(),
                domain: domain.clone(),
                field: d.field.clone(),
                subject: view.subject.clone(),
                value,
            });
        }
        if fresh.is_empty() {
            return Ok(());
        }
        let payloads: Vec<Vec<u8>> = fresh.iter().map(persist::encode).collect::<Result<_>>()?;
        let _w = self.write_lock();
        if self.is_erased(&view.subject) {
            return Err(Error::SubjectErased);
        }
        let records: Vec<(RecordKind, &[u8])> =
            payloads.iter().map(|p| (RecordKind::VAULT, p.as_slice())).collect();
        self.commit_change(Change { records, drafts: Vec::new() })?;
        for e in fresh {
            vault.insert(e);
        }
        Ok(())
    }

    /// [`Engine::view`] of a JSON text, which must be an object.
    pub fn view_json(&self, record: &str, subject: &str, purpose: &str, now: Timestamp) -> Result<View> {
        let value: Value = serde_json::from_str(record)
            .map_err(|e| Error::InvalidInput { what: "record", message: format!("not valid JSON: {e}") })?;
        self.view(as_object(&value)?, subject, purpose, now)
    }

    /// [`Engine::view`] of any serialisable record type (a struct with named fields).
    pub fn view_of<T: Serialize>(
        &self,
        record: &T,
        subject: &str,
        purpose: &str,
        now: Timestamp,
    ) -> Result<View> {
        let value = serde_json::to_value(record).map_err(|e| Error::InvalidInput {
            what: "record",
            message: format!("cannot be represented as JSON: {e}"),
        })?;
        self.view(as_object(&value)?, subject, purpose, now)
    }

    /// One field's value for `purpose`: `Some(value in its treatment)` when allowed, `None` when
    /// denied; the verdict says why.
    pub fn release(
        &self,
        subject: &str,
        purpose: &str,
        field: &str,
        value: &Value,
        now: Timestamp,
    ) -> Result<(Option<Value>, Verdict)> {
        check_subject(subject)?;
        let pid = self.policy.require_purpose(purpose)?;
        let fid = self.policy.require_field(field)?;
        let verdict = self.decider(subject, purpose, now).verdict(fid);
        self.audit_access(|pseudonym| {
            AuditDraft::new(now, AuditOp::View)
                .subject(pseudonym(subject))
                .purpose(purpose)
                .field(AuditField::from_verdict(field, &verdict))
        })?;
        if !verdict.effect.eq(&access::Effect::Allow) {
            return Ok((None, verdict));
        }
        let Some(tag) = self.policy.tag(fid, pid) else {
            return Ok((None, Verdict::deny(Reason::FieldNotTagged)));
        };
        let keys = self.key_state();
        let v = access::treat(self.policy.field(fid), &tag.treatment, value, &keys.domains, now)?;
        Ok((Some(v), verdict))
    }

    // ----- pseudonyms -----

    /// The keyed HMAC state of `domain` under the current key, for pseudonymising many values
    /// (see [`DomainKey::pseudonymise_batch`]). Domains outside the policy are derived once and cached.
    pub fn domain_key(&self, domain: &str) -> Result<DomainKey> {
        self.with_domain_key(domain, DomainKey::clone)
    }

    /// Runs `f` with the keyed HMAC state of `domain` under the current key, borrowed from the
    /// engine's cache: the per-call path of the single-value functions, which would otherwise pay
    /// for copying the key (two allocations, and zeroing it again) more than for the hash.
    pub(crate) fn with_domain_key<R>(&self, domain: &str, f: impl FnOnce(&DomainKey) -> R) -> Result<R> {
        if domain.is_empty() || domain.len() > 256 {
            return Err(Error::InvalidInput {
                what: "domain",
                message: "a pseudonymisation domain is 1 to 256 bytes".into(),
            });
        }
        let keys = self.key_state();
        if let Some(k) = keys.domains.get(domain) {
            return Ok(f(k));
        }
        let version = keys.ring.current_version();
        {
            let extra = self.extra_domains.read().unwrap_or_else(|p| p.into_inner());
            if let Some(k) = extra.get(domain).filter(|k| k.version() == version) {
                return Ok(f(k));
            }
        }
        let k = keys.ring.domain_key(domain);
        let r = f(&k);
        let mut extra = self.extra_domains.write().unwrap_or_else(|p| p.into_inner());
        if extra.len() >= MAX_CACHED_DOMAINS {
            extra.clear();
        }
        extra.insert(domain.to_string(), k);
        Ok(r)
    }

    /// The pseudonym of `value` in `domain` (no normaliser applied; see [`Engine::pseudonymise_field`]).
    pub fn pseudonymise(&self, domain: &str, value: &[u8]) -> Result<String> {
        self.with_domain_key(domain, |k| k.pseudonymise(value))
    }

    /// The pseudonym `field` gets for `purpose`, with the field's normaliser applied: exactly what a
    /// view would release. Fails if the policy does not pseudonymise the field for the purpose.
    pub fn pseudonymise_field(&self, field: &str, purpose: &str, value: &str) -> Result<String> {
        let fid = self.policy.require_field(field)?;
        let pid = self.policy.require_purpose(purpose)?;
        match self.policy.tag(fid, pid).map(|t| &t.treatment) {
            Some(Treatment::Pseudonymise(domain)) => {
                let f = self.policy.field(fid);
                let canonical =
                    f.normaliser().map(|n| n.apply(value).into_owned()).unwrap_or_else(|| value.to_string());
                self.pseudonymise(domain, canonical.as_bytes())
            }
            _ => Err(Error::InvalidInput {
                what: "field",
                message: format!(
                    "the policy does not pseudonymise field \"{field}\" for purpose \"{purpose}\""
                ),
            }),
        }
    }
}

fn as_object(v: &Value) -> Result<&Map<String, Value>> {
    v.as_object().ok_or_else(|| Error::InvalidInput {
        what: "record",
        message: "a record must be a JSON object of field names to values".into(),
    })
}
