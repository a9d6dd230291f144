//! The registry catalogue: the nine kinds, their credential field schemas,
//! structural validation, the docker `auths` key of each kind and rendering
//! of `.dockerconfigjson`. Pure: no I/O, no terminal.
//!
//! This file owns the shared types (the contract other modules compile
//! against); the work lives in `catalogue` (kinds and field schemas),
//! `credentials` (the field values a registry holds), `validate` (offline
//! structure checks) and `dockerconfig` (what docker is given to log in).

mod catalogue;
mod credentials;
mod dockerconfig;
pub mod hosts;
pub mod infer;
pub mod normalize;
mod validate;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::secret::SecretValue;

pub use credentials::Credentials;
pub use dockerconfig::{auths_key, display_host, docker_login, render_dockerconfigjson};
pub use validate::{validate, validate_field, validate_field_for, validate_for};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RegistryKind {
    #[serde(rename = "GHCR")]
    Ghcr,
    #[serde(rename = "Docker")]
    Docker,
    #[serde(rename = "ECR")]
    Ecr,
    #[serde(rename = "ACR")]
    Acr,
    #[serde(rename = "GCR")]
    Gcr,
    #[serde(rename = "GAR")]
    Gar,
    #[serde(rename = "Quay")]
    Quay,
    #[serde(rename = "Custom")]
    Custom,
    #[serde(rename = "Public")]
    Public,
}

/// One credential field of a kind, as the form and the CLI present it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The seed's exact name: `username`, `accessKeyId`, `serviceAccountKey`…
    pub name: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub secret: bool,
    pub multiline: bool,
    pub hint: &'static str,
}

impl RegistryKind {
    pub const ALL: [RegistryKind; 9] = [
        RegistryKind::Ghcr,
        RegistryKind::Docker,
        RegistryKind::Ecr,
        RegistryKind::Acr,
        RegistryKind::Gcr,
        RegistryKind::Gar,
        RegistryKind::Quay,
        RegistryKind::Custom,
        RegistryKind::Public,
    ];
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown registry type '{0}' (one of: GHCR, Docker, ECR, ACR, GCR, GAR, Quay, Custom, Public)"
)]
pub struct UnknownKind(pub String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The field the finding is about (`None`: the whole registry).
    pub field: Option<String>,
    pub severity: Severity,
    /// Names the rule; never contains a secret value.
    pub message: String,
}

impl Finding {
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[must_use]
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error(
        "ECR registries need a token exchange with AWS first (their docker password is a 12-hour token)"
    )]
    NeedsTokenExchange,
    #[error("{0}")]
    Invalid(String),
    #[error("registries '{first}' and '{second}' both log in to {server}; choose one")]
    DuplicateServer {
        server: String,
        first: String,
        second: String,
    },
}

/// What `docker login` would be given for one registry.
#[derive(Clone, Debug)]
pub struct DockerLogin {
    /// The `auths` key: `ghcr.io`, `https://index.docker.io/v1/`, …
    pub server: String,
    pub username: String,
    pub password: SecretValue,
    /// Who this came from (registry name), for error messages.
    pub source: String,
}

