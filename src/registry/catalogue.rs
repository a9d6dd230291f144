//! The catalogue proper: each kind's type key, display name and credential
//! field schema, and parsing a kind from what a user types. The TUI form and
//! the CLI flags are both generated from `RegistryKind::fields`, so the seed's
//! field names here are the single source of truth. Also the providers'
//! region vocabulary (AWS `us-east-1`, GCP `us-east1`), which validation uses
//! to say "did you mean".

use std::fmt;
use std::str::FromStr;

use super::{FieldSpec, RegistryKind, UnknownKind};

/// Every field of every kind is required today; the constructors keep the
/// tables below readable and make "secret" impossible to forget.
const fn plain(name: &'static str, label: &'static str, hint: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        label,
        required: true,
        secret: false,
        multiline: false,
        hint,
    }
}

const fn secret(name: &'static str, label: &'static str, hint: &'static str) -> FieldSpec {
    FieldSpec {
        secret: true,
        ..plain(name, label, hint)
    }
}

/// A JSON key file is pasted whole, so it is the one multi-line field.
const fn json_key(hint: &'static str) -> FieldSpec {
    FieldSpec {
        multiline: true,
        ..secret("serviceAccountKey", "Service account key (JSON)", hint)
    }
}

const GHCR: &[FieldSpec] = &[
    plain(
        "username",
        "GitHub username",
        "the account (or machine user) that owns the token",
    ),
    secret(
        "token",
        "Personal access token",
        "classic PAT with read:packages (ghp_…)",
    ),
];

const DOCKER: &[FieldSpec] = &[
    plain(
        "username",
        "Docker ID",
        "your Docker Hub username, not your email",
    ),
    secret(
        "password",
        "Access token or password",
        "personal access token (dckr_pat_…), read-only scope is enough",
    ),
];

const ECR: &[FieldSpec] = &[
    plain(
        "accessKeyId",
        "Access key ID",
        "AKIA… (20 characters), IAM user allowed ecr:GetAuthorizationToken",
    ),
    secret(
        "secretAccessKey",
        "Secret access key",
        "40 characters, shown once when the key was created",
    ),
    plain(
        "region",
        "Region",
        "AWS region of the registry, e.g. us-east-1",
    ),
];

const ACR: &[FieldSpec] = &[
    plain(
        "loginServer",
        "Login server",
        "host only, e.g. myregistry.azurecr.io",
    ),
    plain(
        "username",
        "Username",
        "admin user, token name or service principal app ID",
    ),
    secret(
        "password",
        "Password",
        "admin password, token password or client secret",
    ),
];

const GCR: &[FieldSpec] = &[json_key(
    "whole JSON key file of a service account with Artifact Registry Reader",
)];

const GAR: &[FieldSpec] = &[
    json_key("whole JSON key file of a service account with Artifact Registry Reader"),
    plain(
        "region",
        "Location",
        "repository location, e.g. us-central1, europe-west3 or us",
    ),
];

const QUAY: &[FieldSpec] = &[
    plain("username", "Username", "user or robot account (org+robot)"),
    secret(
        "token",
        "Token",
        "robot token or encrypted password from account settings",
    ),
];

const CUSTOM: &[FieldSpec] = &[
    plain(
        "url",
        "Registry URL",
        "https://registry.example.com[:port]; http only for localhost",
    ),
    plain("username", "Username", "account or robot name"),
    secret("password", "Password", "password or access token"),
];

impl RegistryKind {
    /// The seed's `type` value; also what the vault stores.
    #[must_use]
    pub fn type_key(self) -> &'static str {
        match self {
            RegistryKind::Ghcr => "GHCR",
            RegistryKind::Docker => "Docker",
            RegistryKind::Ecr => "ECR",
            RegistryKind::Acr => "ACR",
            RegistryKind::Gcr => "GCR",
            RegistryKind::Gar => "GAR",
            RegistryKind::Quay => "Quay",
            RegistryKind::Custom => "Custom",
            RegistryKind::Public => "Public",
        }
    }

    #[must_use]
    pub fn display_name(self) -> &'static str {
        match self {
            RegistryKind::Ghcr => "GitHub Container Registry",
            RegistryKind::Docker => "Docker Hub",
            RegistryKind::Ecr => "Amazon ECR",
            RegistryKind::Acr => "Azure Container Registry",
            RegistryKind::Gcr => "Google Container Registry",
            RegistryKind::Gar => "Google Artifact Registry",
            RegistryKind::Quay => "Red Hat Quay",
            RegistryKind::Custom => "Custom / Self-hosted",
            RegistryKind::Public => "Public (no auth)",
        }
    }

    /// The credential fields in the order the form shows them.
    #[must_use]
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            RegistryKind::Ghcr => GHCR,
            RegistryKind::Docker => DOCKER,
            RegistryKind::Ecr => ECR,
            RegistryKind::Acr => ACR,
            RegistryKind::Gcr => GCR,
            RegistryKind::Gar => GAR,
            RegistryKind::Quay => QUAY,
            RegistryKind::Custom => CUSTOM,
            RegistryKind::Public => &[],
        }
    }

    #[must_use]
    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.name == name)
    }
}

