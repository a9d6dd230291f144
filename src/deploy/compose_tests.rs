//! Tests of `compose`: merging logins into a docker `config.json` without
//! losing or echoing what is there, and matching compose images to saved
//! registries.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::model::{Connection, EcrToken};
use crate::registry::fixtures::sample;
use crate::secret::SecretValue;

fn login(server: &str, user: &str, pass: &str) -> DockerLogin {
    DockerLogin {
        server: server.into(),
        username: user.into(),
        password: SecretValue::new(pass),
        source: format!("reg-for-{server}"),
    }
}

fn parsed(m: &MergedConfig) -> Value {
    serde_json::from_str(&m.text).unwrap()
}

fn auth_of(user: &str, pass: &str) -> String {
    STANDARD.encode(format!("{user}:{pass}"))
}

#[test]
fn keeps_everything_else_and_replaces_only_the_server() {
    let existing = r#"{
        "auths": {
            "ghcr.io": {"auth": "b2xkOm9sZA==", "identitytoken": "old-id-token"},
            "quay.io": {"auth": "cXVheTpzZWNyZXQ=", "email": "a@b.c"},
            "https://index.docker.io/v1/": {"auth": "aHViOmh1Yg=="}
        },
        "psFormat": "table {{.ID}}\t{{.Names}}",
        "proxies": {"default": {"httpProxy": "http://proxy:3128", "noProxy": "*.local"}},
        "experimental": "enabled",
        "plugins": {"x": {"n": 1.5, "list": [1, null, true, "é"]}}
    }"#;
    let before: Value = serde_json::from_str(existing).unwrap();
    let m = merge_auths(Some(existing), &[login("ghcr.io", "octo", "ghp_new")]).unwrap();
    let after = parsed(&m);
    let obj = after.as_object().unwrap();
    for (key, value) in before.as_object().unwrap() {
        if key != "auths" {
            assert_eq!(obj.get(key), Some(value), "{key}");
        }
    }
    assert_eq!(obj.len(), before.as_object().unwrap().len());
    assert_eq!(after["auths"]["quay.io"], before["auths"]["quay.io"]);
    assert_eq!(
        after["auths"]["https://index.docker.io/v1/"],
        before["auths"]["https://index.docker.io/v1/"]
    );
    // The whole entry is replaced: an old identity token would win over it.
    assert_eq!(
        after["auths"]["ghcr.io"],
        json!({"auth": auth_of("octo", "ghp_new")})
    );
    assert_eq!(after["auths"].as_object().map(Map::len), Some(3));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    assert!(
        m.text.starts_with("{\n\t\"auths\": {"),
        "docker's layout: {}",
        *m.text
    );
}

