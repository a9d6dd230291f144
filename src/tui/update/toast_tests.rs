//! `update` tests of the chrome (issue #13, items 3 and 11): toasts never
//! bring an older message back, errors stay until dismissed or superseded,
//! the message log; Enter never confirms a destructive question; `:`
//! completes its commands.

use jiff::SignedDuration;
use ratatui::crossterm::event::KeyCode;

use super::command::{COMMANDS, candidates};
use super::update;
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::modal::Modal;
use crate::tui::state::{Level, Model};
use crate::tui::test_support::{
    self as fixtures, act, fill_ghcr, key, select_registry, toast, typ,
};

/// Moves the injected clock on and lets `update` see it (a tick).
fn wait(m: &mut Model, secs: i64) {
    m.now += SignedDuration::from_secs(secs);
    update(m, Msg::Tick);
}

#[test]
fn an_older_error_never_comes_back_when_a_newer_info_expires() {
    let mut m = fixtures::full();
    m.toast(Level::Error, "save failed: disk full");
    m.toast(Level::Info, "test cancelled");
    assert_eq!(toast(&m), "test cancelled");
    wait(&mut m, 5);
    assert_eq!(
        toast(&m),
        "",
        "the error was superseded; it must not reappear"
    );
    assert!(m.toasts.is_empty());
}

#[test]
fn an_error_stays_past_any_timeout_until_dismissed() {
    let mut m = fixtures::full();
    m.toast(Level::Error, "save failed: disk full");
    wait(&mut m, 3600);
    assert_eq!(toast(&m), "save failed: disk full");
    assert!(!m.wants_tick(), "a waiting error asks for no ticks");
    key(&mut m, KeyCode::Char('x'));
    assert_eq!(toast(&m), "");
    assert_eq!(m.toasts.log().len(), 1, "dismissed, still in the log");
}

#[test]
fn esc_in_a_list_dismisses_an_error_before_clearing_the_filter() {
    let mut m = fixtures::full();
    act(&mut m, Action::Filter);
    typ(&mut m, "acme");
    key(&mut m, KeyCode::Enter);
    m.toast(Level::Error, "save failed: disk full");
    key(&mut m, KeyCode::Esc);
    assert_eq!(toast(&m), "");
    assert_eq!(
        m.registries.filter_text(),
        "acme",
        "the first Esc only dismissed"
    );
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.registries.filter_text(), "");
}

#[test]
fn info_expires_and_a_newer_error_supersedes_an_info() {
    let mut m = fixtures::full();
    m.toast(Level::Success, "saved registry 'x'");
    assert!(m.wants_tick());
    wait(&mut m, 5);
    assert_eq!(toast(&m), "");
    m.toast(Level::Info, "nothing selected");
    m.toast(Level::Error, "Test Connection: refused");
    wait(&mut m, 5);
    assert_eq!(toast(&m), "Test Connection: refused");
}

#[test]
fn the_message_log_opens_from_the_command_line_and_the_key_and_scrolls() {
    let mut m = fixtures::full();
    for i in 0..120 {
        m.toast(Level::Info, format!("note {i}"));
    }
    key(&mut m, KeyCode::Char(':'));
    typ(&mut m, "messages");
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.modal, Some(Modal::Messages { scroll: 0 })));
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::PageDown);
    assert!(matches!(m.modal, Some(Modal::Messages { scroll: 11 })));
    key(&mut m, KeyCode::Esc);
    assert!(m.modal.is_none());
    key(&mut m, KeyCode::Char('M'));
    assert!(matches!(m.modal, Some(Modal::Messages { .. })));
    let log: Vec<_> = m.toasts.log().map(|t| t.text.clone()).collect();
    assert_eq!(log.len(), 100);
    assert_eq!(log[0], "note 119", "newest first");
}

// ---- Enter in a destructive dialog never destroys -------------------------

fn no_save(effects: &[Effect]) -> bool {
    !effects
        .iter()
        .any(|e| matches!(e, Effect::Save { .. } | Effect::Quit | Effect::Prune { .. }))
}

#[test]
fn enter_does_not_delete_a_container() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    let before = m.data.containers.len();
    act(&mut m, Action::Delete);
    assert!(matches!(m.modal, Some(Modal::ConfirmDelete { .. })));
    assert!(no_save(&key(&mut m, KeyCode::Enter)));
    assert!(m.modal.is_none(), "Enter answers No");
    assert_eq!(m.data.containers.len(), before);
    assert!(m.pending_save.is_none());
    // `y` still deletes.
    act(&mut m, Action::Delete);
    assert!(!no_save(&key(&mut m, KeyCode::Char('y'))));
}

