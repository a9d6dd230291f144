//! A real Kubernetes control plane for the deploy tests: etcd,
//! kube-apiserver v1.20.2 and kube-controller-manager on 127.0.0.1,
//! started by `scripts/kube-up.sh` (binaries built once by
//! `scripts/setup-kube.sh`).
//!
//! One cluster per test run: `scripts/test.sh` starts it and exports
//! `REGVAULT_TEST_KUBE=DIR`. Without that variable, the first test of a
//! process starts one and a watchdog shell stops it (by PID, via
//! `kube-down.sh`) when the test process exits and its stdin pipe closes.
//! A missing build fails with the command to run — nothing is skipped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub struct Kube {
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    pub server: String,
}

/// Keeps the watchdog's stdin open for the life of the process.
static WATCHDOG: Mutex<Option<(Child, ChildStdin)>> = Mutex::new(None);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn from_dir(dir: &Path) -> Kube {
    let ready = std::fs::read_to_string(dir.join("ready")).unwrap_or_else(|_| {
        panic!(
            "REGVAULT_TEST_KUBE={} has no running cluster (no `ready` file); start one with scripts/kube-up.sh DIR",
            dir.display()
        )
    });
    Kube {
        dir: dir.to_owned(),
        kubeconfig: dir.join("kubeconfig"),
        server: ready.trim().to_owned(),
    }
}

fn start() -> Kube {
    if let Some(dir) = std::env::var_os("REGVAULT_TEST_KUBE") {
        return from_dir(Path::new(&dir));
    }
    let cache = std::env::var_os("REGVAULT_KUBE_CACHE").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/regvault-kube"),
        PathBuf::from,
    );
    assert!(
        cache.join("bin/kube-apiserver").exists()
            && cache.join("bin/kube-controller-manager").exists(),
        "the Kubernetes control plane is not built ({} missing); build it once with: ./scripts/setup-kube.sh (~10 min), or run ./scripts/test.sh",
        cache.join("bin").display()
    );
    let dir = tempfile::Builder::new()
        .prefix("regvault-kube-")
        .tempdir()
        .unwrap()
        .keep();
    let up = repo().join("scripts/kube-up.sh");
    let down = repo().join("scripts/kube-down.sh");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#""$1" "$3" >"$3/up.log" 2>&1 || exit 1; echo up; cat >/dev/null; "$2" "$3"; rm -rf "$3""#)
        .arg("sh")
        .arg(&up)
        .arg(&down)
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting scripts/kube-up.sh");
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
    if line.trim() != "up" {
        let _ = child.wait();
        let log = std::fs::read_to_string(dir.join("up.log")).unwrap_or_default();
        panic!("scripts/kube-up.sh failed:\n{log}");
    }
    let stdin = child.stdin.take().unwrap();
    *WATCHDOG.lock().unwrap() = Some((child, stdin));
    from_dir(&dir)
}

/// The shared cluster, started on first use.
pub fn cluster() -> &'static Kube {
    static CLUSTER: OnceLock<Kube> = OnceLock::new();
    CLUSTER.get_or_init(start)
}

impl Kube {
    /// `kubectl --context admin ARGS`; panics on failure.
    pub fn kubectl(&self, args: &[&str]) -> String {
        self.kubectl_as("admin", args, None)
    }

    pub fn kubectl_as(&self, context: &str, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.kubectl_raw(context, args, stdin);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn kubectl_raw(
        &self,
        context: &str,
        args: &[&str],
        stdin: Option<&str>,
    ) -> std::process::Output {
        use std::io::Write;
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--context")
            .arg(context)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl (apt-get install -y kubernetes-client, or ./scripts/setup-kube.sh)");
        let mut pipe = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            pipe.write_all(s.as_bytes()).unwrap();
        }
        drop(pipe);
        child.wait_with_output().unwrap()
    }

    /// `kubectl get KIND NAME -n NS -o json`.
    pub fn get(&self, ns: &str, kind: &str, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.kubectl(&["-n", ns, "get", kind, name, "-o", "json"])).unwrap()
    }

    pub fn env(&self) -> (&'static str, String) {
        ("KUBECONFIG", self.kubeconfig.display().to_string())
    }
}

