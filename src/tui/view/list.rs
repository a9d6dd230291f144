//! The Container Registries list: name, type, host, creator, last test and
//! how many containers use each; sort marker and `/` filter in the title.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::columns::{Col, col, share};
use super::layout::table_height;
use super::{fit, layout};
use crate::model::escape;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::list::{REGISTRY_COLUMNS, registry_cells_used, window};
use crate::tui::state::{ListState, Model};
use crate::tui::theme::Theme;

/// NAME, TYPE, HOST, CREATED BY, LAST TEST, USED BY: bounds of each.
const COLS: [Col; 6] = [
    col(REGISTRY_COLUMNS[0], 14, 32),
    col(REGISTRY_COLUMNS[1], 6, 6),
    col(REGISTRY_COLUMNS[2], 8, 48),
    col(REGISTRY_COLUMNS[3], 6, 28),
    col(REGISTRY_COLUMNS[4], 9, 48),
    col(REGISTRY_COLUMNS[5], 7, 9),
];

/// The registries list; the split with the detail pane is `layout::split`.
pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let rows = m.registry_rows();
    let title = list_title(
        "Container Registries",
        rows.len(),
        m.data.registries.len(),
        &m.registries,
    );
    let block = layout::list_block(title, rows.len(), &m.registries, theme);
    if m.data.registries.is_empty() {
        let add = m.keymap.first_key(KeyContext::List, Action::Add);
        let text = match add {
            Some(k) if !m.ctx.read_only => format!("No registries yet. Press {k} to add one."),
            _ => "No registries yet.".to_owned(),
        };
        f.render_widget(Paragraph::new(text).style(theme.dim()).block(block), area);
        return;
    }
    if rows.is_empty() {
        no_match(f, area, block, m, "registry", &m.registries, theme);
        return;
    }
    // Cells only for the rows on screen, not for every row shown.
    let shown = window(rows.len(), m.registries.selected, table_height(area));
    let cells: Vec<[String; 6]> = rows[shown.clone()]
        .iter()
        .map(|&i| registry_cells_used(&m.data.registries[i], m.used_by(i), m.now))
        .collect();
    let widths = widths(area, &COLS, m.registry_widths(), &cells, (&m.registries, 5));
    table(
        f,
        area,
        block,
        &REGISTRY_COLUMNS,
        (&cells, shown.start),
        &widths,
        &m.registries,
        theme,
    );
    layout::scrollbar(f, area, rows.len(), table_height(area), shown.start);
}

/// The filter left no row: say which filter, and how to clear it.
pub(super) fn no_match(
    f: &mut Frame,
    area: Rect,
    block: Block,
    m: &Model,
    what: &str,
    list: &ListState,
    theme: Theme,
) {
    let clear = m
        .keymap
        .first_key(KeyContext::List, Action::Back)
        .map(|k| k.to_string());
    let text = layout::no_match(what, list, clear);
    f.render_widget(
        Paragraph::new(text)
            .style(theme.dim())
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block),
        area,
    );
}

/// Column widths for a bordered table in `area`: shared by the widest
/// cells (`cached`, else the `cells` on screen), see `columns::share`.
pub(super) fn widths<const N: usize>(
    area: Rect,
    cols: &[Col; N],
    cached: Option<&[u16]>,
    cells: &[[String; N]],
    (list, fill): (&ListState, usize),
) -> [u16; N] {
    let measured;
    let widest = if let Some(w) = cached {
        w
    } else {
        let mut w = [0u16; N];
        for row in cells {
            for (i, c) in row.iter().enumerate() {
                w[i] = w[i].max(u16::try_from(c.chars().count()).unwrap_or(u16::MAX));
            }
        }
        measured = w;
        &measured[..]
    };
    // Borders, the highlight symbol and one space between columns.
    let avail = area.width.saturating_sub(2 + 2 + N as u16 - 1);
    share(avail, cols, widest, (list.sort.min(N - 1), fill))
}

