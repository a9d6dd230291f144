//! Turning what went wrong into one outcome class and a hint a user can act
//! on: transport errors by walking the error's source chain (rustls
//! certificate errors, refused connections, DNS, timeouts), HTTP answers by
//! status. Never formats a request (its headers hold credentials).

use std::error::Error as StdError;
use std::io;

use rustls::CertificateError;

use super::Outcome;

/// A failed step: the class and one line of what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub outcome: Outcome,
    pub hint: String,
    /// What to do, face-neutral: the hint above is phrased for the CLI
    /// (it names flags); a face with other controls says it its own way.
    pub advice: Option<Advice>,
}

impl Failure {
    pub fn new(outcome: Outcome, hint: impl Into<String>) -> Self {
        Self {
            outcome,
            hint: hint.into(),
            advice: None,
        }
    }

    #[must_use]
    pub fn advise(mut self, advice: Advice) -> Self {
        self.advice = Some(advice);
        self
    }
}

/// The remedy behind a hint, for faces that phrase it their own way (the
/// TUI names keys where the CLI names flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    /// The username or secret was refused: check or rotate them.
    CheckCredentials,
    /// The certificate's authority is unknown: give the registry's CA.
    TrustCa,
    /// The host does not speak TLS: an http:// endpoint (insecure).
    UsePlainHttp,
    /// Plain http to a remote host was refused: https, or mark it insecure.
    MarkInsecure,
    /// The login passed; an image would check pull permission too.
    GiveImage,
}

/// A host name that resolved only to link-local or cloud metadata
/// addresses: credentials are never sent there (metadata services live at
/// 169.254.169.254, 100.100.100.200, `fd00:ec2::254`).
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to link-local or cloud metadata addresses")]
pub struct LinkLocalRefused(pub String);

/// Why a certificate was not trusted, in words.
fn certificate_reason(e: &CertificateError, host: &str) -> String {
    match e {
        CertificateError::UnknownIssuer => format!(
            "{host}'s certificate is signed by an unknown authority — give the registry's CA bundle (regvault registry update ID --ca-file ca.pem)"
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("{host}'s certificate is not issued for {host}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("{host}'s certificate has expired")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!("{host}'s certificate is not valid yet (check this machine's clock)")
        }
        CertificateError::Revoked => format!("{host}'s certificate has been revoked"),
        CertificateError::BadSignature => format!("{host}'s certificate has a bad signature"),
        CertificateError::BadEncoding => format!("{host}'s certificate is malformed"),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            format!("{host}'s certificate is not for TLS servers")
        }
        other => format!("{host}'s certificate was rejected: {other}"),
    }
}

fn tls_failure(e: &rustls::Error, host: &str) -> Failure {
    let hint = match e {
        rustls::Error::InvalidCertificate(c) => certificate_reason(c, host),
        rustls::Error::InvalidMessage(_)
        | rustls::Error::PeerSentOversizedRecord
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. } => format!(
            "{host} did not answer TLS — if it serves plain http, use an http:// endpoint (loopback, or --insecure)"
        ),
        rustls::Error::AlertReceived(alert) => {
            format!("{host} ended the TLS handshake ({alert:?})")
        }
        other => format!("TLS with {host} failed: {other}"),
    };
    let advice = match e {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => Some(Advice::TrustCa),
        rustls::Error::InvalidMessage(_)
        | rustls::Error::PeerSentOversizedRecord
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. } => Some(Advice::UsePlainHttp),
        _ => None,
    };
    Failure {
        advice,
        ..Failure::new(Outcome::TlsUntrusted, hint)
    }
}

/// The next error in the chain. `io::Error::source` skips the error it
/// wraps (rustls's, inside hyper's), so look into it instead.
fn next<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
        Some(inner) => Some(inner),
        None => e.source(),
    }
}

/// Classifies a transport error (`reqwest::Error` or anything wrapping
/// one). `host` is `host[:port]` as the user knows it.
pub fn classify_error(err: &(dyn StdError + 'static), host: &str) -> Failure {
    let mut timeout = false;
    let mut dns = false;
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return tls_failure(t, host);
        }
        if let Some(l) = e.downcast_ref::<LinkLocalRefused>() {
            return Failure::new(
                Outcome::Unsafe,
                format!("{l}: credentials are never sent there"),
            );
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => {
                    return Failure::new(
                        Outcome::Refused,
                        format!(
                            "nothing is listening at {host} — check the host and port, and that the registry is running"
                        ),
                    );
                }
                io::ErrorKind::TimedOut => timeout = true,
                io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
                    return Failure::new(
                        Outcome::Refused,
                        format!(
                            "{host} is unreachable from here (no route) — check network and firewall"
                        ),
                    );
                }
                _ => {}
            }
        }
        if let Some(r) = e.downcast_ref::<reqwest::Error>() {
            timeout |= r.is_timeout();
            dns |= r.is_dns();
        }
        let text = e.to_string();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            dns = true;
        }
        if text.contains("timed out") {
            timeout = true;
        }
        cur = next(e);
    }
    if dns {
        let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
        return Failure::new(
            Outcome::Dns,
            format!("the name {name} does not resolve — check the spelling and this machine's DNS"),
        );
    }
    if timeout {
        return timeout_failure(host);
    }
    // The chain's text (no request in it, so no credentials).
    let mut parts = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        let t = e.to_string();
        if !parts.iter().any(|p: &String| p.contains(&t)) {
            parts.push(t);
        }
        cur = next(e);
    }
    Failure::new(
        Outcome::Error,
        format!("talking to {host} failed: {}", parts.join(": ")),
    )
}

