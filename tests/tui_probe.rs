//! Issue #13's Test Connection and Custom registries against real servers
//! on 127.0.0.1: the TUI loop (`run_app` on a `TestBackend`, a real vault
//! on disk, the live tester) testing a container's image with `t` against
//! the CNCF distribution registry with htpasswd — the pull step passes for
//! a pushed image and fails naming a missing repository — and a Custom
//! registry typed as `127.0.0.1:PORT` (taken as https) behind a private CA,
//! from the TUI and from the CLI — and the demo (offline check, demo
//! cluster), whose check is labelled and never recorded on disk.

mod support;

#[path = "support/tui.rs"]
mod tui_support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use regvault::model::{Connection, ContainerSpec, NewRegistry, VaultData};
use regvault::registry::{Credentials, RegistryKind};
use regvault::tui::runtime;
use regvault::tui::state::Context;
use regvault::vault::{KeySource, Vault};
use serde_json::json;
use support::{Auth, Registry, Sandbox};
use tui_support::{Driver, Tui, ctx, vault_with};

const USER: &str = "ci-puller";
const PASS: &str = "correct-horse-Battery-9";
/// Who the TUI says is at the keyboard (`ctx` sets it).
const ME: &str = tui_support::USER;

fn custom(url: &str) -> Credentials {
    [("url", url), ("username", USER), ("password", PASS)]
        .into_iter()
        .collect()
}

/// The loop at 120×40 on the wall clock with the live Test Connection.
fn start(path: &Path, keys: &[KeySource], dir: &Path) -> Driver {
    start_with(path, keys, dir, false)
}

/// `demo`: as `regvault demo` runs it — the offline check, the demo cluster.
fn start_with(path: &Path, keys: &[KeySource], dir: &Path, demo: bool) -> Driver {
    let ctx = Context {
        vault_path: path.display().to_string(),
        demo,
        ..ctx(dir)
    };
    let tui = Tui::open(path, keys, ctx)
        .size(120, 40)
        .real_clock()
        .patience(Duration::from_secs(20));
    if demo {
        tui.tester(runtime::offline())
            .applier(Arc::new(regvault::tui::demo_cluster::DemoCluster))
    } else {
        tui.tester(runtime::live())
    }
    .start()
}

fn row<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}:\n{screen}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t_on_a_container_checks_its_image_pull_against_a_real_registry() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    support::push_image(
        &reg.url(),
        "acme/web",
        "1.0",
        Some(&support::basic(USER, PASS)),
    )
    .await;
    let now = jiff::Timestamp::now();
    let mut data = VaultData::default();
    let (id, _) = data
        .add_registry_with(
            NewRegistry {
                name: "lab".into(),
                kind: RegistryKind::Custom,
                credentials: custom(&reg.url()),
            },
            Connection::default(),
            ME,
            now,
        )
        .expect("registry");
    for (name, image) in [("ghost", "acme/nothing"), ("web", "acme/web")] {
        data.add_container(
            ContainerSpec {
                name: name.into(),
                environment: "production".into(),
                registry_id: Some(id.clone()),
                image_name: image.into(),
                image_tag: "1.0".into(),
            },
            ME,
            now,
        )
        .expect("container");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), data);
    let mut d = start(&path, &keys, dir.path());
    d.see_idle("Container Registries").await;
    d.press(KeyCode::Char('2'));
    d.see_idle("ghost").await;

    // The first row (ghost): its repository does not exist.
    d.press(KeyCode::Char('t'));
    let screen = d.see_idle("✗ not-found").await;
    assert!(
        row(&screen, "✗ pull permission").contains("acme/nothing"),
        "{screen}"
    );
    assert!(
        row(&screen, "✓ credentials accepted").contains(USER),
        "{screen}"
    );
    d.press(KeyCode::Esc);
    d.press(KeyCode::Down);

    // web: pushed, so the credentials may pull it.
    d.press(KeyCode::Char('t'));
    let screen = d.see_idle("✓ ok in").await;
    assert!(
        row(&screen, "✓ pull permission").contains("acme/web:1.0"),
        "{screen}"
    );
    d.press(KeyCode::Esc);
    d.quit().await;
    // Test-and-record, as `regvault registry test --image`.
    let saved = Vault::open(&path, &keys).expect("reopen");
    let last = saved.data().registries[0]
        .last_test
        .clone()
        .expect("recorded");
    assert!(last.passed(), "{last:?}");
    assert!(last.summary.contains("acme/web"), "{}", last.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_url_without_scheme_is_https_and_a_private_ca_makes_it_pass_in_the_tui() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = support::make_certs(certs_dir.path());
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), Some(&certs));
    let bare = format!("127.0.0.1:{}", reg.port);
    let mut data = VaultData::default();
    data.add_registry_with(
        NewRegistry {
            name: "internal".into(),
            kind: RegistryKind::Custom,
            credentials: custom(&bare),
        },
        Connection {
            ca_bundle: Some(certs.ca_pem.clone()),
            insecure: false,
        },
        ME,
        jiff::Timestamp::now(),
    )
    .expect("a bare host:port is a valid url");
    assert_eq!(
        data.registries[0].credentials.get("url"),
        Some(format!("https://{bare}").as_str()),
        "stored as https"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), data);
    let mut d = start(&path, &keys, dir.path());
    d.see_idle("internal").await;
    d.press(KeyCode::Char('t'));
    let screen = d.see_idle("✓ ok in").await;
    assert!(
        row(&screen, "✓ TLS verified").contains("CA bundle"),
        "{screen}"
    );
    d.press(KeyCode::Esc);
    d.quit().await;
}

