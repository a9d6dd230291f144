//! The follow-up to a registry delete: "remove its managed secrets from the
//! cluster too?" — Yes (`y`) runs the same prune as `regvault prune <id>`
//! through the applier; No (`n`), Esc or Enter (No is the default) just
//! close. The keys are the keymap's `question` and `dialog` sections.

use ratatui::crossterm::event::KeyEvent;

use crate::ops::kube::{PruneOutcome, PrunedSecret};
use crate::tui::apply::PruneResult;
use crate::tui::effect::{Effect, JobId};
use crate::tui::keymap::{Action, KeyContext};
use crate::tui::state::apply::{PruneDialog, PruneStep};
use crate::tui::state::modal::Modal;
use crate::tui::state::{Level, Model};

/// Opens the offer when there is a kubeconfig context to prune in (the
/// current one, else the first) and the vault may be changed at all.
pub(super) fn offer(m: &mut Model, registry_id: String, registry_name: String) {
    if m.ctx.read_only || m.modal.is_some() {
        return;
    }
    let Some(context) = m
        .kube
        .current
        .clone()
        .or_else(|| m.kube.names.first().cloned())
    else {
        return;
    };
    m.modal = Some(Modal::Prune(Box::new(PruneDialog {
        registry_id,
        registry_name,
        context,
        step: PruneStep::Ask,
    })));
}

fn dialog(m: &mut Model) -> Option<&mut PruneDialog> {
    match &mut m.modal {
        Some(Modal::Prune(d)) => Some(d),
        _ => None,
    }
}

/// A yes/no question: its keys come from the keymap's `question` section,
/// then `dialog`.
pub(super) fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match m
        .keymap
        .action_in(&[KeyContext::Question, KeyContext::Dialog], &key)
    {
        Some(action) => super::on_action(m, action),
        None => Vec::new(),
    }
}

/// Only Yes prunes: Confirm (Enter) is No, the default answer.
pub(super) fn on_action(m: &mut Model, action: Action) -> Vec<Effect> {
    match action {
        Action::Yes => yes(m),
        Action::No | Action::Back | Action::Quit | Action::Confirm | Action::Open => close(m),
        _ => Vec::new(),
    }
}

fn yes(m: &mut Model) -> Vec<Effect> {
    let job = m.next_job();
    let Some(d) = dialog(m) else {
        return Vec::new();
    };
    if !matches!(d.step, PruneStep::Ask) {
        return Vec::new();
    }
    d.step = PruneStep::Running {
        job,
        done: Vec::new(),
        cancelling: false,
    };
    vec![Effect::Prune {
        job,
        context: d.context.clone(),
        registry: d.registry_id.clone(),
    }]
}

/// No / Esc / Enter: close. A running prune is cancelled through its
/// token and the dialog stays to show which secrets were deleted and which
/// were left; a second Esc closes it.
fn close(m: &mut Model) -> Vec<Effect> {
    if let Some(d) = dialog(m)
        && let PruneStep::Running {
            job, cancelling, ..
        } = &mut d.step
        && !*cancelling
    {
        *cancelling = true;
        let job = *job;
        m.toast(
            Level::Info,
            "cancelling: the secret being deleted finishes, no further one is",
        );
        return vec![Effect::Cancel { job }];
    }
    let Some(Modal::Prune(d)) = m.modal.take() else {
        return Vec::new();
    };
    match d.step {
        PruneStep::Running { job, .. } => {
            m.toast(
                Level::Info,
                format!(
                    "Prune cancelled; check with `regvault status` or run `regvault prune {}`",
                    d.registry_id
                ),
            );
            vec![Effect::Cancel { job }]
        }
        _ => Vec::new(),
    }
}

pub(super) fn progress(m: &mut Model, job: JobId, secret: PrunedSecret) -> Vec<Effect> {
    if let Some(d) = dialog(m).filter(|d| d.job() == Some(job))
        && let PruneStep::Running { done, .. } = &mut d.step
    {
        done.push(secret);
    }
    Vec::new()
}

pub(super) fn done(m: &mut Model, job: JobId, result: PruneResult) -> Vec<Effect> {
    let Some(d) = dialog(m).filter(|d| d.job() == Some(job)) else {
        return Vec::new();
    };
    let context = d.context.clone();
    let (level, msg) = match &result {
        Ok(report) => {
            let count = |o: PruneOutcome| report.secrets.iter().filter(|s| s.outcome == o).count();
            let (deleted, failed, left) = (
                count(PruneOutcome::Deleted),
                count(PruneOutcome::Error),
                count(PruneOutcome::Cancelled),
            );
            if left > 0 {
                (
                    Level::Info,
                    format!(
                        "Prune cancelled: {} removed, {left} left in place",
                        crate::model::plural(deleted, "secret", "secrets")
                    ),
                )
            } else if failed == 0 && count(PruneOutcome::Foreign) > 0 {
                (
                    Level::Error,
                    format!(
                        "Removed {} in {context}; {} left in place",
                        crate::model::plural(deleted, "managed secret", "managed secrets"),
                        crate::model::plural(
                            count(PruneOutcome::Foreign),
                            "foreign secret",
                            "foreign secrets"
                        )
                    ),
                )
            } else if failed == 0 {
                (
                    Level::Success,
                    format!(
                        "Removed {} in {context}",
                        crate::model::plural(deleted, "managed secret", "managed secrets")
                    ),
                )
            } else {
                (
                    Level::Error,
                    format!(
                        "Prune: {failed} of {} failed",
                        crate::model::plural(report.secrets.len(), "secret", "secrets")
                    ),
                )
            }
        }
        Err(e) => (Level::Error, format!("Prune failed: {e}")),
    };
    d.step = match result {
        Ok(report) => PruneStep::Done {
            removed: report.secrets,
        },
        Err(e) => PruneStep::Failed {
            message: e.to_string(),
        },
    };
    m.toast(level, msg);
    Vec::new()
}
