//! Mouse clicks and the wheel, hit-tested against the same
//! `view::layout::layout` the view draws with: a click on a row selects
//! it, on a tab switches to that view, the wheel moves the selection.
//! While a form or a dialog is open the mouse does nothing — a stray click
//! must never confirm, cancel or pick anything there.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::show_history;
use crate::tui::effect::Effect;
use crate::tui::state::{Model, Screen};
use crate::tui::view::layout::{TABS, layout, row_at};

/// Rows moved per wheel notch.
const WHEEL_STEP: isize = 1;

pub(super) fn on_mouse(m: &mut Model, event: MouseEvent) -> Vec<Effect> {
    if m.form.is_some() || m.modal.is_some() || m.screen == Screen::Init {
        return Vec::new();
    }
    let Some(areas) = layout(m.area(), m.screen, m.row_count()) else {
        return Vec::new();
    };
    let at = (event.column, event.row);
    let inside = |r: ratatui::layout::Rect| r.contains(at.into());
    match event.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(i) = areas.tabs.iter().position(|&r| inside(r)) {
                let screen = TABS[i].2;
                if screen == m.screen {
                    return Vec::new();
                }
                if screen == Screen::History {
                    return show_history(m);
                }
                m.screen = screen;
                return Vec::new();
            }
            let len = m.row_count();
            if let Some(row) = row_at(areas.list, len, m.list().selected, at) {
                m.list_mut().selected = row;
            }
        }
        MouseEventKind::ScrollDown if inside(areas.main) => {
            let len = m.row_count();
            m.list_mut().move_by(WHEEL_STEP, len);
        }
        MouseEventKind::ScrollUp if inside(areas.main) => {
            let len = m.row_count();
            m.list_mut().move_by(-WHEEL_STEP, len);
        }
        _ => {}
    }
    Vec::new()
}
