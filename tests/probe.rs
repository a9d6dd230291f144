//! Test Connection against real servers on 127.0.0.1: CNCF distribution
//! (htpasswd over http, TLS with a private CA, token auth with a token
//! server in this file's support module), `moto_server` as the ECR API, a
//! port with nothing listening and a listener that never answers.

mod support;

use std::time::{Duration, Instant};

use regvault::model::Connection;
use regvault::probe::{self, Outcome, ProbeOptions, ProbeReport, StepKind, StepStatus};
use regvault::registry::{Credentials, RegistryKind};
use serde_json::json;
use support::{Auth, Moto, Registry, Sandbox, Silent, TokenServer, TokenUser};

const USER: &str = "ci-puller";
const PASS: &str = "correct-horse-Battery-9";

fn custom(url: &str, user: &str, pass: &str) -> Credentials {
    [("url", url), ("username", user), ("password", pass)]
        .into_iter()
        .collect()
}

async fn check(kind: RegistryKind, creds: &Credentials, opts: &ProbeOptions) -> ProbeReport {
    probe::install_crypto_provider();
    let r = probe::probe(kind, creds, opts, std::future::pending()).await;
    // Whatever happened, no secret is in what a user or a log could see.
    let shown = format!("{r:?}{}", serde_json::to_string(&r).unwrap());
    for (field, v) in creds.iter() {
        if kind.field(field).is_some_and(|f| f.secret) {
            assert!(
                !shown.contains(v.expose()),
                "secret {field} in the report: {shown}"
            );
        }
    }
    r
}

fn status(r: &ProbeReport, step: StepKind) -> Option<StepStatus> {
    r.step(step).map(|s| s.status)
}

#[tokio::test]
async fn htpasswd_over_http_right_password_ok_wrong_bad_credentials() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let opts = ProbeOptions::default();
    let ok = check(RegistryKind::Custom, &custom(&reg.url(), USER, PASS), &opts).await;
    assert_eq!(ok.outcome, Outcome::Ok, "{ok:#?}");
    assert_eq!(status(&ok, StepKind::HostReached), Some(StepStatus::Passed));
    assert_eq!(
        status(&ok, StepKind::TlsVerified),
        Some(StepStatus::Skipped)
    );
    assert!(
        ok.step(StepKind::Challenge)
            .unwrap()
            .detail
            .starts_with("Basic"),
        "{ok:#?}"
    );
    assert_eq!(
        status(&ok, StepKind::CredentialsAccepted),
        Some(StepStatus::Passed)
    );
    assert_eq!(
        status(&ok, StepKind::PullPermission),
        Some(StepStatus::Skipped)
    );

    let bad = check(
        RegistryKind::Custom,
        &custom(&reg.url(), USER, "wrong-horse-battery"),
        &opts,
    )
    .await;
    assert_eq!(bad.outcome, Outcome::BadCredentials, "{bad:#?}");
    assert_eq!(
        status(&bad, StepKind::CredentialsAccepted),
        Some(StepStatus::Failed)
    );
    assert!(bad.hint.contains("401"), "{}", bad.hint);
    // The face-neutral remedy a face phrases its own way (the TUI: a key).
    assert_eq!(bad.advice, Some(probe::Advice::CheckCredentials));
}

#[tokio::test]
async fn tls_with_a_private_ca_ok_when_given_untrusted_when_not() {
    let dir = tempfile::tempdir().unwrap();
    let certs = support::make_certs(dir.path());
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), Some(&certs));
    let creds = custom(&reg.url(), USER, PASS);

    let untrusted = check(RegistryKind::Custom, &creds, &ProbeOptions::default()).await;
    assert_eq!(untrusted.outcome, Outcome::TlsUntrusted, "{untrusted:#?}");
    assert!(
        untrusted.hint.contains("unknown authority"),
        "{}",
        untrusted.hint
    );
    assert!(untrusted.hint.contains("--ca-file"), "{}", untrusted.hint);
    assert_eq!(untrusted.advice, Some(probe::Advice::TrustCa));
    assert_eq!(
        status(&untrusted, StepKind::TlsVerified),
        Some(StepStatus::Failed)
    );
    assert_eq!(
        status(&untrusted, StepKind::CredentialsAccepted),
        None,
        "no credentials sent"
    );

    let opts = ProbeOptions {
        connection: Connection {
            ca_bundle: Some(certs.ca_pem.clone()),
            insecure: false,
        },
        ..ProbeOptions::default()
    };
    let ok = check(RegistryKind::Custom, &creds, &opts).await;
    assert_eq!(ok.outcome, Outcome::Ok, "{ok:#?}");
    assert_eq!(status(&ok, StepKind::TlsVerified), Some(StepStatus::Passed));
    assert!(
        ok.step(StepKind::TlsVerified)
            .unwrap()
            .detail
            .contains("CA bundle")
    );
}

