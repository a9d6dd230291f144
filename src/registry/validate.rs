//! Structural validation: everything about a credential that can be checked
//! offline, field by field, so the form can flag a bad value as it is typed
//! and the vault can refuse one before it is saved. The formats come from
//! REGISTRY-FACTS.md.
//!
//! Messages name the field's rule and never quote a secret value: findings
//! are shown on screen, printed by the CLI and may end up in logs. Values of
//! plain fields (a region) are quoted when that helps fix them.

use url::{Host, Url};

use super::catalogue::{Shape, aws_region_shape, gcp_region_shape, suggest};
use super::{Credentials, Finding, RegistryKind, Severity};

/// Generous for any token or password, small enough that a pasted file ends
/// up as an error instead of a slow form.
const FIELD_CAP: usize = 4 * 1024;
const JSON_KEY_CAP: usize = 16 * 1024;
/// GitHub asks integrators to accept tokens up to 255 characters.
const GITHUB_TOKEN_CAP: usize = 255;
const REGION_CAP: usize = 64;

const GITHUB_CLASSIC: &str = "a GitHub classic token starts with ghp_ and is 40 characters";
const GITHUB_FINE_GRAINED: &str =
    "fine-grained tokens (github_pat_) are not accepted by GitHub Packages";

fn finding(field: &str, severity: Severity, message: impl Into<String>) -> Finding {
    Finding {
        field: Some(field.to_owned()),
        severity,
        message: message.into(),
    }
}

fn error(field: &str, message: impl Into<String>) -> Finding {
    finding(field, Severity::Error, message)
}

fn warning(field: &str, message: impl Into<String>) -> Finding {
    finding(field, Severity::Warning, message)
}

/// Checks every field of `kind`, and reports fields the kind does not have.
#[must_use]
pub fn validate(kind: RegistryKind, creds: &Credentials) -> Vec<Finding> {
    validate_for(kind, creds, false)
}

/// `validate` for a registry whose connection is marked `insecure` or not:
/// a Custom `http://` url to a host that is not loopback is an error
/// unless it is, then a warning.
#[must_use]
pub fn validate_for(kind: RegistryKind, creds: &Credentials, insecure: bool) -> Vec<Finding> {
    let mut out: Vec<Finding> = creds
        .fields()
        .filter(|name| kind.field(name).is_none())
        .map(|name| unknown_field(kind, name))
        .collect();
    for spec in kind.fields() {
        out.extend(validate_field_for(
            kind,
            spec.name,
            creds.get(spec.name).unwrap_or(""),
            insecure,
        ));
    }
    out
}

/// Checks one field's value; the TUI calls this on every keystroke.
#[must_use]
pub fn validate_field(kind: RegistryKind, field: &str, value: &str) -> Vec<Finding> {
    validate_field_for(kind, field, value, false)
}

/// `validate_field` for a registry marked `insecure` or not.
#[must_use]
pub fn validate_field_for(
    kind: RegistryKind,
    field: &str,
    value: &str,
    insecure: bool,
) -> Vec<Finding> {
    let Some(spec) = kind.field(field) else {
        return vec![unknown_field(kind, field)];
    };
    let name = spec.name;
    if value.trim().is_empty() {
        return vec![error(name, "required")];
    }
    if let Some(f) = basic_shape(kind, name, spec.multiline, value) {
        return vec![f];
    }
    // docker stores `username:password` and splits at the first colon.
    if name == "username" && value.contains(':') {
        return vec![error(
            name,
            "must not contain ':' (docker joins username and password with it)",
        )];
    }
    let mut out = Vec::new();
    match (kind, name) {
        (RegistryKind::Ghcr, "username") => github_username(value, &mut out),
        (RegistryKind::Ghcr, "token") => github_token(value, &mut out),
        (RegistryKind::Docker, "username") => docker_username(value, &mut out),
        (RegistryKind::Docker, "password") => docker_password(value, &mut out),
        (RegistryKind::Ecr, "accessKeyId") => aws_access_key_id(value, &mut out),
        (RegistryKind::Ecr, "secretAccessKey") => aws_secret_key(value, &mut out),
        (RegistryKind::Ecr, "region") => aws_region(value, &mut out),
        (RegistryKind::Acr, "loginServer") => acr_login_server(value, &mut out),
        (RegistryKind::Gcr | RegistryKind::Gar, "serviceAccountKey") => gcp_key(value, &mut out),
        (RegistryKind::Gar, "region") => gcp_region(value, &mut out),
        (RegistryKind::Quay, "username") => quay_username(value, &mut out),
        (RegistryKind::Custom, "url") => custom_url(value, insecure, &mut out),
        _ => {}
    }
    out
}

