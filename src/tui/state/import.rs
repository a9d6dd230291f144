//! The import screen's state: the source being read, then the preview as
//! a checklist (every entry to add checked at first; only those can be
//! checked), the selected row, and a name being edited.

use tui_input::Input;

use crate::ops::import::{Preview, read::Source};
use crate::tui::effect::JobId;

#[derive(Clone, Debug)]
pub struct ImportDialog {
    /// The file, as shown in the title.
    pub source: String,
    pub what: Source,
    /// The read in flight; `None` once the preview (or error) is in.
    pub job: Option<JobId>,
    pub preview: Preview,
    /// Per entry: checked for import (only entries to add).
    pub checked: Vec<bool>,
    pub selected: usize,
    /// Why the source could not be read.
    pub error: Option<String>,
    /// The selected entry's new name, while it is being typed.
    pub renaming: Option<Input>,
}

impl ImportDialog {
    pub fn loading(what: Source, source: String, job: JobId) -> Self {
        Self {
            source,
            what,
            job: Some(job),
            preview: Preview::default(),
            checked: Vec::new(),
            selected: 0,
            error: None,
            renaming: None,
        }
    }

    /// The preview arrived: entries to add start checked, the first of
    /// them selected.
    pub fn show(&mut self, preview: Preview) {
        self.checked = preview
            .entries
            .iter()
            .map(crate::ops::import::Entry::is_add)
            .collect();
        self.selected = self.checked.iter().position(|c| *c).unwrap_or(0);
        self.preview = preview;
        self.job = None;
    }

    pub fn checked_count(&self) -> usize {
        self.checked.iter().filter(|c| **c).count()
    }
}
