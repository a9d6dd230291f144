//! The dialogs a reload or a rotation leads to: an edit whose record
//! changed on disk (mine and theirs side by side, secrets masked — only
//! whether they differ is said), and the clusters a rotation left stale.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::confirm::{DIALOG, QUESTION, hint};
use super::{dialog_box, fit, popup};
use crate::tui::keymap::Action;
use crate::tui::state::Model;
use crate::tui::state::modal::Modal;
use crate::tui::state::reload::{CONFLICT_CHOICES, Conflict, ReloadDialog, StaleQuestion};
use crate::tui::theme::Theme;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Reload(d)) = &m.modal else {
        return;
    };
    // Both versions side by side want room; a question does not.
    let most = if matches!(**d, ReloadDialog::Conflict(_)) {
        96
    } else {
        76
    };
    let width = area.width.saturating_sub(4).min(most);
    let inner = usize::from(width.saturating_sub(4));
    let (title, lines) = match &**d {
        ReloadDialog::Conflict(c) => (" Changed on disk ", conflict(m, c, inner, theme)),
        ReloadDialog::Stale(q) => (" Secrets now stale ", stale(m, q, inner, theme)),
    };
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = popup(f, area, width, height);
    let title = Line::styled(title, theme.title());
    dialog_box(f, rect, title, theme.focused(), lines);
}

fn conflict(m: &Model, c: &Conflict, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let head = if c.deleted {
        format!("Another writer deleted the {} you are editing.", c.what)
    } else {
        format!("Another writer changed the {} you are editing.", c.what)
    };
    let mut lines = vec![Line::from(fit(&head, width)), Line::default()];
    let label_w = c
        .rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    let col = width.saturating_sub(label_w + 4) / 2;
    lines.push(Line::styled(
        format!("{:label_w$}  {:col$}  {}", "", "mine", "on disk"),
        theme.header(),
    ));
    for r in &c.rows {
        let differs = r.mine != r.theirs;
        let style = if differs {
            theme.warning()
        } else {
            theme.dim()
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{:label_w$}  ", r.label)),
            Span::styled(format!("{:col$}  ", fit(&r.mine, col)), style),
            Span::styled(fit(&r.theirs, col), style),
        ]));
    }
    lines.push(Line::default());
    for (i, choice) in CONFLICT_CHOICES.iter().enumerate() {
        let text = if i == 1 && c.deleted {
            "keep mine (add it back as new)"
        } else {
            choice
        };
        let (mark, style) = if i == c.choice {
            ("› ", theme.selected())
        } else {
            ("  ", ratatui::style::Style::default())
        };
        lines.push(Line::styled(format!("{mark}{text}"), style));
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        hint(
            m,
            DIALOG,
            &[
                (&[Action::MoveUp, Action::MoveDown], "choose"),
                (&[Action::Confirm], "do it"),
                (&[Action::Back], "back to the form"),
            ],
        ),
        theme.dim(),
    ));
    lines
}

fn stale(m: &Model, q: &StaleQuestion, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let n = q.places.len();
    let mut lines = vec![
        Line::from(fit(
            &format!(
                "Saved new credentials for '{}'. The pull secrets applied",
                q.registry
            ),
            width,
        )),
        Line::styled(
            format!(
                "before hold the old ones — stale in {n} {}:",
                if n == 1 { "place" } else { "places" }
            ),
            theme.warning(),
        ),
    ];
    // The first few; the count above says how many there are.
    let shown = 8;
    for p in q.places.iter().take(shown) {
        lines.push(Line::from(fit(&format!("  • {p}"), width)));
    }
    if n > shown {
        lines.push(Line::from(format!("  … and {} more", n - shown)));
    }
    lines.push(Line::default());
    lines.push(Line::from(fit(
        "They apply the new credentials only once synced. Sync them now",
        width,
    )));
    lines.push(Line::from(fit(
        "(plan, then type the contexts to confirm)?",
        width,
    )));
    lines.push(Line::default());
    lines.push(Line::styled(
        hint(
            m,
            QUESTION,
            &[
                (&[Action::Yes], "sync"),
                (&[Action::No, Action::Back], "leave them stale"),
            ],
        ),
        theme.dim(),
    ));
    lines
}
