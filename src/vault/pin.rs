//! Trust on first use for vault files. Per-user state outside the vault
//! (`$XDG_STATE_HOME/regvault/`, default `~/.local/state/regvault/`; a
//! 0700 directory of 0600 files) keeps, per vault path (canonical), the set
//! of recipients the vault encrypts to and the highest generation seen
//! (a counter inside the encrypted vault that every save increments).
//!
//! A vault whose recipients changed since this user last saw it (someone
//! who can write the directory wrote a vault that also encrypts to them),
//! or whose generation went backwards (an old backup copied over it), is
//! refused until the user accepts the change with `regvault trust`.
//!
//! The recipients are public keys, so the state holds nothing secret.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Encryption, VaultError, io_err, store};

/// How a passphrase vault's "recipient set" is recorded.
const PASSPHRASE: &str = "passphrase (scrypt)";

/// What one look at a vault showed: whom it encrypts to and its generation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Seen {
    pub generation: u64,
    /// Sorted and de-duplicated; a passphrase vault is `[PASSPHRASE]`.
    pub recipients: Vec<String>,
    /// Team vaults: the members' signing keys, sorted (empty: unsigned vault).
    pub members: Vec<String>,
    /// Who signed this version (checked against `members` already); not pinned.
    pub signer: Option<String>,
}

impl Seen {
    pub(crate) fn new(
        encryption: &Encryption,
        generation: u64,
        members: &[String],
        signer: Option<String>,
    ) -> Seen {
        let mut recipients: Vec<String> = match encryption {
            Encryption::Passphrase => vec![PASSPHRASE.to_owned()],
            Encryption::Recipients(list) => list.iter().map(|r| r.trim().to_owned()).collect(),
        };
        recipients.sort_unstable();
        recipients.dedup();
        let mut members: Vec<String> = members.iter().map(|m| m.trim().to_owned()).collect();
        members.sort_unstable();
        members.dedup();
        Seen {
            generation,
            recipients,
            members,
            signer,
        }
    }
}

/// The pin file's content.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinFile {
    /// The canonical vault path, for a person reading the state directory.
    path: String,
    generation: u64,
    recipients: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    members: Vec<String>,
}

/// `sha256:` and the first 16 hex digits of the recipient's SHA-256.
pub fn fingerprint(recipient: &str) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(recipient.trim().as_bytes());
    let mut out = String::from("sha256:");
    for b in &digest[..8] {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A recipient as a person recognises it: its fingerprint and the key's
/// start and end (recipients are public).
fn describe(recipient: &str) -> String {
    if recipient == PASSPHRASE {
        return recipient.to_owned();
    }
    let chars: Vec<char> = recipient.chars().collect();
    let short = if chars.len() > 28 {
        let head: String = chars[..16].iter().collect();
        let tail: String = chars[chars.len() - 8..].iter().collect();
        format!("{head}…{tail}")
    } else {
        recipient.to_owned()
    };
    format!("{} ({short})", fingerprint(recipient))
}

/// How a vault differs from what this user last saw of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// `(found, seen)` when the generation went backwards.
    pub rolled_back: Option<(u64, u64)>,
    /// Signing keys added to / removed from a team vault's members in a save
    /// not signed by a member this user trusted (a member's own change is
    /// accepted: membership changes are signed by an existing member).
    pub members_added: Vec<String>,
    pub members_removed: Vec<String>,
}

impl Change {
    fn between(pinned: &Seen, found: &Seen) -> Option<Change> {
        let added: Vec<String> = found
            .recipients
            .iter()
            .filter(|r| !pinned.recipients.contains(r))
            .cloned()
            .collect();
        let removed: Vec<String> = pinned
            .recipients
            .iter()
            .filter(|r| !found.recipients.contains(r))
            .cloned()
            .collect();
        let rolled_back =
            (found.generation < pinned.generation).then_some((found.generation, pinned.generation));
        let by_a_member = found
            .signer
            .as_ref()
            .is_some_and(|s| pinned.members.contains(s));
        let (members_added, members_removed) = if by_a_member {
            (Vec::new(), Vec::new())
        } else {
            (
                found
                    .members
                    .iter()
                    .filter(|m| !pinned.members.contains(m))
                    .cloned()
                    .collect(),
                pinned
                    .members
                    .iter()
                    .filter(|m| !found.members.contains(m))
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        };
        let changed = !added.is_empty()
            || !removed.is_empty()
            || rolled_back.is_some()
            || !members_added.is_empty()
            || !members_removed.is_empty();
        changed.then_some(Change {
            added,
            removed,
            rolled_back,
            members_added,
            members_removed,
        })
    }
}

/// One line: what changed (recipients by fingerprint, the generation).
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.added.is_empty() {
            let list: Vec<String> = self.added.iter().map(|r| describe(r)).collect();
            parts.push(format!("recipients added: {}", list.join(", ")));
        }
        if !self.removed.is_empty() {
            let list: Vec<String> = self.removed.iter().map(|r| describe(r)).collect();
            parts.push(format!("recipients removed: {}", list.join(", ")));
        }
        if !self.members_added.is_empty() {
            let list: Vec<String> = self.members_added.iter().map(|r| describe(r)).collect();
            parts.push(format!(
                "signing members added without a member's signature: {}",
                list.join(", ")
            ));
        }
        if !self.members_removed.is_empty() {
            let list: Vec<String> = self.members_removed.iter().map(|r| describe(r)).collect();
            parts.push(format!(
                "signing members removed without a member's signature: {}",
                list.join(", ")
            ));
        }
        if let Some((found, seen)) = self.rolled_back {
            parts.push(format!(
                "rolled back: it is save #{found}, but you have already seen save #{seen} \
                 (an older copy, such as a backup, was put in its place)"
            ));
        }
        f.write_str(&parts.join("; "))
    }
}

