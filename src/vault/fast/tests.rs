//! Round trips of whole records through the fast writer and both readers
//! (the fast one and the `toml` crate), and the fallback on anything else.

use jiff::Timestamp;
use proptest::prelude::*;

use super::{parse_records, render_records};
use crate::model::{
    AppliedSecret, Connection, Container, ContainerId, EcrToken, KubeRecords, Registry,
    RegistryConfig, RegistryId, SourceType, TestRecord, VaultData,
};
use crate::registry::{Credentials, RegistryKind};
use crate::secret::SecretValue;

fn ts(secs: i64, nanos: i32) -> Timestamp {
    Timestamp::new(secs, nanos).unwrap()
}

fn sample(name: &str, secret: &str, key: &str) -> VaultData {
    let rid = RegistryId::parse("reg-abc123").unwrap();
    let mut creds = Credentials::new();
    creds.set("username", name);
    creds.set(key, secret);
    VaultData {
        registries: vec![
            Registry {
                id: rid.clone(),
                name: name.to_owned(),
                kind: RegistryKind::Custom,
                credentials: creds,
                created_by: format!("{name}@host"),
                created_at: ts(1_700_000_000, 0),
                updated_at: ts(1_700_000_001, 123_456_789),
                credentials_rotated_at: Some(ts(1_700_000_002, 5)),
                last_test: Some(TestRecord {
                    at: ts(1_700_000_003, 0),
                    outcome: crate::model::TestOutcome::Ok,
                    summary: secret.chars().rev().collect(),
                }),
                connection: Connection {
                    ca_bundle: Some(format!(
                        "-----BEGIN CERTIFICATE-----\nMIIB{name}\n-----END CERTIFICATE-----\n"
                    )),
                    insecure: true,
                },
                ecr_token: Some(EcrToken {
                    account_id: "123456789012".into(),
                    proxy_endpoint: "https://123456789012.dkr.ecr.eu-west-2.amazonaws.com".into(),
                    token: SecretValue::new(secret),
                    expires_at: ts(1_700_043_200, 250_000_000),
                }),
                delegates: vec![
                    format!("{name} (sha256:0123456789abcdef)"),
                    secret.to_owned(),
                ],
                host_default: true,
            },
            Registry {
                id: RegistryId::parse("reg-zzz999").unwrap(),
                name: "pub".into(),
                kind: RegistryKind::Public,
                credentials: Credentials::new(),
                created_by: "x".into(),
                created_at: ts(0, 0),
                updated_at: ts(0, 0),
                credentials_rotated_at: None,
                last_test: None,
                connection: Connection::default(),
                ecr_token: None,
                delegates: Vec::new(),
                host_default: false,
            },
        ],
        containers: vec![
            Container {
                id: ContainerId::parse("ctr-abc123").unwrap(),
                name: name.to_owned(),
                environment: "production".into(),
                source_type: SourceType::Registry,
                registry_config: RegistryConfig {
                    registry_id: Some(rid),
                    image_name: "acme/web".into(),
                    image_tag: "1.0".into(),
                },
                created_by: "x".into(),
                created_at: ts(5, 0),
                updated_at: ts(6, 0),
            },
            Container {
                id: ContainerId::parse("ctr-pub000").unwrap(),
                name: "cache".into(),
                environment: "staging".into(),
                source_type: SourceType::Registry,
                registry_config: RegistryConfig {
                    registry_id: None,
                    image_name: "redis".into(),
                    image_tag: "7".into(),
                },
                created_by: "x".into(),
                created_at: ts(5, 0),
                updated_at: ts(6, 0),
            },
        ],
        kube: KubeRecords {
            credentials_hash_key: Some(SecretValue::new(secret.chars().rev().collect::<String>())),
            applied: vec![AppliedSecret {
                registry_id: RegistryId::parse("reg-abc123").unwrap(),
                server: format!("https://{name}:6443"),
                namespace: "env-production".into(),
                name: format!("{name}-creds"),
                uid: "4f1c0a3e-0000-4000-8000-000000000001".into(),
                applied_at: ts(1_700_000_004, 42),
            }],
        },
    }
}

#[derive(serde::Deserialize)]
struct Body {
    #[serde(default)]
    registries: Vec<Registry>,
    #[serde(default)]
    containers: Vec<Container>,
    #[serde(default)]
    kube: KubeRecords,
}

