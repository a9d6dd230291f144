//! age on both sides of the file: loading identities (age X25519 files and
//! unencrypted OpenSSH keys), parsing recipients, encrypting, decrypting,
//! and turning age's errors into `VaultError`s a user can act on.
//!
//! Plaintext only ever sits in `Zeroizing` buffers here, and no error built
//! here quotes key material or vault content.

use std::io::{self, BufRead, Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::SecretString;
use age::{DecryptError, Decryptor, Encryptor};
use zeroize::Zeroizing;

use super::{Encryption, KeySource, VaultError, damaged, io_err};
use crate::agent::AgentKey;
use crate::agent::client::{AgentIdentity, AgentRecipient, AgentTrouble};

/// An encryption error that came from the agent, as its own error.
fn agent_error(message: &str) -> Option<VaultError> {
    if message.contains(crate::agent::LOCKED) {
        Some(VaultError::AgentLocked)
    } else if message.contains("agent") {
        Some(VaultError::Agent(message.to_owned()))
    } else {
        None
    }
}

/// Identity files are a few lines; anything bigger is not one, and reading
/// it whole into memory would be silly.
const MAX_IDENTITY_BYTES: u64 = 1 << 20;

/// What an identity file turned out to hold.
pub(crate) enum IdentityContents {
    Age(age::IdentityFile<age::NoCallbacks>),
    Ssh(age::ssh::Identity),
}

fn bad_identity(path: &Path, reason: impl Into<String>) -> VaultError {
    VaultError::BadIdentity {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// `UnsupportedKey` only offers a formatter-taking `display`.
struct Unsupported<'a>(&'a age::ssh::UnsupportedKey);
impl std::fmt::Display for Unsupported<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.display(f, None)
    }
}

pub(crate) fn read_identity(path: &Path) -> Result<IdentityContents, VaultError> {
    let file = std::fs::File::open(path).map_err(|e| {
        bad_identity(
            path,
            match e.kind() {
                io::ErrorKind::NotFound => "no such file".to_owned(),
                _ => e.to_string(),
            },
        )
    })?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(4096));
    file.take(MAX_IDENTITY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad_identity(path, e.to_string()))?;
    if bytes.len() as u64 > MAX_IDENTITY_BYTES {
        return Err(bad_identity(path, "too large to be an identity file"));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| bad_identity(path, "not a text file"))?;
    let trimmed = text.trim_start();

    if trimmed.starts_with("age-encryption.org/") || trimmed.contains("BEGIN AGE ENCRYPTED FILE") {
        return Err(bad_identity(
            path,
            "it is a passphrase-protected age identity: run `regvault unlock` (the agent keeps it \
             decrypted), or use an unencrypted one",
        ));
    }
    if trimmed.starts_with("ssh-") || trimmed.starts_with("age1") {
        return Err(bad_identity(
            path,
            "this is a public key (recipient); give the private key or identity file",
        ));
    }
    if trimmed.starts_with("-----BEGIN") {
        let name = path.display().to_string();
        return match age::ssh::Identity::from_buffer(text.as_bytes(), Some(name)) {
            Ok(id @ age::ssh::Identity::Unencrypted(_)) => Ok(IdentityContents::Ssh(id)),
            Ok(age::ssh::Identity::Encrypted(_)) => Err(bad_identity(
                path,
                "the SSH key is protected by a passphrase: run `regvault unlock` (the agent keeps \
                 it decrypted), or use an unencrypted key or an age identity",
            )),
            Ok(age::ssh::Identity::Unsupported(k)) => {
                Err(bad_identity(path, Unsupported(&k).to_string()))
            }
            Err(_) => Err(bad_identity(path, "not a valid OpenSSH private key")),
        };
    }
    // age's own parser reports a line number, never the line.
    let file = age::IdentityFile::from_buffer(text.as_bytes())
        .map_err(|e| bad_identity(path, e.to_string()))?;
    Ok(IdentityContents::Age(file))
}

