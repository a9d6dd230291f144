//! The platform's rules for registries: unique names, structural validation
//! before anything is stored, deletes and rotation by the creator or a
//! member the creator named (delegates), no delete while
//! containers reference a registry, rotation recorded and nothing else; plus
//! the test results, ECR tokens and connection settings kept with them.

use jiff::Timestamp;

use super::error::RuleError;
use super::{Connection, EcrToken, Registry, RegistryId, TestRecord, VaultData};
use crate::registry::{self, Credentials, Finding, RegistryKind};

/// A registry about to be created.
#[derive(Debug, Clone)]
pub struct NewRegistry {
    pub name: String,
    pub kind: RegistryKind,
    pub credentials: Credentials,
}

/// What an update changes; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct RegistryUpdate {
    pub name: Option<String>,
    pub kind: Option<RegistryKind>,
    /// Fields to set; other stored fields are kept (unless the kind changes,
    /// then only fields of the new kind survive).
    pub credentials: Option<Credentials>,
}

/// The signing key fingerprint of an acting user `name (sha256:…)`.
fn key_of(user: &str) -> Option<&str> {
    let (_, key) = user.rsplit_once(" (sha256:")?;
    key.strip_suffix(')')
}

/// "Only the creator": in a signed vault the signing keys must match (a
/// name alone, which anyone may type, is never enough) and so must the
/// names; a creator recorded without a key (before the vault was signed) is
/// matched by name.
fn is_creator(created_by: &str, user: &str) -> bool {
    match (key_of(created_by), key_of(user)) {
        (Some(_), Some(_)) | (None, None) => created_by == user,
        (Some(_), None) => false,
        (None, Some(_)) => user
            .rsplit_once(" (sha256:")
            .is_some_and(|(name, _)| name == created_by),
    }
}

/// The fingerprint hex a delegate entry names: a bare `sha256:…` or the
/// key part of `name (sha256:…)`; `None` for a bare user name.
fn delegate_key(delegate: &str) -> Option<&str> {
    delegate
        .strip_prefix("sha256:")
        .or_else(|| key_of(delegate))
}

/// Whether `user` (as `Vault::acting_user` gives it) is the member `delegate`
/// names: in a signed vault only the fingerprints are compared (the name
/// beside a key is whatever its holder types); a bare name, named in an
/// unsigned vault, matches by name.
fn is_delegate(delegate: &str, user: &str) -> bool {
    match (delegate_key(delegate), key_of(user)) {
        (Some(named), Some(acting)) => named == acting,
        (Some(_), None) => false,
        (None, None) => delegate == user,
        (None, Some(_)) => user
            .rsplit_once(" (sha256:")
            .is_some_and(|(name, _)| name == delegate),
    }
}

/// The creator, or a member the creator named: who may rotate and delete.
pub(super) fn may_manage(r: &Registry, user: &str) -> bool {
    is_creator(&r.created_by, user) || r.delegates.iter().any(|d| is_delegate(d, user))
}

impl VaultData {
    fn check_registry_name(
        &self,
        name: &str,
        except: Option<&RegistryId>,
    ) -> Result<(), RuleError> {
        super::check_name("name", name)?;
        if self
            .registries
            .iter()
            .any(|r| r.name == name && Some(&r.id) != except)
        {
            return Err(RuleError::DuplicateRegistryName(name.to_owned()));
        }
        Ok(())
    }

    fn fresh_registry_id(&self) -> RegistryId {
        loop {
            let id = RegistryId::generate();
            if !self.registries.iter().any(|r| r.id == id) {
                return id;
            }
        }
    }

    /// Adds a registry after the structural check. Warnings are returned (the
    /// caller shows them); errors refuse the add.
    pub fn add_registry(
        &mut self,
        new: NewRegistry,
        user: &str,
        now: Timestamp,
    ) -> Result<(RegistryId, Vec<Finding>), RuleError> {
        self.add_registry_with(new, Connection::default(), user, now)
    }

