//! Finding records in `VaultData`: by id or name, with the error that names
//! what was not found, and which containers use a registry.

use super::error::RuleError;
use super::{Container, Registry, RegistryId, VaultData};

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

    pub(super) fn registry_index(&self, id_or_name: &str) -> Result<usize, RuleError> {
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

    pub(super) fn container_index(&self, id_or_name: &str) -> Result<usize, RuleError> {
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
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::model::ContainerSpec;

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
            ..VaultData::default()
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