fn unknown_field(kind: RegistryKind, name: &str) -> Finding {
    let message = if kind.fields().is_empty() {
        format!("{} registries take no credentials", kind.type_key())
    } else {
        let names: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
        format!(
            "not a {} field (its fields are: {})",
            kind.type_key(),
            names.join(", ")
        )
    };
    error(name, message)
}

/// Copy-paste damage shared by every field: too long, line breaks in a
/// one-line value, stray spaces, invisible characters (which would also
/// garble a quoted region on screen). Said, never shown.
fn basic_shape(kind: RegistryKind, name: &str, multiline: bool, value: &str) -> Option<Finding> {
    let (cap, unit) = match (kind, name) {
        (_, "serviceAccountKey") => (JSON_KEY_CAP, "bytes"),
        (RegistryKind::Ghcr, "token") => (GITHUB_TOKEN_CAP, "characters"),
        (_, "region") => (REGION_CAP, "characters"),
        _ => (FIELD_CAP, "bytes"),
    };
    if value.len() > cap {
        return Some(error(name, format!("too long (at most {cap} {unit})")));
    }
    if value
        .chars()
        .any(|c| matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
    {
        return Some(error(
            name,
            "contains an invisible character (zero-width, byte-order or text-direction mark); retype it",
        ));
    }
    if multiline {
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Some(error(name, "contains a control character"));
        }
        return None;
    }
    if value.chars().any(char::is_control) {
        return Some(error(
            name,
            "contains a line break, tab or other control character; it must be one line",
        ));
    }
    if value.trim() != value {
        return Some(error(name, "has leading or trailing whitespace; remove it"));
    }
    None
}

fn all_alnum(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn github_username(value: &str, out: &mut Vec<Finding>) {
    if value.contains('@') {
        out.push(error(
            "username",
            "give the GitHub username, not the email address",
        ));
        return;
    }
    let ok = value.len() <= 39
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if !ok {
        out.push(error(
            "username",
            "a GitHub username is at most 39 letters, digits and single hyphens, not starting or ending with a hyphen",
        ));
    }
}

fn github_token(value: &str, out: &mut Vec<Finding>) {
    // Tokens GitHub issues to apps rather than people: they work, but expire
    // or vanish with the app, which is a poor fit for a stored pull secret.
    const OTHER: [(&str, &str); 4] = [
        ("gho_", "an OAuth app token"),
        ("ghu_", "a GitHub App user token"),
        ("ghs_", "a GitHub App installation token"),
        ("ghr_", "a refresh token"),
    ];
    if let Some(rest) = value.strip_prefix("ghp_") {
        if !all_alnum(rest, 36) {
            out.push(error("token", GITHUB_CLASSIC));
        }
    } else if let Some(rest) = value.strip_prefix("github_pat_") {
        let well_formed = rest
            .split_once('_')
            .is_some_and(|(a, b)| all_alnum(a, 22) && all_alnum(b, 59));
        if well_formed {
            out.push(warning("token", GITHUB_FINE_GRAINED));
        } else {
            out.push(error(
                "token",
                "a fine-grained token is github_pat_ plus 82 characters (93 in all), and GitHub Packages does not accept them anyway: use a classic token (ghp_…)",
            ));
        }
    } else if let Some((prefix, what)) = OTHER.iter().find(|(p, _)| value.starts_with(p)) {
        let rest = value.get(prefix.len()..).unwrap_or("");
        let recognised =
            rest.len() >= 36 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if recognised {
            out.push(warning(
                "token",
                format!(
                    "{prefix} is {what}, which expires or goes with the app; for pulls use a classic token (ghp_…) with read:packages"
                ),
            ));
        } else {
            out.push(error("token", GITHUB_CLASSIC));
        }
    } else {
        out.push(error("token", GITHUB_CLASSIC));
    }
}

fn docker_username(value: &str, out: &mut Vec<Finding>) {
    if value.contains('@') {
        out.push(warning(
            "username",
            "looks like an email address; docker login needs the Docker ID (username)",
        ));
    } else if !(4..=30).contains(&value.len())
        || !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        out.push(warning(
            "username",
            "Docker IDs are 4 to 30 lowercase letters and digits; check the spelling",
        ));
    }
}

