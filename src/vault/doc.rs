//! The plaintext inside the vault: a TOML document whose first line is
//! `schema_version = N`, then how the vault is encrypted (the recipients are
//! public, and keeping them here makes every save re-encrypt to the same
//! set), then `[[registries]]` and `[[containers]]`.
//!
//! Owns rendering, the version peek, parsing and the migration chain. Error
//! details never quote the document: it holds credentials.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Encryption, SCHEMA_VERSION, fast};
use crate::model::{Container, KubeRecords, Registry, VaultData};

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum EncryptionKind {
    Recipients,
    Passphrase,
}

/// The document's head: everything before the first `[[…]]` record.
#[derive(Serialize)]
struct HeaderRef<'a> {
    schema_version: u32,
    encryption: EncryptionKind,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    recipients: &'a [String],
    /// Incremented by every save: a pinned vault whose generation went
    /// backwards was rolled back (see `pin`).
    generation: u64,
    /// Team vaults: the members' signing public keys (see `sign`).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    members: &'a [String],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderOwned {
    schema_version: u32,
    #[serde(default)]
    encryption: Option<EncryptionKind>,
    #[serde(default)]
    recipients: Vec<String>,
    /// Absent in vaults written before generations: 0.
    #[serde(default)]
    generation: u64,
    #[serde(default)]
    members: Vec<String>,
    /// Checked (and stripped from the signed text) by `sign::verify`.
    #[serde(default)]
    #[allow(dead_code, reason = "read by sign::verify on the raw text")]
    signature: Option<String>,
}

/// Explicit fields rather than `#[serde(flatten)] VaultData`: flatten
/// buffers every value into an intermediate tree (slower, and more
/// unzeroized copies of the secrets).
#[derive(Deserialize)]
struct DocOwned {
    schema_version: u32,
    #[serde(default)]
    encryption: Option<EncryptionKind>,
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    generation: u64,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    #[allow(dead_code, reason = "read by sign::verify on the raw text")]
    signature: Option<String>,
    #[serde(default)]
    registries: Vec<Registry>,
    #[serde(default)]
    containers: Vec<Container>,
    #[serde(default)]
    kube: KubeRecords,
}

pub(crate) struct Parsed {
    pub version: u32,
    pub data: VaultData,
    /// `None` when the document does not say (a hand-made file); the caller
    /// falls back to what the age header shows.
    pub encryption: Option<Encryption>,
    /// The save counter (0 for a vault written before there was one).
    pub generation: u64,
    /// Team vaults: the members' signing public keys.
    pub members: Vec<String>,
}

#[derive(Debug)]
pub(crate) enum DocError {
    /// The detail names a line at most, never content.
    Damaged(String),
    /// A newer schema this build cannot even read.
    NewerUnreadable(u32),
}

/// Renders the plaintext into a zeroizing buffer. `size_hint` (the last
/// plaintext length) pre-sizes it so growth does not leave copies behind in
/// freed memory. toml's own intermediate buffers cannot be zeroized from
/// here; this is the part we own.
pub(crate) fn render(
    data: &VaultData,
    encryption: &Encryption,
    generation: u64,
    members: &[String],
    size_hint: usize,
) -> Result<Zeroizing<String>, String> {
    let (kind, recipients) = match encryption {
        Encryption::Recipients(r) => (EncryptionKind::Recipients, r.as_slice()),
        Encryption::Passphrase => (EncryptionKind::Passphrase, &[][..]),
    };
    let header = HeaderRef {
        schema_version: SCHEMA_VERSION,
        encryption: kind,
        recipients,
        generation,
        members,
    };
    let header = toml::to_string(&header)
        // Serialisation errors name types and keys, not values.
        .map_err(|e| format!("cannot serialise the vault: {e}"))?;
    let capacity = size_hint.max(fast::estimate(data)) + size_hint / 8 + header.len() + 1024;
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    out.push_str(&header);
    fast::render_records(&mut out, data);
    Ok(out)
}

