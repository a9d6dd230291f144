//! Reload (issue #13 item 1) and the stale report after a rotation (item
//! 2), through `update` alone: the place kept, the form saved onto the new
//! version or both versions shown, a save and a reload never at once, and
//! the stale question with its sync. Snapshots of the stale and conflict
//! dialogs at 80×24 and 120×40.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use crate::model::{AppliedSecret, RegistryUpdate, VaultData};
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::{Msg, Reloaded};
use crate::tui::state::Model;
use crate::tui::state::form::FormTarget;
use crate::tui::state::modal::Modal;
use crate::tui::state::reload::ReloadDialog;
use crate::tui::test_support::{
    self as fixtures, GHP, act, ctrl, key, save_job, select_registry, toast, typ,
};
use crate::tui::update::update;
use crate::tui::view;
use crate::vault::VaultError;

/// The runtime's answer to the reload `effects` asked for, with `data`.
fn reload_with(m: &mut Model, effects: &[Effect], data: VaultData) -> Vec<Effect> {
    let job = effects
        .iter()
        .find_map(|e| match e {
            Effect::Reload { job } => Some(*job),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no reload in {effects:?}"));
    update(
        m,
        Msg::VaultReloaded {
            job,
            result: Ok(Reloaded {
                data: Arc::new(data),
                by: Some("alice@bastion".into()),
            }),
        },
    )
}

/// Another writer's version: the model's data changed by `change`.
fn theirs(m: &Model, change: impl FnOnce(&mut VaultData)) -> VaultData {
    let mut data = VaultData::clone(&m.data);
    change(&mut data);
    data
}

fn add_ghcr(data: &mut VaultData, name: &str) {
    let mut credentials = crate::registry::Credentials::new();
    credentials.set("username", "octo");
    credentials.set("token", GHP);
    data.add_registry(
        crate::model::NewRegistry {
            name: name.into(),
            kind: crate::registry::RegistryKind::Ghcr,
            credentials,
        },
        "alice@bastion",
        fixtures::now(),
    )
    .expect("add");
}

fn rename(data: &mut VaultData, from: &str, to: &str) {
    let update = RegistryUpdate {
        name: Some(to.into()),
        kind: None,
        credentials: None,
    };
    data.update_registry(from, update, fixtures::USER, fixtures::now())
        .expect("rename");
}

#[test]
fn a_reload_keeps_the_selection_filter_and_sort_and_says_what_changed() {
    let mut m = fixtures::full();
    act(&mut m, Action::ReverseSort);
    act(&mut m, Action::Filter);
    typ(&mut m, "a");
    key(&mut m, KeyCode::Enter);
    select_registry(&mut m, "harbor-lab");
    let data = theirs(&m, |d| {
        add_ghcr(d, "aaa-new");
        add_ghcr(d, "zzz-new");
        rename(d, "quay-partners", "quay-renamed");
    });
    let effects = update(&mut m, Msg::VaultChangedOnDisk);
    reload_with(&mut m, &effects, data);
    assert_eq!(
        m.selected_registry().map(|r| r.name.as_str()),
        Some("harbor-lab")
    );
    assert_eq!(m.registries.filter_text(), "a");
    assert!(m.registries.descending, "the sort was reset");
    assert_eq!(
        toast(&m),
        "vault reloaded: 2 added, 1 changed (by alice@bastion)"
    );
}

#[test]
fn a_deleted_selection_moves_to_its_neighbour() {
    let mut m = fixtures::full();
    select_registry(&mut m, "gar-europe");
    let at = m.registries.selected;
    let data = theirs(&m, |d| {
        d.registries.retain(|r| r.name != "gar-europe");
    });
    let effects = update(&mut m, Msg::VaultChangedOnDisk);
    reload_with(&mut m, &effects, data);
    assert_eq!(m.registries.selected, at, "not the row that took its place");
    assert!(
        m.selected_registry()
            .is_some_and(|r| r.name != "gar-europe")
    );
    assert!(toast(&m).contains("1 removed"), "{}", toast(&m));
}

#[test]
fn the_containers_screen_keeps_its_selection_too() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    act(&mut m, Action::Last);
    let id = m.selected_container().expect("selected").id.clone();
    let data = theirs(&m, |d| add_ghcr(d, "another"));
    let effects = update(&mut m, Msg::VaultChangedOnDisk);
    reload_with(&mut m, &effects, data);
    assert_eq!(m.screen, crate::tui::state::Screen::Containers);
    assert_eq!(m.selected_container().map(|c| &c.id), Some(&id));
}

#[test]
fn no_reload_while_a_save_is_in_flight_it_follows_the_save() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Edit);
    typ(&mut m, "-x");
    let job = save_job(&ctrl(&mut m, 's'));
    // The save's data was computed from the old version: a reload now
    // could let it be written over another writer's change.
    assert!(update(&mut m, Msg::VaultChangedOnDisk).is_empty());
    let effects = update(&mut m, Msg::VaultSaved { job });
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Reload { .. })),
        "{effects:?}"
    );
}

