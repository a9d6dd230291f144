//! Test Connection's step list, as `regvault registry test` prints it: one
//! line per step (✓ passed, ✗ failed, – skipped, … still running, · not
//! reached), the outcome with the elapsed time (against the limit while it
//! runs) and one line of what to do — phrased for the TUI: which key to
//! press, not which flag to pass (from the probe's face-neutral `Advice`).
//! Shared by the form (Ctrl-T) and the panel `t` opens over a list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{fit, popup, spinner};
use crate::model::escape;
use crate::ops::test::TestReport;
use crate::probe::{Advice, StepKind, StepStatus};
use crate::registry::RegistryKind;
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::Model;
use crate::tui::state::modal::Modal;
use crate::tui::state::probe::{PanelRun, Running};
use crate::tui::theme::Theme;

/// Where the step list is shown: the hints name that place's keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Face {
    /// The add/edit form; `custom`: it has the CA bundle and Insecure fields.
    Form { custom: bool },
    /// The panel over a list (a saved registry).
    Panel,
}

/// What the step list shows.
pub(super) enum Shown<'a> {
    Idle,
    Running(Running),
    Done {
        report: &'a TestReport,
        /// The values changed since (the form).
        stale: bool,
    },
    Failed(&'a str),
}

/// Width of the step label column (the longest is "credentials accepted").
const STEP_WIDTH: usize = 21;

/// The steps a live check of `kind` goes through, in order.
fn expected(kind: RegistryKind) -> Vec<StepKind> {
    match kind {
        RegistryKind::Public => vec![StepKind::Structure],
        RegistryKind::Ecr => vec![
            StepKind::Structure,
            StepKind::EcrToken,
            StepKind::HostReached,
            StepKind::TlsVerified,
            StepKind::Challenge,
            StepKind::CredentialsAccepted,
            StepKind::PullPermission,
        ],
        _ => vec![
            StepKind::Structure,
            StepKind::HostReached,
            StepKind::TlsVerified,
            StepKind::Challenge,
            StepKind::CredentialsAccepted,
            StepKind::PullPermission,
        ],
    }
}

/// "3.2 s", "15 s".
fn secs(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if d.subsec_millis() == 0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

fn key(m: &Model, ctx: KeyContext, action: Action, fallback: &str) -> String {
    m.keymap
        .first_key(ctx, action)
        .map_or_else(|| fallback.to_owned(), |k| k.to_string())
}

/// What to do, with this face's keys.
fn advice_text(m: &Model, advice: Advice, face: Face) -> String {
    let edit = key(m, KeyContext::List, Action::Edit, "e");
    match (advice, face) {
        (Advice::CheckCredentials, Face::Form { .. }) => format!(
            "check the username and the secret — {} reveals the focused secret",
            key(m, KeyContext::Form, Action::RevealSecret, "Ctrl-R")
        ),
        (Advice::CheckCredentials, Face::Panel) => {
            format!("check the username and the secret — press {edit} to edit them")
        }
        (Advice::TrustCa, Face::Form { custom: true }) => format!(
            "paste the registry's CA into \"CA bundle (PEM)\", or type its file's path there and press {}",
            key(m, KeyContext::Form, Action::LoadFile, "Ctrl-O")
        ),
        (Advice::TrustCa, _) => format!(
            "press {edit} and give the registry's CA in \"CA bundle (PEM)\" (a Custom registry)"
        ),
        (Advice::UsePlainHttp, Face::Form { .. }) => {
            "if it serves plain http: make the URL http:// and set Insecure to yes".to_owned()
        }
        (Advice::UsePlainHttp, Face::Panel) => {
            format!(
                "if it serves plain http: press {edit}, make the URL http:// and set Insecure to yes"
            )
        }
        (Advice::MarkInsecure, Face::Form { .. }) => {
            "use https, or set Insecure to yes (the password is then readable on the wire)"
                .to_owned()
        }
        (Advice::MarkInsecure, Face::Panel) => {
            format!("use https, or press {edit} and set Insecure to yes")
        }
        (Advice::GiveImage, Face::Form { .. }) => {
            "type an image in \"Test image\" to check pull permission too".to_owned()
        }
        (Advice::GiveImage, Face::Panel) => format!(
            "to check pull permission too, press {} on a container that uses it",
            key(m, KeyContext::List, Action::TestConnection, "t")
        ),
    }
}

/// Greedy word wrap to `width` columns (characters).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let (n, w) = (line.chars().count(), word.chars().count());
        if n > 0 && n + 1 + w > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            lines.push(head);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn step_line(
    mark: &str,
    style: ratatui::style::Style,
    label: &str,
    detail: &str,
    width: usize,
) -> Line<'static> {
    let text = format!("  {mark} {label:<STEP_WIDTH$} {detail}");
    Line::styled(fit(text.trim_end(), width), style)
}

