//! Dialogs over the screen. A confirmation holds the action it confirms as
//! data (`PendingDelete`), so "yes" runs exactly what was asked about.

use tui_input::Input;

use super::apply::{ApplyDialog, PruneDialog};
use super::import::ImportDialog;
use crate::model::{ContainerId, RegistryId};

/// The deletion a confirmation dialog is asking about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingDelete {
    Registry(RegistryId),
    Container(ContainerId),
}

/// Tab completion in progress: what the user had typed (the prefix the
/// candidates match) and which candidate is in the line now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TabCycle {
    pub prefix: String,
    pub index: usize,
}

#[derive(Clone, Debug)]
pub enum Modal {
    Help {
        scroll: u16,
    },
    /// The `:` command line; `tab` while Tab cycles through completions.
    Command {
        input: Input,
        tab: Option<TabCycle>,
    },
    /// The message log (`:messages`), newest first, scrolled by lines.
    Messages {
        scroll: u16,
    },
    /// Delete after typing the name (registries: dangerous, typed phrase)
    /// or after Enter (containers).
    ConfirmDelete {
        action: PendingDelete,
        name: String,
        /// `true`: the user must type `name` before Enter deletes.
        typed_phrase: bool,
        typed: Input,
    },
    /// A rule refused the deletion; nothing to confirm, only to read.
    Refused {
        title: String,
        lines: Vec<String>,
    },
    /// Leaving would lose edits or an unfinished save.
    ConfirmQuit,
    /// Closing the form would lose its edits.
    ConfirmDiscard,
    /// Apply a registry's pull secret to a cluster (dangerous).
    Apply(Box<ApplyDialog>),
    /// After deleting a registry: remove its managed secrets too?
    Prune(Box<PruneDialog>),
    /// Moving in: the preview of an import as a checklist.
    Import(Box<ImportDialog>),
    /// `u`: put the last deleted record back from its backup? (Enter = No)
    ConfirmUndo(super::undo::Deleted),
    /// `t` in a list: Test Connection's step list for a saved registry.
    Test(Box<super::probe::TestPanel>),
    /// After a reload: an edit whose record changed on disk, or the
    /// clusters a rotation left stale.
    Reload(Box<super::reload::ReloadDialog>),
}
