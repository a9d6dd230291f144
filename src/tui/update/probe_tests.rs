//! `update` tests of Test Connection, from the form and from the list: it
//! runs as a job, can be cancelled, and a fresh result is recorded on save
//! while a stale one is dropped.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::registry::RegistryKind;
use crate::tui::effect::{Effect, ProbeReport};
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::Model;
use crate::tui::state::form::{FieldKey, TestState};
use crate::tui::test_support::{
    self as fixtures, GHP, act, ctrl, fill_ghcr, key, save_job, select_registry, typ,
};

/// A structural pass, as the runtime reports it.
fn passed(summary: &str) -> ProbeReport {
    ProbeReport {
        outcome: "ok".into(),
        summary: summary.into(),
        contacted: false,
    }
}

/// Starts Test Connection and returns its job.
fn start_test(m: &mut Model) -> u64 {
    let Some(Effect::RunProbe { job, .. }) = act(m, Action::TestConnection).pop() else {
        panic!("no probe started")
    };
    job
}

#[test]
fn test_connection_in_the_form_runs_async_and_can_be_cancelled() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    let effects = ctrl(&mut m, 't');
    let job = match effects.as_slice() {
        [
            Effect::RunProbe {
                job,
                kind: RegistryKind::Ghcr,
                credentials,
            },
        ] => {
            assert_eq!(credentials.get("token"), Some(GHP));
            *job
        }
        other => panic!("{other:?}"),
    };
    // Typing goes on while the test runs.
    typ(&mut m, "x");
    assert!(
        m.form
            .as_ref()
            .is_some_and(|f| f.value(FieldKey::Credential("token")).ends_with('x'))
    );
    let effects = act(&mut m, Action::Back);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(m.form.is_some(), "Esc cancelled the test, not the form");
    let report = passed("late");
    update(&mut m, Msg::ProbeDone { job, report });
    assert_eq!(
        m.form.as_ref().map(|f| f.test.clone()),
        Some(TestState::Idle)
    );
}

#[test]
fn a_passed_test_shows_in_the_form_and_is_recorded_on_save() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    let job = start_test(&mut m);
    let report = passed("structure ok");
    update(&mut m, Msg::ProbeDone { job, report });
    assert!(matches!(
        m.form.as_ref().map(|f| &f.test),
        Some(TestState::Done { fresh: true, .. })
    ));
    let job = save_job(&act(&mut m, Action::Save));
    update(&mut m, Msg::VaultSaved { job });
    let r = m.data.registry("ghcr-new").expect("saved");
    assert!(
        r.last_test
            .as_ref()
            .is_some_and(|t| t.passed() && t.at == fixtures::now())
    );
}

#[test]
fn an_edit_after_the_test_makes_it_stale_and_unrecorded() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    let job = start_test(&mut m);
    let report = passed("ok");
    update(&mut m, Msg::ProbeDone { job, report });
    key(&mut m, KeyCode::Backspace);
    typ(&mut m, "2");
    assert!(matches!(
        m.form.as_ref().map(|f| &f.test),
        Some(TestState::Done { fresh: false, .. })
    ));
    let job = save_job(&act(&mut m, Action::Save));
    update(&mut m, Msg::VaultSaved { job });
    assert!(
        m.data
            .registry("ghcr-new")
            .is_some_and(|r| r.last_test.is_none())
    );
}

#[test]
fn test_from_the_list_records_the_result_and_saves() {
    let mut m = fixtures::full();
    select_registry(&mut m, "dockerhub-acme");
    let Some(Effect::RunProbe { job, kind, .. }) = key(&mut m, KeyCode::Char('t')).pop() else {
        panic!()
    };
    assert_eq!(kind, RegistryKind::Docker);
    assert!(m.busy());
    let report = passed("structure ok");
    let save = save_job(&update(&mut m, Msg::ProbeDone { job, report }));
    update(&mut m, Msg::VaultSaved { job: save });
    assert!(
        m.data
            .registry("dockerhub-acme")
            .and_then(|r| r.last_test.as_ref())
            .is_some()
    );
    assert!(!m.busy());
}

#[test]
fn back_in_the_list_cancels_a_running_test_then_clears_the_filter() {
    let mut m = fixtures::full();
    let job = start_test(&mut m);
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(m.list_probe.is_none());
    let report = passed("late");
    assert!(
        update(&mut m, Msg::ProbeDone { job, report }).is_empty(),
        "stale result dropped"
    );
}
