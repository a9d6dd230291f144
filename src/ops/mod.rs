//! The operations layer: one async function per user-level operation —
//! test-and-record, Kubernetes apply / status / sync / refresh / prune,
//! Swarm check / plan / apply / sync, Compose plan / login, export. The
//! CLI and the TUI are two faces over these same calls, so they cannot
//! drift (the TUI once dropped the ECR token that the CLI kept).
//!
//! Every operation takes typed options, a [`Cancel`] token checked between
//! units of work (namespace, service, secret) and, where it reports as it
//! goes, a progress callback; it returns a typed report. Reading and
//! saving the vault goes through a [`VaultStore`], which owns locking: the
//! CLI's reopens the file under the writer lock for every change, the
//! TUI's writes through the runtime's open vault.
//!
//! Imports run one way: `ops` uses `vault`, `probe` and `deploy`, and
//! knows nothing of `cli` or `tui`.

pub mod compose;
pub mod export;
pub mod fleet;
pub mod helper;
pub mod import;
pub mod kube;
pub mod stale;
pub mod swarm;
pub mod test;
pub mod watch;

use std::path::PathBuf;
use std::sync::Arc;

use crate::deploy::PlanError;
use crate::deploy::compose_io::ComposeIoError;
use crate::deploy::docker::EngineError;
use crate::deploy::kube::KubeError;
use crate::deploy::swarm::SwarmError;
use crate::model::{RuleError, VaultData};
use crate::registry::AuthError;
use crate::vault::audit::{Entry as AuditEntry, Log, Who};
use crate::vault::{KeySource, Vault, VaultError};

pub use crate::vault::audit::{Action as AuditAction, Outcome as AuditOutcome};

/// One per job: cancelling it stops the operation before its next unit of
/// work (and the unit in flight where the call allows).
pub use tokio_util::sync::CancellationToken as Cancel;

/// Why an operation could not run at all. Per-unit failures (one
/// namespace forbidden, one service refused) are outcomes in the report,
/// not errors. No message carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Kube(#[from] KubeError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Swarm(#[from] SwarmError),
    #[error(transparent)]
    Compose(#[from] ComposeIoError),
    #[error("ECR token for '{name}' ({outcome}): {hint}")]
    EcrToken {
        name: String,
        outcome: crate::probe::Outcome,
        hint: String,
    },
    #[error("registry '{0}' is public: it needs no credentials")]
    Public(String),
    #[error("registry '{registry}' has no containers{}: add one with `regvault container add`", scope(.environments))]
    NoContainers {
        registry: String,
        environments: Vec<String>,
    },
    #[error(
        "registry '{0}' is used in no environment and has no secret in the cluster: give the environments"
    )]
    NoEnvironments(String),
    #[error("give the environments to apply to")]
    NoEnvironmentsGiven,
    #[error("{0}")]
    Input(String),
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cancelled before it started")]
    Cancelled,
    #[error("the operation's task failed: {0}")]
    Task(String),
}

fn scope(envs: &[String]) -> String {
    if envs.is_empty() {
        String::new()
    } else {
        let noun = if envs.len() == 1 {
            "environment"
        } else {
            "environments"
        };
        format!(" in {noun} {}", envs.join(", "))
    }
}

/// Receives each unit's result as it ends (a namespace, a service, a
/// secret), so a face can show progress and a cancel can say what was done.
pub type Progress<'a, T> = &'a (dyn Fn(&T) + Send + Sync);

/// A progress callback that shows nothing (scripts, `--json`).
pub fn quiet<T>(_: &T) {}

/// Where an operation reads the vault and saves what it records (a test
/// result, an ECR token). Implementations own the writer lock.
pub trait VaultStore: Send + Sync {
    /// The data as it is now.
    ///
    /// # Errors
    /// The vault cannot be opened.
    fn read(&self) -> Result<Arc<VaultData>, OpsError>;

