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
//! created by `regvault init`.

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

/// `$REGVAULT_SIGNING_KEY`, else `signing-key.txt` beside the default identity.
pub fn default_signing_key_path() -> PathBuf {
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

/// Checks a member key given by a person; it is public, so the error quotes it.
pub fn check_member(text: &str) -> Result<String, VaultError> {
    parse_public(text)
        .map(|k| public_text(&k))
        .ok_or_else(|| VaultError::BadRecipient(text.trim().to_owned()))
}

fn bad_key(path: &Path, reason: &str) -> VaultError {
    VaultError::BadIdentity {
        path: path.to_owned(),
        reason: format!("not a regvault signing key: {reason}"),
    }
}

/// Creates a signing key at `path` (0600) unless one is there; returns its public key.
pub fn ensure_signing_key(path: &Path) -> Result<String, VaultError> {
    if path.exists() {
        return load(path).map(|k| public_text(&k.verifying_key()));
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
    load(path).ok().map(|k| public_text(&k.verifying_key()))
}

pub(crate) fn load(path: &Path) -> Result<SigningKey, VaultError> {
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| VaultError::BadIdentity {
                path: path.to_owned(),
                reason: format!("cannot read the signing key: {e}"),
            })?,
        );
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
        return Err(VaultError::BadIdentity {
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
