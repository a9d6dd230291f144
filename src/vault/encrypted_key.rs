//! Identity files protected by a passphrase — an OpenSSH key made with
//! `ssh-keygen -N …`, or an age identity encrypted with `age -p` — which
//! regvault opens only through the agent: `regvault unlock` decrypts one
//! here, once, and hands the agent the decrypted text.

use std::io::Read;
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::VaultError;

/// What protects an identity file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProtection {
    /// Usable as it is.
    None,
    /// A passphrase-protected OpenSSH private key.
    SshPassphrase,
    /// An age identity file encrypted with a passphrase (`age -p`).
    AgePassphrase,
}

fn bad(path: &Path, reason: &str) -> VaultError {
    VaultError::BadIdentity {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let file = std::fs::File::open(path).map_err(|e| bad(path, &e.to_string()))?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(4096));
    file.take(1 << 20)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(path, &e.to_string()))?;
    Ok(bytes)
}

/// Peeks at an identity file: is it protected by a passphrase?
pub fn key_protection(path: &Path) -> Result<KeyProtection, VaultError> {
    let bytes = read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let trimmed = text.trim_start();
    if trimmed.starts_with("age-encryption.org/") || trimmed.contains("BEGIN AGE ENCRYPTED FILE") {
        return Ok(KeyProtection::AgePassphrase);
    }
    if trimmed.starts_with("-----BEGIN")
        && let Ok(age::ssh::Identity::Encrypted(_)) =
            age::ssh::Identity::from_buffer(trimmed.as_bytes(), None)
    {
        return Ok(KeyProtection::SshPassphrase);
    }
    Ok(KeyProtection::None)
}

/// Decrypts a protected identity file with its passphrase: the text of the
/// unencrypted identity (an OpenSSH key, or age identity lines).
pub fn decrypt_identity(
    path: &Path,
    passphrase: &SecretString,
) -> Result<Zeroizing<String>, VaultError> {
    let bytes = read(path)?;
    match key_protection(path)? {
        KeyProtection::None => Err(bad(path, "it is not protected by a passphrase")),
        KeyProtection::SshPassphrase => {
            let text = std::str::from_utf8(&bytes).map_err(|_| bad(path, "not a text file"))?;
            let key = ssh_key::PrivateKey::from_openssh(text)
                .map_err(|_| bad(path, "not a valid OpenSSH private key"))?;
            let plain = key
                .decrypt(passphrase.expose_secret().as_bytes())
                .map_err(|_| bad(path, "wrong passphrase for this key"))?;
            let out = plain
                .to_openssh(ssh_key::LineEnding::LF)
                .map_err(|_| bad(path, "cannot re-encode the decrypted key"))?;
            Ok(Zeroizing::new(out.to_string()))
        }
        KeyProtection::AgePassphrase => {
            let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
            let id = age::scrypt::Identity::new(passphrase.clone());
            let read = |r: &mut dyn std::io::BufRead, out: &mut Vec<u8>| {
                let d = age::Decryptor::new_buffered(r).map_err(|_| "not an age file")?;
                let mut plain = d
                    .decrypt(std::iter::once(&id as &dyn age::Identity))
                    .map_err(|_| "wrong passphrase for this identity")?;
                plain
                    .read_to_end(out)
                    .map_err(|_| "the encrypted identity is damaged")?;
                Ok::<(), &str>(())
            };
            if bytes.starts_with(b"-----BEGIN") {
                read(&mut age::armor::ArmoredReader::new(&bytes[..]), &mut out)
            } else {
                read(&mut &bytes[..], &mut out)
            }
            .map_err(|m| bad(path, m))?;
            let text = String::from_utf8(out.to_vec()).map_err(|_| bad(path, "not UTF-8"))?;
            Ok(Zeroizing::new(text))
        }
    }
}
