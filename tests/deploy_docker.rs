//! Docker Engine, Swarm and Compose against real components on 127.0.0.1:
//! dockerd 20.10 started by this binary (tests/support/docker.rs: vfs, no
//! bridge, no iptables, its own socket and dirs), CNCF distribution with
//! htpasswd (tests/support/mod.rs) holding a runnable busybox image, Swarm
//! on loopback, and the Compose v2 plugin. Services attach to no network
//! and publish no port.

#[path = "support/docker.rs"]
mod docker_support;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use bollard::query_parameters::ListTasksOptions;
use regvault::deploy::docker::{self, EngineError, LoginCheck};
use regvault::registry::{self, Credentials, DockerLogin, RegistryKind};
use serde_json::{Value, json};
use support::{Auth, Registry, Sandbox, basic};

const USER: &str = "ci-puller";
const PASS: &str = "correct-horse-Battery-9";
/// Differs from PASS in its first bytes (bcrypt reads 72).
/// The user and password after a rotation.
const USER2: &str = "ci-puller-2";
const PASS2: &str = "Rotated-staple-Battery-77";
const WRONG: &str = "Xwrong-horse-Battery-9";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A registry with one user and the busybox image at `repo:1.0`.
fn registry_with_image(rt: &tokio::runtime::Runtime, repo: &str) -> Registry {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    rt.block_on(docker_support::push_busybox(
        &reg.url(),
        repo,
        "1.0",
        Some(&basic(USER, PASS)),
    ));
    reg
}

/// What regvault hands docker for a Custom registry.
fn login(reg: &Registry, pass: &str) -> DockerLogin {
    let creds: Credentials = [
        ("url", reg.url().as_str()),
        ("username", USER),
        ("password", pass),
    ]
    .into_iter()
    .collect();
    registry::docker_login(RegistryKind::Custom, &creds, "local")
        .unwrap()
        .unwrap()
}

/// A vault with the registry and one container `web` (production) using it.
fn sandbox(reg: &Registry, repo: &str) -> (Sandbox, String) {
    let s = Sandbox::new();
    let id = s.add(&json!({"name": "local", "type": "Custom",
        "credentials": {"url": reg.url(), "username": USER, "password": PASS}}));
    s.add_container("web", "production", repo, &id);
    (s, id)
}

fn no_secret(text: &str) {
    assert!(!text.contains(PASS), "the password leaked: {text}");
    assert!(!text.contains(WRONG), "the password leaked: {text}");
    assert!(!text.contains(PASS2), "the password leaked: {text}");
}

#[test]
fn engine_pulls_with_regvault_credentials_and_not_without() {
    let d = docker_support::shared();
    let rt = rt();
    let reg = registry_with_image(&rt, "acme/pull");
    let image = format!("127.0.0.1:{}/acme/pull:1.0", reg.port);
    rt.block_on(async {
        let engine = docker::connect(Some(&d.host)).await.unwrap();
        // Without credentials: a clear refusal, quickly — not a hang.
        let started = Instant::now();
        let anon = tokio::time::timeout(Duration::from_mins(1), engine.pull(&image, None))
            .await
            .expect("the pull without credentials hung");
        assert!(
            matches!(anon, Err(EngineError::BadCredentials { .. })),
            "{anon:?}"
        );
        let wrong = engine.pull(&image, Some(&login(&reg, WRONG))).await;
        let Err(e @ EngineError::BadCredentials { .. }) = wrong else {
            panic!("wrong password: {wrong:?}");
        };
        no_secret(&format!("{e} {e:?}"));
        assert!(started.elapsed() < Duration::from_mins(1));
        assert!(
            engine.docker.inspect_image(&image).await.is_err(),
            "refused pulls left no image"
        );

        engine.pull(&image, Some(&login(&reg, PASS))).await.unwrap();
        let inspected = engine.docker.inspect_image(&image).await.unwrap();
        assert!(
            inspected
                .repo_tags
                .unwrap_or_default()
                .iter()
                .any(|t| t == &image)
        );
    });
}

