//! The last delete this session made, for `u` (undo): enough to find the
//! record again in the backup the delete's save left beside the vault.

/// What was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletedKind {
    Registry,
    Container,
}

impl DeletedKind {
    pub fn noun(self) -> &'static str {
        match self {
            DeletedKind::Registry => "registry",
            DeletedKind::Container => "container",
        }
    }
}

/// A record deleted by a save of this session (its id and name as they
/// were).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    pub kind: DeletedKind,
    pub id: String,
    pub name: String,
}

/// The one record `before` has and `after` lacks, when a save removed
/// exactly one registry or one container (a delete); `None` otherwise.
/// Runs on every save: the counts rule out most saves at once, and the
/// missing one is found through a set, not a scan per record.
pub fn deleted_between(
    before: &crate::model::VaultData,
    after: &crate::model::VaultData,
) -> Option<Deleted> {
    use std::collections::HashSet;
    let registry_gone = before.registries.len() == after.registries.len() + 1;
    let container_gone = before.containers.len() == after.containers.len() + 1;
    match (registry_gone, container_gone) {
        (true, false) if before.containers.len() == after.containers.len() => {
            let kept: HashSet<&str> = after.registries.iter().map(|r| r.id.as_str()).collect();
            let r = before
                .registries
                .iter()
                .find(|r| !kept.contains(r.id.as_str()))?;
            Some(Deleted {
                kind: DeletedKind::Registry,
                id: r.id.as_str().to_owned(),
                name: r.name.clone(),
            })
        }
        (false, true) if before.registries.len() == after.registries.len() => {
            let kept: HashSet<&str> = after.containers.iter().map(|c| c.id.as_str()).collect();
            let c = before
                .containers
                .iter()
                .find(|c| !kept.contains(c.id.as_str()))?;
            Some(Deleted {
                kind: DeletedKind::Container,
                id: c.id.as_str().to_owned(),
                name: c.name.clone(),
            })
        }
        _ => None,
    }
}
