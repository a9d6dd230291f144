//! `PullSecretPlan`: what applying one registry to some environments puts
//! in a cluster — per environment (namespace `env-<environment>`) one
//! `kubernetes.io/dockerconfigjson` Secret and one Deployment per container
//! of that registry whose pod template lists the Secret in
//! `imagePullSecrets` (a secret nobody references pulls nothing).
//!
//! Pure: the plan is built from the vault data and a clock reading, and
//! renders manifests for server-side apply. The Secret carries a keyed hash
//! (HMAC-SHA256 under the vault's own random key) of its
//! `.dockerconfigjson` so a cluster's copy can be judged current or stale
//! without reading its data — and without letting whoever reads the
//! Secret's metadata test password guesses against it. The hash is
//! deliberately *not* put on the pod template: rotating credentials must
//! not restart pods.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::image::{ecr_host, image_host, qualified_image, same_registry_host};
use super::names::{deployment_names, secret_names};
use super::{
    CONTAINER_ID_ANNOTATION, CREDENTIALS_HASH_ANNOTATION, DOCKERCONFIGJSON_KEY,
    EXPIRES_AT_ANNOTATION, MANAGED_BY_LABEL, MANAGER, REGISTRY_ID_ANNOTATION, SECRET_TYPE,
    SecretManifest, namespace_for,
};
use crate::model::{self, ContainerId, Registry, RegistryId, RuleError, VaultData};
use crate::registry::{self, AuthError, DockerLogin, RegistryKind};

const NAME_LABEL: &str = "app.kubernetes.io/name";

/// Why no plan could be made. Messages name the registry and what to do,
/// never a credential.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("no registry '{0}'")]
    NoSuchRegistry(String),
    #[error("registry '{0}' is public: its images need no pull secret")]
    Public(String),
    #[error(
        "registry '{0}' (ECR) has no token yet: `regvault registry test {0}` exchanges its access keys for a 12-hour token"
    )]
    NoEcrToken(String),
    #[error(
        "the ECR token of registry '{name}' expired at {expired_at}: `regvault registry test {name}` gets a new one"
    )]
    EcrTokenExpired { name: String, expired_at: Timestamp },
    #[error(
        "registry '{0}' (ECR): the stored token's proxy endpoint has no host; exchange a new token"
    )]
    BadEcrEndpoint(String),
    #[error("no environment given: a pull secret is applied per environment")]
    NoEnvironments,
    #[error(transparent)]
    Environment(#[from] RuleError),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// What docker (or a pull secret) is given for this registry at `now`:
/// the kind's username/password, or for ECR `AWS` and the stored token
/// under its proxy endpoint's host. `None` for Public.
///
/// # Errors
/// Invalid credentials; ECR without a token or with an expired one.
pub fn login_for(r: &Registry, now: Timestamp) -> Result<Option<DockerLogin>, PlanError> {
    if r.kind != RegistryKind::Ecr {
        return Ok(registry::docker_login(r.kind, &r.credentials, &r.name)?);
    }
    let token = r
        .ecr_token
        .as_ref()
        .ok_or_else(|| PlanError::NoEcrToken(r.name.clone()))?;
    if token.expires_at <= now {
        return Err(PlanError::EcrTokenExpired {
            name: r.name.clone(),
            expired_at: token.expires_at,
        });
    }
    let server = ecr_host(token).ok_or_else(|| PlanError::BadEcrEndpoint(r.name.clone()))?;
    Ok(Some(DockerLogin {
        server,
        username: "AWS".to_owned(),
        password: token.token.clone(),
        source: r.name.clone(),
    }))
}

/// The environments whose containers use this registry, sorted.
#[must_use]
pub fn environments_using(data: &VaultData, id: &RegistryId) -> Vec<String> {
    let mut envs: Vec<String> = data
        .containers_using(id)
        .iter()
        .map(|c| c.environment.clone())
        .collect();
    envs.sort();
    envs.dedup();
    envs
}

/// One container's Deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentPlan {
    pub container_id: ContainerId,
    pub container_name: String,
    /// The Deployment (and pod container) name: a DNS-1123 label.
    pub name: String,
    /// Fully qualified: `ghcr.io/acme/web:1.0`.
    pub image: String,
}

/// One environment's copy of the Secret and its Deployments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentPlan {
    pub environment: String,
    pub namespace: String,
    pub deployments: Vec<DeploymentPlan>,
}

