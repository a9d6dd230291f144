//! The Apply dialog's plug, like `runtime::Probe`: the runtime plans and
//! applies through an `Applier`, so tests and snapshots never need a
//! cluster or an engine. `KubeApplier` is the real one (the same
//! `deploy::kube`, `deploy::swarm` and `deploy::compose_io` calls as
//! `regvault apply`, `regvault swarm apply` and `regvault compose login`);
//! `NoCluster` is the demo's, contacts nothing, and says so.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use jiff::Timestamp;

use crate::deploy::docker::{self, LoginCheck};
use crate::deploy::kube::{ApplyOptions, Cluster, NamespaceReport, Outcome};
use crate::deploy::swarm::{ServiceAction, ServicePlan, ServicePreview, service_plans};
use crate::deploy::{PullSecretPlan, compose_io, login_for};
use crate::model::{Registry, VaultData};
use crate::registry::DockerLogin;

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

/// One managed secret a prune removed, or could not (`error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrunedSecret {
    pub namespace: String,
    pub name: String,
    pub error: Option<String>,
}

pub type PruneResult = Result<Vec<PrunedSecret>, String>;

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

/// What `regvault swarm apply` would do to one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SwarmAction {
    Create,
    Update,
    /// A service regvault must not touch (not its own, another registry's).
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwarmService {
    pub service: String,
    pub image: String,
    pub action: SwarmAction,
}

/// One service applied: `Ok("created" | "updated")`, or why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwarmResult {
    pub service: String,
    pub outcome: Result<String, String>,
}

pub type SwarmPlanResult = Result<Vec<SwarmService>, String>;
/// Reports each service as it ends.
pub type SwarmProgress = Arc<dyn Fn(SwarmResult) + Send + Sync>;

/// What `regvault compose login` would write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComposePlan {
    pub compose_file: PathBuf,
    pub config: PathBuf,
    /// Registry name and the auths key (server) its login is written under.
    pub logins: Vec<(String, String)>,
    pub images: Vec<String>,
    pub warnings: Vec<String>,
}

pub type ComposePlanResult = Result<ComposePlan, String>;
/// Receives each namespace's result as its apply ends; answers whether to go
/// on (false once the apply was cancelled: no further namespace is started).
pub type ApplyProgress = Arc<dyn Fn(NamespaceReport) -> bool + Send + Sync>;

/// Reports every namespace of `planned` as failed with `message`.
fn fail_all(planned: Vec<NamespaceReport>, message: &str, progress: &ApplyProgress) {
    for report in planned {
        let go_on = progress(NamespaceReport {
            outcome: Outcome::Error,
            message: Some(message.to_owned()),
            ..report
        });
        if !go_on {
            break;
        }
    }
}
/// The result lines of a compose login (written logins, warnings).
pub type ComposeResult = Result<Vec<String>, String>;

