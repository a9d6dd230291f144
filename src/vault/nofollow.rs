//! Opening a file by name without being redirected: `O_NOFOLLOW` (a
//! symlink planted at the name is refused, not followed), and the file
//! opened must be a regular file of this user with one link (a hard link
//! planted at the name is refused too). For the writer lock and docker's
//! `config.json`: names in directories another user may be able to write.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

pub(crate) fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{} {why}", path.display()),
    )
}

/// The effective uid of this process.
pub fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// `Ok` for a regular file owned by this user with one link; otherwise
/// says why it is refused.
pub fn check_private_file(path: &Path, meta: &Metadata) -> io::Result<()> {
    if meta.file_type().is_symlink() {
        return Err(refused(
            path,
            "is a symbolic link: regvault does not follow links here (remove it if you did not make it)",
        ));
    }
    if !meta.is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    if meta.uid() != my_uid() {
        return Err(refused(
            path,
            &format!(
                "belongs to uid {}, not to you (uid {}): refusing to use it",
                meta.uid(),
                my_uid()
            ),
        ));
    }
    if meta.nlink() != 1 {
        return Err(refused(
            path,
            &format!(
                "has {} hard links: it may be another file's other name; refusing to use it (remove it if you did not make it)",
                meta.nlink()
            ),
        ));
    }
    Ok(())
}

/// Opens `path` with `options` plus `O_NOFOLLOW`, then checks the opened
/// file (fstat on the handle, so no swap between check and use).
pub fn open_private(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let file = open_nofollow(
        path,
        options,
        "regvault does not follow links here (remove it if you did not make it)",
    )?;
    check_private_file(path, &file.metadata()?)?;
    Ok(file)
}

/// `options` plus `O_NOFOLLOW`: a symlink at `path` is refused with
/// "is a symbolic link: {why}" instead of the bare ELOOP.
pub(crate) fn open_nofollow(path: &Path, options: &mut OpenOptions, why: &str) -> io::Result<File> {
    options
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed())
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                refused(path, &format!("is a symbolic link: {why}"))
            } else {
                e
            }
        })
}

/// `Some(handle)` of an existing file opened read-only by
/// [`open_private`]; `None` when there is none.
pub fn read_private(path: &Path) -> io::Result<Option<File>> {
    match open_private(path, OpenOptions::new().read(true)) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_and_hard_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = open_private(&link, OpenOptions::new().write(true).create(true)).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let err = open_private(&dangling, OpenOptions::new().write(true).create(true)).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(!dir.path().join("nowhere").exists());
        let hard = dir.path().join("hard");
        std::fs::hard_link(&victim, &hard).unwrap();
        let err = open_private(&hard, OpenOptions::new().read(true)).unwrap_err();
        assert!(err.to_string().contains("hard links"), "{err}");
        assert!(read_private(&dir.path().join("none")).unwrap().is_none());
        std::fs::remove_file(&hard).unwrap();
        assert!(read_private(&victim).unwrap().is_some());
    }
}
