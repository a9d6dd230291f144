//! What regvault may write or delete in a shared cluster, against the real
//! API server (tests/support/kube.rs) and moto as the ECR API: only the
//! Secrets it applied itself (recorded in the vault with their uid), never
//! one that merely carries its labels; a Secret planted between plan and
//! apply is not taken over; the credentials-hash annotation cannot be used
//! to test password guesses offline.

#[path = "support/kube.rs"]
mod kube_support;
mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{Moto, Sandbox};

fn tag() -> &'static str {
    support::run_tag()
}

fn unique(what: &str) -> String {
    format!("kt-{what}-{}", tag())
}

fn add_container(s: &Sandbox, name: &str, env: &str, id: &str) {
    s.ok(
        &[
            "container",
            "add",
            "--name",
            name,
            "--environment",
            env,
            "--image",
            "app",
            "--tag",
            "2",
            "--registry",
            id,
        ],
        &[],
    );
}

/// A namespace of the test's own (shared cluster): created once.
fn namespace(kube: &kube_support::Kube, ns: &str) {
    let o = kube.kubectl_raw("admin", &["create", "namespace", ns], None);
    assert!(
        o.status.success() || String::from_utf8_lossy(&o.stderr).contains("AlreadyExists"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// What an attacker with create rights in one namespace plants: a Secret
/// of the registry's secret name, with regvault's label and the registry's
/// id, an expiry already past (so a refresh finds it due) and their own
/// `.dockerconfigjson`.
fn plant(kube: &kube_support::Kube, ns: &str, name: &str, registry_id: &str) -> Value {
    let bait = STANDARD.encode(r#"{"auths":{"attacker.example":{"auth":"eDp5"}}}"#);
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {"app.kubernetes.io/managed-by": "regvault"},
            "annotations": {
                "regvault.io/registry-id": registry_id,
                "regvault.io/expires-at": "2001-01-01T00:00:00Z",
            },
        },
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": bait},
    });
    kube.kubectl_as("admin", &["create", "-f", "-"], Some(&doc.to_string()));
    kube.get(ns, "secret", name)
}

fn unchanged(kube: &kube_support::Kube, before: &Value, what: &str) {
    let ns = before["metadata"]["namespace"].as_str().unwrap();
    let name = before["metadata"]["name"].as_str().unwrap();
    let after = kube.get(ns, "secret", name);
    assert_eq!(
        after["data"], before["data"],
        "{what} wrote the planted secret"
    );
    assert_eq!(
        after["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"],
        "{what} touched the planted secret"
    );
    assert_eq!(after["metadata"]["uid"], before["metadata"]["uid"]);
}

#[test]
fn a_labelled_secret_regvault_did_not_create_is_foreign_never_written_or_deleted() {
    let kube = kube_support::cluster();
    let moto = Moto::start(false);
    let s = Sandbox::new();
    let name = unique("plant");
    let secret = format!("{name}-creds");
    let id = s.add(&support::ecr_doc(&name));
    add_container(&s, &format!("{name}-app"), "staging", &id);
    let kc = kube.kubeconfig.display().to_string();
    let env = [
        ("KUBECONFIG", kc.as_str()),
        ("REGVAULT_AWS_ENDPOINT", &moto.url()),
    ];
    let o = s.run(&["apply", &name, "-e", "staging", "--json"], &env);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let token = kube.get("env-staging", "secret", &secret)["data"][".dockerconfigjson"].clone();

    let ns = format!("env-sandbox-{}", tag());
    namespace(kube, &ns);
    let planted = plant(kube, &ns, &secret, &id);

    // sync: the registry's own secret is kept up to date, the planted one
    // is named and left as it is.
    let o = s.run(&["sync", &name, "--json"], &env);
    unchanged(kube, &planted, "sync");
    assert!(o.stdout.contains("foreign"), "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains(&ns), "{}", o.stdout);
    assert_ne!(
        kube.get(&ns, "secret", &secret)["data"][".dockerconfigjson"],
        token,
        "the real credentials reached the planted secret"
    );

    // refresh (cron, with a fresh ECR token): the same.
    let o = s.run(&["refresh", "--within", "13h", "--json"], &env);
    unchanged(kube, &planted, "refresh");
    assert!(o.stdout.contains("foreign"), "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains(&ns), "{}", o.stdout);
    // The registry's own secret was refreshed.
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let mine = v["refreshed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        mine["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["namespace"] == "env-staging"),
        "{v}"
    );

    // status names it.
    let o = s.run(&["status", &name, "--json"], &env);
    assert!(o.stdout.contains("foreign"), "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains(&ns), "{}", o.stdout);

    // Even asked for by name, sync does not write it.
    let env_name = ns.trim_start_matches("env-");
    let o = s.run(&["sync", &name, "-e", env_name, "--json"], &env);
    unchanged(kube, &planted, "sync -e");
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("foreign"), "{}", o.stdout);

    // prune removes the registry's own secret, never the planted one.
    let o = s.run(&["prune", &name, "--json"], &env);
    unchanged(kube, &planted, "prune");
    assert!(o.stdout.contains("foreign"), "{}\n{}", o.stdout, o.stderr);
    let gone = kube.kubectl_raw(
        "admin",
        &["-n", "env-staging", "get", "secret", &secret],
        None,
    );
    assert!(
        !gone.status.success(),
        "prune left the registry's own secret"
    );
}

#[test]
fn a_secret_recreated_with_regvaults_labels_is_foreign_to_sync() {
    // The recorded Secret is deleted and another one, with the same name,
    // labels and annotations (copied from the original), takes its place:
    // its uid differs, so it is not regvault's.
    let kube = kube_support::cluster();
    let s = Sandbox::new();
    let name = unique("swap");
    let secret = format!("{name}-creds");
    let id = s.add(&json!({"name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": format!("ghp_{}", "s".repeat(36))}}));
    let env_name = format!("swap{}", tag());
    let ns = format!("env-{env_name}");
    add_container(&s, &format!("{name}-app"), &env_name, &id);
    let kc = kube.kubeconfig.display().to_string();
    let env = [("KUBECONFIG", kc.as_str())];
    let o = s.run(
        &["apply", &name, "-e", &env_name, "--create-namespaces"],
        &env,
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let original = kube.get(&ns, "secret", &secret);
    kube.kubectl(&["-n", &ns, "delete", "secret", &secret]);
    let bait = STANDARD.encode(r#"{"auths":{"attacker.example":{"auth":"eDp5"}}}"#);
    let doc = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": secret, "namespace": ns,
            "labels": original["metadata"]["labels"],
            "annotations": original["metadata"]["annotations"]},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": bait},
    });
    kube.kubectl_as("admin", &["create", "-f", "-"], Some(&doc.to_string()));
    let planted = kube.get(&ns, "secret", &secret);
    // A rotation, so that sync would write.
    let f = s.write("tok", &format!("ghp_{}", "t".repeat(36)));
    let arg = format!("token={}", f.display());
    s.ok(&["registry", "update", &name, "--field-file", &arg], &[]);
    let o = s.run(&["sync", &name, "--json"], &env);
    unchanged(kube, &planted, "sync");
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("foreign"), "{}", o.stdout);
    let o = s.run(&["prune", &name, "--json"], &env);
    unchanged(kube, &planted, "prune");
    assert!(o.stdout.contains("foreign"), "{}\n{}", o.stdout, o.stderr);
}