    /// Applies `change` to the latest data under the writer lock and saves
    /// it; returns the saved data. Nothing is saved when `change` fails.
    ///
    /// # Errors
    /// The vault cannot be opened, locked or saved, or `change` failed.
    fn update(
        &self,
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError>;

    /// Appends `entry` to the vault's audit log without saving the vault
    /// (reads, and operations whose outcome is known after their saves).
    /// A problem is told through `audit::notice`, never returned: the log
    /// does not stop the operation it records.
    fn record(&self, entry: &AuditEntry) {
        let _ = entry;
    }

    /// `update` whose entry goes into the log before the save, so the save
    /// records a head that includes it.
    ///
    /// # Errors
    /// As `update`.
    fn update_recorded(
        &self,
        entry: &AuditEntry,
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        let result = self.update(change);
        if let Err(e) = &result {
            self.record(&entry.clone().failed(e));
        } else {
            self.record(entry);
        }
        result
    }

    /// This store's user as the log names them.
    fn who(&self) -> Who {
        Who::current(crate::model::current_user())
    }

    /// A new entry by this store's user.
    fn entry(&self, action: AuditAction) -> AuditEntry {
        AuditEntry::new(self.who(), action, AuditOutcome::Ok)
    }

    /// Forgets any copy kept for reads, so the next read opens the file
    /// again (`watch`, when another process saved the vault).
    fn reload(&self) {}
}

/// The vault file as the CLI uses it: decrypted once for the command's
/// reads, reopened under the writer lock for each change (held only while
/// it is written, never across a network call), so a change always applies
/// to the latest file. The key sources are asked for once.
pub struct FileStore {
    path: PathBuf,
    keys: Vec<KeySource>,
    /// Signs saves of a team vault with this key instead of the default.
    signing_key: Option<PathBuf>,
    /// The data as this command last read or saved it: one operation reads
    /// several times (the registry, then the plan after an ECR token), and
    /// each open decrypts, verifies the signature and checks the pin.
    last: std::sync::Mutex<Option<Arc<VaultData>>>,
    /// The audit log and who this user is in it, learnt at the first open.
    log: std::sync::Mutex<Option<(Log, Who)>>,
}

impl FileStore {
    #[must_use]
    pub fn new(path: PathBuf, keys: Vec<KeySource>) -> Self {
        Self {
            path,
            keys,
            signing_key: None,
            last: std::sync::Mutex::new(None),
            log: std::sync::Mutex::new(None),
        }
    }

    /// Saves of a team vault are signed with the key at `path` (the
    /// default is `$REGVAULT_SIGNING_KEY`, else the config directory's).
    #[must_use]
    pub fn with_signing_key(mut self, path: PathBuf) -> Self {
        self.signing_key = Some(path);
        self
    }

    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl VaultStore for FileStore {
    fn read(&self) -> Result<Arc<VaultData>, OpsError> {
        if let Some(data) = self.last.lock().ok().and_then(|l| l.clone()) {
            return Ok(data);
        }
        let mut vault = Vault::open(&self.path, &self.keys)?;
        if let Some(key) = &self.signing_key {
            vault.set_signing_key(key.clone());
        }
        self.learn_log(&vault);
        let data = Arc::new(std::mem::take(vault.data_mut()));
        self.remember(&data);
        Ok(data)
    }

    fn update(
        &self,
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        self.update_with(None, change)
    }

    fn update_recorded(
        &self,
        entry: &AuditEntry,
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        self.update_with(Some(entry), change)
    }

    fn record(&self, entry: &AuditEntry) {
        let log = self.log.lock().ok().and_then(|l| l.clone());
        let log = if let Some((log, _)) = log {
            Some(log)
        } else {
            // Not opened yet, or a vault saved before there was a log:
            // its first save by this build makes the key.
            let _ = self.read();
            if self.log.lock().ok().is_some_and(|l| l.is_none()) {
                let _ = self.update(&mut |_| Ok(()));
            }
            self.log.lock().ok().and_then(|l| l.clone()).map(|(l, _)| l)
        };
        if let Some(log) = log
            && let Err(e) = log.append(entry)
        {
            crate::vault::audit::notice(&e);
        }
    }

    fn who(&self) -> Who {
        if let Some((_, who)) = self.log.lock().ok().and_then(|l| l.clone()) {
            return who;
        }
        let _ = self.read();
        match self.log.lock().ok().and_then(|l| l.clone()) {
            Some((_, who)) => who,
            None => Who::current(crate::model::current_user()),
        }
    }

    fn reload(&self) {
        self.forget();
    }
}

impl FileStore {
    fn update_with(
        &self,
        entry: Option<&AuditEntry>,
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        let refused_before_save = |e: OpsError| {
            if let Some(entry) = entry {
                self.record(&match &e {
                    OpsError::Rule(r) => entry.clone().refused(r),
                    other => entry.clone().failed(other),
                });
            }
            e
        };
        let mut vault = Vault::open_locked(&self.path, &self.keys)
            .map_err(|e| refused_before_save(e.into()))?;
        if let Some(found) = vault.newer_schema() {
            return Err(refused_before_save(
                VaultError::NewerSchema {
                    found,
                    supported: crate::vault::SCHEMA_VERSION,
                }
                .into(),
            ));
        }
        if let Some(key) = &self.signing_key {
            vault.set_signing_key(key.clone());
        }
        if let Err(e) = change(vault.data_mut()) {
            // The lock goes first: a vault without a log key yet gets one
            // through a save of its own.
            self.learn_log(&vault);
            drop(vault);
            return Err(refused_before_save(e.into()));
        }
        match entry {
            None => vault.save()?,
            Some(entry) => {
                let (saved, problem) = vault.save_recording(std::slice::from_ref(entry));
                if let Some(p) = problem {
                    crate::vault::audit::notice(&p);
                }
                saved?;
            }
        }
        self.learn_log(&vault);
        let data = Arc::new(std::mem::take(vault.data_mut()));
        self.remember(&data);
        Ok(data)
    }

