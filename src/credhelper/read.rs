//! `get` (the credentials for one server URL) and `list` (every host the
//! vault serves, with its user name). Both open the vault once, read-only —
//! no writer lock — except when an ECR token must be exchanged and saved.

use std::collections::BTreeMap;
use std::io::Write;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{Failure, request_host, vault_keys};
use crate::cli::Global;
use crate::model::Registry;
use crate::ops::{Cancel, FileStore, VaultStore};
use crate::registry::RegistryKind;
use crate::registry::hosts::docker_username;
use crate::secret::SecretValue;
use crate::vault::{KeySource, Vault};

/// A cached ECR token is renewed this long before it expires, so a pull
/// that starts with it does not fail half-way.
const ECR_MARGIN: SignedDuration = SignedDuration::from_mins(15);

/// What `get` prints (docker-credential-helpers' `Credentials`).
#[derive(Serialize)]
struct Creds<'a> {
    #[serde(rename = "ServerURL")]
    server_url: &'a str,
    #[serde(rename = "Username")]
    username: &'a str,
    #[serde(rename = "Secret")]
    secret: &'a str,
}

fn open(g: &Global) -> Result<(Vault, std::path::PathBuf, Vec<KeySource>), Failure> {
    let (path, keys) = vault_keys(g)?;
    let vault = Vault::open(&path, &keys)
        .map_err(|e| anyhow::Error::from(e).context(format!("opening {}", path.display())))?;
    Ok((vault, path, keys))
}

pub(super) fn get(g: &Global, request: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let host = request_host(request)?;
    let (vault, path, keys) = open(g)?;
    let Some(r) = vault.data().registry_for_host(&host)? else {
        return Err(Failure::NotFound);
    };
    let login = if r.kind == RegistryKind::Ecr {
        ecr_login(path, keys, r, &host)
    } else {
        match crate::registry::docker_login(r.kind, &r.credentials, &r.name) {
            Ok(Some(login)) => Ok((login.username, login.password)),
            Ok(None) => Err(Failure::NotFound),
            Err(e) => Err(Failure::Message(e.to_string())),
        }
    };
    // Who was handed which registry's credentials (or why not), for the
    // audit log; appended without rewriting the vault.
    log_get(&vault, r, &host, login.as_ref().err());
    let (username, secret) = login?;
    let creds = Creds {
        server_url: request.trim(),
        username: &username,
        secret: secret.expose(),
    };
    // Rendered into a buffer wiped when dropped, then written at once.
    let mut buf = Zeroizing::new(Vec::with_capacity(
        creds.secret.len() * 2 + creds.server_url.len() + username.len() + 64,
    ));
    serde_json::to_writer(&mut *buf, &creds)
        .map_err(|e| Failure::Message(format!("rendering the answer: {e}")))?;
    buf.push(b'\n');
    let written = out
        .write_all(&buf)
        .map_err(|e| Failure::Message(format!("writing the answer: {e}")));
    // The process exits right after its one answer: wiping and freeing
    // every record of the vault (a tenth of a `get` at 1,000 registries)
    // would protect nothing — the kernel discards the pages at exit, and
    // the process is non-dumpable. The secret served is still wiped.
    std::mem::forget(vault);
    written
}

/// `AWS` and the 12-hour token for an ECR registry: the cached one while it
/// has more than `ECR_MARGIN` left, else a fresh exchange (saved in the
/// vault). If the exchange fails, a cached token still valid is served; an
/// expired one never is.
/// Appends the `helper-get` entry. A log that cannot be written never
/// fails the pull (the helper has no place to say so but its one answer).
fn log_get(vault: &Vault, r: &Registry, host: &str, failure: Option<&Failure>) {
    use crate::vault::audit::{Action, Entry, Outcome};
    let Some(log) = vault.audit_log() else {
        return;
    };
    let mut entry = Entry::new(vault.audit_who(), Action::HelperGet, Outcome::Ok)
        .registry(r.id.as_str(), r.name.as_str())
        .place(host);
    match failure {
        None => {}
        Some(Failure::NotFound) => entry = entry.refused(&"no credentials for this host"),
        Some(Failure::Message(why)) => entry = entry.failed(why),
    }
    let _ = log.append(&entry);
}

fn ecr_login(
    path: std::path::PathBuf,
    keys: Vec<KeySource>,
    r: &Registry,
    host: &str,
) -> Result<(String, SecretValue), Failure> {
    let aws = || "AWS".to_owned();
    let now = Timestamp::now();
    let fresh_until = now.checked_add(ECR_MARGIN).unwrap_or(now);
    if let Some(t) = &r.ecr_token
        && t.expires_at > fresh_until
    {
        return Ok((aws(), t.token.clone()));
    }
    crate::probe::install_crypto_provider();
    let store = FileStore::new(path, keys);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Message(format!("starting the async runtime: {e}")))?;
    let cancel = Cancel::new();
    let exchanged = rt.block_on(crate::ops::kube::refresh_ecr_token(&store, &r.id, &cancel));
    match exchanged {
        Ok(_) => {
            let data = store.read().map_err(anyhow::Error::from)?;
            let fresh = data.find_registry(r.id.as_str())?;
            // The exchange told the account: the host may belong to another.
            if !fresh.host_pattern().is_some_and(|p| p.matches(host)) {
                return Err(Failure::NotFound);
            }
            match &fresh.ecr_token {
                Some(t) if t.expires_at > Timestamp::now() => Ok((aws(), t.token.clone())),
                _ => Err(Failure::Message(format!(
                    "registry '{}': the ECR API gave no usable token",
                    crate::model::escape(&r.name)
                ))),
            }
        }
        Err(e) => match &r.ecr_token {
            Some(t) if t.expires_at > Timestamp::now() => Ok((aws(), t.token.clone())),
            _ => Err(Failure::Message(format!(
                "registry '{}': no valid ECR token (the cached one expired) and a new one could not be exchanged: {e}",
                crate::model::escape(&r.name)
            ))),
        },
    }
}

pub(super) fn list(g: &Global, out: &mut dyn Write) -> Result<(), Failure> {
    let (vault, _, _) = open(g)?;
    let mut hosts = BTreeMap::new();
    for r in &vault.data().registries {
        if let Some(url) = r
            .host_pattern()
            .and_then(|p| p.list_url(r.kind, &r.credentials))
        {
            hosts.insert(url, docker_username(r.kind, &r.credentials));
        }
    }
    let mut text = serde_json::to_string(&hosts)
        .map_err(|e| Failure::Message(format!("rendering the answer: {e}")))?;
    text.push('\n');
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::Message(format!("writing the answer: {e}")))
}
