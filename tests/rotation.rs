//! Rotation tells the truth (issue #13 item 2), from the CLI: after
//! `regvault registry update` rotates a registry's credentials, the
//! Secrets this vault recorded applying before the rotation are named as
//! stale — on stderr with the `regvault sync` command to run, and in
//! `--json` as a `stale` array — instead of claiming the new credentials
//! apply at the next pull. (The records are written through the vault as
//! an apply writes them; the real apply → rotate → sync against a cluster
//! needs a cluster: `tui_rotation_kube` in `tests/deploy_kube.rs` style.)

mod support;

use regvault::model::AppliedSecret;
use regvault::ops::VaultStore;
use support::Sandbox;

const SERVER: &str = "https://127.0.0.1:6443";

/// A kubeconfig naming `SERVER` as context `kind-a` (never contacted).
fn kubeconfig(s: &Sandbox) -> String {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kind-a\n  cluster:\n    server: {SERVER}\ncontexts:\n- name: kind-a\n  context:\n    cluster: kind-a\n    user: kind-a\nusers:\n- name: kind-a\n  user:\n    token: not-used\ncurrent-context: kind-a\n"
    );
    s.write("kubeconfig", &text).display().to_string()
}

/// A GHCR registry applied to env-prod and env-dev on `SERVER`.
fn applied(s: &Sandbox) -> String {
    let id = s.add(
        &serde_json::json!({"name": "ghcr-acme", "type": "GHCR", "credentials": {
        "username": "octo-cat", "token": "ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"}}),
    );
    let store = s.store();
    store
        .update(&mut |d| {
            let registry_id = d.find_registry("ghcr-acme")?.id.clone();
            for ns in ["env-prod", "env-dev"] {
                d.record_applied(AppliedSecret {
                    registry_id: registry_id.clone(),
                    server: SERVER.into(),
                    namespace: ns.into(),
                    name: "ghcr-acme-creds".into(),
                    uid: format!("uid-{ns}"),
                    applied_at: "2026-01-01T00:00:00Z".parse().unwrap(),
                });
            }
            Ok(())
        })
        .expect("record the applies");
    id
}

const ROTATED: &str = "ghp_ROTATEDrotated0123456789abcdefghijKL";

fn rotate(s: &Sandbox, id: &str, token: &str, json: bool) -> support::Out {
    let token = s.write("tok", &format!("{token}\n"));
    let arg = format!("token={}", token.display());
    let kube = kubeconfig(s);
    let mut args = vec!["registry", "update", id, "--field-file", &arg];
    if json {
        args.push("--json");
    }
    s.ok(&args, &[("KUBECONFIG", &kube)])
}

#[test]
fn registry_update_names_the_stale_secrets_and_the_sync_to_run() {
    let s = Sandbox::new();
    let id = applied(&s);
    let o = rotate(&s, &id, ROTATED, false);
    assert!(
        o.stderr
            .contains("stale in 2 places: kind-a/env-prod, kind-a/env-dev"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains(&format!("regvault sync {id} --context kind-a")),
        "{}",
        o.stderr
    );
    assert!(
        !o.stdout.contains("next pull"),
        "claims the rotation applies at the next pull:\n{}",
        o.stdout
    );
    assert!(!o.stderr.contains("ghp_") && !o.stdout.contains("ghp_"));
}

#[test]
fn registry_update_json_has_the_stale_array() {
    let s = Sandbox::new();
    let id = applied(&s);
    let o = rotate(&s, &id, ROTATED, true);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    let stale = v["stale"].as_array().expect("stale array");
    assert_eq!(stale.len(), 2, "{v}");
    assert_eq!(stale[0]["context"], "kind-a");
    assert_eq!(stale[0]["namespace"], "env-prod");
    assert_eq!(stale[0]["server"], SERVER);
    // A second rotation: still stale (nothing synced in between).
    let again = rotate(&s, &id, "ghp_AGAINagain0123456789abcdefghijklmnKL", true);
    let v: serde_json::Value = serde_json::from_str(&again.stdout).expect("json");
    assert_eq!(v["stale"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_rename_or_a_registry_never_applied_reports_nothing_stale() {
    let s = Sandbox::new();
    let id = applied(&s);
    let o = s.ok(
        &["registry", "update", &id, "--name", "ghcr-main", "--json"],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    assert_eq!(v["stale"], serde_json::json!([]));
    assert!(!o.stderr.contains("stale"), "{}", o.stderr);
}
