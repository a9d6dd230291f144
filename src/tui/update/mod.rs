//! `update(&mut Model, Msg) -> Vec<Effect>`: every state change of the TUI.
//! Pure — no I/O, no clock, no randomness beyond what the domain's id
//! generator does — so every action is unit-tested without a terminal.
//!
//! This file routes keys to the part of the screen that has focus and owns
//! the list screens and job results; `form` owns the add/edit forms and
//! `dialog` the modal dialogs (delete confirmations, help, command line).

mod apply;
pub(crate) mod command;
mod copy;
mod dialog;
mod form;
mod helper;
mod import;
mod keep;
mod mouse;
mod probe;
mod prune;
mod reload;
mod size;
mod stale;
mod undo;
pub(crate) use apply::service_outcome;

#[cfg(test)]
mod apply_fleet_tests;
#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod copy_tests;
#[cfg(test)]
mod delete_tests;
#[cfg(test)]
mod form_hosts_tests;
#[cfg(test)]
mod form_tests;
#[cfg(test)]
mod import_tests;
#[cfg(test)]
mod keep_tests;
#[cfg(test)]
mod keymap_tests;
#[cfg(test)]
mod list_tests;
#[cfg(test)]
mod mouse_tests;
#[cfg(test)]
mod probe_panel_tests;
#[cfg(test)]
mod probe_tests;
#[cfg(test)]
mod prune_tests;
#[cfg(test)]
mod reload_tests;
#[cfg(test)]
mod size_tests;
#[cfg(test)]
mod toast_tests;
#[cfg(test)]
mod undo_tests;

#[cfg(test)]
pub(crate) use apply_tests::{compose_at_confirm, swarm_at_confirm};
#[cfg(test)]
pub(crate) use import_tests::previewed as import_previewed;
#[cfg(test)]
pub(crate) use prune_tests::offered as prune_offered;

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::backend::crossterm::to_input_request;

use super::effect::{Effect, JobId};
use super::keymap::{Action, KeyContext};
use super::msg::Msg;
use super::state::form::Form;
use super::state::history::History;
use super::state::modal::Modal;
use super::state::{Level, Model, PendingSave, Screen};
use crate::registry::RegistryKind;

pub fn update(m: &mut Model, msg: Msg) -> Vec<Effect> {
    m.toasts.prune(m.now);
    // The clock moved since the last message: ages in the rows may read
    // differently. Then, after the message, the filter, sort or screen.
    m.refresh_rows();
    let anchor = keep::Anchor::take(m);
    let mut effects = route(m, msg);
    m.refresh_rows();
    anchor.restore(m);
    effects.extend(helper::due(m));
    effects
}

fn on_history(m: &mut Model, job: JobId, history: History) -> Vec<Effect> {
    if job < m.history_job {
        return Vec::new();
    }
    let at_end = m.history_list.selected + 1 >= m.history.rows().len();
    m.history = history;
    // Newest last: follow the end unless the user moved up.
    if at_end {
        m.history_list.selected = m.history.rows().len().saturating_sub(1);
    }
    let len = m.history_rows().len();
    m.history_list.clamp(len);
    Vec::new()
}

fn show_history(m: &mut Model) -> Vec<Effect> {
    m.screen = Screen::History;
    vec![load_history(m)]
}

/// Reads the log again; only the newest read is shown (reads run in
/// parallel and may land out of order).
pub(super) fn load_history(m: &mut Model) -> Effect {
    let job = m.next_job();
    m.history_job = job;
    Effect::LoadHistory { job }
}

