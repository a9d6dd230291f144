//! `update` tests of issue #13's Test Connection: Ctrl-T again cancels, the
//! form's test image reaches the probe, `t` opens the step-list panel for a
//! registry and for a container's image (with its registry), and the
//! demo's offline check is never recorded.

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
use crate::tui::state::modal::Modal;
use crate::tui::state::probe::PanelRun;
use crate::tui::test_support::{
    self as fixtures, GHP, act, ctrl, fill_ghcr, key, save_job, select_registry, toast, typ,
};

fn done(m: &mut Model, job: u64, report: TestReport) -> Vec<Effect> {
    update(
        m,
        Msg::ProbeDone {
            job,
            report,
            recorded: None,
        },
    )
}

/// The one probe among `effects`: (job, kind, record, image).
fn probe(effects: &[Effect]) -> (u64, RegistryKind, Option<String>, Option<String>) {
    match effects {
        [
            Effect::RunProbe {
                job,
                kind,
                record,
                image,
                ..
            },
        ] => (
            *job,
            *kind,
            record.as_ref().map(ToString::to_string),
            image.clone(),
        ),
        other => panic!("expected one probe, got {other:?}"),
    }
}

fn panel(m: &Model) -> &crate::tui::state::probe::TestPanel {
    match &m.modal {
        Some(Modal::Test(p)) => p,
        other => panic!("no Test Connection panel: {other:?}"),
    }
}

/// Selects the container row `name` in `env`.
fn select_container(m: &mut Model, name: &str, env: &str) {
    act(m, Action::ShowContainers);
    m.refresh_rows();
    let rows = m.container_rows();
    m.containers.selected = rows
        .iter()
        .position(|&i| m.data.containers[i].name == name && m.data.containers[i].environment == env)
        .expect(name);
}

#[test]
fn ctrl_t_again_while_the_test_runs_cancels_it() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    let (job, ..) = probe(&ctrl(&mut m, 't'));
    let effects = ctrl(&mut m, 't');
    assert!(
        matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job),
        "the second Ctrl-T cancels, it does not start another: {effects:?}"
    );
    assert_eq!(
        m.form.as_ref().map(|f| f.test.clone()),
        Some(TestState::Idle)
    );
    assert_eq!(toast(&m), "test cancelled");
    // The cancelled run's late answer changes nothing.
    done(&mut m, job, TestReport::new(Outcome::Cancelled, "late"));
    assert_eq!(
        m.form.as_ref().map(|f| f.test.clone()),
        Some(TestState::Idle)
    );
    // A third press starts a new test.
    let (again, ..) = probe(&ctrl(&mut m, 't'));
    assert_ne!(again, job);
}

#[test]
fn the_form_test_image_is_checked_and_never_saved() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    act(&mut m, Action::NextField);
    assert_eq!(
        m.form.as_ref().map(|f| f.focused().key),
        Some(FieldKey::TestImage)
    );
    typ(&mut m, "acme/web:1.4.2");
    let (_, kind, record, image) = probe(&ctrl(&mut m, 't'));
    assert_eq!(kind, RegistryKind::Ghcr);
    assert_eq!(record, None, "form values are not saved yet");
    assert_eq!(image.as_deref(), Some("acme/web:1.4.2"));
    let job = save_job(&act(&mut m, Action::Save));
    update(&mut m, Msg::VaultSaved { job });
    let saved = m.data.registry("ghcr-new").expect("saved");
    let fields: Vec<&str> = saved.credentials.fields().collect();
    assert_eq!(fields.len(), 2, "username and token only: {fields:?}");
    assert!(
        saved
            .credentials
            .iter()
            .all(|(_, v)| v.expose() != "acme/web:1.4.2"),
        "the test image was saved"
    );
}

#[test]
fn a_bad_test_image_warns_but_does_not_block_the_save() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    act(&mut m, Action::NextField);
    typ(&mut m, "Acme/Web");
    let f = m.form.as_ref().expect("form");
    assert!(
        !f.focused().findings.is_empty(),
        "an upper-case name is no image"
    );
    assert!(
        f.focused().first_error().is_none(),
        "a warning, not an error"
    );
    save_job(&act(&mut m, Action::Save));
}

