//! Another writer saved the vault (the CLI, cron's `refresh`, a teammate):
//! the reload in flight, and the dialogs it may lead to — an edit whose
//! record changed on disk (both versions side by side, secrets masked),
//! and after a rotation the clusters whose pull secrets are now stale.

use crate::tui::effect::JobId;

/// The reload in flight, if any, and what to do once it lands.
#[derive(Clone, Debug, Default)]
pub struct ReloadState {
    pub job: Option<JobId>,
    /// A save hit "changed on disk": once reloaded, save the form again
    /// if its record did not change (else ask, as any reload does).
    pub resave: bool,
    /// `:reload`: say so even when nothing changed.
    pub forced: bool,
    /// Asked for while a save was in flight: starts once it lands.
    pub wanted: bool,
    /// The last reload failed (a file that does not verify, a trust
    /// change): the poll does not retry it, `:reload` does.
    pub failed: bool,
}

/// The three ways out of a conflicting edit, in the order shown. The
/// first is the default, so Enter never overwrites anyone.
pub const CONFLICT_CHOICES: [&str; 3] = [
    "back to the form (keep editing)",
    "keep mine (save over the version on disk)",
    "take theirs (discard my edit)",
];

/// One field of both versions, as shown (secrets already masked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConflictRow {
    pub label: String,
    pub mine: String,
    pub theirs: String,
}

/// The record being edited changed (or was deleted) on disk.
#[derive(Clone, Debug)]
pub struct Conflict {
    /// `registry 'ghcr-acme'`.
    pub what: String,
    /// Deleted on disk: "keep mine" adds it back as a new record.
    pub deleted: bool,
    pub rows: Vec<ConflictRow>,
    /// Index into `CONFLICT_CHOICES`.
    pub choice: usize,
}

/// Credentials were rotated: the recorded clusters still hold the old ones.
#[derive(Clone, Debug)]
pub struct StaleQuestion {
    pub registry_id: String,
    pub registry: String,
    /// `cluster/namespace`, one per stale Secret.
    pub places: Vec<String>,
    /// The kubeconfig contexts to sync (those whose server holds one).
    pub contexts: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum ReloadDialog {
    Conflict(Conflict),
    Stale(StaleQuestion),
}