/// Reads `N` from the first line, `schema_version = N`, without parsing the
/// rest: the version decides how (and whether) to parse it.
pub(crate) fn peek_version(text: &str) -> Result<u32, DocError> {
    let first = text.split('\n').next().unwrap_or("").trim_end();
    first
        .strip_prefix("schema_version = ")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<u32>().ok())
        .ok_or_else(|| {
            DocError::Damaged(
                "the decrypted content does not start with `schema_version = N`".into(),
            )
        })
}

fn line_of(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let upto = span.start.min(text.len());
            let line = text.as_bytes()[..upto].split(|&b| b == b'\n').count();
            format!("the decrypted vault is not valid (error at line {line})")
        }
        None => "the decrypted vault is not valid".into(),
    }
}

/// The fast path: our own layout, read without the `toml` crate's tree.
/// `None` sends the caller to the full parser.
fn parse_fast(text: &str, version: u32) -> Option<Parsed> {
    if version != SCHEMA_VERSION {
        return None;
    }
    let split = text.find("\n[").map_or(text.len(), |i| i + 1);
    let header: HeaderOwned = toml::from_str(&text[..split]).ok()?;
    if header.schema_version != version {
        return None;
    }
    let data = fast::parse_records(&text[split..])?;
    Some(Parsed {
        version,
        data,
        encryption: encryption_of(header.encryption, header.recipients),
        generation: header.generation,
        members: header.members,
    })
}

fn encryption_of(kind: Option<EncryptionKind>, recipients: Vec<String>) -> Option<Encryption> {
    match kind {
        Some(EncryptionKind::Passphrase) => Some(Encryption::Passphrase),
        Some(EncryptionKind::Recipients) => Some(Encryption::Recipients(recipients)),
        None if !recipients.is_empty() => Some(Encryption::Recipients(recipients)),
        None => None,
    }
}

pub(crate) fn parse(text: &str) -> Result<Parsed, DocError> {
    let version = peek_version(text)?;
    if let Some(parsed) = parse_fast(text, version) {
        return Ok(parsed);
    }
    let doc: DocOwned = if version >= SCHEMA_VERSION {
        // The common case parses once, straight into the typed records. A
        // newer schema is read leniently (unknown keys are ignored); if even
        // that fails, it is the newer version's fault, not damage.
        match toml::from_str(text) {
            Ok(doc) => doc,
            Err(_) if version > SCHEMA_VERSION => return Err(DocError::NewerUnreadable(version)),
            Err(e) => return Err(DocError::Damaged(line_of(text, &e))),
        }
    } else {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| DocError::Damaged(line_of(text, &e)))?;
        let table = migrate(version, table).map_err(DocError::Damaged)?;
        toml::Value::Table(table)
            .try_into()
            .map_err(|_| DocError::Damaged("the migrated vault is not valid".into()))?
    };
    if doc.schema_version != version && version >= SCHEMA_VERSION {
        return Err(DocError::Damaged(
            "conflicting schema_version values".into(),
        ));
    }
    let encryption = encryption_of(doc.encryption, doc.recipients);
    Ok(Parsed {
        generation: doc.generation,
        members: doc.members,
        version,
        data: VaultData {
            registries: doc.registries,
            containers: doc.containers,
            kube: doc.kube,
        },
        encryption,
    })
}

/// Brings an older document up to `SCHEMA_VERSION`, one step at a time, so
/// each step is written once and chained.
pub(crate) fn migrate(mut version: u32, mut table: toml::Table) -> Result<toml::Table, String> {
    while version < SCHEMA_VERSION {
        table = migrate_step(version, table)?;
        version += 1;
        table.insert(
            "schema_version".into(),
            toml::Value::Integer(version.into()),
        );
    }
    Ok(table)
}

