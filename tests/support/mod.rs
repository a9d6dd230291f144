//! Real servers for the probe tests, each a child process on a free
//! 127.0.0.1 port, stopped (by its PID) on Drop: CNCF distribution
//! (`docker-registry serve`) with htpasswd, TLS or token auth; a small
//! token server (the registry verifying its tokens is real); `moto_server`
//! as the ECR API. A missing binary panics with the command that installs
//! it — nothing is skipped silently.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

pub fn need(bin: &str, install: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`{bin}` is not installed; install it with: {install} (or run ./scripts/test.sh)"
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_listening(port: u16, child: &mut Child, what: &str, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(e) = child.stderr.as_mut() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("{what} exited ({status}) before listening:\n{err}");
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not listen on 127.0.0.1:{port} within {limit:?}");
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn run_stdin(cmd: &mut Command, input: &[u8]) -> Vec<u8> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A child process stopped by PID when dropped.
pub struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        // SIGTERM first (the registry stops cleanly on it), then make sure.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A CA and a server certificate for 127.0.0.1 / localhost, made with the
/// openssl CLI.
pub struct Certs {
    pub ca_pem: String,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A self-signed RSA certificate valid for two days, made by openssl.
fn self_signed(key: &Path, cert: &Path, cn: &str) {
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        ])
        .arg(format!("/CN={cn}"))
        .arg("-keyout")
        .arg(key)
        .arg("-out")
        .arg(cert));
}

pub fn make_certs(dir: &Path) -> Certs {
    need("openssl", "apt-get install -y openssl");
    let p = |n: &str| dir.join(n);
    self_signed(&p("ca.key"), &p("ca.crt"), "regvault test CA");
    run(Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .arg("-keyout")
        .arg(p("server.key"))
        .arg("-out")
        .arg(p("server.csr")));
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
        .arg("-in")
        .arg(p("server.csr"))
        .arg("-CA")
        .arg(p("ca.crt"))
        .arg("-CAkey")
        .arg(p("ca.key"))
        .arg("-extfile")
        .arg(p("ext.cnf"))
        .arg("-out")
        .arg(p("server.crt")));
    Certs {
        ca_pem: std::fs::read_to_string(p("ca.crt")).unwrap(),
        ca: p("ca.crt"),
        cert: p("server.crt"),
        key: p("server.key"),
    }
}

#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Htpasswd(&'a [(&'a str, &'a str)]),
    Token(&'a TokenServer),
}

/// CNCF distribution on 127.0.0.1, storing in a temp dir.
pub struct Registry {
    pub port: u16,
    pub tls: bool,
    pub dir: tempfile::TempDir,
    _proc: Proc,
}

impl Registry {
    pub fn start(auth: Auth<'_>, tls: Option<&Certs>) -> Registry {
        need("docker-registry", "apt-get install -y docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut auth_yaml = String::new();
        match auth {
            Auth::None => {}
            Auth::Htpasswd(users) => {
                need("htpasswd", "apt-get install -y apache2-utils");
                let mut file = String::new();
                for (user, pass) in users {
                    // -i: the password on stdin. bcrypt reads only its
                    // first 72 bytes, and htpasswd takes at most 256.
                    let pass = &pass.as_bytes()[..pass.len().min(72)];
                    let line = run_stdin(Command::new("htpasswd").args(["-niB", user]), pass);
                    file.push_str(String::from_utf8_lossy(&line).trim());
                    file.push('\n');
                }
                let path = dir.path().join("htpasswd");
                std::fs::write(&path, file).unwrap();
                auth_yaml = format!(
                    "auth:\n  htpasswd:\n    realm: regvault-test\n    path: {}\n",
                    path.display()
                );
            }
            Auth::Token(ts) => {
                auth_yaml = format!(
                    "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                    ts.port,
                    TokenServer::SERVICE,
                    TokenServer::ISSUER,
                    ts.cert.display()
                );
            }
        }
        let tls_yaml = tls.map_or_else(String::new, |c| {
            format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                c.cert.display(),
                c.key.display()
            )
        });
        let cfg = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: regvault-test-secret\n{tls_yaml}{auth_yaml}",
            dir.path().join("data").display()
        );
        let cfg_path = dir.path().join("config.yml");
        std::fs::write(&cfg_path, cfg).unwrap();
        let mut child = Command::new("docker-registry")
            .arg("serve")
            .arg(&cfg_path)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting docker-registry");
        wait_listening(port, &mut child, "docker-registry", Duration::from_secs(10));
        // Keep stderr drained so the registry never blocks on a full pipe.
        if let Some(mut err) = child.stderr.take() {
            thread::spawn(move || {
                let mut sink = Vec::new();
                let _ = err.read_to_end(&mut sink);
            });
        }
        Registry {
            port,
            tls: tls.is_some(),
            dir,
            _proc: Proc(child),
        }
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
}