/// Realistic fake credentials shared by the tests of every file here.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{Credentials, RegistryKind};

    pub const GHP: &str = "ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2";
    pub const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// A service-account key shaped like the file Google hands out, with a
    /// fake PEM body; pretty-printed because that is how it is downloaded.
    pub fn sa_key() -> String {
        let key = serde_json::json!({
            "type": "service_account",
            "project_id": "demo-project",
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCfakefakefake\n-----END PRIVATE KEY-----\n",
            "client_email": "puller@demo-project.iam.gserviceaccount.com",
            "client_id": "123456789012345678901",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
        });
        serde_json::to_string_pretty(&key).unwrap_or_default()
    }

    pub fn sample(kind: RegistryKind) -> Credentials {
        let pairs: Vec<(&str, String)> = match kind {
            RegistryKind::Ghcr => vec![("username", "octo-cat".into()), ("token", GHP.into())],
            RegistryKind::Docker => vec![
                ("username", "octocat".into()),
                ("password", format!("dckr_pat_{}", "x7Y-".repeat(7))),
            ],
            RegistryKind::Ecr => vec![
                ("accessKeyId", "AKIAIOSFODNN7EXAMPLE".into()),
                ("secretAccessKey", AWS_SECRET.into()),
                ("region", "eu-west-2".into()),
            ],
            RegistryKind::Acr => vec![
                ("loginServer", "myregistry.azurecr.io".into()),
                ("username", "myregistry".into()),
                ("password", "Zq8~fakeAcrPassword0123456789".into()),
            ],
            RegistryKind::Gcr => vec![("serviceAccountKey", sa_key())],
            RegistryKind::Gar => vec![
                ("serviceAccountKey", sa_key()),
                ("region", "europe-west3".into()),
            ],
            RegistryKind::Quay => vec![
                ("username", "acme+puller".into()),
                (
                    "token",
                    "QWERTYUIOPASDFGHJKLZXCVBNM0123456789QWERTYUIOPASDFGHJKLZXCVB".into(),
                ),
            ],
            RegistryKind::Custom => vec![
                ("url", "https://registry.example.com:5000".into()),
                ("username", "ci".into()),
                ("password", "s3cret-pass".into()),
            ],
            RegistryKind::Public => vec![],
        };
        pairs.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ -~]{0,80}",
            // Near-valid shapes reach the deeper rules, where a leak would hide.
            "(ghp_|github_pat_|gho_|ghs_|dckr_pat_|AKIA|ASIA|https?://|_json_key)[A-Za-z0-9_/+=.:@-]{1,100}",
            "[a-z]{2,6}-[a-z]{3,9}-?[0-9]{1,2}",
            "\\{\"type\":\"service_account\",\"private_key\":\"[ -!#-\\[\\]-~]{8,60}\"\\}",
        ]
    }

    fn leaks(text: &str, secrets: &[&str]) -> Option<String> {
        secrets
            .iter()
            .find(|s| s.len() >= 8 && text.contains(*s))
            .map(|s| format!("'{text}' contains the secret '{s}'"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn nothing_panics_and_no_message_carries_a_secret(
            kind in proptest::sample::select(RegistryKind::ALL.to_vec()),
            values in proptest::collection::vec(value(), 3),
            stray in "[A-Za-z_]{1,12}",
        ) {
            let mut creds = Credentials::new();
            let mut secrets = Vec::new();
            for (spec, v) in kind.fields().iter().zip(&values) {
                creds.set(spec.name, v.as_str());
                if spec.secret {
                    secrets.push(v.as_str());
                }
                for f in validate_field(kind, spec.name, v) {
                    let leak = leaks(&f.to_string(), &[v.as_str()]).filter(|_| spec.secret);
                    prop_assert!(leak.is_none(), "{:?}", leak);
                }
            }
            for f in validate(kind, &creds) {
                prop_assert!(leaks(&f.to_string(), &secrets).is_none(), "{f}");
            }
            let _ = validate_field(kind, &stray, &values[0]);
            let _ = display_host(kind, &creds);
            if let Err(e) = auths_key(kind, &creds) {
                prop_assert!(leaks(&e.to_string(), &secrets).is_none(), "{e}");
            }
            match docker_login(kind, &creds, "src") {
                Err(e) => prop_assert!(leaks(&e.to_string(), &secrets).is_none(), "{e}"),
                Ok(Some(login)) => prop_assert!(render_dockerconfigjson(&[login]).is_ok()),
                Ok(None) => {}
            }
        }
    }

    fn key_without(key: &str) -> String {
        let mut v: serde_json::Value =
            serde_json::from_str(&fixtures::sa_key()).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            map.remove(key);
        }
        v.to_string()
    }

    fn key_with(key: &str, value: &str) -> String {
        let mut v: serde_json::Value =
            serde_json::from_str(&fixtures::sa_key()).unwrap_or_default();
        v[key] = serde_json::Value::String(value.to_owned());
        v.to_string()
    }

    /// (kind, field, value, severity, exact `field: message` text)
    #[rustfmt::skip]
    fn documented() -> Vec<(RegistryKind, &'static str, String, Severity, &'static str)> {
        use RegistryKind::*;
        use Severity::*;
        let classic = "token: a GitHub classic token starts with ghp_ and is 40 characters";
        let fine = format!("github_pat_{}_{}", "A1".repeat(11), "b2C".repeat(20).get(..59).unwrap_or(""));
        assert_eq!(fine.len(), 93);
        vec![
            (Ghcr, "token", "ghp_tooShort".into(), Error, classic),
            (Ghcr, "token", "my-account-password".into(), Error, classic),
            (Ghcr, "token", "gho_short".into(), Error, classic),
            (Ghcr, "token", fine, Warning, "token: fine-grained tokens (github_pat_) are not accepted by GitHub Packages"),
            (Ecr, "region", "us-east1".into(), Error, "region: 'us-east1' is not an AWS region — did you mean us-east-1?"),
            (Gcr, "serviceAccountKey", key_without("client_email"), Error, "serviceAccountKey: missing client_email"),
            (Custom, "url", "http://registry.example.com".into(), Error, "url: http:// is only allowed for loopback"),
            (Gar, "region", "us-east-1".into(), Error, "region: 'us-east-1' is not a Google Cloud region — did you mean us-east1?"),
        ]
    }

    #[test]
    fn plain_http_to_another_host_only_when_marked_insecure() {
        let remote = "http://10.0.0.5:5000";
        let strict = validate_field_for(RegistryKind::Custom, "url", remote, false);
        assert!(has_errors(&strict), "{strict:?}");
        let marked = validate_field_for(RegistryKind::Custom, "url", remote, true);
        assert!(!has_errors(&marked), "{marked:?}");
        assert!(
            marked
                .iter()
                .any(|f| f.severity == Severity::Warning
                    && f.to_string().contains("marked insecure")),
            "{marked:?}"
        );
        // The mark changes nothing else: other schemes stay refused.
        let ftp = validate_field_for(RegistryKind::Custom, "url", "ftp://x.example", true);
        assert!(has_errors(&ftp), "{ftp:?}");
        let creds: Credentials = [
            ("url", remote),
            ("username", "u"),
            ("password", "p-Secret-1"),
        ]
        .into_iter()
        .collect();
        assert!(has_errors(&validate(RegistryKind::Custom, &creds)));
        assert!(!has_errors(&validate_for(
            RegistryKind::Custom,
            &creds,
            true
        )));
    }

    #[test]
    fn the_documented_messages_are_exact() {
        for (kind, field, value, severity, text) in documented() {
            let got = validate_field(kind, field, &value);
            assert!(
                got.iter()
                    .any(|f| f.severity == severity && f.to_string() == text),
                "{kind}.{field}: want {severity:?} '{text}', got {got:?}"
            );
            // A warning alone never blocks saving.
            assert_eq!(has_errors(&got), severity == Severity::Error, "{got:?}");
        }
    }

    /// (kind, field, value, severity, part of the `field: message` text)
    #[rustfmt::skip]
    fn rules() -> Vec<(RegistryKind, &'static str, String, Severity, &'static str)> {
        use RegistryKind::*;
        use Severity::*;
        let s = |v: &str| v.to_owned();
        let x36 = "x".repeat(36);
        let aws = fixtures::AWS_SECRET;
        vec![
            // Shared rules: said, never shown.
            (Docker, "password", s("   "), Error, "password: required"),
            (Ghcr, "token", format!("{} ", fixtures::GHP), Error, "token: has leading or trailing whitespace"),
            (Ghcr, "token", format!("{}\n", fixtures::GHP), Error, "token: contains a line break"),
            (Acr, "password", s("pass\u{200b}word-secret"), Error, "invisible character"),
            (Ecr, "region", s("us-east-1\u{202e}"), Error, "region: contains an invisible character"),
            (Custom, "username", s("ci:bot"), Error, "username: must not contain ':'"),
            (Custom, "password", "x".repeat(5000), Error, "too long (at most 4096 bytes)"),
            (Ghcr, "token", format!("ghp_{}", "a".repeat(300)), Error, "too long (at most 255 characters)"),
            (Gcr, "serviceAccountKey", format!("{{{}}}", " ".repeat(17_000)), Error, "at most 16384 bytes"),
            (Gcr, "serviceAccountKey", s("{\"a\":\u{0}1}"), Error, "contains a control character"),
            // GitHub
            (Ghcr, "username", s("-octo"), Error, "at most 39 letters, digits and single hyphens"),
            (Ghcr, "username", s("octo-"), Error, "at most 39 letters, digits and single hyphens"),
            (Ghcr, "username", s("oc--to"), Error, "at most 39 letters, digits and single hyphens"),
            (Ghcr, "username", "a".repeat(40), Error, "at most 39 letters, digits and single hyphens"),
            (Ghcr, "username", s("octo@example.com"), Error, "not the email address"),
            (Ghcr, "token", s("github_pat_11ABC_def"), Error, "a fine-grained token is github_pat_ plus 82"),
            (Ghcr, "token", format!("gho_{x36}"), Warning, "gho_ is an OAuth app token"),
            (Ghcr, "token", format!("ghu_{x36}"), Warning, "ghu_ is a GitHub App user token"),
            (Ghcr, "token", format!("ghs_{x36}"), Warning, "ghs_ is a GitHub App installation token"),
            (Ghcr, "token", format!("ghr_{x36}"), Warning, "ghr_ is a refresh token"),
            // Docker Hub and Quay
            (Docker, "password", s("correct-horse-battery"), Warning, "use a personal access token"),
            (Docker, "password", s("dckr_pat_"), Warning, "incomplete Docker access token"),
            (Docker, "username", s("Octo_Cat"), Warning, "4 to 30 lowercase letters and digits"),
            (Docker, "username", s("abc"), Warning, "4 to 30 lowercase letters and digits"),
            (Docker, "username", s("me@example.com"), Warning, "looks like an email address"),
            (Quay, "username", s("acme+"), Error, "org+robot, both parts non-empty"),
            (Quay, "username", s("+puller"), Error, "org+robot, both parts non-empty"),
            (Quay, "username", s("a+b+c"), Error, "org+robot, both parts non-empty"),
            // AWS
            (Ecr, "accessKeyId", s("AKIA123"), Error, "is AKIA followed by 16 uppercase letters or digits"),
            (Ecr, "accessKeyId", s("akiaiosfodnn7example"), Error, "is AKIA followed by 16"),
            (Ecr, "accessKeyId", s("AROAIOSFODNN7EXAMPLE"), Error, "is AKIA followed by 16"),
            (Ecr, "accessKeyId", s("ASIAIOSFODNN7EXAMPLE"), Warning, "temporary key: it needs a session token"),
            (Ecr, "secretAccessKey", aws.get(1..).map(s).unwrap_or_default(), Error, "40 letters, digits, '/', '+' or '='"),
            (Ecr, "secretAccessKey", aws.replace('/', "-"), Error, "40 letters, digits, '/', '+' or '='"),
            (Ecr, "region", s("xx-north-1"), Warning, "'xx-north-1' is not a region prefix AWS used so far"),
            (Ecr, "region", s("US-EAST-1"), Error, "did you mean us-east-1?"),
            (Ecr, "region", s("eu_west_1"), Error, "did you mean eu-west-1?"),
            (Ecr, "region", s("euwest-1"), Error, "did you mean eu-west-1?"),
            (Ecr, "region", s("eu--west-1"), Error, "did you mean eu-west-1?"),
            (Ecr, "region", s("virginia"), Error, "'virginia' is not an AWS region (like us-east-1 or eu-west-2)"),
            // Azure
            (Acr, "loginServer", s("https://r.azurecr.io"), Error, "give the host only (e.g. myregistry.azurecr.io), without https://"),
            (Acr, "loginServer", s("r.azurecr.io/team"), Error, "give the host only, without a path"),
            (Acr, "loginServer", s("my_registry.azurecr.io"), Error, "is not a host name"),
            (Acr, "loginServer", s("registry.example.com"), Warning, "does not end in .azurecr.io"),
            // Google
            (Gar, "serviceAccountKey", key_without("type"), Error, "missing type"),
            (Gar, "serviceAccountKey", key_without("project_id"), Error, "missing project_id"),
            (Gar, "serviceAccountKey", key_without("private_key_id"), Error, "missing private_key_id"),
            (Gar, "serviceAccountKey", key_without("private_key"), Error, "missing private_key"),
            (Gar, "serviceAccountKey", key_without("token_uri"), Error, "missing token_uri"),
            (Gcr, "serviceAccountKey", s("{\"type\": service_account}"), Error, "not valid JSON (line 1, column 10)"),
            (Gcr, "serviceAccountKey", s("{\"type\": \"service_acc"), Error, "the JSON ends early (line 1, column 21)"),
            (Gcr, "serviceAccountKey", s("[1, 2]"), Error, "must be a JSON object"),
            (Gcr, "serviceAccountKey", key_with("type", "authorized_user"), Error, "type must be service_account"),
            (Gcr, "serviceAccountKey", key_with("project_id", " "), Error, "project_id must be a non-empty string"),
            (Gcr, "serviceAccountKey", key_with("private_key", "-----BEGIN RSA PRIVATE KEY-----\nAA\n"), Error, "private_key is not a PKCS#8 PEM key"),
            (Gcr, "serviceAccountKey", key_with("client_email", "puller.example.com"), Error, "client_email is not an email address"),
            (Gcr, "serviceAccountKey", key_with("client_email", "me@example.com"), Warning, "client_email does not end in .gserviceaccount.com"),
            (Gcr, "serviceAccountKey", key_with("token_uri", "http://oauth2.googleapis.com/token"), Warning, "token_uri is not an https:// URL"),
            (Gar, "region", s("Europe-West3"), Error, "did you mean europe-west3?"),
            (Gar, "region", s("mars-north1"), Warning, "not a Google Cloud location prefix known so far"),
            (Gar, "region", s("global"), Error, "'global' is not a Google Cloud region (like us-central1"),
            // Custom
            // A bare host[:port] is taken as https (registry::normalize).
            (Custom, "url", s("registry example.com:5000"), Error, "is not a valid URL"),
            (Custom, "url", s("https://"), Error, "url: must include a host"),
            (Custom, "url", s("https://bob:hunter2@registry.example.com"), Error, "url: must not contain credentials"),
            (Custom, "url", s("https://bob@registry.example.com"), Error, "url: must not contain credentials"),
            (Custom, "url", s("http://10.0.0.5:5000"), Error, "http:// is only allowed for loopback"),
            (Custom, "url", s("ftp://registry.example.com"), Error, "must start with https://"),
            (Custom, "url", s("https://registry.example.com/?x=1"), Error, "must not have a query or fragment"),
            (Custom, "url", s("https://registry.example.com/#v2"), Error, "must not have a query or fragment"),
            (Custom, "url", s("https://registry.example.com:99999"), Error, "is not a valid URL: invalid port number"),
            (Custom, "url", s("https://registry.example.com/v2/"), Warning, "docker auths use host[:port] only"),
        ]
    }

    #[test]
    fn every_rule_reports_its_message_without_the_secret() {
        for (kind, field, value, severity, expected) in rules() {
            let got = validate_field(kind, field, &value);
            assert!(
                got.iter()
                    .any(|f| f.severity == severity && f.to_string().contains(expected)),
                "{kind}.{field}: want {severity:?} '{expected}', got {got:?}"
            );
            if kind.field(field).is_some_and(|f| f.secret) && value.trim().len() >= 8 {
                assert!(
                    got.iter().all(|f| !f.to_string().contains(value.trim())),
                    "{got:?}"
                );
            }
        }
    }

    #[test]
    fn accepted_without_findings() {
        use RegistryKind::*;
        #[rustfmt::skip]
        let ok = [
            (Ecr, "region", "us-east-1"), (Ecr, "region", "eu-central-2"), (Ecr, "region", "ap-southeast-5"),
            (Ecr, "region", "us-gov-west-1"), (Ecr, "region", "cn-north-1"), (Ecr, "region", "il-central-1"),
            (Gar, "region", "us-central1"), (Gar, "region", "asia-southeast1"), (Gar, "region", "us"),
            (Gar, "region", "northamerica-northeast2"), (Gar, "region", "europe"), (Gar, "region", "asia"),
            (Acr, "loginServer", "gov.azurecr.us"), (Quay, "username", "plainuser"),
            (Docker, "password", "dckr_oat_abcDEF123-_"),
            (Custom, "url", "https://registry.example.com"), (Custom, "url", "https://registry.example.com:5000/"),
            (Custom, "url", "http://localhost:5000"), (Custom, "url", "http://127.0.0.2"),
            (Custom, "url", "http://[::1]:5000"),
        ];
        for (kind, field, value) in ok {
            let got = validate_field(kind, field, value);
            assert!(got.is_empty(), "{kind}.{field} '{value}': {got:?}");
        }
    }

    #[test]
    fn validate_reports_missing_and_unknown_fields() {
        let mut creds = fixtures::sample(RegistryKind::Ghcr);
        creds.remove("token");
        creds.set("password", "whatever-it-is");
        let all: Vec<String> = validate(RegistryKind::Ghcr, &creds)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            all,
            [
                "password: not a GHCR field (its fields are: username, token)",
                "token: required"
            ]
        );
        let public: Credentials = [("username", "x")].into_iter().collect();
        let all: Vec<String> = validate(RegistryKind::Public, &public)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(all, ["username: Public registries take no credentials"]);
        assert!(validate(RegistryKind::Public, &Credentials::new()).is_empty());
    }

    #[test]
    fn every_kind_accepts_its_sample_without_findings() {
        for kind in RegistryKind::ALL {
            let findings = validate(kind, &fixtures::sample(kind));
            assert!(findings.is_empty(), "{kind}: {findings:?}");
        }
    }

    #[test]
    fn finding_display_prefixes_the_field() {
        let f = Finding {
            field: Some("token".into()),
            severity: Severity::Error,
            message: "required".into(),
        };
        assert_eq!(f.to_string(), "token: required");
        assert!(has_errors(&[f]));
    }
}
