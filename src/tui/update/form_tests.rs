//! `update` tests of the registry and container forms: opening, fields
//! built from the schema, validation as you type, focus, paste and file
//! loading, saving through the runtime, discarding, and secrets kept out of
//! `Debug`.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::registry::RegistryKind;
use crate::secret::SecretValue;
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::form::{FieldKey, FieldValue};
use crate::tui::state::modal::Modal;
use crate::tui::test_support::{
    self as fixtures, GHP, act, ctrl, fill_ghcr, key, save_job, select_registry, toast, typ,
};

#[test]
fn add_opens_the_form_of_the_current_screen() {
    let mut m = fixtures::full();
    key(&mut m, KeyCode::Char('a'));
    let f = m.form.as_ref().expect("form");
    assert_eq!(f.kind(), Some(RegistryKind::Ghcr));
    assert_eq!(f.fields.len(), 5, "type, name, username, token, test image");
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
            FieldKey::Credential("password"),
            FieldKey::TestImage,
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
    key(&mut m, KeyCode::BackTab);
    assert_eq!(m.form.as_ref().map(|f| f.focus), Some(3));
    act(&mut m, Action::RevealSecret);
    assert!(m.form.as_ref().is_some_and(|f| f.fields[3].revealed));
    key(&mut m, KeyCode::Tab);
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
            error: crate::vault::VaultError::Locked {
                holder: "cli".into(),
            },
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
    assert!(m.form.is_some(), "Enter is No: the edits stay");
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char('y'));
    assert!(m.form.is_none());
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

/// Opens a new Custom form and fills name, url, username and password;
/// focus ends on the password.
fn fill_custom(m: &mut crate::tui::state::Model, url: &str) {
    act(m, Action::Add);
    m.form
        .as_mut()
        .expect("form")
        .set_kind(RegistryKind::Custom);
    m.form.as_mut().expect("form").focus = 1;
    typ(m, "plain-remote");
    act(m, Action::NextField);
    typ(m, url);
    act(m, Action::NextField);
    typ(m, "puller");
    act(m, Action::NextField);
    typ(m, "S3cret-password-1");
}

fn focus_on(m: &mut crate::tui::state::Model, key: FieldKey) {
    let f = m.form.as_mut().expect("form");
    f.focus = f.fields.iter().position(|x| x.key == key).expect("field");
}

fn saved_data(effects: &[Effect]) -> std::sync::Arc<crate::model::VaultData> {
    match effects {
        [Effect::Save { data, .. }] => std::sync::Arc::clone(data),
        other => panic!("expected one save, got {other:?}"),
    }
}

#[test]
fn the_custom_form_offers_the_ca_bundle_and_insecure_settings_the_cli_has() {
    let mut m = fixtures::full();
    fill_custom(&mut m, "http://10.0.0.5:5000");
    let f = m.form.as_ref().expect("form");
    let keys: Vec<FieldKey> = f.fields.iter().map(|x| x.key).collect();
    assert_eq!(
        keys,
        [
            FieldKey::Kind,
            FieldKey::Name,
            FieldKey::Credential("url"),
            FieldKey::Credential("username"),
            FieldKey::Credential("password"),
            FieldKey::CaBundle,
            FieldKey::Insecure,
            FieldKey::TestImage,
        ]
    );
    // Plain http to another host: refused while not marked insecure…
    assert!(act(&mut m, Action::Save).is_empty());
    let url = |m: &crate::tui::state::Model| {
        let f = m.form.as_ref().expect("form");
        f.fields[2].findings.clone()
    };
    assert!(
        url(&m)
            .iter()
            .any(|x| x.is_error() && x.message.contains("only allowed for loopback")),
        "{:?}",
        url(&m)
    );
    // …accepted, with a warning, once it is; and saved with the setting.
    focus_on(&mut m, FieldKey::Insecure);
    key(&mut m, KeyCode::Right);
    assert!(url(&m).iter().all(|x| !x.is_error()), "{:?}", url(&m));
    assert!(
        url(&m)
            .iter()
            .any(|x| x.message.contains("marked insecure")),
        "{:?}",
        url(&m)
    );
    let data = saved_data(&act(&mut m, Action::Save));
    let r = data
        .registries
        .iter()
        .find(|r| r.name == "plain-remote")
        .expect("saved");
    assert!(r.connection.insecure);
    assert_eq!(r.connection.ca_bundle, None);
}

#[test]
fn the_form_tests_with_its_own_connection_settings_and_checks_the_ca() {
    let mut m = fixtures::full();
    fill_custom(&mut m, "http://10.0.0.5:5000");
    focus_on(&mut m, FieldKey::Insecure);
    key(&mut m, KeyCode::Right);
    let Some(Effect::RunProbe { connection, .. }) = act(&mut m, Action::TestConnection).pop()
    else {
        panic!("a probe")
    };
    assert_eq!(connection.map(|c| c.insecure), Some(true));

    // A CA bundle that is no PEM is an error on the field.
    focus_on(&mut m, FieldKey::CaBundle);
    let _ = update(&mut m, Msg::Paste(SecretValue::new("not a certificate")));
    assert!(act(&mut m, Action::Save).is_empty());
    let f = m.form.as_ref().expect("form");
    let ca = f
        .fields
        .iter()
        .find(|x| x.key == FieldKey::CaBundle)
        .expect("ca");
    assert!(
        ca.first_error()
            .is_some_and(|e| e.message.contains("BEGIN CERTIFICATE")),
        "{:?}",
        ca.findings
    );
}

#[test]
fn editing_a_custom_registry_shows_and_keeps_its_connection_settings() {
    let mut m = fixtures::full();
    fill_custom(&mut m, "http://10.0.0.5:5000");
    focus_on(&mut m, FieldKey::Insecure);
    key(&mut m, KeyCode::Right);
    let data = saved_data(&act(&mut m, Action::Save));
    m.form = None;
    m.set_data(data);
    select_registry(&mut m, "plain-remote");
    act(&mut m, Action::Edit);
    let f = m.form.as_ref().expect("form");
    let insecure = f
        .fields
        .iter()
        .find(|x| x.key == FieldKey::Insecure)
        .expect("field");
    assert_eq!(insecure.selected(), 1, "shown as marked");
    // Taking the mark away is refused while the url is plain http.
    focus_on(&mut m, FieldKey::Insecure);
    key(&mut m, KeyCode::Left);
    assert!(act(&mut m, Action::Save).is_empty());
    assert!(
        m.form
            .as_ref()
            .is_some_and(|f| f.fields[2].first_error().is_some())
    );
}

#[test]
fn a_custom_url_typed_without_scheme_shows_and_saves_as_https() {
    let mut m = fixtures::full();
    fill_custom(&mut m, "registry.internal:5000");
    focus_on(&mut m, FieldKey::Credential("url"));
    let f = m.form.as_ref().expect("form");
    assert!(
        f.focused().first_error().is_none(),
        "{:?}",
        f.focused().findings
    );
    // Leaving the field shows the url as it will be stored.
    act(&mut m, Action::NextField);
    assert_eq!(
        m.form
            .as_ref()
            .map(|f| f.value(FieldKey::Credential("url")).to_owned()),
        Some("https://registry.internal:5000".to_owned())
    );
    let data = saved_data(&act(&mut m, Action::Save));
    let r = data.registry("plain-remote").expect("saved");
    assert_eq!(
        r.credentials.get("url"),
        Some("https://registry.internal:5000")
    );
}
