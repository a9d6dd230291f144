//! `docker-credential-regvault` against real clients on 127.0.0.1: the
//! docker CLI and dockerd (tests/support/docker.rs), skopeo and podman,
//! CNCF distribution with htpasswd holding a runnable busybox image, and
//! moto as the ECR API. The clients find the helper on `PATH` (the built
//! binary's directory first) and the vault through `REGVAULT_VAULT` /
//! `REGVAULT_IDENTITY`; their configs hold `credHelpers` only, no `auths`.

#[path = "support/docker.rs"]
mod docker_support;
mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use support::{Auth, Moto, Registry, Sandbox, basic, need};

const USER: &str = "ci-puller";
const PASS: &str = "CANARY-horse-Battery-9";
/// A second user of the same registry (differs early: bcrypt reads 72).
const USER2: &str = "ci-puller-2";
const PASS2: &str = "Rotated-CANARY-staple-77";
const NOT_FOUND: &str = "credentials not found in native keychain\n";
const ECR_HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A registry with two users and busybox at `team/app:v1`.
fn registry_with_image() -> Registry {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS), (USER2, PASS2)]), None);
    rt().block_on(docker_support::push_busybox(
        &reg.url(),
        "team/app",
        "v1",
        Some(&basic(USER, PASS)),
    ));
    reg
}

fn helper_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_docker-credential-regvault"))
}

