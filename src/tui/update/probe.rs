//! Test Connection from the lists: `t` on a registry tests its saved
//! credentials, `t` on a container tests its image with its registry (the
//! pull step), both in a panel that shows the step list as the CLI prints
//! it. The result is recorded as the registry's last test, as `regvault
//! registry test` records it — except read-only, and in the demo, whose
//! offline check proves nothing about the registry.

use ratatui::crossterm::event::KeyEvent;

use crate::ops::OpsError;
use crate::ops::test::TestReport;
use crate::tui::effect::{Effect, JobId};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::form::{Form, TestState};
use crate::tui::state::modal::Modal;
use crate::tui::state::probe::{PanelRun, Running, TestPanel};
use crate::tui::state::{Level, ListProbe, Model, Screen};

/// `t` in the Registries or Containers list.
pub(super) fn test_selected(m: &mut Model) -> Vec<Effect> {
    let panel = match m.screen {
        Screen::Registries => {
            let Some(r) = m.selected_registry() else {
                m.toast(Level::Info, "nothing selected");
                return Vec::new();
            };
            TestPanel {
                registry: r.id.clone(),
                name: r.name.clone(),
                kind: r.kind,
                image: None,
                container: None,
                run: PanelRun::Failed(String::new()),
            }
        }
        Screen::Containers => {
            let Some(c) = m.selected_container() else {
                m.toast(Level::Info, "nothing selected");
                return Vec::new();
            };
            let rc = &c.registry_config;
            let image = format!("{}:{}", rc.image_name, rc.image_tag);
            let container = c.name.clone();
            let registry = rc
                .registry_id
                .as_ref()
                .and_then(|id| m.data.registry(id.as_str()));
            let Some(r) = registry else {
                m.toast(
                    Level::Info,
                    format!(
                        "'{}' pulls a public image: there is no registry login to test",
                        crate::model::escape(&container)
                    ),
                );
                return Vec::new();
            };
            TestPanel {
                registry: r.id.clone(),
                name: r.name.clone(),
                kind: r.kind,
                image: Some(image),
                container: Some(container),
                run: PanelRun::Failed(String::new()),
            }
        }
        Screen::Init | Screen::History => return Vec::new(),
    };
    start(m, panel)
}

/// Runs the panel's test (again): a test still running is cancelled first.
fn start(m: &mut Model, mut panel: TestPanel) -> Vec<Effect> {
    let Some(r) = m.data.registry(panel.registry.as_str()) else {
        m.toast(Level::Info, "that registry is gone");
        return Vec::new();
    };
    let (kind, credentials) = (r.kind, r.credentials.clone());
    let mut effects = Vec::new();
    // Latest request wins: a second test replaces the first.
    if let Some(old) = m.list_probe.take() {
        effects.push(Effect::Cancel { job: old.job });
    }
    let job = m.next_job();
    m.list_probe = Some(ListProbe {
        job,
        registry: panel.registry.clone(),
    });
    panel.run = PanelRun::Running(Running {
        job,
        started: m.now,
    });
    // Test-and-record, as `regvault registry test` — unless looking only,
    // or in the demo: its offline check is no evidence the login works.
    let record = (!m.ctx.read_only && !m.ctx.demo).then(|| panel.registry.clone());
    effects.push(Effect::RunProbe {
        job,
        kind,
        credentials,
        record,
        connection: None,
        image: panel.image.clone(),
    });
    m.modal = Some(Modal::Test(Box::new(panel)));
    effects
}

/// Keys in the panel: the dialog's (Esc, Enter) and the list's `t` and `e`.
pub(super) fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let contexts = [KeyContext::Dialog, KeyContext::List];
    match m.keymap.action_in(&contexts, &key) {
        Some(action) => on_action(m, action),
        None => Vec::new(),
    }
}

pub(super) fn on_action(m: &mut Model, action: Action) -> Vec<Effect> {
    let Some(Modal::Test(panel)) = &m.modal else {
        return Vec::new();
    };
    let running = panel.job();
    match action {
        // Esc while it runs stops it and leaves the panel to say so.
        Action::Back | Action::TestConnection if running.is_some() => cancel(m),
        Action::TestConnection => {
            let Some(Modal::Test(panel)) = m.modal.take() else {
                return Vec::new();
            };
            start(m, *panel)
        }
        Action::Edit if !m.ctx.read_only => {
            let Some(Modal::Test(panel)) = m.modal.take() else {
                return Vec::new();
            };
            let mut effects = Vec::new();
            if let Some(p) = m.list_probe.take() {
                effects.push(Effect::Cancel { job: p.job });
            }
            if let Some(r) = m.data.registry(panel.registry.as_str()) {
                m.form = Some(Form::edit_registry(r));
            }
            effects
        }
        Action::Back | Action::Confirm | Action::Open | Action::Quit => {
            m.modal = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Stops the panel's test: the runtime still reports how far it got.
fn cancel(m: &mut Model) -> Vec<Effect> {
    let Some(p) = m.list_probe.take() else {
        return Vec::new();
    };
    if let Some(Modal::Test(panel)) = &mut m.modal {
        panel.run = PanelRun::Failed("cancelled: the check was stopped before it finished".into());
    }
    m.toast(Level::Info, "test cancelled");
    vec![Effect::Cancel { job: p.job }]
}

pub(super) fn done(
    m: &mut Model,
    job: JobId,
    report: TestReport,
    recorded: Option<Result<(), OpsError>>,
) -> Vec<Effect> {
    if let Some(form) = &mut m.form
        && matches!(form.test, TestState::Running { job: j, .. } if j == job)
    {
        form.test = TestState::Done {
            report: Box::new(report),
            fresh: true,
        };
        return Vec::new();
    }
    let Some(probe) = m.list_probe.take_if(|p| p.job == job) else {
        // A cancelled or superseded job: its answer is about old input.
        return Vec::new();
    };
    let name = m
        .data
        .registry(probe.registry.as_str())
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let not_recorded = matches!(recorded, Some(Err(_)));
    let mut text = format!("{name}: {}", report.summary());
    let mut level = if report.passed() {
        Level::Success
    } else {
        Level::Error
    };
    // The runtime recorded it (`Msg::VaultUpdated` brings the data).
    if let Some(Err(e)) = recorded {
        use std::fmt::Write as _;
        let _ = write!(text, " (not recorded: {e})");
        level = Level::Error;
    }
    match &mut m.modal {
        // The panel shows it all; a toast would only repeat it (an error
        // that it was not recorded still needs saying).
        Some(Modal::Test(panel)) if panel.job() == Some(job) => {
            panel.run = PanelRun::Done(Box::new(report));
            if not_recorded {
                m.toast(level, text);
            }
        }
        _ => m.toast(level, text),
    }
    Vec::new()
}

pub(super) fn failed(m: &mut Model, job: JobId, error: &OpsError) -> Vec<Effect> {
    if m.list_probe.take_if(|p| p.job == job).is_some() {
        match &mut m.modal {
            Some(Modal::Test(panel)) if panel.job() == Some(job) => {
                panel.run = PanelRun::Failed(error.to_string());
            }
            _ => m.toast(Level::Error, format!("Test Connection: {error}")),
        }
    }
    Vec::new()
}