#[tokio::test]
async fn token_auth_denied_repository_is_no_permission_another_is_ok() {
    let ts = TokenServer::start(vec![
        TokenUser {
            name: "admin",
            password: "admin-pass-123",
            denied: &[],
        },
        TokenUser {
            name: "bob",
            password: "bob-pass-12345",
            denied: &["team/secret"],
        },
    ]);
    let reg = Registry::start(Auth::Token(&ts), None);
    for repo in ["team/secret", "team/public"] {
        let token = ts.token_for("admin", repo, &["pull", "push"]);
        support::push_image(&reg.url(), repo, "v1", Some(&format!("Bearer {token}"))).await;
    }
    let bob = custom(&reg.url(), "bob", "bob-pass-12345");
    let with = |image: &str| ProbeOptions {
        image: Some(image.to_owned()),
        ..ProbeOptions::default()
    };

    let login = check(RegistryKind::Custom, &bob, &ProbeOptions::default()).await;
    assert_eq!(login.outcome, Outcome::Ok, "{login:#?}");
    let ch = &login.step(StepKind::Challenge).unwrap().detail;
    assert!(
        ch.starts_with("Bearer") && ch.contains(TokenServer::SERVICE),
        "{ch}"
    );

    let denied = check(RegistryKind::Custom, &bob, &with("team/secret:v1")).await;
    assert_eq!(denied.outcome, Outcome::NoPermission, "{denied:#?}");
    assert_eq!(
        status(&denied, StepKind::CredentialsAccepted),
        Some(StepStatus::Passed)
    );
    assert_eq!(
        status(&denied, StepKind::PullPermission),
        Some(StepStatus::Failed)
    );
    assert!(denied.hint.contains("team/secret"), "{}", denied.hint);

    let allowed = check(RegistryKind::Custom, &bob, &with("team/public:v1")).await;
    assert_eq!(allowed.outcome, Outcome::Ok, "{allowed:#?}");
    assert_eq!(
        status(&allowed, StepKind::PullPermission),
        Some(StepStatus::Passed)
    );

    let wrong = check(
        RegistryKind::Custom,
        &custom(&reg.url(), "bob", "not-bobs-password"),
        &ProbeOptions::default(),
    )
    .await;
    assert_eq!(wrong.outcome, Outcome::BadCredentials, "{wrong:#?}");
    assert!(wrong.hint.contains("token service"), "{}", wrong.hint);
}

#[tokio::test]
async fn a_pushed_image_tag_is_ok_a_missing_tag_or_repository_not_found() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let digest = support::push_image(
        &reg.url(),
        "acme/web",
        "1.0",
        Some(&support::basic(USER, PASS)),
    )
    .await;
    let creds = custom(&reg.url(), USER, PASS);
    let with = |image: &str| ProbeOptions {
        image: Some(image.to_owned()),
        ..ProbeOptions::default()
    };

    let ok = check(
        RegistryKind::Custom,
        &creds,
        &with(&format!("127.0.0.1:{}/acme/web:1.0", reg.port)),
    )
    .await;
    assert_eq!(ok.outcome, Outcome::Ok, "{ok:#?}");
    let pull = &ok.step(StepKind::PullPermission).unwrap().detail;
    assert!(
        pull.contains("acme/web:1.0") && pull.contains(&digest),
        "{pull}"
    );

    let tag = check(RegistryKind::Custom, &creds, &with("acme/web:2.0")).await;
    assert_eq!(tag.outcome, Outcome::NotFound, "{tag:#?}");
    assert!(tag.hint.contains("no tag or digest 2.0"), "{}", tag.hint);

    let repo = check(RegistryKind::Custom, &creds, &with("acme/nothing:1.0")).await;
    assert_eq!(repo.outcome, Outcome::NotFound, "{repo:#?}");
    assert!(repo.hint.contains("acme/nothing"), "{}", repo.hint);
}