#[test]
fn auth_check_on_the_node_ok_and_bad_credentials() {
    let d = docker_support::shared();
    let rt = rt();
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    rt.block_on(async {
        let engine = docker::connect(Some(&d.host)).await.unwrap();
        assert_eq!(
            engine.check_login(&login(&reg, PASS)).await.unwrap(),
            LoginCheck::Ok
        );
        let bad = engine.check_login(&login(&reg, WRONG)).await.unwrap();
        let LoginCheck::BadCredentials { detail } = &bad else {
            panic!("{bad:?}");
        };
        no_secret(detail);
    });
    // The CLI twin: exit 0 / 1 with the outcome in JSON.
    let (s, id) = sandbox(&reg, "acme/auth");
    let o = s.ok(&["swarm", "check", &id, "--host", &d.host, "--json"], &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["login"]["outcome"], "ok", "{v}");
    let pw = s.write("pw", WRONG);
    s.ok(
        &[
            "registry",
            "update",
            &id,
            "--field-file",
            &format!("password={}", pw.display()),
        ],
        &[],
    );
    let o = s.run(&["swarm", "check", &id, "--host", &d.host, "--json"], &[]);
    // Exit class 3: credentials refused.
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["login"]["outcome"], "badCredentials", "{v}");
    no_secret(&format!("{}{}", o.stdout, o.stderr));
    // Apply checks first: a refused login creates no service.
    let o = s.run(&["swarm", "apply", &id, "--host", &d.host], &[]);
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("refused the credentials"), "{}", o.stderr);
    no_secret(&format!("{}{}", o.stdout, o.stderr));
}

fn tasks(
    rt: &tokio::runtime::Runtime,
    d: &docker_support::Dockerd,
    service: &str,
) -> Vec<bollard::models::Task> {
    rt.block_on(async {
        let engine = docker::connect(Some(&d.host)).await.unwrap();
        let opts = ListTasksOptions {
            filters: Some([("service".to_owned(), vec![service.to_owned()])].into()),
        };
        engine.docker.list_tasks(Some(opts)).await.unwrap()
    })
}

fn task_state(t: &bollard::models::Task) -> (String, String) {
    let st = t.status.clone().unwrap_or_default();
    (
        st.state.map(|s| s.to_string()).unwrap_or_default(),
        format!(
            "{} {}",
            st.message.unwrap_or_default(),
            st.err.unwrap_or_default()
        ),
    )
}

