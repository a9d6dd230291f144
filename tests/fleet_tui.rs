//! The TUI's Apply dialog across several clusters, as a user drives it (the
//! real binary in a pseudo-terminal) against real control planes on
//! 127.0.0.1 (`REGVAULT_TEST_KUBE`, `REGVAULT_TEST_KUBE_FLEET`, started by
//! scripts/test.sh): every context checked, one of them a stopped cluster,
//! service accounts `all`, typed confirm naming them all; kubectl then sees
//! the Secret, and the service account listing it, in both live clusters.

#[path = "support/kube.rs"]
mod kube_support;
#[path = "support/pty.rs"]
mod pty;
mod support;

use std::time::Duration;

use kube_support::{Member, fleet, merged_kubeconfig};
use pty::Pty;
use serde_json::json;

#[test]
fn the_apply_dialog_applies_to_every_checked_cluster_and_a_stopped_one_stops_none() {
    let [k1, k2, _] = fleet();
    let t = support::run_tag();
    let name = format!("ftui-{t}");
    let env = format!("ftui{t}");
    let mut p = Pty::new();
    p.wait = Duration::from_secs(30);
    let token = format!("ghp_{}", "t".repeat(36));
    let reg = json!({"name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": token}});
    let id = p.add_registry(&reg);
    p.add_container(&format!("{name}-web"), &env, "ghcr.io/acme/web", &id);
    // The namespace exists in both live clusters, with a ServiceAccount of
    // its own that lists someone else's pull secret.
    let ns = format!("env-{env}");
    for kube in [k1, k2] {
        kube.kubectl_as(
            "admin",
            &["apply", "-f", "-"],
            Some(&format!(
                "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\n\
                 apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: builder, namespace: {ns}}}\n\
                 imagePullSecrets: [{{name: someone-elses}}]\n"
            )),
        );
    }
    let kubeconfig = p.path("kubeconfig");
    merged_kubeconfig(
        &kubeconfig,
        &[
            Member::Cluster("one", k1, "admin"),
            Member::Unreachable("stopped"),
            Member::Cluster("two", k2, "admin"),
        ],
    );
    let kc = kubeconfig.display().to_string();
    p.start_with(&[("KUBECONFIG", kc.as_str())]);
    p.see(&name);
    p.keys_press(&["A"]);
    // Drawn top to bottom: once `two` shows, `one` above it is drawn.
    let screen = p.see("[ ] two");
    assert!(screen.contains("[x] one"), "the current context: {screen}");
    p.keys_press(&["a"]); // every context
    p.see("3 of 3 contexts checked");
    // Three contexts, one environment, create namespaces, adopt, then
    // ServiceAccounts: leave alone → default → all.
    for _ in 0..6 {
        p.keys_press(&["Down"]);
    }
    p.keys_press(&["Space", "Space"]);
    p.see("ServiceAccounts: add the secret to every one (all)");
    p.keys_press(&["Enter"]);
    let plan = p.see("Type the context names");
    // The stopped cluster's namespace is planned as an error in its own
    // group, the others as usual.
    assert!(plan.contains("▸ stopped"), "{plan}");
    assert!(plan.contains("error"), "the stopped one: {plan}");
    p.type_text("one,two");
    p.keys_press(&["Enter"]);
    p.see("type the context names 'one,stopped,two'");
    for _ in 0.."one,two".len() {
        p.keys_press(&["BSpace"]);
    }
    p.type_text("one,stopped,two");
    p.keys_press(&["Enter"]);
    let done = p.see("namespaces failed");
    assert!(done.contains("Results:"), "{done}");
    assert!(done.contains("Apply: 1 of 3 namespaces failed"), "{done}");
    let secret_name = format!("{name}-creds");
    for kube in [k1, k2] {
        let secret = kube.get(&ns, "secret", &secret_name);
        assert_eq!(
            secret["metadata"]["labels"]["app.kubernetes.io/managed-by"], "regvault",
            "{secret}"
        );
        // ServiceAccounts `all` reached the operation: added, the other kept.
        let sa = kube.get(&ns, "serviceaccount", "builder");
        let names: Vec<&str> = sa["imagePullSecrets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert_eq!(names, ["someone-elses", secret_name.as_str()], "{sa}");
    }
    p.keys_press(&["Enter"]);
}
