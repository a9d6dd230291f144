//! Rendering: one function per screen region, each reading the `Model` and
//! nothing else. Secrets are masked here unless the form's reveal is on.

mod apply;
mod columns;
mod confirm;
mod containers;
mod detail;
mod dropdown;
mod footer;
mod form;
mod help;
mod history;
mod import;
mod init;
pub mod layout;
mod list;
mod messages;
mod probe;
mod reload;
mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::keymap::{Action, KeyContext};
use super::state::{Model, Screen};
use super::theme::Theme;

/// The smallest terminal any layout serves (the compact one, below 80×24).
pub use super::state::size::{MIN_HEIGHT, MIN_WIDTH};

/// Spinner frames, advanced by `Model::spinner`.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub(crate) fn spinner(m: &Model) -> &'static str {
    SPINNER[m.spinner % SPINNER.len()]
}

pub fn render(f: &mut Frame, m: &Model) {
    let theme = Theme {
        color: m.ctx.color,
        palette: m.palette,
    };
    let area = f.area();
    let Some(areas) = layout::layout(area, m.screen, m.row_count()) else {
        too_small(f, area, m, theme);
        return;
    };
    let layout::Areas {
        header,
        main,
        hints,
        status,
        ..
    } = areas;
    footer::header(f, header, m, theme);
    match m.screen {
        Screen::Init => init::render(f, main, m, theme),
        Screen::Registries => {
            list::render(f, areas.list, m, theme);
            detail::render(f, areas.detail, m, theme);
        }
        Screen::Containers => containers::render(f, main, m, theme),
        Screen::History => history::render(f, main, m, theme),
    }
    if let Some(form) = &m.form {
        form::render(f, main, m, form, theme);
    }
    footer::hints(f, hints, m, theme);
    footer::status(f, status, m, theme);
    if m.modal.is_some() {
        confirm::render(f, area, m, theme);
        apply::render(f, area, m, theme);
        apply::render_prune(f, area, m, theme);
        import::render(f, area, m, theme);
        probe::render_panel(f, area, m, theme);
        reload::render(f, area, m, theme);
        help::render(f, area, m, theme);
        messages::render(f, area, m, theme);
    }
    scrub_cells(f.buffer_mut());
}

/// Whatever a widget drew, no cell reaches the terminal holding a control
/// or invisible formatting character (ratatui drops control characters,
/// but a bidi override from a stored name or a server's message would pass
/// and reorder what is shown): such a cell shows U+FFFD. Names are shown
/// escaped (`model::escape`) before this, where they are drawn.
fn scrub_cells(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.symbol().chars().any(crate::model::is_unsafe) {
            cell.set_symbol("\u{FFFD}");
        }
    }
}

fn too_small(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let quit = m
        .keymap
        .first_key(KeyContext::Form, Action::Quit)
        .map_or_else(|| "Ctrl-C".to_owned(), |k| k.to_string());
    let mut text = vec![
        Line::styled(
            format!("regvault needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}"),
            theme.error(),
        ),
        Line::from(format!(
            "this one is {}×{}: enlarge it, or press {quit} to quit",
            area.width, area.height
        )),
        Line::styled("(no other key acts until then)", theme.dim()),
    ];
    if m.small_quit {
        text.push(Line::styled(
            format!("{quit} again quits and discards the unsaved edits"),
            theme.warning(),
        ));
    } else if m.has_unsaved() {
        text.push(Line::styled(
            "unsaved edits are kept: enlarge the terminal to save them",
            theme.warning(),
        ));
    }
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A box of `width`×`height` centred in `area` (clipped to it), cleared.
/// It never covers the screen's last row, the status line where toasts
/// show: a message about the dialog (a wrong typed name) stays readable.
pub(crate) fn popup(f: &mut Frame, area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    let y = area.y + (area.height - h) / 2;
    let free = f.area().bottom().saturating_sub(1);
    let h = h.min(free.saturating_sub(y));
    let rect = Rect::new(area.x + (area.width - w) / 2, y, w, h);
    f.render_widget(Clear, rect);
    rect
}

/// A dialog's frame and text: `lines` wrapped (never trimmed) in a bordered
/// box at `rect` (from `popup`) with `title`, `border` and a column of
/// padding each side.
pub(crate) fn dialog_box<'a>(
    f: &mut Frame,
    rect: Rect,
    title: impl Into<Line<'a>>,
    border: ratatui::style::Style,
    lines: Vec<Line<'a>>,
) {
    let block = ratatui::widgets::Block::bordered()
        .title(title)
        .border_style(border)
        .padding(ratatui::widgets::Padding::horizontal(1));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

/// `text` cut to `width` characters, ending in `…` when cut.
pub(crate) fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod scrub_tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::tui::test_support as fixtures;

    #[test]
    fn stored_escapes_and_bidi_overrides_never_reach_the_screen() {
        let mut data = fixtures::demo();
        data.registries[0].name = "ghcr\u{1b}]0;pwned\u{7}\u{202E}evil".into();
        data.registries[0].created_by = "mallory\u{202E}\u{1b}[31m".into();
        let m = fixtures::model(data);
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        terminal.draw(|f| super::render(f, &m)).unwrap();
        let buf = terminal.backend().buffer();
        crate::tui::test_support::assert_no_unsafe_cells(buf);
        let text = terminal.backend().to_string();
        assert!(text.contains("ghcr\\x1b]0;pwn"), "{text}");
    }
}