#[test]
fn enter_does_not_delete_a_registry_without_the_typed_name() {
    let mut m = fixtures::full();
    select_registry(&mut m, "dockerhub-acme");
    act(&mut m, Action::Delete);
    assert!(no_save(&key(&mut m, KeyCode::Enter)));
    assert!(m.pending_save.is_none());
}

#[test]
fn enter_does_not_quit_with_unsaved_edits() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-team", fixtures::GHP);
    fixtures::ctrl(&mut m, 'c');
    assert!(matches!(m.modal, Some(Modal::ConfirmQuit)));
    assert!(no_save(&key(&mut m, KeyCode::Enter)));
    assert!(!m.quit, "Enter stays");
    assert!(m.form.is_some(), "the edits are still there");
}

#[test]
fn enter_does_not_discard_a_forms_edits() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-team", fixtures::GHP);
    key(&mut m, KeyCode::Esc);
    assert!(matches!(m.modal, Some(Modal::ConfirmDiscard)));
    key(&mut m, KeyCode::Enter);
    assert!(
        m.form.as_ref().is_some_and(|f| f.dirty),
        "Enter keeps editing"
    );
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char('y'));
    assert!(m.form.is_none(), "y discards");
}

#[test]
fn enter_does_not_prune_a_deleted_registrys_secrets() {
    let mut m = crate::tui::update::prune_offered();
    assert!(matches!(m.modal, Some(Modal::Prune(_))));
    assert!(no_save(&key(&mut m, KeyCode::Enter)));
    assert!(m.modal.is_none());
}

#[test]
fn enter_does_not_apply_without_the_typed_phrase() {
    for mut m in [
        super::apply_tests::at_confirm(),
        crate::tui::update::compose_at_confirm(),
        crate::tui::update::swarm_at_confirm(),
    ] {
        let effects = key(&mut m, KeyCode::Enter);
        assert!(
            !effects.iter().any(|e| matches!(
                e,
                Effect::Apply { .. } | Effect::ApplySwarm { .. } | Effect::ApplyCompose { .. }
            )),
            "{effects:?}"
        );
        assert!(matches!(m.modal, Some(Modal::Apply(_))), "still asking");
    }
}

// ---- `:` completion --------------------------------------------------------

fn command_text(m: &Model) -> String {
    match &m.modal {
        Some(Modal::Command { input, .. }) => input.value().to_owned(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tab_completes_a_command_name_and_cycles_its_candidates() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char(':'));
    typ(&mut m, "me");
    key(&mut m, KeyCode::Tab);
    assert_eq!(command_text(&m), "messages");
    key(&mut m, KeyCode::Enter);
    assert!(matches!(m.modal, Some(Modal::Messages { .. })));

    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char(':'));
    typ(&mut m, "q");
    key(&mut m, KeyCode::Tab);
    assert_eq!(command_text(&m), "quit");
    key(&mut m, KeyCode::Tab);
    assert_eq!(command_text(&m), "quit!");
    key(&mut m, KeyCode::Tab);
    assert_eq!(command_text(&m), "quit", "wraps around");
    // Typing ends the cycle: the next Tab completes the new text.
    key(&mut m, KeyCode::Backspace);
    key(&mut m, KeyCode::Backspace);
    key(&mut m, KeyCode::Backspace);
    key(&mut m, KeyCode::Backspace);
    typ(&mut m, "c");
    key(&mut m, KeyCode::Tab);
    assert_eq!(command_text(&m), "containers");
}

#[test]
fn tab_on_an_empty_line_walks_every_command_and_unknown_text_stays() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char(':'));
    let mut seen = Vec::new();
    for _ in COMMANDS {
        key(&mut m, KeyCode::Tab);
        seen.push(command_text(&m));
    }
    let names: Vec<_> = COMMANDS.iter().map(|c| c.name.to_owned()).collect();
    assert_eq!(seen, names);
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char(':'));
    typ(&mut m, "zz");
    key(&mut m, KeyCode::Tab);
    assert_eq!(command_text(&m), "zz");
}

#[test]
fn every_command_in_the_table_runs_and_unknown_ones_list_them() {
    assert_eq!(candidates("reg"), ["registries"]);
    for name in ["registries", "containers", "messages", "help"] {
        let mut m = fixtures::full();
        key(&mut m, KeyCode::Char(':'));
        typ(&mut m, name);
        key(&mut m, KeyCode::Enter);
        assert!(!toast(&m).contains("unknown"), "{name}");
    }
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char(':'));
    typ(&mut m, "frobnicate");
    key(&mut m, KeyCode::Enter);
    let text = toast(&m);
    for c in COMMANDS {
        assert!(text.contains(&format!(":{}", c.name)), "{text}");
    }
}
