//! Dialogs that ask or refuse: delete (type the name), delete refused by a
//! platform rule, quit or discard with unsaved edits. Their key hints come
//! from the keymap, so a rebinding shows here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{dialog_box, popup};
use crate::tui::keymap::{Action, KeyContext};
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
                let hint = hint(
                    m,
                    DIALOG,
                    &[(&[Action::Confirm], "delete"), (&[Action::Back], "cancel")],
                );
                lines.push(Line::styled(hint, theme.dim()));
            } else {
                lines.push(Line::styled(yes_no(m, "delete", "cancel"), theme.dim()));
            }
            (format!(" Delete {what} "), lines, true)
        }
        Some(Modal::Refused { title, lines }) => {
            let mut out: Vec<Line> = lines.iter().map(|l| Line::from(l.clone())).collect();
            out.push(Line::default());
            let hint = hint(m, DIALOG, &[(&[Action::Confirm, Action::Back], "close")]);
            out.push(Line::styled(hint, theme.dim()));
            (format!(" {title} "), out, true)
        }
        Some(Modal::ConfirmQuit) => (
            " Quit? ".to_owned(),
            vec![
                Line::from("There are unsaved changes (an edited form or a save"),
                Line::from("still running). Quit anyway and lose them?"),
                Line::default(),
                Line::styled(yes_no(m, "quit", "stay"), theme.dim()),
            ],
            false,
        ),
        Some(Modal::ConfirmUndo(d)) => (
            " Undo delete ".to_owned(),
            vec![
                // Short lines (the name cut): nothing wraps out of the box.
                Line::from(format!(
                    "Put back {} '{}'",
                    d.kind.noun(),
                    super::fit(&crate::model::escape(&d.name), 36)
                )),
                Line::from("from the backup taken before its delete?"),
                Line::from("Only that record is restored; other changes"),
                Line::from("to the vault since then are kept."),
                Line::default(),
                Line::styled(
                    hint(
                        m,
                        QUESTION,
                        &[
                            (&[Action::Yes], "put it back"),
                            (&[Action::No, Action::Confirm, Action::Back], "leave it"),
                        ],
                    ),
                    theme.dim(),
                ),
            ],
            false,
        ),
        Some(Modal::ConfirmDiscard) => (
            " Discard changes? ".to_owned(),
            vec![
                Line::from("The form has edits that are not saved."),
                Line::from("Close it and lose them?"),
                Line::default(),
                Line::styled(yes_no(m, "discard", "keep editing"), theme.dim()),
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
    dialog_box(f, rect, Line::styled(title, theme.title()), border, lines);
}

pub(super) const DIALOG: &[KeyContext] = &[KeyContext::Dialog];
pub(super) const QUESTION: &[KeyContext] = &[KeyContext::Question, KeyContext::Dialog];

/// `y quit · n / Enter / Esc stay`, from the keymap: Enter is No in
/// every question (see `update::dialog`), so only yes's own key says yes.
fn yes_no(m: &Model, yes: &str, no: &str) -> String {
    hint(
        m,
        QUESTION,
        &[
            (&[Action::Yes], yes),
            (&[Action::No, Action::Confirm, Action::Back], no),
        ],
    )
}

/// A hint line from the keymap: each group's first keys, then what they
/// do (`Enter / Esc close · …`); a group with no key bound is left out.
pub(super) fn hint(m: &Model, contexts: &[KeyContext], groups: &[(&[Action], &str)]) -> String {
    groups
        .iter()
        .filter_map(|(actions, what)| {
            let keys: Vec<String> = actions
                .iter()
                .filter_map(|&a| m.keymap.first_key_in(contexts, a))
                .map(|k| k.to_string())
                .collect();
            (!keys.is_empty()).then(|| format!("{} {what}", keys.join(" / ")))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::test_support as fixtures;

    #[test]
    fn hints_name_the_bound_keys() {
        let mut m = fixtures::full();
        assert_eq!(yes_no(&m, "quit", "stay"), "y quit · n / Enter / Esc stay");
        m.keymap
            .apply_overrides(
                "[question]\nyes = [\"o\"]\nno = []\n[dialog]\nconfirm = [\"ctrl-y\"]\n",
            )
            .expect("override");
        assert_eq!(yes_no(&m, "quit", "stay"), "o quit · Ctrl-Y / Esc stay");
        let close = hint(&m, DIALOG, &[(&[Action::Confirm, Action::Back], "close")]);
        assert_eq!(close, "Ctrl-Y / Esc close");
    }
}