#[tokio::test]
async fn nothing_listening_is_refused() {
    let port = support::free_port();
    let r = check(
        RegistryKind::Custom,
        &custom(&format!("http://127.0.0.1:{port}"), USER, PASS),
        &ProbeOptions::default(),
    )
    .await;
    assert_eq!(r.outcome, Outcome::Refused, "{r:#?}");
    assert_eq!(status(&r, StepKind::HostReached), Some(StepStatus::Failed));
    assert!(r.hint.contains(&format!("127.0.0.1:{port}")), "{}", r.hint);
}

#[tokio::test]
async fn a_listener_that_never_answers_times_out_within_the_limit() {
    let silent = Silent::start();
    let opts = ProbeOptions {
        connect_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_millis(1200),
        ..ProbeOptions::default()
    };
    let started = Instant::now();
    let r = check(
        RegistryKind::Custom,
        &custom(&format!("http://127.0.0.1:{}", silent.port), USER, PASS),
        &opts,
    )
    .await;
    let took = started.elapsed();
    assert_eq!(r.outcome, Outcome::Timeout, "{r:#?}");
    assert!(r.hint.contains("1.2 s"), "{}", r.hint);
    assert!(
        took >= Duration::from_millis(1100) && took < Duration::from_millis(2500),
        "{took:?}"
    );
}

