//! `regvault unlock` and `regvault agent [status|lock|stop]`: the agent
//! keeps an unlocked vault's key (its passphrase, or the decrypted
//! identity of a passphrase-protected SSH key or age identity) so that
//! commands, the TUI and the credential helper need no passphrase until
//! the idle timeout or the agent's maximum lifetime.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::{Global, keys, prompt};
use crate::agent::client::{self, AgentStatus};
use crate::agent::proto::{KeyMaterial, Request};
use crate::agent::{AgentKey, server, sock};
use crate::cli::output::{errln, outln};
use crate::vault::{self, KeyProtection, KeySource, Vault};

#[derive(Debug, Args, Clone, Copy)]
pub struct Timeouts {
    /// Forget the keys after they have not been used for this long
    /// (e.g. 30s, 15m, 2h); the agent keeps running, locked.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    idle_timeout: Duration,
    /// The agent forgets everything and exits this long after it started
    /// or was last given a key.
    #[arg(long, value_name = "DURATION", default_value = "8h", value_parser = parse_duration)]
    max_lifetime: Duration,
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    #[command(subcommand)]
    cmd: Option<AgentCmd>,
    #[command(flatten)]
    timeouts: Timeouts,
}

#[derive(Debug, Subcommand)]
enum AgentCmd {
    /// Is an agent running, which vaults are unlocked, how long is left.
    Status,
    /// Forget every key now; the agent keeps running.
    Lock,
    /// Forget every key and stop the agent.
    Stop,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    #[command(flatten)]
    timeouts: Timeouts,
}

/// `30`, `30s`, `15m`, `8h`, `1d`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (30s, 15m, 8h)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("'{s}' is not a duration (30s, 15m, 8h)")),
    };
    if secs == 0 {
        return Err("a duration of 0 would forget the key at once".to_owned());
    }
    Ok(Duration::from_secs(secs))
}

fn human(secs: u64) -> String {
    match secs {
        s if s >= 3600 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

pub fn run(_g: &Global, args: &AgentArgs) -> anyhow::Result<i32> {
    let sock_path = sock::socket_path();
    match args.cmd {
        None => {
            errln!(
                "regvault agent: listening on {} (idle timeout {}, exits after {})",
                sock_path.display(),
                human(args.timeouts.idle_timeout.as_secs()),
                human(args.timeouts.max_lifetime.as_secs())
            );
            server::run(
                &sock_path,
                server::Options {
                    idle: args.timeouts.idle_timeout,
                    lifetime: args.timeouts.max_lifetime,
                    min_log_n: vault::MIN_SCRYPT_LOG_N,
                },
            )?;
            Ok(0)
        }
        Some(AgentCmd::Status) => match client::status(&sock_path)? {
            None => {
                outln!("no agent is running (socket {})", sock_path.display());
                Ok(1)
            }
            Some(st) => {
                print_status(&sock_path, &st);
                Ok(0)
            }
        },
        Some(AgentCmd::Lock) => {
            running(&sock_path)?;
            client::simple(&sock_path, &Request::Lock)?;
            outln!("agent locked: every key forgotten");
            Ok(0)
        }
        Some(AgentCmd::Stop) => {
            running(&sock_path)?;
            client::simple(&sock_path, &Request::Stop)?;
            outln!("agent stopped");
            Ok(0)
        }
    }
}

fn running(sock_path: &Path) -> anyhow::Result<AgentStatus> {
    client::status(sock_path)?
        .with_context(|| format!("no agent is running (socket {})", sock_path.display()))
}

fn print_status(sock_path: &Path, st: &AgentStatus) {
    outln!("agent running (pid {}) on {}", st.pid, sock_path.display());
    if st.vaults.is_empty() {
        outln!("locked: no vault unlocked");
    } else {
        for v in &st.vaults {
            outln!("unlocked: {}", v.display());
        }
        if let Some(idle) = st.idle_secs_left {
            outln!("forgets the keys in {} unless used", human(idle));
        }
    }
    outln!("exits in {}", human(st.lifetime_secs_left));
}

/// `regvault unlock`.
pub fn unlock(g: &Global, args: &UnlockArgs) -> anyhow::Result<i32> {
    let path = keys::vault_path(g);
    if !path.exists() {
        return Err(vault::not_found_error(&path).into());
    }
    let vault_id =
        std::fs::canonicalize(&path).with_context(|| format!("resolving {}", path.display()))?;
    let sock_path = sock::socket_path();
    // Before any passphrase is asked: a planted socket directory stops here.
    sock::ensure_dir(&sock_path)?;
    let material = if Vault::is_passphrase_protected(&path)? {
        let pass = prompt::passphrase(false)?;
        KeyMaterial::Passphrase {
            passphrase: pass.expose_secret().to_owned(),
        }
    } else {
        let id = keys::identity_path(g, &path)?;
        vault::check_identity_file(&id)?;
        match vault::key_protection(&id)? {
            KeyProtection::None => bail!(
                "{} opens with {}, which has no passphrase: there is nothing to unlock",
                path.display(),
                id.display()
            ),
            KeyProtection::SshPassphrase | KeyProtection::AgePassphrase => {
                let pass = prompt::key_passphrase(&format!("Passphrase for {}: ", id.display()))?;
                let text = vault::decrypt_identity(&id, &pass)?;
                KeyMaterial::Identity {
                    text: text.as_str().to_owned(),
                }
            }
        }
    };
    ensure_agent(&sock_path, args.timeouts)?;
    client::add(
        &sock_path,
        &vault_id,
        material,
        args.timeouts.idle_timeout,
        args.timeouts.max_lifetime,
    )?;
    // The key must open this vault (and the vault pass the pin's checks)
    // before anyone relies on the agent for it.
    let key = AgentKey {
        sock: sock_path.clone(),
        vault: vault_id.clone(),
    };
    if let Err(e) = Vault::open(&path, &[KeySource::Agent(key)]) {
        let _ = client::simple(&sock_path, &Request::Forget { vault: vault_id });
        return Err(anyhow::Error::new(e).context(format!("opening {}", path.display())));
    }
    outln!(
        "unlocked {} (forgotten after {} unused; the agent exits in {})",
        path.display(),
        human(args.timeouts.idle_timeout.as_secs()),
        human(args.timeouts.max_lifetime.as_secs())
    );
    Ok(0)
}

/// Starts `regvault agent` in the background unless one answers: its own
/// process group, no terminal, stdio to /dev/null, and only the
/// environment it needs (no `REGVAULT_PASSPHRASE_FILE`, nothing secret).
fn ensure_agent(sock_path: &Path, t: Timeouts) -> anyhow::Result<()> {
    if client::status(sock_path)?.is_some() {
        return Ok(());
    }
    let exe = std::env::current_exe().context("finding the regvault binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("agent")
        .arg("--idle-timeout")
        .arg(format!("{}s", t.idle_timeout.as_secs()))
        .arg("--max-lifetime")
        .arg(format!("{}s", t.max_lifetime.as_secs()))
        .env_clear();
    for var in ["PATH", "HOME", "LANG", "LC_ALL", "XDG_RUNTIME_DIR"] {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
    cmd.env("REGVAULT_AGENT_SOCK", sock_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let mut child = cmd.spawn().context("starting the agent")?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if client::status(sock_path)?.is_some() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            bail!("the agent exited at once ({status}); run `regvault agent` to see why");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!(
        "the agent did not start listening on {} in 10 s",
        sock_path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_mins(15));
        assert_eq!(parse_duration("8h").unwrap(), Duration::from_hours(8));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }
}
