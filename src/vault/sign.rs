//! Signed saves for team vaults (ed25519, `ed25519-dalek`). A vault that
//! lists `members` (their signing public keys) carries, on its second
//! plaintext line, `signature = "ed25519:<signer>:<signature>"`: the
//! writer's Ed25519 signature of `CONTEXT` followed by the SHA-256 of the
//! whole plaintext except that line (SHA-256 runs in hardware where
//! Ed25519ph's SHA-512 does not: half the time on a 10,000-registry vault). Opening refuses a team vault that is unsigned, badly signed, or
//! signed by a key not in its member list; the member list itself is pinned
//! (see `pin`), and may change only in a save signed by a member this user
//! already trusted.
//!
//! Each user's signing key is a file beside the identity
//! (`$XDG_CONFIG_HOME/regvault/signing-key.txt`, or `$REGVAULT_SIGNING_KEY`),
//! created by `regvault init` — or an existing unencrypted OpenSSH ed25519
//! private key (`~/.ssh/id_ed25519`, parsed by the `ssh-key` crate), whose
//! member entry is the same `ed25519:<base64>` of its public key. A signing
//! key others can read (or write) is refused.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signer;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{VaultError, io_err, store};

/// Separates these signatures from any other use of the key.
const CONTEXT: &[u8] = b"regvault vault save v1\0";
const LINE_PREFIX: &str = "signature = \"";
const KEY_PREFIX: &str = "REGVAULT-SIGNING-KEY-1:";
const PUBLIC_PREFIX: &str = "ed25519:";

static SIGNING_KEY_OVERRIDE: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// Makes `path` this process's signing key (the CLI's `--signing-key`):
/// what [`default_signing_key_path`] returns from now on.
pub fn set_default_signing_key(path: Option<PathBuf>) {
    *SIGNING_KEY_OVERRIDE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = path;
}

/// `--signing-key` (see [`set_default_signing_key`]), else
/// `$REGVAULT_SIGNING_KEY`, else `signing-key.txt` beside the default identity.
pub fn default_signing_key_path() -> PathBuf {
    if let Some(p) = SIGNING_KEY_OVERRIDE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
    {
        return p;
    }
    if let Some(p) = std::env::var_os("REGVAULT_SIGNING_KEY").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    super::paths::default_identity_path().with_file_name("signing-key.txt")
}

fn public_text(key: &VerifyingKey) -> String {
    format!("{PUBLIC_PREFIX}{}", STANDARD.encode(key.as_bytes()))
}

/// Parses a member's public key, `ed25519:<base64>`.
pub(crate) fn parse_public(text: &str) -> Option<VerifyingKey> {
    let bytes = STANDARD
        .decode(text.trim().strip_prefix(PUBLIC_PREFIX)?)
        .ok()?;
    VerifyingKey::from_bytes(&bytes.try_into().ok()?).ok()
}

/// A member given as an OpenSSH public key line, `ssh-ed25519 AAAA… [comment]`.
fn parse_ssh_public(text: &str) -> Option<VerifyingKey> {
    let key = ssh_key::PublicKey::from_openssh(text.trim()).ok()?;
    VerifyingKey::from_bytes(&key.key_data().ed25519()?.0).ok()
}

/// Checks a member key given by a person (`ed25519:<base64>`, or an
/// `ssh-ed25519 …` public key line) and returns it as `ed25519:<base64>`;
/// it is public, so the error quotes it.
pub fn check_member(text: &str) -> Result<String, VaultError> {
    parse_public(text)
        .or_else(|| parse_ssh_public(text))
        .map(|k| public_text(&k))
        .ok_or_else(|| VaultError::BadMember(text.trim().to_owned()))
}

fn bad_key(path: &Path, reason: &str) -> VaultError {
    VaultError::BadSigningKey {
        path: path.to_owned(),
        reason: format!("not a regvault signing key: {reason}"),
    }
}

