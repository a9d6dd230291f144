//! A service account's `imagePullSecrets`: regvault adds its own entry (the
//! pull Secret's name) and takes it out again, and never touches another.
//!
//! The API server treats `ServiceAccount.imagePullSecrets` as an atomic
//! list (no strategic-merge key, so a server-side apply would own — and
//! could drop — the whole list). The write is therefore a JSON merge patch
//! of the whole list as read, guarded by the `resourceVersion` read: a
//! concurrent change by anyone else is a 409 and a re-read, never a lost
//! entry. Adding an entry that is there, or removing one that is not, is
//! no write at all (idempotent).
//!
//! `add_pull_secret` / `remove_pull_secret` are the calls for one
//! service account (what `regvault watch` uses when a new one appears);
//! `ServiceAccounts` is the `--service-account` selection of apply.

use std::time::Duration;

use k8s_openapi::api::core::v1::ServiceAccount;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};
use serde_json::{Value, json};

use super::report::ApiFailure;
use super::{Change, Cluster, KubeError, MANAGER, NamespaceReport, ObjectChange, Outcome};

/// Which service accounts of each namespace list the pull Secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ServiceAccounts {
    /// None (apply leaves service accounts alone).
    #[default]
    None,
    /// These, by name (each must exist, except `default` in a namespace
    /// being created, which the controller makes).
    Named(Vec<String>),
    /// Every service account in the namespace when planned.
    All,
}

impl ServiceAccounts {
    /// `--service-account` as given: `all`, or names (comma-separated or
    /// repeated). Empty: none.
    ///
    /// # Errors
    /// A name that is not a DNS subdomain, or `all` mixed with names.
    pub fn parse(given: &[String]) -> Result<Self, String> {
        let names: Vec<&str> = given
            .iter()
            .flat_map(|g| g.split(','))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            return Ok(Self::None);
        }
        if names.contains(&"all") {
            if names.len() > 1 {
                return Err("--service-account all cannot be combined with names".into());
            }
            return Ok(Self::All);
        }
        let mut out: Vec<String> = Vec::new();
        for n in names {
            if !valid_name(n) {
                return Err(format!(
                    "--service-account {n}: not a ServiceAccount name (lowercase letters, digits, '-' and '.', at most 253)"
                ));
            }
            if !out.iter().any(|o| o == n) {
                out.push(n.to_owned());
            }
        }
        Ok(Self::Named(out))
    }

    #[must_use]
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }
}

/// A DNS-1123 subdomain, as the API server requires of object names.
fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 253
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && n.starts_with(|c: char| c.is_ascii_alphanumeric())
        && n.ends_with(|c: char| c.is_ascii_alphanumeric())
}

pub(super) fn lists_secret(sa: &ServiceAccount, name: &str) -> bool {
    sa.image_pull_secrets
        .as_ref()
        .is_some_and(|s| s.iter().any(|r| r.name == name))
}

/// What a write to one service account did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaEdit {
    /// The list changed.
    Changed,
    /// It already was as wanted: nothing written.
    Unchanged,
}

/// Attempts on a 409 (someone else changed the service account meanwhile).
const CONFLICT_RETRIES: u32 = 5;

impl Cluster {
    /// Plans the service accounts of `r`'s namespace: one `ServiceAccount`
    /// object change each (update: the Secret gets listed). `false` when
    /// the namespace cannot go on (the report says why).
    pub(super) async fn plan_service_accounts(
        &self,
        r: &mut NamespaceReport,
        wanted: &ServiceAccounts,
        secret: &str,
        creating: bool,
    ) -> bool {
        let ns = r.namespace.clone();
        let listing = match wanted {
            ServiceAccounts::None => return true,
            // A namespace created now has only `default` (made by the
            // controller a moment after).
            _ if creating => vec![("default".to_owned(), false)],
            _ => match self.service_accounts_listing(&ns, secret).await {
                Ok(l) => l,
                Err(f) => {
                    r.fail(&f, "reading the service accounts");
                    return false;
                }
            },
        };
        let chosen: Vec<(String, bool)> = match wanted {
            ServiceAccounts::None => Vec::new(),
            ServiceAccounts::All => listing,
            ServiceAccounts::Named(names) => {
                let mut chosen = Vec::new();
                for n in names {
                    let Some(found) = listing.iter().find(|(name, _)| name == n) else {
                        r.outcome = Outcome::Error;
                        r.message = Some(format!(
                            "serviceaccount {ns}/{n} does not exist: create it first or leave it out of --service-account"
                        ));
                        return false;
                    };
                    chosen.push(found.clone());
                }
                chosen
            }
        };
        for (name, lists) in chosen {
            r.objects.push(ObjectChange {
                kind: "ServiceAccount",
                name,
                change: if lists {
                    Change::Unchanged
                } else {
                    Change::Update
                },
            });
        }
        true
    }

    /// The service accounts of `ns`: name and whether they list `secret`.
    pub(super) async fn service_accounts_listing(
        &self,
        ns: &str,
        secret: &str,
    ) -> Result<Vec<(String, bool)>, ApiFailure> {
        let api: Api<ServiceAccount> = Api::namespaced(self.client.clone(), ns);
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(|e| ApiFailure::from(&e))?;
        Ok(list
            .items
            .iter()
            .filter_map(|sa| Some((sa.metadata.name.clone()?, lists_secret(sa, secret))))
            .collect())
    }

