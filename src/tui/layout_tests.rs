//! Snapshots of how the screens use the terminal (issue #13 items 4, 6, 10):
//! the lists grow with it, with a scrollbar and the position (`3/9`); an
//! empty filter result says so; the compact layout at 60×20; a long test
//! summary wrapped in the detail pane rather than cut.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::keymap::Action;
use super::state::Model;
use super::test_support::{self as fixtures, GHP, act, fill_ghcr, select_registry, typ};
use super::view;
use crate::model::RegistryId;

fn draw(m: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| view::render(f, m)).expect("draw");
    let text = terminal.backend().to_string();
    assert!(
        !text.contains("ghp_DEMO") && !text.contains(GHP),
        "a secret on screen"
    );
    text
}

/// The demo's nine registries three times over (30 with one more).
fn thirty() -> Model {
    let mut data = fixtures::demo();
    let seed = data.registries.clone();
    for round in 1..=3 {
        for (i, r) in seed.iter().enumerate() {
            if data.registries.len() == 30 {
                break;
            }
            let mut r = r.clone();
            r.name = format!("{}-{round}", r.name);
            r.id = RegistryId::parse(&format!("reg-t{round}{i:04}")).expect("an id");
            data.registries.push(r);
        }
    }
    fixtures::model(data)
}

#[test]
fn nine_registries_all_shown_at_120x40() {
    let mut m = fixtures::full();
    act(&mut m, Action::MoveDown);
    act(&mut m, Action::MoveDown);
    let screen = draw(&m, 120, 40);
    assert!(screen.contains(" 3/9 "), "{screen}");
    insta::assert_snapshot!("registries_nine_120x40", screen);
}

#[test]
fn nine_registries_all_shown_at_80x24() {
    let m = fixtures::full();
    let screen = draw(&m, 80, 24);
    for r in &m.data.registries {
        assert!(screen.contains(&r.name), "{} not shown:\n{screen}", r.name);
    }
}

#[test]
fn thirty_registries_scrolled_show_a_scrollbar_and_the_position() {
    let mut m = thirty();
    for _ in 0..20 {
        act(&mut m, Action::MoveDown);
    }
    let screen = draw(&m, 80, 24);
    assert!(screen.contains(" 21/30 "), "{screen}");
    insta::assert_snapshot!("registries_thirty_scrolled_80x24", screen);
    insta::assert_snapshot!("registries_thirty_scrolled_120x40", draw(&m, 120, 40));
}

#[test]
fn an_empty_filter_result_says_so() {
    let mut m = fixtures::full();
    act(&mut m, Action::Filter);
    typ(&mut m, "xyz");
    let screen = draw(&m, 80, 24);
    assert!(
        screen.contains("no registry matches 'xyz' — Esc clears the filter"),
        "{screen}"
    );
    insta::assert_snapshot!("registries_empty_filter", screen);
}

#[test]
fn compact_registries_at_60x20() {
    insta::assert_snapshot!("compact_registries_60x20", draw(&fixtures::full(), 60, 20));
}

#[test]
fn compact_containers_at_60x20() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    insta::assert_snapshot!("compact_containers_60x20", draw(&m, 60, 20));
}

#[test]
fn compact_form_at_60x20() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-team", "ghp_short");
    insta::assert_snapshot!("compact_form_60x20", draw(&m, 60, 20));
}

/// A long test summary: whole in the detail pane (wrapped), and LAST TEST
/// keeps its width while HOST gives way.
#[test]
fn a_long_last_test_is_wrapped_in_the_detail_pane() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    let i = m.registry_rows()[m.registries.selected];
    let data = std::sync::Arc::make_mut(&mut m.data);
    let test = data.registries[i]
        .last_test
        .as_mut()
        .expect("ghcr-acme was tested");
    test.summary = "pull access to acme/web confirmed with the token exchanged at \
                    ghcr.io/token for repository:acme/web:pull — ends here"
        .into();
    m.set_data(m.data.clone());
    let screen = draw(&m, 120, 40);
    assert!(screen.contains("ends here"), "{screen}");
    insta::assert_snapshot!("detail_long_last_test_120x40", screen);
}