#[tokio::test]
async fn cancelling_stops_the_check_and_says_so() {
    let silent = Silent::start();
    probe::install_crypto_provider();
    let started = Instant::now();
    let r = probe::probe(
        RegistryKind::Custom,
        &custom(&format!("http://127.0.0.1:{}", silent.port), USER, PASS),
        &ProbeOptions::default(),
        tokio::time::sleep(Duration::from_millis(200)),
    )
    .await;
    assert_eq!(r.outcome, Outcome::Cancelled, "{r:#?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

fn ecr_creds(key: &str) -> Credentials {
    [
        ("accessKeyId", key),
        (
            "secretAccessKey",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("region", "us-east-1"),
    ]
    .into_iter()
    .collect()
}

#[tokio::test]
async fn ecr_through_moto_gives_account_proxy_endpoint_and_expiry() {
    let moto = Moto::start(false);
    // The v2 half goes to a local registry, never to amazonaws.com.
    let reg = Registry::start(Auth::None, None);
    let opts = ProbeOptions {
        aws_endpoint: Some(moto.url()),
        endpoint: Some(reg.url()),
        ..ProbeOptions::default()
    };
    let r = check(RegistryKind::Ecr, &ecr_creds("AKIAIOSFODNN7EXAMPLE"), &opts).await;
    assert_eq!(r.outcome, Outcome::Ok, "{r:#?}");
    let ecr = r.ecr.as_ref().expect("the token exchange result");
    assert_eq!(ecr.account_id.len(), 12, "{ecr:?}");
    assert!(ecr.account_id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        ecr.proxy_endpoint,
        format!("https://{}.dkr.ecr.us-east-1.amazonaws.com", ecr.account_id)
    );
    assert!(!ecr.token.expose().is_empty());
    assert!(ecr.expires_at.as_second() > 0);
    assert_eq!(status(&r, StepKind::EcrToken), Some(StepStatus::Passed));
    assert_eq!(r.endpoint.as_deref(), Some(reg.url().as_str()));
}

#[tokio::test]
async fn ecr_unknown_key_with_credential_checking_is_bad_credentials() {
    let moto = Moto::start(true);
    let opts = ProbeOptions {
        aws_endpoint: Some(moto.url()),
        endpoint: Some(format!("http://127.0.0.1:{}", support::free_port())),
        ..ProbeOptions::default()
    };
    let r = check(RegistryKind::Ecr, &ecr_creds("AKIAUNKNOWNKEY000000"), &opts).await;
    assert_eq!(r.outcome, Outcome::BadCredentials, "{r:#?}");
    assert!(r.hint.contains("InvalidClientTokenId"), "{}", r.hint);
    assert_eq!(status(&r, StepKind::EcrToken), Some(StepStatus::Failed));
    assert_eq!(
        status(&r, StepKind::HostReached),
        None,
        "stopped before the registry"
    );
}

/// Written by hand to keep `project_id` within bcrypt's first 72 bytes
/// (the registry compares no further).
fn sa_key(project: &str) -> String {
    format!(
        r#"{{
  "type": "service_account",
  "project_id": "{project}",
  "private_key_id": "0123456789abcdef0123456789abcdef01234567",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCfakefakefake\n-----END PRIVATE KEY-----\n",
  "client_email": "puller@{project}.iam.gserviceaccount.com",
  "client_id": "123456789012345678901",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token"
}}"#
    )
}

#[tokio::test]
async fn gcr_json_key_logs_in_as_json_key_against_htpasswd() {
    let key = sa_key("demo-project");
    let reg = Registry::start(Auth::Htpasswd(&[("_json_key", &key)]), None);
    let opts = ProbeOptions {
        endpoint: Some(reg.url()),
        ..ProbeOptions::default()
    };
    let creds: Credentials = [("serviceAccountKey", key.as_str())].into_iter().collect();
    let ok = check(RegistryKind::Gcr, &creds, &opts).await;
    assert_eq!(ok.outcome, Outcome::Ok, "{ok:#?}");
    assert!(
        ok.step(StepKind::CredentialsAccepted)
            .unwrap()
            .detail
            .contains("_json_key")
    );

    // A different key (it differs within bcrypt's first 72 bytes).
    let other: Credentials = [("serviceAccountKey", sa_key("other-proj").as_str())]
        .into_iter()
        .collect();
    let bad = check(RegistryKind::Gcr, &other, &opts).await;
    assert_eq!(bad.outcome, Outcome::BadCredentials, "{bad:#?}");
}

#[tokio::test]
async fn an_open_port_that_is_not_a_registry_is_not_a_registry() {
    // moto answers HTTP, but has no /v2/ registry API.
    let moto = Moto::start(false);
    let r = check(
        RegistryKind::Custom,
        &custom(&moto.url(), USER, PASS),
        &ProbeOptions::default(),
    )
    .await;
    assert_eq!(r.outcome, Outcome::NotARegistry, "{r:#?}");
    assert_eq!(status(&r, StepKind::HostReached), Some(StepStatus::Passed));
}

// ---- the CLI face -------------------------------------------------------

#[tokio::test]
async fn cli_registry_test_reports_steps_records_the_class_and_exits_by_outcome() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    support::push_image(
        &reg.url(),
        "acme/web",
        "1.0",
        Some(&support::basic(USER, PASS)),
    )
    .await;
    let s = Sandbox::new();
    let id = s.add(&json!({"name": "local", "type": "Custom",
        "credentials": {"url": reg.url(), "username": USER, "password": PASS}}));

    let o = s.ok(&["registry", "test", &id, "--image", "acme/web:1.0"], &[]);
    assert!(
        o.stdout.contains("[ok]   credentials accepted"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("[ok]   pull permission"), "{}", o.stdout);
    assert!(
        o.stdout.lines().last().unwrap().starts_with("ok: "),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains(PASS) && !o.stderr.contains(PASS));

    let o = s.run(
        &["registry", "test", &id, "--image", "acme/web:9.9", "--json"],
        &[],
    );
    assert_eq!(o.code, 1, "{}", o.stdout);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "not-found");
    assert_eq!(v["steps"][0]["step"], "structure");
    assert!(v["hint"].as_str().unwrap().contains("9.9"));
    let show: serde_json::Value =
        serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout).unwrap();
    assert_eq!(show["lastTest"]["outcome"], "not-found");

    // Wrong password → bad-credentials, exit 1, recorded.
    let pw = s.write("pw", "wrong-password-here\n");
    s.ok(
        &[
            "registry",
            "update",
            &id,
            "--field-file",
            &format!("password={}", pw.display()),
        ],
        &[],
    );
    let o = s.run(&["registry", "test", &id], &[]);
    // Exit class 3: credentials refused.
    assert_eq!(o.code, 3);
    assert!(o.stdout.contains("bad-credentials: "), "{}", o.stdout);
    let list = s.ok(&["registry", "list"], &[]).stdout;
    assert!(list.contains("bad-credentials"), "{list}");
}

