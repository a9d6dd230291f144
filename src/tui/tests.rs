//! Snapshots of every screen and dialog on a fixed 80×24 `TestBackend`,
//! with the clock, user and vault path injected (see `test_support`). Every
//! render is also checked for the demo's secrets: none may reach the screen.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::effect::Effect;
// `fixtures::…`: the name the snapshots' recorded expressions use.
use super::keymap::Action;
use super::msg::Msg;
use super::runtime::{STRUCTURE_OK, offline};
use super::state::Model;
use super::test_support::{self as fixtures, GHP, act, fill_ghcr, select_registry, typ};
use super::update::update;
use super::view;
use crate::registry::{self, RegistryKind};

/// Substrings of the demo's fake secrets; a snapshot containing one leaks.
const SECRETS: [&str; 7] = [
    "ghp_DEMO",
    "dckr_pat_DEMO",
    "DEMOfakeSecretKey",
    "DEMO-fake-acr",
    "PRIVATE KEY",
    "DEMOFAKEQUAY",
    "DEMO-fake-harbor",
];

pub(super) fn draw(m: &Model, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| view::render(f, m)).expect("draw");
    let text = terminal.backend().to_string();
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s} on screen:\n{text}");
    }
    terminal
}

macro_rules! snap {
    ($name:literal, $model:expr) => {
        insta::assert_snapshot!($name, draw(&$model, 80, 24).backend())
    };
}

/// A new GHCR form filled with `token`.
fn ghcr_form(token: &str) -> Model {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-team", token);
    m
}

/// Starts Test Connection and returns the job and the structural report.
fn run_test(m: &mut Model) -> Msg {
    let Some(Effect::RunProbe {
        job,
        kind,
        credentials,
        ..
    }) = act(m, Action::TestConnection).pop()
    else {
        panic!("no probe started")
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let cancel = crate::ops::Cancel::new();
    let opts = crate::probe::ProbeOptions::default();
    let report = rt.block_on(offline().test(kind, &credentials, &opts, &cancel));
    Msg::ProbeDone {
        job,
        report,
        recorded: None,
    }
}

#[test]
fn demo_seed_has_every_kind_and_passes_the_structural_check() {
    let data = fixtures::demo();
    for kind in RegistryKind::ALL {
        let r = data
            .registries
            .iter()
            .find(|r| r.kind == kind)
            .unwrap_or_else(|| panic!("{kind} missing"));
        let findings = registry::validate(kind, &r.credentials);
        assert!(!registry::has_errors(&findings), "{kind}: {findings:?}");
    }
    assert!(
        data.containers
            .iter()
            .any(|c| c.environment == "production")
    );
    assert!(data.containers.iter().any(|c| c.environment == "staging"));
}

#[test]
fn registries_empty() {
    snap!("registries_empty", fixtures::empty());
}

#[test]
fn registries_full() {
    snap!("registries_full", fixtures::full());
}

/// The members a registry's creator named (`regvault registry delegate`)
/// are shown, not edited, in the detail pane.
#[test]
fn registry_delegates_shown() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    let i = m.registry_rows()[m.registries.selected];
    std::sync::Arc::make_mut(&mut m.data).registries[i].delegates =
        vec!["sha256:0123456789abcdef".into(), "bob".into()];
    snap!("registry_delegates_shown", m);
}

#[test]
fn registries_filtered() {
    let mut m = fixtures::full();
    act(&mut m, Action::Filter);
    typ(&mut m, "acme");
    snap!("registries_filtered", m);
}

#[test]
fn registries_read_only() {
    let mut m = fixtures::full();
    m.ctx.read_only = true;
    snap!("registries_read_only", m);
}

#[test]
fn registries_after_save_toast() {
    let mut m = ghcr_form(GHP);
    let Some(Effect::Save { job, .. }) = act(&mut m, Action::Save).pop() else {
        panic!()
    };
    update(&mut m, Msg::VaultSaved { job });
    // The model generates ids at random; pin the new one for the snapshot.
    let mut data = crate::model::VaultData::clone(&m.data);
    let r = data
        .registries
        .iter_mut()
        .find(|r| r.name == "ghcr-team")
        .expect("saved");
    r.id = crate::model::RegistryId::parse("reg-team01").expect("id");
    m.set_data(std::sync::Arc::new(data));
    snap!("registries_after_save_toast", m);
}

#[test]
fn form_kind_dropdown_open() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::Open);
    act(&mut m, Action::MoveDown);
    act(&mut m, Action::MoveDown);
    snap!("form_kind_dropdown_open", m);
}