    fn learn_log(&self, vault: &Vault) {
        if let (Some(log), Ok(mut slot)) = (vault.audit_log(), self.log.lock()) {
            *slot = Some((log, vault.audit_who()));
        }
    }

    fn forget(&self) {
        if let Ok(mut last) = self.last.lock() {
            *last = None;
        }
    }

    fn remember(&self, data: &Arc<VaultData>) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Arc::clone(data));
        }
    }
}

/// Data that is only read (a prune of a registry already deleted, tests).
pub struct Snapshot(pub Arc<VaultData>);

impl VaultStore for Snapshot {
    fn read(&self) -> Result<Arc<VaultData>, OpsError> {
        Ok(Arc::clone(&self.0))
    }

    fn update(
        &self,
        _: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        Err(OpsError::Input(
            "this vault is open read-only: nothing can be recorded".into(),
        ))
    }
}

/// Records a read that hands out credentials without saving the vault —
/// the credential helper's `get` (`AuditAction::HelperGet`, `place`: the
/// server asked for), and other faces' reads. `registry` is `(id, name)`
/// of the registry whose credentials were given; `refused` says why none
/// were. Appends only; never fails the caller (problems go to the notice).
pub fn record_read(
    store: &dyn VaultStore,
    action: AuditAction,
    registry: Option<(&str, &str)>,
    place: &str,
    refused: Option<&str>,
) {
    let mut entry = store.entry(action).place(place);
    if let Some((id, name)) = registry {
        entry = entry.registry(id, name);
    }
    if let Some(why) = refused {
        entry = entry.refused(&why);
    }
    store.record(&entry);
}

/// An entry by `store`'s user for `action` on `registry` (id or name as
/// given; the vault's id and name when it resolves).
fn entry_on(store: &dyn VaultStore, action: AuditAction, registry: Option<&str>) -> AuditEntry {
    let entry = store.entry(action);
    let Some(wanted) = registry else {
        return entry;
    };
    match store.read().ok().and_then(|d| {
        d.find_registry(wanted)
            .ok()
            .map(|r| (r.id.as_str().to_owned(), r.name.clone()))
    }) {
        Some((id, name)) => entry.registry(id, name),
        None => entry.registry("", wanted),
    }
}

/// Records an operation that ended in `Err` (its `Ok` report is recorded
/// with what it did): `refused` for a rule, `failed` otherwise.
fn record_err<T>(store: &dyn VaultStore, entry: AuditEntry, result: &Result<T, OpsError>) {
    if let Err(e) = result {
        let entry = match e {
            OpsError::Rule(_)
            | OpsError::Public(_)
            | OpsError::NoContainers { .. }
            | OpsError::NoEnvironments(_)
            | OpsError::NoEnvironmentsGiven
            | OpsError::Input(_) => entry.refused(e),
            _ => entry.failed(e),
        };
        store.record(&entry);
    }
}

/// `n ok, m failed (first failure)` over per-unit results.
fn tally(results: impl Iterator<Item = (bool, String)>, cancelled: bool) -> (bool, String) {
    let (mut ok, mut bad, mut first) = (0, 0, None);
    for (good, what) in results {
        if good {
            ok += 1;
        } else {
            bad += 1;
            first.get_or_insert(what);
        }
    }
    let mut line = format!("{ok} ok, {bad} not");
    if let Some(f) = first {
        line = format!("{line} (first: {f})");
    }
    if cancelled {
        line.push_str("; cancelled");
    }
    (bad == 0 && !cancelled, line)
}

/// `Err(Cancelled)` once `cancel` fired: for the start of an operation.
fn not_cancelled(cancel: &Cancel) -> Result<(), OpsError> {
    if cancel.is_cancelled() {
        Err(OpsError::Cancelled)
    } else {
        Ok(())
    }
}
