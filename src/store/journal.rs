//! The append-only journal file: open and recover, append with (group) commit, replay, compact.
//!
//! The byte format is described in the `store` module docs and implemented in `frame`.
//!
//! Concurrency: one mutex guards the file's logical end and the commit counters. Frames are written
//! with positional writes at the end under the mutex, so they never interleave. Without group commit
//! the `fdatasync` also runs under the mutex. With group commit a leader/follower scheme shares one
//! `fdatasync` among everyone who wrote before it started: the first waiter becomes the leader, waits
//! out the window so that others can join, syncs without holding the mutex, then publishes how far
//! the file is durable and wakes the followers; a follower whose frame came too late becomes the next
//! leader. Every caller returns only once its own frame is durable.
//!
//! A failed write is rolled back by truncating to the previous end. A failed `fdatasync` cannot be
//! rolled back or retried safely (the kernel may have dropped the dirty pages and a later sync would
//! report success), so it fails the store: every later append is refused until the journal is
//! reopened, which rescans the file.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::frame::{self, FrameReader, Next, BATCH_KIND, FRAME_OVERHEAD, HEADER_LEN};
use super::lock::JournalLock;
use super::{check_kind, CompactStats, RecordKind, Store};
use crate::error::{Error, Result};

/// How a journal commits.
///
/// ```
/// use std::time::Duration;
/// use zweck::store::JournalOptions;
/// let opts = JournalOptions { group_commit: Some(Duration::from_millis(2)), ..JournalOptions::default() };
/// assert!(opts.sync);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalOptions {
    /// Share one `fdatasync` among appends that arrive within this window. `None` (the default)
    /// syncs each append on its own. A window raises throughput under concurrent appends at the cost
    /// of up to that much latency per append; durability is the same either way.
    pub group_commit: Option<Duration>,
    /// Sync each append to disk before acknowledging it (default `true`).
    ///
    /// `false` skips every `fdatasync`: appends survive a crash of the process but not of the machine
    /// or its power. That is unsafe for consent evidence and audit records; use it only in tests and
    /// benchmarks.
    pub sync: bool,
    /// Largest payload of one frame in bytes (default 16 MiB). A single record and a whole batch must
    /// each fit. A larger length found on disk is treated as damage and never allocated, so open a
    /// journal with at least the limit it was written with.
    pub max_record_len: u32,
}

impl Default for JournalOptions {
    fn default() -> Self {
        JournalOptions { group_commit: None, sync: true, max_record_len: 16 * 1024 * 1024 }
    }
}

/// What opening a journal found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenReport {
    /// Records in the journal (each record of a batch counts).
    pub records: u64,
    /// Size of the journal file in bytes after recovery.
    pub bytes: u64,
    /// A torn or damaged end that was cut off, if there was one. Log it: it is a write that was
    /// interrupted by a crash and never acknowledged, or damage to the last frames.
    pub tail_cut: Option<TailCut>,
}

/// A damaged end of a journal that opening removed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TailCut {
    /// Offset at which the journal was truncated (the start of the first bad frame).
    pub offset: u64,
    /// How many bytes were removed.
    pub bytes_removed: u64,
    /// What was wrong with the first removed frame.
    pub reason: String,
}

/// An append-only journal file: every append is checksummed and synced before it is acknowledged,
/// a crash never loses an acknowledged record, and a second writer is locked out.
///
/// See the [module docs](crate::store) for the file format and the recovery rules.
///
/// ```no_run
/// use zweck::store::{JournalOptions, JournalStore, RecordKind, Store};
/// let (journal, report) = JournalStore::open("zweck.journal", JournalOptions::default())?;
/// println!("{} records in {}", report.records, journal.describe());
/// journal.append(&[(RecordKind::AUDIT, b"entry 1"), (RecordKind::AUDIT, b"entry 2")])?;
/// # Ok::<(), zweck::Error>(())
/// ```
pub struct JournalStore {
    path: PathBuf,
    opts: JournalOptions,
    state: Mutex<State>,
    /// Signalled when a group sync finishes or a compaction ends.
    synced: Condvar,
    /// Held for the store's lifetime.
    _lock: JournalLock,
}

