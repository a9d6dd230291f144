//! The History screen: the audit log, newest last, filtered like the other
//! lists; the selected entry in full below. Everything shown is escaped
//! (names and reasons come from other users) and none of it is secret.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use super::columns::{Col, col};
use super::detail::more_below;
use super::layout::table_height;
use super::list::{list_title, no_match, table, widths};
use super::wrap::labelled;
use super::{fit, layout};
use crate::tui::state::Model;
use crate::tui::state::history::History;
use crate::tui::state::list::window;
use crate::tui::theme::Theme;

const COLUMNS: [&str; 5] = ["WHEN", "WHO", "ACTION", "TARGET", "RESULT"];
const COLS: [Col; 5] = [
    col(COLUMNS[0], 16, 16),
    col(COLUMNS[1], 8, 28),
    col(COLUMNS[2], 8, 20),
    col(COLUMNS[3], 8, 28),
    col(COLUMNS[4], 8, 200),
];

/// `2026-11-30 12:09` (UTC): a table cell; the detail shows seconds.
fn when(at: jiff::Timestamp) -> String {
    let s = at.to_string();
    s.get(..16).unwrap_or(&s).replace('T', " ")
}

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let rows = m.history_rows();
    let [top, bottom] = layout::split(area, rows.len(), layout::compact(f.area()));
    let all = m.history.rows();
    let title = list_title("History", rows.len(), all.len(), &m.history_list);
    let block = layout::list_block(title, rows.len(), &m.history_list, theme);
    let empty = match &m.history {
        History::NotLoaded => Some("reading the audit log…".to_owned()),
        History::Unavailable(why) => Some(why.clone()),
        History::Loaded { rows, .. } if rows.is_empty() => Some("No entries yet.".to_owned()),
        History::Loaded { .. } => None,
    };
    if let Some(text) = empty {
        f.render_widget(Paragraph::new(text).style(theme.dim()).block(block), top);
    } else if rows.is_empty() {
        no_match(f, top, block, m, "entry", &m.history_list, theme);
    } else {
        let shown = window(rows.len(), m.history_list.selected, table_height(top));
        let cells: Vec<[String; 5]> = rows[shown.clone()]
            .iter()
            .map(|&i| {
                let r = &all[i];
                [
                    when(r.at),
                    r.who.clone(),
                    r.action.clone(),
                    r.target.clone(),
                    r.result.clone(),
                ]
            })
            .collect();
        // Measured on the rows on screen: the log is read whole, not cached.
        let widths = widths(top, &COLS, None, &cells, (&m.history_list, 4));
        table(
            f,
            top,
            block,
            &COLUMNS,
            (&cells, shown.start),
            &widths,
            &m.history_list,
            theme,
        );
        layout::scrollbar(f, top, rows.len(), table_height(top), shown.start);
    }
    detail(f, bottom, m, theme);
}

fn detail(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let broken = match &m.history {
        History::Loaded {
            broken: Some(b), ..
        } => Some(b.clone()),
        _ => None,
    };
    let row = m
        .history_rows()
        .get(m.history_list.selected)
        .and_then(|&i| m.history.rows().get(i).cloned());
    let Some(r) = row else {
        let mut block = Block::bordered().title(" Entry ");
        if let Some(b) = broken {
            block = block.title_bottom(Line::styled(format!(" log broken: {b} "), theme.warning()));
        }
        f.render_widget(block, area);
        return;
    };
    let width = area.width.saturating_sub(12) as usize;
    let line = |label: &str, value: &str| labelled(label, 9, value, width, theme.dim());
    let mut lines = [
        line(
            "when",
            &r.at.round(jiff::Unit::Second).unwrap_or(r.at).to_string(),
        ),
        line("who", &r.who),
        line("what", &format!("{} {}", r.action, r.target)),
        line("where", &r.place),
        line("result", &r.result),
    ]
    .concat();
    if let Some(b) = broken {
        lines.push(Line::styled(
            fit(
                &format!(" log broken at {b}: run `regvault log verify`"),
                width + 10,
            ),
            theme.warning(),
        ));
    }
    let title = Line::styled(format!(" Entry {} ", r.index), theme.title());
    let block = more_below(Block::bordered().title(title), lines.len(), area, theme);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
