//! The add/edit form: one label/value row and one message row per field,
//! laid out from the form's fields (which come from the catalogue schema).
//! Secret values show as dots unless revealed; a message row shows the
//! field's first error or warning as you type, else its hint.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{dropdown, fit, spinner};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::form::{Field, FieldKey, FieldValue, Form, FormTarget, TestState};
use crate::tui::theme::Theme;

const LABEL_WIDTH: u16 = 30;
const MESSAGE_INDENT: u16 = 4;
/// One dot per character shows typing progress; the cap keeps a long
/// secret's length from spilling across the screen.
const MAX_DOTS: usize = 32;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, form: &Form, theme: Theme) {
    f.render_widget(Clear, area);
    let title = match &form.target {
        FormTarget::NewRegistry => " Add registry ".to_owned(),
        FormTarget::EditRegistry(id) => format!(" Edit registry {} ", name_of(m, id.as_str())),
        FormTarget::NewContainer => " Add container ".to_owned(),
        FormTarget::EditContainer(id) => {
            let name = m
                .data
                .container(id.as_str())
                .map_or_else(|| id.to_string(), |c| c.name.clone());
            format!(" Edit container '{name}' ")
        }
    };
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    // Each field's message lines: a finding wraps (never cut); in the
    // compact layout an unfocused field's hint is left out.
    let compact = super::layout::compact(f.area());
    let msg_width = inner.width.saturating_sub(MESSAGE_INDENT);
    let messages: Vec<Vec<Line>> = form
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let focused = i == form.focus;
            let lines = message_lines(field, focused, msg_width as usize, theme);
            let hint_only =
                !(field.touched && (field.first_error().is_some() || !field.findings.is_empty()));
            if compact && hint_only && !focused {
                Vec::new()
            } else {
                lines
            }
        })
        .collect();
    let n: u16 = messages.iter().map(|l| 1 + l.len() as u16).sum();
    let [fields_area, _, test_area, error_area, keys_area] = Layout::vertical([
        Constraint::Length(n),
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let value_width = inner.width.saturating_sub(LABEL_WIDTH + 1);
    let mut anchor = None;
    let mut y = fields_area.y;
    for (i, (field, message)) in form.fields.iter().zip(messages).enumerate() {
        let height = 1 + message.len() as u16;
        let row = Rect::new(fields_area.x, y, fields_area.width, height).intersection(fields_area);
        y += height;
        let focused = i == form.focus;
        field_rows(f, row, field, (focused, message), value_width, theme);
        if focused {
            anchor = Some(Rect::new(row.x + LABEL_WIDTH, row.y + 1, value_width, 1));
            if let FieldValue::Text(input) = &field.value
                && form.dropdown.is_none()
                && m.modal.is_none()
            {
                let scroll = input.visual_scroll(value_width as usize);
                let x = (input.visual_cursor().saturating_sub(scroll)) as u16;
                f.set_cursor_position(Position::new(
                    row.x + LABEL_WIDTH + x.min(value_width),
                    row.y,
                ));
            }
        }
    }
    if form.target.is_registry() {
        test_line(f, test_area, m, form, theme);
    }
    let error = form
        .error
        .as_deref()
        .map(|e| Line::styled(format!("✗ {e}"), theme.error()));
    let status = form
        .saving
        .map(|_| Line::from(format!("{} saving…", spinner(m))));
    let loading = form
        .loading
        .map(|_| Line::from(format!("{} loading the key file…", spinner(m))));
    let no_fields = form.kind().is_some_and(|k| k.fields().is_empty()).then(|| {
        Line::styled(
            "Public registries take no credentials: images are pulled anonymously.",
            theme.dim(),
        )
    });
    let lines: Vec<Line> = [no_fields, status, loading, error]
        .into_iter()
        .flatten()
        .collect();
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), error_area);
    f.render_widget(
        Paragraph::new(key_hints(m, form, keys_area.width, theme)),
        keys_area,
    );
    if let (Some(hi), Some(anchor)) = (form.dropdown, anchor) {
        dropdown::render(f, area, anchor, form.focused(), hi, theme);
    }
}

fn name_of(m: &Model, id: &str) -> String {
    m.data
        .registry(id)
        .map_or_else(|| id.to_owned(), |r| format!("'{}'", r.name))
}