fn load_identities(path: &Path) -> Result<Vec<Box<dyn age::Identity>>, VaultError> {
    match read_identity(path)? {
        IdentityContents::Ssh(id) => Ok(vec![Box::new(id)]),
        IdentityContents::Age(file) => {
            let ids = file
                .into_identities()
                .map_err(|e| bad_identity(path, e.to_string()))?;
            if ids.is_empty() {
                return Err(bad_identity(
                    path,
                    "it contains no identities (AGE-SECRET-KEY-1… lines)",
                ));
            }
            Ok(ids
                .into_iter()
                .map(|i| i as Box<dyn age::Identity>)
                .collect())
        }
    }
}

/// The public recipients matching an identity file.
pub(crate) fn identity_recipients(path: &Path) -> Result<Vec<String>, VaultError> {
    match read_identity(path)? {
        IdentityContents::Ssh(id) => age::ssh::Recipient::try_from(id)
            .map(|r| vec![r.to_string()])
            .map_err(|e| bad_identity(path, format!("cannot derive its public key: {e:?}"))),
        IdentityContents::Age(file) => {
            let mut out = Vec::new();
            file.write_recipients_file(&mut out)
                .map_err(|e| bad_identity(path, e.to_string()))?;
            let text = String::from_utf8(out).map_err(|_| bad_identity(path, "not UTF-8"))?;
            Ok(text.lines().map(str::to_owned).collect())
        }
    }
}

/// Parses one recipient. Recipients are public, so the error may quote it.
pub(crate) fn parse_recipient(s: &str) -> Result<Box<dyn age::Recipient + Send>, VaultError> {
    let s = s.trim();
    let bad = || VaultError::BadRecipient(s.to_owned());
    if s.starts_with("age1") {
        age::x25519::Recipient::from_str(s)
            .map(|r| Box::new(r) as _)
            .map_err(|_| bad())
    } else if s.starts_with("ssh-") {
        age::ssh::Recipient::from_str(s)
            .map(|r| Box::new(r) as _)
            .map_err(|_| bad())
    } else {
        Err(bad())
    }
}

/// The lowest scrypt work factor (as log2 N) a passphrase vault is written
/// with. age calibrates to about a second of this machine's time, which
/// under CPU load fell to 2^16: a quarter of the cost for a guesser.
pub(crate) const MIN_SCRYPT_LOG_N: u8 = 18;

/// The work factor for a save: this machine's calibration, but never below
/// `MIN_SCRYPT_LOG_N` nor below the factor the file already has (a save
/// under load must not weaken the vault on disk).
pub(crate) fn scrypt_work_factor(calibrated: u8, current: Option<u8>) -> u8 {
    calibrated
        .max(MIN_SCRYPT_LOG_N)
        .max(current.unwrap_or(0))
        .min(63)
}

/// About one second of scrypt on this machine, as age picks it (its own
/// calibration is private): time a small factor, double up to a second.
fn calibrated_scrypt_log_n() -> u8 {
    let time = |log_n: u8| {
        let params = scrypt::Params::new(log_n, 8, 1, 32).ok()?;
        let mut out = [0u8; 32];
        let start = std::time::Instant::now();
        scrypt::scrypt(&[], &[], &params, &mut out).ok()?;
        Some(start.elapsed())
    };
    let mut log_n = 10;
    let mut took = time(log_n);
    while took.is_some_and(|d| d.is_zero()) && log_n < 20 {
        log_n += 1;
        took = time(log_n);
    }
    let Some(mut d) = took else {
        return MIN_SCRYPT_LOG_N;
    };
    while d < std::time::Duration::from_secs(1) && log_n < 40 {
        log_n += 1;
        d *= 2;
    }
    log_n
}

/// The scrypt work factor in an age header (`-> scrypt SALT LOG_N`), for a
/// passphrase vault; `None` for any other file.
pub(crate) fn scrypt_log_n(bytes: &[u8]) -> Option<u8> {
    let mut header = Vec::new();
    let read = with_reader(bytes, |r| {
        // The header is text lines up to `---`; stanza bodies are short.
        let mut line = Vec::new();
        for _ in 0..64 {
            line.clear();
            if r.take(4096).read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                break;
            }
            if line.starts_with(b"---") {
                break;
            }
            header.extend_from_slice(&line);
        }
        Ok(())
    });
    read.ok()?;
    let text = std::str::from_utf8(&header).ok()?;
    text.lines().find_map(|l| {
        let mut args = l.strip_prefix("-> scrypt ")?.split(' ');
        let _salt = args.next()?;
        args.next()?.parse().ok()
    })
}

