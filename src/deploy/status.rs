//! What a Secret found in a cluster means for a plan, and what apply may
//! do about it. A Secret of the plan's name that regvault does not manage
//! — or that carries regvault's marks but is not the object the vault
//! recorded (`foreign`) — is never overwritten unless the user asks to
//! adopt it.

use serde::Serialize;
use serde_json::Value;

use super::plan::PullSecretPlan;
use super::{CREDENTIALS_HASH_ANNOTATION, MANAGED_BY_LABEL, MANAGER, REGISTRY_ID_ANNOTATION};

/// The parts of a cluster's Secret that status looks at (its data is never
/// needed: the hash annotation stands for it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedSecret {
    /// The `app.kubernetes.io/managed-by` label.
    pub managed_by: Option<String>,
    /// The `regvault.io/registry-id` annotation.
    pub registry_id: Option<String>,
    /// The `regvault.io/credentials-hash` annotation.
    pub credentials_hash: Option<String>,
}

impl ObservedSecret {
    /// Reads `metadata.labels` and `metadata.annotations` of an object as
    /// the API server returns it (JSON); anything missing is `None`.
    #[must_use]
    pub fn from_object(object: &Value) -> Self {
        let meta = &object["metadata"];
        let text = |v: &Value| v.as_str().map(str::to_owned);
        Self {
            managed_by: text(&meta["labels"][MANAGED_BY_LABEL]),
            registry_id: text(&meta["annotations"][REGISTRY_ID_ANNOTATION]),
            credentials_hash: text(&meta["annotations"][CREDENTIALS_HASH_ANNOTATION]),
        }
    }
}

/// One environment's Secret compared with the vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretStatus {
    /// Managed by regvault for this registry, same credentials.
    Current,
    /// Managed by regvault for this registry, older (or unknown) credentials.
    Stale,
    /// No Secret of that name.
    Missing,
    /// A Secret of that name regvault does not manage — no managed-by
    /// label, another manager, or regvault's Secret of another registry.
    Unmanaged,
    /// Labelled as regvault's Secret of this registry, but not one this
    /// vault applied: no record of it, or its uid is not the recorded one.
    Foreign,
}

/// What apply does to one environment's Secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretAction {
    Create,
    /// In place (server-side apply): same object, no delete-and-recreate gap.
    Update,
    Unchanged,
    /// Not ours: leave it and name it in the error (`--adopt` takes it over).
    Refuse,
}

impl SecretStatus {
    /// Classifies the Secret found (or not) under the plan's name by its
    /// labels and hash (whether it is the recorded object is the caller's
    /// to check). Without a hash (`None`) nothing is current.
    #[must_use]
    pub fn classify(
        observed: Option<&ObservedSecret>,
        registry_id: &str,
        hash: Option<&str>,
    ) -> Self {
        let Some(seen) = observed else {
            return SecretStatus::Missing;
        };
        if seen.managed_by.as_deref() != Some(MANAGER) {
            return SecretStatus::Unmanaged;
        }
        // A managed Secret without the id annotation lost it to a hand
        // edit; one with another id belongs to another registry.
        if seen
            .registry_id
            .as_deref()
            .is_some_and(|id| id != registry_id)
        {
            return SecretStatus::Unmanaged;
        }
        if hash.is_some() && seen.credentials_hash.as_deref().map(str::trim) == hash {
            SecretStatus::Current
        } else {
            SecretStatus::Stale
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SecretStatus::Current => "current",
            SecretStatus::Stale => "stale",
            SecretStatus::Missing => "missing",
            SecretStatus::Unmanaged => "unmanaged",
            SecretStatus::Foreign => "foreign",
        }
    }

    /// What apply does; `adopt` takes over an unmanaged or foreign Secret.
    #[must_use]
    pub fn action(self, adopt: bool) -> SecretAction {
        match self {
            SecretStatus::Missing => SecretAction::Create,
            SecretStatus::Stale => SecretAction::Update,
            SecretStatus::Current => SecretAction::Unchanged,
            SecretStatus::Unmanaged | SecretStatus::Foreign if adopt => SecretAction::Update,
            SecretStatus::Unmanaged | SecretStatus::Foreign => SecretAction::Refuse,
        }
    }
}

