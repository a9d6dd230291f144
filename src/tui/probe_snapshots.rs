//! Snapshots of issue #13's Test Connection, demo and Custom screens, at
//! 80×24 and 120×40: the step list passing and failing in the form and in
//! the panel `t` opens (for a container's image too), running with its
//! elapsed time, TUI-phrased advice (keys, never CLI flags), the DEMO badge
//! and the demo cluster's Apply plan and "would apply" results.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt as _;
use ratatui::crossterm::event::KeyCode;

use super::demo_cluster::{DemoCluster, demo_plan};
use super::effect::Effect;
use super::keymap::Action;
use super::msg::Msg;
use super::state::Model;
use super::test_support::{self as fixtures, GHP, act, ctrl, fill_ghcr, key, select_registry, typ};
use super::tests::draw;
use super::update::update;
use crate::ops::test::TestReport;
use crate::probe::{Advice, Outcome, ProbeReport, Step, StepKind, StepStatus};
use crate::registry::RegistryKind;

fn step(kind: StepKind, status: StepStatus, detail: &str) -> Step {
    Step {
        step: kind,
        status,
        detail: detail.into(),
    }
}

/// A live check as the probe reports it: `steps`, then the outcome.
fn live(steps: Vec<Step>, outcome: Outcome, hint: &str, advice: Option<Advice>) -> TestReport {
    TestReport {
        probe: ProbeReport {
            steps,
            outcome,
            hint: hint.into(),
            endpoint: Some("https://ghcr.io".into()),
            image: None,
            ecr: None,
            elapsed_ms: 412,
            advice,
        },
        findings: Vec::new(),
    }
}

fn login_steps() -> Vec<Step> {
    use StepStatus::Passed;
    vec![
        step(
            StepKind::Structure,
            Passed,
            "all fields present and well-formed",
        ),
        step(
            StepKind::HostReached,
            Passed,
            "GET https://ghcr.io/v2/ → 401",
        ),
        step(
            StepKind::TlsVerified,
            Passed,
            "certificate valid for ghcr.io",
        ),
        step(
            StepKind::Challenge,
            Passed,
            "Bearer realm=https://ghcr.io/token",
        ),
    ]
}

fn passing() -> TestReport {
    let mut steps = login_steps();
    steps.push(step(
        StepKind::CredentialsAccepted,
        StepStatus::Passed,
        "token for octo-cat → 200",
    ));
    steps.push(step(
        StepKind::PullPermission,
        StepStatus::Passed,
        "HEAD acme/web manifests/1.4.2 → 200",
    ));
    live(steps, Outcome::Ok, "ghcr.io can pull acme/web:1.4.2", None)
}

/// Refused at the credentials step; the probe's hint names a CLI command.
fn refused() -> TestReport {
    let mut steps = login_steps();
    steps.push(step(
        StepKind::CredentialsAccepted,
        StepStatus::Failed,
        "the token service ghcr.io refused octo-cat (401)",
    ));
    live(
        steps,
        Outcome::BadCredentials,
        "the token service ghcr.io refused the username or secret (401) — check them, or rotate them with regvault registry update",
        Some(Advice::CheckCredentials),
    )
}

fn answer(m: &mut Model, effects: &[Effect], report: TestReport) {
    let Some(Effect::RunProbe { job, .. }) = effects.last() else {
        panic!("no probe: {effects:?}")
    };
    update(
        m,
        Msg::ProbeDone {
            job: *job,
            report,
            recorded: None,
        },
    );
}

/// Both sizes; nothing the probe phrased for the CLI reaches the screen.
fn snap_both(name: &str, m: &Model) {
    for (w, h) in [(80, 24), (120, 40)] {
        let t = draw(m, w, h);
        let text = t.backend().to_string();
        assert!(!text.contains("regvault registry"), "a CLI hint:\n{text}");
        assert!(!text.contains("--"), "a CLI flag:\n{text}");
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

fn form_tested(report: TestReport) -> Model {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-team", GHP);
    act(&mut m, Action::NextField);
    typ(&mut m, "acme/web:1.4.2");
    let effects = ctrl(&mut m, 't');
    answer(&mut m, &effects, report);
    m
}

#[test]
fn form_step_list_passing() {
    snap_both("probe_form_passing", &form_tested(passing()));
}

#[test]
fn form_step_list_failing_names_the_step_and_the_key() {
    let m = form_tested(refused());
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("✗ credentials accepted"), "{text}");
    assert!(text.contains("Ctrl-R reveals"), "{text}");
    snap_both("probe_form_failing", &m);
}

#[test]
fn form_running_shows_the_elapsed_time_against_the_limit() {
    let mut m = fixtures::full();
    m.probe_timeout = Duration::from_secs(10);
    fill_ghcr(&mut m, "ghcr-team", GHP);
    ctrl(&mut m, 't');
    m.now = fixtures::now() + jiff::SignedDuration::from_millis(3200);
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("3.2 s / 10 s"), "{text}");
    snap_both("probe_form_running", &m);
}