#[test]
fn swarm_service_with_registry_auth_gets_its_image_and_sync_keeps_it_running() {
    let d = docker_support::shared();
    let rt = rt();
    let reg = registry_with_image(&rt, "acme/svc");
    let image = format!("127.0.0.1:{}/acme/svc:1.0", reg.port);
    let (s, id) = sandbox(&reg, "acme/svc");
    let _swarm = docker_support::Swarm::init(&d);

    let o = s.ok(&["swarm", "apply", &id, "--host", &d.host, "--json"], &[]);
    no_secret(&format!("{}{}", o.stdout, o.stderr));
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let svc = &v["services"][0];
    assert_eq!(svc["result"], "created", "{v}");
    assert_eq!(svc["image"], image.as_str());
    let name = svc["service"].as_str().unwrap().to_owned();
    assert_eq!(name, "web-production");

    // The service's labels and image, as the engine reports them.
    let inspected = d.docker_ok(&["service", "inspect", &name]);
    let sv: Value = serde_json::from_str(&inspected).unwrap();
    let spec = &sv[0]["Spec"];
    assert_eq!(spec["Labels"]["io.regvault.managed-by"], "regvault");
    assert_eq!(spec["Labels"]["io.regvault.registry-id"], id.as_str());
    assert!(
        spec["EndpointSpec"]["Ports"].is_null(),
        "no published port: {spec}"
    );

    // The task pulls the image with the service's registry auth and runs.
    let started = Instant::now();
    let running_task = loop {
        let ts = tasks(&rt, &d, &name);
        for t in &ts {
            let (_, msg) = task_state(t);
            assert!(
                !msg.contains("No such image") && !msg.contains("no basic auth"),
                "task could not get its image: {msg}"
            );
        }
        if let Some(t) = ts.iter().find(|t| task_state(t).0 == "running") {
            break t.id.clone().unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "no running task: {:?}\n{}",
            ts.iter().map(task_state).collect::<Vec<_>>(),
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    d.docker_ok(&["image", "inspect", &image]);
    // Its container is on no network (nothing but loopback inside).
    let ctr = d.docker_ok(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.swarm.service.name={name}"),
    ]);
    let links = d.docker_ok(&["exec", ctr.trim(), "/bin/busybox", "ip", "-o", "link"]);
    let names: Vec<&str> = links
        .lines()
        .filter_map(|l| l.split(':').nth(1))
        .map(|n| n.trim().split('@').next().unwrap_or(""))
        .collect();
    assert_eq!(names, ["lo"], "the task container has a network: {links}");

    // A second apply updates the service in place.
    let o = s.ok(&["swarm", "apply", &id, "--host", &d.host, "--json"], &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["services"][0]["result"], "updated", "{v}");

    let running = |ts: &[bollard::models::Task]| -> Vec<String> {
        ts.iter()
            .filter(|t| task_state(t).0 == "running")
            .filter_map(|t| t.id.clone())
            .collect()
    };
    // Sync re-sends the login without restarting the task.
    let o = s.ok(&["swarm", "sync", &id, "--host", &d.host, "--json"], &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["services"][0]["service"], name.as_str(), "{v}");
    assert_eq!(v["services"][0]["action"], "updated", "{v}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        running(&tasks(&rt, &d, &name)),
        vec![running_task.clone()],
        "sync restarted the task"
    );

    // Rotation: the registry now knows only a new user (distribution
    // re-reads its htpasswd file when it changes), and so does the vault.
    let line = std::process::Command::new("sh")
        .args(["-c", "printf %s \"$P\" | htpasswd -niB \"$U\""])
        .env("U", USER2)
        .env("P", PASS2)
        .output()
        .unwrap();
    assert!(line.status.success());
    std::fs::write(reg.dir.path().join("htpasswd"), &line.stdout).unwrap();
    let pw = s.write("pw2", PASS2);
    s.ok(
        &[
            "registry",
            "update",
            &id,
            "--set",
            &format!("username={USER2}"),
            "--field-file",
            &format!("password={}", pw.display()),
        ],
        &[],
    );
    // Until synced, the service keeps the old login (moby #24940): with
    // the image gone from the node, a redeploy cannot get it.
    d.docker_ok(&["image", "rm", "-f", &image]);
    d.docker_ok(&["service", "update", "--detach", "--force", &name]);
    let started = Instant::now();
    loop {
        let ts = tasks(&rt, &d, &name);
        if ts.iter().any(|t| {
            let (state, msg) = task_state(t);
            (state == "rejected" || state == "failed") && msg.contains("No such image")
        }) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the stale login still pulled: {:?}",
            ts.iter().map(task_state).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // Sync hands the service the new login; its next task pulls and runs.
    let o = s.ok(&["swarm", "sync", &id, "--host", &d.host, "--json"], &[]);
    no_secret(&format!("{}{}", o.stdout, o.stderr));
    let started = Instant::now();
    while !running(&tasks(&rt, &d, &name))
        .iter()
        .any(|t| *t != running_task)
    {
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "no task ran with the synced login: {:?}",
            tasks(&rt, &d, &name)
                .iter()
                .map(task_state)
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    d.docker_ok(&["image", "inspect", &image]);

    // A service of that name regvault does not manage is left alone.
    let _ = d.docker_ok(&["service", "rm", &name]);
    d.docker_ok(&["service", "create", "--detach", "--name", &name, &image]);
    let o = s.run(&["swarm", "apply", &id, "--host", &d.host], &[]);
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("not managed by regvault"), "{}", o.stdout);
    let _ = d.docker(&["service", "rm", &name], &[]);
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn compose_pull_succeeds_with_the_docker_config_regvault_wrote() {
    let d = docker_support::shared();
    let rt = rt();
    let reg = registry_with_image(&rt, "acme/compose");
    let image = format!("127.0.0.1:{}/acme/compose:1.0", reg.port);
    let (s, _id) = sandbox(&reg, "acme/compose");
    let project = s.path("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("compose.yaml"),
        format!(
            "services:\n  web:\n    image: {image}\n    network_mode: none\n  cache:\n    image: docker.io/library/redis:7\n    network_mode: none\n"
        ),
    )
    .unwrap();
    let config_dir = s.path("docker-config");
    std::fs::create_dir_all(config_dir.join("cli-plugins")).unwrap();
    std::fs::copy(
        docker_support::compose_plugin(),
        config_dir.join("cli-plugins/docker-compose"),
    )
    .unwrap();
    let other = json!({"auths": {"registry.example.com": {"auth": "b3RoZXI6c2VjcmV0LTEyMw=="}},
        "psFormat": "table {{.ID}}"});
    std::fs::write(config_dir.join("config.json"), other.to_string()).unwrap();

    let compose_pull = || {
        d.docker(
            &[
                "compose",
                "--project-directory",
                project.to_str().unwrap(),
                "pull",
                "web",
            ],
            &[("DOCKER_CONFIG", &config_dir)],
        )
    };
    // Before regvault writes the login: compose cannot pull.
    let before = compose_pull();
    assert!(
        !before.status.success(),
        "pulled without credentials: {}",
        String::from_utf8_lossy(&before.stderr)
    );

    let cfg = config_dir.to_str().unwrap();
    let o = s.ok(
        &[
            "compose",
            "login",
            "--project-dir",
            project.to_str().unwrap(),
            "--json",
        ],
        &[("DOCKER_CONFIG", cfg)],
    );
    no_secret(&format!("{}{}", o.stdout, o.stderr));
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["loggedIn"][0]["registry"], "local", "{v}");
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("redis")),
        "the public image is reported: {v}"
    );
    let path = config_dir.join("config.json");
    assert_eq!(mode(&path), 0o600);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        written["auths"]["registry.example.com"],
        other["auths"]["registry.example.com"]
    );
    assert_eq!(written["psFormat"], other["psFormat"]);
    let host = format!("127.0.0.1:{}", reg.port);
    assert!(
        written["auths"][host.as_str()]["auth"].is_string(),
        "{written}"
    );

    let after = compose_pull();
    assert!(
        after.status.success(),
        "docker compose pull failed: {}{}",
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&after.stderr)
    );
    d.docker_ok(&["image", "inspect", &image]);
    d.docker_ok(&["image", "rm", &image]);

    // `--pull`: regvault pulls the project's (matched) images itself.
    let o = s.ok(
        &[
            "compose",
            "login",
            "--project-dir",
            project.to_str().unwrap(),
            "--pull",
            "--host",
            &d.host,
            "--json",
        ],
        &[("DOCKER_CONFIG", cfg)],
    );
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["pulled"], json!([image]), "{v}");
    d.docker_ok(&["image", "inspect", &image]);
}

