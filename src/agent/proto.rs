//! The agent's wire format: one request and one response per connection,
//! each a JSON message behind a 4-byte big-endian length, at most
//! `MAX_FRAME` bytes (a hostile client cannot make the agent allocate
//! more). Buffers holding a frame are zeroized when dropped: requests
//! carry a passphrase or an identity, responses a file key.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// An age header is a few hundred bytes; an identity file a few KiB.
pub const MAX_FRAME: usize = 64 * 1024;

/// At most this many stanzas per unwrap (age files regvault writes have
/// one per recipient).
pub const MAX_STANZAS: usize = 64;

/// What `unlock` hands the agent.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyMaterial {
    /// A passphrase vault's passphrase (age scrypt mode): it is the identity.
    Passphrase { passphrase: String },
    /// The text of an unencrypted identity (age identity lines, or an
    /// OpenSSH private key), decrypted by `unlock`.
    Identity { text: String },
}

impl Drop for KeyMaterial {
    fn drop(&mut self) {
        match self {
            KeyMaterial::Passphrase { passphrase } => passphrase.zeroize(),
            KeyMaterial::Identity { text } => text.zeroize(),
        }
    }
}

/// An age stanza as it crosses the socket (the body in base64).
#[derive(Serialize, Deserialize)]
pub struct WireStanza {
    pub tag: String,
    pub args: Vec<String>,
    pub body: String,
}

impl From<&age_core::format::Stanza> for WireStanza {
    fn from(s: &age_core::format::Stanza) -> Self {
        WireStanza {
            tag: s.tag.clone(),
            args: s.args.clone(),
            body: B64.encode(&s.body),
        }
    }
}

impl WireStanza {
    pub fn to_stanza(&self) -> Option<age_core::format::Stanza> {
        Some(age_core::format::Stanza {
            tag: self.tag.clone(),
            args: self.args.clone(),
            body: B64.decode(&self.body).ok()?,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Keep `key` for `vault` (its canonical path); the timeouts (seconds)
    /// replace the agent's.
    Add {
        vault: PathBuf,
        key: KeyMaterial,
        idle_secs: u64,
        lifetime_secs: u64,
    },
    /// Forget one vault's key (an `unlock` whose key did not open it).
    Forget {
        vault: PathBuf,
    },
    /// Does the agent hold a key for `vault`?
    Has {
        vault: PathBuf,
    },
    /// Unwrap the file key from a header's stanzas with `vault`'s key.
    Unwrap {
        vault: PathBuf,
        stanzas: Vec<WireStanza>,
    },
    /// Wrap `file_key` (base64) to `vault`'s passphrase at work factor
    /// 2^`log_n` (never below the agent's floor).
    Wrap {
        vault: PathBuf,
        file_key: String,
        log_n: u8,
    },
    Status,
    /// Forget every key, keep running.
    Lock,
    /// Forget every key and exit.
    Stop,
}

impl Drop for Request {
    fn drop(&mut self) {
        if let Request::Wrap { file_key, .. } = self {
            file_key.zeroize();
        }
    }
}

/// Why an unwrap failed, as age says it.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UnwrapFailure {
    /// A stanza for this key that does not open (wrong passphrase, altered).
    DecryptionFailed,
    InvalidHeader,
    ExcessiveWork {
        required: u8,
        target: u8,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Response {
    Ok,
    Has {
        yes: bool,
    },
    /// The file key, base64.
    FileKey {
        key: String,
    },
    /// None of the stanzas is for this key.
    NoMatch,
    Failed {
        why: UnwrapFailure,
    },
    Stanzas {
        stanzas: Vec<WireStanza>,
    },
    Status {
        pid: u32,
        vaults: Vec<PathBuf>,
        idle_secs_left: Option<u64>,
        lifetime_secs_left: u64,
    },
    /// The agent holds no key for that vault.
    Locked,
    Error {
        message: String,
    },
}

impl Drop for Response {
    fn drop(&mut self) {
        if let Response::FileKey { key } = self {
            key.zeroize();
        }
    }
}

/// Writes one frame.
pub fn write_msg<T: Serialize>(w: &mut impl Write, msg: &T) -> io::Result<()> {
    let body = Zeroizing::new(serde_json::to_vec(msg).map_err(io::Error::other)?);
    if body.len() > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "agent message too large",
        ));
    }
    let len = u32::try_from(body.len()).map_err(io::Error::other)?;
    let mut frame = Zeroizing::new(Vec::with_capacity(body.len() + 4));
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&body);
    w.write_all(&frame)?;
    w.flush()
}

/// Reads one frame; a length over `MAX_FRAME` is refused before anything
/// is allocated.
pub fn read_msg<T: for<'de> Deserialize<'de>>(r: &mut impl Read) -> io::Result<T> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("agent message of {len} bytes refused (at most {MAX_FRAME})"),
        ));
    }
    let mut body = Zeroizing::new(vec![0u8; len]);
    r.read_exact(&mut body)?;
    serde_json::from_slice(&body).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bad agent message: {e}"),
        )
    })
}

pub fn encode_key(key: &[u8; 16]) -> String {
    B64.encode(key)
}

pub fn decode_key(text: &str) -> Option<Zeroizing<[u8; 16]>> {
    let bytes = Zeroizing::new(B64.decode(text).ok()?);
    let mut out = Zeroizing::new([0u8; 16]);
    if bytes.len() != 16 {
        return None;
    }
    out.copy_from_slice(&bytes);
    Some(out)
}
