//! The vault through its public API: every key type, wrong keys, damaged
//! files, newer schemas, the writer lock, backups, crash safety under
//! SIGKILL, and a canary secret that must never leak.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use jiff::Timestamp;
use regvault::model::{Registry, RegistryId, VaultData};
use regvault::registry::{Credentials, RegistryKind};
use regvault::vault::{self, Encryption, KeySource, SCHEMA_VERSION, Vault, VaultError, backups};
use secrecy::SecretString;

const CANARY: &str = "ghp_CANARY_7f3a9c_do_not_leak";

fn registry(name: &str, token: &str) -> Registry {
    let now = Timestamp::UNIX_EPOCH;
    Registry {
        id: RegistryId::generate(),
        name: name.to_owned(),
        kind: RegistryKind::Ghcr,
        credentials: [("username", "bob"), ("token", token)]
            .into_iter()
            .collect::<Credentials>(),
        created_by: "bob@host".into(),
        created_at: now,
        updated_at: now,
        credentials_rotated_at: None,
        last_test: None,
        connection: regvault::model::Connection::default(),
        ecr_token: None,
        delegates: Vec::new(),
        host_default: false,
    }
}

fn data(names: &[&str]) -> VaultData {
    VaultData {
        registries: names.iter().map(|n| registry(n, CANARY)).collect(),
        containers: vec![],
        ..VaultData::default()
    }
}

fn names(v: &Vault) -> Vec<String> {
    v.data().registries.iter().map(|r| r.name.clone()).collect()
}

/// An age identity in `dir`, and its recipient.
fn age_identity(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let recipient = vault::generate_identity(&path).unwrap();
    (path, recipient)
}

fn id_key(path: &Path) -> Vec<KeySource> {
    vec![KeySource::IdentityFile(path.to_owned())]
}

fn pass(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// A fresh vault with one identity; returns (vault path, identity path).
fn identity_vault(dir: &Path, content: VaultData) -> (PathBuf, PathBuf) {
    let (id, recipient) = age_identity(dir, "id.txt");
    let path = dir.join("vault.age");
    Vault::create(
        &path,
        content,
        Encryption::Recipients(vec![recipient]),
        None,
    )
    .unwrap();
    (path, id)
}

fn ssh_keygen(dir: &Path, kind: &str) -> PathBuf {
    let key = dir.join(format!("id_{kind}"));
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", "", "-C", "tester@host", "-f"])
        .arg(&key);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let status = cmd.stdin(Stdio::null()).status().unwrap_or_else(|e| {
        panic!("ssh-keygen is needed for the SSH key tests ({e}): apt-get install openssh-client")
    });
    assert!(status.success(), "ssh-keygen failed: {status}");
    key
}

fn pub_key_of(key: &Path) -> String {
    let text = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn round_trip_with_an_age_identity() {
    let dir = tempfile::tempdir().unwrap();
    let (path, id) = identity_vault(dir.path(), data(&["ghcr-main"]));
    let mut v = Vault::open(&path, &id_key(&id)).unwrap();
    assert_eq!(names(&v), ["ghcr-main"]);
    assert_eq!(
        v.data().registries[0].credentials.get("token"),
        Some(CANARY)
    );
    assert_eq!(v.newer_schema(), None);
    v.data_mut().registries.push(registry("second", "x"));
    v.save().unwrap();
    let v = Vault::open(&path, &id_key(&id)).unwrap();
    assert_eq!(names(&v), ["ghcr-main", "second"]);
    assert!(!Vault::is_passphrase_protected(&path).unwrap());
    // identity_recipients gives back what generate_identity returned.
    let Encryption::Recipients(r) = v.encryption() else {
        panic!()
    };
    assert_eq!(vault::identity_recipients(&id).unwrap(), *r);
}

#[test]
fn round_trip_with_a_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    Vault::create(
        &path,
        data(&["p"]),
        Encryption::Passphrase,
        Some(pass("correct horse")),
    )
    .unwrap();
    assert!(Vault::is_passphrase_protected(&path).unwrap());
    let mut v = Vault::open(&path, &[KeySource::Passphrase(pass("correct horse"))]).unwrap();
    assert_eq!(v.encryption(), &Encryption::Passphrase);
    v.data_mut().registries[0].name = "renamed".into();
    // The passphrase kept from the open re-encrypts the save.
    v.save().unwrap();
    let v = Vault::open(&path, &[KeySource::Passphrase(pass("correct horse"))]).unwrap();
    assert_eq!(names(&v), ["renamed"]);

    let err = Vault::open(&path, &[]).unwrap_err();
    assert!(matches!(err, VaultError::NeedsPassphrase), "{err:?}");
    let err = Vault::open(&path, &[KeySource::Passphrase(pass("wrong"))]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot decrypt: wrong passphrase or identity"),
        "{err}"
    );
}

#[test]
fn round_trip_with_ssh_ed25519_and_rsa_keys() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["ed25519", "rsa"] {
        let key = ssh_keygen(dir.path(), kind);
        let derived = vault::identity_recipients(&key).unwrap();
        assert_eq!(derived, [pub_key_of(&key)], "{kind}");
        // A recipient line with its comment is accepted as written.
        let line = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        let recipients = vault::parse_recipients(&line).unwrap();
        let path = dir.path().join(format!("{kind}.age"));
        Vault::create(
            &path,
            data(&[kind]),
            Encryption::Recipients(recipients),
            None,
        )
        .unwrap();
        let mut v = Vault::open(&path, &id_key(&key)).unwrap();
        assert_eq!(names(&v), [kind]);
        v.save().unwrap();
        Vault::open(&path, &id_key(&key)).unwrap();
    }
}

