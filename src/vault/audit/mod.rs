//! The tamper-evident audit log kept beside the vault: who did what, when,
//! to which registry, where, and how it ended.
//!
//! - `entry`: the typed record (an enum of actions), JSON inside the AEAD;
//! - `log`: the segments on disk, sealing, the keyed chain, the append lock.
//!
//! Keys and heads live in the vault itself (its header, so inside the
//! encryption and, in a team vault, under the member's signature): the
//! random 32-byte log key, the chain head (`count:mac`) at every save, and
//! the heads of closed segments. Reads (a credential-helper `get`, an
//! export, a TUI reveal) append without rewriting the vault; each user's
//! state (`$XDG_STATE_HOME/regvault/audit-…`) keeps the last head they
//! wrote, so entries appended since the last save are covered too.

mod diff;
mod entry;
mod log;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use diff::{as_imports, changes};
pub use entry::{Action, Entry, Outcome, Target, Who};
pub use log::{Head, SEGMENT_ENTRIES, log_dir};
use log::{Keys, Line, ZERO_MAC};

static NOTICE: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

static ENABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// For the benchmark only (`benches/audit.rs` measures the log's cost by
/// running the same operation with and without it). Not reachable from
/// the command line or the environment: turning the log off takes code
/// running in the process, which could write anything anyway.
#[doc(hidden)]
pub fn bench_set_enabled(on: bool) {
    ENABLED.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Where a problem writing the log is told (the CLI prints it on stderr;
/// the TUI shows it in its status line). Logging never stops the
/// operation it records: a vault whose log directory went read-only still
/// works, and says why its log is short.
pub fn set_notice(notice: fn(&str)) {
    let _ = NOTICE.set(notice);
}

/// Tells the notice (if any) about a logging problem.
pub fn notice(problem: &AuditError) {
    if let Some(n) = NOTICE.get() {
        n(&format!("audit log: {problem}"));
    }
}

/// What the vault keeps about its log (in its header).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct AuditRecords {
    /// 64 hex digits; `None` in a vault saved before there was a log.
    pub key: Option<zeroize::Zeroizing<String>>,
    /// The chain head when the vault was last saved.
    pub head: Option<Head>,
    /// Heads of closed segments, `count:mac`, oldest first.
    pub segments: Vec<Head>,
}

impl fmt::Debug for AuditRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditRecords")
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .field("head", &self.head)
            .field("segments", &self.segments.len())
            .finish()
    }
}

impl AuditRecords {
    /// Makes the log key if there is none.
    pub(crate) fn ensure_key(&mut self) {
        if self.key.is_none() {
            let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(&mut *bytes).expect("the OS random source failed");
            self.key = Some(zeroize::Zeroizing::new(log::hex(&*bytes)));
        }
    }
}

/// Why the log could not be written or read at all.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the audit log's last entry ({path}) is damaged or forged: run `regvault log verify`")]
    DamagedTail { path: PathBuf },
    #[error("this vault has no audit log key yet (it is made at the next save)")]
    NoKey,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AuditError + '_ {
    move |source| AuditError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The first place the chain does not hold: `segment` (file number) and
/// `index` (the entry number expected there, 1-based over the whole log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub segment: u64,
    pub index: u64,
    pub reason: String,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "segment {:06}.log, entry {}: {}",
            self.segment, self.index, self.reason
        )
    }
}

/// One entry read back, with where it is.
#[derive(Clone, Debug)]
pub struct Record {
    pub index: u64,
    pub segment: u64,
    pub entry: Entry,
}

/// Everything read: the entries up to the first break, and the break.
#[derive(Debug, Default)]
pub struct Walk {
    pub records: Vec<Record>,
    pub total: u64,
    pub broken: Option<Break>,
}

/// One vault's log, as its key and recorded heads allow reading and
/// appending. Cheap to clone.
#[derive(Clone)]
pub struct Log {
    vault: PathBuf,
    dir: PathBuf,
    keys: Arc<Keys>,
    key_id: String,
    recorded: Option<Head>,
    segment_heads: Vec<Head>,
}

impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Log")
            .field("dir", &self.dir)
            .field("recorded", &self.recorded)
            .finish_non_exhaustive()
    }
}

