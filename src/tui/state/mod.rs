//! The TUI's whole state (`Model`): what the vault holds, which screen is
//! shown, the open form or dialog, toasts and the jobs in flight. `update`
//! changes it; `view` only reads it.

pub mod apply;
pub mod form;
mod form_hosts;
pub mod helper;
pub mod history;
pub mod import;
pub mod list;
pub mod modal;
pub mod probe;
pub mod reload;
pub mod size;
pub mod toast;
pub mod undo;

use std::borrow::Cow;
use std::sync::Arc;

use jiff::Timestamp;

use super::effect::JobId;
use super::keymap::Keymap;
use crate::model::{RegistryId, VaultData};
pub use form::Form;
pub use list::ListState;
use list::{ListKind, RowCache};
pub use modal::Modal;
pub use toast::{Level, Toasts};

/// Facts fixed for the session, shown in the status line.
#[derive(Clone, Debug)]
pub struct Context {
    /// The vault path as shown (tests use a fixed fake one).
    pub vault_path: String,
    /// Where a first run writes the identity.
    pub identity_path: String,
    /// Who is acting: the creator recorded on new registries.
    pub user: String,
    /// `--read-only`: add, edit, delete and save are hidden and refused.
    pub read_only: bool,
    /// `NO_COLOR` or a choice: styles use only bold/reverse/dim.
    pub color: bool,
    /// docker's config.json and the containers auth.json, for the detail
    /// pane's helper line; `None`: no helper line, nothing read.
    pub helper_paths: Option<crate::ops::helper::HelperPaths>,
    /// `regvault demo`: a DEMO badge, Test Connection is the offline check
    /// and never recorded, Apply plans a demo cluster and sends nothing.
    pub demo: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// First run: no vault yet; offers to create one.
    Init,
    Registries,
    Containers,
    /// The audit log: who did what, when.
    History,
}

/// A save in flight and what to do once it is on disk.
#[derive(Clone, Debug)]
pub struct PendingSave {
    pub job: JobId,
    /// The data being saved; becomes `Model::data` only when the save lands,
    /// so a failed save leaves the screen (and any form) as it was. Shared
    /// with the runtime's `Effect::Save`, not copied.
    pub data: Arc<VaultData>,
    pub done_toast: String,
    pub close_form: bool,
    /// Select this registry/container name after the save.
    pub select: Option<String>,
    /// A registry deletion (id, name): once saved, offer to prune its
    /// managed secrets from the cluster.
    pub offer_prune: Option<(String, String)>,
}

/// Test Connection started from the list for a saved registry.
#[derive(Clone, Debug)]
pub struct ListProbe {
    pub job: JobId,
    pub registry: RegistryId,
}

#[derive(Debug)]
pub struct Model {
    pub ctx: Context,
    pub keymap: Keymap,
    /// The injected clock's latest reading: ages and toasts use it.
    pub now: Timestamp,
    /// What is on disk (as of the last successful save or open). Shared,
    /// never changed in place: a change is new data (see `set_data`), which
    /// is also how the row caches know to rebuild.
    pub data: Arc<VaultData>,
    pub screen: Screen,
    pub registries: ListState,
    pub containers: ListState,
    pub history_list: ListState,
    /// The audit log's entries, newest last.
    pub history: history::History,
    /// The newest `LoadHistory` asked for: older reads are dropped.
    pub history_job: JobId,
    pub form: Option<Form>,
    pub modal: Option<Modal>,
    /// The kubeconfig's contexts for the Apply dialog, read at start.
    pub kube: crate::tui::apply::KubeContexts,
    /// The Swarm endpoint and Compose project for the Apply dialog.
    pub engines: crate::tui::apply::EngineTargets,
    pub toasts: Toasts,
    pub pending_save: Option<PendingSave>,
    pub list_probe: Option<ListProbe>,
    /// Test Connection's whole limit (`REGVAULT_PROBE_TIMEOUT`), shown
    /// beside the elapsed time while a test runs.
    pub probe_timeout: std::time::Duration,
    pub init_job: Option<JobId>,
    /// Spinner frame, advanced by ticks while something runs.
    pub spinner: usize,
    /// Whether the credential helper is installed per host (cached).
    pub helper: helper::HelperCache,
    /// The running `regvault watch` of this vault, in one line (its state
    /// file, read every few seconds); `None` when none runs.
    pub watch_line: Option<String>,
    /// The colours of each role (theme file; `ctx.color` off ignores them).
    pub palette: crate::tui::theme::Palette,
    /// The last delete saved in this session: what `u` offers to undo.
    pub last_delete: Option<undo::Deleted>,
    /// An undo running in the runtime.
    pub undo_job: Option<JobId>,
    /// A reload of the vault from disk in flight (`update::reload`).
    pub reload: reload::ReloadState,
    pub quit: bool,
    /// The terminal's size (`None`: not known yet, taken as large enough).
    pub size: Option<size::TermSize>,
    /// Too small a terminal with unsaved edits: the quit key was pressed
    /// once (a second press quits and discards them).
    pub small_quit: bool,
    next_job: JobId,
    registry_cache: RowCache,
    container_cache: RowCache,
}

