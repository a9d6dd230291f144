//! The domain records kept in the vault — registries and the containers that
//! reference them — plus ids and timestamps.
//!
//! The platform's rules over them live in `rules` (see `VaultData`): unique
//! names, only the creator deletes a registry, and never while a container
//! references it.

mod rules;

pub use rules::*;

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};

use crate::registry::{Credentials, RegistryKind};
use crate::secret::SecretValue;

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ID_LEN: usize = 6;

fn random_suffix() -> String {
    let mut bytes = [0u8; ID_LEN];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    // 252 = 7 * 36: reject above it to keep the alphabet uniform.
    let mut out = String::with_capacity(ID_LEN);
    let mut pool = bytes.to_vec();
    while out.len() < ID_LEN {
        if pool.is_empty() {
            let mut more = [0u8; 8];
            getrandom::fill(&mut more).expect("the OS random source failed");
            pool.extend_from_slice(&more);
        }
        let b = pool.remove(0);
        if b < 252 {
            out.push(ID_ALPHABET[(b % 36) as usize] as char);
        }
    }
    out
}

fn valid_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == ID_LEN
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

macro_rules! id_type {
    ($name:ident, $prefix:literal, $what:literal) => {
        #[doc = concat!("A ", $what, " id: `", $prefix, "` + 6 lowercase letters or digits.")]
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_suffix()))
            }

            pub fn parse(s: &str) -> Option<Self> {
                valid_id(s, $prefix).then(|| Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        concat!("'{}' is not a ", $what, " id (", $prefix, "xxxxxx)"),
                        s
                    ))
                })
            }
        }
    };
}

id_type!(RegistryId, "reg-", "registry");
id_type!(ContainerId, "ctr-", "container");

/// The outcome of the last Test Connection, kept with the registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestRecord {
    pub at: Timestamp,
    /// `ok`, or the failure class (`invalid`, `bad-credentials`, …).
    pub outcome: String,
    /// One line a user can act on. Never contains a secret.
    pub summary: String,
}

impl TestRecord {
    pub fn passed(&self) -> bool {
        self.outcome == "ok"
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

/// How long ago, compactly (`42s`, `5m`, `3h`, `2d`): the list screens and
/// the CLI print ages the same way.
pub fn age(at: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(at.as_second()).max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Who is acting: `REGVAULT_USER`, else `$USER@hostname`.
pub fn current_user() -> String {
    if let Ok(u) = std::env::var("REGVAULT_USER")
        && !u.trim().is_empty()
    {
        return u.trim().to_owned();
    }
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    format!("{user}@{host}")
}