fn route(m: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if m.too_small() => size::key_when_too_small(m, &key),
        Msg::Key(key) => on_key(m, key),
        Msg::Paste(_) if m.too_small() => Vec::new(),
        Msg::Paste(text) => form::paste(m, text.expose()),
        Msg::Action(action) => on_action(m, action),
        Msg::Tick => {
            m.spinner = m.spinner.wrapping_add(1);
            Vec::new()
        }
        Msg::Redraw => Vec::new(),
        Msg::Mouse(event) => mouse::on_mouse(m, event),
        Msg::Resized { width, height } => size::resized(m, width, height),
        Msg::ProbeDone {
            job,
            report,
            recorded,
        } => probe::done(m, job, report, recorded),
        Msg::ProbeFailed { job, error } => probe::failed(m, job, &error),
        Msg::VaultSaved { job } => {
            let mut e = on_saved(m, job);
            e.push(load_history(m));
            e
        }
        Msg::HistoryLoaded { job, history } => on_history(m, job, history),
        Msg::SaveFailed { job, error } => on_save_failed(m, job, &error),
        Msg::VaultUpdated { data } => {
            let mut e = on_vault_updated(m, data);
            e.push(load_history(m));
            e
        }
        Msg::FileLoaded { job, field, result } => form::file_loaded(m, job, field, result),
        Msg::VaultCreated { job, result } => on_vault_created(m, job, result),
        Msg::ApplyPlanned { job, result } => apply::planned(m, job, result),
        Msg::ApplyProgress {
            job,
            context,
            report,
        } => apply::progress(m, job, context, report),
        Msg::ApplyFinished { job, result } => apply::finished(m, job, result),
        Msg::PruneProgress { job, secret } => prune::progress(m, job, secret),
        Msg::PruneDone { job, result } => prune::done(m, job, result),
        Msg::SwarmPlanned { job, result } => apply::swarm_planned(m, job, result),
        Msg::SwarmProgress { job, result } => apply::swarm_progress(m, job, result),
        Msg::SwarmFinished { job, result } => apply::swarm_finished(m, job, &result),
        Msg::ComposePlanned { job, result } => apply::compose_planned(m, job, result),
        Msg::ComposeApplied { job, result } => apply::compose_applied(m, job, result),
        Msg::ImportRead { job, result } => import::read(m, job, result),
        Msg::Terminate => quit_now(m),
        Msg::Undone { job, result } => undo::done(m, job, result),
        Msg::VaultChangedOnDisk => reload::changed_on_disk(m),
        Msg::VaultReloaded { job, result } => reload::reloaded(m, job, result),
        Msg::HelperChecked { job, status } => {
            helper::checked(m, job, *status);
            Vec::new()
        }
    }
}

/// A key that types a character (no Ctrl/Alt): text fields take these
/// before any binding, so `q` in a name field is a `q`.
pub(super) fn is_typing(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// Feeds a key to a text input; `true` when the value changed.
pub(super) fn edit_input(input: &mut tui_input::Input, key: KeyEvent) -> bool {
    to_input_request(&Event::Key(key))
        .and_then(|req| input.handle(req))
        .is_some_and(|changed| changed.value)
}

fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    // Ctrl-Z works wherever it does not type: in a form by the form's
    // binding, everywhere else by the list's.
    let here = if m.form.is_some() && m.modal.is_none() {
        KeyContext::Form
    } else {
        KeyContext::List
    };
    if !is_typing(&key) && m.keymap.action(here, &key) == Some(Action::Suspend) {
        return vec![Effect::Suspend];
    }
    if matches!(m.modal, Some(Modal::Test(_))) {
        return probe::on_key(m, key);
    }
    if matches!(m.modal, Some(Modal::Apply(_))) {
        return apply::on_key(m, key);
    }
    if matches!(m.modal, Some(Modal::Prune(_))) {
        return prune::on_key(m, key);
    }
    if matches!(m.modal, Some(Modal::Import(_))) {
        return import::on_key(m, key);
    }
    if matches!(m.modal, Some(Modal::Reload(_))) {
        return reload::on_key(m, key);
    }
    if m.modal.is_some() {
        return dialog::on_key(m, key);
    }
    if m.form.is_some() {
        return form::on_key(m, key);
    }
    if m.list().filtering && m.screen != Screen::Init {
        return filter_key(m, key);
    }
    // The first-run screen reads the list's keys: Enter creates, q quits.
    match m.keymap.action(KeyContext::List, &key) {
        Some(action) => on_action(m, action),
        None => Vec::new(),
    }
}

/// Runs an action in whatever has focus.
pub fn on_action(m: &mut Model, action: Action) -> Vec<Effect> {
    if action.writes() && m.ctx.read_only {
        m.toast(Level::Error, "read-only mode: the vault cannot be changed");
        return Vec::new();
    }
    if matches!(m.modal, Some(Modal::Test(_))) {
        return probe::on_action(m, action);
    }
    if matches!(m.modal, Some(Modal::Apply(_))) {
        return apply::on_action(m, action);
    }
    if matches!(m.modal, Some(Modal::Prune(_))) {
        return prune::on_action(m, action);
    }
    if matches!(m.modal, Some(Modal::Import(_))) {
        return import::on_action(m, action);
    }
    if matches!(m.modal, Some(Modal::Reload(_))) {
        return reload::on_action(m, action);
    }
    if m.modal.is_some() {
        return dialog::on_action(m, action);
    }
    if m.form.is_some() {
        return form::on_action(m, action);
    }
    if m.screen == Screen::Init {
        return match action {
            Action::Confirm | Action::Open => start_init(m),
            Action::Quit | Action::Back => quit_now(m),
            _ => Vec::new(),
        };
    }
    list_action(m, action)
}

