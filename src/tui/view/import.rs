//! The import screen: the preview as a checklist — `[x]` entries to add
//! (checked or not), `-` entries that exist or are skipped — the selected
//! entry's detail (its name, or why it is skipped) and the keys, from the
//! keymap. No secret is in the preview to show.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

use super::confirm::hint;
use super::{fit, popup, spinner};
use crate::ops::import::{Action as Act, Entry};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::import::ImportDialog;
use crate::tui::state::modal::Modal;
use crate::tui::theme::Theme;

const KEYS: &[KeyContext] = &[KeyContext::Import, KeyContext::Dialog];

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Import(d)) = &m.modal else {
        return;
    };
    let rows = d.preview.entries.len().max(1) as u16;
    let height = (rows + 6).min(area.height.saturating_sub(2));
    let rect = popup(f, area, area.width.saturating_sub(2).min(78), height);
    let width = rect.width.saturating_sub(4) as usize;
    let title = format!(" Import — {} ", fit(&d.source, width.saturating_sub(12)));
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .border_style(theme.focused())
        .padding(Padding::horizontal(1));
    let inner_h = block.inner(rect).height as usize;
    let lines = if d.job.is_some() {
        vec![Line::from(format!(
            "{} reading it (and asking its credential helpers)…",
            spinner(m)
        ))]
    } else if let Some(e) = &d.error {
        vec![
            Line::styled(e.clone(), theme.error()),
            Line::default(),
            Line::styled(
                hint(m, KEYS, &[(&[Action::Confirm, Action::Back], "close")]),
                theme.dim(),
            ),
        ]
    } else {
        checklist(m, d, width, inner_h, theme)
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

fn word(a: &Act) -> &'static str {
    match a {
        Act::Add => "add",
        Act::Exists { .. } => "exists",
        Act::Differs { .. } => "differs",
        Act::Skip(_) => "skip",
    }
}

fn row(d: &ImportDialog, i: usize, e: &Entry, width: usize) -> String {
    let mark = match (e.is_add(), d.checked.get(i).copied().unwrap_or(false)) {
        (true, true) => "[x]",
        (true, false) => "[ ]",
        (false, _) => " - ",
    };
    let name = if e.is_add() { &e.name } else { &e.server };
    let kind = e.kind.map_or_else(|| "-".to_owned(), |k| k.to_string());
    let user = if e.username.is_empty() {
        "-"
    } else {
        &e.username
    };
    let text = format!(
        "{mark} {:<7} {:<30} {:<6} {}",
        word(&e.action),
        fit(name, 30),
        kind,
        fit(user, 16)
    );
    fit(&text, width)
}

/// What the selected entry does, in a sentence.
fn detail(e: &Entry) -> String {
    match &e.action {
        Act::Add => format!(
            "adds '{}' ({}) from {}",
            e.name,
            e.host.as_deref().unwrap_or("?"),
            e.origin
                .as_ref()
                .map_or_else(|| "?".to_owned(), ToString::to_string)
        ),
        Act::Exists { name, .. } => format!("already in the vault as '{name}' (same credentials)"),
        Act::Differs { name, id } => format!(
            "'{name}' holds other credentials for this user: `regvault registry update {id}`"
        ),
        Act::Skip(reason) => format!("skipped: {reason}"),
    }
}

fn checklist(
    m: &Model,
    d: &ImportDialog,
    width: usize,
    inner_h: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    // Below the rows: a blank line, two of detail, the keys.
    let list_h = inner_h.saturating_sub(4).max(1);
    if d.preview.entries.is_empty() {
        lines.push(Line::from("no logins found in it"));
    }
    let start = d.selected.saturating_sub(list_h - 1);
    for (i, e) in d
        .preview
        .entries
        .iter()
        .enumerate()
        .skip(start)
        .take(list_h)
    {
        let style = if i == d.selected {
            theme.selected()
        } else if e.is_add() {
            ratatui::style::Style::default()
        } else {
            theme.dim()
        };
        lines.push(Line::styled(row(d, i, e, width), style));
    }
    while lines.len() < list_h {
        lines.push(Line::default());
    }
    lines.push(Line::default());
    match (d.preview.entries.get(d.selected), &d.renaming) {
        (Some(_), Some(input)) => {
            lines.push(Line::from(vec![
                Span::raw("Name: "),
                Span::styled("> ", theme.key()),
                Span::styled(format!("{:<30}", input.value()), theme.selected()),
            ]));
            lines.push(Line::default());
            lines.push(Line::styled(
                "Enter keep the name · Esc leave it as it was",
                theme.dim(),
            ));
            return lines;
        }
        (Some(e), None) => {
            let text = fit(&detail(e), width * 2);
            let first: String = text.chars().take(width).collect();
            let second: String = text.chars().skip(width).collect();
            lines.push(Line::from(first));
            lines.push(Line::from(second));
        }
        (None, _) => {
            lines.push(Line::default());
            lines.push(Line::default());
        }
    }
    let n = d.checked_count();
    let import = format!("import {n}");
    let keys = hint(
        m,
        KEYS,
        &[
            (&[Action::Toggle], "check"),
            (&[Action::Edit], "rename"),
            (&[Action::Confirm], &import),
            (&[Action::Back], "cancel"),
        ],
    );
    lines.push(Line::styled(fit(&keys, width), theme.dim()));
    lines
}
