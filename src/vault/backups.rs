//! The backups as a user sees them: listing (with the sets of earlier
//! vaults at the same path), reading one without opening it as the vault,
//! putting one back, and telling a damaged vault from a wrong key by
//! trying the newest backup.

use std::path::{Path, PathBuf};

use super::lock::WriterLock;
use super::paths::real_path;
use super::perms::check_identity_modes;
use super::{KeySource, SCHEMA_VERSION, VaultError, crypto, damaged, doc, store};
use crate::model::VaultData;

/// Decrypts a file with `keys` into its data, without opening it as the
/// vault (no lock, no stamp): for backups.
pub fn read_backup(path: &Path, keys: &[KeySource]) -> Result<VaultData, VaultError> {
    let bytes = store::read_vault(path)?;
    let decrypted = crypto::decrypt(path, &bytes, keys)?;
    check_identity_modes(keys)?;
    let text = std::str::from_utf8(&decrypted.plaintext)
        .map_err(|_| damaged(path, "the decrypted content is not UTF-8 text"))?;
    doc::parse(text)
        .map(|parsed| parsed.data)
        .map_err(|e| match e {
            doc::DocError::Damaged(detail) => damaged(path, detail),
            doc::DocError::NewerUnreadable(found) => VaultError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            },
        })
}

/// The keys did not open the vault. If they open its newest backup, the
/// vault's header was altered (a stanza no key can match looks exactly
/// like a wrong key to age): say it is damaged, not that the key is wrong.
pub(crate) fn wrong_key_or_damage(path: &Path, keys: &[KeySource]) -> VaultError {
    let Some(newest) = store::list_backups(path).into_iter().next() else {
        return VaultError::WrongKey;
    };
    if read_backup(&newest, keys).is_ok() {
        damaged(
            path,
            format!(
                "this key opens its backup of {} but not the file: its header was damaged or altered, \
                 or the vault was re-encrypted without this key",
                backup_time(&newest).unwrap_or_else(|| "an earlier save".to_owned())
            ),
        )
    } else {
        VaultError::WrongKey
    }
}

/// One backup of a vault path.
#[derive(Clone, Debug)]
pub struct Backup {
    pub path: PathBuf,
    /// When it was made (from its name), as `2026-11-27 10:11:12 UTC`.
    pub time: Option<String>,
    /// `true` for a backup of an earlier vault at this path, set aside by
    /// `init` after the vault file was lost.
    pub earlier: bool,
}

/// `2026-11-27 10:11:12 UTC` from a backup's name.
fn backup_time(path: &Path) -> Option<String> {
    let n = path.file_name()?.to_str()?;
    let b = n.as_bytes();
    if b.len() < 15 || b[8] != b'T' || !n.is_char_boundary(15) {
        return None;
    }
    Some(format!(
        "{}-{}-{} {}:{}:{} UTC",
        &n[0..4],
        &n[4..6],
        &n[6..8],
        &n[9..11],
        &n[11..13],
        &n[13..15]
    ))
}

/// Every backup of the vault path, newest first: the current vault's,
/// then those of earlier vaults at this path.
pub fn all_backups(vault: &Path) -> Vec<Backup> {
    let vault = real_path(vault).unwrap_or_else(|_| vault.to_owned());
    let current = store::list_backups(&vault);
    store::list_all_backups(&vault)
        .into_iter()
        .map(|path| Backup {
            time: backup_time(&path),
            earlier: !current.contains(&path),
            path,
        })
        .collect()
}

/// Puts `backup` back as the vault (under the writer lock, atomically):
/// it must open with `keys` first; the vault it replaces, if any, becomes
/// a backup, so nothing is lost. Returns the restored data.
pub fn restore_backup(
    vault: &Path,
    backup: &Path,
    keys: &[KeySource],
) -> Result<VaultData, VaultError> {
    let data = read_backup(backup, keys)?;
    let vault = &real_path(vault)?;
    store::create_parent_dirs(vault)?;
    let _lock = WriterLock::acquire(vault)?;
    let bytes = store::read_vault(backup)?;
    store::sweep_temps(vault);
    store::write_atomic(vault, &bytes)?;
    // Putting an older save back is what the rollback pin refuses; here the
    // user asked for it, so it is accepted as `regvault trust` would.
    super::Vault::review(vault, keys)?.accept()?;
    Ok(data)
}
