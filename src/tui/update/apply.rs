//! The Apply dialog's updates: open it from a registry or a container,
//! choose the target (Kubernetes contexts — a checklist, several clusters
//! at once — and environments, Swarm, Compose), plan (per cluster), confirm
//! by typing the context names (or `swarm` / `compose`), apply namespace by
//! namespace in each cluster, or service by service. Esc before the apply
//! closes the dialog (nothing was written); Esc while applying cancels
//! through the job's token and the dialog stays to show exactly what was
//! done and what was not started; a second Esc closes it.

use ratatui::crossterm::event::KeyEvent;
use tui_input::Input;

use super::{edit_input, is_typing};
use crate::deploy::environments_using;
use crate::deploy::kube::{NamespaceReport, Outcome};
use crate::deploy::swarm::ServiceAction;
use crate::ops::OpsError;
use crate::ops::kube::ApplySettings;
use crate::ops::swarm::{ServiceResult, ServiceState, SwarmApplyReport};
use crate::registry::RegistryKind;
use crate::tui::apply::{
    ApplyFinish, ApplyResult, ApplyTarget, ComposePlanResult, ComposeResult, SwarmPlanResult,
    SwarmTarget,
};
use crate::tui::effect::{Effect, JobId};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::apply::{ApplyDialog, ApplyStep, Row, TargetKind};
use crate::tui::state::modal::Modal;
use crate::tui::state::{Level, Model, Screen};

/// `A` on the selected registry, or on the selected container (its
/// registry, its environment alone checked).
pub(super) fn open(m: &mut Model) -> Vec<Effect> {
    let (registry, only_env) = match m.screen {
        Screen::Containers => {
            let Some(c) = m.selected_container() else {
                return Vec::new();
            };
            let Some(id) = c.registry_config.registry_id.clone() else {
                let msg = format!("'{}' pulls a public image: no secret to apply", c.name);
                m.toast(Level::Info, msg);
                return Vec::new();
            };
            (id, Some(c.environment.clone()))
        }
        _ => match m.selected_registry() {
            Some(r) => (r.id.clone(), None),
            None => return Vec::new(),
        },
    };
    let Some(reg) = m.data.registries.iter().find(|r| r.id == registry) else {
        return Vec::new();
    };
    let registry_name = reg.name.clone();
    let ecr = reg.kind == RegistryKind::Ecr;
    let envs = environments_using(&m.data, &registry);
    if envs.is_empty() {
        let msg =
            format!("no container uses '{registry_name}': a secret is applied per environment");
        m.toast(Level::Info, msg);
        return Vec::new();
    }
    let environments = envs
        .into_iter()
        .map(|e| {
            let on = only_env.as_ref().is_none_or(|o| *o == e);
            (e, on)
        })
        .collect();
    // The current context checked (else the first): what a plain
    // `regvault apply` would write to.
    let current = m
        .kube
        .current
        .as_ref()
        .and_then(|c| m.kube.names.iter().position(|n| n == c))
        .unwrap_or(0);
    let contexts = m
        .kube
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i == current))
        .collect();
    m.modal = Some(Modal::Apply(Box::new(ApplyDialog {
        registry,
        registry_name,
        contexts,
        environments,
        cursor: 0,
        settings: ApplySettings::default(),
        ecr,
        kind: TargetKind::Kubernetes,
        on_targets: false,
        target_cursor: 0,
        swarm_endpoint: m.engines.swarm_endpoint.clone(),
        project_dir: m.engines.project_dir.clone(),
        step: ApplyStep::Target,
    })));
    Vec::new()
}

fn dialog(m: &mut Model) -> Option<&mut ApplyDialog> {
    match &mut m.modal {
        Some(Modal::Apply(d)) => Some(d),
        _ => None,
    }
}

