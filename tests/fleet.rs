//! Many clusters at once (`--context a,b,c`, `--all-contexts`) and
//! `--service-account`, against three real control planes on 127.0.0.1
//! (scripts/test.sh starts them: `REGVAULT_TEST_KUBE` and
//! `REGVAULT_TEST_KUBE_FLEET`). Each test uses its own registry (and
//! kubeconfig), so its Secrets are its own while namespaces are shared.

#[path = "support/kube.rs"]
mod kube_support;
mod support;

use kube_support::{Kube, Member, fleet, merged_kubeconfig};
use serde_json::{Value, json};
use support::Sandbox;

fn token(tag: char) -> String {
    format!("ghp_{}", std::iter::repeat_n(tag, 36).collect::<String>())
}

struct Setup {
    s: Sandbox,
    name: String,
    secret: String,
    kubeconfig: String,
}

impl Setup {
    /// A GHCR registry `fl-<what>-<tag>` with a container in each of
    /// `envs`, and a kubeconfig of `members`.
    fn new(what: &str, envs: &[&str], members: &[Member<'_>]) -> Setup {
        let name = format!("fl-{what}-{}", support::run_tag());
        let s = Sandbox::new();
        let id = s.add(&json!({"name": name, "type": "GHCR",
            "credentials": {"username": "octo", "token": token('f')}}));
        for env in envs {
            s.add_container(&format!("{name}-web"), env, "ghcr.io/acme/web", &id);
        }
        let kubeconfig = s.path("kubeconfig");
        merged_kubeconfig(&kubeconfig, members);
        Setup {
            s,
            secret: format!("{name}-creds"),
            name,
            kubeconfig: kubeconfig.display().to_string(),
        }
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

/// The outcome (or status) of (context, namespace) in a many-cluster
/// `--json` report.
fn result<'a>(v: &'a Value, context: &str, ns: &str, field: &str) -> &'a str {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["context"] == context && (r["namespace"] == ns || r["namespace"].is_null()))
        .and_then(|r| r[field].as_str())
        .unwrap_or_else(|| panic!("no {context}/{ns} in {v}"))
}

fn exists(kube: &Kube, ns: &str, kind: &str, name: &str) -> bool {
    kube.kubectl_raw("admin", &["-n", ns, "get", kind, name], None)
        .status
        .success()
}

#[test]
fn all_contexts_reach_three_clusters_and_a_broken_one_stops_none() {
    let [k1, k2, k3] = fleet();
    // Three environments (one created): the plan reads them with one
    // cluster-wide list where allowed, one read each where not (`dev`).
    let fresh = format!("fl-{}", support::run_tag());
    let envs = format!("production,staging,{fresh}");
    let t = Setup::new(
        "all",
        &["production", "staging", &fresh],
        &[
            Member::Cluster("one", k1, "admin"),
            Member::Cluster("norbac", k1, "dev"),
            Member::Cluster("two", k2, "admin"),
            Member::Unreachable("stopped"),
            Member::Cluster("three", k3, "admin"),
        ],
    );
    let (code, v) = t.json(&[
        "apply",
        &t.name,
        "-e",
        &envs,
        "--create-namespaces",
        "--all-contexts",
        "--json",
    ]);
    // The worst class among the clusters: `norbac`'s forbidden namespaces
    // (3, credentials refused) over the stopped cluster's failure (1).
    assert_eq!(
        code, 3,
        "a failed cluster makes the exit code non-zero: {v}"
    );
    assert_eq!(v["ok"], false);
    let fresh_ns = format!("env-{fresh}");
    for c in ["one", "two", "three"] {
        for ns in ["env-production", "env-staging", fresh_ns.as_str()] {
            assert_eq!(result(&v, c, ns, "outcome"), "applied", "{c} {ns}: {v}");
        }
    }
    assert_eq!(
        result(&v, "norbac", "env-production", "outcome"),
        "forbidden"
    );
    assert_eq!(result(&v, "norbac", &fresh_ns, "outcome"), "forbidden");
    // Same server as `one`, so it ran after it: nothing left to do where
    // its RBAC allows.
    assert_eq!(result(&v, "norbac", "env-staging", "outcome"), "unchanged");
    assert_eq!(result(&v, "stopped", "env-production", "outcome"), "error");
    for k in [k1, k2, k3] {
        for ns in ["env-production", "env-staging", fresh_ns.as_str()] {
            assert!(exists(k, ns, "secret", &t.secret), "{} {ns}", k.server);
            assert!(exists(k, ns, "deployment", &format!("{}-web", t.name)));
        }
    }
    // The text form names every cluster and the failed ones.
    let o = t.run(&["status", &t.name, "-e", &envs, "--all-contexts"]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    for c in ["one", "two", "three", "norbac", "stopped"] {
        assert!(
            o.stdout.contains(&format!("context {c}")),
            "{c}: {}",
            o.stdout
        );
    }
    assert!(o.stdout.contains("failed: norbac, stopped"), "{}", o.stdout);
}

#[test]
fn status_sync_and_prune_work_across_contexts() {
    let [k1, k2, k3] = fleet();
    let t = Setup::new(
        "ssp",
        &["staging"],
        &[
            Member::Cluster("a", k1, "admin"),
            Member::Cluster("b", k2, "admin"),
            Member::Cluster("c", k3, "admin"),
        ],
    );
    let ctx = ["--context", "a,b,c"];
    let (code, v) = t.json(&[&["apply", &t.name, "-e", "staging", "--json"][..], &ctx].concat());
    assert_eq!(code, 0, "{v}");
    let uids: Vec<Value> = [k1, k2, k3]
        .iter()
        .map(|k| k.get("env-staging", "secret", &t.secret)["metadata"]["uid"].clone())
        .collect();

    let (code, v) = t.json(&[&["status", &t.name, "--json"][..], &ctx].concat());
    assert_eq!(code, 0, "{v}");
    for c in ["a", "b", "c"] {
        assert_eq!(result(&v, c, "env-staging", "status"), "current", "{v}");
    }

    let f = t.s.write("tok", &token('g'));
    let arg = format!("token={}", f.display());
    t.s.ok(&["registry", "update", &t.name, "--field-file", &arg], &[]);
    let (_, v) = t.json(&[&["status", &t.name, "--json"][..], &ctx].concat());
    for c in ["a", "b", "c"] {
        assert_eq!(result(&v, c, "env-staging", "status"), "stale", "{v}");
    }
    let (code, v) = t.json(&[&["sync", &t.name, "--json"][..], &ctx].concat());
    assert_eq!(code, 0, "{v}");
    for (k, uid) in [k1, k2, k3].iter().zip(&uids) {
        let s = k.get("env-staging", "secret", &t.secret);
        assert_eq!(&s["metadata"]["uid"], uid, "updated in place");
    }
    let (code, v) = t.json(&[&["status", &t.name, "--json"][..], &ctx].concat());
    assert_eq!(code, 0, "{v}");
    assert_eq!(result(&v, "b", "env-staging", "status"), "current", "{v}");

    let (code, v) = t.json(&[&["prune", &t.name, "--json"][..], &ctx].concat());
    assert_eq!(code, 0, "{v}");
    for c in ["a", "b", "c"] {
        assert_eq!(result(&v, c, "env-staging", "outcome"), "deleted", "{v}");
    }
    for k in [k1, k2, k3] {
        assert!(
            !exists(k, "env-staging", "secret", &t.secret),
            "{}",
            k.server
        );
    }
}

/// The `imagePullSecrets` names of a service account.
fn pull_secrets(k: &Kube, ns: &str, sa: &str) -> Vec<String> {
    k.get(ns, "serviceaccount", sa)["imagePullSecrets"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn service_account_all_keeps_other_entries_is_idempotent_and_prune_takes_only_its_own() {
    let [k1, k2, _] = fleet();
    let env = format!("sa-{}", support::run_tag());
    let ns = format!("env-{env}");
    for k in [k1, k2] {
        k.kubectl_as(
            "admin",
            &["apply", "-f", "-"],
            Some(&format!(
                "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\n\
                 apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: builder, namespace: {ns}}}\n\
                 imagePullSecrets: [{{name: someone-elses}}, {{name: another}}]\n"
            )),
        );
    }
    let t = Setup::new(
        "sa",
        &[&env],
        &[
            Member::Cluster("a", k1, "admin"),
            Member::Cluster("b", k2, "admin"),
        ],
    );
    let args = [
        "apply",
        &t.name,
        "-e",
        &env,
        "--service-account",
        "all",
        "--context",
        "a,b",
        "--json",
    ];
    // `default` appears a moment after the namespace: wait for it.
    for k in [k1, k2] {
        for _ in 0..100 {
            if exists(k, &ns, "serviceaccount", "default") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let (code, v) = t.json(&args);
    assert_eq!(code, 0, "{v}");
    for k in [k1, k2] {
        assert_eq!(
            pull_secrets(k, &ns, "builder"),
            ["someone-elses", "another", t.secret.as_str()]
        );
        assert_eq!(pull_secrets(k, &ns, "default"), [t.secret.as_str()]);
    }
    let before = k1.get(&ns, "serviceaccount", "builder")["metadata"]["resourceVersion"].clone();

    // Again: nothing to do, nothing written.
    let (code, v) = t.json(&args);
    assert_eq!(code, 0, "{v}");
    assert_eq!(result(&v, "a", &ns, "outcome"), "unchanged", "{v}");
    let sa_changes: Vec<&Value> = v["clusters"][0]["namespaces"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "ServiceAccount")
        .collect();
    assert_eq!(sa_changes.len(), 2, "{v}");
    assert!(sa_changes.iter().all(|o| o["change"] == "unchanged"), "{v}");
    let after = k1.get(&ns, "serviceaccount", "builder")["metadata"]["resourceVersion"].clone();
    assert_eq!(before, after, "a second run rewrote the service account");
    assert_eq!(
        pull_secrets(k1, &ns, "builder"),
        ["someone-elses", "another", t.secret.as_str()],
        "no duplicate entry"
    );

    let (code, v) = t.json(&["prune", &t.name, "--context", "a,b", "--json"]);
    assert_eq!(code, 0, "{v}");
    for k in [k1, k2] {
        assert_eq!(
            pull_secrets(k, &ns, "builder"),
            ["someone-elses", "another"]
        );
        assert!(pull_secrets(k, &ns, "default").is_empty());
    }
}

#[test]
fn a_named_service_account_that_does_not_exist_is_reported_and_the_secret_left_unapplied() {
    let [k1, ..] = fleet();
    let t = Setup::new(
        "sa-missing",
        &["staging"],
        &[Member::Cluster("a", k1, "admin")],
    );
    let o = t.run(&[
        "apply",
        &t.name,
        "-e",
        "staging",
        "--service-account",
        "no-such-sa",
    ]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(
        o.stdout
            .contains("serviceaccount env-staging/no-such-sa does not exist"),
        "{}",
        o.stdout
    );
    assert!(!exists(k1, "env-staging", "secret", &t.secret));
    let bad = t.run(&[
        "apply",
        &t.name,
        "-e",
        "staging",
        "--service-account",
        "Bad_Name",
    ]);
    assert_ne!(bad.code, 0, "{}", bad.stderr);
    assert!(bad.stderr.contains("Bad_Name"), "{}", bad.stderr);
}
