//! The real `regvault` binary in a real pseudo-terminal (a tmux pane):
//! keys typed as a user types them, then — after a quit, or after a SIGHUP
//! as from a dropped SSH session — the shell the user is left in must be
//! usable again (line editing and echo on, the normal screen back, the
//! cursor visible) and the vault on disk must hold what was saved.
//!
//! Each test runs its own tmux server on a private socket in a temporary
//! directory and kills only that server. tmux is required: without it these
//! tests fail (`apt-get install tmux`; `scripts/test.sh` installs it).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use regvault::model::VaultData;
use regvault::registry::RegistryKind;
use regvault::vault::{KeySource, Vault};
use tempfile::TempDir;

const USER: &str = "ops@pty-test";
/// A GHCR classic token (ghp_ + 36); typed into the form, never shown.
const TOKEN: &str = "ghp_PTYptyPTYpty0123456789abcdefghijKLMN";
/// How long any one thing may take to appear on screen.
const WAIT: Duration = Duration::from_secs(10);

/// A sandboxed HOME (XDG dirs inside) plus a tmux server on a private
/// socket whose one pane runs `regvault` and then records how it left the
/// terminal.
struct Pty {
    dir: TempDir,
    socket: PathBuf,
}

impl Pty {
    fn new() -> Self {
        require_tmux();
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("tmux.sock");
        let pty = Self { dir, socket };
        let init = pty.cli(&["init"]);
        assert!(
            init.status.success(),
            "regvault init failed:\n{}",
            String::from_utf8_lossy(&init.stderr)
        );
        pty
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn vault_path(&self) -> PathBuf {
        self.path("data/regvault/vault.age")
    }

    fn keys(&self) -> Vec<KeySource> {
        vec![KeySource::IdentityFile(
            self.path("config/regvault/identity.txt"),
        )]
    }

    /// Reopens the vault from disk with the sandbox's identity.
    fn disk(&self) -> VaultData {
        Vault::open(&self.vault_path(), &self.keys())
            .expect("the vault opens after the TUI has gone")
            .data()
            .clone()
    }

    /// `regvault ARGS` outside the pty, in the same sandbox.
    fn cli(&self, args: &[&str]) -> Output {
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

    /// Starts the TUI in a 100×30 pane. The pane's shell runs `regvault`
    /// (recording its pid, exit code and stderr), then `stty -a` on the
    /// same terminal, prints a marker and stays alive so tmux can still be
    /// asked about the pane's modes.
    fn start(&self) {
        let bin = assert_cmd::cargo::cargo_bin("regvault");
        let script = format!(
            r#"export HOME='{home}' XDG_CONFIG_HOME='{home}/config' XDG_DATA_HOME='{home}/data'
export REGVAULT_USER='{USER}' PATH='{path}'
unset NO_COLOR REGVAULT_VAULT REGVAULT_IDENTITY
cd '{home}'
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
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            "rv",
            "-x",
            "100",
            "-y",
            "30",
            &cmd,
        ]);
    }

    /// Runs a tmux command against this test's private server.
    fn tmux(&self, args: &[&str]) -> String {
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

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "rv"])
    }

    /// Polls the pane until `needle` is on screen; fails with the screen.
    fn see(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
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
    fn keys_press(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "rv"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Literal text, typed character by character.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "rv", "-l", text]);
    }

    /// Waits for `regvault` to have exited and the pane's shell to have
    /// recorded the terminal; returns what the user is left with.
    fn wait_exit(&self) -> Exited {
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

    fn tui_pid(&self) -> String {
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
struct Exited {
    screen: String,
    exit: String,
    stderr: String,
    stty: String,
    alternate_on: String,
    cursor_on: String,
}

impl Exited {
    /// `stty -a` shows a mode as `icanon` when on, `-icanon` when off.
    fn stty_has(&self, mode: &str) -> bool {
        self.stty
            .split(|c: char| c.is_whitespace() || c == ';')
            .any(|tok| tok == mode)
    }

    /// What a user would find wrong with the shell they are left in.
    fn problems(&self) -> Vec<&'static str> {
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

    fn assert_restored(&self) {
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

fn require_tmux() {
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

/// Adds a GHCR registry through the add form and waits for the save.
fn add_ghcr_by_keyboard(pty: &Pty, name: &str) {
    pty.keys_press(&["a"]);
    pty.see("Add registry");
    // The form opens on the type (GHCR by default): Tab to the name.
    pty.keys_press(&["Tab"]);
    pty.type_text(name);
    pty.keys_press(&["Tab"]);
    pty.type_text("octo-cat");
    pty.keys_press(&["Tab"]);
    pty.type_text(TOKEN);
    let screen = pty.see("•••");
    assert!(
        !screen.contains(TOKEN) && !screen.contains("PTYptyPTY"),
        "the token is on screen unmasked:\n{screen}"
    );
    pty.keys_press(&["C-s"]);
    let screen = pty.see(&format!("saved registry '{name}'"));
    assert!(
        screen.contains("Container Registries (1)"),
        "the list does not show the new registry:\n{screen}"
    );
}

#[test]
fn add_a_registry_by_keyboard_then_quit_restores_the_terminal() {
    let pty = Pty::new();
    pty.start();
    pty.see("No registries yet");

    add_ghcr_by_keyboard(&pty, "ghcr-pty");
    pty.keys_press(&["q"]);

    let exited = pty.wait_exit();
    exited.assert_restored();
    assert_eq!(exited.exit, "0", "exit code; stderr:\n{}", exited.stderr);

    let disk = pty.disk();
    let r = disk
        .registry("ghcr-pty")
        .expect("the registry typed in the TUI is in the vault on disk");
    assert_eq!(r.kind, RegistryKind::Ghcr);
    assert_eq!(r.credentials.get("username"), Some("octo-cat"));
    assert_eq!(r.credentials.get("token"), Some(TOKEN));
    assert_eq!(r.created_by, USER);

    // And the scripting face sees it too.
    let list = pty.cli(&["registry", "list", "--json"]);
    let stdout = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success() && stdout.contains("ghcr-pty"),
        "registry list --json: {stdout}"
    );
}

#[test]
fn sighup_restores_the_terminal_and_keeps_the_vault() {
    let pty = Pty::new();
    pty.start();
    pty.see("No registries yet");
    add_ghcr_by_keyboard(&pty, "ghcr-kept");

    // A half-typed second registry when the connection drops.
    pty.keys_press(&["a"]);
    pty.see("Add registry");
    pty.keys_press(&["Tab"]);
    pty.type_text("draft-lost");
    pty.see("draft-lost");

    let pid = pty.tui_pid();
    let kill = Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("run kill");
    assert!(kill.success(), "kill -HUP {pid}");

    let exited = pty.wait_exit();
    exited.assert_restored();

    let disk = pty.disk();
    assert_eq!(
        disk.registries
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["ghcr-kept"],
        "the saved registry survives the hang-up; the unsaved draft is not written"
    );
    assert_eq!(
        disk.registry("ghcr-kept")
            .and_then(|r| r.credentials.get("token")),
        Some(TOKEN)
    );
}

/// The checks above must be able to fail: a program that leaves the
/// terminal raw, silent, on the alternate screen with the cursor hidden is
/// caught by every one of them.
#[test]
fn the_restore_checks_catch_a_terminal_left_broken() {
    let pty = Pty::new();
    let script = pty.path("broken.sh");
    std::fs::write(
        &script,
        "stty raw -echo; printf '\\033[?1049h\\033[?25l'; stty -a > stty.txt; \
         echo 0 > tui.exit; echo 'regvault has exited'; exec sleep 600\n",
    )
    .expect("write script");
    let cmd = format!(
        "cd '{}' && sh '{}'",
        pty.dir.path().display(),
        script.display()
    );
    pty.tmux(&[
        "new-session",
        "-d",
        "-s",
        "rv",
        "-x",
        "100",
        "-y",
        "30",
        &cmd,
    ]);
    let exited = pty.wait_exit();
    assert_eq!(
        exited.problems(),
        [
            "raw mode still on (-icanon): lines cannot be edited",
            "echo off: typed commands are invisible",
            "still on the alternate screen",
            "the cursor is hidden",
        ]
    );
}
