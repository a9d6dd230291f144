//! The platform's rules for containers: unique names within an environment,
//! a registry that exists, and the field checks (environment → namespace,
//! image name, tag).

use jiff::Timestamp;

use super::error::RuleError;
use super::{Container, ContainerId, RegistryConfig, RegistryId, SourceType, VaultData};

/// A container about to be created, or the new values of one.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub name: String,
    pub environment: String,
    pub registry_id: Option<RegistryId>,
    pub image_name: String,
    pub image_tag: String,
}

impl VaultData {
    fn fresh_container_id(&self) -> ContainerId {
        loop {
            let id = ContainerId::generate();
            if !self.containers.iter().any(|c| c.id == id) {
                return id;
            }
        }
    }

    fn check_container(
        &self,
        spec: &ContainerSpec,
        except: Option<&ContainerId>,
    ) -> Result<(), RuleError> {
        super::check_name("name", spec.name.trim())?;
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
        spec.name.trim().clone_into(&mut c.name);
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
}
