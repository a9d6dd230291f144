//! How a list screen uses the terminal: the list takes the lines its rows
//! need (all of them when they fit), the detail pane below what is left,
//! never less than its minimum; a scrollbar and the position (`3/9`) on the
//! list's border when not every row fits; and what an empty filter result
//! says instead of an empty table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Scrollbar, ScrollbarOrientation, ScrollbarState};

use crate::tui::state::ListState;
use crate::tui::state::size::TermSize;
use crate::tui::theme::Theme;

/// Lines of the detail pane (its borders included) at the least.
const DETAIL_MIN: u16 = 7;
const DETAIL_MIN_COMPACT: u16 = 4;
/// Lines of the list at the least: borders, header and three rows.
const LIST_MIN: u16 = 6;

/// The compact layout is on for a frame of this size.
pub(super) fn compact(area: Rect) -> bool {
    TermSize::new(area.width, area.height).compact()
}

/// Splits `main` into the list (for `rows` rows) and the detail pane.
pub(super) fn split(main: Rect, rows: usize, compact: bool) -> [Rect; 2] {
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
