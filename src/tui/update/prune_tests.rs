//! `update` tests of the prune offer after a registry delete: yes runs the
//! prune in the current context, no / Esc close, read-only never offers.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::model::RegistryId;
use crate::ops::kube::{PruneOutcome, PruneReport, PrunedSecret};
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::Model;
use crate::tui::state::apply::{PruneDialog, PruneStep};
use crate::tui::state::modal::Modal;
use crate::tui::test_support::{self as fixtures, key, select_registry, toast, typ};

fn dialog(m: &Model) -> &PruneDialog {
    match &m.modal {
        Some(Modal::Prune(d)) => d,
        other => panic!("no prune offer: {other:?}"),
    }
}

/// Deletes dockerhub-acme (typed name) and lands the save.
fn deleted(mut m: Model) -> Model {
    select_registry(&mut m, "dockerhub-acme");
    update(&mut m, Msg::Action(Action::Delete));
    typ(&mut m, "dockerhub-acme");
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::Save { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let job = *job;
    assert!(m.modal.is_none(), "no offer before the vault is saved");
    update(&mut m, Msg::VaultSaved { job });
    m
}

pub(crate) fn offered() -> Model {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    deleted(m)
}

#[test]
fn a_saved_registry_delete_offers_to_prune_in_the_current_context() {
    let m = offered();
    let d = dialog(&m);
    assert_eq!(d.registry_name, "dockerhub-acme");
    assert_eq!(d.context, "kind-dev");
    assert!(matches!(d.step, PruneStep::Ask));
    assert!(m.data.registry("dockerhub-acme").is_none());
}

#[test]
fn yes_prunes_that_registry_in_that_context_and_shows_results() {
    let mut m = offered();
    let id = dialog(&m).registry_id.clone();
    let effects = key(&mut m, KeyCode::Char('y'));
    let [
        Effect::Prune {
            job,
            context,
            registry,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (context.as_str(), registry.as_str()),
        ("kind-dev", id.as_str())
    );
    let job = *job;
    assert!(m.busy());
    let removed = vec![
        PrunedSecret {
            namespace: "env-production".into(),
            name: "dockerhub-creds".into(),
            outcome: PruneOutcome::Deleted,
            message: None,
        },
        PrunedSecret {
            namespace: "env-staging".into(),
            name: "dockerhub-creds".into(),
            outcome: PruneOutcome::Error,
            message: Some("forbidden".into()),
        },
    ];
    update(
        &mut m,
        Msg::PruneDone {
            job,
            result: Ok(report(removed)),
        },
    );
    assert!(matches!(&dialog(&m).step, PruneStep::Done { removed } if removed.len() == 2));
    assert!(toast(&m).contains("1 of 2"));
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(m.modal.is_none());
}

#[test]
fn no_esc_and_enter_just_close() {
    for code in [KeyCode::Char('n'), KeyCode::Esc, KeyCode::Enter] {
        let mut m = offered();
        assert!(key(&mut m, code).is_empty(), "{code:?}");
        assert!(m.modal.is_none(), "{code:?}");
    }
}

#[test]
fn esc_cancels_a_running_prune_and_late_results_are_dropped() {
    let mut m = offered();
    let effects = key(&mut m, KeyCode::Char('y'));
    let [Effect::Prune { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let job = *job;
    // The first Esc cancels through the token; the dialog stays and
    // shows what was deleted and what was left.
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(matches!(
        dialog(&m).step,
        PruneStep::Running {
            cancelling: true,
            ..
        }
    ));
    let left = PrunedSecret {
        namespace: "env-staging".into(),
        name: "dockerhub-creds".into(),
        outcome: PruneOutcome::Cancelled,
        message: Some("cancelled before it was deleted: left in place".into()),
    };
    update(
        &mut m,
        Msg::PruneProgress {
            job,
            secret: left.clone(),
        },
    );
    update(
        &mut m,
        Msg::PruneDone {
            job,
            result: Ok(report(vec![left])),
        },
    );
    assert!(toast(&m).contains("0 secrets removed, 1 left in place"));
    key(&mut m, KeyCode::Esc);
    assert!(m.modal.is_none());
    // A second Esc while it still runs closes; its late result is dropped.
    let mut m = offered();
    let effects = key(&mut m, KeyCode::Char('y'));
    let [Effect::Prune { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let job = *job;
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Esc);
    assert!(m.modal.is_none());
    update(
        &mut m,
        Msg::PruneDone {
            job,
            result: Ok(report(vec![])),
        },
    );
    assert!(m.modal.is_none());
}

fn report(secrets: Vec<PrunedSecret>) -> PruneReport {
    PruneReport {
        context: "kind-dev".into(),
        registry: RegistryId::parse("reg-abc123").expect("id"),
        secrets,
        cancelled: false,
        warnings: Vec::new(),
    }
}

#[test]
fn no_kube_context_no_offer() {
    let m = deleted(fixtures::full());
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("deleted registry"));
}

#[test]
fn deleting_a_container_offers_nothing() {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    update(&mut m, Msg::Action(Action::ShowContainers));
    update(&mut m, Msg::Action(Action::Delete));
    let effects = key(&mut m, KeyCode::Char('y'));
    let [Effect::Save { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let job = *job;
    update(&mut m, Msg::VaultSaved { job });
    assert!(m.modal.is_none());
}

#[test]
fn read_only_never_offers() {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    m.ctx.read_only = true;
    update(&mut m, Msg::Action(Action::Delete));
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("read-only"));
}
