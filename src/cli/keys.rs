//! Finding the vault and what opens it: `--vault`/`REGVAULT_VAULT`, then
//! `--identity`/`REGVAULT_IDENTITY`, the default identity, the user's SSH
//! keys, or a passphrase (`REGVAULT_PASSPHRASE_FILE` or the prompt).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::Global;
use super::prompt;
use crate::agent::AgentKey;
use crate::cli::output::errln;
use crate::vault::{self, KeySource, Vault};

pub fn vault_path(g: &Global) -> PathBuf {
    g.vault.clone().unwrap_or_else(vault::default_vault_path)
}

/// Identity files tried when none is named, in order.
fn default_identities() -> Vec<PathBuf> {
    let mut out = vec![vault::default_identity_path()];
    if let Some(home) = std::env::var_os("HOME") {
        let ssh = Path::new(&home).join(".ssh");
        out.push(ssh.join("id_ed25519"));
        out.push(ssh.join("id_rsa"));
    }
    out
}

/// What opens the vault at `path` (which must exist).
pub fn key_sources(g: &Global, path: &Path) -> anyhow::Result<Vec<KeySource>> {
    if !path.exists() {
        return Err(vault::not_found_error(path).into());
    }
    let keys = key_sources_for_file(g, path)?;
    for warning in vault::permission_warnings(path, &keys) {
        errln!("warning: {warning}");
    }
    Ok(keys)
}

/// The running agent's key for the vault `g` names, when it holds one.
/// No agent: `Ok(None)` after one `stat`. A socket or directory that is
/// not safely this user's is an error, not silently skipped.
pub fn agent_key(g: &Global) -> anyhow::Result<Option<AgentKey>> {
    let Ok(vault) = std::fs::canonicalize(vault_path(g)) else {
        return Ok(None);
    };
    crate::agent::client::holding(&vault)
}

/// After a re-key the agent's key for this vault is the old one: it is
/// told to forget it. `true` when it held one.
pub fn forget_in_agent(g: &Global) -> bool {
    match agent_key(g) {
        Ok(Some(k)) => crate::agent::client::simple(
            &k.sock,
            &crate::agent::proto::Request::Forget { vault: k.vault },
        )
        .is_ok(),
        _ => false,
    }
}

/// The identity file for a recipients vault: `--identity`, else the first
/// default that exists.
pub fn identity_path(g: &Global, vault: &Path) -> anyhow::Result<PathBuf> {
    if let Some(id) = &g.identity {
        return Ok(id.clone());
    }
    match default_identities().into_iter().find(|p| p.exists()) {
        Some(p) => Ok(p),
        None => bail!(
            "no identity to open {} with: give --identity PATH (or REGVAULT_IDENTITY); looked for {}",
            vault.display(),
            default_identities()
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// What opens `file` (the vault or one of its backups): the agent when it
/// holds this vault's key; else a passphrase if its header says so, else
/// the identity files.
pub fn key_sources_for_file(g: &Global, file: &Path) -> anyhow::Result<Vec<KeySource>> {
    if let Some(key) = agent_key(g)? {
        return Ok(vec![KeySource::Agent(key)]);
    }
    let path = file;
    if Vault::is_passphrase_protected(path)? {
        if std::env::var_os("REGVAULT_PASSPHRASE_FILE").is_none() && !prompt::interactive() {
            // Typed, so the exit code says "vault locked" (5).
            return Err(
                anyhow::Error::new(vault::VaultError::AgentLocked).context(format!(
                    "{} (or set REGVAULT_PASSPHRASE_FILE, or run on a terminal)",
                    crate::agent::LOCKED
                )),
            );
        }
        return Ok(vec![KeySource::Passphrase(prompt::passphrase(false)?)]);
    }
    Ok(vec![KeySource::IdentityFile(identity_path(g, path)?)])
}

/// Opens the vault to read.
pub fn open(g: &Global) -> anyhow::Result<Vault> {
    let path = vault_path(g);
    let keys = key_sources(g, &path)?;
    let vault = Vault::open(&path, &keys).with_context(|| format!("opening {}", path.display()))?;
    super::log::opened(&vault);
    Ok(vault)
}

/// Opens the vault to change it: the writer lock is held until the vault is
/// dropped, so a second writer is refused instead of losing an update.
pub fn open_locked(g: &Global) -> anyhow::Result<Vault> {
    let path = vault_path(g);
    let keys = key_sources(g, &path)?;
    let v =
        Vault::open_locked(&path, &keys).with_context(|| format!("opening {}", path.display()))?;
    if let Some(found) = v.newer_schema() {
        bail!(vault::VaultError::NewerSchema {
            found,
            supported: vault::SCHEMA_VERSION
        });
    }
    super::log::opened(&v);
    Ok(v)
}

/// The vault as the operations layer uses it: the key sources are asked
/// for (a passphrase prompted) once, the file opened per read and locked
/// per change.
pub fn store(g: &Global) -> anyhow::Result<crate::ops::FileStore> {
    let path = vault_path(g);
    let keys = key_sources(g, &path)?;
    Ok(crate::ops::FileStore::new(path, keys))
}

/// What opens the vault for a process that must never prompt (the
/// credential helper, run by docker without a terminal): the identity
/// files as for any command, and for a passphrase vault the agent
/// (`regvault unlock`), else the "locked" error.
pub fn unattended_key_sources(g: &Global, path: &Path) -> anyhow::Result<Vec<KeySource>> {
    if !path.exists() {
        return Err(vault::not_found_error(path).into());
    }
    if let Some(key) = agent_key(g)? {
        return Ok(vec![KeySource::Agent(key)]);
    }
    if Vault::is_passphrase_protected(path)? {
        bail!(crate::agent::LOCKED);
    }
    let id = identity_path(g, path)?;
    // A passphrase-protected key is usable only through the agent.
    if vault::key_protection(&id)? != vault::KeyProtection::None {
        bail!(crate::agent::LOCKED);
    }
    Ok(vec![KeySource::IdentityFile(id)])
}