#[test]
fn custom_form_untrusted_ca_points_at_the_ca_field_and_ctrl_o() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    m.form
        .as_mut()
        .expect("form")
        .set_kind(RegistryKind::Custom);
    let steps = vec![
        step(
            StepKind::Structure,
            StepStatus::Passed,
            "all fields present and well-formed",
        ),
        step(
            StepKind::HostReached,
            StepStatus::Failed,
            "TLS: registry.internal:5000's certificate is signed by an unknown authority",
        ),
    ];
    let effects = ctrl(&mut m, 't');
    answer(
        &mut m,
        &effects,
        live(
            steps,
            Outcome::TlsUntrusted,
            "registry.internal:5000's certificate is signed by an unknown authority — give the registry's CA bundle (regvault registry update ID --ca-file ca.pem)",
            Some(Advice::TrustCa),
        ),
    );
    let text = draw(&m, 120, 40).backend().to_string();
    assert!(text.contains("press Ctrl-O"), "{text}");
    snap_both("probe_form_custom_untrusted", &m);
}

#[test]
fn panel_from_the_list_passing_and_failing() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    let effects = key(&mut m, KeyCode::Char('t'));
    answer(&mut m, &effects, passing());
    snap_both("probe_panel_passing", &m);
    let effects = key(&mut m, KeyCode::Char('t'));
    answer(&mut m, &effects, refused());
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("press e to edit"), "{text}");
    snap_both("probe_panel_failing", &m);
}

#[test]
fn panel_for_a_container_names_the_missing_repository() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    m.refresh_rows();
    let rows = m.container_rows();
    m.containers.selected = rows
        .iter()
        .position(|&i| m.data.containers[i].name == "web")
        .expect("web");
    let effects = key(&mut m, KeyCode::Char('t'));
    let mut steps = login_steps();
    steps.push(step(
        StepKind::CredentialsAccepted,
        StepStatus::Passed,
        "token for octo-cat → 200",
    ));
    steps.push(step(
        StepKind::PullPermission,
        StepStatus::Failed,
        "HEAD acme/nope manifests/1.0 → 404 (repository acme/nope not found)",
    ));
    answer(
        &mut m,
        &effects,
        live(
            steps,
            Outcome::NotFound,
            "ghcr.io has no repository acme/nope",
            None,
        ),
    );
    snap_both("probe_panel_container", &m);
}

fn demo() -> Model {
    let mut m = fixtures::full();
    m.ctx.demo = true;
    m.kube = super::apply::Applier::contexts(&DemoCluster);
    m
}

#[test]
fn the_demo_wears_a_badge_and_labels_its_offline_check() {
    let mut m = demo();
    insta::assert_snapshot!("demo_badge_80x24", draw(&m, 80, 24).backend());
    select_registry(&mut m, "ghcr-acme");
    let effects = key(&mut m, KeyCode::Char('t'));
    let report = TestReport::new(Outcome::Ok, super::runtime::STRUCTURE_OK);
    let report = TestReport {
        probe: ProbeReport {
            steps: vec![step(
                StepKind::Structure,
                StepStatus::Passed,
                "well-formed, 0 warnings",
            )],
            ..report.probe
        },
        ..report
    };
    answer(&mut m, &effects, report);
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("Offline check (demo)"), "{text}");
    insta::assert_snapshot!("demo_offline_check_80x24", draw(&m, 80, 24).backend());
}

/// The demo's Apply of ghcr-acme, planned by the demo cluster.
fn demo_planned() -> (Model, super::apply::ApplyTarget) {
    let mut m = demo();
    select_registry(&mut m, "ghcr-acme");
    key(&mut m, KeyCode::Char('A'));
    let (job, target) = match key(&mut m, KeyCode::Enter).as_slice() {
        [Effect::PlanApply { job, target }] => (*job, target.clone()),
        other => panic!("{other:?}"),
    };
    let result = Ok(target
        .contexts
        .iter()
        .map(|context| super::apply::ClusterPlan {
            context: context.clone(),
            planned: demo_plan(&m.data, &target, fixtures::now()),
        })
        .collect());
    update(&mut m, Msg::ApplyPlanned { job, result });
    (m, target)
}

#[test]
fn the_demo_apply_shows_a_full_plan_and_what_it_would_do() {
    let (mut m, _) = demo_planned();
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("Deployment"), "a full plan:\n{text}");
    assert!(text.contains("DEMO cluster"), "{text}");
    snap_both("demo_apply_plan", &m);
    typ(&mut m, "demo-dev");
    let (job, target, plans) = match act(&mut m, Action::Confirm).as_slice() {
        [Effect::Apply { job, target, plans }] => (*job, target.clone(), plans.clone()),
        other => panic!("{other:?}"),
    };
    // The demo cluster "applies" at once and sends nothing.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let progress: super::apply::ApplyProgress = Arc::new(move |c: &str, r| {
        sink.lock().unwrap().push((c.to_owned(), r.clone()));
    });
    let store: super::apply::Store = Arc::new(crate::ops::Snapshot(Arc::clone(&m.data)));
    let finish = super::apply::Applier::apply(
        &DemoCluster,
        store,
        target,
        plans,
        progress,
        crate::ops::Cancel::default(),
    )
    .now_or_never()
    .expect("the demo cluster answers at once");
    for (context, report) in seen.lock().unwrap().drain(..) {
        assert_eq!(
            report.message.as_deref(),
            Some(super::demo_cluster::WOULD_APPLY)
        );
        fixtures::progress(&mut m, job, &context, report);
    }
    update(
        &mut m,
        Msg::ApplyFinished {
            job,
            result: finish,
        },
    );
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("nothing was sent"), "{text}");
    snap_both("demo_apply_results", &m);
}