/// `PATH` with the helper's directory first, as an install would put it.
fn path_with_helper() -> String {
    format!(
        "{}:{}",
        helper_bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// What a client process needs to run the helper on the sandbox's vault.
fn vault_env(s: &Sandbox, user: &str) -> Vec<(String, String)> {
    let p = |rel: &str| s.path(rel).display().to_string();
    vec![
        ("PATH".into(), path_with_helper()),
        ("HOME".into(), p("")),
        ("XDG_CONFIG_HOME".into(), p("config")),
        ("XDG_DATA_HOME".into(), p("data")),
        ("REGVAULT_USER".into(), user.into()),
        ("REGVAULT_VAULT".into(), p("data/regvault/vault.age")),
        (
            "REGVAULT_IDENTITY".into(),
            p("config/regvault/identity.txt"),
        ),
    ]
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command, stdin: &str) -> Out {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The helper run directly, as `user`, with `extra` environment.
fn helper(s: &Sandbox, user: &str, action: &str, stdin: &str, extra: &[(&str, &str)]) -> Out {
    let mut c = Command::new(helper_bin());
    c.env_clear().envs(vault_env(s, user)).arg(action);
    for (k, v) in extra {
        c.env(k, v);
    }
    let o = run(c, stdin);
    // No secret on stderr, ever (clients log it), nor in an error.
    assert!(!o.stderr.contains("CANARY"), "{action}: {}", o.stderr);
    if action != "get" || o.code != 0 {
        assert!(!o.stdout.contains("CANARY"), "{action}: {}", o.stdout);
    }
    o
}

fn custom_doc(name: &str, url: &str, user: &str, pass: &str) -> Value {
    json!({"name": name, "type": "Custom",
        "credentials": {"url": url, "username": user, "password": pass}})
}

fn registries(s: &Sandbox) -> Vec<Value> {
    let o = s.ok(&["registry", "list", "--json"], &[]);
    serde_json::from_str::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// A docker CLI config dir holding only `{"credHelpers":{host:"regvault"}}`.
fn docker_config(s: &Sandbox, host: &str) -> PathBuf {
    let dir = s.path("docker-cli");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.json"),
        json!({"credHelpers": {host: "regvault"}}).to_string(),
    )
    .unwrap();
    dir
}

fn docker(d: &docker_support::Dockerd, s: &Sandbox, cfg: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("docker");
    c.env_clear()
        .envs(vault_env(s, "alice@ops"))
        .env("DOCKER_HOST", &d.host)
        .env("DOCKER_CONFIG", cfg)
        .args(args);
    c
}

#[test]
fn docker_pulls_through_the_helper_alone_and_not_after_logout() {
    let reg = registry_with_image();
    let host = format!("127.0.0.1:{}", reg.port);
    let image = format!("{host}/team/app:v1");
    let s = Sandbox::new();
    s.add(&custom_doc("local", &reg.url(), USER, PASS));
    let cfg = docker_config(&s, &host);
    let d = docker_support::shared();

    let pull = run(docker(&d, &s, &cfg, &["pull", &image]), "");
    assert_eq!(pull.code, 0, "pull: {}{}", pull.stdout, pull.stderr);
    assert!(!format!("{}{}", pull.stdout, pull.stderr).contains("CANARY"));
    let config = std::fs::read_to_string(cfg.join("config.json")).unwrap();
    assert!(
        !config.contains("auths") || !config.contains("CANARY"),
        "{config}"
    );
    run(docker(&d, &s, &cfg, &["rmi", &image]), "");

    let logout = run(docker(&d, &s, &cfg, &["logout", &host]), "");
    assert_eq!(logout.code, 0, "{}{}", logout.stdout, logout.stderr);
    assert!(
        logout.stdout.contains("Removing login credentials"),
        "{}",
        logout.stdout
    );
    assert!(
        !logout.stderr.contains("could not erase"),
        "{}",
        logout.stderr
    );
    assert!(registries(&s).is_empty(), "erase deleted the registry");
    let again = run(docker(&d, &s, &cfg, &["pull", &image]), "");
    assert_ne!(again.code, 0, "pulled without credentials");
    assert!(
        again.stderr.contains("no basic auth credentials") || again.stderr.contains("unauthorized"),
        "{}",
        again.stderr
    );
}

#[test]
fn docker_login_stores_into_the_vault_and_a_second_login_rotates() {
    let reg = registry_with_image();
    let host = format!("127.0.0.1:{}", reg.port);
    let s = Sandbox::new();
    let cfg = docker_config(&s, &host);
    let d = docker_support::shared();

    let login = |user: &str, pass: &str| {
        let o = run(
            docker(
                &d,
                &s,
                &cfg,
                &["login", &host, "--username", user, "--password-stdin"],
            ),
            pass,
        );
        assert_eq!(o.code, 0, "login: {}{}", o.stdout, o.stderr);
        assert!(!format!("{}{}", o.stdout, o.stderr).contains("CANARY"));
    };
    login(USER, PASS);
    let list = registries(&s);
    assert_eq!(list.len(), 1, "{list:?}");
    let r = &list[0];
    assert_eq!(r["name"], host.as_str());
    assert_eq!(r["type"], "Custom");
    assert_eq!(r["host"], host.as_str());
    assert_eq!(
        r["createdBy"].as_str().unwrap().split(' ').next(),
        Some("alice@ops")
    );
    let id = r["id"].as_str().unwrap().to_owned();
    let shown: Value =
        serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout).unwrap();
    assert_eq!(shown["credentials"]["url"], reg.url().as_str());
    assert_eq!(shown["credentials"]["username"], USER);
    s.ok(&["registry", "test", &id], &[]);
    // docker kept no plaintext.
    let config = std::fs::read_to_string(cfg.join("config.json")).unwrap();
    assert!(
        !config.contains("CANARY") && !config.contains("\"auth\""),
        "{config}"
    );

    login(USER2, PASS2);
    let list = registries(&s);
    assert_eq!(list.len(), 1, "rotated, not added: {list:?}");
    assert_eq!(list[0]["id"], id.as_str());
    assert!(list[0]["credentialsRotatedAt"].is_string());
    let shown: Value =
        serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout).unwrap();
    assert_eq!(shown["credentials"]["username"], USER2);
    s.ok(&["registry", "test", &id], &[]);
    let got = helper(&s, "alice@ops", "get", &host, &[]);
    let got: Value = serde_json::from_str(&got.stdout).unwrap();
    assert_eq!(got["Secret"], PASS2);
}

/// skopeo and podman read `credHelpers` from an `auth.json` given with
/// `--authfile`; `DOCKER_CONFIG` is an empty dir so that file alone counts.
#[test]
fn skopeo_and_podman_use_the_helper_from_auth_json() {
    need("skopeo", "apt-get install -y skopeo");
    need("podman", "apt-get install -y podman");
    let reg = registry_with_image();
    let host = format!("127.0.0.1:{}", reg.port);
    let image = format!("{host}/team/app:v1");
    let s = Sandbox::new();
    s.add(&custom_doc("local", &reg.url(), USER, PASS));
    let auth = s.write(
        "auth.json",
        &json!({"credHelpers": {&host: "regvault"}}).to_string(),
    );
    let empty = s.path("empty-docker-config");
    std::fs::create_dir_all(&empty).unwrap();
    let base = |bin: &str| {
        let mut c = Command::new(bin);
        c.env_clear()
            .envs(vault_env(&s, "alice@ops"))
            .env("DOCKER_CONFIG", &empty)
            .env("XDG_RUNTIME_DIR", s.path("run"));
        c
    };
    std::fs::create_dir_all(s.path("run")).unwrap();

    let mut c = base("skopeo");
    c.args(["inspect", "--tls-verify=false", "--authfile"])
        .arg(&auth)
        .arg(format!("docker://{image}"));
    let o = run(c, "");
    assert_eq!(o.code, 0, "skopeo: {}{}", o.stdout, o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(v["Digest"].as_str().unwrap().starts_with("sha256:"), "{v}");

    let mut c = base("podman");
    c.arg("--root")
        .arg(s.path("podman/root"))
        .arg("--runroot")
        .arg(s.path("podman/run"))
        .args([
            "--storage-driver=vfs",
            "--events-backend=none",
            "--cgroup-manager=cgroupfs",
            "pull",
            "--tls-verify=false",
            "--authfile",
        ])
        .arg(&auth)
        .arg(&image);
    let o = run(c, "");
    assert_eq!(o.code, 0, "podman: {}{}", o.stdout, o.stderr);
    assert!(!format!("{}{}", o.stdout, o.stderr).contains("CANARY"));

    // Without the helper's registry: skopeo is refused.
    helper(&s, "alice@ops", "erase", &host, &[]);
    let mut c = base("skopeo");
    c.args(["inspect", "--tls-verify=false", "--authfile"])
        .arg(&auth)
        .arg(format!("docker://{image}"));
    assert_ne!(run(c, "").code, 0);
}

fn set_ecr_expiry(s: &Sandbox, minutes_from_now: i64) {
    use regvault::ops::VaultStore as _;
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(minutes_from_now))
        .unwrap();
    s.store()
        .update(&mut |d| {
            d.registries[0].ecr_token.as_mut().unwrap().expires_at = at;
            Ok(())
        })
        .unwrap();
}

fn ecr_token(s: &Sandbox) -> regvault::model::EcrToken {
    use regvault::ops::VaultStore as _;
    s.store().read().unwrap().registries[0]
        .ecr_token
        .clone()
        .expect("a token in the vault")
}

#[test]
fn ecr_token_exchanged_then_cached_refreshed_near_expiry_never_served_expired() {
    let s = Sandbox::new();
    s.add(&support::ecr_doc("ecr"));
    let moto = Moto::start(false);
    let endpoint = moto.url();
    let env = [("REGVAULT_AWS_ENDPOINT", endpoint.as_str())];
    let get = |env: &[(&str, &str)]| helper(&s, "alice@ops", "get", ECR_HOST, env);

    let first = get(&env);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let v: Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(v["Username"], "AWS");
    assert_eq!(v["ServerURL"], ECR_HOST);
    let kept = ecr_token(&s);
    assert_eq!(
        v["Secret"],
        kept.token.expose(),
        "the exchanged token, saved"
    );
    assert_eq!(kept.account_id, "123456789012");
    // Another account of the region is not this registry's.
    let other = get_host(&s, "210987654321.dkr.ecr.us-east-1.amazonaws.com", &env);
    assert_eq!(other.stdout, NOT_FOUND);

    // moto gone: the cached token is served.
    drop(moto);
    let cached = get(&env);
    assert_eq!(cached.code, 0, "{}", cached.stdout);
    assert_eq!(cached.stdout, first.stdout);

    // Near expiry (inside the 15-minute margin): renewed from a new moto.
    set_ecr_expiry(&s, 5);
    let moto2 = Moto::start(false);
    let endpoint2 = moto2.url();
    let renewed = get(&[("REGVAULT_AWS_ENDPOINT", endpoint2.as_str())]);
    assert_eq!(renewed.code, 0, "{}", renewed.stdout);
    let t = ecr_token(&s);
    assert!(
        t.expires_at > jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1),
        "renewed: {}",
        t.expires_at
    );
    drop(moto2);

    // Near expiry with the API down: the still-valid token is served.
    set_ecr_expiry(&s, 5);
    let still = get(&[("REGVAULT_AWS_ENDPOINT", endpoint2.as_str())]);
    assert_eq!(still.code, 0, "{}", still.stdout);
    // Expired with the API down: an error, never the stale token.
    set_ecr_expiry(&s, -1);
    let stale = ecr_token(&s).token.expose().to_owned();
    let expired = get(&[("REGVAULT_AWS_ENDPOINT", endpoint2.as_str())]);
    assert_eq!(expired.code, 1);
    assert!(!expired.stdout.contains(&stale), "served the expired token");
    assert_ne!(expired.stdout, NOT_FOUND);
    assert!(expired.stdout.contains("ECR"), "{}", expired.stdout);
    assert_eq!(expired.stdout.lines().count(), 1, "{}", expired.stdout);
}