#[test]
fn form_of_each_kind() {
    for kind in RegistryKind::ALL {
        let mut m = fixtures::full();
        act(&mut m, Action::Add);
        m.form.as_mut().expect("form").set_kind(kind);
        act(&mut m, Action::NextField);
        let name = format!("form_{}", kind.type_key().to_lowercase());
        insta::assert_snapshot!(name, draw(&m, 80, 24).backend());
    }
}

#[test]
fn form_custom_marked_insecure() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    m.form
        .as_mut()
        .expect("form")
        .set_kind(RegistryKind::Custom);
    m.form.as_mut().expect("form").focus = 2;
    typ(&mut m, "http://10.0.0.5:5000");
    let f = m.form.as_mut().expect("form");
    f.focus = f
        .fields
        .iter()
        .position(|x| x.key == crate::tui::state::form::FieldKey::Insecure)
        .expect("the Insecure field");
    crate::tui::test_support::key(&mut m, ratatui::crossterm::event::KeyCode::Right);
    snap!("form_custom_marked_insecure", m);
}

#[test]
fn form_edit_masks_secrets() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ecr-prod");
    act(&mut m, Action::Edit);
    snap!("form_edit_ecr", m);
}

#[test]
fn form_validation_errors() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    act(&mut m, Action::NextField);
    typ(&mut m, "me@example.com");
    act(&mut m, Action::NextField);
    typ(&mut m, "ghp_short");
    act(&mut m, Action::Save);
    snap!("form_validation_errors", m);
}

#[test]
fn form_test_running() {
    let mut m = ghcr_form(GHP);
    let _ = run_test(&mut m);
    snap!("form_test_running", m);
}

#[test]
fn form_test_passed() {
    let mut m = ghcr_form(GHP);
    let done = run_test(&mut m);
    update(&mut m, done);
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("offline check"), "{text}");
    assert!(
        STRUCTURE_OK.contains("not contacted"),
        "the offline check must say it contacted nothing"
    );
    snap!("form_test_passed", m);
}

#[test]
fn form_test_failed() {
    let mut m = ghcr_form("github_pat_tooshort");
    let done = run_test(&mut m);
    update(&mut m, done);
    snap!("form_test_failed", m);
}

#[test]
fn delete_refused_referenced() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Delete);
    snap!("delete_refused_referenced", m);
}

#[test]
fn delete_refused_not_creator() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ecr-prod");
    act(&mut m, Action::Delete);
    snap!("delete_refused_not_creator", m);
}

#[test]
fn delete_confirm() {
    let mut m = fixtures::full();
    select_registry(&mut m, "harbor-lab");
    act(&mut m, Action::Delete);
    typ(&mut m, "harbor");
    snap!("delete_confirm", m);
}

#[test]
fn containers_list() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    snap!("containers_list", m);
}

#[test]
fn container_form() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    act(&mut m, Action::Add);
    typ(&mut m, "worker");
    act(&mut m, Action::NextField);
    act(&mut m, Action::NextField);
    typ(&mut m, "ghcr.io/acme/Worker");
    snap!("container_form", m);
}

#[test]
fn container_registry_dropdown() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    act(&mut m, Action::Open);
    act(&mut m, Action::MoveDown);
    snap!("container_registry_dropdown", m);
}

#[test]
fn container_delete_confirm() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    act(&mut m, Action::Delete);
    snap!("container_delete_confirm", m);
}

#[test]
fn help() {
    let mut m = fixtures::full();
    act(&mut m, Action::Help);
    snap!("help", m);
}

#[test]
fn command_line() {
    let mut m = fixtures::full();
    act(&mut m, Action::CommandLine);
    typ(&mut m, "containers");
    snap!("command_line", m);
}

#[test]
fn quit_confirm() {
    let mut m = ghcr_form(GHP);
    act(&mut m, Action::Quit);
    snap!("quit_confirm", m);
}

#[test]
fn first_run() {
    let m = Model::new(
        fixtures::ctx(),
        super::keymap::Keymap::defaults(),
        None,
        fixtures::now(),
    );
    snap!("first_run", m);
}

#[test]
fn too_small() {
    insta::assert_snapshot!("too_small", draw(&fixtures::full(), 59, 20).backend());
}

/// Below 60×20 with a form half filled: the edits are kept, and the
/// screen says how to get back to them (or quit anyway).
#[test]
fn too_small_with_unsaved_edits() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-team", GHP);
    insta::assert_snapshot!("too_small_with_unsaved_edits", draw(&m, 50, 15).backend());
}

