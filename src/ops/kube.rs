//! Kubernetes operations: apply (plan, then execute), sync, status,
//! refresh and prune — one registry's `kubernetes.io/dockerconfigjson`
//! pull secret in the namespaces `env-<environment>`. ECR registries get a
//! fresh 12-hour token first, kept in the vault.
//!
//! Namespaces are worked on a few at a time; each checks the cancel token
//! before it starts, so a cancel leaves the namespaces already done as
//! they are and reports the others as `cancelled`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use futures_util::stream::{self, StreamExt};
use jiff::{SignedDuration, Timestamp};

use super::{Cancel, OpsError, Progress, VaultStore, not_cancelled};
use crate::deploy::kube::{
    ApplyOptions, Cluster, ManagedSecret, NamespaceReport, Outcome, SecretState,
};
use crate::deploy::{PullSecretPlan, environments_using};
use crate::model::{Registry, RegistryId, RuleError, VaultData};
use crate::probe::{self, ProbeOptions};
use crate::registry::RegistryKind;

/// ECR tokens live 12 hours.
const ECR_TOKEN_LIFETIME: SignedDuration = SignedDuration::from_hours(12);

/// Namespaces applied at once.
const PARALLEL: usize = 8;

/// Which registry, where.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeRequest {
    /// Registry id or name.
    pub registry: String,
    /// The kubeconfig context; `None`: the current one.
    pub context: Option<String>,
    /// The kubeconfig file; `None`: `KUBECONFIG`, else `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// Environments (namespace `env-<environment>`). For sync and status,
    /// empty means those whose containers use the registry plus those
    /// where its secret is found.
    pub environments: Vec<String>,
}

/// Which cluster: a kubeconfig context (and file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterTarget {
    /// `None`: the kubeconfig's current context.
    pub context: Option<String>,
    /// `None`: `KUBECONFIG`, else `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
}

/// What apply does beyond the Secret, and where the ECR token comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApplySettings {
    /// Create missing namespaces.
    pub create_namespaces: bool,
    /// Take over a same-named Secret (or Deployment) regvault does not manage.
    pub adopt: bool,
    /// The server's dry run: validated, nothing stored.
    pub dry_run: bool,
    /// Also list the Secret in each namespace's `default` `ServiceAccount`.
    pub service_account: bool,
    /// ECR: exchange the keys for a fresh token first (kept in the vault);
    /// otherwise the token from the last test or refresh, if still valid.
    pub fresh_ecr_token: bool,
}

impl Default for ApplySettings {
    fn default() -> Self {
        Self {
            create_namespaces: false,
            adopt: false,
            dry_run: false,
            service_account: false,
            fresh_ecr_token: true,
        }
    }
}

impl ApplySettings {
    fn objects(self) -> ApplyOptions {
        ApplyOptions {
            create_namespaces: self.create_namespaces,
            adopt: self.adopt,
            dry_run: self.dry_run,
            service_account: self.service_account,
            secrets_only: false,
        }
    }
}

/// sync: only Secrets that exist, never a Deployment.
const SECRETS_ONLY: ApplyOptions = ApplyOptions {
    create_namespaces: false,
    adopt: false,
    dry_run: false,
    service_account: false,
    secrets_only: true,
};

/// The plan: what each namespace holds and what apply would change.
#[derive(Debug)]
pub struct KubePlan {
    pub cluster: Cluster,
    pub plan: PullSecretPlan,
    pub planned: Vec<NamespaceReport>,
    /// Before the plan (an ECR expiry that had to be corrected, …).
    pub warnings: Vec<String>,
    pub options: ApplyOptions,
}

/// What an apply or sync did, namespace by namespace.
#[derive(Debug)]
pub struct KubeReport {
    pub context: String,
    pub server: String,
    pub plan: PullSecretPlan,
    pub reports: Vec<NamespaceReport>,
    pub warnings: Vec<String>,
    pub dry_run: bool,
    /// Cancelled part-way: the namespaces reported `cancelled` were not started.
    pub cancelled: bool,
}

impl KubeReport {
    #[must_use]
    pub fn failed(&self) -> bool {
        self.reports.iter().any(|r| r.outcome.is_failure())
    }
}

