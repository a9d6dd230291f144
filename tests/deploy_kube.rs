//! `regvault apply|status|sync|refresh|prune` against a real Kubernetes
//! API server (v1.20.2 built from Debian's source, with etcd and the
//! controller-manager, on 127.0.0.1 — see tests/support/kube.rs) and moto
//! as the ECR API. Each test uses its own registry name, so its Secret and
//! Deployments are its own while the namespaces are shared.

#[path = "support/kube.rs"]
mod kube_support;
mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use support::{Moto, Sandbox};

/// A per-run suffix: the cluster may outlive a run (a developer's own
/// `REGVAULT_TEST_KUBE`), and another run's Secret of the same name belongs
/// to another registry id.
fn tag() -> &'static str {
    support::run_tag()
}

/// A unique registry name for this run: `kt-<what>-<tag>`.
fn unique(what: &str) -> String {
    format!("kt-{what}-{}", tag())
}

/// 36 characters after `ghp_`, as GitHub's classic tokens.
fn token(tag: char) -> String {
    format!("ghp_{}", std::iter::repeat_n(tag, 36).collect::<String>())
}

struct Setup {
    s: Sandbox,
    name: String,
    id: String,
    secret: String,
    kubeconfig: String,
}

impl Setup {
    /// A GHCR registry `name` with container `<name>-web` in each of `envs`.
    fn new(name: &str, envs: &[&str], tok: &str) -> Setup {
        let kube = kube_support::cluster();
        let s = Sandbox::new();
        let id = s.add(&json!({"name": name, "type": "GHCR",
            "credentials": {"username": "octo", "token": tok}}));
        for env in envs {
            s.add_container(&format!("{name}-web"), env, "ghcr.io/acme/web", &id);
        }
        Setup {
            s,
            name: name.to_owned(),
            id,
            secret: format!("{name}-creds"),
            kubeconfig: kube.kubeconfig.display().to_string(),
        }
    }

    fn web(&self) -> String {
        format!("{}-web", self.name)
    }

    fn run(&self, args: &[&str]) -> support::Out {
        self.s
            .run(args, &[("KUBECONFIG", self.kubeconfig.as_str())])
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let o = self.run(args);
        let v = serde_json::from_str(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}\n{}", o.stdout, o.stderr));
        (o.code, v)
    }
}

fn outcome<'a>(v: &'a Value, ns: &str) -> &'a str {
    v["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["namespace"] == ns)
        .and_then(|n| n["outcome"].as_str())
        .unwrap_or_else(|| panic!("no {ns} in {v}"))
}

