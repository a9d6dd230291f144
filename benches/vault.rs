//! Vault speed and memory: open 1,000 / 10,000 registries with an identity
//! file, save 10,000 with fsync, peak RSS of a process holding 10,000.
//!
//! `cargo bench --bench vault` prints medians and p90 over repeated runs.
//! Registries cycle through all nine kinds with realistically sized fake
//! credentials (GCR/GAR carry a ~2.3 KB service-account JSON key).

use std::path::Path;
use std::time::{Duration, Instant};

use regvault::vault::{KeySource, Vault};

mod common;
use common::make_vault;

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
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
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

        if n == 10_000 {
            signed(dir.path(), &path, &keys, runs);
        }

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

/// The same vault made a team vault (as `regvault init` makes them): every
/// save signed with ed25519 over the plaintext's SHA-256, every open
/// verified — what that costs at 10,000 registries.
fn signed(dir: &Path, path: &Path, keys: &[KeySource], runs: usize) {
    let key = dir.join("signing-key.txt");
    let public = regvault::vault::ensure_signing_key(&key).expect("signing key");
    let mut v = Vault::open(path, keys).expect("open");
    v.set_signing_key(key.clone());
    v.set_members(vec![public]).expect("members");
    v.save().expect("first signed save");
    drop(v);
    let samples = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let v = Vault::open(path, keys).expect("open signed");
            std::hint::black_box(v.data().registries.len());
            t.elapsed()
        })
        .collect();
    report("open 10000, signed team vault", samples);
    let mut v = Vault::open(path, keys).expect("open signed");
    v.set_signing_key(key);
    let samples = (0..runs)
        .map(|i| {
            v.data_mut().registries[0].name = format!("signed-{i}");
            let t = Instant::now();
            v.save().expect("signed save");
            t.elapsed()
        })
        .collect();
    report("save 10000, signed team vault", samples);
}
