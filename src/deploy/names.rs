//! Kubernetes names from regvault names: DNS-1123 labels (lowercase
//! letters, digits and `-`, alphanumeric at both ends, at most 63).
//!
//! Two registries (or two containers of one environment) whose names slug
//! alike would otherwise share one object; the older keeps the plain name
//! and the newer gets a short id suffix, so adding a registry never renames
//! the Secret of one that is already deployed.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;

use crate::model::{Container, Registry, RegistryId};

/// The longest DNS-1123 label.
pub const MAX_LABEL: usize = 63;
const CREDS_TAIL: &str = "-creds";

/// Whether `s` is a DNS-1123 label.
#[must_use]
pub fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_LABEL
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// `name` as a DNS-1123 label of at most `max` characters: lowercased,
/// every run of other characters (`.`, `_`, spaces, non-ASCII) one `-`,
/// trimmed of `-`. Empty when the name has no ASCII letter or digit.
#[must_use]
pub fn slug(name: &str, max: usize) -> String {
    let mut out = String::with_capacity(name.len().min(max));
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max.min(MAX_LABEL));
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The random part of an id (`abc123` of `reg-abc123`).
fn id_suffix(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(_, s)| s)
}

/// Names ending in `tail`, unique among `items` (id, created, name). The
/// oldest of a clash keeps the plain name.
fn unique_names<'a>(
    items: impl Iterator<Item = (&'a str, Timestamp, &'a str)>,
    tail: &str,
) -> BTreeMap<&'a str, String> {
    let budget = MAX_LABEL - tail.len();
    let mut items: Vec<_> = items.collect();
    items.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
    let mut used: HashSet<String> = HashSet::new();
    let mut out = BTreeMap::new();
    for (id, _, name) in items {
        let named = |suffix: &str| {
            let room = if suffix.is_empty() {
                budget
            } else {
                budget.saturating_sub(suffix.len() + 1)
            };
            let base = match slug(name, room) {
                b if b.is_empty() => slug(id, room),
                b => b,
            };
            if suffix.is_empty() {
                format!("{base}{tail}")
            } else {
                format!("{base}-{suffix}{tail}")
            }
        };
        let short = id_suffix(id);
        // Ids are unique, so a clash past the id suffixes is contrived
        // (names made to look like other registries' ids); count on.
        let name = [String::new(), short.to_owned(), slug(id, budget)]
            .iter()
            .map(|sfx| named(sfx))
            .chain((2..=u32::MAX).map(|i| named(&format!("{short}{i}"))))
            .find(|n| !used.contains(n))
            .unwrap_or_default();
        used.insert(name.clone());
        out.insert(id, name);
    }
    out
}

/// The Secret name of every registry: its slug + `-creds` (`ghcr-creds`).
#[must_use]
pub fn secret_names(registries: &[Registry]) -> BTreeMap<RegistryId, String> {
    let by_str: BTreeMap<&str, &RegistryId> =
        registries.iter().map(|r| (r.id.as_str(), &r.id)).collect();
    unique_names(
        registries
            .iter()
            .map(|r| (r.id.as_str(), r.created_at, r.name.as_str())),
        CREDS_TAIL,
    )
    .into_iter()
    .filter_map(|(id, name)| by_str.get(id).map(|id| ((*id).clone(), name)))
    .collect()
}

