//! Modal dialogs: delete (refused by the platform's rules, or confirmed by
//! typing the name), quit/discard confirmations, help and the command line.
//! Their keys come from the keymap: the `question` section (yes/no
//! questions) or `help` (the help overlay) first, then `dialog`; a dialog
//! with a text line takes printable keys as text first.

use ratatui::crossterm::event::KeyEvent;

use super::{edit_input, form, is_typing, quit_now};
use crate::model::RuleError;
use crate::tui::effect::Effect;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::modal::{Modal, PendingDelete};
use crate::tui::state::{Level, Model, Screen};

pub(super) fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    // Dialogs with a text line take typed characters first.
    let takes_text = matches!(
        m.modal,
        Some(
            Modal::Command { .. }
                | Modal::ConfirmDelete {
                    typed_phrase: true,
                    ..
                }
        )
    );
    if takes_text && is_typing(&key) {
        edit_text(m, key);
        return Vec::new();
    }
    let contexts: &[KeyContext] = match m.modal {
        Some(Modal::Help { .. } | Modal::Messages { .. }) => {
            &[KeyContext::Help, KeyContext::Dialog]
        }
        Some(ref modal) if is_question(modal) => &[KeyContext::Question, KeyContext::Dialog],
        _ => &[KeyContext::Dialog],
    };
    match m.keymap.action_in(contexts, &key) {
        Some(action) => super::on_action(m, action),
        None if takes_text => {
            edit_text(m, key);
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// The dialogs answered with yes or no (no text to type).
fn is_question(modal: &Modal) -> bool {
    matches!(
        modal,
        Modal::ConfirmQuit
            | Modal::ConfirmDiscard
            | Modal::ConfirmUndo(_)
            | Modal::ConfirmDelete {
                typed_phrase: false,
                ..
            }
    )
}

fn edit_text(m: &mut Model, key: KeyEvent) {
    let changed = match &mut m.modal {
        Some(Modal::Command { input, .. } | Modal::ConfirmDelete { typed: input, .. }) => {
            edit_input(input, key)
        }
        _ => false,
    };
    // Typing ends a Tab cycle: the next Tab completes the new text.
    if changed && let Some(Modal::Command { tab, .. }) = &mut m.modal {
        *tab = None;
    }
}

pub(super) fn on_action(m: &mut Model, action: Action) -> Vec<Effect> {
    let Some(modal) = m.modal.take() else {
        return Vec::new();
    };
    // Yes and No answer only the questions; elsewhere they mean nothing.
    // In a question Enter is No: a question here asks before losing or
    // destroying something, and Enter is pressed out of habit.
    let question = is_question(&modal);
    let (confirm, back) = if question {
        (
            action == Action::Yes,
            matches!(
                action,
                Action::No | Action::Back | Action::Quit | Action::Confirm | Action::Open
            ),
        )
    } else {
        (
            matches!(action, Action::Confirm | Action::Open),
            matches!(action, Action::Back | Action::Quit),
        )
    };
    match modal {
        // The overlays scroll; any other key closes them (Tab is no key here).
        Modal::Help { scroll } | Modal::Messages { scroll } => {
            let scroll = match action {
                Action::MoveDown => Some(scroll.saturating_add(1)),
                Action::MoveUp => Some(scroll.saturating_sub(1)),
                Action::PageDown => Some(scroll.saturating_add(10)),
                Action::PageUp => Some(scroll.saturating_sub(10)),
                Action::Complete => Some(scroll),
                _ => None,
            };
            m.modal = scroll.map(|scroll| match modal {
                Modal::Help { .. } => Modal::Help { scroll },
                _ => Modal::Messages { scroll },
            });
        }
        Modal::Command { .. } if action == Action::Complete => {
            m.modal = Some(modal);
            super::command::complete(m);
        }
        Modal::Command { input, .. } if confirm => return super::command::run(m, input.value()),
        Modal::ConfirmDelete {
            action: pending,
            name,
            typed_phrase,
            typed,
        } if confirm => {
            if typed_phrase && typed.value() != name {
                m.toast(Level::Error, format!("type '{name}' exactly to delete it"));
                m.modal = Some(Modal::ConfirmDelete {
                    action: pending,
                    name,
                    typed_phrase,
                    typed,
                });
                return Vec::new();
            }
            return delete(m, &pending);
        }
        Modal::Refused { .. } if confirm || back => {}
        // Only an explicit yes restores; Enter, n and Esc leave it.
        Modal::ConfirmUndo(deleted) if action == Action::Yes => {
            return super::undo::start(m, deleted);
        }
        Modal::ConfirmUndo(_) if confirm => {}
        Modal::ConfirmQuit if confirm => return quit_now(m),
        Modal::ConfirmDiscard if confirm => return form::close(m),
        other if back => drop(other),
        other => m.modal = Some(other),
    }
    Vec::new()
}

/// `d`: ask the model's rules first, so a refusal is shown before any
/// confirmation is asked for.
pub(super) fn start_delete(m: &mut Model) -> Vec<Effect> {
    let (action, name) = match m.screen {
        Screen::Containers => match m.selected_container() {
            Some(c) => (
                PendingDelete::Container(c.id.clone()),
                format!("{} ({})", c.name, c.environment),
            ),
            None => return nothing_selected(m),
        },
        _ => match m.selected_registry() {
            Some(r) => (PendingDelete::Registry(r.id.clone()), r.name.clone()),
            None => return nothing_selected(m),
        },
    };
    if let PendingDelete::Registry(id) = &action
        && let Err(e) =
            crate::model::VaultData::clone(&m.data).delete_registry(id.as_str(), &m.ctx.user)
    {
        m.modal = Some(refusal(&e, &m.ctx.user));
        return Vec::new();
    }
    let typed_phrase = matches!(action, PendingDelete::Registry(_));
    m.modal = Some(Modal::ConfirmDelete {
        action,
        name,
        typed_phrase,
        typed: tui_input::Input::default(),
    });
    Vec::new()
}

fn nothing_selected(m: &mut Model) -> Vec<Effect> {
    m.toast(Level::Info, "nothing selected");
    Vec::new()
}

/// The dialog for a deletion the platform's rules refuse.
fn refusal(e: &RuleError, user: &str) -> Modal {
    let (title, lines) = match e {
        // The creator is not named: it is the string to impersonate.
        RuleError::NotCreator { name, .. } => (
            format!("Cannot delete '{name}'"),
            vec![
                "Only the registry's creator may delete it.".to_owned(),
                format!("'{name}' was created by another user;"),
                format!("you are {user}."),
                String::new(),
                "Ask its creator to delete it.".to_owned(),
            ],
        ),
        RuleError::InUse { name, containers } => {
            let mut lines = vec![format!(
                "'{name}' is used by {}:",
                crate::model::plural(containers.len(), "container", "containers")
            )];
            lines.extend(containers.iter().map(|c| format!("  • {c}")));
            lines.push(String::new());
            lines.push("Deleting it would make their next pull fail.".to_owned());
            lines.push("Delete or repoint those containers first.".to_owned());
            (format!("Cannot delete '{name}'"), lines)
        }
        other => ("Cannot delete".to_owned(), vec![other.to_string()]),
    };
    Modal::Refused { title, lines }
}

/// Confirmed: apply the rule again on a copy (the data may have changed
/// since the dialog opened) and save that copy.
fn delete(m: &mut Model, pending: &PendingDelete) -> Vec<Effect> {
    let mut data = crate::model::VaultData::clone(&m.data);
    let result = match pending {
        PendingDelete::Registry(id) => data
            .delete_registry(id.as_str(), &m.ctx.user)
            .map(|r| format!("deleted registry '{}'", r.name)),
        PendingDelete::Container(id) => data
            .delete_container(id.as_str())
            .map(|c| format!("deleted container '{}'", c.name)),
    };
    match result {
        Ok(toast) => {
            let offer = match pending {
                PendingDelete::Registry(id) => m
                    .data
                    .registries
                    .iter()
                    .find(|r| &r.id == id)
                    .map(|r| (id.as_str().to_owned(), r.name.clone())),
                PendingDelete::Container(_) => None,
            };
            let effects = super::begin_save(m, data, toast, false, None);
            if let Some(save) = &mut m.pending_save {
                save.offer_prune = offer;
            }
            effects
        }
        Err(e) => {
            m.modal = Some(refusal(&e, &m.ctx.user));
            Vec::new()
        }
    }
}
