//! The real `regvault` binary in a real pseudo-terminal: a tmux pane on a
//! private socket in a temporary HOME, driven with keys as a user types
//! them and read back with `capture-pane`. Shared by the terminal-restore
//! tests (`tests/tui_pty.rs`) and the two-faces tests (`tests/faces.rs`).
//! tmux is required: without it these tests fail with the install command.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use regvault::model::VaultData;
use regvault::vault::{KeySource, Vault};
use tempfile::TempDir;

pub const USER: &str = "ops@pty-test";
/// How long any one thing may take to appear on screen.
pub const WAIT: Duration = Duration::from_secs(10);

/// A sandboxed HOME (XDG dirs inside) plus a tmux server on a private
/// socket whose one pane runs `regvault` and then records how it left the
/// terminal.
pub struct Pty {
    pub dir: TempDir,
    socket: PathBuf,
    /// Waits longer than `WAIT` (a live check, an apply) when set.
    pub wait: Duration,
}

impl Pty {
    pub fn new() -> Self {
        require_tmux();
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("tmux.sock");
        let pty = Self {
            dir,
            socket,
            wait: WAIT,
        };
        let init = pty.cli(&["init"]);
        assert!(
            init.status.success(),
            "regvault init failed:\n{}",
            String::from_utf8_lossy(&init.stderr)
        );
        pty
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn vault_path(&self) -> PathBuf {
        self.path("data/regvault/vault.age")
    }

    pub fn keys(&self) -> Vec<KeySource> {
        vec![KeySource::IdentityFile(
            self.path("config/regvault/identity.txt"),
        )]
    }

    /// Reopens the vault from disk with the sandbox's identity.
    pub fn disk(&self) -> VaultData {
        Vault::open(&self.vault_path(), &self.keys())
            .expect("the vault opens after the TUI has gone")
            .data()
            .clone()
    }

    /// `regvault ARGS` outside the pty, in the same sandbox.
    pub fn cli(&self, args: &[&str]) -> Output {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("regvault"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("REGVAULT_USER", USER)
            .args(args);
        c.output().expect("run regvault")
    }

    /// `regvault registry add --from-file` of `doc` (a registry as JSON:
    /// name, type, credentials) in this sandbox; returns its id. The file
    /// holding the credentials is removed again.
    pub fn add_registry(&self, doc: &serde_json::Value) -> String {
        let path = self.path("reg.json");
        std::fs::write(&path, doc.to_string()).expect("write the registry document");
        let file = path.to_str().expect("a UTF-8 path");
        let added = self.cli(&["registry", "add", "--from-file", file, "--json"]);
        std::fs::remove_file(&path).expect("remove the registry document");
        assert!(added.status.success(), "{added:?}");
        let out: serde_json::Value =
            serde_json::from_slice(&added.stdout).expect("registry add --json");
        out["id"].as_str().expect("an id").to_owned()
    }

    /// `regvault container add` of `image:1.0` in `environment` with
    /// `registry`, as `Sandbox::add_container` does; fails the test if refused.
    pub fn add_container(&self, name: &str, environment: &str, image: &str, registry: &str) {
        let args = [
            "container",
            "add",
            "--name",
            name,
            "--environment",
            environment,
            "--image",
            image,
            "--tag",
            "1.0",
            "--registry",
            registry,
        ];
        let c = self.cli(&args);
        assert!(c.status.success(), "{c:?}");
    }

    /// Starts the TUI in a 100×30 pane. The pane's shell runs `regvault`
    /// (recording its pid, exit code and stderr), then `stty -a` on the
    /// same terminal, prints a marker and stays alive so tmux can still be
    /// asked about the pane's modes.
    pub fn start(&self) {
        self.start_with(&[]);
    }

    /// `start` with extra environment (`KUBECONFIG`, endpoints).
    pub fn start_with(&self, env: &[(&str, &str)]) {
        let exports = env.iter().fold(String::new(), |mut out, (k, v)| {
            let _ = writeln!(out, "export {k}='{v}'");
            out
        });
        let bin = assert_cmd::cargo::cargo_bin("regvault");
        let script = format!(
            r#"export HOME='{home}' XDG_CONFIG_HOME='{home}/config' XDG_DATA_HOME='{home}/data'
export REGVAULT_USER='{USER}' PATH='{path}'
unset NO_COLOR REGVAULT_VAULT REGVAULT_IDENTITY
{exports}cd '{home}'
sh -c 'echo $$ > tui.pid; exec "$0"' '{bin}' 2> tui.stderr
echo $? > tui.exit
stty -a > stty.txt
echo "regvault has exited"
exec sleep 600
"#,
            home = self.dir.path().display(),
            path = std::env::var("PATH").unwrap_or_default(),
            bin = bin.display(),
        );
        let script_path = self.path("pane.sh");
        std::fs::write(&script_path, script).expect("write pane script");
        let cmd = format!("sh '{}'", script_path.display());
        self.new_pane(&cmd);
    }

    /// An interactive bash with job control in a 100×30 pane, in the same
    /// sandbox (prompt `rv$ `), for typing `regvault` and then `jobs` /
    /// `fg` as a user does. Returns the binary's path to type.
    pub fn start_shell(&self) -> String {
        let home = self.dir.path().display().to_string();
        let rc = format!(
            r"export HOME='{home}' XDG_CONFIG_HOME='{home}/config' XDG_DATA_HOME='{home}/data'
export REGVAULT_USER='{USER}' PATH='{path}'
unset NO_COLOR REGVAULT_VAULT REGVAULT_IDENTITY REGVAULT_NO_MOUSE
PS1='rv$ '
cd '{home}'
",
            path = std::env::var("PATH").unwrap_or_default(),
        );
        let rc_path = self.path("pane.rc");
        std::fs::write(&rc_path, rc).expect("write rc");
        let cmd = format!("bash --noprofile --rcfile '{}' -i", rc_path.display());
        self.new_pane(&cmd);
        self.see("rv$");
        assert_cmd::cargo::cargo_bin("regvault")
            .display()
            .to_string()
    }

    /// A tmux format of the pane: `#{alternate_on}`, `#{mouse_any_flag}`…
    pub fn pane_flag(&self, format: &str) -> String {
        self.tmux(&["display", "-p", "-t", "rv", format])
            .trim()
            .to_owned()
    }

    /// Runs `regvault ARGS` (a CLI command, not the TUI) in a 100×30 pane
    /// with stderr on the terminal, where its prompts are; `wait_exit`
    /// then has its exit code. Arguments are single-quoted for the shell.
    pub fn start_cli(&self, args: &[&str]) {
        let bin = assert_cmd::cargo::cargo_bin("regvault");
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        let script = format!(
            r#"export HOME='{home}' XDG_CONFIG_HOME='{home}/config' XDG_DATA_HOME='{home}/data'
export REGVAULT_USER='{USER}' PATH='{path}'
unset NO_COLOR REGVAULT_VAULT REGVAULT_IDENTITY REGVAULT_PASSPHRASE_FILE
cd '{home}'
'{bin}' {args}
echo $? > tui.exit
echo "regvault has exited"
exec sleep 600
"#,
            home = self.dir.path().display(),
            path = std::env::var("PATH").unwrap_or_default(),
            bin = bin.display(),
            args = quoted.join(" "),
        );
        let script_path = self.path("pane.sh");
        std::fs::write(&script_path, script).expect("write pane script");
        let cmd = format!("sh '{}'", script_path.display());
        self.new_pane(&cmd);
    }

    /// A detached 100×30 session `rv` running `cmd`.
    fn new_pane(&self, cmd: &str) {
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            "rv",
            "-x",
            "100",
            "-y",
            "30",
            cmd,
        ]);
    }