/// The fast reader and the `toml` crate read the fast writer's output
/// to the same records.
fn check(data: &VaultData) {
    let mut text = String::new();
    render_records(&mut text, data);
    let fast = parse_records(&text).expect("the fast reader reads the fast writer");
    assert_eq!(&fast, data);
    let full: Body = toml::from_str(&text).expect("valid TOML");
    assert_eq!(full.registries, data.registries);
    assert_eq!(full.containers, data.containers);
    assert_eq!(full.kube, data.kube);
}

#[test]
fn round_trips_through_both_readers() {
    check(&sample("acme", "p\"a\\s\ns\t\u{1}\u{7f}é😀", "password"));
    check(&VaultData::default());
    check(&sample("with space", "x", "weird key \"q\""));
    // Records without the key, and the key without records.
    let mut data = sample("acme", "pw", "password");
    data.kube.credentials_hash_key = None;
    check(&data);
    data = sample("acme", "pw", "password");
    data.kube.applied.clear();
    check(&data);
    data.containers.clear();
    check(&data);
    // One delegate, and none on the first registry either.
    data.registries[0].delegates.truncate(1);
    check(&data);
    data.registries[0].delegates.clear();
    check(&data);
    let mut text = String::new();
    render_records(&mut text, &data);
    assert!(!text.contains("delegates"), "{text}");
    // The host-default mark alone, and not written when unset.
    data.registries[0].host_default = false;
    check(&data);
    text.clear();
    render_records(&mut text, &data);
    assert!(!text.contains("hostDefault"), "{text}");
}

#[test]
fn connection_settings_alone_round_trip() {
    let mut data = sample("acme", "pw", "password");
    data.registries[0].connection = Connection {
        ca_bundle: None,
        insecure: true,
    };
    data.registries[0].ecr_token = None;
    check(&data);
    data.registries[0].connection = Connection {
        ca_bundle: Some("PEM".into()),
        insecure: false,
    };
    check(&data);
    let mut text = String::new();
    render_records(&mut text, &data);
    assert!(!text.contains("insecure"), "{text}");
}

#[test]
fn anything_unexpected_falls_back() {
    let mut text = String::new();
    render_records(&mut text, &sample("a", "b", "password"));
    for (from, to) in [
        ("name = \"a\"", "name = \"a\" # note"),
        ("name = \"a\"", "name = 'a'"),
        ("[[containers]]", "[[containers]]\n[[registries]]"),
        ("type = \"Custom\"", "type = \"custom\""),
        ("imageTag = \"1.0\"", "imageTag = \"1.0\"\nimageTag = \"2\""),
        ("id = \"reg-abc123\"", "id = \"reg-ABC\""),
        (
            "[registries.credentials]",
            "[registries.credentials]\nusername = \"dup\"",
        ),
        ("insecure = true", "insecure = yes"),
        ("delegates = [", "delegates = [\"x\"]\ndelegates = ["),
        ("delegates = [", "delegates = [\"x\",\"y\"]\nname2 = ["),
        ("delegates = [", "delegates = []\nx = ["),
        ("delegates = [", "delegates = [ "),
        ("insecure = true", "insecure = true\ninsecure = false"),
        ("hostDefault = true", "hostDefault = yes"),
        ("hostDefault = true", "hostDefault = false"),
        (
            "hostDefault = true",
            "hostDefault = true\nhostDefault = true",
        ),
        ("accountId = ", "region = \"x\"\naccountId = "),
        (
            "[registries.ecrToken]",
            "[registries.ecrToken]\n[registries.ecrToken]",
        ),
        ("[[kube.applied]]", "[[kube.applied]]\n[[containers]]"),
        ("[[kube.applied]]", "[kube]\n[[kube.applied]]"),
        ("uid = ", "port = \"1\"\nuid = "),
        (
            "credentialsHashKey = ",
            "other = \"x\"\ncredentialsHashKey = ",
        ),
    ] {
        let changed = text.replacen(from, to, 1);
        assert!(parse_records(&changed).is_none(), "{to}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn any_strings_round_trip(name in "\\PC{0,20}", secret in any::<String>(), key in "[a-zA-Z]\\PC{0,10}") {
        prop_assume!(key != "username");
        check(&sample(&name, &secret, &key));
    }


    #[test]
    fn never_panics(text in "\\PC{0,200}") {
        let _ = parse_records(&text);
    }
}
