//! Hostile input through the real binary: names that carry terminal
//! escapes or megabytes, import files built to exhaust a parser or to
//! smuggle a second value for a key, weak passphrases, and a process whose
//! memory others could read. Each test is an attack that used to work.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use regvault::vault::{KeySource, Vault};
use tempfile::TempDir;

/// The OSC sequence that retitles a terminal: what a hostile name carries.
const OSC: &str = "\x1b]0;pwned\x07";

/// A private HOME with XDG dirs and an identity vault.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let s = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let init = s.run(&["init"], None);
        assert!(init.status.success(), "init: {}", stderr(&init));
        s
    }

    /// No vault yet: for `init` variants.
    fn bare() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> String {
        let p = self.path(rel);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("regvault"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("REGVAULT_USER", "alice@ops");
        c
    }

    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut c = self.cmd();
        c.args(args);
        run_with_stdin(c, stdin)
    }

    fn vault(&self) -> Vault {
        let mut v = Vault::open_locked(
            &self.path("data/regvault/vault.age"),
            &[KeySource::IdentityFile(
                self.path("config/regvault/identity.txt"),
            )],
        )
        .unwrap();
        v.set_signing_key(self.path("config/regvault/signing-key.txt"));
        v
    }

    fn import(&self, file: &str) -> Output {
        self.run(&["registry", "add", "--from-file", file], None)
    }
}

fn run_with_stdin(mut c: Command, stdin: Option<&[u8]>) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run regvault");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        use std::io::Write as _;
        // The child may refuse before reading everything: a broken pipe is fine.
        let _ = pipe.write_all(bytes);
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_refused(o: &Output, needle: &str) -> String {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "not refused:\n{}\n{err}",
        stdout(o)
    );
    assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line:\n{err}");
    assert!(!err.contains('\x1b'), "a raw escape on stderr: {err:?}");
    err
}

fn ghcr_json(name: &str) -> String {
    serde_json::json!({
        "name": name, "type": "GHCR",
        "credentials": {"username": "octo", "token": "ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2"}
    })
    .to_string()
}

#[test]
fn a_name_with_a_terminal_escape_is_refused_and_nothing_is_saved() {
    let s = Sandbox::new();
    let f = s.write("osc.json", ghcr_json(&format!("prod{OSC}")));
    assert_refused(
        &s.import(&f),
        "name: a control character (U+001B) is not allowed",
    );
    let f = s.write("bidi.json", ghcr_json("prod\u{202E}dorp"));
    assert_refused(&s.import(&f), "invisible formatting character (U+202E)");

    let o = s.run(
        &[
            "container",
            "add",
            "--name",
            OSC,
            "--environment",
            "staging",
            "--image",
            "redis",
        ],
        None,
    );
    assert_refused(&o, "name: a control character");
    let v = s.vault();
    assert!(v.data().registries.is_empty() && v.data().containers.is_empty());
}