struct State {
    /// Shared so that replay and the group-commit leader can use it without holding the mutex.
    /// Replaced by compaction; a reader holding the old handle keeps reading the old, consistent file.
    file: Arc<File>,
    /// Bytes written (durable or not).
    end: u64,
    /// Bytes known durable; replay stops here so it never shows an unacknowledged record.
    durable_end: u64,
    /// Records written.
    records: u64,
    /// Appends written so far, and how many of them are durable.
    written_seq: u64,
    durable_seq: u64,
    /// A group-commit leader is between choosing its target and publishing it.
    syncing: bool,
    /// Set when the file's durable state is unknown; every later append fails with this message.
    failure: Option<String>,
}

impl fmt::Debug for JournalStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JournalStore").field("path", &self.path).field("opts", &self.opts).finish()
    }
}

fn io_err<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> Error + 'p {
    move |source| Error::Io { action, path: path.to_path_buf(), source }
}

fn open_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false).mode(0o600);
    o
}

/// Path of the temporary file compaction writes before renaming it over the journal.
fn compact_tmp_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".compact.tmp");
    PathBuf::from(name)
}

/// Syncs the directory holding `path`, so that a create or rename in it survives a crash.
fn sync_parent_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

impl JournalStore {
    /// Opens (or creates) the journal at `path`, takes its lock, scans it and cuts a torn tail.
    ///
    /// Fails with `Error::Locked` if another store holds the journal, `Error::Corrupt` if it is
    /// damaged anywhere but at its end (or is not a journal), and `Error::Io` if the file system fails.
    pub fn open(path: impl AsRef<Path>, opts: JournalOptions) -> Result<(JournalStore, OpenReport)> {
        let path = path.as_ref().to_path_buf();
        if path.as_os_str().is_empty() || path.file_name().is_none() {
            return Err(Error::InvalidInput {
                what: "journal path",
                message: format!(
                    "{:?} does not name a file; give the journal's file path",
                    path.display().to_string()
                ),
            });
        }
        let lock = JournalLock::acquire(&path)?;

        // A compaction that crashed before its rename left the old journal intact; drop its leftovers.
        let tmp = compact_tmp_path(&path);
        match fs::remove_file(&tmp) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(io_err("removing leftover compaction file", &tmp)(e));
            }
            _ => {}
        }

        let file = open_options().open(&path).map_err(io_err("opening journal", &path))?;
        let len = file.metadata().map_err(io_err("reading journal size", &path))?.len();
        let mut tail_cut = None;
        if len < HEADER_LEN {
            tail_cut = init_header(&file, &path, len)?;
        } else {
            let mut header = [0u8; HEADER_LEN as usize];
            file.read_exact_at(&mut header, 0).map_err(io_err("reading journal header", &path))?;
            frame::check_header(&header).map_err(|message| Error::Corrupt {
                path: path.clone(),
                offset: 0,
                message,
            })?;
        }
        let len = len.max(HEADER_LEN);

        let scan = scan(&file, &path, len, opts.max_record_len)?;
        if let Some((offset, reason)) = scan.damage {
            file.set_len(offset).map_err(io_err("cutting torn tail of journal", &path))?;
            file.sync_all().map_err(io_err("syncing journal after cutting its tail", &path))?;
            tail_cut = Some(TailCut { offset, bytes_removed: len - offset, reason });
        }
        let end = scan.end;
        let report = OpenReport { records: scan.records, bytes: end, tail_cut };
        let store = JournalStore {
            path,
            opts,
            state: Mutex::new(State {
                file: Arc::new(file),
                end,
                durable_end: end,
                records: scan.records,
                written_seq: 0,
                durable_seq: 0,
                syncing: false,
                failure: None,
            }),
            synced: Condvar::new(),
            _lock: lock,
        };
        Ok((store, report))
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the mutex is held except a caller's compaction iterator, and that
        // happens before any state changes, so a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&'a self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.synced.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }

    fn failed(&self, message: &str) -> Error {
        Error::Io {
            action: "appending to journal that failed earlier (reopen it to recover)",
            path: self.path.clone(),
            source: io::Error::other(message.to_string()),
        }
    }

    /// Marks the store failed after an error that leaves the durable state unknown.
    fn fail(&self, st: &mut State, action: &'static str, e: io::Error) -> Error {
        st.failure = Some(format!("{action}: {e}"));
        self.synced.notify_all();
        Error::Io { action, path: self.path.clone(), source: e }
    }

    fn encode(&self, records: &[(RecordKind, &[u8])]) -> Result<Vec<u8>> {
        let max = u64::from(self.opts.max_record_len);
        let too_large = |len: u64, what: &str| Error::InvalidInput {
            what: "record",
            message: format!(
                "{what} of {len} bytes exceeds the journal's max_record_len of {max} bytes; split it or \
                 raise JournalOptions::max_record_len (and open the journal with that limit from then on)"
            ),
        };
        for (kind, payload) in records {
            check_kind(*kind)?;
            if payload.len() as u64 > max {
                return Err(too_large(payload.len() as u64, "a record"));
            }
        }
        let mut buf = Vec::new();
        if let [(kind, payload)] = records {
            buf.reserve(FRAME_OVERHEAD + payload.len());
            frame::encode_frame(&mut buf, kind.0, payload);
        } else {
            let len = frame::batch_payload_len(records.iter().map(|r| r.1));
            if len > max {
                return Err(too_large(len, "a batch"));
            }
            let raw: Vec<(u8, &[u8])> = records.iter().map(|(k, p)| (k.0, *p)).collect();
            frame::encode_batch(&mut buf, &raw);
        }
        Ok(buf)
    }

    /// Waits until append number `seq` is durable, leading a group sync when nobody else is.
    fn wait_durable<'a>(&'a self, mut st: MutexGuard<'a, State>, seq: u64, window: Duration) -> Result<()> {
        loop {
            if st.durable_seq >= seq {
                return Ok(());
            }
            if let Some(message) = &st.failure {
                return Err(self.failed(message));
            }
            if st.syncing {
                st = self.wait(st);
                continue;
            }
            st.syncing = true;
            drop(st);
            if !window.is_zero() {
                std::thread::sleep(window);
            }
            st = self.lock_state();
            let (target_seq, target_end, file) = (st.written_seq, st.end, Arc::clone(&st.file));
            drop(st);
            let result = file.sync_data();
            st = self.lock_state();
            st.syncing = false;
            match result {
                Ok(()) => {
                    st.durable_seq = st.durable_seq.max(target_seq);
                    st.durable_end = st.durable_end.max(target_end);
                    self.synced.notify_all();
                }
                Err(e) => return Err(self.fail(&mut st, "syncing journal", e)),
            }
        }
    }
}

