//! What `regvault watch` needs of a cluster: a list and then a watch
//! (the Kubernetes watch API, resumed from a resourceVersion) of the
//! namespaces and of the Secrets, metadata only — a watch never holds a
//! Secret's data — and the in-place restore of a Secret the vault
//! recorded.
//!
//! `kube::Api::watch_metadata` is used directly rather than
//! `kube::runtime::watcher`: the loop needs the resourceVersion, the 410
//! ("too old") and the reconnects in its own hands, and the `runtime`
//! feature would add a crate tree for what is a few lines here.

use futures_util::stream::{BoxStream, StreamExt};
use k8s_openapi::api::core::v1::{Namespace, Secret, ServiceAccount};
use kube::Api;
use kube::api::{ListParams, WatchEvent, WatchParams};
use kube::core::PartialObjectMeta;

use super::report::ApiFailure;
use super::{Cluster, NamespaceReport, annotation, managed};
use crate::deploy::plan::{EnvironmentPlan, PullSecretPlan};
use crate::deploy::{
    CREDENTIALS_HASH_ANNOTATION, DOCKERCONFIGJSON_KEY, EXPIRES_AT_ANNOTATION,
    REGISTRY_ID_ANNOTATION, SECRET_TYPE,
};

/// The two kinds `watch` follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Watched {
    Namespaces,
    Secrets,
    /// Only with `watch --service-accounts`.
    ServiceAccounts,
}

impl Watched {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Watched::Namespaces => "namespaces",
            Watched::Secrets => "secrets",
            Watched::ServiceAccounts => "serviceaccounts",
        }
    }
}

/// One object as a list or a watch saw it: names and versions, never data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    /// `None` for a namespace.
    pub namespace: Option<String>,
    pub name: String,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    /// Being deleted (a namespace that terminates).
    pub terminating: bool,
}

/// One watch event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    Added(Seen),
    Modified(Seen),
    Deleted(Seen),
    /// Nothing changed; the resourceVersion to resume from moved on.
    Bookmark(String),
}

/// Why a list or a watch stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchFailure {
    /// 410 Gone: the resourceVersion is too old; list again.
    Gone,
    /// Anything else (the server is down, RBAC): retry with backoff.
    Other(String),
}

impl std::fmt::Display for WatchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchFailure::Gone => f.write_str("410 Gone: the resourceVersion is too old"),
            WatchFailure::Other(m) => f.write_str(m),
        }
    }
}

fn failure(e: &kube::Error) -> WatchFailure {
    let f = ApiFailure::from(e);
    if f.code == 410 {
        WatchFailure::Gone
    } else {
        WatchFailure::Other(f.text())
    }
}

fn seen<K>(m: &PartialObjectMeta<K>) -> Seen {
    let meta = &m.metadata;
    Seen {
        namespace: meta.namespace.clone(),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        terminating: meta.deletion_timestamp.is_some(),
    }
}

fn observed<K>(
    event: Result<WatchEvent<PartialObjectMeta<K>>, kube::Error>,
) -> Result<Observed, WatchFailure> {
    match event {
        Ok(WatchEvent::Added(m)) => Ok(Observed::Added(seen(&m))),
        Ok(WatchEvent::Modified(m)) => Ok(Observed::Modified(seen(&m))),
        Ok(WatchEvent::Deleted(m)) => Ok(Observed::Deleted(seen(&m))),
        Ok(WatchEvent::Bookmark(b)) => Ok(Observed::Bookmark(b.metadata.resource_version)),
        Ok(WatchEvent::Error(s)) if s.code == 410 => Err(WatchFailure::Gone),
        Ok(WatchEvent::Error(s)) => Err(WatchFailure::Other(format!(
            "{} {}: {}",
            s.code, s.reason, s.message
        ))),
        Err(e) => Err(failure(&e)),
    }
}

/// A watch ends by itself after this long (the server's timeout); it is
/// resumed from the last resourceVersion.
const WATCH_TIMEOUT_SECS: u32 = 240;

impl Cluster {
    /// Every namespace, or every Secret of the cluster (metadata), and the
    /// list's resourceVersion to watch from.
    ///
    /// # Errors
    /// The list was refused or failed.
    pub async fn list_watched(&self, kind: Watched) -> Result<(Vec<Seen>, String), WatchFailure> {
        let lp = ListParams::default();
        let (items, rv) = match kind {
            Watched::Namespaces => {
                let api: Api<Namespace> = Api::all(self.client.clone());
                let l = api.list_metadata(&lp).await.map_err(|e| failure(&e))?;
                (
                    l.items.iter().map(seen).collect(),
                    l.metadata.resource_version,
                )
            }
            Watched::Secrets => {
                let api: Api<Secret> = Api::all(self.client.clone());
                let l = api.list_metadata(&lp).await.map_err(|e| failure(&e))?;
                (
                    l.items.iter().map(seen).collect(),
                    l.metadata.resource_version,
                )
            }
            Watched::ServiceAccounts => {
                let api: Api<ServiceAccount> = Api::all(self.client.clone());
                let l = api.list_metadata(&lp).await.map_err(|e| failure(&e))?;
                (
                    l.items.iter().map(seen).collect(),
                    l.metadata.resource_version,
                )
            }
        };
        Ok((items, rv.unwrap_or_default()))
    }

