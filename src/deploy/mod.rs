//! Applying credentials to orchestrators: the pure groundwork.
//!
//! What is here decides *what* to apply and never talks to a cluster or a
//! daemon, so every rule can be unit-tested:
//!
//! - `names` — registry and container names slugged to DNS-1123 labels
//!   (`ghcr-creds`), with a short id suffix when two slugs collide.
//! - `image` — which host an image is pulled from, prefixing the
//!   registry's host when the image name has none, and matching hosts to
//!   registries (`docker.io` ↔ `https://index.docker.io/v1/`).
//! - `plan` — a `PullSecretPlan`: per environment the namespace, the
//!   `kubernetes.io/dockerconfigjson` Secret and one Deployment per
//!   container, rendered as server-side-apply manifests; a redacted view.
//! - `status` — what a Secret found in a cluster means for the plan:
//!   current, stale, missing or unmanaged, and what apply may do about it.
//! - `compose` — merging auths into a docker `config.json` and reading a
//!   compose file's images to pick the registries a project uses.
//! - `config_doc` — a `config.json`/`auth.json` in memory: parse, change,
//!   render as docker writes it, strings wiped on drop.
//! - `helper_config` — `credHelpers` entries for regvault's credential
//!   helper: routes per host, install, uninstall, plaintext removal.
//! - `fsutil` — the one piece with I/O: a private (0600), atomic write,
//!   and the matching read, refusing linked files and directories.
//!
//! Talking to Docker (bollard): `docker` (connect, `/auth` check, pull with
//! `X-Registry-Auth`), `swarm` (services with registry auth, `sync` after a
//! rotation) and `compose_io` (`compose login`: config.json and pulls).
//!
//! Secret bytes live in zeroizing buffers or in `SecretManifest`, whose
//! `Debug` is redacted and which wipes its strings on drop.

mod compose;
pub mod compose_io;
pub mod config_doc;
pub mod docker;
mod fsutil;
pub mod helper_config;
mod image;
pub mod kube;
mod names;
mod plan;
mod status;
pub mod swarm;

use std::fmt;

use serde::{Serialize, Serializer};
use zeroize::Zeroize;

pub use compose::{
    ComposeError, ComposeImage, ComposeSelection, MergedConfig, compose_images, merge_auths,
    select_registries,
};
pub use fsutil::{ensure_private_dir, read_private_text, write_private_atomic};
pub use image::{image_host, qualified_image, registry_image_host, same_registry_host};
pub use names::{dns_label, secret_names, slug};
pub use plan::{
    DeploymentPlan, EnvironmentPlan, PlanError, PullSecretPlan, environments_using, login_for,
};
pub use status::{ObservedSecret, SecretAction, SecretStatus};

/// The label every object regvault applies carries, and its value.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGER: &str = "regvault";
/// Annotation: the id of the registry a Secret (or Deployment) belongs to.
pub const REGISTRY_ID_ANNOTATION: &str = "regvault.io/registry-id";
/// Annotation: HMAC-SHA256 hex of the Secret's `.dockerconfigjson` bytes,
/// keyed by the vault's own random key.
pub const CREDENTIALS_HASH_ANNOTATION: &str = "regvault.io/credentials-hash";
/// Annotation on ECR Secrets: when the 12-hour token inside expires (RFC 3339).
pub const EXPIRES_AT_ANNOTATION: &str = "regvault.io/expires-at";
/// Annotation on Deployments: the container record they were made from.
pub const CONTAINER_ID_ANNOTATION: &str = "regvault.io/container-id";
pub const SECRET_TYPE: &str = "kubernetes.io/dockerconfigjson";
/// The key of the Secret's data.
pub const DOCKERCONFIGJSON_KEY: &str = ".dockerconfigjson";

/// The namespace an environment deploys to.
#[must_use]
pub fn namespace_for(environment: &str) -> String {
    format!("env-{environment}")
}

/// Overwrites every string (keys too) in a JSON value, then empties it: a
/// parsed `config.json` or a rendered Secret holds credentials.
pub(crate) fn wipe_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(wipe_value),
        serde_json::Value::Object(map) => {
            let owned = std::mem::take(map);
            for (mut key, mut v) in owned {
                key.zeroize();
                wipe_value(&mut v);
            }
        }
        _ => {}
    }
    *value = serde_json::Value::Null;
}

/// A manifest that carries secret data (a Secret). It serialises as the
/// plain manifest, for server-side apply; its `Debug` shows no data and it
/// wipes its strings when dropped.
pub struct SecretManifest(serde_json::Value);

impl SecretManifest {
    /// The manifest, data included. Do not log it.
    #[must_use]
    pub fn expose(&self) -> &serde_json::Value {
        &self.0
    }
}

impl Serialize for SecretManifest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl fmt::Debug for SecretManifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let meta = &self.0["metadata"];
        f.debug_struct("SecretManifest")
            .field("namespace", &meta["namespace"].as_str().unwrap_or(""))
            .field("name", &meta["name"].as_str().unwrap_or(""))
            .field("data", &"<redacted>")
            .finish()
    }
}

impl Drop for SecretManifest {
    fn drop(&mut self) {
        wipe_value(&mut self.0);
    }
}
