//! `regvault helper install|uninstall|status` against real clients on
//! 127.0.0.1: `docker login` (the shared dockerd of tests/support/docker.rs)
//! and `skopeo login` write plaintext credentials for the htpasswd
//! registry holding a private busybox; install routes the host to
//! `docker-credential-regvault` and removes them; then `docker pull`,
//! `skopeo inspect` and `podman pull` of the private image work through
//! the helper alone, and fail once uninstall removed regvault's entries
//! (and only those). Symlinked files and directories are refused with
//! nothing written.

#[path = "support/docker.rs"]
mod docker_support;
mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use support::{Auth, Registry, Sandbox, basic, need};

const USER: &str = "helper-puller";
const PASS: &str = "Helper-horse-Battery-41";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The htpasswd registry with the private busybox at `repo:1.0`.
fn registry_with_image(repo: &str) -> Registry {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    rt().block_on(docker_support::push_busybox(
        &reg.url(),
        repo,
        "1.0",
        Some(&basic(USER, PASS)),
    ));
    reg
}

/// A vault holding the registry (Custom, its url and the htpasswd user).
fn vault_with(reg: &Registry) -> Sandbox {
    let s = Sandbox::new();
    s.add(&json!({"name": "local", "type": "Custom",
        "credentials": {"url": reg.url(), "username": USER, "password": PASS}}));
    s
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// No credential left in the file: no `auth`, `password`, token field or
/// the password itself.
fn no_credential(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    for f in [
        "\"auth\"",
        "\"password\"",
        "identitytoken",
        "registrytoken",
        PASS,
    ] {
        assert!(!text.contains(f), "{f} left in {}:\n{text}", path.display());
    }
}

fn no_secret(text: &str) {
    assert!(!text.contains(PASS), "the password leaked: {text}");
}

struct Files {
    docker_dir: PathBuf,
    auth: PathBuf,
}

impl Files {
    fn new(s: &Sandbox) -> Files {
        let f = Files {
            docker_dir: s.path("dockercfg"),
            auth: s.path("containers/auth.json"),
        };
        std::fs::create_dir_all(&f.docker_dir).unwrap();
        f
    }

    fn config(&self) -> PathBuf {
        self.docker_dir.join("config.json")
    }

    fn args<'a>(&'a self, cmd: &[&'a str]) -> Vec<&'a str> {
        let mut v = cmd.to_vec();
        v.extend([
            "--docker-config",
            self.docker_dir.to_str().unwrap(),
            "--containers-auth",
            self.auth.to_str().unwrap(),
        ]);
        v
    }
}

/// A client run as the sandbox's user would run it: the helper on `PATH`,
/// the sandbox's vault and identity found through `HOME`/`XDG_*`.
fn client(s: &Sandbox, program: &str) -> Command {
    let helper = PathBuf::from(env!("CARGO_BIN_EXE_docker-credential-regvault"));
    let path = std::env::join_paths(
        std::iter::once(helper.parent().unwrap().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    let mut c = Command::new(program);
    c.env("PATH", path)
        .env("HOME", s.dir.path())
        .env("XDG_CONFIG_HOME", s.path("config"))
        .env("XDG_DATA_HOME", s.path("data"))
        .env("REGVAULT_USER", "alice@ops")
        .stdin(Stdio::null());
    c
}

fn output(mut c: Command) -> (bool, String) {
    let o = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.success(), text)
}

/// `docker pull`, `skopeo inspect` and `podman pull` of `image`, each
/// given only the two files: whether each succeeded, and its output.
fn pull_all(
    s: &Sandbox,
    d: &docker_support::Dockerd,
    f: &Files,
    image: &str,
) -> [(bool, String); 3] {
    need("podman", "apt-get install -y podman");
    need("skopeo", "apt-get install -y skopeo");
    // The engine may have it from an earlier pull: pull checks the
    // registry anyway, but start clean so nothing is served from cache.
    let _ = d.docker(&["rmi", "-f", image], &[]);
    let mut docker = client(s, "docker");
    docker
        .env("DOCKER_HOST", &d.host)
        .env("DOCKER_CONFIG", &f.docker_dir)
        .args(["pull", image]);
    let mut skopeo = client(s, "skopeo");
    skopeo
        .env("DOCKER_CONFIG", &f.docker_dir)
        .args(["inspect", "--tls-verify=false", "--authfile"])
        .arg(&f.auth)
        .arg(format!("docker://{image}"));
    let store = tempfile::tempdir().unwrap();
    let mut podman = client(s, "podman");
    podman
        .env("DOCKER_CONFIG", &f.docker_dir)
        .arg("--root")
        .arg(store.path().join("root"))
        .arg("--runroot")
        .arg(store.path().join("run"))
        .args([
            "--storage-driver",
            "vfs",
            "pull",
            "--tls-verify=false",
            "--authfile",
        ])
        .arg(&f.auth)
        .arg(image);
    [output(docker), output(skopeo), output(podman)]
}

/// Runs a client's `login … --password-stdin` with `PASS` on stdin (never
/// on argv) and fails the test with its stderr unless it succeeds; its
/// output.
fn login_with_password(cmd: &mut Command, what: &str) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PASS.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn docker_login(d: &docker_support::Dockerd, config_dir: &Path, host: &str) {
    login_with_password(
        Command::new("docker")
            .env("DOCKER_HOST", &d.host)
            .env("DOCKER_CONFIG", config_dir)
            .args(["login", "--username", USER, "--password-stdin", host]),
        "docker login",
    );
}

fn skopeo_login(authfile: &Path, host: &str) {
    need("skopeo", "apt-get install -y skopeo");
    std::fs::create_dir_all(authfile.parent().unwrap()).unwrap();
    login_with_password(
        Command::new("skopeo")
            .args(["login", "--tls-verify=false", "--authfile"])
            .arg(authfile)
            .args(["--username", USER, "--password-stdin", host]),
        "skopeo login",
    );
}

/// `docker login` and `skopeo login` leave plaintext; install with
/// `--remove-plaintext` leaves credHelpers and no credential, every other
/// entry kept, 0600; status says so; uninstall removes only regvault's.
#[test]
fn install_replaces_the_plaintext_logins_of_real_clients() {
    let d = docker_support::shared();
    let reg = registry_with_image("acme/helper");
    let host = format!("127.0.0.1:{}", reg.port);
    let s = vault_with(&reg);
    let f = Files::new(&s);
    // What else a user's config holds: kept as it is.
    std::fs::write(
        f.config(),
        r#"{"auths":{"other.example":{}},"credHelpers":{"gcr.io":"gcloud"},"psFormat":"table {{.ID}}","proxies":{"default":{"noProxy":"127.0.0.1"}}}"#,
    )
    .unwrap();
    docker_login(&d, &f.docker_dir, &host);
    skopeo_login(&f.auth, &host);
    assert!(read_json(&f.config())["auths"][&host]["auth"].is_string());
    assert!(read_json(&f.auth)["auths"][&host]["auth"].is_string());

    let o = s.ok(&f.args(&["helper", "status", "--json"]), &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["hosts"][0]["host"], host.as_str(), "{v}");
    assert_eq!(v["hosts"][0]["docker"]["helper"], false);
    assert_eq!(v["hosts"][0]["docker"]["plaintext"], json!([host]));

    // Without --remove-plaintext (and no terminal): nothing removed, and
    // it says what is left where.
    let o = s.ok(&f.args(&["helper", "install"]), &[]);
    no_secret(&(o.stdout.clone() + &o.stderr));
    assert!(
        o.stderr.contains("plaintext credential") && o.stderr.contains("left in"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("--remove-plaintext"), "{}", o.stderr);
    assert!(read_json(&f.config())["auths"][&host]["auth"].is_string());

    let o = s.ok(
        &f.args(&["helper", "install", "--remove-plaintext", "--json"]),
        &[],
    );
    no_secret(&(o.stdout.clone() + &o.stderr));
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["removedPlaintext"], json!([host]), "{v}");
    assert_eq!(v["files"][1]["removedPlaintext"], json!([host]), "{v}");

    let cfg = read_json(&f.config());
    assert_eq!(cfg["credHelpers"][&host], "regvault");
    assert_eq!(cfg["credHelpers"]["gcr.io"], "gcloud");
    assert_eq!(cfg["psFormat"], "table {{.ID}}");
    assert_eq!(cfg["proxies"]["default"]["noProxy"], "127.0.0.1");
    assert_eq!(cfg["auths"]["other.example"], json!({}));
    assert!(cfg["auths"].get(&host).is_none(), "{cfg}");
    no_credential(&f.config());
    assert_eq!(mode(&f.config()), 0o600);
    let auth = read_json(&f.auth);
    assert_eq!(auth["credHelpers"][&host], "regvault");
    no_credential(&f.auth);
    assert_eq!(mode(&f.auth), 0o600);

    let o = s.ok(&f.args(&["helper", "status"]), &[]);
    let row = o.stdout.lines().find(|l| l.starts_with(&host)).unwrap();
    assert!(
        row.contains("helper") && row.contains("none"),
        "{}",
        o.stdout
    );

    // No plaintext credential anywhere: every client pulls through the
    // helper.
    let image = format!("{host}/acme/helper:1.0");
    let [docker, skopeo, podman] = pull_all(&s, &d, &f, &image);
    assert!(docker.0, "docker pull through the helper: {}", docker.1);
    assert!(skopeo.0, "skopeo inspect through the helper: {}", skopeo.1);
    assert!(podman.0, "podman pull through the helper: {}", podman.1);
    for (_, out) in [&docker, &skopeo, &podman] {
        no_secret(out);
    }

    let o = s.ok(&f.args(&["helper", "uninstall", "--json"]), &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["removed"], json!([host]), "{v}");
    let cfg = read_json(&f.config());
    assert_eq!(
        cfg,
        json!({"auths":{"other.example":{}},"credHelpers":{"gcr.io":"gcloud"},"psFormat":"table {{.ID}}","proxies":{"default":{"noProxy":"127.0.0.1"}}}),
        "uninstall removes regvault's entry and nothing else"
    );
    assert!(read_json(&f.auth).get("credHelpers").is_none());

    // Without the helper and without plaintext, each client is refused:
    // the pulls above were the helper's doing.
    let [docker, skopeo, podman] = pull_all(&s, &d, &f, &image);
    assert!(!docker.0, "docker pulled without credentials: {}", docker.1);
    assert!(!skopeo.0, "skopeo read without credentials: {}", skopeo.1);
    assert!(!podman.0, "podman pulled without credentials: {}", podman.1);
}

/// A config.json or auth.json that is a symlink, or a docker config dir
/// that is one, is refused; nothing is written anywhere.
#[test]
fn symlinked_files_and_directories_are_refused_and_nothing_written() {
    let reg = Registry::start(Auth::None, None);
    let s = vault_with(&reg);
    let f = Files::new(&s);
    let victim_dir = s.path("elsewhere");
    std::fs::create_dir(&victim_dir).unwrap();
    let victim = victim_dir.join("target.json");
    std::fs::write(&victim, "{}").unwrap();

    // config.json → elsewhere/target.json
    std::os::unix::fs::symlink(&victim, f.config()).unwrap();
    let o = s.run(&f.args(&["helper", "install", "--remove-plaintext"]), &[]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{}");
    assert!(!f.auth.exists(), "the other file is not written either");
    let o = s.run(&f.args(&["helper", "uninstall"]), &[]);
    assert_ne!(o.code, 0);
    std::fs::remove_file(f.config()).unwrap();

    // auth.json → the victim: refused, and config.json not written.
    std::fs::create_dir_all(f.auth.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&victim, &f.auth).unwrap();
    let o = s.run(&f.args(&["helper", "install"]), &[]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    assert!(!f.config().exists());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{}");
    std::fs::remove_file(&f.auth).unwrap();

    // The docker config dir itself a link to another directory.
    let linked = s.path("linked-docker");
    std::os::unix::fs::symlink(&victim_dir, &linked).unwrap();
    let o = s.run(
        &[
            "helper",
            "install",
            "--docker-config",
            linked.to_str().unwrap(),
            "--containers-auth",
            f.auth.to_str().unwrap(),
        ],
        &[],
    );
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    let names: Vec<_> = std::fs::read_dir(&victim_dir).unwrap().flatten().collect();
    assert_eq!(
        names.len(),
        1,
        "nothing written through the linked directory"
    );
    assert!(!f.auth.exists());

    // The status reads neither: it says the file is unreadable.
    std::os::unix::fs::symlink(&victim, f.config()).unwrap();
    let o = s.ok(&f.args(&["helper", "status", "--json"]), &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(
        v["docker"]["error"]
            .as_str()
            .unwrap()
            .contains("symbolic link"),
        "{v}"
    );
}

/// Public registries and ECR ones without an exchanged token have no host
/// to route: install says which and why, and `--registry` narrows it.
#[test]
fn registries_without_a_host_are_skipped_with_the_reason() {
    let s = Sandbox::new();
    s.add(&json!({"name": "pub", "type": "Public", "credentials": {}}));
    s.add(&support::ecr_doc("ecr-prod"));
    s.add(&json!({"name": "gh", "type": "GHCR",
        "credentials": {"username": "octo", "token": "ghp_0123456789abcdefghijABCDEFGHIJ012345"}}));
    s.add(&json!({"name": "hub", "type": "Docker",
        "credentials": {"username": "octo", "password": "hub-Password-77"}}));
    let f = Files::new(&s);
    let o = s.ok(&f.args(&["helper", "install", "--json"]), &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["registry"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["pub", "ecr-prod"], "{v}");
    assert!(
        v["skipped"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("token")
    );
    let cfg = read_json(&f.config());
    assert_eq!(
        cfg["credHelpers"],
        json!({"ghcr.io": "regvault", "https://index.docker.io/v1/": "regvault"})
    );
    assert_eq!(
        read_json(&f.auth)["credHelpers"],
        json!({"ghcr.io": "regvault", "docker.io": "regvault"})
    );

    let o = s.run(&f.args(&["helper", "install", "--registry", "nope"]), &[]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("nope"), "{}", o.stderr);
    let o = s.ok(&f.args(&["helper", "uninstall"]), &[]);
    assert!(o.stdout.contains("removed"), "{}", o.stdout);
    let o = s.ok(
        &f.args(&["helper", "install", "--registry", "gh", "--json"]),
        &[],
    );
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["added"], json!(["ghcr.io"]), "{v}");
}

/// `podman login` writes to its own file, `$XDG_RUNTIME_DIR/containers/
/// auth.json`, which podman reads before auth.json: install cleans it too
/// (without --containers-auth, as a user runs it), and podman then pulls
/// through the helper with no flag naming a file.
#[test]
fn podman_logins_own_file_is_cleaned_too() {
    need("podman", "apt-get install -y podman");
    let reg = registry_with_image("acme/podman");
    let host = format!("127.0.0.1:{}", reg.port);
    let s = vault_with(&reg);
    let run = s.path("run");
    std::fs::create_dir(&run).unwrap();
    let store = tempfile::tempdir().unwrap();
    let podman = |args: &[&str]| {
        let mut c = client(&s, "podman");
        // No DOCKER_CONFIG: podman would take $DOCKER_CONFIG/config.json
        // as its only auth file.
        c.env("XDG_RUNTIME_DIR", &run)
            .env_remove("DOCKER_CONFIG")
            .env_remove("REGISTRY_AUTH_FILE")
            .arg("--root")
            .arg(store.path().join("root"))
            .arg("--runroot")
            .arg(store.path().join("run"))
            .args(["--storage-driver", "vfs"])
            .args(args);
        c
    };
    let mut login = podman(&[
        "login",
        "--tls-verify=false",
        "--username",
        USER,
        "--password-stdin",
        &host,
    ]);
    let o = login_with_password(&mut login, "podman login");
    let runtime = run.join("containers").join("auth.json");
    assert!(
        runtime.exists(),
        "podman login wrote elsewhere: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(read_json(&runtime)["auths"][&host]["auth"].is_string());

    let rt = run.to_str().unwrap();
    let dcfg = s.path("dockercfg");
    let o = s.ok(
        &[
            "helper",
            "install",
            "--remove-plaintext",
            "--docker-config",
            dcfg.to_str().unwrap(),
        ],
        &[("XDG_RUNTIME_DIR", rt)],
    );
    no_secret(&(o.stdout.clone() + &o.stderr));
    no_credential(&runtime);
    assert!(
        read_json(&runtime).get("credHelpers").is_none(),
        "routed in auth.json, not here"
    );
    let auth = s.path("config/containers/auth.json");
    assert_eq!(read_json(&auth)["credHelpers"][&host], "regvault");
    let o = s.ok(&["helper", "status", "--json"], &[("XDG_RUNTIME_DIR", rt)]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        v["hosts"][0]["podmanRuntime"]["plaintext"],
        json!([]),
        "{v}"
    );

    let image = format!("{host}/acme/podman:1.0");
    let (ok, out) = output(podman(&["pull", "--tls-verify=false", &image]));
    assert!(ok, "podman pull through the helper: {out}");
    no_secret(&out);

    s.ok(
        &[
            "helper",
            "uninstall",
            "--docker-config",
            dcfg.to_str().unwrap(),
        ],
        &[("XDG_RUNTIME_DIR", rt)],
    );
    let (ok, out) = output(podman(&["pull", "--tls-verify=false", &image]));
    assert!(!ok, "podman pulled without credentials: {out}");
}

/// At a terminal, install lists the plaintext it would remove and asks:
/// Enter (no) keeps it, `y` removes it. `script` gives the command a
/// pseudo-terminal, as a user's shell would.
#[test]
fn at_a_terminal_install_asks_before_removing_plaintext() {
    need("script", "apt-get install -y bsdutils");
    let s = Sandbox::new();
    s.add(&json!({"name": "gh", "type": "GHCR",
        "credentials": {"username": "octo", "token": "ghp_0123456789abcdefghijABCDEFGHIJ012345"}}));
    let f = Files::new(&s);
    let plaintext = r#"{"auths":{"ghcr.io":{"auth":"b2N0bzpzM2NyZXQ="}}}"#;
    std::fs::write(f.config(), plaintext).unwrap();
    let bin = env!("CARGO_BIN_EXE_regvault");
    let at_terminal = |answer: &str| {
        let cmd = format!(
            "'{bin}' helper install --docker-config '{}' --containers-auth '{}'",
            f.docker_dir.display(),
            f.auth.display()
        );
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", s.dir.path())
            .env("XDG_CONFIG_HOME", s.path("config"))
            .env("XDG_DATA_HOME", s.path("data"))
            .env("REGVAULT_USER", "alice@ops")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(o.status.success(), "{out}");
        assert!(!out.contains("b2N0bzpzM2NyZXQ="), "{out}");
        out
    };
    let out = at_terminal("\n");
    assert!(out.contains("[y/N]"), "{out}");
    assert!(
        out.contains("plaintext credential") && out.contains("left in"),
        "{out}"
    );
    assert!(read_json(&f.config())["auths"]["ghcr.io"]["auth"].is_string());

    let out = at_terminal("y\n");
    assert!(out.contains("removed 1 plaintext credential from"), "{out}");
    no_credential(&f.config());
    assert_eq!(read_json(&f.config())["credHelpers"]["ghcr.io"], "regvault");

    // Nothing left to remove: no question.
    let out = at_terminal("");
    assert!(!out.contains("[y/N]"), "{out}");
}
