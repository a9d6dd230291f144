//! The chrome around the screens: the header with the view tabs, the key
//! hints row (or the `:` command line with its completions), and the status
//! line: the newest toast, else the vault path and user.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{fit, spinner};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::modal::Modal;
use crate::tui::state::toast::Toast;
use crate::tui::state::{Level, Model, Screen};
use crate::tui::theme::Theme;
use crate::tui::update::command;

pub(super) fn header(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let tab = |n: &str, name: &str, on: bool| {
        let style = if on { theme.selected() } else { theme.dim() };
        Span::styled(super::layout::tab_label(n, name), style)
    };
    let mut spans = vec![Span::styled(super::layout::BRAND, theme.title())];
    if m.screen != Screen::Init {
        // Where `layout::layout` says the tabs are: a click hits them.
        for (i, (n, name, screen)) in super::layout::TABS.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw(" "));
            }
            spans.push(tab(n, name, m.screen == screen));
        }
    }
    if m.ctx.read_only {
        spans.push(Span::styled("  READ-ONLY", theme.warning()));
    }
    if m.ctx.demo {
        // Fake credentials, offline checks, a demo cluster: never mistaken
        // for the real vault.
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            " DEMO ",
            theme
                .warning()
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Key hints for what has focus, from the keymap; the command line when open.
pub(super) fn hints(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    if let Some(Modal::Command { input, .. }) = &m.modal {
        command_line(f, area, input, theme);
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
    f.render_widget(
        Paragraph::new(list_hints(m, area.width as usize, theme)),
        area,
    );
}

/// The list's actions, most useful first, with a short label each; what
/// does not fit the width is left to `? more` (the help lists every one).
const LIST_HINTS: &[(Action, &str)] = &[
    (Action::Add, "add"),
    (Action::Edit, "edit"),
    (Action::Delete, "delete"),
    (Action::TestConnection, "test"),
    (Action::Apply, "apply"),
    (Action::Import, "import"),
    (Action::Filter, "filter"),
    (Action::Quit, "quit"),
    (Action::Dismiss, "dismiss"),
    (Action::CycleSort, "sort"),
    (Action::NextView, "view"),
    (Action::CommandLine, "cmd"),
    (Action::Messages, "messages"),
];

/// Whether a list hint means anything on this screen now.
fn shown(m: &Model, action: Action) -> bool {
    let history = m.screen == Screen::History;
    match action {
        _ if m.ctx.read_only && action.writes() => false,
        Action::TestConnection => m.screen == Screen::Registries,
        Action::Add | Action::Edit | Action::Delete | Action::CycleSort | Action::Apply => !history,
        // Only while there is something to dismiss.
        Action::Dismiss => !m.toasts.is_empty(),
        _ => true,
    }
}

/// ` a add  e edit … ? more`: the hints that fit in `width`, in priority
/// order, always ending with the help key.
fn list_hints(m: &Model, width: usize, theme: Theme) -> Line<'static> {
    let key = |a| m.keymap.first_key(KeyContext::List, a);
    let help = key(Action::Help).map(|k| format!(" {k}"));
    let more = " more ";
    let mut room =
        width.saturating_sub(help.as_ref().map_or(0, |h| h.chars().count() + more.len()));
    let mut spans = Vec::new();
    for &(action, what) in LIST_HINTS {
        let Some(k) = key(action).filter(|_| shown(m, action)) else {
            continue;
        };
        let (k, what) = (format!(" {k}"), format!(" {what} "));
        let len = k.chars().count() + what.chars().count();
        // Keep going: a shorter hint further down may still fit.
        if len > room {
            continue;
        }
        room -= len;
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(what));
    }
    if let Some(k) = help {
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(more));
    }
    Line::from(spans)
}

/// `:mes▏  messages  (Tab completes)`: the line being typed, then the
/// commands it could still become.
fn command_line(f: &mut Frame, area: Rect, input: &tui_input::Input, theme: Theme) {
    let typed = input.value().trim_start_matches(':');
    let mut spans = vec![
        Span::styled(":", theme.key()),
        Span::raw(input.value().to_owned()),
    ];
    let word = typed.split_whitespace().next().unwrap_or_default();
    if let Some(c) = command::find(word).filter(|c| !c.args.is_empty() && typed != word) {
        spans.push(Span::raw("   "));
        spans.push(Span::styled(format!(":{} {}", c.name, c.args), theme.dim()));
    } else if !typed.contains(char::is_whitespace) {
        let found = command::candidates(typed);
        let listed = if found.len() == 1 && found[0] == typed {
            String::new()
        } else {
            found.join(" ")
        };
        if !listed.is_empty() {
            spans.push(Span::raw("   "));
            spans.push(Span::styled(listed, theme.dim()));
            spans.push(Span::styled("  (Tab completes)", theme.dim()));
        }
    }
    let spans = super::layout::fit_hints(spans, area.width);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
    f.set_cursor_position((area.x + 1 + input.visual_cursor() as u16, area.y));
}

/// The status line: the newest toast when one shows (its own line, so it
/// never covers a form's keys or a dialog), else the vault path and user;
/// on the right whatever runs.
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
    let mut spans = match m.toasts.latest() {
        Some(t) => toast(m, t, room, theme),
        None => vec![Span::styled(
            fit(&format!(" {} · {}", m.ctx.vault_path, m.ctx.user), room),
            theme.dim(),
        )],
    };
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let pad = (area.width as usize).saturating_sub(used + right.chars().count());
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(right, theme.focused()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// ` ✗ save failed: … · M log · x dismiss`: the toast in `room` columns.
/// Text that does not fit ends in `…` and names the log, where it is whole;
/// an error names the key that dismisses it (it stays until then).
fn toast(m: &Model, t: &Toast, room: usize, theme: Theme) -> Vec<Span<'static>> {
    let (mark, style) = match t.level {
        Level::Info => ("•", theme.focused()),
        Level::Success => ("✓", theme.ok()),
        Level::Error => ("✗", theme.error()),
    };
    let key = |a| m.keymap.first_key(KeyContext::List, a);
    let text = format!(" {mark} {}", one_line(&t.text));
    let mut tail = Vec::new();
    if text.chars().count() > room
        && let Some(k) = key(Action::Messages)
    {
        tail.push(format!(" · {k} log"));
    }
    if t.level == Level::Error
        && let Some(k) = key(Action::Dismiss)
    {
        tail.push(format!(" · {k} dismiss"));
    }
    let tail = tail.concat();
    let text = fit(&text, room.saturating_sub(tail.chars().count()));
    vec![Span::styled(text, style), Span::styled(tail, theme.dim())]
}

/// A message on one line: its line breaks become ` / `.
fn one_line(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join(" / ")
}