/// Keys from the keymap's `apply` section, then `dialog`. At a typed
/// confirmation, printable keys (and unbound ones such as Backspace) edit
/// the phrase instead.
pub(super) fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let typing = dialog(m).is_some_and(|d| {
        matches!(
            d.step,
            ApplyStep::Confirm { .. }
                | ApplyStep::SwarmConfirm { .. }
                | ApplyStep::ComposeConfirm { .. }
        )
    });
    if typing && is_typing(&key) {
        type_key(m, key);
        return Vec::new();
    }
    match m
        .keymap
        .action_in(&[KeyContext::Apply, KeyContext::Dialog], &key)
    {
        Some(action) => super::on_action(m, action),
        None if typing => {
            type_key(m, key);
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// A key for the typed confirmation phrase.
fn type_key(m: &mut Model, key: KeyEvent) {
    if let Some(ApplyDialog {
        step:
            ApplyStep::Confirm { typed, .. }
            | ApplyStep::SwarmConfirm { typed, .. }
            | ApplyStep::ComposeConfirm { typed, .. },
        ..
    }) = dialog(m)
    {
        edit_input(typed, key);
    }
}

pub(super) fn on_action(m: &mut Model, action: Action) -> Vec<Effect> {
    let Some(d) = dialog(m) else {
        return Vec::new();
    };
    match action {
        Action::Back | Action::Quit => return cancel(m),
        Action::Confirm | Action::Open => return confirm(m),
        Action::Toggle if matches!(d.step, ApplyStep::Target) => {
            if d.on_targets {
                d.kind = TargetKind::ALL[d.target_cursor];
                d.cursor = d.cursor.min(d.rows().saturating_sub(1));
            } else {
                match d.row(d.cursor) {
                    Some(Row::Context(i)) => d.contexts[i].1 ^= true,
                    Some(Row::Environment(i)) => d.environments[i].1 ^= true,
                    Some(Row::Option(o)) => o.toggle(&mut d.settings),
                    None => {}
                }
            }
        }
        Action::NextContext
            if matches!(d.step, ApplyStep::Target)
                && d.kind == TargetKind::Kubernetes
                && !d.contexts.is_empty() =>
        {
            // Only the context after the first checked one: cycling one
            // cluster, as before several could be checked.
            let n = d.contexts.len();
            let next = d
                .contexts
                .iter()
                .position(|(_, on)| *on)
                .map_or(0, |i| (i + 1) % n);
            for (i, (_, on)) in d.contexts.iter_mut().enumerate() {
                *on = i == next;
            }
        }
        Action::AllContexts
            if matches!(d.step, ApplyStep::Target) && d.kind == TargetKind::Kubernetes =>
        {
            // Every context; pressed again with all checked, none (so one
            // can be picked by hand).
            let all = d.contexts.iter().all(|(_, on)| *on);
            for (_, on) in &mut d.contexts {
                *on = !all;
            }
        }
        Action::MoveDown if matches!(d.step, ApplyStep::Target) => {
            if !d.on_targets {
                d.cursor = (d.cursor + 1).min(d.rows().saturating_sub(1));
            } else if d.target_cursor + 1 < TargetKind::ALL.len() {
                d.target_cursor += 1;
            } else if d.kind != TargetKind::Compose {
                d.on_targets = false;
                d.cursor = 0;
            }
        }
        Action::MoveUp if matches!(d.step, ApplyStep::Target) => {
            if d.on_targets {
                d.target_cursor = d.target_cursor.saturating_sub(1);
            } else if d.cursor == 0 || d.kind == TargetKind::Compose {
                d.on_targets = true;
                d.target_cursor = TargetKind::ALL.len() - 1;
            } else {
                d.cursor -= 1;
            }
        }
        _ => {}
    }
    Vec::new()
}

fn confirm(m: &mut Model) -> Vec<Effect> {
    let job = m.next_job();
    let Some(d) = dialog(m) else {
        return Vec::new();
    };
    match std::mem::replace(&mut d.step, ApplyStep::Target) {
        ApplyStep::Target if d.kind == TargetKind::Compose => {
            d.step = ApplyStep::ComposePlanning { job };
            let dir = d.project_dir.clone();
            vec![Effect::PlanCompose { job, dir }]
        }
        ApplyStep::Target if d.kind == TargetKind::Swarm => {
            let environments = d.checked();
            if environments.is_empty() {
                m.toast(Level::Error, "check at least one environment (Space)");
                return Vec::new();
            }
            let target = SwarmTarget {
                registry: d.registry.as_str().to_owned(),
                environments,
            };
            d.step = ApplyStep::SwarmPlanning {
                job,
                target: target.clone(),
            };
            vec![Effect::PlanSwarm { job, target }]
        }
        ApplyStep::Target => {
            if d.contexts.is_empty() {
                m.toast(Level::Error, "no kubeconfig context: set KUBECONFIG");
                return Vec::new();
            }
            let contexts = d.checked_contexts();
            if contexts.is_empty() {
                m.toast(Level::Error, "check at least one context (Space)");
                return Vec::new();
            }
            let environments = d.checked();
            if environments.is_empty() {
                m.toast(Level::Error, "check at least one environment (Space)");
                return Vec::new();
            }
            let target = ApplyTarget {
                registry: d.registry.as_str().to_owned(),
                contexts,
                environments,
                settings: d.settings.clone(),
            };
            d.step = ApplyStep::Planning {
                job,
                target: target.clone(),
            };
            vec![Effect::PlanApply { job, target }]
        }
        ApplyStep::Confirm {
            target,
            plans,
            typed,
        } => {
            let phrase = target.phrase();
            if typed.value() != phrase {
                let what = if target.contexts.len() == 1 {
                    "the context name"
                } else {
                    "the context names"
                };
                let msg = format!("type {what} '{phrase}' to apply");
                d.step = ApplyStep::Confirm {
                    target,
                    plans,
                    typed,
                };
                m.toast(Level::Error, msg);
                return Vec::new();
            }
            d.step = ApplyStep::Applying {
                job,
                target: target.clone(),
                plans: plans.clone(),
                done: Vec::new(),
                cancelling: false,
            };
            vec![Effect::Apply { job, target, plans }]
        }
        ApplyStep::SwarmConfirm {
            target,
            services,
            typed,
        } => {
            if typed.value() != TargetKind::Swarm.phrase() {
                d.step = ApplyStep::SwarmConfirm {
                    target,
                    services,
                    typed,
                };
                m.toast(Level::Error, "type 'swarm' to apply");
                return Vec::new();
            }
            d.step = ApplyStep::SwarmApplying {
                job,
                target: target.clone(),
                services,
                done: Vec::new(),
                cancelling: false,
            };
            vec![Effect::ApplySwarm { job, target }]
        }
        ApplyStep::ComposeConfirm { plan, typed } => {
            if typed.value() != TargetKind::Compose.phrase() {
                d.step = ApplyStep::ComposeConfirm { plan, typed };
                m.toast(Level::Error, "type 'compose' to apply");
                return Vec::new();
            }
            d.step = ApplyStep::ComposeApplying { job, plan };
            let dir = d.project_dir.clone();
            vec![Effect::ApplyCompose { job, dir }]
        }
        ApplyStep::Done { .. }
        | ApplyStep::Failed { .. }
        | ApplyStep::SwarmDone { .. }
        | ApplyStep::ComposeDone { .. } => {
            m.modal = None;
            Vec::new()
        }
        running => {
            d.step = running;
            Vec::new()
        }
    }
}

fn cancel(m: &mut Model) -> Vec<Effect> {
    // While applying, Esc cancels through the token and the dialog stays
    // to show what was done; a second Esc (or one after the end) closes.
    if let Some(d) = dialog(m) {
        match &mut d.step {
            ApplyStep::Applying {
                job, cancelling, ..
            }
            | ApplyStep::SwarmApplying {
                job, cancelling, ..
            } if !*cancelling => {
                *cancelling = true;
                let job = *job;
                m.toast(
                    Level::Info,
                    "cancelling: what is in progress finishes, nothing further is started",
                );
                return vec![Effect::Cancel { job }];
            }
            _ => {}
        }
    }
    let Some(Modal::Apply(d)) = m.modal.take() else {
        return Vec::new();
    };
    match d.step {
        ApplyStep::Planning { job, .. }
        | ApplyStep::SwarmPlanning { job, .. }
        | ApplyStep::ComposePlanning { job } => {
            m.toast(Level::Info, "Apply cancelled: nothing was applied");
            vec![Effect::Cancel { job }]
        }
        ApplyStep::SwarmApplying { job, done, .. } => {
            let applied: Vec<String> = done
                .iter()
                .map(|r| format!("{} ({})", r.plan.service, service_outcome(r)))
                .collect();
            let msg = if applied.is_empty() {
                "Apply cancelled before any service finished (one in progress may still complete)"
                    .to_owned()
            } else {
                format!("Apply cancelled; already done: {}", applied.join(", "))
            };
            m.toast(Level::Info, msg);
            vec![Effect::Cancel { job }]
        }
        ApplyStep::ComposeApplying { job, plan } => {
            let msg = format!(
                "Compose login cancelled; {} may already be written",
                plan.config.display()
            );
            m.toast(Level::Info, msg);
            vec![Effect::Cancel { job }]
        }
        ApplyStep::Applying { job, done, .. } => {
            let applied = cluster_namespaces(&done);
            let msg = if applied.is_empty() {
                "Apply cancelled before any namespace finished (one in progress may still complete)"
                    .to_owned()
            } else {
                format!("Apply cancelled; already done: {applied}")
            };
            m.toast(Level::Info, msg);
            vec![Effect::Cancel { job }]
        }
        _ => Vec::new(),
    }
}

/// `created`, `updated`, `error` or `cancelled`.
pub(crate) fn service_outcome(r: &ServiceResult) -> &'static str {
    match &r.state {
        ServiceState::Done(o) => match o.action {
            ServiceAction::Created => "created",
            ServiceAction::Updated => "updated",
        },
        ServiceState::Failed(_) => "error",
        ServiceState::Cancelled => "cancelled",
    }
}

/// `ctx/namespace (outcome)`, so a cancel names what happened where.
fn cluster_namespaces(reports: &[(String, NamespaceReport)]) -> String {
    reports
        .iter()
        .map(|(c, r)| format!("{c}/{} ({})", r.namespace, r.outcome.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The dialog if `job` is its job in flight; otherwise the result is stale.
fn current(m: &mut Model, job: JobId) -> Option<&mut ApplyDialog> {
    dialog(m).filter(|d| d.job() == Some(job))
}

pub(super) fn planned(m: &mut Model, job: JobId, result: ApplyResult) -> Vec<Effect> {
    let Some(d) = current(m, job) else {
        return Vec::new();
    };
    let ApplyStep::Planning { target, .. } = std::mem::replace(&mut d.step, ApplyStep::Target)
    else {
        return Vec::new();
    };
    d.step = match result {
        // A cluster that could not be planned is shown in its group; only
        // when none could is there nothing to confirm.
        Ok(plans) if plans.iter().any(|p| p.planned.is_ok()) => ApplyStep::Confirm {
            target,
            plans,
            typed: Input::default(),
        },
        Ok(plans) => ApplyStep::Failed {
            message: plans
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        p.context,
                        p.planned.as_ref().err().map_or("", |e| e)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        },
        Err(e) => ApplyStep::Failed {
            message: e.to_string(),
        },
    };
    Vec::new()
}

pub(super) fn progress(
    m: &mut Model,
    job: JobId,
    context: String,
    report: NamespaceReport,
) -> Vec<Effect> {
    if let Some(ApplyStep::Applying { done, .. }) = current(m, job).map(|d| &mut d.step) {
        done.push((context, report));
    }
    Vec::new()
}

pub(super) fn finished(m: &mut Model, job: JobId, result: ApplyFinish) -> Vec<Effect> {
    let demo = m.ctx.demo;
    let Some(d) = current(m, job) else {
        return Vec::new();
    };
    let ApplyStep::Applying {
        target,
        plans,
        done,
        ..
    } = std::mem::replace(&mut d.step, ApplyStep::Target)
    else {
        return Vec::new();
    };
    let failures = match result {
        Ok(f) => f,
        Err(e) => {
            d.step = ApplyStep::Failed {
                message: e.to_string(),
            };
            m.toast(Level::Error, format!("Apply failed: {e}"));
            return Vec::new();
        }
    };
    // Clusters without a plan, or stopped before their namespaces.
    let bad_clusters = plans.iter().filter(|p| p.planned.is_err()).count() + failures.len();
    let not_started = done
        .iter()
        .filter(|(_, r)| r.outcome == Outcome::Cancelled)
        .count();
    let failed = done.iter().filter(|(_, r)| r.outcome.is_failure()).count() - not_started;
    let (level, msg) = if not_started > 0 {
        (
            Level::Info,
            format!(
                "Apply cancelled: {} done, {not_started} not started",
                crate::model::plural(done.len() - not_started, "namespace", "namespaces")
            ),
        )
    } else if failed == 0 && bad_clusters == 0 && demo {
        // The demo cluster sent nothing: say what a real apply would do.
        (
            Level::Info,
            format!(
                "demo: would apply to {} in {}; nothing was sent",
                crate::model::plural(done.len(), "namespace", "namespaces"),
                target.contexts.join(", ")
            ),
        )
    } else if failed == 0 && bad_clusters == 0 {
        (
            Level::Success,
            format!(
                "Applied to {} in {}",
                crate::model::plural(done.len(), "namespace", "namespaces"),
                target.contexts.join(", ")
            ),
        )
    } else if bad_clusters > 0 {
        (
            Level::Error,
            format!(
                "Apply: {bad_clusters} of {}, {} failed",
                crate::model::plural(plans.len(), "cluster", "clusters"),
                crate::model::plural(failed, "namespace", "namespaces")
            ),
        )
    } else {
        (
            Level::Error,
            format!(
                "Apply: {failed} of {} failed",
                crate::model::plural(done.len(), "namespace", "namespaces")
            ),
        )
    };
    d.step = ApplyStep::Done {
        target,
        plans,
        reports: done,
        failures,
    };
    m.toast(level, msg);
    Vec::new()
}

pub(super) fn swarm_planned(m: &mut Model, job: JobId, result: SwarmPlanResult) -> Vec<Effect> {
    let Some(d) = current(m, job) else {
        return Vec::new();
    };
    let ApplyStep::SwarmPlanning { target, .. } = std::mem::replace(&mut d.step, ApplyStep::Target)
    else {
        return Vec::new();
    };
    d.step = match result {
        Ok(services) => ApplyStep::SwarmConfirm {
            target,
            services,
            typed: Input::default(),
        },
        Err(e) => ApplyStep::Failed {
            message: e.to_string(),
        },
    };
    Vec::new()
}

pub(super) fn swarm_progress(m: &mut Model, job: JobId, result: ServiceResult) -> Vec<Effect> {
    if let Some(ApplyStep::SwarmApplying { done, .. }) = current(m, job).map(|d| &mut d.step) {
        done.push(result);
    }
    Vec::new()
}

pub(super) fn swarm_finished(
    m: &mut Model,
    job: JobId,
    result: &Result<SwarmApplyReport, OpsError>,
) -> Vec<Effect> {
    let Some(d) = current(m, job) else {
        return Vec::new();
    };
    let ApplyStep::SwarmApplying { services, done, .. } =
        std::mem::replace(&mut d.step, ApplyStep::Target)
    else {
        return Vec::new();
    };
    let error = match result {
        Err(e) => Some(e.to_string()),
        Ok(SwarmApplyReport {
            login: crate::deploy::docker::LoginCheck::BadCredentials { detail },
            server,
            ..
        }) => Some(format!(
            "{server} refused the credentials (checked on the node): {detail}"
        )),
        Ok(_) => None,
    };
    let not_started = done
        .iter()
        .filter(|r| r.state == ServiceState::Cancelled)
        .count();
    let failed = done.iter().filter(|r| r.failed()).count() - not_started;
    let (level, msg) = match &error {
        Some(e) => (Level::Error, format!("Swarm apply stopped: {e}")),
        None if not_started > 0 => (
            Level::Info,
            format!(
                "Swarm apply cancelled: {} done, {not_started} not started",
                crate::model::plural(done.len() - not_started, "service", "services")
            ),
        ),
        None if failed == 0 => (
            Level::Success,
            format!(
                "Applied {} on the Swarm",
                crate::model::plural(done.len(), "service", "services")
            ),
        ),
        None => (
            Level::Error,
            format!(
                "Swarm apply: {failed} of {} failed",
                crate::model::plural(done.len(), "service", "services")
            ),
        ),
    };
    d.step = ApplyStep::SwarmDone {
        services,
        done,
        error,
    };
    m.toast(level, msg);
    Vec::new()
}

pub(super) fn compose_planned(m: &mut Model, job: JobId, result: ComposePlanResult) -> Vec<Effect> {
    let Some(d) = current(m, job) else {
        return Vec::new();
    };
    d.step = match result {
        Ok(plan) => ApplyStep::ComposeConfirm {
            plan,
            typed: Input::default(),
        },
        Err(e) => ApplyStep::Failed {
            message: e.to_string(),
        },
    };
    Vec::new()
}

pub(super) fn compose_applied(m: &mut Model, job: JobId, result: ComposeResult) -> Vec<Effect> {
    let Some(d) = current(m, job) else {
        return Vec::new();
    };
    let (level, msg) = match &result {
        Ok(_) => (Level::Success, "Compose logins written".to_owned()),
        Err(e) => (Level::Error, format!("Compose login failed: {e}")),
    };
    d.step = match result {
        Ok(report) => {
            let plan = &report.plan;
            let mut lines: Vec<String> = plan
                .warnings
                .iter()
                .map(|w| format!("warning: {w}"))
                .collect();
            if report.written {
                lines.extend(plan.logins.iter().map(|(name, server)| {
                    format!(
                        "{server}: login of '{name}' written to {}",
                        plan.config.display()
                    )
                }));
            }
            ApplyStep::ComposeDone { lines }
        }
        Err(e) => ApplyStep::Failed {
            message: e.to_string(),
        },
    };
    m.toast(level, msg);
    Vec::new()
}
