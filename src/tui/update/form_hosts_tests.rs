//! `update` tests of the host mismatches the forms catch as they are typed
//! (issue #13 item 8): the container form's image host against its
//! registry, the registry preselected or asked for, Docker Hub's names as
//! one host, and a second registry for one host in the registry form.

use crate::registry::Severity;
use crate::tui::keymap::Action;
use crate::tui::state::Model;
use crate::tui::state::form::FieldKey;
use crate::tui::test_support::{self as fixtures, GHP, act, fill_ghcr, save_job, toast, typ};

/// A new container form with `image` typed into the image field.
fn container_with_image(m: &mut Model, image: &str) {
    act(m, Action::ShowContainers);
    act(m, Action::Add);
    typ(m, "worker");
    act(m, Action::NextField);
    act(m, Action::NextField);
    typ(m, image);
}

fn field_warnings(m: &Model, key: FieldKey) -> Vec<String> {
    let f = m.form.as_ref().expect("form");
    let field = f.fields.iter().find(|x| x.key == key).expect("field");
    field
        .findings
        .iter()
        .filter(|x| x.severity == Severity::Warning)
        .map(|x| x.message.clone())
        .collect()
}

fn chosen_registry(m: &Model) -> Option<String> {
    let f = m.form.as_ref().expect("form");
    f.registry_choice().map(|id| id.to_string())
}

/// Picks the registry dropdown option whose label starts with `name`.
fn choose_registry(m: &mut Model, name: &str) {
    let f = m.form.as_mut().expect("form");
    f.focus = 1;
    let crate::tui::state::form::FieldValue::Choice { options, selected } = &f.fields[1].value
    else {
        panic!("registry dropdown")
    };
    let want = options
        .iter()
        .position(|o| o.starts_with(name))
        .expect(name);
    let current = *selected;
    act(m, Action::Open);
    for _ in current..want {
        act(m, Action::MoveDown);
    }
    for _ in want..current {
        act(m, Action::MoveUp);
    }
    act(m, Action::Confirm);
}

#[test]
fn the_one_registry_for_the_image_host_is_preselected_without_a_warning() {
    let mut m = fixtures::full();
    container_with_image(&mut m, "quay.io/acme/web");
    assert_eq!(chosen_registry(&m).as_deref(), Some("reg-quay01"));
    assert!(field_warnings(&m, FieldKey::ImageName).is_empty());
}

#[test]
fn a_registry_that_does_not_log_in_to_the_image_host_warns_and_still_saves() {
    let mut m = fixtures::full();
    container_with_image(&mut m, "quay.io/acme/web");
    choose_registry(&mut m, "ghcr-acme");
    let w = field_warnings(&m, FieldKey::ImageName);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("image on quay.io") && w[0].contains("'ghcr-acme'"),
        "{w:?}"
    );
    // Chosen by the user: typing on does not move it.
    m.form.as_mut().expect("form").focus = 2;
    typ(&mut m, "x");
    assert_eq!(chosen_registry(&m).as_deref(), Some("reg-ghcr01"));
    // A warning, not an error: the save goes ahead.
    let f = m.form.as_mut().expect("form");
    f.focus = 3;
    typ(&mut m, "1.0");
    act(&mut m, Action::NextField);
    typ(&mut m, "production");
    let effects = act(&mut m, Action::Save);
    save_job(&effects);
}

#[test]
fn docker_hub_names_are_one_host_for_the_hub_registry() {
    for image in [
        "acme/web",
        "docker.io/acme/web",
        "index.docker.io/acme/web",
        "registry-1.docker.io/acme/web",
    ] {
        let mut m = fixtures::full();
        container_with_image(&mut m, image);
        choose_registry(&mut m, "dockerhub-acme");
        assert!(
            field_warnings(&m, FieldKey::ImageName).is_empty(),
            "{image}: {:?}",
            field_warnings(&m, FieldKey::ImageName)
        );
    }
}

#[test]
fn an_image_host_with_several_registries_asks_which_and_keeps_public() {
    let mut m = fixtures::full();
    let mut data = crate::model::VaultData::clone(&m.data);
    let mut twin = data.registries[0].clone();
    twin.id = crate::model::RegistryId::parse("reg-ghcr02").expect("id");
    twin.name = "ghcr-other".into();
    data.registries.push(twin);
    m.set_data(std::sync::Arc::new(data));
    container_with_image(&mut m, "ghcr.io/acme/web");
    assert_eq!(chosen_registry(&m), None, "Public stays: not guessed");
    let w = field_warnings(&m, FieldKey::ImageName);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("'ghcr-acme'") && w[0].contains("'ghcr-other'") && w[0].contains("Registry"),
        "{w:?}"
    );
    // Choosing one ends the question.
    choose_registry(&mut m, "ghcr-other");
    assert!(field_warnings(&m, FieldKey::ImageName).is_empty());
}

#[test]
fn a_second_registry_for_one_host_warns_in_the_form_and_at_save() {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-team", GHP);
    let w = field_warnings(&m, FieldKey::Kind);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("ghcr.io")
            && w[0].contains("'ghcr-acme' (reg-ghcr01)")
            && w[0].contains("regvault registry default")
            && w[0].contains("--registry"),
        "{w:?}"
    );
    let effects = act(&mut m, Action::Save);
    let job = save_job(&effects);
    crate::tui::update::update(&mut m, crate::tui::msg::Msg::VaultSaved { job });
    let t = toast(&m);
    assert!(
        t.contains("2nd for ghcr.io") && t.contains("registry default"),
        "{t}"
    );
    // Editing the first one on its own host is no warning about itself.
    let mut m = fixtures::full();
    crate::tui::test_support::select_registry(&mut m, "ghcr-acme");
    act(&mut m, Action::Edit);
    m.form.as_mut().expect("form").focus = 2;
    typ(&mut m, "x");
    assert!(field_warnings(&m, FieldKey::Kind).is_empty());
}
