//! One operation through both faces — the CLI, and the TUI as a user drives
//! it (the real binary in a pseudo-terminal) — against the real components
//! (moto as the ECR API, the distribution registry, a kube-apiserver), then
//! the vaults and the cluster compared. Both faces call `regvault::ops`;
//! these tests keep them doing the same thing the same way.

#[path = "support/kube.rs"]
mod kube_support;
#[path = "support/pty.rs"]
mod pty;
mod support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use pty::Pty;
use regvault::model::VaultData;
use serde_json::{Value, json};
use support::{Auth, Moto, Registry, Sandbox};

fn tag() -> &'static str {
    support::run_tag()
}

fn container_args<'a>(name: &'a str, env: &'a str, id: &'a str) -> [&'a str; 12] {
    [
        "container",
        "add",
        "--name",
        name,
        "--environment",
        env,
        "--image",
        "app",
        "--tag",
        "2",
        "--registry",
        id,
    ]
}

/// The auths of a Secret's `.dockerconfigjson`.
fn auths(secret: &Value) -> Value {
    let raw = STANDARD
        .decode(secret["data"][".dockerconfigjson"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&raw).unwrap()["auths"].clone()
}

/// What the two faces must agree on about one registry after test + apply:
/// its recorded test, its ECR token (account, endpoint) and the pull
/// secret in the cluster (type, managed-by, auths, expiry = the vault's).
fn compare_ecr(data: &VaultData, name: &str, secret: &Value) -> Value {
    let r = data.registry(name).expect("registry in the vault");
    let test = r.last_test.as_ref().expect("the test was recorded");
    let token = r.ecr_token.as_ref().expect("the ECR token was kept");
    let a = auths(secret);
    let (host, entry) = a.as_object().unwrap().iter().next().unwrap();
    assert_eq!(entry["username"], "AWS");
    assert_eq!(
        entry["password"].as_str(),
        Some(token.token.expose()),
        "the secret holds the vault's token"
    );
    assert_eq!(
        secret["metadata"]["annotations"]["regvault.io/expires-at"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok()),
        Some(token.expires_at)
    );
    json!({
        "test": test.outcome,
        "account": token.account_id,
        "endpoint": token.proxy_endpoint,
        "type": secret["type"],
        "managedBy": secret["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "host": host,
        "password": entry["password"],
    })
}

#[test]
fn ecr_test_apply_and_prune_are_the_same_through_the_tui_and_the_cli() {
    let kube = kube_support::cluster();
    let moto = Moto::start(false);
    let reg = Registry::start(Auth::None, None);
    let t = tag();
    let env_name = format!("ft{t}");
    let ns = format!("env-{env_name}");
    let kubeconfig = kube.kubeconfig.display().to_string();
    let (aws, ecr) = (moto.url(), reg.url());
    let env = [
        ("KUBECONFIG", kubeconfig.as_str()),
        ("REGVAULT_AWS_ENDPOINT", aws.as_str()),
        ("REGVAULT_ENDPOINT_ECR", ecr.as_str()),
    ];

    // The CLI face.
    let cli_name = format!("ft-cli-{t}");
    let s = Sandbox::new();
    let cli_id = s.add(&support::ecr_doc(&cli_name));
    s.ok(
        &container_args(&format!("{cli_name}-app"), &env_name, &cli_id),
        &[],
    );
    s.ok(&["registry", "test", &cli_id], &env);

    // The TUI face: the same registry, tested with `t` in the list.
    let tui_name = format!("ft-tui-{t}");
    let mut p = Pty::new();
    p.wait = Duration::from_secs(30);
    let tui_id = p.add_registry(&support::ecr_doc(&tui_name));
    let c = p.cli(&container_args(
        &format!("{tui_name}-app"),
        &env_name,
        &tui_id,
    ));
    assert!(c.status.success(), "{c:?}");
    p.start_with(&env);
    p.see(&tui_name);
    p.keys_press(&["t"]);
    // The Test Connection panel, done: its outcome line and close key.
    let panel = p.see("Esc close");
    assert!(
        panel.contains(&format!("registry {tui_name} (ECR)")),
        "{panel}"
    );
    let recorded = wait_for(&p, |d| {
        d.registry(&tui_name)
            .is_some_and(|r| r.last_test.is_some() && r.ecr_token.is_some())
    });
    assert!(
        recorded,
        "the TUI's test was not recorded with its ECR token"
    );
    p.keys_press(&["Escape"]);

    // The ECR API goes away: from here only the token the test kept can be
    // applied (a fresh exchange would fail).
    drop(moto);

    // CLI: apply with the stored token.
    let o = s.run(
        &[
            "apply",
            &cli_name,
            "-e",
            &env_name,
            "--create-namespaces",
            "--stored-ecr-token",
        ],
        &env,
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);

    // TUI: the Apply dialog with the same options — create namespaces on,
    // fresh ECR token off — then the typed context name.
    p.keys_press(&["A"]);
    p.see("Options (Space toggles)");
    // Past the kubeconfig's two contexts (admin checked) and the one
    // environment.
    p.keys_press(&["Down", "Down", "Down", "Space"]); // create missing namespaces
    p.keys_press(&["Down", "Down", "Down", "Down", "Space"]); // fresh token off
    let screen = p.see("[ ] ECR: exchange the keys");
    assert!(screen.contains("[x] create missing namespaces"), "{screen}");
    p.keys_press(&["Enter"]);
    p.see("Type the context name");
    p.type_text("admin");
    p.keys_press(&["Enter"]);
    p.see("Applied to 1 namespace in");
    p.keys_press(&["Enter"]);

    let cli_secret = kube.get(&ns, "secret", &format!("{cli_name}-creds"));
    let tui_secret = kube.get(&ns, "secret", &format!("{tui_name}-creds"));
    let cli_data = s_data(&s);
    let tui_data = p.disk();
    assert_eq!(
        compare_ecr(&cli_data, &cli_name, &cli_secret),
        compare_ecr(&tui_data, &tui_name, &tui_secret),
        "the two faces left different vaults or secrets"
    );
    for name in [&cli_name, &tui_name] {
        let d = kube.get(&ns, "deployment", &format!("{name}-app"));
        assert_eq!(
            d["spec"]["template"]["spec"]["imagePullSecrets"][0]["name"],
            format!("{name}-creds").as_str()
        );
    }

    // Prune through both faces: delete the container and the registry,
    // then remove its managed secret from the cluster.
    s.ok(&["container", "delete", &format!("{cli_name}-app")], &[]);
    s.ok(&["registry", "delete", &cli_id], &[]);
    let o = s.run(&["prune", &cli_id], &env);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);

    p.keys_press(&["2"]);
    p.see("Containers (1)");
    p.keys_press(&["d"]);
    p.see("Delete container");
    p.keys_press(&["y"]);
    p.see("Containers (0)");
    p.keys_press(&["1", "d"]);
    p.see("Type its name to confirm");
    p.type_text(&tui_name);
    p.keys_press(&["Enter"]);
    p.see("Remove ");
    p.keys_press(&["y"]);
    p.see("Removed 1 managed secret in");

    for name in [&cli_name, &tui_name] {
        let out = kube.kubectl_raw(
            "admin",
            &["-n", &ns, "get", "secret", &format!("{name}-creds")],
            None,
        );
        assert!(
            !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("NotFound"),
            "secret {name}-creds is still in {ns}"
        );
    }
    assert!(s_data(&s).registry(&cli_name).is_none());
    assert!(p.disk().registry(&tui_name).is_none());
}

/// The CLI sandbox's vault, as the CLI sees it.
fn s_data(s: &Sandbox) -> VaultData {
    let keys = [regvault::vault::KeySource::IdentityFile(
        s.path("config/regvault/identity.txt"),
    )];
    regvault::vault::Vault::open(&s.path("data/regvault/vault.age"), &keys)
        .expect("open the CLI's vault")
        .data()
        .clone()
}

/// Polls the pty's vault on disk until `pred` holds (or the wait is over).
fn wait_for(p: &Pty, pred: impl Fn(&VaultData) -> bool) -> bool {
    let deadline = std::time::Instant::now() + p.wait;
    while std::time::Instant::now() < deadline {
        if pred(&p.disk()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}
