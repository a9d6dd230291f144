//! The age-encrypted vault file: open with an identity file, an SSH key or a
//! passphrase; save atomically under a writer lock, keeping 5 backups.
//!
//! This file owns the public face (`Vault`, `KeySource`, `Encryption`,
//! `VaultError`) and the open/save flow. The parts live beside it:
//! `error` (`VaultError`), `crypto` (age), `doc` (the plaintext TOML and its schema), `store`
//! (atomic writes, backups), `lock` (the writer lock), `paths` (defaults),
//! `backups` (listing, restoring, damage vs wrong key), `perms` (files
//! open to others), `nofollow` (opening a name without following links).
//! `pin` (per-user trust: recipients, members and generation last seen) and
//! `sign` (team vaults: every save signed by a member).

pub mod audit;
mod backups;
mod crypto;
mod doc;
mod encrypted_key;
mod error;
mod fast;
mod lock;
pub(crate) mod nofollow;
mod paths;
mod perms;
mod pin;
mod sign;
mod store;
mod strength;

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::model::VaultData;
use backups::wrong_key_or_damage;
pub use backups::{Backup, all_backups, read_backup, restore_backup};
pub use encrypted_key::{KeyProtection, decrypt_identity, key_protection};
pub use error::VaultError;
pub(crate) use error::{damaged, io_err, not_found};
use lock::WriterLock;
pub use lock::{set_notice as set_lock_notice, set_wait as set_lock_wait};
pub use nofollow::{check_private_file, my_uid, open_private, read_private};
use paths::real_path;
use perms::check_identity_modes;
pub use perms::{allow_open_identity, check_identity_file, permission_warnings};
pub use pin::{Change, Review, fingerprint, state_dir};
pub use sign::{
    check_member, default_signing_key_path, ensure_signing_key, set_default_signing_key,
};
pub use strength::{WeakPassphrase, check_new_passphrase};

/// The lowest scrypt work factor a passphrase vault is written with (the
/// agent enforces it too).
pub const MIN_SCRYPT_LOG_N: u8 = crypto::MIN_SCRYPT_LOG_N;

/// The plaintext schema this build writes.
pub const SCHEMA_VERSION: u32 = 2;

/// How many encrypted backups are kept in `<vault>.backups/`.
pub const KEEP_BACKUPS: usize = store::KEEP_BACKUPS;

/// Something that can open a vault.
pub enum KeySource {
    /// An age identity file (`AGE-SECRET-KEY-1…` lines) or an unencrypted
    /// OpenSSH private key (ed25519 or rsa).
    IdentityFile(PathBuf),
    Passphrase(SecretString),
    /// The running agent (`regvault unlock`), which holds this vault's
    /// passphrase or decrypted identity and does the age operations.
    Agent(crate::agent::AgentKey),
}

impl KeySource {
    /// A second handle on the same key (the passphrase copied into a new
    /// secret), for `Vault::reopen`.
    fn duplicate(&self) -> KeySource {
        match self {
            KeySource::IdentityFile(p) => KeySource::IdentityFile(p.clone()),
            KeySource::Passphrase(s) => {
                use secrecy::ExposeSecret as _;
                KeySource::Passphrase(SecretString::from(s.expose_secret().to_owned()))
            }
            KeySource::Agent(k) => KeySource::Agent(k.clone()),
        }
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::IdentityFile(p) => f.debug_tuple("IdentityFile").field(p).finish(),
            KeySource::Passphrase(_) => f.write_str("Passphrase([redacted])"),
            KeySource::Agent(k) => f.debug_tuple("Agent").field(&k.vault).finish(),
        }
    }
}

/// How the vault is encrypted when saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Encryption {
    /// age recipients: `age1…`, `ssh-ed25519 …`, `ssh-rsa …`.
    Recipients(Vec<String>),
    /// age's scrypt passphrase mode.
    Passphrase,
}

