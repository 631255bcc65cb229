//! Building an engine: where its state lives and which optional parts it has.

use std::path::PathBuf;

use super::{persist, AuditMode, Engine};
use crate::error::Result;
use crate::policy::Policy;
use crate::pseudo::KeyRing;
use crate::store::{JournalOptions, JournalStore, MemoryStore, Store};

enum Backing {
    Memory,
    Journal(PathBuf, JournalOptions),
    Custom(Box<dyn Store>),
}

/// Settings for [`Engine::builder`].
///
/// ```no_run
/// use zweck::{Engine, KeyRing, policy::Policy};
/// let engine = Engine::builder(Policy::from_file("policy.json")?, KeyRing::generate(1)?)
///     .journal("/var/lib/shop/zweck.journal")
///     .vault(true)
///     .open()?;
/// # Ok::<(), zweck::Error>(())
/// ```
pub struct EngineBuilder {
    policy: Policy,
    keys: KeyRing,
    backing: Backing,
    vault: bool,
    audit: AuditMode,
}

impl EngineBuilder {
    pub(crate) fn new(policy: Policy, keys: KeyRing) -> Self {
        EngineBuilder { policy, keys, backing: Backing::Memory, vault: false, audit: AuditMode::default() }
    }

    /// Keep state in the journal file at `path` (created if missing) with default options: every
    /// write is synced before it is acknowledged.
    pub fn journal(self, path: impl Into<PathBuf>) -> Self {
        self.journal_with(path, JournalOptions::default())
    }

    /// Keep state in a journal with explicit options (e.g. a group-commit window).
    pub fn journal_with(mut self, path: impl Into<PathBuf>, opts: JournalOptions) -> Self {
        self.backing = Backing::Journal(path.into(), opts);
        self
    }

    /// Keep state in a store of your own.
    pub fn store(mut self, store: Box<dyn Store>) -> Self {
        self.backing = Backing::Custom(store);
        self
    }

    /// Remember every pseudonym a view releases with its original value, so that purposes marked
    /// `reidentify` can resolve it ([`Engine::reidentify`]). Off by default: the vault holds original
    /// values.
    pub fn vault(mut self, yes: bool) -> Self {
        self.vault = yes;
        self
    }

    /// What the audit trail records (default [`AuditMode::Full`]: every change and every access
    /// decision).
    pub fn audit(mut self, mode: AuditMode) -> Self {
        self.audit = mode;
        self
    }

    /// Opens the store, replays it and returns the engine.
    pub fn open(self) -> Result<Engine> {
        let (store, report): (Box<dyn Store>, _) = match self.backing {
            Backing::Memory => (Box::new(MemoryStore::new()), None),
            Backing::Journal(path, opts) => {
                let (j, report) = JournalStore::open(path, opts)?;
                (Box::new(j), Some(report))
            }
            Backing::Custom(s) => (s, None),
        };
        let engine = Engine::assemble(self.policy, self.keys, store, self.vault, report, self.audit);
        persist::replay(&engine)?;
        Ok(engine)
    }
}
