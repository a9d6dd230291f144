//! The log on disk: `<vault>.audit/NNNNNN.log`, one line per entry,
//! entry `n` in segment `(n - 1) / SEGMENT_ENTRIES + 1`, so a segment is
//! closed (rotated) by construction once it holds `SEGMENT_ENTRIES`.
//!
//! A line is `n prev nonce sealed mac`:
//! - `sealed`: the entry's JSON under ChaCha20-Poly1305 (key derived from
//!   the vault's log key, random 96-bit nonce, `n prev` as associated data);
//! - `prev`: the previous entry's `mac` (zeros for the first);
//! - `mac`: HMAC-SHA256 under a second derived key of `n prev nonce sealed`.
//!
//! Whoever can write the file but cannot open the vault can neither read
//! an entry nor make a line whose `mac` checks, so any edit, deletion,
//! reordering or insertion breaks the chain; truncation is caught against
//! the heads recorded in the vault and in the user's state.
//!
//! Appends happen under an exclusive `flock` on `<vault>.audit/lock` and go
//! out as one `write` on an `O_APPEND` handle: concurrent writers
//! serialise, and each line is whole.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::vault::nofollow::{open_nofollow, refused};

/// Entries per segment: 1,000 lines of ~600 bytes.
pub const SEGMENT_ENTRIES: u64 = 1000;

type HmacSha256 = Hmac<Sha256>;

/// A position in the chain: entry `count` (1-based) and its `mac` (hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub count: u64,
    pub mac: String,
}

impl Head {
    /// `count:mac`, as kept in the vault and the user's state.
    pub fn render(&self) -> String {
        format!("{}:{}", self.count, self.mac)
    }

    pub fn parse(s: &str) -> Option<Head> {
        let (count, mac) = s.trim().split_once(':')?;
        let ok = mac.len() == 64 && mac.bytes().all(|b| b.is_ascii_hexdigit());
        let count = count.parse().ok()?;
        ok.then(|| Head {
            count,
            mac: mac.to_ascii_lowercase(),
        })
    }
}

/// The two keys derived from the vault's 32-byte log key.
pub(crate) struct Keys {
    seal: Zeroizing<[u8; 32]>,
    chain: Zeroizing<[u8; 32]>,
}

fn derive(key: &[u8], label: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(label);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

impl Keys {
    pub(crate) fn from_log_key(log_key: &[u8]) -> Keys {
        Keys {
            seal: derive(log_key, b"regvault audit v1 seal"),
            chain: derive(log_key, b"regvault audit v1 chain"),
        }
    }

    fn mac(&self, body: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&*self.chain).expect("any key length");
        mac.update(body.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub(crate) const ZERO_MAC: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// One line, split but not yet checked.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    pub n: u64,
    pub prev: &'a str,
    nonce: &'a str,
    sealed: &'a str,
    pub mac: &'a str,
}

impl<'a> Line<'a> {
    pub(crate) fn split(text: &'a str) -> Option<Line<'a>> {
        let mut f = text.split(' ');
        let line = Line {
            n: f.next()?.parse().ok()?,
            prev: f.next()?,
            nonce: f.next()?,
            sealed: f.next()?,
            mac: f.next()?,
        };
        f.next().is_none().then_some(line)
    }

    /// The `mac` is the one the chain key gives this line.
    pub(crate) fn authentic(&self, keys: &Keys) -> bool {
        let body = format!("{} {} {} {}", self.n, self.prev, self.nonce, self.sealed);
        let want = keys.mac(&body);
        // Constant time is moot (the mac is on disk), but cheap.
        want.len() == self.mac.len()
            && want
                .bytes()
                .zip(self.mac.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// The entry's JSON; `None` if it does not open.
    pub(crate) fn open(&self, keys: &Keys) -> Option<Zeroizing<Vec<u8>>> {
        let nonce = unhex(self.nonce).filter(|n| n.len() == 12)?;
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(self.sealed)
            .ok()?;
        let aad = format!("{} {}", self.n, self.prev);
        let cipher = ChaCha20Poly1305::new_from_slice(&*keys.seal).ok()?;
        cipher
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &sealed,
                    aad: aad.as_bytes(),
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

/// Seals `json` as entry `n` after `prev`; returns the line (with its
/// newline) and its mac.
pub(crate) fn seal(keys: &Keys, n: u64, prev: &str, json: &[u8]) -> io::Result<(String, String)> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|e| io::Error::other(format!("random source: {e}")))?;
    let aad = format!("{n} {prev}");
    let cipher = ChaCha20Poly1305::new_from_slice(&*keys.seal).map_err(io::Error::other)?;
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: json,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| io::Error::other("cannot seal the audit entry"))?;
    let body = format!(
        "{n} {prev} {} {}",
        hex(&nonce),
        base64::engine::general_purpose::STANDARD.encode(sealed)
    );
    let mac = keys.mac(&body);
    Ok((format!("{body} {mac}\n"), mac))
}

/// `<vault>.audit/`.
pub fn log_dir(vault: &Path) -> PathBuf {
    let mut name = vault.file_name().unwrap_or_default().to_os_string();
    name.push(".audit");
    vault.with_file_name(name)
}

pub(crate) fn segment_of(n: u64) -> u64 {
    (n.max(1) - 1) / SEGMENT_ENTRIES + 1
}

pub(crate) fn segment_path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("{segment:06}.log"))
}

/// The segment numbers present, in order.
pub(crate) fn segments(dir: &Path) -> io::Result<Vec<u64>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out: Vec<u64> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let stem = name.to_str()?.strip_suffix(".log")?;
            (stem.len() == 6 && stem.bytes().all(|b| b.is_ascii_digit()))
                .then(|| stem.parse().ok())
                .flatten()
        })
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// Opens a log file by name without following a symlink, and only a
/// regular file with one link that others cannot write. Unlike the vault's
/// own files, another member's uid may own it: a team vault on a shared
/// host has several writers (the group bits of the vault decide who).
pub(crate) fn open_checked(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let file = open_nofollow(
        path,
        options,
        "regvault does not follow links in the audit log",
    )?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    if meta.nlink() != 1 {
        return Err(refused(path, "has several hard links: refusing to use it"));
    }
    if meta.mode() & 0o002 != 0 {
        return Err(refused(
            path,
            "is writable by every user: refusing to use it",
        ));
    }
    Ok(file)
}

