//! Kubernetes operations: apply (plan, then execute), sync, status,
//! refresh and prune — one registry's `kubernetes.io/dockerconfigjson`
//! pull secret in the namespaces `env-<environment>`. ECR registries get a
//! fresh 12-hour token first, kept in the vault.
//!
//! Namespaces are worked on a few at a time; each checks the cancel token
//! before it starts, so a cancel leaves the namespaces already done as
//! they are and reports the others as `cancelled`.
//!
//! Which Secrets are regvault's is the vault's to say, not the cluster's:
//! every Secret apply writes is recorded (cluster, namespace, name, uid)
//! through the `VaultStore`, so the CLI and the TUI both record. `sync`,
//! `refresh`, `status` and `prune` act only on recorded Secrets, while
//! their uid is the recorded one; a Secret that carries regvault's label
//! and registry annotation without being recorded is reported `foreign`
//! and never written or deleted.

use std::collections::BTreeSet;
use std::path::PathBuf;

use futures_util::stream::{self, StreamExt};
use jiff::{SignedDuration, Timestamp};

use super::{
    AuditAction, Cancel, OpsError, Progress, VaultStore, entry_on, not_cancelled, record_err, tally,
};
use crate::deploy::kube::{
    ApplyOptions, Cluster, ManagedSecret, NamespaceReport, Outcome, Removal, SecretState,
    ServiceAccounts, foreign_message,
};
use crate::deploy::{PullSecretPlan, SecretStatus, environments_using};
use crate::model::{AppliedSecret, Registry, RegistryId, RuleError, VaultData};
use crate::probe::{self, ProbeOptions};
use crate::registry::RegistryKind;

/// ECR tokens live 12 hours.
const ECR_TOKEN_LIFETIME: SignedDuration = SignedDuration::from_hours(12);

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
    /// where this vault applied its secret on this cluster.
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplySettings {
    /// Create missing namespaces.
    pub create_namespaces: bool,
    /// Take over a same-named Secret (or Deployment) regvault does not manage.
    pub adopt: bool,
    /// The server's dry run: validated, nothing stored.
    pub dry_run: bool,
    /// Also list the Secret in these service accounts' `imagePullSecrets`
    /// in each namespace.
    pub service_accounts: ServiceAccounts,
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
            service_accounts: ServiceAccounts::None,
            fresh_ecr_token: true,
        }
    }
}

impl ApplySettings {
    pub(crate) fn objects(&self) -> ApplyOptions {
        ApplyOptions {
            create_namespaces: self.create_namespaces,
            adopt: self.adopt,
            dry_run: self.dry_run,
            service_accounts: self.service_accounts.clone(),
            secrets_only: false,
        }
    }
}

/// sync: only Secrets that exist, never a Deployment.
pub(crate) const SECRETS_ONLY: ApplyOptions = ApplyOptions {
    create_namespaces: false,
    adopt: false,
    dry_run: false,
    service_accounts: ServiceAccounts::None,
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
    /// sync: Secrets elsewhere in the cluster that carry this registry's
    /// marks but were not applied by this vault (left untouched).
    pub foreign: Vec<ManagedSecret>,
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
    /// As in the plan: foreign Secrets outside the planned namespaces.
    pub foreign: Vec<ManagedSecret>,
    /// The Secrets written could not be recorded in the vault (a warning
    /// says why and what to do).
    pub unrecorded: bool,
}

impl KubeReport {
    /// A namespace failed, a foreign Secret was found, or what was
    /// written could not be recorded.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.reports.iter().any(|r| r.outcome.is_failure())
            || !self.foreign.is_empty()
            || self.unrecorded
    }
}

/// Creates the vault's credentials-hash key when it has none (saved
/// through the store; never shown).
pub(crate) fn ensure_hash_key(store: &dyn VaultStore) -> Result<(), OpsError> {
    if store.read()?.kube.credentials_hash_key.is_some() {
        return Ok(());
    }
    store.update(&mut |d| {
        d.kube.ensure_hash_key();
        Ok(())
    })?;
    Ok(())
}

/// The Secrets of `registry` this vault recorded on the cluster at `server`.
fn recorded_on(data: &VaultData, server: &str, registry: &RegistryId) -> Vec<AppliedSecret> {
    data.applied_secrets(server, registry).cloned().collect()
}

