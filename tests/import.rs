//! `regvault import` with real producers: `docker login` (through the
//! shared test dockerd) writes a real `config.json`, `skopeo login` a real
//! `auth.json`, `kubectl create secret docker-registry` a real pull Secret
//! on the test apiserver, and `docker login` with `credsStore: pass` puts
//! the login in `docker-credential-pass` (gpg key without passphrase in a
//! private GNUPGHOME). Each is imported, and the imported registry passes
//! Test Connection against the live htpasswd registry. Also: the preview
//! names what exists and what is skipped, a helper that fails or hangs is
//! reported per entry, and no secret reaches any output (canary).

#[path = "support/docker.rs"]
mod docker_support;
#[path = "support/kube.rs"]
mod kube_support;
#[path = "support/pty.rs"]
mod pty;
mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{Auth, Out, Registry, Sandbox, need};

const USER: &str = "alice";
/// The password: every output is checked for it.
const PASS: &str = "pw-canary-7Hq2";

fn no_secret(o: &Out) {
    for text in [&o.stdout, &o.stderr] {
        assert!(!text.contains("canary"), "a secret was printed:\n{text}");
    }
}

/// `cmd` with `input` on stdin; must succeed.
fn with_stdin(cmd: &mut Command, input: &str) -> String {
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
        .write_all(input.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs an import with `--json`; the parsed report.
fn import(s: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.push("--json");
    let o = s.ok(&all, env);
    no_secret(&o);
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", o.stdout))
}

/// The ids the import added.
fn added(report: &Value) -> Vec<String> {
    report["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Test Connection passes (exit 0, outcome ok) for `id`.
fn passes(s: &Sandbox, id: &str) {
    let o = s.run(&["registry", "test", id], &[]);
    no_secret(&o);
    assert_eq!(o.code, 0, "registry test {id}:\n{}{}", o.stdout, o.stderr);
}

/// A program's full path on PATH.
fn which(bin: &str) -> std::path::PathBuf {
    need(bin, "apt-get install -y docker.io");
    let o = Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .output()
        .unwrap();
    std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
}

fn host(reg: &Registry) -> String {
    format!("127.0.0.1:{}", reg.port)
}

#[test]
fn docker_login_config_json_is_imported_and_passes_test_connection() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let d = docker_support::shared();
    let s = Sandbox::new();
    let cfg_dir = s.path("docker");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    // docker stores in `pass` by itself when docker-credential-pass is on
    // PATH: this login must land in config.json, so PATH holds docker only.
    let only_docker = s.path("only-docker");
    std::fs::create_dir_all(&only_docker).unwrap();
    let docker_bin = which("docker");
    std::os::unix::fs::symlink(&docker_bin, only_docker.join("docker")).unwrap();
    with_stdin(
        Command::new(&docker_bin)
            .env("PATH", &only_docker)
            .env("DOCKER_HOST", &d.host)
            .env("DOCKER_CONFIG", &cfg_dir)
            .args(["login", "-u", USER, "--password-stdin", &host(&reg)]),
        PASS,
    );
    let config = cfg_dir.join("config.json");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("\"auth\""), "plaintext expected: {text}");
    // The default path: $DOCKER_CONFIG/config.json.
    let env = [("DOCKER_CONFIG", cfg_dir.to_str().unwrap())];
    let dry = import(&s, &["docker-config", "--dry-run"], &env);
    assert_eq!(dry["entries"][0]["action"], "add", "{dry}");
    assert_eq!(dry["entries"][0]["type"], "Custom");
    assert!(added(&dry).is_empty());
    let report = import(&s, &["docker-config", config.to_str().unwrap()], &[]);
    let ids = added(&report);
    assert_eq!(ids.len(), 1, "{report}");
    assert!(
        report["next"]
            .as_str()
            .is_some_and(|n| n.contains("helper install --remove-plaintext")),
        "{report}"
    );
    passes(&s, &ids[0]);
    // The creator is the current member, as `registry add` records it.
    let show = s.ok(&["registry", "show", &ids[0], "--json"], &[]);
    let shown: Value = serde_json::from_str(&show.stdout).unwrap();
    assert!(
        shown["createdBy"]
            .as_str()
            .unwrap()
            .starts_with("alice@ops"),
        "{shown}"
    );
    // A re-run imports nothing new, and says the login is already there.
    let again = s.ok(&["import", "docker-config", config.to_str().unwrap()], &[]);
    no_secret(&again);
    assert!(again.stdout.contains("exists"), "{}", again.stdout);
    assert!(again.stdout.contains("nothing new"), "{}", again.stdout);
    // --install-helper: the host now goes to regvault's helper, and its
    // plaintext login leaves config.json.
    let o = s.ok(
        &[
            "import",
            "docker-config",
            config.to_str().unwrap(),
            "--install-helper",
        ],
        &[],
    );
    no_secret(&o);
    assert!(
        o.stdout
            .contains(&format!("now sends {} to regvault", host(&reg))),
        "{}",
        o.stdout
    );
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(after["credHelpers"][host(&reg)], "regvault", "{after}");
    assert!(!after.to_string().contains("\"auth\""), "{after}");
    // What the helper serves is the vault's: not asked, nothing to import.
    let last = s.ok(&["import", "docker-config", config.to_str().unwrap()], &[]);
    assert!(last.stdout.contains("no logins found"), "{}", last.stdout);
}

#[test]
fn skopeo_login_auth_json_is_imported_and_passes_test_connection() {
    need("skopeo", "apt-get install -y skopeo");
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let s = Sandbox::new();
    let auth = s.path("auth.json");
    let empty = s.path("empty-docker");
    std::fs::create_dir_all(&empty).unwrap();
    with_stdin(
        Command::new("skopeo")
            .env("DOCKER_CONFIG", &empty)
            .args(["login", "--tls-verify=false", "--authfile"])
            .arg(&auth)
            .args(["-u", USER, "--password-stdin", &host(&reg)]),
        PASS,
    );
    // Found through $REGISTRY_AUTH_FILE, the first place podman looks.
    let report = import(
        &s,
        &[
            "containers-auth",
            "--name",
            &format!("{}=local", host(&reg)),
        ],
        &[("REGISTRY_AUTH_FILE", auth.to_str().unwrap())],
    );
    let ids = added(&report);
    assert_eq!(ids.len(), 1, "{report}");
    assert_eq!(report["added"][0]["name"], "local");
    assert!(
        report.get("next").is_none(),
        "only config.json gets the offer"
    );
    passes(&s, &ids[0]);
}

#[test]
fn kubectl_docker_registry_secret_is_imported_and_passes_test_connection() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let k = kube_support::cluster();
    let ns = format!("imp-{}", support::run_tag());
    let _ = k.kubectl_raw("admin", &["create", "namespace", &ns], None);
    let name = "pull";
    let _ = k.kubectl_raw("admin", &["-n", &ns, "delete", "secret", name], None);
    // kubectl takes the password in argv: the producer's way, in a test.
    k.kubectl(&[
        "-n",
        &ns,
        "create",
        "secret",
        "docker-registry",
        name,
        &format!("--docker-server={}", host(&reg)),
        &format!("--docker-username={USER}"),
        &format!("--docker-password={PASS}"),
    ]);
    let s = Sandbox::new();
    let kubeconfig = k.kubeconfig.to_str().unwrap();
    let report = import(
        &s,
        &[
            "kube-secret",
            name,
            "-n",
            &ns,
            "--context",
            "admin",
            "--kubeconfig",
            kubeconfig,
        ],
        &[],
    );
    let ids = added(&report);
    assert_eq!(ids.len(), 1, "{report}");
    assert_eq!(report["entries"][0]["from"], "secret");
    passes(&s, &ids[0]);
    // The same Secret as a manifest file (kubectl's own YAML): already there.
    let yaml = k.kubectl(&["-n", &ns, "get", "secret", name, "-o", "yaml"]);
    let file = s.write("secret.yaml", &yaml);
    let again = import(&s, &["kube-secret", "--file", file.to_str().unwrap()], &[]);
    assert!(added(&again).is_empty(), "{again}");
    assert_eq!(again["entries"][0]["action"], "exists", "{again}");
    // A missing Secret is one clear line.
    let o = s.run(
        &[
            "import",
            "kube-secret",
            "nope",
            "-n",
            &ns,
            "--kubeconfig",
            kubeconfig,
        ],
        &[],
    );
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("no secret"), "{}", o.stderr);
}

