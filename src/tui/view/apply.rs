//! The Apply dialog: the target (Kubernetes contexts and environments,
//! Swarm endpoint, Compose project), the plan with a typed confirm
//! (dangerous: red border, the context name — or `swarm` / `compose` —
//! shown prominently), then per-namespace or per-service spinners and
//! results (grouped per cluster for Kubernetes: `kube`). Also the offer to prune a deleted registry's secrets. The key
//! hints come from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph};

mod kube;

use super::confirm::{QUESTION, hint};
use super::{fit, popup, spinner};
use crate::deploy::swarm::ServicePreview;
use crate::ops::compose::ComposePlan;
use crate::ops::kube::{PruneOutcome, PrunedSecret};
use crate::ops::swarm::{PlannedService, ServiceResult, ServiceState};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::apply::{ApplyDialog, ApplyStep, PruneStep, Row, TargetKind};
use crate::tui::state::modal::Modal;
use crate::tui::theme::Theme;
use crate::tui::update::service_outcome;

/// Text width inside the popup (76 wide, border and padding).
const TEXT: usize = 72;

/// The Apply dialog's keys: its own keymap section, then the dialogs'.
const APPLY: &[KeyContext] = &[KeyContext::Apply, KeyContext::Dialog];

/// The hint lines and key names a dialog shows, from its keymap contexts,
/// so a rebinding shows here.
struct Hints {
    cancel: String,
    cancel_running: String,
    close: String,
    plan: String,
    apply: String,
    up: String,
    down: String,
    toggle: String,
    next_context: String,
    all_contexts: String,
}