    /// Runs a tmux command against this test's private server.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .env("TERM", "xterm-256color")
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "rv"])
    }

    /// Polls the pane until `needle` is on screen; fails with the screen.
    pub fn see(&self, needle: &str) -> String {
        let deadline = Instant::now() + self.wait;
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Named keys (`Tab`, `C-s`, `q`), as tmux spells them.
    pub fn keys_press(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "rv"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Literal text, typed character by character.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "rv", "-l", text]);
    }

    /// Waits for `regvault` to have exited and the pane's shell to have
    /// recorded the terminal; returns what the user is left with.
    pub fn wait_exit(&self) -> Exited {
        let screen = self.see("regvault has exited");
        let read = |name: &str| std::fs::read_to_string(self.path(name)).unwrap_or_default();
        Exited {
            screen,
            exit: read("tui.exit").trim().to_owned(),
            stderr: read("tui.stderr"),
            stty: read("stty.txt"),
            alternate_on: self.tmux(&["display", "-p", "-t", "rv", "#{alternate_on}"]),
            cursor_on: self.tmux(&["display", "-p", "-t", "rv", "#{cursor_flag}"]),
        }
    }

    pub fn tui_pid(&self) -> String {
        let pid = std::fs::read_to_string(self.path("tui.pid")).expect("the pane recorded a pid");
        pid.trim().to_owned()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // Only this test's server, by its own socket.
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .env_remove("TMUX")
            .output();
    }
}

/// The terminal as `regvault` left it.
pub struct Exited {
    pub screen: String,
    pub exit: String,
    pub stderr: String,
    pub stty: String,
    pub alternate_on: String,
    pub cursor_on: String,
}

impl Exited {
    /// `stty -a` shows a mode as `icanon` when on, `-icanon` when off.
    pub fn stty_has(&self, mode: &str) -> bool {
        self.stty
            .split(|c: char| c.is_whitespace() || c == ';')
            .any(|tok| tok == mode)
    }

    /// What a user would find wrong with the shell they are left in.
    pub fn problems(&self) -> Vec<&'static str> {
        let mut p = Vec::new();
        if self.stty.is_empty() {
            p.push("stty -a printed nothing");
        }
        if !self.stty_has("icanon") {
            p.push("raw mode still on (-icanon): lines cannot be edited");
        }
        if !self.stty_has("echo") {
            p.push("echo off: typed commands are invisible");
        }
        if self.alternate_on.trim() != "0" {
            p.push("still on the alternate screen");
        }
        if self.cursor_on.trim() != "1" {
            p.push("the cursor is hidden");
        }
        p
    }

    pub fn assert_restored(&self) {
        let problems = self.problems();
        assert!(
            problems.is_empty(),
            "terminal not restored: {problems:?}\nstty -a:\n{}\nscreen:\n{}",
            self.stty,
            self.screen
        );
        assert!(
            !self.screen.contains("Container Registries"),
            "the TUI is still on screen after exit:\n{}",
            self.screen
        );
        assert!(
            !self.stderr.contains("panicked"),
            "regvault panicked:\n{}",
            self.stderr
        );
    }
}

pub fn require_tmux() {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "tmux is not installed; these pseudo-terminal tests need it: \
         apt-get install tmux (scripts/test.sh installs it)"
    );
}
