//! The History screen: the audit log, newest last, filtered like the other
//! lists; the selected entry in full below. Everything shown is escaped
//! (names and reasons come from other users) and none of it is secret.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fit;
use super::list::{list_title, table, table_height};
use crate::tui::state::Model;
use crate::tui::state::history::History;
use crate::tui::state::list::window;
use crate::tui::theme::Theme;

const COLUMNS: [&str; 5] = ["WHEN", "WHO", "ACTION", "TARGET", "RESULT"];

/// `2026-11-30 12:09` (UTC): a table cell; the detail shows seconds.
fn when(at: jiff::Timestamp) -> String {
    let s = at.to_string();
    s.get(..16).unwrap_or(&s).replace('T', " ")
}

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let [top, bottom] = super::layout::split_main(area, crate::tui::state::Screen::History);
    let rows = m.history_rows();
    let all = m.history.rows();
    let title = list_title("History", rows.len(), all.len(), &m.history_list);
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let empty = match &m.history {
        History::NotLoaded => Some("reading the audit log…".to_owned()),
        History::Unavailable(why) => Some(why.clone()),
        History::Loaded { rows, .. } if rows.is_empty() => Some("No entries yet.".to_owned()),
        History::Loaded { .. } => None,
    };
    if let Some(text) = empty {
        f.render_widget(Paragraph::new(text).style(theme.dim()).block(block), top);
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
        let widths = [
            Constraint::Length(16),
            Constraint::Length(14),
            Constraint::Length(16),
            Constraint::Length(13),
            Constraint::Fill(1),
        ];
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
    let line = |label: &str, value: &str| {
        Line::from(vec![
            Span::styled(format!(" {label:<9}"), theme.dim()),
            Span::raw(fit(value, width)),
        ])
    };
    let mut lines = vec![
        line(
            "when",
            &r.at.round(jiff::Unit::Second).unwrap_or(r.at).to_string(),
        ),
        line("who", &r.who),
        line("what", &format!("{} {}", r.action, r.target)),
        line("where", &r.place),
        line("result", &r.result),
    ];
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
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}
