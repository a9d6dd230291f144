//! The `regvault` binary end to end: every subcommand, the platform's delete
//! refusals, secret handling (a canary secret never printed), and bad input.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A distinctive GHCR classic token (ghp_ + 36): it must never be printed.
const CANARY: &str = "ghp_CANARYcanary0123456789abcdefghijKLMN";
const DOCKER_PAT: &str = "dckr_pat_FakeFakeFake0123";

/// A private HOME with XDG dirs, so tests never touch the real user's vault.
struct Sandbox {
    dir: TempDir,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
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

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn cmd(&self, user: &str) -> Command {
        let mut c = Command::cargo_bin("regvault").unwrap();
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("REGVAULT_USER", user);
        c
    }

    fn run_as(&self, user: &str, args: &[&str], stdin: Option<&str>) -> Out {
        let mut c = self.cmd(user);
        c.args(args);
        if let Some(s) = stdin {
            c.write_stdin(s);
        }
        let o = c.output().unwrap();
        let out = Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        };
        // The canary rule holds for every command but `export`.
        if args.first() != Some(&"export") {
            assert!(
                !out.stdout.contains(CANARY) && !out.stderr.contains(CANARY),
                "secret printed by {args:?}:\n{}\n{}",
                out.stdout,
                out.stderr
            );
        }
        out
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_as("alice@ops", args, None)
    }

    fn ok(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(o.code, 0, "{args:?} failed:\n{}\n{}", o.stdout, o.stderr);
        o
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args).stdout).unwrap()
    }

    fn init(&self) {
        self.ok(&["init"]);
    }

    /// Adds the canary GHCR registry and returns its id.
    fn add_ghcr(&self, name: &str) -> String {
        let f = self.write(
            &format!("{name}.json"),
            &format!(
                r#"{{"name":"{name}","type":"GHCR","credentials":{{"username":"octo","token":"{CANARY}"}}}}"#
            ),
        );
        let v = self.json(&[
            "registry",
            "add",
            "--from-file",
            f.to_str().unwrap(),
            "--json",
        ]);
        v["id"].as_str().unwrap().to_owned()
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_creates_private_identity_and_vault_and_never_overwrites() {
    let s = Sandbox::new();
    s.init();
    assert_eq!(mode(&s.identity()), 0o600);
    assert_eq!(mode(&s.vault()), 0o600);
    let before = std::fs::read(s.vault()).unwrap();
    let again = s.run(&["init"]);
    assert_ne!(again.code, 0);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read(s.vault()).unwrap(), before);
}

#[test]
fn add_list_show_mask_secrets_and_vault_file_holds_no_plaintext() {
    let s = Sandbox::new();
    s.init();
    let id = s.add_ghcr("ghcr-prod");
    assert!(id.starts_with("reg-") && id.len() == 10, "{id}");

    let list = s.ok(&["registry", "list"]).stdout;
    assert!(
        list.contains("ghcr-prod") && list.contains("ghcr.io") && list.contains("alice@ops"),
        "{list}"
    );

    let show = s.json(&["registry", "show", "ghcr-prod", "--json"]);
    assert_eq!(show["id"], id.as_str());
    assert_eq!(show["type"], "GHCR");
    assert_eq!(show["credentials"]["username"], "octo");
    assert_eq!(show["credentials"]["token"], "********");
    // `init` makes a signed vault: the creator is the name and the signing key.
    let created_by = show["createdBy"].as_str().unwrap();
    assert!(created_by.starts_with("alice@ops (sha256:"), "{created_by}");

    let text = s.ok(&["registry", "show", &id]).stdout;
    assert!(text.contains("********") && text.contains("octo"), "{text}");

    let bytes = std::fs::read(s.vault()).unwrap();
    assert!(!bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()));
    assert!(
        !bytes.windows(9).any(|w| w == b"ghcr-prod"),
        "names are encrypted too"
    );
}