    /// `add_registry` with connection settings: a Custom `http://` url to
    /// another host is accepted only when `connection.insecure`.
    pub fn add_registry_with(
        &mut self,
        new: NewRegistry,
        connection: Connection,
        user: &str,
        now: Timestamp,
    ) -> Result<(RegistryId, Vec<Finding>), RuleError> {
        let name = new.name.trim().to_owned();
        self.check_registry_name(&name, None)?;
        let mut new = new;
        registry::normalize::normalize(new.kind, &mut new.credentials);
        let findings = registry::validate_for(new.kind, &new.credentials, connection.insecure);
        if registry::has_errors(&findings) {
            return Err(RuleError::Invalid(findings));
        }
        let id = self.fresh_registry_id();
        self.registries.push(Registry {
            id: id.clone(),
            name,
            kind: new.kind,
            credentials: new.credentials,
            created_by: user.to_owned(),
            created_at: now,
            updated_at: now,
            credentials_rotated_at: None,
            last_test: None,
            connection,
            ecr_token: None,
            delegates: Vec::new(),
            host_default: false,
        });
        Ok((id, findings))
    }

    /// Renames and/or rotates credentials. A credential change records the
    /// rotation time — and nothing else: nothing is redeployed; the Secrets
    /// applied before it stay stale until synced (`ops::stale`), and only
    /// then do the new credentials apply at the next pull. Only the creator (`user`), or a
    /// member the creator named, may rotate, as only they may delete.
    pub fn update_registry(
        &mut self,
        id_or_name: &str,
        update: RegistryUpdate,
        user: &str,
        now: Timestamp,
    ) -> Result<Vec<Finding>, RuleError> {
        let idx = self.registry_index(id_or_name)?;
        let id = self.registries[idx].id.clone();
        if let Some(name) = &update.name {
            self.check_registry_name(name.trim(), Some(&id))?;
        }
        let current = &self.registries[idx];
        let kind = update.kind.unwrap_or(current.kind);
        let mut creds = if kind == current.kind {
            current.credentials.clone()
        } else {
            Credentials::new()
        };
        if kind != current.kind {
            // Keep only fields the new kind also has (e.g. username).
            for spec in kind.fields() {
                if let Some(v) = current.credentials.get(spec.name) {
                    creds.set(spec.name, v);
                }
            }
        }
        if let Some(new) = &update.credentials {
            for (k, v) in new.iter() {
                creds.set(k, v.expose());
            }
        }
        registry::normalize::normalize(kind, &mut creds);
        // Checked against the registry's connection settings: set them
        // first (`set_connection`) when both change.
        let findings = registry::validate_for(kind, &creds, current.connection.insecure);
        if registry::has_errors(&findings) {
            return Err(RuleError::Invalid(findings));
        }
        let rotated = creds != current.credentials || kind != current.kind;
        if rotated && !may_manage(current, user) {
            return Err(RuleError::NotCreator {
                name: current.name.clone(),
                action: "rotate the credentials of",
                delegable: true,
            });
        }
        let r = &mut self.registries[idx];
        let mut changed = rotated;
        if let Some(name) = update.name {
            let name = name.trim().to_owned();
            changed |= name != r.name;
            r.name = name;
        }
        if rotated {
            r.kind = kind;
            r.credentials = creds;
            r.credentials_rotated_at = Some(now);
            // A test of the old credentials says nothing about the new ones,
            // and a token exchanged with the old keys belongs to them.
            r.last_test = None;
            r.ecr_token = None;
        }
        if changed {
            r.updated_at = now;
        }
        Ok(findings)
    }

    /// The platform's `registry.delete({registryId})`: only the creator (or
    /// a member the creator named), and never while a container references it.
    pub fn delete_registry(&mut self, id_or_name: &str, user: &str) -> Result<Registry, RuleError> {
        let idx = self.registry_index(id_or_name)?;
        let r = &self.registries[idx];
        if !may_manage(r, user) {
            return Err(RuleError::NotCreator {
                name: r.name.clone(),
                action: "delete",
                delegable: true,
            });
        }
        let users: Vec<String> = self
            .containers_using(&r.id)
            .iter()
            .map(|c| format!("{} ({})", c.name, c.environment))
            .collect();
        if !users.is_empty() {
            return Err(RuleError::InUse {
                name: r.name.clone(),
                containers: users,
            });
        }
        Ok(self.registries.remove(idx))
    }

