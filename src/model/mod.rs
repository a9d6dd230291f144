//! The domain records kept in the vault — registries, the containers that
//! reference them, and `VaultData` holding both — defined here.
//!
//! Around them: `kube` (the Secrets regvault applied, and the key of their
//! credentials-hash annotation), `id` (record ids), `stamp` (who is acting, ages), `error`
//! (`RuleError`), and the platform's rules as methods on `VaultData`:
//! `lookup` (find by id or name), `registry_rules` (unique names, only the
//! creator — or a member the creator named — rotates or deletes a registry,
//! never deleted while a container references it)
//! and `container_rules` (container names and fields); `hosts` (which
//! registries serve a host for the credential helper, the host default).

mod container_rules;
mod error;
mod hosts;
mod id;
mod image_match;
mod kube;
mod lookup;
mod outcome;
mod plural;
mod registry_rules;
mod stamp;
mod text;

pub use container_rules::{ContainerSpec, check_environment, check_image_name, check_image_tag};
pub use error::RuleError;
pub use id::{ContainerId, RegistryId};
pub use image_match::{explicit_host, image_host_warning, image_pull_host};
pub use kube::{AppliedSecret, KubeRecords};
pub use outcome::{TestOutcome, UnknownOutcome};
pub use plural::plural;
pub use registry_rules::{NewRegistry, RegistryUpdate};
pub use stamp::{age, current_user};
pub use text::{MAX_NAME_CHARS, check_name, escape, is_unsafe};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::registry::{Credentials, RegistryKind};
use crate::secret::SecretValue;

/// The outcome of the last Test Connection, kept with the registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestRecord {
    pub at: Timestamp,
    /// `ok`, or the failure class (`invalid`, `bad-credentials`, …).
    pub outcome: TestOutcome,
    /// One line a user can act on. Never contains a secret.
    pub summary: String,
}

impl TestRecord {
    pub fn passed(&self) -> bool {
        self.outcome == TestOutcome::Ok
    }
}

/// How to reach a registry, kept beside (never inside) its credentials: the
/// nine kinds' credential fields stay exactly the platform's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// PEM text of the CA certificate(s) a self-signed registry is trusted
    /// through; only these roots are used for that registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_bundle: Option<String>,
    /// Allow plain `http://` to a registry that is not on loopback.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
}

impl Connection {
    #[must_use]
    pub fn is_default(&self) -> bool {
        self.ca_bundle.is_none() && !self.insecure
    }
}

/// The docker password of an ECR registry: a 12-hour token from
/// `ecr:GetAuthorizationToken`, kept with its expiry so it can be shown and
/// renewed before deploys fail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcrToken {
    pub account_id: String,
    /// `https://<account>.dkr.ecr.<region>.amazonaws.com`
    pub proxy_endpoint: String,
    /// The password half of `AWS:<token>`.
    pub token: SecretValue,
    pub expires_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    pub id: RegistryId,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: RegistryKind,
    #[serde(default)]
    pub credentials: Credentials,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_rotated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_test: Option<TestRecord>,
    #[serde(default, skip_serializing_if = "Connection::is_default")]
    pub connection: Connection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecr_token: Option<EcrToken>,
    /// Members the creator named who may rotate and delete it like the
    /// creator: signing-key fingerprints `sha256:…` in a team vault, user
    /// names in an unsigned one. Only the creator changes this list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegates: Vec<String>,
    /// The registry the credential helper serves when several are saved
    /// for one host (`regvault registry default`); at most one per host.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host_default: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceType {
    #[default]
    Registry,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryConfig {
    /// `None` for public images: they need no credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<RegistryId>,
    pub image_name: String,
    pub image_tag: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub id: ContainerId,
    pub name: String,
    pub environment: String,
    #[serde(default)]
    pub source_type: SourceType,
    pub registry_config: RegistryConfig,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Container {
    /// `imageName:imageTag`, as a pod spec or `docker pull` would name it.
    pub fn image_ref(&self) -> String {
        format!(
            "{}:{}",
            self.registry_config.image_name, self.registry_config.image_tag
        )
    }
}

/// Everything the vault holds. The platform's rules are its methods:
/// lookups in `lookup`, registry rules in `registry_rules`, container rules
/// in `container_rules`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultData {
    #[serde(default)]
    pub registries: Vec<Registry>,
    #[serde(default)]
    pub containers: Vec<Container>,
    /// The Secrets regvault applied and the credentials-hash key.
    #[serde(default, skip_serializing_if = "KubeRecords::is_empty")]
    pub kube: KubeRecords,
}
