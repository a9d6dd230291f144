//! `regvault watch` against a real Kubernetes control plane (see
//! tests/support/kube.rs) and moto as the ECR API: the binary runs as a
//! child process, as systemd would run it, and the tests look at the
//! cluster with kubectl, polling with a deadline (never a fixed sleep as
//! the assertion). The API-server restart test starts its own control
//! plane so it disturbs no other test.

#[path = "support/kube.rs"]
mod kube_support;
mod support;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kube_support::Kube;
use serde_json::{Value, json};
use support::{Moto, Sandbox};

/// How long anything may take before a test gives up (a loaded CI
/// machine); the benchmark measures the real figure.
const DEADLINE: Duration = Duration::from_secs(90);

fn tag() -> &'static str {
    support::run_tag()
}

/// 36 characters after `ghp_`, as GitHub's classic tokens.
fn token(c: char) -> String {
    format!("ghp_{}", std::iter::repeat_n(c, 36).collect::<String>())
}

/// A sandbox with a GHCR registry whose container runs in each of `envs`.
fn setup(name: &str, envs: &[&str], tok: &str) -> (Sandbox, String) {
    let s = Sandbox::new();
    let id = s.add(&json!({"name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": tok}}));
    add_containers(&s, name, &id, envs);
    (s, id)
}

fn add_containers(s: &Sandbox, name: &str, id: &str, envs: &[&str]) {
    for env in envs {
        s.add_container(&format!("{name}-web"), env, "web", id);
    }
}

/// `regvault watch` running in the background, its output collected.
struct Watcher {
    child: Child,
    out: Arc<Mutex<String>>,
}

fn command(s: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("regvault"));
    let run = s.path("run");
    std::fs::create_dir_all(&run).unwrap();
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", s.dir.path())
        .env("XDG_CONFIG_HOME", s.path("config"))
        .env("XDG_DATA_HOME", s.path("data"))
        .env("XDG_RUNTIME_DIR", &run)
        .env("REGVAULT_USER", "alice@ops")
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

