//! The reconciler of one context: acts on the sources' events one at a
//! time, so writes never race each other, and decides only by what the
//! vault says — its containers (which environments use a registry) and
//! its apply records (which Secret, by uid, is regvault's). A label in the
//! cluster decides nothing.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use super::source::{self, SourceEvent};
use super::{RepairCause, Shared, WatchEvent, WatchOptions};
use crate::deploy::kube::{
    Cluster, NamespaceReport, Observed, Outcome, SaEdit, Seen, ServiceAccounts, Watched,
};
use crate::deploy::{PlanError, PullSecretPlan, environments_using};
use crate::model::{AppliedSecret, RegistryId, VaultData};
use crate::ops::kube::{ApplySettings, SECRETS_ONLY, ensure_hash_key, execute, plan_on};
use crate::ops::{Cancel, OpsError, VaultStore, quiet};

/// The vault file as last looked at: a save by anyone changes one of these.
type Stamp = (u64, Option<std::time::SystemTime>, u64);

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt as _;
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok(), m.ino()))
}

/// A digest of a registry's credentials and connection, kept in memory
/// only, to see a rotation saved by another process.
fn credentials_digest(data: &VaultData, id: &RegistryId) -> Option<[u8; 32]> {
    let r = data.registries.iter().find(|r| &r.id == id)?;
    let mut h = Sha256::new();
    for (field, value) in r.credentials.iter() {
        h.update(field.as_bytes());
        h.update([0]);
        h.update(value.expose().as_bytes());
        h.update([0]);
    }
    if let Ok(conn) = serde_json::to_vec(&r.connection) {
        h.update(&conn);
    }
    Some(h.finalize().into())
}

pub(crate) struct Reconciler {
    pub(super) cluster: Cluster,
    pub(super) store: Arc<dyn VaultStore>,
    pub(super) opts: WatchOptions,
    pub(super) shared: Shared,
    /// Namespaces that exist and are not being deleted.
    namespaces: BTreeSet<String>,
    /// Every Secret of the cluster (names and versions) by namespace, name.
    secrets: HashMap<(String, String), Seen>,
    /// The resourceVersion of each recorded Secret last written or checked
    /// to be as the vault says: an event at that version needs nothing.
    good: HashMap<(String, String), String>,
    connected: HashSet<Watched>,
    vault_stamp: Option<Stamp>,
    /// The vault was reopened since the last look for rotations.
    vault_changed: bool,
    digests: HashMap<RegistryId, [u8; 32]>,
    /// ECR: the expiry of the token last pushed to this cluster.
    pub(super) pushed: HashMap<RegistryId, Timestamp>,
    /// ECR: after a failed renewal, not before this.
    pub(super) ecr_retry: Option<(Timestamp, Duration)>,
    /// Never cancelled: a write, once started, is finished.
    pub(super) in_flight: Cancel,
}

impl Reconciler {
    pub(crate) fn new(
        cluster: Cluster,
        store: Arc<dyn VaultStore>,
        opts: WatchOptions,
        shared: Shared,
    ) -> Self {
        Self {
            cluster,
            store,
            opts,
            shared,
            namespaces: BTreeSet::new(),
            secrets: HashMap::new(),
            good: HashMap::new(),
            connected: HashSet::new(),
            vault_stamp: None,
            vault_changed: false,
            digests: HashMap::new(),
            pushed: HashMap::new(),
            ecr_retry: None,
            in_flight: Cancel::new(),
        }
    }

    pub(super) fn context(&self) -> String {
        self.cluster.context.clone()
    }

    pub(super) fn emit(&self, e: &WatchEvent) {
        self.shared.emit(e);
        let at = Timestamp::now();
        let text = e.to_string();
        let context = self.cluster.context.clone();
        let kind = e.clone();
        self.shared.update(|s| {
            let c = s.context_mut(&context);
            c.last_event = Some(super::state::EventLine { at, text });
            match kind {
                WatchEvent::Repaired { .. } => c.repairs += 1,
                WatchEvent::Covered { .. } => c.covered += 1,
                WatchEvent::Synced { .. } => c.synced += 1,
                WatchEvent::EcrRefreshed { .. } => c.ecr_refreshes += 1,
                WatchEvent::Failed { message, .. } => c.last_error = Some(message),
                WatchEvent::Connected { .. } => c.connected = true,
                WatchEvent::Disconnected { message, .. } => {
                    c.connected = false;
                    c.last_error = Some(message);
                }
                WatchEvent::Refused { .. } | WatchEvent::ServiceAccountCovered { .. } => {}
            }
        });
    }

