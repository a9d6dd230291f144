//! TUI speed and memory, on the real `update` and `view::render` drawing to
//! a ratatui `TestBackend` of 120×40:
//!
//! - start → first frame, 1,000 registries in an identity-file vault: open,
//!   build the model, first draw (target ≤ 30 ms median);
//! - keystroke → frame, 10,000 registries with an active `/` filter: one key
//!   `Msg` through `update`, then a draw (target ≤ 1 ms p99), both while
//!   typing in the filter and while moving through the filtered rows;
//! - peak RSS (`VmHWM`) of a child process that opened a 10,000-registry
//!   vault, built the model and drew a first frame (target ≤ 30 MB).
//!
//! Each figure comes with a breakdown (the steps of a start, the parts of
//! one keystroke, the memory after each step) to show where time and memory
//! go. `cargo bench --bench tui`, or
//! `cargo bench --bench tui -- memory` (or `start`, `keys`) for one part.
//! Registries cycle through all nine kinds with realistically sized fake
//! credentials (GCR/GAR carry a ~2.3 KB service-account JSON key).

use std::path::Path;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use regvault::model::VaultData;
use regvault::tui::keymap::Keymap;
use regvault::tui::msg::Msg;
use regvault::tui::state::list::registry_rows;
use regvault::tui::state::{Context, Model};
use regvault::tui::{update, view};
use regvault::vault::{KeySource, Vault};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// The child role of the memory figure: the vault to open.
const CHILD_VAULT: &str = "RV_TUI_BENCH_VAULT";
const CHILD_IDENTITY: &str = "RV_TUI_BENCH_IDENTITY";
/// The baseline child: an empty process, for comparison.
const CHILD_BASELINE: &str = "RV_TUI_BENCH_BASELINE";

mod common;
use common::{data, make_vault};

fn ctx() -> Context {
    Context {
        vault_path: "/home/ops/.local/share/regvault/vault.age".into(),
        identity_path: "/home/ops/.config/regvault/identity.txt".into(),
        user: "ops0@host".into(),
        read_only: false,
        color: true,
        helper_paths: None,
        demo: false,
    }
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal")
}

fn draw(t: &mut Terminal<TestBackend>, m: &Model) {
    t.draw(|f| view::render(f, m)).expect("draw");
}

/// The data moves out of the vault into one `Arc` that the runtime and the
/// model share, as `tui::runtime::Runtime::new` does: one copy, not two.
fn share(vault: &mut Vault) -> std::sync::Arc<VaultData> {
    std::sync::Arc::new(std::mem::take(vault.data_mut()))
}

/// What `tui::run` does before the first frame: open the vault, share its
/// data with the model (the runtime keeps the vault), draw.
fn start(path: &Path, keys: &[KeySource]) -> (Vault, Model, Terminal<TestBackend>) {
    let mut vault = Vault::open(path, keys).expect("open");
    let model = Model::with_shared(
        ctx(),
        Keymap::defaults(),
        Some(share(&mut vault)),
        Timestamp::now(),
    );
    let mut t = terminal();
    draw(&mut t, &model);
    (vault, model, t)
}