#[test]
fn team_vault_opens_with_each_members_key() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, alice_pub) = age_identity(dir.path(), "alice.txt");
    let bob = ssh_keygen(dir.path(), "ed25519");
    let (carol, _) = age_identity(dir.path(), "carol.txt");
    let path = dir.path().join("team.age");
    let recipients = vec![alice_pub, pub_key_of(&bob)];
    Vault::create(
        &path,
        data(&["shared"]),
        Encryption::Recipients(recipients.clone()),
        None,
    )
    .unwrap();

    let mut v = Vault::open(&path, &id_key(&bob)).unwrap();
    v.data_mut().registries.push(registry("by-bob", "t"));
    v.save().unwrap();
    // Bob's save re-encrypted to both members.
    let v = Vault::open(&path, &id_key(&alice)).unwrap();
    assert_eq!(names(&v), ["shared", "by-bob"]);
    assert_eq!(v.encryption(), &Encryption::Recipients(recipients));
    let err = Vault::open(&path, &id_key(&carol)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot decrypt: wrong passphrase or identity"),
        "{err}"
    );
    // Several keys: the one that fits is used.
    Vault::open(
        &path,
        &[
            KeySource::IdentityFile(carol),
            KeySource::IdentityFile(alice),
        ],
    )
    .unwrap();
}

#[test]
fn bad_identities_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = identity_vault(dir.path(), data(&["a"]));
    let reason = |id: &Path| match Vault::open(&path, &id_key(id)).unwrap_err() {
        VaultError::BadIdentity { reason, .. } => reason,
        other => panic!("{other:?}"),
    };
    assert!(reason(&dir.path().join("missing")).contains("no such file"));
    let garbled = dir.path().join("garbled");
    std::fs::write(&garbled, "AGE-SECRET-KEY-1NOTREALLY\n").unwrap();
    assert!(reason(&garbled).contains("line 1"), "{}", reason(&garbled));
    let encrypted = dir.path().join("id_enc");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "hunter2", "-f"])
        .arg(&encrypted)
        .status()
        .expect("apt-get install openssh-client");
    assert!(status.success());
    assert!(
        reason(&encrypted).contains("passphrase"),
        "{}",
        reason(&encrypted)
    );
    assert!(reason(&encrypted.with_extension("pub")).contains("public key"));
}

