//! Many clusters at once: `apply`, `sync`, `status` and `prune` over
//! several kubeconfig contexts (`--context a,b,c`, `--all-contexts`).
//!
//! Each cluster runs the one-cluster operation of `ops::kube` — its own
//! plan, its own records in the vault (by the cluster's server URL), its
//! own namespaces 8 at a time — and a few clusters run at once. One
//! cluster's failure (no such context, unreachable, forbidden) is that
//! cluster's result and never stops the others. What must happen once per
//! command happens once, before the clusters: the vault's hash key and an
//! ECR registry's fresh token (several clusters each trading the keys
//! would race on the vault and get different tokens).

use std::path::{Path, PathBuf};

use futures_util::stream::{self, StreamExt};

use super::kube::{
    self as one, ApplySettings, ClusterTarget, KubePlan, KubeReport, KubeRequest, PruneReport,
    PrunedSecret, StatusReport,
};
use super::{Cancel, OpsError, VaultStore, not_cancelled};
use crate::deploy::kube::{NamespaceReport, context_names};
use crate::model::RegistryId;

/// Clusters worked on at once (each with its own 8 namespaces at once).
pub const CLUSTERS_AT_ONCE: usize = 4;

/// Which contexts of the kubeconfig.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contexts {
    /// These, in this order.
    Named(Vec<String>),
    /// Every context of the kubeconfig, in file order.
    All,
}

/// The context names `which` stands for (duplicates dropped).
///
/// # Errors
/// `--all-contexts` and a kubeconfig that cannot be read or has none.
pub fn resolve(which: &Contexts, kubeconfig: Option<&Path>) -> Result<Vec<String>, OpsError> {
    let names = match which {
        Contexts::Named(n) => n.clone(),
        Contexts::All => context_names(kubeconfig)?,
    };
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    if out.is_empty() {
        return Err(OpsError::Input("the kubeconfig has no contexts".into()));
    }
    Ok(out)
}

/// One cluster's result, or why it has none.
#[derive(Debug)]
pub struct PerCluster<T> {
    pub context: String,
    /// The one-line reason this cluster could not be worked on (never a
    /// secret: the errors of `ops::kube`).
    pub result: Result<T, String>,
}

/// Progress of a many-cluster apply: (context, namespace) as each ends.
pub type FleetProgress<'a> = &'a (dyn Fn(&str, &NamespaceReport) + Send + Sync);