fn get_host(s: &Sandbox, host: &str, env: &[(&str, &str)]) -> Out {
    helper(s, "alice@ops", "get", host, env)
}

#[test]
fn protocol_answers_and_vault_rules() {
    let s = Sandbox::new();
    let a = s.add(&custom_doc("a", "http://127.0.0.1:5999", USER, PASS));
    // Not found: exactly the text clients compare, exit 1.
    for host in ["ghcr.io", "https://index.docker.io/v1/", "127.0.0.1:5998"] {
        let o = helper(&s, "alice@ops", "get", host, &[]);
        assert_eq!((o.code, o.stdout.as_str()), (1, NOT_FOUND), "{host}");
    }
    // Scheme and path ignored; the answer echoes the server URL.
    let o = helper(&s, "alice@ops", "get", "https://127.0.0.1:5999/v2/\n", &[]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        v,
        json!({"ServerURL": "https://127.0.0.1:5999/v2/", "Username": USER, "Secret": PASS})
    );
    let o = helper(&s, "alice@ops", "list", "unused", &[]);
    assert_eq!(
        serde_json::from_str::<Value>(&o.stdout).unwrap(),
        json!({"127.0.0.1:5999": USER})
    );
    assert!(
        helper(&s, "alice@ops", "version", "", &[])
            .stdout
            .starts_with("docker-credential-regvault")
    );

    // Two for one host: an error naming both; `registry default` decides.
    let b = s.add(&custom_doc("b", "http://127.0.0.1:5999", USER2, PASS2));
    let o = helper(&s, "alice@ops", "get", "127.0.0.1:5999", &[]);
    assert_eq!(o.code, 1);
    assert_eq!(o.stdout.lines().count(), 1, "{}", o.stdout);
    for part in ["a (", &a, "b (", &b, "regvault registry default"] {
        assert!(o.stdout.contains(part), "{part}: {}", o.stdout);
    }
    assert!(!o.stdout.contains("CANARY"));
    s.ok(&["registry", "default", &b], &[]);
    let shown: Value =
        serde_json::from_str(&s.ok(&["registry", "show", &b, "--json"], &[]).stdout).unwrap();
    assert_eq!(shown["hostDefault"], true);
    let o = helper(&s, "alice@ops", "get", "127.0.0.1:5999", &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["Username"], USER2);
    s.ok(&["registry", "default", &a], &[]);
    let o = helper(&s, "alice@ops", "get", "127.0.0.1:5999", &[]);
    assert_eq!(
        serde_json::from_str::<Value>(&o.stdout).unwrap()["Username"],
        USER
    );
    let list = registries(&s);
    let marked: Vec<_> = list.iter().filter(|r| r["hostDefault"] == true).collect();
    assert_eq!(marked.len(), 1, "one default per host");
    s.ok(&["registry", "default", &a, "--unset"], &[]);
    assert_eq!(
        helper(&s, "alice@ops", "get", "127.0.0.1:5999", &[]).code,
        1
    );
    s.ok(&["registry", "delete", &b], &[]);

    // erase: the creator only, and not while a container uses it.
    let o = helper(&s, "mallory@ops", "erase", "127.0.0.1:5999", &[]);
    assert_eq!(o.code, 1);
    assert!(
        o.stdout.contains("only the registry's creator"),
        "{}",
        o.stdout
    );
    s.ok(
        &[
            "container",
            "add",
            "--name",
            "web",
            "--environment",
            "production",
            "--image",
            "127.0.0.1:5999/team/app",
            "--registry",
            &a,
        ],
        &[],
    );
    let o = helper(&s, "alice@ops", "erase", "127.0.0.1:5999", &[]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("web (production)"), "{}", o.stdout);
    assert_eq!(registries(&s).len(), 1);

    // store: what cannot be kept is refused with the reason, nothing saved.
    for (server, user) in [
        (ECR_HOST, "AWS"),
        ("myreg.azurecr.io", "<token>"),
        ("", "u"),
    ] {
        let req = json!({"ServerURL": server, "Username": user, "Secret": "CANARY-x"});
        let o = helper(&s, "alice@ops", "store", &req.to_string(), &[]);
        assert_eq!(o.code, 1, "{server}");
        assert_eq!(o.stdout.lines().count(), 1, "{}", o.stdout);
    }
    let req = json!({"ServerURL": "ghcr.io", "Username": "", "Secret": "CANARY-x"});
    assert_eq!(
        helper(&s, "alice@ops", "store", &req.to_string(), &[]).stdout,
        "no credentials username\n"
    );
    // A store by another member rotating alice's registry is refused.
    let req = json!({"ServerURL": "127.0.0.1:5999", "Username": "m", "Secret": "CANARY-m"});
    let o = helper(&s, "mallory@ops", "store", &req.to_string(), &[]);
    assert_eq!(o.code, 1);
    assert!(
        o.stdout.contains("only the registry's creator"),
        "{}",
        o.stdout
    );
    assert_eq!(registries(&s).len(), 1);
    // A store of a new host adds it with the inferred kind.
    let req = json!({"ServerURL": "https://ghcr.io", "Username": "octo", "Secret": format!("ghp_{:x<36}", "")});
    assert_eq!(
        helper(&s, "alice@ops", "store", &req.to_string(), &[]).code,
        0
    );
    let list = registries(&s);
    let ghcr = list.iter().find(|r| r["name"] == "ghcr.io").unwrap();
    assert_eq!(ghcr["type"], "GHCR");
}