#[test]
fn generate_identity_refuses_to_overwrite_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/sub/identity.txt");
    let recipient = vault::generate_identity(&path).unwrap();
    assert!(recipient.starts_with("age1"));
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("# created: "));
    assert_eq!(lines[1], format!("# public key: {recipient}"));
    assert!(lines[2].starts_with("AGE-SECRET-KEY-1"));
    assert!(matches!(
        vault::generate_identity(&path),
        Err(VaultError::Exists(_))
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("new/sub")), 0o700);
    }
}

#[test]
fn recipients_are_validated() {
    let (_, r) = {
        let dir = tempfile::tempdir().unwrap();
        age_identity(dir.path(), "x")
    };
    let text = format!("# team\n\n{r}\n  {r}  \n");
    assert_eq!(
        vault::parse_recipients(&text).unwrap(),
        std::slice::from_ref(&r)
    );
    let err = vault::parse_recipients("age1nope\n").unwrap_err();
    assert!(
        matches!(err, VaultError::BadRecipient(ref s) if s == "age1nope"),
        "{err:?}"
    );
    assert!(vault::parse_recipients("hello").is_err());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.age");
    let err = Vault::create(&path, data(&[]), Encryption::Recipients(vec![]), None).unwrap_err();
    assert!(matches!(err, VaultError::NoRecipients));
    let err = Vault::create(&path, data(&[]), Encryption::Passphrase, None).unwrap_err();
    assert!(matches!(err, VaultError::NeedsPassphrase));
    assert!(!path.exists());
}

#[test]
fn create_refuses_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = identity_vault(dir.path(), data(&["a"]));
    let before = std::fs::read(&path).unwrap();
    let (_, r) = age_identity(dir.path(), "other.txt");
    let err = Vault::create(&path, data(&[]), Encryption::Recipients(vec![r]), None).unwrap_err();
    assert!(matches!(err, VaultError::Exists(_)), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let missing = dir.path().join("nope.age");
    assert!(matches!(
        Vault::open(&missing, &[]),
        Err(VaultError::NotFound(_))
    ));
    assert!(matches!(
        Vault::open_locked(&missing, &[]),
        Err(VaultError::NotFound(_))
    ));
}

/// Opens `bytes` written to the vault path: must be an error, not a panic,
/// and must leave the file exactly as it was.
fn assert_open_fails_untouched(path: &Path, id: &Path, bytes: &[u8], what: &str) -> VaultError {
    std::fs::write(path, bytes).unwrap();
    let err = Vault::open(path, &id_key(id)).expect_err(what);
    assert_eq!(std::fs::read(path).unwrap(), bytes, "{what}: file changed");
    err
}