/// Creates a signing key at `path` (0600) unless one is there; returns its public key.
pub fn ensure_signing_key(path: &Path) -> Result<String, VaultError> {
    if path.exists() {
        return public_key(path);
    }
    store::create_parent_dirs(path)?;
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut seed[..]).map_err(|e| {
        io_err(
            "cannot create a signing key",
            io::Error::other(e.to_string()),
        )
    })?;
    let key = SigningKey::from_bytes(&seed);
    let public = public_text(&key.verifying_key());
    let text = Zeroizing::new(format!(
        "# regvault signing key (ed25519): it signs your saves of team vaults; keep it private\n\
         # public key: {public}\n{KEY_PREFIX}{}\n",
        STANDARD.encode(&seed[..])
    ));
    let mut file = store::create_new_private(path)
        .map_err(|e| io_err(format!("cannot create {}", path.display()), e))?;
    if let Err(e) = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
    {
        let _ = std::fs::remove_file(path);
        return Err(io_err(format!("cannot write {}", path.display()), e));
    }
    Ok(public)
}

/// The public key of the signing key at `path`, if it can be read.
pub(crate) fn public_of(path: &Path) -> Option<String> {
    public_key(path).ok()
}

/// The public key of the signing key at `path`, `ed25519:<base64>`.
pub(crate) fn public_key(path: &Path) -> Result<String, VaultError> {
    load(path).map(|k| public_text(&k.verifying_key()))
}

const OPENSSH_BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";

/// An OpenSSH private key (`ssh-keygen` format): ed25519 and unencrypted.
fn load_openssh(path: &Path, text: &str) -> Result<SigningKey, VaultError> {
    let key =
        ssh_key::PrivateKey::from_openssh(text.trim()).map_err(|e| VaultError::BadSigningKey {
            path: path.to_owned(),
            reason: format!("not a valid OpenSSH private key ({e})"),
        })?;
    let algorithm = key.algorithm();
    if algorithm != ssh_key::Algorithm::Ed25519 {
        return Err(VaultError::BadSigningKey {
            path: path.to_owned(),
            reason: format!(
                "it is an {algorithm} key, and signing keys are ed25519 (`ssh-keygen -t ed25519`)"
            ),
        });
    }
    if key.is_encrypted() {
        return Err(VaultError::BadSigningKey {
            path: path.to_owned(),
            reason: "this SSH key is protected by a passphrase: regvault needs an unencrypted \
                     ed25519 key to sign (ssh-agent is not supported yet)"
                .to_owned(),
        });
    }
    let pair = key
        .key_data()
        .ed25519()
        .ok_or_else(|| bad_key(path, "no ed25519 key pair inside"))?;
    let seed = Zeroizing::new(pair.private.to_bytes());
    Ok(SigningKey::from_bytes(&seed))
}

pub(crate) fn load(path: &Path) -> Result<SigningKey, VaultError> {
    if let Some((mode, what)) = super::perms::open_to_others(path) {
        return Err(VaultError::BadSigningKey {
            path: path.to_owned(),
            reason: format!(
                "the signing key is {what} by others (mode {mode:03o}): whoever can read it can sign saves as you; run `chmod 600 {}`",
                path.display()
            ),
        });
    }
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| VaultError::BadSigningKey {
                path: path.to_owned(),
                reason: format!("cannot read the signing key: {e}"),
            })?,
        );
    if text.trim_start().starts_with(OPENSSH_BEGIN) {
        return load_openssh(path, &text);
    }
    if text.trim_start().starts_with("-----BEGIN ") {
        return Err(bad_key(
            path,
            "a PEM key that is not an OpenSSH ed25519 key (signing keys are ed25519: `ssh-keygen -t ed25519`)",
        ));
    }
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(KEY_PREFIX))
        .ok_or_else(|| bad_key(path, "no REGVAULT-SIGNING-KEY-1 line"))?;
    let seed = Zeroizing::new(
        STANDARD
            .decode(line)
            .map_err(|_| bad_key(path, "bad base64"))?,
    );
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
        seed.as_slice()
            .try_into()
            .map_err(|_| bad_key(path, "wrong length"))?,
    );
    Ok(SigningKey::from_bytes(&seed))
}

/// What is signed: `CONTEXT` and the SHA-256 of the plaintext without the signature line.
fn message(first_line: &str, rest: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(first_line.as_bytes());
    h.update(rest.as_bytes());
    let mut out = CONTEXT.to_vec();
    out.extend_from_slice(&h.finalize());
    out
}

