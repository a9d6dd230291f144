//! Where the agent's socket lives and who may use it: `$XDG_RUNTIME_DIR/
//! regvault/agent.sock` (else `/tmp/regvault-<euid>/agent.sock`; the
//! effective uid, never `$USER`), or `REGVAULT_AGENT_SOCK`. The directory
//! must be a real directory (not a symlink) owned by this user with no
//! group or world access, and the socket a socket of this user: anything
//! else is refused, never "fixed". Every connection's peer uid is checked
//! with `SO_PEERCRED` by both ends.

use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// The effective uid (the agent sits below the vault module: it uses
/// nothing of it).
fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The agent's socket path (nothing is checked or created here).
pub fn socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("REGVAULT_AGENT_SOCK").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|p| !p.is_empty()) {
        Some(run) => Path::new(&run).join("regvault"),
        None => PathBuf::from(format!("/tmp/regvault-{}", my_uid())),
    };
    dir.join("agent.sock")
}

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "refusing the agent socket directory {}: {why}",
            path.display()
        ),
    )
}

/// `Ok` for a directory (not a link) owned by this user, mode 0700 or
/// tighter.
pub fn check_dir(dir: &Path) -> io::Result<()> {
    let meta = dir.symlink_metadata()?;
    if meta.file_type().is_symlink() {
        return Err(refused(dir, "it is a symbolic link"));
    }
    if !meta.is_dir() {
        return Err(refused(dir, "it is not a directory"));
    }
    if meta.uid() != my_uid() {
        return Err(refused(
            dir,
            &format!(
                "it belongs to uid {}, not to you (uid {})",
                meta.uid(),
                my_uid()
            ),
        ));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(refused(
            dir,
            &format!(
                "other users have access to it (mode {:03o}; it must be 700)",
                meta.mode() & 0o777
            ),
        ));
    }
    Ok(())
}

/// The socket's directory, created 0700 if missing, then checked.
pub fn ensure_dir(sock: &Path) -> io::Result<PathBuf> {
    let dir = sock
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    if dir.symlink_metadata().is_err() {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", dir.display())))?;
    }
    check_dir(&dir)?;
    Ok(dir)
}

/// `Ok(false)` when there is no socket (no agent), `Ok(true)` for a
/// socket of this user in a private directory; an error for anything an
/// attacker could have planted.
pub fn check_socket(sock: &Path) -> io::Result<bool> {
    let Some(dir) = sock.parent() else {
        return Ok(false);
    };
    match dir.symlink_metadata() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
        Ok(_) => check_dir(dir)?,
    }
    let meta = match sock.symlink_metadata() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        other => other?,
    };
    if !meta.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refusing {}: it is not a socket", sock.display()),
        ));
    }
    if meta.uid() != my_uid() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "refusing {}: it belongs to uid {}, not to you",
                sock.display(),
                meta.uid()
            ),
        ));
    }
    Ok(true)
}

/// The uid at the other end of a connected socket, from the kernel.
pub fn peer_uid(stream: &UnixStream) -> io::Result<u32> {
    let cred = rustix::net::sockopt::socket_peercred(stream)?;
    Ok(cred.uid.as_raw())
}

/// `Ok` when the peer is this user.
pub fn check_peer(stream: &UnixStream) -> io::Result<()> {
    let uid = peer_uid(stream)?;
    if uid == my_uid() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("the other end of the agent socket is uid {uid}, not you"),
        ))
    }
}
