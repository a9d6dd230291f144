//! The platform's rules as methods on `VaultData`: unique names, structural
//! validation before anything is stored, creator-only deletes, no delete
//! while containers reference a registry, rotation recorded and nothing
//! else; plus the container field checks (environment → namespace, image
//! name, tag).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{
    Connection, Container, ContainerId, EcrToken, Registry, RegistryConfig, RegistryId, SourceType,
    TestRecord,
};
use crate::registry::{self, Credentials, Finding, RegistryKind};

/// A rule of the platform said no. Messages name the thing and the rule and
/// never carry a credential.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("no registry '{0}'")]
    NoSuchRegistry(String),
    #[error("no container '{0}'")]
    NoSuchContainer(String),
    #[error("name: must not be empty")]
    EmptyName,
    #[error("name: a registry named '{0}' already exists")]
    DuplicateRegistryName(String),
    #[error("name: a container named '{name}' already exists in environment '{environment}'")]
    DuplicateContainerName { name: String, environment: String },
    #[error("{}", invalid_message(.0))]
    Invalid(Vec<Finding>),
    #[error("only the registry's creator may delete it: '{name}' was created by {created_by}")]
    NotCreator { name: String, created_by: String },
    #[error("registry '{name}' is used by {} container(s): {}; delete or repoint them first", .containers.len(), .containers.join(", "))]
    InUse {
        name: String,
        /// `name (environment)` of each referencing container.
        containers: Vec<String>,
    },
    #[error("{field}: {message}")]
    BadContainerField {
        field: &'static str,
        message: String,
    },
}

fn invalid_message(findings: &[Finding]) -> String {
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.is_error())
        .map(ToString::to_string)
        .collect();
    errors.join("; ")
}

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

/// A container about to be created, or the new values of one.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub name: String,
    pub environment: String,
    pub registry_id: Option<RegistryId>,
    pub image_name: String,
    pub image_tag: String,
}

/// Everything the vault holds, with the platform's rules as methods.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultData {
    #[serde(default)]
    pub registries: Vec<Registry>,
    #[serde(default)]
    pub containers: Vec<Container>,
}

impl VaultData {
    /// By id (`reg-abc123`) or by exact name.
    pub fn registry(&self, id_or_name: &str) -> Option<&Registry> {
        self.registries
            .iter()
            .find(|r| r.id.as_str() == id_or_name)
            .or_else(|| self.registries.iter().find(|r| r.name == id_or_name))
    }

    /// `registry`, or the error that names what was not found.
    pub fn find_registry(&self, id_or_name: &str) -> Result<&Registry, RuleError> {
        self.registry(id_or_name)
            .ok_or_else(|| RuleError::NoSuchRegistry(id_or_name.to_owned()))
    }

    fn registry_index(&self, id_or_name: &str) -> Result<usize, RuleError> {
        self.registries
            .iter()
            .position(|r| r.id.as_str() == id_or_name)
            .or_else(|| self.registries.iter().position(|r| r.name == id_or_name))
            .ok_or_else(|| RuleError::NoSuchRegistry(id_or_name.to_owned()))
    }

    /// By id (`ctr-abc123`) or by exact name (first match).
    pub fn container(&self, id_or_name: &str) -> Option<&Container> {
        self.containers
            .iter()
            .find(|c| c.id.as_str() == id_or_name)
            .or_else(|| self.containers.iter().find(|c| c.name == id_or_name))
    }

    /// `container`, or the error that names what was not found.
    pub fn find_container(&self, id_or_name: &str) -> Result<&Container, RuleError> {
        self.container(id_or_name)
            .ok_or_else(|| RuleError::NoSuchContainer(id_or_name.to_owned()))
    }

    fn container_index(&self, id_or_name: &str) -> Result<usize, RuleError> {
        self.containers
            .iter()
            .position(|c| c.id.as_str() == id_or_name)
            .or_else(|| self.containers.iter().position(|c| c.name == id_or_name))
            .ok_or_else(|| RuleError::NoSuchContainer(id_or_name.to_owned()))
    }

    pub fn containers_using(&self, id: &RegistryId) -> Vec<&Container> {
        self.containers
            .iter()
            .filter(|c| c.registry_config.registry_id.as_ref() == Some(id))
            .collect()
    }

    /// How many containers use each registry, in `registries` order: what
    /// `containers_using(..).len()` gives for every registry, in one pass.
    pub fn used_by_counts(&self) -> Vec<usize> {
        let mut by_id: std::collections::HashMap<&RegistryId, usize> =
            std::collections::HashMap::new();
        for c in &self.containers {
            if let Some(id) = &c.registry_config.registry_id {
                *by_id.entry(id).or_default() += 1;
            }
        }
        self.registries
            .iter()
            .map(|r| by_id.get(&r.id).copied().unwrap_or(0))
            .collect()
    }

