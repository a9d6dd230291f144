//! Pinning: a vault forged by whoever can write its directory (an extra
//! recipient) or rolled back (an old backup copied over it) is refused
//! before anything is read from it or saved to it, and `regvault trust`
//! accepts a deliberate change. Each user has their own HOME, hence their
//! own identity and their own pins.

use std::path::{Path, PathBuf};

use team::{Out, command, fingerprint, ghcr_file, hand_signed, public_key_of, tok};
use tempfile::TempDir;

#[path = "support/team.rs"]
mod team;

const CANARY: &str = "ghp_TRUSTcanary0123456789abcdefghijKLMNO";

/// One user on the bastion: a private HOME (identity, pins).
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

    fn signing_key(&self) -> String {
        public_key_of(&self.path("config/regvault/signing-key.txt"))
    }

    fn run(&self, vault: &Path, args: &[&str], stdin: Option<&str>) -> Out {
        self.run_as("someone@ops", vault, args, stdin)
    }

    /// `run` with another `REGVAULT_USER`.
    fn run_as(&self, name: &str, vault: &Path, args: &[&str], stdin: Option<&str>) -> Out {
        let mut c = command(self.home.path(), vault, name);
        c.args(args);
        if let Some(s) = stdin {
            c.write_stdin(s);
        }
        c.output().unwrap().into()
    }

    fn ok(&self, vault: &Path, args: &[&str]) -> Out {
        let o = self.run(vault, args, None);
        assert_eq!(o.code, 0, "{args:?} failed:\n{}\n{}", o.stdout, o.stderr);
        o
    }

    fn add(&self, vault: &Path, name: &str, token: &str) -> Out {
        let f = ghcr_file(self.home.path(), name, token);
        self.run(vault, &["registry", "add", "--from-file", &f], None)
    }

    fn names(&self, vault: &Path) -> Vec<String> {
        let o = self.ok(vault, &["registry", "list", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// A shared directory both users can write (a team vault on a shared path).
fn shared() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("team.age");
    (dir, vault)
}

#[test]
fn a_forged_vault_with_an_extra_recipient_is_refused_and_never_saved_to() {
    let (_dir, vault) = shared();
    let victim = User::new();
    victim.ok(&vault, &["init"]);
    assert_eq!(victim.add(&vault, "ghcr", &tok("old")).code, 0);

    // The attacker cannot read the vault, but can write the directory: a
    // fresh vault encrypted to the victim *and* the attacker, put in its place.
    let attacker = User::new();
    let forged_path = attacker.path("forged.age");
    attacker.ok(&forged_path, &["init", "--recipient", &victim.recipient()]);
    assert_eq!(attacker.add(&forged_path, "ghcr", &tok("decoy")).code, 0);
    std::fs::copy(&forged_path, &vault).unwrap();
    let forged = std::fs::read(&vault).unwrap();

    // The victim's next change (a new secret) is refused before any save.
    let o = victim.add(&vault, "new-secret", CANARY);
    assert_ne!(
        o.code, 0,
        "the forged vault was used:\n{}\n{}",
        o.stdout, o.stderr
    );
    assert!(o.stderr.contains("recipients added"), "{}", o.stderr);
    let fp = fingerprint(&attacker.recipient());
    assert!(
        o.stderr.contains(&fp),
        "the attacker's key is not named: {}",
        o.stderr
    );
    assert!(o.stderr.contains("regvault trust"), "{}", o.stderr);
    assert_eq!(
        std::fs::read(&vault).unwrap(),
        forged,
        "the victim saved to it"
    );
    // Reading is refused too: the decoy is never shown as the victim's.
    assert_ne!(victim.run(&vault, &["registry", "list"], None).code, 0);
    // The TUI opens through the same check, before it takes the terminal.
    let o = victim.run(&vault, &[], None);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("recipients added"), "TUI: {}", o.stderr);
    // The forged recipient never receives the new secret.
    let seen = attacker.names(&vault);
    assert!(!seen.iter().any(|n| n == "new-secret"), "{seen:?}");
    let o = attacker.ok(&vault, &["export", "dockerconfig", "--registry", "ghcr"]);
    assert!(!o.stdout.contains(CANARY));
}

#[test]
fn a_backup_copied_over_the_vault_is_refused_as_a_rollback() {
    let (_dir, vault) = shared();
    let user = User::new();
    user.ok(&vault, &["init"]);
    assert_eq!(user.add(&vault, "ghcr", &tok("leaked")).code, 0);
    // The leaked password is rotated away…
    let rotated = user.path("rotated.txt");
    std::fs::write(&rotated, tok("rotated")).unwrap();
    let arg = format!("token={}", rotated.display());
    user.ok(
        &vault,
        &["registry", "update", "ghcr", "--field-file", &arg],
    );
    // …and someone copies the backup from before the rotation back.
    let backups: Vec<PathBuf> = std::fs::read_dir(vault.with_file_name("team.age.backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let mut backups = backups;
    backups.sort();
    std::fs::copy(backups.last().unwrap(), &vault).unwrap();
    let old = std::fs::read(&vault).unwrap();

    let o = user.run(
        &vault,
        &["export", "dockerconfig", "--registry", "ghcr"],
        None,
    );
    assert_ne!(o.code, 0, "the rolled-back vault was used:\n{}", o.stdout);
    assert!(!o.stdout.contains(&tok("leaked")));
    assert!(o.stderr.contains("rolled back"), "{}", o.stderr);
    // Exit class 5: the vault changed (rolled back) and awaits `trust`.
    assert_eq!(user.add(&vault, "other", &tok("other")).code, 5);
    assert_eq!(std::fs::read(&vault).unwrap(), old);

    // Without a yes, `trust` accepts nothing.
    let o = user.run(&vault, &["trust"], Some("n\n"));
    assert_ne!(o.code, 0);
    assert!(o.stdout.contains("rolled back"), "{}", o.stdout);
    assert_ne!(user.run(&vault, &["registry", "list"], None).code, 0);
    // Restoring it on purpose is accepted with `trust --yes`.
    user.ok(&vault, &["trust", "--yes"]);
    assert_eq!(user.names(&vault), ["ghcr"]);
}

#[test]
fn trust_accepts_a_deliberate_recipient_change() {
    let (_dir, vault) = shared();
    let me = User::new();
    let lead = User::new();
    me.ok(&me.path("own.age"), &["init"]);
    lead.ok(&vault, &["init", "--recipient", &me.recipient()]);
    assert_eq!(me.names(&vault), Vec::<String>::new());
    // The lead re-creates the vault for a new member: deliberate.
    let newcomer = User::new();
    newcomer.ok(&newcomer.path("own.age"), &["init"]);
    std::fs::remove_file(&vault).unwrap();
    lead.ok(
        &vault,
        &[
            "init",
            "--recipient",
            &me.recipient(),
            "--recipient",
            &newcomer.recipient(),
            "--member",
            &me.signing_key(),
        ],
    );
    let o = me.run(&vault, &["registry", "list"], None);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains(&fingerprint(&newcomer.recipient())),
        "{}",
        o.stderr
    );
    let o = me.run(&vault, &["trust"], Some("y\n"));
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("recipients added"), "{}", o.stdout);
    assert_eq!(me.names(&vault), Vec::<String>::new());
    assert_eq!(me.add(&vault, "ghcr", &tok("mine")).code, 0);
    let o = me.ok(&vault, &["trust"]);
    assert!(o.stdout.contains("nothing to accept"), "{}", o.stdout);
}

/// Item 3: "only the creator" now covers rotation too, and the refusal no
/// longer hands out the exact string to put in `REGVAULT_USER`.
#[test]
fn only_the_creator_rotates_and_the_refusal_does_not_name_whom_to_impersonate() {
    let (_dir, vault) = shared();
    let user = User::new();
    user.ok(&vault, &["init"]);
    assert_eq!(user.add(&vault, "ghcr", &tok("original")).code, 0);
    let new = user.path("new.txt");
    std::fs::write(&new, tok("intruder")).unwrap();
    let arg = format!("token={}", new.display());
    let o = command(user.home.path(), &vault, "mallory@ops")
        .args(["registry", "update", "ghcr", "--field-file", &arg])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(1),
        "rotated by a non-creator: {stderr}"
    );
    assert!(
        stderr.contains("only the registry's creator may rotate"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("someone@ops"),
        "names the creator: {stderr}"
    );
    let o = user.ok(&vault, &["export", "dockerconfig", "--registry", "ghcr"]);
    assert!(o.stdout.contains(&tok("original")), "{}", o.stdout);
    // The creator may.
    user.ok(
        &vault,
        &["registry", "update", "ghcr", "--field-file", &arg],
    );
}

#[test]
fn a_damaged_trust_record_is_refused_and_trust_replaces_it() {
    let (_dir, vault) = shared();
    let user = User::new();
    user.ok(&vault, &["init"]);
    let state = user.path(".local/state/regvault");
    let pins: Vec<PathBuf> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().path())
        // The audit log's per-user head sits beside the pins.
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("pin-"))
        .collect();
    assert_eq!(pins.len(), 1, "{pins:?}");
    let mode = |p: &Path| {
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(p).unwrap().permissions())
            & 0o777
    };
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&pins[0]), 0o600);
    std::fs::write(&pins[0], "garbage").unwrap();
    let o = user.run(&vault, &["registry", "list"], None);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("regvault trust"), "{}", o.stderr);
    user.ok(&vault, &["trust", "--yes"]);
    user.ok(&vault, &["registry", "list"]);
}

