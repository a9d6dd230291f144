//! `update` tests of the dialogs' keys: they come from the keymap, so a
//! user's override rebinds them (and the old key stops working), while the
//! default keymap keeps the keys the dialogs always had. Text typed into a
//! dialog's confirmation line still goes to the line.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::tui::effect::Effect;
use crate::tui::keymap::{Action, Keymap};
use crate::tui::msg::Msg;
use crate::tui::state::Model;
use crate::tui::state::apply::{ApplyStep, PruneStep};
use crate::tui::state::modal::Modal;
use crate::tui::test_support::{self as fixtures, ctrl, key, typ};

/// The defaults with a user's keymap file on top.
fn rebound(m: &mut Model, user_file: &str) {
    let mut keymap = Keymap::defaults();
    keymap.apply_overrides(user_file).expect("override parses");
    m.keymap = keymap;
}

fn apply_step(m: &Model) -> &ApplyStep {
    match &m.modal {
        Some(Modal::Apply(d)) => &d.step,
        other => panic!("no Apply dialog: {other:?}"),
    }
}

fn checked(m: &Model) -> Vec<String> {
    match &m.modal {
        Some(Modal::Apply(d)) => d.checked(),
        other => panic!("no Apply dialog: {other:?}"),
    }
}

/// An edited form, then quit: the "lose the edits?" question.
fn asking_to_quit() -> Model {
    let mut m = fixtures::full();
    update(&mut m, Msg::Action(Action::Add));
    update(&mut m, Msg::Action(Action::NextField));
    typ(&mut m, "x");
    ctrl(&mut m, 'c');
    assert!(matches!(m.modal, Some(Modal::ConfirmQuit)));
    m
}

