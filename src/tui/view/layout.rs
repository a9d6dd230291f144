//! Where each region of the screen goes, as a pure function of the
//! terminal's size and the screen shown. The view draws into these areas
//! and `update` hit-tests mouse clicks against the same ones, so a click
//! always lands on what was drawn there.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::tui::state::Screen;
use crate::tui::state::list::window;

use super::{MIN_HEIGHT, MIN_WIDTH};

/// The header's program name, drawn before the tabs.
pub const BRAND: &str = " regvault ";

/// The view tabs in the header: number key, title, screen.
pub const TABS: [(&str, &str, Screen); 3] = [
    ("1", "Registries", Screen::Registries),
    ("2", "Containers", Screen::Containers),
    ("3", "History", Screen::History),
];

/// A tab's text as the header draws it.
pub fn tab_label(n: &str, name: &str) -> String {
    format!(" {n} {name} ")
}

/// The regions of one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// Each tab title in the header, in `TABS` order.
    pub tabs: [Rect; 3],
    /// Between the header and the hints: the screen's own content.
    pub main: Rect,
    /// The list (bordered table) of a list screen.
    pub list: Rect,
    /// The detail pane below the list.
    pub detail: Rect,
    pub hints: Rect,
    pub status: Rect,
}

/// The regions of a frame of `area` showing `screen`; `None` when the
/// terminal is below the minimum size (only the "too small" text is drawn).
pub fn layout(area: Rect, screen: Screen) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [header, main, hints, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [list, detail] = split_main(main, screen);
    let mut tabs = [Rect::default(); 3];
    let mut x = header.x + BRAND.chars().count() as u16;
    for (rect, (n, name, _)) in tabs.iter_mut().zip(TABS) {
        let w = tab_label(n, name).chars().count() as u16;
        *rect = Rect::new(x, header.y, w, 1).intersection(header);
        // One space between tabs.
        x += w + 1;
    }
    Some(Areas {
        header,
        tabs,
        main,
        list,
        detail,
        hints,
        status,
    })
}

/// A list screen's `main` area: the list on top, the detail pane below.
pub fn split_main(main: Rect, screen: Screen) -> [Rect; 2] {
    let list_height = match screen {
        Screen::Registries => 11,
        Screen::Init | Screen::Containers | Screen::History => 13,
    };
    Layout::vertical([Constraint::Length(list_height), Constraint::Fill(1)]).areas(main)
}

/// Lines for rows in a bordered table with a one-line header.
pub fn table_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(3))
}

/// Which row (index into the shown rows) a click at `(x, y)` inside the
/// bordered table `list` hits, given `len` rows and the selection — the
/// same window the table draws (`list::window`).
pub fn row_at(list: Rect, len: usize, selected: usize, (x, y): (u16, u16)) -> Option<usize> {
    let inner_x = list.x + 1..list.right().saturating_sub(1);
    // Below the top border and the column header.
    let first_y = list.y + 2;
    if !inner_x.contains(&x) || y < first_y {
        return None;
    }
    let offset = usize::from(y - first_y);
    let height = table_height(list);
    if offset >= height {
        return None;
    }
    let shown = window(len, selected, height);
    let row = shown.start + offset;
    (row < shown.end).then_some(row)
}
