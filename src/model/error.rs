//! `RuleError`: what a rule of the platform says when it refuses a change.

use crate::registry::Finding;

/// A rule of the platform said no. Messages name the thing and the rule and
/// never carry a credential.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("no registry '{0}'")]
    NoSuchRegistry(String),
    #[error("no container '{0}'")]
    NoSuchContainer(String),
    #[error("name: must not be empty")]
    EmptyName,
    /// A name that breaks the name rule (length, control characters).
    #[error("{field}: {message}")]
    BadName {
        field: &'static str,
        message: String,
    },
    #[error("name: a registry named '{0}' already exists")]
    DuplicateRegistryName(String),
    #[error("name: a container named '{name}' already exists in environment '{environment}'")]
    DuplicateContainerName { name: String, environment: String },
    #[error("{}", invalid_message(.0))]
    Invalid(Vec<Finding>),
    /// The creator is not named: it is the very string another user would
    /// put in `REGVAULT_USER` to pass this check.
    #[error("only the registry's creator may {action} '{name}'{}: it was created by another user", if *.delegable { " (or a member the creator named)" } else { "" })]
    NotCreator {
        name: String,
        /// `delete`, `rotate the credentials of`, `change the delegates of`.
        action: &'static str,
        /// Whether a delegate may do it too (not so for changing delegates).
        delegable: bool,
    },

    #[error("registry '{name}' is used by {}: {}; delete or repoint them first", super::plural(.containers.len(), "container", "containers"), .containers.join(", "))]
    InUse {
        name: String,
        /// `name (environment)` of each referencing container.
        containers: Vec<String>,
    },
    /// Several registries serve one host and none (or more than one) is
    /// marked default: the credential helper cannot choose.
    #[error("{} registries for {host}: {}; choose one with `regvault registry default ID`", .registries.len(), .registries.join(", "))]
    AmbiguousHost {
        host: String,
        /// `name (id)` of each.
        registries: Vec<String>,
    },
    #[error("registry '{0}' is a public image source: it serves no host with credentials")]
    NoHost(String),
    #[error("{field}: {message}")]
    BadContainerField {
        field: &'static str,
        message: String,
    },
}

fn invalid_message(findings: &[Finding]) -> String {
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.is_error())
        .map(ToString::to_string)
        .collect();
    errors.join("; ")
}