fn list_action(m: &mut Model, action: Action) -> Vec<Effect> {
    let len = m.row_count();
    // The history is read-only and in log order: nothing to add, edit,
    // delete, test, apply or sort there.
    if m.screen == Screen::History
        && matches!(
            action,
            Action::Add
                | Action::Edit
                | Action::Open
                | Action::Delete
                | Action::TestConnection
                | Action::Apply
                | Action::CycleSort
                | Action::ReverseSort
        )
    {
        return Vec::new();
    }
    match action {
        Action::MoveUp => m.list_mut().move_by(-1, len),
        Action::MoveDown => m.list_mut().move_by(1, len),
        Action::PageUp => m.list_mut().move_by(-10, len),
        Action::PageDown => m.list_mut().move_by(10, len),
        Action::First => m.list_mut().selected = 0,
        Action::Last => m.list_mut().selected = len.saturating_sub(1),
        Action::Open | Action::Edit if m.ctx.read_only => {
            m.toast(
                Level::Info,
                "read-only mode: details are shown below the list",
            );
        }
        Action::Open | Action::Edit => open_edit(m),
        Action::Add => {
            m.form = Some(match m.screen {
                Screen::Containers => Form::new_container(&m.data),
                _ => Form::new_registry(RegistryKind::Ghcr),
            });
        }
        Action::Delete => return dialog::start_delete(m),
        Action::TestConnection => return probe::test_selected(m),
        Action::Filter => m.list_mut().filtering = true,
        Action::CycleSort => {
            let cols = match m.screen {
                Screen::Containers => super::state::list::CONTAINER_COLUMNS.len(),
                _ => super::state::list::REGISTRY_COLUMNS.len(),
            };
            let list = m.list_mut();
            list.sort = (list.sort + 1) % cols;
        }
        Action::ReverseSort => m.list_mut().descending ^= true,
        Action::ShowRegistries => m.screen = Screen::Registries,
        Action::ShowContainers => m.screen = Screen::Containers,
        Action::ShowHistory => return show_history(m),
        Action::NextView => match m.screen {
            Screen::Registries => m.screen = Screen::Containers,
            Screen::Containers => return show_history(m),
            _ => m.screen = Screen::Registries,
        },
        Action::Help => m.modal = Some(Modal::Help { scroll: 0 }),
        Action::CommandLine => {
            m.modal = Some(Modal::Command {
                input: tui_input::Input::default(),
                tab: None,
            });
        }
        Action::Quit => return quit(m),
        Action::Back => return back_in_list(m),
        Action::Apply => return apply::open(m),
        Action::Import => {
            return import::open(m, crate::ops::import::read::Source::DockerConfig(None));
        }
        Action::Dismiss => {
            m.toasts.dismiss();
        }
        Action::Messages => m.modal = Some(Modal::Messages { scroll: 0 }),
        Action::CopyId => return copy::copy(m, copy::What::Id),
        Action::CopyHost => return copy::copy(m, copy::What::Host),
        Action::Suspend => return vec![Effect::Suspend],
        Action::Undo => return undo::offer(m),
        Action::NextField
        | Action::PrevField
        | Action::Save
        | Action::RevealSecret
        | Action::LoadFile
        | Action::Confirm
        | Action::Yes
        | Action::No
        | Action::Toggle
        | Action::NextContext
        | Action::AllContexts
        | Action::Complete => {}
    }
    Vec::new()
}

fn open_edit(m: &mut Model) {
    let form = match m.screen {
        Screen::Containers => m
            .selected_container()
            .map(|c| Form::edit_container(c, &m.data)),
        _ => m.selected_registry().map(Form::edit_registry),
    };
    match form {
        Some(f) => m.form = Some(f),
        None => m.toast(Level::Info, "nothing selected"),
    }
}

/// Esc in a list: cancel a running test, else dismiss an error shown,
/// else clear the filter.
fn back_in_list(m: &mut Model) -> Vec<Effect> {
    if let Some(probe) = m.list_probe.take() {
        m.toast(Level::Info, "test cancelled");
        return vec![Effect::Cancel { job: probe.job }];
    }
    if m.toasts.error_showing() {
        m.toasts.dismiss();
        return Vec::new();
    }
    let list = m.list_mut();
    list.filter = tui_input::Input::default();
    list.selected = 0;
    Vec::new()
}

/// Typing into the filter: printable keys are text; of the list's actions
/// only Open (keep the filter) and Back (clear it) end it, other keys edit.
fn filter_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let action = if is_typing(&key) {
        None
    } else {
        m.keymap.action(KeyContext::List, &key)
    };
    let list = m.list_mut();
    match action {
        Some(Action::Open | Action::Confirm) => list.filtering = false,
        Some(Action::Back) => {
            list.filtering = false;
            list.filter = tui_input::Input::default();
        }
        _ => {
            if edit_input(&mut list.filter, key) {
                list.selected = 0;
            }
        }
    }
    Vec::new()
}

