//! The outcome class of a Test Connection, from the probe's answer to the
//! record kept in the vault (`TestRecord::outcome`): one enum end to end,
//! written to the vault as its kebab-case name (`ok`, `bad-credentials`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The outcome class of a Test Connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestOutcome {
    Ok,
    /// The structural check failed; nothing was sent.
    Invalid,
    /// 401: wrong username, password, token or key.
    BadCredentials,
    /// 403, or a pull scope the token service did not grant.
    NoPermission,
    /// The repository or tag does not exist.
    NotFound,
    /// 429.
    RateLimited,
    /// The certificate is not trusted (or the host does not speak TLS).
    TlsUntrusted,
    Dns,
    Refused,
    Timeout,
    /// Something answered, but not a registry's v2 API.
    NotARegistry,
    /// regvault refused to send credentials (plain http to a remote host,
    /// a link-local address, a token realm downgraded to http).
    Unsafe,
    Cancelled,
    /// Anything else (5xx, a malformed answer) — and, read from a vault,
    /// an outcome class this regvault does not know (a newer one wrote it).
    #[serde(other)]
    Error,
}

impl TestOutcome {
    pub const ALL: [TestOutcome; 14] = [
        TestOutcome::Ok,
        TestOutcome::Invalid,
        TestOutcome::BadCredentials,
        TestOutcome::NoPermission,
        TestOutcome::NotFound,
        TestOutcome::RateLimited,
        TestOutcome::TlsUntrusted,
        TestOutcome::Dns,
        TestOutcome::Refused,
        TestOutcome::Timeout,
        TestOutcome::NotARegistry,
        TestOutcome::Unsafe,
        TestOutcome::Cancelled,
        TestOutcome::Error,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TestOutcome::Ok => "ok",
            TestOutcome::Invalid => "invalid",
            TestOutcome::BadCredentials => "bad-credentials",
            TestOutcome::NoPermission => "no-permission",
            TestOutcome::NotFound => "not-found",
            TestOutcome::RateLimited => "rate-limited",
            TestOutcome::TlsUntrusted => "tls-untrusted",
            TestOutcome::Dns => "dns",
            TestOutcome::Refused => "refused",
            TestOutcome::Timeout => "timeout",
            TestOutcome::NotARegistry => "not-a-registry",
            TestOutcome::Unsafe => "unsafe",
            TestOutcome::Cancelled => "cancelled",
            TestOutcome::Error => "error",
        }
    }
}

impl fmt::Display for TestOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TestOutcome {
    type Err = UnknownOutcome;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or(UnknownOutcome)
    }
}

/// A test outcome this regvault does not know (a newer one wrote it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown test outcome")]
pub struct UnknownOutcome;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_back_from_its_name() {
        for o in TestOutcome::ALL {
            assert_eq!(o.as_str().parse::<TestOutcome>(), Ok(o));
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
        }
        assert_eq!("teapot".parse::<TestOutcome>(), Err(UnknownOutcome));
        let newer: TestOutcome = serde_json::from_str("\"teapot\"").unwrap();
        assert_eq!(newer, TestOutcome::Error, "a newer class still opens");
    }
}
