//! `docker-credential-regvault get` as a whole process (what docker spawns
//! for every pull and, with `credHelpers`, for every `docker build`) on a
//! signed team vault of 1,000 registries, side by side with
//! `docker-credential-pass get` (Debian `golang-docker-credential-helpers`
//! with `pass` and a gpg key without passphrase) holding 1,000 entries.
//! Runs are interleaved (one of each per round) so both see the same machine
//! load; medians and p90 are printed.
//!
//! `cargo bench --bench helper` (release profile). Needs `pass`, `gpg` and
//! `docker-credential-pass`: `apt-get install -y golang-docker-credential-helpers pass gnupg`.
//! `HELPER_BENCH_RUNS` sets the rounds (default 41).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use regvault::registry::RegistryKind;
use regvault::vault::{KeySource, Vault};

mod common;

const N: usize = 1000;

fn need(bin: &str) {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "`{bin}` is not installed: apt-get install -y golang-docker-credential-helpers pass gnupg"
    );
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = ms(samples[samples.len() / 2]);
    let p90 = ms(samples[(samples.len() * 9 / 10).min(samples.len() - 1)]);
    (median, p90)
}

/// Runs `cmd` with `input` on stdin; its stdout, and the wall time from
/// spawn to exit.
fn timed(cmd: &mut Command, input: &str) -> (String, Duration) {
    let t = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().expect("wait");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), took)
}

/// The bench's vault as `regvault init` makes them: a team vault, every
/// save signed, every open verified and pin-checked.
fn team_vault(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (path, identity) = common::make_vault(dir, N);
    let key = dir.join("signing-key.txt");
    let public = regvault::vault::ensure_signing_key(&key).expect("signing key");
    let keys = [KeySource::IdentityFile(identity.clone())];
    let mut v = Vault::open(&path, &keys).expect("open");
    v.set_signing_key(key.clone());
    v.set_members(vec![public]).expect("members");
    v.save().expect("signed save");
    (path, identity, key)
}

/// A vault of `N` registries switched to a passphrase (`regvault rekey
/// --passphrase`) and unlocked in an agent on a private socket; the
/// environment a client needs to use it, and the `regvault` binary.
fn unlocked_passphrase_vault(dir: &Path) -> (Vec<(&'static str, PathBuf)>, &'static str) {
    let regvault = env!("CARGO_BIN_EXE_regvault");
    let pp = dir.join("pp");
    std::fs::create_dir_all(&pp).unwrap();
    let (path, identity) = common::make_vault(&pp, N);
    let home = pp.join("home");
    let agent_dir = pp.join("agent");
    for d in [&home, &agent_dir] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    }
    let pass_file = pp.join("passphrase");
    std::fs::write(&pass_file, "bench-passphrase-7Kq!-wide-river-copper\n").unwrap();
    let env = vec![
        ("HOME", home),
        ("REGVAULT_VAULT", path),
        ("REGVAULT_AGENT_SOCK", agent_dir.join("agent.sock")),
    ];
    let run = |args: &[&str], extra: &[(&str, &Path)]| {
        let o = Command::new(regvault)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .envs(extra.iter().map(|(k, v)| (*k, v)))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "regvault {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(
        &["rekey", "--passphrase"],
        &[
            ("REGVAULT_IDENTITY", &identity),
            ("REGVAULT_PASSPHRASE_FILE", &pass_file),
        ],
    );
    run(&["unlock"], &[("REGVAULT_PASSPHRASE_FILE", &pass_file)]);
    (env, regvault)
}

