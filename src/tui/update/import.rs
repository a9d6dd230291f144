//! The import screen: `:import docker-config [PATH]` (or the list's import
//! key for the default config.json), `:import containers-auth [PATH]`,
//! `:import kube-file PATH`. The runtime reads the source; the preview
//! arrives as a checklist — space toggles an entry to add, the edit key
//! renames it, Enter imports the checked ones through the same rules as
//! `regvault import` (`ops::import`) and saves, Esc cancels.

use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::{begin_save, edit_input, is_typing};
use crate::ops::import::{self as imp, AuthFile, read::Source};
use crate::tui::effect::{Effect, JobId};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::import::ImportDialog;
use crate::tui::state::modal::Modal;
use crate::tui::state::{Level, Model};

fn dialog(m: &mut Model) -> Option<&mut ImportDialog> {
    match &mut m.modal {
        Some(Modal::Import(d)) => Some(d),
        _ => None,
    }
}

/// A path as typed: `~/` is the home directory.
fn path(text: &str) -> PathBuf {
    match text.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map_or_else(|| PathBuf::from(text), |h| PathBuf::from(h).join(rest)),
        None => PathBuf::from(text),
    }
}

/// `:import …` from the command line.
pub(super) fn command(m: &mut Model, line: &str) -> Vec<Effect> {
    let rest = line.trim_start_matches("import").trim();
    let (sub, arg) = rest.split_once(' ').unwrap_or((rest, ""));
    let arg = arg.trim();
    let given = (!arg.is_empty()).then(|| path(arg));
    let source = match sub {
        "" | "docker-config" => Source::DockerConfig(given),
        "containers-auth" => Source::ContainersAuth(given),
        "kube-file" if given.is_some() => Source::KubeFile(path(arg)),
        _ => {
            m.toast(
                Level::Error,
                "usage: :import docker-config [PATH] | containers-auth [PATH] | kube-file PATH",
            );
            return Vec::new();
        }
    };
    open(m, source)
}

/// Opens the screen and asks the runtime to read `source`.
pub(super) fn open(m: &mut Model, source: Source) -> Vec<Effect> {
    let shown = match source.path() {
        Ok(p) => p.display().to_string(),
        Err(e) => {
            m.toast(Level::Error, e.to_string());
            return Vec::new();
        }
    };
    let job = m.next_job();
    m.modal = Some(Modal::Import(Box::new(ImportDialog::loading(
        source.clone(),
        shown,
        job,
    ))));
    vec![Effect::ReadImport { job, source }]
}

/// The source was read: the preview against the vault as it is now.
pub(super) fn read(m: &mut Model, job: JobId, result: Result<AuthFile, String>) -> Vec<Effect> {
    let data = std::sync::Arc::clone(&m.data);
    let Some(d) = dialog(m).filter(|d| d.job == Some(job)) else {
        return Vec::new();
    };
    match result {
        Ok(found) => match imp::preview(found.logins, found.skipped, &data, &[]) {
            Ok(p) => d.show(p),
            Err(e) => {
                d.job = None;
                d.error = Some(e.to_string());
            }
        },
        Err(e) => {
            d.job = None;
            d.error = Some(e);
        }
    }
    Vec::new()
}

pub(super) fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if let Some(input) = dialog(m).and_then(|d| d.renaming.as_mut()) {
        match key.code {
            KeyCode::Enter => rename(m),
            KeyCode::Esc => {
                if let Some(d) = dialog(m) {
                    d.renaming = None;
                }
            }
            _ if is_typing(&key)
                || matches!(
                    key.code,
                    KeyCode::Backspace
                        | KeyCode::Delete
                        | KeyCode::Left
                        | KeyCode::Right
                        | KeyCode::Home
                        | KeyCode::End
                ) =>
            {
                edit_input(input, key);
            }
            _ => {}
        }
        return Vec::new();
    }
    match m
        .keymap
        .action_in(&[KeyContext::Import, KeyContext::Dialog], &key)
    {
        Some(action) => on_action(m, action),
        None => Vec::new(),
    }
}

fn rename(m: &mut Model) {
    let taken: Vec<String> = m.data.registries.iter().map(|r| r.name.clone()).collect();
    let Some(d) = dialog(m) else { return };
    let Some(input) = d.renaming.take() else {
        return;
    };
    let name = input.value().trim().to_owned();
    let i = d.selected;
    let clash = taken.contains(&name)
        || d.preview
            .entries
            .iter()
            .enumerate()
            .any(|(j, e)| j != i && e.is_add() && e.name == name);
    let problem = crate::model::check_name("name", &name)
        .err()
        .map(|e| e.to_string())
        .or_else(|| clash.then(|| format!("the name '{name}' is already used")));
    match problem {
        Some(p) => {
            d.renaming = Some(input);
            m.toast(Level::Error, p);
        }
        None => d.preview.entries[i].name = name,
    }
}

pub(super) fn on_action(m: &mut Model, action: Action) -> Vec<Effect> {
    let Some(d) = dialog(m) else {
        return Vec::new();
    };
    let len = d.preview.entries.len();
    match action {
        Action::Back | Action::Quit => m.modal = None,
        _ if d.job.is_some() => {}
        Action::Confirm | Action::Open if d.error.is_some() => m.modal = None,
        Action::MoveUp => d.selected = d.selected.saturating_sub(1),
        Action::MoveDown => d.selected = (d.selected + 1).min(len.saturating_sub(1)),
        Action::Toggle => {
            let i = d.selected;
            if d.preview.entries.get(i).is_some_and(imp::Entry::is_add) {
                d.checked[i] ^= true;
            }
        }
        Action::Edit => {
            let i = d.selected;
            if let Some(e) = d.preview.entries.get(i).filter(|e| e.is_add()) {
                d.renaming = Some(tui_input::Input::new(e.name.clone()));
            }
        }
        Action::Confirm | Action::Open => return import(m),
        _ => {}
    }
    Vec::new()
}

/// Adds the checked entries to a copy of the data and saves it.
fn import(m: &mut Model) -> Vec<Effect> {
    let (user, now) = (m.ctx.user.clone(), m.now);
    let mut data = crate::model::VaultData::clone(&m.data);
    let Some(d) = dialog(m) else {
        return Vec::new();
    };
    if d.checked_count() == 0 {
        m.toast(Level::Info, "nothing checked to import");
        return Vec::new();
    }
    let checked = d.checked.clone();
    let source = d.source.clone();
    let mut preview = d.preview.clone();
    let added = imp::import(
        &mut preview,
        |i| checked.get(i).copied().unwrap_or(false),
        &mut data,
        &user,
        now,
    );
    if added.is_empty() {
        d.preview = preview;
        d.checked = vec![false; d.preview.entries.len()];
        m.toast(
            Level::Error,
            "the vault refused every checked entry (see the list)",
        );
        return Vec::new();
    }
    let n = added.len();
    let toast = format!("imported {n} registr{}", if n == 1 { "y" } else { "ies" });
    let select = added.first().map(|a| a.name.clone());
    m.modal = None;
    let mut effects = begin_save(m, data, toast, false, select);
    if let [Effect::Save { imported_from, .. }] = effects.as_mut_slice() {
        *imported_from = Some(source);
    }
    effects
}
