//! The audit log through the real binary: every command leaves its entry
//! (with who, what, which and where), `log verify` names the first broken
//! entry after any edit, deletion, reordering or truncation of the bytes
//! on disk, concurrent processes never interleave or lose entries, no
//! secret ever reaches the log, and another identity reads nothing.

mod support;

use serde_json::{Value, json};
use support::Sandbox;

/// 36 characters after `ghp_`: a canary that must never be logged.
const CANARY: &str = "ghp_CANARYcanaryCANARYcanaryCANARY000000";
const ROTATED: &str = "ghp_ROTATEDrotatedROTATEDrotated11111111";

fn segment(s: &Sandbox) -> std::path::PathBuf {
    s.path("data/regvault/vault.age.audit/000001.log")
}

fn log_json(s: &Sandbox) -> Vec<Value> {
    let o = s.ok(&["log", "--json"], &[]);
    assert!(!o.stdout.contains(CANARY), "{}", o.stdout);
    serde_json::from_str::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn actions(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["result"].as_str().unwrap()
            )
        })
        .collect()
}

fn with_registry() -> (Sandbox, String) {
    let s = Sandbox::new();
    let id = s.add(&json!({"name": "gh", "type": "GHCR",
        "credentials": {"username": "octo", "token": CANARY}}));
    (s, id)
}

#[test]
fn every_command_leaves_its_entry_and_no_secret() {
    let (s, id) = with_registry();
    let tok = s.write("rotated.txt", ROTATED);
    s.ok(
        &[
            "registry",
            "update",
            "gh",
            "--field-file",
            &format!("token={}", tok.display()),
        ],
        &[],
    );
    s.ok(&["registry", "update", "gh", "--name", "gh-main"], &[]);
    s.ok(&["registry", "test", "gh-main", "--offline"], &[]);
    s.add_container("web", "prod", "ghcr.io/acme/web", &id);
    // Refused by a rule: the registry is in use.
    assert_ne!(s.run(&["registry", "delete", "gh-main"], &[]).code, 0);
    let out = s.path("out.json");
    s.ok(
        &["export", "dockerconfig", "--output", out.to_str().unwrap()],
        &[],
    );
    s.ok(&["container", "delete", "web"], &[]);
    s.ok(&["registry", "delete", "gh-main"], &[]);
    s.ok(&["restore", "1"], &[]);
    let entries = log_json(&s);
    assert_eq!(
        actions(&entries),
        [
            "init ok",
            "add ok",
            "rotate ok",
            "update ok",
            "test ok",
            "container-add ok",
            "delete refused",
            "export ok",
            "container-delete ok",
            "delete ok",
            "restore ok",
        ]
    );
    // Which, where and who.
    assert_eq!(entries[1]["registry"]["id"], id.as_str());
    assert_eq!(entries[1]["registry"]["name"], "gh");
    assert_eq!(entries[3]["reason"], "renamed from gh");
    assert_eq!(entries[5]["container"]["name"], "web");
    assert_eq!(entries[7]["where"], out.to_str().unwrap());
    assert!(
        entries[6]["reason"]
            .as_str()
            .unwrap()
            .contains("used by 1 container"),
        "{}",
        entries[6]
    );
    let who = &entries[1]["who"];
    assert!(
        who["member"]
            .as_str()
            .unwrap()
            .starts_with("alice@ops (sha256:"),
        "{who}"
    );
    assert_eq!(who["uid"], regvault::vault::my_uid());
    assert!(who["fingerprint"].as_str().unwrap().starts_with("sha256:"));
    // The SSH client is recorded as the environment claims it.
    let o = s.ok(
        &["registry", "test", "gh-main", "--offline"],
        &[("SSH_CONNECTION", "203.0.113.7 50000 10.0.0.1 22")],
    );
    assert_eq!(o.code, 0);
    let last = log_json(&s).pop().unwrap();
    assert_eq!(last["who"]["sshClient"], "203.0.113.7");
    // Filters: by registry, by who, by time; text output too.
    let o = s.ok(&["log", "--registry", &id], &[]);
    // add, rotate, update, test, delete refused, delete, and the test over SSH.
    assert_eq!(o.stdout.lines().count(), 1 + 7, "{}", o.stdout);
    assert_eq!(entries[6]["registry"]["id"], id.as_str());
    let o = s.ok(&["log", "--who", "nobody-else", "--json"], &[]);
    assert_eq!(o.stdout.trim(), "[]");
    let o = s.ok(&["log", "--since", "1h"], &[]);
    assert!(o.stdout.contains("container-add"), "{}", o.stdout);
    assert_eq!(
        s.ok(&["log", "--since", "2030-01-01T00:00:00Z", "--json"], &[])
            .stdout
            .trim(),
        "[]"
    );
    assert_ne!(s.run(&["log", "--since", "soon"], &[]).code, 0);
    // Nothing secret on disk either (the entries are sealed).
    let bytes = std::fs::read(segment(&s)).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for needle in [CANARY, ROTATED, "octo", "gh-main", "alice"] {
        assert!(!text.contains(needle), "{needle} in the log file");
    }
    let o = s.ok(&["log", "verify"], &[]);
    assert!(o.stdout.contains("ok: 12 entries"), "{}", o.stdout);
}