/// The vault of a CLI sandbox, for calling `regvault::ops` in process.
fn store_of(s: &Sandbox) -> regvault::ops::FileStore {
    regvault::ops::FileStore::new(
        s.path("data/regvault/vault.age"),
        vec![regvault::vault::KeySource::IdentityFile(
            s.path("config/regvault/identity.txt"),
        )],
    )
    .with_signing_key(s.path("config/regvault/signing-key.txt"))
}

#[test]
fn cancelling_a_swarm_apply_stops_before_the_next_service() {
    use regvault::ops::Cancel;
    use regvault::ops::swarm::{ServiceResult, ServiceState, SwarmRequest};

    let d = docker_support::shared();
    let rt = rt();
    let reg = registry_with_image(&rt, "acme/svc");
    let (s, id) = sandbox(&reg, "acme/svc");
    for env in ["qa", "stage", "uat"] {
        s.add_container("web", env, "acme/svc", &id);
    }
    let _swarm = docker_support::Swarm::init(&d);
    let req = SwarmRequest {
        registry: id,
        environments: Vec::new(),
        host: Some(d.host.clone()),
        networks: Vec::new(),
    };
    // The user cancels as soon as the first service has reported (as Esc
    // in the TUI or Ctrl-C in the CLI fire the job's token).
    let cancel = Cancel::new();
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |r: &ServiceResult| {
        seen.lock().unwrap().push(r.plan.service.clone());
        cancel.cancel();
    };
    let report = rt
        .block_on(regvault::ops::swarm::apply(
            &store_of(&s),
            &req,
            &progress,
            &cancel,
        ))
        .expect("apply ran");
    assert!(report.cancelled);
    assert_eq!(report.services.len(), 4, "every service is reported");
    let done: Vec<&str> = report
        .services
        .iter()
        .filter(|r| matches!(r.state, ServiceState::Done(_)))
        .map(|r| r.plan.service.as_str())
        .collect();
    let left = report
        .services
        .iter()
        .filter(|r| r.state == ServiceState::Cancelled)
        .count();
    assert_eq!((done.len(), left), (1, 3), "{:?}", report.services);
    assert_eq!(seen.lock().unwrap().len(), 4);
    // The engine has exactly the one service that was reported done.
    let ls = d.docker_ok(&["service", "ls", "--format", "{{.Name}}"]);
    let mut names: Vec<&str> = ls.lines().filter(|l| !l.is_empty()).collect();
    names.sort_unstable();
    assert_eq!(names, done, "services on the engine after the cancel");
}