/// The step list for `shown`, at most `width` columns wide.
pub(super) fn lines(
    m: &Model,
    kind: RegistryKind,
    shown: &Shown,
    face: Face,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    // The panel's title already says what this is.
    let label = match face {
        Face::Panel => "",
        Face::Form { .. } if m.ctx.demo => "Offline check (demo): ",
        Face::Form { .. } => "Test Connection: ",
    };
    let head = |body: Span<'static>| Line::from(vec![Span::styled(label, theme.header()), body]);
    let test_key = match face {
        Face::Form { .. } => key(m, KeyContext::Form, Action::TestConnection, "Ctrl-T"),
        Face::Panel => key(m, KeyContext::List, Action::TestConnection, "t"),
    };
    let mut out = Vec::new();
    match shown {
        Shown::Idle => {
            let what = if m.ctx.demo {
                "checks the values above; nothing is sent"
            } else {
                "checks the values above"
            };
            out.push(head(Span::styled(
                format!("not run — {test_key} {what}"),
                theme.dim(),
            )));
        }
        Shown::Running(run) => {
            let back = key(m, KeyContext::Form, Action::Back, "Esc");
            out.push(head(Span::raw(format!(
                "{} testing… {} / {} — {test_key} again or {back} cancels",
                spinner(m),
                secs(run.elapsed(m.now)),
                secs(m.probe_timeout),
            ))));
            for step in expected(kind) {
                out.push(step_line("…", theme.dim(), step.label(), "", width));
            }
        }
        Shown::Failed(why) => {
            out.push(head(Span::styled(format!("✗ {why}"), theme.error())));
        }
        Shown::Done { report, stale } => {
            let p = &report.probe;
            let changed = if *stale {
                " (values changed since)"
            } else {
                ""
            };
            let (mark, style) = if report.passed() {
                ("✓", theme.ok())
            } else {
                ("✗", theme.error())
            };
            let status = if report.contacted() {
                format!(
                    "{mark} {} in {}{changed}",
                    p.outcome,
                    secs(std::time::Duration::from_millis(p.elapsed_ms))
                )
            } else if m.ctx.demo && report.passed() {
                format!("{mark} structure ok — the registry was not contacted{changed}")
            } else {
                format!("{mark} {}{changed}", p.outcome)
            };
            out.push(head(Span::styled(status, style)));
            for s in &p.steps {
                let (mark, style) = match s.status {
                    StepStatus::Passed => ("✓", theme.ok()),
                    StepStatus::Failed => ("✗", theme.error()),
                    StepStatus::Skipped => ("–", theme.dim()),
                };
                out.push(step_line(mark, style, s.step.label(), &s.detail, width));
            }
            // The steps the check stopped before (a failure, a cancel):
            // named, so the list reads as the CLI's. An offline check
            // (structure only, or the demo's) sent nothing: one line says so.
            let missing: Vec<&str> = expected(kind)
                .into_iter()
                .filter(|s| p.step(*s).is_none())
                .map(StepKind::label)
                .collect();
            if p.steps.is_empty() || missing.is_empty() {
            } else if !report.contacted() {
                let what = format!("{} more steps", missing.len());
                let detail = "not checked: nothing was sent to the registry";
                out.push(Line::styled(
                    fit(&format!("  · {what:<STEP_WIDTH$} {detail}"), width),
                    theme.dim(),
                ));
            } else if !report.passed() {
                // One line for all of them: the hint below must stay in sight.
                let detail = missing.join(", ");
                out.push(step_line("·", theme.dim(), "not reached", &detail, width));
            }
            // The demo's offline pass: the status line above says it all.
            if m.ctx.demo && report.passed() && !report.contacted() {
                return out;
            }
            let hint = match p.advice {
                Some(a) => advice_text(m, a, face),
                None => p.hint.clone(),
            };
            for l in wrap(&format!("→ {hint}"), width) {
                out.push(Line::styled(l, style));
            }
        }
    }
    out
}

/// The panel `t` opens over a list.
pub(super) fn render_panel(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(Modal::Test(panel)) = &m.modal else {
        return;
    };
    let width = area.width.saturating_sub(4).min(100);
    let inner_width = usize::from(width.saturating_sub(2));
    let shown = match &panel.run {
        PanelRun::Running(r) => Shown::Running(*r),
        PanelRun::Done(report) => Shown::Done {
            report,
            stale: false,
        },
        PanelRun::Failed(why) => Shown::Failed(why),
    };
    let mut body = Vec::new();
    let kind = panel.kind.type_key();
    let what = match (&panel.image, &panel.container) {
        (Some(image), Some(c)) => format!(
            "registry {} ({kind}) · container {} · image {}",
            escape(&panel.name),
            escape(c),
            escape(image)
        ),
        _ => format!("registry {} ({kind})", escape(&panel.name)),
    };
    body.extend(wrap(&what, inner_width).into_iter().map(Line::from));
    body.push(Line::from(""));
    body.extend(lines(
        m,
        panel.kind,
        &shown,
        Face::Panel,
        inner_width,
        theme,
    ));
    body.push(Line::from(""));
    let back = key(m, KeyContext::Dialog, Action::Back, "Esc");
    let keys = if panel.job().is_some() {
        format!("{back} cancel")
    } else {
        let again = key(m, KeyContext::List, Action::TestConnection, "t");
        let edit = key(m, KeyContext::List, Action::Edit, "e");
        if m.ctx.read_only {
            format!("{back} close  {again} test again")
        } else {
            format!("{back} close  {again} test again  {edit} edit the registry")
        }
    };
    body.push(Line::styled(keys, theme.dim()));
    let height = u16::try_from(body.len() + 2).unwrap_or(u16::MAX);
    let rect = popup(f, area, width, height);
    let title = if m.ctx.demo {
        " Offline check (demo) "
    } else {
        " Test Connection "
    };
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    f.render_widget(Paragraph::new(body).block(block), rect);
}