pub trait Applier: Send + Sync {
    fn contexts(&self) -> KubeContexts;
    /// Reads only: what each namespace holds and what apply would change.
    fn plan(&self, data: Arc<VaultData>, target: ApplyTarget) -> BoxFuture<'static, ApplyResult>;
    /// Server-side apply of what `plan` returned, one namespace at a time,
    /// each reported through `progress` as it ends (so a cancelled apply can
    /// say which were done). A failure before a namespace (no cluster) is
    /// reported as that namespace's error.
    fn apply(
        &self,
        data: Arc<VaultData>,
        target: ApplyTarget,
        planned: Vec<NamespaceReport>,
        progress: ApplyProgress,
    ) -> BoxFuture<'static, ()>;
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
    /// Reads only: the services `regvault swarm apply` would create or
    /// update, and those it would refuse.
    fn swarm_plan(
        &self,
        data: Arc<VaultData>,
        target: SwarmTarget,
    ) -> BoxFuture<'static, SwarmPlanResult> {
        let _ = (data, target);
        Box::pin(async { Err("use `regvault swarm apply`".into()) })
    }
    /// Checks the login on the node, then creates or updates each service
    /// with registry auth, reporting each through `progress`. An error is
    /// a failure before any service (no engine, refused login).
    fn swarm_apply(
        &self,
        data: Arc<VaultData>,
        target: SwarmTarget,
        progress: SwarmProgress,
    ) -> BoxFuture<'static, Result<(), String>> {
        let _ = (data, target, progress);
        Box::pin(async { Err("use `regvault swarm apply`".into()) })
    }
    /// Reads only: the compose file, the registries its images use and
    /// the config.json that would be written.
    fn compose_plan(
        &self,
        data: Arc<VaultData>,
        dir: PathBuf,
    ) -> BoxFuture<'static, ComposePlanResult> {
        let _ = (data, dir);
        Box::pin(async { Err("use `regvault compose login`".into()) })
    }
    /// `regvault compose login` without `--pull`.
    fn compose_apply(
        &self,
        data: Arc<VaultData>,
        dir: PathBuf,
    ) -> BoxFuture<'static, ComposeResult> {
        let _ = (data, dir);
        Box::pin(async { Err("use `regvault compose login`".into()) })
    }
    /// `regvault prune <registry>`: every secret regvault manages for this
    /// registry id in `context`, deleted (each re-checked as managed).
    fn prune(&self, context: String, registry: String) -> BoxFuture<'static, PruneResult> {
        let _ = (context, registry);
        Box::pin(async { Err("this build cannot prune; use `regvault prune`".into()) })
    }
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
        planned: Vec<NamespaceReport>,
        progress: ApplyProgress,
    ) -> BoxFuture<'static, ()> {
        fail_all(
            planned,
            "demo: no cluster is contacted; use `regvault apply`",
            &progress,
        );
        Box::pin(async {})
    }
    fn prune(&self, _: String, registry: String) -> BoxFuture<'static, PruneResult> {
        Box::pin(async move {
            Err(format!(
                "demo: no cluster is contacted; use `regvault prune {registry}`"
            ))
        })
    }
    fn swarm_plan(&self, _: Arc<VaultData>, _: SwarmTarget) -> BoxFuture<'static, SwarmPlanResult> {
        Box::pin(async {
            Err("demo: no Docker engine is contacted; use `regvault swarm apply`".into())
        })
    }
    fn swarm_apply(
        &self,
        _: Arc<VaultData>,
        _: SwarmTarget,
        _: SwarmProgress,
    ) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(async {
            Err("demo: no Docker engine is contacted; use `regvault swarm apply`".into())
        })
    }
    fn compose_plan(&self, _: Arc<VaultData>, _: PathBuf) -> BoxFuture<'static, ComposePlanResult> {
        Box::pin(async {
            Err("demo: nothing is read or written; use `regvault compose login`".into())
        })
    }
    fn compose_apply(&self, _: Arc<VaultData>, _: PathBuf) -> BoxFuture<'static, ComposeResult> {
        Box::pin(async {
            Err("demo: nothing is read or written; use `regvault compose login`".into())
        })
    }
}

/// The real one: `deploy::kube` through `KUBECONFIG` (as `regvault apply`
/// and `regvault prune`), Swarm through `DOCKER_HOST` (as `regvault swarm
/// apply`), Compose in the working directory (as `regvault compose login`).
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
fn off_worker<T, F, Fut>(make: F) -> BoxFuture<'static, Result<T, String>>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, String>>,
{
    Box::pin(async move {
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || handle.block_on(make()))
            .await
            .map_err(|e| format!("apply task failed: {e}"))?
    })
}

/// The registry, its login and its services in the target's environments,
/// as `regvault swarm apply` computes them.
fn swarm_services(
    data: &VaultData,
    target: &SwarmTarget,
) -> Result<(Registry, DockerLogin, Vec<ServicePlan>), String> {
    let r = data
        .registry(&target.registry)
        .ok_or_else(|| format!("no registry '{}'", target.registry))?;
    let login = login_for(r, Timestamp::now())
        .map_err(|e| format!("registry '{}': {e}", r.name))?
        .ok_or_else(|| format!("registry '{}' is public: it needs no credentials", r.name))?;
    let plans: Vec<ServicePlan> = service_plans(data, r, None, &login.server)
        .into_iter()
        .filter(|p| target.environments.contains(&p.environment))
        .collect();
    if plans.is_empty() {
        return Err(format!(
            "registry '{}' has no containers in these environments",
            r.name
        ));
    }
    Ok((r.clone(), login, plans))
}

