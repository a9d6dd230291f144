//! The terminal's size: `Msg::Resized` records it, and while it is too
//! small for any layout (see `state::size`) no key acts on the hidden UI —
//! `q` must not type into a form nobody sees, `Esc` must not open or close
//! a dialog nobody sees. Only the quit key (Ctrl-C, which types nothing)
//! still works; with unsaved edits it asks for a second press instead of a
//! dialog that could not be shown.

use ratatui::crossterm::event::KeyEvent;

use super::quit_now;
use crate::tui::effect::Effect;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::size::TermSize;

pub(super) fn resized(m: &mut Model, width: u16, height: u16) -> Vec<Effect> {
    let size = TermSize::new(width, height);
    m.size = Some(size);
    if !size.too_small() {
        m.small_quit = false;
    }
    Vec::new()
}

pub(super) fn key_when_too_small(m: &mut Model, key: &KeyEvent) -> Vec<Effect> {
    // The form's quit key: one that types no text (the list's `q` would).
    if m.keymap.action(KeyContext::Form, key) != Some(Action::Quit) {
        return Vec::new();
    }
    if m.has_unsaved() && !m.small_quit {
        m.small_quit = true;
        return Vec::new();
    }
    quit_now(m)
}