/// Lets a test compare what is on disk with the model's (shared) data.
impl PartialEq<Arc<VaultData>> for VaultData {
    fn eq(&self, other: &Arc<VaultData>) -> bool {
        self == &**other
    }
}

impl Model {
    pub fn new(ctx: Context, keymap: Keymap, data: Option<VaultData>, now: Timestamp) -> Self {
        Self::with_shared(ctx, keymap, data.map(Arc::new), now)
    }

    /// `new` with data the runtime also holds (one copy, not two).
    pub fn with_shared(
        ctx: Context,
        keymap: Keymap,
        data: Option<Arc<VaultData>>,
        now: Timestamp,
    ) -> Self {
        let screen = if data.is_some() {
            Screen::Registries
        } else {
            Screen::Init
        };
        let mut m = Self {
            ctx,
            keymap,
            now,
            data: data.unwrap_or_default(),
            screen,
            registries: ListState::default(),
            containers: ListState::default(),
            history_list: ListState::default(),
            history: history::History::default(),
            history_job: 0,
            form: None,
            modal: None,
            kube: crate::tui::apply::KubeContexts::default(),
            engines: crate::tui::apply::EngineTargets::default(),
            toasts: Toasts::default(),
            pending_save: None,
            list_probe: None,
            probe_timeout: crate::probe::DEFAULT_TOTAL_TIMEOUT,
            init_job: None,
            spinner: 0,
            helper: helper::HelperCache::default(),
            watch_line: None,
            palette: crate::tui::theme::Palette::DARK,
            last_delete: None,
            undo_job: None,
            reload: reload::ReloadState::default(),
            quit: false,
            size: None,
            small_quit: false,
            next_job: 1,
            registry_cache: RowCache::new(ListKind::Registries),
            container_cache: RowCache::new(ListKind::Containers),
        };
        m.refresh_rows();
        m
    }

    /// Replaces the data (after a save or a first run) and the rows cached
    /// from it.
    pub fn set_data(&mut self, data: Arc<VaultData>) {
        self.data = data;
        self.refresh_rows();
    }

    /// Brings the current screen's row cache up to date with the data, the
    /// clock, the filter and the sort; cheap when none changed. `update`
    /// calls it before and after each message.
    pub fn refresh_rows(&mut self) {
        match self.screen {
            Screen::Registries => {
                self.registry_cache
                    .refresh(&self.data, &self.registries, self.now);
            }
            Screen::Containers => {
                self.container_cache
                    .refresh(&self.data, &self.containers, self.now);
            }
            Screen::Init | Screen::History => {}
        }
    }

    /// The terminal is known to be too small for any layout: keys must not
    /// act on what is not on screen.
    pub fn too_small(&self) -> bool {
        self.size.is_some_and(size::TermSize::too_small)
    }

    /// The screen as the view lays it out (80×24 until the size is known):
    /// mouse clicks are hit-tested against `view::layout::layout(area, …)`.
    pub fn area(&self) -> ratatui::layout::Rect {
        let size = self.size.unwrap_or(size::TermSize::new(80, 24));
        ratatui::layout::Rect::new(0, 0, size.width, size.height)
    }

    /// Job ids count up from 1: deterministic, and never reused.
    pub fn next_job(&mut self) -> JobId {
        let id = self.next_job;
        self.next_job += 1;
        id
    }

    pub fn toast(&mut self, level: Level, text: impl Into<String>) {
        self.toasts.push(level, text, self.now);
    }

