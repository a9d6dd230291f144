//! Runs `Effect`s as tokio tasks and reports back as `Msg`s. Each job keeps
//! its abort handle, so `Effect::Cancel` stops it; a result that still
//! slips through carries its job id and `update` drops it as stale.
//!
//! The vault lives here, not in the model: the model holds plain data and
//! the runtime is the only place that encrypts and writes. The data itself
//! is one `Arc` shared by both (see `Runtime::data`), not a copy each.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::apply::SharedApplier;
use super::effect::{Effect, JobId, ProbeReport};
use super::msg::Msg;
use crate::model::{Connection, VaultData};
use crate::registry::{self, Credentials, RegistryKind};
use crate::secret::SecretValue;
use crate::vault::{self, Encryption, KeySource, Vault};

/// Test Connection as a pluggable async function: `live_probe` (structure,
/// then the registry) in the real TUI, `structural_probe` for the demo and
/// for snapshots, which must never touch the network.
pub type Probe =
    Arc<dyn Fn(RegistryKind, Credentials) -> BoxFuture<'static, ProbeReport> + Send + Sync>;

/// What the structural check reports when it passes: it contacted nothing
/// and says so (a "success" that checked nothing real misleads).
pub const STRUCTURE_OK: &str =
    "structure ok — offline check (demo): the registry was not contacted";

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

tokio::task_local! {
    /// The connection settings (CA bundle, insecure) of the registry being
    /// tested, set by the runtime around a probe: `Probe` sees only the kind
    /// and the credentials.
    static CONNECTION: Connection;
}

/// The live check of `crate::probe`: the structural check first (it sends
/// nothing when that fails), then the registry itself, with the
/// environment's endpoint overrides and timeouts and the registry's
/// connection settings. Cancelling is aborting the task.
pub fn live_probe() -> Probe {
    Arc::new(|kind, credentials| {
        Box::pin(async move {
            let mut opts = crate::probe::ProbeOptions::from_env(kind);
            opts.connection = CONNECTION.try_with(Clone::clone).unwrap_or_default();
            let report =
                crate::probe::probe(kind, &credentials, &opts, std::future::pending()).await;
            ProbeReport {
                outcome: report.outcome.as_str().to_owned(),
                summary: report.hint.clone(),
                contacted: report.contacted(),
            }
        })
    })
}

/// The saved connection settings for what is being tested: the registry
/// with these exact credentials, else the one of this kind logging in to
/// the same host (an edit in progress).
fn connection_for(
    saved: &Mutex<Arc<VaultData>>,
    kind: RegistryKind,
    creds: &Credentials,
) -> Connection {
    let Ok(guard) = saved.lock() else {
        return Connection::default();
    };
    let regs = &guard.registries;
    let host = registry::auths_key(kind, creds).ok().flatten();
    regs.iter()
        .find(|r| r.kind == kind && &r.credentials == creds)
        .or_else(|| {
            host.as_ref().and_then(|h| {
                regs.iter().find(|r| {
                    r.kind == kind
                        && registry::auths_key(r.kind, &r.credentials)
                            .ok()
                            .flatten()
                            .as_ref()
                            == Some(h)
                })
            })
        })
        .map(|r| r.connection.clone())
        .unwrap_or_default()
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
    /// The data as last opened or saved, shared with the model; the vault
    /// holds its own copy only while it writes.
    saved: Arc<Mutex<Arc<VaultData>>>,
    probe: Probe,
    applier: SharedApplier,
    jobs: HashMap<JobId, AbortHandle>,
}

impl Runtime {
    pub fn new(
        tx: UnboundedSender<Msg>,
        mut vault: VaultSlot,
        probe: Probe,
        applier: SharedApplier,
    ) -> Self {
        let saved = match &mut vault {
            VaultSlot::Open(v) => Arc::new(std::mem::take(v.data_mut())),
            VaultSlot::Missing { .. } => Arc::default(),
        };
        Self {
            tx,
            vault: Arc::new(Mutex::new(vault)),
            saved: Arc::new(Mutex::new(saved)),
            probe,
            applier,
            jobs: HashMap::new(),
        }
    }

