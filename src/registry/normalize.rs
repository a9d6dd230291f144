//! Values taken as the user meant them before they are checked or stored:
//! a Custom registry's url typed as `registry.internal:5000` is
//! `https://registry.internal:5000` — https is the only scheme assumed;
//! `http://` stays only when typed, and is then allowed only to loopback
//! or a registry marked insecure (the validation's rule). Shared by the
//! model (so the CLI and the TUI store the same thing), the probe and the
//! form (which shows the normalised url).

use std::borrow::Cow;

use super::{Credentials, RegistryKind};

/// `host[:port]` without a scheme gains `https://`; anything else (empty,
/// or with a scheme) is returned trimmed.
#[must_use]
pub fn custom_url(value: &str) -> Cow<'_, str> {
    let v = value.trim();
    if v.is_empty() || v.contains("://") {
        Cow::Borrowed(v)
    } else {
        Cow::Owned(format!("https://{v}"))
    }
}

/// Normalises `credentials` of `kind` in place (the Custom url).
pub fn normalize(kind: RegistryKind, credentials: &mut Credentials) {
    if kind != RegistryKind::Custom {
        return;
    }
    if let Some(url) = credentials.get("url")
        && let Cow::Owned(fixed) = custom_url(url)
    {
        credentials.set("url", fixed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_host_and_port_is_https() {
        assert_eq!(
            custom_url("registry.internal:5000"),
            "https://registry.internal:5000"
        );
        assert_eq!(custom_url(" harbor.lab "), "https://harbor.lab");
        assert_eq!(custom_url("http://127.0.0.1:5000"), "http://127.0.0.1:5000");
        assert_eq!(custom_url("https://x.example"), "https://x.example");
        assert_eq!(custom_url(""), "");
    }

    #[test]
    fn only_the_custom_url_changes() {
        let mut c: Credentials = [("url", "registry.internal:5000"), ("username", "u")]
            .into_iter()
            .collect();
        normalize(RegistryKind::Custom, &mut c);
        assert_eq!(c.get("url"), Some("https://registry.internal:5000"));
        assert_eq!(c.get("username"), Some("u"));
        let mut acr: Credentials = [("loginServer", "x.azurecr.io")].into_iter().collect();
        normalize(RegistryKind::Acr, &mut acr);
        assert_eq!(acr.get("loginServer"), Some("x.azurecr.io"));
    }
}