#[tokio::test]
async fn cli_ca_file_makes_a_self_signed_registry_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let certs = support::make_certs(dir.path());
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), Some(&certs));
    let s = Sandbox::new();
    let id = s.add(&json!({"name": "tls", "type": "Custom",
        "credentials": {"url": reg.url(), "username": USER, "password": PASS}}));
    let o = s.run(&["registry", "test", &id], &[]);
    // Exit class 4: no trusted connection to the host.
    assert_eq!(o.code, 4);
    assert!(o.stdout.contains("tls-untrusted: "), "{}", o.stdout);
    s.ok(
        &[
            "registry",
            "update",
            &id,
            "--ca-file",
            certs.ca.to_str().unwrap(),
        ],
        &[],
    );
    let show = s.ok(&["registry", "show", &id], &[]).stdout;
    assert!(show.contains("CA bundle     1 certificate (only"), "{show}");
    let o = s.ok(&["registry", "test", &id], &[]);
    assert!(o.stdout.contains("[ok]   TLS verified"), "{}", o.stdout);
    let notpem = s.write("notpem", "hello");
    let o = s.run(
        &[
            "registry",
            "update",
            &id,
            "--ca-file",
            notpem.to_str().unwrap(),
        ],
        &[],
    );
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("no PEM certificate"), "{}", o.stderr);
}

#[tokio::test]
async fn cli_ecr_test_stores_the_token_and_show_prints_its_expiry() {
    let moto = Moto::start(false);
    let reg = Registry::start(Auth::None, None);
    let s = Sandbox::new();
    let id = s.add(&json!({"name": "ecr", "type": "ECR", "credentials": {
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "region": "us-east-1"}}));
    let env = [
        ("REGVAULT_AWS_ENDPOINT", moto.url()),
        ("REGVAULT_ENDPOINT_ECR", reg.url()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let o = s.ok(&["registry", "test", &id], &env);
    assert!(o.stdout.contains("[ok]   ECR token"), "{}", o.stdout);
    let show = s.ok(&["registry", "show", &id], &[]).stdout;
    assert!(show.contains("ECR endpoint  https://"), "{show}");
    assert!(show.contains("ECR token     expire"), "{show}");
    let v: serde_json::Value =
        serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout).unwrap();
    assert!(v["ecrToken"]["expiresAt"].is_string(), "{v}");
    assert!(v["ecrToken"].get("token").is_none(), "{v}");
}

// ---- hostile servers ----------------------------------------------------

/// A hand-written HTTP/1.1 responder on 127.0.0.1 for the attacks no real
/// component exhibits (REAL-COMPONENTS.md allows a fake only there): a
/// token service or an ECR API that streams an endless body, a registry
/// whose login step redirects to another port. `answer` gets the path
/// and whether an `Authorization` header came, and returns the
/// status line, extra headers and the body (`Body::Stream(n)` writes `n`
/// bytes of a JSON string, with no length, then closes).
mod hostile {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::thread;

    pub enum Body {
        Text(String),
        Stream(usize),
    }

    pub struct Answer {
        pub status: &'static str,
        pub headers: Vec<String>,
        pub body: Body,
    }

    pub struct Request {
        pub path: String,
        pub authorized: bool,
    }

    pub struct Server {
        pub port: u16,
    }

    impl Server {
        pub fn url(&self) -> String {
            format!("http://127.0.0.1:{}", self.port)
        }

        pub fn start<F>(answer: F) -> Server
        where
            F: Fn(&Request, u16) -> Answer + Send + Sync + 'static,
        {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            let answer = Arc::new(answer);
            thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let answer = Arc::clone(&answer);
                    thread::spawn(move || serve(stream, &*answer, port));
                }
            });
            Server { port }
        }
    }

    fn serve(mut stream: TcpStream, answer: &dyn Fn(&Request, u16) -> Answer, port: u16) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let mut authorized = false;
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                break;
            }
            let lower = h.to_ascii_lowercase();
            authorized |= lower.starts_with("authorization:");
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        let _ = std::io::Read::read_exact(&mut reader, &mut body);
        let a = answer(&Request { path, authorized }, port);
        let mut head = format!("HTTP/1.1 {}\r\nConnection: close\r\n", a.status);
        for h in &a.headers {
            head.push_str(h);
            head.push_str("\r\n");
        }
        match a.body {
            Body::Text(t) => {
                let _ = write!(stream, "{head}Content-Length: {}\r\n\r\n{t}", t.len());
            }
            Body::Stream(n) => {
                head.push_str("Content-Type: application/json\r\n\r\n{\"token\":\"");
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'a'; 64 * 1024];
                let mut sent = 0;
                while sent < n {
                    if stream.write_all(&chunk).is_err() {
                        return; // the client stopped reading: good.
                    }
                    sent += chunk.len();
                }
                let _ = stream.write_all(b"\"}");
            }
        }
    }

    pub fn text(status: &'static str, headers: &[String], body: &str) -> Answer {
        Answer {
            status,
            headers: headers.to_vec(),
            body: Body::Text(body.to_owned()),
        }
    }
}

