//! `Msg`: what happened — a key, a paste, a tick, or the result of an effect
//! the runtime ran. `update` turns each into state changes and effects.

use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use std::sync::Arc;

use super::apply::{
    ApplyFinish, ApplyResult, ComposePlanResult, ComposeResult, PruneResult, SwarmPlanResult,
};
use super::effect::JobId;
use super::keymap::Action;
use crate::deploy::kube::NamespaceReport;
use crate::model::VaultData;
use crate::ops::OpsError;
use crate::ops::kube::PrunedSecret;
use crate::ops::swarm::{ServiceResult, SwarmApplyReport};
use crate::ops::test::TestReport;
use crate::secret::SecretValue;
use crate::vault::VaultError;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// A bracketed paste: may be a whole JSON key file, so it is kept secret.
    Paste(SecretValue),
    /// An action without a key: the command line, tests.
    Action(Action),
    /// Spinner frames and toast expiry; sent only while something is running.
    Tick,
    /// Nothing happened but a frame is wanted (the loop's first message,
    /// so the helper line's check starts at once); a resize is `Resized`.
    Redraw,
    /// A mouse click or wheel turn (only with mouse capture on).
    Mouse(MouseEvent),
    /// The terminal's new size (a resize event).
    Resized {
        width: u16,
        height: u16,
    },
    /// Test Connection's answer. `recorded` is set when the registry's
    /// test was recorded in the vault (`Err`: it could not be).
    ProbeDone {
        job: JobId,
        report: TestReport,
        recorded: Option<Result<(), OpsError>>,
    },
    /// Test-and-record could not run at all (the registry is gone).
    ProbeFailed {
        job: JobId,
        error: OpsError,
    },
    VaultSaved {
        job: JobId,
    },
    SaveFailed {
        job: JobId,
        error: VaultError,
    },
    /// An operation recorded something in the vault (a test result, an ECR
    /// token): the data as saved.
    VaultUpdated {
        data: Arc<VaultData>,
    },
    /// The audit log as read for the History screen.
    HistoryLoaded {
        job: JobId,
        history: crate::tui::state::history::History,
    },
    FileLoaded {
        job: JobId,
        field: usize,
        result: Result<SecretValue, KeyFileError>,
    },
    VaultCreated {
        job: JobId,
        result: Result<VaultData, VaultError>,
    },
    /// The Apply dialog's plan, per namespace (or why there is none).
    ApplyPlanned {
        job: JobId,
        result: ApplyResult,
    },
    /// One namespace of one cluster (its context) applied (or refused, or
    /// not started after a cancel).
    ApplyProgress {
        job: JobId,
        context: String,
        report: NamespaceReport,
    },
    /// Every cluster has reported: the ones that failed before their
    /// namespaces (`Err`: nothing was started anywhere).
    ApplyFinished {
        job: JobId,
        result: ApplyFinish,
    },
    SwarmPlanned {
        job: JobId,
        result: SwarmPlanResult,
    },
    /// One service created, updated, refused or not started.
    SwarmProgress {
        job: JobId,
        result: ServiceResult,
    },
    /// Every service has reported (a refused login stops before them), or
    /// it failed before the first (`Err`).
    SwarmFinished {
        job: JobId,
        result: Result<SwarmApplyReport, OpsError>,
    },
    ComposePlanned {
        job: JobId,
        result: ComposePlanResult,
    },
    ComposeApplied {
        job: JobId,
        result: ComposeResult,
    },
    /// One managed secret of a prune deleted, failed or left (cancelled).
    PruneProgress {
        job: JobId,
        secret: PrunedSecret,
    },
    /// The prune after a registry delete has finished.
    PruneDone {
        job: JobId,
        result: PruneResult,
    },
    /// What docker's config.json and the containers auth.json say for the
    /// vault's hosts (`Effect::CheckHelper`).
    HelperChecked {
        job: JobId,
        status: Box<crate::ops::helper::HelperStatus>,
    },
    /// An import source was read (its logins, or why not: one line).
    ImportRead {
        job: JobId,
        result: Result<crate::ops::import::AuthFile, String>,
    },
    /// An undo finished: the vault as saved with the record back, or why
    /// not (one line).
    Undone {
        job: JobId,
        result: Result<Arc<VaultData>, String>,
    },
    /// SIGTERM / SIGHUP: leave now, restoring the terminal on the way out.
    Terminate,
    /// The vault file is no longer the version the TUI read or saved (the
    /// loop's poll of its stamp): another writer saved it.
    VaultChangedOnDisk,
    /// `Effect::Reload` finished: the newest version on disk, or why not.
    VaultReloaded {
        job: JobId,
        result: Result<Reloaded, VaultError>,
    },
}

/// The vault as reopened, and who saved it last (from the audit log's
/// newest write by someone else; `None` when the log does not say).
#[derive(Debug)]
pub struct Reloaded {
    pub data: Arc<VaultData>,
    pub by: Option<String>,
}

impl Msg {
    /// Terminal events worth a message; key releases (kitty protocol),
    /// mouse motion and focus changes are not.
    pub fn from_event(event: Event) -> Option<Msg> {
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
            Event::Paste(text) => Some(Msg::Paste(SecretValue::new(text))),
            Event::Resize(width, height) => Some(Msg::Resized { width, height }),
            // Clicks and the wheel only: motion and releases would cost a
            // frame each and change nothing.
            Event::Mouse(m)
                if matches!(
                    m.kind,
                    MouseEventKind::Down(_) | MouseEventKind::ScrollUp | MouseEventKind::ScrollDown
                ) =>
            {
                Some(Msg::Mouse(m))
            }
            _ => None,
        }
    }
}

/// Why a key file could not be read into a form field. Paths are not
/// secret; the file's content never appears here.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is {size} bytes; a key file is a few KB")]
    TooBig { path: std::path::PathBuf, size: u64 },
}