/// `q`: leave, unless that would lose something — then ask.
pub(super) fn quit(m: &mut Model) -> Vec<Effect> {
    if m.has_unsaved() {
        m.modal = Some(Modal::ConfirmQuit);
        Vec::new()
    } else {
        quit_now(m)
    }
}

pub(super) fn quit_now(m: &mut Model) -> Vec<Effect> {
    m.quit = true;
    vec![Effect::Quit]
}

fn start_init(m: &mut Model) -> Vec<Effect> {
    if m.init_job.is_some() {
        return Vec::new();
    }
    let job = m.next_job();
    m.init_job = Some(job);
    vec![Effect::InitVault { job }]
}

fn on_vault_created(
    m: &mut Model,
    job: JobId,
    result: Result<crate::model::VaultData, crate::vault::VaultError>,
) -> Vec<Effect> {
    if m.init_job != Some(job) {
        return Vec::new();
    }
    m.init_job = None;
    match result {
        Ok(data) => {
            m.screen = Screen::Registries;
            m.set_data(std::sync::Arc::new(data));
            let text = format!("created the vault {}", m.ctx.vault_path);
            m.toast(Level::Success, text);
        }
        Err(e) => m.toast(Level::Error, format!("could not create the vault: {e}")),
    }
    Vec::new()
}

/// An operation recorded something (a test result, an ECR token) and
/// saved: that is the data now. An edit in a form is kept as it is.
fn on_vault_updated(m: &mut Model, data: std::sync::Arc<crate::model::VaultData>) -> Vec<Effect> {
    m.set_data(data);
    let len = m.row_count();
    m.list_mut().clamp(len);
    Vec::new()
}

/// Starts saving `data`; it becomes the model's data once on disk.
pub(super) fn begin_save(
    m: &mut Model,
    data: crate::model::VaultData,
    done_toast: String,
    close_form: bool,
    select: Option<String>,
) -> Vec<Effect> {
    // Data computed before a reload lands must not be written over it.
    if m.reload.job.is_some() {
        m.toast(
            Level::Info,
            "the vault is being reloaded from disk: try again in a moment",
        );
        return Vec::new();
    }
    let job = m.next_job();
    let data = std::sync::Arc::new(data);
    m.pending_save = Some(PendingSave {
        job,
        data: data.clone(),
        done_toast,
        close_form,
        select,
        offer_prune: None,
    });
    vec![Effect::Save {
        job,
        data,
        imported_from: None,
    }]
}

fn on_saved(m: &mut Model, job: JobId) -> Vec<Effect> {
    let Some(save) = m.pending_save.take_if(|p| p.job == job) else {
        return Vec::new();
    };
    // A save that removed one record is a delete: `u` can undo it.
    if let Some(deleted) = super::state::undo::deleted_between(&m.data, &save.data) {
        m.last_delete = Some(deleted);
    }
    let before = std::sync::Arc::clone(&m.data);
    m.set_data(save.data);
    if save.close_form {
        m.form = None;
    }
    if !save.done_toast.is_empty() {
        m.toast(Level::Success, save.done_toast);
    }
    if let Some(name) = save.select {
        select_by_name(m, &name);
    }
    let len = m.row_count();
    m.list_mut().clamp(len);
    if let Some((id, name)) = save.offer_prune {
        prune::offer(m, id, name);
    }
    let mut effects = stale::after_save(m, &before);
    effects.extend(reload::after_save(m));
    effects
}

fn select_by_name(m: &mut Model, name: &str) {
    let pos = match m.screen {
        Screen::Containers => m
            .container_rows()
            .iter()
            .position(|&i| m.data.containers[i].name == name),
        _ => m
            .registry_rows()
            .iter()
            .position(|&i| m.data.registries[i].name == name),
    };
    if let Some(pos) = pos {
        m.list_mut().selected = pos;
    }
}

fn on_save_failed(m: &mut Model, job: JobId, error: &crate::vault::VaultError) -> Vec<Effect> {
    if m.pending_save.take_if(|p| p.job == job).is_none() {
        return Vec::new();
    }
    // Another writer saved first: reload and go through the reload's path
    // (save again, or show both versions) instead of a dead end.
    if matches!(error, crate::vault::VaultError::ChangedOnDisk) {
        let text = if m.form.is_some() {
            "the vault changed on disk: reloading it, then saving the form onto it"
        } else {
            "the vault changed on disk: nothing was saved; reloading it — then try again"
        };
        m.toast(Level::Info, text);
        return reload::after_lost_race(m);
    }
    let error = error.to_string();
    // The form keeps every value: fix the cause and press save again.
    if let Some(form) = &mut m.form {
        form.saving = None;
        form.error = Some(format!("not saved: {error}"));
    }
    m.toast(Level::Error, format!("save failed: {error}"));
    reload::after_save(m)
}
