//! Audit entries of the Kubernetes operations, against the real API
//! server (see tests/support/kube.rs): apply, sync and prune each leave
//! one entry naming the registry, the context and the namespaces, and a
//! refused apply says why. No secret reaches the log.

#[path = "support/kube.rs"]
mod kube_support;
mod support;

use serde_json::{Value, json};
use support::Sandbox;

#[test]
fn apply_sync_and_prune_leave_entries_with_where() {
    let kube = kube_support::cluster();
    let name = format!("au-{}", support::run_tag());
    let tok = format!("ghp_{}", "k".repeat(36));
    let s = Sandbox::new();
    let id = s.add(&json!({"name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": tok}}));
    s.add_container("web", "staging", "ghcr.io/acme/web", &id);
    let env = kube.env();
    let env = [(env.0, env.1.as_str())];
    s.ok(
        &[
            "apply",
            &name,
            "--environment",
            "staging",
            "--create-namespaces",
        ],
        &env,
    );
    s.ok(&["sync", &name], &env);
    // Failed: the namespace does not exist (and was not to be created).
    assert_ne!(
        s.run(&["apply", &name, "--environment", "nowhere-at-all"], &env)
            .code,
        0
    );
    s.ok(&["prune", &name], &env);
    let o = s.ok(&["log", "--json", "--registry", &id], &[]);
    assert!(!o.stdout.contains(&tok));
    let entries: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    let kube_entries: Vec<&Value> = entries
        .iter()
        .filter(|e| ["apply", "sync", "prune"].contains(&e["action"].as_str().unwrap()))
        .collect();
    let summary: Vec<String> = kube_entries
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["result"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        summary,
        ["apply ok", "sync ok", "apply failed", "prune ok"],
        "{entries:#?}"
    );
    for e in [kube_entries[0], kube_entries[1], kube_entries[3]] {
        let place = e["where"].as_str().unwrap();
        assert!(place.contains("env-staging"), "{e}");
        assert!(place.starts_with("admin: "), "{e}");
        assert_eq!(e["registry"]["name"], name.as_str());
    }
    assert!(
        kube_entries[2]["reason"]
            .as_str()
            .unwrap()
            .contains("env-nowhere-at-all missing-namespace"),
        "{}",
        kube_entries[2]
    );
    assert_eq!(s.ok(&["log", "verify"], &[]).code, 0);
}
