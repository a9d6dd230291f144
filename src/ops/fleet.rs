//! Many clusters at once: `apply`, `sync`, `status` and `prune` over
//! several kubeconfig contexts (`--context a,b,c`, `--all-contexts`).
//!
//! Each cluster runs the one-cluster operation of `ops::kube` — its own
//! plan, its own records in the vault (by the cluster's server URL), its
//! own namespaces 8 at a time — and a few clusters run at once; contexts
//! that point at the same server (an admin and a restricted user, say)
//! run one after the other, each planning after the one before applied,
//! so they never race for the same objects. One cluster's failure (no such context, unreachable, forbidden) is that
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
use crate::deploy::kube::{NamespaceReport, context_servers};
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

/// The contexts `which` stands for (duplicates dropped), each with its
/// server as the kubeconfig says (`None`: a context the kubeconfig does
/// not have; its cluster reports that).
///
/// # Errors
/// The kubeconfig cannot be read, or has no contexts.
pub fn resolve(which: &Contexts, kubeconfig: Option<&Path>) -> Result<Vec<Target>, OpsError> {
    let known = context_servers(kubeconfig)?;
    let names: Vec<String> = match which {
        Contexts::Named(n) => n.clone(),
        Contexts::All => known.iter().map(|(n, _)| n.clone()).collect(),
    };
    let mut out: Vec<Target> = Vec::new();
    for n in names {
        if !out.iter().any(|t| t.context == n) {
            let server = known
                .iter()
                .find(|(k, _)| *k == n)
                .and_then(|(_, s)| s.clone());
            out.push(Target { context: n, server });
        }
    }
    if out.is_empty() {
        return Err(OpsError::Input("the kubeconfig has no contexts".into()));
    }
    Ok(out)
}

/// One context of a many-cluster run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub context: String,
    /// Its cluster's server, from the kubeconfig.
    pub server: Option<String>,
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