const FIFTY_MB: usize = 50 * 1024 * 1024;

#[tokio::test]
async fn a_token_service_streaming_50_mb_is_cut_at_1_mib_and_fails() {
    let server = hostile::Server::start(|req, port| match req.path.as_str() {
        p if p.starts_with("/token") => hostile::Answer {
            status: "200 OK",
            headers: vec![],
            body: hostile::Body::Stream(FIFTY_MB),
        },
        "/v2/" if req.authorized => hostile::text("200 OK", &[], "{}"),
        _ => hostile::text(
            "401 Unauthorized",
            &[format!(
                "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"hostile\""
            )],
            "{}",
        ),
    });
    let r = check(
        RegistryKind::Custom,
        &custom(&server.url(), USER, PASS),
        &ProbeOptions::default(),
    )
    .await;
    assert_eq!(r.outcome, Outcome::Error, "{r:#?}");
    assert!(r.hint.contains("more than 1 MiB"), "{}", r.hint);
    assert!(r.hint.contains("token service"), "{}", r.hint);
    assert_eq!(
        status(&r, StepKind::CredentialsAccepted),
        Some(StepStatus::Failed)
    );
}

#[tokio::test]
async fn an_ecr_api_streaming_50_mb_is_cut_at_1_mib_and_fails() {
    let server = hostile::Server::start(|_req, _port| hostile::Answer {
        status: "200 OK",
        headers: vec![],
        body: hostile::Body::Stream(FIFTY_MB),
    });
    let opts = ProbeOptions {
        aws_endpoint: Some(server.url()),
        endpoint: Some(format!("http://127.0.0.1:{}", support::free_port())),
        ..ProbeOptions::default()
    };
    let r = check(RegistryKind::Ecr, &ecr_creds("AKIAIOSFODNN7EXAMPLE"), &opts).await;
    assert_eq!(r.outcome, Outcome::Error, "{r:#?}");
    assert!(r.hint.contains("more than 1 MiB"), "{}", r.hint);
    assert_eq!(status(&r, StepKind::EcrToken), Some(StepStatus::Failed));
}

