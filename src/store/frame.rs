//! The journal's byte format: file header, frames, batch payloads and the CRC-32C that guards them.
//!
//! This module only encodes and decodes bytes; it never touches the file system except through the
//! positional reads it is handed, so every rule of the format can be tested on plain byte slices.
//! The format itself is documented for users in the `store` module docs.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// The first eight bytes of every journal.
pub(crate) const MAGIC: [u8; 8] = *b"ZWECKJ01";
/// The only format version this build reads and writes.
pub(crate) const FORMAT_VERSION: u32 = 1;
/// Magic (8) + version (4) + CRC-32C of those twelve bytes (4).
pub(crate) const HEADER_LEN: u64 = 16;
/// Length (4) + kind (1) in front of a frame's payload.
pub(crate) const FRAME_HEAD: usize = 5;
/// Frame head plus the trailing CRC-32C.
pub(crate) const FRAME_OVERHEAD: usize = FRAME_HEAD + 4;
/// Length (4) + kind (1) in front of each record inside a batch payload.
pub(crate) const BATCH_ENTRY_HEAD: usize = 5;
/// Frame kind of a batch; never a record kind of its own.
pub(crate) const BATCH_KIND: u8 = 0;

/// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.
///
/// Chosen over zlib's CRC-32 because its polynomial detects more error patterns in the frame sizes we
/// write and because it is what other write-ahead logs (LevelDB, RocksDB, ext4 journals) use, so the
/// format can be checked with standard tools.
pub(crate) fn crc32c(data: &[u8]) -> u32 {
    let mut crc = Crc32c::new();
    crc.update(data);
    crc.finish()
}

/// One 256-entry table: each entry is the CRC register after shifting in one byte value.
const CRC_TABLE: [u32; 256] = build_crc_table();

const fn build_crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// A CRC-32C computed piece by piece, for frames too large to hold in memory at once.
#[derive(Clone, Copy)]
pub(crate) struct Crc32c(u32);

impl Crc32c {
    pub(crate) fn new() -> Self {
        Crc32c(0xFFFF_FFFF)
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        let mut crc = self.0;
        for &b in data {
            crc = (crc >> 8) ^ CRC_TABLE[((crc ^ u32::from(b)) & 0xFF) as usize];
        }
        self.0 = crc;
    }

    pub(crate) fn finish(self) -> u32 {
        !self.0
    }
}

