//! The credential helper's view of the registries: which serve a host as
//! docker names it, the one answering when several do (the registry marked
//! default for that host), and the marking itself — by the registry's
//! creator or a member the creator named, at most one per host.

use jiff::Timestamp;

use super::error::RuleError;
use super::registry_rules::may_manage;
use super::{Registry, VaultData};
use crate::registry::hosts::HostPattern;

impl Registry {
    /// The hosts it serves; `None` for public images (nothing to serve).
    pub fn host_pattern(&self) -> Option<HostPattern> {
        HostPattern::of(
            self.kind,
            &self.credentials,
            self.ecr_token.as_ref().map(|t| t.account_id.as_str()),
        )
    }
}

/// `name (id)`, as errors list registries.
fn named(r: &Registry) -> String {
    format!("{} ({})", super::escape(&r.name), r.id)
}

impl VaultData {
    /// Every registry that serves `host` (reduced by
    /// `registry::infer::server_host`), in vault order.
    pub fn registries_for_host(&self, host: &str) -> Vec<&Registry> {
        self.registries
            .iter()
            .filter(|r| {
                crate::registry::hosts::may_serve(r.kind, &r.credentials, host)
                    && r.host_pattern().is_some_and(|p| p.matches(host))
            })
            .collect()
    }

    /// The registry that answers for `host`: the only one, else the one
    /// marked default; `Ok(None)` when none serves it.
    ///
    /// # Errors
    /// `AmbiguousHost` (naming them) when several serve it and not exactly
    /// one of them is marked default.
    pub fn registry_for_host(&self, host: &str) -> Result<Option<&Registry>, RuleError> {
        let all = self.registries_for_host(host);
        if all.len() <= 1 {
            return Ok(all.first().copied());
        }
        let defaults: Vec<&Registry> = all.iter().copied().filter(|r| r.host_default).collect();
        if let [one] = defaults[..] {
            return Ok(Some(one));
        }
        let listed = if defaults.is_empty() { &all } else { &defaults };
        Err(RuleError::AmbiguousHost {
            host: host.to_owned(),
            registries: listed.iter().map(|r| named(r)).collect(),
        })
    }

    /// Marks (`on`) or unmarks the registry as the one the credential
    /// helper serves for its host; marking unmarks any other registry for
    /// the same host. Only the creator or a delegate may. Returns whether
    /// anything changed.
    pub fn set_host_default(
        &mut self,
        id_or_name: &str,
        on: bool,
        user: &str,
        now: Timestamp,
    ) -> Result<bool, RuleError> {
        let idx = self.registry_index(id_or_name)?;
        let r = &self.registries[idx];
        if !may_manage(r, user) {
            return Err(RuleError::NotCreator {
                name: r.name.clone(),
                action: "change the host default of",
                delegable: true,
            });
        }
        let Some(pattern) = r.host_pattern() else {
            return Err(RuleError::NoHost(r.name.clone()));
        };
        let mut changed = false;
        if on {
            for (i, other) in self.registries.iter_mut().enumerate() {
                if i != idx
                    && other.host_default
                    && other.host_pattern().is_some_and(|p| p.overlaps(&pattern))
                {
                    other.host_default = false;
                    other.updated_at = now;
                    changed = true;
                }
            }
        }
        let r = &mut self.registries[idx];
        if r.host_default != on {
            r.host_default = on;
            r.updated_at = now;
            changed = true;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NewRegistry;
    use crate::registry::{Credentials, RegistryKind};

    fn custom(d: &mut VaultData, name: &str, url: &str, user: &str) -> String {
        let creds: Credentials = [("url", url), ("username", "u"), ("password", "p")]
            .into_iter()
            .collect();
        let new = NewRegistry {
            name: name.into(),
            kind: RegistryKind::Custom,
            credentials: creds,
        };
        let (id, _) = d.add_registry(new, user, Timestamp::UNIX_EPOCH).unwrap();
        id.to_string()
    }

    #[test]
    fn several_for_a_host_need_a_default() {
        let mut d = VaultData::default();
        let a = custom(&mut d, "a", "http://127.0.0.1:5000", "alice");
        let b = custom(&mut d, "b", "http://127.0.0.1:5000/v2/", "bob");
        custom(&mut d, "c", "http://127.0.0.1:5001", "alice");
        assert_eq!(
            d.registry_for_host("127.0.0.1:5001").unwrap().unwrap().name,
            "c"
        );
        assert!(d.registry_for_host("127.0.0.1:5002").unwrap().is_none());
        let err = d
            .registry_for_host("127.0.0.1:5000")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("a ({a})")) && err.contains(&format!("b ({b})")),
            "{err}"
        );
        // Bob may not mark alice's registry; alice may.
        assert!(matches!(
            d.set_host_default(&a, true, "bob", Timestamp::UNIX_EPOCH),
            Err(RuleError::NotCreator { .. })
        ));
        assert!(
            d.set_host_default(&a, true, "alice", Timestamp::UNIX_EPOCH)
                .unwrap()
        );
        assert_eq!(
            d.registry_for_host("127.0.0.1:5000").unwrap().unwrap().name,
            "a"
        );
        // Marking b unmarks a: one default per host.
        assert!(
            d.set_host_default(&b, true, "bob", Timestamp::UNIX_EPOCH)
                .unwrap()
        );
        assert_eq!(
            d.registry_for_host("127.0.0.1:5000").unwrap().unwrap().name,
            "b"
        );
        assert!(!d.registry(&a).unwrap().host_default);
        assert!(
            d.set_host_default(&b, false, "bob", Timestamp::UNIX_EPOCH)
                .unwrap()
        );
        assert!(d.registry_for_host("127.0.0.1:5000").is_err());
    }
}