impl fmt::Display for RegistryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_key())
    }
}

impl FromStr for RegistryKind {
    type Err = UnknownKind;

    /// Type keys in any case, plus the names people actually type on a
    /// command line (`dockerhub`, `github`, `self-hosted`) and the display
    /// names, so a value copied from the screen parses back.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase();
        let kind = match key.as_str() {
            "ghcr" | "ghcr.io" | "github" => RegistryKind::Ghcr,
            "docker" | "dockerhub" | "docker-hub" | "docker.io" => RegistryKind::Docker,
            "ecr" | "aws" | "aws-ecr" => RegistryKind::Ecr,
            "acr" | "azure" => RegistryKind::Acr,
            "gcr" | "gcr.io" => RegistryKind::Gcr,
            "gar" | "artifact-registry" => RegistryKind::Gar,
            "quay" | "quay.io" => RegistryKind::Quay,
            "custom" | "self-hosted" | "selfhosted" => RegistryKind::Custom,
            "public" | "none" => RegistryKind::Public,
            _ => RegistryKind::ALL
                .into_iter()
                .find(|k| k.display_name().eq_ignore_ascii_case(&key))
                .ok_or_else(|| UnknownKind(s.to_owned()))?,
        };
        Ok(kind)
    }
}

// Region names: provider vocabulary shared by validation and the host shown
// for ECR and GAR.

fn lower_alnum(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn letters(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase())
}

#[derive(Debug, PartialEq)]
pub(super) enum Shape {
    Known,
    /// Well-formed with a prefix we do not know: providers add regions.
    UnknownPrefix,
    Malformed,
}

/// `^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$`, `^cn-\w+-\d+$`,
/// `^us-gov-\w+-\d+$`, with `\w` narrowed to lowercase: AWS never uses capitals.
pub(super) fn aws_region_shape(s: &str) -> Shape {
    const PREFIXES: [&str; 10] = ["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn"];
    let parts: Vec<&str> = s.split('-').collect();
    let known = match parts.as_slice() {
        ["us", "gov", w, d] | [_, w, d] => {
            (parts.len() == 4 || PREFIXES.contains(&parts[0])) && lower_alnum(w) && digits(d)
        }
        _ => false,
    };
    if known {
        return Shape::Known;
    }
    let well_formed = parts.len() >= 3
        && parts[0].len() >= 2
        && parts[..parts.len() - 1].iter().all(|p| letters(p))
        && parts.last().is_some_and(|d| digits(d));
    if well_formed {
        Shape::UnknownPrefix
    } else {
        Shape::Malformed
    }
}

/// GCP: `us-central1`, `europe-west3`, or a multi-region.
pub(super) fn gcp_region_shape(s: &str) -> Shape {
    const PREFIXES: [&str; 8] = [
        "us",
        "europe",
        "asia",
        "australia",
        "northamerica",
        "southamerica",
        "me",
        "africa",
    ];
    if matches!(s, "us" | "europe" | "asia") {
        return Shape::Known;
    }
    let Some((prefix, rest)) = s.split_once('-') else {
        return Shape::Malformed;
    };
    let split = rest
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (word, number) = rest.split_at(split);
    if !(letters(prefix) && letters(word) && digits(number)) {
        Shape::Malformed
    } else if PREFIXES.contains(&prefix) {
        Shape::Known
    } else {
        Shape::UnknownPrefix
    }
}