impl Hints {
    fn new(m: &Model, contexts: &[KeyContext]) -> Self {
        let key = |action| {
            m.keymap
                .first_key_in(contexts, action)
                .map_or_else(|| "(unbound)".to_owned(), |k| k.to_string())
        };
        let back = [Action::Back];
        let cancel = hint(m, contexts, &[(&back, "cancel")]);
        Self {
            cancel_running: format!("{cancel} (what is done stays done)"),
            close: hint(m, contexts, &[(&[Action::Confirm, Action::Back], "close")]),
            plan: hint(
                m,
                contexts,
                &[(&[Action::Confirm], "plan"), (&back, "cancel")],
            ),
            apply: hint(
                m,
                contexts,
                &[(&[Action::Confirm], "apply"), (&back, "cancel")],
            ),
            cancel,
            up: key(Action::MoveUp),
            down: key(Action::MoveDown),
            toggle: key(Action::Toggle),
            next_context: key(Action::NextContext),
            all_contexts: key(Action::AllContexts),
        }
    }
}

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Apply(d)) = &m.modal else {
        return;
    };
    let h = Hints::new(m, APPLY);
    let lines = match &d.step {
        ApplyStep::Target => target(d, &h, theme),
        ApplyStep::Planning { target, .. } => kube::planning(m, target, &h, theme),
        ApplyStep::Confirm {
            target,
            plans,
            typed,
        } => kube::confirm(target, plans, typed.value(), &h, theme),
        ApplyStep::Applying {
            plans,
            done,
            cancelling,
            ..
        } => kube::applying(m, plans, done, *cancelling, &h, theme),
        ApplyStep::Done {
            plans,
            reports,
            failures,
            ..
        } => kube::results(plans, reports, failures, &h, theme),
        ApplyStep::SwarmPlanning { .. } => vec![
            Line::from(format!(
                "{} Planning on the Swarm at {} …",
                spinner(m),
                d.swarm_endpoint
            )),
            Line::default(),
            Line::styled(h.cancel.clone(), theme.dim()),
        ],
        ApplyStep::SwarmConfirm {
            services, typed, ..
        } => {
            let mut l = vec![Line::styled(
                fit(&format!("Plan on {} (reads only):", d.swarm_endpoint), TEXT),
                theme.header(),
            )];
            for s in services {
                l.extend(service_lines(s, theme));
            }
            l.push(Line::default());
            l.extend(typed_confirm(
                "Dangerous: creates/updates services (registry auth) on the ",
                "Swarm",
                TargetKind::Swarm.phrase(),
                typed.value(),
                &h,
                theme,
            ));
            l
        }
        ApplyStep::SwarmApplying {
            services,
            done,
            cancelling,
            ..
        } => {
            let mut l = vec![Line::styled(
                fit(&format!("Applying on {}:", d.swarm_endpoint), TEXT),
                theme.header(),
            )];
            for s in services {
                match done.iter().find(|r| r.plan.service == s.plan.service) {
                    Some(r) => l.push(swarm_result_line(r, theme)),
                    None => l.push(Line::from(format!("  {} {}", spinner(m), s.plan.service))),
                }
            }
            l.push(Line::default());
            l.push(running_hint(*cancelling, &h.cancel_running, theme));
            l
        }
        ApplyStep::SwarmDone { done, error, .. } => {
            let mut l = vec![Line::styled(
                fit(&format!("Results on {}:", d.swarm_endpoint), TEXT),
                theme.header(),
            )];
            if let Some(e) = error {
                l.push(Line::styled("  ✗ nothing applied:", theme.error()));
                l.push(Line::styled(
                    format!("    {}", fit(e, TEXT - 4)),
                    theme.dim(),
                ));
            }
            for r in done {
                l.push(swarm_result_line(r, theme));
                if let ServiceState::Failed(e) = &r.state {
                    l.push(Line::styled(
                        format!("    {}", fit(&e.to_string(), TEXT - 4)),
                        theme.dim(),
                    ));
                }
            }
            l.push(Line::default());
            l.push(Line::styled(h.close.clone(), theme.dim()));
            l
        }
        ApplyStep::ComposePlanning { .. } => vec![
            Line::from(format!(
                "{} Reading the compose project in {} …",
                spinner(m),
                d.project_dir.display()
            )),
            Line::default(),
            Line::styled(h.cancel.clone(), theme.dim()),
        ],
        ApplyStep::ComposeConfirm { plan, typed } => {
            let mut l = compose_plan_lines(plan, theme);
            l.push(Line::default());
            l.extend(typed_confirm(
                "Dangerous: rewrites the Docker ",
                "config.json",
                TargetKind::Compose.phrase(),
                typed.value(),
                &h,
                theme,
            ));
            l
        }
        ApplyStep::ComposeApplying { plan, .. } => vec![
            Line::from(format!(
                "{} Writing {} …",
                spinner(m),
                fit(&plan.config.display().to_string(), TEXT - 12)
            )),
            Line::default(),
            Line::styled(h.cancel.clone(), theme.dim()),
        ],
        ApplyStep::ComposeDone { lines: done } => {
            let mut l = vec![Line::styled("Compose login:", theme.header())];
            if done.is_empty() {
                l.push(Line::from("  nothing to write"));
            }
            for t in done {
                let style = if t.starts_with("warning:") {
                    theme.warning()
                } else {
                    theme.ok()
                };
                l.push(Line::styled(fit(&format!("  {t}"), TEXT), style));
            }
            l.push(Line::default());
            l.push(Line::styled(h.close.clone(), theme.dim()));
            l
        }
        ApplyStep::Failed { message } => failed("No plan:", message, &h, theme),
    };
    let lines = demo_notice(m, &d.step, lines, theme);
    // Many clusters × namespaces outgrow the screen: the middle goes, so
    // the typed confirm (or the close hint) stays in sight.
    let keep = match d.step {
        ApplyStep::Confirm { .. } => 5,
        ApplyStep::Applying { .. } | ApplyStep::Done { .. } => 2,
        _ => 0,
    };
    // The borders and the status line (toasts show there) take three rows.
    let lines = kube::elide(lines, usize::from(area.height.saturating_sub(3)), keep);
    let title = match d.kind {
        TargetKind::Compose if !matches!(d.step, ApplyStep::Target) => " Compose login ".to_owned(),
        _ => format!(" Apply '{}' ", d.registry_name),
    };
    show(f, area, lines, title, theme);
}