#[test]
fn the_credentials_hash_is_keyed_and_kept_out_of_json() {
    let kube = kube_support::cluster();
    let s = Sandbox::new();
    let name = unique("hmac");
    let secret = format!("{name}-creds");
    let id = s.add(&json!({"name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": format!("ghp_{}", "h".repeat(36))}}));
    add_container(&s, &format!("{name}-app"), "staging", &id);
    let kc = kube.kubeconfig.display().to_string();
    let env = [("KUBECONFIG", kc.as_str())];
    let applied = s.run(&["apply", &name, "-e", "staging", "--json"], &env);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    let got = kube.get("env-staging", "secret", &secret);
    let annotation = got["metadata"]["annotations"]["regvault.io/credentials-hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(annotation.len(), 64);
    let config = STANDARD
        .decode(got["data"][".dockerconfigjson"].as_str().unwrap())
        .unwrap();
    let plain = Sha256::digest(&config)
        .iter()
        .fold(String::new(), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        });
    assert_ne!(
        annotation, plain,
        "the annotation is the unsalted sha256 of the credentials"
    );
    let status = s.run(&["status", &name, "--json"], &env);
    assert_eq!(status.code, 0, "{}\n{}", status.stdout, status.stderr);
    let v: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(v["environments"][0]["status"], "current", "{v}");
    for out in [&status.stdout, &applied.stdout] {
        assert!(!out.contains("credentialsHash"), "{out}");
        assert!(!out.contains(&annotation), "{out}");
    }
    // A second vault with the same credentials gets another hash.
    let s2 = Sandbox::new();
    let id2 = s2.add(&json!({"name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": format!("ghp_{}", "h".repeat(36))}}));
    add_container(&s2, &format!("{name}-app"), "staging", &id2);
    let env_name = format!("hm{}", tag());
    let o = s2.run(
        &["apply", &name, "-e", &env_name, "--create-namespaces"],
        &env,
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let other = kube.get(&format!("env-{env_name}"), "secret", &secret);
    assert_ne!(
        other["metadata"]["annotations"]["regvault.io/credentials-hash"],
        annotation.as_str()
    );
}