    /// Changes who the creator names as delegates (`sha256:…` fingerprints
    /// in a team vault, user names in an unsigned one). Only the creator may, never a
    /// delegate. Returns whether the list changed.
    pub fn set_delegates(
        &mut self,
        id_or_name: &str,
        add: &[String],
        remove: &[String],
        user: &str,
        now: Timestamp,
    ) -> Result<bool, RuleError> {
        let idx = self.registry_index(id_or_name)?;
        let r = &mut self.registries[idx];
        if !is_creator(&r.created_by, user) {
            return Err(RuleError::NotCreator {
                name: r.name.clone(),
                action: "change the delegates of",
                delegable: false,
            });
        }
        let before = r.delegates.clone();
        r.delegates.retain(|d| !remove.contains(d));
        for d in add {
            if !r.delegates.contains(d) {
                r.delegates.push(d.clone());
            }
        }
        let changed = r.delegates != before;
        if changed {
            r.updated_at = now;
        }
        Ok(changed)
    }

    pub fn record_test(&mut self, id_or_name: &str, record: TestRecord) -> Result<(), RuleError> {
        let idx = self.registry_index(id_or_name)?;
        self.registries[idx].last_test = Some(record);
        Ok(())
    }

    /// Keeps the ECR token a live test exchanged (replacing an older one).
    pub fn record_ecr_token(&mut self, id_or_name: &str, token: EcrToken) -> Result<(), RuleError> {
        let idx = self.registry_index(id_or_name)?;
        self.registries[idx].ecr_token = Some(token);
        Ok(())
    }

