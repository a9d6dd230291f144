//! Mismatches caught where they are typed, through the CLI: a container
//! whose image host is not its registry's login host (warned, exit 0), an
//! image naming a host with no registry chosen (asked: exit 2 naming the
//! candidates), a second registry for one host (warned at save), and
//! `export` / `helper install` with `--registry ID…` exactly as the
//! README writes it.

mod support;

use serde_json::{Value, json};
use support::Sandbox;

const GHCR_TOKEN: &str = "ghp_MISMATCHmismatch0123456789abcdefghKL";
const HUB_PAT: &str = "dckr_pat_MismatchHubToken0123";

fn ghcr(s: &Sandbox, name: &str) -> String {
    s.add(&json!({"name": name, "type": "GHCR",
        "credentials": {"username": "acme-bot", "token": GHCR_TOKEN}}))
}

fn hub(s: &Sandbox, name: &str) -> String {
    s.add(&json!({"name": name, "type": "Docker",
        "credentials": {"username": "acmebot", "password": HUB_PAT}}))
}

fn quay(s: &Sandbox, name: &str) -> String {
    s.add(&json!({"name": name, "type": "Quay",
        "credentials": {"username": "acme+deploy", "token": "QUAYTOKEN0123456789"}}))
}

fn add(s: &Sandbox, name: &str, image: &str, extra: &[&str]) -> support::Out {
    let mut args = vec![
        "container",
        "add",
        "--name",
        name,
        "--environment",
        "production",
        "--image",
        image,
    ];
    args.extend_from_slice(extra);
    s.run(&args, &[])
}

#[test]
fn an_image_on_another_host_than_the_registry_warns_and_is_still_added() {
    let s = Sandbox::new();
    let q = quay(&s, "quay-acme");
    let o = add(&s, "web", "ghcr.io/acme/web", &["--registry", &q]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("added ctr-"), "{}", o.stdout);
    assert!(
        o.stderr
            .contains("warning: image on ghcr.io, but registry 'quay-acme'")
            && o.stderr.contains("logs in to quay.io"),
        "{}",
        o.stderr
    );
    // Update to the same host: no warning.
    let o = s.run(
        &["container", "update", "web", "--image", "quay.io/acme/web"],
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!o.stderr.contains("warning"), "{}", o.stderr);
}

#[test]
fn docker_hub_names_count_as_one_host() {
    let s = Sandbox::new();
    let h = hub(&s, "hub");
    for (i, image) in [
        "acme/web",
        "docker.io/acme/web",
        "index.docker.io/acme/web",
        "registry-1.docker.io/acme/web",
    ]
    .iter()
    .enumerate()
    {
        let o = add(&s, &format!("web{i}"), image, &["--registry", &h]);
        assert_eq!(o.code, 0, "{image}: {}", o.stderr);
        assert!(!o.stderr.contains("warning"), "{image}: {}", o.stderr);
    }
}

