//! `update` unit tests: each action from the keymap, driven through keys
//! or `Msg::Action`, asserting on the state and the effects a user would
//! notice (a dialog opens, a save starts, a stale result is ignored).

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::registry::RegistryKind;
use crate::secret::SecretValue;
use crate::tui::effect::{Effect, ProbeReport};
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::form::{FieldKey, FieldValue, TestState};
use crate::tui::state::modal::Modal;
use crate::tui::state::{Model, Screen};
use crate::tui::test_support::{
    self as fixtures, GHP, act, ctrl, fill_ghcr, key, save_job, select_registry, toast, typ,
};

#[test]
fn movement_actions_move_and_clamp() {
    let mut m = fixtures::full();
    let n = m.data.registries.len();
    act(&mut m, Action::MoveUp);
    assert_eq!(m.registries.selected, 0);
    act(&mut m, Action::MoveDown);
    key(&mut m, KeyCode::Char('j'));
    assert_eq!(m.registries.selected, 2);
    key(&mut m, KeyCode::Char('k'));
    assert_eq!(m.registries.selected, 1);
    act(&mut m, Action::PageDown);
    assert_eq!(m.registries.selected, n - 1);
    act(&mut m, Action::PageUp);
    assert_eq!(m.registries.selected, 0);
    act(&mut m, Action::Last);
    assert_eq!(m.registries.selected, n - 1);
    act(&mut m, Action::First);
    assert_eq!(m.registries.selected, 0);
}

#[test]
fn add_opens_the_form_of_the_current_screen() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char('a'));
    let f = m.form.as_ref().expect("form");
    assert_eq!(f.kind(), Some(RegistryKind::Ghcr));
    assert_eq!(f.fields.len(), 4, "type, name, username, token");
    m.form = None;
    act(&mut m, Action::ShowContainers);
    act(&mut m, Action::Add);
    let f = m.form.as_ref().expect("form");
    assert_eq!(f.kind(), None);
    let FieldValue::Choice { options, .. } = &f.fields[1].value else {
        panic!("registry dropdown")
    };
    assert_eq!(options[0], "Public — no registry");
    assert_eq!(options.len(), m.data.registries.len() + 1);
}

#[test]
fn open_and_edit_prefill_the_selection() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ecr-prod");
    act(&mut m, Action::Open);
    let f = m.form.take().expect("form");
    assert_eq!(f.value(FieldKey::Name), "ecr-prod");
    assert_eq!(f.value(FieldKey::Credential("region")), "eu-west-2");
    assert!(!f.dirty);
    key(&mut m, KeyCode::Char('e'));
    assert!(m.form.is_some());
}

#[test]
fn changing_the_type_rebuilds_fields_from_the_schema_and_keeps_shared_values() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    m.form.as_mut().expect("form").focus = 0;
    act(&mut m, Action::Open);
    assert_eq!(m.form.as_ref().and_then(|f| f.dropdown), Some(0));
    act(&mut m, Action::MoveDown);
    act(&mut m, Action::Confirm);
    let f = m.form.as_ref().expect("form");
    assert_eq!(f.kind(), Some(RegistryKind::Docker));
    let names: Vec<FieldKey> = f.fields.iter().map(|x| x.key).collect();
    assert_eq!(
        names,
        [
            FieldKey::Kind,
            FieldKey::Name,
            FieldKey::Credential("username"),
            FieldKey::Credential("password")
        ]
    );
    assert_eq!(f.value(FieldKey::Credential("username")), "octo-cat");
    assert_eq!(f.value(FieldKey::Name), "ghcr-new");
    // Every kind: exactly the catalogue's fields, in order.
    for kind in RegistryKind::ALL {
        let f = m.form.as_mut().expect("form");
        f.set_kind(kind);
        let creds: Vec<&str> = f
            .fields
            .iter()
            .filter_map(|x| match x.key {
                FieldKey::Credential(n) => Some(n),
                _ => None,
            })
            .collect();
        let schema: Vec<&str> = kind.fields().iter().map(|s| s.name).collect();
        assert_eq!(creds, schema, "{kind}");
    }
}

#[test]
fn fields_validate_as_you_type() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    typ(&mut m, "ghcr-acme");
    let f = m.form.as_ref().expect("form");
    assert!(
        f.fields[1]
            .first_error()
            .is_some_and(|e| e.message.contains("already exists"))
    );
    act(&mut m, Action::NextField);
    act(&mut m, Action::NextField);
    typ(&mut m, "ghp_short");
    let f = m.form.as_ref().expect("form");
    let err = f.fields[3].first_error().expect("token error");
    assert!(err.message.contains("ghp_"), "{}", err.message);
    assert!(
        !err.message.contains("ghp_short"),
        "secret echoed: {}",
        err.message
    );
}

