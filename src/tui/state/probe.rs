//! Test Connection as the TUI follows it: a run in flight (its job, when it
//! started by the injected clock, so the screen can show "3.2 s / 15 s"),
//! and the panel `t` opens over a list to show the step list of a saved
//! registry (or of a container's image with its registry).

use std::time::Duration;

use jiff::Timestamp;

use super::super::effect::JobId;
use crate::model::RegistryId;
use crate::ops::test::TestReport;
use crate::registry::RegistryKind;

/// A Test Connection in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Running {
    pub job: JobId,
    /// The model's clock when it started: elapsed time is `now - started`.
    pub started: Timestamp,
}

impl Running {
    /// Seconds since the start, as the clock reads now (never negative).
    #[must_use]
    pub fn elapsed(&self, now: Timestamp) -> Duration {
        now.duration_since(self.started)
            .try_into()
            .unwrap_or_default()
    }
}

/// Where the panel's test stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PanelRun {
    Running(Running),
    Done(Box<TestReport>),
    /// It could not run at all (the registry is gone): one line.
    Failed(String),
}

/// `t` in the Registries or Containers list: the step list of one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestPanel {
    pub registry: RegistryId,
    /// The registry's name as shown (escaped where drawn).
    pub name: String,
    pub kind: RegistryKind,
    /// `NAME:TAG` whose pull permission is checked (a container's image).
    pub image: Option<String>,
    /// The container whose image this is.
    pub container: Option<String>,
    pub run: PanelRun,
}

impl TestPanel {
    #[must_use]
    pub fn job(&self) -> Option<JobId> {
        match &self.run {
            PanelRun::Running(r) => Some(r.job),
            _ => None,
        }
    }
}
