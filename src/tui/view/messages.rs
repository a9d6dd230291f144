//! The message log overlay (`:messages`, or the list's messages key): the
//! last 100 toasts, newest first, each with its time (UTC) and level and
//! its full text wrapped to the width — never cut, unlike the toast line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::popup;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::modal::Modal;
use crate::tui::state::{Level, Model};
use crate::tui::theme::Theme;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Messages { scroll }) = &m.modal else {
        return;
    };
    let rect = popup(f, area, area.width, area.height);
    let count = m.toasts.log().len();
    let title = format!(" Messages ({count}, newest first, times UTC) ");
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .title_bottom(Line::styled(keys(m), theme.dim()))
        .border_style(theme.focused());
    let mut lines = Vec::with_capacity(count);
    for t in m.toasts.log() {
        let (level, style) = match t.level {
            Level::Info => ("info ", theme.focused()),
            Level::Success => ("ok   ", theme.ok()),
            Level::Error => ("error", theme.error()),
        };
        let time = t.at.strftime("%H:%M:%S").to_string();
        let mut spans = vec![
            Span::styled(format!("{time} "), theme.dim()),
            Span::styled(format!("{level} "), style),
        ];
        // Line breaks in a message stay line breaks (wrapped like the rest).
        let mut parts = t.text.split('\n');
        spans.push(Span::raw(parts.next().unwrap_or_default().to_owned()));
        lines.push(Line::from(spans));
        lines.extend(parts.map(|p| Line::from(format!("               {p}"))));
    }
    if lines.is_empty() {
        lines.push(Line::styled("no messages yet", theme.dim()));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((*scroll, 0))
            .block(block),
        rect,
    );
}

/// ` ↑/↓ PgUp/PgDn scroll · Esc closes `, from the keymap.
fn keys(m: &Model) -> String {
    let ctx = &[KeyContext::Help, KeyContext::Dialog];
    let k = |a| m.keymap.first_key_in(ctx, a).map(|k| k.to_string());
    let scroll: Vec<String> = [
        Action::MoveUp,
        Action::MoveDown,
        Action::PageUp,
        Action::PageDown,
    ]
    .into_iter()
    .filter_map(k)
    .collect();
    match k(Action::Back) {
        Some(back) => format!(" {} scroll · {back} closes ", scroll.join(" ")),
        None => format!(" {} scroll ", scroll.join(" ")),
    }
}
