//! The vault file on disk: reading it, replacing it atomically (temp file in
//! the same directory, fsync, rename, fsync the directory), the rolling
//! backups in `<vault>.backups/`, and sweeping temp files a crashed save
//! left behind. Only ciphertext ever passes through here.
//!
//! Callers hold the writer lock around everything that writes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{VaultError, io_err, not_found};

/// How many previous versions to keep.
pub(crate) const KEEP_BACKUPS: usize = 5;

/// One version of the vault file, known without reading it: replacing the
/// file (rename) changes the inode, writing in place changes the ctime,
/// which no tool can set back. A save compares stamps to refuse
/// overwriting a version it did not read. (A content hash did the same job
/// at 10 ms per 10,000-registry save.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    fn of(meta: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

fn read_error(path: &Path, e: io::Error) -> VaultError {
    match e.kind() {
        io::ErrorKind::NotFound => not_found(path),
        _ => io_err(format!("cannot read {}", path.display()), e),
    }
}

/// The vault file opened for reading (a header peek).
pub(crate) fn open_vault(path: &Path) -> Result<File, VaultError> {
    File::open(path).map_err(|e| read_error(path, e))
}

pub(crate) fn read_vault(path: &Path) -> Result<Vec<u8>, VaultError> {
    fs::read(path).map_err(|e| read_error(path, e))
}

/// The file's bytes and the stamp of the very file read (fstat on the
/// same handle, so a concurrent replace cannot mismatch them).
pub(crate) fn read_vault_stamped(path: &Path) -> Result<(Vec<u8>, FileStamp), VaultError> {
    use std::io::Read;
    let mut file = File::open(path).map_err(|e| read_error(path, e))?;
    let meta = file.metadata().map_err(|e| read_error(path, e))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)
        .map_err(|e| read_error(path, e))?;
    Ok((bytes, FileStamp::of(&meta)))
}

/// The stamp of the file now; `None` when there is none.
pub(crate) fn stamp(path: &Path) -> Result<Option<FileStamp>, VaultError> {
    match fs::metadata(path) {
        Ok(meta) => Ok(Some(FileStamp::of(&meta))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(read_error(path, e)),
    }
}

pub(crate) fn backups_dir(vault: &Path) -> PathBuf {
    let mut name = vault.file_name().unwrap_or_default().to_os_string();
    name.push(".backups");
    vault.with_file_name(name)
}

fn file_name(vault: &Path) -> String {
    vault
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `.vault.age.tmp.` — hidden, and specific to this vault, so the sweep
/// never touches anything else in the directory.
fn temp_prefix(vault: &Path) -> String {
    format!(".{}.tmp.", file_name(vault))
}

fn parent(vault: &Path) -> &Path {
    match vault.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Creates missing directories 0700: they will hold credentials.
pub(crate) fn create_dirs(dir: &Path) -> Result<(), VaultError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| io_err(format!("cannot create {}", dir.display()), e))
}

pub(crate) fn create_parent_dirs(path: &Path) -> Result<(), VaultError> {
    create_dirs(parent(path))
}

/// Creates a new file 0600, failing if it exists.
pub(crate) fn create_new_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Makes a rename or unlink durable. Directories cannot be fsynced on every
/// platform; where that fails there is nothing better to do.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes temp files of this vault left by a save that was killed. Only
/// called under the writer lock, so no live save owns any of them.
pub(crate) fn sweep_temps(vault: &Path) {
    let prefix = temp_prefix(vault);
    let Ok(entries) = fs::read_dir(parent(vault)) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A name that sorts by time: `20261127T101112.123456789Z.age`.
fn backup_name(now: jiff::Timestamp) -> String {
    let dt = now.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}Z.age",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond()
    )
}

/// Keeps the current vault as a backup. A hard link costs no copy and, made
/// before the rename, still names the old content after it; filesystems
/// without hard links get a copy.
fn backup_current(vault: &Path, dir: &Path) -> Result<(), VaultError> {
    create_dirs(dir)?;
    for _ in 0..100 {
        let target = dir.join(backup_name(jiff::Timestamp::now()));
        match fs::hard_link(vault, &target) {
            // A backup is private whatever the vault's mode was (the link
            // shares the vault's inode, which is about to be replaced by a
            // 0600 file anyway).
            Ok(()) => {
                return fs::set_permissions(&target, private_mode())
                    .map_err(|e| io_err(format!("cannot make {} private", target.display()), e));
            }
            // Same nanosecond as an earlier backup: take a fresh timestamp.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(_) => {
                let copy = || -> io::Result<()> {
                    let bytes = fs::read(vault)?;
                    let mut f = create_new_private(&target)?;
                    f.write_all(&bytes)?;
                    f.sync_all()
                };
                return copy()
                    .map_err(|e| io_err(format!("cannot back up to {}", target.display()), e));
            }
        }
    }
    Err(io_err(
        "cannot name a backup",
        io::Error::from(io::ErrorKind::AlreadyExists),
    ))
}

fn private_mode() -> fs::Permissions {
    std::os::unix::fs::PermissionsExt::from_mode(0o600)
}

/// Where `init` sets aside the backups of an earlier vault at the same
/// path: `<vault>.backups/earlier-<time>/`, never pruned by saves.
const EARLIER_PREFIX: &str = "earlier-";

fn is_backup_name(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with("Z.age") && n.as_bytes()[0].is_ascii_digit())
}