/// `regvault demo`: the Kubernetes steps say first that the cluster is a
/// demo one and nothing is (or was) sent.
fn demo_notice(
    m: &Model,
    step: &ApplyStep,
    mut lines: Vec<Line<'static>>,
    theme: Theme,
) -> Vec<Line<'static>> {
    let text = match step {
        _ if !m.ctx.demo => return lines,
        ApplyStep::Target | ApplyStep::Planning { .. } | ApplyStep::Confirm { .. } => {
            "DEMO cluster: planned from the vault; applying sends nothing"
        }
        ApplyStep::Applying { .. } | ApplyStep::Done { .. } => {
            "DEMO: nothing was sent — this is what apply would have done"
        }
        _ => return lines,
    };
    // The typed confirm writes nowhere in the demo: it must not say so.
    for line in &mut lines {
        for span in &mut line.spans {
            if let Some(rest) = span.content.strip_prefix("Dangerous: writes to ") {
                span.content = format!("Demo, nothing is sent: would write to {rest}").into();
            }
        }
    }
    lines.insert(0, Line::styled(text, theme.warning()));
    lines
}

/// A step that could not go on: what failed, then how to close.
fn failed(heading: &'static str, message: &str, h: &Hints, theme: Theme) -> Vec<Line<'static>> {
    vec![
        Line::styled(heading, theme.error()),
        Line::from(fit(message, TEXT)),
        Line::default(),
        Line::styled(h.close.clone(), theme.dim()),
    ]
}

/// Draws a dangerous-action popup (red border) holding `lines`, cut to the
/// screen's height.
fn show(f: &mut Frame, area: Rect, mut lines: Vec<Line<'static>>, title: String, theme: Theme) {
    lines.truncate(usize::from(area.height.saturating_sub(3)));
    let height = lines.len() as u16 + 2;
    let rect = popup(f, area, 76, height);
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .border_style(theme.danger_border())
        .padding(Padding::horizontal(1));
    f.render_widget(Paragraph::new(lines).block(block), rect);
}

fn target(d: &ApplyDialog, h: &Hints, theme: Theme) -> Vec<Line<'static>> {
    let context = match d.checked_contexts().as_slice() {
        [] if d.contexts.is_empty() => "no context found in KUBECONFIG".to_owned(),
        [one] => format!("context {one}  (1 of {} checked)", d.contexts.len()),
        some => format!("{} of {} contexts checked", some.len(), d.contexts.len()),
    };
    let mut l = vec![Line::styled(
        format!("Target ({}/{} move, {} picks)", h.up, h.down, h.toggle),
        theme.header(),
    )];
    for (i, kind) in TargetKind::ALL.into_iter().enumerate() {
        let (name, detail) = match kind {
            TargetKind::Kubernetes => ("Kubernetes", context.clone()),
            TargetKind::Swarm => ("Swarm", format!("endpoint {}", d.swarm_endpoint)),
            TargetKind::Compose => ("Compose", format!("project {}", d.project_dir.display())),
        };
        let mark = if kind == d.kind { "(•)" } else { "( )" };
        let cursor = if d.on_targets && i == d.target_cursor {
            ">"
        } else {
            " "
        };
        let text = fit(&format!("{cursor} {mark} {name:<11} {detail}"), TEXT);
        let style = if d.on_targets && i == d.target_cursor {
            theme.selected()
        } else if kind == d.kind {
            theme.key()
        } else {
            Style::default()
        };
        l.push(Line::styled(text, style));
    }
    // No blank line before the contexts: the target step must fit 24 rows.
    if d.kind != TargetKind::Kubernetes || d.contexts.is_empty() {
        l.push(Line::default());
    }
    if d.kind == TargetKind::Compose {
        l.push(Line::from(
            "Writes the logins of every saved registry the project's images use",
        ));
        l.push(Line::from("into $DOCKER_CONFIG/config.json (no pull)."));
    } else {
        if d.kind == TargetKind::Kubernetes {
            l.extend(kube::checklist(d, h, theme));
        }
        l.push(Line::styled(
            format!("Environments ({} toggles)", h.toggle),
            theme.header(),
        ));
        for (i, (env, on)) in d.environments.iter().enumerate() {
            let mark = if *on { "[x]" } else { "[ ]" };
            let here = !d.on_targets && d.row(d.cursor) == Some(Row::Environment(i));
            let dest = match d.kind {
                TargetKind::Swarm => format!("its services in {env}"),
                _ => format!("namespace env-{env}"),
            };
            let text = format!("{} {mark} {env} → {dest}", if here { ">" } else { " " });
            let style = if here {
                theme.selected()
            } else {
                Style::default()
            };
            l.push(Line::styled(fit(&text, TEXT), style));
        }
        let options = d.options();
        if !options.is_empty() {
            l.push(Line::styled("Options (Space toggles)", theme.header()));
        }
        for o in options {
            let here = !d.on_targets && d.row(d.cursor) == Some(Row::Option(o));
            let mark = if o.get(&d.settings) { "[x]" } else { "[ ]" };
            let text = format!(
                "{} {mark} {}",
                if here { ">" } else { " " },
                o.text(&d.settings)
            );
            let style = if here {
                theme.selected()
            } else {
                Style::default()
            };
            l.push(Line::styled(fit(&text, TEXT), style));
        }
    }
    l.push(Line::default());
    l.push(Line::styled(h.plan.clone(), theme.dim()));
    l
}

