//! Where each region of the screen goes, as a pure function of the
//! terminal's size, the screen shown and how many rows its list has: the
//! view draws into these areas and `update` hit-tests mouse clicks against
//! the same ones, so a click always lands on what was drawn there.
//!
//! A list screen: the list takes the lines its rows need (all of them when
//! they fit), the detail pane below what is left, never less than its
//! minimum; a scrollbar and the position (`3/9`) on the list's border when
//! not every row fits; and what an empty filter result says instead of an
//! empty table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Scrollbar, ScrollbarOrientation, ScrollbarState};

use crate::tui::state::list::window;
use crate::tui::state::size::TermSize;
use crate::tui::state::{ListState, Screen};
use crate::tui::theme::Theme;

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

/// The regions of a frame of `area` showing `screen`, whose list has
/// `rows` rows (`Model::row_count`); `None` when the terminal is below the
/// minimum size (only the "too small" text is drawn).
pub fn layout(area: Rect, screen: Screen, rows: usize) -> Option<Areas> {
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
    let [list, detail] = match screen {
        Screen::Init => [main, Rect::default()],
        _ => split(main, rows, compact(area)),
    };
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

/// Lines of the detail pane (its borders included) at the least.
const DETAIL_MIN: u16 = 7;
const DETAIL_MIN_COMPACT: u16 = 4;
/// Lines of the list at the least: borders, header and three rows.
const LIST_MIN: u16 = 6;

/// The compact layout is on for a frame of this size.
pub fn compact(area: Rect) -> bool {
    TermSize::new(area.width, area.height).compact()
}

/// Splits `main` into the list (for `rows` rows) and the detail pane.
pub fn split(main: Rect, rows: usize, compact: bool) -> [Rect; 2] {
    let detail_min = if compact {
        DETAIL_MIN_COMPACT
    } else {
        DETAIL_MIN
    };
    // Borders and the header row.
    let want = u16::try_from(rows.max(1))
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    let room = main.height.saturating_sub(detail_min).max(LIST_MIN);
    let list = want.min(room).min(main.height);
    Layout::vertical([Constraint::Length(list), Constraint::Fill(1)]).areas(main)
}

/// The list's block: its title, and the position of the selection on the
/// bottom border (`3/9`) when there are rows.
pub(super) fn list_block(
    title: String,
    rows: usize,
    list: &ListState,
    theme: Theme,
) -> Block<'static> {
    let mut block = Block::bordered().title(Line::styled(title, theme.title()));
    if rows > 0 {
        let at = list.selected.min(rows - 1) + 1;
        block =
            block.title_bottom(Line::styled(format!(" {at}/{rows} "), theme.dim()).right_aligned());
    }
    block
}

/// A scrollbar on the right border of a bordered table of `rows` rows
/// showing `visible` of them from `first` on, when some are off screen.
pub(super) fn scrollbar(f: &mut Frame, area: Rect, rows: usize, visible: usize, first: usize) {
    if rows <= visible || area.height < 4 {
        return;
    }
    // Beside the rows: under the top border and the header.
    let track = Rect {
        y: area.y + 2,
        height: area.height - 3,
        ..area
    };
    let mut state = ScrollbarState::new(rows.saturating_sub(visible) + 1)
        .position(first.min(rows - visible))
        .viewport_content_length(visible);
    let bar = Scrollbar::new(ScrollbarOrientation::VerticalRight)
        .begin_symbol(None)
        .end_symbol(None)
        .track_symbol(Some("│"))
        .thumb_symbol("█");
    f.render_stateful_widget(bar, track, &mut state);
}

/// What an empty filter result says: which filter, and how to clear it.
pub(super) fn no_match(what: &str, list: &ListState, clear: Option<String>) -> String {
    let mut text = format!("no {what} matches '{}'", list.filter_text());
    if let Some(key) = clear {
        text = format!("{text} — {key} clears the filter");
    }
    text
}

/// A hint bar of (key, what) span pairs in `width` columns: when it is too
/// wide, hints before the last two (help and quit, always shown) are left
/// out from the end — whole, never cut mid-word; `?` lists every key.
pub(super) fn fit_hints(mut spans: Vec<Span<'static>>, width: u16) -> Vec<Span<'static>> {
    let len = |s: &[Span]| s.iter().map(|s| s.content.chars().count()).sum::<usize>();
    while len(&spans) > usize::from(width) && spans.len() >= 6 {
        let at = spans.len() - 6;
        spans.drain(at..at + 2);
    }
    spans
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
