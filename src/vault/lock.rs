//! The writer lock: `<vault>.lock` beside the vault, held with an OS file
//! lock (`File::try_lock`), so a crashed holder releases it automatically.
//! The holder writes who it is into the file so a refused writer can say
//! "locked by bob@laptop pid 4242 since …".
//!
//! The lock file is never deleted: unlinking it while another process waits
//! on the old inode would let two writers in.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{VaultError, io_err};

/// How long a writer waits for the lock by default in the library (a
/// holder that is just finishing, or a process forked by a holder, which
/// shares the locked open file until its exec closes it). The CLI sets its
/// own (`--wait`, a few seconds) with [`set_wait`].
const DEFAULT_WAIT: Duration = Duration::from_millis(200);
/// After this long waiting, the notice (if any) says who holds the lock.
const NOTICE_AFTER: Duration = Duration::from_millis(300);

static WAIT_MS: AtomicU64 = AtomicU64::new(DEFAULT_WAIT.as_millis() as u64);
static NOTICE: OnceLock<fn(&str)> = OnceLock::new();

/// How long a writer waits for the lock before `Locked` (process-wide).
pub fn set_wait(wait: Duration) {
    WAIT_MS.store(
        u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
}

/// Called once per wait that lasts, with the holder (the CLI prints it;
/// the TUI, drawing the screen, sets none).
pub fn set_notice(notice: fn(&str)) {
    let _ = NOTICE.set(notice);
}

/// Held while alive; dropping it closes the file, which releases the lock.
#[derive(Debug)]
pub(crate) struct WriterLock {
    _file: File,
}

pub(crate) fn lock_path(vault: &Path) -> PathBuf {
    let mut name = vault.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    vault.with_file_name(name)
}

/// Never through a symlink or a hard link planted at the name: the lock
/// truncates and writes the file it opens.
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    super::nofollow::open_private(path, &mut options)
}

/// What the holder wrote, made safe to print on one line.
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.take(512).read_to_string(&mut text);
    let holder: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    if holder.is_empty() {
        "another regvault process".to_owned()
    } else {
        holder
    }
}

/// A pause that grows with the wait (5 ms to 100 ms) and differs between
/// processes, so waiting writers do not retry in lockstep.
fn pause(waited: Duration) -> Duration {
    let base = (waited.as_millis() / 10).clamp(5, 100) as u64;
    let jitter =
        u64::from(std::process::id() ^ jiff::Timestamp::now().subsec_nanosecond().cast_unsigned())
            % base;
    Duration::from_millis(base / 2 + jitter)
}

impl WriterLock {
    /// Takes the lock, waiting up to the wait set with [`set_wait`]
    /// (telling the notice who holds it), then fails with `Locked`.
    pub(crate) fn acquire(vault: &Path) -> Result<WriterLock, VaultError> {
        let path = lock_path(vault);
        let mut file = open_lock_file(&path)
            .map_err(|e| io_err(format!("cannot open the lock file {}", path.display()), e))?;
        let wait = Duration::from_millis(WAIT_MS.load(Ordering::Relaxed));
        let start = Instant::now();
        let mut noticed = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let waited = start.elapsed();
                    if waited >= wait {
                        return Err(VaultError::Locked {
                            holder: read_holder(&mut file),
                        });
                    }
                    if !noticed
                        && waited >= NOTICE_AFTER
                        && let Some(notice) = NOTICE.get()
                    {
                        noticed = true;
                        notice(&format!(
                            "waiting up to {}s for the vault lock held by {}",
                            wait.as_secs(),
                            read_holder(&mut file)
                        ));
                    }
                    std::thread::sleep(pause(waited).min(wait.saturating_sub(waited)));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(io_err(format!("cannot lock {}", path.display()), e));
                }
            }
        }
        let holder = format!(
            "{} pid {} since {}",
            crate::model::current_user(),
            std::process::id(),
            jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .unwrap_or(jiff::Timestamp::now())
        );
        // Best effort: the lock itself is what protects the vault; the text
        // only makes the refusal message helpful.
        let _ = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()));
        Ok(WriterLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_handle_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.age");
        let held = WriterLock::acquire(&vault).unwrap();
        let err = WriterLock::acquire(&vault).unwrap_err();
        match &err {
            VaultError::Locked { holder } => {
                assert!(
                    holder.contains(&format!("pid {}", std::process::id())),
                    "{holder}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().starts_with("vault is locked by "));
        drop(held);
        WriterLock::acquire(&vault).unwrap();
        assert_eq!(lock_path(&vault), dir.path().join("v.age.lock"));
    }
}