#[tokio::test]
async fn a_login_step_redirected_to_another_port_is_not_ok() {
    // The "other host": a happy /v2/ that says yes to anyone.
    let happy = hostile::Server::start(|_req, _port| hostile::text("200 OK", &[], "{}"));
    let happy_port = happy.port;
    let server = hostile::Server::start(move |req, _port| {
        if req.authorized {
            hostile::text(
                "302 Found",
                &[format!("Location: http://127.0.0.1:{happy_port}/v2/")],
                "",
            )
        } else {
            hostile::text(
                "401 Unauthorized",
                &["WWW-Authenticate: Basic realm=\"hostile\"".to_owned()],
                "{}",
            )
        }
    });
    let r = check(
        RegistryKind::Custom,
        &custom(&server.url(), USER, PASS),
        &ProbeOptions::default(),
    )
    .await;
    assert_ne!(r.outcome, Outcome::Ok, "{r:#?}");
    assert_eq!(
        status(&r, StepKind::CredentialsAccepted),
        Some(StepStatus::Failed),
        "{r:#?}"
    );
    assert!(r.hint.contains("redirected"), "{}", r.hint);
    assert!(
        r.hint.contains(&format!("127.0.0.1:{happy_port}")),
        "{}",
        r.hint
    );

    // The first contact redirected elsewhere is not a registry here either.
    let server = hostile::Server::start(move |_req, _port| {
        hostile::text(
            "302 Found",
            &[format!("Location: http://127.0.0.1:{happy_port}/v2/")],
            "",
        )
    });
    let r = check(
        RegistryKind::Custom,
        &custom(&server.url(), USER, PASS),
        &ProbeOptions::default(),
    )
    .await;
    assert_ne!(r.outcome, Outcome::Ok, "{r:#?}");
    assert!(r.hint.contains("redirected"), "{}", r.hint);
}

/// Item 16 of issue 9: `--insecure` and validation agree. The "remote"
/// registry is `http://[::ffff:127.0.0.1]:PORT` — an IPv4-mapped address
/// the rules do not count as loopback (only `127.0.0.0/8`, `::1` and
/// `localhost` are), while the traffic still stays on 127.0.0.1.
#[tokio::test]
async fn cli_insecure_allows_plain_http_to_a_remote_custom_registry_and_only_then() {
    let reg = Registry::start(Auth::Htpasswd(&[(USER, PASS)]), None);
    let port = reg.url().rsplit(':').next().unwrap().to_owned();
    let remote = format!("http://[::ffff:127.0.0.1]:{port}");
    let s = Sandbox::new();
    let doc = json!({"name": "plain", "type": "Custom",
        "credentials": {"url": remote, "username": USER, "password": PASS}});
    let f = s.write("plain.json", &doc.to_string());
    let file = f.to_str().unwrap();

    // Without --insecure: refused, as before.
    let o = s.run(&["registry", "add", "--from-file", file], &[]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("http:// is only allowed for loopback"),
        "{}",
        o.stderr
    );
    // With it: added, marked insecure, and the test speaks plain http.
    let o = s.ok(
        &[
            "registry",
            "add",
            "--from-file",
            file,
            "--insecure",
            "--json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    assert!(
        v["warnings"].to_string().contains("plain http"),
        "{}",
        o.stdout
    );
    let show: serde_json::Value =
        serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout).unwrap();
    assert_eq!(show["connection"]["insecure"], true, "{show}");
    let o = s.ok(&["registry", "test", &id], &[]);
    assert!(
        o.stdout.contains("plain http (registry marked insecure)"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("[ok]   credentials accepted"),
        "{}",
        o.stdout
    );
    // Taking the mark away is refused while the url is plain http.
    let o = s.run(&["registry", "update", &id, "--no-insecure"], &[]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("http:// is only allowed for loopback"),
        "{}",
        o.stderr
    );
    let show: serde_json::Value =
        serde_json::from_str(&s.ok(&["registry", "show", &id, "--json"], &[]).stdout).unwrap();
    assert_eq!(show["connection"]["insecure"], true, "nothing was saved");

    // update: an https registry moved to the plain-http url with --insecure.
    let id2 = s.add(&json!({"name": "moved", "type": "Custom",
        "credentials": {"url": "https://registry.example.com", "username": USER, "password": PASS}}));
    let set = format!("url={remote}");
    let o = s.run(&["registry", "update", &id2, "--set", &set], &[]);
    assert_ne!(o.code, 0, "{}", o.stdout);
    s.ok(
        &["registry", "update", &id2, "--set", &set, "--insecure"],
        &[],
    );
    let o = s.ok(&["registry", "test", &id2], &[]);
    assert!(
        o.stdout.contains("plain http (registry marked insecure)"),
        "{}",
        o.stdout
    );
}
