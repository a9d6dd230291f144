//! The I/O half of moving in: where each source lives by default, reading
//! a file (bounded, never through a directory), asking credential helpers
//! through docker's helper protocol (`list`, then `get` per server on
//! stdin, each under a timeout), and reading a pull Secret from a cluster.
//!
//! A helper that fails, hangs or answers nonsense is reported for its
//! entries; it never stops the import. A helper named `regvault` is not
//! asked: what it holds is already in the vault.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::parse::{self, AuthFile, Skipped, shown};
use crate::import::{MAX_IMPORT_BYTES, read_bounded};
use crate::ops::OpsError;
use crate::registry::infer::{InferError, ecr_region, server_host};

/// Where `import docker-config` reads without a path: `$DOCKER_CONFIG/config.json`,
/// else `~/.docker/config.json`.
#[must_use]
pub fn docker_config_path() -> PathBuf {
    match std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("config.json"),
        None => home().join(".docker/config.json"),
    }
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(PathBuf::new, PathBuf::from)
}

/// The containers `auth.json` search order, as podman and skopeo read it.
#[must_use]
pub fn containers_auth_paths() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(f) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|f| !f.is_empty()) {
        out.push(PathBuf::from(f));
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        out.push(PathBuf::from(d).join("containers/auth.json"));
    }
    out.push(home().join(".config/containers/auth.json"));
    out
}

/// The first of `paths` that exists.
///
/// # Errors
/// None exists: the message lists where it looked.
pub fn first_existing(paths: &[PathBuf]) -> Result<PathBuf, OpsError> {
    paths.iter().find(|p| p.exists()).cloned().ok_or_else(|| {
        let tried: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        OpsError::Input(format!(
            "no auth.json found (looked in {}); give its path",
            tried.join(", ")
        ))
    })
}

/// A source file's text: a regular file, at most `MAX_IMPORT_BYTES`.
///
/// # Errors
/// Missing, not a regular file, too large, not UTF-8.
pub fn read_file(path: &Path) -> Result<Zeroizing<String>, OpsError> {
    let file_err = |source| OpsError::File {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(file_err)?;
    let meta = file.metadata().map_err(file_err)?;
    if !meta.is_file() {
        return Err(OpsError::Input(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    read_bounded(file).map_err(|e| match e {
        crate::import::ReadError::Io(e) => file_err(e),
        crate::import::ReadError::Import(e) => OpsError::Input(format!("{}: {e}", path.display())),
    })
}

/// A file's parse error with its path.
pub fn parse_error(path: &Path, e: &crate::import::ImportError) -> OpsError {
    OpsError::Input(format!("{}: {e}", path.display()))
}

/// How long one helper call may take.
pub const DEFAULT_HELPER_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `docker-credential-NAME ARG` with `input` on stdin; its stdout
/// (bounded) on exit 0. The error is one line: the exit status and the
/// helper's own first line of stderr, or the timeout.
fn run_helper(
    name: &str,
    arg: &str,
    input: &str,
    timeout: Duration,
) -> Result<Zeroizing<String>, String> {
    let bin = format!("docker-credential-{name}");
    let mut child = Command::new(&bin)
        .arg(arg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!("helper {name} is not installed ({bin} is not on PATH)")
            } else {
                format!("{bin}: {e}")
            }
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that does not read stdin closes it: not an error here.
        let _ = stdin.write_all(input.as_bytes());
    }
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Zeroizing::new(Vec::new());
        if let Some(o) = out.as_mut() {
            let _ = o.take(MAX_IMPORT_BYTES + 1).read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.take(4096).read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= timeout => {
                // Our own child, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{bin} {arg} did not answer within {} s",
                    timeout.as_secs_f64()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("{bin}: {e}")),
        }
    };
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        let first = String::from_utf8_lossy(&stderr);
        let line = first.lines().next().unwrap_or("").trim().to_owned();
        let tail = if line.is_empty() {
            String::new()
        } else {
            format!(": {}", shown(&line))
        };
        let code = status.code().map_or("a signal".into(), |c| c.to_string());
        return Err(format!("{bin} {arg} failed (exit {code}){tail}"));
    }
    if stdout.len() as u64 > MAX_IMPORT_BYTES {
        return Err(format!("{bin} {arg}: answer larger than 1 MiB"));
    }
    String::from_utf8(stdout.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| format!("{bin} {arg}: answer is not UTF-8"))
}

/// A helper name as docker would run it: no path, no spaces.
fn valid_helper(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.')
}

/// Asks one helper for one server's login; the outcome goes into `out`.
fn helper_get(helper: &str, server: &str, timeout: Duration, out: &mut AuthFile) {
    let skip = |reason: String| Skipped {
        server: shown(server),
        reason,
    };
    match run_helper(helper, "get", server, timeout) {
        Ok(text) => match parse::helper_get(server, helper, &text) {
            Ok(Some(login)) => out.logins.push(login),
            Ok(None) => out
                .skipped
                .push(skip(format!("helper {helper} holds no credentials for it"))),
            Err(e) => out
                .skipped
                .push(skip(format!("helper {helper} answered nonsense: {e}"))),
        },
        Err(e) => out.skipped.push(skip(e)),
    }
}

/// Fills in the logins `file`'s `credsStore` and `credHelpers` hold.
pub fn ask_helpers(file: &mut AuthFile, timeout: Duration) {
    let helpers = std::mem::take(&mut file.cred_helpers);
    let store = file.creds_store.take();
    let bad_name = |h: &str| format!("helper name {} is not a program name", shown(h));
    for (server, helper) in &helpers {
        if helper == "regvault" {
            continue;
        }
        // docker-credential-ecr-login would mint a 12-hour token only to
        // have it refused: say why without asking it.
        if let Some(host) = server_host(server).filter(|h| ecr_region(h).is_some()) {
            file.skipped.push(Skipped {
                server: shown(server),
                reason: InferError::EcrToken { host }.to_string(),
            });
            continue;
        }
        if !valid_helper(helper) {
            file.skipped.push(Skipped {
                server: shown(server),
                reason: bad_name(helper),
            });
            continue;
        }
        helper_get(helper, server, timeout, file);
    }
    let Some(store) = store.filter(|s| s != "regvault") else {
        return;
    };
    if !valid_helper(&store) {
        file.skipped.push(Skipped {
            server: "credsStore".into(),
            reason: bad_name(&store),
        });
        return;
    }
    let servers = match run_helper(&store, "list", "", timeout) {
        Ok(text) => match parse::helper_list(&text) {
            Ok(s) => s,
            Err(e) => {
                file.skipped.push(Skipped {
                    server: format!("credsStore {store}"),
                    reason: format!("its list is not a JSON mapping: {e}"),
                });
                return;
            }
        },
        Err(e) => {
            file.skipped.push(Skipped {
                server: format!("credsStore {store}"),
                reason: e,
            });
            return;
        }
    };
    for server in servers {
        // credHelpers wins for its servers, as docker decides.
        if helpers
            .keys()
            .any(|h| server_host(h) == server_host(&server))
        {
            continue;
        }
        helper_get(&store, &server, timeout, file);
    }
}

/// A docker `config.json` or containers `auth.json` with its helpers asked.
///
/// # Errors
/// The file cannot be read or parsed.
pub fn auth_file(path: &Path, timeout: Duration) -> Result<AuthFile, OpsError> {
    let text = read_file(path)?;
    let mut f = parse::auth_file(&text).map_err(|e| parse_error(path, &e))?;
    ask_helpers(&mut f, timeout);
    Ok(f)
}

/// A source the TUI's import screen reads (the cluster is the CLI's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// docker's config.json (`None`: the default path).
    DockerConfig(Option<PathBuf>),
    /// containers' auth.json (`None`: the search order).
    ContainersAuth(Option<PathBuf>),
    /// A Secret manifest or dockerconfigjson file.
    KubeFile(PathBuf),
}

