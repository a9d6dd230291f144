//! What the vault keeps about Kubernetes: each pull Secret regvault applied
//! (cluster, namespace, name and the object's uid), and the key of the
//! credentials-hash annotation.
//!
//! Why records: a cluster's labels and annotations can be written by anyone
//! who may create a Secret in a namespace. `sync`, `refresh`, `status` and
//! `prune` act only on Secrets recorded here, and only while their uid is
//! the recorded one; a Secret that merely carries regvault's marks is
//! *foreign*.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{RegistryId, VaultData};
use crate::secret::SecretValue;

/// One Secret regvault created or took over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedSecret {
    pub registry_id: RegistryId,
    /// The API server's URL, as the kubeconfig context names it.
    pub server: String,
    pub namespace: String,
    pub name: String,
    /// The object's uid when regvault last wrote it: a Secret of the same
    /// name with another uid is not this one.
    pub uid: String,
    pub applied_at: Timestamp,
}

/// The Kubernetes part of the vault.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeRecords {
    /// HMAC-SHA256 key (64 hex digits) of the `credentials-hash`
    /// annotation: random per vault, created when first needed, never shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_hash_key: Option<SecretValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<AppliedSecret>,
}

impl KubeRecords {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.credentials_hash_key.is_none() && self.applied.is_empty()
    }

    /// Creates the hash key when there is none (32 bytes from the OS random
    /// source, hex). Returns whether it did.
    ///
    /// # Panics
    /// The OS random source failed (as record ids do).
    pub fn ensure_hash_key(&mut self) -> bool {
        if self.credentials_hash_key.is_some() {
            return false;
        }
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut *bytes).expect("the OS random source failed");
        let mut hex = String::with_capacity(64);
        for b in bytes.iter() {
            hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        self.credentials_hash_key = Some(SecretValue::new(hex));
        true
    }
}

impl VaultData {
    /// The Secrets recorded for `registry` on the cluster at `server`.
    pub fn applied_secrets<'a>(
        &'a self,
        server: &'a str,
        registry: &'a RegistryId,
    ) -> impl Iterator<Item = &'a AppliedSecret> + 'a {
        self.kube
            .applied
            .iter()
            .filter(move |a| a.server == server && &a.registry_id == registry)
    }

    /// Records (or re-records) a Secret regvault wrote: one record per
    /// cluster, namespace and name.
    pub fn record_applied(&mut self, rec: AppliedSecret) {
        let same = |a: &AppliedSecret| {
            a.server == rec.server && a.namespace == rec.namespace && a.name == rec.name
        };
        match self.kube.applied.iter_mut().find(|a| same(a)) {
            Some(old) => *old = rec,
            None => self.kube.applied.push(rec),
        }
    }

    /// Forgets the record of a Secret that is gone (deleted by a prune, or
    /// replaced by another object).
    pub fn forget_applied(&mut self, server: &str, namespace: &str, name: &str) {
        self.kube
            .applied
            .retain(|a| !(a.server == server && a.namespace == namespace && a.name == name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(ns: &str, uid: &str) -> AppliedSecret {
        AppliedSecret {
            registry_id: RegistryId::parse("reg-abc123").unwrap(),
            server: "https://127.0.0.1:6443".into(),
            namespace: ns.into(),
            name: "ghcr-creds".into(),
            uid: uid.into(),
            applied_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn one_record_per_cluster_namespace_and_name() {
        let mut d = VaultData::default();
        d.record_applied(rec("env-a", "u1"));
        d.record_applied(rec("env-b", "u2"));
        d.record_applied(rec("env-a", "u3"));
        assert_eq!(d.kube.applied.len(), 2);
        assert_eq!(d.kube.applied[0].uid, "u3");
        let id = RegistryId::parse("reg-abc123").unwrap();
        assert_eq!(d.applied_secrets("https://127.0.0.1:6443", &id).count(), 2);
        assert_eq!(d.applied_secrets("https://other:6443", &id).count(), 0);
        d.forget_applied("https://127.0.0.1:6443", "env-a", "ghcr-creds");
        assert_eq!(d.kube.applied, vec![rec("env-b", "u2")]);
    }

    #[test]
    fn the_hash_key_is_random_and_made_once() {
        let (mut a, mut b) = (KubeRecords::default(), KubeRecords::default());
        assert!(a.ensure_hash_key() && b.ensure_hash_key());
        let key = a.credentials_hash_key.clone().unwrap();
        assert_eq!(key.expose().len(), 64);
        assert!(!a.ensure_hash_key());
        assert_eq!(a.credentials_hash_key.as_ref(), Some(&key));
        assert_ne!(a.credentials_hash_key, b.credentials_hash_key);
        assert!(!format!("{a:?}").contains(key.expose()));
    }
}
