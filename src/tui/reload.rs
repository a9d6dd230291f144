//! Reopening the vault after another writer saved it: the runtime's side
//! of `Effect::Reload`. The file is opened through `Vault::reopen` — the
//! same decryption, signature, member and pin checks as at start — and
//! replaces the runtime's vault only when that succeeds, so a forged or
//! rolled-back file changes nothing here.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use super::effect::JobId;
use super::msg::{Msg, Reloaded};
use super::runtime::{VaultSlot, unavailable};
use crate::model::VaultData;
use crate::vault::audit::Action;
use crate::vault::{Vault, VaultError};

/// Reopens the vault in `slot`, makes its data the saved data and sends
/// `Msg::VaultReloaded` — while still holding the vault, so an operation
/// that records into the reloaded data (`Msg::VaultUpdated`) is heard of
/// after it, never before.
pub(super) fn reopen(
    slot: &Mutex<VaultSlot>,
    saved: &Mutex<Arc<VaultData>>,
    job: JobId,
    tx: &UnboundedSender<Msg>,
) {
    let Ok(mut guard) = slot.lock() else {
        let _ = tx.send(Msg::VaultReloaded {
            job,
            result: Err(unavailable()),
        });
        return;
    };
    let result = match &mut *guard {
        VaultSlot::Open(vault) => vault.reopen().map(|mut fresh| {
            let data = Arc::new(std::mem::take(fresh.data_mut()));
            let by = last_writer(&fresh);
            **vault = fresh;
            if let Ok(mut s) = saved.lock() {
                *s = Arc::clone(&data);
            }
            Reloaded { data, by }
        }),
        VaultSlot::Missing { path, .. } => Err(VaultError::NotFound(path.clone())),
    };
    let _ = tx.send(Msg::VaultReloaded { job, result });
    drop(guard);
}

/// Who made the newest change the log records, if not this user: reads
/// (a reveal, the helper's `get`, an export) do not change the vault.
fn last_writer(vault: &Vault) -> Option<String> {
    let me = vault.audit_who().member;
    let walk = vault.audit_log()?.read().ok()?;
    let newest = walk.records.iter().rev().find(|r| {
        !matches!(
            r.entry.action,
            Action::Reveal | Action::HelperGet | Action::Export
        )
    })?;
    let who = &newest.entry.who.member;
    (who != &me).then(|| crate::model::escape(who).into_owned())
}
