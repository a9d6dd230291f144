//! Rotation → stale → sync in the real TUI against a real control plane
//! (`REGVAULT_TEST_KUBE`, started by scripts/test.sh or
//! `scripts/kube-up.sh DIR`): a registry applied by `regvault apply`, its
//! token rotated in the TUI's form, the stale question answered `y`, the
//! sync confirmed by typing the context — then the Secret on the API
//! server holds the new token.

#[path = "support/kube.rs"]
mod kube_support;
#[path = "support/pty.rs"]
mod pty;
mod support;

use std::time::Duration;

use base64::Engine as _;
use pty::Pty;
use serde_json::json;

#[test]
fn a_rotation_in_the_tui_names_the_stale_secret_and_yes_syncs_it() {
    let kube = kube_support::cluster();
    let t = support::run_tag();
    let name = format!("rot-{t}");
    let env = format!("rot{t}");
    let ns = format!("env-{env}");
    let mut p = Pty::new();
    p.wait = Duration::from_secs(30);
    let old = format!("ghp_{}", "o".repeat(36));
    let new = format!("ghp_{}", "N".repeat(36));
    let reg = json!({"name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": old}});
    let id = p.add_registry(&reg);
    p.add_container(&format!("{name}-web"), &env, "ghcr.io/acme/web", &id);
    let kc = kube.kubeconfig.display().to_string();
    let applied = p.cli(&[
        "apply",
        &id,
        "--environment",
        &env,
        "--create-namespaces",
        "--kubeconfig",
        &kc,
        "--context",
        "admin",
    ]);
    assert!(applied.status.success(), "{applied:?}");

    p.start_with(&[("KUBECONFIG", kc.as_str())]);
    p.see(&name);
    // Edit: the form opens on the name; the token is two fields down.
    p.keys_press(&["e"]);
    p.see("Edit registry");
    p.keys_press(&["Tab", "Tab", "End"]);
    for _ in 0..old.len() {
        p.keys_press(&["BSpace"]);
    }
    p.type_text(&new);
    p.keys_press(&["C-s"]);
    let question = p.see("Secrets now stale");
    assert!(
        question.contains(&format!("admin/{ns}")),
        "the stale place is not named:\n{question}"
    );
    assert!(!question.contains(&new) && !question.contains(&old));
    p.keys_press(&["y"]);
    p.see("to apply:");
    p.type_text("admin");
    p.keys_press(&["Enter"]);
    p.see("Results:");
    let secret = kube.get(&ns, "secret", &format!("{name}-creds"));
    let config = secret["data"][".dockerconfigjson"].as_str().expect("data");
    let config = base64::engine::general_purpose::STANDARD
        .decode(config)
        .expect("base64");
    let config = String::from_utf8(config).expect("utf-8");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("octo:{new}"));
    assert!(
        config.contains(&auth) || config.contains(&new),
        "the Secret still holds the old token"
    );
    // Synced: nothing stale any more.
    p.keys_press(&["Escape"]);
    let screen = p.see(&name);
    assert!(!screen.contains("press A to sync"), "{screen}");
}