/// Runs `op` for each context: servers `CLUSTERS_AT_ONCE` at a time, the
/// contexts of one server in turn; results in the contexts' order.
pub async fn each_cluster<'a, T, F, Fut>(targets: &'a [Target], op: F) -> Vec<PerCluster<T>>
where
    F: Fn(&'a str) -> Fut,
    Fut: Future<Output = Result<T, OpsError>> + 'a,
{
    let mut groups: Vec<Vec<(usize, &'a Target)>> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let same = groups
            .iter_mut()
            .find(|g| t.server.is_some() && g.first().is_some_and(|(_, o)| o.server == t.server));
        match same {
            Some(g) => g.push((i, t)),
            None => groups.push(vec![(i, t)]),
        }
    }
    let op = &op;
    let done: Vec<Vec<(usize, PerCluster<T>)>> = stream::iter(groups)
        .map(|group| async move {
            let mut out = Vec::with_capacity(group.len());
            for (i, t) in group {
                let result = op(&t.context).await.map_err(|e| e.to_string());
                out.push((
                    i,
                    PerCluster {
                        context: t.context.clone(),
                        result,
                    },
                ));
            }
            out
        })
        .buffer_unordered(CLUSTERS_AT_ONCE)
        .collect()
        .await;
    let mut all: Vec<(usize, PerCluster<T>)> = done.into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

fn request(base: &KubeRequest, context: &str) -> KubeRequest {
    KubeRequest {
        context: Some(context.to_owned()),
        ..base.clone()
    }
}

/// One cluster of a many-cluster apply or sync: what was planned (as
/// shown before a one-cluster apply) and what happened.
#[derive(Debug)]
pub struct Applied {
    pub context: String,
    pub server: String,
    pub plan_warnings: Vec<String>,
    pub planned: Vec<NamespaceReport>,
    pub report: KubeReport,
}

/// A many-cluster apply or sync.
#[derive(Debug)]
pub struct FleetRun {
    /// Once for all clusters (an ECR expiry corrected, …).
    pub warnings: Vec<String>,
    pub clusters: Vec<PerCluster<Applied>>,
}

/// Plans then applies one cluster.
async fn plan_and_run(
    store: &dyn VaultStore,
    kp: KubePlan,
    progress: FleetProgress<'_>,
    cancel: &Cancel,
) -> Applied {
    let context = kp.cluster.context.clone();
    let server = kp.cluster.server.clone();
    let planned = kp.planned.clone();
    let plan_warnings = kp.warnings.clone();
    let each = |r: &NamespaceReport| progress(&context, r);
    let report = one::execute(store, kp, &each, cancel).await;
    Applied {
        context,
        server,
        plan_warnings,
        planned,
        report,
    }
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

/// `ops::kube::plan_apply` then `execute` on each of `targets`.
///
/// # Errors
/// Only what stops every cluster: no environments, no such registry, the
/// ECR token, the vault, cancelled.
pub async fn apply(
    store: &dyn VaultStore,
    base: &KubeRequest,
    targets: &[Target],
    settings: ApplySettings,
    progress: FleetProgress<'_>,
    cancel: &Cancel,
) -> Result<FleetRun, OpsError> {
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
    let clusters = each_cluster(targets, |c| {
        let req = request(base, c);
        let settings = settings.clone();
        async move {
            let kp = one::plan_apply(store, &req, settings, cancel).await?;
            Ok(plan_and_run(store, kp, progress, cancel).await)
        }
    })
    .await;
    Ok(FleetRun { warnings, clusters })
}

/// `ops::kube::plan_sync` then `execute` on each of `targets`.
///
/// # Errors
/// As `apply`.
pub async fn sync(
    store: &dyn VaultStore,
    base: &KubeRequest,
    targets: &[Target],
    progress: FleetProgress<'_>,
    cancel: &Cancel,
) -> Result<FleetRun, OpsError> {
    store.read()?.find_registry(&base.registry)?;
    let warnings = once_for_all(store, &base.registry, true, false, cancel).await?;
    let clusters = each_cluster(targets, |c| {
        let req = request(base, c);
        async move {
            let kp = one::plan_sync_with(store, &req, false, cancel).await?;
            Ok(plan_and_run(store, kp, progress, cancel).await)
        }
    })
    .await;
    Ok(FleetRun { warnings, clusters })
}

/// `ops::kube::status` on each of `contexts`.
pub async fn status(
    store: &dyn VaultStore,
    base: &KubeRequest,
    targets: &[Target],
) -> Vec<PerCluster<StatusReport>> {
    each_cluster(targets, |c| {
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
    targets: &[Target],
    environments: &[String],
    cancel: &Cancel,
) -> Vec<PerCluster<PruneReport>> {
    each_cluster(targets, |c| {
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
    fn contexts_resolve_in_order_without_duplicates_with_their_servers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n\
             - {name: one, cluster: {server: 'https://127.0.0.1:1/'}}\n\
             - {name: two, cluster: {server: 'https://127.0.0.1:2'}}\n\
             users: [{name: u, user: {token: t}}]\ncontexts:\n\
             - {name: a, context: {cluster: one, user: u}}\n\
             - {name: b, context: {cluster: two, user: u}}\n\
             - {name: a-dev, context: {cluster: one, user: u}}\n",
        )
        .unwrap();
        let all = resolve(&Contexts::All, Some(&path)).unwrap();
        let names: Vec<&str> = all.iter().map(|t| t.context.as_str()).collect();
        assert_eq!(names, ["a", "b", "a-dev"]);
        assert_eq!(all[0].server, all[2].server, "same cluster, same server");
        assert_eq!(all[0].server.as_deref(), Some("https://127.0.0.1:1"));
        let given = Contexts::Named(vec!["b".into(), "nope".into(), "b".into()]);
        let some = resolve(&given, Some(&path)).unwrap();
        assert_eq!(some.len(), 2);
        assert_eq!(some[1].server, None, "unknown: its cluster reports it");
    }
}