/// The dangerous line naming where it writes, and the typed confirm.
fn typed_confirm(
    what: &str,
    prominent: &str,
    phrase: &str,
    typed: &str,
    h: &Hints,
    theme: Theme,
) -> Vec<Line<'static>> {
    vec![
        Line::from(vec![
            Span::raw(what.to_owned()),
            Span::styled(
                prominent.to_owned(),
                theme
                    .error()
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED),
            ),
        ]),
        Line::from(format!("Type {phrase} to apply:")),
        Line::from(vec![
            Span::styled("> ", theme.key()),
            Span::styled(format!("{typed:<30}"), theme.selected()),
        ]),
        Line::styled(h.apply.clone(), theme.dim()),
    ]
}

/// While applying: Esc cancels (and says what that means), then closes.
fn running_hint(cancelling: bool, cancel: &str, theme: Theme) -> Line<'static> {
    if cancelling {
        Line::styled(
            "cancelling: nothing further is started; it ends by itself",
            theme.warning(),
        )
    } else {
        Line::styled(cancel.to_owned(), theme.dim())
    }
}

fn service_lines(s: &PlannedService, theme: Theme) -> Vec<Line<'static>> {
    let (action, style) = match &s.preview {
        ServicePreview::Create => ("create", Style::default()),
        ServicePreview::Update => ("update", Style::default()),
        ServicePreview::Refused(_) => ("refused", theme.warning()),
    };
    let text = format!(
        "  {:<22} {:<28} {action}",
        fit(&s.plan.service, 22),
        fit(&s.plan.image, 28)
    );
    let mut l = vec![Line::styled(fit(&text, TEXT), style)];
    if let ServicePreview::Refused(why) = &s.preview {
        l.push(Line::styled(
            format!("    {}", fit(why, TEXT - 4)),
            theme.dim(),
        ));
    }
    l
}

fn swarm_result_line(r: &ServiceResult, theme: Theme) -> Line<'static> {
    let outcome = service_outcome(r);
    let (mark, style) = match &r.state {
        ServiceState::Done(_) => ("✓", theme.ok()),
        ServiceState::Failed(_) => ("✗", theme.error()),
        ServiceState::Cancelled => ("–", theme.warning()),
    };
    Line::styled(
        fit(&format!("  {mark} {:<22} {outcome}", r.plan.service), TEXT),
        style,
    )
}

/// Images listed in the plan before "… and N more".
const IMAGES_SHOWN: usize = 4;

fn compose_plan_lines(plan: &ComposePlan, theme: Theme) -> Vec<Line<'static>> {
    let mut l = vec![
        Line::styled(
            fit(
                &format!("Plan for {} (reads only):", plan.compose_file.display()),
                TEXT,
            ),
            theme.header(),
        ),
        Line::from(fit(&format!("  writes {}", plan.config.display()), TEXT)),
    ];
    for (name, server) in &plan.logins {
        l.push(Line::from(fit(
            &format!("  login {server:<28} from '{name}'"),
            TEXT,
        )));
    }
    let shown = plan.images.iter().take(IMAGES_SHOWN);
    l.extend(shown.map(|i| Line::styled(fit(&format!("  image {i}"), TEXT), theme.dim())));
    if plan.images.len() > IMAGES_SHOWN {
        l.push(Line::styled(
            format!(
                "  … and {} more",
                crate::model::plural(plan.images.len() - IMAGES_SHOWN, "image", "images")
            ),
            theme.dim(),
        ));
    }
    for w in &plan.warnings {
        l.push(Line::styled(
            fit(&format!("  warning: {w}"), TEXT),
            theme.warning(),
        ));
    }
    l
}