#[test]
fn a_save_signed_by_a_non_member_is_refused() {
    let (_dir, vault) = shared();
    let me = User::new();
    let lead = User::new();
    me.ok(&me.path("own.age"), &["init"]);
    lead.ok(
        &vault,
        &[
            "init",
            "--recipient",
            &me.recipient(),
            "--member",
            &me.signing_key(),
        ],
    );
    // A member's signed save is accepted by the other member.
    assert_eq!(me.add(&vault, "ghcr", &tok("team")).code, 0);
    assert_eq!(lead.names(&vault), ["ghcr"]);

    // An outsider who can write the directory knows the recipients and the
    // members (public keys), and writes a newer vault with exactly those,
    // signed by their own key.
    let recipients = vec![lead.recipient(), me.recipient()];
    let members = vec![lead.signing_key(), me.signing_key()];
    let forged = hand_signed(&recipients, &members, [7; 32]);
    std::fs::write(&vault, &forged).unwrap();
    let o = me.run(&vault, &["registry", "list"], None);
    assert_ne!(o.code, 0, "a non-member's save was used: {}", o.stdout);
    assert!(o.stderr.contains("not a member"), "{}", o.stderr);
    // Exit class 5: the vault changed (a save not validly signed).
    assert_eq!(me.add(&vault, "new", &tok("new")).code, 5);
    assert_eq!(std::fs::read(&vault).unwrap(), forged);

    // Or signed by a key they add to the member list themselves.
    let outsider = User::new();
    outsider.ok(&outsider.path("own.age"), &["init"]);
    let theirs = outsider.path("theirs.age");
    outsider.ok(
        &theirs,
        &[
            "init",
            "--no-identity",
            "--recipient",
            &lead.recipient(),
            "--recipient",
            &me.recipient(),
            "--member",
            &lead.signing_key(),
            "--member",
            &me.signing_key(),
        ],
    );
    std::fs::copy(&theirs, &vault).unwrap();
    let o = me.run(&vault, &["registry", "list"], None);
    assert_ne!(o.code, 0, "an outsider's membership was accepted");
    assert!(
        o.stderr
            .contains("signing members added without a member's signature")
            && o.stderr.contains(&fingerprint(&outsider.signing_key())),
        "{}",
        o.stderr
    );
}