/// The sixteen header bytes of a journal written by this build.
pub(crate) fn encode_header() -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    h[..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    let crc = crc32c(&h[..12]);
    h[12..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Checks a complete header; the error says what is wrong in words fit for `Error::Corrupt`.
pub(crate) fn check_header(h: &[u8; HEADER_LEN as usize]) -> Result<(), String> {
    if h[..8] != MAGIC {
        return Err(format!(
            "the file does not start with the zweck journal magic \"ZWECKJ01\" (found {:02x?}); \
             check the path: this is not a zweck journal",
            &h[..8]
        ));
    }
    let stored = u32::from_le_bytes([h[12], h[13], h[14], h[15]]);
    if stored != crc32c(&h[..12]) {
        return Err("the file header fails its checksum; restore the journal from a backup".to_string());
    }
    let version = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
    if version != FORMAT_VERSION {
        return Err(format!(
            "journal format version {version} is not supported by this build (it reads version \
             {FORMAT_VERSION}); open it with the zweck release that wrote it"
        ));
    }
    Ok(())
}

/// Appends one frame holding `payload` under frame kind `kind` to `out`.
pub(crate) fn encode_frame(out: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    // Callers bound payloads by `max_record_len: u32`, so the cast cannot truncate.
    let start = out.len();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.push(kind);
    out.extend_from_slice(payload);
    let crc = crc32c(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// Payload bytes of a batch frame holding `records`.
pub(crate) fn batch_payload_len<'a>(records: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    records.into_iter().map(|r| (BATCH_ENTRY_HEAD + r.len()) as u64).sum()
}

/// Appends one batch frame holding all `records` to `out`; one checksum covers them all, which is
/// what makes a multi-record append all-or-nothing.
pub(crate) fn encode_batch(out: &mut Vec<u8>, records: &[(u8, &[u8])]) {
    let mut payload = Vec::with_capacity(batch_payload_len(records.iter().map(|r| r.1)) as usize);
    for (kind, data) in records {
        payload.extend_from_slice(&(data.len() as u32).to_le_bytes());
        payload.push(*kind);
        payload.extend_from_slice(data);
    }
    encode_frame(out, BATCH_KIND, &payload);
}

/// Splits a batch payload into its records, or says why it is malformed.
pub(crate) fn decode_batch(payload: &[u8]) -> Result<Vec<(u8, &[u8])>, String> {
    let mut records = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        if rest.len() < BATCH_ENTRY_HEAD {
            return Err(format!("batch ends with {} stray bytes", rest.len()));
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = rest[4];
        if kind == BATCH_KIND {
            return Err(format!("batch record {} uses the reserved kind 0", records.len()));
        }
        let body = &rest[BATCH_ENTRY_HEAD..];
        if len > body.len() {
            return Err(format!(
                "batch record {} declares {len} bytes but only {} remain in the batch",
                records.len(),
                body.len()
            ));
        }
        records.push((kind, &body[..len]));
        rest = &body[len..];
    }
    Ok(records)
}

/// What the next bytes of a journal hold.
pub(crate) enum Next {
    /// A frame whose checksum matches.
    Frame {
        /// Offset of its first byte.
        offset: u64,
        /// Frame kind (`BATCH_KIND` or a record kind).
        kind: u8,
        /// The payload.
        payload: Vec<u8>,
    },
    /// The scanned range ends exactly at a frame boundary.
    End,
    /// The frame declares more payload than `max_record_len`. Nothing was read or allocated for it.
    Oversized {
        /// Offset of its first byte.
        offset: u64,
        /// The declared payload length.
        len: u32,
    },
    /// The bytes at `offset` are not a valid frame (incomplete, or failing the checksum).
    Bad {
        /// Offset of the frame's first byte.
        offset: u64,
        /// Why, in words fit for an error message or a tail-cut report.
        reason: String,
    },
}

/// Reads frames in order from `[start, end)` of a file with positional reads, so several readers
/// (replay, the appender) can share one file handle without a shared cursor.
pub(crate) struct FrameReader<'f> {
    file: &'f File,
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    /// Window of `buf` that holds the file bytes starting at `buf_pos`.
    buf_pos: u64,
}

/// Read-ahead for scanning; large enough that small frames cost no syscall each.
const READ_AHEAD: usize = 256 * 1024;

impl<'f> FrameReader<'f> {
    pub(crate) fn new(file: &'f File, start: u64, end: u64) -> Self {
        FrameReader { file, pos: start, end, buf: Vec::new(), buf_pos: start }
    }

    /// Offset of the next unread byte (the end of the last frame returned).
    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    /// Bytes `[at, at + len)` of the file, served from the read-ahead window when possible.
    fn bytes(&mut self, at: u64, len: usize) -> io::Result<&[u8]> {
        let have_from = at.checked_sub(self.buf_pos).map(|d| d as usize);
        let cached = matches!(have_from, Some(from) if from + len <= self.buf.len());
        if !cached {
            let want = len.max(READ_AHEAD).min((self.end - at) as usize).max(len);
            self.buf.resize(want, 0);
            self.file.read_exact_at(&mut self.buf, at)?;
            self.buf_pos = at;
        }
        let from = (at - self.buf_pos) as usize;
        Ok(&self.buf[from..from + len])
    }

    /// The next frame. After `Oversized` or `Bad` the reader does not advance: the caller decides
    /// whether the damage is a torn tail or corruption.
    pub(crate) fn next(&mut self, max_len: u32) -> io::Result<Next> {
        let offset = self.pos;
        let remaining = self.end - offset;
        if remaining == 0 {
            return Ok(Next::End);
        }
        if remaining < FRAME_OVERHEAD as u64 {
            return Ok(Next::Bad {
                offset,
                reason: format!("incomplete frame: {remaining} bytes, shorter than a frame header"),
            });
        }
        let head = self.bytes(offset, FRAME_HEAD)?;
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let kind = head[4];
        if len > max_len {
            return Ok(Next::Oversized { offset, len });
        }
        let total = FRAME_OVERHEAD as u64 + u64::from(len);
        if total > remaining {
            return Ok(Next::Bad {
                offset,
                reason: format!(
                    "incomplete frame: it declares {len} payload bytes but only {} bytes follow its header",
                    remaining - FRAME_HEAD as u64
                ),
            });
        }
        let frame = self.bytes(offset, total as usize)?;
        let body = frame.len() - 4;
        let stored = u32::from_le_bytes([frame[body], frame[body + 1], frame[body + 2], frame[body + 3]]);
        if stored != crc32c(&frame[..body]) {
            return Ok(Next::Bad { offset, reason: "frame checksum mismatch".to_string() });
        }
        let payload = frame[FRAME_HEAD..body].to_vec();
        self.pos = offset + total;
        Ok(Next::Frame { offset, kind, payload })
    }
}

/// Whether a whole, checksum-valid frame starts at `offset` in a file of `file_len` bytes. Reads in
/// bounded chunks: a huge declared length costs reading, never allocating.
pub(crate) fn valid_frame_at(file: &File, offset: u64, file_len: u64) -> io::Result<bool> {
    let mut head = [0u8; FRAME_HEAD];
    if offset + FRAME_OVERHEAD as u64 > file_len {
        return Ok(false);
    }
    file.read_exact_at(&mut head, offset)?;
    let len = u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
    let body_end = offset + FRAME_HEAD as u64 + len;
    if body_end + 4 > file_len {
        return Ok(false);
    }
    let mut crc = Crc32c::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut at = offset;
    while at < body_end {
        let n = chunk.len().min((body_end - at) as usize);
        file.read_exact_at(&mut chunk[..n], at)?;
        crc.update(&chunk[..n]);
        at += n as u64;
    }
    let mut stored = [0u8; 4];
    file.read_exact_at(&mut stored, body_end)?;
    Ok(u32::from_le_bytes(stored) == crc.finish())
}

/// The offset of the first checksum-valid frame with payload at most `max_len` that starts in
/// `[from, file_len)`, if any. This is what tells a torn tail (nothing valid follows the damage) from
/// damage in the middle (acknowledged frames follow it).
///
/// Every byte offset is a candidate, because a damaged length field hides where the next frame
/// starts. Candidates are checked inside a read-ahead window; only those whose declared frame runs
/// past the window are read again from the file.
pub(crate) fn find_valid_frame(
    file: &File,
    from: u64,
    file_len: u64,
    max_len: u32,
) -> io::Result<Option<u64>> {
    const WINDOW: usize = 1 << 20;
    const SLACK: usize = 64 * 1024;
    let mut buf = Vec::new();
    let mut base = from;
    while base + FRAME_OVERHEAD as u64 <= file_len {
        let avail = (file_len - base).min((WINDOW + SLACK) as u64) as usize;
        buf.resize(avail, 0);
        file.read_exact_at(&mut buf, base)?;
        for i in 0..WINDOW.min(avail) {
            let at = base + i as u64;
            if at + FRAME_OVERHEAD as u64 > file_len {
                return Ok(None);
            }
            let len = u32::from_le_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
            if len > max_len || at + FRAME_OVERHEAD as u64 + u64::from(len) > file_len {
                continue;
            }
            let body = i + FRAME_HEAD + len as usize;
            let valid = if body + 4 <= buf.len() {
                let stored = u32::from_le_bytes([buf[body], buf[body + 1], buf[body + 2], buf[body + 3]]);
                stored == crc32c(&buf[i..body])
            } else {
                valid_frame_at(file, at, file_len)?
            };
            if valid {
                return Ok(Some(at));
            }
        }
        base += WINDOW as u64;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        // The check value of the CRC-32C (iSCSI) parameter set: CRC of the ASCII digits "123456789".
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
    }

    #[test]
    fn crc32c_matches_rfc3720_vectors() {
        // RFC 3720 section B.4, as pinned in google/leveldb util/crc32c_test.cc
        // (commit 654381b711fd446119e0ccf0ae1e51e17ca4a21a).
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
        let ascending: Vec<u8> = (0..32).collect();
        assert_eq!(crc32c(&ascending), 0x46DD_794E);
        let descending: Vec<u8> = (0..32).rev().collect();
        assert_eq!(crc32c(&descending), 0x113F_DB5C);
    }

    #[test]
    fn crc32c_in_pieces_equals_crc32c_at_once() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut crc = Crc32c::new();
        for piece in data.chunks(13) {
            crc.update(piece);
        }
        assert_eq!(crc.finish(), crc32c(&data));
    }

    #[test]
    fn header_round_trips_and_rejects_foreign_files() {
        let h = encode_header();
        assert!(check_header(&h).is_ok());
        let mut foreign = h;
        foreign[0] = b'X';
        assert!(check_header(&foreign).unwrap_err().contains("not a zweck journal"));
        let mut future = h;
        future[8..12].copy_from_slice(&2u32.to_le_bytes());
        let crc = crc32c(&future[..12]);
        future[12..].copy_from_slice(&crc.to_le_bytes());
        assert!(check_header(&future).unwrap_err().contains("version 2"));
    }

    #[test]
    fn batch_payload_round_trips() {
        let mut out = Vec::new();
        encode_batch(&mut out, &[(1, b"alpha"), (4, b""), (2, b"gamma")]);
        let payload = &out[FRAME_HEAD..out.len() - 4];
        assert_eq!(out[4], BATCH_KIND);
        let records = decode_batch(payload).unwrap();
        assert_eq!(records, vec![(1, &b"alpha"[..]), (4, &b""[..]), (2, &b"gamma"[..])]);
        assert_eq!(batch_payload_len([&b"alpha"[..], b"", b"gamma"]), payload.len() as u64);
    }

    #[test]
    fn malformed_batches_are_rejected_not_misread() {
        assert!(decode_batch(&[1, 0, 0]).unwrap_err().contains("stray"));
        assert!(decode_batch(&[9, 0, 0, 0, 1, b'x']).unwrap_err().contains("declares 9 bytes"));
        assert!(decode_batch(&[0, 0, 0, 0, 0]).unwrap_err().contains("reserved kind 0"));
    }
}
