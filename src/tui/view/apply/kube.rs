//! The Apply dialog's Kubernetes steps across several clusters: the
//! context checklist, then the plan, the progress and the results grouped
//! per cluster (its context as the heading). A cluster that could not be
//! planned or applied shows its one-line reason in its own group; the
//! others are shown as usual.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::{Hints, TEXT, running_hint};
use crate::deploy::kube::{NamespaceReport, Outcome};
use crate::tui::apply::{ApplyTarget, ClusterError, ClusterPlan};
use crate::tui::state::Model;
use crate::tui::state::apply::{ApplyDialog, Row};
use crate::tui::theme::Theme;
use crate::tui::view::{fit, spinner};

/// The checklist of the kubeconfig's contexts (under the Kubernetes target).
pub(super) fn checklist(d: &ApplyDialog, h: &Hints, theme: Theme) -> Vec<Line<'static>> {
    if d.contexts.is_empty() {
        return vec![Line::styled(
            "  no context found in KUBECONFIG",
            theme.warning(),
        )];
    }
    let mut l = vec![Line::styled(
        format!(
            "Contexts ({} toggles, {} all, {} only next)",
            h.toggle, h.all_contexts, h.next_context
        ),
        theme.header(),
    )];
    for (i, (name, on)) in d.contexts.iter().enumerate() {
        let here = !d.on_targets && d.row(d.cursor) == Some(Row::Context(i));
        let mark = if *on { "[x]" } else { "[ ]" };
        let text = format!("{} {mark} {name}", if here { ">" } else { " " });
        let style = if here {
            theme.selected()
        } else {
            Style::default()
        };
        l.push(Line::styled(fit(&text, TEXT), style));
    }
    l
}

/// What is being planned.
pub(super) fn planning(
    m: &Model,
    target: &ApplyTarget,
    h: &Hints,
    theme: Theme,
) -> Vec<Line<'static>> {
    vec![
        Line::from(fit(
            &format!(
                "{} Planning in {} …",
                spinner(m),
                contexts_phrase(&target.contexts)
            ),
            TEXT,
        )),
        Line::default(),
        Line::styled(h.cancel.clone(), theme.dim()),
    ]
}

fn contexts_phrase(contexts: &[String]) -> String {
    match contexts {
        [one] => format!("context {one}"),
        many => format!("{} contexts: {}", many.len(), many.join(", ")),
    }
}

fn heading(context: &str, theme: Theme) -> Line<'static> {
    Line::styled(fit(&format!("▸ {context}"), TEXT), theme.key())
}

fn cluster_error(what: &str, message: &str, theme: Theme) -> [Line<'static>; 2] {
    [
        Line::styled(format!("  ✗ {what}:"), theme.error()),
        Line::styled(format!("    {}", fit(message, TEXT - 4)), theme.dim()),
    ]
}

/// The plan per cluster and the typed confirm naming every context.
pub(super) fn confirm(
    target: &ApplyTarget,
    plans: &[ClusterPlan],
    typed: &str,
    h: &Hints,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut l = vec![Line::styled(
        "Plan (reads only; secret data redacted):",
        theme.header(),
    )];
    for p in plans {
        l.push(heading(&p.context, theme));
        match &p.planned {
            Ok(planned) => {
                for r in planned {
                    l.push(plan_line(r, theme));
                    l.extend(failure_reason(r, theme));
                }
            }
            Err(e) => l.extend(cluster_error("cannot plan, will be skipped", e, theme)),
        }
    }
    l.push(Line::default());
    let phrase = target.phrase();
    let (what, names) = if target.contexts.len() == 1 {
        ("Kubernetes context ", "the context name")
    } else {
        ("Kubernetes contexts ", "the context names")
    };
    l.push(Line::from(vec![
        Span::raw(format!("Dangerous: writes to {what}")),
        Span::styled(
            fit(&phrase, TEXT - 40),
            theme
                .error()
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
    ]));
    l.push(Line::from(format!("Type {names} to apply:")));
    l.push(Line::from(vec![
        Span::styled("> ", theme.key()),
        Span::styled(format!("{typed:<30}"), theme.selected()),
    ]));
    l.push(Line::styled(h.apply.clone(), theme.dim()));
    l
}

/// The namespaces of each cluster: a spinner until its result arrives.
pub(super) fn applying(
    m: &Model,
    plans: &[ClusterPlan],
    done: &[(String, NamespaceReport)],
    cancelling: bool,
    h: &Hints,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut l = vec![Line::styled("Applying:", theme.header())];
    for p in plans {
        l.push(heading(&p.context, theme));
        let planned = match &p.planned {
            Ok(planned) => planned,
            Err(e) => {
                l.extend(cluster_error("not planned, skipped", e, theme));
                continue;
            }
        };
        for n in planned {
            let got = done
                .iter()
                .find(|(c, r)| *c == p.context && r.namespace == n.namespace);
            match got {
                Some((_, r)) => l.push(result_line(r, theme)),
                None => l.push(Line::from(format!("  {} {}", spinner(m), n.namespace))),
            }
        }
    }
    l.push(Line::default());
    l.push(running_hint(cancelling, &h.cancel_running, theme));
    l
}

/// What happened in each cluster, its failures' reasons under them.
pub(super) fn results(
    plans: &[ClusterPlan],
    reports: &[(String, NamespaceReport)],
    failures: &[ClusterError],
    h: &Hints,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut l = vec![Line::styled("Results:", theme.header())];
    for p in plans {
        l.push(heading(&p.context, theme));
        if let Err(e) = &p.planned {
            l.extend(cluster_error("not planned, nothing applied", e, theme));
            continue;
        }
        if let Some(f) = failures.iter().find(|f| f.context == p.context) {
            l.extend(cluster_error("nothing applied", &f.message, theme));
        }
        for (_, r) in reports.iter().filter(|(c, _)| *c == p.context) {
            l.push(result_line(r, theme));
            l.extend(failure_reason(r, theme));
        }
    }
    l.push(Line::default());
    l.push(Line::styled(h.close.clone(), theme.dim()));
    l
}

/// `lines` cut to `max`: when longer, the lines before the last `keep`
/// end with "… N more lines" (`keep` 0: left to the popup's cut).
pub(super) fn elide(mut lines: Vec<Line<'static>>, max: usize, keep: usize) -> Vec<Line<'static>> {
    if keep == 0 || lines.len() <= max || max <= keep + 1 {
        return lines;
    }
    let tail = lines.split_off(lines.len() - keep);
    let shown = max - keep - 1;
    let hidden = lines.len() - shown;
    lines.truncate(shown);
    lines.push(Line::from(format!("  … {hidden} more lines")));
    lines.extend(tail);
    lines
}

/// Why a namespace failed (unreachable, forbidden), under its line.
fn failure_reason(r: &NamespaceReport, theme: Theme) -> Option<Line<'static>> {
    let msg = r.message.as_deref().filter(|_| r.outcome.is_failure())?;
    Some(Line::styled(
        format!("    {}", fit(msg, TEXT - 4)),
        theme.dim(),
    ))
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
    let (mark, style) = if r.outcome == Outcome::Cancelled {
        ("–", theme.warning())
    } else if r.outcome.is_failure() {
        ("✗", theme.error())
    } else {
        ("✓", theme.ok())
    };
    Line::styled(
        format!("  {mark} {:<16} {}", r.namespace, r.outcome.as_str()),
        style,
    )
}
