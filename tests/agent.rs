//! `regvault unlock` and `regvault agent`, as real processes: a
//! passphrase vault is locked for a command without a terminal, opens
//! after `unlock`, locks again on `agent lock` and after the idle timeout;
//! saves through the agent keep the scrypt work factor; an encrypted SSH
//! key works after `unlock`; and the attacks: another uid connecting to the
//! socket, a planted (symlinked, group-writable, foreign) socket directory,
//! and the passphrase leaking into the agent's argv, environment or output.

#[path = "support/pty.rs"]
mod pty;
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Out, need};

const PASS: &str = "canary-7f3a9e horse battery staple";
const LOCKED: &str = "regvault is locked — run `regvault unlock`";

/// A home, a vault path and a private runtime dir; stops its agent on drop.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        let env = Env { dir };
        env.write("pass", &format!("{PASS}\n"));
        env
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn sock(&self) -> PathBuf {
        self.path("run/regvault/agent.sock")
    }

    fn cmd(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_regvault"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_RUNTIME_DIR", self.path("run"))
            .env("REGVAULT_VAULT", self.path("vault.age"))
            .env("REGVAULT_USER", "alice@ops")
            .args(args)
            .stdin(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    /// Runs without a terminal (stdin /dev/null), as docker or cron would.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let o = self.cmd(args, env).output().unwrap();
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let o = self.run(args, env);
        assert_eq!(o.code, 0, "{args:?} failed:\n{}\n{}", o.stdout, o.stderr);
        o
    }

    fn pass_file(&self) -> String {
        self.path("pass").to_str().unwrap().to_owned()
    }

    fn with_pass(&self) -> [(&'static str, String); 1] {
        [("REGVAULT_PASSPHRASE_FILE", self.pass_file())]
    }

    fn init_passphrase(&self) {
        let p = self.pass_file();
        self.ok(
            &["init", "--passphrase"],
            &[("REGVAULT_PASSPHRASE_FILE", &p)],
        );
    }

    fn unlock(&self, extra: &[&str]) -> Out {
        let p = self.pass_file();
        let mut args = vec!["unlock"];
        args.extend_from_slice(extra);
        self.ok(&args, &[("REGVAULT_PASSPHRASE_FILE", &p)])
    }

    fn add_quay(&self, name: &str) {
        let f = self.write(
            "add.json",
            &format!(
                r#"{{"name":"{name}","type":"Quay","credentials":{{"username":"acme+deploy","token":"QUAYTOKEN0123456789"}}}}"#
            ),
        );
        self.ok(
            &["registry", "add", "--from-file", f.to_str().unwrap()],
            &[],
        );
    }

    fn agent_pid(&self) -> Option<u32> {
        let o = self.run(&["agent", "status"], &[]);
        let line = o.stdout.lines().find(|l| l.contains("(pid "))?;
        let rest = line.split("(pid ").nth(1)?;
        rest.split(')').next()?.parse().ok()
    }

    /// The scrypt work factor in the vault's age header.
    fn work_factor(&self) -> u8 {
        let bytes = std::fs::read(self.path("vault.age")).unwrap();
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
        let line = head
            .lines()
            .find(|l| l.starts_with("-> scrypt "))
            .expect("a passphrase vault");
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let pid = self.agent_pid();
        let _ = self.run(&["agent", "stop"], &[]);
        if let Some(pid) = pid {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

fn assert_locked(o: &Out) {
    assert_ne!(o.code, 0, "opened while locked:\n{}", o.stdout);
    assert!(o.stderr.contains(LOCKED), "{}", o.stderr);
}

/// Waits (bounded, not timed) until `agent status` shows no unlocked vault.
fn wait_until_locked(env: &Env) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_mins(1) {
        let o = env.run(&["agent", "status"], &[]);
        if o.stdout.contains("locked: no vault unlocked") {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the agent never forgot the key after its idle timeout");
}

#[test]
fn a_passphrase_vault_opens_without_a_terminal_only_while_unlocked() {
    let env = Env::new();
    env.init_passphrase();
    env.add_quay_with_pass();

    // No terminal, no passphrase file, no agent: locked.
    assert_locked(&env.run(&["registry", "list"], &[]));

    let o = env.unlock(&[]);
    assert!(o.stdout.contains("unlocked"), "{}", o.stdout);
    let status = env.ok(&["agent", "status"], &[]);
    assert!(status.stdout.contains("vault.age"), "{}", status.stdout);
    let list = env.ok(&["registry", "list"], &[]);
    assert!(list.stdout.contains("quay-a"), "{}", list.stdout);

    env.ok(&["agent", "lock"], &[]);
    assert_locked(&env.run(&["registry", "list"], &[]));
    assert!(
        env.ok(&["agent", "status"], &[])
            .stdout
            .contains("locked: no vault unlocked")
    );

    // A short idle timeout: forgotten once unused that long (whether a
    // command still made it in between depends on the machine's load, so
    // the test does not ask).
    env.unlock(&["--idle-timeout", "2s"]);
    wait_until_locked(&env);
    assert_locked(&env.run(&["registry", "list"], &[]));

    // `stop` ends the agent and removes its socket.
    assert!(env.sock().exists());
    env.ok(&["agent", "stop"], &[]);
    assert!(!env.sock().exists(), "the socket outlived `agent stop`");
    let o = env.run(&["agent", "status"], &[]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("no agent is running"), "{}", o.stdout);
}

impl Env {
    fn add_quay_with_pass(&self) {
        let f = self.write(
            "add.json",
            r#"{"name":"quay-a","type":"Quay","credentials":{"username":"acme+deploy","token":"QUAYTOKEN0123456789"}}"#,
        );
        let p = self.pass_file();
        self.ok(
            &["registry", "add", "--from-file", f.to_str().unwrap()],
            &[("REGVAULT_PASSPHRASE_FILE", &p)],
        );
    }
}

#[test]
fn a_save_through_the_agent_keeps_the_work_factor_and_the_passphrase() {
    let env = Env::new();
    env.init_passphrase();
    let before = env.work_factor();
    assert!(before >= 18);
    env.unlock(&[]);

    // A change saved through the agent, no passphrase in this process.
    env.add_quay("quay-b");
    let after = env.work_factor();
    assert!(
        after >= before,
        "the save lowered the work factor: 2^{before} -> 2^{after}"
    );
    // The new version opens through the agent too (a new salt, a new stanza).
    let list = env.ok(&["registry", "list"], &[]);
    assert!(list.stdout.contains("quay-b"), "{}", list.stdout);
    env.ok(&["agent", "stop"], &[]);

    // Without the agent, the passphrase alone still opens the new file.
    let [(k, v)] = env.with_pass();
    let list = env.ok(&["registry", "list"], &[(k, &v)]);
    assert!(list.stdout.contains("quay-b"), "{}", list.stdout);
    // And a wrong passphrase does not: the agent wrote to this passphrase.
    let wrong = env.write("wrong", "not the passphrase at all\n");
    let o = env.run(
        &["registry", "list"],
        &[("REGVAULT_PASSPHRASE_FILE", wrong.to_str().unwrap())],
    );
    assert_ne!(o.code, 0);
}

#[test]
fn an_encrypted_ssh_key_works_after_unlock() {
    need("ssh-keygen", "apt-get install openssh-client");
    let env = Env::new();
    let key = env.path("id_ed25519");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", PASS, "-C", "t", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    let public = std::fs::read_to_string(env.path("id_ed25519.pub")).unwrap();
    let key_s = key.to_str().unwrap();
    env.ok(
        &["init", "--no-identity", "--recipient", public.trim()],
        &[],
    );
    let id = [("REGVAULT_IDENTITY", key_s)];

    // Refused as it is (it needs its passphrase).
    let o = env.run(&["registry", "list"], &id);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("passphrase"), "{}", o.stderr);

    let p = env.pass_file();
    let o = env.ok(
        &["unlock"],
        &[
            ("REGVAULT_IDENTITY", key_s),
            ("REGVAULT_PASSPHRASE_FILE", &p),
        ],
    );
    assert!(o.stdout.contains("unlocked"), "{}", o.stdout);
    // Read and change through the agent; the save encrypts to the public key.
    let f = env.write(
        "add.json",
        r#"{"name":"quay-ssh","type":"Quay","credentials":{"username":"acme+deploy","token":"QUAYTOKEN0123456789"}}"#,
    );
    env.ok(
        &["registry", "add", "--from-file", f.to_str().unwrap()],
        &id,
    );
    let list = env.ok(&["registry", "list"], &id);
    assert!(list.stdout.contains("quay-ssh"), "{}", list.stdout);

    env.ok(&["agent", "lock"], &[]);
    let o = env.run(&["registry", "list"], &id);
    assert_ne!(o.code, 0, "opened after `agent lock`");
}

#[test]
fn a_wrong_passphrase_is_not_kept() {
    let env = Env::new();
    env.init_passphrase();
    let wrong = env.write("wrong", "not the passphrase at all\n");
    let o = env.run(
        &["unlock"],
        &[("REGVAULT_PASSPHRASE_FILE", wrong.to_str().unwrap())],
    );
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("wrong passphrase"), "{}", o.stderr);
    let status = env.ok(&["agent", "status"], &[]);
    assert!(
        status.stdout.contains("locked: no vault unlocked"),
        "{}",
        status.stdout
    );
}

/// One raw Status request on the socket, run as uid/gid `uid` (python3,
/// so nothing of regvault's client-side checks is involved): what came back.
fn raw_status_as(uid: Option<u32>, sock: &Path) -> String {
    need("python3", "apt-get install python3");
    need("setpriv", "apt-get install util-linux");
    let script = r#"
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect-failed", e.errno); sys.exit(0)
body = b'{"op":"status"}'
try:
    s.sendall(struct.pack(">I", len(body)) + body)
    data = s.recv(65536)
except OSError as e:
    print("io-failed", e.errno); sys.exit(0)
print("reply:" + data[4:].decode() if data else "closed-without-reply")
"#;
    let mut c = match uid {
        Some(u) => {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={u}"),
                &format!("--regid={u}"),
                "--clear-groups",
                "/usr/bin/python3",
            ]);
            c
        }
        None => Command::new("/usr/bin/python3"),
    };
    let o = c
        .args(["-c", script])
        .arg(sock)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

#[test]
fn the_agent_refuses_another_uid_even_when_it_can_reach_the_socket() {
    assert_eq!(
        regvault::vault::my_uid(),
        0,
        "this test runs as root, to connect as `nobody`"
    );
    let env = Env::new();
    env.init_passphrase();
    env.unlock(&[]);
    let sock = env.sock();

    // The socket as its owner sees it: answers.
    let mine = raw_status_as(None, &sock);
    assert!(mine.starts_with("reply:"), "{mine}");
    assert!(mine.contains("vault.age"), "{mine}");

    // Open every door on the way (what a careless chmod would do), so that
    // only the SO_PEERCRED check stands between `nobody` and the agent.
    for d in [env.dir.path(), &env.path("run"), &env.path("run/regvault")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o777)).unwrap();
    let theirs = raw_status_as(Some(65534), &sock);
    assert!(
        !theirs.starts_with("reply:"),
        "another uid got an answer: {theirs}"
    );
    assert!(!theirs.contains("vault.age"), "{theirs}");
    assert!(!theirs.starts_with("connect-failed"), "{theirs}");

    // The agent is still there for its owner (once the doors are shut:
    // our own client refuses a directory others can enter).
    std::fs::set_permissions(
        env.path("run/regvault"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    assert!(raw_status_as(None, &sock).starts_with("reply:"));
}

#[test]
fn a_planted_socket_directory_is_refused() {
    let env = Env::new();
    env.init_passphrase();
    let [(k, v)] = env.with_pass();

    // A symlink to a private directory.
    let real = env.path("elsewhere");
    std::fs::create_dir(&real).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&real, env.path("run/regvault")).unwrap();
    let o = env.run(&["unlock"], &[(k, &v)]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    let o = env.run(&["agent"], &[]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    assert!(std::fs::read_dir(&real).unwrap().next().is_none());
    std::fs::remove_file(env.path("run/regvault")).unwrap();

    // A group-writable directory.
    let dir = env.path("run/regvault");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
    let o = env.run(&["unlock"], &[(k, &v)]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("mode 770"), "{}", o.stderr);
    // A command that would use the agent says so instead of ignoring it.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let agent = env
        .cmd(&["agent"], &[])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&env.sock());
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
    let o = env.run(&["registry", "list"], &[(k, &v)]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("refusing the agent socket directory"),
        "{}",
        o.stderr
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    env.ok(&["agent", "stop"], &[]);
    drop(agent);

    // A directory that belongs to someone else (as root: nobody's).
    let st = Command::new("chown")
        .arg("65534")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let o = env.run(&["unlock"], &[(k, &v)]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("belongs to uid 65534"), "{}", o.stderr);
}

fn wait_for(p: &Path) {
    let start = Instant::now();
    while !p.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} never appeared",
            p.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_passphrase_never_reaches_the_agents_argv_environment_or_output() {
    let env = Env::new();
    env.init_passphrase();
    // The agent in the foreground, its output captured.
    let log = env.path("agent.log");
    let agent = env
        .cmd(&["agent"], &[])
        .stdout(std::fs::File::create(env.path("agent.out")).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let pid = agent.id();
    wait_for(&env.sock());
    let o = env.unlock(&[]);
    env.ok(&["registry", "list"], &[]);
    // A wrong passphrase too: its error must not echo it.
    let wrong = env.write("wrong", "canary-wrong-0b1d\n");
    let bad = env.run(
        &["unlock"],
        &[("REGVAULT_PASSPHRASE_FILE", wrong.to_str().unwrap())],
    );
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    env.ok(&["agent", "stop"], &[]);
    let mut agent = agent;
    let _ = agent.wait();
    let output = std::fs::read_to_string(&log).unwrap()
        + &std::fs::read_to_string(env.path("agent.out")).unwrap();
    for (what, text) in [
        ("argv", String::from_utf8_lossy(&cmdline).into_owned()),
        (
            "environment",
            String::from_utf8_lossy(&environ).into_owned(),
        ),
        ("output", output),
        ("unlock's output", o.stdout + &o.stderr),
        ("a failed unlock's output", bad.stdout + &bad.stderr),
    ] {
        assert!(
            !text.contains("canary"),
            "the passphrase is in the agent's {what}"
        );
    }

    // The background agent `unlock` starts: same for argv and environment.
    env.unlock(&[]);
    let pid = env.agent_pid().expect("an agent started by unlock");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    for text in [cmdline, environ] {
        let text = String::from_utf8_lossy(&text);
        assert!(!text.contains("canary"), "{text}");
        assert!(!text.contains("REGVAULT_PASSPHRASE_FILE"), "{text}");
    }
    // Hardened as every regvault process: a crash leaves no core.
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert!(
        core.split_whitespace().nth(4) == Some("0"),
        "the agent may dump core: {core}"
    );
}

/// `age -p`: a fresh identity file encrypted to `PASS` (armored, as
/// `age -p -a` writes it), mode 0600; and its public recipient.
fn encrypted_age_identity(env: &Env) -> (PathBuf, String) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let text = format!("{}\n", identity.to_string().expose_secret());
    // `age -p`: the identity file encrypted to a passphrase (armored, as age writes it with -a).
    let mut r = age::scrypt::Recipient::new(PASS.to_owned().into());
    r.set_work_factor(12);
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = enc.wrap_output(armor).unwrap();
    std::io::Write::write_all(&mut w, text.as_bytes()).unwrap();
    w.finish()
        .and_then(age::armor::ArmoredWriter::finish)
        .unwrap();
    let key = env.path("identity.age");
    std::fs::write(&key, &out).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    (key, public)
}

#[test]
fn an_age_identity_encrypted_with_a_passphrase_works_after_unlock() {
    let env = Env::new();
    let (key, public) = encrypted_age_identity(&env);
    let key_s = key.to_str().unwrap();
    env.ok(&["init", "--no-identity", "--recipient", &public], &[]);
    let id = [("REGVAULT_IDENTITY", key_s)];

    let o = env.run(&["registry", "list"], &id);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("regvault unlock"), "{}", o.stderr);

    let p = env.pass_file();
    env.ok(
        &["unlock"],
        &[
            ("REGVAULT_IDENTITY", key_s),
            ("REGVAULT_PASSPHRASE_FILE", &p),
        ],
    );
    env.ok(&["registry", "list"], &id);
    env.ok(&["agent", "lock"], &[]);
    assert_ne!(env.run(&["registry", "list"], &id).code, 0);
}

#[test]
fn a_hostile_client_cannot_make_the_agent_allocate_or_hang() {
    need("python3", "apt-get install python3");
    let env = Env::new();
    env.init_passphrase();
    env.unlock(&[]);
    let sock = env.sock();
    // A frame that claims 4 GiB, then 24 connections that send nothing and
    // stay open (more than the agent serves at once).
    let script = r#"
import socket, struct, sys, time
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sys.argv[1])
    return s
s = conn()
s.sendall(struct.pack(">I", 0xFFFFFFFF) + b"x" * 1024)
try:
    print("huge:" + ("closed" if s.recv(100) == b"" else "answered"), flush=True)
except OSError as e:
    print("huge:reset", flush=True)
silent = [conn() for _ in range(24)]
print("silent:open", flush=True)
time.sleep(25)
"#;
    let mut hostile = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(&sock)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(hostile.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert!(
        line.trim() == "huge:closed" || line.trim() == "huge:reset",
        "an oversized frame was not refused: {line}"
    );
    line.clear();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert_eq!(line.trim(), "silent:open");
    // While the silent connections are still held open, the agent frees
    // their slots (per-connection timeout) and answers its user again.
    let start = Instant::now();
    loop {
        let o = env.run(&["registry", "list"], &[]);
        if o.code == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the agent stayed wedged by silent connections: {}",
            o.stderr
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        hostile.try_wait().unwrap().is_none(),
        "the silent connections were closed by their client, not the agent"
    );
    let _ = hostile.kill();
    let _ = hostile.wait();
}

#[test]
fn the_agent_exits_at_its_maximum_lifetime() {
    let env = Env::new();
    let (key, public) = encrypted_age_identity(&env);
    let key_s = key.to_str().unwrap();
    env.ok(&["init", "--no-identity", "--recipient", &public], &[]);
    let p = env.pass_file();
    env.ok(
        &["unlock", "--max-lifetime", "2s"],
        &[
            ("REGVAULT_IDENTITY", key_s),
            ("REGVAULT_PASSPHRASE_FILE", &p),
        ],
    );
    let start = Instant::now();
    while env.sock().exists() {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "the agent outlived its maximum lifetime"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let o = env.run(&["agent", "status"], &[]);
    assert!(o.stdout.contains("no agent is running"), "{}", o.stdout);
    assert_ne!(
        env.run(&["registry", "list"], &[("REGVAULT_IDENTITY", key_s)])
            .code,
        0
    );
}

#[test]
fn the_tui_opens_an_unlocked_passphrase_vault_without_asking() {
    let env = Env::new();
    env.init_passphrase();
    env.add_quay_with_pass();
    env.unlock(&[]);
    let tui = pty::Pty::new();
    let vault = env.path("vault.age");
    let run = env.path("run");
    tui.start_with(&[
        ("REGVAULT_VAULT", vault.to_str().unwrap()),
        ("XDG_RUNTIME_DIR", run.to_str().unwrap()),
    ]);
    let screen = tui.see("quay-a");
    assert!(!screen.contains("passphrase"), "{screen}");
    tui.keys_press(&["q"]);
    let exited = tui.wait_exit();
    assert_eq!(exited.exit, "0", "{}", exited.stderr);
}

impl Env {
    /// `docker-credential-regvault ACTION` with `stdin`, as docker runs it:
    /// no terminal, the same environment as the CLI.
    fn helper(&self, action: &str, stdin: &str) -> Out {
        let c = self.cmd(&[], &[]);
        let mut c2 = Command::new(env!("CARGO_BIN_EXE_docker-credential-regvault"));
        c2.env_clear();
        for (k, v) in c.get_envs() {
            if let Some(v) = v {
                c2.env(k, v);
            }
        }
        let mut child = c2
            .arg(action)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        let o = child.wait_with_output().unwrap();
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

#[test]
fn the_credential_helper_serves_a_passphrase_vault_only_while_unlocked() {
    let env = Env::new();
    env.init_passphrase();
    env.add_quay_with_pass();
    let locked = |o: &Out| {
        assert_eq!(o.code, 1, "{}", o.stdout);
        assert_eq!(o.stdout, format!("{LOCKED}\n"));
    };
    locked(&env.helper("get", "quay.io"));

    env.unlock(&[]);
    let o = env.helper("get", "quay.io");
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let creds: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(creds["Username"], "acme+deploy");
    assert_eq!(creds["Secret"], "QUAYTOKEN0123456789");

    env.ok(&["agent", "lock"], &[]);
    locked(&env.helper("get", "quay.io"));
}

#[test]
fn a_rekey_to_a_new_passphrase_makes_the_agent_forget_the_old_one() {
    let env = Env::new();
    env.init_passphrase();
    env.add_quay_with_pass();
    env.unlock(&[]);
    let new = env.write("new-pass", "another-9c2e orbit lantern meadow\n");
    let new_s = new.to_str().unwrap();
    // Opened through the agent; the new passphrase from the file.
    let o = env.ok(
        &["rekey", "--passphrase"],
        &[("REGVAULT_PASSPHRASE_FILE", new_s)],
    );
    assert!(o.stdout.contains("agent forgot"), "{}", o.stdout);
    // Not "wrong passphrase" from a stale key: locked, until unlocked anew.
    assert_locked(&env.run(&["registry", "list"], &[]));
    env.ok(&["unlock"], &[("REGVAULT_PASSPHRASE_FILE", new_s)]);
    let list = env.ok(&["registry", "list"], &[]);
    assert!(list.stdout.contains("quay-a"), "{}", list.stdout);
}

#[test]
fn without_xdg_runtime_dir_the_socket_is_named_by_the_effective_uid_not_user() {
    let env = Env::new();
    let mut c = env.cmd(&["agent", "status"], &[("USER", "mallory")]);
    c.env_remove("XDG_RUNTIME_DIR").env("LOGNAME", "mallory");
    let o = c.output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let uid = regvault::vault::my_uid();
    assert!(
        out.contains(&format!("/tmp/regvault-{uid}/agent.sock")),
        "{out}"
    );
    assert!(!out.contains("mallory"), "{out}");
}
