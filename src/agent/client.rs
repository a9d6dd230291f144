//! Talking to the agent: one request per connection, after checking the
//! socket (`sock`) and that the process at the other end is this user.
//! `AgentIdentity` and `AgentRecipient` are age's `Identity` and
//! `Recipient` with the key in the agent: the vault module decrypts and
//! encrypts with them exactly as with a local key.

use std::collections::HashSet;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use anyhow::{Context, bail};

use super::proto::{self, KeyMaterial, Request, Response, UnwrapFailure, WireStanza};
use super::sock;

/// Sending a request: the agent reads it at once.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// An unwrap of a passphrase vault is one scrypt (about a second, up to
/// 16 s at the highest work factor age accepts).
const READ_TIMEOUT: Duration = Duration::from_mins(2);

/// Which vault's key, in which agent: what `KeySource::Agent` holds.
#[derive(Clone, Debug)]
pub struct AgentKey {
    pub sock: PathBuf,
    /// The vault's canonical path: the agent keeps keys per vault.
    pub vault: PathBuf,
}

/// `regvault agent status`.
#[derive(Debug)]
pub struct AgentStatus {
    pub pid: u32,
    pub vaults: Vec<PathBuf>,
    pub idle_secs_left: Option<u64>,
    pub lifetime_secs_left: u64,
}

fn connect(sock_path: &Path) -> anyhow::Result<UnixStream> {
    let stream = UnixStream::connect(sock_path)
        .with_context(|| format!("connecting to the agent at {}", sock_path.display()))?;
    sock::check_peer(&stream)?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    Ok(stream)
}

/// One request, one response.
pub fn call(sock_path: &Path, req: &Request) -> anyhow::Result<Response> {
    let mut stream = connect(sock_path)?;
    proto::write_msg(&mut stream, req).context("sending to the agent")?;
    let resp = proto::read_msg(&mut stream).context("reading the agent's answer")?;
    if let Response::Error { message } = &resp {
        bail!("the agent says: {message}");
    }
    Ok(resp)
}

/// `Ok(None)` when no agent answers at `sock_path` (no socket, or a stale
/// one); an error when the socket or its directory is not safe to use.
pub fn status(sock_path: &Path) -> anyhow::Result<Option<AgentStatus>> {
    if !sock::check_socket(sock_path)? {
        return Ok(None);
    }
    let Ok(mut stream) = connect(sock_path) else {
        return Ok(None);
    };
    proto::write_msg(&mut stream, &Request::Status)?;
    match &proto::read_msg(&mut stream)? {
        Response::Status {
            pid,
            vaults,
            idle_secs_left,
            lifetime_secs_left,
        } => Ok(Some(AgentStatus {
            pid: *pid,
            vaults: vaults.clone(),
            idle_secs_left: *idle_secs_left,
            lifetime_secs_left: *lifetime_secs_left,
        })),
        _ => bail!("the agent gave an unexpected answer"),
    }
}

/// The agent's key for `vault` (canonical path), if a running agent holds
/// one. No agent: `Ok(None)`, quickly (one `stat`).
pub fn holding(vault: &Path) -> anyhow::Result<Option<AgentKey>> {
    let sock_path = sock::socket_path();
    if !sock::check_socket(&sock_path)? {
        return Ok(None);
    }
    let Ok(mut stream) = connect(&sock_path) else {
        // A socket left by an agent that was killed.
        return Ok(None);
    };
    proto::write_msg(
        &mut stream,
        &Request::Has {
            vault: vault.to_owned(),
        },
    )?;
    match proto::read_msg(&mut stream)? {
        Response::Has { yes: true } => Ok(Some(AgentKey {
            sock: sock_path,
            vault: vault.to_owned(),
        })),
        _ => Ok(None),
    }
}

/// Hands `key` for `vault` to the agent.
pub fn add(
    sock_path: &Path,
    vault: &Path,
    key: KeyMaterial,
    idle: Duration,
    lifetime: Duration,
) -> anyhow::Result<()> {
    let req = Request::Add {
        vault: vault.to_owned(),
        key,
        idle_secs: idle.as_secs(),
        lifetime_secs: lifetime.as_secs(),
    };
    match call(sock_path, &req)? {
        Response::Ok => Ok(()),
        _ => bail!("the agent gave an unexpected answer"),
    }
}

