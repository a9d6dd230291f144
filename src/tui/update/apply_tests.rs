//! `update` tests of the Apply dialog: open it, choose the target, plan,
//! confirm by typing the context name, apply, cancel, stale results (the
//! several-cluster ones: `apply_fleet_tests`).

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::deploy::docker::LoginCheck;
use crate::deploy::kube::{Change, Outcome};
use crate::ops::OpsError;
use crate::ops::swarm::SwarmApplyReport;
use crate::tui::apply::ClusterPlan;
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::apply::{ApplyDialog, ApplyStep};
use crate::tui::state::modal::Modal;
use crate::tui::state::{Model, Screen};
use crate::tui::test_support::{
    self as fixtures, act, key, ns_report, select_registry, toast, typ,
};

/// The job of the one plan or apply effect.
pub(super) fn job_of(effects: &[Effect]) -> u64 {
    match effects {
        [Effect::PlanApply { job, .. } | Effect::Apply { job, .. }] => *job,
        other => panic!("expected one plan/apply: {other:?}"),
    }
}

pub(super) fn dialog(m: &Model) -> &ApplyDialog {
    match &m.modal {
        Some(Modal::Apply(d)) => d,
        other => panic!("no Apply dialog: {other:?}"),
    }
}

/// The demo with two contexts, `A` on ghcr-acme (web in production and
/// staging).
pub(super) fn opened() -> Model {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    select_registry(&mut m, "ghcr-acme");
    assert!(key(&mut m, KeyCode::Char('A')).is_empty());
    m
}

pub(super) fn planned() -> Vec<crate::deploy::kube::NamespaceReport> {
    vec![
        ns_report("production", Change::Create, Outcome::Unchanged),
        ns_report("staging", Change::Update, Outcome::Unchanged),
    ]
}

/// The plan of kind-dev alone.
pub(super) fn plans() -> Vec<ClusterPlan> {
    vec![ClusterPlan {
        context: "kind-dev".into(),
        planned: Ok(planned()),
    }]
}

/// From the first row (the first context) down to environment `i`: the
/// two contexts come first.
pub(super) fn to_env(m: &mut Model, i: usize) {
    for _ in 0..2 + i {
        key(m, KeyCode::Down);
    }
}

/// Opened, planned, answered: the dialog awaits the typed context name.
pub(crate) fn at_confirm() -> Model {
    let mut m = opened();
    let job = job_of(&key(&mut m, KeyCode::Enter));
    update(
        &mut m,
        Msg::ApplyPlanned {
            job,
            result: Ok(plans()),
        },
    );
    m
}

#[test]
fn opens_from_a_registry_with_all_its_environments() {
    let m = opened();
    let d = dialog(&m);
    assert_eq!(d.registry_name, "ghcr-acme");
    assert_eq!(d.checked_contexts(), ["kind-dev"], "the current one");
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
    to_env(&mut m, 1);
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(dialog(&m).checked(), ["production"]);
    key(&mut m, KeyCode::Tab);
    assert_eq!(dialog(&m).checked_contexts(), ["prod-eu"]);
    key(&mut m, KeyCode::Tab);
    assert_eq!(dialog(&m).checked_contexts(), ["kind-dev"]);
}

#[test]
fn enter_plans_the_checked_environments_in_the_context() {
    let mut m = opened();
    key(&mut m, KeyCode::Tab);
    to_env(&mut m, 0);
    key(&mut m, KeyCode::Char(' '));
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::PlanApply { target, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(target.contexts, ["prod-eu"]);
    assert_eq!(target.environments, ["staging"]);
    assert_eq!(target.registry, "reg-ghcr01");
}

#[test]
fn nothing_checked_plans_nothing() {
    let mut m = opened();
    to_env(&mut m, 0);
    key(&mut m, KeyCode::Char(' '));
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char(' '));
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(toast(&m).contains("at least one environment"));
}

#[test]
fn the_plan_is_shown_for_a_typed_confirmation() {
    let m = at_confirm();
    let ApplyStep::Confirm { plans, .. } = &dialog(&m).step else {
        panic!("not confirming")
    };
    assert_eq!(plans[0].planned.as_ref().map(Vec::len), Ok(2));
}