#[test]
fn starts_fresh_and_adds_beside_others() {
    for existing in [
        None,
        Some(""),
        Some("  \n"),
        Some("{}"),
        Some(r#"{"auths":null}"#),
    ] {
        let m = merge_auths(existing, &[login("quay.io", "acme+bot", "t:o\"k")]).unwrap();
        assert_eq!(
            parsed(&m),
            json!({"auths": {"quay.io": {"auth": auth_of("acme+bot", "t:o\"k")}}}),
            "{existing:?}"
        );
    }
    let m = merge_auths(
        Some(r#"{"auths":{"a.example":{"auth":"eDp5"}}}"#),
        &[login("b.example", "u", "p"), login("c.example", "v", "q")],
    )
    .unwrap();
    let auths = &parsed(&m)["auths"];
    assert_eq!(auths["a.example"]["auth"], "eDp5");
    assert_eq!(auths["c.example"]["auth"], auth_of("v", "q"));
}

#[test]
fn refuses_what_it_cannot_keep_without_echoing_it() {
    let broken = r#"{"auths": {"ghcr.io": {"auth": "c2VjcmV0LXZhbHVl"}"#;
    let err = merge_auths(Some(broken), &[login("ghcr.io", "u", "p")]).unwrap_err();
    assert!(
        matches!(err, ComposeError::BadConfig { line: 1, .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
    assert_eq!(
        merge_auths(Some("[1,2]"), &[]).unwrap_err(),
        ComposeError::BadShape("the top level is not an object")
    );
    assert_eq!(
        merge_auths(Some(r#"{"auths":"x"}"#), &[]).unwrap_err(),
        ComposeError::BadShape("`auths` is not an object")
    );
    let dup = [login("ghcr.io", "a", "1"), login("ghcr.io", "b", "2")];
    assert!(matches!(
        merge_auths(None, &dup),
        Err(ComposeError::Auth(AuthError::DuplicateServer { .. }))
    ));
}

#[test]
fn warns_when_a_credential_helper_answers_instead() {
    let existing = r#"{"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"}}"#;
    let logins = [
        login("gcr.io", "_json_key", "{}"),
        login("ghcr.io", "u", "p"),
    ];
    let m = merge_auths(Some(existing), &logins).unwrap();
    assert_eq!(
        m.warnings,
        [
            "config.json sends gcr.io to the credential helper 'docker-credential-gcloud' (credHelpers): docker asks it, not the auths entry written for gcr.io",
            "config.json sets credsStore 'desktop': docker asks 'docker-credential-desktop' for ghcr.io and ignores the auths entries written here; remove credsStore or use a separate DOCKER_CONFIG",
        ]
    );
    let after = parsed(&m);
    assert_eq!(after["credsStore"], "desktop");
    assert_eq!(after["credHelpers"], json!({"gcr.io": "gcloud"}));
    assert!(!format!("{m:?}").contains(&auth_of("u", "p")));
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merge_never_panics_on_any_text(text in any::<String>(), raw in proptest::collection::vec(any::<u8>(), 0..64)) {
        let logins = [login("ghcr.io", "u", "p")];
        let _ = merge_auths(Some(&text), &logins);
        let _ = merge_auths(Some(&String::from_utf8_lossy(&raw)), &logins);
    }

    #[test]
    fn merge_keeps_every_other_value(doc in proptest::collection::btree_map(".{0,8}", json_value(), 0..6),
                                     auths in proptest::collection::btree_map("[a-z.]{1,10}", json_value(), 0..4)) {
        let mut root: Map<String, Value> = doc.into_iter().collect();
        root.insert("auths".into(), Value::Object(auths.into_iter().collect()));
        let before = Value::Object(root);
        let m = merge_auths(Some(&before.to_string()), &[login("ghcr.io", "u", "p")]);
        prop_assert!(m.is_ok(), "{:?}", m);
        let after: Value = serde_json::from_str(&m.map(|m| m.text.to_string()).unwrap_or_default()).unwrap_or_default();
        for (k, v) in before.as_object().into_iter().flatten() {
            if k != "auths" {
                prop_assert_eq!(&after[k.as_str()], v);
            }
        }
        for (k, v) in before["auths"].as_object().into_iter().flatten() {
            if k != "ghcr.io" {
                prop_assert_eq!(&after["auths"][k.as_str()], v);
            }
        }
        prop_assert_eq!(&after["auths"]["ghcr.io"], &json!({"auth": auth_of("u", "p")}));
    }
}

const COMPOSE: &str = r"
x-common: &common
  image: ghcr.io/acme/base:1
  restart: always
services:
  web:
    image: ghcr.io/acme/web:1.0
  base:
    <<: *common
  db:
    image: postgres:16
  cache:
    image: docker.io/library/redis@sha256:0123abcd
  hub-private:
    image: acme/private
  local:
    image: localhost:5000/team/app:2
  mirror:
    image: quay.io/acme/mirror
  built:
    build: .
  templated:
    image: ${REGISTRY:-ghcr.io}/acme/api:${TAG}
  ecr:
    image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/jobs:5
";

fn reg(id: &str, name: &str, kind: RegistryKind) -> Registry {
    let at = jiff::Timestamp::UNIX_EPOCH;
    Registry {
        id: RegistryId::parse(id).unwrap(),
        name: name.into(),
        kind,
        credentials: sample(kind),
        created_by: "me".into(),
        created_at: at,
        updated_at: at,
        credentials_rotated_at: None,
        last_test: None,
        connection: Connection::default(),
        ecr_token: None,
        delegates: Vec::new(),
        host_default: false,
    }
}

#[test]
fn reads_compose_images() {
    let images = compose_images(COMPOSE).unwrap();
    let pairs: Vec<(&str, &str)> = images
        .iter()
        .map(|i| (i.service.as_str(), i.image.as_str()))
        .collect();
    assert_eq!(pairs[0], ("web", "ghcr.io/acme/web:1.0"));
    assert_eq!(
        pairs[1],
        ("base", "ghcr.io/acme/base:1"),
        "merge keys applied"
    );
    assert_eq!(pairs.len(), 9, "the build-only service has no image");
    assert_eq!(compose_images("version: '3'\n").unwrap(), []);
    assert!(matches!(
        compose_images("services: [1]"),
        Err(ComposeError::BadCompose(_))
    ));
    assert!(matches!(
        compose_images("services: {a: [}"),
        Err(ComposeError::BadCompose(_))
    ));
}

#[test]
fn matches_images_to_saved_registries() {
    let mut custom = reg("reg-local1", "local", RegistryKind::Custom);
    custom.credentials.set("url", "http://localhost:5000");
    let data = VaultData {
        registries: vec![
            reg("reg-ghcr01", "ghcr", RegistryKind::Ghcr),
            reg("reg-hub001", "hub", RegistryKind::Docker),
            custom,
            reg("reg-ecr001", "ecr", RegistryKind::Ecr),
            reg("reg-pub001", "public", RegistryKind::Public),
        ],
        containers: vec![],
        ..VaultData::default()
    };
    let id = |s: &str| RegistryId::parse(s).unwrap();
    let sel = select_registries(&data, &compose_images(COMPOSE).unwrap());
    assert_eq!(
        sel.matched[&id("reg-ghcr01")],
        ["ghcr.io/acme/web:1.0", "ghcr.io/acme/base:1"]
    );
    assert_eq!(
        sel.matched[&id("reg-hub001")],
        [
            "postgres:16",
            "docker.io/library/redis@sha256:0123abcd",
            "acme/private"
        ]
    );
    assert_eq!(
        sel.matched[&id("reg-local1")],
        ["localhost:5000/team/app:2"]
    );
    // No token yet: matched by region, so apply can say the token is missing.
    assert_eq!(
        sel.matched[&id("reg-ecr001")],
        ["123456789012.dkr.ecr.eu-west-2.amazonaws.com/jobs:5"]
    );
    assert_eq!(sel.unmatched, ["quay.io/acme/mirror"]);
    assert_eq!(sel.unresolved, ["${REGISTRY:-ghcr.io}/acme/api:${TAG}"]);
    assert!(sel.ambiguous.is_empty());

    // With a token, only that account's host matches.
    let mut data2 = data.clone();
    data2.registries[3].ecr_token = Some(EcrToken {
        account_id: "999999999999".into(),
        proxy_endpoint: "https://999999999999.dkr.ecr.eu-west-2.amazonaws.com".into(),
        token: "t".into(),
        expires_at: jiff::Timestamp::UNIX_EPOCH,
    });
    let ecr_img = [ComposeImage {
        service: "ecr".into(),
        image: "123456789012.dkr.ecr.eu-west-2.amazonaws.com/jobs:5".into(),
    }];
    assert_eq!(select_registries(&data2, &ecr_img).unmatched.len(), 1);

    // Two saved registries for one host: the user picks.
    let mut data3 = data;
    data3
        .registries
        .push(reg("reg-ghcr02", "ghcr-team-b", RegistryKind::Ghcr));
    let sel = select_registries(&data3, &compose_images(COMPOSE).unwrap());
    assert_eq!(
        sel.ambiguous["ghcr.io"],
        [id("reg-ghcr01"), id("reg-ghcr02")]
    );
    assert!(!sel.matched.contains_key(&id("reg-ghcr01")));
}