impl Log {
    pub(crate) fn new(vault: &Path, records: &AuditRecords) -> Option<Log> {
        if !ENABLED.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let key = log::unhex(records.key.as_deref()?).map(zeroize::Zeroizing::new)?;
        let keys = Keys::from_log_key(&key);
        let key_id = log::hex(&Sha256::digest([&key[..], b"regvault audit id"].concat())[..8]);
        Some(Log {
            vault: vault.to_owned(),
            dir: log_dir(vault),
            keys: Arc::new(keys),
            key_id,
            recorded: records.head.clone(),
            segment_heads: records.segments.clone(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The head the vault recorded at its last save.
    pub fn recorded_head(&self) -> Option<&Head> {
        self.recorded.as_ref()
    }

    /// Appends `entry` (under the append lock) and returns the new head,
    /// also kept in this user's state.
    pub fn append(&self, entry: &Entry) -> Result<Head, AuditError> {
        let dir = log::ensure_dir(&self.vault).map_err(io(&self.dir))?;
        let mode = log::file_mode(&self.vault);
        let _lock = log::lock(&dir, mode).map_err(io(&dir))?;
        let tail = self.tail()?;
        let (n, prev) = tail.map_or((1, ZERO_MAC.to_owned()), |h| (h.count + 1, h.mac));
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(entry).map_err(|e| io(&dir)(std::io::Error::other(e)))?,
        );
        let (line, mac) = log::seal(&self.keys, n, &prev, &json).map_err(io(&dir))?;
        let path = log::segment_path(&dir, log::segment_of(n));
        log::append_line(&path, &line, mode).map_err(io(&path))?;
        let head = Head { count: n, mac };
        // The append happened; a state file that cannot be written only
        // weakens this user's truncation check.
        let _ = self.remember(&head);
        Ok(head)
    }

    /// The last entry's head, its mac checked; `None` for an empty log.
    fn tail(&self) -> Result<Option<Head>, AuditError> {
        let segments = log::segments(&self.dir).map_err(io(&self.dir))?;
        let Some(&last) = segments.last() else {
            return Ok(None);
        };
        let path = log::segment_path(&self.dir, last);
        let Some(text) = log::last_line(&path).map_err(io(&path))? else {
            return Ok(None);
        };
        let line =
            Line::split(&text).ok_or_else(|| AuditError::DamagedTail { path: path.clone() })?;
        if !line.authentic(&self.keys) || log::segment_of(line.n) != last {
            return Err(AuditError::DamagedTail { path });
        }
        Ok(Some(Head {
            count: line.n,
            mac: line.mac.to_owned(),
        }))
    }

    /// The heads a save records: the chain's head now and those of closed
    /// segments not yet recorded. A damaged tail keeps what was recorded
    /// (`verify` reports it; a save is not refused over the log).
    pub(crate) fn heads_for_save(&self, records: &mut AuditRecords) {
        if let Ok(Some(head)) = self.tail() {
            records.head = Some(head);
        }
        let Ok(segments) = log::segments(&self.dir) else {
            return;
        };
        for &s in segments.iter().rev().skip(1).rev() {
            let end = s * SEGMENT_ENTRIES;
            if records.segments.iter().any(|h| h.count == end) {
                continue;
            }
            let Ok(Some(text)) = log::last_line(&log::segment_path(&self.dir, s)) else {
                continue;
            };
            if let Some(line) = Line::split(&text).filter(|l| l.n == end && l.authentic(&self.keys))
            {
                records.segments.push(Head {
                    count: end,
                    mac: line.mac.to_owned(),
                });
            }
        }
        records.segments.sort_by_key(|h| h.count);
    }

    fn state_path(&self) -> PathBuf {
        let canonical = std::fs::canonicalize(&self.vault).unwrap_or_else(|_| self.vault.clone());
        let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
        super::state_dir().join(format!("audit-{}", log::hex(&digest[..16])))
    }

    /// The last head this user appended (for this log key).
    pub fn my_head(&self) -> Option<Head> {
        let text = std::fs::read_to_string(self.state_path()).ok()?;
        let (id, head) = text.trim().split_once(' ')?;
        (id == self.key_id).then(|| Head::parse(head)).flatten()
    }

    fn remember(&self, head: &Head) -> std::io::Result<()> {
        if self.my_head().is_some_and(|h| h.count >= head.count) {
            return Ok(());
        }
        let path = self.state_path();
        if let Some(dir) = path.parent() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir)?;
        }
        let temp = path.with_extension(format!("tmp.{}", std::process::id()));
        {
            use std::io::Write as _;
            use std::os::unix::fs::OpenOptionsExt as _;
            let _ = std::fs::remove_file(&temp);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&temp)?;
            f.write_all(format!("{} {}\n", self.key_id, head.render()).as_bytes())?;
        }
        std::fs::rename(&temp, &path)
    }

    /// Reads every entry (newest last) up to the first break.
    pub fn read(&self) -> Result<Walk, AuditError> {
        self.walk(true)
    }

    /// Walks the whole chain and checks it against the heads the vault
    /// and this user recorded. `Ok` holds the count, or the first break.
    pub fn verify(&self) -> Result<Result<u64, Break>, AuditError> {
        let walk = self.walk(false)?;
        Ok(match walk.broken {
            Some(b) => Err(b),
            None => Ok(walk.total),
        })
    }