struct Stats {
    median: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    #[allow(
        clippy::cast_sign_loss,
        reason = "q is a quantile in [0, 1], so the index is non-negative"
    )]
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Stats {
        median: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        max: samples[samples.len() - 1],
        n: samples.len(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Prints one figure's line.
fn report(name: &str, s: &Stats, target: &str) {
    println!(
        "{name:<46} median {:>8.3} ms  p90 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms  ({} runs)  target {target}",
        ms(s.median),
        ms(s.p90),
        ms(s.p99),
        ms(s.max),
        s.n
    );
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Feeds `msg` through the real update, then draws; returns the time taken.
fn keystroke(m: &mut Model, t: &mut Terminal<TestBackend>, msg: Msg) -> Duration {
    let start = Instant::now();
    let effects = update::update(m, msg);
    draw(t, m);
    let took = start.elapsed();
    assert!(effects.is_empty(), "a list key should cause no effect");
    took
}

/// A `/proc/self/status` figure in KiB (`VmHWM`: peak RSS, `VmRSS`: now).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Memory after each step of a start, in KiB.
#[derive(Clone, Copy, Debug, Default)]
struct MemSteps {
    peak_after_open: u64,
    rss_after_open: u64,
    rss_after_model: u64,
    peak: u64,
    rss_after_frame: u64,
}

/// Child roles for the memory figure; `true` when this process was one.
fn child_role() -> bool {
    if std::env::var_os(CHILD_BASELINE).is_some() {
        println!("{} 0 0 {} 0", status_kib("VmHWM"), status_kib("VmHWM"));
        return true;
    }
    let (Some(path), Some(identity)) = (
        std::env::var_os(CHILD_VAULT),
        std::env::var_os(CHILD_IDENTITY),
    ) else {
        return false;
    };
    // The steps of `start`, with the memory after each.
    let keys = [KeySource::IdentityFile(identity.into())];
    let mut vault = Vault::open(Path::new(&path), &keys).expect("open");
    let (peak_after_open, rss_after_open) = (status_kib("VmHWM"), status_kib("VmRSS"));
    let model = Model::with_shared(
        ctx(),
        Keymap::defaults(),
        Some(share(&mut vault)),
        Timestamp::now(),
    );
    let rss_after_model = status_kib("VmRSS");
    let mut t = terminal();
    draw(&mut t, &model);
    std::hint::black_box((&vault, &model, &t));
    println!(
        "{peak_after_open} {rss_after_open} {rss_after_model} {} {}",
        status_kib("VmHWM"),
        status_kib("VmRSS")
    );
    true
}

fn child_mem(envs: &[(&str, &Path)]) -> MemSteps {
    let exe = std::env::current_exe().expect("exe");
    let mut cmd = std::process::Command::new(exe);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child");
    assert!(out.status.success(), "child failed: {out:?}");
    let n: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|v| v.parse().expect("child printed KiB figures"))
        .collect();
    MemSteps {
        peak_after_open: n[0],
        rss_after_open: n[1],
        rss_after_model: n[2],
        peak: n[3],
        rss_after_frame: n[4],
    }
}

fn bench_start(dir: &Path) {
    let (path, identity) = make_vault(dir, 1_000);
    let keys = [KeySource::IdentityFile(identity)];
    let _ = start(&path, &keys); // warm the page cache
    let mut total = Vec::new();
    let mut open = Vec::new();
    let mut model = Vec::new();
    let mut frame = Vec::new();
    for _ in 0..40 {
        let t0 = Instant::now();
        let mut vault = Vault::open(&path, &keys).expect("open");
        let t1 = Instant::now();
        let m = Model::with_shared(
            ctx(),
            Keymap::defaults(),
            Some(share(&mut vault)),
            Timestamp::now(),
        );
        let t2 = Instant::now();
        let mut t = terminal();
        draw(&mut t, &m);
        let t3 = Instant::now();
        std::hint::black_box((&vault, &m, &t));
        total.push(t3 - t0);
        open.push(t1 - t0);
        model.push(t2 - t1);
        frame.push(t3 - t2);
    }
    report(
        "start → first frame, 1,000 registries",
        &stats(total),
        "≤ 30 ms median",
    );
    report("  of which: open (decrypt + parse)", &stats(open), "");
    report("  of which: model (shares the data)", &stats(model), "");
    report("  of which: first draw 120×40", &stats(frame), "");
}

/// A model of 10,000 registries on the registries screen, `/` pressed and
/// `filter` typed; returns it with a terminal that has drawn it.
fn filtered_model(data: &VaultData, filter: &str) -> (Model, Terminal<TestBackend>) {
    let mut m = Model::new(
        ctx(),
        Keymap::defaults(),
        Some(data.clone()),
        Timestamp::now(),
    );
    let mut t = terminal();
    draw(&mut t, &m);
    update::update(&mut m, key(KeyCode::Char('/')));
    for c in filter.chars() {
        update::update(&mut m, key(KeyCode::Char(c)));
    }
    draw(&mut t, &m);
    (m, t)
}

fn bench_keystrokes(data: &VaultData, keystrokes: usize) {
    // Typing in the filter: "ghc" ⇄ "ghcr" (about 1,100 of 10,000 match).
    let (mut m, mut t) = filtered_model(data, "ghc");
    let shown = m.registry_rows().len();
    let samples = (0..keystrokes)
        .map(|i| {
            let msg = if i % 2 == 0 {
                key(KeyCode::Char('r'))
            } else {
                key(KeyCode::Backspace)
            };
            keystroke(&mut m, &mut t, msg)
        })
        .collect();
    report(
        &format!("key → frame, typing in / filter ({shown} shown)"),
        &stats(samples),
        "≤ 1 ms p99",
    );

    // Moving through the filtered rows: Enter keeps the filter, then j/k.
    let (mut m, mut t) = filtered_model(data, "ghcr");
    update::update(&mut m, key(KeyCode::Enter));
    let shown = m.registry_rows().len();
    let samples = (0..keystrokes)
        .map(|i| {
            // Down 100 rows, up 100 rows, and again.
            let code = if (i / 100) % 2 == 0 {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            };
            keystroke(&mut m, &mut t, key(code))
        })
        .collect();
    report(
        &format!("key → frame, j/k in filtered list ({shown} shown)"),
        &stats(samples),
        "≤ 1 ms p99",
    );
    breakdown(&mut m, &mut t);
}

/// Where one j keystroke's time goes (medians of 30).
fn breakdown(m: &mut Model, t: &mut Terminal<TestBackend>) {
    let median = |f: &mut dyn FnMut()| {
        let samples = (0..30)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed()
            })
            .collect();
        ms(stats(samples).median)
    };
    println!("  breakdown of one keystroke (10,000 registries, filter active), medians:");
    let now = m.now;
    let upd = median(&mut || {
        update::update(m, key(KeyCode::Char('j')));
        update::update(m, key(KeyCode::Char('k')));
    }) / 2.0;
    println!("    update (j/k)                              {upd:>8.3} ms");
    let frame = median(&mut || draw(t, m));
    println!("    draw (view::render + diff)                {frame:>8.3} ms");
    // What the row cache saves: rebuilding every row from scratch, which
    // no keystroke does any more (only data, sort or filter changes refresh
    // the cache, and typing narrows the previous filter result).
    let rows = median(&mut || {
        std::hint::black_box(registry_rows(&m.data, &m.registries, now));
    });
    println!("    (all rows from scratch, not on the key path {rows:>8.3} ms)");
}

