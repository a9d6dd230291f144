//! The containers screen: which image each workload pulls, from which saved
//! registry (or publicly), in which environment; details of the selection.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fit;
use super::list::{list_title, table, table_height};
use crate::model::escape;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::list::{CONTAINER_COLUMNS, age, container_cells_in, window};
use crate::tui::theme::Theme;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let [top, bottom] = super::layout::split_main(area, crate::tui::state::Screen::Containers);
    let rows = m.container_rows();
    let title = list_title(
        "Containers",
        rows.len(),
        m.data.containers.len(),
        &m.containers,
    );
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    if m.data.containers.is_empty() {
        let text = match m.keymap.first_key(KeyContext::List, Action::Add) {
            Some(k) if !m.ctx.read_only => format!("No containers yet. Press {k} to add one."),
            _ => "No containers yet.".to_owned(),
        };
        f.render_widget(Paragraph::new(text).style(theme.dim()).block(block), top);
    } else {
        let shown = window(rows.len(), m.containers.selected, table_height(top));
        let cells: Vec<[String; 5]> = rows[shown.clone()]
            .iter()
            .map(|&i| container_cells_in(&m.data.containers[i], |_| m.container_registry(i)))
            .collect();
        let widths = [
            Constraint::Length(12),
            Constraint::Length(11),
            Constraint::Fill(1),
            Constraint::Length(13),
            Constraint::Length(12),
        ];
        table(
            f,
            top,
            block,
            &CONTAINER_COLUMNS,
            (&cells, shown.start),
            &widths,
            &m.containers,
            theme,
        );
    }
    detail(f, bottom, m, theme);
}

fn detail(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(c) = m.selected_container() else {
        f.render_widget(Block::bordered().title(" Details "), area);
        return;
    };
    let width = area.width.saturating_sub(19) as usize;
    let row = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!(" {label:<16}"), theme.dim()),
            Span::raw(fit(&value, width)),
        ])
    };
    let registry = match &c.registry_config.registry_id {
        None => "public image — no credentials needed".to_owned(),
        Some(id) => m.data.registries.iter().find(|r| &r.id == id).map_or_else(
            || format!("{id} (missing!)"),
            |r| format!("{} ({}, {})", escape(&r.name), r.kind.type_key(), r.id),
        ),
    };
    let lines = vec![
        row("image", escape(&c.image_ref()).into_owned()),
        row("registry", registry),
        row(
            "environment",
            format!("{}  (namespace env-{})", c.environment, c.environment),
        ),
        row(
            "created",
            format!(
                "by {}, {} ago  id {}",
                escape(&c.created_by),
                age(c.created_at, m.now),
                c.id
            ),
        ),
    ];
    let title = Line::styled(format!(" {} ", escape(&c.name)), theme.title());
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}