/// Encrypts `plaintext` (binary age format: smaller and faster than armor).
/// `current_log_n` is the scrypt work factor of the file being replaced.
/// `agent` stands in for the passphrase of a vault opened through the
/// agent: it makes the scrypt stanza at the same work factor.
pub(crate) fn encrypt(
    plaintext: &[u8],
    encryption: &Encryption,
    passphrase: Option<&SecretString>,
    agent: Option<&AgentKey>,
    current_log_n: Option<u8>,
) -> Result<Vec<u8>, VaultError> {
    encrypt_with(
        plaintext,
        encryption,
        (passphrase, agent),
        current_log_n,
        calibrated_scrypt_log_n,
    )
}

fn encrypt_with(
    plaintext: &[u8],
    encryption: &Encryption,
    (passphrase, agent): (Option<&SecretString>, Option<&AgentKey>),
    current_log_n: Option<u8>,
    calibrate: impl FnOnce() -> u8,
) -> Result<Vec<u8>, VaultError> {
    let encryptor = match encryption {
        Encryption::Passphrase => {
            let log_n = scrypt_work_factor(calibrate(), current_log_n);
            let recipient: Box<dyn age::Recipient> = match (passphrase, agent) {
                (Some(pass), _) => {
                    let mut r = age::scrypt::Recipient::new(pass.clone());
                    r.set_work_factor(log_n);
                    Box::new(r)
                }
                (None, Some(key)) => Box::new(AgentRecipient {
                    key: key.clone(),
                    log_n,
                }),
                (None, None) => return Err(VaultError::NeedsPassphrase),
            };
            Encryptor::with_recipients(std::iter::once(recipient.as_ref())).map_err(|e| {
                match agent_error(&e.to_string()) {
                    Some(err) => err,
                    None => io_err("encrypting the vault", io::Error::other(e.to_string())),
                }
            })?
        }
        Encryption::Recipients(list) => {
            if list.is_empty() {
                return Err(VaultError::NoRecipients);
            }
            let recipients = list
                .iter()
                .map(|r| parse_recipient(r))
                .collect::<Result<Vec<_>, _>>()?;
            Encryptor::with_recipients(recipients.iter().map(|r| r.as_ref() as _))
                .map_err(|e| io_err("encrypting the vault", io::Error::other(e.to_string())))?
        }
    };
    // 16 bytes of tag per 64 KiB chunk, plus a header of a few hundred bytes.
    let mut out = Vec::with_capacity(plaintext.len() + plaintext.len() / 4096 + 4096);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| io_err("encrypting the vault", e))?;
    writer
        .write_all(plaintext)
        .and_then(|()| writer.finish().map(drop))
        .map_err(|e| io_err("encrypting the vault", e))?;
    Ok(out)
}

/// A decrypted vault and how it was protected.
pub(crate) struct Decrypted {
    pub plaintext: Zeroizing<Vec<u8>>,
    pub scrypt: bool,
    /// The passphrase that opened it, kept to re-encrypt on save.
    pub passphrase: Option<SecretString>,
    /// Its scrypt work factor (passphrase vaults): a save never goes below it.
    pub scrypt_log_n: Option<u8>,
    /// A passphrase vault opened through the agent, which re-encrypts it.
    pub agent: Option<AgentKey>,
}

fn header_error(path: &Path, e: DecryptError) -> VaultError {
    let detail = match e {
        DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            "it ends inside the age header (truncated)".to_owned()
        }
        DecryptError::InvalidHeader => "the age header is malformed".to_owned(),
        DecryptError::UnknownFormat => {
            "it is not an age file, or uses an age version this build does not know".to_owned()
        }
        DecryptError::InvalidMac => "the age header's MAC does not match (altered)".to_owned(),
        other => format!("cannot read the age header: {other}"),
    };
    damaged(path, detail)
}

