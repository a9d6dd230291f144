//! `update` tests of the Apply dialog across several clusters: the
//! context checklist, the service-account option, the plan per cluster,
//! the typed confirm naming every context, and one cluster's failure shown
//! in its group without stopping the others.

use ratatui::crossterm::event::KeyCode;

use super::apply_tests::{dialog, job_of, opened, planned, plans, to_env};
use super::update;
use crate::deploy::kube::{Change, Outcome};
use crate::tui::apply::{ClusterError, ClusterPlan};
use crate::tui::effect::Effect;
use crate::tui::msg::Msg;
use crate::tui::state::Model;
use crate::tui::state::apply::ApplyStep;
use crate::tui::test_support::{key, ns_report, toast, typ};

#[test]
fn space_checks_contexts_and_a_checks_them_all() {
    let mut m = opened();
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(dialog(&m).checked_contexts(), ["kind-dev", "prod-eu"]);
    key(&mut m, KeyCode::Up);
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(dialog(&m).checked_contexts(), ["prod-eu"]);
    assert_eq!(dialog(&m).checked(), ["production", "staging"], "untouched");
    key(&mut m, KeyCode::Char('a'));
    assert_eq!(dialog(&m).checked_contexts(), ["kind-dev", "prod-eu"]);
    key(&mut m, KeyCode::Char('a'));
    assert!(dialog(&m).checked_contexts().is_empty(), "again: none");
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(toast(&m).contains("at least one context"), "{}", toast(&m));
    key(&mut m, KeyCode::Char('a'));
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::PlanApply { target, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(target.contexts, ["kind-dev", "prod-eu"]);
}

#[test]
fn the_service_account_option_cycles_default_all_none() {
    use crate::deploy::kube::ServiceAccounts;
    let mut m = opened();
    to_env(&mut m, 4); // create namespaces, adopt, then ServiceAccounts
    let sa = |m: &Model| dialog(m).settings.service_accounts.clone();
    assert_eq!(sa(&m), ServiceAccounts::None);
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(sa(&m), ServiceAccounts::Named(vec!["default".into()]));
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(sa(&m), ServiceAccounts::All);
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::PlanApply { target, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(target.settings.service_accounts, ServiceAccounts::All);
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char('A'));
    to_env(&mut m, 4);
    for _ in 0..3 {
        key(&mut m, KeyCode::Char(' '));
    }
    assert_eq!(sa(&m), ServiceAccounts::None, "and back to none");
}

/// Both contexts planned; prod-eu could not be (forbidden).
fn at_fleet_confirm() -> Model {
    let mut m = opened();
    key(&mut m, KeyCode::Char('a'));
    let job = job_of(&key(&mut m, KeyCode::Enter));
    let mut result = plans();
    result.push(ClusterPlan {
        context: "prod-eu".into(),
        planned: Err("forbidden: namespaces is forbidden".into()),
    });
    update(
        &mut m,
        Msg::ApplyPlanned {
            job,
            result: Ok(result),
        },
    );
    m
}

#[test]
fn several_contexts_need_every_name_typed_and_a_failed_cluster_does_not_stop_the_others() {
    let mut m = at_fleet_confirm();
    let ApplyStep::Confirm { plans, .. } = &dialog(&m).step else {
        panic!("a failed cluster is shown in its group, not instead of the plan")
    };
    assert!(plans[1].planned.is_err());
    typ(&mut m, "kind-dev");
    assert!(
        key(&mut m, KeyCode::Enter).is_empty(),
        "one name is not all"
    );
    assert!(toast(&m).contains("'kind-dev,prod-eu'"), "{}", toast(&m));
    typ(&mut m, ",prod-eu");
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::Apply { job, plans, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(plans.len(), 2, "the applier skips the unplanned one");
    let job = *job;
    let report = ns_report("production", Change::Create, Outcome::Applied);
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    crate::tui::test_support::apply_finished(&mut m, job);
    let ApplyStep::Done { reports, plans, .. } = &dialog(&m).step else {
        panic!("not done")
    };
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].0, "kind-dev");
    assert!(plans[1].planned.is_err(), "prod-eu's reason stays shown");
    assert!(
        toast(&m).contains("1 of 2 clusters, 0 namespaces failed"),
        "{}",
        toast(&m)
    );
}

#[test]
fn a_cluster_failing_at_apply_is_named_with_the_others_results() {
    let mut m = opened();
    key(&mut m, KeyCode::Char('a'));
    let job = job_of(&key(&mut m, KeyCode::Enter));
    let mut result = plans();
    result.push(ClusterPlan {
        context: "prod-eu".into(),
        planned: Ok(planned()),
    });
    update(
        &mut m,
        Msg::ApplyPlanned {
            job,
            result: Ok(result),
        },
    );
    typ(&mut m, "kind-dev,prod-eu");
    let job = job_of(&key(&mut m, KeyCode::Enter));
    for env in ["production", "staging"] {
        let report = ns_report(env, Change::Create, Outcome::Applied);
        crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    }
    let failure = ClusterError {
        context: "prod-eu".into(),
        message: "cannot reach the cluster: connection refused".into(),
    };
    update(
        &mut m,
        Msg::ApplyFinished {
            job,
            result: Ok(vec![failure]),
        },
    );
    let ApplyStep::Done {
        reports, failures, ..
    } = &dialog(&m).step
    else {
        panic!("not done")
    };
    assert_eq!(reports.len(), 2, "kind-dev's results stand");
    assert_eq!(failures[0].context, "prod-eu");
    assert!(
        toast(&m).contains("1 of 2 clusters, 0 namespaces failed"),
        "{}",
        toast(&m)
    );
}

#[test]
fn every_cluster_failing_to_plan_is_a_failed_plan() {
    let mut m = opened();
    let job = job_of(&key(&mut m, KeyCode::Enter));
    let result = Ok(vec![ClusterPlan {
        context: "kind-dev".into(),
        planned: Err("cannot reach the cluster".into()),
    }]);
    update(&mut m, Msg::ApplyPlanned { job, result });
    let ApplyStep::Failed { message } = &dialog(&m).step else {
        panic!("nothing to confirm")
    };
    assert!(message.contains("kind-dev: cannot reach"), "{message}");
}