/// The auths of a Secret's `.dockerconfigjson`.
fn auths(secret: &Value) -> Value {
    let raw = STANDARD
        .decode(secret["data"][".dockerconfigjson"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&raw).unwrap()["auths"].clone()
}

#[test]
fn apply_creates_a_secret_per_environment_with_the_right_auths() {
    let kube = kube_support::cluster();
    let tok = token('a');
    let t = Setup::new(&unique("one"), &["staging", "production"], &tok);
    let o = t.run(&[
        "apply",
        t.name.as_str(),
        "--environment",
        "staging,production",
        "--create-namespaces",
    ]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("plan:"), "{}", o.stdout);
    assert!(o.stdout.contains("create"), "{}", o.stdout);
    assert!(!o.stdout.contains(&tok) && !o.stderr.contains(&tok));
    for ns in ["env-staging", "env-production"] {
        let s = kube.get(ns, "secret", &t.secret);
        assert_eq!(s["type"], "kubernetes.io/dockerconfigjson");
        assert_eq!(
            s["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "regvault"
        );
        assert_eq!(
            s["metadata"]["annotations"]["regvault.io/registry-id"],
            t.id.as_str()
        );
        assert_eq!(
            s["metadata"]["annotations"]["regvault.io/credentials-hash"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
        let a = auths(&s);
        assert_eq!(a["ghcr.io"]["username"], "octo", "{a}");
        assert_eq!(a["ghcr.io"]["password"], tok.as_str());
        assert_eq!(
            a["ghcr.io"]["auth"],
            STANDARD.encode(format!("octo:{tok}")).as_str()
        );
        // kubectl reads it as a docker-registry secret.
        let listed = kube.kubectl(&["-n", ns, "get", "secret", &t.secret]);
        assert!(
            listed.contains("kubernetes.io/dockerconfigjson"),
            "{listed}"
        );
    }
    // Applying again changes nothing.
    let (code, v) = t.json(&[
        "apply",
        t.name.as_str(),
        "-e",
        "staging",
        "-e",
        "production",
        "--json",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(outcome(&v, "env-staging"), "unchanged");
    assert!(
        v["plan"]["environments"][0]["secret"]["data"][".dockerconfigjson"]
            .as_str()
            .unwrap()
            .starts_with("<redacted"),
        "{v}"
    );
    assert!(!v.to_string().contains(&tok));
}

#[test]
fn the_deployment_references_the_secret() {
    let kube = kube_support::cluster();
    let t = Setup::new(&unique("two"), &["staging"], &token('b'));
    let (code, v) = t.json(&[
        "apply",
        t.name.as_str(),
        "-e",
        "staging",
        "--service-account",
        "--json",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(outcome(&v, "env-staging"), "applied");
    let d = kube.get("env-staging", "deployment", &t.web());
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["imagePullSecrets"], json!([{"name": t.secret}]), "{d}");
    assert_eq!(pod["containers"][0]["image"], "ghcr.io/acme/web:1.0");
    assert_eq!(
        d["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "regvault"
    );
    // --service-account: default lists it too, other entries kept.
    let sa = kube.get("env-staging", "serviceaccount", "default");
    let names: Vec<&str> = sa["imagePullSecrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(names.contains(&t.secret.as_str()), "{sa}");
}

#[test]
fn an_unmanaged_secret_of_the_same_name_is_left_untouched_and_named() {
    let kube = kube_support::cluster();
    let t = Setup::new(&unique("three"), &["staging", "production"], &token('c'));
    kube.kubectl(&[
        "-n",
        "env-staging",
        "create",
        "secret",
        "docker-registry",
        &t.secret,
        "--docker-server=ghcr.io",
        "--docker-username=by-hand",
        "--docker-password=made-by-hand",
    ]);
    let before = kube.kubectl(&[
        "-n",
        "env-staging",
        "get",
        "secret",
        &t.secret,
        "-o",
        "json",
    ]);
    let o = t.run(&["apply", t.name.as_str(), "-e", "staging,production"]);
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    let named = format!("env-staging/{}", t.secret);
    assert!(o.stdout.contains(&named), "{}", o.stdout);
    assert!(o.stdout.contains("not managed by regvault"), "{}", o.stdout);
    let after = kube.kubectl(&[
        "-n",
        "env-staging",
        "get",
        "secret",
        &t.secret,
        "-o",
        "json",
    ]);
    assert_eq!(before, after, "the unmanaged secret changed");
    // The other namespace was applied.
    let p = kube.get("env-production", "secret", &t.secret);
    assert_eq!(
        p["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "regvault"
    );
    // --adopt takes it over on purpose.
    let (code, v) = t.json(&[
        "apply",
        t.name.as_str(),
        "-e",
        "staging",
        "--adopt",
        "--json",
    ]);
    assert_eq!(code, 0, "{v}");
    let s = kube.get("env-staging", "secret", &t.secret);
    assert_eq!(
        s["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "regvault"
    );
    assert_eq!(auths(&s)["ghcr.io"]["username"], "octo");
}

#[test]
fn rotation_is_stale_then_sync_updates_in_place_without_a_restart() {
    let kube = kube_support::cluster();
    let t = Setup::new(&unique("four"), &["staging"], &token('d'));
    let o = t.run(&["apply", t.name.as_str(), "-e", "staging"]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let s1 = kube.get("env-staging", "secret", &t.secret);
    let d1 = kube.get("env-staging", "deployment", &t.web());
    let (_, st) = t.json(&["status", t.name.as_str(), "--json"]);
    assert_eq!(st["environments"][0]["status"], "current", "{st}");

    let new = token('e');
    let f = t.s.write("tok", &new);
    let arg = format!("token={}", f.display());
    t.s.ok(
        &["registry", "update", t.name.as_str(), "--field-file", &arg],
        &[],
    );
    let (code, st) = t.json(&["status", t.name.as_str(), "-e", "staging", "--json"]);
    assert_eq!(code, 0, "{st}");
    assert_eq!(st["environments"][0]["status"], "stale", "{st}");
    let human = t.run(&["status", t.name.as_str()]);
    assert!(human.stdout.contains("stale"), "{}", human.stdout);

    let (code, v) = t.json(&["sync", t.name.as_str(), "--json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(outcome(&v, "env-staging"), "applied");
    let s2 = kube.get("env-staging", "secret", &t.secret);
    assert_eq!(s2["metadata"]["uid"], s1["metadata"]["uid"], "recreated");
    assert_ne!(
        s2["metadata"]["resourceVersion"],
        s1["metadata"]["resourceVersion"]
    );
    assert_eq!(auths(&s2)["ghcr.io"]["password"], new.as_str());
    let d2 = kube.get("env-staging", "deployment", &t.web());
    assert_eq!(d2["metadata"]["generation"], d1["metadata"]["generation"]);
    assert_eq!(
        d2["metadata"]["resourceVersion"],
        d1["metadata"]["resourceVersion"]
    );
    assert_eq!(d2["spec"]["template"], d1["spec"]["template"]);
    let (_, st) = t.json(&["status", t.name.as_str(), "--json"]);
    assert_eq!(st["environments"][0]["status"], "current", "{st}");
}

#[test]
fn a_namespace_without_rbac_is_forbidden_while_the_others_are_applied() {
    let kube = kube_support::cluster();
    let t = Setup::new(&unique("five"), &["staging", "production"], &token('f'));
    let (code, v) = t.json(&[
        "apply",
        t.name.as_str(),
        "-e",
        "staging,production",
        "--context",
        "dev",
        "--json",
    ]);
    // Exit class 3 (credentials refused): the worst of applied and forbidden.
    assert_eq!(code, 3, "{v}");
    assert_eq!(v["context"], "dev");
    assert_eq!(outcome(&v, "env-staging"), "applied", "{v}");
    assert_eq!(outcome(&v, "env-production"), "forbidden", "{v}");
    let prod = v["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["namespace"] == "env-production")
        .unwrap();
    assert!(
        prod["message"].as_str().unwrap().contains("env-production"),
        "{prod}"
    );
    kube.get("env-staging", "secret", &t.secret);
    let missing = kube.kubectl_raw(
        "admin",
        &["-n", "env-production", "get", "secret", &t.secret],
        None,
    );
    assert!(!missing.status.success(), "production got a secret");
    // A missing namespace is reported by name too.
    let o = t.run(&["apply", t.name.as_str(), "-e", "nowhere"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stdout.contains("env-nowhere does not exist"),
        "{}",
        o.stdout
    );
}

#[test]
fn ecr_through_moto_puts_aws_token_and_expiry_in_the_secret() {
    let kube = kube_support::cluster();
    let moto = Moto::start(false);
    let s = Sandbox::new();
    let name = unique("ecr");
    let secret_name = format!("{name}-creds");
    let id = s.add(&json!({"name": name, "type": "ECR", "credentials": {
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "region": "us-east-1"}}));
    s.ok(
        &[
            "container",
            "add",
            "--name",
            &format!("{name}-app"),
            "--environment",
            "staging",
            "--image",
            "app",
            "--tag",
            "2",
            "--registry",
            &id,
        ],
        &[],
    );
    let kc = kube.kubeconfig.display().to_string();
    let env = [
        ("KUBECONFIG", kc.as_str()),
        ("REGVAULT_AWS_ENDPOINT", &moto.url()),
    ];
    let o = s.run(&["apply", &name, "-e", "staging", "--json"], &env);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let secret = kube.get("env-staging", "secret", &secret_name);
    let a = auths(&secret);
    let (host, entry) = a.as_object().unwrap().iter().next().unwrap();
    assert!(
        host.ends_with(".dkr.ecr.us-east-1.amazonaws.com") && host.len() == 12 + 32,
        "{host}"
    );
    let account = &host[..12];
    assert_eq!(entry["username"], "AWS");
    let password = entry["password"].as_str().unwrap();
    assert_eq!(password, format!("{account}-auth-token"), "moto's token");
    assert_eq!(
        STANDARD.decode(entry["auth"].as_str().unwrap()).unwrap(),
        format!("AWS:{password}").into_bytes()
    );
    // The expiry is on the secret and matches the vault's record.
    let expires = secret["metadata"]["annotations"]["regvault.io/expires-at"]
        .as_str()
        .unwrap()
        .to_owned();
    let show: Value =
        serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout).unwrap();
    let recorded: jiff::Timestamp = show["ecrToken"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expires.parse::<jiff::Timestamp>().unwrap(), recorded);
    assert!(recorded > jiff::Timestamp::now(), "{recorded}");
    // moto's expiry is fixed in 2015: regvault says what it did about it.
    assert!(
        v["warnings"][0].as_str().unwrap().contains("already past"),
        "{v}"
    );
    assert!(!o.stdout.contains(password) && !o.stderr.contains(password));
    let (_, st) = (0, s.ok(&["status", &name, "--json"], &env).stdout);
    assert!(st.contains("\"current\"") && st.contains(&expires), "{st}");

    // refresh: nothing is due within 1 minute; within 13h it is re-applied.
    let o = s.ok(&["refresh", "--within", "1m", "--json"], &env);
    let r: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(
        !r["refreshed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id.as_str()),
        "{r}"
    );
    let o = s.ok(&["refresh", "--within", "13h", "--json"], &env);
    let r: Value = serde_json::from_str(&o.stdout).unwrap();
    let mine = r["refreshed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(mine["namespaces"][0]["outcome"], "applied", "{r}");
    let after = kube.get("env-staging", "secret", &secret_name);
    assert_eq!(after["metadata"]["uid"], secret["metadata"]["uid"]);
    assert_ne!(
        after["metadata"]["annotations"]["regvault.io/expires-at"],
        secret["metadata"]["annotations"]["regvault.io/expires-at"]
    );

    // prune (the registry's removal): its managed secrets go.
    let o = s.ok(&["apply", &name, "--remove", "--json"], &env);
    assert!(o.stdout.contains("\"deleted\""), "{}", o.stdout);
    let gone = kube.kubectl_raw(
        "admin",
        &["-n", "env-staging", "get", "secret", &secret_name],
        None,
    );
    assert!(!gone.status.success());
}

#[test]
fn dry_run_stores_nothing_and_create_namespaces_creates_them() {
    let kube = kube_support::cluster();
    let env = format!("new-{}", tag());
    let ns = format!("env-{env}");
    let t = Setup::new(&unique("six"), &[env.as_str()], &token('g'));
    // Without --create-namespaces the missing namespace is named.
    let (code, v) = t.json(&["apply", t.name.as_str(), "-e", &env, "--json"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(outcome(&v, &ns), "missing-namespace", "{v}");
    // The server's dry run: planned and accepted, nothing stored.
    let (code, v) = t.json(&[
        "apply",
        t.name.as_str(),
        "-e",
        &env,
        "--create-namespaces",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["dryRun"], true);
    assert_eq!(v["namespaces"][0]["namespaceChange"], "create", "{v}");
    let absent = kube.kubectl_raw("admin", &["get", "namespace", &ns], None);
    assert!(!absent.status.success(), "the dry run created {ns}");
    // For real: the namespace, the secret, the deployment.
    let (code, v) = t.json(&[
        "apply",
        t.name.as_str(),
        "-e",
        &env,
        "--create-namespaces",
        "--json",
    ]);
    assert_eq!(code, 0, "{v}");
    let n: Value =
        serde_json::from_str(&kube.kubectl(&["get", "namespace", &ns, "-o", "json"])).unwrap();
    assert_eq!(
        n["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "regvault"
    );
    kube.get(&ns, "secret", &t.secret);
    kube.get(&ns, "deployment", &t.web());
    // A dry run against existing objects goes through the server and
    // changes nothing.
    let before = kube.get(&ns, "secret", &t.secret);
    let f = t.s.write("tok", &token('h'));
    let arg = format!("token={}", f.display());
    t.s.ok(
        &["registry", "update", t.name.as_str(), "--field-file", &arg],
        &[],
    );
    let (code, v) = t.json(&["apply", t.name.as_str(), "-e", &env, "--dry-run", "--json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["namespaces"][0]["objects"][0]["change"], "update", "{v}");
    let after = kube.get(&ns, "secret", &t.secret);
    assert_eq!(before, after, "the dry run changed the secret");
}

#[test]
fn deleting_a_registry_points_at_prune_which_removes_its_secrets() {
    let kube = kube_support::cluster();
    let t = Setup::new(&unique("seven"), &["staging"], &token('i'));
    let o = t.run(&["apply", t.name.as_str(), "-e", "staging"]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    // Nothing may reference it when it is deleted.
    t.s.ok(&["container", "delete", &t.web()], &[]);
    let o = t.s.ok(&["registry", "delete", t.name.as_str()], &[]);
    let hint = format!("regvault prune {}", t.id);
    assert!(o.stdout.contains(&hint), "{}", o.stdout);
    // The registry is gone from the vault; its id still finds its secrets.
    let (code, v) = t.json(&["prune", t.id.as_str(), "--json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["secrets"][0]["namespace"], "env-staging", "{v}");
    assert_eq!(v["secrets"][0]["outcome"], "deleted", "{v}");
    let gone = kube.kubectl_raw(
        "admin",
        &["-n", "env-staging", "get", "secret", &t.secret],
        None,
    );
    assert!(!gone.status.success());
}

#[test]
fn cancelling_a_prune_stops_before_the_next_secret_and_says_which_were_left() {
    use regvault::ops::Cancel;
    use regvault::ops::kube::{ClusterTarget, PruneOutcome, PrunedSecret};

    let kube = kube_support::cluster();
    let t = tag();
    let envs: Vec<String> = (1..=4).map(|i| format!("pc{i}{t}")).collect();
    let env_refs: Vec<&str> = envs.iter().map(String::as_str).collect();
    let s = Setup::new(&unique("cancel"), &env_refs, &token('c'));
    let o = s.run(&[
        "apply",
        s.name.as_str(),
        "-e",
        &envs.join(","),
        "--create-namespaces",
    ]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let id = regvault::model::RegistryId::parse(&s.id).expect("id");
    let store = regvault::ops::FileStore::new(
        s.s.path("data/regvault/vault.age"),
        vec![regvault::vault::KeySource::IdentityFile(
            s.s.path("config/regvault/identity.txt"),
        )],
    )
    .with_signing_key(s.s.path("config/regvault/signing-key.txt"));
    let cluster = ClusterTarget {
        context: Some("admin".into()),
        kubeconfig: Some(kube.kubeconfig.clone()),
    };
    // Cancelled as soon as the first secret has reported.
    let cancel = Cancel::new();
    let progress = |_: &PrunedSecret| cancel.cancel();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt
        .block_on(regvault::ops::kube::prune(
            &store,
            &id,
            &cluster,
            &[],
            &progress,
            &cancel,
        ))
        .expect("prune ran");
    assert!(report.cancelled);
    let deleted: Vec<&PrunedSecret> = report
        .secrets
        .iter()
        .filter(|p| p.outcome == PruneOutcome::Deleted)
        .collect();
    let left: Vec<&PrunedSecret> = report
        .secrets
        .iter()
        .filter(|p| p.outcome == PruneOutcome::Cancelled)
        .collect();
    assert_eq!((deleted.len(), left.len()), (1, 3), "{:?}", report.secrets);
    // The cluster is as the report says: the deleted one gone, the others kept.
    let exists = |ns: &str| {
        kube.kubectl_raw("admin", &["-n", ns, "get", "secret", &s.secret], None)
            .status
            .success()
    };
    assert!(!exists(&deleted[0].namespace));
    for p in left {
        assert!(
            exists(&p.namespace),
            "{} was deleted after the cancel",
            p.namespace
        );
    }
}
