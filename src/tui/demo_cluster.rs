//! `regvault demo`'s Apply: a demo cluster with two contexts, planned
//! purely from the vault — the same `PullSecretPlan` `regvault apply`
//! builds (the Secret name, one Deployment per container) — as a cluster
//! with none of it yet would answer. Nothing is sent anywhere: "applying"
//! reports, per namespace, what would have been done. Swarm, Compose and
//! prune say the demo contacts nothing, as `NoCluster` does.

use futures_util::future::BoxFuture;

use super::apply::{
    Applier, ApplyFinish, ApplyProgress, ApplyResult, ApplyTarget, ClusterPlan, EngineTargets,
    KubeContexts, NoCluster, Store,
};
use crate::deploy::PullSecretPlan;
use crate::deploy::kube::{Change, NamespaceReport, ObjectChange, Outcome};
use crate::model::VaultData;
use crate::ops::{Cancel, OpsError};

/// The demo cluster's kubeconfig contexts.
pub const DEMO_CONTEXTS: [&str; 2] = ["demo-dev", "demo-prod"];

/// Their API servers: `demo-dev`'s is the one the demo seed's recorded
/// applies name (`assets/demo.toml`), so a rotation's stale places carry
/// its context name and the sync can be planned. `.invalid` resolves nowhere.
pub const DEMO_SERVERS: [&str; 2] = [
    "https://demo-cluster.invalid:6443",
    "https://demo-prod.invalid:6443",
];

/// What an applied namespace says in the demo.
pub const WOULD_APPLY: &str = "demo: nothing was sent — this is what apply would do";

/// The demo's Applier: plans for real, sends nothing.
pub struct DemoCluster;

/// Every namespace of `target` as a cluster without any of it would plan
/// it: the namespace (when asked to create it), the Secret and each
/// Deployment created.
///
/// # Errors
/// The plan's own refusal (no such registry, a public one, an ECR
/// registry without a token), one line.
pub fn demo_plan(
    data: &VaultData,
    target: &ApplyTarget,
    now: jiff::Timestamp,
) -> Result<Vec<NamespaceReport>, String> {
    let plan = PullSecretPlan::build(data, &target.registry, &target.environments, now)
        .map_err(|e| e.to_string())?;
    Ok(plan
        .environments
        .iter()
        .map(|env| {
            let mut objects = vec![ObjectChange {
                kind: "Secret",
                name: plan.secret_name.clone(),
                change: Change::Create,
            }];
            objects.extend(env.deployments.iter().map(|d| ObjectChange {
                kind: "Deployment",
                name: d.name.clone(),
                change: Change::Create,
            }));
            NamespaceReport {
                environment: env.environment.clone(),
                namespace: env.namespace.clone(),
                namespace_change: target.settings.create_namespaces.then_some(Change::Create),
                secret_status: None,
                objects,
                outcome: Outcome::Unchanged,
                message: None,
                secret_uid: None,
                secret_resource_version: None,
                secret_written: false,
            }
        })
        .collect())
}

impl Applier for DemoCluster {
    fn contexts(&self) -> KubeContexts {
        KubeContexts {
            names: DEMO_CONTEXTS.iter().map(|c| (*c).to_owned()).collect(),
            current: Some(DEMO_CONTEXTS[0].to_owned()),
            servers: DEMO_SERVERS.iter().map(|s| Some((*s).to_owned())).collect(),
        }
    }
    fn engines(&self) -> EngineTargets {
        NoCluster.engines()
    }
    fn plan(
        &self,
        store: Store,
        target: ApplyTarget,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyResult> {
        Box::pin(async move {
            let data = store.read()?;
            let now = jiff::Timestamp::now();
            if cancel.is_cancelled() {
                return Err(OpsError::Cancelled);
            }
            Ok(target
                .contexts
                .iter()
                .map(|context| ClusterPlan {
                    context: context.clone(),
                    planned: demo_plan(&data, &target, now),
                })
                .collect())
        })
    }
    fn apply(
        &self,
        _: Store,
        _: ApplyTarget,
        planned: Vec<ClusterPlan>,
        progress: ApplyProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyFinish> {
        Box::pin(async move {
            for plan in planned {
                for mut ns in plan.planned.unwrap_or_default() {
                    ns.outcome = if cancel.is_cancelled() {
                        Outcome::Cancelled
                    } else {
                        Outcome::Applied
                    };
                    ns.message = Some(WOULD_APPLY.to_owned());
                    progress(&plan.context, &ns);
                }
            }
            Ok(Vec::new())
        })
    }
}
