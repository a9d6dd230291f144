//! `update` tests of `y` / `Y`: the OSC 52 bytes carry the base64 of the
//! id (or host, or image), and no credential can ever be what is copied.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ratatui::crossterm::event::KeyCode;

use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::state::Model;
use crate::tui::test_support::{self as fixtures, act, key, select_registry, toast};

/// The text an OSC 52 effect would put on the clipboard.
fn copied(effects: &[Effect]) -> String {
    let [Effect::Clipboard { osc52 }] = effects else {
        panic!("expected one clipboard effect, got {effects:?}");
    };
    let b64 = osc52
        .strip_prefix("\x1b]52;c;")
        .and_then(|s| s.strip_suffix('\x07'))
        .unwrap_or_else(|| panic!("not an OSC 52 sequence: {osc52:?}"));
    String::from_utf8(STANDARD.decode(b64).expect("base64")).expect("utf-8")
}

#[test]
fn y_copies_the_selected_registry_id_as_osc52() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    let id = m.selected_registry().unwrap().id.as_str().to_owned();
    let effects = key(&mut m, KeyCode::Char('y'));
    let [Effect::Clipboard { osc52 }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        osc52.as_bytes(),
        format!("\x1b]52;c;{}\x07", STANDARD.encode(&id)).as_bytes()
    );
    assert_eq!(toast(&m), format!("copied id {id} (ghcr-acme)"));
}

#[test]
fn shift_y_copies_the_login_host() {
    let mut m = fixtures::full();
    select_registry(&mut m, "ghcr-acme");
    assert_eq!(copied(&key(&mut m, KeyCode::Char('Y'))), "ghcr.io");
    assert!(
        toast(&m).starts_with("copied host ghcr.io"),
        "{}",
        toast(&m)
    );
}

#[test]
fn on_containers_y_copies_its_id_and_shift_y_its_image() {
    let mut m = fixtures::full();
    act(&mut m, Action::ShowContainers);
    let c = m.selected_container().unwrap().clone();
    assert_eq!(copied(&act(&mut m, Action::CopyId)), c.id.as_str());
    assert_eq!(copied(&act(&mut m, Action::CopyHost)), c.image_ref());
}

#[test]
fn nothing_selected_copies_nothing() {
    let mut m = fixtures::empty();
    assert!(act(&mut m, Action::CopyId).is_empty());
    assert_eq!(toast(&m), "nothing to copy");
}

/// Every registry of every kind, with every way to copy: the copied text
/// never is, nor contains, any credential value.
#[test]
fn a_registry_secret_is_never_the_copied_value() {
    let mut m: Model = fixtures::full();
    let n = m.registry_rows().len();
    let mut seen = 0;
    for row in 0..n {
        m.registries.selected = row;
        let r = m.selected_registry().unwrap().clone();
        for action in [Action::CopyId, Action::CopyHost] {
            let effects = act(&mut m, action);
            if effects.is_empty() {
                continue;
            }
            let text = copied(&effects);
            seen += 1;
            for (field, value) in r.credentials.iter() {
                let value = value.expose();
                let secret = r.kind.fields().iter().any(|f| f.name == field && f.secret);
                if secret && !value.is_empty() {
                    assert!(
                        text != value && !text.contains(value),
                        "{}: {action:?} copied (part of) secret field {field}",
                        r.name
                    );
                }
            }
        }
    }
    assert!(seen >= n, "every registry copied its id at least");
}
