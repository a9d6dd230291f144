//! `u` / `:undo`: put back the record the last delete of this session
//! removed, from the backup its save left — after a yes/no question where
//! Enter means No. The runtime restores only that record into the vault as
//! it is on disk now (`tui::undo`), so other changes since are kept.

use std::sync::Arc;

use crate::model::VaultData;
use crate::tui::effect::{Effect, JobId};
use crate::tui::state::modal::Modal;
use crate::tui::state::undo::Deleted;
use crate::tui::state::{Level, Model};

pub(super) fn offer(m: &mut Model) -> Vec<Effect> {
    if m.undo_job.is_some() {
        m.toast(Level::Info, "an undo is already running");
        return Vec::new();
    }
    match m.last_delete.clone() {
        Some(deleted) => m.modal = Some(Modal::ConfirmUndo(deleted)),
        None => m.toast(Level::Info, "nothing to undo: no delete in this session"),
    }
    Vec::new()
}

/// Yes: ask the runtime to restore it.
pub(super) fn start(m: &mut Model, deleted: Deleted) -> Vec<Effect> {
    let job = m.next_job();
    m.undo_job = Some(job);
    vec![Effect::Undo { job, deleted }]
}

pub(super) fn done(
    m: &mut Model,
    job: JobId,
    result: Result<Arc<VaultData>, String>,
) -> Vec<Effect> {
    if m.undo_job.take_if(|j| *j == job).is_none() {
        return Vec::new();
    }
    let Some(deleted) = m.last_delete.clone() else {
        return Vec::new();
    };
    match result {
        Ok(data) => {
            m.set_data(data);
            m.last_delete = None;
            let len = m.row_count();
            m.list_mut().clamp(len);
            m.toast(
                Level::Success,
                format!("put back {} '{}'", deleted.kind.noun(), deleted.name),
            );
            vec![super::load_history(m)]
        }
        Err(e) => {
            m.toast(Level::Error, format!("undo failed: {e}"));
            Vec::new()
        }
    }
}