    pub(super) fn fail(&self, message: String) {
        self.emit(&WatchEvent::Failed {
            context: self.context(),
            message,
        });
    }

    /// The vault as it is now: reopened when its file changed.
    pub(super) fn data(&mut self) -> Result<Arc<VaultData>, OpsError> {
        if let Some(path) = &self.opts.vault_file {
            let now = stamp(path);
            if now != self.vault_stamp {
                self.vault_stamp = now;
                self.vault_changed = true;
                self.store.reload();
            }
        }
        self.store.read()
    }

    /// The Secrets the vault recorded on this cluster.
    fn recorded(&mut self) -> Vec<AppliedSecret> {
        let server = self.cluster.server.clone();
        self.data()
            .map(|d| {
                d.kube
                    .applied
                    .iter()
                    .filter(|a| a.server == server)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) async fn run(mut self, cancel: Cancel) {
        let (tx, mut rx) = mpsc::channel(1024);
        let sources = cancel.child_token();
        let mut kinds = vec![Watched::Namespaces, Watched::Secrets];
        if self.opts.service_accounts {
            kinds.push(Watched::ServiceAccounts);
        }
        let all = kinds.len();
        for kind in kinds {
            tokio::spawn(source::run(
                self.cluster.clone(),
                kind,
                tx.clone(),
                sources.clone(),
            ));
        }
        drop(tx);
        if let Some(path) = &self.opts.vault_file {
            self.vault_stamp = stamp(path);
        }
        self.remember_digests();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut shown_next: Option<Timestamp> = None;
        loop {
            let next = self.next_ecr_refresh();
            if next != shown_next {
                shown_next = next;
                let context = self.context();
                self.shared
                    .update(|s| s.context_mut(&context).next_ecr_refresh = next);
            }
            let wait = next.map_or(Duration::from_hours(1), |at| {
                let d = at.duration_since(Timestamp::now());
                Duration::try_from(d).unwrap_or(Duration::ZERO)
            });
            // Each arm's work runs to its end: a cancel is seen only here,
            // between two units of work.
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                ev = rx.recv() => match ev {
                    Some(ev) => self.on_source(ev, all).await,
                    None => break,
                },
                _ = tick.tick(), if self.opts.vault_file.is_some() => self.on_tick().await,
                () = tokio::time::sleep(wait), if next.is_some() => self.refresh_ecr().await,
            }
        }
        sources.cancel();
    }

    async fn on_source(&mut self, ev: SourceEvent, all: usize) {
        match ev {
            SourceEvent::Connected(kind) => {
                let before = self.connected.len();
                self.connected.insert(kind);
                if self.connected.len() == all && before + 1 == all {
                    self.emit(&WatchEvent::Connected {
                        context: self.context(),
                    });
                }
            }
            SourceEvent::Disconnected(kind, message) => {
                self.connected.remove(&kind);
                self.emit(&WatchEvent::Disconnected {
                    context: self.context(),
                    message: format!("{}: {message}", kind.as_str()),
                });
            }
            SourceEvent::Listed(Watched::Namespaces, items) => {
                let live: BTreeSet<String> = items
                    .into_iter()
                    .filter(|s| !s.terminating)
                    .map(|s| s.name)
                    .collect();
                // Every namespace listed is looked at: one created while
                // the watch was down (or before it started) is covered too.
                self.namespaces.clone_from(&live);
                for ns in live {
                    self.cover(&ns).await;
                }
            }
            SourceEvent::Listed(Watched::Secrets, items) => {
                self.secrets = items
                    .into_iter()
                    .filter_map(|s| Some(((s.namespace.clone()?, s.name.clone()), s)))
                    .collect();
                for a in self.recorded() {
                    self.check_secret(&a.namespace, &a.name).await;
                }
            }
            SourceEvent::Changed(Watched::Namespaces, o) => match o {
                Observed::Added(s) | Observed::Modified(s) if s.terminating => {
                    self.namespaces.remove(&s.name);
                }
                Observed::Added(s) | Observed::Modified(s) => {
                    if self.namespaces.insert(s.name.clone()) {
                        self.cover(&s.name).await;
                    }
                }
                Observed::Deleted(s) => {
                    self.namespaces.remove(&s.name);
                }
                Observed::Bookmark(_) => {}
            },
            SourceEvent::Listed(Watched::ServiceAccounts, items) => {
                for s in items {
                    self.cover_service_account(&s).await;
                }
            }
            SourceEvent::Changed(
                Watched::ServiceAccounts,
                Observed::Added(s) | Observed::Modified(s),
            ) => self.cover_service_account(&s).await,
            SourceEvent::Changed(Watched::ServiceAccounts, _) => {}
            SourceEvent::Changed(Watched::Secrets, o) => {
                let (key, gone) = match o {
                    Observed::Added(s) | Observed::Modified(s) => {
                        let Some(ns) = s.namespace.clone() else {
                            return;
                        };
                        let key = (ns, s.name.clone());
                        self.secrets.insert(key.clone(), s);
                        (key, false)
                    }
                    Observed::Deleted(s) => {
                        let Some(ns) = s.namespace.clone() else {
                            return;
                        };
                        let key = (ns, s.name.clone());
                        self.secrets.remove(&key);
                        (key, true)
                    }
                    Observed::Bookmark(_) => return,
                };
                if gone {
                    self.good.remove(&key);
                }
                self.check_secret(&key.0, &key.1).await;
            }
        }
    }

    /// A namespace `env-<e>`: every registry that a container of `<e>`
    /// uses in the vault gets what `apply` puts there.
    async fn cover(&mut self, namespace: &str) {
        let Some(env) = namespace.strip_prefix("env-") else {
            return;
        };
        let Ok(data) = self.data() else {
            return;
        };
        let ids: Vec<RegistryId> = data
            .registries
            .iter()
            .filter(|r| environments_using(&data, &r.id).iter().any(|e| e == env))
            .map(|r| r.id.clone())
            .collect();
        drop(data);
        for id in ids {
            self.apply_env(&id, env, None).await;
        }
    }

    /// Checks one Secret name against the vault's record: the recorded
    /// object edited is put back, gone is created again; another object
    /// under the name is never written.
    async fn check_secret(&mut self, namespace: &str, name: &str) {
        let server = self.cluster.server.clone();
        let Ok(data) = self.data() else {
            return;
        };
        let Some(rec) = data
            .kube
            .applied
            .iter()
            .find(|a| a.server == server && a.namespace == namespace && a.name == name)
            .cloned()
        else {
            return; // not one of ours: never touched
        };
        drop(data);
        let Some(env) = namespace.strip_prefix("env-").map(str::to_owned) else {
            return;
        };
        let key = (namespace.to_owned(), name.to_owned());
        match self.secrets.get(&key).cloned() {
            Some(live) if live.uid.as_deref() == Some(rec.uid.as_str()) => {
                if live.resource_version.is_some()
                    && self.good.get(&key) == live.resource_version.as_ref()
                {
                    return;
                }
                self.restore(&rec, &env, &live).await;
            }
            None if self.namespaces.contains(namespace) => {
                self.apply_env(&rec.registry_id, &env, Some(RepairCause::Deleted))
                    .await;
            }
            // Another object holds the name (not the recorded one), or the
            // namespace is gone: nothing to write.
            _ => {}
        }
    }

    /// The recorded Secret changed: read once and compared with what the
    /// vault says; when it differs (a hand edit), server-side apply of
    /// what the vault says, conditional on its uid and the version just
    /// seen.
    async fn restore(&mut self, rec: &AppliedSecret, env: &str, live: &Seen) {
        if let Err(e) = self.prepare_ecr(&rec.registry_id).await {
            self.fail(format!("{}/{}: {e}", rec.namespace, rec.name));
            return;
        }
        let plan = match self.data().and_then(|d| {
            PullSecretPlan::build(
                &d,
                rec.registry_id.as_str(),
                &[env.to_owned()],
                Timestamp::now(),
            )
            .map_err(OpsError::from)
        }) {
            Ok(p) => p,
            Err(e) => {
                self.fail(format!("{}/{}: {e}", rec.namespace, rec.name));
                return;
            }
        };
        let Some(env_plan) = plan.environments.first() else {
            return;
        };
        let key = (rec.namespace.clone(), rec.name.clone());
        match self.cluster.secret_drifted(&plan, env_plan, &rec.uid).await {
            Ok(false) => {
                if let Some(rv) = &live.resource_version {
                    self.good.insert(key, rv.clone());
                }
                return;
            }
            Ok(true) => {}
            Err(m) => {
                self.fail(format!("reading {}/{}: {m}", rec.namespace, rec.name));
                return;
            }
        }
        let written = self
            .cluster
            .restore_secret(&plan, env_plan, &rec.uid, live.resource_version.as_deref())
            .await;
        match written {
            Ok(Some(rv)) => {
                self.good.insert(key, rv);
                self.emit(&WatchEvent::Repaired {
                    context: self.context(),
                    namespace: rec.namespace.clone(),
                    registry: plan.registry_name.clone(),
                    secret: rec.name.clone(),
                    cause: RepairCause::Edited,
                });
            }
            Ok(None) => {}
            // Changed again since: its next event is looked at.
            Err(m) if m.starts_with("409 ") => {}
            Err(m) => self.fail(format!("restoring {}/{}: {m}", rec.namespace, rec.name)),
        }
    }

    /// `apply` of one registry to one environment (the Secret and the
    /// Deployments), recorded in the vault; `cause`: a repair.
    async fn apply_env(&mut self, id: &RegistryId, env: &str, cause: Option<RepairCause>) {
        let context = self.context();
        let failed = |e: &OpsError| format!("env-{env}: {e}");
        if let Err(e) = ensure_hash_key(&*self.store) {
            self.fail(failed(&e));
            return;
        }
        if let Err(e) = self.prepare_ecr(id).await {
            self.fail(failed(&e));
            return;
        }
        let settings = ApplySettings {
            fresh_ecr_token: false,
            service_accounts: if self.opts.service_accounts {
                ServiceAccounts::All
            } else {
                ServiceAccounts::None
            },
            ..ApplySettings::default()
        };
        let kp = match plan_on(
            &*self.store,
            self.cluster.clone(),
            id.as_str(),
            &[env.to_owned()],
            settings.objects(),
            Vec::new(),
            &self.in_flight,
        )
        .await
        {
            Ok(kp) => kp,
            // A public registry needs no Secret.
            Err(OpsError::Plan(PlanError::Public(_))) => return,
            Err(e) => {
                self.fail(failed(&e));
                return;
            }
        };
        let report = execute(&*self.store, kp, &quiet, &self.in_flight).await;
        let registry = report.plan.registry_name.clone();
        let secret = report.plan.secret_name.clone();
        for w in &report.warnings {
            self.fail(w.clone());
        }
        for r in &report.reports {
            self.after_write(r, &secret);
            match r.outcome {
                Outcome::Applied => self.emit(&match cause {
                    Some(cause) if r.secret_written => WatchEvent::Repaired {
                        context: context.clone(),
                        namespace: r.namespace.clone(),
                        registry: registry.clone(),
                        secret: secret.clone(),
                        cause,
                    },
                    _ => WatchEvent::Covered {
                        context: context.clone(),
                        namespace: r.namespace.clone(),
                        registry: registry.clone(),
                        secret: secret.clone(),
                    },
                }),
                Outcome::Unchanged | Outcome::MissingNamespace | Outcome::Cancelled => {}
                Outcome::Unmanaged | Outcome::Foreign => self.emit(&WatchEvent::Refused {
                    context: context.clone(),
                    namespace: r.namespace.clone(),
                    secret: secret.clone(),
                    message: r.message.clone().unwrap_or_default(),
                }),
                _ => self.fail(
                    r.message
                        .clone()
                        .unwrap_or_else(|| format!("{}: {}", r.namespace, r.outcome.as_str())),
                ),
            }
        }
    }

    /// `--service-accounts`: a `ServiceAccount` in a namespace where the
    /// vault recorded a registry's Secret lists that Secret (a merge that
    /// keeps the other entries; nothing written when it is listed).
    async fn cover_service_account(&mut self, sa: &Seen) {
        let Some(ns) = sa.namespace.clone() else {
            return;
        };
        if sa.terminating || !ns.starts_with("env-") {
            return;
        }
        let server = self.cluster.server.clone();
        let secrets: Vec<String> = match self.data() {
            Ok(d) => d
                .kube
                .applied
                .iter()
                .filter(|a| a.server == server && a.namespace == ns)
                .map(|a| a.name.clone())
                .collect(),
            Err(_) => return,
        };
        for secret in secrets {
            match self
                .cluster
                .add_pull_secret(&ns, &sa.name, &secret, false, false)
                .await
            {
                Ok(SaEdit::Changed) => self.emit(&WatchEvent::ServiceAccountCovered {
                    context: self.context(),
                    namespace: ns.clone(),
                    service_account: sa.name.clone(),
                    secret,
                }),
                Ok(SaEdit::Unchanged) => {}
                Err(e) => self.fail(e.to_string()),
            }
        }
    }

    /// A Secret this watch wrote is as the vault says at that version.
    pub(super) fn after_write(&mut self, r: &NamespaceReport, secret: &str) {
        if r.secret_written
            && let Some(rv) = &r.secret_resource_version
        {
            self.good
                .insert((r.namespace.clone(), secret.to_owned()), rv.clone());
        }
    }

    /// The registries recorded on this cluster, by id, with the
    /// environments of their Secrets.
    pub(super) fn recorded_by_registry(&mut self) -> Vec<(RegistryId, Vec<String>)> {
        let mut by: Vec<(RegistryId, Vec<String>)> = Vec::new();
        for a in self.recorded() {
            let Some(env) = a.namespace.strip_prefix("env-") else {
                continue;
            };
            match by.iter_mut().find(|(id, _)| *id == a.registry_id) {
                Some((_, envs)) => envs.push(env.to_owned()),
                None => by.push((a.registry_id.clone(), vec![env.to_owned()])),
            }
        }
        by
    }

    fn remember_digests(&mut self) {
        let Ok(data) = self.data() else {
            return;
        };
        self.digests = data
            .registries
            .iter()
            .filter_map(|r| Some((r.id.clone(), credentials_digest(&data, &r.id)?)))
            .collect();
    }

    /// Once a second: the vault file changed? Reopen it and, with
    /// `auto_sync`, push every rotation to the recorded Secrets.
    async fn on_tick(&mut self) {
        let Ok(data) = self.data() else {
            return;
        };
        if !std::mem::take(&mut self.vault_changed) {
            return;
        }
        let mut rotated = Vec::new();
        for r in &data.registries {
            let Some(d) = credentials_digest(&data, &r.id) else {
                continue;
            };
            if self
                .digests
                .insert(r.id.clone(), d)
                .is_some_and(|old| old != d)
            {
                rotated.push(r.id.clone());
            }
        }
        drop(data);
        if !self.opts.auto_sync {
            return;
        }
        let recorded = self.recorded_by_registry();
        for id in rotated {
            if let Some((_, envs)) = recorded.iter().find(|(r, _)| *r == id) {
                self.push(&id, envs, true).await;
            }
        }
    }

    /// Pushes the vault's credentials of `id` to its recorded Secrets in
    /// `envs`, in place (sync). `rotated`: an ECR registry's keys changed,
    /// so its token is renewed first. Returns the namespaces written.
    pub(super) async fn push(&mut self, id: &RegistryId, envs: &[String], rotated: bool) {
        let context = self.context();
        let is_ecr = self
            .data()
            .ok()
            .and_then(|d| d.registry(id.as_str()).map(|r| r.kind))
            == Some(crate::registry::RegistryKind::Ecr);
        let token = if is_ecr && rotated {
            crate::ops::kube::refresh_ecr_token(&*self.store, id, &self.in_flight)
                .await
                .map(drop)
        } else {
            self.prepare_ecr(id).await
        };
        if let Err(e) = token {
            self.fail(format!("'{id}': {e}"));
            return;
        }
        let kp = match plan_on(
            &*self.store,
            self.cluster.clone(),
            id.as_str(),
            envs,
            SECRETS_ONLY,
            Vec::new(),
            &self.in_flight,
        )
        .await
        {
            Ok(kp) => kp,
            Err(e) => {
                self.fail(format!("'{id}': {e}"));
                return;
            }
        };
        let report = execute(&*self.store, kp, &quiet, &self.in_flight).await;
        let secret = report.plan.secret_name.clone();
        let mut written = Vec::new();
        for r in &report.reports {
            self.after_write(r, &secret);
            if r.secret_written {
                written.push(r.namespace.clone());
            } else if r.outcome.is_failure() {
                self.fail(r.message.clone().unwrap_or_default());
            }
        }
        if is_ecr && let Some(at) = report.plan.expires_at {
            self.pushed.insert(id.clone(), at);
        }
        let registry = report.plan.registry_name.clone();
        if is_ecr && !rotated {
            self.emit(&WatchEvent::EcrRefreshed {
                context,
                registry,
                expires_at: report.plan.expires_at,
                namespaces: written,
            });
        } else if !written.is_empty() {
            self.emit(&WatchEvent::Synced {
                context,
                registry,
                namespaces: written,
            });
        }
    }
}
