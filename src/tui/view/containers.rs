//! The containers screen: which image each workload pulls, from which saved
//! registry (or publicly), in which environment; details of the selection.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use super::columns::{Col, col};
use super::detail::more_below;
use super::layout;
use super::layout::table_height;
use super::list::{list_title, no_match, table, widths};
use super::wrap::labelled;
use crate::model::escape;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::list::{CONTAINER_COLUMNS, age, container_cells_in, window};
use crate::tui::theme::Theme;

/// NAME, ENVIRONMENT, IMAGE, REGISTRY, CREATED BY: bounds of each.
const COLS: [Col; 5] = [
    col(CONTAINER_COLUMNS[0], 10, 32),
    col(CONTAINER_COLUMNS[1], 8, 16),
    col(CONTAINER_COLUMNS[2], 10, 64),
    col(CONTAINER_COLUMNS[3], 8, 28),
    col(CONTAINER_COLUMNS[4], 8, 28),
];

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let rows = m.container_rows();
    let [top, bottom] = layout::split(area, rows.len(), layout::compact(f.area()));
    let title = list_title(
        "Containers",
        rows.len(),
        m.data.containers.len(),
        &m.containers,
    );
    let block = layout::list_block(title, rows.len(), &m.containers, theme);
    if m.data.containers.is_empty() {
        let text = match m.keymap.first_key(KeyContext::List, Action::Add) {
            Some(k) if !m.ctx.read_only => format!("No containers yet. Press {k} to add one."),
            _ => "No containers yet.".to_owned(),
        };
        f.render_widget(Paragraph::new(text).style(theme.dim()).block(block), top);
    } else if rows.is_empty() {
        no_match(f, top, block, m, "container", &m.containers, theme);
    } else {
        let shown = window(rows.len(), m.containers.selected, table_height(top));
        let cells: Vec<[String; 5]> = rows[shown.clone()]
            .iter()
            .map(|&i| container_cells_in(&m.data.containers[i], |_| m.container_registry(i)))
            .collect();
        let widths = widths(top, &COLS, m.container_widths(), &cells, (&m.containers, 4));
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
        layout::scrollbar(f, top, rows.len(), table_height(top), shown.start);
    }
    detail(f, bottom, m, theme);
}

fn detail(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(c) = m.selected_container() else {
        f.render_widget(Block::bordered().title(" Details "), area);
        return;
    };
    let width = area.width.saturating_sub(19) as usize;
    let row = |label: &str, value: String| labelled(label, 16, &value, width, theme.dim());
    let registry = match &c.registry_config.registry_id {
        None => "public image — no credentials needed".to_owned(),
        Some(id) => m.data.registries.iter().find(|r| &r.id == id).map_or_else(
            || format!("{id} (missing!)"),
            |r| format!("{} ({}, {})", escape(&r.name), r.kind.type_key(), r.id),
        ),
    };
    let lines = [
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
    ]
    .concat();
    let title = Line::styled(format!(" {} ", escape(&c.name)), theme.title());
    let block = more_below(Block::bordered().title(title), lines.len(), area, theme);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
