//! Two or more users on one bastion sharing a team vault: each a private
//! HOME (identity, signing key, pins), the real binary run as each; and a
//! vault forged by hand as an outsider would write it. Shared by
//! `tests/trust.rs` and `tests/trust_ssh.rs`.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::Path;

use assert_cmd::Command;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A GHCR classic token (`ghp_` and 36 characters) carrying `tag`.
pub fn tok(tag: &str) -> String {
    format!("ghp_{tag:x<36}")
}

/// How regvault names a recipient or a member in its messages: `sha256:`
/// and the first 16 hex digits of its SHA-256.
pub fn fingerprint(key: &str) -> String {
    use sha2::Digest;
    use std::fmt::Write;
    sha2::Sha256::digest(key.as_bytes())[..8]
        .iter()
        .fold(String::from("sha256:"), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Out {
    fn from(o: std::process::Output) -> Self {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// `regvault` as the user whose HOME is `home`, acting as `user`, on `vault`.
pub fn command(home: &Path, vault: &Path, user: &str) -> Command {
    let mut c = Command::cargo_bin("regvault").unwrap();
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("REGVAULT_USER", user)
        .env("REGVAULT_VAULT", vault);
    c
}

/// The `# public key: …` line of a regvault key file (identity, signing key).
pub fn public_key_of(file: &Path) -> String {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned()
}

/// The import file of a GHCR registry `name` with `token`, under `home`.
pub fn ghcr_file(home: &Path, name: &str, token: &str) -> String {
    let f = home.join(format!("{name}.json"));
    std::fs::write(
        &f,
        format!(
            r#"{{"name":"{name}","type":"GHCR","credentials":{{"username":"octo","token":"{token}"}}}}"#
        ),
    )
    .unwrap();
    f.to_str().unwrap().to_owned()
}

/// A vault encrypted to `recipients`, listing `members`, signed by `seed`'s
/// ed25519 key — made by hand as an outsider would (the format is public).
pub fn hand_signed(recipients: &[String], members: &[String], seed: [u8; 32]) -> Vec<u8> {
    use sha2::Digest;
    let quote = |l: &[String]| {
        l.iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let first = "schema_version = 1\n";
    let rest = format!(
        "encryption = \"recipients\"\nrecipients = [{}]\ngeneration = 1000\nmembers = [{}]\n",
        quote(recipients),
        quote(members)
    );
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let mut h = sha2::Sha256::new();
    h.update(first.as_bytes());
    h.update(rest.as_bytes());
    let mut message = b"regvault vault save v1\0".to_vec();
    message.extend_from_slice(&h.finalize());
    let sig = ed25519_dalek::Signer::sign(&key, &message);
    let line = format!(
        "signature = \"ed25519:{}:{}\"\n",
        STANDARD.encode(key.verifying_key().as_bytes()),
        STANDARD.encode(sig.to_bytes())
    );
    let plaintext = format!("{first}{line}{rest}");
    let parsed: Vec<age::x25519::Recipient> =
        recipients.iter().map(|r| r.parse().unwrap()).collect();
    let enc = age::Encryptor::with_recipients(parsed.iter().map(|r| r as _)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(plaintext.as_bytes()).unwrap();
    w.finish().unwrap();
    out
}
