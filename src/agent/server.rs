//! The agent daemon (`regvault agent`): a Unix socket, one thread per
//! connection (at most `MAX_CONNECTIONS`), each refused before anything is
//! read unless its peer uid (`SO_PEERCRED`) is ours, and bounded in size
//! (`proto::MAX_FRAME`) and time (`CONN_TIMEOUT`). Keys are kept per vault
//! and dropped — zeroized — on `lock`, `stop`, after the idle timeout
//! (the agent keeps running, locked) and at the maximum lifetime (the
//! agent exits).

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use age::secrecy::{ExposeSecret, SecretString};
use age_core::format::{FileKey, Stanza};
use anyhow::{Context, bail};
use zeroize::Zeroizing;

use super::proto::{self, KeyMaterial, Request, Response, UnwrapFailure, WireStanza};
use super::sock;

/// A client has this long to send its request and read the answer.
const CONN_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are closed at once (a local process
/// opening thousands must not exhaust threads).
const MAX_CONNECTIONS: usize = 16;
/// How often the timeouts are checked.
const TICK: Duration = Duration::from_millis(200);

/// The agent's timeouts.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Keys unused this long are forgotten.
    pub idle: Duration,
    /// The agent exits this long after it started (or after the last
    /// `unlock`, which restarts the clock).
    pub lifetime: Duration,
    /// The lowest scrypt work factor (log2 N) it writes a stanza with,
    /// whatever a client asks: the vault's floor.
    pub min_log_n: u8,
}

/// One vault's key. Dropping it zeroizes the secret (`SecretString`,
/// age's identities).
enum Held {
    Passphrase(SecretString, Mutex<KeyCache>),
    Identities(Vec<Box<dyn age::Identity + Send + Sync>>),
}

/// How many scrypt stanzas (vault versions) a passphrase key remembers.
const CACHE_ENTRIES: usize = 8;

/// Scrypt stanzas this agent has opened or made, with their file keys: the
/// same file opened again (every `get` of the credential helper) costs a
/// comparison instead of a second of scrypt. A stanza's salt and body
/// determine its file key, so an exact match is the same answer scrypt
/// would give. Wiped with the key (the file keys are `Zeroizing`).
#[derive(Default)]
struct KeyCache(Vec<(Stanza, Zeroizing<[u8; 16]>)>);

impl KeyCache {
    fn get(&self, stanzas: &[Stanza]) -> Option<Zeroizing<[u8; 16]>> {
        self.0.iter().find_map(|(known, key)| {
            stanzas
                .iter()
                .any(|s| s.tag == known.tag && s.args == known.args && s.body == known.body)
                .then(|| key.clone())
        })
    }

    fn put(&mut self, stanza: &Stanza, key: &[u8; 16]) {
        if self.0.len() >= CACHE_ENTRIES {
            self.0.remove(0);
        }
        let copy = Stanza {
            tag: stanza.tag.clone(),
            args: stanza.args.clone(),
            body: stanza.body.clone(),
        };
        self.0.push((copy, Zeroizing::new(*key)));
    }
}

struct State {
    keys: HashMap<PathBuf, Arc<Held>>,
    min_log_n: u8,
    idle: Duration,
    last_use: Instant,
    deadline: Instant,
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    // A panicking connection thread must not wedge the agent.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs the agent on `sock_path` until `stop` or the maximum lifetime.
pub fn run(sock_path: &Path, opts: Options) -> anyhow::Result<()> {
    sock::ensure_dir(sock_path)?;
    if sock::check_socket(sock_path)? {
        if UnixStream::connect(sock_path).is_ok() {
            bail!("an agent is already running at {}", sock_path.display());
        }
        // Left behind by an agent that was killed.
        std::fs::remove_file(sock_path)
            .with_context(|| format!("removing the stale {}", sock_path.display()))?;
    } else if sock_path.symlink_metadata().is_ok() {
        bail!("{} exists and is not a socket", sock_path.display());
    }
    let listener = UnixListener::bind(sock_path)
        .with_context(|| format!("listening on {}", sock_path.display()))?;
    // The directory (0700) is the guard; the socket's own mode says the same.
    std::fs::set_permissions(sock_path, std::fs::Permissions::from_mode(0o600))?;
    let now = Instant::now();
    let state: Shared = Arc::new(Mutex::new(State {
        keys: HashMap::new(),
        min_log_n: opts.min_log_n,
        idle: opts.idle,
        last_use: now,
        deadline: deadline(now, opts.lifetime),
    }));
    {
        let state = state.clone();
        let sock_path = sock_path.to_owned();
        std::thread::spawn(move || ticker(&state, &sock_path));
    }
    let active = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        let Ok(stream) = conn else {
            // Out of descriptors, say: wait rather than spin.
            std::thread::sleep(TICK);
            continue;
        };
        // Before a byte is read: another user's process gets nothing, not
        // even an error message.
        if sock::check_peer(&stream).is_err() {
            drop(stream);
            continue;
        }
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            continue;
        }
        let state = state.clone();
        let slot = Slot(active.clone());
        let sock_path = sock_path.to_owned();
        std::thread::spawn(move || {
            let _slot = slot;
            let _ = serve(stream, &state, &sock_path);
        });
    }
    Ok(())
}

