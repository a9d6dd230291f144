//! Dialogs that ask or refuse: delete (type the name), delete refused by a
//! platform rule, quit or discard with unsaved edits.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

use super::popup;
use crate::tui::state::Model;
use crate::tui::state::modal::{Modal, PendingDelete};
use crate::tui::theme::Theme;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let (title, lines, danger) = match &m.modal {
        Some(Modal::ConfirmDelete {
            action,
            name,
            typed_phrase,
            typed,
        }) => {
            let what = match action {
                PendingDelete::Registry(_) => "registry",
                PendingDelete::Container(_) => "container",
            };
            let mut lines = vec![
                Line::from(format!("Delete {what} '{name}' from the vault?")),
                Line::default(),
            ];
            if *typed_phrase {
                lines.push(Line::from("Type its name to confirm:"));
                lines.push(Line::from(vec![
                    Span::styled("> ", theme.key()),
                    Span::styled(format!("{:<30}", typed.value()), theme.selected()),
                ]));
                lines.push(Line::default());
                lines.push(Line::styled("Enter delete · Esc cancel", theme.dim()));
            } else {
                lines.push(Line::styled(
                    "y / Enter delete · n / Esc cancel",
                    theme.dim(),
                ));
            }
            (format!(" Delete {what} "), lines, true)
        }
        Some(Modal::Refused { title, lines }) => {
            let mut out: Vec<Line> = lines.iter().map(|l| Line::from(l.clone())).collect();
            out.push(Line::default());
            out.push(Line::styled("Enter / Esc close", theme.dim()));
            (format!(" {title} "), out, true)
        }
        Some(Modal::ConfirmQuit) => (
            " Quit? ".to_owned(),
            vec![
                Line::from("There are unsaved changes (an edited form or a save"),
                Line::from("still running). Quit anyway and lose them?"),
                Line::default(),
                Line::styled("y / Enter quit · n / Esc stay", theme.dim()),
            ],
            false,
        ),
        Some(Modal::ConfirmDiscard) => (
            " Discard changes? ".to_owned(),
            vec![
                Line::from("The form has edits that are not saved."),
                Line::from("Close it and lose them?"),
                Line::default(),
                Line::styled("y / Enter discard · n / Esc keep editing", theme.dim()),
            ],
            false,
        ),
        _ => return,
    };
    let height = lines.len() as u16 + 2;
    let rect = popup(f, area, 64, height);
    let border = if danger {
        theme.danger_border()
    } else {
        theme.focused()
    };
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .border_style(border)
        .padding(Padding::horizontal(1));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}