    /// Adds `secret` to service account `ns`/`name`'s `imagePullSecrets`,
    /// keeping every other entry; nothing is written when it is listed.
    /// `wait`: the service account may not exist yet (a new namespace's
    /// `default` appears a moment after it): wait up to 5 s for it.
    ///
    /// # Errors
    /// No such service account, RBAC refused, or the API failed.
    pub async fn add_pull_secret(
        &self,
        ns: &str,
        name: &str,
        secret: &str,
        wait: bool,
        dry_run: bool,
    ) -> Result<SaEdit, KubeError> {
        self.edit_pull_secrets(ns, name, secret, true, wait, dry_run)
            .await
            .map_err(|f| KubeError::Request(format!("serviceaccount {ns}/{name}: {}", f.text())))
    }

    /// Takes `secret` out of service account `ns`/`name`'s
    /// `imagePullSecrets`, keeping every other entry; nothing is written
    /// when it is not listed (or the service account is gone).
    ///
    /// # Errors
    /// RBAC refused, or the API failed.
    pub async fn remove_pull_secret(
        &self,
        ns: &str,
        name: &str,
        secret: &str,
    ) -> Result<SaEdit, KubeError> {
        self.edit_pull_secrets(ns, name, secret, false, false, false)
            .await
            .map_err(|f| KubeError::Request(format!("serviceaccount {ns}/{name}: {}", f.text())))
    }

    /// Takes `secret` out of every service account of `ns` that lists it
    /// (prune); returns the names of those changed.
    ///
    /// # Errors
    /// The list or a write was refused or failed.
    pub async fn remove_pull_secret_everywhere(
        &self,
        ns: &str,
        secret: &str,
    ) -> Result<Vec<String>, KubeError> {
        let listing = self
            .service_accounts_listing(ns, secret)
            .await
            .map_err(|f| KubeError::Request(format!("serviceaccounts in {ns}: {}", f.text())))?;
        let mut changed = Vec::new();
        for (name, _) in listing.into_iter().filter(|(_, lists)| *lists) {
            if self.remove_pull_secret(ns, &name, secret).await? == SaEdit::Changed {
                changed.push(name);
            }
        }
        Ok(changed)
    }

    pub(super) async fn edit_pull_secrets(
        &self,
        ns: &str,
        name: &str,
        secret: &str,
        add: bool,
        wait: bool,
        dry_run: bool,
    ) -> Result<SaEdit, ApiFailure> {
        let api: Api<ServiceAccount> = Api::namespaced(self.client.clone(), ns);
        let mut waited = 0;
        let mut conflicts = 0;
        loop {
            let sa = match api.get_opt(name).await {
                Ok(Some(sa)) => sa,
                Ok(None) if wait && waited < 50 => {
                    waited += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                Ok(None) if !add => return Ok(SaEdit::Unchanged),
                Ok(None) => {
                    return Err(ApiFailure {
                        code: 404,
                        reason: "NotFound".into(),
                        message: format!("serviceaccount {ns}/{name} does not exist"),
                    });
                }
                Err(e) => return Err(ApiFailure::from(&e)),
            };
            if lists_secret(&sa, secret) == add {
                return Ok(SaEdit::Unchanged);
            }
            let rv = sa.metadata.resource_version.clone().unwrap_or_default();
            let mut list: Vec<Value> = sa
                .image_pull_secrets
                .iter()
                .flatten()
                .filter(|r| add || r.name != secret)
                .map(|r| json!({ "name": r.name }))
                .collect();
            if add {
                list.push(json!({ "name": secret }));
            }
            let list = if list.is_empty() {
                Value::Null
            } else {
                Value::Array(list)
            };
            let patch = json!({
                "metadata": { "resourceVersion": rv },
                "imagePullSecrets": list,
            });
            let pp = PatchParams {
                dry_run,
                field_manager: Some(MANAGER.into()),
                ..PatchParams::default()
            };
            match api.patch(name, &pp, &Patch::Merge(&patch)).await {
                Ok(_) => return Ok(SaEdit::Changed),
                Err(e) => {
                    let f = ApiFailure::from(&e);
                    if f.code == 409 && conflicts < CONFLICT_RETRIES {
                        conflicts += 1;
                        continue;
                    }
                    return Err(f);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn the_selection_is_all_or_valid_names() {
        assert_eq!(ServiceAccounts::parse(&[]), Ok(ServiceAccounts::None));
        assert_eq!(
            ServiceAccounts::parse(&s(&["all"])),
            Ok(ServiceAccounts::All)
        );
        assert_eq!(
            ServiceAccounts::parse(&s(&["default,builder", "default"])),
            Ok(ServiceAccounts::Named(s(&["default", "builder"])))
        );
        assert!(ServiceAccounts::parse(&s(&["all,default"])).is_err());
        let bad = ServiceAccounts::parse(&s(&["Bad_Name"])).unwrap_err();
        assert!(bad.contains("Bad_Name"), "{bad}");
        assert!(ServiceAccounts::parse(&s(&["-x"])).is_err());
    }
}