/// A GHCR registry with one container in a fresh namespace, planned in
/// process (`ops::kube::plan_apply`) and not yet applied: what a race
/// between the plan and the apply starts from.
struct Race {
    s: Sandbox,
    name: String,
    ns: String,
    store: regvault::ops::FileStore,
    rt: tokio::runtime::Runtime,
    kp: regvault::ops::kube::KubePlan,
}

fn planned_race(kube: &kube_support::Kube, what: &str, letter: char) -> Race {
    use regvault::ops::Cancel;
    use regvault::ops::kube::{ApplySettings, KubeRequest};

    let s = Sandbox::new();
    let name = unique(what);
    let id = s.add(&json!({"name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": format!("ghp_{}", letter.to_string().repeat(36))}}));
    let env_name = format!("{what}{}", tag());
    let ns = format!("env-{env_name}");
    namespace(kube, &ns);
    add_container(&s, &format!("{name}-app"), &env_name, &id);
    let store = s.store();
    let req = KubeRequest {
        registry: name.clone(),
        context: Some("admin".into()),
        kubeconfig: Some(kube.kubeconfig.clone()),
        environments: vec![env_name],
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let kp = rt
        .block_on(regvault::ops::kube::plan_apply(
            &store,
            &req,
            ApplySettings::default(),
            &Cancel::new(),
        ))
        .expect("planned");
    Race {
        s,
        name,
        ns,
        store,
        rt,
        kp,
    }
}

#[test]
fn a_secret_created_between_plan_and_apply_is_not_taken_over() {
    use regvault::ops::{Cancel, quiet};

    let kube = kube_support::cluster();
    let Race {
        name,
        ns,
        store,
        rt,
        kp,
        ..
    } = planned_race(kube, "race", 'r');
    let secret = format!("{name}-creds");
    let cancel = Cancel::new();
    assert_eq!(kp.planned[0].objects[0].change.as_str(), "create");
    // Between the plan and the apply, someone else creates the Secret.
    kube.kubectl(&[
        "-n",
        &ns,
        "create",
        "secret",
        "docker-registry",
        &secret,
        "--docker-server=ghcr.io",
        "--docker-username=by-hand",
        "--docker-password=made-by-hand",
    ]);
    let before = kube.get(&ns, "secret", &secret);
    let report = rt.block_on(regvault::ops::kube::execute(&store, kp, &quiet, &cancel));
    unchanged(kube, &before, "apply");
    assert_eq!(
        report.reports[0].outcome.as_str(),
        "unmanaged",
        "{report:?}"
    );
    assert!(report.failed());
}

#[test]
fn a_deployment_created_between_plan_and_apply_is_not_taken_over_and_the_secret_is_recorded() {
    use regvault::ops::{Cancel, quiet};

    let kube = kube_support::cluster();
    let Race {
        s,
        name,
        ns,
        store,
        rt,
        kp,
        ..
    } = planned_race(kube, "drace", 'd');
    let app = format!("{name}-app");
    let cancel = Cancel::new();
    kube.kubectl(&[
        "-n",
        &ns,
        "create",
        "deployment",
        &app,
        "--image=example.invalid/theirs:1",
    ]);
    let before = kube.get(&ns, "deployment", &app);
    let report = rt.block_on(regvault::ops::kube::execute(&store, kp, &quiet, &cancel));
    assert_eq!(
        report.reports[0].outcome.as_str(),
        "unmanaged",
        "{report:?}"
    );
    let after = kube.get(&ns, "deployment", &app);
    assert_eq!(
        after["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"],
        "the deployment was taken over"
    );
    // The Secret written before it is the vault's: status knows it.
    let kc = kube.kubeconfig.display().to_string();
    let o = s.run(&["status", &name, "--json"], &[("KUBECONFIG", kc.as_str())]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["environments"][0]["status"], "current", "{v}");
}