impl Watcher {
    fn start(s: &Sandbox, kube: &Kube, args: &[&str], env: &[(&str, &str)]) -> Watcher {
        let mut all = vec!["watch"];
        all.extend_from_slice(args);
        let kc = kube.kubeconfig.display().to_string();
        let mut env = env.to_vec();
        env.push(("KUBECONFIG", &kc));
        let mut child = command(s, &all, &env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting regvault watch");
        let out = Arc::new(Mutex::new(String::new()));
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let out = Arc::clone(&out);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut o = out.lock().unwrap();
                    o.push_str(&line);
                    o.push('\n');
                }
            });
        }
        let w = Watcher { child, out };
        w.wait_for("connected");
        w
    }

    fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Waits until the output has a line containing `needle`.
    fn wait_for(&self, needle: &str) {
        eventually(&format!("watch to print {needle:?}"), self, || {
            self.output().contains(needle).then_some(())
        });
    }

    fn pid(&self) -> rustix::process::Pid {
        rustix::process::Pid::from_raw(i32::try_from(self.child.id()).unwrap()).unwrap()
    }

    /// SIGTERM, then the exit code (within the deadline).
    fn terminate(mut self) -> Option<i32> {
        rustix::process::kill_process(self.pid(), rustix::process::Signal::TERM).unwrap();
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("watch did not stop after SIGTERM:\n{}", self.output());
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` every 100 ms until it gives a value; past the deadline the
/// test fails, naming `what` and showing the watch's output.
fn eventually<T>(what: &str, w: &Watcher, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "waited {DEADLINE:?} for {what}; watch printed:\n{}",
            w.output()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The Secret as kubectl sees it, if there is one.
fn secret(kube: &Kube, ns: &str, name: &str) -> Option<Value> {
    let o = kube.kubectl_raw(
        "admin",
        &["-n", ns, "get", "secret", name, "-o", "json"],
        None,
    );
    o.status
        .success()
        .then(|| serde_json::from_slice(&o.stdout).unwrap())
}

fn uid(v: &Value) -> String {
    v["metadata"]["uid"].as_str().unwrap().to_owned()
}

fn auths(secret: &Value) -> Value {
    let raw = STANDARD
        .decode(secret["data"][".dockerconfigjson"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&raw).unwrap()["auths"].clone()
}

/// Namespaces made by a test, deleted at its end (without waiting).
struct Namespaces<'a>(&'a Kube, Vec<String>);

impl Namespaces<'_> {
    fn create(&mut self, ns: &str) {
        self.0.kubectl(&["create", "namespace", ns]);
        self.1.push(ns.to_owned());
    }
}

impl Drop for Namespaces<'_> {
    fn drop(&mut self) {
        for ns in &self.1 {
            let _ = self
                .0
                .kubectl_raw("admin", &["delete", "namespace", ns, "--wait=false"], None);
        }
    }
}

fn status_json(s: &Sandbox) -> (i32, Value) {
    let o = command(s, &["watch", "status", "--json"], &[])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), v)
}

#[test]
fn a_new_namespace_gets_the_secret_and_deleted_or_edited_ones_come_back() {
    let kube = kube_support::cluster();
    let name = format!("wc-{}", tag());
    let env = format!("wa{}", tag());
    let ns = format!("env-{env}");
    let secret_name = format!("{name}-creds");
    let tok = token('a');
    let (s, _) = setup(&name, &[&env], &tok);
    let w = Watcher::start(&s, kube, &[], &[]);
    let mut spaces = Namespaces(kube, Vec::new());

    // A namespace created after the watch started gets the Secret and the
    // Deployment referencing it, as `apply` would.
    spaces.create(&ns);
    let first = eventually("the secret in the new namespace", &w, || {
        secret(kube, &ns, &secret_name)
    });
    assert_eq!(auths(&first)["ghcr.io"]["password"], tok.as_str());
    let dep = eventually("the deployment", &w, || {
        let o = kube.kubectl_raw(
            "admin",
            &[
                "-n",
                &ns,
                "get",
                "deployment",
                &format!("{name}-web"),
                "-o",
                "json",
            ],
            None,
        );
        o.status
            .success()
            .then(|| serde_json::from_slice::<Value>(&o.stdout).unwrap())
    });
    assert_eq!(
        dep["spec"]["template"]["spec"]["imagePullSecrets"],
        json!([{"name": secret_name}])
    );

    // Deleted by hand: created again (a new object, recorded by its uid).
    kube.kubectl(&["-n", &ns, "delete", "secret", &secret_name]);
    let again = eventually("the deleted secret to come back", &w, || {
        secret(kube, &ns, &secret_name).filter(|s| uid(s) != uid(&first))
    });
    assert_eq!(auths(&again)["ghcr.io"]["password"], tok.as_str());
    w.wait_for("was deleted: created again");

    // Edited by hand (the credentials and regvault's label): put back in
    // place, the same object.
    kube.kubectl(&[
        "-n",
        &ns,
        "patch",
        "secret",
        &secret_name,
        "-p",
        r#"{"data":{".dockerconfigjson":"eyJhdXRocyI6e319"}}"#,
    ]);
    kube.kubectl(&[
        "-n",
        &ns,
        "label",
        "secret",
        &secret_name,
        "app.kubernetes.io/managed-by-",
    ]);
    let restored = eventually("the edited secret to be put back", &w, || {
        secret(kube, &ns, &secret_name).filter(|s| {
            auths(s)["ghcr.io"]["password"] == tok.as_str()
                && s["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "regvault"
        })
    });
    assert_eq!(uid(&restored), uid(&again), "restored in place");
    w.wait_for("was edited: put back");

    // The status reports it; the output never holds the token.
    let (code, st) = status_json(&s);
    assert_eq!(code, 0, "{st}");
    assert_eq!(st["running"], true, "{st}");
    assert_eq!(st["contexts"][0]["context"], "admin", "{st}");
    assert_eq!(st["contexts"][0]["connected"], true, "{st}");
    assert!(st["contexts"][0]["repairs"].as_u64().unwrap() >= 2, "{st}");
    assert!(st["contexts"][0]["covered"].as_u64().unwrap() >= 1, "{st}");
    let human = command(&s, &["watch", "status"], &[]).output().unwrap();
    let human = String::from_utf8_lossy(&human.stdout).into_owned();
    assert!(human.starts_with("watch: 1/1 connected"), "{human}");
    let out = w.output();
    assert!(
        !out.contains(&tok) && !st.to_string().contains(&tok),
        "{out}"
    );

    // The audit log says what watch did to the cluster: the new namespace
    // covered, the deleted and the edited Secret put back.
    let log = s.ok(&["log", "--json"], &[]).stdout;
    assert!(!log.contains(&tok), "{log}");
    let entries: Vec<Value> = serde_json::from_str(&log).unwrap();
    let by_watch: Vec<String> = entries
        .iter()
        .filter(|e| e["where"].as_str().is_some_and(|w| w.contains(&ns)))
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["result"].as_str().unwrap()
            )
        })
        .collect();
    assert!(by_watch.contains(&"apply ok".to_owned()), "{by_watch:?}");
    // One repair for the deletion, one or two for the edit (the data and
    // the label were changed by two commands).
    assert!(
        by_watch.iter().filter(|a| *a == "repair ok").count() >= 2,
        "{by_watch:?}"
    );
    let repair = entries.iter().find(|e| e["action"] == "repair").unwrap();
    assert_eq!(repair["registry"]["name"], name.as_str(), "{repair}");
    s.ok(&["log", "verify"], &[]);
}

#[test]
fn a_secret_regvault_did_not_apply_is_never_touched_even_with_its_label() {
    let kube = kube_support::cluster();
    let name = format!("wu-{}", tag());
    let (eu, ek) = (format!("ub{}", tag()), format!("uc{}", tag()));
    let (nu, nk) = (format!("env-{eu}"), format!("env-{ek}"));
    let secret_name = format!("{name}-creds");
    let (s, id) = setup(&name, &[&eu, &ek], &token('b'));
    let mut spaces = Namespaces(kube, Vec::new());
    // Someone else's Secret under regvault's name, before the watch.
    spaces.create(&nu);
    kube.kubectl(&[
        "-n",
        &nu,
        "create",
        "secret",
        "generic",
        &secret_name,
        "--from-literal=theirs=1",
    ]);
    let w = Watcher::start(&s, kube, &[], &[]);
    w.wait_for("left untouched");

    // A cluster claims it is regvault's (label and this registry's id):
    // the vault did not record it, so it is still not regvault's.
    kube.kubectl(&[
        "-n",
        &nu,
        "label",
        "secret",
        &secret_name,
        "app.kubernetes.io/managed-by=regvault",
    ]);
    kube.kubectl(&[
        "-n",
        &nu,
        "annotate",
        "secret",
        &secret_name,
        &format!("regvault.io/registry-id={id}"),
    ]);
    let claimed = secret(kube, &nu, &secret_name).unwrap();
    kube.kubectl(&["-n", &nu, "delete", "secret", &secret_name]);
    kube.kubectl(&[
        "-n",
        &nu,
        "create",
        "secret",
        "generic",
        &secret_name,
        "--from-literal=theirs=2",
    ]);
    let theirs = secret(kube, &nu, &secret_name).unwrap();

    // A sync point: a later namespace covered, and its Secret deleted and
    // brought back — Secret events arrive in order, so the watch has seen
    // every change above by then.
    spaces.create(&nk);
    let mine = eventually("the secret in the later namespace", &w, || {
        secret(kube, &nk, &secret_name)
    });
    kube.kubectl(&["-n", &nk, "delete", "secret", &secret_name]);
    eventually("the deleted secret to come back", &w, || {
        secret(kube, &nk, &secret_name).filter(|s| uid(s) != uid(&mine))
    });

    let now = secret(kube, &nu, &secret_name).unwrap();
    assert_eq!(
        now["metadata"]["resourceVersion"], theirs["metadata"]["resourceVersion"],
        "never written"
    );
    assert_eq!(now["data"], json!({"theirs": STANDARD.encode("2")}));
    assert_ne!(uid(&now), uid(&claimed));
    let out = w.output();
    assert!(!out.contains(&format!("{nu}: {secret_name} was")), "{out}");
}

#[test]
fn auto_sync_pushes_a_rotation_and_sigterm_stops_cleanly() {
    let kube = kube_support::cluster();
    let name = format!("ws-{}", tag());
    let env = format!("as{}", tag());
    let ns = format!("env-{env}");
    let secret_name = format!("{name}-creds");
    let (s, _) = setup(&name, &[&env], &token('c'));
    let kc = kube.kubeconfig.display().to_string();
    s.ok(
        &["apply", &name, "-e", &env, "--create-namespaces"],
        &[("KUBECONFIG", &kc)],
    );
    let spaces = Namespaces(kube, vec![ns.clone()]);
    let before = secret(kube, &ns, &secret_name).unwrap();
    let w = Watcher::start(&s, kube, &["--auto-sync"], &[]);

    // A rotation saved in the vault by another process reaches the Secret,
    // in place.
    let new = token('d');
    let f = s.write("tok", &new);
    let arg = format!("token={}", f.display());
    s.ok(&["registry", "update", &name, "--field-file", &arg], &[]);
    let after = eventually("the rotation in the secret", &w, || {
        secret(kube, &ns, &secret_name).filter(|v| auths(v)["ghcr.io"]["password"] == new.as_str())
    });
    assert_eq!(uid(&after), uid(&before), "updated in place");
    w.wait_for("rotation pushed");
    let (_, st) = status_json(&s);
    assert!(st["contexts"][0]["synced"].as_u64().unwrap() >= 1, "{st}");
    assert_eq!(st["autoSync"], true, "{st}");

    // SIGTERM: exit 0, and the state says it stopped.
    assert_eq!(w.terminate(), Some(0));
    let (code, st) = status_json(&s);
    assert_eq!(code, 1, "{st}");
    assert_eq!(st["running"], false, "{st}");
    assert_eq!(st["contexts"][0]["connected"], false, "{st}");
    drop(spaces);
}

#[test]
fn an_ecr_token_is_renewed_before_its_recorded_expiry() {
    let kube = kube_support::cluster();
    let moto = Moto::start(false);
    let name = format!("we-{}", tag());
    let env = format!("ec{}", tag());
    let ns = format!("env-{env}");
    let secret_name = format!("{name}-creds");
    let s = Sandbox::new();
    let id = s.add(&support::ecr_doc(&name));
    add_containers(&s, &name, &id, &[&env]);
    let kc = kube.kubeconfig.display().to_string();
    let endpoint = moto.url();
    let aws = [("REGVAULT_AWS_ENDPOINT", endpoint.as_str())];
    s.ok(
        &["apply", &name, "-e", &env, "--create-namespaces"],
        &[("KUBECONFIG", &kc), aws[0]],
    );
    let _spaces = Namespaces(kube, vec![ns.clone()]);
    let expiry = |v: &Value| -> jiff::Timestamp {
        v["metadata"]["annotations"]["regvault.io/expires-at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let first = expiry(&secret(kube, &ns, &secret_name).unwrap());
    // The vault records a 12-hour token (moto's own expiry is long past);
    // a margin of 11h59m50s puts its renewal 10 s after the apply, while
    // the token in the cluster is still valid.
    let w = Watcher::start(&s, kube, &["--ecr-margin", "11h59m50s"], &aws);
    let (_, st) = status_json(&s);
    let next: jiff::Timestamp = st["contexts"][0]["nextEcrRefresh"]
        .as_str()
        .unwrap_or_else(|| panic!("{st}"))
        .parse()
        .unwrap();
    assert!(next < first, "renewal {next} before expiry {first}");
    let renewed = eventually("the renewed token in the secret", &w, || {
        secret(kube, &ns, &secret_name).filter(|v| expiry(v) > first)
    });
    assert!(jiff::Timestamp::now() < first, "renewed before it expired");
    assert_eq!(
        expiry(&renewed),
        {
            let show: Value =
                serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout)
                    .unwrap();
            show["ecrToken"]["expiresAt"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
        },
        "the secret carries the vault's new token"
    );
    w.wait_for("ECR token renewed");
}

/// A private control plane for the restart test, stopped on drop.
struct OwnCluster {
    kube: Kube,
    _dir: tempfile::TempDir,
}

impl OwnCluster {
    fn start() -> OwnCluster {
        let dir = tempfile::Builder::new()
            .prefix("regvault-watch-kube-")
            .tempdir()
            .unwrap();
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let o = Command::new(repo.join("scripts/kube-up.sh"))
            .arg(dir.path())
            .output()
            .expect("scripts/kube-up.sh");
        assert!(
            o.status.success(),
            "scripts/kube-up.sh failed (build the control plane with ./scripts/setup-kube.sh):\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let server = std::fs::read_to_string(dir.path().join("ready")).unwrap();
        OwnCluster {
            kube: Kube {
                dir: dir.path().to_owned(),
                kubeconfig: dir.path().join("kubeconfig"),
                server: server.trim().to_owned(),
            },
            _dir: dir,
        }
    }

    /// Stops the API server (SIGTERM, by the PID kube-up recorded) and
    /// starts it again with the same command line; waits until it is ready.
    fn restart_apiserver(&self) {
        let pids = self.kube.dir.join("pids");
        let list = std::fs::read_to_string(&pids).unwrap();
        let mut lines: Vec<String> = list.lines().map(str::to_owned).collect();
        let pid: i32 = lines[1].trim().parse().unwrap();
        let argv: Vec<String> = std::fs::read(format!("/proc/{pid}/cmdline"))
            .unwrap()
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let p = rustix::process::Pid::from_raw(pid).unwrap();
        rustix::process::kill_process(p, rustix::process::Signal::TERM).unwrap();
        while Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ")
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Started in the background by a shell, as kube-up.sh does, so
        // kube-down.sh stops it by the PID it prints.
        let log = self.kube.dir.join("apiserver-2.log");
        let o = Command::new("sh")
            .arg("-c")
            .arg(r#"log="$1"; shift; "$@" </dev/null >"$log" 2>&1 & echo $!"#)
            .arg("sh")
            .arg(&log)
            .args(&argv)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .clone_into(&mut lines[1]);
        std::fs::write(&pids, lines.join("\n") + "\n").unwrap();
        let start = Instant::now();
        while !self
            .kube
            .kubectl_raw("admin", &["get", "--raw", "/readyz"], None)
            .status
            .success()
        {
            assert!(
                start.elapsed() < DEADLINE,
                "the apiserver did not come back"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let _ = Command::new(repo.join("scripts/kube-down.sh"))
            .arg(&self.kube.dir)
            .output();
    }
}

#[test]
fn watch_survives_an_api_server_restart() {
    let own = OwnCluster::start();
    let kube = &own.kube;
    let name = format!("wr-{}", tag());
    let (before, after) = (format!("rb{}", tag()), format!("ra{}", tag()));
    let secret_name = format!("{name}-creds");
    let (s, _) = setup(&name, &[&before, &after], &token('e'));
    let w = Watcher::start(&s, kube, &[], &[]);
    kube.kubectl(&["create", "namespace", &format!("env-{before}")]);
    eventually("the secret before the restart", &w, || {
        secret(kube, &format!("env-{before}"), &secret_name)
    });

    own.restart_apiserver();
    w.wait_for("disconnected");
    // A namespace created after the restart is covered: the watch
    // reconnected (resumed, or listed again after a 410).
    kube.kubectl(&["create", "namespace", &format!("env-{after}")]);
    eventually("the secret after the restart", &w, || {
        secret(kube, &format!("env-{after}"), &secret_name)
    });
    assert_eq!(w.terminate(), Some(0));
}

#[test]
fn with_service_accounts_new_service_accounts_list_the_secret() {
    let kube = kube_support::cluster();
    let name = format!("wa-{}", tag());
    let env = format!("sa{}", tag());
    let ns = format!("env-{env}");
    let secret_name = format!("{name}-creds");
    let (s, _) = setup(&name, &[&env], &token('f'));
    let w = Watcher::start(&s, kube, &["--service-accounts"], &[]);
    let mut spaces = Namespaces(kube, Vec::new());
    spaces.create(&ns);
    eventually("the secret in the new namespace", &w, || {
        secret(kube, &ns, &secret_name)
    });
    let lists = |sa: &str| {
        let o = kube.kubectl_raw(
            "admin",
            &["-n", &ns, "get", "serviceaccount", sa, "-o", "json"],
            None,
        );
        o.status.success().then(|| {
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            v["imagePullSecrets"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
    };
    eventually("default to list the secret", &w, || {
        lists("default").filter(|l| l.contains(&json!({"name": secret_name})))
    });
    // A ServiceAccount created later, with an entry of its own: gets the
    // Secret, keeps its entry.
    kube.kubectl_as(
        "admin",
        &["-n", &ns, "apply", "-f", "-"],
        Some(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: builder}\nimagePullSecrets: [{name: theirs}]\n",
        ),
    );
    let l = eventually("builder to list the secret", &w, || {
        lists("builder").filter(|l| l.contains(&json!({"name": secret_name})))
    });
    assert!(l.contains(&json!({"name": "theirs"})), "{l:?}");
    w.wait_for("serviceaccount builder lists");
}