/// Item 3 in a team vault: the creator is the signing key, shown beside the
/// user name; the same `REGVAULT_USER` from another member's key is not the creator.
#[test]
fn in_a_team_vault_the_creator_is_the_signing_key_not_the_user_name() {
    let (_dir, vault) = shared();
    let me = User::new();
    let lead = User::new();
    me.ok(&me.path("own.age"), &["init"]);
    lead.ok(
        &vault,
        &[
            "init",
            "--recipient",
            &me.recipient(),
            "--member",
            &me.signing_key(),
        ],
    );
    assert_eq!(lead.add(&vault, "ghcr", &tok("lead")).code, 0);
    let o = lead.ok(&vault, &["registry", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let created_by = list[0]["createdBy"].as_str().unwrap().to_owned();
    assert_eq!(
        created_by,
        format!("someone@ops ({})", fingerprint(&lead.signing_key()))
    );
    // Both run as REGVAULT_USER=someone@ops: the name no longer decides.
    let new = me.path("new.txt");
    std::fs::write(&new, tok("takeover")).unwrap();
    let arg = format!("token={}", new.display());
    let o = me.run(
        &vault,
        &["registry", "update", "ghcr", "--field-file", &arg],
        None,
    );
    assert_eq!(o.code, 1, "rotated by another member: {}", o.stderr);
    assert!(
        o.stderr.contains("only the registry's creator"),
        "{}",
        o.stderr
    );
    let o = me.run(&vault, &["registry", "delete", "ghcr"], None);
    assert_eq!(o.code, 1, "deleted by another member: {}", o.stderr);
    assert_eq!(lead.names(&vault), ["ghcr"]);
    lead.ok(
        &vault,
        &["registry", "update", "ghcr", "--field-file", &arg],
    );
    lead.ok(&vault, &["registry", "delete", "ghcr"]);
}

/// Membership changes are saves signed by a member: the other members
/// accept them without `trust`; a removed member can no longer save.
#[test]
fn a_member_changes_the_membership_and_the_others_follow() {
    let (_dir, vault) = shared();
    let me = User::new();
    let lead = User::new();
    let newcomer = User::new();
    me.ok(&me.path("own.age"), &["init"]);
    newcomer.ok(&newcomer.path("own.age"), &["init"]);
    lead.ok(
        &vault,
        &[
            "init",
            "--recipient",
            &me.recipient(),
            "--member",
            &me.signing_key(),
        ],
    );
    assert_eq!(me.names(&vault), Vec::<String>::new());
    let o = newcomer.ok(&vault, &["member", "key"]);
    assert_eq!(o.stdout.trim(), newcomer.signing_key());
    lead.ok(&vault, &["member", "add", &newcomer.signing_key()]);
    let o = me.ok(&vault, &["member", "list"]);
    assert!(
        o.stdout.contains(&fingerprint(&newcomer.signing_key())),
        "{}",
        o.stdout
    );
    lead.ok(&vault, &["member", "remove", &me.signing_key()]);
    let o = me.add(&vault, "mine", &tok("mine"));
    assert_eq!(o.code, 1, "a removed member saved: {}", o.stdout);
    assert!(o.stderr.contains("not a member"), "{}", o.stderr);
    assert_eq!(lead.names(&vault), Vec::<String>::new());
    assert_ne!(
        me.run(&vault, &["member", "add", &me.signing_key()], None)
            .code,
        0,
        "a non-member re-added themselves"
    );
}

/// Item 3, "creator, or a member the creator named": the creator of a
/// registry names a delegate (another member's signing key) who may rotate
/// it; only the creator changes that list, and a removed delegate is refused
/// again. Both users run as the same `REGVAULT_USER`: the key decides.
#[test]
fn a_member_the_creator_named_may_rotate_and_only_the_creator_names_them() {
    let (_dir, vault) = shared();
    let alice = User::new();
    let bob = User::new();
    bob.ok(&bob.path("own.age"), &["init"]);
    alice.ok(
        &vault,
        &[
            "init",
            "--recipient",
            &bob.recipient(),
            "--member",
            &bob.signing_key(),
        ],
    );
    assert_eq!(alice.add(&vault, "ghcr", &tok("alice")).code, 0);
    let rotate = |u: &User, tag: &str| {
        let new = u.path("new.txt");
        std::fs::write(&new, tok(tag)).unwrap();
        let arg = format!("token={}", new.display());
        u.run(
            &vault,
            &["registry", "update", "ghcr", "--field-file", &arg],
            None,
        )
    };
    let exported = || {
        alice
            .ok(&vault, &["export", "dockerconfig", "--registry", "ghcr"])
            .stdout
    };
    let bob_fp = fingerprint(&bob.signing_key());
    let alice_fp = fingerprint(&alice.signing_key());

    // Not named: refused.
    let o = rotate(&bob, "bobearly");
    assert_eq!(o.code, 1, "rotated before being named: {}", o.stderr);
    assert!(
        o.stderr.contains("only the registry's creator"),
        "{}",
        o.stderr
    );
    assert!(exported().contains(&tok("alice")));

    // Named by the creator (by signing key): bob may rotate.
    let o = alice.ok(
        &vault,
        &["registry", "delegate", "ghcr", "--add", &bob.signing_key()],
    );
    assert!(o.stdout.contains(&bob_fp), "{}", o.stdout);
    let o = alice.ok(&vault, &["registry", "show", "ghcr", "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let delegates = shown["delegates"].as_array().expect("delegates listed");
    assert_eq!(delegates.len(), 1, "{shown}");
    assert!(delegates[0].as_str().unwrap().contains(&bob_fp), "{shown}");
    let o = bob.ok(&vault, &["registry", "show", "ghcr"]);
    assert!(
        o.stdout.contains("delegates") && o.stdout.contains(&bob_fp),
        "{}",
        o.stdout
    );
    let o = rotate(&bob, "bobnamed");
    assert_eq!(o.code, 0, "a named member was refused: {}", o.stderr);
    assert!(exported().contains(&tok("bobnamed")));

    // A delegate does not change the list: not even to add themselves again
    // or to remove the creator's choice.
    for args in [
        ["registry", "delegate", "ghcr", "--remove", bob_fp.as_str()],
        ["registry", "delegate", "ghcr", "--add", alice_fp.as_str()],
    ] {
        let o = bob.run(&vault, &args, None);
        assert_eq!(o.code, 1, "a delegate changed the list: {}", o.stdout);
        assert!(
            o.stderr
                .contains("only the registry's creator may change the delegates"),
            "{}",
            o.stderr
        );
        assert!(
            !o.stderr.contains(&alice_fp) && !o.stderr.contains("someone@ops"),
            "names whom to impersonate: {}",
            o.stderr
        );
    }

    // Removed by the creator (by fingerprint): refused again.
    alice.ok(
        &vault,
        &["registry", "delegate", "ghcr", "--remove", &bob_fp],
    );
    let o = alice.ok(&vault, &["registry", "show", "ghcr", "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(
        shown["delegates"].as_array().is_none_or(Vec::is_empty),
        "{shown}"
    );
    let o = rotate(&bob, "boblate");
    assert_eq!(o.code, 1, "rotated after removal: {}", o.stderr);
    assert!(exported().contains(&tok("bobnamed")));

    // Someone who is not a member cannot be named.
    let outsider = User::new();
    outsider.ok(&outsider.path("own.age"), &["init"]);
    let o = alice.run(
        &vault,
        &[
            "registry",
            "delegate",
            "ghcr",
            "--add",
            &outsider.signing_key(),
        ],
        None,
    );
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(o.stderr.contains("not a member"), "{}", o.stderr);
}

/// In an unsigned vault (one from before signed saves, or a passphrase
/// vault) delegates are user names, as the creator is; keys are refused there.
#[test]
fn in_an_unsigned_vault_the_creator_names_delegates_by_name() {
    use regvault::vault::{Encryption, Vault};
    let (_dir, vault) = shared();
    let user = User::new();
    user.ok(&user.path("own.age"), &["init"]);
    Vault::create(
        &vault,
        regvault::model::VaultData::default(),
        Encryption::Recipients(vec![user.recipient()]),
        None,
    )
    .unwrap();
    assert_eq!(user.add(&vault, "ghcr", &tok("mine")).code, 0);
    let new = user.path("new.txt");
    std::fs::write(&new, tok("bob")).unwrap();
    let arg = format!("token={}", new.display());
    let update = ["registry", "update", "ghcr", "--field-file", &arg];
    assert_eq!(user.run_as("bob", &vault, &update, None).code, 1);
    let o = user.run(
        &vault,
        &[
            "registry",
            "delegate",
            "ghcr",
            "--add",
            "sha256:0123456789abcdef",
        ],
        None,
    );
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(o.stderr.contains("not signed"), "{}", o.stderr);
    let o = user.run_as(
        "bob",
        &vault,
        &["registry", "delegate", "ghcr", "--add", "bob"],
        None,
    );
    assert_eq!(o.code, 1, "bob named himself: {}", o.stdout);
    let o = user.ok(
        &vault,
        &["registry", "delegate", "ghcr", "--add", "bob", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["delegates"], serde_json::json!(["bob"]), "{v}");
    let o = user.run_as("bob", &vault, &update, None);
    assert_eq!(o.code, 0, "{}", o.stderr);
    std::fs::write(&new, tok("carol")).unwrap();
    assert_eq!(user.run_as("carol", &vault, &update, None).code, 1);
}
