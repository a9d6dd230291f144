//! First run: no vault at the path yet. Says what creating one does (a new
//! age identity, like `regvault init`) and waits for Enter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{dialog_box, popup, spinner};
use crate::tui::state::Model;
use crate::tui::theme::Theme;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let mut lines = vec![
        Line::styled("Welcome to regvault", theme.title()),
        Line::default(),
        Line::from("There is no vault at"),
        Line::styled(format!("  {}", m.ctx.vault_path), theme.key()),
        Line::default(),
        Line::from("Create it now? It is encrypted to the age identity"),
        Line::styled(format!("  {}", m.ctx.identity_path), theme.key()),
        Line::from("(created if missing — keep it safe: it opens the vault)."),
        Line::default(),
    ];
    if m.init_job.is_some() {
        lines.push(Line::from(format!("{} creating…", spinner(m))));
    } else {
        lines.push(Line::styled("Enter create · q quit", theme.dim()));
    }
    let rect = popup(f, area, 66, lines.len() as u16 + 2);
    dialog_box(f, rect, " First run ", theme.focused(), lines);
}