fn field_rows(
    f: &mut Frame,
    row: Rect,
    field: &Field,
    (focused, message): (bool, Vec<Line<'static>>),
    width: u16,
    theme: Theme,
) {
    let marker = if focused { "▸ " } else { "  " };
    let label_style = if focused {
        theme.focused()
    } else {
        Style::default()
    };
    let label = Span::styled(
        format!("{marker}{}", fit(field.label, LABEL_WIDTH as usize - 3)),
        label_style,
    );
    let label = Line::from(label);
    let value = value_line(field, focused, width as usize, theme);
    let [label_area, value_area] =
        Layout::horizontal([Constraint::Length(LABEL_WIDTH), Constraint::Fill(1)])
            .areas(Rect { height: 1, ..row });
    f.render_widget(Paragraph::new(label), label_area);
    f.render_widget(Paragraph::new(value), value_area);
    // Messages start under the label, not the value: findings are long
    // and must be readable at 80 columns.
    let msg_width = row.width.saturating_sub(MESSAGE_INDENT);
    let msg_area = Rect::new(
        row.x + MESSAGE_INDENT,
        row.y + 1,
        msg_width,
        row.height.saturating_sub(1),
    );
    f.render_widget(Paragraph::new(message), msg_area);
}

use ratatui::style::Style;

fn value_line(field: &Field, focused: bool, width: usize, theme: Theme) -> Line<'static> {
    let style = if focused {
        theme.selected()
    } else {
        Style::default()
    };
    let text = match &field.value {
        FieldValue::Choice { options, selected } => {
            let shown = options.get(*selected).map_or("", String::as_str);
            return Line::from(vec![Span::styled(fit(&format!("{shown} ▾"), width), style)]);
        }
        FieldValue::Text(input) if field.secret && !field.revealed => {
            "•".repeat(input.value().chars().count().min(MAX_DOTS))
        }
        FieldValue::Text(input) => {
            let scroll = input.visual_scroll(width);
            input.value().chars().skip(scroll).take(width).collect()
        }
        FieldValue::Multi(text) if text.is_empty() => String::new(),
        FieldValue::Multi(text) if field.secret && !field.revealed => {
            format!(
                "{} {} lines, {} bytes",
                "•".repeat(8),
                text.lines().count(),
                text.len()
            )
        }
        FieldValue::Multi(text) => {
            // The tail is what was just typed or pasted.
            let flat = text.replace('\n', "⏎");
            let skip = flat.chars().count().saturating_sub(width);
            flat.chars().skip(skip).collect()
        }
    };
    // Pad so the focused field shows as a bar even when empty.
    Line::from(Span::styled(
        format!("{text:<width$}", width = width.min(40)),
        style,
    ))
}

/// The message under a field: its first finding, wrapped in `width`; else
/// its hint on one line.
fn message_lines(field: &Field, focused: bool, width: usize, theme: Theme) -> Vec<Line<'static>> {
    if field.touched {
        let first = field.first_error().or_else(|| field.findings.first());
        if let Some(finding) = first {
            let (mark, style) = if finding.is_error() {
                ("✗", theme.error())
            } else {
                ("!", theme.warning())
            };
            let text = format!("{mark} {}", finding.message);
            return super::wrap::wrap(&text, width)
                .into_iter()
                .map(|l| Line::styled(l, style))
                .collect();
        }
    }
    let mut hint = field.hint.to_owned();
    if focused && field.secret {
        hint = format!("{hint} · reveal: Ctrl-R");
    }
    if focused && field.key == FieldKey::CaBundle {
        "paste the CA certificate(s), or type the PEM file's path and press Ctrl-O"
            .clone_into(&mut hint);
    } else if focused && matches!(field.value, FieldValue::Multi(_)) {
        "paste the key file, or type its path and press Ctrl-O".clone_into(&mut hint);
    }
    vec![Line::styled(fit(&hint, width), theme.dim())]
}

fn test_line(f: &mut Frame, area: Rect, m: &Model, form: &Form, theme: Theme) {
    let label = Span::styled("Test Connection: ", theme.header());
    let body = match &form.test {
        TestState::Idle => Span::styled("not run — Ctrl-T checks the values above", theme.dim()),
        TestState::Running { .. } => Span::raw(format!(
            "{} testing… (Esc cancels; typing goes on)",
            spinner(m)
        )),
        TestState::Done { report, fresh } => {
            let changed = if *fresh {
                ""
            } else {
                " (values changed since)"
            };
            let (mark, style) = if report.passed() {
                ("✓", theme.ok())
            } else {
                ("✗", theme.error())
            };
            Span::styled(format!("{mark} {}{changed}", report.summary()), style)
        }
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![label, body])).wrap(Wrap { trim: true }),
        area,
    );
}

/// The form's keys, from the keymap (so a rebinding shows here).
fn key_hints(m: &Model, form: &Form, width: u16, theme: Theme) -> Line<'static> {
    let mut actions = vec![
        (Action::NextField, "next"),
        (Action::PrevField, "prev"),
        (Action::Save, "save"),
    ];
    if form.target.is_registry() {
        actions.push((Action::TestConnection, "test"));
        actions.push((Action::RevealSecret, "reveal"));
    }
    actions.push((Action::Back, "back"));
    let mut spans = Vec::new();
    for (action, what) in actions {
        if m.ctx.read_only && action.writes() {
            continue;
        }
        if let Some(key) = m.keymap.first_key(KeyContext::Form, action) {
            spans.push(Span::styled(key.to_string(), theme.key()));
            spans.push(Span::raw(format!(" {what}  ")));
        }
    }
    Line::from(super::layout::fit_hints(spans, width))
}