/// The mode new log files get: the vault's own, at most 0660 (a vault
/// shared with a group shares its log with it), at least 0600.
pub(crate) fn file_mode(vault: &Path) -> u32 {
    let vault_mode = std::fs::metadata(vault).map_or(0o600, |m| m.mode());
    (vault_mode & 0o660) | 0o600
}

/// Creates `<vault>.audit/` (0700, or 0770 when the vault is group-shared).
pub(crate) fn ensure_dir(vault: &Path) -> io::Result<PathBuf> {
    let dir = log_dir(vault);
    match dir.symlink_metadata() {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(refused(
                &dir,
                "is a symbolic link: regvault does not follow it",
            ));
        }
        Ok(m) if !m.is_dir() => return Err(refused(&dir, "is not a directory")),
        Ok(_) => return Ok(dir),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mode = if file_mode(vault) & 0o060 == 0 {
        0o700
    } else {
        0o770
    };
    let mut builder = std::fs::DirBuilder::new();
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
    match builder.create(&dir) {
        Ok(()) => Ok(dir),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(dir),
        Err(e) => Err(e),
    }
}

/// Held while alive: the exclusive lock on `<vault>.audit/lock`.
pub(crate) struct AppendLock {
    _file: File,
}

pub(crate) fn lock(dir: &Path, mode: u32) -> io::Result<AppendLock> {
    let path = dir.join("lock");
    let file = open_checked(
        &path,
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(mode),
    )?;
    // Blocks: an append holds it for well under a millisecond.
    file.lock()?;
    Ok(AppendLock { _file: file })
}

/// The last line of a segment (without its newline), read from the end.
pub(crate) fn last_line(path: &Path) -> io::Result<Option<String>> {
    let Some(mut file) = (match open_checked(path, OpenOptions::new().read(true)) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    }) else {
        return Ok(None);
    };
    let len = file.metadata()?.len();
    let mut window = 4096u64;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
        Read::by_ref(&mut file)
            .take(len - start)
            .read_to_end(&mut buf)?;
        let text = String::from_utf8_lossy(&buf);
        let trimmed = text.strip_suffix('\n').unwrap_or(&text);
        if let Some(i) = trimmed.rfind('\n') {
            return Ok(Some(trimmed[i + 1..].to_owned()));
        }
        if start == 0 {
            return Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()));
        }
        window *= 4;
    }
}

/// Appends one whole line with a single `write` on an `O_APPEND` handle.
pub(crate) fn append_line(path: &Path, line: &str, mode: u32) -> io::Result<()> {
    let mut file = open_checked(
        path,
        OpenOptions::new().append(true).create(true).mode(mode),
    )?;
    file.write_all(line.as_bytes())
}
