//! `docker-credential-regvault`: the vault as docker's (and podman's,
//! skopeo's, buildah's, crane's, helm's) credential helper — a face beside
//! `cli` over `model`, `ops` and `vault`.
//!
//! The protocol is docker-credential-helpers' (`credentials/credentials.go`):
//! the action is the one argument; `get` and `erase` read the bare server
//! URL on stdin, `store` reads `{"ServerURL","Username","Secret"}`; `get`
//! prints that JSON, `list` prints `{url: username}`. Every error is one
//! line on **stdout** and exit 1 (that is what clients show), and a
//! missing entry is exactly [`NOT_FOUND`], which clients compare against.
//! It never prompts (clients run it without a terminal): the vault opens
//! with `cli::keys::unattended_key_sources` or not at all. No secret is
//! ever written to stderr, argv or an error.
//!
//! `get`/`list` live in `read`, `store`/`erase` in `change`.

mod change;
mod read;

use std::ffi::OsString;
use std::io::{Read, Write};

use clap::Parser;
use zeroize::Zeroizing;

use crate::cli::Global;
use crate::cli::keys;
use crate::vault::{KeySource, Vault};

/// What clients compare a `get` failure against to mean "no credentials".
pub const NOT_FOUND: &str = "credentials not found in native keychain";

/// The program name clients derive from `credHelpers` (`regvault`).
pub const PROGRAM: &str = "docker-credential-regvault";

/// The helper's command line: the action, and the same vault options
/// (and `REGVAULT_*` variables) as `regvault`.
#[derive(Debug, Parser)]
#[command(
    name = PROGRAM,
    version,
    about = "The regvault vault as a Docker credential helper: store, get, erase, list, version (the request on stdin)"
)]
struct HelperCli {
    #[command(flatten)]
    global: Global,
    /// store | get | erase | list | version
    action: Option<String>,
}

/// A helper failure: the text is what the client shows its user.
#[derive(Debug)]
pub(crate) enum Failure {
    NotFound,
    Message(String),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Failure::Message(one_line(&err))
    }
}

impl From<crate::model::RuleError> for Failure {
    fn from(err: crate::model::RuleError) -> Self {
        Failure::Message(err.to_string())
    }
}

impl From<crate::vault::VaultError> for Failure {
    fn from(err: crate::vault::VaultError) -> Self {
        Failure::from(anyhow::Error::from(err))
    }
}

/// The context chain on one line (`cli::error_line`: repeats dropped),
/// escaped: clients print the helper's whole stdout as the error.
fn one_line(err: &anyhow::Error) -> String {
    crate::model::escape(&crate::cli::error_line(err)).into_owned()
}

/// The binary's whole life: harden, parse, run one action on stdin and
/// stdout. Returns the exit code.
pub fn main() -> i32 {
    crate::harden_process();
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut stdout = std::io::stdout().lock();
    let code = run(args, &mut std::io::stdin().lock(), &mut stdout);
    let _ = stdout.flush();
    code
}

/// Runs one action; what it prints goes to `out`.
pub fn run(args: Vec<OsString>, input: &mut dyn Read, out: &mut dyn Write) -> i32 {
    let cli = match HelperCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = write!(out, "{e}");
                return 0;
            }
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments");
            let _ = writeln!(out, "{}", first.trim_start_matches("error: "));
            return 1;
        }
    };
    let g = cli.global;
    crate::vault::allow_open_identity(g.allow_open_identity);
    crate::vault::set_default_signing_key(g.signing_key.clone());
    if g.wait.is_finite() && (0.0..=86_400.0).contains(&g.wait) {
        crate::vault::set_lock_wait(std::time::Duration::from_secs_f64(g.wait));
    }
    let result = match cli.action.as_deref() {
        Some("get") => read_request(input).and_then(|s| read::get(&g, &s, out)),
        // The request ("unused") is read and ignored: a client writing it
        // must not meet a closed pipe.
        Some("list") => read_request(input).and_then(|_| read::list(&g, out)),
        Some("store") => read_request(input).and_then(|s| change::store(&g, &s)),
        Some("erase") => read_request(input).and_then(|s| change::erase(&g, &s)),
        Some("version") => {
            let _ = writeln!(out, "{PROGRAM} (regvault) {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some(other) => Err(Failure::Message(format!(
            "{PROGRAM}: unknown action: {} (one of store, get, erase, list, version)",
            crate::model::escape(other)
        ))),
        None => Err(Failure::Message(format!(
            "usage: {PROGRAM} <store|get|erase|list|version> (the request on stdin)"
        ))),
    };
    match result {
        Ok(()) => 0,
        Err(Failure::NotFound) => {
            let _ = writeln!(out, "{NOT_FOUND}");
            1
        }
        Err(Failure::Message(m)) => {
            // One line: a client shows it as the error.
            let _ = writeln!(out, "{}", m.replace(['\n', '\r'], " "));
            1
        }
    }
}

/// Stdin, whole (a `store` request holds the secret: the buffer is wiped
/// when dropped). At most 1 MiB: a request is a URL or three strings.
fn read_request(input: &mut dyn Read) -> Result<Zeroizing<String>, Failure> {
    const LIMIT: u64 = 1 << 20;
    let mut buf = Zeroizing::new(Vec::with_capacity(4096));
    input
        .take(LIMIT + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Failure::Message(format!("reading the request on stdin: {e}")))?;
    if buf.len() as u64 > LIMIT {
        return Err(Failure::Message(
            "the request on stdin is larger than 1 MiB".to_owned(),
        ));
    }
    let text = std::str::from_utf8(&buf)
        .map_err(|_| Failure::Message("the request on stdin is not UTF-8".to_owned()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// The server URL of a `get`/`erase` request, reduced to the host docker
/// keys credentials by.
fn request_host(request: &str) -> Result<String, Failure> {
    let server = request.trim();
    if server.is_empty() {
        return Err(Failure::Message("no credentials server URL".to_owned()));
    }
    crate::registry::infer::server_host(server).ok_or_else(|| {
        Failure::Message(format!(
            "no registry host in {:?}",
            crate::model::escape(server)
        ))
    })
}

/// The vault's path and what opens it, never prompting.
fn vault_keys(g: &Global) -> Result<(std::path::PathBuf, Vec<KeySource>), Failure> {
    let path = keys::vault_path(g);
    let keys = keys::unattended_key_sources(g, &path)?;
    Ok((path, keys))
}

/// Opens the vault to change it (the writer lock held until dropped).
fn open_locked(g: &Global) -> Result<Vault, Failure> {
    let (path, keys) = vault_keys(g)?;
    let vault = Vault::open_locked(&path, &keys)
        .map_err(|e| anyhow::Error::from(e).context(format!("opening {}", path.display())))?;
    if let Some(found) = vault.newer_schema() {
        return Err(crate::vault::VaultError::NewerSchema {
            found,
            supported: crate::vault::SCHEMA_VERSION,
        }
        .into());
    }
    Ok(vault)
}