fn docker_password(value: &str, out: &mut Vec<Finding>) {
    let token = value
        .strip_prefix("dckr_pat_")
        .or_else(|| value.strip_prefix("dckr_oat_"));
    match token {
        None => out.push(warning(
            "password",
            "not a Docker access token (dckr_pat_…); use a personal access token with read-only scope rather than the account password",
        )),
        Some(rest)
            if rest.is_empty()
                || !rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            out.push(warning(
                "password",
                "looks like an incomplete Docker access token; copy it again",
            ));
        }
        Some(_) => {}
    }
}

fn aws_access_key_id(value: &str, out: &mut Vec<Finding>) {
    let body_ok = |rest: &str| {
        rest.len() == 16
            && rest
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    if value.strip_prefix("AKIA").is_some_and(body_ok) {
        return;
    }
    if value.strip_prefix("ASIA").is_some_and(body_ok) {
        out.push(warning(
            "accessKeyId",
            "ASIA… is a temporary key: it needs a session token, which this form has no field for; use a long-term key (AKIA…)",
        ));
        return;
    }
    out.push(error(
        "accessKeyId",
        "an AWS access key ID is AKIA followed by 16 uppercase letters or digits (20 in all)",
    ));
}

fn aws_secret_key(value: &str, out: &mut Vec<Finding>) {
    let ok = value.len() == 40
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'='));
    if !ok {
        out.push(error(
            "secretAccessKey",
            "an AWS secret access key is 40 letters, digits, '/', '+' or '='",
        ));
    }
}

fn aws_region(value: &str, out: &mut Vec<Finding>) {
    match aws_region_shape(value) {
        Shape::Known => {}
        Shape::UnknownPrefix => out.push(warning(
            "region",
            format!(
                "'{value}' is not a region prefix AWS used so far; check it (new regions appear)"
            ),
        )),
        Shape::Malformed => {
            let message = match suggest(value, aws_region_shape) {
                Some(s) => format!("'{value}' is not an AWS region — did you mean {s}?"),
                None => format!("'{value}' is not an AWS region (like us-east-1 or eu-west-2)"),
            };
            out.push(error("region", message));
        }
    }
}

fn gcp_region(value: &str, out: &mut Vec<Finding>) {
    match gcp_region_shape(value) {
        Shape::Known => {}
        Shape::UnknownPrefix => out.push(warning(
            "region",
            format!("'{value}' is not a Google Cloud location prefix known so far; check it"),
        )),
        Shape::Malformed => {
            let message = match suggest(value, gcp_region_shape) {
                Some(s) => format!("'{value}' is not a Google Cloud region — did you mean {s}?"),
                None => format!(
                    "'{value}' is not a Google Cloud region (like us-central1 or europe-west3) nor a multi-region (us, europe, asia)"
                ),
            };
            out.push(error("region", message));
        }
    }
}

/// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
fn dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn acr_login_server(value: &str, out: &mut Vec<Finding>) {
    const FIELD: &str = "loginServer";
    if value.contains("://") {
        out.push(error(
            FIELD,
            "give the host only (e.g. myregistry.azurecr.io), without https://",
        ));
        return;
    }
    if value.contains('/') {
        out.push(error(FIELD, "give the host only, without a path"));
        return;
    }
    if !dns_name(value) {
        out.push(error(
            FIELD,
            "is not a host name (letters, digits, '-' and '.')",
        ));
        return;
    }
    let lower = value.to_ascii_lowercase();
    if ![".azurecr.io", ".azurecr.cn", ".azurecr.us"]
        .iter()
        .any(|s| lower.ends_with(s))
    {
        out.push(warning(
            FIELD,
            "does not end in .azurecr.io (.azurecr.cn or .azurecr.us in sovereign clouds); copy it from the registry's overview page",
        ));
    }
}

