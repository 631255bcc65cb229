//! The exclusive lock that keeps a journal to one writer.
//!
//! Two stores appending to one journal would interleave frames and destroy it, so a journal is only
//! opened while holding an advisory lock (`flock` on Linux, via `File::try_lock`) on `<journal>.lock`.
//! The lock belongs to the open file description, so a second open in the same process is refused just
//! like one from another process, and the kernel releases it when the process dies, even by SIGKILL:
//! there is never a stale lock to clean up. The lock file is never deleted, because deleting it while
//! another opener waits on it would let two processes each lock a different inode of the same name.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Path of the lock file that guards `journal`.
pub(crate) fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// An exclusive lock on a journal, held until dropped.
#[derive(Debug)]
pub(crate) struct JournalLock {
    /// Kept open for the lifetime of the store: closing it releases the lock.
    _file: File,
}

impl JournalLock {
    /// Takes the lock for `journal` without waiting, or fails with `Error::Locked`.
    pub(crate) fn acquire(journal: &Path) -> Result<JournalLock> {
        let path = lock_path(journal);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|source| Error::Io {
                action: "opening journal lock file",
                path: path.clone(),
                source,
            })?;
        // File::try_lock is stable since Rust 1.89; the crate's toolchain is newer than its declared MSRV.
        match file.try_lock() {
            Ok(()) => Ok(JournalLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::Locked { path: journal.to_path_buf() }),
            Err(TryLockError::Error(source)) => {
                Err(Error::Io { action: "locking journal lock file", path, source })
            }
        }
    }
}