/// A connection's place among `MAX_CONNECTIONS`, given back when its
/// thread ends, even by a panic.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `now + lifetime`, for any lifetime a client sends (an absurd one would
/// overflow `Instant` and panic): at most a year.
fn deadline(now: Instant, lifetime: Duration) -> Instant {
    const YEAR: Duration = Duration::from_hours(365 * 24);
    now + lifetime.min(YEAR)
}

fn ticker(state: &Shared, sock_path: &Path) {
    loop {
        std::thread::sleep(TICK);
        let mut s = lock(state);
        let now = Instant::now();
        if now >= s.deadline {
            let _ = std::fs::remove_file(sock_path);
            exit(&mut s);
        }
        if !s.keys.is_empty() && now.duration_since(s.last_use) >= s.idle {
            s.keys.clear();
        }
    }
}

/// Forgets every key (zeroized as they drop) and exits; the caller has
/// removed the socket.
fn exit(s: &mut State) -> ! {
    s.keys.clear();
    std::process::exit(0)
}

fn serve(mut stream: UnixStream, state: &Shared, sock_path: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(CONN_TIMEOUT))?;
    stream.set_write_timeout(Some(CONN_TIMEOUT))?;
    let mut req: Request = proto::read_msg(&mut stream)?;
    if let Request::Stop = req {
        let mut s = lock(state);
        s.keys.clear();
        // Gone before the answer: once `agent stop` returns, so is the socket.
        let _ = std::fs::remove_file(sock_path);
        let _ = proto::write_msg(&mut stream, &Response::Ok);
        drop(stream);
        exit(&mut s);
    }
    let resp = handle(&mut req, state);
    proto::write_msg(&mut stream, &resp)
}

fn handle(req: &mut Request, state: &Shared) -> Response {
    match req {
        Request::Add {
            vault,
            key,
            idle_secs,
            lifetime_secs,
        } => {
            let held = match parse_key(key) {
                Ok(h) => h,
                Err(message) => return Response::Error { message },
            };
            let now = Instant::now();
            let mut s = lock(state);
            s.idle = Duration::from_secs(*idle_secs);
            s.deadline = deadline(now, Duration::from_secs(*lifetime_secs));
            s.last_use = now;
            s.keys.insert(vault.clone(), Arc::new(held));
            Response::Ok
        }
        Request::Forget { vault } => {
            lock(state).keys.remove(vault);
            Response::Ok
        }
        Request::Has { vault } => Response::Has {
            yes: lock(state).keys.contains_key(vault),
        },
        Request::Unwrap { vault, stanzas } => {
            let Some(held) = use_key(state, vault) else {
                return Response::Locked;
            };
            unwrap(&held, stanzas)
        }
        Request::Wrap {
            vault,
            file_key,
            log_n,
        } => {
            let Some(held) = use_key(state, vault) else {
                return Response::Locked;
            };
            let floor = lock(state).min_log_n;
            wrap(&held, file_key, (*log_n).max(floor))
        }
        Request::Status => {
            let s = lock(state);
            let now = Instant::now();
            let mut vaults: Vec<PathBuf> = s.keys.keys().cloned().collect();
            vaults.sort();
            Response::Status {
                pid: std::process::id(),
                idle_secs_left: (!vaults.is_empty()).then(|| {
                    s.idle
                        .saturating_sub(now.duration_since(s.last_use))
                        .as_secs()
                }),
                vaults,
                lifetime_secs_left: s.deadline.saturating_duration_since(now).as_secs(),
            }
        }
        Request::Lock => {
            lock(state).keys.clear();
            Response::Ok
        }
        Request::Stop => Response::Ok,
    }
}

/// The key for `vault`, counting as a use (the idle clock restarts).
fn use_key(state: &Shared, vault: &Path) -> Option<Arc<Held>> {
    let mut s = lock(state);
    let held = s.keys.get(vault).cloned()?;
    s.last_use = Instant::now();
    Some(held)
}

fn parse_key(key: &mut KeyMaterial) -> Result<Held, String> {
    match key {
        KeyMaterial::Passphrase { passphrase } => {
            if passphrase.is_empty() {
                return Err("empty passphrase".to_owned());
            }
            Ok(Held::Passphrase(
                SecretString::from(std::mem::take(passphrase)),
                Mutex::default(),
            ))
        }
        KeyMaterial::Identity { text } => {
            let ids = parse_identity(text)?;
            text.clear();
            Ok(Held::Identities(ids))
        }
    }
}