/// Secrets labelled as one of `ids`' that this vault did not record on
/// this cluster (same namespace, name and uid), outside `skip`
/// (namespaces reported otherwise). Best effort: a cluster-wide list that
/// RBAC may refuse, which then finds none.
async fn foreign_secrets(
    cluster: &Cluster,
    data: &VaultData,
    ids: &[RegistryId],
    skip: &[String],
) -> Vec<ManagedSecret> {
    let Ok(found) = cluster.managed_secrets(None).await else {
        return Vec::new();
    };
    found
        .into_iter()
        .filter(|s| {
            s.registry_id
                .as_deref()
                .is_some_and(|id| ids.iter().any(|want| want.as_str() == id))
        })
        .filter(|s| !skip.contains(&s.namespace))
        .filter(|s| {
            !data.kube.applied.iter().any(|a| {
                a.server == cluster.server
                    && a.namespace == s.namespace
                    && a.name == s.name
                    && s.uid.as_deref() == Some(a.uid.as_str())
            })
        })
        .collect()
}

/// Records the Secrets an apply wrote (created, updated or adopted — even
/// where something after the Secret failed), by the uid the server gave
/// them.
fn record_written(
    store: &dyn VaultStore,
    server: &str,
    plan: &PullSecretPlan,
    reports: &[NamespaceReport],
) -> Result<(), OpsError> {
    let now = Timestamp::now();
    let written: Vec<AppliedSecret> = reports
        .iter()
        .filter(|r| r.secret_written)
        .filter_map(|r| {
            Some(AppliedSecret {
                registry_id: plan.registry_id.clone(),
                server: server.to_owned(),
                namespace: r.namespace.clone(),
                name: plan.secret_name.clone(),
                uid: r.secret_uid.clone()?,
                applied_at: now,
            })
        })
        .collect();
    if written.is_empty() {
        return Ok(());
    }
    store.update(&mut |d| {
        for rec in &written {
            d.record_applied(rec.clone());
        }
        Ok(())
    })?;
    Ok(())
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
pub(super) async fn ecr_ready(
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
    let result = plan_apply_run(store, req, settings, cancel).await;
    record_plan_err(store, AuditAction::Apply, req, &result);
    result
}

/// A plan that could not be made is an apply (or sync) that did not
/// happen: recorded so. A plan made is recorded when it is executed.
fn record_plan_err<T>(
    store: &dyn VaultStore,
    action: AuditAction,
    req: &KubeRequest,
    result: &Result<T, OpsError>,
) {
    if result.is_err() {
        let mut entry = entry_on(store, action, Some(&req.registry));
        let envs: Vec<String> = req
            .environments
            .iter()
            .map(|e| format!("env-{e}"))
            .collect();
        entry = entry.place(format!(
            "{}: {}",
            req.context.as_deref().unwrap_or("current context"),
            envs.join(" ")
        ));
        record_err(store, entry, result);
    }
}

async fn plan_apply_run(
    store: &dyn VaultStore,
    req: &KubeRequest,
    settings: ApplySettings,
    cancel: &Cancel,
) -> Result<KubePlan, OpsError> {
    not_cancelled(cancel)?;
    if req.environments.is_empty() {
        return Err(OpsError::NoEnvironmentsGiven);
    }
    match ensure_hash_key(store) {
        // A dry run writes nothing; without a key nothing shows current.
        Err(_) if settings.dry_run => {}
        other => other?,
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
    let cluster = Cluster::connect(req.context.as_deref(), req.kubeconfig.as_deref()).await?;
    plan_on(
        store,
        cluster,
        &req.registry,
        &req.environments,
        options,
        warnings,
        cancel,
    )
    .await
}

/// The plan of `registry` for `environments` on a cluster already
/// connected (`watch` keeps one client per context).
pub(crate) async fn plan_on(
    store: &dyn VaultStore,
    cluster: Cluster,
    registry: &str,
    environments: &[String],
    options: ApplyOptions,
    warnings: Vec<String>,
    cancel: &Cancel,
) -> Result<KubePlan, OpsError> {
    let data = store.read()?;
    let plan = PullSecretPlan::build(&data, registry, environments, Timestamp::now())?;
    let recorded = recorded_on(&data, &cluster.server, &plan.registry_id);
    drop(data);
    not_cancelled(cancel)?;
    let planned = cluster.plan(&plan, &options, &recorded).await;
    Ok(KubePlan {
        cluster,
        plan,
        planned,
        warnings,
        options,
        foreign: Vec::new(),
    })
}

/// Applies a plan made by `plan_apply` (or `plan_sync`), reporting each
/// namespace through `progress` as it ends, then records the Secrets it
/// wrote in the vault through `store`.
pub async fn execute(
    store: &dyn VaultStore,
    kp: KubePlan,
    progress: Progress<'_, NamespaceReport>,
    cancel: &Cancel,
) -> KubeReport {
    let (reports, cancelled) = run_namespaces(
        &kp.cluster,
        &kp.plan,
        kp.planned,
        &kp.options,
        progress,
        cancel,
    )
    .await;
    let mut warnings = kp.warnings;
    let mut unrecorded = false;
    if !kp.options.dry_run
        && let Err(e) = record_written(store, &kp.cluster.server, &kp.plan, &reports)
    {
        unrecorded = true;
        warnings.push(format!(
            "the secrets written could not be recorded in the vault ({e}): until they are, sync, refresh, status and prune treat them as foreign; `regvault apply --adopt` records them"
        ));
    }
    let action = if kp.options.secrets_only {
        AuditAction::Sync
    } else {
        AuditAction::Apply
    };
    let namespaces: Vec<&str> = reports.iter().map(|r| r.namespace.as_str()).collect();
    let (ok, line) = tally(
        reports.iter().map(|r| {
            (
                !r.outcome.is_failure(),
                format!("{} {}", r.namespace, r.outcome.as_str()),
            )
        }),
        cancelled,
    );
    let mut entry = store
        .entry(action)
        .registry(kp.plan.registry_id.as_str(), kp.plan.registry_name.as_str())
        .place(format!("{}: {}", kp.cluster.context, namespaces.join(" ")));
    let line = if kp.options.dry_run {
        format!("dry run: {line}")
    } else {
        line
    };
    entry = if ok {
        entry.reason(line)
    } else {
        entry.failed(&line)
    };
    store.record(&entry);
    KubeReport {
        context: kp.cluster.context.clone(),
        server: kp.cluster.server.clone(),
        plan: kp.plan,
        reports,
        warnings,
        dry_run: kp.options.dry_run,
        cancelled,
        foreign: kp.foreign,
        unrecorded,
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
    let result = apply_planned_run(store, req, settings, planned, progress, cancel).await;
    record_plan_err(store, AuditAction::Apply, req, &result);
    result
}

async fn apply_planned_run(
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
        foreign: Vec::new(),
    };
    let mut report = execute(store, kp, progress, cancel).await;
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
    opts: &ApplyOptions,
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
        .buffered(crate::deploy::kube::namespaces_at_once())
        .collect()
        .await;
    let cancelled = reports.iter().any(|r| r.outcome == Outcome::Cancelled);
    (reports, cancelled)
}

/// `--environment`, else the registry's environments in the vault plus
/// those where this vault applied its secret on the cluster at `server`
/// (never where a label in the cluster points).
fn environments(
    data: &VaultData,
    r: &Registry,
    server: &str,
    given: &[String],
) -> Result<Vec<String>, OpsError> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let mut envs: BTreeSet<String> = environments_using(data, &r.id).into_iter().collect();
    envs.extend(
        data.applied_secrets(server, &r.id)
            .filter_map(|a| a.namespace.strip_prefix("env-"))
            .map(str::to_owned),
    );
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
    plan_sync_with(store, req, true, cancel).await
}

/// `plan_sync`; `fresh_ecr_token: false` when the caller fetched it once
/// for several clusters.
pub(super) async fn plan_sync_with(
    store: &dyn VaultStore,
    req: &KubeRequest,
    fresh_ecr_token: bool,
    cancel: &Cancel,
) -> Result<KubePlan, OpsError> {
    let result = plan_sync_run(store, req, fresh_ecr_token, cancel).await;
    record_plan_err(store, AuditAction::Sync, req, &result);
    result
}

async fn plan_sync_run(
    store: &dyn VaultStore,
    req: &KubeRequest,
    fresh_ecr_token: bool,
    cancel: &Cancel,
) -> Result<KubePlan, OpsError> {
    not_cancelled(cancel)?;
    let data = store.read()?;
    let r = data.find_registry(&req.registry)?;
    let id = r.id.clone();
    let cluster = Cluster::connect(req.context.as_deref(), req.kubeconfig.as_deref()).await?;
    let envs = environments(&data, r, &cluster.server, &req.environments)?;
    drop(data);
    ensure_hash_key(store)?;
    let warnings = ecr_ready(store, &req.registry, fresh_ecr_token, cancel).await?;
    let req = KubeRequest {
        environments: envs,
        ..req.clone()
    };
    let mut kp = plan_with(store, &req, SECRETS_ONLY, warnings, cancel).await?;
    let planned: Vec<String> = kp
        .plan
        .environments
        .iter()
        .map(|e| e.namespace.clone())
        .collect();
    kp.foreign = foreign_secrets(&cluster, &*store.read()?, &[id], &planned).await;
    Ok(kp)
}

/// Per environment: is the cluster's Secret current, stale or missing?
#[derive(Debug)]
pub struct StatusReport {
    pub context: String,
    pub plan: PullSecretPlan,
    pub states: Vec<SecretState>,
    /// Secrets elsewhere that carry this registry's marks but were not
    /// applied by this vault.
    pub foreign: Vec<ManagedSecret>,
}

impl StatusReport {
    /// Some environment could not be read, or a foreign Secret was found.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.states
            .iter()
            .any(|s| s.status.is_none_or(|st| st == SecretStatus::Foreign))
            || !self.foreign.is_empty()
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
    let envs = environments(&data, r, &cluster.server, &req.environments)?;
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
    let recorded = recorded_on(&data, &cluster.server, &plan.registry_id);
    let states = cluster.status(&plan, &recorded).await;
    let shown: Vec<String> = plan
        .environments
        .iter()
        .map(|e| e.namespace.clone())
        .collect();
    let foreign = foreign_secrets(
        &cluster,
        &data,
        std::slice::from_ref(&plan.registry_id),
        &shown,
    )
    .await;
    Ok(StatusReport {
        context: cluster.context.clone(),
        plan,
        states,
        foreign,
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
    /// Secrets that carry an ECR registry's marks but were not applied by
    /// this vault: never refreshed.
    pub foreign: Vec<ManagedSecret>,
}

impl RefreshReport {
    #[must_use]
    pub fn failed(&self) -> bool {
        self.refreshed
            .iter()
            .any(|r| r.error.is_some() || r.reports.iter().any(|n| n.outcome.is_failure()))
            || !self.foreign.is_empty()
    }
}

/// For cron: every ECR Secret this vault applied on the cluster that
/// expires within `within` gets a fresh token, in place (while its uid is
/// the recorded one). Registries are taken one at a time; a cancel stops
/// before the next.
///
/// # Errors
/// No cluster; the vault cannot be read.
pub async fn refresh(
    store: &dyn VaultStore,
    cluster: &ClusterTarget,
    within: SignedDuration,
    progress: Progress<'_, NamespaceReport>,
    cancel: &Cancel,
) -> Result<RefreshReport, OpsError> {
    let result = refresh_run(store, cluster, within, progress, cancel).await;
    let entry = entry_on(store, AuditAction::Refresh, None);
    match &result {
        Ok(r) => {
            for done in &r.refreshed {
                let (ok, line) = tally(
                    done.reports.iter().map(|n| {
                        (
                            !n.outcome.is_failure(),
                            format!("{} {}", n.namespace, n.outcome.as_str()),
                        )
                    }),
                    r.cancelled,
                );
                let namespaces: Vec<&str> =
                    done.reports.iter().map(|n| n.namespace.as_str()).collect();
                let e = entry
                    .clone()
                    .registry(done.id.as_str(), done.name.as_str())
                    .place(format!("{}: {}", r.context, namespaces.join(" ")));
                store.record(&match &done.error {
                    Some(err) => e.failed(err),
                    None if ok => e.reason(line),
                    None => e.failed(&line),
                });
            }
            if r.refreshed.is_empty() {
                store.record(&entry.place(r.context.clone()).reason("nothing due"));
            }
        }
        Err(_) => record_err(store, entry, &result),
    }
    result
}

async fn refresh_run(
    store: &dyn VaultStore,
    cluster: &ClusterTarget,
    within: SignedDuration,
    progress: Progress<'_, NamespaceReport>,
    cancel: &Cancel,
) -> Result<RefreshReport, OpsError> {
    not_cancelled(cancel)?;
    let cluster =
        Cluster::connect(cluster.context.as_deref(), cluster.kubeconfig.as_deref()).await?;
    let horizon = Timestamp::now()
        .checked_add(within)
        .map_err(|_| OpsError::Input("the window is too large".into()))?;
    let data = store.read()?;
    let ecr: Vec<(RegistryId, String, Vec<AppliedSecret>)> = data
        .registries
        .iter()
        .filter(|r| r.kind == RegistryKind::Ecr)
        .map(|r| {
            let recorded = recorded_on(&data, &cluster.server, &r.id);
            (r.id.clone(), r.name.clone(), recorded)
        })
        .collect();
    let ids: Vec<RegistryId> = ecr.iter().map(|(id, ..)| id.clone()).collect();
    let mut foreign = foreign_secrets(&cluster, &data, &ids, &[]).await;
    drop(data);
    let mut out = Vec::new();
    let mut cancelled = false;
    for (id, name, recorded) in ecr {
        let due = due_for_refresh(&cluster, &recorded, horizon).await;
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
        let token = match ensure_hash_key(store) {
            Ok(()) => refresh_ecr_token(store, &id, cancel).await,
            Err(e) => Err(e),
        };
        match token {
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
        let planned = cluster.plan(&plan, &SECRETS_ONLY, &recorded).await;
        let (reports, stopped) =
            run_namespaces(&cluster, &plan, planned, &SECRETS_ONLY, progress, cancel).await;
        done.expires_at = plan.expires_at;
        done.reports = reports;
        out.push(done);
        if stopped {
            cancelled = true;
            break;
        }
    }
    // A foreign Secret in a namespace refreshed is reported there.
    foreign.retain(|f| {
        !out.iter().any(|r| {
            f.registry_id.as_deref() == Some(r.id.as_str())
                && r.reports.iter().any(|n| n.namespace == f.namespace)
        })
    });
    Ok(RefreshReport {
        context: cluster.context.clone(),
        refreshed: out,
        cancelled,
        foreign,
    })
}

/// The environments of the `recorded` Secrets that are still the recorded
/// objects and expire before `horizon` (or say nothing of it). One that
/// cannot be read is included: its plan says why.
async fn due_for_refresh(
    cluster: &Cluster,
    recorded: &[AppliedSecret],
    horizon: Timestamp,
) -> Vec<String> {
    let mut due = BTreeSet::new();
    for a in recorded {
        let Some(env) = a.namespace.strip_prefix("env-") else {
            continue;
        };
        let is_due = match cluster.find_secret(&a.namespace, &a.name).await {
            Ok(Some(s)) => {
                s.uid.as_deref() == Some(a.uid.as_str())
                    && s.expires_at.is_none_or(|at| at <= horizon)
            }
            Ok(None) => false,
            Err(_) => true,
        };
        if is_due {
            due.insert(env.to_owned());
        }
    }
    due.into_iter().collect()
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
    /// Carries the registry's marks but is not a Secret this vault applied
    /// (or no longer the recorded object): left in place.
    Foreign,
}

impl PruneOutcome {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PruneOutcome::Deleted => "deleted",
            PruneOutcome::Error => "error",
            PruneOutcome::Cancelled => "cancelled",
            PruneOutcome::Foreign => "foreign",
        }
    }
}

#[derive(Debug)]
pub struct PruneReport {
    pub context: String,
    pub registry: RegistryId,
    pub secrets: Vec<PrunedSecret>,
    pub cancelled: bool,
    /// Things to know (never a secret): the vault's records could not be
    /// updated, …
    pub warnings: Vec<String>,
}

impl PruneReport {
    /// A delete failed, or a foreign Secret was found.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.secrets
            .iter()
            .any(|s| matches!(s.outcome, PruneOutcome::Error | PruneOutcome::Foreign))
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

/// Deletes the Secrets this vault recorded for the registry on this
/// cluster (each only while it is the recorded object, and still labelled
/// as regvault's), one at a time; a cancel stops before the next. Then
/// names the foreign ones — labelled as the registry's, not recorded —
/// which are left in place. The records of Secrets that are gone are
/// forgotten.
///
/// # Errors
/// No cluster; the vault cannot be read.
pub async fn prune(
    store: &dyn VaultStore,
    id: &RegistryId,
    cluster: &ClusterTarget,
    environments: &[String],
    progress: Progress<'_, PrunedSecret>,
    cancel: &Cancel,
) -> Result<PruneReport, OpsError> {
    let result = prune_run(store, id, cluster, environments, progress, cancel).await;
    let entry = entry_on(store, AuditAction::Prune, Some(id.as_str()));
    match &result {
        Ok(r) => {
            let (ok, line) = tally(
                r.secrets.iter().map(|s| {
                    (
                        s.outcome == PruneOutcome::Deleted,
                        format!("{}/{} {}", s.namespace, s.name, s.outcome.as_str()),
                    )
                }),
                r.cancelled,
            );
            let namespaces: Vec<&str> = r.secrets.iter().map(|s| s.namespace.as_str()).collect();
            let e = entry.place(format!("{}: {}", r.context, namespaces.join(" ")));
            store.record(&if ok { e.reason(line) } else { e.failed(&line) });
        }
        Err(_) => record_err(store, entry, &result),
    }
    result
}

async fn prune_run(
    store: &dyn VaultStore,
    id: &RegistryId,
    cluster: &ClusterTarget,
    environments: &[String],
    progress: Progress<'_, PrunedSecret>,
    cancel: &Cancel,
) -> Result<PruneReport, OpsError> {
    not_cancelled(cancel)?;
    let cluster =
        Cluster::connect(cluster.context.as_deref(), cluster.kubeconfig.as_deref()).await?;
    let wanted = |namespace: &str| {
        environments.is_empty()
            || namespace
                .strip_prefix("env-")
                .is_some_and(|e| environments.iter().any(|want| want == e))
    };
    let data = store.read()?;
    let recorded: Vec<AppliedSecret> = data
        .applied_secrets(&cluster.server, id)
        .filter(|a| wanted(&a.namespace))
        .cloned()
        .collect();
    let foreign: Vec<ManagedSecret> =
        foreign_secrets(&cluster, &data, std::slice::from_ref(id), &[])
            .await
            .into_iter()
            .filter(|f| wanted(&f.namespace))
            .filter(|f| {
                !recorded
                    .iter()
                    .any(|a| a.namespace == f.namespace && a.name == f.name)
            })
            .collect();
    drop(data);
    let mut secrets = Vec::new();
    let mut gone = Vec::new();
    let mut sa_warnings = Vec::new();
    let mut cancelled = false;
    for a in &recorded {
        let mut done = PrunedSecret {
            namespace: a.namespace.clone(),
            name: a.name.clone(),
            outcome: PruneOutcome::Deleted,
            message: None,
        };
        if cancel.is_cancelled() {
            cancelled = true;
            done.outcome = PruneOutcome::Cancelled;
            done.message = Some("cancelled before it was deleted: left in place".into());
        } else {
            match cluster
                .delete_recorded_secret(&a.namespace, &a.name, &a.uid)
                .await
            {
                Ok(Removal::Deleted | Removal::Gone) => {
                    gone.push(a.clone());
                    // The service accounts apply listed it in: regvault's
                    // entry goes, every other stays.
                    if let Err(e) = cluster
                        .remove_pull_secret_everywhere(&a.namespace, &a.name)
                        .await
                    {
                        sa_warnings.push(format!(
                            "{}/{} was deleted but service accounts may still list it: {e}",
                            a.namespace, a.name
                        ));
                    }
                }
                Ok(Removal::Replaced) => {
                    gone.push(a.clone());
                    done.outcome = PruneOutcome::Foreign;
                    done.message = Some(format!(
                        "secret {}/{} is not the one regvault applied (another uid): left untouched",
                        a.namespace, a.name
                    ));
                }
                Err(e) => {
                    done.outcome = PruneOutcome::Error;
                    done.message = Some(e.to_string());
                }
            }
        }
        progress(&done);
        secrets.push(done);
    }
    for f in foreign {
        let done = PrunedSecret {
            message: Some(foreign_message(&f.namespace, &f.name)),
            namespace: f.namespace,
            name: f.name,
            outcome: PruneOutcome::Foreign,
        };
        progress(&done);
        secrets.push(done);
    }
    let mut warnings = sa_warnings;
    if !gone.is_empty() {
        let server = cluster.server.clone();
        if let Err(e) = store.update(&mut |d| {
            for a in &gone {
                d.forget_applied(&server, &a.namespace, &a.name);
            }
            Ok(())
        }) {
            warnings.push(format!(
                "the vault still records the secrets removed ({e}): the next prune finds them gone"
            ));
        }
    }
    Ok(PruneReport {
        context: cluster.context.clone(),
        registry: id.clone(),
        secrets,
        cancelled,
        warnings,
    })
}