fn compose_plan_of(
    data: &VaultData,
    dir: &std::path::Path,
) -> Result<(ComposePlan, Vec<DockerLogin>), String> {
    let file = compose_io::find_compose_file(dir, None).map_err(|e| e.to_string())?;
    let found =
        compose_io::compose_logins(data, &file, Timestamp::now()).map_err(|e| e.to_string())?;
    let mut warnings = found.warnings;
    if found.logins.is_empty() {
        warnings.push(
            "no saved registry serves this project's images: config.json will not be changed"
                .to_owned(),
        );
    }
    let plan = ComposePlan {
        compose_file: file,
        config: compose_io::docker_config_dir().join("config.json"),
        logins: found
            .logins
            .iter()
            .map(|(name, l)| (name.clone(), l.server.clone()))
            .collect(),
        images: found.images,
        warnings,
    };
    Ok((plan, found.logins.into_iter().map(|(_, l)| l).collect()))
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
        progress: ApplyProgress,
    ) -> BoxFuture<'static, ()> {
        // One connection and one plan for every namespace.
        let run = off_worker(move || async move {
            let (cluster, plan) = match connect_and_plan(&data, &target).await {
                Ok(both) => both,
                Err(message) => {
                    fail_all(planned, &message, &progress);
                    return Ok(());
                }
            };
            for report in planned {
                let env = plan
                    .environments
                    .iter()
                    .find(|e| e.environment == report.environment);
                let done = match env {
                    Some(env) => {
                        cluster
                            .apply_one(&plan, env, report, ApplyOptions::default())
                            .await
                    }
                    None => NamespaceReport {
                        outcome: Outcome::Error,
                        message: Some("not in the plan any more; plan again".into()),
                        ..report
                    },
                };
                if !progress(done) {
                    break; // cancelled: start no further namespace
                }
            }
            Ok(())
        });
        Box::pin(async move {
            let _ = run.await;
        })
    }
    fn swarm_plan(
        &self,
        data: Arc<VaultData>,
        target: SwarmTarget,
    ) -> BoxFuture<'static, SwarmPlanResult> {
        off_worker(move || async move {
            let (r, _, plans) = swarm_services(&data, &target)?;
            let engine = docker::connect(None).await.map_err(|e| e.to_string())?;
            let mut out = Vec::with_capacity(plans.len());
            for p in plans {
                let action = match engine
                    .preview_service(&p, &r)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    ServicePreview::Create => SwarmAction::Create,
                    ServicePreview::Update => SwarmAction::Update,
                    ServicePreview::Refused(why) => SwarmAction::Refused(why),
                };
                out.push(SwarmService {
                    service: p.service,
                    image: p.image,
                    action,
                });
            }
            Ok(out)
        })
    }
    fn swarm_apply(
        &self,
        data: Arc<VaultData>,
        target: SwarmTarget,
        progress: SwarmProgress,
    ) -> BoxFuture<'static, Result<(), String>> {
        off_worker(move || async move {
            let (r, login, plans) = swarm_services(&data, &target)?;
            let engine = docker::connect(None).await.map_err(|e| e.to_string())?;
            match engine
                .check_login(&login)
                .await
                .map_err(|e| e.to_string())?
            {
                LoginCheck::Ok => {}
                LoginCheck::BadCredentials { detail } => {
                    return Err(format!(
                        "{} refused the credentials (checked on the node): {detail}",
                        login.server
                    ));
                }
            }
            for p in &plans {
                let outcome = engine
                    .apply_service(p, &r, &login, &[])
                    .await
                    .map(|o| match o.action {
                        ServiceAction::Created => "created".to_owned(),
                        ServiceAction::Updated => "updated".to_owned(),
                    })
                    .map_err(|e| e.to_string());
                progress(SwarmResult {
                    service: p.service.clone(),
                    outcome,
                });
            }
            Ok(())
        })
    }
    fn compose_plan(
        &self,
        data: Arc<VaultData>,
        dir: PathBuf,
    ) -> BoxFuture<'static, ComposePlanResult> {
        off_worker(move || async move { compose_plan_of(&data, &dir).map(|(plan, _)| plan) })
    }
    fn compose_apply(
        &self,
        data: Arc<VaultData>,
        dir: PathBuf,
    ) -> BoxFuture<'static, ComposeResult> {
        off_worker(move || async move {
            let (plan, logins) = compose_plan_of(&data, &dir)?;
            let mut lines: Vec<String> = plan
                .warnings
                .iter()
                .map(|w| format!("warning: {w}"))
                .collect();
            if logins.is_empty() {
                return Ok(lines);
            }
            let dir = compose_io::docker_config_dir();
            let (path, warnings) =
                compose_io::write_config(&dir, &logins).map_err(|e| e.to_string())?;
            lines.extend(warnings.iter().map(|w| format!("warning: {w}")));
            for (name, server) in &plan.logins {
                lines.push(format!(
                    "{server}: login of '{name}' written to {}",
                    path.display()
                ));
            }
            Ok(lines)
        })
    }
    fn prune(&self, context: String, registry: String) -> BoxFuture<'static, PruneResult> {
        off_worker(move || async move {
            let cluster = Cluster::connect(Some(&context))
                .await
                .map_err(|e| e.to_string())?;
            let found = cluster
                .managed_secrets(Some(&registry))
                .await
                .map_err(|e| e.to_string())?;
            let mut out = Vec::with_capacity(found.len());
            for s in &found {
                let result = cluster.delete_managed_secret(s).await;
                out.push(PrunedSecret {
                    namespace: s.namespace.clone(),
                    name: s.name.clone(),
                    error: result.err().map(|e| e.to_string()),
                });
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    //! The runtime with a fake `Applier`: no cluster, same messages.

    use super::*;
    use crate::deploy::kube::Change;
    use crate::tui::effect::Effect;
    use crate::tui::msg::Msg;
    use crate::tui::runtime::{Runtime, VaultSlot, structural_probe};
    use crate::tui::test_support::ns_report;

    /// Plans every environment; applying staging is forbidden.
    struct Fake;

    impl Applier for Fake {
        fn contexts(&self) -> KubeContexts {
            crate::tui::test_support::kube()
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
            _: ApplyTarget,
            planned: Vec<NamespaceReport>,
            progress: ApplyProgress,
        ) -> BoxFuture<'static, ()> {
            for r in planned {
                if r.environment == "staging" {
                    fail_all(vec![r], "secrets is forbidden", &progress);
                } else {
                    progress(ns_report(&r.environment, Change::Create, Outcome::Applied));
                }
            }
            Box::pin(async {})
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

    /// Applies on its own thread, like the real one (whose kube futures run
    /// on a blocking thread): aborting the job cannot drop its loop, only
    /// the progress answer can stop it. Logs what each answer said.
    struct Threaded(Arc<std::sync::Mutex<Vec<bool>>>);

    impl Applier for Threaded {
        fn contexts(&self) -> KubeContexts {
            KubeContexts::default()
        }
        fn plan(&self, _: Arc<VaultData>, _: ApplyTarget) -> BoxFuture<'static, ApplyResult> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn apply(
            &self,
            _: Arc<VaultData>,
            _: ApplyTarget,
            planned: Vec<NamespaceReport>,
            progress: ApplyProgress,
        ) -> BoxFuture<'static, ()> {
            let log = Arc::clone(&self.0);
            let (done, finished) = tokio::sync::oneshot::channel::<()>();
            std::thread::spawn(move || {
                for r in planned {
                    std::thread::sleep(std::time::Duration::from_millis(150));
                    let go_on =
                        progress(ns_report(&r.environment, Change::Create, Outcome::Applied));
                    log.lock().unwrap().push(go_on);
                    if !go_on {
                        break;
                    }
                }
                let _ = done.send(());
            });
            Box::pin(async move {
                let _ = finished.await;
            })
        }
    }

    #[tokio::test]
    async fn a_cancelled_apply_starts_no_further_namespace() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let slot = VaultSlot::Missing {
            path: "/nonexistent/vault.age".into(),
            identity: "/nonexistent/identity.txt".into(),
        };
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut rt = Runtime::new(
            tx,
            slot,
            structural_probe(),
            Arc::new(Threaded(Arc::clone(&log))),
        );
        let envs = ["a", "b", "c", "d"];
        let target = ApplyTarget {
            registry: "reg-ghcr01".into(),
            context: "kind-dev".into(),
            environments: envs.iter().map(|e| (*e).to_owned()).collect(),
        };
        let planned = envs
            .iter()
            .map(|e| ns_report(e, Change::Create, Outcome::Unchanged))
            .collect();
        rt.run(Effect::Apply {
            job: 7,
            target,
            planned,
        });
        let Some(Msg::ApplyProgress { job: 7, .. }) = rx.recv().await else {
            panic!("no first namespace")
        };
        rt.run(Effect::Cancel { job: 7 });
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        let answers = log.lock().unwrap().clone();
        assert_eq!(answers.first(), Some(&true), "{answers:?}");
        assert!(
            answers.len() <= 2 && answers.last() == Some(&false),
            "after the cancel the applier must be told to stop: {answers:?}"
        );
    }

    /// Two services: the first created, the second someone else's.
    struct FakeSwarm;

    impl Applier for FakeSwarm {
        fn contexts(&self) -> KubeContexts {
            KubeContexts::default()
        }
        fn plan(&self, _: Arc<VaultData>, _: ApplyTarget) -> BoxFuture<'static, ApplyResult> {
            Box::pin(async { Ok(Vec::new()) })
        }
        fn apply(
            &self,
            _: Arc<VaultData>,
            _: ApplyTarget,
            _: Vec<NamespaceReport>,
            _: ApplyProgress,
        ) -> BoxFuture<'static, ()> {
            Box::pin(async {})
        }
        fn swarm_apply(
            &self,
            _: Arc<VaultData>,
            _: SwarmTarget,
            progress: SwarmProgress,
        ) -> BoxFuture<'static, Result<(), String>> {
            Box::pin(async move {
                progress(SwarmResult {
                    service: "web-production".into(),
                    outcome: Ok("created".into()),
                });
                progress(SwarmResult {
                    service: "web-staging".into(),
                    outcome: Err("not managed by regvault".into()),
                });
                Ok(())
            })
        }
        fn prune(&self, context: String, _: String) -> BoxFuture<'static, PruneResult> {
            Box::pin(async move {
                Ok(vec![PrunedSecret {
                    namespace: "env-production".into(),
                    name: format!("ghcr-creds@{context}"),
                    error: None,
                }])
            })
        }
    }

    #[tokio::test]
    async fn the_runtime_reports_swarm_services_one_by_one_then_prunes() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let slot = VaultSlot::Missing {
            path: "/nonexistent/vault.age".into(),
            identity: "/nonexistent/identity.txt".into(),
        };
        let mut rt = Runtime::new(tx, slot, structural_probe(), Arc::new(FakeSwarm));
        let target = SwarmTarget {
            registry: "reg-ghcr01".into(),
            environments: vec!["production".into(), "staging".into()],
        };
        rt.run(Effect::ApplySwarm { job: 3, target });
        let mut services = Vec::new();
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::SwarmProgress { job: 3, result } => services.push(result),
                Msg::SwarmFinished { job: 3, result } => {
                    assert_eq!(result, Ok(()));
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(services.len(), 2);
        assert!(services[1].outcome.is_err());
        rt.run(Effect::Prune {
            job: 4,
            context: "kind-dev".into(),
            registry: "reg-ghcr01".into(),
        });
        let Some(Msg::PruneDone { job: 4, result }) = rx.recv().await else {
            panic!("no prune result")
        };
        assert_eq!(result.expect("pruned")[0].name, "ghcr-creds@kind-dev");
    }
}