/// Writes the header of a new journal, or completes one whose creation was interrupted.
fn init_header(file: &File, path: &Path, len: u64) -> Result<Option<TailCut>> {
    let header = frame::encode_header();
    let mut found = vec![0u8; len as usize];
    file.read_exact_at(&mut found, 0).map_err(io_err("reading journal header", path))?;
    if found[..] != header[..found.len()] {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            offset: 0,
            message: format!(
                "the file holds {len} bytes that do not begin a zweck journal header; check the path: \
                 this is not a zweck journal"
            ),
        });
    }
    file.write_all_at(&header, 0).map_err(io_err("writing journal header", path))?;
    file.sync_all().map_err(io_err("syncing new journal", path))?;
    sync_parent_dir(path).map_err(io_err("syncing the directory of new journal", path))?;
    Ok((len > 0).then(|| TailCut {
        offset: 0,
        bytes_removed: len,
        reason: "incomplete file header: the journal's creation was interrupted".to_string(),
    }))
}

struct Scan {
    /// Offset after the last valid frame.
    end: u64,
    records: u64,
    /// Start of a torn tail and why it is bad.
    damage: Option<(u64, String)>,
}

/// Reads every frame, counting records, and classifies the first bad frame as a torn tail or as
/// corruption.
fn scan(file: &File, path: &Path, len: u64, max_len: u32) -> Result<Scan> {
    let corrupt = |offset: u64, message: String| Error::Corrupt { path: path.to_path_buf(), offset, message };
    let mut reader = FrameReader::new(file, HEADER_LEN, len);
    let mut records = 0u64;
    loop {
        let next = reader.next(max_len).map_err(io_err("reading journal", path))?;
        let (offset, reason) = match next {
            Next::End => return Ok(Scan { end: reader.position(), records, damage: None }),
            Next::Frame { offset, kind, payload } => {
                records += count_records(offset, kind, &payload).map_err(|m| corrupt(offset, m))?;
                continue;
            }
            Next::Oversized { offset, len: declared } => {
                if frame::valid_frame_at(file, offset, len).map_err(io_err("reading journal", path))? {
                    return Err(corrupt(
                        offset,
                        format!(
                            "a frame of {declared} bytes with a valid checksum exceeds max_record_len \
                             ({max_len}); it was written with a larger limit, so open the journal with \
                             JournalOptions::max_record_len of at least {declared}"
                        ),
                    ));
                }
                (offset, format!("frame declares {declared} payload bytes, above max_record_len ({max_len})"))
            }
            Next::Bad { offset, reason } => (offset, reason),
        };
        let after = frame::find_valid_frame(file, offset + 1, len, max_len)
            .map_err(io_err("reading journal", path))?;
        if let Some(valid) = after {
            return Err(corrupt(
                offset,
                format!(
                    "{reason}, yet a valid frame follows at offset {valid}: this is damage inside \
                     acknowledged data, not a torn write"
                ),
            ));
        }
        return Ok(Scan { end: offset, records, damage: Some((offset, reason)) });
    }
}