#[test]
fn a_rebound_yes_answers_a_question_and_y_no_longer_does() {
    let mut m = asking_to_quit();
    rebound(&mut m, "[question]\nyes = [\"o\"]\nno = [\"ctrl-n\"]\n");
    assert!(key(&mut m, KeyCode::Char('n')).is_empty());
    assert!(
        matches!(m.modal, Some(Modal::ConfirmQuit)),
        "n is no longer No"
    );
    ctrl(&mut m, 'n');
    assert!(m.modal.is_none() && !m.quit, "Ctrl-N is No now");
    ctrl(&mut m, 'c');
    assert!(key(&mut m, KeyCode::Char('y')).is_empty());
    assert!(!m.quit, "y is no longer Yes");
    assert!(matches!(
        key(&mut m, KeyCode::Char('o')).as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn a_rebound_yes_drives_the_questions_and_confirm_never_answers_yes() {
    let mut m = asking_to_quit();
    rebound(
        &mut m,
        "[question]\nyes = [\"ctrl-y\"]\n[dialog]\nconfirm = [\"ctrl-o\"]\n",
    );
    assert!(key(&mut m, KeyCode::Char('y')).is_empty());
    assert!(matches!(m.modal, Some(Modal::ConfirmQuit)));
    // The (rebound) confirm key is No in a question, as Enter is.
    assert!(ctrl(&mut m, 'o').is_empty());
    assert!(m.modal.is_none() && !m.quit);
    ctrl(&mut m, 'c');
    assert!(matches!(ctrl(&mut m, 'y').as_slice(), [Effect::Quit]));
}

#[test]
fn the_default_questions_take_y_and_n_in_either_case() {
    let mut m = asking_to_quit();
    key(&mut m, KeyCode::Char('N'));
    assert!(m.modal.is_none() && !m.quit);
    ctrl(&mut m, 'c');
    assert!(matches!(
        key(&mut m, KeyCode::Char('Y')).as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn a_typed_delete_takes_the_bound_letters_as_text_and_confirms_on_the_rebound_key() {
    let mut m = fixtures::full();
    let rows = m.registry_rows();
    m.registries.selected = rows
        .iter()
        .position(|&i| m.data.registries[i].name == "dockerhub-acme")
        .expect("dockerhub-acme");
    rebound(
        &mut m,
        "[dialog]\nconfirm = [\"ctrl-d\"]\nback = [\"ctrl-g\"]\n",
    );
    update(&mut m, Msg::Action(Action::Delete));
    // k is bound in dialogs (move up): in the typed name it is text.
    typ(&mut m, "dockerhub-acme");
    assert!(key(&mut m, KeyCode::Enter).is_empty(), "Enter is unbound");
    assert!(key(&mut m, KeyCode::Esc).is_empty(), "Esc is unbound");
    let Some(Modal::ConfirmDelete { typed, .. }) = &m.modal else {
        panic!("{:?}", m.modal)
    };
    assert_eq!(typed.value(), "dockerhub-acme");
    let effects = ctrl(&mut m, 'd');
    assert!(
        matches!(effects.as_slice(), [Effect::Save { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_rebound_apply_toggle_and_confirm_work_and_the_old_keys_do_not() {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    rebound(
        &mut m,
        "[apply]\ntoggle = [\"x\"]\nnext_context = [\"c\"]\n[dialog]\nconfirm = [\"ctrl-y\"]\n",
    );
    let rows = m.registry_rows();
    m.registries.selected = rows
        .iter()
        .position(|&i| m.data.registries[i].name == "ghcr-acme")
        .expect("ghcr-acme");
    key(&mut m, KeyCode::Char('A'));
    assert_eq!(checked(&m), ["production", "staging"]);
    // Past the two contexts to the first environment.
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char(' '));
    key(&mut m, KeyCode::Tab);
    assert_eq!(checked(&m), ["production", "staging"], "Space is unbound");
    key(&mut m, KeyCode::Char('x'));
    assert_eq!(checked(&m), ["staging"]);
    key(&mut m, KeyCode::Char('c'));
    assert!(key(&mut m, KeyCode::Enter).is_empty(), "Enter is unbound");
    let effects = ctrl(&mut m, 'y');
    let [Effect::PlanApply { job, target }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(target.contexts, ["prod-eu"], "c moved to the next context");
    assert_eq!(target.environments, ["staging"]);
    let job = *job;
    let planned = vec![fixtures::ns_report(
        "staging",
        crate::deploy::kube::Change::Create,
        crate::deploy::kube::Outcome::Unchanged,
    )];
    update(
        &mut m,
        Msg::ApplyPlanned {
            job,
            result: Ok(vec![crate::tui::apply::ClusterPlan {
                context: "prod-eu".into(),
                planned: Ok(planned),
            }]),
        },
    );
    // The toggle key and Space are text in the typed confirmation.
    typ(&mut m, "prod-eu x");
    let ApplyStep::Confirm { typed, .. } = apply_step(&m) else {
        panic!("not confirming")
    };
    assert_eq!(typed.value(), "prod-eu x");
    for _ in 0..2 {
        key(&mut m, KeyCode::Backspace);
    }
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    let effects = ctrl(&mut m, 'y');
    assert!(
        matches!(effects.as_slice(), [Effect::Apply { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_rebound_prune_yes_prunes_and_y_no_longer_does() {
    let mut m = super::prune_offered();
    rebound(&mut m, "[question]\nyes = [\"r\"]\n");
    assert!(key(&mut m, KeyCode::Char('y')).is_empty());
    let Some(Modal::Prune(d)) = &m.modal else {
        panic!("{:?}", m.modal)
    };
    assert!(matches!(d.step, PruneStep::Ask));
    let effects = key(&mut m, KeyCode::Char('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::Prune { .. }]),
        "{effects:?}"
    );
}

#[test]
fn enter_in_the_prune_offer_is_no() {
    let mut m = super::prune_offered();
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(m.modal.is_none());
}

#[test]
fn help_closes_with_its_own_keys_and_a_rebinding_replaces_them() {
    let mut m = fixtures::full();
    for close in ['?', 'q'] {
        key(&mut m, KeyCode::Char('?'));
        assert!(matches!(m.modal, Some(Modal::Help { .. })));
        assert!(key(&mut m, KeyCode::Char(close)).is_empty());
        assert!(m.modal.is_none(), "{close} closes the help");
    }
    rebound(&mut m, "[help]\nback = [\"x\"]\n");
    key(&mut m, KeyCode::Char('?'));
    key(&mut m, KeyCode::Char('q'));
    assert!(matches!(m.modal, Some(Modal::Help { .. })), "q is unbound");
    key(&mut m, KeyCode::Char('x'));
    assert!(m.modal.is_none());
}

#[test]
fn the_filter_ends_on_the_lists_open_and_back_keys() {
    let mut m = fixtures::full();
    rebound(&mut m, "[list]\nopen = [\"ctrl-o\"]\n");
    key(&mut m, KeyCode::Char('/'));
    typ(&mut m, "ghcr");
    key(&mut m, KeyCode::Enter);
    assert!(m.list().filtering, "Enter is unbound");
    ctrl(&mut m, 'o');
    assert!(!m.list().filtering);
    assert_eq!(m.list().filter.value(), "ghcr");
    key(&mut m, KeyCode::Char('/'));
    key(&mut m, KeyCode::Esc);
    assert!(!m.list().filtering);
    assert_eq!(m.list().filter.value(), "");
}
