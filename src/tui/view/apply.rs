//! The Apply dialog: the target (context, environments; Swarm and Compose
//! point at their CLI commands), the plan with a typed-context confirm
//! (dangerous: red border, the context name shown prominently), then
//! per-namespace spinners and results.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph};

use super::{fit, popup, spinner};
use crate::deploy::kube::NamespaceReport;
use crate::tui::state::Model;
use crate::tui::state::apply::{ApplyDialog, ApplyStep};
use crate::tui::state::modal::Modal;
use crate::tui::theme::Theme;

/// Text width inside the popup (76 wide, border and padding).
const TEXT: usize = 72;

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Apply(d)) = &m.modal else {
        return;
    };
    let mut lines = match &d.step {
        ApplyStep::Target => target(d, theme),
        ApplyStep::Planning { target, .. } => vec![
            Line::from(format!(
                "{} Planning in context {} …",
                spinner(m),
                target.context
            )),
            Line::default(),
            Line::styled("Esc cancel", theme.dim()),
        ],
        ApplyStep::Confirm {
            target,
            planned,
            typed,
        } => {
            let mut l = vec![Line::styled(
                "Plan (reads only; secret data redacted):",
                theme.header(),
            )];
            l.extend(planned.iter().map(|r| plan_line(r, theme)));
            l.push(Line::default());
            l.push(Line::from(vec![
                Span::raw("Dangerous: writes to Kubernetes context "),
                Span::styled(
                    target.context.clone(),
                    theme
                        .error()
                        .add_modifier(Modifier::BOLD | Modifier::REVERSED),
                ),
            ]));
            l.push(Line::from("Type the context name to apply:"));
            l.push(Line::from(vec![
                Span::styled("> ", theme.key()),
                Span::styled(format!("{:<30}", typed.value()), theme.selected()),
            ]));
            l.push(Line::styled("Enter apply · Esc cancel", theme.dim()));
            l
        }
        ApplyStep::Applying {
            target,
            planned,
            done,
            ..
        } => {
            let mut l = vec![Line::styled(
                format!("Applying in context {}:", target.context),
                theme.header(),
            )];
            for p in planned {
                match done.iter().find(|r| r.namespace == p.namespace) {
                    Some(r) => l.push(result_line(r, theme)),
                    None => l.push(Line::from(format!("  {} {}", spinner(m), p.namespace))),
                }
            }
            l.push(Line::default());
            l.push(Line::styled(
                "Esc cancel (what is done stays done)",
                theme.dim(),
            ));
            l
        }
        ApplyStep::Done { target, reports } => {
            let mut l = vec![Line::styled(
                format!("Results in context {}:", target.context),
                theme.header(),
            )];
            for r in reports {
                l.push(result_line(r, theme));
                if let Some(msg) = r.message.as_deref().filter(|_| r.outcome.is_failure()) {
                    l.push(Line::styled(
                        format!("    {}", fit(msg, TEXT - 4)),
                        theme.dim(),
                    ));
                }
            }
            l.push(Line::default());
            l.push(Line::styled("Enter / Esc close", theme.dim()));
            l
        }
        ApplyStep::Failed { message } => vec![
            Line::styled("No plan:", theme.error()),
            Line::from(fit(message, TEXT)),
            Line::default(),
            Line::styled("Enter / Esc close", theme.dim()),
        ],
    };
    lines.truncate(usize::from(area.height.saturating_sub(2)));
    let height = lines.len() as u16 + 2;
    let rect = popup(f, area, 76, height);
    let block = Block::bordered()
        .title(Line::styled(
            format!(" Apply '{}' ", d.registry_name),
            theme.title(),
        ))
        .border_style(theme.danger_border())
        .padding(Padding::horizontal(1));
    f.render_widget(Paragraph::new(lines).block(block), rect);
}

fn target(d: &ApplyDialog, theme: Theme) -> Vec<Line<'static>> {
    let context = match d.context_name() {
        Some(c) => format!(
            "context {c}  ({}/{}, Tab next)",
            d.context + 1,
            d.contexts.len()
        ),
        None => "no context found in KUBECONFIG".to_owned(),
    };
    let mut l = vec![
        Line::styled("Target", theme.header()),
        Line::from(vec![
            Span::styled("> Kubernetes  ", theme.key()),
            Span::raw(context),
        ]),
        Line::styled("  Swarm       use `regvault swarm apply`", theme.dim()),
        Line::styled("  Compose     use `regvault compose login`", theme.dim()),
        Line::default(),
        Line::styled("Environments (Space toggles)", theme.header()),
    ];
    for (i, (env, on)) in d.environments.iter().enumerate() {
        let mark = if *on { "[x]" } else { "[ ]" };
        let text = format!(
            "{} {mark} {env} → namespace env-{env}",
            if i == d.cursor { ">" } else { " " }
        );
        let style = if i == d.cursor {
            theme.selected()
        } else {
            Style::default()
        };
        l.push(Line::styled(fit(&text, TEXT), style));
    }
    l.push(Line::default());
    l.push(Line::styled("Enter plan · Esc cancel", theme.dim()));
    l
}

fn plan_line(r: &NamespaceReport, theme: Theme) -> Line<'static> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = r.namespace_change {
        parts.push(format!("Namespace: {}", c.as_str()));
    }
    parts.extend(
        r.objects
            .iter()
            .map(|o| format!("{} {}: {}", o.kind, o.name, o.change.as_str())),
    );
    if r.outcome.is_failure() {
        parts.push(r.outcome.as_str().to_owned());
    }
    let text = format!("  {:<16} {}", r.namespace, parts.join(" · "));
    let style = if r.outcome.is_failure() {
        theme.warning()
    } else {
        Style::default()
    };
    Line::styled(fit(&text, TEXT), style)
}

fn result_line(r: &NamespaceReport, theme: Theme) -> Line<'static> {
    let (mark, style) = if r.outcome.is_failure() {
        ("✗", theme.error())
    } else {
        ("✓", theme.ok())
    };
    Line::styled(
        format!("  {mark} {:<16} {}", r.namespace, r.outcome.as_str()),
        style,
    )
}
