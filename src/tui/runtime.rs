//! Runs `Effect`s as tokio tasks and reports back as `Msg`s. Every job has
//! a cancel token: `Effect::Cancel` fires it, and the operation stops
//! before its next unit of work (namespace, service, secret; a live check
//! at once) and still reports what it did. A result of a job the model no
//! longer waits for carries its job id and `update` drops it as stale.
//!
//! Test Connection, Apply, Swarm, Compose and prune are the operations of
//! `crate::ops`, the same calls as the CLI's; the runtime only supplies the
//! vault (`TuiStore`), the progress callbacks and the tokens.
//!
//! The vault lives here, not in the model: the model holds plain data and
//! the runtime is the only place that encrypts and writes. The data itself
//! is one `Arc` shared by both (see `Runtime::data`), not a copy each.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use super::apply::{ApplyProgress, PruneProgress, SharedApplier, Store, SwarmProgress};
use super::effect::{Effect, JobId};
use super::msg::{KeyFileError, Msg};
use super::state::history::{History, HistoryRow};
use crate::model::{RuleError, VaultData};
use crate::ops::test::{self as test_ops, Live, Offline, TestOptions, Tester};
use crate::ops::{Cancel, OpsError, VaultStore};
use crate::secret::SecretValue;
use crate::vault::audit::{self, Entry as AuditEntry, Who};
use crate::vault::{self, Encryption, KeySource, Vault, VaultError};

/// Test Connection's seam: `live()` in the real TUI, `offline()` for the
/// demo and for snapshots, which must never touch the network.
pub type SharedTester = Arc<dyn Tester>;

/// What the structural check reports when it passes: it contacted nothing
/// and says so (a "success" that checked nothing real misleads).
pub const STRUCTURE_OK: &str =
    "structure ok — offline check (demo): the registry was not contacted";

/// The offline check: `registry::validate`, nothing sent anywhere.
pub fn offline() -> SharedTester {
    Arc::new(Offline {
        ok_summary: STRUCTURE_OK,
    })
}