/// Signs `text` (first line `schema_version = N\n`, then the rest) and
/// returns it with the signature line inserted as line 2.
pub(crate) fn sign(
    text: &str,
    key_path: &Path,
    members: &[String],
) -> Result<Zeroizing<String>, VaultError> {
    if !key_path.exists() {
        return Err(VaultError::BadSigningKey {
            path: key_path.to_owned(),
            reason: "this team vault's saves are signed, and you have no signing key: \
                     run `regvault member key` and ask a member to add it"
                .to_owned(),
        });
    }
    let key = load(key_path)?;
    let public = public_text(&key.verifying_key());
    if !members.iter().any(|m| m.trim() == public) {
        return Err(VaultError::NotMember {
            fingerprint: super::pin::fingerprint(&public),
            key: key_path.to_owned(),
        });
    }
    let split = text.find('\n').map_or(text.len(), |i| i + 1);
    let (first, rest) = text.split_at(split);
    let signature = key
        .try_sign(&message(first, rest))
        .map_err(|e| io_err("cannot sign the vault", io::Error::other(e.to_string())))?;
    let line = format!(
        "{LINE_PREFIX}{public}:{}\"\n",
        STANDARD.encode(signature.to_bytes())
    );
    let mut out = Zeroizing::new(String::with_capacity(text.len() + line.len()));
    out.push_str(first);
    out.push_str(&line);
    out.push_str(rest);
    Ok(out)
}

/// The signer of a plaintext, checked: `Ok(None)` for an unsigned one,
/// `Ok(Some(signer's public key))` for a valid signature, `Err(detail)` for
/// a signature line that does not verify.
pub(crate) fn verify(text: &str) -> Result<Option<String>, String> {
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let (first, after) = text.split_at(first_end);
    let Some(line_body) = after.strip_prefix(LINE_PREFIX) else {
        return Ok(None);
    };
    let line_end = after.find('\n').map_or(after.len(), |i| i + 1);
    let rest = &after[line_end..];
    let value = line_body
        .split('"')
        .next()
        .ok_or_else(|| "the signature line is malformed".to_owned())?;
    let (signer, sig) = value
        .rsplit_once(':')
        .ok_or_else(|| "the signature line is malformed".to_owned())?;
    let key = parse_public(signer).ok_or_else(|| "the signer's key is malformed".to_owned())?;
    let sig = STANDARD
        .decode(sig)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or_else(|| "the signature is malformed".to_owned())?;
    key.verify_strict(&message(first, rest), &sig)
        .map_err(|_| {
            "the signature does not match the content (altered, or signed by another key)"
                .to_owned()
        })?;
    Ok(Some(public_text(&key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ssh_ed25519_public_line_is_normalised_and_others_are_refused() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let public = public_text(&key.verifying_key());
        // The SSH wire blob: string "ssh-ed25519", string <32 bytes>.
        let mut blob = Vec::new();
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(key.verifying_key().as_bytes());
        let line = format!("ssh-ed25519 {} me@laptop", STANDARD.encode(&blob));
        assert_eq!(check_member(&line).unwrap(), public);
        assert_eq!(check_member(&public).unwrap(), public);
        assert!(matches!(
            check_member("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC me"),
            Err(VaultError::BadMember(_))
        ));
        // The signer of a signature line stays in the `ed25519:` form only.
        assert!(parse_public(&line).is_none());
    }

    #[test]
    fn a_signature_verifies_and_names_its_signer_and_breaks_on_change() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.txt");
        let public = ensure_signing_key(&key).unwrap();
        assert_eq!(ensure_signing_key(&key).unwrap(), public);
        let text =
            "schema_version = 1\nencryption = \"recipients\"\n[[registries]]\nname = \"a\"\n";
        let err = sign(text, &key, &["ed25519:AAAA".into()]).unwrap_err();
        assert!(matches!(err, VaultError::NotMember { .. }), "{err:?}");
        let signed = sign(text, &key, std::slice::from_ref(&public)).unwrap();
        assert!(signed.starts_with("schema_version = 1\nsignature = \"ed25519:"));
        assert_eq!(verify(&signed).unwrap(), Some(public));
        assert_eq!(verify(text).unwrap(), None);
        let altered = signed.replace("name = \"a\"", "name = \"b\"");
        assert!(verify(&altered).is_err());
    }
}
