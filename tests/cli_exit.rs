//! The CLI's exit codes by class (`regvault --help` and the README list
//! them), against real components: a port with nothing listening (4), the
//! htpasswd registry refusing a wrong password (3), a passphrase vault with
//! no passphrase and no agent (5), bad flags (2). Also the generated shell
//! completions and man page.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;
use support::{Auth, Registry, Sandbox};

const USER: &str = "ci-user";
const PASS: &str = "s3cret-Right-password-0123";

fn custom(s: &Sandbox, name: &str, url: &str, pass: &str) -> String {
    s.add(&json!({"name": name, "type": "Custom",
        "credentials": {"url": url, "username": USER, "password": pass}}))
}

#[test]
fn a_port_with_nothing_listening_exits_4_unreachable() {
    let s = Sandbox::new();
    let port = support::free_port();
    let id = custom(&s, "gone", &format!("http://127.0.0.1:{port}"), PASS);
    let o = s.run(&["registry", "test", &id], &[]);
    assert_eq!(o.code, 4, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("refused"), "{}", o.stdout);
}

#[test]
fn a_wrong_password_on_the_htpasswd_registry_exits_3_refused_and_the_right_one_0() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let s = Sandbox::new();
    let good = custom(&s, "good", &reg.url(), PASS);
    let bad = custom(&s, "bad", &reg.url(), "Wrong-password-entirely-9876");
    assert_eq!(s.run(&["registry", "test", &good], &[]).code, 0);
    let o = s.run(&["registry", "test", &bad, "--json"], &[]);
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("bad-credentials"), "{}", o.stdout);
}

#[test]
fn a_passphrase_vault_without_its_passphrase_or_agent_exits_5_locked() {
    let s = Sandbox::new();
    let pass = s.write("pass", "violet-harbour-Quantum-79-sextant\n");
    let vault = s.path("pp.age");
    let vault = vault.to_str().unwrap();
    let with_pass = [("REGVAULT_PASSPHRASE_FILE", pass.to_str().unwrap())];
    s.ok(&["--vault", vault, "init", "--passphrase"], &with_pass);
    s.ok(&["--vault", vault, "registry", "list"], &with_pass);
    // No terminal, no passphrase file, no agent holding it: locked.
    let o = s.run(&["--vault", vault, "registry", "list"], &[]);
    assert_eq!(o.code, 5, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("regvault unlock"), "{}", o.stderr);
    // A wrong passphrase is class 5 as well (the vault does not open).
    let wrong = s.write("wrong", "not-the-passphrase-at-all-41\n");
    let o = s.run(
        &["--vault", vault, "registry", "list"],
        &[("REGVAULT_PASSPHRASE_FILE", wrong.to_str().unwrap())],
    );
    assert_eq!(o.code, 5, "{}", o.stderr);
}

#[test]
fn bad_flags_and_bad_values_exit_2_usage() {
    let s = Sandbox::new();
    let o = s.run(&["registry", "list", "--no-such-flag"], &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    let o = s.run(&["--wait", "99999999", "registry", "list"], &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--wait"), "{}", o.stderr);
    let o = s.run(&["registry", "test", "x", "--timeout", "0"], &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--timeout"), "{}", o.stderr);
    // A missing vault is not a usage error: the operation failed (1).
    let o = s.run(&["--vault", "/nonexistent/v.age", "registry", "list"], &[]);
    assert_eq!(o.code, 1, "{}", o.stderr);
}

#[test]
fn read_only_is_refused_on_commands_it_would_not_change() {
    let s = Sandbox::new();
    let o = s.run(&["--read-only", "registry", "list"], &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("--read-only is for the TUI"),
        "{}",
        o.stderr
    );
    // After a subcommand it is not a flag at all.
    let o = s.run(&["registry", "delete", "x", "--read-only"], &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
}

#[test]
fn help_lists_the_exit_codes() {
    let s = Sandbox::new();
    let o = s.ok(&["--help"], &[]);
    for line in [
        "Exit codes:",
        "3  credentials refused",
        "5  vault locked or changed",
    ] {
        assert!(o.stdout.contains(line), "{line} missing:\n{}", o.stdout);
    }
}

#[test]
fn bash_completions_parse_and_name_the_subcommands() {
    support::need("bash", "apt-get install -y bash");
    let s = Sandbox::new();
    let script = s.ok(&["completions", "bash"], &[]).stdout;
    let mut bash = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    bash.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = bash.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for sub in ["registry", "container", "export", "completions", "helper"] {
        assert!(
            script.contains(&format!("regvault__subcmd__{sub}")),
            "{sub} missing"
        );
    }
    assert!(
        script.contains("complete -F"),
        "not registered with complete"
    );
    for shell in ["zsh", "fish"] {
        let o = s.ok(&["completions", shell], &[]);
        assert!(o.stdout.contains("registry"), "{shell}: {}", o.stdout);
    }
    assert_eq!(s.run(&["completions", "tcsh"], &[]).code, 2);
}

#[test]
fn the_man_page_is_roff_starting_with_th() {
    let s = Sandbox::new();
    let page = s.ok(&["man"], &[]).stdout;
    assert!(
        page.starts_with(".TH regvault 1"),
        "{}",
        &page[..80.min(page.len())]
    );
    assert!(
        page.contains(".SH SUBCOMMANDS") || page.contains("registry"),
        "{page}"
    );
    assert!(
        page.contains("Exit codes"),
        "the exit codes are in the man page"
    );
}