/// The directory holding the pins: `$XDG_STATE_HOME/regvault`, else
/// `$HOME/.local/state/regvault`.
pub fn state_dir() -> PathBuf {
    state_dir_from(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
}

fn state_dir_from(
    xdg_state_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> PathBuf {
    xdg_state_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| {
            home.map(PathBuf::from)
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."))
                .join(".local/state")
        })
        .join("regvault")
}

/// The vault's path as pinned: canonical when it exists, else absolute.
fn canonical(vault: &Path) -> PathBuf {
    fs::canonicalize(vault).unwrap_or_else(|_| {
        std::env::current_dir().map_or_else(|_| vault.to_owned(), |d| d.join(vault))
    })
}

fn pin_path(dir: &Path, canonical: &Path) -> PathBuf {
    use std::fmt::Write as _;
    use std::os::unix::ffi::OsStrExt;
    let digest = Sha256::digest(canonical.as_os_str().as_bytes());
    let mut name = String::from("pin-");
    for b in digest {
        let _ = write!(name, "{b:02x}");
    }
    name.push_str(".toml");
    dir.join(name)
}

fn state_err(what: &str, path: &Path, e: io::Error) -> VaultError {
    io_err(
        format!(
            "cannot {what} the vault's trust record {} (regvault keeps it to notice a forged or rolled-back vault)",
            path.display()
        ),
        e,
    )
}

/// Refuses a state directory others may write: they could plant pins.
fn check_dir(dir: &Path) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    match fs::metadata(dir) {
        Ok(meta) if meta.permissions().mode() & 0o022 != 0 => Err(state_err(
            "trust",
            dir,
            io::Error::other(format!(
                "the directory is writable by other users (mode {:o}); run `chmod 700 {}`",
                meta.permissions().mode() & 0o777,
                dir.display()
            )),
        )),
        _ => Ok(()),
    }
}

/// The pin, `None` when there is none (or, when `lenient`, when it cannot be parsed).
fn load(dir: &Path, canonical: &Path, lenient: bool) -> Result<Option<Seen>, VaultError> {
    let file = pin_path(dir, canonical);
    let text = match fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(state_err("read", &file, e)),
    };
    let pin: PinFile = match toml::from_str(&text) {
        Ok(pin) => pin,
        Err(_) if lenient => return Ok(None),
        Err(_) => {
            return Err(state_err(
                "read",
                &file,
                io::Error::other(
                    "it is not a regvault pin file; run `regvault trust` to replace it",
                ),
            ));
        }
    };
    Ok(Some(Seen {
        generation: pin.generation,
        recipients: pin.recipients,
        members: pin.members,
        signer: None,
    }))
}

fn store_pin(dir: &Path, canonical: &Path, seen: &Seen) -> Result<(), VaultError> {
    use std::os::unix::fs::DirBuilderExt;
    let file = pin_path(dir, canonical);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| state_err("create", dir, e))?;
    check_dir(dir)?;
    let text = toml::to_string(&PinFile {
        path: canonical.display().to_string(),
        generation: seen.generation,
        recipients: seen.recipients.clone(),
        members: seen.members.clone(),
    })
    .map_err(|e| state_err("write", &file, io::Error::other(e.to_string())))?;
    let nanos = jiff::Timestamp::now().subsec_nanosecond();
    let temp = dir.join(format!(".pin.tmp.{}.{nanos:09}", std::process::id()));
    let write = || -> io::Result<()> {
        let mut f = store::create_new_private(&temp)?;
        // No fsync: a pin lost in a crash only means the next open moves
        // it on again, and saves stay as fast as they were.
        f.write_all(text.as_bytes())?;
        fs::rename(&temp, &file)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&temp);
        state_err("write", &file, e)
    })
}