#[test]
fn a_swarm_service_whose_image_names_another_host_is_refused_and_named() {
    use regvault::deploy::swarm::SwarmError;
    use regvault::ops::Cancel;
    use regvault::ops::swarm::{ServiceState, SwarmRequest};

    let d = docker_support::shared();
    let rt = rt();
    let reg = registry_with_image(&rt, "acme/own");
    let (s, id) = sandbox(&reg, "acme/own");
    // Another registry on loopback: with --with-registry-auth the engine
    // would present this registry's password to it.
    let other = Registry::start(Auth::None, None);
    let other_host = other.url().trim_start_matches("http://").to_owned();
    s.add_container(
        "elsewhere",
        "production",
        &format!("{other_host}/acme/own"),
        &id,
    );
    let _swarm = docker_support::Swarm::init(&d);
    let req = SwarmRequest {
        registry: id,
        environments: Vec::new(),
        host: Some(d.host.clone()),
        networks: Vec::new(),
    };
    let report = rt
        .block_on(regvault::ops::swarm::apply(
            &store_of(&s),
            &req,
            &|_| {},
            &Cancel::new(),
        ))
        .expect("apply ran");
    let elsewhere = report
        .services
        .iter()
        .find(|r| r.plan.service == "elsewhere-production")
        .expect("the service is reported");
    let ServiceState::Failed(e @ SwarmError::HostMismatch { .. }) = &elsewhere.state else {
        panic!("not refused: {:?}", elsewhere.state);
    };
    let text = e.to_string();
    assert!(text.contains("'elsewhere-production'"), "{text}");
    assert!(text.contains(&other_host), "{text}");
    no_secret(&text);
    // The own service went ahead; the other one was never created.
    let ls = d.docker_ok(&["service", "ls", "--format", "{{.Name}}"]);
    assert!(ls.contains("web-production"), "{ls}");
    assert!(!ls.contains("elsewhere-production"), "{ls}");
}

