//! The entries a save of the vault's records stands for, from the data
//! before and after: one per registry or container added, deleted,
//! rotated (its credentials or type changed) or otherwise updated. The
//! TUI's form saves and the CLI's direct commands both go through this,
//! so the same change leaves the same entries from either face. Test
//! results and ECR tokens are not here: the operations that record them
//! write their own entries.

use std::collections::HashMap;

use super::{Action, Entry, Outcome, Who};
use crate::model::{Container, Registry, VaultData};

fn registry_entry(who: &Who, action: Action, r: &Registry) -> Entry {
    Entry::new(who.clone(), action, Outcome::Ok).registry(r.id.as_str(), r.name.as_str())
}

fn container_entry(who: &Who, action: Action, c: &Container) -> Entry {
    let e = Entry::new(who.clone(), action, Outcome::Ok).container(c.id.as_str(), c.name.as_str());
    e.place(format!("environment {}", c.environment))
}

/// Turns the `add` entries of `changes` into `import` entries from
/// `source` (the file or Secret they came from), as both faces log an
/// import.
pub fn as_imports(entries: &mut [Entry], source: &str) {
    for e in entries.iter_mut().filter(|e| e.action == Action::Add) {
        e.action = Action::Import;
        e.place = Some(crate::model::escape(source).into_owned());
    }
}

/// What changed between `before` and `after`, oldest record first.
pub fn changes(before: &VaultData, after: &VaultData, who: &Who) -> Vec<Entry> {
    let mut out = Vec::new();
    let old: HashMap<&str, &Registry> = before
        .registries
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let new: HashMap<&str, &Registry> = after
        .registries
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    for r in &after.registries {
        let tested = r.last_test.as_ref().filter(|t| {
            old.get(r.id.as_str())
                .is_none_or(|o| o.last_test.as_ref() != Some(*t))
        });
        match old.get(r.id.as_str()) {
            None => out.push(
                registry_entry(who, Action::Add, r).reason(format!("type {}", r.kind.type_key())),
            ),
            Some(o) => {
                if o.credentials != r.credentials || o.kind != r.kind {
                    out.push(registry_entry(who, Action::Rotate, r).reason("credentials changed"));
                }
                let mut what = Vec::new();
                if o.name != r.name {
                    what.push(format!("renamed from {}", o.name));
                }
                if o.connection != r.connection {
                    what.push("connection settings changed".to_owned());
                }
                if o.delegates != r.delegates {
                    what.push(format!("delegates now {}", r.delegates.join(", ")));
                }
                if !what.is_empty() {
                    out.push(registry_entry(who, Action::Update, r).reason(what.join("; ")));
                }
            }
        }
        if let Some(t) = tested {
            let e = registry_entry(who, Action::Test, r);
            out.push(if t.passed() {
                e.reason(&t.summary)
            } else {
                e.failed(&format_args!("{}: {}", t.outcome.as_str(), t.summary))
            });
        }
    }
    for r in &before.registries {
        if !new.contains_key(r.id.as_str()) {
            out.push(registry_entry(who, Action::Delete, r));
        }
    }
    let old: HashMap<&str, &Container> = before
        .containers
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    let new: HashMap<&str, &Container> = after
        .containers
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    for c in &after.containers {
        match old.get(c.id.as_str()) {
            None => out.push(container_entry(who, Action::ContainerAdd, c).reason(c.image_ref())),
            Some(o) if *o != c => {
                out.push(container_entry(who, Action::Update, c).reason(c.image_ref()));
            }
            Some(_) => {}
        }
    }
    for c in &before.containers {
        if !new.contains_key(c.id.as_str()) {
            out.push(container_entry(who, Action::ContainerDelete, c));
        }
    }
    out
}