/// A vault with `n` entries in all, its verified segment bytes.
fn logged(n: usize) -> (Sandbox, Vec<String>) {
    let (s, _) = with_registry();
    while log_json(&s).len() < n {
        s.ok(&["registry", "test", "gh", "--offline"], &[]);
    }
    let text = std::fs::read_to_string(segment(&s)).unwrap();
    (s, text.lines().map(str::to_owned).collect())
}

/// The lines back as file bytes, each with its newline.
fn joined(lines: &[String]) -> String {
    lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect()
}

fn verify_breaks(s: &Sandbox, lines: &[String], want: &str) {
    std::fs::write(segment(s), joined(lines)).unwrap();
    let o = s.run(&["log", "verify"], &[]);
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains(want), "want {want:?}: {}", o.stdout);
    let o = s.run(&["log", "verify", "--json"], &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["segment"], 1);
}

#[test]
fn tampering_with_the_bytes_is_named_by_verify() {
    let (s, lines) = logged(6);
    assert_eq!(lines.len(), 6);
    assert_eq!(s.ok(&["log", "verify"], &[]).code, 0);
    // Edit one character of entry 3's sealed text.
    let mut edited = lines.clone();
    let fields: Vec<&str> = edited[2].split(' ').collect();
    let mut sealed = fields[3].to_owned();
    let flip = if sealed.starts_with('A') { "B" } else { "A" };
    sealed.replace_range(0..1, flip);
    edited[2] = [fields[0], fields[1], fields[2], &sealed, fields[4]].join(" ");
    verify_breaks(&s, &edited, "entry 3: edited");
    // Delete entry 3.
    let mut deleted = lines.clone();
    deleted.remove(2);
    verify_breaks(&s, &deleted, "entry 3: entry 3 is missing");
    // Swap entries 3 and 4.
    let mut swapped = lines.clone();
    swapped.swap(2, 3);
    verify_breaks(
        &s,
        &swapped,
        "entry 3: entry 3 is missing (found entry 4 here)",
    );
    // Truncate the last two entries: the vault's head (or this user's) says 6.
    verify_breaks(&s, &lines[..4], "entry 5: missing");
    // Cut mid-entry.
    std::fs::write(segment(&s), {
        let all = joined(&lines);
        all[..all.len() - 20].to_owned()
    })
    .unwrap();
    let o = s.run(&["log", "verify"], &[]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("entry 6"), "{}", o.stdout);
    // An entry forged by hand (no key) is refused, and appends stop on it.
    let mut forged = lines.clone();
    forged.push(format!(
        "7 {} 000000000000000000000000 AAAA {}",
        "0".repeat(64),
        "0".repeat(64)
    ));
    verify_breaks(&s, &forged, "entry 7: edited");
    // Put back as it was: intact again.
    std::fs::write(segment(&s), joined(&lines)).unwrap();
    assert_eq!(s.ok(&["log", "verify"], &[]).code, 0);
    // Without this user's state, the vault's own head still catches it.
    for e in std::fs::read_dir(s.path(".local/state/regvault")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("audit-")
        {
            std::fs::remove_file(p).unwrap();
        }
    }
    verify_breaks(&s, &lines[..4], "recorded 6 entries, the log has 4");
    std::fs::write(segment(&s), joined(&lines)).unwrap();
    // Whole log removed: the vault still says how many there were.
    std::fs::remove_file(segment(&s)).unwrap();
    let o = s.run(&["log", "verify"], &[]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("entry 1: missing"), "{}", o.stdout);
}