/// On open: the first look pins the vault (trust on first use); a newer
/// generation moves the pin on; a change of recipients or an older
/// generation is refused, saying what changed and how to accept it.
pub(crate) fn check(vault: &Path, found: &Seen) -> Result<(), VaultError> {
    let dir = state_dir();
    check_dir(&dir)?;
    let canonical = canonical(vault);
    match load(&dir, &canonical, false)? {
        None => store_pin(&dir, &canonical, found),
        Some(pinned) => {
            if let Some(change) = Change::between(&pinned, found) {
                return Err(VaultError::Untrusted {
                    path: vault.to_owned(),
                    change: change.to_string(),
                });
            }
            if found.generation > pinned.generation || found.members != pinned.members {
                store_pin(&dir, &canonical, found)?;
            }
            Ok(())
        }
    }
}

/// After this user wrote the vault (create, save): what they wrote is what
/// they trust.
pub(crate) fn record(vault: &Path, written: &Seen) -> Result<(), VaultError> {
    let dir = state_dir();
    check_dir(&dir)?;
    store_pin(&dir, &canonical(vault), written)
}

/// What `regvault trust` shows before it asks.
#[derive(Clone, Debug)]
pub struct Review {
    pub(crate) path: PathBuf,
    pub(crate) found: Seen,
    /// `None` on the first look at this vault.
    pub(crate) pinned: Option<Seen>,
}

impl Review {
    pub(crate) fn of(vault: &Path, found: Seen) -> Result<Review, VaultError> {
        let dir = state_dir();
        check_dir(&dir)?;
        // A pin file that cannot be parsed (damaged) is shown as a first
        // look, so `trust` can replace it.
        let pinned = load(&dir, &canonical(vault), true)?;
        Ok(Review {
            path: vault.to_owned(),
            found,
            pinned,
        })
    }

    /// `None` when the vault is as this user last saw it (or newer, with the same recipients).
    pub fn change(&self) -> Option<Change> {
        self.pinned
            .as_ref()
            .and_then(|p| Change::between(p, &self.found))
    }

    /// `true` on the first look at this vault: nothing is pinned yet.
    pub fn first_look(&self) -> bool {
        self.pinned.is_none()
    }

    pub fn generation(&self) -> u64 {
        self.found.generation
    }

    /// The recipients the vault encrypts to now, each with its fingerprint.
    pub fn recipients(&self) -> Vec<String> {
        self.found.recipients.iter().map(|r| describe(r)).collect()
    }

    /// Pins exactly what was reviewed (not what the file may hold by now).
    pub fn accept(&self) -> Result<(), VaultError> {
        record(&self.path, &self.found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_recipients_by_fingerprint_and_rollbacks() {
        let a = "age1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let b = "age1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        let pinned = Seen::new(&Encryption::Recipients(vec![a.into()]), 5, &[], None);
        let same_newer = Seen::new(
            &Encryption::Recipients(vec![a.into(), a.into()]),
            9,
            &[],
            None,
        );
        assert_eq!(Change::between(&pinned, &same_newer), None);
        let forged = Seen::new(
            &Encryption::Recipients(vec![b.into(), a.into()]),
            99,
            &[],
            None,
        );
        let change = Change::between(&pinned, &forged).unwrap();
        assert_eq!(change.added, [b]);
        let text = change.to_string();
        assert!(text.contains(&fingerprint(b)), "{text}");
        assert!(text.starts_with("recipients added: sha256:"), "{text}");
        let old = Seen::new(&Encryption::Recipients(vec![a.into()]), 3, &[], None);
        let change = Change::between(&pinned, &old).unwrap();
        assert_eq!(change.rolled_back, Some((3, 5)));
        let pass = Seen::new(&Encryption::Passphrase, 6, &[], None);
        let change = Change::between(&pinned, &pass).unwrap();
        assert!(
            change.to_string().contains("recipients removed"),
            "{change}"
        );
    }

    #[test]
    fn members_change_only_by_a_trusted_member() {
        let r = Encryption::Recipients(vec!["age1x".into()]);
        let (m1, m2) = ("ed25519:one".to_owned(), "ed25519:two".to_owned());
        let pinned = Seen::new(&r, 1, std::slice::from_ref(&m1), None);
        let by_member = Seen::new(&r, 2, &[m1.clone(), m2.clone()], Some(m1.clone()));
        assert_eq!(Change::between(&pinned, &by_member), None);
        let by_newcomer = Seen::new(&r, 2, &[m1.clone(), m2.clone()], Some(m2.clone()));
        let change = Change::between(&pinned, &by_newcomer).unwrap();
        assert_eq!(change.members_added, [m2]);
        // Dropping the signatures altogether is a change too.
        let unsigned = Seen::new(&r, 3, &[], None);
        let change = Change::between(&pinned, &unsigned).unwrap();
        assert_eq!(change.members_removed, [m1]);
    }

    #[test]
    fn state_dir_follows_xdg() {
        assert_eq!(
            state_dir_from(Some("/s".into()), Some("/h".into())),
            PathBuf::from("/s/regvault")
        );
        assert_eq!(
            state_dir_from(Some("rel".into()), Some("/h".into())),
            PathBuf::from("/h/.local/state/regvault")
        );
    }
}