pub fn timeout_failure(host: &str) -> Failure {
    Failure::new(
        Outcome::Timeout,
        format!(
            "{host} did not answer in time — a firewall may drop the traffic, or the registry is overloaded"
        ),
    )
}

/// When to retry after a 429, from `Retry-After` (seconds or an HTTP date)
/// or `RateLimit-Reset` / `X-RateLimit-Reset` (seconds, or a Unix time).
#[must_use]
pub fn rate_limit_reset(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(v) = get("retry-after") {
        return Some(match v.parse::<u64>() {
            Ok(secs) => format!("retry after {secs} s"),
            Err(_) => format!("retry after {v}"),
        });
    }
    for name in ["ratelimit-reset", "x-ratelimit-reset"] {
        if let Some(v) = get(name)
            && let Ok(n) = v.parse::<i64>()
        {
            // Large values are Unix times, small ones are seconds from now.
            return Some(if n > 1_000_000_000 {
                jiff::Timestamp::from_second(n)
                    .map_or_else(|_| format!("resets at {n}"), |t| format!("resets at {t}"))
            } else {
                format!("resets in {n} s")
            });
        }
    }
    None
}

/// A failure for an HTTP status the flow did not expect at `what`.
pub fn unexpected_status(status: reqwest::StatusCode, what: &str) -> Failure {
    if status.is_server_error() {
        Failure::new(
            Outcome::Error,
            format!("{what} answered {status}: the registry has a problem — try again later"),
        )
    } else {
        Failure::new(Outcome::Error, format!("{what} answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_wrapping(e: impl Into<Box<dyn StdError + Send + Sync>>) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }

    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Outer(#[source] io::Error);

    #[test]
    fn unknown_issuer_inside_io_inside_a_wrapper_is_tls_untrusted_with_the_reason() {
        let e = Outer(io_wrapping(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        )));
        let f = classify_error(&e, "127.0.0.1:5443");
        assert_eq!(f.outcome, Outcome::TlsUntrusted);
        assert!(f.hint.contains("unknown authority"), "{}", f.hint);
        assert!(f.hint.contains("--ca-file"), "{}", f.hint);
    }

    #[test]
    fn other_certificate_problems_say_which() {
        for (err, words) in [
            (CertificateError::NotValidForName, "not issued for"),
            (CertificateError::Expired, "expired"),
            (CertificateError::NotValidYet, "clock"),
        ] {
            let f = classify_error(&rustls::Error::InvalidCertificate(err), "reg.example");
            assert_eq!(f.outcome, Outcome::TlsUntrusted);
            assert!(f.hint.contains(words), "{}", f.hint);
        }
        let plain = classify_error(
            &rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
            "reg.example",
        );
        assert!(plain.hint.contains("did not answer TLS"), "{}", plain.hint);
    }

    #[test]
    fn refused_timeout_dns_link_local() {
        let refused = Outer(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(classify_error(&refused, "h:1").outcome, Outcome::Refused);
        let timed = Outer(io::Error::from(io::ErrorKind::TimedOut));
        assert_eq!(classify_error(&timed, "h:1").outcome, Outcome::Timeout);
        let dns = Outer(io::Error::other(
            "dns error: failed to lookup address information",
        ));
        let f = classify_error(&dns, "nope.invalid:443");
        assert_eq!(f.outcome, Outcome::Dns);
        assert!(
            f.hint.contains("nope.invalid does not resolve"),
            "{}",
            f.hint
        );
        let ll = Outer(io::Error::other(LinkLocalRefused("meta.internal".into())));
        assert_eq!(
            classify_error(&ll, "meta.internal").outcome,
            Outcome::Unsafe
        );
        let other = Outer(io::Error::other("something odd"));
        let f = classify_error(&other, "h:1");
        assert_eq!(f.outcome, Outcome::Error);
        assert!(f.hint.contains("something odd"), "{}", f.hint);
    }

    #[test]
    fn rate_limit_reset_reads_the_usual_headers() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(rate_limit_reset(&h), None);
        h.insert("x-ratelimit-reset", "1800000000".parse().unwrap());
        assert_eq!(
            rate_limit_reset(&h).as_deref(),
            Some("resets at 2027-01-15T08:00:00Z")
        );
        h.insert("retry-after", "30".parse().unwrap());
        assert_eq!(rate_limit_reset(&h).as_deref(), Some("retry after 30 s"));
    }
}