#[test]
fn truncated_and_tampered_files_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let many: Vec<String> = (0..400).map(|i| format!("reg-{i}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let (path, id) = identity_vault(dir.path(), data(&refs));
    let good = std::fs::read(&path).unwrap();
    assert!(
        good.len() > 70_000,
        "want more than one 64 KiB chunk: {}",
        good.len()
    );
    let header_end = good.windows(4).position(|w| w == b"\n---").unwrap() + 48;

    for cut in [
        0,
        1,
        10,
        header_end - 20,
        header_end + 20,
        65_600,
        good.len() - 17,
        good.len() - 1,
    ] {
        let err = assert_open_fails_untouched(&path, &id, &good[..cut], &format!("cut at {cut}"));
        assert!(
            matches!(err, VaultError::Damaged { .. }),
            "cut {cut}: {err:?}"
        );
        if cut > header_end {
            assert!(err.to_string().contains("truncated"), "{err}");
        }
    }
    for pos in [
        5,
        30,
        header_end - 5,
        header_end + 100,
        good.len() / 2,
        good.len() - 3,
    ] {
        let mut bad = good.clone();
        bad[pos] ^= 0x20;
        let err = assert_open_fails_untouched(&path, &id, &bad, &format!("flip at {pos}"));
        if pos > header_end {
            assert!(
                err.to_string().contains("truncated or altered"),
                "flip {pos}: {err}"
            );
        }
    }
    std::fs::write(&path, &good).unwrap();
    Vault::open(&path, &id_key(&id)).unwrap();
}

/// A vault the first regvault wrote (schema 1, no save counter, no apply
/// records) opens with everything in it, and its next save is schema 2 —
/// which a regvault that knows only schema 1 opens read-only, so it can no
/// longer save a vault while dropping its apply records, hash key,
/// delegates and signature.
#[test]
fn a_schema_1_vault_opens_and_is_saved_as_schema_2() {
    let dir = tempfile::tempdir().unwrap();
    let (id, recipient) = age_identity(dir.path(), "id.txt");
    let path = dir.path().join("v1.age");
    let plaintext = format!(
        "schema_version = 1\nencryption = \"recipients\"\nrecipients = [\"{recipient}\"]\n\n\
         [[registries]]\nid = \"reg-abc123\"\nname = \"from-session-one\"\n\
         type = \"GHCR\"\ncreatedBy = \"x@y\"\ncreatedAt = \"2026-11-01T00:00:00Z\"\n\
         updatedAt = \"2026-11-01T00:00:00Z\"\n\n[registries.credentials]\nusername = \"octo\"\n\
         token = \"ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
    );
    let r: age::x25519::Recipient = recipient.parse().unwrap();
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&r as _)).unwrap();
    let mut out = Vec::new();
    let mut w = encryptor.wrap_output(&mut out).unwrap();
    w.write_all(plaintext.as_bytes()).unwrap();
    w.finish().unwrap();
    std::fs::write(&path, &out).unwrap();

    let mut v = Vault::open(&path, &id_key(&id)).unwrap();
    assert_eq!(v.newer_schema(), None);
    assert_eq!(names(&v), ["from-session-one"]);
    assert!(!v.data().registries[0].host_default);
    // Marked as its host's default (`registry default`): optional v2 data.
    v.data_mut().registries[0].host_default = true;
    v.save().unwrap();
    drop(v);
    let mut decrypted = Vec::new();
    let identity = std::fs::read_to_string(&id).unwrap();
    let identity: age::x25519::Identity = identity
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .parse()
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let decryptor = age::Decryptor::new(&bytes[..]).unwrap();
    std::io::Read::read_to_end(
        &mut decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .unwrap(),
        &mut decrypted,
    )
    .unwrap();
    assert!(
        decrypted.starts_with(format!("schema_version = {SCHEMA_VERSION}\n").as_bytes()),
        "saved as the current schema"
    );
    assert_eq!(SCHEMA_VERSION, 2);
    let reopened = Vault::open(&path, &id_key(&id)).unwrap();
    assert_eq!(names(&reopened), ["from-session-one"]);
    assert!(reopened.data().registries[0].host_default);
}

#[test]
fn a_newer_schema_opens_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let (id, recipient) = age_identity(dir.path(), "id.txt");
    let path = dir.path().join("future.age");
    let plaintext = format!(
        "schema_version = 99\nencryption = \"recipients\"\nrecipients = [\"{recipient}\"]\n\
         future_feature = true\n\n[[registries]]\nid = \"reg-abc123\"\nname = \"from-the-future\"\n\
         type = \"GHCR\"\ncreatedBy = \"x@y\"\ncreatedAt = \"2030-01-01T00:00:00Z\"\n\
         updatedAt = \"2030-01-01T00:00:00Z\"\n\n[registries.credentials]\ntoken = \"t\"\n"
    );
    let r: age::x25519::Recipient = recipient.parse().unwrap();
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&r as _)).unwrap();
    let mut out = Vec::new();
    let mut w = encryptor.wrap_output(&mut out).unwrap();
    w.write_all(plaintext.as_bytes()).unwrap();
    w.finish().unwrap();
    std::fs::write(&path, &out).unwrap();

    let mut v = Vault::open(&path, &id_key(&id)).unwrap();
    assert_eq!(v.newer_schema(), Some(99));
    assert_eq!(names(&v), ["from-the-future"]);
    let err = v.save().unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::NewerSchema {
                found: 99,
                supported: SCHEMA_VERSION
            }
        ),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), out);
    assert!(backups(&path).is_empty());
}