fn bench_memory(dir: &Path) {
    let (path, identity) = make_vault(dir, 10_000);
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    let mut runs: Vec<MemSteps> = (0..5)
        .map(|_| child_mem(&[(CHILD_VAULT, &path), (CHILD_IDENTITY, &identity)]))
        .collect();
    runs.sort_unstable_by_key(|m| m.peak);
    let m = runs[runs.len() / 2];
    let base = child_mem(&[(CHILD_BASELINE, Path::new("1"))]).peak;
    let mb = |kib: u64| kib as f64 / 1024.0;
    println!(
        "{:<46} median {:>8.1} MB  (5 runs)  target ≤ 30 MB",
        "peak RSS, 10,000 registries, first frame",
        mb(m.peak)
    );
    println!(
        "  vault {:.1} MB on disk; an empty bench process peaks at {:.1} MB",
        size as f64 / 1e6,
        mb(base)
    );
    println!(
        "  after Vault::open: peak {:.1} MB, resident {:.1} MB",
        mb(m.peak_after_open),
        mb(m.rss_after_open)
    );
    println!(
        "  after Model::with_shared (no second copy): resident {:.1} MB",
        mb(m.rss_after_model)
    );
    println!(
        "  after the first frame: resident {:.1} MB",
        mb(m.rss_after_frame)
    );
}

fn main() {
    if child_role() {
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; nothing to list.
    }
    // `cargo bench` passes `--bench`; a plain run of the binary (as
    // `cargo test --benches` does) is not a measurement.
    if !args.iter().any(|a| a == "--bench") {
        println!("tui bench: run it with `cargo bench --bench tui`");
        return;
    }
    // Optional section names select what runs: start, keys, memory.
    let only: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let run = |name: &str| only.is_empty() || only.contains(&name);
    let dir = tempfile::tempdir().expect("tempdir");
    if run("start") {
        bench_start(dir.path());
    }
    if run("keys") {
        bench_keystrokes(&data(10_000), 1_000);
    }
    if run("memory") {
        bench_memory(dir.path());
    }
}
