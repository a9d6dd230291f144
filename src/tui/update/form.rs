//! The add/edit forms: typing, focus, the type and registry dropdowns,
//! reveal, paste and file load, Test Connection and save.

use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{begin_save, edit_input, is_typing, quit};
use crate::model::{ContainerSpec, NewRegistry, RegistryUpdate};
use crate::registry::RegistryKind;
use crate::secret::SecretValue;
use crate::tui::effect::{Effect, JobId};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::msg::KeyFileError;
use crate::tui::state::form::{FieldKey, FieldValue, Form, FormTarget, TestState};
use crate::tui::state::modal::Modal;
use crate::tui::state::{Level, Model};

/// Only called with a form open.
fn form(m: &mut Model) -> &mut Form {
    m.form.as_mut().expect("a form is open")
}

pub(super) fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if form(m).dropdown.is_some() {
        return match m.keymap.action(KeyContext::Dialog, &key) {
            Some(action) => on_action(m, action),
            None => Vec::new(),
        };
    }
    let is_text = !matches!(form(m).focused().value, FieldValue::Choice { .. });
    if is_text && is_typing(&key) {
        type_key(m, key);
        return Vec::new();
    }
    if let Some(action) = m.keymap.action(KeyContext::Form, &key) {
        return super::on_action(m, action);
    }
    if is_text {
        type_key(m, key);
    } else {
        // A closed dropdown still cycles with ←/→, as a spin box would.
        match key.code {
            KeyCode::Left => step_choice(m, -1),
            KeyCode::Right => step_choice(m, 1),
            KeyCode::Char(' ') => open_dropdown(m),
            _ => {}
        }
    }
    Vec::new()
}

/// A key for the focused text field.
fn type_key(m: &mut Model, key: KeyEvent) {
    let f = form(m);
    if f.saving.is_some() {
        return;
    }
    let changed = match &mut f.focused_mut().value {
        FieldValue::Text(input) => edit_input(input, key),
        FieldValue::Multi(text) => match key.code {
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                text.clear();
                true
            }
            KeyCode::Char(c) if is_typing(&key) => {
                text.push(c);
                true
            }
            KeyCode::Backspace => text.pop().is_some(),
            _ => false,
        },
        FieldValue::Choice { .. } => false,
    };
    if changed {
        let data = &m.data;
        m.form.as_mut().expect("form").edited(data);
    }
}

pub(super) fn on_action(m: &mut Model, action: Action) -> Vec<Effect> {
    if form(m).dropdown.is_some() {
        dropdown_action(m, action);
        return Vec::new();
    }
    match action {
        Action::NextField | Action::MoveDown => move_focus(m, 1),
        Action::PrevField | Action::MoveUp => move_focus(m, -1),
        Action::Open | Action::Confirm => open_focused(m),
        Action::Save => return save(m),
        Action::TestConnection => return start_test(m),
        Action::RevealSecret => {
            let f = form(m);
            let target = f.target.clone();
            let field = f.focused_mut();
            if field.secret {
                field.revealed = !field.revealed;
                // Showing a stored secret is a read the log keeps; what
                // the user is typing into a new form is not stored yet.
                if field.revealed
                    && let FormTarget::EditRegistry(id) = target
                {
                    return vec![Effect::Reveal {
                        registry: id,
                        field: field.label,
                    }];
                }
            }
        }
        Action::LoadFile => return load_file(m),
        Action::Back => return back(m),
        Action::Help => m.modal = Some(Modal::Help { scroll: 0 }),
        Action::Quit => return quit(m),
        _ => {}
    }
    Vec::new()
}

fn move_focus(m: &mut Model, delta: isize) {
    let f = form(m);
    // Leaving a revealed secret hides it again: reveal is for one look.
    f.focused_mut().revealed = false;
    f.normalize_focused();
    // A form has a handful of fields: the signed casts cannot wrap.
    let n = f.fields.len().cast_signed();
    f.focus = (f.focus.cast_signed() + delta)
        .rem_euclid(n)
        .cast_unsigned();
}

/// Enter: opens a dropdown, adds a line to a multi-line field, else moves on.
fn open_focused(m: &mut Model) {
    match form(m).focused().value {
        FieldValue::Choice { .. } => open_dropdown(m),
        FieldValue::Multi(_) => type_key(m, KeyEvent::new(KeyCode::Char('\n'), KeyModifiers::NONE)),
        FieldValue::Text(_) => move_focus(m, 1),
    }
}

fn open_dropdown(m: &mut Model) {
    let f = form(m);
    f.dropdown = Some(f.focused().selected());
}

fn dropdown_action(m: &mut Model, action: Action) {
    let f = form(m);
    let n = match &f.focused().value {
        FieldValue::Choice { options, .. } => options.len(),
        _ => 0,
    };
    let Some(hi) = f.dropdown else { return };
    match action {
        Action::MoveUp => f.dropdown = Some(hi.saturating_sub(1)),
        Action::MoveDown => f.dropdown = Some((hi + 1).min(n.saturating_sub(1))),
        Action::Confirm | Action::Open => {
            f.dropdown = None;
            choose(m, hi);
        }
        Action::Back => f.dropdown = None,
        Action::Quit => {
            f.dropdown = None;
        }
        _ => {}
    }
}