/// gpg and pass in private homes; `gpgconf --kill` stops the agent on drop.
struct PassStore {
    dir: tempfile::TempDir,
}

impl PassStore {
    fn new() -> PassStore {
        need("gpg", "apt-get install -y gnupg");
        need("pass", "apt-get install -y pass");
        need(
            "docker-credential-pass",
            "apt-get install -y golang-docker-credential-helpers",
        );
        // Short: gpg-agent's socket lives here.
        let dir = tempfile::Builder::new()
            .prefix("rvg")
            .tempdir_in("/tmp")
            .unwrap();
        let p = PassStore { dir };
        std::fs::create_dir_all(p.gnupg()).unwrap();
        std::fs::set_permissions(
            p.gnupg(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        p.run(
            "gpg",
            &[
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                "regvault-test",
                "default",
                "default",
                "never",
            ],
        );
        p.run("pass", &["init", "regvault-test"]);
        p
    }

    fn gnupg(&self) -> std::path::PathBuf {
        self.dir.path().join("g")
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GNUPGHOME", self.gnupg().display().to_string()),
            (
                "PASSWORD_STORE_DIR",
                self.dir.path().join("store").display().to_string(),
            ),
        ]
    }

    fn run(&self, bin: &str, args: &[&str]) {
        let o = Command::new(bin)
            .args(args)
            .envs(self.env())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{bin} {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

impl Drop for PassStore {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .envs(self.env())
            .status();
    }
}

#[test]
fn a_login_in_the_creds_store_is_read_through_the_helper() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let d = docker_support::shared();
    let store = PassStore::new();
    let s = Sandbox::new();
    let cfg_dir = s.path("docker");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    std::fs::write(cfg_dir.join("config.json"), r#"{"credsStore":"pass"}"#).unwrap();
    with_stdin(
        Command::new("docker")
            .env("DOCKER_HOST", &d.host)
            .env("DOCKER_CONFIG", &cfg_dir)
            .envs(store.env())
            .args(["login", "-u", USER, "--password-stdin", &host(&reg)]),
        PASS,
    );
    let config = std::fs::read_to_string(cfg_dir.join("config.json")).unwrap();
    assert!(
        !config.contains("auth\""),
        "the login went to pass: {config}"
    );
    let env = store.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let path = cfg_dir.join("config.json");
    let report = import(&s, &["docker-config", path.to_str().unwrap()], &env);
    let ids = added(&report);
    assert_eq!(ids.len(), 1, "{report}");
    assert_eq!(report["entries"][0]["from"], "helper pass");
    // Nothing plaintext in the file: no offer to replace it.
    assert!(report.get("next").is_none(), "{report}");
    passes(&s, &ids[0]);
}

/// A helper script on a private PATH dir.
fn helper(dir: &Path, name: &str, body: &str) {
    let p = dir.join(format!("docker-credential-{name}"));
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

#[test]
fn the_preview_names_existing_skipped_and_failing_entries_without_secrets() {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let s = Sandbox::new();
    let ghcr = format!("ghp_canary{}", "a".repeat(30));
    s.add(&serde_json::json!({"name": "ghcr-team", "type": "GHCR",
        "credentials": {"username": "octo", "token": ghcr}}));
    s.add(&serde_json::json!({"name": "quay", "type": "Quay",
        "credentials": {"username": "bob", "token": "old-canary"}}));
    let bin = s.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    helper(&bin, "broken", "echo 'keychain locked' >&2; exit 3");
    helper(&bin, "hang", "exec sleep 30");
    // Would answer, but a helper named regvault is never asked.
    helper(
        &bin,
        "regvault",
        "echo '{\"Username\":\"x\",\"Secret\":\"canary\"}'",
    );
    // Would mint a token; an ECR host is refused without asking it.
    let marker = s.path("ecr-login-ran");
    helper(&bin, "ecr-login", &format!("touch {}", marker.display()));
    let config = serde_json::json!({
        "auths": {
            "ghcr.io": {"auth": b64(&format!("octo:{ghcr}"))},
            "quay.io": {"username": "bob", "password": "new-canary"},
            "123456789012.dkr.ecr.eu-west-2.amazonaws.com": {"auth": b64("AWS:tok-canary")},
            "myreg.azurecr.io": {"identitytoken": "id-canary"},
            "registry.example": {"auth": "not-base64-canary!"},
            // A key that would recolour the terminal if printed raw.
            "evil\u{1b}[31m.example": {"username": "u", "password": "x-canary"},
        },
        "credHelpers": {
            "broken.example": "broken",
            "hang.example": "hang",
            "mine.example": "regvault",
            // Not a program name: never run.
            "path.example": "../../tmp/evil",
            "210987654321.dkr.ecr.us-east-1.amazonaws.com": "ecr-login",
        },
    });
    let file = s.write("config.json", &config.to_string());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = s.ok(
        &[
            "import",
            "docker-config",
            file.to_str().unwrap(),
            "--dry-run",
            "--helper-timeout",
            "1",
        ],
        &[("PATH", &path)],
    );
    no_secret(&o);
    let line = |server: &str| {
        o.stdout
            .lines()
            .find(|l| l.contains(server))
            .unwrap_or_else(|| panic!("no line for {server}:\n{}", o.stdout))
            .to_owned()
    };
    assert!(line("ghcr.io").starts_with("exists"), "{}", o.stdout);
    assert!(line("ghcr.io").contains("ghcr-team"));
    assert!(line("quay.io").starts_with("differs"), "{}", o.stdout);
    assert!(line("quay.io").contains("registry update"));
    assert!(line("dkr.ecr").contains("ECR needs keys, not a 12-hour token"));
    assert!(line("azurecr").contains("identity token"));
    assert!(line("registry.example").contains("not base64"));
    assert!(line("broken.example").contains("keychain locked"));
    assert!(line("hang.example").contains("did not answer"));
    assert!(!o.stdout.contains("mine.example"), "{}", o.stdout);
    assert!(line("path.example").contains("not a program name"));
    assert!(line("210987654321.dkr.ecr").contains("ECR needs keys"));
    assert!(!marker.exists(), "the ECR helper was run");
    assert!(!o.stdout.contains('\u{1b}'), "{}", o.stdout);
    assert!(o.stdout.contains("evil\\x1b[31m.example"), "{}", o.stdout);
    assert!(o.stdout.contains("0 would be added"), "{}", o.stdout);
    // The dry run added nothing.
    let list = s.ok(&["registry", "list", "--json"], &[]);
    let n = serde_json::from_str::<Value>(&list.stdout).unwrap();
    assert_eq!(n.as_array().unwrap().len(), 2);
}

#[test]
fn two_logins_for_one_host_are_both_offered_under_distinct_names() {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let s = Sandbox::new();
    let auth = serde_json::json!({"auths": {
        "ghcr.io/acme/app": {"auth": b64(&format!("a:ghp_{}", "a".repeat(36)))},
        "ghcr.io/other": {"auth": b64(&format!("b:ghp_{}", "b".repeat(36)))},
    }});
    let file = s.write("auth.json", &auth.to_string());
    let report = import(&s, &["containers-auth", file.to_str().unwrap()], &[]);
    let names: Vec<&str> = report["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ghcr.io", "ghcr.io-2"], "{report}");
    // A hostile file: too large is refused in one line, nothing echoed.
    let big = s.write(
        "big.json",
        &format!("{{\"auths\":\"{}canary\"}}", "x".repeat(1 << 20)),
    );
    let o = s.run(&["import", "containers-auth", big.to_str().unwrap()], &[]);
    assert_ne!(o.code, 0);
    no_secret(&o);
    assert!(o.stderr.contains("too large"), "{}", o.stderr);
}

#[test]
fn the_tui_imports_the_checked_entries_of_a_config_json() {
    let p = pty::Pty::new();
    p.start();
    p.see("No registries yet");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/config.json");
    p.keys_press(&[":"]);
    p.type_text(&format!("import docker-config {}", fixture.display()));
    p.keys_press(&["Enter"]);
    let screen = p.see("Enter import 4");
    assert!(!screen.contains("FIXTURE"), "a secret on screen:\n{screen}");
    // Uncheck the first entry to add (127.0.0.1:5000), import the rest.
    p.keys_press(&["Space"]);
    p.see("Enter import 3");
    p.keys_press(&["Enter"]);
    p.see("imported 3 registries");
    p.keys_press(&["q"]);
    let exited = p.wait_exit();
    assert_eq!(exited.exit, "0", "{}", exited.stderr);
    let disk = p.disk();
    let names: Vec<&str> = disk.registries.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["ghcr.io", "ghcr.io-2", "docker.io"]);
    assert!(disk.registries[0].created_by.starts_with(pty::USER));
    // Logged as the CLI logs an import: one `import` entry per registry,
    // with the file it came from.
    let log = p.cli(&["log", "--json"]);
    let entries: Vec<Value> = serde_json::from_slice(&log.stdout).expect("log --json");
    let imports: Vec<&Value> = entries.iter().filter(|e| e["action"] == "import").collect();
    assert_eq!(imports.len(), 3, "{entries:?}");
    assert!(
        imports.iter().all(|e| e["where"]
            .as_str()
            .is_some_and(|w| w.ends_with("config.json"))),
        "{imports:?}"
    );
}