impl Source {
    /// The file this source reads.
    ///
    /// # Errors
    /// No auth.json in the search order.
    pub fn path(&self) -> Result<PathBuf, OpsError> {
        match self {
            Source::DockerConfig(p) => Ok(p.clone().unwrap_or_else(docker_config_path)),
            Source::ContainersAuth(Some(p)) | Source::KubeFile(p) => Ok(p.clone()),
            Source::ContainersAuth(None) => first_existing(&containers_auth_paths()),
        }
    }

    /// Reads and parses the source (asking its helpers).
    ///
    /// # Errors
    /// The file cannot be read or parsed.
    pub fn read(&self, timeout: Duration) -> Result<AuthFile, OpsError> {
        let path = self.path()?;
        match self {
            Source::KubeFile(_) => {
                let text = read_file(&path)?;
                parse::secret_manifest(&text).map_err(|e| parse_error(&path, &e))
            }
            _ => auth_file(&path, timeout),
        }
    }
}

/// A pull Secret from a cluster.
///
/// # Errors
/// No kubeconfig or context, the read failed, no such Secret, or not a
/// pull Secret.
pub async fn kube_secret(
    name: &str,
    namespace: &str,
    context: Option<&str>,
    kubeconfig: Option<&Path>,
) -> Result<AuthFile, OpsError> {
    let cluster = crate::deploy::kube::Cluster::connect(context, kubeconfig).await?;
    let (secret_type, data) = cluster
        .pull_secret_payload(namespace, name)
        .await?
        .ok_or_else(|| {
            OpsError::Input(format!(
                "no secret {namespace}/{name} in context {}",
                cluster.context
            ))
        })?;
    parse::secret_payload(&parse::SecretPayload { secret_type, data })
        .map_err(|e| OpsError::Input(format!("secret {namespace}/{name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_names_cannot_be_paths() {
        assert!(valid_helper("pass"));
        assert!(valid_helper("ecr-login"));
        for bad in ["", "../x", "a b", "/bin/sh", ".hidden"] {
            assert!(!valid_helper(bad), "{bad}");
        }
    }
}
