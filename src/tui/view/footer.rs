//! The chrome around the screens: the header with the view tabs, the key
//! hints row (or the `:` command line), the status line with the vault path
//! and user, and toasts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{fit, popup, spinner};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::modal::Modal;
use crate::tui::state::{Level, Model, Screen};
use crate::tui::theme::Theme;

pub(super) fn header(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let tab = |n: &str, name: &str, on: bool| {
        let style = if on { theme.selected() } else { theme.dim() };
        Span::styled(format!(" {n} {name} "), style)
    };
    let mut spans = vec![Span::styled(" regvault ", theme.title())];
    if m.screen != Screen::Init {
        spans.push(tab("1", "Registries", m.screen == Screen::Registries));
        spans.push(Span::raw(" "));
        spans.push(tab("2", "Containers", m.screen == Screen::Containers));
        spans.push(Span::raw(" "));
        spans.push(tab("3", "History", m.screen == Screen::History));
    }
    if m.ctx.read_only {
        spans.push(Span::styled("  READ-ONLY", theme.warning()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Key hints for what has focus, from the keymap; the command line when open.
pub(super) fn hints(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    if let Some(Modal::Command { input }) = &m.modal {
        let line = Line::from(vec![
            Span::styled(":", theme.key()),
            Span::raw(input.value().to_owned()),
        ]);
        f.render_widget(Paragraph::new(line), area);
        f.set_cursor_position((area.x + 1 + input.visual_cursor() as u16, area.y));
        return;
    }
    if m.form.is_some() || m.modal.is_some() || m.screen == Screen::Init {
        return;
    }
    if m.list().filtering {
        let line = Line::styled("type to filter · Enter keep · Esc clear", theme.dim());
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    let actions = [
        (Action::Add, "add"),
        (Action::Edit, "edit"),
        (Action::Delete, "delete"),
        (Action::TestConnection, "test"),
        (Action::Filter, "filter"),
        (Action::CycleSort, "sort"),
        (Action::NextView, "view"),
        (Action::Help, "help"),
        (Action::Quit, "quit"),
    ];
    let mut spans = Vec::new();
    for (action, what) in actions {
        let hidden = (m.ctx.read_only && action.writes())
            || (action == Action::TestConnection && m.screen != Screen::Registries)
            || (m.screen == Screen::History
                && matches!(
                    action,
                    Action::Add | Action::Edit | Action::Delete | Action::CycleSort
                ));
        if hidden {
            continue;
        }
        if let Some(key) = m.keymap.first_key(KeyContext::List, action) {
            spans.push(Span::styled(format!(" {key}"), theme.key()));
            spans.push(Span::raw(format!(" {what} ")));
        }
    }
    let spans = super::layout::fit_hints(spans, area.width);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(super) fn status(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let mut right = String::new();
    if m.pending_save.is_some() {
        right = format!("{} saving… ", spinner(m));
    } else if let Some(p) = &m.list_probe {
        let name = m
            .data
            .registry(p.registry.as_str())
            .map_or("", |r| r.name.as_str());
        right = format!("{} testing {name}… (Esc cancels) ", spinner(m));
    } else if m.init_job.is_some() {
        right = format!("{} creating the vault… ", spinner(m));
    } else if let Some(line) = &m.watch_line {
        right = format!("{line} ");
    }
    let room = (area.width as usize).saturating_sub(right.chars().count() + 1);
    let left = fit(&format!(" {} · {}", m.ctx.vault_path, m.ctx.user), room);
    let pad = (area.width as usize).saturating_sub(left.chars().count() + right.chars().count());
    let line = Line::from(vec![
        Span::styled(left, theme.dim()),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, theme.focused()),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

/// The newest toast, bottom-right over the screen, above the hints.
pub(super) fn toast(f: &mut Frame, main: Rect, m: &Model, theme: Theme) {
    let Some(t) = m.toasts.latest() else { return };
    let (mark, style) = match t.level {
        Level::Info => ("•", theme.focused()),
        Level::Success => ("✓", theme.ok()),
        Level::Error => ("✗", theme.error()),
    };
    let text = fit(&format!("{mark} {}", t.text), main.width as usize - 4);
    let width = text.chars().count() as u16 + 4;
    let bottom = Rect::new(main.right() - width, main.bottom() - 3, width, 3);
    let rect = popup(f, bottom, width, 3);
    f.render_widget(
        Paragraph::new(Line::styled(text, style)).block(Block::bordered().border_style(style)),
        rect,
    );
}