#[test]
fn a_second_writer_is_refused_while_the_lock_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let (path, id) = identity_vault(dir.path(), data(&["a"]));
    let mut optimistic = Vault::open(&path, &id_key(&id)).unwrap();
    let mut held = Vault::open_locked(&path, &id_key(&id)).unwrap();
    assert!(held.holds_lock());

    let err = Vault::open_locked(&path, &id_key(&id)).unwrap_err();
    let VaultError::Locked { holder } = &err else {
        panic!("{err:?}")
    };
    assert!(
        holder.contains(&format!("pid {}", std::process::id())),
        "{holder}"
    );
    assert!(holder.contains(" since "), "{holder}");
    assert!(err.to_string().starts_with("vault is locked by "), "{err}");
    optimistic.data_mut().registries.clear();
    assert!(matches!(optimistic.save(), Err(VaultError::Locked { .. })));

    held.data_mut().registries.push(registry("b", "t"));
    held.save().unwrap();
    held.data_mut().registries.push(registry("c", "t"));
    held.save().unwrap();
    drop(held);
    // The optimistic copy is stale now: saving it would lose b and c.
    let err = optimistic.save().unwrap_err();
    assert!(matches!(err, VaultError::ChangedOnDisk), "{err:?}");
    let v = Vault::open(&path, &id_key(&id)).unwrap();
    assert_eq!(names(&v), ["a", "b", "c"]);
}

#[test]
fn optimistic_saves_never_lose_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let (path, id) = identity_vault(dir.path(), data(&["a"]));
    let mut first = Vault::open(&path, &id_key(&id)).unwrap();
    let mut second = Vault::open(&path, &id_key(&id)).unwrap();
    first.data_mut().registries.push(registry("first", "t"));
    first.save().unwrap();
    // first may keep saving: its own writes do not count as "changed".
    first
        .data_mut()
        .registries
        .push(registry("first-again", "t"));
    first.save().unwrap();
    second.data_mut().registries.push(registry("second", "t"));
    let err = second.save().unwrap_err();
    assert!(matches!(err, VaultError::ChangedOnDisk), "{err:?}");
    let mut second = Vault::open(&path, &id_key(&id)).unwrap();
    second.data_mut().registries.push(registry("second", "t"));
    second.save().unwrap();
    let v = Vault::open(&path, &id_key(&id)).unwrap();
    assert_eq!(names(&v), ["a", "first", "first-again", "second"]);
}

#[test]
fn eight_saves_keep_five_backups_that_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let (path, id) = identity_vault(dir.path(), data(&["v0"]));
    let mut v = Vault::open(&path, &id_key(&id)).unwrap();
    for i in 1..=8 {
        v.data_mut().registries[0].name = format!("v{i}");
        v.save().unwrap();
    }
    let list = backups(&path);
    assert_eq!(list.len(), 5, "{list:?}");
    assert!(
        list.iter()
            .all(|p| p.starts_with(vault::backups_dir(&path)))
    );
    // Newest first: v7 (the version before the current v8) down to v3.
    for (i, backup) in list.iter().enumerate() {
        let b = Vault::open(backup, &id_key(&id)).unwrap();
        assert_eq!(names(&b), [format!("v{}", 7 - i)]);
    }
}

