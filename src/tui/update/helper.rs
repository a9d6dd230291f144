//! The helper line's cache: ask the runtime to read the two client files
//! when the vault's hosts changed or the answer is old, take its answer.
//! Without `Context::helper_paths` (tests, embedders) nothing is read.

use std::sync::Arc;

use crate::ops::helper::{HelperStatus, helper_hosts};
use crate::tui::effect::Effect;
use crate::tui::state::Model;
use crate::tui::state::helper::RECHECK_AFTER;

/// A check, if one is due and none is in flight.
pub fn due(m: &mut Model) -> Option<Effect> {
    let paths = m.ctx.helper_paths.clone()?;
    let addr = Arc::as_ptr(&m.data) as usize;
    if m.helper.data_addr != addr {
        m.helper.data_addr = addr;
        m.helper.hosts = helper_hosts(&m.data, &[])
            .map(|(hosts, _)| hosts.into_iter().map(|h| h.host).collect())
            .unwrap_or_default();
    }
    if m.helper.job.is_some() {
        return None;
    }
    let stale = m
        .helper
        .asked_at
        .is_none_or(|at| m.now.duration_since(at) >= RECHECK_AFTER);
    if !stale && m.helper.asked == m.helper.hosts {
        return None;
    }
    let job = m.next_job();
    m.helper.job = Some(job);
    m.helper.asked.clone_from(&m.helper.hosts);
    m.helper.asked_at = Some(m.now);
    Some(Effect::CheckHelper {
        job,
        paths,
        hosts: m.helper.hosts.clone(),
    })
}

/// The runtime's answer; a superseded one is dropped.
pub fn checked(m: &mut Model, job: u64, status: HelperStatus) {
    if m.helper.job == Some(job) {
        m.helper.job = None;
        m.helper.status = Some(Arc::new(status));
    }
}