/// What applying one registry to some environments means.
pub struct PullSecretPlan {
    pub registry_id: RegistryId,
    pub registry_name: String,
    pub kind: RegistryKind,
    /// `ghcr-creds`; the same in every namespace.
    pub secret_name: String,
    /// The auths key inside the Secret (`ghcr.io`, `https://index.docker.io/v1/`).
    pub server: String,
    /// HMAC-SHA256 hex of the `.dockerconfigjson` bytes under the vault's
    /// key; `None` when the vault has no key yet (nothing it applied can be
    /// current then). Not for display: `--json` leaves it out.
    pub credentials_hash: Option<String>,
    /// ECR: when the token inside stops working.
    pub expires_at: Option<Timestamp>,
    pub environments: Vec<EnvironmentPlan>,
    /// Things a user should know before applying (never a secret).
    pub warnings: Vec<String>,
    dockerconfigjson: Zeroizing<String>,
}

/// HMAC-SHA256 of `bytes` under `key` (the key's text is the key), hex.
fn keyed_hash_hex(key: &str, bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(bytes);
    mac.finalize()
        .into_bytes()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

impl PullSecretPlan {
    /// Plans the registry `registry_ref` (id or name) for `environments` at time `now` (ECR
    /// tokens are checked against it).
    ///
    /// # Errors
    /// See `PlanError`.
    pub fn build(
        data: &VaultData,
        registry_ref: &str,
        environments: &[String],
        now: Timestamp,
    ) -> Result<Self, PlanError> {
        let r = data
            .registry(registry_ref)
            .ok_or_else(|| PlanError::NoSuchRegistry(registry_ref.to_owned()))?;
        if environments.is_empty() {
            return Err(PlanError::NoEnvironments);
        }
        let mut envs: Vec<&str> = Vec::with_capacity(environments.len());
        for env in environments {
            model::check_environment(env)?;
            if !envs.contains(&env.as_str()) {
                envs.push(env);
            }
        }
        let login = login_for(r, now)?.ok_or_else(|| PlanError::Public(r.name.clone()))?;
        let dockerconfigjson = registry::render_dockerconfigjson(std::slice::from_ref(&login))?;
        let credentials_hash = data
            .kube
            .credentials_hash_key
            .as_ref()
            .map(|key| keyed_hash_hex(key.expose(), dockerconfigjson.as_bytes()));
        let secret_name = secret_names(&data.registries)
            .remove(&r.id)
            .unwrap_or_default();

        let mut warnings = Vec::new();
        let environments = envs
            .into_iter()
            .map(|env| {
                let in_env = || data.containers.iter().filter(|c| c.environment == env);
                let names = deployment_names(in_env());
                let mut mine: Vec<_> = in_env()
                    .filter(|c| c.registry_config.registry_id.as_ref() == Some(&r.id))
                    .collect();
                mine.sort_by(|a, b| a.name.cmp(&b.name));
                let deployments = mine
                    .into_iter()
                    .map(|c| {
                        let rc = &c.registry_config;
                        if let Some(host) = image_host(&rc.image_name)
                            && !same_registry_host(host, &login.server)
                        {
                            warnings.push(format!(
                                "container '{}' ({env}) pulls from {host}, but registry '{}' logs in to {}: its pull secret will not be used for that image",
                                c.name, r.name, login.server
                            ));
                        }
                        DeploymentPlan {
                            container_id: c.id.clone(),
                            container_name: c.name.clone(),
                            name: names.get(c.id.as_str()).cloned().unwrap_or_default(),
                            image: qualified_image(&rc.image_name, &rc.image_tag, &login.server),
                        }
                    })
                    .collect();
                EnvironmentPlan {
                    environment: env.to_owned(),
                    namespace: namespace_for(env),
                    deployments,
                }
            })
            .collect();

        Ok(Self {
            registry_id: r.id.clone(),
            registry_name: r.name.clone(),
            kind: r.kind,
            secret_name,
            server: login.server.clone(),
            credentials_hash,
            expires_at: r
                .ecr_token
                .as_ref()
                .filter(|_| r.kind == RegistryKind::Ecr)
                .map(|t| t.expires_at),
            environments,
            warnings,
            dockerconfigjson,
        })
    }

    /// Length of the `.dockerconfigjson` document, in bytes.
    #[must_use]
    pub fn dockerconfigjson_len(&self) -> usize {
        self.dockerconfigjson.len()
    }

    /// Whether `bytes` (a live Secret's `.dockerconfigjson`) are exactly
    /// what this plan puts there — compared by a keyed MAC, so the time
    /// taken says nothing of where they differ (`watch`'s drift check).
    #[must_use]
    pub fn same_dockerconfigjson(&self, bytes: &[u8]) -> bool {
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            return false;
        }
        let mac = |b: &[u8]| {
            // HMAC takes a key of any length: this never fails.
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key).ok()?;
            m.update(b);
            Some(m)
        };
        let (Some(ours), Some(theirs)) = (mac(self.dockerconfigjson.as_bytes()), mac(bytes)) else {
            return false;
        };
        theirs.verify_slice(&ours.finalize().into_bytes()).is_ok()
    }

    /// The Secret without its data: what is safe to show.
    fn secret_skeleton(&self, namespace: &str) -> Value {
        let mut annotations = serde_json::Map::new();
        if let Some(hash) = &self.credentials_hash {
            annotations.insert(CREDENTIALS_HASH_ANNOTATION.into(), hash.clone().into());
        }
        if let Some(at) = self.expires_at {
            annotations.insert(EXPIRES_AT_ANNOTATION.into(), at.to_string().into());
        }
        annotations.insert(
            REGISTRY_ID_ANNOTATION.into(),
            self.registry_id.as_str().into(),
        );
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": self.secret_name,
                "namespace": namespace,
                "labels": { MANAGED_BY_LABEL: MANAGER },
                "annotations": annotations,
            },
            "type": SECRET_TYPE,
        })
    }

    /// The Secret of one environment, data included, for server-side apply.
    #[must_use]
    pub fn secret_manifest(&self, env: &EnvironmentPlan) -> SecretManifest {
        let mut manifest = SecretManifest(self.secret_skeleton(&env.namespace));
        let raw = self.dockerconfigjson.as_bytes();
        let mut b64 = Zeroizing::new(String::with_capacity(
            base64::encoded_len(raw.len(), true).unwrap_or(0),
        ));
        STANDARD.encode_string(raw, &mut b64);
        // Moves the buffer into the manifest (no copy); the manifest wipes
        // it on drop.
        let data = Value::String(std::mem::take(&mut *b64));
        let mut map = serde_json::Map::new();
        map.insert(DOCKERCONFIGJSON_KEY.to_owned(), data);
        manifest.0["data"] = Value::Object(map);
        manifest
    }

    /// The namespace, for "create the namespace when asked".
    #[must_use]
    pub fn namespace_manifest(env: &EnvironmentPlan) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": env.namespace,
                "labels": { MANAGED_BY_LABEL: MANAGER },
            },
        })
    }

    /// One container's Deployment. `replicas` is left out so that scaling
    /// done in the cluster is not undone by the next apply.
    #[must_use]
    pub fn deployment_manifest(&self, env: &EnvironmentPlan, d: &DeploymentPlan) -> Value {
        let labels = json!({ MANAGED_BY_LABEL: MANAGER, NAME_LABEL: d.name });
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": d.name,
                "namespace": env.namespace,
                "labels": labels,
                "annotations": {
                    CONTAINER_ID_ANNOTATION: d.container_id.as_str(),
                    REGISTRY_ID_ANNOTATION: self.registry_id.as_str(),
                },
            },
            "spec": {
                "selector": { "matchLabels": labels },
                "template": {
                    "metadata": { "labels": labels },
                    "spec": {
                        "imagePullSecrets": [{ "name": self.secret_name }],
                        "containers": [{ "name": d.name, "image": d.image }],
                    },
                },
            },
        })
    }

    /// The whole plan for showing to users (`--json`, the Apply dialog):
    /// every manifest, the Secret's data replaced by `<redacted N bytes>`
    /// and its credentials hash by `<hmac>`.
    #[must_use]
    pub fn redacted(&self) -> Value {
        let marker = format!("<redacted {} bytes>", self.dockerconfigjson_len());
        let environments: Vec<Value> = self
            .environments
            .iter()
            .map(|env| {
                let mut secret = self.secret_skeleton(&env.namespace);
                secret["data"] = json!({ DOCKERCONFIGJSON_KEY: marker });
                if let Some(Value::Object(a)) = secret["metadata"].get_mut("annotations")
                    && let Some(hash) = a.get_mut(CREDENTIALS_HASH_ANNOTATION)
                {
                    *hash = Value::String("<hmac>".into());
                }
                let deployments: Vec<Value> = env
                    .deployments
                    .iter()
                    .map(|d| self.deployment_manifest(env, d))
                    .collect();
                json!({
                    "environment": env.environment,
                    "namespace": env.namespace,
                    "secret": secret,
                    "deployments": deployments,
                })
            })
            .collect();
        json!({
            "registry": {
                "id": self.registry_id.as_str(),
                "name": self.registry_name,
                "type": self.kind,
            },
            "secretName": self.secret_name,
            "server": self.server,
            "expiresAt": self.expires_at.map(|t| t.to_string()),
            "environments": environments,
            "warnings": self.warnings,
        })
    }
}

impl fmt::Debug for PullSecretPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PullSecretPlan")
            .field("registry_id", &self.registry_id)
            .field("registry_name", &self.registry_name)
            .field("kind", &self.kind)
            .field("secret_name", &self.secret_name)
            .field("server", &self.server)
            .field(
                "credentials_hash",
                &self.credentials_hash.as_ref().map(|_| "<hmac>"),
            )
            .field("expires_at", &self.expires_at)
            .field("environments", &self.environments)
            .field("warnings", &self.warnings)
            .field(
                "dockerconfigjson",
                &format_args!("<redacted {} bytes>", self.dockerconfigjson_len()),
            )
            .finish()
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