#[test]
fn concurrent_writers_never_interleave_or_lose_entries() {
    let (s, _) = with_registry();
    let before = log_json(&s).len();
    let (procs, each) = (6, 8);
    let bin = assert_cmd::cargo::cargo_bin("regvault");
    let handles: Vec<_> = (0..procs)
        .map(|p| {
            let home = s.dir.path().to_owned();
            let bin = bin.clone();
            std::thread::spawn(move || {
                for i in 0..each {
                    let out = home.join(format!("out-{p}-{i}.json"));
                    let o = std::process::Command::new(&bin)
                        .env_clear()
                        .env("PATH", std::env::var("PATH").unwrap_or_default())
                        .env("HOME", &home)
                        .env("XDG_CONFIG_HOME", home.join("config"))
                        .env("XDG_DATA_HOME", home.join("data"))
                        .env("REGVAULT_USER", format!("writer{p}"))
                        .args(["export", "dockerconfig", "--output", out.to_str().unwrap()])
                        .output()
                        .unwrap();
                    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let text = std::fs::read_to_string(segment(&s)).unwrap();
    assert!(text.ends_with('\n'));
    assert_eq!(text.lines().count(), before + procs * each);
    let o = s.ok(&["log", "verify"], &[]);
    assert!(
        o.stdout
            .contains(&format!("ok: {} entries", before + procs * each)),
        "{}",
        o.stdout
    );
    let entries = log_json(&s);
    for p in 0..procs {
        let mine = entries
            .iter()
            .filter(|e| {
                e["who"]["member"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("writer{p} "))
            })
            .count();
        assert_eq!(mine, each, "writer{p}");
    }
}

#[test]
fn another_identity_reads_nothing() {
    let (s, _) = with_registry();
    s.ok(&["registry", "test", "gh", "--offline"], &[]);
    // A second user with their own identity, not a recipient of the vault.
    let other = Sandbox::new();
    let vault = s.path("data/regvault/vault.age");
    let o = other.run(&["log", "--vault", vault.to_str().unwrap(), "--json"], &[]);
    assert_ne!(o.code, 0, "{}", o.stdout);
    assert!(
        !o.stdout.contains("gh") && !o.stdout.contains("test"),
        "{}",
        o.stdout
    );
    // Their own log key does not open these entries either: copied into
    // their vault's log, the chain breaks at the first entry.
    let theirs = other.path("data/regvault/vault.age.audit/000001.log");
    std::fs::copy(segment(&s), &theirs).unwrap();
    let o = other.run(&["log", "verify"], &[]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(o.stdout.contains("entry 1"), "{}", o.stdout);
}

#[test]
fn a_symlink_planted_for_a_segment_is_not_followed() {
    let (s, _) = with_registry();
    // A planted symlink in place of the segment is not followed.
    let seg = segment(&s);
    let victim = s.write("victim.txt", "keep\n");
    std::fs::remove_file(&seg).unwrap();
    std::os::unix::fs::symlink(&victim, &seg).unwrap();
    let o = s.run(&["registry", "test", "gh", "--offline"], &[]);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
}

/// `regvault import` logs one `import` entry per registry it adds, with
/// the file it came from — and never the imported secret.
#[test]
fn an_import_is_logged_per_registry_with_its_source() {
    use base64::Engine as _;
    let s = Sandbox::new();
    s.ok(&["registry", "list"], &[]);
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("octo:{CANARY}"));
    let config = s.write(
        "config.json",
        &json!({"auths": {"ghcr.io": {"auth": auth}, "quay.io": {"auth":
            base64::engine::general_purpose::STANDARD.encode(format!("robot:{ROTATED}"))}}})
        .to_string(),
    );
    let shown = config.display().to_string();
    s.ok(&["import", "docker-config", &shown], &[]);
    let entries = log_json(&s);
    let imports: Vec<&Value> = entries.iter().filter(|e| e["action"] == "import").collect();
    assert_eq!(imports.len(), 2, "{entries:?}");
    for e in &imports {
        assert_eq!(e["result"], "ok", "{e}");
        assert!(
            e["where"].as_str().unwrap_or("").contains(&shown),
            "the source file is named: {e}"
        );
    }
    let names: Vec<&str> = imports
        .iter()
        .map(|e| e["registry"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"ghcr.io") && names.contains(&"quay.io"),
        "{names:?}"
    );
    let text = String::from_utf8_lossy(&std::fs::read(segment(&s)).unwrap()).into_owned();
    assert!(!text.contains(CANARY) && !text.contains(ROTATED));
    s.ok(&["log", "verify"], &[]);
}