/// ECR only: trades the keys for a fresh token and keeps it in the vault.
/// An expiry already past (clock skew, an emulator) is recorded as the
/// documented 12 hours from now, with a warning.
///
/// # Errors
/// The ECR API refused or failed; the vault cannot be saved; cancelled.
pub async fn refresh_ecr_token(
    store: &dyn VaultStore,
    id: &RegistryId,
    cancel: &Cancel,
) -> Result<Vec<String>, OpsError> {
    let data = store.read()?;
    let r = data.find_registry(id.as_str())?;
    let mut opts = ProbeOptions::from_env(RegistryKind::Ecr);
    opts.connection = r.connection.clone();
    let name = r.name.clone();
    let token = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(OpsError::Cancelled),
        t = probe::ecr_token(&r.credentials, &opts) => t,
    };
    let grant = token.map_err(|f| OpsError::EcrToken {
        name: name.clone(),
        outcome: f.outcome,
        hint: f.hint,
    })?;
    let (record, warning) = sane_ecr_token(&grant, Timestamp::now());
    store.update(&mut |d| d.record_ecr_token(id.as_str(), record.clone()))?;
    Ok(warning
        .map(|w| format!("'{name}': {w}"))
        .into_iter()
        .collect())
}

/// The token as kept in the vault. An expiry already past when it arrives
/// (clock skew, an emulator) is recorded as the documented 12 hours from
/// now, and the warning says so — the same rule for a test and a refresh.
#[must_use]
pub fn sane_ecr_token(
    grant: &crate::probe::EcrGrant,
    now: Timestamp,
) -> (crate::model::EcrToken, Option<String>) {
    let mut token = grant.to_record();
    if token.expires_at > now {
        return (token, None);
    }
    let warning = format!(
        "the ECR API gave a token whose expiry ({}) is already past; recorded as 12 hours from now",
        token.expires_at
    );
    token.expires_at = now.checked_add(ECR_TOKEN_LIFETIME).unwrap_or(now);
    (token, Some(warning))
}

/// For an ECR registry (and a fresh token wanted): the token, refreshed.
async fn ecr_ready(
    store: &dyn VaultStore,
    registry: &str,
    fresh: bool,
    cancel: &Cancel,
) -> Result<Vec<String>, OpsError> {
    let data = store.read()?;
    let r = data.find_registry(registry)?;
    if r.kind != RegistryKind::Ecr || !fresh {
        return Ok(Vec::new());
    }
    let id = r.id.clone();
    drop(data);
    refresh_ecr_token(store, &id, cancel).await
}

/// The plan for `req`: a fresh ECR token first (unless a dry run or told
/// otherwise), then what each namespace holds and would get. Reads the
/// cluster only.
///
/// # Errors
/// No environments; no such registry or no usable credentials; no
/// cluster; cancelled.
pub async fn plan_apply(
    store: &dyn VaultStore,
    req: &KubeRequest,
    settings: ApplySettings,
    cancel: &Cancel,
) -> Result<KubePlan, OpsError> {
    not_cancelled(cancel)?;
    if req.environments.is_empty() {
        return Err(OpsError::NoEnvironmentsGiven);
    }
    let fresh = settings.fresh_ecr_token && !settings.dry_run;
    let warnings = ecr_ready(store, &req.registry, fresh, cancel).await?;
    plan_with(store, req, settings.objects(), warnings, cancel).await
}

async fn plan_with(
    store: &dyn VaultStore,
    req: &KubeRequest,
    options: ApplyOptions,
    warnings: Vec<String>,
    cancel: &Cancel,
) -> Result<KubePlan, OpsError> {
    let data = store.read()?;
    let plan = PullSecretPlan::build(&data, &req.registry, &req.environments, Timestamp::now())?;
    drop(data);
    let cluster = Cluster::connect(req.context.as_deref(), req.kubeconfig.as_deref()).await?;
    not_cancelled(cancel)?;
    let planned = cluster.plan(&plan, options).await;
    Ok(KubePlan {
        cluster,
        plan,
        planned,
        warnings,
        options,
    })
}

/// Applies a plan made by `plan_apply` (or `plan_sync`), reporting each
/// namespace through `progress` as it ends.
pub async fn execute(
    kp: KubePlan,
    progress: Progress<'_, NamespaceReport>,
    cancel: &Cancel,
) -> KubeReport {
    let (reports, cancelled) = run_namespaces(
        &kp.cluster,
        &kp.plan,
        kp.planned,
        kp.options,
        progress,
        cancel,
    )
    .await;
    KubeReport {
        context: kp.cluster.context.clone(),
        server: kp.cluster.server.clone(),
        plan: kp.plan,
        reports,
        warnings: kp.warnings,
        dry_run: kp.options.dry_run,
        cancelled,
    }
}

