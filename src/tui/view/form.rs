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
    // Test Connection's step list goes under the fields.
    let test_lines = if form.target.is_registry() {
        test_lines(m, form, usize::from(inner.width), theme)
    } else {
        Vec::new()
    };
    let want = test_lines.len().max(1) as u16;
    // Each field's message lines: a finding wraps (never cut). In the
    // compact layout, or when the step list would not fit under every
    // message, an unfocused field's hint is left out (a finding stays).
    let msg_width = inner.width.saturating_sub(MESSAGE_INDENT);
    let all: Vec<Vec<Line>> = form
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| message_lines(field, i == form.focus, msg_width as usize, theme))
        .collect();
    let full: u16 = all.iter().map(|l| 1 + l.len() as u16).sum();
    let compact = super::layout::compact(f.area()) || full + 1 + want + 1 > inner.height;
    let messages: Vec<Vec<Line>> = form
        .fields
        .iter()
        .zip(all)
        .enumerate()
        .map(|(i, (field, lines))| {
            let hint_only =
                !(field.touched && (field.first_error().is_some() || !field.findings.is_empty()));
            if compact && hint_only && i != form.focus {
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
        Constraint::Length(want),
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
        if row.height == 0 {
            continue;
        }
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
    f.render_widget(Paragraph::new(test_lines), test_area);
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
        Paragraph::new(key_hints(m, form, keys_area.width as usize, theme)),
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

fn test_lines(m: &Model, form: &Form, width: usize, theme: Theme) -> Vec<Line<'static>> {
    use super::probe::{Face, Shown};
    let kind = form.kind().unwrap_or(crate::registry::RegistryKind::Public);
    let shown = match &form.test {
        TestState::Idle => Shown::Idle,
        TestState::Running { job, started } => Shown::Running(crate::tui::state::probe::Running {
            job: *job,
            started: *started,
        }),
        TestState::Done { report, fresh } => Shown::Done {
            report,
            stale: !*fresh,
        },
    };
    let custom = form.fields.iter().any(|f| f.key == FieldKey::CaBundle);
    super::probe::lines(m, kind, &shown, Face::Form { custom }, width, theme)
}

/// The form's keys, from the keymap (so a rebinding shows here), most
/// useful first, as many as fit in `width`, then the help key: the keys
/// that act on one kind of field (reveal, load file, clear) only there.
fn key_hints(m: &Model, form: &Form, width: usize, theme: Theme) -> Line<'static> {
    let field = form.focused();
    let key = |a| {
        m.keymap
            .first_key(KeyContext::Form, a)
            .map(|k| k.to_string())
    };
    let mut hints: Vec<(Option<String>, &str)> = vec![(key(Action::Save), "save")];
    if form.target.is_registry() {
        hints.push((key(Action::TestConnection), "test"));
    }
    hints.push((key(Action::Back), "back"));
    if matches!(field.value, FieldValue::Multi(_)) {
        hints.push((key(Action::LoadFile), "load file"));
    }
    // tui-input's own key (and the multi-line field's), not the keymap's.
    if matches!(field.value, FieldValue::Text(_) | FieldValue::Multi(_)) {
        hints.push((Some("Ctrl-U".to_owned()), "clear"));
    }
    // After clear: a secret field's own hint line names reveal too.
    if field.secret {
        hints.push((key(Action::RevealSecret), "reveal"));
    }
    hints.push((key(Action::NextField), "next"));
    hints.push((key(Action::PrevField), "prev"));
    if m.ctx.read_only {
        hints.retain(|(_, what)| *what != "save");
    }
    let help = key(Action::Help).map(|k| (k, " help"));
    let mut room = width.saturating_sub(help.as_ref().map_or(0, |(k, w)| k.len() + w.len()));
    let mut spans = Vec::new();
    for (k, what) in hints {
        let Some(k) = k else { continue };
        let what = format!(" {what}  ");
        let len = k.chars().count() + what.chars().count();
        if len > room {
            continue;
        }
        room -= len;
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(what));
    }
    if let Some((k, what)) = help {
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(what));
    }
    Line::from(spans)
}