/// A client certificate signed by the test CA (`extendedKeyUsage=clientAuth`),
/// laid out as the docker CLI reads `DOCKER_CERT_PATH`: ca.pem, cert.pem,
/// key.pem.
fn client_cert_dir(certs_dir: &Path, certs: &support::Certs) -> std::path::PathBuf {
    let p = |n: &str| certs_dir.join(n);
    let run = |c: &mut std::process::Command| {
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "{c:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(std::process::Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=regvault client",
        ])
        .arg("-keyout")
        .arg(p("client.key"))
        .arg("-out")
        .arg(p("client.csr")));
    std::fs::write(p("client.cnf"), "extendedKeyUsage=clientAuth\n").unwrap();
    run(std::process::Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
        .arg("-in")
        .arg(p("client.csr"))
        .arg("-CA")
        .arg(&certs.ca)
        .arg("-CAkey")
        .arg(p("ca.key"))
        .arg("-extfile")
        .arg(p("client.cnf"))
        .arg("-out")
        .arg(p("client.crt")));
    let dir = p("docker-cli");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&certs.ca, dir.join("ca.pem")).unwrap();
    std::fs::copy(p("client.crt"), dir.join("cert.pem")).unwrap();
    std::fs::copy(p("client.key"), dir.join("key.pem")).unwrap();
    dir
}

/// Item 11 of issue 9: an engine on tcp with TLS, reached the way the
/// docker CLI reaches it (`DOCKER_TLS_VERIFY=1`, `DOCKER_CERT_PATH` with
/// ca.pem/cert.pem/key.pem). A dockerd of its own listens with
/// `--tlsverify` on a loopback port.
#[test]
fn swarm_check_reaches_a_tls_engine_with_docker_tls_verify_and_cert_path() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = support::make_certs(certs_dir.path());
    let client = client_cert_dir(certs_dir.path(), &certs);
    let port = support::free_port();
    let tcp = format!("tcp://127.0.0.1:{port}");
    let (ca, cert, key) = (
        certs.ca.to_str().unwrap(),
        certs.cert.to_str().unwrap(),
        certs.key.to_str().unwrap(),
    );
    let _d = docker_support::Dockerd::start_with(&[
        "--host",
        &tcp,
        "--tlsverify",
        "--tlscacert",
        ca,
        "--tlscert",
        cert,
        "--tlskey",
        key,
    ]);
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let (s, id) = sandbox(&reg, "acme/tls");
    let client_dir = client.to_str().unwrap();
    let tls = [
        ("DOCKER_HOST", tcp.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", client_dir),
    ];
    let o = s.ok(&["swarm", "check", &id, "--json"], &tls);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["login"]["outcome"], "ok", "{v}");
    no_secret(&format!("{}{}", o.stdout, o.stderr));

    // Plain tcp to the TLS port: loopback, so tried — and the engine
    // does not speak plain http there.
    let o = s.run(&["swarm", "check", &id], &[("DOCKER_HOST", tcp.as_str())]);
    assert_ne!(o.code, 0, "{}", o.stdout);
    no_secret(&format!("{}{}", o.stdout, o.stderr));

    // Another CA: the engine's certificate is not trusted.
    let other = tempfile::tempdir().unwrap();
    let other_certs = support::make_certs(other.path());
    std::fs::copy(&other_certs.ca, client.join("ca.pem")).unwrap();
    let o = s.run(&["swarm", "check", &id], &tls);
    assert_ne!(o.code, 0, "{}", o.stdout);
    assert!(
        o.stderr.contains("cannot reach the Docker engine"),
        "{}",
        o.stderr
    );
    no_secret(&format!("{}{}", o.stdout, o.stderr));

    // Certificates missing: said before connecting.
    let empty = tempfile::tempdir().unwrap();
    let o = s.run(
        &["swarm", "check", &id],
        &[
            ("DOCKER_HOST", tcp.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", empty.path().to_str().unwrap()),
        ],
    );
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("ca.pem is missing"), "{}", o.stderr);
}