/// The demo with two contexts and the Apply dialog open on ghcr-acme.
fn apply_opened() -> (Model, u64) {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Apply);
    let job = match act(&mut m, Action::Confirm).as_slice() {
        [Effect::PlanApply { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    (m, job)
}

fn apply_planned() -> (Model, u64) {
    use crate::deploy::kube::{Change, Outcome};
    let (mut m, job) = apply_opened();
    let result = Ok(vec![crate::tui::apply::ClusterPlan {
        context: "kind-dev".into(),
        planned: Ok(vec![
            fixtures::ns_report("production", Change::Create, Outcome::Unchanged),
            fixtures::ns_report("staging", Change::Update, Outcome::Unchanged),
        ]),
    }]);
    update(&mut m, Msg::ApplyPlanned { job, result });
    (m, job)
}

/// Both contexts checked (`a`) and planned; prod-eu is forbidden to list
/// namespaces, kind-dev's plan stands.
fn fleet_planned() -> (Model, u64) {
    use crate::deploy::kube::{Change, Outcome};
    use crate::tui::apply::ClusterPlan;
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Apply);
    act(&mut m, Action::AllContexts);
    let job = match act(&mut m, Action::Confirm).as_slice() {
        [Effect::PlanApply { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    let result = Ok(vec![
        ClusterPlan {
            context: "kind-dev".into(),
            planned: Ok(vec![
                fixtures::ns_report("production", Change::Create, Outcome::Unchanged),
                fixtures::ns_report("staging", Change::Update, Outcome::Unchanged),
            ]),
        },
        ClusterPlan {
            context: "prod-eu".into(),
            planned: Err(
                "forbidden: namespaces is forbidden: User \"ci\" cannot list \
                          resource \"namespaces\""
                    .into(),
            ),
        },
    ]);
    update(&mut m, Msg::ApplyPlanned { job, result });
    (m, job)
}

/// kind-dev and a second cluster both planned, then applied: kind-dev's
/// staging forbidden, the other cluster unreachable at apply.
fn fleet_done() -> Model {
    use crate::deploy::kube::{Change, Outcome};
    use crate::tui::apply::{ClusterError, ClusterPlan};
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Apply);
    act(&mut m, Action::AllContexts);
    let job = match act(&mut m, Action::Confirm).as_slice() {
        [Effect::PlanApply { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    let planned = vec![
        fixtures::ns_report("production", Change::Create, Outcome::Unchanged),
        fixtures::ns_report("staging", Change::Update, Outcome::Unchanged),
    ];
    let result = Ok(["kind-dev", "prod-eu"]
        .map(|c| ClusterPlan {
            context: c.into(),
            planned: Ok(planned.clone()),
        })
        .to_vec());
    update(&mut m, Msg::ApplyPlanned { job, result });
    typ(&mut m, "kind-dev,prod-eu");
    let job = match act(&mut m, Action::Confirm).as_slice() {
        [Effect::Apply { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    for (env, outcome) in [
        ("production", Outcome::Applied),
        ("staging", Outcome::Forbidden),
    ] {
        let report = fixtures::ns_report(env, Change::Create, outcome);
        crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    }
    let failure = ClusterError {
        context: "prod-eu".into(),
        message: "cannot reach the cluster at https://10.0.0.7:6443: connection refused".into(),
    };
    update(
        &mut m,
        Msg::ApplyFinished {
            job,
            result: Ok(vec![failure]),
        },
    );
    m
}

#[test]
fn apply_fleet_target_both_checked() {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    m.engines.project_dir = "/home/ops/shop".into();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Apply);
    act(&mut m, Action::AllContexts);
    snap!("apply_fleet_target_both_checked", m);
}

#[test]
fn apply_fleet_plan_one_cluster_forbidden() {
    let (mut m, _) = fleet_planned();
    typ(&mut m, "kind-dev,pr");
    snap!("apply_fleet_plan_one_cluster_forbidden", m);
}

#[test]
fn apply_fleet_results_one_cluster_unreachable() {
    snap!("apply_fleet_results_one_cluster_unreachable", fleet_done());
}

/// Two clusters × eight namespaces do not fit 24 rows: the typed confirm
/// stays in sight, the middle of the plan is elided.
#[test]
fn apply_fleet_long_plan_keeps_the_typed_confirm() {
    use crate::deploy::kube::{Change, Outcome};
    use crate::tui::apply::ClusterPlan;
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Apply);
    act(&mut m, Action::AllContexts);
    let job = match act(&mut m, Action::Confirm).as_slice() {
        [Effect::PlanApply { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    let planned: Vec<_> = ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .map(|e| fixtures::ns_report(e, Change::Create, Outcome::Unchanged))
        .collect();
    let result = Ok(["kind-dev", "prod-eu"]
        .map(|c| ClusterPlan {
            context: c.into(),
            planned: Ok(planned.clone()),
        })
        .to_vec());
    update(&mut m, Msg::ApplyPlanned { job, result });
    typ(&mut m, "kind-dev,prod-eu");
    snap!("apply_fleet_long_plan_keeps_the_typed_confirm", m);
}

#[test]
fn apply_fleet_results_120x40() {
    insta::assert_snapshot!(
        "apply_fleet_results_120x40",
        draw(&fleet_done(), 120, 40).backend()
    );
}

fn apply_running() -> (Model, u64) {
    let (mut m, _) = apply_planned();
    typ(&mut m, "kind-dev");
    let job = match act(&mut m, Action::Confirm).as_slice() {
        [Effect::Apply { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    (m, job)
}

#[test]
fn apply_target() {
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    m.engines.project_dir = "/home/ops/shop".into();
    select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Apply);
    snap!("apply_target", m);
}

#[test]
fn apply_plan_shown() {
    snap!("apply_plan_shown", apply_planned().0);
}

#[test]
fn apply_typed_confirm() {
    let (mut m, _) = apply_planned();
    typ(&mut m, "kind-d");
    snap!("apply_typed_confirm", m);
}

#[test]
fn apply_progress() {
    use crate::deploy::kube::{Change, Outcome};
    let (mut m, job) = apply_running();
    let report = fixtures::ns_report("production", Change::Create, Outcome::Applied);
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    update(&mut m, Msg::Tick);
    snap!("apply_progress", m);
}

#[test]
fn apply_results_one_forbidden() {
    use crate::deploy::kube::{Change, Outcome};
    let (mut m, job) = apply_running();
    let report = fixtures::ns_report("production", Change::Create, Outcome::Applied);
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    let report = fixtures::ns_report("staging", Change::Update, Outcome::Forbidden);
    crate::tui::test_support::progress(&mut m, job, "kind-dev", report);
    crate::tui::test_support::apply_finished(&mut m, job);
    snap!("apply_results_one_forbidden", m);
}

#[test]
fn prune_offer() {
    let m = crate::tui::update::prune_offered();
    snap!("prune_offer", m);
}

#[test]
fn apply_swarm_plan() {
    snap!("apply_swarm_plan", crate::tui::update::swarm_at_confirm());
}

#[test]
fn apply_compose_plan() {
    snap!(
        "apply_compose_plan",
        crate::tui::update::compose_at_confirm()
    );
}

/// The import checklist from the fixture config.json (a fixed fake path:
/// no real user file reaches a snapshot).
#[test]
fn import_checklist() {
    let m = super::update::import_previewed();
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(
        !text.contains("FIXTURE"),
        "a secret of the fixture on screen:\n{text}"
    );
    snap!("import_checklist", m);
}

#[test]
fn import_rename() {
    let mut m = super::update::import_previewed();
    act(&mut m, Action::MoveDown);
    act(&mut m, Action::MoveDown);
    act(&mut m, Action::Edit);
    snap!("import_rename", m);
}

#[test]
fn registries_after_import() {
    let mut m = super::update::import_previewed();
    let Some(Effect::Save { job, .. }) = act(&mut m, Action::Confirm).pop() else {
        panic!()
    };
    update(&mut m, Msg::VaultSaved { job });
    // Ids are random; pin the new ones for the snapshot.
    let mut data = crate::model::VaultData::clone(&m.data);
    for (i, r) in data.registries.iter_mut().skip(9).enumerate() {
        r.id = crate::model::RegistryId::parse(&format!("reg-imp00{i}")).expect("id");
    }
    m.set_data(std::sync::Arc::new(data));
    snap!("registries_after_import", m);
}

/// `?` lists the import key and the checklist's keys (scrolled down).
#[test]
fn help_shows_the_import_keys() {
    let mut m = fixtures::full();
    act(&mut m, Action::Help);
    for _ in 0..12 {
        act(&mut m, Action::MoveDown);
    }
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(
        text.contains("I             Import logins (:import)"),
        "{text}"
    );
    assert!(text.contains("Import checklist"), "{text}");
    assert!(text.contains("Check / uncheck"), "{text}");
}

/// What the History screen shows for the demo: a day of a small team's
/// entries (names, actions, places; never a secret).
fn with_history(mut m: Model) -> Model {
    use super::state::history::{History, HistoryRow};
    let reg = |name: &str| {
        m.data
            .registries
            .iter()
            .find(|r| r.name == name)
            .map(|r| (r.id.as_str().to_owned(), r.name.clone()))
            .expect(name)
    };
    let at = |mins: i64| m.now - jiff::SignedDuration::from_mins(mins);
    let row = |index: u64,
               mins: i64,
               who: &str,
               action: &str,
               target: (String, String),
               place: &str,
               result: &str| HistoryRow {
        index,
        at: at(mins),
        who: who.into(),
        action: action.into(),
        registry_id: target.0,
        target: target.1,
        place: place.into(),
        result: result.into(),
    };
    let ghcr = reg("ghcr-acme");
    let ecr = reg("ecr-prod");
    let rows = vec![
        row(
            1,
            600,
            "ops@laptop",
            "add",
            ghcr.clone(),
            "",
            "ok: type GHCR",
        ),
        row(
            2,
            420,
            "alice@ops",
            "rotate",
            ghcr.clone(),
            "",
            "ok: credentials changed",
        ),
        row(
            3,
            419,
            "alice@ops",
            "test",
            ghcr.clone(),
            "",
            "ok: pull access confirmed",
        ),
        row(
            4,
            300,
            "bob@bastion",
            "apply",
            ghcr.clone(),
            "prod: env-production env-staging",
            "ok: 2 ok, 0 not",
        ),
        row(
            5,
            240,
            "bob@bastion",
            "delete",
            ecr.clone(),
            "",
            "refused: only the registry's creator may delete it",
        ),
        row(
            6,
            120,
            "ci@runner",
            "helper-get",
            ecr.clone(),
            "123456789012.dkr.ecr.eu-west-2.amazonaws.com",
            "ok",
        ),
        row(
            7,
            60,
            "alice@ops",
            "export",
            ghcr.clone(),
            "/home/alice/deploy/config.json",
            "ok: 1 login: ghcr-acme",
        ),
        row(
            8,
            5,
            "alice@ops",
            "reveal",
            ghcr,
            "",
            "ok: field token shown in the TUI",
        ),
    ];
    m.history = History::Loaded { rows, broken: None };
    m.history_list.selected = 7;
    m
}

#[test]
fn history_tab_lists_the_log_newest_last() {
    let mut m = with_history(fixtures::full());
    let effects = act(&mut m, Action::ShowHistory);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadHistory { .. }))
    );
    assert_eq!(m.row_count(), 8);
    snap!("history_list", m);
    // Tab cycles registries → containers → history → registries.
    act(&mut m, Action::NextView);
    assert_eq!(m.screen, super::state::Screen::Registries);
    // Nothing to add, edit or delete in the log.
    act(&mut m, Action::ShowHistory);
    assert!(act(&mut m, Action::Delete).is_empty() && m.modal.is_none());
    assert!(act(&mut m, Action::Add).is_empty() && m.form.is_none());
}

#[test]
fn history_filtered() {
    let mut m = with_history(fixtures::full());
    act(&mut m, Action::ShowHistory);
    act(&mut m, Action::Filter);
    typ(&mut m, "alice");
    assert_eq!(m.row_count(), 4);
    snap!("history_filtered", m);
}

#[test]
fn registry_detail_shows_its_last_entries() {
    let mut m = with_history(fixtures::full());
    select_registry(&mut m, "ecr-prod");
    snap!("registry_detail_history", m);
}

/// A running `regvault watch` of this vault shows in the status bar.
#[test]
fn the_status_bar_shows_a_running_watch() {
    let mut m = fixtures::full();
    let line = "watch: 1/1 connected · 2 repaired · 3 covered";
    let text = |m: &Model| {
        let t = draw(m, 120, 30);
        let b = t.backend().buffer();
        crate::tui::app::buffer_text(b)
    };
    assert!(!text(&m).contains("watch:"));
    m.watch_line = Some(line.into());
    assert!(text(&m).lines().last().unwrap().contains(line));
}

#[test]
fn container_form_image_host_mismatch() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    act(&mut m, Action::Add);
    typ(&mut m, "worker");
    act(&mut m, Action::NextField);
    act(&mut m, Action::Open);
    for _ in 0..7 {
        // Down to quay-partners (Quay).
        act(&mut m, Action::MoveDown);
    }
    act(&mut m, Action::Confirm);
    act(&mut m, Action::NextField);
    typ(&mut m, "ghcr.io/acme/worker");
    snap!("container_form_image_host_mismatch", m);
    insta::assert_snapshot!(
        "container_form_image_host_mismatch_120x40",
        draw(&m, 120, 40).backend()
    );
}