#[test]
fn next_and_prev_field_wrap_and_hide_a_revealed_secret() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    key(&mut m, KeyCode::BackTab);
    assert_eq!(m.form.as_ref().map(|f| f.focus), Some(3));
    act(&mut m, Action::RevealSecret);
    assert!(m.form.as_ref().is_some_and(|f| f.fields[3].revealed));
    key(&mut m, KeyCode::Tab);
    let f = m.form.as_ref().expect("form");
    assert_eq!(f.focus, 0);
    assert!(!f.fields[3].revealed);
    // Reveal does nothing on a field that is not secret.
    act(&mut m, Action::NextField);
    ctrl(&mut m, 'r');
    assert!(!m.form.as_ref().is_some_and(|f| f.fields[1].revealed));
}

#[test]
fn typed_keys_go_to_the_field_not_to_bindings() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    typ(&mut m, "q?d/");
    assert!(!m.quit);
    assert!(m.modal.is_none());
    assert_eq!(
        m.form.as_ref().map(|f| f.value(FieldKey::Name)),
        Some("q?d/")
    );
    key(&mut m, KeyCode::Backspace);
    assert_eq!(
        m.form.as_ref().map(|f| f.value(FieldKey::Name)),
        Some("q?d")
    );
}

#[test]
fn save_with_errors_marks_fields_and_starts_nothing() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    let effects = ctrl(&mut m, 's');
    assert!(effects.is_empty());
    let f = m.form.as_ref().expect("form");
    assert!(f.fields.iter().all(|x| x.touched));
    assert!(f.fields[1].first_error().is_some());
    assert!(f.error.is_some());
}

#[test]
fn save_writes_through_the_runtime_and_a_failure_loses_nothing() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    let job = save_job(&act(&mut m, Action::Save));
    assert!(m.has_unsaved(), "a save in flight counts as unsaved");
    update(
        &mut m,
        Msg::SaveFailed {
            job,
            error: "vault is locked by cli".into(),
        },
    );
    let f = m.form.as_ref().expect("the form stays open");
    assert_eq!(f.value(FieldKey::Credential("token")), GHP);
    assert!(f.error.as_deref().is_some_and(|e| e.contains("locked")));
    assert!(m.data.registry("ghcr-new").is_none());
    let job = save_job(&act(&mut m, Action::Save));
    update(&mut m, Msg::VaultSaved { job });
    assert!(m.form.is_none());
    let r = m.data.registry("ghcr-new").expect("saved");
    assert_eq!(r.created_by, fixtures::USER);
    assert_eq!(
        m.selected_registry().map(|r| r.name.as_str()),
        Some("ghcr-new")
    );
    assert!(toast(&m).contains("saved"));
}

#[test]
fn a_stale_save_result_is_ignored() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    let job = save_job(&act(&mut m, Action::Save));
    update(&mut m, Msg::VaultSaved { job: job + 100 });
    assert!(m.form.is_some());
    assert!(m.pending_save.is_some());
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
    let report = ProbeReport {
        outcome: "ok".into(),
        summary: "late".into(),
        contacted: false,
    };
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
    let Some(Effect::RunProbe { job, .. }) = act(&mut m, Action::TestConnection).pop() else {
        panic!()
    };
    let report = ProbeReport {
        outcome: "ok".into(),
        summary: "structure ok".into(),
        contacted: false,
    };
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
    let Some(Effect::RunProbe { job, .. }) = act(&mut m, Action::TestConnection).pop() else {
        panic!()
    };
    let report = ProbeReport {
        outcome: "ok".into(),
        summary: "ok".into(),
        contacted: false,
    };
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
    let report = ProbeReport {
        outcome: "ok".into(),
        summary: "structure ok".into(),
        contacted: false,
    };
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
    let Some(Effect::RunProbe { job, .. }) = act(&mut m, Action::TestConnection).pop() else {
        panic!()
    };
    let effects = key(&mut m, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel { job: j }] if *j == job));
    assert!(m.list_probe.is_none());
    let report = ProbeReport {
        outcome: "ok".into(),
        summary: "late".into(),
        contacted: false,
    };
    assert!(
        update(&mut m, Msg::ProbeDone { job, report }).is_empty(),
        "stale result dropped"
    );
}