/// The sets of backups of earlier vaults at this path, newest first.
fn earlier_sets(vault: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(backups_dir(vault)) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(EARLIER_PREFIX))
        })
        .collect();
    dirs.sort_unstable_by(|a, b| b.cmp(a));
    dirs
}

/// Every backup of this path, the current vault's first (newest first),
/// then those of earlier vaults (newest set first).
pub(crate) fn list_all_backups(vault: &Path) -> Vec<PathBuf> {
    let mut out = list_backups(vault);
    for dir in earlier_sets(vault) {
        out.extend(list_backups_in(&dir));
    }
    out
}

/// `init` at a path whose vault file is gone but whose backups are not:
/// those are another vault's, so they move to a set of their own that the
/// new vault's saves never rotate away. Returns the set and its size.
pub(crate) fn set_aside_backups(vault: &Path) -> Result<Option<(PathBuf, usize)>, VaultError> {
    let current = list_backups(vault);
    let Some(newest) = current.first() else {
        return Ok(None);
    };
    let stamp = newest
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".age"))
        .unwrap_or("unknown");
    let set = backups_dir(vault).join(format!("{EARLIER_PREFIX}{stamp}"));
    create_dirs(&set)?;
    for b in &current {
        if let Some(name) = b.file_name() {
            fs::rename(b, set.join(name))
                .map_err(|e| io_err(format!("cannot set aside {}", b.display()), e))?;
        }
    }
    sync_dir(&set);
    sync_dir(&backups_dir(vault));
    Ok(Some((set, current.len())))
}

/// Removes the current vault's backups and, with `earlier`, the sets of
/// earlier vaults at this path. Returns how many files were removed. The
/// caller holds the writer lock.
pub(crate) fn purge_backups(vault: &Path, earlier: bool) -> Result<usize, VaultError> {
    let mut removed = 0;
    let remove = |p: &Path| {
        fs::remove_file(p).map_err(|e| io_err(format!("cannot remove {}", p.display()), e))
    };
    for b in list_backups(vault) {
        remove(&b)?;
        removed += 1;
    }
    if earlier {
        for set in earlier_sets(vault) {
            for b in list_backups_in(&set) {
                remove(&b)?;
                removed += 1;
            }
            // Only if nothing else was put there.
            let _ = fs::remove_dir(&set);
        }
    }
    sync_dir(&backups_dir(vault));
    Ok(removed)
}

/// The backups of `vault`, newest first.
pub(crate) fn list_backups(vault: &Path) -> Vec<PathBuf> {
    list_backups_in(&backups_dir(vault))
}

fn list_backups_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_backup_name(p))
        .collect();
    names.sort_unstable_by(|a, b| b.cmp(a));
    names
}

fn prune_backups(vault: &Path) {
    for old in list_backups(vault).iter().skip(KEEP_BACKUPS) {
        let _ = fs::remove_file(old);
    }
}

/// Replaces the vault with `ciphertext` so that at every instant the path
/// names either the complete old file or the complete new one.
pub(crate) fn write_atomic(vault: &Path, ciphertext: &[u8]) -> Result<(), VaultError> {
    let dir = parent(vault);
    let nanos = jiff::Timestamp::now().subsec_nanosecond();
    let temp = dir.join(format!(
        "{}{}.{nanos:09}",
        temp_prefix(vault),
        std::process::id()
    ));
    let write = || -> io::Result<()> {
        let mut f = create_new_private(&temp)?;
        f.write_all(ciphertext)?;
        f.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&temp);
        return Err(io_err(format!("cannot write {}", temp.display()), e));
    }

    let backups = backups_dir(vault);
    let had_old = vault.exists();
    if had_old && let Err(e) = backup_current(vault, &backups) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    if let Err(e) = fs::rename(&temp, vault) {
        let _ = fs::remove_file(&temp);
        return Err(io_err(format!("cannot replace {}", vault.display()), e));
    }
    sync_dir(dir);
    if had_old {
        prune_backups(vault);
        sync_dir(&backups);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_sort_by_time() {
        let a = backup_name(jiff::Timestamp::from_nanosecond(1_000_000_000_000_000_001).unwrap());
        let b = backup_name(jiff::Timestamp::from_nanosecond(1_000_000_000_100_000_000).unwrap());
        assert!(a < b, "{a} {b}");
        assert_eq!(a, "20010909T014640.000000001Z.age");
    }

    #[test]
    fn atomic_write_keeps_backups_and_sweeps_temps() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.age");
        let junk = dir.path().join(".v.age.tmp.1.2");
        fs::write(&junk, b"junk").unwrap();
        fs::write(dir.path().join("other.txt"), b"keep").unwrap();
        sweep_temps(&vault);
        assert!(!junk.exists());
        assert!(dir.path().join("other.txt").exists());
        for i in 0..8u8 {
            write_atomic(&vault, &[i]).unwrap();
        }
        assert_eq!(fs::read(&vault).unwrap(), [7]);
        let backups = list_backups(&vault);
        assert_eq!(backups.len(), KEEP_BACKUPS);
        // Newest first: the version just before the current one.
        assert_eq!(fs::read(&backups[0]).unwrap(), [6]);
        assert_eq!(fs::read(&backups[4]).unwrap(), [2]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&vault), 0o600);
            assert_eq!(mode(&backups[0]), 0o600);
            assert_eq!(mode(&backups_dir(&vault)), 0o700);
        }
    }
}
