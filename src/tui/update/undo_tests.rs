//! `update` tests of undo (`u`, `:undo`): only a delete saved in this
//! session is offered; the question's Enter is No; yes asks the runtime
//! (`Effect::Undo`), whose answer brings the data back or says why not.

use std::sync::Arc;

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::Model;
use crate::tui::state::modal::Modal;
use crate::tui::state::undo::{Deleted, DeletedKind, deleted_between};
use crate::tui::test_support::{self as fixtures, act, key, save_job, select_registry, toast, typ};

/// Deletes dockerhub-acme as a user does and lands the save.
fn deleted_dockerhub() -> (Model, crate::model::VaultData) {
    let mut m = fixtures::full();
    let before = crate::model::VaultData::clone(&m.data);
    select_registry(&mut m, "dockerhub-acme");
    act(&mut m, Action::Delete);
    typ(&mut m, "dockerhub-acme");
    let job = save_job(&key(&mut m, KeyCode::Enter));
    update(&mut m, Msg::VaultSaved { job });
    m.modal = None; // a prune offer, if any
    (m, before)
}

#[test]
fn nothing_to_undo_before_a_delete() {
    let mut m = fixtures::full();
    assert!(key(&mut m, KeyCode::Char('u')).is_empty());
    assert!(m.modal.is_none());
    assert_eq!(toast(&m), "nothing to undo: no delete in this session");
}

#[test]
fn enter_at_the_question_is_no_and_y_asks_the_runtime() {
    let (mut m, before) = deleted_dockerhub();
    key(&mut m, KeyCode::Char('u'));
    let Some(Modal::ConfirmUndo(d)) = &m.modal else {
        panic!("{:?}", m.modal)
    };
    assert_eq!(d.name, "dockerhub-acme");
    assert_eq!(d.kind, DeletedKind::Registry);
    assert!(
        key(&mut m, KeyCode::Enter).is_empty(),
        "Enter restores nothing"
    );
    assert!(m.modal.is_none());
    key(&mut m, KeyCode::Char('u'));
    assert!(key(&mut m, KeyCode::Char('n')).is_empty());
    key(&mut m, KeyCode::Char('u'));
    let effects = key(&mut m, KeyCode::Char('y'));
    let [Effect::Undo { job, deleted }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(deleted.name, "dockerhub-acme");
    assert!(m.busy(), "the spinner runs while the runtime restores");

    // The runtime's answer: the vault with it back.
    let effects = update(
        &mut m,
        Msg::Undone {
            job: *job,
            result: Ok(Arc::new(before)),
        },
    );
    assert!(m.data.registry("dockerhub-acme").is_some());
    assert_eq!(toast(&m), "put back registry 'dockerhub-acme'");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadHistory { .. })),
        "the history shows the restore"
    );
    key(&mut m, KeyCode::Char('u'));
    assert!(toast(&m).starts_with("nothing to undo"), "once only");
}

#[test]
fn a_failed_undo_says_why_and_can_be_tried_again() {
    let (mut m, _) = deleted_dockerhub();
    act(&mut m, Action::Undo);
    let effects = key(&mut m, KeyCode::Char('y'));
    let [Effect::Undo { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    update(
        &mut m,
        Msg::Undone {
            job: *job,
            result: Err("no backup holds registry 'dockerhub-acme' any more".into()),
        },
    );
    assert!(toast(&m).starts_with("undo failed: no backup holds"));
    assert!(m.data.registry("dockerhub-acme").is_none());
    act(&mut m, Action::Undo);
    assert!(matches!(m.modal, Some(Modal::ConfirmUndo(_))));
}

#[test]
fn the_command_line_undoes_too_and_read_only_refuses() {
    let (mut m, _) = deleted_dockerhub();
    act(&mut m, Action::CommandLine);
    typ(&mut m, "undo");
    key(&mut m, KeyCode::Enter);
    assert!(
        matches!(m.modal, Some(Modal::ConfirmUndo(_))),
        "{:?}",
        m.modal
    );
    m.modal = None;
    m.ctx.read_only = true;
    assert!(act(&mut m, Action::Undo).is_empty());
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("read-only"));
}

#[test]
fn only_a_save_that_removed_one_record_is_a_delete() {
    let data = fixtures::demo();
    let mut one_less = data.clone();
    let c = one_less.containers.remove(0);
    assert_eq!(
        deleted_between(&data, &one_less),
        Some(Deleted {
            kind: DeletedKind::Container,
            id: c.id.as_str().to_owned(),
            name: c.name.clone(),
        })
    );
    assert_eq!(deleted_between(&data, &data), None, "an edit");
    assert_eq!(deleted_between(&one_less, &data), None, "an add");
    let mut two_less = one_less.clone();
    two_less.containers.remove(0);
    assert_eq!(deleted_between(&data, &two_less), None);
}