/// Applies `planned` (a plan shown earlier and confirmed, as the TUI's
/// Apply dialog does): reconnects and rebuilds the pull-secret plan from
/// the vault as it is now (no new ECR token: planning fetched it), then
/// applies exactly the namespaces that were shown.
///
/// # Errors
/// The registry is gone or unusable; no cluster; cancelled.
pub async fn apply_planned(
    store: &dyn VaultStore,
    req: &KubeRequest,
    settings: ApplySettings,
    planned: Vec<NamespaceReport>,
    progress: Progress<'_, NamespaceReport>,
    cancel: &Cancel,
) -> Result<KubeReport, OpsError> {
    not_cancelled(cancel)?;
    let data = store.read()?;
    let plan = PullSecretPlan::build(&data, &req.registry, &req.environments, Timestamp::now())?;
    drop(data);
    let cluster = Cluster::connect(req.context.as_deref(), req.kubeconfig.as_deref()).await?;
    // The namespaces as planned, in the plan's order; a namespace no longer
    // in the plan (the registry's containers changed) is not applied.
    let mut ordered = Vec::with_capacity(plan.environments.len());
    let mut dropped = Vec::new();
    for env in &plan.environments {
        if let Some(r) = planned.iter().find(|r| r.environment == env.environment) {
            ordered.push(r.clone());
        }
    }
    for r in planned {
        if !plan
            .environments
            .iter()
            .any(|e| e.environment == r.environment)
        {
            let gone = NamespaceReport {
                outcome: Outcome::Error,
                message: Some("not in the plan any more; plan again".into()),
                ..r
            };
            progress(&gone);
            dropped.push(gone);
        }
    }
    let kp = KubePlan {
        cluster,
        plan,
        planned: ordered,
        warnings: Vec::new(),
        options: settings.objects(),
    };
    let mut report = execute(kp, progress, cancel).await;
    report.reports.extend(dropped);
    Ok(report)
}

/// The namespaces of one plan, a few at a time; each checks `cancel`
/// before it starts. Returns the reports in plan order and whether a
/// cancel cut it short.
async fn run_namespaces(
    cluster: &Cluster,
    plan: &PullSecretPlan,
    planned: Vec<NamespaceReport>,
    opts: ApplyOptions,
    progress: Progress<'_, NamespaceReport>,
    cancel: &Cancel,
) -> (Vec<NamespaceReport>, bool) {
    let pairs: Vec<_> = planned
        .into_iter()
        .filter_map(|r| {
            let env = plan
                .environments
                .iter()
                .find(|e| e.environment == r.environment)?;
            Some((env, r))
        })
        .collect();
    let reports: Vec<NamespaceReport> = stream::iter(pairs)
        .map(|(env, r)| async move {
            let done = if cancel.is_cancelled() {
                NamespaceReport {
                    outcome: Outcome::Cancelled,
                    message: Some("cancelled before this namespace was started".into()),
                    ..r
                }
            } else {
                cluster.apply_one(plan, env, r, opts).await
            };
            progress(&done);
            done
        })
        .buffered(PARALLEL)
        .collect()
        .await;
    let cancelled = reports.iter().any(|r| r.outcome == Outcome::Cancelled);
    (reports, cancelled)
}

/// `--environment`, else the registry's environments in the vault plus
/// those where the cluster has its secret.
async fn environments(
    cluster: &Cluster,
    data: &VaultData,
    r: &Registry,
    given: &[String],
) -> Result<Vec<String>, OpsError> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let mut envs: BTreeSet<String> = environments_using(data, &r.id).into_iter().collect();
    if let Ok(found) = cluster.managed_secrets(Some(r.id.as_str())).await {
        envs.extend(
            found
                .iter()
                .filter_map(ManagedSecret::environment)
                .map(str::to_owned),
        );
    }
    if envs.is_empty() {
        return Err(OpsError::NoEnvironments(r.name.clone()));
    }
    Ok(envs.into_iter().collect())
}

