//! An open dropdown (registry type, container's registry): the options in
//! a box just below the field, the highlighted one reversed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Clear, List, ListItem, ListState};

use crate::tui::state::form::{Field, FieldValue};
use crate::tui::theme::Theme;

pub(super) fn render(
    f: &mut Frame,
    bounds: Rect,
    anchor: Rect,
    field: &Field,
    highlighted: usize,
    theme: Theme,
) {
    let FieldValue::Choice { options, .. } = &field.value else {
        return;
    };
    let width = options
        .iter()
        .map(|o| o.chars().count())
        .max()
        .unwrap_or(10) as u16
        + 6;
    let height = (options.len() as u16 + 2).min(bounds.height);
    // Below the field if it fits, else as low as the bounds allow.
    let y = anchor.y.min(bounds.bottom().saturating_sub(height));
    let x = anchor.x.min(bounds.right().saturating_sub(width));
    let rect = Rect::new(x, y, width.min(bounds.width), height);
    f.render_widget(Clear, rect);
    let items: Vec<ListItem> = options.iter().map(|o| ListItem::new(o.as_str())).collect();
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(format!(" {} ", field.label))
                .border_style(theme.focused()),
        )
        .highlight_style(theme.selected())
        .highlight_symbol("▸ ");
    let mut state = ListState::default().with_selected(Some(highlighted));
    f.render_stateful_widget(list, rect, &mut state);
}
