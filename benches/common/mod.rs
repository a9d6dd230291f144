//! The benchmarks' shared fixture: vaults of `n` registries over all nine
//! kinds with realistically sized fake credentials (GCR/GAR carry a ~2.3 KB
//! service-account JSON key), a third with a recorded test, and `n / 10`
//! containers.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use regvault::model::{
    Container, ContainerId, Registry, RegistryConfig, RegistryId, SourceType, TestRecord, VaultData,
};
use regvault::registry::{Credentials, RegistryKind};
use regvault::vault::{self, Encryption, Vault};

pub fn fake_key(i: usize) -> String {
    let body: String = (0..1600)
        .map(|j| (b'A' + ((i + j) % 26) as u8) as char)
        .collect();
    format!(
        r#"{{"type":"service_account","project_id":"proj-{i}","private_key_id":"{i:040x}","private_key":"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n","client_email":"puller-{i}@proj-{i}.iam.gserviceaccount.com","client_id":"1{i:020}","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token"}}"#
    )
}

pub fn credentials(kind: RegistryKind, i: usize) -> Credentials {
    let tok = format!("{i:036}");
    let pairs: Vec<(&str, String)> = match kind {
        RegistryKind::Ghcr => vec![
            ("username", format!("user{i}")),
            ("token", format!("ghp_{tok}")),
        ],
        RegistryKind::Docker => vec![
            ("username", format!("user{i}")),
            ("password", format!("dckr_pat_{tok}")),
        ],
        RegistryKind::Ecr => vec![
            ("accessKeyId", format!("AKIA{i:016}")),
            ("secretAccessKey", format!("{i:040}")),
            ("region", "eu-west-1".into()),
        ],
        RegistryKind::Acr => vec![
            ("loginServer", format!("reg{i}.azurecr.io")),
            ("username", format!("reg{i}")),
            ("password", tok),
        ],
        RegistryKind::Gcr => vec![("serviceAccountKey", fake_key(i))],
        RegistryKind::Gar => vec![
            ("serviceAccountKey", fake_key(i)),
            ("region", "europe-west3".into()),
        ],
        RegistryKind::Quay => vec![("username", format!("acme+robot{i}")), ("token", tok)],
        RegistryKind::Custom => vec![
            ("url", format!("https://registry{i}.example.com")),
            ("username", format!("user{i}")),
            ("password", tok),
        ],
        RegistryKind::Public => vec![],
    };
    pairs.into_iter().collect()
}

/// `n` registries over all nine kinds (a third with a recorded test) and
/// `n / 10` containers pulling from the first of them.
pub fn data(n: usize) -> VaultData {
    let now = Timestamp::now();
    let registries: Vec<Registry> = (0..n)
        .map(|i| {
            let kind = RegistryKind::ALL[i % 9];
            Registry {
                id: RegistryId::generate(),
                name: format!("registry-{i:05}"),
                kind,
                credentials: credentials(kind, i),
                created_by: format!("ops{}@host", i % 7),
                created_at: now,
                updated_at: now,
                credentials_rotated_at: None,
                last_test: (i % 3 == 0).then(|| TestRecord {
                    at: now,
                    outcome: regvault::model::TestOutcome::Ok,
                    summary: "structure ok — registry not contacted".into(),
                }),
                connection: regvault::model::Connection::default(),
                ecr_token: None,
                delegates: Vec::new(),
                host_default: false,
            }
        })
        .collect();
    let containers = (0..n / 10)
        .map(|i| Container {
            id: ContainerId::generate(),
            name: format!("svc-{i}"),
            environment: "production".into(),
            source_type: SourceType::Registry,
            registry_config: RegistryConfig {
                registry_id: Some(registries[i].id.clone()),
                image_name: format!("acme/svc-{i}"),
                image_tag: "1.0".into(),
            },
            created_by: "bench@host".into(),
            created_at: now,
            updated_at: now,
        })
        .collect();
    VaultData {
        registries,
        containers,
        ..VaultData::default()
    }
}

pub fn make_vault(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let identity = dir.join(format!("identity-{n}.txt"));
    let path = dir.join(format!("vault-{n}.age"));
    let recipient = vault::generate_identity(&identity).expect("identity");
    Vault::create(
        &path,
        data(n),
        Encryption::Recipients(vec![recipient]),
        None,
    )
    .expect("create");
    (path, identity)
}
