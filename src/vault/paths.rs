//! Where the vault and the identity live by default (XDG base directories).
//!
//! The env-reading wrappers are thin; the decisions live in pure functions
//! that take the variables as arguments, so tests need not touch the
//! process environment (tests run in parallel threads).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// XDG says relative or empty values are to be ignored.
fn usable(value: Option<OsString>) -> Option<PathBuf> {
    value
        .map(PathBuf::from)
        .filter(|p| !p.as_os_str().is_empty() && p.is_absolute())
}

/// `home` missing (a stripped-down service environment) falls back to the
/// current directory rather than panicking.
fn home_or_cwd(home: Option<OsString>) -> PathBuf {
    home.map(PathBuf::from)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}

pub(crate) fn vault_path_from(
    regvault_vault: Option<OsString>,
    xdg_data_home: Option<OsString>,
    home: Option<OsString>,
) -> PathBuf {
    // An explicit REGVAULT_VAULT may be relative: the user typed it.
    if let Some(p) = regvault_vault.filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    usable(xdg_data_home)
        .unwrap_or_else(|| home_or_cwd(home).join(".local/share"))
        .join("regvault/vault.age")
}

pub(crate) fn identity_path_from(
    xdg_config_home: Option<OsString>,
    home: Option<OsString>,
) -> PathBuf {
    usable(xdg_config_home)
        .unwrap_or_else(|| home_or_cwd(home).join(".config"))
        .join("regvault/identity.txt")
}

pub(crate) fn default_vault_path() -> PathBuf {
    vault_path_from(
        std::env::var_os("REGVAULT_VAULT"),
        std::env::var_os("XDG_DATA_HOME"),
        std::env::var_os("HOME"),
    )
}

pub(crate) fn default_identity_path() -> PathBuf {
    identity_path_from(
        std::env::var_os("XDG_CONFIG_HOME"),
        std::env::var_os("HOME"),
    )
}

/// The path to read and write: a symlink at `path` is resolved once, so
/// the lock, the backups and the atomic replace all act on the real file
/// (replacing the link by a regular file would leave the real file stale,
/// and the two names would take two different locks).
pub(crate) fn real_path(path: &Path) -> Result<PathBuf, super::VaultError> {
    match path.symlink_metadata() {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => super::VaultError::NotFound(path.to_owned()),
                _ => super::io_err(format!("cannot resolve the link {}", path.display()), e),
            })
        }
        _ => Ok(path.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(
        clippy::unnecessary_wraps,
        reason = "builds the `Option` arguments the functions under test take"
    )]
    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn vault_path_precedence() {
        assert_eq!(
            vault_path_from(os("/v/x.age"), os("/data"), os("/home/u")),
            PathBuf::from("/v/x.age")
        );
        assert_eq!(
            vault_path_from(None, os("/data"), os("/home/u")),
            PathBuf::from("/data/regvault/vault.age")
        );
        assert_eq!(
            vault_path_from(os(""), None, os("/home/u")),
            PathBuf::from("/home/u/.local/share/regvault/vault.age")
        );
        // A relative XDG value is ignored, as the spec asks.
        assert_eq!(
            vault_path_from(None, os("rel"), os("/home/u")),
            PathBuf::from("/home/u/.local/share/regvault/vault.age")
        );
    }

    #[test]
    fn identity_path_precedence() {
        assert_eq!(
            identity_path_from(os("/cfg"), os("/home/u")),
            PathBuf::from("/cfg/regvault/identity.txt")
        );
        assert_eq!(
            identity_path_from(None, os("/home/u")),
            PathBuf::from("/home/u/.config/regvault/identity.txt")
        );
        assert_eq!(
            identity_path_from(os(""), None),
            PathBuf::from("./.config/regvault/identity.txt")
        );
    }
}