#[test]
fn a_save_that_lost_the_race_reloads_then_saves_onto_the_new_version() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Edit);
    typ(&mut m, "-x");
    let job = save_job(&ctrl(&mut m, 's'));
    let effects = update(
        &mut m,
        Msg::SaveFailed {
            job,
            error: VaultError::ChangedOnDisk,
        },
    );
    let data = theirs(&m, |d| add_ghcr(d, "theirs"));
    let effects = reload_with(&mut m, &effects, data);
    let Some(Effect::Save { data, .. }) = effects.iter().find(|e| matches!(e, Effect::Save { .. }))
    else {
        panic!("no save again: {effects:?}");
    };
    assert!(data.registry("ghcr-acme-x").is_some(), "the edit");
    assert!(data.registry("theirs").is_some(), "the other writer's add");
    assert!(m.modal.is_none());
}

#[test]
fn an_edited_record_changed_on_disk_shows_both_versions() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Edit);
    typ(&mut m, "-mine");
    let data = theirs(&m, |d| rename(d, "ghcr-acme", "ghcr-theirs"));
    let effects = update(&mut m, Msg::VaultChangedOnDisk);
    reload_with(&mut m, &effects, data);
    let Some(Modal::Reload(d)) = &m.modal else {
        panic!("no dialog: {:?}", m.modal);
    };
    let ReloadDialog::Conflict(c) = &**d else {
        panic!("not the conflict dialog");
    };
    let name = c.rows.iter().find(|r| r.label == "Name").expect("name row");
    assert_eq!(
        (name.mine.as_str(), name.theirs.as_str()),
        ("ghcr-acme-mine", "ghcr-theirs")
    );
    let token = c
        .rows
        .iter()
        .find(|r| r.label == "Personal access token")
        .expect("token");
    assert_eq!(token.mine, "•••• (same)", "secrets are masked");
    // Enter on the default choice goes back to the form: nothing saved.
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(m.modal.is_none() && m.form.is_some());
}

#[test]
fn a_record_deleted_on_disk_can_be_kept_as_new() {
    let mut m = fixtures::full();
    select_registry(&mut m, "harbor-lab");
    act(&mut m, Action::Edit);
    typ(&mut m, "-mine");
    let data = theirs(&m, |d| d.registries.retain(|r| r.name != "harbor-lab"));
    let effects = update(&mut m, Msg::VaultChangedOnDisk);
    reload_with(&mut m, &effects, data);
    key(&mut m, KeyCode::Down);
    let effects = key(&mut m, KeyCode::Enter);
    assert_eq!(
        m.form.as_ref().map(|f| f.target.clone()),
        Some(FormTarget::NewRegistry)
    );
    let Some(Effect::Save { data, .. }) = effects.first() else {
        panic!("no save: {effects:?}");
    };
    assert!(data.registry("harbor-lab-mine").is_some());
}

#[test]
fn a_test_result_recorded_by_another_writer_is_not_a_conflict() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Edit);
    typ(&mut m, "-mine");
    let data = theirs(&m, |d| {
        let r = d
            .registries
            .iter_mut()
            .find(|r| r.name == "ghcr-acme")
            .expect("ghcr");
        r.last_test = None;
        r.updated_at = fixtures::now();
    });
    let effects = update(&mut m, Msg::VaultChangedOnDisk);
    reload_with(&mut m, &effects, data);
    assert!(m.modal.is_none(), "{:?}", m.modal);
}

#[test]
fn a_failed_reload_is_not_retried_by_every_poll() {
    let mut m = fixtures::full();
    let effects = update(&mut m, Msg::VaultChangedOnDisk);
    let Some(Effect::Reload { job }) = effects.first() else {
        panic!("{effects:?}");
    };
    update(
        &mut m,
        Msg::VaultReloaded {
            job: *job,
            result: Err(VaultError::ChangedOnDisk),
        },
    );
    assert!(toast(&m).contains(":reload to try again"), "{}", toast(&m));
    assert!(update(&mut m, Msg::VaultChangedOnDisk).is_empty());
    act(&mut m, Action::CommandLine);
    typ(&mut m, "reload");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Reload { .. }]));
}

// --- item 2: rotation and stale secrets ---------------------------------

/// The demo with ghcr-acme applied to env-production and env-staging on
/// kind-dev's cluster and env-production on prod-eu's, before the rotation.
fn applied() -> Model {
    let mut data = fixtures::demo();
    let id = data.registry("ghcr-acme").expect("ghcr").id.clone();
    // The demo's own records name a demo cluster no fixture context has.
    data.kube.applied.clear();
    for (server, ns) in [
        ("https://127.0.0.1:6443", "env-production"),
        ("https://127.0.0.1:6443", "env-staging"),
        ("https://prod-eu.example:6443", "env-production"),
    ] {
        data.record_applied(AppliedSecret {
            registry_id: id.clone(),
            server: server.into(),
            namespace: ns.into(),
            name: "ghcr-acme-creds".into(),
            uid: format!("uid-{ns}"),
            applied_at: "2026-11-20T00:00:00Z".parse().expect("time"),
        });
    }
    let mut m = fixtures::model(data);
    m.kube = fixtures::kube();
    m
}

