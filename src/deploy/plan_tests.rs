//! Tests of `plan`: pull-secret plans byte-exact per environment, hashes that
//! follow the credentials, ECR tokens, Deployments referencing the secret,
//! and refusals that say why without showing a secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::*;
use crate::model::{Connection, Container, EcrToken, RegistryConfig, SourceType};
use crate::registry::Credentials;
use crate::registry::fixtures::sample;

const DOCKERCONFIG_B64: &str = "eyJhdXRocyI6eyJnaGNyLmlvIjp7InVzZXJuYW1lIjoib2N0by1jYXQiLCJwYXNzd29yZCI6ImdocF9hMUIyYTFCMmExQjJhMUIyYTFCMmExQjJhMUIyYTFCMmExQjIiLCJhdXRoIjoiYjJOMGJ5MWpZWFE2WjJod1gyRXhRakpoTVVJeVlURkNNbUV4UWpKaE1VSXlZVEZDTW1FeFFqSmhNVUl5WVRGQ01nPT0ifX19";
/// HMAC-SHA256 of the document under `KEY` (`openssl dgst -sha256 -mac HMAC
/// -macopt key:KEY`); its plain sha256 would be 7f4c0140….
const HASH: &str = "b6dffa8c6b37f91dd2bfeee3c8a9bb2160867a6f322fea78500df1c8d9f3f1b7";
const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const CANARY: &str = "ghp_CANARYcanary0123456789abcdefghijklmn";
const ECR_HOST: &str = "123456789012.dkr.ecr.eu-west-2.amazonaws.com";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn now() -> Timestamp {
    ts("2026-03-01T12:00:00Z")
}

fn registry(id: &str, name: &str, kind: RegistryKind, created: &str) -> Registry {
    Registry {
        id: RegistryId::parse(id).unwrap(),
        name: name.into(),
        kind,
        credentials: sample(kind),
        created_by: "me".into(),
        created_at: ts(created),
        updated_at: ts(created),
        credentials_rotated_at: None,
        last_test: None,
        connection: Connection::default(),
        ecr_token: None,
        delegates: Vec::new(),
        host_default: false,
    }
}

fn container(id: &str, name: &str, env: &str, reg: &str, image: &str, tag: &str) -> Container {
    Container {
        id: ContainerId::parse(id).unwrap(),
        name: name.into(),
        environment: env.into(),
        source_type: SourceType::Registry,
        registry_config: RegistryConfig {
            registry_id: RegistryId::parse(reg),
            image_name: image.into(),
            image_tag: tag.into(),
        },
        created_by: "me".into(),
        created_at: ts("2026-02-01T00:00:00Z"),
        updated_at: ts("2026-02-01T00:00:00Z"),
    }
}

fn vault() -> VaultData {
    VaultData {
        registries: vec![
            registry(
                "reg-ghcr01",
                "ghcr",
                RegistryKind::Ghcr,
                "2026-01-01T00:00:00Z",
            ),
            registry(
                "reg-hub001",
                "Docker Hub",
                RegistryKind::Docker,
                "2026-01-02T00:00:00Z",
            ),
            registry(
                "reg-self01",
                "self",
                RegistryKind::Custom,
                "2026-01-03T00:00:00Z",
            ),
            registry(
                "reg-pub001",
                "public",
                RegistryKind::Public,
                "2026-01-04T00:00:00Z",
            ),
            registry(
                "reg-ecr001",
                "ecr",
                RegistryKind::Ecr,
                "2026-01-05T00:00:00Z",
            ),
        ],
        containers: vec![
            container(
                "ctr-web001",
                "web",
                "production",
                "reg-ghcr01",
                "acme/web",
                "1.0",
            ),
            container(
                "ctr-api001",
                "API_v2",
                "staging",
                "reg-ghcr01",
                "ghcr.io/acme/api",
                "2",
            ),
            container(
                "ctr-wrk001",
                "worker",
                "production",
                "reg-ghcr01",
                "quay.io/acme/w",
                "3",
            ),
            container(
                "ctr-web002",
                "Web",
                "production",
                "reg-hub001",
                "nginx",
                "1.27",
            ),
            container(
                "ctr-app001",
                "app",
                "production",
                "reg-self01",
                "team/app",
                "7",
            ),
        ],
        kube: crate::model::KubeRecords {
            credentials_hash_key: Some(KEY.into()),
            applied: vec![],
        },
    }
}

