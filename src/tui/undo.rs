//! Undo of the last delete, the runtime's side: find the record in the
//! newest backup that holds it (the one its delete's save left beside the
//! vault), then put only that record back into the vault as it is on disk
//! now — whatever another writer changed since is kept — and log it as a
//! `restore` entry.

use std::path::Path;

use crate::model::VaultData;
use crate::ops::{AuditAction, AuditOutcome};
use crate::vault::audit::Entry;
use crate::vault::{self, KeySource, Vault};

use super::state::undo::{Deleted, DeletedKind};

/// How many backups (newest first) are searched: a delete's backup is
/// among the newest unless many saves followed it.
const SEARCH: usize = 20;

/// The record found in a backup, and that backup's time.
struct Found {
    data: VaultData,
    when: String,
}

fn find(path: &Path, keys: &[KeySource], d: &Deleted) -> Result<Found, String> {
    for b in vault::all_backups(path)
        .into_iter()
        .filter(|b| !b.earlier)
        .take(SEARCH)
    {
        let Ok(data) = vault::read_backup(&b.path, keys) else {
            continue;
        };
        let holds = match d.kind {
            DeletedKind::Registry => data.registries.iter().any(|r| r.id.as_str() == d.id),
            DeletedKind::Container => data.containers.iter().any(|c| c.id.as_str() == d.id),
        };
        if holds {
            let when = b.time.unwrap_or_else(|| "an earlier save".to_owned());
            return Ok(Found { data, when });
        }
    }
    Err(format!(
        "no backup holds {} '{}' any more (see `regvault restore`)",
        d.kind.noun(),
        d.name
    ))
}

/// Puts `d` back into `current` (the vault as on disk now). Refused when a
/// record with its id or name is there again, or a container's registry is
/// gone.
fn put_back(current: &mut VaultData, backup: VaultData, d: &Deleted) -> Result<(), String> {
    let noun = d.kind.noun();
    match d.kind {
        DeletedKind::Registry => {
            let r = backup
                .registries
                .into_iter()
                .find(|r| r.id.as_str() == d.id)
                .ok_or("the backup lost it")?;
            if current
                .registries
                .iter()
                .any(|x| x.id == r.id || x.name == r.name)
            {
                return Err(format!("a {noun} named '{}' is in the vault again", r.name));
            }
            current.registries.push(r);
        }
        DeletedKind::Container => {
            let c = backup
                .containers
                .into_iter()
                .find(|c| c.id.as_str() == d.id)
                .ok_or("the backup lost it")?;
            if current.containers.iter().any(|x| x.id == c.id) {
                return Err(format!("{noun} '{}' is in the vault again", c.name));
            }
            if let Some(id) = &c.registry_config.registry_id
                && !current.registries.iter().any(|r| &r.id == id)
            {
                return Err(format!(
                    "its registry {id} is gone: undo that delete or add it first"
                ));
            }
            current.containers.push(c);
        }
    }
    Ok(())
}

/// Finds `d` in the backups of `current` and saves it with `d` put back.
/// Returns the vault as saved (its data taken out, as the runtime keeps
/// it) and that data.
pub(crate) fn restore(current: &Vault, d: &Deleted) -> Result<(Vault, VaultData), String> {
    let found = find(current.path(), current.keys(), d)?;
    // The vault as it is now, not as this session last saw it: read
    // through the checks of an open, with the keys that opened it.
    let mut fresh = current.reopen().map_err(|e| e.to_string())?;
    put_back(fresh.data_mut(), found.data, d)?;
    let mut entry = Entry::new(fresh.audit_who(), AuditAction::Restore, AuditOutcome::Ok);
    entry = match d.kind {
        DeletedKind::Registry => entry.registry(d.id.clone(), d.name.clone()),
        DeletedKind::Container => entry.container(d.id.clone(), d.name.clone()),
    };
    let entry = entry.reason(format!(
        "undo of a delete in the TUI: {} '{}' put back from the backup of {}",
        d.kind.noun(),
        d.name,
        found.when
    ));
    let (result, problem) = fresh.save_recording(&[entry]);
    if let Some(p) = problem {
        vault::audit::notice(&p);
    }
    result.map_err(|e| e.to_string())?;
    let data = std::mem::take(fresh.data_mut());
    Ok((fresh, data))
}