/// The plan of a sync: after a rotation, the existing Secrets updated in
/// place (same uid, no Deployment touched, no restart).
///
/// # Errors
/// As `plan_apply`.
pub async fn plan_sync(
    store: &dyn VaultStore,
    req: &KubeRequest,
    cancel: &Cancel,
) -> Result<KubePlan, OpsError> {
    not_cancelled(cancel)?;
    let data = store.read()?;
    let r = data.find_registry(&req.registry)?;
    let cluster = Cluster::connect(req.context.as_deref(), req.kubeconfig.as_deref()).await?;
    let envs = environments(&cluster, &data, r, &req.environments).await?;
    drop(data);
    let warnings = ecr_ready(store, &req.registry, true, cancel).await?;
    let req = KubeRequest {
        environments: envs,
        ..req.clone()
    };
    plan_with(store, &req, SECRETS_ONLY, warnings, cancel).await
}

/// Per environment: is the cluster's Secret current, stale or missing?
#[derive(Debug)]
pub struct StatusReport {
    pub context: String,
    pub plan: PullSecretPlan,
    pub states: Vec<SecretState>,
}

impl StatusReport {
    /// Some environment could not be read.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.states.iter().any(|s| s.status.is_none())
    }
}

/// Reads each environment's Secret and compares it with what apply would
/// put there now.
///
/// # Errors
/// No such registry; no cluster.
pub async fn status(store: &dyn VaultStore, req: &KubeRequest) -> Result<StatusReport, OpsError> {
    let data = store.read()?;
    let r = data.find_registry(&req.registry)?;
    let cluster = Cluster::connect(req.context.as_deref(), req.kubeconfig.as_deref()).await?;
    let envs = environments(&cluster, &data, r, &req.environments).await?;
    // The hash is of what apply would put there now; an expired ECR token
    // still has one to compare (the secret is stale either way).
    let now = r
        .ecr_token
        .as_ref()
        .filter(|t| t.expires_at <= Timestamp::now())
        .map_or_else(Timestamp::now, |t| {
            t.expires_at
                .checked_sub(SignedDuration::from_secs(1))
                .unwrap_or(t.expires_at)
        });
    let plan = PullSecretPlan::build(&data, &req.registry, &envs, now)?;
    let states = cluster.status(&plan).await;
    Ok(StatusReport {
        context: cluster.context.clone(),
        plan,
        states,
    })
}

/// One ECR registry's refresh.
#[derive(Debug)]
pub struct Refreshed {
    pub id: RegistryId,
    pub name: String,
    /// Why its token could not be renewed (its secrets were left as they are).
    pub error: Option<String>,
    pub expires_at: Option<Timestamp>,
    pub reports: Vec<NamespaceReport>,
    pub warnings: Vec<String>,
}

#[derive(Debug)]
pub struct RefreshReport {
    pub context: String,
    pub refreshed: Vec<Refreshed>,
    pub cancelled: bool,
}

impl RefreshReport {
    #[must_use]
    pub fn failed(&self) -> bool {
        self.refreshed
            .iter()
            .any(|r| r.error.is_some() || r.reports.iter().any(|n| n.outcome.is_failure()))
    }
}