#[tokio::test]
async fn the_cli_takes_a_bare_host_port_as_https_and_tests_it_with_the_ca_file() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = support::make_certs(certs_dir.path());
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), Some(&certs));
    let bare = format!("127.0.0.1:{}", reg.port);
    let s = Sandbox::new();
    let id = s.add(&json!({"name": "internal", "type": "Custom",
        "credentials": {"url": bare, "username": USER, "password": PASS}}));
    let show: serde_json::Value =
        serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout).unwrap();
    assert_eq!(
        show["credentials"]["url"],
        json!(format!("https://{bare}")),
        "{show}"
    );
    s.ok(
        &[
            "registry",
            "update",
            &id,
            "--ca-file",
            certs.ca.to_str().unwrap(),
        ],
        &[],
    );
    let o = s.ok(&["registry", "test", &id], &[]);
    assert!(o.stdout.contains("[ok]   TLS verified"), "{}", o.stdout);
}

/// Attack: a bare `host:port` must never be taken as plain http — the
/// password would cross the wire in the clear. Against a plain-http
/// registry the check asks for TLS, fails there, and sends no credentials.
#[tokio::test]
async fn a_bare_host_port_is_never_plain_http_so_no_password_goes_in_clear() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let bare = format!("127.0.0.1:{}", reg.port);
    regvault::probe::install_crypto_provider();
    let r = regvault::probe::probe(
        RegistryKind::Custom,
        &custom(&bare),
        &regvault::probe::ProbeOptions::default(),
        std::future::pending(),
    )
    .await;
    assert_eq!(r.outcome, regvault::probe::Outcome::TlsUntrusted, "{r:#?}");
    assert_eq!(
        r.endpoint.as_deref(),
        Some(format!("https://{bare}").as_str())
    );
    assert!(
        r.step(regvault::probe::StepKind::CredentialsAccepted)
            .is_none(),
        "credentials were offered: {r:#?}"
    );
    // The face-neutral remedy: an http:// url (loopback here) or insecure.
    assert_eq!(r.advice, Some(regvault::probe::Advice::UsePlainHttp));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_offline_check_is_labelled_and_never_recorded_on_disk() {
    let now = jiff::Timestamp::now();
    let mut data = VaultData::default();
    data.add_registry_with(
        NewRegistry {
            name: "lab".into(),
            kind: RegistryKind::Custom,
            credentials: custom("https://registry.example.com"),
        },
        Connection::default(),
        ME,
        now,
    )
    .expect("registry");
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), data);
    let mut d = start_with(&path, &keys, dir.path(), true);
    let screen = d.see_idle("Container Registries").await;
    assert!(row(&screen, "regvault").contains("DEMO"), "{screen}");
    d.press(KeyCode::Char('t'));
    let screen = d.see_idle("structure ok").await;
    assert!(screen.contains("Offline check (demo)"), "{screen}");
    d.press(KeyCode::Esc);
    d.quit().await;
    let saved = Vault::open(&path, &keys).expect("reopen");
    assert_eq!(
        saved.data().registries[0].last_test,
        None,
        "the demo's offline check was recorded"
    );
}
