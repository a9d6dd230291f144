//! `update` tests of Test Connection, from the form and from the list: it
//! runs as a job and can be cancelled; from the form a fresh result is
//! recorded on save and a stale one is not, from the list the runtime
//! records it (unless read-only) and the model follows.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::ops::test::TestReport;
use crate::probe::Outcome;
use crate::registry::RegistryKind;
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::Model;
use crate::tui::state::form::{FieldKey, TestState};
use crate::tui::test_support::{
    self as fixtures, GHP, act, ctrl, fill_ghcr, key, save_job, select_registry, typ,
};

/// Starts Test Connection and returns its job.
fn start_test(m: &mut Model) -> u64 {
    let Some(Effect::RunProbe { job, .. }) = act(m, Action::TestConnection).pop() else {
        panic!("no probe started")
    };
    job
}

/// The job's structural pass arrives, not recorded by the runtime.
fn passed(m: &mut Model, job: u64, summary: &str) -> Vec<Effect> {
    let report = TestReport::new(Outcome::Ok, summary);
    update(
        m,
        Msg::ProbeDone {
            job,
            report,
            recorded: None,
        },
    )
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
                record: None,
                connection: None,
                image: None,
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
    passed(&mut m, job, "late");
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
    passed(&mut m, job, "structure ok");
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
    passed(&mut m, job, "ok");
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
fn test_from_the_list_is_recorded_by_the_runtime_and_the_model_follows() {
    let mut m = fixtures::full();
    select_registry(&mut m, "dockerhub-acme");
    let id = m
        .selected_registry()
        .map(|r| r.id.clone())
        .expect("selected");
    let Some(Effect::RunProbe {
        job, kind, record, ..
    }) = key(&mut m, KeyCode::Char('t')).pop()
    else {
        panic!()
    };
    assert_eq!(kind, RegistryKind::Docker);
    assert_eq!(record, Some(id.clone()), "test-and-record, as the CLI");
    assert!(m.busy());
    let report = TestReport::new(Outcome::Ok, "structure ok");
    // The runtime records it (ops::test::test_registry) and saves; the
    // model starts no save of its own.
    let mut data = crate::model::VaultData::clone(&m.data);
    crate::ops::test::record_into(&mut data, id.as_str(), &report, fixtures::now())
        .expect("record");
    let effects = update(
        &mut m,
        Msg::ProbeDone {
            job,
            report,
            recorded: Some(Ok(())),
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    update(
        &mut m,
        Msg::VaultUpdated {
            data: std::sync::Arc::new(data),
        },
    );
    assert!(
        m.data
            .registry("dockerhub-acme")
            .and_then(|r| r.last_test.as_ref())
            .is_some_and(crate::model::TestRecord::passed)
    );
    assert!(!m.busy());
}

#[test]
fn test_from_a_read_only_list_is_not_recorded() {
    let mut m = fixtures::full();
    m.ctx.read_only = true;
    select_registry(&mut m, "dockerhub-acme");
    let Some(Effect::RunProbe { record, .. }) = key(&mut m, KeyCode::Char('t')).pop() else {
        panic!()
    };
    assert_eq!(record, None);
}

#[test]
fn back_in_the_list_cancels_a_running_test_then_clears_the_filter() {
    let mut m = fixtures::full();
    let job = start_test(&mut m);
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(m.list_probe.is_none());
    let report = TestReport::new(Outcome::Ok, "late");
    assert!(
        update(
            &mut m,
            Msg::ProbeDone {
                job,
                report,
                recorded: None,
            }
        )
        .is_empty(),
        "stale result dropped"
    );
}
