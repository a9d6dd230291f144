//! `update` tests of the lists and the app around them: movement, filter,
//! sort, switching views, help, the command line, quitting, read-only mode
//! and the first run.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::modal::Modal;
use crate::tui::state::{Model, Screen};
use crate::tui::test_support::{self as fixtures, GHP, act, ctrl, fill_ghcr, key, toast, typ};

#[test]
fn movement_actions_move_and_clamp() {
    let mut m = fixtures::full();
    let n = m.data.registries.len();
    act(&mut m, Action::MoveUp);
    assert_eq!(m.registries.selected, 0);
    act(&mut m, Action::MoveDown);
    key(&mut m, KeyCode::Char('j'));
    assert_eq!(m.registries.selected, 2);
    key(&mut m, KeyCode::Char('k'));
    assert_eq!(m.registries.selected, 1);
    act(&mut m, Action::PageDown);
    assert_eq!(m.registries.selected, n - 1);
    act(&mut m, Action::PageUp);
    assert_eq!(m.registries.selected, 0);
    act(&mut m, Action::Last);
    assert_eq!(m.registries.selected, n - 1);
    act(&mut m, Action::First);
    assert_eq!(m.registries.selected, 0);
}

#[test]
fn filter_narrows_the_list_and_esc_clears_it() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char('/'));
    assert!(m.registries.filtering);
    typ(&mut m, "GAR");
    assert_eq!(m.registry_rows().len(), 1);
    key(&mut m, KeyCode::Enter);
    assert!(!m.registries.filtering);
    assert_eq!(
        m.selected_registry().map(|r| r.name.as_str()),
        Some("gar-europe")
    );
    act(&mut m, Action::Filter);
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.registry_rows().len(), m.data.registries.len());
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut m = fixtures::full();
    // The first row (the selection stays on its row: see keep_tests).
    let first = |m: &Model| m.data.registries[m.registry_rows()[0]].name.clone();
    assert_eq!(first(&m), "acr-shared");
    act(&mut m, Action::ReverseSort);
    assert_eq!(first(&m), "quay-partners");
    act(&mut m, Action::ReverseSort);
    key(&mut m, KeyCode::Char('s'));
    assert_eq!(m.registries.sort, 1);
    assert_eq!(first(&m), "acr-shared", "by type: ACR first");
    for _ in 0..3 {
        act(&mut m, Action::CycleSort);
    }
    act(&mut m, Action::ReverseSort);
    assert_eq!(first(&m), "ghcr-acme", "by last test, newest first");
    act(&mut m, Action::CycleSort);
    assert_eq!(first(&m), "ghcr-acme", "by used-by count, most first");
    act(&mut m, Action::CycleSort);
    assert_eq!(m.registries.sort, 0, "wraps to the first column");
}

#[test]
fn views_switch() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    assert_eq!(m.screen, Screen::Containers);
    act(&mut m, Action::ShowRegistries);
    assert_eq!(m.screen, Screen::Registries);
    act(&mut m, Action::NextView);
    assert_eq!(m.screen, Screen::Containers);
    key(&mut m, KeyCode::Char('1'));
    assert_eq!(m.screen, Screen::Registries);
}

#[test]
fn help_opens_and_closes() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char('?'));
    assert!(matches!(m.modal, Some(Modal::Help { .. })));
    act(&mut m, Action::MoveDown);
    assert!(matches!(m.modal, Some(Modal::Help { scroll: 1 })));
    key(&mut m, KeyCode::Esc);
    assert!(m.modal.is_none());
}

#[test]
fn command_line_jumps_and_quits() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char(':'));
    typ(&mut m, "containers");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Containers);
    act(&mut m, Action::CommandLine);
    typ(&mut m, "registries");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Registries);
    act(&mut m, Action::CommandLine);
    typ(&mut m, "nope");
    key(&mut m, KeyCode::Enter);
    assert!(toast(&m).contains("unknown command"));
    act(&mut m, Action::CommandLine);
    typ(&mut m, "q");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
}

#[test]
fn quit_asks_only_when_something_is_unsaved() {
    let mut m = fixtures::full();
    assert!(matches!(
        key(&mut m, KeyCode::Char('q')).as_slice(),
        [Effect::Quit]
    ));
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    typ(&mut m, "x");
    assert!(ctrl(&mut m, 'c').is_empty());
    assert!(matches!(m.modal, Some(Modal::ConfirmQuit)));
    key(&mut m, KeyCode::Char('n'));
    assert!(m.modal.is_none() && !m.quit);
    ctrl(&mut m, 'c');
    assert!(matches!(
        key(&mut m, KeyCode::Char('y')).as_slice(),
        [Effect::Quit]
    ));
    assert!(m.quit);
}

#[test]
fn terminate_quits_at_once() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    assert!(matches!(
        update(&mut m, Msg::Terminate).as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn read_only_refuses_every_write() {
    let mut m = fixtures::full();
    m.ctx.read_only = true;
    for a in [Action::Add, Action::Edit, Action::Delete, Action::Save] {
        assert!(act(&mut m, a).is_empty(), "{a:?}");
        assert!(m.form.is_none() && m.modal.is_none(), "{a:?}");
    }
    assert!(toast(&m).contains("read-only"));
    act(&mut m, Action::Open);
    assert!(m.form.is_none());
}

#[test]
fn first_run_creates_the_vault() {
    let mut m = Model::new(
        fixtures::ctx(),
        crate::tui::keymap::Keymap::defaults(),
        None,
        fixtures::now(),
    );
    assert_eq!(m.screen, Screen::Init);
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::InitVault { job }] = effects.as_slice() else {
        panic!()
    };
    let job = *job;
    update(
        &mut m,
        Msg::VaultCreated {
            job,
            result: Ok(crate::model::VaultData::default()),
        },
    );
    assert_eq!(m.screen, Screen::Registries);
}
