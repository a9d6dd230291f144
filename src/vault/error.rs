//! `VaultError`: what can go wrong opening or saving the vault, worded for
//! the user. No message carries vault content or key material (paths,
//! recipients and lock holders are not secret).

use std::path::{Path, PathBuf};

use super::store;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {0} (create one with `regvault init`)")]
    NotFound(PathBuf),
    #[error("a vault already exists at {0}")]
    Exists(PathBuf),
    #[error(
        "no vault at {path}, but {count} backups of one are in {backups}: bring one back with `regvault restore` (`regvault init` would start a new vault and keep them)"
    )]
    MissingWithBackups {
        path: PathBuf,
        count: usize,
        backups: PathBuf,
    },
    #[error(
        "cannot decrypt: wrong passphrase or identity (if it is the right one, the file may be damaged: `regvault restore` lists its backups)"
    )]
    WrongKey,
    /// The agent no longer holds the key (idle timeout, `agent lock`).
    #[error("regvault is locked — run `regvault unlock`")]
    AgentLocked,
    #[error("the regvault agent failed: {0}")]
    Agent(String),
    #[error(
        "the vault file {path} is damaged or truncated ({detail}); it was left as it is — `regvault restore` lists the backups in {backups}"
    )]
    Damaged {
        path: PathBuf,
        detail: String,
        backups: PathBuf,
    },
    #[error(
        "vault is locked by {holder}; try again when it has finished (--wait SECS waits longer)"
    )]
    Locked { holder: String },
    #[error("the vault changed on disk since it was opened; open it again and redo the change")]
    ChangedOnDisk,
    #[error(
        "the vault uses schema version {found}, newer than this regvault ({supported}); it can only be read — upgrade regvault to change it"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("'{0}' is not an age or SSH recipient")]
    BadRecipient(String),
    #[error(
        "'{0}' is not a signing public key: give ed25519:… (`regvault member key` prints it) or an `ssh-ed25519 …` public key line (signing keys are ed25519)"
    )]
    BadMember(String),
    #[error("no recipients: give at least one age1… or SSH public key to encrypt to")]
    NoRecipients,
    #[error(
        "the identity {path} is {what} by others (mode {mode:03o}): whoever can read it can open the vault; run `chmod 600 {path}`, or pass --allow-open-identity to use it anyway"
    )]
    OpenIdentity {
        path: PathBuf,
        what: &'static str,
        mode: u32,
    },
    #[error("cannot use identity {path}: {reason}")]
    BadIdentity { path: PathBuf, reason: String },
    #[error("cannot use the signing key {path}: {reason}")]
    BadSigningKey { path: PathBuf, reason: String },
    #[error(
        "this vault is protected by a passphrase: give it (prompt, or REGVAULT_PASSPHRASE_FILE)"
    )]
    NeedsPassphrase,
    #[error(
        "the vault {path} is not as you last saw it: {change}. regvault stopped before using it and changed nothing; if this is deliberate (a teammate changed the recipients, you restored a backup), review and accept it with `regvault trust`"
    )]
    Untrusted { path: PathBuf, change: String },
    #[error(
        "your signing key {key} ({fingerprint}) is not a member of this team vault, so your save would be refused by the others: ask a member to add it"
    )]
    NotMember { fingerprint: String, key: PathBuf },
    #[error(
        "the vault {path} is not validly signed by one of its members ({detail}); regvault stopped before using it and changed nothing — it may be forged: ask a member, or restore a backup from {backups}"
    )]
    BadSignature {
        path: PathBuf,
        detail: String,
        backups: PathBuf,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn damaged(path: &Path, detail: impl Into<String>) -> VaultError {
    VaultError::Damaged {
        path: path.to_owned(),
        detail: detail.into(),
        backups: store::backups_dir(path),
    }
}

/// `NotFound`, or `MissingWithBackups` when backups of a vault at this path
/// exist (the file was lost: `init` must not be the only way offered).
pub(crate) fn not_found(path: &Path) -> VaultError {
    let count = store::list_all_backups(path).len();
    if count == 0 {
        VaultError::NotFound(path.to_owned())
    } else {
        VaultError::MissingWithBackups {
            path: path.to_owned(),
            count,
            backups: store::backups_dir(path),
        }
    }
}

pub(crate) fn io_err(context: impl Into<String>, source: std::io::Error) -> VaultError {
    VaultError::Io {
        context: context.into(),
        source,
    }
}
