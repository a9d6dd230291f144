//! Live Test Connection against a local registry (CNCF distribution with
//! htpasswd on 127.0.0.1) beside `docker login` through a dockerd started
//! here on a private socket — medians of repeated runs, side by side, and
//! their ratio (goal: ≤ 0.5×). Run with `./scripts/bench-probe.sh` (it
//! installs the servers); `PROBE_BENCH_RUNS` sets the number of runs.
//!
//! Measured, each run interleaved with the others:
//! - `probe()` in process (a fresh HTTP client each time, as every test is);
//! - `regvault registry test ID`: the whole CLI, vault open + save included;
//! - `docker login` (the CLI → dockerd `POST /auth` → the registry);
//! - dockerd's `POST /auth` alone, without the docker CLI's start-up.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use regvault::probe::{self, Outcome, ProbeOptions};
use regvault::registry::{Credentials, RegistryKind};
use support::{Auth, Registry, Sandbox};

const USER: &str = "bench-user";
const PASS: &str = "bench-Password-42";

/// dockerd on a private socket and data dir; stopped by PID on Drop.
struct Dockerd {
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Dockerd {
    fn start() -> Dockerd {
        support::need(
            "dockerd",
            "apt-get install -y docker.io (./scripts/bench-probe.sh does)",
        );
        let dir = tempfile::Builder::new()
            .prefix("rvd")
            .tempdir_in("/tmp")
            .unwrap();
        let p = |n: &str| dir.path().join(n);
        let child = Command::new("dockerd")
            .args([
                "--iptables=false",
                "--ip6tables=false",
                "--ip-forward=false",
                "--ip-masq=false",
                "--bridge=none",
                "--storage-driver=vfs",
            ])
            .arg(format!("--host=unix://{}", p("docker.sock").display()))
            .arg(format!("--data-root={}", p("data").display()))
            .arg(format!("--exec-root={}", p("exec").display()))
            .arg(format!("--pidfile={}", p("docker.pid").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(p("dockerd.log")).unwrap())
            .spawn()
            .expect("starting dockerd");
        let d = Dockerd { dir, child };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if d.request("GET", "/_ping", "")
                .is_some_and(|r| r.contains("OK"))
            {
                return d;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(d.dir.path().join("dockerd.log")).unwrap_or_default();
        panic!("dockerd did not answer within 30 s:\n{log}");
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    /// One HTTP/1.0 request on the daemon's socket; the raw answer.
    fn request(&self, method: &str, path: &str, body: &str) -> Option<String> {
        let mut s = UnixStream::connect(self.socket()).ok()?;
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn docker_login(sock: &Path, config: &Path, server: &str) -> Duration {
    let started = Instant::now();
    let mut child = Command::new("docker")
        .arg(format!("--host=unix://{}", sock.display()))
        .args(["login", server, "--username", USER, "--password-stdin"])
        .env("DOCKER_CONFIG", config)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running docker");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PASS.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "docker login failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return; // `cargo test --benches` / nextest ask for a list; nothing to list.
    }
    if !args.iter().any(|a| a == "--bench") {
        // Built as a test (`cargo test --all-targets`): start no servers.
        return;
    }
    let runs: usize = std::env::var("PROBE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(21);
    probe::install_crypto_provider();
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let server = format!("127.0.0.1:{}", reg.port);
    let dockerd = Dockerd::start();
    let docker_config = tempfile::tempdir().unwrap();

    let creds: Credentials = [
        ("url", reg.url()),
        ("username", USER.into()),
        ("password", PASS.into()),
    ]
    .into_iter()
    .collect();
    let sandbox = Sandbox::new();
    let id = sandbox.add(&serde_json::json!({"name": "bench", "type": "Custom",
        "credentials": {"url": reg.url(), "username": USER, "password": PASS}}));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let auth_body =
        serde_json::json!({"username": USER, "password": PASS, "serveraddress": server})
            .to_string();

    let mut probe_t = Vec::new();
    let mut cli_t = Vec::new();
    let mut docker_t = Vec::new();
    let mut daemon_t = Vec::new();
    for i in 0..runs + 2 {
        let t = Instant::now();
        let r = rt.block_on(probe::probe(
            RegistryKind::Custom,
            &creds,
            &ProbeOptions::default(),
            std::future::pending(),
        ));
        let probe_took = t.elapsed();
        assert_eq!(r.outcome, Outcome::Ok, "{r:#?}");

        let t = Instant::now();
        sandbox.ok(&["registry", "test", &id], &[]);
        let cli_took = t.elapsed();

        let docker_took = docker_login(&dockerd.socket(), docker_config.path(), &server);

        let t = Instant::now();
        let answer = dockerd
            .request("POST", "/v1.41/auth", &auth_body)
            .expect("POST /auth");
        let daemon_took = t.elapsed();
        assert!(answer.contains("Login Succeeded"), "{answer}");

        if i >= 2 {
            // The first two runs warm caches on every side.
            probe_t.push(probe_took);
            cli_t.push(cli_took);
            docker_t.push(docker_took);
            daemon_t.push(daemon_took);
        }
    }
    let (p, c, d, a) = (
        median(&mut probe_t),
        median(&mut cli_t),
        median(&mut docker_t),
        median(&mut daemon_t),
    );
    println!(
        "Test Connection vs docker login — {runs} runs each, medians, registry {server} (htpasswd, http)"
    );
    println!("  regvault probe() in process        {:>8.2} ms", ms(p));
    println!("  regvault registry test (whole CLI) {:>8.2} ms", ms(c));
    println!("  docker login (CLI → dockerd)       {:>8.2} ms", ms(d));
    println!("  dockerd POST /auth alone           {:>8.2} ms", ms(a));
    println!(
        "ratio probe() / docker login           {:.3}×  (goal ≤ 0.5×)",
        ms(p) / ms(d)
    );
    println!(
        "ratio registry test / docker login     {:.3}×",
        ms(c) / ms(d)
    );
    println!(
        "ratio probe() / dockerd POST /auth     {:.3}×",
        ms(p) / ms(a)
    );
}