    /// The opened vault's data for the model (`None` on a first run): the
    /// runtime's own, shared.
    pub fn data(&self) -> Option<Arc<VaultData>> {
        let open = matches!(self.vault.lock().as_deref(), Ok(VaultSlot::Open(_)));
        let saved = self.saved.lock().ok()?;
        open.then(|| Arc::clone(&saved))
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
                let connection = connection_for(&self.saved, kind, &credentials);
                let handle = tokio::spawn(async move {
                    let report = CONNECTION.scope(connection, probe(kind, credentials)).await;
                    let _ = tx.send(Msg::ProbeDone { job, report });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::Save { job, data } => {
                let vault = self.vault.clone();
                let saved = self.saved.clone();
                // Encryption and fsync block; keep them off the async workers.
                let handle = tokio::task::spawn_blocking(move || {
                    let msg = match save(&vault, &data) {
                        Ok(()) => {
                            if let Ok(mut s) = saved.lock() {
                                *s = data;
                            }
                            Msg::VaultSaved { job }
                        }
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
            Effect::PlanApply { job, target } => {
                let plan = self.applier.plan(self.current(), target);
                let handle = tokio::spawn(async move {
                    let result = plan.await;
                    let _ = tx.send(Msg::ApplyPlanned { job, result });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::Apply {
                job,
                target,
                planned,
            } => {
                // The task holds `alive`; aborting the job drops it, which
                // tells the applier (on its blocking thread) to stop.
                let (alive_tx, alive) = tokio::sync::oneshot::channel::<()>();
                let each = tx.clone();
                let progress: super::apply::ApplyProgress = Arc::new(move |report| {
                    let _ = each.send(Msg::ApplyProgress { job, report });
                    !alive_tx.is_closed()
                });
                let apply = self
                    .applier
                    .apply(self.current(), target, planned, progress);
                let handle = tokio::spawn(async move {
                    apply.await;
                    drop(alive);
                    let _ = tx.send(Msg::ApplyFinished { job });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::PlanSwarm { job, target } => {
                let plan = self.applier.swarm_plan(self.current(), target);
                let handle = tokio::spawn(async move {
                    let result = plan.await;
                    let _ = tx.send(Msg::SwarmPlanned { job, result });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::ApplySwarm { job, target } => {
                let each = tx.clone();
                let progress: super::apply::SwarmProgress = Arc::new(move |result| {
                    let _ = each.send(Msg::SwarmProgress { job, result });
                });
                let apply = self.applier.swarm_apply(self.current(), target, progress);
                let handle = tokio::spawn(async move {
                    let result = apply.await;
                    let _ = tx.send(Msg::SwarmFinished { job, result });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::PlanCompose { job, dir } => {
                let plan = self.applier.compose_plan(self.current(), dir);
                let handle = tokio::spawn(async move {
                    let result = plan.await;
                    let _ = tx.send(Msg::ComposePlanned { job, result });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::ApplyCompose { job, dir } => {
                let apply = self.applier.compose_apply(self.current(), dir);
                let handle = tokio::spawn(async move {
                    let result = apply.await;
                    let _ = tx.send(Msg::ComposeApplied { job, result });
                });
                self.jobs.insert(job, handle.abort_handle());
            }
            Effect::Prune {
                job,
                context,
                registry,
            } => {
                let prune = self.applier.prune(context, registry);
                let handle = tokio::spawn(async move {
                    let result = prune.await;
                    let _ = tx.send(Msg::PruneDone { job, result });
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

impl Runtime {
    /// The data as last saved: what Apply plans from.
    fn current(&self) -> Arc<VaultData> {
        self.saved
            .lock()
            .map(|s| Arc::clone(&s))
            .unwrap_or_default()
    }
}

fn save(slot: &Mutex<VaultSlot>, data: &VaultData) -> Result<(), String> {
    let mut guard = slot
        .lock()
        .map_err(|_| "the vault is unavailable after an earlier failure".to_owned())?;
    match &mut *guard {
        VaultSlot::Open(vault) => {
            // A copy for as long as the write takes; the model keeps the
            // shared one, so a failed save loses nothing.
            *vault.data_mut() = data.clone();
            let result = vault.save().map_err(|e| e.to_string());
            drop(std::mem::take(vault.data_mut()));
            result
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
