//! Snapshots of what issue #13 item 12 adds to the screen: the light theme
//! (text in the snapshot, colours asserted on buffer cells) and the undo
//! question, at 80×24 and 120×40.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::state::Model;
use super::state::modal::Modal;
use super::state::undo::{Deleted, DeletedKind};
use super::test_support as fixtures;
use super::theme::Palette;
use super::view;

fn draw(m: &Model, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| view::render(f, m)).expect("draw");
    terminal
}

/// The foreground of the cell where `text` starts (first match).
fn fg_at(t: &Terminal<TestBackend>, text: &str) -> Option<Color> {
    let buf = t.backend().buffer();
    let screen = super::app::buffer_text(buf);
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not on screen:\n{screen}"));
    let x = line[..line.find(text).expect("found")].chars().count();
    buf[(x as u16, y as u16)].fg.into()
}

fn light() -> Model {
    let mut m = fixtures::full();
    m.ctx.color = true;
    m.palette = Palette::LIGHT;
    m
}

#[test]
fn light_theme_registries() {
    let m = light();
    let t = draw(&m, 80, 24);
    insta::assert_snapshot!("light_theme_registries", t.backend());
    assert_eq!(fg_at(&t, "Container Registries"), Some(Color::Blue));
    assert_eq!(fg_at(&t, "NAME"), Some(Color::Magenta), "column header");
    // The same cells in the dark preset, and with NO_COLOR.
    let mut m = m;
    m.palette = Palette::DARK;
    let t = draw(&m, 80, 24);
    assert_eq!(fg_at(&t, "Container Registries"), Some(Color::Cyan));
    assert_eq!(fg_at(&t, "NAME"), Some(Color::Yellow));
    m.palette = Palette::LIGHT;
    m.ctx.color = false;
    let t = draw(&m, 80, 24);
    assert_eq!(fg_at(&t, "Container Registries"), Some(Color::Reset));
}

fn undo_question() -> Model {
    let mut m = fixtures::full();
    m.modal = Some(Modal::ConfirmUndo(Deleted {
        kind: DeletedKind::Registry,
        id: "reg-abc123".into(),
        name: "ghcr-acme".into(),
    }));
    m
}

#[test]
fn undo_question_80x24() {
    insta::assert_snapshot!(
        "undo_question_80x24",
        draw(&undo_question(), 80, 24).backend()
    );
}

#[test]
fn undo_question_120x40() {
    insta::assert_snapshot!(
        "undo_question_120x40",
        draw(&undo_question(), 120, 40).backend()
    );
}
