//! The TUI's seam to the outside world for Apply and prune, like the
//! `Tester` for Test Connection: the runtime plans and applies through an
//! `Applier`, so snapshots and update tests never need a cluster or an
//! engine. `Ops` is the real one — nothing but calls into `crate::ops`, the
//! same functions `regvault apply`, `regvault swarm apply`, `regvault
//! compose login` and `regvault prune` use; `NoCluster` is the demo's,
//! contacts nothing, and says so.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::deploy::kube::NamespaceReport;
use crate::ops::compose::{ComposePlan, ComposeReport, ComposeRequest};
use crate::ops::kube::{ApplySettings, ClusterTarget, KubeRequest, PruneReport, PrunedSecret};
use crate::ops::swarm::{PlannedService, ServiceResult, SwarmApplyReport, SwarmRequest};
use crate::ops::{self, Cancel, OpsError, VaultStore};

/// What to apply where: one registry's pull secret, in these environments,
/// through this kubeconfig context, with the CLI's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyTarget {
    /// Registry id (or name), as `regvault apply` takes it.
    pub registry: String,
    pub context: String,
    pub environments: Vec<String>,
    pub settings: ApplySettings,
}

impl ApplyTarget {
    fn request(&self) -> KubeRequest {
        KubeRequest {
            registry: self.registry.clone(),
            context: Some(self.context.clone()),
            kubeconfig: None,
            environments: self.environments.clone(),
        }
    }
}

/// The kubeconfig's contexts, read without connecting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeContexts {
    pub names: Vec<String>,
    pub current: Option<String>,
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

pub type ApplyResult = Result<Vec<NamespaceReport>, OpsError>;
pub type SwarmPlanResult = Result<Vec<PlannedService>, OpsError>;
pub type ComposePlanResult = Result<ComposePlan, OpsError>;
pub type ComposeResult = Result<ComposeReport, OpsError>;
pub type PruneResult = Result<PruneReport, OpsError>;

/// Receives each namespace's result as it ends (cancelled ones included).
pub type ApplyProgress = Arc<dyn Fn(&NamespaceReport) + Send + Sync>;
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
    /// `ops::kube::plan_apply`: a fresh ECR token when asked (kept in the
    /// vault), then what each namespace holds and would get.
    fn plan(
        &self,
        store: Store,
        target: ApplyTarget,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyResult>;
    /// `ops::kube::apply_planned`: applies what `plan` returned, each
    /// namespace reported through `progress` as it ends; `Err` is a
    /// failure before any namespace (no cluster).
    fn apply(
        &self,
        store: Store,
        target: ApplyTarget,
        planned: Vec<NamespaceReport>,
        progress: ApplyProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, Result<(), OpsError>>;
    /// `ops::swarm::plan`.
    fn swarm_plan(
        &self,
        store: Store,
        target: SwarmTarget,
        cancel: Cancel,
    ) -> BoxFuture<'static, SwarmPlanResult>;
    /// `ops::swarm::apply`: the login checked on the node, then each
    /// service through `progress`.
    fn swarm_apply(
        &self,
        store: Store,
        target: SwarmTarget,
        progress: SwarmProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, Result<SwarmApplyReport, OpsError>>;
    /// `ops::compose::plan` for the project in `dir`.
    fn compose_plan(&self, store: Store, dir: PathBuf) -> BoxFuture<'static, ComposePlanResult>;
    /// `ops::compose::login` (no pull) for the project in `dir`.
    fn compose_apply(
        &self,
        store: Store,
        dir: PathBuf,
        cancel: Cancel,
    ) -> BoxFuture<'static, ComposeResult>;
    /// `ops::kube::prune`: every secret this vault applied for this
    /// registry id in `context`, each re-checked (uid, label), then
    /// deleted; foreign ones are named and left.
    fn prune(
        &self,
        store: Store,
        context: String,
        registry: String,
        progress: PruneProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, PruneResult>;
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
        _: Vec<NamespaceReport>,
        _: ApplyProgress,
        _: Cancel,
    ) -> BoxFuture<'static, Result<(), OpsError>> {
        demo("apply")
    }
    fn swarm_plan(
        &self,
        _: Store,
        _: SwarmTarget,
        _: Cancel,
    ) -> BoxFuture<'static, SwarmPlanResult> {
        demo("swarm apply")
    }
    fn swarm_apply(
        &self,
        _: Store,
        _: SwarmTarget,
        _: SwarmProgress,
        _: Cancel,
    ) -> BoxFuture<'static, Result<SwarmApplyReport, OpsError>> {
        demo("swarm apply")
    }
    fn compose_plan(&self, _: Store, _: PathBuf) -> BoxFuture<'static, ComposePlanResult> {
        demo("compose login")
    }
    fn compose_apply(&self, _: Store, _: PathBuf, _: Cancel) -> BoxFuture<'static, ComposeResult> {
        demo("compose login")
    }
    fn prune(
        &self,
        _: Store,
        _: String,
        registry: String,
        _: PruneProgress,
        _: Cancel,
    ) -> BoxFuture<'static, PruneResult> {
        demo(&format!("prune {registry}"))
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
            Ok(k) => KubeContexts {
                names: k.contexts.iter().map(|c| c.name.clone()).collect(),
                current: k.current_context,
            },
            Err(_) => KubeContexts::default(),
        }
    }
    fn plan(
        &self,
        store: Store,
        target: ApplyTarget,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyResult> {
        off_worker(move || async move {
            let kp =
                ops::kube::plan_apply(&*store, &target.request(), target.settings, &cancel).await?;
            Ok(kp.planned)
        })
    }
    fn apply(
        &self,
        store: Store,
        target: ApplyTarget,
        planned: Vec<NamespaceReport>,
        progress: ApplyProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, Result<(), OpsError>> {
        off_worker(move || async move {
            let each = |r: &NamespaceReport| progress(r);
            ops::kube::apply_planned(
                &*store,
                &target.request(),
                target.settings,
                planned,
                &each,
                &cancel,
            )
            .await
            .map(drop)
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
