//! The `?` overlay, generated from the keymap: every bound action of each
//! context with its keys and its description (the `Action` doc comment),
//! then the `:` commands (from their table). Sections flow into as many
//! columns as the width allows; when they are taller than the screen the
//! bottom border says so (scroll with the dialog keys). Actions hidden by
//! read-only mode are left out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::popup;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::modal::Modal;
use crate::tui::theme::Theme;
use crate::tui::update::command::COMMANDS;

const KEYS_WIDTH: usize = 13;

/// A column narrower than this would cut most descriptions.
const COLUMN_WIDTH: u16 = 38;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Help { scroll }) = &m.modal else {
        return;
    };
    let rect = popup(f, area, area.width, area.height);
    let sections = sections(m, theme);
    let inner = Block::bordered().inner(rect);
    let count = (inner.width / COLUMN_WIDTH).max(1);
    let (columns, height) = pack(&sections, count as usize, inner.height as usize);
    let mut block = Block::bordered()
        .title(Line::styled(title(m), theme.title()))
        .border_style(theme.focused());
    // Taller than the screen: say so, and how to see the rest.
    if height > inner.height as usize {
        let ctx = &[KeyContext::Help, KeyContext::Dialog];
        let keys: Vec<String> = [Action::MoveDown, Action::PageDown]
            .into_iter()
            .filter_map(|a| m.keymap.first_key_in(ctx, a))
            .map(|k| k.to_string())
            .collect();
        let more = if usize::from(*scroll) + (inner.height as usize) < height {
            format!(" more below: {} ", keys.join(" "))
        } else {
            " end ".to_owned()
        };
        block = block.title_bottom(Line::styled(more, theme.dim()).right_aligned());
    }
    f.render_widget(block, rect);
    let areas = Layout::horizontal(vec![Constraint::Fill(1); count as usize])
        .spacing(1)
        .split(inner);
    for (lines, area) in columns.into_iter().zip(areas.iter()) {
        let width = usize::from(area.width);
        let lines: Vec<Line> = lines.into_iter().map(|l| fit_line(l, width)).collect();
        f.render_widget(Paragraph::new(lines).scroll((*scroll, 0)), *area);
    }
}

/// `line` in `width` columns: a description too long for its column ends
/// in `…`, never cut silently.
fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut room = width;
    let mut spans = Vec::new();
    for span in line.spans {
        let w = span.width();
        if w <= room {
            room -= w;
            spans.push(span);
        } else {
            spans.push(Span::styled(super::fit(&span.content, room), span.style));
            break;
        }
    }
    Line::from(spans).style(line.style)
}

/// Every section of the help: each keymap context, then the commands.
pub(super) fn sections(m: &Model, theme: Theme) -> Vec<Vec<Line<'static>>> {
    let mut out: Vec<_> = KeyContext::ALL
        .iter()
        .map(|&ctx| section(m, ctx, theme))
        .collect();
    // Not a keymap binding: tui-input's own key, in every text field.
    if let Some(forms) = out.get_mut(1) {
        forms.push(Line::from(vec![
            Span::styled(format!(" {:<KEYS_WIDTH$} ", "Ctrl-U"), theme.key()),
            Span::raw("Clear the field"),
        ]));
    }
    let mut commands = vec![Line::styled(
        "Commands (: then Tab completes)",
        theme.header(),
    )];
    for c in COMMANDS {
        commands.push(Line::from(vec![
            Span::styled(
                format!(" :{:<w$} ", c.name, w = KEYS_WIDTH - 1),
                theme.key(),
            ),
            Span::raw(c.what),
        ]));
    }
    out.push(commands);
    out
}

/// Sections into `count` columns, whole, in order: the shortest column
/// height (at least `height`) at which they fit. Returns the columns and
/// that height.
fn pack(
    sections: &[Vec<Line<'static>>],
    count: usize,
    height: usize,
) -> (Vec<Vec<Line<'static>>>, usize) {
    let total: usize = sections.iter().map(|s| s.len() + 1).sum();
    let tallest = sections.iter().map(Vec::len).max().unwrap_or(0);
    let mut h = height.max(tallest);
    loop {
        let mut columns: Vec<Vec<Line<'static>>> = vec![Vec::new()];
        for s in sections {
            let col = columns.last_mut().expect("one column");
            let gap = usize::from(!col.is_empty());
            if col.len() + gap + s.len() > h {
                columns.push(s.clone());
            } else {
                if gap == 1 {
                    col.push(Line::default());
                }
                col.extend(s.iter().cloned());
            }
        }
        if columns.len() <= count || h >= total {
            return (columns, h);
        }
        h += 1;
    }
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

    fn text(m: &Model) -> String {
        let lines: Vec<String> = sections(m, Theme::new(false))
            .concat()
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.join("\n")
    }

    /// Iterates the keymap itself, so an action added to any section
    /// without reaching the help fails here.
    #[test]
    fn every_action_of_every_section_is_in_the_help_with_its_keys() {
        let m = fixtures::full();
        let text = text(&m);
        for ctx in KeyContext::ALL {
            for (action, keys) in m.keymap.bindings(ctx) {
                let row = text
                    .lines()
                    .find(|l| l.contains(action.description()))
                    .unwrap_or_else(|| panic!("{ctx:?}/{action:?} missing:\n{text}"));
                let first = keys.first().expect("bound").to_string();
                assert!(
                    text.lines()
                        .any(|l| l.contains(action.description()) && l.contains(&first)),
                    "{ctx:?}/{action:?}: key {first} not on its row: {row}"
                );
            }
        }
        for a in Action::ALL {
            assert!(
                KeyContext::ALL
                    .iter()
                    .any(|&c| m.keymap.first_key(c, *a).is_some()),
                "{a:?} is bound nowhere: no key can reach it"
            );
        }
        for c in COMMANDS {
            assert!(text.contains(&format!(":{}", c.name)), ":{}", c.name);
        }
        assert!(text.contains("A ") && text.contains("Apply"));
        assert!(text.contains("I ") && text.contains("Import logins"));
    }

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
