//! Vault speed and memory: open 1,000 / 10,000 registries with an identity
//! file, save 10,000 with fsync, peak RSS of a process holding 10,000.
//!
//! `cargo bench --bench vault` prints medians and p90 over repeated runs.
//! Registries cycle through all nine kinds with realistically sized fake
//! credentials (GCR/GAR carry a ~2.3 KB service-account JSON key).

use std::path::Path;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use regvault::model::{
    Container, ContainerId, Credentials, Registry, RegistryConfig, RegistryId, SourceType,
    VaultData,
};
use regvault::registry::RegistryKind;
use regvault::vault::{self, Encryption, KeySource, Vault};

fn fake_key(i: usize) -> String {
    let body: String = (0..1600)
        .map(|j| (b'A' + ((i + j) % 26) as u8) as char)
        .collect();
    format!(
        r#"{{"type":"service_account","project_id":"proj-{i}","private_key_id":"{i:040x}","private_key":"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n","client_email":"puller-{i}@proj-{i}.iam.gserviceaccount.com","client_id":"1{i:020}","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token"}}"#
    )
}

fn credentials(kind: RegistryKind, i: usize) -> Credentials {
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

fn data(n: usize) -> VaultData {
    let now = Timestamp::now();
    let registries: Vec<Registry> = (0..n)
        .map(|i| {
            let kind = RegistryKind::ALL[i % 9];
            Registry {
                id: RegistryId::generate(),
                name: format!("registry-{i:05}"),
                kind,
                credentials: credentials(kind, i),
                created_by: "bench@host".into(),
                created_at: now,
                updated_at: now,
                credentials_rotated_at: None,
                last_test: None,
                connection: Default::default(),
                ecr_token: None,
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
    }
}

fn make_vault(dir: &Path, n: usize) -> (std::path::PathBuf, std::path::PathBuf) {
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

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let median = samples[samples.len() / 2];
    let p90 = samples[(samples.len() * 9 / 10).min(samples.len() - 1)];
    (median, p90)
}

fn report(name: &str, samples: Vec<Duration>) {
    let n = samples.len();
    let (median, p90) = stats(samples);
    println!(
        "{name:<40} median {:>8.2} ms   p90 {:>8.2} ms   ({n} runs)",
        median.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3
    );
}

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    // Child role: open a vault and report this process's peak RSS.
    if let (Ok(path), Ok(identity)) = (
        std::env::var("RV_BENCH_VAULT"),
        std::env::var("RV_BENCH_IDENTITY"),
    ) {
        let v = Vault::open(
            Path::new(&path),
            &[KeySource::IdentityFile(identity.into())],
        )
        .expect("open");
        std::hint::black_box(v.data().registries.len());
        println!("{}", vm_hwm_kib());
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; nothing to list.
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for n in [1_000usize, 10_000] {
        let (path, identity) = make_vault(dir.path(), n);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "vault of {n} registries: {:.1} MB on disk",
            size as f64 / 1e6
        );
        let keys = [KeySource::IdentityFile(identity.clone())];
        let runs = if n == 1_000 { 60 } else { 15 };
        let samples = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let v = Vault::open(&path, &keys).expect("open");
                std::hint::black_box(v.data().registries.len());
                t.elapsed()
            })
            .collect();
        report(&format!("open {n} (identity file)"), samples);

        let mut v = Vault::open(&path, &keys).expect("open");
        let samples = (0..runs)
            .map(|i| {
                v.data_mut().registries[0].name = format!("renamed-{i}");
                let t = Instant::now();
                v.save().expect("save");
                t.elapsed()
            })
            .collect();
        report(&format!("save {n} (fsync, backup rotation)"), samples);
        drop(v);

        let exe = std::env::current_exe().expect("exe");
        let mut peaks: Vec<u64> = (0..5)
            .map(|_| {
                let out = std::process::Command::new(&exe)
                    .env("RV_BENCH_VAULT", &path)
                    .env("RV_BENCH_IDENTITY", &identity)
                    .output()
                    .expect("child");
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse()
                    .unwrap_or(0)
            })
            .collect();
        peaks.sort_unstable();
        println!(
            "{:<40} median {:>8.1} MB  (peak RSS of a process that opened it)",
            format!("peak RSS, {n} open"),
            peaks[peaks.len() / 2] as f64 / 1024.0
        );
    }
}
