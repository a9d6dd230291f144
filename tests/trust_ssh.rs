//! Signed saves with an existing SSH key: an unencrypted OpenSSH ed25519
//! private key (`ssh-keygen -t ed25519`) signs saves (`--signing-key` or
//! `REGVAULT_SIGNING_KEY`), its `ssh-ed25519 …` public line makes a member,
//! and a save signed by an SSH key that is not a member is refused. An
//! encrypted SSH key, an RSA key and a key others can read are refused with
//! a clear error. Each user has their own HOME.

use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use team::{Out, command, fingerprint, ghcr_file, hand_signed, public_key_of, tok};
use tempfile::TempDir;

#[path = "support/team.rs"]
mod team;

fn need(bin: &str, install: &str) {
    let found = Std::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`{bin}` is not installed; install it with: {install} (or run ./scripts/test.sh)"
    );
}

struct User {
    home: TempDir,
}

impl User {
    fn new() -> Self {
        Self {
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    fn recipient(&self) -> String {
        public_key_of(&self.path("config/regvault/identity.txt"))
    }

    /// `ssh-keygen -t TYPE` at ~/.ssh/NAME (with `passphrase`); its path.
    fn ssh_key(&self, kind: &str, name: &str, passphrase: &str) -> PathBuf {
        need("ssh-keygen", "apt-get install openssh-client");
        std::fs::create_dir_all(self.path(".ssh")).unwrap();
        let key = self.path(&format!(".ssh/{name}"));
        let st = Std::new("ssh-keygen")
            .args(["-q", "-t", kind, "-N", passphrase, "-C", "me@laptop", "-f"])
            .arg(&key)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "ssh-keygen failed");
        key
    }

    fn run(&self, vault: &Path, args: &[&str], signing_key: Option<&Path>) -> Out {
        let mut c = command(self.home.path(), vault, "someone@ops");
        c.args(args);
        if let Some(k) = signing_key {
            c.env("REGVAULT_SIGNING_KEY", k);
        }
        c.output().unwrap().into()
    }

    fn ok(&self, vault: &Path, args: &[&str], signing_key: Option<&Path>) -> Out {
        let o = self.run(vault, args, signing_key);
        assert_eq!(o.code, 0, "{args:?} failed:\n{}\n{}", o.stdout, o.stderr);
        o
    }

    fn add(&self, vault: &Path, name: &str, signing_key: Option<&Path>) -> Out {
        let f = ghcr_file(self.home.path(), name, &tok(name));
        self.run(vault, &["registry", "add", "--from-file", &f], signing_key)
    }

    fn names(&self, vault: &Path) -> Vec<String> {
        let o = self.ok(vault, &["registry", "list", "--json"], None);
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// The `ssh-ed25519 AAAA… comment` line of `key`.pub.
fn ssh_public_line(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub"))
        .unwrap()
        .trim()
        .to_owned()
}

/// The member entry regvault makes of an SSH ed25519 key: `ed25519:` and
/// the base64 of the 32-byte public key (the end of the SSH wire blob).
fn member_of(key: &Path) -> String {
    let line = ssh_public_line(key);
    let blob = STANDARD.decode(line.split(' ').nth(1).unwrap()).unwrap();
    format!("ed25519:{}", STANDARD.encode(&blob[blob.len() - 32..]))
}

#[test]
fn an_ssh_ed25519_key_signs_saves_and_its_public_line_makes_a_member() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("team.age");
    let lead = User::new();
    let me = User::new();
    me.ok(&me.path("own.age"), &["init"], None);
    let lead_key = lead.ssh_key("ed25519", "id_ed25519", "");
    let my_key = me.ssh_key("ed25519", "id_ed25519", "");

    // `init --signing-key ~/.ssh/id_ed25519`: the SSH key is the member.
    let o = lead.ok(
        &vault,
        &[
            "init",
            "--recipient",
            &me.recipient(),
            "--signing-key",
            lead_key.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.stdout.contains(&member_of(&lead_key)), "{}", o.stdout);
    assert!(
        !lead.path("config/regvault/signing-key.txt").exists(),
        "a regvault key was created beside the SSH key"
    );
    let o = lead.ok(&vault, &["member", "list"], None);
    assert_eq!(
        o.stdout.trim(),
        format!(
            "{} {}",
            fingerprint(&member_of(&lead_key)),
            member_of(&lead_key)
        )
    );

    // Saves signed with it (REGVAULT_SIGNING_KEY) verify, for both users.
    assert_eq!(lead.add(&vault, "lead", Some(&lead_key)).code, 0);
    assert_eq!(me.names(&vault), ["lead"]);

    // Not a member yet: my save is refused and the vault is unchanged.
    let before = std::fs::read(&vault).unwrap();
    let o = me.add(&vault, "mine", Some(&my_key));
    assert_ne!(o.code, 0, "a non-member's save happened: {}", o.stdout);
    assert!(o.stderr.contains("not a member"), "{}", o.stderr);
    assert_eq!(std::fs::read(&vault).unwrap(), before);

    // `member add` with my `ssh-ed25519 …` line (normalised) lets me save.
    let o = lead.ok(
        &vault,
        &["member", "add", &ssh_public_line(&my_key)],
        Some(&lead_key),
    );
    assert!(
        o.stdout.contains(&fingerprint(&member_of(&my_key))),
        "{}",
        o.stdout
    );
    let o = lead.ok(&vault, &["member", "list"], None);
    assert!(o.stdout.contains(&member_of(&my_key)), "{}", o.stdout);
    let o = me.add(&vault, "mine", Some(&my_key));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(lead.names(&vault), ["lead", "mine"]);
}

#[test]
fn init_takes_a_members_ssh_public_line() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("team.age");
    let lead = User::new();
    let me = User::new();
    me.ok(&me.path("own.age"), &["init"], None);
    let my_key = me.ssh_key("ed25519", "id_ed25519", "");
    lead.ok(
        &vault,
        &[
            "init",
            "--recipient",
            &me.recipient(),
            "--member",
            &ssh_public_line(&my_key),
        ],
        None,
    );
    assert_eq!(me.add(&vault, "mine", Some(&my_key)).code, 0);
    assert_eq!(lead.names(&vault), ["mine"]);
    // An RSA public line is no signing key.
    let rsa = me.ssh_key("rsa", "id_rsa", "");
    let o = lead.run(&vault, &["member", "add", &ssh_public_line(&rsa)], None);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("is not a signing public key")
            && o.stderr.contains("signing keys are ed25519"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_save_signed_by_a_non_member_ssh_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("team.age");
    let lead = User::new();
    let me = User::new();
    me.ok(&me.path("own.age"), &["init"], None);
    let lead_key = lead.ssh_key("ed25519", "id_ed25519", "");
    lead.ok(
        &vault,
        &[
            "init",
            "--recipient",
            &me.recipient(),
            "--signing-key",
            lead_key.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(lead.add(&vault, "ghcr", Some(&lead_key)).code, 0);
    assert_eq!(me.names(&vault), ["ghcr"]);

    // An outsider who can write the directory signs a newer vault with the
    // same recipients and members with their own SSH ed25519 key.
    let outsider = User::new();
    let theirs = outsider.ssh_key("ed25519", "id_ed25519", "");
    let seed = ssh_key::PrivateKey::read_openssh_file(&theirs)
        .unwrap()
        .key_data()
        .ed25519()
        .unwrap()
        .private
        .to_bytes();
    let recipients = vec![lead.recipient(), me.recipient()];
    // lead's identity was created by init; both recipients are listed.
    let forged = hand_signed(&recipients, &[member_of(&lead_key)], seed);
    std::fs::write(&vault, &forged).unwrap();
    let o = me.run(&vault, &["registry", "list"], None);
    assert_ne!(o.code, 0, "a non-member's save was used: {}", o.stdout);
    assert!(o.stderr.contains("not a member"), "{}", o.stderr);
    // Exit class 5: the vault changed (a save not validly signed).
    assert_eq!(me.add(&vault, "new", None).code, 5);
    assert_eq!(std::fs::read(&vault).unwrap(), forged);
}

#[test]
fn an_encrypted_rsa_or_open_ssh_key_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let user = User::new();
    let vault = dir.path().join("v.age");

    let locked = user.ssh_key("ed25519", "locked", "a passphrase 123");
    let o = user.run(
        &vault,
        &["init", "--signing-key", locked.to_str().unwrap()],
        None,
    );
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("unencrypted") && o.stderr.contains("ssh-agent"),
        "{}",
        o.stderr
    );
    assert!(!vault.exists());
    assert!(
        !user.path("config/regvault/identity.txt").exists(),
        "init created an identity before refusing the signing key"
    );

    let rsa = user.ssh_key("rsa", "id_rsa", "");
    let o = user.run(&vault, &["init"], Some(&rsa));
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("signing keys are ed25519"),
        "{}",
        o.stderr
    );
    assert!(!vault.exists());

    let open = user.ssh_key("ed25519", "open", "");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let o = user.run(&vault, &["init"], Some(&open));
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("readable by others") && o.stderr.contains("chmod 600"),
        "{}",
        o.stderr
    );
    assert!(!vault.exists());
}