fn envs(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn plan(data: &VaultData, reg: &str, list: &[&str]) -> PullSecretPlan {
    PullSecretPlan::build(data, reg, &envs(list), now()).unwrap()
}

/// The decoded `.dockerconfigjson` of one environment's Secret.
fn dockerconfig(p: &PullSecretPlan, env: usize) -> Value {
    let m = p.secret_manifest(&p.environments[env]);
    let b64 = m.expose()["data"][".dockerconfigjson"].as_str().unwrap();
    serde_json::from_slice(&STANDARD.decode(b64).unwrap()).unwrap()
}

#[test]
fn ghcr_secret_is_byte_exact_in_each_environment() {
    let p = plan(&vault(), "ghcr", &["staging", "production", "staging"]);
    let namespaces: Vec<&str> = p
        .environments
        .iter()
        .map(|e| e.namespace.as_str())
        .collect();
    assert_eq!(
        namespaces,
        ["env-staging", "env-production"],
        "deduplicated, in order"
    );
    for env in &p.environments {
        let text = serde_json::to_string(&p.secret_manifest(env)).unwrap();
        let expected = format!(
            concat!(
                r#"{{"apiVersion":"v1","data":{{".dockerconfigjson":"{b64}"}},"kind":"Secret","#,
                r#""metadata":{{"annotations":{{"regvault.io/credentials-hash":"{hash}","#,
                r#""regvault.io/registry-id":"reg-ghcr01"}},"#,
                r#""labels":{{"app.kubernetes.io/managed-by":"regvault"}},"#,
                r#""name":"ghcr-creds","namespace":"{ns}"}},"#,
                r#""type":"kubernetes.io/dockerconfigjson"}}"#
            ),
            b64 = DOCKERCONFIG_B64,
            hash = HASH,
            ns = env.namespace,
        );
        assert_eq!(text, expected);
    }
    assert_eq!(p.credentials_hash.as_deref(), Some(HASH));
    assert_eq!(p.server, "ghcr.io");
    assert_eq!(p.expires_at, None);
}

#[test]
fn the_hash_follows_the_credentials_not_the_name_and_needs_the_key() {
    let mut data = vault();
    let before = plan(&data, "ghcr", &["production"]).credentials_hash;

    data.registries[0].name = "GitHub Packages".into();
    let renamed = plan(&data, "reg-ghcr01", &["production"]);
    assert_eq!(renamed.credentials_hash, before);
    assert_eq!(renamed.secret_name, "github-packages-creds");

    data.registries[0]
        .credentials
        .set("token", "ghp_ROTATEDrotated0123456789abcdefghijKL");
    let rotated = plan(&data, "reg-ghcr01", &["production"])
        .credentials_hash
        .unwrap();
    assert_ne!(Some(&rotated), before.as_ref());
    assert_eq!(rotated.len(), 64);
    assert!(
        rotated
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    // Another vault's key, another hash; no key, no hash (and no annotation).
    data.kube.credentials_hash_key = Some("another key".into());
    let other = plan(&data, "reg-ghcr01", &["production"]);
    assert_ne!(other.credentials_hash.as_ref(), Some(&rotated));
    data.kube.credentials_hash_key = None;
    let none = plan(&data, "reg-ghcr01", &["production"]);
    assert_eq!(none.credentials_hash, None);
    let manifest = none.secret_manifest(&none.environments[0]);
    assert!(
        manifest.expose()["metadata"]["annotations"]
            .get("regvault.io/credentials-hash")
            .is_none()
    );
}

fn ecr_token(expires: &str) -> EcrToken {
    EcrToken {
        account_id: "123456789012".into(),
        proxy_endpoint: format!("https://{ECR_HOST}"),
        token: "ecr-token-canary-0123456789".into(),
        expires_at: ts(expires),
    }
}

#[test]
fn ecr_uses_the_stored_token_while_it_lasts() {
    let mut data = vault();
    data.containers.push(container(
        "ctr-ecr001",
        "batch",
        "production",
        "reg-ecr001",
        "jobs/batch",
        "5",
    ));
    let err = PullSecretPlan::build(&data, "ecr", &envs(&["production"]), now()).err();
    assert_eq!(err, Some(PlanError::NoEcrToken("ecr".into())));
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        "registry 'ecr' (ECR) has no token yet: `regvault registry test ecr` exchanges its access keys for a 12-hour token"
    );

    data.registries[4].ecr_token = Some(ecr_token("2026-03-01T11:59:59Z"));
    let err = PullSecretPlan::build(&data, "ecr", &envs(&["production"]), now()).err();
    assert!(
        matches!(&err, Some(PlanError::EcrTokenExpired { name, .. }) if name == "ecr"),
        "{err:?}"
    );
    assert!(
        err.map(|e| e.to_string())
            .unwrap_or_default()
            .contains("expired at 2026-03-01T11:59:59Z")
    );

    data.registries[4].ecr_token = Some(ecr_token("2026-03-01T20:00:00Z"));
    let p = plan(&data, "ecr", &["production"]);
    assert_eq!(p.server, ECR_HOST);
    assert_eq!(p.expires_at, Some(ts("2026-03-01T20:00:00Z")));
    let entry = &dockerconfig(&p, 0)["auths"][ECR_HOST];
    assert_eq!(entry["username"], "AWS");
    assert_eq!(entry["password"], "ecr-token-canary-0123456789");
    let m = p.secret_manifest(&p.environments[0]);
    assert_eq!(
        m.expose()["metadata"]["annotations"]["regvault.io/expires-at"],
        "2026-03-01T20:00:00Z"
    );
    assert_eq!(
        p.environments[0].deployments[0].image,
        format!("{ECR_HOST}/jobs/batch:5")
    );
}

#[test]
fn secrets_never_show_in_the_redacted_view_or_debug() {
    let mut data = vault();
    data.registries[0].credentials.set("token", CANARY);
    let p = plan(&data, "ghcr", &["production", "staging"]);
    let raw = dockerconfig(&p, 0).to_string();
    let b64_doc = STANDARD.encode(raw.as_bytes());
    let b64_pair = STANDARD.encode(format!("octo-cat:{CANARY}"));
    let redacted = p.redacted().to_string();
    let debug = format!("{p:?} {:?}", p.secret_manifest(&p.environments[0]));
    let hash = p.credentials_hash.clone().unwrap();
    for shown in [&redacted, &debug] {
        for secret in [CANARY, &b64_doc, &b64_pair, KEY, &hash] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    let marker = format!("<redacted {} bytes>", raw.len());
    let view = p.redacted();
    assert_eq!(
        view["environments"][1]["secret"]["data"][".dockerconfigjson"],
        marker
    );
    assert_eq!(view["environments"][1]["namespace"], "env-staging");
    assert_eq!(view["secretName"], "ghcr-creds");
    assert!(debug.contains(&marker), "{debug}");
    // The real manifest does carry it.
    assert!(
        serde_json::to_string(&p.secret_manifest(&p.environments[0]))
            .unwrap()
            .contains(&STANDARD.encode(p.dockerconfigjson.as_bytes()))
    );
}

#[test]
fn deployments_reference_the_secret() {
    let p = plan(&vault(), "ghcr", &["production", "staging"]);
    let prod = &p.environments[0];
    let names: Vec<&str> = prod.deployments.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["web", "worker"], "only this registry's containers");
    assert_eq!(
        p.deployment_manifest(prod, &prod.deployments[0]),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "web",
                "namespace": "env-production",
                "labels": {
                    "app.kubernetes.io/managed-by": "regvault",
                    "app.kubernetes.io/name": "web",
                },
                "annotations": {
                    "regvault.io/container-id": "ctr-web001",
                    "regvault.io/registry-id": "reg-ghcr01",
                },
            },
            "spec": {
                "selector": { "matchLabels": {
                    "app.kubernetes.io/managed-by": "regvault",
                    "app.kubernetes.io/name": "web",
                } },
                "template": {
                    "metadata": { "labels": {
                        "app.kubernetes.io/managed-by": "regvault",
                        "app.kubernetes.io/name": "web",
                    } },
                    "spec": {
                        "imagePullSecrets": [{ "name": "ghcr-creds" }],
                        "containers": [{ "name": "web", "image": "ghcr.io/acme/web:1.0" }],
                    },
                },
            },
        })
    );
    let staging = &p.environments[1].deployments[0];
    assert_eq!(
        (staging.name.as_str(), staging.image.as_str()),
        ("api-v2", "ghcr.io/acme/api:2")
    );
    // An image on another host: applied as written, and the user is told.
    assert_eq!(prod.deployments[1].image, "quay.io/acme/w:3");
    assert_eq!(
        p.warnings,
        [
            "container 'worker' (production) pulls from quay.io, but registry 'ghcr' logs in to ghcr.io: its pull secret will not be used for that image"
        ]
    );
    assert_eq!(
        PullSecretPlan::namespace_manifest(prod)["metadata"]["name"],
        "env-production"
    );
}