/// The offer after a registry delete: remove its managed secrets from the
/// cluster (dangerous; No is the default), then the per-secret results.
pub(super) fn render_prune(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Prune(d)) = &m.modal else {
        return;
    };
    let h = Hints::new(m, QUESTION);
    let lines = match &d.step {
        PruneStep::Ask => vec![
            Line::from(fit(
                &format!(
                    "Remove {}'s managed secrets from the cluster?",
                    d.registry_name
                ),
                TEXT,
            )),
            Line::from(vec![
                Span::raw("Context "),
                Span::styled(
                    d.context.clone(),
                    theme
                        .error()
                        .add_modifier(Modifier::BOLD | Modifier::REVERSED),
                ),
                Span::raw(format!("  (same as `regvault prune {}`)", d.registry_id)),
            ]),
            Line::default(),
            Line::styled(
                "Only secrets labelled managed-by=regvault are deleted.",
                theme.dim(),
            ),
            Line::default(),
            Line::styled(
                hint(
                    m,
                    QUESTION,
                    &[
                        (&[Action::Yes], "remove"),
                        (&[Action::No, Action::Back], "keep them"),
                    ],
                ),
                theme.dim(),
            ),
        ],
        PruneStep::Running {
            done, cancelling, ..
        } => {
            let mut l = vec![Line::from(format!(
                "{} Removing managed secrets in context {} …",
                spinner(m),
                d.context
            ))];
            l.extend(done.iter().flat_map(|s| pruned_lines(s, theme)));
            l.push(Line::default());
            l.push(running_hint(*cancelling, &h.cancel, theme));
            l
        }
        PruneStep::Done { removed } => {
            let mut l = vec![Line::styled(
                format!("Results in context {}:", d.context),
                theme.header(),
            )];
            if removed.is_empty() {
                l.push(Line::from("  no managed secret of this registry was found"));
            }
            l.extend(removed.iter().flat_map(|s| pruned_lines(s, theme)));
            l.push(Line::default());
            l.push(Line::styled(h.close.clone(), theme.dim()));
            l
        }
        PruneStep::Failed { message } => failed("Nothing was removed:", message, &h, theme),
    };
    show(f, area, lines, " Remove managed secrets ".to_owned(), theme);
}

/// One secret of a prune: deleted, failed (and why), left (cancelled) or
/// foreign (and why).
fn pruned_lines(s: &PrunedSecret, theme: Theme) -> Vec<Line<'static>> {
    let what = format!("{}/{}", s.namespace, s.name);
    let (mark, style) = match s.outcome {
        PruneOutcome::Deleted => ("✓", theme.ok()),
        PruneOutcome::Error => ("✗", theme.error()),
        PruneOutcome::Cancelled => ("–", theme.warning()),
        PruneOutcome::Foreign => ("!", theme.warning()),
    };
    let mut l = vec![Line::styled(
        fit(&format!("  {mark} {what} {}", s.outcome.as_str()), TEXT),
        style,
    )];
    if let (PruneOutcome::Error | PruneOutcome::Foreign, Some(e)) = (s.outcome, &s.message) {
        l.push(Line::styled(
            format!("    {}", fit(e, TEXT - 4)),
            theme.dim(),
        ));
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::test_support as fixtures;

    #[test]
    fn hints_name_the_bound_keys() {
        let mut m = fixtures::full();
        let h = Hints::new(&m, APPLY);
        assert_eq!(h.plan, "Enter plan · Esc cancel");
        assert_eq!(
            (h.toggle.as_str(), h.next_context.as_str()),
            ("Space", "Tab")
        );
        m.keymap
            .apply_overrides("[apply]\ntoggle = [\"x\"]\nconfirm = [\"ctrl-y\"]\n")
            .expect("override");
        let h = Hints::new(&m, APPLY);
        assert_eq!(h.plan, "Ctrl-Y plan · Esc cancel");
        assert_eq!(h.close, "Ctrl-Y / Esc close");
        assert_eq!(h.toggle, "x");
        let prune = Hints::new(&m, QUESTION);
        assert_eq!(
            prune.close, "Enter / Esc close",
            "[apply] is not the prune's"
        );
    }
}
