//! `store` (`docker login`) and `erase` (`docker logout`): the vault's own
//! rules apply — the kind inferred from the host and the structural check
//! as for `registry add`; rotation and deletion by the creator (or a member
//! the creator named) only; no delete while containers reference it.

use jiff::Timestamp;
use serde::Deserialize;

use super::{Failure, open_locked, request_host};
use crate::cli::Global;
use crate::model::{self, NewRegistry, RegistryUpdate};
use crate::registry::infer;
use crate::registry::{Credentials, RegistryKind};
use crate::secret::SecretValue;
use crate::vault::{Vault, audit};

/// docker-credential-helpers' `Credentials`, as `store` reads it.
#[derive(Deserialize)]
struct Login {
    #[serde(rename = "ServerURL", default)]
    server_url: String,
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret")]
    secret: SecretValue,
}

/// The credential field holding the secret of `kind`.
fn secret_field(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::Ghcr | RegistryKind::Quay => "token",
        RegistryKind::Gcr | RegistryKind::Gar => "serviceAccountKey",
        _ => "password",
    }
}

/// The fields a new login rotates on an existing registry of `kind`: the
/// user name and the secret, never where the registry is (url,
/// loginServer, region stay as saved).
fn rotated_fields(kind: RegistryKind, new: &infer::Inferred) -> Credentials {
    let mut c = Credentials::new();
    if let Some(secret) = new.credentials.get(secret_field(new.kind)) {
        c.set(secret_field(kind), secret);
    }
    if kind.field("username").is_some()
        && let Some(user) = new.credentials.get("username")
    {
        c.set("username", user);
    }
    c
}

pub(super) fn store(g: &Global, request: &str) -> Result<(), Failure> {
    let login: Login = serde_json::from_str(request).map_err(|e| {
        // serde_json's message quotes no input, only positions and types.
        Failure::Message(format!(
            "the store request is not {{\"ServerURL\",\"Username\",\"Secret\"}} JSON: {e}"
        ))
    })?;
    if login.server_url.trim().is_empty() {
        return Err(Failure::Message("no credentials server URL".to_owned()));
    }
    if login.username.is_empty() {
        return Err(Failure::Message("no credentials username".to_owned()));
    }
    let new = infer::infer(&login.server_url, &login.username, login.secret.expose())
        .map_err(|e| Failure::Message(e.to_string()))?;
    drop(login);
    let mut vault = open_locked(g)?;
    let before = vault.data().clone();
    let user = vault.acting_user(&model::current_user());
    let now = Timestamp::now();
    let existing = vault
        .data()
        .registry_for_host(&new.host)?
        .map(|r| (r.id.clone(), r.kind, r.name.clone()));
    match existing {
        None => {
            let name = new.name.clone();
            vault
                .data_mut()
                .add_registry(
                    NewRegistry {
                        name: new.name,
                        kind: new.kind,
                        credentials: new.credentials,
                    },
                    &user,
                    now,
                )
                .map_err(|e| Failure::Message(format!("registry '{name}' not added: {e}")))?;
        }
        Some((id, kind, name)) => {
            let update = RegistryUpdate {
                credentials: Some(rotated_fields(kind, &new)),
                ..RegistryUpdate::default()
            };
            vault
                .data_mut()
                .update_registry(id.as_str(), update, &user, now)
                .map_err(|e| {
                    Failure::Message(format!(
                        "registry '{}' not updated: {e}",
                        model::escape(&name)
                    ))
                })?;
        }
    }
    save_logged(&mut vault, &before)
}

/// Saves with the audit entries of what changed (an add, or a rotation;
/// a delete) in the same save. A log problem never fails the login.
fn save_logged(vault: &mut Vault, before: &crate::model::VaultData) -> Result<(), Failure> {
    let entries = audit::changes(before, vault.data(), &vault.audit_who());
    let (saved, _log_problem) = vault.save_recording(&entries);
    saved?;
    Ok(())
}

pub(super) fn erase(g: &Global, request: &str) -> Result<(), Failure> {
    let host = request_host(request)?;
    let mut vault = open_locked(g)?;
    let Some(id) = vault.data().registry_for_host(&host)?.map(|r| r.id.clone()) else {
        return Err(Failure::NotFound);
    };
    let before = vault.data().clone();
    let user = vault.acting_user(&model::current_user());
    vault.data_mut().delete_registry(id.as_str(), &user)?;
    save_logged(&mut vault, &before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_rotates_only_the_user_and_secret() {
        let new = infer::infer("127.0.0.1:5000", "bob", "pw2").unwrap();
        let c = rotated_fields(RegistryKind::Custom, &new);
        assert_eq!(c.get("password"), Some("pw2"));
        assert_eq!(c.get("username"), Some("bob"));
        assert_eq!(c.get("url"), None);
        let gcr = infer::infer("eu.gcr.io", infer::JSON_KEY_USER, "{\"k\":1}").unwrap();
        let c = rotated_fields(RegistryKind::Gcr, &gcr);
        assert_eq!(c.get("serviceAccountKey"), Some("{\"k\":1}"));
        assert_eq!(c.get("username"), None);
    }
}