/// A private gpg home and password store with a passphrase-less key.
fn pass_store(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let gnupg = dir.join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    std::fs::set_permissions(&gnupg, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let env = vec![
        ("GNUPGHOME", gnupg),
        ("PASSWORD_STORE_DIR", dir.join("password-store")),
    ];
    let run = |args: &[&str]| {
        let st = Command::new(args[0])
            .args(&args[1..])
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "{args:?}");
    };
    run(&[
        "gpg",
        "--batch",
        "--passphrase",
        "",
        "--quick-gen-key",
        "bench@regvault.test",
        "default",
        "default",
        "never",
    ]);
    run(&["pass", "init", "bench@regvault.test"]);
    env
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; nothing to list.
    }
    for bin in ["gpg", "pass", "docker-credential-pass"] {
        need(bin);
    }
    let rounds: usize = std::env::var("HELPER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(41);
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, identity, signing_key) = team_vault(dir.path());
    // The last Custom registry: `get` scans every registry for the host.
    let last = (0..N)
        .rev()
        .find(|i| RegistryKind::ALL[i % 9] == RegistryKind::Custom)
        .unwrap();
    let server = format!("https://registry{last}.example.com");

    let pass_env = pass_store(dir.path());
    let t = Instant::now();
    // 1,000 entries through the helper's own `store`, as `docker login`
    // would have written them; four at a time.
    let servers: Vec<String> = (0..N)
        .map(|i| {
            if i == last {
                server.clone()
            } else {
                format!("https://registry{i}.example.com")
            }
        })
        .collect();
    std::thread::scope(|s| {
        for chunk in servers.chunks(N / 4) {
            let env = &pass_env;
            s.spawn(move || {
                for url in chunk {
                    let req =
                        format!(r#"{{"ServerURL":"{url}","Username":"user","Secret":"pw-{url}"}}"#);
                    timed(
                        Command::new("docker-credential-pass")
                            .arg("store")
                            .envs(env.iter().map(|(k, v)| (*k, v))),
                        &req,
                    );
                }
            });
        }
    });
    println!(
        "(setup: {N} entries stored in pass in {:.1} s)",
        t.elapsed().as_secs_f64()
    );

    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut ours = Command::new(env!("CARGO_BIN_EXE_docker-credential-regvault"));
    ours.env_clear()
        .env("HOME", &home)
        .env("REGVAULT_VAULT", &path)
        .env("REGVAULT_IDENTITY", &identity)
        .env("REGVAULT_SIGNING_KEY", &signing_key)
        .arg("get");
    // The same vault size behind a passphrase, unlocked in the agent:
    // `get` asks the agent for the file key instead of running scrypt.
    let (agent_env, regvault_bin) = unlocked_passphrase_vault(dir.path());
    let mut through_agent = Command::new(env!("CARGO_BIN_EXE_docker-credential-regvault"));
    through_agent
        .env_clear()
        .envs(agent_env.iter().map(|(k, v)| (*k, v)))
        .arg("get");
    let mut theirs = Command::new("docker-credential-pass");
    theirs
        .envs(pass_env.iter().map(|(k, v)| (*k, v)))
        .arg("get");
    // Warm-up (gpg-agent started, pages cached, the pin recorded), and a
    // check that both answer for the same server.
    let (a, _) = timed(&mut ours, &server);
    let (b, _) = timed(&mut theirs, &server);
    let (c, _) = timed(&mut through_agent, &server);
    assert!(c.contains("\"Username\":\"user"), "through the agent: {c}");
    assert!(a.contains("\"Username\":\"user"), "{a}");
    assert!(b.contains("\"Username\":\"user\""), "{b}");

    let mut ours_t = Vec::with_capacity(rounds);
    let mut theirs_t = Vec::with_capacity(rounds);
    let mut agent_t = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        ours_t.push(timed(&mut ours, &server).1);
        theirs_t.push(timed(&mut theirs, &server).1);
        agent_t.push(timed(&mut through_agent, &server).1);
    }
    let (om, op) = stats(ours_t);
    let (tm, tp) = stats(theirs_t);
    let (am, ap) = stats(agent_t);
    println!(
        "{:<52} median {om:>7.2} ms   p90 {op:>7.2} ms   ({rounds} runs)",
        format!("docker-credential-regvault get, {N} registries")
    );
    println!(
        "{:<52} median {tm:>7.2} ms   p90 {tp:>7.2} ms   ({rounds} runs)",
        format!("docker-credential-pass get, {N} entries")
    );
    println!(
        "{:<52} median {am:>7.2} ms   p90 {ap:>7.2} ms   ({rounds} runs)",
        format!("  the same, passphrase vault through the agent")
    );
    println!("ratio (regvault / pass, medians): {:.3}", om / tm);
    println!("ratio (through the agent / pass, medians): {:.3}", am / tm);
    let _ = Command::new(regvault_bin)
        .env_clear()
        .envs(agent_env.iter().map(|(k, v)| (*k, v)))
        .args(["agent", "stop"])
        .status();

    // The gpg-agent this bench started.
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .envs(pass_env.iter().map(|(k, v)| (*k, v)))
        .status();
}