/// One schema step, `from` → `from + 1`.
///
/// v1 → v2: v2 adds only optional data — the save counter and the members'
/// signatures in the header, the records of where the vault applied its
/// Secrets and the credentials-hash key (`[kube]`), registries' delegates
/// and their credential-helper host default (`hostDefault`).
/// A v1 document is a valid v2 document; the step exists so that a regvault
/// that knows only v1 opens a v2 vault read-only instead of saving it
/// without that data (it would drop the apply records, the HMAC key, the
/// delegates, the host defaults and the signature).
fn migrate_step(from: u32, table: toml::Table) -> Result<toml::Table, String> {
    match from {
        1 => Ok(table),
        _ => Err(format!(
            "schema version {from} is not one regvault ever wrote"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RegistryId;
    use crate::registry::{Credentials, RegistryKind};

    fn sample() -> VaultData {
        let now = jiff::Timestamp::UNIX_EPOCH;
        VaultData {
            registries: vec![Registry {
                id: RegistryId::parse("reg-abc123").unwrap(),
                name: "ghcr".into(),
                kind: RegistryKind::Ghcr,
                credentials: [("username", "bob"), ("token", "ghp_x\"y\nz")]
                    .into_iter()
                    .collect::<Credentials>(),
                created_by: "bob@host".into(),
                created_at: now,
                updated_at: now,
                credentials_rotated_at: None,
                last_test: None,
                connection: crate::model::Connection::default(),
                ecr_token: None,
                delegates: Vec::new(),
                host_default: true,
            }],
            containers: vec![],
            kube: crate::model::KubeRecords::default(),
        }
    }

    #[test]
    fn first_line_is_the_version_and_round_trips() {
        let enc = Encryption::Recipients(vec!["age1xyz".into()]);
        let text = render(&sample(), &enc, 7, &[], 0).unwrap();
        assert!(
            text.starts_with(&format!("schema_version = {SCHEMA_VERSION}\n")),
            "{}",
            *text
        );
        assert_eq!(peek_version(&text).unwrap(), SCHEMA_VERSION);
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.data, sample());
        assert_eq!(parsed.encryption, Some(enc));
        assert_eq!(parsed.generation, 7);
        let text = render(&VaultData::default(), &Encryption::Passphrase, 1, &[], 0).unwrap();
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.encryption, Some(Encryption::Passphrase));
        assert_eq!(parsed.data, VaultData::default());
    }

    #[test]
    fn peek_rejects_other_first_lines() {
        for bad in [
            "",
            "schema_version=1",
            "x = 1\nschema_version = 1",
            "schema_version = -1",
        ] {
            assert!(
                matches!(peek_version(bad), Err(DocError::Damaged(_))),
                "{bad}"
            );
        }
        assert_eq!(peek_version("schema_version = 7\r\n").unwrap(), 7);
    }

    #[test]
    fn errors_do_not_quote_content() {
        let text = "schema_version = 1\n[[registries]]\nid = \"reg-abc123\"\nname = 5\ncredentials = { token = \"SECRET-CANARY\" }\n";
        let DocError::Damaged(detail) = parse(text).err().unwrap() else {
            panic!()
        };
        assert!(!detail.contains("SECRET-CANARY"), "{detail}");
    }

    #[test]
    fn migration_hook_refuses_unknown_old_versions() {
        assert!(migrate(0, toml::Table::new()).is_err());
        assert!(migrate(SCHEMA_VERSION, toml::Table::new()).is_ok());
        assert!(matches!(
            parse("schema_version = 0\n"),
            Err(DocError::Damaged(_))
        ));
    }

    #[test]
    fn newer_schema_that_cannot_be_read_says_so() {
        let text = "schema_version = 99\nregistries = 3\n";
        assert!(matches!(parse(text), Err(DocError::NewerUnreadable(99))));
        let parsed = parse("schema_version = 99\nfuture = true\n").unwrap();
        assert_eq!(parsed.version, 99);
    }
}