fn step_choice(m: &mut Model, delta: isize) {
    let f = form(m);
    if let FieldValue::Choice { options, selected } = &f.focused().value {
        // A dropdown has a handful of options: the signed casts cannot wrap.
        let n = options.len().cast_signed();
        let next = (selected.cast_signed() + delta)
            .rem_euclid(n)
            .cast_unsigned();
        choose(m, next);
    }
}

/// Picks option `i` of the focused dropdown. Choosing a registry kind
/// rebuilds the credential fields from that kind's schema at once.
fn choose(m: &mut Model, i: usize) {
    let f = form(m);
    let key = f.focused().key;
    let changed = match &mut f.focused_mut().value {
        FieldValue::Choice { selected, .. } if *selected != i => {
            *selected = i;
            true
        }
        _ => false,
    };
    if !changed {
        return;
    }
    if key == FieldKey::Kind {
        f.set_kind(RegistryKind::ALL[i]);
        f.fields[0].touched = true;
        if let Some(f) = m.form.as_mut() {
            f.refresh_same_host(&m.data);
        }
    } else if key == FieldKey::Registry {
        if let Some(f) = m.form.as_mut() {
            f.dirty = true;
            f.registry_chosen(&m.data);
        }
    } else if key == FieldKey::Insecure {
        // What an http:// url may be changed; a finished test is stale.
        if let Some(f) = m.form.as_mut() {
            f.edited(&m.data);
            f.revalidate_credentials(&m.data);
        }
    } else {
        f.dirty = true;
    }
}

fn back(m: &mut Model) -> Vec<Effect> {
    let f = form(m);
    if let TestState::Running { job, .. } = f.test {
        f.test = TestState::Idle;
        return vec![Effect::Cancel { job }];
    }
    if f.dirty {
        m.modal = Some(Modal::ConfirmDiscard);
        return Vec::new();
    }
    close(m)
}

/// Closes the form, cancelling its jobs (their late answers are dropped).
pub(super) fn close(m: &mut Model) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some(f) = m.form.take() {
        if let TestState::Running { job, .. } = f.test {
            effects.push(Effect::Cancel { job });
        }
        if let Some(job) = f.loading {
            effects.push(Effect::Cancel { job });
        }
    }
    effects
}

fn start_test(m: &mut Model) -> Vec<Effect> {
    let Some(kind) = form(m).kind() else {
        m.toast(Level::Info, "Test Connection is for registries");
        return Vec::new();
    };
    // Ctrl-T again while it runs stops it (as Esc does).
    if let TestState::Running { job, .. } = form(m).test {
        form(m).test = TestState::Idle;
        m.toast(Level::Info, "test cancelled");
        return vec![Effect::Cancel { job }];
    }
    let job = m.next_job();
    let started = m.now;
    let f = form(m);
    f.test = TestState::Running { job, started };
    // Values not saved yet: checked, not recorded.
    vec![Effect::RunProbe {
        job,
        kind,
        credentials: f.credentials(),
        record: None,
        connection: f.connection(),
        image: f.test_image(),
    }]
}

fn load_file(m: &mut Model) -> Vec<Effect> {
    let f = form(m);
    if !matches!(f.focused().value, FieldValue::Multi(_)) {
        m.toast(Level::Info, "only a key-file field loads from a file");
        return Vec::new();
    }
    let typed = f.focused().text_value().trim().to_owned();
    if typed.is_empty() || typed.contains('\n') {
        m.toast(
            Level::Info,
            "type the key file's path in the field, then load it",
        );
        return Vec::new();
    }
    let path = match typed.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map_or_else(|| PathBuf::from(&typed), |h| PathBuf::from(h).join(rest)),
        None => PathBuf::from(&typed),
    };
    let job = m.next_job();
    let f = form(m);
    f.loading = Some(job);
    vec![Effect::LoadFile {
        job,
        field: f.focus,
        path,
    }]
}

pub(super) fn file_loaded(
    m: &mut Model,
    job: JobId,
    field: usize,
    result: Result<SecretValue, KeyFileError>,
) -> Vec<Effect> {
    let Some(f) = m.form.as_mut().filter(|f| f.loading == Some(job)) else {
        return Vec::new();
    };
    f.loading = None;
    match result {
        Ok(text) => {
            if let Some(FieldValue::Multi(value)) = f.fields.get_mut(field).map(|x| &mut x.value) {
                text.expose().clone_into(value);
            }
            let focus = std::mem::replace(&mut f.focus, field);
            f.edited(&m.data);
            f.focus = focus;
            m.toast(Level::Success, "file loaded");
        }
        Err(e) => m.toast(Level::Error, e.to_string()),
    }
    Vec::new()
}