#[test]
fn t_on_a_registry_opens_the_step_list_and_records_the_result() {
    let mut m = fixtures::full();
    select_registry(&mut m, "dockerhub-acme");
    let (job, kind, record, image) = probe(&key(&mut m, KeyCode::Char('t')));
    assert_eq!(kind, RegistryKind::Docker);
    assert!(record.is_some(), "test-and-record, as the CLI");
    assert_eq!(image, None);
    assert!(matches!(panel(&m).run, PanelRun::Running(r) if r.started == fixtures::now()));
    done(
        &mut m,
        job,
        TestReport::new(Outcome::BadCredentials, "refused (401)"),
    );
    assert!(matches!(&panel(&m).run, PanelRun::Done(r) if r.outcome() == Outcome::BadCredentials));
    assert_eq!(toast(&m), "", "the panel shows it; no toast repeats it");
    assert!(!m.busy());
    key(&mut m, KeyCode::Esc);
    assert!(m.modal.is_none());
}

#[test]
fn esc_or_t_while_the_panel_runs_cancels_and_says_so() {
    for stop in [KeyCode::Esc, KeyCode::Char('t')] {
        let mut m = fixtures::full();
        select_registry(&mut m, "dockerhub-acme");
        let (job, ..) = probe(&key(&mut m, KeyCode::Char('t')));
        let effects = key(&mut m, stop);
        assert!(
            matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job),
            "{stop:?}: {effects:?}"
        );
        assert!(matches!(&panel(&m).run, PanelRun::Failed(why) if why.starts_with("cancelled")));
        assert!(!m.busy());
        // `t` again (now stopped) starts a fresh test.
        let (again, ..) = probe(&key(&mut m, KeyCode::Char('t')));
        assert_ne!(again, job);
    }
}

#[test]
fn e_in_the_panel_opens_the_registry_form() {
    let mut m = fixtures::full();
    select_registry(&mut m, "dockerhub-acme");
    let (job, ..) = probe(&key(&mut m, KeyCode::Char('t')));
    done(&mut m, job, TestReport::new(Outcome::BadCredentials, "401"));
    key(&mut m, KeyCode::Char('e'));
    assert!(m.modal.is_none());
    assert_eq!(
        m.form.as_ref().map(|f| f.value(FieldKey::Name).to_owned()),
        Some("dockerhub-acme".to_owned())
    );
}

#[test]
fn t_on_a_container_tests_its_image_with_its_registry() {
    let mut m = fixtures::full();
    select_container(&mut m, "web", "production");
    let (_, kind, record, image) = probe(&key(&mut m, KeyCode::Char('t')));
    assert_eq!(kind, RegistryKind::Ghcr);
    assert_eq!(record.as_deref(), Some("reg-ghcr01"));
    assert_eq!(image.as_deref(), Some("ghcr.io/acme/web:1.4.2"));
    let p = panel(&m);
    assert_eq!(p.container.as_deref(), Some("web"));
}

#[test]
fn t_on_a_public_container_says_there_is_nothing_to_test() {
    let mut m = fixtures::full();
    select_container(&mut m, "edge-proxy", "production");
    let effects = key(&mut m, KeyCode::Char('t'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("public image"), "{}", toast(&m));
}

#[test]
fn the_demo_never_records_its_offline_check() {
    let mut m = fixtures::full();
    m.ctx.demo = true;
    // From the list: checked, not recorded.
    select_registry(&mut m, "dockerhub-acme");
    let (_, _, record, _) = probe(&key(&mut m, KeyCode::Char('t')));
    assert_eq!(record, None, "the demo's offline check proves nothing");
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Esc);
    // From the form: a passing offline check is not kept on save.
    fill_ghcr(&mut m, "ghcr-new", GHP);
    let (job, ..) = probe(&ctrl(&mut m, 't'));
    done(
        &mut m,
        job,
        TestReport::new(Outcome::Ok, crate::tui::runtime::STRUCTURE_OK),
    );
    let job = save_job(&act(&mut m, Action::Save));
    update(&mut m, Msg::VaultSaved { job });
    let r = m.data.registry("ghcr-new").expect("saved");
    assert!(r.last_test.is_none(), "{:?}", r.last_test);
}
