//! What the audit log adds to a CLI operation at 1,000 registries: the
//! same operation with and without the log, interleaved run by run, medians
//! compared. `registry test --offline` (ops' test-and-record: the entry
//! goes into the same save as the result) and `container add` (a direct
//! change: the records are diffed before/after, the entries appended, the
//! head saved). Each run opens the vault afresh, as a CLI process does.
//!
//! `cargo bench --bench audit`.

use std::time::{Duration, Instant};

use regvault::model::ContainerSpec;
use regvault::ops::FileStore;
use regvault::ops::test::{Offline, TestOptions, test_registry};
use regvault::vault::audit::{self, bench_set_enabled};
use regvault::vault::{KeySource, Vault};

mod common;
use common::make_vault;

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; nothing to list.
    }
    let runs: usize = std::env::var("RV_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(41);
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, identity) = make_vault(dir.path(), 1000);
    let keys = || vec![KeySource::IdentityFile(identity.clone())];
    let name = Vault::open(&path, &keys()).expect("open").data().registries[0]
        .name
        .clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tester = Offline {
        ok_summary: regvault::ops::test::OFFLINE_OK,
    };
    let test_once = || {
        let store = FileStore::new(path.clone(), keys());
        let start = Instant::now();
        let t = rt
            .block_on(test_registry(
                &store,
                &tester,
                &name,
                &TestOptions::default(),
                &regvault::ops::Cancel::new(),
            ))
            .expect("test");
        t.recorded.expect("recorded");
        start.elapsed()
    };
    let mut n = 0usize;
    let mut add_once = |logged: bool| {
        n += 1;
        let start = Instant::now();
        let mut v = Vault::open_locked(&path, &keys()).expect("open");
        let before = logged.then(|| v.data().clone());
        let spec = ContainerSpec {
            name: format!("bench-{n}"),
            environment: "bench".into(),
            registry_id: None,
            image_name: "busybox".into(),
            image_tag: "1".into(),
        };
        v.data_mut()
            .add_container(spec, "bench@host", jiff::Timestamp::now())
            .expect("add");
        if let Some(before) = before {
            let entries = audit::changes(&before, v.data(), &v.audit_who());
            let (saved, problem) = v.save_recording(&entries);
            saved.expect("save");
            assert!(problem.is_none());
        } else {
            v.save().expect("save");
        }
        start.elapsed()
    };
    // Warm up, then interleave: with, without, with, without, …
    for on in [true, false] {
        bench_set_enabled(on);
        test_once();
        add_once(on);
    }
    let (mut test_on, mut test_off, mut add_on, mut add_off) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        bench_set_enabled(true);
        test_on.push(test_once());
        add_on.push(add_once(true));
        bench_set_enabled(false);
        test_off.push(test_once());
        add_off.push(add_once(false));
    }
    bench_set_enabled(true);
    let entries = Vault::open(&path, &keys())
        .expect("open")
        .audit_log()
        .expect("log")
        .verify()
        .expect("read")
        .expect("intact");
    for (what, on, off) in [
        ("registry test --offline", test_on, test_off),
        ("container add", add_on, add_off),
    ] {
        let (on, off) = (median(on), median(off));
        println!(
            "{what:<26} 1k registries: with log {on:>7.2} ms   without {off:>7.2} ms   added {:>+6.2} ms  (medians of {runs}, interleaved)",
            on - off
        );
    }
    println!("log verified: {entries} entries");
    // The log's own parts, without the vault around them.
    let log = Vault::open(&path, &keys())
        .expect("open")
        .audit_log()
        .expect("log");
    let who = Vault::open(&path, &keys()).expect("open").audit_who();
    let entry = audit::Entry::new(who, audit::Action::HelperGet, audit::Outcome::Ok)
        .registry("reg-abc123", "ghcr-acme")
        .place("ghcr.io");
    let appends: Vec<Duration> = (0..500)
        .map(|_| {
            let start = Instant::now();
            log.append(&entry).expect("append");
            start.elapsed()
        })
        .collect();
    let walks: Vec<Duration> = (0..11)
        .map(|_| {
            let start = Instant::now();
            let n = log.verify().expect("read").expect("intact");
            std::hint::black_box(n);
            start.elapsed()
        })
        .collect();
    let total = log.verify().expect("read").expect("intact");
    println!(
        "one append (lock, tail, seal, write, user head)   median {:>7.3} ms  (500 runs)",
        median(appends)
    );
    println!(
        "verify the whole log ({total} entries)            median {:>7.2} ms  (11 runs)",
        median(walks)
    );
}
