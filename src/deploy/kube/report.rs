//! What the Kubernetes side reports: per-namespace outcomes, the planned
//! change of each object, a Secret's status per environment, the managed
//! Secrets found in a cluster. Plain data (serialised for `--json`); no
//! field ever holds Secret data.

use jiff::Timestamp;
use serde::Serialize;

use crate::deploy::plan::EnvironmentPlan;
use crate::deploy::status::{SecretAction, SecretStatus};

/// Could not reach or read the cluster at all (per-namespace failures are
/// outcomes, not errors).
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error("kubeconfig: {0}")]
    Config(String),
    #[error("{0}")]
    Request(String),
}

/// One API failure, as the user needs it: the HTTP code and the server's
/// reason and message (which never echo Secret data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ApiFailure {
    pub(super) code: u16,
    pub(super) reason: String,
    pub(super) message: String,
}

impl ApiFailure {
    pub(super) fn from(e: &kube::Error) -> Self {
        match e {
            kube::Error::Api(s) => ApiFailure {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            },
            other => ApiFailure {
                code: 0,
                reason: "Unreachable".into(),
                message: other.to_string(),
            },
        }
    }

    pub(super) fn text(&self) -> String {
        if self.code == 0 {
            self.message.clone()
        } else {
            format!("{} {}: {}", self.code, self.reason, self.message)
        }
    }

    /// A 404 on a namespaced object whose namespace is missing.
    fn namespace_missing(&self) -> bool {
        self.code == 404 && self.message.starts_with("namespaces ")
    }
}

/// What happens (or happened) to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Create,
    Update,
    Unchanged,
    /// Not ours; left alone.
    Refuse,
}

impl Change {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Unchanged => "unchanged",
            Change::Refuse => "refuse",
        }
    }
}

impl From<SecretAction> for Change {
    fn from(a: SecretAction) -> Self {
        match a {
            SecretAction::Create => Change::Create,
            SecretAction::Update => Change::Update,
            SecretAction::Unchanged => Change::Unchanged,
            SecretAction::Refuse => Change::Refuse,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectChange {
    pub kind: &'static str,
    pub name: String,
    pub change: Change,
}

/// One namespace's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Applied (or, with `--dry-run`, accepted by the server's dry run).
    Applied,
    /// Nothing needed doing.
    Unchanged,
    /// RBAC said no (403).
    Forbidden,
    /// The namespace does not exist (and was not to be created).
    MissingNamespace,
    /// A Secret or Deployment of that name is not regvault's.
    Unmanaged,
    /// A Secret with regvault's marks that this vault did not apply (no
    /// record of it, or another uid): never written.
    Foreign,
    /// sync: there is no Secret to update (apply first).
    Missing,
    /// Not started: the operation was cancelled first.
    Cancelled,
    Error,
}

impl Outcome {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Unchanged => "unchanged",
            Outcome::Forbidden => "forbidden",
            Outcome::MissingNamespace => "missing-namespace",
            Outcome::Unmanaged => "unmanaged",
            Outcome::Foreign => "foreign",
            Outcome::Missing => "missing",
            Outcome::Cancelled => "cancelled",
            Outcome::Error => "error",
        }
    }

    #[must_use]
    pub fn is_failure(self) -> bool {
        !matches!(self, Outcome::Applied | Outcome::Unchanged)
    }
}

/// Plan and result for one environment.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceReport {
    pub environment: String,
    pub namespace: String,
    /// `None`: not created by regvault (exists, or not asked to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_change: Option<Change>,
    /// What the Secret was before: current, stale, missing, unmanaged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_status: Option<SecretStatus>,
    pub objects: Vec<ObjectChange>,
    pub outcome: Outcome,
    /// Why, for any outcome but applied/unchanged (never a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The Secret as planned (the precondition of the write), then after
    /// apply (same uid + new resourceVersion = in place).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_resource_version: Option<String>,
    /// The Secret was written by this apply (not a dry run), whatever
    /// happened after: the vault records it.
    #[serde(skip)]
    pub secret_written: bool,
}

impl NamespaceReport {
    pub(super) fn new(env: &EnvironmentPlan) -> Self {
        Self {
            environment: env.environment.clone(),
            namespace: env.namespace.clone(),
            namespace_change: None,
            secret_status: None,
            objects: Vec::new(),
            outcome: Outcome::Unchanged,
            message: None,
            secret_uid: None,
            secret_resource_version: None,
            secret_written: false,
        }
    }

    pub(super) fn fail(&mut self, f: &ApiFailure, what: &str) {
        self.outcome = if f.code == 403 {
            Outcome::Forbidden
        } else if f.namespace_missing() {
            Outcome::MissingNamespace
        } else {
            Outcome::Error
        };
        self.message = Some(match self.outcome {
            Outcome::Forbidden => format!(
                "forbidden: namespace {} ({what}): {}",
                self.namespace, f.message
            ),
            Outcome::MissingNamespace => format!(
                "namespace {} does not exist (--create-namespaces creates it)",
                self.namespace
            ),
            _ => format!("{what} in namespace {}: {}", self.namespace, f.text()),
        });
    }

    pub(super) fn changes(&self) -> bool {
        self.namespace_change == Some(Change::Create)
            || self
                .objects
                .iter()
                .any(|o| matches!(o.change, Change::Create | Change::Update))
    }
}

/// What `apply` does beyond the Secret.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    pub create_namespaces: bool,
    /// Take over a same-named Secret (or Deployment) regvault does not manage.
    pub adopt: bool,
    /// The server's dry run: validated, nothing stored.
    pub dry_run: bool,
    /// Also list the Secret in these service accounts' `imagePullSecrets`.
    pub service_accounts: super::ServiceAccounts,
    /// sync: only Secrets, only those that exist, never a Deployment.
    pub secrets_only: bool,
}

/// One environment's Secret as the cluster has it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretState {
    pub environment: String,
    pub namespace: String,
    /// `None` when it could not be read (see `message`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SecretStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A Secret labelled as regvault's, found in the cluster (which does not
/// make it one regvault applied: see the vault's records).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedSecret {
    pub namespace: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

impl ManagedSecret {
    /// The environment of an `env-<environment>` namespace.
    #[must_use]
    pub fn environment(&self) -> Option<&str> {
        self.namespace.strip_prefix("env-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_failures_become_outcomes_naming_the_namespace() {
        let env = EnvironmentPlan {
            environment: "production".into(),
            namespace: "env-production".into(),
            deployments: vec![],
        };
        let mut r = NamespaceReport::new(&env);
        r.fail(
            &ApiFailure {
                code: 403,
                reason: "Forbidden".into(),
                message: "secrets \"x\" is forbidden".into(),
            },
            "applying the secret",
        );
        assert_eq!(r.outcome, Outcome::Forbidden);
        assert!(r.message.as_deref().unwrap().contains("env-production"));
        let mut r = NamespaceReport::new(&env);
        r.fail(
            &ApiFailure {
                code: 404,
                reason: "NotFound".into(),
                message: "namespaces \"env-production\" not found".into(),
            },
            "applying the secret",
        );
        assert_eq!(r.outcome, Outcome::MissingNamespace);
        assert!(
            r.message
                .as_deref()
                .unwrap()
                .contains("--create-namespaces")
        );
        assert!(Outcome::Forbidden.is_failure());
        assert!(!Outcome::Unchanged.is_failure());
    }
}
