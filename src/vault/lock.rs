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
use std::time::Duration;

use super::{VaultError, io_err};

const GRACE_STEP: Duration = Duration::from_millis(10);
const GRACE_TRIES: u32 = 20;

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

fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// What the holder wrote, made safe to print on one line.
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
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

impl WriterLock {
    /// Takes the lock or fails with `Locked` after a brief grace period
    /// (~200 ms): a CLI must not hang, and the TUI reports it and lets the
    /// user retry.
    pub(crate) fn acquire(vault: &Path) -> Result<WriterLock, VaultError> {
        let path = lock_path(vault);
        let mut file = open_lock_file(&path)
            .map_err(|e| io_err(format!("cannot open the lock file {}", path.display()), e))?;
        let mut tries = 0;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                // A short grace period: a holder that is just finishing, or
                // a process forked by a holder (it shares the locked open
                // file until its exec closes it), lets go within moments.
                Err(TryLockError::WouldBlock) if tries < GRACE_TRIES => {
                    tries += 1;
                    std::thread::sleep(GRACE_STEP);
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(VaultError::Locked {
                        holder: read_holder(&mut file),
                    });
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
