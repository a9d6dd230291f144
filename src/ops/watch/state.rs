//! The state file of a running `watch`: where each context stands
//! (connected, last event, counts, next ECR refresh), for `regvault watch
//! status` and the TUI's status bar. It holds no secret — names, times and
//! counts only — and is written atomically, mode 0600, in a 0700
//! directory: `$XDG_RUNTIME_DIR/regvault/`, else the state directory.
//! One file per vault (named by a digest of the vault's canonical path),
//! so two watches of two vaults do not share one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// One context, as the watch last saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextState {
    pub context: String,
    pub server: String,
    /// Both watches (namespaces, Secrets) are open.
    pub connected: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event: Option<EventLine>,
    /// Managed Secrets put back (deleted or edited by hand).
    pub repairs: u64,
    /// New namespaces given the Secret.
    pub covered: u64,
    /// Rotations pushed (`--auto-sync`).
    pub synced: u64,
    pub ecr_refreshes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_ecr_refresh: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventLine {
    pub at: Timestamp,
    pub text: String,
}

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchState {
    pub pid: u32,
    pub started_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// False once the watch stopped cleanly.
    pub running: bool,
    pub auto_sync: bool,
    pub contexts: Vec<ContextState>,
}

impl WatchState {
    /// The one line the TUI's status bar shows.
    #[must_use]
    pub fn summary(&self) -> String {
        use std::fmt::Write as _;
        if !self.running {
            return "watch: stopped".into();
        }
        let up = self.contexts.iter().filter(|c| c.connected).count();
        let repairs: u64 = self.contexts.iter().map(|c| c.repairs).sum();
        let covered: u64 = self.contexts.iter().map(|c| c.covered).sum();
        let mut line = format!(
            "watch: {up}/{} connected · {repairs} repaired · {covered} covered",
            self.contexts.len()
        );
        if let Some(next) = self
            .contexts
            .iter()
            .filter_map(|c| c.next_ecr_refresh)
            .min()
        {
            let local = next.to_zoned(jiff::tz::TimeZone::system());
            let _ = write!(line, " · ECR {}", local.strftime("%H:%M"));
        }
        line
    }

    pub fn context_mut(&mut self, context: &str) -> &mut ContextState {
        let i = self
            .contexts
            .iter()
            .position(|c| c.context == context)
            .unwrap_or_else(|| {
                self.contexts.push(ContextState {
                    context: context.to_owned(),
                    ..ContextState::default()
                });
                self.contexts.len() - 1
            });
        &mut self.contexts[i]
    }
}

/// The directory of state files: `$XDG_RUNTIME_DIR/regvault` (an absolute
/// path), else the state directory.
#[must_use]
pub fn state_dir() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .map_or_else(crate::vault::state_dir, |p| p.join("regvault"))
}

/// The state file of a watch of `vault`.
#[must_use]
pub fn state_file(vault: &Path) -> PathBuf {
    use std::fmt::Write as _;
    use std::os::unix::ffi::OsStrExt as _;
    let canonical = fs::canonicalize(vault).unwrap_or_else(|_| vault.to_owned());
    let digest = Sha256::digest(canonical.as_os_str().as_bytes());
    let mut name = String::from("watch-");
    for b in &digest[..8] {
        let _ = write!(name, "{b:02x}");
    }
    name.push_str(".json");
    state_dir().join(name)
}

/// Writes the state (0700 directory, 0600 file, atomic).
///
/// # Errors
/// The directory cannot be made or the file written.
pub fn write(path: &Path, state: &WatchState) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        make_private_dir(dir)?;
    }
    let bytes = serde_json::to_vec_pretty(state).map_err(io::Error::other)?;
    crate::deploy::write_private_atomic(path, &bytes)
}

fn make_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, PermissionsExt as _};
    match fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() || meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(io::Error::other(format!(
            "{}: not a directory of this user: refused",
            dir.display()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Reads a state file.
///
/// # Errors
/// None there, or not a state file.
pub fn read(path: &Path) -> io::Result<WatchState> {
    let text = fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| io::Error::other(format!("{}: {e}", path.display())))
}

/// Whether the process `pid` still runs (a crashed watch leaves a file
/// that says `running`).
#[must_use]
pub fn alive(pid: u32) -> bool {
    i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
        .is_some_and(|p| rustix::process::test_kill_process(p).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_contexts_and_repairs() {
        let mut s = WatchState {
            running: true,
            ..WatchState::default()
        };
        s.context_mut("a").connected = true;
        s.context_mut("b").repairs = 2;
        s.context_mut("a").repairs = 1;
        assert_eq!(s.contexts.len(), 2);
        assert_eq!(s.summary(), "watch: 1/2 connected · 3 repaired · 0 covered");
        s.running = false;
        assert_eq!(s.summary(), "watch: stopped");
    }

    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/watch-x.json");
        let s = WatchState {
            pid: 7,
            running: true,
            ..WatchState::default()
        };
        write(&path, &s).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(read(&path).unwrap(), s);
    }
}