/// `Ok(())` once the agent acknowledged `req` (forget, lock, stop).
pub fn simple(sock_path: &Path, req: &Request) -> anyhow::Result<()> {
    match call(sock_path, req)? {
        Response::Ok => Ok(()),
        _ => bail!("the agent gave an unexpected answer"),
    }
}

/// What went wrong talking to the agent during an age operation (age's
/// traits have no room for it); the vault module turns it into its error.
#[derive(Debug, Clone)]
pub enum AgentTrouble {
    /// The agent no longer holds this vault's key (idle timeout, `agent lock`).
    Locked,
    Unreachable(String),
}

/// An age identity whose key is in the agent.
pub struct AgentIdentity {
    key: AgentKey,
    trouble: Mutex<Option<AgentTrouble>>,
}

impl AgentIdentity {
    pub fn new(key: AgentKey) -> Self {
        AgentIdentity {
            key,
            trouble: Mutex::new(None),
        }
    }

    /// Why the last unwrap found no key, if it was the agent's fault.
    pub fn trouble(&self) -> Option<AgentTrouble> {
        self.trouble.lock().ok().and_then(|t| t.clone())
    }

    fn note(&self, t: AgentTrouble) {
        if let Ok(mut slot) = self.trouble.lock() {
            *slot = Some(t);
        }
    }
}

impl age::Identity for AgentIdentity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<Result<FileKey, age::DecryptError>> {
        let req = Request::Unwrap {
            vault: self.key.vault.clone(),
            stanzas: stanzas.iter().map(WireStanza::from).collect(),
        };
        let resp = match call(&self.key.sock, &req) {
            Ok(r) => r,
            Err(e) => {
                self.note(AgentTrouble::Unreachable(format!("{e:#}")));
                return None;
            }
        };
        match &resp {
            Response::FileKey { key } => {
                if let Some(k) = proto::decode_key(key) {
                    Some(Ok(FileKey::new(Box::new(*k))))
                } else {
                    self.note(AgentTrouble::Unreachable(
                        "the agent sent a malformed key".to_owned(),
                    ));
                    None
                }
            }
            Response::NoMatch => None,
            Response::Locked => {
                self.note(AgentTrouble::Locked);
                None
            }
            Response::Failed { why } => Some(Err(match *why {
                UnwrapFailure::DecryptionFailed => age::DecryptError::DecryptionFailed,
                UnwrapFailure::InvalidHeader => age::DecryptError::InvalidHeader,
                UnwrapFailure::ExcessiveWork { required, target } => {
                    age::DecryptError::ExcessiveWork { required, target }
                }
            })),
            _ => {
                self.note(AgentTrouble::Unreachable(
                    "the agent gave an unexpected answer".to_owned(),
                ));
                None
            }
        }
    }
}

/// An age recipient for a passphrase vault whose passphrase is in the
/// agent: the agent makes the scrypt stanza (a fresh salt every save) at
/// work factor 2^`log_n`.
pub struct AgentRecipient {
    pub key: AgentKey,
    pub log_n: u8,
}

impl age::Recipient for AgentRecipient {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        let req = Request::Wrap {
            vault: self.key.vault.clone(),
            file_key: proto::encode_key(file_key.expose_secret()),
            log_n: self.log_n,
        };
        let fail = |m: String| age::EncryptError::Io(std::io::Error::other(m));
        match &call(&self.key.sock, &req).map_err(|e| fail(format!("{e:#}")))? {
            Response::Stanzas { stanzas } => {
                let stanzas = stanzas
                    .iter()
                    .map(WireStanza::to_stanza)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| fail("the agent sent a malformed stanza".to_owned()))?;
                // A scrypt stanza must be alone in its file: a label no
                // other recipient has, as age's own scrypt recipient does.
                let label = format!("regvault-agent-scrypt-{}", std::process::id());
                Ok((stanzas, std::iter::once(label).collect()))
            }
            Response::Locked => Err(fail(super::LOCKED.to_owned())),
            _ => Err(fail("the agent gave an unexpected answer".to_owned())),
        }
    }
}