    fn walk(&self, collect: bool) -> Result<Walk, AuditError> {
        let mut walk = Walk::default();
        let segments = log::segments(&self.dir).map_err(io(&self.dir))?;
        // Heads the chain must pass through, with who recorded them.
        let mut checks: Vec<(Head, &str)> = Vec::new();
        if let Some(h) = &self.recorded {
            checks.push((h.clone(), "the vault's last save"));
        }
        for h in &self.segment_heads {
            checks.push((h.clone(), "a closed segment's head in the vault"));
        }
        if let Some(h) = self.my_head() {
            checks.push((h, "your last entry"));
        }
        let mut n = 1u64;
        let mut prev = ZERO_MAC.to_owned();
        let stop = |walk: &mut Walk, segment, index, reason: String| {
            walk.broken = Some(Break {
                segment,
                index,
                reason,
            });
        };
        'segments: for (i, &seg) in segments.iter().enumerate() {
            let want = u64::try_from(i).unwrap_or(u64::MAX) + 1;
            if seg != want {
                stop(
                    &mut walk,
                    want,
                    n,
                    format!("segment {want:06}.log is missing"),
                );
                break;
            }
            let path = log::segment_path(&self.dir, seg);
            let bytes = {
                use std::io::Read;
                let mut f = log::open_checked(&path, std::fs::OpenOptions::new().read(true))
                    .map_err(io(&path))?;
                let mut b = Vec::new();
                f.read_to_end(&mut b).map_err(io(&path))?;
                b
            };
            let Ok(text) = std::str::from_utf8(&bytes) else {
                stop(&mut walk, seg, n, "the segment is not text".into());
                break;
            };
            let mut lines: Vec<&str> = text.split('\n').collect();
            if lines.last() == Some(&"") {
                lines.pop();
            } else if !lines.is_empty() {
                // A last line without its newline: cut mid-entry.
                let whole = lines.len() - 1;
                if whole == 0 {
                    stop(&mut walk, seg, n, "a partial entry (cut short)".into());
                    break;
                }
                lines.truncate(whole);
                lines.push("\u{0}partial");
            }
            for text in lines {
                let Some(line) = Line::split(text) else {
                    stop(
                        &mut walk,
                        seg,
                        n,
                        "not an entry (edited or cut short)".into(),
                    );
                    break 'segments;
                };
                if line.n != n || log::segment_of(line.n) != seg {
                    let why = if line.n > n {
                        format!(
                            "entry {n} is missing (found entry {} here): deleted or reordered",
                            line.n
                        )
                    } else {
                        format!(
                            "found entry {} where entry {n} belongs: reordered or repeated",
                            line.n
                        )
                    };
                    stop(&mut walk, seg, n, why);
                    break 'segments;
                }
                if !line.authentic(&self.keys) {
                    stop(&mut walk, seg, n, "edited: its MAC does not match".into());
                    break 'segments;
                }
                if line.prev != prev {
                    stop(
                        &mut walk,
                        seg,
                        n,
                        "does not follow the previous entry (the chain is broken)".into(),
                    );
                    break 'segments;
                }
                let Some(json) = line.open(&self.keys) else {
                    stop(&mut walk, seg, n, "cannot be decrypted".into());
                    break 'segments;
                };
                if let Some((h, who)) = checks
                    .iter()
                    .find(|(h, _)| h.count == n && h.mac != line.mac)
                {
                    stop(
                        &mut walk,
                        seg,
                        n,
                        format!(
                            "is not the entry {who} recorded (count {}): the log was replaced",
                            h.count
                        ),
                    );
                    break 'segments;
                }
                match serde_json::from_slice::<Entry>(&json) {
                    Ok(entry) if collect => walk.records.push(Record {
                        index: n,
                        segment: seg,
                        entry,
                    }),
                    Ok(_) => {}
                    Err(_) => {
                        stop(&mut walk, seg, n, "the decrypted entry is not valid".into());
                        break 'segments;
                    }
                }
                line.mac.clone_into(&mut prev);
                walk.total = n;
                n += 1;
            }
        }
        if walk.broken.is_none()
            && let Some((h, who)) = checks
                .iter()
                .filter(|(h, _)| h.count > walk.total)
                .max_by_key(|(h, _)| h.count)
        {
            let index = walk.total + 1;
            walk.broken = Some(Break {
                segment: log::segment_of(index),
                index,
                reason: format!(
                    "missing: {who} recorded {} entries, the log has {} (truncated)",
                    h.count, walk.total
                ),
            });
        }
        Ok(walk)
    }
}

/// Moves an earlier vault's log out of the way of a new vault at the same
/// path (`init` after the file was lost): `<vault>.audit.earlier-<time>`.
pub(crate) fn set_aside(vault: &Path) -> std::io::Result<()> {
    let dir = log_dir(vault);
    if dir.symlink_metadata().is_err() {
        return Ok(());
    }
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".earlier-{}", jiff::Timestamp::now().as_second()));
    std::fs::rename(&dir, dir.with_file_name(name))
}