#[test]
fn filter_narrows_the_list_and_esc_clears_it() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char('/'));
    assert!(m.registries.filtering);
    typ(&mut m, "GAR");
    assert_eq!(m.registry_rows().len(), 1);
    key(&mut m, KeyCode::Enter);
    assert!(!m.registries.filtering);
    assert_eq!(
        m.selected_registry().map(|r| r.name.as_str()),
        Some("gar-europe")
    );
    act(&mut m, Action::Filter);
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.registry_rows().len(), m.data.registries.len());
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut m = fixtures::full();
    let first = |m: &Model| {
        m.selected_registry()
            .map(|r| r.name.clone())
            .unwrap_or_default()
    };
    assert_eq!(first(&m), "acr-shared");
    act(&mut m, Action::ReverseSort);
    assert_eq!(first(&m), "quay-partners");
    act(&mut m, Action::ReverseSort);
    key(&mut m, KeyCode::Char('s'));
    assert_eq!(m.registries.sort, 1);
    assert_eq!(first(&m), "acr-shared", "by type: ACR first");
    for _ in 0..3 {
        act(&mut m, Action::CycleSort);
    }
    act(&mut m, Action::ReverseSort);
    assert_eq!(first(&m), "ghcr-acme", "by last test, newest first");
    act(&mut m, Action::CycleSort);
    assert_eq!(first(&m), "ghcr-acme", "by used-by count, most first");
    act(&mut m, Action::CycleSort);
    assert_eq!(m.registries.sort, 0, "wraps to the first column");
}

#[test]
fn views_switch() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    assert_eq!(m.screen, Screen::Containers);
    act(&mut m, Action::ShowRegistries);
    assert_eq!(m.screen, Screen::Registries);
    act(&mut m, Action::NextView);
    assert_eq!(m.screen, Screen::Containers);
    key(&mut m, KeyCode::Char('1'));
    assert_eq!(m.screen, Screen::Registries);
}

#[test]
fn help_opens_and_closes() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char('?'));
    assert!(matches!(m.modal, Some(Modal::Help { .. })));
    act(&mut m, Action::MoveDown);
    assert!(matches!(m.modal, Some(Modal::Help { scroll: 1 })));
    key(&mut m, KeyCode::Esc);
    assert!(m.modal.is_none());
}

#[test]
fn command_line_jumps_and_quits() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char(':'));
    typ(&mut m, "containers");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Containers);
    act(&mut m, Action::CommandLine);
    typ(&mut m, "registries");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Registries);
    act(&mut m, Action::CommandLine);
    typ(&mut m, "nope");
    key(&mut m, KeyCode::Enter);
    assert!(toast(&m).contains("unknown command"));
    act(&mut m, Action::CommandLine);
    typ(&mut m, "q");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
}

#[test]
fn quit_asks_only_when_something_is_unsaved() {
    let mut m = fixtures::full();
    assert!(matches!(
        key(&mut m, KeyCode::Char('q')).as_slice(),
        [Effect::Quit]
    ));
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::NextField);
    typ(&mut m, "x");
    assert!(ctrl(&mut m, 'c').is_empty());
    assert!(matches!(m.modal, Some(Modal::ConfirmQuit)));
    key(&mut m, KeyCode::Char('n'));
    assert!(m.modal.is_none() && !m.quit);
    ctrl(&mut m, 'c');
    assert!(matches!(
        key(&mut m, KeyCode::Char('y')).as_slice(),
        [Effect::Quit]
    ));
    assert!(m.quit);
}

#[test]
fn back_from_an_edited_form_asks_before_discarding() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    act(&mut m, Action::Back);
    assert!(m.form.is_none(), "an untouched form just closes");
    fill_ghcr(&mut m, "ghcr-new", GHP);
    key(&mut m, KeyCode::Esc);
    assert!(matches!(m.modal, Some(Modal::ConfirmDiscard)));
    key(&mut m, KeyCode::Esc);
    assert!(m.form.is_some() && m.modal.is_none());
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Enter);
    assert!(m.form.is_none());
}

#[test]
fn delete_refuses_for_a_non_creator_and_names_the_creator() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ecr-prod");
    assert!(key(&mut m, KeyCode::Char('d')).is_empty());
    let Some(Modal::Refused { lines, .. }) = &m.modal else {
        panic!("{:?}", m.modal)
    };
    assert!(
        lines
            .iter()
            .any(|l| l.contains("created by alice@ops-laptop"))
    );
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

