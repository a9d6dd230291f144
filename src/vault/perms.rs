//! Secrets open to other users: an identity file others can read opens the
//! vault for them (refused unless allowed); a vault file others can read
//! is warned about.

use std::path::Path;

use super::{KeySource, VaultError};

static ALLOW_OPEN_IDENTITY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Lets identity files readable by others be used (with a warning from
/// [`permission_warnings`]) instead of refused; process-wide.
pub fn allow_open_identity(allow: bool) {
    ALLOW_OPEN_IDENTITY.store(allow, std::sync::atomic::Ordering::Relaxed);
}

/// The group/other bits of `path`'s mode, and what they let others do.
pub(crate) fn open_to_others(path: &Path) -> Option<(u32, &'static str)> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    if mode & 0o044 != 0 {
        Some((mode, "readable"))
    } else if mode & 0o022 != 0 {
        Some((mode, "writable"))
    } else {
        None
    }
}

/// An identity others can read opens the vault for them: refused unless
/// [`allow_open_identity`] was called. Checked once a key opened the file
/// (a garbled or wrong file keeps its own error), before any content is
/// handed out.
pub(crate) fn check_identity_modes(keys: &[KeySource]) -> Result<(), VaultError> {
    if ALLOW_OPEN_IDENTITY.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    for key in keys {
        if let KeySource::IdentityFile(path) = key
            && let Some((mode, what)) = open_to_others(path)
        {
            return Err(VaultError::OpenIdentity {
                path: path.clone(),
                what,
                mode,
            });
        }
    }
    Ok(())
}

/// Warnings about the vault file and the identity files being open to
/// other users (a refused identity is an error at open, not a warning).
pub fn permission_warnings(vault: &Path, keys: &[KeySource]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((mode, what)) = open_to_others(vault) {
        out.push(format!(
            "the vault file {} is {what} by others (mode {mode:03o}); it is encrypted, but keep it private: chmod 600 {}",
            vault.display(),
            vault.display()
        ));
    }
    for key in keys {
        if let KeySource::IdentityFile(id) = key
            && let Some((mode, what)) = open_to_others(id)
        {
            out.push(format!(
                "the identity {} is {what} by others (mode {mode:03o}): whoever can read it can open the vault; chmod 600 {}",
                id.display(),
                id.display()
            ));
        }
    }
    out
}

/// The same refusal for one identity file before it is used to create a
/// vault (`init` with an existing identity).
pub fn check_identity_file(path: &Path) -> Result<(), VaultError> {
    check_identity_modes(&[KeySource::IdentityFile(path.to_owned())])
}