fn unwrap_error(path: &Path, e: DecryptError) -> VaultError {
    match e {
        // DecryptionFailed is what a wrong passphrase gives (the scrypt
        // stanza fails to open); NoMatchingKeys is a wrong identity.
        DecryptError::NoMatchingKeys
        | DecryptError::DecryptionFailed
        | DecryptError::KeyDecryptionFailed => VaultError::WrongKey,
        DecryptError::InvalidMac => damaged(path, "the age header's MAC does not match (altered)"),
        DecryptError::ExcessiveWork { required, target } => damaged(
            path,
            format!(
                "its passphrase work factor (2^{required}) is far above this machine's \
                 (2^{target}); refusing to spend that long"
            ),
        ),
        other => header_error(path, other),
    }
}

fn stream_error(path: &Path, e: &io::Error) -> VaultError {
    let detail = if e.kind() == io::ErrorKind::UnexpectedEof {
        "truncated: the encrypted payload ends early"
    } else {
        "truncated or altered: the encrypted payload failed authentication"
    };
    damaged(path, detail)
}

/// Whether the file is passphrase-encrypted (age scrypt), reading only its
/// header from `r`.
pub(crate) fn is_scrypt(path: &Path, mut r: impl BufRead) -> Result<bool, VaultError> {
    let armored = r
        .fill_buf()
        .map_err(|e| header_error(path, DecryptError::Io(e)))?
        .starts_with(b"-----BEGIN");
    let d = if armored {
        Decryptor::new_buffered(age::armor::ArmoredReader::new(r)).map(|d| d.is_scrypt())
    } else {
        Decryptor::new_buffered(r).map(|d| d.is_scrypt())
    };
    d.map_err(|e| header_error(path, e))
}

/// Armored vaults (someone ran `age -a` by hand) are accepted; binary ones,
/// which regvault writes, skip the armor layer entirely.
fn with_reader<T>(
    bytes: &[u8],
    f: impl FnOnce(&mut dyn BufRead) -> Result<T, VaultError>,
) -> Result<T, VaultError> {
    if bytes.starts_with(b"-----BEGIN") {
        f(&mut age::armor::ArmoredReader::new(bytes))
    } else {
        f(&mut &bytes[..])
    }
}

pub(crate) fn decrypt(
    path: &Path,
    bytes: &[u8],
    keys: &[KeySource],
) -> Result<Decrypted, VaultError> {
    with_reader(bytes, |r| {
        let decryptor = Decryptor::new_buffered(r).map_err(|e| header_error(path, e))?;
        let scrypt = decryptor.is_scrypt();
        let mut passphrase = None;
        let mut agent = None;
        // The agent's identity is kept apart: after a failure, it says
        // whether the agent was the reason (locked, gone).
        let mut agent_ids: Vec<std::rc::Rc<AgentIdentity>> = Vec::new();
        let mut identities: Vec<Box<dyn age::Identity>> = Vec::new();
        if scrypt {
            if let Some(pass) = keys.iter().find_map(|k| match k {
                KeySource::Passphrase(p) => Some(p),
                _ => None,
            }) {
                passphrase = Some(pass.clone());
                identities.push(Box::new(age::scrypt::Identity::new(pass.clone())));
            } else if let Some(key) = keys.iter().find_map(|k| match k {
                KeySource::Agent(a) => Some(a),
                _ => None,
            }) {
                agent = Some(key.clone());
                agent_ids.push(std::rc::Rc::new(AgentIdentity::new(key.clone())));
            } else {
                return Err(VaultError::NeedsPassphrase);
            }
        } else {
            for key in keys {
                match key {
                    KeySource::IdentityFile(p) => identities.extend(load_identities(p)?),
                    KeySource::Agent(a) => {
                        agent_ids.push(std::rc::Rc::new(AgentIdentity::new(a.clone())));
                    }
                    KeySource::Passphrase(_) => {}
                }
            }
        }
        let all: Vec<&dyn age::Identity> = agent_ids
            .iter()
            .map(|a| a.as_ref() as &dyn age::Identity)
            .chain(identities.iter().map(AsRef::as_ref))
            .collect();
        let mut reader = decryptor.decrypt(all.into_iter()).map_err(|e| {
            if let Some(t) = agent_ids.iter().find_map(|a| a.trouble()) {
                return match t {
                    AgentTrouble::Locked => VaultError::AgentLocked,
                    AgentTrouble::Unreachable(m) => VaultError::Agent(m),
                };
            }
            match e {
                // An SSH stanza names its key by a tag: one that matched
                // this key and still fails to open was altered, it is not
                // another key's. (An altered X25519 stanza looks like
                // another key's: `open` then tries a backup.)
                DecryptError::DecryptionFailed if !scrypt => damaged(
                    path,
                    "the recipient stanza for this key fails to open (altered)",
                ),
                e => unwrap_error(path, e),
            }
        })?;
        // Plaintext is never longer than the ciphertext: with this capacity
        // read_to_end never reallocates, so no unzeroized copy is left behind.
        let mut plaintext = Zeroizing::new(Vec::with_capacity(bytes.len() + 64));
        reader
            .read_to_end(&mut plaintext)
            .map_err(|e| stream_error(path, &e))?;
        Ok(Decrypted {
            plaintext,
            scrypt,
            passphrase,
            scrypt_log_n: None,
            agent,
        })
    })
    .map(|mut d| {
        if d.scrypt {
            d.scrypt_log_n = scrypt_log_n(bytes);
        }
        d
    })
}

