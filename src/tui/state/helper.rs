//! What the detail pane shows on its `helper` line: whether docker's
//! config.json and the containers auth.json send each registry host to
//! `docker-credential-regvault`. Read by the runtime off the loop
//! (`Effect::CheckHelper`), kept here, and checked again when the vault's
//! hosts change or the answer is older than [`RECHECK_AFTER`]; a frame
//! only ever reads this cache.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::super::effect::JobId;
use crate::ops::helper::HelperStatus;

/// A `regvault helper install` in another terminal shows up after this
/// long (at the next key press or result).
pub const RECHECK_AFTER: SignedDuration = SignedDuration::from_secs(30);

#[derive(Clone, Debug, Default)]
pub struct HelperCache {
    /// The hosts of the data last looked at, and that data's address (so
    /// they are computed once per change of the data, not per message).
    pub hosts: Vec<String>,
    pub data_addr: usize,
    /// The hosts the latest check was asked for, and when.
    pub asked: Vec<String>,
    pub asked_at: Option<Timestamp>,
    /// The check in flight.
    pub job: Option<JobId>,
    /// The latest answer.
    pub status: Option<Arc<HelperStatus>>,
}