/// The Deployment name of each container of one environment (they share a
/// namespace whatever registry they pull from), by container id.
#[must_use]
pub fn deployment_names<'a>(
    containers: impl Iterator<Item = &'a Container>,
) -> BTreeMap<&'a str, String> {
    unique_names(
        containers.map(|c| (c.id.as_str(), c.created_at, c.name.as_str())),
        "",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(id: &str, name: &str, created: i64) -> Registry {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "type": "GHCR", "credentials": {},
            "createdBy": "me",
            "createdAt": Timestamp::from_second(created).unwrap_or_default(),
            "updatedAt": "2026-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    fn names(regs: &[Registry]) -> Vec<String> {
        let map = secret_names(regs);
        regs.iter().map(|r| map[&r.id].clone()).collect()
    }

    #[test]
    fn slugs_are_dns_labels() {
        assert_eq!(slug("ghcr", 57), "ghcr");
        assert_eq!(slug("GHCR Prod", 57), "ghcr-prod");
        assert_eq!(slug("my.registry_EU", 57), "my-registry-eu");
        assert_eq!(slug("--Acme__Corp..", 57), "acme-corp");
        assert_eq!(slug("Ünïcode ßtore", 57), "n-code-tore");
        assert_eq!(slug("日本", 57), "");
        let long = "a".repeat(40) + "-" + &"b".repeat(40);
        assert_eq!(slug(&long, 41), "a".repeat(40), "no dash left at the cut");
        assert_eq!(slug(&"x".repeat(100), 200).len(), MAX_LABEL);
        for s in ["ghcr-prod", "a", &"z".repeat(63)] {
            assert!(dns_label(s), "{s}");
        }
        for s in ["", "-a", "a-", "A", "a_b", &"z".repeat(64)] {
            assert!(!dns_label(s), "{s}");
        }
    }

    #[test]
    fn secret_names_fit_and_read_well() {
        let long = "Very Long Registry Name ".repeat(5);
        let regs = [
            reg("reg-aaaaaa", "ghcr", 1),
            reg("reg-bbbbbb", "Docker Hub", 1),
            reg("reg-cccccc", &long, 1),
            reg("reg-dddddd", "日本", 1),
        ];
        let got = names(&regs);
        assert_eq!(got[0], "ghcr-creds");
        assert_eq!(got[1], "docker-hub-creds");
        assert_eq!(got[3], "reg-dddddd-creds", "no letters: the id names it");
        assert_eq!(got[2].len(), MAX_LABEL);
        assert!(got[2].ends_with("-creds") && got[2].starts_with("very-long-registry"));
        assert!(got.iter().all(|n| dns_label(n)), "{got:?}");
    }

    #[test]
    fn colliding_slugs_get_the_id_and_the_oldest_keeps_its_name() {
        let regs = [
            reg("reg-new111", "GHCR", 20),
            reg("reg-old222", "ghcr", 10),
            reg("reg-mid333", "g.h.c.r", 15),
        ];
        assert_eq!(
            names(&regs),
            ["ghcr-new111-creds", "ghcr-creds", "g-h-c-r-creds"]
        );
        let regs = [
            reg("reg-new111", "GHCR", 20),
            reg("reg-old222", "ghcr_", 10),
        ];
        assert_eq!(names(&regs), ["ghcr-new111-creds", "ghcr-creds"]);
        // Adding a newer clash does not rename the deployed one.
        assert_eq!(names(&regs[1..]), ["ghcr-creds"]);
        // Long names that only differ past the cut still get two names.
        let a = "x".repeat(70) + "a";
        let b = "x".repeat(70) + "b";
        let got = names(&[reg("reg-aaaaaa", &a, 1), reg("reg-bbbbbb", &b, 2)]);
        assert_eq!(got[0], "x".repeat(57) + "-creds");
        assert_eq!(got[1], "x".repeat(50) + "-bbbbbb-creds");
        assert!(got.iter().all(|n| dns_label(n)));
    }

    #[test]
    fn a_name_made_to_look_like_a_suffixed_one_still_gets_its_own() {
        let regs = [
            reg("reg-aaaaaa", "ghcr", 1),
            reg("reg-zzzzzz", "ghcr-bbbbbb", 2),
            reg("reg-bbbbbb", "ghcr", 3),
        ];
        let got = names(&regs);
        assert_eq!(got[0], "ghcr-creds");
        assert_eq!(got[1], "ghcr-bbbbbb-creds");
        assert_eq!(got[2], "ghcr-reg-bbbbbb-creds");
        let unique: HashSet<&String> = got.iter().collect();
        assert_eq!(unique.len(), 3);
    }
}