pub struct Vault {
    path: PathBuf,
    data: VaultData,
    encryption: Encryption,
    /// Kept only for passphrase vaults, to re-encrypt on save.
    passphrase: Option<SecretString>,
    /// A passphrase vault opened through the agent: the agent re-encrypts
    /// (makes the scrypt stanza) on save; the passphrase never comes here.
    agent: Option<crate::agent::AgentKey>,
    newer_schema: Option<u32>,
    /// The file version this state came from (or last wrote): a save refuses
    /// if the file on disk is no longer that one.
    disk_stamp: Option<store::FileStamp>,
    /// `Some` for `open_locked`: held until the Vault drops.
    lock: Option<WriterLock>,
    /// Last plaintext length, to pre-size the next render.
    plaintext_len: usize,
    /// The scrypt work factor on disk (passphrase vaults): never lowered.
    scrypt_log_n: Option<u8>,
    /// The save counter read from (or last written to) the file; the next
    /// save writes one more. Pinned per user to notice a rollback.
    generation: u64,
    /// Team vaults: the members' signing keys; every save is signed by the
    /// writer, who must be one of them. Empty: an unsigned vault.
    members: Vec<String>,
    /// Who signed the version read (a member), for the pin's check.
    signer: Option<String>,
    /// The members of the version read or last written: only they may
    /// sign the next save, even one that changes `members`.
    members_on_disk: Vec<String>,
    /// This user's signing key (team vaults): `default_signing_key_path()`
    /// unless set (`set_signing_key`).
    signing_key: PathBuf,
    /// The audit log's key and the heads recorded at the last save.
    audit: audit::AuditRecords,
    /// What opened it, so `reopen` can read a newer version the same way
    /// (identity paths; a passphrase is kept in `passphrase` anyway).
    keys: Vec<KeySource>,
}

/// Shows the shape, never the credentials.
impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("encryption", &self.encryption)
            .field("registries", &self.data.registries.len())
            .field("containers", &self.data.containers.len())
            .field("newer_schema", &self.newer_schema)
            .field("locked", &self.lock.is_some())
            .finish_non_exhaustive()
    }
}

/// Checks an encryption setting can be used before anything is written.
fn check_encryption(
    enc: &Encryption,
    passphrase: Option<&SecretString>,
    agent: bool,
) -> Result<(), VaultError> {
    match enc {
        Encryption::Passphrase if passphrase.is_none() && !agent => {
            Err(VaultError::NeedsPassphrase)
        }
        Encryption::Passphrase => Ok(()),
        Encryption::Recipients(list) if list.is_empty() => Err(VaultError::NoRecipients),
        Encryption::Recipients(list) => list
            .iter()
            .try_for_each(|r| crypto::parse_recipient(r).map(drop)),
    }
}

impl Vault {
    /// Writes a new vault (atomically, under the lock). Refuses an existing
    /// file. The returned Vault does not hold the lock.
    pub fn create(
        path: &Path,
        data: VaultData,
        encryption: Encryption,
        passphrase: Option<SecretString>,
    ) -> Result<Vault, VaultError> {
        Self::create_team(path, data, encryption, passphrase, Vec::new())
    }

    /// `create`, for a team vault whose saves are signed: `members` are the
    /// signing public keys (`ed25519:…`) that may save it; the creator's own
    /// key (`default_signing_key_path`) must be one of them.
    pub fn create_team(
        path: &Path,
        data: VaultData,
        encryption: Encryption,
        passphrase: Option<SecretString>,
        members: Vec<String>,
    ) -> Result<Vault, VaultError> {
        check_encryption(&encryption, passphrase.as_ref(), false)?;
        match path.symlink_metadata() {
            // A dangling link is not followed: it may have been planted.
            Ok(meta) if meta.file_type().is_symlink() && !path.exists() => {
                return Err(io_err(
                    format!("cannot create the vault at {}", path.display()),
                    std::io::Error::other(
                        "it is a symbolic link to a file that does not exist; create the vault at the link's target, or remove the link",
                    ),
                ));
            }
            Ok(_) => return Err(VaultError::Exists(path.to_owned())),
            Err(_) => {}
        }
        store::create_parent_dirs(path)?;
        let lock = WriterLock::acquire(path)?;
        // Checked again under the lock: another `init` may have won the race.
        if path.symlink_metadata().is_ok() {
            return Err(VaultError::Exists(path.to_owned()));
        }
        // Backups here belong to an earlier vault whose file was lost:
        // this vault's saves must not rotate them away.
        store::set_aside_backups(path)?;
        let mut vault = Vault {
            path: path.to_owned(),
            data,
            encryption,
            passphrase,
            agent: None,
            newer_schema: None,
            disk_stamp: None,
            lock: None,
            plaintext_len: 0,
            scrypt_log_n: None,
            generation: 0,
            members_on_disk: Vec::new(),
            members,
            signer: None,
            signing_key: sign::default_signing_key_path(),
            audit: audit::AuditRecords::default(),
            keys: Vec::new(),
        };
        // A log left by an earlier vault here is under another key: this
        // vault's chain starts afresh beside it.
        audit::set_aside(path).map_err(|e| io_err("cannot set aside the earlier audit log", e))?;
        store::sweep_temps(path);
        vault.write()?;
        drop(lock);
        if let Some(log) = vault.audit_log() {
            let entry =
                audit::Entry::new(vault.audit_who(), audit::Action::Init, audit::Outcome::Ok);
            if let Err(e) = log.append(&entry) {
                audit::notice(&e);
            }
        }
        Ok(vault)
    }