/// The three clusters of the many-cluster tests: `REGVAULT_TEST_KUBE`
/// (the one `cluster()` gives) and the two dirs of
/// `REGVAULT_TEST_KUBE_FLEET="DIR2 DIR3"`, started by `scripts/test.sh`.
/// Missing: fails with the commands that start them.
pub fn fleet() -> [&'static Kube; 3] {
    static FLEET: OnceLock<[Kube; 2]> = OnceLock::new();
    let first = cluster();
    let more = FLEET.get_or_init(|| {
        let dirs = std::env::var("REGVAULT_TEST_KUBE_FLEET").unwrap_or_default();
        let dirs: Vec<&str> = dirs.split_whitespace().collect();
        assert!(
            dirs.len() == 2 && std::env::var_os("REGVAULT_TEST_KUBE").is_some(),
            "the many-cluster tests need three clusters: run ./scripts/test.sh, or\n  \
             scripts/kube-up.sh /tmp/k1 & scripts/kube-up.sh /tmp/k2 --shared-etcd /tmp/k1 & \
             scripts/kube-up.sh /tmp/k3 --shared-etcd /tmp/k1 & wait\n  \
             REGVAULT_TEST_KUBE=/tmp/k1 REGVAULT_TEST_KUBE_FLEET=\"/tmp/k2 /tmp/k3\" cargo nextest run --test fleet"
        );
        [from_dir(Path::new(dirs[0])), from_dir(Path::new(dirs[1]))]
    });
    [first, &more[0], &more[1]]
}

/// One context of a merged kubeconfig.
pub enum Member<'a> {
    /// `name`: `kube`'s cluster as its user `user` (`admin` or `dev`).
    Cluster(&'a str, &'a Kube, &'a str),
    /// `name`: a server nothing listens on (a stopped cluster).
    Unreachable(&'a str),
}

/// Writes a kubeconfig at `path` with one context per member, in order
/// (the current context is the first).
pub fn merged_kubeconfig(path: &Path, members: &[Member<'_>]) {
    use serde_yaml_ng::{Value, from_str, to_string};
    let mut clusters = Vec::new();
    let mut users = Vec::new();
    let mut contexts = Vec::new();
    for m in members {
        let (name, cluster, user) = match m {
            Member::Cluster(name, kube, user) => {
                let text = std::fs::read_to_string(&kube.kubeconfig).unwrap();
                let v: Value = from_str(&text).unwrap();
                let cluster = v["clusters"][0]["cluster"].clone();
                let user =
                    v["users"]
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .find(|u| u["name"].as_str() == Some(user))
                        .unwrap_or_else(|| {
                            panic!("no user {user} in {}", kube.kubeconfig.display())
                        })["user"]
                        .clone();
                (*name, cluster, user)
            }
            Member::Unreachable(name) => {
                // A port that was free a moment ago: connection refused.
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap()
                    .port();
                let cluster: Value = from_str(&format!(
                    "{{server: 'https://127.0.0.1:{port}', insecure-skip-tls-verify: true}}"
                ))
                .unwrap();
                let user: Value = from_str("{token: nothing-listens-here}").unwrap();
                (*name, cluster, user)
            }
        };
        let entry = |body: &str, v: Value| {
            let mut m = serde_yaml_ng::Mapping::new();
            m.insert("name".into(), name.into());
            m.insert(body.into(), v);
            Value::Mapping(m)
        };
        clusters.push(entry("cluster", cluster));
        users.push(entry("user", user));
        let ctx: Value = from_str(&format!("{{cluster: '{name}', user: '{name}'}}")).unwrap();
        contexts.push(entry("context", ctx));
    }
    let mut doc = serde_yaml_ng::Mapping::new();
    doc.insert("apiVersion".into(), "v1".into());
    doc.insert("kind".into(), "Config".into());
    doc.insert("clusters".into(), Value::Sequence(clusters));
    doc.insert("users".into(), Value::Sequence(users));
    doc.insert("contexts".into(), Value::Sequence(contexts));
    let first = match &members[0] {
        Member::Cluster(n, ..) | Member::Unreachable(n) => *n,
    };
    doc.insert("current-context".into(), first.into());
    std::fs::write(path, to_string(&Value::Mapping(doc)).unwrap()).unwrap();
}