/// Key names only, never values: the whole key is the secret.
fn gcp_key(value: &str, out: &mut Vec<Finding>) {
    const FIELD: &str = "serviceAccountKey";
    let map = match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(_) => {
            out.push(error(
                FIELD,
                "must be a JSON object: the key file of a service account",
            ));
            return;
        }
        Err(e) => {
            // serde_json's own message can quote input; position only.
            let what = if e.is_eof() {
                "the JSON ends early"
            } else {
                "not valid JSON"
            };
            out.push(error(
                FIELD,
                format!(
                    "{what} (line {}, column {}); paste the whole key file",
                    e.line(),
                    e.column()
                ),
            ));
            return;
        }
    };
    for key in [
        "type",
        "project_id",
        "private_key_id",
        "private_key",
        "client_email",
        "token_uri",
    ] {
        let text = match map.get(key) {
            None => {
                out.push(error(FIELD, format!("missing {key}")));
                continue;
            }
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.as_str(),
            Some(_) => {
                out.push(error(FIELD, format!("{key} must be a non-empty string")));
                continue;
            }
        };
        match key {
            "type" if text != "service_account" => out.push(error(
                FIELD,
                "type must be service_account: this is not a service-account key",
            )),
            "private_key"
                if !(text.trim_start().starts_with("-----BEGIN PRIVATE KEY-----")
                    && text.contains("-----END PRIVATE KEY-----")) =>
            {
                out.push(error(
                    FIELD,
                    "private_key is not a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----)",
                ));
            }
            "client_email" if !text.contains('@') => {
                out.push(error(FIELD, "client_email is not an email address"));
            }
            "client_email" if !text.ends_with(".gserviceaccount.com") => out.push(warning(
                FIELD,
                "client_email does not end in .gserviceaccount.com: is this a service-account key?",
            )),
            "token_uri" if !text.starts_with("https://") => {
                out.push(warning(FIELD, "token_uri is not an https:// URL"));
            }
            _ => {}
        }
    }
}

fn quay_username(value: &str, out: &mut Vec<Finding>) {
    if let Some((org, robot)) = value.split_once('+')
        && (org.is_empty() || robot.is_empty() || robot.contains('+'))
    {
        out.push(error(
            "username",
            "a robot account is written org+robot, both parts non-empty",
        ));
    }
}

/// Plain http is for a registry on this machine; anywhere else the password
/// would cross the network readable.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(a)) => a.is_loopback(),
        Some(Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

fn custom_url(value: &str, insecure: bool, out: &mut Vec<Finding>) {
    const FIELD: &str = "url";
    // `registry.internal:5000` is taken as https (what is stored, too).
    let value = &*super::normalize::custom_url(value);
    if !value.contains("://") {
        out.push(error(
            FIELD,
            "must be an absolute URL such as https://registry.example.com",
        ));
        return;
    }
    let url = match Url::parse(value) {
        Ok(url) => url,
        Err(url::ParseError::EmptyHost) => {
            out.push(error(FIELD, "must include a host"));
            return;
        }
        // url's messages describe the rule ("invalid port number"), not the input.
        Err(e) => {
            out.push(error(FIELD, format!("is not a valid URL: {e}")));
            return;
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        out.push(error(FIELD, "must not contain credentials"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" if insecure => out.push(warning(
            FIELD,
            "plain http to another host (marked insecure): the password can be read",
        )),
        "http" => out.push(error(FIELD, "http:// is only allowed for loopback")),
        _ => {
            out.push(error(
                FIELD,
                "must start with https:// (http:// only for a registry on localhost)",
            ));
            return;
        }
    }
    if url.host().is_none() {
        out.push(error(FIELD, "must include a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        out.push(error(FIELD, "must not have a query or fragment"));
    }
    if !matches!(url.path(), "" | "/") {
        out.push(warning(
            FIELD,
            "the path is ignored: docker auths use host[:port] only",
        ));
    }
}