/// A bracketed paste goes to whatever takes text: a multi-line field gets
/// it whole; a one-line field loses the trailing newline a copy often adds.
pub(super) fn paste(m: &mut Model, text: &str) -> Vec<Effect> {
    let one_line = text.trim_end_matches(['\r', '\n']);
    let insert = |input: &mut tui_input::Input| {
        for c in one_line.chars() {
            input.handle(tui_input::InputRequest::InsertChar(c));
        }
    };
    match (&mut m.modal, &mut m.form) {
        (Some(Modal::ConfirmDelete { typed, .. } | Modal::Command { input: typed, .. }), _) => {
            insert(typed);
        }
        (None, Some(f)) if f.dropdown.is_none() && f.saving.is_none() => {
            match &mut f.focused_mut().value {
                FieldValue::Multi(value) => value.push_str(&text.replace("\r\n", "\n")),
                FieldValue::Text(input) => insert(input),
                FieldValue::Choice { .. } => return Vec::new(),
            }
            f.edited(&m.data);
        }
        (Some(_), _) | (None, Some(_)) => {}
        (None, None) => {
            let list = m.list_mut();
            if list.filtering {
                insert(&mut list.filter);
            }
        }
    }
    Vec::new()
}

/// Ctrl-S: check the fields, apply the platform's rules to a copy of the
/// data and hand that copy to the runtime. The form stays open until the
/// save lands, so a failed save loses nothing.
pub(super) fn save(m: &mut Model) -> Vec<Effect> {
    if m.pending_save.is_some() {
        m.toast(Level::Info, "still saving…");
        return Vec::new();
    }
    // Another writer's version is being read: save onto it once it is in
    // (`update::reload` saves again, or shows both versions).
    if let Some(job) = m.reload.job {
        m.reload.resave = true;
        form(m).saving = Some(job);
        return Vec::new();
    }
    let (now, user, demo) = (m.now, m.ctx.user.clone(), m.ctx.demo);
    let mut data = crate::model::VaultData::clone(&m.data);
    let f = m.form.as_mut().expect("form");
    if f.validate_all(&data) {
        f.error = Some("fix the fields marked ✗, then save again".into());
        return Vec::new();
    }
    let name = f.value(FieldKey::Name).trim().to_owned();
    let result = match &f.target {
        FormTarget::NewRegistry | FormTarget::EditRegistry(_) => {
            let kind = f.kind().unwrap_or(RegistryKind::Public);
            let credentials = f.credentials();
            let connection = f.connection();
            let saved = match &f.target {
                FormTarget::EditRegistry(id) => {
                    let update = RegistryUpdate {
                        name: Some(name.clone()),
                        kind: Some(kind),
                        credentials: Some(credentials),
                    };
                    // The connection first: the update is checked against it.
                    connection
                        .map_or(Ok(false), |c| data.set_connection(id.as_str(), c, now))
                        .and_then(|_| data.update_registry(id.as_str(), update, &user, now))
                        .map(|_| id.clone())
                }
                _ => data
                    .add_registry_with(
                        NewRegistry {
                            name: name.clone(),
                            kind,
                            credentials,
                        },
                        connection.unwrap_or_default(),
                        &user,
                        now,
                    )
                    .map(|(id, _)| id),
            };
            // A passing test of exactly these values is worth keeping; the
            // demo's offline check contacted nothing and proves nothing.
            if let (
                Ok(id),
                TestState::Done {
                    report,
                    fresh: true,
                },
            ) = (&saved, &f.test)
                && !demo
            {
                // With the ECR token it obtained, as test-and-record keeps it.
                let _ = crate::ops::test::record_into(&mut data, id.as_str(), report, now);
            }
            // A second registry for its host: said at save (the CLI warns
            // too; the form's Type field has the whole story).
            saved.map(|id| {
                let host = data
                    .registry(id.as_str())
                    .filter(|r| !data.same_host_registries(r).is_empty())
                    .and_then(crate::model::Registry::host_pattern);
                match host {
                    Some(h) => format!(
                        "saved registry '{name}' (2nd for {}: `registry default`)",
                        h.describe()
                    ),
                    None => format!("saved registry '{name}'"),
                }
            })
        }
        FormTarget::NewContainer | FormTarget::EditContainer(_) => {
            let spec = ContainerSpec {
                name: name.clone(),
                environment: f.value(FieldKey::Environment).trim().to_owned(),
                registry_id: f.registry_choice(),
                image_name: f.value(FieldKey::ImageName).trim().to_owned(),
                image_tag: f.value(FieldKey::ImageTag).trim().to_owned(),
            };
            match &f.target {
                FormTarget::EditContainer(id) => data.update_container(id.as_str(), spec, now),
                _ => data.add_container(spec, &user, now).map(drop),
            }
            .map(|()| format!("saved container '{name}'"))
        }
    };
    match result {
        Err(e) => {
            f.error = Some(e.to_string());
            Vec::new()
        }
        Ok(toast) => {
            let effects = begin_save(m, data, toast, true, Some(name));
            let job = m.pending_save.as_ref().map(|p| p.job);
            form(m).saving = job;
            effects
        }
    }
}
