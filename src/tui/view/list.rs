//! The Container Registries list: name, type, host, creator, last test and
//! how many containers use each; sort marker and `/` filter in the title.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::fit;
use crate::model::escape;
use crate::tui::state::list::{REGISTRY_COLUMNS, registry_cells_used, window};
use crate::tui::state::{ListState, Model};
use crate::tui::theme::Theme;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let rows = m.registry_rows();
    let title = list_title(
        "Container Registries",
        rows.len(),
        m.data.registries.len(),
        &m.registries,
    );
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    if m.data.registries.is_empty() {
        let add = m.keymap.first_key(
            crate::tui::keymap::KeyContext::List,
            crate::tui::keymap::Action::Add,
        );
        let text = match add {
            Some(k) if !m.ctx.read_only => format!("No registries yet. Press {k} to add one."),
            _ => "No registries yet.".to_owned(),
        };
        f.render_widget(Paragraph::new(text).style(theme.dim()).block(block), area);
        return;
    }
    let widths = [
        Constraint::Length(15),
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(13),
        Constraint::Length(10),
        Constraint::Length(7),
    ];
    // Cells only for the rows on screen, not for every row shown.
    let shown = window(rows.len(), m.registries.selected, table_height(area));
    let cells: Vec<[String; 6]> = rows[shown.clone()]
        .iter()
        .map(|&i| registry_cells_used(&m.data.registries[i], m.used_by(i), m.now))
        .collect();
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
}

/// Lines for rows in a bordered table with a one-line header.
pub(super) fn table_height(area: Rect) -> usize {
    super::layout::table_height(area)
}

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
/// them as it would show the whole list scrolled to the selection.
#[allow(clippy::too_many_arguments)]
pub(super) fn table<const N: usize>(
    f: &mut Frame,
    area: Rect,
    block: Block,
    columns: &[&str; N],
    (cells, first): (&[[String; N]], usize),
    widths: &[Constraint; N],
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
        Cell::from(format!("{c}{marker}"))
    }))
    .style(theme.header());
    // Borders, the highlight symbol and one space between columns.
    let fixed: u16 = widths
        .iter()
        .map(|w| if let Constraint::Length(n) = w { *n } else { 0 })
        .sum();
    let fill = area.width.saturating_sub(2 + 2 + fixed + N as u16 - 1) as usize;
    let width = |i: usize| match widths[i] {
        Constraint::Length(n) => n as usize,
        _ => fill,
    };
    let rows = cells.iter().map(|row| {
        Row::new(
            row.iter()
                .enumerate()
                .map(|(i, c)| Cell::from(Span::raw(fit(&escape(c), width(i))))),
        )
    });
    let selected = list.selected.saturating_sub(first);
    let mut state = TableState::default().with_selected(Some(selected));
    let table = Table::new(rows, widths.to_vec())
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
        let widths = [Constraint::Length(5), Constraint::Fill(1)];
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
