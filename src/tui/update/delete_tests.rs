//! `update` tests of deleting: a registry only by its creator, never while
//! containers use it, and only after the typed name; a container after `y`.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::modal::Modal;
use crate::tui::test_support::{self as fixtures, act, key, save_job, select_registry, toast, typ};

#[test]
fn delete_refuses_for_a_non_creator_without_naming_the_creator() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ecr-prod");
    assert!(key(&mut m, KeyCode::Char('d')).is_empty());
    let Some(Modal::Refused { lines, .. }) = &m.modal else {
        panic!("{:?}", m.modal)
    };
    assert!(lines.iter().any(|l| l.contains("created by another user")));
    assert!(!lines.iter().any(|l| l.contains("alice@ops-laptop")));
}

#[test]
fn delete_refuses_while_containers_use_the_registry_and_lists_them() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Delete);
    let Some(Modal::Refused { lines, .. }) = &m.modal else {
        panic!("{:?}", m.modal)
    };
    assert!(lines.iter().any(|l| l.contains("web (production)")));
    assert!(lines.iter().any(|l| l.contains("web (staging)")));
    key(&mut m, KeyCode::Enter);
    assert!(m.modal.is_none());
}

#[test]
fn delete_asks_for_the_typed_name() {
    let mut m = fixtures::full();
    select_registry(&mut m, "dockerhub-acme");
    act(&mut m, Action::Delete);
    typ(&mut m, "dockerhub");
    assert!(
        key(&mut m, KeyCode::Enter).is_empty(),
        "a partial name deletes nothing"
    );
    assert!(matches!(m.modal, Some(Modal::ConfirmDelete { .. })));
    typ(&mut m, "-acme");
    let job = save_job(&key(&mut m, KeyCode::Enter));
    assert!(
        m.data.registry("dockerhub-acme").is_some(),
        "gone only once saved"
    );
    update(&mut m, Msg::VaultSaved { job });
    assert!(m.data.registry("dockerhub-acme").is_none());
    assert!(toast(&m).contains("deleted registry"));
}

#[test]
fn delete_container_confirms_with_y() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    let name = m
        .selected_container()
        .map(|c| c.id.clone())
        .expect("selection");
    act(&mut m, Action::Delete);
    let Some(Modal::ConfirmDelete {
        typed_phrase: false,
        ..
    }) = &m.modal
    else {
        panic!("{:?}", m.modal)
    };
    let job = save_job(&key(&mut m, KeyCode::Char('y')));
    update(&mut m, Msg::VaultSaved { job });
    assert!(m.data.container(name.as_str()).is_none());
}
