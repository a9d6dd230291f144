//! `update` tests of the Apply dialog: open it, choose the target, plan,
//! confirm by typing the context name, apply, cancel, stale results.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::update;
use crate::deploy::kube::{Change, Outcome};
use crate::tui::effect::Effect;
use crate::tui::fixtures::{self, ns_report};
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::apply::{ApplyDialog, ApplyStep};
use crate::tui::state::modal::Modal;
use crate::tui::state::{Model, Screen};

fn key(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn act(m: &mut Model, a: Action) -> Vec<Effect> {
    update(m, Msg::Action(a))
}

fn typ(m: &mut Model, text: &str) {
    for c in text.chars() {
        key(m, KeyCode::Char(c));
    }
}

fn toast(m: &Model) -> String {
    m.toasts
        .latest()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// The job of the one plan or apply effect.
fn job_of(effects: Vec<Effect>) -> u64 {
    match effects.as_slice() {
        [Effect::PlanApply { job, .. } | Effect::Apply { job, .. }] => *job,
        other => panic!("expected one plan/apply: {other:?}"),
    }
}

fn dialog(m: &Model) -> &ApplyDialog {
    match &m.modal {
        Some(Modal::Apply(d)) => d,
        other => panic!("no Apply dialog: {other:?}"),
    }
}

/// The demo with two contexts, `A` on ghcr-acme (web in production and
/// staging).
fn opened() -> Model {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    let rows = m.registry_rows();
    m.registries.selected = rows
        .iter()
        .position(|&i| m.data.registries[i].name == "ghcr-acme")
        .expect("ghcr-acme");
    assert!(key(&mut m, KeyCode::Char('A')).is_empty());
    m
}

fn planned() -> Vec<crate::deploy::kube::NamespaceReport> {
    vec![
        ns_report("production", Change::Create, Outcome::Unchanged),
        ns_report("staging", Change::Update, Outcome::Unchanged),
    ]
}

/// Opened, planned, answered: the dialog awaits the typed context name.
fn at_confirm() -> Model {
    let mut m = opened();
    let job = job_of(key(&mut m, KeyCode::Enter));
    update(
        &mut m,
        Msg::ApplyPlanned {
            job,
            result: Ok(planned()),
        },
    );
    m
}

#[test]
fn opens_from_a_registry_with_all_its_environments() {
    let m = opened();
    let d = dialog(&m);
    assert_eq!(d.registry_name, "ghcr-acme");
    assert_eq!(d.context_name(), Some("kind-dev"));
    assert_eq!(d.checked(), ["production", "staging"]);
}

#[test]
fn opens_from_a_container_with_its_environment() {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    m.screen = Screen::Containers;
    m.refresh_rows();
    let rows = m.container_rows();
    m.containers.selected = rows
        .iter()
        .position(|&i| m.data.containers[i].environment == "staging")
        .expect("staging container");
    act(&mut m, Action::Apply);
    let d = dialog(&m);
    assert_eq!(d.registry_name, "ghcr-acme");
    assert_eq!(d.checked(), ["staging"]);
    assert_eq!(d.environments.len(), 2);
}

#[test]
fn space_toggles_an_environment_and_tab_cycles_contexts() {
    let mut m = opened();
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(dialog(&m).checked(), ["production"]);
    key(&mut m, KeyCode::Tab);
    assert_eq!(dialog(&m).context_name(), Some("prod-eu"));
    key(&mut m, KeyCode::Tab);
    assert_eq!(dialog(&m).context_name(), Some("kind-dev"));
}

#[test]
fn enter_plans_the_checked_environments_in_the_context() {
    let mut m = opened();
    key(&mut m, KeyCode::Tab);
    key(&mut m, KeyCode::Char(' '));
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::PlanApply { target, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(target.context, "prod-eu");
    assert_eq!(target.environments, ["staging"]);
    assert_eq!(target.registry, "reg-ghcr01");
}

#[test]
fn nothing_checked_plans_nothing() {
    let mut m = opened();
    key(&mut m, KeyCode::Char(' '));
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char(' '));
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(toast(&m).contains("at least one environment"));
}

#[test]
fn the_plan_is_shown_for_a_typed_confirmation() {
    let m = at_confirm();
    let ApplyStep::Confirm { planned, .. } = &dialog(&m).step else {
        panic!("not confirming")
    };
    assert_eq!(planned.len(), 2);
}

#[test]
fn a_failed_plan_is_shown() {
    let mut m = opened();
    let job = job_of(key(&mut m, KeyCode::Enter));
    let result = Err("no context 'kind-dev'".into());
    update(&mut m, Msg::ApplyPlanned { job, result });
    assert!(matches!(dialog(&m).step, ApplyStep::Failed { .. }));
    key(&mut m, KeyCode::Enter);
    assert!(m.modal.is_none());
}

#[test]
fn the_wrong_name_does_not_apply() {
    let mut m = at_confirm();
    typ(&mut m, "prod-eu");
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(toast(&m).contains("kind-dev"));
    assert!(matches!(dialog(&m).step, ApplyStep::Confirm { .. }));
}

#[test]
fn the_context_name_applies_and_results_arrive_per_namespace() {
    let mut m = at_confirm();
    typ(&mut m, "kind-dev");
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::Apply { job, planned, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(planned.len(), 2);
    let job = *job;
    assert!(m.busy());
    let report = ns_report("production", Change::Create, Outcome::Applied);
    update(&mut m, Msg::ApplyProgress { job, report });
    let report = ns_report("staging", Change::Update, Outcome::Forbidden);
    update(&mut m, Msg::ApplyProgress { job, report });
    update(&mut m, Msg::ApplyFinished { job });
    let ApplyStep::Done { reports, .. } = &dialog(&m).step else {
        panic!("not done")
    };
    assert_eq!(reports[1].outcome, Outcome::Forbidden);
    assert!(toast(&m).contains("1 of 2"));
    assert!(!m.busy());
}

#[test]
fn esc_cancels_a_running_apply_and_says_what_was_done() {
    let mut m = at_confirm();
    typ(&mut m, "kind-dev");
    let job = job_of(key(&mut m, KeyCode::Enter));
    let report = ns_report("production", Change::Create, Outcome::Applied);
    update(&mut m, Msg::ApplyProgress { job, report });
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("env-production (applied)"));
}

#[test]
fn esc_cancels_the_plan_and_the_target() {
    let mut m = opened();
    let job = job_of(key(&mut m, KeyCode::Enter));
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(m.modal.is_none());
    let mut m = opened();
    assert!(key(&mut m, KeyCode::Esc).is_empty());
    assert!(m.modal.is_none());
}

#[test]
fn stale_results_are_dropped() {
    let mut m = opened();
    let old = job_of(key(&mut m, KeyCode::Enter));
    key(&mut m, KeyCode::Esc);
    // The late plan of the cancelled dialog changes nothing, here or in a
    // dialog opened since.
    update(
        &mut m,
        Msg::ApplyPlanned {
            job: old,
            result: Ok(planned()),
        },
    );
    assert!(m.modal.is_none());
    key(&mut m, KeyCode::Char('A'));
    update(
        &mut m,
        Msg::ApplyPlanned {
            job: old,
            result: Ok(planned()),
        },
    );
    assert!(matches!(dialog(&m).step, ApplyStep::Target));
    update(&mut m, Msg::ApplyFinished { job: old });
    assert!(matches!(dialog(&m).step, ApplyStep::Target));
}

#[test]
fn read_only_hides_apply() {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    m.ctx.read_only = true;
    assert!(act(&mut m, Action::Apply).is_empty());
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("read-only"));
}

#[test]
fn a_registry_no_container_uses_has_nothing_to_apply() {
    let mut m = fixtures::full();
    let rows = m.registry_rows();
    m.registries.selected = rows
        .iter()
        .position(|&i| m.data.registries[i].name == "quay-partners")
        .expect("quay-partners");
    act(&mut m, Action::Apply);
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("no container uses"));
}