#[test]
fn an_image_host_with_registries_but_none_given_asks_which() {
    let s = Sandbox::new();
    let a = ghcr(&s, "ghcr-a");
    let b = ghcr(&s, "ghcr-b");
    let o = add(&s, "web", "ghcr.io/acme/web", &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    for part in [&a, &b, "--registry ID", "--public"] {
        assert!(o.stderr.contains(part), "{part} missing: {}", o.stderr);
    }
    assert!(
        s.ok(&["container", "list"], &[])
            .stdout
            .contains("no containers"),
        "nothing was added"
    );
    // Either answer works.
    assert_eq!(add(&s, "web", "ghcr.io/acme/web", &["--public"]).code, 0);
    assert_eq!(
        add(&s, "api", "ghcr.io/acme/api", &["--registry", &a]).code,
        0
    );
    // A host-less name is the usual public Docker Hub image: not asked.
    hub(&s, "hub");
    assert_eq!(add(&s, "cache", "redis", &[]).code, 0);
}

#[test]
fn a_second_registry_for_one_host_warns_at_save_naming_the_way_out() {
    let s = Sandbox::new();
    let first = hub(&s, "hub-a");
    let f = s.write(
        "b.json",
        &json!({"name": "hub-b", "type": "Docker",
            "credentials": {"username": "acmeci", "password": HUB_PAT}})
        .to_string(),
    );
    let o = s.ok(
        &["registry", "add", "--from-file", f.to_str().unwrap()],
        &[],
    );
    for part in [
        "second registry for docker.io",
        &first,
        "regvault registry default",
        "--registry",
    ] {
        assert!(o.stderr.contains(part), "{part} missing: {}", o.stderr);
    }
    // A registry alone on its host: no such warning.
    let f = s.write(
        "q.json",
        &json!({"name": "q", "type": "Quay",
            "credentials": {"username": "acme+d", "token": "QUAYTOKEN0123456789"}})
        .to_string(),
    );
    let o = s.ok(
        &["registry", "add", "--from-file", f.to_str().unwrap()],
        &[],
    );
    assert!(!o.stderr.contains("second registry"), "{}", o.stderr);
}

#[test]
fn export_with_two_registries_for_one_host_names_the_registry_flag() {
    let s = Sandbox::new();
    let a = hub(&s, "hub-a");
    hub(&s, "hub-b");
    let g = ghcr(&s, "ghcr");
    let o = s.run(&["export", "dockerconfig"], &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--registry ID"), "{}", o.stderr);
    assert!(!o.stdout.contains(HUB_PAT) && !o.stderr.contains(HUB_PAT));
    // The README's form: `--registry ID…` — several ids after one flag …
    let o = s.ok(&["export", "dockerconfig", "--registry", &a, &g], &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let auths = v["auths"].as_object().unwrap();
    assert_eq!(auths.len(), 2, "{v}");
    assert!(auths.contains_key("ghcr.io") && auths.contains_key("https://index.docker.io/v1/"));
    // … or the flag repeated.
    let o = s.ok(
        &[
            "export",
            "dockerconfig",
            "--registry",
            "hub-a",
            "--registry",
            "ghcr",
        ],
        &[],
    );
    let w: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v, w);
}

#[test]
fn helper_install_takes_several_ids_after_one_registry_flag() {
    let s = Sandbox::new();
    let g = ghcr(&s, "ghcr");
    let q = quay(&s, "quay");
    hub(&s, "hub");
    let dir = s.path("docker");
    std::fs::create_dir_all(&dir).unwrap();
    let auth = s.path("containers/auth.json");
    s.ok(
        &[
            "helper",
            "install",
            "--registry",
            &g,
            &q,
            "--docker-config",
            dir.to_str().unwrap(),
            "--containers-auth",
            auth.to_str().unwrap(),
        ],
        &[],
    );
    let cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    let helpers = cfg["credHelpers"].as_object().unwrap();
    assert_eq!(helpers["ghcr.io"], "regvault", "{cfg}");
    assert_eq!(helpers["quay.io"], "regvault", "{cfg}");
    assert_eq!(helpers.len(), 2, "only the two asked for (not hub): {cfg}");
}

#[test]
fn moving_a_registry_onto_another_ones_host_warns_and_a_rotation_does_not() {
    let s = Sandbox::new();
    let a = s.add(&json!({"name": "harbor-a", "type": "Custom",
        "credentials": {"url": "https://harbor.example.com", "username": "ci", "password": "pw-a-0123456789"}}));
    let b = s.add(&json!({"name": "harbor-b", "type": "Custom",
        "credentials": {"url": "https://other.example.com", "username": "ci", "password": "pw-b-0123456789"}}));
    let o = s.ok(
        &[
            "registry",
            "update",
            &b,
            "--set",
            "url=https://harbor.example.com",
        ],
        &[],
    );
    assert!(
        o.stderr.contains("second registry for harbor.example.com") && o.stderr.contains(&a),
        "{}",
        o.stderr
    );
    let pw = s.write("pw", "pw-new-0123456789\n");
    let o = s.ok(
        &[
            "registry",
            "update",
            &b,
            "--field-file",
            &format!("password={}", pw.display()),
        ],
        &[],
    );
    assert!(!o.stderr.contains("second registry"), "{}", o.stderr);
}