#[test]
fn a_huge_name_is_refused_with_its_size_not_its_text() {
    let s = Sandbox::new();
    // The largest name an import can carry now that an import is bounded.
    let f = s.write("big.json", ghcr_json(&"n".repeat(1000 * 1000)));
    let err = assert_refused(&s.import(&f), "name: at most 63 characters");
    assert!(err.len() < 200, "{} bytes of error", err.len());
    let f = s.write("ok.json", ghcr_json(&"n".repeat(63)));
    let o = s.import(&f);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn stored_escapes_in_names_and_created_by_are_printed_escaped() {
    let s = Sandbox::new();
    let f = s.write("ok.json", ghcr_json("gh"));
    assert!(s.import(&f).status.success());
    // A vault written by an older regvault (or by hand): the escapes are in.
    let mut v = s.vault();
    let r = &mut v.data_mut().registries[0];
    r.name = format!("gh{OSC}");
    r.created_by = format!("mallory{OSC}\u{202E}");
    v.save().unwrap();
    drop(v);

    for args in [
        &["registry", "list"][..],
        &["registry", "show", "gh\x1b]0;pwned\x07"][..],
    ] {
        let o = s.run(args, None);
        let out = stdout(&o);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
        assert!(!out.contains('\u{202E}'), "{out:?}");
        assert!(out.contains("mallory\\x1b]0;pwned\\x07\\u{202e}"), "{out}");
        assert!(out.contains("gh\\x1b]0;pwned\\x07"), "{out}");
    }
    // A refusal naming the stored registry is escaped too (it no longer
    // names the creator: that would say whom to impersonate).
    let o = s.run(&["registry", "delete", "gh\x1b]0;pwned\x07"], None);
    let err = assert_refused(&o, "'gh\\x1b]0;pwned\\x07'");
    assert!(!err.contains("mallory"), "{err}");
    // An error quoting what was typed is escaped too.
    let o = s.run(&["registry", "show", OSC], None);
    assert_refused(&o, "no registry '\\x1b]0;pwned\\x07'");
}

#[test]
fn created_by_from_the_environment_is_stored_escaped() {
    let s = Sandbox::new();
    let f = s.write("ok.json", ghcr_json("gh"));
    let mut c = s.cmd();
    c.env("REGVAULT_USER", format!("eve{OSC}"))
        .args(["registry", "add", "--from-file", &f]);
    let o = run_with_stdin(c, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        s.vault().data().registries[0]
            .created_by
            .split(" (sha256:")
            .next(),
        Some("eve\\x1b]0;pwned\\x07")
    );
}

#[test]
fn two_hundred_kilobytes_of_brackets_are_refused_before_parsing() {
    let s = Sandbox::new();
    let deep = "[".repeat(200 * 1024);
    for name in ["deep.json", "deep.toml", "deep.yaml", "deep"] {
        let f = s.write(name, &deep);
        assert_refused(&s.import(&f), "brackets nested more than 64 deep");
    }
    let o = s.run(
        &["registry", "add", "--from-file", "-"],
        Some(deep.as_bytes()),
    );
    assert_refused(&o, "brackets nested more than 64 deep");
}

#[test]
fn an_import_over_a_mebibyte_is_refused_unread() {
    let s = Sandbox::new();
    let big = format!("# {}\n{}", "x".repeat(2 << 20), ghcr_json("gh"));
    let f = s.write("big.yaml", &big);
    assert_refused(&s.import(&f), "too large: an import is at most 1 MiB");
    let o = s.run(
        &["registry", "add", "--from-file", "-"],
        Some(big.as_bytes()),
    );
    assert_refused(&o, "too large: an import is at most 1 MiB");
    assert!(s.vault().data().registries.is_empty());
}

#[test]
fn a_key_given_twice_in_an_import_is_refused() {
    let s = Sandbox::new();
    let json = r#"{"name":"gh","type":"GHCR","credentials":{"username":"octo","token":"ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2","username":"mallory"}}"#;
    let yaml = "name: gh\ntype: GHCR\nname: other\n";
    let toml = "name = \"gh\"\ntype = \"GHCR\"\nname = \"other\"\n";
    for (file, text, key) in [
        ("d.json", json, "key 'username' is given twice"),
        ("d.yaml", yaml, "key 'name' is given twice"),
        ("d.toml", toml, "given twice"),
    ] {
        let f = s.write(file, text);
        assert_refused(&s.import(&f), key);
    }
    assert!(s.vault().data().registries.is_empty());
}

#[test]
fn a_byte_order_mark_is_read_and_a_second_yaml_document_is_named() {
    let s = Sandbox::new();
    let f = s.write("bom.json", format!("\u{FEFF}{}", ghcr_json("gh")));
    let o = s.import(&f);
    assert!(o.status.success(), "{}", stderr(&o));
    let f = s.write(
        "two.yaml",
        "name: a\ntype: Public\n---\nname: b\ntype: Public\n",
    );
    let err = assert_refused(&s.import(&f), "more than one YAML document (---)");
    assert!(!err.contains("line 0"), "{err}");
}

#[test]
fn os_errors_are_named_once() {
    let s = Sandbox::new();
    // A directory where the vault should be: EISDIR from the OS.
    std::fs::create_dir(s.path("dir")).unwrap();
    let o = s.run(
        &[
            "--vault",
            s.path("dir").to_str().unwrap(),
            "registry",
            "list",
        ],
        None,
    );
    let err = assert_refused(&o, "Is a directory (os error 21)");
    assert_eq!(err.matches("os error").count(), 1, "{err}");
}

/// Another process of the same user could attach with ptrace, read
/// `/proc/PID/mem` or wait for a core file, and take the decrypted vault.
/// The kernel shows a non-dumpable process's `/proc/PID` files as owned by
/// root whatever user runs it, so the process runs as another user than
/// root (nobody, when the test runs as root) and the owner tells.
#[test]
fn a_running_regvault_is_not_dumpable_and_writes_no_core() {
    use std::os::unix::fs::MetadataExt as _;

    let s = Sandbox::new();
    let as_root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    let mut c = if as_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(assert_cmd::cargo::cargo_bin("regvault"));
        c
    } else {
        s.cmd()
    };
    // Blocked reading an import from stdin: alive, as long as the pipe is.
    c.args(["registry", "add", "--from-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c
        .spawn()
        .expect("run regvault (as root the test needs setpriv: apt-get install util-linux)");
    let proc_dir = format!("/proc/{}", child.id());
    let status_of = || std::fs::read_to_string(format!("{proc_dir}/status")).unwrap_or_default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // Past exec and start-up: asleep in read(2) on stdin.
    while !(status_of().contains("State:\tS") && status_of().contains("Name:\tregvault")) {
        assert!(std::time::Instant::now() < deadline, "{}", status_of());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    let status = status_of();
    let limits = std::fs::read_to_string(format!("{proc_dir}/limits")).unwrap();
    let owner = std::fs::metadata(format!("{proc_dir}/status"))
        .unwrap()
        .uid();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();

    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(!uid_line.contains("\t0\t"), "runs as root: {uid_line}");
    assert_eq!(
        owner,
        0,
        "/proc/PID is owned by the process's user: it is dumpable ({uid_line}); stderr: {}",
        stderr(&out)
    );
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(
        core.split_whitespace().collect::<Vec<_>>()[4..6],
        ["0", "0"],
        "{core}"
    );
}

/// The scrypt work factor of an age file, read from its header line
/// `-> scrypt SALT LOG_N`.
fn header_log_n(bytes: &[u8]) -> u8 {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\n---")
        .expect("an age header");
    let header = std::str::from_utf8(&bytes[..end]).unwrap();
    let line = header
        .lines()
        .find(|l| l.starts_with("-> scrypt "))
        .expect("a scrypt stanza");
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_weak_passphrase_is_refused_and_no_vault_is_made() {
    let s = Sandbox::bare();
    for (pass, needle) in [
        (
            "password1",
            "the passphrase is too short: at least 12 characters (it has 9)",
        ),
        ("password1234", "the passphrase is too easy to guess"),
    ] {
        let file = s.write("pass", format!("{pass}\n"));
        let mut c = s.cmd();
        c.env("REGVAULT_PASSPHRASE_FILE", &file)
            .args(["init", "--passphrase"]);
        let o = run_with_stdin(c, None);
        let err = assert_refused(&o, needle);
        assert!(!err.contains(pass), "{err}");
        assert!(!s.path("data/regvault/vault.age").exists());
    }
}

#[test]
fn a_passphrase_vault_is_written_with_at_least_2_pow_18() {
    let s = Sandbox::bare();
    let file = s.write("pass", "umbrella quartz tundra fjord\n");
    let mut c = s.cmd();
    c.env("REGVAULT_PASSPHRASE_FILE", &file)
        .args(["init", "--passphrase"]);
    let o = run_with_stdin(c, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(s.path("data/regvault/vault.age")).unwrap();
    let created = header_log_n(&bytes);
    assert!(created >= 18, "2^{created}");

    // A save never lowers the factor on disk.
    let f = s.write("ok.json", ghcr_json("gh"));
    let mut c = s.cmd();
    c.env("REGVAULT_PASSPHRASE_FILE", &file)
        .args(["registry", "add", "--from-file", &f]);
    let o = run_with_stdin(c, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(s.path("data/regvault/vault.age")).unwrap();
    assert!(header_log_n(&bytes) >= created);
}