#[test]
fn the_canary_secret_never_leaks() {
    let dir = tempfile::tempdir().unwrap();
    let (path, id) = identity_vault(dir.path(), data(&["canary"]));
    let mut v = Vault::open(&path, &id_key(&id)).unwrap();
    for _ in 0..3 {
        v.save().unwrap();
    }
    let mut errors: Vec<VaultError> = Vec::new();
    let (other, _) = age_identity(dir.path(), "other.txt");
    errors.push(Vault::open(&path, &id_key(&other)).unwrap_err());
    let held = Vault::open_locked(&path, &id_key(&id)).unwrap();
    errors.push(Vault::open_locked(&path, &id_key(&id)).unwrap_err());
    errors.push(v.save().unwrap_err());
    drop(held);
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 10] ^= 1;
    errors.push(assert_open_fails_untouched(&path, &id, &bad, "flip"));
    errors.push(assert_open_fails_untouched(
        &path,
        &id,
        &good[..n - 30],
        "cut",
    ));
    std::fs::write(&path, &good).unwrap();
    // Restoring the bytes by hand is a write someone else made: reopen.
    let mut v = Vault::open(&path, &id_key(&id)).unwrap();
    let mut stale = Vault::open(&path, &id_key(&id)).unwrap();
    v.save().unwrap();
    errors.push(stale.save().unwrap_err());
    errors
        .push(Vault::open(&path, &[KeySource::IdentityFile(dir.path().join("nope"))]).unwrap_err());

    let leaks = |hay: &[u8]| hay.windows(CANARY.len()).any(|w| w == CANARY.as_bytes());
    for e in &errors {
        assert!(!e.to_string().contains(CANARY), "{e}");
        assert!(!format!("{e:?}").contains(CANARY), "{e:?}");
    }
    assert!(!format!("{stale:?}").contains(CANARY));
    assert!(!leaks(&std::fs::read(&path).unwrap()));
    let backups = backups(&path);
    assert!(!backups.is_empty());
    for b in &backups {
        assert!(!leaks(&std::fs::read(b).unwrap()), "{}", b.display());
    }
    for entry in walk(dir.path()) {
        assert!(
            !entry.to_string_lossy().contains(CANARY),
            "{}",
            entry.display()
        );
        if entry.is_file() {
            assert!(
                !leaks(&std::fs::read(&entry).unwrap()),
                "{}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[test]
fn default_paths_follow_the_environment() {
    // The env-reading wrappers are exercised once, after the pure helpers'
    // unit tests; reading (not setting) the env is safe in parallel tests.
    let v = vault::default_vault_path();
    let i = vault::default_identity_path();
    if std::env::var_os("REGVAULT_VAULT").is_none() {
        assert!(v.ends_with("regvault/vault.age"), "{}", v.display());
    }
    assert!(i.ends_with("regvault/identity.txt"), "{}", i.display());
}

const CRASH_ENV: &str = "REGVAULT_CRASH_CHILD";

fn counter(v: &Vault) -> u64 {
    v.data().registries[0]
        .name
        .strip_prefix("counter-")
        .and_then(|n| n.parse().ok())
        .expect("counter registry")
}

/// The child: saves an increasing counter forever, announcing each save.
fn crash_child(dir: &Path) -> ! {
    let path = dir.join("vault.age");
    let mut v = Vault::open_locked(&path, &id_key(&dir.join("id.txt"))).unwrap();
    let mut n = counter(&v);
    let stdout = std::io::stdout();
    loop {
        n += 1;
        v.data_mut().registries[0].name = format!("counter-{n}");
        writeln!(stdout.lock(), "saving {n}").unwrap();
        stdout.lock().flush().unwrap();
        v.save().unwrap();
        writeln!(stdout.lock(), "saved {n}").unwrap();
        stdout.lock().flush().unwrap();
    }
}

/// Tracks the child's announcements; `true` for a `saving` line.
fn note_line(line: &str, saved: &mut u64, saving: &mut u64) -> bool {
    if let Some(n) = line.strip_prefix("saving ") {
        *saving = n.parse().unwrap();
        true
    } else {
        if let Some(n) = line.strip_prefix("saved ") {
            *saved = n.parse().unwrap();
        }
        false
    }
}

#[test]
fn sigkill_mid_save_keeps_old_or_new() {
    if let Some(dir) = std::env::var_os(CRASH_ENV) {
        crash_child(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    let (path, id) = identity_vault(dir.path(), data(&["counter-0", "other"]));
    let exe = std::env::current_exe().unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut saved = 0u64;
    // [kept old, (impossible), kept old mid-save, new landed mid-save]
    let mut outcomes = [0u32; 4];
    for round in 0..200 {
        let mut child = Command::new(&exe)
            .args([
                "sigkill_mid_save_keeps_old_or_new",
                "--exact",
                "--nocapture",
            ])
            .env(CRASH_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let want = 1 + next() % 4;
        let mut announced = 0;
        let mut saving = saved;
        while announced < want {
            let Some(Ok(line)) = lines.next() else {
                panic!("round {round}: the child ended early");
            };
            if note_line(&line, &mut saved, &mut saving) {
                announced += 1;
            }
        }
        std::thread::sleep(Duration::from_micros(next() % 3000));
        child.kill().unwrap();
        child.wait().unwrap();
        // Lines the child printed before it died.
        for line in lines.map_while(Result::ok) {
            note_line(&line, &mut saved, &mut saving);
        }
        let v = Vault::open(&path, &id_key(&id))
            .unwrap_or_else(|e| panic!("round {round}: the vault does not open: {e}"));
        let got = counter(&v);
        assert!(
            got == saved || got == saving,
            "round {round}: counter {got}, last saved {saved}, being saved {saving}"
        );
        assert_eq!(names(&v)[1], "other");
        outcomes[usize::from(got != saved) + 2 * usize::from(saving != saved)] += 1;
        saved = got;
    }
    eprintln!("sigkill outcomes [idle, -, old kept mid-save, new landed]: {outcomes:?}");
    // The debris of killed saves does not stop the next one, which sweeps it.
    let mut v = Vault::open_locked(&path, &id_key(&id)).unwrap();
    v.save().unwrap();
    let junk: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
        .collect();
    assert!(junk.is_empty(), "{junk:?}");
    assert!(backups(&path).len() <= 5);
}

#[test]
fn an_armored_vault_made_by_hand_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (path, id) = identity_vault(dir.path(), data(&["armored"]));
    let v = Vault::open(&path, &id_key(&id)).unwrap();
    let Encryption::Recipients(r) = v.encryption() else {
        panic!()
    };
    let plaintext = format!(
        "schema_version = {SCHEMA_VERSION}\nencryption = \"recipients\"\nrecipients = [\"{}\"]\n",
        r[0]
    );
    let recipient: age::x25519::Recipient = r[0].parse().unwrap();
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as _)).unwrap();
    let mut out = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = encryptor.wrap_output(armor).unwrap();
    w.write_all(plaintext.as_bytes()).unwrap();
    w.finish()
        .and_then(age::armor::ArmoredWriter::finish)
        .unwrap();
    let armored = dir.path().join("armored.age");
    std::fs::write(&armored, &out).unwrap();
    let mut v = Vault::open(&armored, &id_key(&id)).unwrap();
    assert!(v.data().registries.is_empty());
    // Saved back in regvault's own binary format.
    v.save().unwrap();
    assert!(
        std::fs::read(&armored)
            .unwrap()
            .starts_with(b"age-encryption.org/v1\n")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever bytes the file holds, opening it returns (never panics) and
    /// never writes to it.
    #[test]
    fn mangled_files_never_panic(edits in proptest::collection::vec((0usize..4096, proptest::num::u8::ANY), 1..6), cut in proptest::option::of(0usize..4096)) {
        let dir = tempfile::tempdir().unwrap();
        let (path, id) = identity_vault(dir.path(), data(&["a", "b"]));
        let mut bytes = std::fs::read(&path).unwrap();
        for (pos, value) in edits {
            let n = bytes.len();
            bytes[pos % n] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        std::fs::write(&path, &bytes).unwrap();
        let _ = Vault::open(&path, &id_key(&id));
        proptest::prop_assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}