/// The commonest region typos are one hyphen too many or too few (GCP and
/// AWS disagree on `us-east1` vs `us-east-1`), capitals and underscores.
pub(super) fn suggest(value: &str, ok: fn(&str) -> Shape) -> Option<String> {
    let norm: String = value
        .chars()
        .map(|c| match c {
            '_' | ' ' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    if ok(&norm) == Shape::Known {
        return Some(norm);
    }
    let bounds: Vec<usize> = norm.char_indices().map(|(i, _)| i).skip(1).collect();
    let inserted = bounds
        .iter()
        .map(|&i| format!("{}-{}", &norm[..i], &norm[i..]));
    let removed = norm
        .char_indices()
        .filter(|&(_, c)| c == '-')
        .map(|(i, _)| format!("{}{}", &norm[..i], &norm[i + 1..]));
    inserted.chain(removed).find(|c| ok(c) == Shape::Known)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(kind: RegistryKind) -> Vec<&'static str> {
        kind.fields().iter().map(|f| f.name).collect()
    }

    #[test]
    fn field_names_are_the_seed_names_in_order() {
        use RegistryKind::*;
        assert_eq!(names(Ghcr), ["username", "token"]);
        assert_eq!(names(Docker), ["username", "password"]);
        assert_eq!(names(Ecr), ["accessKeyId", "secretAccessKey", "region"]);
        assert_eq!(names(Acr), ["loginServer", "username", "password"]);
        assert_eq!(names(Gcr), ["serviceAccountKey"]);
        assert_eq!(names(Gar), ["serviceAccountKey", "region"]);
        assert_eq!(names(Quay), ["username", "token"]);
        assert_eq!(names(Custom), ["url", "username", "password"]);
        assert!(names(Public).is_empty());
    }

    #[test]
    fn secret_and_multiline_flags_follow_the_field() {
        for kind in RegistryKind::ALL {
            for f in kind.fields() {
                let secret = matches!(
                    f.name,
                    "token" | "password" | "secretAccessKey" | "serviceAccountKey"
                );
                assert_eq!(f.secret, secret, "{kind}.{}", f.name);
                assert_eq!(
                    f.multiline,
                    f.name == "serviceAccountKey",
                    "{kind}.{}",
                    f.name
                );
                assert!(f.required);
                assert!(!f.label.is_empty() && !f.hint.is_empty());
            }
        }
        assert_eq!(
            RegistryKind::Ecr.field("accessKeyId").map(|f| f.label),
            Some("Access key ID")
        );
        assert_eq!(
            RegistryKind::Ghcr.field("token").map(|f| f.hint),
            Some("classic PAT with read:packages (ghp_…)")
        );
    }

    #[test]
    fn type_keys_round_trip_in_any_case() {
        for kind in RegistryKind::ALL {
            assert_eq!(kind.type_key().parse(), Ok(kind));
            assert_eq!(kind.type_key().to_uppercase().parse(), Ok(kind));
            assert_eq!(kind.type_key().to_lowercase().parse(), Ok(kind));
            assert_eq!(kind.display_name().parse(), Ok(kind));
            assert_eq!(kind.to_string(), kind.type_key());
            // The serde name is the type key too: the vault and the CLI agree.
            assert_eq!(
                serde_json::to_string(&kind).ok(),
                Some(format!("\"{}\"", kind.type_key()))
            );
        }
    }

    #[test]
    fn aliases_and_unknowns() {
        assert_eq!("dockerhub".parse(), Ok(RegistryKind::Docker));
        assert_eq!("Docker-Hub".parse(), Ok(RegistryKind::Docker));
        assert_eq!("github".parse(), Ok(RegistryKind::Ghcr));
        assert_eq!(" self-hosted ".parse(), Ok(RegistryKind::Custom));
        assert_eq!(
            "harbor".parse::<RegistryKind>(),
            Err(UnknownKind("harbor".into()))
        );
        assert_eq!(
            UnknownKind("x".into()).to_string(),
            "unknown registry type 'x' (one of: GHCR, Docker, ECR, ACR, GCR, GAR, Quay, Custom, Public)"
        );
    }

    #[test]
    fn region_shapes() {
        assert_eq!(aws_region_shape("us-east-1"), Shape::Known);
        assert_eq!(aws_region_shape("us-gov-east-1"), Shape::Known);
        assert_eq!(aws_region_shape("cn-northwest-1"), Shape::Known);
        assert_eq!(aws_region_shape("us-iso-east-1"), Shape::UnknownPrefix);
        assert_eq!(aws_region_shape("zz-south-9"), Shape::UnknownPrefix);
        assert_eq!(aws_region_shape("us-east1"), Shape::Malformed);
        assert_eq!(aws_region_shape("us-East-1"), Shape::Malformed);
        assert_eq!(gcp_region_shape("us-east1"), Shape::Known);
        assert_eq!(gcp_region_shape("europe"), Shape::Known);
        assert_eq!(gcp_region_shape("us-east-1"), Shape::Malformed);
        assert_eq!(gcp_region_shape("eu"), Shape::Malformed);
        assert_eq!(
            suggest("us-east1", aws_region_shape).as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            suggest("us-east-1", gcp_region_shape).as_deref(),
            Some("us-east1")
        );
        assert_eq!(suggest("Ünïcode-ä1", aws_region_shape), None);
        assert_eq!(suggest("", gcp_region_shape), None);
    }
}