/// Lines for rows in a bordered table with a one-line header.
/// ` Title (shown/total) · sort: NAME ▲ · filter: text `.
pub(super) fn list_title(name: &str, shown: usize, total: usize, list: &ListState) -> String {
    let count = if shown == total {
        format!("{total}")
    } else {
        format!("{shown}/{total}")
    };
    let mut title = format!(" {name} ({count}) ");
    if list.filtering || !list.filter_text().is_empty() {
        let cursor = if list.filtering { "▏" } else { "" };
        let _ = write!(title, "· filter: {}{cursor} ", list.filter_text());
    }
    title
}

/// A table with a header whose sorted column carries ▲ or ▼. `cells` are
/// the rows from `first` on that fit (see `list::window`): the table shows
/// them as it would show the whole list scrolled to the selection. A cell
/// wider than its column ends in `…`.
#[allow(clippy::too_many_arguments)]
pub(super) fn table<const N: usize>(
    f: &mut Frame,
    area: Rect,
    block: Block,
    columns: &[&str; N],
    (cells, first): (&[[String; N]], usize),
    widths: &[u16; N],
    list: &ListState,
    theme: Theme,
) {
    let sort = list.sort.min(N - 1);
    let header = Row::new(columns.iter().enumerate().map(|(i, c)| {
        let marker = match (i == sort, list.descending) {
            (false, _) => "",
            (true, false) => " ▲",
            (true, true) => " ▼",
        };
        Cell::from(fit(&format!("{c}{marker}"), usize::from(widths[i])))
    }))
    .style(theme.header());
    let rows = cells.iter().map(|row| {
        Row::new(
            row.iter()
                .enumerate()
                .map(|(i, c)| Cell::from(Span::raw(fit(&escape(c), usize::from(widths[i]))))),
        )
    });
    let selected = list.selected.saturating_sub(first);
    let mut state = TableState::default().with_selected(Some(selected));
    let table = Table::new(rows, widths.map(Constraint::Length))
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected())
        .highlight_symbol("▸ ");
    f.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;

    use super::*;
    use crate::tui::state::list::window;

    fn draw(cells: &[[String; 2]], first: usize, list: &ListState, height: u16) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(30, height)).expect("backend");
        let widths = [5, 30 - 2 - 2 - 1 - 5];
        t.draw(|f| {
            let area = f.area();
            let theme = Theme::new(false);
            let cells = (cells, first);
            table(
                f,
                area,
                Block::bordered(),
                &["A", "B"],
                cells,
                &widths,
                list,
                theme,
            );
        })
        .expect("draw");
        t.backend().buffer().clone()
    }

    /// Cells for the window only look exactly like cells for every row,
    /// wherever the selection is (the end of the list included).
    #[test]
    fn the_window_shows_what_the_whole_table_shows() {
        let all: Vec<[String; 2]> = (0..30)
            .map(|i| [format!("r{i}"), format!("x{i}")])
            .collect();
        for height in [2u16, 3, 4, 8, 12, 40] {
            for len in [0, 1, 5, 30] {
                for selected in [0, 1, 4, 7, 15, 29, 40] {
                    let list = ListState {
                        selected,
                        ..ListState::default()
                    };
                    let rows = &all[..len];
                    let shown = window(len, selected, table_height(Rect::new(0, 0, 30, height)));
                    let whole = draw(rows, 0, &list, height);
                    let windowed = draw(&rows[shown.clone()], shown.start, &list, height);
                    assert_eq!(
                        whole, windowed,
                        "{len} rows, {selected} selected, {height} high"
                    );
                }
            }
        }
        let list = ListState {
            selected: 29,
            ..ListState::default()
        };
        let shown = window(30, 29, table_height(Rect::new(0, 0, 30, 8)));
        assert_eq!(shown, 25..30, "the window ends at the selected last row");
        let text = format!("{:?}", draw(&all[shown.clone()], shown.start, &list, 8));
        assert!(text.contains("▸ r29"), "{text}");
    }
}
