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
pub mod kube;
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
use crate::vault::{KeySource, Vault, VaultError};

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
        format!(" in environment(s) {}", envs.join(", "))
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
}

impl FileStore {
    #[must_use]
    pub fn new(path: PathBuf, keys: Vec<KeySource>) -> Self {
        Self {
            path,
            keys,
            signing_key: None,
            last: std::sync::Mutex::new(None),
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
        let data = Arc::new(std::mem::take(vault.data_mut()));
        self.remember(&data);
        Ok(data)
    }

    fn update(
        &self,
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        let mut vault = Vault::open_locked(&self.path, &self.keys)?;
        if let Some(found) = vault.newer_schema() {
            return Err(VaultError::NewerSchema {
                found,
                supported: crate::vault::SCHEMA_VERSION,
            }
            .into());
        }
        if let Some(key) = &self.signing_key {
            vault.set_signing_key(key.clone());
        }
        change(vault.data_mut())?;
        vault.save()?;
        let data = Arc::new(std::mem::take(vault.data_mut()));
        self.remember(&data);
        Ok(data)
    }

    fn reload(&self) {
        self.forget();
    }
}

impl FileStore {
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

/// `Err(Cancelled)` once `cancel` fired: for the start of an operation.
fn not_cancelled(cancel: &Cancel) -> Result<(), OpsError> {
    if cancel.is_cancelled() {
        Err(OpsError::Cancelled)
    } else {
        Ok(())
    }
}