/// An unencrypted identity's text: an OpenSSH private key, or age
/// identity lines. Errors never quote the text.
fn parse_identity(text: &str) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>, String> {
    if text.trim_start().starts_with("-----BEGIN") {
        return match age::ssh::Identity::from_buffer(text.as_bytes(), None) {
            Ok(id @ age::ssh::Identity::Unencrypted(_)) => Ok(vec![Box::new(id)]),
            Ok(_) => Err("the SSH key is encrypted or unsupported".to_owned()),
            Err(_) => Err("not a valid OpenSSH private key".to_owned()),
        };
    }
    let file = age::IdentityFile::from_buffer(text.as_bytes()).map_err(|e| e.to_string())?;
    let ids = file.into_identities().map_err(|e| e.to_string())?;
    if ids.is_empty() {
        return Err("no identities in it".to_owned());
    }
    Ok(ids)
}

fn unwrap(held: &Held, stanzas: &[WireStanza]) -> Response {
    if stanzas.len() > proto::MAX_STANZAS {
        return Response::Error {
            message: "too many stanzas".to_owned(),
        };
    }
    let Some(stanzas) = stanzas
        .iter()
        .map(WireStanza::to_stanza)
        .collect::<Option<Vec<Stanza>>>()
    else {
        return Response::Failed {
            why: UnwrapFailure::InvalidHeader,
        };
    };
    let found = match held {
        Held::Passphrase(pass, cache) => {
            let cache = || {
                cache
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            };
            let hit = cache().get(&stanzas);
            if let Some(key) = hit {
                Some(Ok(FileKey::new(Box::new(*key))))
            } else {
                let found = age::Identity::unwrap_stanzas(
                    &age::scrypt::Identity::new(pass.clone()),
                    &stanzas,
                );
                if let (Some(Ok(key)), [stanza]) = (&found, &stanzas[..]) {
                    cache().put(stanza, key.expose_secret());
                }
                found
            }
        }
        Held::Identities(ids) => ids.iter().find_map(|id| id.unwrap_stanzas(&stanzas)),
    };
    match found {
        None => Response::NoMatch,
        Some(Ok(key)) => Response::FileKey {
            key: proto::encode_key(key.expose_secret()),
        },
        Some(Err(e)) => Response::Failed {
            why: match e {
                age::DecryptError::InvalidHeader => UnwrapFailure::InvalidHeader,
                age::DecryptError::ExcessiveWork { required, target } => {
                    UnwrapFailure::ExcessiveWork { required, target }
                }
                _ => UnwrapFailure::DecryptionFailed,
            },
        },
    }
}

fn wrap(held: &Held, file_key: &str, log_n: u8) -> Response {
    let Held::Passphrase(pass, cache) = held else {
        return Response::Error {
            message: "this vault is not a passphrase vault".to_owned(),
        };
    };
    if log_n >= 64 {
        return Response::Error {
            message: "scrypt work factor out of range".to_owned(),
        };
    }
    let Some(key) = proto::decode_key(file_key) else {
        return Response::Error {
            message: "malformed file key".to_owned(),
        };
    };
    let file_key = FileKey::new(Box::new(*key));
    let mut recipient = age::scrypt::Recipient::new(pass.clone());
    // The caller raised `log_n` to the floor: a client cannot make the
    // agent write a weaker vault than regvault would.
    recipient.set_work_factor(log_n);
    match age::Recipient::wrap_file_key(&recipient, &file_key) {
        Ok((stanzas, _)) => {
            // The file about to be written opens without a second scrypt.
            if let [stanza] = &stanzas[..] {
                cache
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .put(stanza, file_key.expose_secret());
            }
            Response::Stanzas {
                stanzas: stanzas.iter().map(WireStanza::from).collect(),
            }
        }
        Err(e) => Response::Error {
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absurd_lifetime_is_capped_instead_of_panicking() {
        let now = Instant::now();
        let d = deadline(now, Duration::from_secs(u64::MAX));
        assert!(d > now + Duration::from_hours(24 * 364));
    }

    #[test]
    fn a_cached_stanza_gives_its_key_and_only_its_key() {
        let stanza = |salt: &str| Stanza {
            tag: "scrypt".to_owned(),
            args: vec![salt.to_owned(), "18".to_owned()],
            body: vec![7; 32],
        };
        let mut cache = KeyCache::default();
        cache.put(&stanza("a"), &[1; 16]);
        assert_eq!(cache.get(&[stanza("a")]).as_deref(), Some(&[1u8; 16]));
        assert!(cache.get(&[stanza("b")]).is_none());
        for i in 0..CACHE_ENTRIES {
            cache.put(&stanza(&i.to_string()), &[2; 16]);
        }
        assert!(
            cache.get(&[stanza("a")]).is_none(),
            "bounded: the oldest goes"
        );
    }
}