impl std::fmt::Display for SecretStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PullSecretPlan {
    /// The status of the Secret found (or not) in one of the plan's
    /// namespaces.
    #[must_use]
    pub fn status(&self, observed: Option<&ObservedSecret>) -> SecretStatus {
        SecretStatus::classify(
            observed,
            self.registry_id.as_str(),
            self.credentials_hash.as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ID: &str = "reg-abc123";
    const HASH: &str = "0f1e";

    fn seen(managed_by: Option<&str>, id: Option<&str>, hash: Option<&str>) -> ObservedSecret {
        ObservedSecret {
            managed_by: managed_by.map(Into::into),
            registry_id: id.map(Into::into),
            credentials_hash: hash.map(Into::into),
        }
    }

    #[test]
    fn classifies_what_the_cluster_holds() {
        use SecretStatus::*;
        let c = |o: Option<ObservedSecret>| SecretStatus::classify(o.as_ref(), ID, Some(HASH));
        assert_eq!(c(None), Missing);
        assert_eq!(
            c(Some(seen(Some("regvault"), Some(ID), Some(HASH)))),
            Current
        );
        assert_eq!(
            c(Some(seen(Some("regvault"), Some(ID), Some("beef")))),
            Stale
        );
        assert_eq!(c(Some(seen(Some("regvault"), Some(ID), None))), Stale);
        assert_eq!(c(Some(seen(Some("regvault"), None, Some(HASH)))), Current);
        assert_eq!(c(Some(seen(None, None, None))), Unmanaged);
        assert_eq!(
            c(Some(seen(None, Some(ID), Some(HASH)))),
            Unmanaged,
            "label is what counts"
        );
        assert_eq!(c(Some(seen(Some("helm"), Some(ID), Some(HASH)))), Unmanaged);
        assert_eq!(
            c(Some(seen(Some("regvault"), Some("reg-zzz999"), Some(HASH)))),
            Unmanaged,
            "another registry's secret"
        );
        let seen_hash = seen(Some("regvault"), Some(ID), Some(HASH));
        assert_eq!(
            SecretStatus::classify(Some(&seen_hash), ID, None),
            Stale,
            "no key, nothing is current"
        );
    }

    #[test]
    fn unmanaged_is_refused_unless_adopted() {
        use SecretAction::*;
        assert_eq!(SecretStatus::Missing.action(false), Create);
        assert_eq!(SecretStatus::Stale.action(false), Update);
        assert_eq!(SecretStatus::Current.action(true), Unchanged);
        assert_eq!(SecretStatus::Unmanaged.action(false), Refuse);
        assert_eq!(SecretStatus::Unmanaged.action(true), Update);
        assert_eq!(SecretStatus::Foreign.action(false), Refuse);
        assert_eq!(SecretStatus::Foreign.action(true), Update);
        assert_eq!(SecretStatus::Foreign.to_string(), "foreign");
        assert_eq!(
            serde_json::to_value(SecretStatus::Stale).ok(),
            Some(json!("stale"))
        );
        assert_eq!(SecretStatus::Unmanaged.to_string(), "unmanaged");
    }

    #[test]
    fn reads_labels_and_annotations_from_an_object() {
        let object = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {
                "name": "ghcr-creds",
                "labels": { "app.kubernetes.io/managed-by": "regvault" },
                "annotations": {
                    "regvault.io/registry-id": ID,
                    "regvault.io/credentials-hash": HASH,
                },
            },
            "data": { ".dockerconfigjson": "e30=" },
        });
        let o = ObservedSecret::from_object(&object);
        assert_eq!(o, seen(Some("regvault"), Some(ID), Some(HASH)));
        assert_eq!(
            ObservedSecret::from_object(&json!({})),
            ObservedSecret::default()
        );
        assert_eq!(
            SecretStatus::classify(Some(&o), ID, Some(HASH)),
            SecretStatus::Current
        );
    }
}