    /// The watch of `kind` from `resource_version` (bookmarks asked for, so
    /// a quiet cluster still moves the version on).
    ///
    /// # Errors
    /// The watch could not be started (410 included).
    pub async fn watch(
        &self,
        kind: Watched,
        resource_version: &str,
    ) -> Result<BoxStream<'static, Result<Observed, WatchFailure>>, WatchFailure> {
        // Bookmarks are on by default.
        let wp = WatchParams::default().timeout(WATCH_TIMEOUT_SECS);
        Ok(match kind {
            Watched::Namespaces => {
                let api: Api<Namespace> = Api::all(self.client.clone());
                api.watch_metadata(&wp, resource_version)
                    .await
                    .map_err(|e| failure(&e))?
                    .map(observed)
                    .boxed()
            }
            Watched::Secrets => {
                let api: Api<Secret> = Api::all(self.client.clone());
                api.watch_metadata(&wp, resource_version)
                    .await
                    .map_err(|e| failure(&e))?
                    .map(observed)
                    .boxed()
            }
            Watched::ServiceAccounts => {
                let api: Api<ServiceAccount> = Api::all(self.client.clone());
                api.watch_metadata(&wp, resource_version)
                    .await
                    .map_err(|e| failure(&e))?
                    .map(observed)
                    .boxed()
            }
        })
    }

    /// Whether the Secret under the plan's name in `env` is the recorded
    /// object (`uid`) and differs from what the plan puts there: its type,
    /// regvault's label and annotations, or its data (read once, compared,
    /// then wiped). Gone, or another object: false (nothing to put back).
    ///
    /// # Errors
    /// The read was refused or failed.
    pub async fn secret_drifted(
        &self,
        plan: &PullSecretPlan,
        env: &EnvironmentPlan,
        uid: &str,
    ) -> Result<bool, String> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &env.namespace);
        let Some(mut s) = api
            .get_opt(&plan.secret_name)
            .await
            .map_err(|e| ApiFailure::from(&e).text())?
        else {
            return Ok(false);
        };
        let data = s.data.take().unwrap_or_default();
        let mut data: Vec<(String, Vec<u8>)> = data.into_iter().map(|(k, v)| (k, v.0)).collect();
        let same_data = data.len() == 1
            && data[0].0 == DOCKERCONFIGJSON_KEY
            && plan.same_dockerconfigjson(&data[0].1);
        for (_, v) in &mut data {
            zeroize::Zeroize::zeroize(v);
        }
        let meta = &s.metadata;
        if meta.uid.as_deref() != Some(uid) {
            return Ok(false);
        }
        let ann = meta.annotations.as_ref();
        let expiry =
            annotation(ann, EXPIRES_AT_ANNOTATION).and_then(|t| t.parse::<jiff::Timestamp>().ok());
        let same = same_data
            && s.type_.as_deref() == Some(SECRET_TYPE)
            && managed(meta.labels.as_ref())
            && annotation(ann, REGISTRY_ID_ANNOTATION) == Some(plan.registry_id.as_str())
            && annotation(ann, CREDENTIALS_HASH_ANNOTATION) == plan.credentials_hash.as_deref()
            && expiry == plan.expires_at;
        Ok(!same)
    }

    /// Puts the Secret the vault recorded (`uid`) back to what `plan` says
    /// for `env`: server-side apply, forced, conditional on that uid (and
    /// on `resource_version`, the version just seen), so another object
    /// under the name — or a newer version — is refused by the server.
    /// Returns the resourceVersion after the write (the same one when
    /// nothing differed).
    ///
    /// # Errors
    /// The server refused (409: changed since; 422: another uid) or failed.
    pub async fn restore_secret(
        &self,
        plan: &PullSecretPlan,
        env: &EnvironmentPlan,
        uid: &str,
        resource_version: Option<&str>,
    ) -> Result<Option<String>, String> {
        let mut planned = NamespaceReport::new(env);
        planned.secret_uid = Some(uid.to_owned());
        planned.secret_resource_version = resource_version.map(str::to_owned);
        let manifest = plan.secret_manifest(env);
        let pp = Self::apply_params(false);
        self.update_secret(&env.namespace, &plan.secret_name, manifest, &planned, &pp)
            .await
            .map(|m| m.resource_version)
            .map_err(|f| f.text())
    }
}