    fn check_registry_name(
        &self,
        name: &str,
        except: Option<&RegistryId>,
    ) -> Result<(), RuleError> {
        if name.trim().is_empty() {
            return Err(RuleError::EmptyName);
        }
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

    fn fresh_container_id(&self) -> ContainerId {
        loop {
            let id = ContainerId::generate();
            if !self.containers.iter().any(|c| c.id == id) {
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
        let name = new.name.trim().to_owned();
        self.check_registry_name(&name, None)?;
        let findings = registry::validate(new.kind, &new.credentials);
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
            connection: Connection::default(),
            ecr_token: None,
        });
        Ok((id, findings))
    }

    /// Renames and/or rotates credentials. A credential change records the
    /// rotation time — and nothing else: nothing is redeployed; the new
    /// credentials apply at the next pull.
    pub fn update_registry(
        &mut self,
        id_or_name: &str,
        update: RegistryUpdate,
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
        let findings = registry::validate(kind, &creds);
        if registry::has_errors(&findings) {
            return Err(RuleError::Invalid(findings));
        }
        let rotated = creds != current.credentials || kind != current.kind;
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

    /// The platform's `registry.delete({registryId})`: only the creator, and
    /// never while a container references it.
    pub fn delete_registry(&mut self, id_or_name: &str, user: &str) -> Result<Registry, RuleError> {
        let idx = self.registry_index(id_or_name)?;
        let r = &self.registries[idx];
        if r.created_by != user {
            return Err(RuleError::NotCreator {
                name: r.name.clone(),
                created_by: r.created_by.clone(),
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

    fn check_container(
        &self,
        spec: &ContainerSpec,
        except: Option<&ContainerId>,
    ) -> Result<(), RuleError> {
        if spec.name.trim().is_empty() {
            return Err(RuleError::EmptyName);
        }
        check_environment(&spec.environment)?;
        check_image_name(&spec.image_name)?;
        check_image_tag(&spec.image_tag)?;
        if let Some(id) = &spec.registry_id
            && !self.registries.iter().any(|r| &r.id == id)
        {
            return Err(RuleError::NoSuchRegistry(id.to_string()));
        }
        if self.containers.iter().any(|c| {
            c.name == spec.name.trim() && c.environment == spec.environment && Some(&c.id) != except
        }) {
            return Err(RuleError::DuplicateContainerName {
                name: spec.name.trim().to_owned(),
                environment: spec.environment.clone(),
            });
        }
        Ok(())
    }

    pub fn add_container(
        &mut self,
        spec: ContainerSpec,
        user: &str,
        now: Timestamp,
    ) -> Result<ContainerId, RuleError> {
        self.check_container(&spec, None)?;
        let id = self.fresh_container_id();
        self.containers.push(Container {
            id: id.clone(),
            name: spec.name.trim().to_owned(),
            environment: spec.environment,
            source_type: SourceType::Registry,
            registry_config: RegistryConfig {
                registry_id: spec.registry_id,
                image_name: spec.image_name,
                image_tag: spec.image_tag,
            },
            created_by: user.to_owned(),
            created_at: now,
            updated_at: now,
        });
        Ok(id)
    }

    pub fn update_container(
        &mut self,
        id_or_name: &str,
        spec: ContainerSpec,
        now: Timestamp,
    ) -> Result<(), RuleError> {
        let idx = self.container_index(id_or_name)?;
        let id = self.containers[idx].id.clone();
        self.check_container(&spec, Some(&id))?;
        let c = &mut self.containers[idx];
        c.name = spec.name.trim().to_owned();
        c.environment = spec.environment;
        c.registry_config = RegistryConfig {
            registry_id: spec.registry_id,
            image_name: spec.image_name,
            image_tag: spec.image_tag,
        };
        c.updated_at = now;
        Ok(())
    }

    pub fn delete_container(&mut self, id_or_name: &str) -> Result<Container, RuleError> {
        let idx = self.container_index(id_or_name)?;
        Ok(self.containers.remove(idx))
    }
}

/// Environments become Kubernetes namespaces `env-<name>`: a DNS label of at
/// most 63 characters in all.
pub fn check_environment(env: &str) -> Result<(), RuleError> {
    let bad = |message: &str| RuleError::BadContainerField {
        field: "environment",
        message: message.to_owned(),
    };
    if env.is_empty() {
        return Err(bad("must not be empty"));
    }
    if env.len() > 59 {
        return Err(bad(
            "at most 59 characters (it becomes the namespace env-<environment>)",
        ));
    }
    if !env
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || env.starts_with('-')
        || env.ends_with('-')
    {
        return Err(bad(
            "lowercase letters, digits and '-', not starting or ending with '-' (it becomes the namespace env-<environment>)",
        ));
    }
    Ok(())
}

/// An image name as docker reads it: optional `host[:port]/`, then
/// lowercase path components separated by `/`.
pub fn check_image_name(name: &str) -> Result<(), RuleError> {
    let bad = |message: String| RuleError::BadContainerField {
        field: "imageName",
        message,
    };
    if name.is_empty() {
        return Err(bad("must not be empty".into()));
    }
    if name.len() > 255 {
        return Err(bad("at most 255 characters".into()));
    }
    if name.contains(':')
        && !name
            .split('/')
            .next()
            .is_some_and(|h| h.contains('.') || h.contains(':') || h == "localhost")
    {
        return Err(bad(format!(
            "'{name}' has a ':' — give the tag in imageTag, not in the name"
        )));
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 {
        let first = parts[0];
        if first.contains('.') || first.contains(':') || first == "localhost" {
            if first.split(':').next().is_none_or(str::is_empty) {
                return Err(bad(format!("'{name}': the registry host is empty")));
            }
            parts.remove(0);
        }
    }
    for part in parts {
        let ok = !part.is_empty()
            && part.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            })
            && part
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && part
                .bytes()
                .last()
                .is_some_and(|b| b.is_ascii_alphanumeric());
        if !ok {
            return Err(bad(format!(
                "'{name}' is not an image name: path parts are lowercase letters, digits and . _ -, starting and ending alphanumeric"
            )));
        }
    }
    Ok(())
}

/// A tag: up to 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`.
pub fn check_image_tag(tag: &str) -> Result<(), RuleError> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && !tag.starts_with(['.', '-']);
    if ok {
        Ok(())
    } else {
        Err(RuleError::BadContainerField {
            field: "imageTag",
            message: format!(
                "'{tag}' is not a tag: up to 128 letters, digits, _ . -, not starting with . or -"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretValue;

    #[test]
    fn ids_have_the_documented_shape() {
        for _ in 0..200 {
            let id = RegistryId::generate();
            assert!(RegistryId::parse(id.as_str()).is_some(), "{id}");
            assert_eq!(id.as_str().len(), 10);
        }
        assert!(RegistryId::parse("reg-ABC123").is_none());
        assert!(RegistryId::parse("reg-abc12").is_none());
        assert!(ContainerId::parse("ctr-abc123").is_some());
    }

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
        };
        data.record_test(
            "gh",
            TestRecord {
                at: now,
                outcome: "ok".into(),
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
        data.update_registry("gh", update, now).unwrap();
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
    fn environment_and_image_rules() {
        assert!(check_environment("production").is_ok());
        assert!(check_environment("Prod").is_err());
        assert!(check_environment("-x").is_err());
        assert!(check_image_name("nginx").is_ok());
        assert!(check_image_name("acme/web").is_ok());
        assert!(check_image_name("ghcr.io/acme/web").is_ok());
        assert!(check_image_name("127.0.0.1:5000/acme/web").is_ok());
        assert!(check_image_name("acme/Web").is_err());
        assert!(check_image_name("web:1.0").is_err());
        assert!(check_image_tag("1.2.3").is_ok());
        assert!(check_image_tag("-bad").is_err());
    }

    #[test]
    fn used_by_counts_match_containers_using() {
        let reg = |id: &str, name: &str| -> Registry {
            serde_json::from_str(&format!(
                r#"{{"id":"{id}","name":"{name}","type":"GHCR",
                "credentials":{{"username":"octo","token":"ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"}},
                "createdBy":"me","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}}"#
            ))
            .unwrap()
        };
        let mut data = VaultData {
            registries: vec![reg("reg-aaaaaa", "a"), reg("reg-bbbbbb", "b")],
            containers: vec![],
        };
        assert_eq!(data.used_by_counts(), [0, 0]);
        let b = data.registries[1].id.clone();
        for (name, registry_id) in [("web", Some(b.clone())), ("api", Some(b)), ("pub", None)] {
            let spec = ContainerSpec {
                name: name.into(),
                environment: "production".into(),
                registry_id,
                image_name: "acme/web".into(),
                image_tag: "1.0".into(),
            };
            data.add_container(spec, "me", Timestamp::UNIX_EPOCH)
                .unwrap();
        }
        let expected: Vec<usize> = data
            .registries
            .iter()
            .map(|r| data.containers_using(&r.id).len())
            .collect();
        assert_eq!(data.used_by_counts(), expected);
        assert_eq!(expected, [0, 2]);
    }
}
