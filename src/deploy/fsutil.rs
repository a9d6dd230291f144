//! Writing a file that holds credentials (a docker `config.json`, a
//! containers `auth.json`): private from the moment it exists, and atomic —
//! a reader sees the old file or the new one, never half of one, and a
//! crash leaves no torn file. Reading one the same way: never through a
//! link planted at its name or at its directory's name.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// Writes `bytes` to `path` atomically with mode 0600: a temp file in the
/// same directory (created 0600), written and fsynced, renamed over
/// `path`, then the directory fsynced so the rename survives a crash. The
/// directory must exist.
///
/// A symlink at `path` is refused, never followed: one planted in a
/// directory another user can write (a shared `DOCKER_CONFIG`) would send
/// the credentials wherever it points, dangling or not. An existing file
/// must be a regular file of this user with one link.
///
/// # Errors
/// Any I/O failure, or a refused file; the temp file is removed and
/// `path` left as it was.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    check_dir(&parent_of(path))?;
    match fs::symlink_metadata(path) {
        Ok(meta) => crate::vault::check_private_file(path, &meta)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    // The rename replaces the name itself: a link swapped in after the
    // check is replaced, not followed.
    let target = path.to_path_buf();
    let dir = parent_of(&target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // tempfile creates the file with O_EXCL and mode 0600 on unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp."))
        .tempfile_in(&dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    // Makes the rename durable; not every platform can fsync a directory.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{} {why}", path.display()),
    )
}

/// The directory a credentials file is written in or read from: a real
/// directory of this user, not a symlink. A `DOCKER_CONFIG` (or
/// `~/.config/containers`) swapped for a link would otherwise take the
/// file, and the credentials, wherever the link points. Only the last
/// component is checked: the ones above it are the user's own tree.
///
/// # Errors
/// A missing directory, or a refused one.
pub fn check_dir(dir: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() {
        return Err(refused(
            dir,
            "is a symbolic link: regvault does not write credentials through a linked directory (use the real path)",
        ));
    }
    if !meta.is_dir() {
        return Err(refused(dir, "is not a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if meta.uid() != crate::vault::my_uid() {
            return Err(refused(
                dir,
                &format!(
                    "belongs to uid {}, not to you (uid {}): refusing to keep credentials there",
                    meta.uid(),
                    crate::vault::my_uid()
                ),
            ));
        }
    }
    Ok(())
}

/// Creates `dir` (and its parents) 0700 when missing, then checks it as
/// [`check_dir`] does.
///
/// # Errors
/// Creation failed, or the directory is refused.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
    }
    check_dir(dir)
}

/// A credentials file's text, `None` when it (or its directory) does not
/// exist. Refused like a write: a symlinked file or directory, a file of
/// another user or with several links.
///
/// # Errors
/// A refused file or directory, an unreadable one, text that is not UTF-8.
pub fn read_private_text(path: &Path) -> io::Result<Option<Zeroizing<String>>> {
    match check_dir(&parent_of(path)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        other => other?,
    }
    let Some(mut f) = crate::vault::read_private(path)? else {
        return Ok(None);
    };
    let mut text = Zeroizing::new(String::new());
    io::Read::read_to_string(&mut f, &mut text)?;
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.contains(".tmp."))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt as _;
        fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o777)
    }

    #[test]
    fn creates_then_replaces_privately() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("config.json");
        write_private_atomic(&path, b"{\"a\":1}")?;
        assert_eq!(fs::read(&path)?, b"{\"a\":1}");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);

        // An existing world-readable file ends up private too.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644))?;
        }
        write_private_atomic(&path, b"{}")?;
        assert_eq!(fs::read(&path)?, b"{}");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symlink_and_leaves_its_target() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let real_dir = dir.path().join("dotfiles");
        fs::create_dir(&real_dir)?;
        let real = real_dir.join("docker-config.json");
        fs::write(&real, b"old")?;
        let link = dir.path().join("config.json");
        std::os::unix::fs::symlink("dotfiles/docker-config.json", &link)?;
        let err = write_private_atomic(&link, b"new").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(fs::symlink_metadata(&link)?.file_type().is_symlink());
        assert_eq!(fs::read(&real)?, b"old");
        assert!(leftovers(&real_dir).is_empty());
        assert!(leftovers(dir.path()).is_empty());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symlinked_directory_and_writes_nothing() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let real = dir.path().join("elsewhere");
        fs::create_dir(&real)?;
        let link = dir.path().join("docker");
        std::os::unix::fs::symlink(&real, &link)?;
        let err = write_private_atomic(&link.join("config.json"), b"{}").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(fs::read_dir(&real)?.next().is_none(), "nothing written");
        let err = read_private_text(&link.join("config.json")).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(ensure_private_dir(&link).is_err());
        Ok(())
    }

    #[test]
    fn ensure_creates_private_and_read_of_missing_is_none() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let sub = dir.path().join("a").join("containers");
        assert!(read_private_text(&sub.join("auth.json"))?.is_none());
        ensure_private_dir(&sub)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(fs::metadata(&sub)?.permissions().mode() & 0o777, 0o700);
        }
        assert!(read_private_text(&sub.join("auth.json"))?.is_none());
        write_private_atomic(&sub.join("auth.json"), b"{}")?;
        assert_eq!(
            read_private_text(&sub.join("auth.json"))?
                .as_deref()
                .map(String::as_str),
            Some("{}")
        );
        Ok(())
    }

    #[test]
    fn a_missing_directory_fails_and_leaves_nothing() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("nope").join("config.json");
        assert!(write_private_atomic(&path, b"x").is_err());
        assert!(!path.exists());
        Ok(())
    }
}