/// Records held by a checksum-valid frame. A batch that checksums but does not parse was written
/// that way, so it is corruption, not a torn write.
fn count_records(offset: u64, kind: u8, payload: &[u8]) -> std::result::Result<u64, String> {
    if kind != BATCH_KIND {
        return Ok(1);
    }
    match frame::decode_batch(payload) {
        Ok(records) => Ok(records.len() as u64),
        Err(m) => Err(format!("malformed batch frame at offset {offset}: {m}")),
    }
}

impl Store for JournalStore {
    fn append(&self, records: &[(RecordKind, &[u8])]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let buf = self.encode(records)?;
        let mut st = self.lock_state();
        if let Some(message) = &st.failure {
            return Err(self.failed(message));
        }
        let at = st.end;
        if let Err(e) = st.file.write_all_at(&buf, at) {
            // Remove whatever part of the frame reached the file so the next append starts clean.
            return match st.file.set_len(at) {
                Ok(()) => {
                    Err(Error::Io { action: "appending to journal", path: self.path.clone(), source: e })
                }
                Err(_) => Err(self.fail(&mut st, "appending to journal", e)),
            };
        }
        st.end = at + buf.len() as u64;
        st.records += records.len() as u64;
        st.written_seq += 1;
        let seq = st.written_seq;
        if !self.opts.sync {
            st.durable_seq = seq;
            st.durable_end = st.end;
            return Ok(());
        }
        match self.opts.group_commit {
            Some(window) => self.wait_durable(st, seq, window),
            None => {
                if let Err(e) = st.file.sync_data() {
                    return Err(self.fail(&mut st, "syncing journal", e));
                }
                st.durable_seq = seq;
                st.durable_end = st.end;
                Ok(())
            }
        }
    }

