//! The vault changed on disk (another writer saved it) or `:reload`: reload
//! it and keep the user's place — screen, filter, sort and the selected
//! registry/container by id (its nearest neighbour when it was deleted).
//!
//! A form stays open: its save builds on the model's data, so once that
//! data is the reloaded one, saving changes only the record being edited
//! and keeps everything another writer changed (the merge is per record).
//! When that very record changed or was deleted on disk, both versions are
//! shown and the user chooses. A reload and a save never run at once, so a
//! save is always computed from the data it is written over.

use std::sync::Arc;

use super::form;
use crate::model::{Container, ContainerId, Registry, RegistryId, VaultData};
use crate::tui::effect::{Effect, JobId};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::msg::Reloaded;
use crate::tui::state::form::{FieldValue, Form, FormTarget};
use crate::tui::state::modal::Modal;
use crate::tui::state::reload::{CONFLICT_CHOICES, Conflict, ConflictRow, ReloadDialog};
use crate::tui::state::{Level, Model, Screen};
use crate::vault::VaultError;
use ratatui::crossterm::event::KeyEvent;

/// The loop's poll saw another version of the file.
pub(super) fn changed_on_disk(m: &mut Model) -> Vec<Effect> {
    // A reload that failed (a forged file, a trust change) is not retried
    // every poll: `:reload` retries it.
    if m.reload.failed || m.screen == Screen::Init {
        return Vec::new();
    }
    start(m, false)
}

/// `:reload`.
pub(super) fn command(m: &mut Model) -> Vec<Effect> {
    if m.screen == Screen::Init {
        m.toast(Level::Info, "there is no vault yet to reload");
        return Vec::new();
    }
    m.reload.failed = false;
    start(m, true)
}

/// A save failed because another writer saved first: reload, then save
/// the form again through the same path as any reload (or ask).
pub(super) fn after_lost_race(m: &mut Model) -> Vec<Effect> {
    m.reload.resave |= m.form.is_some();
    m.reload.failed = false;
    start(m, false)
}

fn start(m: &mut Model, forced: bool) -> Vec<Effect> {
    m.reload.forced |= forced;
    // One at a time, and never while a save is in flight: the save's data
    // was computed from the data before the reload. It runs once the save
    // has landed (`after_save`).
    if m.reload.job.is_some() || m.pending_save.is_some() {
        m.reload.wanted = true;
        return Vec::new();
    }
    m.reload.wanted = false;
    let job = m.next_job();
    m.reload.job = Some(job);
    vec![Effect::Reload { job }]
}

/// A save landed or failed: a reload asked for meanwhile starts now.
pub(super) fn after_save(m: &mut Model) -> Vec<Effect> {
    if m.reload.wanted && m.pending_save.is_none() {
        start(m, false)
    } else {
        Vec::new()
    }
}

/// Where the user is, by id, so a reload can put them back.
struct Place {
    registry: Option<RegistryId>,
    registry_pos: usize,
    container: Option<ContainerId>,
    container_pos: usize,
}

impl Place {
    fn of(m: &Model) -> Place {
        Place {
            registry: m.selected_registry().map(|r| r.id.clone()),
            registry_pos: m.registries.selected,
            container: m.selected_container().map(|c| c.id.clone()),
            container_pos: m.containers.selected,
        }
    }

    fn restore(&self, m: &mut Model) {
        let rows = m.registry_rows();
        let pos = self
            .registry
            .as_ref()
            .and_then(|id| rows.iter().position(|&i| &m.data.registries[i].id == id));
        let len = rows.len();
        m.registries.selected = pos.unwrap_or(self.registry_pos);
        m.registries.clamp(len);
        let rows = m.container_rows();
        let pos = self
            .container
            .as_ref()
            .and_then(|id| rows.iter().position(|&i| &m.data.containers[i].id == id));
        let len = rows.len();
        m.containers.selected = pos.unwrap_or(self.container_pos);
        m.containers.clamp(len);
    }
}

/// What a reload changed, counted by id over registries and containers.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Diff {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

