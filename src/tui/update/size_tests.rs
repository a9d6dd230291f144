//! `update` tests of a terminal too small for any layout: no key acts on
//! the hidden UI (typing, Esc, list actions, a paste), only the quit key;
//! after a resize back everything is as it was and keys act again.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::secret::SecretValue;
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::Model;
use crate::tui::state::form::FieldKey;
use crate::tui::test_support::{self as fixtures, act, ctrl, key, typ};

fn resize(m: &mut Model, width: u16, height: u16) -> Vec<Effect> {
    update(m, Msg::Resized { width, height })
}

/// `q`, `Esc`, `a`, Enter, `/` and a paste: what a user presses at a
/// terminal they cannot read.
fn press_everything(m: &mut Model) -> Vec<Effect> {
    let mut effects = Vec::new();
    for code in [
        KeyCode::Char('q'),
        KeyCode::Esc,
        KeyCode::Char('a'),
        KeyCode::Enter,
        KeyCode::Char('/'),
        KeyCode::Char('d'),
        KeyCode::Down,
    ] {
        effects.extend(key(m, code));
    }
    effects.extend(update(m, Msg::Paste(SecretValue::new("pasted"))));
    effects
}

#[test]
fn in_the_list_no_key_acts_when_too_small() {
    let mut m = fixtures::full();
    resize(&mut m, 50, 15);
    assert!(m.too_small());
    let effects = press_everything(&mut m);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!m.quit, "q quit");
    assert!(m.form.is_none(), "a opened a form nobody sees");
    assert!(m.modal.is_none(), "a dialog nobody sees opened");
    assert!(!m.registries.filtering, "/ started a filter");
    assert_eq!(m.registries.selected, 0, "Down moved the selection");

    resize(&mut m, 80, 24);
    act(&mut m, Action::Add);
    assert!(m.form.is_some(), "keys act again after the resize back");
}

#[test]
fn in_a_form_typing_and_esc_change_nothing_when_too_small() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    typ(&mut m, "ghcr-x");
    resize(&mut m, 59, 24);
    let effects = press_everything(&mut m);
    assert!(effects.is_empty(), "{effects:?}");
    let form = m.form.as_ref().expect("the form is still open");
    assert_eq!(form.value(FieldKey::Name), "ghcr-x", "keys typed into it");
    assert!(m.modal.is_none(), "Esc opened the discard question");

    resize(&mut m, 60, 20);
    assert!(!m.too_small(), "60×20 is the compact layout, usable");
    typ(&mut m, "y");
    let form = m.form.as_ref().expect("form");
    assert_eq!(form.value(FieldKey::Name), "ghcr-xy");
}

#[test]
fn ctrl_c_quits_when_too_small_but_twice_with_unsaved_edits() {
    let mut m = fixtures::full();
    resize(&mut m, 40, 10);
    assert!(matches!(ctrl(&mut m, 'c').as_slice(), [Effect::Quit]));
    assert!(m.quit);

    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    typ(&mut m, "ghcr-x");
    resize(&mut m, 40, 10);
    assert!(ctrl(&mut m, 'c').is_empty(), "unsaved edits: ask again");
    assert!(!m.quit && m.small_quit);
    assert!(matches!(ctrl(&mut m, 'c').as_slice(), [Effect::Quit]));

    // The second press is asked for again after the terminal was usable.
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    typ(&mut m, "ghcr-x");
    resize(&mut m, 40, 10);
    ctrl(&mut m, 'c');
    resize(&mut m, 80, 24);
    resize(&mut m, 40, 10);
    assert!(ctrl(&mut m, 'c').is_empty());
    assert!(!m.quit);
}
