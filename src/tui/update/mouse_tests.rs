//! `update` tests of the mouse: a click on a row selects it, the wheel
//! moves the selection, a click on a tab switches views, and a click while
//! a dialog or form is open does nothing. Coordinates come from what was
//! drawn (the row's text found in the rendered frame) and from the shared
//! `view::layout::layout`, at 80×24 and 120×40.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::update;
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::{Model, Screen};
use crate::tui::test_support::{self as fixtures, act};
use crate::tui::view::layout::layout;

// The compact layout too: its list and detail split differently.
const SIZES: [(u16, u16); 3] = [(60, 20), (80, 24), (120, 40)];

fn sized(w: u16, h: u16) -> Model {
    let mut m = fixtures::full();
    m.size = Some(crate::tui::state::size::TermSize::new(w, h));
    m
}

fn mouse(m: &mut Model, kind: MouseEventKind, column: u16, row: u16) -> Vec<Effect> {
    update(
        m,
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    )
}

fn click(m: &mut Model, (x, y): (u16, u16)) -> Vec<Effect> {
    mouse(m, MouseEventKind::Down(MouseButton::Left), x, y)
}

/// Where `text` is drawn on the screen `m` shows (first match).
fn drawn_at(m: &Model, text: &str) -> (u16, u16) {
    let mut t = Terminal::new(TestBackend::new(m.area().width, m.area().height)).expect("backend");
    t.draw(|f| crate::tui::view::render(f, m)).expect("draw");
    let screen = crate::tui::app::buffer_text(t.backend().buffer());
    for (y, line) in screen.lines().enumerate() {
        if let Some(byte) = line.find(text) {
            let x = line[..byte].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("{text:?} is not on screen:\n{screen}");
}

#[test]
fn clicking_a_row_selects_that_registry() {
    for (w, h) in SIZES {
        let mut m = sized(w, h);
        let rows = m.registry_rows().into_owned();
        let third = m.data.registries[rows[3]].name.clone();
        let at = drawn_at(&m, &third);
        click(&mut m, at);
        assert_eq!(m.registries.selected, 3, "{w}×{h}");
        assert_eq!(m.selected_registry().unwrap().name, third, "{w}×{h}");
    }
}

#[test]
fn clicking_the_header_or_the_border_selects_nothing_else() {
    for (w, h) in SIZES {
        let mut m = sized(w, h);
        act(&mut m, Action::MoveDown);
        let a = layout(m.area(), m.screen, m.row_count()).unwrap();
        // The column header row, the top border and the detail pane.
        for at in [
            (a.list.x + 4, a.list.y + 1),
            (a.list.x + 4, a.list.y),
            (a.detail.x + 4, a.detail.y + 2),
        ] {
            click(&mut m, at);
            assert_eq!(m.registries.selected, 1, "{w}×{h} at {at:?}");
        }
    }
}

#[test]
fn a_row_scrolled_into_view_is_the_one_clicked() {
    let mut m = sized(80, 24);
    act(&mut m, Action::Last);
    let n = m.registry_rows().len();
    let rows = m.registry_rows().into_owned();
    // The list is scrolled to its end: the last row's neighbour above.
    let name = m.data.registries[rows[n - 2]].name.clone();
    let at = drawn_at(&m, &name);
    click(&mut m, at);
    assert_eq!(m.registries.selected, n - 2);
}

#[test]
fn the_wheel_moves_the_selection() {
    for (w, h) in SIZES {
        let mut m = sized(w, h);
        let a = layout(m.area(), m.screen, m.row_count()).unwrap();
        let (x, y) = (a.list.x + 5, a.list.y + 3);
        mouse(&mut m, MouseEventKind::ScrollDown, x, y);
        mouse(&mut m, MouseEventKind::ScrollDown, x, y);
        assert_eq!(m.registries.selected, 2, "{w}×{h}");
        mouse(&mut m, MouseEventKind::ScrollUp, x, y);
        assert_eq!(m.registries.selected, 1, "{w}×{h}");
        for _ in 0..50 {
            mouse(&mut m, MouseEventKind::ScrollDown, x, y);
        }
        let last = m.registry_rows().len() - 1;
        assert_eq!(m.registries.selected, last);
    }
}

#[test]
fn clicking_a_tab_switches_the_view() {
    for (w, h) in SIZES {
        let mut m = sized(w, h);
        let at = drawn_at(&m, "2 Containers");
        click(&mut m, at);
        assert_eq!(m.screen, Screen::Containers, "{w}×{h}");
        let at = drawn_at(&m, "3 History");
        let effects = click(&mut m, at);
        assert_eq!(m.screen, Screen::History, "{w}×{h}");
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::LoadHistory { .. })),
            "the history is read as with the key"
        );
        // The tab's last cell counts too.
        let (x, y) = drawn_at(&m, "1 Registries");
        click(&mut m, (x + "1 Registries".len() as u16, y));
        assert_eq!(m.screen, Screen::Registries, "{w}×{h}");
    }
}

#[test]
fn clicking_a_container_row_selects_it() {
    for (w, h) in SIZES {
        let mut m = sized(w, h);
        act(&mut m, Action::ShowContainers);
        let rows = m.container_rows().into_owned();
        let name = m.data.containers[rows[2]].name.clone();
        let at = drawn_at(&m, &name);
        click(&mut m, at);
        assert_eq!(m.containers.selected, 2, "{w}×{h}");
    }
}

#[test]
fn clicks_while_a_dialog_or_form_is_open_do_nothing() {
    let mut m = sized(80, 24);
    let rows = m.registry_rows().into_owned();
    let third = m.data.registries[rows[3]].name.clone();
    let row = drawn_at(&m, &third);
    let tab = drawn_at(&m, "2 Containers");
    act(&mut m, Action::Delete);
    assert!(m.modal.is_some());
    for at in [row, tab, (0, 0), (79, 23)] {
        assert!(click(&mut m, at).is_empty());
        mouse(&mut m, MouseEventKind::ScrollDown, at.0, at.1);
    }
    assert!(m.modal.is_some(), "the dialog stays");
    assert_eq!(m.registries.selected, 0);
    assert_eq!(m.screen, Screen::Registries);
    update(&mut m, Msg::Action(Action::Back));
    act(&mut m, Action::Add);
    assert!(m.form.is_some());
    click(&mut m, row);
    click(&mut m, tab);
    assert!(m.form.is_some(), "the form stays");
    assert_eq!(m.screen, Screen::Registries);
}

#[test]
fn below_the_minimum_size_clicks_do_nothing() {
    // 60×20 is the compact layout, still usable; one row less is not.
    let mut m = sized(60, 19);
    click(&mut m, (20, 0));
    click(&mut m, (5, 5));
    assert_eq!(m.screen, Screen::Registries);
    assert_eq!(m.registries.selected, 0);
}

#[test]
fn mouse_motion_is_no_message() {
    use ratatui::crossterm::event::Event;
    let at = |kind| {
        Msg::from_event(Event::Mouse(MouseEvent {
            kind,
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        }))
    };
    assert!(at(MouseEventKind::Moved).is_none());
    assert!(at(MouseEventKind::Drag(MouseButton::Left)).is_none());
    assert!(at(MouseEventKind::Up(MouseButton::Left)).is_none());
    assert!(matches!(
        at(MouseEventKind::Down(MouseButton::Left)),
        Some(Msg::Mouse(_))
    ));
    assert!(matches!(
        at(MouseEventKind::ScrollDown),
        Some(Msg::Mouse(_))
    ));
}