/// A minimal Docker token server: Basic-authenticated `GET /token`,
/// answering RS256 JWTs signed with `openssl dgst -sha256 -sign` and
/// carrying the signing certificate in `x5c`. Users may be denied pull on
/// some repositories (their token then grants nothing for it).
pub struct TokenServer {
    pub port: u16,
    pub cert: PathBuf,
    stop: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

pub struct TokenUser {
    pub name: &'static str,
    pub password: &'static str,
    pub denied: &'static [&'static str],
}

impl TokenServer {
    pub const SERVICE: &'static str = "regvault-test-registry";
    pub const ISSUER: &'static str = "regvault-test-issuer";

    pub fn start(users: Vec<TokenUser>) -> TokenServer {
        need("openssl", "apt-get install -y openssl");
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("token.key");
        let cert = dir.path().join("token.crt");
        self_signed(&key, &cert, "regvault token signer");
        let der = run(Command::new("openssl")
            .args(["x509", "-outform", "DER"])
            .arg("-in")
            .arg(&cert));
        let x5c = STANDARD.encode(der);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let users = Arc::new(users);
        thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (users, key, x5c) = (users.clone(), key.clone(), x5c.clone());
                        thread::spawn(move || serve_token(stream, &users, &key, &x5c));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TokenServer {
            port,
            cert,
            stop,
            _dir: dir,
        }
    }

    /// A token for `user` with `actions` on `repo`, for pushing test images.
    pub fn token_for(&self, user: &str, repo: &str, actions: &[&str]) -> String {
        let key = self.cert.with_file_name("token.key");
        let der = run(Command::new("openssl")
            .args(["x509", "-outform", "DER"])
            .arg("-in")
            .arg(&self.cert));
        jwt(
            &key,
            &STANDARD.encode(der),
            user,
            &[(
                repo.to_owned(),
                actions.iter().map(|a| (*a).to_owned()).collect(),
            )],
        )
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn jwt(key: &Path, x5c: &str, sub: &str, access: &[(String, Vec<String>)]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [x5c]});
    let access: Vec<_> = access
        .iter()
        .map(|(name, actions)| serde_json::json!({"type": "repository", "name": name, "actions": actions}))
        .collect();
    let claims = serde_json::json!({
        "iss": TokenServer::ISSUER, "aud": TokenServer::SERVICE, "sub": sub,
        "exp": now + 300, "nbf": now - 10, "iat": now,
        "jti": format!("{sub}-{now}-{}", std::process::id()),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = run_stdin(
        Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(key),
        signing_input.as_bytes(),
    );
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn respond(mut stream: TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn query_param(query: &str, name: &str) -> Vec<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

fn serve_token(stream: TcpStream, users: &[TokenUser], key: &Path, x5c: &str) {
    let _ = stream.set_nonblocking(false);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("authorization")
        {
            authorization = Some(v.trim().to_owned());
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let who = authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            let (u, p) = pair.split_once(':')?;
            users.iter().find(|x| x.name == u && x.password == p)
        });
    let Some(user) = who else {
        respond(
            stream,
            "401 Unauthorized",
            r#"{"details":"incorrect username or password"}"#,
        );
        return;
    };
    let mut access = Vec::new();
    for scope in query_param(query, "scope") {
        let mut parts = scope.splitn(3, ':');
        let (Some("repository"), Some(name), Some(actions)) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if user.denied.contains(&name) {
            continue;
        }
        access.push((
            name.to_owned(),
            actions.split(',').map(str::to_owned).collect(),
        ));
    }
    let token = jwt(key, x5c, user.name, &access);
    respond(
        stream,
        "200 OK",
        &serde_json::json!({"token": token, "access_token": token, "expires_in": 300}).to_string(),
    );
}

/// `moto_server` as the ECR API. `check_credentials`: with
/// `INITIAL_NO_AUTH_ACTION_COUNT=0` it rejects unknown keys.
pub struct Moto {
    pub port: u16,
    _proc: Proc,
}

impl Moto {
    pub fn start(check_credentials: bool) -> Moto {
        need("moto_server", "pip install 'moto[server]'");
        let port = free_port();
        let mut cmd = Command::new("moto_server");
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if check_credentials {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
        }
        let mut child = cmd.spawn().expect("starting moto_server");
        wait_listening(port, &mut child, "moto_server", Duration::from_secs(30));
        if let Some(mut err) = child.stderr.take() {
            thread::spawn(move || {
                let mut sink = Vec::new();
                let _ = err.read_to_end(&mut sink);
            });
        }
        Moto {
            port,
            _proc: Proc(child),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A listener that accepts connections and never answers.
pub struct Silent {
    pub port: u16,
    _listener: TcpListener,
}

impl Silent {
    pub fn start() -> Silent {
        // The kernel completes the handshake from the backlog; nobody reads.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Silent {
            port: listener.local_addr().unwrap().port(),
            _listener: listener,
        }
    }
}

fn sha256(data: &[u8]) -> String {
    let out = run_stdin(&mut Command::new("sha256sum"), data);
    let hex = String::from_utf8_lossy(&out);
    format!("sha256:{}", hex.split_whitespace().next().unwrap_or(""))
}

/// Pushes a one-layer OCI image over the registry's HTTP API (POST upload,
/// PUT blob with ?digest=, PUT manifest). `auth` is the Authorization value.
pub async fn push_image(base: &str, repo: &str, tag: &str, auth: Option<&str>) -> String {
    let layer = format!("regvault test layer for {repo}").into_bytes();
    let layer_digest = sha256(&layer);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    });
    push_layer(base, repo, tag, auth, layer, &config).await
}

/// Uploads `layer` (as stored: plain or gzipped) and `config`, then the
/// manifest naming them; returns the manifest digest.
pub async fn push_layer(
    base: &str,
    repo: &str,
    tag: &str,
    auth: Option<&str>,
    layer: Vec<u8>,
    config: &serde_json::Value,
) -> String {
    // Each test may be its own process (nextest): reqwest needs the provider.
    regvault::probe::install_crypto_provider();
    let client = reqwest::Client::new();
    let with = |r: reqwest::RequestBuilder| match auth {
        Some(a) => r.header("authorization", a),
        None => r,
    };
    let layer_digest = sha256(&layer);
    let config = config.to_string().into_bytes();
    let config_digest = sha256(&config);
    for (blob, digest) in [(&layer, &layer_digest), (&config, &config_digest)] {
        let r = with(client.post(format!("{base}/v2/{repo}/blobs/uploads/")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "starting an upload to {repo}");
        let loc = r.headers()["location"].to_str().unwrap().to_owned();
        let loc = if loc.starts_with("http") {
            loc
        } else {
            format!("{base}{loc}")
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let r = with(client.put(format!("{loc}{sep}digest={digest}")))
            .header("content-type", "application/octet-stream")
            .body(blob.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "uploading a blob to {repo}");
    }
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer.len()}],
    })
    .to_string();
    let r = with(client.put(format!("{base}/v2/{repo}/manifests/{tag}")))
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body(manifest.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "putting the manifest of {repo}:{tag}");
    sha256(manifest.as_bytes())
}

pub fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))
}