/// Rotates ghcr-acme's token in the form and lands the save.
fn rotate(m: &mut Model) -> Vec<Effect> {
    select_registry(m, "ghcr-acme");
    act(m, Action::Edit);
    // Name, username, then the token: cleared and typed anew.
    act(m, Action::NextField);
    act(m, Action::NextField);
    ctrl(m, 'u');
    for _ in 0..GHP.len() {
        key(m, KeyCode::Backspace);
    }
    typ(m, "ghp_R0tatedR0tatedR0tatedR0tatedR0tated0");
    let job = save_job(&ctrl(m, 's'));
    update(m, Msg::VaultSaved { job })
}

#[test]
fn a_rotation_of_an_applied_registry_names_the_stale_places() {
    let mut m = applied();
    rotate(&mut m);
    let Some(Modal::Reload(d)) = &m.modal else {
        panic!("no stale question: {:?} {}", m.modal, toast(&m));
    };
    let ReloadDialog::Stale(q) = &**d else {
        panic!("not the stale question");
    };
    assert_eq!(
        q.places,
        [
            "kind-dev/env-production",
            "kind-dev/env-staging",
            "prod-eu/env-production"
        ]
    );
    assert_eq!(q.contexts, ["kind-dev", "prod-eu"]);
}

#[test]
fn a_rename_is_not_a_rotation_and_asks_nothing() {
    let mut m = applied();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Edit);
    typ(&mut m, "-x");
    let job = save_job(&ctrl(&mut m, 's'));
    update(&mut m, Msg::VaultSaved { job });
    assert!(m.modal.is_none(), "{:?}", m.modal);
}

#[test]
fn yes_plans_the_sync_for_exactly_the_stale_clusters() {
    let mut m = applied();
    rotate(&mut m);
    let effects = key(&mut m, KeyCode::Char('y'));
    let Some(Effect::PlanApply { target, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::PlanApply { .. }))
    else {
        panic!("no plan: {effects:?}");
    };
    assert_eq!(target.registry, "reg-ghcr01");
    assert_eq!(target.contexts, ["kind-dev", "prod-eu"]);
    let mut envs = target.environments.clone();
    envs.sort();
    assert_eq!(envs, ["production", "staging"]);
}

#[test]
fn no_leaves_them_and_the_detail_pane_keeps_saying_so() {
    let mut m = applied();
    rotate(&mut m);
    key(&mut m, KeyCode::Char('n'));
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("press A to sync"), "{}", toast(&m));
    let text = draw(&m, 120, 40).backend().to_string();
    assert!(
        text.contains("3 targets — press A to sync"),
        "detail pane:\n{text}"
    );
}

fn draw(m: &Model, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("backend");
    terminal.draw(|f| view::render(f, m)).expect("draw");
    let text = terminal.backend().to_string();
    for secret in ["ghp_DEMO", "ghp_R0tated", GHP] {
        assert!(!text.contains(secret), "a token on screen:\n{text}");
    }
    terminal
}

#[test]
fn snapshots_of_the_stale_question() {
    let mut m = applied();
    rotate(&mut m);
    m.toasts = crate::tui::state::Toasts::default();
    insta::assert_snapshot!("stale_question_80x24", draw(&m, 80, 24).backend());
    insta::assert_snapshot!("stale_question_120x40", draw(&m, 120, 40).backend());
}

#[test]
fn snapshots_of_the_conflict_dialog() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Edit);
    typ(&mut m, "-mine");
    let data = theirs(&m, |d| rename(d, "ghcr-acme", "ghcr-theirs"));
    let effects = update(&mut m, Msg::VaultChangedOnDisk);
    reload_with(&mut m, &effects, data);
    m.toasts = crate::tui::state::Toasts::default();
    insta::assert_snapshot!("reload_conflict_80x24", draw(&m, 80, 24).backend());
    insta::assert_snapshot!("reload_conflict_120x40", draw(&m, 120, 40).backend());
}

#[test]
fn yes_without_a_context_for_the_servers_opens_apply_to_pick_one() {
    let mut m = applied();
    m.kube.servers.clear();
    rotate(&mut m);
    let effects = key(&mut m, KeyCode::Char('y'));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::PlanApply { .. })),
        "planned without a context named: {effects:?}"
    );
    let Some(Modal::Apply(d)) = &m.modal else {
        panic!("no Apply dialog: {:?}", m.modal);
    };
    assert!(
        d.environments.iter().all(|(_, on)| *on),
        "{:?}",
        d.environments
    );
}
