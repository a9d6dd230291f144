//! The TUI's seam to the outside world for Apply and prune, like the
//! `Tester` for Test Connection: the runtime plans and applies through an
//! `Applier`, so snapshots and update tests never need a cluster or an
//! engine. `Ops` is the real one — nothing but calls into `crate::ops`, the
//! same functions `regvault apply`, `regvault swarm apply`, `regvault
//! compose login` and `regvault prune` use; `NoCluster` is the demo's,
//! contacts nothing, and says so.
//!
//! A Kubernetes apply goes to several contexts at once (issue #12): each
//! cluster is planned and applied on its own through `ops::kube`, as
//! `ops::fleet` does for `regvault apply --context a,b`, so one cluster's
//! failure is that cluster's result and never stops the others.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::deploy::kube::NamespaceReport;
use crate::ops::compose::{ComposePlan, ComposeReport, ComposeRequest};
use crate::ops::fleet::Contexts;
use crate::ops::kube::{ApplySettings, ClusterTarget, KubeRequest, PruneReport, PrunedSecret};
use crate::ops::swarm::{PlannedService, ServiceResult, SwarmApplyReport, SwarmRequest};
use crate::ops::{self, Cancel, OpsError, VaultStore};

/// What to apply where: one registry's pull secret, in these environments,
/// through these kubeconfig contexts (one cluster each), with the CLI's
/// options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyTarget {
    /// Registry id (or name), as `regvault apply` takes it.
    pub registry: String,
    /// The checked contexts, in the kubeconfig's order; never empty.
    pub contexts: Vec<String>,
    pub environments: Vec<String>,
    pub settings: ApplySettings,
}

impl ApplyTarget {
    fn request(&self, context: &str) -> KubeRequest {
        KubeRequest {
            registry: self.registry.clone(),
            context: Some(context.to_owned()),
            kubeconfig: None,
            environments: self.environments.clone(),
        }
    }

    /// What the user types to confirm: the contexts as `--context` takes
    /// them (`a,b,c`), so every cluster written to is named by hand.
    pub fn phrase(&self) -> String {
        self.contexts.join(",")
    }
}

/// One cluster's plan, or the one-line reason it has none (unreachable,
/// forbidden, no such context); the others go on without it.
#[derive(Clone, Debug)]
pub struct ClusterPlan {
    pub context: String,
    pub planned: Result<Vec<NamespaceReport>, String>,
}

/// A cluster whose apply stopped before its namespaces (no cluster, the
/// registry gone); the others' results stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterError {
    pub context: String,
    pub message: String,
}

/// The kubeconfig's contexts, read without connecting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeContexts {
    pub names: Vec<String>,
    pub current: Option<String>,
    /// Each name's API server, in the same order (empty: not known), to
    /// name the clusters of recorded Secrets (stale after a rotation).
    pub servers: Vec<Option<String>>,
}

/// Where Swarm and Compose would apply, shown before anything is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineTargets {
    /// `DOCKER_HOST`, else the default socket.
    pub swarm_endpoint: String,
    /// The compose project: the working directory.
    pub project_dir: PathBuf,
}

impl Default for EngineTargets {
    fn default() -> Self {
        Self {
            swarm_endpoint: DEFAULT_DOCKER_HOST.to_owned(),
            project_dir: PathBuf::from("."),
        }
    }
}

const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// One registry's services on the Swarm, for its containers in these
/// environments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwarmTarget {
    pub registry: String,
    pub environments: Vec<String>,
}

impl SwarmTarget {
    fn request(&self) -> SwarmRequest {
        SwarmRequest {
            registry: self.registry.clone(),
            environments: self.environments.clone(),
            host: None,
            networks: Vec::new(),
        }
    }
}

/// `Err`: nothing could be planned anywhere (cancelled, the registry gone).
pub type ApplyResult = Result<Vec<ClusterPlan>, OpsError>;
/// The clusters that failed before their namespaces.
pub type ApplyFinish = Result<Vec<ClusterError>, OpsError>;
pub type SwarmPlanResult = Result<Vec<PlannedService>, OpsError>;
pub type ComposePlanResult = Result<ComposePlan, OpsError>;
pub type ComposeResult = Result<ComposeReport, OpsError>;
pub type PruneResult = Result<PruneReport, OpsError>;

/// Receives each (context, namespace) result as it ends (cancelled ones
/// included).
pub type ApplyProgress = Arc<dyn Fn(&str, &NamespaceReport) + Send + Sync>;
/// Receives each service's result as it ends.
pub type SwarmProgress = Arc<dyn Fn(&ServiceResult) + Send + Sync>;
/// Receives each secret's result as it ends.
pub type PruneProgress = Arc<dyn Fn(&PrunedSecret) + Send + Sync>;

/// The vault as the operations see it from the TUI.
pub type Store = Arc<dyn VaultStore>;