#[test]
fn images_get_their_registry_host_per_kind() {
    let data = vault();
    let hub = plan(&data, "Docker Hub", &["production"]);
    let d = &hub.environments[0].deployments[0];
    assert_eq!(hub.server, "https://index.docker.io/v1/");
    assert_eq!(hub.secret_name, "docker-hub-creds");
    assert_eq!(d.image, "docker.io/library/nginx:1.27");
    assert_eq!(
        d.name, "web-web002",
        "'Web' slugs like the older 'web' in that namespace"
    );
    let custom = plan(&data, "self", &["production"]);
    assert_eq!(
        custom.environments[0].deployments[0].image,
        "registry.example.com:5000/team/app:7"
    );
    assert!(dockerconfig(&custom, 0)["auths"]["registry.example.com:5000"].is_object());
}

#[test]
fn plans_that_cannot_be_made_say_why() {
    let data = vault();
    let build =
        |reg: &str, list: &[&str]| PullSecretPlan::build(&data, reg, &envs(list), now()).err();
    assert_eq!(
        build("nope", &["production"]),
        Some(PlanError::NoSuchRegistry("nope".into()))
    );
    assert_eq!(
        build("public", &["production"]),
        Some(PlanError::Public("public".into()))
    );
    assert_eq!(build("ghcr", &[]), Some(PlanError::NoEnvironments));
    assert!(matches!(
        build("ghcr", &["Prod"]),
        Some(PlanError::Environment(_))
    ));
    // An environment without containers still gets its Secret.
    let p = plan(&data, "ghcr", &["qa"]);
    assert!(p.environments[0].deployments.is_empty());
    assert_eq!(p.environments[0].namespace, "env-qa");
    assert_eq!(
        environments_using(&data, &data.registries[0].id),
        ["production", "staging"]
    );
}

#[test]
fn invalid_credentials_are_refused_without_showing_them() {
    let mut data = vault();
    data.registries[0].credentials = Credentials::new();
    data.registries[0].credentials.set("username", "octo");
    data.registries[0]
        .credentials
        .set("token", "hunter2-secret");
    let err = PullSecretPlan::build(&data, "ghcr", &envs(&["production"]), now()).err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.starts_with("registry 'ghcr': token:"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