#[test]
fn a_failed_plan_is_shown() {
    let mut m = opened();
    let job = job_of(&key(&mut m, KeyCode::Enter));
    let result = Err(OpsError::Input("no context 'kind-dev'".into()));
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
    let [Effect::Apply { job, plans, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(plans.len(), 1);
    let job = *job;
    assert!(m.busy());
    let report = ns_report("production", Change::Create, Outcome::Applied);
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    let report = ns_report("staging", Change::Update, Outcome::Forbidden);
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    crate::tui::test_support::apply_finished(&mut m, job);
    let ApplyStep::Done { reports, .. } = &dialog(&m).step else {
        panic!("not done")
    };
    assert_eq!(reports[1].1.outcome, Outcome::Forbidden);
    assert!(toast(&m).contains("1 of 2"));
    assert!(!m.busy());
}

#[test]
fn esc_cancels_a_running_apply_and_says_what_was_done() {
    let mut m = at_confirm();
    typ(&mut m, "kind-dev");
    let job = job_of(&key(&mut m, KeyCode::Enter));
    let report = ns_report("production", Change::Create, Outcome::Applied);
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    // Esc cancels through the token; the dialog stays to show the end.
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(matches!(
        dialog(&m).step,
        ApplyStep::Applying {
            cancelling: true,
            ..
        }
    ));
    let mut report = ns_report("staging", Change::Create, Outcome::Cancelled);
    report.message = Some("cancelled before this namespace was started".into());
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    crate::tui::test_support::apply_finished(&mut m, job);
    let ApplyStep::Done { reports, .. } = &dialog(&m).step else {
        panic!("not done")
    };
    assert_eq!(reports[0].1.outcome, Outcome::Applied);
    assert_eq!(reports[1].1.outcome, Outcome::Cancelled);
    assert!(
        toast(&m).contains("1 namespace done, 1 not started"),
        "{}",
        toast(&m)
    );
    key(&mut m, KeyCode::Esc);
    assert!(m.modal.is_none());
}

#[test]
fn a_second_esc_while_cancelling_closes_and_names_what_was_done() {
    let mut m = at_confirm();
    typ(&mut m, "kind-dev");
    let job = job_of(&key(&mut m, KeyCode::Enter));
    let report = ns_report("production", Change::Create, Outcome::Applied);
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    key(&mut m, KeyCode::Esc);
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(m.modal.is_none());
    assert!(toast(&m).contains("kind-dev/env-production (applied)"));
}

#[test]
fn the_cli_options_are_offered_and_reach_the_plan() {
    let mut m = opened();
    // Below the two environments: create namespaces, adopt, service
    // account, dry run (ghcr-acme is not ECR: no token option).
    assert_eq!(dialog(&m).options().len(), 4);
    to_env(&mut m, 2);
    key(&mut m, KeyCode::Char(' ')); // create namespaces
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char(' ')); // service account
    assert_eq!(dialog(&m).checked(), ["production", "staging"]);
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::PlanApply { target, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(target.settings.create_namespaces && !target.settings.service_accounts.is_none());
    assert!(!target.settings.adopt && !target.settings.dry_run);
    assert!(target.settings.fresh_ecr_token, "the CLI's default");
}

#[test]
fn esc_cancels_the_plan_and_the_target() {
    let mut m = opened();
    let job = job_of(&key(&mut m, KeyCode::Enter));
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
    let old = job_of(&key(&mut m, KeyCode::Enter));
    key(&mut m, KeyCode::Esc);
    // The late plan of the cancelled dialog changes nothing, here or in a
    // dialog opened since.
    update(
        &mut m,
        Msg::ApplyPlanned {
            job: old,
            result: Ok(plans()),
        },
    );
    assert!(m.modal.is_none());
    key(&mut m, KeyCode::Char('A'));
    update(
        &mut m,
        Msg::ApplyPlanned {
            job: old,
            result: Ok(plans()),
        },
    );
    assert!(matches!(dialog(&m).step, ApplyStep::Target));
    update(
        &mut m,
        Msg::ApplyFinished {
            job: old,
            result: Ok(Vec::new()),
        },
    );
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
    // Nor from a container, nor by key: no Swarm or Compose either.
    assert!(key(&mut m, KeyCode::Char('A')).is_empty());
    m.screen = Screen::Containers;
    assert!(act(&mut m, Action::Apply).is_empty());
    assert!(m.modal.is_none());
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

// Swarm and Compose as targets of the same dialog.

use crate::deploy::swarm::{
    ServiceAction, ServiceOutcome, ServicePlan, ServicePreview, SwarmError,
};
use crate::ops::compose::{ComposePlan, ComposeReport};
use crate::ops::swarm::{PlannedService, ServiceResult, ServiceState};
use crate::tui::state::apply::TargetKind;

/// ↑ from the first environment reaches the target rows (at Compose); ↑
/// again and Space picks Swarm.
fn pick(m: &mut Model, kind: TargetKind) {
    key(m, KeyCode::Up);
    let steps =
        TargetKind::ALL.len() - 1 - TargetKind::ALL.iter().position(|k| *k == kind).unwrap();
    for _ in 0..steps {
        key(m, KeyCode::Up);
    }
    key(m, KeyCode::Char(' '));
    assert_eq!(dialog(m).kind, kind);
}

fn service(name: &str, image: &str, environment: &str) -> ServicePlan {
    ServicePlan {
        service: name.into(),
        image: image.into(),
        container_id: "ctr-web001".into(),
        container_name: "web".into(),
        environment: environment.into(),
    }
}

pub(crate) fn swarm_services() -> Vec<PlannedService> {
    vec![
        PlannedService {
            plan: service("web-production", "ghcr.io/acme/web:1.4.2", "production"),
            preview: ServicePreview::Create,
        },
        PlannedService {
            plan: service("web-staging", "ghcr.io/acme/web:1.5.0-rc1", "staging"),
            preview: ServicePreview::Refused(
                "service 'web-staging' exists and is not managed by regvault".into(),
            ),
        },
    ]
}

fn done(name: &str, action: ServiceAction) -> ServiceResult {
    ServiceResult {
        plan: service(name, "ghcr.io/acme/web:1.4.2", "production"),
        state: ServiceState::Done(ServiceOutcome {
            service: name.into(),
            service_id: "svc1".into(),
            image: "ghcr.io/acme/web:1.4.2".into(),
            action,
        }),
    }
}

fn swarm_report(login: LoginCheck) -> SwarmApplyReport {
    SwarmApplyReport {
        registry: "ghcr-acme".into(),
        server: "ghcr.io".into(),
        endpoint: "unix:///var/run/docker.sock".into(),
        login,
        services: Vec::new(),
        cancelled: false,
    }
}

pub(crate) fn compose_plan() -> ComposePlan {
    ComposePlan {
        compose_file: "/home/ops/shop/compose.yaml".into(),
        config: "/home/ops/.docker/config.json".into(),
        logins: vec![("ghcr-acme".into(), "ghcr.io".into())],
        images: vec!["ghcr.io/acme/web:1.4.2".into(), "redis:7".into()],
        warnings: vec![
            "redis:7: no saved registry serves it; compose pulls it without credentials".into(),
        ],
    }
}

/// The Swarm plan, awaiting `swarm`.
pub(crate) fn swarm_at_confirm() -> Model {
    let mut m = opened();
    pick(&mut m, TargetKind::Swarm);
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::PlanSwarm { job, target }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(target.registry, "reg-ghcr01");
    assert_eq!(target.environments, ["production", "staging"]);
    let job = *job;
    let result = Ok(swarm_services());
    update(&mut m, Msg::SwarmPlanned { job, result });
    m
}

/// The Compose plan, awaiting `compose`.
pub(crate) fn compose_at_confirm() -> Model {
    let mut m = opened();
    m.engines.project_dir = "/home/ops/shop".into();
    // The dialog took the directory when it opened; reopen.
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char('A'));
    pick(&mut m, TargetKind::Compose);
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::PlanCompose { job, dir }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(dir, std::path::Path::new("/home/ops/shop"));
    let job = *job;
    let result = Ok(compose_plan());
    update(&mut m, Msg::ComposePlanned { job, result });
    m
}

#[test]
fn up_and_down_move_between_targets_and_environments() {
    let mut m = opened();
    key(&mut m, KeyCode::Up);
    assert!(dialog(&m).on_targets);
    key(&mut m, KeyCode::Up);
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(dialog(&m).kind, TargetKind::Swarm);
    // Tab cycles Kubernetes contexts only.
    key(&mut m, KeyCode::Tab);
    assert_eq!(dialog(&m).checked_contexts(), ["kind-dev"]);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Down);
    assert!(!dialog(&m).on_targets, "back on the environments");
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(dialog(&m).checked(), ["staging"]);
    assert_eq!(dialog(&m).kind, TargetKind::Swarm, "moving does not pick");
    pick(&mut m, TargetKind::Kubernetes);
    assert!(matches!(
        key(&mut m, KeyCode::Enter).as_slice(),
        [Effect::PlanApply { .. }]
    ));
}

#[test]
fn swarm_plan_then_typed_swarm_applies_with_one_refused() {
    let mut m = swarm_at_confirm();
    let ApplyStep::SwarmConfirm { services, .. } = &dialog(&m).step else {
        panic!("not confirming")
    };
    assert_eq!(services.len(), 2);
    typ(&mut m, "kind-dev");
    assert!(
        key(&mut m, KeyCode::Enter).is_empty(),
        "the context name is not it"
    );
    assert!(toast(&m).contains("'swarm'"));
    for _ in 0.."kind-dev".len() {
        key(&mut m, KeyCode::Backspace);
    }
    typ(&mut m, "swarm");
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::ApplySwarm { job, target }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(target.environments, ["production", "staging"]);
    let job = *job;
    assert!(m.busy());
    let result = done("web-production", ServiceAction::Created);
    update(&mut m, Msg::SwarmProgress { job, result });
    let result = ServiceResult {
        plan: service("web-staging", "ghcr.io/acme/web:1.5.0-rc1", "staging"),
        state: ServiceState::Failed(SwarmError::Unmanaged("web-staging".into())),
    };
    update(&mut m, Msg::SwarmProgress { job, result });
    update(
        &mut m,
        Msg::SwarmFinished {
            job,
            result: Ok(swarm_report(LoginCheck::Ok)),
        },
    );
    let ApplyStep::SwarmDone { done, error, .. } = &dialog(&m).step else {
        panic!("not done")
    };
    assert!(error.is_none());
    assert!(!done[0].failed());
    assert!(done[1].failed());
    assert!(toast(&m).contains("1 of 2"));
    assert!(!m.busy());
    key(&mut m, KeyCode::Enter);
    assert!(m.modal.is_none());
}

#[test]
fn a_refused_swarm_login_applies_nothing_and_says_why() {
    let mut m = swarm_at_confirm();
    typ(&mut m, "swarm");
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::ApplySwarm { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let job = *job;
    let result = Ok(swarm_report(LoginCheck::BadCredentials {
        detail: "unauthorized".into(),
    }));
    update(&mut m, Msg::SwarmFinished { job, result });
    assert!(
        matches!(&dialog(&m).step, ApplyStep::SwarmDone { error: Some(_), done, .. } if done.is_empty())
    );
    assert!(toast(&m).contains("refused"));
}

#[test]
fn esc_cancels_a_swarm_apply_and_names_what_was_done() {
    let mut m = swarm_at_confirm();
    typ(&mut m, "swarm");
    let job = match key(&mut m, KeyCode::Enter).as_slice() {
        [Effect::ApplySwarm { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    let result = done("web-production", ServiceAction::Updated);
    update(&mut m, Msg::SwarmProgress { job, result });
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    // The service not yet started reports as such; the dialog shows it.
    let result = ServiceResult {
        plan: service("web-staging", "ghcr.io/acme/web:1.5.0-rc1", "staging"),
        state: ServiceState::Cancelled,
    };
    update(&mut m, Msg::SwarmProgress { job, result });
    let mut report = swarm_report(LoginCheck::Ok);
    report.cancelled = true;
    update(
        &mut m,
        Msg::SwarmFinished {
            job,
            result: Ok(report),
        },
    );
    assert!(
        toast(&m).contains("1 service done, 1 not started"),
        "{}",
        toast(&m)
    );
    let ApplyStep::SwarmDone { done, .. } = &dialog(&m).step else {
        panic!("not done")
    };
    assert_eq!(done[1].state, ServiceState::Cancelled);
}

#[test]
fn compose_plan_then_typed_compose_writes_and_shows_the_result() {
    let mut m = compose_at_confirm();
    let ApplyStep::ComposeConfirm { plan, .. } = &dialog(&m).step else {
        panic!("not confirming")
    };
    assert_eq!(plan.logins.len(), 1);
    typ(&mut m, "swarm");
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(toast(&m).contains("'compose'"));
    for _ in 0..5 {
        key(&mut m, KeyCode::Backspace);
    }
    typ(&mut m, "compose");
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::ApplyCompose { job, dir }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(dir, std::path::Path::new("/home/ops/shop"));
    let job = *job;
    assert!(m.busy());
    let line = "ghcr.io: login of 'ghcr-acme' written to /home/ops/.docker/config.json";
    let mut plan = compose_plan();
    plan.warnings.clear();
    let result = Ok(ComposeReport {
        plan,
        written: true,
        pulled: Vec::new(),
    });
    update(&mut m, Msg::ComposeApplied { job, result });
    assert!(matches!(&dialog(&m).step, ApplyStep::ComposeDone { lines } if lines[0] == line));
    assert!(!m.busy());
}

#[test]
fn a_compose_project_without_a_compose_file_is_a_failed_plan() {
    let mut m = opened();
    pick(&mut m, TargetKind::Compose);
    let job = match key(&mut m, KeyCode::Enter).as_slice() {
        [Effect::PlanCompose { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    let result = Err(OpsError::Input("no compose file in /tmp".into()));
    update(&mut m, Msg::ComposePlanned { job, result });
    assert!(matches!(dialog(&m).step, ApplyStep::Failed { .. }));
}

#[test]
fn the_demo_says_to_use_the_cli() {
    use crate::tui::apply::{Applier, NoCluster, Store, SwarmTarget};
    let data: Store = std::sync::Arc::new(crate::ops::Snapshot(std::sync::Arc::default()));
    let target = SwarmTarget {
        registry: "reg-ghcr01".into(),
        environments: vec!["production".into()],
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = rt
        .block_on(NoCluster.swarm_plan(data.clone(), target, crate::ops::Cancel::new()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("regvault swarm apply"), "{err}");
    let err = rt
        .block_on(NoCluster.compose_plan(data, "/".into()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("regvault compose login"), "{err}");
}
