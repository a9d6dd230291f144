//! `Msg`: what happened — a key, a paste, a tick, or the result of an effect
//! the runtime ran. `update` turns each into state changes and effects.

use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind};

use super::apply::{
    ApplyResult, ComposePlanResult, ComposeResult, PruneResult, SwarmPlanResult, SwarmResult,
};
use super::effect::{JobId, ProbeReport};
use super::keymap::Action;
use crate::deploy::kube::NamespaceReport;
use crate::model::VaultData;
use crate::secret::SecretValue;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// A bracketed paste: may be a whole JSON key file, so it is kept secret.
    Paste(SecretValue),
    /// An action without a key: the command line, tests.
    Action(Action),
    /// Spinner frames and toast expiry; sent only while something is running.
    Tick,
    Resize,
    ProbeDone {
        job: JobId,
        report: ProbeReport,
    },
    VaultSaved {
        job: JobId,
    },
    SaveFailed {
        job: JobId,
        error: String,
    },
    FileLoaded {
        job: JobId,
        field: usize,
        result: Result<SecretValue, String>,
    },
    VaultCreated {
        job: JobId,
        result: Result<VaultData, String>,
    },
    /// The Apply dialog's plan, per namespace (or why there is none).
    ApplyPlanned {
        job: JobId,
        result: ApplyResult,
    },
    /// One namespace applied (or refused).
    ApplyProgress {
        job: JobId,
        report: NamespaceReport,
    },
    /// Every namespace of the apply has reported.
    ApplyFinished {
        job: JobId,
    },
    SwarmPlanned {
        job: JobId,
        result: SwarmPlanResult,
    },
    /// One service created, updated or refused.
    SwarmProgress {
        job: JobId,
        result: SwarmResult,
    },
    /// Every service has reported, or it stopped before them (`Err`).
    SwarmFinished {
        job: JobId,
        result: Result<(), String>,
    },
    ComposePlanned {
        job: JobId,
        result: ComposePlanResult,
    },
    ComposeApplied {
        job: JobId,
        result: ComposeResult,
    },
    /// The prune after a registry delete has finished.
    PruneDone {
        job: JobId,
        result: PruneResult,
    },
    /// SIGTERM / SIGHUP: leave now, restoring the terminal on the way out.
    Terminate,
}

impl Msg {
    /// Terminal events worth a message; key releases (kitty protocol) and
    /// focus changes are not.
    pub fn from_event(event: Event) -> Option<Msg> {
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
            Event::Paste(text) => Some(Msg::Paste(SecretValue::new(text))),
            Event::Resize(..) => Some(Msg::Resize),
            _ => None,
        }
    }
}