/// A passphrase vault is never prompted for (clients give the helper no
/// terminal): without the agent it is "locked", in one line on stdout.
#[test]
fn a_passphrase_vault_is_locked_without_the_agent_and_nothing_prompts() {
    let s = Sandbox::new();
    let pass_file = s.write("pass.txt", "CANARY-correct-horse-battery-staple-9\n");
    let other = s.path("data/regvault/locked.age");
    let pass_env = pass_file.display().to_string();
    let other_s = other.display().to_string();
    s.ok(
        &["init", "--passphrase", "--vault", &other_s],
        &[("REGVAULT_PASSPHRASE_FILE", &pass_env)],
    );
    for action in ["get", "list", "erase"] {
        let o = helper(
            &s,
            "alice@ops",
            action,
            "127.0.0.1:5000",
            &[("REGVAULT_VAULT", &other_s)],
        );
        assert_eq!(o.code, 1, "{action}");
        assert_eq!(
            o.stdout, "regvault is locked — run `regvault unlock`\n",
            "{action}"
        );
        assert!(o.stderr.is_empty(), "{action}: {}", o.stderr);
    }
}

/// Like `regvault`, the helper holds decrypted credentials: other
/// processes of the same user must not ptrace it or read its memory, and a
/// crash leaves no core. Checked on a helper blocked reading its request
/// (the kernel shows a non-dumpable process's /proc/PID as root's, so it
/// runs as nobody when the test runs as root).
#[test]
fn the_helper_is_not_dumpable_and_writes_no_core() {
    use std::os::unix::fs::MetadataExt as _;
    let as_root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    let mut c = if as_root {
        need("setpriv", "apt-get install -y util-linux");
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(helper_bin());
        c
    } else {
        Command::new(helper_bin())
    };
    let mut child = c
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let proc_dir = format!("/proc/{}", child.id());
    let status_of = || std::fs::read_to_string(format!("{proc_dir}/status")).unwrap_or_default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !(status_of().contains("State:\tS") && status_of().contains("Name:\tdocker-credenti")) {
        assert!(std::time::Instant::now() < deadline, "{}", status_of());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    let owner = std::fs::metadata(format!("{proc_dir}/status"))
        .unwrap()
        .uid();
    let limits = std::fs::read_to_string(format!("{proc_dir}/limits")).unwrap();
    drop(child.stdin.take());
    child.wait().unwrap();
    assert_eq!(owner, 0, "/proc/PID owned by the user: dumpable");
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

/// Every answer the helper gives is in the audit log: who was handed which
/// registry's credentials for which host, a login (add, then rotate) and a
/// logout (delete) — and never the secret.
#[test]
fn helper_gets_logins_and_logouts_are_in_the_audit_log() {
    let s = Sandbox::new();
    s.add(&custom_doc(
        "reg",
        "http://127.0.0.1:5999",
        "bob",
        "s3cret-CANARY",
    ));
    let o = helper(&s, "alice@ops", "get", "http://127.0.0.1:5999/v2/", &[]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    let login = json!({"ServerURL": "127.0.0.1:6000", "Username": "u", "Secret": "pw-CANARY-1"});
    assert_eq!(
        helper(&s, "alice@ops", "store", &login.to_string(), &[]).code,
        0
    );
    let login = json!({"ServerURL": "127.0.0.1:6000", "Username": "u", "Secret": "pw-CANARY-2"});
    assert_eq!(
        helper(&s, "alice@ops", "store", &login.to_string(), &[]).code,
        0
    );
    assert_eq!(
        helper(&s, "alice@ops", "erase", "127.0.0.1:6000", &[]).code,
        0
    );
    let o = s.ok(&["log", "--json"], &[]);
    assert!(!o.stdout.contains("CANARY"), "{}", o.stdout);
    let entries: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    let seen: Vec<String> = entries
        .iter()
        .skip_while(|e| e["action"] != "helper-get")
        .map(|e| {
            format!(
                "{} {} {} {}",
                e["action"].as_str().unwrap_or(""),
                e["registry"]["name"].as_str().unwrap_or(""),
                e["where"].as_str().unwrap_or(""),
                e["result"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            "helper-get reg 127.0.0.1:5999 ok",
            "add 127.0.0.1:6000  ok",
            "rotate 127.0.0.1:6000  ok",
            "delete 127.0.0.1:6000  ok",
        ],
        "{entries:?}"
    );
    s.ok(&["log", "verify"], &[]);
}