#[test]
fn container_form_saves_with_the_chosen_registry() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    act(&mut m, Action::Add);
    typ(&mut m, "worker");
    act(&mut m, Action::NextField);
    key(&mut m, KeyCode::Enter);
    act(&mut m, Action::MoveDown);
    key(&mut m, KeyCode::Enter);
    act(&mut m, Action::NextField);
    typ(&mut m, "ghcr.io/acme/worker");
    act(&mut m, Action::NextField);
    typ(&mut m, "2.0");
    act(&mut m, Action::NextField);
    typ(&mut m, "Prod");
    assert!(
        m.form
            .as_ref()
            .is_some_and(|f| f.fields[4].first_error().is_some()),
        "env is lowercase"
    );
    key(&mut m, KeyCode::Backspace);
    key(&mut m, KeyCode::Backspace);
    key(&mut m, KeyCode::Backspace);
    key(&mut m, KeyCode::Backspace);
    typ(&mut m, "production");
    let job = save_job(&ctrl(&mut m, 's'));
    update(&mut m, Msg::VaultSaved { job });
    let c = m.data.container("worker").expect("saved");
    let first = m.data.registries[0].id.clone();
    assert_eq!(c.registry_config.registry_id, Some(first));
    assert_eq!(
        m.selected_container().map(|c| c.name.as_str()),
        Some("worker")
    );
}

#[test]
fn paste_fills_the_json_key_whole_and_one_line_fields_without_the_newline() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    m.form.as_mut().expect("form").set_kind(RegistryKind::Gcr);
    m.form.as_mut().expect("form").focus = 2;
    update(
        &mut m,
        Msg::Paste(SecretValue::new("{\n  \"type\": \"x\"\n}\n")),
    );
    let f = m.form.as_ref().expect("form");
    assert_eq!(
        f.value(FieldKey::Credential("serviceAccountKey"))
            .lines()
            .count(),
        3
    );
    m.form.as_mut().expect("form").focus = 1;
    update(&mut m, Msg::Paste(SecretValue::new("my-name\n")));
    assert_eq!(
        m.form.as_ref().map(|f| f.value(FieldKey::Name)),
        Some("my-name")
    );
}

#[test]
fn load_file_reads_the_typed_path_through_the_runtime() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    m.form.as_mut().expect("form").set_kind(RegistryKind::Gar);
    m.form.as_mut().expect("form").focus = 2;
    typ(&mut m, "/tmp/key.json");
    let effects = ctrl(&mut m, 'o');
    let [
        Effect::LoadFile {
            job,
            field: 2,
            path,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(path.to_str(), Some("/tmp/key.json"));
    let job = *job;
    update(
        &mut m,
        Msg::FileLoaded {
            job,
            field: 2,
            result: Ok(SecretValue::new("{\"a\":1}")),
        },
    );
    let f = m.form.as_ref().expect("form");
    assert_eq!(
        f.value(FieldKey::Credential("serviceAccountKey")),
        "{\"a\":1}"
    );
    assert!(f.loading.is_none());
    // On a one-line field there is nothing to load.
    m.form.as_mut().expect("form").focus = 1;
    assert!(act(&mut m, Action::LoadFile).is_empty());
}

#[test]
fn read_only_refuses_every_write() {
    let mut m = fixtures::full();
    m.ctx.read_only = true;
    for a in [Action::Add, Action::Edit, Action::Delete, Action::Save] {
        assert!(act(&mut m, a).is_empty(), "{a:?}");
        assert!(m.form.is_none() && m.modal.is_none(), "{a:?}");
    }
    assert!(toast(&m).contains("read-only"));
    act(&mut m, Action::Open);
    assert!(m.form.is_none());
}

#[test]
fn first_run_creates_the_vault() {
    let mut m = Model::new(
        fixtures::ctx(),
        crate::tui::keymap::Keymap::defaults(),
        None,
        fixtures::now(),
    );
    assert_eq!(m.screen, Screen::Init);
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::InitVault { job }] = effects.as_slice() else {
        panic!()
    };
    let job = *job;
    update(
        &mut m,
        Msg::VaultCreated {
            job,
            result: Ok(Default::default()),
        },
    );
    assert_eq!(m.screen, Screen::Registries);
}

#[test]
fn terminate_quits_at_once() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    assert!(matches!(
        update(&mut m, Msg::Terminate).as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-new", GHP);
    let Some(Effect::RunProbe { .. }) = act(&mut m, Action::TestConnection).pop() else {
        panic!()
    };
    let dbg = format!("{m:?}");
    assert!(!dbg.contains(GHP), "token in Debug");
    assert!(!dbg.contains("DEMOfake"), "demo secret in Debug");
    let effects = act(&mut m, Action::Save);
    assert!(!format!("{effects:?}").contains(GHP));
}
