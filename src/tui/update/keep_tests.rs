//! `update` tests: the selection stays on its row through sort, reverse
//! and filter changes (it used to stay on its index, selecting another
//! registry), and falls back to the first row only when filtered out.

use ratatui::crossterm::event::KeyCode;

use crate::tui::keymap::Action;
use crate::tui::state::Model;
use crate::tui::test_support::{self as fixtures, act, key, select_registry, typ};

fn selected(m: &Model) -> String {
    m.selected_registry()
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

#[test]
fn selection_survives_sort_and_reverse() {
    let mut m = fixtures::full();
    select_registry(&mut m, "gcr-legacy");
    for _ in 0..6 {
        act(&mut m, Action::CycleSort);
        assert_eq!(
            selected(&m),
            "gcr-legacy",
            "sort column {}",
            m.registries.sort
        );
        act(&mut m, Action::ReverseSort);
        assert_eq!(
            selected(&m),
            "gcr-legacy",
            "reversed, column {}",
            m.registries.sort
        );
    }
}

#[test]
fn selection_survives_filter_changes_and_clearing() {
    let mut m = fixtures::full();
    select_registry(&mut m, "harbor-lab");
    act(&mut m, Action::Filter);
    typ(&mut m, "a");
    assert_eq!(selected(&m), "harbor-lab", "still shown by 'a'");
    typ(&mut m, "r");
    assert_eq!(selected(&m), "harbor-lab", "still shown by 'ar'");
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.registries.filter_text(), "");
    assert_eq!(selected(&m), "harbor-lab", "Esc cleared the filter");

    // Filtered out: the first row that is left.
    act(&mut m, Action::Filter);
    typ(&mut m, "ghcr");
    assert_eq!(selected(&m), "ghcr-acme");
}

#[test]
fn container_selection_survives_sort() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    act(&mut m, Action::Last);
    let before = m.selected_container().map(|c| c.name.clone());
    act(&mut m, Action::CycleSort);
    act(&mut m, Action::ReverseSort);
    assert_eq!(m.selected_container().map(|c| c.name.clone()), before);
}
