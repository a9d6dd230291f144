//! The `?` overlay, generated from the keymap: every bound action of each
//! context with its keys and its description (the `Action` doc comment).
//! Lists on the left; forms and the dialogs' sections on the right (scroll
//! with the dialog keys to see them all). Actions hidden by read-only mode
//! are left out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::popup;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::modal::Modal;
use crate::tui::theme::Theme;

const KEYS_WIDTH: usize = 13;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Help { scroll }) = &m.modal else {
        return;
    };
    let rect = popup(f, area, area.width, area.height);
    let block = Block::bordered()
        .title(Line::styled(title(m), theme.title()))
        .border_style(theme.focused());
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(52), Constraint::Fill(1)]).areas(inner);
    let list = section(m, KeyContext::List, theme);
    let mut others = section(m, KeyContext::Form, theme);
    for ctx in [
        KeyContext::Dialog,
        KeyContext::Question,
        KeyContext::Apply,
        KeyContext::Import,
        KeyContext::Help,
    ] {
        others.push(Line::default());
        others.extend(section(m, ctx, theme));
    }
    f.render_widget(Paragraph::new(list).scroll((*scroll, 0)), left);
    f.render_widget(Paragraph::new(others).scroll((*scroll, 0)), right);
}

/// " Keys — ? or Esc closes ": the help's own toggle and the dialogs' Back,
/// from the keymap.
fn title(m: &Model) -> String {
    let keys: Vec<String> = [
        m.keymap.first_key(KeyContext::Help, Action::Help),
        m.keymap.first_key(KeyContext::Dialog, Action::Back),
    ]
    .into_iter()
    .flatten()
    .map(|k| k.to_string())
    .collect();
    if keys.is_empty() {
        " Keys ".to_owned()
    } else {
        format!(" Keys — {} closes ", keys.join(" or "))
    }
}

fn section(m: &Model, ctx: KeyContext, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(ctx.title(), theme.header())];
    for (action, keys) in m.keymap.bindings(ctx) {
        if keys.is_empty() || (m.ctx.read_only && action.writes()) {
            continue;
        }
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let keys = super::fit(&keys.join(" "), KEYS_WIDTH);
        lines.push(Line::from(vec![
            Span::styled(format!(" {keys:<KEYS_WIDTH$} "), theme.key()),
            Span::raw(action.description()),
        ]));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::test_support as fixtures;

    #[test]
    fn the_title_names_the_bound_closing_keys() {
        let mut m = fixtures::full();
        assert_eq!(title(&m), " Keys — ? or Esc closes ");
        m.keymap
            .apply_overrides("[help]\nhelp = [\"f2\"]\n[dialog]\nback = [\"ctrl-g\"]\n")
            .expect("override");
        assert_eq!(title(&m), " Keys — F2 or Ctrl-G closes ");
    }
}
