//! The vault's files under attack and after accidents: a lost vault file
//! and its backups (`restore`), a symlinked vault path, symlinks planted at
//! the lock file and at docker's `config.json`, a damaged header, files
//! readable by others, and many writers at once. Each test drives the
//! release-shaped binary (or the library) on real files.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

/// A private HOME with XDG dirs, so tests never touch the real user's vault.
struct Sandbox {
    dir: TempDir,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Out {
    fn from(o: Output) -> Self {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Sandbox {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn vault(&self) -> PathBuf {
        self.path("data/regvault/vault.age")
    }

    fn identity(&self) -> PathBuf {
        self.path("config/regvault/identity.txt")
    }

    fn cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_regvault"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("REGVAULT_USER", "alice@ops");
        c
    }

    fn run(&self, args: &[&str]) -> Out {
        self.cmd().args(args).output().unwrap().into()
    }

    fn ok(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(o.code, 0, "{args:?} failed:\n{}\n{}", o.stdout, o.stderr);
        o
    }

    fn add(&self, name: &str) {
        self.ok(&["registry", "add", "--name", name, "--type", "Public"]);
    }

    fn names(&self, extra: &[&str]) -> Vec<String> {
        let mut args = extra.to_vec();
        args.extend(["registry", "list", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&self.ok(&args).stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every backup file under `<vault>.backups/`, at any depth.
fn backup_files(vault: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    let mut name = vault.file_name().unwrap().to_os_string();
    name.push(".backups");
    walk(&vault.with_file_name(name), &mut out);
    out.sort();
    out
}

/// Item 17: a lost vault file, then `init` and five saves, used to rotate
/// every backup of the old vault away.
#[test]
fn init_after_a_lost_vault_keeps_its_backups_and_restore_brings_it_back() {
    let s = Sandbox::new();
    s.ok(&["init"]);
    for i in 1..=6 {
        s.add(&format!("old-{i}"));
    }
    let old_backups: Vec<(PathBuf, Vec<u8>)> = backup_files(&s.vault())
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    assert_eq!(old_backups.len(), 5);
    std::fs::remove_file(s.vault()).unwrap();

    // The missing vault is reported with its backups and the way back.
    let o = s.run(&["registry", "list"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("regvault restore"), "{}", o.stderr);
    assert!(o.stderr.contains("5 backups"), "{}", o.stderr);
    // The TUI does not offer its first-run "create it now" either.
    let o = s.run(&[]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("regvault restore"), "{}", o.stderr);

    let o = s.ok(&["init"]);
    assert!(o.stdout.contains("regvault restore"), "{}", o.stdout);
    for i in 1..=5 {
        s.add(&format!("new-{i}"));
    }
    // Every byte of every old backup is still somewhere under the backups.
    let now: Vec<Vec<u8>> = backup_files(&s.vault())
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    for (p, bytes) in &old_backups {
        assert!(
            now.contains(bytes),
            "old backup {} was rotated away",
            p.display()
        );
    }

    // `restore` lists them with time and registry count and brings the
    // newest old one back (the current vault becomes a backup).
    let list = s.ok(&["restore"]).stdout;
    let line = list
        .lines()
        .find(|l| l.contains("5 registries") && l.contains("earlier"))
        .unwrap_or_else(|| panic!("no old backup with 5 registries listed:\n{list}"));
    let index = line
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('.');
    assert!(line.contains("20"), "a time is shown: {line}");
    s.ok(&["restore", index]);
    assert_eq!(
        s.names(&[]),
        ["old-1", "old-2", "old-3", "old-4", "old-5"],
        "the old vault is back"
    );
    let list = s.ok(&["restore"]).stdout;
    assert!(
        list.lines()
            .any(|l| l.contains("5 registries") && !l.contains("earlier")),
        "the replaced new vault (5 registries) is a backup now:\n{list}"
    );
}

/// Item 18: a symlinked vault path used to be replaced by a regular file
/// (the real file stopped receiving updates; two paths, two locks).
#[test]
fn a_symlinked_vault_path_writes_the_real_file() {
    let s = Sandbox::new();
    let real = s.path("sync/team/vault.age");
    let real_arg = real.to_str().unwrap();
    s.ok(&["--vault", real_arg, "init"]);
    std::fs::create_dir_all(s.vault().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&real, s.vault()).unwrap();

    s.add("through-the-link");
    assert!(
        std::fs::symlink_metadata(s.vault())
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is kept"
    );
    assert_eq!(s.names(&["--vault", real_arg]), ["through-the-link"]);
    assert!(s.path("sync/team/vault.age.lock").exists());
    assert!(
        !s.path("data/regvault/vault.age.lock").exists(),
        "one file, one lock: the real file's"
    );
    assert_eq!(backup_files(&real).len(), 1, "backups beside the real file");

    // A dangling link at the vault path is not followed by `init`.
    let elsewhere = s.path("elsewhere.age");
    let link = s.path("dangling.age");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let o = s.run(&["--vault", link.to_str().unwrap(), "init"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    assert!(!elsewhere.exists());
}

/// Item 5: `vault.age.lock` planted as a symlink to another file of the
/// user: the lock used to truncate it and write its holder line into it.
#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
    let s = Sandbox::new();
    s.ok(&["init"]);
    let victim = s.path("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    let lock = s.path("data/regvault/vault.age.lock");
    let _ = std::fs::remove_file(&lock);
    std::os::unix::fs::symlink(&victim, &lock).unwrap();

    let o = s.run(&["registry", "add", "--name", "p", "--type", "Public"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

    // A hard link to another file is refused as well.
    std::fs::remove_file(&lock).unwrap();
    std::fs::hard_link(&victim, &lock).unwrap();
    let o = s.run(&["registry", "add", "--name", "p", "--type", "Public"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("link"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

    std::fs::remove_file(&lock).unwrap();
    s.add("p");
}

/// Item 5: a dangling `config.json` symlink planted in the docker config
/// dir used to receive the credentials at its target.
#[test]
fn a_dangling_config_json_symlink_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("docker");
    std::fs::create_dir(&config).unwrap();
    let target = dir.path().join("readable-by-mallory.json");
    std::os::unix::fs::symlink(&target, config.join("config.json")).unwrap();
    let err = regvault::deploy::compose_io::write_config(&config, &[]).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!target.exists(), "nothing written at the link's target");

    // A link to an existing file is refused too, and the file kept.
    std::fs::write(&target, "{}").unwrap();
    let err = regvault::deploy::compose_io::write_config(&config, &[]).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");
}

/// Item 22: a bit flipped in the recipient stanza was reported as "wrong
/// passphrase or identity".
#[test]
fn a_flipped_bit_in_the_recipient_stanza_is_damage_not_a_wrong_key() {
    let s = Sandbox::new();
    s.ok(&["init"]);
    s.add("a");
    let mut bytes = std::fs::read(s.vault()).unwrap();
    // age-encryption.org/v1 \n -> X25519 <share> \n <body> \n --- <mac>
    let body_start = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    bytes[body_start] = if bytes[body_start] == b'A' {
        b'B'
    } else {
        b'A'
    };
    std::fs::write(s.vault(), &bytes).unwrap();

    let o = s.run(&["registry", "list"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("damaged"), "{}", o.stderr);
    assert!(o.stderr.contains("regvault restore"), "{}", o.stderr);
    assert!(!o.stderr.contains("wrong passphrase"), "{}", o.stderr);
    assert_eq!(std::fs::read(s.vault()).unwrap(), bytes, "left as it is");
}

/// Item 23: an identity readable by others was used without a word; a
/// 0644 vault survived as a 0644 backup.
#[test]
fn secrets_readable_by_others_are_warned_about_or_refused() {
    let s = Sandbox::new();
    s.ok(&["init"]);
    s.add("a");
    chmod(&s.identity(), 0o644);
    let o = s.run(&["registry", "list"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("readable by others"), "{}", o.stderr);
    assert!(o.stderr.contains("--allow-open-identity"), "{}", o.stderr);
    let o = s.ok(&["--allow-open-identity", "registry", "list"]);
    assert!(o.stderr.contains("readable by others"), "{}", o.stderr);
    // Nor does `init` build a new vault on it.
    let o = s.run(&["--vault", s.path("second.age").to_str().unwrap(), "init"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("readable by others"), "{}", o.stderr);
    assert!(!s.path("second.age").exists());
    chmod(&s.identity(), 0o600);

    chmod(&s.vault(), 0o644);
    let o = s.ok(&["registry", "list"]);
    assert!(
        o.stderr.contains("readable by others") && o.stderr.contains("vault.age"),
        "{}",
        o.stderr
    );
    s.add("b");
    for b in backup_files(&s.vault()) {
        assert_eq!(mode(&b), 0o600, "{}", b.display());
    }
    assert_eq!(mode(&s.vault()), 0o600);
}

/// Item 24: the writer lock waited 200 ms, so concurrent writers failed.
#[test]
fn twenty_concurrent_writers_all_succeed() {
    let s = Sandbox::new();
    s.ok(&["init"]);
    let children: Vec<_> = (0..20)
        .map(|i| {
            let mut c = s.cmd();
            c.args([
                "registry",
                "add",
                "--name",
                &format!("w{i}"),
                "--type",
                "Public",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    for child in children {
        let o: Out = child.wait_with_output().unwrap().into();
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    assert_eq!(s.names(&[]).len(), 20);

    // `--wait 0` does not wait, and says who holds the lock.
    let keys = [regvault::vault::KeySource::IdentityFile(s.identity())];
    let held = regvault::vault::Vault::open_locked(&s.vault(), &keys).unwrap();
    let start = std::time::Instant::now();
    let o = s.run(&[
        "--wait", "0", "registry", "add", "--name", "x", "--type", "Public",
    ]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("locked by"), "{}", o.stderr);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    // A wait that lasts says who it waits for.
    let o = s.run(&[
        "--wait", "1", "registry", "add", "--name", "x", "--type", "Public",
    ]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr
            .contains("waiting up to 1s for the vault lock held by ")
            && o.stderr.contains(&format!("pid {}", std::process::id())),
        "{}",
        o.stderr
    );
    drop(held);
    s.add("x");
}

/// Item 15: removing a member left every backup encrypted to them (with
/// the credentials of their day), and there was no way to remove one.
#[test]
fn rekey_removes_a_member_from_the_vault_and_its_backups() {
    let s = Sandbox::new();
    s.ok(&["init"]);
    let bob = s.path("bob.txt");
    let bob_pub = regvault::vault::generate_identity(&bob).unwrap();
    let bob_arg = bob.to_str().unwrap();
    let o = s.ok(&["rekey", "--add", &bob_pub]);
    assert!(o.stdout.contains("added"), "{}", o.stdout);
    s.add("shared");
    assert_eq!(s.names(&["--identity", bob_arg]), ["shared"]);
    s.add("more");
    assert!(!backup_files(&s.vault()).is_empty());

    // Removing your own key is refused: you could not open it again.
    let mine = s.ok(&["rekey", "--list"]).stdout;
    let mine = mine.lines().find(|l| *l != bob_pub).unwrap().to_owned();
    let o = s.run(&["rekey", "--remove", &mine]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("your own key"), "{}", o.stderr);

    // What a removal used to leave: backups the removed member opens.
    let bob_key = [regvault::vault::KeySource::IdentityFile(bob.clone())];
    s.ok(&["rekey", "--remove", &bob_pub, "--keep-backups"]);
    assert!(
        backup_files(&s.vault())
            .iter()
            .any(|b| regvault::vault::read_backup(b, &bob_key).is_ok()),
        "--keep-backups keeps what the removed member could read"
    );
    s.ok(&["rekey", "--add", &bob_pub]);

    let o = s.ok(&["rekey", "--remove", &bob_pub]);
    assert!(o.stdout.contains("removed"), "{}", o.stdout);
    assert!(o.stdout.contains("rotate"), "{}", o.stdout);
    let o = s.run(&["--identity", bob_arg, "registry", "list"]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("wrong passphrase or identity"),
        "{}",
        o.stderr
    );
    for b in backup_files(&s.vault()) {
        assert!(
            regvault::vault::read_backup(&b, &bob_key).is_err(),
            "{} still opens with the removed member's key",
            b.display()
        );
    }
    assert_eq!(s.names(&[]), ["shared", "more"]);

    // `backups list|purge`.
    s.add("third");
    let list = s.ok(&["backups", "list"]).stdout;
    assert!(list.contains("bytes"), "{list}");
    let o = s.ok(&["backups", "purge"]);
    assert!(o.stdout.contains("removed 1 backup"), "{}", o.stdout);
    assert!(backup_files(&s.vault()).is_empty());
}

/// Item 17 for a passphrase vault: `restore` asks for the passphrase once
/// (here from `REGVAULT_PASSPHRASE_FILE`) and puts the vault back.
#[test]
fn restore_brings_back_a_lost_passphrase_vault() {
    let s = Sandbox::new();
    let pass = s.path("pass.txt");
    std::fs::write(&pass, "Tr0mbone-Lantern-Quiet-Meadow-77\n").unwrap();
    let with_pass = |args: &[&str]| -> Out {
        let mut c = s.cmd();
        c.env("REGVAULT_PASSPHRASE_FILE", &pass).args(args);
        c.output().unwrap().into()
    };
    assert_eq!(with_pass(&["init", "--passphrase"]).code, 0);
    for name in ["a", "b"] {
        let o = with_pass(&["registry", "add", "--name", name, "--type", "Public"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    std::fs::remove_file(s.vault()).unwrap();
    let o = with_pass(&["restore"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("1 registry"), "{}", o.stdout);
    let o = with_pass(&["restore", "1"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = with_pass(&["registry", "list", "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("\"a\""), "{}", o.stdout);
}

/// Item 22 for an SSH key: its stanza carries the key's tag, so an altered
/// stanza is told from another key's even with no backup to compare.
#[test]
fn an_altered_ssh_stanza_is_damage_even_without_backups() {
    let s = Sandbox::new();
    let key = s.path("ssh/id_ed25519");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let st = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen is missing: apt-get install openssh-client");
    assert!(st.success());
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    s.ok(&["init", "--no-identity", "--recipient", pubkey.trim()]);
    let mut bytes = std::fs::read(s.vault()).unwrap();
    // age-encryption.org/v1 \n -> ssh-ed25519 <tag> <share> \n <body> \n …
    let body_start = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    bytes[body_start] = if bytes[body_start] == b'A' {
        b'B'
    } else {
        b'A'
    };
    std::fs::write(s.vault(), &bytes).unwrap();
    let o = s.run(&["--identity", key.to_str().unwrap(), "registry", "list"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("damaged"), "{}", o.stderr);
    assert!(!o.stderr.contains("wrong passphrase"), "{}", o.stderr);
}