#[test]
fn add_reads_yaml_from_stdin_and_toml_from_a_file() {
    let s = Sandbox::new();
    s.init();
    let yaml = "name: quay-robot\ntype: Quay\ncredentials:\n  username: acme+deploy\n  token: QUAYTOKEN0123456789\n";
    let o = s.run_as(
        "alice@ops",
        &["registry", "add", "--from-file", "-"],
        Some(yaml),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let toml = s.write(
        "ecr.toml",
        "name = \"ecr-eu\"\ntype = \"ECR\"\n[credentials]\naccessKeyId = \"AKIAIOSFODNN7EXAMPLE\"\nsecretAccessKey = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\nregion = \"eu-west-1\"\n",
    );
    s.ok(&["registry", "add", "--from-file", toml.to_str().unwrap()]);
    let list = s.json(&["registry", "list", "--json"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["quay-robot", "ecr-eu"]);
}

#[test]
fn secrets_are_refused_on_the_command_line_but_taken_from_files() {
    let s = Sandbox::new();
    s.init();
    let o = s.run(&[
        "registry",
        "add",
        "--name",
        "hub",
        "--type",
        "Docker",
        "--set",
        "username=alice123",
        "--set",
        "password=hunter2hunter2",
    ]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("password is a secret"), "{}", o.stderr);
    assert!(!o.stderr.contains("hunter2hunter2"));

    let pw = s.write("pw", &format!("{DOCKER_PAT}\n"));
    let arg = format!("password={}", pw.display());
    s.ok(&[
        "registry",
        "add",
        "--name",
        "hub",
        "--type",
        "Docker",
        "--set",
        "username=alice123",
        "--field-file",
        &arg,
    ]);
    let export = s
        .ok(&["export", "dockerconfig", "--registry", "hub"])
        .stdout;
    // The trailing newline of the file was dropped.
    assert!(
        export.contains(&format!("\"password\":\"{DOCKER_PAT}\"")),
        "{export}"
    );
}

#[test]
fn invalid_credentials_are_refused_with_the_rule_and_nothing_is_saved() {
    let s = Sandbox::new();
    s.init();
    let f = s.write(
        "bad.json",
        r#"{"name":"gh","type":"GHCR","credentials":{"username":"octo","token":"not-a-token-value"}}"#,
    );
    let before = std::fs::read(s.vault()).unwrap();
    let o = s.run(&["registry", "add", "--from-file", f.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .contains("token: a GitHub classic token starts with ghp_ and is 40 characters"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("not-a-token-value"));
    assert_eq!(
        std::fs::read(s.vault()).unwrap(),
        before,
        "a refused add must not write"
    );

    let o = s.run(&["registry", "test", "--from-file", f.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(
        o.stdout.contains("token: a GitHub classic token"),
        "{}",
        o.stdout
    );

    let region = s.write(
        "ecr.json",
        r#"{"name":"e","type":"ECR","credentials":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","region":"us-east1"}}"#,
    );
    let o = s.run(&["registry", "add", "--from-file", region.to_str().unwrap()]);
    assert!(
        o.stderr
            .contains("region: 'us-east1' is not an AWS region — did you mean us-east-1?"),
        "{}",
        o.stderr
    );

    let garbage = s.write("garbage.yaml", "name: [unclosed\n  token: SEKRETSEKRET\n");
    let o = s.run(&["registry", "add", "--from-file", garbage.to_str().unwrap()]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("line"), "{}", o.stderr);
    assert!(!o.stderr.contains("SEKRETSEKRET"), "{}", o.stderr);
}

#[test]
fn structural_test_records_its_result() {
    let s = Sandbox::new();
    s.init();
    let id = s.add_ghcr("gh");
    let o = s.ok(&["registry", "test", &id, "--offline"]);
    assert!(o.stdout.contains("structure ok"), "{}", o.stdout);
    assert!(o.stdout.contains("not contacted"), "{}", o.stdout);
    let show = s.json(&["registry", "show", &id, "--json"]);
    assert_eq!(show["lastTest"]["outcome"], "ok");
    let list = s.ok(&["registry", "list"]).stdout;
    assert!(
        list.contains("ok 0s ago") || list.contains("ok 1s ago"),
        "{list}"
    );
}

#[test]
fn update_rotates_credentials_and_records_only_the_rotation() {
    let s = Sandbox::new();
    s.init();
    let id = s.add_ghcr("gh");
    let before = s.json(&["registry", "show", &id, "--json"]);
    assert!(before["credentialsRotatedAt"].is_null());
    let newtok = s.write("tok", "ghp_ROTATEDrotated0123456789abcdefghijKL\n");
    let arg = format!("token={}", newtok.display());
    let o = s.ok(&["registry", "update", &id, "--field-file", &arg]);
    assert!(
        o.stdout.contains("rotated") && o.stdout.contains("no Secret applied from this vault"),
        "{}",
        o.stdout
    );
    let after = s.json(&["registry", "show", &id, "--json"]);
    assert!(after["credentialsRotatedAt"].is_string());
    assert_eq!(after["createdAt"], before["createdAt"]);
    assert_eq!(after["name"], "gh");
    let export = s.ok(&["export", "dockerconfig"]).stdout;
    assert!(export.contains("ghp_ROTATEDrotated0123456789abcdefghijKL"));

    s.ok(&["registry", "update", &id, "--name", "ghcr-main"]);
    let renamed = s.json(&["registry", "show", &id, "--json"]);
    assert_eq!(renamed["name"], "ghcr-main");
    assert_eq!(
        renamed["credentialsRotatedAt"],
        after["credentialsRotatedAt"]
    );
}

#[test]
fn delete_refuses_non_creators_and_registries_in_use() {
    let s = Sandbox::new();
    s.init();
    let id = s.add_ghcr("ghcr-creds");
    let c = s.json(&[
        "container",
        "add",
        "--name",
        "web",
        "--environment",
        "production",
        "--image",
        "acme/web",
        "--tag",
        "1.4.2",
        "--registry",
        &id,
        "--json",
    ]);
    assert_eq!(c["registryConfig"]["registryId"], id.as_str());
    assert_eq!(c["registryConfig"]["imageName"], "acme/web");
    assert_eq!(c["registryConfig"]["imageTag"], "1.4.2");
    assert_eq!(c["sourceType"], "registry");

    let o = s.run_as("bob@ops", &["registry", "delete", &id], None);
    assert_eq!(o.code, 1);
    // The refusal does not hand out the string to impersonate.
    assert!(o.stderr.contains("created by another user"), "{}", o.stderr);
    assert!(!o.stderr.contains("alice@ops"), "{}", o.stderr);

    let o = s.run(&["registry", "delete", &id]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("used by 1 container") && o.stderr.contains("web (production)"),
        "{}",
        o.stderr
    );
    assert_eq!(
        s.json(&["registry", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );

    s.ok(&["container", "delete", c["id"].as_str().unwrap()]);
    let o = s.ok(&["registry", "delete", &id]);
    assert!(o.stdout.contains("deleted"), "{}", o.stdout);
    assert!(
        s.json(&["registry", "list", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn containers_list_update_and_public_images() {
    let s = Sandbox::new();
    s.init();
    let id = s.add_ghcr("gh");
    let pub_c = s.json(&[
        "container",
        "add",
        "--name",
        "cache",
        "--environment",
        "staging",
        "--image",
        "redis",
        "--tag",
        "7",
        "--json",
    ]);
    assert!(
        pub_c["registryConfig"]["registryId"].is_null(),
        "public images carry no registryId"
    );
    let web = s.json(&[
        "container",
        "add",
        "--name",
        "web",
        "--environment",
        "staging",
        "--image",
        "acme/web",
        "--registry",
        "gh",
        "--json",
    ]);
    assert_eq!(web["registryConfig"]["imageTag"], "latest");

    let o = s.run(&[
        "container",
        "add",
        "--name",
        "x",
        "--environment",
        "Prod",
        "--image",
        "acme/x",
    ]);
    assert!(o.stderr.contains("environment:"), "{}", o.stderr);
    let o = s.run(&[
        "container",
        "add",
        "--name",
        "x",
        "--environment",
        "prod",
        "--image",
        "acme/x",
        "--registry",
        "reg-zzzzzz",
    ]);
    assert!(
        o.stderr.contains("no registry 'reg-zzzzzz'"),
        "{}",
        o.stderr
    );

    let wid = web["id"].as_str().unwrap();
    s.ok(&[
        "container",
        "update",
        wid,
        "--tag",
        "2.0",
        "--environment",
        "production",
    ]);
    let list = s.json(&["container", "list", "--environment", "production", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["registryConfig"]["imageTag"], "2.0");
    assert_eq!(list[0]["registryName"], "gh");
    let by_reg = s.json(&["container", "list", "--registry", &id, "--json"]);
    assert_eq!(by_reg.as_array().unwrap().len(), 1);

    s.ok(&["container", "update", wid, "--public"]);
    assert!(
        s.json(&["container", "list", "--registry", &id, "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let table = s.ok(&["container", "list"]).stdout;
    assert!(
        table.contains("redis:7") && table.contains("acme/web:2.0") && table.contains("public"),
        "{table}"
    );
}

#[test]
fn export_dockerconfig_is_byte_exact_and_private_on_disk() {
    let s = Sandbox::new();
    s.init();
    s.add_ghcr("gh");
    let pw = s.write("pw", DOCKER_PAT);
    let arg = format!("password={}", pw.display());
    s.ok(&[
        "registry",
        "add",
        "--name",
        "hub",
        "--type",
        "Docker",
        "--set",
        "username=alice123",
        "--field-file",
        &arg,
    ]);
    s.ok(&["registry", "add", "--name", "pub", "--type", "Public"]);
    let expected = format!(
        concat!(
            r#"{{"auths":{{"ghcr.io":{{"username":"octo","password":"{}","auth":"b2N0bzpnaHBfQ0FOQVJZY2FuYXJ5MDEyMzQ1Njc4OWFiY2RlZmdoaWpLTE1O"}},"#,
            r#""https://index.docker.io/v1/":{{"username":"alice123","password":"{}","auth":"YWxpY2UxMjM6ZGNrcl9wYXRfRmFrZUZha2VGYWtlMDEyMw=="}}}}}}"#
        ),
        CANARY, DOCKER_PAT
    );
    let out = s.ok(&["export", "dockerconfig"]).stdout;
    let got: Value = serde_json::from_str(&out).unwrap();
    let want: Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(got, want);
    assert_eq!(
        got["auths"].as_object().unwrap().len(),
        2,
        "Public has no auths entry"
    );

    let file = s.path("out/config.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let o = s.ok(&[
        "export",
        "dockerconfig",
        "--registry",
        "gh",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(!o.stdout.contains(CANARY));
    assert_eq!(mode(&file), 0o600);
    let written: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(written["auths"]["ghcr.io"]["password"], CANARY);
}

#[test]
fn passphrase_vault_from_file_and_wrong_passphrase() {
    let s = Sandbox::new();
    let pass = s.write("pass", "correct horse battery staple\n");
    let wrong = s.write("wrong", "incorrect horse\n");
    let mut c = s.cmd("alice@ops");
    c.args(["init", "--passphrase"])
        .env("REGVAULT_PASSPHRASE_FILE", &pass);
    c.assert().success();
    assert!(
        !s.identity().exists(),
        "a passphrase vault needs no identity file"
    );

    let f = s.write("g.json", &format!(r#"{{"name":"gh","type":"GHCR","credentials":{{"username":"octo","token":"{CANARY}"}}}}"#));
    let mut c = s.cmd("alice@ops");
    c.args(["registry", "add", "--from-file", f.to_str().unwrap()])
        .env("REGVAULT_PASSPHRASE_FILE", &pass);
    c.assert().success();

    let mut c = s.cmd("alice@ops");
    let o = c
        .args(["registry", "list"])
        .env("REGVAULT_PASSPHRASE_FILE", &wrong)
        .output()
        .unwrap();
    // Exit class 5: the vault does not open (wrong passphrase).
    assert_eq!(o.status.code(), Some(5));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot decrypt: wrong passphrase or identity"),
        "{err}"
    );

    let o = s.run(&["registry", "list"]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("REGVAULT_PASSPHRASE_FILE"),
        "{}",
        o.stderr
    );
}

#[test]
fn wrong_identity_and_damaged_vault_give_clear_errors_and_lose_nothing() {
    let s = Sandbox::new();
    s.init();
    s.add_ghcr("gh");
    let other = Sandbox::new();
    other.init();
    let o = s.run(&[
        "--identity",
        other.identity().to_str().unwrap(),
        "registry",
        "list",
    ]);
    // Exit class 5: the vault does not open (wrong key).
    assert_eq!(o.code, 5);
    assert!(
        o.stderr
            .contains("cannot decrypt: wrong passphrase or identity"),
        "{}",
        o.stderr
    );

    let mut bytes = std::fs::read(s.vault()).unwrap();
    let n = bytes.len();
    bytes[n - 20] ^= 0x01;
    std::fs::write(s.vault(), &bytes).unwrap();
    let o = s.run(&["registry", "add", "--name", "p", "--type", "Public"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("damaged"), "{}", o.stderr);
    assert_eq!(
        std::fs::read(s.vault()).unwrap(),
        bytes,
        "a damaged vault is left as it is"
    );
}

#[test]
fn a_second_writer_is_refused_while_the_vault_is_locked() {
    let s = Sandbox::new();
    s.init();
    let keys = [regvault::vault::KeySource::IdentityFile(s.identity())];
    let held = regvault::vault::Vault::open_locked(&s.vault(), &keys).unwrap();
    let o = s.run(&[
        "--wait", "0.5", "registry", "add", "--name", "p", "--type", "Public",
    ]);
    // Exit class 5: vault locked (by another writer).
    assert_eq!(o.code, 5);
    assert!(o.stderr.contains("vault is locked by"), "{}", o.stderr);
    // Readers are not blocked.
    s.ok(&["registry", "list"]);
    drop(held);
    s.ok(&["registry", "add", "--name", "p", "--type", "Public"]);
}

#[test]
fn team_vault_opened_with_an_ssh_key() {
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
    // Alice's own identity plus Bob's SSH key.
    s.ok(&["init", "--recipient", pubkey.trim()]);
    s.add_ghcr("gh");
    let o = s.run_as(
        "bob@ops",
        &[
            "--identity",
            key.to_str().unwrap(),
            "registry",
            "list",
            "--json",
        ],
        None,
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("\"gh\""));
    // Bob's save keeps Alice able to open the vault.
    let o = s.run_as(
        "bob@ops",
        &[
            "--identity",
            key.to_str().unwrap(),
            "registry",
            "add",
            "--name",
            "p",
            "--type",
            "Public",
        ],
        None,
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        s.json(&["registry", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn types_lists_the_nine_kinds_with_seed_field_names() {
    let s = Sandbox::new();
    let v = s.json(&["registry", "types", "--json"]);
    let kinds: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "GHCR", "Docker", "ECR", "ACR", "GCR", "GAR", "Quay", "Custom", "Public"
        ]
    );
    let ecr: Vec<&str> = v[2]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(ecr, ["accessKeyId", "secretAccessKey", "region"]);
    assert_eq!(v[4]["fields"][0]["multiline"], true);
}

#[test]
fn no_vault_says_how_to_make_one() {
    let s = Sandbox::new();
    let o = s.run(&["registry", "list"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("regvault init"), "{}", o.stderr);
}

/// `regvault … | head -1`: the reader goes away; regvault ends quietly
/// (as SIGPIPE would end a C tool) instead of panicking with a backtrace.
#[test]
fn a_closed_pipe_ends_quietly_without_a_panic() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // every write to stdout now fails with EPIPE
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("regvault"))
        .args(["registry", "types"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// Item 11 of issue 9: registry auth never goes to a remote engine over
/// plain tcp. 192.0.2.1 is TEST-NET-1: never contacted — the refusal comes
/// before any connection (a connection attempt there would hang or fail
/// with "cannot reach", not this message).
#[test]
fn swarm_refuses_plain_tcp_to_a_remote_engine_before_connecting() {
    let s = Sandbox::new();
    s.init();
    let id = s.add_ghcr("gh");
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        let mut c = s.cmd("alice@ops");
        for (k, v) in env {
            c.env(k, v);
        }
        let mut args = vec!["swarm", "check", id.as_str()];
        args.extend_from_slice(extra);
        let o = c
            .args(&args)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let started = std::time::Instant::now();
    let (code, err) = run(&[("DOCKER_HOST", "tcp://192.0.2.1:2375")], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("tcp://192.0.2.1:2375"), "{err}");
    assert!(err.contains("cleartext"), "{err}");
    assert!(err.contains("DOCKER_TLS_VERIFY"), "{err}");
    assert!(err.contains("--allow-plain-tcp"), "{err}");
    assert!(!err.contains(CANARY), "{err}");
    // The same through --host.
    let (code, err) = run(&[], &["--host", "tcp://192.0.2.1:2375"]);
    assert_ne!(code, 0);
    assert!(err.contains("cleartext"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "refused without trying to connect"
    );

    // Loopback tcp is still allowed: nothing listens there, so it is tried
    // (and fails to connect) instead of being refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, err) = run(&[("DOCKER_HOST", &format!("tcp://127.0.0.1:{port}"))], &[]);
    assert_ne!(code, 0);
    assert!(!err.contains("cleartext"), "{err}");
    assert!(err.contains("cannot reach the Docker engine"), "{err}");
}