/// The live check of `crate::probe`, as `regvault registry test`.
pub fn live() -> SharedTester {
    Arc::new(Live)
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

/// The vault as `crate::ops` sees it from the TUI: reads are the data as
/// last saved; a change (a test result, an ECR token) is applied to that
/// data and saved through the open vault, under the same mutex as the
/// model's saves, and the model hears of it (`Msg::VaultUpdated`).
pub struct TuiStore {
    vault: Arc<Mutex<VaultSlot>>,
    saved: Arc<Mutex<Arc<VaultData>>>,
    tx: UnboundedSender<Msg>,
}

impl VaultStore for TuiStore {
    fn read(&self) -> Result<Arc<VaultData>, OpsError> {
        self.saved.lock().map(|s| Arc::clone(&s)).map_err(|_| {
            OpsError::Input("the vault is unavailable after an earlier failure".into())
        })
    }

    fn update(
        &self,
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        self.update_with(&[], change)
    }

    fn update_recorded(
        &self,
        entry: &AuditEntry,
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        let result = self.update_with(std::slice::from_ref(entry), change);
        if let Err(e @ (OpsError::Rule(_) | OpsError::Input(_))) = &result {
            self.record(&entry.clone().refused(e));
        }
        result
    }

    fn record(&self, entry: &AuditEntry) {
        let log = match self.vault.lock().as_deref() {
            Ok(VaultSlot::Open(vault)) => vault.audit_log(),
            _ => None,
        };
        match log {
            Some(log) => {
                if let Err(e) = log.append(entry) {
                    audit::notice(&e);
                }
            }
            // A vault saved before there was a log: its next save makes
            // the key (an empty change saves).
            None => {
                if self.update(&mut |_| Ok(())).is_ok()
                    && let Ok(VaultSlot::Open(vault)) = self.vault.lock().as_deref()
                    && let Some(log) = vault.audit_log()
                    && let Err(e) = log.append(entry)
                {
                    audit::notice(&e);
                }
            }
        }
    }

    fn who(&self) -> Who {
        match self.vault.lock().as_deref() {
            Ok(VaultSlot::Open(vault)) => vault.audit_who(),
            _ => Who::current(crate::model::current_user()),
        }
    }
}

impl TuiStore {
    fn update_with(
        &self,
        entries: &[AuditEntry],
        change: &mut (dyn FnMut(&mut VaultData) -> Result<(), RuleError> + Send),
    ) -> Result<Arc<VaultData>, OpsError> {
        let mut slot = self.vault.lock().map_err(|_| {
            OpsError::Input("the vault is unavailable after an earlier failure".into())
        })?;
        let VaultSlot::Open(vault) = &mut *slot else {
            return Err(OpsError::Input("there is no vault yet".into()));
        };
        let mut data = VaultData::clone(&*self.read()?);
        change(&mut data)?;
        *vault.data_mut() = data;
        let (result, problem) = vault.save_recording(entries);
        if let Some(p) = problem {
            audit::notice(&p);
        }
        let data = Arc::new(std::mem::take(vault.data_mut()));
        result?;
        if let Ok(mut s) = self.saved.lock() {
            *s = Arc::clone(&data);
        }
        let _ = self.tx.send(Msg::VaultUpdated {
            data: Arc::clone(&data),
        });
        Ok(data)
    }
}

pub struct Runtime {
    tx: UnboundedSender<Msg>,
    /// Shared with the blocking save task; the mutex also keeps two saves
    /// from interleaving.
    vault: Arc<Mutex<VaultSlot>>,
    /// The data as last opened or saved, shared with the model; the vault
    /// holds its own copy only while it writes.
    saved: Arc<Mutex<Arc<VaultData>>>,
    store: Store,
    tester: SharedTester,
    applier: SharedApplier,
    jobs: HashMap<JobId, Cancel>,
}

impl Runtime {
    pub fn new(
        tx: UnboundedSender<Msg>,
        mut vault: VaultSlot,
        tester: SharedTester,
        applier: SharedApplier,
    ) -> Self {
        let saved = match &mut vault {
            VaultSlot::Open(v) => Arc::new(std::mem::take(v.data_mut())),
            VaultSlot::Missing { .. } => Arc::default(),
        };
        let vault = Arc::new(Mutex::new(vault));
        let saved = Arc::new(Mutex::new(saved));
        let store: Store = Arc::new(TuiStore {
            vault: Arc::clone(&vault),
            saved: Arc::clone(&saved),
            tx: tx.clone(),
        });
        Self {
            tx,
            vault,
            saved,
            store,
            tester,
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

    /// The open vault's file is no longer the version last read or saved:
    /// one `stat`, for the loop's poll. `false` while a save or a reload
    /// holds the vault (that writer is this process; ask again later).
    pub fn vault_changed(&self) -> bool {
        match self.vault.try_lock().as_deref() {
            Ok(VaultSlot::Open(vault)) => vault.changed_on_disk(),
            _ => false,
        }
    }

    /// A new job's token, kept until the job is cancelled or replaced.
    fn token(&mut self, job: JobId) -> Cancel {
        self.jobs.retain(|_, c| !c.is_cancelled());
        let cancel = Cancel::new();
        self.jobs.insert(job, cancel.clone());
        cancel
    }

    /// Starts one effect. `Quit` is the loop's business and ignored here.
    pub fn run(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            // The loop's business: they need the terminal.
            Effect::Quit | Effect::Clipboard { .. } | Effect::Suspend => {}
            Effect::Undo { job, deleted } => {
                let (vault, saved) = (self.vault.clone(), self.saved.clone());
                tokio::task::spawn_blocking(move || {
                    let result = undo(&vault, &saved, &deleted);
                    let _ = tx.send(Msg::Undone { job, result });
                });
            }
            Effect::CheckHelper { job, paths, hosts } => {
                // Two small file reads, off the async workers.
                tokio::task::spawn_blocking(move || {
                    let status = Box::new(crate::ops::helper::status(&paths, &hosts));
                    let _ = tx.send(Msg::HelperChecked { job, status });
                });
            }
            Effect::LoadHistory { job } => {
                let vault = self.vault.clone();
                tokio::task::spawn_blocking(move || {
                    let history = load_history(&vault);
                    let _ = tx.send(Msg::HistoryLoaded { job, history });
                });
            }
            Effect::Reveal { registry, field } => {
                let store = Arc::clone(&self.store);
                // Appending writes a file: off the async workers.
                tokio::task::spawn_blocking(move || {
                    let name = store
                        .read()
                        .ok()
                        .and_then(|d| d.registry(registry.as_str()).map(|r| r.name.clone()))
                        .unwrap_or_default();
                    let entry = store
                        .entry(crate::ops::AuditAction::Reveal)
                        .registry(registry.as_str(), name)
                        .reason(format!("field {field} shown in the TUI"));
                    store.record(&entry);
                });
            }
            Effect::Cancel { job } => {
                if let Some(cancel) = self.jobs.remove(&job) {
                    cancel.cancel();
                }
            }
            Effect::RunProbe {
                job,
                kind,
                credentials,
                record,
                connection,
                image,
            } => {
                let cancel = self.token(job);
                let tester = Arc::clone(&self.tester);
                let store = Arc::clone(&self.store);
                let opts = TestOptions {
                    image,
                    ..TestOptions::default()
                };
                tokio::spawn(async move {
                    let msg = if let Some(id) = record {
                        // Recording encrypts and writes: off the async workers.
                        let run = tokio::task::spawn_blocking(move || {
                            tokio::runtime::Handle::current().block_on(test_ops::test_registry(
                                &*store,
                                &*tester,
                                id.as_str(),
                                &opts,
                                &cancel,
                            ))
                        });
                        match run.await {
                            Ok(Ok(t)) => Msg::ProbeDone {
                                job,
                                report: t.report,
                                recorded: Some(t.recorded.map(drop)),
                            },
                            Ok(Err(e)) => Msg::ProbeFailed { job, error: e },
                            Err(e) => Msg::ProbeFailed {
                                job,
                                error: OpsError::Task(e.to_string()),
                            },
                        }
                    } else {
                        let connection = connection.unwrap_or_else(|| {
                            store
                                .read()
                                .map(|d| test_ops::connection_for(&d, kind, &credentials))
                                .unwrap_or_default()
                        });
                        let report = test_ops::test_credentials(
                            &*tester,
                            kind,
                            &credentials,
                            connection,
                            &opts,
                            &cancel,
                        )
                        .await;
                        Msg::ProbeDone {
                            job,
                            report,
                            recorded: None,
                        }
                    };
                    let _ = tx.send(msg);
                });
            }
            Effect::Save {
                job,
                data,
                imported_from,
            } => {
                let vault = self.vault.clone();
                let saved = self.saved.clone();
                // Encryption and fsync block; keep them off the async workers.
                tokio::task::spawn_blocking(move || {
                    let before = saved.lock().map(|s| Arc::clone(&s)).unwrap_or_default();
                    let msg = match save(&vault, &before, &data, imported_from.as_deref()) {
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
            }
            Effect::LoadFile { job, field, path } => {
                tokio::task::spawn_blocking(move || {
                    let result = read_key_file(&path).map(SecretValue::new);
                    let _ = tx.send(Msg::FileLoaded { job, field, result });
                });
            }
            Effect::PlanApply { job, target } => {
                let cancel = self.token(job);
                let plan = self.applier.plan(Arc::clone(&self.store), target, cancel);
                tokio::spawn(async move {
                    let result = plan.await;
                    let _ = tx.send(Msg::ApplyPlanned { job, result });
                });
            }
            Effect::Apply { job, target, plans } => {
                let cancel = self.token(job);
                let each = tx.clone();
                let progress: ApplyProgress = Arc::new(move |context, report| {
                    let (context, report) = (context.to_owned(), report.clone());
                    let _ = each.send(Msg::ApplyProgress {
                        job,
                        context,
                        report,
                    });
                });
                let apply =
                    self.applier
                        .apply(Arc::clone(&self.store), target, plans, progress, cancel);
                tokio::spawn(async move {
                    let result = apply.await;
                    let _ = tx.send(Msg::ApplyFinished { job, result });
                });
            }
            Effect::PlanSwarm { job, target } => {
                let cancel = self.token(job);
                let plan = self
                    .applier
                    .swarm_plan(Arc::clone(&self.store), target, cancel);
                tokio::spawn(async move {
                    let result = plan.await;
                    let _ = tx.send(Msg::SwarmPlanned { job, result });
                });
            }
            Effect::ApplySwarm { job, target } => {
                let cancel = self.token(job);
                let each = tx.clone();
                let progress: SwarmProgress = Arc::new(move |result| {
                    let result = result.clone();
                    let _ = each.send(Msg::SwarmProgress { job, result });
                });
                let apply =
                    self.applier
                        .swarm_apply(Arc::clone(&self.store), target, progress, cancel);
                tokio::spawn(async move {
                    let result = apply.await;
                    let _ = tx.send(Msg::SwarmFinished { job, result });
                });
            }
            Effect::PlanCompose { job, dir } => {
                let plan = self.applier.compose_plan(Arc::clone(&self.store), dir);
                tokio::spawn(async move {
                    let result = plan.await;
                    let _ = tx.send(Msg::ComposePlanned { job, result });
                });
            }
            Effect::ApplyCompose { job, dir } => {
                let cancel = self.token(job);
                let apply = self
                    .applier
                    .compose_apply(Arc::clone(&self.store), dir, cancel);
                tokio::spawn(async move {
                    let result = apply.await;
                    let _ = tx.send(Msg::ComposeApplied { job, result });
                });
            }
            Effect::Prune {
                job,
                context,
                registry,
            } => {
                let cancel = self.token(job);
                let each = tx.clone();
                let progress: PruneProgress = Arc::new(move |secret| {
                    let secret = secret.clone();
                    let _ = each.send(Msg::PruneProgress { job, secret });
                });
                let prune = self.applier.prune(
                    Arc::clone(&self.store),
                    context,
                    registry,
                    progress,
                    cancel,
                );
                tokio::spawn(async move {
                    let result = prune.await;
                    let _ = tx.send(Msg::PruneDone { job, result });
                });
            }
            Effect::ReadImport { job, source } => {
                // Files and helper processes block: off the async workers.
                tokio::task::spawn_blocking(move || {
                    let result = source
                        .read(crate::ops::import::read::DEFAULT_HELPER_TIMEOUT)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::ImportRead { job, result });
                });
            }
            Effect::Reload { job } => {
                let vault = self.vault.clone();
                let saved = self.saved.clone();
                // Decryption (and a log read) block: off the async workers.
                tokio::task::spawn_blocking(move || {
                    super::reload::reopen(&vault, &saved, job, &tx);
                });
            }
            Effect::InitVault { job } => {
                let vault = self.vault.clone();
                let saved = self.saved.clone();
                tokio::task::spawn_blocking(move || {
                    let result = init(&vault);
                    if let (Ok(data), Ok(mut s)) = (&result, saved.lock()) {
                        *s = Arc::new(data.clone());
                    }
                    let _ = tx.send(Msg::VaultCreated { job, result });
                });
            }
        }
    }
}

/// The log of the open vault, as the History screen shows it.
fn load_history(slot: &Mutex<VaultSlot>) -> History {
    let log = match slot.lock().as_deref() {
        Ok(VaultSlot::Open(vault)) => vault.audit_log(),
        _ => None,
    };
    let Some(log) = log else {
        return History::Unavailable("no audit log yet: it starts at the vault's next save".into());
    };
    match log.read() {
        Ok(walk) => History::Loaded {
            rows: walk.records.iter().map(HistoryRow::of).collect(),
            broken: walk.broken.map(|b| b.to_string()),
        },
        Err(e) => History::Unavailable(e.to_string()),
    }
}

pub(super) fn unavailable() -> VaultError {
    vault::io_err(
        "the vault is unavailable after an earlier failure",
        std::io::Error::other("poisoned lock"),
    )
}

/// Saves the model's data, with the audit entries of what changed since
/// `before` (the data as last saved).
fn save(
    slot: &Mutex<VaultSlot>,
    before: &VaultData,
    data: &VaultData,
    imported_from: Option<&str>,
) -> Result<(), VaultError> {
    let mut guard = slot.lock().map_err(|_| unavailable())?;
    match &mut *guard {
        VaultSlot::Open(vault) => {
            let mut entries = audit::changes(before, data, &vault.audit_who());
            if let Some(source) = imported_from {
                audit::as_imports(&mut entries, source);
            }
            // A copy for as long as the write takes; the model keeps the
            // shared one, so a failed save loses nothing.
            *vault.data_mut() = data.clone();
            let (result, problem) = vault.save_recording(&entries);
            if let Some(p) = problem {
                audit::notice(&p);
            }
            drop(std::mem::take(vault.data_mut()));
            result
        }
        VaultSlot::Missing { path, .. } => Err(VaultError::NotFound(path.clone())),
    }
}

/// Restores `deleted` into the vault as it is on disk now, and from then on
/// works on that version (so a later TUI save is not refused because
/// another writer saved in between).
fn undo(
    slot: &Mutex<VaultSlot>,
    saved: &Mutex<Arc<VaultData>>,
    deleted: &super::state::undo::Deleted,
) -> Result<Arc<VaultData>, String> {
    let mut guard = slot.lock().map_err(|_| unavailable().to_string())?;
    let VaultSlot::Open(current) = &mut *guard else {
        return Err("there is no vault yet".into());
    };
    let (fresh, data) = super::undo::restore(current, deleted)?;
    let data = Arc::new(data);
    **current = fresh;
    if let Ok(mut s) = saved.lock() {
        *s = Arc::clone(&data);
    }
    Ok(data)
}

/// `regvault init` in identity mode: reuse the identity if there is one,
/// else generate it; then create an empty vault encrypted to it.
fn init(slot: &Mutex<VaultSlot>) -> Result<VaultData, VaultError> {
    let mut guard = slot.lock().map_err(|_| unavailable())?;
    let (path, identity) = match &*guard {
        VaultSlot::Missing { path, identity } => (path, identity),
        VaultSlot::Open(v) => return Err(VaultError::Exists(v.path().to_owned())),
    };
    let recipients = if identity.exists() {
        vault::identity_recipients(identity)?
    } else {
        vec![vault::generate_identity(identity)?]
    };
    Vault::create(
        path,
        VaultData::default(),
        Encryption::Recipients(recipients),
        None,
    )?;
    // Reopen with the identity, exactly as the next start will.
    let keys = [KeySource::IdentityFile(identity.clone())];
    let mut vault = Vault::open(path, &keys)?;
    let data = std::mem::take(vault.data_mut());
    *guard = VaultSlot::Open(Box::new(vault));
    Ok(data)
}

fn read_key_file(path: &Path) -> Result<String, KeyFileError> {
    let read = |source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read)?;
    if meta.len() > MAX_KEY_FILE {
        return Err(KeyFileError::TooBig {
            path: path.to_owned(),
            size: meta.len(),
        });
    }
    std::fs::read_to_string(path).map_err(read)
}