/// A throwaway vault and the regvault binary pointed at it.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Sandbox {
    pub fn new() -> Self {
        let s = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        s.ok(&["init"], &[]);
        s
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut c = assert_cmd::Command::cargo_bin("regvault").unwrap();
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("REGVAULT_USER", "alice@ops");
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.args(args).output().unwrap();
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    pub fn ok(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let o = self.run(args, env);
        assert_eq!(o.code, 0, "{args:?} failed:\n{}\n{}", o.stdout, o.stderr);
        o
    }

    /// `regvault container add` of `name` in `environment`, image
    /// `image:1.0`, pulling with `registry`.
    pub fn add_container(&self, name: &str, environment: &str, image: &str, registry: &str) -> Out {
        self.ok(
            &[
                "container",
                "add",
                "--name",
                name,
                "--environment",
                environment,
                "--image",
                image,
                "--tag",
                "1.0",
                "--registry",
                registry,
            ],
            &[],
        )
    }

    /// Adds a registry from a JSON document; returns its id.
    pub fn add(&self, doc: &serde_json::Value) -> String {
        let f = self.write("add.json", &doc.to_string());
        let o = self.ok(
            &[
                "registry",
                "add",
                "--from-file",
                f.to_str().unwrap(),
                "--json",
            ],
            &[],
        );
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        v["id"].as_str().unwrap().to_owned()
    }
}

/// A per-run suffix of five letters: a cluster may outlive a run (a
/// developer's own `REGVAULT_TEST_KUBE`), so names a test creates carry it.
pub fn run_tag() -> &'static str {
    static TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TAG.get_or_init(|| {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            ^ std::process::id();
        (0..5)
            .map(|i| char::from(b'a' + u8::try_from((n >> (i * 5)) % 26).unwrap()))
            .collect()
    })
}

/// An ECR registry in the platform's shape, with AWS's documented example
/// keys (moto accepts them).
pub fn ecr_doc(name: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "type": "ECR", "credentials": {
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "region": "us-east-1"}})
}

impl Sandbox {
    /// The sandbox's vault for `regvault::ops` in process: its identity
    /// opens it, its signing key signs the saves.
    pub fn store(&self) -> regvault::ops::FileStore {
        regvault::ops::FileStore::new(
            self.path("data/regvault/vault.age"),
            vec![regvault::vault::KeySource::IdentityFile(
                self.path("config/regvault/identity.txt"),
            )],
        )
        .with_signing_key(self.path("config/regvault/signing-key.txt"))
    }
}