/// A fresh X25519 identity as age's standard file text (with the
/// `# created:` and `# public key:` lines), and its recipient.
pub(crate) fn new_identity_text() -> (Zeroizing<String>, String) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let created = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or(jiff::Timestamp::now());
    let secret = identity.to_string();
    let text = Zeroizing::new(format!(
        "# created: {created}\n# public key: {public}\n{}\n",
        secret.expose_secret()
    ));
    (text, public)
}

#[cfg(test)]
mod scrypt_tests {
    use super::*;

    fn pass() -> SecretString {
        SecretString::from("a long enough test passphrase".to_owned())
    }

    #[test]
    fn a_save_under_load_still_writes_at_least_2_pow_18() {
        // A machine so loaded that a second of scrypt is only 2^10.
        let out = encrypt_with(
            b"x",
            &Encryption::Passphrase,
            (Some(&pass()), None),
            None,
            || 10,
        )
        .unwrap();
        assert_eq!(scrypt_log_n(&out), Some(MIN_SCRYPT_LOG_N));
        // And it still decrypts.
        let keys = [KeySource::Passphrase(pass())];
        let d = decrypt(Path::new("v"), &out, &keys).unwrap();
        assert_eq!(&d.plaintext[..], b"x");
        assert_eq!(d.scrypt_log_n, Some(MIN_SCRYPT_LOG_N));
    }

    #[test]
    fn a_save_never_lowers_the_files_factor() {
        assert_eq!(scrypt_work_factor(10, Some(19)), 19);
        assert_eq!(scrypt_work_factor(20, Some(19)), 20);
        assert_eq!(scrypt_work_factor(12, None), MIN_SCRYPT_LOG_N);
        let out = encrypt_with(
            b"x",
            &Encryption::Passphrase,
            (Some(&pass()), None),
            Some(19),
            || 10,
        )
        .unwrap();
        assert_eq!(scrypt_log_n(&out), Some(19));
    }

    #[test]
    fn the_header_factor_is_read_from_binary_and_armored_files() {
        let out = encrypt_with(
            b"x",
            &Encryption::Passphrase,
            (Some(&pass()), None),
            None,
            || 10,
        )
        .unwrap();
        let mut armored = Vec::new();
        let mut w =
            age::armor::ArmoredWriter::wrap_output(&mut armored, age::armor::Format::AsciiArmor)
                .unwrap();
        w.write_all(&out).unwrap();
        w.finish().unwrap();
        assert_eq!(scrypt_log_n(&armored), Some(MIN_SCRYPT_LOG_N));
        assert_eq!(scrypt_log_n(b"not an age file"), None);
    }
}
