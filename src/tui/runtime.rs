//! Runs `Effect`s as tokio tasks and reports back as `Msg`s. Each job keeps
//! its abort handle, so `Effect::Cancel` stops it; a result that still
//! slips through carries its job id and `update` drops it as stale.
//!
//! The vault lives here, not in the model: the model holds plain data and
//! the runtime is the only place that encrypts and writes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::effect::{Effect, JobId, ProbeReport};
use super::msg::Msg;
use crate::model::{Credentials, SecretValue, VaultData};
use crate::registry::{self, RegistryKind};
use crate::vault::{self, Encryption, KeySource, Vault};

/// Test Connection as a pluggable async function: today the structural
/// check; the live network check of a later issue slots in here.
pub type Probe =
    Arc<dyn Fn(RegistryKind, Credentials) -> BoxFuture<'static, ProbeReport> + Send + Sync>;

/// What the structural check reports when it passes: it contacted nothing
/// and says so (a "success" that checked nothing real misleads).
pub const STRUCTURE_OK: &str =
    "structure ok — registry not contacted (live check not available yet)";

/// The offline check: `registry::validate`, nothing sent anywhere.
pub fn structural_probe() -> Probe {
    Arc::new(|kind, credentials| {
        Box::pin(async move {
            let findings = registry::validate(kind, &credentials);
            match findings.iter().find(|f| f.is_error()) {
                None => ProbeReport {
                    outcome: "ok".into(),
                    summary: STRUCTURE_OK.into(),
                    contacted: false,
                },
                Some(first) => ProbeReport {
                    outcome: "invalid".into(),
                    summary: first.to_string(),
                    contacted: false,
                },
            }
        })
    })
}

/// Key files are small; a bigger file is the wrong file.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Where the vault comes from.
pub enum VaultSlot {
    Open(Box<Vault>),
    /// First run: create it here, with a new (or existing) identity.
    Missing {
        path: PathBuf,
        identity: PathBuf,
    },
}

pub struct Runtime {
    tx: UnboundedSender<Msg>,
    /// Shared with the blocking save task; the mutex also keeps two saves
    /// from interleaving.
    vault: Arc<Mutex<VaultSlot>>,
    probe: Probe,
    jobs: HashMap<JobId, AbortHandle>,
}

impl Runtime {
    pub fn new(tx: UnboundedSender<Msg>, vault: VaultSlot, probe: Probe) -> Self {
        Self {
            tx,
            vault: Arc::new(Mutex::new(vault)),
            probe,
            jobs: HashMap::new(),
        }
    }

    /// Starts one effect. `Quit` is the loop's business and ignored here.
    pub fn run(&mut self, effect: Effect) {
        self.jobs.retain(|_, h| !h.is_finished());
        let tx = self.tx.clone();
        match effect {
            Effect::Quit => {}
            Effect::Cancel { job } => {
                if let Some(handle) = self.jobs.remove(&job) {
                    handle.abort();
                }
            }
            Effect::RunProbe {
                job,
                kind,
                credentials,
            } => {
                let probe = self.probe.clone();
                let handle = tokio::spawn(async move {
                    let report = probe(kind, credentials).await;
                    let _ = tx.send(Msg::ProbeDone { job, report });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::Save { job, data } => {
                let vault = self.vault.clone();
                // Encryption and fsync block; keep them off the async workers.
                let handle = tokio::task::spawn_blocking(move || {
                    let msg = match save(&vault, *data) {
                        Ok(()) => Msg::VaultSaved { job },
                        Err(error) => Msg::SaveFailed { job, error },
                    };
                    let _ = tx.send(msg);
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::LoadFile { job, field, path } => {
                let handle = tokio::task::spawn_blocking(move || {
                    let result = read_key_file(&path).map(SecretValue::new);
                    let _ = tx.send(Msg::FileLoaded { job, field, result });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::InitVault { job } => {
                let vault = self.vault.clone();
                let handle = tokio::task::spawn_blocking(move || {
                    let result = init(&vault);
                    let _ = tx.send(Msg::VaultCreated { job, result });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
        }
    }
}

fn save(slot: &Mutex<VaultSlot>, data: VaultData) -> Result<(), String> {
    let mut guard = slot
        .lock()
        .map_err(|_| "the vault is unavailable after an earlier failure".to_owned())?;
    match &mut *guard {
        VaultSlot::Open(vault) => {
            *vault.data_mut() = data;
            vault.save().map_err(|e| e.to_string())
        }
        VaultSlot::Missing { .. } => Err("there is no vault yet".into()),
    }
}

/// `regvault init` in identity mode: reuse the identity if there is one,
/// else generate it; then create an empty vault encrypted to it.
fn init(slot: &Mutex<VaultSlot>) -> Result<VaultData, String> {
    let mut guard = slot
        .lock()
        .map_err(|_| "the vault is unavailable".to_owned())?;
    let VaultSlot::Missing { path, identity } = &*guard else {
        return Err("the vault already exists".into());
    };
    let recipients = if identity.exists() {
        vault::identity_recipients(identity).map_err(|e| e.to_string())?
    } else {
        vec![vault::generate_identity(identity).map_err(|e| e.to_string())?]
    };
    Vault::create(
        path,
        VaultData::default(),
        Encryption::Recipients(recipients),
        None,
    )
    .map_err(|e| e.to_string())?;
    // Reopen with the identity, exactly as the next start will.
    let keys = [KeySource::IdentityFile(identity.clone())];
    let vault = Vault::open(path, &keys).map_err(|e| e.to_string())?;
    let data = vault.data().clone();
    *guard = VaultSlot::Open(Box::new(vault));
    Ok(data)
}

fn read_key_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if meta.len() > MAX_KEY_FILE {
        return Err(format!(
            "{shown} is {} bytes; a key file is a few KB",
            meta.len()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))
}