impl Diff {
    pub(crate) fn between(old: &VaultData, new: &VaultData) -> Diff {
        let mut d = Diff::default();
        d.count(&old.registries, &new.registries, |r| &r.id);
        d.count(&old.containers, &new.containers, |c| &c.id);
        d
    }

    fn count<T: PartialEq, K: PartialEq>(&mut self, old: &[T], new: &[T], id: impl Fn(&T) -> &K) {
        for n in new {
            match old.iter().find(|o| id(o) == id(n)) {
                None => self.added += 1,
                Some(o) if o != n => self.changed += 1,
                Some(_) => {}
            }
        }
        self.removed += old
            .iter()
            .filter(|o| !new.iter().any(|n| id(n) == id(o)))
            .count();
    }

    fn is_empty(&self) -> bool {
        *self == Diff::default()
    }

    /// `2 added, 1 changed`.
    fn summary(&self) -> String {
        let parts: Vec<String> = [
            (self.added, "added"),
            (self.changed, "changed"),
            (self.removed, "removed"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "no registry or container changed".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

pub(super) fn reloaded(
    m: &mut Model,
    job: JobId,
    result: Result<Reloaded, VaultError>,
) -> Vec<Effect> {
    if m.reload.job != Some(job) {
        return Vec::new();
    }
    m.reload.job = None;
    let (forced, resave) = (
        std::mem::take(&mut m.reload.forced),
        std::mem::take(&mut m.reload.resave),
    );
    let reloaded = match result {
        Ok(r) => r,
        Err(e) => {
            m.reload.failed = true;
            if let Some(f) = &mut m.form {
                f.saving = None;
                f.error = Some(format!("not saved: the vault could not be reloaded: {e}"));
            }
            m.toast(
                Level::Error,
                format!("the vault changed on disk and could not be reloaded (:reload to try again): {e}"),
            );
            return Vec::new();
        }
    };
    let old = Arc::clone(&m.data);
    let place = Place::of(m);
    m.set_data(reloaded.data);
    place.restore(m);
    let diff = Diff::between(&old, &m.data);
    if !diff.is_empty() || forced {
        let by = reloaded
            .by
            .map(|w| format!(" (by {w})"))
            .unwrap_or_default();
        m.toast(
            Level::Info,
            format!("vault reloaded: {}{by}", diff.summary()),
        );
    }
    let mut effects = vec![super::load_history(m)];
    let conflict = m.form.as_ref().and_then(|f| conflict(&old, &m.data, f));
    match conflict {
        Some(c) => {
            if let Some(f) = &mut m.form {
                f.saving = None;
            }
            m.modal = Some(Modal::Reload(Box::new(ReloadDialog::Conflict(c))));
        }
        None if resave && m.form.is_some() && m.modal.is_none() => {
            effects.extend(form::save(m));
        }
        None => {}
    }
    effects.extend(after_save(m));
    effects
}

/// What a user edits of a registry: a new test result or ECR token
/// recorded by another writer does not make their edit a conflict.
fn editable_registry(r: &Registry) -> Registry {
    let mut r = r.clone();
    r.last_test = None;
    r.ecr_token = None;
    r.updated_at = jiff::Timestamp::UNIX_EPOCH;
    r
}

fn editable_container(c: &Container) -> Container {
    let mut c = c.clone();
    c.updated_at = jiff::Timestamp::UNIX_EPOCH;
    c
}

/// The edited record changed (or went) between `old` and `new`: both
/// versions, field by field, secrets masked.
fn conflict(old: &VaultData, new: &VaultData, form: &Form) -> Option<Conflict> {
    let (what, theirs) = match &form.target {
        FormTarget::EditRegistry(id) => {
            let before = old.registries.iter().find(|r| &r.id == id)?;
            let now = new.registries.iter().find(|r| &r.id == id);
            if now.is_some_and(|n| editable_registry(n) == editable_registry(before)) {
                return None;
            }
            let what = format!("registry '{}'", crate::model::escape(&before.name));
            (what, now.map(Form::edit_registry))
        }
        FormTarget::EditContainer(id) => {
            let before = old.containers.iter().find(|c| &c.id == id)?;
            let now = new.containers.iter().find(|c| &c.id == id);
            if now.is_some_and(|n| editable_container(n) == editable_container(before)) {
                return None;
            }
            let what = format!("container '{}'", crate::model::escape(&before.name));
            (what, now.map(|c| Form::edit_container(c, new)))
        }
        FormTarget::NewRegistry | FormTarget::NewContainer => return None,
    };
    let deleted = theirs.is_none();
    let rows = form
        .fields
        .iter()
        // The test image is never saved: nothing on disk to compare.
        .filter(|f| f.key != crate::tui::state::form::FieldKey::TestImage)
        .map(|mine| {
            let other = theirs
                .as_ref()
                .and_then(|t| t.fields.iter().find(|f| f.label == mine.label));
            let (a, b) = (shown(mine), other.map(shown).unwrap_or_default());
            let (mine_text, theirs_text) = if mine.secret {
                let same = other.is_some_and(|o| o.text_value() == mine.text_value());
                let mark = if same {
                    "•••• (same)"
                } else {
                    "•••• (differs)"
                };
                (
                    mark.to_owned(),
                    if other.is_some() {
                        mark.to_owned()
                    } else {
                        String::new()
                    },
                )
            } else {
                (a, b)
            };
            ConflictRow {
                label: mine.label.to_owned(),
                mine: mine_text,
                theirs: if deleted {
                    "—".to_owned()
                } else {
                    theirs_text
                },
            }
        })
        .collect();
    Some(Conflict {
        what,
        deleted,
        rows,
        choice: 0,
    })
}

/// A non-secret field's value as one line (a CA bundle: its first line).
fn shown(f: &crate::tui::state::form::Field) -> String {
    let text = match &f.value {
        FieldValue::Choice { options, selected } => {
            options.get(*selected).cloned().unwrap_or_default()
        }
        _ => f.text_value().lines().next().unwrap_or("").to_owned(),
    };
    crate::model::escape(&text).into_owned()
}

pub(super) fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let contexts: &[KeyContext] = match &m.modal {
        Some(Modal::Reload(d)) if matches!(**d, ReloadDialog::Stale(_)) => {
            &[KeyContext::Question, KeyContext::Dialog]
        }
        _ => &[KeyContext::Dialog],
    };
    match m.keymap.action_in(contexts, &key) {
        Some(action) => on_action(m, action),
        None => Vec::new(),
    }
}

pub(super) fn on_action(m: &mut Model, action: Action) -> Vec<Effect> {
    let Some(Modal::Reload(dialog)) = m.modal.take() else {
        return Vec::new();
    };
    match *dialog {
        ReloadDialog::Conflict(c) => conflict_action(m, c, action),
        ReloadDialog::Stale(q) => super::stale::answer(m, q, action),
    }
}

fn conflict_action(m: &mut Model, mut c: Conflict, action: Action) -> Vec<Effect> {
    match action {
        Action::MoveUp => c.choice = c.choice.saturating_sub(1),
        Action::MoveDown => c.choice = (c.choice + 1).min(CONFLICT_CHOICES.len() - 1),
        // Esc: back to the form, as the first choice.
        Action::Back | Action::Quit => return Vec::new(),
        Action::Confirm | Action::Open => return choose(m, &c),
        _ => {}
    }
    m.modal = Some(Modal::Reload(Box::new(ReloadDialog::Conflict(c))));
    Vec::new()
}

fn choose(m: &mut Model, c: &Conflict) -> Vec<Effect> {
    match c.choice {
        // Keep mine: the form's values over the version on disk (the data
        // is the reloaded one); a deleted record is added back as new.
        1 => {
            if c.deleted
                && let Some(f) = &mut m.form
            {
                f.target = match f.target {
                    FormTarget::EditContainer(_) | FormTarget::NewContainer => {
                        FormTarget::NewContainer
                    }
                    _ => FormTarget::NewRegistry,
                };
            }
            form::save(m)
        }
        2 => {
            m.toast(Level::Info, format!("kept the {} as saved on disk", c.what));
            form::close(m)
        }
        _ => Vec::new(),
    }
}