/// Runs `op` for each context, `CLUSTERS_AT_ONCE` at a time, results in
/// the contexts' order.
async fn each_cluster<'a, T, F, Fut>(contexts: &'a [String], op: F) -> Vec<PerCluster<T>>
where
    F: Fn(&'a str) -> Fut,
    Fut: Future<Output = Result<T, OpsError>> + 'a,
{
    stream::iter(contexts)
        .map(|c| {
            let fut = op(c);
            async move {
                PerCluster {
                    context: c.clone(),
                    result: fut.await.map_err(|e| e.to_string()),
                }
            }
        })
        .buffered(CLUSTERS_AT_ONCE)
        .collect()
        .await
}

fn request(base: &KubeRequest, context: &str) -> KubeRequest {
    KubeRequest {
        context: Some(context.to_owned()),
        ..base.clone()
    }
}

/// The plans of a many-cluster apply or sync.
#[derive(Debug)]
pub struct FleetPlan {
    /// Once for all clusters (an ECR expiry corrected, …).
    pub warnings: Vec<String>,
    pub clusters: Vec<PerCluster<KubePlan>>,
}

/// Prepares once what every cluster shares: the hash key and (ECR, when
/// `fresh`) a new token.
async fn once_for_all(
    store: &dyn VaultStore,
    registry: &str,
    fresh: bool,
    dry_run: bool,
    cancel: &Cancel,
) -> Result<Vec<String>, OpsError> {
    not_cancelled(cancel)?;
    match one::ensure_hash_key(store) {
        Err(_) if dry_run => {}
        other => other?,
    }
    one::ecr_ready(store, registry, fresh && !dry_run, cancel).await
}

/// `ops::kube::plan_apply` on each of `contexts`.
///
/// # Errors
/// Only what stops every cluster: no environments, no such registry, the
/// ECR token, the vault, cancelled.
pub async fn plan_apply(
    store: &dyn VaultStore,
    base: &KubeRequest,
    contexts: &[String],
    settings: ApplySettings,
    cancel: &Cancel,
) -> Result<FleetPlan, OpsError> {
    if base.environments.is_empty() {
        return Err(OpsError::NoEnvironmentsGiven);
    }
    store.read()?.find_registry(&base.registry)?;
    let warnings = once_for_all(
        store,
        &base.registry,
        settings.fresh_ecr_token,
        settings.dry_run,
        cancel,
    )
    .await?;
    let settings = ApplySettings {
        fresh_ecr_token: false,
        ..settings
    };
    let clusters = each_cluster(contexts, |c| {
        let req = request(base, c);
        let settings = settings.clone();
        async move { one::plan_apply(store, &req, settings, cancel).await }
    })
    .await;
    Ok(FleetPlan { warnings, clusters })
}

/// `ops::kube::plan_sync` on each of `contexts`.
///
/// # Errors
/// As `plan_apply`.
pub async fn plan_sync(
    store: &dyn VaultStore,
    base: &KubeRequest,
    contexts: &[String],
    cancel: &Cancel,
) -> Result<FleetPlan, OpsError> {
    store.read()?.find_registry(&base.registry)?;
    let warnings = once_for_all(store, &base.registry, true, false, cancel).await?;
    let clusters = each_cluster(contexts, |c| {
        let req = request(base, c);
        async move { one::plan_sync_with(store, &req, false, cancel).await }
    })
    .await;
    Ok(FleetPlan { warnings, clusters })
}

/// Applies each cluster's plan (those that have one), clusters at once;
/// each records what it wrote under its own server.
pub async fn execute(
    store: &dyn VaultStore,
    plans: Vec<PerCluster<KubePlan>>,
    progress: FleetProgress<'_>,
    cancel: &Cancel,
) -> Vec<PerCluster<KubeReport>> {
    stream::iter(plans)
        .map(|p| async move {
            let context = p.context;
            let result = match p.result {
                Ok(kp) => {
                    let each = |r: &NamespaceReport| progress(&context, r);
                    Ok(one::execute(store, kp, &each, cancel).await)
                }
                Err(e) => Err(e),
            };
            PerCluster { context, result }
        })
        .buffered(CLUSTERS_AT_ONCE)
        .collect()
        .await
}

/// `ops::kube::status` on each of `contexts`.
pub async fn status(
    store: &dyn VaultStore,
    base: &KubeRequest,
    contexts: &[String],
) -> Vec<PerCluster<StatusReport>> {
    each_cluster(contexts, |c| {
        let req = request(base, c);
        async move { one::status(store, &req).await }
    })
    .await
}

/// `ops::kube::prune` on each of `contexts`.
pub async fn prune(
    store: &dyn VaultStore,
    id: &RegistryId,
    kubeconfig: Option<&PathBuf>,
    contexts: &[String],
    environments: &[String],
    cancel: &Cancel,
) -> Vec<PerCluster<PruneReport>> {
    each_cluster(contexts, |c| {
        let target = ClusterTarget {
            context: Some(c.to_owned()),
            kubeconfig: kubeconfig.cloned(),
        };
        async move {
            let quiet = |_: &PrunedSecret| {};
            one::prune(store, id, &target, environments, &quiet, cancel).await
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_contexts_keep_their_order_without_duplicates() {
        let c = Contexts::Named(vec!["b".into(), "a".into(), "b".into()]);
        assert_eq!(resolve(&c, None).unwrap(), ["b", "a"]);
        assert!(resolve(&Contexts::Named(vec![]), None).is_err());
    }
}