    /// Something runs that the user is waiting for (spinner shown).
    pub fn busy(&self) -> bool {
        self.pending_save.is_some()
            || self.list_probe.is_some()
            || self.init_job.is_some()
            || self.undo_job.is_some()
            || matches!(&self.modal, Some(Modal::Apply(d)) if d.job().is_some())
            || matches!(&self.modal, Some(Modal::Prune(d)) if d.job().is_some())
            || matches!(&self.modal, Some(Modal::Import(d)) if d.job.is_some())
            || self.form.as_ref().is_some_and(|f| {
                matches!(f.test, form::TestState::Running { .. }) || f.loading.is_some()
            })
    }

    /// The loop sends ticks only when they change something on screen.
    pub fn wants_tick(&self) -> bool {
        self.busy() || self.toasts.expiring()
    }

    /// Quitting now would lose something: form edits or a save in flight.
    pub fn has_unsaved(&self) -> bool {
        self.pending_save.is_some() || self.form.as_ref().is_some_and(|f| f.dirty)
    }

    /// Visible registry rows (indices into `data.registries`): the cache,
    /// or (when it is stale) the rows computed afresh.
    pub fn registry_rows(&self) -> Cow<'_, [usize]> {
        if self
            .registry_cache
            .is_fresh(&self.data, &self.registries, self.now)
        {
            Cow::Borrowed(self.registry_cache.rows())
        } else {
            Cow::Owned(list::registry_rows(&self.data, &self.registries, self.now))
        }
    }

    pub fn container_rows(&self) -> Cow<'_, [usize]> {
        if self
            .container_cache
            .is_fresh(&self.data, &self.containers, self.now)
        {
            Cow::Borrowed(self.container_cache.rows())
        } else {
            Cow::Owned(list::container_rows(&self.data, &self.containers))
        }
    }

    /// The widest cell per column of the registries (`None`: not cached
    /// for this data; the view then measures the rows on screen).
    pub fn registry_widths(&self) -> Option<&[u16]> {
        self.registry_cache.widths(&self.data)
    }

    pub fn container_widths(&self) -> Option<&[u16]> {
        self.container_cache.widths(&self.data)
    }

    /// How many containers use registry `i` (the USED BY column).
    pub fn used_by(&self, i: usize) -> usize {
        self.registry_cache
            .used_by(&self.data, i)
            .unwrap_or_else(|| {
                self.data
                    .containers_using(&self.data.registries[i].id)
                    .len()
            })
    }

    /// The registry container `i` pulls from, if it names one that exists.
    pub fn container_registry(&self, i: usize) -> Option<&crate::model::Registry> {
        if let Some(of) = self.container_cache.registry_of(&self.data, i) {
            of.map(|j| &self.data.registries[j])
        } else {
            let id = self.data.containers[i]
                .registry_config
                .registry_id
                .as_ref()?;
            self.data.registries.iter().find(|r| &r.id == id)
        }
    }

    pub fn selected_registry(&self) -> Option<&crate::model::Registry> {
        let i = *self.registry_rows().get(self.registries.selected)?;
        self.data.registries.get(i)
    }

    pub fn selected_container(&self) -> Option<&crate::model::Container> {
        let i = *self.container_rows().get(self.containers.selected)?;
        self.data.containers.get(i)
    }

    /// The list state of the current screen.
    pub fn list_mut(&mut self) -> &mut ListState {
        match self.screen {
            Screen::Containers => &mut self.containers,
            Screen::History => &mut self.history_list,
            _ => &mut self.registries,
        }
    }

    pub fn list(&self) -> &ListState {
        match self.screen {
            Screen::Containers => &self.containers,
            Screen::History => &self.history_list,
            _ => &self.registries,
        }
    }

    pub fn row_count(&self) -> usize {
        match self.screen {
            Screen::Containers => self.container_rows().len(),
            Screen::Registries => self.registry_rows().len(),
            Screen::History => self.history_rows().len(),
            Screen::Init => 0,
        }
    }

    /// The History screen's visible rows (indices into the loaded rows,
    /// newest last), through its filter.
    pub fn history_rows(&self) -> Vec<usize> {
        let filter = self.history_list.filter_text();
        self.history
            .rows()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.matches(filter))
            .map(|(i, _)| i)
            .collect()
    }

    /// A registry's own last `n` entries (its detail pane), oldest first.
    pub fn registry_history(&self, id: &RegistryId, n: usize) -> Vec<&history::HistoryRow> {
        let mut mine: Vec<_> = self
            .history
            .rows()
            .iter()
            .rev()
            .filter(|r| r.registry_id == id.as_str())
            .take(n)
            .collect();
        mine.reverse();
        mine
    }
}