    /// Opens for reading and optimistic editing: `save` takes the lock only
    /// for the write and refuses if someone else saved in between.
    pub fn open(path: &Path, keys: &[KeySource]) -> Result<Vault, VaultError> {
        Self::open_with(&real_path(path)?, keys, None)
    }

    /// Opens under the writer lock, held until the Vault drops: for a CLI
    /// read-modify-write that must not race another writer.
    pub fn open_locked(path: &Path, keys: &[KeySource]) -> Result<Vault, VaultError> {
        // Checked first so a typo'd path does not leave a lock file behind.
        if path.symlink_metadata().is_err() {
            return Err(not_found(path));
        }
        let path = &real_path(path)?;
        let lock = WriterLock::acquire(path)?;
        Self::open_with(path, keys, Some(lock))
    }

    fn open_with(
        path: &Path,
        keys: &[KeySource],
        lock: Option<WriterLock>,
    ) -> Result<Vault, VaultError> {
        let mut vault = Self::decode(path, keys)?;
        // Before anything is used or could be saved: a forged or rolled-back
        // file stops here (see `pin`).
        pin::check(path, &vault.seen())?;
        vault.lock = lock;
        Ok(vault)
    }

    /// Reads and decrypts without consulting the pin.
    fn decode(path: &Path, keys: &[KeySource]) -> Result<Vault, VaultError> {
        let (bytes, disk_stamp) = store::read_vault_stamped(path)?;
        let decrypted = match crypto::decrypt(path, &bytes, keys) {
            Err(VaultError::WrongKey) => return Err(wrong_key_or_damage(path, keys)),
            other => other?,
        };
        drop(bytes);
        check_identity_modes(keys)?;
        let text = std::str::from_utf8(&decrypted.plaintext)
            .map_err(|_| damaged(path, "the decrypted content is not UTF-8 text"))?;
        let bad_signature = |detail: String| VaultError::BadSignature {
            path: path.to_owned(),
            detail,
            backups: store::backups_dir(path),
        };
        let signer = sign::verify(text).map_err(bad_signature)?;
        let parsed = doc::parse(text).map_err(|e| match e {
            doc::DocError::Damaged(detail) => damaged(path, detail),
            doc::DocError::NewerUnreadable(found) => VaultError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            },
        })?;
        // A team vault is saved only by its members.
        if !parsed.members.is_empty() {
            match &signer {
                None => return Err(bad_signature("it is not signed".to_owned())),
                Some(s) if !parsed.members.contains(s) => {
                    return Err(bad_signature(format!(
                        "signed by {}, which is not a member",
                        pin::fingerprint(s)
                    )));
                }
                Some(_) => {}
            }
        }
        // A hand-made file may not say how it is encrypted; the header does.
        let encryption = parsed.encryption.unwrap_or(if decrypted.scrypt {
            Encryption::Passphrase
        } else {
            Encryption::Recipients(Vec::new())
        });
        Ok(Vault {
            path: path.to_owned(),
            data: parsed.data,
            encryption,
            passphrase: decrypted.passphrase,
            agent: decrypted.agent,
            newer_schema: (parsed.version > SCHEMA_VERSION).then_some(parsed.version),
            disk_stamp: Some(disk_stamp),
            lock: None,
            plaintext_len: decrypted.plaintext.len(),
            scrypt_log_n: decrypted.scrypt_log_n,
            generation: parsed.generation,
            members_on_disk: parsed.members.clone(),
            members: parsed.members,
            signer,
            signing_key: sign::default_signing_key_path(),
            audit: parsed.audit,
            keys: keys.iter().map(KeySource::duplicate).collect(),
        })
    }

    /// The keys this vault was opened with: a reopen reads the newest
    /// version with them, the TUI's undo a backup.
    #[must_use]
    pub fn keys(&self) -> &[KeySource] {
        &self.keys
    }

    /// The file on disk is no longer the version this state came from
    /// (another writer saved it, or it was replaced or removed). One
    /// `stat`, nothing read: cheap enough to poll.
    #[must_use]
    pub fn changed_on_disk(&self) -> bool {
        store::stamp(&self.path).map_or(true, |s| s != self.disk_stamp)
    }

    /// The newest version on disk, opened with the keys this one was opened
    /// with and through the same checks as `open` — decryption, a team
    /// vault's signature and members, the pin — so another writer's save
    /// is trusted exactly as much as at start. Keeps this one's signing
    /// key. `self` is untouched when it fails.
    pub fn reopen(&self) -> Result<Vault, VaultError> {
        let mut vault = Self::open_with(&self.path, &self.keys, None)?;
        vault.signing_key.clone_from(&self.signing_key);
        Ok(vault)
    }

    fn seen(&self) -> pin::Seen {
        pin::Seen::new(
            &self.encryption,
            self.generation,
            &self.members,
            self.signer.clone(),
        )
    }

    /// For `regvault trust`: decrypts the vault and compares it with what
    /// this user last saw of it, without refusing. Accepting the returned
    /// review pins exactly what it shows.
    pub fn review(path: &Path, keys: &[KeySource]) -> Result<Review, VaultError> {
        let vault = Self::decode(path, keys)?;
        Review::of(path, vault.seen())
    }

    /// Peeks at the age header only; no key needed. Only the header is
    /// read from the file: the body may be megabytes, and the credential
    /// helper asks this before each open (a whole second read of the file
    /// was a tenth of its `get`).
    pub fn is_passphrase_protected(path: &Path) -> Result<bool, VaultError> {
        let file = store::open_vault(path)?;
        crypto::is_scrypt(path, std::io::BufReader::new(file))
    }

    /// Encrypts and writes the current state. Refused for a newer schema,
    /// while another writer holds the lock, or if the file changed on disk
    /// since it was opened (no lost update).
    pub fn save(&mut self) -> Result<(), VaultError> {
        if let Some(found) = self.newer_schema {
            return Err(VaultError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        check_encryption(
            &self.encryption,
            self.passphrase.as_ref(),
            self.agent.is_some(),
        )?;
        let _save_lock = match self.lock {
            Some(_) => None,
            None => Some(WriterLock::acquire(&self.path)?),
        };
        // Even under a long-held lock: a non-regvault writer (a restored
        // backup, a sync tool) must not be silently overwritten.
        if store::stamp(&self.path)? != self.disk_stamp {
            return Err(VaultError::ChangedOnDisk);
        }
        store::sweep_temps(&self.path);
        self.write()
    }

    /// Renders, encrypts, writes. The caller holds the lock.
    fn write(&mut self) -> Result<(), VaultError> {
        let generation = self.generation + 1;
        // Every save records the log's head (and makes the key of a vault
        // saved before there was a log).
        let mut audit = self.audit.clone();
        audit.ensure_key();
        if let Some(log) = audit::Log::new(&self.path, &audit) {
            log.heads_for_save(&mut audit);
        }
        let plaintext = doc::render(
            &self.data,
            &self.encryption,
            generation,
            &self.members,
            &audit,
            self.plaintext_len,
        )
        .map_err(|e| io_err("cannot save the vault", std::io::Error::other(e)))?;
        let plaintext = if self.members.is_empty() {
            plaintext
        } else {
            let key_path = self.signing_key.clone();
            // A membership change is signed by a member of the version it
            // changes (and the signer stays a member: `sign` checks that).
            if !self.members_on_disk.is_empty() {
                // An unreadable key keeps its own error (encrypted, RSA, open).
                let own = if key_path.exists() {
                    Some(sign::public_key(&key_path)?)
                } else {
                    None
                };
                if !own
                    .as_ref()
                    .is_some_and(|k| self.members_on_disk.contains(k))
                {
                    return Err(VaultError::NotMember {
                        fingerprint: own
                            .map_or_else(|| "unreadable".to_owned(), |k| pin::fingerprint(&k)),
                        key: key_path,
                    });
                }
            }
            sign::sign(&plaintext, &key_path, &self.members)?
        };
        let ciphertext = crypto::encrypt(
            plaintext.as_bytes(),
            &self.encryption,
            self.passphrase.as_ref(),
            self.agent.as_ref(),
            self.scrypt_log_n,
        )?;
        self.scrypt_log_n = crypto::scrypt_log_n(&ciphertext);
        self.plaintext_len = plaintext.len();
        drop(plaintext);
        store::write_atomic(&self.path, &ciphertext)?;
        self.generation = generation;
        self.audit = audit;
        self.members_on_disk.clone_from(&self.members);
        if !self.members.is_empty() {
            // Our own signature: a member's (checked by `sign::sign`).
            self.signer = sign::public_of(&self.signing_key);
        }
        self.disk_stamp = store::stamp(&self.path)?;
        // What this user wrote is what they trust. The save itself has
        // happened: a pin that cannot be written is caught by the next open.
        let _ = pin::record(&self.path, &self.seen());
        Ok(())
    }

    /// The audit log, once the vault has a log key (made at its first save
    /// by this build).
    pub fn audit_log(&self) -> Option<audit::Log> {
        audit::Log::new(&self.path, &self.audit)
    }

    /// Appends `entries` to the audit log and saves, so the save records
    /// the head that includes them. A save that then fails appends a
    /// `failed` entry saying why. Logging problems do not stop the save:
    /// they are returned beside its result for the caller to tell.
    pub fn save_recording(
        &mut self,
        entries: &[audit::Entry],
    ) -> (Result<(), VaultError>, Option<audit::AuditError>) {
        self.audit.ensure_key();
        let log = audit::Log::new(&self.path, &self.audit);
        let mut problem = None;
        if let Some(log) = &log {
            for e in entries {
                if let Err(p) = log.append(e) {
                    problem.get_or_insert(p);
                }
            }
        }
        let saved = self.save();
        if let (Err(e), Some(log), Some(first)) = (&saved, &log, entries.first()) {
            let mut failed = first
                .clone()
                .failed(&format!("the vault was not saved: {e}"));
            failed.at = jiff::Timestamp::now();
            if let Err(p) = log.append(&failed) {
                problem.get_or_insert(p);
            }
        }
        (saved, problem)
    }

    /// This user as the log records them (see `acting_user`).
    pub fn audit_who(&self) -> audit::Who {
        audit::Who::current(self.acting_user(&crate::model::current_user()))
    }

    pub fn data(&self) -> &VaultData {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut VaultData {
        &mut self.data
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn encryption(&self) -> &Encryption {
        &self.encryption
    }

    /// Re-keys the vault (add a team member, switch to a passphrase); takes
    /// effect at the next `save`. `passphrase` is needed for
    /// `Encryption::Passphrase` and ignored otherwise.
    pub fn set_encryption(
        &mut self,
        encryption: Encryption,
        passphrase: Option<SecretString>,
    ) -> Result<(), VaultError> {
        let passphrase = match encryption {
            Encryption::Passphrase => passphrase,
            Encryption::Recipients(_) => None,
        };
        check_encryption(&encryption, passphrase.as_ref(), false)?;
        self.encryption = encryption;
        self.passphrase = passphrase;
        // A new passphrase or recipients: the agent's key is the old one.
        self.agent = None;
        Ok(())
    }

    /// Removes this vault's backups (and, with `earlier`, those of earlier
    /// vaults at its path), under the writer lock: after a re-key, the old
    /// backups are still encrypted to the old recipients. Returns how many
    /// files were removed.
    pub fn purge_backups(&self, earlier: bool) -> Result<usize, VaultError> {
        let _lock = match self.lock {
            Some(_) => None,
            None => Some(WriterLock::acquire(&self.path)?),
        };
        store::purge_backups(&self.path, earlier)
    }

    /// Who is acting, as recorded as a registry's creator and checked by
    /// "only the creator": in a team vault the user `name` and the
    /// fingerprint of their signing key, `name (sha256:…)` — the key, not
    /// the name, is what the rule compares. Elsewhere just `name`.
    pub fn acting_user(&self, name: &str) -> String {
        if self.members.is_empty() {
            return name.to_owned();
        }
        match sign::public_of(&self.signing_key) {
            Some(key) if self.members.contains(&key) => {
                format!("{name} ({})", pin::fingerprint(&key))
            }
            _ => name.to_owned(),
        }
    }

    /// Changes the members of a team vault; takes effect (signed by this
    /// user, who must stay a member) at the next `save`.
    pub fn set_members(&mut self, members: Vec<String>) -> Result<(), VaultError> {
        let mut checked = Vec::with_capacity(members.len());
        for m in members {
            let m = sign::check_member(&m)?;
            if !checked.contains(&m) {
                checked.push(m);
            }
        }
        self.members = checked;
        Ok(())
    }

    /// Signs this vault's saves with the key at `path` instead of
    /// `default_signing_key_path()` (a caller that knows the user's key
    /// without the environment: the operations layer, tests).
    pub fn set_signing_key(&mut self, path: PathBuf) {
        self.signing_key = path;
    }

    /// Team vaults: the members' signing public keys (empty for an unsigned vault).
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// `true` for a Vault from `open_locked`, which holds the writer lock.
    pub fn holds_lock(&self) -> bool {
        self.lock.is_some()
    }

    /// `Some(version)` when the file's schema is newer than this build: saving is refused.
    pub fn newer_schema(&self) -> Option<u32> {
        self.newer_schema
    }
}

/// "No vault at …", saying so when backups of one exist (and pointing at
/// `regvault restore`).
pub fn not_found_error(path: &Path) -> VaultError {
    not_found(path)
}

/// Writes a new X25519 identity (0600, parent dirs 0700) and returns its public recipient `age1…`.
pub fn generate_identity(path: &Path) -> Result<String, VaultError> {
    if path.symlink_metadata().is_ok() {
        return Err(VaultError::Exists(path.to_owned()));
    }
    store::create_parent_dirs(path)?;
    let (text, public) = crypto::new_identity_text();
    let mut file = store::create_new_private(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => VaultError::Exists(path.to_owned()),
        _ => io_err(format!("cannot create {}", path.display()), e),
    })?;
    let written =
        std::io::Write::write_all(&mut file, text.as_bytes()).and_then(|()| file.sync_all());
    if let Err(e) = written {
        // A half-written identity is worse than none.
        let _ = std::fs::remove_file(path);
        return Err(io_err(format!("cannot write {}", path.display()), e));
    }
    if let Some(dir) = path.parent() {
        store::sync_dir(dir);
    }
    Ok(public)
}

/// The public recipient(s) of an identity file (age identity or SSH private key).
/// For SSH keys the public key is derived from the private key itself, so
/// no `.pub` file is needed.
pub fn identity_recipients(path: &Path) -> Result<Vec<String>, VaultError> {
    crypto::identity_recipients(path)
}

/// Parses a recipients file: one per line, `#` comments and blank lines ignored; each validated.
pub fn parse_recipients(text: &str) -> Result<Vec<String>, VaultError> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        crypto::parse_recipient(line)?;
        if !out.iter().any(|r| r == line) {
            out.push(line.to_owned());
        }
    }
    Ok(out)
}

/// The encrypted backups kept beside the vault, newest first.
pub fn backups(path: &Path) -> Vec<PathBuf> {
    store::list_backups(&real_path(path).unwrap_or_else(|_| path.to_owned()))
}

/// The directory holding the backups: `<vault>.backups/`.
pub fn backups_dir(path: &Path) -> PathBuf {
    store::backups_dir(path)
}

/// `$REGVAULT_VAULT`, else `$XDG_DATA_HOME/regvault/vault.age` (default `~/.local/share`).
pub fn default_vault_path() -> PathBuf {
    paths::default_vault_path()
}

/// `$XDG_CONFIG_HOME/regvault/identity.txt` (default `~/.config`).
pub fn default_identity_path() -> PathBuf {
    paths::default_identity_path()
}