pub trait Applier: Send + Sync {
    fn contexts(&self) -> KubeContexts;
    /// Where Swarm and Compose apply: `DOCKER_HOST` and the working directory.
    fn engines(&self) -> EngineTargets {
        EngineTargets {
            swarm_endpoint: std::env::var("DOCKER_HOST")
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_owned()),
            project_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }
    /// `ops::kube::plan_apply` per context: a fresh ECR token when asked
    /// (once, kept in the vault), then what each namespace of each
    /// cluster holds and would get.
    fn plan(
        &self,
        store: Store,
        target: ApplyTarget,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyResult>;
    /// `ops::kube::apply_planned` per cluster that has a plan, clusters
    /// at once: each namespace reported through `progress` as it ends; a
    /// cluster failing before any namespace is named in the result.
    fn apply(
        &self,
        store: Store,
        target: ApplyTarget,
        planned: Vec<ClusterPlan>,
        progress: ApplyProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyFinish>;
    // Swarm, Compose and prune: by default nothing is contacted and the
    // result says so (the demo and the offline seams); `Ops` overrides each.
    /// `ops::swarm::plan`.
    fn swarm_plan(
        &self,
        _store: Store,
        _target: SwarmTarget,
        _cancel: Cancel,
    ) -> BoxFuture<'static, SwarmPlanResult> {
        demo("swarm apply")
    }
    /// `ops::swarm::apply`: the login checked on the node, then each
    /// service through `progress`.
    fn swarm_apply(
        &self,
        _store: Store,
        _target: SwarmTarget,
        _progress: SwarmProgress,
        _cancel: Cancel,
    ) -> BoxFuture<'static, Result<SwarmApplyReport, OpsError>> {
        demo("swarm apply")
    }
    /// `ops::compose::plan` for the project in `dir`.
    fn compose_plan(&self, _store: Store, _dir: PathBuf) -> BoxFuture<'static, ComposePlanResult> {
        demo("compose login")
    }
    /// `ops::compose::login` (no pull) for the project in `dir`.
    fn compose_apply(
        &self,
        _store: Store,
        _dir: PathBuf,
        _cancel: Cancel,
    ) -> BoxFuture<'static, ComposeResult> {
        demo("compose login")
    }
    /// `ops::kube::prune`: every secret this vault applied for this
    /// registry id in `context`, each re-checked (uid, label), then
    /// deleted; foreign ones are named and left.
    fn prune(
        &self,
        _store: Store,
        _context: String,
        registry: String,
        _progress: PruneProgress,
        _cancel: Cancel,
    ) -> BoxFuture<'static, PruneResult> {
        demo(&format!("prune {registry}"))
    }
}

pub type SharedApplier = Arc<dyn Applier>;

/// The demo and offline runs: no cluster is contacted, and it says so.
pub struct NoCluster;

fn demo<T: Send + 'static>(what: &str) -> BoxFuture<'static, Result<T, OpsError>> {
    let msg = format!("demo: nothing is contacted; use `regvault {what}`");
    Box::pin(async move { Err(OpsError::Input(msg)) })
}

impl Applier for NoCluster {
    fn contexts(&self) -> KubeContexts {
        KubeContexts::default()
    }
    fn plan(&self, _: Store, _: ApplyTarget, _: Cancel) -> BoxFuture<'static, ApplyResult> {
        demo("apply")
    }
    fn apply(
        &self,
        _: Store,
        _: ApplyTarget,
        _: Vec<ClusterPlan>,
        _: ApplyProgress,
        _: Cancel,
    ) -> BoxFuture<'static, ApplyFinish> {
        demo("apply")
    }
}

/// The real one: `crate::ops`, as the CLI calls it.
pub struct Ops;

/// `deploy::kube`'s futures are not `Send` (borrowed streams), so an
/// operation runs on a blocking thread driven by the runtime's handle. It
/// stops through its cancel token (checked between namespaces, services
/// and secrets), not by an abort, which could not reach that thread.
fn off_worker<T, F, Fut>(make: F) -> BoxFuture<'static, Result<T, OpsError>>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, OpsError>>,
{
    Box::pin(async move {
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || handle.block_on(make()))
            .await
            .map_err(|e| OpsError::Task(e.to_string()))?
    })
}

