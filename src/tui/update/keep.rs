//! The selection follows its row, not its index: after a sort, a reverse
//! or a filter change on the same data, the row that was selected stays
//! selected wherever it moved (when the filter still shows it). A change
//! of data (a save, a reload) is not this: those select by name or clamp.

use std::sync::Arc;

use crate::model::VaultData;
use crate::tui::state::{Model, Screen};

/// What was selected before a message, and the list settings it was under.
pub(super) struct Anchor {
    screen: Screen,
    data: Arc<VaultData>,
    /// The selected row as an index into the data (or the loaded log).
    item: Option<usize>,
    settings: (usize, bool, String),
}

fn settings(m: &Model) -> (usize, bool, String) {
    let list = m.list();
    (list.sort, list.descending, list.filter_text().to_owned())
}

/// Where data index `item` is among the current screen's rows.
fn position(m: &Model, item: usize) -> Option<usize> {
    match m.screen {
        Screen::Registries => m.registry_rows().iter().position(|&i| i == item),
        Screen::Containers => m.container_rows().iter().position(|&i| i == item),
        Screen::History => m.history_rows().iter().position(|&i| i == item),
        Screen::Init => None,
    }
}

fn selected_item(m: &Model) -> Option<usize> {
    let at = m.list().selected;
    match m.screen {
        Screen::Registries => m.registry_rows().get(at).copied(),
        Screen::Containers => m.container_rows().get(at).copied(),
        Screen::History => m.history_rows().get(at).copied(),
        Screen::Init => None,
    }
}

impl Anchor {
    pub(super) fn take(m: &Model) -> Self {
        Self {
            screen: m.screen,
            data: m.data.clone(),
            item: selected_item(m),
            settings: settings(m),
        }
    }

    /// After the message (and `refresh_rows`): put the selection back on
    /// its row when only the sort or filter changed.
    pub(super) fn restore(self, m: &mut Model) {
        if self.screen != m.screen
            || !Arc::ptr_eq(&self.data, &m.data)
            || self.settings == settings(m)
        {
            return;
        }
        let Some(item) = self.item else { return };
        if let Some(at) = position(m, item) {
            m.list_mut().selected = at;
        }
    }
}
