//! The Container Registries list: name, type, host, creator, last test and
//! how many containers use each; sort marker and `/` filter in the title.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::fit;
use crate::tui::state::list::{REGISTRY_COLUMNS, registry_cells};
use crate::tui::state::{ListState, Model};
use crate::tui::theme::Theme;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let rows = m.registry_rows();
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|&i| registry_cells(&m.data.registries[i], &m.data, m.now))
        .collect();
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
    table(
        f,
        area,
        block,
        &REGISTRY_COLUMNS,
        &cells,
        &widths,
        &m.registries,
        theme,
    );
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
        title.push_str(&format!("· filter: {}{cursor} ", list.filter_text()));
    }
    title
}

/// A table with a header whose sorted column carries ▲ or ▼.
#[allow(clippy::too_many_arguments)]
pub(super) fn table<const N: usize>(
    f: &mut Frame,
    area: Rect,
    block: Block,
    columns: &[&str; N],
    cells: &[[String; N]],
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
                .map(|(i, c)| Cell::from(Span::raw(fit(c, width(i))))),
        )
    });
    let mut state = TableState::default().with_selected(Some(list.selected));
    let table = Table::new(rows, widths.to_vec())
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected())
        .highlight_symbol("▸ ");
    f.render_stateful_widget(table, area, &mut state);
}