impl Applier for Ops {
    fn contexts(&self) -> KubeContexts {
        match kube::config::Kubeconfig::read() {
            Ok(k) => {
                let names: Vec<String> = k.contexts.iter().map(|c| c.name.clone()).collect();
                let known = crate::deploy::kube::context_servers(None).unwrap_or_default();
                let servers = names
                    .iter()
                    .map(|n| {
                        known
                            .iter()
                            .find(|(k, _)| k == n)
                            .and_then(|(_, s)| s.clone())
                    })
                    .collect();
                KubeContexts {
                    names,
                    current: k.current_context,
                    servers,
                }
            }
            Err(_) => KubeContexts::default(),
        }
    }
    fn plan(
        &self,
        store: Store,
        target: ApplyTarget,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyResult> {
        off_worker(move || async move { plan_clusters(&*store, &target, &cancel).await })
    }
    fn apply(
        &self,
        store: Store,
        target: ApplyTarget,
        planned: Vec<ClusterPlan>,
        progress: ApplyProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyFinish> {
        off_worker(move || async move {
            Ok(apply_clusters(&*store, &target, planned, &progress, &cancel).await)
        })
    }
    fn swarm_plan(
        &self,
        store: Store,
        target: SwarmTarget,
        cancel: Cancel,
    ) -> BoxFuture<'static, SwarmPlanResult> {
        off_worker(move || async move {
            let plan = ops::swarm::plan(&*store, &target.request(), &cancel).await?;
            Ok(plan.services)
        })
    }
    fn swarm_apply(
        &self,
        store: Store,
        target: SwarmTarget,
        progress: SwarmProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, Result<SwarmApplyReport, OpsError>> {
        off_worker(move || async move {
            let each = |r: &ServiceResult| progress(r);
            ops::swarm::apply(&*store, &target.request(), &each, &cancel).await
        })
    }
    fn compose_plan(&self, store: Store, dir: PathBuf) -> BoxFuture<'static, ComposePlanResult> {
        off_worker(move || async move {
            let req = ComposeRequest {
                project_dir: dir,
                ..ComposeRequest::default()
            };
            ops::compose::plan(&*store, &req)
        })
    }
    fn compose_apply(
        &self,
        store: Store,
        dir: PathBuf,
        cancel: Cancel,
    ) -> BoxFuture<'static, ComposeResult> {
        off_worker(move || async move {
            let req = ComposeRequest {
                project_dir: dir,
                ..ComposeRequest::default()
            };
            ops::compose::login(&*store, &req, &cancel).await
        })
    }
    fn prune(
        &self,
        store: Store,
        context: String,
        registry: String,
        progress: PruneProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, PruneResult> {
        off_worker(move || async move {
            let id = ops::kube::prune_target(None, &registry)?;
            let each = |s: &PrunedSecret| progress(s);
            let cluster = ClusterTarget {
                context: Some(context),
                kubeconfig: None,
            };
            ops::kube::prune(&*store, &id, &cluster, &[], &each, &cancel).await
        })
    }
}

/// Plans every context of `target`. A fresh ECR token is traded once,
/// with the first cluster's plan (several would race on the vault and get
/// different tokens); the others then plan at once with the stored one.
async fn plan_clusters(
    store: &dyn VaultStore,
    target: &ApplyTarget,
    cancel: &Cancel,
) -> ApplyResult {
    let plan_one = |context: &str, settings: ApplySettings| {
        let req = target.request(context);
        let context = context.to_owned();
        async move {
            let planned = ops::kube::plan_apply(store, &req, settings, cancel)
                .await
                .map(|kp| kp.planned)
                .map_err(|e| e.to_string());
            ClusterPlan { context, planned }
        }
    };
    let mut rest = target.contexts.as_slice();
    let mut plans = Vec::with_capacity(rest.len());
    if target.settings.fresh_ecr_token
        && let Some((first, others)) = rest.split_first()
    {
        plans.push(plan_one(first, target.settings.clone()).await);
        rest = others;
    }
    let settings = ApplySettings {
        fresh_ecr_token: false,
        ..target.settings.clone()
    };
    let others = rest.iter().map(|c| plan_one(c, settings.clone()));
    plans.extend(futures_util::future::join_all(others).await);
    if cancel.is_cancelled() {
        return Err(OpsError::Cancelled);
    }
    Ok(plans)
}

/// Applies each cluster's plan through `ops::fleet::each_cluster` — the
/// CLI's many-cluster runner: clusters at once, contexts that name the same
/// server (an admin and a restricted user of one cluster) one after the
/// other, so they never race for the same objects. The ones without a plan
/// are skipped (their reason was shown before the confirm).
async fn apply_clusters(
    store: &dyn VaultStore,
    target: &ApplyTarget,
    planned: Vec<ClusterPlan>,
    progress: &ApplyProgress,
    cancel: &Cancel,
) -> Vec<ClusterError> {
    let settings = ApplySettings {
        fresh_ecr_token: false,
        ..target.settings.clone()
    };
    let planned: Vec<(String, Vec<NamespaceReport>)> = planned
        .into_iter()
        .filter_map(|p| Some((p.context, p.planned.ok()?)))
        .collect();
    let names: Vec<String> = planned.iter().map(|(c, _)| c.clone()).collect();
    // The kubeconfig's server per context; unreadable: each its own group
    // (its apply then reports why).
    let targets = ops::fleet::resolve(&Contexts::Named(names.clone()), None).unwrap_or_else(|_| {
        names
            .into_iter()
            .map(|context| ops::fleet::Target {
                context,
                server: None,
            })
            .collect()
    });
    let results = ops::fleet::each_cluster(&targets, |context| {
        let req = target.request(context);
        let namespaces = planned
            .iter()
            .find(|(c, _)| c == context)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let settings = settings.clone();
        async move {
            let each = |r: &NamespaceReport| progress(context, r);
            ops::kube::apply_planned(store, &req, settings, namespaces, &each, cancel).await
        }
    })
    .await;
    results
        .into_iter()
        .filter_map(|c| {
            c.result.err().map(|message| ClusterError {
                context: c.context,
                message,
            })
        })
        .collect()
}