    /// Changes how the registry is reached (CA bundle, plain http). A
    /// change makes the last test stale: it was made with other settings.
    /// Returns whether anything changed.
    pub fn set_connection(
        &mut self,
        id_or_name: &str,
        connection: Connection,
        now: Timestamp,
    ) -> Result<bool, RuleError> {
        let idx = self.registry_index(id_or_name)?;
        let r = &mut self.registries[idx];
        if r.connection == connection {
            return Ok(false);
        }
        r.connection = connection;
        r.last_test = None;
        r.updated_at = now;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretValue;

    #[test]
    fn old_records_load_and_settings_follow_the_rules() {
        // A registry saved before connection settings existed still loads.
        let old = r#"{"id":"reg-abc123","name":"gh","type":"GHCR",
            "credentials":{"username":"octo","token":"ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"},
            "createdBy":"me","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}"#;
        let r: Registry = serde_json::from_str(old).unwrap();
        assert!(r.connection.is_default() && r.ecr_token.is_none());
        let back = serde_json::to_string(&r).unwrap();
        assert!(
            !back.contains("connection") && !back.contains("ecrToken"),
            "{back}"
        );

        let now = Timestamp::UNIX_EPOCH;
        let mut data = VaultData {
            registries: vec![r],
            containers: vec![],
            ..VaultData::default()
        };
        data.record_test(
            "gh",
            TestRecord {
                at: now,
                outcome: crate::model::TestOutcome::Ok,
                summary: "fine".into(),
            },
        )
        .unwrap();
        let conn = Connection {
            ca_bundle: Some("PEM".into()),
            insecure: false,
        };
        assert!(data.set_connection("gh", conn.clone(), now).unwrap());
        assert!(
            data.registries[0].last_test.is_none(),
            "settings changed: test is stale"
        );
        assert!(!data.set_connection("gh", conn, now).unwrap());

        data.record_ecr_token(
            "gh",
            EcrToken {
                account_id: "123456789012".into(),
                proxy_endpoint: "https://x".into(),
                token: SecretValue::new("tok-canary"),
                expires_at: now,
            },
        )
        .unwrap();
        assert!(!format!("{data:?}").contains("tok-canary"));
        let creds: Credentials = [("token", "ghp_ROTATEDrotated0123456789abcdefghijKL")]
            .into_iter()
            .collect();
        let update = RegistryUpdate {
            name: None,
            kind: None,
            credentials: Some(creds),
        };
        data.update_registry("gh", update, "me", now).unwrap();
        assert!(
            data.registries[0].ecr_token.is_none(),
            "a token of the old keys is dropped on rotation"
        );
        assert!(
            data.registries[0].connection.ca_bundle.is_some(),
            "settings survive rotation"
        );
    }

    #[test]
    fn only_the_creator_rotates_but_anyone_may_rename() {
        let mut data = VaultData::default();
        let now = Timestamp::UNIX_EPOCH;
        let creds =
            |t: &str| -> Credentials { [("username", "octo"), ("token", t)].into_iter().collect() };
        data.add_registry(
            NewRegistry {
                name: "gh".into(),
                kind: RegistryKind::Ghcr,
                credentials: creds("ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"),
            },
            "alice",
            now,
        )
        .unwrap();
        let rotate = RegistryUpdate {
            credentials: Some(creds("ghp_ZZZZa1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2")),
            ..Default::default()
        };
        let err = data
            .update_registry("gh", rotate.clone(), "mallory", now)
            .unwrap_err();
        assert!(matches!(err, RuleError::NotCreator { .. }), "{err:?}");
        assert!(!err.to_string().contains("alice"), "{err}");
        assert!(data.registries[0].credentials_rotated_at.is_none());
        // Unchanged credentials (an edit form saved as it was) are no rotation.
        let same = RegistryUpdate {
            name: Some("gh-main".into()),
            credentials: Some(creds("ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2")),
            ..Default::default()
        };
        data.update_registry("gh", same, "mallory", now).unwrap();
        data.update_registry("gh-main", rotate, "alice", now)
            .unwrap();
        assert!(data.registries[0].credentials_rotated_at.is_some());
    }

    #[test]
    fn a_delegate_rotates_and_deletes_but_only_the_creator_names_delegates() {
        let now = Timestamp::UNIX_EPOCH;
        let creds =
            |t: &str| -> Credentials { [("username", "octo"), ("token", t)].into_iter().collect() };
        let rotate = |t: &str| RegistryUpdate {
            credentials: Some(creds(t)),
            ..Default::default()
        };
        let alice = "ops (sha256:aaaaaaaaaaaaaaaa)";
        let bob = "ops (sha256:bbbbbbbbbbbbbbbb)";
        let mut data = VaultData::default();
        data.add_registry(
            NewRegistry {
                name: "gh".into(),
                kind: RegistryKind::Ghcr,
                credentials: creds("ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"),
            },
            alice,
            now,
        )
        .unwrap();
        let bob_fp = vec!["sha256:bbbbbbbbbbbbbbbb".to_owned()];
        // A delegate cannot name themselves, nor anyone else.
        let err = data
            .set_delegates("gh", &bob_fp, &[], bob, now)
            .unwrap_err();
        assert!(
            matches!(
                err,
                RuleError::NotCreator {
                    delegable: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.to_string().contains("aaaa"), "{err}");
        assert!(data.registries[0].delegates.is_empty());
        assert!(
            data.update_registry(
                "gh",
                rotate("ghp_BBBBa1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"),
                bob,
                now
            )
            .is_err()
        );
        assert!(data.set_delegates("gh", &bob_fp, &[], alice, now).unwrap());
        assert!(!data.set_delegates("gh", &bob_fp, &[], alice, now).unwrap());
        // The same fingerprint under another name is the same member; another
        // key under the same name is not.
        let bob_renamed = "robert (sha256:bbbbbbbbbbbbbbbb)";
        data.update_registry(
            "gh",
            rotate("ghp_BBBBa1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"),
            bob_renamed,
            now,
        )
        .unwrap();
        assert!(
            data.update_registry(
                "gh",
                rotate("ghp_CCCCa1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"),
                "ops (sha256:cccccccccccccccc)",
                now
            )
            .is_err()
        );
        assert!(
            data.update_registry(
                "gh",
                rotate("ghp_CCCCa1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"),
                "sha256:bbbbbbbbbbbbbbbb",
                now
            )
            .is_err(),
            "a bare name that looks like a key is not the key"
        );
        let err = data
            .set_delegates("gh", &[], &bob_fp, bob, now)
            .unwrap_err();
        assert!(matches!(err, RuleError::NotCreator { .. }), "{err:?}");
        // A delegate may delete, as the creator may.
        data.delete_registry("gh", bob).unwrap();
        assert!(data.registries.is_empty());

        // Unsigned vault: delegates are names.
        data.add_registry(
            NewRegistry {
                name: "gh".into(),
                kind: RegistryKind::Ghcr,
                credentials: creds("ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"),
            },
            "alice",
            now,
        )
        .unwrap();
        data.set_delegates("gh", &["bob".to_owned()], &[], "alice", now)
            .unwrap();
        data.update_registry(
            "gh",
            rotate("ghp_BBBBa1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"),
            "bob",
            now,
        )
        .unwrap();
        assert!(data.delete_registry("gh", "carol").is_err());
        data.set_delegates("gh", &[], &["bob".to_owned()], "alice", now)
            .unwrap();
        assert!(data.delete_registry("gh", "bob").is_err());
    }
}