    fn replay(&self, f: &mut dyn FnMut(RecordKind, &[u8]) -> Result<()>) -> Result<()> {
        let (file, end) = {
            let st = self.lock_state();
            (Arc::clone(&st.file), st.durable_end)
        };
        let corrupt =
            |offset: u64, message: String| Error::Corrupt { path: self.path.clone(), offset, message };
        let mut reader = FrameReader::new(&file, HEADER_LEN, end);
        loop {
            match reader.next(self.opts.max_record_len).map_err(io_err("reading journal", &self.path))? {
                Next::End => return Ok(()),
                Next::Frame { kind: BATCH_KIND, offset, payload } => {
                    let records = frame::decode_batch(&payload)
                        .map_err(|m| corrupt(offset, format!("malformed batch frame: {m}")))?;
                    for (kind, data) in records {
                        f(RecordKind(kind), data)?;
                    }
                }
                Next::Frame { kind, payload, .. } => f(RecordKind(kind), &payload)?,
                // The file was verified when it was opened, so this is damage since then.
                Next::Oversized { offset, len } => {
                    return Err(corrupt(offset, format!("frame declares {len} bytes, above max_record_len")));
                }
                Next::Bad { offset, reason } => {
                    return Err(corrupt(
                        offset,
                        format!("{reason} (the journal changed on disk since it was opened)"),
                    ));
                }
            }
        }
    }

    fn compact(&self, live: &mut dyn Iterator<Item = (RecordKind, Vec<u8>)>) -> Result<CompactStats> {
        let mut st = self.lock_state();
        while st.syncing {
            st = self.wait(st);
        }
        if let Some(message) = &st.failure {
            return Err(self.failed(message));
        }
        // Appends still waiting for a group sync must become durable in the old file first.
        if st.durable_seq < st.written_seq {
            if let Err(e) = st.file.sync_data() {
                return Err(self.fail(&mut st, "syncing journal", e));
            }
            st.durable_seq = st.written_seq;
            st.durable_end = st.end;
            self.synced.notify_all();
        }
        let (records_before, bytes_before) = (st.records, st.end);

        let tmp_path = compact_tmp_path(&self.path);
        let written = write_compacted(&tmp_path, live, self.opts.max_record_len);
        let (tmp, records_after, bytes_after) = match written {
            Ok(w) => w,
            Err(e) => {
                let _ = fs::remove_file(&tmp_path);
                return Err(e);
            }
        };
        if let Err(e) = fs::rename(&tmp_path, &self.path) {
            let _ = fs::remove_file(&tmp_path);
            return Err(Error::Io {
                action: "replacing journal with its compacted copy",
                path: self.path.clone(),
                source: e,
            });
        }
        // From here the path names the new file, so appends must go there.
        st.file = Arc::new(tmp);
        st.end = bytes_after;
        st.durable_end = bytes_after;
        st.records = records_after;
        if let Err(e) = sync_parent_dir(&self.path) {
            // The rename may not survive a crash, so appends to the new file could be lost: refuse them.
            return Err(self.fail(&mut st, "syncing the journal's directory after compaction", e));
        }
        self.synced.notify_all();
        Ok(CompactStats { records_before, records_after, bytes_before, bytes_after })
    }

    fn describe(&self) -> String {
        format!("journal {}", self.path.display())
    }
}

/// Writes `live` as a complete journal to `tmp_path` and syncs it; returns the open file, the record
/// count and the size.
fn write_compacted(
    tmp_path: &Path,
    live: &mut dyn Iterator<Item = (RecordKind, Vec<u8>)>,
    max_len: u32,
) -> Result<(File, u64, u64)> {
    let tmp = open_options()
        .truncate(true)
        .open(tmp_path)
        .map_err(io_err("creating compacted journal", tmp_path))?;
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(&frame::encode_header());
    let mut at = 0u64;
    let mut records = 0u64;
    for (kind, payload) in live {
        check_kind(kind)?;
        if payload.len() as u64 > u64::from(max_len) {
            return Err(Error::InvalidInput {
                what: "record",
                message: format!(
                    "a live record of {} bytes exceeds the journal's max_record_len of {max_len} bytes",
                    payload.len()
                ),
            });
        }
        frame::encode_frame(&mut buf, kind.0, &payload);
        records += 1;
        if buf.len() >= 1 << 20 {
            tmp.write_all_at(&buf, at).map_err(io_err("writing compacted journal", tmp_path))?;
            at += buf.len() as u64;
            buf.clear();
        }
    }
    tmp.write_all_at(&buf, at).map_err(io_err("writing compacted journal", tmp_path))?;
    at += buf.len() as u64;
    tmp.sync_all().map_err(io_err("syncing compacted journal", tmp_path))?;
    Ok((tmp, records, at))
}