/// For cron: every ECR Secret that expires within `within` gets a fresh
/// token, in place. Registries are taken one at a time; a cancel stops
/// before the next.
///
/// # Errors
/// No cluster; the managed Secrets cannot be listed; the vault cannot be read.
pub async fn refresh(
    store: &dyn VaultStore,
    cluster: &ClusterTarget,
    within: SignedDuration,
    progress: Progress<'_, NamespaceReport>,
    cancel: &Cancel,
) -> Result<RefreshReport, OpsError> {
    not_cancelled(cancel)?;
    let cluster =
        Cluster::connect(cluster.context.as_deref(), cluster.kubeconfig.as_deref()).await?;
    let managed = cluster.managed_secrets(None).await?;
    let horizon = Timestamp::now()
        .checked_add(within)
        .map_err(|_| OpsError::Input("the window is too large".into()))?;
    let ecr: Vec<(RegistryId, String)> = store
        .read()?
        .registries
        .iter()
        .filter(|r| r.kind == RegistryKind::Ecr)
        .map(|r| (r.id.clone(), r.name.clone()))
        .collect();
    let mut out = Vec::new();
    let mut cancelled = false;
    for (id, name) in ecr {
        let due: Vec<String> = managed
            .iter()
            .filter(|s| s.registry_id.as_deref() == Some(id.as_str()))
            .filter(|s| s.expires_at.is_none_or(|at| at <= horizon))
            .filter_map(ManagedSecret::environment)
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if due.is_empty() {
            continue;
        }
        if cancel.is_cancelled() {
            cancelled = true;
            break;
        }
        let mut done = Refreshed {
            id: id.clone(),
            name,
            error: None,
            expires_at: None,
            reports: Vec::new(),
            warnings: Vec::new(),
        };
        match refresh_ecr_token(store, &id, cancel).await {
            Ok(w) => done.warnings = w,
            Err(e) => {
                done.error = Some(e.to_string());
                out.push(done);
                continue;
            }
        }
        let data = store.read()?;
        let plan = PullSecretPlan::build(&data, id.as_str(), &due, Timestamp::now())?;
        drop(data);
        let planned = cluster.plan(&plan, SECRETS_ONLY).await;
        let (reports, stopped) =
            run_namespaces(&cluster, &plan, planned, SECRETS_ONLY, progress, cancel).await;
        done.expires_at = plan.expires_at;
        done.reports = reports;
        out.push(done);
        if stopped {
            cancelled = true;
            break;
        }
    }
    Ok(RefreshReport {
        context: cluster.context.clone(),
        refreshed: out,
        cancelled,
    })
}

/// One managed Secret a prune removed, or could not (`error`), or did not
/// reach (`cancelled`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrunedSecret {
    pub namespace: String,
    pub name: String,
    pub outcome: PruneOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PruneOutcome {
    Deleted,
    Error,
    Cancelled,
}

impl PruneOutcome {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PruneOutcome::Deleted => "deleted",
            PruneOutcome::Error => "error",
            PruneOutcome::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug)]
pub struct PruneReport {
    pub context: String,
    pub registry: RegistryId,
    pub secrets: Vec<PrunedSecret>,
    pub cancelled: bool,
}

impl PruneReport {
    #[must_use]
    pub fn failed(&self) -> bool {
        self.secrets
            .iter()
            .any(|s| s.outcome == PruneOutcome::Error)
    }
}

/// The registry's id: from the vault, or — once it is deleted — the id
/// given.
///
/// # Errors
/// Neither a saved registry nor a registry id.
pub fn prune_target(data: Option<&VaultData>, registry: &str) -> Result<RegistryId, OpsError> {
    match data.and_then(|d| d.registry(registry)) {
        Some(r) => Ok(r.id.clone()),
        None => RegistryId::parse(registry)
            .ok_or_else(|| RuleError::NoSuchRegistry(registry.to_owned()).into()),
    }
}

/// Deletes the registry's managed Secrets (each re-checked as managed
/// before it is deleted), one at a time; a cancel stops before the next.
///
/// # Errors
/// No cluster; the list was refused.
pub async fn prune(
    id: &RegistryId,
    cluster: &ClusterTarget,
    environments: &[String],
    progress: Progress<'_, PrunedSecret>,
    cancel: &Cancel,
) -> Result<PruneReport, OpsError> {
    not_cancelled(cancel)?;
    let cluster =
        Cluster::connect(cluster.context.as_deref(), cluster.kubeconfig.as_deref()).await?;
    let found = cluster.managed_secrets(Some(id.as_str())).await?;
    let mut secrets = Vec::new();
    let mut cancelled = false;
    for s in found.iter().filter(|s| {
        environments.is_empty()
            || s.environment()
                .is_some_and(|e| environments.iter().any(|want| want == e))
    }) {
        let done = if cancel.is_cancelled() {
            cancelled = true;
            PrunedSecret {
                namespace: s.namespace.clone(),
                name: s.name.clone(),
                outcome: PruneOutcome::Cancelled,
                message: Some("cancelled before it was deleted: left in place".into()),
            }
        } else {
            let r = cluster.delete_managed_secret(s).await;
            PrunedSecret {
                namespace: s.namespace.clone(),
                name: s.name.clone(),
                outcome: if r.is_ok() {
                    PruneOutcome::Deleted
                } else {
                    PruneOutcome::Error
                },
                message: r.err().map(|e| e.to_string()),
            }
        };
        progress(&done);
        secrets.push(done);
    }
    Ok(PruneReport {
        context: cluster.context.clone(),
        registry: id.clone(),
        secrets,
        cancelled,
    })
}
