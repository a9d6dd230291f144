//! `Effect`: what `update` asks the runtime to do — the only way the pure
//! update reaches the vault, the file system or the network.

use std::path::PathBuf;
use std::sync::Arc;

use super::apply::{ApplyTarget, ClusterPlan, SwarmTarget};
use crate::model::{Connection, RegistryId, VaultData};
use crate::registry::{Credentials, RegistryKind};

/// Identifies one run of an effect, so a late result of a cancelled or
/// superseded job can be recognised and dropped.
pub type JobId = u64;

#[derive(Debug)]
pub enum Effect {
    /// Replace the vault's content with `data` and save it. Shared with
    /// the model's pending save, not a copy.
    Save {
        job: JobId,
        data: Arc<VaultData>,
        /// An import's source (the file it read): the registries added are
        /// logged as `import` entries from it, as the CLI logs them.
        imported_from: Option<String>,
    },
    /// Test Connection for one set of credentials. With `record`, the
    /// saved registry of that id is tested and the result (and an ECR
    /// token) recorded in the vault: `ops::test::test_registry`, as
    /// `regvault registry test`.
    RunProbe {
        job: JobId,
        kind: RegistryKind,
        credentials: Credentials,
        record: Option<RegistryId>,
        /// The form's connection settings (CA bundle, insecure); `None`:
        /// the saved registry's.
        connection: Option<Connection>,
        /// `NAME[:TAG]`: also check pull permission on it (`--image`).
        image: Option<String>,
    },
    /// A saved registry's secret field was revealed: an audit entry
    /// (`reveal`), as `regvault export` leaves one for the CLI.
    Reveal {
        registry: RegistryId,
        field: &'static str,
    },
    /// Read the audit log for the History screen and detail panes.
    LoadHistory {
        job: JobId,
    },
    /// Cancel a running job through its token: it stops before its next
    /// unit of work and still reports what it did.
    Cancel {
        job: JobId,
    },
    /// Read a file (a service-account key) into form field `field`.
    LoadFile {
        job: JobId,
        field: usize,
        path: PathBuf,
    },
    /// First run: create the identity and the vault.
    InitVault {
        job: JobId,
    },
    /// The Apply dialog's plan: reads only, as `regvault apply` shows it.
    PlanApply {
        job: JobId,
        target: ApplyTarget,
    },
    /// Server-side apply of `plans`, clusters at once, namespace by
    /// namespace in each.
    Apply {
        job: JobId,
        target: ApplyTarget,
        plans: Vec<ClusterPlan>,
    },
    /// The Swarm plan: each service's create / update / refused.
    PlanSwarm {
        job: JobId,
        target: SwarmTarget,
    },
    /// Check the login on the node, then create/update each service.
    ApplySwarm {
        job: JobId,
        target: SwarmTarget,
    },
    /// The compose project's logins and config.json path.
    PlanCompose {
        job: JobId,
        dir: PathBuf,
    },
    /// `regvault compose login` (no pull) for the project in `dir`.
    ApplyCompose {
        job: JobId,
        dir: PathBuf,
    },
    /// Remove a deleted registry's managed secrets from `context`.
    Prune {
        job: JobId,
        context: String,
        registry: String,
    },
    /// Read (only) docker's config.json and the containers auth.json for
    /// the detail pane's helper line: `ops::helper::status`.
    CheckHelper {
        job: JobId,
        paths: crate::ops::helper::HelperPaths,
        hosts: Vec<String>,
    },
    /// Read an import source (a file, its credential helpers).
    ReadImport {
        job: JobId,
        source: crate::ops::import::read::Source,
    },
    /// Write an OSC 52 "set clipboard" sequence to the terminal (works
    /// over SSH; tmux needs `set-clipboard on`). Built only by
    /// `update::copy` from an id, a host or an image — never a secret.
    Clipboard {
        osc52: String,
    },
    /// Put the last deleted record back from its backup (`tui::undo`).
    Undo {
        job: JobId,
        deleted: crate::tui::state::undo::Deleted,
    },
    /// Ctrl-Z: give the terminal back to the shell and stop; redraw on `fg`.
    Suspend,
    /// Open the vault file again (another writer saved it, or `:reload`),
    /// through the same checks as at start; `Msg::VaultReloaded`.
    Reload {
        job: JobId,
    },
    Quit,
}
