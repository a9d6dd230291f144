//! The Apply dialog's plug, like `runtime::Probe`: the runtime plans and
//! applies through an `Applier`, so tests and snapshots never need a
//! cluster. `KubeApplier` is the real one (the same `deploy::kube` calls as
//! `regvault apply`); `NoCluster` is the demo's, and says so.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use jiff::Timestamp;

use crate::deploy::PullSecretPlan;
use crate::deploy::kube::{ApplyOptions, Cluster, NamespaceReport};
use crate::model::VaultData;

/// What to apply where: one registry's pull secret, in these environments,
/// through this kubeconfig context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyTarget {
    /// Registry id (or name), as `regvault apply --registry` takes it.
    pub registry: String,
    pub context: String,
    pub environments: Vec<String>,
}

/// The kubeconfig's contexts, read without connecting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeContexts {
    pub names: Vec<String>,
    pub current: Option<String>,
}

pub type ApplyResult = Result<Vec<NamespaceReport>, String>;

pub trait Applier: Send + Sync {
    fn contexts(&self) -> KubeContexts;
    /// Reads only: what each namespace holds and what apply would change.
    fn plan(&self, data: Arc<VaultData>, target: ApplyTarget) -> BoxFuture<'static, ApplyResult>;
    /// Server-side apply of a plan `plan` returned.
    fn apply(
        &self,
        data: Arc<VaultData>,
        target: ApplyTarget,
        planned: Vec<NamespaceReport>,
    ) -> BoxFuture<'static, ApplyResult>;
}

pub type SharedApplier = Arc<dyn Applier>;

/// The demo and offline runs: no cluster is contacted, and it says so.
pub struct NoCluster;

impl Applier for NoCluster {
    fn contexts(&self) -> KubeContexts {
        KubeContexts::default()
    }
    fn plan(&self, _: Arc<VaultData>, _: ApplyTarget) -> BoxFuture<'static, ApplyResult> {
        Box::pin(async { Err("demo: no cluster is contacted; use `regvault apply`".into()) })
    }
    fn apply(
        &self,
        _: Arc<VaultData>,
        _: ApplyTarget,
        _: Vec<NamespaceReport>,
    ) -> BoxFuture<'static, ApplyResult> {
        Box::pin(async { Err("demo: no cluster is contacted; use `regvault apply`".into()) })
    }
}

/// `deploy::kube` through `KUBECONFIG`, as `regvault apply` without flags.
pub struct KubeApplier;

async fn connect_and_plan(
    data: &VaultData,
    target: &ApplyTarget,
) -> Result<(Cluster, PullSecretPlan), String> {
    let plan = PullSecretPlan::build(
        data,
        &target.registry,
        &target.environments,
        Timestamp::now(),
    )
    .map_err(|e| e.to_string())?;
    let cluster = Cluster::connect(Some(&target.context))
        .await
        .map_err(|e| e.to_string())?;
    Ok((cluster, plan))
}

/// `deploy::kube`'s futures are not `Send` (borrowed streams), so they run
/// on a blocking thread driven by the runtime's handle. Aborting the
/// returned future stops waiting; a namespace already being written still
/// finishes, which the dialog says.
fn off_worker<F, Fut>(make: F) -> BoxFuture<'static, ApplyResult>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ApplyResult>,
{
    Box::pin(async move {
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || handle.block_on(make()))
            .await
            .map_err(|e| format!("apply task failed: {e}"))?
    })
}

impl Applier for KubeApplier {
    fn contexts(&self) -> KubeContexts {
        match kube::config::Kubeconfig::read() {
            Ok(k) => KubeContexts {
                names: k.contexts.iter().map(|c| c.name.clone()).collect(),
                current: k.current_context,
            },
            Err(_) => KubeContexts::default(),
        }
    }
    fn plan(&self, data: Arc<VaultData>, target: ApplyTarget) -> BoxFuture<'static, ApplyResult> {
        off_worker(move || async move {
            let (cluster, plan) = connect_and_plan(&data, &target).await?;
            Ok(cluster.plan(&plan, ApplyOptions::default()).await)
        })
    }
    fn apply(
        &self,
        data: Arc<VaultData>,
        target: ApplyTarget,
        planned: Vec<NamespaceReport>,
    ) -> BoxFuture<'static, ApplyResult> {
        off_worker(move || async move {
            let (cluster, plan) = connect_and_plan(&data, &target).await?;
            Ok(cluster.apply(&plan, planned, ApplyOptions::default()).await)
        })
    }
}

#[cfg(test)]
mod tests {
    //! The runtime with a fake `Applier`: no cluster, same messages.

    use super::*;
    use crate::deploy::kube::{Change, Outcome};
    use crate::tui::effect::Effect;
    use crate::tui::fixtures::ns_report;
    use crate::tui::msg::Msg;
    use crate::tui::runtime::{Runtime, VaultSlot, structural_probe};

    /// Plans every environment; applying staging is forbidden.
    struct Fake;

    impl Applier for Fake {
        fn contexts(&self) -> KubeContexts {
            crate::tui::fixtures::kube()
        }
        fn plan(&self, _: Arc<VaultData>, t: ApplyTarget) -> BoxFuture<'static, ApplyResult> {
            let reports = t
                .environments
                .iter()
                .map(|e| ns_report(e, Change::Create, Outcome::Unchanged))
                .collect();
            Box::pin(async move { Ok(reports) })
        }
        fn apply(
            &self,
            _: Arc<VaultData>,
            t: ApplyTarget,
            _: Vec<NamespaceReport>,
        ) -> BoxFuture<'static, ApplyResult> {
            let env = t.environments[0].clone();
            Box::pin(async move {
                if env == "staging" {
                    return Err("secrets is forbidden".into());
                }
                Ok(vec![ns_report(&env, Change::Create, Outcome::Applied)])
            })
        }
    }

    #[tokio::test]
    async fn the_runtime_plans_then_applies_namespace_by_namespace() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let slot = VaultSlot::Missing {
            path: "/nonexistent/vault.age".into(),
            identity: "/nonexistent/identity.txt".into(),
        };
        let mut rt = Runtime::new(tx, slot, structural_probe(), Arc::new(Fake));
        let target = ApplyTarget {
            registry: "reg-ghcr01".into(),
            context: "kind-dev".into(),
            environments: vec!["production".into(), "staging".into()],
        };
        rt.run(Effect::PlanApply {
            job: 1,
            target: target.clone(),
        });
        let Some(Msg::ApplyPlanned { job: 1, result }) = rx.recv().await else {
            panic!("no plan")
        };
        let planned = result.expect("plan");
        assert_eq!(planned.len(), 2);
        rt.run(Effect::Apply {
            job: 2,
            target,
            planned,
        });
        let mut outcomes = Vec::new();
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::ApplyProgress { job: 2, report } => outcomes.push(report.outcome),
                Msg::ApplyFinished { job: 2 } => break,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(outcomes, [Outcome::Applied, Outcome::Error]);
    }
}
